/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_print: a write to stdout/stderr (VZ_REC_PRINT) -> an instant on the writing thread. */
#ifndef VZ_PRINTEV_H
#define VZ_PRINTEV_H

#include <stddef.h>
#include <stdint.h>
#include "export/trace_writer.h"

struct vz_rec_print;

/*
 * Writes an instant at ts_ns (program time) named "print", cat "instant", as VizTracer's
 * log_print does (add_instant("print", {"string": ...})), with args {"string": the text
 * written (first VZ_PRINT_MAX bytes, invalid UTF-8 as U+FFFD), "fd": 1 or 2, "length": the
 * bytes written, "truncated": true when string holds fewer}. size: the record's bytes.
 */
void print_instant_write(struct trace_writer *w, const struct vz_rec_print *r, size_t size,
			 uint64_t ts_ns);

#endif
