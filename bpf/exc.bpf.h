/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_exception (included by vizbpf.bpf.c): exceptions raised in Python frames.
 *
 * The evaluator calls PyTraceBack_Here(frame) once for each frame an exception passes through,
 * as it enters the frame's handler search: the frame where it was raised first, then each
 * caller it propagates to (a re-raise at the end of a finally/with block does not call it).
 * At entry the traceback is the way up so far: an exception propagating from a callee has the
 * callee's entry on top, whose frame's f_back is this frame; anything else (no traceback, or
 * one from an earlier raise, `raise e`) was raised in this frame. Only those are reported,
 * from the return, where the new entry holds tb_lineno (3.8-3.10) and tb_lasti (3.11+: the
 * line comes from the location table in user space, tb_lineno is computed lazily there).
 * Attached once per interpreter file for every process using it, filtered on traced_pids.
 */
#ifndef __VZ_EXC_BPF_H
#define __VZ_EXC_BPF_H

struct vz_exc_layout exc_l; /* set by user space before attaching (user/probes/excprobe.c) */

#define VZ_TPFLAGS_TUPLE (1ull << 26)
#define VZ_TPFLAGS_UNICODE (1ull << 28)
#define VZ_TPFLAGS_BASE_EXC (1ull << 30)

struct exc_open {
	__u64 tstate;
	__u64 frame;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct exc_open);
} exc_open SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vz_rec_exception);
} exc_scratch SEC(".maps");

static __always_inline void exc_state(__u64 tstate, __u64 *type, __u64 *value, __u64 *tb)
{
	if (exc_l.tstate_exc >= 0) {
		__u64 exc = read_ptr(tstate + exc_l.tstate_exc);

		*value = exc;
		*type = exc ? read_ptr(exc + 8) : 0;
		*tb = exc ? read_ptr(exc + exc_l.exc_traceback) : 0;
	} else {
		*type = read_ptr(tstate + exc_l.tstate_type);
		*value = read_ptr(tstate + exc_l.tstate_value);
		*tb = read_ptr(tstate + exc_l.tstate_tb);
	}
}

/* PyTracebackObject: PyObject_HEAD, tb_next, tb_frame, tb_lasti, tb_lineno (3.8-3.13). */
#define VZ_TB_NEXT 16
#define VZ_TB_FRAME 24
#define VZ_TB_LASTI 32
#define VZ_TB_LINENO 36

/* The cookie is PyTraceBack_Here's link-time address: with the IP, the load bias. */
SEC("uprobe")
int BPF_KPROBE(exc_enter)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 pid = id >> 32, tid = (__u32)id;
	__u64 frame = PT_REGS_PARM1(ctx), runtime, tstate, type, value, tb;
	struct exc_open o;

	if (!bpf_map_lookup_elem(&traced_pids, &pid))
		return 0;
	runtime = PT_REGS_IP(ctx) - bpf_get_attach_cookie(ctx) + pyruntime_vaddr;
	if (exc_l.runtime_tstate >= 0) {
		tstate = read_ptr(runtime + exc_l.runtime_tstate);
	} else {
		/* 3.12+: the thread state holding the (main interpreter's) GIL: this thread's. */
		__u64 interp = read_ptr(runtime + exc_l.runtime_main);
		__u64 gil = interp ? read_ptr(interp + exc_l.interp_gil) : 0;

		tstate = gil ? read_ptr(gil + exc_l.gil_last_holder) : 0;
	}
	if (!tstate || !frame)
		return 0;
	exc_state(tstate, &type, &value, &tb);
	if (!type)
		return 0;
	/* Propagated from a callee: its entry is on top, and the callee's caller is this frame. */
	if (tb && read_ptr(read_ptr(tb + VZ_TB_FRAME) + exc_l.frame_back) == frame)
		return 0;
	o.tstate = tstate;
	o.frame = frame;
	bpf_map_update_elem(&exc_open, &tid, &o, BPF_ANY);
	return 0;
}

static __always_inline __u64 exc_message(__u64 value)
{
	__u64 flags, args;
	__s64 n;

	if (!value)
		return 0;
	flags = read_ptr(read_ptr(value + 8) + exc_l.type_flags);
	if (flags & VZ_TPFLAGS_UNICODE)
		return value; /* <=3.11, not normalized yet: the message itself */
	if (flags & VZ_TPFLAGS_BASE_EXC)
		args = read_ptr(value + exc_l.exc_args);
	else if (flags & VZ_TPFLAGS_TUPLE)
		args = value;
	else
		return 0;
	n = (__s64)read_ptr(args + 16);
	if (n < 1)
		return 0;
	value = read_ptr(args + 24);
	flags = read_ptr(read_ptr(value + 8) + exc_l.type_flags);
	return flags & VZ_TPFLAGS_UNICODE ? value : 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(exc_return)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id, zero = 0, n;
	__u64 type, value, tb, code, table = 0, size;
	struct vz_rec_exception *r;
	struct exc_open *o;

	o = bpf_map_lookup_elem(&exc_open, &tid);
	if (!o)
		return 0;
	r = bpf_map_lookup_elem(&exc_scratch, &zero);
	if (!r || PT_REGS_RC(ctx))
		goto out;
	exc_state(o->tstate, &type, &value, &tb);
	if (!tb || read_ptr(tb + VZ_TB_FRAME) != o->frame)
		goto out;
	fill_hdr(&r->hdr, id, VZ_REC_EXCEPTION, 0);
	if (exc_l.frame_iframe >= 0)
		code = read_ptr(read_ptr(o->frame + exc_l.frame_iframe) + off.frame_code);
	else
		code = read_ptr(o->frame + off.frame_code);
	r->code = code;
	r->lineno = -1;
	r->lasti = -1;
	bpf_probe_read_user(&r->lineno, 4, (const void *)(tb + VZ_TB_LINENO));
	bpf_probe_read_user(&r->lasti, 4, (const void *)(tb + VZ_TB_LASTI));
	r->firstlineno = 0;
	bpf_probe_read_user(&r->firstlineno, 4, (const void *)(code + off.code_firstlineno));
	r->type[0] = 0;
	bpf_probe_read_user_str(r->type, sizeof(r->type),
				(const void *)read_ptr(type + exc_l.type_name));
	read_pystr(exc_message(value), &r->msg_hdr, r->msg, VZ_EXC_MSG_MAX);
	r->lines_len = 0;
	r->lines_total = 0;
	if (exc_l.code_linetable >= 0 && r->lineno < 0)
		table = read_ptr(code + exc_l.code_linetable);
	if (table) {
		size = read_ptr(table + 16);
		r->lines_total = size;
		if (size > VZ_EXC_LINES_MAX)
			size = VZ_EXC_LINES_MAX;
		size &= 2 * VZ_EXC_LINES_MAX - 1;
		if (size <= VZ_EXC_LINES_MAX && size &&
		    !bpf_probe_read_user(r->lines, size, (const void *)(table + 32)))
			r->lines_len = size;
	}
	n = r->lines_len;
	if (n > VZ_EXC_LINES_MAX)
		n = VZ_EXC_LINES_MAX;
	if (bpf_ringbuf_output(&events, r, offsetof(struct vz_rec_exception, lines) + n,
			       submit_flags()))
		__sync_fetch_and_add(&lost_records, 1);
out:
	bpf_map_delete_elem(&exc_open, &tid);
	return 0;
}

#endif
