// SPDX-License-Identifier: BSD-2-Clause
#include "pygil.h"

int py_gil_offset(int minor, uint32_t *offset, uint32_t *size)
{
	/* sizeof(struct _gil_runtime_state): 208 on 3.8-3.13 (gdb on the pyenv builds below). */
	*size = 208;
	switch (minor) {
	case 8: /* offsetof(_PyRuntimeState, ceval.gil), gdb on pyenv 3.8.18 */
		*offset = 1152;
		return 0;
	case 9: /* the same, gdb on pyenv 3.9.18 */
	case 10: /* gdb on pyenv 3.10.13 */
		*offset = 352;
		return 0;
	case 11: /* gdb on pyenv 3.11.7 (Debian's 3.11 has the same _PyRuntimeState) */
		*offset = 360;
		return 0;
	/* 3.12+: the GIL is the interpreter's (interp->ceval.gil points to interp->_gil for the
	 * main interpreter, which is _PyRuntime._main_interpreter). */
	case 12: /* offsetof(_PyRuntimeState, _main_interpreter._gil), gdb on pyenv 3.12.1 */
		*offset = 77432;
		return 0;
	case 13: /* the same, gdb on pyenv 3.13.0 */
		*offset = 96104;
		return 0;
	}
	return -1;
}
