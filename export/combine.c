// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "export/combine.h"
#include "export/trace_writer.h"

struct scan {
	const char *p, *end;
};

static void ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
		s->p++;
}

/* Past a string starting at s->p ('"'). */
static int skip_string(struct scan *s)
{
	for (s->p++; s->p < s->end; s->p++) {
		if (*s->p == '\\')
			s->p++;
		else if (*s->p == '"') {
			s->p++;
			return 0;
		}
	}
	return -1;
}

/* Past one JSON value (not validated beyond its bounds: the viewers parse it). */
static int skip_value(struct scan *s)
{
	int depth = 0;

	ws(s);
	if (s->p >= s->end)
		return -1;
	do {
		if (s->p >= s->end)
			return -1;
		switch (*s->p) {
		case '"':
			if (skip_string(s))
				return -1;
			continue;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth < 0)
				return -1;
			break;
		default:
			if (!depth) {
				/* A number or a literal: up to a delimiter. */
				while (s->p < s->end && !strchr(",]} \n\r\t", *s->p))
					s->p++;
				return 0;
			}
		}
		s->p++;
	} while (depth);
	return 0;
}

static bool key_is(const char *k, const char *end, const char *name)
{
	size_t n = strlen(name);

	return end - k == (long)n + 2 && !memcmp(k + 1, name, n);
}

/* In the event object [o, e): where the value of its top-level "ts" is (*v, *ve); false if none. */
static bool find_ts(const char *o, const char *e, const char **v, const char **ve)
{
	struct scan s = { o + 1, e };

	for (;;) {
		const char *k;

		ws(&s);
		if (s.p >= s.end || *s.p != '"')
			return false;
		k = s.p;
		if (skip_string(&s))
			return false;
		if (key_is(k, s.p, "ts")) {
			ws(&s);
			if (s.p >= s.end || *s.p != ':')
				return false;
			s.p++;
			ws(&s);
			*v = s.p;
			if (skip_value(&s))
				return false;
			*ve = s.p;
			return true;
		}
		ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return false;
		s.p++;
		if (skip_value(&s))
			return false;
		ws(&s);
		if (s.p >= s.end || *s.p != ',')
			return false;
		s.p++;
	}
}

/* Calls fn on each element of the array at s->p. */
static long each_event(struct scan *s, void (*fn)(void *ctx, const char *o, const char *e),
		       void *ctx, char *err, size_t cap)
{
	long n = 0;

	ws(s);
	if (s->p >= s->end || *s->p != '[') {
		snprintf(err, cap, "\"traceEvents\" is not an array");
		return -1;
	}
	s->p++;
	for (;;) {
		const char *o;

		ws(s);
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return n;
		}
		o = s->p;
		if (s->p >= s->end || *s->p != '{' || skip_value(s)) {
			snprintf(err, cap, "an event is not a JSON object");
			return -1;
		}
		fn(ctx, o, s->p);
		n++;
		ws(s);
		if (s->p < s->end && *s->p == ',')
			s->p++;
		else if (s->p >= s->end || *s->p != ']') {
			snprintf(err, cap, "the events array is cut short");
			return -1;
		}
	}
}

/* Where the events array starts: after "traceEvents": in an object, or the document itself. */
static int find_events(struct scan *s, char *err, size_t cap)
{
	ws(s);
	if (s->p < s->end && *s->p == '[')
		return 0;
	if (s->p >= s->end || *s->p != '{') {
		snprintf(err, cap, "not a JSON trace (an object with \"traceEvents\")");
		return -1;
	}
	s->p++;
	for (;;) {
		const char *k, *kend;

		ws(s);
		if (s->p >= s->end || *s->p != '"')
			break;
		k = s->p;
		if (skip_string(s))
			break;
		kend = s->p;
		ws(s);
		if (s->p >= s->end || *s->p != ':')
			break;
		s->p++;
		ws(s);
		if (key_is(k, kend, "traceEvents"))
			return 0;
		if (skip_value(s))
			break;
		ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		break;
	}
	snprintf(err, cap, "no \"traceEvents\" array");
	return -1;
}

struct min_ctx {
	double min;
	bool any;
};

static void take_min(void *ctx, const char *o, const char *e)
{
	struct min_ctx *m = ctx;
	const char *v, *ve;
	double ts;

	if (!find_ts(o, e, &v, &ve))
		return;
	ts = strtod(v, NULL);
	if (isfinite(ts) && (!m->any || ts < m->min)) {
		m->min = ts;
		m->any = true;
	}
}

struct emit_ctx {
	struct trace_writer *w;
	double shift;
	bool align;
	char *buf;
	size_t cap;
};

static void emit(void *ctx, const char *o, const char *e)
{
	struct emit_ctx *c = ctx;
	const char *v, *ve;
	char num[64];
	size_t need, k;

	if (!c->align || !find_ts(o, e, &v, &ve)) {
		trace_writer_raw_event(c->w, o, e - o);
		return;
	}
	k = snprintf(num, sizeof(num), "%.3f", strtod(v, NULL) - c->shift);
	need = (v - o) + k + (e - ve);
	if (need > c->cap) {
		char *b = realloc(c->buf, need);

		if (!b) {
			trace_writer_raw_event(c->w, o, e - o);
			return;
		}
		c->buf = b;
		c->cap = need;
	}
	memcpy(c->buf, o, v - o);
	memcpy(c->buf + (v - o), num, k);
	memcpy(c->buf + (v - o) + k, ve, e - ve);
	trace_writer_raw_event(c->w, c->buf, need);
}

long combine_events(struct trace_writer *w, const char *doc, size_t len, bool align, char *err,
		    size_t cap)
{
	struct scan s = { doc, doc + len }, start;
	struct min_ctx m = { 0 };
	struct emit_ctx c = { .w = w, .align = align };
	long n;

	if (find_events(&s, err, cap))
		return -1;
	start = s;
	if (align) {
		/* Each trace's own earliest time becomes 0 (VizTracer's --align_combine). */
		if (each_event(&s, take_min, &m, err, cap) < 0)
			return -1;
		c.shift = m.any ? m.min : 0;
		s = start;
	}
	n = each_event(&s, emit, &c, err, cap);
	free(c.buf);
	return n;
}

char *combine_read(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb"); /* reads plain files as they are */
	size_t cap = 1 << 20, n = 0;
	char *buf = NULL;
	int k;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			char *b = realloc(buf, cap * 2);

			if (!b) {
				free(buf);
				buf = NULL;
				errno = ENOMEM;
				break;
			}
			buf = b;
			cap *= 2;
		}
		k = gzread(f, buf + n, cap - n > (1u << 30) ? (1u << 30) : cap - n);
		if (k < 0) {
			int e;

			gzerror(f, &e);
			free(buf);
			buf = NULL;
			errno = e == Z_ERRNO ? errno : EINVAL;
			break;
		}
		if (!k)
			break;
		n += k;
	}
	gzclose(f);
	*len = n;
	return buf;
}
