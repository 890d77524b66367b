// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "linkclose.h"
#include "user/base/quiet.h"

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

#define DETACHED_MAX 64

/* vizbpf's end of the socket to the closer (linkclose_prespawn), or -1. */
static int closer = -1;

/* One message: how many fds came with it (up to DETACHED_MAX + 1; 0: none, the go), -1 at
 * EOF or on an error. */
static int receive_fds(int s, int *fds)
{
	char data, ctl[CMSG_SPACE(sizeof(int) * (DETACHED_MAX + 1))];
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	ssize_t got;

	while ((got = recvmsg(s, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (got <= 0)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
		return 0;
	memcpy(fds, CMSG_DATA(cm), cm->cmsg_len - CMSG_LEN(0));
	return (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
}

/*
 * The closer: vizbpf sends a batch of link fds (the last one: the write end of its done pipe),
 * closes its own copies, then sends a go (a message without fds): a child of the closer then
 * holds the last references and closes them, and exits (EOF on done). It ends when vizbpf's
 * end of the socket closes, whatever way vizbpf ended.
 */
static void __attribute__((noreturn)) closer_main(int s)
{
	int fds[DETACHED_MAX + 1], got[DETACHED_MAX + 1], released[2], n, batch = 0;

	if (fork() != 0) /* the grandchild does it: vizbpf reaps this one at once */
		_exit(0);
	quiet_helper("vizbpf-closing");
	signal(SIGCHLD, SIG_IGN); /* its children go without a wait */
	if (s != 3) {
		dup2(s, 3);
		s = 3;
	}
	syscall(SYS_close_range, 4, ~0U, 0);
	while ((n = receive_fds(s, got)) >= 0) {
		/* A go, or (never from vizbpf) a batch before the last one's go: a child closes the
		 * last batch once the closer's own copies are closed (EOF on released). */
		if (batch) {
			bool piped = !pipe(released);

			if (piped && fork() == 0) {
				char b;

				close(s);
				close(released[1]);
				while (read(released[0], &b, 1) < 0 && errno == EINTR)
					;
				for (int i = 0; i < batch - 1; i++)
					close(fds[i]);
				_exit(0); /* closes done */
			}
			for (int i = 0; i < batch; i++)
				close(fds[i]);
			if (piped) {
				close(released[0]);
				close(released[1]);
			}
		}
		memcpy(fds, got, n * sizeof(int));
		batch = n;
	}
	_exit(0);
}

int linkclose_prespawn(void)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		closer_main(sv[1]);
	}
	close(sv[1]);
	if (pid < 0) {
		close(sv[0]);
		return -errno;
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	closer = sv[0];
	return 0;
}

/* Tells the closer that vizbpf's copies are closed: its are the last references. */
static void closer_go(void)
{
	char data = 0;

	while (send(closer, &data, 1, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* Hands keep[0..n) and a new done pipe's write end to the closer; its read end, or -1. */
static int hand_to_closer(const int *keep, int n)
{
	char ctl[CMSG_SPACE(sizeof(int) * (DETACHED_MAX + 1))] = { 0 }, data = 0;
	struct iovec iov = { &data, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = CMSG_SPACE(sizeof(int) * (n + 1)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);
	int done[2], *out = (int *)CMSG_DATA(cm);
	ssize_t sent;

	if (closer < 0 || pipe2(done, O_CLOEXEC))
		return -1;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int) * (n + 1));
	memcpy(out, keep, sizeof(int) * n);
	out[n] = done[1];
	while ((sent = sendmsg(closer, &m, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	close(done[1]);
	if (sent < 0) {
		close(done[0]);
		close(closer); /* gone: never again */
		closer = -1;
		return -1;
	}
	return done[0];
}

int linkclose_detached(struct linkclose *c)
{
	int keep[DETACHED_MAX], n = 0, done = -1;

	for (int i = 0; i < c->n_links && n < DETACHED_MAX; i++)
		keep[n++] = bpf_link__fd(c->links[i]);
	for (int i = 0; i < c->n_fds && n < DETACHED_MAX; i++)
		keep[n++] = c->fds[i];
	if (!n || n != c->n_links + c->n_fds) {
		linkclose_run(c);
		return -1;
	}
	/* The closer started with vizbpf (no fork now, with the program held: ~3 ms of page
	 * tables); started now if it could not be then, or is gone. */
	for (int tries = 0; tries < 2 && done < 0; tries++) {
		if (closer < 0 && linkclose_prespawn())
			break;
		done = hand_to_closer(keep, n);
	}
	if (done < 0) {
		linkclose_run(c);
		return -1;
	}
	/* Our copies go now (a perf link's event is disabled first, quickly), then the go: the
	 * closer's references are the last. */
	for (int i = 0; i < c->n_links; i++)
		bpf_link__destroy(c->links[i]);
	for (int i = 0; i < c->n_fds; i++)
		close(c->fds[i]);
	closer_go();
	free(c->links);
	free(c->fds);
	*c = (struct linkclose){ 0 };
	return done;
}

void linkclose_wait(int done)
{
	char b;

	if (done < 0)
		return;
	while (read(done, &b, 1) < 0 && errno == EINTR)
		;
	close(done);
}
