// SPDX-License-Identifier: BSD-2-Clause
/*
 * user/slices/events.c without BPF: synthetic records in, slices out. Covers the
 * fast path's exact returns (batched), the uretprobe path's re-synchronisation
 * when returns were never reported, dropped generator creations, and frames
 * still open when a thread exits.
 */
#include <errno.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "vizbpf.h"
#include "user/slices/events.h"
#include "events_fixture.h"

int vz_verbose;
int vz_quiet;


static bool setup(struct events_fixture *f)
{
	struct events_filter filter = { .max_stack_depth = -1 };

	return events_fixture_open(f, &filter);
}

static void finish_at(struct events_fixture *f, uint64_t end_ns)
{
	events_fixture_finish(f, end_ns);
}

static void finish(struct events_fixture *f)
{
	finish_at(f, 0);
}

static void teardown(struct events_fixture *f)
{
	events_free(f->ev);
	free(f->out);
}

static void code(struct events_fixture *f, uint64_t addr, const char *name, uint32_t line, uint32_t flags)
{
	struct vz_rec_code r = { .hdr = { .pid = 10, .tid = 11, .type = VZ_REC_CODE } };

	r.code = addr;
	r.firstlineno = line;
	r.co_flags = flags;
	r.name_hdr.kind = 1;
	r.name_hdr.len = strlen(name);
	memcpy(r.name, name, strlen(name));
	r.file_hdr.kind = 1;
	r.file_hdr.len = 5;
	memcpy(r.file, "/x.py", 5);
	events_handle(f->ev, &r, sizeof(r));
}

static void call(struct events_fixture *f, uint64_t ts, uint64_t code, uint64_t frame, uint64_t caller,
		 uint32_t flags)
{
	struct vz_rec_call r = { .hdr = { ts, 10, 11, VZ_REC_CALL, flags } };

	r.code = code;
	r.frame = frame;
	r.caller = caller;
	events_handle(f->ev, &r, sizeof(r));
}

static void ret(struct events_fixture *f, uint64_t ts, uint64_t caller)
{
	struct vz_rec_return r = { .hdr = { ts, 10, 11, VZ_REC_RETURN, 0 }, .caller = caller };

	events_handle(f->ev, &r, sizeof(r));
}

static bool has(struct events_fixture *f, const char *name, const char *ts, const char *dur)
{
	char want[256];

	snprintf(want, sizeof(want), "\"name\":\"%s\",\"ts\":%s,\"dur\":%s,", name, ts, dur);
	if (f->out && strstr(f->out, want))
		return true;
	return VZ_FAIL_("no slice %s in:\n%s", want, f->out ? f->out : "");
}

void test_events_fast_path_batched_returns(void)
{
	struct events_fixture f;
	struct {
		struct vz_rec_hdr hdr;
		__u64 seq;
		struct vz_batch_slot r[2];
	} batch = { .hdr = { 0, 10, 11, VZ_REC_BATCH, 2 },
		    .r = { { 0x2000, 1200000 }, { 0x1000, 1300000 } } };
	struct events_stats st;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	call(&f, 1000000, 0xa0, 0x1000, 0, VZ_F_RETURN_FRAME);
	call(&f, 1100000, 0xb0, 0x2000, 0x1000, VZ_F_RETURN_FRAME);
	events_handle(f.ev, &batch, sizeof(batch));
	finish(&f);
	has(&f, "f (/x.py:1)", "1000.000", "300.000");
	has(&f, "g (/x.py:2)", "1100.000", "100.000");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.calls, 2, "calls");
	ASSERT_EQ(st.returns_inferred, 0, "inferred");
	teardown(&f);
}

static uint64_t seen_seq;
static uint32_t seen_pid;

static void note_batch(void *ctx, uint32_t pid, uint64_t seq)
{
	seen_pid = pid;
	seen_seq = seq;
}

/* Calls and returns in one batch, in order, each at its own time; the flow callback gets the
 * batch's sequence number. */
void test_events_batch_of_calls_and_returns(void)
{
	struct events_fixture f;
	struct {
		struct vz_rec_hdr hdr;
		__u64 seq;
		struct vz_batch_slot s[5];
	} batch = { .hdr = { 0, 10, 11, VZ_REC_BATCH, 5 },
		    .seq = 77,
		    .s = { { 0x2000, 1100000, 0xb0, 0x1000 },
			   { 0x3000, 1150000, 0xb0, 0x2000 },
			   { 0x3000, 1160000, 0, 0 },
			   { 0x2000, 1200000, 0, 0 },
			   { 0x1000, 1300000, 0, 0 } } };
	struct events_stats st;

	if (!setup(&f))
		return;
	events_on_batch(f.ev, note_batch, NULL);
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	call(&f, 1000000, 0xa0, 0x1000, 0, VZ_F_RETURN_FRAME);
	events_handle(f.ev, &batch, sizeof(batch));
	finish(&f);
	has(&f, "f (/x.py:1)", "1000.000", "300.000");
	has(&f, "g (/x.py:2)", "1100.000", "100.000");
	has(&f, "g (/x.py:2)", "1150.000", "10.000");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.calls, 3, "calls");
	ASSERT_EQ(st.returns_inferred, 0, "inferred");
	ASSERT_EQ(seen_pid, 10, "pid");
	ASSERT_EQ(seen_seq, 77, "seq");
	teardown(&f);
}

/* A batch claiming more slots than it holds is refused whole. */
void test_events_short_batch_is_refused(void)
{
	struct events_fixture f;
	struct {
		struct vz_rec_hdr hdr;
		__u64 seq;
		struct vz_batch_slot s[1];
	} batch = { .hdr = { 0, 10, 11, VZ_REC_BATCH, 2 },
		    .s = { { 0x2000, 1100000, 0xb0, 0x1000 } } };
	struct events_stats st;

	if (!setup(&f))
		return;
	events_handle(f.ev, &batch, sizeof(batch));
	finish(&f);
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.calls, 0, "calls");
	ASSERT_EQ(st.unknown_records, 1, "refused");
	teardown(&f);
}

/* A call the recursion check refused (its return slot says so) is no slice, and is counted. */
void test_events_refused_call_is_no_slice(void)
{
	struct events_fixture f;
	struct {
		struct vz_rec_hdr hdr;
		__u64 seq;
		struct vz_batch_slot r[2];
	} batch = { .hdr = { 0, 10, 11, VZ_REC_BATCH, 2 },
		    .r = { { 0x2000 | VZ_RET_REFUSED, 1200000 }, { 0x1000, 1300000 } } };
	struct events_stats st;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	call(&f, 1000000, 0xa0, 0x1000, 0, VZ_F_RETURN_FRAME);
	call(&f, 1100000, 0xb0, 0x2000, 0x1000, VZ_F_RETURN_FRAME);
	events_handle(f.ev, &batch, sizeof(batch));
	finish(&f);
	has(&f, "f (/x.py:1)", "1000.000", "300.000");
	ASSERT_FALSE(f.out && strstr(f.out, "\"g (/x.py:2)\""), "a refused call drawn");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.calls, 1, "calls");
	ASSERT_EQ(st.calls_refused, 1, "calls refused");
	ASSERT_EQ(st.returns_inferred, 0, "inferred");
	ASSERT_EQ(st.unmatched_returns, 0, "unmatched");
	teardown(&f);
}

void test_events_missing_returns_resynchronise(void)
{
	struct events_fixture f;
	struct events_stats st;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	code(&f, 0xc0, "h", 3, 0);
	/* f -> g -> h; h's return is never reported (beyond the uretprobe limit) */
	call(&f, 1000, 0xa0, 1, 0, 0);
	call(&f, 2000, 0xb0, 2, 1, 0);
	call(&f, 3000, 0xc0, 3, 2, 0);
	/* g calls h again (same frame address): the first h ended just before */
	call(&f, 5000, 0xc0, 3, 2, 0);
	ret(&f, 6000, 2); /* h returns to g */
	ret(&f, 7000, 1); /* g returns to f */
	ret(&f, 8000, 0); /* f returns */
	finish(&f);
	has(&f, "h (/x.py:3)", "3.000", "1.999");
	has(&f, "h (/x.py:3)", "5.000", "1.000");
	has(&f, "g (/x.py:2)", "2.000", "5.000");
	has(&f, "f (/x.py:1)", "1.000", "7.000");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.returns_inferred, 1, "inferred");
	ASSERT_EQ(st.unmatched_returns, 0, "unmatched");
	teardown(&f);
}

void test_events_generator_creation_dropped(void)
{
	struct events_fixture f;
	struct events_stats st;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xd0, "gen", 4, VZ_CO_GENERATOR);
	call(&f, 1000, 0xa0, 1, 0, 0);
	call(&f, 1100, 0xd0, 5, 1, VZ_F_OWNED_BY_THREAD); /* creation: dropped */
	ret(&f, 1200, 1);                                /* ...and its return */
	call(&f, 1300, 0xd0, 6, 1, 0);                   /* a resume: a call */
	ret(&f, 1400, 1);
	ret(&f, 1500, 0);
	finish(&f);
	has(&f, "gen (/x.py:4)", "1.300", "0.100");
	has(&f, "f (/x.py:1)", "1.000", "0.500");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.calls, 2, "calls");
	ASSERT_EQ(st.generator_creations, 1, "creations");
	ASSERT_EQ(st.unmatched_returns, 0, "unmatched");
	teardown(&f);
}

/* 3.12+: f's frame is cleared after it returned, inside its evaluator: a __del__ run then names
 * f's caller, so f ends there; f's own return, which comes after, is no stray. */
void test_events_call_from_cleared_frame_ends_it(void)
{
	struct events_fixture f;
	struct {
		struct vz_rec_hdr hdr;
		__u64 seq;
		struct vz_batch_slot r[3];
	} batch = { .hdr = { 0, 10, 11, VZ_REC_BATCH, 3 },
		    .r = { { 0x30, 1400000 }, { 0x20, 1500000 }, { 0x10, 1600000 } } };
	struct events_stats st;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "main", 1, 0);
	code(&f, 0xb0, "f", 2, 0);
	code(&f, 0xc0, "Obj.__del__", 3, 0);
	call(&f, 1000000, 0xa0, 0x10, 0, VZ_F_RETURN_FRAME);
	call(&f, 1100000, 0xb0, 0x20, 0x10, VZ_F_RETURN_FRAME);
	call(&f, 1300000, 0xc0, 0x30, 0x10, VZ_F_RETURN_FRAME); /* caller: main, not f */
	events_handle(f.ev, &batch, sizeof(batch));
	finish(&f);
	has(&f, "f (/x.py:2)", "1100.000", "199.999");
	has(&f, "Obj.__del__ (/x.py:3)", "1300.000", "100.000");
	has(&f, "main (/x.py:1)", "1000.000", "600.000");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.returns_inferred, 1, "inferred");
	ASSERT_EQ(st.unmatched_returns, 0, "unmatched");
	teardown(&f);
}

void test_events_thread_exit_closes_open_frames(void)
{
	struct events_fixture f;
	struct vz_rec_exit e = { .hdr = { 9000, 10, 11, VZ_REC_EXIT, 0 } };

	if (!setup(&f))
		return;
	strcpy(e.comm, "python3");
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	call(&f, 1000, 0xa0, 1, 0, 0);
	call(&f, 2000, 0xb0, 2, 1, 0);
	events_handle(f.ev, &e, sizeof(e)); /* os._exit() in g */
	finish(&f);
	has(&f, "g (/x.py:2)", "2.000", "6.998");
	has(&f, "f (/x.py:1)", "1.000", "7.999");
	ASSERT_TRUE(strstr(f.out, "\"thread_name\"") != NULL, "thread named");
	teardown(&f);
}

/* Frames still open when tracing stops, the deepest started at the thread's last timestamp:
 * callers still end after their callees (strict nesting). */
void test_events_open_frames_at_last_call_nest(void)
{
	struct events_fixture f;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	code(&f, 0xc0, "h", 3, 0);
	call(&f, 1000, 0xa0, 1, 0, 0);
	call(&f, 4000, 0xb0, 2, 1, 0);
	call(&f, 4000, 0xc0, 3, 2, 0);
	finish(&f); /* ends open frames at the last timestamp, 4000 */
	has(&f, "h (/x.py:3)", "4.000", "0.000");
	has(&f, "g (/x.py:2)", "4.000", "0.001");
	has(&f, "f (/x.py:1)", "1.000", "3.002");
	teardown(&f);
}

static bool has_text(struct events_fixture *f, const char *want)
{
	if (f->out && strstr(f->out, want))
		return true;
	return VZ_FAIL_("no %s in:\n%s", want, f->out ? f->out : "");
}

static void call_pid(struct events_fixture *f, uint32_t pid, uint64_t ts, uint64_t code, uint64_t frame,
		     uint64_t caller)
{
	struct vz_rec_call r = { .hdr = { ts, pid, pid, VZ_REC_CALL, 0 } };

	r.code = code;
	r.frame = frame;
	r.caller = caller;
	events_handle(f->ev, &r, sizeof(r));
}

/*
 * The launch-mode first call: the thread announces itself and stops (hold begins at the
 * announcement), its call record follows with a later time (the stop takes effect after
 * it), the process waits 135 ms while vizbpf sets up. The hold starts at the last thing the
 * program did, the 135 ms are cut out of the slices open then, the marker says how long.
 */
void test_events_hold_cut_out_of_open_slices(void)
{
	struct events_fixture f;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	code(&f, 0xc0, "h", 3, 0);
	call(&f, 1000000, 0xa0, 1, 0, 0);
	ASSERT_OK(events_hold_begin(f.ev, 10, 11, 2000000, VZ_HOLD_FIRST_CALL), "begin");
	ASSERT_EQ(events_hold_begin(f.ev, 10, 11, 2000100, VZ_HOLD_THREAD), -EBUSY, "one at a time");
	call(&f, 2000500, 0xb0, 2, 1, 0); /* recorded before the stop took effect */
	events_hold_end(f.ev, 10, 137000500);
	call(&f, 137000700, 0xc0, 3, 2, 0);
	ret(&f, 137001000, 2);
	ret(&f, 137002000, 1);
	ret(&f, 138000000, 0);
	finish(&f);
	has(&f, "h (/x.py:3)", "2000.700", "0.300");
	has(&f, "g (/x.py:2)", "2000.500", "1.500");
	has(&f, "f (/x.py:1)", "1000.000", "2000.000");
	has_text(&f, "{\"ph\":\"i\",\"cat\":\"vizbpf\",\"name\":\"vizbpf: held to set up tracing\","
		     "\"ts\":2000.500,\"pid\":10,\"tid\":11,\"s\":\"t\",\"args\":{\"held_ms\":135.000}}");
	teardown(&f);
}

/* Two holds add up; a time inside the second maps to its start; nesting stays strict. */
void test_events_holds_add_up(void)
{
	struct events_fixture f;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	call(&f, 1000, 0xa0, 1, 0, 0);
	events_hold(f.ev, 10, 11, 2000, 5000, VZ_HOLD_THREAD);   /* 3 us */
	call(&f, 6000, 0xb0, 2, 1, 0);                            /* -> 3000 */
	events_hold(f.ev, 10, 11, 7000, 17000, VZ_HOLD_THREAD);  /* 10 us */
	ret(&f, 17500, 1);                                        /* -> 4500 */
	ret(&f, 18000, 0);                                        /* -> 5000 */
	finish(&f);
	has(&f, "g (/x.py:2)", "3.000", "1.500");
	has(&f, "f (/x.py:1)", "1.000", "4.000");
	has_text(&f, "\"ts\":4.000,\"pid\":10,\"tid\":11,\"s\":\"t\",\"args\":{\"held_ms\":0.010}}");
	teardown(&f);
}

/* A forked child shares the time cut out of its parent before the fork; its own hold (held
 * to be followed) is cut from it alone. */
void test_events_fork_child_inherits_parent_cuts(void)
{
	struct events_fixture f;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	call(&f, 1000, 0xa0, 1, 0, 0);
	events_hold(f.ev, 10, 10, 2000, 102000, VZ_HOLD_FIRST_CALL); /* parent: 100 us */
	events_hold_inherit(f.ev, 10, 20, 200000);                 /* fork at 200 us -> 100 us */
	events_hold(f.ev, 20, 20, 200000, 250000, VZ_HOLD_FORK);    /* child held 50 us */
	call_pid(&f, 20, 250100, 0xa0, 5, 0);                         /* -> 100.1 us */
	call_pid(&f, 10, 250100, 0xa0, 6, 1);                         /* -> 150.1 us */
	finish(&f);
	has_text(&f, "\"ts\":100.100,\"dur\":0.000,\"pid\":20,");
	has_text(&f, "\"ts\":150.100,\"dur\":0.000,\"pid\":10,");
	has_text(&f, "\"name\":\"vizbpf: held to follow a fork\",\"ts\":100.000,\"pid\":20,\"tid\":20");
	teardown(&f);
}

/* Detach holds the process still before tracing stops: calls still running end where the
 * hold began, not after it. */
void test_events_detach_hold_ends_open_calls_at_its_start(void)
{
	struct events_fixture f;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	call(&f, 1000, 0xa0, 1, 0, 0);
	ASSERT_OK(events_hold_begin(f.ev, 10, 10, 5000, VZ_HOLD_DETACH), "begin");
	events_hold_end(f.ev, 10, 155000);
	finish_at(&f, 155100);
	has(&f, "f (/x.py:1)", "1.000", "4.100");
	teardown(&f);
}

/*
 * Records taken before a stop took effect can come after vizbpf ended the hold (other threads
 * run on until the stop reaches them; their records sit behind the one that asked for it):
 * they move the hold's start, as while it was open, instead of collapsing onto it.
 */
void test_events_hold_start_moves_for_records_after_its_end(void)
{
	struct events_fixture f;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "main", 1, 0);
	code(&f, 0xb0, "f", 2, 0);
	code(&f, 0xc0, "g", 3, 0);
	call(&f, 1000, 0xa0, 0x10, 0, 0);
	ASSERT_OK(events_hold_begin(f.ev, 10, 12, 2000, VZ_HOLD_THREAD), "begin");
	events_hold_end(f.ev, 10, 100000);
	call(&f, 3000, 0xb0, 0x20, 0x10, 0); /* ran before the stop reached this thread */
	ret(&f, 5000, 0x10);
	call(&f, 101000, 0xc0, 0x30, 0x10, 0); /* after the hold: 95 us cut out */
	ret(&f, 103000, 0x10);
	ret(&f, 104000, 0);
	finish(&f);
	has(&f, "f (/x.py:2)", "3.000", "2.000");
	has(&f, "g (/x.py:3)", "6.000", "2.000");
	has(&f, "main (/x.py:1)", "1.000", "8.000");
	ASSERT_TRUE(strstr(f.out, "\"held_ms\":0.095") != NULL, "the marker says what was held");
	teardown(&f);
}

/* A call that reports the thread's calls and returns lost before it (ring buffer full). */
static void call_after_loss(struct events_fixture *f, uint64_t ts, uint64_t code, uint64_t frame,
			    uint64_t caller, uint32_t lost_calls, uint32_t lost_returns)
{
	struct vz_rec_call r = { .hdr = { ts, 10, 11, VZ_REC_CALL, VZ_F_RETURN_FRAME,
					  lost_calls, lost_returns } };

	r.code = code;
	r.frame = frame;
	r.caller = caller;
	events_handle(f->ev, &r, sizeof(r));
}

/* The args of the slice that starts with "name":NAME,"ts":TS ("" if it has none). */
static const char *slice_args(struct events_fixture *f, const char *name, const char *ts)
{
	static char args[256];
	char want[128];
	const char *s, *end, *a;

	snprintf(want, sizeof(want), "\"name\":\"%s\",\"ts\":%s,", name, ts);
	s = f->out ? strstr(f->out, want) : NULL;
	if (!s) {
		(void)VZ_FAIL_("no slice %s in:\n%s", want, f->out ? f->out : "");
		return "";
	}
	end = strstr(s, "{\"ph\"");
	a = strstr(s, "\"args\":");
	if (!a || (end && a > end))
		return "";
	end = strstr(a, "}}");
	snprintf(args, sizeof(args), "%.*s", end ? (int)(end + 2 - a) : 0, a);
	return args;
}

#define BEFORE "\"args\":{\"events_lost\":\"" VZ_LOST_BEFORE "\"}}"
#define INSIDE "\"args\":{\"events_lost\":\"" VZ_LOST_INSIDE "\"}}"

/*
 * g returned unseen and k, called at g's frame address, was not seen either: h, called by k,
 * names g's address as its caller. It must not pass for g's child: flagged, as is f, open across
 * the gap, which is marked on the thread.
 */
void test_events_lost_return_and_call_flag_the_next_call(void)
{
	struct events_fixture f;
	struct events_stats st;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xb0, "g", 2, 0);
	code(&f, 0xc0, "h", 3, 0);
	call(&f, 1000, 0xa0, 0x1000, 0, VZ_F_RETURN_FRAME);
	call(&f, 2000, 0xb0, 0x2000, 0x1000, VZ_F_RETURN_FRAME);
	call_after_loss(&f, 5000, 0xc0, 0x3000, 0x2000, 1, 1);
	finish(&f);
	ASSERT_STREQ(slice_args(&f, "h (/x.py:3)", "5.000"), BEFORE, "h: its caller is unsure");
	ASSERT_STREQ(slice_args(&f, "f (/x.py:1)", "1.000"), INSIDE, "f: events lost inside");
	has_text(&f, "{\"ph\":\"i\",\"cat\":\"vizbpf\",\"name\":\"" VZ_EVENTS_LOST "\",\"ts\":5.000,"
		 "\"pid\":10,\"tid\":11,\"s\":\"t\",\"args\":{\"calls_lost\":1,\"returns_lost\":1}}");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.gaps, 1, "gaps");
	ASSERT_EQ(st.threads_with_gaps, 1, "threads with gaps");
	ASSERT_EQ(st.slices_after_gap, 1, "slices flagged after a gap");
	teardown(&f);
}

/*
 * Only a call was lost (g): its child h names a caller that is not open, so h's parent is
 * missing (flagged). Nothing returned unseen, so f's next child k is f's for sure (no flag).
 * Without a loss, a caller not open is a frame entered before tracing began: no flag.
 */
void test_events_lost_call_flags_its_orphans_only(void)
{
	struct events_fixture f;

	if (!setup(&f))
		return;
	code(&f, 0xa0, "f", 1, 0);
	code(&f, 0xc0, "h", 3, 0);
	code(&f, 0xd0, "k", 4, 0);
	call(&f, 1000, 0xa0, 0x1000, 0x900, VZ_F_RETURN_FRAME);
	call_after_loss(&f, 3000, 0xc0, 0x3000, 0x2000, 1, 0);
	call(&f, 6000, 0xd0, 0x5000, 0x1000, VZ_F_RETURN_FRAME);
	finish(&f);
	ASSERT_STREQ(slice_args(&f, "f (/x.py:1)", "1.000"), INSIDE, "f: events lost inside");
	ASSERT_STREQ(slice_args(&f, "h (/x.py:3)", "3.000"), BEFORE, "h: its caller is missing");
	ASSERT_STREQ(slice_args(&f, "k (/x.py:4)", "6.000"), "", "k: f's child for sure");
	teardown(&f);
}
