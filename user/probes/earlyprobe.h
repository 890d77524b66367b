/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Uprobes registered before their BPF program is loaded. A process's first uprobe
 * registration waits for an RCU grace period (the kernel's dup_mmap_sem is taken for
 * writing): 10-40 ms here, the longest step of a launch after verification. Registered on a
 * thread while the skeletons load, it overlaps that wait, and the registrations that follow it
 * at once do not wait again; earlyprobe_bind() then only puts the program in place.
 *
 * Where the kernel has uprobe_multi links (uplink.h says why they are preferred), each probe is
 * one, made with a placeholder program that tail-calls slot 0 of its own program array: empty
 * until bound, so a hit before does nothing. Elsewhere, a perf-event uprobe, bound with
 * PERF_EVENT_IOC_SET_BPF.
 */
#ifndef VIZBPF_EARLYPROBE_H
#define VIZBPF_EARLYPROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <bpf/libbpf.h>
#include "uplink.h"

#define EARLYPROBE_MAX 4

/* A uprobe at file+off in pid; pid -1: in every process that maps file (a perf event: CPU 0's,
 * a BPF program bound to it runs on every hit, whatever the CPU). off 0: none. name: the
 * placeholder program's (<= 15 characters; bpftool shows it), after the program it will call. */
struct earlyprobe_req {
	pid_t pid;
	const char *file;
	uint64_t off;
	const char *name;
};

/* Starts registering the n (<= EARLYPROBE_MAX) uprobes, on a thread. */
void earlyprobe_start(const struct earlyprobe_req *reqs, int n);

/* Whether a uprobe in every process (pid -1) is being registered, or was. */
bool earlyprobe_everywhere(void);

/* The uprobe at file+off for pid, now calling prog (waits for the thread); NULL if none was
 * registered there or it cannot call prog (then the caller attaches it otherwise). prog must
 * be loaded with expected attach type VZ_BPF_TRACE_UPROBE_MULTI where uplink_multi_supported(). */
struct uplink *earlyprobe_bind(pid_t pid, const char *file, uint64_t off, struct bpf_program *prog);

/* Closes what was not bound (a launch that failed, or a probe attached otherwise). */
void earlyprobe_discard(void);

#endif
