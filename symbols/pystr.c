// SPDX-License-Identifier: BSD-2-Clause
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "symbols/pystr.h"

#define ELLIPSIS "..."
#define ELLIPSIS_LEN 3

static size_t encode(uint32_t cp, char *b)
{
	/* Surrogates and NUL would make invalid UTF-8 or cut the C string. */
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (char)(0xf0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Copies s into out if it fits with its NUL. */
static size_t put_str(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);

	if (!cap)
		return 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = '\0';
	return n;
}

size_t pystr_to_utf8(const struct vz_pystr_hdr *h, const char *data, char *out, size_t cap)
{
	unsigned int kind = h->kind;
	size_t units, pos = 0;
	bool cut = false;

	if (kind != 1 && kind != 2 && kind != 4)
		return put_str("?", out, cap);
	if (!cap)
		return 0;
	units = h->len / kind;
	for (size_t i = 0; i < units; i++) {
		char b[4];
		uint32_t cp;
		size_t n;

		if (kind == 1) {
			cp = (uint8_t)data[i];
		} else if (kind == 2) {
			uint16_t u;

			memcpy(&u, data + 2 * i, 2);
			cp = u;
		} else {
			memcpy(&cp, data + 4 * i, 4);
		}
		n = encode(cp, b);
		if (pos + n >= cap) {
			cut = true;
			break;
		}
		memcpy(out + pos, b, n);
		pos += n;
	}
	if (cut || h->truncated) {
		/* Make room for the ellipsis by dropping whole characters. */
		while (pos && pos + ELLIPSIS_LEN >= cap) {
			pos--;
			while (pos && ((uint8_t)out[pos] & 0xc0) == 0x80)
				pos--;
		}
		if (pos + ELLIPSIS_LEN < cap) {
			memcpy(out + pos, ELLIPSIS, ELLIPSIS_LEN);
			pos += ELLIPSIS_LEN;
		}
	}
	out[pos] = '\0';
	return pos;
}
