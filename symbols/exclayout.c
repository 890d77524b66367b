// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_exception's layouts, one per minor version. Every number: gdb on the pyenv build's
 * DWARF (`p (long)&((T*)0)->field`), e.g. PyThreadState.curexc_type, current_exception,
 * _PyRuntimeState.gilstate.tstate_current, PyInterpreterState.ceval.gil,
 * struct _gil_runtime_state.last_holder, PyBaseExceptionObject.traceback/args,
 * PyFrameObject.f_back/f_frame, PyCodeObject.co_linetable, PyTypeObject.tp_name/tp_flags.
 * Debian's 3.11.2 (no debug info) uses 3.11.7's, checked end to end (72-events.bats).
 */
#include <errno.h>
#include "symbols/exclayout.h"

#define NONE -1

static const struct vz_exc_layout layouts[6] = {
	/* 3.8.18 */
	{ .runtime_tstate = 1368, .runtime_main = NONE, .interp_gil = NONE, .gil_last_holder = NONE,
	  .tstate_exc = NONE, .tstate_type = 88, .tstate_value = 96, .tstate_tb = 104,
	  .exc_traceback = 32, .exc_args = 24, .frame_back = 24, .frame_iframe = NONE,
	  .code_linetable = NONE, .type_name = 24, .type_flags = 168 },
	/* 3.9.18 */
	{ .runtime_tstate = 568, .runtime_main = NONE, .interp_gil = NONE, .gil_last_holder = NONE,
	  .tstate_exc = NONE, .tstate_type = 88, .tstate_value = 96, .tstate_tb = 104,
	  .exc_traceback = 32, .exc_args = 24, .frame_back = 24, .frame_iframe = NONE,
	  .code_linetable = NONE, .type_name = 24, .type_flags = 168 },
	/* 3.10.13 */
	{ .runtime_tstate = 568, .runtime_main = NONE, .interp_gil = NONE, .gil_last_holder = NONE,
	  .tstate_exc = NONE, .tstate_type = 88, .tstate_value = 96, .tstate_tb = 104,
	  .exc_traceback = 32, .exc_args = 24, .frame_back = 24, .frame_iframe = NONE,
	  .code_linetable = NONE, .type_name = 24, .type_flags = 168 },
	/* 3.11.7 */
	{ .runtime_tstate = 576, .runtime_main = NONE, .interp_gil = NONE, .gil_last_holder = NONE,
	  .tstate_exc = NONE, .tstate_type = 96, .tstate_value = 104, .tstate_tb = 112,
	  .exc_traceback = 40, .exc_args = 24, .frame_back = 16, .frame_iframe = 24,
	  .code_linetable = 136, .type_name = 24, .type_flags = 168 },
	/* 3.12.1: no tstate_current; the thread running is the GIL's last holder */
	{ .runtime_tstate = NONE, .runtime_main = 48, .interp_gil = 384, .gil_last_holder = 8,
	  .tstate_exc = 96, .tstate_type = NONE, .tstate_value = NONE, .tstate_tb = NONE,
	  .exc_traceback = 40, .exc_args = 24, .frame_back = 16, .frame_iframe = 24,
	  .code_linetable = 136, .type_name = 24, .type_flags = 168 },
	/* 3.13.0 */
	{ .runtime_tstate = NONE, .runtime_main = 640, .interp_gil = 16, .gil_last_holder = 8,
	  .tstate_exc = 112, .tstate_type = NONE, .tstate_value = NONE, .tstate_tb = NONE,
	  .exc_traceback = 40, .exc_args = 24, .frame_back = 16, .frame_iframe = 24,
	  .code_linetable = 136, .type_name = 24, .type_flags = 168 },
};

int exc_layout_get(int minor, struct vz_exc_layout *out)
{
	if (minor < 8 || minor > 13)
		return -EOPNOTSUPP;
	*out = layouts[minor - 8];
	return 0;
}

/* Location table varints: 6 bits a byte, low first, 0x40 continues. */
static int varint(const uint8_t *t, size_t n, size_t *i, uint32_t *v)
{
	uint32_t shift = 0;

	*v = 0;
	while (*i < n && shift < 32) {
		uint8_t b = t[(*i)++];

		*v |= (uint32_t)(b & 63) << shift;
		shift += 6;
		if (!(b & 64))
			return 0;
	}
	return -1;
}

static int svarint(const uint8_t *t, size_t n, size_t *i, int32_t *v)
{
	uint32_t u;

	if (varint(t, n, i, &u))
		return -1;
	*v = u & 1 ? -(int32_t)(u >> 1) : (int32_t)(u >> 1);
	return 0;
}

int exc_line_from_table(const uint8_t *t, size_t n, uint32_t firstlineno, int lasti)
{
	int32_t line = (int32_t)firstlineno;
	size_t i = 0;
	int addr = 0, target = lasti / 2; /* code units of 2 bytes */

	if (lasti < 0)
		return -1;
	while (i < n) {
		uint8_t b = t[i++];
		int code = (b >> 3) & 15, len = (b & 7) + 1, have = 1;
		int32_t delta = 0;
		uint32_t skip;

		if (!(b & 0x80))
			return -1; /* not at an entry's first byte: a corrupt table */
		switch (code) {
		case 15: /* no location */
			have = 0;
			break;
		case 14: /* long form: line delta, end line delta, column, end column */
			if (svarint(t, n, &i, &delta) || varint(t, n, &i, &skip) ||
			    varint(t, n, &i, &skip) || varint(t, n, &i, &skip))
				return -1;
			break;
		case 13: /* no column */
			if (svarint(t, n, &i, &delta))
				return -1;
			break;
		case 10:
		case 11:
		case 12: /* one line form: delta code - 10, then column and end column */
			delta = code - 10;
			i += 2;
			break;
		default: /* short form: same line, one byte of columns */
			i += 1;
			break;
		}
		line += delta;
		if (target < addr + len)
			return have && i <= n ? line : -1;
		addr += len;
	}
	return -1;
}
