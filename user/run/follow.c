// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "env.h"
#include "fastpath.h"
#include "follow.h"
#include "user/base/log.h"
#include "user/base/procmem.h"
#include "user/probes/held.h"
#include "procs.h"
#include "user/slices/pystack.h"

/* A child not held by then was not held for us (a fork from C code without the library's
 * handler, a kernel without bpf_send_signal_task): it runs untraced. */
#define STOP_WAIT_MS 2000

/* How a fork()ed child waits for vizbpf: stopped by BPF (SIGSTOP), or in the preloaded
 * evaluator's fork handler (vz_flow.fork_park, at flow in the child: its parent's address). */
enum hold { HOLD_GONE = -1, HOLD_NONE, HOLD_STOPPED, HOLD_PARKED };

static enum hold held_how(pid_t pid, uint64_t flow)
{
	char path[64], buf[256];
	const char *f;
	uint64_t park = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = proc_stat_fields(path, buf, sizeof(buf));
	if (!f || f[0] == 'Z' || f[0] == 'X')
		return HOLD_GONE;
	if (f[0] == 'T' || f[0] == 't')
		return HOLD_STOPPED;
	if (flow && !procmem_read(pid, flow + offsetof(struct vz_flow, fork_park), &park,
				  sizeof(park)) && park == VZ_PARK_WAITING)
		return HOLD_PARKED;
	return HOLD_NONE;
}

/* The fork record comes as the child is made, before its fork handler waits (tens of us
 * later): looked at every 50 us for the first 2 ms, which every followed fork waits for,
 * then every ms. */
static enum hold wait_held(pid_t pid, uint64_t flow)
{
	struct timespec fine = { 0, 50 * 1000 }, ms = { 0, 1000 * 1000 };
	uint64_t start = monotonic_ns(), waited;
	enum hold h;

	while ((h = held_how(pid, flow)) == HOLD_NONE) {
		waited = monotonic_ns() - start;
		if (waited > STOP_WAIT_MS * 1000000ull)
			break;
		nanosleep(waited < 2000000 ? &fine : &ms, NULL);
	}
	return h;
}

/* Lets the child go however it waits. Go is said to its fork handler in any case: one stopped
 * by BPF first, or late, then passes at once. SIGCONT only to a stopped one (a program may
 * handle SIGCONT). */
static void let_go(pid_t pid, uint64_t flow, enum hold h)
{
	uint64_t go = VZ_PARK_GO;

	if (flow && h != HOLD_GONE)
		procmem_write(pid, flow + offsetof(struct vz_flow, fork_park), &go, sizeof(go));
	if (h == HOLD_STOPPED)
		held_release_proc(pid);
	else
		held_forget_proc(pid);
}

unsigned follow_tracer_flags(int major, int minor)
{
	struct prepare p;

	return prepare_init(&p, major, minor) ? 0 : procs_tracer_flags(&p);
}

struct pick {
	uint32_t tid, child;
	struct pystack_thread th;
	int found;
};

/* The thread state of the thread that forked (the only thread of the child). */
static int pick_thread(void *ctx, const struct pystack_thread *th)
{
	struct pick *p = ctx;

	if (th->tid == p->tid || th->tid == p->child) {
		p->th = *th;
		p->found = 1;
		return 1;
	}
	return 0;
}

/*
 * Before 3.12 a code object freed and another made at its address look alike: a fork()ed child
 * needs a probe on its code objects' frees unless the preloaded evaluator's cache forgets them
 * (it says so in its vizbpf_flow), which then marks every code object new to it (VZ_SIG_NEW).
 */
static bool code_frees_probed(const struct proc *p)
{
	uint64_t exact = 0;

	if (p->pi.minor >= 12 || !p->prep.batch_calls)
		return p->pi.minor < 12;
	if (p->prep.flow_addr)
		procmem_read(p->pid, p->prep.flow_addr + offsetof(struct vz_flow, exact_cache), &exact,
			     sizeof(exact));
	return !exact;
}

void follow_fork(struct procs *ps, const struct vz_rec_fork *r)
{
	pid_t child = r->hdr.pid;
	struct proc *parent = procs_find(ps, r->parent), *p;
	struct pick pick = { .tid = r->hdr.tid, .child = child };
	/* The library's vizbpf_flow in the child: where it is in its parent. */
	uint64_t runtime, flow = parent ? parent->prep.flow_addr : 0;
	enum hold how;
	int err;

	if (ps->closing) {
		let_go(child, flow, wait_held(child, flow));
		return;
	}
	how = wait_held(child, flow);
	if (how != HOLD_STOPPED && how != HOLD_PARKED) {
		vlog("fork %d -> %d: the child did not wait for us; not followed", r->parent, child);
		ps->missed++;
		let_go(child, flow, how);
		return;
	}
	if (parent)
		procs_runtime(parent); /* its bias, looked up once: the child's is the same */
	p = parent ? procs_add_fork(ps, child, parent) : NULL;
	if (!p) {
		ps->missed++;
		let_go(child, flow, how);
		return;
	}
	/* Its memory is a copy of its parent's: so is what vizbpf changed there. Its time is
	 * its parent's until the fork; from then on it is held, until let go below. */
	events_hold_inherit(ps->ev, r->parent, child, r->hdr.ts_ns);
	events_hold_begin(ps->ev, child, child, r->hdr.ts_ns, VZ_HOLD_FORK);
	p->first_call_seen = true; /* in its parent */
	procs_set_gil(p);
	runtime = procs_runtime(p);
	if (runtime)
		pystack_threads(child, &p->prep.off, runtime, pick_thread, &pick);
	if (pick.found) {
		pick.th.tid = child;
		pystack_replay(child, &p->prep.off, &pick.th, r->hdr.ts_ns, events_handle, ps->ev);
	}
	if (r->hdr.flags == VZ_PROC_FAST && ps->fp) {
		err = tracer_attach_sites_pid(p->t, child, code_frees_probed(p)) ?:
		      fastpath_arm_child(ps->fp, child, p->prep.fast_bias);
		if (err)
			vlog("fork %d -> %d: the child's probe sites: %s; not followed", r->parent,
			     child, strerror(-err));
	} else {
		err = tracer_add_pid(p->t, child);
		tracer_mark_started(p->t, child);
	}
	if (err) {
		ps->missed++;
		p->gone = true;
	} else {
		ps->followed++;
		procs_lock(p, false);
		procs_name(ps, child, "python (forked)");
	}
	let_go(child, flow, how);
	events_hold_end(ps->ev, child, monotonic_ns());
}

void follow_record(struct procs *ps, const struct vz_rec_hdr *rec)
{
	if (rec->type == VZ_REC_FORK)
		follow_fork(ps, (const struct vz_rec_fork *)rec);
	else
		follow_exec(ps, (const struct vz_rec_exec *)rec);
}

/* The old image's frames end at the exec, as at an exit. */
static void end_old_image(struct procs *ps, const struct vz_rec_exec *r)
{
	struct vz_rec_exit x = { .hdr = r->hdr };
	struct proc *old = procs_find(ps, r->hdr.pid);

	if (old)
		old->gone = true;
	x.hdr.type = VZ_REC_EXIT;
	x.hdr.tid = r->hdr.pid;
	memcpy(x.comm, r->comm, sizeof(x.comm));
	events_handle(ps->ev, &x, sizeof(x));
}

/* The executable as seen from here (a process in a container sees other files). */
static int exe_path(pid_t pid, char *exe, size_t cap)
{
	char link[64], target[PATH_MAX - 32];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	if (access(target, R_OK) == 0)
		snprintf(exe, cap, "%s", target);
	else
		snprintf(exe, cap, "/proc/%d/root%s", pid, target);
	return 0;
}

void follow_exec(struct procs *ps, const struct vz_rec_exec *r)
{
	pid_t pid = r->hdr.pid;
	static struct py_interp pi; /* 8 KB: not on the stack */
	char exe[PATH_MAX], msg[512];
	struct tracer *t;
	struct proc *p;
	int err;

	if (ps->closing) {
		held_release_exec(pid);
		return;
	}
	/* --all --comm NAME: its comm is not NAME; its script's may be. What is not CPython is
	 * still remembered, so that it is never stopped again. */
	if (r->hdr.flags & VZ_F_EXEC_CHECK_NAME) {
		bool named = env.comm && procwatch_name_matches(env.comm, pid);

		err = exe_path(pid, exe, sizeof(exe));
		if (!err)
			err = py_interp__inspect(exe, &pi, msg, sizeof(msg));
		if (!named || err == -ENOEXEC) {
			if (err == -ENOEXEC || err == -EOPNOTSUPP)
				procwatch_verdict(ps->pw, r->ino, r->dev, VZ_EXE_OTHER);
			held_release_exec(pid);
			return;
		}
	}
	/* A new process of the tree (its fork was not followed) shares its parent's time. */
	if (!procs_find(ps, pid))
		events_hold_inherit(ps->ev, proc_ppid(pid), pid, r->hdr.ts_ns);
	end_old_image(ps, r);
	err = exe_path(pid, exe, sizeof(exe));
	if (!err)
		err = py_interp__inspect(exe, &pi, msg, sizeof(msg));
	if (err) {
		if (err == -EOPNOTSUPP) {
			elog("pid %d: %s: not traced", pid, msg);
			ps->missed++;
		}
		/* Not CPython (or not one vizbpf traces): never stopped again. */
		if (err == -ENOEXEC || err == -EOPNOTSUPP)
			procwatch_verdict(ps->pw, r->ino, r->dev, VZ_EXE_OTHER);
		held_release_exec(pid);
		return;
	}
	procwatch_verdict(ps->pw, r->ino, r->dev, VZ_EXE_PYTHON);
	t = procs_tracer(ps, &pi, follow_tracer_flags(pi.major, pi.minor));
	/* Launch mode, --inject: it gets the library at its first call (procs_on_thread), and its
	 * evaluator's returns are probed then only if it does not. */
	p = t && !tracer_add_pid_returns(t, pid, !ps->fp) ? procs_add(ps, pid, &pi, 0, t) : NULL;
	if (!p) {
		ps->missed++;
		held_release_exec(pid);
		return;
	}
	procs_lock(p, false);
	/* With the library, it is held at its first call (procs_tracer), where its state is set
	 * again (procs_on_thread). */
	if (ps->fp)
		procwatch_set_unstarted(ps->pw, pid);
	else
		procwatch_set(ps->pw, pid, VZ_PROC_PROBED);
	p->inject_first = ps->fp != NULL;
	ps->followed++;
	vlog("pid %d exec'd CPython %d.%d (%s): traced from its first call", pid, pi.major,
	     pi.minor, exe);
	procs_name(ps, pid, pi.exe);
	events_hold_begin(ps->ev, pid, pid, r->hdr.ts_ns, VZ_HOLD_EXEC);
	held_release_exec(pid);
	events_hold_end(ps->ev, pid, monotonic_ns());
}
