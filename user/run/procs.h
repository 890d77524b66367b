/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The processes being traced and the tracers that see them: one tracer (BPF
 * programs + ring buffer) per interpreter binary, shared by every process
 * running it. Launch mode, -p and --all all keep their processes here; forks
 * and execs found by procwatch are handed to the procs_follow_fn given to
 * procs_watch (user/run/follow.c adds them), which uses this, not the reverse.
 */
#ifndef VZ_PROCS_H
#define VZ_PROCS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "user/slices/events.h"
#include "user/slices/outputs.h"
#include "prepare.h"
#include "user/probes/procwatch.h"
#include "user/probes/tracer.h"
#include "symbols/pyinterp.h"

struct fastpath;
struct procs;

/* Handles a fork or exec that procwatch found (struct vz_rec_fork or vz_rec_exec, by
 * rec->type), its process stopped until then; called once the tracers' records before it are
 * read. It must let the process go on (SIGCONT), followed or not. */
typedef void (*procs_follow_fn)(struct procs *ps, const struct vz_rec_hdr *rec);

struct proc {
	pid_t pid;
	struct tracer *t;
	struct py_interp pi;
	uint64_t bias;      /* load bias of pi.lib in the process, 0 until known */
	struct prepare prep;
	int lock_fd;        /* attach modes: /run/vizbpf/PID.lock, else -1 */
	bool ptraced;       /* launch: still under vizbpf's ptrace (it swallows BPF's SIGSTOP) */
	bool restore;       /* attach modes: undo the interpreter changes at detach */
	bool gone;
	bool first_call_seen; /* its first call was announced (later announcements: new threads) */
	bool bias_checked;  /* procs_runtime() looked (bias 0 after: none to use) */
	bool inject_first;  /* exec'd: gets the preloaded evaluator at its first call */
};

struct procs {
	struct proc **v;
	int n, cap;
	struct tracer **tracers;
	int n_tracers;
	struct events *ev;
	struct outputs *out;
	struct procwatch *pw;
	procs_follow_fn follow;    /* procwatch's records go there */
	const struct fastpath *fp; /* launch mode's preloaded evaluator, or NULL */
	bool attach;               /* attach modes: processes found are restored at detach */
	uint64_t followed;         /* processes added by fork or exec */
	uint64_t missed;           /* forks and execs of CPython not followed */
	bool closing;              /* procs_close: processes held for vizbpf are only let go */
	/* procwatch records wait here until the tracers' records before them are read */
	struct procs_pending {
		uint32_t type;
		union {
			struct vz_rec_fork fork;
			struct vz_rec_exec exec;
		};
	} *pending;
	int n_pending, cap_pending;
	uint64_t pending_since; /* when the oldest of them was queued (monotonic ns) */
	bool unread;            /* procs_poll stopped at its budget with records left to read */
};

void procs_init(struct procs *ps, struct events *ev, struct outputs *out, bool attach);
/*
 * Loads the preloaded evaluator into p (--inject, an exec'd process at its first call) and
 * prepares the switch to it. False when it cannot (said why): the evaluator's probes go on.
 */
bool procs_inject(struct procs *ps, struct proc *p);
/* *p switches to the preloaded evaluator fp, with the options' settings (launch, --inject). */
void procs_use_fastpath(struct prepare *p, const struct fastpath *fp);
/* The TRACER_* flags the changes *p makes need (stops at first calls). */
unsigned procs_tracer_flags(const struct prepare *p);
/* The tracer of pi's binary, opened with flags (TRACER_*) when it is the first. */
struct tracer *procs_tracer(struct procs *ps, const struct py_interp *pi, unsigned flags);
/* Registers pid (running pi, seen by t) and names its track. NULL when out of memory. */
/* A fork()ed child of parent: what vizbpf knows of the parent holds for it. */
struct proc *procs_add_fork(struct procs *ps, pid_t child, const struct proc *parent);
struct proc *procs_add(struct procs *ps, pid_t pid, const struct py_interp *pi, uint64_t bias,
		       struct tracer *t);
struct proc *procs_find(struct procs *ps, pid_t pid);
/* --kernel sched: tell the BPF side where p's GIL is. Launched processes get it at their first
 * call; attached ones and forked children (whose first call was long ago, or in the parent)
 * when they are added. */
void procs_set_gil(struct proc *p);
/* Run-time address of _PyRuntime in p (its bias found on first use), 0 when unknown. */
uint64_t procs_runtime(struct proc *p);
/* Takes /run/vizbpf/PID.lock (attach modes). Returns 0, -EBUSY (another vizbpf) or -errno. */
int procs_lock(struct proc *p, bool report);
/* Starts procwatch: its records are queued, and handed to follow by procs_drain. Returns 0 or
 * -errno. */
int procs_watch(struct procs *ps, const struct procwatch_opts *o, procs_follow_fn follow);
/* procs_watch and procs_tracer at once, the watcher loading on a thread. NULL if either
 * failed (said why); the tracer, if it loaded, is in ps to close. */
struct tracer *procs_watch_and_trace(struct procs *ps, const struct procwatch_opts *o,
				     procs_follow_fn follow, const struct py_interp *pi,
				     unsigned flags);
/* events_thread_fn (ctx: struct procs): prepares the announced thread state's interpreter. */
void procs_on_thread(void *ctx, const struct vz_rec_thread *r);
/* Waits up to timeout_ms for records of any tracer or procwatch and handles them, a bounded
 * number at a time (no wait while more are left). Returns 0 or more, or -errno. */
int procs_poll(struct procs *ps, int timeout_ms);
/* Handles every record already waiting. */
void procs_drain(struct procs *ps);
/* Attach modes: takes every probe out and restores each process still running. */
void procs_detach(struct procs *ps);
/* Sums of the tracers' counters. */
void procs_stats(struct procs *ps, struct tracer_stats *s);
/* Names the process's track after its command line. */
void procs_name(struct procs *ps, pid_t pid, const char *fallback);
void procs_close(struct procs *ps);
/* procs_close() at the end of a launch, the links closed by a child so that vizbpf need not
 * wait for them; *ps is empty after it. */
void procs_close_in_background(struct procs *ps);

#endif
