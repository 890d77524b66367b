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
 *
 * The call returns into a signal frame (sigframe.h) that puts the thread back as it was: if
 * vizbpf dies during the call, the thread goes on by itself. vizbpf, alive, stops it at that
 * frame's rt_sigreturn and puts it back itself, exactly (system call restarts included).
 */
#include <elf.h>
#include <errno.h>
#include <sched.h>
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
#include "sigframe.h"

#define RTLD_NOW_ 0x2
#define RTLD_NODELETE_ 0x1000
#define STACK_ROOM (64 * 1024) /* what dlopen may need of the thread's stack */
#define ATTEMPTS 100           /* of holding the process, 10 ms apart */
#define RELEASE_OTHERS_NS (200 * 1000000ull)

struct target {
	pid_t pid;
	struct proc_maps maps;
	uint64_t dlopen;
	uint64_t errno_got;  /* where libc keeps errno's offset from the thread pointer, or 0 */
	uint64_t restorer;   /* 'mov $15, %rax; syscall' in its libc */
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

/* tid's blocked and caught signals (/proc). Returns 0, or -1 when it cannot be read. */
static int signal_masks(pid_t pid, pid_t tid, uint64_t *blocked, uint64_t *caught)
{
	unsigned long long b = 0, c = 0;
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "SigBlk: %llx", &b);
		sscanf(line, "SigCgt: %llx", &c);
	}
	fclose(f);
	*blocked = b;
	*caught = c;
	return 0;
}

/*
 * The thread may be running a signal handler: a caught signal is blocked (a handler blocks its
 * own signal while it runs). It may be on an alternate signal stack then (CPython installs its
 * handlers with SA_ONSTACK; faulthandler gives threads one), whose mapping says nothing of
 * the room below it.
 */
static bool maybe_in_handler(pid_t pid, pid_t tid)
{
	uint64_t blocked, caught;

	return signal_masks(pid, tid, &blocked, &caught) || (blocked & caught);
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

/*
 * glibc's __errno_location is 'mov GOT(%rip), %rax; add %fs:0, %rax; ret': errno lies at the
 * thread pointer plus the offset in that GOT slot. Read, not called: a call's result is what
 * the thread's put-back frame cannot keep. 0 when the code is not that (errno not kept).
 */
static uint64_t errno_got(pid_t pid, uint64_t fn)
{
	static const uint8_t add_fs[] = { 0x64, 0x48, 0x03, 0x04, 0x25, 0, 0, 0, 0 };
	uint8_t code[16];
	int32_t disp;

	if (procmem_read(pid, fn, code, sizeof(code)) || code[0] != 0x48 || code[1] != 0x8b ||
	    code[2] != 0x05 || memcmp(code + 7, add_fs, sizeof(add_fs)))
		return 0;
	memcpy(&disp, code + 3, sizeof(disp));
	return fn + 7 + (int64_t)disp;
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
	if (!elf_file__sym(elf, "__errno_location", &v, NULL))
		t->errno_got = errno_got(t->pid, bias + v);
	elf_file__close(elf);
	if (!t->dlopen) {
		snprintf(msg, len, "its libc (%s) has no dlopen", t->libc);
		return -ENOENT;
	}
	t->restorer = sigframe_find_restorer(t->pid, &t->maps, t->libc);
	if (!t->restorer) {
		snprintf(msg, len, "its libc (%s) has no rt_sigreturn restorer", t->libc);
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
 * Waits for tid's next stop; a stop for a signal meanwhile (but 'want', 0: none) keeps it for
 * when the thread is let go, and goes on with 'resume'. The other threads are let go once the
 * wait is long: one may hold a lock the call needs. Returns the wait status, or -errno.
 */
static int next_stop(pid_t pid, struct freeze *fz, int *at, uint64_t start, int resume, int want)
{
	pid_t tid = fz->tids[*at];
	bool told = false;
	int st;

	for (;;) {
		pid_t got = waitpid(tid, &st, __WALL | WNOHANG);
		uint64_t waited = monotonic_ns() - start;

		if (got < 0 && errno != EINTR)
			return -errno;
		if (got <= 0) {
			if (fz->n > 1 && waited > RELEASE_OTHERS_NS) {
				release_others(fz, *at);
				*at = 0;
			}
			if (!told && waited > 2000000000ull) {
				ilog("pid %d: waiting for thread %d's dlopen() to return", pid, tid);
				told = true;
			}
			/* A few syscall stops a call: a yield while they come quickly. */
			if (waited < 5000000)
				sched_yield();
			else
				sleep_ns(100 * 1000);
			continue;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return -ESRCH;
		if (st >> 16 == PTRACE_EVENT_STOP || WSTOPSIG(st) == (SIGTRAP | 0x80) ||
		    WSTOPSIG(st) == SIGSEGV || (want && WSTOPSIG(st) == want))
			return st;
		/* A signal for the thread meanwhile: delivered when it is let go. */
		if (!fz->sigs[*at])
			fz->sigs[*at] = WSTOPSIG(st);
		if (ptrace(resume, tid, NULL, NULL))
			return -errno;
	}
}

/* A real-time signal tid does not block: queued apart from any the program sends. */
static int spare_signal(uint64_t blocked)
{
	for (int sig = SIGRTMAX; sig > SIGRTMIN + 2; sig--)
		if (!(blocked & (1ull << (sig - 1))))
			return sig;
	return 0;
}

/*
 * Puts tid back as it was (saved, xstate) from a stop at its frame's rt_sigreturn, and lets it
 * make again the system call it was in; then stops it for a signal of vizbpf's (not delivered),
 * as freeze_process() left it: thaw_process() lets it go with the signal it was stopped with
 * (a stop that is not for a signal would not take one), a system call it is in restarting.
 */
static int put_back(pid_t pid, struct freeze *fz, int *at, const struct user_regs_struct *saved,
		    struct iovec *xstate, uint64_t blocked)
{
	struct user_regs_struct r = *saved;
	int sig = spare_signal(blocked), st;
	pid_t tid = fz->tids[*at];

	if (!sig)
		return -EAGAIN;
	r.orig_rax = (uint64_t)sigframe_restart_nr(saved);
	if (ptrace(PTRACE_SETREGSET, tid, (void *)NT_X86_XSTATE, xstate) ||
	    ptrace(PTRACE_SETREGS, tid, NULL, &r) || syscall(SYS_tgkill, pid, tid, sig) ||
	    ptrace(PTRACE_CONT, tid, NULL, NULL))
		return -errno;
	for (;;) {
		st = next_stop(pid, fz, at, monotonic_ns(), PTRACE_CONT, sig);
		if (st < 0)
			return st;
		if (st >> 16 != PTRACE_EVENT_STOP && WSTOPSIG(st) == sig)
			return 0;
		if (ptrace(PTRACE_CONT, fz->tids[*at], NULL, NULL))
			return -errno;
	}
}

/*
 * Calls fn(a0, a1) on thread fz->tids[*at], stopped with registers saved and extended state
 * xstate, the call's stack below 'below'. The thread is put back as it was in any case.
 */
static int remote_call(struct target *t, struct freeze *fz, int *at,
		       const struct user_regs_struct *saved, struct iovec *xstate, uint64_t below,
		       uint64_t fn, uint64_t a0, uint64_t a1)
{
	struct user_regs_struct r = *saved;
	uint64_t start = monotonic_ns(), sp;
	pid_t tid = fz->tids[*at];
	uint64_t blocked = 0, caught;
	int st, err;

	/* It runs no handler (classify()): what it blocks now is its own mask. */
	signal_masks(t->pid, tid, &blocked, &caught);
	err = sigframe_write(t->pid, below, t->restorer, saved, xstate->iov_base, xstate->iov_len,
			     blocked, &sp);
	if (err)
		return err;
	r.rsp = sp;
	r.rip = fn;
	r.rdi = a0;
	r.rsi = a1;
	r.rax = 0;
	r.orig_rax = -1; /* no system call restart on the way to the call */
	if (ptrace(PTRACE_SETOPTIONS, tid, NULL, (void *)PTRACE_O_TRACESYSGOOD) ||
	    ptrace(PTRACE_SETREGS, tid, NULL, &r) || ptrace(PTRACE_SYSCALL, tid, NULL, NULL))
		return -errno;
	for (;;) {
		st = next_stop(t->pid, fz, at, start, PTRACE_SYSCALL, 0);
		if (st < 0)
			return st;
		tid = fz->tids[*at];
		if (WSTOPSIG(st) == SIGSEGV && st >> 16 != PTRACE_EVENT_STOP) {
			/* A fault inside the call: its registers go back, as the signal goes. */
			ptrace(PTRACE_SETREGSET, tid, (void *)NT_X86_XSTATE, xstate);
			ptrace(PTRACE_SETREGS, tid, NULL, saved);
			return -EFAULT;
		}
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			if (ptrace(PTRACE_GETREGS, tid, NULL, &r))
				return -errno;
			if (sigframe_returning(&r, t->restorer))
				return put_back(t->pid, fz, at, saved, xstate, blocked);
		}
		if (ptrace(PTRACE_SYSCALL, tid, NULL, NULL))
			return -errno;
	}
}

/* lib is mapped in pid now. */
static bool mapped(pid_t pid, const char *lib)
{
	struct proc_maps m;
	bool yes;

	memset(&m, 0, sizeof(m));
	yes = !proc_maps__read_pid(pid, &m) && proc_maps__find(&m, lib);
	proc_maps__free(&m);
	return yes;
}

/* dlopen(lib) on thread fz->tids[*at]: 0, or -errno with msg. The thread is put back. */
static int call_dlopen(struct target *t, struct freeze *fz, int *at, const char *lib, char *msg,
		       size_t len)
{
	static char xstate[64 * 1024];
	struct iovec fp = { xstate, sizeof(xstate) };
	struct user_regs_struct saved;
	uint64_t path_at, tpoff = 0, errno_at = 0;
	size_t n = strlen(lib) + 1;
	int saved_errno = 0, err;
	pid_t tid = fz->tids[*at];

	if (ptrace(PTRACE_GETREGS, tid, NULL, &saved) ||
	    ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &fp)) {
		err = -errno;
		snprintf(msg, len, "reading thread %d's registers: %s", tid, strerror(errno));
		return err;
	}
	if (t->errno_got && !procmem_read(t->pid, t->errno_got, &tpoff, sizeof(tpoff)) &&
	    !procmem_read(t->pid, saved.fs_base + tpoff, &saved_errno, sizeof(saved_errno)))
		errno_at = saved.fs_base + tpoff;
	/* Below the red zone of whatever the thread was running. */
	path_at = (saved.rsp - 512 - n) & ~15ull;
	err = procmem_write(t->pid, path_at, lib, n) ?:
	      remote_call(t, fz, at, &saved, &fp, path_at, t->dlopen, path_at,
			  RTLD_NOW_ | RTLD_NODELETE_);
	if (err)
		snprintf(msg, len, "calling dlopen() in thread %d: %s", tid, strerror(-err));
	else if (!mapped(t->pid, lib)) {
		/* dlerror() would say why, but a call's result is what the frame cannot keep. */
		snprintf(msg, len, "dlopen(%s) failed in it", lib);
		err = -ENOEXEC;
	}
	if (errno_at)
		procmem_write(t->pid, errno_at, &saved_errno, sizeof(saved_errno));
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
