// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "syscalls.h"
#include "syscall_names.h" /* generated into the build directory */
#include "export/json.h"

#define N_NAMES (sizeof(vz_syscall_names) / sizeof(vz_syscall_names[0]))

const char *syscall_name(uint32_t nr)
{
	if (nr < N_NAMES && vz_syscall_names[nr])
		return vz_syscall_names[nr];
#ifdef __x86_64__
	/* Newer than the C library's headers (Linux 6.11, 6.16): the kernel's own uprobe fast
	 * paths, which vizbpf's probe sites trigger (syscall_own_probe). */
	if (nr == 335)
		return "uretprobe";
	if (nr == 336)
		return "uprobe";
#endif
	return NULL;
}

int syscall_own_probe(uint32_t nr)
{
	const char *name = syscall_name(nr);

	return name && (!strcmp(name, "uprobe") || !strcmp(name, "uretprobe"));
}

static int in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return 1;
	return 0;
}

static int path_arg_slow(uint32_t nr)
{
	static const char *const first[] = { "open", "creat", "stat", "lstat", "access", "execve",
		"readlink", "unlink", "mkdir", "rmdir", "chdir", "rename", "truncate", "chmod",
		"chown", "lchown", "link", "symlink", "statfs", "getxattr", "lgetxattr",
		"listxattr", "setxattr", "mknod", "utimes", "chroot", "swapon", "mount", NULL };
	static const char *const second[] = { "openat", "openat2", "newfstatat", "statx",
		"faccessat", "faccessat2", "execveat", "readlinkat", "unlinkat", "mkdirat",
		"renameat", "renameat2", "fchmodat", "fchmodat2", "fchownat", "mknodat", "linkat",
		"utimensat", "futimesat", "name_to_handle_at", "inotify_add_watch", NULL };
	const char *name = syscall_name(nr);

	if (!name)
		return 0;
	return in(name, first) ? 1 : in(name, second) ? 2 : 0;
}

static int fd_arg_slow(uint32_t nr)
{
	static const char *const first[] = { "read", "write", "close", "fstat", "lseek", "ioctl",
		"pread64", "pwrite64", "readv", "writev", "preadv", "pwritev", "preadv2",
		"pwritev2", "fcntl", "flock", "fsync", "fdatasync", "ftruncate", "getdents",
		"getdents64", "fchdir", "fchmod", "fchown", "fstatfs", "sendto", "recvfrom",
		"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "connect", "accept", "accept4",
		"bind", "listen", "shutdown", "getsockname", "getpeername", "setsockopt",
		"getsockopt", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl",
		"fadvise64", "readahead", "sync_file_range", "fallocate", "splice", "tee",
		"copy_file_range", "fgetxattr", "fsetxattr", "flistxattr", "syncfs", NULL };
	static const char *const second[] = { "sendfile", "dup2", "dup3", NULL };
	const char *name = syscall_name(nr);

	if (!name)
		return 0;
	if (!strcmp(name, "dup"))
		return 1;
	return in(name, first) ? 1 : in(name, second) ? 2 : 0;
}

static int returns_bytes_slow(uint32_t nr)
{
	static const char *const list[] = { "read", "write", "pread64", "pwrite64", "readv",
		"writev", "preadv", "pwritev", "preadv2", "pwritev2", "sendto", "recvfrom",
		"sendmsg", "recvmsg", "sendfile", "splice", "tee", "copy_file_range",
		"getdents", "getdents64", "readlink", "readlinkat", "getrandom", NULL };
	const char *name = syscall_name(nr);

	return name && in(name, list);
}

/* The third argument is the byte count asked for. */
static int counts_bytes_slow(uint32_t nr)
{
	static const char *const list[] = { "read", "write", "pread64", "pwrite64", "sendto",
		"recvfrom", NULL };
	const char *name = syscall_name(nr);

	return name && in(name, list);
}

/*
 * What each number's arguments are, worked out once from the name lists above: a slice per
 * system call must not cost a hundred string compares.
 */
#define TABLE_NR 1024
#define F_BYTES 0x10
#define F_COUNT 0x20

static uint8_t table[TABLE_NR]; /* path arg | fd arg << 2 | F_*; 0x80: filled */

static uint8_t traits(uint32_t nr)
{
	uint8_t t;

	if (nr >= TABLE_NR)
		return 0;
	t = __atomic_load_n(&table[nr], __ATOMIC_RELAXED);
	if (t & 0x80)
		return t;
	t = 0x80 | path_arg_slow(nr) | fd_arg_slow(nr) << 2 |
	    (returns_bytes_slow(nr) ? F_BYTES : 0) | (counts_bytes_slow(nr) ? F_COUNT : 0);
	__atomic_store_n(&table[nr], t, __ATOMIC_RELAXED);
	return t;
}

int syscall_path_arg(uint32_t nr)
{
	return traits(nr) & 3;
}

int syscall_fd_arg(uint32_t nr)
{
	return traits(nr) >> 2 & 3;
}

int syscall_returns_bytes(uint32_t nr)
{
	return !!(traits(nr) & F_BYTES);
}

static int counts_bytes(uint32_t nr)
{
	return !!(traits(nr) & F_COUNT);
}

const char *syscall_errno_name(int err)
{
	/* The kernel's restart codes never reach user space but do show at the tracepoint. */
	switch (err) {
	case 512: return "ERESTARTSYS";
	case 513: return "ERESTARTNOINTR";
	case 514: return "ERESTARTNOHAND";
	case 516: return "ERESTART_RESTARTBLOCK";
	}
	return err > 0 ? strerrorname_np(err) : NULL;
}

size_t syscall_args_json(char *buf, size_t cap, uint32_t nr, int64_t ret, const uint64_t args[3],
			 const char *path, size_t path_len)
{
	const char *err = ret < 0 && ret > -4096 ? syscall_errno_name((int)-ret) : NULL;
	int fd = syscall_fd_arg(nr);
	size_t n = 0;

#define ADD(...)                                                                          \
	do {                                                                              \
		int k_ = snprintf(buf + (n < cap ? n : cap), n < cap ? cap - n : 0, __VA_ARGS__); \
		n += k_ > 0 ? (size_t)k_ : 0;                                             \
	} while (0)
	ADD("{\"nr\":%" PRIu32, nr);
	if (err)
		ADD(",\"ret\":\"%s\"", err);
	else
		ADD(",\"ret\":%" PRId64, ret);
	if (fd)
		ADD(",\"fd\":%d", (int)args[fd - 1]);
	if (syscall_returns_bytes(nr) && ret >= 0)
		ADD(",\"bytes\":%" PRId64, ret);
	if (counts_bytes(nr))
		ADD(",\"count\":%" PRIu64, args[2]);
	if (path && path_len) {
		size_t q;

		ADD(",\"path\":");
		q = json_quote(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, path, path_len);
		n += q;
	}
	ADD("}");
#undef ADD
	return n;
}
