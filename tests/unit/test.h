/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Minimal unit-test macros (after the kernel's selftests test_progs.h):
 * each ASSERT_* evaluates to true on success; on failure it prints
 * file:line and the values, marks the current test failed, and evaluates to
 * false so the caller can `return` early.
 */
#ifndef VZ_UNIT_TEST_H
#define VZ_UNIT_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

extern int vz_test_failed;
/* Directory of built fixtures ($VIZBPF_FIXTURES), NULL when unset. */
const char *vz_fixtures_dir(void);

#define VZ_FAIL_(fmt, ...)                                                          \
	(fprintf(stderr, "  %s:%d: FAIL: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__), \
	 vz_test_failed = 1, false)

#define ASSERT_TRUE(c, name) ((c) ? true : VZ_FAIL_("%s: expected true", name))
#define ASSERT_FALSE(c, name) (!(c) ? true : VZ_FAIL_("%s: expected false", name))
#define ASSERT_EQ(a, b, name)                                                              \
	({                                                                                 \
		long long a_ = (long long)(a), b_ = (long long)(b);                        \
		a_ == b_ ? true : VZ_FAIL_("%s: got %lld, expected %lld", name, a_, b_);  \
	})
#define ASSERT_NEQ(a, b, name)                                                   \
	({                                                                       \
		long long a_ = (long long)(a), b_ = (long long)(b);              \
		a_ != b_ ? true : VZ_FAIL_("%s: got %lld, expected not that", name, a_); \
	})
#define ASSERT_STREQ(a, b, name)                                                          \
	({                                                                                \
		const char *a_ = (a), *b_ = (b);                                          \
		(a_ && b_ && !strcmp(a_, b_))                                             \
			? true                                                            \
			: VZ_FAIL_("%s: got \"%s\", expected \"%s\"", name, a_ ? a_ : "(null)", \
				   b_ ? b_ : "(null)");                                   \
	})
#define ASSERT_OK(err, name) ASSERT_EQ(err, 0, name)
#define ASSERT_NULL(p, name) ((p) == NULL ? true : VZ_FAIL_("%s: expected NULL", name))
#define ASSERT_OK_PTR(p, name) ((p) != NULL ? true : VZ_FAIL_("%s: unexpected NULL", name))

#endif
