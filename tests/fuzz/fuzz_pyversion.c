// SPDX-License-Identifier: BSD-2-Clause
/* libFuzzer: the CPython version from a file name (symbols/pyversion.c) and the offsets table
 * (symbols/pyoffsets.c) for any version. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>
#include "vizbpf.h"
#include "symbols/pyoffsets.h"
#include "symbols/pyversion.h"

/* Linked with every library source (user/slices/events.c logs). */
int vz_verbose;
int vz_quiet = 1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vz_py_offsets off;
	struct py_version v;
	char *name = malloc(size + 1);

	memcpy(name, data, size);
	name[size] = '\0';
	if (!py_version__from_file_name(name, &v)) {
		if (v.major < 0 || v.minor < 0)
			abort();
		py_offsets__get(v.major, v.minor, &off);
	}
	if (size >= 8) {
		int major, minor;

		memcpy(&major, data, 4);
		memcpy(&minor, data + 4, 4);
		py_offsets__get(major, minor, &off);
	}
	free(name);
	return 0;
}
