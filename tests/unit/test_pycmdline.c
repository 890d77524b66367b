// SPDX-License-Identifier: BSD-2-Clause
/* symbols/pycmdline.c: the script or module a CPython command line runs (--comm). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "test.h"
#include "symbols/pycmdline.h"

/* A cmdline as /proc gives it: arguments separated and ended by NULs ('|' here). */
static size_t cmdline(const char *bars, char *buf)
{
	size_t n = strlen(bars);

	for (size_t i = 0; i < n; i++)
		buf[i] = bars[i] == '|' ? '\0' : bars[i];
	return n;
}

static void expect(const char *bars, const char *want)
{
	char buf[256], out[64] = "";
	size_t n = cmdline(bars, buf);
	bool got = py_cmdline_name(buf, n, out, sizeof(out));

	if (want)
		ASSERT_TRUE(got && !strcmp(out, want), bars);
	else
		ASSERT_FALSE(got, bars);
}

void test_pycmdline_name(void)
{
	expect("python3|app.py|", "app.py");
	expect("/usr/bin/python3.11|/srv/app/manage.py|runserver|", "manage.py");
	expect("python3|-u|-B|x/y/z.py|-v|", "z.py");
	expect("python3|-Bu|job.py|", "job.py");
	expect("python3|-m|http.server|8000|", "http.server");
	expect("python3|-mvenv|env|", "venv");
	expect("python3|-Im|pip|install|", "pip");
	expect("python3|-W|ignore|-X|dev|tool.py|", "tool.py");
	expect("python3|-Wignore|-Xdev|tool.py|", "tool.py");
	expect("python3|--check-hash-based-pycs|never|t.py|", "t.py");
	expect("python3|--|-weird.py|", "-weird.py");
	expect("python3|-c|print(1)|", NULL);
	expect("python3|-Bc|print(1)|", NULL);
	expect("python3|-|", NULL);
	expect("python3|", NULL);
	expect("python3|-m|", NULL);
	expect("python3|-W|", NULL);
	expect("python3|dir/|", NULL); /* an empty base name */
	expect("", NULL);
	/* No final NUL (a cmdline cut short): still bounded. */
	{
		char buf[16], out[64];

		memcpy(buf, "python3\0abc.py", 14);
		ASSERT_TRUE(py_cmdline_name(buf, 14, out, sizeof(out)) && !strcmp(out, "abc.py"),
			    "unterminated");
		ASSERT_TRUE(py_cmdline_name(buf, 14, out, 4) && !strcmp(out, "abc"), "truncated");
		/* Found by tests/fuzz/fuzz_pycmdline.c: no room for a byte is no name, not "". */
		ASSERT_FALSE(py_cmdline_name(buf, 14, out, 1), "no room");
	}
	/* Found by tests/fuzz/fuzz_pycmdline.c: an option cut short, with no NUL after it and
	 * none in the memory after the read (ASan under SANITIZE=1 sees a read past it). */
	{
		char *buf = malloc(9), out[64];

		memcpy(buf, "python3\0-", 9);
		ASSERT_FALSE(py_cmdline_name(buf, 9, out, sizeof(out)), "unterminated '-'");
		memcpy(buf, "python3\0m", 9);
		ASSERT_TRUE(py_cmdline_name(buf, 9, out, sizeof(out)) && !strcmp(out, "m"), "unterminated m");
		free(buf);
	}
}

static bool matches(const char *name, const char *comm, const char *bars)
{
	char buf[256];
	size_t n = cmdline(bars, buf);

	return py_cmdline_matches(name, comm, buf, n);
}

void test_pycmdline_matches(void)
{
	ASSERT_TRUE(matches("python3", "python3", "python3|app.py|"), "comm");
	ASSERT_TRUE(matches("app.py", "python3", "python3|app.py|"), "script");
	ASSERT_TRUE(matches("app", "python3", "python3|/x/app.py|"), "script without .py");
	ASSERT_TRUE(matches("http.server", "python3", "python3|-m|http.server|"), "module");
	ASSERT_FALSE(matches("app", "python3", "python3|apple.py|"), "not a prefix");
	ASSERT_FALSE(matches("app.p", "python3", "python3|app.py|"), "whole name");
	ASSERT_FALSE(matches("python", "python3", "python3|app.py|"), "comm is whole");
	ASSERT_FALSE(matches("app.py", "python3", "python3|-c|import app.py|"), "-c");
	ASSERT_FALSE(matches("py", "python3", "python3|.py|"), "just .py");
	/* The kernel keeps 15 bytes of comm. */
	ASSERT_TRUE(matches("averyveryverylongname", "averyveryverylo", "averyveryverylongname|"),
		    "long comm");
	ASSERT_TRUE(matches("a_long_script_name_here", "python3", "python3|a_long_script_name_here.py|"),
		    "long script name");
}
