#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --kernel end to end, as root with the real BPF programs, on every interpreter present:
# system calls and off-CPU time on the threads' own tracks, nested in the Python call that made
# them (tests/tools/kcheck.py says what is checked).

load helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
}

# Traces kernel_io.py with PY and --kernel all; checks the trace. Extra vizbpf env from caller.
check_kernel_trace() {
	local py=$1 data=$BATS_TEST_TMPDIR/data.bin
	head -c 12345 /dev/urandom >"$data"
	"$VIZBPF" -q -o trace.json --kernel all -- "$py" "$TARGETS/kernel_io.py" "$data" \
		>traced.out 2>traced.err || { echo "$py: vizbpf exited $?: $(cat traced.err)"; return 1; }
	python3 "$TOOLS/kcheck.py" trace.json traced.out "$data" --memory >check.txt ||
		{ echo "$py: $(cat check.txt)"; return 1; }
	# The Python call trees are still exact.
	"$py" "$TOOLS/oracle.py" oracle.json "$TARGETS/kernel_io.py" "$data" >/dev/null ||
		{ echo "$py: the oracle failed"; return 1; }
	python3 "$TOOLS/calltree.py" trace.json oracle.json "$TARGETS/kernel_io.py" >cmp.txt ||
		{ echo "$py: call trees differ:"; head -40 cmp.txt; return 1; }
	[ "$(meta trace.json kernel)" = syscalls,sched,cpu,memory ] && [ "$(meta trace.json kernel_events_lost)" = 0 ] &&
		[ "$(meta trace.json kernel_syscall_slices)" -gt 0 ] && [ "$(meta trace.json kernel_offcpu_slices)" -gt 0 ] ||
		{ echo "$py: metadata: $(jq -c .viztracer_metadata trace.json)"; return 1; }
	# CPU tracks: ftrace text under systemTraceEvents, before viztracer_metadata, with a clock
	# sync line and the program's switches.
	python3 - trace.json <<-'EOF' || { echo "$py: systemTraceEvents"; return 1; }
		import json, sys
		d = json.load(open(sys.argv[1]))
		keys = list(d)
		text = d["systemTraceEvents"]
		assert keys.index("systemTraceEvents") < keys.index("viztracer_metadata"), keys
		assert text.startswith("# tracer: nop\n"), text[:100]
		assert "trace_event_clock_sync: parent_ts=" in text
		pid = d["traceEvents"][0]["pid"]
		assert "==> next_comm=" in text and "next_pid=%d " % pid in text, "no switch to the program"
		assert "sched_waking: " in text and "sched_wakeup: " in text
	EOF
	echo "# $py: $(tr '\n' ';' <check.txt)" >&3
}

@test "--kernel all: syscalls with path and byte count in the calling function, a sleep's sleeping slice, a Lock waiter's lock wait woken by its holder with a flow, run-queue waits (fast path)" {
	local failed=0 py
	for py in $(pythons); do
		check_kernel_trace "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "--kernel all without the preloaded evaluator (uprobe+uretprobe): the same" {
	local failed=0 py
	export VIZBPF_EVAL_LIB=
	for py in $(pythons); do
		check_kernel_trace "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "--kernel: bad lists are refused with one line; without --kernel no kernel events" {
	vizbpf --kernel bogus -- /usr/bin/python3 -c pass
	[ "$status" = 64 ]
	[[ $output == *"unknown kind 'bogus'"* ]]
	vizbpf --kernel "" -- /usr/bin/python3 -c pass
	[ "$status" = 64 ]
	vizbpf -q -o plain.json -- /usr/bin/python3 "$TARGETS/kernel_io.py" /etc/hostname
	[ "$status" = 0 ]
	[ "$(jq '[.traceEvents[] | select(.cat == "syscall" or .cat == "sched" or .ph == "s" or .ph == "f")] | length' plain.json)" = 0 ]
	[ "$(jq '.viztracer_metadata | has("kernel")' plain.json)" = false ]
	# stderr says what was recorded and lost.
	vizbpf -o k.json --kernel syscalls -- /usr/bin/python3 -c 'open("/etc/hostname").read()'
	[ "$status" = 0 ]
	[[ $output == *"--kernel: "*" kernel events recorded: "*" system calls, 0 off-CPU slices"* ]]
	[ "$(meta k.json kernel)" = syscalls ]
	[ "$(jq '[.traceEvents[] | select(.cat == "sched")] | length' k.json)" = 0 ]
	[ "$(jq '[.traceEvents[] | select(.cat == "syscall" and .name == "openat" and .args.path == "/etc/hostname")] | length' k.json)" = 1 ]
}

# Two CPU-bound threads, twice: on the shared machine, a thread holding the GIL is also
# preempted (a wait for a CPU, shown as preempted), so their GIL wait slices add up to wall -
# CPU - preempted; then SCHED_FIFO (no other process takes their CPUs), where they are off CPU
# only to wait for the GIL and the GIL wait slices alone add up to wall - CPU (the issue's
# definition, nothing subtracted).
@test "--kernel sched: two CPU-bound threads' GIL wait slices add up to their wall time minus CPU time as the program measured it (minus preempted time; under SCHED_FIFO nothing subtracted)" {
	local failed=0 py s0 s1
	for py in $(pythons); do
		# The hypervisor's steal over the run (USER_HZ ticks of 10 ms, all CPUs; gilcheck.py).
		s0=$(awk '/^cpu /{print $9; exit}' /proc/stat)
		"$VIZBPF" -q -o gil.json --kernel sched -- "$py" "$TARGETS/gil_threads.py" --fifo >gil.out 2>gil.err ||
			{ echo "$py: vizbpf exited $?: $(cat gil.err)"; failed=1; continue; }
		s1=$(awk '/^cpu /{print $9; exit}' /proc/stat)
		python3 "$TOOLS/gilcheck.py" gil.json gil.out 0.2 $(((s1 - s0) * 10000000)) >check.txt ||
			{ echo "$py: $(cat check.txt)"; failed=1; continue; }
		echo "# $py: $(tr '\n' ';' <check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

