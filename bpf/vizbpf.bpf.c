// SPDX-License-Identifier: BSD-2-Clause
/*
 * vizbpf's BPF side: a uprobe/uretprobe pair on CPython's frame evaluator
 * (_PyEval_EvalFrameDefault) turns every Python call and return into a ring
 * buffer record; a tracepoint reports thread exits.
 *
 * 3.11+ inlines Python-to-Python calls inside one evaluator activation. They
 * are all un-inlined while interp->eval_frame != NULL: user space writes the
 * evaluator's own address there ("eval-frame unlock", see DESIGN.md) when
 * the first probe hit of a thread state announces it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "vizbpf.h"
#include "pyframe.bpf.h"
#include "codesig.bpf.h"
#include "held.bpf.h"

/* The bpf_probe_read_* helpers are GPL-only. */
char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* File address of _PyEval_EvalFrameDefault and _PyRuntime in the probed object: with the probe's
 * IP they give the load bias, hence _PyRuntime's run-time address (3.8 has no tstate argument). */
const volatile __u64 evalframe_vaddr = 0;
const volatile __u64 pyruntime_vaddr = 0;
/* <=3.10: frame->f_back is the caller when the frame starts (site_entry). */
const volatile bool caller_from_frame = false;
/* 3.12+: activations have entry frames on the C stack (VZ_FRAME_OWNED_BY_CSTACK). */
const volatile bool entry_frames = false;
/* Stop the first thread of each process at its first call (SIGSTOP, to the ptracer). */
const volatile bool stop_first_call = false;
/* 3.12: stop every thread state's first call too, so its C recursion budget is widened before
 * it can go deep (user space sends SIGCONT). */
const volatile bool stop_new_threads = false;
/* Force a reader wake-up once this much data waits (bytes); otherwise the reader polls. */
const volatile __u64 wakeup_bytes = 1 << 20;

/* Counters read by user space at the end (.bss). */
__u64 lost_records;      /* records dropped, ring buffer full: calls, returns, exits, thread
			  * announcements and names */
__u64 lost_calls;        /* ...of which calls (each a missing slice) */
__u64 lost_returns;      /* ...and returns */
__u64 lost_code_records; /* code-object records dropped (retried at the next call) */
/* Set by user space once py_return is attached (with the processes held still): from then on
 * each entry at depth < 64 gets a return instance from the kernel. */
__u32 returns_on;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	/* size set by user space (bpf_map__set_max_entries) */
} events SEC(".maps");

/*
 * The kernel keeps a uretprobe's return instances per thread, at most 64 nested
 * (MAX_URETPROBE_DEPTH): an entry at depth < 64 will see its return, a deeper one never.
 * BPF mirrors that stack: a return names the frame that returned, and an entry's caller is
 * the frame on top, both without reading the target's memory. Saturated (or empty: frames
 * entered before attach), the caller is read from the thread state.
 */
#define VZ_RET_DEPTH 64

/*
 * A call the recursion check refuses (RecursionError before its first instruction) never
 * started: sys.setprofile reports nothing for it, so no slice. It returns NULL with its
 * instruction position (off.frame_ip) where it was at entry. A call with a return instance is
 * checked at its return; a deeper one, which has none, at the thread's next call or return:
 * nothing else runs on the thread before it, and only a new frame at the same address (then
 * it is not checked) could overwrite where it stood. Unchecked (gen.throw(), gen.close(): they
 * raise where the frame stands and are reported as calls): ip ~0.
 */
#define VZ_IP_UNCHECKED (~0ull)

struct vz_thread {
	__u64 tstate;      /* thread state seen at the last call (returns read the frame from it) */
	__u64 seen_tstate; /* thread state already unlocked/boosted */
	__u32 depth;       /* return instances the kernel holds for this thread (ours) */
	__u32 pad;
	__u64 frames[VZ_RET_DEPTH]; /* their frames, outermost first */
	__u64 ips[VZ_RET_DEPTH];    /* ...and where each stood at entry */
	__u64 deep_frame;  /* the last call without a return instance, 0: checked already */
	__u64 deep_ip;
	/* Calls and returns of this thread dropped since its last record that got through: the
	 * next one carries them, so user space knows where the thread's stack has a gap. */
	__u32 lost_calls;
	__u32 lost_returns;
	/* Launch mode: the preloaded evaluator's buffer for this thread (struct vz_batch), 0
	 * until its first call on the entry site. */
	__u64 batch;
};

/* Task-local storage: no hashing on the per-call path (a hash map costs ~100 ns a lookup). */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct vz_thread);
} threads SEC(".maps");

/*
 * Code objects already described to user space: a direct-mapped cache
 * indexed by a hash of the address. A slot holds the address and a
 * signature of what is there (codesig.bpf.h), so a code object at a reused
 * address is described again. A collision only costs a repeated description.
 */
#define VZ_CODE_SLOTS 65536

/* What describe_code() returns besides bit 0 (Thread._bootstrap_inner). */
#define VZ_DESC_CUSTOM 0xeu          /* bits 1-3: enum vz_custom_kind */
#define VZ_DESC_COROUTINE (1u << 4)  /* the code is a coroutine's (co_flags) */

struct code_slot {
	__u64 code;
	__u64 sig;      /* computed here from the code window */
	__u64 fast_sig; /* computed by the preloaded evaluator */
	__u32 thread_start; /* bit 0: threading's Thread._bootstrap_inner (its call names the
			     * thread); bits 1-3: enum vz_custom_kind (custom.bpf.h);
			     * VZ_DESC_COROUTINE: a coroutine's code (--log_async) */
	__u32 args_named;   /* --log_func_args: its argument names were sent (funcargs.bpf.h) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, VZ_CODE_SLOTS);
	__type(key, __u32);
	__type(value, struct code_slot);
} codes SEC(".maps");

/* Processes whose first call was seen (stop_first_call). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} started_pids SEC(".maps");

/*
 * Launch mode's fast path: processes whose calls the probe sites carry from their first call
 * on. py_entry stays silent for them, so that its link can be closed after the program is let
 * go (the close waits ~0.1 s for grace periods: no longer inside the first call's hold).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} sited_pids SEC(".maps");
/* Set by user space with the first entry of sited_pids: until then py_entry skips the lookup. */
__u32 any_sited;

/* Processes whose thread exits are reported, and whose probe-site hits count. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u8);
} traced_pids SEC(".maps");

static __always_inline void fill_hdr(struct vz_rec_hdr *h, __u64 id, __u32 type, __u32 flags)
{
	h->ts_ns = bpf_ktime_get_ns();
	h->pid = id >> 32;
	h->tid = (__u32)id;
	h->type = type;
	h->flags = flags;
	h->lost_calls = 0;
	h->lost_returns = 0;
}

/* A call or return record of this thread could not be reserved. */
static __always_inline void note_lost(struct vz_thread *ti, __u32 calls, __u32 returns)
{
	__sync_fetch_and_add(&lost_records, calls + returns);
	if (calls)
		__sync_fetch_and_add(&lost_calls, calls);
	if (returns)
		__sync_fetch_and_add(&lost_returns, returns);
	if (ti) {
		ti->lost_calls += calls;
		ti->lost_returns += returns;
	}
}

/* The thread's state, looked up only once something was lost somewhere: the fast path has no
 * other use for it, and a lookup on each call would cost. */
static __always_inline struct vz_thread *thread_if_lost(void)
{
	if (!lost_records)
		return 0;
	return bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
}

/* Hands the thread's count of dropped calls and returns to a record that got through. */
static __always_inline void carry_lost(struct vz_rec_hdr *h, struct vz_thread *ti)
{
	if (!ti || !(ti->lost_calls | ti->lost_returns))
		return;
	h->lost_calls = ti->lost_calls;
	h->lost_returns = ti->lost_returns;
	ti->lost_calls = 0;
	ti->lost_returns = 0;
}

static __always_inline __u64 submit_flags(void)
{
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

/*
 * Once per thread state: tell user space, which un-inlines calls (3.11+) and widens the C
 * recursion budget (3.12+): this kernel's lockdown forbids bpf_probe_write_user. The first
 * call of a launched process also stops its thread, so nothing runs inlined before that.
 */
static __always_inline bool announce_thread(__u64 id, __u64 tstate, __u64 evalframe_addr)
{
	__u32 pid = id >> 32;
	struct vz_rec_thread *r;
	__u8 one = 1;
	bool stop;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return false;
	}
	stop = (stop_first_call && !bpf_map_update_elem(&started_pids, &pid, &one, BPF_NOEXIST)) ||
	       stop_new_threads;
	fill_hdr(&r->hdr, id, VZ_REC_THREAD, stop ? VZ_F_STOPPED : 0);
	r->tstate = tstate;
	r->evalframe_addr = evalframe_addr;
	/* Signal first: user space answers the record with SIGCONT, which must come after. */
	if (stop) {
		held_note((__u32)id, pid);
		bpf_send_signal_thread(19 /* SIGSTOP */);
	}
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	return true;
}

static __always_inline __u32 code_slot_index(__u64 code)
{
	return (__u32)((code >> 4) ^ (code >> 20)) & (VZ_CODE_SLOTS - 1);
}

#include "pythread.bpf.h"
#include "custom.bpf.h"
#include "funcargs.bpf.h"
#include "asynctask.bpf.h"

/*
 * Describes a code object the first time it is seen (or seen changed at the same address).
 * Returns bit 0: it is Thread._bootstrap_inner, bits 1-3: its enum vz_custom_kind,
 * VZ_DESC_COROUTINE: a coroutine's (known from the slot after the first time).
 */
static __always_inline __u32 describe_code(__u64 id, __u64 code, const __u8 *w)
{
	__u64 name = window_u64(w, off.code_qualname >= 0 ? off.code_qualname : off.code_name);
	__u64 file = window_u64(w, off.code_filename);
	__u64 sig = code_signature(w, id >> 32);
	__u32 idx = code_slot_index(code);
	struct code_slot *slot;
	struct vz_rec_code *r;

	slot = bpf_map_lookup_elem(&codes, &idx);
	if (!slot)
		return false;
	if (slot->code == code && slot->sig == sig)
		return slot->thread_start;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_code_records, 1);
		return false;
	}
	fill_hdr(&r->hdr, id, VZ_REC_CODE, 0);
	r->code = code;
	r->firstlineno = window_u32(w, off.code_firstlineno);
	r->co_flags = window_u32(w, off.code_flags);
	read_pystr(name, &r->name_hdr, r->name, VZ_NAME_MAX);
	read_pystr(file, &r->file_hdr, r->file, VZ_FILE_MAX);
	slot->thread_start = is_thread_start(r) | custom_kind(r) << 1 |
			     (r->co_flags & VZ_CO_COROUTINE ? VZ_DESC_COROUTINE : 0);
	bpf_ringbuf_submit(r, 0);
	slot->code = code;
	slot->sig = sig;
	slot->args_named = 0;
	return slot->thread_start;
}

/* describe_code() for the fast path: the signature comes computed; read only on a miss, or
 * when the evaluator says the code object is new to it (VZ_SIG_NEW). */
static __always_inline __u32 describe_code_if_new(__u64 id, __u64 code, __u64 sig)
{
	__u32 idx = code_slot_index(code);
	__u8 window[VZ_CODE_WINDOW_MAX] __attribute__((aligned(8)));
	struct code_slot *slot;
	bool is_new = sig & VZ_SIG_NEW;

	sig = (sig & ~VZ_SIG_NEW) ^ (id >> 32);
	__u32 thread_start;

	slot = bpf_map_lookup_elem(&codes, &idx);
	if (!slot)
		return false;
	if (!is_new && slot->code == code && slot->fast_sig == sig)
		return slot->thread_start;
	if (bpf_probe_read_user(window, sizeof(window), (const void *)(code + code_window_off)))
		read_code_fields(code, window);
	slot->code = 0; /* describe_code() below fills the slot with its own signature */
	thread_start = describe_code(id, code, window);
	if (slot->code == code)
		slot->fast_sig = sig;
	return thread_start;
}

/* Where a frame stands now (4 bytes up to 3.10: f_lasti is an int). */
static __always_inline __u64 frame_ip_now(__u64 frame)
{
	__u64 ip = read_ptr(frame + off.frame_ip);

	return off.frame_owner < 0 ? (__u32)ip : ip;
}

/*
 * 3.11+: a deep call's frame is gone (its data-stack chunk freed) by the thread's next event,
 * so whether the recursion check will refuse it is decided at its entry, as the evaluator
 * decides it (Python/ceval.c, Include/internal/pycore_ceval.h): unless an overflow is being
 * handled already (recursion_headroom), 3.11 refuses when recursion_remaining <= 0; 3.12+ when
 * c_recursion_remaining <= 1 (the evaluator takes 1, then checks the next one) or
 * py_recursion_remaining <= 0.
 */
static __always_inline bool will_refuse(__u64 tstate)
{
	__s32 headroom = 0, py = 1, c = 2;

	if (!tstate || off.tstate_py_recursion_remaining < 0 || off.tstate_recursion_headroom < 0)
		return false;
	bpf_probe_read_user(&headroom, sizeof(headroom),
			    (const void *)(tstate + off.tstate_recursion_headroom));
	bpf_probe_read_user(&py, sizeof(py),
			    (const void *)(tstate + off.tstate_py_recursion_remaining));
	if (off.tstate_c_recursion_remaining >= 0)
		bpf_probe_read_user(&c, sizeof(c),
				    (const void *)(tstate + off.tstate_c_recursion_remaining));
	return !headroom && (py <= 0 || c <= 1);
}

/* The thread's last call without a return instance never started: say so (before the event
 * that reveals it). */
static __always_inline void check_deep_call(__u64 id, struct vz_thread *ti, __u64 frame,
					    __u64 caller)
{
	struct vz_rec_return *r;
	__u64 deep = ti->deep_frame;

	if (!deep)
		return;
	ti->deep_frame = 0;
	if (frame == deep || caller == deep || ti->deep_ip == VZ_IP_UNCHECKED ||
	    frame_ip_now(deep) != ti->deep_ip)
		return;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		note_lost(ti, 0, 1);
		return;
	}
	fill_hdr(&r->hdr, id, VZ_REC_RETURN, VZ_F_RETURN_FRAME | VZ_F_REFUSED);
	carry_lost(&r->hdr, ti);
	r->caller = deep;
	bpf_ringbuf_submit(r, submit_flags());
}

/*
 * describe_code() with the code object's fields read here: the window lives in this
 * subprogram's frame, not py_entry's, which also calls send_custom() and send_args() (the
 * verifier caps a call chain's stack at 512 bytes). Global, not static: verified once on its
 * own, not in every state py_entry reaches it in (py_entry's load ~20% faster); it takes and
 * returns only scalars.
 */
__noinline __u32 describe_code_at(__u64 id, __u64 code)
{
	/* Aligned: BPF rejects misaligned stack loads of the fields (window_u64()). */
	__u8 code_window[VZ_CODE_WINDOW_MAX] __attribute__((aligned(8)));

	if (bpf_probe_read_user(code_window, sizeof(code_window),
				(const void *)(code + code_window_off)))
		read_code_fields(code, code_window);
	return describe_code(id, code, code_window);
}

SEC("uprobe")
int BPF_KPROBE(py_entry)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u8 frame_window[VZ_FRAME_WINDOW_MAX] __attribute__((aligned(8)));
	struct vz_rec_call *r;
	struct vz_thread *ti;
	__u64 frame, tstate, code, arg1, arg2, arg3, caller, ip;
	__u32 flags = 0, throwflag, described;
	__u8 owner;
	__u64 ts;

	if (any_sited) {
		__u32 pid = id >> 32;

		if (bpf_map_lookup_elem(&sited_pids, &pid))
			return 0;
	}
	/* Read the argument registers first: a ctx offset chosen at run time is rejected. */
	arg1 = PT_REGS_PARM1(ctx);
	arg2 = PT_REGS_PARM2(ctx);
	arg3 = PT_REGS_PARM3(ctx);
	asm volatile("" : "+r"(arg1), "+r"(arg2), "+r"(arg3));
	frame = off.frame_arg == 1 ? arg1 : arg2;
	throwflag = off.frame_arg == 1 ? arg2 : arg3;
	if (off.tstate_arg == 1)
		tstate = arg1;
	else /* 3.8: the thread holding the GIL, from _PyRuntime (biased by where we were hit) */
		tstate = read_ptr(PT_REGS_IP(ctx) - evalframe_vaddr + pyruntime_vaddr +
				  off.runtime_tstate_current);

	ti = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ti)
		return 0;
	if (ti->seen_tstate != tstate && tstate && announce_thread(id, tstate, PT_REGS_IP(ctx)))
		ti->seen_tstate = tstate;
	ti->tstate = tstate;

	/*
	 * One read for the frame's fields and one for the code object's. A window can run past
	 * the end of a mapping (a frame at the end of a data-stack chunk): then read field by field.
	 */
	if (bpf_probe_read_user(frame_window, sizeof(frame_window),
				(const void *)(frame + frame_window_off))) {
		code = read_ptr(frame + off.frame_code);
		owner = 0xff;
		if (off.frame_owner >= 0)
			bpf_probe_read_user(&owner, 1, (const void *)(frame + off.frame_owner));
		ip = frame_ip_now(frame);
	} else {
		code = window_u64_at(frame_window, frame_window_off, VZ_FRAME_WINDOW_MAX,
				     off.frame_code);
		owner = window_u8_at(frame_window, frame_window_off, VZ_FRAME_WINDOW_MAX,
				     off.frame_owner);
		ip = window_u64_at(frame_window, frame_window_off, VZ_FRAME_WINDOW_MAX,
				   off.frame_ip);
		if (off.frame_owner < 0)
			ip = (__u32)ip;
	}
	if (throwflag)
		ip = VZ_IP_UNCHECKED;
	if (!code)
		return 0;
	described = describe_code_at(id, code);
	if (described & 1)
		send_thread_name(id, frame);

	/* Generator creation (3.11+) runs a thread-owned frame; resumes run generator-owned ones. */
	if (off.frame_owner >= 0 && owner == 0)
		flags |= VZ_F_OWNED_BY_THREAD;

	if (ti->depth > 0 && ti->depth < VZ_RET_DEPTH) {
		caller = ti->frames[(ti->depth - 1) & (VZ_RET_DEPTH - 1)];
		/* 3.12+: the activation on top may be clearing its frame, which has returned (see
		 * VZ_FRAME_OWNED_BY_CSTACK); then the thread's current frame is not that frame. */
		if (entry_frames) {
			__u64 current = current_frame(tstate);

			if (current != caller)
				caller = skip_entry_frames(current);
		}
	} else {
		caller = current_frame(tstate);
		if (entry_frames)
			caller = skip_entry_frames(caller);
	}
	check_deep_call(id, ti, frame, caller);
	/* The kernel is about to take a return instance for this call: it will be seen. */
	if (returns_on && ti->depth < VZ_RET_DEPTH) {
		ti->frames[ti->depth & (VZ_RET_DEPTH - 1)] = frame;
		ti->ips[ti->depth & (VZ_RET_DEPTH - 1)] = ip;
		ti->depth++;
		flags |= VZ_F_RETURN_FRAME;
	} else if (off.frame_owner < 0) {
		/* <=3.10: the frame object outlives the call for a while (a zombie frame). */
		ti->deep_frame = frame;
		ti->deep_ip = ip;
	} else if (ip != VZ_IP_UNCHECKED && will_refuse(tstate)) {
		flags |= VZ_F_REFUSED;
	}
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		note_lost(ti, 1, 0);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_CALL, flags);
	carry_lost(&r->hdr, ti);
	r->code = code;
	r->frame = frame;
	r->caller = caller;
	ts = r->hdr.ts_ns;
	bpf_ringbuf_submit(r, submit_flags());
	if (described & VZ_DESC_CUSTOM)
		send_custom(id, frame, (described & VZ_DESC_CUSTOM) >> 1, ts);
	if (log_args)
		send_args(id, frame, code);
	if (log_async && (described & VZ_DESC_COROUTINE))
		send_task(id, frame, caller);
	return 0;
}

/* Scratch for a batch (too big for the BPF stack). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vz_rec_batch);
} batch_scratch SEC(".maps");

/*
 * Hands over the n calls and returns the preloaded evaluator buffered (buf: its struct
 * vz_batch). Returns false if they could not be (then they are counted lost). A global
 * function: verified once, not in each of its three callers.
 */
__noinline bool emit_batch(__u64 id, __u64 buf, __u64 n)
{
	struct vz_rec_batch *r;
	struct vz_thread *ti;
	__u32 zero = 0, calls;
	__u64 size;

	if (!n)
		return true;
	if (n > VZ_BATCH_MAX)
		n = VZ_BATCH_MAX;
	r = bpf_map_lookup_elem(&batch_scratch, &zero);
	if (!r)
		return false;
	size = sizeof(r->seq) + (n & (2 * VZ_BATCH_MAX - 1)) * sizeof(struct vz_batch_slot);
	if (size > sizeof(r->seq) + sizeof(r->s) ||
	    bpf_probe_read_user(&r->seq, size, (const void *)(buf + offsetof(struct vz_batch, seq))))
		goto lost;
	r->hdr.ts_ns = r->s[0].ts_ns;
	r->hdr.pid = id >> 32;
	r->hdr.tid = (__u32)id;
	r->hdr.type = VZ_REC_BATCH;
	r->hdr.flags = n;
	r->hdr.lost_calls = 0;
	r->hdr.lost_returns = 0;
	ti = thread_if_lost();
	carry_lost(&r->hdr, ti);
	if (!bpf_ringbuf_output(&events, r, sizeof(r->hdr) + size, submit_flags()))
		return true;
	ti = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	/* What this record was to carry waits for the next one, with the new loss. */
	if (ti) {
		ti->lost_calls += r->hdr.lost_calls;
		ti->lost_returns += r->hdr.lost_returns;
	}
	/* How many of them are calls, the evaluator counts (a loop here costs ~0.2 s of
	 * verification at every start). */
	if (bpf_probe_read_user(&calls, sizeof(calls), (const void *)(buf + offsetof(struct vz_batch, calls))) ||
	    calls > n)
		calls = n;
	note_lost(ti, calls, n - calls);
	return false;
lost:
	/* Unreadable: no telling calls from returns; each slot counts as a lost call. */
	note_lost(bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				       BPF_LOCAL_STORAGE_GET_F_CREATE), n, 0);
	return false;
}

/*
 * Launch mode's fast path: the probe sites of libvizbpf-eval.so (user/preload/evalhook.c).
 * The entry site passes, in registers: frame (rdi), code (rsi), caller (rdx), the code
 * object's signature (rcx), the time (r8), the thread's noted returns (r9) and their count
 * (rax). Everything was read in-process: no bpf_probe_read_user here unless a code object is
 * new or returns are pending.
 */
SEC("uprobe")
int BPF_KPROBE(site_entry)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u64 code = PT_REGS_PARM2(ctx), sig = PT_REGS_PARM4(ctx);
	struct vz_rec_call *r;
	struct vz_thread *ti;
	__u32 described, pid = id >> 32;

	/* The sites are probed in every process that maps the library (one registration, no
	 * per-process one at each fork): only this tracer's processes count. */
	if (!bpf_map_lookup_elem(&traced_pids, &pid))
		return 0;

	emit_batch(id, ctx->r9, PT_REGS_RC(ctx)); /* PT_REGS_PARM6: not in libbpf 1.1 */
	/* Where this thread buffers, for its exit (handle_exit). The evaluator makes a thread's
	 * first call here, on the site. */
	ti = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ti)
		ti->batch = ctx->r9;
	described = describe_code_if_new(id, code, sig);
	if (described & 1)
		send_thread_name(id, PT_REGS_PARM1(ctx));
	if (described & VZ_DESC_CUSTOM)
		send_custom(id, PT_REGS_PARM1(ctx), (described & VZ_DESC_CUSTOM) >> 1,
			    PT_REGS_PARM5(ctx));
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		note_lost(bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0,
					       BPF_LOCAL_STORAGE_GET_F_CREATE), 1, 0);
		return 0;
	}
	r->hdr.ts_ns = PT_REGS_PARM5(ctx);
	r->hdr.pid = id >> 32;
	r->hdr.tid = (__u32)id;
	r->hdr.type = VZ_REC_CALL;
	r->hdr.flags = VZ_F_RETURN_FRAME;
	r->hdr.lost_calls = 0;
	r->hdr.lost_returns = 0;
	carry_lost(&r->hdr, thread_if_lost());
	r->code = code;
	r->frame = PT_REGS_PARM1(ctx);
	r->caller = PT_REGS_PARM3(ctx);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	if (log_args)
		send_args(id, PT_REGS_PARM1(ctx), code);
	if (log_async && (described & VZ_DESC_COROUTINE))
		send_task(id, PT_REGS_PARM1(ctx), PT_REGS_PARM3(ctx));
	return 0;
}

/*
 * The flush site: the thread's outermost frame returned, its buffer is full, or the
 * thread ends (rdx VZ_FLUSH_FORGET). With
 * --log_func_retval also each return, before it is noted: rdx holds the frame returning (0 on
 * a plain flush) and rsi its value, sent after the returns noted before it.
 */
SEC("uprobe")
int BPF_KPROBE(site_flush)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;

	if (!bpf_map_lookup_elem(&traced_pids, &pid))
		return 0;

	emit_batch(id, PT_REGS_PARM1(ctx), PT_REGS_RC(ctx));
	if (PT_REGS_PARM3(ctx) == VZ_FLUSH_FORGET) {
		/* The thread is ending and its buffer goes (a new one may get its address). */
		struct vz_thread *ti = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);

		if (ti)
			ti->batch = 0;
		return 0;
	}
	if (log_retval)
		send_retval(id, PT_REGS_PARM3(ctx), PT_REGS_PARM2(ctx));
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(py_return)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct vz_rec_return *r;
	struct vz_thread *ti;
	__u64 frame, ip;
	__u32 flags = 0;

	/* An exec'd process switched to the probe sites at its first call (its evaluator
	 * probes close in the background): each call's return there is the sites'. */
	if (any_sited) {
		__u32 pid = id >> 32;

		if (bpf_map_lookup_elem(&sited_pids, &pid))
			return 0;
	}
	ti = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!ti)
		return 0;
	check_deep_call(id, ti, 0, 0);
	/* Pop first: the kernel has taken the return instance, whether or not the record fits;
	 * a stack left one too deep would give later calls a returned frame as their caller. */
	if (ti->depth > 0 && ti->depth <= VZ_RET_DEPTH) {
		ti->depth--;
		frame = ti->frames[ti->depth & (VZ_RET_DEPTH - 1)];
		ip = ti->ips[ti->depth & (VZ_RET_DEPTH - 1)];
		flags = VZ_F_RETURN_FRAME;
		if (!PT_REGS_RC(ctx) && ip != VZ_IP_UNCHECKED && frame_ip_now(frame) == ip)
			flags |= VZ_F_REFUSED;
	} else {
		frame = current_frame(ti->tstate);
	}
	/* Its value first: user space shows it when the return closes the slice. A frame of the
	 * stack's (VZ_F_RETURN_FRAME) that ran (not refused) and did not raise (rax != NULL). */
	if (log_retval && (flags & (VZ_F_RETURN_FRAME | VZ_F_REFUSED)) == VZ_F_RETURN_FRAME)
		send_retval(id, frame, PT_REGS_RC(ctx));
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		note_lost(ti, 0, 1);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_RETURN, flags);
	carry_lost(&r->hdr, ti);
	r->caller = frame;
	bpf_ringbuf_submit(r, submit_flags());
	return 0;
}

/*
 * 3.8-3.11 (no co_version): a uprobe on code objects' tp_dealloc. The next code object at this
 * address, its name and file name strings maybe at their old addresses too, is described anew.
 */
SEC("uprobe")
int BPF_KPROBE(code_freed)
{
	__u64 code = PT_REGS_PARM1(ctx);
	__u32 idx = code_slot_index(code);
	struct code_slot *slot;

	slot = bpf_map_lookup_elem(&codes, &idx);
	if (slot && slot->code == code)
		slot->code = 0;
	return 0;
}

/*
 * Exit records that did not fit, kept when they had to say that records of the thread were lost
 * (its last words): user space reads them after the ring buffer (tracer_drain), by tid.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct vz_rec_exit);
} exits_lost SEC(".maps");

#include "ktrace.bpf.h"
#include "print.bpf.h"
#include "gc.bpf.h"
#include "exc.bpf.h"
#include "audit.bpf.h"

/*
 * The process's last thread is ending (do_exit counted it out of signal->live before this
 * tracepoint, in every version): its pid leaves traced_pids, for a process that may get the
 * pid next to be nobody's (the probe sites count hits of traced_pids only).
 */
static __always_inline void forget_if_last(__u32 pid)
{
	struct task_struct *task = bpf_get_current_task_btf();

	if (BPF_CORE_READ(task, signal, live.counter) == 0)
		bpf_map_delete_elem(&traced_pids, &pid);
}

/*
 * A traced thread execs (kernel 6.10+: this runs before its memory is replaced): what the
 * preloaded evaluator buffered for it goes first. A library loaded by --inject does not wrap
 * execve() as the preloaded one does (which hands the buffer over itself: nothing is left here
 * then); the other threads' buffers go as the exec ends them (handle_exit). raw_tp, not tp_btf:
 * a program attached by BTF would make libbpf read the kernel's whole BTF at every load.
 */
SEC("raw_tp/sched_prepare_exec")
int BPF_PROG(handle_prepare_exec)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, n = 0;
	struct vz_thread *ti;

	if (!bpf_map_lookup_elem(&traced_pids, &pid))
		return 0;
	ti = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	if (!ti || !ti->batch)
		return 0;
	if (!bpf_probe_read_user(&n, sizeof(n), (const void *)ti->batch) && n)
		emit_batch(id, ti->batch, n);
	ti->batch = 0; /* it goes with the old memory */
	return 0;
}

/*
 * A traced process exec'd: the thread that did is a new thread of a new program, with nothing
 * of what BPF knew of it. Its thread state may even be at the same address in a non-PIE
 * interpreter (3.11+: the main thread's is in _PyRuntime), which would pass for announced.
 */
SEC("raw_tp/sched_process_exec")
int handle_exec(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;

	if (bpf_map_lookup_elem(&traced_pids, &pid))
		bpf_task_storage_delete(&threads, bpf_get_current_task_btf());
	return 0;
}

/* raw: needs no tracefs mount */
SEC("raw_tp/sched_process_exit")
int handle_exit(void *ctx)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32;
	struct vz_rec_exit *r, kept;
	struct vz_thread *ti;
	__u32 tid = id;

	if (!bpf_map_lookup_elem(&traced_pids, &pid))
		return 0;
	ti = bpf_task_storage_get(&threads, bpf_get_current_task_btf(), 0, 0);
	/* What the preloaded evaluator buffered for this thread: this runs before the process's
	 * memory is torn down, however the thread ends (os._exit(), a fatal signal, exec). */
	if (ti && ti->batch) {
		__u32 n = 0;

		if (!bpf_probe_read_user(&n, sizeof(n), (const void *)ti->batch) && n)
			emit_batch(id, ti->batch, n);
	}
	/* The thread's last records may have been dropped: its exit says so. */
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		if (ti && (ti->lost_calls | ti->lost_returns)) {
			fill_hdr(&kept.hdr, id, VZ_REC_EXIT, 0);
			carry_lost(&kept.hdr, ti);
			bpf_get_current_comm(kept.comm, sizeof(kept.comm));
			bpf_map_update_elem(&exits_lost, &tid, &kept, BPF_ANY);
		}
		bpf_task_storage_delete(&threads, bpf_get_current_task_btf());
		forget_if_last(pid);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_EXIT, 0);
	carry_lost(&r->hdr, ti);
	bpf_task_storage_delete(&threads, bpf_get_current_task_btf());
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	bpf_ringbuf_submit(r, BPF_RB_FORCE_WAKEUP);
	forget_if_last(pid);
	return 0;
}
