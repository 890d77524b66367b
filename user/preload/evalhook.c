// SPDX-License-Identifier: BSD-2-Clause
/*
 * libvizbpf-eval.so: loaded into the traced interpreter in launch mode
 * (LD_PRELOAD, given to that program only). It provides a pass-through
 * frame evaluator with two 5-byte-nop probe sites, one before and one after
 * the real evaluator. The kernel turns uprobes on such nops into a call
 * (~0.25 us a hit, against ~0.9 us for a uprobe+uretprobe pair on the
 * evaluator itself), and the return site sees every return, exceptions
 * included, at any depth (uretprobes stop at 64 pending per thread).
 *
 * Nothing here runs until vizbpf, at the first Python call, fills
 * vizbpf_real_eval and points interp->eval_frame at vizbpf_eval3 (3.9+) or
 * vizbpf_eval2 (3.8). At the sites, the thread state is in rdi and the
 * frame in rsi: the BPF programs read them as arguments 1 and 2.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void *(*eval3_fn)(void *tstate, void *frame, int throwflag);
typedef void *(*eval2_fn)(void *frame, int throwflag);

/* Written by vizbpf (process memory) before eval_frame points here. Protected: bound
 * locally, no GOT load on the per-call path. */
__attribute__((visibility("protected"))) void *vizbpf_real_eval;
/* 3.12: offset of tstate->c_recursion_remaining and what to add once per thread state: each
 * call through an eval_frame hook also spends C recursion budget. -1: nothing to do. */
__attribute__((visibility("protected"))) int vizbpf_crec_offset = -1;
__attribute__((visibility("protected"))) int vizbpf_crec_boost;

/* The thread state whose budget this thread widened: done on the thread itself, no race. */
static __thread void *widened __attribute__((tls_model("initial-exec")));

#define NOP5 ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
#define SITE(name) ".globl " #name "\n.type " #name ", @function\n" #name ":\n" NOP5

static inline void widen(void *tstate)
{
	if (__builtin_expect(tstate != widened, 0) && vizbpf_crec_offset >= 0 && tstate) {
		widened = tstate;
		*(int *)((char *)tstate + vizbpf_crec_offset) += vizbpf_crec_boost;
	}
}

__attribute__((noinline, visibility("default"))) void *vizbpf_eval3(void *tstate, void *frame,
								     int throwflag)
{
	void *ret;

	widen(tstate);
	asm volatile(SITE(vizbpf_entry3) : : "D"(tstate), "S"(frame) : "memory");
	ret = ((eval3_fn)vizbpf_real_eval)(tstate, frame, throwflag);
	asm volatile(SITE(vizbpf_return3) : : "D"(tstate), "S"(frame), "a"(ret) : "memory");
	return ret;
}

/* 3.8: _PyFrameEvalFunction has no thread state argument. */
__attribute__((noinline, visibility("default"))) void *vizbpf_eval2(void *frame, int throwflag)
{
	void *ret;

	asm volatile(SITE(vizbpf_entry2) : : "D"((void *)0), "S"(frame) : "memory");
	ret = ((eval2_fn)vizbpf_real_eval)(frame, throwflag);
	asm volatile(SITE(vizbpf_return2) : : "D"((void *)0), "S"(frame), "a"(ret) : "memory");
	return ret;
}

extern char vizbpf_entry3[], vizbpf_return3[], vizbpf_entry2[], vizbpf_return2[];

/*
 * A fork()ed child inherits an optimized site (a call into the kernel's uprobe trampoline)
 * but not the trampoline: it would crash there. The child is not traced: put the nops back.
 */
static void restore_sites(void)
{
	static const unsigned char nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	char *sites[] = { vizbpf_entry3, vizbpf_return3, vizbpf_entry2, vizbpf_return2 };
	long page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		char *start = (char *)((uintptr_t)sites[i] & ~(uintptr_t)(page - 1));

		if (mprotect(start, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC))
			continue;
		memcpy(sites[i], nop5, sizeof(nop5));
		mprotect(start, 2 * page, PROT_READ | PROT_EXEC);
	}
}

/*
 * LD_PRELOAD reaches every program of the launch chain (a shell, env, a pyenv shim).
 * In the interpreter, take it back out of the environment so that what the program
 * starts does not inherit it.
 */
__attribute__((constructor)) static void vizbpf_eval_init(void)
{
	const char *saved;

	if (!dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault"))
		return;
	pthread_atfork(NULL, NULL, restore_sites);
	saved = getenv("VIZBPF_SAVED_LD_PRELOAD");
	if (saved && *saved)
		setenv("LD_PRELOAD", saved, 1);
	else
		unsetenv("LD_PRELOAD");
	unsetenv("VIZBPF_SAVED_LD_PRELOAD");
}
