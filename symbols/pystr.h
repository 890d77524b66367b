/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A CPython str captured by BPF (raw PEP 393 code units, see struct
 * vz_pystr_hdr in vizbpf.h) turned into UTF-8 for the trace.
 */
#ifndef __VZ_SYMBOLS_PYSTR_H
#define __VZ_SYMBOLS_PYSTR_H

#include <stddef.h>
#include <linux/types.h>
#include "vizbpf.h"

/*
 * data holds h->len bytes of code units of h->kind (1: latin-1, 2: UCS-2,
 * 4: UCS-4, native byte order); a trailing partial unit is ignored. Writes
 * valid UTF-8 to out and NUL-terminates it (when cap > 0). Code points that
 * cannot go into valid UTF-8 (lone surrogates, > U+10FFFF) and U+0000 become
 * U+FFFD, so the result is always a valid C string and valid JSON text once
 * escaped. "..." is appended when h->truncated, and also when out was too
 * small (never cutting a character in half). kind 0 (or any other invalid
 * kind) gives "?". Returns the length written, without the NUL.
 */
size_t pystr_to_utf8(const struct vz_pystr_hdr *h, const char *data, char *out, size_t cap);

#endif /* __VZ_SYMBOLS_PYSTR_H */
