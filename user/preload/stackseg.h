/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Room for the C stack frames vizbpf's evaluator hook adds to every Python
 * call. Untraced, 3.11+ runs a Python-to-Python call without any C frame;
 * through the hook each call takes the hook's frame, the vectorcall chain and
 * a whole _PyEval_EvalFrameDefault frame, so a recursion the program survives
 * untraced overflows the thread's stack traced. When the stack runs low, the
 * hook runs the real evaluator on a separately mapped segment (with a guard
 * page), but never gives more than the hook's frames have taken: the
 * program's own frames keep the limits they have untraced.
 */
#ifndef VZ_STACKSEG_H
#define VZ_STACKSEG_H

#include <stddef.h>
#include <stdint.h>

/* The current stack's lowest address the hook calls down from without looking; UINTPTR_MAX
 * until this thread's stack bounds are known. */
extern __thread uintptr_t vz_stack_low __attribute__((tls_model("initial-exec")));

/*
 * Calls fn(a, b, c), on a new segment if this thread's stack is low and owed (bytes the hook's
 * frames take on this thread now) exceeds what segments already give.
 */
void *stackseg_call(void *fn, void *a, void *b, long c, size_t owed);

static inline int stackseg_low(void)
{
	return (uintptr_t)__builtin_frame_address(0) < vz_stack_low;
}

#endif
