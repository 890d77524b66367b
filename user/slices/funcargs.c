// SPDX-License-Identifier: BSD-2-Clause
#include <linux/types.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "vizbpf.h"
#include "funcargs.h"
#include "export/json.h"
#include "symbols/pystr.h"

/* An int of up to 2 digits of 30 bits (3 when it fits): its value; false when larger. */
static bool int_value(const struct vz_arg *a, unsigned int flags, long long *v, int *ndigits)
{
	unsigned long long mag, d0 = a->words[1] & 0x3fffffff, d1 = (a->words[1] >> 32) & 0x3fffffff,
			   d2 = a->words[2] & 0x3fffffff;
	long long size = (long long)a->words[0];
	int neg, n;

	if (flags & VZ_ARGS_INT_TAGGED) { /* 3.12+: lv_tag = ndigits << 3 | sign (0 +, 1 zero, 2 -) */
		n = (int)(a->words[0] >> 3);
		neg = (a->words[0] & 3) == 2;
		if ((a->words[0] & 3) == 1)
			n = 0;
	} else {
		n = (int)(size < 0 ? -size : size);
		neg = size < 0;
	}
	*ndigits = n;
	if (n > 3 || (n == 3 && d2 > 7)) /* past 63 bits */
		return false;
	mag = (n > 0 ? d0 : 0) | (n > 1 ? d1 << 30 : 0) | (n > 2 ? d2 << 60 : 0);
	*v = neg ? -(long long)mag : (long long)mag;
	return true;
}

/* Python's repr of a float: the shortest text that reads back the same. */
static void float_repr(double d, char *out, size_t cap)
{
	if (isnan(d)) {
		snprintf(out, cap, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(out, cap, d < 0 ? "-inf" : "inf");
		return;
	}
	int prec, exp;

	/* The fewest significant digits that read back the same... */
	for (prec = 1; prec <= 17; prec++) { /* 17 always reads back */
		snprintf(out, cap, "%.*e", prec - 1, d);
		if (strtod(out, NULL) == d || prec == 17)
			break;
	}
	exp = atoi(strchr(out, 'e') + 1);
	/* ...written as repr() does: positional from 1e-4 up to 1e16, else with an exponent. */
	if (exp < -4 || exp >= 16)
		return;
	snprintf(out, cap, "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, d);
	if (!strchr(out, '.'))
		strncat(out, ".0", cap - strlen(out) - 1);
}

/* 'text' with Python's escapes for quotes, backslashes and control characters; in double
 * quotes when it holds a ' and no ", as repr() does. */
static void quoted(const char *prefix, const char *s, size_t n, bool cut, unsigned long long len,
		   char *out, size_t cap)
{
	char q = memchr(s, '\'', n) && !memchr(s, '"', n) ? '"' : '\'';
	size_t o = snprintf(out, cap, "%s%c", prefix, q);

	for (size_t i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = s[i];

		if (c == q || c == '\\')
			o += snprintf(out + o, cap - o, "\\%c", c);
		else if (c == '\n')
			o += snprintf(out + o, cap - o, "\\n");
		else if (c == '\t')
			o += snprintf(out + o, cap - o, "\\t");
		else if (c < 0x20 || (c >= 0x7f && prefix[0] == 'b'))
			o += snprintf(out + o, cap - o, "\\x%02x", c);
		else
			out[o++] = c;
	}
	/* A cut str already ends in pystr_to_utf8's ellipsis; bytes get theirs here. */
	if (o < cap)
		snprintf(out + o, cap - o, !cut ? "%c" : prefix[0] == 'b' ? "...%c (len %llu)" : "%c (len %llu)",
			 q, len);
}

void funcargs_repr(const void *arg, unsigned int flags, char *out, size_t cap)
{
	const struct vz_arg *a = arg;
	char text[VZ_ARG_TEXT * 4 + 8];
	long long v;
	int nd;

	if (!a->obj) {
		snprintf(out, cap, "?");
		return;
	}
	if (!a->type[0]) {
		snprintf(out, cap, "<unreadable>");
		return;
	}
	if (!strcmp(a->type, "NoneType")) {
		snprintf(out, cap, "None");
	} else if (!strcmp(a->type, "bool")) {
		snprintf(out, cap, int_value(a, flags, &v, &nd) && v ? "True" : "False");
	} else if (!strcmp(a->type, "int")) {
		if (int_value(a, flags, &v, &nd))
			snprintf(out, cap, "%lld", v);
		else
			snprintf(out, cap, "<int of %d digits of 30 bits>", nd);
	} else if (!strcmp(a->type, "float")) {
		double d;

		memcpy(&d, &a->words[0], sizeof(d));
		float_repr(d, out, cap);
	} else if (!strcmp(a->type, "str")) {
		size_t n = pystr_to_utf8(&a->text_hdr, a->text, text, sizeof(text));

		/* The str's length (PyASCIIObject.length) sits in words[0]. */
		quoted("", text, n, a->text_hdr.truncated, a->words[0], out, cap);
	} else if (!strcmp(a->type, "bytes")) {
		quoted("b", a->text, a->text_hdr.kind ? a->text_hdr.len : 0, a->text_hdr.truncated,
		       a->words[0], out, cap);
	} else if (!strcmp(a->type, "tuple") || !strcmp(a->type, "list") ||
		   !strcmp(a->type, "dict")) {
		snprintf(out, cap, "<%s of length %llu>", a->type, (unsigned long long)a->words[0]);
	} else {
		snprintf(out, cap, "<%s object>", a->type);
	}
}

char *funcargs_names(const struct vz_rec_args *r)
{
	char name[VZ_ARG_NAME * 4 + 8], *out;
	uint32_t n = r->n < VZ_ARGS_MAX ? r->n : VZ_ARGS_MAX;
	size_t len = 0;

	if (r->hdr.flags & VZ_ARGS_NO_NAMES)
		return NULL;
	out = malloc(VZ_ARGS_MAX * sizeof(name) + 1);
	if (!out)
		return NULL;
	/* Always VZ_ARGS_MAX entries ("" when unknown): funcargs_json walks that many at most. */
	for (uint32_t i = 0; i < VZ_ARGS_MAX; i++) {
		size_t k = i < n && r->a[i].name_hdr.kind ?
			pystr_to_utf8(&r->a[i].name_hdr, r->a[i].name, name, sizeof(name)) : 0;

		memcpy(out + len, name, k);
		len += k;
		out[len++] = '\0';
	}
	return out;
}

char *funcargs_json(const struct vz_rec_args *r, const char *names)
{
	size_t cap = 64 + VZ_ARGS_MAX * 2 * JSON_QUOTE_MAX(VZ_ARG_TEXT * 4 + 64), o;
	char *buf = malloc(cap), name[VZ_ARG_NAME * 4 + 8], repr[VZ_ARG_TEXT * 4 + 64];
	uint32_t n = r->n < VZ_ARGS_MAX ? r->n : VZ_ARGS_MAX;

	if (!buf)
		return NULL;
	o = snprintf(buf, cap, "\"func_args\":{");
	for (uint32_t i = 0; i < n; i++) {
		const struct vz_arg *a = &r->a[i];
		size_t k;

		if (names && *names)
			snprintf(name, sizeof(name), "%s", names);
		else
			snprintf(name, sizeof(name), "arg%u", i);
		if (names)
			names += strlen(names) + 1; /* the next one, "" when unknown */
		funcargs_repr(a, r->hdr.flags, repr, sizeof(repr));
		if (i)
			buf[o++] = ',';
		k = json_quote(buf + o, cap - o, name, strlen(name));
		o += k;
		buf[o++] = ':';
		k = json_quote(buf + o, cap - o, repr, strlen(repr));
		o += k;
	}
	if (r->nargs > n)
		o += snprintf(buf + o, cap - o, "%s\"...\":\"%u more\"", n ? "," : "", r->nargs - n);
	snprintf(buf + o, cap - o, "}");
	return buf;
}

char *funcargs_retval_json(const struct vz_rec_retval *r)
{
	size_t cap = 32 + JSON_QUOTE_MAX(VZ_ARG_TEXT * 4 + 64), o;
	char *buf = malloc(cap), repr[VZ_ARG_TEXT * 4 + 64];

	if (!buf)
		return NULL;
	funcargs_repr(&r->v, r->hdr.flags, repr, sizeof(repr));
	o = snprintf(buf, cap, "\"return_value\":");
	o += json_quote(buf + o, cap - o, repr, strlen(repr));
	buf[o] = '\0';
	return buf;
}
