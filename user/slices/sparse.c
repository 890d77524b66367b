// SPDX-License-Identifier: BSD-2-Clause
/* --log_sparse: recognising share/vizbpf_events.py's markers by their code's name. */
#include <stdlib.h>
#include <string.h>
#include "user/slices/sparse.h"

#define MARKER_FILE "vizbpf_events.py"
#define MARKER_PREFIX "_vizbpf_sparse_"

uint32_t sparse_marker_levels(const char *name, const char *file)
{
	const char *base = strrchr(file, '/'), *last = strrchr(name, '.');
	char *end;
	unsigned long n;

	base = base ? base + 1 : file;
	last = last ? last + 1 : name;
	if (strcmp(base, MARKER_FILE) || strncmp(last, MARKER_PREFIX, strlen(MARKER_PREFIX)))
		return 0;
	last += strlen(MARKER_PREFIX);
	if (!strcmp(last, "all"))
		return SPARSE_ALL;
	if (*last < '1' || *last > '9')
		return 0;
	n = strtoul(last, &end, 10);
	if (*end || n >= SPARSE_ALL)
		return 0;
	return (uint32_t)n;
}
