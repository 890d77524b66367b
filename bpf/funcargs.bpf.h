/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_func_args: each call's arguments, read from its frame as the evaluator starts it (they
 * sit in the first local slots then: f_localsplus / localsplus, tl.frame_self). Compiled out
 * (the verifier prunes it) unless user space sets log_args. --log_func_retval: each return's
 * value, read the same way (send_retval, at the end; log_retval).
 */
#ifndef __FUNCARGS_BPF_H
#define __FUNCARGS_BPF_H

const volatile bool log_args = false;
/* Offsets in PyCodeObject, derived from co_firstlineno's by user space (symbols/pyoffsets.c
 * tables, checked with gdb on 3.8-3.13): co_argcount (co_kwonlyargcount is 8 further) and
 * co_varnames (<=3.10) / co_localsplusnames (3.11+). */
const volatile __s32 code_argcount = -1;
const volatile __s32 code_varnames = -1;

#define VZ_CO_VARARGS 0x4
#define VZ_CO_VARKEYWORDS 0x8

/* One object as user space shows it (funcargs_repr): its type's tp_name, its first words, and
 * the text of a str or bytes. a->name_hdr is the caller's. */
static __always_inline void read_arg_value(struct vz_arg *a, __u64 obj)
{
	__u64 type, tp_name;

	a->obj = obj;
	if (!obj)
		return;
	type = read_ptr(obj + 8);
	tp_name = type ? read_ptr(type + 24) : 0;
	if (!tp_name || bpf_probe_read_user_str(a->type, sizeof(a->type), (const void *)tp_name) < 0)
		a->type[0] = 0;
	if (bpf_probe_read_user(a->words, sizeof(a->words), (const void *)(obj + 16)))
		__builtin_memset(a->words, 0, sizeof(a->words));
	/* "str" and "bytes", compared as bytes (no .rodata strings in BPF). */
	if (a->type[0] == 's' && a->type[1] == 't' && a->type[2] == 'r' && !a->type[3]) {
		read_pystr(obj, &a->text_hdr, a->text, VZ_ARG_TEXT);
	} else if (a->type[0] == 'b' && a->type[1] == 'y' && a->type[2] == 't' &&
		   a->type[3] == 'e' && a->type[4] == 's' && !a->type[5]) {
		__u64 len = a->words[0];

		if (len > VZ_ARG_TEXT - 1) {
			len = VZ_ARG_TEXT - 1;
			a->text_hdr.truncated = 1;
		}
		if (len < VZ_ARG_TEXT && !bpf_probe_read_user(a->text, len, (const void *)(obj + 32))) {
			a->text_hdr.kind = 1;
			a->text_hdr.len = len;
		}
	}
}

static __noinline int send_args(__u64 id, __u64 frame, __u64 code)
{
	struct vz_rec_args *r;
	__u32 argc = 0, kwonly = 0, flags = 0, n;
	__u64 names;
	struct code_slot *slot;
	__u32 slot_idx;

	if (code_argcount < 0 || code_varnames < 0 || !frame || !code)
		return 0;
	if (bpf_probe_read_user(&argc, 4, (const void *)(code + code_argcount)) ||
	    bpf_probe_read_user(&kwonly, 4, (const void *)(code + code_argcount + 8)) ||
	    bpf_probe_read_user(&flags, 4, (const void *)(code + off.code_flags)))
		return 0;
	n = argc + kwonly + !!(flags & VZ_CO_VARARGS) + !!(flags & VZ_CO_VARKEYWORDS);
	if (!n)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_ARGS, off.py_version_hex >= 0x030c0000 ? VZ_ARGS_INT_TAGGED : 0);
	r->frame = frame;
	r->code = code;
	r->nargs = n;
	r->n = n < VZ_ARGS_MAX ? n : VZ_ARGS_MAX;
	/* The names once per code object described (its codes slot): user space keeps them. */
	slot_idx = code_slot_index(code);
	slot = bpf_map_lookup_elem(&codes, &slot_idx);
	if (slot && slot->code == code && slot->args_named) {
		r->hdr.flags |= VZ_ARGS_NO_NAMES;
		names = 0;
	} else {
		names = read_ptr(code + code_varnames);
		if (slot && slot->code == code)
			slot->args_named = 1;
	}
	for (__u32 i = 0; i < VZ_ARGS_MAX; i++) {
		struct vz_arg *a = &r->a[i];

		a->obj = 0;
		a->type[0] = 0;
		a->name_hdr.kind = 0;
		a->name_hdr.len = 0;
		a->text_hdr.kind = 0;
		a->text_hdr.len = 0;
		if (i >= r->n)
			continue;
		if (names)
			read_pystr(read_ptr(names + 24 + 8 * i), &a->name_hdr, a->name, VZ_ARG_NAME);
		read_arg_value(a, read_ptr(frame + tl.frame_self + 8 * i));
	}
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/*
 * --log_func_retval: the value 'frame' returns (the evaluator's return value: uretprobe rax, or
 * what the preloaded evaluator passes to its flush site). Sent before the return record.
 */
const volatile bool log_retval = false;

static __noinline int send_retval(__u64 id, __u64 frame, __u64 obj)
{
	struct vz_rec_retval *r;

	if (!frame || !obj)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_RETVAL, off.py_version_hex >= 0x030c0000 ? VZ_ARGS_INT_TAGGED : 0);
	r->frame = frame;
	r->v.type[0] = 0;
	r->v.name_hdr.kind = 0;
	r->v.name_hdr.len = 0;
	r->v.text_hdr.kind = 0;
	r->v.text_hdr.len = 0;
	r->v.text_hdr.truncated = 0;
	read_arg_value(&r->v, obj);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

#endif /* __FUNCARGS_BPF_H */
