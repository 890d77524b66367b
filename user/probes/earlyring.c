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
	int fd;
} early = { .fd = -1 };

static void *make(void *arg)
{
	(void)arg;
	early.fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, early.bytes, NULL);
	if (early.fd < 0)
		vlog("the ring buffer, early: %s (made with the skeleton)", strerror(errno));
	return NULL;
}

void earlyring_start(uint64_t bytes)
{
	earlyring_discard();
	early.bytes = bytes;
	early.running = !pthread_create(&early.th, NULL, make, NULL);
}

static void join(void)
{
	if (early.running)
		pthread_join(early.th, NULL);
	early.running = false;
}

int earlyring_take(uint64_t bytes)
{
	int fd;

	join();
	if (early.fd < 0 || bytes != early.bytes)
		return -1;
	fd = early.fd;
	early.fd = -1;
	return fd;
}

void earlyring_discard(void)
{
	join();
	if (early.fd >= 0)
		close(early.fd);
	early.fd = -1;
}
