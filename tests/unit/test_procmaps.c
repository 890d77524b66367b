// SPDX-License-Identifier: BSD-2-Clause
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbols/elf.h"
#include "symbols/procmaps.h"
#include "test.h"

const char *vz_test_fakepy(void);

static const char maps_text[] =
	"00400000-0041f000 r--p 00000000 08:01 1234 /usr/bin/python3.11\n"
	"0041f000-006d2000 r-xp 0001f000 08:01 1234 /usr/bin/python3.11\n"
	"00945000-00a88000 rw-p 00544000 08:01 1234 /usr/bin/python3.11\n"
	"01e4c000-01f8c000 rw-p 00000000 00:00 0                                  [heap]\n"
	"7f1c2a000000-7f1c2a021000 rw-p 00000000 00:00 0 \n"
	"7f1c2b000000-7f1c2b028000 r--p 00000000 fe:02 917 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f1c2b028000-7f1c2b19d000 r-xp 00028000 fe:02 917 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
	"7f1c2c000000-7f1c2c001000 r--p 00000000 fe:02 42 /tmp/my lib (v2).so (deleted)\n"
	"7ffd1d3c1000-7ffd1d3e2000 rw-p 00000000 00:00 0                          [stack]\n"
	"7ffd1d3f6000-7ffd1d3f8000 r-xp 00000000 00:00 0                          [vdso]\n";

/* Writes text to a fresh temp file; returns its path in buf. */
static bool write_temp(const char *text, char *buf, size_t len)
{
	int fd;

	snprintf(buf, len, "/tmp/vz_test_maps.XXXXXX");
	fd = mkstemp(buf);
	if (fd < 0)
		return false;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

void test_procmaps_parse(void)
{
	struct proc_maps m;
	const struct proc_map *mp;
	char path[64];

	if (!ASSERT_TRUE(write_temp(maps_text, path, sizeof(path)), "temp"))
		return;
	if (!ASSERT_OK(proc_maps__read(path, &m), "read")) {
		unlink(path);
		return;
	}
	unlink(path);
	ASSERT_EQ(m.n, 6, "file-backed only");
	mp = &m.maps[1];
	ASSERT_EQ(mp->start, 0x41f000, "start");
	ASSERT_EQ(mp->end, 0x6d2000, "end");
	ASSERT_EQ(mp->offset, 0x1f000, "offset");
	ASSERT_EQ(mp->inode, 1234, "inode");
	ASSERT_EQ(mp->dev_major, 8, "major");
	ASSERT_EQ(mp->dev_minor, 1, "minor");
	ASSERT_STREQ(mp->perms, "r-xp", "perms");
	ASSERT_STREQ(mp->path, "/usr/bin/python3.11", "path");
	ASSERT_FALSE(mp->deleted, "not deleted");
	mp = &m.maps[5];
	ASSERT_STREQ(mp->path, "/tmp/my lib (v2).so", "spaces kept, suffix removed");
	ASSERT_TRUE(mp->deleted, "deleted");
	ASSERT_EQ(mp->dev_major, 0xfe, "hex major");

	mp = proc_maps__find_prefix(&m, "libc.so");
	if (ASSERT_OK_PTR(mp, "find_prefix"))
		ASSERT_EQ(mp->start, 0x7f1c2b000000ULL, "first libc mapping");
	ASSERT_NULL(proc_maps__find_prefix(&m, "libpython"), "no libpython");
	/* Found by the kernel's string even though the file does not exist here. */
	mp = proc_maps__find(&m, "/tmp/my lib (v2).so");
	ASSERT_OK_PTR(mp, "find by string");
	ASSERT_NULL(proc_maps__find(&m, "/nonexistent/x.so"), "find absent");
	proc_maps__free(&m);
	ASSERT_EQ(proc_maps__read("/nonexistent/maps", &m), -ENOENT, "missing maps file");
	proc_maps__free(&m);
}

/* A line whose range ends before it starts is skipped, the lines around it kept. */
void test_procmaps_backwards_range(void)
{
	static const char text[] =
		"00400000-0041f000 r--p 00000000 08:01 1234 /usr/bin/python3.11\n"
		"560fc3b16000-559fc3b17000 r--p 00009000 fe:00 247134 /usr/bin/cat\n"
		"0041f000-006d2000 r-xp 0001f000 08:01 1234 /usr/bin/python3.11\n";
	struct proc_maps m;
	char path[64];

	if (!ASSERT_TRUE(write_temp(text, path, sizeof(path)), "temp"))
		return;
	if (ASSERT_OK(proc_maps__read(path, &m), "read")) {
		ASSERT_EQ(m.n, 2, "backwards range skipped");
		ASSERT_NULL(proc_maps__find(&m, "/usr/bin/cat"), "not listed");
		for (size_t i = 0; i < m.n; i++)
			ASSERT_TRUE(m.maps[i].start <= m.maps[i].end, "start <= end");
		proc_maps__free(&m);
	}
	unlink(path);
}

/* Load bias of a real mapping: dlopen the fixture and compare with dlsym. */
void test_procmaps_load_bias_self(void)
{
	const char *path = vz_test_fakepy();
	struct proc_maps m;
	struct elf_file *elf;
	uint64_t bias, vaddr;
	void *h, *sym;

	if (!path)
		return;
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!ASSERT_OK_PTR(h, "dlopen"))
		return;
	sym = dlsym(h, "_PyEval_EvalFrameDefault");
	elf = elf_file__open(path);
	if (ASSERT_OK_PTR(elf, "open") &&
	    ASSERT_OK(proc_maps__read("/proc/self/maps", &m), "maps")) {
		/* path may be relative or a symlink: matching goes through realpath/inode. */
		if (ASSERT_OK(proc_maps__load_bias(&m, path, elf, &bias), "bias") &&
		    ASSERT_OK(elf_file__sym(elf, "_PyEval_EvalFrameDefault", &vaddr, NULL), "sym"))
			ASSERT_EQ(vaddr + bias, (uintptr_t)sym, "vaddr + bias == runtime");
		ASSERT_EQ(proc_maps__load_bias(&m, "/nonexistent.so", elf, &bias), -ENOENT,
			  "unmapped");
		proc_maps__free(&m);
	}
	elf_file__close(elf);
	dlclose(h);
}

/* Non-PIE executables load at their link address: bias 0 (fixture maps, real ELF). */
void test_procmaps_load_bias_nonpie(void)
{
	const char *exe = "/usr/bin/python3.11";
	char text[512], path[64];
	struct proc_maps m;
	struct elf_file *elf;
	uint64_t bias = 1;

	if (access(exe, R_OK)) {
		printf("  note: %s absent, skipped\n", exe);
		return;
	}
	snprintf(text, sizeof(text),
		 "00400000-0041f000 r--p 00000000 08:01 1234 %s\n"
		 "0041f000-006d2000 r-xp 0001f000 08:01 1234 %s\n", exe, exe);
	if (!ASSERT_TRUE(write_temp(text, path, sizeof(path)), "temp"))
		return;
	elf = elf_file__open(exe);
	if (ASSERT_OK_PTR(elf, "open") && ASSERT_OK(proc_maps__read(path, &m), "read")) {
		if (ASSERT_OK(proc_maps__load_bias(&m, exe, elf, &bias), "bias"))
			ASSERT_EQ(bias, 0, "non-PIE bias");
		proc_maps__free(&m);
	}
	unlink(path);
	elf_file__close(elf);
}

void test_procmaps_which(void)
{
	char dir[] = "/tmp/vz_test_which.XXXXXX", a[64], b[64], path_env[256];
	char out[PATH_MAX], exp[PATH_MAX];
	int fd;

	if (!ASSERT_OK_PTR(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/b", dir);
	mkdir(a, 0755);
	mkdir(b, 0755);
	/* a/tool is not executable, b/tool is: execvp skips the first. */
	snprintf(exp, sizeof(exp), "%s/tool", a);
	fd = open(exp, O_CREAT | O_WRONLY, 0644);
	close(fd);
	snprintf(exp, sizeof(exp), "%s/tool", b);
	fd = open(exp, O_CREAT | O_WRONLY, 0755);
	close(fd);
	/* A directory named like the command is no candidate either. */
	snprintf(out, sizeof(out), "%s/sub", a);
	mkdir(out, 0755);

	snprintf(path_env, sizeof(path_env), "/nonexistent:%s:%s", a, b);
	if (ASSERT_OK(proc_path__which("tool", path_env, out, sizeof(out)), "which tool"))
		ASSERT_STREQ(out, exp, "second dir");
	snprintf(path_env, sizeof(path_env), "%s", a);
	ASSERT_EQ(proc_path__which("tool", path_env, out, sizeof(out)), -EACCES, "not exec");
	ASSERT_EQ(proc_path__which("sub", path_env, out, sizeof(out)), -ENOENT, "dir");
	ASSERT_EQ(proc_path__which("nope", path_env, out, sizeof(out)), -ENOENT, "absent");
	ASSERT_EQ(proc_path__which("", path_env, out, sizeof(out)), -ENOENT, "empty");
	/* A slash: taken as is, PATH ignored. */
	if (ASSERT_OK(proc_path__which(exp, "/nonexistent", out, sizeof(out)), "with slash"))
		ASSERT_STREQ(out, exp, "as is");
	ASSERT_EQ(proc_path__which(exp, NULL, out, 4), -ENAMETOOLONG, "small out");
	/* NULL PATH: glibc's default /bin:/usr/bin. */
	if (access("/bin/sh", X_OK) == 0 &&
	    ASSERT_OK(proc_path__which("sh", NULL, out, sizeof(out)), "default PATH"))
		ASSERT_STREQ(out, "/bin/sh", "default first dir");

	snprintf(out, sizeof(out), "rm -rf '%s'", dir);
	if (system(out))
		printf("  note: could not remove %s\n", dir);
}
