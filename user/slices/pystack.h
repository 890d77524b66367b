/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The Python stacks of a process, read from its memory (best while it is
 * stopped): interpreters -> thread states -> frame chains. Attach mode turns
 * them into the records BPF would have sent, so the functions already
 * running at attach time open the trace.
 */
#ifndef VZ_PYSTACK_H
#define VZ_PYSTACK_H

#include <linux/types.h>
#include <stdint.h>
#include "vizbpf.h"

struct pystack_thread {
	uint64_t interp;
	uint64_t tstate;
	uint32_t tid; /* 0 when it cannot be told */
};

/* Called per thread state; return non-zero to stop the walk. */
typedef int (*pystack_thread_fn)(void *ctx, const struct pystack_thread *th);

/* Walks every thread state of every interpreter. runtime: run-time address of _PyRuntime. */
int pystack_threads(uint32_t pid, const struct vz_py_offsets *off, uint64_t runtime,
		    pystack_thread_fn fn, void *ctx);

/*
 * Feeds handle(ctx, record, size) with a CODE record per code object and a CALL record per
 * frame of the thread, outermost first, all at ts_ns: what BPF would have sent had it seen
 * those calls start. Returns the number of frames.
 */
int pystack_replay(uint32_t pid, const struct vz_py_offsets *off, const struct pystack_thread *th,
		   uint64_t ts_ns, int (*handle)(void *ctx, const void *rec, size_t size), void *ctx);

/* A str of process pid as BPF captures one (h->kind 0 when it cannot be read). */
void pystack_read_str(uint32_t pid, const struct vz_py_offsets *off, uint64_t str,
		      struct vz_pystr_hdr *h, char *buf, uint32_t cap);

#endif
