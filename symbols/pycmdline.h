/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The name a CPython command line runs, as --comm matches it: the base name of the script
 * (the first argument that is not an option of the interpreter), or the module of `-m mod`.
 * Input: /proc/PID/cmdline (NUL-separated arguments, argv[0] first).
 */
#ifndef VZ_SYMBOLS_PYCMDLINE_H
#define VZ_SYMBOLS_PYCMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Writes the script's base name (or the module) into out (cap bytes, NUL-terminated,
 * truncated to fit). Returns false when there is none: `-c CODE`, stdin (`-` or no argument),
 * an option left without its argument, an empty name.
 */
bool py_cmdline_name(const char *cmdline, size_t len, char *out, size_t cap);

/*
 * Whether --comm NAME selects a process with this comm and this cmdline: the comm (the
 * kernel keeps 15 bytes: NAME's first 15 then), or the script's base name, exactly or
 * without its ".py", or the module of -m.
 */
bool py_cmdline_matches(const char *name, const char *comm, const char *cmdline, size_t len);

#endif
