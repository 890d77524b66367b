// SPDX-License-Identifier: BSD-2-Clause
/*
 * The site `vizbpf view` serves. See site.h.
 *
 * Every trace is looked up by its plain file name (no '/', no leading '.', a trace suffix), so
 * no URL can name a file outside what the user gave; in directory mode the name is opened
 * relative to the folder with O_NOFOLLOW, so a planted symlink cannot lead out either.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "site.h"

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n > m && !strcmp(s + n - m, suf);
}

enum view_kind view_kind_of(const char *name)
{
	if (has_suffix(name, ".json"))
		return VIEW_JSON;
	if (has_suffix(name, ".json.gz"))
		return VIEW_JSON_GZ;
	if (has_suffix(name, ".html"))
		return VIEW_HTML;
	return VIEW_NONE;
}

int view_open_trace(struct view_site *site, const char *name, enum view_kind *kind)
{
	struct stat st;
	int fd;

	*kind = name ? view_kind_of(name) : VIEW_NONE;
	if (*kind == VIEW_NONE || strchr(name, '/') || name[0] == '.')
		return -ENOENT;
	if (site->dirfd < 0) {
		if (strcmp(name, site->file_name))
			return -ENOENT;
		fd = open(site->file_path, O_RDONLY | O_CLOEXEC);
	} else {
		fd = openat(site->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

enum MHD_Result http_reply(struct MHD_Connection *c, unsigned int status, struct MHD_Response *r,
			   const char *type)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	/* Traces get rewritten under the same name: never let the browser show a stale one. */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result http_reply_text(struct MHD_Connection *c, unsigned int status, const char *msg)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_MUST_COPY);
	return http_reply(c, status, r, "text/plain; charset=utf-8");
}
