// SPDX-License-Identifier: BSD-2-Clause
/*
 * procwatch: which processes vizbpf should trace, as they appear.
 *
 * - fork: a child of a traced process is reported, held before its first instruction
 *   (probed processes: by forkstop.bpf.c; the preloaded library holds its own children), so
 *   user space reads its stack and probes it before any of its Python code runs.
 * - exec: a member of the launched tree (or, with --all, any process passing --comm and
 *   --cgroup) that execs an executable not known to be something else is stopped before
 *   its first instruction and reported; user space probes it if it is CPython, then
 *   sends SIGCONT. Executables found not to be CPython are remembered by inode and never
 *   stopped again.
 *
 * One instance serves every interpreter traced (the per-interpreter programs are in
 * vizbpf.bpf.c).
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

/* --all: watch the execs of every process, not only the tree's. */
const volatile bool watch_all = false;
/* --comm NAME: only processes whose comm (the executable's or script's base name) is this. */
const volatile char comm_filter[16] = {};
const volatile bool use_comm = false;
/* --cgroup PATH: only processes in that cgroup or below (cgroup_filter[0]). */
const volatile bool use_cgroup = false;

__u64 lost_records;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} proc_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct vz_exe_key);
	__type(value, __u8);
} exe_verdict SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

/* --all's filters for an exec: 0 not wanted, 1 wanted, FILTER_CHECK_NAME its comm is not
 * NAME but its script may be: user space reads its command line (it is held meanwhile). */
#define FILTER_CHECK_NAME 2
static __always_inline int passes_filters(void)
{
	char comm[16];

	if (use_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return 0;
	if (use_comm) {
		bpf_get_current_comm(comm, sizeof(comm));
		for (int i = 0; i < 16; i++) {
			if (comm[i] != comm_filter[i])
				return FILTER_CHECK_NAME;
			if (!comm[i])
				break;
		}
	}
	return 1;
}

/* raw_tp, not tp_btf: a program attached by BTF makes libbpf parse the kernel's whole BTF at
 * every load; the kernel types read are cut for it (user/probes/kbtf.h). */
SEC("raw_tp/sched_process_fork")
int BPF_PROG(watch_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ppid = BPF_CORE_READ(parent, tgid), cpid = BPF_CORE_READ(child, tgid);
	struct vz_rec_fork *r;
	__u8 *st, cst;

	if (ppid == cpid)
		return 0; /* a thread */
	st = bpf_map_lookup_elem(&tree, &ppid);
	if (!st)
		return 0;
	/* vfork (posix_spawn, subprocess): the child shares memory and only execs. */
	if (BPF_CORE_READ(child, mm) == BPF_CORE_READ(parent, mm) || *st == VZ_PROC_MEMBER) {
		cst = VZ_PROC_MEMBER;
		bpf_map_update_elem(&tree, &cpid, &cst, BPF_ANY);
		return 0;
	}
	cst = *st;
	bpf_map_update_elem(&tree, &cpid, &cst, BPF_ANY);
	r = bpf_ringbuf_reserve(&proc_events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return 0;
	}
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->hdr.pid = cpid;
	r->hdr.tid = (__u32)bpf_get_current_pid_tgid();
	r->hdr.type = VZ_REC_FORK;
	r->hdr.lost_calls = 0;
	r->hdr.lost_returns = 0;
	r->hdr.flags = cst;
	r->parent = ppid;
	r->pad = 0;
	/* A probed child is stopped by forkstop.bpf.c until user space lets it go; one running
	 * the preloaded evaluator waits in its fork handler instead (vz_flow.fork_park), which
	 * needs nobody to let it go if vizbpf dies. */
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(watch_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct vz_exe_key key = {};
	struct vz_rec_exec *r;
	struct inode *inode;
	__u8 member = VZ_PROC_MEMBER, *st, *verdict;

	int want = 1;

	st = bpf_map_lookup_elem(&tree, &pid);
	if (!st) {
		want = watch_all ? passes_filters() : 0;
		if (!want)
			return 0;
	}
	/* A new program: whatever traced the old image does not apply to it. One whose name
	 * user space still checks joins the tree only if it passes (procwatch_set). */
	if (want != FILTER_CHECK_NAME)
		bpf_map_update_elem(&tree, &pid, &member, BPF_ANY);
	inode = BPF_CORE_READ(bprm, file, f_inode);
	key.ino = BPF_CORE_READ(inode, i_ino);
	key.dev = BPF_CORE_READ(inode, i_sb, s_dev);
	verdict = bpf_map_lookup_elem(&exe_verdict, &key);
	if (verdict && *verdict == VZ_EXE_OTHER)
		return 0;
	r = bpf_ringbuf_reserve(&proc_events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return 0;
	}
	r->hdr.ts_ns = bpf_ktime_get_ns();
	r->hdr.pid = pid;
	r->hdr.tid = (__u32)bpf_get_current_pid_tgid();
	r->hdr.type = VZ_REC_EXEC;
	r->hdr.lost_calls = 0;
	r->hdr.lost_returns = 0;
	r->hdr.flags = want == FILTER_CHECK_NAME ? VZ_F_EXEC_CHECK_NAME : 0;
	r->ino = key.ino;
	r->dev = key.dev;
	r->pad = 0;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	held_note(pid | VZ_HELD_EXEC, pid);
	bpf_send_signal(SIGSTOP);
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return 0;
}

/* raw: needs no tracefs mount */
SEC("raw_tp/sched_process_exit")
int watch_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;

	if ((__u32)id == pid)
		bpf_map_delete_elem(&tree, &pid);
	return 0;
}
