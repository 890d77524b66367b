#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# End to end, as root with the real BPF programs, on every interpreter present:
# traced call trees equal the sys.setprofile oracle's, the program behaves as
# untraced, nothing is lost.

load helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
}

# Traces TARGET with PY and checks it against the oracle; prints why on failure.
check_against_oracle() {
	local py=$1 target=$2 name
	name=$(basename "$py")
	"$VIZBPF" -q -o trace.json -- "$py" "$target" >traced.out 2>traced.err ||
		{ echo "$py: vizbpf exited $?: $(cat traced.err)"; return 1; }
	"$py" "$TOOLS/oracle.py" oracle.json "$target" >oracle.out ||
		{ echo "$py: the oracle failed"; return 1; }
	cmp -s traced.out oracle.out || { echo "$py: output differs from the untraced run"; return 1; }
	python3 "$TOOLS/calltree.py" trace.json oracle.json "$target" >cmp.txt ||
		{ echo "$py: call trees differ:"; head -40 cmp.txt; return 1; }
	echo "# $py: $(cat cmp.txt)" >&3
}

@test "call trees equal the sys.setprofile oracle on every interpreter (mixed program)" {
	local failed=0 py
	for py in $(pythons); do
		check_against_oracle "$py" "$TARGETS/mixed.py" || failed=1
		# Launch mode takes the fast path (the preloaded evaluator's probe sites).
		[[ $(meta trace.json mechanism) == "nop5 probe sites"* ]] || { echo "$py: $(meta trace.json mechanism)"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "without the preloaded evaluator (uprobe+uretprobe on the evaluator), call trees still equal the oracle's" {
	local failed=0 py
	export VIZBPF_EVAL_LIB=
	for py in $(pythons); do
		check_against_oracle "$py" "$TARGETS/mixed.py" || failed=1
		[[ $(meta trace.json mechanism) == uprobe+uretprobe* ]] || { echo "$py: $(meta trace.json mechanism)"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "forked children and subprocesses print what they print untraced; subprocesses do not inherit vizbpf's LD_PRELOAD" {
	local failed=0 py want got
	for py in $(pythons); do
		want=$("$py" "$TARGETS/forks.py" 2>&1)
		got=$(LD_PRELOAD= "$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/forks.py" 2>&1) ||
			{ echo "$py: traced run failed: $got"; failed=1; continue; }
		[ "$got" = "$want" ] || { echo "$py: '$got' != '$want'"; failed=1; }
		[[ $want == *"subprocess sees LD_PRELOAD: False"* ]] || { echo "$py: $want"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "launch mode follows fork(): os.fork children and a multiprocessing fork pool, one track each" {
	local failed=0 py procs squares child
	for py in $(pythons); do
		"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/pool.py" fork >out.txt ||
			{ echo "$py: vizbpf failed"; failed=1; continue; }
		[ "$(cat out.txt)" = 2470 ] || { echo "$py: output $(cat out.txt)"; failed=1; }
		procs=$(jq '[.traceEvents[] | select(.ph == "M" and .name == "process_name")] | length' trace.json)
		squares=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("square (")))] | length' trace.json)
		# square() runs only in the workers: all 20 calls are there, under the workers' pids.
		[ "$procs" = 3 ] && [ "$squares" = 20 ] || { echo "$py: $procs processes, $squares square() calls"; failed=1; }
		LD_PRELOAD= "$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/forks.py" >/dev/null || failed=1
		child=$(jq -r '[.traceEvents[] | select(.ph == "X" and (.name | startswith("child_work ("))) | .pid] | unique | length' trace.json)
		[ "$child" = 1 ] || { echo "$py: child_work() not traced in the child"; failed=1; }
		echo "# $py: $procs processes, $squares square() calls in the workers" >&3
	done
	[ "$failed" = 0 ]
}

@test "the fork stop (kernel's whole BTF) loads only for processes traced by probes; forks are followed either way" {
	local failed=0 py child
	for py in $(pythons); do
		for lib in default none; do
			if [ $lib = none ]; then
				VIZBPF_EVAL_LIB= "$VIZBPF" -v -o trace.json -- "$py" "$TARGETS/forks.py" >out.txt 2>err.txt
			else
				"$VIZBPF" -v -o trace.json -- "$py" "$TARGETS/forks.py" >out.txt 2>err.txt
			fi || { echo "$py ($lib): vizbpf failed: $(tail -3 err.txt)"; failed=1; continue; }
			child=$(jq -r '[.traceEvents[] | select(.ph == "X" and (.name | startswith("child_work ("))) | .pid] | unique | length' trace.json)
			[ "$child" = 1 ] || { echo "$py ($lib): child_work() not traced in the child"; failed=1; }
			if [ $lib = none ]; then # the evaluator's probes carry the calls: forks stopped by BPF
				grep -q "forkstop loaded" err.txt || { echo "$py: no fork stop without the library"; failed=1; }
			else # the library's fork handler holds its children: not loaded
				! grep -q "forkstop loaded" err.txt || { echo "$py: fork stop loaded with the library"; failed=1; }
			fi
		done
	done
	[ "$failed" = 0 ]
}

@test "launch mode follows exec too: spawn and forkserver pools, ProcessPoolExecutor, a Python subprocess" {
	local failed=0 py how pids squares lost sub
	for py in $(pythons); do
		for how in spawn forkserver "spawn executor" "forkserver executor"; do
			# shellcheck disable=SC2086
			"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/pool.py" $how >out.txt ||
				{ echo "$py $how: vizbpf failed"; failed=1; continue; }
			[ "$(cat out.txt)" = 2470 ] || { echo "$py $how: output $(cat out.txt)"; failed=1; }
			python3 "$TOOLS/calltree.py" trace.json - - --check-only || failed=1
			# every square() call, all in processes other than the launched one
			squares=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("square (")))] | length' trace.json)
			pids=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("square ("))) | .pid] | unique | length' trace.json)
			lost=$(meta trace.json processes_not_followed)
			[ "$squares" = 20 ] && [ "$pids" -ge 1 ] && [ "$lost" = 0 ] ||
				{ echo "$py $how: $squares square() calls in $pids processes, $lost not followed"; failed=1; }
		done
		# forks.py runs `python -c ...` through subprocess: its <module> is in the trace
		LD_PRELOAD= "$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/forks.py" >/dev/null || failed=1
		sub=$(jq -r '.traceEvents[] | select(.ph == "M" and .name == "process_name" and
			(.args.name | contains("import os; print"))) | .pid' trace.json | head -n 1)
		[ -n "$sub" ] && [ "$(jq --argjson p "$sub" '[.traceEvents[] | select(.ph == "X" and .pid == $p
			and (.name | startswith("<module> (<string>")))] | length' trace.json)" -ge 1 ] ||
			{ echo "$py: the subprocess (pid '$sub') is not in the trace with its <module>"; failed=1; }
		echo "# $py: spawn/forkserver pools and executors: 20 square() calls each; subprocess traced" >&3
	done
	[ "$failed" = 0 ]
}

# The names of a trace's thread tracks but MainThread, sorted, joined by " | ".
thread_names() {
	jq -r '[.traceEvents[] | select(.ph == "M" and .name == "thread_name") | .args.name
		| select(. != "MainThread")] | sort | join(" | ")' "$1"
}

@test "thread tracks carry the Python thread's name (threading.Thread.name)" {
	local failed=0 py want got
	for py in $(pythons); do
		want=$("$py" "$TARGETS/named_threads.py")
		"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/named_threads.py" >out.txt ||
			{ echo "$py: vizbpf failed"; failed=1; continue; }
		[ "$(cat out.txt)" = "$want" ] || { echo "$py: output $(cat out.txt)"; failed=1; }
		# the program prints its threads' names; the trace names their tracks the same
		got=$(thread_names trace.json)
		[ "$got" = "$(tail -n 1 out.txt)" ] || { echo "$py: tracks '$got', threads '$(tail -n 1 out.txt)'"; failed=1; }
		# attached while the threads run: their tracks are named too
		rm -f go
		"$py" "$TARGETS/named_threads.py" "$BATS_TEST_TMPDIR/go" >out.txt 3>&- &
		local pid=$!
		wait_for_line out.txt ready || failed=1
		"$VIZBPF" -q -o trace.json -p $pid --duration 0.2 || failed=1
		touch go
		wait $pid || failed=1
		got=$(thread_names trace.json)
		[ "$got" = "$(tail -n 1 out.txt)" ] || { echo "$py -p: tracks '$got', threads '$(tail -n 1 out.txt)'"; failed=1; }
		echo "# $py: $got" >&3
	done
	[ "$failed" = 0 ]
}

@test "threads that live under a millisecond are named too (launch and attach)" {
	local failed=0 py want got
	for py in $(pythons); do
		"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/short_threads.py" >out.txt ||
			{ echo "$py: vizbpf failed"; failed=1; continue; }
		want=$(tail -n 1 out.txt)
		got=$(thread_names trace.json)
		[ "$got" = "$want" ] || { echo "$py: tracks '$got', threads '$want'"; failed=1; }
		# attached before the threads start
		rm -f go vz.err
		"$py" "$TARGETS/short_threads.py" "$BATS_TEST_TMPDIR/go" >out.txt 3>&- &
		local pid=$!
		wait_for_line out.txt ready || failed=1
		"$VIZBPF" -o trace.json -p $pid 2>vz.err 3>&- &
		local vpid=$!
		wait_for_line vz.err tracing || failed=1
		touch go
		wait $pid || failed=1
		wait $vpid || { echo "$py -p: vizbpf failed: $(cat vz.err)"; failed=1; }
		want=$(tail -n 1 out.txt)
		got=$(thread_names trace.json)
		[ "$got" = "$want" ] || { echo "$py -p: tracks '$got', threads '$want'"; failed=1; }
		echo "# $py: 20 short threads named in launch and attach mode" >&3
	done
	[ "$failed" = 0 ]
}

@test "vizbpf's hold at the first call is cut out of the program's slices and marked" {
	local failed=0 py elapsed t0 t1
	for py in $(pythons); do
		t0=$(date +%s%N)
		"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/timed.py" >out.txt ||
			{ echo "$py: vizbpf failed"; failed=1; continue; }
		t1=$(date +%s%N)
		elapsed=$(tail -n 1 out.txt)
		# the top slices last what the program measured (within 5 ms), the hold is marked
		python3 "$TOOLS/heldcheck.py" trace.json "$elapsed" $(((t1 - t0) / 1000000)) >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		python3 "$TOOLS/calltree.py" trace.json - - --check-only >nest.txt ||
			{ echo "$py: $(head -5 nest.txt)"; failed=1; continue; }
		echo "# $py: $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "a child still being followed when the traced program exits is let go, never left stopped" {
	local failed=0 py i done
	for py in $(pythons); do
		for i in 1 2 3; do
			rm -f "done.$i"
			# no pipe to vizbpf: a child left stopped would hold it open
			"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/orphan.py" "$BATS_TEST_TMPDIR/done.$i" \
				>/dev/null 2>&1 3>&- || failed=1
		done
		for _ in $(seq 100); do [ -e done.1 ] && [ -e done.2 ] && [ -e done.3 ] && break; sleep 0.05; done
		done=$(ls done.* 2>/dev/null | wc -l)
		[ "$done" = 3 ] || { echo "$py: $done of 3 children finished"; failed=1; }
		pkill -CONT -f "time.sleep\(0.2\); open" || true
	done
	[ "$failed" = 0 ]
}

@test "--pid_suffix writes one complete trace per process" {
	run -0 "$VIZBPF" -q -o "$BATS_TEST_TMPDIR/t.json" --pid_suffix -- python3 "$TARGETS/pool.py" fork
	[ "$output" = 2470 ]
	run -0 bash -c "ls '$BATS_TEST_TMPDIR' | grep -cE '^t_[0-9]+\.json$'"
	[ "$output" = 3 ]
	local total=0 f n
	for f in "$BATS_TEST_TMPDIR"/t_*.json; do
		# each file: one process, valid nesting, its own metadata
		[ "$(jq '[.traceEvents[] | .pid] | unique | length' "$f")" = 1 ]
		[ "$(jq -r '.viztracer_metadata.producer' "$f")" = vizbpf ]
		python3 "$TOOLS/calltree.py" "$f" - - --check-only
		n=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("square (")))] | length' "$f")
		total=$((total + n))
	done
	[ "$total" = 20 ]
}

@test "recursion to depth 950 completes traced as it does untraced" {
	local failed=0 py want got
	for py in $(pythons); do
		want=$("$py" "$TARGETS/recursion.py" 950 2>&1)
		got=$("$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/recursion.py" 950 2>&1) ||
			{ echo "$py: traced run failed: $got"; failed=1; continue; }
		[ "$got" = "$want" ] || { echo "$py: '$got' != '$want'"; failed=1; continue; }
		# Every level is in the trace, nested: the deepest down() is 951 levels down.
		n=$(jq '[.traceEvents[] | select(.name | startswith("down ("))] | length' trace.json)
		[ "$n" = 951 ] || { echo "$py: $n down() slices, expected 951"; failed=1; }
		python3 "$TOOLS/calltree.py" trace.json /dev/null /dev/null --check-only ||
			{ echo "$py: invalid nesting"; failed=1; }
	done
	[ "$failed" = 0 ]
}

# Depth for deep_recursion.py: 50000 on 3.11+ (no C stack per call untraced); up to 3.10 each
# call takes an evaluator frame untraced too, so a depth 3-5% short of where the untraced run
# overflows 8 MB (measured: 3.8 16786, 3.9 23750, 3.10 20078), beyond where the hook's frames
# overflowed it before they were given room (3.8 ~14870, 3.9 ~21796, 3.10 ~18671).
deep_depth() {
	case $("$1" -c 'import sys; print(sys.version_info[1])') in
	8) echo 16000 ;; 9) echo 23000 ;; 10) echo 19500 ;; *) echo 50000 ;;
	esac
}

@test "deep recursion, the recursion limit raised: completes traced as it does untraced" {
	local failed=0 py depth want got n
	for py in $(pythons); do
		depth=$(deep_depth "$py")
		want=$("$py" "$TARGETS/deep_recursion.py" "$depth" 2>&1) ||
			{ echo "$py: fails untraced at depth $depth: $want"; failed=1; continue; }
		got=$("$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/deep_recursion.py" "$depth" 2>&1) ||
			{ echo "$py: traced run failed (status $?): ${got: -300}"; failed=1; continue; }
		[ "$got" = "$want" ] || { echo "$py: '${got: -300}' != '$want'"; failed=1; continue; }
		n=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("down (")))] | length' trace.json)
		[ "$n" = $((depth + 1)) ] || { echo "$py: $n down() slices, expected $((depth + 1))"; failed=1; }
		python3 "$TOOLS/calltree.py" trace.json /dev/null /dev/null --check-only ||
			{ echo "$py: invalid nesting"; failed=1; }
		echo "# $py: depth $depth, $n down() slices" >&3
	done
	[ "$failed" = 0 ]
}

@test "nested repr, pickle and Python __repr__ fail at the depth they fail untraced" {
	local failed=0 py want got
	for py in $(pythons); do
		want=$("$py" "$TARGETS/recursion_limits.py" 2>&1)
		got=$("$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/recursion_limits.py" 2>&1) ||
			{ echo "$py: traced run failed: $got"; failed=1; continue; }
		[ "$got" = "$want" ] || { echo "$py: traced: $(echo $got) untraced: $(echo $want)"; failed=1; continue; }
		echo "# $py: $(echo $got)" >&3
	done
	[ "$failed" = 0 ]
}

# Refused deep (default limit) and within the 64 frames whose returns the evaluator probes see
# (limit 40), through the preloaded evaluator and through the evaluator probes.
@test "a call refused by the recursion limit (RecursionError) is no slice, and is counted" {
	local failed=0 py lib limit
	for py in $(pythons); do
		for lib in default none; do
			for limit in 1000 40; do
				"$py" "$TARGETS/recursion_error.py" $limit >untraced.out
				if [ $lib = none ]; then
					VIZBPF_EVAL_LIB= "$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/recursion_error.py" $limit >traced.out
				else
					"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/recursion_error.py" $limit >traced.out
				fi || { echo "$py: traced run failed"; failed=1; continue; }
				cmp -s traced.out untraced.out || { echo "$py: output differs"; failed=1; continue; }
				check_refused_calls "$py (limit $limit, evaluator library: $lib)" trace.json traced.out ||
					failed=1
			done
		done
	done
	[ "$failed" = 0 ]
}

@test "a million calls at default settings: none lost" {
	local failed=0 py n
	for py in $(pythons); do
		"$VIZBPF" -q -o trace.json.gz -- "$py" "$TARGETS/million.py" >/dev/null ||
			{ echo "$py: vizbpf failed"; failed=1; continue; }
		n=$(zcat trace.json.gz | grep -c '"name":"leaf (')
		lost=$(zcat trace.json.gz | jq '.viztracer_metadata | .calls_lost + .returns_lost + .records_lost + .code_records_lost')
		# A code object is described once (a signature that changed while it lives would
		# describe leaf() at each of its million calls).
		described=$(zcat trace.json.gz | jq '.viztracer_metadata.code_descriptions')
		echo "# $py: $n leaf() slices, $lost lost, $described code objects described" >&3
		[ "$n" = 1000000 ] && [ "$lost" = 0 ] && [ "$described" -lt 5000 ] || failed=1
	done
	[ "$failed" = 0 ]
}

# lossy_threads.py: 50 threads calling at once, ROUNDS rounds of 9 calls each.
LOSSY_ROUNDS=1500

@test "a tiny ring buffer (50 threads, --buffer_size 1): calls lost counted, each gap marked, no slice under a wrong caller" {
	local failed=0 py calls0 lost0 calls lost returns records off attempt
	for py in $(pythons); do
		"$py" "$TOOLS/oracle.py" oracle.json "$TARGETS/lossy_threads.py" 2 >/dev/null ||
			{ echo "$py: the oracle failed"; failed=1; continue; }
		"$py" "$TARGETS/lossy_threads.py" $LOSSY_ROUNDS >untraced.out
		# The calls made: a run whose buffer holds them all.
		"$VIZBPF" -q -o full.json -- "$py" "$TARGETS/lossy_threads.py" $LOSSY_ROUNDS >/dev/null ||
			{ echo "$py: vizbpf failed"; failed=1; continue; }
		calls0=$(meta full.json calls)
		lost0=$(meta full.json calls_lost)
		# Flow control off: it would make the program wait rather than lose (78-batch.bats).
		# Whether the reader falls behind is up to the machine at that moment (on the
		# program's CPU, it does): a run that loses nothing proves nothing, and is run again
		# (up to 3 times).
		for attempt in 1 2 3; do
			VIZBPF_FLOW_LIMIT=0 taskset -c 0 "$VIZBPF" -q --buffer_size 1 -o trace.json -- "$py" \
				"$TARGETS/lossy_threads.py" $LOSSY_ROUNDS >traced.out 2>traced.err ||
				{ echo "$py: vizbpf --buffer_size 1 failed: $(cat traced.err)"; failed=1; continue 2; }
			[ "$(meta trace.json calls_lost)" != 0 ] && break
		done
		cmp -s traced.out untraced.out || { echo "$py: output differs"; failed=1; continue; }
		calls=$(meta trace.json calls)
		lost=$(meta trace.json calls_lost)
		returns=$(meta trace.json returns_lost)
		records=$(meta trace.json records_lost)
		echo "# $py: $calls0 calls; 1 MB: $calls recorded, $lost calls and $returns returns lost, $records records" >&3
		[ "$lost0" = 0 ] || { echo "$py: $lost0 calls lost at the default size"; failed=1; continue; }
		[[ $lost -gt 0 ]] || { echo "$py: nothing lost: the test proves nothing"; failed=1; continue; }
		# Calls recorded and calls lost add up to the calls made (give or take threading's own
		# waits, which vary from run to run), not to twice the calls lost.
		off=$((calls + lost - calls0))
		[[ ${off#-} -le $((calls0 / 100)) ]] ||
			{ echo "$py: $calls recorded + $lost lost is not about $calls0"; failed=1; }
		[[ $records -ge $((lost + returns)) ]] || { echo "$py: records_lost < calls + returns"; failed=1; }
		grep -q "the ring buffer was full: $lost calls are missing from the trace" traced.err ||
			{ echo "$py: stderr: $(cat traced.err)"; failed=1; }
		python3 "$TOOLS/gapcheck.py" trace.json oracle.json "$TARGETS/lossy_threads.py" \
			$LOSSY_ROUNDS >gap.txt || { echo "$py: $(head -12 gap.txt)"; failed=1; continue; }
		echo "# $py: $(head -1 gap.txt)" >&3
	done
	[ "$failed" = 0 ]
}

# Traces reused_code.py with PY (launch mode, or the fallback if VIZBPF_EVAL_LIB is empty) and
# checks that every call of its snippets and doctest examples carries the oracle's name. ARGS:
# the program's arguments (--fork: a forked child does the work the oracle sees done in one).
check_reused_code_names() {
	local py=$1 target="$TARGETS/reused_code.py" reused
	shift
	"$VIZBPF" -q -o trace.json -- "$py" "$target" "$@" >traced.out 2>traced.err ||
		{ echo "$py: vizbpf exited $?: $(cat traced.err)"; return 1; }
	# The program must have reused the addresses, or this test proves nothing.
	reused=$(sed -n 's/^snippets at the previous one.s addresses: //p' traced.err)
	[ "${reused:-0}" -ge 100 ] || { echo "$py: only ${reused:-0} snippets reused addresses"; return 1; }
	"$py" "$TOOLS/oracle.py" oracle.json "$target" >oracle.out 2>/dev/null ||
		{ echo "$py: the oracle failed"; return 1; }
	cmp -s traced.out oracle.out || { echo "$py: output differs from the untraced run"; return 1; }
	python3 "$TOOLS/callnames.py" trace.json oracle.json '^<(snippet|function snippet|doctest)' \
		>cmp.txt || { echo "$py: $(meta trace.json mechanism):"; head -20 cmp.txt; return 1; }
	echo "# $py $*: $(cat cmp.txt), $reused snippets at reused addresses ($(meta trace.json mechanism | cut -d' ' -f1))" >&3
}

@test "a code object freed and reused at the same address is named by what ran (snippets, doctest)" {
	local failed=0 py
	for py in $(pythons); do
		check_reused_code_names "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "a code object at a reused address is named by what ran, without the preloaded evaluator (uprobe+uretprobe)" {
	local failed=0 py
	export VIZBPF_EVAL_LIB=
	for py in $(pythons); do
		check_reused_code_names "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "a code object at a reused address is named by what ran in a fork()ed child, with and without the preloaded evaluator" {
	local failed=0 py
	for py in $(pythons); do
		check_reused_code_names "$py" --fork || failed=1
		export VIZBPF_EVAL_LIB=
		check_reused_code_names "$py" --fork || failed=1
		unset VIZBPF_EVAL_LIB
	done
	[ "$failed" = 0 ]
}

@test "exit status, stdin and stdout pass through" {
	run -7 "$VIZBPF" -q -o t.json -- python3 -c 'import sys; sys.exit(7)'
	run -0 bash -c "echo hello | '$VIZBPF' -q -o t.json -- python3 -c 'print(input()[::-1])'"
	[ "$output" = olleh ]
}

@test "a script with a python shebang, and python -m, are traced" {
	printf '#!/usr/bin/env python3\ndef hello():\n    print("hi")\nhello()\n' >script.py
	chmod +x script.py
	run -0 "$VIZBPF" -q -o t.json -- ./script.py
	[ "$output" = hi ]
	run -0 jq -r '.traceEvents[] | select(.ph == "X") | .name' t.json
	[[ $output == *"hello ("*"script.py:2)"* ]]
	mkdir -p pkg && printf 'def run():\n    return 42\nprint(run())\n' >pkg/mod.py
	run -0 "$VIZBPF" -q -o t.json -- python3 -m pkg.mod
	[ "$output" = 42 ]
	run -0 jq -r '.traceEvents[] | select(.ph == "X") | .name' t.json
	[[ $output == *"run ("*"pkg/mod.py:1)"* ]]
}

@test "names are right for a program that exits within a millisecond" {
	printf 'import os\ndef quick():\n    os._exit(3)\nquick()\n' >quick.py
	run -3 "$VIZBPF" -q -o t.json -- python3 quick.py
	run -0 jq -r '.traceEvents[] | select(.ph == "X") | .name' t.json
	[[ $output == *"quick ($BATS_TEST_TMPDIR/quick.py:2)"* || $output == *"quick (quick.py:2)"* ]]
	[[ $output == *"<module> ($BATS_TEST_TMPDIR/quick.py:1)"* || $output == *"<module> (quick.py:1)"* ]]
}

@test "SIGINT to vizbpf reaches the program, and the trace is still whole" {
	printf 'import time\ndef wait():\n    while True:\n        time.sleep(0.01)\nprint("ready", flush=True)\nwait()\n' >loop.py
	# A script's background jobs start with SIGINT ignored: give vizbpf the default back.
	python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])' \
		"$VIZBPF" -q -o t.json -- python3 loop.py >out.txt 2>err.txt &
	local pid=$! st=0
	for _ in $(seq 100); do grep -q ready out.txt 2>/dev/null && break; sleep 0.1; done
	kill -INT $pid
	wait $pid || st=$?
	[ "$st" = 130 ]
	grep -q KeyboardInterrupt err.txt
	run -0 jq -r '.traceEvents[] | select(.ph == "X") | .name' t.json
	[[ $output == *"wait ("*"/loop.py:2)"* ]]
}

@test "the trace says what produced it and what was lost or inferred" {
	run -0 "$VIZBPF" -q -o t.json.gz -- python3 "$TARGETS/recursion.py" 100
	zcat t.json.gz >t.json
	[ "$(meta t.json producer)" = vizbpf ]
	[ "$(meta t.json version)" = "$(cat "$REPO/VERSION")" ]
	[[ $(meta t.json python_version) == 3.* ]]
	[[ $(meta t.json mechanism) == *_PyEval_EvalFrameDefault* ]]
	[ "$(meta t.json calls_lost)" = 0 ] && [ "$(meta t.json records_lost)" = 0 ]
	[ "$(meta t.json returns_inferred)" -ge 0 ]
	[ "$(jq -r .displayTimeUnit t.json)" = ns ]
	run -0 jq -e '[.traceEvents[] | select(.ph == "M" and .name == "thread_name")] | length > 0' t.json
}
