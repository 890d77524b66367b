/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_sparse: share/vizbpf_events.py's log_sparse wraps each decorated function in a marker
 * whose code object is named after the depth asked for (_vizbpf_sparse_N, _vizbpf_sparse_all),
 * so the code description BPF already sends says it: nothing is read per call. A call is kept
 * when it lies within the levels of a marker's window (the decorated call is level 1); the
 * markers themselves are never drawn.
 */
#ifndef VZ_SPARSE_H
#define VZ_SPARSE_H

#include <stdint.h>

#define SPARSE_ALL UINT32_MAX /* the whole subtree */

/* The levels a marker keeps (1: the decorated call alone; SPARSE_ALL), 0: not a marker. name is
 * the code's co_qualname (3.11+) or co_name, file its co_filename. */
uint32_t sparse_marker_levels(const char *name, const char *file);

/* The levels left for a frame called by one with parent_keep left: a marker hands its window
 * on whole (it is not drawn), any other call one level less. */
static inline uint32_t sparse_child_keep(uint32_t parent_keep, int parent_is_marker)
{
	if (parent_is_marker || parent_keep == SPARSE_ALL)
		return parent_keep;
	return parent_keep ? parent_keep - 1 : 0;
}

#endif
