/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Per-CPython-minor-version layout tables (struct vz_py_offsets, see
 * bpf/vizbpf.h). An unknown version is an error, never a guess.
 */
#ifndef VZ_PYOFFSETS_H
#define VZ_PYOFFSETS_H

#include <linux/types.h>
#include "vizbpf.h"

/* Fills *out for CPython major.minor. Returns 0, or -EOPNOTSUPP for a version without a table. */
int py_offsets__get(int major, int minor, struct vz_py_offsets *out);

/* Supported range as text for messages, e.g. "3.8-3.13". */
const char *py_offsets__supported(void);

#endif /* VZ_PYOFFSETS_H */
