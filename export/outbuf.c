// SPDX-License-Identifier: BSD-2-Clause
/*
 * See outbuf.h. The buffer is the only memory the trace writer needs per event, allocated once.
 */
#include <errno.h>
#include <stdlib.h>
#include "export/outbuf.h"

int outbuf_init(struct outbuf *b, struct vz_sink *sink, size_t cap)
{
	b->p = malloc(cap);
	if (!b->p)
		return -ENOMEM;
	b->len = 0;
	b->cap = cap;
	b->err = 0;
	b->sink = sink;
	return 0;
}

int outbuf_flush(struct outbuf *b)
{
	if (b->len && !b->err)
		b->err = vz_sink_write(b->sink, b->p, b->len);
	/* After an error, keep going without output: the caller learns it at close, and a
	 * tracer that stops on a full disk would lose the program's own progress too. */
	b->len = 0;
	return b->err;
}

void outbuf_append(struct outbuf *b, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		size_t room = b->cap - b->len;
		size_t k = n < room ? n : room;

		memcpy(b->p + b->len, c, k);
		b->len += k;
		c += k;
		n -= k;
		if (b->len == b->cap)
			outbuf_flush(b);
	}
}

int outbuf_close(struct outbuf *b)
{
	int err = outbuf_flush(b);
	int cerr = vz_sink_close(b->sink);

	free(b->p);
	b->p = NULL;
	b->sink = NULL;
	return err ? err : cerr;
}
