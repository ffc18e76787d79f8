// SPDX-License-Identifier: MIT
/*
 * The oracles, each firing and each staying silent: data races (KCSAN's
 * policy), memory errors (KASAN shapes, NULL oops, kmemleak), sleeping in
 * atomic context, a lock held on return to user space, and the system-call
 * layer they are reached through (misc device, anon-inode fds, release on
 * the last reference, process exit, -EFAULT, fail_nth).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/kernel.h"
#include "hvsim/sim.h"
#include "hvsim/user.h"
#include "harness.h"
#include "programs/oprogs.h"

/* Tasks that reach the toy device, and what it saw (copied after each run). */
struct ocase {
	struct harness_case hc;
	struct op_dev_result dev;
};

/* A kernel task and a user task (in a process of its own) on @cpu. */
#define K(cpu_, fn_)	{ .cpu = (cpu_), .fn = (fn_), .name = "ktask" }
#define U(cpu_, fn_)	{ .cpu = (cpu_), .fn = (fn_), .name = "user", .user = true }

static int ocase_check(struct harness_case *hc, char *msg, size_t len)
{
	struct ocase *c = HARNESS_CONTAINER_OF(hc, struct ocase, hc);

	(void)msg;
	(void)len;
	op_dev_result(&c->dev);
	return 0;
}

/* Explore @c booted (module_init() first), with @detect. */
static struct sim_result oexplore(struct ocase *c, unsigned int detect, const char *strategy,
				  uint64_t budget)
{
	struct sim_explore_opts o = { .strategy = strategy, .seed = 1, .budget = budget };

	c->hc.name = "oracle";
	c->hc.detect = detect;
	c->hc.flags = SIM_PROG_BOOT;
	c->hc.check = ocase_check;
	return harness_explore_case(&c->hc, &o);
}

/* ---- data races ------------------------------------------------------------ */

Test(oracles, plain_plain_race_is_reported, .timeout = 60)
{
	struct ocase c = { .hc = { .ncpus = 2,
		.tasks = { K(0, op_plain_writer), K(1, op_plain_reader) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_RACE, "dfs:1", 1000);

	cr_expect_eq(r.failures, 1);
	cr_expect(strstr(r.message, "BUG: KCSAN: data-race in ") == r.message, "%s", r.message);
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "value changed: ") != NULL, "%s", r.reports);
	/* clang may shrink a global that holds only 0 and 1 to one byte. */
	cr_expect(strstr(r.reports, " bytes by task ") != NULL, "%s", r.reports);
	sim_result_release(&r);
}

Test(oracles, plain_write_vs_marked_read_only_in_strict_mode, .timeout = 60)
{
	struct ocase c = { .hc = { .ncpus = 2,
		.tasks = { K(0, op_plain_writer), K(1, op_marked_reader_of_plain) } } };
	struct sim_result d = oexplore(&c, SIM_DETECT_RACE, "dfs:2", 10000);
	struct sim_result s = oexplore(&c, SIM_DETECT_RACE | SIM_DETECT_RACE_STRICT, "dfs:2", 10000);

	/* KCSAN's default: an aligned word-sized plain write races only with marked reads. */
	cr_expect_eq(d.failures, 0, "%s", d.message);
	cr_expect(d.exhausted);
	cr_expect_eq(s.failures, 1, "strict mode must report it");
	cr_expect(strstr(s.message, "BUG: KCSAN: data-race in ") == s.message, "%s", s.message);
	sim_result_release(&d);
	sim_result_release(&s);
}

Test(oracles, marked_accesses_do_not_race, .timeout = 60)
{
	struct ocase c = { .hc = { .ncpus = 2,
		.tasks = { K(0, op_marked_writer), K(1, op_marked_reader) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_RACE, "dfs:2", 10000);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect(r.exhausted);
	sim_result_release(&r);
}

Test(oracles, accesses_under_a_lock_do_not_race, .timeout = 60)
{
	struct ocase c = { .hc = { .ncpus = 2,
		.tasks = { K(0, op_locked_writer), K(1, op_locked_reader) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_RACE | SIM_DETECT_LOCKDEP, "dfs:2", 10000);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect(r.exhausted);
	sim_result_release(&r);
}

/* ---- memory ---------------------------------------------------------------------- */

Test(oracles, use_after_free_ends_the_run_with_a_kasan_report, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { K(0, op_uaf_task) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_MEM, "timed", 1);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "BUG: KASAN: use-after-free in ") == r.message, "%s", r.message);
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "Freed by task") != NULL, "%s", r.reports);
	sim_result_release(&r);
}

Test(oracles, null_dereference_is_an_oops_and_hvsim_survives, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { K(0, op_null_task) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_MEM, "timed", 3);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "NULL pointer dereference") != NULL, "%s", r.message);
	sim_result_release(&r);
}

Test(oracles, a_fault_without_checks_is_an_oops_and_hvsim_goes_on, .timeout = 30)
{
	/* Neither booted nor checked: the backstop alone. */
	struct ocase c = {
		.hc = { .name = "oracle", .ncpus = 1, .tasks = { K(0, op_wild_task) },
			.check = ocase_check },
	};
	struct sim_explore_opts o = { .strategy = "random", .budget = 3, .keep_going = true };
	struct sim_result r = harness_explore_case(&c.hc, &o);

	cr_expect_eq(r.failures, 3, "each run faulted and was reported");
	cr_expect(strstr(r.message, "BUG: unable to handle page fault for address: 0x0000000000000010") ==
		  r.message, "%s", r.message);
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "RIP: op_wild_task+") != NULL, "%s", r.reports);
	sim_result_release(&r);
}

/* ---- traps (ud2): a kernel object's WARN and BUG ---------------------------------- */

static uintptr_t trap_first;

/* The first trap is a WARN to go on from, the second a BUG. */
static enum sim_trap warn_then_bug(uintptr_t pc, void *arg)
{
	(void)arg;
	if (!trap_first || trap_first == pc) {
		trap_first = pc;
		__warn_at("trap.c", 1, (const void *)(pc + 1));
		return SIM_TRAP_RESUME;
	}
	__bug_report_at("trap.c", 2, (const void *)(pc + 1));
	return SIM_TRAP_END;
}

static void trap_setup(struct machine *m, void *arg)
{
	if (arg)
		sim_on_trap(m, warn_then_bug, NULL);
	sim_spawn(m, 0, "trap", op_trap_task, NULL);
}

static struct sim_result trap_run(bool decoder)
{
	struct sim_program p = {
		.name = "trap", .ncpus = 1, .setup = trap_setup, .arg = decoder ? &p : NULL,
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[128];

	trap_first = 0;
	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	return r;
}

Test(oracles, a_trap_without_a_decoder_is_an_invalid_opcode_oops, .timeout = 30)
{
	struct sim_result r = trap_run(false);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect_str_eq(r.message, "invalid opcode: 0000 [#1] PREEMPT SMP");
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "RIP: op_trap_task+") != NULL, "%s", r.reports);
	sim_result_release(&r);
}

Test(oracles, a_decoded_trap_warns_and_goes_on_or_ends_the_run_as_a_bug, .timeout = 30)
{
	struct sim_result r = trap_run(true);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "WARNING: CPU: 0 PID: 1 at trap.c:1 op_trap_task+") == r.message,
		  "%s", r.message);
	cr_assert_not_null(r.reports);
	/* The second trap is reached only if the task went on after the first. */
	cr_expect(strstr(r.reports, "kernel BUG at trap.c:2!") != NULL, "%s", r.reports);
	cr_expect(strstr(r.reports, "invalid opcode") != NULL, "%s", r.reports);
	sim_result_release(&r);
}

Test(oracles, leak_is_reported_at_the_end_of_the_run, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { K(0, op_leak_task) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_MEM, "timed", 1);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect_str_eq(r.message, "BUG: memory leak");
	cr_assert_not_null(r.reports);
	cr_expect(strstr(r.reports, "unreferenced object") != NULL, "%s", r.reports);
	sim_result_release(&r);
}

Test(oracles, clean_allocations_stay_silent, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { K(0, op_clean_alloc_task) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_ALL, "random", 20);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	sim_result_release(&r);
}

/* ---- lock misuse ------------------------------------------------------------------ */

Test(oracles, sleeping_lock_with_irqs_off_is_reported, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { K(0, op_sleep_atomic_task) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_LOCKDEP, "timed", 1);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "BUG: sleeping function called from invalid context") ==
		  r.message, "%s", r.message);
	sim_result_release(&r);
}

/* ---- system calls ----------------------------------------------------------------- */

Test(oracles, syscalls_reach_the_device_and_release_on_last_reference, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 2, .tasks = { U(1, op_user_open_ioctl) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_ALL, "random", 50);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect_eq(c.dev.inits, 1, "module_init ran %d times", c.dev.inits);
	cr_expect_eq(c.dev.results[0], 3, "first fd %ld", c.dev.results[0]);
	cr_expect_eq(c.dev.results[1], 4, "anon fd %ld", c.dev.results[1]);
	cr_expect_eq(c.dev.results[2], 70);
	cr_expect_eq(c.dev.results[3], -ENOTTY);
	cr_expect_eq(c.dev.results[4], -ENOENT);
	cr_expect_eq(c.dev.results[5], 0);
	cr_expect_eq(c.dev.opens, 1);
	cr_expect_eq(c.dev.releases, 1, "close released /dev/toy");
	cr_expect_eq(c.dev.anon_releases, 1, "process exit closed the anon fd");
	sim_result_release(&r);
}

Test(oracles, lock_held_on_return_to_user_space, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { U(0, op_user_held_lock) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_LOCKDEP, "timed", 1);

	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect_str_eq(r.message, "WARNING: lock held when returning to user space!");
	sim_result_release(&r);
}

Test(oracles, fail_nth_fails_the_nth_fallible_call, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { U(0, op_user_fail_nth) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_ALL, "timed", 1);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect_eq(c.dev.results[0], 0);
	cr_expect_eq(c.dev.results[1], -ENOMEM, "the injected failure");
	cr_expect_eq(c.dev.results[2], 0, "fail_nth applies to one system call");
	sim_result_release(&r);
}

Test(oracles, copy_from_user_outside_user_memory_is_efault, .timeout = 30)
{
	struct ocase c = { .hc = { .ncpus = 1, .tasks = { U(0, op_user_efault) } } };
	struct sim_result r = oexplore(&c, SIM_DETECT_LOCKDEP, "timed", 1);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.dev.results[0], 42);
	cr_expect_eq(c.dev.results[1], -EFAULT, "a pointer to the task's stack is not user memory");
	cr_expect_eq(c.dev.results[2], -EFAULT, "a range running past the end");
	sim_result_release(&r);
}
