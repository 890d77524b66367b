// SPDX-License-Identifier: BSD-2-Clause
/*
 * Attach mode. For each process: inspect its interpreter, load the BPF
 * programs, then with all its threads held still (ptrace): attach the
 * uprobe/uretprobe pair, replay the Python stacks already running (so they
 * open the trace), un-inline calls (3.11+: interp->eval_frame) and widen
 * C recursion budgets (3.12). Detach reverses the interpreter changes the
 * same way. A lock per pid keeps a second vizbpf out.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "attach.h"
#include "env.h"
#include "freeze.h"
#include "log.h"
#include "meta.h"
#include "prepare.h"
#include "procmem.h"
#include "pystack.h"
#include "symbols/pyinterp.h"
#include "symbols/pyoffsets.h"
#include "tracer.h"

#define LOCK_DIR "/run/vizbpf"

extern volatile sig_atomic_t vz_stop_requested;

struct target {
	pid_t pid;
	int lock_fd;
	struct py_interp pi;
	uint64_t bias;
	struct vz_py_offsets off;
	struct prepare prep;
	struct tracer *t;
	struct events *ev;
	int gone;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

static int alive(pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	return access(path, F_OK) == 0;
}

/* One vizbpf per process: a second one would see its eval_frame already set and restore it
 * under the first. The lock goes with vizbpf, however it ends. */
static int lock_pid(struct target *tg)
{
	char path[64];

	mkdir(LOCK_DIR, 0755);
	snprintf(path, sizeof(path), LOCK_DIR "/%d.lock", tg->pid);
	tg->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (tg->lock_fd < 0) {
		elog("cannot create %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(tg->lock_fd, LOCK_EX | LOCK_NB)) {
		elog("pid %d is already traced by another vizbpf (%s is locked)", tg->pid, path);
		return -EBUSY;
	}
	return 0;
}

struct replay {
	struct target *tg;
	uint64_t ts;
	int frames;
};

static int on_thread(void *ctx, const struct pystack_thread *th)
{
	struct replay *r = ctx;
	struct target *tg = r->tg;

	r->frames += pystack_replay(tg->pid, &tg->off, th, r->ts, events_handle, tg->ev);
	prepare_thread(&tg->prep, tg->pid, th->tstate, tg->bias + tg->pi.evalframe_vaddr);
	return 0;
}

static void on_new_thread(void *ctx, const struct vz_rec_thread *r)
{
	struct target *tg = ctx;

	/* 3.12: the process stopped itself at this thread's first call (SIGSTOP from BPF), so its
	 * budget is widened before it can go deep; otherwise hold the threads still, if alive. */
	if (r->hdr.flags & VZ_F_STOPPED) {
		prepare_thread(&tg->prep, tg->pid, r->tstate, r->evalframe_addr);
		kill(tg->pid, SIGCONT);
		return;
	}
	prepare_thread_checked(&tg->prep, tg->pid, r->tstate, r->evalframe_addr,
			       tg->bias + tg->pi.pyruntime_vaddr);
}

static int attach_one(struct target *tg, struct outputs *out)
{
	char msg[512], cmdline[512];
	struct replay r = { tg, 0, 0 };
	struct freeze *fz;
	int err;

	if (!alive(tg->pid)) {
		elog("no process %d", tg->pid);
		return -ESRCH;
	}
	err = py_interp__inspect_pid(tg->pid, &tg->pi, &tg->bias, msg, sizeof(msg));
	if (err) {
		elog("pid %d: %s", tg->pid, msg);
		return err;
	}
	if (!tg->pi.pyruntime_vaddr || py_offsets__get(tg->pi.major, tg->pi.minor, &tg->off) ||
	    prepare_init(&tg->prep, tg->pi.major, tg->pi.minor)) {
		elog("pid %d: CPython %d.%d cannot be attached to", tg->pid, tg->pi.major,
		     tg->pi.minor);
		return -EOPNOTSUPP;
	}
	err = lock_pid(tg);
	if (err)
		return err;
	tg->t = tracer_open(&tg->pi, env.ringbuf_bytes, tg->prep.boost ? TRACER_STOP_NEW_THREADS : 0,
			    events_handle, tg->ev);
	if (!tg->t)
		return -EINVAL;

	fz = malloc(sizeof(*fz));
	if (!fz)
		return -ENOMEM;
	err = freeze_process(tg->pid, fz);
	if (err) {
		elog("pid %d: cannot stop its threads (ptrace: %s)", tg->pid, strerror(-err));
		free(fz);
		return err;
	}
	err = tracer_attach_pid(tg->t, tg->pid, true);
	if (!err) {
		r.ts = now_ns();
		pystack_threads(tg->pid, &tg->off, tg->bias + tg->pi.pyruntime_vaddr, on_thread, &r);
	}
	thaw_process(fz);
	free(fz);
	if (err)
		return err;
	events_on_thread(tg->ev, on_new_thread, tg);

	proc_cmdline(tg->pid, cmdline, sizeof(cmdline));
	if (outputs_for(out, tg->pid))
		trace_writer_process_name(outputs_for(out, tg->pid), tg->pid,
					  cmdline[0] ? cmdline : tg->pi.exe);
	ilog("attached to pid %d (CPython %d.%d): %d Python frames running", tg->pid,
	     tg->pi.major, tg->pi.minor, r.frames);
	return 0;
}

static int unwiden_one(void *ctx, const struct pystack_thread *th)
{
	struct target *tg = ctx;

	prepare_unwiden(&tg->prep, tg->pid, th->tstate);
	return 0;
}

/*
 * Takes the probes out and puts the interpreter back as it was, threads held still.
 * Removing a uretprobe waits until every return instance the kernel still tracks is
 * released; the kernel releases a thread's instances 100 ms after its last uretprobe hit,
 * which a thread making calls all the time never reaches. Held still, it does.
 */
static void detach_one(struct target *tg)
{
	struct timespec settle = { 0, 150 * 1000 * 1000 };
	struct freeze *fz = malloc(sizeof(*fz));
	int frozen = 0;

	if (!tg->t)
		goto out;
	if (!tg->gone && alive(tg->pid) && fz) {
		frozen = !freeze_process(tg->pid, fz);
		if (!frozen)
			elog("pid %d: cannot stop its threads to detach cleanly", tg->pid);
	}
	if (frozen)
		nanosleep(&settle, NULL);
	while (tracer_drain(tg->t) > 0)
		;
	tracer_detach(tg->t);
	if (frozen) {
		prepare_restore_interps(&tg->prep, tg->pid);
		/* Only the thread states alive now: an ended thread's memory may be reused. */
		pystack_threads(tg->pid, &tg->off, tg->bias + tg->pi.pyruntime_vaddr, unwiden_one, tg);
		thaw_process(fz);
	}
out:
	free(fz);
}

struct attach_meta {
	struct target *tg;
	struct events_stats es;
	struct tracer_stats ts;
};

static void attach_metadata(struct trace_writer *w, void *ctx)
{
	struct attach_meta *m = ctx;

	write_metadata(w, m->tg->t, &m->tg->pi, &m->es, &m->ts, &m->tg->prep);
}

int attach_run(struct outputs *out, struct events *ev)
{
	uint64_t deadline = env.duration ? now_ns() + (uint64_t)(env.duration * 1e9) : 0;
	struct target *tgs = calloc(env.n_pids, sizeof(*tgs));
	struct attach_meta m = { tgs };
	int status = 0, running, err;

	if (!tgs)
		return 1;
	for (int i = 0; i < env.n_pids; i++) {
		tgs[i].pid = env.pids[i];
		tgs[i].lock_fd = -1;
		tgs[i].ev = ev;
		if (attach_one(&tgs[i], out)) {
			status = 1;
			goto out;
		}
	}
	ilog("tracing; Ctrl-C to stop%s", env.duration ? " (or --duration)" : "");
	for (;;) {
		running = 0;
		for (int i = 0; i < env.n_pids; i++) {
			int n = tracer_poll(tgs[i].t, env.n_pids > 1 ? 5 : 20);

			if (n < 0 && n != -EINTR) {
				elog("reading events: %s", strerror(-n));
				status = 1;
				goto out;
			}
			if (!tgs[i].gone && !alive(tgs[i].pid))
				tgs[i].gone = 1;
			running += !tgs[i].gone;
		}
		if (!running || vz_stop_requested || (deadline && now_ns() >= deadline))
			break;
	}
out:
	for (int i = 0; i < env.n_pids; i++)
		detach_one(&tgs[i]);
	events_finish(ev, now_ns());
	if (tgs[0].t) {
		events_get_stats(ev, &m.es);
		tracer_read_stats(tgs[0].t, &m.ts);
		for (int i = 0; i < env.n_pids; i++)
			if (tgs[i].prep.late_widened)
				elog("warning: pid %d: %llu thread(s) started after attach had gone deep "
				     "before vizbpf widened their C recursion budget (CPython 3.12): a "
				     "recursion deeper than ~750 there may have raised RecursionError",
				     tgs[i].pid, (unsigned long long)tgs[i].prep.late_widened);
		if (m.ts.lost_records)
			elog("warning: %llu events lost (ring buffer full): try --buffer_size",
			     (unsigned long long)m.ts.lost_records);
	}
	err = outputs_close(out, tgs[0].t ? attach_metadata : NULL, &m);
	if (err)
		status = 1;
	else if (tgs[0].t)
		ilog("%llu calls recorded, %llu events lost, trace saved to %s",
		     (unsigned long long)m.es.calls, (unsigned long long)m.ts.lost_records,
		     outputs_describe(out));
	free(out);
	for (int i = 0; i < env.n_pids; i++) {
		tracer_close(tgs[i].t);
		if (tgs[i].lock_fd >= 0)
			close(tgs[i].lock_fd);
	}
	free(tgs);
	return status;
}
