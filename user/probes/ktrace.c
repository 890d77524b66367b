// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <linux/types.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include "vizbpf.h"
#include "vizbpf.skel.h"
#include "symbols/syscalls.h"
#include "ktrace.h"
#include "user/base/log.h"

/*
 * fentry/fexit on x64_sys_call when the kernel has it: a trampoline on that one function, where
 * the sys_enter/sys_exit tracepoints put every task of the host on the syscall slow path.
 * VIZBPF_KSYS_TRACEPOINTS=1 forces the tracepoints (tests of the fallback).
 */
static bool use_fentry(void)
{
	const char *force = getenv("VIZBPF_KSYS_TRACEPOINTS");
	struct btf *vmlinux;
	int id = -1, fd;

	if (force && *force && strcmp(force, "0")) {
		vlog("--kernel syscalls: the sys_enter/sys_exit tracepoints (VIZBPF_KSYS_TRACEPOINTS)");
		return false;
	}
	vmlinux = btf__load_vmlinux_btf();
	if (vmlinux)
		id = btf__find_by_name_kind(vmlinux, "x64_sys_call", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id <= 0) {
		vlog("--kernel syscalls: no x64_sys_call in the kernel's BTF, the sys_enter/sys_exit "
		     "tracepoints instead (every syscall of the host slower while tracing)");
		return false;
	}
	/* Some kernels refuse trampolines altogether (sandboxed VMs: EPERM, no verifier log): a
	 * two-instruction fentry program finds out before the real object is loaded. */
	struct bpf_insn ret0[] = {
		{ .code = 0xb7 /* BPF_ALU64 | BPF_MOV | BPF_K */, .dst_reg = 0, .imm = 0 },
		{ .code = 0x95 /* BPF_JMP | BPF_EXIT */ },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "vz_fentry_probe", "GPL", ret0, 2, &o);
	if (fd < 0) {
		vlog("--kernel syscalls: the kernel refuses fentry on x64_sys_call (%s), the "
		     "sys_enter/sys_exit tracepoints instead (every syscall of the host slower while "
		     "tracing)", strerror(errno));
		return false;
	}
	close(fd);
	vlog("--kernel syscalls: fentry/fexit on x64_sys_call");
	return true;
}

void ktrace_configure(struct vizbpf_bpf *skel, unsigned flags)
{
	for (uint32_t nr = 0; nr < 512; nr++)
		if (syscall_name(nr) && !strcmp(syscall_name(nr), "futex"))
			skel->rodata->futex_nr = nr;
		else if (syscall_name(nr) && !strcmp(syscall_name(nr), "write"))
			skel->rodata->write_nr = nr;
	bool sys = flags & KTRACE_SYSCALLS, sched = flags & KTRACE_SCHED, cpu = flags & KTRACE_CPU,
	     mem = flags & KTRACE_MEMORY, print = flags & KTRACE_PRINT;

	/* Unasked, not even loaded: a trace without --kernel costs nothing more. */
	bool fentry = sys && use_fentry();

	bpf_program__set_autoload(skel->progs.k_sys_fentry, fentry);
	bpf_program__set_autoload(skel->progs.k_sys_fexit, fentry);
	bpf_program__set_autoload(skel->progs.k_sys_enter, sys && !fentry);
	bpf_program__set_autoload(skel->progs.k_sys_exit, sys && !fentry);
	bpf_program__set_autoload(skel->progs.k_switch, sched || cpu || mem);
	bpf_program__set_autoload(skel->progs.k_exit, sys || sched || cpu || mem || print);
	bpf_program__set_autoload(skel->progs.p_write, print);
	bpf_program__set_autoload(skel->progs.k_waking, sched || cpu);
	skel->rodata->offcpu_on = sched;
	skel->rodata->cpu_on = cpu;
	skel->rodata->mem_on = mem;
}

static int attach_one(struct bpf_program *prog, const char *what, struct bpf_link **link)
{
	*link = bpf_program__attach(prog);
	if (!*link) {
		elog("%s: attaching to %s: %s",
		     !strcmp(bpf_program__name(prog), "p_write") ? "--log_print" : "--kernel", what,
		     strerror(errno));
		return -errno;
	}
	return 0;
}

int ktrace_attach(struct vizbpf_bpf *skel, unsigned flags, struct bpf_link *links[KTRACE_LINKS])
{
	int fd = bpf_map__fd(skel->maps.sys_path_arg), err = 0;

	if (flags & KTRACE_SYSCALLS) {
		for (__u32 nr = 0; nr < 512; nr++) {
			__u8 a = syscall_own_probe(nr) ? VZ_SYS_SKIP : syscall_path_arg(nr);

			if (a && bpf_map_update_elem(fd, &nr, &a, BPF_ANY))
				return -errno;
		}
		if (bpf_program__autoload(skel->progs.k_sys_fentry))
			err = attach_one(skel->progs.k_sys_fentry, "fentry x64_sys_call", &links[0]) ?:
			      attach_one(skel->progs.k_sys_fexit, "fexit x64_sys_call", &links[1]);
		else
			err = attach_one(skel->progs.k_sys_enter, "the sys_enter tracepoint",
					 &links[0]) ?:
			      attach_one(skel->progs.k_sys_exit, "the sys_exit tracepoint", &links[1]);
	}
	if (!err && (flags & (KTRACE_SCHED | KTRACE_CPU | KTRACE_MEMORY)))
		err = attach_one(skel->progs.k_switch, "the sched_switch tracepoint", &links[2]);
	if (!err && (flags & (KTRACE_SCHED | KTRACE_CPU)))
		err = attach_one(skel->progs.k_waking, "the sched_waking tracepoint", &links[3]);
	if (!err && (flags & KTRACE_PRINT))
		err = attach_one(skel->progs.p_write, "the sys_enter tracepoint (write)", &links[5]);
	/* A pid leaves the filter with its process. */
	if (!err && (flags & (KTRACE_SYSCALLS | KTRACE_SCHED | KTRACE_CPU | KTRACE_MEMORY |
			      KTRACE_PRINT)))
		err = attach_one(skel->progs.k_exit, "the sched_process_exit tracepoint", &links[4]);
	return err;
}

void ktrace_mark(struct vizbpf_bpf *skel, pid_t pid)
{
	uint32_t w = (uint32_t)pid >> 6;

	if (pid <= 0 || w >= sizeof(skel->bss->ktraced_bits) / sizeof(skel->bss->ktraced_bits[0]))
		return;
	/* The BPF programs read the bitmap concurrently: set the bit in one atomic step. */
	__atomic_fetch_or(&skel->bss->ktraced_bits[w], 1ull << (pid & 63), __ATOMIC_RELAXED);
}

void ktrace_set_gil(struct vizbpf_bpf *skel, pid_t pid, uint64_t lo, uint64_t hi)
{
	struct { __u64 lo, hi; } g = { lo, hi };
	__u32 key = pid;

	bpf_map__update_elem(skel->maps.gil_ranges, &key, sizeof(key), &g, sizeof(g), BPF_ANY);
}

void ktrace_detach(struct bpf_link *links[KTRACE_LINKS])
{
	for (int i = 0; i < KTRACE_LINKS; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
}

void ktrace_stats(struct vizbpf_bpf *skel, uint64_t *records, uint64_t *lost)
{
	*records = skel->bss->kernel_records;
	*lost = skel->bss->kernel_lost;
}
