// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "symbols/elf.h"
#include "symbols/funcversion.h"
#include "symbols/pyinterp.h"
#include "user/base/log.h"
#include "user/base/procmem.h"
#include "specgap.h"

/* 3.11: BINARY_SUBSCR caches a function version only if it fits 16 bits. */
#define FUNC_VERSION_PAST_CACHE 0x10000u
/* Bounds on what a sane process holds: beyond them, something is being misread. */
#define MAX_TYPES (1u << 20)
#define MAX_DICT_ENTRIES (1 << 20)
#define ENTRIES_PER_READ 256
/* Enough for tp_flags..tp_version_tag of every version with a table. */
#define TYPE_HEAD 256

static const char GETITEM[] = "__getitem__";

int specgap_init(struct specgap *g, const struct py_interp *pi)
{
	struct elf_file *elf;
	char err[600] = "";
	int ret = 0;

	*g = (struct specgap){ 0 };
	if (py_type_layout__get(pi->major, pi->minor, &g->tl))
		return 0; /* no gap in this version */
	elf = elf_file__open(pi->lib);
	if (!elf) {
		elog("warning: %s: %s: calls that specialized instructions run inline may be "
		     "missing from the trace", pi->lib, strerror(errno));
		return -errno;
	}
	g->evalframe_vaddr = pi->evalframe_vaddr;
	if (elf_file__sym(elf, "PyBaseObject_Type", &g->object_type, NULL) ||
	    elf_file__sym(elf, "PyFunction_Type", &g->function_type, NULL) ||
	    elf_file__sym(elf, "_Py_NoneStruct", &g->none, NULL)) {
		snprintf(err, sizeof(err), "%.400s: no PyBaseObject_Type, PyFunction_Type or "
			 "_Py_NoneStruct", pi->lib);
		ret = -ENOENT;
	} else if (pi->minor == 11) {
		ret = funcversion_find_counter(elf, &g->func_counter, err, sizeof(err));
	}
	elf_file__close(elf);
	if (ret) {
		elog("warning: %s; %s", err,
		     pi->minor == 11 ? "obj[key] calls of a Python __getitem__ may be missing "
				       "from the trace after the first few at a place" :
				       "__init__ calls specialized before attach may be missing");
		return ret;
	}
	g->active = true;
	return 0;
}

/* A set of addresses (open addressing), to visit each type once. */
struct addr_set {
	uint64_t *v;
	size_t cap, n;
};

static int set_add(struct addr_set *s, uint64_t a)
{
	size_t i;

	if (2 * (s->n + 1) > s->cap) {
		struct addr_set grown = { calloc(s->cap ? 2 * s->cap : 1024, sizeof(uint64_t)),
					  s->cap ? 2 * s->cap : 1024, 0 };

		if (!grown.v)
			return -ENOMEM;
		for (size_t j = 0; j < s->cap; j++)
			if (s->v[j])
				set_add(&grown, s->v[j]);
		free(s->v);
		*s = grown;
	}
	for (i = (a >> 4) * 0x9e3779b97f4a7c15ull >> 20 & (s->cap - 1); s->v[i];
	     i = (i + 1) & (s->cap - 1))
		if (s->v[i] == a)
			return 0;
	s->v[i] = a;
	s->n++;
	return 1;
}

struct walk {
	struct specgap *g;
	uint32_t pid;
	uint64_t interp;
	void *restoring; /* non-NULL: put 3.11 versions back */
	uint64_t getitem_key; /* the "__getitem__" string once seen */
	struct addr_set seen;
	uint64_t *stack;
	size_t n, cap;
	int err;
};

/* n (at most ENTRIES_PER_READ) live entries of a dict */
typedef void (*entries_fn)(struct walk *w, const uint64_t *keys, const uint64_t *values, int n,
			   void *ctx);

/* Calls fn with the live entries of a combined dict (a subclass registry or a class
 * namespace; never split), a batch at a time. Returns 0 or -errno. */
static int dict_each(struct walk *w, uint64_t dict, entries_fn fn, void *ctx)
{
	const struct py_type_layout *t = &w->g->tl;
	uint64_t keys = procmem_ptr(w->pid, dict + t->dict_keys), entries, buf[3 * ENTRIES_PER_READ];
	uint64_t keys_of[ENTRIES_PER_READ], values_of[ENTRIES_PER_READ];
	uint8_t hdr[64];
	int64_t nentries;
	int kind, size, words;

	if (!keys || procmem_ptr(w->pid, dict + t->dict_values) ||
	    procmem_read(w->pid, keys, hdr, t->keys_indices))
		return -EINVAL;
	memcpy(&nentries, hdr + t->keys_nentries, sizeof(nentries));
	kind = hdr[t->keys_kind];
	if (hdr[t->keys_log2_index_bytes] > 32 || nentries < 0 || nentries > MAX_DICT_ENTRIES)
		return -EINVAL;
	/* DICT_KEYS_GENERAL (0): {hash, key, value}; unicode kinds: {key, value}. */
	size = kind == 0 ? t->dict_entry_size : t->dict_unicode_entry_size;
	words = size / 8;
	entries = keys + t->keys_indices + (1ull << hdr[t->keys_log2_index_bytes]);
	for (int64_t i = 0; i < nentries; i += ENTRIES_PER_READ) {
		int n = nentries - i < ENTRIES_PER_READ ? (int)(nentries - i) : ENTRIES_PER_READ;

		if (procmem_read(w->pid, entries + i * size, buf, (size_t)n * size))
			return -EFAULT;
		int live = 0;

		for (int j = 0; j < n; j++) {
			uint64_t *e = buf + j * words;

			if (!e[words - 1]) /* NULL value: a deleted entry */
				continue;
			keys_of[live] = e[words - 2];
			values_of[live++] = e[words - 1];
		}
		fn(w, keys_of, values_of, live, ctx);
	}
	return 0;
}

static void push(struct walk *w, uint64_t type)
{
	if (!type || type == w->g->none + w->g->bias || w->err)
		return; /* a dead weak reference points to None */
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 256;
		uint64_t *v = realloc(w->stack, cap * sizeof(*v));

		if (!v) {
			w->err = -ENOMEM;
			return;
		}
		w->stack = v;
		w->cap = cap;
	}
	w->stack[w->n++] = type;
}

/* Registry entries: weak references to the subclasses. */
static void push_subclasses(struct walk *w, const uint64_t *keys, const uint64_t *refs, int n,
			    void *ctx)
{
	uint64_t at[ENTRIES_PER_READ] = { 0 }, types[ENTRIES_PER_READ];
	bool all;

	(void)keys, (void)ctx;
	for (int i = 0; i < n; i++)
		at[i] = refs[i] + w->g->tl.weakref_object;
	all = !procmem_read_each(w->pid, at, n, types, sizeof(types[0]));
	for (int i = 0; i < n; i++)
		push(w, all ? types[i] : procmem_ptr(w->pid, at[i]));
}

/* Where type's subclass registry is: in the type, or for a static type (3.12+) in the
 * interpreter's state for it (CPython's managed_static_type_state lookup). */
static uint64_t subclasses_of(struct walk *w, uint64_t type, uint64_t flags, uint64_t field)
{
	const struct py_type_layout *t = &w->g->tl;
	uint64_t idx, state;

	if (t->interp_static_states < 0 || !(flags & PY_TPFLAGS_STATIC_BUILTIN))
		return field;
	idx = field - 1;
	if (idx >= (uint64_t)t->n_static_states)
		return 0;
	state = w->interp + t->interp_static_states + idx * t->static_state_size;
	if (procmem_ptr(w->pid, state + t->static_state_type) != type) {
		if (idx >= (uint64_t)t->n_ext_states)
			return 0;
		state = w->interp + t->interp_ext_states + idx * t->static_state_size;
		if (procmem_ptr(w->pid, state + t->static_state_type) != type)
			return 0;
	}
	return procmem_ptr(w->pid, state + t->static_state_subclasses);
}

/* 3.13: what type_modified() does to a type (Objects/typeobject.c, 3.13.0
 * type_modified_unlocked): version tag 0, and for a heap type the cached __getitem__
 * dropped. Type watchers are not called: nothing in the type changed. */
static void untag(struct walk *w, uint64_t type)
{
	const struct py_type_layout *t = &w->g->tl;
	uint32_t zero = 0;
	uint64_t null = 0;

	if (procmem_write(w->pid, type + t->tp_version_tag, &zero, sizeof(zero)) ||
	    procmem_write(w->pid, type + t->heap_spec_getitem, &null, sizeof(null)))
		w->g->errors++;
	else
		w->g->types_untagged++;
}

/* A "__getitem__" str: compact ASCII (state bits 5 and 6), like every identifier. The
 * window read for a key: from its length to the end of those characters. */
#define KEY_WINDOW 64

static bool window_is_getitem(const struct specgap *o, const uint8_t *win)
{
	size_t n = strlen(GETITEM), from = o->unicode_length;
	uint32_t state;
	int64_t len;

	memcpy(&len, win, sizeof(len));
	memcpy(&state, win + o->unicode_state - from, sizeof(state));
	return (state & 0x60) == 0x60 && len == (int64_t)n &&
	       !memcmp(win + o->unicode_ascii_data - from, GETITEM, n);
}

/* Which keys are "__getitem__" (at most one per dict), reading every other key once
 * and all of them in one system call. Returns its index, or -1. */
static int find_getitem(struct walk *w, const uint64_t *keys, int n)
{
	const struct specgap *o = w->g;
	uint8_t win[ENTRIES_PER_READ][KEY_WINDOW];
	uint64_t at[ENTRIES_PER_READ] = { 0 };
	size_t len = o->unicode_ascii_data + strlen(GETITEM) - o->unicode_length;

	/* Class namespaces mostly share the interned string: no need to read it again. */
	for (int i = 0; i < n; i++)
		if (keys[i] == w->getitem_key)
			return i;
	if (len > KEY_WINDOW || o->unicode_state < o->unicode_length)
		return -1;
	for (int i = 0; i < n; i++)
		at[i] = keys[i] + o->unicode_length;
	/* Packed: key i's window at i * len. */
	if (procmem_read_each(w->pid, at, n, win, len)) {
		/* One not readable: each on its own. */
		for (int i = 0; i < n; i++)
			if (!procmem_read(w->pid, at[i], win[0], len) && window_is_getitem(o, win[0]))
				return w->getitem_key = keys[i], i;
		return -1;
	}
	for (int i = 0; i < n; i++)
		if (window_is_getitem(o, (const uint8_t *)win + i * len))
			return w->getitem_key = keys[i], i;
	return -1;
}

/*
 * 3.11: a class's own Python __getitem__ whose version BINARY_SUBSCR could have cached
 * gets the next one past 16 bits (restoring: its old one back).
 */
static void move_getitem(struct walk *w, const uint64_t *keys, const uint64_t *values, int n,
			 void *ctx)
{
	const struct py_type_layout *t = &w->g->tl;
	struct specgap *g = w->g;
	uint32_t version = 0, now;
	bool restoring = ctx != NULL;
	int i = find_getitem(w, keys, n);
	uint64_t value = i >= 0 ? values[i] : 0;

	if (!value || procmem_ptr(w->pid, value + 8) != g->function_type + g->bias ||
	    procmem_read(w->pid, value + t->func_version, &version, sizeof(version)))
		return;
	if (restoring) {
		/* Ours, unchanged since (a change sets 0): the old one is right again. */
		if (version < g->base || version - g->base >= g->n_moved)
			return;
		now = g->was[version - g->base];
	} else {
		if (!version || version > 0xffff)
			return; /* not cacheable by BINARY_SUBSCR */
		/* Out of room to remember it, or CPython out of versions: 0, "not versioned
		 * yet", is always safe (BINARY_SUBSCR re-specializing then takes a version). */
		now = 0;
		if (g->base && g->n_moved < SPECGAP_MAX_MOVED) {
			g->was[g->n_moved] = version;
			now = g->base + g->n_moved++;
		}
	}
	if (procmem_write(w->pid, value + t->func_version, &now, sizeof(now)))
		g->errors++;
	else
		g->functions_moved++;
}

static void visit(struct walk *w, uint64_t type)
{
	const struct py_type_layout *t = &w->g->tl;
	uint8_t head[TYPE_HEAD];
	uint64_t flags, dict, subclasses;
	uint32_t tag;

	/* The fields wanted lie between tp_flags and tp_version_tag: one read. */
	if (t->tp_version_tag + 4 - t->tp_flags > TYPE_HEAD ||
	    procmem_read(w->pid, type + t->tp_flags, head, t->tp_version_tag + 4 - t->tp_flags))
		return;
	memcpy(&flags, head, sizeof(flags));
	memcpy(&dict, head + t->tp_dict - t->tp_flags, sizeof(dict));
	memcpy(&subclasses, head + t->tp_subclasses - t->tp_flags, sizeof(subclasses));
	memcpy(&tag, head + t->tp_version_tag - t->tp_flags, sizeof(tag));
	w->g->types_seen++;
	if (w->g->func_counter) { /* 3.11: BINARY_SUBSCR_GETITEM's gap */
		if ((flags & PY_TPFLAGS_HEAPTYPE) && dict)
			dict_each(w, dict, move_getitem, w->restoring);
	} else if ((flags & PY_TPFLAGS_HEAPTYPE) && tag) { /* 3.13: CALL_ALLOC_AND_ENTER_INIT's */
		untag(w, type);
	}
	dict = subclasses_of(w, type, flags, subclasses);
	if (dict)
		dict_each(w, dict, push_subclasses, NULL);
}

/* Every type reachable from `object` through the subclass registries: all of them. */
static int walk_types(struct walk *w)
{
	int added;

	w->stack = malloc(sizeof(*w->stack));
	if (!w->stack)
		return -ENOMEM;
	w->cap = 1;
	w->stack[w->n++] = w->g->object_type + w->g->bias;
	while (w->n && !w->err) {
		uint64_t type = w->stack[--w->n];

		added = set_add(&w->seen, type);
		if (added < 0)
			w->err = added;
		else if (added && w->seen.n <= MAX_TYPES)
			visit(w, type);
	}
	free(w->stack);
	free(w->seen.v);
	return w->err;
}

/* 3.11: where the __getitem__s' new versions start: past 16 bits, or past what CPython
 * has given out already. 0: CPython is out of versions (nothing to hand out). */
static int take_counter(struct specgap *g, uint32_t pid)
{
	uint32_t now = 0;
	int err;

	if (g->counter_moved)
		return 0;
	err = procmem_read(pid, g->func_counter + g->bias, &now, sizeof(now));
	if (err)
		return err;
	g->counter_was = now;
	g->base = !now ? 0 : now < FUNC_VERSION_PAST_CACHE ? FUNC_VERSION_PAST_CACHE : now;
	g->counter_moved = now != 0;
	return 0;
}

/* ...and the counter moved past the versions handed out. */
static int give_counter(struct specgap *g, uint32_t pid)
{
	uint32_t next = g->base + g->n_moved;

	if (!g->counter_moved || next == g->counter_was)
		return 0;
	return procmem_write(pid, g->func_counter + g->bias, &next, sizeof(next));
}

int specgap_close(struct specgap *g, uint32_t pid, uint64_t interp, uint64_t bias,
		  const struct vz_py_offsets *off)
{
	struct walk w = { .g = g, .pid = pid, .interp = interp };
	uint64_t start = monotonic_ns();
	int err = 0;

	if (!g->active)
		return 0;
	g->bias = bias;
	g->unicode_state = off->unicode_state;
	g->unicode_length = off->unicode_length;
	g->unicode_ascii_data = off->unicode_ascii_data;
	if (g->func_counter)
		err = take_counter(g, pid);
	if (!err)
		err = walk_types(&w);
	if (g->func_counter)
		err = give_counter(g, pid) ?: err;
	vlog("pid %u: %llu types seen, %llu untagged, %llu __getitem__ versions moved in %.1f ms%s",
	     pid, (unsigned long long)g->types_seen, (unsigned long long)g->types_untagged,
	     (unsigned long long)g->functions_moved, (monotonic_ns() - start) / 1e6,
	     err ? " (stopped by an error)" : "");
	if (err)
		g->errors++;
	return err;
}

int specgap_restore(struct specgap *g, uint32_t pid)
{
	struct walk w = { .g = g, .pid = pid, .restoring = g };
	uint32_t now = 0;
	int err;

	if (!g->counter_moved)
		return 0;
	g->counter_moved = false;
	err = procmem_read(pid, g->func_counter + g->bias, &now, sizeof(now));
	if (err)
		return err;
	/* A version handed out meanwhile may sit in a cache: going back would give it out
	 * again to another function, which that cache would take for the first. Left where
	 * they are, only BINARY_SUBSCR's specialization of a __getitem__ stays off. */
	if (now != g->base + g->n_moved) {
		vlog("pid %u: %u function versions given out while traced: __getitem__ versions "
		     "and the counter stay past 16 bits", pid, now - (g->base + g->n_moved));
		return 0;
	}
	err = g->n_moved ? walk_types(&w) : 0;
	if (!err && now != g->counter_was)
		err = procmem_write(pid, g->func_counter + g->bias, &g->counter_was,
				    sizeof(g->counter_was));
	return err;
}
