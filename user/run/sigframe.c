// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "symbols/procmaps.h"
#include "user/base/procmem.h"
#include "sigframe.h"

/* The kernel's x86-64 signal frame (arch/x86/include/asm/sigframe.h, uapi asm/sigcontext.h
 * and asm/ucontext.h): what rt_sigreturn reads at the stack pointer minus 8. */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t di, si, bp, bx, dx, ax, cx, sp, ip, flags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate; /* the extended state image, 64-byte aligned */
	uint64_t reserved1[8];
};

struct k_stack {
	uint64_t ss_sp;
	int32_t ss_flags;
	int32_t pad;
	uint64_t ss_size;
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct k_stack uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct k_rt_sigframe {
	uint64_t pretcode; /* the return address of the call: the restorer */
	struct k_ucontext uc;
	uint8_t info[128]; /* siginfo: read by nobody, but inside the frame the kernel checks */
};

_Static_assert(sizeof(struct k_sigcontext) == 256, "struct sigcontext");
_Static_assert(sizeof(struct k_ucontext) == 304, "struct ucontext");

#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
#define FP_XSTATE_MAGIC1 0x46505853u
#define FP_XSTATE_MAGIC2 0x46505845u
#define SW_RESERVED_AT 464 /* struct _fpx_sw_bytes in the FXSAVE area */
/* Not SS_ONSTACK, SS_DISABLE or 0: the kernel refuses it and leaves the thread's alternate
 * signal stack as it is (restore_altstack ignores the error). The frame does not know it. */
#define SS_FLAGS_KEEP 3

#define ERESTARTSYS_ 512
#define ERESTARTNOINTR_ 513
#define ERESTARTNOHAND_ 514
#define ERESTART_RESTARTBLOCK_ 516

static const uint8_t restorer_code[] = { 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05 };

/* The last restorer found, by file: the same libc in every process, at its own address. */
static struct {
	uint64_t inode, file_off;
	unsigned int major, minor;
} cache;

static uint64_t cached(const struct proc_map *m)
{
	if (!cache.inode || cache.inode != m->inode || cache.major != m->dev_major ||
	    cache.minor != m->dev_minor || cache.file_off < m->offset ||
	    cache.file_off + sizeof(restorer_code) > m->offset + (m->end - m->start))
		return 0;
	return m->start + (cache.file_off - m->offset);
}

static uint64_t search(pid_t pid, const struct proc_map *m)
{
	enum { CHUNK = 64 * 1024 };
	uint8_t *buf = malloc(CHUNK);
	uint64_t found = 0;

	for (uint64_t at = m->start; buf && !found && at < m->end; at += CHUNK - sizeof(restorer_code)) {
		size_t n = m->end - at < CHUNK ? m->end - at : CHUNK;

		if (procmem_read(pid, at, buf, n))
			break;
		for (size_t i = 0; i + sizeof(restorer_code) <= n; i++)
			if (buf[i] == 0x48 && !memcmp(buf + i, restorer_code, sizeof(restorer_code))) {
				found = at + i;
				break;
			}
		if (n < CHUNK)
			break;
	}
	free(buf);
	if (found) {
		cache.inode = m->inode;
		cache.major = m->dev_major;
		cache.minor = m->dev_minor;
		cache.file_off = m->offset + (found - m->start);
	}
	return found;
}

uint64_t sigframe_find_restorer(pid_t pid, const struct proc_maps *maps, const char *path)
{
	uint64_t at;

	for (size_t i = 0; i < maps->n; i++) {
		const struct proc_map *m = &maps->maps[i];

		if (!m->path || m->perms[2] != 'x' || strcmp(m->path, path))
			continue;
		if ((at = cached(m)) || (at = search(pid, m)))
			return at;
	}
	return 0;
}

bool sigframe_returning(const struct user_regs_struct *r, uint64_t restorer)
{
	return r->orig_rax == SYS_rt_sigreturn && r->rip == restorer + sizeof(restorer_code);
}

long sigframe_restart_nr(const struct user_regs_struct *saved)
{
	if ((long long)saved->orig_rax < 0)
		return -1;
	switch (-(long long)saved->rax) {
	case ERESTARTSYS_:
	case ERESTARTNOINTR_:
	case ERESTARTNOHAND_:
		return (long)saved->orig_rax;
	case ERESTART_RESTARTBLOCK_:
		return SYS_restart_syscall;
	}
	return -1;
}

int sigframe_write(pid_t pid, uint64_t below, uint64_t restorer,
		   const struct user_regs_struct *saved, const void *xstate, size_t xstate_len,
		   uint64_t sigmask, uint64_t *sp)
{
	struct k_rt_sigframe f;
	struct k_sigcontext *sc = &f.uc.uc_mcontext;
	uint32_t magic2 = FP_XSTATE_MAGIC2, magic1 = 0, size = 0;
	uint64_t fp_at, frame_at;
	long restart = sigframe_restart_nr(saved);
	int err;

	/* The image as the kernel gave it says its size in its software bytes; the kernel checks
	 * the second magic there (else it restores the legacy FP and SSE state only). */
	if (xstate_len < SW_RESERVED_AT + 16)
		return -EINVAL;
	memcpy(&magic1, (const uint8_t *)xstate + SW_RESERVED_AT, 4);
	memcpy(&size, (const uint8_t *)xstate + SW_RESERVED_AT + 12, 4);
	if (magic1 != FP_XSTATE_MAGIC1 || size > xstate_len)
		size = (uint32_t)xstate_len;
	fp_at = (below - size - sizeof(magic2)) & ~63ull;
	/* At a function's first instruction the stack pointer is 8 past a 16-byte boundary. */
	frame_at = ((fp_at - sizeof(f)) & ~15ull) - 8;

	memset(&f, 0, sizeof(f));
	f.pretcode = restorer;
	f.uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	f.uc.uc_stack.ss_flags = SS_FLAGS_KEEP;
	f.uc.uc_sigmask = sigmask;
	sc->r8 = saved->r8, sc->r9 = saved->r9, sc->r10 = saved->r10, sc->r11 = saved->r11;
	sc->r12 = saved->r12, sc->r13 = saved->r13, sc->r14 = saved->r14, sc->r15 = saved->r15;
	sc->di = saved->rdi, sc->si = saved->rsi, sc->bp = saved->rbp, sc->bx = saved->rbx;
	sc->dx = saved->rdx, sc->ax = saved->rax, sc->cx = saved->rcx, sc->sp = saved->rsp;
	sc->ip = saved->rip, sc->flags = saved->eflags;
	sc->cs = (uint16_t)saved->cs, sc->ss = (uint16_t)saved->ss;
	sc->fpstate = fp_at;
	/* rt_sigreturn restarts no system call: the interrupted one is made again by hand, as the
	 * kernel does after a signal without a handler (one with a restart block then returns
	 * EINTR, as after a handler). */
	if (restart >= 0) {
		sc->ax = (uint64_t)restart;
		sc->ip -= 2; /* the 'syscall' instruction */
	}
	err = procmem_write(pid, fp_at, xstate, size) ?:
	      procmem_write(pid, fp_at + size, &magic2, sizeof(magic2)) ?:
	      procmem_write(pid, frame_at, &f, sizeof(f));
	if (!err)
		*sp = frame_at;
	return err;
}
