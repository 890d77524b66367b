// SPDX-License-Identifier: BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rcfile.h"
#include "user/base/log.h"

#define DEFAULT_RC ".viztracerrc"

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = tolower((unsigned char)*s);
}

/* ConfigParser's boolean words. */
static int boolean(const char *v)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };

	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(v, yes[i]))
			return 1;
		if (!strcasecmp(v, no[i]))
			return 0;
	}
	return -1;
}

static void bad(const char *path, int line, const char *what, const char *detail)
{
	fprintf(stderr, "vizbpf: rc file %s, line %d: %s%s%s\n", path, line, what,
		detail ? ": " : "", detail ? detail : "");
	exit(64);
}

struct args {
	char **v;
	int n, cap;
};

static void push(struct args *a, char *s)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 16;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (!a->v) {
			elog("out of memory");
			exit(1);
		}
	}
	a->v[a->n++] = s;
}

static char *opt(const char *name, const char *val)
{
	char *s;

	if (asprintf(&s, val ? "--%s=%s" : "--%s", name, val) < 0) {
		elog("out of memory");
		exit(1);
	}
	return s;
}

/* Options VizTracer takes as a space-separated list (nargs="*"), repeated one by one here. */
static int is_list(const char *key)
{
	return !strcmp(key, "include_files") || !strcmp(key, "exclude_files");
}

static void read_rc(const char *path, struct args *a, int (*takes_arg)(const char *))
{
	FILE *f = fopen(path, "r");
	char buf[4096], *line, *eq, *key, *val, *tok, *save;
	bool in_default = false, seen_default = false;
	int no = 0;

	if (!f) {
		fprintf(stderr, "vizbpf: --rcfile %s: %s\n", path, strerror(errno));
		exit(64);
	}
	while (fgets(buf, sizeof(buf), f)) {
		no++;
		line = trim(buf);
		if (!*line || *line == '#' || *line == ';')
			continue;
		if (*line == '[') {
			char *end = strchr(line, ']');

			if (!end)
				bad(path, no, "a section header without ']'", line);
			*end = '\0';
			in_default = !strcmp(line + 1, "default");
			seen_default |= in_default;
			continue;
		}
		eq = strpbrk(line, "=:");
		if (!eq)
			bad(path, no, "expected 'option = value'", line);
		*eq = '\0';
		key = trim(line);
		val = trim(eq + 1);
		lower(key); /* ConfigParser folds option names to lower case */
		if (!in_default)
			continue; /* VizTracer reads [default] only */
		/* What ends vizbpf's options would swallow the command line's that follow. */
		if (!strcmp(key, "module") || !strcmp(key, "cmd_string") || !strcmp(key, "rcfile"))
			bad(path, no, "give this on the command line", key);
		switch (takes_arg(key)) {
		case -1:
			bad(path, no, "unknown option", key);
			break;
		case 0:
			/* A flag: VizTracer's store_true options. "= False" leaves it off. */
			switch (boolean(val)) {
			case 1:
				push(a, opt(key, NULL));
				break;
			case 0:
				break;
			default:
				bad(path, no, "expected True or False for", key);
			}
			break;
		default:
			if (!*val)
				bad(path, no, "no value for", key);
			if (!is_list(key)) {
				push(a, opt(key, val));
				break;
			}
			for (tok = strtok_r(val, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save))
				push(a, opt(key, tok));
		}
	}
	fclose(f);
	if (!seen_default) {
		fprintf(stderr, "vizbpf: rc file %s has no [default] section\n", path);
		exit(64);
	}
}

char **rcfile_expand(int argc, char **argv, int *out_argc, int (*takes_arg)(const char *))
{
	struct args a = { 0 };
	const char *rc = NULL;
	int i;

	/* Only vizbpf's own options, before the program's command line. */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--") || !strcmp(argv[i], "--run")) {
			argv[i] = "--";
			break;
		}
		if (!strcmp(argv[i], "--rcfile")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vizbpf: --rcfile needs a file name\n");
				exit(64);
			}
			rc = argv[++i];
		} else if (!strncmp(argv[i], "--rcfile=", 9)) {
			rc = argv[i] + 9;
		}
	}
	if (!rc) {
		FILE *f = fopen(DEFAULT_RC, "r");

		if (!f) {
			*out_argc = argc;
			return argv;
		}
		fclose(f);
		rc = DEFAULT_RC;
	}
	push(&a, argv[0]);
	read_rc(rc, &a, takes_arg);
	for (i = 1; i < argc; i++)
		push(&a, argv[i]);
	push(&a, NULL);
	*out_argc = a.n - 1;
	return a.v;
}
