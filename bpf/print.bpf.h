/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * --log_print: what a traced process writes to its stdout and stderr (fds 1 and 2), read from
 * the write system call as it enters, so the instant lies inside the Python call that printed.
 * The filter is --kernel's pid bitmap (ktrace.bpf.h, which must come first). Loaded and
 * attached only when asked (user/probes/ktrace.c).
 */
#ifndef __PRINT_BPF_H
#define __PRINT_BPF_H

__u64 print_records; /* writes recorded */
__u64 print_lost;    /* ...and dropped (ring buffer full) */

/* write(2)'s number (user space, from the syscall table). */
const volatile __u32 write_nr = 0;

/*
 * The raw sys_enter tracepoint (BTF-typed: no tracefs needed), filtered to write: the syscalls
 * group's sys_enter_write would cost the same (either puts every task of the host on the
 * syscall slow path while attached), and fentry on __x64_sys_write is refused by kernels that
 * refuse trampolines (this one).
 */
SEC("tp_btf/sys_enter")
int BPF_PROG(p_write, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid(), fd, count, n;
	struct vz_rec_print *r;

	/* The filter first: every system call of the host comes here. */
	if (id != write_nr || !ktraced(pid_tgid >> 32))
		return 0;
	fd = regs->di;
	if (fd != 1 && fd != 2)
		return 0;
	count = regs->dx;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&print_lost, 1);
		return 0;
	}
	khdr(&r->hdr, bpf_ktime_get_ns(), pid_tgid >> 32, (__u32)pid_tgid, VZ_REC_PRINT);
	r->len = count;
	r->fd = fd;
	n = count < VZ_PRINT_MAX ? count : VZ_PRINT_MAX;
	/* Bounded where the verifier sees it. */
	asm volatile("" : "+r"(n));
	n &= 0xff;
	if (n > VZ_PRINT_MAX)
		n = VZ_PRINT_MAX;
	r->n = 0;
	if (n && !bpf_probe_read_user(r->text, n, (const void *)regs->si))
		r->n = n;
	__sync_fetch_and_add(&print_records, 1);
	bpf_ringbuf_submit(r, submit_flags());
	return 0;
}

#endif /* __PRINT_BPF_H */
