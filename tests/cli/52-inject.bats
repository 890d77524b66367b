#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --inject, as root with the real BPF programs, on every interpreter present: attach to a
# running program, load the preloaded evaluator into it (ptrace, dlopen), trace it through
# the evaluator's probe sites, detach, and leave it running as before.

load helpers

setup_file() {
	build_peek
}

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
	PEEK="$BATS_FILE_TMPDIR/peek_eval_frame"
}

# The trace came through the injected evaluator, not the evaluator's probes.
injected() { # PY
	grep -q "evaluator injected" vz.err && [[ $(meta trace.json mechanism) == "nop5 probe sites"* ]] ||
		{ echo "$1: not traced through the injected evaluator: $(cat vz.err)"; return 1; }
}

@test "--inject: call trees after attach equal the oracle's, what the threads buffered included, eval_frame restored" {
	local failed=0 py
	for py in $(pythons); do
		ATTACH_ARGS=--inject attach_and_check "$py" && injected "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "--inject: 100 attach/detach rounds leave the program's output and eval_frame unchanged" {
	local failed=0 py pid round before after calls n go="$BATS_TEST_TMPDIR/go"
	for py in $(pythons); do
		rm -f "$go" out.txt
		"$py" "$TARGETS/soak_target.py" "$go" >out.txt 2>&1 3>&- &
		pid=$!
		wait_for_line out.txt ready || { kill $pid; failed=1; continue; }
		before=$("$PEEK" $pid)
		calls=0
		for round in $(seq 100); do
			rm -f trace.json
			# -q: only errors (a fallback to the evaluator's probes is one) reach vz.err.
			"$VIZBPF" -q -o trace.json --inject --duration 0.02 -p $pid 2>vz.err 3>&- &&
				[ ! -s vz.err ] ||
				{ echo "$py: round $round: $(cat vz.err)"; failed=1; break; }
			# The metadata's call count, from the end of the file (jq would read it all).
			n=$(tail -c 65536 trace.json | grep -o '"calls":[0-9]*' | tail -n 1 | cut -d: -f2)
			[ "${n:-0}" -gt 0 ] || { echo "$py: round $round traced no call"; failed=1; break; }
			calls=$((calls + n))
		done
		[[ $(meta trace.json mechanism) == "nop5 probe sites"* ]] ||
			{ echo "$py: mechanism $(meta trace.json mechanism)"; failed=1; }
		python3 "$TOOLS/calltree.py" trace.json - - --check-only || { echo "$py: nesting"; failed=1; }
		after=$("$PEEK" $pid)
		touch "$go"
		wait $pid || { echo "$py: the program failed: $(cat out.txt)"; failed=1; continue; }
		[ "$(cat out.txt)" = "$(printf 'ready\nevery round right\nevery thread ran')" ] ||
			{ echo "$py: output: $(cat out.txt)"; failed=1; }
		[ "$before" = "$after" ] || { echo "$py: eval_frame $before before, $after after"; failed=1; }
		[ "$calls" -gt 1000 ] || { echo "$py: only $calls calls in $round rounds"; failed=1; }
		echo "# $py: $round rounds, $calls calls traced, eval_frame $before before and after" >&3
	done
	[ "$failed" = 0 ]
}

@test "--inject: the attached process's pool workers (fork and spawn) are followed into the trace, no fork stop loaded" {
	local failed=0 py how
	for py in $(pythons); do
		for how in fork spawn; do
			ATTACH_ARGS="--inject -v" attach_pool_round "$py" $how && injected "$py $how" || failed=1
			# the library holds its fork()ed children: the fork stop (a parse of the kernel's
			# whole BTF) is not loaded
			! grep -q "forkstop loaded" vz.err || { echo "$py $how: fork stop loaded"; failed=1; }
		done
	done
	[ "$failed" = 0 ]
}

@test "--inject: a code object freed and reused at the same address is named by what ran" {
	local failed=0 py
	for py in $(pythons); do
		ATTACH_ARGS=--inject attach_reused_round "$py" && injected "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "--inject is for the attach modes" {
	run -64 "$VIZBPF" --inject -- python3 -c pass
	[[ $output == *"--inject is for the attach modes"* ]]
}

@test "--inject: calls still buffered when the program ends, execs, forks or is killed are all in the trace" {
	local failed=0 py how pid vpid go="$BATS_TEST_TMPDIR/go"
	for py in $(pythons); do
		for how in exit kill segv exec thread fork; do
			rm -f "$go" e.json out.txt vz.err
			"$py" "$TARGETS/batch_edges.py" attached "$go" $how >out.txt 2>err.txt 3>&- &
			pid=$!
			wait_for_line out.txt ready || { kill $pid; failed=1; continue; }
			"$VIZBPF" -o e.json --inject -p $pid 2>vz.err 3>&- &
			vpid=$!
			wait_for_line vz.err tracing || { kill $pid $vpid; failed=1; continue; }
			touch "$go"
			wait $pid || true
			wait $vpid || { echo "$py $how: vizbpf failed: $(cat vz.err)"; failed=1; continue; }
			grep -q "evaluator injected" vz.err || { echo "$py $how: not injected: $(cat vz.err)"; failed=1; }
			diff <(said_counts out.txt) <(leaf_counts e.json) ||
				{ echo "$py $how: leaf() slices differ from the calls made"; failed=1; }
			[ "$(meta e.json calls_lost)" = 0 ] || { echo "$py $how: calls lost"; failed=1; }
		done
		echo "# $py: exit, kill, segv, exec, thread, fork: every leaf() call traced" >&3
	done
	[ "$failed" = 0 ]
}

@test "--inject: what a thread buffered when vizbpf detaches from a program that goes on is in the trace" {
	local failed=0 py pid vpid go="$BATS_TEST_TMPDIR/go"
	for py in $(pythons); do
		rm -f "$go" "$go.end" e.json out.txt vz.err
		"$py" "$TARGETS/batch_edges.py" attached "$go" detach >out.txt 2>err.txt 3>&- &
		pid=$!
		wait_for_line out.txt ready || { kill $pid; failed=1; continue; }
		"$VIZBPF" -o e.json --inject -p $pid 2>vz.err 3>&- &
		vpid=$!
		wait_for_line vz.err tracing || { kill $pid $vpid; failed=1; continue; }
		touch "$go"
		# The 100 calls and their returns wait in the thread's buffer (under its 256 slots).
		wait_for_line out.txt leaf= || { kill $pid $vpid; failed=1; continue; }
		kill -TERM $vpid
		wait $vpid || { echo "$py: vizbpf failed: $(cat vz.err)"; failed=1; }
		touch "$go.end"
		wait $pid || { echo "$py: the program failed: $(cat out.txt err.txt)"; failed=1; }
		diff <(said_counts out.txt) <(leaf_counts e.json) ||
			{ echo "$py: leaf() slices differ from the calls made"; failed=1; }
		python3 "$TOOLS/calltree.py" e.json - - --check-only || { echo "$py: nesting"; failed=1; }
		echo "# $py: $(leaf_counts e.json) leaf() calls, taken from the buffer at detach" >&3
	done
	[ "$failed" = 0 ]
}

@test "--inject: a thread holding the loader's lock (a slow constructor) is let go, and the dlopen() waits for it" {
	local failed=0 py pid go="$BATS_TEST_TMPDIR/go" lib="$BATS_FILE_TMPDIR/slow_ctor.so"
	cc -shared -fPIC -o "$lib" "$REPO/tests/fixtures/slow_ctor.c"
	for py in $(pythons); do
		rm -f "$go" out.txt vz.err trace.json
		"$py" "$TARGETS/loader_busy.py" "$go" "$lib" >out.txt 2>&1 3>&- &
		pid=$!
		wait_for_line out.txt ready || { kill $pid; failed=1; continue; }
		# Held with the others, the loading thread would hold the lock for ever.
		timeout 60 "$VIZBPF" -v -o trace.json --inject --duration 0.3 -p $pid 2>vz.err 3>&- ||
			{ echo "$py: vizbpf failed: $(grep -v libbpf vz.err | tail -5)"; failed=1; }
		touch "$go"
		wait $pid || { echo "$py: the program failed: $(cat out.txt)"; failed=1; continue; }
		grep -q "evaluator injected" vz.err || { echo "$py: not injected: $(grep -v libbpf vz.err | tail -5)"; failed=1; }
		[ "$(cat out.txt)" = "$(printf 'ready\nlibrary loaded\nrounds ran')" ] ||
			{ echo "$py: output: $(cat out.txt)"; failed=1; }
		[ "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("leaf (")))] | length' trace.json)" -gt 0 ] ||
			{ echo "$py: no leaf() call traced"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "--inject: vizbpf killed while the thread it called dlopen() on is in it: the program runs on, as untraced" {
	local failed=0 py pid vpid st want go="$BATS_TEST_TMPDIR/go" lib="$BATS_FILE_TMPDIR/slow_eval.so"
	# The evaluator with a constructor that sleeps: the dlopen() lasts, vizbpf is killed in it.
	cc -O2 -fPIC -shared -std=gnu11 -I"$REPO/bpf" -o "$lib" "$REPO"/user/preload/*.c \
		"$REPO/tests/fixtures/slow_ctor.c" -ldl -lpthread
	for py in $(pythons); do
		want=$("$py" "$TARGETS/killed_target.py" threads 20 | tail -1)
		rm -f "$go" out.txt vz.err
		VIZBPF_SLOW_CTOR_MS=1500 "$py" "$TARGETS/killed_target.py" threads 20 "$go" >out.txt 2>&1 3>&- &
		pid=$!
		wait_for_line out.txt ready || { kill $pid; failed=1; continue; }
		VIZBPF_EVAL_LIB="$lib" "$VIZBPF" -v --inject -o trace.json -p $pid 2>vz.err 3>&- &
		vpid=$!
		wait_for_line vz.err "dlopen() from thread" || { kill -KILL $vpid $pid; failed=1; continue; }
		sleep 0.3
		kill -KILL $vpid
		wait $vpid 2>/dev/null || true
		touch "$go"
		st=0
		wait $pid || st=$?
		[ $st = 0 ] && [ "$(tail -1 out.txt)" = "$want" ] ||
			{ echo "$py: exit status $st, output '$(tail -1 out.txt)', untraced '$want'"; failed=1; }
	done
	[ "$failed" = 0 ]
}
