/* SPDX-License-Identifier: BSD-2-Clause */
/* Where the main interpreter's GIL is (struct _gil_runtime_state), per CPython minor version. */
#ifndef VZ_PYGIL_H
#define VZ_PYGIL_H

#include <stdint.h>

/*
 * The GIL's offset from _PyRuntime and its size, for 3.<minor>: 0, or -1 when unknown. A thread
 * waiting for the GIL sleeps in a futex on its mutex or condition variable, both inside it.
 */
int py_gil_offset(int minor, uint32_t *offset, uint32_t *size);

#endif
