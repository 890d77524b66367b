#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --all --comm NAME selects processes by comm or by the script their command line runs
# (its base name, with or without .py, or -m's module), running ones and new ones held at
# exec. Short: --all traces the whole host; the script names are unique to this run.

load helpers

setup() {
	cd "$BATS_TEST_TMPDIR"
}

# Tick slices of pid in trace.json.
ticks() { # PID
	jq --argjson p "$1" '[.traceEvents[] | select(.ph == "X" and .pid == $p and (.name | startswith("tick (")))] | length' trace.json
}

@test "--comm: a name with '/' or longer than 255 characters is refused" {
	vizbpf --all --comm a/b.py --duration 1
	[ "$status" = 64 ]
	[[ $output == *"--comm 'a/b.py': a process or script name is 1 to 255 characters, no '/'"* ]]
	vizbpf --all --comm "$(printf 'x%.0s' $(seq 256))" --duration 1
	[ "$status" = 64 ]
}

@test "--comm: matches the script's base name (running and new processes) and -m's module, not other scripts" {
	requires root bpf
	local pys name other stop="$BATS_TEST_TMPDIR/stop" first last run_pid oth_pid vpid
	read -r -a pys <<<"$(pythons)"
	first=${pys[0]} last=${pys[-1]}
	name=vzcomm_$$_$RANDOM other=vzother_$$_$RANDOM
	mkdir d
	cp "$TARGETS/named_script.py" "d/$name.py"
	cp "$TARGETS/named_script.py" "d/$other.py"
	"$first" "d/$name.py" 60 "$stop" >running.out 3>&- &
	"$first" "d/$other.py" 60 "$stop" >other.out 3>&- &
	wait_for_line running.out ready
	wait_for_line other.out ready
	run_pid=$(awk '{ print $2; exit }' running.out)
	oth_pid=$(awk '{ print $2; exit }' other.out)
	"$VIZBPF" -v --all --comm "$name" --duration 60 -o trace.json 2>vz.err 3>&- &
	vpid=$!
	wait_for_line vz.err "tracing;" || { touch "$stop"; kill $vpid; return 1; }
	# New ones: by the script's path, by -m, and one that is not it.
	"$last" -u "$BATS_TEST_TMPDIR/d/$name.py" 0.3 >new.out
	(cd d && "$first" -m "$name" 0.3) >module.out
	"$last" "d/$other.py" 0.3 >newother.out
	touch "$stop"
	kill -TERM $vpid
	wait $vpid || { echo "vizbpf: $(cat vz.err)"; return 1; }
	wait
	local new_pid mod_pid newoth_pid
	new_pid=$(awk '{ print $2; exit }' new.out)
	mod_pid=$(awk '{ print $2; exit }' module.out)
	newoth_pid=$(awk '{ print $2; exit }' newother.out)
	echo "# ticks: running $(ticks $run_pid), new $(ticks $new_pid), -m $(ticks $mod_pid), others $(ticks $oth_pid) $(ticks $newoth_pid)" >&3
	[ "$(ticks $run_pid)" -gt 0 ] || { echo "running $name.py not traced"; return 1; }
	[ "$(ticks $new_pid)" -gt 0 ] || { echo "new $name.py not traced: $(cat vz.err)"; return 1; }
	[ "$(ticks $mod_pid)" -gt 0 ] || { echo "-m $name not traced: $(cat vz.err)"; return 1; }
	[ "$(ticks $oth_pid)" = 0 ] && [ "$(ticks $newoth_pid)" = 0 ] || { echo "$other.py traced"; return 1; }
	# Only those three processes are in the trace.
	[ "$(jq '[.traceEvents[] | select(.ph == "X") | .pid] | unique | length' trace.json)" = 3 ]
}
