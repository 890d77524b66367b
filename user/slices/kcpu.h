/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --kernel cpu: the traced threads' context switches and wake-ups as ftrace text, which both
 * Catapult (vizbpf view) and Perfetto turn into CPU tracks and thread states. Written under the
 * trace's top-level "systemTraceEvents" with what each importer needs: a "# tracer:" header,
 * sched_waking (Perfetto) and sched_wakeup (Catapult) both, and a clock sync line mapping the
 * ftrace clock 1:1 onto the events' (the same CLOCK_MONOTONIC).
 */
#ifndef VZ_KCPU_H
#define VZ_KCPU_H

#include <stdint.h>
#include "export/trace_writer.h"

struct vz_rec_switch;
struct vz_rec_waking;

#define KCPU_WRITERS 64

struct kcpu {
	struct trace_writer *started[KCPU_WRITERS]; /* writers that have their header already */
	int n_started;
	uint64_t lines;
};

/* ts: the record's program time. */
void kcpu_switch(struct kcpu *k, struct trace_writer *w, const struct vz_rec_switch *r,
		 uint64_t ts);
void kcpu_waking(struct kcpu *k, struct trace_writer *w, const struct vz_rec_waking *r,
		 uint64_t ts);

#endif
