// SPDX-License-Identifier: BSD-2-Clause
/*
 * Where a threading.Thread keeps its _name, per CPython minor version. Offsets from gdb on the
 * pyenv builds with debug info (3.8.18 ... 3.13.0): p &((T*)0)->field; the same for every build
 * of a minor version (the ABI of these structs is fixed within one).
 */
#include "pythread_layout.h"
#include "pyobject_layout.h"

void py_thread_layout(int minor, struct vz_thread_layout *l)
{
	*l = (struct vz_thread_layout){
		.frame_self = minor <= 9 ? 0x168 : minor == 10 ? 0x160 : 0x48,
		.attrs_kind = minor <= 10 ? VZ_ATTRS_DICTOFFSET : minor == 11 ? VZ_ATTRS_311 :
			      minor == 12 ? VZ_ATTRS_312 : VZ_ATTRS_313,
		.type_flags = PY_TYPE_FLAGS,
		.type_basicsize = PY_TYPE_BASICSIZE,
		.type_dictoffset = PY_TYPE_DICTOFFSET,
		.type_cached_keys = minor == 9 ? 0x360 : minor <= 11 ? 0x368 : 0x370,
		.dict_keys = PY_DICT_KEYS,
		.dict_values = PY_DICT_VALUES,
		.values_array = minor >= 13 ? 8 : 0,
		.old_keys = minor <= 10,
	};
}
