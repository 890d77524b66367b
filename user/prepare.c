// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "symbols/pyoffsets.h"
#include "fastpath.h"
#include "freeze.h"
#include "procmem.h"
#include "pystack.h"
#include "prepare.h"
#include "log.h"

/* 3.12's C recursion budget per thread (Py_C_RECURSION_LIMIT) and what vizbpf adds: each call
 * under an eval_frame hook takes 2 units; +3000 lets a recursion reach the default recursion
 * limit of 1000 as it does untraced (measured, DESIGN.md). */
#define C_RECURSION_LIMIT_3_12 1500
#define C_RECURSION_BOOST_3_12 3000

/*
 * 3.13.0's CALL_ALLOC_AND_ENTER_INIT specialization inlines __init__ without checking
 * interp->eval_frame (every other inlining path checks it). It only specializes for a type with
 * a version tag; heap types take theirs from interp->types.next_version_tag, and 0 there is
 * CPython's own "ran out of version numbers" state: no new heap type gets a tag, so no such
 * call is specialized (attribute caches of those types are skipped: slower, same results).
 * offsetof(PyInterpreterState, types.next_version_tag), gdb on pyenv 3.13.0.
 */
#define INTERP_NEXT_VERSION_TAG_3_13 84648

int prepare_init(struct prepare *p, int major, int minor)
{
	*p = (struct prepare){ 0 };
	if (py_offsets__get(major, minor, &p->off))
		return -EOPNOTSUPP;
	p->minor = minor;
	p->unlock = minor >= 11;
	p->boost = minor == 12 ? C_RECURSION_BOOST_3_12 : 0;
	return 0;
}

int prepare_find_gaps(struct prepare *p, const struct py_interp *pi)
{
	return specgap_init(&p->gap, pi);
}

void prepare_use_fastpath(struct prepare *p, const struct fastpath *fp)
{
	p->fast = fp;
}

bool prepare_needs_first_stop(const struct prepare *p)
{
	return p->unlock || p->boost || p->fast;
}

/*
 * Points eval_frame at the preloaded evaluator, which calls the real one between its probe
 * sites and widens each thread's C recursion budget itself (on that thread: no race).
 */
static int switch_to_fastpath(struct prepare *p, uint32_t pid, uint64_t interp,
			      uint64_t evalframe_addr)
{
	const struct fastpath *fp = p->fast;
	const struct vz_py_offsets *o = &p->off;
	struct vz_eval_layout layout = {
		.frame_code = o->frame_code,
		.frame_owner = o->frame_owner,
		.frame_previous = o->frame_previous,
		.code_flags = o->code_flags,
		.code_name = o->code_qualname >= 0 ? o->code_qualname : o->code_name,
		.code_filename = o->code_filename,
		.code_firstlineno = o->code_firstlineno,
		.tstate_frame = o->tstate_frame,
		.cframe_current_frame = o->cframe_current_frame,
		.crec_offset = p->boost ? o->tstate_c_recursion_remaining : -1,
		.crec_boost = p->boost,
		.caller_from_frame = p->minor <= 10,
		.follow_forks = p->follow_forks,
	};
	uint64_t bias, eval;
	int err;

	err = fastpath_bias(fp, pid, &bias);
	if (err) {
		vlog("%s is not loaded in pid %u: using the evaluator's probes", fp->lib, pid);
		return err;
	}
	eval = bias + (o->tstate_arg ? fp->eval3 : fp->eval2);
	err = procmem_write(pid, bias + fp->real_eval, &evalframe_addr, sizeof(evalframe_addr)) ?:
	      procmem_write(pid, bias + fp->layout, &layout, sizeof(layout)) ?:
	      procmem_write(pid, interp + o->interp_eval_frame, &eval, sizeof(eval));
	if (!err)
		p->fast_used = true;
	return err;
}

static int unlock(struct prepare *p, uint32_t pid, uint64_t tstate, uint64_t evalframe_addr)
{
	uint64_t interp, eval_frame;
	int err;

	err = procmem_read(pid, tstate + p->off.tstate_interp, &interp, sizeof(interp));
	if (!err)
		err = procmem_read(pid, interp + p->off.interp_eval_frame, &eval_frame, sizeof(eval_frame));
	if (err)
		return err;
	/* Already set: by an earlier thread of this interpreter (or an earlier vizbpf: the lock
	 * in attach.c prevents that), or by the program's own PEP 523 hook, which then sees every
	 * call through its evaluator anyway. Up to 3.10 the interpreter itself sets it to the
	 * default evaluator. */
	if (eval_frame && eval_frame != evalframe_addr)
		return 0;
	if (p->fast && !p->fast_used && !switch_to_fastpath(p, pid, interp, evalframe_addr)) {
		err = 0;
	} else {
		if (eval_frame || !p->unlock)
			return 0;
		err = procmem_write(pid, interp + p->off.interp_eval_frame, &evalframe_addr,
				sizeof(evalframe_addr));
		if (err)
			return err;
	}
	p->unlocks++;
	if (p->n_unlocked < PREPARE_MAX_INTERPS) {
		p->unlocked[p->n_unlocked].interp = interp;
		p->unlocked[p->n_unlocked].was = eval_frame;
		p->unlocked[p->n_unlocked].now = p->fast_used ? 0 : evalframe_addr;
	}
	if (p->minor == 13) {
		uint32_t zero = 0, tag = 0;

		procmem_read(pid, interp + INTERP_NEXT_VERSION_TAG_3_13, &tag, sizeof(tag));
		if (p->n_unlocked < PREPARE_MAX_INTERPS)
			p->unlocked[p->n_unlocked].version_tag = tag;
		err = procmem_write(pid, interp + INTERP_NEXT_VERSION_TAG_3_13, &zero, sizeof(zero));
	}
	/* Not an error of this thread's preparation: specgap counts and reports its own. */
	specgap_close(&p->gap, pid, interp, evalframe_addr - p->gap.evalframe_vaddr, &p->off);
	if (p->n_unlocked < PREPARE_MAX_INTERPS)
		p->n_unlocked++;
	return err;
}

int prepare_restore_interps(struct prepare *p, uint32_t pid)
{
	int err = 0;

	for (int i = 0; i < p->n_unlocked; i++) {
		uint64_t at = p->unlocked[i].interp + p->off.interp_eval_frame, cur = 0;
		uint32_t tag = 1;

		/* Put back what was there unless someone changed it since. */
		if (!procmem_read(pid, at, &cur, sizeof(cur)) && cur == p->unlocked[i].now)
			err = procmem_write(pid, at, &p->unlocked[i].was, sizeof(p->unlocked[i].was)) ?: err;
		/* Still 0 unless a thread held still in the middle of handing out a tag
		 * wrote the next one back: then CPython's value stays (going back would give
		 * a tag out twice). */
		at = p->unlocked[i].interp + INTERP_NEXT_VERSION_TAG_3_13;
		if (p->minor == 13 && !procmem_read(pid, at, &tag, sizeof(tag)) && !tag)
			err = procmem_write(pid, at, &p->unlocked[i].version_tag, sizeof(tag)) ?: err;
	}
	p->n_unlocked = 0;
	return specgap_restore(&p->gap, pid) ?: err;
}

int prepare_unwiden(struct prepare *p, uint32_t pid, uint64_t tstate)
{
	uint64_t addr = tstate + p->off.tstate_c_recursion_remaining;
	int32_t remaining;
	int err;

	if (!p->boost || p->off.tstate_c_recursion_remaining < 0)
		return 0;
	err = procmem_read(pid, addr, &remaining, sizeof(remaining));
	if (err || remaining <= C_RECURSION_LIMIT_3_12)
		return err; /* not widened */
	/* A thread deep in a recursion right now has spent part of it: it gets back what it
	 * will have when it unwinds, never less than nothing. */
	remaining = remaining > p->boost ? remaining - p->boost : 1;
	return procmem_write(pid, addr, &remaining, sizeof(remaining));
}

static int widen(struct prepare *p, uint32_t pid, uint64_t tstate)
{
	uint64_t addr = tstate + p->off.tstate_c_recursion_remaining;
	int32_t remaining;
	int err;

	err = procmem_read(pid, addr, &remaining, sizeof(remaining));
	if (err)
		return err;
	/* Above the interpreter's own limit: widened already (a thread state seen again). */
	if (remaining > C_RECURSION_LIMIT_3_12)
		return 0;
	/* Widened after the thread already went deep (a thread that announced itself while its
	 * process ran): a recursion beyond ~750 may have hit RecursionError before. Say so. */
	if (remaining < C_RECURSION_LIMIT_3_12 - 200)
		p->late_widened++;
	remaining += p->boost;
	err = procmem_write(pid, addr, &remaining, sizeof(remaining));
	if (!err)
		p->boosted++;
	return err;
}

int prepare_thread(struct prepare *p, uint32_t pid, uint64_t tstate, uint64_t evalframe_addr)
{
	int err = 0;

	if (p->unlock || p->fast)
		err = unlock(p, pid, tstate, evalframe_addr);
	/* The preloaded evaluator widens each thread's budget itself. */
	if (!err && p->boost && !p->fast_used && p->off.tstate_c_recursion_remaining >= 0)
		err = widen(p, pid, tstate);
	if (err) {
		p->errors++;
		vlog("pid %u: cannot prepare thread state 0x%llx: %s", pid,
		     (unsigned long long)tstate, strerror(-err));
	}
	return err;
}

struct live_check {
	uint64_t tstate;
	int found;
};

static int is_tstate(void *ctx, const struct pystack_thread *th)
{
	struct live_check *c = ctx;

	c->found |= th->tstate == c->tstate;
	return c->found;
}

int prepare_thread_checked(struct prepare *p, uint32_t pid, uint64_t tstate,
			   uint64_t evalframe_addr, uint64_t runtime)
{
	struct live_check c = { tstate, 0 };
	struct freeze *fz;
	int err;

	/* Nothing to write for one more thread of an interpreter already switched. */
	if (!p->boost && (p->n_unlocked > 0 || (!p->unlock && !p->fast)))
		return 0;
	fz = malloc(sizeof(*fz));
	if (!fz)
		return -ENOMEM;
	err = freeze_process(pid, fz);
	if (!err) {
		/* A short-lived thread may have ended and its state been freed since it announced
		 * itself: write only into a state the interpreter still lists. */
		pystack_threads(pid, &p->off, runtime, is_tstate, &c);
		err = c.found ? prepare_thread(p, pid, tstate, evalframe_addr) : -ESRCH;
		thaw_process(fz);
	}
	free(fz);
	return err;
}
