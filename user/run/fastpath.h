/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Launch mode's fast path: libvizbpf-eval.so (user/preload/evalhook.c),
 * preloaded into the traced program, wraps the evaluator between two
 * 5-byte-nop probe sites. This side finds the library, gives it to the
 * program (LD_PRELOAD), and at the first Python call switches the
 * interpreter's eval_frame to it.
 */
#ifndef VZ_FASTPATH_H
#define VZ_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct fastpath {
	char lib[4096];
	/* vaddrs in the library */
	uint64_t eval3, eval2, real_eval, layout, flow, known_tag, threads;
	/* file offsets of the probe sites, for uprobe attach, and their vaddrs */
	uint64_t entry_off, flush_off, entry_site, flush_site;
};

/*
 * Finds the library: $VIZBPF_EVAL_LIB, else next to the vizbpf executable.
 * Returns 0, or -errno (then launch mode uses uprobe+uretprobe on the evaluator).
 */
int fastpath_find(struct fastpath *fp);
/* Sets LD_PRELOAD (keeping the user's own, restored by the library) for a child about to exec. */
void fastpath_export_env(const struct fastpath *fp);
/* Undoes fastpath_export_env in vizbpf itself. */
void fastpath_unexport_env(void);
/* Load bias of the library in process pid, -ENOENT when it is not mapped. */
int fastpath_bias(const struct fastpath *fp, pid_t pid, uint64_t *bias);
/* [lo, hi): the library's code in process pid. Returns 0, or -ENOENT when it is not mapped. */
int fastpath_code_range(const struct fastpath *fp, pid_t pid, uint64_t *lo, uint64_t *hi);
struct freeze;
/* Single-steps each thread fz holds out of the library's code (freeze_step_out): a thread
 * stopped while noting a call would have a count that does not match its slots. 0 or -errno. */
int fastpath_step_out(const struct fastpath *fp, struct freeze *fz);
/*
 * A fork()ed child put its sites back to nops (an optimized site calls a trampoline it does not
 * inherit): makes them trap again (int3, as the kernel's own unoptimized probe), for the
 * probe registered in every process (tracer_attach_sites). bias: the library's, the parent's.
 * Returns 0, or -errno (-EBUSY: a site holds something else: left as it is).
 */
int fastpath_arm_child(const struct fastpath *fp, pid_t pid, uint64_t bias);

#endif
