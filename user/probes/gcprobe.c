// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_gc: attaches bpf/gc.bpf.h's gc_begin/gc_end where symbols/gcsites.c says a collection
 * begins and ends. The probes are attached for every process of the interpreter file (pid -1)
 * and filtered in BPF on the traced processes, so forks, execs and --all's new processes are
 * covered by one attach; an untraced process of the same file pays one filtered probe hit per
 * collection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "vizbpf.h"
#include "vizbpf.skel.h"
#include "symbols/elf.h"
#include "symbols/gcsites.h"
#include "user/base/log.h"
#include "user/probes/gcprobe.h"
#include "tracerprobe.h"

#define GC_LINKS_MAX (2 * GC_SITES_MAX_FUNCS)

struct gcprobe {
	struct uplink *links[GC_LINKS_MAX];
	int n;
};

/* cookie: the site's link-time address (gc_begin computes the load bias from it). */
static int attach(struct tracer *t, struct gcprobe *g, struct bpf_program *prog, const char *lib,
		  uint64_t off, uint64_t cookie, uint64_t ref_ctr, bool ret)
{
	struct uplink_opts o = { .retprobe = ret, .cookie = cookie, .ref_ctr_off = ref_ctr };
	struct uplink *l;

	if (g->n == GC_LINKS_MAX)
		return -E2BIG;
	l = tracer_attach_uprobe(t, prog, lib, off, &o);
	if (!l) {
		elog("--log_gc: garbage collections are not traced");
		return -errno;
	}
	g->links[g->n++] = l;
	return 0;
}

struct gcprobe *gcprobe_attach(struct tracer *t, const struct py_interp *pi)
{
	struct vizbpf_bpf *skel = tracer_skel(t);
	struct gcprobe *g;
	struct gc_sites s;
	struct elf_file *ef;
	int err;

	err = gc_sites_find(pi->lib, pi->minor, &s);
	if (err) {
		elog("--log_gc: %s: %s", pi->lib, err == -ENOENT ?
		     "neither USDT gc__start/gc__done nor the collector's symbol found: "
		     "garbage collections are not traced" : strerror(-err));
		return NULL;
	}
	if (!pi->pyruntime_vaddr) {
		elog("--log_gc: %s: _PyRuntime not found: garbage collections are not traced",
		     pi->lib);
		return NULL;
	}
	ef = elf_file__open(pi->lib);
	g = calloc(1, sizeof(*g));
	if (!ef || !g)
		goto fail;
	skel->bss->gc_interp_main_off = s.interp_main_off;
	skel->bss->gc_stats_off = s.stats_off;
	if (s.usdt_start) {
		uint64_t va;

		err = elf_file__offset_to_vaddr(ef, s.usdt_start, &va) ?:
		      attach(t, g, skel->progs.gc_begin, pi->lib, s.usdt_start, va, s.sem_start, false) ?:
		      attach(t, g, skel->progs.gc_end, pi->lib, s.usdt_done, 0, s.sem_done, false);
		if (err)
			goto fail;
		vlog("--log_gc: USDT gc__start/gc__done of %s", pi->lib);
	} else {
		for (int i = 0; i < s.n_funcs; i++) {
			uint64_t va;

			err = elf_file__offset_to_vaddr(ef, s.funcs[i], &va) ?:
			      attach(t, g, skel->progs.gc_begin, pi->lib, s.funcs[i], va, 0, false) ?:
			      attach(t, g, skel->progs.gc_end, pi->lib, s.funcs[i], 0, 0, true);
			if (err)
				goto fail;
		}
		vlog("--log_gc: %d cop%s of %s() in %s", s.n_funcs, s.n_funcs > 1 ? "ies" : "y",
		     s.func_name, pi->lib);
	}
	elf_file__close(ef);
	return g;
fail:
	elf_file__close(ef);
	gcprobe_free(g);
	return NULL;
}

void gcprobe_free(struct gcprobe *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->n; i++)
		uplink_destroy(g->links[i]);
	free(g);
}
