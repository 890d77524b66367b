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
	/* Flushes what the sink holds, releases it and frees s. A file sink publishes its file
	 * under the final name here, only if every write succeeded (outfile.h). Returns 0 or
	 * -errno. */
	int (*close)(struct vz_sink *s);
	/* Releases s and frees it without publishing anything: what was under the name stays.
	 * NULL: close is used. */
	void (*discard)(struct vz_sink *s);
};

/* Embed as the first member of a sink's own state, so a sink can wrap another (HTML over fd). */
struct vz_sink {
	const struct vz_sink_ops *ops;
};

/* A plain file (mode 0666 & ~umask), written to a temporary and renamed over path at close
 * when complete (outfile.h), close-on-exec so traced programs we launch do not inherit it.
 * Returns NULL with errno set. */
struct vz_sink *vz_sink_file_open(const char *path);

/* A gzip file written by ISA-L's igzip at a deflate level (1: fastest; 2-5 and 6-9 are its
 * two slower levels), published at close like the plain file. Returns NULL with errno set. */
struct vz_sink *vz_sink_gz_open(const char *path, int level);

static inline int vz_sink_write(struct vz_sink *s, const void *p, size_t n)
{
	return s->ops->write(s, p, n);
}

static inline int vz_sink_close(struct vz_sink *s)
{
	return s->ops->close(s);
}

static inline void vz_sink_discard(struct vz_sink *s)
{
	if (s->ops->discard)
		s->ops->discard(s);
	else
		s->ops->close(s);
}

#endif
