// SPDX-License-Identifier: BSD-2-Clause
/*
 * export/slice_ring through trace_writer_keep_last: exactly the last N slices of each process
 * are written at close, oldest first, with the names and the instants; a replay (snapshot)
 * writes the same into another file and leaves the ring as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "export/trace_writer.h"
#include "test.h"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

static void slice(struct trace_writer *w, int i, uint32_t pid)
{
	char name[32];
	int n = snprintf(name, sizeof(name), "\"f%d (a.py:1)\"", i);

	trace_writer_complete(w, name, n, 1000 * i, 500, pid, pid);
}

void test_slice_ring_keeps_last_n_per_process(void)
{
	char path[64], snap[64];
	struct trace_writer *w, *s;
	char *doc = NULL, *sdoc = NULL;
	const char *a, *b;

	snprintf(path, sizeof(path), "/tmp/vz_ring_%d.json", getpid());
	snprintf(snap, sizeof(snap), "/tmp/vz_ring_%d_1.json", getpid());
	if (!ASSERT_OK_PTR(w = trace_writer_open(path), "open"))
		return;
	ASSERT_OK(trace_writer_keep_last(w, 3), "keep_last");
	trace_writer_process_name(w, 7, "proc seven");
	trace_writer_thread_name(w, 7, 7, "MainThread");
	for (int i = 1; i <= 5; i++)
		slice(w, i, 7);
	slice(w, 100, 8);
	trace_writer_instant_cat(w, "vizbpf", "held", 4200, 7, 7, 't', "{\"held_ms\":1.000}");
	/* A snapshot now: the same kept events, the writer keeps going. */
	if (ASSERT_OK_PTR(s = trace_writer_open(snap), "open snapshot")) {
		trace_writer_replay(w, s);
		ASSERT_OK(trace_writer_close(s), "close snapshot");
	}
	slice(w, 6, 7);
	trace_writer_complete_args(w, "\"g (a.py:2)\"", 12, 7000, 1, 7, 7, "{\"events_lost\":\"x\"}");
	if (!ASSERT_OK(trace_writer_close(w), "close"))
		goto out;
	doc = read_all(path);
	sdoc = read_all(snap);
	if (!ASSERT_OK_PTR(doc, "read") || !ASSERT_OK_PTR(sdoc, "read snapshot"))
		goto out;
	/* Final: f5, f6, g of pid 7 (the last 3), f100 of pid 8. */
	ASSERT_EQ(count(doc, "\"ph\":\"X\""), 4, "slices written");
	ASSERT_EQ(count(doc, "\"f4 "), 0, "f4 pushed out");
	a = strstr(doc, "\"f5 ");
	b = strstr(doc, "\"f6 ");
	ASSERT_TRUE(a && b && a < b, "f5 then f6, oldest first");
	ASSERT_EQ(count(doc, "\"events_lost\":\"x\""), 1, "a slice's args kept");
	ASSERT_EQ(count(doc, "\"f100 "), 1, "another process has its own N");
	ASSERT_EQ(count(doc, "\"proc seven\""), 1, "process name");
	ASSERT_EQ(count(doc, "\"MainThread\""), 1, "thread name");
	ASSERT_EQ(count(doc, "\"held_ms\":1.000"), 1, "instant");
	ASSERT_EQ(count(doc, "\"slices_not_kept\":4"), 1, "dropped counted");
	ASSERT_EQ(count(doc, "\"tracer_entries\":3"), 1, "capacity in the metadata");
	/* Snapshot: f3, f4, f5 and f100, with the names. */
	ASSERT_EQ(count(sdoc, "\"ph\":\"X\""), 4, "snapshot slices");
	ASSERT_EQ(count(sdoc, "\"f3 "), 1, "snapshot f3");
	ASSERT_EQ(count(sdoc, "\"f2 "), 0, "snapshot without f2");
	ASSERT_EQ(count(sdoc, "\"proc seven\""), 1, "snapshot process name");
	ASSERT_EQ(count(sdoc, "\"slices_not_kept\":2"), 1, "snapshot dropped count");
out:
	free(doc);
	free(sdoc);
	unlink(path);
	unlink(snap);
}
