// SPDX-License-Identifier: BSD-2-Clause
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "export/slice_ring.h"
#include "export/trace_writer.h"

/* One kept event. Names and cats are interned (struct strings); args are owned by the slot. */
struct slot {
	const char *name; /* slice: a JSON string literal; instant: plain text */
	const char *cat;  /* instant only */
	char *args;       /* NULL: none */
	uint64_t ts_ns, dur_ns;
	uint32_t tid;
	uint32_t name_len;
	char scope;
};

struct ring {
	struct slot *slots;
	uint32_t cap, n, head; /* head: the oldest when n == cap */
};

struct proc {
	uint32_t pid;
	struct ring slices, instants;
};

struct tname {
	uint32_t pid, tid; /* tid 0: the process's name */
	char *name;
};

/* Interned strings: open addressing on a string hash. */
struct strings {
	char **slots;
	uint32_t mask, used;
};

struct slice_ring {
	uint32_t n;
	struct proc *procs;
	uint32_t n_procs, cap_procs, last;
	struct tname *names;
	uint32_t n_names, cap_names;
	struct strings strs;
	uint64_t dropped;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

static const char *intern(struct strings *t, const char *s, size_t n)
{
	uint32_t i;

	if ((t->used + 1) * 2 > t->mask + 1) {
		uint32_t cap = t->mask ? (t->mask + 1) * 2 : 1024;
		char **slots = calloc(cap, sizeof(*slots));

		if (!slots)
			return NULL;
		for (uint32_t k = 0; t->slots && k <= t->mask; k++) {
			if (!t->slots[k])
				continue;
			i = hash(t->slots[k], strlen(t->slots[k])) & (cap - 1);
			while (slots[i])
				i = (i + 1) & (cap - 1);
			slots[i] = t->slots[k];
		}
		free(t->slots);
		t->slots = slots;
		t->mask = cap - 1;
	}
	for (i = hash(s, n) & t->mask; t->slots[i]; i = (i + 1) & t->mask)
		if (!strncmp(t->slots[i], s, n) && !t->slots[i][n])
			return t->slots[i];
	t->slots[i] = strndup(s, n);
	if (t->slots[i])
		t->used++;
	return t->slots[i];
}

struct slice_ring *slice_ring_new(uint32_t n_per_pid)
{
	struct slice_ring *r = calloc(1, sizeof(*r));

	if (r)
		r->n = n_per_pid ? n_per_pid : 1;
	return r;
}

static struct proc *proc_of(struct slice_ring *r, uint32_t pid)
{
	if (r->last < r->n_procs && r->procs[r->last].pid == pid)
		return &r->procs[r->last];
	for (uint32_t i = 0; i < r->n_procs; i++)
		if (r->procs[i].pid == pid)
			return &r->procs[r->last = i];
	if (r->n_procs == r->cap_procs) {
		uint32_t cap = r->cap_procs ? r->cap_procs * 2 : 8;
		void *p = realloc(r->procs, cap * sizeof(*r->procs));

		if (!p)
			return NULL;
		r->procs = p;
		r->cap_procs = cap;
	}
	memset(&r->procs[r->n_procs], 0, sizeof(r->procs[0]));
	r->procs[r->n_procs].pid = pid;
	r->last = r->n_procs;
	return &r->procs[r->n_procs++];
}

static void slot_clear(struct slot *s)
{
	free(s->args);
	s->args = NULL;
}

/* The slot the next event goes into: a new one while the ring grows towards n, else the oldest
 * (*evicted set). NULL when out of memory (the event is not kept). */
static struct slot *ring_next(struct ring *g, uint32_t n, bool *evicted)
{
	struct slot *s;

	*evicted = false;
	if (g->n < n && g->n == g->cap) {
		/* Grow by doubling up to n: a short run does not pay for N slots. */
		uint32_t cap = g->cap ? g->cap * 2 : 1024;
		void *p;

		if (cap > n)
			cap = n;
		p = realloc(g->slots, (size_t)cap * sizeof(*g->slots));
		if (!p)
			return NULL;
		g->slots = p;
		g->cap = cap;
	}
	if (g->n < n) {
		s = &g->slots[g->n++];
		memset(s, 0, sizeof(*s));
		return s;
	}
	s = &g->slots[g->head];
	g->head = (g->head + 1) % g->n;
	slot_clear(s);
	*evicted = true;
	return s;
}

void slice_ring_complete(struct slice_ring *r, const char *name_json, size_t name_json_len,
			 uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid,
			 const char *args_json)
{
	struct proc *p = proc_of(r, pid);
	const char *name = intern(&r->strs, name_json, name_json_len);
	struct slot *s;
	bool evicted;

	if (!p || !name)
		return;
	s = ring_next(&p->slices, r->n, &evicted);
	if (!s)
		return;
	r->dropped += evicted;
	s->name = name;
	s->name_len = name_json_len;
	s->ts_ns = ts_ns;
	s->dur_ns = dur_ns;
	s->tid = tid;
	/* Owned, not interned: --log_func_args makes them differ from call to call, and memory
	 * must stay bounded by N. */
	s->args = args_json ? strdup(args_json) : NULL;
}

void slice_ring_instant(struct slice_ring *r, const char *cat, const char *name, uint64_t ts_ns,
			uint32_t pid, uint32_t tid, char scope, const char *args_json)
{
	struct proc *p = proc_of(r, pid);
	const char *in = intern(&r->strs, name, strlen(name));
	const char *ic = cat ? intern(&r->strs, cat, strlen(cat)) : NULL;
	struct slot *s;
	bool evicted;

	if (!p || !in || (cat && !ic))
		return;
	s = ring_next(&p->instants, r->n, &evicted);
	if (!s)
		return;
	s->name = in;
	s->cat = ic;
	s->ts_ns = ts_ns;
	s->tid = tid;
	s->scope = scope;
	s->args = args_json ? strdup(args_json) : NULL;
}

static void set_name(struct slice_ring *r, uint32_t pid, uint32_t tid, const char *name)
{
	char *copy;

	for (uint32_t i = 0; i < r->n_names; i++) {
		if (r->names[i].pid == pid && r->names[i].tid == tid) {
			copy = strdup(name);
			if (copy) {
				free(r->names[i].name);
				r->names[i].name = copy;
			}
			return;
		}
	}
	if (r->n_names == r->cap_names) {
		uint32_t cap = r->cap_names ? r->cap_names * 2 : 16;
		void *p = realloc(r->names, cap * sizeof(*r->names));

		if (!p)
			return;
		r->names = p;
		r->cap_names = cap;
	}
	copy = strdup(name);
	if (!copy)
		return;
	r->names[r->n_names++] = (struct tname){ pid, tid, copy };
}

void slice_ring_process_name(struct slice_ring *r, uint32_t pid, const char *name)
{
	set_name(r, pid, 0, name);
}

void slice_ring_thread_name(struct slice_ring *r, uint32_t pid, uint32_t tid, const char *name)
{
	set_name(r, pid, tid ? tid : UINT32_MAX, name);
}

void slice_ring_replay(const struct slice_ring *r, struct trace_writer *w)
{
	for (uint32_t i = 0; i < r->n_names; i++) {
		const struct tname *t = &r->names[i];

		if (!t->tid)
			trace_writer_process_name(w, t->pid, t->name);
		else
			trace_writer_thread_name(w, t->pid, t->tid == UINT32_MAX ? 0 : t->tid, t->name);
	}
	for (uint32_t k = 0; k < r->n_procs; k++) {
		const struct proc *p = &r->procs[k];

		for (uint32_t i = 0; i < p->instants.n; i++) {
			const struct slot *s = &p->instants.slots[(p->instants.head + i) % p->instants.n];

			trace_writer_instant_cat(w, s->cat, s->name, s->ts_ns, p->pid, s->tid, s->scope,
						 s->args);
		}
		for (uint32_t i = 0; i < p->slices.n; i++) {
			const struct slot *s = &p->slices.slots[(p->slices.head + i) % p->slices.n];

			if (s->args)
				trace_writer_complete_args(w, s->name, s->name_len, s->ts_ns, s->dur_ns,
							   p->pid, s->tid, s->args);
			else
				trace_writer_complete(w, s->name, s->name_len, s->ts_ns, s->dur_ns,
						      p->pid, s->tid);
		}
	}
}

uint64_t slice_ring_dropped(const struct slice_ring *r)
{
	return r->dropped;
}

uint32_t slice_ring_capacity(const struct slice_ring *r)
{
	return r->n;
}

void slice_ring_free(struct slice_ring *r)
{
	if (!r)
		return;
	for (uint32_t k = 0; k < r->n_procs; k++) {
		struct proc *p = &r->procs[k];

		for (uint32_t i = 0; i < p->instants.n; i++)
			slot_clear(&p->instants.slots[i]);
		for (uint32_t i = 0; i < p->slices.n; i++)
			slot_clear(&p->slices.slots[i]);
		free(p->slices.slots);
		free(p->instants.slots);
	}
	for (uint32_t i = 0; i < r->n_names; i++)
		free(r->names[i].name);
	for (uint32_t i = 0; r->strs.slots && i <= r->strs.mask; i++)
		free(r->strs.slots[i]);
	free(r->strs.slots);
	free(r->procs);
	free(r->names);
	free(r);
}
