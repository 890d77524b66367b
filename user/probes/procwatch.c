// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "procwatch.h"
#include "procwatch.skel.h"
#include "forkstop.skel.h"
#include "kbtf.h"
#include "user/base/log.h"
#include "held.h"
#include "verifystats.h"
#include "symbols/pycmdline.h"

struct procwatch {
	struct procwatch_bpf *skel;
	/* forkstop.bpf.c, loaded the first time a process is set VZ_PROC_PROBED (NULL: not yet,
	 * or it failed: stop_failed) */
	struct forkstop_bpf *stop;
	bool stop_failed;
	struct ring_buffer *rb;
	procwatch_record_fn fn;
	void *ctx;
	char cgroup_rel[PATH_MAX]; /* --cgroup as /proc/PID/cgroup names it */
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct procwatch *pw = ctx;
	const struct vz_rec_hdr *hdr = data;

	if ((hdr->type == VZ_REC_FORK && size >= sizeof(struct vz_rec_fork)) ||
	    (hdr->type == VZ_REC_EXEC && size >= sizeof(struct vz_rec_exec)))
		pw->fn(pw->ctx, data);
	return 0;
}

/* Where cgroup v2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid systems). */
static int cgroup2_root(char *root, size_t cap)
{
	char line[4096], mnt[PATH_MAX], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (found && fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - ");

		/* id parent major:minor root MOUNTPOINT ... - FSTYPE source options */
		if (sep && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    sscanf(sep + 3, "%63s", fstype) == 1 && !strcmp(fstype, "cgroup2")) {
			snprintf(root, cap, "%s", mnt);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/*
 * --cgroup PATH: a cgroup v2 directory, absolute or relative to the v2 mount. rel gets its
 * path as /proc/PID/cgroup shows it ("/system.slice/x.service"). Returns an open fd or -1.
 */
static int open_cgroup(const char *path, char *rel, size_t cap)
{
	char root[PATH_MAX], full[2 * PATH_MAX];
	size_t n;

	if (cgroup2_root(root, sizeof(root))) {
		elog("--cgroup: no cgroup v2 hierarchy is mounted");
		return -1;
	}
	n = strlen(root);
	if (path[0] == '/' && !strncmp(path, root, n) && (path[n] == '/' || !path[n]))
		snprintf(full, sizeof(full), "%s", path);
	else
		snprintf(full, sizeof(full), "%s/%s", root, path + (path[0] == '/'));
	snprintf(rel, cap, "%s", full[n] ? full + n : "/");
	n = strlen(rel);
	while (n > 1 && rel[n - 1] == '/')
		rel[--n] = '\0';
	return open(full, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Opens and loads the watcher with the options' settings, its CO-RE against the kernel types
 * in KBTF (NULL: the kernel's whole BTF). Returns 0 or -errno. */
static int load(struct procwatch *pw, const struct procwatch_opts *o, int cg, const char *kbtf)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = kbtf);
	struct verifier_stats *vs;
	int err;

	pw->skel = procwatch_bpf__open_opts(&opts);
	if (!pw->skel)
		return -errno;
	pw->skel->rodata->watch_all = o->all;
	if (o->comm) {
		pw->skel->rodata->use_comm = true;
		strncpy((char *)pw->skel->rodata->comm_filter, o->comm, 15);
	}
	pw->skel->rodata->use_cgroup = cg >= 0;
	err = held_share(pw->skel->maps.held);
	if (err)
		return err;
	vs = verifier_stats_begin(pw->skel->obj);
	err = procwatch_bpf__load(pw->skel);
	verifier_stats_end(vs);
	return err;
}

struct procwatch *procwatch_open(const struct procwatch_opts *o, procwatch_record_fn fn, void *ctx)
{
	struct procwatch *pw = calloc(1, sizeof(*pw));
	int cg = -1, err;
	__u32 zero = 0;
	char kbtf[512];
	const void *elf;
	size_t elf_sz;

	if (!pw)
		return NULL;
	pw->fn = fn;
	pw->ctx = ctx;
	if (o->cgroup) {
		cg = open_cgroup(o->cgroup, pw->cgroup_rel, sizeof(pw->cgroup_rel));
		if (cg < 0) {
			elog("--cgroup %s: no such cgroup v2 directory", o->cgroup);
			goto fail;
		}
	}
	elf = procwatch_bpf__elf_bytes(&elf_sz);
	if (kbtf_path(elf, elf_sz, kbtf, sizeof(kbtf)))
		kbtf[0] = '\0';
	err = load(pw, o, cg, kbtf[0] ? kbtf : NULL);
	if (err && err != -EPERM && kbtf[0]) {
		vlog("loading the process watcher with the kernel types of %s failed (%s): reading "
		     "the kernel's BTF", kbtf, strerror(-err));
		kbtf_forget(kbtf);
		procwatch_bpf__destroy(pw->skel);
		err = load(pw, o, cg, NULL);
	}
	if (!err && cg >= 0)
		err = bpf_map__update_elem(pw->skel->maps.cgroup_filter, &zero, sizeof(zero), &cg,
					   sizeof(cg), BPF_ANY);
	if (!err)
		err = procwatch_bpf__attach(pw->skel);
	if (err) {
		elog("loading the process watcher: %s", strerror(-err));
		goto fail;
	}
	pw->rb = ring_buffer__new(bpf_map__fd(pw->skel->maps.proc_events), on_record, pw, NULL);
	if (!pw->rb) {
		elog("ring buffer: %s", strerror(errno));
		goto fail;
	}
	if (cg >= 0)
		close(cg);
	return pw;
fail:
	if (cg >= 0)
		close(cg);
	procwatch_close(pw);
	return NULL;
}

/* Loads and attaches forkstop.bpf.c on the watcher's tree. Said once if it cannot. */
int procwatch_stop_forks(struct procwatch *pw)
{
	struct verifier_stats *vs;
	int err;

	if (pw->stop || pw->stop_failed)
		return pw->stop ? 0 : -EINVAL;
	pw->stop = forkstop_bpf__open();
	err = pw->stop ? 0 : -errno;
	if (!err)
		err = bpf_map__reuse_fd(pw->stop->maps.tree, bpf_map__fd(pw->skel->maps.tree)) ?:
		      held_share(pw->stop->maps.held);
	if (!err) {
		vs = verifier_stats_begin(pw->stop->obj);
		err = forkstop_bpf__load(pw->stop);
		verifier_stats_end(vs);
	}
	if (!err)
		err = forkstop_bpf__attach(pw->stop);
	if (!err)
		vlog("fork()ed children of processes traced by probes are held (forkstop loaded)");
	if (err) {
		elog("warning: fork()ed children of processes traced by probes cannot be held, and "
		     "will not be followed: %s", strerror(-err));
		forkstop_bpf__destroy(pw->stop);
		pw->stop = NULL;
		pw->stop_failed = true;
	}
	return err;
}

static int set_state(struct procwatch *pw, pid_t pid, int state)
{
	__u32 key = pid;
	__u8 v = state;

	return bpf_map__update_elem(pw->skel->maps.tree, &key, sizeof(key), &v, sizeof(v), BPF_ANY);
}

int procwatch_set(struct procwatch *pw, pid_t pid, int state)
{
	if (state == VZ_PROC_PROBED)
		procwatch_stop_forks(pw); /* before it can fork: on failure, said, it goes on */
	return set_state(pw, pid, state);
}

int procwatch_set_unstarted(struct procwatch *pw, pid_t pid)
{
	return set_state(pw, pid, VZ_PROC_PROBED);
}

void procwatch_verdict(struct procwatch *pw, uint64_t ino, uint32_t dev, int verdict)
{
	struct vz_exe_key key = { .ino = ino, .dev = dev };
	__u8 v = verdict;

	bpf_map__update_elem(pw->skel->maps.exe_verdict, &key, sizeof(key), &v, sizeof(v), BPF_ANY);
}

static bool in_cgroup(pid_t pid, const char *want)
{
	char path[64], line[PATH_MAX + 8];
	size_t n = strlen(want);
	bool ok = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 3;

		if (strncmp(line, "0::", 3)) /* the v2 line */
			continue;
		p[strcspn(p, "\n")] = '\0';
		ok = !strcmp(want, "/") || (!strncmp(p, want, n) && (p[n] == '\0' || p[n] == '/'));
	}
	fclose(f);
	return ok;
}

bool procwatch_name_matches(const char *name, pid_t pid)
{
	char path[64], comm[32] = "", cmdline[4096];
	ssize_t n, len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	len = fd < 0 ? 0 : read(fd, cmdline, sizeof(cmdline));
	if (fd >= 0)
		close(fd);
	return py_cmdline_matches(name, comm, cmdline, len > 0 ? (size_t)len : 0);
}

bool procwatch_wants(struct procwatch *pw, const struct procwatch_opts *o, pid_t pid)
{
	if (o->comm && !procwatch_name_matches(o->comm, pid))
		return false;
	return !o->cgroup || in_cgroup(pid, pw->cgroup_rel);
}

int procwatch_fd(struct procwatch *pw)
{
	return ring_buffer__epoll_fd(pw->rb);
}

int procwatch_drain(struct procwatch *pw)
{
	return ring_buffer__consume(pw->rb);
}

uint64_t procwatch_lost(struct procwatch *pw)
{
	return pw->skel->bss->lost_records;
}

void procwatch_detach(struct procwatch *pw)
{
	if (pw->stop)
		forkstop_bpf__detach(pw->stop);
	procwatch_bpf__detach(pw->skel);
}

void procwatch_close(struct procwatch *pw)
{
	if (!pw)
		return;
	ring_buffer__free(pw->rb);
	forkstop_bpf__destroy(pw->stop);
	procwatch_bpf__destroy(pw->skel);
	free(pw);
}
