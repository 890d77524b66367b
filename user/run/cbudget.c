// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "export/trace_writer.h"
#include "watchdog.h"
#include "cbudget.h"
#include "user/base/log.h"
#include "user/base/procmem.h"
#include "user/slices/meta.h"

/* Py_C_RECURSION_LIMIT of a release build on x86-64 (Include/cpython/pystate.h): 1500 in
 * 3.12.1, 10000 in 3.13.0. */
static int32_t c_recursion_limit(int minor)
{
	return minor == 12 ? 1500 : 10000;
}

/* The thread state's copy of the recursion limit, gdb on the pyenv builds:
 * offsetof(PyThreadState, recursion_limit) 36 on 3.11.7, py_recursion_limit 32 on 3.12.1 and
 * 48 on 3.13.0. */
static int tstate_recursion_limit(int minor)
{
	return minor == 11 ? 36 : minor == 12 ? 32 : 48;
}

/* What _PyEval_EvalFrameDefault takes per activation (PY_EVAL_C_STACK_UNITS). */
#define UNITS_PER_CALL 2
/* C calls along a Python recursion that take budget too (the thread's bootstrap, a few C
 * functions in between): the Python limit must be reached before the C one. */
#define SLACK 50

/* C stack a Python call takes with eval_frame set and no hook: the preloaded evaluator's path
 * (prepare.c, measured) less its own 112-byte frame. */
static uint64_t stack_per_call(int minor)
{
	return minor == 11 ? 400 : minor == 12 ? 440 : 480;
}

static uint64_t read_stack_rlimit(uint32_t pid)
{
	char path[64], line[256];
	unsigned long long soft = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/limits", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Max stack size", 14) && sscanf(line + 14, " %llu", &soft) != 1)
			soft = 0; /* unlimited */
	fclose(f);
	return soft;
}

void cbudget_init(struct cbudget *b, int minor)
{
	*b = (struct cbudget){ .minor = minor, .c_limit = c_recursion_limit(minor), .widen_by = -1 };
}

static int read_limit(const struct cbudget *b, uint32_t pid, uint64_t tstate, int32_t *limit)
{
	return procmem_read(pid, tstate + tstate_recursion_limit(b->minor), limit, sizeof(*limit));
}

static bool was_widened(const struct cbudget *b, uint64_t tstate)
{
	for (int i = 0; i < b->n_tstates; i++)
		if (b->tstates[i] == tstate)
			return true;
	return false;
}

int cbudget_widen(struct cbudget *b, const struct vz_py_offsets *o, uint32_t pid,
		  uint64_t tstate)
{
	uint64_t addr = tstate + o->tstate_c_recursion_remaining;
	int32_t remaining, limit;
	int err;

	if (b->minor < 11)
		return 0;
	if (!b->limit_at_attach) {
		err = read_limit(b, pid, tstate, &limit);
		if (err)
			return err;
		b->limit_at_attach = limit > 0 ? limit : 1;
		b->stack_bytes = read_stack_rlimit(pid);
		/* A recursion to the limit takes UNITS_PER_CALL a level traced, none untraced. */
		b->widen_by = (int32_t)UNITS_PER_CALL * b->limit_at_attach + SLACK - b->c_limit;
		if (b->widen_by < 0 || b->minor < 12)
			b->widen_by = 0;
	}
	if (b->widen_by <= 0 || o->tstate_c_recursion_remaining < 0 || was_widened(b, tstate))
		return 0;
	err = procmem_read(pid, addr, &remaining, sizeof(remaining));
	if (err)
		return err;
	/* Announced while its process ran, and gone deep meanwhile: a recursion may have hit
	 * RecursionError before. Say so. */
	if (remaining < b->c_limit - 200)
		b->late++;
	remaining += b->widen_by;
	/* If vizbpf dies, the watchdog narrows it back. */
	watchdog_note_widen(pid, tstate, addr, b->c_limit, b->widen_by);
	err = procmem_write(pid, addr, &remaining, sizeof(remaining));
	if (err)
		return err;
	b->widened++;
	if (b->n_tstates < CBUDGET_MAX_TSTATES)
		b->tstates[b->n_tstates++] = tstate;
	return 0;
}

int cbudget_unwiden(struct cbudget *b, const struct vz_py_offsets *o, uint32_t pid,
		    uint64_t tstate, bool last)
{
	uint64_t addr = tstate + o->tstate_c_recursion_remaining;
	int32_t remaining, limit;
	int err;

	if (b->minor >= 11 && !read_limit(b, pid, tstate, &limit) && limit > b->limit_at_detach)
		b->limit_at_detach = limit;
	if (b->widen_by <= 0 || o->tstate_c_recursion_remaining < 0)
		return 0;
	/* Beyond the list: a thread state above the interpreter's own budget was widened. */
	if (!was_widened(b, tstate) && b->n_tstates < CBUDGET_MAX_TSTATES)
		return 0;
	err = procmem_read(pid, addr, &remaining, sizeof(remaining));
	if (err || (!was_widened(b, tstate) && remaining <= b->c_limit))
		return err;
	/* A thread deep in a recursion right now (3.12's repr of a deep structure, say) may
	 * have spent more than the widening: narrowed now, it would have nothing left, or
	 * clamped, get all of it back when it unwinds. Tried again once it has unwound. */
	if (remaining <= b->widen_by && !last)
		return -EAGAIN;
	remaining = remaining > b->widen_by ? remaining - b->widen_by : 1;
	for (int i = 0; i < b->n_tstates; i++)
		if (b->tstates[i] == tstate) /* narrowed: never twice */
			b->tstates[i] = b->tstates[--b->n_tstates];
	/* The watchdog must not narrow it a second time if vizbpf dies after this. */
	watchdog_forget_at(pid, addr);
	return procmem_write(pid, addr, &remaining, sizeof(remaining));
}

uint64_t cbudget_overflow_depth(const struct cbudget *b, int32_t limit)
{
	uint64_t depth;

	if (b->minor < 11 || !b->stack_bytes || limit <= 0)
		return 0;
	depth = b->stack_bytes / stack_per_call(b->minor);
	return depth < (uint64_t)limit ? depth : 0;
}

static int32_t highest_limit(const struct cbudget *b)
{
	return b->limit_at_detach > b->limit_at_attach ? b->limit_at_detach : b->limit_at_attach;
}

bool cbudget_exact(const struct cbudget *b)
{
	return b->minor < 12 || !b->limit_at_attach;
}

bool cbudget_exhausted(const struct cbudget *b, uint64_t max_depth)
{
	int32_t widened = b->widen_by > 0 ? b->widen_by : 0;

	/* Half the slack: a recursion stopped by its Python limit, as untraced, stays below. */
	return b->minor >= 12 && b->limit_at_attach &&
	       UNITS_PER_CALL * max_depth + SLACK / 2 > (uint64_t)(b->c_limit + widened);
}

void cbudget_warn(const struct cbudget *b, int pid, uint64_t max_depth)
{
	uint64_t overflow = cbudget_overflow_depth(b, highest_limit(b));

	/* Every 3.12+ attach: in the metadata, and on stderr unless -q (the warnings below say
	 * that something did happen). */
	if (!cbudget_exact(b))
		ilog("warning: pid %d: CPython 3.%d: traced, each Python call takes %d units of the "
		     "thread's C recursion budget (%d), untraced none. Widened by %d (%llu thread(s)) "
		     "so that a recursion reaches the limit of %d: C-level recursion (nested repr, "
		     "pickle, ...) under d Python frames can go up to %d - %dd units deeper than "
		     "untraced (shallower where negative)", pid, b->minor, UNITS_PER_CALL, b->c_limit,
		     b->widen_by > 0 ? b->widen_by : 0, (unsigned long long)b->widened,
		     b->limit_at_attach, b->widen_by > 0 ? b->widen_by : 0, UNITS_PER_CALL);
	if (b->late)
		elog("warning: pid %d: %llu thread(s) had gone deep before vizbpf widened their C "
		     "recursion budget: a recursion there may have raised RecursionError earlier "
		     "than untraced", pid, (unsigned long long)b->late);
	if (b->limit_at_detach > b->limit_at_attach && b->minor >= 12)
		elog("warning: pid %d: the recursion limit went from %d to %d while traced: a "
		     "recursion beyond ~%d may have raised RecursionError earlier than untraced",
		     pid, b->limit_at_attach, b->limit_at_detach,
		     (b->c_limit + (b->widen_by > 0 ? b->widen_by : 0) - SLACK) / UNITS_PER_CALL);
	if (cbudget_exhausted(b, max_depth))
		elog("warning: pid %d: a Python recursion %llu deep used up the C recursion budget "
		     "(%d, widened by %d for the limit of %d at attach): its RecursionError may have "
		     "come earlier than untraced", pid, (unsigned long long)max_depth, b->c_limit,
		     b->widen_by > 0 ? b->widen_by : 0, b->limit_at_attach);
	if (overflow)
		elog("warning: pid %d: recursion limit %d, but traced (no C frame untraced) each "
		     "Python call takes ~%llu bytes of C stack: a recursion deeper than ~%llu "
		     "overflows the %llu MB stack and crashes; launch mode gives that stack back",
		     pid, highest_limit(b), (unsigned long long)stack_per_call(b->minor),
		     (unsigned long long)overflow, (unsigned long long)(b->stack_bytes >> 20));
}

void cbudget_changes(const struct cbudget *b, uint64_t max_depth, struct meta_changes *ch)
{
	ch->budget_exact = cbudget_exact(b);
	ch->budget_exhausted = cbudget_exhausted(b, max_depth);
	ch->widened_threads = b->widened;
	ch->widened_late = b->late;
	ch->widened_by = b->widen_by > 0 ? b->widen_by : 0;
	ch->limit_traced = highest_limit(b) > 0 ? highest_limit(b) : 0;
	ch->depth_overflowing_stack = cbudget_overflow_depth(b, highest_limit(b));
}
