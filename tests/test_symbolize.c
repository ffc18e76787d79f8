// SPDX-License-Identifier: MIT
/*
 * Reports symbolized as syzkaller's are: every frame with its file:line
 * relative to the source tree, an inlined function expanded on a line of
 * its own before the function it was inlined into, and the memory of an
 * access named by global, cache and member. Line numbers move with every
 * edit, so frames are matched by pattern.
 */
#include <criterion/criterion.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/sim.h"
#include "harness.h"
#include "programs/symprogs.h"
#include "engine/machine.h"

#define K(cpu_, fn_)	{ .cpu = (cpu_), .fn = (fn_), .name = "ktask" }

/* The first report of @c explored booted with @detect under dfs:1. */
static struct sim_result explore(struct harness_case *c, unsigned int detect)
{
	struct sim_explore_opts o = { .strategy = "dfs:1", .seed = 1, .budget = 2000 };
	struct sim_result r;

	c->name = "sym";
	c->detect = detect;
	c->flags = SIM_PROG_BOOT;
	r = harness_explore_case(c, &o);
	cr_assert_eq(r.failures, 1, "%s", r.message);
	cr_assert_not_null(r.reports);
	return r;
}

static void expect_match(const char *text, const char *pattern)
{
	regex_t re;

	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0, "%s", pattern);
	cr_expect_eq(regexec(&re, text, 0, NULL, 0), 0, "/%s/ not in:\n%s", pattern, text);
	regfree(&re);
}

/* No path of this machine: every file is relative to the source tree. */
static void expect_relative_paths(const char *text)
{
	cr_expect_null(strstr(text, HVSIM_SOURCE_DIR), "%s", text);
	expect_match(text, "^ sym_[a-z_]+\\+0x[0-9a-f]+/0x[0-9a-f]+ tests/programs/symprogs\\.c:[0-9]+$");
}

Test(symbolize, an_inlined_access_gets_its_own_frame_and_file_line, .timeout = 60)
{
	struct harness_case c = { .ncpus = 2,
		.tasks = { K(0, sym_inline_writer), K(1, sym_pair_reader) } };
	struct sim_result r = explore(&c, SIM_DETECT_RACE);

	/* The title names the functions the kernel prints, not the inlined one. */
	cr_expect_str_eq(r.message, "BUG: KCSAN: data-race in sym_inline_writer / sym_pair_reader");
	expect_match(r.reports,
		     "^write to 0x[0-9a-f]+ of 8 bytes by task [0-9]+ on cpu 0:\n"
		     " at sym_pair\\+0x8 \\(sym_pair\\.b\\)\n"
		     " sym_pair_set tests/programs/symprogs\\.c:[0-9]+ \\[inline\\]\n"
		     " sym_inline_writer\\+0x[0-9a-f]+/0x[0-9a-f]+ tests/programs/symprogs\\.c:[0-9]+\n");
	expect_match(r.reports,
		     "^read to 0x[0-9a-f]+ of 8 bytes by task [0-9]+ on cpu 1:\n"
		     " at sym_pair\\+0x8 \\(sym_pair\\.b\\)\n"
		     " sym_pair_reader\\+0x[0-9a-f]+/0x[0-9a-f]+ tests/programs/symprogs\\.c:[0-9]+\n");
	expect_relative_paths(r.reports);
	sim_result_release(&r);
}

Test(symbolize, a_global_is_named_by_its_symbol, .timeout = 60)
{
	struct harness_case c = { .ncpus = 2,
		.tasks = { K(0, sym_counter_writer), K(1, sym_counter_reader) } };
	struct sim_result r = explore(&c, SIM_DETECT_RACE);

	expect_match(r.reports, "^write to 0x[0-9a-f]+ of 8 bytes by task [0-9]+ on cpu 0:\n"
				" at sym_counter\n sym_counter_writer\\+");
	expect_match(r.reports, "^read to .*:\n at sym_counter\n sym_counter_reader\\+");
	sim_result_release(&r);
}

Test(symbolize, a_kmalloc_object_is_named_by_its_size_class, .timeout = 60)
{
	struct harness_case c = { .ncpus = 2,
		.tasks = { K(0, sym_kmalloc_writer), K(1, sym_heap_reader) } };
	struct sim_result r = explore(&c, SIM_DETECT_RACE);

	/* sizeof(struct sym_obj) is 32: kmalloc-32, inner.y[1] at 16; no type, no member. */
	expect_match(r.reports, "^write to 0xffff888[0-9a-f]+ of 4 bytes .*:\n at kmalloc-32\\+0x10\n"
				" publish_and_write");
	expect_match(r.reports, "^read to .*:\n at kmalloc-32\\+0x10\n sym_heap_reader\\+");
	sim_result_release(&r);
}

Test(symbolize, a_cache_object_is_named_by_cache_and_member, .timeout = 60)
{
	struct harness_case c = { .ncpus = 2,
		.tasks = { K(0, sym_cache_writer), K(1, sym_heap_reader) } };
	struct sim_result r = explore(&c, SIM_DETECT_RACE);
	char caller[256];

	expect_match(r.reports, "^write to 0xffff888[0-9a-f]+ of 4 bytes .*:\n"
				" at sym_obj\\+0x10 \\(sym_obj->inner\\.y\\[1\\]\\)\n");
	expect_match(r.reports, "^read to .*:\n at sym_obj\\+0x10 \\(sym_obj->inner\\.y\\[1\\]\\)\n");
	/* The inlined function (gcc may split it in two), then its caller at the call's line. */
	snprintf(caller, sizeof(caller),
		 "^( publish_and_write tests/programs/symprogs\\.c:[0-9]+ \\[inline\\]\n)+"
		 " sym_cache_writer\\+0x[0-9a-f]+/0x[0-9a-f]+ tests/programs/symprogs\\.c:%d\n",
		 sym_cache_writer_call_line);
	expect_match(r.reports, caller);
	sim_result_release(&r);
}

Test(symbolize, kasan_names_the_cache_of_a_freed_object, .timeout = 60)
{
	struct harness_case c = { .ncpus = 1, .tasks = { K(0, sym_cache_uaf) } };
	struct sim_result r = explore(&c, SIM_DETECT_MEM);

	cr_expect_str_eq(r.message, "BUG: KASAN: use-after-free in sym_cache_uaf");
	expect_match(r.reports, "^Read of size 4 at addr 0x[0-9a-f]+ by task ktask/[0-9]+\n"
				" at sym_obj\\+0x8 \\(sym_obj->inner\\.x\\)\n");
	expect_match(r.reports, "^ which belongs to the cache sym_obj of size 32$");
	expect_match(r.reports, "^Freed by task [0-9]+:\n"
				" sym_cache_uaf\\+0x[0-9a-f]+/0x[0-9a-f]+ tests/programs/symprogs\\.c:[0-9]+\n");
	sim_result_release(&r);
}

Test(symbolize, a_cache_destroyed_with_live_objects_is_reported, .timeout = 60)
{
	struct harness_case c = { .ncpus = 1, .tasks = { K(0, sym_cache_destroy_live) } };
	struct sim_result r = explore(&c, SIM_DETECT_MEM);

	cr_expect_str_eq(r.message,
			 "BUG sym_tmp (Not tainted): Objects remaining in sym_tmp on __kmem_cache_shutdown()");
	expect_match(r.reports, "^Slab cache sym_tmp still has 1 object\n");
	expect_match(r.reports, "^ sym_cache_destroy_live\\+0x[0-9a-f]+/0x[0-9a-f]+ tests/programs/symprogs\\.c:[0-9]+$");
	sim_result_release(&r);
}

/* The same run gives the same text, and its token replays it byte for byte. */
Test(symbolize, reports_are_the_same_in_every_run, .timeout = 60)
{
	struct harness_case c = { .ncpus = 2,
		.tasks = { K(0, sym_cache_writer), K(1, sym_heap_reader) } };
	struct sim_result a = explore(&c, SIM_DETECT_RACE);
	struct sim_result b = explore(&c, SIM_DETECT_RACE);
	struct sim_program p = harness_program(&c);

	cr_expect_str_eq(a.reports, b.reports);
	harness_expect_replays(&p, &a);
	sim_result_release(&a);
	sim_result_release(&b);
}

/* Members by offset from DWARF: nested structs with '.', arrays with [i], padding unknown. */
Test(symbolize, members_are_named_from_dwarf, .timeout = 60)
{
	char buf[128];

	cr_assert(machine_member(NULL, "sym_obj", 0, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "a");
	cr_assert(machine_member(NULL, "sym_obj", 8, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "inner.x");
	cr_assert(machine_member(NULL, "sym_obj", 21, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "inner.y[2]");
	cr_expect_not(machine_member(NULL, "sym_obj", 32, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "");
	cr_expect_not(machine_member(NULL, "no_such_struct", 0, buf, sizeof(buf)));
}
