/* SPDX-License-Identifier: BSD-2-Clause */
/* Another process's memory, read and written with process_vm_readv/writev. */
#ifndef VZ_PROCMEM_H
#define VZ_PROCMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Return 0, or -errno (-EFAULT: not mapped, -ESRCH: no such process). */
int procmem_read(uint32_t pid, uint64_t addr, void *buf, size_t len);
int procmem_write(uint32_t pid, uint64_t addr, const void *buf, size_t len);
/* The same into memory the process cannot write itself (its code), through /proc/PID/mem as a
 * debugger does: a private copy of the page, in that process only. */
int procmem_poke(uint32_t pid, uint64_t addr, const void *buf, size_t len);
/* len bytes at each of n addresses into out[i * len], in one system call (n at most
 * PROCMEM_MAX_EACH). -EFAULT when any of them is not mapped. */
#define PROCMEM_MAX_EACH 256
int procmem_read_each(uint32_t pid, const uint64_t *addrs, size_t n, void *out, size_t len);

/* The process exists (it may be a zombie). */
bool proc_alive(uint32_t pid);
/* Its parent's pid, 0 if unknown. */
uint32_t proc_ppid(uint32_t pid);
/* The fields of a /proc/PID/stat (or task/TID/stat) file after the command name, from the
 * state letter on, read into buf; NULL if unreadable (the process is gone). */
const char *proc_stat_fields(const char *path, char *buf, size_t cap);
/* Its start time (field 22 of /proc/PID/stat, clock ticks since boot), 0 if unknown: with the
 * pid, names one process, whatever reuses the pid later. */
uint64_t proc_start_time(uint32_t pid);
/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns(), so of every record. */
uint64_t monotonic_ns(void);
/* The command line of pid, arguments joined by spaces ("" when it cannot be read). */
void proc_cmdline(uint32_t pid, char *buf, size_t cap);

static inline uint64_t procmem_ptr(uint32_t pid, uint64_t addr)
{
	uint64_t v = 0;

	return procmem_read(pid, addr, &v, sizeof(v)) ? 0 : v;
}

#endif
