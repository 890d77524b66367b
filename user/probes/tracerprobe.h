/* SPDX-License-Identifier: BSD-2-Clause */
/* What the event options' probes (gcprobe.c, excprobe.c, auditprobe.c) use of their tracer
 * (tracer.c defines them; tracer.h is not included: tracer.c includes their headers). */
#ifndef VIZBPF_TRACERPROBE_H
#define VIZBPF_TRACERPROBE_H

#include "uplink.h"

struct tracer;
struct vizbpf_bpf;
struct vizbpf_bpf *tracer_skel(struct tracer *t);
/* prog on file+off in every process that maps file, as the tracer's own probes are made. */
struct uplink *tracer_attach_uprobe(struct tracer *t, struct bpf_program *prog, const char *file,
				    uint64_t off, const struct uplink_opts *o);

#endif
