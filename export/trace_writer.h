/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Streaming Chrome Trace Event JSON writer, VizTracer-compatible:
 *
 *   {"traceEvents":[
 *   {"ph":"X","cat":"FEE","name":"f (a.py:1)","ts":1.000,"dur":2.500,"pid":1,"tid":1},
 *   ...one event per line...
 *   ],"displayTimeUnit":"ns","viztracer_metadata":{"version":"0.1.0",...}}
 *
 * Events go to disk as they come (flat memory, nothing dropped). Not thread-safe: one writer
 * per thread, or the caller locks. Events are written in call order, not sorted by ts; all the
 * viewers sort. Times are taken in ns and written in us with 3 decimals.
 */
#ifndef VZ_EXPORT_TRACE_WRITER_H
#define VZ_EXPORT_TRACE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trace_writer;
struct vz_sink;

/*
 * Opens PATH for a Chrome trace. A path ending in ".gz" is gzip-compressed (zlib, level 1).
 * A path ending in ".html" is the single-file HTML report (html_report_sink_open; ENOTSUP
 * when the viewer files are not installed).
 * The bytes go to a temporary next to PATH, renamed over PATH at close only if every write
 * succeeded (outfile.h), close-on-exec. Writes and compression run on a writer
 * thread with all signals blocked; create it after any fork() whose child must not have it.
 * Returns NULL with errno set on failure.
 */
struct trace_writer *trace_writer_open(const char *path);

/* Write from the calling thread instead of a writer thread of the writer's own. */
#define TRACE_WRITER_SYNC 0x1u

/*
 * Like trace_writer_open over a sink the caller made (see sink.h); the writer owns it from
 * here on, failure included. For output forms such as the HTML report. Unless flags has
 * TRACE_WRITER_SYNC, sink writes happen on a writer thread (trace_writer_open always uses one),
 * so the caller only pays for formatting; the sink must then not be touched by anyone else.
 */
struct trace_writer *trace_writer_open_sink(struct vz_sink *sink, unsigned int flags);

/*
 * Appends {"ph":"X","cat":"FEE","name":...,"ts":...,"dur":...,"pid":...,"tid":...}.
 * name_json is a JSON string literal including the quotes, already escaped (json_quote, once
 * per code object): it is copied as is. ts_ns/dur_ns are written as us with 3 decimals.
 * Hot path: no allocation, no formatting library, one bounds check.
 */
void trace_writer_complete(struct trace_writer *w, const char *name_json, size_t name_json_len,
			   uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid);

/* The same with "args":args_json (a JSON object text, copied as is; NULL: none). Not for the
 * hot path: slices that need a word of explanation (events lost around them). */
void trace_writer_complete_args(struct trace_writer *w, const char *name_json,
				size_t name_json_len, uint64_t ts_ns, uint64_t dur_ns, uint32_t pid,
				uint32_t tid, const char *args_json);

/* A v1 flow event: ph 's' (start, binds the slice open at ts) or 'f' (end, written with
 * "bp":"e": binds the slice enclosing ts). Each flow needs its own id. */
void trace_writer_flow(struct trace_writer *w, char ph, const char *cat, const char *name,
		       uint64_t id, uint64_t ts_ns, uint32_t pid, uint32_t tid);

/* One line of ftrace text (no newline) for the top-level "systemTraceEvents" string, written at
 * close before viztracer_metadata (--kernel cpu: the CPU tracks both viewers draw from it). */
void trace_writer_system_line(struct trace_writer *w, const char *line, size_t len);
/* One event given as JSON object text, copied as is (vizbpf combine: events of other traces). */
void trace_writer_raw_event(struct trace_writer *w, const char *json, size_t len);

/* "ph":"M" metadata events naming a process / a thread in the viewers. */
void trace_writer_process_name(struct trace_writer *w, uint32_t pid, const char *name);
void trace_writer_thread_name(struct trace_writer *w, uint32_t pid, uint32_t tid, const char *name);

/* "ph":"i" instant event; scope 't' (thread), 'p' (process) or 'g' (global), anything else
 * is taken as 't'. args_json is NULL or a JSON object text, copied as is. */
void trace_writer_instant(struct trace_writer *w, const char *name, uint64_t ts_ns, uint32_t pid,
			  uint32_t tid, char scope, const char *args_json);

/* The same with "cat":cat (escaped here; NULL: none). */
void trace_writer_instant_cat(struct trace_writer *w, const char *cat, const char *name,
			      uint64_t ts_ns, uint32_t pid, uint32_t tid, char scope,
			      const char *args_json);

/* "ph":"C" counter event with one named numeric series (NaN/inf are written as 0). */
void trace_writer_counter(struct trace_writer *w, const char *name, uint64_t ts_ns, uint32_t pid,
			  const char *series, double value);

/* A complete event of category cat (gc, audit, custom spans); name escaped here, args_json a
 * JSON object text or NULL. Not for the hot path. */
void trace_writer_complete_cat(struct trace_writer *w, const char *cat, const char *name,
			       uint64_t ts_ns, uint64_t dur_ns, uint32_t pid, uint32_t tid,
			       const char *args_json);
/* "ph":"C" counter event with several series: args_json, a JSON object of numbers. */
void trace_writer_counter_args(struct trace_writer *w, const char *name, uint64_t ts_ns,
			       uint32_t pid, uint32_t tid, const char *args_json);

/*
 * Entries of "viztracer_metadata", written at close in the order first given (keys and string
 * values escaped here). Setting a key again replaces its value in place, so a caller can set
 * "overflow": false at start and correct it later. raw_json must be valid JSON (e.g. an object).
 * On allocation failure the entry is lost and trace_writer_close returns -ENOMEM.
 */
void trace_writer_meta_str(struct trace_writer *w, const char *key, const char *val);
void trace_writer_meta_u64(struct trace_writer *w, const char *key, uint64_t val);
void trace_writer_meta_bool(struct trace_writer *w, const char *key, bool val);
void trace_writer_meta_raw(struct trace_writer *w, const char *key, const char *raw_json);

/* Pushes buffered events to the file and waits until they are written (gzip keeps its own
 * small buffer until close). Returns 0 or the sticky -errno. */
int trace_writer_flush(struct trace_writer *w);

/* The first error seen so far as -errno, or 0, without flushing or waiting: lets a long run
 * warn early (a write error shows here one buffer, ~1 MiB, after it happened). */
int trace_writer_error(const struct trace_writer *w);

/*
 * Ends the document, flushes, closes. Returns 0, or -errno of the first write/close error
 * seen anywhere (e.g. -ENOSPC): errors are sticky, never silently lost. Frees w in all cases;
 * NULL is accepted and returns 0.
 */
int trace_writer_close(struct trace_writer *w);

/*
 * --tracer_entries: from now on w keeps only the last n slices (and n instants) of each process
 * in memory, with the process and thread names (slice_ring.h), and writes them at close. Events
 * written before stay written. Returns 0 or -ENOMEM.
 */
int trace_writer_keep_last(struct trace_writer *w, uint32_t n);
/* Writes what w keeps (trace_writer_keep_last) into another writer: a snapshot. Nothing if w
 * keeps nothing. Adds "tracer_entries" and "slices_not_kept" to to's metadata. */
void trace_writer_replay(const struct trace_writer *w, struct trace_writer *to);

/* Frees w without publishing its file: whatever was under the name stays. NULL accepted. */
void trace_writer_discard(struct trace_writer *w);

/*
 * Writes the UTF-8 text s[0..len) as a JSON string literal with quotes into buf (cap bytes),
 * escaping ", \, control chars (\n,\t,... and \u00XX); invalid UTF-8 bytes become U+FFFD.
 * Returns the length written (without NUL; buf is NUL-terminated), or the length that would
 * be needed if cap is too small (like snprintf). Declared in export/json.h too.
 */
size_t json_quote(char *buf, size_t cap, const char *s, size_t len);

#endif
