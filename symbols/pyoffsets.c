/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where CPython keeps what the BPF programs read, one table per minor
 * version. Every number was computed by gdb from the DWARF debug info of a
 * pyenv build (symbols/gen-offsets.sh prints the same table for any
 * libpython with debug info; tests/cli/05-offsets.bats compares the two).
 * x86_64 (LP64) only. -1: the version has no such field.
 *
 * Layout facts behind the tables:
 * - PyASCIIObject.state bits (interned 0-1, kind 2-4, compact 5, ascii 6)
 *   checked with `ptype /o PyASCIIObject` on every version below.
 * - 3.12 dropped wstr: PyASCIIObject 48 -> 40, PyCompactUnicodeObject 72 -> 56.
 * - 3.13 moved the ceval state to the start of PyInterpreterState (next is
 *   no longer at 0), and _PyRuntime starts with _Py_DebugOffsets.
 */
#include <errno.h>
#include <stddef.h>
#include "pyoffsets.h"

/* CPython 3.8: gdb on pyenv 3.8.18 (symbols/gen-offsets.sh). */
static const struct vz_py_offsets py38 = {
	.py_version_hex = 0x03080000, /* PY_VERSION_HEX of 3.8.0 */
	.frame_arg = 1, /* arg 1 of _PyEval_EvalFrameDefault(PyFrameObject *, int), gdb on pyenv 3.8.18 */
	.tstate_arg = 0, /* no PyThreadState argument */
	.runtime_tstate_current = 1368, /* offsetof(_PyRuntimeState, gilstate.tstate_current), gdb on pyenv 3.8.18 */
	.tstate_frame = 24, /* offsetof(PyThreadState, frame), gdb on pyenv 3.8.18 */
	.cframe_current_frame = -1, /* none: frame read directly */
	.tstate_interp = 16, /* offsetof(PyThreadState, interp), gdb on pyenv 3.8.18 */
	.tstate_c_recursion_remaining = -1, /* none: no such field */
	.tstate_py_recursion_remaining = -1, /* none: recursion_depth counts up */
	.tstate_recursion_headroom = -1, /* none: no such field */
	.tstate_native_thread_id = -1, /* none: no such field */
	.tstate_thread_id = 176, /* offsetof(PyThreadState, thread_id), gdb on pyenv 3.8.18 */
	.tstate_next = 8, /* offsetof(PyThreadState, next), gdb on pyenv 3.8.18 */
	.interp_eval_frame = 568, /* offsetof(PyInterpreterState, eval_frame), gdb on pyenv 3.8.18 */
	.interp_threads_head = 8, /* offsetof(PyInterpreterState, tstate_head), gdb on pyenv 3.8.18 */
	.interp_next = 0, /* offsetof(PyInterpreterState, next), gdb on pyenv 3.8.18 */
	.runtime_interpreters_head = 32, /* offsetof(_PyRuntimeState, interpreters.head), gdb on pyenv 3.8.18 */
	.frame_code = 32, /* offsetof(PyFrameObject, f_code), gdb on pyenv 3.8.18 */
	.frame_previous = 24, /* offsetof(PyFrameObject, f_back), gdb on pyenv 3.8.18 */
	.frame_owner = -1, /* none: no _PyInterpreterFrame */
	.frame_ip = 104, /* offsetof(PyFrameObject, f_lasti) (int), gdb on pyenv 3.8.18 */
	.code_flags = 36, /* offsetof(PyCodeObject, co_flags), gdb on pyenv 3.8.18 */
	.code_firstlineno = 40, /* offsetof(PyCodeObject, co_firstlineno), gdb on pyenv 3.8.18 */
	.code_name = 112, /* offsetof(PyCodeObject, co_name), gdb on pyenv 3.8.18 */
	.code_qualname = -1, /* none: no such field */
	.code_filename = 104, /* offsetof(PyCodeObject, co_filename), gdb on pyenv 3.8.18 */
	.code_version = -1, /* none: no such field */
	.unicode_state = 32, /* offsetof(PyASCIIObject, state), gdb on pyenv 3.8.18 */
	.unicode_length = 16, /* offsetof(PyASCIIObject, length), gdb on pyenv 3.8.18 */
	.unicode_ascii_data = 48, /* sizeof(PyASCIIObject), gdb on pyenv 3.8.18 */
	.unicode_compact_data = 72, /* sizeof(PyCompactUnicodeObject), gdb on pyenv 3.8.18 */
};

/* CPython 3.9: gdb on pyenv 3.9.18 (symbols/gen-offsets.sh). */
static const struct vz_py_offsets py39 = {
	.py_version_hex = 0x03090000, /* PY_VERSION_HEX of 3.9.0 */
	.frame_arg = 2, /* arg 2 of _PyEval_EvalFrameDefault(PyThreadState *, PyFrameObject *, int), gdb on pyenv 3.9.18 */
	.tstate_arg = 1, /* arg 1 of _PyEval_EvalFrameDefault, gdb on pyenv 3.9.18 */
	.runtime_tstate_current = 568, /* offsetof(_PyRuntimeState, gilstate.tstate_current), gdb on pyenv 3.9.18 */
	.tstate_frame = 24, /* offsetof(PyThreadState, frame), gdb on pyenv 3.9.18 */
	.cframe_current_frame = -1, /* none: frame read directly */
	.tstate_interp = 16, /* offsetof(PyThreadState, interp), gdb on pyenv 3.9.18 */
	.tstate_c_recursion_remaining = -1, /* none: no such field */
	.tstate_py_recursion_remaining = -1, /* none: recursion_depth counts up */
	.tstate_recursion_headroom = -1, /* none: no such field */
	.tstate_native_thread_id = -1, /* none: no such field */
	.tstate_thread_id = 176, /* offsetof(PyThreadState, thread_id), gdb on pyenv 3.9.18 */
	.tstate_next = 8, /* offsetof(PyThreadState, next), gdb on pyenv 3.9.18 */
	.interp_eval_frame = 1400, /* offsetof(PyInterpreterState, eval_frame), gdb on pyenv 3.9.18 */
	.interp_threads_head = 8, /* offsetof(PyInterpreterState, tstate_head), gdb on pyenv 3.9.18 */
	.interp_next = 0, /* offsetof(PyInterpreterState, next), gdb on pyenv 3.9.18 */
	.runtime_interpreters_head = 32, /* offsetof(_PyRuntimeState, interpreters.head), gdb on pyenv 3.9.18 */
	.frame_code = 32, /* offsetof(PyFrameObject, f_code), gdb on pyenv 3.9.18 */
	.frame_previous = 24, /* offsetof(PyFrameObject, f_back), gdb on pyenv 3.9.18 */
	.frame_owner = -1, /* none: no _PyInterpreterFrame */
	.frame_ip = 104, /* offsetof(PyFrameObject, f_lasti) (int), gdb on pyenv 3.9.18 */
	.code_flags = 36, /* offsetof(PyCodeObject, co_flags), gdb on pyenv 3.9.18 */
	.code_firstlineno = 40, /* offsetof(PyCodeObject, co_firstlineno), gdb on pyenv 3.9.18 */
	.code_name = 112, /* offsetof(PyCodeObject, co_name), gdb on pyenv 3.9.18 */
	.code_qualname = -1, /* none: no such field */
	.code_filename = 104, /* offsetof(PyCodeObject, co_filename), gdb on pyenv 3.9.18 */
	.code_version = -1, /* none: no such field */
	.unicode_state = 32, /* offsetof(PyASCIIObject, state), gdb on pyenv 3.9.18 */
	.unicode_length = 16, /* offsetof(PyASCIIObject, length), gdb on pyenv 3.9.18 */
	.unicode_ascii_data = 48, /* sizeof(PyASCIIObject), gdb on pyenv 3.9.18 */
	.unicode_compact_data = 72, /* sizeof(PyCompactUnicodeObject), gdb on pyenv 3.9.18 */
};

/* CPython 3.10: gdb on pyenv 3.10.13 (symbols/gen-offsets.sh). */
static const struct vz_py_offsets py310 = {
	.py_version_hex = 0x030a0000, /* PY_VERSION_HEX of 3.10.0 */
	.frame_arg = 2, /* arg 2 of _PyEval_EvalFrameDefault(PyThreadState *, PyFrameObject *, int), gdb on pyenv 3.10.13 */
	.tstate_arg = 1, /* arg 1 of _PyEval_EvalFrameDefault, gdb on pyenv 3.10.13 */
	.runtime_tstate_current = 568, /* offsetof(_PyRuntimeState, gilstate.tstate_current), gdb on pyenv 3.10.13 */
	.tstate_frame = 24, /* offsetof(PyThreadState, frame), gdb on pyenv 3.10.13 */
	.cframe_current_frame = -1, /* none: frame read directly */
	.tstate_interp = 16, /* offsetof(PyThreadState, interp), gdb on pyenv 3.10.13 */
	.tstate_c_recursion_remaining = -1, /* none: no such field */
	.tstate_py_recursion_remaining = -1, /* none: recursion_depth counts up */
	.tstate_recursion_headroom = 36, /* offsetof(PyThreadState, recursion_headroom), gdb on pyenv 3.10.13 */
	.tstate_native_thread_id = -1, /* none: no such field */
	.tstate_thread_id = 176, /* offsetof(PyThreadState, thread_id), gdb on pyenv 3.10.13 */
	.tstate_next = 8, /* offsetof(PyThreadState, next), gdb on pyenv 3.10.13 */
	.interp_eval_frame = 1368, /* offsetof(PyInterpreterState, eval_frame), gdb on pyenv 3.10.13 */
	.interp_threads_head = 8, /* offsetof(PyInterpreterState, tstate_head), gdb on pyenv 3.10.13 */
	.interp_next = 0, /* offsetof(PyInterpreterState, next), gdb on pyenv 3.10.13 */
	.runtime_interpreters_head = 32, /* offsetof(_PyRuntimeState, interpreters.head), gdb on pyenv 3.10.13 */
	.frame_code = 32, /* offsetof(PyFrameObject, f_code), gdb on pyenv 3.10.13 */
	.frame_previous = 24, /* offsetof(PyFrameObject, f_back), gdb on pyenv 3.10.13 */
	.frame_owner = -1, /* none: no _PyInterpreterFrame */
	.frame_ip = 96, /* offsetof(PyFrameObject, f_lasti) (int), gdb on pyenv 3.10.13 */
	.code_flags = 36, /* offsetof(PyCodeObject, co_flags), gdb on pyenv 3.10.13 */
	.code_firstlineno = 40, /* offsetof(PyCodeObject, co_firstlineno), gdb on pyenv 3.10.13 */
	.code_name = 112, /* offsetof(PyCodeObject, co_name), gdb on pyenv 3.10.13 */
	.code_qualname = -1, /* none: no such field */
	.code_filename = 104, /* offsetof(PyCodeObject, co_filename), gdb on pyenv 3.10.13 */
	.code_version = -1, /* none: no such field */
	.unicode_state = 32, /* offsetof(PyASCIIObject, state), gdb on pyenv 3.10.13 */
	.unicode_length = 16, /* offsetof(PyASCIIObject, length), gdb on pyenv 3.10.13 */
	.unicode_ascii_data = 48, /* sizeof(PyASCIIObject), gdb on pyenv 3.10.13 */
	.unicode_compact_data = 72, /* sizeof(PyCompactUnicodeObject), gdb on pyenv 3.10.13 */
};

/* CPython 3.11: gdb on pyenv 3.11.7 (symbols/gen-offsets.sh). */
/*
 * Also checked for Debian's 3.11.2 (stripped): every field equals offsetof()
 * compiled against its /usr/include/python3.11 (Py_BUILD_CORE), and its
 * PyThreadState_GetInterpreter, PyThreadState_Next, PyInterpreterState_Head,
 * _Next, _ThreadHead and _PyInterpreterState_GetEvalFrameFunc disassemble to
 * the same offsets.
 */
static const struct vz_py_offsets py311 = {
	.py_version_hex = 0x030b0000, /* PY_VERSION_HEX of 3.11.0 */
	.frame_arg = 2, /* arg 2 of _PyEval_EvalFrameDefault(PyThreadState *, _PyInterpreterFrame *, int), gdb on pyenv 3.11.7 */
	.tstate_arg = 1, /* arg 1 of _PyEval_EvalFrameDefault, gdb on pyenv 3.11.7 */
	.runtime_tstate_current = 576, /* offsetof(_PyRuntimeState, gilstate.tstate_current), gdb on pyenv 3.11.7 */
	.tstate_frame = 56, /* offsetof(PyThreadState, cframe), gdb on pyenv 3.11.7 */
	.cframe_current_frame = 8, /* offsetof(_PyCFrame, current_frame), gdb on pyenv 3.11.7 */
	.tstate_interp = 16, /* offsetof(PyThreadState, interp), gdb on pyenv 3.11.7 */
	.tstate_c_recursion_remaining = -1, /* none: no such field */
	.tstate_py_recursion_remaining = 32, /* offsetof(PyThreadState, recursion_remaining), gdb on pyenv 3.11.7 */
	.tstate_recursion_headroom = 40, /* offsetof(PyThreadState, recursion_headroom), gdb on pyenv 3.11.7 */
	.tstate_native_thread_id = 160, /* offsetof(PyThreadState, native_thread_id), gdb on pyenv 3.11.7 */
	.tstate_thread_id = 152, /* offsetof(PyThreadState, thread_id), gdb on pyenv 3.11.7 */
	.tstate_next = 8, /* offsetof(PyThreadState, next), gdb on pyenv 3.11.7 */
	.interp_eval_frame = 1424, /* offsetof(PyInterpreterState, eval_frame), gdb on pyenv 3.11.7 */
	.interp_threads_head = 16, /* offsetof(PyInterpreterState, threads.head), gdb on pyenv 3.11.7 */
	.interp_next = 0, /* offsetof(PyInterpreterState, next), gdb on pyenv 3.11.7 */
	.runtime_interpreters_head = 40, /* offsetof(_PyRuntimeState, interpreters.head), gdb on pyenv 3.11.7 */
	.frame_code = 32, /* offsetof(_PyInterpreterFrame, f_code), gdb on pyenv 3.11.7 */
	.frame_previous = 48, /* offsetof(_PyInterpreterFrame, previous), gdb on pyenv 3.11.7 */
	.frame_owner = 69, /* offsetof(_PyInterpreterFrame, owner), gdb on pyenv 3.11.7 */
	.frame_ip = 56, /* offsetof(_PyInterpreterFrame, prev_instr), gdb on pyenv 3.11.7 */
	.code_flags = 48, /* offsetof(PyCodeObject, co_flags), gdb on pyenv 3.11.7 */
	.code_firstlineno = 72, /* offsetof(PyCodeObject, co_firstlineno), gdb on pyenv 3.11.7 */
	.code_name = 120, /* offsetof(PyCodeObject, co_name), gdb on pyenv 3.11.7 */
	.code_qualname = 128, /* offsetof(PyCodeObject, co_qualname), gdb on pyenv 3.11.7 */
	.code_filename = 112, /* offsetof(PyCodeObject, co_filename), gdb on pyenv 3.11.7 */
	.code_version = -1, /* none: no such field */
	.unicode_state = 32, /* offsetof(PyASCIIObject, state), gdb on pyenv 3.11.7 */
	.unicode_length = 16, /* offsetof(PyASCIIObject, length), gdb on pyenv 3.11.7 */
	.unicode_ascii_data = 48, /* sizeof(PyASCIIObject), gdb on pyenv 3.11.7 */
	.unicode_compact_data = 72, /* sizeof(PyCompactUnicodeObject), gdb on pyenv 3.11.7 */
};

/* CPython 3.12: gdb on pyenv 3.12.1 (symbols/gen-offsets.sh). */
static const struct vz_py_offsets py312 = {
	.py_version_hex = 0x030c0000, /* PY_VERSION_HEX of 3.12.0 */
	.frame_arg = 2, /* arg 2 of _PyEval_EvalFrameDefault(PyThreadState *, _PyInterpreterFrame *, int), gdb on pyenv 3.12.1 */
	.tstate_arg = 1, /* arg 1 of _PyEval_EvalFrameDefault, gdb on pyenv 3.12.1 */
	.runtime_tstate_current = -1, /* none: the current tstate is the thread-local _Py_tss_tstate */
	.tstate_frame = 56, /* offsetof(PyThreadState, cframe), gdb on pyenv 3.12.1 */
	.cframe_current_frame = 0, /* offsetof(_PyCFrame, current_frame), gdb on pyenv 3.12.1 */
	.tstate_interp = 16, /* offsetof(PyThreadState, interp), gdb on pyenv 3.12.1 */
	.tstate_c_recursion_remaining = 36, /* offsetof(PyThreadState, c_recursion_remaining), gdb on pyenv 3.12.1 */
	.tstate_py_recursion_remaining = 28, /* offsetof(PyThreadState, py_recursion_remaining), gdb on pyenv 3.12.1 */
	.tstate_recursion_headroom = 40, /* offsetof(PyThreadState, recursion_headroom), gdb on pyenv 3.12.1 */
	.tstate_native_thread_id = 144, /* offsetof(PyThreadState, native_thread_id), gdb on pyenv 3.12.1 */
	.tstate_thread_id = 136, /* offsetof(PyThreadState, thread_id), gdb on pyenv 3.12.1 */
	.tstate_next = 8, /* offsetof(PyThreadState, next), gdb on pyenv 3.12.1 */
	.interp_eval_frame = 1744, /* offsetof(PyInterpreterState, eval_frame), gdb on pyenv 3.12.1 */
	.interp_threads_head = 72, /* offsetof(PyInterpreterState, threads.head), gdb on pyenv 3.12.1 */
	.interp_next = 0, /* offsetof(PyInterpreterState, next), gdb on pyenv 3.12.1 */
	.runtime_interpreters_head = 40, /* offsetof(_PyRuntimeState, interpreters.head), gdb on pyenv 3.12.1 */
	.frame_code = 0, /* offsetof(_PyInterpreterFrame, f_code), gdb on pyenv 3.12.1 */
	.frame_previous = 8, /* offsetof(_PyInterpreterFrame, previous), gdb on pyenv 3.12.1 */
	.frame_owner = 70, /* offsetof(_PyInterpreterFrame, owner), gdb on pyenv 3.12.1 */
	.frame_ip = 56, /* offsetof(_PyInterpreterFrame, prev_instr), gdb on pyenv 3.12.1 */
	.code_flags = 48, /* offsetof(PyCodeObject, co_flags), gdb on pyenv 3.12.1 */
	.code_firstlineno = 68, /* offsetof(PyCodeObject, co_firstlineno), gdb on pyenv 3.12.1 */
	.code_name = 120, /* offsetof(PyCodeObject, co_name), gdb on pyenv 3.12.1 */
	.code_qualname = 128, /* offsetof(PyCodeObject, co_qualname), gdb on pyenv 3.12.1 */
	.code_filename = 112, /* offsetof(PyCodeObject, co_filename), gdb on pyenv 3.12.1 */
	.code_version = 92, /* offsetof(PyCodeObject, co_version), gdb on pyenv 3.12.1 */
	.unicode_state = 32, /* offsetof(PyASCIIObject, state), gdb on pyenv 3.12.1 */
	.unicode_length = 16, /* offsetof(PyASCIIObject, length), gdb on pyenv 3.12.1 */
	.unicode_ascii_data = 40, /* sizeof(PyASCIIObject), gdb on pyenv 3.12.1 */
	.unicode_compact_data = 56, /* sizeof(PyCompactUnicodeObject), gdb on pyenv 3.12.1 */
};

/* CPython 3.13: gdb on pyenv 3.13.0 (symbols/gen-offsets.sh). */
/* Cross-checked against _PyRuntime.debug_offsets of that build (tests/unit/test_pyoffsets.c). */
static const struct vz_py_offsets py313 = {
	.py_version_hex = 0x030d0000, /* PY_VERSION_HEX of 3.13.0 */
	.frame_arg = 2, /* arg 2 of _PyEval_EvalFrameDefault(PyThreadState *, _PyInterpreterFrame *, int), gdb on pyenv 3.13.0 */
	.tstate_arg = 1, /* arg 1 of _PyEval_EvalFrameDefault, gdb on pyenv 3.13.0 */
	.runtime_tstate_current = -1, /* none: the current tstate is the thread-local _Py_tss_tstate */
	.tstate_frame = 72, /* offsetof(PyThreadState, current_frame), gdb on pyenv 3.13.0 */
	.cframe_current_frame = -1, /* none: no _PyCFrame */
	.tstate_interp = 16, /* offsetof(PyThreadState, interp), gdb on pyenv 3.13.0 */
	.tstate_c_recursion_remaining = 52, /* offsetof(PyThreadState, c_recursion_remaining), gdb on pyenv 3.13.0 */
	.tstate_py_recursion_remaining = 44, /* offsetof(PyThreadState, py_recursion_remaining), gdb on pyenv 3.13.0 */
	.tstate_recursion_headroom = 56, /* offsetof(PyThreadState, recursion_headroom), gdb on pyenv 3.13.0 */
	.tstate_native_thread_id = 160, /* offsetof(PyThreadState, native_thread_id), gdb on pyenv 3.13.0 */
	.tstate_thread_id = 152, /* offsetof(PyThreadState, thread_id), gdb on pyenv 3.13.0 */
	.tstate_next = 8, /* offsetof(PyThreadState, next), gdb on pyenv 3.13.0 */
	.interp_eval_frame = 8472, /* offsetof(PyInterpreterState, eval_frame), gdb on pyenv 3.13.0 */
	.interp_threads_head = 7344, /* offsetof(PyInterpreterState, threads.head), gdb on pyenv 3.13.0 */
	.interp_next = 7264, /* offsetof(PyInterpreterState, next), gdb on pyenv 3.13.0 */
	.runtime_interpreters_head = 632, /* offsetof(_PyRuntimeState, interpreters.head), gdb on pyenv 3.13.0 */
	.frame_code = 0, /* offsetof(_PyInterpreterFrame, f_executable), gdb on pyenv 3.13.0 */
	.frame_previous = 8, /* offsetof(_PyInterpreterFrame, previous), gdb on pyenv 3.13.0 */
	.frame_owner = 70, /* offsetof(_PyInterpreterFrame, owner), gdb on pyenv 3.13.0 */
	.frame_ip = 56, /* offsetof(_PyInterpreterFrame, instr_ptr), gdb on pyenv 3.13.0 */
	.code_flags = 48, /* offsetof(PyCodeObject, co_flags), gdb on pyenv 3.13.0 */
	.code_firstlineno = 68, /* offsetof(PyCodeObject, co_firstlineno), gdb on pyenv 3.13.0 */
	.code_name = 120, /* offsetof(PyCodeObject, co_name), gdb on pyenv 3.13.0 */
	.code_qualname = 128, /* offsetof(PyCodeObject, co_qualname), gdb on pyenv 3.13.0 */
	.code_filename = 112, /* offsetof(PyCodeObject, co_filename), gdb on pyenv 3.13.0 */
	.code_version = 92, /* offsetof(PyCodeObject, co_version), gdb on pyenv 3.13.0 */
	.unicode_state = 32, /* offsetof(PyASCIIObject, state), gdb on pyenv 3.13.0 */
	.unicode_length = 16, /* offsetof(PyASCIIObject, length), gdb on pyenv 3.13.0 */
	.unicode_ascii_data = 40, /* sizeof(PyASCIIObject), gdb on pyenv 3.13.0 */
	.unicode_compact_data = 56, /* sizeof(PyCompactUnicodeObject), gdb on pyenv 3.13.0 */
};
static const struct {
	int minor;
	const struct vz_py_offsets *offs;
} tables[] = {
	{ 8, &py38 }, { 9, &py39 }, { 10, &py310 }, { 11, &py311 }, { 12, &py312 }, { 13, &py313 },
};

int py_offsets__get(int major, int minor, struct vz_py_offsets *out)
{
	if (major != 3)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (tables[i].minor == minor) {
			*out = *tables[i].offs;
			return 0;
		}
	}
	return -EOPNOTSUPP;
}

const char *py_offsets__supported(void)
{
	return "3.8-3.13";
}
