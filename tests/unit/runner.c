// SPDX-License-Identifier: BSD-2-Clause
/*
 * Runs every `void test_NAME(void)` found in tests/unit/test_*.c (the
 * Makefile generates registry.h with sed). Optional arguments are name
 * filters (substring). Exits 1 if any test failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"

int vz_test_failed;

const char *vz_fixtures_dir(void)
{
	return getenv("VIZBPF_FIXTURES");
}

#define DEFINE_TEST(name) void name(void);
#include "registry.h"
#undef DEFINE_TEST

static const struct {
	const char *name;
	void (*fn)(void);
} tests[] = {
#define DEFINE_TEST(name) { #name, name },
#include "registry.h"
#undef DEFINE_TEST
};

static int selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return 1;
	for (int i = 1; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0;

	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		if (!selected(tests[i].name, argc, argv))
			continue;
		vz_test_failed = 0;
		tests[i].fn();
		printf("%s %s\n", vz_test_failed ? "FAIL" : "ok  ", tests[i].name);
		if (vz_test_failed)
			failed++;
		else
			passed++;
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
