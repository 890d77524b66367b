// SPDX-License-Identifier: BSD-2-Clause
/*
 * symbols/pyoffsets.c: every supported version has a table with the fields
 * it must have; unknown versions are refused; the 3.13 table agrees with
 * the _Py_DebugOffsets CPython 3.13 publishes in _PyRuntime (read from the
 * ELF file when the pyenv build is installed).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>
#include "symbols/pyoffsets.h"
#include "test.h"

#define FIELD(f) { #f, offsetof(struct vz_py_offsets, f) }
struct field {
	const char *name;
	size_t off;
};

static __s32 get_field(const struct vz_py_offsets *o, const struct field *f)
{
	return *(const __s32 *)((const char *)o + f->off);
}

/* Fields every version 3.8-3.13 has. */
static const struct field always[] = {
	FIELD(tstate_frame),     FIELD(tstate_interp),	   FIELD(tstate_thread_id),
	FIELD(tstate_next),	 FIELD(interp_eval_frame),	   FIELD(interp_threads_head),
	FIELD(interp_next),	 FIELD(runtime_interpreters_head), FIELD(frame_code),
	FIELD(frame_previous),	 FIELD(code_flags),		   FIELD(code_firstlineno),
	FIELD(code_name),	 FIELD(code_filename),		   FIELD(unicode_state),
	FIELD(unicode_length),	 FIELD(unicode_ascii_data),	   FIELD(unicode_compact_data),
};

/* Fields that exist only in [from, to] (minor versions of 3.x). */
static const struct {
	struct field f;
	int from, to;
} ranged[] = {
	{ FIELD(runtime_tstate_current), 8, 11 },
	{ FIELD(cframe_current_frame), 11, 12 },
	{ FIELD(tstate_c_recursion_remaining), 12, 13 },
	{ FIELD(tstate_native_thread_id), 11, 13 },
	{ FIELD(frame_owner), 11, 13 },
	{ FIELD(code_qualname), 11, 13 },
	{ FIELD(code_version), 12, 13 },
};

void test_pyoffsets_supported(void)
{
	struct vz_py_offsets o;
	char name[96];

	ASSERT_STREQ(py_offsets__supported(), "3.8-3.13", "supported");
	for (int minor = 8; minor <= 13; minor++) {
		memset(&o, 0xa5, sizeof(o));
		snprintf(name, sizeof(name), "get 3.%d", minor);
		if (!ASSERT_OK(py_offsets__get(3, minor, &o), name))
			continue;
		snprintf(name, sizeof(name), "3.%d py_version_hex", minor);
		ASSERT_EQ(o.py_version_hex, 0x03000000u | (unsigned)minor << 16, name);
		snprintf(name, sizeof(name), "3.%d frame_arg", minor);
		ASSERT_EQ(o.frame_arg, minor == 8 ? 1 : 2, name);
		snprintf(name, sizeof(name), "3.%d tstate_arg", minor);
		ASSERT_EQ(o.tstate_arg, minor == 8 ? 0 : 1, name);
		for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
			snprintf(name, sizeof(name), "3.%d %s >= 0", minor, always[i].name);
			ASSERT_TRUE(get_field(&o, &always[i]) >= 0, name);
		}
		for (size_t i = 0; i < sizeof(ranged) / sizeof(ranged[0]); i++) {
			__s32 v = get_field(&o, &ranged[i].f);

			if (minor >= ranged[i].from && minor <= ranged[i].to) {
				snprintf(name, sizeof(name), "3.%d %s >= 0", minor, ranged[i].f.name);
				ASSERT_TRUE(v >= 0, name);
			} else {
				snprintf(name, sizeof(name), "3.%d %s", minor, ranged[i].f.name);
				ASSERT_EQ(v, -1, name);
			}
		}
		/* The 3.8 frame is found through the runtime, the only way it has. */
		if (minor == 8)
			ASSERT_TRUE(o.runtime_tstate_current >= 0, "3.8 needs runtime_tstate_current");
		/* The BPF side reads the state byte with the VZ_UNICODE_* bits. */
		snprintf(name, sizeof(name), "3.%d unicode data after state", minor);
		ASSERT_TRUE(o.unicode_ascii_data > o.unicode_state &&
				    o.unicode_compact_data > o.unicode_ascii_data,
			    name);
	}
}

void test_pyoffsets_unsupported(void)
{
	struct vz_py_offsets o, before;
	static const int versions[][2] = { { 2, 7 }, { 3, 7 }, { 3, 14 }, { 3, 6 }, { 4, 0 }, { 3, -1 } };

	memset(&o, 0x5a, sizeof(o));
	before = o;
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		char name[64];

		snprintf(name, sizeof(name), "get %d.%d", versions[i][0], versions[i][1]);
		ASSERT_EQ(py_offsets__get(versions[i][0], versions[i][1], &o), -EOPNOTSUPP, name);
	}
	ASSERT_TRUE(!memcmp(&o, &before, sizeof(o)), "unsupported leaves *out alone");
}

/*
 * _Py_DebugOffsets of CPython 3.13.0 (Include/internal/pycore_runtime.h), at
 * the start of _PyRuntime: byte offsets of its uint64_t members, from
 * `ptype /o _Py_DebugOffsets` (gdb) on pyenv 3.13.0.
 */
#define DBG_COOKIE 0
#define DBG_VERSION 8
#define DBG_RT_INTERPRETERS_HEAD 40
#define DBG_IS_NEXT 64
#define DBG_IS_THREADS_HEAD 72
#define DBG_TS_NEXT 168
#define DBG_TS_INTERP 176
#define DBG_TS_CURRENT_FRAME 184
#define DBG_TS_THREAD_ID 192
#define DBG_TS_NATIVE_THREAD_ID 200
#define DBG_IF_PREVIOUS 232
#define DBG_IF_EXECUTABLE 240
#define DBG_IF_OWNER 264
#define DBG_CO_FILENAME 280
#define DBG_CO_NAME 288
#define DBG_CO_QUALNAME 296
#define DBG_CO_FIRSTLINENO 312
#define DBG_UO_STATE 544
#define DBG_UO_LENGTH 552
#define DBG_UO_ASCIIOBJECT_SIZE 560
#define DBG_SIZE 584

#define LIBPY313 "/root/.pyenv/versions/3.13.0/lib/libpython3.13.so.1.0"

/* Reads the first n bytes of symbol 'sym' from the file's section data. 0 or -1. */
static int read_symbol_bytes(const char *path, const char *sym, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret = -1;
	Elf *elf = NULL;
	Elf_Scn *scn = NULL;

	if (fd < 0)
		return -1;
	if (elf_version(EV_CURRENT) == EV_NONE || !(elf = elf_begin(fd, ELF_C_READ, NULL)))
		goto out;
	while (ret && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			GElf_Shdr dsh;
			Elf_Scn *dscn;
			const char *nm;

			if (!gelf_getsym(data, (int)i, &s))
				break;
			nm = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!nm || strcmp(nm, sym) || s.st_shndx == SHN_UNDEF || s.st_size < n)
				continue;
			dscn = elf_getscn(elf, s.st_shndx);
			if (!dscn || !gelf_getshdr(dscn, &dsh) || dsh.sh_type == SHT_NOBITS ||
			    s.st_value < dsh.sh_addr || s.st_value + n > dsh.sh_addr + dsh.sh_size)
				break;
			if (pread(fd, buf, n, (off_t)(dsh.sh_offset + s.st_value - dsh.sh_addr)) ==
			    (ssize_t)n)
				ret = 0;
			break;
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

static uint64_t u64_at(const unsigned char *p, size_t off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

void test_pyoffsets_313_debug_offsets(void)
{
	unsigned char d[DBG_SIZE];
	struct vz_py_offsets o;

	if (access(LIBPY313, R_OK)) {
		printf("  skip: %s not installed\n", LIBPY313);
		return;
	}
	if (!ASSERT_OK(py_offsets__get(3, 13, &o), "get 3.13"))
		return;
	if (!ASSERT_OK(read_symbol_bytes(LIBPY313, "_PyRuntime", d, sizeof(d)), "read _PyRuntime"))
		return;
	if (!ASSERT_TRUE(!memcmp(d + DBG_COOKIE, "xdebugpy", 8), "cookie xdebugpy"))
		return;
	ASSERT_EQ(u64_at(d, DBG_VERSION) >> 16, o.py_version_hex >> 16, "debug_offsets.version");

#define CHECK(field, dbg) ASSERT_EQ(o.field, u64_at(d, dbg), #field " vs " #dbg)
	CHECK(runtime_interpreters_head, DBG_RT_INTERPRETERS_HEAD);
	CHECK(interp_next, DBG_IS_NEXT);
	CHECK(interp_threads_head, DBG_IS_THREADS_HEAD);
	CHECK(tstate_next, DBG_TS_NEXT);
	CHECK(tstate_interp, DBG_TS_INTERP);
	CHECK(tstate_frame, DBG_TS_CURRENT_FRAME);
	CHECK(tstate_thread_id, DBG_TS_THREAD_ID);
	CHECK(tstate_native_thread_id, DBG_TS_NATIVE_THREAD_ID);
	CHECK(frame_previous, DBG_IF_PREVIOUS);
	CHECK(frame_code, DBG_IF_EXECUTABLE);
	CHECK(frame_owner, DBG_IF_OWNER);
	CHECK(code_filename, DBG_CO_FILENAME);
	CHECK(code_name, DBG_CO_NAME);
	CHECK(code_qualname, DBG_CO_QUALNAME);
	CHECK(code_firstlineno, DBG_CO_FIRSTLINENO);
	CHECK(unicode_state, DBG_UO_STATE);
	CHECK(unicode_length, DBG_UO_LENGTH);
	CHECK(unicode_ascii_data, DBG_UO_ASCIIOBJECT_SIZE);
#undef CHECK
}
