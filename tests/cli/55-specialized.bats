#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Calls that CPython's specialized bytecode could run inline without looking at
# interp->eval_frame (3.11+): warmed up in a hot loop before the part compared, they
# must all be in the trace, launched and attached, on every interpreter present; the
# program runs on, and what vizbpf changed in it is back after detach.

load helpers

setup_file() {
	build_peek
}

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
	PEEK="$BATS_FILE_TMPDIR/peek_eval_frame"
}

# The calls under phase() (and main() when launched) equal the oracle's.
compare() { # PY ROOT...
	local py=$1
	shift
	python3 "$TOOLS/calltree.py" trace.json oracle.json "$TARGETS/specialized.py" "$@" >cmp.txt ||
		{ echo "$py: call trees differ:"; head -40 cmp.txt; return 1; }
}

launch_and_check() {
	local py=$1 target="$TARGETS/specialized.py"
	rm -f trace.json oracle.json
	"$VIZBPF" -q -o trace.json -- "$py" "$target" >out.txt 2>vz.err ||
		{ echo "$py: vizbpf failed: $(cat vz.err)"; return 1; }
	"$py" "$TOOLS/oracle.py" oracle.json "$target" >oracle.out
	cmp -s out.txt oracle.out || { echo "$py: output differs: $(diff out.txt oracle.out)"; return 1; }
	compare "$py" --root=main || return 1
	echo "# $py: $(cat cmp.txt)" >&3
}

attach_and_check() {
	local py=$1 target="$TARGETS/specialized.py" go="$BATS_TEST_TMPDIR/go"
	rm -f oracle.json
	# 0.3 s: the hot loop runs, its sites specialize before vizbpf attaches.
	attach_round "$py" "$target" "$go" 0.3 counters || return 1
	local before=$PEEK_BEFORE after=$PEEK_AFTER
	mv "$go.ops" traced.ops 2>/dev/null
	[ "$before" = "$after" ] || { echo "$py: before attach: $before; after detach: $after"; return 1; }
	"$py" "$TOOLS/oracle.py" oracle.json "$target" "$go" >oracle.out
	cmp -s out.txt oracle.out || { echo "$py: output differs: $(diff out.txt oracle.out)"; return 1; }
	compare "$py" --root=phase || return 1
	# After detach the sites specialize again as in a run never traced (3.11+).
	rm -f "$go.ops"
	"$py" "$target" "$go" >/dev/null
	if [ -e "$go.ops" ]; then
		# The gaps were there to fall into: obj[i] specialized in work() (3.11+), a
		# class call too (3.13).
		grep -q "work BINARY_SUBSCR_GETITEM" "$go.ops" || { echo "$py: obj[i] not specialized"; return 1; }
		! grep -q CALL_ALLOC_AND_ENTER_INIT "$go.ops" && [[ $py == *3.13* ]] &&
			{ echo "$py: Point(i) not specialized"; return 1; }
		cmp -s traced.ops "$go.ops" ||
			{ echo "$py: specialized after detach: $(diff traced.ops "$go.ops")"; return 1; }
	fi
	echo "# $py: $(cat cmp.txt); restored: ${after//$'\n'/, }" >&3
}

@test "specialized calls: launched, every call of the warmed-up sites is in the trace" {
	local failed=0 py
	for py in $(pythons); do
		launch_and_check "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "specialized calls: attached after the sites specialized, every call is in the trace; eval_frame and version counters restored" {
	local failed=0 py
	for py in $(pythons); do
		attach_and_check "$py" || failed=1
	done
	[ "$failed" = 0 ]
}
