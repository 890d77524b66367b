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
#include "export/outfile.h"
#include "export/sink.h"

struct file_sink {
	struct vz_sink base;
	struct outfile out;
	int err;	/* first write error: the file is then never published */
};

static int file_write(struct vz_sink *s, const void *p, size_t n)
{
	struct file_sink *f = (struct file_sink *)s;
	const char *c = p;

	while (n && !f->err) {
		ssize_t k = write(f->out.fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			/* k == 0 is not expected from a file; don't spin */
			f->err = k < 0 ? -errno : -EIO;
			break;
		}
		c += k;
		n -= k;
	}
	return f->err;
}

/* Publishes the file only when every byte reached it; else the name keeps what it had. */
static int finish(struct outfile *out, int err)
{
	if (err) {
		outfile_discard(out);
		return err;
	}
	return outfile_publish(out);
}

static int file_close(struct vz_sink *s)
{
	struct file_sink *f = (struct file_sink *)s;
	/* close() can report a delayed write error (NFS, quotas): keep it. */
	int cerr = close(f->out.fd) ? -errno : 0;
	int err = finish(&f->out, f->err ? f->err : cerr);

	free(f);
	return err;
}

static void file_discard(struct vz_sink *s)
{
	struct file_sink *f = (struct file_sink *)s;

	close(f->out.fd);
	outfile_discard(&f->out);
	free(f);
}

static const struct vz_sink_ops file_ops = {
	.write = file_write,
	.close = file_close,
	.discard = file_discard,
};

struct vz_sink *vz_sink_file_open(const char *path)
{
	struct file_sink *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return NULL;
	f->base.ops = &file_ops;
	err = outfile_create(&f->out, path);
	if (err) {
		free(f);
		errno = -err;
		return NULL;
	}
	return &f->base;
}

struct gz_sink {
	struct vz_sink base;
	gzFile gz;
	struct outfile out;
	int err;	/* first write error: the file is then never published */
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

	if (g->err)
		return g->err;
	while (n) {
		/* gzwrite takes an unsigned length and returns an int. */
		unsigned int chunk = n > INT_MAX / 2 ? INT_MAX / 2 : n;
		int k;

		errno = 0;
		k = gzwrite(g->gz, c, chunk);
		if (k <= 0)
			return g->err = gz_err(g->gz, errno);
		c += k;
		n -= k;
	}
	return 0;
}

static int gz_close(struct vz_sink *s)
{
	struct gz_sink *g = (struct gz_sink *)s;
	int ret, err;

	errno = 0;
	ret = gzclose(g->gz);	/* writes the last deflate block and the trailer */
	if (ret == Z_OK)
		err = 0;
	else if (ret == Z_ERRNO)
		err = errno ? -errno : -EIO;
	else
		err = ret == Z_MEM_ERROR ? -ENOMEM : -EIO;
	err = finish(&g->out, g->err ? g->err : err);
	free(g);
	return err;
}

static void gz_discard(struct vz_sink *s)
{
	struct gz_sink *g = (struct gz_sink *)s;

	gzclose(g->gz);
	outfile_discard(&g->out);
	free(g);
}

static const struct vz_sink_ops gz_ops = {
	.write = gz_write,
	.close = gz_close,
	.discard = gz_discard,
};

struct vz_sink *vz_sink_gz_open(const char *path, int level)
{
	struct gz_sink *g = calloc(1, sizeof(*g));
	char mode[4] = { 'w', 'b', '0' + (level < 0 ? 1 : level > 9 ? 9 : level), '\0' };
	int e;

	if (!g)
		return NULL;
	g->base.ops = &gz_ops;
	/* Open the fd ourselves: gzopen has no close-on-exec. */
	e = outfile_create(&g->out, path);
	if (e) {
		errno = -e;
		goto err;
	}
	g->gz = gzdopen(g->out.fd, mode);
	if (!g->gz) {
		e = errno ? errno : ENOMEM;
		close(g->out.fd);
		outfile_discard(&g->out);
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
