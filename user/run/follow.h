/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Following the process tree (procwatch's records, both with the process
 * stopped before its first instruction):
 * - fork: the child of a traced process gets its stack (a copy of its
 *   parent's) replayed and probes of its own, one track per process;
 * - exec: a program that turns out to be CPython gets probed before it runs
 *   (its first call then stops once more, for the interpreter changes).
 * procs.c knows none of this: follow_record is the procs_follow_fn given to procs_watch.
 */
#ifndef VZ_FOLLOW_H
#define VZ_FOLLOW_H

#include <linux/types.h>
#include "vizbpf.h"
#include "procs.h"

/* procs_follow_fn: follow_fork or follow_exec, by rec->type. */
void follow_record(struct procs *ps, const struct vz_rec_hdr *rec);
void follow_fork(struct procs *ps, const struct vz_rec_fork *r);
void follow_exec(struct procs *ps, const struct vz_rec_exec *r);
/* Tracer flags for a process found running interpreter minor (stops at first call, etc.). */
unsigned follow_tracer_flags(int major, int minor);

#endif
