/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * For the unit tests that feed records to user/slices/events.c: a trace writer on a
 * temporary file with an events over it, finished and read back into memory.
 */
#ifndef VZ_TEST_EVENTS_FIXTURE_H
#define VZ_TEST_EVENTS_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "export/trace_writer.h"
#include "user/slices/events.h"

struct events_fixture {
	char path[64];
	struct trace_writer *w;
	struct events *ev;
	char *out; /* the trace as written, after events_fixture_finish() */
};

static inline bool events_fixture_open(struct events_fixture *f,
				       const struct events_filter *filter)
{
	int fd;

	strcpy(f->path, "/tmp/vz-events-XXXXXX");
	fd = mkstemp(f->path);
	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return false;
	close(fd);
	f->w = trace_writer_open(f->path);
	f->ev = f->w ? events_new(f->w, filter) : NULL;
	f->out = NULL;
	return ASSERT_OK_PTR(f->ev, "events_new");
}

/* Finishes the trace (end_ns: see events_finish) and reads it back into f->out. */
static inline void events_fixture_finish(struct events_fixture *f, uint64_t end_ns)
{
	FILE *in;
	long n;

	events_finish(f->ev, end_ns);
	ASSERT_OK(trace_writer_close(f->w), "close");
	in = fopen(f->path, "r");
	fseek(in, 0, SEEK_END);
	n = ftell(in);
	rewind(in);
	f->out = calloc(1, n + 1);
	if (fread(f->out, 1, n, in) != (size_t)n)
		(void)VZ_FAIL_("short read");
	fclose(in);
	unlink(f->path);
}

#endif
