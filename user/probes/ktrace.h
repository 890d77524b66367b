/* SPDX-License-Identifier: BSD-2-Clause */
/* --kernel's BPF programs (bpf/ktrace.bpf.h) in a tracer's skeleton: load, attach, filter. */
#ifndef VZ_KTRACE_H
#define VZ_KTRACE_H

#include <stdint.h>
#include <sys/types.h>

struct vizbpf_bpf;
struct bpf_link;

#define KTRACE_LINKS 6
/* tracer_open's flags TRACER_KERNEL_SYSCALLS and TRACER_KERNEL_SCHED (checked in tracer.c) */
#define KTRACE_SYSCALLS 0x10
#define KTRACE_SCHED 0x20
#define KTRACE_CPU 0x40
#define KTRACE_MEMORY 0x80
#define KTRACE_PRINT 0x200 /* --log_print: writes to fds 1 and 2 (bpf/print.bpf.h) */

/* Before load: only the programs asked for (KTRACE_*) are loaded. */
void ktrace_configure(struct vizbpf_bpf *skel, unsigned flags);
/* After load: the path arguments' table, then the tracepoints. Returns 0 or -errno. */
int ktrace_attach(struct vizbpf_bpf *skel, unsigned flags, struct bpf_link *links[KTRACE_LINKS]);
/* pid's threads are traced from now on (the programs' filter). */
void ktrace_mark(struct vizbpf_bpf *skel, pid_t pid);
/* pid's GIL is at [lo, hi): a thread sleeping in a futex there is labelled GIL wait. */
void ktrace_set_gil(struct vizbpf_bpf *skel, pid_t pid, uint64_t lo, uint64_t hi);
void ktrace_detach(struct bpf_link *links[KTRACE_LINKS]);
void ktrace_stats(struct vizbpf_bpf *skel, uint64_t *records, uint64_t *lost);

#endif
