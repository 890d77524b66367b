/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The layout BPF (bpf/pythread.bpf.h) and user space (user/slices/pythread.c) use to find a
 * Thread object's _name from the frame of Thread._bootstrap_inner.
 */
#ifndef VZ_PYTHREAD_LAYOUT_H
#define VZ_PYTHREAD_LAYOUT_H

#include <linux/types.h>
#include "vizbpf.h"

void py_thread_layout(int minor, struct vz_thread_layout *l);

#endif
