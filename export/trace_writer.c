// SPDX-License-Identifier: BSD-2-Clause
/*
 * The trace document: header, one event per line, metadata at close. Formatting lives in
 * json.h, buffering in outbuf.h, the file or gzip stream behind sink.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "export/html_report.h"
#include "export/json.h"
#include "export/outbuf.h"
#include "export/trace_writer.h"
#include "export/slice_ring.h"

/* One "key":value member of viztracer_metadata, rendered when set. */
struct meta_entry {
	char *text;
	size_t len;
	size_t key_len;		/* of the quoted key, for replacement */
};

struct trace_writer {
	struct outbuf out;
	int first;		/* 1 until the first event: it has no comma before it */
	int err;		/* sticky error outside the output (metadata allocation) */
	struct meta_entry *meta;
	size_t nmeta;
	size_t meta_cap;
	char *sys;		/* --kernel cpu: ftrace text lines for "systemTraceEvents" */
	size_t sys_len, sys_cap;
	struct slice_ring *ring; /* --tracer_entries: events kept here, written at close */
	/* trace_writer_complete's formatting, kept from the event before: most events are of
	 * the same thread as the one before, and timestamps differ mostly below the second.
	 * Both are copied whole (fixed sizes compile to a few moves), used to their length. */
	uint32_t ids_pid, ids_tid;
	size_t ids_len; /* 0: none yet */
	char ids[48];	/* ,"pid":P,"tid":T} */
	uint64_t ts_sec;
	size_t ts_sec_len; /* 0: none yet */
	char ts_sec_digits[24];
};

static const char doc_head[] = "{\"traceEvents\":[";
static const char doc_tail_events[] = "\n],\"displayTimeUnit\":\"ns\",\"viztracer_metadata\":{";
static const char doc_tail_end[] = "}}\n";

#define PUT_LIT(p, lit) ((p) = (char *)memcpy((p), (lit), sizeof(lit) - 1) + sizeof(lit) - 1)

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

struct trace_writer *trace_writer_open_sink(struct vz_sink *sink, unsigned int flags)
{
	struct trace_writer *w = calloc(1, sizeof(*w));
	int err;

	if (!w) {
		vz_sink_close(sink);
		errno = ENOMEM;
		return NULL;
	}
	err = outbuf_init(&w->out, sink, OUTBUF_DEFAULT_CAP);
	if (err) {
		vz_sink_close(sink);
		free(w);
		errno = -err;
		return NULL;
	}
	/* Without the thread (none can be made) the trace is still written, only slower. */
	if (!(flags & TRACE_WRITER_SYNC))
		outbuf_start_thread(&w->out);
	w->first = 1;
	outbuf_append(&w->out, doc_head, sizeof(doc_head) - 1);
	return w;
}

struct trace_writer *trace_writer_open(const char *path)
{
	struct vz_sink *sink;

	if (has_suffix(path, ".html"))
		sink = html_report_sink_open(path);	/* single-file report, viewer inlined */
	else if (has_suffix(path, ".gz"))
		sink = vz_sink_gz_open(path, 1);	/* written while the program runs: speed */
	else
		sink = vz_sink_file_open(path);
	if (!sink)
		return NULL;
	return trace_writer_open_sink(sink, 0);
}

/* Separator before an event: the previous line gets its comma, the first event none. */
static inline char *put_sep(struct trace_writer *w, char *p)
{
	memcpy(p, ",\n", 2);
	p += 2;
	if (__builtin_expect(w->first, 0)) {
		p[-2] = '\n';
		p--;
		w->first = 0;
	}
	return p;
}

/* Slow-path pieces for events that are rare or too big for the buffer. */
static void put(struct trace_writer *w, const char *s, size_t n)
{
	outbuf_append(&w->out, s, n);
}

static void put_cstr(struct trace_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_u64(struct trace_writer *w, uint64_t v)
{
	char tmp[JSON_U64_MAX];

	put(w, tmp, json_fmt_u64(tmp, v));
}

static void put_us(struct trace_writer *w, uint64_t ns)
{
	char tmp[JSON_US3_MAX];

	put(w, tmp, json_fmt_ns_as_us(tmp, ns));
}

static void put_quoted(struct trace_writer *w, const char *s)
{
	size_t len = strlen(s), n;
	char small[256];
	char *q;

	n = json_quote(small, sizeof(small), s, len);
	if (n < sizeof(small)) {
		put(w, small, n);
		return;
	}
	q = json_quote_dup(s, len, &n);
	if (!q) {
		/* Keep the document valid; the run is reported as failed at close. */
		if (!w->err)
			w->err = -ENOMEM;
		put(w, "\"\"", 2);
		return;
	}
	put(w, q, n);
	free(q);
}

static void begin_event(struct trace_writer *w)
{
	char tmp[2];

	put(w, tmp, put_sep(w, tmp) - tmp);
}

/* Longest complete event apart from its name: the literal keys plus four maximal numbers. */
#define COMPLETE_FIXED_MAX                                                       \
	(sizeof(",\n{\"ph\":\"X\",\"cat\":\"FEE\",\"name\":") +                      \
	 sizeof(",\"ts\":,\"dur\":,\"pid\":,\"tid\":}") + 2 * JSON_US3_MAX + 2 * JSON_U64_MAX)

/* A complete event's times and ids, after its name: the part every category shares. */
static void complete_span(struct trace_writer *w, uint64_t ts_ns, uint64_t dur_ns, uint32_t pid,
			  uint32_t tid)
{
	put_cstr(w, ",\"ts\":");
	put_us(w, ts_ns);
	put_cstr(w, ",\"dur\":");
	put_us(w, dur_ns);
	put_cstr(w, ",\"pid\":");
	put_u64(w, pid);
	put_cstr(w, ",\"tid\":");
	put_u64(w, tid);
}

/* A complete event up to its closing brace. */
static void complete_open(struct trace_writer *w, const char *name_json, size_t name_json_len,
			  uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid)
{
	begin_event(w);
	put_cstr(w, "{\"ph\":\"X\",\"cat\":\"FEE\",\"name\":");
	put(w, name_json, name_json_len);
	complete_span(w, ts_ns, dur_ns, pid, tid);
}

static void complete_slow(struct trace_writer *w, const char *name_json, size_t name_json_len,
			  uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid)
{
	complete_open(w, name_json, name_json_len, ts_ns, dur_ns, pid, tid);
	put_cstr(w, "}");
}

void trace_writer_complete_args(struct trace_writer *w, const char *name_json,
				size_t name_json_len, uint64_t ts_ns, uint64_t dur_ns, uint32_t pid,
				uint32_t tid, const char *args_json)
{
	if (w->ring) {
		slice_ring_complete(w->ring, name_json, name_json_len, ts_ns, dur_ns, pid, tid,
				    args_json);
		return;
	}
	complete_open(w, name_json, name_json_len, ts_ns, dur_ns, pid, tid);
	if (args_json) {
		put_cstr(w, ",\"args\":");
		put_cstr(w, args_json);
	}
	put_cstr(w, "}");
}

/*
 * ts_ns as json_fmt_ns_as_us writes it, the whole seconds' digits kept from the event before:
 * below them, six digits of microseconds and three of nanoseconds, fixed width.
 */
static inline char *put_ts(struct trace_writer *w, char *p, uint64_t ts_ns)
{
	uint64_t sec = ts_ns / 1000000000u;
	uint32_t below = ts_ns % 1000000000u, us = below / 1000, ns = below % 1000;

	if (__builtin_expect(!sec, 0)) /* no leading zeros to write */
		return p + json_fmt_ns_as_us(p, ts_ns);
	if (__builtin_expect(sec != w->ts_sec || !w->ts_sec_len, 0)) {
		w->ts_sec = sec;
		w->ts_sec_len = json_fmt_u64(w->ts_sec_digits, sec);
	}
	memcpy(p, w->ts_sec_digits, sizeof(w->ts_sec_digits));
	p += w->ts_sec_len;
	memcpy(p, json_digits2 + 2 * (us / 10000), 2);
	memcpy(p + 2, json_digits2 + 2 * (us / 100 % 100), 2);
	memcpy(p + 4, json_digits2 + 2 * (us % 100), 2);
	p[6] = '.';
	p[7] = '0' + ns / 100;
	memcpy(p + 8, json_digits2 + 2 * (ns % 100), 2);
	return p + 10;
}

/* The event's ids and closing brace, kept from the event before when of the same thread. */
static inline char *put_ids(struct trace_writer *w, char *p, uint32_t pid, uint32_t tid)
{
	if (__builtin_expect(pid != w->ids_pid || tid != w->ids_tid || !w->ids_len, 0)) {
		char *q = w->ids;

		PUT_LIT(q, ",\"pid\":");
		q += json_fmt_u64(q, pid);
		PUT_LIT(q, ",\"tid\":");
		q += json_fmt_u64(q, tid);
		*q++ = '}';
		w->ids_pid = pid;
		w->ids_tid = tid;
		w->ids_len = q - w->ids;
	}
	memcpy(p, w->ids, sizeof(w->ids));
	return p + w->ids_len;
}

/* Room for put_ts's and put_ids's whole copies past what they use. */
#define COMPLETE_COPY_SLACK 64

void trace_writer_complete(struct trace_writer *w, const char *name_json, size_t name_json_len,
			   uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid)
{
	char *p, *start;

	if (__builtin_expect(w->ring != NULL, 0)) {
		slice_ring_complete(w->ring, name_json, name_json_len, ts_ns, dur_ns, pid, tid, NULL);
		return;
	}
	p = outbuf_reserve(&w->out, name_json_len + COMPLETE_FIXED_MAX + COMPLETE_COPY_SLACK);
	start = p;
	if (__builtin_expect(!p, 0)) {
		complete_slow(w, name_json, name_json_len, ts_ns, dur_ns, pid, tid);
		return;
	}
	p = put_sep(w, p);
	PUT_LIT(p, "{\"ph\":\"X\",\"cat\":\"FEE\",\"name\":");
	memcpy(p, name_json, name_json_len);
	p += name_json_len;
	PUT_LIT(p, ",\"ts\":");
	p = put_ts(w, p, ts_ns);
	PUT_LIT(p, ",\"dur\":");
	p += json_fmt_ns_as_us(p, dur_ns);
	p = put_ids(w, p, pid, tid);
	outbuf_commit(&w->out, p - start);
}

void trace_writer_raw_event(struct trace_writer *w, const char *json, size_t len)
{
	begin_event(w);
	put(w, json, len);
}

void trace_writer_process_name(struct trace_writer *w, uint32_t pid, const char *name)
{
	if (w->ring) {
		slice_ring_process_name(w->ring, pid, name);
		return;
	}
	begin_event(w);
	put_cstr(w, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":");
	put_u64(w, pid);
	put_cstr(w, ",\"args\":{\"name\":");
	put_quoted(w, name);
	put_cstr(w, "}}");
}

void trace_writer_thread_name(struct trace_writer *w, uint32_t pid, uint32_t tid, const char *name)
{
	if (w->ring) {
		slice_ring_thread_name(w->ring, pid, tid, name);
		return;
	}
	begin_event(w);
	put_cstr(w, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":");
	put_u64(w, pid);
	put_cstr(w, ",\"tid\":");
	put_u64(w, tid);
	put_cstr(w, ",\"args\":{\"name\":");
	put_quoted(w, name);
	put_cstr(w, "}}");
}

void trace_writer_instant(struct trace_writer *w, const char *name, uint64_t ts_ns, uint32_t pid,
			  uint32_t tid, char scope, const char *args_json)
{
	trace_writer_instant_cat(w, NULL, name, ts_ns, pid, tid, scope, args_json);
}

void trace_writer_instant_cat(struct trace_writer *w, const char *cat, const char *name,
			      uint64_t ts_ns, uint32_t pid, uint32_t tid, char scope,
			      const char *args_json)
{
	char s[] = ",\"s\":\"t\"";

	if (w->ring) {
		slice_ring_instant(w->ring, cat, name, ts_ns, pid, tid, scope, args_json);
		return;
	}
	if (scope == 'p' || scope == 'g')
		s[6] = scope;
	begin_event(w);
	put_cstr(w, "{\"ph\":\"i\",");
	if (cat) {
		put_cstr(w, "\"cat\":");
		put_quoted(w, cat);
		put_cstr(w, ",");
	}
	put_cstr(w, "\"name\":");
	put_quoted(w, name);
	put_cstr(w, ",\"ts\":");
	put_us(w, ts_ns);
	put_cstr(w, ",\"pid\":");
	put_u64(w, pid);
	put_cstr(w, ",\"tid\":");
	put_u64(w, tid);
	put_cstr(w, s);
	if (args_json) {
		put_cstr(w, ",\"args\":");
		put_cstr(w, args_json);
	}
	put_cstr(w, "}");
}

void trace_writer_counter(struct trace_writer *w, const char *name, uint64_t ts_ns, uint32_t pid,
			  const char *series, double value)
{
	char num[JSON_DOUBLE_MAX];

	begin_event(w);
	put_cstr(w, "{\"ph\":\"C\",\"name\":");
	put_quoted(w, name);
	put_cstr(w, ",\"ts\":");
	put_us(w, ts_ns);
	put_cstr(w, ",\"pid\":");
	put_u64(w, pid);
	put_cstr(w, ",\"args\":{");
	put_quoted(w, series);
	put_cstr(w, ":");
	put(w, num, json_fmt_double(num, value));
	put_cstr(w, "}}");
}

/* Events of other categories than FEE (gc, audit, custom events): not on the hot path. */
void trace_writer_complete_cat(struct trace_writer *w, const char *cat, const char *name,
			       uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid,
			       const char *args_json)
{
	begin_event(w);
	put_cstr(w, "{\"ph\":\"X\",\"cat\":");
	put_quoted(w, cat);
	put_cstr(w, ",\"name\":");
	put_quoted(w, name);
	complete_span(w, ts_ns, dur_ns, pid, tid);
	if (args_json) {
		put_cstr(w, ",\"args\":");
		put_cstr(w, args_json);
	}
	put_cstr(w, "}");
}

void trace_writer_counter_args(struct trace_writer *w, const char *name, uint64_t ts_ns,
			       uint32_t pid, uint32_t tid, const char *args_json)
{
	begin_event(w);
	put_cstr(w, "{\"ph\":\"C\",\"name\":");
	put_quoted(w, name);
	put_cstr(w, ",\"ts\":");
	put_us(w, ts_ns);
	put_cstr(w, ",\"pid\":");
	put_u64(w, pid);
	put_cstr(w, ",\"tid\":");
	put_u64(w, tid);
	put_cstr(w, ",\"args\":");
	put_cstr(w, args_json);
	put_cstr(w, "}");
}

/* Stores "key":value, replacing an earlier entry with the same key. */
static void meta_set(struct trace_writer *w, const char *key, const char *val, size_t val_len)
{
	size_t klen = strlen(key), qlen;
	char *qkey = json_quote_dup(key, klen, &qlen);
	char *text;

	if (!qkey)
		goto nomem;
	text = malloc(qlen + 1 + val_len + 1);
	if (!text) {
		free(qkey);
		goto nomem;
	}
	memcpy(text, qkey, qlen);
	text[qlen] = ':';
	memcpy(text + qlen + 1, val, val_len);
	text[qlen + 1 + val_len] = '\0';
	free(qkey);

	for (size_t i = 0; i < w->nmeta; i++) {
		struct meta_entry *m = &w->meta[i];

		if (m->key_len == qlen && !memcmp(m->text, text, qlen)) {
			free(m->text);
			m->text = text;
			m->len = qlen + 1 + val_len;
			return;
		}
	}
	if (w->nmeta == w->meta_cap) {
		size_t cap = w->meta_cap ? 2 * w->meta_cap : 16;
		struct meta_entry *m = realloc(w->meta, cap * sizeof(*m));

		if (!m) {
			free(text);
			goto nomem;
		}
		w->meta = m;
		w->meta_cap = cap;
	}
	w->meta[w->nmeta++] = (struct meta_entry){ text, qlen + 1 + val_len, qlen };
	return;
nomem:
	if (!w->err)
		w->err = -ENOMEM;
}

void trace_writer_meta_str(struct trace_writer *w, const char *key, const char *val)
{
	size_t n;
	char *q = json_quote_dup(val, strlen(val), &n);

	if (!q) {
		if (!w->err)
			w->err = -ENOMEM;
		return;
	}
	meta_set(w, key, q, n);
	free(q);
}

void trace_writer_meta_u64(struct trace_writer *w, const char *key, uint64_t val)
{
	char num[JSON_U64_MAX];

	meta_set(w, key, num, json_fmt_u64(num, val));
}

void trace_writer_meta_bool(struct trace_writer *w, const char *key, bool val)
{
	meta_set(w, key, val ? "true" : "false", val ? 4 : 5);
}

void trace_writer_meta_raw(struct trace_writer *w, const char *key, const char *raw_json)
{
	meta_set(w, key, raw_json, strlen(raw_json));
}

int trace_writer_flush(struct trace_writer *w)
{
	int err = outbuf_sync(&w->out);

	return err ? err : w->err;
}

int trace_writer_error(const struct trace_writer *w)
{
	/* out.err takes up the thread's error at each hand-over; reading it needs no lock. */
	return w->out.err ? w->out.err : w->err;
}

/*
 * "systemTraceEvents" goes between the events and viztracer_metadata: an importer that stops
 * at a key it does not know (older Perfetto) has read the events and the ftrace text by then.
 */
static void put_system_events(struct trace_writer *w)
{
	size_t n;
	char *q;

	put_cstr(w, "\n],\"systemTraceEvents\":");
	q = json_quote_dup(w->sys, w->sys_len, &n);
	if (q)
		put(w, q, n);
	else {
		put_cstr(w, "\"\"");
		if (!w->err)
			w->err = -ENOMEM;
	}
	free(q);
	free(w->sys);
	w->sys = NULL;
	/* doc_tail_events after its "\n]": the events' array is closed already. */
	put_cstr(w, doc_tail_events + 2);
}

void trace_writer_system_line(struct trace_writer *w, const char *line, size_t len)
{
	if (w->sys_len + len + 1 > w->sys_cap) {
		size_t cap = w->sys_cap ? w->sys_cap * 2 : 1 << 16;
		char *p;

		while (cap < w->sys_len + len + 1)
			cap *= 2;
		p = realloc(w->sys, cap);
		if (!p) {
			if (!w->err)
				w->err = -ENOMEM;
			return;
		}
		w->sys = p;
		w->sys_cap = cap;
	}
	memcpy(w->sys + w->sys_len, line, len);
	w->sys_len += len;
	w->sys[w->sys_len++] = '\n';
}

int trace_writer_keep_last(struct trace_writer *w, uint32_t n)
{
	if (w->ring)
		return 0;
	w->ring = slice_ring_new(n);
	return w->ring ? 0 : -ENOMEM;
}

void trace_writer_replay(const struct trace_writer *w, struct trace_writer *to)
{
	if (w->ring && to != w) {
		slice_ring_replay(w->ring, to);
		trace_writer_meta_u64(to, "tracer_entries", slice_ring_capacity(w->ring));
		trace_writer_meta_u64(to, "slices_not_kept", slice_ring_dropped(w->ring));
	}
}

int trace_writer_close(struct trace_writer *w)
{
	int err;

	if (!w)
		return 0;
	if (w->ring) {
		/* What was kept is written now, as if it had come last. */
		struct slice_ring *ring = w->ring;

		w->ring = NULL;
		slice_ring_replay(ring, w);
		trace_writer_meta_u64(w, "tracer_entries", slice_ring_capacity(ring));
		trace_writer_meta_u64(w, "slices_not_kept", slice_ring_dropped(ring));
		slice_ring_free(ring);
	}
	if (w->sys_len)
		put_system_events(w);
	else
		put(w, doc_tail_events, sizeof(doc_tail_events) - 1);
	for (size_t i = 0; i < w->nmeta; i++) {
		if (i)
			put(w, ",", 1);
		put(w, w->meta[i].text, w->meta[i].len);
		free(w->meta[i].text);
	}
	put(w, doc_tail_end, sizeof(doc_tail_end) - 1);
	free(w->meta);
	err = outbuf_close(&w->out);
	if (!err)
		err = w->err;
	free(w);
	return err;
}

void trace_writer_discard(struct trace_writer *w)
{
	if (!w)
		return;
	free(w->sys);
	slice_ring_free(w->ring);
	for (size_t i = 0; i < w->nmeta; i++)
		free(w->meta[i].text);
	free(w->meta);
	outbuf_discard(&w->out);
	free(w);
}

/* --kernel's flows (not the hot path of Python calls). */
void trace_writer_flow(struct trace_writer *w, char ph, const char *cat, const char *name,
		       uint64_t id, uint64_t ts_ns, uint32_t pid, uint32_t tid)
{
	char head[] = "{\"ph\":\"s\",\"cat\":";

	head[7] = ph == 'f' ? 'f' : ph == 't' ? 't' : 's';
	begin_event(w);
	put_cstr(w, head);
	put_quoted(w, cat);
	put_cstr(w, ",\"name\":");
	put_quoted(w, name);
	put_cstr(w, ",\"id\":");
	put_u64(w, id);
	put_cstr(w, ",\"ts\":");
	put_us(w, ts_ns);
	put_cstr(w, ",\"pid\":");
	put_u64(w, pid);
	put_cstr(w, ",\"tid\":");
	put_u64(w, tid);
	/* The end binds the slice enclosing it (without this, the next slice to start). */
	if (ph == 'f')
		put_cstr(w, ",\"bp\":\"e\"");
	put_cstr(w, "}");
}
