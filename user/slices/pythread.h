/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The name of a Python thread (threading.Thread.name): the frame of
 * Thread._bootstrap_inner holds the Thread object, whose _name attribute is looked up in its
 * instance dict (or 3.11+'s values kept without a dict) as CPython lays it out per version.
 * BPF reads it on the thread as it starts (bpf/pythread.bpf.h); user space reads it here for
 * threads already running when vizbpf attaches, while they are held still.
 */
#ifndef VZ_PYTHREAD_H
#define VZ_PYTHREAD_H

#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "vizbpf.h"

/* frame: the _bootstrap_inner frame (PyFrameObject* up to 3.10, _PyInterpreterFrame* after).
 * Writes the name as UTF-8 into out. Returns 0, or -errno when it cannot be read. */
int pythread_name(uint32_t pid, int minor, const struct vz_py_offsets *off, uint64_t frame,
		  char *out, size_t cap);

#endif
