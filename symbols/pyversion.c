// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "symbols/elf.h"
#include "symbols/pyversion.h"

static uint32_t make_hex(int major, int minor, int micro)
{
	return ((uint32_t)major << 24) | ((uint32_t)minor << 16) |
	       ((uint32_t)(micro < 0 ? 0 : micro) << 8);
}

int py_version__from_symbol(struct elf_file *elf, struct py_version *v)
{
	unsigned char b[4];
	uint64_t addr, size;
	uint32_t hex;
	int err;

	err = elf_file__sym(elf, "Py_Version", &addr, &size);
	if (err)
		return err;
	if (size && size < 4)
		return -EINVAL;
	err = elf_file__read(elf, addr, b, sizeof(b));
	if (err)
		return err == -ENOENT ? -EINVAL : err;
	/* The value is in the file's byte order, not necessarily ours. */
	if (elf_file__is_le(elf))
		hex = b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24;
	else
		hex = b[3] | b[2] << 8 | b[1] << 16 | (uint32_t)b[0] << 24;
	/* Py_Version exists from 3.11 on; anything else is not what we think it is. */
	if (hex >> 24 < 3 || hex >> 24 > 9 || (hex >> 24 == 3 && ((hex >> 16) & 0xff) < 11) ||
	    ((hex >> 4) & 0xf) < 0xa)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->major = hex >> 24;
	v->minor = (hex >> 16) & 0xff;
	v->micro = (hex >> 8) & 0xff;
	v->hex = hex;
	v->source = PY_VERSION_SRC_SYMBOL;
	return 0;
}

/* Parses "M.N" at *s, advancing past it. */
static bool parse_mm(const char **s, int *major, int *minor)
{
	char *end;
	long a, b;

	if (**s < '0' || **s > '9')
		return false;
	a = strtol(*s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	b = strtol(end + 1, &end, 10);
	if (a < 2 || a > 9 || b < 0 || b > 255)
		return false;
	*major = (int)a;
	*minor = (int)b;
	*s = end;
	return true;
}

/* PEP 3149 ABI flags we may meet in names: d (debug), m (pymalloc, up to 3.7), u (2.x wide). */
static const char *skip_abiflags(const char *s, bool *debug)
{
	*debug = false;
	while (*s == 'd' || *s == 'm' || *s == 'u' || *s == 't') {
		if (*s == 'd')
			*debug = true;
		s++;
	}
	return s;
}

int py_version__from_file_name(const char *path, struct py_version *v)
{
	const char *base = strrchr(path, '/');
	const char *s;
	int major, minor;
	bool debug;

	base = base ? base + 1 : path;
	if (!strncmp(base, "libpython", 9)) {
		s = base + 9;
		if (!parse_mm(&s, &major, &minor))
			return -ENOENT;
		s = skip_abiflags(s, &debug);
		/* "libpython3.11.so", "libpython3.11.so.1.0", "libpython3.11d.so.1.0" */
		if (strncmp(s, ".so", 3) || (s[3] && s[3] != '.'))
			return -ENOENT;
	} else if (!strncmp(base, "python", 6)) {
		s = base + 6;
		if (!parse_mm(&s, &major, &minor))
			return -ENOENT;
		s = skip_abiflags(s, &debug);
		/* Exactly the interpreter: not "python3.11-config" or "python3.11.py". */
		if (*s)
			return -ENOENT;
	} else {
		return -ENOENT;
	}
	memset(v, 0, sizeof(*v));
	v->major = major;
	v->minor = minor;
	v->micro = -1;
	v->hex = make_hex(major, minor, -1);
	v->debug = debug;
	v->source = PY_VERSION_SRC_FILE_NAME;
	return 0;
}

int py_version__detect(struct elf_file *elf, const char *path, struct py_version *v)
{
	if (elf && !py_version__from_symbol(elf, v))
		return 0;
	return py_version__from_file_name(path, v);
}
