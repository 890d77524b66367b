// SPDX-License-Identifier: BSD-2-Clause
/*
 * libelf wrapper. Program headers and the dynamic section are read once at
 * open (they are small and every caller needs them); symbol tables are walked
 * on demand because the loader only asks for a handful of names.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "symbols/elf.h"

struct elf_file {
	int fd;
	Elf *elf;
	char *path;
	GElf_Half type;
	bool le;
	size_t nphdr;
	GElf_Phdr *phdr;
	size_t nneeded;
	const char **needed;
	const char *runpath;
	const char *rpath;
};

static int load_dynamic(struct elf_file *ef)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNAMIC)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data || !sh.sh_entsize)
			return 0;
		n = sh.sh_size / sh.sh_entsize;
		/* Upper bound: every entry a DT_NEEDED. */
		ef->needed = calloc(n + 1, sizeof(*ef->needed));
		if (!ef->needed)
			return -ENOMEM;
		for (size_t i = 0; i < n; i++) {
			GElf_Dyn dyn;
			const char *s;

			if (!gelf_getdyn(data, (int)i, &dyn) || dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_NEEDED && dyn.d_tag != DT_RUNPATH &&
			    dyn.d_tag != DT_RPATH)
				continue;
			/* d_val is an offset in the string table the section links to. */
			s = elf_strptr(ef->elf, sh.sh_link, dyn.d_un.d_val);
			if (!s)
				continue;
			if (dyn.d_tag == DT_NEEDED)
				ef->needed[ef->nneeded++] = s;
			else if (dyn.d_tag == DT_RUNPATH)
				ef->runpath = s;
			else
				ef->rpath = s;
		}
		return 0;
	}
	return 0;
}

struct elf_file *elf_file__open(const char *path)
{
	struct elf_file *ef;
	GElf_Ehdr eh;
	int err = ENOEXEC;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		errno = ENOSYS;
		return NULL;
	}
	ef = calloc(1, sizeof(*ef));
	if (!ef) {
		errno = ENOMEM;
		return NULL;
	}
	ef->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ef->fd < 0) {
		err = errno;
		goto fail;
	}
	ef->path = strdup(path);
	if (!ef->path) {
		err = ENOMEM;
		goto fail;
	}
	ef->elf = elf_begin(ef->fd, ELF_C_READ, NULL);
	if (!ef->elf || elf_kind(ef->elf) != ELF_K_ELF || !gelf_getehdr(ef->elf, &eh))
		goto fail;
	ef->type = eh.e_type;
	ef->le = eh.e_ident[EI_DATA] == ELFDATA2LSB;

	if (elf_getphdrnum(ef->elf, &ef->nphdr))
		goto fail;
	ef->phdr = calloc(ef->nphdr ? ef->nphdr : 1, sizeof(*ef->phdr));
	if (!ef->phdr) {
		err = ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < ef->nphdr; i++)
		if (!gelf_getphdr(ef->elf, (int)i, &ef->phdr[i]))
			goto fail;
	if (load_dynamic(ef)) {
		err = ENOMEM;
		goto fail;
	}
	return ef;
fail:
	elf_file__close(ef);
	errno = err;
	return NULL;
}

void elf_file__close(struct elf_file *ef)
{
	if (!ef)
		return;
	if (ef->elf)
		elf_end(ef->elf);
	if (ef->fd >= 0)
		close(ef->fd);
	free(ef->needed);
	free(ef->phdr);
	free(ef->path);
	free(ef);
}

const char *elf_file__path(const struct elf_file *ef)
{
	return ef->path;
}

/* Searches one symbol table. Returns 1 for a global/weak hit, 2 for a local one, 0 for none. */
static int find_in(struct elf_file *ef, Elf_Scn *scn, const GElf_Shdr *sh, const char *name,
		   GElf_Sym *out)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t n;
	int found = 0;

	if (!data || !sh->sh_entsize)
		return 0;
	n = sh->sh_size / sh->sh_entsize;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		const char *s;
		int type;

		if (!gelf_getsym(data, (int)i, &sym))
			break;
		type = GELF_ST_TYPE(sym.st_info);
		if (sym.st_shndx == SHN_UNDEF || (type != STT_FUNC && type != STT_OBJECT))
			continue;
		s = elf_strptr(ef->elf, sh->sh_link, sym.st_name);
		if (!s || strcmp(s, name))
			continue;
		if (GELF_ST_BIND(sym.st_info) != STB_LOCAL) {
			*out = sym;
			return 1;
		}
		/* A static of the same name: keep it only if no global one exists. */
		if (!found) {
			*out = sym;
			found = 2;
		}
	}
	return found;
}

int elf_file__sym(struct elf_file *ef, const char *name, uint64_t *vaddr, uint64_t *size)
{
	static const Elf64_Word order[] = { SHT_SYMTAB, SHT_DYNSYM };
	GElf_Sym best;
	int have = 0;

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]) && have != 1; k++) {
		Elf_Scn *scn = NULL;

		while ((scn = elf_nextscn(ef->elf, scn))) {
			GElf_Shdr sh;
			GElf_Sym sym;
			int r;

			if (!gelf_getshdr(scn, &sh) || sh.sh_type != order[k])
				continue;
			r = find_in(ef, scn, &sh, name, &sym);
			if (r && (!have || r < have)) {
				best = sym;
				have = r;
			}
		}
	}
	if (!have)
		return -ENOENT;
	if (vaddr)
		*vaddr = best.st_value;
	if (size)
		*size = best.st_size;
	return 0;
}

int elf_file__vaddr_to_offset(struct elf_file *ef, uint64_t vaddr, uint64_t *off)
{
	for (size_t i = 0; i < ef->nphdr; i++) {
		const GElf_Phdr *p = &ef->phdr[i];

		if (p->p_type != PT_LOAD)
			continue;
		if (vaddr >= p->p_vaddr && vaddr < p->p_vaddr + p->p_filesz) {
			*off = vaddr - p->p_vaddr + p->p_offset;
			return 0;
		}
	}
	return -ENOENT;
}

int elf_file__offset_to_vaddr(struct elf_file *ef, uint64_t off, uint64_t *vaddr)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);

	/*
	 * mmap() maps a segment from the page below p_offset (p_vaddr is
	 * congruent to p_offset modulo the page size), so a mapping's offset
	 * may lie just before p_offset. Exact containment is tried first so
	 * that slack shared with the previous segment goes to that segment.
	 */
	for (int slack = 0; slack < 2; slack++) {
		for (size_t i = 0; i < ef->nphdr; i++) {
			const GElf_Phdr *p = &ef->phdr[i];
			uint64_t start = slack ? p->p_offset & ~(page - 1) : p->p_offset;

			if (p->p_type != PT_LOAD)
				continue;
			if (off >= start && off < p->p_offset + p->p_filesz) {
				*vaddr = p->p_vaddr - (p->p_offset - off);
				return 0;
			}
		}
	}
	return -ENOENT;
}

int elf_file__first_load(struct elf_file *ef, uint64_t *vaddr, uint64_t *off)
{
	for (size_t i = 0; i < ef->nphdr; i++) {
		if (ef->phdr[i].p_type != PT_LOAD)
			continue;
		if (vaddr)
			*vaddr = ef->phdr[i].p_vaddr;
		if (off)
			*off = ef->phdr[i].p_offset;
		return 0;
	}
	return -ENOENT;
}

int elf_file__read(struct elf_file *ef, uint64_t vaddr, void *buf, size_t len)
{
	uint64_t off;
	ssize_t n;

	for (size_t i = 0; i < ef->nphdr; i++) {
		const GElf_Phdr *p = &ef->phdr[i];

		if (p->p_type != PT_LOAD || vaddr < p->p_vaddr ||
		    vaddr + len > p->p_vaddr + p->p_filesz)
			continue;
		off = vaddr - p->p_vaddr + p->p_offset;
		n = pread(ef->fd, buf, len, (off_t)off);
		if (n < 0)
			return -errno;
		return (size_t)n == len ? 0 : -EIO;
	}
	return -ENOENT;
}

/* The addend of the RELATIVE relocation at vaddr, in any SHT_RELA section. */
static int relative_addend(struct elf_file *ef, uint64_t vaddr, uint64_t *addend)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(ef->elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;

			if (!gelf_getrela(data, (int)i, &r))
				break;
			if (r.r_offset == vaddr && GELF_R_TYPE(r.r_info) == R_X86_64_RELATIVE) {
				*addend = (uint64_t)r.r_addend;
				return 0;
			}
		}
	}
	return -ENOENT;
}

int elf_file__read_ptr(struct elf_file *ef, uint64_t vaddr, uint64_t *value)
{
	if (ef->type == ET_DYN && !relative_addend(ef, vaddr, value))
		return 0;
	return elf_file__read(ef, vaddr, value, sizeof(*value));
}

bool elf_file__is_dyn(const struct elf_file *ef)
{
	return ef->type == ET_DYN;
}

bool elf_file__is_le(const struct elf_file *ef)
{
	return ef->le;
}

const char *elf_file__needed(struct elf_file *ef, size_t i)
{
	return i < ef->nneeded ? ef->needed[i] : NULL;
}

const char *elf_file__runpath(struct elf_file *ef)
{
	return ef->runpath;
}

const char *elf_file__rpath(struct elf_file *ef)
{
	return ef->rpath;
}
