/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where the trace goes: one file, or with --pid_suffix one file per process
 * (VizTracer's option: FILE.json -> FILE_<pid>.json), each a complete trace.
 */
#ifndef VZ_OUTPUTS_H
#define VZ_OUTPUTS_H

#include <stdbool.h>
#include <stdint.h>
#include "export/trace_writer.h"

struct outputs;

/* Opens path now (unless per_pid: then its folder must be writable). NULL + errno on failure. */
struct outputs *outputs_open(const char *path, bool per_pid);
/* The writer of pid's events (the one file, or FILE_<pid>.EXT opened on first use); NULL when
 * it cannot be opened (counted, reported by outputs_close). */
struct trace_writer *outputs_for(struct outputs *o, uint32_t pid);
/* Writes meta(w, ctx) into each file, then closes them: each appears under its name only if
 * written whole; a failed one is reported with what is left under its name (o stays for
 * outputs_describe; free() it after). Returns 0 or the first -errno. */
int outputs_close(struct outputs *o, void (*meta)(struct trace_writer *w, void *ctx), void *ctx);
/* Drops everything written, publishing nothing: files already under the output names stay as
 * they were, and a one-line message says so (vizbpf failed before tracing). Frees o. */
void outputs_discard(struct outputs *o);
/* --tracer_entries N: every file (now and to come) keeps only the last N slices of each process
 * in memory, written at close (export/slice_ring.h). 0 or -ENOMEM. */
int outputs_keep_last(struct outputs *o, uint32_t n);
/*
 * A snapshot of what the files keep, without stopping: FILE_<k>.EXT for each file (FILE.EXT),
 * with what it keeps, then fill(w, pid, ctx) (pid: the file's process with --pid_suffix, else 0)
 * for what else belongs in it. Says on stderr what was written. 0 or the first -errno.
 */
int outputs_snapshot(struct outputs *o, unsigned int k,
		     void (*fill)(struct trace_writer *w, uint32_t pid, void *ctx), void *ctx);
/* The files written, for the closing message: "result.json", or "result_<pid>.json (3 files)". */
const char *outputs_describe(struct outputs *o);

#endif
