// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "symbols/elf.h"
#include "symbols/procmaps.h"

#define DELETED_SUFFIX " (deleted)"

/* Parses one maps line into mp. Returns 1 for a file mapping, 0 to skip, -errno on error. */
static int parse_line(char *line, struct proc_map *mp)
{
	unsigned long long start, end, off, ino;
	unsigned int maj, min;
	char perms[5];
	int pos = -1;
	size_t n;
	char *path;

	if (sscanf(line, "%llx-%llx %4s %llx %x:%x %llu %n", &start, &end, perms, &off, &maj,
		   &min, &ino, &pos) < 7 || pos < 0)
		return 0;
	/* Never from the kernel: a range that ends before it starts would match wrong addresses
	 * (load bias) and make sizes wrap. Found by tests/fuzz/fuzz_procmaps.c. */
	if (end < start)
		return 0;
	path = line + pos;
	n = strcspn(path, "\n");
	path[n] = '\0';
	/* Anonymous, [heap], [stack], [vdso], memfd names...: nothing to symbolize on disk. */
	if (path[0] != '/')
		return 0;
	memset(mp, 0, sizeof(*mp));
	if (n > strlen(DELETED_SUFFIX) &&
	    !strcmp(path + n - strlen(DELETED_SUFFIX), DELETED_SUFFIX)) {
		mp->deleted = true;
		path[n - strlen(DELETED_SUFFIX)] = '\0';
	}
	mp->path = strdup(path);
	if (!mp->path)
		return -ENOMEM;
	mp->start = start;
	mp->end = end;
	mp->offset = off;
	mp->inode = ino;
	mp->dev_major = maj;
	mp->dev_minor = min;
	memcpy(mp->perms, perms, sizeof(perms));
	return 1;
}

int proc_maps__read(const char *maps_path, struct proc_maps *out)
{
	size_t cap = 0, linecap = 0;
	char *line = NULL;
	int err = 0;
	FILE *f;

	out->n = 0;
	out->maps = NULL;
	f = fopen(maps_path, "re");
	if (!f)
		return -errno;
	while (getline(&line, &linecap, f) > 0) {
		struct proc_map mp;
		int r = parse_line(line, &mp);

		if (r < 0) {
			err = r;
			break;
		}
		if (!r)
			continue;
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct proc_map *nm = realloc(out->maps, ncap * sizeof(*nm));

			if (!nm) {
				free(mp.path);
				err = -ENOMEM;
				break;
			}
			out->maps = nm;
			cap = ncap;
		}
		out->maps[out->n++] = mp;
	}
	/* A process that exits while we read gives a short file, not an error. */
	if (!err && ferror(f))
		err = -EIO;
	free(line);
	fclose(f);
	return err;
}

int proc_maps__read_pid(int pid, struct proc_maps *out)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	return proc_maps__read(path, out);
}

void proc_maps__free(struct proc_maps *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->maps[i].path);
	free(m->maps);
	m->maps = NULL;
	m->n = 0;
}

bool proc_map__is_file(const struct proc_map *mp, const char *path)
{
	char real[PATH_MAX];
	struct stat st;

	if (!strcmp(mp->path, path))
		return true;
	if (realpath(path, real) && !strcmp(mp->path, real))
		return true;
	/* Bind mounts and other namespaces show another path for the same file. */
	return !stat(path, &st) && st.st_ino == mp->inode && major(st.st_dev) == mp->dev_major &&
	       minor(st.st_dev) == mp->dev_minor;
}

/* proc_map__is_file() for each mapping, with path resolved and stat()ed once, not per mapping
 * (~65 realpath() and stat() calls a lookup otherwise: a few ms at each fork vizbpf follows). */
const struct proc_map *proc_maps__find(const struct proc_maps *m, const char *path)
{
	char real[PATH_MAX];
	bool have_real = realpath(path, real) != NULL;
	struct stat st;
	bool have_st = !stat(path, &st);

	for (size_t i = 0; i < m->n; i++) {
		const struct proc_map *mp = &m->maps[i];

		if (!strcmp(mp->path, path) || (have_real && !strcmp(mp->path, real)))
			return mp;
		if (have_st && st.st_ino == mp->inode && major(st.st_dev) == mp->dev_major &&
		    minor(st.st_dev) == mp->dev_minor)
			return mp;
	}
	return NULL;
}

const struct proc_map *proc_maps__find_prefix(const struct proc_maps *m, const char *prefix)
{
	for (size_t i = 0; i < m->n; i++) {
		const char *base = strrchr(m->maps[i].path, '/');

		base = base ? base + 1 : m->maps[i].path;
		if (!strncmp(base, prefix, strlen(prefix)))
			return &m->maps[i];
	}
	return NULL;
}

int proc_maps__load_bias(const struct proc_maps *m, const char *path, struct elf_file *elf,
			 uint64_t *bias)
{
	const struct proc_map *mp = proc_maps__find(m, path);
	uint64_t vaddr;
	int err;

	if (!mp)
		return -ENOENT;
	/*
	 * The first mapping of a file is its first PT_LOAD, mapped from the
	 * page below p_offset; offset_to_vaddr gives the matching page-aligned
	 * vaddr, so the difference is the bias whatever the alignment.
	 */
	err = elf_file__offset_to_vaddr(elf, mp->offset, &vaddr);
	if (err)
		return err;
	*bias = mp->start - vaddr;
	return 0;
}

static int try_candidate(const char *p, char *out, size_t len, bool *eacces)
{
	struct stat st;

	if (stat(p, &st) || !S_ISREG(st.st_mode))
		return -ENOENT;
	if (access(p, X_OK)) {
		*eacces = true;
		return -EACCES;
	}
	if (strlen(p) >= len)
		return -ENAMETOOLONG;
	strcpy(out, p);
	return 0;
}

int proc_path__which(const char *cmd, const char *path_env, char *out, size_t len)
{
	bool eacces = false;
	const char *s;

	if (!*cmd)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		int err = try_candidate(cmd, out, len, &eacces);

		return err;
	}
	if (!path_env)
		path_env = "/bin:/usr/bin";
	s = path_env;
	for (;;) {
		const char *colon = strchrnul(s, ':');
		size_t dlen = (size_t)(colon - s);
		char cand[PATH_MAX];
		int err;

		/* An empty element is the current directory, as for execvp. */
		if (dlen == 0)
			err = snprintf(cand, sizeof(cand), "%s", cmd);
		else
			err = snprintf(cand, sizeof(cand), "%.*s/%s", (int)dlen, s, cmd);
		if (err > 0 && (size_t)err < sizeof(cand)) {
			err = try_candidate(cand, out, len, &eacces);
			if (!err || err == -ENAMETOOLONG)
				return err;
		}
		if (!*colon)
			break;
		s = colon + 1;
	}
	return eacces ? -EACCES : -ENOENT;
}
