/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --kernel memory: per-process counters ("ph":"C") from the threads' samples: "RSS" (MB) and
 * "page faults" (minor, major: the process's threads' totals since tracing saw them).
 */
#ifndef VZ_KMEM_H
#define VZ_KMEM_H

#include <stdint.h>
#include "export/trace_writer.h"

struct vz_rec_mem;
struct kmem;

struct kmem *kmem_new(void);
/* A sample of thread tid (its last counts: *min_flt, *maj_flt, updated here) at program time ts. */
void kmem_sample(struct kmem *k, struct trace_writer *w, const struct vz_rec_mem *r,
		 uint64_t *min_flt, uint64_t *maj_flt, uint64_t ts);
uint64_t kmem_counters(const struct kmem *k);
void kmem_free(struct kmem *k);

#endif
