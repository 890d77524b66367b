// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "env.h"
#include "fastpath.h"
#include "freeze.h"
#include "inject.h"
#include "user/base/log.h"
#include "user/base/procmem.h"
#include "user/base/quiet.h"
#include "user/probes/held.h"
#include "watchdog.h"
#include "procs.h"
#include "user/slices/pystack.h"
#include "user/slices/pythread.h"

#define PROCS_MAX_POLL 64
#define LOCK_DIR "/run/vizbpf"

/* Names a thread after its threading.Thread, read from the process while it starts. */
static void on_thread_start(void *ctx, uint32_t pid, uint64_t frame, char *name, size_t cap)
{
	struct proc *p = procs_find(ctx, pid);
	int err = p ? pythread_name(pid, p->pi.minor, &p->prep.off, frame, name, cap) : -ESRCH;

	if (err) {
		vlog("pid %u: the name of a thread starting cannot be read: %s", pid, strerror(-err));
		name[0] = '\0';
	}
}

/*
 * Flow control (struct vz_flow): tells the preloaded evaluator in pid how much of its buffers
 * has been read, every eighth of its limit, so that it waits only while vizbpf is behind.
 * The limit goes with it: a program that gave up waiting (vizbpf read nothing for a second)
 * waits again once vizbpf reads again.
 */
static void on_batch(void *ctx, uint32_t pid, uint64_t seq)
{
	struct proc *p = procs_find(ctx, pid);
	struct prepare *prep = p ? &p->prep : NULL;
	uint64_t read_limit[2];

	_Static_assert(offsetof(struct vz_flow, limit) == offsetof(struct vz_flow, read) + 8,
		       "read and limit are written at once");
	if (!prep || !prep->flow_addr || !prep->flow_limit ||
	    (int64_t)(seq - prep->flow_read) < 0 || seq - prep->flow_read < prep->flow_limit / 8)
		return;
	read_limit[0] = seq;
	read_limit[1] = prep->flow_limit;
	if (!procmem_write(pid, prep->flow_addr + offsetof(struct vz_flow, read), read_limit,
			   sizeof(read_limit)))
		prep->flow_read = seq;
	else
		prep->flow_addr = 0; /* gone, or not what it was: never again */
}

/*
 * Lock files that nobody holds: left by a vizbpf that was killed. Removed while held, as
 * procs_unlock does (procs_lock takes a file removed under it for the new one). Thousands of
 * them made each new lock in the directory cost ~0.5 ms here (tmpfs), once per followed fork.
 */
static void remove_stale_locks(void)
{
	DIR *d = opendir(LOCK_DIR);
	struct dirent *e;
	size_t n;
	int fd;

	if (!d)
		return;
	while ((e = readdir(d))) {
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".lock"))
			continue;
		fd = openat(dirfd(d), e->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0)
			continue;
		if (!flock(fd, LOCK_EX | LOCK_NB))
			unlinkat(dirfd(d), e->d_name, 0);
		close(fd);
	}
	closedir(d);
}

void procs_init(struct procs *ps, struct events *ev, struct outputs *out, bool attach)
{
	static bool cleaned;

	if (!cleaned)
		remove_stale_locks();
	cleaned = true;
	*ps = (struct procs){ .ev = ev, .out = out, .attach = attach };
	events_on_thread(ev, procs_on_thread, ps);
	events_on_batch(ev, on_batch, ps);
	events_on_thread_start(ev, on_thread_start, ps);
}

void procs_use_fastpath(struct prepare *p, const struct fastpath *fp)
{
	prepare_use_fastpath(p, fp);
	p->follow_forks = true;
	p->log_retval = env.log_func_retval;
	p->batch_calls = !env.log_func_args && !env.log_async && !env.log_func_retval;
	/* A quarter of the ring buffer per process, read or not: room for its other records.
	 * VIZBPF_FLOW_LIMIT (slots, 0: never wait) is for tests of what a full ring loses. */
	p->flow_limit = env.ringbuf_bytes / 4 / sizeof(struct vz_batch_slot);
	if (getenv("VIZBPF_FLOW_LIMIT"))
		p->flow_limit = strtoull(getenv("VIZBPF_FLOW_LIMIT"), NULL, 0);
}

bool procs_inject(struct procs *ps, struct proc *p)
{
	char why[512];
	int err;

	err = inject_library(p->pid, ps->fp->lib, p->pi.lib, why, sizeof(why));
	if (!err)
		err = tracer_attach_sites(p->t, ps->fp->lib, ps->fp->entry_off, ps->fp->flush_off);
	if (err) {
		elog("pid %d: cannot load %s: %s; traced with the evaluator's probes", p->pid,
		     ps->fp->lib, why[0] ? why : strerror(-err));
		return false;
	}
	procs_use_fastpath(&p->prep, ps->fp);
	p->prep.fast_restored = ps->attach;
	return true;
}

unsigned procs_tracer_flags(const struct prepare *p)
{
	return (prepare_needs_first_stop(p) ? TRACER_STOP_FIRST_CALL : 0) |
	       (p->minor == 12 ? TRACER_STOP_NEW_THREADS : 0) |
	       (env.log_func_args ? TRACER_LOG_ARGS : 0) | (env.log_print ? TRACER_LOG_PRINT : 0) |
	       (env.log_func_retval ? TRACER_LOG_RETVAL : 0) | (env.log_async ? TRACER_LOG_ASYNC : 0);
}

struct tracer *procs_tracer(struct procs *ps, const struct py_interp *pi, unsigned flags)
{
	struct tracer *t, **v;

	for (int i = 0; i < ps->n_tracers; i++)
		if (!strcmp(tracer_lib(ps->tracers[i]), pi->lib))
			return ps->tracers[i];
	if (ps->n_tracers >= PROCS_MAX_POLL - 1) {
		elog("more than %d distinct interpreters: %s not traced", PROCS_MAX_POLL - 1,
		     pi->lib);
		return NULL;
	}
	v = realloc(ps->tracers, (ps->n_tracers + 1) * sizeof(*v));
	if (!v)
		return NULL;
	ps->tracers = v;
	/* The event options' programs are loaded only when asked for (the calls below need them). */
	flags |= (env.log_gc ? TRACER_LOG_GC : 0) | (env.log_exception ? TRACER_LOG_EXCEPTION : 0) |
		 (env.log_audit ? TRACER_LOG_AUDIT : 0) | (ps->fp ? TRACER_SITES : 0);
	/* An exec'd process gets the evaluator library at its first call (procs_on_thread). */
	if (ps->fp)
		flags |= TRACER_STOP_FIRST_CALL;
	t = tracer_open(pi, env.ringbuf_bytes, flags | env.kernel, events_handle, ps->ev);
	if (t)
		ps->tracers[ps->n_tracers++] = t;
	/* Without the collector's probes the trace goes on (said why). */
	if (t && env.log_gc)
		tracer_log_gc(t, pi);
	if (t && env.log_exception)
		tracer_log_exception(t, pi);
	if (t && env.log_audit)
		tracer_log_audit(t, pi);
	return t;
}

static struct proc *proc_new(struct procs *ps, pid_t pid, const struct py_interp *pi,
			     uint64_t bias, struct tracer *t)
{
	struct proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	if (ps->n == ps->cap) {
		int cap = ps->cap ? 2 * ps->cap : 16;
		void *v = realloc(ps->v, cap * sizeof(*ps->v));

		if (!v) {
			free(p);
			return NULL;
		}
		ps->v = v;
		ps->cap = cap;
	}
	p->pid = pid;
	p->t = t;
	p->pi = *pi;
	p->bias = bias;
	p->lock_fd = -1;
	p->restore = ps->attach;
	ps->v[ps->n++] = p;
	return p;
}

struct proc *procs_add(struct procs *ps, pid_t pid, const struct py_interp *pi, uint64_t bias,
		       struct tracer *t)
{
	struct proc *p = proc_new(ps, pid, pi, bias, t);

	if (p) {
		prepare_init(&p->prep, pi->major, pi->minor);
		prepare_find_gaps(&p->prep, pi);
	}
	return p;
}

/* A fork()ed child: a copy of its parent's memory, so of what vizbpf found and changed there
 * (no second look at the interpreter's file: that took a few ms at each fork). */
struct proc *procs_add_fork(struct procs *ps, pid_t child, const struct proc *parent)
{
	struct proc *p = proc_new(ps, child, &parent->pi, parent->bias, parent->t);

	if (p) {
		p->prep = parent->prep;
		p->restore = parent->restore;
		p->bias_checked = parent->bias_checked;
	}
	return p;
}

struct proc *procs_find(struct procs *ps, pid_t pid)
{
	/* The newest first: a pid reused after its process ended, or re-exec'd. */
	for (int i = ps->n - 1; i >= 0; i--)
		if (ps->v[i]->pid == pid && !ps->v[i]->gone)
			return ps->v[i];
	return NULL;
}

void procs_name(struct procs *ps, pid_t pid, const char *fallback)
{
	struct trace_writer *w = outputs_for(ps->out, pid);
	char cmdline[512];

	proc_cmdline(pid, cmdline, sizeof(cmdline));
	if (w)
		trace_writer_process_name(w, pid, cmdline[0] ? cmdline : fallback);
}

/* The bias of the interpreter in p, for reading _PyRuntime (an exec'd process: known late). */
uint64_t procs_runtime(struct proc *p)
{
	struct py_interp pi;
	char err[256];

	/* Looked at once it could be: 0 after that is a non-PIE interpreter's, or a process not
	 * what it was probed as. */
	if (!p->bias && !p->bias_checked &&
	    !py_interp__inspect_pid(p->pid, &pi, &p->bias, err, sizeof(err))) {
		p->bias_checked = true;
		if (strcmp(pi.lib, p->pi.lib))
			p->bias = 0;
	}
	return p->bias ? p->bias + p->pi.pyruntime_vaddr : 0;
}

/* --kernel sched: where p's GIL is, to name the waits for it (and tell them from lock waits).
 * procs_runtime() cannot say "bias 0" (a non-PIE executable, Debian's python3.11): its own
 * inspection. */
void procs_set_gil(struct proc *p)
{
	struct py_interp pi;
	uint64_t bias = 0;
	char err[256];

	/* Without --kernel sched nothing to do: no inspection (a forked child is held meanwhile). */
	if (!(env.kernel & TRACER_KERNEL_SCHED) || !p->pi.pyruntime_vaddr ||
	    py_interp__inspect_pid(p->pid, &pi, &bias, err, sizeof(err)) ||
	    strcmp(pi.lib, p->pi.lib))
		return;
	tracer_set_gil(p->t, p->pid, bias + p->pi.pyruntime_vaddr);
}

void procs_on_thread(void *ctx, const struct vz_rec_thread *r)
{
	struct procs *ps = ctx;
	struct proc *p = procs_find(ps, r->hdr.pid);
	uint64_t runtime, held_since;
	bool first, inject;

	if (!p || ps->closing) {
		if ((r->hdr.flags & VZ_F_STOPPED) && !(p && p->ptraced))
			held_release(r->hdr.pid, r->hdr.tid);
		else if (r->hdr.flags & VZ_F_STOPPED)
			held_forget(r->hdr.tid); /* the launcher drops it; PTRACE_O_EXITKILL */
		return;
	}
	first = !p->first_call_seen;
	p->first_call_seen = true;
	if (first)
		procs_set_gil(p);
	/* Stopped at this call: by the ptracer (launch), or for real (then it waits for SIGCONT).
	 * Nothing races the writes. The hold begins at this record, or at the last one taken
	 * before the stop took effect (the thread's call record: holds.h). */
	if (r->hdr.flags & VZ_F_STOPPED) {
		events_hold_begin(ps->ev, p->pid, r->hdr.tid, r->hdr.ts_ns,
				  first ? VZ_HOLD_FIRST_CALL : VZ_HOLD_THREAD);
		if (p->ptraced) /* the launcher drops the stop; if vizbpf dies, EXITKILL */
			held_forget(r->hdr.tid);
		/* Held at its first call, in the evaluator: a safe point to load the library. */
		inject = first && p->inject_first && procs_inject(ps, p);
		prepare_thread(&p->prep, p->pid, r->tstate, r->evalframe_addr);
		if (inject && p->prep.fast_used) {
			tracer_use_sites_pid(p->t, p->pid);
			procwatch_set(ps->pw, p->pid, VZ_PROC_FAST);
			vlog("pid %d: evaluator library loaded at its first call", p->pid);
		} else if (first && p->inject_first) {
			tracer_attach_pid_returns(p->t, p->pid);
			procwatch_set(ps->pw, p->pid, VZ_PROC_PROBED); /* its forks held by BPF */
		}
		if (!p->ptraced) { /* else the launcher lets it go, and ends the hold */
			held_release(p->pid, r->hdr.tid);
			events_hold_end(ps->ev, p->pid, monotonic_ns());
		}
		return;
	}
	/* Not stopped at its first call: it runs on with the evaluator's probes. */
	if (first && p->inject_first) {
		tracer_attach_pid_returns(p->t, p->pid);
		procwatch_set(ps->pw, p->pid, VZ_PROC_PROBED);
	}
	runtime = procs_runtime(p);
	if (!runtime)
		return;
	prepare_thread_checked(&p->prep, p->pid, r->tstate, r->evalframe_addr, runtime,
			       &held_since);
	if (held_since)
		events_hold(ps->ev, p->pid, r->hdr.tid, held_since, monotonic_ns(),
			    first ? VZ_HOLD_FIRST_CALL : VZ_HOLD_THREAD);
}

static void lock_path(pid_t pid, char *path, size_t cap)
{
	snprintf(path, cap, LOCK_DIR "/%d.lock", pid);
}

/*
 * One vizbpf per process: a second one would see its eval_frame already set and restore it
 * under the first. The lock (flock) goes with vizbpf, however it ends, so a file left behind
 * by a killed vizbpf never refuses a trace; the file itself is removed at release. Removing
 * it races with a vizbpf opening it at that moment, which would then hold a lock on a file
 * no longer there: a lock counts only while its file is still the one at the path.
 */
int procs_lock(struct proc *p, bool report)
{
	struct stat held, there;
	char path[64];

	mkdir(LOCK_DIR, 0755);
	lock_path(p->pid, path, sizeof(path));
	for (int tries = 0; tries < 100; tries++) {
		p->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (p->lock_fd < 0) {
			if (report)
				elog("cannot create %s: %s", path, strerror(errno));
			return -errno;
		}
		if (flock(p->lock_fd, LOCK_EX | LOCK_NB)) {
			if (report)
				elog("pid %d is already traced by another vizbpf (%s is locked)",
				     p->pid, path);
			close(p->lock_fd);
			p->lock_fd = -1;
			return -EBUSY;
		}
		if (!fstat(p->lock_fd, &held) && !stat(path, &there) &&
		    held.st_ino == there.st_ino && held.st_dev == there.st_dev)
			return 0;
		close(p->lock_fd); /* removed by its last holder meanwhile: take the new one */
	}
	p->lock_fd = -1;
	if (report)
		elog("%s keeps being replaced: cannot lock it", path);
	return -EAGAIN;
}

/* Removes the lock file while still holding it, so nobody can take the lock on it after. */
static void procs_unlock(struct proc *p)
{
	char path[64];

	if (p->lock_fd < 0)
		return;
	lock_path(p->pid, path, sizeof(path));
	unlink(path);
	close(p->lock_fd);
	p->lock_fd = -1;
}

static void handle_pending(struct procs *ps)
{
	/* Handlers may queue more (never in practice: they run between polls). */
	for (int i = 0; i < ps->n_pending; i++) {
		struct procs_pending q = ps->pending[i];

		ps->follow(ps, q.type == VZ_REC_FORK ? &q.fork.hdr : &q.exec.hdr);
	}
	ps->n_pending = 0;
}

/* procwatch_record_fn: a fork or exec waits until the tracers' records before it are read. */
static void queue_record(void *ctx, const void *rec)
{
	struct procs *ps = ctx;
	const struct vz_rec_hdr *h = rec;
	struct procs_pending *q;

	if (ps->n_pending == ps->cap_pending) {
		int cap = ps->cap_pending ? 2 * ps->cap_pending : 16;
		void *v = realloc(ps->pending, cap * sizeof(*ps->pending));

		if (!v) {
			ps->missed++;
			return;
		}
		ps->pending = v;
		ps->cap_pending = cap;
	}
	q = &ps->pending[ps->n_pending++];
	q->type = h->type;
	if (h->type == VZ_REC_FORK)
		q->fork = *(const struct vz_rec_fork *)rec;
	else
		q->exec = *(const struct vz_rec_exec *)rec;
}

int procs_watch(struct procs *ps, const struct procwatch_opts *o, procs_follow_fn follow)
{
	ps->follow = follow;
	ps->pw = procwatch_open(o, queue_record, ps);
	return ps->pw ? 0 : -EINVAL;
}

struct watch_job {
	struct procs *ps;
	const struct procwatch_opts *o;
};

static void *watch_thread(void *arg)
{
	struct watch_job *j = arg;

	j->ps->pw = procwatch_open(j->o, queue_record, j->ps);
	return NULL;
}

/*
 * Loading a skeleton is mostly the kernel's verifier and a parse of the kernel's BTF, on one
 * CPU: the process watcher loads on a thread of its own while the tracer loads here (~20 ms
 * less at every launch). They share nothing but the held map, created before.
 */
struct tracer *procs_watch_and_trace(struct procs *ps, const struct procwatch_opts *o,
				     procs_follow_fn follow, const struct py_interp *pi,
				     unsigned flags)
{
	struct watch_job j = { ps, o };
	struct tracer *t;
	pthread_t th;

	ps->follow = follow;
	if (pthread_create(&th, NULL, watch_thread, &j)) {
		watch_thread(&j);
		return ps->pw ? procs_tracer(ps, pi, flags) : NULL;
	}
	t = procs_tracer(ps, pi, flags);
	pthread_join(th, NULL);
	return ps->pw ? t : NULL;
}

/*
 * Records one procs_poll hands over from each tracer at most: then --duration, Ctrl-C and the
 * processes' ends are looked at again however fast a program hands records over (~4 ms).
 */
#define POLL_BUDGET 4096
/* A fork or exec waits for its process's records before it, but not for ever behind a program
 * that outruns vizbpf (only one whose flow control gave up can). */
#define PENDING_WAIT_NS (200 * 1000 * 1000ull)

/*
 * procwatch first, into the queue; then every tracer, up to budget records each (0: all);
 * then the queue, once every tracer was read to its end. A fork or exec record is handled
 * after the records its process sent before it. Returns whether records were left.
 */
static bool read_records(struct procs *ps, unsigned budget)
{
	bool left = false;
	int n;

	if (ps->pw)
		procwatch_drain(ps->pw);
	if (ps->n_pending && !ps->pending_since)
		ps->pending_since = monotonic_ns();
	do {
		n = 0;
		for (int i = 0; i < ps->n_tracers; i++) {
			int k = tracer_read(ps->tracers[i], budget);

			n += k > 0 ? k : 0;
			left |= budget && k == (int)budget;
		}
	} while (n > 0 && !budget);
	if (ps->n_pending &&
	    (!left || monotonic_ns() - ps->pending_since > PENDING_WAIT_NS)) {
		handle_pending(ps);
		ps->pending_since = 0;
	}
	return left;
}

void procs_drain(struct procs *ps)
{
	read_records(ps, 0);
}

int procs_poll(struct procs *ps, int timeout_ms)
{
	struct pollfd fds[PROCS_MAX_POLL];
	int n = 0, r;

	for (int i = 0; i < ps->n_tracers && n < PROCS_MAX_POLL - 1; i++)
		fds[n++] = (struct pollfd){ .fd = tracer_fd(ps->tracers[i]), .events = POLLIN };
	if (ps->pw)
		fds[n++] = (struct pollfd){ .fd = procwatch_fd(ps->pw), .events = POLLIN };
	r = poll(fds, n, ps->unread ? 0 : timeout_ms);
	if (r < 0 && errno != EINTR)
		return -errno;
	/* Records are mostly submitted without wake-ups (they double the probe cost): read
	 * anyway. */
	ps->unread = read_records(ps, POLL_BUDGET);
	return r < 0 ? -EINTR : r;
}

struct unwiden {
	struct proc *p;
	bool last;
	int deferred; /* threads too deep to narrow now */
};

static int unwiden_one(void *ctx, const struct pystack_thread *th)
{
	struct unwiden *u = ctx;

	u->deferred += prepare_unwiden(&u->p->prep, u->p->pid, th->tstate, u->last) == -EAGAIN;
	return 0;
}

/* Narrows p's widened C budgets back (held still); returns how many threads were too deep. */
static int unwiden_threads(struct proc *p, bool last)
{
	struct unwiden u = { p, last, 0 };
	uint64_t runtime = procs_runtime(p);

	/* Only the thread states alive now: an ended thread's memory may be reused. */
	if (runtime)
		pystack_threads(p->pid, &p->prep.off, runtime, unwiden_one, &u);
	return u.deferred;
}

/* The threads that were too deep in C recursion at detach, tried again as they unwind (they
 * run meanwhile, untraced): up to a second, then narrowed as far as they can be. */
#define UNWIDEN_TRIES 100

static void unwiden_deferred(struct procs *ps, int n, bool *deferred)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct freeze *fz = malloc(sizeof(*fz));
	bool left = true;

	for (int k = 1; fz && left && k <= UNWIDEN_TRIES; k++) {
		nanosleep(&tick, NULL);
		left = false;
		for (int i = 0; i < n; i++) {
			struct proc *p = ps->v[i];

			if (!deferred[i])
				continue;
			if (!proc_alive(p->pid) || freeze_process(p->pid, fz)) {
				deferred[i] = false;
				continue;
			}
			deferred[i] = unwiden_threads(p, k == UNWIDEN_TRIES) > 0;
			if (!deferred[i])
				watchdog_forget(p->pid);
			thaw_process(fz);
			left |= deferred[i];
		}
	}
	free(fz);
}

/*
 * Takes the probes out and puts the interpreters back as they were, every process held
 * still. Removing a uretprobe waits until every return instance the kernel still tracks is
 * released; the kernel releases a thread's instances 100 ms after its last uretprobe hit,
 * which a thread making calls all the time never reaches. Held still, it does.
 */
/*
 * --inject: what p's threads buffered since their last hand-over goes into the trace, once
 * none stands in the evaluator's code (in the middle of noting a call).
 */
static void take_buffers(struct procs *ps, struct proc *p, struct freeze *fz, uint64_t held_since)
{
	uint64_t unbuffered = 0;
	int err, n;

	err = fastpath_step_out(p->prep.fast, fz);
	if (err) {
		elog("pid %d: what its threads buffered last is not in the trace: %s", p->pid,
		     strerror(-err));
		return;
	}
	n = prepare_take_buffers(&p->prep, p->pid, held_since, events_handle, ps->ev);
	vlog("pid %d: %d calls and returns its threads had buffered taken at detach", p->pid, n);
	if (!procmem_read(p->pid, p->prep.flow_addr + offsetof(struct vz_flow, unbuffered_threads),
			  &unbuffered, sizeof(unbuffered)) && unbuffered)
		elog("pid %d: %llu thread(s) could not map a buffer: their calls are not in the trace",
		     p->pid, (unsigned long long)unbuffered);
}

void procs_detach(struct procs *ps)
{
	struct timespec settle = { 0, 150 * 1000 * 1000 };
	int n = ps->n; /* the drains below may follow more: those are not held */
	struct freeze **fz = calloc(n ? n : 1, sizeof(*fz));
	bool *deferred = calloc(n ? n : 1, sizeof(*deferred));
	uint64_t *held = calloc(n ? n : 1, sizeof(*held)); /* when each was held still */
	uint64_t held_since;
	int frozen = 0;

	for (int i = 0; fz && i < n; i++) {
		struct proc *p = ps->v[i];

		if (!p->restore || p->gone || !proc_alive(p->pid))
			continue;
		fz[i] = malloc(sizeof(*fz[i]));
		held_since = monotonic_ns();
		if (fz[i] && freeze_process(p->pid, fz[i])) {
			elog("pid %d: cannot stop its threads to detach cleanly", p->pid);
			free(fz[i]);
			fz[i] = NULL;
		}
		/* Tracing ends here for it: what still runs at the end ends where the hold began. */
		if (fz[i])
			events_hold_begin(ps->ev, p->pid, p->pid, held_since, VZ_HOLD_DETACH);
		if (fz[i] && held)
			held[i] = monotonic_ns();
		frozen += !!fz[i];
	}
	if (frozen)
		nanosleep(&settle, NULL);
	/* From here, what shows up is let go unchanged: nothing would restore it. */
	ps->closing = true;
	procs_drain(ps);
	for (int i = 0; i < ps->n_tracers; i++)
		tracer_detach(ps->tracers[i]);
	procs_drain(ps); /* a first call stopped just before the probes went */
	for (int i = 0; fz && i < n; i++) {
		struct proc *p = ps->v[i];
		bool later;

		if (!fz[i])
			continue;
		if (p->prep.fast_restored && held)
			take_buffers(ps, p, fz[i], held[i]);
		prepare_restore_interps(&p->prep, p->pid);
		/* Without room to note what is deferred, nothing is: narrowed as far as it can. */
		later = unwiden_threads(p, !deferred) > 0;
		if (deferred)
			deferred[i] = later;
		/* Put back: nothing left for the watchdog (had vizbpf died meanwhile, what it
		 * would write back checks that vizbpf's values are still there). What is
		 * deferred stays in its journal until narrowed. */
		if (!later)
			watchdog_forget(p->pid);
		thaw_process(fz[i]);
		events_hold_end(ps->ev, p->pid, monotonic_ns());
		free(fz[i]);
	}
	free(fz);
	free(held);
	if (deferred)
		unwiden_deferred(ps, n, deferred);
	free(deferred);
}

void procs_stats(struct procs *ps, struct tracer_stats *s)
{
	*s = (struct tracer_stats){ 0 };
	for (int i = 0; i < ps->n_tracers; i++) {
		struct tracer_stats one;

		tracer_read_stats(ps->tracers[i], &one);
		s->lost_records += one.lost_records;
		s->lost_calls += one.lost_calls;
		s->lost_returns += one.lost_returns;
		s->lost_code_records += one.lost_code_records;
		s->kernel_records += one.kernel_records;
		s->kernel_lost += one.kernel_lost;
		s->kernel_flags |= one.kernel_flags;
		s->gc_unfinished += one.gc_unfinished;
		s->prints_lost += one.prints_lost;
	}
	if (ps->pw)
		s->lost_records += procwatch_lost(ps->pw);
}

/*
 * Nothing may stay stopped for a vizbpf that is gone: stop watching and probing, then let go
 * every process that was held meanwhile (a first-call stop, a fork or an exec not handled).
 */
/*
 * The end of a launch, the trace written and the program gone: what is left is closing the
 * probe links, ~0.2 s of the kernel's grace periods for nothing. A child of vizbpf closes them
 * (it holds their last references) and lets go any process still held for vizbpf, so that
 * vizbpf itself returns at once. The lock files go first, here; the child keeps nothing else
 * of vizbpf's: not its session, terminal, output or signals. Without a child (fork failed):
 * closed here.
 */
void procs_close_in_background(struct procs *ps)
{
	int gone[2];
	pid_t pid;
	char b;

	for (int i = 0; i < ps->n; i++)
		procs_unlock(ps->v[i]);
	/* What vizbpf did not put back by now it leaves as it is on purpose (launch mode). */
	watchdog_forget_all();
	fflush(NULL);
	/* The child closes its copies once vizbpf is gone (EOF on gone[0]): closed first, they
	 * would leave vizbpf's own as the last references, and the waits in vizbpf's exit. */
	if (pipe2(gone, O_CLOEXEC)) {
		procs_close(ps);
		return;
	}
	pid = fork();
	if (pid < 0) {
		close(gone[0]);
		close(gone[1]);
		procs_close(ps);
		return;
	}
	if (pid > 0) {
		close(gone[0]); /* gone[1] stays open until vizbpf exits */
		*ps = (struct procs){ 0 }; /* the child's now (its memory is a copy) */
		return;
	}
	close(gone[1]);
	quiet_helper("vizbpf-closing");
	while (read(gone[0], &b, 1) < 0 && errno == EINTR)
		;
	close(gone[0]);
	procs_close(ps);
	_exit(0);
}

void procs_close(struct procs *ps)
{
	ps->closing = true;
	if (ps->ev)
		events_stop(ps->ev);
	if (ps->pw)
		procwatch_detach(ps->pw);
	for (int i = 0; i < ps->n_tracers; i++)
		tracer_detach(ps->tracers[i]);
	procs_drain(ps);
	procwatch_close(ps->pw);
	ps->pw = NULL;
	/* What vizbpf did not put back by now it leaves as it is on purpose (launch mode). */
	watchdog_forget_all();
	for (int i = 0; i < ps->n_tracers; i++)
		tracer_close(ps->tracers[i]);
	for (int i = 0; i < ps->n; i++) {
		procs_unlock(ps->v[i]);
		free(ps->v[i]);
	}
	free(ps->tracers);
	free(ps->v);
	free(ps->pending);
	*ps = (struct procs){ 0 };
}
