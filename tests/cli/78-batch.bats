#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Launch mode's preloaded evaluator buffers calls and returns per thread (issue 14): whatever
# ends or changes the program while they wait there, none is lost; a program faster than
# vizbpf's reader waits for it instead of losing events.

load helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
}

@test "calls still buffered when the program ends, execs, forks or is killed are all in the trace, every interpreter" {
	local py how want rc
	for py in $(pythons); do
		for how in exit kill segv exec thread fork; do
			rm -f e.json
			case $how in
				exit) want=3 ;; kill) want=137 ;; segv) want=139 ;; *) want=0 ;;
			esac
			rc=0
			"$VIZBPF" -q -o e.json -- "$py" "$TARGETS/batch_edges.py" $how >out.txt 2>err.txt || rc=$?
			[ "$rc" = "$want" ] || { echo "$py $how: exit $rc, not $want: $(cat err.txt)"; return 1; }
			[ -s out.txt ] || { echo "$py $how: no output"; return 1; }
			diff <(said_counts out.txt) <(leaf_counts e.json) ||
				{ echo "$py $how: leaf() slices differ from the calls made"; return 1; }
			[ "$(meta e.json calls_lost)" = 0 ] || { echo "$py $how: calls lost"; return 1; }
			[ "$(jq '[.traceEvents[] | select(.name | startswith("<unknown"))] | length' e.json)" = 0 ] ||
				{ echo "$py $how: unnamed slices"; return 1; }
		done
		echo "# $py: exit, kill, segv, exec, thread, fork: every leaf() call traced" >&3
	done
}

@test "an exec'd CPython gets the evaluator library at its first call: its buffered calls all traced" {
	local py rc failed=0
	for py in $(pythons); do
		rm -f e.json
		rc=0
		# The launched interpreter takes LD_PRELOAD out of the environment: the exec'd one
		# starts without the library, and gets it loaded at its first call.
		"$VIZBPF" -v -o e.json -- "$py" -c "import os, sys; os.execv(sys.executable, [sys.executable, '$TARGETS/batch_edges.py', 'exit'])" \
			>out.txt 2>err.txt || rc=$?
		[ "$rc" = 3 ] || { echo "$py: exit $rc: $(grep -v libbpf err.txt | tail -5)"; failed=1; continue; }
		grep -q "evaluator library loaded at its first call" err.txt ||
			{ echo "$py: the library was not loaded: $(grep -v libbpf err.txt | tail -5)"; failed=1; }
		diff <(said_counts out.txt) <(leaf_counts e.json) ||
			{ echo "$py: leaf() slices differ from the calls made"; failed=1; }
		[ "$(meta e.json calls_lost)" = 0 ] || { echo "$py: calls lost"; failed=1; }
		python3 "$TOOLS/calltree.py" e.json - - --check-only || { echo "$py: nesting"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "a program faster than vizbpf's reader waits for it: nothing lost with a 1 MB ring buffer" {
	local py
	py=$(pythons | awk '{print $1}')
	"$VIZBPF" -o big.json --buffer_size 1 -- "$py" "$TARGETS/million.py" >out.txt 2>err.txt
	grep -q "0 calls lost" err.txt || { cat err.txt; return 1; }
	[ "$(meta big.json calls_lost)" = 0 ]
	[ "$(meta big.json records_lost)" = 0 ]
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("leaf ")))] | length' big.json)" = 1000000 ]
	python3 "$TOOLS/calltree.py" big.json - - --check-only
}

# libbpf reads a ring buffer for as long as records keep coming: a program that outruns the
# reader (its flow control off or given up) kept vizbpf reading, deaf to --duration and Ctrl-C,
# until the program paused (a soak round of 0.02 s ran for minutes).
@test "a program that outruns vizbpf's reader (flow control off): --duration still ends the trace on time, its losses counted" {
	local py pids="" k attempt start took lost stop="$BATS_TEST_TMPDIR/stop"
	py=$(pythons | awk '{print $1}')
	# Three processes on this machine's CPUs, the reader niced: it falls behind.
	for k in 1 2 3; do
		"$py" "$TARGETS/spin.py" "$stop" 120 >spin$k.txt 2>&1 3>&- &
		pids="$pids,$!"
	done
	pids=${pids#,}
	for k in 1 2 3; do wait_for_line spin$k.txt ready || { touch "$stop"; return 1; }; done
	# Whether the reader falls behind is up to the machine at that moment: a run that loses
	# nothing proves nothing, and is run again (up to 3 times).
	for attempt in 1 2 3; do
		start=$(date +%s%N)
		VIZBPF_FLOW_LIMIT=0 nice -n 10 "$VIZBPF" -q -o t.json --inject --duration 0.3 -p "$pids" \
			2>err.txt 3>&- || { touch "$stop"; cat err.txt; return 1; }
		took=$((($(date +%s%N) - start) / 1000000))
		lost=$(meta t.json calls_lost)
		echo "# attempt $attempt: $took ms for --duration 0.3, $(meta t.json calls) calls, $lost lost" >&3
		[ "$lost" != 0 ] && break
	done
	touch "$stop"
	wait
	[ "$lost" != 0 ] || { echo "the reader kept up: nothing lost, the test proves nothing"; return 1; }
	# Attach and detach of three processes included, by a reader niced on a busy machine.
	[ "$took" -lt 20000 ] || { echo "--duration 0.3 took $took ms"; return 1; }
	grep -q "the ring buffer was full: $lost calls are missing from the trace" err.txt ||
		{ cat err.txt; return 1; }
	python3 "$TOOLS/calltree.py" t.json - - --check-only
	for k in 1 2 3; do [ "$(tail -n 1 spin$k.txt)" = True ] || { cat spin$k.txt; return 1; }; done
}

# The program gives up waiting for a vizbpf that read nothing for a second (stopped, starved),
# and waits again once it reads again: a second, shorter stop loses nothing.
@test "a program that gave up waiting for a stopped vizbpf waits again once it reads: a shorter stop after loses nothing" {
	local py vpid marks two go1="$BATS_TEST_TMPDIR/go1" go2="$BATS_TEST_TMPDIR/go2"
	for py in $(pythons); do
		rm -f "$go1" "$go2" out.txt
		"$VIZBPF" -q --buffer_size 1 -o t.json -- "$py" "$TARGETS/flow_phases.py" "$go1" "$go2" \
			>out.txt 2>err.txt 3>&- &
		vpid=$!
		wait_for_line out.txt ready || { touch "$go1" "$go2"; return 1; }
		sleep 0.3
		# Longer than the program's patience (1 s): it gives up, the ring buffer overflows.
		kill -STOP $vpid
		sleep 1.8
		kill -CONT $vpid
		sleep 0.5
		touch "$go1"
		wait_for_line out.txt "phase two" || { touch "$go2"; return 1; }
		sleep 0.3
		# Shorter than its patience: the program waits for vizbpf, nothing is lost.
		kill -STOP $vpid
		sleep 0.5
		kill -CONT $vpid
		sleep 0.3
		touch "$go2"
		wait $vpid || { echo "$py: $(cat err.txt)"; return 1; }
		two=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("phase_two "))) | .ts] | first' t.json)
		marks=$(jq -c --argjson two "$two" '[.traceEvents[] | select(.name == "vizbpf: events lost here") | .ts] | [length, (map(select(. > $two)) | length)]' t.json)
		echo "# $py: $(meta t.json calls) calls, $(meta t.json calls_lost) lost; gaps marked [all, after phase_two]: $marks" >&3
		[ "$two" != null ] || { echo "$py: no phase_two() in the trace"; return 1; }
		[ "$(meta t.json calls_lost)" != 0 ] || { echo "$py: the first stop lost nothing"; return 1; }
		[ "$marks" = "[$(jq '[.traceEvents[] | select(.name == "vizbpf: events lost here")] | length' t.json),0]" ] ||
			{ echo "$py: events lost after phase_two(): $marks"; return 1; }
	done
}

# The probe sites are registered once for every process that maps the preloaded library,
# not per process: two vizbpf at once each see their own process tree, whole, and nothing of
# the other's.
@test "two launches at once, each forking: each trace holds its own processes' calls, all of them" {
	local py
	for py in $(pythons); do
		rm -f a.json b.json
		"$VIZBPF" -q -o a.json -- "$py" "$TARGETS/batch_edges.py" tree 3000 >a.out 2>a.err &
		local a=$!
		"$VIZBPF" -q -o b.json -- "$py" "$TARGETS/batch_edges.py" tree 2000 >b.out 2>b.err &
		local b=$!
		wait $a || { echo "$py: first vizbpf failed: $(cat a.err)"; return 1; }
		wait $b || { echo "$py: second vizbpf failed: $(cat b.err)"; return 1; }
		[ "$(said_counts a.out | wc -l)" = 5 ] && [ "$(said_counts b.out | wc -l)" = 5 ] ||
			{ echo "$py: a process did not finish: $(cat a.out b.out)"; return 1; }
		diff <(said_counts a.out) <(leaf_counts a.json) ||
			{ echo "$py: first trace: leaf() slices differ from the calls made"; return 1; }
		diff <(said_counts b.out) <(leaf_counts b.json) ||
			{ echo "$py: second trace: leaf() slices differ from the calls made"; return 1; }
		[ "$(meta a.json calls_lost)" = 0 ] && [ "$(meta b.json calls_lost)" = 0 ]
		[ "$(meta a.json processes_followed)" = 4 ] && [ "$(meta b.json processes_followed)" = 4 ] ||
			{ echo "$py: followed $(meta a.json processes_followed), $(meta b.json processes_followed)"; return 1; }
	done
	echo "# $(pythons | wc -w) interpreter(s): both trees whole, nothing of the other's" >&3
}

# More processes than BPF's tables hold at once (4096): a process leaves them as it ends.
@test "5000 forks one after the other: every child followed, its call traced" {
	local py
	py=$(pythons | awk '{print $1}')
	"$VIZBPF" -q -o f.json -- "$py" "$TARGETS/batch_edges.py" forks 5000 >out.txt 2>err.txt ||
		{ cat err.txt; return 1; }
	[ "$(cat out.txt)" = "forks 5000" ]
	[ "$(meta f.json processes_followed)" = 5000 ] ||
		{ echo "followed $(meta f.json processes_followed), missed $(meta f.json processes_not_followed)"; return 1; }
	[ "$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("leaf ")))] | length' f.json)" = 5000 ]
	[ "$(meta f.json calls_lost)" = 0 ]
}

# A child that outlives the traced program (and its vizbpf) forks while another vizbpf traces
# a program: that one's probe sites trap in every process that maps the library, the orphan's
# among them, but the grandchild must not stop for a vizbpf that is gone.
@test "a fork in a process whose vizbpf is gone, while another vizbpf traces: the child runs on" {
	local py other
	py=$(pythons | awk '{print $1}')
	"$VIZBPF" -q -o other.json -- "$py" -c 'import time; time.sleep(4)' 2>/dev/null 3>&- &
	other=$!
	sleep 0.5
	"$VIZBPF" -q -o t.json -- "$py" "$TARGETS/orphan_forks.py" "$BATS_TEST_TMPDIR/done" 1 \
		>/dev/null 2>&1 3>&-
	local ran=no st
	for _ in $(seq 60); do [ -e done ] && ran=yes && break; sleep 0.05; done
	st=$(ps -o stat=,args= -p "$(pgrep -d, -f orphan_forks.py || echo 1)" 2>/dev/null | tr '\n' ';')
	pkill -CONT -f orphan_forks.py || true # what this test would leave stopped otherwise
	wait $other
	[ $ran = yes ] || { echo "the grandchild did not run on: $st"; return 1; }
}

# Links of BPF programs named NAME now (bpftool's JSON).
links_of() { # NAME...: the links of the programs so named
	local ids names
	names=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	ids=$(bpftool -j prog show | jq -c --argjson n "$names" '[.[] | select(.name as $x | $n | index($x)) | .id]')
	bpftool -j link show | jq --argjson ids "$ids" '[.[] | select(.prog_id as $p | $ids | index($p))] | length'
}

@test "launch: the evaluator's probe is closed once the library carries the calls, in the program and after its exec" {
	local py vpid n
	for py in $(pythons); do
		rm -f out.txt
		"$VIZBPF" -q -o e.json -- "$py" -c 'import os, sys, time
print("ready", flush=True); time.sleep(1.5)
os.execv(sys.executable, [sys.executable, "-c", "import time; print(\"child\", flush=True); time.sleep(1.5)"])' >out.txt 2>err.txt &
		vpid=$!
		wait_for_line out.txt ready || { kill $vpid; return 1; }
		sleep 0.8
		n=$(links_of py_entry e_py_entry)
		[ "$n" = 0 ] || { kill $vpid; echo "$py: the evaluator's probe still has $n link(s) while the program runs"; return 1; }
		wait_for_line out.txt child || { kill $vpid; return 1; }
		sleep 0.8
		n=$(links_of py_entry e_py_entry)
		[ "$n" = 0 ] || { kill $vpid; echo "$py: after the exec, $n evaluator probe link(s) while the program runs"; return 1; }
		wait $vpid || { echo "$py: $(cat err.txt)"; return 1; }
		echo "# $py: no evaluator probe left once the library carries the calls, before and after the exec" >&3
	done
}

# The links of vizbpf's uprobe programs (and of the placeholders earlyprobe made for them), as
# "TYPE PROGNAME" lines.
uprobe_links() {
	local progs
	progs=$(bpftool -j prog show | jq -c '[.[] | select(.name | test("^(e_)?(py_entry|py_return|site_entry|site_flush|code_freed)$")) | {id, name}]')
	bpftool -j link show | jq -r --argjson p "$progs" \
		'.[] | . as $l | ($p | map(select(.id == $l.prog_id)) | .[0]) as $m | select($m) | "\($l.type) \($m.name)"'
}

@test "launch and attach: the uprobes are uprobe_multi links, no perf-event uprobe (whose close holds the kernel's event_mutex across grace periods)" {
	local py vpid links ppid
	for py in $(pythons); do
		rm -f out.txt
		"$VIZBPF" -q -o e.json -- "$py" -c 'import time
def f(): pass
f(); print("ready", flush=True); time.sleep(1.2); f()' >out.txt 2>err.txt &
		vpid=$!
		wait_for_line out.txt ready || { kill $vpid; return 1; }
		links=$(uprobe_links)
		wait $vpid || { echo "$py: $(cat err.txt)"; return 1; }
		# The two probe sites at least, every link a uprobe_multi one (bpftool 7.1 names
		# the type by its number, 12; later ones by name).
		[ "$(grep -c site_ <<<"$links")" = 2 ] || { echo "$py: sites' links: $links"; return 1; }
		if grep -vE '^(12|uprobe_multi) ' <<<"$links"; then
			echo "$py: a uprobe link of another type: $links"; return 1
		fi
		# -p: the evaluator's entry and return probes.
		"$py" -c 'import time
print("ready", flush=True); time.sleep(3)' >out.txt &
		ppid=$!
		wait_for_line out.txt ready || { kill $ppid; return 1; }
		"$VIZBPF" -q -o a.json -p $ppid --duration 1 2>err.txt &
		vpid=$!
		sleep 0.6
		links=$(uprobe_links)
		wait $vpid || { echo "$py -p: $(cat err.txt)"; kill $ppid; return 1; }
		wait $ppid
		[ "$(grep -cE ' py_(entry|return)$' <<<"$links")" = 2 ] || { echo "$py -p: links: $links"; return 1; }
		if grep -vE '^(12|uprobe_multi) ' <<<"$links"; then
			echo "$py -p: a uprobe link of another type: $links"; return 1
		fi
		echo "# $py: launch and -p, every uprobe a uprobe_multi link" >&3
	done
}

@test "launch: call times are CLOCK_MONOTONIC's, each call within the readings the program took around it (the evaluator's TSC clock, and clock_gettime with VIZBPF_TSC=0)" {
	local py tsc
	for py in $(pythons); do
		for tsc in 1 0; do
			VIZBPF_TSC=$tsc "$VIZBPF" -q -o t.json -- "$py" "$TARGETS/clockcheck.py" >r.json 2>err.txt ||
				{ echo "$py: $(cat err.txt)"; return 1; }
			python3 "$TOOLS/clockcheck.py" t.json r.json >check.txt ||
				{ echo "$py VIZBPF_TSC=$tsc: $(cat check.txt)"; return 1; }
			echo "# $py VIZBPF_TSC=$tsc: $(cat check.txt)" >&3
		done
	done
}
