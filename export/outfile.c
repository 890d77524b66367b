// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "export/outfile.h"

/* sudo vizbpf -o t.json: the user expects t.json to be theirs, as with any command they run. */
static void give_to_sudo_user(int fd)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");
	char *end;
	unsigned long u, g;

	if (geteuid() != 0 || !uid || !gid)
		return;
	errno = 0;
	u = strtoul(uid, &end, 10);
	if (errno || *end || !*uid)
		return;
	g = strtoul(gid, &end, 10);
	if (errno || *end || !*gid)
		return;
	/* Best effort: a file that stays root's is still a good trace. */
	if (fchown(fd, (uid_t)u, (gid_t)g))
		return;
}

int outfile_create(struct outfile *f, const char *path)
{
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	struct stat st;

	f->fd = -1;
	f->in_place = 0;
	if (snprintf(f->path, sizeof(f->path), "%s", path) >= (int)sizeof(f->path))
		return -ENAMETOOLONG;
	if (!lstat(path, &st)) {
		/* Refuse now what the rename would refuse at the end, after the whole run. */
		if (S_ISDIR(st.st_mode))
			return -EISDIR;
		if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
			f->fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
			if (f->fd < 0)
				return -errno;
			f->in_place = 1;
			return 0;
		}
	}
	for (int tries = 0; tries < 16; tries++) {
		unsigned int r;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)getpid() * 2654435761u + tries;
		/* Hidden, next to the final name: same file system, so rename is atomic. */
		if (snprintf(f->tmp, sizeof(f->tmp), "%.*s.%s.vizbpf-%08x", dirlen, path,
			     path + dirlen, r) >= (int)sizeof(f->tmp))
			return -ENAMETOOLONG;
		f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
		if (f->fd >= 0) {
			give_to_sudo_user(f->fd);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

int outfile_publish(struct outfile *f)
{
	if (f->in_place)
		return 0;
	if (rename(f->tmp, f->path)) {
		int err = -errno;

		unlink(f->tmp);
		return err;
	}
	return 0;
}

void outfile_discard(struct outfile *f)
{
	if (!f->in_place)
		unlink(f->tmp);
}
