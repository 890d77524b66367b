/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A tiny process forked by vizbpf before anything else, which outlives it: when vizbpf ends,
 * however it ends (SIGKILL, OOM kill, a crash), it sends SIGCONT to every thread or process
 * BPF stopped for vizbpf and that vizbpf did not let go (user/probes/held.h), then exits.
 * When vizbpf ends normally there is nothing left to let go, and it exits at once.
 * Holds vizbpf takes itself with ptrace are let go by the kernel when vizbpf dies.
 */
#ifndef VZ_WATCHDOG_H
#define VZ_WATCHDOG_H

#include <stdint.h>

/* Creates the map of held threads and forks the watchdog. Returns 0 or -errno (said why;
 * tracing goes on, uncovered). */
int watchdog_start(void);

/*
 * Writes into a target that vizbpf puts back at detach, and the watchdog puts back if vizbpf
 * dies first: before writing `now` (size 4 or 8) at addr in pid over `was`, note it. The
 * watchdog holds the process still and writes `was` back where `now` is still there.
 * (Journal full or no watchdog: nothing noted, said once.)
 */
void watchdog_note(uint32_t pid, uint64_t addr, uint32_t size, uint64_t now, uint64_t was);
/* Before widening a C recursion budget (cbudget.h): tstate's at addr, by widen_by over the
 * interpreter's c_limit. The watchdog narrows it back if tstate still lives. */
void watchdog_note_widen(uint32_t pid, uint64_t tstate, uint64_t addr, int32_t c_limit,
			 int32_t widen_by);
/* vizbpf put pid's writes back itself (or pid ended): forget them. */
void watchdog_forget(uint32_t pid);
/* vizbpf ends normally: what it did not put back stays on purpose. */
/* One write put back by vizbpf itself (pid's journal entry at addr). */
void watchdog_forget_at(uint32_t pid, uint64_t addr);
void watchdog_forget_all(void);

#endif
