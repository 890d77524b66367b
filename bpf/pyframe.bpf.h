/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Readers of CPython memory, driven by the per-version layout in `off`
 * (struct vz_py_offsets, filled by user space from symbols/pyoffsets.c).
 * Everything is bpf_probe_read_user: the target's memory may be anything.
 */
#ifndef __PYFRAME_BPF_H
#define __PYFRAME_BPF_H

/* Offsets of the interpreter this object was loaded for (rodata: the verifier prunes by version). */
const volatile struct vz_py_offsets off = {};
const volatile __u32 code_window_off = 0;

/* Start of the window of the frame read in one go (VZ_FRAME_WINDOW_MAX bytes). */
const volatile __u32 frame_window_off = 0;

#define VZ_CODE_WINDOW_MAX 192
#define VZ_FRAME_WINDOW_MAX 88

static __always_inline __u64 read_ptr(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_user(&v, sizeof(v), (const void *)addr);
	return v;
}

/* 3.12+: the Python frame below any activation entry frames (see VZ_FRAME_OWNED_BY_CSTACK). */
static __always_inline __u64 skip_entry_frames(__u64 frame)
{
	for (int i = 0; i < 8 && frame; i++) {
		__u8 owner = 0;

		bpf_probe_read_user(&owner, 1, (const void *)(frame + off.frame_owner));
		if (owner != VZ_FRAME_OWNED_BY_CSTACK)
			break;
		frame = read_ptr(frame + off.frame_previous);
	}
	return frame;
}

/* The frame the thread is executing now (the caller, seen from a new frame's entry). */
static __always_inline __u64 current_frame(__u64 tstate)
{
	__u64 p;

	if (!tstate)
		return 0;
	p = read_ptr(tstate + off.tstate_frame);
	/* 3.11/3.12 keep it in the activation's _PyCFrame. */
	if (off.cframe_current_frame >= 0 && p)
		p = read_ptr(p + off.cframe_current_frame);
	return p;
}

/* Field of the code-object window read by read_code_window(). */
static __always_inline __u64 window_u64(const __u8 *w, __s32 field)
{
	__u32 i = (__u32)(field - code_window_off);

	if (i > VZ_CODE_WINDOW_MAX - 8)
		return 0;
	return *(const __u64 *)(w + i);
}

static __always_inline __u32 window_u32(const __u8 *w, __s32 field)
{
	__u32 i = (__u32)(field - code_window_off);

	if (i > VZ_CODE_WINDOW_MAX - 4)
		return 0;
	return *(const __u32 *)(w + i);
}

static __always_inline __u64 window_u64_at(const __u8 *w, __u32 start, __u32 size, __s32 field)
{
	__u32 i = (__u32)(field - start);

	if (i > size - 8)
		return 0;
	return *(const __u64 *)(w + i);
}

static __always_inline __u8 window_u8_at(const __u8 *w, __u32 start, __u32 size, __s32 field)
{
	__u32 i = (__u32)(field - start);

	if (i > size - 1)
		return 0xff;
	return w[i];
}

/* Fills the code window field by field: the slow path when the window crosses a mapping's end. */
static __always_inline void read_code_fields(__u64 code, __u8 *w)
{
	__s32 ptrs[] = { off.code_name, off.code_qualname, off.code_filename };
	__s32 ints[] = { off.code_flags, off.code_firstlineno, off.code_version };

	for (int i = 0; i < 3; i++) {
		__u32 at = (__u32)(ptrs[i] - code_window_off);

		if (ptrs[i] >= 0 && at <= VZ_CODE_WINDOW_MAX - 8)
			bpf_probe_read_user(w + at, 8, (const void *)(code + ptrs[i]));
	}
	for (int i = 0; i < 3; i++) {
		__u32 at = (__u32)(ints[i] - code_window_off);

		if (ints[i] >= 0 && at <= VZ_CODE_WINDOW_MAX - 4)
			bpf_probe_read_user(w + at, 4, (const void *)(code + ints[i]));
	}
}

/*
 * Copies a compact str's code units into buf (cap is a power of two; at most
 * cap - 1 bytes are taken). Names and file names of code objects are always
 * compact (interned or created compact), so other layouts report kind 0.
 */
static __always_inline void read_pystr(__u64 str, struct vz_pystr_hdr *h, char *buf, __u32 cap)
{
	__u32 state = 0;
	__s64 length = 0;
	__u64 data, n;
	__u32 kind;

	h->kind = 0;
	h->len = 0;
	h->truncated = 0;
	if (!str)
		return;
	if (bpf_probe_read_user(&state, sizeof(state), (const void *)(str + off.unicode_state)) ||
	    bpf_probe_read_user(&length, sizeof(length), (const void *)(str + off.unicode_length)))
		return;
	if (!VZ_UNICODE_COMPACT(state) || length < 0)
		return;
	kind = VZ_UNICODE_KIND(state);
	if (kind != 1 && kind != 2 && kind != 4)
		return;
	data = str + (VZ_UNICODE_ASCII(state) ? off.unicode_ascii_data : off.unicode_compact_data);
	n = (__u64)length * kind;
	if (n > cap - 1) {
		n = cap - 1;
		n &= ~(__u64)(kind - 1); /* whole code units only */
		h->truncated = 1;
	}
	n &= cap - 1;
	if (bpf_probe_read_user(buf, n, (const void *)data))
		return;
	h->kind = kind;
	h->len = n;
}

#endif /* __PYFRAME_BPF_H */
