/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Holding every thread of a running process still (ptrace seize +
 * interrupt), so vizbpf can read its stacks and change its interpreter
 * without racing its threads. Signals that arrive meanwhile are delivered
 * on release.
 */
#ifndef VZ_FREEZE_H
#define VZ_FREEZE_H

#include <stdint.h>
#include <sys/types.h>

#define FREEZE_MAX_THREADS 4096

/* In sigs: a BPF hold's SIGSTOP, dropped while frozen, sent again on release if still held. */
#define FREEZE_HELD_STOP (-1)

struct freeze {
	pid_t pid;
	int n;
	pid_t tids[FREEZE_MAX_THREADS];
	int sigs[FREEZE_MAX_THREADS]; /* signal to deliver on release, 0 for none */
};

/* Returns 0 with every thread stopped, or -errno (nothing left attached). */
int freeze_process(pid_t pid, struct freeze *fz);
/*
 * Single-steps each held thread whose instruction pointer is in [lo, hi) until it is out
 * (the preloaded evaluator's code: what it was writing is then whole). Returns 0, or
 * -ETIMEDOUT if one did not leave within FREEZE_MAX_STEPS instructions, or -errno.
 */
#define FREEZE_MAX_STEPS 100000
int freeze_step_out(struct freeze *fz, uint64_t lo, uint64_t hi);
/* Lets every thread go on. */
void thaw_process(struct freeze *fz);

#endif
