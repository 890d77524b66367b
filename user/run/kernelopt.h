/* SPDX-License-Identifier: BSD-2-Clause */
/* --kernel LIST: which kernel activity of the traced processes goes into the trace. */
#ifndef VZ_KERNELOPT_H
#define VZ_KERNELOPT_H

#include <stddef.h>

/* LIST (comma-separated: syscalls, sched, cpu, memory; all) -> TRACER_KERNEL_* flags, or -1 with why. */
int kernel_parse(const char *list, char *why, size_t cap);

#endif
