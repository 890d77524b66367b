/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A signal frame on a hijacked thread's stack, under a call vizbpf makes it run (inject.c):
 * the call returns into a 'mov $15, %rax; syscall' (glibc's __restore_rt), and the kernel's
 * rt_sigreturn puts back every register, the extended (FP, vector) state and the signal mask
 * from the frame. So the thread goes on as it was even if vizbpf dies during the call; a
 * return to address 0 (stopping the call under ptrace) killed the program then (SIGSEGV).
 * x86-64 only (the kernel's struct rt_sigframe).
 */
#ifndef VZ_RUN_SIGFRAME_H
#define VZ_RUN_SIGFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

struct proc_maps;

/* The address of 'mov $15, %rax; syscall' in an executable mapping of path in pid, or 0. */
uint64_t sigframe_find_restorer(pid_t pid, const struct proc_maps *maps, const char *path);

/*
 * Writes, into pid's memory below 'below', a frame that resumes the thread as 'saved' (its
 * registers when it was stopped), with xstate (its PTRACE_GETREGSET NT_X86_XSTATE image) and
 * sigmask (its blocked signals). *sp: the stack pointer for the call, pointing at the return
 * address (restorer). Returns 0 or -errno.
 */
int sigframe_write(pid_t pid, uint64_t below, uint64_t restorer,
		   const struct user_regs_struct *saved, const void *xstate, size_t xstate_len,
		   uint64_t sigmask, uint64_t *sp);

/* A thread stopped at r (a syscall stop) enters the restorer's rt_sigreturn: its call returned. */
bool sigframe_returning(const struct user_regs_struct *r, uint64_t restorer);

/*
 * The system call a thread stopped at 'saved' must make again when it goes on: its own
 * (interrupted, to restart), restart_syscall (interrupted with a restart block), or -1 (none:
 * it was not in one, or the call had returned).
 */
long sigframe_restart_nr(const struct user_regs_struct *saved);

#endif
