// SPDX-License-Identifier: BSD-2-Clause
/*
 * vizbpf: launch a Python program, trace every call with BPF, write a
 * Chrome trace. Exit status: the program's (even when the trace could not be
 * written); 64 for a bad command line; 1 (or what the failed launch implies)
 * when vizbpf itself fails before the program runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "env.h"
#include "user/slices/events.h"
#include "launch.h"
#include "watchdog.h"
#include "prepare.h"
#include "user/base/procmem.h"
#include "user/slices/outputs.h"
#include "fastpath.h"
#include "follow.h"
#include "user/slices/meta.h"
#include "procs.h"
#include "attach.h"
#include "optextra.h"
#include "flight.h"
#include "combine_cmd.h"
#include "user/base/log.h"
#include "user/probes/tracer.h"
#include "user/probes/earlyprobe.h"
#include "user/probes/earlyring.h"
#include "user/probes/linkclose.h"
#include "user/view/view.h"
#include "export/trace_writer.h"

static volatile sig_atomic_t child_pid;
volatile sig_atomic_t vz_stop_requested; /* attach mode: Ctrl-C, SIGTERM: detach and write */
static volatile sig_atomic_t child_changed;

/*
 * A signal sent to vizbpf with kill() goes on to the program. A terminal's
 * Ctrl-C reaches the program directly (same process group), so it is not
 * sent twice: vizbpf just keeps recording until the program ends.
 */
static void on_signal(int sig, siginfo_t *si, void *uc)
{
	vz_stop_requested = 1;
	if (child_pid > 0 && (si->si_code == SI_USER || si->si_code == SI_QUEUE))
		kill(child_pid, sig);
}

static void on_sigchld(int sig)
{
	child_changed = 1;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal, .sa_flags = SA_SIGINFO | SA_RESTART };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		/* Ignored on entry (a background job of a script): stay ignored, for us and
		 * for the program, which inherits that as it would without vizbpf. */
		if (!sigaction(sigs[i], NULL, &old) && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	sa = (struct sigaction){ .sa_handler = on_sigchld }; /* no SA_RESTART: wake the poll */
	sigaction(SIGCHLD, &sa, NULL);
}

/* Ends vizbpf as the program ended: same exit code, or the same signal. */
static void exit_like(int st)
{
	if (WIFEXITED(st))
		exit(WEXITSTATUS(st));
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGKILL ||
		    sig == SIGPIPE) {
			signal(sig, SIG_DFL);
			raise(sig);
		}
		exit(128 + sig);
	}
	exit(1);
}

struct first_stop {
	struct procs *ps;
	struct proc *p;
};

/*
 * The first Python call is held: read its thread announcement, which writes the interpreter,
 * then keep the probes that fit what was written.
 */
static void at_first_call(void *ctx)
{
	struct first_stop *fs = ctx;

	procs_drain(fs->ps);
	if (fs->p->prep.fast_used) {
		tracer_use_sites(fs->p->t);
		procwatch_set(fs->ps->pw, fs->p->pid, VZ_PROC_FAST);
		return;
	}
	if (fs->p->prep.fast)
		tracer_attach_returns(fs->p->t);
	/* Traced by probes from here: its forks are held by BPF (procwatch.h). */
	procwatch_set(fs->ps->pw, fs->p->pid, VZ_PROC_PROBED);
}

struct launch_meta {
	struct proc *p;
	struct procs *ps;
	const struct events_stats *es;
	const struct tracer_stats *ts;
};

static void launch_metadata(struct trace_writer *w, void *ctx)
{
	const struct launch_meta *m = ctx;
	struct meta_changes ch;

	prepare_changes(&m->p->prep, m->es->max_depth, &ch);
	write_metadata(w, m->p->t, &m->p->pi, m->es, m->ts, &ch);
	trace_writer_meta_u64(w, "processes_followed", m->ps->followed);
	trace_writer_meta_u64(w, "processes_not_followed", m->ps->missed);
}

/* --open: the trace, or with --pid_suffix the folder of its files. */
static void open_written(void)
{
	char dir[PATH_MAX];

	if (access(env.output, F_OK) && !env.pid_suffix)
		return; /* not written: said already */
	snprintf(dir, sizeof(dir), "%s", env.output);
	optextra_open(env.pid_suffix ? dirname(dir) : env.output);
}

int main(int argc, char **argv)
{
	struct events_filter filter;
	struct tracer_stats tstats;
	struct events_stats estats;
	struct outputs *out;
	struct events *ev = NULL;
	struct procs ps = { 0 };
	struct tracer *t = NULL;
	struct proc *mp = NULL;
	struct first_stop stop;
	struct launch_meta meta;
	struct fastpath fast;
	struct prepare prep;
	struct py_interp pi;
	uint64_t held_since;
	bool have_fast;
	int exit_code = 1, st = 0, err;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "view")) {
		return view_main(argc - 1, argv + 1);
	}
	if (argc > 1 && !strcmp(argv[1], "combine"))
		return combine_main(argc - 1, argv + 1);
	env_parse(argc, argv);
	if (geteuid() != 0) {
		elog("tracing needs root (BPF programs and uprobes): run it with sudo");
		return 1;
	}
	/* First, with nothing open yet that it should not hold (BPF links, outputs, locks). */
	watchdog_start();
	linkclose_prespawn();

	/* Fail on an unwritable output before anything runs. */
	out = outputs_open(env.output, env.pid_suffix);
	if (!out) {
		elog("cannot write %s: %s", env.output, strerror(errno));
		return 1;
	}
	filter = (struct events_filter){
		.max_stack_depth = env.max_stack_depth,
		.min_duration_ns = env.min_duration_ns,
		.include_files = env.include_files,
		.n_include = env.n_include,
		.exclude_files = env.exclude_files,
		.n_exclude = env.n_exclude,
		.ignore_frozen = env.ignore_frozen,
		.audit_regex = env.audit_regex,
		.n_audit_regex = env.n_audit_regex,
		.args_filter = env.args_filter,
		.log_sparse = env.log_sparse,
		.log_async = env.log_async,
	};
	ev = events_new(NULL, &filter);
	if (!ev) {
		elog("out of memory");
		goto fail_output;
	}
	events_set_writers(ev, (struct trace_writer * (*)(void *, uint32_t))outputs_for, out);
	if (flight_start(out, env.tracer_entries)) {
		elog("out of memory");
		goto fail_output;
	}

	install_signals();
	if (env.n_pids || env.all) {
		exit_code = attach_run(out, ev);
		events_free(ev);
		if (env.open)
			open_written();
		return exit_code;
	}
	have_fast = !fastpath_find(&fast);
	if (have_fast)
		fastpath_export_env(&fast);
	/* Allocating and clearing the ring buffer takes ~5 ms: it is made while the program
	 * starts, before the tracer's load needs it. */
	earlyring_start(env.ringbuf_bytes);
	pid = launch_start(env.command, &pi, &exit_code);
	held_since = monotonic_ns(); /* at the exec of CPython, until probed */
	if (have_fast)
		fastpath_unexport_env();
	if (pid < 0)
		goto fail_output;
	child_pid = pid;
	vlog("%s is CPython %d.%d (%s), evaluator in %s at offset 0x%llx", pi.exe, pi.major,
	     pi.minor, pi.version_source, pi.lib, (unsigned long long)pi.evalframe_offset);

	if (prepare_init(&prep, pi.major, pi.minor)) {
		elog("CPython %d.%d is not supported", pi.major, pi.minor);
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		goto fail_output;
	}
	prepare_find_gaps(&prep, &pi);
	procs_init(&ps, ev, out, false);
	/* The evaluator's probe (3.8-3.11: the code objects' free too) and the library's probe
	 * sites register while the skeletons load (earlyprobe.h). */
	earlyprobe_start((struct earlyprobe_req[]){
				 { pid, pi.lib, pi.evalframe_offset, "e_py_entry" },
				 { pid, pi.lib, tracer_code_dealloc_offset(&pi), "e_code_freed" },
				 { -1, fast.lib, have_fast ? fast.entry_off : 0, "e_site_entry" },
				 { -1, fast.lib, have_fast ? fast.flush_off : 0, "e_site_flush" },
			 },
			 4);
	ps.fp = have_fast ? &fast : NULL;
	if (have_fast)
		procs_use_fastpath(&prep, &fast);
	t = procs_watch_and_trace(&ps, &(struct procwatch_opts){ 0 }, follow_record, &pi,
				  procs_tracer_flags(&prep));
	mp = t ? procs_add(&ps, pid, &pi, 0, t) : NULL;
	if (!mp || tracer_attach_pid(t, pid, !have_fast) ||
	    (have_fast && tracer_attach_sites(t, fast.lib, fast.entry_off, fast.flush_off)) ||
	    (prepare_needs_first_stop(&prep) ? procwatch_set_unstarted(ps.pw, pid)
					     : procwatch_set(ps.pw, pid, VZ_PROC_PROBED))) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		exit_code = 1;
		goto fail_output;
	}
	earlyprobe_discard(); /* what was not taken: closed */
	earlyring_discard();
	mp->prep = prep;
	mp->ptraced = true;
	procs_lock(mp, false); /* keeps a vizbpf -p / --all out of it */
	procs_name(&ps, pid, pi.exe);
	stop = (struct first_stop){ .ps = &ps, .p = mp };
	events_hold(ev, pid, pid, held_since, monotonic_ns(), VZ_HOLD_EXEC);
	err = launch_release(pid, prepare_needs_first_stop(&prep), at_first_call, &stop, &st);
	mp->ptraced = false;
	events_hold_end(ev, pid, monotonic_ns()); /* the first call's, begun at its record */
	if (err < 0) {
		elog("cannot resume pid %d: %s", pid, strerror(-err));
		kill(pid, SIGKILL);
	}

	while (err == 0) {
		int n = procs_poll(&ps, 20);

		if (n < 0 && n != -EINTR) {
			elog("reading events: %s", strerror(-n));
			break;
		}
		if (waitpid(pid, &st, WNOHANG) == pid && (WIFEXITED(st) || WIFSIGNALED(st)))
			break;
		flight_check(&ps, out, ev);
	}
	child_pid = 0;
	procs_drain(&ps);
	/* Followed processes still running (a pool's resource tracker): their calls are still
	 * open when tracing stops. */
	events_finish(ev, monotonic_ns());
	events_get_stats(ev, &estats);
	procs_stats(&ps, &tstats);
	meta = (struct launch_meta){ mp, &ps, &estats, &tstats };
	/* A failed write is reported there, but the exit status stays the program's: scripts
	 * that run their program under vizbpf must not see it fail because a disk filled up. */
	err = outputs_close(out, launch_metadata, &meta);
	if (err) {
		free(out);
		procs_close(&ps);
		events_free(ev);
		exit_like(st);
		return 1;
	}
	meta_warn_lost(&estats, &tstats);
	cbudget_warn(&mp->prep.cb, mp->pid, estats.max_depth);
	if (mp->prep.errors)
		elog("warning: %llu writes into the interpreter failed: calls may be missing",
		     (unsigned long long)mp->prep.errors);
	ilog("%llu calls recorded, %llu calls lost, trace saved to %s",
	     (unsigned long long)estats.calls, (unsigned long long)tstats.lost_calls,
	     outputs_describe(out));
	free(out);
	procs_close_in_background(&ps);
	events_free(ev);
	if (env.open)
		open_written();
	exit_like(st);
	return 1;

fail_output:
	earlyprobe_discard();
	earlyring_discard();
	outputs_discard(out);
	procs_close(&ps);
	events_free(ev);
	return exit_code;
}
