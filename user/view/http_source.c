// SPDX-License-Identifier: BSD-2-Clause
/*
 * The source view's server side. See http_source.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "export/json.h"
#include "http_source.h"

/* (trace, file) pairs already scanned: a trace can be hundreds of MB, scan it once per file. */
struct source_ok {
	struct source_ok *next;
	char *trace;
	char *file;
	int named;
};

/* Digits of the line number plus `)"`, the most that follows the needle in a slice name. */
#define TAIL_MAX 24

/* Does "...(file:" at p continue as "LINE)\"" with the line in decimal? */
static bool tail_ok(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && i < TAIL_MAX - 2 && p[i] >= '0' && p[i] <= '9')
		i++;
	return i > 0 && i + 2 <= n && p[i] == ')' && p[i + 1] == '"';
}

int trace_names_file(int fd, const char *file)
{
	size_t qlen, nlen, avail = 0, keep, cap = 1 << 20;
	char *q, *needle = NULL, *buf = NULL;
	int ret = -ENOMEM, dfd = -1;
	gzFile gz = NULL;
	bool eof = false;

	/* The trace writer quotes names with json_quote: search for the same bytes. */
	q = json_quote_dup(file, strlen(file), &qlen);
	if (!q)
		return -ENOMEM;
	q[qlen - 1] = '\0';	/* drop the quotes */
	if (asprintf(&needle, " (%s:", q + 1) < 0)
		needle = NULL;
	free(q);
	buf = malloc(cap);
	if (!needle || !buf)
		goto out;
	nlen = strlen(needle);
	keep = nlen + TAIL_MAX;
	if (keep >= cap / 2) {
		ret = 0;	/* no slice names a path that long */
		goto out;
	}
	dfd = dup(fd);
	if (dfd < 0 || lseek(dfd, 0, SEEK_SET) < 0 || !(gz = gzdopen(dfd, "rb"))) {
		ret = -errno ?: -EIO;
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	ret = 0;
	while (!ret && !eof) {
		int n = gzread(gz, buf + avail, cap - avail);
		const char *p, *end;

		if (n < 0) {
			ret = -EIO;
			break;
		}
		avail += n;
		eof = n == 0;
		/* A match that starts in the last `keep` bytes may be cut: it is looked at again,
		 * whole, after those bytes move to the front. */
		end = buf + (eof || avail < keep ? avail : avail - keep);
		for (p = buf; p < end && (p = memmem(p, buf + avail - p, needle, nlen)); p++) {
			if (p >= end)
				break;
			if (tail_ok(p + nlen, buf + avail - p - nlen)) {
				ret = 1;
				break;
			}
		}
		if (avail > keep && !eof) {
			memmove(buf, buf + avail - keep, keep);
			avail = keep;
		}
	}
	gzclose(gz);
out:
	free(needle);
	free(buf);
	return ret;
}

/* Cached trace_names_file for trace NAME. Returns 1, 0, or a negative errno. */
static int names_file(struct view_site *site, const char *name, const char *file)
{
	struct source_ok *s;
	enum view_kind kind;
	int fd, ret = -1;

	pthread_mutex_lock(&site->lock);
	for (s = site->sources; s; s = s->next)
		if (!strcmp(s->trace, name) && !strcmp(s->file, file)) {
			ret = s->named;
			break;
		}
	pthread_mutex_unlock(&site->lock);
	if (ret >= 0)
		return ret;

	fd = view_open_trace(site, name, &kind);
	if (fd < 0)
		return fd;
	/* Also works on an .html report: only '<' is escaped there, and paths rarely have one. */
	ret = trace_names_file(fd, file);
	close(fd);
	if (ret < 0)
		return ret;
	s = calloc(1, sizeof(*s));
	if (s && (s->trace = strdup(name)) && (s->file = strdup(file))) {
		s->named = ret;
		pthread_mutex_lock(&site->lock);
		s->next = site->sources;
		site->sources = s;
		pthread_mutex_unlock(&site->lock);
	} else if (s) {
		free(s->trace);
		free(s);
	}
	return ret;
}

enum MHD_Result http_serve_source(struct view_site *site, struct MHD_Connection *c)
{
	const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "trace");
	const char *file = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "file");
	struct MHD_Response *r;
	struct stat st;
	int fd, named;

	if (!name || !file || !*file)
		return http_reply_text(c, MHD_HTTP_BAD_REQUEST, "trace= and file= are needed\n");
	named = names_file(site, name, file);
	if (named < 0)
		return http_reply_text(c, MHD_HTTP_NOT_FOUND, "no such trace\n");
	if (!named)
		return http_reply_text(c, MHD_HTTP_FORBIDDEN, "no slice of this trace is in that file\n");
	/* O_NONBLOCK: a FIFO named like a source must not hang the server. */
	fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "cannot read it here: %s\n", strerror(errno));
		return http_reply_text(c, MHD_HTTP_NOT_FOUND, msg);
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > SOURCE_MAX_BYTES) {
		close(fd);
		return http_reply_text(c, MHD_HTTP_NOT_FOUND, "not a regular file of sane size\n");
	}
	r = MHD_create_response_from_fd64(st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	named = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return named;
}

void http_source_free(struct view_site *site)
{
	struct source_ok *s, *next;

	for (s = site->sources; s; s = next) {
		next = s->next;
		free(s->trace);
		free(s->file);
		free(s);
	}
	site->sources = NULL;
}
