/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_gc: a collection's record (VZ_REC_GC) -> its slice and VizTracer's counter. */
#ifndef VZ_GCSLICES_H
#define VZ_GCSLICES_H

#include <stdint.h>
#include "export/trace_writer.h"

struct vz_rec_gc;

/* The trace's name of a collection of generation g (-1: none of the counters moved). */
#define GC_SLICE_NAME_MAX 32

/*
 * Writes the collection r as an X slice, cat "gc", named "gc: generation N", args generation,
 * collected, uncollectable, from start_ns to end_ns (program time), on r's thread; and
 * VizTracer's counter "garbage collection" {collecting, collected, uncollectable} at both ends.
 */
void gc_slice_write(struct trace_writer *w, const struct vz_rec_gc *r, uint64_t start_ns,
		    uint64_t end_ns);

#endif
