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
 * What the hook itself costs the program is given back on the spot: the C
 * recursion budget the real evaluator takes for a call that would have run
 * inlined untraced (3.12+), and the C stack of its frames (stack segments,
 * stackseg.h), so recursion limits stay where they are untraced. A call the
 * recursion check refuses (it never starts) is marked in its return slot.
 *
 * Nothing here runs until vizbpf, at the first Python call, fills
 * vizbpf_layout and vizbpf_real_eval and points interp->eval_frame at
 * vizbpf_eval3 (3.9+) or vizbpf_eval2 (3.8).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <limits.h>
#include <linux/types.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "stackseg.h"
#include "vizbpf.h"

typedef void *(*eval3_fn)(void *tstate, void *frame, int throwflag);
typedef void *(*eval2_fn)(void *frame, int throwflag);

#define EXPORT __attribute__((visibility("protected")))
#define TLS __thread __attribute__((tls_model("initial-exec")))

/* Written by vizbpf (process memory) before eval_frame points here. Protected: bound locally,
 * no GOT load on the per-call path. */
EXPORT void *vizbpf_real_eval;
EXPORT struct vz_eval_layout vizbpf_layout = { .crec_offset = -1, .frame_ip = -1 };

static TLS struct vz_pending pending;
static TLS uint32_t depth;

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

/*
 * 3.12+: the real evaluator takes crec_per_call units of the thread's C recursion budget
 * (PY_EVAL_C_STACK_UNITS) whenever it is called. Untraced, a Python-to-Python call is inlined
 * and takes none, so the hook gives them back for such a call, on this thread while it runs
 * (nothing races the write). A call made through C (a __repr__ called by repr()) pays them
 * untraced too and gets nothing back. A direct call is recognised by the budget: on the way
 * from an evaluator to the hook of a call it makes, CALL spends none, while C code in between
 * (PyObject_Repr, ...) spends some. budget_inside: the budget inside the innermost hooked
 * evaluator of this thread, as a direct call from it finds it.
 */
static TLS int budget_inside = INT_MIN;

struct budget {
	int *at;
	int given;
	int outer;
};

static inline void budget_enter(struct budget *b, void *tstate)
{
	const struct vz_eval_layout *l = &vizbpf_layout;

	b->at = NULL;
	if (l->crec_offset < 0 || !tstate)
		return;
	b->at = (int *)((char *)tstate + l->crec_offset);
	b->outer = budget_inside;
	b->given = *b->at == b->outer ? l->crec_per_call : 0;
	budget_inside = *b->at + b->given - l->crec_per_call;
	*b->at += b->given;
}

static inline void budget_leave(const struct budget *b)
{
	if (b->at) {
		*b->at -= b->given;
		budget_inside = b->outer;
	}
}

#define SIG_MUL 0x9e3779b97f4a7c15ULL

static inline uint64_t sig_mix(uint64_t h, uint64_t v)
{
	return (h ^ v) * SIG_MUL;
}

/*
 * What tells a code object from an earlier one freed at the same address, whose name and file
 * name strings may be at the same addresses too: 3.12+ co_version, set from a counter at
 * creation (before, BPF forgets a code object when it is freed). As bpf/codesig.bpf.h computes
 * it, the pid left out (BPF mixes it in).
 */
static inline uint64_t code_signature(void *code)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	char *name = LOAD(char *, code, l->code_name), *file = LOAD(char *, code, l->code_filename);
	uint64_t sig = sig_mix((uint64_t)name, (uint64_t)file);

	sig = sig_mix(sig, (uint64_t)LOAD(uint32_t, code, l->code_firstlineno) << 32 |
				   (LOAD(uint32_t, code, l->code_flags) & GEN_FLAGS));
	if (l->code_version >= 0)
		sig = sig_mix(sig, LOAD(uint32_t, code, l->code_version));
	return sig;
}

/*
 * The frame's instruction position (f_lasti up to 3.10, prev_instr or instr_ptr after). If it
 * has not moved when the evaluator returns NULL, the recursion check refused the call before
 * its first instruction. Not so with throwflag (gen.throw(), gen.close()): that evaluation
 * raises where the frame stands, and sys.setprofile reports it as a call.
 */
static inline uint64_t frame_ip(void *frame)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	uint64_t ip = 0;

	if (l->frame_ip >= 0)
		memcpy(&ip, (char *)frame + l->frame_ip, l->frame_ip_size);
	return ip;
}

static __attribute__((noinline)) int never_ran(void *frame, uint64_t ip_before)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	uint64_t ip = 0;

	if (l->frame_ip < 0)
		return 0;
	if (l->frame_may_be_freed) {
		/* 3.11+: the evaluator has popped the frame; the first frame of a data stack chunk
		 * takes the chunk with it (unmapped). Read it the way that cannot fault. */
		struct iovec here = { &ip, l->frame_ip_size };
		struct iovec there = { (char *)frame + l->frame_ip, l->frame_ip_size };

		if (process_vm_readv(getpid(), &here, 1, &there, 1, 0) != (ssize_t)l->frame_ip_size)
			return 0;
	} else {
		memcpy(&ip, (char *)frame + l->frame_ip, l->frame_ip_size);
	}
	return ip == ip_before;
}

/*
 * Calls the real evaluator, on a stack segment when this thread's stack is low. What the hook
 * owes a call: layout.stack_per_call (3.11+: the whole path), or 0 for just its own frame
 * (the evaluator function this is inlined into, return address included).
 */
static __attribute__((always_inline)) inline void *call_real(void *a, void *b, long c)
{
	if (__builtin_expect(stackseg_low(), 0)) {
		size_t per_call = vizbpf_layout.stack_per_call;
		char *sp;

		if (!per_call) {
			asm volatile("mov %%rsp, %0" : "=r"(sp));
			per_call = (char *)__builtin_frame_address(0) + 16 - sp;
		}
		return stackseg_call(vizbpf_real_eval, a, b, c, (size_t)depth * per_call);
	}
	return ((eval3_fn)vizbpf_real_eval)(a, b, (int)c);
}

/*
 * The entry site: frame, code, caller, signature of the code object (code_signature()),
 * timestamp, and the returns noted since the last site. Returns 1 when the call is traced (not
 * a generator being created).
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
	sig = code_signature(code);
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

/*
 * The flush site (defined once, here): hands over the n returns noted and, with
 * --log_func_retval, the frame about to return (0: none) and its value.
 */
static __attribute__((noinline)) void flush(uint32_t n, void *frame, void *value)
{
	asm volatile(SITE(vizbpf_flush)
		     :
		     : "D"(&pending), "a"((uint64_t)n), "d"(frame), "S"(value)
		     : "memory");
	pending.n = 0;
}

static __attribute__((noinline)) void leave(void *frame, int refused, void *value)
{
	uint32_t n = pending.n;

	/* --log_func_retval: its value reaches BPF before its return (which closes the slice). */
	if (__builtin_expect(vizbpf_layout.log_retval, 0) && value) {
		flush(n, frame, value);
		n = 0;
	}
	pending.r[n].frame = (uint64_t)frame | (refused ? VZ_RET_REFUSED : 0);
	pending.r[n].ts_ns = now_ns();
	pending.n = ++n;
	if (--depth == 0 || n == VZ_PENDING_MAX)
		flush(n, NULL, NULL);
}

__attribute__((noinline, visibility("default"))) void *vizbpf_eval3(void *tstate, void *frame,
								     int throwflag)
{
	struct budget b;
	uint64_t ip;
	void *ret;

	budget_enter(&b, tstate);
	if (!enter(tstate, frame)) {
		ret = call_real(tstate, frame, throwflag);
		budget_leave(&b);
		return ret;
	}
	ip = frame_ip(frame);
	ret = call_real(tstate, frame, throwflag);
	budget_leave(&b);
	leave(frame, !ret && !throwflag && never_ran(frame, ip), ret);
	return ret;
}

/* 3.8: _PyFrameEvalFunction has no thread state argument (the caller is f_back there). */
__attribute__((noinline, visibility("default"))) void *vizbpf_eval2(void *frame, int throwflag)
{
	uint64_t ip;
	void *ret;

	enter(NULL, frame);
	ip = frame_ip(frame);
	ret = call_real(frame, (void *)(long)throwflag, 0);
	leave(frame, !ret && !throwflag && never_ran(frame, ip), ret);
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
	/* The entry site is probed (an int3 or a call, not the nop) while vizbpf traces this
	 * program: a vizbpf that is gone took its probes with it, and nobody would let the
	 * child go. */
	int probed = memcmp(vizbpf_entry, nop5, sizeof(nop5)) != 0;

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
	if (vizbpf_layout.follow_forks && probed)
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
