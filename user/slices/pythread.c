// SPDX-License-Identifier: BSD-2-Clause
/*
 * Offsets from gdb on the pyenv builds with debug info (3.8.18 ... 3.13.0): p &((T*)0)->field.
 * They are the same for every build of a minor version (the ABI of these structs is fixed
 * within one).
 */
#include <errno.h>
#include <string.h>
#include "user/base/procmem.h"
#include "pystack.h"
#include "pythread.h"
#include "symbols/pythread_layout.h"
#include "symbols/pystr.h"

#define MAX_ENTRIES VZ_THREAD_ATTRS_MAX

struct attrs {
	uint64_t keys;   /* PyDictKeysObject* */
	uint64_t values; /* the value array of a split table / dict-less values, or 0 */
};

/* Where obj's attributes are: its dict (combined or split), or 3.11+'s dict-less values. */
static int find_attrs(uint32_t pid, const struct vz_thread_layout *l, uint64_t obj,
		      struct attrs *a)
{
	uint64_t type = procmem_ptr(pid, obj + 8), dict = 0, v;
	int64_t dictoffset = 0;

	*a = (struct attrs){ 0 };
	if (!type)
		return -EFAULT;
	if (l->attrs_kind == VZ_ATTRS_DICTOFFSET) {
		procmem_read(pid, type + l->type_dictoffset, &dictoffset, sizeof(dictoffset));
		if (dictoffset <= 0)
			return -ENOENT;
		dict = procmem_ptr(pid, obj + dictoffset);
	} else if (l->attrs_kind == VZ_ATTRS_311) {
		dict = procmem_ptr(pid, obj - 24);
		if (!dict)
			a->values = procmem_ptr(pid, obj - 32);
	} else if (l->attrs_kind == VZ_ATTRS_312) {
		v = procmem_ptr(pid, obj - 24);
		if (v & 1)
			a->values = v + 1;
		else
			dict = v;
	} else {
		uint64_t flags = 0, basic = 0;
		uint8_t valid = 0;

		/* struct _dictvalues after the object: capacity, size, embedded, valid, array */
		dict = procmem_ptr(pid, obj - 24);
		if (!dict && !procmem_read(pid, type + l->type_flags, &flags, sizeof(flags)) &&
		    (flags & VZ_TPFLAGS_INLINE_VALUES) &&
		    !procmem_read(pid, type + l->type_basicsize, &basic, sizeof(basic)) &&
		    !procmem_read(pid, obj + basic + 3, &valid, 1) && valid)
			a->values = obj + basic + l->values_array;
	}
	if (dict) {
		a->keys = procmem_ptr(pid, dict + l->dict_keys);
		a->values = procmem_ptr(pid, dict + l->dict_values);
		if (a->values)
			a->values += l->values_array;
	} else if (a->values) {
		a->keys = procmem_ptr(pid, type + l->type_cached_keys);
	}
	return a->keys ? 0 : -ENOENT;
}

/* Looks attr up among the keys; *value gets what it maps to. */
static int lookup(uint32_t pid, const struct vz_thread_layout *l, const struct vz_py_offsets *off,
		  const struct attrs *a, const char *attr, uint64_t *value)
{
	uint64_t entries, esz, key_at, value_at;
	int64_t n = 0;
	size_t len = strlen(attr);

	if (l->old_keys) {
		int64_t size = 0;
		uint64_t ib;

		procmem_read(pid, a->keys + 8, &size, sizeof(size));
		procmem_read(pid, a->keys + 32, &n, sizeof(n));
		if (size <= 0 || size > (1 << 24))
			return -EINVAL;
		ib = size <= 0xff ? 1 : size <= 0xffff ? 2 : 4;
		entries = a->keys + 0x28 + size * ib;
		esz = 24, key_at = 8, value_at = 16;
	} else {
		uint8_t hdr[3] = { 0 }; /* log2 size, log2 index bytes, kind */

		procmem_read(pid, a->keys + 8, hdr, sizeof(hdr));
		procmem_read(pid, a->keys + 24, &n, sizeof(n));
		if (hdr[1] > 40)
			return -EINVAL;
		entries = a->keys + 0x20 + (1ull << hdr[1]);
		/* DICT_KEYS_GENERAL (0): hash, key, value; unicode keys: key, value */
		if (hdr[2] == 0)
			esz = 24, key_at = 8, value_at = 16;
		else
			esz = 16, key_at = 0, value_at = 8;
	}
	for (int64_t i = 0; i < n && i < MAX_ENTRIES; i++) {
		uint64_t key = procmem_ptr(pid, entries + i * esz + key_at);
		struct vz_pystr_hdr h;
		char buf[32];

		if (!key)
			continue;
		pystack_read_str(pid, off, key, &h, buf, sizeof(buf));
		if (h.kind != 1 || h.len != len || memcmp(buf, attr, len))
			continue;
		*value = a->values ? procmem_ptr(pid, a->values + 8 * i)
				   : procmem_ptr(pid, entries + i * esz + value_at);
		return *value ? 0 : -ENOENT;
	}
	return -ENOENT;
}

int pythread_name(uint32_t pid, int minor, const struct vz_py_offsets *off, uint64_t frame,
		  char *out, size_t cap)
{
	struct vz_thread_layout l;
	uint64_t self, name;
	struct vz_pystr_hdr h;
	struct attrs a;
	char buf[256];
	int err;

	py_thread_layout(minor, &l);
	self = procmem_ptr(pid, frame + l.frame_self);
	if (!self)
		return -EFAULT;
	err = find_attrs(pid, &l, self, &a) ?: lookup(pid, &l, off, &a, "_name", &name);
	if (err)
		return err;
	pystack_read_str(pid, off, name, &h, buf, sizeof(buf));
	if (!h.kind)
		return -EINVAL;
	pystr_to_utf8(&h, buf, out, cap);
	return 0;
}
