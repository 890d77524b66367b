/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A large append buffer in front of a sink, with a sticky error. Formatting code reserves the
 * worst-case size of what it is about to write, writes straight into the buffer, then commits
 * what it used: one bounds check per event instead of one per field.
 *
 * Optionally (outbuf_start_thread) a full buffer is handed to a writer thread and filling goes
 * on in a second one, so write() stalls and gzip's deflate (~300 ns/event at level 1) are not
 * paid by the thread that drains the BPF ring buffer.
 */
#ifndef VZ_EXPORT_OUTBUF_H
#define VZ_EXPORT_OUTBUF_H

#include <stddef.h>
#include <string.h>
#include "export/sink.h"

#define OUTBUF_DEFAULT_CAP (1u << 20)

struct outbuf_thread;

struct outbuf {
	char *p;
	size_t len;
	size_t cap;
	int err;		/* first error as -errno; once set, output is dropped */
	struct vz_sink *sink;
	struct outbuf_thread *thr;	/* NULL: the sink is written from the caller's thread */
};

/* Takes ownership of sink (closed by outbuf_close, not on failure here). Returns 0 or -errno. */
int outbuf_init(struct outbuf *b, struct vz_sink *sink, size_t cap);

/* Moves sink writes to a thread of their own (all signals blocked in it). Returns 0 or -errno;
 * on failure the buffer simply stays synchronous. */
int outbuf_start_thread(struct outbuf *b);

/* Hands the buffered bytes to the sink (to the writer thread, if any, without waiting for it).
 * Returns the sticky error known so far (0 if none). */
int outbuf_flush(struct outbuf *b);

/* outbuf_flush, then waits until the sink has taken everything. Returns the sticky error. */
int outbuf_sync(struct outbuf *b);

/* Appends any amount, flushing as needed. */
void outbuf_append(struct outbuf *b, const void *p, size_t n);

/* Flushes, stops the thread, closes the sink, frees the buffers. Returns the first error. */
int outbuf_close(struct outbuf *b);

/* Stops the thread, discards the sink (nothing published) and the buffers. */
void outbuf_discard(struct outbuf *b);

/*
 * Returns room for n bytes at the end of the buffer, flushing first if needed, or NULL when n
 * exceeds the whole buffer (then use outbuf_append). Follow with outbuf_commit(b, used).
 */
static inline char *outbuf_reserve(struct outbuf *b, size_t n)
{
	if (__builtin_expect(b->cap - b->len < n, 0)) {
		if (n > b->cap)
			return NULL;
		outbuf_flush(b);
	}
	return b->p + b->len;
}

static inline void outbuf_commit(struct outbuf *b, size_t used)
{
	b->len += used;
}

#endif
