// SPDX-License-Identifier: BSD-2-Clause
/*
 * libvizbpf-eval.so: loaded into the traced interpreter in launch mode
 * (LD_PRELOAD, given to that program only). It is a pass-through frame
 * evaluator with probe sites on 5-byte nops, which the kernel turns into a
 * plain call into its uprobe trampoline.
 *
 * Each probe hit costs ~0.4 us here, so calls and returns go into a
 * per-thread buffer (struct vz_batch) that a probe site hands to BPF, one hit
 * for up to VZ_BATCH_MAX of them: when it is full, when the thread's
 * outermost frame returns, before a fork or an exec, and at a call BPF must
 * see as it happens, on the entry site: a thread's first call (BPF learns
 * where its buffer is, and takes what is left there when the thread exits,
 * however it exits), a code object this process has not shown BPF yet (BPF
 * describes it while it is alive: later calls of it only name it), a
 * threading.py or vizbpf_events.py code object (BPF reads their frames), and
 * every call while BPF reads each call's frame (--log_func_args &co.). The
 * entry site carries everything the BPF program needs in registers (read
 * here, in-process, for a few ns instead of ~40 ns per bpf_probe_read_user).
 * Every call and return keeps its own timestamp and its order.
 *
 * Flow control: vizbpf writes back how much of this process's buffers it has
 * read (vizbpf_flow); a thread that has handed over much more than that waits
 * for it before going on, so a program faster than vizbpf's reader slows down
 * instead of losing events.
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
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/types.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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

EXPORT struct vz_flow vizbpf_flow;

static TLS struct vz_thread_buf *tb; /* this thread's buffer, mapped at its first call */
static TLS uint32_t depth;
/* This thread's first call went to BPF as it happened, for the vizbpf tracing now: equal to
 * vizbpf_known_tag (which a new vizbpf, or a fork, moves on). */
static TLS uint64_t shown_tag;
#define batch (tb->batch)

/* Every thread's buffer, for a vizbpf detaching from a process that goes on (it takes what they
 * hold). A slot is taken and left with atomics: a thread's end runs without the GIL. */
EXPORT struct vz_thread_buf *vizbpf_threads[VZ_THREADS_MAX];

#define GEN_FLAGS (VZ_CO_GENERATOR | VZ_CO_COROUTINE | VZ_CO_ASYNC_GENERATOR)
#define NOP5 ".byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n" /* VZ_SITE_NOP */
#define SITE(name) ".globl " #name "\n.type " #name ", @function\n" #name ":\n" NOP5

#define LOAD(type, base, off) (*(type *)((char *)(base) + (off)))

static inline uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

/*
 * Each call and return is timed (CLOCK_MONOTONIC, the clock of BPF's and vizbpf's own
 * records). clock_gettime() costs ~27 ns here, twice a call: a third of what tracing adds to
 * a call. Where the kernel's clock is the TSC (vizbpf_layout.tsc_clock), a raw rdtsc (~11 ns)
 * converted here does the same: each thread anchors its clock on a clock_gettime() with the
 * TSC read around it, and extrapolates from that anchor with a slope measured from the
 * process's first anchor (the constructor's). A pair is uncertain by ~10 ns (the two TSC reads
 * around it); over a baseline of T that is a slope error of 10 ns / T, so a thread extrapolates
 * at most T / 64 (and ~1.4 ms) past an anchor: under a nanosecond of error, a re-anchor every
 * ~1.4 ms once the process has run a tenth of a second. A thread's times never go back (a new
 * anchor may sit a few ns below the last extrapolation).
 */
#if defined(__x86_64__)
#include <x86intrin.h>

static uint64_t clk_base_tsc, clk_base_ns;

/* A CLOCK_MONOTONIC reading and the TSC at it: the middle of two fenced TSC reads around it,
 * the tightest of four tries (a first clock_gettime() in a while, its code and data cold, can
 * take a microsecond: that pair would be off by half of it). */
static void clock_pair(uint64_t *tsc, uint64_t *ns)
{
	uint64_t best = UINT64_MAX;

	for (int i = 0; i < 4; i++) {
		uint64_t a, b, n;

		_mm_lfence();
		a = __rdtsc();
		_mm_lfence();
		n = mono_ns();
		_mm_lfence();
		b = __rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a + (b - a) / 2;
			*ns = n;
		}
	}
}

static __attribute__((noinline)) uint64_t clock_anchor(struct vz_thread_buf *b)
{
	uint64_t tsc, ns, dt;

	clock_pair(&tsc, &ns);
	b->clk_span = 0; /* until a good slope: clock_gettime() at each read */
	if (clk_base_tsc && tsc > clk_base_tsc && ns > clk_base_ns) {
		dt = tsc - clk_base_tsc;
		b->clk_mult = (uint64_t)(((unsigned __int128)(ns - clk_base_ns) << 32) / dt);
		b->clk_tsc = tsc;
		b->clk_ns = ns;
		b->clk_span = dt / 64 < (1u << 22) ? dt / 64 : (1u << 22);
	}
	if (ns < b->clk_last)
		ns = b->clk_last;
	return b->clk_last = ns;
}

static inline uint64_t now_ns(void)
{
	struct vz_thread_buf *b = tb;
	uint64_t d, ns;

	if (!vizbpf_layout.tsc_clock)
		return mono_ns();
	d = __rdtsc() - b->clk_tsc;
	/* Past the span, or before the anchor (a TSC read on another CPU a few ticks behind). */
	if (__builtin_expect(d >= b->clk_span, 0))
		return clock_anchor(b);
	ns = b->clk_ns + (uint64_t)(((unsigned __int128)d * b->clk_mult) >> 32);
	if (ns < b->clk_last)
		ns = b->clk_last;
	return b->clk_last = ns;
}

static void clock_start(void)
{
	clock_pair(&clk_base_tsc, &clk_base_ns);
}
#else
static inline uint64_t now_ns(void)
{
	return mono_ns();
}

static void clock_start(void)
{
}
#endif

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
	return sig & ~VZ_SIG_NEW;
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
 * Code objects this process has shown BPF on the entry site (it described them then), so
 * that a later call of one can go into the buffer: direct-mapped by address, with the
 * signature that tells a new code object at a reused address. A collision only costs another
 * entry site hit. Threads take the GIL around their calls: no two write here at once.
 */
#define KNOWN_SLOTS 16384

static struct known {
	uint64_t code;
	uint64_t sig; /* code_signature() */
	uint64_t tag; /* known_tag when shown in this process; | 1: its calls always go to BPF
		       * as they happen */
} known[KNOWN_SLOTS];

/* A fork()ed child forgets the lot by a new tag, not a memset: that would copy every page
 * of the cache its parent touched, in every child. */
EXPORT uint64_t vizbpf_known_tag = 2;
#define known_tag vizbpf_known_tag

static inline struct known *known_slot(void *code)
{
	return &known[((uintptr_t)code >> 4 ^ (uintptr_t)code >> 16) & (KNOWN_SLOTS - 1)];
}

/*
 * Before 3.12 nothing in a code object tells it from an earlier one freed at its address
 * (co_version does after): a snippet exec()'d after another often gets the same address, and
 * its name and file name strings theirs. So code objects leave the cache as they are freed:
 * PyCode_Type's tp_dealloc is wrapped (once, under the GIL, by the first call that uses the
 * cache; the process keeps the wrapper, which only forgets and calls the original).
 */
#define TP_DEALLOC_OFFSET 48 /* PyTypeObject: PyObject_VAR_HEAD, tp_name, tp_basicsize,
			      * tp_itemsize, tp_dealloc, in every version */
typedef void (*dealloc_fn)(void *);
static dealloc_fn code_dealloc_orig;
static int code_dealloc_state; /* 0: not tried, 1: wrapped, -1: cannot be */

static void code_dealloc_forget(void *code)
{
	struct known *k = known_slot(code);

	if (k->code == (uint64_t)code)
		k->code = 0;
	code_dealloc_orig(code);
}

static __attribute__((noinline)) int wrap_code_dealloc(void)
{
	dealloc_fn *slot;
	char *type;

	code_dealloc_state = -1;
	type = dlsym(RTLD_DEFAULT, "PyCode_Type");
	if (!type)
		return -1;
	slot = (dealloc_fn *)(type + TP_DEALLOC_OFFSET);
	if (!*slot)
		return -1;
	code_dealloc_orig = *slot;
	*slot = code_dealloc_forget;
	code_dealloc_state = 1;
	return 0;
}

/* The cache can be used: on 3.12+ always, before only once freed code objects leave it. */
static inline int cache_usable(void)
{
	if (vizbpf_layout.code_version >= 0 || code_dealloc_state > 0)
		return vizbpf_flow.exact_cache = 1;
	return code_dealloc_state == 0 && !wrap_code_dealloc() && (vizbpf_flow.exact_cache = 1);
}

/* The str's text ends with /name (or is name): compact ASCII only, else 0. */
static int str_ends_with(const char *str, const char *name, size_t n)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	uint32_t state = LOAD(uint32_t, str, l->unicode_state);
	int64_t len = LOAD(int64_t, str, l->unicode_length);
	const char *text = str + l->unicode_ascii_data;

	if (!VZ_UNICODE_COMPACT(state) || !VZ_UNICODE_ASCII(state) || len < (int64_t)n)
		return 0;
	return !memcmp(text + len - n, name, n) && (len == (int64_t)n || text[len - n - 1] == '/');
}

/*
 * Calls BPF reads the frame of (bpf/pythread.bpf.h: Thread._bootstrap_inner names its thread;
 * bpf/custom.bpf.h: share/vizbpf_events.py): all of threading.py's and vizbpf_events.py's,
 * and any code object whose file name is not plain ASCII, to be safe.
 */
static __attribute__((noinline)) uint64_t must_be_live(void *code)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	const char *file = LOAD(const char *, code, l->code_filename);
	uint32_t state;

	if (l->unicode_state < 0 || !file)
		return 1;
	state = LOAD(uint32_t, file, l->unicode_state);
	if (!VZ_UNICODE_COMPACT(state) || !VZ_UNICODE_ASCII(state))
		return 1;
	return str_ends_with(file, "threading.py", 12) || str_ends_with(file, "vizbpf_events.py", 16);
}

/* The slot ahead, if the buffer is full after it: hand it over. */
static void flush(uint32_t n, void *frame, void *value);

static inline void note(uint64_t frame, uint64_t ts, uint64_t code, uint64_t caller)
{
	uint32_t n = batch.n;
	struct vz_batch_slot *s = &batch.s[n];

	s->frame = frame;
	s->ts_ns = ts;
	s->code = code;
	s->caller = caller;
	batch.calls += code != 0;
	batch.n = ++n;
	if (n == VZ_BATCH_MAX)
		flush(n, NULL, NULL);
}

/*
 * Waits for vizbpf to read this process's buffers once it is more than vizbpf_flow.limit
 * slots behind, and not at all once vizbpf is gone (its probes with it). A vizbpf that reads
 * nothing for a whole second (stopped, or starved of CPU) is not waited for until it reads
 * again: it writes the limit back with what it has read (procs.c, on_batch).
 */
extern char vizbpf_entry[];
static const unsigned char nop5[5] = VZ_SITE_NOP;

/* The entry site is probed (an int3 or a call, not the nop) while vizbpf traces this program:
 * a vizbpf that is gone took its probes with it. */
static int sites_probed(void)
{
	return memcmp(vizbpf_entry, nop5, sizeof(nop5)) != 0;
}

#define FLOW_PATIENCE_NS 1000000000ull

static __attribute__((noinline)) void flow_wait(uint64_t seq)
{
	uint64_t limit = vizbpf_flow.limit, was = __atomic_load_n(&vizbpf_flow.read, __ATOMIC_RELAXED);
	struct timespec nap = { 0, 100 * 1000 };
	uint64_t moved = mono_ns();

	for (;;) {
		uint64_t read = __atomic_load_n(&vizbpf_flow.read, __ATOMIC_RELAXED);

		if (seq - read <= limit / 2 || !sites_probed())
			return;
		if (read != was) {
			was = read;
			moved = mono_ns();
		} else if (mono_ns() - moved > FLOW_PATIENCE_NS) {
			vizbpf_flow.limit = 0;
			return;
		}
		nanosleep(&nap, NULL);
	}
}

static inline uint64_t hand_over(uint32_t n)
{
	uint64_t seq = __atomic_add_fetch(&vizbpf_flow.handed, n, __ATOMIC_RELAXED);

	batch.seq = seq;
	return seq;
}

static inline void after_hand_over(uint64_t seq)
{
	uint64_t limit = vizbpf_flow.limit;

	if (__builtin_expect(limit && seq - vizbpf_flow.read > limit, 0))
		flow_wait(seq);
}

/*
 * The probe sites, each defined once (noinline, noclone, and nothing around the asm that a
 * compiler could duplicate it along). The entry site: frame, code, caller, signature of the
 * code object (code_signature()), timestamp, and this thread's buffer with the number of
 * slots in it. The flush site: the buffer with the number of slots in it and, with
 * --log_func_retval, the frame about to return (0: none) and its value.
 */
static __attribute__((noinline, noclone)) void entry_site(void *frame, void *code, uint64_t caller,
							   uint64_t sig, uint64_t ts, uint32_t n)
{
	register uint64_t r8 asm("r8") = ts;
	register void *r9 asm("r9") = &batch;

	asm volatile(SITE(vizbpf_entry)
		     :
		     : "D"(frame), "S"(code), "d"(caller), "c"(sig), "a"((uint64_t)n), "r"(r8),
		       "r"(r9)
		     : "memory");
}

static __attribute__((noinline, noclone)) void flush_site(uint32_t n, void *frame, void *value)
{
	asm volatile(SITE(vizbpf_flush)
		     :
		     : "D"(&batch), "a"((uint64_t)n), "d"(frame), "S"(value)
		     : "memory");
}

/*
 * This thread's buffer, mapped at its first call: listed in vizbpf_threads, and handed over
 * then unmapped when the thread ends (buffer_gone). Without one (no memory, or the list full:
 * counted in vizbpf_flow.unbuffered_threads, which vizbpf reports at detach) the thread's
 * calls go untraced.
 */
static pthread_key_t buffer_key;
static int buffer_key_made;

static __attribute__((noinline)) int map_buffer(void)
{
	struct vz_thread_buf *b;

	if (!buffer_key_made)
		goto none;
	b = mmap(NULL, sizeof(*b), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED)
		goto none;
	b->tid = (uint32_t)syscall(SYS_gettid);
	for (uint32_t i = 0; i < VZ_THREADS_MAX; i++) {
		struct vz_thread_buf *none = NULL;

		if (__atomic_compare_exchange_n(&vizbpf_threads[i], &none, b, 0, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED)) {
			b->slot = i;
			tb = b;
			pthread_setspecific(buffer_key, b);
			return 1;
		}
	}
	munmap(b, sizeof(*b));
none:
	__atomic_add_fetch(&vizbpf_flow.unbuffered_threads, 1, __ATOMIC_RELAXED);
	return 0;
}

/* The thread ends (its pthread keys' destructors): what it buffered goes to BPF, which also
 * forgets the buffer's address (a new thread's buffer may get it). */
static void buffer_gone(void *arg)
{
	struct vz_thread_buf *b = arg;

	if (b != tb)
		return;
	flush(batch.n, (void *)VZ_FLUSH_FORGET, NULL);
	__atomic_store_n(&vizbpf_threads[b->slot], NULL, __ATOMIC_RELEASE);
	tb = NULL;
	munmap(b, sizeof(*b));
}

/* A fork()ed child has only the forking thread: the others' buffers (copies) go. In the child
 * of a fork: munmap only (async-signal-safe). */
static void forget_other_threads(void)
{
	for (uint32_t i = 0; i < VZ_THREADS_MAX; i++) {
		struct vz_thread_buf *b = vizbpf_threads[i];

		if (b && b != tb) {
			vizbpf_threads[i] = NULL;
			munmap(b, sizeof(*b));
		}
	}
}

/*
 * A call: into the buffer, or on the entry site (with what the buffer holds, handed over
 * first). Returns 1 when the call is traced (not a generator being created).
 */
static __attribute__((noinline)) int enter(void *tstate, void *frame)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	void *code = LOAD(void *, frame, l->frame_code);
	uint64_t caller, sig, ts, seq;
	struct known *k;
	uint32_t n;

	if (__builtin_expect(!tb, 0) && !map_buffer())
		return 0;
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
	ts = now_ns();
	depth++;
	k = known_slot(code);
	if (__builtin_expect(l->batch_calls && shown_tag == known_tag && k->code == (uint64_t)code &&
			     k->sig == sig && k->tag == known_tag, 1)) {
		note((uint64_t)frame, ts, (uint64_t)code, caller);
		return 1;
	}
	/* New to the cache (which forgets freed code objects): BPF describes it (VZ_SIG_NEW). */
	if (l->batch_calls && (k->code != (uint64_t)code || k->sig != sig || (k->tag | 1) != (known_tag | 1)) &&
	    cache_usable()) {
		k->code = (uint64_t)code;
		k->sig = sig;
		k->tag = known_tag | !!must_be_live(code);
		sig |= VZ_SIG_NEW;
	}
	shown_tag = known_tag;
	/* Emptied before the site: were the thread killed right after it, BPF's exit handler
	 * must not hand the same slots over again. */
	n = batch.n;
	batch.n = 0;
	seq = n ? hand_over(n) : batch.seq;
	entry_site(frame, code, caller, sig, ts, n);
	batch.calls = 0;
	if (n)
		after_hand_over(seq);
	return 1;
}

/* Hands over the n slots buffered (and, with --log_func_retval, a frame's value). */
static __attribute__((noinline)) void flush(uint32_t n, void *frame, void *value)
{
	uint64_t seq = n ? hand_over(n) : batch.seq;

	batch.n = 0;
	flush_site(n, frame, value);
	batch.calls = 0;
	if (n)
		after_hand_over(seq);
}

/* Hands over what this thread has buffered, if anything. */
static void hand_over_buffer(void)
{
	if (tb && batch.n)
		flush(batch.n, NULL, NULL);
}

static __attribute__((noinline)) void leave(void *frame, int refused, void *value)
{
	/* --log_func_retval: its value reaches BPF before its return (which closes the slice). */
	if (__builtin_expect(vizbpf_layout.log_retval, 0) && value)
		flush(batch.n, frame, value);
	depth--;
	note((uint64_t)frame | (refused ? VZ_RET_REFUSED : 0), now_ns(), 0, 0);
	if (depth == 0)
		hand_over_buffer();
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

	if (!enter(NULL, frame))
		return call_real(frame, (void *)(long)throwflag, 0);
	ip = frame_ip(frame);
	ret = call_real(frame, (void *)(long)throwflag, 0);
	leave(frame, !ret && !throwflag && never_ran(frame, ip), ret);
	return ret;
}

extern char vizbpf_flush[];


/*
 * The vizbpf that follows this program's forks still runs: its pid still names a process
 * started when it was (not a zombie). Another vizbpf's probe sites trap in this library too
 * (they are registered for every process that maps it): a child of a program whose vizbpf is
 * gone must not stop for nobody. In a fork child: open, read and close only (async-signal-safe).
 */
static int vizbpf_alive(void)
{
	const struct vz_eval_layout *l = &vizbpf_layout;
	char path[32] = "/proc/", buf[1024], *p = path + 6, *end = NULL;
	char digits[12];
	int n = 0, fd, field = 2;
	unsigned long long start = 0;
	ssize_t len;

	if (!l->vizbpf_pid)
		return 0;
	for (uint32_t v = l->vizbpf_pid; v && n < (int)sizeof(digits); v /= 10)
		digits[n++] = '0' + v % 10;
	while (n)
		*p++ = digits[--n];
	memcpy(p, "/stat", 6);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return 0;
	buf[len] = '\0';
	/* After the last ')' (the command name may hold any): the state, field 3; start, 22. */
	for (char *c = buf; *c; c++)
		if (*c == ')')
			end = c;
	if (!end || end[1] != ' ' || end[2] == 'Z' || end[2] == 'X')
		return 0;
	for (p = end + 1; *p && field < 22; p++)
		if (*p == ' ')
			field++;
	while (*p >= '0' && *p <= '9')
		start = start * 10 + (unsigned long long)(*p++ - '0');
	return field == 22 && start == l->vizbpf_start;
}

/*
 * A fork()ed child waits until vizbpf says go (vz_flow.fork_park), or its vizbpf is gone:
 * looked at every 50 us for the 2 ms a followed fork takes, then every ms; vizbpf's /proc
 * entry every 20 looks. A vizbpf killed as the program forks (its probes half gone) leaves
 * nothing waiting, where a SIGSTOP would wait for a SIGCONT that only vizbpf sent. In a
 * fork child: nanosleep and vizbpf_alive's calls only.
 */
static void park_for_vizbpf(void)
{
	struct timespec nap = { 0, 50 * 1000 };
	uint64_t none = VZ_PARK_NONE;

	/* Said go already (vizbpf found the child stopped by BPF, and let it go early). */
	if (__atomic_compare_exchange_n(&vizbpf_flow.fork_park, &none, VZ_PARK_WAITING, 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		for (unsigned i = 1; __atomic_load_n(&vizbpf_flow.fork_park, __ATOMIC_ACQUIRE) !=
				     VZ_PARK_GO; i++) {
			if (i % 20 == 0 && !vizbpf_alive())
				break;
			if (i == 40) /* past the 2 ms a followed fork takes: a vizbpf held up */
				nap.tv_nsec = 1000 * 1000;
			nanosleep(&nap, NULL);
		}
	}
	/* Its own forks start from none again. */
	__atomic_store_n(&vizbpf_flow.fork_park, VZ_PARK_NONE, __ATOMIC_RELEASE);
}

/*
 * A fork()ed child inherits an optimized site (a call into the kernel's uprobe trampoline)
 * but not the trampoline: it would crash there. Put the nops back; vizbpf makes them trap
 * again (int3, for the probe registered in every process) when it follows the child.
 */
static void restore_sites(void)
{
	char *sites[] = { vizbpf_entry, vizbpf_flush };
	long page = sysconf(_SC_PAGESIZE);
	/* Probed at the fork, else nobody would let the child go (below). */
	int probed = sites_probed();

	for (size_t i = 0; i < sizeof(sites) / sizeof(sites[0]); i++) {
		char *start = (char *)((uintptr_t)sites[i] & ~(uintptr_t)(page - 1));

		if (mprotect(start, 2 * page, PROT_READ | PROT_WRITE | PROT_EXEC))
			continue;
		memcpy(sites[i], nop5, sizeof(nop5));
		mprotect(start, 2 * page, PROT_READ | PROT_EXEC);
	}
	/* Its parent handed its buffer over before the fork. The child is a new thread to BPF,
	 * and what vizbpf has read of its buffers starts where it stands. */
	if (tb)
		batch.n = 0;
	forget_other_threads();
	vizbpf_flow.read = vizbpf_flow.handed;
	/* BPF and vizbpf know code objects per process: show the child's again. */
	known_tag += 2;
	/* Following the process tree: wait here, before any Python code of the child runs,
	 * while vizbpf probes the child and reads its stack. */
	if (vizbpf_layout.follow_forks && probed && vizbpf_alive())
		park_for_vizbpf();
}

/*
 * An exec replaces the process: hand over what the thread buffered first (os.execv and
 * os.execve call these; the other threads' buffers go when the exec ends them).
 */
typedef int (*execve_fn)(const char *, char *const[], char *const[]);
typedef int (*fexecve_fn)(int, char *const[], char *const[]);
static execve_fn real_execve;
static fexecve_fn real_fexecve;

__attribute__((visibility("default"))) int execve(const char *path, char *const argv[],
						   char *const envp[])
{
	hand_over_buffer();
	if (!real_execve)
		return syscall(SYS_execve, path, argv, envp);
	return real_execve(path, argv, envp);
}

__attribute__((visibility("default"))) int execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

__attribute__((visibility("default"))) int fexecve(int fd, char *const argv[],
						    char *const envp[])
{
	hand_over_buffer();
	if (!real_fexecve) {
		errno = ENOSYS;
		return -1;
	}
	return real_fexecve(fd, argv, envp);
}

/*
 * LD_PRELOAD reaches every program of the launch chain (a shell, env, a pyenv shim).
 * In the interpreter, take it back out of the environment so that what the program
 * starts does not inherit it.
 */
__attribute__((constructor)) static void vizbpf_eval_init(void)
{
	const char *saved, *preload;

	/* Resolved now, not at the exec: that may run in a vfork()ed child. */
	real_execve = (execve_fn)dlsym(RTLD_NEXT, "execve");
	real_fexecve = (fexecve_fn)dlsym(RTLD_NEXT, "fexecve");
	if (!dlsym(RTLD_DEFAULT, "_PyEval_EvalFrameDefault"))
		return;
	clock_start();
	buffer_key_made = !pthread_key_create(&buffer_key, buffer_gone);
	/* A fork keeps the order of the forking thread's calls: what it buffered goes first. */
	pthread_atfork(hand_over_buffer, NULL, restore_sites);
	/* Loaded into a running process (vizbpf --inject), not preloaded: its environment is
	 * its own. */
	preload = getenv("LD_PRELOAD");
	if (!preload || !strstr(preload, "libvizbpf-eval.so"))
		return;
	saved = getenv("VIZBPF_SAVED_LD_PRELOAD");
	if (saved && *saved)
		setenv("LD_PRELOAD", saved, 1);
	else
		unsetenv("LD_PRELOAD");
	unsetenv("VIZBPF_SAVED_LD_PRELOAD");
}
