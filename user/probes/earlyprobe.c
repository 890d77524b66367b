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

static struct {
	pthread_t th;
	bool running;
	struct {
		pid_t pid;
		char file[4096];
		uint64_t off;
		int fd;
	} p[EARLYPROBE_MAX];
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

	return syscall(SYS_perf_event_open, &attr, pid, pid < 0 ? 0 : -1, -1, PERF_FLAG_FD_CLOEXEC);
}

static void *open_all(void *arg)
{
	int type = uprobe_pmu_type();

	(void)arg;
	for (int i = 0; i < early.n; i++) {
		early.p[i].fd = type < 0 ? -1 : open_uprobe(type, early.p[i].pid, early.p[i].file,
							  early.p[i].off);
		if (early.p[i].fd < 0)
			vlog("registering a uprobe at %s+0x%llx early: %s (attached later)",
			     early.p[i].file, (unsigned long long)early.p[i].off, strerror(errno));
	}
	return NULL;
}

void earlyprobe_start(const struct earlyprobe_req *reqs, int n)
{
	earlyprobe_discard();
	for (int i = 0; i < n && early.n < EARLYPROBE_MAX; i++) {
		if (!reqs[i].off)
			continue;
		early.p[early.n].pid = reqs[i].pid;
		snprintf(early.p[early.n].file, sizeof(early.p[0].file), "%s", reqs[i].file);
		early.p[early.n].off = reqs[i].off;
		early.p[early.n].fd = -1;
		early.n++;
	}
	/* Without a thread, nothing early: attach_uprobe registers them as before. */
	early.running = early.n && !pthread_create(&early.th, NULL, open_all, NULL);
	if (!early.running)
		early.n = 0;
}

bool earlyprobe_everywhere(void)
{
	for (int i = 0; i < early.n; i++)
		if (early.p[i].pid < 0)
			return true;
	return false;
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

	join();
	for (int i = 0; i < early.n; i++) {
		if (early.p[i].pid != pid || early.p[i].off != off || early.p[i].fd < 0 ||
		    strcmp(early.p[i].file, file))
			continue;
		fd = early.p[i].fd;
		early.p[i].fd = -1;
		return fd;
	}
	return -1;
}

void earlyprobe_discard(void)
{
	join();
	for (int i = 0; i < early.n; i++)
		if (early.p[i].fd >= 0)
			close(early.p[i].fd);
	early.n = 0;
}
