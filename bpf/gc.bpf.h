/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_gc: garbage collections of traced processes (included by vizbpf.bpf.c).
 *
 * gc_begin is attached where a collection begins (the collector's entry, or USDT gc__start),
 * gc_end where it ends (its return, or USDT gc__done); see symbols/gcsites.c. Both are attached
 * once per interpreter file for every process using it, and filtered on traced_pids. Neither
 * trusts registers: each reads the interpreter's generation_stats, and user space tells the
 * generation and counts from the difference (gc_diff).
 */
#ifndef __VZ_GC_BPF_H
#define __VZ_GC_BPF_H

/* Set by user space before the probes are attached (user/probes/gcprobe.c). */
__s32 gc_interp_main_off; /* _PyRuntime.interpreters.main, or -1: stats in _PyRuntime (3.8) */
__s32 gc_stats_off;       /* generation_stats from the interpreter (or _PyRuntime) */

struct gc_open {
	__u64 start_ns;
	__u64 stats;  /* where generation_stats is */
	__u64 before[VZ_GC_STATS];
};

/* Collections whose end was never seen: the kernel arms at most 64 uretprobes per thread, and
 * in attach mode the evaluator's take them first, so a collection that starts deeper than 64
 * Python frames returns unseen. The next one on the thread starts afresh. */
__u64 gc_unfinished;

/* By thread: a collection runs on one thread, holding the GIL. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct gc_open);
} gc_open SEC(".maps");

/* The attach cookie is the site's link-time address: with the probed IP it gives the load
 * bias, hence where _PyRuntime is in this process. */
SEC("uprobe")
int BPF_KPROBE(gc_begin)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	struct gc_open n = {};
	__u64 runtime, stats;

	if (!bpf_map_lookup_elem(&traced_pids, &pid))
		return 0;
	/* Collections do not nest (CPython checks gcstate->collecting first): one still open
	 * here ended unseen. */
	if (bpf_map_lookup_elem(&gc_open, &tid))
		__sync_fetch_and_add(&gc_unfinished, 1);
	runtime = PT_REGS_IP(ctx) - bpf_get_attach_cookie(ctx) + pyruntime_vaddr;
	stats = gc_interp_main_off >= 0 ? read_ptr(runtime + gc_interp_main_off) : runtime;
	if (!stats)
		return 0;
	stats += gc_stats_off;
	if (bpf_probe_read_user(n.before, sizeof(n.before), (const void *)stats))
		return 0;
	n.stats = stats;
	n.start_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&gc_open, &tid, &n, BPF_ANY);
	return 0;
}

SEC("uprobe")
int BPF_KPROBE(gc_end)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct vz_rec_gc *r;
	struct gc_open *o;

	o = bpf_map_lookup_elem(&gc_open, &tid);
	if (!o)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		bpf_map_delete_elem(&gc_open, &tid);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_GC, 0);
	r->start_ns = o->start_ns;
	__builtin_memcpy(r->before, o->before, sizeof(r->before));
	if (bpf_probe_read_user(r->after, sizeof(r->after), (const void *)o->stats))
		__builtin_memcpy(r->after, o->before, sizeof(r->after));
	bpf_map_delete_elem(&gc_open, &tid);
	bpf_ringbuf_submit(r, submit_flags());
	return 0;
}

#endif
