// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "symbols/pyoffsets.h"
#include "fastpath.h"
#include "freeze.h"
#include "user/base/procmem.h"
#include "user/slices/meta.h"
#include "user/slices/pystack.h"
#include "watchdog.h"
#include "prepare.h"
#include "user/base/log.h"

/* What _PyEval_EvalFrameDefault takes from c_recursion_remaining per activation, and gives back
 * when it returns: PY_EVAL_C_STACK_UNITS in Python/ceval.c (3.12.1, 3.13.0). */
#define EVAL_C_STACK_UNITS 2

/*
 * C stack the preloaded evaluator's path adds to a Python call, which it may hand back as stack
 * segments (user/preload/stackseg.h). Up to 3.10 every call has its evaluator frame untraced
 * too: only the hook's own frame is added, which it measures itself (0 here). 3.11+ runs a
 * Python-to-Python call in the caller's evaluator untraced: the whole path is added, hook,
 * vectorcall chain and evaluator frame (8 MB divided by the depth at which the main thread
 * overflowed without segments, deep_recursion.py on the pyenv builds, rounded down).
 */
/*
 * Whether the evaluator may time calls by the TSC (vz_eval_layout.tsc_clock): only where the
 * kernel's own clock is the TSC (it checked the TSC is stable and the same on every CPU), on
 * x86-64. VIZBPF_TSC=0 turns it off.
 */
static uint32_t tsc_clock(void)
{
	static int known; /* 1 yes, -1 no */
	char buf[32] = "";
	FILE *f;

	if (known)
		return known > 0;
	known = -1;
#if defined(__x86_64__)
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (f) {
		if (fgets(buf, sizeof(buf), f) && !strcmp(buf, "tsc\n"))
			known = 1;
		fclose(f);
	}
#endif
	if (getenv("VIZBPF_TSC") && !strcmp(getenv("VIZBPF_TSC"), "0"))
		known = -1;
	vlog("the evaluator times calls by %s", known > 0 ? "the TSC" : "clock_gettime()");
	return known > 0;
}

static uint32_t hook_stack_per_call(int minor)
{
	return minor <= 10 ? 0 : minor == 11 ? 512 : minor == 12 ? 552 : 592;
}

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
	p->widen = minor >= 11;
	cbudget_init(&p->cb, minor);
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

void prepare_changes(const struct prepare *p, uint64_t max_depth, struct meta_changes *ch)
{
	*ch = (struct meta_changes){
		.eval_frame_unlocks = p->unlocks,
		.write_errors = p->errors,
	};
	cbudget_changes(&p->cb, max_depth, ch);
}

bool prepare_needs_first_stop(const struct prepare *p)
{
	return p->unlock || p->fast;
}

/*
 * Empties every thread buffer of the evaluator whose vizbpf_threads is at threads_at, handing
 * what they hold to fn first (NULL: dropped). The process is held still, and no thread is in
 * the evaluator's code (freeze_step_out): a buffer's count matches its slots.
 */
static int take_buffers(uint32_t pid, uint64_t threads_at, uint64_t until_ns,
			int (*fn)(void *ctx, const void *data, size_t size), void *ctx)
{
	static struct vz_thread_buf *bufs[VZ_THREADS_MAX];
	static struct vz_rec_batch rec;
	int taken = 0;

	if (procmem_read(pid, threads_at, bufs, sizeof(bufs)))
		return 0;
	for (int i = 0; i < VZ_THREADS_MAX; i++) {
		uint64_t at = (uint64_t)bufs[i];
		struct vz_batch head, none = { 0 };
		uint32_t tid;

		if (!at || procmem_read(pid, at, &head, offsetof(struct vz_batch, s)) ||
		    !head.n || head.n > VZ_BATCH_MAX)
			continue;
		if (fn && !procmem_read(pid, at + offsetof(struct vz_thread_buf, tid), &tid, sizeof(tid)) &&
		    !procmem_read(pid, at + offsetof(struct vz_batch, s), rec.s, head.n * sizeof(rec.s[0]))) {
			/* Noted while held (stepped out of the evaluator's code): when every
			 * thread was held, not later than what the ring buffer held of it. */
			for (uint32_t k = 0; k < head.n; k++)
				if (rec.s[k].ts_ns > until_ns)
					rec.s[k].ts_ns = until_ns;
			rec.hdr = (struct vz_rec_hdr){ .ts_ns = rec.s[0].ts_ns, .pid = pid, .tid = tid,
						       .type = VZ_REC_BATCH, .flags = head.n };
			rec.seq = head.seq;
			fn(ctx, &rec, offsetof(struct vz_rec_batch, s) + head.n * sizeof(rec.s[0]));
			taken += head.n;
		}
		/* Taken: the thread goes on from an empty buffer. */
		none.seq = head.seq;
		procmem_write(pid, at, &none, offsetof(struct vz_batch, s));
	}
	return taken;
}

int prepare_take_buffers(struct prepare *p, uint32_t pid, uint64_t until_ns,
			 int (*fn)(void *ctx, const void *data, size_t size), void *ctx)
{
	return p->fast_used ? take_buffers(pid, p->fast_bias + p->fast->threads, until_ns, fn, ctx) : 0;
}

/*
 * Points eval_frame at the preloaded evaluator, which calls the real one between its probe
 * sites, gives back on each thread the C recursion budget and C stack its own path takes (on
 * that thread: no race), and marks the calls the recursion check refused.
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
		.code_version = o->code_version,
		.tstate_frame = o->tstate_frame,
		.cframe_current_frame = o->cframe_current_frame,
		.crec_offset = o->tstate_c_recursion_remaining,
		.crec_per_call = EVAL_C_STACK_UNITS,
		.caller_from_frame = p->minor <= 10,
		.follow_forks = p->follow_forks,
		.frame_ip = o->frame_ip,
		.frame_ip_size = p->minor <= 10 ? 4 : 8,
		.frame_may_be_freed = p->minor >= 11,
		.stack_per_call = hook_stack_per_call(p->minor),
		.log_retval = p->log_retval,
		.batch_calls = p->batch_calls,
		.unicode_state = o->unicode_state,
		.unicode_length = o->unicode_length,
		.unicode_ascii_data = o->unicode_ascii_data,
		.vizbpf_pid = getpid(),
		.tsc_clock = tsc_clock(),
		.vizbpf_start = proc_start_time(getpid()),
	};
	struct vz_flow flow;
	uint64_t bias, eval, tag;
	int err;

	err = fastpath_bias(fp, pid, &bias);
	if (err) {
		vlog("%s is not loaded in pid %u: using the evaluator's probes", fp->lib, pid);
		return err;
	}
	eval = bias + (o->tstate_arg ? fp->eval3 : fp->eval2);
	/* An evaluator that ran for an earlier vizbpf (--inject again): its threads and code
	 * objects are shown to this one anew (a new tag), and what it handed over before is
	 * read already. */
	err = procmem_read(pid, bias + fp->flow, &flow, sizeof(flow)) ?:
	      procmem_read(pid, bias + fp->known_tag, &tag, sizeof(tag));
	if (err)
		return err;
	flow.limit = p->flow_limit;
	flow.read = flow.handed;
	tag += 2;
	/* What is left in the buffers came after an earlier vizbpf detached (returns of frames
	 * it saw): not this trace's. */
	take_buffers(pid, bias + fp->threads, 0, NULL, NULL);
	err = procmem_write(pid, bias + fp->known_tag, &tag, sizeof(tag)) ?:
	      procmem_write(pid, bias + fp->real_eval, &evalframe_addr, sizeof(evalframe_addr)) ?:
	      procmem_write(pid, bias + fp->layout, &layout, sizeof(layout)) ?:
	      procmem_write(pid, bias + fp->flow, &flow, sizeof(flow)) ?:
	      procmem_write(pid, interp + o->interp_eval_frame, &eval, sizeof(eval));
	if (!err) {
		p->fast_used = true;
		p->fast_eval = eval;
		p->fast_bias = bias;
		p->flow_addr = bias + fp->flow;
	}
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
		/* --inject: if vizbpf dies, the watchdog points eval_frame back (the library stays,
		 * unused). */
		if (p->fast_restored)
			watchdog_note(pid, interp + p->off.interp_eval_frame, sizeof(eval_frame),
				      p->fast_eval, eval_frame);
		err = 0;
	} else {
		if (eval_frame || !p->unlock)
			return 0;
		/* If vizbpf dies, the watchdog puts it back (the preloaded evaluator's pointer,
		 * above, stays good for the process's life). */
		watchdog_note(pid, interp + p->off.interp_eval_frame, sizeof(evalframe_addr),
			      evalframe_addr, eval_frame);
		err = procmem_write(pid, interp + p->off.interp_eval_frame, &evalframe_addr,
				sizeof(evalframe_addr));
		if (err)
			return err;
	}
	p->unlocks++;
	if (p->n_unlocked < PREPARE_MAX_INTERPS) {
		p->unlocked[p->n_unlocked].interp = interp;
		p->unlocked[p->n_unlocked].was = eval_frame;
		p->unlocked[p->n_unlocked].now = !p->fast_used ? evalframe_addr :
						 p->fast_restored ? p->fast_eval : 0;
	}
	if (p->minor == 13) {
		uint32_t zero = 0, tag = 0;

		procmem_read(pid, interp + INTERP_NEXT_VERSION_TAG_3_13, &tag, sizeof(tag));
		if (p->n_unlocked < PREPARE_MAX_INTERPS)
			p->unlocked[p->n_unlocked].version_tag = tag;
		watchdog_note(pid, interp + INTERP_NEXT_VERSION_TAG_3_13, sizeof(zero), zero, tag);
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

int prepare_unwiden(struct prepare *p, uint32_t pid, uint64_t tstate, bool last)
{
	return p->fast_used ? 0 : cbudget_unwiden(&p->cb, &p->off, pid, tstate, last);
}

int prepare_thread(struct prepare *p, uint32_t pid, uint64_t tstate, uint64_t evalframe_addr)
{
	int err = 0;

	if (p->unlock || p->fast)
		err = unlock(p, pid, tstate, evalframe_addr);
	/* The preloaded evaluator gives back what each call takes itself. */
	if (!err && p->widen && !p->fast_used)
		err = cbudget_widen(&p->cb, &p->off, pid, tstate);
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
			   uint64_t evalframe_addr, uint64_t runtime, uint64_t *held_since)
{
	struct live_check c = { tstate, 0 };
	struct freeze *fz;
	int err;

	*held_since = 0;
	/* Nothing to write for one more thread of an interpreter already switched, unless its
	 * C recursion budget is to be widened. */
	if ((p->fast_used || !p->widen || p->cb.widen_by == 0) &&
	    (p->n_unlocked > 0 || (!p->unlock && !p->fast)))
		return 0;
	fz = malloc(sizeof(*fz));
	if (!fz)
		return -ENOMEM;
	*held_since = monotonic_ns();
	err = freeze_process(pid, fz);
	if (err)
		*held_since = 0;
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
