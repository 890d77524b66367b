// SPDX-License-Identifier: BSD-2-Clause
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

#include "symbols/pystr.h"
#include "test.h"

static size_t conv(unsigned int kind, const void *data, size_t bytes, bool truncated, char *out,
		   size_t cap)
{
	struct vz_pystr_hdr h = { .len = (__u32)bytes, .kind = (__u8)kind, .truncated = truncated };

	return pystr_to_utf8(&h, data, out, cap);
}

void test_pystr_latin1(void)
{
	char out[64];
	size_t n;

	n = conv(1, "caf\xe9", 4, false, out, sizeof(out));
	ASSERT_STREQ(out, "caf\xc3\xa9", "latin-1 e-acute");
	ASSERT_EQ(n, 5, "len");
	n = conv(1, "fib", 3, false, out, sizeof(out));
	ASSERT_STREQ(out, "fib", "ascii");
	ASSERT_EQ(n, 3, "ascii len");
	n = conv(1, "", 0, false, out, sizeof(out));
	ASSERT_STREQ(out, "", "empty");
	ASSERT_EQ(n, 0, "empty len");
}

void test_pystr_ucs2(void)
{
	const uint16_t euro[] = { '1', '0', 0x20ac };
	const uint16_t lone[] = { 'a', 0xd800, 'b' };
	char out[64];
	size_t n;

	n = conv(2, euro, sizeof(euro), false, out, sizeof(out));
	ASSERT_STREQ(out, "10\xe2\x82\xac", "euro");
	ASSERT_EQ(n, 5, "euro len");
	/* A lone surrogate cannot be UTF-8: U+FFFD. */
	conv(2, lone, sizeof(lone), false, out, sizeof(out));
	ASSERT_STREQ(out, "a\xef\xbf\xbd" "b", "lone surrogate");
	/* A trailing odd byte is not a code unit. */
	n = conv(2, euro, sizeof(euro) - 1, false, out, sizeof(out));
	ASSERT_STREQ(out, "10", "partial unit");
}

void test_pystr_ucs4(void)
{
	const uint32_t emoji[] = { 0x1f600, 'x' };
	const uint32_t bad[] = { 0x110000, 0 };
	char out[64];
	size_t n;

	n = conv(4, emoji, sizeof(emoji), false, out, sizeof(out));
	ASSERT_STREQ(out, "\xf0\x9f\x98\x80x", "emoji");
	ASSERT_EQ(n, 5, "emoji len");
	conv(4, bad, sizeof(bad), false, out, sizeof(out));
	ASSERT_STREQ(out, "\xef\xbf\xbd\xef\xbf\xbd", "out of range and NUL");
}

void test_pystr_truncated(void)
{
	const uint16_t euro[] = { 0x20ac, 0x20ac, 0x20ac };
	char out[64];
	size_t n;

	n = conv(1, "very_long_na", 12, true, out, sizeof(out));
	ASSERT_STREQ(out, "very_long_na...", "truncated flag");
	ASSERT_EQ(n, 15, "truncated len");
	/* Too small a buffer: whole characters only, then the ellipsis. */
	n = conv(2, euro, sizeof(euro), false, out, 8);
	ASSERT_STREQ(out, "\xe2\x82\xac...", "cut by cap");
	ASSERT_EQ(n, 6, "cut len");
	n = conv(1, "abcdef", 6, false, out, 4);
	ASSERT_STREQ(out, "...", "cap 4");
	n = conv(1, "abcdef", 6, false, out, 3);
	ASSERT_STREQ(out, "", "cap 3: no room for anything");
	ASSERT_EQ(n, 0, "cap 3 len");
	n = conv(1, "abc", 3, false, out, 4);
	ASSERT_STREQ(out, "abc", "exact fit");
}

void test_pystr_unknown_kind(void)
{
	char out[8] = "zzz";
	size_t n;

	n = conv(0, "", 0, false, out, sizeof(out));
	ASSERT_STREQ(out, "?", "kind 0");
	ASSERT_EQ(n, 1, "kind 0 len");
	conv(3, "abc", 3, false, out, sizeof(out));
	ASSERT_STREQ(out, "?", "kind 3");
	ASSERT_EQ(conv(1, "abc", 3, false, out, 0), 0, "cap 0");
}
