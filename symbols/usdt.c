// SPDX-License-Identifier: BSD-2-Clause
/* .note.stapsdt reader: each note is pc, base, semaphore (8 bytes each), then provider\0,
 * name\0, args\0 (SystemTap's SDT v3). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "symbols/elf.h"
#include "symbols/usdt.h"

static int scan(Elf *e, struct elf_file *ef, const char *provider, const char *name,
		struct usdt_site *out)
{
	uint64_t base_addr = 0;
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(e, &shstrndx))
		return -ENOEXEC;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *s;

		if (gelf_getshdr(scn, &sh) && (s = elf_strptr(e, shstrndx, sh.sh_name)) &&
		    !strcmp(s, ".stapsdt.base"))
			base_addr = sh.sh_addr;
	}
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		GElf_Nhdr nh;
		Elf_Data *data;
		size_t off = 0, name_off, desc_off;
		const char *s;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE ||
		    !(s = elf_strptr(e, shstrndx, sh.sh_name)) || strcmp(s, ".note.stapsdt"))
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		while ((off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
			const char *desc = (const char *)data->d_buf + desc_off, *end;
			const char *prov, *probe, *args;
			uint64_t pc, base, sem;

			if (nh.n_type != 3 || nh.n_descsz < 3 * 8 + 3 ||
			    strcmp((const char *)data->d_buf + name_off, "stapsdt"))
				continue;
			end = desc + nh.n_descsz;
			memcpy(&pc, desc, 8);
			memcpy(&base, desc + 8, 8);
			memcpy(&sem, desc + 16, 8);
			prov = desc + 24;
			probe = memchr(prov, 0, end - prov);
			if (!probe || ++probe >= end || !(args = memchr(probe, 0, end - probe)) ||
			    ++args > end || !memchr(args, 0, end - args))
				continue;
			if (strcmp(prov, provider) || strcmp(probe, name))
				continue;
			/* The note's pc is link-time; a prelinked file moved .stapsdt.base with it. */
			if (base_addr && base)
				pc += base_addr - base;
			memset(out, 0, sizeof(*out));
			out->vaddr = pc;
			if (elf_file__vaddr_to_offset(ef, pc, &out->offset) ||
			    (sem && elf_file__vaddr_to_offset(ef, sem, &out->sem_offset)))
				return -ENOENT;
			snprintf(out->args, sizeof(out->args), "%s", args);
			return 0;
		}
	}
	return -ENOENT;
}

int usdt_find(const char *path, const char *provider, const char *name, struct usdt_site *out)
{
	struct elf_file *ef;
	Elf *e;
	int fd, err;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	ef = elf_file__open(path);
	if (!ef)
		return -errno;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		elf_file__close(ef);
		return err;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	err = e ? scan(e, ef, provider, name, out) : -ENOEXEC;
	if (e)
		elf_end(e);
	close(fd);
	elf_file__close(ef);
	return err;
}

int usdt_arg_reg(const char *args, int i)
{
	/* struct pt_regs (arch/x86/include/asm/ptrace.h), 8 bytes each from r15 */
	static const char *const regs[] = { "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10",
					    "r9",  "r8",  "rax", "rcx", "rdx", "rsi", "rdi" };
	const char *p = args;
	char reg[8] = "";

	for (; i > 0 && p; i--) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || !(p = strchr(p, '@')) || p[1] != '%')
		return -1;
	p += 2;
	for (size_t k = 0; k < sizeof(reg) - 1 && p[k] && p[k] != ' '; k++) {
		reg[k] = p[k];
		reg[k + 1] = 0;
	}
	for (size_t r = 0; r < sizeof(regs) / sizeof(regs[0]); r++)
		if (!strcmp(reg, regs[r]))
			return (int)(8 * r);
	return -1;
}
