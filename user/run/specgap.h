/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Specialized instructions that push a Python frame without looking at
 * interp->eval_frame, so that the call never reaches the evaluator vizbpf probes:
 * - 3.13.0: CALL_ALLOC_AND_ENTER_INIT (a class called: its __init__), guarded by the
 *   type's version tag only;
 * - 3.11 before 3.11.7 (Debian's 3.11.2): BINARY_SUBSCR_GETITEM (obj[key] with a Python
 *   __getitem__), guarded by the type's tag and the function's 16-bit version.
 * Every other frame-pushing specialization of 3.11-3.13 checks eval_frame (measured:
 * tests/cli/55-specialized.bats). What closes each gap, with the process held still:
 * - 3.13: next_version_tag = 0 (prepare.c: CPython's own "out of tags", so no type gets
 *   a tag and nothing specializes on one), and every heap type tagged before is
 *   untagged the way type_modified() does it, so what was specialized on its tag
 *   deoptimizes;
 * - 3.11: every Python __getitem__ of a class with a version BINARY_SUBSCR could have
 *   cached (16 bits) gets a new one past 16 bits, handed out from CPython's counter, which
 *   moves past 16 bits for good: what was specialized on the old version deoptimizes and
 *   no __getitem__ can be specialized again (SPEC_FAIL_OUT_OF_VERSIONS).
 * Detach puts the counters back. 3.13: untagged types get new tags from CPython when
 * next needed, as after a change to them. 3.11: when no other function was given a
 * version meanwhile, each __getitem__ gets its old version back and the counter its old
 * value; otherwise both stay (going back would hand out versions twice).
 */
#ifndef VZ_SPECGAP_H
#define VZ_SPECGAP_H

#include <linux/types.h>
#include <stdbool.h>
#include <stdint.h>
#include "symbols/pytypes.h"
#include "vizbpf.h"

struct py_interp;

/* __getitem__ functions whose old version is kept (more get 0: no way back for them). */
#define SPECGAP_MAX_MOVED 1024

struct specgap {
	bool active;		   /* this version has a gap to close */
	struct py_type_layout tl;
	uint64_t evalframe_vaddr;  /* link-time addresses in the interpreter file */
	uint64_t object_type, function_type, none;
	uint64_t func_counter;	   /* 3.11: next_func_version, 0: not found */
	/* What was done, for detach and the report */
	uint64_t bias;		   /* run-time minus link-time address in the process */
	int32_t unicode_state, unicode_length, unicode_ascii_data; /* from vz_py_offsets */
	bool counter_moved;
	uint32_t counter_was, base; /* 3.11: versions base.. went to the __getitem__s */
	uint32_t n_moved;
	uint32_t was[SPECGAP_MAX_MOVED]; /* ...whose old versions these are */
	uint64_t types_seen, types_untagged, functions_moved, errors;
};

/* Sets g up for the interpreter pi (reads its file). Returns 0, or -errno with a message
 * already printed when a gap cannot be closed (tracing goes on, with that gap). */
int specgap_init(struct specgap *g, const struct py_interp *pi);

/*
 * Closes the gap in interpreter interp of pid, held still; bias from the evaluator's
 * run-time address. off: the version's layout (unicode strings). Returns 0 or -errno.
 */
int specgap_close(struct specgap *g, uint32_t pid, uint64_t interp, uint64_t bias,
		  const struct vz_py_offsets *off);

/* At detach, held still: 3.11's versions back where they were, if nothing else took one. */
int specgap_restore(struct specgap *g, uint32_t pid);

#endif
