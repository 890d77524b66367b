/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Custom events (included by vizbpf.bpf.c): calls of share/vizbpf_events.py's instant(),
 * counter(), span.__enter__ and span.__exit__, recognised when their code object is described
 * (file name vizbpf_events.py, function name), read from the frame's locals as the call starts:
 * the arguments are there already (local 0, 1...). Costs nothing per call otherwise: the kind
 * rides in the code cache slot's flags.
 */
#ifndef __VZ_CUSTOM_BPF_H
#define __VZ_CUSTOM_BPF_H

#define VZ_TPFLAGS_LONG (1ull << 24)
#define VZ_TPFLAGS_STR (1ull << 28)

/* Does name (n bytes, ASCII) end with the len-byte suffix given as two LE words? */
static __always_inline bool name_ends(const struct vz_rec_code *r, __u32 n, __u32 len, __u64 lo,
				      __u64 hi)
{
	__u32 at = n - len;

	if (n < len)
		return false;
	if (len <= 8)
		return bytes_le(r->name, at, VZ_NAME_MAX - 1, len) == lo;
	return bytes_le(r->name, at, VZ_NAME_MAX - 1, 8) == lo &&
	       bytes_le(r->name, at + 8, VZ_NAME_MAX - 1, len - 8) == hi;
}

/* Which of vizbpf_events.py's functions this code object is, 0: none. */
static __always_inline __u32 custom_kind(const struct vz_rec_code *r)
{
	__u32 n = r->name_hdr.len, f = r->file_hdr.len, at;

	if (r->name_hdr.kind != 1 || r->file_hdr.kind != 1 || n >= VZ_NAME_MAX ||
	    f >= VZ_FILE_MAX || f < 16)
		return 0;
	at = f - 16;
	if (at && r->file[(at - 1) & (VZ_FILE_MAX - 1)] != '/')
		return 0;
	if (bytes_le(r->file, at, VZ_FILE_MAX - 1, 8) != LE8('v', 'i', 'z', 'b', 'p', 'f', '_', 'e') ||
	    bytes_le(r->file, at + 8, VZ_FILE_MAX - 1, 8) != LE8('v', 'e', 'n', 't', 's', '.', 'p', 'y'))
		return 0;
	if (n == 7 && name_ends(r, n, 7, LE8('i', 'n', 's', 't', 'a', 'n', 't', 0), 0))
		return VZ_CUSTOM_INSTANT;
	if (n == 7 && name_ends(r, n, 7, LE8('c', 'o', 'u', 'n', 't', 'e', 'r', 0), 0))
		return VZ_CUSTOM_COUNTER;
	/* co_name, or 3.11+'s co_qualname span.__enter__ */
	if ((n == 9 || n == 14) &&
	    name_ends(r, n, 9, LE8('_', '_', 'e', 'n', 't', 'e', 'r', '_'), LE8('_', 0, 0, 0, 0, 0, 0, 0)))
		return VZ_CUSTOM_BEGIN;
	if ((n == 8 || n == 13) && name_ends(r, n, 8, LE8('_', '_', 'e', 'x', 'i', 't', '_', '_'), 0))
		return VZ_CUSTOM_END;
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vz_rec_custom);
} custom_scratch SEC(".maps");

/*
 * Reads a scalar object into v (type, number or text). A global function: verified once, not
 * at each of its callers' states (read_kwargs' loop made that ~9 k of the ~14 k instructions
 * each evaluator program cost the verifier at every start).
 */
__noinline int read_value(__u64 obj, struct vz_custom_value *v)
{
	__u64 type, flags, name8 = 0, tpname;

	if (!v)
		return 0;
	v->type = VZ_VAL_ABSENT;
	v->num = 0;
	v->str_hdr.kind = 0;
	v->str_hdr.len = 0;
	if (!obj)
		return 0;
	type = read_ptr(obj + 8);
	flags = read_ptr(type + tl.type_flags);
	tpname = read_ptr(type + 24); /* tp_name, 3.8-3.13 */
	bpf_probe_read_user(&name8, sizeof(name8), (const void *)tpname);
	if (flags & VZ_TPFLAGS_STR) {
		v->type = VZ_VAL_STR;
		read_pystr(obj, &v->str_hdr, v->str, VZ_CUSTOM_STR_MAX);
		return 0;
	}
	if (flags & VZ_TPFLAGS_LONG) {
		__s64 size = read_s64(obj + 16), nd;
		__u32 d[2] = {};
		bool neg;

		/* 3.12+: lv_tag = ndigits << 3 | sign (0 +, 1 zero, 2 -); before: ob_size, signed */
		if (off.py_version_hex >= 0x030c0000) {
			nd = (__u64)size >> 3;
			neg = (size & 3) == 2;
		} else {
			nd = size < 0 ? -size : size;
			neg = size < 0;
		}
		if (nd > 2) {
			v->type = VZ_VAL_OTHER;
			bpf_probe_read_user_str(v->str, VZ_CUSTOM_STR_MAX, (const void *)tpname);
			return 0;
		}
		if (nd > 0)
			bpf_probe_read_user(d, nd * 4 > 8 ? 8 : nd * 4, (const void *)(obj + 24));
		v->num = (__u64)d[0] | (__u64)(nd > 1 ? d[1] : 0) << 30;
		if (neg)
			v->num = -v->num;
		v->type = (name8 & 0xffffffffffull) == LE8('b', 'o', 'o', 'l', 0, 0, 0, 0) ?
				  VZ_VAL_BOOL : VZ_VAL_INT;
		return 0;
	}
	if ((name8 & 0xffffffffffffull) == LE8('f', 'l', 'o', 'a', 't', 0, 0, 0)) {
		v->type = VZ_VAL_FLOAT;
		v->num = read_ptr(obj + 16); /* ob_fval */
		return 0;
	}
	if (name8 == LE8('N', 'o', 'n', 'e', 'T', 'y', 'p', 'e')) {
		v->type = VZ_VAL_NONE;
		return 0;
	}
	v->type = VZ_VAL_OTHER;
	bpf_probe_read_user_str(v->str, VZ_CUSTOM_STR_MAX, (const void *)tpname);
	return 0;
}

/* Where read_kwargs looks. */
struct kwargs_walk {
	__u64 entries, esz, key_at, value_at;
	__s64 n;
};

/* One entry of the kwargs table into the record (this CPU's custom_scratch); 1 past the last. */
static long kwarg_step(__u64 i, struct kwargs_walk *w)
{
	struct vz_custom_value *v;
	struct vz_rec_custom *r;
	__u32 zero = 0, k;
	__u64 key, val;

	if ((__s64)i >= w->n)
		return 1;
	r = bpf_map_lookup_elem(&custom_scratch, &zero);
	if (!r)
		return 1;
	key = read_ptr(w->entries + i * w->esz + w->key_at);
	val = read_ptr(w->entries + i * w->esz + w->value_at);
	if (!key || !val)
		return 0; /* a deleted entry */
	k = r->n;
	if (k >= VZ_CUSTOM_VALUES) {
		r->more++;
		return 0;
	}
	v = &r->v[k & (VZ_CUSTOM_VALUES - 1)];
	read_pystr(key, &v->key_hdr, v->key, VZ_CUSTOM_KEY_MAX);
	read_value(val, v);
	r->n = k + 1;
	return 0;
}

/*
 * counter(): the kwargs dict's entries (a combined table, str keys), at most VZ_CUSTOM_VALUES.
 * A bpf_loop, not a bounded loop: the verifier checks the step once, not 2 *
 * VZ_CUSTOM_VALUES times over (~5 k instructions of each evaluator program, at every start).
 */
static __always_inline void read_kwargs(__u64 dict)
{
	struct kwargs_walk w = {};
	__u64 keys, values;

	if (!dict)
		return;
	keys = read_ptr(dict + tl.dict_keys);
	values = read_ptr(dict + tl.dict_values);
	if (!keys || values)
		return;
	if (tl.old_keys) {
		__s64 size = read_s64(keys + 8);
		__u64 ib;

		w.n = read_s64(keys + 32);
		if (size <= 0 || size > (1 << 24))
			return;
		ib = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
		w.entries = keys + 0x28 + size * ib;
		w.esz = 24, w.key_at = 8, w.value_at = 16;
	} else {
		__u8 hdr[3] = {};

		bpf_probe_read_user(hdr, sizeof(hdr), (const void *)(keys + 8));
		w.n = read_s64(keys + 24);
		if (hdr[1] > 40)
			return;
		w.entries = keys + 0x20 + (1ull << hdr[1]);
		if (hdr[2] == 0)
			w.esz = 24, w.key_at = 8, w.value_at = 16;
		else
			w.esz = 16, w.key_at = 0, w.value_at = 8;
	}
	bpf_loop(2 * VZ_CUSTOM_VALUES, kwarg_step, &w, 0);
}

static __noinline int send_custom(__u64 id, __u64 frame, __u32 kind, __u64 ts)
{
	__u64 locals = frame + tl.frame_self, name = read_ptr(locals), obj = 0;
	struct vz_rec_custom *r;
	__u32 zero = 0;
	__u64 size;

	r = bpf_map_lookup_elem(&custom_scratch, &zero);
	if (!r)
		return 0;
	if (kind == VZ_CUSTOM_BEGIN || kind == VZ_CUSTOM_END) {
		obj = name;               /* self */
		name = read_ptr(obj + 16); /* its first slot: name (__slots__) */
	}
	r->hdr.ts_ns = ts;
	r->hdr.pid = id >> 32;
	r->hdr.tid = (__u32)id;
	r->hdr.type = VZ_REC_CUSTOM;
	r->hdr.flags = 0;
	r->hdr.lost_calls = 0;
	r->hdr.lost_returns = 0;
	r->obj = obj;
	r->kind = kind;
	r->n = 0;
	r->more = 0;
	read_pystr(name, &r->name_hdr, r->name, VZ_CUSTOM_NAME_MAX);
	if (kind == VZ_CUSTOM_INSTANT) {
		read_value(read_ptr(locals + 8), &r->v[0]);
		r->v[0].key_hdr.len = 0;
		r->v[0].key_hdr.kind = 0;
		r->n = 1;
	} else if (kind == VZ_CUSTOM_COUNTER) {
		read_kwargs(read_ptr(locals + 8));
	}
	size = offsetof(struct vz_rec_custom, v) + (r->n & 15) * sizeof(struct vz_custom_value);
	if (size > sizeof(*r))
		size = sizeof(*r);
	if (bpf_ringbuf_output(&events, r, size, BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&lost_records, 1);
	return 0;
}

#endif
