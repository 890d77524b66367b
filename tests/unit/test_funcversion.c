// SPDX-License-Identifier: BSD-2-Clause
#include <stdint.h>
#include "symbols/elf.h"
#include "symbols/funcversion.h"
#include "test.h"

/* Debian python3.11 3.11.2, _PyEval_EvalFrameDefault at 0x537ced (objdump): the
 * BINARY_SUBSCR specializer's inlined _PyFunction_GetVersionForCurrentState. */
static const uint8_t debian_site[] = {
	0x8b, 0x82, 0x80, 0x00, 0x00, 0x00,	  /* mov 0x80(%rdx),%eax */
	0x85, 0xc0,				  /* test %eax,%eax */
	0x75, 0x1d,				  /* jne */
	0x8b, 0x05, 0xcf, 0x45, 0x50, 0x00,	  /* mov 0x5045cf(%rip),%eax */
	0x85, 0xc0,				  /* test %eax,%eax */
	0x0f, 0x84, 0xdb, 0x99, 0xef, 0xff,	  /* je */
	0x8d, 0x48, 0x01,			  /* lea 0x1(%rax),%ecx */
	0x89, 0x82, 0x80, 0x00, 0x00, 0x00,	  /* mov %eax,0x80(%rdx) */
	0x89, 0x0d, 0xb8, 0x45, 0x50, 0x00,	  /* mov %ecx,0x5045b8(%rip) */
	0x3d, 0xff, 0xff, 0x00, 0x00,		  /* cmp $0xffff,%eax */
};

void test_funcversion_scan_debian_site(void)
{
	uint64_t counter = 0;

	ASSERT_EQ(funcversion_scan(debian_site, sizeof(debian_site), 0x537ced, &counter), 1,
		  "one counter");
	ASSERT_EQ(counter, 0xa3c2cc, "next_func_version of Debian's 3.11.2");
}

void test_funcversion_scan_rejects_other_code(void)
{
	uint8_t code[sizeof(debian_site)];
	uint64_t counter = 0;

	/* The store back goes elsewhere: not the counter. */
	memcpy(code, debian_site, sizeof(code));
	code[35] ^= 0x10;
	ASSERT_EQ(funcversion_scan(code, sizeof(code), 0x537ced, &counter), 0, "other address");
	/* No store into func_version (+0x80): some other counter. */
	memcpy(code, debian_site, sizeof(code));
	code[29] = 0x88;
	ASSERT_EQ(funcversion_scan(code, sizeof(code), 0x537ced, &counter), 0, "other field");
}

void test_funcversion_scan_ambiguous(void)
{
	uint8_t code[2 * sizeof(debian_site)];
	uint64_t counter = 0;

	/* The same bytes twice, 44 bytes apart: two sites, two different targets. */
	memcpy(code, debian_site, sizeof(debian_site));
	memcpy(code + sizeof(debian_site), debian_site, sizeof(debian_site));
	ASSERT_EQ(funcversion_scan(code, sizeof(code), 0x537ced, &counter), 2, "ambiguous");
}

void test_funcversion_find_counter_debian(void)
{
	struct elf_file *elf = elf_file__open("/usr/bin/python3.11");
	uint64_t counter = 0;
	char err[256] = "";

	if (!elf) {
		printf("  (skipped: no /usr/bin/python3.11)\n");
		return;
	}
	ASSERT_EQ(funcversion_find_counter(elf, &counter, err, sizeof(err)), 0, err);
	/* It starts at 1 (funcobject.c: static uint32_t next_func_version = 1). */
	uint32_t initial = 0;
	ASSERT_EQ(elf_file__read(elf, counter, &initial, sizeof(initial)), 0, "read it");
	ASSERT_EQ(initial, 1, "initial value");
	elf_file__close(elf);
}
