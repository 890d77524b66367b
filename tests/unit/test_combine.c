// SPDX-License-Identifier: BSD-2-Clause
/* export/combine: events of any JSON trace copied as they are, or shifted to start at 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "export/combine.h"
#include "export/trace_writer.h"
#include "test.h"

static const char doc[] =
	"{ \"displayTimeUnit\" : \"ns\", \"other\": {\"traceEvents\": 5, \"s\": \"}]\\\"\"},\n"
	"  \"traceEvents\" : [\n"
	"   {\"name\": \"a {x}\", \"ph\": \"X\", \"ts\": 1500.5, \"dur\": 2, \"args\": {\"ts\": 9}},\n"
	"   {\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"args\":{\"name\":\"p\"}},\n"
	"   {\"args\": {\"ts\": 1}, \"ts\":1000, \"ph\":\"i\", \"name\":\"b\"}\n"
	"  ], \"viztracer_metadata\": {}}";

static char *run(bool align, long *n)
{
	char path[64], err[128], *out;
	struct trace_writer *w;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/vz_combine_%d.json", getpid());
	w = trace_writer_open(path);
	if (!w)
		return NULL;
	*n = combine_events(w, doc, sizeof(doc) - 1, align, err, sizeof(err));
	trace_writer_close(w);
	out = calloc(1, 8192);
	f = fopen(path, "r");
	if (f && out)
		out[fread(out, 1, 8191, f)] = '\0';
	if (f)
		fclose(f);
	unlink(path);
	return out;
}

void test_combine_copies_and_aligns(void)
{
	char err[128], path[64], *plain, *aligned;
	struct trace_writer *w;
	long n = 0, m = 0;

	plain = run(false, &n);
	aligned = run(true, &m);
	if (ASSERT_OK_PTR(plain, "plain") && ASSERT_OK_PTR(aligned, "aligned")) {
		ASSERT_EQ(n, 3, "events");
		ASSERT_EQ(m, 3, "events aligned");
		ASSERT_TRUE(strstr(plain, "{\"name\": \"a {x}\", \"ph\": \"X\", \"ts\": 1500.5, "
				   "\"dur\": 2, \"args\": {\"ts\": 9}}") != NULL, "copied as is");
		/* The earliest ts (1000) becomes 0; nested "ts" keys are not timestamps. */
		ASSERT_TRUE(strstr(aligned, "\"ts\": 500.500, \"dur\": 2, \"args\": {\"ts\": 9}") != NULL,
			    "shifted");
		ASSERT_TRUE(strstr(aligned, "{\"args\": {\"ts\": 1}, \"ts\":0.000, \"ph\":\"i\"") != NULL,
			    "earliest at 0");
		ASSERT_TRUE(strstr(aligned, "\"process_name\",\"pid\":1,") != NULL, "no ts: as is");
	}
	free(plain);
	free(aligned);
	snprintf(path, sizeof(path), "/tmp/vz_combine_bad_%d.json", getpid());
	w = trace_writer_open(path);
	if (!ASSERT_OK_PTR(w, "open"))
		return;
	ASSERT_EQ(combine_events(w, "{\"a\":1}", 7, false, err, sizeof(err)), -1, "no events");
	ASSERT_EQ(combine_events(w, "{\"traceEvents\":[{}", 18, false, err, sizeof(err)), -1,
		  "cut short");
	ASSERT_EQ(combine_events(w, "[1]", 3, false, err, sizeof(err)), -1, "not objects");
	trace_writer_discard(w);
}
