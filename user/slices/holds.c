// SPDX-License-Identifier: BSD-2-Clause
/*
 * Program time, see holds.h. Called for every record: a process without holds costs one
 * compare, the last process looked up is cached, and a time after the last hold (nearly
 * all of them) is one subtraction.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "holds.h"

#define OPEN UINT64_MAX

struct hold {
	uint64_t start, end; /* raw; end is OPEN while the process is held */
	bool closing;        /* ended, but records taken before the stop may still come */
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
	holds_done_fn on_done;
	void *ctx;
};

struct holds *holds_new(holds_done_fn on_done, void *ctx)
{
	struct holds *h = calloc(1, sizeof(*h));

	if (h) {
		h->last = -1;
		h->on_done = on_done;
		h->ctx = ctx;
	}
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

/* The hold is over and its start final: its marker can be written. */
static void settle(struct holds *h, struct clock *c, struct hold *x)
{
	struct hold_done done = {
		.pid = c->pid,
		.tid = x->tid,
		.at_ns = sub(x->start, x->cut_before),
		.held_ns = x->end - x->start,
		.why = x->why,
	};

	x->closing = false;
	if (h->on_done)
		h->on_done(h->ctx, &done);
}

static uint64_t program_ns(struct holds *h, struct clock *c, uint64_t ts)
{
	for (uint32_t i = c->n; i-- > 0;) {
		struct hold *x = &c->v[i];

		if (ts < x->start)
			continue;
		/*
		 * Still open, or ended but with a time before its end: the process ran until then
		 * (a stop takes effect a little after it is asked for, other threads run on until
		 * they stop too, a freeze seizes thread after thread), so the hold starts later.
		 * The records of a process come in the order they were taken, all those from
		 * before the stop ahead of those from after the end.
		 */
		if (x->end == OPEN || (x->closing && ts < x->end)) {
			x->start = ts;
			return sub(ts, x->cut_before);
		}
		if (x->closing)
			settle(h, c, x);
		if (ts < x->end) /* a straggler after the hold settled: no later than its start */
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
	return c ? program_ns(h, c, ts) : ts;
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
	if (last && last->closing)
		settle(h, c, last);
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

int holds_end(struct holds *h, uint32_t pid, uint64_t end_ns)
{
	struct clock *c = h->n ? find(h, pid) : NULL;
	struct hold *x = c && c->n ? &c->v[c->n - 1] : NULL;

	if (!x || x->end != OPEN)
		return -ENOENT;
	x->end = end_ns > x->start ? end_ns : x->start;
	x->closing = true;
	return 0;
}

void holds_settle_all(struct holds *h)
{
	for (uint32_t i = 0; i < h->n; i++) {
		struct clock *c = &h->clocks[i];

		if (c->n && c->v[c->n - 1].closing)
			settle(h, c, &c->v[c->n - 1]);
	}
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
