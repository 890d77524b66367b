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

#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include "export/html_report.h"

enum view_kind {
	VIEW_NONE,
	VIEW_JSON,
	VIEW_JSON_GZ,
	VIEW_HTML,
};

/* Trace kind from the file name's suffix; VIEW_NONE for anything else. */
enum view_kind view_kind_of(const char *name);

/* What the server may serve; filled in by view.c, read by the server threads. */
struct view_site {
	int dirfd;		/* directory mode: the folder, else -1 */
	const char *dir;	/* directory mode: the folder as given */
	const char *file_path;	/* file mode: the trace as given */
	const char *file_name;	/* file mode: its base name, the NAME in URLs */
	struct viewer_assets assets;
	const char *host_ok;	/* NULL: any Host header; else the only host accepted besides
				 * the loopback names (DNS rebinding guard) */
	int notify_fd;		/* one byte per event for the main loop: 'L' a page loaded a trace,
				 * 'E' a page failed to, 'H' an .html trace was sent whole */

	pthread_mutex_t lock;	/* guards what follows */
	char *error;		/* the last error a page reported */
	struct source_ok *sources;	/* (trace, file) pairs already checked */
};

struct MHD_Daemon;

/* Starts serving on the bound, listening socket fd (the daemon owns it from then on).
 * Returns NULL after printing one line to stderr. */
struct MHD_Daemon *http_serve_start(struct view_site *site, int fd);
void http_serve_stop(struct MHD_Daemon *d);
void view_site_free(struct view_site *site);

/* Opens trace NAME if the site serves it (kind from its suffix). Returns an fd or -errno. */
int view_open_trace(struct view_site *site, const char *name, enum view_kind *kind);

struct MHD_Connection;
/* A text/plain reply (msg copied). */
enum MHD_Result http_reply_text(struct MHD_Connection *c, unsigned int status, const char *msg);

#endif
