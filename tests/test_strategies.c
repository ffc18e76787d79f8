// SPDX-License-Identifier: MIT
/* The strategies: each finds what it must and covers what it claims. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/sim.h"
#include "harness.h"
#include "../examples/examples.h"
#include "programs/progs.h"

static struct sim_result explore(const char *name, const char *strategy, uint64_t seed,
				 uint64_t budget)
{
	const struct example *ex = example_find(name);
	struct sim_explore_opts o = { .strategy = strategy, .seed = seed, .budget = budget };
	struct sim_result r;

	cr_assert_not_null(ex, "no example %s", name);
	r = harness_explore(&ex->program, &o);
	return r;
}

/* No pointers: Criterion may pass parameters to a fresh process image. */
struct find_case {
	char strategy[16];
	uint64_t seed;
};

ParameterizedTestParameters(strategies, lost_update_is_found)
{
	static struct find_case cases[] = {
		{ "random", 1 }, { "random", 2 }, { "random", 3 }, { "random", 4 },
		{ "pct:2", 1 }, { "pct:2", 2 }, { "pct:2", 3 }, { "pct:2", 4 },
		{ "dfs:1", 0 }, { "dfs:2", 0 }, { "timed", 1 }, { "pct:3", 5 },
	};

	return cr_make_param_array(struct find_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct find_case *c, strategies, lost_update_is_found, .timeout = 30)
{
	struct sim_result r = explore("lost-update", c->strategy, c->seed, 10000);

	cr_expect_eq(r.failures, 1, "%s seed %lu: no lost update in %lu schedules",
		     c->strategy, (unsigned long)c->seed, (unsigned long)r.schedules);
	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "lost update") != NULL, "%s", r.message);
	cr_expect_not_null(r.token);
	sim_result_release(&r);
}

Test(strategies, dfs_without_preemptions_cannot_lose_the_update, .timeout = 30)
{
	struct sim_result r = explore("lost-update", "dfs:0", 0, 10000);

	cr_expect_eq(r.failures, 0);
	cr_expect(r.exhausted);
	sim_result_release(&r);
}

Test(strategies, locked_counter_exhausts_clean_under_dfs2, .timeout = 60)
{
	struct sim_result r1 = explore("lost-update-locked", "dfs:1", 0, 1000000);
	struct sim_result r2 = explore("lost-update-locked", "dfs:2", 0, 1000000);

	cr_expect_eq(r2.failures, 0, "%s", r2.message);
	cr_expect(r2.exhausted, "dfs:2 did not exhaust in %lu schedules",
		  (unsigned long)r2.schedules);
	cr_expect_geq(r2.max_run_steps, 10000, "the example must run 10,000+ steps");
	cr_expect(r1.exhausted);
	cr_expect_lt(r1.schedules, r2.schedules, "a larger bound must explore more");
	sim_result_release(&r1);
	sim_result_release(&r2);
}

Test(strategies, message_passing_holds_under_every_schedule, .timeout = 60)
{
	struct sim_result d = explore("message-passing", "dfs:3", 0, 1000000);
	struct sim_result r = explore("message-passing", "random", 9, 3000);

	cr_expect_eq(d.failures, 0, "%s", d.message);
	cr_expect(d.exhausted);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	sim_result_release(&d);
	sim_result_release(&r);
}

ParameterizedTestParameters(strategies, spinlock_handoff_completes)
{
	static struct find_case cases[] = {
		{ "timed", 1 }, { "timed", 2 }, { "random", 1 }, { "random", 2 },
		{ "pct:2", 1 }, { "pct:3", 2 }, { "dfs:1", 0 },
	};

	return cr_make_param_array(struct find_case, cases, sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct find_case *c, strategies, spinlock_handoff_completes, .timeout = 60)
{
	struct sim_result r = explore("spinlock-handoff", c->strategy, c->seed, 1500);

	cr_expect_eq(r.failures, 0, "%s seed %lu: %s", c->strategy, (unsigned long)c->seed,
		     r.message);
	cr_expect_gt(r.schedules, 0);
	sim_result_release(&r);
}

/* ---- dfs covers every outcome of store buffering -------------------- */

struct sb_seen {
	unsigned int outcomes[4];	/* runs per (r0, r1) */
};

static void sb_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "sb0", prog_sb_task, (void *)(uintptr_t)0);
	sim_spawn(m, 1, "sb1", prog_sb_task, (void *)(uintptr_t)1);
}

static int sb_check(struct machine *m, void *arg, char *msg, size_t len)
{
	struct sb_seen *s = arg;
	int r0, r1;

	(void)m;
	(void)msg;
	(void)len;
	prog_sb_result(&r0, &r1);
	s->outcomes[r0 * 2 + r1]++;
	return 0;
}

Test(strategies, dfs_reaches_every_sequentially_consistent_outcome, .timeout = 30)
{
	struct sb_seen s = { { 0 } };
	struct sim_program p = { "sb", 2, sb_setup, sb_check, &s, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "dfs:2" };
	struct sim_result r;

	r = harness_explore(&p, &o);
	cr_expect(r.exhausted);
	cr_expect_eq(s.outcomes[0], 0, "r0 = r1 = 0 is not sequentially consistent");
	cr_expect_gt(s.outcomes[1], 0, "(0, 1) never reached");
	cr_expect_gt(s.outcomes[2], 0, "(1, 0) never reached");
	cr_expect_gt(s.outcomes[3], 0, "(1, 1) never reached");
	/* Where the search ended: its last round, backtracked up its first path. */
	cr_expect_eq(r.search_round, 2);
	cr_expect_gt(r.search_path, 0);
	cr_expect_lt(r.search_node, r.search_path);
	sim_result_release(&r);
}

static void private_setup(struct machine *m, void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < 4; i++)
		sim_spawn(m, i, "private", prog_private_task, (void *)(uintptr_t)i);
}

Test(strategies, dfs_does_not_branch_on_private_memory, .timeout = 30)
{
	struct sim_program p = { "private", 4, private_setup, NULL, NULL, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "dfs:2" };
	struct sim_result r;

	r = harness_explore(&p, &o);
	cr_expect(r.exhausted);
	/* At least one access per element and round (clang vectorizes the loop). */
	cr_expect_geq(r.max_run_steps, 4 * 8 * 128);
	/*
	 * No shared memory, so only task starts are decision points: the
	 * starts commute with nothing, so a few orders remain, not thousands
	 * (over the three rounds, bounds 0, 1 and 2, that dfs:2 makes).
	 */
	cr_expect_leq(r.schedules, 100, "%lu schedules", (unsigned long)r.schedules);
	sim_result_release(&r);
}

static void private_lock_setup(struct machine *m, void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < 2; i++)
		sim_spawn(m, i, "locker", prog_private_lock_task, (void *)(uintptr_t)i);
}

/*
 * A mutex only one task uses, and kfree(NULL), are no decision points
 * (their scopes: the object, nothing): 128 primitives per task, yet only
 * the tasks' starts are left to order. Were every primitive a decision
 * point, dfs:2 would run thousands of schedules here.
 */
Test(strategies, dfs_does_not_branch_on_primitives_no_other_task_uses, .timeout = 30)
{
	struct sim_program p = { "private-lock", 2, private_lock_setup, NULL, NULL,
				 SIM_DETECT_LOCKDEP, 0, NULL };
	struct sim_explore_opts o = { .strategy = "dfs:2" };
	struct sim_result r = harness_explore(&p, &o);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect(r.exhausted);
	cr_expect_leq(r.schedules, 20, "%lu schedules", (unsigned long)r.schedules);
	sim_result_release(&r);
}

Test(strategies, pct_uses_its_depth, .timeout = 30)
{
	/* pct:1 never preempts: like dfs:0 it cannot lose the update. */
	struct sim_result r = explore("lost-update", "pct:1", 1, 2000);

	cr_expect_eq(r.failures, 0);
	sim_result_release(&r);
}

Test(strategies, budget_bounds_exploration, .timeout = 30)
{
	struct sim_result r = explore("spinlock-handoff", "random", 1, 37);

	cr_expect_eq(r.schedules, 37);
	cr_expect_not(r.exhausted);
	sim_result_release(&r);
}

static void count_progress(const struct sim_result *so_far, void *arg)
{
	(void)so_far;
	(*(unsigned int *)arg)++;
}

/*
 * A host-time limit stops an exploration between runs and says so; the
 * runs it did are the same ones a schedule budget would have given.
 */
Test(strategies, max_seconds_stops_between_runs, .timeout = 60)
{
	const struct example *ex = example_find("lost-update-locked");
	unsigned int calls = 0;
	struct sim_explore_opts o = {
		.strategy = "random", .seed = 1, .budget = 100000000, .max_seconds = 1.5,
		.keep_going = true, .progress = count_progress, .progress_arg = &calls,
	};
	struct sim_explore_opts same = { .strategy = "random", .seed = 1, .keep_going = true };
	struct sim_result r, s;

	cr_assert_not_null(ex);
	r = harness_explore(&ex->program, &o);
	cr_expect(r.timed_out);
	cr_expect(!r.exhausted);
	cr_expect_lt(r.schedules, o.budget);
	cr_expect_geq(calls, 1, "no progress call in 1.5 s");
	same.budget = r.schedules;
	s = harness_explore(&ex->program, &same);
	cr_expect(!s.timed_out);
	cr_expect_eq(s.schedules, r.schedules);
	cr_expect_eq(s.total_steps, r.total_steps, "the same runs");
	sim_result_release(&r);
	sim_result_release(&s);
}
