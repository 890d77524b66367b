// SPDX-License-Identifier: BSD-2-Clause
/*
 * export/trace_writer: whole documents byte for byte, the gzip path against the plain one,
 * open and write errors, and that what we write parses (jq) with the values we meant.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include "export/json.h"
#include "export/sink.h"
#include "export/trace_writer.h"
#include "test.h"

/* A fresh directory per test under $TMPDIR, removed with its files by tmp_cleanup. */
static char tmp_dir[256];

static const char *tmp_path(const char *name)
{
	static char path[512];

	if (!tmp_dir[0]) {
		const char *t = getenv("TMPDIR");

		snprintf(tmp_dir, sizeof(tmp_dir), "%s/vz_tw_XXXXXX", t && *t ? t : "/tmp");
		if (!mkdtemp(tmp_dir)) {
			tmp_dir[0] = '\0';
			return NULL;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	return path;
}

static void tmp_cleanup(void)
{
	char cmd[300];

	if (!tmp_dir[0])
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
	if (system(cmd))
		fprintf(stderr, "  could not remove %s\n", tmp_dir);
	tmp_dir[0] = '\0';
}

/* Whole file as a NUL-terminated string (gzip-decoded when gz), *len its size. */
static char *slurp(const char *path, bool gz, size_t *len)
{
	gzFile f = gz ? gzopen(path, "rb") : NULL;
	FILE *p = gz ? NULL : fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);

	if ((gz && !f) || (!gz && !p) || !buf)
		goto fail;
	for (;;) {
		long k;

		if (n == cap) {
			char *nb = realloc(buf, 2 * cap + 1);

			if (!nb)
				goto fail;
			buf = nb;
			cap *= 2;
		}
		k = gz ? gzread(f, buf + n, cap - n) : (long)fread(buf + n, 1, cap - n, p);
		if (k < 0)
			goto fail;
		if (k == 0)
			break;
		n += k;
	}
	if (gz)
		gzclose(f);
	else
		fclose(p);
	buf[n] = '\0';
	*len = n;
	return buf;
fail:
	if (f)
		gzclose(f);
	if (p)
		fclose(p);
	free(buf);
	return NULL;
}

/* Runs `jq -r FILTER PATH` and returns its stdout (trailing newline removed), or NULL. */
static char *jq(const char *filter, const char *path)
{
	static char out[4096];
	char cmd[1024];
	FILE *p;
	size_t n;

	snprintf(cmd, sizeof(cmd), "jq -r '%s' '%s' 2>&1", filter, path);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	if (pclose(p) != 0) {
		fprintf(stderr, "  jq %s failed: %s\n", filter, out);
		return NULL;
	}
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return out;
}

#define NAME_LIT(w, lit, ...) trace_writer_complete(w, lit, sizeof(lit) - 1, __VA_ARGS__)

/* The same small trace through every event kind, used for the plain and the gzip file. */
static void write_sample(struct trace_writer *w)
{
	trace_writer_process_name(w, 4242, "python3 fib.py");
	trace_writer_thread_name(w, 4242, 4243, "Main\"Thread");
	NAME_LIT(w, "\"fib (fib.py:3)\"", 1000000, 999, 4242, 4243);
	NAME_LIT(w, "\"<module> (fib.py:1)\"", 12345678901ull, 1234567, 4242, 4243);
	trace_writer_instant(w, "gc", 2000001, 4242, 4243, 'p', "{\"gen\":2}");
	trace_writer_instant(w, "fork", 3000000, 1, 1, 'x', NULL);
	trace_writer_instant_cat(w, "vizbpf", "held", 3500000, 1, 2, 't', "{\"held_ms\":1.5}");
	trace_writer_counter(w, "rss", 4000000, 4242, "bytes", 1048576);
	trace_writer_meta_str(w, "version", "0.1.0");
	trace_writer_meta_bool(w, "overflow", false);
	trace_writer_meta_u64(w, "lost_events", 0);
	trace_writer_meta_str(w, "mechanism", "uprobe\n");
	trace_writer_meta_u64(w, "lost_events", 17);	/* replaces, keeps the position */
}

static const char sample_doc[] =
	"{\"traceEvents\":[\n"
	"{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":4242,"
	"\"args\":{\"name\":\"python3 fib.py\"}},\n"
	"{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":4242,\"tid\":4243,"
	"\"args\":{\"name\":\"Main\\\"Thread\"}},\n"
	"{\"ph\":\"X\",\"cat\":\"FEE\",\"name\":\"fib (fib.py:3)\",\"ts\":1000.000,\"dur\":0.999,"
	"\"pid\":4242,\"tid\":4243},\n"
	"{\"ph\":\"X\",\"cat\":\"FEE\",\"name\":\"<module> (fib.py:1)\",\"ts\":12345678.901,"
	"\"dur\":1234.567,\"pid\":4242,\"tid\":4243},\n"
	"{\"ph\":\"i\",\"name\":\"gc\",\"ts\":2000.001,\"pid\":4242,\"tid\":4243,\"s\":\"p\","
	"\"args\":{\"gen\":2}},\n"
	"{\"ph\":\"i\",\"name\":\"fork\",\"ts\":3000.000,\"pid\":1,\"tid\":1,\"s\":\"t\"},\n"
	"{\"ph\":\"i\",\"cat\":\"vizbpf\",\"name\":\"held\",\"ts\":3500.000,\"pid\":1,\"tid\":2,"
	"\"s\":\"t\",\"args\":{\"held_ms\":1.5}},\n"
	"{\"ph\":\"C\",\"name\":\"rss\",\"ts\":4000.000,\"pid\":4242,"
	"\"args\":{\"bytes\":1048576}}\n"
	"],\"displayTimeUnit\":\"ns\",\"viztracer_metadata\":{\"version\":\"0.1.0\","
	"\"overflow\":false,\"lost_events\":17,\"mechanism\":\"uprobe\\n\"}}\n";

void test_trace_writer_document(void)
{
	const char *path = tmp_path("t.json");
	struct trace_writer *w;
	size_t len = 0;
	char *got;

	if (!ASSERT_OK_PTR(path, "tmp") || !ASSERT_OK_PTR(w = trace_writer_open(path), "open"))
		goto out;
	write_sample(w);
	ASSERT_OK(trace_writer_error(w), "no error yet");
	if (!ASSERT_OK(trace_writer_close(w), "close"))
		goto out;
	got = slurp(path, false, &len);
	if (ASSERT_OK_PTR(got, "read back")) {
		ASSERT_EQ(len, sizeof(sample_doc) - 1, "length");
		ASSERT_STREQ(got, sample_doc, "document");
	}
	free(got);
out:
	tmp_cleanup();
}

/*
 * A sink of the caller's own, as the HTML report will be: it sees the exact bytes of the
 * document, in order, and is closed once. It also records the chunk sizes so we can see that
 * a sink is called per buffer, not per event.
 */
struct mem_sink {
	struct vz_sink base;
	char *buf;
	size_t len, cap;
	size_t writes;
	int *closed;	/* survives the close, which frees the sink */
	char **out;
	size_t *out_len;
};

static int mem_write(struct vz_sink *s, const void *p, size_t n)
{
	struct mem_sink *m = (struct mem_sink *)s;

	if (m->len + n > m->cap) {
		size_t cap = 2 * (m->len + n);
		char *nb = realloc(m->buf, cap);

		if (!nb)
			return -ENOMEM;
		m->buf = nb;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, p, n);
	m->len += n;
	m->writes++;
	return 0;
}

static int mem_close(struct vz_sink *s)
{
	struct mem_sink *m = (struct mem_sink *)s;

	(*m->closed)++;
	*m->out = m->buf;
	*m->out_len = m->len;
	free(m);
	return 0;
}

static const struct vz_sink_ops mem_ops = { .write = mem_write, .close = mem_close };

void test_trace_writer_custom_sink(void)
{
	for (unsigned int flags = 0; flags <= TRACE_WRITER_SYNC; flags++) {
		struct mem_sink *m = calloc(1, sizeof(*m));
		char *out = NULL;
		size_t out_len = 0;
		int closed = 0;
		struct trace_writer *w;

		if (!ASSERT_OK_PTR(m, "calloc"))
			return;
		m->base.ops = &mem_ops;
		m->closed = &closed;
		m->out = &out;
		m->out_len = &out_len;
		w = trace_writer_open_sink(&m->base, flags);
		if (!ASSERT_OK_PTR(w, "open_sink"))
			return;
		write_sample(w);
		ASSERT_OK(trace_writer_close(w), "close");
		ASSERT_EQ(closed, 1, "sink closed once");
		if (ASSERT_OK_PTR(out, "bytes")) {
			out = realloc(out, out_len + 1);
			out[out_len] = '\0';
			ASSERT_STREQ(out, sample_doc, flags ? "sync doc" : "threaded doc");
		}
		free(out);
	}
}

/*
 * trace_writer_complete keeps the last event's seconds and ids: whatever comes next (another
 * thread, a second boundary, a time under a second, the largest numbers), each event reads as
 * printf would write it.
 */
void test_trace_writer_complete_numbers(void)
{
	static const uint64_t ts[] = {
		0, 999, 999999999, 1000000000, 1000000001, 1999999999, 2000000000,
		26885482159927001ull, 26885482159927999ull, 26885482160000000ull, 5, 9999999999ull,
		10000000000ull, 10000000000ull, UINT64_MAX, 1, UINT64_MAX - 1, 123456789012345ull,
	};
	static const uint32_t ids[][2] = { { 1, 1 }, { 4242, 4243 }, { 4242, 4244 },
					   { UINT32_MAX, UINT32_MAX }, { 7, 0 } };
	const char *path = tmp_path("n.json");
	size_t cap = 1 << 16, len = 0, got_len = 0;
	char *want = malloc(cap), *got = NULL;
	struct trace_writer *w;

	if (!ASSERT_OK_PTR(path, "tmp") || !ASSERT_OK_PTR(want, "malloc") ||
	    !ASSERT_OK_PTR(w = trace_writer_open(path), "open"))
		goto out;
	len = snprintf(want, cap, "{\"traceEvents\":[");
	for (size_t i = 0; i < 4 * sizeof(ts) / sizeof(ts[0]); i++) {
		uint64_t t = ts[i % (sizeof(ts) / sizeof(ts[0]))], d = t / 7;
		const uint32_t *id = ids[(i / 3) % (sizeof(ids) / sizeof(ids[0]))];

		NAME_LIT(w, "\"f\"", t, d, id[0], id[1]);
		len += snprintf(want + len, cap - len,
				"%s\n{\"ph\":\"X\",\"cat\":\"FEE\",\"name\":\"f\",\"ts\":%llu.%03llu,"
				"\"dur\":%llu.%03llu,\"pid\":%u,\"tid\":%u}",
				i ? "," : "", (unsigned long long)(t / 1000),
				(unsigned long long)(t % 1000), (unsigned long long)(d / 1000),
				(unsigned long long)(d % 1000), id[0], id[1]);
	}
	len += snprintf(want + len, cap - len,
			"\n],\"displayTimeUnit\":\"ns\",\"viztracer_metadata\":{}}\n");
	if (!ASSERT_OK(trace_writer_close(w), "close"))
		goto out;
	got = slurp(path, false, &got_len);
	if (ASSERT_OK_PTR(got, "read back"))
		ASSERT_STREQ(got, want, "every number as printf writes it");
out:
	free(got);
	free(want);
	tmp_cleanup();
}

/* Both ways of writing, the writer thread and the caller's thread, across many buffers. */
void test_trace_writer_sync_and_threaded_agree(void)
{
	char *doc[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };

	for (unsigned int flags = 0; flags <= TRACE_WRITER_SYNC; flags++) {
		const char *path = tmp_path(flags ? "sync.json" : "thr.json");
		struct vz_sink *s = path ? vz_sink_file_open(path) : NULL;
		struct trace_writer *w;

		if (!ASSERT_OK_PTR(s, "sink"))
			goto out;
		w = trace_writer_open_sink(s, flags);
		if (!ASSERT_OK_PTR(w, "open_sink"))
			goto out;
		for (uint32_t i = 0; i < 100000; i++) {
			NAME_LIT(w, "\"g (b.py:2)\"", 1000ull * i + 7, i, 1, 2);
			if (i % 30000 == 0)
				ASSERT_OK(trace_writer_flush(w), "flush");
		}
		trace_writer_meta_u64(w, "n", 100000);
		ASSERT_OK(trace_writer_close(w), "close");
		doc[flags] = slurp(path, false, &len[flags]);
	}
	if (ASSERT_OK_PTR(doc[0], "threaded") && ASSERT_OK_PTR(doc[1], "sync")) {
		ASSERT_EQ(len[0], len[1], "same length");
		ASSERT_TRUE(len[0] > (4u << 20), "several buffers");
		ASSERT_TRUE(!memcmp(doc[0], doc[1], len[0]), "same bytes");
	}
out:
	free(doc[0]);
	free(doc[1]);
	tmp_cleanup();
}

void test_trace_writer_empty(void)
{
	static const char want[] =
		"{\"traceEvents\":[\n],\"displayTimeUnit\":\"ns\",\"viztracer_metadata\":{}}\n";
	const char *path = tmp_path("empty.json");
	struct trace_writer *w = path ? trace_writer_open(path) : NULL;
	size_t len;
	char *got;

	if (!ASSERT_OK_PTR(w, "open") || !ASSERT_OK(trace_writer_close(w), "close"))
		goto out;
	got = slurp(path, false, &len);
	ASSERT_STREQ(got, want, "empty document");
	free(got);
	ASSERT_STREQ(jq(".traceEvents | length", path), "0", "jq parses empty");
out:
	tmp_cleanup();
}

void test_trace_writer_gzip(void)
{
	const char *p = tmp_path("t.json.gz");
	char gz_path[512];
	struct trace_writer *w;
	unsigned char magic[2] = { 0 };
	size_t len = 0;
	char *got = NULL;
	FILE *f;

	if (!ASSERT_OK_PTR(p, "tmp"))
		goto out;
	snprintf(gz_path, sizeof(gz_path), "%s", p);
	if (!ASSERT_OK_PTR(w = trace_writer_open(gz_path), "open gz"))
		goto out;
	write_sample(w);
	if (!ASSERT_OK(trace_writer_close(w), "close gz"))
		goto out;
	/* Really compressed, not a plain file that gzread passes through. */
	f = fopen(gz_path, "rb");
	if (f) {
		ASSERT_EQ(fread(magic, 1, 2, f), 2, "magic read");
		fclose(f);
	}
	ASSERT_TRUE(magic[0] == 0x1f && magic[1] == 0x8b, "gzip magic");
	got = slurp(gz_path, true, &len);
	if (ASSERT_OK_PTR(got, "gzread")) {
		ASSERT_EQ(len, sizeof(sample_doc) - 1, "gz length");
		ASSERT_STREQ(got, sample_doc, "gz document equals the plain one");
	}
out:
	free(got);
	tmp_cleanup();
}

void test_trace_writer_parses_with_jq(void)
{
	const char *p = tmp_path("t.json");
	char path[512], name[256];
	struct trace_writer *w;
	/* Quote, backslash, control char, non-ASCII, invalid byte and a '</script' in a name. */
	static const char raw[] = "odd \"q\" \\ \t caf\xc3\xa9 \xff </script> (x.py:9)";
	size_t n;

	if (!ASSERT_OK_PTR(p, "tmp"))
		goto out;
	snprintf(path, sizeof(path), "%s", p);
	if (!ASSERT_OK_PTR(w = trace_writer_open(path), "open"))
		goto out;
	write_sample(w);
	n = json_quote(name, sizeof(name), raw, sizeof(raw) - 1);
	trace_writer_complete(w, name, n, UINT64_MAX, 5, UINT32_MAX, 0);
	trace_writer_counter(w, "load", 5000000, 1, "ratio", 0.25);
	trace_writer_meta_raw(w, "kernel", "{\"syscalls\":true}");
	if (!ASSERT_OK(trace_writer_close(w), "close"))
		goto out;

	ASSERT_STREQ(jq(".traceEvents | length", path), "10", "event count");
	ASSERT_STREQ(jq(".displayTimeUnit", path), "ns", "displayTimeUnit");
	ASSERT_STREQ(jq(".traceEvents[8].name", path),
		     "odd \"q\" \\ \t caf\xc3\xa9 \xef\xbf\xbd </script> (x.py:9)", "name");
	ASSERT_STREQ(jq(".traceEvents[8].pid", path), "4294967295", "pid u32 max");
	ASSERT_STREQ(jq(".traceEvents[2].ts", path), "1000", "ts in us");
	ASSERT_STREQ(jq(".traceEvents[3].dur", path), "1234.567", "dur in us");
	ASSERT_STREQ(jq(".traceEvents[9].args.ratio", path), "0.25", "counter value");
	ASSERT_STREQ(jq(".traceEvents[6].cat", path), "vizbpf", "instant's cat");
	ASSERT_STREQ(jq(".traceEvents[1].args.name", path), "Main\"Thread", "thread name");
	ASSERT_STREQ(jq("[.traceEvents[] | .ph] | join(\"\")", path), "MMXXiiiCXC", "phases");
	ASSERT_STREQ(jq(".viztracer_metadata | keys_unsorted | join(\",\")", path),
		     "version,overflow,lost_events,mechanism,kernel", "meta order");
	ASSERT_STREQ(jq(".viztracer_metadata.overflow", path), "false", "overflow");
	ASSERT_STREQ(jq(".viztracer_metadata.kernel.syscalls", path), "true", "raw meta");
out:
	tmp_cleanup();
}

/* Well past the 1 MiB buffer, plus a name bigger than the buffer itself (the slow path). */
void test_trace_writer_large(void)
{
	const char *p = tmp_path("big.json.gz");
	size_t big_len = (3u << 20) / 2;
	char path[520], *big = NULL, *q = NULL, *got = NULL;
	struct trace_writer *w;
	size_t qlen, len;
	char cmd[1100];

	if (!ASSERT_OK_PTR(p, "tmp"))
		goto out;
	snprintf(path, sizeof(path) - 8, "%s", p);
	big = malloc(big_len);
	if (!ASSERT_OK_PTR(big, "malloc") || !ASSERT_OK_PTR(w = trace_writer_open(path), "open"))
		goto out;
	memset(big, 'n', big_len);
	q = json_quote_dup(big, big_len, &qlen);
	for (uint32_t i = 0; i < 200000; i++)
		NAME_LIT(w, "\"f (a.py:1)\"", 1000ull * i, 500, 7, i % 4);
	trace_writer_complete(w, q, qlen, 1, 2, 3, 4);
	NAME_LIT(w, "\"last\"", 9, 9, 9, 9);
	if (!ASSERT_OK(trace_writer_close(w), "close"))
		goto out;
	got = slurp(path, true, &len);
	if (!ASSERT_OK_PTR(got, "read"))
		goto out;
	/* Every line but the first and last two is one event, comma-terminated but the last. */
	ASSERT_TRUE(strstr(got, "\"ts\":199999.000,\"dur\":0.500,\"pid\":7,\"tid\":3},\n"),
		    "event 199999 on its line");
	snprintf(cmd, sizeof(cmd), "gzip -dc '%s' > '%s.json'", path, path);
	if (ASSERT_OK(system(cmd), "gunzip")) {
		strcat(path, ".json");
		ASSERT_STREQ(jq(".traceEvents | length", path), "200002", "all events");
		ASSERT_STREQ(jq(".traceEvents[200000].name | length", path), "1572864", "big name");
		ASSERT_STREQ(jq(".traceEvents[-1].name", path), "last", "after big name");
	}
out:
	free(got);
	free(q);
	free(big);
	tmp_cleanup();
}

void test_trace_writer_open_errors(void)
{
	const char *dir = tmp_path("");

	errno = 0;
	ASSERT_NULL(trace_writer_open("/nonexistent-vizbpf-dir/t.json"), "missing dir");
	ASSERT_EQ(errno, ENOENT, "missing dir errno");
	errno = 0;
	ASSERT_NULL(trace_writer_open("/nonexistent-vizbpf-dir/t.json.gz"), "missing dir gz");
	ASSERT_EQ(errno, ENOENT, "missing dir gz errno");
	if (ASSERT_OK_PTR(dir, "tmp")) {
		errno = 0;
		ASSERT_NULL(trace_writer_open(dir), "a directory");
		ASSERT_EQ(errno, EISDIR, "directory errno");
	}
	errno = 0;
	ASSERT_NULL(trace_writer_open("report.html"), "html not yet");
	ASSERT_EQ(errno, ENOTSUP, "html errno");
	ASSERT_EQ(access("report.html", F_OK), -1, "html file not created");
	ASSERT_OK(trace_writer_close(NULL), "close NULL");
	tmp_cleanup();
}

/* A full disk: every path that writes must report it at close, not just drop the data. */
void test_trace_writer_enospc(void)
{
	static const char *const paths[] = { "/dev/full", "/dev/full.gz" };
	struct trace_writer *w;

	if (access("/dev/full", W_OK)) {
		fprintf(stderr, "  /dev/full not writable here\n");
		vz_test_failed = 1;
		return;
	}
	/* Small document: the error only shows when close flushes. */
	w = trace_writer_open("/dev/full");
	if (ASSERT_OK_PTR(w, "open small")) {
		NAME_LIT(w, "\"f\"", 1, 1, 1, 1);
		ASSERT_EQ(trace_writer_close(w), -ENOSPC, "small close");
	}
	/* Big one: the error shows mid-run, stays, and writing on is harmless. (The gzip case
	 * opens its sink by hand: "/dev/full.gz" does not exist, and a symlink at the output
	 * name is replaced, never written through.) */
	for (int i = 0; i < 3; i++) {
		const char *path = paths[i % 2];

		if (i == 2) {
			/* The synchronous path reports it at the very flush that failed. */
			struct vz_sink *s = vz_sink_file_open("/dev/full");

			if (!ASSERT_OK_PTR(s, "sink /dev/full"))
				break;
			w = trace_writer_open_sink(s, TRACE_WRITER_SYNC);
			if (!ASSERT_OK_PTR(w, "sync open"))
				break;
			for (int k = 0; k < 100000 && !trace_writer_error(w); k++)
				NAME_LIT(w, "\"f\"", k, 1, 2, 3);
			ASSERT_EQ(trace_writer_error(w), -ENOSPC, "sync error mid-run");
			ASSERT_EQ(trace_writer_close(w), -ENOSPC, "sync close");
			break;
		}
		if (i == 1) {
			struct vz_sink *s = vz_sink_gz_open("/dev/full", 1);

			w = s ? trace_writer_open_sink(s, 0) : NULL;
		} else {
			w = trace_writer_open(path);
		}
		if (!ASSERT_OK_PTR(w, path))
			continue;
		for (int k = 0; k < 100000; k++)
			NAME_LIT(w, "\"some_function (some/module.py:123)\"", k, 1, 2, 3);
		ASSERT_EQ(trace_writer_flush(w), -ENOSPC, path);
		ASSERT_EQ(trace_writer_error(w), -ENOSPC, path);
		NAME_LIT(w, "\"after\"", 1, 1, 1, 1);
		trace_writer_meta_str(w, "version", "x");
		ASSERT_EQ(trace_writer_close(w), -ENOSPC, path);
	}
	tmp_cleanup();
}

/* The loader forks and execs the traced program: it must not inherit the trace fd. */
void test_trace_writer_cloexec(void)
{
	const char *p = tmp_path("c.json");
	struct trace_writer *w;
	char link[64], target[512];
	int found = 0;

	if (!ASSERT_OK_PTR(p, "tmp") || !ASSERT_OK_PTR(w = trace_writer_open(p), "open"))
		goto out;
	for (int fd = 3; fd < 1024; fd++) {
		ssize_t n;

		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		/* The bytes go to a hidden temporary next to p until close. */
		if (!strstr(target, "/.c.json.vizbpf-"))
			continue;
		found = 1;
		ASSERT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC, "FD_CLOEXEC");
	}
	ASSERT_TRUE(found, "trace fd found");
	ASSERT_OK(trace_writer_close(w), "close");
out:
	tmp_cleanup();
}

/* Older content of a name stays until a whole new trace replaces it (issue #12). */
void test_trace_writer_keeps_old_file(void)
{
	const char *p = tmp_path("old.json");
	char path[512], victim[512], *got;
	struct trace_writer *w;
	size_t len;
	FILE *f;

	if (!ASSERT_OK_PTR(p, "tmp"))
		return;
	snprintf(path, sizeof(path), "%s", p);
	snprintf(victim, sizeof(victim), "%s", tmp_path("victim"));
	f = fopen(path, "w");
	if (!ASSERT_OK_PTR(f, "old"))
		goto out;
	fputs("old", f);
	fclose(f);
	/* Discarded: the old file is untouched, no temporary is left. */
	if (!ASSERT_OK_PTR(w = trace_writer_open(path), "open"))
		goto out;
	NAME_LIT(w, "\"f\"", 1, 1, 1, 1);
	ASSERT_OK(trace_writer_flush(w), "flush");
	got = slurp(path, false, &len);
	ASSERT_TRUE(got && !strcmp(got, "old"), "old content while writing");
	free(got);
	trace_writer_discard(w);
	got = slurp(path, false, &len);
	ASSERT_TRUE(got && !strcmp(got, "old"), "old content after discard");
	free(got);
	/* A symlink at the name is replaced, its target never written. */
	f = fopen(victim, "w");
	if (!ASSERT_OK_PTR(f, "victim"))
		goto out;
	fputs("victim", f);
	fclose(f);
	unlink(path);
	if (!ASSERT_OK(symlink(victim, path), "symlink") ||
	    !ASSERT_OK_PTR(w = trace_writer_open(path), "open link"))
		goto out;
	ASSERT_OK(trace_writer_close(w), "close");
	got = slurp(victim, false, &len);
	ASSERT_TRUE(got && !strcmp(got, "victim"), "symlink target untouched");
	free(got);
	got = slurp(path, false, &len);
	ASSERT_TRUE(got && !strncmp(got, "{\"traceEvents\"", 14), "new trace at the name");
	free(got);
out:
	tmp_cleanup();
}
