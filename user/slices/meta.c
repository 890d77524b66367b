// SPDX-License-Identifier: BSD-2-Clause
/* The trace's viztracer_metadata: what produced it, and what it may lack. */
#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include "meta.h"
#include "user/base/log.h"

/* --kernel: what was recorded and lost (a summary line; a warning when records were lost). */
static void kernel_summary(const struct events_stats *es, const struct tracer_stats *ts)
{
	if (!ts->kernel_flags)
		return;
	ilog("--kernel: %llu kernel events recorded: %llu system calls, %llu off-CPU slices, "
	     "%llu wake-up arrows", (unsigned long long)ts->kernel_records,
	     (unsigned long long)es->kernel_syscalls, (unsigned long long)es->kernel_offcpu,
	     (unsigned long long)es->kernel_flows);
	if (ts->kernel_lost)
		elog("warning: %llu kernel events (system calls, off-CPU stretches) were lost: the "
		     "ring buffer was full. Try a larger --buffer_size",
		     (unsigned long long)ts->kernel_lost);
}

static const char *kernel_kinds(unsigned flags, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s", flags & TRACER_KERNEL_SYSCALLS ? ",syscalls" : "",
		 flags & TRACER_KERNEL_SCHED ? ",sched" : "", flags & TRACER_KERNEL_CPU ? ",cpu" : "",
		 flags & TRACER_KERNEL_MEMORY ? ",memory" : "");
	return buf + 1;
}

void meta_warn_lost(const struct events_stats *es, const struct tracer_stats *ts)
{
	kernel_summary(es, ts);
	if (ts->prints_lost)
		elog("warning: --log_print: %llu writes to stdout/stderr are missing from the trace: "
		     "the ring buffer was full. Try a larger --buffer_size",
		     (unsigned long long)ts->prints_lost);
	if (ts->lost_calls || ts->lost_returns)
		elog("warning: the ring buffer was full: %llu calls are missing from the trace and "
		     "%llu returns were not seen (those calls end where the next event shows they "
		     "had); %llu threads have gaps, marked \"%s\". Try a larger --buffer_size",
		     (unsigned long long)ts->lost_calls, (unsigned long long)ts->lost_returns,
		     (unsigned long long)es->threads_with_gaps, VZ_EVENTS_LOST);
	if (ts->lost_records > ts->lost_calls + ts->lost_returns)
		elog("warning: %llu thread starts, names or exits were not recorded "
		     "(ring buffer full)",
		     (unsigned long long)(ts->lost_records - ts->lost_calls - ts->lost_returns));
	if (ts->lost_code_records)
		elog("warning: %llu code descriptions were dropped and sent again (ring buffer full)",
		     (unsigned long long)ts->lost_code_records);
}

void write_producer(struct trace_writer *w)
{
	trace_writer_meta_str(w, "version", VIZBPF_VERSION);
	trace_writer_meta_str(w, "producer", "vizbpf");
}

void write_metadata(struct trace_writer *w, struct tracer *t, const struct py_interp *pi,
			   const struct events_stats *es, const struct tracer_stats *ts,
			   const struct meta_changes *ch)
{
	char version[32];

	if (pi->micro >= 0)
		snprintf(version, sizeof(version), "%d.%d.%d", pi->major, pi->minor, pi->micro);
	else
		snprintf(version, sizeof(version), "%d.%d", pi->major, pi->minor);
	write_producer(w);
	trace_writer_meta_bool(w, "overflow", false);
	trace_writer_meta_str(w, "python_version", version);
	trace_writer_meta_str(w, "python_executable", pi->exe);
	trace_writer_meta_str(w, "python_library", pi->lib);
	trace_writer_meta_str(w, "mechanism", tracer_mechanism(t));
	trace_writer_meta_u64(w, "calls", es->calls);
	trace_writer_meta_u64(w, "slices_written", es->slices_written);
	trace_writer_meta_u64(w, "calls_lost", ts->lost_calls);
	trace_writer_meta_u64(w, "returns_lost", ts->lost_returns);
	trace_writer_meta_u64(w, "records_lost", ts->lost_records);
	trace_writer_meta_u64(w, "code_records_lost", ts->lost_code_records);
	trace_writer_meta_u64(w, "threads_with_events_lost", es->threads_with_gaps);
	trace_writer_meta_u64(w, "slices_after_events_lost", es->slices_after_gap);
	trace_writer_meta_u64(w, "returns_inferred", es->returns_inferred);
	trace_writer_meta_u64(w, "unmatched_returns", es->unmatched_returns);
	trace_writer_meta_u64(w, "unknown_code", es->unknown_code);
	trace_writer_meta_u64(w, "code_descriptions", es->code_descriptions);
	trace_writer_meta_u64(w, "generator_creations_dropped", es->generator_creations);
	trace_writer_meta_u64(w, "calls_refused_by_recursion_limit", es->calls_refused);
	/* --log_gc, --log_exception, --log_audit, vizbpf_events.py: only when there were some */
	if (es->gc_collections)
		trace_writer_meta_u64(w, "gc_collections", es->gc_collections);
	if (ts->gc_unfinished)
		trace_writer_meta_u64(w, "gc_collections_end_unseen", ts->gc_unfinished);
	if (es->exceptions)
		trace_writer_meta_u64(w, "exceptions_raised", es->exceptions);
	if (es->audit_events)
		trace_writer_meta_u64(w, "audit_events", es->audit_events);
	if (es->prints || ts->prints_lost) {
		trace_writer_meta_u64(w, "prints", es->prints);
		trace_writer_meta_u64(w, "prints_lost", ts->prints_lost);
	}
	if (es->async_tasks)
		trace_writer_meta_u64(w, "async_tasks", es->async_tasks);
	if (es->custom_events)
		trace_writer_meta_u64(w, "custom_events", es->custom_events);
	trace_writer_meta_u64(w, "eval_frame_unlocks", ch->eval_frame_unlocks);
	trace_writer_meta_bool(w, "recursion_budget_exact", ch->budget_exact);
	trace_writer_meta_bool(w, "recursion_budget_exhausted", ch->budget_exhausted);
	trace_writer_meta_u64(w, "recursion_budget_widened_threads", ch->widened_threads);
	trace_writer_meta_u64(w, "recursion_budget_widened_late", ch->widened_late);
	trace_writer_meta_u64(w, "recursion_budget_widened_by", ch->widened_by);
	trace_writer_meta_u64(w, "recursion_limit_traced", ch->limit_traced);
	trace_writer_meta_u64(w, "recursion_depth_overflowing_stack", ch->depth_overflowing_stack);
	trace_writer_meta_u64(w, "memory_write_errors", ch->write_errors);
	/* --kernel only: a trace without it keeps its keys. */
	if (ts->kernel_flags) {
		char kinds[32];

		trace_writer_meta_str(w, "kernel", kernel_kinds(ts->kernel_flags, kinds, sizeof(kinds)));
		trace_writer_meta_u64(w, "kernel_events", ts->kernel_records);
		trace_writer_meta_u64(w, "kernel_events_lost", ts->kernel_lost);
		trace_writer_meta_u64(w, "kernel_syscall_slices", es->kernel_syscalls);
		trace_writer_meta_u64(w, "kernel_offcpu_slices", es->kernel_offcpu);
		trace_writer_meta_u64(w, "kernel_wakeup_flows", es->kernel_flows);
		trace_writer_meta_u64(w, "kernel_cpu_switch_lines", es->kernel_cpu_lines);
		trace_writer_meta_u64(w, "kernel_memory_counters", es->kernel_counters);
	}
}
