// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include "user/base/log.h"
#include "user/base/procmem.h"
#include "freeze.h"
#include "user/probes/held.h"
#include "watchdog.h"

/*
 * After vizbpf's end, how long a held entry whose thread is not (yet) stopped is watched:
 * a SIGSTOP sent just before the end takes effect at the thread's next return to user
 * space, and a fork()ed child of the preloaded evaluator stops itself a moment after fork.
 */
#define GRACE_MS 2000
#define POLL_MS 5

/*
 * The journal of writes to put back, in memory shared with the watchdog (mapped before the
 * fork). Only vizbpf's main thread writes it; the watchdog reads it once vizbpf is gone.
 */
#define JOURNAL_MAX 1024

struct undo {
	uint32_t pid;      /* 0: a free slot */
	uint32_t size;     /* 4 or 8 */
	uint64_t start;    /* the process's start time (/proc/PID/stat): not a reused pid */
	uint64_t addr, now, was;
};

static struct undo *journal;

/* Field 22 of /proc/PID/stat, 0 if gone. */
static uint64_t start_time(uint32_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after ')': state is field 3, starttime field 22 */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
				"%*d %*d %*d %llu", &v) != 1)
		return 0;
	return v;
}

void watchdog_note(uint32_t pid, uint64_t addr, uint32_t size, uint64_t now, uint64_t was)
{
	static bool warned;
	uint64_t start;

	if (!journal)
		return;
	start = start_time(pid);
	for (int i = 0; i < JOURNAL_MAX; i++) {
		struct undo *u = &journal[i];

		if (u->pid == pid && u->addr == addr) { /* the same place, written again */
			u->now = now;
			return;
		}
	}
	for (int i = 0; i < JOURNAL_MAX; i++) {
		struct undo *u = &journal[i];

		if (u->pid)
			continue;
		*u = (struct undo){ 0, size, start, addr, now, was };
		__atomic_store_n(&u->pid, pid, __ATOMIC_RELEASE);
		return;
	}
	/* Full: take the slot of a process that ended. */
	for (int i = 0; i < JOURNAL_MAX; i++) {
		struct undo *u = &journal[i];

		if (start_time(u->pid) == u->start)
			continue;
		*u = (struct undo){ 0, size, start, addr, now, was };
		__atomic_store_n(&u->pid, pid, __ATOMIC_RELEASE);
		return;
	}
	if (!warned)
		elog("warning: watchdog journal full: if vizbpf is killed, some writes into traced "
		     "processes stay");
	warned = true;
}

void watchdog_forget(uint32_t pid)
{
	if (!journal)
		return;
	for (int i = 0; i < JOURNAL_MAX; i++)
		if (journal[i].pid == pid)
			__atomic_store_n(&journal[i].pid, 0, __ATOMIC_RELEASE);
}

void watchdog_forget_all(void)
{
	if (journal)
		memset(journal, 0, JOURNAL_MAX * sizeof(*journal));
}

/* Puts back pid's writes, with its threads held still, where vizbpf's values still are. */
static void undo_process(uint32_t pid, struct freeze *fz)
{
	bool held = false;

	for (int i = 0; i < JOURNAL_MAX; i++) {
		struct undo *u = &journal[i];
		uint64_t cur = 0;

		if (u->pid != pid)
			continue;
		u->pid = 0;
		if (!u->start || start_time(pid) != u->start)
			continue; /* gone, or another process under the same pid */
		if (!held && freeze_process(pid, fz))
			continue;
		held = true;
		if (!procmem_read(pid, u->addr, &cur, u->size) &&
		    (u->size == 8 ? cur : (uint32_t)cur) == (u->size == 8 ? u->now : (uint32_t)u->now))
			procmem_write(pid, u->addr, &u->was, u->size);
	}
	if (held)
		thaw_process(fz);
}

static void undo_all(void)
{
	struct freeze *fz = malloc(sizeof(*fz));

	if (!fz)
		return;
	for (int i = 0; i < JOURNAL_MAX; i++)
		if (journal[i].pid)
			undo_process(journal[i].pid, fz);
	free(fz);
}

/* 'T' stopped, another state letter, or 0 when the thread is gone. */
static char thread_state(__u32 tgid, __u32 tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) /* the thread is gone: its process may still be stopped */
		snprintf(path, sizeof(path), "/proc/%u/stat", tgid), fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the name may hold spaces and parentheses */
	if (!p || p[1] != ' ' || !p[2] || p[2] == 'Z' || p[2] == 'X')
		return 0;
	return p[2];
}

/* One pass over the map: lets go what is stopped, forgets what is gone. Returns entries left. */
static int release_pass(int fd)
{
	__u32 key, next, tgid;
	int left = 0;
	bool first = true;

	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		char st;

		first = false;
		key = next;
		if (bpf_map_lookup_elem(fd, &key, &tgid))
			continue;
		st = thread_state(tgid, key);
		if (st == 'T')
			kill(tgid, SIGCONT);
		if (st == 'T' || !st) {
			/* Deleting the current key restarts the walk: cheap, the map is small. */
			bpf_map_delete_elem(fd, &key);
			first = true;
			continue;
		}
		left++;
	}
	return left;
}

static void wait_for_exit(pid_t vz)
{
	int pfd = syscall(SYS_pidfd_open, vz, 0);
	struct pollfd p = { .fd = pfd, .events = POLLIN };

	/* The pidfd turns readable once vizbpf is a zombie: after the kernel has closed its
	 * BPF links (no new stops) and detached its ptrace holds. */
	if (pfd >= 0 && getppid() == vz) {
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		close(pfd);
		return;
	}
	/* No pidfd: vizbpf is gone once we are someone else's child. */
	while (getppid() == vz)
		usleep(20 * 1000);
}

static void watchdog_main(pid_t vz, int map)
{
	struct timespec tick = { 0, POLL_MS * 1000 * 1000 };
	int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU };
	int null, fd;

	/* Out of vizbpf's session and terminal: a Ctrl-C or a hangup that ends vizbpf must not
	 * end this too; and the OOM killer should take anything else first. */
	setsid();
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_IGN);
	prctl(PR_SET_NAME, "vizbpf-watchdog");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) < 0) {
			/* not fatal */
		}
		close(fd);
	}
	/* Keep nothing of vizbpf's but the map: not its output files, locks or terminal
	 * (whoever waits for vizbpf's output to close must not wait for us). */
	if (map != 3) {
		dup2(map, 3);
		map = 3;
	}
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	syscall(SYS_close_range, 4, ~0U, 0);

	wait_for_exit(vz);
	/* Let go what BPF holds first (a stopped process can be held still, but the sooner it
	 * runs the better), then put back what vizbpf wrote. */
	release_pass(map);
	undo_all();
	for (int ms = 0; release_pass(map) > 0 && ms < GRACE_MS; ms += POLL_MS)
		nanosleep(&tick, NULL);
	_exit(0);
}

int watchdog_start(void)
{
	pid_t vz = getpid(), pid;
	int map = held_create();
	void *mem;

	if (map < 0) {
		elog("warning: no watchdog (creating its map: %s): a vizbpf killed now could leave "
		     "processes stopped", strerror(-map));
		return map;
	}
	mem = mmap(NULL, JOURNAL_MAX * sizeof(struct undo), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		elog("warning: no watchdog journal (%s): if vizbpf is killed, its writes into "
		     "traced processes stay", strerror(errno));
	else
		journal = mem;
	pid = fork();
	if (pid < 0) {
		elog("warning: no watchdog (fork: %s): a vizbpf killed now could leave processes "
		     "stopped", strerror(errno));
		return -errno;
	}
	if (pid == 0)
		watchdog_main(vz, map);
	vlog("watchdog: pid %d", pid);
	return 0;
}
