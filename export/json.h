/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * JSON text helpers for the trace writer: string quoting (done once per name, off the hot
 * path) and number formatting (done for every event, so inline and printf-free).
 */
#ifndef VZ_EXPORT_JSON_H
#define VZ_EXPORT_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Writes the UTF-8 text s[0..len) as a JSON string literal with quotes into buf (cap bytes),
 * escaping ", \, control chars (\n,\t,... and \u00XX); invalid UTF-8 bytes become U+FFFD.
 * Returns the length written (without NUL; buf is NUL-terminated when cap > 0), or the length
 * that would be needed if cap is too small (like snprintf). On truncation buf holds only whole
 * escapes and characters, never half of one.
 */
size_t json_quote(char *buf, size_t cap, const char *s, size_t len);

/* json_quote into a malloc'd, NUL-terminated buffer; *out_len (may be NULL) gets the length.
 * Returns NULL with errno = ENOMEM on failure. */
char *json_quote_dup(const char *s, size_t len, size_t *out_len);

/* Worst case json_quote output for len input bytes, quotes and NUL included: a control byte
 * becomes \u00XX (6 bytes), everything else at most 3 bytes per input byte. */
#define JSON_QUOTE_MAX(len) (6 * (size_t)(len) + 3)

/* Longest outputs of the formatters below, so callers can reserve space up front. */
#define JSON_U64_MAX 20		/* 18446744073709551615 */
#define JSON_US3_MAX 24		/* 18446744073709551.615 */
#define JSON_DOUBLE_MAX 32	/* -1.2345678901234567e-308 */

/* "00" "01" ... "99": two digits per table lookup halves the divisions. */
extern const char json_digits2[200];

/* 10^0 .. 10^19. */
extern const uint64_t json_pow10[20];

/* Decimal digits of v: log10 from the highest set bit (x 1233 / 4096 ~ log10(2)), then one
 * comparison. v | 1 leaves every comparison with a power of ten above 1 as it was, and makes
 * 0 one digit. */
static inline size_t json_u64_len(uint64_t v)
{
	uint64_t w = v | 1;
	unsigned t = ((64 - __builtin_clzll(w)) * 1233) >> 12;

	return t + (w >= json_pow10[t]);
}

/*
 * Writes v in decimal at p (no NUL). Returns the number of bytes written. Digits go straight to
 * their place, two per table lookup: formatting into a scratch buffer and copying it out made
 * a libc memmove of unknown length per number, a sixth of the reader's time.
 */
static inline size_t json_fmt_u64(char *p, uint64_t v)
{
	size_t n = json_u64_len(v);
	char *q = p + n;

	while (v >= 100) {
		unsigned int r = v % 100;

		v /= 100;
		q -= 2;
		memcpy(q, json_digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, json_digits2 + 2 * v, 2);
	} else {
		*--q = '0' + v;
	}
	return n;
}

/*
 * Writes ns nanoseconds as microseconds with exactly three decimals (1234567 -> "1234.567").
 * Integer arithmetic only: %f is slow, locale-dependent and rounds through a double, which
 * loses nanoseconds once timestamps pass 2^53.
 */
static inline size_t json_fmt_ns_as_us(char *p, uint64_t ns)
{
	size_t n = json_fmt_u64(p, ns / 1000);
	unsigned int r = ns % 1000;

	p[n] = '.';
	p[n + 1] = '0' + r / 100;
	memcpy(p + n + 2, json_digits2 + 2 * (r % 100), 2);
	return n + 4;
}

/*
 * Writes v as a JSON number: integers without a fraction, other values in the shortest of %.15g
 * and %.17g that reads back exactly, always with '.' whatever the locale. NaN and infinities,
 * which JSON cannot express, are written as 0. Not for hot paths (uses snprintf).
 */
size_t json_fmt_double(char *p, double v);

#endif
