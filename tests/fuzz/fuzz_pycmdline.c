// SPDX-License-Identifier: BSD-2-Clause
/* libFuzzer: --comm's reading of a command line (symbols/pycmdline.c), any bytes as
 * /proc/PID/cmdline; the first byte picks the output size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "symbols/pycmdline.h"

/* Linked with every library source (user/slices/events.c logs). */
int vz_verbose;
int vz_quiet = 1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[300];
	size_t cap;
	char *copy;

	if (size < 1)
		return 0;
	cap = data[0] % sizeof(out);
	/* An exact-size copy, so that ASan sees any read past the end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (py_cmdline_name(copy, size - 1, out, cap) && (!cap || strlen(out) >= cap || !out[0]))
		abort();
	py_cmdline_matches("app", "python3", copy, size - 1);
	free(copy);
	return 0;
}
