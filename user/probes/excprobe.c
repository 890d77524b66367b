// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_exception: a uprobe and a uretprobe on PyTraceBack_Here (exported, so found in
 * stripped builds too), for every process of the interpreter file (pid -1), filtered in BPF on
 * the traced processes. The cost falls on exceptions only: two probe hits for each frame an
 * exception passes through (~1.5 us), nothing per call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "vizbpf.h"
#include "vizbpf.skel.h"
#include "symbols/elf.h"
#include "symbols/exclayout.h"
#include "user/base/log.h"
#include "user/probes/excprobe.h"

struct excprobe {
	struct bpf_link *enter, *ret;
};

struct vizbpf_bpf *tracer_skel(struct tracer *t);

struct excprobe *excprobe_attach(struct tracer *t, const struct py_interp *pi)
{
	struct vizbpf_bpf *skel = tracer_skel(t);
	uint64_t va, off;
	struct excprobe *x = NULL;
	struct elf_file *ef;
	int err;

	if (exc_layout_get(pi->minor, &skel->bss->exc_l)) {
		elog("--log_exception: CPython 3.%d has no layout here", pi->minor);
		return NULL;
	}
	if (!pi->pyruntime_vaddr) {
		elog("--log_exception: %s: _PyRuntime not found: exceptions are not traced", pi->lib);
		return NULL;
	}
	ef = elf_file__open(pi->lib);
	if (!ef || elf_file__sym(ef, "PyTraceBack_Here", &va, NULL) ||
	    elf_file__vaddr_to_offset(ef, va, &off)) {
		elog("--log_exception: %s: PyTraceBack_Here not found: exceptions are not traced",
		     pi->lib);
		goto fail;
	}
	x = calloc(1, sizeof(*x));
	if (!x)
		goto fail;
	{
		LIBBPF_OPTS(bpf_uprobe_opts, in, .bpf_cookie = va);
		LIBBPF_OPTS(bpf_uprobe_opts, out, .retprobe = true);

		x->enter = bpf_program__attach_uprobe_opts(skel->progs.exc_enter, -1, pi->lib, off,
							   &in);
		x->ret = x->enter ? bpf_program__attach_uprobe_opts(skel->progs.exc_return, -1,
								    pi->lib, off, &out) : NULL;
	}
	if (!x->ret) {
		err = errno;
		elog("--log_exception: probing %s+0x%llx: %s", pi->lib, (unsigned long long)off,
		     strerror(err));
		goto fail;
	}
	vlog("--log_exception: PyTraceBack_Here of %s", pi->lib);
	elf_file__close(ef);
	return x;
fail:
	elf_file__close(ef);
	excprobe_free(x);
	return NULL;
}

void excprobe_free(struct excprobe *x)
{
	if (!x)
		return;
	bpf_link__destroy(x->ret);
	bpf_link__destroy(x->enter);
	free(x);
}
