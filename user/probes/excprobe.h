/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_exception: PyTraceBack_Here's probes for one tracer (bpf/exc.bpf.h). */
#ifndef VZ_EXCPROBE_H
#define VZ_EXCPROBE_H

#include "symbols/pyinterp.h"

struct tracer;
struct excprobe;

/* Probes PyTraceBack_Here of *pi for every traced process of the tracer. NULL after saying
 * why; tracing goes on without exceptions. */
struct excprobe *excprobe_attach(struct tracer *t, const struct py_interp *pi);
void excprobe_free(struct excprobe *x);

#endif
