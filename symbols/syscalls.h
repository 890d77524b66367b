/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * System calls by number, for this build's architecture (the table is generated at build time
 * by symbols/gen-syscalls.sh): names, and which arguments say something worth showing.
 */
#ifndef VZ_SYSCALLS_H
#define VZ_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* The call's name ("read"), or NULL for a number this architecture does not have. */
const char *syscall_name(uint32_t nr);
/* A call the kernel's uprobes make on vizbpf's behalf (the optimized uprobe and uretprobe
 * trampolines): not the program's, never shown. */
int syscall_own_probe(uint32_t nr);
/* 1-based index of the argument that is a path (open-like calls), 0: none. */
int syscall_path_arg(uint32_t nr);
/* 1-based index of the argument that is a file descriptor, 0: none. */
int syscall_fd_arg(uint32_t nr);
/* Whether a non-negative return value is a byte count (read/write-like calls). */
int syscall_returns_bytes(uint32_t nr);
/* "ENOENT" for 2, or NULL. */
const char *syscall_errno_name(int err);
/*
 * The args object of a syscall slice: {"nr":N,"ret":R|"ENOENT",...} with the fd, the byte
 * count and the path (JSON-escaped) where the call has them. Returns the length (like snprintf).
 */
size_t syscall_args_json(char *buf, size_t cap, uint32_t nr, int64_t ret, const uint64_t args[3],
			 const char *path, size_t path_len);

#endif
