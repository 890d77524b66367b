// SPDX-License-Identifier: BSD-2-Clause
/*
 * The single-file HTML report and the page `vizbpf view` serves: Catapult's trace viewer with
 * vizbpf's page script. See html_report.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "export/html_report.h"
#include "export/json.h"
#include "export/sink.h"
/* The page script and style: export/page/page.js and page.css, built in as html_page_js and
 * html_page_css by the Makefile (export/page/embed.sh). */
#include "export/page/page.css.h"
#include "export/page/page.js.h"

/* A directory counts as the viewer's only if the big file is there. */
static int viewer_dir_ok(const char *dir)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/" VIEWER_HTML, dir) >= (int)sizeof(p))
		return 0;
	return access(p, R_OK) == 0;
}

int viewer_dir_find(char *buf, size_t cap)
{
	const char *env = getenv("VIZBPF_VIEWER_DIR");
	char exe[PATH_MAX];
	ssize_t n;

	/* An explicit setting that is wrong is an error, not a reason to look elsewhere. */
	if (env && *env) {
		if (!viewer_dir_ok(env) || snprintf(buf, cap, "%s", env) >= (int)cap)
			return -ENOENT;
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		if (snprintf(buf, cap, "%s/share/viewer", dirname(exe)) < (int)cap &&
		    viewer_dir_ok(buf))
			return 0;
	}
	if (viewer_dir_ok("/usr/local/share/vizbpf/viewer") &&
	    snprintf(buf, cap, "/usr/local/share/vizbpf/viewer") < (int)cap)
		return 0;
	return -ENOENT;
}

static int read_whole(const char *path, char **out, size_t *out_len)
{
	struct stat st;
	char *buf;
	size_t off = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		goto out;
	}
	buf = malloc(st.st_size + 1);
	if (!buf) {
		err = -ENOMEM;
		goto out;
	}
	while (off < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + off, st.st_size - off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err = r < 0 ? -errno : -EIO;
			free(buf);
			goto out;
		}
		off += r;
	}
	buf[off] = '\0';
	*out = buf;
	*out_len = off;
out:
	close(fd);
	return err;
}

int viewer_assets_load(struct viewer_assets *a)
{
	char p[PATH_MAX + 32];
	int err;

	memset(a, 0, sizeof(*a));
	if (viewer_dir_find(a->dir, sizeof(a->dir))) {
		const char *env = getenv("VIZBPF_VIEWER_DIR");

		if (env && *env)
			fprintf(stderr, "vizbpf: no %s in VIZBPF_VIEWER_DIR=%s (run `make viewer`)\n",
				VIEWER_HTML, env);
		else
			fprintf(stderr, "vizbpf: trace viewer not found (looked in <vizbpf dir>/share/"
				"viewer and /usr/local/share/vizbpf/viewer): run `make viewer`\n");
		return -ENOENT;
	}
	snprintf(p, sizeof(p), "%s/" VIEWER_HTML, a->dir);
	err = read_whole(p, &a->html, &a->html_len);
	if (!err) {
		snprintf(p, sizeof(p), "%s/" VIEWER_JS, a->dir);
		err = read_whole(p, &a->js, &a->js_len);
	}
	if (err) {
		fprintf(stderr, "vizbpf: cannot read %s: %s (run `make viewer`)\n", p, strerror(-err));
		viewer_assets_free(a);
	}
	return err;
}

void viewer_assets_free(struct viewer_assets *a)
{
	free(a->html);
	free(a->js);
	a->html = a->js = NULL;
	a->html_len = a->js_len = 0;
}

size_t html_report_escape(char *dst, const char *src, size_t len)
{
	char *d = dst;
	const char *lt;

	while (len && (lt = memchr(src, '<', len))) {
		size_t n = lt - src;

		memcpy(d, src, n);
		memcpy(d + n, "\\u003c", 6);
		d += n + 6;
		src += n + 1;
		len -= n + 1;
	}
	memcpy(d, src, len);
	return d + len - dst;
}

int html_report_json_w(html_write_fn w, void *ctx, const char *buf, size_t len)
{
	char tmp[HTML_ESCAPE_MAX(4096)];
	int err;

	/* Most chunks have no '<' at all: pass them through untouched. */
	if (!memchr(buf, '<', len))
		return w(ctx, buf, len);
	while (len) {
		size_t n = len < 4096 ? len : 4096;

		err = w(ctx, tmp, html_report_escape(tmp, buf, n));
		if (err)
			return err;
		buf += n;
		len -= n;
	}
	return 0;
}

char *html_js_string(const char *s)
{
	char *q, *out;
	size_t n;

	if (!s)
		return strdup("null");
	q = json_quote_dup(s, strlen(s), &n);
	if (!q)
		return NULL;
	out = malloc(HTML_ESCAPE_MAX(n) + 1);
	if (out)
		out[html_report_escape(out, q, n)] = '\0';
	free(q);
	return out;
}

char *html_escape_text(const char *s)
{
	size_t n = 0;
	const char *p;
	char *out, *d;

	for (p = s; *p; p++)
		n += strchr("&<>\"'", *p) ? 6 : 1;
	out = d = malloc(n + 1);
	if (!out)
		return NULL;
	for (p = s; *p; p++) {
		switch (*p) {
		case '&': d = stpcpy(d, "&amp;"); break;
		case '<': d = stpcpy(d, "&lt;"); break;
		case '>': d = stpcpy(d, "&gt;"); break;
		case '"': d = stpcpy(d, "&quot;"); break;
		case '\'': d = stpcpy(d, "&#39;"); break;
		default: *d++ = *p;
		}
	}
	*d = '\0';
	return out;
}

static int wstr(html_write_fn w, void *ctx, const char *s)
{
	return w(ctx, s, strlen(s));
}

int html_page_begin(html_write_fn w, void *ctx, const struct viewer_assets *a,
		    const struct html_page *page)
{
	const char *title = page->title ? page->title : "trace";
	char *t = html_escape_text(title);
	char *cfg[4] = {
		html_js_string(title), html_js_string(page->trace_url),
		html_js_string(page->loaded_url), html_js_string(page->source_url),
	};
	int err = -ENOMEM, i;

	if (!t || !cfg[0] || !cfg[1] || !cfg[2] || !cfg[3])
		goto out;
	err = wstr(w, ctx, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n<title>");
	err = err ?: wstr(w, ctx, t);
	err = err ?: wstr(w, ctx, " - vizbpf</title>\n");
	if (page->link_assets) {
		/* As Go's cmd/trace: the polyfill loads the viewer through the HTML import. */
		err = err ?: wstr(w, ctx, "<script src=\"/static/" VIEWER_JS "\"></script>\n"
				  "<link rel=\"import\" href=\"/static/" VIEWER_HTML "\">\n");
	} else {
		/* Inlined as VizTracer's report does: the whole viewer document goes into the head
		 * (its own <html>/<head>/<body> tags are merged by the parser), so file:// works. */
		err = err ?: wstr(w, ctx, "<script>\n");
		err = err ?: w(ctx, a->js, a->js_len);
		err = err ?: wstr(w, ctx, "\n</script>\n");
		err = err ?: w(ctx, a->html, a->html_len);
		err = err ?: wstr(w, ctx, "\n");
	}
	err = err ?: wstr(w, ctx, "<style>\n");
	err = err ?: wstr(w, ctx, html_page_css);
	err = err ?: wstr(w, ctx, "</style>\n<script>\nwindow.vizbpfConfig = {title: ");
	err = err ?: wstr(w, ctx, cfg[0]);
	err = err ?: wstr(w, ctx, ", trace: ");
	err = err ?: wstr(w, ctx, cfg[1]);
	err = err ?: wstr(w, ctx, ", loaded: ");
	err = err ?: wstr(w, ctx, cfg[2]);
	err = err ?: wstr(w, ctx, ", source: ");
	err = err ?: wstr(w, ctx, cfg[3]);
	err = err ?: wstr(w, ctx, "};\n</script>\n<script>\n");
	err = err ?: wstr(w, ctx, html_page_js);
	err = err ?: wstr(w, ctx, "</script>\n</head>\n<body>\n");
	if (!page->trace_url)
		err = err ?: wstr(w, ctx, "<script type=\"application/json\" id=\"vizbpf-trace\">");
out:
	free(t);
	for (i = 0; i < 4; i++)
		free(cfg[i]);
	return err;
}

int html_page_end(html_write_fn w, void *ctx, const struct html_page *page)
{
	int err = 0;

	if (!page->trace_url)
		err = wstr(w, ctx, "</script>\n");
	return err ?: wstr(w, ctx, "</body>\n</html>\n");
}

static int fwrite_cb(void *ctx, const void *buf, size_t len)
{
	if (len && fwrite(buf, 1, len, ctx) != len)
		return errno ? -errno : -EIO;
	return 0;
}

/* The report is a page with the JSON inline and nothing to call back. */
static const struct html_page report_page;

int html_report_begin(FILE *out, const struct viewer_assets *a, const char *title)
{
	struct html_page page = report_page;

	page.title = title;
	return html_page_begin(fwrite_cb, out, a, &page);
}

int html_report_json(FILE *out, const char *buf, size_t len)
{
	return html_report_json_w(fwrite_cb, out, buf, len);
}

int html_report_end(FILE *out)
{
	return html_page_end(fwrite_cb, out, &report_page);
}

int html_report_from_file(const char *json_path, const char *html_path,
			  const struct viewer_assets *a, const char *title)
{
	char buf[65536];
	gzFile in;
	FILE *out;
	int n = 0, err, zerr;

	errno = 0;
	/* gzread passes plain files through, so one path reads .json and .json.gz. */
	in = gzopen(json_path, "rb");
	if (!in) {
		err = errno ? -errno : -ENOMEM;
		fprintf(stderr, "vizbpf: cannot open %s: %s\n", json_path, strerror(-err));
		return err;
	}
	out = fopen(html_path, "we");
	if (!out) {
		err = -errno;
		fprintf(stderr, "vizbpf: cannot create %s: %s\n", html_path, strerror(-err));
		gzclose(in);
		return err;
	}
	err = html_report_begin(out, a, title);
	while (!err && (n = gzread(in, buf, sizeof(buf))) > 0)
		err = html_report_json(out, buf, n);
	if (!err && n < 0) {
		fprintf(stderr, "vizbpf: cannot read %s: %s\n", json_path, gzerror(in, &zerr));
		err = -EIO;
	} else if (err) {
		fprintf(stderr, "vizbpf: cannot write %s: %s\n", html_path, strerror(-err));
	}
	err = err ?: html_report_end(out);
	gzclose(in);
	if (fclose(out) && !err) {
		err = -errno;
		fprintf(stderr, "vizbpf: cannot write %s: %s\n", html_path, strerror(-err));
	}
	if (err)
		unlink(html_path);
	return err;
}

/* The report as a sink: an escaping filter over a plain file sink. */
struct html_sink {
	struct vz_sink base;
	struct vz_sink *file;
	char *esc;	/* HTML_ESCAPE_SINK_IN input bytes escaped at a time: "<module>" is in most
			 * chunks, so escaping is the common path and wants few, large writes */
};

#define HTML_ESCAPE_SINK_IN (170u << 10)

static int sink_write_cb(void *ctx, const void *buf, size_t len)
{
	return vz_sink_write(ctx, buf, len);
}

static int html_sink_write(struct vz_sink *s, const void *p, size_t n)
{
	struct html_sink *h = (struct html_sink *)s;
	const char *c = p;
	int err;

	while (n) {
		size_t k = n < HTML_ESCAPE_SINK_IN ? n : HTML_ESCAPE_SINK_IN;

		err = vz_sink_write(h->file, h->esc, html_report_escape(h->esc, c, k));
		if (err)
			return err;
		c += k;
		n -= k;
	}
	return 0;
}

static int html_sink_close(struct vz_sink *s)
{
	struct html_sink *h = (struct html_sink *)s;
	int err = html_page_end(sink_write_cb, h->file, &report_page);
	int cerr = 0;

	/* A report without its closing tags is not published. */
	if (err)
		vz_sink_discard(h->file);
	else
		cerr = vz_sink_close(h->file);
	free(h->esc);
	free(h);
	return err ?: cerr;
}

static void html_sink_discard(struct vz_sink *s)
{
	struct html_sink *h = (struct html_sink *)s;

	vz_sink_discard(h->file);
	free(h->esc);
	free(h);
}

static const struct vz_sink_ops html_sink_ops = {
	.write = html_sink_write,
	.close = html_sink_close,
	.discard = html_sink_discard,
};

struct vz_sink *html_report_sink_open(const char *path)
{
	struct html_page page = report_page;
	struct html_sink *h = NULL;
	struct viewer_assets a;
	char *tmp = NULL;
	int err;

	/* The viewer first: without it, leave no half-made file behind. ENOTSUP, not ENOENT: the
	 * caller's "cannot write x.html: ..." must not suggest the output folder is missing. */
	if (viewer_assets_load(&a)) {
		errno = ENOTSUP;
		return NULL;
	}
	err = -ENOMEM;
	h = calloc(1, sizeof(*h));
	tmp = strdup(path);
	if (!h || !tmp || !(h->esc = malloc(HTML_ESCAPE_MAX(HTML_ESCAPE_SINK_IN))))
		goto fail;
	h->base.ops = &html_sink_ops;
	h->file = vz_sink_file_open(path);
	if (!h->file) {
		err = -errno;
		goto fail;
	}
	page.title = basename(tmp);
	err = html_page_begin(sink_write_cb, h->file, &a, &page);
	if (err) {
		vz_sink_discard(h->file);
		goto fail;
	}
	viewer_assets_free(&a);
	free(tmp);
	return &h->base;
fail:
	viewer_assets_free(&a);
	free(tmp);
	if (h)
		free(h->esc);
	free(h);
	errno = -err;
	return NULL;
}
