/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fields of CPython objects that sit at the same offset in every supported version
 * (3.8-3.13, x86_64): gdb on each pyenv build, print &((T *)0)->field. The one place
 * for them; per-version tables (pytypes.c, pythread_layout.c) take them from here.
 */
#ifndef VZ_PYOBJECT_LAYOUT_H
#define VZ_PYOBJECT_LAYOUT_H

#define PY_TYPE_BASICSIZE 0x20  /* PyTypeObject.tp_basicsize */
#define PY_TYPE_FLAGS 0xa8      /* PyTypeObject.tp_flags */
#define PY_TYPE_DICT 0x108      /* PyTypeObject.tp_dict */
#define PY_TYPE_DICTOFFSET 0x120 /* PyTypeObject.tp_dictoffset */
#define PY_DICT_KEYS 0x20       /* PyDictObject.ma_keys */
#define PY_DICT_VALUES 0x28     /* PyDictObject.ma_values */

#endif
