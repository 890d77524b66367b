/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where trace bytes end up. The trace writer formats into its own buffer (outbuf.h) and hands
 * the sink large chunks, so a sink costs one call per ~1 MiB, not per event. A new output form
 * (the HTML report: prefix, escaped JSON, suffix) is a new sink, with no change to the writer.
 */
#ifndef VZ_EXPORT_SINK_H
#define VZ_EXPORT_SINK_H

#include <stddef.h>

struct vz_sink;

struct vz_sink_ops {
	/* Writes all n bytes. Returns 0 or -errno. Called again after an error only by close. */
	int (*write)(struct vz_sink *s, const void *p, size_t n);
	/* Flushes what the sink holds, releases it and frees s. Returns 0 or -errno. */
	int (*close)(struct vz_sink *s);
};

/* Embed as the first member of a sink's own state, so a sink can wrap another (HTML over fd). */
struct vz_sink {
	const struct vz_sink_ops *ops;
};

/* A plain file, created or truncated (mode 0666 & ~umask), close-on-exec so traced programs
 * we launch do not inherit it. Returns NULL with errno set. */
struct vz_sink *vz_sink_file_open(const char *path);

/* A gzip file written with zlib at the given deflate level (1: fastest). Returns NULL with
 * errno set. */
struct vz_sink *vz_sink_gz_open(const char *path, int level);

static inline int vz_sink_write(struct vz_sink *s, const void *p, size_t n)
{
	return s->ops->write(s, p, n);
}

static inline int vz_sink_close(struct vz_sink *s)
{
	return s->ops->close(s);
}

#endif
