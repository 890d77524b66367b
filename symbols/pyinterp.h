/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Which CPython a program is and where its evaluation loop lives: the entry
 * point the loader uses before attaching uprobes. Builds on elf.h,
 * procmaps.h and pyversion.h.
 */
#ifndef __VZ_SYMBOLS_PYINTERP_H
#define __VZ_SYMBOLS_PYINTERP_H

#include <stddef.h>
#include <stdint.h>

struct elf_file;

/* The versions struct vz_py_offsets tables exist for. */
#define PY_INTERP_MIN_MINOR 8
#define PY_INTERP_MAX_MINOR 13

struct py_interp {
	char exe[4096];		    /* executable inspected (symlinks resolved) */
	char lib[4096];		    /* holds _PyEval_EvalFrameDefault: exe itself or libpython */
	uint64_t evalframe_vaddr;   /* st_value of _PyEval_EvalFrameDefault in lib */
	uint64_t evalframe_offset;  /* its file offset (what uprobe attach wants) */
	uint64_t pyruntime_vaddr;   /* _PyRuntime in lib, 0 if absent */
	uint64_t code_dealloc_offset; /* file offset of code objects' tp_dealloc, 0 if not found */
	int major, minor, micro;    /* micro -1 when unknown */
	uint32_t version_hex;	    /* PY_VERSION_HEX; only major/minor bits when micro is -1 */
	const char *version_source; /* "Py_Version", "file name" (static string) */
};

/*
 * Inspects a program on disk. exe may be a symlink. Finds the file defining
 * _PyEval_EvalFrameDefault: the executable itself (Debian's /usr/bin/python3.11:
 * stripped, non-PIE, symbols only in .dynsym), or its DT_NEEDED libpython*
 * resolved like ld.so would (see py_interp__find_libpython; LD_LIBRARY_PATH is
 * taken from our environment, which a launched child inherits). Returns 0;
 * -ENOEXEC when it is not CPython (err says e.g. "/usr/bin/ls is not a CPython
 * interpreter"), -EOPNOTSUPP for an unsupported version ("CPython 2.7 is not
 * supported (supported: 3.8-3.13)"), -ENOENT etc. for files that cannot be
 * read. err (may be NULL) gets a one-line message without a newline on failure.
 * Supported: 3.8 to 3.13 only.
 */
int py_interp__inspect(const char *exe, struct py_interp *out, char *err, size_t errlen);

/*
 * The same for a running process: /proc/PID/exe and /proc/PID/maps (the
 * mapped libpython*, else the executable). Files not visible in our mount
 * namespace are opened through /proc/PID/root, and out->lib is then such a
 * path (usable for uprobe attach from here). load_bias (may be NULL) gets the
 * bias of out->lib in the process: runtime address = vaddr + bias.
 * -ESRCH when the process does not exist, -EACCES without the right to look.
 */
int py_interp__inspect_pid(int pid, struct py_interp *out, uint64_t *load_bias, char *err,
			   size_t errlen);

/*
 * Finds the libpython* an executable needs, in ld.so's order: DT_RPATH (only
 * without DT_RUNPATH), ld_library_path, DT_RUNPATH, then /lib/x86_64-linux-gnu,
 * /usr/lib/x86_64-linux-gnu, /lib, /usr/lib, /usr/local/lib ($ORIGIN and
 * ${ORIGIN} expand to the directory of exe_path; ld.so.cache is not read).
 * exe_path should be the resolved path (ld.so takes $ORIGIN from the real
 * file). Returns 0 with the path in out, -ENOENT when exe needs no
 * libpython*, -ELIBACC when it needs one that cannot be found (out then gets
 * the needed name), -ENAMETOOLONG.
 */
int py_interp__find_libpython(struct elf_file *exe, const char *exe_path,
			      const char *ld_library_path, char *out, size_t len);

#endif /* __VZ_SYMBOLS_PYINTERP_H */
