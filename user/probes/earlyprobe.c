// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "user/base/log.h"
#include "earlyprobe.h"

#define EARLY_MAX 4

static struct {
	pthread_t th;
	bool running;
	pid_t pid;
	char file[4096];
	uint64_t offs[EARLY_MAX];
	int fds[EARLY_MAX];
	int n;
} early;

/* The uprobe PMU's type number, as libbpf finds it. */
static int uprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
	int type = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &type) != 1)
		type = -1;
	fclose(f);
	return type;
}

/* The same perf event libbpf opens for a uprobe (not a uretprobe) on file+off in pid. */
static int open_uprobe(int type, pid_t pid, const char *file, uint64_t off)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = type,
		.config1 = (uint64_t)(uintptr_t)file, /* uprobe_path */
		.config2 = off,                        /* probe_offset */
	};

	return syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static void *open_all(void *arg)
{
	int type = uprobe_pmu_type();

	(void)arg;
	for (int i = 0; i < early.n; i++) {
		early.fds[i] = type < 0 ? -1 : open_uprobe(type, early.pid, early.file, early.offs[i]);
		if (early.fds[i] < 0)
			vlog("registering a uprobe at %s+0x%llx early: %s (attached later)", early.file,
			     (unsigned long long)early.offs[i], strerror(errno));
	}
	return NULL;
}

void earlyprobe_start(pid_t pid, const char *file, const uint64_t *offs, int n)
{
	earlyprobe_discard();
	early.pid = pid;
	snprintf(early.file, sizeof(early.file), "%s", file);
	early.n = 0;
	for (int i = 0; i < n && early.n < EARLY_MAX; i++)
		if (offs[i])
			early.offs[early.n++] = offs[i];
	/* Without a thread, nothing early: attach_uprobe registers them as before. */
	early.running = early.n && !pthread_create(&early.th, NULL, open_all, NULL);
	if (!early.running)
		early.n = 0;
}

static void join(void)
{
	if (early.running)
		pthread_join(early.th, NULL);
	early.running = false;
}

int earlyprobe_take(pid_t pid, const char *file, uint64_t off)
{
	int fd;

	if (!early.n || pid != early.pid || strcmp(file, early.file))
		return -1;
	join();
	for (int i = 0; i < early.n; i++) {
		if (early.offs[i] != off || early.fds[i] < 0)
			continue;
		fd = early.fds[i];
		early.fds[i] = -1;
		return fd;
	}
	return -1;
}

void earlyprobe_discard(void)
{
	join();
	for (int i = 0; i < early.n; i++)
		if (early.fds[i] >= 0)
			close(early.fds[i]);
	early.n = 0;
}
