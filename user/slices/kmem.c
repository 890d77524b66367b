// SPDX-License-Identifier: BSD-2-Clause
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "vizbpf.h"
#include "kmem.h"

struct proc_mem {
	uint32_t pid;
	uint64_t min_flt, maj_flt; /* sums of its threads' last counts */
};

struct kmem {
	struct proc_mem *v;
	size_t n, cap;
	uint64_t counters; /* C events written */
	long page;
};

struct kmem *kmem_new(void)
{
	struct kmem *k = calloc(1, sizeof(*k));

	if (k)
		k->page = sysconf(_SC_PAGESIZE) > 0 ? sysconf(_SC_PAGESIZE) : 4096;
	return k;
}

static struct proc_mem *proc_of(struct kmem *k, uint32_t pid)
{
	/* A handful of processes: a list, newest last. */
	for (size_t i = k->n; i-- > 0;)
		if (k->v[i].pid == pid)
			return &k->v[i];
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;
		void *p = realloc(k->v, cap * sizeof(*k->v));

		if (!p)
			return NULL;
		k->v = p;
		k->cap = cap;
	}
	k->v[k->n] = (struct proc_mem){ .pid = pid };
	return &k->v[k->n++];
}

void kmem_sample(struct kmem *k, struct trace_writer *w, const struct vz_rec_mem *r,
		 uint64_t *min_flt, uint64_t *maj_flt, uint64_t ts)
{
	struct proc_mem *p = k ? proc_of(k, r->hdr.pid) : NULL;
	char args[96];

	if (!p)
		return;
	/* The thread's counts since its previous sample (its first: since it started). */
	p->min_flt += r->min_flt - *min_flt;
	p->maj_flt += r->maj_flt - *maj_flt;
	*min_flt = r->min_flt;
	*maj_flt = r->maj_flt;
	snprintf(args, sizeof(args), "{\"MB\":%.3f}", (double)r->rss_pages * k->page / (1 << 20));
	trace_writer_counter_args(w, "RSS", ts, r->hdr.pid, r->hdr.pid, args);
	snprintf(args, sizeof(args), "{\"minor\":%llu,\"major\":%llu}",
		 (unsigned long long)p->min_flt, (unsigned long long)p->maj_flt);
	trace_writer_counter_args(w, "page faults", ts, r->hdr.pid, r->hdr.pid, args);
	k->counters += 2;
}

uint64_t kmem_counters(const struct kmem *k)
{
	return k ? k->counters : 0;
}

void kmem_free(struct kmem *k)
{
	if (!k)
		return;
	free(k->v);
	free(k);
}
