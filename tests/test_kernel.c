// SPDX-License-Identifier: MIT
/*
 * The kernel model: IPIs and the interrupt flag, locks, sleeping, preempt
 * notifiers, migration, CPU hotplug, WARN/BUG, deadlocks, the ordering
 * the first seed race lives on, the two-phase fd install, and a preempt
 * count the program keeps itself (sim_on_preemptible()). Each program judges its own end state in
 * check(); the tests assert on the exploration's result afterwards, and on
 * what a traced run records of locks, hotplug states and reports.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/sim.h"
#include "hvsim/kernel.h"
#include "hvsim/trace.h"
#include "kernel/kmodel.h"
#include "../examples/examples.h"
#include "harness.h"
#include "programs/kprogs.h"

/* Tasks that report through kprog_result(), and a judge of what they saw. */
struct kcase {
	struct harness_case hc;			/* the tasks; hc.runs counts the checks */
	int (*judge)(const struct kprog_result *r, char *msg, size_t len);
	unsigned int migrated;			/* runs where kp_sleeper_task moved */
};

/* One task of a kcase: pinned on @cpu, running @fn(@arg). */
#define T(c, f, a)	{ .cpu = (c), .fn = (f), .arg = (void *)(uintptr_t)(a), .name = "ktask" }

static int kcase_check(struct harness_case *hc, char *msg, size_t len)
{
	struct kcase *k = HARNESS_CONTAINER_OF(hc, struct kcase, hc);
	struct kprog_result r;

	kprog_result(&r);
	if (r.norder == 2 && r.order[0] != r.order[1])
		k->migrated++;
	return k->judge ? k->judge(&r, msg, len) : 0;
}

/* Explore @k; its checks default to lockdep and memory. */
static struct sim_result kexplore(struct kcase *k, const char *strategy, uint64_t seed,
				  uint64_t budget)
{
	struct sim_explore_opts o = { .strategy = strategy, .seed = seed, .budget = budget };

	k->hc.name = "kcase";
	k->hc.check = kcase_check;
	if (!k->hc.detect)
		k->hc.detect = SIM_DETECT_LOCKDEP | SIM_DETECT_MEM;
	return harness_explore_case(&k->hc, &o);
}

#define STRATEGIES(fn)	HARNESS_STRATEGIES(kernel, fn)

/* ---- IPIs ---------------------------------------------------------------- */

static int judge_on_each_cpu(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->hits[0] == 1 && r->hits[1] == 1 && r->hits[2] == 1 && r->hits[3] == 0 &&
	    r->count == 3 && !r->bad)
		return 0;
	snprintf(msg, len, "hits %d %d %d %d, sum seen %d, bad %d", r->hits[0], r->hits[1],
		 r->hits[2], r->hits[3], r->count, r->bad);
	return 1;
}

STRATEGIES(on_each_cpu_reaches_exactly_the_online_cpus)
ParameterizedTest(struct harness_strat *s, kernel, on_each_cpu_reaches_exactly_the_online_cpus,
		  .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 4, .offline = 1u << 3,
			.tasks = { T(0, kp_on_each_cpu_task, 0) },
		},
		.judge = judge_on_each_cpu,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 300);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	cr_expect_gt(k.hc.runs, 0);
	sim_result_release(&r);
}

static int judge_irq(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->flag == 0 && r->count == 1)
		return 0;
	snprintf(msg, len, "handled before STI: %d, eventually: %d", r->flag, r->count);
	return 1;
}

/* By default (the earliest arrival) the handler ran by the first step after STI. */
static int judge_irq_at_once(const struct kprog_result *r, char *msg, size_t len)
{
	if (judge_irq(r, msg, len))
		return 1;
	if (r->order[0] == 1)
		return 0;
	snprintf(msg, len, "not handled at the first step after STI");
	return 1;
}

Test(kernel, ipi_lands_at_the_first_step_after_sti_by_default, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_irq_sender_task, 0), T(1, kp_irq_target_task, 0) },
		},
		.judge = judge_irq_at_once,
	};
	struct sim_result r = kexplore(&k, "timed", 1, 1);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(k.hc.runs, 1);
	sim_result_release(&r);
}

/* Arrival points seen across an exploration: bit n, the IPI landed after n target writes. */
static unsigned int arrival_points;

static int judge_arrival(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count != 1) {
		snprintf(msg, len, "the call ran %d times", r->count);
		return 1;
	}
	arrival_points |= 1u << r->flag;
	return 0;
}

/*
 * dfs with one preemption moves the IPI's arrival across every step of the
 * target after STI: before its first write, between any two, after the
 * last. Without the arrival choice only the earliest point would be seen.
 */
Test(kernel, dfs_places_an_ipi_at_every_step_of_its_target, .timeout = 120)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_arrival_sender_task, 0), T(1, kp_arrival_target_task, 0) },
		},
		.judge = judge_arrival,
	};
	struct sim_result r;

	arrival_points = 0;
	r = kexplore(&k, "dfs:1", 0, 100000);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(r.outcome, SIM_OK, "the search finished");
	cr_expect_eq(arrival_points, 0x3fu, "arrival points seen: %#x", arrival_points);
	sim_result_release(&r);
	/* dfs:0 has no preemption to spend: the earliest point only. */
	arrival_points = 0;
	r = kexplore(&k, "dfs:0", 0, 100000);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(arrival_points, 0x1u, "dfs:0 arrival points: %#x", arrival_points);
	sim_result_release(&r);
}

STRATEGIES(ipi_waits_for_the_target_to_enable_interrupts)
ParameterizedTest(struct harness_strat *s, kernel, ipi_waits_for_the_target_to_enable_interrupts,
		  .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_irq_sender_task, 0), T(1, kp_irq_target_task, 0) },
		},
		.judge = judge_irq,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 300);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	sim_result_release(&r);
}

/* ---- hotplug ----------------------------------------------------------------- */

static int judge_hotplug_fail(const struct kprog_result *r, char *msg, size_t len)
{
	/*
	 * S starting on 2 (52), A up on 2 (12), B up on 2 fails (32), A torn
	 * down on 2 (22), S dying on 2 (62); B never torn down. Each on CPU 2,
	 * S's with interrupts off, the others' on.
	 */
	static const int want[] = { 52, 12, 32, 22, 62 };

	if (r->count == -5 && r->flag == 0 && r->norder == 5 && !r->bad &&
	    !memcmp(r->order, want, sizeof(want)))
		return 0;
	snprintf(msg, len, "add_cpu %d, online %d, bad %d, %d callbacks: %d %d %d %d %d", r->count,
		 r->flag, r->bad, r->norder, r->order[0], r->order[1], r->order[2], r->order[3],
		 r->order[4]);
	return 1;
}

STRATEGIES(failing_online_callback_rolls_the_cpu_back_on_that_cpu)
ParameterizedTest(struct harness_strat *s, kernel,
		  failing_online_callback_rolls_the_cpu_back_on_that_cpu, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 3, .offline = 1u << 2,
			.tasks = { T(0, kp_hotplug_fail_task, 0) },
		},
		.judge = judge_hotplug_fail,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 200);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	cr_expect_gt(k.hc.runs, 0);
	sim_result_release(&r);
}

static int judge_hotplug_where(const struct kprog_result *r, char *msg, size_t len)
{
	/*
	 * Setup with calls: STARTING on 0 and 1 (10, 11), ONLINE on 0 and 1
	 * (30, 31); add_cpu(2): 12, 32; remove_cpu(2): 42, then DYING 22.
	 * Every callback on its own CPU, the atomic ones with interrupts off.
	 */
	static const int want[] = { 10, 11, 30, 31, 12, 32, 42, 22 };

	if (!r->count && !r->flag && !r->bad && r->norder == 8 &&
	    !memcmp(r->order, want, sizeof(want)))
		return 0;
	snprintf(msg, len, "add/remove %d, online %d, bad %d, %d callbacks: %d %d %d %d %d %d %d %d",
		 r->count, r->flag, r->bad, r->norder, r->order[0], r->order[1], r->order[2],
		 r->order[3], r->order[4], r->order[5], r->order[6], r->order[7]);
	return 1;
}

STRATEGIES(hotplug_callbacks_run_on_their_cpu)
ParameterizedTest(struct harness_strat *s, kernel, hotplug_callbacks_run_on_their_cpu, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 3, .offline = 1u << 2,
			.tasks = { T(0, kp_hotplug_where_task, 0) },
		},
		.judge = judge_hotplug_where,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 200);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	cr_expect_gt(k.hc.runs, 0);
	sim_result_release(&r);
}

static int judge_affinity(const struct kprog_result *r, char *msg, size_t len)
{
	/* -EINVAL for an empty and an offline-only mask; then on CPU 2 at once, notifiers paired. */
	if (!r->bad && !r->count && r->order[0] != 2 && r->order[1] == 2 && r->sched_out >= 1 &&
	    r->sched_in == r->sched_out && r->hits[7] == 2)
		return 0;
	snprintf(msg, len, "bad %d, ret %d, CPU %d -> %d, notifiers out %d in %d (last on %d)",
		 r->bad, r->count, r->order[0], r->order[1], r->sched_out, r->sched_in, r->hits[7]);
	return 1;
}

STRATEGIES(sched_setaffinity_moves_a_task_onto_a_hot_added_cpu)
ParameterizedTest(struct harness_strat *s, kernel, sched_setaffinity_moves_a_task_onto_a_hot_added_cpu,
		  .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 3, .offline = 1u << 2,
			.tasks = {
				{ .cpu = 0, .fn = kp_affinity_user_task, .name = "user", .user = true },
				T(1, kp_add_cpu2_task, 0),
			},
		},
		.judge = judge_affinity,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 200);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	cr_expect_gt(k.hc.runs, 0);
	sim_result_release(&r);
}

/* ---- locks ---------------------------------------------------------------------- */

static int judge_mutex(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 9 && !r->bad)
		return 0;
	snprintf(msg, len, "count %d, exclusion broken %d", r->count, r->bad);
	return 1;
}

STRATEGIES(mutex_excludes_and_sleepers_share_a_cpu)
ParameterizedTest(struct harness_strat *s, kernel, mutex_excludes_and_sleepers_share_a_cpu,
		  .timeout = 120)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_mutex_task, 0), T(0, kp_mutex_task, 1), T(1, kp_mutex_task, 2) },
		},
		.judge = judge_mutex,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 300);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	sim_result_release(&r);
}

static int judge_rwsem(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 2 && !r->bad)
		return 0;
	snprintf(msg, len, "writes %d, writer met readers %d", r->count, r->bad);
	return 1;
}

STRATEGIES(rwsem_readers_share_writers_exclude)
ParameterizedTest(struct harness_strat *s, kernel, rwsem_readers_share_writers_exclude,
		  .timeout = 120)
{
	struct kcase k = {
		.hc = {
			.ncpus = 3,
			.tasks = { T(0, kp_rwsem_task, 0), T(1, kp_rwsem_task, 1), T(2, kp_rwsem_task, 2) },
		},
		.judge = judge_rwsem,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 300);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	sim_result_release(&r);
}

static int judge_readers_shared(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->flag >= 2) {
		snprintf(msg, len, "%d readers inside at once", r->flag);
		return 1;
	}
	return 0;
}

Test(kernel, readers_do_share_the_rwsem_in_some_schedule, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 3,
			.tasks = { T(0, kp_rwsem_task, 0), T(1, kp_rwsem_task, 1), T(2, kp_rwsem_task, 2) },
		},
		.judge = judge_readers_shared,
	};
	struct sim_result r = kexplore(&k, "dfs:2", 0, 20000);

	cr_expect_eq(r.failures, 1, "two readers were never inside together");
	sim_result_release(&r);
}

static int judge_spin_irq(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 6)
		return 0;
	snprintf(msg, len, "count %d", r->count);
	return 1;
}

STRATEGIES(spinlock_irqsave_excludes)
ParameterizedTest(struct harness_strat *s, kernel, spinlock_irqsave_excludes, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_spin_irq_task, 0), T(1, kp_spin_irq_task, 1) },
		},
		.judge = judge_spin_irq,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 300);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	sim_result_release(&r);
}

/* ---- deadlock ---------------------------------------------------------------------- */

Test(kernel, lockdep_sees_abba_in_a_schedule_that_does_not_deadlock, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_abba_task, 0), T(1, kp_abba_task, 1) },
		},
	};
	/* timed's first run: one task finishes before the other starts. */
	struct sim_result r = kexplore(&k, "dfs:0", 0, 1);

	cr_expect_eq(r.schedules, 1);
	cr_expect_eq(r.outcome, SIM_FAILED, "%s", sim_outcome_name(r.outcome));
	cr_expect_str_eq(r.message, "WARNING: possible circular locking dependency detected");
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "*** DEADLOCK ***") != NULL, "%s", r.reports);
	cr_expect(strstr(r.reports, "kp_a") && strstr(r.reports, "kp_b"), "%s", r.reports);
	sim_result_release(&r);
}

Test(kernel, abba_deadlocks_in_some_schedule, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2, .detect = SIM_DETECT_MEM,	/* lockdep off: find the deadlock itself */
			.tasks = { T(0, kp_abba_task, 0), T(1, kp_abba_task, 1) },
		},
	};
	struct sim_result d = kexplore(&k, "dfs:2", 0, 100000);
	struct sim_result p = kexplore(&k, "pct:3", 1, 5000);

	cr_expect_eq(d.outcome, SIM_DEADLOCK, "dfs: %s", d.message);
	cr_expect(strstr(d.message, "deadlock") != NULL, "%s", d.message);
	cr_expect_not_null(d.reports);
	if (d.reports)
		cr_expect(strstr(d.reports, "sleeps on kp_") != NULL, "%s", d.reports);
	cr_expect_eq(p.outcome, SIM_DEADLOCK, "pct: %s", p.message);
	sim_result_release(&d);
	sim_result_release(&p);
}

Test(kernel, consistent_lock_order_never_deadlocks, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_abba_task, 0), T(1, kp_abba_task, 0) },
		},
	};
	struct sim_result d = kexplore(&k, "dfs:2", 0, 100000);

	cr_expect_eq(d.failures, 0, "%s", d.message);
	cr_expect(d.exhausted);
	sim_result_release(&d);
}

/* ---- sleeping and waking ---------------------------------------------------------- */

static int judge_consumer(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 42 && r->norder == 1)
		return 0;
	snprintf(msg, len, "item %d, woken %d", r->count, r->norder);
	return 1;
}

STRATEGIES(completion_and_wait_queue_lose_no_wakeup)
ParameterizedTest(struct harness_strat *s, kernel, completion_and_wait_queue_lose_no_wakeup,
		  .timeout = 120)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_consumer_task, 0), T(1, kp_producer_task, 0) },
		},
		.judge = judge_consumer,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 300);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	sim_result_release(&r);
}

static int judge_notifier(const struct kprog_result *r, char *msg, size_t len)
{
	if (!r->bad && r->hits[0] == 20 && r->hits[1] == 20)
		return 0;
	snprintf(msg, len, "in %d out %d bad %d", r->sched_in, r->sched_out, r->bad);
	return 1;
}

static int judge_notifier_preempted(const struct kprog_result *r, char *msg, size_t len)
{
	if (judge_notifier(r, msg, len))
		return 1;
	/* Report a run where preemption happened, so the test can see one. */
	if (r->sched_out > 0) {
		snprintf(msg, len, "preempted: in %d out %d", r->sched_in, r->sched_out);
		return 1;
	}
	return 0;
}

Test(kernel, preempt_notifiers_pair_up, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 1,
			.tasks = { T(0, kp_notifier_task, 0), T(0, kp_busy_task, 0) },
		},
		.judge = judge_notifier,
	};
	struct kcase seen = k;
	struct sim_result r = kexplore(&k, "random", 1, 500);
	struct sim_result pre;

	cr_expect_eq(r.failures, 0, "%s", r.message);
	/* And preemption with notifiers does happen under random. */
	seen.judge = judge_notifier_preempted;
	pre = kexplore(&seen, "random", 1, 500);
	cr_expect_eq(pre.failures, 1, "no run was preempted while the notifier was registered");
	cr_expect(strstr(pre.message, "preempted") != NULL, "%s", pre.message);
	sim_result_release(&r);
	sim_result_release(&pre);
}

static int judge_migrated(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->norder == 2 && r->order[0] != r->order[1]) {
		snprintf(msg, len, "migrated from CPU%d to CPU%d", r->order[0], r->order[1]);
		return 1;
	}
	return 0;
}

Test(kernel, a_woken_task_may_migrate, .timeout = 60)
{
	struct kcase pinned = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_sleeper_task, 0), T(1, kp_waker_task, 0) },
		},
		.judge = judge_migrated,
	};
	struct kcase free = pinned;
	struct sim_result r, f, d;

	free.hc.tasks[0].migratable = true;
	r = kexplore(&pinned, "random", 1, 500);
	cr_expect_eq(r.failures, 0, "a pinned task moved: %s", r.message);
	f = kexplore(&free, "random", 1, 500);
	cr_expect_eq(f.failures, 1, "random never migrated the woken task");
	cr_expect(strstr(f.message, "from CPU0 to CPU1") != NULL, "%s", f.message);
	d = kexplore(&free, "dfs:1", 0, 10000);
	cr_expect_eq(d.failures, 1, "dfs:1 never tried the migration");
	sim_result_release(&r);
	sim_result_release(&f);
	sim_result_release(&d);
}

static int judge_busy_mover(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->bad) {
		snprintf(msg, len, "notifiers out of order: bad %d, out %d in %d", r->bad,
			 r->sched_out, r->sched_in);
		return 1;
	}
	return judge_migrated(r, msg, len);
}

Test(kernel, a_preempted_task_may_migrate_without_blocking, .timeout = 60)
{
	struct kcase pinned = {
		.hc = { .ncpus = 2, .tasks = { T(0, kp_busy_mover_task, 0) } },
		.judge = judge_busy_mover,
	};
	struct kcase free = pinned;
	struct sim_result r, t, f;

	free.hc.tasks[0].migratable = true;
	/* Pinned, it never moves; unpinned under timed (every choice the default), neither. */
	r = kexplore(&pinned, "random", 1, 300);
	cr_expect_eq(r.failures, 0, "a pinned task moved: %s", r.message);
	t = kexplore(&free, "timed", 1, 20);
	cr_expect_eq(t.failures, 0, "moved by default: %s", t.message);
	/* Some random schedule pushes it to the idle CPU 1, its notifiers paired. */
	f = kexplore(&free, "random", 1, 300);
	cr_expect_eq(f.failures, 1, "random never moved the busy task");
	cr_expect(strstr(f.message, "from CPU0 to CPU1") != NULL, "%s", f.message);
	sim_result_release(&r);
	sim_result_release(&t);
	sim_result_release(&f);
}

Test(kernel, a_long_sleep_is_a_hung_task, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2, .detect = SIM_DETECT_LOCKDEP,
			.tasks = { T(0, kp_hung_task, 0), T(1, kp_long_worker_task, 0) },
		},
	};
	struct sim_result r = kexplore(&k, "timed", 1, 1);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "INFO: task ktask:") == r.message, "%s", r.message);
	cr_expect(strstr(r.message, "blocked for more than 16777216 cycles") != NULL, "%s", r.message);
	sim_result_release(&r);
}

Test(kernel, a_short_sleep_is_not_a_hung_task, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_consumer_task, 0), T(1, kp_producer_task, 0) },
		},
	};
	struct sim_result r = kexplore(&k, "timed", 1, 20);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	sim_result_release(&r);
}

/* Asleep as long, but interruptibly or killably: Linux's check passes over both. */
static int judge_hung_intr(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 0 && r->norder == 1)
		return 0;
	snprintf(msg, len, "wait returned %d, finished %d", r->count, r->norder);
	return 1;
}

Test(kernel, a_long_interruptible_or_killable_sleep_is_not_a_hung_task, .timeout = 60)
{
	for (int killable = 0; killable < 2; killable++) {
		struct kcase k = {
			.hc = {
				.ncpus = 2, .detect = SIM_DETECT_LOCKDEP,
				.tasks = { T(0, kp_hung_intr_task, killable),
					   T(1, kp_long_worker_task, 0) },
			},
			.judge = judge_hung_intr,
		};
		struct sim_result r = kexplore(&k, "timed", 1, 1);

		cr_expect_eq(r.outcome, SIM_OK, "killable %d: %s", killable, r.message);
		cr_expect_eq(r.failures, 0, "killable %d: %s", killable, r.message);
		cr_expect_null(r.reports, "killable %d: %s", killable, r.reports);
		sim_result_release(&r);
	}
}

/* ---- sleep states: the program's end kills interruptible sleepers -------------- */

/* Which wait kp_intr_waiter_task uses (its argument) in the case being explored. */
static unsigned int killed_variant;

static int judge_killed_waiter(const struct kprog_result *r, char *msg, size_t len)
{
	/* wait_event_interruptible and the completion: -ERESTARTSYS; rcuwait: -EINTR. */
	int want = killed_variant == 2 ? -EINTR : -KP_ERESTARTSYS;

	if (r->norder == 2 && r->order[0] == want && r->order[1] == want)
		return 0;
	snprintf(msg, len, "results %d (%d, %d), want %d", r->norder, r->order[0], r->order[1], want);
	return 1;
}

STRATEGIES(interruptible_waiter_at_program_end_is_killed_cleanly)
ParameterizedTest(struct harness_strat *s, kernel, interruptible_waiter_at_program_end_is_killed_cleanly,
		  .timeout = 60)
{
	for (killed_variant = 0; killed_variant < 3; killed_variant++) {
		struct kcase k = {
			.hc = {
				.ncpus = 2,
				.tasks = { T(0, kp_intr_waiter_task, killed_variant),
					   T(1, kp_busy_task, 0) },
			},
			.judge = judge_killed_waiter,
		};
		struct sim_result r = kexplore(&k, s->name, s->seed, 100);

		cr_expect_eq(r.failures, 0, "%s variant %u: %s", s->name, killed_variant, r.message);
		cr_expect_gt(k.hc.runs, 0);
		sim_result_release(&r);
	}
}

static int judge_killed_syscall(const struct kprog_result *r, char *msg, size_t len)
{
	if (!r->bad && r->norder == 1 && r->count == -EINTR)
		return 0;
	snprintf(msg, len, "ioctl returned %d (finished %d), bad %d", r->count, r->norder, r->bad);
	return 1;
}

STRATEGIES(system_call_asleep_at_program_end_returns_eintr)
ParameterizedTest(struct harness_strat *s, kernel, system_call_asleep_at_program_end_returns_eintr,
		  .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = {
				T(0, kp_idle_dev_task, 0),
				{ .cpu = 1, .fn = kp_idle_user_task, .name = "user", .user = true },
			},
		},
		.judge = judge_killed_syscall,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 100);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	cr_expect_gt(k.hc.runs, 0);
	sim_result_release(&r);
}

Test(kernel, uninterruptible_sleeper_beside_an_interruptible_one_still_deadlocks, .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_intr_waiter_task, 0), T(1, kp_hung_task, 0) },
		},
	};
	struct sim_result r = kexplore(&k, "timed", 1, 1);

	cr_expect_eq(r.outcome, SIM_DEADLOCK, "%s: %s", sim_outcome_name(r.outcome), r.message);
	cr_expect_str_eq(r.message, "INFO: deadlock: 2 tasks blocked and nothing can run");
	sim_result_release(&r);
}

static int judge_killable_mutex(const struct kprog_result *r, char *msg, size_t len)
{
	if (!r->bad && r->hits[0] == -KP_ERESTARTSYS && r->hits[1] == -EINTR)
		return 0;
	snprintf(msg, len, "owner's wait %d, mutex_lock_killable %d, bad %d", r->hits[0],
		 r->hits[1], r->bad);
	return 1;
}

STRATEGIES(mutex_lock_killable_gives_up_on_a_fatal_signal)
ParameterizedTest(struct harness_strat *s, kernel, mutex_lock_killable_gives_up_on_a_fatal_signal,
		  .timeout = 60)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_kill_owner_task, 0), T(1, kp_kill_waiter_task, 0) },
		},
		.judge = judge_killable_mutex,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 100);

	/* Lockdep would see the mutex held at exit had the failed lock stayed held. */
	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	cr_expect_gt(k.hc.runs, 0);
	sim_result_release(&r);
}

static int judge_exclusive(const struct kprog_result *r, char *msg, size_t len)
{
	int woken = (r->hits[0] == 0) + (r->hits[1] == 0);
	int killed = (r->hits[0] == -KP_ERESTARTSYS) + (r->hits[1] == -KP_ERESTARTSYS);

	if (woken == 1 && killed == 1)
		return 0;
	snprintf(msg, len, "waiters returned %d and %d", r->hits[0], r->hits[1]);
	return 1;
}

static int judge_nonexclusive(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->hits[0] == 0 && r->hits[1] == 0)
		return 0;
	snprintf(msg, len, "waiters returned %d and %d", r->hits[0], r->hits[1]);
	return 1;
}

STRATEGIES(wake_up_wakes_one_exclusive_waiter_and_every_other)
ParameterizedTest(struct harness_strat *s, kernel, wake_up_wakes_one_exclusive_waiter_and_every_other,
		  .timeout = 120)
{
	for (int excl = 0; excl < 2; excl++) {
		struct kcase k = {
			.hc = {
				.ncpus = 3,
				.tasks = { T(0, kp_x_waiter_task, excl * 2),
					   T(1, kp_x_waiter_task, excl * 2 + 1),
					   T(2, kp_x_waker_task, 0) },
			},
			.judge = excl ? judge_exclusive : judge_nonexclusive,
		};
		struct sim_result r = kexplore(&k, s->name, s->seed, 100);

		cr_expect_eq(r.failures, 0, "%s exclusive %d: %s", s->name, excl, r.message);
		cr_expect_gt(k.hc.runs, 0);
		sim_result_release(&r);
	}
}

static int judge_rcuwait(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 0 && r->norder == 1 && r->order[0] == 1)
		return 0;
	snprintf(msg, len, "wait returned %d, finished %d", r->count, r->norder);
	return 1;
}

STRATEGIES(rcuwait_loses_no_wakeup)
ParameterizedTest(struct harness_strat *s, kernel, rcuwait_loses_no_wakeup, .timeout = 120)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2,
			.tasks = { T(0, kp_rcuwait_waiter_task, 0), T(1, kp_rcuwait_waker_task, 0) },
		},
		.judge = judge_rcuwait,
	};
	struct sim_result r = kexplore(&k, s->name, s->seed, 300);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	cr_expect_gt(k.hc.runs, 0);
	sim_result_release(&r);
}

static int judge_misc(const struct kprog_result *r, char *msg, size_t len)
{
	if (!r->bad && r->count == 1)
		return 0;
	snprintf(msg, len, "failed checks mask %#x", (unsigned int)r->bad);
	return 1;
}

STRATEGIES(atomics_bitops_percpu_xarray_behave)
ParameterizedTest(struct harness_strat *s, kernel, atomics_bitops_percpu_xarray_behave, .timeout = 60)
{
	struct kcase k = { .hc = { .ncpus = 2, .tasks = { T(0, kp_misc_task, 0) } }, .judge = judge_misc };
	struct sim_result r = kexplore(&k, s->name, s->seed, 50);

	cr_expect_eq(r.failures, 0, "%s: %s", s->name, r.message);
	sim_result_release(&r);
}

static int judge_remove_cpu(const struct kprog_result *r, char *msg, size_t len)
{
	/* Startup ran on 0, 1, 2 (50..52); teardown on 2 only (62); no IPI to 2 after. */
	static const int want[] = { 50, 51, 52, 62 };

	if (!r->count && !r->flag && r->norder == 4 && !memcmp(r->order, want, sizeof(want)) &&
	    r->hits[0] == 1 && r->hits[1] == 1 && r->hits[2] == 0)
		return 0;
	snprintf(msg, len, "remove %d, still in masks %d, callbacks %d: %d %d %d %d, hits %d %d %d",
		 r->count, r->flag, r->norder, r->order[0], r->order[1], r->order[2], r->order[3],
		 r->hits[0], r->hits[1], r->hits[2]);
	return 1;
}

Test(kernel, remove_cpu_tears_down_and_leaves_the_masks, .timeout = 60)
{
	struct kcase k = {
		.hc = { .ncpus = 3, .tasks = { T(0, kp_remove_cpu_task, 0) } },
		.judge = judge_remove_cpu,
	};
	struct sim_result r = kexplore(&k, "random", 4, 200);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	sim_result_release(&r);
}

/* ---- a lock taken again by its owner ------------------------------------------------ */

/* One task taking a lock again as @how says, alone or with a bystander on CPU1. */
static struct sim_result relock(int how, unsigned int detect, bool bystander, const char *strategy)
{
	struct kcase k = {
		.hc = {
			.ncpus = 2, .detect = detect,
			.tasks = { T(0, kp_relock_task, how) },
		},
	};

	if (bystander)
		k.hc.tasks[1] = (struct harness_task)T(1, kp_relock_bystander_task, 0);
	return kexplore(&k, strategy, 1, 20);
}

static int count_of(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; p && (p = strstr(p, what)); p++)
		n++;
	return n;
}

Test(kernel, mutex_taken_again_by_its_owner_deadlocks, .timeout = 30)
{
	struct sim_result r = relock(KP_RELOCK_MUTEX, SIM_DETECT_MEM, false, "timed");

	cr_expect_eq(r.outcome, SIM_DEADLOCK, "%s: %s", sim_outcome_name(r.outcome), r.message);
	cr_expect_str_eq(r.message, "INFO: deadlock: 1 task blocked and nothing can run");
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "  task ktask:1 on CPU0 sleeps on kp_self_mutex\n") != NULL,
		  "%s", r.reports);
	cr_expect_eq(count_of(r.reports, "possible recursive locking"), 0, "%s", r.reports);
	sim_result_release(&r);
}

Test(kernel, mutex_taken_again_by_its_owner_is_recursive_locking_for_lockdep, .timeout = 30)
{
	struct sim_result r = relock(KP_RELOCK_MUTEX, SIM_DETECT_LOCKDEP, false, "timed");
	const char *ld, *dl;

	cr_expect_eq(r.outcome, SIM_DEADLOCK, "%s: %s", sim_outcome_name(r.outcome), r.message);
	cr_assert_not_null(r.reports);
	cr_expect_str_eq(r.message, "INFO: deadlock: 1 task blocked and nothing can run");
	ld = strstr(r.reports, "WARNING: possible recursive locking detected\n");
	dl = strstr(r.reports, "  task ktask:1 on CPU0 sleeps on kp_self_mutex\n");
	cr_expect(ld && dl && ld < dl, "lockdep's report, then the deadlock's:\n%s", r.reports);
	cr_expect(strstr(r.reports, "ktask/1 is trying to acquire lock:\n") != NULL, "%s", r.reports);
	cr_expect(strstr(r.reports, "  lock(kp_self_mutex);\n  lock(kp_self_mutex);\n") != NULL,
		  "%s", r.reports);
	cr_expect_eq(count_of(r.reports, "possible recursive locking"), 1, "%s", r.reports);
	sim_result_release(&r);
}

STRATEGIES(mutex_taken_again_with_a_waiter_behind_deadlocks_both)
ParameterizedTest(struct harness_strat *s, kernel, mutex_taken_again_with_a_waiter_behind_deadlocks_both,
		  .timeout = 60)
{
	struct sim_result r = relock(KP_RELOCK_MUTEX, SIM_DETECT_MEM, true, s->name);

	cr_expect_eq(r.outcome, SIM_DEADLOCK, "%s: %s", s->name, r.message);
	cr_expect_str_eq(r.message, "INFO: deadlock: 2 tasks blocked and nothing can run");
	cr_expect_eq(count_of(r.reports, "sleeps on kp_self_mutex"), 2, "%s", r.reports);
	sim_result_release(&r);
}

Test(kernel, rwsem_held_for_write_taken_again_by_its_owner_deadlocks, .timeout = 30)
{
	struct sim_result w = relock(KP_RELOCK_RWSEM_WRITE, SIM_DETECT_LOCKDEP, false, "timed");
	struct sim_result rd = relock(KP_RELOCK_RWSEM_READ, SIM_DETECT_LOCKDEP, false, "timed");

	cr_expect_eq(w.outcome, SIM_DEADLOCK, "write: %s", w.message);
	cr_expect(w.reports && strstr(w.reports, "sleeps on kp_self_rwsem"), "%s", w.reports);
	cr_expect(w.reports && strstr(w.reports, "WARNING: possible recursive locking detected"),
		  "%s", w.reports);
	cr_expect_eq(rd.outcome, SIM_DEADLOCK, "read: %s", rd.message);
	cr_expect(rd.reports && strstr(rd.reports, "sleeps on kp_self_rwsem"), "%s", rd.reports);
	cr_expect(rd.reports && strstr(rd.reports, "  lock(kp_self_rwsem);\n  lock(kp_self_rwsem);\n"),
		  "%s", rd.reports);
	sim_result_release(&w);
	sim_result_release(&rd);
}

Test(kernel, spinlock_taken_again_by_its_owner_is_a_spinlock_recursion, .timeout = 30)
{
	struct sim_result r = relock(KP_RELOCK_SPIN, SIM_DETECT_MEM, false, "timed");

	cr_expect_eq(r.outcome, SIM_LIVELOCK, "%s: %s", sim_outcome_name(r.outcome), r.message);
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "BUG: spinlock recursion on CPU#0, ktask/1\n"
				    " lock: kp_self_spin, .magic: dead4ead, .owner: ktask/1, .owner_cpu: 0\n"
				    "CPU: 0 PID: 1 Comm: ktask\n") == r.reports, "%s", r.reports);
	cr_expect(strstr(r.reports, "kp_relock_task") != NULL, "%s", r.reports);
	cr_expect(strstr(r.reports, "task ktask:1 on CPU0 spins on kp_self_spin\n") != NULL,
		  "%s", r.reports);
	sim_result_release(&r);
}

Test(kernel, spinlock_recursion_under_lockdep_is_lockdeps_report, .timeout = 30)
{
	struct sim_result r = relock(KP_RELOCK_SPIN, SIM_DETECT_LOCKDEP, false, "timed");

	/* As in Linux, lockdep's report turns the spinlock debug checks off. */
	cr_expect_eq(r.outcome, SIM_LIVELOCK, "%s: %s", sim_outcome_name(r.outcome), r.message);
	cr_assert_not_null(r.reports);
	cr_expect_eq(count_of(r.reports, "WARNING: possible recursive locking detected"), 1,
		     "%s", r.reports);
	cr_expect_eq(count_of(r.reports, "spinlock recursion"), 0, "%s", r.reports);
	sim_result_release(&r);
}

/* ---- WARN and BUG ------------------------------------------------------------------ */

Test(kernel, warn_reports_and_the_run_goes_on, .timeout = 30)
{
	struct kcase k = { .hc = { .ncpus = 1, .tasks = { T(0, kp_warn_task, 0) } } };
	struct sim_result r = kexplore(&k, "timed", 1, 2);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "WARNING: CPU: 0 PID: ") == r.message, "%s", r.message);
	cr_assert_not_null(r.reports);
	/* WARN_ON_ONCE fired once in three, WARN_ON once: two reports. */
	cr_expect(strstr(r.reports, "kp_warn_task") != NULL, "%s", r.reports);
	{
		int n = 0;

		for (const char *p = r.reports; (p = strstr(p, "[ cut here ]")); p++)
			n++;
		cr_expect_eq(n, 2, "%d reports:\n%s", n, r.reports);
	}
	sim_result_release(&r);
}

Test(kernel, warn_on_once_fires_again_in_the_next_run, .timeout = 30)
{
	struct kcase k = {
		.hc = { .name = "warn", .ncpus = 1, .tasks = { T(0, kp_warn_task, 0) },
			.check = kcase_check },
	};
	struct sim_explore_opts o = { .strategy = "random", .budget = 3, .keep_going = true };
	struct sim_result r = harness_explore_case(&k.hc, &o);

	cr_expect_eq(r.failures, 3, "the once-flag leaked from one run into the next");
	sim_result_release(&r);
}

Test(kernel, bug_ends_the_run, .timeout = 30)
{
	struct kcase k = { .hc = { .ncpus = 1, .tasks = { T(0, kp_bug_task, 0) } } };
	struct sim_result r = kexplore(&k, "timed", 1, 1);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "kernel BUG at ") == r.message, "%s", r.message);
	cr_expect(strstr(r.message, "kprogs.c:") != NULL, "%s", r.message);
	sim_result_release(&r);
}

/* ---- the first seed race, before any hypervisor: a toy module ---------------------- */

static struct sim_result explore_example(const char *name, const char *strategy, uint64_t budget)
{
	const struct example *ex = example_find(name);
	struct sim_explore_opts o = { .strategy = strategy, .seed = 1, .budget = budget };

	cr_assert_not_null(ex);
	return harness_explore(&ex->program, &o);
}

Test(kernel, toy_hotplug_race_is_found_without_the_lock, .timeout = 120)
{
	struct sim_result r = explore_example("toy-hotplug", "pct:3", 20000);
	struct sim_result d = explore_example("toy-hotplug", "dfs:2", 200000);

	cr_expect_eq(r.failures, 1, "pct:3 did not find the window (%lu schedules)",
		     (unsigned long)r.schedules);
	cr_expect(strstr(r.message, "before its ONLINE check") != NULL, "%s", r.message);
	cr_expect_eq(d.failures, 1, "dfs:2 did not find the window (%lu schedules)",
		     (unsigned long)d.schedules);
	cr_log_info("toy race: pct:3 found it in %lu schedules, dfs:2 in %lu (%lu steps)",
		    (unsigned long)r.schedules, (unsigned long)d.schedules,
		    (unsigned long)d.steps);
	sim_result_release(&r);
	sim_result_release(&d);
}

Test(kernel, toy_hotplug_race_is_absent_with_cpus_read_lock, .timeout = 300)
{
	struct sim_result d = explore_example("toy-hotplug-fixed", "dfs:2", 2000000);
	struct sim_result r = explore_example("toy-hotplug-fixed", "random", 3000);

	cr_expect_eq(d.failures, 0, "%s", d.message);
	cr_expect(d.exhausted, "dfs:2 did not exhaust in %lu schedules", (unsigned long)d.schedules);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_log_info("toy fixed: dfs:2 exhausted in %lu schedules (%lu abandoned, %lu restarts, "
		    "longest run %lu steps)", (unsigned long)d.schedules, (unsigned long)d.abandoned,
		    (unsigned long)d.restarts, (unsigned long)d.max_run_steps);
	sim_result_release(&d);
	sim_result_release(&r);
}

/* ---- module parameters ------------------------------------------------------------ */

static int judge_params(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->flag == 1 && r->count == 0x2a && r->order[0] == 'o' && r->order[1] == 'n' &&
	    r->order[2] == 0)
		return 0;
	snprintf(msg, len, "flag %d, num %d, str %c%c", r->flag, r->count, r->order[0],
		 r->order[1]);
	return 1;
}

static int judge_param_defaults(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->flag == 0 && r->count == 7 && r->order[0] == 0)
		return 0;
	snprintf(msg, len, "defaults changed: flag %d, num %d", r->flag, r->count);
	return 1;
}

/* Parameters set in setup() are what the module sees, every run; unset ones keep their defaults. */
Test(kernel, module_parameters_reach_the_module, .timeout = 30)
{
	struct kcase set = {
		.hc = {
			.ncpus = 1,
			.tasks = { T(0, kp_params_task, 0) },
			.params = { { "kprogs.kp_param_flag", "y" }, { "kprogs.num", "0x2a" },
				    { "kprogs.kp_param_str", "on" } },
		},
		.judge = judge_params,
	};
	struct kcase dflt = {
		.hc = { .ncpus = 1, .tasks = { T(0, kp_params_task, 0) } },
		.judge = judge_param_defaults,
	};
	struct sim_result r = kexplore(&set, "random", 1, 5);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(set.hc.runs, 5);
	sim_result_release(&r);
	r = kexplore(&dflt, "random", 1, 2);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	sim_result_release(&r);
}

static void bad_params_setup(struct machine *m, void *arg)
{
	int *rets = arg;

	rets[0] = sim_set_module_param(m, "kprogs.nope", "1");
	rets[1] = sim_set_module_param(m, "kprogs.kp_param_flag", "maybe");
	rets[2] = sim_set_module_param(m, "kprogs.num", "12abc");
}

Test(kernel, module_parameters_refuse_unknown_names_and_bad_values, .timeout = 30)
{
	int rets[3] = { 0 };
	struct sim_program p = { .name = "params", .ncpus = 1, .setup = bad_params_setup,
				 .arg = rets };
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r = harness_explore(&p, &o);

	cr_expect_eq(rets[0], -ENOENT);
	cr_expect_eq(rets[1], -EINVAL);
	cr_expect_eq(rets[2], -EINVAL);
	sim_result_release(&r);
}

/* ---- cross-CPU calls order their handlers' writes (race detector) ------------------ */

static int judge_seq_calls(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 2)
		return 0;
	snprintf(msg, len, "the last handler's write was not seen: %d", r->count);
	return 1;
}

/*
 * A handler's write is ordered before the caller's return from the waited
 * call, and so before the next call's handler: no data race. (A write still
 * pending when the handler released the call was once stamped after it.)
 */
Test(kernel, waited_calls_order_their_handlers_writes, .timeout = 60)
{
	struct kcase k = {
		.hc = { .ncpus = 3, .tasks = { T(0, kp_seq_calls_task, 0) },
			.detect = SIM_DETECT_RACE },
		.judge = judge_seq_calls,
	};
	struct sim_result r = kexplore(&k, "random", 1, 50);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	sim_result_release(&r);
}

/* ---- happens-before a model builds itself: kernel_hb_release()/acquire() ---- */

static int judge_hb(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 42)
		return 0;
	snprintf(msg, len, "the reader saw %d, not the writer's 42", r->count);
	return 1;
}

/*
 * A release and a later acquire of one object order the writer's plain
 * write before the reader's plain read: clean in every schedule of dfs:2.
 * Without them (the flag is marked, which orders nothing) the same two
 * accesses are reported: the test can fail.
 */
Test(kernel, kernel_hb_release_and_acquire_order_plain_accesses, .timeout = 60)
{
	for (int with = 1; with >= 0; with--) {
		struct kcase k = {
			.hc = { .ncpus = 2, .detect = SIM_DETECT_RACE,
				.tasks = { T(0, kp_hb_writer_task, with),
					   T(1, kp_hb_reader_task, with) } },
			.judge = judge_hb,
		};
		struct sim_result r = kexplore(&k, "dfs:2", 1, 5000);

		if (with) {
			cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
			cr_expect(r.exhausted, "dfs:2 did not finish in %llu schedules",
				  (unsigned long long)r.schedules);
		} else {
			cr_expect_eq(r.failures, 1, "no race without the pair (%llu schedules)",
				     (unsigned long long)r.schedules);
			cr_expect(strstr(r.message, "BUG: KCSAN: data-race in kp_hb_") != NULL,
				  "%s", r.message);
		}
		sim_result_release(&r);
	}
}

/* ---- a parked spinner gives its CPU up ------------------------------------------ */

/*
 * The writer and the spinner share CPU 0. Preempted for the spinner, the
 * writer runs again when the spinner parks, as the tick would let it: every
 * schedule of dfs:2 ends with the flag seen.
 */
Test(kernel, a_parked_spinner_yields_to_a_task_queued_on_its_cpu, .timeout = 60)
{
	struct kcase k = { .hc = {
		.ncpus = 1,
		.tasks = { T(0, kp_flag_writer_task, 0), T(0, kp_flag_spinner_task, 0) },
	} };
	struct sim_result r = kexplore(&k, "dfs:2", 0, 1000);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect(r.exhausted);
	cr_expect_gt(r.schedules, 1, "the spinner was never run first");
	sim_result_release(&r);
}

/* With preemption off the spinner keeps its CPU: the writer queued behind it never runs. */
Test(kernel, a_spinner_with_preemption_off_keeps_its_cpu, .timeout = 60)
{
	struct kcase k = { .hc = {
		.ncpus = 1,
		.tasks = { T(0, kp_flag_spinner_task, 1), T(0, kp_flag_writer_task, 0) },
	} };
	struct sim_result r = kexplore(&k, "timed", 1, 1);

	cr_expect_eq(r.failures, 1);
	cr_expect_str_eq(r.message, "livelock: every live task spins on memory that no task will write");
	sim_result_release(&r);
}

/* ---- a call queued for a CPU that goes down ------------------------------------- */

static int judge_call_dying_cpu(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == -EIO && ((r->order[0] == 0 && r->hits[2] == 1) ||
				 (r->order[0] == -ENXIO && r->hits[2] == 0)))
		return 0;
	snprintf(msg, len, "add_cpu %d, the call returned %d and ran %d times on CPU2",
		 r->count, r->order[0], r->hits[2]);
	return 1;
}

/*
 * CPU 2 comes online and its ONLINE callback sends it straight back down,
 * while another CPU calls it, waiting. Queued while CPU 2 was online, the
 * call runs there; later, it finds CPU 2 offline. The caller never waits
 * forever, in every schedule of dfs:2. (Here the IPI always lands before
 * the CPU is gone; seed 000's hv/ test reaches the case where it does not,
 * and smpcfd_dying_cpu() runs the call.)
 */
Test(kernel, a_call_queued_for_a_dying_cpu_runs_there_or_finds_it_offline, .timeout = 120)
{
	struct kcase k = {
		.hc = { .ncpus = 3, .offline = 1u << 2,
			.tasks = { T(0, kp_add_refused_cpu2_task, 0),
				   T(1, kp_call_dying_cpu_task, 0) } },
		.judge = judge_call_dying_cpu,
	};
	struct sim_result r = kexplore(&k, "dfs:2", 0, 20000);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect(r.exhausted, "dfs:2 stopped after %llu schedules", (unsigned long long)r.schedules);
	sim_result_release(&r);
}

/* ---- files: Linux's two-phase fd install ------------------------------------------ */

_Static_assert(KP_FD_MAX == KMODEL_MAX_FDS, "kprogs.h's fd table is the kernel model's");

/* A user task of its own process on @cpu, running @fn. */
#define U(c, f)	{ .cpu = (c), .fn = (f), .name = "user", .user = true }

static int judge_fd_install(const struct kprog_result *r, char *msg, size_t len)
{
	if (!r->bad && r->count == 1 && r->hits[0] == 3 && r->hits[2] == 1)
		return 0;
	snprintf(msg, len,
		 "failed checks %#x, finished %d, released %d, ioctls %d, numbers %d: %d %d %d %d %d",
		 (unsigned int)r->bad, r->count, r->hits[0], r->hits[2], r->norder, r->order[0],
		 r->order[1], r->order[2], r->order[3], r->order[4]);
	return 1;
}

/*
 * get_unused_fd_flags(), anon_inode_getfile(), fd_install() and
 * put_unused_fd() in a user task, each step checked where it is taken
 * (kp_fd_user_task): a reserved number is not open (fget(), ioctl and
 * close fail on it) and the next reservation and anon_inode_getfd() skip
 * it; installed, fget() finds the file and its ioctl answers through the
 * fd; a number given back is the lowest free one again; the file given up
 * on the failure path is released by its fput(), the installed one by its
 * close, once; the table fills at -EMFILE. Under every strategy, with a
 * busy task beside it.
 */
Test(kernel, two_phase_fd_install_reserves_installs_and_gives_back, .timeout = 60)
{
	static const struct harness_strat strat[] = {
		{ "timed", 1 }, { "random", 1 }, { "random", 2 }, { "pct:3", 1 }, { "dfs:1", 0 },
	};

	for (size_t i = 0; i < sizeof(strat) / sizeof(strat[0]); i++) {
		struct kcase k = {
			.hc = {
				.ncpus = 2,
				.tasks = { U(0, kp_fd_user_task), T(1, kp_busy_task, 0) },
			},
			.judge = judge_fd_install,
		};
		struct sim_result r = kexplore(&k, strat[i].name, strat[i].seed, 20);

		cr_expect_eq(r.failures, 0, "%s: %s", strat[i].name, r.message);
		cr_expect_gt(k.hc.runs, 0, "%s: no run checked", strat[i].name);
		sim_result_release(&r);
	}
}

static int judge_fd_reserved(const struct kprog_result *r, char *msg, size_t len)
{
	if (r->count == 3)
		return 0;
	snprintf(msg, len, "the lowest free fd was %d, not 3", r->count);
	return 1;
}

/*
 * A number a process still held reserved when it exited is gone with its
 * fd table: in every run of the same machine, the first reservation is
 * fd 3 again.
 */
Test(kernel, a_reserved_fd_does_not_outlive_its_run, .timeout = 60)
{
	struct kcase k = {
		.hc = { .ncpus = 1, .tasks = { U(0, kp_fd_reserve_user_task) } },
		.judge = judge_fd_reserved,
	};
	struct sim_result r = kexplore(&k, "random", 1, 3);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(k.hc.runs, 3);
	sim_result_release(&r);
}

/* fd_install() into a number get_unused_fd_flags() never gave: the caller's BUG, as Linux's. */
Test(kernel, fd_install_into_an_unreserved_fd_is_a_kernel_bug, .timeout = 30)
{
	struct kcase k = { .hc = { .ncpus = 1, .tasks = { U(0, kp_fd_bad_install_user_task) } } };
	struct sim_result r = kexplore(&k, "timed", 1, 1);

	cr_assert(sim_outcome_is_failure(r.outcome), "outcome %s", sim_outcome_name(r.outcome));
	cr_assert(strstr(r.message, "kernel BUG at sim/kernel/fs.c:"), "message: %s", r.message);
	sim_result_release(&r);
}

/* ---- a preempt count the program keeps itself: sim_on_preemptible() --------------- */

/* kp_own_count_task and its intruder on one CPU, the callback as the test says. */
struct owncase {
	struct harness_case hc;		/* the two tasks; hc.runs counts the checks */
	bool hook;			/* install the callback in setup() */
	bool first_run_only;		/* ... in the first run's setup() only */
	const int *count;		/* the program's per-CPU counts (kp_own_preempt_count()) */
	unsigned int setups;		/* runs set up */
	uint64_t asked, refused;	/* callback calls, and those that said "not now" */
	unsigned int beside;		/* runs where the intruder ran while the holder was under way */
};

/* sim_on_preemptible()'s callback: not while this CPU's own count is up. */
static bool own_count_preemptible(unsigned int cpu, void *arg)
{
	struct owncase *o = arg;
	bool ok = cpu < KP_OWN_CPUS && !o->count[cpu];

	o->asked++;
	o->refused += !ok;
	return ok;
}

static void own_setup(struct machine *m, struct harness_case *hc)
{
	struct owncase *o = HARNESS_CONTAINER_OF(hc, struct owncase, hc);

	o->count = kp_own_preempt_count();
	if (o->hook && !(o->first_run_only && o->setups))
		sim_on_preemptible(m, own_count_preemptible, o);
	o->setups++;
}

static int own_check(struct harness_case *hc, char *msg, size_t len)
{
	struct owncase *o = HARNESS_CONTAINER_OF(hc, struct owncase, hc);
	struct kprog_result r;

	kprog_result(&r);
	o->beside += r.count;
	if (!r.flag)
		return 0;
	snprintf(msg, len, "the intruder ran inside the section, at its step %d", r.flag);
	return 1;
}

static struct sim_result own_explore(struct owncase *o, const char *strategy, uint64_t seed,
				     uint64_t budget)
{
	struct sim_explore_opts opts = { .strategy = strategy, .seed = seed, .budget = budget };

	o->hc = (struct harness_case){
		.name = "owncount", .ncpus = 1, .detect = SIM_DETECT_LOCKDEP | SIM_DETECT_MEM,
		.tasks = { T(0, kp_own_count_task, 0), T(0, kp_own_count_intruder_task, 0) },
		.setup = own_setup, .check = own_check,
	};
	return harness_explore_case(&o->hc, &opts);
}

/* The strategies the section is explored under: dfs:2 to exhaustion, and sampled ones. */
static const struct harness_strat own_strats[] = {
	{ "dfs:2", 0 }, { "random", 1 }, { "random", 2 }, { "pct:3", 1 },
};

#define OWN_BUDGET	300

/*
 * While the program's own count is up the callback says "not now", and
 * no explored schedule switches to the intruder inside the section; the
 * callback is what decides, not a blanket ban: it was asked and refused,
 * and some schedules still switch to the intruder before or after the
 * section.
 */
Test(kernel, sim_on_preemptible_keeps_a_cpu_from_preempting_inside_its_own_count, .timeout = 120)
{
	for (size_t i = 0; i < sizeof(own_strats) / sizeof(own_strats[0]); i++) {
		const struct harness_strat *s = &own_strats[i];
		struct owncase o = { .hook = true };
		struct sim_result r = own_explore(&o, s->name, s->seed, OWN_BUDGET);

		cr_expect_eq(r.failures, 0, "%s: %s (run %u)", s->name, r.message, o.hc.runs);
		cr_expect_gt(o.hc.runs, 1, "%s: %u runs", s->name, o.hc.runs);
		if (!strncmp(s->name, "dfs", 3))
			cr_expect(r.exhausted, "%s stopped after %llu schedules", s->name,
				  (unsigned long long)r.schedules);
		cr_expect_gt(o.refused, 0, "%s: the callback never said not now", s->name);
		cr_expect_gt(o.asked, o.refused, "%s: the callback never said yes", s->name);
		cr_expect_gt(o.beside, 0, "%s: the intruder never ran beside the section", s->name);
		sim_result_release(&r);
	}
}

/* The same program without the callback: each strategy switches inside the section. */
Test(kernel, without_sim_on_preemptible_a_cpu_is_preempted_inside_its_own_count, .timeout = 120)
{
	for (size_t i = 0; i < sizeof(own_strats) / sizeof(own_strats[0]); i++) {
		const struct harness_strat *s = &own_strats[i];
		struct owncase o = { .hook = false };
		struct sim_result r = own_explore(&o, s->name, s->seed, OWN_BUDGET);

		cr_expect_eq(r.failures, 1, "%s: never preempted inside the section (%llu schedules)",
			     s->name, (unsigned long long)r.schedules);
		cr_expect(strstr(r.message, "inside the section") != NULL, "%s: %s", s->name,
			  r.message);
		sim_result_release(&r);
	}
}

/*
 * A reset forgets the callback: installed in the first run's setup() only,
 * it no longer holds the intruder back in a later run of the same
 * exploration (sampled, as the callback's presence changes the choices).
 */
Test(kernel, a_reset_forgets_sim_on_preemptible, .timeout = 120)
{
	struct owncase o = { .hook = true, .first_run_only = true };
	struct sim_result r = own_explore(&o, "random", 1, OWN_BUDGET);

	cr_expect_eq(r.failures, 1, "the first run's callback held in %llu schedules",
		     (unsigned long long)r.schedules);
	cr_expect_gt(o.hc.runs, 1, "the first run, which had the callback, failed: %s", r.message);
	sim_result_release(&r);
}

/* ---- the rate limit, with a direct clock ---- */

/*
 * Linux's default: 10 per 5 s. The first call starts the window; the
 * 11th within it is refused; the first call 5 s or more after the start
 * opens a new window and says how many were missed.
 */
Test(kernel, ratelimit_passes_ten_per_five_seconds, .timeout = 10)
{
	struct ratelimit_state rs = { .interval_ns = DEFAULT_RATELIMIT_INTERVAL,
				      .burst = DEFAULT_RATELIMIT_BURST };
	uint64_t t0 = 1000;
	int passed = 0, sup;

	for (int i = 0; i < 15; i++) {
		passed += ratelimit_at(&rs, t0 + (uint64_t)i * 100000000ULL, &sup);
		cr_expect_eq(sup, 0);
	}
	cr_expect_eq(passed, 10, "%d passed in 1.4 s", passed);
	cr_expect_eq(rs.missed, 5);
	/* Just before the window ends: still refused. */
	cr_expect_eq(ratelimit_at(&rs, t0 + 5 * NSEC_PER_SEC - 1, &sup), 0);
	cr_expect_eq(sup, 0);
	/* At its end: a new window, the six missed reported. */
	cr_expect_eq(ratelimit_at(&rs, t0 + 5 * NSEC_PER_SEC, &sup), 1);
	cr_expect_eq(sup, 6);
	passed = 1;
	for (int i = 0; i < 12; i++)
		passed += ratelimit_at(&rs, t0 + 6 * NSEC_PER_SEC, &sup);
	cr_expect_eq(passed, 10);
}

/* A clock behind the window's start (another CPU's) keeps the window; no interval: no limit. */
Test(kernel, ratelimit_other_clock_and_no_interval, .timeout = 10)
{
	struct ratelimit_state rs = { .interval_ns = DEFAULT_RATELIMIT_INTERVAL, .burst = 1 };
	struct ratelimit_state off = { .interval_ns = 0, .burst = 0 };
	int sup;

	cr_expect_eq(ratelimit_at(&rs, 10 * NSEC_PER_SEC, &sup), 1);
	cr_expect_eq(ratelimit_at(&rs, 1, &sup), 0, "an earlier clock does not end the window");
	cr_expect_eq(ratelimit_at(&rs, 15 * NSEC_PER_SEC, &sup), 1);
	cr_expect_eq(sup, 1);
	for (int i = 0; i < 100; i++)
		cr_expect_eq(ratelimit_at(&off, (uint64_t)i, &sup), 1);
}

/* ---- tracepoints ------------------------------------------------------------------ */

/*
 * A tracepoint is recorded at its task's next operation: in every run,
 * each point record is followed at once by that task's read, at the same
 * step, however the strategy interleaves the writer between the two.
 * Twenty random schedules, every one traced; the writer must get between
 * a point and its read in some of them, or the test proves nothing.
 */
Test(kernel, a_tracepoint_sits_at_the_operation_it_marks, .timeout = 60)
{
	unsigned int points = 0, between = 0;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct kcase k = { .hc = {
			.name = "kcase", .ncpus = 2, .check = kcase_check,
			.detect = SIM_DETECT_LOCKDEP,
			.tasks = { T(0, kp_point_task, 0), T(1, kp_point_writer_task, 0) },
		} };
		struct sim_explore_opts o = {
			.strategy = "random", .seed = seed, .budget = 1, .trace_every_run = true,
		};
		struct sim_result r = harness_explore_case(&k.hc, &o);
		struct trace_reader *tr;
		struct trace_event e, prev = { 0 };
		bool want_read = false;
		char err[256];

		cr_assert_not_null(r.trace);
		cr_assert_eq(trace_reader_open_mem(&tr, r.trace, r.trace_len, "run", err,
						   sizeof(err)), 0, "%s", err);
		while (trace_next(tr, &e, err, sizeof(err)) == 1) {
			if (want_read) {
				cr_expect(e.type == TR_ACCESS && e.task == prev.task &&
					  e.step == prev.step && e.kind == SIM_READ_MARKED,
					  "seed %llu: point at step %llu not followed by its read",
					  (unsigned long long)seed, (unsigned long long)prev.step);
				want_read = false;
			}
			if (e.type == TR_POINT) {
				points++;
				want_read = true;
				/* Another task ran just before: the strategy switched at the read. */
				between += prev.task != e.task;
				cr_expect_str_eq(trace_reader_string(tr, e.str), "kp_read");
			}
			prev = e;
		}
		trace_reader_close(tr);
		sim_result_release(&r);
	}
	cr_expect_eq(points, 20 * 8);
	cr_expect_gt(between, 0, "the writer never ran between a point and its read");
}

/* ---- what a traced run records of locks, hotplug and reports ------------------------- */

/*
 * @k explored as kexplore() does, every run traced: the reported run (the
 * first failure, else the last) comes with its trace.
 */
static struct sim_result ktraced(struct kcase *k, const char *strategy, uint64_t seed,
				 uint64_t budget)
{
	struct sim_explore_opts o = {
		.strategy = strategy, .seed = seed, .budget = budget, .trace_every_run = true,
	};

	k->hc.name = "kcase";
	k->hc.check = kcase_check;
	if (!k->hc.detect)
		k->hc.detect = SIM_DETECT_LOCKDEP | SIM_DETECT_MEM;
	return harness_explore_case(&k->hc, &o);
}

/* How a traced run used one lock, by kind of record. */
struct lock_use {
	unsigned int acquire, release, contended;
};

/*
 * The TR_LOCK records of lock @name in @t, checked as they come: a task
 * contends only when it neither waits for nor holds the lock, and its
 * next record of it is then its acquisition (one contention per wait);
 * it releases only what it holds; a writer (spinlock, mutex, rw-semaphore
 * for write) holds it alone, readers together; nothing is held at the end.
 */
static struct lock_use lock_records(const struct harness_trace *t, const char *name,
				    unsigned int type, const char *what)
{
	unsigned int held[SIM_MAX_TASKS] = { 0 }, readers = 0, writers = 0;
	bool waiting[SIM_MAX_TASKS] = { false };
	struct lock_use u = { 0 };

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_event *e = &t->ev[i];
		bool read = e->value == TR_LOCK_READ;

		if (e->type != TR_LOCK || strcmp(harness_trace_str(t, e->str), name))
			continue;
		cr_assert_lt(e->task, SIM_MAX_TASKS);
		cr_expect(read || e->value == type, "%s: %s is a %s lock", what, name,
			  trace_lock_type_name(e->value));
		cr_expect(e->region == TR_REGION_DATA || e->region == TR_REGION_BSS,
			  "%s: a global lock in %s", what, trace_region_name(e->region));
		cr_expect_neq(e->pc, 0, "%s: no pc", what);
		switch (e->kind) {
		case TR_LOCK_CONTENDED:
			cr_expect(!waiting[e->task] && !held[e->task],
				  "%s: step %llu: t%u contends for %s again", what,
				  (unsigned long long)e->step, e->task, name);
			waiting[e->task] = true;
			u.contended++;
			break;
		case TR_LOCK_ACQUIRE:
			cr_expect(read ? !writers : !writers && !readers,
				  "%s: step %llu: t%u takes %s while it is held (%u readers, %u writers)",
				  what, (unsigned long long)e->step, e->task, name, readers, writers);
			read ? readers++ : writers++;
			waiting[e->task] = false;
			held[e->task]++;
			u.acquire++;
			break;
		case TR_LOCK_RELEASE:
			cr_expect(held[e->task] && !waiting[e->task],
				  "%s: step %llu: t%u releases %s it does not hold", what,
				  (unsigned long long)e->step, e->task, name);
			if (held[e->task])
				held[e->task]--;
			if (read && readers)
				readers--;
			else if (!read && writers)
				writers--;
			u.release++;
			break;
		default:
			cr_expect(0, "%s: lock record of kind %u", what, e->kind);
		}
	}
	for (unsigned int i = 0; i < SIM_MAX_TASKS; i++)
		cr_expect(!held[i] && !waiting[i], "%s: t%u still holds or waits for %s", what, i,
			  name);
	return u;
}

/*
 * A spinlock, a mutex and a rw-semaphore that three or two tasks share:
 * every acquisition and release is recorded, a wait once however long it
 * spins or sleeps, with the lock's class name and address, under random
 * schedules; some of them contend.
 */
Test(kernel, lock_records_pair_up_and_a_wait_is_one_record, .timeout = 120)
{
	static const struct {
		const char *name;
		unsigned int type;
		unsigned int acquires;
		sim_task_fn fn;
		unsigned int ntasks;
	} locks[] = {
		{ "kp_mutex", TR_LOCK_MUTEX, 9, kp_mutex_task, 3 },
		{ "kp_spin", TR_LOCK_SPIN, 6, kp_spin_irq_task, 2 },
		{ "kp_rwsem", TR_LOCK_WRITE, 6, kp_rwsem_task, 3 },
	};

	for (size_t l = 0; l < sizeof(locks) / sizeof(locks[0]); l++) {
		unsigned int contended = 0;

		for (uint64_t seed = 1; seed <= 20; seed++) {
			struct kcase k = { .hc = { .ncpus = 2 } };
			struct harness_trace t;
			struct sim_result r;
			struct lock_use u;
			char what[64];

			for (unsigned int i = 0; i < locks[l].ntasks; i++)
				k.hc.tasks[i] = (struct harness_task)T(i % 2, locks[l].fn, i);
			if (locks[l].fn == kp_rwsem_task)
				k.hc.ncpus = 3, k.hc.tasks[2].cpu = 2;
			r = ktraced(&k, "random", seed, 1);
			cr_expect_eq(r.outcome, SIM_OK, "%s: %s", locks[l].name, r.message);
			snprintf(what, sizeof(what), "%s seed %llu", locks[l].name,
				 (unsigned long long)seed);
			harness_trace_open(&t, r.trace, r.trace_len);
			u = lock_records(&t, locks[l].name, locks[l].type, what);
			cr_expect_eq(u.acquire, locks[l].acquires, "%s: %u acquisitions", what,
				     u.acquire);
			cr_expect_eq(u.release, u.acquire, "%s: %u releases", what, u.release);
			contended += u.contended;
			harness_trace_close(&t);
			sim_result_release(&r);
		}
		cr_expect_gt(contended, 0, "%s: no run contended", locks[l].name);
	}
}

/* The TR_CPUHP records of CPU @cpu in @t: their states into @states, how many. */
static size_t cpuhp_states(const struct harness_trace *t, unsigned int cpu, unsigned int *states,
			   unsigned int *on, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n && n < max; i++) {
		if (t->ev[i].type != TR_CPUHP || t->ev[i].to_cpu != cpu)
			continue;
		on[n] = t->ev[i].cpu;
		states[n++] = t->ev[i].value;
	}
	return n;
}

/*
 * CPU 2 hot-added and removed, and hot-added with an ONLINE callback that
 * fails: its states in order, each recorded on the CPU whose code makes
 * the change (CPU 0's add_cpu and remove_cpu, CPU 2's own bring-up and
 * take-down), the first at the run's start on CPU 2 itself. CPUs 0 and 1
 * stay active.
 */
Test(kernel, cpuhp_records_each_state_a_cpu_goes_through, .timeout = 60)
{
	static const unsigned int up_down[] = {
		TR_CPU_OFFLINE, TR_CPU_BRINGUP, TR_CPU_ONLINE, TR_CPU_ACTIVE, TR_CPU_TEARDOWN,
		TR_CPU_OFFLINE,
	};
	static const unsigned int up_down_on[] = { 2, 0, 2, 0, 0, 2 };
	static const unsigned int refused[] = {
		TR_CPU_OFFLINE, TR_CPU_BRINGUP, TR_CPU_ONLINE, TR_CPU_TEARDOWN, TR_CPU_OFFLINE,
	};
	static const unsigned int refused_on[] = { 2, 0, 2, 2, 2 };
	const struct {
		sim_task_fn fn;
		const unsigned int *states, *on;
		size_t n;
	} cases[] = {
		{ kp_hotplug_where_task, up_down, up_down_on, 6 },
		{ kp_hotplug_fail_task, refused, refused_on, 5 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct kcase k = {
			.hc = { .ncpus = 3, .offline = 1u << 2, .tasks = { T(0, cases[c].fn, 0) } },
		};
		struct sim_result r = ktraced(&k, "timed", 1, 1);
		unsigned int states[16], on[16];
		struct harness_trace t;
		size_t n;

		cr_expect_eq(r.outcome, SIM_OK, "%s", r.message);
		harness_trace_open(&t, r.trace, r.trace_len);
		n = cpuhp_states(&t, 2, states, on, 16);
		cr_expect_eq(n, cases[c].n, "case %zu: %zu states of CPU 2", c, n);
		for (size_t i = 0; i < n && i < cases[c].n; i++) {
			cr_expect_eq(states[i], cases[c].states[i], "case %zu: state %zu is %s, not %s",
				     c, i, trace_cpu_state_name(states[i]),
				     trace_cpu_state_name(cases[c].states[i]));
			cr_expect_eq(on[i], cases[c].on[i], "case %zu: state %zu on CPU %u", c, i,
				     on[i]);
		}
		for (unsigned int cpu = 0; cpu < 2; cpu++) {
			n = cpuhp_states(&t, cpu, states, on, 16);
			cr_expect(n == 1 && states[0] == TR_CPU_ACTIVE && on[0] == cpu,
				  "case %zu: CPU %u: %zu states", c, cpu, n);
		}
		/* The first ones come at the start, before any step. */
		for (size_t i = 0; i < t.n && t.ev[i].type != TR_ACCESS; i++)
			if (t.ev[i].type == TR_CPUHP)
				cr_expect_eq(t.ev[i].step, 0);
		harness_trace_close(&t);
		sim_result_release(&r);
	}
}

/* The index of @t's first event of @type at @from or after, or t->n. */
static size_t next_of(const struct harness_trace *t, size_t from, unsigned int type)
{
	while (from < t->n && t->ev[from].type != type)
		from++;
	return from;
}

/* The marks that follow the report at @i (its TR_LOG comes first), into @m: how many. */
static size_t marks_of(const struct harness_trace *t, size_t i, const struct trace_event **m,
		       size_t max)
{
	size_t n = 0;

	cr_assert_lt(i + 1, t->n);
	cr_expect_eq(t->ev[i + 1].type, TR_LOG, "the title's log line follows the report");
	cr_expect_eq(t->ev[i + 1].str, t->ev[i].str, "the log line is the report's title");
	for (i += 2; i < t->n && t->ev[i].type == TR_MARK && n < max; i++)
		m[n++] = &t->ev[i];
	return n;
}

/*
 * AB-BA run one task after the other: lockdep's circular dependency marks
 * the two acquisitions in opposite order, this one (task 1 taking kp_a,
 * holding kp_b) and the earlier (task 0 taking kp_b, holding kp_a); each
 * mark names a step where its task's TR_LOCK acquisition of that lock
 * stands, at the same pc on the same CPU.
 */
Test(kernel, lock_inversion_marks_both_acquisitions, .timeout = 60)
{
	static const char *const label[] = { "kp_a", "kp_b" };
	static const unsigned int task[] = { 1, 0 };
	struct kcase k = {
		.hc = { .ncpus = 2, .tasks = { T(0, kp_abba_task, 0), T(1, kp_abba_task, 1) } },
	};
	struct sim_result r = ktraced(&k, "dfs:0", 0, 1);
	const struct trace_event *m[8];
	struct harness_trace t;
	size_t rep, n;

	cr_assert_eq(r.outcome, SIM_FAILED);
	cr_expect_str_eq(r.message, "WARNING: possible circular locking dependency detected");
	harness_trace_open(&t, r.trace, r.trace_len);
	rep = next_of(&t, 0, TR_REPORT);
	cr_assert_lt(rep, t.n);
	cr_expect_eq(t.ev[rep].kind, TR_REPORT_LOCKDEP);
	cr_expect_str_eq(harness_trace_str(&t, t.ev[rep].str), r.message);
	n = marks_of(&t, rep, m, 8);
	cr_assert_eq(n, 2, "%zu marks", n);
	cr_expect_gt(m[0]->args[0], m[1]->args[0], "the current acquisition comes first");
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		cr_expect_eq(m[i]->kind, TR_MARK_ACQUIRE);
		cr_expect_str_eq(harness_trace_str(&t, m[i]->str), label[i]);
		cr_expect_eq(m[i]->to_task, task[i], "mark %zu: t%u", i, m[i]->to_task);
		cr_expect_eq(m[i]->to_cpu, task[i], "mark %zu: cpu%u", i, m[i]->to_cpu);
		for (size_t j = 0; j < t.n; j++) {
			const struct trace_event *e = &t.ev[j];

			found |= e->type == TR_LOCK && e->kind == TR_LOCK_ACQUIRE &&
				 e->step == m[i]->args[0] && e->cpu == m[i]->to_cpu &&
				 e->task == m[i]->to_task && e->pc == m[i]->pc &&
				 !strcmp(harness_trace_str(&t, e->str), label[i]);
		}
		cr_expect(found, "mark %zu: no acquisition of %s at step %llu", i, label[i],
			  (unsigned long long)m[i]->args[0]);
	}
	harness_trace_close(&t);
	sim_result_release(&r);
}

/*
 * Reports no detector marks: each WARN (two in kp_warn_task's run) and a
 * BUG mark their own site, labelled file:line, at the report's step, CPU
 * and task; a deadlock, no one's site, is marked at its step without a pc.
 * Their kinds come from their titles.
 */
Test(kernel, warn_bug_and_deadlock_mark_their_site, .timeout = 60)
{
	const struct {
		struct kcase k;
		const char *strategy;
		uint64_t budget;
		unsigned int kind, reports;
		bool pc;
	} cases[] = {
		{ { .hc = { .ncpus = 1, .tasks = { T(0, kp_warn_task, 0) } } }, "timed", 1,
		  TR_REPORT_WARN, 2, true },
		{ { .hc = { .ncpus = 1, .tasks = { T(0, kp_bug_task, 0) } } }, "timed", 1,
		  TR_REPORT_OOPS, 1, true },
		/* Lockdep off: the deadlock itself, which pct:3 meets (abba_deadlocks_in_some_schedule). */
		{ { .hc = { .ncpus = 2, .detect = SIM_DETECT_MEM,
			    .tasks = { T(0, kp_abba_task, 0), T(1, kp_abba_task, 1) } } }, "pct:3",
		  5000, TR_REPORT_OTHER, 1, false },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct kcase k = cases[c].k;
		struct sim_result r = ktraced(&k, cases[c].strategy, 1, cases[c].budget);
		struct harness_trace t;
		const struct trace_event *m[8];
		unsigned int reports = 0;

		cr_assert(sim_outcome_is_failure(r.outcome), "case %zu: no failure", c);
		harness_trace_open(&t, r.trace, r.trace_len);
		for (size_t i = next_of(&t, 0, TR_REPORT); i < t.n; i = next_of(&t, i + 1, TR_REPORT)) {
			const char *label;

			reports++;
			cr_expect_eq(t.ev[i].kind, cases[c].kind, "case %zu: %s is %s", c,
				     harness_trace_str(&t, t.ev[i].str),
				     trace_report_kind_name(t.ev[i].kind));
			cr_assert_eq(marks_of(&t, i, m, 8), 1, "case %zu: one mark", c);
			label = harness_trace_str(&t, m[0]->str);
			cr_expect_eq(m[0]->kind, TR_MARK_SITE);
			cr_expect_eq(m[0]->args[0], t.ev[i].step, "case %zu: the report's step", c);
			cr_expect_eq(m[0]->to_cpu, t.ev[i].cpu);
			cr_expect_eq(m[0]->to_task, t.ev[i].task);
			cr_expect_eq(m[0]->region, TR_REGION_NONE);
			if (cases[c].pc) {
				cr_expect_neq(m[0]->pc, 0);
				cr_expect(!strncmp(label, "tests/programs/kprogs.c:", 24), "case %zu: %s",
					  c, label);
			} else {
				cr_expect_eq(m[0]->pc, 0);
				cr_expect_str_eq(label, "");
			}
		}
		cr_expect_eq(reports, cases[c].reports, "case %zu: %u reports", c, reports);
		harness_trace_close(&t);
		sim_result_release(&r);
	}
}
