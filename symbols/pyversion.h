/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which CPython a file on disk is, without running it: an ordered chain of
 * sources (after austin), the first that answers wins:
 *   1. the Py_Version symbol (3.11+): the build's exact PY_VERSION_HEX;
 *   2. the file name: libpython3.X.so..., libpython3.Xd.so, libpython3.Xm.so,
 *      python3.X, python3.Xd (and 2.X), giving major.minor only.
 */
#ifndef __VZ_SYMBOLS_PYVERSION_H
#define __VZ_SYMBOLS_PYVERSION_H

#include <stdbool.h>
#include <stdint.h>

struct elf_file;

#define PY_VERSION_SRC_SYMBOL "Py_Version"
#define PY_VERSION_SRC_FILE_NAME "file name"

struct py_version {
	int major, minor;
	int micro;		/* -1 when the source does not say */
	uint32_t hex;		/* PY_VERSION_HEX; only major/minor bits when micro is -1 */
	bool debug;		/* file name says a debug build ('d' ABI flag) */
	const char *source;	/* PY_VERSION_SRC_*: which source answered (static string) */
};

/*
 * Source 1: reads the 4-byte value of Py_Version (.symtab or .dynsym) from
 * the file. Returns 0 on success, -ENOENT when the file has no Py_Version,
 * -EINVAL when its value is not a plausible version.
 */
int py_version__from_symbol(struct elf_file *elf, struct py_version *v);

/*
 * Source 2: parses the last component of path (no file access). Returns 0 on
 * success, -ENOENT when the name does not follow a CPython pattern.
 */
int py_version__from_file_name(const char *path, struct py_version *v);

/*
 * The chain on one file: elf (opened from path; may be NULL, then only the
 * name is used) then path's name. Returns 0 or -ENOENT when nothing answered.
 */
int py_version__detect(struct elf_file *elf, const char *path, struct py_version *v);

#endif /* __VZ_SYMBOLS_PYVERSION_H */
