/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_audit (included by vizbpf.bpf.c): audit events of traced processes.
 *
 * Where (user/probes/auditprobe.c attaches; once per interpreter file, pid -1, filtered here):
 * - dtrace builds (Debian's 3.11): USDT python:audit(event, args tuple), in sys_audit_tstate
 *   after the tuple is built; its semaphore, set while attached, makes CPython build it even
 *   without hooks (should_audit() counts it), C-level and sys.audit() events alike.
 * - elsewhere: the C funnel's entry, where the arguments are still a format and varargs:
 *   sys_audit_tstate(tstate, event, format, va_list) (3.9-3.13), PySys_Audit(event, format,
 *   ...) (3.8); and sys.audit()'s builtin, sys_audit(self, args, nargs), which returns before
 *   the funnel when no hook listens (its own call of the funnel is then skipped: in_sys_audit).
 * Nothing is added to the program when --log_audit is off: no probe, no semaphore.
 */
#ifndef __VZ_AUDIT_BPF_H
#define __VZ_AUDIT_BPF_H

__s32 audit_event_reg; /* USDT: byte offsets in pt_regs of the event and args registers */
__s32 audit_args_reg;

/* Threads inside sys.audit()'s builtin: its stack pointer at entry. Cleared at its return; if
 * that return is not seen (deeper than the 64 uretprobes the kernel arms), only a funnel call
 * just below that stack pointer counts as its own. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} in_sys_audit SEC(".maps");

#define VZ_AUDIT_NEST_BYTES 4096

static __always_inline bool inside_sys_audit(__u32 tid, __u64 sp)
{
	__u64 *at = bpf_map_lookup_elem(&in_sys_audit, &tid);

	return at && sp < *at && *at - sp < VZ_AUDIT_NEST_BYTES;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vz_rec_audit);
} audit_scratch SEC(".maps");

static __always_inline struct vz_rec_audit *audit_begin(__u64 id)
{
	__u32 pid = id >> 32, zero = 0;
	struct vz_rec_audit *r;

	if (!bpf_map_lookup_elem(&traced_pids, &pid))
		return 0;
	r = bpf_map_lookup_elem(&audit_scratch, &zero);
	if (!r)
		return 0;
	fill_hdr(&r->hdr, id, VZ_REC_AUDIT, 0);
	r->n = 0;
	r->more = 0;
	r->event_hdr.len = 0;
	r->event_hdr.kind = 0;
	return r;
}

static __always_inline void audit_c_event(struct vz_rec_audit *r, __u64 event)
{
	long n = bpf_probe_read_user_str(r->event, sizeof(r->event), (const void *)event);

	r->event_hdr.kind = n > 0 ? 1 : 0;
	r->event_hdr.len = n > 0 ? n - 1 : 0;
	r->event_hdr.truncated = n == sizeof(r->event);
}

static __always_inline void audit_send(struct vz_rec_audit *r)
{
	__u64 size = offsetof(struct vz_rec_audit, v) + (r->n & 7) * sizeof(struct vz_custom_value);

	if (size > sizeof(*r))
		size = sizeof(*r);
	if (bpf_ringbuf_output(&events, r, size, submit_flags()))
		__sync_fetch_and_add(&lost_records, 1);
}

/* Objects items[0..n) into r's values. */
static __always_inline void audit_objects(struct vz_rec_audit *r, __u64 items, __s64 n)
{
	for (__u32 i = 0; i < VZ_AUDIT_ARGS; i++) {
		if (i >= n)
			break;
		read_value(read_ptr(items + 8 * i), &r->v[i]);
		r->n = i + 1;
	}
	if (n > VZ_AUDIT_ARGS)
		r->more = 1;
}

SEC("uprobe")
int BPF_KPROBE(audit_usdt)
{
	struct vz_rec_audit *r = audit_begin(bpf_get_current_pid_tgid());
	__u64 event = 0, args = 0;

	if (!r)
		return 0;
	bpf_probe_read_kernel(&event, 8, (void *)ctx + (audit_event_reg & 0xff));
	bpf_probe_read_kernel(&args, 8, (void *)ctx + (audit_args_reg & 0xff));
	audit_c_event(r, event);
	if (args)
		audit_objects(r, args + 24, (__s64)read_ptr(args + 16)); /* a tuple: ob_size, items */
	audit_send(r);
	return 0;
}

/* sys.audit(event, *args): METH_FASTCALL, args[0] the event str. */
SEC("uprobe")
int BPF_KPROBE(audit_py)
{
	__u64 id = bpf_get_current_pid_tgid(), args = PT_REGS_PARM2(ctx);
	__s64 nargs = PT_REGS_PARM3(ctx);
	struct vz_rec_audit *r = audit_begin(id);
	__u32 tid = (__u32)id;
	__u64 sp = PT_REGS_SP(ctx);

	if (!r || nargs < 1)
		return 0;
	bpf_map_update_elem(&in_sys_audit, &tid, &sp, BPF_ANY);
	read_pystr(read_ptr(args), &r->event_hdr, r->event, VZ_AUDIT_EVENT_MAX);
	audit_objects(r, args + 8, nargs - 1);
	audit_send(r);
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(audit_py_ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	bpf_map_delete_elem(&in_sys_audit, &tid);
	return 0;
}

/* Walks a Py_BuildValue format over x86-64 varargs: 6 integer registers (the first `used` taken
 * by fixed arguments), then the stack. */
struct audit_va {
	__u32 gp;        /* like va_list.gp_offset: 8 per integer register used */
	__u32 from_regs; /* 3.8: the registers are in regs[], not in a save area */
	__u64 overflow;  /* next stack argument */
	__u64 save;      /* va_list.reg_save_area */
	__u64 regs[8];
};

static __always_inline __u64 va_next(struct audit_va *va)
{
	__u64 v = 0;

	if (va->gp < 48) {
		if (va->from_regs)
			v = va->regs[(va->gp / 8) & 7];
		else
			v = read_ptr(va->save + va->gp);
		va->gp += 8;
	} else {
		v = read_ptr(va->overflow);
		va->overflow += 8;
	}
	return v;
}

static __always_inline void audit_format(struct vz_rec_audit *r, __u64 fmt, struct audit_va *va)
{
	char f[16] = {};

	if (!fmt || bpf_probe_read_user_str(f, sizeof(f), (const void *)fmt) <= 0)
		return;
	for (__u32 i = 0; i < sizeof(f) - 1; i++) {
		char c = f[i];
		struct vz_custom_value *v;
		__u64 x;
		__u32 k = r->n;

		if (!c)
			break;
		if (c == '(' || c == ')' || c == ',' || c == ' ' || c == ':')
			continue;
		if (k >= VZ_AUDIT_ARGS) {
			r->more = 1;
			break;
		}
		v = &r->v[k];
		x = va_next(va);
		v->type = VZ_VAL_INT;
		v->num = x;
		v->str_hdr.kind = 0;
		switch (c) {
		case 'O': case 'S': case 'N': case 'U':
			read_value(x, v);
			break;
		case 's': case 'z': case 'y': {
			long n = x ? bpf_probe_read_user_str(v->str, VZ_CUSTOM_STR_MAX, (const void *)x) : 0;

			v->type = x ? VZ_VAL_STR : VZ_VAL_NONE;
			v->str_hdr.kind = n > 0 ? 1 : 0;
			v->str_hdr.len = n > 0 ? n - 1 : 0;
			v->str_hdr.truncated = n == VZ_CUSTOM_STR_MAX;
			if (f[(i + 1) & 15] == '#') {
				va_next(va); /* its length */
				i++;
			}
			break;
		}
		case 'u': { /* wchar_t * (UTF-32 here): 3.12+'s _Py_wfopen, at start-up */
			__u32 w[VZ_CUSTOM_STR_MAX / 4] = {}, len = 0;

			v->type = x ? VZ_VAL_STR : VZ_VAL_NONE;
			if (x && !bpf_probe_read_user(w, sizeof(w), (const void *)x)) {
				for (; len < VZ_CUSTOM_STR_MAX / 4 && w[len]; len++)
					;
				__builtin_memcpy(v->str, w, sizeof(w));
				v->str_hdr.kind = 4;
				v->str_hdr.len = len * 4;
				v->str_hdr.truncated = len == VZ_CUSTOM_STR_MAX / 4;
			}
			break;
		}
		case 'i': case 'b': case 'h': case 'c': case 'C': case 'p':
			v->num = (__s64)(__s32)x;
			break;
		case 'I': case 'B': case 'H':
			v->num = (__u32)x;
			break;
		case 'l': case 'k': case 'L': case 'K': case 'n':
			break;
		default: /* 'd'/'f' (floating registers) and the rest: stop here */
			r->more = 1;
			return;
		}
		r->n = k + 1;
	}
}

/* 3.9-3.13: sys_audit_tstate(tstate, event, format, va_list) */
SEC("uprobe")
int BPF_KPROBE(audit_tstate)
{
	__u64 id = bpf_get_current_pid_tgid(), vap = PT_REGS_PARM4(ctx);
	__u32 tid = (__u32)id;
	struct audit_va va = {};
	struct vz_rec_audit *r;
	struct {
		__u32 gp, fp;
		__u64 overflow, save;
	} raw = {};

	if (inside_sys_audit(tid, PT_REGS_SP(ctx)))
		return 0;
	r = audit_begin(id);
	if (!r)
		return 0;
	audit_c_event(r, PT_REGS_PARM2(ctx));
	if (!bpf_probe_read_user(&raw, sizeof(raw), (const void *)vap)) {
		va.gp = raw.gp;
		va.overflow = raw.overflow;
		va.save = raw.save;
		audit_format(r, PT_REGS_PARM3(ctx), &va);
	}
	audit_send(r);
	return 0;
}

/* 3.8: PySys_Audit(event, format, ...): the varargs from rdx on, then the stack. */
SEC("uprobe")
int BPF_KPROBE(audit_38)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)id;
	struct audit_va va = {};
	struct vz_rec_audit *r;

	if (inside_sys_audit(tid, PT_REGS_SP(ctx)))
		return 0;
	r = audit_begin(id);
	if (!r)
		return 0;
	audit_c_event(r, PT_REGS_PARM1(ctx));
	va.from_regs = 1;
	va.gp = 16;
	va.regs[2] = PT_REGS_PARM3(ctx);
	va.regs[3] = PT_REGS_PARM4(ctx);
	va.regs[4] = PT_REGS_PARM5(ctx);
	va.regs[5] = ctx->r9;
	va.overflow = PT_REGS_SP(ctx) + 8; /* past the return address */
	audit_format(r, PT_REGS_PARM2(ctx), &va);
	audit_send(r);
	return 0;
}

#endif
