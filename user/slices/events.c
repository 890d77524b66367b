// SPDX-License-Identifier: BSD-2-Clause
/*
 * Records -> slices. See events.h for the model. The hot path (one call
 * and one return per Python call) does a hash lookup and a few compares,
 * and writes a pre-escaped name: it must stay well under a microsecond.
 */
#include <errno.h>
#include <linux/types.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vizbpf.h"
#include "symbols/pystr.h"
#include "events.h"
#include "holds.h"
#include "kslices.h"
#include "kcpu.h"
#include "kmem.h"
#include "gcslices.h"
#include "excslices.h"
#include "customev.h"
#include "auditev.h"
#include "printev.h"
#include "sparse.h"
#include "funcargs.h"
#include "asynctasks.h"
#include "user/base/log.h"

#define GEN_FLAGS (VZ_CO_GENERATOR | VZ_CO_COROUTINE | VZ_CO_ASYNC_GENERATOR)

struct code_info {
	uint64_t code;
	uint32_t pid;
	uint32_t co_flags;
	bool filtered; /* --include_files/--exclude_files/--ignore_frozen drop it */
	bool thread_start; /* threading's Thread._bootstrap_inner: its frame holds the Thread */
	bool no_args;      /* --log_func_args_filter does not select it */
	uint32_t sparse_levels; /* a log_sparse marker (sparse.h): levels it keeps; 0: not one */
	char *arg_names;   /* --log_func_args: funcargs_names() of its first record */
	char *qualname;  /* --log_async, coroutines: a task track's name until BPF names the task */
	char *name_json; /* "qualname (file:line)" as a JSON string literal */
	size_t name_len;
};

/* struct frame.lost: how records lost on the thread touch the frame (VZ_EVENTS_LOST). */
#define LOST_INSIDE 1u   /* open when records were lost: its slice lacks something */
#define LOST_BEFORE 2u   /* called after a loss, its caller missing or unsure */
#define LOST_STALE 4u    /* open when returns were lost: it may have returned unseen, and a call
			  * lost meanwhile may stand at its address */

struct frame {
	uint64_t frame;
	uint64_t caller;
	uint64_t start_ns;
	uint32_t code; /* index into codes */
	uint32_t lost; /* LOST_* */
	uint32_t keep; /* --log_sparse: levels of a marker's window left here, 0: outside any */
};

struct thread {
	uint32_t tid;
	uint32_t pid;
	bool exited;
	char comm[16];
	char pyname[VZ_THREAD_NAME_MAX * 2]; /* threading.Thread.name, when it started through threading */
	uint64_t last_ns;
	struct frame *stack;
	uint32_t depth;
	uint32_t cap;
	uint64_t left_early;   /* a frame closed because a call named a caller below it */
	uint32_t skipped;      /* dropped generator creations whose return is still to come */
	uint64_t skip_caller;  /* ...and their caller */
	uint64_t gaps;         /* places where its records were lost */
	uint64_t kernel_start; /* --kernel: its last kernel slice */
	uint64_t kernel_end;
	uint64_t min_flt, maj_flt; /* --kernel memory: its counts at its last sample */
	char **args;           /* --log_func_args: "func_args":{...} of the frame at each depth */
	char **rets;           /* --log_func_retval: "return_value":"..." of the frame at each depth */
	uint32_t args_cap;     /* of both */
	uint32_t task_depth;   /* --log_async: depth + 1 of the step of the task running, 0: none */
	uint32_t task_tid;     /* ...its track: that frame and those above it are drawn there */
	bool task_pending;     /* ...BPF's word on its Task (VZ_REC_TASK) is still to come */
};

/* Open addressing, slots hold index + 1 (0 is empty); items never move out of their array. */
struct index {
	uint32_t *slots;
	uint32_t mask;
	uint32_t used;
};

struct events {
	struct trace_writer *w;
	struct trace_writer *(*writer_for)(void *ctx, uint32_t pid);
	void *writer_ctx;
	struct events_filter filter;
	struct events_stats st;
	struct code_info *codes;
	uint32_t n_codes, cap_codes;
	struct index code_index;
	struct thread *threads;
	uint32_t n_threads, cap_threads;
	struct index thread_index;
	uint32_t *last_thread_slot; /* the last thread thread_slot found, NULL: none */
	uint32_t unknown_code; /* index of the "<unknown>" placeholder */
	events_thread_fn on_thread;
	void *on_thread_ctx;
	events_batch_fn on_batch;
	void *on_batch_ctx;
	events_thread_start_fn on_thread_start;
	void *on_thread_start_ctx;
	bool finished; /* events_finish ran: only thread announcements are still dispatched */
	struct holds *holds; /* vizbpf's holds of each process, cut out of its time */
	struct kslices_stats kst; /* --kernel */
	struct kcpu kcpu;         /* --kernel cpu */
	struct kmem *kmem;        /* --kernel memory, made at its first sample */
	struct customev *custom; /* vizbpf_events.py's spans still open */
	struct auditev *audit; /* --log_audit's regexes */
	struct asynctasks *tasks; /* --log_async */
};

static inline uint32_t hash64(uint64_t v)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return (uint32_t)v;
}

static int index_init(struct index *ix, uint32_t cap)
{
	ix->slots = calloc(cap, sizeof(*ix->slots));
	ix->mask = cap - 1;
	ix->used = 0;
	return ix->slots ? 0 : -ENOMEM;
}

static inline uint64_t code_key(uint32_t pid, uint64_t code)
{
	return code ^ ((uint64_t)pid << 47) ^ pid;
}

static inline bool code_match(const struct events *ev, uint32_t i, uint32_t pid, uint64_t code)
{
	return ev->codes[i].code == code && ev->codes[i].pid == pid;
}

/* Slot for (pid, code): its current entry or the empty slot where it goes. */
static uint32_t *code_slot(struct events *ev, uint32_t pid, uint64_t code)
{
	uint32_t h = hash64(code_key(pid, code));

	for (;; h++) {
		uint32_t *s = &ev->code_index.slots[h & ev->code_index.mask];

		if (!*s || code_match(ev, *s - 1, pid, code))
			return s;
	}
}

/* A thread's slot in the index (empty: where it goes). The last thread found is kept: records
 * come in runs of one thread's. */
static inline uint32_t *thread_slot(struct events *ev, uint32_t tid)
{
	uint32_t h, *last = ev->last_thread_slot;

	if (last && *last && ev->threads[*last - 1].tid == tid)
		return last;
	for (h = hash64(tid);; h++) {
		uint32_t *s = &ev->thread_index.slots[h & ev->thread_index.mask];

		if (!*s)
			return s;
		if (ev->threads[*s - 1].tid == tid)
			return ev->last_thread_slot = s;
	}
}

/* Doubles an index when half full; key_of gives each item's slot in the new table. */
static int index_grow_codes(struct events *ev)
{
	struct index old = ev->code_index;

	if (index_init(&ev->code_index, (old.mask + 1) * 2))
		return -ENOMEM;
	for (uint32_t i = 0; i <= old.mask; i++) {
		if (!old.slots[i])
			continue;
		const struct code_info *c = &ev->codes[old.slots[i] - 1];
		*code_slot(ev, c->pid, c->code) = old.slots[i];
		ev->code_index.used++;
	}
	free(old.slots);
	return 0;
}

static int index_grow_threads(struct events *ev)
{
	struct index old = ev->thread_index;

	if (index_init(&ev->thread_index, (old.mask + 1) * 2))
		return -ENOMEM;
	ev->last_thread_slot = NULL;
	for (uint32_t i = 0; i <= old.mask; i++) {
		if (!old.slots[i])
			continue;
		*thread_slot(ev, ev->threads[old.slots[i] - 1].tid) = old.slots[i];
		ev->thread_index.used++;
	}
	free(old.slots);
	return 0;
}

static bool path_under(const char *file, const char *dir)
{
	return strncmp(file, dir, strlen(dir)) == 0;
}

static bool code_filtered(const struct events_filter *f, const char *file)
{
	if (f->ignore_frozen && strncmp(file, "<frozen", 7) == 0)
		return true;
	for (int i = 0; i < f->n_exclude; i++)
		if (path_under(file, f->exclude_files[i]))
			return true;
	if (!f->n_include)
		return false;
	for (int i = 0; i < f->n_include; i++)
		if (path_under(file, f->include_files[i]))
			return false;
	return true;
}

/* Appends a code description; returns its index or -ENOMEM. */
static int64_t add_code(struct events *ev, uint32_t pid, uint64_t code, uint32_t co_flags,
			const char *name, const char *file, uint32_t line)
{
	char text[VZ_NAME_MAX * 3 + VZ_FILE_MAX * 3 + 32];
	struct code_info *c;
	size_t n, q, n_file;

	if (ev->n_codes == ev->cap_codes) {
		uint32_t cap = ev->cap_codes ? ev->cap_codes * 2 : 1024;
		void *p = realloc(ev->codes, cap * sizeof(*ev->codes));

		if (!p)
			return -ENOMEM;
		ev->codes = p;
		ev->cap_codes = cap;
	}
	n = snprintf(text, sizeof(text), "%s (%s:%u)", name, file, line);
	if (n >= sizeof(text))
		n = sizeof(text) - 1;
	c = &ev->codes[ev->n_codes];
	c->pid = pid;
	c->code = code;
	c->co_flags = co_flags;
	c->filtered = code_filtered(&ev->filter, file);
	c->no_args = false;
	c->arg_names = NULL;
	c->qualname = NULL;
	if (ev->filter.log_async && (co_flags & VZ_CO_COROUTINE) && !(c->qualname = strdup(name)))
		return -ENOMEM;
	n_file = strlen(file);
	c->sparse_levels = sparse_marker_levels(name, file);
	c->thread_start = (!strcmp(name, "_bootstrap_inner") ||
			   !strcmp(name, "Thread._bootstrap_inner")) &&
			  n_file >= 12 && !strcmp(file + n_file - 12, "threading.py");
	q = json_quote(NULL, 0, text, n);
	c->name_json = malloc(q + 1);
	if (!c->name_json)
		return -ENOMEM;
	c->name_len = json_quote(c->name_json, q + 1, text, n);
	/* --log_func_args_filter: a search in "qualname (file:line)". */
	if (ev->filter.args_filter)
		c->no_args = regexec(ev->filter.args_filter, text, 0, NULL, 0) != 0;
	return ev->n_codes++;
}

static int handle_code(struct events *ev, const struct vz_rec_code *r)
{
	char name[VZ_NAME_MAX * 4 + 8], file[VZ_FILE_MAX * 4 + 8];
	uint32_t *slot;
	int64_t i;

	ev->st.code_descriptions++;
	pystr_to_utf8(&r->name_hdr, r->name, name, sizeof(name));
	pystr_to_utf8(&r->file_hdr, r->file, file, sizeof(file));
	i = add_code(ev, r->hdr.pid, r->code, r->co_flags, name, file, r->firstlineno);
	if (i < 0)
		return (int)i;
	/* A re-described address points at the new entry; frames already open keep theirs. */
	slot = code_slot(ev, r->hdr.pid, r->code);
	if (!*slot)
		ev->code_index.used++;
	*slot = (uint32_t)i + 1;
	if (ev->code_index.used * 2 > ev->code_index.mask)
		return index_grow_codes(ev);
	return 0;
}

static struct thread *get_thread(struct events *ev, uint32_t tid, uint32_t pid)
{
	uint32_t *slot = thread_slot(ev, tid);
	struct thread *t;

	if (*slot) {
		t = &ev->threads[*slot - 1];
		if (t->exited && t->depth == 0) {
			/* The tid was reused by a new thread: start it afresh (the old one is named). */
			t->exited = false;
			t->pid = pid;
			t->comm[0] = '\0';
			t->pyname[0] = '\0';
		}
		return t;
	}
	if (ev->n_threads == ev->cap_threads) {
		uint32_t cap = ev->cap_threads ? ev->cap_threads * 2 : 64;
		void *p = realloc(ev->threads, cap * sizeof(*ev->threads));

		if (!p)
			return NULL;
		ev->threads = p;
		ev->cap_threads = cap;
	}
	t = &ev->threads[ev->n_threads];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	*slot = ++ev->n_threads;
	if (++ev->thread_index.used * 2 > ev->thread_index.mask && index_grow_threads(ev))
		return NULL;
	return t;
}

static struct thread *find_thread(struct events *ev, uint32_t tid)
{
	uint32_t *slot = thread_slot(ev, tid);

	return *slot ? &ev->threads[*slot - 1] : NULL;
}

static inline struct trace_writer *writer(struct events *ev, uint32_t pid)
{
	return ev->writer_for ? ev->writer_for(ev->writer_ctx, pid) : ev->w;
}

/* Writes the slice of the frame at depth d (0 = outermost) ending at end_ns into w (NULL: the
 * process's writer). Returns whether it was written (the filters keep it). */
static bool emit_to(struct events *ev, const struct thread *t, uint32_t d, uint64_t end_ns,
		    struct trace_writer *w)
{
	const struct frame *f = &t->stack[d];
	const struct code_info *c = &ev->codes[f->code];
	uint64_t dur = end_ns > f->start_ns ? end_ns - f->start_ns : 0;
	uint32_t tid = t->tid;

	if (c->filtered || c->sparse_levels)
		return false;
	if (ev->filter.log_sparse && !f->keep)
		return false;
	if (ev->filter.max_stack_depth > 0 && d >= (uint32_t)ev->filter.max_stack_depth)
		return false;
	if (dur < ev->filter.min_duration_ns)
		return false;
	if (!w)
		w = writer(ev, t->pid);
	if (!w)
		return false;
	/* --log_async: a task's step and what it calls, on the task's track. */
	if (t->task_depth && d + 1 >= t->task_depth) {
		tid = t->task_tid;
		asynctasks_name_track(ev->tasks, tid, w);
	}
	if (d < t->args_cap && (t->args[d] || t->rets[d])) {
		char *args;

		if (asprintf(&args, "{%s%s%s%s}", t->args[d] ? t->args[d] : "",
			     t->args[d] && t->rets[d] ? "," : "", t->rets[d] ? t->rets[d] : "",
			     f->lost & LOST_BEFORE ? ",\"events_lost\":\"" VZ_LOST_BEFORE "\"" :
			     f->lost & LOST_INSIDE ? ",\"events_lost\":\"" VZ_LOST_INSIDE "\"" : "") < 0)
			args = NULL;
		trace_writer_complete_args(w, c->name_json, c->name_len, f->start_ns, dur, t->pid,
					   tid, args);
		free(args);
	} else if (f->lost & (LOST_INSIDE | LOST_BEFORE))
		trace_writer_complete_args(w, c->name_json, c->name_len, f->start_ns, dur, t->pid,
					   tid, f->lost & LOST_BEFORE ?
					   "{\"events_lost\":\"" VZ_LOST_BEFORE "\"}" :
					   "{\"events_lost\":\"" VZ_LOST_INSIDE "\"}");
	else
		trace_writer_complete(w, c->name_json, c->name_len, f->start_ns, dur, t->pid,
				      tid);
	return true;
}

static void emit(struct events *ev, struct thread *t, uint32_t d, uint64_t end_ns)
{
	if (emit_to(ev, t, d, end_ns, NULL))
		ev->st.slices_written++;
}

/*
 * Closes frames above depth keep, which were not seen returning: they ended
 * before end_ns. The deepest ends first, 1 ns apart, so inferred slices nest
 * strictly and never share a boundary with what starts at end_ns (viewers
 * read timestamps as floating-point microseconds).
 */
static void pop_inferred(struct events *ev, struct thread *t, uint32_t keep, uint64_t end_ns)
{
	uint64_t n = t->depth > keep ? t->depth - keep : 0, inner_end = 0;

	/* --kernel: an inferred end never falls inside the thread's last kernel slice. They
	 * end after it (holding it) when there is room, else before it. */
	if (n && t->kernel_end < end_ns && t->kernel_end + n >= end_ns && t->kernel_start > n)
		end_ns = t->kernel_start;
	while (t->depth > keep) {
		uint64_t end = end_ns - n--;
		const struct frame *f = &t->stack[--t->depth];

		/* A frame that started at (or after) end_ns, the thread's last call: it cannot end
		 * before it started, and its callers end after it. */
		if (end < f->start_ns)
			end = f->start_ns;
		if (end <= inner_end)
			end = inner_end + 1;
		emit(ev, t, t->depth, end);
		inner_end = end;
		ev->st.returns_inferred++;
	}
}

/* --log_sparse: the window left for a call of code at the top of t's stack (sparse.h). */
static uint32_t sparse_keep(const struct events *ev, const struct thread *t, uint32_t code)
{
	uint32_t keep = 0, own = ev->codes[code].sparse_levels;

	if (t->depth) {
		const struct frame *p = &t->stack[t->depth - 1];

		keep = sparse_child_keep(p->keep, ev->codes[p->code].sparse_levels != 0);
	}
	return own > keep ? own : keep;
}

static int push(struct events *ev, struct thread *t, const struct vz_rec_call *r, uint64_t ts,
		uint32_t code, uint32_t lost)
{
	uint32_t keep = ev->filter.log_sparse ? sparse_keep(ev, t, code) : 0;

	if (t->depth == t->cap) {
		uint32_t cap = t->cap ? t->cap * 2 : 64;
		void *p = realloc(t->stack, cap * sizeof(*t->stack));

		if (!p)
			return -ENOMEM;
		t->stack = p;
		t->cap = cap;
	}
	if (t->depth < t->args_cap) { /* what a frame popped earlier at this depth had */
		free(t->args[t->depth]);
		t->args[t->depth] = NULL;
		free(t->rets[t->depth]);
		t->rets[t->depth] = NULL;
	}
	if (t->task_depth > t->depth)
		t->task_depth = 0; /* the step ended */
	/* --log_async: the outermost coroutine call is a task's step (VizTracer's rule: the
	 * first coroutine frame called while no task runs on the thread). */
	if (ev->tasks && !t->task_depth && (ev->codes[code].co_flags & VZ_CO_COROUTINE)) {
		t->task_tid = asynctasks_track(ev->tasks, t->pid, r->frame, ev->codes[code].qualname);
		if (t->task_tid) {
			t->task_depth = t->depth + 1;
			t->task_pending = true;
		}
	}
	t->stack[t->depth++] = (struct frame){
		.frame = r->frame,
		.caller = r->caller,
		.start_ns = ts,
		.code = code,
		.lost = lost,
		.keep = keep,
	};
	if (lost & LOST_BEFORE)
		ev->st.slices_after_gap++;
	if (t->depth > ev->st.max_depth)
		ev->st.max_depth = t->depth;
	return 0;
}

/* A record's time in program time: without vizbpf's holds of its process (holds.h). */
static inline uint64_t program_ns(struct events *ev, uint32_t pid, uint64_t ts)
{
	return holds_program_ns(ev->holds, pid, ts);
}

/*
 * BPF dropped calls or returns of this thread before record h (ring buffer full): mark the
 * place, and the frames open across it. Lost returns leave frames open that have returned: one
 * may stand at the address of a lost call, so no call can be sure it is theirs (LOST_STALE).
 */
static void mark_gap(struct events *ev, struct thread *t, const struct vz_rec_hdr *h,
		     uint64_t ts)
{
	struct trace_writer *w = writer(ev, t->pid);
	char args[80];

	if (!t->gaps++)
		ev->st.threads_with_gaps++;
	ev->st.gaps++;
	for (uint32_t d = 0; d < t->depth; d++)
		t->stack[d].lost |= LOST_INSIDE | (h->lost_returns ? LOST_STALE : 0);
	/* A generator creation's return may be one of those lost: another frame's is no skip. */
	if (h->lost_returns)
		t->skipped = 0;
	if (!w || ev->finished)
		return;
	snprintf(args, sizeof(args), "{\"calls_lost\":%u,\"returns_lost\":%u}", h->lost_calls,
		 h->lost_returns);
	trace_writer_instant_cat(w, "vizbpf", VZ_EVENTS_LOST, ts, t->pid, t->tid, 't', args);
}

/*
 * --log_async: BPF sends a step's Task right after the step's call (after its arguments), so
 * any other record of the thread says there was none: the step is no Task's, and must not be
 * drawn on the track of a Task whose coroutine had the same address.
 */
static void settle_step(struct events *ev, struct thread *t)
{
	const struct frame *f;

	if (!t->task_pending)
		return;
	t->task_pending = false;
	if (!t->task_depth || t->task_depth > t->depth)
		return;
	f = &t->stack[t->task_depth - 1];
	t->task_tid = asynctasks_taskless(ev->tasks, t->task_tid, t->pid, f->frame,
					  ev->codes[f->code].qualname);
}

static int handle_call(struct events *ev, const struct vz_rec_call *r)
{
	struct thread *t = get_thread(ev, r->hdr.tid, r->hdr.pid);
	uint64_t ts = program_ns(ev, r->hdr.pid, r->hdr.ts_ns);
	uint32_t *slot, code, lost = 0;

	if (!t)
		return -ENOMEM;
	settle_step(ev, t);
	t->last_ns = ts;
	if (r->hdr.lost_calls || r->hdr.lost_returns)
		mark_gap(ev, t, &r->hdr, ts);
	/* Whatever is open above the caller has returned unseen. */
	if (!r->caller) {
		pop_inferred(ev, t, 0, ts);
	} else {
		/* After a loss, a caller not open here is a call that was lost. */
		if (t->gaps)
			lost = LOST_BEFORE;
		for (uint32_t d = t->depth; d-- > 0;) {
			if (t->stack[d].frame == r->caller) {
				lost = t->stack[d].lost & LOST_STALE ? LOST_BEFORE : 0;
				/* 3.12+: a frame being cleared (its locals' __del__, a generator's
				 * close) has returned, though its evaluator has not yet: its own
				 * return comes later and is no stray. */
				if (d + 1 < t->depth)
					t->left_early = t->stack[d + 1].frame;
				pop_inferred(ev, t, d + 1, ts);
				break;
			}
		}
	}
	slot = code_slot(ev, r->hdr.pid, r->code);
	if (*slot) {
		code = *slot - 1;
	} else {
		code = ev->unknown_code;
		ev->st.unknown_code++;
	}
	/* 3.11+: a generator function's first evaluation only builds the generator; sys.setprofile
	 * does not report it, and neither does VizTracer. */
	if ((ev->codes[code].co_flags & GEN_FLAGS) && (r->hdr.flags & VZ_F_OWNED_BY_THREAD)) {
		ev->st.generator_creations++;
		t->skipped++;
		/* Its return names the caller (uretprobe) or the frame itself (probe sites). */
		t->skip_caller = (r->hdr.flags & VZ_F_RETURN_FRAME) ? r->frame : r->caller;
		return 0;
	}
	/* Refused by the recursion check: it never starts, sys.setprofile reports nothing. */
	if (r->hdr.flags & VZ_F_REFUSED) {
		ev->st.calls_refused++;
		return 0;
	}
	ev->st.calls++;
	/* BPF names a thread as it starts; this reads it for a stack found running (attach). */
	if (ev->codes[code].thread_start && ev->on_thread_start && !t->pyname[0])
		ev->on_thread_start(ev->on_thread_start_ctx, r->hdr.pid, r->frame, t->pyname,
				    sizeof(t->pyname));
	return push(ev, t, r, ts, code, lost);
}

/* The frame at depth d returned at ts: what is above it returned unseen before. */
static void close_frame(struct events *ev, struct thread *t, uint32_t d, uint64_t ts)
{
	pop_inferred(ev, t, d + 1, ts);
	t->depth = d;
	emit(ev, t, d, ts);
}

/*
 * The frame at depth d never started: the recursion check refused it (RecursionError) before
 * its first instruction. sys.setprofile reports no call for it, VizTracer draws none: drop it.
 */
static void drop_refused(struct events *ev, struct thread *t, uint32_t d, uint64_t ts)
{
	pop_inferred(ev, t, d + 1, ts);
	t->depth = d;
	ev->st.calls--;
	ev->st.calls_refused++;
}

/* A return that names the frame itself (the fast path): close exactly that frame. */
static void return_frame(struct events *ev, struct thread *t, uint64_t frame, uint64_t ts)
{
	bool refused = frame & VZ_RET_REFUSED;

	frame &= ~VZ_RET_REFUSED;
	t->last_ns = ts;
	for (uint32_t d = t->depth; d-- > 0;) {
		if (t->stack[d].frame == frame) {
			if (refused)
				drop_refused(ev, t, d, ts);
			else
				close_frame(ev, t, d, ts);
			return;
		}
	}
	if (frame && frame == t->left_early) {
		t->left_early = 0;
		return;
	}
	ev->st.unmatched_returns++;
}

/*
 * The preloaded evaluator's buffer (launch mode): calls and returns of one thread, in order,
 * each with its own time.
 */
static int handle_batch(struct events *ev, const struct vz_rec_batch *r, size_t size)
{
	uint32_t n = r->hdr.flags;
	struct thread *t;

	if (n > VZ_BATCH_MAX || size < offsetof(struct vz_rec_batch, s) + n * sizeof(r->s[0])) {
		ev->st.unknown_records++;
		return 0;
	}
	if (ev->on_batch)
		ev->on_batch(ev->on_batch_ctx, r->hdr.pid, r->seq);
	if (!n)
		return 0;
	t = find_thread(ev, r->hdr.tid);
	if (t && t->exited) {
		ev->st.unmatched_returns += n;
		return 0;
	}
	if (t && (r->hdr.lost_calls || r->hdr.lost_returns)) {
		settle_step(ev, t);
		mark_gap(ev, t, &r->hdr, program_ns(ev, r->hdr.pid, r->s[0].ts_ns));
	}
	for (uint32_t i = 0; i < n; i++) {
		const struct vz_batch_slot *s = &r->s[i];
		int err;

		if (s->code) {
			struct vz_rec_call c = {
				.hdr = { s->ts_ns, r->hdr.pid, r->hdr.tid, VZ_REC_CALL,
					 VZ_F_RETURN_FRAME },
				.code = s->code,
				.frame = s->frame,
				.caller = s->caller,
			};

			/* A loss before a thread's first record: the call carries it. */
			if (!t && i == 0) {
				c.hdr.lost_calls = r->hdr.lost_calls;
				c.hdr.lost_returns = r->hdr.lost_returns;
			}
			err = handle_call(ev, &c);
			if (err)
				return err;
			t = find_thread(ev, r->hdr.tid);
		} else if (!t) {
			ev->st.unmatched_returns++;
		} else {
			settle_step(ev, t);
			return_frame(ev, t, s->frame, program_ns(ev, r->hdr.pid, s->ts_ns));
		}
	}
	return 0;
}

static int handle_return(struct events *ev, const struct vz_rec_return *r)
{
	struct thread *t = find_thread(ev, r->hdr.tid);
	uint64_t ts = program_ns(ev, r->hdr.pid, r->hdr.ts_ns);

	if (!t || t->exited) {
		ev->st.unmatched_returns++;
		return 0;
	}
	settle_step(ev, t);
	t->last_ns = ts;
	if (r->hdr.lost_calls || r->hdr.lost_returns)
		mark_gap(ev, t, &r->hdr, ts);
	/* A generator creation returns right after it was called (nothing runs in between). */
	if (t->skipped && r->caller == t->skip_caller) {
		t->skipped--;
		return 0;
	}
	if (r->hdr.flags & VZ_F_RETURN_FRAME) {
		return_frame(ev, t, r->caller | (r->hdr.flags & VZ_F_REFUSED ? VZ_RET_REFUSED : 0),
			     ts);
		return 0;
	}
	/* The frame returning is the newest one called from the now-current frame. */
	for (uint32_t d = t->depth; d-- > 0;) {
		if (t->stack[d].caller == r->caller) {
			close_frame(ev, t, d, ts);
			return 0;
		}
	}
	/* A return whose call was lost. */
	ev->st.unmatched_returns++;
	return 0;
}

/* t->args and t->rets as deep as its stack can go (t->cap). */
static int grow_depth_args(struct thread *t)
{
	uint32_t cap = t->cap;
	char **a, **r;

	if (t->args_cap >= cap)
		return 0;
	a = realloc(t->args, cap * sizeof(*a));
	if (a)
		t->args = a;
	r = realloc(t->rets, cap * sizeof(*r));
	if (r)
		t->rets = r;
	if (!a || !r)
		return -ENOMEM;
	memset(a + t->args_cap, 0, (cap - t->args_cap) * sizeof(*a));
	memset(r + t->args_cap, 0, (cap - t->args_cap) * sizeof(*r));
	t->args_cap = cap;
	return 0;
}

/* --log_func_args: the arguments of the call just pushed on this thread. */
static int handle_args(struct events *ev, const struct vz_rec_args *r, size_t size)
{
	struct thread *t = find_thread(ev, r->hdr.tid);
	uint32_t *slot = code_slot(ev, r->hdr.pid, r->code), d;
	struct code_info *c;

	/* BPF sends the names once per code object described: keep them, whatever the call. */
	if (*slot && !(r->hdr.flags & VZ_ARGS_NO_NAMES)) {
		c = &ev->codes[*slot - 1];
		free(c->arg_names);
		c->arg_names = funcargs_names(r);
	}
	if (!t || !t->depth || t->stack[t->depth - 1].frame != r->frame)
		return 0; /* a generator's creation, a refused call: no slice */
	d = t->depth - 1;
	c = &ev->codes[t->stack[d].code];
	if (c->no_args)
		return 0;
	if (grow_depth_args(t))
		return -ENOMEM;
	free(t->args[d]);
	t->args[d] = funcargs_json(r, c->arg_names);
	return 0;
}

/* --log_func_retval: the value of the frame about to return (its return record follows). */
static int handle_retval(struct events *ev, const struct vz_rec_retval *r)
{
	struct thread *t = find_thread(ev, r->hdr.tid);

	if (!t || t->exited)
		return 0;
	for (uint32_t d = t->depth; d-- > 0;) {
		if (t->stack[d].frame != r->frame)
			continue;
		if (ev->codes[t->stack[d].code].no_args)
			return 0;
		if (grow_depth_args(t))
			return -ENOMEM;
		free(t->rets[d]);
		t->rets[d] = funcargs_retval_json(r);
		return 0;
	}
	return 0; /* a generator's creation (3.11+), a frame whose call was lost: no slice */
}

/* --log_async: BPF found the Task whose coroutine's call was just pushed: its name. */
static int handle_task(struct events *ev, const struct vz_rec_task *r)
{
	struct thread *t = find_thread(ev, r->hdr.tid);
	char name[VZ_TASK_NAME_MAX * 4 + 8];
	uint32_t tid;

	if (!ev->tasks || !t || !t->task_pending || !t->task_depth ||
	    t->task_depth != t->depth || t->stack[t->depth - 1].frame != r->frame)
		return 0;
	t->task_pending = false;
	if (r->hdr.flags & VZ_TASK_NUMBERED)
		snprintf(name, sizeof(name), "Task-%llu", (unsigned long long)r->number);
	else if (!pystr_to_utf8(&r->name_hdr, r->name, name, sizeof(name)))
		/* An empty or unreadable name: the Task is still the Task. */
		snprintf(name, sizeof(name), "%s",
			 ev->codes[t->stack[t->depth - 1].code].qualname ?: "Task");
	tid = asynctasks_found(ev->tasks, t->task_tid, r->hdr.pid, r->frame, r->task, name);
	if (tid)
		t->task_tid = tid;
	return 0;
}

static int handle_thread_name(struct events *ev, const struct vz_rec_thread_name *r)
{
	struct thread *t = get_thread(ev, r->hdr.tid, r->hdr.pid);

	if (!t)
		return -ENOMEM;
	pystr_to_utf8(&r->name_hdr, r->name, t->pyname, sizeof(t->pyname));
	return 0;
}

static void name_thread_to(struct events *ev, const struct thread *t, struct trace_writer *w)
{
	char name[VZ_THREAD_NAME_MAX * 2 + 32];

	if (t->pyname[0])
		snprintf(name, sizeof(name), "%s", t->pyname);
	else if (t->tid == t->pid)
		snprintf(name, sizeof(name), "MainThread");
	else if (t->comm[0])
		snprintf(name, sizeof(name), "%s (tid %u)", t->comm, t->tid);
	else
		snprintf(name, sizeof(name), "Thread (tid %u)", t->tid);
	if (!w)
		w = writer(ev, t->pid);
	if (w)
		trace_writer_thread_name(w, t->pid, t->tid, name);
}

static void name_thread(struct events *ev, const struct thread *t)
{
	name_thread_to(ev, t, NULL);
}

static int handle_exit(struct events *ev, const struct vz_rec_exit *r)
{
	struct thread *t = find_thread(ev, r->hdr.tid);

	if (!t || t->exited)
		return 0;
	settle_step(ev, t);
	if (r->hdr.lost_calls || r->hdr.lost_returns)
		mark_gap(ev, t, &r->hdr, program_ns(ev, r->hdr.pid, r->hdr.ts_ns));
	/* Frames still open when the thread ends (os._exit, a fatal signal) end with it. */
	pop_inferred(ev, t, 0, program_ns(ev, r->hdr.pid, r->hdr.ts_ns));
	memcpy(t->comm, r->comm, sizeof(t->comm));
	t->comm[sizeof(t->comm) - 1] = '\0';
	t->exited = true;
	name_thread(ev, t);
	return 0;
}

/* --kernel: a system call or an off-CPU stretch of a traced thread. */
static int handle_kernel(struct events *ev, const struct vz_rec_hdr *h, size_t size)
{
	struct thread *t = get_thread(ev, h->tid, h->pid);
	struct trace_writer *w = writer(ev, h->pid);
	uint64_t end = program_ns(ev, h->pid, h->ts_ns), start;

	if (!t)
		return -ENOMEM;
	if (!w)
		return 0;
	if (h->type == VZ_REC_SWITCH && size >= sizeof(struct vz_rec_switch)) {
		kcpu_switch(&ev->kcpu, w, (const void *)h, end);
		return 0;
	}
	if (h->type == VZ_REC_WAKING && size >= sizeof(struct vz_rec_waking)) {
		kcpu_waking(&ev->kcpu, w, (const void *)h, end);
		return 0;
	}
	if (h->type == VZ_REC_MEM && size >= sizeof(struct vz_rec_mem)) {
		if (!ev->kmem)
			ev->kmem = kmem_new();
		kmem_sample(ev->kmem, w, (const void *)h, &t->min_flt, &t->maj_flt, end);
		return 0;
	}
	if (h->type == VZ_REC_SYSCALL) {
		const struct vz_rec_syscall *r = (const void *)h;
		const char *path = NULL;

		if (size < sizeof(*r))
			return 0;
		if (r->path_len && size >= sizeof(struct vz_rec_syscall_path))
			path = ((const struct vz_rec_syscall_path *)r)->path;
		start = program_ns(ev, h->pid, r->start_ns);
		kslices_syscall(w, &ev->kst, r, path, start, end);
	} else {
		const struct vz_rec_offcpu *r = (const void *)h;
		struct trace_writer *ww = NULL;
		uint64_t wake = 0, wake_at = 0;

		if (size < sizeof(*r))
			return 0;
		if (r->wake_ns)
			wake = program_ns(ev, h->pid, r->wake_ns);
		if ((r->oflags & VZ_OFF_WAKER_TRACED) && r->waker_pid && r->wake_ns) {
			ww = writer(ev, r->waker_pid);
			wake_at = program_ns(ev, r->waker_pid, r->wake_ns);
		}
		start = program_ns(ev, h->pid, r->off_ns);
		kslices_offcpu(w, &ev->kst, r, start, wake, end, ww, wake_at);
	}
	if (end > t->kernel_end) {
		t->kernel_end = end;
		t->kernel_start = start;
	}
	return 0;
}

/* -vvv: one line per record, to debug the stack reconciliation. */
static void dump_record(struct events *ev, const struct vz_rec_hdr *h)
{
	const struct vz_rec_call *c = (const void *)h;
	const struct vz_rec_return *r = (const void *)h;
	struct thread *t = find_thread(ev, h->tid);
	uint32_t *slot;

	switch (h->type) {
	case VZ_REC_CALL:
		slot = code_slot(ev, h->pid, c->code);
		fprintf(stderr, "CALL tid=%u depth=%u frame=%llx caller=%llx flags=%x %s\n", h->tid,
			t ? t->depth : 0, (unsigned long long)c->frame, (unsigned long long)c->caller,
			h->flags, *slot ? ev->codes[*slot - 1].name_json : "?");
		break;
	case VZ_REC_RETURN:
		fprintf(stderr, "RET  tid=%u depth=%u caller=%llx top=%llx/%llx\n", h->tid,
			t ? t->depth : 0, (unsigned long long)r->caller,
			t && t->depth ? (unsigned long long)t->stack[t->depth - 1].frame : 0ULL,
			t && t->depth ? (unsigned long long)t->stack[t->depth - 1].caller : 0ULL);
		break;
	default:
		fprintf(stderr, "REC type=%u tid=%u\n", h->type, h->tid);
	}
}

int events_handle(void *ctx, const void *data, size_t size)
{
	struct events *ev = ctx;
	const struct vz_rec_hdr *h = data;

	if (size < sizeof(*h))
		return 0;
	if (vz_verbose >= 3)
		dump_record(ev, data);
	if (ev->finished && h->type != VZ_REC_THREAD)
		return 0;
	switch (h->type) {
	case VZ_REC_CALL:
		return size >= sizeof(struct vz_rec_call) ? handle_call(ev, data) : 0;
	case VZ_REC_RETURN:
		return size >= sizeof(struct vz_rec_return) ? handle_return(ev, data) : 0;
	case VZ_REC_CODE:
		return size >= sizeof(struct vz_rec_code) ? handle_code(ev, data) : 0;
	case VZ_REC_EXIT:
		return size >= sizeof(struct vz_rec_exit) ? handle_exit(ev, data) : 0;
	case VZ_REC_BATCH:
		return handle_batch(ev, data, size);
	case VZ_REC_ARGS:
		return size >= sizeof(struct vz_rec_args) ? handle_args(ev, data, size) : 0;
	case VZ_REC_RETVAL:
		return size >= sizeof(struct vz_rec_retval) ? handle_retval(ev, data) : 0;
	case VZ_REC_TASK:
		return size >= sizeof(struct vz_rec_task) ? handle_task(ev, data) : 0;
	case VZ_REC_THREAD_NAME:
		return size >= sizeof(struct vz_rec_thread_name) ? handle_thread_name(ev, data) : 0;
	case VZ_REC_SYSCALL:
	case VZ_REC_OFFCPU:
	case VZ_REC_SWITCH:
	case VZ_REC_WAKING:
	case VZ_REC_MEM:
		return handle_kernel(ev, h, size);
	case VZ_REC_GC:
		if (size >= sizeof(struct vz_rec_gc)) {
			const struct vz_rec_gc *g = data;

			gc_slice_write(writer(ev, h->pid), g, program_ns(ev, h->pid, g->start_ns),
				       program_ns(ev, h->pid, h->ts_ns));
			ev->st.gc_collections++;
		}
		return 0;
	case VZ_REC_EXCEPTION:
		if (size >= offsetof(struct vz_rec_exception, lines)) {
			const struct vz_rec_exception *x = data;
			uint32_t *slot = code_slot(ev, h->pid, x->code);
			const struct code_info *c = *slot ? &ev->codes[*slot - 1] : NULL;

			exc_instant_write(writer(ev, h->pid), x, size,
					  program_ns(ev, h->pid, h->ts_ns), c ? c->name_json : NULL,
					  c ? c->name_len : 0);
			ev->st.exceptions++;
		}
		return 0;
	case VZ_REC_CUSTOM:
		customev_handle(ev->custom, writer(ev, h->pid), data, size,
				program_ns(ev, h->pid, h->ts_ns));
		ev->st.custom_events++;
		return 0;
	case VZ_REC_PRINT:
		print_instant_write(writer(ev, h->pid), data, size, program_ns(ev, h->pid, h->ts_ns));
		ev->st.prints++;
		return 0;
	case VZ_REC_AUDIT:
		ev->st.audit_events += auditev_handle(ev->audit, writer(ev, h->pid), data, size,
						      program_ns(ev, h->pid, h->ts_ns));
		return 0;
	case VZ_REC_THREAD:
		if (size >= sizeof(struct vz_rec_thread) && ev->on_thread)
			ev->on_thread(ev->on_thread_ctx, data);
		return 0;
	default:
		ev->st.unknown_records++;
		return 0;
	}
}

/* A hold is over (holds.h): its marker. */
static void hold_marker(void *ctx, const struct hold_done *d)
{
	struct events *ev = ctx;
	struct trace_writer *w;
	char args[64];

	if (vz_verbose >= 2)
		fprintf(stderr, "vizbpf: pid %u: %s: %.3f ms, cut out of its time\n", d->pid, d->why,
			d->held_ns / 1e6);
	w = ev->finished ? NULL : writer(ev, d->pid);
	if (!w)
		return;
	/* An instant, not a slice: the time is cut out, a slice would overlap the program's. */
	snprintf(args, sizeof(args), "{\"held_ms\":%.3f}", d->held_ns / 1e6);
	trace_writer_instant_cat(w, "vizbpf", d->why, d->at_ns, d->pid, d->tid, 't', args);
	ev->st.holds++;
}

struct events *events_new(struct trace_writer *w, const struct events_filter *filter)
{
	struct events *ev = calloc(1, sizeof(*ev));
	int64_t unknown;

	if (!ev)
		return NULL;
	ev->w = w;
	ev->filter = *filter;
	ev->holds = holds_new(hold_marker, ev);
	ev->custom = customev_new();
	{
		char err[256];

		/* env.c compiled them already: a failure here is memory */
		ev->audit = auditev_new(filter->audit_regex, filter->n_audit_regex, err,
					sizeof(err));
	}
	if (filter->log_async && !(ev->tasks = asynctasks_new()))
		goto fail;
	if (!ev->holds || index_init(&ev->code_index, 4096) || index_init(&ev->thread_index, 256))
		goto fail;
	unknown = add_code(ev, 0, 0, 0, "<unknown>", "?", 0);
	if (unknown < 0)
		goto fail;
	ev->unknown_code = (uint32_t)unknown;
	return ev;
fail:
	events_free(ev);
	return NULL;
}

void events_set_writers(struct events *ev, struct trace_writer *(*writer_for)(void *ctx, uint32_t pid),
			void *ctx)
{
	ev->writer_for = writer_for;
	ev->writer_ctx = ctx;
}

void events_on_thread(struct events *ev, events_thread_fn fn, void *ctx)
{
	ev->on_thread = fn;
	ev->on_thread_ctx = ctx;
}

void events_on_batch(struct events *ev, events_batch_fn fn, void *ctx)
{
	ev->on_batch = fn;
	ev->on_batch_ctx = ctx;
}

void events_on_thread_start(struct events *ev, events_thread_start_fn fn, void *ctx)
{
	ev->on_thread_start = fn;
	ev->on_thread_start_ctx = ctx;
}

void events_stop(struct events *ev)
{
	ev->finished = true;
}

void events_finish(struct events *ev, uint64_t end_ns)
{
	holds_settle_all(ev->holds); /* their markers, while the writers take them */
	ev->finished = true;
	for (uint32_t i = 0; i < ev->n_threads; i++) {
		struct thread *t = &ev->threads[i];
		uint64_t end = end_ns ? program_ns(ev, t->pid, end_ns) : 0;

		if (t->exited)
			continue;
		if (end > t->last_ns) {
			/* Still running when tracing stopped: they end there, not inferred. */
			while (t->depth)
				emit(ev, t, --t->depth, end);
		}
		pop_inferred(ev, t, 0, t->last_ns);
		t->exited = true;
		name_thread(ev, t);
	}
}

void events_write_open(struct events *ev, uint64_t now_ns, uint32_t pid, struct trace_writer *w)
{
	for (uint32_t i = 0; i < ev->n_threads; i++) {
		const struct thread *t = &ev->threads[i];
		uint64_t end;

		if (t->exited || (pid && t->pid != pid))
			continue;
		end = program_ns(ev, t->pid, now_ns);
		if (end < t->last_ns)
			end = t->last_ns; /* a record taken after now: nesting first */
		/* Deepest first, as they would close; each ends 1 ns after its callee, so that
		 * callers strictly contain what they called. */
		for (uint32_t d = t->depth; d-- > 0;)
			emit_to(ev, t, d, end + (t->depth - 1 - d), w);
		name_thread_to(ev, t, w);
	}
}

int events_hold_begin(struct events *ev, uint32_t pid, uint32_t tid, uint64_t start_ns,
		      const char *why)
{
	return holds_begin(ev->holds, pid, tid, start_ns, why);
}

void events_hold_end(struct events *ev, uint32_t pid, uint64_t end_ns)
{
	holds_end(ev->holds, pid, end_ns);
}

void events_hold(struct events *ev, uint32_t pid, uint32_t tid, uint64_t start_ns,
		 uint64_t end_ns, const char *why)
{
	if (!events_hold_begin(ev, pid, tid, start_ns, why))
		events_hold_end(ev, pid, end_ns);
}

void events_hold_inherit(struct events *ev, uint32_t parent, uint32_t child, uint64_t ts_ns)
{
	holds_inherit(ev->holds, parent, child, ts_ns);
}

void events_get_stats(const struct events *ev, struct events_stats *s)
{
	*s = ev->st;
	s->kernel_syscalls = ev->kst.syscalls;
	s->kernel_offcpu = ev->kst.offcpu;
	s->kernel_flows = ev->kst.flows;
	s->kernel_cpu_lines = ev->kcpu.lines;
	s->kernel_counters = kmem_counters(ev->kmem);
	s->async_tasks = asynctasks_count(ev->tasks);
}

void events_free(struct events *ev)
{
	if (!ev)
		return;
	for (uint32_t i = 0; i < ev->n_codes; i++) {
		free(ev->codes[i].name_json);
		free(ev->codes[i].arg_names);
		free(ev->codes[i].qualname);
	}
	for (uint32_t i = 0; i < ev->n_threads; i++) {
		for (uint32_t d = 0; d < ev->threads[i].args_cap; d++) {
			free(ev->threads[i].args[d]);
			free(ev->threads[i].rets[d]);
		}
		free(ev->threads[i].args);
		free(ev->threads[i].rets);
		free(ev->threads[i].stack);
	}
	free(ev->codes);
	free(ev->threads);
	free(ev->code_index.slots);
	free(ev->thread_index.slots);
	holds_free(ev->holds);
	kmem_free(ev->kmem);
	customev_free(ev->custom);
	auditev_free(ev->audit);
	asynctasks_free(ev->tasks);
	free(ev);
}
