// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "symbols/elf.h"
#include "symbols/funcversion.h"

/* offsetof(PyFunctionObject, func_version) on 3.11: gdb on pyenv 3.11.7; Debian's 3.11.2
 * evaluator stores there too (objdump). */
#define FUNC_VERSION_OFFSET_3_11 0x80
/* How far apart the load and the store of the counter may be (bytes): the sequence above
 * is 20-28 bytes long. */
#define WINDOW 40

static int32_t rel32(const uint8_t *p)
{
	return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			 (uint32_t)p[3] << 24);
}

/* Optional REX prefix without W (32-bit operands): its length, 0 or 1. */
static int rex32(const uint8_t *p)
{
	return (p[0] & 0xf0) == 0x40 && !(p[0] & 0x08);
}

/*
 * A 32-bit mov between a register and a RIP-relative address at p (opcode 0x8b: load,
 * 0x89: store). Returns its length and the target in *target, 0 when it is not one.
 */
static int rip_mov(const uint8_t *p, const uint8_t *end, uint8_t opcode, uint64_t vaddr,
		   uint64_t *target)
{
	int r = rex32(p);

	if (end - p < r + 6 || p[r] != opcode || (p[r + 1] & 0xc7) != 0x05)
		return 0;
	*target = vaddr + r + 6 + (int64_t)rel32(p + r + 2);
	return r + 6;
}

/* lea 0x1(%rX),%eY: 8d with mod=01 (disp8), disp 1, no SIB. */
static bool lea_plus_one(const uint8_t *p, const uint8_t *end)
{
	int r = rex32(p);

	return end - p >= r + 3 && p[r] == 0x8d && (p[r + 1] & 0xc0) == 0x40 &&
	       (p[r + 1] & 0x07) != 0x04 && p[r + 2] == 0x01;
}

/* mov %eX,0x80(%rF): 89 with mod=10 (disp32), no SIB, disp32 == func_version. */
static bool store_func_version(const uint8_t *p, const uint8_t *end)
{
	int r = rex32(p);

	return end - p >= r + 6 && p[r] == 0x89 && (p[r + 1] & 0xc0) == 0x80 &&
	       (p[r + 1] & 0x07) != 0x04 && rel32(p + r + 2) == FUNC_VERSION_OFFSET_3_11;
}

/* A load of counter at code[i], followed within WINDOW by lea +1, the store into the
 * function and the store back of counter. */
static bool site_at(const uint8_t *code, size_t len, size_t i, uint64_t code_vaddr,
		    uint64_t *counter)
{
	const uint8_t *end = code + len, *p = code + i, *stop;
	bool lea = false, field = false;
	uint64_t target;
	int n;

	n = rip_mov(p, end, 0x8b, code_vaddr + i, counter);
	if (!n)
		return false;
	stop = p + WINDOW < end ? p + WINDOW : end;
	/* Not a decoder: look at every byte offset; the three parts are specific enough
	 * together (and every site must agree on the address). */
	for (const uint8_t *q = p + n; q < stop; q++) {
		lea |= lea_plus_one(q, end);
		field |= store_func_version(q, end);
		if (lea && field && rip_mov(q, end, 0x89, code_vaddr + (q - code), &target) &&
		    target == *counter)
			return true;
	}
	return false;
}

int funcversion_scan(const uint8_t *code, size_t len, uint64_t code_vaddr, uint64_t *vaddr)
{
	uint64_t first = 0, counter;
	int distinct = 0;

	for (size_t i = 0; i < len; i++) {
		if (!site_at(code, len, i, code_vaddr, &counter))
			continue;
		if (!distinct) {
			first = counter;
			distinct = 1;
		} else if (counter != first) {
			distinct = 2; /* ambiguous: say so rather than guess */
		}
	}
	if (distinct)
		*vaddr = first;
	return distinct;
}

/* Scans the code of function name; 0 with *vaddr, or -ENOENT. */
static int scan_function(struct elf_file *elf, const char *name, uint64_t *vaddr, int *sites)
{
	uint64_t at, size;
	uint8_t *code;
	int err;

	*sites = 0;
	if (elf_file__sym(elf, name, &at, &size) || !size)
		return -ENOENT;
	code = malloc(size);
	if (!code)
		return -ENOMEM;
	err = elf_file__read(elf, at, code, size);
	if (!err)
		*sites = funcversion_scan(code, size, at, vaddr);
	free(code);
	return err ?: (*sites == 1 ? 0 : -ENOENT);
}

int funcversion_find_counter(struct elf_file *elf, uint64_t *vaddr, char *err, size_t errlen)
{
	static const char *const users[] = { "_PyFunction_GetVersionForCurrentState",
					     "_PyEval_EvalFrameDefault" };
	int sites = 0;

	if (!elf_file__sym(elf, "next_func_version", vaddr, NULL))
		return 0;
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		if (!scan_function(elf, users[i], vaddr, &sites))
			return 0;
	snprintf(err, errlen, "%s: no symbol next_func_version and %s in its evaluator code",
		 elf_file__path(elf),
		 sites > 1 ? "the version-assigning code names different addresses" :
			     "no version-assigning code found");
	return -ENOENT;
}
