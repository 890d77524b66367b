#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --all, --comm, --cgroup: whole-host tracing, as root with the real BPF programs.
# Every test starts CPython processes on every interpreter present, some before vizbpf
# and some while it runs, and checks which of them the one trace holds.

load helpers

setup_file() {
	build_peek
}

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
	PEEK="$BATS_FILE_TMPDIR/peek_eval_frame"
	GO="$BATS_TEST_TMPDIR/go"
}

teardown() {
	touch "$GO"
	[ -z "${VPID:-}" ] || kill -TERM "$VPID" 2>/dev/null || true
	[ -z "${CGROUP:-}" ] || { sleep 0.5; rmdir "$CGROUP" 2>/dev/null || true; }
}

# start_target OUT COMMAND...: runs a target in the background, waits for it to run.
start_target() {
	local out=$1
	shift
	"$@" >"$out" 2>&1 3>&- &
	STARTED=$!
	wait_for_line "$out" ready
}

# slices PID NAME [FILE]: how many slices of function NAME (defined in a file whose path
# holds FILE) the trace holds in process PID.
slices() {
	jq --argjson pid "$1" --arg n "$2 (" --arg f "${3:-}" \
		'[.traceEvents[] | select(.ph == "X" and .pid == $pid and (.name | startswith($n))
		  and (.name | contains($f)))] | length' trace.json
}

start_vizbpf() {
	"$VIZBPF" -o trace.json "$@" 2>vz.err 3>&- &
	VPID=$!
	wait_for_line vz.err "tracing"
}

stop_vizbpf() {
	kill -TERM "$VPID"
	wait "$VPID" || { echo "vizbpf exited $?: $(cat vz.err)"; return 1; }
	VPID=
	python3 "$TOOLS/calltree.py" trace.json - - --check-only
}

@test "--all: processes already running and one started later, on every interpreter, in one trace" {
	local py n=0 before=() later=() pid failed=0 eval_before=() i
	for py in $(pythons); do
		for _ in 1 2; do
			start_target "run.$((n++))" "$py" "$TARGETS/host_target.py" "$GO"
			before+=("$STARTED")
			eval_before+=("$("$PEEK" "$STARTED")")
		done
	done
	start_vizbpf --all
	for py in $(pythons); do
		start_target "run.$((n++))" "$py" "$TARGETS/host_target.py" "$GO"
		later+=("$STARTED")
	done
	# detach while they still run: the ones running before get their own eval_frame back
	kill -TERM "$VPID"
	wait "$VPID" || { echo "vizbpf: $(cat vz.err)"; return 1; }
	VPID=
	i=0
	for pid in "${before[@]}"; do
		[ "$("$PEEK" "$pid")" = "${eval_before[$i]}" ] ||
			{ echo "pid $pid: eval_frame not restored"; failed=1; }
		i=$((i + 1))
	done
	touch "$GO"
	for pid in "${before[@]}" "${later[@]}"; do wait "$pid" || { echo "pid $pid failed"; failed=1; }; done
	python3 "$TOOLS/calltree.py" trace.json - - --check-only
	for pid in "${before[@]}"; do
		# running at attach: main() replayed, its ticks traced
		[ "$(slices "$pid" main host_target.py)" = 1 ] && [ "$(slices "$pid" tick)" -gt 0 ] ||
			{ echo "pid $pid (running before): main $(slices "$pid" main), tick $(slices "$pid" tick)"; failed=1; }
	done
	for pid in "${later[@]}"; do
		# started later: traced from its first Python call (the script's <module> is there)
		[ "$(slices "$pid" "<module>" host_target.py)" = 1 ] &&
			[ "$(slices "$pid" main host_target.py)" = 1 ] &&
			[ "$(slices "$pid" tick)" -gt 0 ] ||
			{ echo "pid $pid (started later): <module> $(slices "$pid" "<module>"), main $(slices "$pid" main)"; failed=1; }
	done
	echo "# ${#before[@]} processes running before, ${#later[@]} started later: all traced" >&3
	[ "$failed" = 0 ]
}

@test "--all: a process's work after --duration ends runs untraced and unchanged" {
	start_target run.0 python3 "$TARGETS/host_target.py" "$GO"
	local pid=$STARTED
	run -0 "$VIZBPF" -q -o trace.json --all --duration 0.3
	touch "$GO"
	wait "$pid"
	[ "$(cat run.0)" = "$(printf 'ready\n40425')" ]
	[ "$(slices "$pid" tick)" -gt 0 ]
	[ "$(slices "$pid" work)" = 0 ]
}

@test "--all --comm NAME: only processes of that name, running or started later" {
	local py failed=0 n=0 named=() other=() pid
	for py in $(pythons); do
		printf '#!%s\n' "$py" >vzcomm_target
		tail -n +1 "$TARGETS/host_target.py" >>vzcomm_target
		chmod +x vzcomm_target
		cp vzcomm_target "vzcomm_$n" # the name (comm) of a script is its file's
		start_target "run.$n" "./vzcomm_$n" "$GO"
		named+=("$STARTED")
		start_target "other.$n" "$py" "$TARGETS/host_target.py" "$GO"
		other+=("$STARTED")
		n=$((n + 1))
	done
	cp vzcomm_0 vzcomm_later
	start_vizbpf --all --comm vzcomm_0
	start_target run.later ./vzcomm_0 "$GO"
	local later=$STARTED
	touch "$GO"
	for pid in "${named[@]}" "${other[@]}" "$later"; do wait "$pid" || failed=1; done
	stop_vizbpf
	[ "$(slices "${named[0]}" work)" = 1 ] || { echo "vzcomm_0 not traced"; failed=1; }
	[ "$(slices "$later" work)" = 1 ] || { echo "vzcomm_0 started later not traced"; failed=1; }
	for pid in "${named[@]:1}" "${other[@]}"; do
		[ "$(slices "$pid" work)" = 0 ] || { echo "pid $pid traced but not named vzcomm_0"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "--all --cgroup PATH: only processes in that cgroup, running or started later" {
	local root py failed=0 inside outside later
	root=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[ -n "$root" ] || { echo "no cgroup v2 hierarchy mounted"; return 1; }
	CGROUP=$root/vizbpf-test-$$
	mkdir "$CGROUP"
	py=$(pythons | awk '{ print $NF }')
	start_target in.txt bash -c "echo \$\$ >'$CGROUP/cgroup.procs' && exec '$py' '$TARGETS/host_target.py' '$GO'"
	inside=$STARTED
	start_target out.txt "$py" "$TARGETS/host_target.py" "$GO"
	outside=$STARTED
	start_vizbpf --all --cgroup "vizbpf-test-$$"
	start_target later.txt bash -c "echo \$\$ >'$CGROUP/cgroup.procs' && exec '$py' '$TARGETS/host_target.py' '$GO'"
	later=$STARTED
	touch "$GO"
	wait "$inside" && wait "$outside" && wait "$later"
	stop_vizbpf
	[ "$(slices "$inside" work)" = 1 ] || { echo "the process in the cgroup was not traced"; failed=1; }
	[ "$(slices "$later" "<module>" host_target.py)" = 1 ] || { echo "the later one was not traced from its start"; failed=1; }
	[ "$(slices "$outside" work)" = 0 ] || { echo "a process outside the cgroup was traced"; failed=1; }
	[ "$failed" = 0 ]
}

@test "--comm and --cgroup need --all; --all takes no program" {
	run -64 "$VIZBPF" --comm python3 -p 1
	[[ $output == *"--comm and --cgroup narrow --all"* ]]
	run -64 "$VIZBPF" --all -- python3 -c pass
	[[ $output == *"not both"* ]]
	run -1 "$VIZBPF" --all --cgroup no-such-cgroup-here --duration 0.1
	[[ $output == *"no such cgroup"* ]]
}
