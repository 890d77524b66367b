// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "symbols/elf.h"
#include "symbols/procmaps.h"
#include <linux/types.h>
#include "vizbpf.h"
#include "fastpath.h"
#include "freeze.h"
#include "user/base/log.h"
#include "user/base/procmem.h"

#define SAVED_ENV "VIZBPF_SAVED_LD_PRELOAD"

static char *saved_ld_preload; /* vizbpf's own LD_PRELOAD, put back after the fork */

static int lookup(struct elf_file *elf, const char *name, uint64_t *vaddr, uint64_t *off)
{
	uint64_t size;
	int err = elf_file__sym(elf, name, vaddr, &size);

	if (!err && off)
		err = elf_file__vaddr_to_offset(elf, *vaddr, off);
	if (err)
		vlog("%s: no %s", elf_file__path(elf), name);
	return err;
}

int fastpath_find(struct fastpath *fp)
{
	const char *env = getenv("VIZBPF_EVAL_LIB");
	char exe[PATH_MAX], *slash;
	struct elf_file *elf;
	ssize_t n;
	int err;

	memset(fp, 0, sizeof(*fp));
	if (env && !*env)
		return -ENOENT; /* VIZBPF_EVAL_LIB= (empty): fast path off */
	if (env) {
		snprintf(fp->lib, sizeof(fp->lib), "%s", env);
	} else {
		n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (n < 0)
			return -errno;
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		if (strlen(exe) + sizeof("/libvizbpf-eval.so") > sizeof(fp->lib))
			return -ENAMETOOLONG;
		strcpy(fp->lib, exe);
		strcat(fp->lib, "/libvizbpf-eval.so");
	}
	elf = elf_file__open(fp->lib);
	if (!elf) {
		err = -errno;
		vlog("%s: %s: using uprobe+uretprobe on the evaluator", fp->lib, strerror(errno));
		return err;
	}
	err = lookup(elf, "vizbpf_eval3", &fp->eval3, NULL) ?:
	      lookup(elf, "vizbpf_eval2", &fp->eval2, NULL) ?:
	      lookup(elf, "vizbpf_real_eval", &fp->real_eval, NULL) ?:
	      lookup(elf, "vizbpf_layout", &fp->layout, NULL) ?:
	      lookup(elf, "vizbpf_flow", &fp->flow, NULL) ?:
	      lookup(elf, "vizbpf_known_tag", &fp->known_tag, NULL) ?:
	      lookup(elf, "vizbpf_threads", &fp->threads, NULL) ?:
	      lookup(elf, "vizbpf_entry", &fp->entry_site, &fp->entry_off) ?:
	      lookup(elf, "vizbpf_flush", &fp->flush_site, &fp->flush_off);
	elf_file__close(elf);
	return err;
}

void fastpath_export_env(const struct fastpath *fp)
{
	const char *old = getenv("LD_PRELOAD");
	char *value;

	free(saved_ld_preload);
	saved_ld_preload = old ? strdup(old) : NULL;
	if (old && *old)
		setenv(SAVED_ENV, old, 1);
	if (asprintf(&value, "%s%s%s", fp->lib, old && *old ? ":" : "", old ? old : "") < 0)
		return;
	setenv("LD_PRELOAD", value, 1);
	free(value);
}

void fastpath_unexport_env(void)
{
	if (saved_ld_preload)
		setenv("LD_PRELOAD", saved_ld_preload, 1);
	else
		unsetenv("LD_PRELOAD");
	unsetenv(SAVED_ENV);
}

int fastpath_bias(const struct fastpath *fp, pid_t pid, uint64_t *bias)
{
	struct proc_maps maps = { 0 };
	struct elf_file *elf;
	int err;

	elf = elf_file__open(fp->lib);
	if (!elf)
		return -errno;
	err = proc_maps__read_pid(pid, &maps);
	if (!err)
		err = proc_maps__load_bias(&maps, fp->lib, elf, bias);
	proc_maps__free(&maps);
	elf_file__close(elf);
	return err;
}

int fastpath_code_range(const struct fastpath *fp, pid_t pid, uint64_t *lo, uint64_t *hi)
{
	struct proc_maps maps = { 0 };
	const struct proc_map *lib;
	int err = proc_maps__read_pid(pid, &maps);

	lib = err ? NULL : proc_maps__find(&maps, fp->lib);
	*lo = *hi = 0;
	for (size_t i = 0; lib && i < maps.n; i++) {
		const struct proc_map *m = &maps.maps[i];

		if (m->inode == lib->inode && m->dev_major == lib->dev_major &&
		    m->dev_minor == lib->dev_minor && m->perms[2] == 'x') {
			*lo = m->start;
			*hi = m->end;
		}
	}
	proc_maps__free(&maps);
	return err ?: *hi ? 0 : -ENOENT;
}

/* The 5-byte nop of a site (user/preload/evalhook.c), and the first byte of the kernel's
 * unoptimized probe on it. */
static const unsigned char site_nop[5] = VZ_SITE_NOP;
#define INT3 0xcc

int fastpath_arm_child(const struct fastpath *fp, pid_t pid, uint64_t bias)
{
	uint64_t sites[2] = { bias + fp->entry_site, bias + fp->flush_site };
	unsigned char cur[sizeof(site_nop)], int3 = INT3;
	int err;

	for (int i = 0; i < 2; i++) {
		err = procmem_read(pid, sites[i], cur, sizeof(cur));
		if (err)
			return err;
		if (cur[0] == INT3 && !memcmp(cur + 1, site_nop + 1, sizeof(cur) - 1))
			continue;
		if (memcmp(cur, site_nop, sizeof(cur)))
			return -EBUSY;
		err = procmem_poke(pid, sites[i], &int3, 1);
		if (err)
			return err;
	}
	return 0;
}

int fastpath_step_out(const struct fastpath *fp, struct freeze *fz)
{
	uint64_t lo, hi;

	return fastpath_code_range(fp, fz->pid, &lo, &hi) ?: freeze_step_out(fz, lo, hi);
}
