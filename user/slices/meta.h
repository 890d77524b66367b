/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef VZ_META_H
#define VZ_META_H

#include <stdint.h>
#include "events.h"
#include "user/probes/tracer.h"
#include "export/trace_writer.h"
#include "symbols/pyinterp.h"

/* What vizbpf changed in the traced interpreter (counted by user/run/prepare.c, which this
 * layer does not see: the run layer hands the numbers down). */
struct meta_changes {
	uint64_t eval_frame_unlocks;
	uint64_t widened_threads;
	uint64_t widened_late;
	uint64_t write_errors;
};

/* What made the trace: vizbpf and its version. */
void write_producer(struct trace_writer *w);
/* Writes the metadata of one traced interpreter (the first, when several were traced). */
void write_metadata(struct trace_writer *w, struct tracer *t, const struct py_interp *pi,
		    const struct events_stats *es, const struct tracer_stats *ts,
		    const struct meta_changes *ch);

#endif
