/* SPDX-License-Identifier: BSD-2-Clause */
/* Diagnostics go to stderr (stdout and stdin belong to the traced program). */
#ifndef VZ_LOG_H
#define VZ_LOG_H

#include <stdio.h>

extern int vz_verbose; /* -v: 1, -vv: 2 */
extern int vz_quiet;   /* --quiet: only errors */

#define elog(fmt, ...) fprintf(stderr, "vizbpf: " fmt "\n", ##__VA_ARGS__)
#define ilog(fmt, ...)                                                   \
	do {                                                             \
		if (!vz_quiet)                                           \
			fprintf(stderr, "vizbpf: " fmt "\n", ##__VA_ARGS__); \
	} while (0)
#define vlog(fmt, ...)                                                   \
	do {                                                             \
		if (vz_verbose)                                          \
			fprintf(stderr, "vizbpf: " fmt "\n", ##__VA_ARGS__); \
	} while (0)

#endif
