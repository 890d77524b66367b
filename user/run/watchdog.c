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
#include <sys/syscall.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include "user/base/log.h"
#include "user/base/procmem.h"
#include "user/base/quiet.h"
#include "freeze.h"
#include "symbols/pyinterp.h"
#include "symbols/pyoffsets.h"
#include "user/slices/pystack.h"
#include "vizbpf.h"
#include "user/probes/held.h"
#include "watchdog.h"

/*
 * After vizbpf's end, how long a held entry whose thread is not (yet) stopped is watched:
 * a SIGSTOP sent just before the end takes effect at the thread's next return to user
 * space, and a fork()ed child of the preloaded evaluator stops itself a moment after fork.
 */
#define GRACE_MS 2000
#define POLL_MS 5
#define MIN_WATCH_MS 300

/*
 * The journal of writes to put back, in memory shared with the watchdog (mapped before the
 * fork). Only vizbpf's main thread writes it; the watchdog reads it once vizbpf is gone.
 */
#define JOURNAL_MAX 4096

enum { UNDO_SET, UNDO_WIDEN };

struct undo {
	uint32_t pid;      /* 0: a free slot */
	uint32_t size;     /* UNDO_SET: 4 or 8 */
	uint64_t start;    /* the process's start time (/proc/PID/stat): not a reused pid */
	uint64_t addr, now, was; /* UNDO_WIDEN: the budget's address, c_limit, widen_by */
	uint64_t tstate;   /* UNDO_WIDEN: whose budget (written back only while it lives) */
	uint32_t kind;
};

static struct undo *journal;

static void note(const struct undo *e)
{
	static bool warned;

	if (!journal)
		return;
	for (int i = 0; i < JOURNAL_MAX; i++) {
		struct undo *u = &journal[i];

		/* The same place written again (a thread state at a freed one's address): the
		 * first value vizbpf found there is the one to put back. */
		if (u->pid == e->pid && u->addr == e->addr && u->kind == e->kind) {
			u->now = e->now;
			u->tstate = e->tstate;
			if (e->kind == UNDO_WIDEN)
				u->was = e->was;
			return;
		}
	}
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < JOURNAL_MAX; i++) {
			struct undo *u = &journal[i];

			/* A free slot; when full, the slot of a process that ended. */
			if (pass == 0 ? u->pid != 0 : proc_start_time(u->pid) == u->start)
				continue;
			u->pid = 0;
			*u = *e;
			u->pid = 0;
			__atomic_store_n(&u->pid, e->pid, __ATOMIC_RELEASE);
			return;
		}
	}
	if (!warned)
		elog("warning: watchdog journal full: if vizbpf is killed, some writes into traced "
		     "processes stay");
	warned = true;
}

void watchdog_note(uint32_t pid, uint64_t addr, uint32_t size, uint64_t now, uint64_t was)
{
	note(&(struct undo){ pid, size, proc_start_time(pid), addr, now, was, 0, UNDO_SET });
}

void watchdog_note_widen(uint32_t pid, uint64_t tstate, uint64_t addr, int32_t c_limit,
			 int32_t widen_by)
{
	note(&(struct undo){ pid, 4, proc_start_time(pid), addr, (uint64_t)c_limit, (uint64_t)widen_by,
			     tstate, UNDO_WIDEN });
}

void watchdog_forget(uint32_t pid)
{
	if (!journal)
		return;
	for (int i = 0; i < JOURNAL_MAX; i++)
		if (journal[i].pid == pid)
			__atomic_store_n(&journal[i].pid, 0, __ATOMIC_RELEASE);
}

void watchdog_forget_at(uint32_t pid, uint64_t addr)
{
	if (!journal)
		return;
	for (int i = 0; i < JOURNAL_MAX; i++)
		if (journal[i].pid == pid && journal[i].addr == addr)
			__atomic_store_n(&journal[i].pid, 0, __ATOMIC_RELEASE);
}

void watchdog_forget_all(void)
{
	if (journal)
		memset(journal, 0, JOURNAL_MAX * sizeof(*journal));
}

struct live {
	uint64_t *v;
	int n, cap;
};

static int collect_tstate(void *ctx, const struct pystack_thread *th)
{
	struct live *l = ctx;

	if (l->n < l->cap)
		l->v[l->n++] = th->tstate;
	return 0;
}

/* The thread states pid's interpreter lists now (it is held still). */
static void live_tstates(uint32_t pid, struct live *l)
{
	static struct py_interp pi; /* 8 KB: not on the stack */
	struct vz_py_offsets off;
	uint64_t bias = 0;
	char err[256];

	l->n = 0;
	if (py_interp__inspect_pid(pid, &pi, &bias, err, sizeof(err)) ||
	    py_offsets__get(pi.major, pi.minor, &off))
		return;
	pystack_threads(pid, &off, bias + pi.pyruntime_vaddr, collect_tstate, l);
}

static bool is_live(const struct live *l, uint64_t tstate)
{
	for (int i = 0; i < l->n; i++)
		if (l->v[i] == tstate)
			return true;
	return false;
}

/* Keeps a journal entry of pid for undo_all's next pass. */
static int retry_later(struct undo *u, uint32_t pid)
{
	__atomic_store_n(&u->pid, pid, __ATOMIC_RELEASE);
	return 1;
}

/* Puts back pid's writes, with its threads held still, where vizbpf's values still are.
 * Returns how many widened budgets were left for later (their thread too deep now). */
static int undo_process(uint32_t pid, struct freeze *fz, struct live *l, bool last)
{
	bool held = false, listed = false;
	int deferred = 0;

	for (int i = 0; i < JOURNAL_MAX; i++) {
		struct undo *u = &journal[i];
		uint64_t cur = 0;
		int32_t remaining;

		if (u->pid != pid)
			continue;
		u->pid = 0;
		if (!u->start || proc_start_time(pid) != u->start)
			continue; /* gone, or another process under the same pid */
		if (!held && freeze_process(pid, fz)) {
			/* Not held still now (a thread being traced by someone else, ...): again
			 * on the next pass, rather than never. */
			if (!last)
				deferred += retry_later(u, pid);
			continue;
		}
		held = true;
		if (u->kind == UNDO_SET) {
			if (!procmem_read(pid, u->addr, &cur, u->size) &&
			    (u->size == 8 ? cur : (uint32_t)cur) ==
				    (u->size == 8 ? u->now : (uint32_t)u->now))
				procmem_write(pid, u->addr, &u->was, u->size);
			continue;
		}
		/* A widened C recursion budget: only in a thread state still alive, and only
		 * while above the interpreter's own budget. Below it, it is either a widened
		 * thread deep in a recursion right now, or a thread started since at the same
		 * address, never widened, which must not be narrowed: tried again as it
		 * unwinds, and left as it is if it stays that deep. */
		if (!listed)
			live_tstates(pid, l);
		listed = true;
		if (!is_live(l, u->tstate) || procmem_read(pid, u->addr, &remaining, 4))
			continue;
		if (remaining <= (int32_t)u->now) {
			if (!last)
				deferred += retry_later(u, pid);
			continue;
		}
		remaining = remaining > (int32_t)u->was ? remaining - (int32_t)u->was : 1;
		procmem_write(pid, u->addr, &remaining, 4);
	}
	if (held)
		thaw_process(fz);
	return deferred;
}

#define UNDO_TRIES 100 /* 10 ms apart: a thread deep in a recursion has a second to unwind */

static void undo_all(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct freeze *fz = malloc(sizeof(*fz));
	struct live l = { .v = calloc(FREEZE_MAX_THREADS, sizeof(uint64_t)),
			  .cap = FREEZE_MAX_THREADS };
	static uint32_t pids[JOURNAL_MAX];
	int n, deferred = 1;

	for (int k = 1; fz && l.v && deferred && k <= UNDO_TRIES; k++) {
		/* Each process once a pass (undo_process empties its entries, then puts back the
		 * deferred ones). */
		n = 0;
		for (int i = 0; i < JOURNAL_MAX; i++) {
			uint32_t pid = journal[i].pid;
			bool seen = false;

			for (int j = 0; pid && j < n && !seen; j++)
				seen = pids[j] == pid;
			if (pid && !seen)
				pids[n++] = pid;
		}
		deferred = 0;
		for (int j = 0; j < n; j++)
			deferred += undo_process(pids[j], fz, &l, k == UNDO_TRIES);
		if (deferred)
			nanosleep(&tick, NULL);
	}
	free(l.v);
	free(fz);
}

/* 'T' stopped, another state letter, or 0 when the thread is gone. */
static char thread_state(__u32 tgid, __u32 tid)
{
	char path[64], buf[512];
	const char *f;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", tgid, tid);
	f = proc_stat_fields(path, buf, sizeof(buf));
	if (!f) { /* the thread is gone: its process may still be stopped */
		snprintf(path, sizeof(path), "/proc/%u/stat", tgid);
		f = proc_stat_fields(path, buf, sizeof(buf));
	}
	if (!f || f[0] == 'Z' || f[0] == 'X')
		return 0;
	return f[0];
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
		st = thread_state(tgid, key & ~(VZ_HELD_PROC | VZ_HELD_EXEC));
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
	int fd;

	/* Out of vizbpf's session, terminal and output (quiet.h); and the OOM killer should take
	 * anything else first. */
	quiet_helper("vizbpf-watchdog");
	fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "-1000", 5) < 0) {
			/* not fatal */
		}
		close(fd);
	}
	/* Keep nothing of vizbpf's but the map: not its output files or locks. */
	if (map != 3) {
		dup2(map, 3);
		map = 3;
	}
	syscall(SYS_close_range, 4, ~0U, 0);

	wait_for_exit(vz);
	/* Let go what BPF holds first (a stopped process can be held still, but the sooner it
	 * runs the better), then put back what vizbpf wrote. */
	release_pass(map);
	undo_all();
	/* A while even with nothing left: a BPF program that ran as vizbpf's links went may
	 * hold something a moment later. */
	for (int ms = 0; (release_pass(map) > 0 || ms < MIN_WATCH_MS) && ms < GRACE_MS; ms += POLL_MS)
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
