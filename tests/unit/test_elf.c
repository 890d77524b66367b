// SPDX-License-Identifier: BSD-2-Clause
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "symbols/elf.h"
#include "test.h"

/* Path of the built fixture library, or NULL (with a note) when it was not built. */
const char *vz_test_fakepy(void);

const char *vz_test_fakepy(void)
{
	static char path[4096];
	const char *dir = vz_fixtures_dir();

	if (!dir) {
		printf("  note: VIZBPF_FIXTURES unset, fakepy.so tests skipped\n");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/fakepy.so", dir);
	if (access(path, R_OK)) {
		printf("  note: %s absent, skipped\n", path);
		return NULL;
	}
	return path;
}

void test_elf_open_errors(void)
{
	struct elf_file *elf;

	elf = elf_file__open("/nonexistent/file");
	if (!ASSERT_NULL(elf, "open missing"))
		return;
	ASSERT_EQ(errno, ENOENT, "errno missing");
	/* A text file is not ELF. */
	elf = elf_file__open("test.h");
	if (!ASSERT_NULL(elf, "open text"))
		return;
	ASSERT_EQ(errno, ENOEXEC, "errno text");
}

void test_elf_fakepy_symbols(void)
{
	const char *path = vz_test_fakepy();
	uint64_t vaddr, size, off, back;
	struct elf_file *elf;
	uint32_t ver;

	if (!path)
		return;
	elf = elf_file__open(path);
	if (!ASSERT_OK_PTR(elf, "open fakepy"))
		return;
	ASSERT_TRUE(elf_file__is_dyn(elf), "is_dyn");
	ASSERT_TRUE(elf_file__is_le(elf), "is_le");

	if (ASSERT_OK(elf_file__sym(elf, "Py_Version", &vaddr, &size), "sym Py_Version")) {
		ASSERT_EQ(size, sizeof(unsigned long), "Py_Version size");
		ASSERT_OK(elf_file__read(elf, vaddr, &ver, sizeof(ver)), "read Py_Version");
		ASSERT_EQ(ver, 0x030c01f0, "Py_Version value");
	}
	if (ASSERT_OK(elf_file__sym(elf, "_PyEval_EvalFrameDefault", &vaddr, &size), "sym eval")) {
		ASSERT_NEQ(size, 0, "eval size");
		ASSERT_OK(elf_file__vaddr_to_offset(elf, vaddr, &off), "vaddr_to_offset");
		ASSERT_OK(elf_file__offset_to_vaddr(elf, off, &back), "offset_to_vaddr");
		ASSERT_EQ(back, vaddr, "round trip");
	}
	if (ASSERT_OK(elf_file__sym(elf, "_PyRuntime", &vaddr, NULL), "sym _PyRuntime")) {
		uint64_t cookie;

		ASSERT_OK(elf_file__read(elf, vaddr, &cookie, sizeof(cookie)), "read runtime");
		ASSERT_EQ(cookie, 0x7970756265646378ULL, "runtime cookie");
	}
	/* .bss has no bytes in the file. */
	if (ASSERT_OK(elf_file__sym(elf, "fakepy_bss", &vaddr, NULL), "sym bss"))
		ASSERT_EQ(elf_file__read(elf, vaddr, &ver, sizeof(ver)), -ENOENT, "read bss");
	ASSERT_EQ(elf_file__sym(elf, "no_such_symbol", &vaddr, NULL), -ENOENT, "missing sym");
	/* An undefined reference is not a definition. */
	ASSERT_EQ(elf_file__sym(elf, "__cxa_finalize", &vaddr, NULL), -ENOENT, "undef sym");
	ASSERT_EQ(elf_file__vaddr_to_offset(elf, 0xffffffff00000000ULL, &off), -ENOENT,
		  "far vaddr");
	elf_file__close(elf);
}

void test_elf_dynamic(void)
{
	const char *path = vz_test_fakepy();
	struct elf_file *elf;
	size_t n = 0;

	if (!path)
		return;
	elf = elf_file__open(path);
	if (!ASSERT_OK_PTR(elf, "open fakepy"))
		return;
	while (elf_file__needed(elf, n))
		n++;
	ASSERT_TRUE(n < 8, "needed list ends");
	ASSERT_NULL(elf_file__runpath(elf), "no runpath");
	ASSERT_NULL(elf_file__rpath(elf), "no rpath");
	elf_file__close(elf);
}

/* Our own executable: PIE or not, the symbol must be where the ELF says after the bias. */
void test_elf_self_first_load(void)
{
	struct elf_file *elf = elf_file__open("/proc/self/exe");
	uint64_t vaddr, off;

	if (!ASSERT_OK_PTR(elf, "open self"))
		return;
	ASSERT_OK(elf_file__first_load(elf, &vaddr, &off), "first_load");
	ASSERT_EQ(off, 0, "first PT_LOAD at offset 0");
	ASSERT_OK(elf_file__sym(elf, "test_elf_self_first_load", &vaddr, NULL), "own symbol");
	elf_file__close(elf);
}

/* Real interpreters, when present: their runpath / needed entries. */
void test_elf_pyenv_runpath(void)
{
	const char *exe = "/root/.pyenv/versions/3.12.1/bin/python3.12";
	struct elf_file *elf;

	if (access(exe, R_OK)) {
		printf("  note: %s absent, skipped\n", exe);
		return;
	}
	elf = elf_file__open(exe);
	if (!ASSERT_OK_PTR(elf, "open pyenv"))
		return;
	ASSERT_TRUE(elf_file__is_dyn(elf), "pyenv python is PIE");
	ASSERT_STREQ(elf_file__needed(elf, 0), "libpython3.12.so.1.0", "needed[0]");
	ASSERT_STREQ(elf_file__runpath(elf), "/root/.pyenv/versions/3.12.1/lib", "runpath");
	elf_file__close(elf);
}

/* Debian's stripped, non-PIE python3.11 only has .dynsym. */
void test_elf_debian_python(void)
{
	const char *exe = "/usr/bin/python3.11";
	struct elf_file *elf;
	uint64_t vaddr, off;
	uint32_t ver;

	if (access(exe, R_OK)) {
		printf("  note: %s absent, skipped\n", exe);
		return;
	}
	elf = elf_file__open(exe);
	if (!ASSERT_OK_PTR(elf, "open debian"))
		return;
	ASSERT_FALSE(elf_file__is_dyn(elf), "non-PIE");
	/* Debian links libpython in: no libpython among its DT_NEEDED, libm is. */
	for (size_t i = 0; elf_file__needed(elf, i); i++)
		ASSERT_TRUE(strncmp(elf_file__needed(elf, i), "libpython", 9), "no libpython");
	ASSERT_STREQ(elf_file__needed(elf, 0), "libm.so.6", "needed[0]");
	if (ASSERT_OK(elf_file__sym(elf, "_PyEval_EvalFrameDefault", &vaddr, NULL), "eval")) {
		ASSERT_OK(elf_file__vaddr_to_offset(elf, vaddr, &off), "eval offset");
		/* Non-PIE, first PT_LOAD at 0x400000 offset 0. */
		ASSERT_EQ(vaddr - off, 0x400000, "vaddr - offset");
	}
	if (ASSERT_OK(elf_file__sym(elf, "Py_Version", &vaddr, NULL), "Py_Version"))
		if (ASSERT_OK(elf_file__read(elf, vaddr, &ver, 4), "read Py_Version"))
			ASSERT_EQ(ver >> 16, 0x030b, "3.11");
	elf_file__close(elf);
}

/* dlopen the fixture: runtime address must equal st_value + the bias seen in maps. */
void test_elf_dlopen_consistency(void)
{
	const char *path = vz_test_fakepy();
	void *h, *sym;
	Dl_info info;

	if (!path)
		return;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!ASSERT_OK_PTR(h, "dlopen"))
		return;
	sym = dlsym(h, "_PyEval_EvalFrameDefault");
	if (ASSERT_OK_PTR(sym, "dlsym") && ASSERT_TRUE(dladdr(sym, &info), "dladdr")) {
		struct elf_file *elf = elf_file__open(path);
		uint64_t vaddr;

		if (ASSERT_OK_PTR(elf, "open") &&
		    ASSERT_OK(elf_file__sym(elf, "_PyEval_EvalFrameDefault", &vaddr, NULL), "sym"))
			ASSERT_EQ((uintptr_t)sym - (uintptr_t)info.dli_fbase, vaddr, "st_value");
		elf_file__close(elf);
	}
	dlclose(h);
}
