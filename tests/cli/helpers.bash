# SPDX-License-Identifier: BSD-2-Clause
# Shared by the end-to-end tests: the binary, requirements, the interpreter matrix.

bats_require_minimum_version 1.8.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
VIZBPF=${VIZBPF:-$REPO/.output/vizbpf}
TARGETS=$REPO/tests/targets
TOOLS=$REPO/tests/tools

# requires root|bpf: skip when the machine cannot; in CI (CI=true) that is a failure,
# since CI runs as root with BPF and a skipped end-to-end test proves nothing.
requires() {
	local what reason=
	for what in "$@"; do
		case $what in
		root) [ "$(id -u)" = 0 ] || reason="needs root" ;;
		bpf)
			# Probe by doing it: trace a trivial program.
			if [ -z "${VIZBPF_BPF_OK:-}" ]; then
				if "$VIZBPF" -q -o "$BATS_RUN_TMPDIR/probe.json" -- /usr/bin/python3 -c pass \
					>/dev/null 2>&1; then
					export VIZBPF_BPF_OK=yes
				else
					export VIZBPF_BPF_OK=no
				fi
			fi
			[ "$VIZBPF_BPF_OK" = yes ] || reason="BPF tracing does not work here"
			;;
		*) fail "BUG: unknown requirement '$what'" ;;
		esac
	done
	if [ -n "$reason" ]; then
		[ "${CI:-}" = true ] && fail "CI must run this test but: $reason"
		skip "$reason"
	fi
}

# PID exists and has not ended: an ended process whose parent died is a zombie until the
# machine's init reaps it, which some hosts do only now and then (kill -0 succeeds on it).
running() { # PID
	local st
	st=$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# A vizbpf watchdog is still at work (not a zombie).
watchdog_running() {
	local p
	for p in $(pgrep -x vizbpf-watchdog); do running "$p" && return 0; done
	return 1
}

pyenv_root() {
	if command -v pyenv >/dev/null 2>&1; then pyenv root; else echo "${PYENV_ROOT:-$HOME/.pyenv}"; fi
}

# Every supported interpreter present: Debian's python3.11, then pyenv's 3.8-3.13 builds.
# $VIZBPF_PYTHONS (space-separated paths) overrides. Missing ones are reported on fd 3.
pythons() {
	if [ -n "${VIZBPF_PYTHONS:-}" ]; then
		echo "$VIZBPF_PYTHONS"
		return
	fi
	local list= root minor d found
	[ -x /usr/bin/python3.11 ] && list=/usr/bin/python3.11
	root=$(pyenv_root)
	for minor in 8 9 10 11 12 13; do
		found=
		for d in $(ls -d "$root"/versions/3."$minor".* 2>/dev/null | sort -V -r); do
			if [[ $d =~ /3\.$minor\.[0-9]+$ && -x $d/bin/python3.$minor ]]; then
				list="$list $d/bin/python3.$minor"
				found=1
				break
			fi
		done
		[ -n "$found" ] || echo "# interpreter missing: pyenv 3.$minor (not installed)" >&3
	done
	echo $list
}

# Runs vizbpf and echoes the command, its status and output to stderr on failure.
vizbpf() {
	run "$VIZBPF" "$@"
	echo "vizbpf $* (status=$status): $output" >&2
}

# jq expression over a trace's metadata.
meta() {
	jq -r ".viztracer_metadata.$2" "$1"
}

# Waits up to 15 s for TEXT to appear in FILE (a background program's output).
wait_for_line() { # FILE TEXT
	for _ in $(seq 300); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	echo "timed out waiting for '$2' in $1: $(cat "$1")"
	return 1
}

# One attach round on TARGET under PY, a program that prints "ready", waits for the file
# GO, works, prints "worked", then waits for GO.end: vizbpf attaches once it is ready (after
# WARMUP seconds more), detaches once it worked, and the program finishes. Leaves out.txt (its
# output), vz.err, trace.json; PEEK_BEFORE / PEEK_AFTER: `$PEEK PID PEEK_ARGS` before attach
# and after detach, for the caller to check that what vizbpf changed is back.
# $ATTACH_ARGS: more vizbpf options (--inject).
attach_round() { # PY TARGET GO [WARMUP [PEEK_ARGS...]]
	local py=$1 target=$2 go=$3 warmup=${4:-0}
	shift $(($# < 4 ? $# : 4))
	rm -f "$go" "$go.end" out.txt vz.err trace.json
	"$py" "$target" "$go" >out.txt 2>&1 3>&- &
	local ppid=$!
	wait_for_line out.txt ready || return 1
	sleep "$warmup"
	PEEK_BEFORE=$("$PEEK" $ppid "$@")
	"$VIZBPF" -o trace.json -p $ppid ${ATTACH_ARGS:-} 2>vz.err 3>&- &
	local vpid=$!
	wait_for_line vz.err "tracing" || { kill $ppid; return 1; }
	touch "$go"
	wait_for_line out.txt worked || { kill $vpid $ppid; return 1; }
	kill -TERM $vpid
	wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; kill $ppid; return 1; }
	PEEK_AFTER=$("$PEEK" $ppid "$@")
	touch "$go.end"
	wait $ppid || { echo "$py: the program failed after detach: $(cat out.txt)"; return 1; }
}

# Builds tests/fixtures/peek_eval_frame (prints a process's interp->eval_frame) for a file's
# tests: $BATS_FILE_TMPDIR/peek_eval_frame. symbols/ includes a table generated into the build
# directory (syscall_names.h, next to vizbpf).
build_peek() {
	(cd "$REPO" && cc -D_GNU_SOURCE -I. -Ibpf -I"$(dirname "$VIZBPF")" tests/fixtures/peek_eval_frame.c \
		symbols/*.c export/json.c -lelf \
		-o "$BATS_FILE_TMPDIR/peek_eval_frame")
}

# The oracle for a RecursionError is the program itself: sys.setprofile's Python callback
# hits the limit first and is switched off. Every down() that started is one slice.
check_refused_calls() { # WHAT TRACE OUTPUT
	local py=$1 started n refused
	started=$(sed -n 's/^down() calls started //p' "$3")
	n=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("down (")))] | length' "$2")
	refused=$(meta "$2" calls_refused_by_recursion_limit)
	echo "# $py: $started down() calls started, $n slices, $refused refused" >&3
	[ -n "$started" ] && [ "$n" = "$started" ] && [ "$refused" = 3 ] ||
		{ echo "$py: $n down() slices for $started calls started, $refused refused (want 3)"; return 1; }
	python3 "$TOOLS/calltree.py" "$2" /dev/null /dev/null --check-only ||
		{ echo "$py: invalid nesting"; return 1; }
}

# Attaches to attach_target.py under PY, lets it run mixed.main(), detaches, and checks
# the trace against the oracle, the output against an untraced run, and eval_frame.
attach_and_check() {
	local py=$1 target="$TARGETS/attach_target.py" go="$BATS_TEST_TMPDIR/go"
	attach_round "$py" "$target" "$go" || return 1
	local before=$PEEK_BEFORE after=$PEEK_AFTER
	[ "$before" = "$after" ] || { echo "$py: eval_frame was $before, is $after after detach"; return 1; }
	# Same output as untraced (the oracle run is untraced by vizbpf).
	touch "$go" "$go.end"
	"$py" "$TOOLS/oracle.py" oracle.json "$target" "$go" >oracle.out
	cmp -s out.txt oracle.out || { echo "$py: output differs: $(diff out.txt oracle.out)"; return 1; }
	python3 "$TOOLS/calltree.py" trace.json oracle.json "$TARGETS/mixed.py" --root=main --root=worker \
		>cmp.txt || { echo "$py: call trees differ:"; head -40 cmp.txt; return 1; }
	echo "# $py: $(cat cmp.txt); eval_frame $before before and after" >&3
}

# "PID:COUNT" of the leaf() slices of a trace, one per process, sorted.
leaf_counts() { # TRACE
	jq -r '[.traceEvents[] | select(.ph == "X" and (.name | startswith("leaf ")))] |
		group_by(.pid)[] | "\(.[0].pid):\(length)"' "$1" | sort
}

# What batch_edges.py says it did, in the same form.
said_counts() { # OUTPUT
	awk '$1 == "pid" { sub("leaf=", "", $3); print $2 ":" $3 }' "$1" | sort
}

# Attaches (with $ATTACH_ARGS) to attach_pool.py under PY, which then runs a pool with start
# method HOW: every worker's square() calls are in the trace; vizbpf ends with the program.
attach_pool_round() { # PY HOW
	local py=$1 how=$2 pid vpid squares go="$BATS_TEST_TMPDIR/go"
	rm -f "$go" out.txt vz.err
	"$py" "$TARGETS/attach_pool.py" $how "$go" >out.txt 2>&1 3>&- &
	pid=$!
	wait_for_line out.txt ready || return 1
	"$VIZBPF" -o trace.json -p $pid ${ATTACH_ARGS:-} 2>vz.err 3>&- &
	vpid=$!
	wait_for_line vz.err tracing || { kill $pid $vpid; return 1; }
	touch "$go"
	wait $pid || { echo "$py $how: the program failed: $(cat out.txt)"; return 1; }
	# vizbpf ends when every process it traces has ended
	wait $vpid || { echo "$py $how: vizbpf failed: $(cat vz.err)"; return 1; }
	[ "$(tail -n 1 out.txt)" = 2470 ] || { echo "$py $how: output $(cat out.txt)"; return 1; }
	python3 "$TOOLS/calltree.py" trace.json - - --check-only || return 1
	squares=$(jq '[.traceEvents[] | select(.ph == "X" and (.name | startswith("square (")))] | length' trace.json)
	[ "$squares" = 20 ] || { echo "$py $how: $squares square() calls"; return 1; }
}

# Attaches (with $ATTACH_ARGS) to reused_code.py under PY, which execs snippets whose code
# objects get the addresses of freed ones: each call is named by what ran (the oracle's).
attach_reused_round() { # PY
	local py=$1 go="$BATS_TEST_TMPDIR/go" target="$TARGETS/reused_code.py" reused ppid vpid
	rm -f "$go" out.txt err.txt vz.err trace.json
	"$py" "$target" "$go" >out.txt 2>err.txt 3>&- &
	ppid=$!
	wait_for_line out.txt ready || { kill $ppid; return 1; }
	"$VIZBPF" -o trace.json -p $ppid ${ATTACH_ARGS:-} 2>vz.err 3>&- &
	vpid=$!
	wait_for_line vz.err tracing || { kill $ppid $vpid; return 1; }
	touch "$go"
	wait $ppid || { echo "$py: the program failed: $(cat out.txt err.txt)"; return 1; }
	# vizbpf ends when the process it traces has ended
	wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; return 1; }
	reused=$(sed -n 's/^snippets at the previous one.s addresses: //p' err.txt)
	[ "${reused:-0}" -ge 100 ] || { echo "$py: only ${reused:-0} snippets reused addresses"; return 1; }
	"$py" "$TOOLS/oracle.py" oracle.json "$target" "$go" >oracle.out 2>/dev/null
	cmp -s out.txt oracle.out || { echo "$py: output differs: $(diff out.txt oracle.out)"; return 1; }
	python3 "$TOOLS/callnames.py" trace.json oracle.json '^<(snippet|function snippet|doctest)' \
		>cmp.txt || { echo "$py:"; head -20 cmp.txt; return 1; }
	echo "# $py: $(cat cmp.txt), $reused snippets at reused addresses" >&3
}
