// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "procmem.h"

int procmem_read(uint32_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -errno;
}

int procmem_read_each(uint32_t pid, const uint64_t *addrs, size_t n, void *out, size_t len)
{
	struct iovec local = { out, n * len }, remote[PROCMEM_MAX_EACH];
	ssize_t r;

	if (n > PROCMEM_MAX_EACH)
		return -E2BIG;
	for (size_t i = 0; i < n; i++)
		remote[i] = (struct iovec){ (void *)addrs[i], len };
	r = n ? process_vm_readv(pid, &local, 1, remote, n, 0) : 0;
	return r == (ssize_t)(n * len) ? 0 : r < 0 ? -errno : -EFAULT;
}

int procmem_write(uint32_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len }, remote = { (void *)addr, len };

	return process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -errno;
}

int procmem_poke(uint32_t pid, uint64_t addr, const void *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, len, (off_t)addr);
	if (n != (ssize_t)len) {
		int err = n < 0 ? -errno : -EIO;

		close(fd);
		return err;
	}
	close(fd);
	return 0;
}

const char *proc_stat_fields(const char *path, char *buf, size_t cap)
{
	ssize_t n;
	char *p;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
	return p && p[1] == ' ' && p[2] ? p + 2 : NULL;
}

uint64_t proc_start_time(uint32_t pid)
{
	char path[64], buf[1024];
	unsigned long long v = 0;
	const char *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = proc_stat_fields(path, buf, sizeof(buf));
	/* from the state, field 3, to starttime, field 22 */
	if (!f || sscanf(f, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
			    "%*d %*d %*d %llu", &v) != 1)
		return 0;
	return v;
}

bool proc_alive(uint32_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	return access(path, F_OK) == 0;
}

uint32_t proc_ppid(uint32_t pid)
{
	char path[64], buf[512], *p;
	unsigned ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* The state and the ppid follow the command name, which may hold spaces and ')'. */
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) && sscanf(p + 1, " %*c %u", &ppid) != 1)
		ppid = 0;
	fclose(f);
	return ppid;
}

uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec;
}

void proc_cmdline(uint32_t pid, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/cmdline", pid);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n <= 0)
		return;
	if (buf[n - 1] == '\0')
		n--;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[n] = '\0';
}
