/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The traced tree: tgid -> enum vz_proc_state. procwatch.bpf.c keeps it as processes fork,
 * exec and exit; forkstop.bpf.c reads the same map (user space hands it over).
 */
#ifndef VZ_TREE_BPF_H
#define VZ_TREE_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} tree SEC(".maps");

#endif
