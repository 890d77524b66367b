// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <string.h>
#include "user/base/procmem.h"
#include "pystack.h"

#define MAX_FRAMES 4096
#define MAX_THREADS 4096
/* _PyInterpreterFrame.owner of the C-stack shim frames of 3.12+ (FRAME_OWNED_BY_CSTACK). */
#define OWNED_BY_CSTACK 3
/* offsetof(struct pthread, tid) in glibc (2.36, x86_64): 3.8-3.10 only keep the pthread_t. */
#define GLIBC_PTHREAD_TID 0x2d0

static uint32_t thread_tid(uint32_t pid, const struct vz_py_offsets *off, uint64_t tstate)
{
	uint64_t pthread;
	uint32_t tid = 0;

	if (off->tstate_native_thread_id >= 0) {
		procmem_read(pid, tstate + off->tstate_native_thread_id, &tid, sizeof(tid));
		return tid;
	}
	pthread = procmem_ptr(pid, tstate + off->tstate_thread_id);
	if (pthread)
		procmem_read(pid, pthread + GLIBC_PTHREAD_TID, &tid, sizeof(tid));
	return tid;
}

int pystack_threads(uint32_t pid, const struct vz_py_offsets *off, uint64_t runtime,
		    pystack_thread_fn fn, void *ctx)
{
	uint64_t interp = procmem_ptr(pid, runtime + off->runtime_interpreters_head);
	int n = 0;

	for (int i = 0; interp && i < 64; i++) {
		uint64_t tstate = procmem_ptr(pid, interp + off->interp_threads_head);

		for (; tstate && n < MAX_THREADS; n++) {
			struct pystack_thread th = { interp, tstate, thread_tid(pid, off, tstate) };

			if (fn(ctx, &th))
				return n;
			tstate = procmem_ptr(pid, tstate + off->tstate_next);
		}
		interp = procmem_ptr(pid, interp + off->interp_next);
	}
	return n;
}

/* A str of the target as a vz_pystr_hdr + code units, like BPF's read_pystr(). */
void pystack_read_str(uint32_t pid, const struct vz_py_offsets *off, uint64_t str,
		     struct vz_pystr_hdr *h, char *buf, uint32_t cap)
{
	uint32_t state = 0;
	int64_t length = 0;
	uint64_t n;
	uint32_t kind;

	memset(h, 0, sizeof(*h));
	if (!str || procmem_read(pid, str + off->unicode_state, &state, sizeof(state)) ||
	    procmem_read(pid, str + off->unicode_length, &length, sizeof(length)))
		return;
	kind = VZ_UNICODE_KIND(state);
	if (!VZ_UNICODE_COMPACT(state) || length < 0 || (kind != 1 && kind != 2 && kind != 4))
		return;
	n = (uint64_t)length * kind;
	if (n > cap - 1) {
		n = (cap - 1) & ~(uint64_t)(kind - 1);
		h->truncated = 1;
	}
	if (procmem_read(pid, str + (VZ_UNICODE_ASCII(state) ? off->unicode_ascii_data
							      : off->unicode_compact_data),
			 buf, n))
		return;
	h->kind = kind;
	h->len = n;
}

static uint64_t current_frame(uint32_t pid, const struct vz_py_offsets *off, uint64_t tstate)
{
	uint64_t p = procmem_ptr(pid, tstate + off->tstate_frame);

	if (off->cframe_current_frame >= 0 && p)
		p = procmem_ptr(pid, p + off->cframe_current_frame);
	return p;
}

int pystack_replay(uint32_t pid, const struct vz_py_offsets *off, const struct pystack_thread *th,
		   uint64_t ts_ns, int (*handle)(void *ctx, const void *rec, size_t size), void *ctx)
{
	static uint64_t frames[MAX_FRAMES], codes[MAX_FRAMES];
	struct vz_rec_code code_rec;
	struct vz_rec_call call;
	uint64_t f = current_frame(pid, off, th->tstate), name;
	int n = 0;

	for (; f && n < MAX_FRAMES; f = procmem_ptr(pid, f + off->frame_previous)) {
		uint8_t owner = 0;

		if (off->frame_owner >= 0 &&
		    (procmem_read(pid, f + off->frame_owner, &owner, 1) || owner == OWNED_BY_CSTACK))
			continue;
		codes[n] = procmem_ptr(pid, f + off->frame_code);
		if (codes[n])
			frames[n++] = f;
	}
	for (int i = n - 1; i >= 0; i--) {
		memset(&code_rec, 0, sizeof(code_rec));
		code_rec.hdr = (struct vz_rec_hdr){ ts_ns, pid, th->tid, VZ_REC_CODE, 0 };
		code_rec.code = codes[i];
		procmem_read(pid, codes[i] + off->code_firstlineno, &code_rec.firstlineno, 4);
		procmem_read(pid, codes[i] + off->code_flags, &code_rec.co_flags, 4);
		name = procmem_ptr(pid, codes[i] + (off->code_qualname >= 0 ? off->code_qualname
									    : off->code_name));
		pystack_read_str(pid, off, name, &code_rec.name_hdr, code_rec.name, VZ_NAME_MAX);
		pystack_read_str(pid, off, procmem_ptr(pid, codes[i] + off->code_filename),
			 &code_rec.file_hdr, code_rec.file, VZ_FILE_MAX);
		handle(ctx, &code_rec, sizeof(code_rec));

		call = (struct vz_rec_call){
			.hdr = { ts_ns, pid, th->tid, VZ_REC_CALL, 0 },
			.code = codes[i],
			.frame = frames[i],
			.caller = i + 1 < n ? frames[i + 1] : 0,
		};
		handle(ctx, &call, sizeof(call));
	}
	return n;
}
