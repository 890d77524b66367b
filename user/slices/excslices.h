/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_exception: an exception's record (VZ_REC_EXCEPTION) -> an instant on its thread. */
#ifndef VZ_EXCSLICES_H
#define VZ_EXCSLICES_H

#include <stddef.h>
#include <stdint.h>
#include "export/trace_writer.h"

struct vz_rec_exception;

/*
 * Writes an instant at ts_ns (program time), cat "exception", named after the exception's
 * type, args {type, message, function, line}. function_json is the raising function's slice
 * name as a JSON string literal (NULL: unknown). size: the record's bytes (its location table
 * is cut to what was captured).
 */
void exc_instant_write(struct trace_writer *w, const struct vz_rec_exception *r, size_t size,
		       uint64_t ts_ns, const char *function_json, size_t function_len);

#endif
