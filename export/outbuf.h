/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A large append buffer in front of a sink, with a sticky error. Formatting code reserves the
 * worst-case size of what it is about to write, writes straight into the buffer, then commits
 * what it used: one bounds check per event instead of one per field.
 */
#ifndef VZ_EXPORT_OUTBUF_H
#define VZ_EXPORT_OUTBUF_H

#include <stddef.h>
#include <string.h>
#include "export/sink.h"

#define OUTBUF_DEFAULT_CAP (1u << 20)

struct outbuf {
	char *p;
	size_t len;
	size_t cap;
	int err;		/* first error as -errno; once set, output is dropped, not retried */
	struct vz_sink *sink;
};

/* Takes ownership of sink (closed by outbuf_close, not on failure here). Returns 0 or -errno. */
int outbuf_init(struct outbuf *b, struct vz_sink *sink, size_t cap);

/* Hands the buffered bytes to the sink. Returns the sticky error (0 if none). */
int outbuf_flush(struct outbuf *b);

/* Appends any amount, flushing as needed. */
void outbuf_append(struct outbuf *b, const void *p, size_t n);

/* Flushes, closes the sink, frees the buffer. Returns the first error seen, or 0. */
int outbuf_close(struct outbuf *b);

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
