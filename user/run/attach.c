// SPDX-License-Identifier: BSD-2-Clause
/*
 * Attach modes: -p PID[,PID...] and --all. For each running process: inspect
 * its interpreter, then with all its threads held still (ptrace): probe its
 * evaluator, replay the Python stacks already running (so they open the
 * trace), un-inline calls (3.11+: interp->eval_frame) and widen C recursion
 * budgets (3.12). Forks of traced processes and execs of their tree are
 * followed (user/run/follow.c); --all follows every exec of CPython too. Detach
 * reverses the interpreter changes the same way. A lock per pid keeps a
 * second vizbpf out.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "attach.h"
#include "flight.h"
#include "env.h"
#include "fastpath.h"
#include "follow.h"
#include "freeze.h"
#include "user/base/log.h"
#include "user/slices/meta.h"
#include "user/base/procmem.h"
#include "procs.h"
#include "user/slices/pystack.h"
#include "symbols/pyinterp.h"
#include "symbols/pyoffsets.h"

extern volatile sig_atomic_t vz_stop_requested;

struct replay {
	struct procs *ps;
	struct proc *p;
	uint64_t ts;
	int frames;
};

static int on_thread(void *ctx, const struct pystack_thread *th)
{
	struct replay *r = ctx;
	struct proc *p = r->p;

	r->frames += pystack_replay(p->pid, &p->prep.off, th, r->ts, events_handle, r->ps->ev);
	prepare_thread(&p->prep, p->pid, th->tstate, p->bias + p->pi.evalframe_vaddr);
	return 0;
}

/* Probes a running process. report: say why not (-p); --all skips quietly what is not
 * CPython. Returns 0 or -errno. */
static int attach_running(struct procs *ps, pid_t pid, bool report)
{
	static struct py_interp pi; /* 8 KB: not on the stack */
	struct replay r = { ps, NULL, 0, 0 };
	struct vz_py_offsets off;
	struct freeze *fz;
	struct tracer *t;
	struct proc *p;
	uint64_t bias, held_since;
	char msg[512];
	bool fast = false;
	int err;

	if (!proc_alive(pid)) {
		if (report)
			elog("no process %d", pid);
		return -ESRCH;
	}
	err = py_interp__inspect_pid(pid, &pi, &bias, msg, sizeof(msg));
	if (err) {
		if (report || err == -EOPNOTSUPP)
			elog("pid %d: %s", pid, msg);
		return err;
	}
	if (!pi.pyruntime_vaddr || py_offsets__get(pi.major, pi.minor, &off)) {
		elog("pid %d: CPython %d.%d cannot be attached to", pid, pi.major, pi.minor);
		return -EOPNOTSUPP;
	}
	t = procs_tracer(ps, &pi, follow_tracer_flags(pi.major, pi.minor));
	p = t ? procs_add(ps, pid, &pi, bias, t) : NULL;
	if (!p)
		return -EINVAL;
	r.p = p;
	p->first_call_seen = true; /* long ago: what announces itself now is a new thread */
	procs_set_gil(p);
	err = procs_lock(p, true);
	if (err) {
		p->gone = true;
		return err;
	}
	if (env.inject && ps->fp)
		fast = procs_inject(ps, p);
	fz = malloc(sizeof(*fz));
	held_since = monotonic_ns();
	err = fz ? freeze_process(pid, fz) : -ENOMEM;
	if (err) {
		elog("pid %d: cannot stop its threads (ptrace: %s)", pid, strerror(-err));
		free(fz);
		p->gone = true;
		return err;
	}
	/* A process of its own (nothing cut before: not a reused pid's cuts). The running
	 * frames start at r.ts, inside the hold: at its start in the trace. */
	events_hold_inherit(ps->ev, 0, pid, held_since);
	events_hold_begin(ps->ev, pid, pid, held_since, VZ_HOLD_ATTACH);
	/* Loaded for an earlier vizbpf: what its buffers hold is emptied at the switch, with no
	 * thread in the middle of noting a call. */
	if (fast) {
		err = fastpath_step_out(ps->fp, fz);
		if (err) {
			elog("pid %d: --inject: %s; traced with the evaluator's probes", pid,
			     strerror(-err));
			p->prep.fast = NULL;
			fast = false;
		}
	}
	err = fast ? tracer_add_sited_pid(t, pid) : tracer_add_pid(t, pid);
	if (!err) {
		tracer_mark_started(t, pid);
		r.ts = monotonic_ns();
		pystack_threads(pid, &off, bias + pi.pyruntime_vaddr, on_thread, &r);
	}
	/* The library loaded, but eval_frame could not be pointed at it (a thread state
	 * already had its own, or a write failed): the evaluator's probes then. */
	if (!err && fast && !p->prep.fast_used) {
		elog("pid %d: --inject: eval_frame not switched; traced with the evaluator's probes",
		     pid);
		fast = false;
		err = tracer_add_pid(t, pid);
	}
	/* Before it runs on: a fork from then on is held, by the library or by the fork stop
	 * (loaded here the first time a process stays traced by probes). */
	if (!err && ps->pw)
		procwatch_set(ps->pw, pid, fast ? VZ_PROC_FAST : VZ_PROC_PROBED);
	thaw_process(fz);
	events_hold_end(ps->ev, pid, monotonic_ns());
	free(fz);
	if (err) {
		p->gone = true;
		return err;
	}
	procs_name(ps, pid, pi.exe);
	ilog("attached to pid %d (CPython %d.%d%s): %d Python frames running", pid, pi.major,
	     pi.minor, fast ? ", evaluator injected" : "", r.frames);
	return 0;
}

/* --all: every CPython process running now that passes --comm and --cgroup. */
static int attach_host(struct procs *ps, const struct procwatch_opts *o)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	if (!d) {
		elog("/proc: %s", strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		pid_t pid;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = atoi(e->d_name);
		if (pid == getpid() || procs_find(ps, pid) || !procwatch_wants(ps->pw, o, pid))
			continue;
		n += !attach_running(ps, pid, false);
	}
	closedir(d);
	ilog("--all: %d CPython process(es) running; new ones are traced as they start", n);
	return 0;
}

struct attach_meta {
	struct procs *ps;
	struct events_stats es;
	struct tracer_stats ts;
};

static void attach_metadata(struct trace_writer *w, void *ctx)
{
	struct attach_meta *m = ctx;
	struct proc *first = m->ps->v[0];
	struct meta_changes ch;

	prepare_changes(&first->prep, m->es.max_depth, &ch);
	write_metadata(w, first->t, &first->pi, &m->es, &m->ts, &ch);
	trace_writer_meta_u64(w, "processes_traced", m->ps->n);
	trace_writer_meta_u64(w, "processes_followed", m->ps->followed);
	trace_writer_meta_u64(w, "processes_not_followed", m->ps->missed);
}

/* Nothing was traced (--all on a host without CPython): the trace still says what made it. */
static void empty_metadata(struct trace_writer *w, void *ctx)
{
	write_producer(w);
	trace_writer_meta_u64(w, "processes_traced", 0);
}

static bool any_running(struct procs *ps)
{
	bool running = false;

	for (int i = 0; i < ps->n; i++) {
		struct proc *p = ps->v[i];

		if (!p->gone && !proc_alive(p->pid))
			p->gone = true;
		running |= !p->gone;
	}
	return running;
}

int attach_run(struct outputs *out, struct events *ev)
{
	uint64_t deadline = 0;
	struct procwatch_opts o = { .all = env.all, .comm = env.comm, .cgroup = env.cgroup };
	struct attach_meta m;
	struct procs ps;
	int status = 0, err;
	bool failed_to_start = false;

	procs_init(&ps, ev, out, true);
	m = (struct attach_meta){ .ps = &ps };
	if (env.inject) {
		static struct fastpath fast;

		if (fastpath_find(&fast))
			elog("--inject: %s cannot be used; traced with the evaluator's probes",
			     fast.lib[0] ? fast.lib : "libvizbpf-eval.so");
		else
			ps.fp = &fast;
	}
	/* Watch before looking: a process started meanwhile is not missed. */
	if (procs_watch(&ps, &o, follow_record)) {
		status = 1;
		failed_to_start = true;
		goto out;
	}
	/* Without --inject, processes run on traced by probes as soon as they are attached: the
	 * fork stop is loaded now rather than while the first is held (said if it cannot be). */
	if (!ps.fp)
		procwatch_stop_forks(ps.pw);
	for (int i = 0; i < env.n_pids; i++) {
		if (attach_running(&ps, env.pids[i], true)) {
			status = 1;
			failed_to_start = true;
			goto out;
		}
	}
	if (env.all && attach_host(&ps, &o)) {
		status = 1;
		failed_to_start = true;
		goto out;
	}
	/* SECONDS of trace, as VizTracer's -t: counted once tracing has begun, not from the
	 * start of an attach that can take a second or more. */
	if (env.duration)
		deadline = monotonic_ns() + (uint64_t)(env.duration * 1e9);
	ilog("tracing; Ctrl-C to stop%s", env.duration ? " (or --duration)" : "");
	for (;;) {
		int n = procs_poll(&ps, 20);

		if (n < 0 && n != -EINTR) {
			elog("reading events: %s", strerror(-n));
			status = 1;
			break;
		}
		if ((!env.all && !any_running(&ps)) || vz_stop_requested ||
		    (deadline && monotonic_ns() >= deadline))
			break;
		flight_check(&ps, out, ev);
	}
out:
	procs_detach(&ps);
	events_finish(ev, monotonic_ns());
	if (ps.n) {
		events_get_stats(ev, &m.es);
		procs_stats(&ps, &m.ts);
		for (int i = 0; i < ps.n; i++)
			cbudget_warn(&ps.v[i]->prep.cb, ps.v[i]->pid, m.es.max_depth);
		meta_warn_lost(&m.es, &m.ts);
	}
	/* A failed attach (a bad -p) leaves an older trace under the name untouched. */
	if (failed_to_start) {
		outputs_discard(out);
		procs_close(&ps);
		return status;
	}
	err = outputs_close(out, ps.n ? attach_metadata : empty_metadata, &m);
	if (err)
		status = 1;
	else if (!ps.n && !status)
		ilog("no CPython process was traced; %s holds an empty trace", outputs_describe(out));
	else if (ps.n && !status)
		ilog("%llu calls recorded in %d process(es), %llu calls lost, trace saved to %s",
		     (unsigned long long)m.es.calls, ps.n, (unsigned long long)m.ts.lost_calls,
		     outputs_describe(out));
	free(out);
	procs_close(&ps);
	return status;
}
