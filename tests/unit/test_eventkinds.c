// SPDX-License-Identifier: BSD-2-Clause
/*
 * GC, audit and custom-event records through user/slices/events.c without BPF: what the
 * trace gets for each (gcslices.c, auditev.c, customev.c).
 */
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "vizbpf.h"
#include "user/slices/events.h"
#include "events_fixture.h"


static bool ksetup(struct events_fixture *f, const char *const *regex, int n)
{
	struct events_filter filter = { .max_stack_depth = -1, .audit_regex = regex,
					.n_audit_regex = n };

	return events_fixture_open(f, &filter);
}

static void kfinish(struct events_fixture *f)
{
	events_fixture_finish(f, 0);
	events_free(f->ev);
}

static void set_str(struct vz_pystr_hdr *h, char *buf, const char *s)
{
	h->kind = 1;
	h->len = strlen(s);
	memcpy(buf, s, h->len);
}

void test_eventkinds_gc_slice(void)
{
	struct vz_rec_gc r = { .hdr = { .pid = 10, .tid = 11, .type = VZ_REC_GC, .ts_ns = 9000 } };
	struct events_fixture f;

	if (!ksetup(&f, NULL, 0))
		return;
	r.start_ns = 5000;
	r.before[6] = 2, r.after[6] = 3;   /* generation 2 collected... */
	r.before[7] = 20, r.after[7] = 27; /* ...7 objects */
	r.after[8] = 1;
	events_handle(f.ev, &r, sizeof(r));
	kfinish(&f);
	ASSERT_TRUE(strstr(f.out, "{\"ph\":\"X\",\"cat\":\"gc\",\"name\":\"gc: generation 2\","
			   "\"ts\":5.000,\"dur\":4.000,\"pid\":10,\"tid\":11,\"args\":{\"generation\""
			   ":2,\"collected\":7,\"uncollectable\":1}}") != NULL, "the slice");
	ASSERT_TRUE(strstr(f.out, "\"name\":\"garbage collection\",\"ts\":9.000,\"pid\":10,\"tid\":11,"
			   "\"args\":{\"collecting\":0,\"collected\":7,\"uncollectable\":1}") != NULL,
		    "VizTracer's counter");
	free(f.out);
}

void test_eventkinds_audit_filtered(void)
{
	const char *re[] = { "myapp\\." };
	struct vz_rec_audit r = { .hdr = { .pid = 10, .tid = 11, .type = VZ_REC_AUDIT, .ts_ns = 1000 } };
	struct events_fixture f;
	double d = 2.5;

	if (!ksetup(&f, re, 1))
		return;
	set_str(&r.event_hdr, r.event, "myapp.event");
	r.n = 3;
	r.v[0].type = VZ_VAL_INT, r.v[0].num = (uint64_t)-7;
	r.v[1].type = VZ_VAL_STR, set_str(&r.v[1].str_hdr, r.v[1].str, "x");
	r.v[2].type = VZ_VAL_FLOAT, memcpy(&r.v[2].num, &d, sizeof(d));
	r.more = 1;
	events_handle(f.ev, &r, sizeof(r));
	set_str(&r.event_hdr, r.event, "open");
	events_handle(f.ev, &r, sizeof(r));
	set_str(&r.event_hdr, r.event, "xmyapp.event");
	events_handle(f.ev, &r, sizeof(r));
	kfinish(&f);
	ASSERT_TRUE(strstr(f.out, "\"cat\":\"instant\",\"name\":\"myapp.event\",\"ts\":1.000,\"pid\":10,"
			   "\"tid\":11,\"s\":\"t\",\"args\":{\"args\":[\"-7\",\"x\",\"2.5\",\"...\"]}")
		    != NULL, "the event, args as strings");
	ASSERT_TRUE(!strstr(f.out, "\"open\"") && !strstr(f.out, "xmyapp"),
		    "no event the regex does not match at its start");
	free(f.out);
}

static void custom(struct events_fixture *f, uint32_t kind, uint64_t ts, uint64_t obj, const char *name)
{
	struct vz_rec_custom r = { .hdr = { .pid = 10, .tid = 11, .type = VZ_REC_CUSTOM, .ts_ns = ts } };

	r.kind = kind;
	r.obj = obj;
	set_str(&r.name_hdr, r.name, name);
	if (kind == VZ_CUSTOM_COUNTER) {
		r.n = 2;
		set_str(&r.v[0].key_hdr, r.v[0].key, "done");
		r.v[0].type = VZ_VAL_INT, r.v[0].num = 3;
		set_str(&r.v[1].key_hdr, r.v[1].key, "note");
		r.v[1].type = VZ_VAL_STR; /* not a number: left out of a counter */
	}
	events_handle(f->ev, &r, sizeof(r));
}

void test_eventkinds_custom_spans_and_counters(void)
{
	struct events_fixture f;

	if (!ksetup(&f, NULL, 0))
		return;
	custom(&f, VZ_CUSTOM_BEGIN, 1000, 0xa0, "outer");
	custom(&f, VZ_CUSTOM_BEGIN, 2000, 0xb0, "inner");
	custom(&f, VZ_CUSTOM_COUNTER, 2500, 0, "progress");
	custom(&f, VZ_CUSTOM_END, 3000, 0xb0, "inner");
	custom(&f, VZ_CUSTOM_END, 6000, 0xa0, "outer");
	custom(&f, VZ_CUSTOM_BEGIN, 7000, 0xc0, "never closed");
	kfinish(&f);
	ASSERT_TRUE(strstr(f.out, "{\"ph\":\"X\",\"cat\":\"FEE\",\"name\":\"inner\",\"ts\":2.000,"
			   "\"dur\":0.999,") != NULL, "inner: to just before its __exit__ call");
	ASSERT_TRUE(strstr(f.out, "\"name\":\"outer\",\"ts\":1.000,\"dur\":4.999,") != NULL, "outer");
	ASSERT_TRUE(strstr(f.out, "{\"ph\":\"C\",\"name\":\"progress\",\"ts\":2.500,\"pid\":10,"
			   "\"tid\":11,\"args\":{\"done\":3}}") != NULL, "the counter, numbers only");
	ASSERT_TRUE(!strstr(f.out, "never closed"), "a span never closed is dropped");
	free(f.out);
}
