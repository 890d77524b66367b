/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A uprobe's link, whichever way the kernel made it: a perf-event uprobe (libbpf's bpf_link), a
 * uprobe_multi link (an fd; Linux 6.6+), or a uprobe_multi link made before the program was
 * loaded (earlyprobe.h), whose placeholder program tail-calls the real one through a slot of a
 * program array.
 *
 * Why uprobe_multi wherever the kernel has it: closing a perf-event uprobe holds the kernel's
 * event_mutex across two or three RCU grace periods (perf_uprobe_destroy ->
 * tracepoint_synchronize_unregister): ~0.1 s each, one after another, and every perf event or
 * uprobe opened on the machine meanwhile waits for that mutex. A vizbpf started within ~0.4 s
 * of another one's end was held at exec 0.3-0.4 s instead of ~0.05 (perf_uprobe_init, blocked).
 * A uprobe_multi link's close waits for its grace periods without the mutex, and closes made in
 * parallel overlap.
 */
#ifndef VIZBPF_UPLINK_H
#define VIZBPF_UPLINK_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <bpf/libbpf.h>
#include "linkclose.h"

#define VZ_BPF_TRACE_UPROBE_MULTI 48 /* enum bpf_attach_type, Linux 6.6+ */

struct uplink;

/* Whether this kernel makes uprobe_multi links (asked once: a link on "/" fails with EBADF
 * where it does, without registering anything). */
bool uplink_multi_supported(void);
/* Loads a hand-written uprobe_multi program (insns, n of them). Returns its fd or -errno. */
int uplink_load_multi_prog(const char *name, const struct bpf_insn *insns, size_t n);

struct uplink_opts {
	bool retprobe;
	uint64_t cookie;      /* bpf_get_attach_cookie()'s */
	uint64_t ref_ctr_off; /* a USDT semaphore's file offset, or 0 */
};

/* prog on file+off in pid (-1: in every process that maps file; a perf event on CPU 0, a BPF
 * program bound to it runs on every hit): a uprobe_multi link where multi (prog loaded with
 * expected attach type VZ_BPF_TRACE_UPROBE_MULTI), else a perf-event uprobe. o may be NULL.
 * NULL with errno set (said on stderr). */
struct uplink *uplink_attach(struct bpf_program *prog, bool multi, pid_t pid, const char *file,
			     uint64_t off, const struct uplink_opts *o);
/* The link's fd, or -1 with errno set (nothing said). pid 0: every process. */
int uplink_create_multi(int prog_fd, const char *file, uint64_t off, pid_t pid,
			const struct uplink_opts *o);
/* Wraps a libbpf link (NULL: NULL). */
struct uplink *uplink_of_link(struct bpf_link *link);
/* Wraps an early link: link_fd calls the program in slot 'slot' of the program array map_fd.
 * Takes both fds. */
struct uplink *uplink_of_slot(int link_fd, int map_fd, int slot);

/* "uprobe_multi" or "perf uprobe". */
const char *uplink_kind(const struct uplink *l);

/* Hands l's link to c (closed with c's others) and frees l (NULL: nothing). An early link's
 * program stops being called at once, as a perf link's event is disabled at once. */
void uplink_hand(struct uplink *l, struct linkclose *c);
/* Closes l now (waits for the kernel) and frees it. */
void uplink_destroy(struct uplink *l);

#endif
