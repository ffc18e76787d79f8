// SPDX-License-Identifier: MIT
/*
 * The engine: state restore, budgets, spin parking, determinism, replay.
 * Outcomes are collected during runs and asserted after them, never from
 * inside a simulated context.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/sim.h"
#include "harness.h"
#include "../examples/examples.h"
#include "programs/progs.h"
#include "engine/token.h"

/*
 * Criterion may start each test in a fresh process image: parameters must
 * not hold pointers, so strategy names are arrays.
 */
struct strat_param {
	char name[16];
};

/* What check() saw over all runs of one exploration. */
struct seen {
	unsigned int runs;		/* check() calls */
	unsigned int bad;		/* runs whose start state was not pristine */
	unsigned int outcomes[4];	/* store buffering: index r0 * 2 + r1 */
};

static void state_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "state", prog_state_task, NULL);
}

static int state_check(struct machine *m, void *arg, char *msg, size_t len)
{
	struct seen *s = arg;

	(void)m;
	(void)msg;
	(void)len;
	s->runs++;
	if (prog_state_seen_data() != 5 || prog_state_seen_bss() != 0)
		s->bad++;
	return 0;
}

Test(engine, second_schedule_sees_first_ones_writes_undone, .timeout = 30)
{
	struct seen s = { 0 };
	struct sim_program p = { "state", 1, state_setup, state_check, &s, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "random", .budget = 3 };
	struct sim_result r;

	r = harness_explore(&p, &o);
	cr_assert_eq(r.schedules, 3);
	cr_assert_eq(s.runs, 3);
	cr_expect_eq(s.bad, 0, "a run started from another run's state");
	/* Outside runs the state is the boot state again. */
	cr_expect_eq(prog_state_seen_data(), -1);
	sim_result_release(&r);
}

static void busy_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "busy", prog_busy_task, NULL);
}

Test(engine, step_budget_is_a_hang_not_a_pass, .timeout = 30)
{
	struct sim_program p = { "busy", 1, busy_setup, NULL, NULL, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1, .max_steps = 5000 };
	struct sim_result r;

	r = harness_explore(&p, &o);
	cr_expect_eq(r.outcome, SIM_LIVELOCK);
	cr_expect_eq(r.failures, 1);
	cr_expect_eq(r.steps, 5000);
	cr_expect(strstr(r.message, "step budget") != NULL, "message: %s", r.message);
	sim_result_release(&r);
}

/*
 * lost-update's runs are 4 steps. Under a budget of 3 every one is a hang,
 * however the steps are interleaved: the last one may come from a CPU that
 * was switched away at its hook and chosen again at the other's exit.
 */
ParameterizedTestParameters(engine, step_budget_is_never_overrun)
{
	static struct strat_param strategies[] = { { "timed" }, { "random" }, { "pct:2" }, { "dfs:1" } };

	return cr_make_param_array(struct strat_param, strategies, 4);
}

ParameterizedTest(struct strat_param *strategy, engine, step_budget_is_never_overrun, .timeout = 30)
{
	const struct example *ex = example_find("lost-update");
	struct sim_explore_opts o = { .strategy = strategy->name, .seed = 1, .budget = 200 };
	struct sim_result r;

	cr_assert_not_null(ex);
	o.max_steps = 3;
	r = harness_explore(&ex->program, &o);
	cr_expect_eq(r.outcome, SIM_LIVELOCK, "%s: %s", strategy->name, r.message);
	cr_expect(strstr(r.message, "step budget") != NULL, "%s: %s", strategy->name, r.message);
	cr_expect_eq(r.steps, 3, "%s: the reported run performed %lu steps", strategy->name,
		     (unsigned long)r.steps);
	cr_expect_leq(r.max_run_steps, 3, "%s", strategy->name);
	sim_result_release(&r);
	/*
	 * Exactly the budget is not a hang: the first failure is the lost
	 * update itself, so no run before it was cut short either.
	 */
	o.max_steps = 4;
	r = harness_explore(&ex->program, &o);
	cr_expect_eq(r.outcome, SIM_FAILED, "%s: %s", strategy->name, r.message);
	cr_expect(strstr(r.message, "lost update") != NULL, "%s: %s", strategy->name, r.message);
	cr_expect_eq(r.max_run_steps, 4, "%s", strategy->name);
	sim_result_release(&r);
}

/* Every example, budgets below and at its run length: no run goes past. */
Test(engine, no_example_run_goes_past_its_step_budget, .timeout = 120)
{
	static const char *const strategies[] = { "timed", "random", "pct:3", "dfs:2" };
	static const uint64_t budgets[] = { 1, 2, 3, 5, 8, 13, 21, 34, 55 };

	for (size_t i = 0; i < nr_examples; i++) {
		for (size_t s = 0; s < 4; s++) {
			for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
				struct sim_explore_opts o = {
					.strategy = strategies[s], .seed = 5, .budget = 20,
					.max_steps = budgets[b], .keep_going = true,
				};
				struct sim_result r = harness_explore(&examples[i].program, &o);

				cr_expect_leq(r.max_run_steps, budgets[b], "%s under %s: a run of %lu steps with --max-steps %lu",
					      examples[i].name, strategies[s],
					      (unsigned long)r.max_run_steps,
					      (unsigned long)budgets[b]);
				sim_result_release(&r);
			}
		}
	}
}

static void spin_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "spinner", prog_spin_forever_task, NULL);
}

Test(engine, spinning_on_memory_nobody_writes_is_a_livelock, .timeout = 30)
{
	struct sim_program p = { "spin", 1, spin_setup, NULL, NULL, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;

	r = harness_explore(&p, &o);
	cr_expect_eq(r.outcome, SIM_LIVELOCK);
	/* Parked after two iterations, not after the default step budget. */
	cr_expect_lt(r.steps, 20);
	cr_expect(strstr(r.message, "spins") != NULL, "message: %s", r.message);
	sim_result_release(&r);
}

static void wait_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "waiter", prog_waiter_task, NULL);
	sim_spawn(m, 1, "setter", prog_setter_task, NULL);
}

static int wait_check(struct machine *m, void *arg, char *msg, size_t len)
{
	(void)m;
	(void)arg;
	if (prog_waiter_done())
		return 0;
	snprintf(msg, len, "waiter did not finish");
	return 1;
}

ParameterizedTestParameters(engine, parked_waiter_wakes_on_write)
{
	static struct strat_param strategies[] = { { "timed" }, { "random" }, { "pct:3" }, { "dfs:2" } };

	return cr_make_param_array(struct strat_param, strategies, 4);
}

ParameterizedTest(struct strat_param *strategy, engine, parked_waiter_wakes_on_write, .timeout = 30)
{
	struct sim_program p = { "wait", 2, wait_setup, wait_check, NULL, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = strategy->name, .budget = 300, .seed = 7 };
	struct sim_result r;

	r = harness_explore(&p, &o);
	cr_expect_eq(r.failures, 0, "%s: %s", strategy->name, r.message);
	/* The waiter never spins for long: parking bounds every run. */
	cr_expect_lt(r.max_run_steps, 200, "%s: a run took %lu steps", strategy->name,
		     (unsigned long)r.max_run_steps);
	sim_result_release(&r);
}

/* Spinlock handoff: parking keeps contended runs within 4x an uncontended one. */
ParameterizedTestParameters(engine, spinlock_handoff_steps_bounded)
{
	static struct strat_param strategies[] = { { "timed" }, { "random" }, { "pct:2" }, { "pct:3" } };

	return cr_make_param_array(struct strat_param, strategies, 4);
}

ParameterizedTest(struct strat_param *strategy, engine, spinlock_handoff_steps_bounded, .timeout = 60)
{
	const struct example *ex = example_find("spinlock-handoff");
	struct sim_explore_opts serial = { .strategy = "dfs:0", .budget = 1 };
	struct sim_explore_opts o = { .strategy = strategy->name, .budget = 2000, .seed = 3 };
	struct sim_result r0, r;

	cr_assert_not_null(ex);
	r0 = harness_explore(&ex->program, &serial);
	cr_assert_eq(r0.failures, 0);
	r = harness_explore(&ex->program, &o);
	cr_expect_eq(r.failures, 0, "%s: %s", strategy->name, r.message);
	cr_expect_eq(r.schedules, 2000);
	cr_expect_leq(r.max_run_steps, 4 * r0.steps, "%s: %lu steps vs %lu uncontended",
		      strategy->name, (unsigned long)r.max_run_steps, (unsigned long)r0.steps);
	sim_result_release(&r0);
	sim_result_release(&r);
}

/*
 * Test-and-set spinlocks: a failed exchange, compare-exchange or
 * test-and-set leaves the lock word as it was, so the spin loop is a pure
 * spin and parks like a READ_ONCE() loop would.
 */
struct tas_param {
	char strategy[16];
	unsigned int how;		/* PROG_TAS_XCHG, _CMPXCHG, _BIT */
};

static void tas_setup(struct machine *m, void *arg)
{
	unsigned int mode = *(const unsigned int *)arg;

	sim_spawn(m, 0, "tas0", prog_tas_task, (void *)(uintptr_t)mode);
	sim_spawn(m, 1, "tas1", prog_tas_task, (void *)(uintptr_t)(mode & PROG_TAS_HOW));
}

static int tas_check(struct machine *m, void *arg, char *msg, size_t len)
{
	(void)m;
	(void)arg;
	if (prog_tas_count() == 6)
		return 0;
	snprintf(msg, len, "counter %d, want 6", prog_tas_count());
	return 1;
}

/* A budget far below the default, so that a spin that never parks ends quickly. */
#define TAS_MAX_STEPS	200000

static struct sim_result tas_explore(unsigned int mode, const char *strategy, uint64_t budget)
{
	struct sim_program p = { "tas", 2, tas_setup, tas_check, &mode, 0, 0, NULL };
	struct sim_explore_opts o = {
		.strategy = strategy, .seed = 3, .budget = budget, .max_steps = TAS_MAX_STEPS,
	};

	return harness_explore(&p, &o);
}

ParameterizedTestParameters(engine, tas_lock_left_locked_parks_into_a_livelock)
{
	static struct tas_param p[] = {
		{ "timed", PROG_TAS_XCHG }, { "pct:3", PROG_TAS_XCHG }, { "dfs:1", PROG_TAS_XCHG },
		{ "pct:3", PROG_TAS_CMPXCHG }, { "dfs:1", PROG_TAS_CMPXCHG },
		{ "pct:3", PROG_TAS_BIT }, { "dfs:1", PROG_TAS_BIT },
	};

	return cr_make_param_array(struct tas_param, p, sizeof(p) / sizeof(p[0]));
}

ParameterizedTest(struct tas_param *t, engine, tas_lock_left_locked_parks_into_a_livelock, .timeout = 60)
{
	struct sim_result r = tas_explore(t->how | PROG_TAS_LEAK, t->strategy, 50);

	/* Every schedule hangs: both tasks end up spinning on the leaked lock. */
	cr_expect_eq(r.outcome, SIM_LIVELOCK, "%s/%u: %s", t->strategy, t->how, r.message);
	cr_expect_str_eq(r.message, "livelock: every live task spins on memory that no task will write",
			 "%s/%u: the spin never parked", t->strategy, t->how);
	cr_expect_lt(r.steps, 1000, "%s/%u: %lu steps", t->strategy, t->how, (unsigned long)r.steps);
	sim_result_release(&r);
}

ParameterizedTestParameters(engine, tas_lock_finishes_without_spinning_to_the_budget)
{
	static struct tas_param p[] = {
		{ "pct:3", PROG_TAS_XCHG }, { "dfs:1", PROG_TAS_XCHG }, { "random", PROG_TAS_XCHG },
		{ "pct:3", PROG_TAS_CMPXCHG }, { "dfs:1", PROG_TAS_CMPXCHG },
		{ "pct:3", PROG_TAS_BIT }, { "dfs:1", PROG_TAS_BIT },
	};

	return cr_make_param_array(struct tas_param, p, sizeof(p) / sizeof(p[0]));
}

ParameterizedTest(struct tas_param *t, engine, tas_lock_finishes_without_spinning_to_the_budget,
		  .timeout = 120)
{
	struct sim_result r0 = tas_explore(t->how, "dfs:0", 1);
	struct sim_result r = tas_explore(t->how, t->strategy, 300);

	cr_assert_eq(r0.failures, 0, "uncontended: %s", r0.message);
	cr_expect_eq(r.failures, 0, "%s/%u: %s", t->strategy, t->how, r.message);
	/* A waiter parks after two iterations: no run is much longer than an uncontended one. */
	cr_expect_leq(r.max_run_steps, 4 * r0.steps, "%s/%u: %lu steps vs %lu uncontended",
		      t->strategy, t->how, (unsigned long)r.max_run_steps, (unsigned long)r0.steps);
	sim_result_release(&r0);
	sim_result_release(&r);
}

/* ---- many tasks ------------------------------------------------------- */

struct wide {
	unsigned int ncpus, ntasks;
	int ret[SIM_MAX_TASKS + 8];	/* sim_spawn()'s answers, in the last run */
};

static void wide_setup(struct machine *m, void *arg)
{
	struct wide *w = arg;

	for (unsigned int i = 0; i < w->ntasks; i++)
		w->ret[i] = sim_spawn(m, i % w->ncpus, "wide", prog_arrive_task, NULL);
}

static int wide_check(struct machine *m, void *arg, char *msg, size_t len)
{
	const struct wide *w = arg;

	(void)m;
	if (prog_arrived() == (int)w->ntasks)
		return 0;
	snprintf(msg, len, "%d of %u tasks ran", prog_arrived(), w->ntasks);
	return 1;
}

Test(engine, a_task_on_each_of_many_cpus_runs, .timeout = 60)
{
	static const unsigned int ncpus[] = { 33, SIM_MAX_CPUS };

	for (unsigned int i = 0; i < 2; i++) {
		struct wide w = { .ncpus = ncpus[i], .ntasks = 2 * ncpus[i] };
		struct sim_program p = { "wide", w.ncpus, wide_setup, wide_check, &w, 0, 0, NULL };
		struct sim_explore_opts o = { .strategy = "random", .seed = 1, .budget = 5 };
		struct sim_result r = harness_explore(&p, &o);

		cr_expect_eq(r.failures, 0, "%u CPUs: %s", w.ncpus, r.message);
		for (unsigned int t = 0; t < w.ntasks; t++)
			cr_expect_eq(w.ret[t], 0, "%u CPUs: task %u refused (%d)", w.ncpus, t, w.ret[t]);
		sim_result_release(&r);
	}
}

Test(engine, spawning_past_the_task_table_is_refused, .timeout = 60)
{
	/* Room for the program's tasks is what the CPUs' idle tasks and the boot task leave. */
	const unsigned int room = SIM_MAX_TASKS - 2 - 1;
	struct wide w = { .ncpus = 2, .ntasks = room + 2 };
	struct sim_program p = { "wide", w.ncpus, wide_setup, wide_check, &w, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "timed", .seed = 1, .budget = 1 };
	struct sim_result r = harness_explore(&p, &o);

	for (unsigned int t = 0; t < room; t++)
		cr_expect_eq(w.ret[t], 0, "task %u refused (%d)", t, w.ret[t]);
	cr_expect_eq(w.ret[room], -EAGAIN);
	cr_expect_eq(w.ret[room + 1], -EAGAIN);
	/* The run does not go on without them: it fails, saying why. */
	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "2 tasks not spawned") != NULL, "%s", r.message);
	sim_result_release(&r);
}

static void stack_setup(struct machine *m, void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < 4; i++)
		sim_spawn(m, i, "stack", prog_stack_task, (void *)(uintptr_t)i);
}

static int stack_check(struct machine *m, void *arg, char *msg, size_t len)
{
	long want = prog_stack_result(0);

	(void)m;
	(void)arg;
	for (unsigned int i = 1; i < 4; i++) {
		if (prog_stack_result(i) != want) {
			snprintf(msg, len, "task %u computed %ld, task 0 %ld", i,
				 prog_stack_result(i), want);
			return 1;
		}
	}
	return want ? 0 : 1;
}

Test(engine, deep_stacks_survive_switches, .timeout = 60)
{
	struct sim_program p = { "stack", 4, stack_setup, stack_check, NULL, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "random", .budget = 200, .seed = 11 };
	struct sim_result r;

	r = harness_explore(&p, &o);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	sim_result_release(&r);
}

/* ---- determinism and replay ------------------------------------------ */

static struct sim_result explore_traced(const char *name, const char *strategy, uint64_t seed)
{
	const struct example *ex = example_find(name);
	struct sim_explore_opts o = {
		.strategy = strategy, .seed = seed, .budget = 5000, .trace_every_run = true,
	};
	struct sim_result r;

	cr_assert_not_null(ex);
	r = harness_explore(&ex->program, &o);
	cr_assert_not_null(r.trace);
	return r;
}

ParameterizedTestParameters(engine, same_inputs_same_trace)
{
	static struct strat_param strategies[] = { { "timed" }, { "random" }, { "pct:2" }, { "dfs:1" } };

	return cr_make_param_array(struct strat_param, strategies, 4);
}

ParameterizedTest(struct strat_param *strategy, engine, same_inputs_same_trace, .timeout = 60)
{
	struct sim_result a = explore_traced("spinlock-handoff", strategy->name, 5);
	struct sim_result b = explore_traced("spinlock-handoff", strategy->name, 5);
	struct sim_result c = explore_traced("spinlock-handoff", strategy->name, 6);

	cr_expect_eq(a.trace_len, b.trace_len);
	cr_expect(a.trace_len == b.trace_len && !memcmp(a.trace, b.trace, a.trace_len),
		  "%s: two explorations with one seed differ", strategy->name);
	cr_expect_str_eq(a.token, b.token);
	if (strcmp(strategy->name, "dfs:1"))	/* dfs does not use the seed */
		cr_expect(a.trace_len != c.trace_len || memcmp(a.trace, c.trace, a.trace_len),
			  "%s: seeds 5 and 6 gave the same run", strategy->name);
	sim_result_release(&a);
	sim_result_release(&b);
	sim_result_release(&c);
}

ParameterizedTestParameters(engine, token_replays_the_run_exactly)
{
	static struct strat_param strategies[] = { { "random" }, { "pct:2" }, { "dfs:1" }, { "timed" } };

	return cr_make_param_array(struct strat_param, strategies, 4);
}

ParameterizedTest(struct strat_param *strategy, engine, token_replays_the_run_exactly, .timeout = 60)
{
	const struct example *ex = example_find("lost-update");
	struct sim_result found = explore_traced("lost-update", strategy->name, 1), again;
	char err[128];

	cr_assert_eq(found.failures, 1, "%s found nothing", strategy->name);
	cr_assert_eq(sim_replay(&ex->program, found.token, true, 0, &again, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(again.outcome, SIM_FAILED);
	cr_expect_str_eq(again.message, found.message);
	cr_expect_str_eq(again.token, found.token);
	cr_expect_eq(again.trace_len, found.trace_len);
	cr_expect(again.trace_len == found.trace_len &&
		  !memcmp(again.trace, found.trace, found.trace_len),
		  "%s: the replay's trace differs from the run's", strategy->name);
	sim_result_release(&found);
	sim_result_release(&again);
}

Test(engine, replay_of_a_long_timed_run_is_exact, .timeout = 60)
{
	const struct example *ex = example_find("lost-update-locked");
	/* One traced run is enough (5000 of them took a minute under ASan). */
	struct sim_explore_opts o = {
		.strategy = "timed", .seed = 9, .budget = 1, .trace_every_run = true,
	};
	struct sim_result a, b;
	char err[128];

	cr_assert_not_null(ex);
	a = harness_explore(&ex->program, &o);
	cr_assert_not_null(a.trace);
	cr_assert_gt(a.steps, 10000);
	cr_assert_eq(sim_replay(&ex->program, a.token, true, 0, &b, err, sizeof(err)), 0, "%s", err);
	cr_expect(a.trace_len == b.trace_len && !memcmp(a.trace, b.trace, a.trace_len));
	sim_result_release(&a);
	sim_result_release(&b);
}

/*
 * A hang found under a step budget replays as that hang: the token carries
 * the budget. Replaying it under another budget would be another run, and
 * is refused; under the same one it is accepted.
 */
Test(engine, token_carries_the_step_budget, .timeout = 30)
{
	const struct example *ex = example_find("lost-update");
	struct sim_explore_opts o = {
		.strategy = "timed", .seed = 1, .budget = 1, .max_steps = 3, .trace_every_run = true,
	};
	struct sim_result found, again;
	char err[256];

	found = harness_explore(&ex->program, &o);
	cr_assert_eq(found.outcome, SIM_LIVELOCK, "%s", found.message);
	cr_assert(strstr(found.message, "step budget"), "%s", found.message);
	cr_assert_eq(sim_replay(&ex->program, found.token, true, 0, &again, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(again.outcome, SIM_LIVELOCK, "replayed as %s: %s",
		     sim_outcome_name(again.outcome), again.message);
	cr_expect_str_eq(again.message, found.message);
	cr_expect_eq(again.steps, found.steps);
	cr_expect_str_eq(again.token, found.token);
	cr_expect(again.trace_len == found.trace_len &&
		  !memcmp(again.trace, found.trace, found.trace_len), "traces differ");
	sim_result_release(&again);

	cr_assert_eq(sim_replay(&ex->program, found.token, false, 3, &again, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(again.outcome, SIM_LIVELOCK);
	sim_result_release(&again);
	err[0] = '\0';
	cr_expect_eq(sim_replay(&ex->program, found.token, false, 2, &again, err, sizeof(err)),
		     -EINVAL);
	cr_expect(strstr(err, "step budget of 3") != NULL, "%s", err);
	cr_expect(strstr(err, "does not fit") == NULL, "%s", err);
	sim_result_release(&found);
}

/* The cycle budget shapes a run too, and travels the same way. */
Test(engine, token_carries_the_cycle_budget, .timeout = 30)
{
	const struct example *ex = example_find("lost-update-locked");
	struct sim_explore_opts o = {
		.strategy = "timed", .seed = 1, .budget = 1, .max_cycles = 5000,
	};
	struct sim_result found, again;
	char err[256];

	found = harness_explore(&ex->program, &o);
	cr_assert_eq(found.outcome, SIM_LIVELOCK, "%s", found.message);
	cr_assert(strstr(found.message, "cycle budget"), "%s", found.message);
	cr_assert_eq(sim_replay(&ex->program, found.token, false, 0, &again, err, sizeof(err)), 0,
		     "%s", err);
	cr_expect_eq(again.outcome, SIM_LIVELOCK);
	cr_expect_str_eq(again.message, found.message);
	cr_expect_eq(again.steps, found.steps);
	sim_result_release(&again);
	sim_result_release(&found);
}

Test(engine, token_from_another_build_is_refused, .timeout = 30)
{
	const struct example *ex = example_find("lost-update");
	struct sim_result found = explore_traced("lost-update", "pct:2", 1), r;
	struct sim_token t;
	char err[256], *forged;

	cr_assert_eq(token_decode(found.token, &t, err, sizeof(err)), 0, "%s", err);
	t.fingerprint[0] ^= 0xff;
	forged = token_encode(t.strategy, t.seed, &t.budget, t.fingerprint, t.log, t.len);
	cr_assert_eq(sim_replay(&ex->program, forged, false, 0, &r, err, sizeof(err)), -ESTALE);
	cr_expect(strstr(err, "another build") != NULL, "%s", err);
	free(forged);
	token_release(&t);
	sim_result_release(&found);
}

Test(engine, token_for_another_program_is_refused, .timeout = 30)
{
	const struct example *other = example_find("spinlock-handoff");
	struct sim_result found = explore_traced("lost-update", "random", 1), r;
	char err[256];

	cr_assert_eq(sim_replay(&other->program, found.token, false, 0, &r, err, sizeof(err)),
		     -ESTALE);
	cr_expect(strstr(err, "other than spinlock-handoff") != NULL, "%s", err);
	sim_result_release(&found);
}

Test(engine, malformed_tokens_are_refused, .timeout = 30)
{
	const struct example *ex = example_find("lost-update");
	static const char *const bad[] = {
		"", "hv2", "hv2.random.1.AAAA", "hv2.random.x.AAAAAAAAAAA", "hv2.random.1.@@@@",
		"hv2.random.1.", "hv1.random.1.AAAAAAAAAAA",
	};
	struct sim_result r;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(sim_replay(&ex->program, bad[i], false, 0, &r, err, sizeof(err)),
			     -EINVAL, "token '%s' accepted", bad[i]);
		cr_expect(strstr(err, "token") != NULL, "'%s': %s", bad[i], err);
	}
}

Test(engine, bad_strategies_are_refused, .timeout = 10)
{
	static const char *const bad[] = {
		"fast", "pct:0", "pct:x", "pct:99", "dfs:-1", "dfs:17", "random:3", "timed:abc", "",
	};
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		cr_expect_eq(sim_strategy_check(bad[i], err, sizeof(err)), -EINVAL,
			     "'%s' accepted", bad[i]);
		cr_expect_neq(err[0], '\0', "'%s': no message", bad[i]);
	}
	cr_expect_eq(sim_strategy_check("pct:2", err, sizeof(err)), 0);
	cr_expect_eq(sim_strategy_check("dfs", err, sizeof(err)), 0);
	cr_expect_eq(sim_strategy_check("timed:0", err, sizeof(err)), 0);
}

Test(engine, one_run_through_the_parts_equals_the_first_explored, .timeout = 30)
{
	const struct example *ex = example_find("lost-update-locked");
	struct sim_explore_opts o = { .strategy = "pct:3", .seed = 42, .budget = 1 };
	struct machine *m = sim_machine_create(ex->program.ncpus);
	struct sim_result a, b, c;
	char err[128];

	cr_assert_not_null(m);
	cr_assert_null(sim_machine_create(0));
	cr_assert_eq(sim_run(m, &ex->program, "pct:3", 42, &a, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(sim_run(m, &ex->program, "pct:3", 42, &c, err, sizeof(err)), 0, "%s", err);
	b = harness_explore(&ex->program, &o);
	cr_expect_eq(a.outcome, SIM_OK);
	cr_expect_str_eq(a.token, b.token);
	cr_expect_str_eq(a.token, c.token, "a machine reused for a second run must run it the same");
	cr_expect_eq(a.steps, b.steps);
	sim_result_release(&a);
	sim_result_release(&b);
	sim_result_release(&c);
	sim_machine_destroy(m);
}
