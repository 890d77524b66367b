// SPDX-License-Identifier: BSD-2-Clause
/*
 * Where the C Task of _asyncio keeps its coroutine and its name, and where a coroutine keeps
 * its frame, per CPython minor version. From gdb on the pyenv builds with debug info (3.8.18
 * ... 3.13.0): p &((TaskObj*)0)->task_coro in _asyncio*.so, p &((PyFrameObject*)0)->f_gen and
 * p &((PyGenObject*)0)->gi_iframe in libpython; fixed within a minor version. Handle._callback
 * is the Handle's second slot (slots are sorted: _args, _callback, ...), checked with ctypes on
 * each version. A wrong number cannot name a wrong task: BPF takes a candidate for the Task
 * only if its task_coro is the coroutine it steps.
 */
#include "tasklayout.h"
#include "pythread_layout.h"

int py_task_layout(int minor, struct vz_task_layout *l)
{
	static const struct {
		__s32 coro, name, frame_gen, gen_iframe;
	} v[] = {
		[8] = { 0x70, 0x78, 0x60, -1 },
		[9] = { 0x98, 0xa0, 0x60, -1 },
		[10] = { 0xa0, 0xa8, 0x58, -1 },
		[11] = { 0x88, 0x90, -1, 0x50 },
		[12] = { 0x88, 0x90, -1, 0x48 },
		[13] = { 0x78, 0x80, -1, 0x48 },
	};
	struct vz_thread_layout tl;

	if (minor < 8 || minor > 13)
		return -1;
	py_thread_layout(minor, &tl);
	*l = (struct vz_task_layout){
		.frame_self = tl.frame_self,
		.frame_gen = v[minor].frame_gen,
		.gen_iframe = v[minor].gen_iframe,
		.handle_callback = 24,
		.task_coro = v[minor].coro,
		.task_name = v[minor].name,
		.long_digit = 24, /* ob_digit, or long_value.ob_digit (3.12+) */
		.long_tagged = minor >= 12,
		.type_flags = tl.type_flags,
	};
	return 0;
}
