// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include "freeze.h"
#include "user/probes/held.h"

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
		if (WSTOPSIG(st) == SIGSTOP && held_contains(fz->tids[i])) {
			/* BPF's hold (bpf/held.bpf.h) taking effect now. Left in this stop, it
			 * would be delivered whenever the ptrace ends: after vizbpf's SIGCONT had
			 * let the hold go (a SIGCONT does not end a ptrace stop), or after vizbpf
			 * died, and the process would stay stopped with nothing left to continue
			 * it. So it is dropped here, and sent again on release only if still held. */
			fz->sigs[i] = FREEZE_HELD_STOP;
			if (ptrace(PTRACE_CONT, fz->tids[i], NULL, NULL) ||
			    ptrace(PTRACE_INTERRUPT, fz->tids[i], NULL, NULL))
				return -errno;
			continue;
		}
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

int freeze_step_out(struct freeze *fz, uint64_t lo, uint64_t hi)
{
	for (int i = 0; i < fz->n; i++) {
		pid_t tid = fz->tids[i];

		for (int steps = 0;; steps++) {
			struct user_regs_struct r;
			int st;

			if (ptrace(PTRACE_GETREGS, tid, NULL, &r) || r.rip < lo || r.rip >= hi)
				break;
			if (steps == FREEZE_MAX_STEPS)
				return -ETIMEDOUT;
			if (ptrace(PTRACE_SINGLESTEP, tid, NULL, NULL))
				return -errno;
			while (waitpid(tid, &st, __WALL) < 0)
				if (errno != EINTR)
					return -errno;
			if (WIFEXITED(st) || WIFSIGNALED(st))
				break; /* its exit (another thread's exit_group, ...) */
			/* A signal on the way: delivered on release, as for the others. */
			if (WIFSTOPPED(st) && WSTOPSIG(st) != SIGTRAP && st >> 16 != PTRACE_EVENT_STOP &&
			    !fz->sigs[i])
				fz->sigs[i] = WSTOPSIG(st);
		}
	}
	return 0;
}

void thaw_process(struct freeze *fz)
{
	for (int i = 0; i < fz->n; i++) {
		int sig = fz->sigs[i];

		if (sig == FREEZE_HELD_STOP)
			sig = held_contains(fz->tids[i]) ? SIGSTOP : 0;
		ptrace(PTRACE_DETACH, fz->tids[i], NULL, (void *)(long)sig);
	}
	fz->n = 0;
}
