/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /proc/PID/maps reading, load bias of a mapped ELF file, and $PATH look-up
 * of a command the way execvp() does it. Every function takes its inputs
 * explicitly (maps file path, PATH string) so tests can use fixtures.
 */
#ifndef __VZ_SYMBOLS_PROCMAPS_H
#define __VZ_SYMBOLS_PROCMAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file;

/* One file-backed mapping (a line of maps whose path starts with '/'). */
struct proc_map {
	uint64_t start, end;	/* [start, end) in the process */
	uint64_t offset;	/* file offset mapped at start */
	uint64_t inode;
	unsigned int dev_major, dev_minor;
	char perms[5];		/* "r-xp" */
	bool deleted;		/* the kernel appended " (deleted)"; path has it removed */
	char *path;
};

struct proc_maps {
	size_t n;
	struct proc_map *maps;	/* in file order (ascending addresses) */
};

/*
 * Parses a maps file (e.g. "/proc/1234/maps"), keeping file-backed mappings
 * only ([heap], [vdso], anonymous ones are skipped). Returns 0 on success,
 * negative errno on failure (-ENOENT: no such process/file). Free with
 * proc_maps__free() even after a failure.
 */
int proc_maps__read(const char *maps_path, struct proc_maps *out);
/* The same for /proc/PID/maps. */
int proc_maps__read_pid(int pid, struct proc_maps *out);
void proc_maps__free(struct proc_maps *m);

/*
 * True when mapping mp is of file path: the same string, the same string
 * after realpath(), or the same device and inode as stat(path).
 */
bool proc_map__is_file(const struct proc_map *mp, const char *path);

/* The first (lowest address) mapping of path, NULL when path is not mapped. */
const struct proc_map *proc_maps__find(const struct proc_maps *m, const char *path);

/* The first mapping whose file name (last path component) starts with prefix, or NULL. */
const struct proc_map *proc_maps__find_prefix(const struct proc_maps *m, const char *prefix);

/*
 * Load bias of path in the process: runtime address = link-time vaddr + bias
 * (0 for a non-PIE executable). elf is path opened with elf_file__open(). It
 * uses the first mapping of path and the PT_LOAD segment that mapping's file
 * offset falls in (normally the first PT_LOAD at its page-aligned offset).
 * Returns 0 on success, -ENOENT when path is not mapped or no segment covers
 * the mapping.
 */
int proc_maps__load_bias(const struct proc_maps *m, const char *path, struct elf_file *elf,
			 uint64_t *bias);

/*
 * Resolves cmd like execvp(): a name with a '/' is taken as is; otherwise
 * each element of path_env is tried in order (an empty element means the
 * current directory; path_env NULL means glibc's default "/bin:/usr/bin")
 * for a regular file we may execute. Writes the path to out. Returns 0 on
 * success, -ENOENT when nothing was found, -EACCES when only non-executable
 * candidates exist, -ENAMETOOLONG when out is too small.
 */
int proc_path__which(const char *cmd, const char *path_env, char *out, size_t len);

#endif /* __VZ_SYMBOLS_PROCMAPS_H */
