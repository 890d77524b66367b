/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_async: one track per asyncio task, as VizTracer's --log_async draws them. A task is
 * known by its coroutine's frame, whose address stays the same from its first step to its
 * last (3.8-3.10: the coroutine's PyFrameObject; 3.11+: the frame inside the coroutine), and,
 * when BPF found it, by its Task object (a finished coroutine's address may be reused).
 */
#ifndef VZ_ASYNCTASKS_H
#define VZ_ASYNCTASKS_H

#include <stdbool.h>
#include <stdint.h>

/* Track ids of tasks: above any kernel tid (pid_max is at most 2^22). */
#define ASYNCTASKS_TID_BASE 0x40000000u

struct asynctasks;
struct trace_writer;

struct asynctasks *asynctasks_new(void);
void asynctasks_free(struct asynctasks *a);
/* The track of the task stepping coroutine frame 'frame' of process pid, made at its first
 * step and named fallback (the coroutine's qualname) until BPF names it. 0: no memory. */
uint32_t asynctasks_track(struct asynctasks *a, uint32_t pid, uint64_t frame, const char *fallback);
/* The step on track 'tid' has no Task (BPF found none): a track that belongs to a Task is left
 * to it. Returns the step's track. */
uint32_t asynctasks_taskless(struct asynctasks *a, uint32_t tid, uint32_t pid, uint64_t frame,
			     const char *fallback);
/* BPF found the Task stepping 'frame' (track 'tid'): its name. A track that belonged to another
 * Task, or to no Task, before this step (the frame's address reused) is left to it: returns the
 * Task's own track, or 0. */
uint32_t asynctasks_found(struct asynctasks *a, uint32_t tid, uint32_t pid, uint64_t frame,
			  uint64_t task, const char *name);
/* Writes the track's name into w unless it was written there already (before its first slice). */
void asynctasks_name_track(struct asynctasks *a, uint32_t tid, struct trace_writer *w);
/* Tasks seen (tracks made). */
uint64_t asynctasks_count(const struct asynctasks *a);

#endif
