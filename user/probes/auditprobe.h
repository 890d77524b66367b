/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_audit: the audit funnel's probes for one tracer (bpf/audit.bpf.h). */
#ifndef VZ_AUDITPROBE_H
#define VZ_AUDITPROBE_H

#include "symbols/pyinterp.h"

struct tracer;
struct auditprobe;

/* Probes where audit events of *pi pass, for every traced process of the tracer. NULL after
 * saying why; tracing goes on without them. */
struct auditprobe *auditprobe_attach(struct tracer *t, const struct py_interp *pi);
void auditprobe_free(struct auditprobe *a);

#endif
