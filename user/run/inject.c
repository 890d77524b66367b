// SPDX-License-Identifier: BSD-2-Clause
/*
 * --inject: one thread of a running process calls dlopen() on the evaluator's library,
 * hijacked with ptrace (registers saved, a call set up below its stack pointer, registers put
 * back after it), while the process's other threads are held still.
 *
 * dlopen takes the dynamic loader's lock and allocates (malloc): a thread stopped inside the
 * loader or malloc may hold their locks, and the hijacked thread would then wait for itself
 * for ever. So the thread called on must stand at a safe point, checked:
 *  - best, it runs the interpreter's own code (its instruction pointer in the interpreter's
 *    executable mapping, not in a system call): such code is never called by malloc or by
 *    the loader;
 *  - else, it waits in a system call made from libc, not one of those malloc makes while it
 *    holds an arena (mmap, munmap, mprotect, mremap, madvise, brk);
 *  - never with its instruction pointer in the dynamic loader, nor while a caught signal is
 *    blocked (it may be in the handler, on an alternate signal stack), and only with room on
 *    its stack.
 * Another thread, held still, may hold a lock dlopen needs: when the call has not returned
 * after a moment, the others are let go (they release what they hold) and the call finishes.
 * A system call the thread was in restarts when its registers are put back, as after a
 * signal handler; its errno and its floating-point and vector registers are put back too.
 */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "freeze.h"
#include "inject.h"
#include "symbols/elf.h"
#include "symbols/procmaps.h"
#include "user/base/log.h"
#include "user/base/procmem.h"

#define RTLD_NOW_ 0x2
#define RTLD_NODELETE_ 0x1000
#define STACK_ROOM (64 * 1024) /* what dlopen may need of the thread's stack */
#define ATTEMPTS 100           /* of holding the process, 10 ms apart */
#define RELEASE_OTHERS_NS (200 * 1000000ull)

struct target {
	pid_t pid;
	struct proc_maps maps;
	uint64_t dlopen, dlerror, errno_location;
	char libc[4096]; /* its path as mapped */
	const char *interp;
};

enum { UNSAFE, IN_SYSCALL, IN_INTERPRETER };

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool is_libc(const char *path)
{
	const char *b = base_name(path);

	return !strcmp(b, "libc.so.6") || (!strncmp(b, "libc-2.", 7) && strstr(b, ".so"));
}

static bool is_ld(const char *path)
{
	const char *b = base_name(path);

	return !strncmp(b, "ld-linux", 8) || !strncmp(b, "ld-2.", 5);
}

/* addr lies in an executable mapping of path (NULL: of the dynamic loader). */
static bool in_code_of(const struct target *t, const char *path, uint64_t addr)
{
	for (size_t i = 0; i < t->maps.n; i++) {
		const struct proc_map *m = &t->maps.maps[i];

		if (addr < m->start || addr >= m->end)
			continue;
		if (!m->path || m->perms[2] != 'x')
			return false;
		return path ? !strcmp(m->path, path) : is_ld(m->path);
	}
	return false;
}

/* The mapping holding sp leaves dlopen room below it (or is the main stack, which grows).
 * Read from /proc: struct proc_maps keeps file mappings only, and thread stacks are not. */
static bool stack_room(pid_t pid, uint64_t sp)
{
	char path[64], line[512];
	bool room = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long start, end;

		if (sscanf(line, "%llx-%llx", &start, &end) != 2 || sp < start || sp >= end)
			continue;
		room = strstr(line, "[stack]") || sp - start >= STACK_ROOM;
		break;
	}
	fclose(f);
	return room;
}

/*
 * The thread may be running a signal handler: a caught signal is blocked (a handler blocks its
 * own signal while it runs). It may be on an alternate signal stack then (CPython installs its
 * handlers with SA_ONSTACK; faulthandler gives threads one), whose mapping says nothing of
 * the room below it.
 */
static bool maybe_in_handler(pid_t pid, pid_t tid)
{
	unsigned long long blocked = 0, caught = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return true;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "SigBlk: %llx", &blocked);
		sscanf(line, "SigCgt: %llx", &caught);
	}
	fclose(f);
	return blocked & caught;
}

static int classify(const struct target *t, pid_t tid, const struct user_regs_struct *r)
{
	if (in_code_of(t, NULL, r->rip) || !stack_room(t->pid, r->rsp) ||
	    maybe_in_handler(t->pid, tid))
		return UNSAFE;
	if ((long long)r->orig_rax >= 0) {
		switch (r->orig_rax) {
		case SYS_mmap: case SYS_munmap: case SYS_mprotect: case SYS_mremap:
		case SYS_madvise: case SYS_brk:
			return UNSAFE;
		}
		return in_code_of(t, t->libc, r->rip) ? IN_SYSCALL : UNSAFE;
	}
	return in_code_of(t, t->interp, r->rip) ? IN_INTERPRETER : UNSAFE;
}

static int find_symbols(struct target *t, char *msg, size_t len)
{
	char path[4200];
	struct elf_file *elf;
	uint64_t bias, v;

	for (size_t i = 0; i < t->maps.n && !t->libc[0]; i++)
		if (t->maps.maps[i].path && is_libc(t->maps.maps[i].path))
			snprintf(t->libc, sizeof(t->libc), "%s", t->maps.maps[i].path);
	if (!t->libc[0]) {
		snprintf(msg, len, "no glibc mapped");
		return -ENOENT;
	}
	snprintf(path, sizeof(path), "/proc/%d/root%s", t->pid, t->libc);
	elf = elf_file__open(path);
	if (!elf || proc_maps__load_bias(&t->maps, t->libc, elf, &bias)) {
		snprintf(msg, len, "cannot read its libc (%s)", t->libc);
		if (elf)
			elf_file__close(elf);
		return -ENOENT;
	}
	/* glibc 2.34+ has dlopen in libc; before, libc's own __libc_dlopen_mode. */
	if (!elf_file__sym(elf, "dlopen", &v, NULL) || !elf_file__sym(elf, "__libc_dlopen_mode", &v, NULL))
		t->dlopen = bias + v;
	if (!elf_file__sym(elf, "dlerror", &v, NULL))
		t->dlerror = bias + v;
	if (!elf_file__sym(elf, "__errno_location", &v, NULL))
		t->errno_location = bias + v;
	elf_file__close(elf);
	if (!t->dlopen) {
		snprintf(msg, len, "its libc (%s) has no dlopen", t->libc);
		return -ENOENT;
	}
	return 0;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { 0, ns };

	nanosleep(&ts, NULL);
}

/* Lets every held thread but fz->tids[keep] go on, as thaw_process() would (the signals they
 * were stopped with, a BPF hold kept). */
static void release_others(struct freeze *fz, int keep)
{
	pid_t tid = fz->tids[keep];
	int sig = fz->sigs[keep];

	fz->tids[keep] = fz->tids[fz->n - 1];
	fz->sigs[keep] = fz->sigs[fz->n - 1];
	fz->n--;
	thaw_process(fz);
	fz->tids[0] = tid;
	fz->sigs[0] = sig;
	fz->n = 1;
}

/*
 * Calls fn(a0, a1) on thread fz->tids[*at], with saved as its registers, the call's stack
 * below 'below' (a return to address 0 ends it: SIGSEGV there, never delivered).
 */
static int remote_call(pid_t pid, struct freeze *fz, int *at, const struct user_regs_struct *saved,
		       uint64_t below, uint64_t fn, uint64_t a0, uint64_t a1, uint64_t *ret)
{
	struct user_regs_struct r = *saved;
	uint64_t zero = 0, start = monotonic_ns();
	pid_t tid = fz->tids[*at];
	bool others_held = fz->n > 1, told = false;
	int st, err;

	/* At a function's first instruction the stack pointer is 8 past a 16-byte boundary. */
	r.rsp = ((below - 128) & ~15ull) - 8;
	err = procmem_write(pid, r.rsp, &zero, sizeof(zero));
	if (err)
		return err;
	r.rip = fn;
	r.rdi = a0;
	r.rsi = a1;
	r.rax = 0;
	r.orig_rax = -1; /* no system call restart on the way to the call */
	if (ptrace(PTRACE_SETREGS, tid, NULL, &r) || ptrace(PTRACE_CONT, tid, NULL, NULL))
		return -errno;
	for (;;) {
		pid_t got = waitpid(tid, &st, __WALL | WNOHANG);

		if (got < 0 && errno != EINTR)
			return -errno;
		if (got <= 0) {
			uint64_t waited = monotonic_ns() - start;

			if (others_held && waited > RELEASE_OTHERS_NS) {
				/* Another thread may hold a lock the call needs. */
				release_others(fz, *at);
				*at = 0;
				others_held = false;
			}
			if (!told && waited > 2000000000ull) {
				ilog("pid %d: waiting for thread %d's dlopen() to return", pid, tid);
				told = true;
			}
			sleep_ns(100 * 1000);
			continue;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return -ESRCH;
		if (st >> 16 == PTRACE_EVENT_STOP) {
			if (ptrace(PTRACE_CONT, tid, NULL, NULL))
				return -errno;
			continue;
		}
		if (WSTOPSIG(st) == SIGSEGV) {
			if (ptrace(PTRACE_GETREGS, tid, NULL, &r))
				return -errno;
			if (r.rip == 0) {
				*ret = r.rax;
				return 0;
			}
			return -EFAULT; /* a fault inside the call: its registers go back */
		}
		/* A signal for the thread meanwhile: delivered when it is let go. */
		if (!fz->sigs[*at])
			fz->sigs[*at] = WSTOPSIG(st);
		if (ptrace(PTRACE_CONT, tid, NULL, NULL))
			return -errno;
	}
}

/* dlopen(lib) on thread fz->tids[*at]: 0, or -errno with msg. Its registers go back. */
static int call_dlopen(struct target *t, struct freeze *fz, int *at, const char *lib, char *msg,
		       size_t len)
{
	static char xstate[64 * 1024];
	struct iovec fp = { xstate, sizeof(xstate) };
	struct user_regs_struct saved;
	uint64_t path_at, handle = 0, errno_at = 0, error = 0;
	size_t n = strlen(lib) + 1;
	int saved_errno = 0, err;
	pid_t tid = fz->tids[*at];
	bool have_fp;

	if (ptrace(PTRACE_GETREGS, tid, NULL, &saved))
		return -errno;
	have_fp = !ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &fp);
	/* Below the red zone of whatever the thread was running. */
	path_at = (saved.rsp - 512 - n) & ~15ull;
	err = procmem_write(t->pid, path_at, lib, n);
	if (!err && t->errno_location &&
	    !remote_call(t->pid, fz, at, &saved, path_at, t->errno_location, 0, 0, &errno_at))
		procmem_read(t->pid, errno_at, &saved_errno, sizeof(saved_errno));
	if (!err)
		err = remote_call(t->pid, fz, at, &saved, path_at, t->dlopen, path_at,
				  RTLD_NOW_ | RTLD_NODELETE_, &handle);
	if (!err && !handle) {
		char why[256] = "";

		if (t->dlerror &&
		    !remote_call(t->pid, fz, at, &saved, path_at, t->dlerror, 0, 0, &error) && error)
			procmem_read(t->pid, error, why, sizeof(why) - 1);
		snprintf(msg, len, "dlopen(%s) failed in it: %s", lib, why[0] ? why : "(no reason given)");
		err = -ENOEXEC;
	} else if (err) {
		snprintf(msg, len, "calling dlopen() in thread %d: %s", tid, strerror(-err));
	}
	if (errno_at)
		procmem_write(t->pid, errno_at, &saved_errno, sizeof(saved_errno));
	tid = fz->tids[*at];
	if (have_fp)
		ptrace(PTRACE_SETREGSET, tid, (void *)NT_X86_XSTATE, &fp);
	if (ptrace(PTRACE_SETREGS, tid, NULL, &saved) && !err) {
		snprintf(msg, len, "putting thread %d's registers back: %s", tid, strerror(errno));
		err = -errno;
	}
	return err;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* One hold of the process: -EAGAIN when no thread stood at a safe point. */
static int try_once(struct target *t, const char *lib, char *msg, size_t len)
{
	struct freeze *fz = malloc(sizeof(*fz));
	int best = -1, best_kind = UNSAFE, err;

	if (!fz)
		return -ENOMEM;
	err = freeze_process(t->pid, fz);
	if (err) {
		snprintf(msg, len, "cannot stop its threads (ptrace: %s)", strerror(-err));
		free(fz);
		return err;
	}
	proc_maps__free(&t->maps);
	err = proc_maps__read_pid(t->pid, &t->maps);
	for (int i = 0; !err && i < fz->n && best_kind != IN_INTERPRETER; i++) {
		struct user_regs_struct r;
		int kind;

		if (ptrace(PTRACE_GETREGS, fz->tids[i], NULL, &r))
			continue;
		kind = classify(t, fz->tids[i], &r);
		vlog("pid %d: thread %d at 0x%llx (system call %lld): %s", t->pid, fz->tids[i],
		     (unsigned long long)r.rip, (long long)r.orig_rax,
		     kind == IN_INTERPRETER ? "in the interpreter" :
		     kind == IN_SYSCALL ? "in a system call" : "not at a safe point");
		if (kind > best_kind) {
			best = i;
			best_kind = kind;
		}
	}
	if (!err && best < 0)
		err = -EAGAIN;
	if (!err) {
		vlog("pid %d: dlopen() from thread %d (%s)", t->pid, fz->tids[best],
		     best_kind == IN_INTERPRETER ? "in the interpreter" : "in a system call");
		err = call_dlopen(t, fz, &best, lib, msg, len);
	}
	thaw_process(fz);
	free(fz);
	return err;
}

int inject_library(pid_t pid, const char *lib, const char *interp_lib, char *msg, size_t len)
{
	static struct target t; /* 4 KB: not on the stack */
	char there[4200];
	int err;

	memset(&t, 0, sizeof(t));
	t.pid = pid;
	t.interp = interp_lib;
	msg[0] = '\0';
	snprintf(there, sizeof(there), "/proc/%d/root%s", pid, lib);
	if (!same_file(lib, there)) {
		snprintf(msg, len, "%s is not the same file in its mount namespace", lib);
		return -ENOENT;
	}
	err = proc_maps__read_pid(pid, &t.maps);
	if (err) {
		snprintf(msg, len, "cannot read its memory map: %s", strerror(-err));
		return err;
	}
	/* Loaded by an earlier vizbpf --inject (it stays): nothing to do. */
	if (proc_maps__find(&t.maps, lib)) {
		proc_maps__free(&t.maps);
		return 0;
	}
	err = find_symbols(&t, msg, len);
	if (!err)
		err = try_once(&t, lib, msg, len);
	for (int i = 1; err == -EAGAIN && i < ATTEMPTS; i++) {
		sleep_ns(10 * 1000000);
		err = try_once(&t, lib, msg, len);
	}
	if (err == -EAGAIN)
		snprintf(msg, len, "no thread came to a safe point to load %s (%d tries)", lib,
			 ATTEMPTS);
	proc_maps__free(&t.maps);
	return err;
}
