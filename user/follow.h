/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Launch mode follows the process tree through fork(): a traced child
 * (os.fork, multiprocessing's fork and forkserver) stops itself in the
 * preloaded library's fork handler; vizbpf reads its Python stack, probes
 * it, and lets it go on. Each process gets its own track in the trace.
 */
#ifndef VZ_FOLLOW_H
#define VZ_FOLLOW_H

#include <linux/types.h>
#include <stdint.h>
#include "vizbpf.h"
#include "events.h"
#include "fastpath.h"
#include "tracer.h"
#include "outputs.h"

struct follow {
	struct tracer *t;
	const struct fastpath *fp;
	const struct vz_py_offsets *off;
	struct outputs *out;
	struct events *ev;
	uint64_t children; /* children followed */
	uint64_t missed;   /* forks not followed (never stopped, not CPython) */
};

/* events_fork_fn: ctx is a struct follow. */
void follow_fork(void *ctx, const struct vz_rec_fork *r);

#endif
