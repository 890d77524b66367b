/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef VIZBPF_KBTF_H
#define VIZBPF_KBTF_H

#include <stddef.h>

/*
 * The kernel types a BPF object's CO-RE relocations name (task_struct, pt_regs, ...), cut
 * out of the kernel's BTF into a small BTF file, cached per kernel build. Given to libbpf as
 * the object's btf_custom_path, it spares every load reading and parsing the kernel's whole
 * BTF (~6 MB: 10-25 ms of the hold at exec on 2 CPUs) when no program of the object needs
 * the kernel's BTF for itself (tp_btf, fentry, kfuncs).
 *
 * Each type named is copied whole with every type it embeds (members, arrays, typedefs);
 * pointers become void pointers: libbpf matches a field by its name path and kind, and a
 * pointer field by kind only, so the offsets it finds are the kernel's. An object with a
 * relocation that compares whole types (bpf_core_type_exists/_size/_matches) is refused.
 *
 * The cache is VIZBPF_CACHE_DIR (none: no cut, the kernel's whole BTF) or /var/cache/vizbpf; a file is named by a hash of the
 * kernel (uname, its BTF's size and first bytes) and of the type names, and used only if
 * vizbpf's user owns it and nobody else may write it. Where it cannot be written, the
 * types go to an anonymous file of this process.
 */

/* The path of such a file for the object ELF (ELF_SZ bytes) into PATH; 0, or < 0 when the
 * kernel's own BTF must be used (the reason at -v). */
int kbtf_path(const void *elf, size_t elf_sz, char *path, size_t n);

/* PATH's types did not do (a load with them failed): not to be used again. */
void kbtf_forget(const char *path);

#endif
