/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Program time: a traced process's CLOCK_MONOTONIC with vizbpf's own holds cut out.
 *
 * While vizbpf holds a process still (its first call, to set up tracing; a new 3.12 thread;
 * a fork or an exec it follows; attach and detach), the program does nothing it would do
 * untraced, yet a slice open across the hold would be drawn that much longer. So each
 * process keeps its holds: a time maps to itself minus what was held before it, a time
 * inside a hold to the hold's start. A hold is known to begin a little before it does (the
 * record of a stop comes before the stop takes effect): a time seen while it is open moves
 * its start there. The mapping never decreases with time, so slices that nested still nest. A process that starts from a traced one
 * (a fork, the exec of a child) shares the time its parent had cut out before it started,
 * so the two stay aligned.
 */
#ifndef VZ_HOLDS_H
#define VZ_HOLDS_H

#include <stdint.h>

struct holds;

/* A hold that ended: what its marker says. */
struct hold_done {
	uint32_t pid, tid;
	uint64_t at_ns;   /* where it starts, in program time */
	uint64_t held_ns; /* how long the process was held */
	const char *why;  /* static text */
};

/* Called when a hold is over: after it ended, once the first time after its end comes (until
 * then records from before the stop may still move its start), or at holds_settle_all(). */
typedef void (*holds_done_fn)(void *ctx, const struct hold_done *done);

struct holds *holds_new(holds_done_fn on_done, void *ctx);
void holds_free(struct holds *h);

/*
 * Process pid is held from start_ns on (raw CLOCK_MONOTONIC; tid: the thread that stopped,
 * where the marker goes). why is static text. Returns 0, -EBUSY when a hold of pid is still
 * open (it goes on), or -ENOMEM.
 */
int holds_begin(struct holds *h, uint32_t pid, uint32_t tid, uint64_t start_ns, const char *why);
/* The open hold of pid ends at end_ns (its marker comes through on_done once its start is
 * final). Returns 0, or -ENOENT if none is open. */
int holds_end(struct holds *h, uint32_t pid, uint64_t end_ns);
/* Every hold ended but not yet over is over now (the trace ends). */
void holds_settle_all(struct holds *h);
/* child starts from parent at ts_ns: it forgets any earlier process with its pid and shares
 * what parent had cut out by then. */
int holds_inherit(struct holds *h, uint32_t parent, uint32_t child, uint64_t ts_ns);
/* ts_ns (raw) of process pid in program time (times come in the order they were taken, per
 * process, as they do from one ring buffer). */
uint64_t holds_program_ns(struct holds *h, uint32_t pid, uint64_t ts_ns);

#endif
