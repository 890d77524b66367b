// SPDX-License-Identifier: BSD-2-Clause
/*
 * Program time, see holds.h. Called for every record: a process without holds costs one
 * compare, the last process looked up is cached, and a time after the last hold (nearly
 * all of them) is one subtraction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "holds.h"

#define OPEN UINT64_MAX

struct hold {
	uint64_t start, end; /* raw; end is OPEN while the process is held */
	uint64_t cut_before; /* time cut out before start (inherited, earlier holds) */
	uint32_t tid;
	const char *why;
};

struct clock {
	uint32_t pid;
	uint64_t base; /* cut out of the parent before this process started */
	struct hold *v;
	uint32_t n, cap;
};

struct holds {
	struct clock *clocks;
	uint32_t n, cap;
	int32_t last; /* index of the clock found last, -1 */
};

struct holds *holds_new(void)
{
	struct holds *h = calloc(1, sizeof(*h));

	if (h)
		h->last = -1;
	return h;
}

void holds_free(struct holds *h)
{
	if (!h)
		return;
	for (uint32_t i = 0; i < h->n; i++)
		free(h->clocks[i].v);
	free(h->clocks);
	free(h);
}

static struct clock *find(struct holds *h, uint32_t pid)
{
	if (h->last >= 0 && h->clocks[h->last].pid == pid)
		return &h->clocks[h->last];
	/* Few processes are ever held; the newest first. */
	for (uint32_t i = h->n; i-- > 0;) {
		if (h->clocks[i].pid == pid) {
			h->last = (int32_t)i;
			return &h->clocks[i];
		}
	}
	return NULL;
}

static struct clock *find_or_add(struct holds *h, uint32_t pid)
{
	struct clock *c = find(h, pid);

	if (c)
		return c;
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? 2 * h->cap : 16;
		void *v = realloc(h->clocks, cap * sizeof(*h->clocks));

		if (!v)
			return NULL;
		h->clocks = v;
		h->cap = cap;
	}
	c = &h->clocks[h->n];
	*c = (struct clock){ .pid = pid };
	h->last = (int32_t)h->n++;
	return c;
}

static uint64_t cut_after(const struct hold *x)
{
	return x->cut_before + (x->end - x->start);
}

static uint64_t sub(uint64_t ts, uint64_t cut)
{
	return ts > cut ? ts - cut : 0;
}

static uint64_t program_ns(struct clock *c, uint64_t ts)
{
	for (uint32_t i = c->n; i-- > 0;) {
		struct hold *x = &c->v[i];

		if (ts < x->start)
			continue;
		/* Still open: the process ran until then (a stop takes effect a little after it
		 * is asked for, a freeze seizes thread after thread): the hold starts later. */
		if (x->end == OPEN) {
			x->start = ts;
			return sub(ts, x->cut_before);
		}
		if (ts < x->end)
			return sub(x->start, x->cut_before);
		return sub(ts, cut_after(x));
	}
	return sub(ts, c->base);
}

uint64_t holds_program_ns(struct holds *h, uint32_t pid, uint64_t ts)
{
	struct clock *c;

	if (!h->n)
		return ts;
	c = find(h, pid);
	return c ? program_ns(c, ts) : ts;
}

int holds_begin(struct holds *h, uint32_t pid, uint32_t tid, uint64_t start_ns, const char *why)
{
	struct clock *c = find_or_add(h, pid);
	struct hold *last;

	if (!c)
		return -ENOMEM;
	last = c->n ? &c->v[c->n - 1] : NULL;
	if (last && last->end == OPEN)
		return -EBUSY;
	if (c->n == c->cap) {
		uint32_t cap = c->cap ? 2 * c->cap : 4;
		void *v = realloc(c->v, cap * sizeof(*c->v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
		last = c->n ? &c->v[c->n - 1] : NULL;
	}
	/* Holds never overlap: one reported late starts where the one before ended. */
	if (last && start_ns < last->end)
		start_ns = last->end;
	c->v[c->n++] = (struct hold){
		.start = start_ns,
		.end = OPEN,
		.cut_before = last ? cut_after(last) : c->base,
		.tid = tid,
		.why = why,
	};
	return 0;
}

int holds_end(struct holds *h, uint32_t pid, uint64_t end_ns, struct hold_done *done)
{
	struct clock *c = h->n ? find(h, pid) : NULL;
	struct hold *x = c && c->n ? &c->v[c->n - 1] : NULL;

	if (!x || x->end != OPEN)
		return -ENOENT;
	x->end = end_ns > x->start ? end_ns : x->start;
	*done = (struct hold_done){
		.pid = pid,
		.tid = x->tid,
		.at_ns = sub(x->start, x->cut_before),
		.held_ns = x->end - x->start,
		.why = x->why,
	};
	return 0;
}

int holds_inherit(struct holds *h, uint32_t parent, uint32_t child, uint64_t ts_ns)
{
	uint64_t cut = ts_ns - holds_program_ns(h, parent, ts_ns);
	struct clock *c;

	if (!cut && !find(h, child))
		return 0;
	c = find_or_add(h, child);
	if (!c)
		return -ENOMEM;
	free(c->v);
	*c = (struct clock){ .pid = child, .base = cut };
	return 0;
}
