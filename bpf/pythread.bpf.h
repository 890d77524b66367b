/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * threading.Thread.name, read on the thread as it starts: the probe of the call of
 * Thread._bootstrap_inner finds the Thread object (the frame's self) and its _name attribute
 * the way user/pythread.c does, with the layout user space gives (struct vz_thread_layout).
 * Once per thread: the attribute keys are compared as strings, no interned address needed.
 */
#ifndef __PYTHREAD_BPF_H
#define __PYTHREAD_BPF_H

const volatile struct vz_thread_layout tl = {};

static __always_inline __s64 read_s64(__u64 addr)
{
	__s64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (const void *)addr);
	return v;
}

/* Where obj's attributes are: *keys (PyDictKeysObject) and *values (split/dict-less, or 0). */
static __always_inline bool thread_attrs(__u64 obj, __u64 *keys, __u64 *values)
{
	__u64 type = read_ptr(obj + 8), dict = 0, v;

	*keys = 0;
	*values = 0;
	if (!type)
		return false;
	if (tl.attrs_kind == VZ_ATTRS_DICTOFFSET) {
		__s64 dictoffset = read_s64(type + tl.type_dictoffset);

		if (dictoffset <= 0 || dictoffset > 4096)
			return false;
		dict = read_ptr(obj + dictoffset);
	} else if (tl.attrs_kind == VZ_ATTRS_311) {
		dict = read_ptr(obj - 24);
		if (!dict)
			*values = read_ptr(obj - 32);
	} else if (tl.attrs_kind == VZ_ATTRS_312) {
		v = read_ptr(obj - 24);
		if (v & 1)
			*values = v + 1;
		else
			dict = v;
	} else {
		__u8 valid = 0;

		dict = read_ptr(obj - 24);
		if (!dict && (read_ptr(type + tl.type_flags) & VZ_TPFLAGS_INLINE_VALUES)) {
			__u64 basic = read_ptr(type + tl.type_basicsize);

			bpf_probe_read_user(&valid, 1, (const void *)(obj + basic + 3));
			if (valid)
				*values = obj + basic + tl.values_array;
		}
	}
	if (dict) {
		*keys = read_ptr(dict + tl.dict_keys);
		*values = read_ptr(dict + tl.dict_values);
		if (*values)
			*values += tl.values_array;
	} else if (*values) {
		*keys = read_ptr(type + tl.type_cached_keys);
	}
	return *keys != 0;
}

/* Is str the compact ASCII string "_name"? */
static __always_inline bool is_name_key(__u64 str)
{
	__u32 state = 0;
	__s64 length = 0;
	char text[5] = {};

	if (bpf_probe_read_user(&length, sizeof(length), (const void *)(str + off.unicode_length)) ||
	    length != 5 ||
	    bpf_probe_read_user(&state, sizeof(state), (const void *)(str + off.unicode_state)) ||
	    !VZ_UNICODE_COMPACT(state) || !VZ_UNICODE_ASCII(state) ||
	    bpf_probe_read_user(text, 5, (const void *)(str + off.unicode_ascii_data)))
		return false;
	return text[0] == '_' && text[1] == 'n' && text[2] == 'a' && text[3] == 'm' &&
	       text[4] == 'e';
}

/* Where thread_name_value looks, and what it found. */
struct name_search {
	__u64 entries, esz, key_at, value_at, values, found;
	__s64 n;
};

/* One entry of the attribute table: 1 (stop) once past the last or at "_name". */
static long name_step(__u64 i, struct name_search *s)
{
	__u64 key;

	if ((__s64)i >= s->n)
		return 1;
	key = read_ptr(s->entries + i * s->esz + s->key_at);
	if (!key || !is_name_key(key))
		return 0;
	s->found = s->values ? read_ptr(s->values + 8 * i) : read_ptr(s->entries + i * s->esz + s->value_at);
	return 1;
}

/* The value of attribute "_name" among keys/values, or 0. A bpf_loop, not a bounded loop: the
 * verifier checks the step once instead of VZ_THREAD_ATTRS_MAX times over (~20 ms of each
 * program that calls it, at every start). */
static __always_inline __u64 thread_name_value(__u64 keys, __u64 values)
{
	struct name_search s = { .values = values };

	if (tl.old_keys) {
		__s64 size = read_s64(keys + 8);
		__u64 ib;

		s.n = read_s64(keys + 32);
		if (size <= 0 || size > (1 << 24))
			return 0;
		ib = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
		s.entries = keys + 0x28 + size * ib;
		s.esz = 24, s.key_at = 8, s.value_at = 16;
	} else {
		__u8 hdr[3] = {}; /* log2 size, log2 index bytes, kind */

		bpf_probe_read_user(hdr, sizeof(hdr), (const void *)(keys + 8));
		s.n = read_s64(keys + 24);
		if (hdr[1] > 40)
			return 0;
		s.entries = keys + 0x20 + (1ull << hdr[1]);
		/* DICT_KEYS_GENERAL (0): hash, key, value; unicode keys: key, value */
		if (hdr[2] == 0)
			s.esz = 24, s.key_at = 8, s.value_at = 16;
		else
			s.esz = 16, s.key_at = 0, s.value_at = 8;
	}
	bpf_loop(VZ_THREAD_ATTRS_MAX, name_step, &s, 0);
	return s.found;
}

/*
 * Sends the name of the Thread whose _bootstrap_inner frame starts (nothing if unreadable).
 * Global, not static: the verifier checks it once, on its own, instead of once for every state
 * py_entry reaches it in; that was ~110 k of py_entry's ~136 k processed instructions (~1 s
 * of every start-up under load, ~0.3 s idle). It takes and returns only scalars.
 */
__noinline int send_thread_name(__u64 id, __u64 frame)
{
	__u64 self, keys, values, name;
	struct vz_rec_thread_name *r;

	self = read_ptr(frame + tl.frame_self);
	if (!self || !thread_attrs(self, &keys, &values))
		return 0;
	name = thread_name_value(keys, values);
	if (!name)
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&lost_records, 1);
		return 0;
	}
	fill_hdr(&r->hdr, id, VZ_REC_THREAD_NAME, 0);
	read_pystr(name, &r->name_hdr, r->name, VZ_THREAD_NAME_MAX);
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/* n (<= 8) bytes of buf from at, little-endian: compared with constants (no .rodata strings). */
static __always_inline __u64 bytes_le(const char *buf, __u32 at, __u32 mask, int n)
{
	__u64 v = 0;

	for (int i = 0; i < n; i++)
		v |= (__u64)(__u8)buf[(at + i) & mask] << (8 * i);
	return v;
}

#define LE8(a, b, c, d, e, f, g, h)                                                     \
	((__u64)(a) | (__u64)(b) << 8 | (__u64)(c) << 16 | (__u64)(d) << 24 |             \
	 (__u64)(e) << 32 | (__u64)(f) << 40 | (__u64)(g) << 48 | (__u64)(h) << 56)

/* Is this code object threading's Thread._bootstrap_inner? r: its description, just read. */
static __always_inline bool is_thread_start(const struct vz_rec_code *r)
{
	__u32 n = r->name_hdr.len, f = r->file_hdr.len, at;

	if (r->name_hdr.kind != 1 || r->file_hdr.kind != 1 || n >= VZ_NAME_MAX ||
	    f >= VZ_FILE_MAX || f < 12)
		return false;
	/* co_name, or 3.11+'s co_qualname "Thread._bootstrap_inner" */
	if (n != 16 && (n != 23 || r->name[6] != '.'))
		return false;
	at = n - 16;
	if (bytes_le(r->name, at, VZ_NAME_MAX - 1, 8) != LE8('_', 'b', 'o', 'o', 't', 's', 't', 'r') ||
	    bytes_le(r->name, at + 8, VZ_NAME_MAX - 1, 8) != LE8('a', 'p', '_', 'i', 'n', 'n', 'e', 'r'))
		return false;
	at = f - 12;
	if (at && r->file[(at - 1) & (VZ_FILE_MAX - 1)] != '/')
		return false;
	return bytes_le(r->file, at, VZ_FILE_MAX - 1, 8) ==
		       LE8('t', 'h', 'r', 'e', 'a', 'd', 'i', 'n') &&
	       bytes_le(r->file, at + 8, VZ_FILE_MAX - 1, 4) == LE8('g', '.', 'p', 'y', 0, 0, 0, 0);
}

#endif /* __PYTHREAD_BPF_H */
