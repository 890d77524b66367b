#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# A vizbpf killed (SIGKILL) at a random moment leaves nothing stopped or changed: during
# attach, while tracing threads that start (3.12's first-call stops) and forks and execs it
# follows, during detach, and in launch mode. The program always finishes, with the output
# it has untraced, and eval_frame is as before. Rounds go round-robin over the interpreters
# present: VIZBPF_KILL_ROUNDS per scenario (default 20; 20 x the number of interpreters for
# 20 each).

load helpers

setup_file() {
	build_peek
}

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
	PEEK="$BATS_FILE_TMPDIR/peek_eval_frame"
	ROUNDS=${VIZBPF_KILL_ROUNDS:-20}
	read -r -a PYS <<<"$(pythons)"
}

# A random delay in [LO, HI) milliseconds, as seconds for sleep.
rand_sleep() { # LO HI
	sleep "$(awk -v lo="$1" -v hi="$2" -v r=$RANDOM 'BEGIN { printf "%.3f", (lo + (hi - lo) * r / 32768) / 1000 }')"
}

# The program a launching vizbpf started: of its children, the one not its watchdog (which
# has the same command line).
launched_program() { # VPID
	local c t=
	for c in $(pgrep -P "$1"); do
		[ "$(cat /proc/$c/comm 2>/dev/null)" = vizbpf-watchdog ] || t=$c
	done
	echo "$t"
}

# What the target prints untraced (once per interpreter and mode).
expected() { # PY MODE
	local f="$BATS_FILE_TMPDIR/expect.$(echo "$1" | tr / _).$2"
	[ -s "$f" ] || "$1" "$TARGETS/killed_target.py" "$2" "$(work "$2")" >"$f"
	tail -1 "$f"
}

# Waits up to 20 s for pid to end; fails at once if it stays stopped (T) for 2 s.
wait_finished() { # PID WHAT
	local stopped=0 st
	for _ in $(seq 400); do
		running "$1" || return 0
		st=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)
		if [ "$st" = T ]; then stopped=$((stopped + 1)); else stopped=0; fi
		if [ $stopped -ge 40 ]; then
			echo "$2: pid $1 left stopped: $(ps -o pid,stat,args --ppid "$1" -p "$1")"
			return 1
		fi
		sleep 0.05
	done
	echo "$2: pid $1 did not finish: $(ps -o pid,stat,args --ppid "$1" -p "$1")"
	return 1
}

# Kills the target and its children however they stand (after a failed round).
cleanup_target() {
	pkill -KILL -P "$1" 2>/dev/null
	kill -CONT "$1" 2>/dev/null
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null || true
	return 0
}

# One attach round: PHASE attach|tracing|detach.
attach_round() { # PY MODE PHASE
	local py=$1 mode=$2 phase=$3 what="$1 $2 killed during $3" go="$BATS_TEST_TMPDIR/go"
	local gone="$BATS_TEST_TMPDIR/gone" tpid vpid before after want st
	want=$(expected "$py" "$mode")
	rm -f "$go" "$gone" out.txt vz.err
	"$py" "$TARGETS/killed_target.py" "$mode" "$(work "$mode")" "$go" "$gone" >out.txt 2>&1 3>&- &
	tpid=$!
	wait_for_line out.txt ready || { cleanup_target $tpid; return 1; }
	before=$("$PEEK" $tpid)
	"$VIZBPF" -v -o trace.json -p $tpid 2>vz.err 3>&- &
	vpid=$!
	case $phase in
	attach)
		touch "$go"
		rand_sleep 200 1500
		;;
	tracing | detach)
		wait_for_line vz.err "tracing;" || { kill -KILL $vpid; cleanup_target $tpid; return 1; }
		touch "$go"
		rand_sleep 0 400
		if [ "$phase" = detach ]; then
			kill -TERM $vpid
			rand_sleep 0 200
		fi
		;;
	esac
	kill -KILL $vpid 2>/dev/null
	wait $vpid 2>/dev/null
	# eval_frame is put back while the program runs (it is still at work for a while).
	if kill -0 $tpid 2>/dev/null; then
		for _ in $(seq 60); do
			after=$("$PEEK" $tpid 2>/dev/null) || break
			[ "$after" = "$before" ] && break
			sleep 0.05
		done
		if [ -n "$after" ] && [ "$after" != "$before" ] && kill -0 $tpid 2>/dev/null; then
			echo "$what: eval_frame was $before, is $after after vizbpf was killed"
			cleanup_target $tpid
			return 1
		fi
	fi
	# The watchdog's work done (it ends then), the program measures its C budget (3.12).
	for _ in $(seq 100); do
		watchdog_running || break
		sleep 0.05
	done
	touch "$gone"
	wait_finished $tpid "$what" || { cleanup_target $tpid; return 1; }
	wait $tpid
	st=$?
	[ $st = 0 ] && [ "$(tail -1 out.txt)" = "$want" ] ||
		{ echo "$what: exit $st, output '$(tail -1 out.txt)', untraced '$want'"; return 1; }
}

# PHASE over ROUNDS rounds, round-robin over the interpreters, both modes.
run_rounds() { # PHASE
	local failed=0 k py mode n=${#PYS[@]}
	for ((k = 0; k < ROUNDS; k++)); do
		py=${PYS[$((k % n))]}
		# One round in three forks (a followed fork costs ~0.3 s, a killed vizbpf with
		# many probes takes ~3 s to go): 3 and n coprime, every pair comes up.
		mode=threads
		[ $((k % 3)) = 2 ] && mode=forks
		local t0=$(date +%s%N)
		attach_round "$py" "$mode" "$1" || failed=$((failed + 1))
		[ -n "${VIZBPF_KILL_VERBOSE:-}" ] && echo "# $py $mode $1: $((($(date +%s%N) - t0) / 1000000)) ms" >&3
	done
	echo "# killed during $1: $ROUNDS rounds over ${#PYS[@]} interpreter(s), $failed failed" >&3
	[ $failed = 0 ]
}

# Rounds of work in the target: about 0.5 s untraced (a followed fork costs ~0.3 s traced).
work() { # MODE
	if [ "$1" = threads ]; then echo 60; else echo 16; fi
}

@test "killed during attach: the program finishes as untraced, eval_frame as before" {
	run_rounds attach
}

@test "killed while tracing new threads, forks and execs: nothing left stopped or changed" {
	run_rounds tracing
}

@test "killed during detach: nothing left stopped or changed" {
	run_rounds detach
}

@test "killed in launch mode: the program and the children it forks afterwards run on" {
	local failed=0 py go="$BATS_TEST_TMPDIR/go" gone="$BATS_TEST_TMPDIR/gone" vpid tpid want
	for py in "${PYS[@]}"; do
		want=$(expected "$py" forks)
		rm -f "$go" "$gone" out.txt vz.err
		# The program waits for GONE before its end: vizbpf is killed while it runs, however
		# fast its forks are traced.
		"$VIZBPF" -o trace.json -- "$py" "$TARGETS/killed_target.py" forks "$(work forks)" "$go" \
			"$gone" >out.txt 2>vz.err 3>&- &
		vpid=$!
		wait_for_line out.txt ready || { kill -KILL $vpid; failed=1; continue; }
		tpid=$(launched_program $vpid)
		touch "$go"
		rand_sleep 0 300
		kill -KILL $vpid || { echo "$py launched: vizbpf gone before it was killed: $(cat vz.err)"; failed=1; }
		wait $vpid 2>/dev/null || true
		for _ in $(seq 100); do
			watchdog_running || break
			sleep 0.05
		done
		touch "$gone"
		wait_finished "$tpid" "$py launched" || { cleanup_target "$tpid"; failed=1; continue; }
		[ "$(tail -1 out.txt)" = "$want" ] ||
			{ echo "$py launched: output '$(tail -1 out.txt)', untraced '$want'; $(grep -v "^ " vz.err | tail -4)"; failed=1; }
	done
	[ $failed = 0 ]
}

@test "launch: a fork()ed child waits (not stopped) while its vizbpf is frozen, and runs on once that vizbpf is killed" {
	local failed=0 py go="$BATS_TEST_TMPDIR/go" vpid tpid want kid st
	for py in "${PYS[@]}"; do
		want=$("$py" "$TARGETS/killed_target.py" forks 1 | tail -1)
		rm -f "$go" out.txt vz.err
		"$VIZBPF" -o trace.json -- "$py" "$TARGETS/killed_target.py" forks 1 "$go" \
			>out.txt 2>vz.err 3>&- &
		vpid=$!
		wait_for_line out.txt ready || { kill -KILL $vpid; failed=1; continue; }
		tpid=$(launched_program $vpid)
		# vizbpf cannot follow the fork now: the child waits in its fork handler.
		kill -STOP $vpid
		touch "$go"
		kid=
		for _ in $(seq 100); do
			kid=$(pgrep -P "$tpid" | head -1)
			[ -n "$kid" ] && break
			sleep 0.02
		done
		sleep 0.3
		st=$(awk '{ print $3 }' "/proc/$kid/stat" 2>/dev/null)
		# Waiting: alive and not stopped (nobody would let a stop go), its parent still in
		# waitpid (no result printed).
		if [ -z "$kid" ] || [ -z "$st" ] || [ "$st" = T ] || [ "$st" = Z ] ||
			[ "$(tail -1 out.txt)" != ready ]; then
			echo "$py: the forked child (${kid:-none}) is '${st:-gone}' with vizbpf frozen, not waiting"
			failed=1
		fi
		kill -KILL $vpid
		wait $vpid 2>/dev/null || true
		wait_finished "$tpid" "$py frozen, then killed" || { cleanup_target "$tpid"; failed=1; continue; }
		[ "$(tail -1 out.txt)" = "$want" ] ||
			{ echo "$py: output '$(tail -1 out.txt)', untraced '$want'; $(tail -3 vz.err)"; failed=1; }
	done
	[ $failed = 0 ]
}

@test "the watchdog ends with a vizbpf that ends normally, and holds nothing of it" {
	local py=${PYS[0]} wd
	"$py" -c 'import time; print("ready", flush=True); time.sleep(30)' >out.txt 3>&- &
	local tpid=$!
	wait_for_line out.txt ready
	"$VIZBPF" -v -o trace.json -p $tpid --duration 0.3 2>vz.err 3>&- &
	local vpid=$!
	wait_for_line vz.err "watchdog: pid" || { kill $vpid $tpid; return 1; }
	wd=$(sed -n 's/.*watchdog: pid \([0-9]*\).*/\1/p' vz.err)
	[ "$(cat /proc/$wd/comm)" = vizbpf-watchdog ]
	# Out of the OOM killer's way, where this host lets root say so.
	if sh -c 'echo -1000 >/proc/self/oom_score_adj' 2>/dev/null; then
		for _ in $(seq 20); do [ "$(cat /proc/$wd/oom_score_adj)" = -1000 ] && break; sleep 0.05; done
		[ "$(cat /proc/$wd/oom_score_adj)" = -1000 ]
	else
		echo "# oom_score_adj cannot be lowered here: not checked" >&3
	fi
	# Only its map: no output file, lock, pipe or terminal of vizbpf's.
	ls -l /proc/$wd/fd | grep -v -e ' -> /dev/null$' -e ' -> anon_inode:bpf-map$' \
		-e ' -> anon_inode:\[pidfd\]$' -e '^total' &&
		{ echo "the watchdog holds more than its map"; kill $vpid $tpid; return 1; }
	wait $vpid
	for _ in $(seq 40); do running "$wd" || break; sleep 0.05; done
	if running "$wd"; then
		echo "watchdog $wd still there 2 s after vizbpf: state $(awk '{ print $3 }' /proc/$wd/stat)," \
			"wchan $(cat /proc/$wd/wchan); its held map:"
		bpftool map dump id "$(sed -n 's/^map_id:\s*//p' /proc/$wd/fdinfo/3)" 2>&1 | head -20
		cat vz.err
		kill $tpid
		return 1
	fi
	kill $tpid
}
