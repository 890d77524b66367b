// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols/elf.h"
#include "symbols/procmaps.h"
#include "symbols/pyinterp.h"
#include "symbols/pyversion.h"

#define EVALFRAME "_PyEval_EvalFrameDefault"
#define DELETED " (deleted)"

/* ld.so's trusted directories on Debian x86_64 (what ld.so.cache usually points into). */
static const char *const default_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib", "/usr/local/lib",
};

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, int code,
						      const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static bool is_libpython(const char *name)
{
	/* libpython3.so is the stable-ABI forwarder extensions link, never the interpreter. */
	return !strncmp(name, "libpython", 9) && strcmp(name, "libpython3.so");
}

/*
 * Tries every directory of a ':'-separated list for name, expanding $ORIGIN.
 * Returns 0 when found (path in out), -ENOENT otherwise.
 */
static int search_list(const char *list, const char *origin, const char *name, char *out,
		       size_t len)
{
	const char *s = list;

	while (s && *s) {
		const char *colon = strchrnul(s, ':');
		char dir[PATH_MAX], cand[PATH_MAX];
		size_t dlen = 0;

		/* Expand $ORIGIN / ${ORIGIN} wherever they appear in the element. */
		for (const char *p = s; p < colon && dlen < sizeof(dir) - 1;) {
			size_t tok = 0;

			if (!strncmp(p, "$ORIGIN", 7))
				tok = 7;
			else if (!strncmp(p, "${ORIGIN}", 9))
				tok = 9;
			if (tok && (size_t)(colon - p) >= tok) {
				dlen += (size_t)snprintf(dir + dlen, sizeof(dir) - dlen, "%s",
							 origin);
				if (dlen >= sizeof(dir))
					dlen = sizeof(dir) - 1;
				p += tok;
			} else {
				dir[dlen++] = *p++;
			}
		}
		dir[dlen] = '\0';
		/* An empty element means the current directory, for ld.so too. */
		if (snprintf(cand, sizeof(cand), "%s/%s", dlen ? dir : ".", name) <
			    (int)sizeof(cand) &&
		    !access(cand, R_OK)) {
			if (strlen(cand) >= len)
				return -ENAMETOOLONG;
			strcpy(out, cand);
			return 0;
		}
		s = *colon ? colon + 1 : NULL;
	}
	return -ENOENT;
}

int py_interp__find_libpython(struct elf_file *exe, const char *exe_path,
			      const char *ld_library_path, char *out, size_t len)
{
	const char *runpath = elf_file__runpath(exe);
	const char *rpath = elf_file__rpath(exe);
	const char *name = NULL, *slash;
	char origin[PATH_MAX];
	int err;

	for (size_t i = 0; (name = elf_file__needed(exe, i)); i++)
		if (is_libpython(name))
			break;
	if (!name)
		return -ENOENT;

	slash = strrchr(exe_path, '/');
	if (slash)
		snprintf(origin, sizeof(origin), "%.*s",
			 slash == exe_path ? 1 : (int)(slash - exe_path), exe_path);
	else
		snprintf(origin, sizeof(origin), ".");

	/* A DT_NEEDED with a slash is a path, used as is. */
	if (strchr(name, '/')) {
		if (access(name, R_OK))
			goto missing;
		if (strlen(name) >= len)
			return -ENAMETOOLONG;
		strcpy(out, name);
		return 0;
	}
	/* ld.so: DT_RPATH is honoured only when there is no DT_RUNPATH. */
	if (rpath && !runpath) {
		err = search_list(rpath, origin, name, out, len);
		if (err != -ENOENT)
			return err;
	}
	err = search_list(ld_library_path, origin, name, out, len);
	if (err != -ENOENT)
		return err;
	err = search_list(runpath, origin, name, out, len);
	if (err != -ENOENT)
		return err;
	for (size_t i = 0; i < sizeof(default_dirs) / sizeof(default_dirs[0]); i++) {
		err = search_list(default_dirs[i], origin, name, out, len);
		if (err != -ENOENT)
			return err;
	}
missing:
	snprintf(out, len, "%s", name);
	return -ELIBACC;
}

/* Fills version fields of out from the chain: lib's Py_Version, lib's name, exe's names. */
static int detect_version(struct elf_file *lib, const char *lib_path, const char *exe_given,
			  const char *exe_real, struct py_interp *out)
{
	struct py_version v;

	if (py_version__detect(lib, lib_path, &v) &&
	    (!exe_given || py_version__from_file_name(exe_given, &v)) &&
	    py_version__from_file_name(exe_real, &v))
		return -ENOENT;
	out->major = v.major;
	out->minor = v.minor;
	out->micro = v.micro;
	out->version_hex = v.hex;
	out->version_source = v.source;
	return 0;
}

static bool supported(int major, int minor)
{
	return major == 3 && minor >= PY_INTERP_MIN_MINOR && minor <= PY_INTERP_MAX_MINOR;
}

/* offsetof(PyTypeObject, tp_dealloc): after PyVarObject (24), tp_name, tp_basicsize and
 * tp_itemsize, the same on 3.8-3.13 (x86_64). */
#define TYPE_TP_DEALLOC 48

/*
 * Where code objects are freed: PyCode_Type's tp_dealloc (code_dealloc, a static function that
 * stripped builds do not name), read from the type's initializer. 0 when not found.
 */
static uint64_t code_dealloc_offset(struct elf_file *lib)
{
	uint64_t type, fn, off;

	if (elf_file__sym(lib, "PyCode_Type", &type, NULL) ||
	    elf_file__read_ptr(lib, type + TYPE_TP_DEALLOC, &fn) || !fn ||
	    elf_file__vaddr_to_offset(lib, fn, &off))
		return 0;
	return off;
}

/*
 * The common part once we know which file should hold the interpreter:
 * version, support check, evaluation-loop address. lib is out->lib opened.
 */
static int inspect_lib(struct elf_file *lib, const char *exe_given, struct py_interp *out,
		       char *err, size_t errlen)
{
	uint64_t size;
	int r;

	if (detect_version(lib, out->lib, exe_given, out->exe, out))
		return fail(err, errlen, -EOPNOTSUPP,
			    "cannot tell which CPython version %s is (no Py_Version symbol, "
			    "no version in its file name)", out->lib);
	if (!supported(out->major, out->minor)) {
		if (out->micro >= 0)
			return fail(err, errlen, -EOPNOTSUPP,
				    "CPython %d.%d.%d is not supported (supported: 3.%d-3.%d)",
				    out->major, out->minor, out->micro, PY_INTERP_MIN_MINOR,
				    PY_INTERP_MAX_MINOR);
		return fail(err, errlen, -EOPNOTSUPP,
			    "CPython %d.%d is not supported (supported: 3.%d-3.%d)", out->major,
			    out->minor, PY_INTERP_MIN_MINOR, PY_INTERP_MAX_MINOR);
	}
	if (elf_file__sym(lib, EVALFRAME, &out->evalframe_vaddr, &size))
		return fail(err, errlen, -ENOEXEC, "%s has no %s symbol (a CPython %d.%d without "
			    "symbols?)", out->lib, EVALFRAME, out->major, out->minor);
	r = elf_file__vaddr_to_offset(lib, out->evalframe_vaddr, &out->evalframe_offset);
	if (r)
		return fail(err, errlen, r, "%s: %s at 0x%llx is in no loadable segment", out->lib,
			    EVALFRAME, (unsigned long long)out->evalframe_vaddr);
	if (elf_file__sym(lib, "_PyRuntime", &out->pyruntime_vaddr, NULL))
		out->pyruntime_vaddr = 0;
	out->code_dealloc_offset = code_dealloc_offset(lib);
	return 0;
}

/* Symbols only an interpreter (or a program embedding one) defines. */
static bool defines_interpreter(struct elf_file *elf)
{
	static const char *const marks[] = { EVALFRAME, "Py_Initialize", "Py_Main" };

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (!elf_file__sym(elf, marks[i], NULL, NULL))
			return true;
	return false;
}

static int open_elf(const char *path, struct elf_file **elf, char *err, size_t errlen)
{
	char line[128] = "";
	FILE *f;

	*elf = elf_file__open(path);
	if (*elf)
		return 0;
	if (errno != ENOEXEC)
		return fail(err, errlen, -errno, "%s: %s", path, strerror(errno));
	/*
	 * A '#!' script is the common surprise: pyenv puts bash shims named
	 * python3 first in PATH. Say so, the user can pass the real interpreter.
	 */
	f = fopen(path, "re");
	if (f) {
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
		fclose(f);
	}
	if (!strncmp(line, "#!", 2)) {
		line[strcspn(line, "\n")] = '\0';
		return fail(err, errlen, -ENOEXEC,
			    "%s is a script (%s), not a CPython interpreter", path, line);
	}
	return fail(err, errlen, -ENOEXEC, "%s is not a CPython interpreter (not ELF)", path);
}

int py_interp__inspect(const char *exe, struct py_interp *out, char *err, size_t errlen)
{
	struct elf_file *eelf = NULL, *lelf = NULL;
	char real[PATH_MAX];
	int r;

	memset(out, 0, sizeof(*out));
	out->micro = -1;
	if (!realpath(exe, real))
		return fail(err, errlen, -errno, "%s: %s", exe, strerror(errno));
	if (strlen(real) >= sizeof(out->exe))
		return fail(err, errlen, -ENAMETOOLONG, "%s: path too long", exe);
	strcpy(out->exe, real);
	r = open_elf(out->exe, &eelf, err, errlen);
	if (r)
		return r;

	if (!elf_file__sym(eelf, EVALFRAME, NULL, NULL)) {
		/* Statically linked interpreter (Debian, --disable-shared builds). */
		strcpy(out->lib, out->exe);
		r = inspect_lib(eelf, exe, out, err, errlen);
		goto out;
	}
	r = py_interp__find_libpython(eelf, out->exe, getenv("LD_LIBRARY_PATH"), out->lib,
				      sizeof(out->lib));
	if (r == -ELIBACC) {
		r = fail(err, errlen, -ENOENT, "%s needs %s, which cannot be found", out->exe,
			 out->lib);
		goto out;
	}
	if (r == -ENOENT) {
		if (defines_interpreter(eelf)) {
			/* An interpreter without _PyEval_EvalFrameDefault: 2.x or stripped. */
			strcpy(out->lib, out->exe);
			r = inspect_lib(eelf, exe, out, err, errlen);
		} else {
			r = fail(err, errlen, -ENOEXEC, "%s is not a CPython interpreter",
				 out->exe);
		}
		goto out;
	}
	if (r) {
		r = fail(err, errlen, r, "%s: cannot locate its libpython: %s", out->exe,
			 strerror(-r));
		goto out;
	}
	/* Report the real file: uprobes attach to an inode, and symlinks confuse maps matching. */
	if (realpath(out->lib, real) && strlen(real) < sizeof(out->lib))
		strcpy(out->lib, real);
	r = open_elf(out->lib, &lelf, err, errlen);
	if (!r)
		r = inspect_lib(lelf, exe, out, err, errlen);
out:
	elf_file__close(lelf);
	elf_file__close(eelf);
	return r;
}

/*
 * A path seen in /proc/PID/maps or /proc/PID/exe, as we can open it: directly
 * when it is the same file here, else through the process's root (containers).
 */
static void visible_path(int pid, const struct proc_map *mp, char *out, size_t len)
{
	struct stat st;

	/* Same inode here as the kernel reports: the same file (dev differs on overlayfs). */
	if (!stat(mp->path, &st) && st.st_ino == mp->inode) {
		snprintf(out, len, "%s", mp->path);
		return;
	}
	snprintf(out, len, "/proc/%d/root%s", pid, mp->path);
}

int py_interp__inspect_pid(int pid, struct py_interp *out, uint64_t *load_bias, char *err,
			   size_t errlen)
{
	struct proc_maps maps = { 0 };
	const struct proc_map *mp;
	struct elf_file *elf = NULL;
	char link[64], exe[PATH_MAX], mapped_lib[PATH_MAX];
	ssize_t n;
	uint64_t bias;
	int r;

	memset(out, 0, sizeof(*out));
	out->micro = -1;
	snprintf(link, sizeof(link), "/proc/%d/exe", pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	if (n < 0) {
		r = errno == ENOENT ? -ESRCH : -errno;
		return fail(err, errlen, r, "process %d: %s", pid, strerror(-r));
	}
	exe[n] = '\0';
	/* The kernel marks a replaced executable; maps paths are stripped the same way. */
	if ((size_t)n > strlen(DELETED) && !strcmp(exe + n - strlen(DELETED), DELETED))
		exe[n - strlen(DELETED)] = '\0';
	r = proc_maps__read_pid(pid, &maps);
	if (r) {
		r = r == -ENOENT ? -ESRCH : r;
		fail(err, errlen, r, "process %d: cannot read its maps: %s", pid, strerror(-r));
		goto out;
	}
	mp = proc_maps__find_prefix(&maps, "libpython");
	while (mp && !is_libpython(strrchr(mp->path, '/') + 1)) {
		/* Skip a mapped libpython3.so forwarder: look for the next libpython*. */
		const struct proc_map *next = NULL;

		for (const struct proc_map *q = mp + 1; q < maps.maps + maps.n; q++) {
			const char *b = strrchr(q->path, '/') + 1;

			if (is_libpython(b)) {
				next = q;
				break;
			}
		}
		mp = next;
	}
	if (!mp) {
		/* No libpython: the interpreter is linked into the executable. */
		for (size_t i = 0; i < maps.n && !mp; i++)
			if (!strcmp(maps.maps[i].path, exe))
				mp = &maps.maps[i];
	}
	if (!mp) {
		r = fail(err, errlen, -ENOEXEC, "process %d (%s) is not running CPython", pid, exe);
		goto out;
	}
	snprintf(mapped_lib, sizeof(mapped_lib), "%s", mp->path);
	/* exe: the name for messages and the version chain; a deleted one is read via the link. */
	snprintf(out->exe, sizeof(out->exe), "%s", exe);
	if (mp->deleted)
		snprintf(out->lib, sizeof(out->lib), "/proc/%d/map_files/%llx-%llx", pid,
			 (unsigned long long)mp->start, (unsigned long long)mp->end);
	else
		visible_path(pid, mp, out->lib, sizeof(out->lib));
	r = open_elf(out->lib, &elf, err, errlen);
	if (r)
		goto out;
	if (!is_libpython(strrchr(mapped_lib, '/') + 1) && !defines_interpreter(elf)) {
		r = fail(err, errlen, -ENOEXEC, "process %d (%s) is not running CPython", pid, exe);
		goto out;
	}
	/* The version chain looks at file names: give it the name the process mapped. */
	{
		char shown[sizeof(out->lib)];

		snprintf(shown, sizeof(shown), "%s", out->lib);
		snprintf(out->lib, sizeof(out->lib), "%s", mapped_lib);
		r = inspect_lib(elf, NULL, out, err, errlen);
		snprintf(out->lib, sizeof(out->lib), "%s", shown);
	}
	if (r)
		goto out;
	/* Match the mapping by the kernel's own path string, whatever we opened. */
	r = proc_maps__load_bias(&maps, mapped_lib, elf, &bias);
	if (r) {
		fail(err, errlen, r, "process %d: cannot compute the load bias of %s", pid,
		     mapped_lib);
		goto out;
	}
	if (load_bias)
		*load_bias = bias;
out:
	elf_file__close(elf);
	proc_maps__free(&maps);
	return r;
}
