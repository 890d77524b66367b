// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <signal.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "vizbpf.h"
#include "held.h"

static int map_fd = -1;

int held_create(void)
{
	if (map_fd >= 0)
		return map_fd;
	map_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "held", sizeof(__u32), sizeof(__u32),
				VZ_HELD_MAX, NULL);
	return map_fd >= 0 ? map_fd : -errno;
}

int held_fd(void)
{
	return map_fd;
}

int held_share(struct bpf_map *m)
{
	/* Without it (not created) each object keeps its own: stops are still answered. */
	if (map_fd < 0)
		return 0;
	return bpf_map__reuse_fd(m, map_fd);
}

void held_forget(pid_t tid)
{
	__u32 key = tid;

	if (map_fd >= 0)
		bpf_map_delete_elem(map_fd, &key);
}

bool held_contains(pid_t tid)
{
	__u32 key = tid, proc = (__u32)tid | VZ_HELD_PROC, exec = (__u32)tid | VZ_HELD_EXEC, tgid;

	return map_fd >= 0 && (!bpf_map_lookup_elem(map_fd, &key, &tgid) ||
			       !bpf_map_lookup_elem(map_fd, &proc, &tgid) ||
			       !bpf_map_lookup_elem(map_fd, &exec, &tgid));
}

void held_forget_proc(pid_t pid)
{
	held_forget((pid_t)((__u32)pid | VZ_HELD_PROC));
}

void held_release_proc(pid_t pid)
{
	held_release(pid, (pid_t)((__u32)pid | VZ_HELD_PROC));
}

void held_release_exec(pid_t pid)
{
	held_release(pid, (pid_t)((__u32)pid | VZ_HELD_EXEC));
}

void held_release(pid_t pid, pid_t tid)
{
	/* SIGCONT first: if vizbpf dies between the two, the watchdog sends one more to a
	 * running process, which does nothing; the reverse order would leave a stopped process
	 * that no entry covers. */
	kill(pid, SIGCONT);
	held_forget(tid);
}
