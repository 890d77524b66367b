/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Closing many probe links at once. Each uprobe link's close waits for the kernel's grace
 * periods (~50-200 ms each on Linux 6.x); closed one after another, four links cost ~0.4 s at
 * the end of every trace and inside the hold of a detach. Closed from a few threads at once,
 * the waits overlap and the whole costs about one.
 */
#ifndef VZ_PROBES_LINKCLOSE_H
#define VZ_PROBES_LINKCLOSE_H

#include <bpf/libbpf.h>

struct linkclose {
	struct bpf_link **links;
	int n_links, cap_links;
	int *fds;		/* raw link fds (uprobe_multi links made by hand) */
	int n_fds, cap_fds;
	int left_links, left_fds;	/* jobs not yet taken, counted down by the workers */
};

/* Queue a link (NULL is ignored) or a link fd (< 0 is ignored). On allocation failure the link
 * is closed at once: slower, never leaked. */
void linkclose_add(struct linkclose *c, struct bpf_link *link);
void linkclose_add_fd(struct linkclose *c, int fd);

/* Closes everything queued, in parallel, and returns once all are closed; c is empty again. */
void linkclose_run(struct linkclose *c);

/*
 * The same, with the kernel's waits in another process: the closer (a grandchild of vizbpf)
 * gets the links over a socket and holds the last references, so that no thread of vizbpf
 * waits (its exit would wait for such a thread). Returns at once with an fd for
 * linkclose_wait(), or -1 when it could not and closed them here.
 */
int linkclose_detached(struct linkclose *c);
/* Starts the closer now, while vizbpf is small and holds no link (a fork later, with the
 * program held, costs ~3 ms). 0 or -errno (then linkclose_detached() starts it itself). */
int linkclose_prespawn(void);
/* Returns once the links handed over with linkclose_detached() are gone; closes done. */
void linkclose_wait(int done);

#endif
