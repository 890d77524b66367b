/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --kernel: the traced processes' system calls and off-CPU time, on the same ring buffer as
 * their Python calls (so a thread's records stay in order) and the same clock.
 *
 * These programs run for every thread of the host (every system call of the host enters
 * x64_sys_call; sched_switch fires on every context switch), so the filter comes first and
 * costs one load: a bitmap of traced process ids in .bss, set by user space when it marks a
 * process traced (no hash lookup for the untraced). They are loaded and attached only when
 * asked for (user/probes/ktrace.c).
 */
#ifndef __KTRACE_BPF_H
#define __KTRACE_BPF_H

/* One bit per tgid, up to 4M (PID_MAX_LIMIT on 64-bit). */
#define VZ_KBITS_WORDS (1 << 16)
__u64 ktraced_bits[VZ_KBITS_WORDS];

/* Counters read by user space at the end. */
__u64 kernel_records; /* syscall and off-CPU records written */
__u64 kernel_lost;    /* ...and dropped (ring buffer full) */

/* Per syscall number (x86_64: < 512): 1-based index of its path argument, 0: none, VZ_SYS_SKIP:
 * never recorded. Filled by
 * user space from the syscall names, read at entry only for traced threads. */
#define VZ_SYS_NR_MAX 512
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VZ_SYS_NR_MAX);
	__type(key, __u32);
	__type(value, __u8);
} sys_path_arg SEC(".maps");

struct vz_kthread {
	__u64 enter_ns;   /* the open system call's entry, 0: none seen */
	__u64 args[3];
	__u64 off_ns;     /* switched out at, 0: on CPU (or not seen going off) */
	__u64 wake_ns;
	__u64 mem_ns;     /* last memory sample */
	__u64 mem_flt;    /* ...and its fault counts (min + maj): unchanged, none sent */
	__u32 nr;
	__u32 path_len;
	__u32 waker_tid;
	__u32 waker_pid;
	__u32 wake_cpu;
	__u8 state;
	__u8 oflags;
	__u8 pad[2];
	char waker_comm[16];
	char path[VZ_SYS_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vz_kthread);
} kthreads SEC(".maps");

/* What k_switch and k_waking report: off-CPU slices (--kernel sched), CPU tracks (cpu). */
const volatile bool offcpu_on = false;
const volatile bool cpu_on = false;
const volatile bool mem_on = false;
#define VZ_MEM_INTERVAL_NS 1000000

/* futex(2)'s number: a thread off CPU in it waits for the GIL or for a lock. */
const volatile __u32 futex_nr = 0;

/* Each traced process's GIL [lo, hi), from user space (symbols/pygil.c). */
struct vz_gil_range {
	__u64 lo;
	__u64 hi;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vz_gil_range);
} gil_ranges SEC(".maps");

/* prev sleeps in a futex: on its interpreter's GIL (VZ_OFF_GIL), or on anything else
 * (VZ_OFF_FUTEX: a threading.Lock, and everything CPython builds on one, or a C mutex or
 * condition), 0: not in a futex. The registers it entered the kernel with say so, with or
 * without the syscall tracepoints. */
static __always_inline __u8 futex_wait_kind(struct task_struct *prev)
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(prev);
	struct vz_gil_range *g;
	__u32 tgid = prev->tgid;
	__u64 uaddr;

	if (!futex_nr || !regs || BPF_CORE_READ(regs, orig_ax) != futex_nr)
		return 0;
	/* Where the GIL is not known (yet), a GIL wait must not pass for a lock wait. */
	g = bpf_map_lookup_elem(&gil_ranges, &tgid);
	if (!g)
		return 0;
	uaddr = BPF_CORE_READ(regs, di);
	return uaddr >= g->lo && uaddr < g->hi ? VZ_OFF_GIL : VZ_OFF_FUTEX;
}

static __always_inline bool ktraced(__u32 tgid)
{
	__u64 w = tgid >> 6;

	if (w >= VZ_KBITS_WORDS)
		return false;
	/* Masked after a barrier: the verifier must see the bound on the index it uses. */
	asm volatile("" : "+r"(w));
	w &= VZ_KBITS_WORDS - 1;
	return ktraced_bits[w] & (1ull << (tgid & 63));
}

static __always_inline void khdr(struct vz_rec_hdr *h, __u64 ts, __u32 pid, __u32 tid,
				 __u32 type)
{
	h->ts_ns = ts;
	h->pid = pid;
	h->tid = tid;
	h->type = type;
	h->flags = 0;
	h->lost_calls = 0;
	h->lost_returns = 0;
}

/*
 * Two ways in, one body. fentry/fexit on x64_sys_call, the dispatcher every x86_64 system call
 * goes through (Linux 6.9+, and stable kernels it was backported to), are BPF trampolines:
 * only that function is patched. The sys_enter/sys_exit tracepoints instead set
 * SYSCALL_WORK_SYSCALL_TRACEPOINT on every task of the host, so every system call (and, where
 * optimized uprobes enter by the uprobe syscall, every traced Python call) takes the slow
 * path. The tracepoints stay as the fallback where x64_sys_call is missing (user/probes/ktrace.c
 * picks at load time).
 */
static __always_inline void sys_enter(const struct pt_regs *regs, __u32 nr)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct vz_kthread *kt;
	__u8 *pa;
	__u64 addr = 0;
	long n;

	if (!ktraced(pid_tgid >> 32))
		return;
	pa = bpf_map_lookup_elem(&sys_path_arg, &nr);
	if (pa && *pa == VZ_SYS_SKIP)
		return;
	kt = bpf_task_storage_get(&kthreads, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!kt)
		return;
	kt->nr = nr;
	kt->args[0] = regs->di;
	kt->args[1] = regs->si;
	kt->args[2] = regs->dx;
	kt->path_len = 0;
	if (pa && *pa) {
		addr = *pa == 1 ? kt->args[0] : *pa == 2 ? kt->args[1] : kt->args[2];
		n = bpf_probe_read_user_str(kt->path, sizeof(kt->path), (const void *)addr);
		if (n > 0)
			kt->path_len = n;
	}
	/* Last: the entry time leaves out what this program costs. */
	kt->enter_ns = bpf_ktime_get_ns();
}

static __always_inline void sys_exit(long ret)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), now;
	struct vz_rec_syscall *r;
	struct vz_kthread *kt;
	__u32 plen;

	/* The filter first: every thread of the host comes here. */
	if (!ktraced(pid_tgid >> 32))
		return;
	now = bpf_ktime_get_ns();
	kt = bpf_task_storage_get(&kthreads, bpf_get_current_task_btf(), 0, 0);
	if (!kt || !kt->enter_ns)
		return;
	plen = kt->path_len;
	if (plen) {
		struct vz_rec_syscall_path *rp = bpf_ringbuf_reserve(&events, sizeof(*rp), 0);

		r = (struct vz_rec_syscall *)rp;
		if (rp)
			__builtin_memcpy(rp->path, kt->path, sizeof(rp->path));
	} else {
		r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	}
	if (!r) {
		kt->enter_ns = 0;
		__sync_fetch_and_add(&kernel_lost, 1);
		return;
	}
	khdr(&r->hdr, now, pid_tgid >> 32, (__u32)pid_tgid, VZ_REC_SYSCALL);
	r->start_ns = kt->enter_ns;
	r->ret = ret;
	r->args[0] = kt->args[0];
	r->args[1] = kt->args[1];
	r->args[2] = kt->args[2];
	r->nr = kt->nr;
	r->path_len = plen;
	kt->enter_ns = 0;
	__sync_fetch_and_add(&kernel_records, 1);
	bpf_ringbuf_submit(r, submit_flags());
}

SEC("fentry/x64_sys_call")
int BPF_PROG(k_sys_fentry, const struct pt_regs *regs, unsigned int nr)
{
	sys_enter(regs, nr);
	return 0;
}

SEC("fexit/x64_sys_call")
int BPF_PROG(k_sys_fexit, const struct pt_regs *regs, unsigned int nr, long ret)
{
	sys_exit(ret);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(k_sys_enter, struct pt_regs *regs, long id)
{
	sys_enter(regs, id);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(k_sys_exit, struct pt_regs *regs, long ret)
{
	sys_exit(ret);
	return 0;
}

/* --kernel cpu: the switch as ftrace text will say it (user/slices/kcpu.c). */
static __always_inline void emit_switch(__u64 now, bool preempt, struct task_struct *prev,
					struct task_struct *next, unsigned int prev_state,
					bool next_traced)
{
	struct vz_rec_switch *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&kernel_lost, 1);
		return;
	}
	if (next_traced)
		khdr(&r->hdr, now, next->tgid, next->pid, VZ_REC_SWITCH);
	else
		khdr(&r->hdr, now, prev->tgid, prev->pid, VZ_REC_SWITCH);
	r->hdr.flags = preempt ? VZ_SWITCH_PREEMPT : 0;
	r->cpu = bpf_get_smp_processor_id();
	r->prev_pid = prev->pid;
	r->prev_tgid = prev->tgid;
	r->next_pid = next->pid;
	r->next_tgid = next->tgid;
	r->prev_state = prev_state;
	r->prev_prio = prev->prio;
	r->next_prio = next->prio;
	__builtin_memcpy(r->prev_comm, prev->comm, sizeof(r->prev_comm));
	__builtin_memcpy(r->next_comm, next->comm, sizeof(r->next_comm));
	__sync_fetch_and_add(&kernel_records, 1);
	bpf_ringbuf_submit(r, submit_flags());
}

/* --kernel memory: prev's counters as it leaves the CPU, when they moved since its last
 * sample and that is at least VZ_MEM_INTERVAL_NS ago. */
static __always_inline void sample_mem(__u64 now, struct task_struct *prev)
{
	struct vz_kthread *kt = bpf_task_storage_get(&kthreads, prev, 0,
						     BPF_LOCAL_STORAGE_GET_F_CREATE);
	struct mm_struct *mm = prev->mm;
	struct vz_rec_mem *r;
	__u64 flt;

	if (!kt || !mm || now - kt->mem_ns < VZ_MEM_INTERVAL_NS)
		return;
	flt = prev->min_flt + prev->maj_flt;
	if (kt->mem_ns && flt == kt->mem_flt)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&kernel_lost, 1);
		return;
	}
	khdr(&r->hdr, now, prev->tgid, prev->pid, VZ_REC_MEM);
	/* MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES (not MM_SWAPENTS): the global part of each
	 * per-CPU counter, off by at most a batch per CPU. */
	r->rss_pages = mm->rss_stat[0].count + mm->rss_stat[1].count + mm->rss_stat[3].count;
	r->min_flt = prev->min_flt;
	r->maj_flt = prev->maj_flt;
	kt->mem_ns = now;
	kt->mem_flt = flt;
	__sync_fetch_and_add(&kernel_records, 1);
	bpf_ringbuf_submit(r, submit_flags());
}

SEC("tp_btf/sched_switch")
int BPF_PROG(k_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	bool prev_traced = ktraced(prev->tgid), next_traced = ktraced(next->tgid);
	struct vz_rec_offcpu *r;
	struct vz_kthread *kt;
	__u64 now;

	/* The filter first: every context switch of the host comes here. */
	if (!prev_traced && !next_traced)
		return 0;
	now = bpf_ktime_get_ns();

	if (cpu_on && (prev_traced || next_traced))
		emit_switch(now, preempt, prev, next, prev_state, next_traced);
	if (mem_on && prev_traced)
		sample_mem(now, prev);
	if (!offcpu_on)
		return 0;
	if (prev_traced) {
		kt = bpf_task_storage_get(&kthreads, prev, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (kt) {
			kt->off_ns = now;
			kt->wake_ns = 0;
			kt->waker_tid = kt->waker_pid = 0;
			kt->waker_comm[0] = 0;
			kt->oflags = 0;
			if (preempt || !(prev_state & 0xff))
				kt->state = VZ_OFF_PREEMPTED;
			else if (prev_state & 1) {
				kt->state = VZ_OFF_SLEEPING;
				kt->oflags |= futex_wait_kind(prev);
			}
			else if (prev_state & 2)
				kt->state = VZ_OFF_BLOCKED;
			else
				kt->state = VZ_OFF_OTHER;
			if (BPF_CORE_READ_BITFIELD_PROBED(prev, in_iowait))
				kt->oflags |= VZ_OFF_IOWAIT;
		}
	}
	if (!next_traced)
		return 0;
	kt = bpf_task_storage_get(&kthreads, next, 0, 0);
	if (!kt || !kt->off_ns)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		kt->off_ns = 0;
		__sync_fetch_and_add(&kernel_lost, 1);
		return 0;
	}
	khdr(&r->hdr, now, next->tgid, next->pid, VZ_REC_OFFCPU);
	r->off_ns = kt->off_ns;
	r->wake_ns = kt->wake_ns;
	r->waker_tid = kt->waker_tid;
	r->waker_pid = kt->waker_pid;
	r->cpu = bpf_get_smp_processor_id();
	r->wake_cpu = kt->wake_cpu;
	r->state = kt->state;
	r->oflags = kt->oflags;
	__builtin_memcpy(r->waker_comm, kt->waker_comm, sizeof(r->waker_comm));
	kt->off_ns = 0;
	__sync_fetch_and_add(&kernel_records, 1);
	bpf_ringbuf_submit(r, submit_flags());
	return 0;
}

/*
 * Whether current can be the waker: it runs in a system call (its saved user registers hold
 * the call's number), or is a kernel thread. An interrupt taken in user mode (a timer ending a
 * sleep) saves a negative orig_ax: current did not wake anyone. The per-CPU preemption count
 * would tell an interrupt in a system call too, but this kernel does not export it to BPF.
 */
static __always_inline bool waker_in_task_context(void)
{
	struct task_struct *cur = bpf_get_current_task_btf();
	struct pt_regs *regs;

	if (cur->flags & 0x00200000 /* PF_KTHREAD */)
		return true;
	regs = (struct pt_regs *)bpf_task_pt_regs(cur);
	return regs && (long)BPF_CORE_READ(regs, orig_ax) >= 0;
}

/* sched_waking, not sched_wakeup: it runs in the waker's context, so current is the waker
 * (or whatever an interrupt interrupted: a timer's wake-up names no real waker). */
SEC("tp_btf/sched_waking")
int BPF_PROG(k_waking, struct task_struct *p)
{
	__u64 pid_tgid;
	struct vz_kthread *kt;

	if (!ktraced(p->tgid))
		return 0;
	if (cpu_on) {
		struct vz_rec_waking *w = bpf_ringbuf_reserve(&events, sizeof(*w), 0);

		if (w) {
			pid_tgid = bpf_get_current_pid_tgid();
			khdr(&w->hdr, bpf_ktime_get_ns(), p->tgid, p->pid, VZ_REC_WAKING);
			w->target_cpu = BPF_CORE_READ(p, wake_cpu);
			w->prio = p->prio;
			w->waker_pid = (__u32)pid_tgid;
			w->cpu = bpf_get_smp_processor_id();
			__builtin_memcpy(w->comm, p->comm, sizeof(w->comm));
			__sync_fetch_and_add(&kernel_records, 1);
			bpf_ringbuf_submit(w, submit_flags());
		} else {
			__sync_fetch_and_add(&kernel_lost, 1);
		}
	}
	if (!offcpu_on)
		return 0;
	kt = bpf_task_storage_get(&kthreads, p, 0, 0);
	if (!kt || !kt->off_ns || kt->wake_ns)
		return 0;
	kt->wake_ns = bpf_ktime_get_ns();
	kt->wake_cpu = bpf_get_smp_processor_id();
	pid_tgid = bpf_get_current_pid_tgid();
	if (!(__u32)pid_tgid || !waker_in_task_context())
		return 0; /* an interrupt (a timer, an I/O completion): waker 0 */
	kt->waker_tid = (__u32)pid_tgid;
	kt->waker_pid = pid_tgid >> 32;
	bpf_get_current_comm(kt->waker_comm, sizeof(kt->waker_comm));
	if (kt->waker_pid && ktraced(kt->waker_pid))
		kt->oflags |= VZ_OFF_WAKER_TRACED;
	return 0;
}

/*
 * The last thread of a traced process exits: its pid leaves the filter, so a process given
 * the pid later is not traced by mistake. The bit is known set: adding its negation clears it
 * atomically (BPF has no atomic and before -mcpu=v3), alongside user space's atomic or.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(k_exit, struct task_struct *p)
{
	__u32 tgid = p->tgid;
	__u64 w = tgid >> 6;

	/* do_exit has counted this thread out of signal->live already. */
	if (!ktraced(tgid) || BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	asm volatile("" : "+r"(w));
	w &= VZ_KBITS_WORDS - 1;
	__sync_fetch_and_add(&ktraced_bits[w], -(1ull << (tgid & 63)));
	bpf_map_delete_elem(&gil_ranges, &tgid);
	return 0;
}

#endif /* __KTRACE_BPF_H */
