/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --tracer_entries N (VizTracer's circular buffer): the last N slices of each process, and the
 * last N instants, kept in memory instead of written as they come, plus the process and thread
 * names. Memory is bounded by N per process (plus one copy of each distinct name). The slices
 * are kept in the order they closed: a slice closes before its caller, so if a slice is kept its
 * caller is kept too or is still open (a snapshot ends open calls at its own time), and strict
 * nesting holds in whatever is written.
 */
#ifndef VZ_EXPORT_SLICE_RING_H
#define VZ_EXPORT_SLICE_RING_H

#include <stddef.h>
#include <stdint.h>

struct slice_ring;
struct trace_writer;

struct slice_ring *slice_ring_new(uint32_t n_per_pid);
void slice_ring_free(struct slice_ring *r);

/* What trace_writer's calls of the same names would write (name_json already quoted). */
void slice_ring_complete(struct slice_ring *r, const char *name_json, size_t name_json_len,
			 uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid,
			 const char *args_json);
void slice_ring_instant(struct slice_ring *r, const char *cat, const char *name, uint64_t ts_ns,
			uint32_t pid, uint32_t tid, char scope, const char *args_json);
void slice_ring_process_name(struct slice_ring *r, uint32_t pid, const char *name);
void slice_ring_thread_name(struct slice_ring *r, uint32_t pid, uint32_t tid, const char *name);

/* Writes everything kept into w, oldest first (w must not divert into r itself). */
void slice_ring_replay(const struct slice_ring *r, struct trace_writer *w);

/* Slices that were pushed out by newer ones (all processes). */
uint64_t slice_ring_dropped(const struct slice_ring *r);
uint32_t slice_ring_capacity(const struct slice_ring *r);

#endif
