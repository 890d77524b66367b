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
#include "tracerprobe.h"

struct excprobe {
	struct uplink *enter, *ret;
};

struct excprobe *excprobe_attach(struct tracer *t, const struct py_interp *pi)
{
	struct vizbpf_bpf *skel = tracer_skel(t);
	uint64_t va, off;
	struct excprobe *x = NULL;
	struct elf_file *ef;

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
	x->enter = tracer_attach_uprobe(t, skel->progs.exc_enter, pi->lib, off,
					&(struct uplink_opts){ .cookie = va });
	x->ret = x->enter ? tracer_attach_uprobe(t, skel->progs.exc_return, pi->lib, off,
						 &(struct uplink_opts){ .retprobe = true }) : NULL;
	if (!x->ret) {
		elog("--log_exception: exceptions are not traced");
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
	uplink_destroy(x->ret);
	uplink_destroy(x->enter);
	free(x);
}
