/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_exception: layouts (struct vz_exc_layout) and line numbers from 3.11+ tables. */
#ifndef VZ_SYMBOLS_EXCLAYOUT_H
#define VZ_SYMBOLS_EXCLAYOUT_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>
#include "vizbpf.h"

/* Fills *out for CPython 3.minor. Returns 0, or -EOPNOTSUPP. */
int exc_layout_get(int minor, struct vz_exc_layout *out);

/*
 * The line of the instruction at byte offset lasti of a 3.11+ code object, from its location
 * table (co_linetable, n bytes) and co_firstlineno: Objects/locations.md of CPython. Returns
 * the line, or -1 when the table does not reach lasti or gives no line.
 */
int exc_line_from_table(const uint8_t *table, size_t n, uint32_t firstlineno, int lasti);

#endif
