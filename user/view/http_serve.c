// SPDX-License-Identifier: BSD-2-Clause
/*
 * libmicrohttpd request handling for `vizbpf view`. See http_serve.h for the URL map; every
 * trace is looked up through view_open_trace (site.c), which keeps URLs inside what was given.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include "mhd.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include "http_serve.h"
#include "http_source.h"

/* Per-request tags (MHD's con_cls) for requests whose completion the main loop waits for. */
static char tag_loaded, tag_failed, tag_html;

static enum MHD_Result reply_mem(struct MHD_Connection *c, char *buf, size_t len,
				 const char *type)
{
	struct MHD_Response *r;

	r = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r)
		free(buf);
	return http_reply(c, MHD_HTTP_OK, r, type);
}

/* A growing buffer for generated pages, written through html_write_fn. */
struct membuf {
	char *buf;
	size_t len, cap;
};

static int membuf_write(void *ctx, const void *p, size_t n)
{
	struct membuf *m = ctx;

	if (m->len + n + 1 > m->cap) {
		size_t cap = (m->cap ? 2 * m->cap : 4096) + n;
		char *b = realloc(m->buf, cap);

		if (!b)
			return -ENOMEM;
		m->buf = b;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	m->buf[m->len] = '\0';
	return 0;
}

static int membuf_str(struct membuf *m, const char *s)
{
	return membuf_write(m, s, strlen(s));
}

/* Percent-encodes everything but unreserved characters, for a name inside a URL. */
static char *url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out = malloc(3 * strlen(s) + 1), *d = out;

	if (!out)
		return NULL;
	for (; *s; s++) {
		unsigned char ch = *s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			*d++ = ch;
		} else {
			*d++ = '%';
			*d++ = hex[ch >> 4];
			*d++ = hex[ch & 15];
		}
	}
	*d = '\0';
	return out;
}

static enum MHD_Result serve_page(struct view_site *site, struct MHD_Connection *c,
				  const char *name)
{
	struct membuf m = {};
	char *q = url_encode(name), trace[PATH_MAX + 16], loaded[PATH_MAX + 32], src[PATH_MAX + 32];
	struct html_page page = {
		.title = name, .trace_url = trace, .loaded_url = loaded, .source_url = src,
		.link_assets = 1,
	};
	int err;

	if (!q)
		return MHD_NO;
	snprintf(trace, sizeof(trace), "/trace/%s", q);
	snprintf(loaded, sizeof(loaded), "/api/loaded?trace=%s", q);
	snprintf(src, sizeof(src), "/source?trace=%s", q);
	free(q);
	err = html_page_begin(membuf_write, &m, &site->assets, &page);
	err = err ?: html_page_end(membuf_write, &m, &page);
	if (err) {
		free(m.buf);
		return MHD_NO;
	}
	return reply_mem(c, m.buf, m.len, "text/html; charset=utf-8");
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Directory mode's front page: the traces in the folder now (rescanned on every visit). */
static enum MHD_Result serve_index(struct view_site *site, struct MHD_Connection *c)
{
	struct membuf m = {};
	char **names = NULL, *t;
	size_t n = 0, i;
	struct dirent *de;
	int err = 0, fd;
	DIR *d;

	fd = openat(site->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return http_reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read folder\n");
	}
	while ((de = readdir(d))) {
		char **nn;

		if (de->d_name[0] == '.' || view_kind_of(de->d_name) == VIEW_NONE)
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn || !(nn[n] = strdup(de->d_name))) {
			names = nn ?: names;
			err = -ENOMEM;
			break;
		}
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), name_cmp);

	t = html_escape_text(site->dir);
	err = err ?: membuf_str(&m, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
				"<title>vizbpf traces</title>\n<style>\n"
				"body { font: 14px sans-serif; margin: 2em; }\n"
				"td { padding: 2px 1.5em 2px 0; }\n"
				"td.n { text-align: right; font-variant-numeric: tabular-nums; }\n"
				"</style>\n</head>\n<body>\n<h1>Traces in ");
	err = err ?: membuf_str(&m, t ? t : "");
	err = err ?: membuf_str(&m, "</h1>\n");
	if (!n)
		err = err ?: membuf_str(&m, "<p>No .json, .json.gz or .html files here.</p>\n");
	else
		err = err ?: membuf_str(&m, "<table id=\"traces\">\n");
	free(t);
	for (i = 0; i < n && !err; i++) {
		enum view_kind kind;
		char line[PATH_MAX * 4], when[32] = "";
		char *q = url_encode(names[i]), *h = html_escape_text(names[i]);
		struct stat st = {};
		struct tm tm;

		fd = view_open_trace(site, names[i], &kind);
		if (fd >= 0) {
			fstat(fd, &st);
			close(fd);
		}
		if (fd >= 0 && q && h) {
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
				 localtime_r(&st.st_mtime, &tm));
			snprintf(line, sizeof(line),
				 "<tr><td><a href=\"/%s/%s\">%s</a></td><td class=\"n\">%lld</td>"
				 "<td>%s</td></tr>\n",
				 kind == VIEW_HTML ? "trace" : "view", q, h, (long long)st.st_size,
				 when);
			err = membuf_str(&m, line);
		}
		free(q);
		free(h);
	}
	if (n)
		err = err ?: membuf_str(&m, "</table>\n");
	err = err ?: membuf_str(&m, "</body>\n</html>\n");
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (err) {
		free(m.buf);
		return MHD_NO;
	}
	return reply_mem(c, m.buf, m.len, "text/html; charset=utf-8");
}

/* Gzip'd traces for a client that does not take Content-Encoding: gzip (curl without
 * --compressed): inflate on the fly. */
static ssize_t gunzip_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	int n = gzread(cls, buf, max > INT32_MAX ? INT32_MAX : max);

	if (n > 0)
		return n;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void gunzip_free(void *cls)
{
	gzclose(cls);
}

static bool accepts_gzip(struct MHD_Connection *c)
{
	const char *ae = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_ACCEPT_ENCODING);

	return ae && strstr(ae, "gzip");
}

static enum MHD_Result serve_trace(struct view_site *site, struct MHD_Connection *c,
				   const char *name, void **con_cls)
{
	struct MHD_Response *r;
	unsigned char magic[2] = {};
	enum view_kind kind;
	const char *type = "application/json";
	struct stat st;
	int fd;

	fd = view_open_trace(site, name, &kind);
	if (fd < 0)
		return http_reply_text(c, MHD_HTTP_NOT_FOUND, "no such trace\n");
	fstat(fd, &st);
	/* A ".json.gz" that is not gzip'd (renamed by hand) is sent as the plain JSON it is. */
	if (kind == VIEW_JSON_GZ && (pread(fd, magic, 2, 0) != 2 || magic[0] != 0x1f ||
				     magic[1] != 0x8b))
		kind = VIEW_JSON;
	if (kind == VIEW_JSON_GZ && !accepts_gzip(c)) {
		gzFile gz = gzdopen(fd, "rb");

		if (!gz) {
			close(fd);
			return MHD_NO;
		}
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 256 * 1024, gunzip_read,
						      gz, gunzip_free);
		if (!r)
			gzclose(gz);
		return http_reply(c, MHD_HTTP_OK, r, type);
	}
	r = MHD_create_response_from_fd64(st.st_size, fd);
	if (!r) {
		close(fd);
		return MHD_NO;
	}
	if (kind == VIEW_JSON_GZ)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (kind == VIEW_HTML) {
		type = "text/html; charset=utf-8";
		*con_cls = &tag_html;
	}
	return http_reply(c, MHD_HTTP_OK, r, type);
}

static enum MHD_Result serve_loaded(struct view_site *site, struct MHD_Connection *c,
				    void **con_cls)
{
	const char *err = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "error");
	const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "trace");

	pthread_mutex_lock(&site->lock);
	free(site->error);
	site->error = NULL;
	if (err && asprintf(&site->error, "%s: %s", name ? name : "trace", err) < 0)
		site->error = NULL;
	pthread_mutex_unlock(&site->lock);
	*con_cls = err ? &tag_failed : &tag_loaded;
	return http_reply(c, MHD_HTTP_NO_CONTENT,
			  MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), NULL);
}

static enum MHD_Result serve_static(struct view_site *site, struct MHD_Connection *c,
				    const char *file)
{
	struct MHD_Response *r;
	const char *type;

	if (!strcmp(file, VIEWER_HTML)) {
		r = MHD_create_response_from_buffer(site->assets.html_len, site->assets.html,
						    MHD_RESPMEM_PERSISTENT);
		type = "text/html; charset=utf-8";
	} else if (!strcmp(file, VIEWER_JS)) {
		r = MHD_create_response_from_buffer(site->assets.js_len, site->assets.js,
						    MHD_RESPMEM_PERSISTENT);
		type = "text/javascript; charset=utf-8";
	} else {
		return http_reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
	}
	return http_reply(c, MHD_HTTP_OK, r, type);
}

/* Refuses Host headers other than the loopback names, so a web page that rebinds its own DNS
 * name to 127.0.0.1 cannot read the traces through the visitor's browser. */
static bool host_allowed(struct view_site *site, struct MHD_Connection *c)
{
	static const char *const loop[] = { "localhost", "127.0.0.1", "[::1]" };
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	size_t n, i;

	if (!site->host_ok)
		return true;
	if (!h)
		return false;
	/* Strip the port; a bracketed IPv6 address keeps its brackets. */
	n = strlen(h);
	if (strrchr(h, ':') && (!strchr(h, ']') || strrchr(h, ':') > strchr(h, ']')))
		n = strrchr(h, ':') - h;
	for (i = 0; i < sizeof(loop) / sizeof(loop[0]); i++)
		if (strlen(loop[i]) == n && !strncasecmp(h, loop[i], n))
			return true;
	return strlen(site->host_ok) == n && !strncasecmp(h, site->host_ok, n);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct view_site *site = cls;

	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return http_reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET only\n");
	if (!host_allowed(site, c))
		return http_reply_text(c, MHD_HTTP_FORBIDDEN, "unexpected Host header\n");

	if (!strcmp(url, "/")) {
		if (site->dirfd >= 0)
			return serve_index(site, c);
		if (view_kind_of(site->file_name) == VIEW_HTML)
			return serve_trace(site, c, site->file_name, con_cls);
		return serve_page(site, c, site->file_name);
	}
	if (!strncmp(url, "/view/", 6)) {
		enum view_kind kind;
		int fd = view_open_trace(site, url + 6, &kind);

		if (fd < 0)
			return http_reply_text(c, MHD_HTTP_NOT_FOUND, "no such trace\n");
		close(fd);
		if (kind == VIEW_HTML)
			return serve_trace(site, c, url + 6, con_cls);
		return serve_page(site, c, url + 6);
	}
	if (!strncmp(url, "/trace/", 7))
		return serve_trace(site, c, url + 7, con_cls);
	if (!strncmp(url, "/static/", 8))
		return serve_static(site, c, url + 8);
	if (!strcmp(url, "/api/loaded"))
		return serve_loaded(site, c, con_cls);
	if (!strcmp(url, "/source"))
		return http_serve_source(site, c);
	/* Browsers ask for it on every page; the viewer sets its own icon. */
	if (!strcmp(url, "/favicon.ico"))
		return http_reply(c, MHD_HTTP_NO_CONTENT,
				  MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT), NULL);
	return http_reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

/* Only requests sent whole count: a page that gave up halfway did not load anything. */
static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct view_site *site = cls;
	char ev;

	if (!*con_cls || toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		return;
	ev = *con_cls == &tag_loaded ? 'L' : *con_cls == &tag_failed ? 'E' : 'H';
	if (write(site->notify_fd, &ev, 1) < 0) {
		/* The pipe is non-blocking and the main loop drains it: nothing to do. */
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	fputs("vizbpf view: ", stderr);
	vfprintf(stderr, fmt, ap);
}

struct MHD_Daemon *http_serve_start(struct view_site *site, int fd)
{
	struct MHD_Daemon *d;

	if (mhd_open())
		return NULL;
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     handle, site, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_NOTIFY_COMPLETED, completed, site,
			     MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
	if (!d)
		fprintf(stderr, "vizbpf: cannot start the HTTP server\n");
	return d;
}

void http_serve_stop(struct MHD_Daemon *d)
{
	if (d)
		MHD_stop_daemon(d);
}

void view_site_free(struct view_site *site)
{
	if (site->dirfd >= 0)
		close(site->dirfd);
	viewer_assets_free(&site->assets);
	http_source_free(site);
	free(site->error);
	pthread_mutex_destroy(&site->lock);
}
