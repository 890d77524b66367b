#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# Python's features one by one (tests/targets/features.py), as root with the real
# BPF programs, on every interpreter present, in each mode: the traced call tree of
# each thread equals the sys.setprofile oracle's. main_sections() must be exact
# everywhere; known_section() (hot calls CPython specializes into inlined
# __init__/__getitem__) is checked apart, so a failure there names its construct.

load helpers

setup_file() {
	build_peek
}

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
	PEEK="$BATS_FILE_TMPDIR/peek_eval_frame"
}

# Launches features.py under PY (the mode is in the environment), compares the
# subtrees of ROOT with the oracle's, and the output with an untraced run.
launch_and_compare() { # PY ROOT
	local py=$1 root=$2 target="$TARGETS/features.py"
	"$VIZBPF" -q -o trace.json -- "$py" "$target" >traced.out 2>traced.err ||
		{ echo "$py: vizbpf exited $?: $(cat traced.err)"; return 1; }
	"$py" "$TOOLS/oracle.py" oracle.json "$target" >oracle.out || { echo "$py: the oracle failed"; return 1; }
	cmp -s traced.out oracle.out || { echo "$py: output differs from the untraced run"; return 1; }
	python3 "$TOOLS/calltree.py" trace.json oracle.json "$target" --root="$root" >cmp.txt ||
		{ echo "$py ($root): call trees differ:"; head -60 cmp.txt; return 1; }
	echo "# $py ($root): $(cat cmp.txt)" >&3
}

# Attaches to features_attach.py under PY after its warm-up, lets it run one
# marked round, detaches; checks output, eval_frame, and the subtrees of ROOT.
attach_and_compare() { # PY ROOT
	local py=$1 root=$2 target="$TARGETS/features_attach.py" go="$BATS_TEST_TMPDIR/go"
	attach_round "$py" "$target" "$go" || return 1
	local before=$PEEK_BEFORE after=$PEEK_AFTER
	[ "$before" = "$after" ] || { echo "$py: eval_frame was $before, is $after after detach"; return 1; }
	"$py" "$TOOLS/oracle.py" oracle.json "$target" "$go" >oracle.out
	cmp -s out.txt oracle.out || { echo "$py: output differs: $(diff out.txt oracle.out)"; return 1; }
	python3 "$TOOLS/calltree.py" trace.json oracle.json "$TARGETS/features.py" --root="$root" >cmp.txt ||
		{ echo "$py ($root): call trees differ:"; head -60 cmp.txt; return 1; }
	echo "# $py ($root): $(cat cmp.txt)" >&3
}

@test "features, launch mode: call trees equal the oracle's" {
	local failed=0 py
	for py in $(pythons); do
		launch_and_compare "$py" main_sections || failed=1
		[[ $(meta trace.json mechanism) == "nop5 probe sites"* ]] || { echo "$py: $(meta trace.json mechanism)"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "features, launch fallback (uprobe+uretprobe): call trees equal the oracle's" {
	local failed=0 py
	export VIZBPF_EVAL_LIB=
	for py in $(pythons); do
		launch_and_compare "$py" main_sections || failed=1
		[[ $(meta trace.json mechanism) == uprobe+uretprobe* ]] || { echo "$py: $(meta trace.json mechanism)"; failed=1; }
	done
	[ "$failed" = 0 ]
}

@test "features, attach mode after a warm-up (specialized code): call trees equal the oracle's" {
	local failed=0 py
	for py in $(pythons); do
		attach_and_compare "$py" attached_main || failed=1
	done
	[ "$failed" = 0 ]
}

@test "features, hot __init__ and __getitem__ (specialized inlined calls), launch and fallback" {
	local failed=0 py
	for py in $(pythons); do
		launch_and_compare "$py" known_section || failed=1
		VIZBPF_EVAL_LIB= launch_and_compare "$py" known_section || failed=1
	done
	[ "$failed" = 0 ]
}

@test "features, hot __init__ and __getitem__ (specialized inlined calls), attach mode after a warm-up" {
	local failed=0 py
	for py in $(pythons); do
		attach_and_compare "$py" attached_known || failed=1
	done
	[ "$failed" = 0 ]
}

@test "a __del__ or generator close run as a function's locals go hangs under its caller (launch and fallback)" {
	local failed=0 py target="$TARGETS/finalizers.py"
	for py in $(pythons); do
		for lib in preload none; do
			if [ $lib = none ]; then export VIZBPF_EVAL_LIB=; else unset VIZBPF_EVAL_LIB; fi
			"$VIZBPF" -q -o trace.json -- "$py" "$target" >traced.out || { echo "$py $lib: vizbpf failed"; failed=1; continue; }
			"$py" "$TOOLS/oracle.py" oracle.json "$target" >oracle.out
			cmp -s traced.out oracle.out || { echo "$py $lib: output differs"; failed=1; }
			python3 "$TOOLS/calltree.py" trace.json oracle.json "$target" >cmp.txt ||
				{ echo "$py $lib: call trees differ:"; head -30 cmp.txt; failed=1; continue; }
			echo "# $py $lib: $(cat cmp.txt)" >&3
		done
	done
	[ "$failed" = 0 ]
}
