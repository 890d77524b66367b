// SPDX-License-Identifier: BSD-2-Clause
/* --log_sparse: markers recognised by name (user/slices/sparse.c) and the slice filter in
 * user/slices/events.c: only calls within a marker's window, never the marker. */
#include <linux/types.h>
#include <string.h>
#include "test.h"
#include "vizbpf.h"
#include "user/slices/sparse.h"
#include "user/slices/events.h"
#include "events_fixture.h"

void test_sparse_marker_names(void)
{
	const char *ev = "/srv/app/vizbpf_events.py";

	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_1", ev), 1u, "depth 1");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_12", "vizbpf_events.py"), 12u, "12, bare");
	ASSERT_EQ(sparse_marker_levels("x.<locals>._vizbpf_sparse_3", ev), 3u, "qualname");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_all", ev), SPARSE_ALL, "all");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_1", "/srv/app/other.py"), 0u, "other file");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_1", "/a/my_vizbpf_events.py"), 0u, "suffix");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_0", ev), 0u, "0");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_", ev), 0u, "empty");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_2x", ev), 0u, "junk");
	ASSERT_EQ(sparse_marker_levels("_vizbpf_sparse_99999999999", ev), 0u, "too big");
	ASSERT_EQ(sparse_marker_levels("span.__enter__", ev), 0u, "span");
}

static void code(struct events_fixture *f, uint64_t addr, const char *name, const char *file)
{
	struct vz_rec_code r = { .hdr = { .pid = 10, .tid = 11, .type = VZ_REC_CODE } };

	r.code = addr;
	r.firstlineno = 1;
	r.name_hdr = (struct vz_pystr_hdr){ .kind = 1, .len = strlen(name) };
	memcpy(r.name, name, strlen(name));
	r.file_hdr = (struct vz_pystr_hdr){ .kind = 1, .len = strlen(file) };
	memcpy(r.file, file, strlen(file));
	events_handle(f->ev, &r, sizeof(r));
}

static void call(struct events_fixture *f, uint64_t ts, uint64_t code, uint64_t frame,
		 uint64_t caller)
{
	struct vz_rec_call r = { .hdr = { ts, 10, 11, VZ_REC_CALL, 0 } };

	r.code = code;
	r.frame = frame;
	r.caller = caller;
	events_handle(f->ev, &r, sizeof(r));
}

static void ret(struct events_fixture *f, uint64_t ts, uint64_t caller)
{
	struct vz_rec_return r = { .hdr = { ts, 10, 11, VZ_REC_RETURN, 0 }, .caller = caller };

	events_handle(f->ev, &r, sizeof(r));
}

/* main -> marker(2) -> dec -> mid -> leaf, then main -> mid: with --log_sparse only dec and the
 * mid under it; without it every call but the marker. */
static char *run(int log_sparse)
{
	struct events_filter filter = { .max_stack_depth = -1, .log_sparse = log_sparse };
	struct events_fixture f;
	char *out;

	if (!events_fixture_open(&f, &filter))
		return NULL;
	code(&f, 1, "main", "/p.py");
	code(&f, 2, "_vizbpf_sparse_2", "/share/vizbpf_events.py");
	code(&f, 3, "dec", "/p.py");
	code(&f, 4, "mid", "/p.py");
	code(&f, 5, "leaf", "/p.py");
	call(&f, 1000, 1, 0x100, 0);
	call(&f, 2000, 2, 0x200, 0x100);
	call(&f, 3000, 3, 0x300, 0x200);
	call(&f, 4000, 4, 0x400, 0x300);
	call(&f, 5000, 5, 0x500, 0x400);
	ret(&f, 6000, 0x400);
	ret(&f, 7000, 0x300);
	ret(&f, 8000, 0x200);
	ret(&f, 9000, 0x100);
	call(&f, 10000, 4, 0x200, 0x100);
	ret(&f, 11000, 0x100);
	ret(&f, 12000, 0);
	events_fixture_finish(&f, 0);
	events_free(f.ev);
	out = f.out;
	return out;
}

static int count(const char *s, const char *what)
{
	int n = 0;

	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

void test_sparse_filter_keeps_windows_only(void)
{
	char *out = run(1);

	if (!ASSERT_OK_PTR(out, "trace"))
		return;
	ASSERT_EQ(count(out, "\"dec (/p.py:1)\""), 1, "dec");
	ASSERT_EQ(count(out, "\"mid (/p.py:1)\""), 1, "mid inside the window only");
	ASSERT_EQ(count(out, "\"leaf (/p.py:1)\""), 0, "leaf: level 3");
	ASSERT_EQ(count(out, "\"main (/p.py:1)\""), 0, "main");
	ASSERT_EQ(count(out, "_vizbpf_sparse"), 0, "no marker");
	free(out);
	out = run(0);
	if (!ASSERT_OK_PTR(out, "trace"))
		return;
	ASSERT_EQ(count(out, "\"mid (/p.py:1)\""), 2, "every mid");
	ASSERT_EQ(count(out, "\"leaf (/p.py:1)\""), 1, "leaf");
	ASSERT_EQ(count(out, "\"main (/p.py:1)\""), 1, "main");
	ASSERT_EQ(count(out, "_vizbpf_sparse"), 0, "no marker without the option either");
	free(out);
}
