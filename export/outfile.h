/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An output file that appears under its name only when complete. Bytes go to a temporary in
 * the same folder (so the final rename is atomic); the rename comes at publish, after every
 * write succeeded. Until then whatever was under the name stays as it was: a failed run, a
 * full disk or a killed vizbpf never leaves a truncated trace or an emptied older one there.
 * The temporary is created with O_EXCL | O_NOFOLLOW, so a symlink planted under any name is
 * never followed, and rename replaces a symlink at the final name instead of writing through
 * it. Run as root under sudo, the file belongs to the invoking user (SUDO_UID/SUDO_GID).
 * A name that is a device or a FIFO (-o /dev/null, a pipe) is written in place: renaming over
 * it would replace the device node itself.
 */
#ifndef VZ_EXPORT_OUTFILE_H
#define VZ_EXPORT_OUTFILE_H

#include <limits.h>

struct outfile {
	int fd;
	int in_place;	/* a device or FIFO: no temporary, nothing to rename or remove */
	char tmp[PATH_MAX];
	char path[PATH_MAX];
};

/* Creates the temporary for path (mode 0666 & ~umask, close-on-exec) and sets f->fd. Fails
 * with EISDIR when path is a folder. Returns 0 or -errno. */
int outfile_create(struct outfile *f, const char *path);

/* Renames the temporary over the final name. The caller has closed f->fd. Returns 0 or
 * -errno (then the temporary is removed). */
int outfile_publish(struct outfile *f);

/* Removes the temporary; the final name is left as it was. The caller has closed f->fd. */
void outfile_discard(struct outfile *f);

#endif
