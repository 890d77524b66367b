/* SPDX-License-Identifier: BSD-2-Clause */
/* The BPF side's lifecycle for one interpreter: open, configure, load, attach, poll, close. */
#ifndef VZ_TRACER_H
#define VZ_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "symbols/pyinterp.h"

struct tracer;

/* Counters kept by the BPF programs. */
struct tracer_stats {
	uint64_t lost_records;      /* all records dropped (ring buffer full) */
	uint64_t lost_calls;        /* ...of which calls: slices missing */
	uint64_t lost_returns;      /* ...and returns: slices whose end was inferred */
	uint64_t lost_code_records;
	uint64_t kernel_records;    /* --kernel: syscall and off-CPU records written */
	uint64_t kernel_lost;       /* ...and dropped */
	unsigned kernel_flags;      /* TRACER_KERNEL_* asked for (0: no --kernel) */
	uint64_t gc_unfinished;     /* --log_gc: collections whose end was not seen (too deep) */
	uint64_t prints_lost;       /* --log_print: writes dropped (ring buffer full) */
};

/* Called for each ring-buffer record; returns 0 or a negative errno to stop. */
typedef int (*tracer_record_fn)(void *ctx, const void *data, size_t size);

/*
 * Loads the BPF programs for the interpreter *pi (offsets from symbols/pyoffsets).
 * TRACER_STOP_FIRST_CALL: SIGSTOP the first thread of each process at its first call (launch
 * mode, where the ptracer swallows it). Returns NULL after printing one line (e.g. no privileges).
 */
#define TRACER_STOP_FIRST_CALL 0x1 /* launch mode: SIGSTOP at the process's first call */
#define TRACER_STOP_NEW_THREADS 0x4 /* SIGSTOP each thread state's first call (3.12's budget) */
#define TRACER_KERNEL_SYSCALLS 0x10 /* --kernel syscalls: the traced threads' system calls */
#define TRACER_KERNEL_SCHED 0x20    /* --kernel sched: their off-CPU time */
#define TRACER_KERNEL_CPU 0x40      /* --kernel cpu: CPU tracks (their context switches) */
#define TRACER_KERNEL_MEMORY 0x80   /* --kernel memory: RSS and page fault counters */
#define TRACER_LOG_ARGS 0x100 /* --log_func_args: a VZ_REC_ARGS record after each call */
#define TRACER_LOG_PRINT 0x200 /* --log_print: writes to stdout/stderr as VZ_REC_PRINT */
#define TRACER_LOG_RETVAL 0x400 /* --log_func_retval: a VZ_REC_RETVAL record before each return */
#define TRACER_LOG_ASYNC 0x800 /* --log_async: a VZ_REC_TASK record after a Task's step's call */
/* The event options whose programs are loaded: without the flag, the program is not loaded at all
 * (the verifier takes ~0.8 s over the audit programs alone), and tracer_log_* must not be called. */
#define TRACER_LOG_GC 0x1000	  /* --log_gc: gc_begin, gc_end */
#define TRACER_LOG_EXCEPTION 0x2000 /* --log_exception: exc_enter, exc_return */
#define TRACER_LOG_AUDIT 0x4000	  /* --log_audit: the audit_* programs */
/* The preloaded evaluator's probe sites: site_entry and site_flush are loaded (~20 ms of
 * verification) only for launch mode with the fast path and --inject, where tracer_attach_sites*
 * may be called. */
#define TRACER_SITES 0x8000
/* Where code objects are freed in pi's file, to probe (3.8-3.11: before co_version, a reused
 * address is told by the free), else 0. */
static inline uint64_t tracer_code_dealloc_offset(const struct py_interp *pi)
{
	return pi->minor <= 11 ? pi->code_dealloc_offset : 0;
}
struct tracer *tracer_open(const struct py_interp *pi, uint64_t ringbuf_bytes, unsigned flags,
			   tracer_record_fn fn, void *ctx);
/*
 * Counts a followed child's hits of the fast path's sites (probed in every process since
 * tracer_attach_sites: its sites must be made to trap, the caller's part) and, with
 * code_frees, probes the frees of its code objects. Returns 0, -EOPNOTSUPP when the sites are
 * probed per process (no uprobe_multi links), or -errno.
 */
int tracer_attach_sites_pid(struct tracer *t, pid_t pid, bool code_frees);
/*
 * Probes the evaluator of *pi in process pid (its entry; with returns, its returns too) and
 * reports the process's thread exits. Returns 0 or -errno.
 */
int tracer_attach_pid(struct tracer *t, pid_t pid, bool returns);
/*
 * One more process (same binary) whose eval_frame points at the preloaded evaluator (loaded by
 * --inject): its calls come from the sites (tracer_attach_sites first), none from evaluator
 * probes. Returns 0, -EOPNOTSUPP without uprobe_multi links, or -errno.
 */
int tracer_add_sited_pid(struct tracer *t, pid_t pid);
/* Probes one more process's evaluator, entry and returns (same binary). Returns 0 or -errno. */
int tracer_add_pid(struct tracer *t, pid_t pid);
/* The same, its returns only if asked (a process that is to switch to the sites at its first
 * call: a uretprobe would cost its calls until it is closed); then tracer_attach_pid_returns
 * if it does not. */
int tracer_add_pid_returns(struct tracer *t, pid_t pid, bool returns);
int tracer_attach_pid_returns(struct tracer *t, pid_t pid);
/* --kernel sched: pid's _PyRuntime is at runtime (its GIL waits get their name). */
void tracer_set_gil(struct tracer *t, pid_t pid, uint64_t runtime);
/* pid is past its first call already (attached while running): no first-call stop for it. */
void tracer_mark_started(struct tracer *t, pid_t pid);
/* Adds the uretprobe on the evaluator. Returns 0 or -errno. */
int tracer_attach_returns(struct tracer *t);
/* Probes the fast path's sites (file offsets in lib). Returns 0 or -errno. */
int tracer_attach_sites(struct tracer *t, const char *lib, uint64_t entry_off, uint64_t flush_off);
/* Removes every uprobe (the process runs unprobed from here). */
void tracer_detach(struct tracer *t);
/* The same for one more process (an exec'd one that got the library at its first call). */
int tracer_use_sites_pid(struct tracer *t, pid_t pid);
/* Once eval_frame points at the fast path: drop the evaluator's probes. */
void tracer_use_sites(struct tracer *t);
/* A descriptor that polls readable when records wait (for poll() over several tracers). */
int tracer_fd(struct tracer *t);
/* Hands over every record already in the buffer. Returns records handled or -errno. */
int tracer_drain(struct tracer *t);
/* The same, up to budget records (0: no limit); budget handed over: more may wait. */
int tracer_read(struct tracer *t, unsigned budget);
void tracer_read_stats(struct tracer *t, struct tracer_stats *s);
/* --log_gc: probes where collections begin and end in every traced process of *pi's file
 * (gcprobe.c). Returns 0, or -ENOENT after saying why it cannot. */
int tracer_log_gc(struct tracer *t, const struct py_interp *pi);
/* --log_exception: probes PyTraceBack_Here (excprobe.c). Returns 0, or -ENOENT (said why). */
int tracer_log_exception(struct tracer *t, const struct py_interp *pi);
/* --log_audit: probes the audit funnel (auditprobe.c). Returns 0, or -ENOENT (said why). */
int tracer_log_audit(struct tracer *t, const struct py_interp *pi);
/* The file probed (the interpreter binary or libpython). */
const char *tracer_lib(struct tracer *t);
/* A line describing how calls are caught, for the trace metadata. */
const char *tracer_mechanism(struct tracer *t);
void tracer_close(struct tracer *t);

#endif
