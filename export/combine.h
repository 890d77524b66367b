/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `vizbpf combine`: the events of several Chrome traces (vizbpf's, VizTracer's or any tool's
 * JSON object form, plain or .gz) in one trace, as VizTracer's --combine; with align, each
 * input's events are shifted so that its earliest timestamp is 0 (--align_combine), to compare
 * runs side by side. Each input is read whole into memory, one at a time.
 */
#ifndef VZ_EXPORT_COMBINE_H
#define VZ_EXPORT_COMBINE_H

#include <stdbool.h>
#include <stddef.h>

struct trace_writer;

/*
 * Appends the events of the trace text doc[0..len) to w (shifted when align). Returns the
 * number of events, or -1 with a reason in err (cap bytes) when doc is not a trace: not a JSON
 * object with a "traceEvents" array of objects (or a bare array of objects, which Chrome
 * accepts too).
 */
long combine_events(struct trace_writer *w, const char *doc, size_t len, bool align, char *err,
		    size_t cap);

/* Reads a whole file, gzip-decoded when it is gzip; NULL with errno set. *len: its size. */
char *combine_read(const char *path, size_t *len);

#endif
