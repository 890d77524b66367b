/* SPDX-License-Identifier: BSD-2-Clause */
/* USDT (SystemTap SDT v3) probe sites of an ELF file: .note.stapsdt. */
#ifndef VZ_SYMBOLS_USDT_H
#define VZ_SYMBOLS_USDT_H

#include <stdint.h>

struct usdt_site {
	uint64_t offset;     /* file offset of the site (what a uprobe attach wants) */
	uint64_t vaddr;      /* its link-time address */
	uint64_t sem_offset; /* file offset of its semaphore, 0: none */
	char args[128];      /* the argument spec, e.g. "8@%rbx 8@%r15" */
};

/* Finds provider:name in path. Returns 0, -ENOENT when absent, other -errno. */
int usdt_find(const char *path, const char *provider, const char *name, struct usdt_site *out);

/* Byte offset in x86-64 struct pt_regs of argument i's register ("8@%rbx" -> bx), or -1 when
 * the argument is not a plain register. */
int usdt_arg_reg(const char *args, int i);

#endif
