/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTTP side of `vizbpf view` (libmicrohttpd): the viewer page and its two asset files, the
 * given trace or the traces of the given folder, and the sources of the files those traces name.
 * Nothing else on the machine can be reached through it.
 *
 *	/			the trace's page (file mode), the folder's index (directory mode)
 *	/view/NAME		the viewer page for trace NAME (.json, .json.gz)
 *	/trace/NAME		the trace itself (.json.gz as Content-Encoding: gzip; .html as is)
 *	/static/...		trace_viewer_full.html, webcomponents.min.js
 *	/api/loaded?trace=NAME[&error=MSG]	the page says it imported the trace (for --once)
 *	/source?trace=NAME&file=F	F as text, if a slice of trace NAME is "... (F:LINE)"
 */
#ifndef VZ_USER_HTTP_SERVE_H
#define VZ_USER_HTTP_SERVE_H

#include "mhd.h"
#include "site.h"

struct MHD_Daemon;

/* Starts serving on the bound, listening socket fd (the daemon owns it from then on).
 * Returns NULL after printing one line to stderr. */
struct MHD_Daemon *http_serve_start(struct view_site *site, int fd);
void http_serve_stop(struct MHD_Daemon *d);
void view_site_free(struct view_site *site);

#endif
