// SPDX-License-Identifier: BSD-2-Clause
/*
 * --kernel without BPF: system call names and args (symbols/syscalls.c), and kernel records
 * through user/slices/events.c: their slices, flows, and inferred returns that never end inside
 * a kernel slice.
 */
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "test.h"
#include "vizbpf.h"
#include "symbols/syscalls.h"
#include "user/slices/events.h"
#include "events_fixture.h"

static uint32_t nr_of(const char *name)
{
	for (uint32_t nr = 0; nr < 1024; nr++)
		if (syscall_name(nr) && !strcmp(syscall_name(nr), name))
			return nr;
	return ~0u;
}

void test_syscalls_names_and_args(void)
{
	uint64_t open_args[3] = { (uint64_t)-100, 0x1234, 0 }, read_args[3] = { 3, 0x5678, 4096 };
	char buf[512];
	uint32_t openat = nr_of("openat"), rd = nr_of("read");

	ASSERT_NEQ(openat, ~0u, "openat has a number");
	ASSERT_STREQ(syscall_name(0), "read", "x86_64: 0 is read");
	ASSERT_EQ(syscall_path_arg(openat), 2, "openat's path");
	ASSERT_EQ(syscall_path_arg(nr_of("open")), 1, "open's path");
	ASSERT_EQ(syscall_path_arg(rd), 0, "read has none");
	ASSERT_TRUE(syscall_own_probe(336) && syscall_own_probe(335), "uprobe trampolines");
	ASSERT_FALSE(syscall_own_probe(rd), "read is the program's");
	syscall_args_json(buf, sizeof(buf), openat, -2, open_args, "/a\"b", 4);
	ASSERT_STREQ(buf, "{\"nr\":257,\"ret\":\"ENOENT\",\"path\":\"/a\\\"b\"}", "openat args");
	syscall_args_json(buf, sizeof(buf), rd, 100, read_args, NULL, 0);
	ASSERT_STREQ(buf, "{\"nr\":0,\"ret\":100,\"fd\":3,\"bytes\":100,\"count\":4096}", "read args");
	ASSERT_STREQ(syscall_errno_name(516), "ERESTART_RESTARTBLOCK", "kernel-only errno");
}


static bool ksetup(struct events_fixture *f)
{
	struct events_filter filter = { .max_stack_depth = -1 };

	return events_fixture_open(f, &filter);
}

static void kfinish(struct events_fixture *f)
{
	events_fixture_finish(f, 0);
}

static void kcode(struct events_fixture *f, uint64_t addr, const char *name)
{
	struct vz_rec_code r = { .hdr = { .pid = 10, .tid = 11, .type = VZ_REC_CODE } };

	r.code = addr;
	r.firstlineno = 1;
	r.name_hdr.kind = 1;
	r.name_hdr.len = strlen(name);
	memcpy(r.name, name, strlen(name));
	r.file_hdr.kind = 1;
	r.file_hdr.len = 5;
	memcpy(r.file, "/x.py", 5);
	events_handle(f->ev, &r, sizeof(r));
}

static void kcall(struct events_fixture *f, uint64_t ts, uint64_t code, uint64_t frame, uint64_t caller)
{
	struct vz_rec_call r = { .hdr = { ts, 10, 11, VZ_REC_CALL, 0 } };

	r.code = code;
	r.frame = frame;
	r.caller = caller;
	events_handle(f->ev, &r, sizeof(r));
}

static void ksys(struct events_fixture *f, uint64_t start, uint64_t end, uint32_t nr, int64_t ret)
{
	struct vz_rec_syscall r = { .hdr = { end, 10, 11, VZ_REC_SYSCALL, 0 } };

	r.start_ns = start;
	r.ret = ret;
	r.nr = nr;
	events_handle(f->ev, &r, sizeof(r));
}

static bool khas(struct events_fixture *f, const char *want)
{
	if (f->out && strstr(f->out, want))
		return true;
	return VZ_FAIL_("no %s in:\n%s", want, f->out ? f->out : "");
}

/*
 * f calls h, h makes a system call, then the next call names no caller: f and h returned
 * unseen (the uretprobe limit). Their inferred ends come just before that call, which leaves
 * no room after the system call: they end before it rather than inside it.
 */
void test_kslices_inferred_return_not_inside_syscall(void)
{
	struct events_fixture f;

	if (!ksetup(&f))
		return;
	kcode(&f, 0xa0, "f");
	kcode(&f, 0xb0, "h");
	kcode(&f, 0xc0, "g");
	kcall(&f, 100000, 0xa0, 0x1000, 0);
	kcall(&f, 110000, 0xb0, 0x2000, 0x1000);
	ksys(&f, 150000, 299999, 0, 5);
	kcall(&f, 300000, 0xc0, 0x3000, 0);
	kfinish(&f);
	khas(&f, "\"cat\":\"syscall\",\"name\":\"read\",\"ts\":150.000,\"dur\":149.999,\"pid\":10,"
		 "\"tid\":11,\"args\":{\"nr\":0,\"ret\":5,\"fd\":0,\"bytes\":5,\"count\":0}");
	/* h ends at 149.998, f at 149.999: both before the read. */
	khas(&f, "\"name\":\"h (/x.py:1)\",\"ts\":110.000,\"dur\":39.998,");
	khas(&f, "\"name\":\"f (/x.py:1)\",\"ts\":100.000,\"dur\":49.999,");
	events_free(f.ev);
	free(f.out);
}

/* With room after the system call, the inferred ends hold it. */
void test_kslices_inferred_return_holds_syscall(void)
{
	struct events_fixture f;

	if (!ksetup(&f))
		return;
	kcode(&f, 0xa0, "f");
	kcode(&f, 0xc0, "g");
	kcall(&f, 100000, 0xa0, 0x1000, 0);
	ksys(&f, 150000, 200000, 0, 5);
	kcall(&f, 300000, 0xc0, 0x3000, 0);
	kfinish(&f);
	khas(&f, "\"name\":\"f (/x.py:1)\",\"ts\":100.000,\"dur\":199.999,");
	events_free(f.ev);
	free(f.out);
}

/* A sleep woken by a traced thread: a sleeping slice with its waker, a runnable slice, and a
 * flow whose end is strictly inside the runnable slice and binds it. */
void test_kslices_offcpu_and_flow(void)
{
	struct vz_rec_offcpu r = { .hdr = { 200000, 10, 11, VZ_REC_OFFCPU, 0 } };
	struct events_stats st;
	struct events_fixture f;

	if (!ksetup(&f))
		return;
	r.off_ns = 100000;
	r.wake_ns = 190000;
	r.waker_tid = 12;
	r.waker_pid = 10;
	r.cpu = 1;
	r.wake_cpu = 0;
	r.state = VZ_OFF_SLEEPING;
	r.oflags = VZ_OFF_WAKER_TRACED;
	memcpy(r.waker_comm, "python3", 8);
	events_handle(f.ev, &r, sizeof(r));
	r.hdr.ts_ns = 400000;
	r.off_ns = 300000;
	r.wake_ns = 0;
	r.state = VZ_OFF_PREEMPTED;
	r.oflags = 0;
	events_handle(f.ev, &r, sizeof(r));
	kfinish(&f);
	khas(&f, "\"cat\":\"sched\",\"name\":\"sleeping\",\"ts\":100.000,\"dur\":90.000,\"pid\":10,"
		 "\"tid\":11,\"args\":{\"state\":\"S\",\"waker_tid\":12,\"waker_pid\":10,"
		 "\"waker_comm\":\"python3\",\"io_wait\":false}");
	khas(&f, "\"name\":\"runnable\",\"ts\":190.000,\"dur\":10.000,");
	khas(&f, "{\"ph\":\"s\",\"cat\":\"sched\",\"name\":\"wakeup\",\"id\":1,\"ts\":190.000,"
		 "\"pid\":10,\"tid\":12}");
	khas(&f, "{\"ph\":\"f\",\"cat\":\"sched\",\"name\":\"wakeup\",\"id\":1,\"ts\":195.000,"
		 "\"pid\":10,\"tid\":11,\"bp\":\"e\"}");
	khas(&f, "\"name\":\"preempted\",\"ts\":300.000,\"dur\":100.000,");
	events_get_stats(f.ev, &st);
	ASSERT_EQ(st.kernel_offcpu, 3, "off-CPU slices");
	ASSERT_EQ(st.kernel_flows, 1, "flows");
	events_free(f.ev);
	free(f.out);
}

/* A futex sleep is a GIL wait on the GIL, a lock wait elsewhere (state S in its args either
 * way), and a sleep outside a futex stays sleeping. */
void test_kslices_futex_sleeps_named(void)
{
	static const struct {
		uint8_t oflags;
		const char *name;
	} cases[] = {
		{ VZ_OFF_GIL, "GIL wait" },
		{ VZ_OFF_FUTEX, "lock wait" },
		{ 0, "sleeping" },
	};
	struct vz_rec_offcpu r = { .hdr = { 0, 10, 11, VZ_REC_OFFCPU, 0 } };
	struct events_fixture f;
	char want[160];
	size_t i;

	if (!ksetup(&f))
		return;
	r.state = VZ_OFF_SLEEPING;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r.off_ns = 100000 + i * 100000;
		r.hdr.ts_ns = r.off_ns + 50000;
		r.oflags = cases[i].oflags;
		events_handle(f.ev, &r, sizeof(r));
	}
	kfinish(&f);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(want, sizeof(want), "\"cat\":\"sched\",\"name\":\"%s\",\"ts\":%zu00.000,"
			 "\"dur\":50.000,\"pid\":10,\"tid\":11,\"args\":{\"state\":\"S\",",
			 cases[i].name, i + 1);
		khas(&f, want);
	}
	events_free(f.ev);
	free(f.out);
}

/* --kernel cpu: a switch becomes a sched_switch line of ftrace text under systemTraceEvents,
 * after the header and clock sync line, and before viztracer_metadata. */
void test_kcpu_switch_as_ftrace_text(void)
{
	struct vz_rec_switch r = { .hdr = { 1500000123456ull, 10, 11, VZ_REC_SWITCH, 0 } };
	struct events_fixture f;
	char *sys, *meta;

	if (!ksetup(&f))
		return;
	r.cpu = 1;
	r.prev_pid = 11;
	r.prev_tgid = 10;
	r.next_pid = 0;
	r.next_tgid = 0;
	r.prev_state = 1;
	r.prev_prio = 120;
	r.next_prio = 120;
	memcpy(r.prev_comm, "my prog", 8);
	memcpy(r.next_comm, "swapper/1", 10);
	events_handle(f.ev, &r, sizeof(r));
	kfinish(&f);
	khas(&f, "\"systemTraceEvents\":\"# tracer: nop\\n<...>-0 (0) [000] .... 1500.000123: "
		 "tracing_mark_write: trace_event_clock_sync: parent_ts=1500.000123\\n"
		 "my_prog-11 (10) [001] .... 1500.000123: sched_switch: prev_comm=my_prog prev_pid=11 "
		 "prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120\\n\",");
	sys = f.out ? strstr(f.out, "systemTraceEvents") : NULL;
	meta = f.out ? strstr(f.out, "viztracer_metadata") : NULL;
	ASSERT_TRUE(sys && meta && sys < meta, "systemTraceEvents before viztracer_metadata");
	events_free(f.ev);
	free(f.out);
}
