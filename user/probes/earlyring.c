// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "user/base/log.h"
#include "earlyring.h"

static struct {
	pthread_t th;
	bool running;
	uint64_t bytes;
	ring_buffer_sample_fn fn;
	void *ctx;
	int fd;
	struct ring_buffer *rb;
} early = { .fd = -1 };

static void *make(void *arg)
{
	(void)arg;
	early.fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, early.bytes, NULL);
	if (early.fd < 0) {
		vlog("the ring buffer, early: %s (made with the skeleton)", strerror(errno));
		return NULL;
	}
	early.rb = ring_buffer__new(early.fd, early.fn, early.ctx, NULL);
	if (!early.rb) {
		close(early.fd);
		early.fd = -1;
	}
	return NULL;
}

void earlyring_start(uint64_t bytes, ring_buffer_sample_fn fn, void *ctx)
{
	earlyring_discard();
	early.bytes = bytes;
	early.fn = fn;
	early.ctx = ctx;
	early.running = !pthread_create(&early.th, NULL, make, NULL);
}

static void join(void)
{
	if (early.running)
		pthread_join(early.th, NULL);
	early.running = false;
}

int earlyring_take(uint64_t bytes, ring_buffer_sample_fn fn, void *ctx, struct ring_buffer **rb)
{
	int fd;

	join();
	if (early.fd < 0 || bytes != early.bytes || fn != early.fn || ctx != early.ctx)
		return -1;
	fd = early.fd;
	*rb = early.rb;
	early.fd = -1;
	early.rb = NULL;
	return fd;
}

void earlyring_discard(void)
{
	join();
	ring_buffer__free(early.rb);
	early.rb = NULL;
	if (early.fd >= 0)
		close(early.fd);
	early.fd = -1;
}
