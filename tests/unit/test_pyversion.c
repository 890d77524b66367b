// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "symbols/elf.h"
#include "symbols/pyversion.h"
#include "test.h"

const char *vz_test_fakepy(void);

static void name_ok(const char *path, int major, int minor, bool debug)
{
	struct py_version v;

	if (!ASSERT_OK(py_version__from_file_name(path, &v), path))
		return;
	ASSERT_EQ(v.major, major, path);
	ASSERT_EQ(v.minor, minor, path);
	ASSERT_EQ(v.micro, -1, path);
	ASSERT_EQ(v.debug, debug, path);
	ASSERT_EQ(v.hex, (uint32_t)major << 24 | (uint32_t)minor << 16, path);
	ASSERT_STREQ(v.source, "file name", path);
}

void test_pyversion_file_names(void)
{
	struct py_version v;
	static const char *const bad[] = {
		"python3", "python", "/usr/bin/python3-config", "python3.11-config",
		"libpython3.so", "libpython3.11.a", "python3.11.py", "libpython3.11.sox",
		"/usr/bin/ls", "pythonX.Y", "", "/usr/lib/python3.11/", "ipython3.11",
	};

	name_ok("libpython3.11.so.1.0", 3, 11, false);
	name_ok("/root/.pyenv/versions/3.10.13/lib/libpython3.10.so.1.0", 3, 10, false);
	name_ok("libpython3.12.so", 3, 12, false);
	name_ok("libpython3.9d.so.1.0", 3, 9, true);
	name_ok("libpython3.7m.so.1.0", 3, 7, false);
	name_ok("/usr/lib/libpython2.7.so.1.0", 2, 7, false);
	name_ok("/usr/bin/python3.11", 3, 11, false);
	name_ok("python3.13d", 3, 13, true);
	name_ok("python2.7", 2, 7, false);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ASSERT_EQ(py_version__from_file_name(bad[i], &v), -ENOENT, bad[i]);
}

void test_pyversion_symbol_fakepy(void)
{
	const char *path = vz_test_fakepy();
	struct py_version v;
	struct elf_file *elf;

	if (!path)
		return;
	elf = elf_file__open(path);
	if (!ASSERT_OK_PTR(elf, "open"))
		return;
	if (ASSERT_OK(py_version__detect(elf, path, &v), "detect")) {
		ASSERT_EQ(v.hex, 0x030c01f0, "hex");
		ASSERT_EQ(v.major, 3, "major");
		ASSERT_EQ(v.minor, 12, "minor");
		ASSERT_EQ(v.micro, 1, "micro");
		ASSERT_STREQ(v.source, "Py_Version", "source");
	}
	elf_file__close(elf);
}

/* No Py_Version (before 3.11): the chain falls through to the file name. */
void test_pyversion_chain_fallback(void)
{
	const char *lib = "/root/.pyenv/versions/3.10.13/lib/libpython3.10.so.1.0";
	struct py_version v;
	struct elf_file *elf;

	if (access(lib, R_OK)) {
		printf("  note: %s absent, skipped\n", lib);
		return;
	}
	elf = elf_file__open(lib);
	if (!ASSERT_OK_PTR(elf, "open"))
		return;
	ASSERT_EQ(py_version__from_symbol(elf, &v), -ENOENT, "no Py_Version in 3.10");
	if (ASSERT_OK(py_version__detect(elf, lib, &v), "detect")) {
		ASSERT_EQ(v.minor, 10, "minor");
		ASSERT_STREQ(v.source, "file name", "source");
	}
	elf_file__close(elf);
}
