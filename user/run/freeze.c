// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include "freeze.h"

static int frozen(const struct freeze *fz, pid_t tid)
{
	for (int i = 0; i < fz->n; i++)
		if (fz->tids[i] == tid)
			return 1;
	return 0;
}

/* Waits for tid's interrupt stop; a signal stop on the way is kept for release. */
static int wait_stop(struct freeze *fz, int i)
{
	int st;

	for (;;) {
		if (waitpid(fz->tids[i], &st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return -ESRCH;
		if (st >> 16 == PTRACE_EVENT_STOP)
			return 0;
		/* A signal-delivery stop: the thread is stopped too; deliver it on release. */
		fz->sigs[i] = WSTOPSIG(st);
		return 0;
	}
}

int freeze_process(pid_t pid, struct freeze *fz)
{
	char path[64];
	struct dirent *d;
	int added, err = 0;
	DIR *dir;

	fz->pid = pid;
	fz->n = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	/* Threads may start while we go: read the list until it holds nothing new. */
	do {
		added = 0;
		dir = opendir(path);
		if (!dir)
			return -errno;
		while ((d = readdir(dir)) && fz->n < FREEZE_MAX_THREADS) {
			pid_t tid = atoi(d->d_name);

			if (tid <= 0 || frozen(fz, tid))
				continue;
			if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) ||
			    ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
				if (errno == ESRCH)
					continue; /* it just ended */
				err = -errno;
				break;
			}
			fz->tids[fz->n] = tid;
			fz->sigs[fz->n] = 0;
			if (wait_stop(fz, fz->n) == 0) {
				fz->n++;
				added++;
			}
		}
		closedir(dir);
	} while (added && !err);
	if (err)
		thaw_process(fz);
	return err;
}

void thaw_process(struct freeze *fz)
{
	for (int i = 0; i < fz->n; i++)
		ptrace(PTRACE_DETACH, fz->tids[i], NULL, (void *)(long)fz->sigs[i]);
	fz->n = 0;
}
