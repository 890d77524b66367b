/* SPDX-License-Identifier: BSD-2-Clause */
/* --log_audit: audit records (VZ_REC_AUDIT) -> VizTracer's audit instants, filtered. */
#ifndef VZ_AUDITEV_H
#define VZ_AUDITEV_H

#include <stddef.h>
#include <stdint.h>
#include "export/trace_writer.h"

struct auditev;
struct vz_rec_audit;

/*
 * Keeps events whose name matches one of the n POSIX extended regular expressions at its start
 * (as Python's re.match); n == 0 keeps all. Returns NULL when one does not compile (err gets
 * why).
 */
struct auditev *auditev_new(const char *const *regex, int n, char *err, size_t errlen);
void auditev_free(struct auditev *a);
/* Writes r at ts_ns as an instant named after the event, cat "instant", args {"args": [str(a),
 * ...]} (objects other than str/int/float/bool/None as "<type name>"). Returns 1 if written. */
int auditev_handle(struct auditev *a, struct trace_writer *w, const struct vz_rec_audit *r,
		   size_t size, uint64_t ts_ns);

#endif
