/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef VZ_META_H
#define VZ_META_H

#include <stdbool.h>
#include <stdint.h>
#include "events.h"
#include "user/probes/tracer.h"
#include "export/trace_writer.h"
#include "symbols/pyinterp.h"

/* What vizbpf changed in the traced interpreter (counted by user/run/prepare.c, which this
 * layer does not see: the run layer hands the numbers down). */
struct meta_changes {
	uint64_t eval_frame_unlocks;
	uint64_t write_errors;
	/* C recursion budgets (user/run/cbudget.h) */
	bool budget_exact;        /* recursion limits stay where they are untraced */
	bool budget_exhausted;    /* a widened budget was used up */
	uint64_t widened_threads; /* thread states widened */
	uint64_t widened_late;    /* ...after they had gone deep already */
	uint64_t widened_by;      /* units added to each */
	uint64_t limit_traced;    /* the highest recursion limit seen */
	uint64_t depth_overflowing_stack; /* a recursion this deep could overflow the C stack; 0: none */
};

/* Says on stderr what the trace lacks because the ring buffer was full (nothing if complete). */
void meta_warn_lost(const struct events_stats *es, const struct tracer_stats *ts);

/* What made the trace: vizbpf and its version. */
void write_producer(struct trace_writer *w);
/* Writes the metadata of one traced interpreter (the first, when several were traced). */
void write_metadata(struct trace_writer *w, struct tracer *t, const struct py_interp *pi,
		    const struct events_stats *es, const struct tracer_stats *ts,
		    const struct meta_changes *ch);

#endif
