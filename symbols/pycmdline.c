// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include "pycmdline.h"

/* The next argument of cmdline at *pos, or NULL at the end. */
static const char *next_arg(const char *cmdline, size_t len, size_t *pos)
{
	const char *a;

	if (*pos >= len)
		return NULL;
	a = cmdline + *pos;
	*pos += strnlen(a, len - *pos) + 1;
	return a;
}

static bool put(const char *s, size_t n, char *out, size_t cap)
{
	/* Room for one byte and the NUL at least: an empty name is no name. */
	if (!n || cap < 2)
		return false;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

/* s is the argument at an offset below len: its length, bounded by the end of cmdline. */
static size_t arg_len(const char *cmdline, size_t len, const char *s)
{
	return strnlen(s, len - (size_t)(s - cmdline));
}

/* cmdline[len] is a NUL: every argument ends within it. */
static bool name_in(const char *cmdline, size_t len, char *out, size_t cap)
{
	size_t pos = 0;
	const char *a, *base;

	if (!next_arg(cmdline, len, &pos)) /* argv[0]: the interpreter */
		return false;
	while ((a = next_arg(cmdline, len, &pos))) {
		size_t n = arg_len(cmdline, len, a);

		if (!strcmp(a, "--")) {
			a = next_arg(cmdline, len, &pos);
			if (!a)
				return false;
			n = arg_len(cmdline, len, a);
			break;
		}
		if (a[0] != '-' || n == 1) /* the script, or '-' (stdin) */
			break;
		if (a[1] == '-') { /* long options: only this one takes an argument */
			if (!strcmp(a, "--check-hash-based-pycs") && !next_arg(cmdline, len, &pos))
				return false;
			continue;
		}
		/* Short options, grouped (-Bu); c, m, W and X take the rest or the next argument. */
		for (size_t i = 1; i < n; i++) {
			char o = a[i];
			const char *val;

			if (!strchr("cmWX", o))
				continue;
			val = i + 1 < n ? a + i + 1 : next_arg(cmdline, len, &pos);
			if (o == 'c' || !val)
				return false;
			if (o == 'm')
				return put(val, arg_len(cmdline, len, val), out, cap);
			break;
		}
	}
	if (!a || !strcmp(a, "-"))
		return false;
	base = memrchr(a, '/', arg_len(cmdline, len, a));
	base = base ? base + 1 : a;
	return put(base, arg_len(cmdline, len, base), out, cap);
}

bool py_cmdline_name(const char *cmdline, size_t len, char *out, size_t cap)
{
	/* A cmdline cut short (a read of a long one) ends without its NUL: the string
	 * functions above need one. Found by tests/fuzz/fuzz_pycmdline.c. */
	char *copy = malloc(len + 1);
	bool ok;

	if (!copy)
		return false;
	memcpy(copy, cmdline, len);
	copy[len] = '\0';
	ok = name_in(copy, len, out, cap);
	free(copy);
	return ok;
}

bool py_cmdline_matches(const char *name, const char *comm, const char *cmdline, size_t len)
{
	char script[256];
	size_t n;

	if (comm && !strncmp(comm, name, 15) && strlen(comm) == (strlen(name) < 15 ? strlen(name) : 15))
		return true;
	if (!py_cmdline_name(cmdline, len, script, sizeof(script)))
		return false;
	if (!strcmp(script, name))
		return true;
	n = strlen(script);
	return n > 3 && !strcmp(script + n - 3, ".py") && strlen(name) == n - 3 &&
	       !strncmp(script, name, n - 3);
}
