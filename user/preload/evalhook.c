// SPDX-License-Identifier: BSD-2-Clause
/*
 * libvizbpf-eval.so: loaded into the traced interpreter in launch mode
 * (LD_PRELOAD, given to that program only). It is a pass-through frame
 * evaluator with probe sites on 5-byte nops, which the kernel turns into a
 * plain call into its uprobe trampoline.
 *
 * Each probe hit costs ~0.4 us here, so a call makes one: the entry site,
 * which carries everything the BPF program needs in registers (read here,
 * in-process, for a few ns instead of ~40 ns per bpf_probe_read_user).
 * Returns are noted in a per-thread buffer that the next entry site hands
 * over; a flush site hands it over when the thread's outermost frame
 * returns or the buffer is full. The trace still gets every return, with
 * its own timestamp, at any depth.
 *
 * Nothing here runs until vizbpf, at the first Python call, fills
 * vizbpf_layout and vizbpf_real_eval and points interp->eval_frame at
 * vizbpf_eval3 (3.9+) or vizbpf_eval2 (3.8).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <linux/types.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include "vizbpf.h"

typedef void *(*eval3_fn)(void *tstate, void *frame, int throwflag);
typedef void *(*eval2_fn)(void *frame, int throwflag);

#define EXPORT __attribute__((visibility("protected")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* Written by vizbpf (process memory) before eval_frame points here. Protected: bound locally,
 * no GOT load on the per-call path. */
EXPORT void *vizbpf_real_eval;
EXPORT struct vz_eval_layout vizbpf_layout = { .crec_offset = -1 };

static TLS struct vz_pending pending;
static TLS uint32_t depth;
static TLS void *widened; /* the thread state whose C recursion budget this thread widened */

#define GEN_FLAGS (VZ_CO_GENERATOR | VZ_CO_COROUTINE | VZ_CO_ASYNC_GENERATOR)
#define NOP5 ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n"
#define SITE(name) ".globl " #name "\n.type " #name ", @function\n" #name ":\n" NOP5

#define LOAD(type, base, off) (*(type *)((char *)(base) + (off)))

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/* 3.12: each call through an eval_frame hook also spends C recursion budget; widen it once per
 * thread state, here on its own thread, where nothing races the write. */
static inline void widen(void *tstate)
{
	const struct vz_eval_layout *l = &vizbpf_layout;

	if (__builtin_expect(tstate != widened, 0) && l->crec_offset >= 0 && tstate) {
		widened = tstate;
		LOAD(int, tstate, l->crec_offset) += l->crec_boost;
	}
}

/*
 * The entry site: frame, code, caller, signature of the code object (name, file and line
 * pointers: a reused address is described again), timestamp, and the returns noted since the
 * last site. Returns 1 when the call is traced (not a generator being created).
 */
/* noinline: the site labels must exist once, whichever evaluator calls it. */
static __attribute__((noinline)) int enter(void *tstate, void *frame)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	void *code = LOAD(void *, frame, l->frame_code);
	uint64_t caller, sig;

	/* 3.11+: a generator function's first evaluation only builds the generator; sys.setprofile
	 * (and VizTracer) do not report it. */
	if (l->frame_owner >= 0 && LOAD(uint8_t, frame, l->frame_owner) == 0 &&
	    (LOAD(uint32_t, code, l->code_flags) & GEN_FLAGS))
		return 0;
	if (l->caller_from_frame) {
		caller = LOAD(uint64_t, frame, l->frame_previous);
	} else {
		caller = LOAD(uint64_t, tstate, l->tstate_frame);
		if (l->cframe_current_frame >= 0 && caller)
			caller = LOAD(uint64_t, caller, l->cframe_current_frame);
		/* A frame being cleared runs this call (see VZ_FRAME_OWNED_BY_CSTACK). */
		while (l->frame_owner >= 0 && caller &&
		       LOAD(uint8_t, caller, l->frame_owner) == VZ_FRAME_OWNED_BY_CSTACK)
			caller = LOAD(uint64_t, caller, l->frame_previous);
	}
	sig = LOAD(uint64_t, code, l->code_name) ^ (LOAD(uint64_t, code, l->code_filename) << 1) ^
	      ((uint64_t)LOAD(uint32_t, code, l->code_firstlineno) << 48);
	{
		register uint64_t r8 asm("r8") = now_ns();
		register void *r9 asm("r9") = &pending;

		asm volatile(SITE(vizbpf_entry)
			     :
			     : "D"(frame), "S"(code), "d"(caller), "c"(sig), "a"((uint64_t)pending.n),
			       "r"(r8), "r"(r9)
			     : "memory");
	}
	pending.n = 0;
	depth++;
	return 1;
}

static __attribute__((noinline)) void leave(void *frame)
{
	uint32_t n = pending.n;

	pending.r[n].frame = (uint64_t)frame;
	pending.r[n].ts_ns = now_ns();
	pending.n = ++n;
	if (--depth == 0 || n == VZ_PENDING_MAX) {
		asm volatile(SITE(vizbpf_flush) : : "D"(&pending), "a"((uint64_t)n) : "memory");
		pending.n = 0;
	}
}

__attribute__((noinline, visibility("default"))) void *vizbpf_eval3(void *tstate, void *frame,
								     int throwflag)
{
	void *ret;

	widen(tstate);
	if (!enter(tstate, frame))
		return ((eval3_fn)vizbpf_real_eval)(tstate, frame, throwflag);
	ret = ((eval3_fn)vizbpf_real_eval)(tstate, frame, throwflag);
	leave(frame);
	return ret;
}

/* 3.8: _PyFrameEvalFunction has no thread state argument (the caller is f_back there). */
__attribute__((noinline, visibility("default"))) void *vizbpf_eval2(void *frame, int throwflag)
{
	void *ret;

	enter(NULL, frame);
	ret = ((eval2_fn)vizbpf_real_eval)(frame, throwflag);
	leave(frame);
	return ret;
}

extern char vizbpf_entry[], vizbpf_flush[];

/*
 * A fork()ed child inherits an optimized site (a call into the kernel's uprobe trampoline)
 * but not the trampoline: it would crash there. Put the nops back; vizbpf probes the child
 * afresh when it follows it.
 */
static void restore_sites(void)
{
	static const unsigned char nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
	char *sites[] = { vizbpf_entry, vizbpf_flush };
	long page = sysconf(_SC_PAGESIZE);

	for (size_t i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		char *start = (char *)((uintptr_t)sites[i] & ~(uintptr_t)(page - 1));

		if (mprotect(start, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC))
			continue;
		memcpy(sites[i], nop5, sizeof(nop5));
		mprotect(start, 2 * page, PROT_READ | PROT_EXEC);
	}
	pending.n = 0;
	/* Following the process tree: wait here, before any Python code of the child runs,
	 * while vizbpf probes the child and reads its stack; it sends SIGCONT. */
	if (vizbpf_layout.follow_forks)
		raise(SIGSTOP);
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
