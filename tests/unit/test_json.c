// SPDX-License-Identifier: BSD-2-Clause
/*
 * export/json: string quoting and number formatting, the two things every trace byte goes
 * through. Expected strings are written out in full so a reader sees the exact JSON.
 */
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include "export/json.h"
#include "test.h"

/* Quotes s[0..len) into a roomy buffer and compares with want, including the return value. */
static bool quote_is(const char *s, size_t len, const char *want, const char *name)
{
	char buf[256];
	size_t n = json_quote(buf, sizeof(buf), s, len);

	return ASSERT_EQ(n, strlen(want), name) && ASSERT_STREQ(buf, want, name);
}

#define QUOTE_IS(lit, want) quote_is(lit, sizeof(lit) - 1, want, #lit)

void test_json_quote_plain(void)
{
	QUOTE_IS("", "\"\"");
	QUOTE_IS("fib (fib.py:3)", "\"fib (fib.py:3)\"");
	QUOTE_IS("<module> (/tmp/a b.py:1)", "\"<module> (/tmp/a b.py:1)\"");
	/* '/' needs no escape in JSON; DEL is allowed raw. */
	QUOTE_IS("a/b\x7f", "\"a/b\x7f\"");
}

void test_json_quote_escapes(void)
{
	QUOTE_IS("say \"hi\"", "\"say \\\"hi\\\"\"");
	QUOTE_IS("C:\\path\\", "\"C:\\\\path\\\\\"");
	QUOTE_IS("\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\"");
	QUOTE_IS("\x01\x1f\x1b[0m", "\"\\u0001\\u001f\\u001b[0m\"");
	/* The length is explicit, so an embedded NUL is data, not the end. */
	QUOTE_IS("a\0b", "\"a\\u0000b\"");
}

void test_json_quote_utf8_passthrough(void)
{
	QUOTE_IS("caf\xc3\xa9", "\"caf\xc3\xa9\"");			/* é, 2 bytes */
	QUOTE_IS("\xe2\x82\xac 5", "\"\xe2\x82\xac 5\"");		/* €, 3 bytes */
	QUOTE_IS("\xe5\x87\xbd\xe6\x95\xb0", "\"\xe5\x87\xbd\xe6\x95\xb0\"");	/* 函数 */
	QUOTE_IS("\xf0\x9f\x98\x80!", "\"\xf0\x9f\x98\x80!\"");	/* U+1F600, 4 bytes */
	QUOTE_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");		/* U+10FFFF, last */
	QUOTE_IS("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");			/* U+FFFD itself */
}

#define FFFD "\xef\xbf\xbd"

void test_json_quote_invalid_utf8(void)
{
	QUOTE_IS("\x80", "\"" FFFD "\"");			/* lone continuation byte */
	QUOTE_IS("a\xffz", "\"a" FFFD "z\"");			/* never valid */
	QUOTE_IS("\xc0\xaf", "\"" FFFD FFFD "\"");		/* overlong '/' */
	QUOTE_IS("\xe0\x80\xaf", "\"" FFFD FFFD FFFD "\"");	/* overlong 3-byte */
	QUOTE_IS("\xed\xa0\x80", "\"" FFFD FFFD FFFD "\"");	/* UTF-16 surrogate D800 */
	QUOTE_IS("\xf4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");	/* above U+10FFFF */
	/* A sequence cut short, in the middle and at the end of the input. */
	QUOTE_IS("\xe2\x82x", "\"" FFFD FFFD "x\"");
	QUOTE_IS("ok\xe2\x82", "\"ok" FFFD FFFD "\"");
	/* Resynchronises: a valid character right after a bad byte survives. */
	QUOTE_IS("\xff\xc3\xa9", "\"" FFFD "\xc3\xa9\"");
}

void test_json_quote_truncation(void)
{
	char buf[8];
	size_t n;

	/* Like snprintf: the return value is the full length, the buffer a terminated prefix. */
	n = json_quote(buf, sizeof(buf), "abcdefghij", 10);
	ASSERT_EQ(n, 12, "needed");
	ASSERT_STREQ(buf, "\"abcdef", "prefix");

	/* An escape that does not fit is left out whole, never cut in half. */
	n = json_quote(buf, sizeof(buf), "abcde\n", 6);
	ASSERT_EQ(n, 9, "needed esc");
	ASSERT_STREQ(buf, "\"abcde", "no half escape");
	n = json_quote(buf, sizeof(buf), "abcd\x01", 5);
	ASSERT_EQ(n, 12, "needed \\u");
	ASSERT_STREQ(buf, "\"abcd", "no half \\u escape");
	n = json_quote(buf, sizeof(buf), "abcd\xe2\x82\xac", 7);
	ASSERT_EQ(n, 9, "needed utf8");
	ASSERT_STREQ(buf, "\"abcd", "no half character");

	/* Exactly fitting: 7 bytes plus NUL. */
	n = json_quote(buf, sizeof(buf), "abcde", 5);
	ASSERT_EQ(n, 7, "exact");
	ASSERT_STREQ(buf, "\"abcde\"", "exact text");
	n = json_quote(buf, sizeof(buf), "abcdef", 6);
	ASSERT_EQ(n, 8, "one over");
	ASSERT_STREQ(buf, "\"abcdef", "one over text");

	/* Size query with no buffer at all. */
	ASSERT_EQ(json_quote(NULL, 0, "a\"b", 3), 6, "size query");
	/* The documented worst case holds. */
	ASSERT_TRUE(json_quote(NULL, 0, "\x01\x02", 2) + 1 <= JSON_QUOTE_MAX(2), "max bound");
}

void test_json_quote_dup(void)
{
	size_t n = 0;
	char *q = json_quote_dup("x\"y", 3, &n);

	if (!ASSERT_OK_PTR(q, "dup"))
		return;
	ASSERT_STREQ(q, "\"x\\\"y\"", "dup text");
	ASSERT_EQ(n, 6, "dup len");
	free(q);
}

static bool fmt_us_is(uint64_t ns, const char *want)
{
	char buf[JSON_US3_MAX + 1];
	size_t n = json_fmt_ns_as_us(buf, ns);

	buf[n] = '\0';
	return ASSERT_STREQ(buf, want, "ns_as_us");
}

void test_json_fmt_ns_as_us(void)
{
	fmt_us_is(0, "0.000");
	fmt_us_is(1, "0.001");
	fmt_us_is(999, "0.999");
	fmt_us_is(1000, "1.000");
	fmt_us_is(1001, "1.001");
	fmt_us_is(10010, "10.010");
	fmt_us_is(1234567, "1234.567");
	fmt_us_is(12345678901ull, "12345678.901");
	/* CLOCK_MONOTONIC after a year of uptime: still exact to the nanosecond. */
	fmt_us_is(31536000123456789ull, "31536000123456.789");
	fmt_us_is(INT64_MAX, "9223372036854775.807");
	fmt_us_is(UINT64_MAX, "18446744073709551.615");
}

static bool fmt_u64_is(uint64_t v, const char *want)
{
	char buf[JSON_U64_MAX + 1];
	size_t n = json_fmt_u64(buf, v);

	buf[n] = '\0';
	return ASSERT_STREQ(buf, want, "u64");
}

void test_json_fmt_u64(void)
{
	fmt_u64_is(0, "0");
	fmt_u64_is(7, "7");
	fmt_u64_is(10, "10");
	fmt_u64_is(99, "99");
	fmt_u64_is(100, "100");
	fmt_u64_is(4194304, "4194304");
	fmt_u64_is(UINT32_MAX, "4294967295");
	fmt_u64_is(UINT64_MAX, "18446744073709551615");
	/* Each length's edges (the digit count is computed, not found by formatting): every
	 * power of ten and its neighbours, as printf writes them. */
	for (int k = 0; k < 20; k++) {
		uint64_t v = json_pow10[k];
		char want[32];

		for (uint64_t w = v - (v > 1); w <= v + 1; w++) {
			snprintf(want, sizeof(want), "%llu", (unsigned long long)w);
			fmt_u64_is(w, want);
		}
	}
	fmt_u64_is(UINT64_MAX - 1, "18446744073709551614");
}

static bool fmt_double_is(double v, const char *want)
{
	char buf[JSON_DOUBLE_MAX + 1];
	size_t n = json_fmt_double(buf, v);

	buf[n] = '\0';
	return ASSERT_STREQ(buf, want, "double");
}

void test_json_fmt_double(void)
{
	fmt_double_is(0, "0");
	fmt_double_is(-0.0, "0");
	fmt_double_is(42, "42");
	fmt_double_is(-3, "-3");
	fmt_double_is(1.5, "1.5");
	fmt_double_is(0.1, "0.1");
	fmt_double_is(1.0 / 3, "0.33333333333333331");	/* needs 17 digits to read back */
	fmt_double_is(1e300, "1e+300");
	fmt_double_is(-2.5e-7, "-2.5e-07");
	fmt_double_is(NAN, "0");
	fmt_double_is(-INFINITY, "0");
}
