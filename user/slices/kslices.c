// SPDX-License-Identifier: BSD-2-Clause
#include <linux/types.h>
#include <stdio.h>
#include <string.h>
#include "vizbpf.h"
#include "symbols/syscalls.h"
#include "kslices.h"

void kslices_syscall(struct trace_writer *w, struct kslices_stats *st,
		     const struct vz_rec_syscall *r, const char *path, uint64_t start,
		     uint64_t end)
{
	char args[VZ_SYS_PATH_MAX * 6 + 256], unknown[32];
	uint64_t a[3] = { r->args[0], r->args[1], r->args[2] };
	const char *name = syscall_name(r->nr);
	size_t plen = path ? strnlen(path, r->path_len < VZ_SYS_PATH_MAX ? r->path_len :
					 VZ_SYS_PATH_MAX) : 0;

	if (!name) {
		snprintf(unknown, sizeof(unknown), "syscall_%u", r->nr);
		name = unknown;
	}
	if (syscall_args_json(args, sizeof(args), r->nr, r->ret, a, path, plen) >=
	    sizeof(args))
		snprintf(args, sizeof(args), "{\"nr\":%u}", r->nr);
	trace_writer_complete_cat(w, "syscall", name, start, end > start ? end - start : 0,
				  r->hdr.pid, r->hdr.tid, args);
	st->syscalls++;
}

static void comm_json(char *out, size_t cap, const char comm[16])
{
	char c[17];

	memcpy(c, comm, 16);
	c[16] = '\0';
	json_quote(out, cap, c, strlen(c));
}

void kslices_offcpu(struct trace_writer *w, struct kslices_stats *st,
		    const struct vz_rec_offcpu *r, uint64_t off, uint64_t wake, uint64_t on,
		    struct trace_writer *waker_w, uint64_t wake_at)
{
	const char *name;
	char args[256], comm[16 * 6 + 3];
	uint32_t pid = r->hdr.pid, tid = r->hdr.tid;

	if (on < off)
		on = off;
	if (r->state == VZ_OFF_PREEMPTED) {
		/* Runnable all along: one slice, the run-queue wait. */
		snprintf(args, sizeof(args), "{\"state\":\"R\",\"cpu\":%u}", r->cpu);
		trace_writer_complete_cat(w, "sched", "preempted", off, on - off, pid, tid, args);
		st->offcpu++;
		return;
	}
	switch (r->state) {
	case VZ_OFF_SLEEPING:
		/* A futex sleep that is not the GIL: in CPython a threading.Lock (and RLock,
		 * Condition, Event, Semaphore, queue.Queue, Thread.join, all built on one), or a C
		 * mutex or condition variable. The waker is whoever released it. */
		name = r->oflags & VZ_OFF_GIL ? "GIL wait" :
		       r->oflags & VZ_OFF_FUTEX ? "lock wait" : "sleeping";
		break;
	case VZ_OFF_BLOCKED:
		name = r->oflags & VZ_OFF_IOWAIT ? "blocked (I/O wait)" : "blocked";
		break;
	default:
		name = "stopped";
	}
	if (!wake || wake < off || wake > on)
		wake = 0;
	if (r->waker_tid) {
		comm_json(comm, sizeof(comm), r->waker_comm);
		snprintf(args, sizeof(args),
			 "{\"state\":\"%s\",\"waker_tid\":%u,\"waker_pid\":%u,\"waker_comm\":%s,"
			 "\"io_wait\":%s}", r->state == VZ_OFF_BLOCKED ? "D" :
			 r->state == VZ_OFF_SLEEPING ? "S" : "T", r->waker_tid, r->waker_pid, comm,
			 r->oflags & VZ_OFF_IOWAIT ? "true" : "false");
	} else {
		snprintf(args, sizeof(args), "{\"state\":\"%s\",\"waker\":\"%s\",\"io_wait\":%s}",
			 r->state == VZ_OFF_BLOCKED ? "D" : r->state == VZ_OFF_SLEEPING ? "S" : "T",
			 wake ? "interrupt" : "unknown", r->oflags & VZ_OFF_IOWAIT ? "true" : "false");
	}
	trace_writer_complete_cat(w, "sched", name, off, (wake ? wake : on) - off, pid, tid, args);
	st->offcpu++;
	if (!wake)
		return;
	snprintf(args, sizeof(args), "{\"cpu\":%u,\"wake_cpu\":%u}", r->cpu, r->wake_cpu);
	trace_writer_complete_cat(w, "sched", "runnable", wake, on - wake, pid, tid, args);
	st->offcpu++;
	/* The arrow ends strictly inside the runnable slice, which it binds ("bp":"e"). */
	if (waker_w && on - wake >= 2) {
		st->flows++;
		trace_writer_flow(waker_w, 's', "sched", "wakeup", st->flows, wake_at, r->waker_pid,
				  r->waker_tid);
		trace_writer_flow(w, 'f', "sched", "wakeup", st->flows, wake + (on - wake) / 2, pid,
				  tid);
	}
}
