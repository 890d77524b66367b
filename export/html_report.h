/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The HTML side of the viewer: Catapult's trace viewer (taken from Debian's golang-1.19-src at
 * set-up time, see `make viewer`) plus vizbpf's page script. One page script serves two cases:
 * the single-file report (`-o trace.html`, the viewer and the JSON inlined, opens from file://)
 * and the page `vizbpf view` serves (the viewer linked, the JSON fetched).
 *
 * Writing a report is three steps around the streamed JSON:
 *	html_report_begin(out, assets, title);
 *	html_report_json(out, chunk, len);	(as often as needed, chunks cut anywhere)
 *	html_report_end(out);
 */
#ifndef VZ_EXPORT_HTML_REPORT_H
#define VZ_EXPORT_HTML_REPORT_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>

#define VIEWER_HTML "trace_viewer_full.html"
#define VIEWER_JS "webcomponents.min.js"

/* The two viewer files, read whole: the report inlines them, the server sends them. */
struct viewer_assets {
	char dir[PATH_MAX];
	char *html;		/* trace_viewer_full.html */
	size_t html_len;
	char *js;		/* webcomponents.min.js (the Web Components v0 polyfill) */
	size_t js_len;
};

/*
 * Finds the viewer directory: $VIZBPF_VIEWER_DIR if set, else <dir of the running executable>/
 * share/viewer (where the build puts it), else /usr/local/share/vizbpf/viewer. A directory counts
 * only if it holds trace_viewer_full.html. Returns 0 with the path in buf, or -ENOENT.
 */
int viewer_dir_find(char *buf, size_t cap);

/* viewer_dir_find + read both files. Returns 0, or a negative errno after printing one line to
 * stderr that says what is missing and to run `make viewer`. */
int viewer_assets_load(struct viewer_assets *a);
void viewer_assets_free(struct viewer_assets *a);

/* Output callback: returns 0, or a negative errno. */
typedef int (*html_write_fn)(void *ctx, const void *buf, size_t len);

/* Where the page gets its trace: inlined in the report, or from the server. */
struct html_page {
	const char *title;	/* shown in the tab and the viewer; trace file name */
	const char *trace_url;	/* NULL: the JSON follows inline (the report) */
	const char *loaded_url;	/* NULL, or a URL the page GETs once the trace is imported */
	const char *source_url;	/* NULL, or a URL prefix that takes &file=... and returns the
				 * source text (the server's /source) */
	int link_assets;	/* 1: <script src>/<link rel=import> to /static/ (the server);
				 * 0: inline them (the report) */
};

/*
 * Writes the page up to where the trace JSON goes. For a report (trace_url NULL) the caller
 * then streams the JSON through html_report_json and ends with html_report_end; for a served
 * page it calls html_report_end right away. a may be NULL when link_assets is set.
 */
int html_page_begin(html_write_fn w, void *ctx, const struct viewer_assets *a,
		    const struct html_page *page);
int html_page_end(html_write_fn w, void *ctx, const struct html_page *page);

/*
 * Copies len bytes of JSON to dst with every '<' written as \u003c, so "</script" or "<!--"
 * in the trace cannot end or confuse the <script> element that holds it. In valid JSON a '<'
 * can only be inside a string, where \u003c means the same. dst needs HTML_ESCAPE_MAX(len)
 * bytes. Returns the length written. Stateless: chunks may be cut anywhere.
 */
#define HTML_ESCAPE_MAX(len) (6 * (size_t)(len))
size_t html_report_escape(char *dst, const char *src, size_t len);

/* html_report_escape through a write callback, in bounded pieces. */
int html_report_json_w(html_write_fn w, void *ctx, const char *buf, size_t len);

/* The common case, a report written to a stdio stream. Return 0 or a negative errno. */
int html_report_begin(FILE *out, const struct viewer_assets *a, const char *title);
int html_report_json(FILE *out, const char *buf, size_t len);
int html_report_end(FILE *out);

struct vz_sink;
/*
 * A trace-writer sink (export/sink.h) that makes PATH a single-file report: the viewer is
 * written at open, the JSON streams through with '<' escaped, the closing tags come at close.
 * The viewer is looked up as viewer_dir_find does. Returns NULL with errno set: ENOTSUP, after
 * one line on stderr naming `make viewer`, when the viewer is missing (nothing is created then).
 */
struct vz_sink *html_report_sink_open(const char *path);

/* Convenience: the whole report from a JSON (or gzip'd JSON) file. Returns 0 or a negative
 * errno after printing one line to stderr. */
int html_report_from_file(const char *json_path, const char *html_path,
			  const struct viewer_assets *a, const char *title);

/* Writes s as a JavaScript string literal (JSON-quoted, '<' escaped) into a malloc'd buffer.
 * NULL s gives "null". Returns NULL on ENOMEM. */
char *html_js_string(const char *s);

/* Writes s with & < > " ' escaped as HTML entities into a malloc'd buffer, NULL on ENOMEM. */
char *html_escape_text(const char *s);

#endif
