/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which processes to trace as they appear (bpf/procwatch.bpf.c): forks of
 * traced processes and execs of the launched tree or, with --all, of any
 * process passing --comm/--cgroup. Both arrive with the process stopped
 * before its first instruction.
 */
#ifndef VZ_PROCWATCH_H
#define VZ_PROCWATCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>
#include "vizbpf.h"

struct procwatch;

struct procwatch_opts {
	bool all;           /* every process's execs, not only the tree's */
	const char *comm;   /* ...whose comm or script is this (NULL: any) */
	const char *cgroup; /* ...in this cgroup v2 or below (absolute, or under its mount) */
};

/* Gets each record: a struct vz_rec_fork or vz_rec_exec, by hdr.type (size checked). */
typedef void (*procwatch_record_fn)(void *ctx, const void *rec);

/* Loads and attaches. NULL after printing one line. */
struct procwatch *procwatch_open(const struct procwatch_opts *o, procwatch_record_fn fn, void *ctx);
/*
 * Puts pid in the tree with the given state (enum vz_proc_state). Returns 0 or -errno.
 * VZ_PROC_PROBED: its fork()ed children are to be stopped by forkstop.bpf.c, loaded (once)
 * before the state is set; if it cannot be, that is said once and the children run untraced.
 */
int procwatch_set(struct procwatch *pw, pid_t pid, int state);
/* VZ_PROC_PROBED for a process that runs no code that forks before vizbpf holds it at its
 * first call and sets its state again (launch): forkstop is not loaded for it. */
int procwatch_set_unstarted(struct procwatch *pw, pid_t pid);
/* Loads forkstop.bpf.c now (attach modes: processes run traced by probes at once). */
int procwatch_stop_forks(struct procwatch *pw);
/* Remembers what an executable is (VZ_EXE_PYTHON or VZ_EXE_OTHER: never stopped again). */
void procwatch_verdict(struct procwatch *pw, uint64_t ino, uint32_t dev, int verdict);
/* --comm NAME: pid's comm is NAME, or the script its command line runs is (symbols/pycmdline.h). */
bool procwatch_name_matches(const char *name, pid_t pid);
/* The comm and cgroup filters, for processes already running (--all). */
bool procwatch_wants(struct procwatch *pw, const struct procwatch_opts *o, pid_t pid);
int procwatch_fd(struct procwatch *pw);
/* Hands over what is waiting. Returns records handled or -errno. */
int procwatch_drain(struct procwatch *pw);
uint64_t procwatch_lost(struct procwatch *pw);
/* Stops watching (records already sent can still be drained). */
void procwatch_detach(struct procwatch *pw);
void procwatch_close(struct procwatch *pw);

#endif
