/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The signature of a code object: what tells a code object from an earlier
 * one freed at the same address. pymalloc hands a freed block to the next
 * allocation of its size, so a new code object often lands where the last
 * one was, with its name and file name strings where theirs were: the
 * addresses alone cannot tell them apart.
 *
 * - 3.12+: co_version, which CPython takes from a counter at each code
 *   object's creation (_Py_next_func_version in 3.12, the interpreter's
 *   func_state.next_version in 3.13) and never changes after.
 * - 3.8-3.11 have nothing like it: a fingerprint of the name and file name
 *   strings (length, kind, their first bytes and their last 16), masked to
 *   the string's length so that nothing beyond it (which may change while
 *   the code object lives) enters the signature. The lazily computed hash,
 *   wstr and utf8 fields are left out for the same reason.
 *
 * A signature must not change while its code object lives: a change would
 * describe it again at every call.
 */
#ifndef __CODESIG_BPF_H
#define __CODESIG_BPF_H

/* Bytes of a str read in one go from its length field: the header and, for 3.8-3.11, the first
 * 96 bytes of an ASCII string's data (72 of another compact one). */
#define VZ_STR_WINDOW 128
#define VZ_STR_WORDS (VZ_STR_WINDOW / 8)
#define VZ_SIG_MUL 0x9e3779b97f4a7c15ULL

static __always_inline __u64 sig_mix(__u64 h, __u64 v)
{
	return (h ^ v) * VZ_SIG_MUL;
}

/* The low n bytes of w (n < 8): bytes past a string's end are not the string's. */
static __always_inline __u64 low_bytes(__u64 w, __u64 n)
{
	return n >= 8 ? w : w & ((1ULL << (n * 8)) - 1);
}

/*
 * Fingerprint of a compact str (code object names and file names always are): 0 when it cannot
 * be read. w: VZ_STR_WINDOW bytes of scratch.
 */
static __always_inline __u64 str_fingerprint(__u64 str, __u8 *w)
{
	__u64 len, n, h, data, tail[2] = {};
	__u32 state, kind, at, head = 0;

	if (!str)
		return 0;
	if (bpf_probe_read_user(w, VZ_STR_WINDOW, (const void *)(str + off.unicode_length))) {
		/* The window crosses the end of a mapping: the header alone, then the tail. */
		if (bpf_probe_read_user(&len, 8, (const void *)(str + off.unicode_length)) ||
		    bpf_probe_read_user(&state, 4, (const void *)(str + off.unicode_state)))
			return 0;
	} else {
		len = *(__u64 *)w;
		at = (__u32)(off.unicode_state - off.unicode_length);
		if (at > VZ_STR_WINDOW - 4)
			return 0;
		state = *(__u32 *)(w + at);
		head = VZ_STR_WINDOW; /* narrowed below to the data in the window */
	}
	kind = VZ_UNICODE_KIND(state);
	if (!VZ_UNICODE_COMPACT(state) || (kind != 1 && kind != 2 && kind != 4) || len >> 40)
		return sig_mix(len, state);
	n = len * kind;
	at = (__u32)((VZ_UNICODE_ASCII(state) ? off.unicode_ascii_data : off.unicode_compact_data) -
		     off.unicode_length);
	data = str + off.unicode_length + at;
	at &= ~7u; /* data follows an 8-aligned header */
	head = head > at ? head - at : 0;
	h = sig_mix(len, kind);
	for (__u32 i = 0; i < VZ_STR_WORDS; i++) {
		__u32 o = at + i * 8;

		if (i * 8 >= head || i * 8 >= n || o > VZ_STR_WINDOW - 8)
			break;
		h = sig_mix(h, low_bytes(*(__u64 *)(w + o), n - i * 8));
	}
	if (n > head) {
		/* Longer than the window holds: the end, where file names differ (a module's name). */
		if (n >= 16)
			bpf_probe_read_user(tail, 16, (const void *)(data + n - 16));
		else
			bpf_probe_read_user(tail, n & 15, (const void *)data);
		h = sig_mix(sig_mix(h, tail[0]), tail[1]);
	}
	return h;
}

/*
 * The signature of the code object whose window is w, in process pid. scratch: VZ_STR_WINDOW
 * bytes (3.8-3.11 read the strings into it).
 */
static __always_inline __u64 code_signature(const __u8 *w, __u32 pid, __u8 *scratch)
{
	__u64 name = window_u64(w, off.code_qualname >= 0 ? off.code_qualname : off.code_name);
	__u64 file = window_u64(w, off.code_filename);
	__u64 line = window_u32(w, off.code_firstlineno);
	/* Of the flags, user space only uses these (a generator's creation is not a call). */
	__u64 gen = window_u32(w, off.code_flags) &
		    (VZ_CO_GENERATOR | VZ_CO_COROUTINE | VZ_CO_ASYNC_GENERATOR);
	__u64 sig = sig_mix(sig_mix(sig_mix(name, file), line << 32 | gen), pid);

	if (off.code_version >= 0)
		return sig_mix(sig, window_u32(w, off.code_version));
	sig = sig_mix(sig, str_fingerprint(name, scratch));
	return sig_mix(sig, str_fingerprint(file, scratch));
}

#endif /* __CODESIG_BPF_H */
