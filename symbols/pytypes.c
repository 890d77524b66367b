// SPDX-License-Identifier: BSD-2-Clause
/*
 * Every number: gdb on the pyenv build's debug info (print &((T *)0)->field, ptype /o),
 * as noted. The dict layout is the same on both (ptype /o PyDictKeysObject).
 */
#include <errno.h>
#include "symbols/pyobject_layout.h"
#include "symbols/pytypes.h"

/* gdb on pyenv 3.11.7 (Debian's 3.11.2 evaluator agrees on func_version: objdump). */
static const struct py_type_layout py311 = {
	.tp_flags = PY_TYPE_FLAGS,
	.tp_dict = PY_TYPE_DICT,
	.tp_subclasses = 360,
	.tp_version_tag = 384,
	.heap_spec_getitem = 896,
	.dict_keys = PY_DICT_KEYS,
	.dict_values = PY_DICT_VALUES,
	.keys_log2_index_bytes = 9,
	.keys_kind = 10,
	.keys_nentries = 24,
	.keys_indices = 32,
	.dict_entry_size = 24,
	.dict_unicode_entry_size = 16,
	.weakref_object = 16,
	.func_version = 128,
	.interp_next_version_tag = -1,
	.interp_static_states = -1,
	.interp_ext_states = -1,
};

/* gdb on pyenv 3.13.0. interp->types is at 84648; builtins.initialized at +98320,
 * for_extensions.initialized at +107936, 48-byte managed_static_type_state entries
 * (type at 0, tp_subclasses at 32), 200 and 10 of them. The choice between the two
 * arrays is CPython's (managed_static_type_index_get/_PyStaticType_GetState, seen in
 * the disassembly of type_modified_unlocked). */
static const struct py_type_layout py313 = {
	.tp_flags = PY_TYPE_FLAGS,
	.tp_dict = PY_TYPE_DICT,
	.tp_subclasses = 360,
	.tp_version_tag = 384,
	.heap_spec_getitem = 904,
	.dict_keys = PY_DICT_KEYS,
	.dict_values = PY_DICT_VALUES,
	.keys_log2_index_bytes = 9,
	.keys_kind = 10,
	.keys_nentries = 24,
	.keys_indices = 32,
	.dict_entry_size = 24,
	.dict_unicode_entry_size = 16,
	.weakref_object = 16,
	.func_version = 136,
	.interp_next_version_tag = 84648,
	.interp_static_states = 84648 + 98320,
	.interp_ext_states = 84648 + 107936,
	.static_state_size = 48,
	.static_state_type = 0,
	.static_state_subclasses = 32,
	.n_static_states = 200,
	.n_ext_states = 10,
};

int py_type_layout__get(int major, int minor, struct py_type_layout *out)
{
	if (major != 3 || (minor != 11 && minor != 13))
		return -EOPNOTSUPP;
	*out = minor == 11 ? py311 : py313;
	return 0;
}
