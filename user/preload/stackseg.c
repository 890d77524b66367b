// SPDX-License-Identifier: BSD-2-Clause
/*
 * Stack segments for the evaluator hook (see stackseg.h). Per thread: the
 * segments in use nest (one per switch, innermost last) and stay mapped for
 * reuse until the thread exits. A fork()ed child inherits them as it inherits
 * the rest of the forking thread's memory. Signal handlers run on whatever
 * stack is current: each stack keeps MARGIN below the switch point for them
 * and for the C code between two hook activations.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "stackseg.h"

#define MARGIN (256u << 10)
#define MIN_SEGMENT (64u << 10) /* the last one may give up to this much more than owed */
#define MAX_SEGMENTS 64

struct segment {
	char *map; /* guard page first */
	size_t len;
};

struct segments {
	int n;          /* in use: s[0..n) */
	size_t granted; /* usable bytes of those, beyond their margins */
	struct segment s[MAX_SEGMENTS];
};

__thread uintptr_t vz_stack_low __attribute__((tls_model("initial-exec"))) = UINTPTR_MAX;
static __thread struct segments *segs __attribute__((tls_model("initial-exec")));
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;

/* Switches rsp to top, calls fn(a, b, c) there, switches back. The frame pointer links the
 * two stacks, so unwinders (gdb, perf) walk through. */
void *vz_call_on(void *top, void *fn, void *a, void *b, long c);
__asm__(".text\n"
	".globl vz_call_on\n"
	".hidden vz_call_on\n"
	".type vz_call_on, @function\n"
	"vz_call_on:\n"
	".cfi_startproc\n"
	"push %rbp\n"
	".cfi_def_cfa_offset 16\n"
	".cfi_offset %rbp, -16\n"
	"mov %rsp, %rbp\n"
	".cfi_def_cfa_register %rbp\n"
	"mov %rdi, %rsp\n"
	"mov %rsi, %rax\n"
	"mov %rdx, %rdi\n"
	"mov %rcx, %rsi\n"
	"mov %r8, %rdx\n"
	"call *%rax\n"
	"mov %rbp, %rsp\n"
	"pop %rbp\n"
	".cfi_def_cfa %rsp, 8\n"
	"ret\n"
	".cfi_endproc\n"
	".size vz_call_on, .-vz_call_on\n");

static void thread_exit(void *p)
{
	struct segments *ss = p;

	/* Never run on a segment again on this thread (destructors may still call Python). */
	vz_stack_low = 0;
	segs = NULL;
	if (ss->n)
		return; /* exiting from a call running on one of them (pthread_exit): leave them */
	for (int i = 0; i < MAX_SEGMENTS; i++)
		if (ss->s[i].map)
			munmap(ss->s[i].map, ss->s[i].len);
	free(ss);
}

static void make_key(void)
{
	pthread_key_create(&exit_key, thread_exit);
}

/* First low-stack check of a thread: learn where its stack ends. */
static void learn_bounds(void)
{
	pthread_attr_t attr;
	void *addr;
	size_t size;

	vz_stack_low = 0; /* unknown: never switch */
	if (pthread_getattr_np(pthread_self(), &attr))
		return;
	if (!pthread_attr_getstack(&attr, &addr, &size) && size > 2 * MARGIN) {
		segs = calloc(1, sizeof(*segs));
		if (segs) {
			pthread_once(&exit_key_once, make_key);
			pthread_setspecific(exit_key, segs);
			vz_stack_low = (uintptr_t)addr + MARGIN;
		}
	}
	pthread_attr_destroy(&attr);
}

typedef void *(*fn3)(void *, void *, long);

void *stackseg_call(void *fn, void *a, void *b, long c, size_t owed)
{
	long page = sysconf(_SC_PAGESIZE);
	struct segments *ss;
	struct segment *s;
	uintptr_t saved;
	size_t want, usable;
	void *ret;

	if (vz_stack_low == UINTPTR_MAX)
		learn_bounds();
	ss = segs;
	/* Not low after all, or the hook's frames got back what they took: the program's own
	 * frames get no more stack than they have untraced. */
	if (!stackseg_low() || !ss || ss->n == MAX_SEGMENTS || owed <= ss->granted)
		return ((fn3)fn)(a, b, c);
	want = (owed - ss->granted + page - 1) & ~(size_t)(page - 1);
	if (want < MIN_SEGMENT)
		want = MIN_SEGMENT;
	s = &ss->s[ss->n];
	if (s->len < want + MARGIN + page) {
		char *map = mmap(NULL, want + MARGIN + page, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);

		if (map == MAP_FAILED)
			return ((fn3)fn)(a, b, c);
		mprotect(map, page, PROT_NONE);
		if (s->map)
			munmap(s->map, s->len);
		s->map = map;
		s->len = want + MARGIN + page;
	}
	usable = s->len - page - MARGIN;
	saved = vz_stack_low;
	ss->n++;
	ss->granted += usable;
	vz_stack_low = (uintptr_t)s->map + page + MARGIN;
	ret = vz_call_on((void *)(((uintptr_t)s->map + s->len) & ~(uintptr_t)15), fn, a, b, c);
	vz_stack_low = saved;
	ss->n--;
	ss->granted -= usable;
	return ret;
}
