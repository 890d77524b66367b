/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The signature of a code object: what tells a code object from an earlier
 * one freed at the same address. pymalloc hands a freed block to the next
 * allocation of its size, so a new code object often lands where the last
 * one was, with its name and file name strings where theirs were: the
 * addresses of what it points to cannot tell them apart.
 *
 * - 3.12+: co_version, which CPython takes from a counter at each code
 *   object's creation (_Py_next_func_version in 3.12, the interpreter's
 *   func_state.next_version in 3.13) and never changes after.
 * - 3.8-3.11 have nothing like it: there, a uprobe on code objects'
 *   tp_dealloc (code_freed) empties the object's slot in the cache instead,
 *   so no string is read at each call (a read costs ~100 ns here).
 *
 * A signature must not change while its code object lives: a change would
 * describe it again at every call. The preloaded evaluator computes the
 * same for the fast path (user/preload/evalhook.c code_signature()).
 */
#ifndef __CODESIG_BPF_H
#define __CODESIG_BPF_H

#define VZ_SIG_MUL 0x9e3779b97f4a7c15ULL

static __always_inline __u64 sig_mix(__u64 h, __u64 v)
{
	return (h ^ v) * VZ_SIG_MUL;
}

/* The signature of the code object whose window is w, in process pid. */
static __always_inline __u64 code_signature(const __u8 *w, __u32 pid)
{
	__u64 name = window_u64(w, off.code_qualname >= 0 ? off.code_qualname : off.code_name);
	__u64 file = window_u64(w, off.code_filename);
	__u64 line = window_u32(w, off.code_firstlineno);
	/* Of the flags, user space only uses these (a generator's creation is not a call). */
	__u64 gen = window_u32(w, off.code_flags) &
		    (VZ_CO_GENERATOR | VZ_CO_COROUTINE | VZ_CO_ASYNC_GENERATOR);
	__u64 sig = sig_mix(sig_mix(sig_mix(name, file), line << 32 | gen), pid);

	if (off.code_version >= 0)
		sig = sig_mix(sig, window_u32(w, off.code_version));
	return sig;
}

#endif /* __CODESIG_BPF_H */
