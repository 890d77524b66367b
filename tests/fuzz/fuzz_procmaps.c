// SPDX-License-Identifier: BSD-2-Clause
/* libFuzzer: /proc/PID/maps parsing (symbols/procmaps.c) on any text, read from a memfd. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "symbols/procmaps.h"

/* Linked with every library source (user/slices/events.c logs). */
int vz_verbose;
int vz_quiet = 1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proc_maps m = { 0 };
	char path[64];
	int fd = memfd_create("maps", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!proc_maps__read(path, &m)) {
		for (size_t i = 0; i < m.n; i++) {
			const struct proc_map *mp = &m.maps[i];

			if (mp->start > mp->end || strlen(mp->perms) > 4 || !mp->path)
				abort();
			proc_map__is_file(mp, "/usr/bin/python3.11");
		}
		proc_maps__find(&m, "/usr/bin/python3.11");
		proc_maps__find_prefix(&m, "/usr/lib/");
		proc_maps__free(&m);
	}
	close(fd);
	return 0;
}
