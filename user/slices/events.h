/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Ring-buffer records -> Python call slices. Each thread has a shadow stack
 * of open frames; a call or return names the thread's current (caller)
 * frame, which re-synchronises the stack when returns were never reported
 * (the kernel keeps at most 64 pending uretprobes per thread). Slices are
 * written when they close, so they always nest strictly.
 */
#ifndef VZ_EVENTS_H
#define VZ_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "export/trace_writer.h"

struct events;

struct events_stats {
	uint64_t calls;             /* calls recorded */
	uint64_t slices_written;    /* X events written (after filters) */
	uint64_t returns_inferred;  /* slices closed without their own return record */
	uint64_t unmatched_returns; /* returns that matched no open call */
	uint64_t unknown_code;      /* calls whose code object was never described */
	uint64_t code_descriptions; /* code objects described (again at a reused address) */
	uint64_t generator_creations; /* 3.11+ generator-creation evaluations dropped */
	uint64_t calls_refused;     /* calls the recursion check refused before they ran, dropped */
	uint64_t max_depth;         /* deepest Python stack seen on a thread */
	uint64_t unknown_records;   /* records of an unknown type */
	uint64_t holds;             /* times vizbpf held a process (cut out, marked) */
	uint64_t gaps;              /* places where a thread's records were lost (marked) */
	uint64_t threads_with_gaps; /* threads with at least one */
	uint64_t slices_after_gap;  /* slices whose caller is unsure: flagged in args */
	uint64_t kernel_syscalls;   /* --kernel: syscall slices written */
	uint64_t kernel_offcpu;     /* ...off-CPU slices */
	uint64_t kernel_flows;      /* ...waker -> wakee arrows */
	uint64_t kernel_cpu_lines;  /* ...ftrace lines for the CPU tracks */
	uint64_t kernel_counters;   /* ...memory counter events */
	uint64_t gc_collections;    /* --log_gc: collections written */
	uint64_t exceptions;        /* --log_exception: exceptions raised, written */
	uint64_t custom_events;     /* calls of vizbpf_events.py's functions */
	uint64_t audit_events;      /* --log_audit: audit events written (after the regexes) */
	uint64_t prints;            /* --log_print: writes to stdout/stderr written */
	uint64_t async_tasks;       /* --log_async: task tracks made */
};

struct events_filter {
	int max_stack_depth; /* -1: unlimited */
	uint64_t min_duration_ns;
	const char *const *include_files;
	int n_include;
	const char *const *exclude_files;
	int n_exclude;
	int ignore_frozen;
	const char *const *audit_regex; /* --log_audit REGEX...: events kept (none: all) */
	int n_audit_regex;
	const void *args_filter; /* --log_func_args_filter: a compiled regex_t, NULL: every function */
	int log_sparse; /* --log_sparse: only calls under a log_sparse marker (sparse.h) */
	int log_async;           /* --log_async: each asyncio task's steps on a track of its own */
};

struct vz_rec_thread;
/* Called for each thread-state announcement (VZ_REC_THREAD). */
typedef void (*events_thread_fn)(void *ctx, const struct vz_rec_thread *r);

struct events *events_new(struct trace_writer *w, const struct events_filter *filter);
/* Sends each process's events to writer_for(ctx, pid) instead (--pid_suffix). */
void events_set_writers(struct events *ev, struct trace_writer *(*writer_for)(void *ctx, uint32_t pid),
			void *ctx);
void events_on_thread(struct events *ev, events_thread_fn fn, void *ctx);
/* Called for each batch of the preloaded evaluator read (even one dropped here): seq is how
 * much process pid has handed over up to it (struct vz_flow). */
typedef void (*events_batch_fn)(void *ctx, uint32_t pid, uint64_t seq);
void events_on_batch(struct events *ev, events_batch_fn fn, void *ctx);
/* Called when a thread starts through threading (Thread._bootstrap_inner): frame is that call's
 * frame in process pid. Writes the thread's Python name into name (left empty if unknown). */
typedef void (*events_thread_start_fn)(void *ctx, uint32_t pid, uint64_t frame, char *name,
				       size_t cap);
void events_on_thread_start(struct events *ev, events_thread_start_fn fn, void *ctx);
/* tracer_record_fn: handles one record. */
int events_handle(void *ctx, const void *data, size_t size);
/*
 * Closes what is still open and names the threads: at end_ns (attach mode: the detach time,
 * those calls are still running), or with 0 at each thread's last timestamp.
 */
void events_finish(struct events *ev, uint64_t end_ns);
/*
 * --tracer_entries snapshots: writes the calls still open at now_ns (CLOCK_MONOTONIC) on pid's
 * threads (0: every process) into w, as slices ending then (their starts kept), and names the
 * threads still running. Changes nothing: they go on and end in the trace as usual.
 */
void events_write_open(struct events *ev, uint64_t now_ns, uint32_t pid, struct trace_writer *w);
/* After events_finish, records are dropped; thread announcements still reach on_thread.
 * events_stop drops them from now on without writing anything (vizbpf failed). */
void events_stop(struct events *ev);
/*
 * vizbpf holds process pid still from start_ns (CLOCK_MONOTONIC) until events_hold_end: that
 * time is cut out of the process's timeline (user/holds.h) and marked on thread tid with an
 * instant, cat "vizbpf", named why (static text), args {"held_ms": ...}. events_hold_begin
 * returns -EBUSY when pid is already held (that hold goes on).
 */
int events_hold_begin(struct events *ev, uint32_t pid, uint32_t tid, uint64_t start_ns,
		      const char *why);
void events_hold_end(struct events *ev, uint32_t pid, uint64_t end_ns);
void events_hold(struct events *ev, uint32_t pid, uint32_t tid, uint64_t start_ns,
		 uint64_t end_ns, const char *why);
/* child (a fork, or an exec'd child) starts from parent at ts_ns: it shares parent's cuts. */
void events_hold_inherit(struct events *ev, uint32_t parent, uint32_t child, uint64_t ts_ns);

/*
 * Where the ring buffer was full and a thread's calls or returns were dropped: an instant of
 * this name, cat "vizbpf", on that thread, args {"calls_lost":N,"returns_lost":M}. The slices
 * open across it get args {"events_lost": VZ_LOST_INSIDE}; a slice called after it whose caller
 * is missing or may be another call at a reused frame address, {"events_lost": VZ_LOST_BEFORE}
 * (its parent in the trace is not to be trusted).
 */
#define VZ_EVENTS_LOST "vizbpf: events lost here"
#define VZ_LOST_INSIDE "inside this call"
#define VZ_LOST_BEFORE "before this call: its caller may be missing or wrong"

/* What each kind of hold is called (its marker's name). */
#define VZ_HOLD_FIRST_CALL "vizbpf: held to set up tracing"
#define VZ_HOLD_EXEC "vizbpf: held at exec to probe it"
#define VZ_HOLD_THREAD "vizbpf: held to set up a new thread"
#define VZ_HOLD_FORK "vizbpf: held to follow a fork"
#define VZ_HOLD_ATTACH "vizbpf: held to attach"
#define VZ_HOLD_DETACH "vizbpf: held to detach"

void events_get_stats(const struct events *ev, struct events_stats *s);
void events_free(struct events *ev);

#endif
