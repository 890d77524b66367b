// SPDX-License-Identifier: BSD-2-Clause
/*
 * forkstop: a fork()ed child of a process traced by the evaluator's probes (VZ_PROC_PROBED)
 * is stopped before its first instruction, so that user space probes it before any of its
 * Python code runs (procwatch.bpf.c reports the fork). A child of the preloaded evaluator
 * waits in its fork handler instead (vz_flow.fork_park) and needs none of this.
 *
 * Apart from procwatch because it needs the kernel's whole BTF (the kfunc, and a program
 * attached by BTF), which libbpf parses at its load (10-25 ms): user space loads it the first
 * time a process is to run traced by probes, not at every launch (user/probes/procwatch.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vizbpf.h"
#include "held.bpf.h"
#include "tree.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define SIGSTOP 19

/* Linux 6.13+: signal another task (the fork child, which has not run yet). */
extern int bpf_send_signal_task(struct task_struct *task, int sig, enum pid_type type,
				__u64 value) __ksym __weak;

/* Runs before the child can (the tracepoint precedes wake_up_new_task). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(stop_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ppid = BPF_CORE_READ(parent, tgid), cpid = BPF_CORE_READ(child, tgid);
	__u8 *st;

	if (ppid == cpid || !bpf_send_signal_task)
		return 0; /* a thread; or a kernel without the kfunc: the child runs untraced */
	st = bpf_map_lookup_elem(&tree, &ppid);
	if (!st || *st != VZ_PROC_PROBED)
		return 0;
	/* vfork (posix_spawn, subprocess): the child shares memory and only execs. */
	if (BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm))
		return 0;
	held_note(cpid | VZ_HELD_PROC, cpid);
	bpf_send_signal_task(child, SIGSTOP, PIDTYPE_TGID, 0);
	return 0;
}
