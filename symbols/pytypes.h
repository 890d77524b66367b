/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where CPython keeps what ties a specialized instruction to a type or a function:
 * type version tags, the subclass registry (to find every type from `object`), class
 * namespaces, function versions. For the versions whose specializations can push a
 * Python frame without looking at interp->eval_frame (see user/specgap.c); others
 * have no table. x86_64 only.
 */
#ifndef VZ_SYMBOLS_PYTYPES_H
#define VZ_SYMBOLS_PYTYPES_H

#include <stdint.h>

/* tp_flags bits (Include/object.h) */
#define PY_TPFLAGS_STATIC_BUILTIN (1UL << 1) /* 3.12+: subclasses kept in the interpreter */
#define PY_TPFLAGS_HEAPTYPE (1UL << 9)

struct py_type_layout {
	int tp_flags, tp_dict, tp_subclasses, tp_version_tag;
	int heap_spec_getitem;	/* PyHeapTypeObject._spec_cache.getitem */
	int dict_keys, dict_values; /* PyDictObject.ma_keys, ma_values */
	int keys_log2_index_bytes, keys_kind, keys_nentries, keys_indices; /* PyDictKeysObject */
	int dict_entry_size, dict_unicode_entry_size; /* PyDictKeyEntry, PyDictUnicodeEntry */
	int weakref_object;	/* PyWeakReference.wr_object */
	int func_version;	/* PyFunctionObject.func_version */
	/* interp->types.next_version_tag, -1: a static variable (3.11) */
	int64_t interp_next_version_tag;
	/* 3.12+: a static type's subclasses are in interp->types.builtins.initialized[i]
	 * (3.13: or for_extensions.initialized[i]), i = tp_subclasses - 1. -1: in the type. */
	int64_t interp_static_states, interp_ext_states;
	int static_state_size, static_state_type, static_state_subclasses;
	int n_static_states, n_ext_states;
};

/* Fills *out for CPython major.minor. Returns 0, or -EOPNOTSUPP (no table: not needed). */
int py_type_layout__get(int major, int minor, struct py_type_layout *out);

#endif
