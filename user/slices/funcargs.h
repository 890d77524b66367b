/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_func_args: a VZ_REC_ARGS record as the slice's args, VizTracer's shape
 * ("func_args": {"name": "repr", ...}): int, float, bool and None by value, str and bytes
 * quoted (cut, with their length when longer than captured), tuple/list/dict by length, other
 * objects by type name. --log_func_retval: a VZ_REC_RETVAL record's value, shown the same way,
 * as "return_value": "repr".
 */
#ifndef VZ_FUNCARGS_H
#define VZ_FUNCARGS_H

#include <stddef.h>

struct vz_rec_args;
struct vz_rec_retval;

/* The argument names a record carries (BPF sends them once per code object described): NUL-
 * separated in one malloc'd string, NULL if it carries none. */
char *funcargs_names(const struct vz_rec_args *r);
/* Writes "func_args":{...} (no outer braces) into a malloc'd string; NULL on no memory. names:
 * funcargs_names of this code object's first record, or NULL ("arg0", "arg1"...). */
char *funcargs_json(const struct vz_rec_args *r, const char *names);
/* --log_func_retval: "return_value":"repr" (VizTracer's key) into a malloc'd string; NULL on
 * no memory. */
char *funcargs_retval_json(const struct vz_rec_retval *r);
/* What one argument looks like: repr-like text into out (cap bytes). Exposed for unit tests. */
void funcargs_repr(const void *arg, unsigned int rec_flags, char *out, size_t cap);

#endif
