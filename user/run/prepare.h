/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What vizbpf changes in a traced interpreter, from user space (this
 * kernel's lockdown forbids BPF writes to user memory):
 * - 3.11+: interp->eval_frame = _PyEval_EvalFrameDefault, so every Python
 *   call is a C call of the evaluator the probes sit on (no inlining);
 * - 3.12+: each thread's c_recursion_remaining widened, since each call now
 *   also spends C recursion budget (user/run/cbudget.h), unless the preloaded
 *   evaluator gives it back per call;
 * - 3.13: no version tags for new heap types (see prepare.c);
 * - 3.11, 3.13.0: what was specialized past eval_frame undone (specgap.h).
 */
#ifndef VZ_PREPARE_H
#define VZ_PREPARE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include "cbudget.h"
#include "specgap.h"
#include "vizbpf.h"

struct py_interp;

struct fastpath;
struct meta_changes;

#define PREPARE_MAX_INTERPS 16

struct prepare {
	struct vz_py_offsets off;
	int minor;
	const struct fastpath *fast; /* the preloaded evaluator to switch to, or NULL */
	bool fast_used;       /* eval_frame points at the preloaded evaluator */
	bool fast_restored;   /* ...which is put back at detach (--inject), as is its buffers' */
	uint64_t fast_eval;   /* its run-time address of the evaluator hook */
	bool follow_forks;    /* ...which stops fork()ed children for vizbpf to follow */
	bool log_retval;      /* ...which passes each return's value (--log_func_retval) */
	bool batch_calls;     /* ...which buffers calls too (BPF reads no call's frame) */
	uint64_t flow_limit;  /* ...and waits when this many slots are not yet read (vz_flow) */
	uint64_t fast_bias;   /* the library's load bias in the process */
	uint64_t flow_addr;   /* its vizbpf_flow in the process, 0: none */
	uint64_t flow_read;   /* what vizbpf last wrote there */
	bool unlock;          /* write eval_frame */
	bool widen;           /* 3.11+ without the preloaded evaluator: see cbudget.h */
	struct cbudget cb;
	uint64_t unlocks;     /* eval_frame writes done */
	uint64_t errors;      /* failed reads/writes of the target's memory */
	struct {
		uint64_t interp, was, now; /* eval_frame before and after vizbpf wrote it */
		uint32_t version_tag;      /* 3.13: next_version_tag before */
	} unlocked[PREPARE_MAX_INTERPS];
	int n_unlocked;
	struct specgap gap;    /* 3.11, 3.13.0: specializations that skip eval_frame */
};

/*
 * Detaching from a process that goes on with the preloaded evaluator (--inject), held still:
 * hands what each of its threads has buffered to fn as a VZ_REC_BATCH record, and empties
 * the buffers. No thread may stand in the evaluator's code (fastpath_step_out first; what a
 * thread notes meanwhile gets until_ns, when all its threads were held, as its time). Returns
 * the calls and returns taken.
 */
int prepare_take_buffers(struct prepare *p, uint32_t pid, uint64_t until_ns,
			 int (*fn)(void *ctx, const void *data, size_t size), void *ctx);
/* Sets up *p for CPython major.minor. Returns 0 or -EOPNOTSUPP. */
int prepare_init(struct prepare *p, int major, int minor);
/* Applies the changes for a thread state of process pid. Returns 0 or -errno. */
int prepare_thread(struct prepare *p, uint32_t pid, uint64_t tstate, uint64_t evalframe_addr);
/*
 * The same for a thread state announced while its process runs (not stopped at that call):
 * with every thread held still, and only if the state is still alive. runtime: run-time
 * address of _PyRuntime in pid. Returns 0 or -errno.
 */
/* *held_since: when it began holding the process still (to cut it out of the trace), or 0. */
int prepare_thread_checked(struct prepare *p, uint32_t pid, uint64_t tstate,
			   uint64_t evalframe_addr, uint64_t runtime, uint64_t *held_since);
/* Finds what closing the version's specialization gaps needs in pi's files (specgap.h):
 * once, after prepare_init. Returns 0 or -errno (said why; tracing goes on). */
int prepare_find_gaps(struct prepare *p, const struct py_interp *pi);
/* Switch eval_frame to the preloaded evaluator of fp (launch mode) instead. */
void prepare_use_fastpath(struct prepare *p, const struct fastpath *fp);
/* Attach mode, at detach: put back eval_frame (and 3.13's version tags) where vizbpf set them. */
int prepare_restore_interps(struct prepare *p, uint32_t pid);
/* ...and each thread state's C recursion budget (and notes the recursion limit then).
 * Returns 0 or -errno. */
int prepare_unwiden(struct prepare *p, uint32_t pid, uint64_t tstate, bool last);
/* The counters above, for the trace metadata (user/slices/meta.h). */
void prepare_changes(const struct prepare *p, uint64_t max_depth, struct meta_changes *ch);
/* True when the version needs the thread stopped at its first call (launch mode). */
bool prepare_needs_first_stop(const struct prepare *p);

#endif
