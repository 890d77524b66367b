/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What `vizbpf view` serves (the given trace, or the traces of the given folder) and what every
 * request handler shares: looking a trace up by name, and replying.
 */
#ifndef VZ_USER_VIEW_SITE_H
#define VZ_USER_VIEW_SITE_H

#include "mhd.h"
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

/* Opens trace NAME if the site serves it (kind from its suffix). Returns an fd or -errno. */
int view_open_trace(struct view_site *site, const char *name, enum view_kind *kind);

struct MHD_Connection;
/* A text/plain reply (msg copied). */
enum MHD_Result http_reply_text(struct MHD_Connection *c, unsigned int status, const char *msg);
/* Queues r (NULL: MHD_NO) with the headers every reply carries, and destroys it. */
enum MHD_Result http_reply(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r,
			   const char *type);

#endif
