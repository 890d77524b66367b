/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a recursion costs with eval_frame set and nothing injected (attach
 * mode, and launch mode without the preloaded evaluator), 3.11+: every Python
 * call is a C call of _PyEval_EvalFrameDefault, which takes C stack (~0
 * untraced) and, 3.12+, 2 units of the thread's C recursion budget (none
 * untraced). vizbpf cannot give back per call from outside: it widens each
 * thread state's budget once, by what a recursion to the recursion limit
 * needs beyond what the budget already holds, and reports where this cannot
 * be exact (C-level recursion then goes deeper than untraced) or where the
 * stack itself cannot hold a recursion to the limit (a crash untraced runs
 * would not have).
 */
#ifndef VZ_CBUDGET_H
#define VZ_CBUDGET_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include "vizbpf.h"

#define CBUDGET_MAX_TSTATES 256

struct meta_changes;

struct cbudget {
	int minor;
	int32_t c_limit;          /* Py_C_RECURSION_LIMIT: the budget a thread starts with */
	int32_t widen_by;         /* units added to each thread state; -1: not decided yet */
	int32_t limit_at_attach;  /* the recursion limit when widen_by was decided; 0: unread */
	int32_t limit_at_detach;  /* ...and at detach; 0: unread */
	uint64_t stack_bytes;     /* the process's RLIMIT_STACK; 0: unlimited or unknown */
	uint64_t widened;         /* thread states widened */
	uint64_t late;            /* ...after they had gone deep already */
	uint64_t tstates[CBUDGET_MAX_TSTATES]; /* the ones widened, to narrow at detach */
	int n_tstates;
};

void cbudget_init(struct cbudget *b, int minor);
/* Reads the recursion limit from a thread state and, 3.12+, widens its budget (once).
 * Returns 0 or -errno. */
int cbudget_widen(struct cbudget *b, const struct vz_py_offsets *o, uint32_t pid,
		  uint64_t tstate);
/* At detach, with the process held: takes the widening back from a live thread state (once).
 * A thread deeper in C recursion than the widening (narrowed, its budget would be spent)
 * is left as it is with -EAGAIN, to be tried again as it unwinds, unless last: then it
 * gets 1. Returns 0, -EAGAIN or -errno. */
int cbudget_unwiden(struct cbudget *b, const struct vz_py_offsets *o, uint32_t pid,
		    uint64_t tstate, bool last);
/* The depth at which a Python recursion overflows the stack traced (and not untraced), 0 if
 * not below limit. */
uint64_t cbudget_overflow_depth(const struct cbudget *b, int32_t limit);
/* False where C-level recursion cannot stop where it does untraced (3.12+, budget taken per
 * call and not given back). */
bool cbudget_exact(const struct cbudget *b);
/* True when a Python stack max_depth deep used up the (widened) C budget: its RecursionError may
 * have come earlier than untraced. */
bool cbudget_exhausted(const struct cbudget *b, uint64_t max_depth);
/* Says on stderr what was not exact; max_depth: the deepest Python stack traced. */
void cbudget_warn(const struct cbudget *b, int pid, uint64_t max_depth);
/* The recursion-budget part of what vizbpf changed, for the trace metadata. */
void cbudget_changes(const struct cbudget *b, uint64_t max_depth, struct meta_changes *ch);

#endif
