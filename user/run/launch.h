/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Launch mode: start PROGRAM under ptrace and hold it at the exec of a
 * CPython interpreter, before any Python code runs, so probes can be
 * attached first. Shells, env and pyenv shims exec'ing onwards are followed.
 */
#ifndef VZ_LAUNCH_H
#define VZ_LAUNCH_H

#include <stdbool.h>
#include <sys/types.h>
#include "symbols/pyinterp.h"

/*
 * Forks and execs argv. On success returns the child's pid, stopped at the
 * exec of a supported interpreter described in *pi; resume it with
 * launch_resume(). On failure returns -1 after printing one line, with the
 * child gone and *exit_code the status vizbpf should exit with.
 */
pid_t launch_start(char **argv, struct py_interp *pi, int *exit_code);

/*
 * Lets the stopped child run on its own. With to_first_call, it first runs
 * until the BPF side stops it (SIGSTOP) at its first Python call, calls
 * on_stop(ctx) there, and drops that SIGSTOP. Returns 0 when the child runs
 * detached, 1 when it ended first (*st: its wait status), -errno on error.
 */
int launch_release(pid_t pid, bool to_first_call, void (*on_stop)(void *ctx), void *ctx, int *st);

#endif
