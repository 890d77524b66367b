// SPDX-License-Identifier: BSD-2-Clause
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include "linkclose.h"

#define LINKCLOSE_THREADS 8

void linkclose_add(struct linkclose *c, struct bpf_link *link)
{
	if (!link)
		return;
	if (c->n_links == c->cap_links) {
		int cap = c->cap_links ? 2 * c->cap_links : 16;
		void *p = realloc(c->links, cap * sizeof(*c->links));

		if (!p) {
			bpf_link__destroy(link);
			return;
		}
		c->links = p;
		c->cap_links = cap;
	}
	c->links[c->n_links++] = link;
}

void linkclose_add_fd(struct linkclose *c, int fd)
{
	if (fd < 0)
		return;
	if (c->n_fds == c->cap_fds) {
		int cap = c->cap_fds ? 2 * c->cap_fds : 16;
		void *p = realloc(c->fds, cap * sizeof(*c->fds));

		if (!p) {
			close(fd);
			return;
		}
		c->fds = p;
		c->cap_fds = cap;
	}
	c->fds[c->n_fds++] = fd;
}

/* Each worker takes the next job until none is left: links first, then fds. */
static void *worker(void *arg)
{
	struct linkclose *c = arg;
	int i;

	while ((i = __atomic_sub_fetch(&c->left_links, 1, __ATOMIC_RELAXED)) >= 0)
		bpf_link__destroy(c->links[i]);
	while ((i = __atomic_sub_fetch(&c->left_fds, 1, __ATOMIC_RELAXED)) >= 0)
		close(c->fds[i]);
	return NULL;
}

void linkclose_run(struct linkclose *c)
{
	pthread_t tid[LINKCLOSE_THREADS];
	int jobs = c->n_links + c->n_fds, n = 0;
	sigset_t all, old;

	c->left_links = c->n_links;
	c->left_fds = c->n_fds;
	if (jobs > 1) {
		/* Signals (Ctrl-C) go to the loader's own threads, never to these. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		for (; n < LINKCLOSE_THREADS && n < jobs - 1; n++)
			if (pthread_create(&tid[n], NULL, worker, c))
				break;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	worker(c); /* this thread works too; without threads it does everything */
	for (int i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	free(c->links);
	free(c->fds);
	*c = (struct linkclose){ 0 };
}
