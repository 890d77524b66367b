/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --inject: loads the preloaded evaluator's library (libvizbpf-eval.so) into a
 * process that is already running, so that attach mode gets launch mode's
 * per-call cost. One thread of the process calls dlopen(), hijacked with
 * ptrace at a safe point while the others are held still; see inject.c for
 * what a safe point is and why.
 */
#ifndef VZ_INJECT_H
#define VZ_INJECT_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Loads lib into pid (RTLD_NOW | RTLD_NODELETE: frames entered through it may still be on the
 * stacks when vizbpf detaches, so it never goes away; loading it again finds it there).
 * interp_lib: the file holding the interpreter's evaluator (a thread running there is at a
 * safe point). Returns 0, or -errno with why in msg (-EAGAIN: no thread came to a safe point
 * within about a second).
 */
int inject_library(pid_t pid, const char *lib, const char *interp_lib, char *msg, size_t len);

#endif
