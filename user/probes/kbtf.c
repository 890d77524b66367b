// SPDX-License-Identifier: BSD-2-Clause
/* The kernel types of a BPF object's CO-RE relocations, cached per kernel build (kbtf.h). */
#include "kbtf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>
#include <bpf/btf.h>
#include <linux/bpf.h>

#include "user/base/log.h"

#define KERNEL_BTF "/sys/kernel/btf/vmlinux"
#define MAX_ROOTS 64

/* A type a relocation names: libbpf looks for the kernel's types of its kind and name (its
 * "essential" name: without a ___flavour suffix). */
struct root {
	int kind;
	char name[64];
};

struct roots {
	struct root r[MAX_ROOTS];
	int n;
};

/* .BTF.ext's header (Documentation/bpf/btf.rst): offsets count from its end. */
struct ext_header {
	uint16_t magic;
	uint8_t version, flags;
	uint32_t hdr_len;
	uint32_t func_info_off, func_info_len;
	uint32_t line_info_off, line_info_len;
	uint32_t core_relo_off, core_relo_len;
};

static size_t essential_len(const char *name)
{
	const char *flavour = strstr(name, "___");

	return flavour ? (size_t)(flavour - name) : strlen(name);
}

static int add_root(struct roots *rs, int kind, const char *name)
{
	size_t len = essential_len(name);

	if (!len || len >= sizeof(rs->r[0].name))
		return -EINVAL;
	for (int i = 0; i < rs->n; i++)
		if (rs->r[i].kind == kind && strlen(rs->r[i].name) == len &&
		    !strncmp(rs->r[i].name, name, len))
			return 0;
	if (rs->n == MAX_ROOTS)
		return -E2BIG;
	rs->r[rs->n].kind = kind;
	memcpy(rs->r[rs->n].name, name, len);
	rs->r[rs->n].name[len] = 0;
	rs->n++;
	return 0;
}

static int cmp_root(const void *a, const void *b)
{
	const struct root *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : x->kind - y->kind;
}

/* The relocations of .BTF.ext (EXT, EXT_SZ), their types looked up in the object's BTF. */
static int relo_roots(const struct btf *btf, const uint8_t *ext, size_t ext_sz, struct roots *rs)
{
	struct ext_header h;
	const uint8_t *p, *end;
	uint32_t rec_size;

	if (ext_sz < sizeof(h))
		return -EINVAL;
	memcpy(&h, ext, sizeof(h));
	if (h.magic != 0xeB9F || h.hdr_len > ext_sz)
		return -EINVAL;
	if (h.hdr_len < sizeof(h) || !h.core_relo_len)
		return 0; /* no relocation: nothing needed */
	if ((uint64_t)h.hdr_len + h.core_relo_off + h.core_relo_len > ext_sz)
		return -EINVAL;
	p = ext + h.hdr_len + h.core_relo_off;
	end = p + h.core_relo_len;
	memcpy(&rec_size, p, 4);
	p += 4;
	if (rec_size < sizeof(struct bpf_core_relo))
		return -EINVAL;
	while (end - p >= 8) {
		uint32_t num;

		memcpy(&num, p + 4, 4);
		p += 8;
		if ((uint64_t)num * rec_size > (uint64_t)(end - p))
			return -EINVAL;
		for (uint32_t i = 0; i < num; i++, p += rec_size) {
			struct bpf_core_relo r;
			const struct btf_type *t;
			int err;

			memcpy(&r, p, sizeof(r));
			if (r.kind == BPF_CORE_TYPE_ID_LOCAL)
				continue; /* the object's own id */
			if (r.kind == BPF_CORE_TYPE_ID_TARGET || r.kind == BPF_CORE_TYPE_EXISTS ||
			    r.kind == BPF_CORE_TYPE_SIZE || r.kind == 12 /* TYPE_MATCHES */)
				return -ENOTSUP; /* whole types compared: pointers matter */
			t = btf__type_by_id(btf, r.type_id);
			if (!t)
				return -EINVAL;
			err = add_root(rs, btf_kind(t), btf__name_by_offset(btf, t->name_off));
			if (err)
				return err;
		}
	}
	qsort(rs->r, rs->n, sizeof(rs->r[0]), cmp_root);
	return 0;
}

/* The type names of the object's relocations, from its .BTF and .BTF.ext sections. */
static int object_roots(const void *elf_bytes, size_t elf_sz, struct roots *rs)
{
	Elf_Data *btf_data = NULL, *ext_data = NULL;
	struct btf *btf = NULL;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *elf;
	int err = -EINVAL;

	elf_version(EV_CURRENT);
	elf = elf_memory((char *)elf_bytes, elf_sz);
	if (!elf)
		return -EINVAL;
	if (elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			goto out;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".BTF"))
			btf_data = elf_getdata(scn, NULL);
		else if (name && !strcmp(name, ".BTF.ext"))
			ext_data = elf_getdata(scn, NULL);
	}
	if (!btf_data || !ext_data)
		goto out;
	btf = btf__new(btf_data->d_buf, btf_data->d_size);
	if (!btf)
		goto out;
	err = relo_roots(btf, ext_data->d_buf, ext_data->d_size, rs);
out:
	btf__free(btf);
	elf_end(elf);
	return err;
}

/* The kernel build and the names: uname, the size and first 64 KiB of the kernel's BTF. */
static int cache_key(const struct roots *rs, uint32_t *key)
{
	static char head[65536];
	struct utsname u;
	uLong crc = crc32(0, NULL, 0);
	ssize_t got;
	struct stat st;
	int fd;

	fd = open(KERNEL_BTF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || (got = read(fd, head, sizeof(head))) <= 0 || uname(&u)) {
		close(fd);
		return -EIO;
	}
	close(fd);
	crc = crc32(crc, (const Bytef *)&st.st_size, sizeof(st.st_size));
	crc = crc32(crc, (const Bytef *)head, (uInt)got);
	crc = crc32(crc, (const Bytef *)u.release, (uInt)strlen(u.release));
	crc = crc32(crc, (const Bytef *)u.version, (uInt)strlen(u.version));
	crc = crc32(crc, (const Bytef *)u.machine, (uInt)strlen(u.machine));
	for (int i = 0; i < rs->n; i++)
		crc = crc32(crc, (const Bytef *)&rs->r[i], sizeof(rs->r[i]));
	*key = (uint32_t)crc;
	return 0;
}

/*
 * The copy: every kernel type reached from the roots without going through a pointer,
 * numbered in the order first reached (NEWID, 0: not copied), written in that order.
 */
struct cut {
	const struct btf *k;
	uint32_t *newid;
	uint32_t *order;
	uint32_t n, void_ptr; /* the one pointer type, to void */
};

/* What a member's type can be (a function or a variable cannot). */
static bool copyable(const struct btf_type *t)
{
	return btf_is_composite(t) || btf_is_array(t) || btf_is_typedef(t) || btf_is_mod(t) ||
	       btf_is_type_tag(t) || btf_is_int(t) || btf_is_any_enum(t) || btf_is_fwd(t) ||
	       btf_is_float(t);
}

static void reach(struct cut *c, uint32_t id)
{
	const struct btf_type *t;

	if (!id || c->newid[id])
		return;
	t = btf__type_by_id(c->k, id);
	if (btf_is_ptr(t)) {
		if (!c->void_ptr) {
			c->order[c->n] = 0;
			c->void_ptr = ++c->n;
		}
		c->newid[id] = c->void_ptr;
		return;
	}
	if (!copyable(t))
		return;
	c->order[c->n] = id;
	c->newid[id] = ++c->n;
	if (btf_is_composite(t)) {
		const struct btf_member *m = btf_members(t);

		for (int i = 0; i < btf_vlen(t); i++)
			reach(c, m[i].type);
	} else if (btf_is_array(t)) {
		reach(c, btf_array(t)->type);
		reach(c, btf_array(t)->index_type);
	} else if (btf_is_typedef(t) || btf_is_mod(t) || btf_is_type_tag(t)) {
		reach(c, t->type);
	}
}

/* A copied type's references, renumbered. */
static void renumber(struct cut *c, struct btf_type *t)
{
	if (btf_is_composite(t)) {
		struct btf_member *m = btf_members(t);

		for (int i = 0; i < btf_vlen(t); i++)
			m[i].type = c->newid[m[i].type];
	} else if (btf_is_array(t)) {
		struct btf_array *a = btf_array(t);

		a->type = c->newid[a->type];
		a->index_type = c->newid[a->index_type];
	} else if (btf_is_typedef(t) || btf_is_mod(t) || btf_is_type_tag(t)) {
		t->type = c->newid[t->type];
	}
}

static struct btf *cut_types(const struct btf *k, const struct roots *rs)
{
	uint32_t cnt = btf__type_cnt(k);
	struct cut c = { .k = k };
	struct btf *out = NULL;
	bool *found = calloc(rs->n ? rs->n : 1, sizeof(bool));

	c.newid = calloc(cnt, sizeof(*c.newid));
	c.order = calloc(cnt + 1, sizeof(*c.order));
	if (!found || !c.newid || !c.order)
		goto out;
	for (uint32_t id = 1; id < cnt; id++) {
		const struct btf_type *t = btf__type_by_id(k, id);
		const char *name = btf__name_by_offset(k, t->name_off);

		if (!name || !*name)
			continue;
		for (int i = 0; i < rs->n; i++) {
			/* as libbpf matches candidates: by kind and essential name */
			if (btf_kind(t) == rs->r[i].kind && essential_len(name) == strlen(rs->r[i].name) &&
			    !strncmp(name, rs->r[i].name, strlen(rs->r[i].name))) {
				found[i] = true;
				reach(&c, id);
			}
		}
	}
	for (int i = 0; i < rs->n; i++) {
		if (!found[i]) {
			/* libbpf would look in the modules' BTF too: leave it to libbpf */
			vlog("kernel types: no %s in %s", rs->r[i].name, KERNEL_BTF);
			goto out;
		}
	}
	out = btf__new_empty();
	if (!out)
		goto out;
	for (uint32_t i = 0; i < c.n; i++) {
		int id = c.order[i] ? btf__add_type(out, k, btf__type_by_id(k, c.order[i]))
				    : btf__add_ptr(out, 0);

		if (id != (int)i + 1) {
			btf__free(out);
			out = NULL;
			goto out;
		}
		renumber(&c, (struct btf_type *)btf__type_by_id(out, id));
	}
out:
	free(found);
	free(c.newid);
	free(c.order);
	return out;
}

/* Written whole under a temporary name, then renamed: a reader sees all of it or nothing. */
static int write_cache(const char *dir, const char *path, const void *data, uint32_t size)
{
	char tmp[4096];
	int fd, err = 0;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, data, size) != (ssize_t)size || fsync(fd))
		err = -EIO;
	if (close(fd) && !err)
		err = -EIO;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

#define ANON_PREFIX "/proc/self/fd/"

/* Nowhere to cache: an anonymous file, open as long as vizbpf runs. */
static int write_anonymous(const void *data, uint32_t size, char *path, size_t n)
{
	int fd = memfd_create("vizbpf-kernel-types", MFD_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return -EIO;
	}
	snprintf(path, n, ANON_PREFIX "%d", fd);
	return 0;
}

void kbtf_forget(const char *path)
{
	if (strncmp(path, ANON_PREFIX, strlen(ANON_PREFIX)))
		unlink(path);
}

/* Written by vizbpf's user, nobody else may change it, and it reads as BTF (not cut short). */
static bool usable(const char *path)
{
	struct stat st;
	struct btf *btf;

	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		return false;
	btf = btf__parse_raw(path);
	if (!btf)
		return false;
	btf__free(btf);
	return true;
}

/* Where the cache could not be written: each object's (key's) anonymous file, made once for
 * every load of it (the tracer's, one per interpreter, and the watcher's). */
#define ANON_KEYS 8
static struct {
	uint32_t key;
	char path[64];
} anon[ANON_KEYS];

static const char *anon_path(uint32_t key)
{
	for (int i = 0; i < ANON_KEYS && anon[i].path[0]; i++)
		if (anon[i].key == key)
			return anon[i].path;
	return NULL;
}

static void anon_keep(uint32_t key, const char *path)
{
	for (int i = 0; i < ANON_KEYS; i++) {
		if (!anon[i].path[0]) {
			anon[i].key = key;
			snprintf(anon[i].path, sizeof(anon[i].path), "%s", path);
			return;
		}
	}
}

static int find_or_cut(const void *elf, size_t elf_sz, char *path, size_t n)
{
	const char *dir = getenv("VIZBPF_CACHE_DIR");
	struct roots rs = { .n = 0 };
	struct btf *kernel, *cut;
	const char *made;
	const void *data;
	uint32_t key = 0, size;
	int err;

	if (!dir || !*dir)
		dir = "/var/cache/vizbpf";
	if (!strcmp(dir, "none"))
		return -ENOENT; /* asked for: libbpf reads the kernel's whole BTF */
	err = object_roots(elf, elf_sz, &rs);
	if (!err)
		err = cache_key(&rs, &key);
	if (err) {
		vlog("kernel types: not cut (%s): the kernel's whole BTF is read", strerror(-err));
		return err;
	}
	snprintf(path, n, "%s/kernel-types-%08x.btf", dir, key);
	if (usable(path)) {
		vlog("kernel types: %s (cached)", path);
		return 0;
	}
	made = anon_path(key);
	if (made) {
		snprintf(path, n, "%s", made);
		vlog("kernel types: %s (cut before)", path);
		return 0;
	}
	kernel = btf__load_vmlinux_btf();
	if (!kernel)
		return -errno;
	cut = cut_types(kernel, &rs);
	btf__free(kernel);
	if (!cut)
		return -ENOENT;
	data = btf__raw_data(cut, &size);
	err = data ? write_cache(dir, path, data, size) : -ENOMEM;
	if (err && data) {
		vlog("kernel types: cannot cache them in %s (%s)", dir, strerror(-err));
		err = write_anonymous(data, size, path, n);
		if (!err)
			anon_keep(key, path);
	}
	if (!err)
		vlog("kernel types: %d of them cut into %s", (int)btf__type_cnt(cut) - 1, path);
	btf__free(cut);
	return err;
}

int kbtf_path(const void *elf, size_t elf_sz, char *path, size_t n)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* tracers may load at once */
	int err;

	pthread_mutex_lock(&lock);
	err = find_or_cut(elf, elf_sz, path, n);
	pthread_mutex_unlock(&lock);
	return err;
}
