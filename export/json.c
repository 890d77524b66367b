// SPDX-License-Identifier: BSD-2-Clause
/*
 * JSON string quoting and the non-inline number formatting. See json.h.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "export/json.h"

const uint64_t json_pow10[20] = {
	1ull,
	10ull,
	100ull,
	1000ull,
	10000ull,
	100000ull,
	1000000ull,
	10000000ull,
	100000000ull,
	1000000000ull,
	10000000000ull,
	100000000000ull,
	1000000000000ull,
	10000000000000ull,
	100000000000000ull,
	1000000000000000ull,
	10000000000000000ull,
	100000000000000000ull,
	1000000000000000000ull,
	10000000000000000000ull,
};

const char json_digits2[200] = "00010203040506070809101112131415161718192021222324"
			       "25262728293031323334353637383940414243444546474849"
			       "50515253545556575859606162636465666768697071727374"
			       "75767778798081828384858687888990919293949596979899";

/* Output cursor for json_quote: keeps counting once full so the caller learns the size. */
struct qout {
	char *buf;
	size_t cap;
	size_t pos;	/* bytes needed so far */
	size_t written;	/* bytes actually in buf; equals pos until something did not fit */
};

static void qput(struct qout *o, const char *tok, size_t n)
{
	/* +1 keeps room for the NUL; whole tokens only, so a truncated result stays valid
	 * UTF-8, and nothing after the first token that did not fit, so it is a prefix. */
	if (o->written == o->pos && o->pos + n + 1 <= o->cap) {
		memcpy(o->buf + o->pos, tok, n);
		o->written += n;
	}
	o->pos += n;
}

/* A run of plain ASCII: every byte is a whole token, so copy as much as fits. */
static void qput_ascii(struct qout *o, const char *s, size_t n)
{
	if (o->written == o->pos && o->cap) {
		size_t room = o->cap - 1 - o->written;
		size_t k = n < room ? n : room;

		memcpy(o->buf + o->written, s, k);
		o->written += k;
	}
	o->pos += n;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if it is not one. Rejects what
 * RFC 3629 forbids: overlong forms, surrogates, code points above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

size_t json_quote(char *buf, size_t cap, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;
	struct qout o = { .buf = buf, .cap = cap };
	size_t i = 0;

	qput(&o, "\"", 1);
	while (i < len) {
		unsigned char c = u[i];
		size_t run = i;

		/* Copy plain printable ASCII in one go: the common case for Python names. */
		while (run < len && u[run] >= 0x20 && u[run] < 0x80 && u[run] != '"' &&
		       u[run] != '\\')
			run++;
		if (run > i) {
			qput_ascii(&o, s + i, run - i);
			i = run;
			continue;
		}
		if (c < 0x80) {
			char esc[6] = { '\\', 0 };
			size_t n = 2;

			switch (c) {
			case '"': esc[1] = '"'; break;
			case '\\': esc[1] = '\\'; break;
			case '\b': esc[1] = 'b'; break;
			case '\f': esc[1] = 'f'; break;
			case '\n': esc[1] = 'n'; break;
			case '\r': esc[1] = 'r'; break;
			case '\t': esc[1] = 't'; break;
			default:
				memcpy(esc + 1, "u00", 3);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				n = 6;
			}
			qput(&o, esc, n);
			i++;
			continue;
		}
		size_t n = utf8_seq_len(u + i, len - i);

		if (n) {
			qput(&o, s + i, n);
			i += n;
		} else {
			/* One U+FFFD per bad byte: simple, and resynchronises on the next byte. */
			qput(&o, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	qput(&o, "\"", 1);
	if (cap)
		buf[o.written] = '\0';
	return o.pos;
}

char *json_quote_dup(const char *s, size_t len, size_t *out_len)
{
	size_t cap = JSON_QUOTE_MAX(len);
	char *buf = malloc(cap);
	size_t n;

	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	n = json_quote(buf, cap, s, len);
	if (out_len)
		*out_len = n;
	return buf;
}

/* Replaces a locale's decimal comma (LC_NUMERIC may be set by whoever embeds us) with '.'. */
static void fix_decimal_point(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] == ',')
			p[i] = '.';
}

size_t json_fmt_double(char *p, double v)
{
	char tmp[JSON_DOUBLE_MAX + 8];
	int n;

	if (!isfinite(v)) {
		p[0] = '0';
		return 1;
	}
	/* Integral values (the usual counter: bytes, objects, events) print exactly as integers. */
	if (fabs(v) < 9007199254740992.0 && v == (double)(int64_t)v) {
		int64_t i = (int64_t)v;
		size_t k = 0;

		if (i < 0) {
			p[k++] = '-';
			return k + json_fmt_u64(p + k, -(uint64_t)i);
		}
		return json_fmt_u64(p, i);
	}
	n = snprintf(tmp, sizeof(tmp), "%.15g", v);
	if (strtod(tmp, NULL) != v)
		n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	fix_decimal_point(tmp, n);
	memcpy(p, tmp, n);
	return n;
}
