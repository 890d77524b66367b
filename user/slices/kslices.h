/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --kernel records -> slices on the thread's own track (cat "syscall" and "sched"), and flow
 * arrows from a traced waker to the thread it woke. They nest inside the Python slices by time
 * alone: a thread is in one place at a time and every timestamp is CLOCK_MONOTONIC.
 */
#ifndef VZ_KSLICES_H
#define VZ_KSLICES_H

#include <stddef.h>
#include <stdint.h>
#include "export/trace_writer.h"

struct vz_rec_syscall;
struct vz_rec_offcpu;

struct kslices_stats {
	uint64_t syscalls; /* syscall slices written */
	uint64_t offcpu;   /* off-CPU slices written */
	uint64_t flows;    /* waker -> wakee arrows */
};

/* Times are the program's (holds cut out), start and end of the call. path: the record's path
 * bytes (path_len from the record, NUL included) or NULL. */
void kslices_syscall(struct trace_writer *w, struct kslices_stats *st,
		     const struct vz_rec_syscall *r, const char *path, uint64_t start,
		     uint64_t end);
/*
 * off/wake/on: program times of going off CPU, of the wake-up (0: none seen) and of running
 * again; waker_w: the waker's writer when a flow is to be drawn (NULL: none), wake_at the wake
 * time in the waker's program time.
 */
void kslices_offcpu(struct trace_writer *w, struct kslices_stats *st,
		    const struct vz_rec_offcpu *r, uint64_t off, uint64_t wake, uint64_t on,
		    struct trace_writer *waker_w, uint64_t wake_at);

#endif
