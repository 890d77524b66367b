// SPDX-License-Identifier: BSD-2-Clause
/* libFuzzer: JSON string quoting and number formatting (export/json.c) on any bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "export/json.h"

/* Linked with every library source (user/slices/events.c logs). */
int vz_verbose;
int vz_quiet = 1;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char small[64], *big, *dup, num[64];
	size_t n, need, cap, dup_len;
	double d;
	uint64_t u;

	if (size < 1)
		return 0;
	cap = data[0] % sizeof(small);
	need = json_quote(small, cap, (const char *)data + 1, size - 1);
	if (need > JSON_QUOTE_MAX(size - 1) - 1)
		abort(); /* more than the documented worst case */
	if (cap && strlen(small) >= cap)
		abort();
	big = malloc(JSON_QUOTE_MAX(size - 1));
	n = json_quote(big, JSON_QUOTE_MAX(size - 1), (const char *)data + 1, size - 1);
	if (n != need || strlen(big) != n || big[0] != '"' || big[n - 1] != '"')
		abort();
	/* A truncated quote is a prefix of the whole one. */
	if (cap && strncmp(small, big, strlen(small)))
		abort();
	dup = json_quote_dup((const char *)data + 1, size - 1, &dup_len);
	if (!dup || dup_len != n || memcmp(dup, big, n + 1))
		abort();
	free(dup);
	free(big);
	if (size >= 9) {
		memcpy(&d, data + 1, sizeof(d));
		memcpy(&u, data + 1, sizeof(u));
		if (json_fmt_double(num, d) > JSON_DOUBLE_MAX || json_fmt_u64(num, u) > JSON_U64_MAX ||
		    json_fmt_ns_as_us(num, u) > JSON_US3_MAX)
			abort();
	}
	return 0;
}
