/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CPython 3.11's function version counter (static uint32_t next_func_version in
 * Objects/funcobject.c): where it is in an interpreter file, also in Debian's stripped
 * python3.11, which has no symbol for it.
 */
#ifndef VZ_SYMBOLS_FUNCVERSION_H
#define VZ_SYMBOLS_FUNCVERSION_H

#include <stddef.h>
#include <stdint.h>

struct elf_file;

/*
 * Finds next_func_version in elf (the file holding _PyEval_EvalFrameDefault of a 3.11):
 * its symbol where the file has one, else from the code that hands out versions
 * (_PyFunction_GetVersionForCurrentState, inlined into the evaluator by LTO):
 *
 *     mov  COUNTER(%rip), %eX      ; v = next_func_version
 *     test %eX, %eX ; je ...       ; 0: out of versions
 *     lea  0x1(%rX), %eY
 *     mov  %eX, 0x80(%rF)          ; func->func_version = v
 *     mov  %eY, COUNTER(%rip)      ; next_func_version = v + 1
 *
 * Every such site must name the same address. Returns 0 with its link-time address in
 * *vaddr, -ENOENT when the pattern is not found (or is ambiguous); err gets why.
 */
int funcversion_find_counter(struct elf_file *elf, uint64_t *vaddr, char *err, size_t errlen);

/*
 * The same scan over code bytes loaded at code_vaddr. Returns the number of distinct
 * counter addresses found (the first in *vaddr).
 */
int funcversion_scan(const uint8_t *code, size_t len, uint64_t code_vaddr, uint64_t *vaddr);

#endif
