// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include "symbols/exclayout.h"
#include "test.h"

/*
 * co_linetable of this function under pyenv 3.12.1 (co_firstlineno 2), and the line of each
 * instruction as f.__code__.co_lines() says:
 *     def f(a):
 *         x = a + 1
 *         y = [x,
 *              x * 2]
 *         if a:
 *             raise ValueError("boom %d" % a)
 *         return y
 */
static const char table_hex[] =
	"8000d80809884189058041d8090ad8090a88518915f0030109108041e10708dc0e189819a051991dd30e27d0"
	"0827d80b0c8048";
static const int lines[] = { 2, 3, 3, 3, 3, 3, 4, 5, 5, 5, 5, 4, 4, 6, 6, 7, 7, 7, 7, 7,
			     7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8 };

void test_exclayout_location_table(void)
{
	uint8_t t[sizeof(table_hex) / 2];
	size_t n = 0;

	for (; n < sizeof(t); n++)
		sscanf(table_hex + 2 * n, "%2hhx", &t[n]);
	for (int i = 0; i < (int)(sizeof(lines) / sizeof(lines[0])); i++)
		if (!ASSERT_EQ(exc_line_from_table(t, n, 2, 2 * i), lines[i], "line of instruction"))
			return;
	ASSERT_EQ(exc_line_from_table(t, n, 2, 2 * 31), -1, "past the table");
	ASSERT_EQ(exc_line_from_table(t, 5, 2, 2 * 29), -1, "a table cut short");
	ASSERT_EQ(exc_line_from_table(t, n, 2, -1), -1, "no instruction");
}

void test_exclayout_versions(void)
{
	struct vz_exc_layout l;

	ASSERT_EQ(exc_layout_get(7, &l), -EOPNOTSUPP, "3.7");
	ASSERT_EQ(exc_layout_get(11, &l), 0, "3.11");
	ASSERT_TRUE(l.runtime_tstate > 0 && l.tstate_exc < 0, "3.11: curexc_* by gilstate");
	ASSERT_EQ(exc_layout_get(13, &l), 0, "3.13");
	ASSERT_TRUE(l.runtime_tstate < 0 && l.tstate_exc > 0, "3.13: current_exception by the GIL");
}
