#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --kernel in the attach modes, as root with the real BPF programs: -p PID on every
# interpreter present, --all restricted with --comm to a script name no other process has.
# The system calls of Python calls made after attach nest in them, a Lock's waiter is woken by
# its holder (tests/tools/kattach.py).

load helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
	GO="$BATS_TEST_TMPDIR/go"
}

teardown() {
	touch "$GO" "$GO.end"
	[ -z "${VPID:-}" ] || kill -TERM "$VPID" 2>/dev/null || true
}

# kernel_attach_round LABEL VIZBPF_ARGS... -- COMMAND...: starts COMMAND (kernel_attach.py),
# attaches vizbpf with VIZBPF_ARGS (PID: the program's) once it is ready, lets it work, detaches, lets it finish,
# and checks the trace.
kernel_attach_round() {
	local label=$1 args=() pid
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	rm -f "$GO" "$GO.end" out.txt vz.err trace.json
	echo probe >"$GO.probe"
	"$@" "$GO" >out.txt 2>&1 3>&- &
	pid=$!
	wait_for_line out.txt ready || return 1
	args=("${args[@]/#PID/$pid}")
	"$VIZBPF" -o trace.json --kernel syscalls,sched "${args[@]}" 2>vz.err 3>&- &
	VPID=$!
	wait_for_line vz.err "tracing" || { kill $pid; return 1; }
	touch "$GO"
	wait_for_line out.txt worked || { kill $pid; return 1; }
	kill -TERM $VPID
	wait $VPID || { echo "$label: vizbpf exited $?: $(cat vz.err)"; VPID=; kill $pid; return 1; }
	VPID=
	touch "$GO.end"
	wait $pid || { echo "$label: the program failed after detach: $(cat out.txt)"; return 1; }
	[ "$(meta trace.json kernel)" = syscalls,sched ] ||
		{ echo "$label: metadata: $(jq -c .viztracer_metadata trace.json)"; return 1; }
	python3 "$TOOLS/kattach.py" trace.json "$pid" "$GO.probe" out.txt >check.txt ||
		{ echo "$label: $(cat check.txt)"; return 1; }
	echo "# $label: $(tr '\n' ';' <check.txt)" >&3
}

@test "-p PID --kernel: system calls made after attach, nested in the Python calls that made them; a lock wait woken by the holder" {
	local failed=0 py
	for py in $(pythons); do
		kernel_attach_round "$py" -p PID -- "$py" "$TARGETS/kernel_attach.py" || failed=1
	done
	[ "$failed" = 0 ]
}

# One interpreter (the first): --all's kernel side is the same BPF as -p's, what differs is
# which processes get traced, and here only the one whose script has this test's unique name.
@test "--all --comm NAME --kernel: the named script's system calls nested in its calls, no other process traced" {
	local py name
	py=$(pythons | awk '{ print $1 }')
	name=vzk_all_$$
	cp "$TARGETS/kernel_attach.py" "$name.py"
	kernel_attach_round "$py --all" --all --comm "$name" -- "$py" "$name.py"
	local pid
	pid=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("outer (")))][0].pid' trace.json)
	[ "$(jq --argjson pid "$pid" '[.traceEvents[] | select(.ph == "X" and .pid != $pid)] | length' trace.json)" = 0 ] ||
		{ echo "slices of other processes: $(jq -c '[.traceEvents[] | select(.ph == "X")] | map(.pid) | unique' trace.json)"; false; }
}
