// SPDX-License-Identifier: BSD-2-Clause
/* libFuzzer: ELF parsing (symbols/elf.c: headers, dynamic section, symbols, relocations) and
 * the CPython version read from it (symbols/pyversion.c), on any file, from a memfd. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "symbols/elf.h"
#include "symbols/pyversion.h"

int vz_verbose;
int vz_quiet = 1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "Py_Version", "_PyRuntime", "_PyEval_EvalFrameDefault",
				       "PyCode_Type", "main", "" };
	struct elf_file *elf;
	struct py_version v;
	char path[64], buf[64];
	uint64_t a, b;
	int fd = memfd_create("elf", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	elf = elf_file__open(path);
	if (elf) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (elf_file__sym(elf, names[i], &a, &b))
				continue;
			elf_file__vaddr_to_offset(elf, a, &b);
			elf_file__offset_to_vaddr(elf, b, &a);
			elf_file__read(elf, a, buf, sizeof(buf));
			elf_file__read_ptr(elf, a, &b);
		}
		elf_file__first_load(elf, &a, &b);
		for (size_t i = 0; i < 64 && elf_file__needed(elf, i); i++)
			;
		elf_file__runpath(elf);
		elf_file__rpath(elf);
		elf_file__is_dyn(elf);
		elf_file__is_le(elf);
		py_version__detect(elf, path, &v);
		elf_file__close(elf);
	}
	close(fd);
	return 0;
}
