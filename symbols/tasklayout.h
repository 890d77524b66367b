/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_async: where BPF (bpf/asynctask.bpf.h) finds an asyncio Task from its coroutine's step. */
#ifndef VZ_TASKLAYOUT_H
#define VZ_TASKLAYOUT_H

#include <linux/types.h>
#include "vizbpf.h"

/* Fills *l for CPython 3.minor; returns 0, or -1 for a version without a table. */
int py_task_layout(int minor, struct vz_task_layout *l);

#endif
