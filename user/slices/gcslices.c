// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_gc's output. The slice lies on the thread that collected, between the collector's
 * entry and return, so the finalizers and weakref callbacks it ran (Python calls of that
 * thread, in that time) nest under it in the viewers; the call that triggered it (gc.collect()
 * or an allocation's) encloses it. VizTracer writes no slice, only the counter: both are here.
 */
#include <stdio.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "symbols/gcsites.h"
#include "user/slices/gcslices.h"

void gc_slice_write(struct trace_writer *w, const struct vz_rec_gc *r, uint64_t start_ns,
		    uint64_t end_ns)
{
	char name[GC_SLICE_NAME_MAX], args[160];
	uint64_t before[VZ_GC_STATS], after[VZ_GC_STATS];
	struct gc_done d;

	if (!w)
		return;
	for (int i = 0; i < VZ_GC_STATS; i++) {
		before[i] = r->before[i];
		after[i] = r->after[i];
	}
	gc_diff(before, after, &d);
	if (d.generation >= 0)
		snprintf(name, sizeof(name), "gc: generation %d", d.generation);
	else
		snprintf(name, sizeof(name), "gc");
	snprintf(args, sizeof(args), "{\"generation\":%d,\"collected\":%lld,\"uncollectable\":%lld}",
		 d.generation, (long long)d.collected, (long long)d.uncollectable);
	trace_writer_complete_cat(w, "gc", name, start_ns, end_ns > start_ns ? end_ns - start_ns : 0,
				  r->hdr.pid, r->hdr.tid, args);
	trace_writer_counter_args(w, "garbage collection", start_ns, r->hdr.pid, r->hdr.tid,
				  "{\"collecting\":1,\"collected\":0,\"uncollectable\":0}");
	snprintf(args, sizeof(args), "{\"collecting\":0,\"collected\":%lld,\"uncollectable\":%lld}",
		 (long long)d.collected, (long long)d.uncollectable);
	trace_writer_counter_args(w, "garbage collection", end_ns, r->hdr.pid, r->hdr.tid, args);
}
