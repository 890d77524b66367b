// SPDX-License-Identifier: BSD-2-Clause
/*
 * Launch mode. The child asks to be traced, stops itself, then execs the
 * program; we follow its execs (PTRACE_O_TRACEEXEC) until one is a CPython
 * interpreter and hand it back stopped there: its libpython is not even
 * mapped yet, so no Python code has run. Forks of intermediate programs
 * (a shell, a pyenv shim) are not traced and run untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>
#include "launch.h"
#include "user/base/log.h"

static void reap_killed(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

/* Reports why the child ended before running CPython. */
static int report_early_exit(char **argv, int st, int errpipe)
{
	int child_errno = 0;

	if (read(errpipe, &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		elog("cannot run '%s': %s", argv[0], strerror(child_errno));
		return child_errno == ENOENT ? 127 : 126;
	}
	if (WIFEXITED(st)) {
		elog("'%s' exited (status %d) without running a CPython interpreter", argv[0],
		     WEXITSTATUS(st));
		return WEXITSTATUS(st) ? WEXITSTATUS(st) : 1;
	}
	elog("'%s' was killed by signal %d before running a CPython interpreter", argv[0],
	     WTERMSIG(st));
	return 128 + WTERMSIG(st);
}

pid_t launch_start(char **argv, struct py_interp *pi, int *exit_code)
{
	char exe[PATH_MAX], link[64], msg[512];
	int errpipe[2], st, err;
	ssize_t n;
	pid_t pid;

	*exit_code = 1;
	if (pipe2(errpipe, O_CLOEXEC)) {
		elog("pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		elog("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		close(errpipe[0]);
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0)
			raise(SIGSTOP);
		execvp(argv[0], argv);
		err = errno;
		if (write(errpipe[1], &err, sizeof(err)) < 0)
			_exit(127);
		_exit(127);
	}
	close(errpipe[1]);

	/* The child's own SIGSTOP: now set the options that make each exec stop. */
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		elog("the child did not stop for tracing");
		close(errpipe[0]);
		return -1;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, NULL,
		   (void *)(long)(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) ||
	    ptrace(PTRACE_CONT, pid, NULL, NULL)) {
		elog("ptrace: %s", strerror(errno));
		reap_killed(pid);
		close(errpipe[0]);
		return -1;
	}

	for (;;) {
		if (waitpid(pid, &st, 0) < 0) {
			if (errno == EINTR)
				continue;
			elog("waitpid: %s", strerror(errno));
			break;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			*exit_code = report_early_exit(argv, st, errpipe[0]);
			close(errpipe[0]);
			return -1;
		}
		if (!WIFSTOPPED(st))
			continue;
		if (st >> 8 != (SIGTRAP | (PTRACE_EVENT_EXEC << 8))) {
			/* A signal for the child: deliver it as if we were not here. */
			ptrace(PTRACE_CONT, pid, NULL, (void *)(long)WSTOPSIG(st));
			continue;
		}
		snprintf(link, sizeof(link), "/proc/%d/exe", pid);
		n = readlink(link, exe, sizeof(exe) - 1);
		if (n < 0) {
			elog("%s: %s", link, strerror(errno));
			break;
		}
		exe[n] = '\0';
		err = py_interp__inspect(exe, pi, msg, sizeof(msg));
		vlog("exec of %s: %s", exe, err ? msg : "CPython");
		if (!err) {
			close(errpipe[0]);
			return pid;
		}
		if (err == -ENOEXEC) { /* a shell, env, a shim: let it exec onwards */
			ptrace(PTRACE_CONT, pid, NULL, NULL);
			continue;
		}
		elog("%s", msg);
		break;
	}
	close(errpipe[0]);
	reap_killed(pid);
	return -1;
}

int launch_release(pid_t pid, bool to_first_call, void (*on_stop)(void *ctx), void *ctx, int *st)
{
	siginfo_t si;
	int sig;

	if (!to_first_call)
		return ptrace(PTRACE_DETACH, pid, NULL, NULL) ? -errno : 0;
	if (ptrace(PTRACE_CONT, pid, NULL, NULL))
		return -errno;
	for (;;) {
		if (waitpid(pid, st, __WALL) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (WIFEXITED(*st) || WIFSIGNALED(*st))
			return 1;
		if (!WIFSTOPPED(*st))
			continue;
		sig = WSTOPSIG(*st);
		if (*st >> 16) { /* a ptrace event (another exec): go on */
			sig = 0;
		} else if (sig == SIGSTOP && !ptrace(PTRACE_GETSIGINFO, pid, NULL, &si) &&
			   si.si_code == SI_KERNEL) {
			/* Ours, from bpf_send_signal_thread: the first Python call waits here. */
			on_stop(ctx);
			return ptrace(PTRACE_DETACH, pid, NULL, NULL) ? -errno : 0;
		}
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig))
			return -errno;
	}
}
