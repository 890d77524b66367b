// SPDX-License-Identifier: BSD-2-Clause
/*
 * --log_gc: where to probe the cyclic collector and where its statistics are.
 *
 * Where a collection begins and ends (CPython's Modules/gcmodule.c, Python/gc.c in 3.13):
 * - dtrace builds (Debian's python3.11, stripped, its static functions unnamed) have USDT
 *   python:gc__start and gc__done around the collection, found in .note.stapsdt; gc__done
 *   fires after generation_stats is updated.
 * - elsewhere the collector function: 3.8/3.9 `collect` (pyenv's 3.8 has only the compiler
 *   clones collect.constprop.0 and .1, one of them without the generation argument), 3.10-3.13
 *   `gc_collect_main` (3.13: generation -1 for automatic collections). Named in .symtab of
 *   builds with symbols. Every version bumps generation_stats[gen] before returning.
 * The generation and the counts are never taken from registers: the statistics read before
 * and after the collection tell which generation's `collections` moved and by how much its
 * `collected`/`uncollectable` did (gc_diff), which are what gc.callbacks are told.
 *
 * Offsets: gdb on the pyenv builds' DWARF (`p (long)&((_PyRuntimeState*)0)->interpreters.main`,
 * `p (long)&((PyInterpreterState*)0)->gc.generation_stats`, 3.8:
 * `p (long)&((_PyRuntimeState*)0)->gc.generation_stats`; sizeof(struct gc_generation_stats) is
 * 24 and NUM_GENERATIONS 3 everywhere). Debian's 3.11.2 has no debug info: it uses 3.11.7's
 * numbers, checked end to end by tests/cli/72-events.bats (counts equal gc.callbacks').
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <unistd.h>
#include "symbols/elf.h"
#include "symbols/gcsites.h"
#include "symbols/usdt.h"

static const struct {
	int minor;
	int32_t interp_main_off, stats_off;
} layouts[] = {
	{ 8, -1, 472 },    /* _PyRuntime.gc.generation_stats, gdb on pyenv 3.8.18 */
	{ 9, 40, 744 },    /* interpreters.main, interp->gc.generation_stats, pyenv 3.9.18 */
	{ 10, 40, 744 },   /* pyenv 3.10.13 */
	{ 11, 48, 776 },   /* pyenv 3.11.7 */
	{ 12, 48, 240 },   /* pyenv 3.12.1 */
	{ 13, 640, 7528 }, /* pyenv 3.13.0 */
};

/* FUNC symbols of .symtab named fn or fn.<clone suffix>. */
static void find_funcs(Elf *e, struct elf_file *ef, const char *fn, struct gc_sites *out)
{
	size_t fnlen = strlen(fn);
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 1; i < n && out->n_funcs < GC_SITES_MAX_FUNCS; i++) {
			GElf_Sym sym;
			const char *s;
			uint64_t off;

			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    sym.st_shndx == SHN_UNDEF)
				continue;
			s = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!s || strncmp(s, fn, fnlen) || (s[fnlen] && s[fnlen] != '.'))
				continue;
			/* "collect.cold" is a hot/cold split's tail, not an entry point. */
			if (s[fnlen] && (strstr(s + fnlen, ".cold") || strstr(s + fnlen, ".part")))
				continue;
			if (!elf_file__vaddr_to_offset(ef, sym.st_value, &off))
				out->funcs[out->n_funcs++] = off;
		}
	}
}

int gc_sites_find(const char *lib, int minor, struct gc_sites *out)
{
	struct usdt_site start, done;
	struct elf_file *ef;
	size_t i;
	Elf *e;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].minor == minor)
			break;
	if (i == sizeof(layouts) / sizeof(layouts[0]))
		return -EOPNOTSUPP;
	out->interp_main_off = layouts[i].interp_main_off;
	out->stats_off = layouts[i].stats_off;
	out->func_name = minor <= 9 ? "collect" : "gc_collect_main";

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	ef = elf_file__open(lib);
	if (!ef)
		return -errno;
	fd = open(lib, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		elf_file__close(ef);
		return err;
	}
	if (!usdt_find(lib, "python", "gc__start", &start) &&
	    !usdt_find(lib, "python", "gc__done", &done)) {
		out->usdt_start = start.offset;
		out->sem_start = start.sem_offset;
		out->usdt_done = done.offset;
		out->sem_done = done.sem_offset;
	}
	e = out->usdt_start ? NULL : elf_begin(fd, ELF_C_READ, NULL);
	if (e) {
		find_funcs(e, ef, out->func_name, out);
		elf_end(e);
	} else if (!out->usdt_start) {
		err = -ENOEXEC;
	}
	close(fd);
	elf_file__close(ef);
	if (!err && !out->usdt_start && !out->n_funcs)
		err = -ENOENT;
	return err;
}

void gc_diff(const uint64_t before[GC_GENERATIONS * 3], const uint64_t after[GC_GENERATIONS * 3],
	     struct gc_done *out)
{
	out->generation = -1;
	out->collected = out->uncollectable = 0;
	/* One collection bumps one generation's counter; the oldest that moved is the one. */
	for (int g = GC_GENERATIONS - 1; g >= 0; g--) {
		if (after[3 * g] == before[3 * g])
			continue;
		out->generation = g;
		out->collected = (int64_t)(after[3 * g + 1] - before[3 * g + 1]);
		out->uncollectable = (int64_t)(after[3 * g + 2] - before[3 * g + 2]);
		return;
	}
}
