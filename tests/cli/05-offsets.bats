#!/usr/bin/env bats
# SPDX-License-Identifier: BSD-2-Clause
#
# The CPython layout tables of symbols/pyoffsets.c against gdb on the
# installed pyenv builds (symbols/gen-offsets.sh reads their DWARF), and the
# 3.11 table against the headers of Debian's python3.11 (3.11.2, stripped).
# Skipped: gdb missing, or the version not installed. A build without debug
# info is skipped too, except when CI=true (then it fails).

bats_require_minimum_version 1.8.0

setup_file() {
	cd "$BATS_TEST_DIRNAME/../.."
	cc -I. -Ibpf tests/fixtures/print_offsets.c symbols/pyoffsets.c -o "$BATS_FILE_TMPDIR/print_offsets"
}

setup() {
	cd "$BATS_TEST_DIRNAME/../.."
	PRINT="$BATS_FILE_TMPDIR/print_offsets"
}

pyenv_root() {
	if command -v pyenv >/dev/null 2>&1; then
		pyenv root
	else
		echo "${PYENV_ROOT:-$HOME/.pyenv}"
	fi
}

# The newest installed pyenv 3.MINOR.x libpython, or nothing.
pyenv_lib() {
	local minor=$1 root d
	root=$(pyenv_root)
	for d in $(ls -d "$root"/versions/3."$minor".* 2>/dev/null | sort -V -r); do
		[[ $d =~ /3\.$minor\.[0-9]+$ && -r $d/lib/libpython3.$minor.so.1.0 ]] || continue
		echo "$d/lib/libpython3.$minor.so.1.0"
		return
	done
}

check_version() {
	local minor=$1 lib
	command -v gdb >/dev/null || skip "gdb not installed"
	lib=$(pyenv_lib "$minor")
	[[ -n $lib ]] || skip "python3.$minor not installed (pyenv)"
	run --separate-stderr symbols/gen-offsets.sh "$lib"
	if [[ $status -ne 0 ]]; then
		if [[ $stderr == *"no DWARF debug info"* && ${CI:-} != true ]]; then
			skip "$lib has no debug info"
		fi
		echo "gen-offsets.sh $lib failed ($status): $stderr"
		return 1
	fi
	local want=$output
	run --separate-stderr "$PRINT" 3 "$minor"
	[[ $status -eq 0 ]] || { echo "print_offsets 3 $minor: $stderr"; return 1; }
	if [[ $output != "$want" ]]; then
		echo "table 3.$minor (<) differs from gdb on $lib (>):"
		diff <(echo "$output") <(echo "$want") || true
		return 1
	fi
}

@test "offsets 3.8 match gdb" { check_version 8; }
@test "offsets 3.9 match gdb" { check_version 9; }
@test "offsets 3.10 match gdb" { check_version 10; }
@test "offsets 3.11 match gdb" { check_version 11; }
@test "offsets 3.12 match gdb" { check_version 12; }
@test "offsets 3.13 match gdb" { check_version 13; }

@test "versions without a table are refused" {
	run --separate-stderr "$PRINT" 3 7
	[ "$status" -eq 2 ]
	[[ $stderr == *"supported: 3.8-3.13"* ]]
	run --separate-stderr "$PRINT" 3 14
	[ "$status" -eq 2 ]
}

# Debian's 3.11.2 has no DWARF, but python3.11-dev ships the internal headers:
# offsetof() compiled against them must give the 3.11 table.
@test "offsets 3.11 match the headers of the system python3.11" {
	local inc=/usr/include/python3.11
	[[ -r $inc/internal/pycore_frame.h ]] || skip "python3.11-dev (internal headers) not installed"
	cat > "$BATS_TEST_TMPDIR/hdr.c" <<'CEOF'
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include "internal/pycore_frame.h"
#include "internal/pycore_runtime.h"
#include "internal/pycore_interp.h"
#define P(f, v) printf(#f "=%ld\n", (long)(v))
int main(void)
{
	P(py_version_hex, PY_VERSION_HEX & 0xffff0000);
	P(runtime_tstate_current, offsetof(_PyRuntimeState, gilstate.tstate_current));
	P(tstate_frame, offsetof(PyThreadState, cframe));
	P(cframe_current_frame, offsetof(_PyCFrame, current_frame));
	P(tstate_interp, offsetof(PyThreadState, interp));
	P(tstate_py_recursion_remaining, offsetof(PyThreadState, recursion_remaining));
	P(tstate_recursion_headroom, offsetof(PyThreadState, recursion_headroom));
	P(tstate_native_thread_id, offsetof(PyThreadState, native_thread_id));
	P(tstate_thread_id, offsetof(PyThreadState, thread_id));
	P(tstate_next, offsetof(PyThreadState, next));
	P(interp_eval_frame, offsetof(PyInterpreterState, eval_frame));
	P(interp_threads_head, offsetof(PyInterpreterState, threads.head));
	P(interp_next, offsetof(PyInterpreterState, next));
	P(runtime_interpreters_head, offsetof(_PyRuntimeState, interpreters.head));
	P(frame_code, offsetof(_PyInterpreterFrame, f_code));
	P(frame_previous, offsetof(_PyInterpreterFrame, previous));
	P(frame_owner, offsetof(_PyInterpreterFrame, owner));
	P(frame_ip, offsetof(_PyInterpreterFrame, prev_instr));
	P(code_flags, offsetof(PyCodeObject, co_flags));
	P(code_firstlineno, offsetof(PyCodeObject, co_firstlineno));
	P(code_name, offsetof(PyCodeObject, co_name));
	P(code_qualname, offsetof(PyCodeObject, co_qualname));
	P(code_filename, offsetof(PyCodeObject, co_filename));
	P(unicode_state, offsetof(PyASCIIObject, state));
	P(unicode_length, offsetof(PyASCIIObject, length));
	P(unicode_ascii_data, sizeof(PyASCIIObject));
	P(unicode_compact_data, sizeof(PyCompactUnicodeObject));
	return 0;
}
CEOF
	cc -I"$inc" "$BATS_TEST_TMPDIR/hdr.c" -o "$BATS_TEST_TMPDIR/hdr"
	run -0 "$BATS_TEST_TMPDIR/hdr"
	local want=$output
	run -0 "$PRINT" 3 11
	# The headers' fields, in the same order, from the C table.
	local got
	got=$(grep -E "^($(echo "$want" | cut -d= -f1 | paste -sd'|'))=" <<<"$output")
	if [[ $got != "$want" ]]; then
		diff <(echo "$got") <(echo "$want") || true
		return 1
	fi
}
