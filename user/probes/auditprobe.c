// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_audit: attaches bpf/audit.bpf.h's programs (see there for where and why): USDT
 * python:audit when the interpreter has it (its semaphore set by the kernel while attached),
 * else sys_audit_tstate (3.9+) or PySys_Audit (3.8), and sys.audit()'s sys_audit, by symbol.
 * For every process of the interpreter file (pid -1), filtered in BPF on the traced ones.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "vizbpf.h"
#include "vizbpf.skel.h"
#include "symbols/elf.h"
#include "symbols/usdt.h"
#include "user/base/log.h"
#include "user/probes/auditprobe.h"
#include "tracerprobe.h"

struct auditprobe {
	struct tracer *t;
	struct uplink *links[3];
	int n;
};

static int attach(struct auditprobe *a, struct bpf_program *prog, const char *lib, uint64_t off,
		  uint64_t ref_ctr, bool ret)
{
	struct uplink_opts o = { .retprobe = ret, .ref_ctr_off = ref_ctr };
	struct uplink *l = tracer_attach_uprobe(a->t, prog, lib, off, &o);

	if (!l) {
		elog("--log_audit: audit events are not traced");
		return -errno;
	}
	a->links[a->n++] = l;
	return 0;
}

/* File offset of a function by symbol, 0 when absent. */
static uint64_t func_offset(struct elf_file *ef, const char *name)
{
	uint64_t va, off;

	if (elf_file__sym(ef, name, &va, NULL) || elf_file__vaddr_to_offset(ef, va, &off))
		return 0;
	return off;
}

struct auditprobe *auditprobe_attach(struct tracer *t, const struct py_interp *pi)
{
	struct vizbpf_bpf *skel = tracer_skel(t);
	struct auditprobe *a = calloc(1, sizeof(*a));
	struct elf_file *ef = NULL;
	struct usdt_site site;
	uint64_t funnel, py;

	if (!a)
		return NULL;
	a->t = t;
	if (!usdt_find(pi->lib, "python", "audit", &site)) {
		int ev = usdt_arg_reg(site.args, 0), args = usdt_arg_reg(site.args, 1);

		if (ev < 0 || args < 0) {
			elog("--log_audit: %s: USDT audit's arguments (%s) are not in registers",
			     pi->lib, site.args);
			goto fail;
		}
		skel->bss->audit_event_reg = ev;
		skel->bss->audit_args_reg = args;
		if (attach(a, skel->progs.audit_usdt, pi->lib, site.offset, site.sem_offset, false))
			goto fail;
		vlog("--log_audit: USDT python:audit of %s", pi->lib);
		return a;
	}
	ef = elf_file__open(pi->lib);
	if (!ef)
		goto fail;
	funnel = func_offset(ef, pi->minor == 8 ? "PySys_Audit" : "sys_audit_tstate");
	py = func_offset(ef, "sys_audit");
	if (!funnel || !py) {
		elog("--log_audit: %s: neither USDT audit nor %s and sys_audit found: audit events "
		     "are not traced", pi->lib, pi->minor == 8 ? "PySys_Audit" : "sys_audit_tstate");
		goto fail;
	}
	if (attach(a, pi->minor == 8 ? skel->progs.audit_38 : skel->progs.audit_tstate, pi->lib,
		   funnel, 0, false) ||
	    attach(a, skel->progs.audit_py, pi->lib, py, 0, false) ||
	    attach(a, skel->progs.audit_py_ret, pi->lib, py, 0, true))
		goto fail;
	vlog("--log_audit: %s and sys_audit of %s", pi->minor == 8 ? "PySys_Audit" :
	     "sys_audit_tstate", pi->lib);
	elf_file__close(ef);
	return a;
fail:
	elf_file__close(ef);
	auditprobe_free(a);
	return NULL;
}

void auditprobe_free(struct auditprobe *a)
{
	if (!a)
		return;
	for (int i = a->n; i-- > 0;)
		uplink_destroy(a->links[i]);
	free(a);
}
