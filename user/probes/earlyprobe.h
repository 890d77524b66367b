/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Uprobes registered before their BPF program is loaded. A process's first uprobe
 * registration waits for an RCU grace period (the kernel's dup_mmap_sem is taken for
 * writing): 25-40 ms here, the longest step of a launch after verification. Opened on a
 * thread while the skeletons load, it overlaps that wait; attach_uprobe (tracer.c) then only
 * binds the program to the event already there.
 */
#ifndef VIZBPF_EARLYPROBE_H
#define VIZBPF_EARLYPROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Starts registering uprobes at file+offs[i] (i < n, n <= 4) for pid, on a thread. */
void earlyprobe_start(pid_t pid, const char *file, const uint64_t *offs, int n);

/* The perf event fd of the uprobe at file+off for pid (waits for the thread), -1 if none was
 * opened there: the caller owns it. */
int earlyprobe_take(pid_t pid, const char *file, uint64_t off);

/* Closes what was not taken (a launch that failed). */
void earlyprobe_discard(void);

#endif
