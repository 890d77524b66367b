// SPDX-License-Identifier: BSD-2-Clause
/*
 * The file and gzip sinks. Both report errors as -errno so the writer can keep the first one
 * and hand it to the user at close (a full disk must never look like a good trace).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>
#include "export/sink.h"

struct file_sink {
	struct vz_sink base;
	int fd;
};

static int file_write(struct vz_sink *s, const void *p, size_t n)
{
	struct file_sink *f = (struct file_sink *)s;
	const char *c = p;

	while (n) {
		ssize_t k = write(f->fd, c, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;	/* not expected from a file; don't spin */
		c += k;
		n -= k;
	}
	return 0;
}

static int file_close(struct vz_sink *s)
{
	struct file_sink *f = (struct file_sink *)s;
	/* close() can report a delayed write error (NFS, quotas): keep it. */
	int err = close(f->fd) ? -errno : 0;

	free(f);
	return err;
}

static const struct vz_sink_ops file_ops = {
	.write = file_write,
	.close = file_close,
};

static int open_out(const char *path)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

struct vz_sink *vz_sink_file_open(const char *path)
{
	struct file_sink *f = malloc(sizeof(*f));
	int e;

	if (!f)
		return NULL;
	f->base.ops = &file_ops;
	f->fd = open_out(path);
	if (f->fd < 0) {
		e = errno;
		free(f);
		errno = e;
		return NULL;
	}
	return &f->base;
}

struct gz_sink {
	struct vz_sink base;
	gzFile gz;
};

/* zlib reports a failed write()/close() as Z_ERRNO with errno left as the system set it. */
static int gz_err(gzFile gz, int saved_errno)
{
	int zerr;

	gzerror(gz, &zerr);
	if (zerr == Z_ERRNO && saved_errno)
		return -saved_errno;
	return zerr == Z_MEM_ERROR ? -ENOMEM : -EIO;
}

static int gz_write(struct vz_sink *s, const void *p, size_t n)
{
	struct gz_sink *g = (struct gz_sink *)s;
	const char *c = p;

	while (n) {
		/* gzwrite takes an unsigned length and returns an int. */
		unsigned int chunk = n > INT_MAX / 2 ? INT_MAX / 2 : n;
		int k;

		errno = 0;
		k = gzwrite(g->gz, c, chunk);
		if (k <= 0)
			return gz_err(g->gz, errno);
		c += k;
		n -= k;
	}
	return 0;
}

static int gz_close(struct vz_sink *s)
{
	struct gz_sink *g = (struct gz_sink *)s;
	int ret;

	errno = 0;
	ret = gzclose(g->gz);	/* writes the last deflate block and the trailer */
	free(g);
	if (ret == Z_OK)
		return 0;
	if (ret == Z_ERRNO)
		return errno ? -errno : -EIO;
	return ret == Z_MEM_ERROR ? -ENOMEM : -EIO;
}

static const struct vz_sink_ops gz_ops = {
	.write = gz_write,
	.close = gz_close,
};

struct vz_sink *vz_sink_gz_open(const char *path, int level)
{
	struct gz_sink *g = malloc(sizeof(*g));
	char mode[4] = { 'w', 'b', '0' + (level < 0 ? 1 : level > 9 ? 9 : level), '\0' };
	int fd, e;

	if (!g)
		return NULL;
	g->base.ops = &gz_ops;
	/* Open the fd ourselves: gzopen has no close-on-exec. */
	fd = open_out(path);
	if (fd < 0)
		goto err;
	g->gz = gzdopen(fd, mode);
	if (!g->gz) {
		e = errno ? errno : ENOMEM;
		close(fd);
		errno = e;
		goto err;
	}
	/* zlib's default 8 KiB buffer means a write() per 8 KiB of deflate output; larger is
	 * fewer syscalls. Must come before the first write. */
	gzbuffer(g->gz, 256 * 1024);
	return &g->base;
err:
	e = errno;
	free(g);
	errno = e;
	return NULL;
}
