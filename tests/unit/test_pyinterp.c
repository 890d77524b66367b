// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbols/elf.h"
#include "symbols/pyinterp.h"
#include "test.h"

const char *vz_test_fakepy(void);

#define PYENV "/root/.pyenv/versions/"

/* The interpreters of this machine (DESIGN.md); absent ones are noted, not failed. */
static const struct {
	const char *exe;
	int major, minor, micro; /* micro -1: unknown to us without Py_Version */
	int rc;
	const char *lib;	 /* expected lib, NULL: the exe itself */
	const char *msg;	 /* expected error message */
} interps[] = {
	{ "/usr/bin/python3.11", 3, 11, 2, 0, NULL, NULL },
	{ "/usr/bin/python3", 3, 11, 2, 0, NULL, NULL },
	{ PYENV "3.8.18/bin/python3", 3, 8, -1, 0, PYENV "3.8.18/lib/libpython3.8.so.1.0", NULL },
	{ PYENV "3.9.18/bin/python3", 3, 9, -1, 0, PYENV "3.9.18/lib/libpython3.9.so.1.0", NULL },
	{ PYENV "3.10.13/bin/python3", 3, 10, -1, 0, PYENV "3.10.13/lib/libpython3.10.so.1.0",
	  NULL },
	{ PYENV "3.11.7/bin/python3", 3, 11, 7, 0, PYENV "3.11.7/lib/libpython3.11.so.1.0", NULL },
	{ PYENV "3.12.1/bin/python3", 3, 12, 1, 0, PYENV "3.12.1/lib/libpython3.12.so.1.0", NULL },
	{ PYENV "3.13.0/bin/python3", 3, 13, 0, 0, PYENV "3.13.0/lib/libpython3.13.so.1.0", NULL },
	{ PYENV "2.7.18/bin/python2.7", 2, 7, -1, -EOPNOTSUPP, NULL,
	  "CPython 2.7 is not supported (supported: 3.8-3.13)" },
	{ PYENV "3.6.15/bin/python3", 3, 6, -1, -EOPNOTSUPP, NULL,
	  "CPython 3.6 is not supported (supported: 3.8-3.13)" },
	{ PYENV "3.7.16/bin/python3", 3, 7, -1, -EOPNOTSUPP, NULL,
	  "CPython 3.7 is not supported (supported: 3.8-3.13)" },
};

void test_pyinterp_real_interpreters(void)
{
	for (size_t i = 0; i < sizeof(interps) / sizeof(interps[0]); i++) {
		const char *exe = interps[i].exe;
		struct py_interp pi;
		char err[512] = "", ver[48];
		int rc;

		if (access(exe, X_OK)) {
			printf("  note: %s absent, skipped\n", exe);
			continue;
		}
		rc = py_interp__inspect(exe, &pi, err, sizeof(err));
		if (!ASSERT_EQ(rc, interps[i].rc, exe)) {
			printf("  %s: %s\n", exe, err);
			continue;
		}
		if (rc) {
			printf("  %-45s -> %d \"%s\"\n", exe, rc, err);
			ASSERT_STREQ(err, interps[i].msg, exe);
			continue;
		}
		if (pi.micro >= 0)
			snprintf(ver, sizeof(ver), "%d.%d.%d", pi.major, pi.minor, pi.micro);
		else
			snprintf(ver, sizeof(ver), "%d.%d", pi.major, pi.minor);
		printf("  %-45s -> %s (%s) lib %s evalframe vaddr 0x%llx offset 0x%llx "
		       "_PyRuntime 0x%llx\n",
		       exe, ver, pi.version_source, pi.lib,
		       (unsigned long long)pi.evalframe_vaddr,
		       (unsigned long long)pi.evalframe_offset,
		       (unsigned long long)pi.pyruntime_vaddr);
		ASSERT_EQ(pi.major, interps[i].major, exe);
		ASSERT_EQ(pi.minor, interps[i].minor, exe);
		ASSERT_EQ(pi.micro, interps[i].micro, exe);
		ASSERT_EQ(pi.version_hex >> 16, interps[i].major << 8 | interps[i].minor, exe);
		ASSERT_STREQ(pi.version_source, interps[i].micro >= 0 ? "Py_Version" : "file name",
			     exe);
		ASSERT_STREQ(pi.lib, interps[i].lib ? interps[i].lib : pi.exe, exe);
		ASSERT_NEQ(pi.evalframe_offset, 0, exe);
		ASSERT_NEQ(pi.pyruntime_vaddr, 0, exe);
	}
}

/*
 * Code objects' tp_dealloc, found through PyCode_Type's initializer: a relocation's addend in
 * pyenv's shared libraries, data in Debian's non-PIE python3.11. Where the file names it
 * (pyenv's symbol tables), it is code_dealloc.
 */
void test_pyinterp_code_dealloc(void)
{
	for (size_t i = 0; i < sizeof(interps) / sizeof(interps[0]); i++) {
		struct py_interp pi;
		struct elf_file *lib;
		uint64_t vaddr, off;

		if (interps[i].rc || access(interps[i].exe, X_OK))
			continue;
		if (!ASSERT_OK(py_interp__inspect(interps[i].exe, &pi, NULL, 0), interps[i].exe))
			continue;
		ASSERT_NEQ(pi.code_dealloc_offset, 0, interps[i].exe);
		lib = elf_file__open(pi.lib);
		if (!ASSERT_OK_PTR(lib, pi.lib))
			continue;
		if (!elf_file__sym(lib, "code_dealloc", &vaddr, NULL) &&
		    ASSERT_OK(elf_file__vaddr_to_offset(lib, vaddr, &off), pi.lib))
			ASSERT_EQ(pi.code_dealloc_offset, off, pi.lib);
		else
			printf("  %s: no code_dealloc symbol, offset 0x%llx not cross-checked\n",
			       pi.lib, (unsigned long long)pi.code_dealloc_offset);
		elf_file__close(lib);
	}
}

void test_pyinterp_not_python(void)
{
	struct py_interp pi;
	char err[512], real[PATH_MAX], exp[PATH_MAX + 64];
	int rc;

	if (access("/bin/ls", X_OK) || !realpath("/bin/ls", real)) {
		printf("  note: /bin/ls absent, skipped\n");
	} else {
		rc = py_interp__inspect("/bin/ls", &pi, err, sizeof(err));
		ASSERT_EQ(rc, -ENOEXEC, "ls");
		snprintf(exp, sizeof(exp), "%s is not a CPython interpreter", real);
		ASSERT_STREQ(err, exp, "ls message");
	}
	/* Not even ELF (test.h is text). */
	rc = py_interp__inspect("test.h", &pi, err, sizeof(err));
	ASSERT_EQ(rc, -ENOEXEC, "text file");
	/* A script (a pyenv shim is one) gets a message saying so. */
	if (access("/root/.pyenv/shims/python3", R_OK)) {
		printf("  note: no pyenv shim, script message not checked\n");
	} else {
		rc = py_interp__inspect("/root/.pyenv/shims/python3", &pi, err, sizeof(err));
		ASSERT_EQ(rc, -ENOEXEC, "shim");
		printf("  shim: %s\n", err);
		ASSERT_TRUE(strstr(err, "is a script") != NULL, "shim message");
	}
	rc = py_interp__inspect("/nonexistent/python3", &pi, err, sizeof(err));
	ASSERT_EQ(rc, -ENOENT, "missing");
	ASSERT_STREQ(err, "/nonexistent/python3: No such file or directory", "missing message");
}

/* The fixture defines everything an interpreter needs, with Py_Version 3.12.1. */
void test_pyinterp_fakepy(void)
{
	const char *path = vz_test_fakepy();
	struct py_interp pi;
	struct elf_file *elf;
	char err[512] = "";
	uint64_t vaddr;

	if (!path)
		return;
	if (!ASSERT_OK(py_interp__inspect(path, &pi, err, sizeof(err)), err))
		return;
	ASSERT_STREQ(pi.lib, pi.exe, "lib is the file itself");
	ASSERT_EQ(pi.version_hex, 0x030c01f0, "hex");
	ASSERT_EQ(pi.micro, 1, "micro");
	ASSERT_STREQ(pi.version_source, "Py_Version", "source");
	elf = elf_file__open(path);
	if (ASSERT_OK_PTR(elf, "open")) {
		ASSERT_OK(elf_file__sym(elf, "_PyRuntime", &vaddr, NULL), "runtime");
		ASSERT_EQ(pi.pyruntime_vaddr, vaddr, "runtime vaddr");
		ASSERT_OK(elf_file__sym(elf, "_PyEval_EvalFrameDefault", &vaddr, NULL), "eval");
		ASSERT_EQ(pi.evalframe_vaddr, vaddr, "eval vaddr");
		elf_file__close(elf);
	}
}

/* ld.so order: LD_LIBRARY_PATH before DT_RUNPATH. */
void test_pyinterp_find_libpython_order(void)
{
	const char *exe = PYENV "3.10.13/bin/python3.10";
	const char *lib = PYENV "3.10.13/lib/libpython3.10.so.1.0";
	char dir[] = "/tmp/vz_test_ldpath.XXXXXX", link[PATH_MAX], out[PATH_MAX];
	struct elf_file *elf;

	if (access(exe, R_OK)) {
		printf("  note: %s absent, skipped\n", exe);
		return;
	}
	elf = elf_file__open(exe);
	if (!ASSERT_OK_PTR(elf, "open") || !ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp")) {
		elf_file__close(elf);
		return;
	}
	if (ASSERT_OK(py_interp__find_libpython(elf, exe, NULL, out, sizeof(out)), "runpath"))
		ASSERT_STREQ(out, lib, "found through DT_RUNPATH");
	snprintf(link, sizeof(link), "%s/libpython3.10.so.1.0", dir);
	if (ASSERT_OK(symlink(lib, link), "symlink")) {
		char ldpath[PATH_MAX + 32];

		snprintf(ldpath, sizeof(ldpath), "/nonexistent:%s", dir);
		if (ASSERT_OK(py_interp__find_libpython(elf, exe, ldpath, out, sizeof(out)), "ld"))
			ASSERT_STREQ(out, link, "LD_LIBRARY_PATH wins over DT_RUNPATH");
		unlink(link);
	}
	rmdir(dir);
	elf_file__close(elf);
}

/* A running interpreter: inspect_pid must agree with inspect and give a sane bias. */
void test_pyinterp_pid(void)
{
	static const char *const exes[] = { "/usr/bin/python3.11", PYENV "3.12.1/bin/python3" };

	for (size_t i = 0; i < sizeof(exes) / sizeof(exes[0]); i++) {
		struct py_interp disk, live;
		char err[512] = "";
		uint64_t bias = 1;
		int fds[2], in[2], status;
		pid_t pid;
		char c;

		if (access(exes[i], X_OK)) {
			printf("  note: %s absent, skipped\n", exes[i]);
			continue;
		}
		/* stdin is a pipe we hold, so the child waits whatever our stdin is. */
		if (!ASSERT_OK(pipe(fds), "pipe") || !ASSERT_OK(pipe(in), "pipe"))
			return;
		pid = fork();
		if (pid == 0) {
			/* The child tells us it runs by closing stdout (our pipe), then waits. */
			dup2(fds[1], 1);
			dup2(in[0], 0);
			close(fds[0]);
			close(fds[1]);
			close(in[0]);
			close(in[1]);
			execl(exes[i], exes[i], "-S", "-c",
			      "import os, sys; os.close(1); sys.stdin.read()", (char *)NULL);
			_exit(127);
		}
		close(fds[1]);
		close(in[0]);
		/* EOF once the interpreter is up (or died). */
		while (read(fds[0], &c, 1) > 0)
			;
		close(fds[0]);
		if (ASSERT_OK(py_interp__inspect(exes[i], &disk, err, sizeof(err)), err) &&
		    ASSERT_OK(py_interp__inspect_pid(pid, &live, &bias, err, sizeof(err)), err)) {
			printf("  pid %d %s: %d.%d lib %s bias 0x%llx\n", pid, exes[i], live.major,
			       live.minor, live.lib, (unsigned long long)bias);
			ASSERT_STREQ(live.lib, disk.lib, "same lib");
			ASSERT_EQ(live.evalframe_offset, disk.evalframe_offset, "same offset");
			ASSERT_EQ(live.version_hex, disk.version_hex, "same version");
			ASSERT_EQ(bias & 0xfff, 0, "page-aligned bias");
			if (!strcmp(exes[i], "/usr/bin/python3.11"))
				ASSERT_EQ(bias, 0, "non-PIE");
			else
				ASSERT_NEQ(bias, 0, "shared lib moved");
		}
		close(in[1]);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	{
		struct py_interp pi;
		char err[256];

		ASSERT_EQ(py_interp__inspect_pid(getpid(), &pi, NULL, err, sizeof(err)), -ENOEXEC,
			  "the test runner is not CPython");
		ASSERT_EQ(py_interp__inspect_pid(INT32_MAX, &pi, NULL, err, sizeof(err)), -ESRCH,
			  "no such process");
	}
}
