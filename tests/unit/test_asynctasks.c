// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_async in user/slices/events.c and asynctasks.c, without BPF: a Task's steps (the
 * outermost coroutine call on the thread) and what they call go to the task's track, named
 * after the Task; the loop's own calls stay on the thread; another Task at a reused coroutine
 * address gets a track of its own; a coroutine no Task steps is named after itself.
 */
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include "test.h"
#include "vizbpf.h"
#include "user/slices/events.h"
#include "user/slices/asynctasks.h"
#include "events_fixture.h"

static void acode(struct events_fixture *f, uint64_t addr, const char *name, uint32_t flags)
{
	struct vz_rec_code r = { .hdr = { .pid = 10, .tid = 11, .type = VZ_REC_CODE } };

	r.code = addr;
	r.firstlineno = 1;
	r.co_flags = flags;
	r.name_hdr.kind = 1;
	r.name_hdr.len = strlen(name);
	memcpy(r.name, name, strlen(name));
	r.file_hdr.kind = 1;
	r.file_hdr.len = 5;
	memcpy(r.file, "/x.py", 5);
	events_handle(f->ev, &r, sizeof(r));
}

static void acall(struct events_fixture *f, uint64_t ts, uint64_t code, uint64_t frame,
		  uint64_t caller)
{
	struct vz_rec_call r = { .hdr = { ts, 10, 11, VZ_REC_CALL, VZ_F_RETURN_FRAME } };

	r.code = code;
	r.frame = frame;
	r.caller = caller;
	events_handle(f->ev, &r, sizeof(r));
}

static void aret(struct events_fixture *f, uint64_t ts, uint64_t frame)
{
	struct vz_rec_return r = { .hdr = { ts, 10, 11, VZ_REC_RETURN, VZ_F_RETURN_FRAME },
				   .caller = frame };

	events_handle(f->ev, &r, sizeof(r));
}

static void atask(struct events_fixture *f, uint64_t frame, uint64_t task, const char *name)
{
	struct vz_rec_task r = { .hdr = { 0, 10, 11, VZ_REC_TASK, 0 } };

	r.frame = frame;
	r.task = task;
	if (name) {
		r.name_hdr.kind = 1;
		r.name_hdr.len = strlen(name);
		memcpy(r.name, name, strlen(name));
	} else {
		r.hdr.flags = VZ_TASK_NUMBERED;
		r.number = 7;
	}
	events_handle(f->ev, &r, sizeof(r));
}

/* One step: Handle._run (0x1000) -> the coroutine (frame) -> work (0x2000), from t ms on. */
static void step(struct events_fixture *f, uint64_t t, uint64_t frame, uint64_t task,
		 const char *name)
{
	acall(f, t * 1000000, 0xa0, 0x1000, 0);
	acall(f, t * 1000000 + 100000, 0xb0, frame, 0x1000);
	if (task)
		atask(f, frame, task, name);
	acall(f, t * 1000000 + 200000, 0xc0, 0x2000, frame);
	aret(f, t * 1000000 + 300000, 0x2000);
	aret(f, t * 1000000 + 400000, frame);
	aret(f, t * 1000000 + 500000, 0x1000);
}

/* The event at "ts":ts (microseconds, as written) is on track tid. */
static bool at_on(struct events_fixture *f, const char *name, const char *ts, unsigned tid)
{
	char want[256];

	snprintf(want, sizeof(want), "\"name\":\"%s (/x.py:1)\",\"ts\":%s,", name, ts);
	const char *p = f->out ? strstr(f->out, want) : NULL;
	char tid_text[32];

	if (!p)
		return VZ_FAIL_("no %s in:\n%s", want, f->out ? f->out : "");
	snprintf(tid_text, sizeof(tid_text), "\"tid\":%u}", tid);
	const char *end = strchr(p, '}');
	if (!end || !strstr(p, tid_text) || strstr(p, tid_text) > end)
		return VZ_FAIL_("%s: not on tid %u: %.120s", want, tid, p);
	return true;
}

static bool named(struct events_fixture *f, unsigned tid, const char *name)
{
	char want[160];

	snprintf(want, sizeof(want), "\"tid\":%u,\"args\":{\"name\":\"%s\"}", tid, name);
	if (f->out && strstr(f->out, want))
		return true;
	return VZ_FAIL_("no thread_name %s in:\n%s", want, f->out ? f->out : "");
}

/* Is track tid (also) named name? */
static bool named_too(struct events_fixture *f, unsigned tid, const char *name)
{
	char want[160];

	snprintf(want, sizeof(want), "\"tid\":%u,\"args\":{\"name\":\"%s\"}", tid, name);
	return f->out && strstr(f->out, want);
}

void test_asynctasks_steps_on_task_tracks(void)
{
	struct events_filter filter = { .max_stack_depth = -1, .log_async = 1 };
	struct events_fixture f;
	struct events_stats st;
	const unsigned alpha = ASYNCTASKS_TID_BASE, beta = ASYNCTASKS_TID_BASE + 1,
		       bare = ASYNCTASKS_TID_BASE + 2, numbered = ASYNCTASKS_TID_BASE + 3;

	if (!events_fixture_open(&f, &filter))
		return;
	acode(&f, 0xa0, "Handle._run", 0);
	acode(&f, 0xb0, "job", VZ_CO_COROUTINE);
	acode(&f, 0xc0, "work", 0);
	step(&f, 1, 0x5000, 0x9000, "alpha");
	step(&f, 2, 0x5000, 0x9000, "alpha");
	/* A new Task whose coroutine took the finished one's address. */
	step(&f, 3, 0x5000, 0x9100, "beta");
	/* A coroutine driven by hand, no Task found: named after itself. */
	step(&f, 4, 0x6000, 0, NULL);
	/* 3.12+: a Task named by its number. */
	acall(&f, 5000000, 0xb0, 0x7000, 0);
	atask(&f, 0x7000, 0x9200, NULL);
	aret(&f, 5100000, 0x7000);
	/* No Task's coroutine at the address of beta's: not on beta's track. */
	step(&f, 6, 0x5000, 0, NULL);
	/* A Task's coroutine at the address of a Task-less one (3.8-3.10 reuse frames at once):
	 * its own track, not the other's renamed. */
	step(&f, 7, 0x8000, 0, NULL);
	step(&f, 8, 0x8000, 0x9300, "gamma");
	events_fixture_finish(&f, 0);
	at_on(&f, "Handle._run", "1000.000", 11);
	at_on(&f, "job", "1100.000", alpha);
	at_on(&f, "work", "1200.000", alpha);
	at_on(&f, "job", "2100.000", alpha);
	at_on(&f, "work", "2200.000", alpha);
	at_on(&f, "Handle._run", "3000.000", 11);
	at_on(&f, "job", "3100.000", beta);
	at_on(&f, "work", "3200.000", beta);
	at_on(&f, "job", "4100.000", bare);
	at_on(&f, "Handle._run", "4000.000", 11);
	at_on(&f, "job", "5000.000", numbered);
	named(&f, alpha, "alpha");
	named(&f, beta, "beta");
	named(&f, bare, "job");
	named(&f, numbered, "Task-7");
	at_on(&f, "job", "6100.000", ASYNCTASKS_TID_BASE + 4);
	named(&f, ASYNCTASKS_TID_BASE + 4, "job");
	at_on(&f, "job", "7100.000", ASYNCTASKS_TID_BASE + 5);
	at_on(&f, "job", "8100.000", ASYNCTASKS_TID_BASE + 6);
	at_on(&f, "work", "8200.000", ASYNCTASKS_TID_BASE + 6);
	named(&f, ASYNCTASKS_TID_BASE + 6, "gamma");
	ASSERT_TRUE(!named_too(&f, ASYNCTASKS_TID_BASE + 5, "gamma"), "no rename");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.async_tasks, 7, "tasks");
	events_free(f.ev);
	free(f.out);
}

void test_asynctasks_off_changes_nothing(void)
{
	struct events_filter filter = { .max_stack_depth = -1 };
	struct events_fixture f;
	struct events_stats st;

	if (!events_fixture_open(&f, &filter))
		return;
	acode(&f, 0xa0, "Handle._run", 0);
	acode(&f, 0xb0, "job", VZ_CO_COROUTINE);
	acode(&f, 0xc0, "work", 0);
	step(&f, 1, 0x5000, 0x9000, "alpha");
	events_fixture_finish(&f, 0);
	at_on(&f, "job", "1100.000", 11);
	at_on(&f, "work", "1200.000", 11);
	ASSERT_TRUE(!strstr(f.out, "alpha"), "no task name");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.async_tasks, 0, "tasks");
	events_free(f.ev);
	free(f.out);
}
