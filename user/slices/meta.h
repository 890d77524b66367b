/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef VZ_META_H
#define VZ_META_H

#include "events.h"
#include "user/run/prepare.h"
#include "user/probes/tracer.h"
#include "export/trace_writer.h"
#include "symbols/pyinterp.h"

/* What made the trace: vizbpf and its version. */
void write_producer(struct trace_writer *w);
/* Writes the metadata of one traced interpreter (the first, when several were traced). */
void write_metadata(struct trace_writer *w, struct tracer *t, const struct py_interp *pi,
		    const struct events_stats *es, const struct tracer_stats *ts,
		    const struct prepare *prep);

#endif
