/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_gc: the collector's probes for one tracer (bpf/gc.bpf.h). */
#ifndef VZ_GCPROBE_H
#define VZ_GCPROBE_H

#include "symbols/pyinterp.h"
struct tracer;

struct gcprobe;

/*
 * Probes where collections of interpreter *pi begin and end, for every traced process of the
 * tracer (one attach per interpreter file). Returns NULL after saying why (a stripped build
 * without USDT: the collector cannot be found); tracing goes on without collections.
 */
struct gcprobe *gcprobe_attach(struct tracer *t, const struct py_interp *pi);
/* Removes the probes (detach) and frees. NULL is fine. */
void gcprobe_free(struct gcprobe *g);

#endif
