/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A small read-only view of one ELF file on disk (libelf underneath): symbol
 * look-up, address translation for uprobe offsets, reads of initialized data
 * and the dynamic-section strings ld.so would use to find libpython.
 *
 * Strings returned by elf_file__* point into the file's own tables and stay
 * valid until elf_file__close().
 */
#ifndef __VZ_SYMBOLS_ELF_H
#define __VZ_SYMBOLS_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;

/* Opens and parses path. Returns NULL on failure with errno set (ENOEXEC: not ELF). */
struct elf_file *elf_file__open(const char *path);
void elf_file__close(struct elf_file *elf);

/* The path it was opened with. */
const char *elf_file__path(const struct elf_file *elf);

/*
 * Looks up a defined (st_shndx != SHN_UNDEF) FUNC or OBJECT symbol, in .symtab
 * first, then .dynsym (stripped files only have the latter). A global or weak
 * definition wins over a local one of the same name. vaddr gets st_value, size
 * st_size (either may be NULL). Returns 0 on success, -ENOENT when absent.
 */
int elf_file__sym(struct elf_file *elf, const char *name, uint64_t *vaddr, uint64_t *size);

/*
 * Translates a link-time virtual address to its file offset through the
 * PT_LOAD segment whose file-backed part holds it: what a uprobe attach wants.
 * Returns 0 on success, -ENOENT when no segment maps vaddr from the file.
 */
int elf_file__vaddr_to_offset(struct elf_file *elf, uint64_t vaddr, uint64_t *off);

/*
 * The reverse: the virtual address a file offset is loaded at. An offset in
 * the page-aligned slack before a segment's p_offset counts as that segment
 * (that is how ld.so maps it). Returns 0 on success, -ENOENT otherwise.
 */
int elf_file__offset_to_vaddr(struct elf_file *elf, uint64_t off, uint64_t *vaddr);

/* p_vaddr and p_offset of the first PT_LOAD segment. Returns 0, or -ENOENT if none. */
int elf_file__first_load(struct elf_file *elf, uint64_t *vaddr, uint64_t *off);

/*
 * Reads len bytes of initialized data at vaddr (e.g. the value of Py_Version).
 * Returns 0 on success, -ENOENT when [vaddr, vaddr+len) is not all in the
 * file-backed part of one PT_LOAD (e.g. .bss / NOBITS), -EIO on a short read.
 */
int elf_file__read(struct elf_file *elf, uint64_t vaddr, void *buf, size_t len);

/*
 * The link-time value of a pointer initialized at vaddr (e.g. a slot of a static type object):
 * in an ET_DYN file, the addend of the R_X86_64_RELATIVE relocation ld.so applies there (the
 * file holds 0); otherwise, or with no such relocation (packed RELR relocations keep it in
 * place), the 8 bytes of data. Returns 0, or an elf_file__read() error.
 */
int elf_file__read_ptr(struct elf_file *elf, uint64_t vaddr, uint64_t *value);

/* True for ET_DYN (a PIE executable or a shared library): addresses move by a load bias. */
bool elf_file__is_dyn(const struct elf_file *elf);

/* True when the file's data is little-endian (multi-byte values read with elf_file__read). */
bool elf_file__is_le(const struct elf_file *elf);

/* The i-th DT_NEEDED name in dynamic-section order, NULL past the end. */
const char *elf_file__needed(struct elf_file *elf, size_t i);

/* DT_RUNPATH / DT_RPATH strings, unexpanded ($ORIGIN kept), NULL when absent. */
const char *elf_file__runpath(struct elf_file *elf);
const char *elf_file__rpath(struct elf_file *elf);

#endif /* __VZ_SYMBOLS_ELF_H */
