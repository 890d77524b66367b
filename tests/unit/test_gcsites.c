// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <glob.h>
#include <stdint.h>
#include <unistd.h>
#include "symbols/gcsites.h"
#include "symbols/usdt.h"
#include "test.h"

void test_gcsites_diff_names_the_generation_that_moved(void)
{
	/* {collections, collected, uncollectable} x 3 generations */
	uint64_t before[9] = { 10, 100, 1, 5, 50, 0, 2, 20, 0 };
	uint64_t after[9] = { 10, 100, 1, 5, 50, 0, 3, 27, 2 };
	struct gc_done d;

	gc_diff(before, after, &d);
	ASSERT_EQ(d.generation, 2, "generation 2 collected");
	ASSERT_EQ(d.collected, 7, "collected");
	ASSERT_EQ(d.uncollectable, 2, "uncollectable");
	after[6] = 2;
	after[0] = 11;
	after[1] = 104;
	gc_diff(before, after, &d);
	ASSERT_EQ(d.generation, 0, "generation 0 collected");
	ASSERT_EQ(d.collected, 4, "its own count, not generation 2's");
	gc_diff(before, before, &d);
	ASSERT_EQ(d.generation, -1, "nothing moved");
}

void test_gcsites_unknown_version(void)
{
	struct gc_sites s;

	ASSERT_EQ(gc_sites_find("/nonexistent", 7, &s), -EOPNOTSUPP, "3.7 has no layout here");
	ASSERT_EQ(gc_sites_find("/nonexistent", 12, &s), -ENOENT, "a missing file");
}

/* Debian's stripped python3.11: the collector has no name there, USDT says where it runs. */
void test_gcsites_debian_usdt(void)
{
	struct gc_sites s;

	if (access("/usr/bin/python3.11", R_OK))
		return;
	ASSERT_EQ(gc_sites_find("/usr/bin/python3.11", 11, &s), 0, "found");
	ASSERT_NEQ(s.usdt_start, 0, "gc__start");
	ASSERT_NEQ(s.usdt_done, 0, "gc__done");
	ASSERT_NEQ(s.sem_start, 0, "gc__start's semaphore");
	ASSERT_EQ(s.n_funcs, 0, "no function needed");
}

/* pyenv's 3.8 has only compiler clones of collect(): both are probed. */
void test_gcsites_pyenv_clones(void)
{
	struct gc_sites s;
	glob_t g;

	if (glob("/root/.pyenv/versions/3.8.*/lib/libpython3.8.so.1.0", 0, NULL, &g))
		return;
	ASSERT_EQ(gc_sites_find(g.gl_pathv[0], 8, &s), 0, "found");
	ASSERT_EQ(s.usdt_start, 0, "no USDT in pyenv builds");
	ASSERT_EQ(s.n_funcs, 2, "collect.constprop.0 and .1");
	ASSERT_EQ(s.interp_main_off, -1, "3.8: the stats are in _PyRuntime");
	globfree(&g);
}

/* USDT argument registers -> struct pt_regs offsets (Debian's python:audit is "8@%rbx 8@%r15"). */
void test_gcsites_usdt_arg_regs(void)
{
	ASSERT_EQ(usdt_arg_reg("8@%rbx 8@%r15", 0), 40, "rbx");
	ASSERT_EQ(usdt_arg_reg("8@%rbx 8@%r15", 1), 0, "r15");
	ASSERT_EQ(usdt_arg_reg("-4@112(%rsp)", 0), -1, "a memory operand");
	ASSERT_EQ(usdt_arg_reg("8@%rbx", 1), -1, "no such argument");
	ASSERT_EQ(usdt_arg_reg("-8@%r12", 0), 24, "r12, signed");
}
