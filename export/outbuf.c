// SPDX-License-Identifier: BSD-2-Clause
/*
 * See outbuf.h. The buffers are the only memory the trace writer needs per event, allocated
 * once. With a writer thread there are exactly two: the one being filled and the one being
 * written, swapped under a mutex once per buffer (~1 MiB), never per event.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include "export/outbuf.h"

struct outbuf_thread {
	pthread_t tid;
	pthread_mutex_t lock;
	pthread_cond_t work;	/* producer -> thread: a buffer to write, or stop */
	pthread_cond_t done;	/* thread -> producer: the buffer is written */
	struct vz_sink *sink;
	char *buf;		/* the buffer being written, valid while busy */
	size_t len;
	char *spare;		/* the buffer not in use by either side, NULL while busy */
	bool busy;
	bool stop;
	int err;		/* first sink error */
};

int outbuf_init(struct outbuf *b, struct vz_sink *sink, size_t cap)
{
	b->p = malloc(cap);
	if (!b->p)
		return -ENOMEM;
	b->len = 0;
	b->cap = cap;
	b->err = 0;
	b->sink = sink;
	b->thr = NULL;
	return 0;
}

static void *writer_main(void *arg)
{
	struct outbuf_thread *t = arg;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (!t->busy && !t->stop)
			pthread_cond_wait(&t->work, &t->lock);
		if (!t->busy)
			break;
		char *buf = t->buf;
		size_t len = t->len;
		int err = 0;

		pthread_mutex_unlock(&t->lock);
		if (!t->err)	/* only this thread writes t->err */
			err = vz_sink_write(t->sink, buf, len);
		pthread_mutex_lock(&t->lock);
		if (err && !t->err)
			t->err = err;
		t->spare = buf;
		t->busy = false;
		pthread_cond_signal(&t->done);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

int outbuf_start_thread(struct outbuf *b)
{
	struct outbuf_thread *t = calloc(1, sizeof(*t));
	sigset_t all, old;
	int err;

	if (!t)
		return -ENOMEM;
	t->spare = malloc(b->cap);
	if (!t->spare) {
		free(t);
		return -ENOMEM;
	}
	t->sink = b->sink;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->work, NULL);
	pthread_cond_init(&t->done, NULL);
	/* Signals (Ctrl-C above all) must reach the loader's own threads, never this one. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t->tid, NULL, writer_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&t->done);
		pthread_cond_destroy(&t->work);
		pthread_mutex_destroy(&t->lock);
		free(t->spare);
		free(t);
		return -err;
	}
	pthread_setname_np(t->tid, "vizbpf-writer");
	b->thr = t;
	return 0;
}

/* Waits for the thread to finish its buffer and picks up its error. Called with the lock. */
static void wait_idle(struct outbuf *b)
{
	struct outbuf_thread *t = b->thr;

	while (t->busy)
		pthread_cond_wait(&t->done, &t->lock);
	if (t->err && !b->err)
		b->err = t->err;
}

int outbuf_flush(struct outbuf *b)
{
	struct outbuf_thread *t = b->thr;

	if (!t) {
		if (b->len && !b->err)
			b->err = vz_sink_write(b->sink, b->p, b->len);
		/* After an error, keep going without output: the caller learns it at close, and
		 * a tracer that stops on a full disk would lose the program's progress too. */
		b->len = 0;
		return b->err;
	}
	if (!b->len)
		return b->err;
	pthread_mutex_lock(&t->lock);
	wait_idle(b);
	if (!b->err) {
		char *fill = t->spare;

		t->spare = NULL;
		t->buf = b->p;
		t->len = b->len;
		t->busy = true;
		pthread_cond_signal(&t->work);
		b->p = fill;
	}
	pthread_mutex_unlock(&t->lock);
	b->len = 0;
	return b->err;
}

int outbuf_sync(struct outbuf *b)
{
	outbuf_flush(b);
	if (b->thr) {
		pthread_mutex_lock(&b->thr->lock);
		wait_idle(b);
		pthread_mutex_unlock(&b->thr->lock);
	}
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

static void stop_thread(struct outbuf *b)
{
	struct outbuf_thread *t = b->thr;

	pthread_mutex_lock(&t->lock);
	wait_idle(b);
	t->stop = true;
	pthread_cond_signal(&t->work);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->tid, NULL);
	pthread_cond_destroy(&t->done);
	pthread_cond_destroy(&t->work);
	pthread_mutex_destroy(&t->lock);
	free(t->spare);
	free(t);
	b->thr = NULL;
}

void outbuf_discard(struct outbuf *b)
{
	if (b->thr)
		stop_thread(b);
	vz_sink_discard(b->sink);
	free(b->p);
	b->p = NULL;
	b->sink = NULL;
}

int outbuf_close(struct outbuf *b)
{
	int err = outbuf_sync(b);
	int cerr;

	if (b->thr)
		stop_thread(b);
	cerr = vz_sink_close(b->sink);
	free(b->p);
	b->p = NULL;
	b->sink = NULL;
	return err ? err : cerr;
}
