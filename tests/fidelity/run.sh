#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# make fidelity: real code (CPython's own test suites, stdlib tools) run under
# vizbpf and twice under the sys.setprofile oracle; prints per suite the
# fidelity (share of calls whose call path is the same in both runs) beside the
# oracle's own run-to-run noise. A harness for humans, not part of make test.
#
#   tests/fidelity/run.sh                  # one interpreter (pyenv 3.12), all suites
#   FIDELITY_ALL=1 tests/fidelity/run.sh   # every interpreter present (long)
#   FIDELITY_PYTHONS="/usr/bin/python3.11" FIDELITY_SUITES="test_json json.tool" tests/fidelity/run.sh
#
# Outputs in $FIDELITY_OUT (default .output/fidelity/<python>/<suite>.*): the differing
# subtrees (.diff.txt; the oracle's own: .noise.txt), the runs' output; the traces and
# oracle runs too with FIDELITY_KEEP=1. FIDELITY_EVAL_LIB= (empty) traces through the
# uprobe fallback instead of the preloaded evaluator. Root and a built .output/vizbpf needed.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
VIZBPF=${VIZBPF:-$REPO/.output/vizbpf}
OUT=${FIDELITY_OUT:-$REPO/.output/fidelity}
HERE=$REPO/tests/fidelity
PYENV=${PYENV_ROOT:-$HOME/.pyenv}

# CPython's test suites (python -m test NAME...; + joins several in one run), then stdlib
# tools. test_threading (a minute and more under the oracle) only with FIDELITY_SUITES=all.
# On 3.13 test_json takes minutes and a 10 GB trace (its recursion tests go deep there):
# leave it out with FIDELITY_SUITES on an all-interpreter run.
DEFAULT_SUITES="test_json test_functools test_generators test_exceptions test_itertools test_re
test_contextlib test_dataclasses test_asyncio.test_locks+test_asyncio.test_queues
json.tool compileall pydoc timeit"
SUITES=${FIDELITY_SUITES:-$DEFAULT_SUITES}
[ "$SUITES" = all ] && SUITES="$DEFAULT_SUITES test_threading"

pythons() {
	if [ -n "${FIDELITY_PYTHONS:-}" ]; then echo "$FIDELITY_PYTHONS"; return; fi
	if [ -z "${FIDELITY_ALL:-}" ]; then ls -d "$PYENV"/versions/3.12.*/bin/python3.12 | sort -V | tail -n 1; return; fi
	[ -x /usr/bin/python3.11 ] && echo /usr/bin/python3.11
	local minor
	for minor in 8 9 10 11 12 13; do
		ls -d "$PYENV"/versions/3."$minor".*/bin/python3."$minor" 2>/dev/null | sort -V | tail -n 1
	done
}

# The command line (after the interpreter) and the anchor file of SUITE, in $WORK.
suite_args() { # PY SUITE
	local py=$1 suite=$2
	case $suite in
	# A fixed seed: 3.12+ seeds random for every test (3.8-3.11 only with -r).
	test_*) ARGS=(-m test --randseed=1 ${suite//+/ }); ANCHOR_MOD=test ;;
	json.tool) ARGS=(-m json.tool "$WORK/in.json" "$WORK/out.json"); ANCHOR_MOD=json.tool
		"$py" -c 'import json,sys; json.dump([{"k%d" % i: list(range(i))} for i in range(300)], open(sys.argv[1], "w"))' "$WORK/in.json" ;;
	compileall) rm -rf "$WORK/lib"; mkdir -p "$WORK/lib"
		cp -r "$("$py" -c 'import email,os; print(os.path.dirname(email.__file__))')" "$WORK/lib/"
		ARGS=(-m compileall -q -f "$WORK/lib"); ANCHOR_MOD=compileall ;;
	pydoc) ARGS=(-m pydoc json); ANCHOR_MOD=pydoc ;;
	timeit) ARGS=(-m timeit -n 200 -r 3 -s "import json" "json.dumps({'a': [1, 2, 3]})"); ANCHOR_MOD=timeit ;;
	*) echo "unknown suite $suite" >&2; return 1 ;;
	esac
	ANCHOR=$("$py" -c 'import importlib.util as u, sys
s = u.find_spec(sys.argv[1])
print(u.find_spec(sys.argv[1] + ".__main__").origin if s.submodule_search_locations else s.origin)' "$ANCHOR_MOD")
}

printf '%-12s %-44s %9s %9s %9s %9s  %s\n' python suite oracle vizbpf fidelity noise "exit (vizbpf/oracle/oracle)"
for py in $(pythons); do
	ver=$("$py" -c 'import platform; print(platform.python_version())')
	[ "$py" = /usr/bin/python3.11 ] && ver=$ver-debian
	dir=$OUT/$ver
	mkdir -p "$dir"
	for suite in $SUITES; do
		if [[ $suite == test_* ]] && ! "$py" -c 'import test.libregrtest' 2>/dev/null; then
			printf '%-12s %-44s  (CPython test suite not shipped with this interpreter)\n' "$ver" "$suite"
			continue
		fi
		WORK=$(mktemp -d)
		suite_args "$py" "$suite" || continue
		base=$dir/$suite
		(cd "$WORK" && ${FIDELITY_EVAL_LIB+env VIZBPF_EVAL_LIB="$FIDELITY_EVAL_LIB"} timeout 600 "$VIZBPF" -q -o "$base.trace.json" -- "$py" "${ARGS[@]}" >"$base.vizbpf.out" 2>&1)
		rc_v=$?
		(cd "$WORK" && timeout 600 "$py" "$HERE/oracle_compact.py" "$base.1.oracle.json" "${ARGS[@]}" >"$base.oracle.out" 2>&1)
		rc_1=$?
		(cd "$WORK" && timeout 600 "$py" "$HERE/oracle_compact.py" "$base.2.oracle.json" "${ARGS[@]}" >/dev/null 2>&1)
		rc_2=$?
		read -r n_o n_v fid < <(python3 "$HERE/compare.py" "$ANCHOR" "$base.1.oracle.json" "$base.trace.json" --diff "$base.diff.txt")
		read -r _ _ noise < <(python3 "$HERE/compare.py" "$ANCHOR" "$base.1.oracle.json" "$base.2.oracle.json" --diff "$base.noise.txt")
		replaced=$(python3 -c 'import json,sys; print(" (oracle hook replaced by the program)" if json.load(open(sys.argv[1]))["hook_replaced"] else "")' "$base.1.oracle.json" 2>/dev/null)
		printf '%-12s %-44s %9s %9s %9s %9s  %s/%s/%s%s\n' "$ver" "$suite" "$n_o" "$n_v" "$fid" "$noise" "$rc_v" "$rc_1" "$rc_2" "$replaced"
		rm -rf "$WORK"
		# A suite's trace is hundreds of MB: kept only when asked.
		[ -n "${FIDELITY_KEEP:-}" ] || rm -f "$base.trace.json" "$base.1.oracle.json" "$base.2.oracle.json"
	done
done
echo "differing call paths: $OUT/<python>/<suite>.diff.txt (oracle noise: .noise.txt)"
