/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /source?trace=NAME&file=F for `vizbpf view`: the text of a Python source file, so selecting a
 * slice shows its code (VizTracer's file_info, read at view time instead of stored in the
 * trace). Only files that a slice of trace NAME is named after ("qualname (F:LINE)") are sent.
 */
#ifndef VZ_USER_HTTP_SOURCE_H
#define VZ_USER_HTTP_SOURCE_H

#include "site.h"

/* Largest source file sent; a "source" bigger than this is not one worth reading here. */
#define SOURCE_MAX_BYTES (16u << 20)

enum MHD_Result http_serve_source(struct view_site *site, struct MHD_Connection *c);
void http_source_free(struct view_site *site);

/* Is there a slice named "... (file:LINE)" in the trace at fd (plain or gzip'd JSON)? Reads fd
 * from its start and leaves it open. Returns 1, 0, or a negative errno. */
int trace_names_file(int fd, const char *file);

#endif
