#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
# --log_print (writes to stdout/stderr as instants) and --log_sparse (only calls of functions
# decorated with vizbpf_events.log_sparse), on every interpreter present, as root with the real
# BPF programs. --log_print is checked against what the program wrote (captured), --log_sparse
# against the calls the program counted itself.

load helpers

setup() {
	requires root bpf
	cd "$BATS_TEST_TMPDIR"
}

EVENTS_DIR=$REPO/.output/share

# The first and the last interpreter present: attach and --all runs are kept to these two.
pythons_ends() {
	pythons | awk '{print $1; if (NF > 1) print $NF}'
}

print_launch() { # PY
	"$VIZBPF" -q -o trace.json --log_print -- "$1" "$TARGETS/print_lines.py" >out.txt 2>err.txt ||
		{ echo "$1: vizbpf exited $?: $(cat err.txt)"; return 1; }
	python3 "$TOOLS/printcheck.py" trace.json out.txt err.txt >check.txt ||
		{ echo "$1: $(cat check.txt)"; return 1; }
	echo "# $1: $(cat check.txt)" >&3
}

@test "--log_print, launch (probe sites; the uprobe path on the first and last interpreter): the print instants are exactly what the program wrote to stdout and stderr, each inside the call that printed, on its thread" {
	local failed=0 py
	for py in $(pythons); do
		print_launch "$py" || failed=1
	done
	# The write probe does not depend on the call probes: the nesting is checked on both.
	for py in $(pythons_ends); do
		VIZBPF_EVAL_LIB= print_launch "$py" || failed=1
	done
	[ "$failed" = 0 ]
}

@test "--log_print, attached (-p) and --all --comm: the same" {
	local failed=0 py go="$BATS_TEST_TMPDIR/go" ppid vpid
	for py in $(pythons_ends); do
		rm -f "$go" "$go.end" trace.json
		"$py" "$TARGETS/print_lines.py" "$go" >out.txt 2>err.txt 3>&- &
		ppid=$!
		wait_for_line out.txt ready || { kill $ppid; echo "$py: not ready"; failed=1; continue; }
		"$VIZBPF" -o trace.json --log_print -p $ppid 2>vz.err 3>&- &
		vpid=$!
		wait_for_line vz.err "tracing" || { kill $vpid $ppid; echo "$py: $(cat vz.err)"; failed=1; continue; }
		touch "$go"
		wait_for_line out.txt '^done' || { kill $vpid $ppid; echo "$py: not done"; failed=1; continue; }
		kill -TERM $vpid
		wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; }
		touch "$go.end"
		wait $ppid || { echo "$py: the program failed"; failed=1; }
		python3 "$TOOLS/printcheck.py" trace.json out.txt err.txt $'ready\n' >check.txt ||
			{ echo "$py (attached): $(cat check.txt)"; failed=1; continue; }
		echo "# $py (attached): $(cat check.txt)" >&3

		printf '#!%s\n' "$py" >vzprint_all
		cat "$TARGETS/print_lines.py" >>vzprint_all
		chmod +x vzprint_all
		rm -f trace.json
		"$VIZBPF" -o trace.json --all --comm vzprint_all --log_print 2>vz.err 3>&- &
		vpid=$!
		wait_for_line vz.err "tracing" || { kill $vpid; echo "$py: $(cat vz.err)"; failed=1; continue; }
		./vzprint_all >out.txt 2>err.txt || { echo "$py: the program failed"; failed=1; }
		kill -TERM $vpid
		wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; continue; }
		python3 "$TOOLS/printcheck.py" trace.json out.txt err.txt >check.txt ||
			{ echo "$py (--all): $(cat check.txt)"; failed=1; continue; }
		echo "# $py (--all): $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "without --log_print: no print instant, no prints in the metadata" {
	local py
	py=$(pythons | awk '{print $1}')
	"$VIZBPF" -q -o trace.json -- "$py" "$TARGETS/print_lines.py" >out.txt 2>err.txt
	grep -q 'out line 2' out.txt
	[ "$(jq '[.traceEvents[] | select(.name == "print")] | length' trace.json)" = 0 ]
	[ "$(jq '.viztracer_metadata.prints' trace.json)" = null ]
}

sparse_launch() { # PY MODE(sparse|all) OPTIONS...
	local py=$1 mode=$2
	shift 2
	"$VIZBPF" -q -o trace.json "$@" -- "$py" "$TARGETS/sparse.py" "$EVENTS_DIR" >out.txt 2>err.txt ||
		{ echo "$py: vizbpf exited $?: $(cat err.txt)"; return 1; }
	python3 "$TOOLS/sparsecheck.py" trace.json "$(tail -1 out.txt)" "$mode" >check.txt ||
		{ echo "$py $*: $(cat check.txt)"; return 1; }
	echo "# $py $*: $(cat check.txt)" >&3
}

@test "--log_sparse, launch: exactly the decorated calls and their stack_depth windows, as the program counted; without it every call; never a wrapper" {
	local failed=0 py
	for py in $(pythons); do
		sparse_launch "$py" sparse --log_sparse || failed=1
	done
	# A filter on the slice stream: the probe path and the option's absence on two suffice.
	for py in $(pythons_ends); do
		VIZBPF_EVAL_LIB= sparse_launch "$py" sparse --log_sparse || failed=1
		sparse_launch "$py" all || failed=1
	done
	[ "$failed" = 0 ]
}

@test "--log_sparse, attached (-p): the same" {
	local failed=0 py go="$BATS_TEST_TMPDIR/go" ppid vpid
	for py in $(pythons_ends); do
		rm -f "$go" "$go.end" trace.json
		"$py" "$TARGETS/sparse.py" "$EVENTS_DIR" "$go" >out.txt 2>&1 3>&- &
		ppid=$!
		wait_for_line out.txt ready || { kill $ppid; echo "$py: not ready"; failed=1; continue; }
		"$VIZBPF" -o trace.json --log_sparse -p $ppid 2>vz.err 3>&- &
		vpid=$!
		wait_for_line vz.err "tracing" || { kill $vpid $ppid; echo "$py: $(cat vz.err)"; failed=1; continue; }
		touch "$go"
		wait_for_line out.txt '^{' || { kill $vpid $ppid; echo "$py: no result"; failed=1; continue; }
		kill -TERM $vpid
		wait $vpid || { echo "$py: vizbpf exited $?: $(cat vz.err)"; failed=1; }
		touch "$go.end"
		wait $ppid || { echo "$py: the program failed"; failed=1; }
		python3 "$TOOLS/sparsecheck.py" trace.json "$(tail -1 out.txt)" sparse >check.txt ||
			{ echo "$py (attached): $(cat check.txt)"; failed=1; continue; }
		echo "# $py (attached): $(cat check.txt)" >&3
	done
	[ "$failed" = 0 ]
}

@test "log_sparse under plain Python, without vizbpf: the decorated functions run as they are, names and docstrings kept" {
	local py
	for py in $(pythons); do
		run -0 "$py" "$TARGETS/sparse.py" "$EVENTS_DIR"
		[[ ${lines[-1]} == '{"sparse": {"alone": 4, "two": 3, "whole": 1, "Job.run": 1, "mid": 5, "leaf": 2}'* ]]
		run -0 "$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import inspect
from vizbpf_events import log_sparse
@log_sparse(stack_depth=3)
def f(a, b=2):
    "doc"
    return a * b
assert f(3) == 6 and f.__name__ == "f" and f.__doc__ == "doc", f
assert str(inspect.signature(f)) == "(a, b=2)"
print("ok")' "$EVENTS_DIR"
		[ "$output" = ok ]
	done
}
