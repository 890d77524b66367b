// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "user/base/log.h"
#include "earlyprobe.h"

static struct {
	pthread_t th;
	bool running;
	bool multi; /* uprobe_multi links with placeholders, else perf events */
	struct {
		pid_t pid;
		char file[4096];
		uint64_t off;
		char name[16];
		int fd;     /* the link's or the perf event's, -1 if none */
		int map_fd; /* the placeholder's program array (multi), or -1 */
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

/*
 * The placeholder: tail-calls slot 0 of map_fd with its own context; returns 0 while the slot
 * is empty. The slot is the link's cookie (0), which the verifier cannot know: a constant
 * slot would make a direct tail call, patched into the code at every change of the slot
 * (emptying it took ~11 ms here, in the first call's hold).
 */
static int load_placeholder(const char *name, int map_fd)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_6, .src_reg = BPF_REG_1 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_get_attach_cookie },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_3, .src_reg = BPF_REG_0 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_1, .src_reg = BPF_REG_6 },
		{ .code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_2,
		  .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd },
		{ 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_tail_call },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};

	return uplink_load_multi_prog(name, insns, sizeof(insns) / sizeof(insns[0]));
}

/* A uprobe_multi link on file+off in pid (-1: every process) calling a placeholder. */
static int open_multi(int i)
{
	int map_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, "vz_early", 4, 4, 1, NULL);
	int prog = map_fd < 0 ? -1 : load_placeholder(early.p[i].name, map_fd);
	int fd = -1, err;

	if (prog >= 0)
		fd = uplink_create_multi(prog, early.p[i].file, early.p[i].off,
					 early.p[i].pid < 0 ? 0 : early.p[i].pid, false);
	err = errno;
	if (prog >= 0)
		close(prog); /* the link holds it */
	if (fd < 0) {
		if (map_fd >= 0)
			close(map_fd);
		errno = err;
		return -1;
	}
	early.p[i].map_fd = map_fd;
	return fd;
}

static void *open_all(void *arg)
{
	int type = early.multi ? 0 : uprobe_pmu_type();

	(void)arg;
	for (int i = 0; i < early.n; i++) {
		if (early.multi)
			early.p[i].fd = open_multi(i);
		else
			early.p[i].fd = type < 0 ? -1 : open_uprobe(type, early.p[i].pid,
								   early.p[i].file, early.p[i].off);
		if (early.p[i].fd < 0)
			vlog("registering a uprobe at %s+0x%llx early: %s (attached later)",
			     early.p[i].file, (unsigned long long)early.p[i].off, strerror(errno));
	}
	return NULL;
}

void earlyprobe_start(const struct earlyprobe_req *reqs, int n)
{
	earlyprobe_discard();
	early.multi = uplink_multi_supported();
	for (int i = 0; i < n && early.n < EARLYPROBE_MAX; i++) {
		if (!reqs[i].off)
			continue;
		early.p[early.n].pid = reqs[i].pid;
		snprintf(early.p[early.n].file, sizeof(early.p[0].file), "%s", reqs[i].file);
		snprintf(early.p[early.n].name, sizeof(early.p[0].name), "%s", reqs[i].name);
		early.p[early.n].off = reqs[i].off;
		early.p[early.n].fd = early.p[early.n].map_fd = -1;
		early.n++;
	}
	/* Without a thread, nothing early: the tracer registers them as before. */
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

/* Puts prog in probe i's place; its link, or NULL with everything of it closed. */
static struct uplink *bind_one(int i, struct bpf_program *prog)
{
	int fd = early.p[i].fd, map_fd = early.p[i].map_fd, slot = 0, prog_fd;
	struct bpf_link *link;

	early.p[i].fd = early.p[i].map_fd = -1;
	if (map_fd < 0) {
		link = bpf_program__attach_perf_event(prog, fd);
		if (link)
			return uplink_of_link(link);
		close(fd);
		return NULL;
	}
	prog_fd = bpf_program__fd(prog);
	if (!bpf_map_update_elem(map_fd, &slot, &prog_fd, BPF_ANY))
		return uplink_of_slot(fd, map_fd, slot);
	vlog("binding %s to its early uprobe: %s (attached later)", bpf_program__name(prog),
	     strerror(errno));
	close(fd);
	close(map_fd);
	return NULL;
}

struct uplink *earlyprobe_bind(pid_t pid, const char *file, uint64_t off, struct bpf_program *prog)
{
	join();
	for (int i = 0; i < early.n; i++)
		if (early.p[i].pid == pid && early.p[i].off == off && early.p[i].fd >= 0 &&
		    !strcmp(early.p[i].file, file))
			return bind_one(i, prog);
	return NULL;
}

void earlyprobe_discard(void)
{
	join();
	for (int i = 0; i < early.n; i++) {
		if (early.p[i].fd >= 0)
			close(early.p[i].fd);
		if (early.p[i].map_fd >= 0)
			close(early.p[i].map_fd);
	}
	early.n = 0;
}
