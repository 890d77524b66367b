// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "outputs.h"
#include "user/base/log.h"

#define MAX_FILES 1024

struct outputs {
	char path[PATH_MAX];
	bool per_pid;
	int n;
	struct {
		uint32_t pid;
		struct trace_writer *w;
		char path[PATH_MAX];
	} files[MAX_FILES];
	int failed;
	uint32_t keep_last; /* --tracer_entries: each file keeps only this many slices per process */
	char description[PATH_MAX + 64];
};

/* FILE.json -> FILE_<pid>.json; the extension is what follows the last dot of the base name,
 * with ".json" kept before ".gz". */
static void suffixed(const char *path, uint32_t pid, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
	const char *ext = strstr(base, ".json");
	char mid[16];
	size_t stem, m, e;

	if (!ext)
		ext = strrchr(base, '.');
	if (!ext)
		ext = base + strlen(base);
	stem = ext - path;
	m = snprintf(mid, sizeof(mid), "_%u", pid);
	e = strlen(ext);
	if (stem + m + e + 1 > cap) { /* cannot happen with PATH_MAX paths; keep it safe */
		out[0] = '\0';
		return;
	}
	memcpy(out, path, stem);
	memcpy(out + stem, mid, m);
	memcpy(out + stem + m, ext, e + 1);
}

/* What a failed run left under the name: the user must not wonder if an older trace is gone. */
static const char *kept(const char *path)
{
	static char msg[PATH_MAX + 64];

	if (access(path, F_OK))
		snprintf(msg, sizeof(msg), "%s not written", path);
	else
		snprintf(msg, sizeof(msg), "%s left as it was", path);
	return msg;
}

struct outputs *outputs_open(const char *path, bool per_pid)
{
	struct outputs *o = calloc(1, sizeof(*o));
	char dir[PATH_MAX];

	if (!o)
		return NULL;
	snprintf(o->path, sizeof(o->path), "%s", path);
	o->per_pid = per_pid;
	if (per_pid) {
		snprintf(dir, sizeof(dir), "%s", path);
		if (access(dirname(dir), W_OK)) {
			free(o);
			return NULL;
		}
		return o;
	}
	o->files[0].w = trace_writer_open(path);
	if (!o->files[0].w) {
		free(o);
		return NULL;
	}
	snprintf(o->files[0].path, sizeof(o->files[0].path), "%s", path);
	o->n = 1;
	return o;
}

struct trace_writer *outputs_for(struct outputs *o, uint32_t pid)
{
	int i;

	if (!o->per_pid)
		return o->files[0].w;
	for (i = 0; i < o->n; i++)
		if (o->files[i].pid == pid)
			return o->files[i].w;
	if (o->n == MAX_FILES) {
		o->failed++;
		return NULL;
	}
	suffixed(o->path, pid, o->files[i].path, sizeof(o->files[i].path));
	o->files[i].pid = pid;
	o->n++;
	o->files[i].w = trace_writer_open(o->files[i].path);
	if (o->files[i].w && o->keep_last && trace_writer_keep_last(o->files[i].w, o->keep_last)) {
		trace_writer_discard(o->files[i].w);
		o->files[i].w = NULL;
		errno = ENOMEM;
	}
	/* Kept with no writer, so the process's later events find it: one error per file. */
	if (!o->files[i].w) {
		elog("cannot write %s: %s", o->files[i].path, strerror(errno));
		o->failed++;
	}
	return o->files[i].w;
}

int outputs_close(struct outputs *o, void (*meta)(struct trace_writer *w, void *ctx), void *ctx)
{
	int err = o->failed ? -EIO : 0, e;

	for (int i = 0; i < o->n; i++) {
		if (!o->files[i].w)
			continue;
		if (meta)
			meta(o->files[i].w, ctx);
		e = trace_writer_close(o->files[i].w);
		if (e) {
			elog("writing %s failed: %s; %s", o->files[i].path, strerror(-e),
			     kept(o->files[i].path));
			err = err ?: e;
		}
	}
	if (o->per_pid)
		snprintf(o->description, sizeof(o->description), "%s (%d file%s, one per process)",
			 o->n ? o->files[0].path : o->path, o->n, o->n == 1 ? "" : "s");
	else
		snprintf(o->description, sizeof(o->description), "%s", o->path);
	o->n = 0;
	return err;
}

void outputs_discard(struct outputs *o)
{
	for (int i = 0; i < o->n; i++)
		trace_writer_discard(o->files[i].w);
	if (!o->per_pid && !access(o->path, F_OK))
		elog("%s", kept(o->path));
	free(o);
}

int outputs_keep_last(struct outputs *o, uint32_t n)
{
	o->keep_last = n;
	for (int i = 0; i < o->n; i++)
		if (o->files[i].w && trace_writer_keep_last(o->files[i].w, n))
			return -ENOMEM;
	return 0;
}

int outputs_snapshot(struct outputs *o, unsigned int k,
		     void (*fill)(struct trace_writer *w, uint32_t pid, void *ctx), void *ctx)
{
	char path[PATH_MAX];
	int err = 0, e;

	for (int i = 0; i < o->n; i++) {
		struct trace_writer *w;

		if (!o->files[i].w)
			continue;
		suffixed(o->files[i].path, k, path, sizeof(path));
		w = trace_writer_open(path);
		if (!w) {
			e = -errno;
			elog("snapshot: cannot write %s: %s", path, strerror(errno));
			err = err ?: e;
			continue;
		}
		trace_writer_replay(o->files[i].w, w);
		fill(w, o->per_pid ? o->files[i].pid : 0, ctx);
		e = trace_writer_close(w);
		if (e) {
			elog("snapshot: writing %s failed: %s; %s", path, strerror(-e), kept(path));
			err = err ?: e;
		} else {
			ilog("snapshot %u saved to %s", k, path);
		}
	}
	return err;
}

const char *outputs_describe(struct outputs *o)
{
	return o->description;
}
