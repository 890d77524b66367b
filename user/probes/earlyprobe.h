/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Uprobes registered before their BPF program is loaded. A process's first uprobe
 * registration waits for an RCU grace period (the kernel's dup_mmap_sem is taken for
 * writing): 10-40 ms here, the longest step of a launch after verification. Opened on a
 * thread while the skeletons load, it overlaps that wait, and the registrations that follow it
 * at once do not wait again; attach_uprobe (tracer.c) then only binds the program to the event
 * already there.
 */
#ifndef VIZBPF_EARLYPROBE_H
#define VIZBPF_EARLYPROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define EARLYPROBE_MAX 4

/* A uprobe at file+off in pid; pid -1: in every process that maps file (on CPU 0's event:
 * a BPF program bound to it runs on every hit, whatever the CPU). off 0: none. */
struct earlyprobe_req {
	pid_t pid;
	const char *file;
	uint64_t off;
};

/* Starts registering the n (<= EARLYPROBE_MAX) uprobes, on a thread. */
void earlyprobe_start(const struct earlyprobe_req *reqs, int n);

/* Whether a uprobe in every process (pid -1) is being registered, or was. */
bool earlyprobe_everywhere(void);

/* The perf event fd of the uprobe at file+off for pid (waits for the thread), -1 if none was
 * opened there: the caller owns it. */
int earlyprobe_take(pid_t pid, const char *file, uint64_t off);

/* Closes what was not taken (a launch that failed, or a probe attached otherwise). */
void earlyprobe_discard(void);

#endif
