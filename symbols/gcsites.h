/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where an interpreter's cyclic garbage collector can be probed (--log_gc), and where it keeps
 * its per-generation statistics, which give a collection's generation and counts.
 */
#ifndef VZ_SYMBOLS_GCSITES_H
#define VZ_SYMBOLS_GCSITES_H

#include <stdint.h>

#define GC_SITES_MAX_FUNCS 4
#define GC_GENERATIONS 3 /* NUM_GENERATIONS, 3.8-3.13 */

struct gc_sites {
	/* USDT python:gc__start / gc__done (dtrace builds, e.g. Debian's): file offsets of the
	 * probe sites and of their semaphores (0: none). Used when both sites are found. */
	uint64_t usdt_start, usdt_done;
	uint64_t sem_start, sem_done;
	/* Otherwise the collector itself, entry and return: file offsets of its copies (the
	 * function and its compiler clones, e.g. 3.8's collect.constprop.0 and .1). */
	uint64_t funcs[GC_SITES_MAX_FUNCS];
	int n_funcs;
	const char *func_name; /* "collect" (3.8, 3.9) or "gc_collect_main" (3.10+) */
	/*
	 * generation_stats[3] (3 x {collections, collected, uncollectable}, Py_ssize_t): at
	 * _PyRuntime + stats_off (3.8: _PyRuntime.gc), or, with interp_main_off >= 0, at
	 * *(_PyRuntime + interp_main_off) + stats_off (interpreters.main->gc, 3.9+).
	 */
	int32_t interp_main_off;
	int32_t stats_off;
};

/*
 * Fills *out for the interpreter file lib of CPython 3.minor. Returns 0; -ENOENT when neither
 * USDT sites nor the collector's symbol are found (a stripped build without USDT), -EOPNOTSUPP
 * for a version without a layout here, other -errno when the file cannot be read.
 */
int gc_sites_find(const char *lib, int minor, struct gc_sites *out);

/* A collection from the statistics before and after it (each 3 x 3 values). */
struct gc_done {
	int generation;          /* the generation collected, -1 when no counter moved */
	int64_t collected;       /* generation_stats[g].collected after - before */
	int64_t uncollectable;
};
void gc_diff(const uint64_t before[GC_GENERATIONS * 3], const uint64_t after[GC_GENERATIONS * 3],
	     struct gc_done *out);

#endif
