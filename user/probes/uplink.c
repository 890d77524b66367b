// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "user/base/log.h"
#include "uplink.h"

#define VZ_BPF_F_UPROBE_MULTI_RETURN 1u

struct uplink {
	struct bpf_link *link; /* a perf-event uprobe, or NULL */
	int fd;                /* a uprobe_multi link, or -1 */
	int map_fd, slot;      /* its program's slot (an early link), or -1 */
};

/* By hand: libbpf 1.1 predates uprobe_multi links. The layout is link_create's uprobe_multi
 * member of union bpf_attr (Linux 6.6+). */
int uplink_create_multi(int prog_fd, const char *path, uint64_t off, pid_t pid,
			const struct uplink_opts *o)
{
	union {
		struct {
			__u32 prog_fd, target_fd, attach_type, flags;
			__u64 path, offsets, ref_ctr_offsets, cookies;
			__u32 cnt, multi_flags, pid;
		} link_create;
		char size[256]; /* the kernel wants what it does not know zeroed */
	} attr;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog_fd;
	attr.link_create.attach_type = VZ_BPF_TRACE_UPROBE_MULTI;
	attr.link_create.path = (__u64)(uintptr_t)path;
	attr.link_create.offsets = (__u64)(uintptr_t)&off;
	if (o && o->ref_ctr_off)
		attr.link_create.ref_ctr_offsets = (__u64)(uintptr_t)&o->ref_ctr_off;
	if (o && o->cookie)
		attr.link_create.cookies = (__u64)(uintptr_t)&o->cookie;
	attr.link_create.cnt = 1;
	attr.link_create.multi_flags = o && o->retprobe ? VZ_BPF_F_UPROBE_MULTI_RETURN : 0;
	attr.link_create.pid = pid;
	return syscall(__NR_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));
}

int uplink_load_multi_prog(const char *name, const struct bpf_insn *insns, size_t n)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = (enum bpf_attach_type)VZ_BPF_TRACE_UPROBE_MULTI);

	return bpf_prog_load(BPF_PROG_TYPE_KPROBE, name, "Dual BSD/GPL", insns, n, &opts);
}

bool uplink_multi_supported(void)
{
	static int known; /* 1 yes, -1 no */
	struct bpf_insn ret0[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int prog, fd, err;

	if (known)
		return known > 0;
	prog = uplink_load_multi_prog("vz_multi_probe", ret0, 2);
	if (prog < 0)
		return false; /* no privileges: asked again once they are known */
	fd = uplink_create_multi(prog, "/", 0, 0, NULL);
	err = errno;
	if (fd >= 0)
		close(fd);
	close(prog);
	known = fd < 0 && err == EBADF ? 1 : -1;
	if (known < 0)
		vlog("no uprobe_multi links here (%s): perf-event uprobes", strerror(err));
	return known > 0;
}

static struct uplink *wrap(struct bpf_link *link, int fd, int map_fd, int slot)
{
	struct uplink *l = malloc(sizeof(*l));

	if (!l) {
		bpf_link__destroy(link);
		if (fd >= 0)
			close(fd);
		if (map_fd >= 0)
			close(map_fd);
		errno = ENOMEM;
		return NULL;
	}
	*l = (struct uplink){ .link = link, .fd = fd, .map_fd = map_fd, .slot = slot };
	return l;
}

struct uplink *uplink_attach(struct bpf_program *prog, bool multi, pid_t pid, const char *file,
			     uint64_t off, const struct uplink_opts *o)
{
	static const struct uplink_opts none;
	LIBBPF_OPTS(bpf_uprobe_opts, opts);
	struct bpf_link *link;
	int fd, err;

	o = o ?: &none;
	if (multi) {
		fd = uplink_create_multi(bpf_program__fd(prog), file, off, pid < 0 ? 0 : pid, o);
		if (fd >= 0)
			return wrap(NULL, fd, -1, -1);
	} else {
		opts.retprobe = o->retprobe;
		opts.bpf_cookie = o->cookie;
		opts.ref_ctr_offset = o->ref_ctr_off;
		link = bpf_program__attach_uprobe_opts(prog, pid, file, off, &opts);
		if (link)
			return uplink_of_link(link);
	}
	err = errno;
	elog("attaching a %s%s to %s+0x%llx%s: %s", multi ? "uprobe_multi " : "",
	     o->retprobe ? "return probe" : "probe", file, (unsigned long long)off,
	     pid < 0 ? "" : " in one process", strerror(err));
	errno = err;
	return NULL;
}

struct uplink *uplink_of_link(struct bpf_link *link)
{
	return link ? wrap(link, -1, -1, -1) : NULL;
}

struct uplink *uplink_of_slot(int link_fd, int map_fd, int slot)
{
	return wrap(NULL, link_fd, map_fd, slot);
}

const char *uplink_kind(const struct uplink *l)
{
	return l && l->fd >= 0 ? "uprobe_multi" : "perf uprobe";
}

/* An early link's program is called no more (its slot emptied), and its array fd closed. */
static void unbind(struct uplink *l)
{
	if (l->map_fd < 0)
		return;
	bpf_map_delete_elem(l->map_fd, &l->slot);
	close(l->map_fd);
	l->map_fd = -1;
}

void uplink_hand(struct uplink *l, struct linkclose *c)
{
	if (!l)
		return;
	unbind(l);
	linkclose_add(c, l->link);
	linkclose_add_fd(c, l->fd);
	free(l);
}

void uplink_destroy(struct uplink *l)
{
	if (!l)
		return;
	unbind(l);
	bpf_link__destroy(l->link);
	if (l->fd >= 0)
		close(l->fd);
	free(l);
}
