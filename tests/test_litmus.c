// SPDX-License-Identifier: MIT
/*
 * The race detector's memory model on running programs: message passing
 * and store buffering (tests/programs/litmus.c), each race-free with its
 * barriers or release/acquire pair and reported without them, under every
 * strategy. A race-free verdict counts only if some run went down the path
 * that reads the published data.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>
#include <string.h>

#include "hvsim/sim.h"
#include "harness.h"
#include "programs/litmus.h"

/* A litmus program: its tasks, and the runs where a body read published data. */
struct lcase {
	struct harness_case hc;
	unsigned int consumed_runs;
};

static int lcase_check(struct harness_case *hc, char *msg, size_t len)
{
	struct lcase *c = HARNESS_CONTAINER_OF(hc, struct lcase, hc);
	struct litmus_result r;

	(void)msg;
	(void)len;
	litmus_result(&r);
	if (r.consumed)
		c->consumed_runs++;
	return 0;
}

#define STRATEGIES(fn)	HARNESS_STRATEGIES(litmus, fn)

/* Explore @c on two CPUs with the race detector alone. */
static struct sim_result lexplore(struct lcase *c, const struct harness_strat *s)
{
	struct sim_explore_opts o = { .strategy = s->name, .seed = s->seed, .budget = 300 };

	c->hc.name = "litmus";
	c->hc.ncpus = 2;
	c->hc.detect = SIM_DETECT_RACE;
	c->hc.check = lcase_check;
	return harness_explore_case(&c->hc, &o);
}

/* Message passing of variant @v: writer on CPU 0, reader on CPU 1. */
static struct sim_result mp(struct lcase *c, enum lm_mp v, const struct harness_strat *s)
{
	*c = (struct lcase){ .hc = { .tasks = {
		{ .cpu = 0, .fn = lm_mp_writer, .arg = (void *)(uintptr_t)v, .name = "writer" },
		{ .cpu = 1, .fn = lm_mp_reader, .arg = (void *)(uintptr_t)v, .name = "reader" },
	} } };
	return lexplore(c, s);
}

/* Store buffering of variant @v: one body on each CPU. */
static struct sim_result sb(struct lcase *c, enum lm_sb v, const struct harness_strat *s)
{
	*c = (struct lcase){ .hc = { .tasks = {
		{ .cpu = 0, .fn = lm_sb_task, .arg = (void *)(uintptr_t)LM_SB_ARG(v, 0), .name = "sb0" },
		{ .cpu = 1, .fn = lm_sb_task, .arg = (void *)(uintptr_t)LM_SB_ARG(v, 1), .name = "sb1" },
	} } };
	return lexplore(c, s);
}

static void expect_clean(const struct lcase *c, struct sim_result *r)
{
	cr_expect_eq(r->failures, 0, "%s\n%s", r->message, r->reports ? r->reports : "");
	cr_expect_neq(r->outcome, SIM_FAILED, "%s", r->message);
	cr_expect_gt(c->consumed_runs, 0, "no run read the published data: the verdict means nothing");
	sim_result_release(r);
}

/* Reported as a race on the plain data between @title's two functions. */
static void expect_race(struct sim_result *r, const char *title)
{
	cr_expect_eq(r->outcome, SIM_FAILED, "%s", r->message);
	cr_expect_str_eq(r->message, title);
	cr_assert_not_null(r->reports);
	/* Both plain: the data, not the flag (marked and atomic accesses never race). */
	cr_expect(strstr(r->reports, "\nread to ") && strstr(r->reports, "\nwrite to "),
		  "%s", r->reports);
	sim_result_release(r);
}

#define MP_RACE		"BUG: KCSAN: data-race in lm_mp_reader / lm_mp_writer"
#define SB_RACE		"BUG: KCSAN: data-race in lm_sb_task / lm_sb_task"

STRATEGIES(mp_wmb_rmb_is_clean)
ParameterizedTest(struct harness_strat *s, litmus, mp_wmb_rmb_is_clean, .timeout = 60)
{
	struct lcase c;
	struct sim_result r = mp(&c, LM_MP_FENCES, s);

	expect_clean(&c, &r);
}

STRATEGIES(mp_without_fences_is_reported)
ParameterizedTest(struct harness_strat *s, litmus, mp_without_fences_is_reported, .timeout = 60)
{
	struct lcase c;
	struct sim_result r = mp(&c, LM_MP_NONE, s);

	expect_race(&r, MP_RACE);
}

STRATEGIES(mp_release_acquire_is_clean)
ParameterizedTest(struct harness_strat *s, litmus, mp_release_acquire_is_clean, .timeout = 60)
{
	struct lcase c;
	struct sim_result r = mp(&c, LM_MP_RELEASE, s);

	expect_clean(&c, &r);
}

/* set_bit() and clear_bit() are relaxed RMWs: the seed-003 shape. */
STRATEGIES(mp_through_relaxed_bit_ops_is_reported)
ParameterizedTest(struct harness_strat *s, litmus, mp_through_relaxed_bit_ops_is_reported,
		  .timeout = 60)
{
	struct lcase c;
	struct sim_result r = mp(&c, LM_MP_BIT, s);

	expect_race(&r, MP_RACE);
}

/* kvm_make_request()'s smp_wmb() and kvm_check_request()'s smp_mb__after_atomic(). */
STRATEGIES(mp_through_bit_ops_with_fences_is_clean)
ParameterizedTest(struct harness_strat *s, litmus, mp_through_bit_ops_with_fences_is_clean,
		  .timeout = 60)
{
	struct lcase c;
	struct sim_result r = mp(&c, LM_MP_BIT_FENCED, s);

	expect_clean(&c, &r);
}

STRATEGIES(sb_with_smp_mb_is_clean)
ParameterizedTest(struct harness_strat *s, litmus, sb_with_smp_mb_is_clean, .timeout = 60)
{
	struct lcase c;
	struct sim_result r = sb(&c, LM_SB_MB, s);

	expect_clean(&c, &r);
}

STRATEGIES(sb_without_barriers_is_reported)
ParameterizedTest(struct harness_strat *s, litmus, sb_without_barriers_is_reported, .timeout = 60)
{
	struct lcase c;
	struct sim_result r = sb(&c, LM_SB_NONE, s);

	expect_race(&r, SB_RACE);
}

/* A fence orders only across itself: B after the flag's store releases nothing. */
STRATEGIES(sb_with_only_the_middle_barrier_is_reported)
ParameterizedTest(struct harness_strat *s, litmus, sb_with_only_the_middle_barrier_is_reported,
		  .timeout = 60)
{
	struct lcase c;
	struct sim_result r = sb(&c, LM_SB_MIDDLE, s);

	expect_race(&r, SB_RACE);
}
