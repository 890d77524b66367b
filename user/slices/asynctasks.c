// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_async's tasks: (pid, coroutine frame) -> a track with the task's name. Looked up once
 * per step of a task (the outermost coroutine call), never per call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "asynctasks.h"
#include "export/trace_writer.h"

struct task {
	uint64_t frame;
	uint64_t task;  /* the Task object, 0 until BPF found it */
	uint32_t pid;
	uint32_t steps; /* steps drawn on its track */
	const struct trace_writer *named_in; /* where its name was written last */
	char *name;
};

struct asynctasks {
	struct task *tasks;
	uint32_t n, cap;
	uint32_t *slots; /* open addressing on (pid, frame): task index + 1, 0 empty */
	uint32_t mask;
};

static inline uint32_t key_hash(uint32_t pid, uint64_t frame)
{
	uint64_t v = frame ^ ((uint64_t)pid << 47);

	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdull;
	v ^= v >> 33;
	return (uint32_t)v;
}

static uint32_t *slot_of(struct asynctasks *a, uint32_t pid, uint64_t frame)
{
	for (uint32_t h = key_hash(pid, frame);; h++) {
		uint32_t *s = &a->slots[h & a->mask];

		if (!*s || (a->tasks[*s - 1].pid == pid && a->tasks[*s - 1].frame == frame))
			return s;
	}
}

static int grow(struct asynctasks *a)
{
	uint32_t old_mask = a->mask, *old = a->slots;

	a->mask = a->mask ? a->mask * 2 + 1 : 255;
	a->slots = calloc(a->mask + 1, sizeof(*a->slots));
	if (!a->slots) {
		a->slots = old;
		a->mask = old_mask;
		return -ENOMEM;
	}
	/* The newest task of each key wins: re-insert in order. */
	for (uint32_t i = 0; i < a->n; i++)
		*slot_of(a, a->tasks[i].pid, a->tasks[i].frame) = i + 1;
	free(old);
	return 0;
}

/* A new task for the key; its index, or -1. */
static int64_t add(struct asynctasks *a, uint32_t pid, uint64_t frame, const char *name)
{
	struct task *t;

	if (a->n == a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 64;
		void *p = realloc(a->tasks, cap * sizeof(*a->tasks));

		if (!p)
			return -1;
		a->tasks = p;
		a->cap = cap;
	}
	if ((a->n + 1) * 2 > a->mask && grow(a))
		return -1;
	t = &a->tasks[a->n];
	*t = (struct task){ .frame = frame, .pid = pid, .name = strdup(name ? name : "Task") };
	if (!t->name)
		return -1;
	*slot_of(a, pid, frame) = a->n + 1;
	return a->n++;
}

struct asynctasks *asynctasks_new(void)
{
	struct asynctasks *a = calloc(1, sizeof(*a));

	if (a && grow(a)) {
		free(a);
		return NULL;
	}
	return a;
}

void asynctasks_free(struct asynctasks *a)
{
	if (!a)
		return;
	for (uint32_t i = 0; i < a->n; i++)
		free(a->tasks[i].name);
	free(a->tasks);
	free(a->slots);
	free(a);
}

uint32_t asynctasks_track(struct asynctasks *a, uint32_t pid, uint64_t frame, const char *fallback)
{
	uint32_t *s = slot_of(a, pid, frame);
	int64_t i;

	if (!*s && (i = add(a, pid, frame, fallback)) < 0)
		return 0;
	a->tasks[*s - 1].steps++;
	return ASYNCTASKS_TID_BASE + *s - 1;
}

uint32_t asynctasks_taskless(struct asynctasks *a, uint32_t tid, uint32_t pid, uint64_t frame,
			     const char *fallback)
{
	uint32_t i = tid - ASYNCTASKS_TID_BASE;
	int64_t n;

	if (tid < ASYNCTASKS_TID_BASE || i >= a->n || !a->tasks[i].task)
		return tid;
	/* A Task's coroutine finished and another coroutine, no Task's, took its address. */
	a->tasks[i].steps--;
	n = add(a, pid, frame, fallback);
	if (n < 0)
		return tid;
	a->tasks[n].steps = 1;
	return ASYNCTASKS_TID_BASE + (uint32_t)n;
}

uint32_t asynctasks_found(struct asynctasks *a, uint32_t tid, uint32_t pid, uint64_t frame,
			  uint64_t task, const char *name)
{
	uint32_t i = tid - ASYNCTASKS_TID_BASE;
	struct task *t;
	int64_t n;

	if (tid < ASYNCTASKS_TID_BASE || i >= a->n)
		return 0;
	t = &a->tasks[i];
	if (t->task == task)
		return tid;
	/* Named at its first step only: a track drawn without a Task is a coroutine's of its own
	 * (3.8-3.10 reuse frame objects at once), even at the same address. */
	if (!t->task && t->steps == 1) {
		char *copy = strdup(name);

		if (!copy)
			return tid;
		free(t->name);
		t->name = copy;
		t->task = task;
		t->named_in = NULL;
		return tid;
	}
	/* Another Task at the address of a finished coroutine: a track of its own. */
	t->steps--;
	n = add(a, pid, frame, name);
	if (n < 0)
		return 0;
	a->tasks[n].task = task;
	a->tasks[n].steps = 1;
	return ASYNCTASKS_TID_BASE + (uint32_t)n;
}

void asynctasks_name_track(struct asynctasks *a, uint32_t tid, struct trace_writer *w)
{
	uint32_t i = tid - ASYNCTASKS_TID_BASE;
	struct task *t;

	if (tid < ASYNCTASKS_TID_BASE || i >= a->n || !w)
		return;
	t = &a->tasks[i];
	if (t->named_in == w)
		return;
	trace_writer_thread_name(w, t->pid, tid, t->name);
	t->named_in = w;
}

uint64_t asynctasks_count(const struct asynctasks *a)
{
	return a ? a->n : 0;
}
