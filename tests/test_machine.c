// SPDX-License-Identifier: MIT
/*
 * Machine lifecycle, in a binary with no instrumented code: several
 * machines created and destroyed in any order, the SIGSEGV backstop
 * installed once per process and chained to the handler that was there
 * before, and runs without an instrumented-data section (nothing to save or
 * restore; UBSan used to see a memcpy from NULL here).
 */
#include <criterion/criterion.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

#include "hvsim/sim.h"

static void spin_task(void *arg)
{
	(*(int *)arg)++;
}

static int ran;

static void setup_two(struct machine *m, void *arg)
{
	(void)arg;
	cr_assert_eq(sim_spawn(m, 0, "a", spin_task, &ran), 0);
	cr_assert_eq(sim_spawn(m, 1, "b", spin_task, &ran), 0);
}

static const struct sim_program two_tasks = { "two-tasks", 2, setup_two, NULL, NULL, 0, 0, NULL };

static void run_once(struct machine *m)
{
	struct sim_result r;
	char err[128];

	memset(&r, 0, sizeof(r));
	cr_assert_eq(sim_run(m, &two_tasks, "random", 7, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.outcome, SIM_OK, "%s", r.message);
	sim_result_release(&r);
}

Test(machine, no_instrumented_data_runs)
{
	struct machine *m = sim_machine_create(2);

	cr_assert_not_null(m);
	ran = 0;
	run_once(m);
	run_once(m);
	cr_assert_eq(ran, 4);
	sim_machine_destroy(m);
}

Test(machine, created_and_destroyed_in_any_order)
{
	struct machine *a = sim_machine_create(2), *b = sim_machine_create(2), *c;

	cr_assert(a && b);
	run_once(a);
	sim_machine_destroy(a);		/* the first one goes first */
	run_once(b);
	c = sim_machine_create(2);
	cr_assert_not_null(c);
	run_once(c);
	run_once(b);
	sim_machine_destroy(b);
	run_once(c);
	sim_machine_destroy(c);
}

/* A handler the process had before any machine: host faults still reach it. */
static sigjmp_buf host_jmp;
static volatile sig_atomic_t host_faults;

static void host_handler(int sig)
{
	(void)sig;
	host_faults++;
	siglongjmp(host_jmp, 1);
}

static void host_fault(void)
{
	volatile char *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	cr_assert(p != MAP_FAILED);
	if (!sigsetjmp(host_jmp, 1))
		*p = 1;
	munmap((void *)p, 4096);
}

Test(machine, backstop_chains_to_the_previous_handler)
{
	struct sigaction sa;
	struct machine *m;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = host_handler;
	sigemptyset(&sa.sa_mask);
	cr_assert_eq(sigaction(SIGSEGV, &sa, NULL), 0);

	m = sim_machine_create(2);
	cr_assert_not_null(m);
	host_fault();		/* outside a run: not ours */
	cr_assert_eq(host_faults, 1);
	run_once(m);
	host_fault();
	cr_assert_eq(host_faults, 2);
	sim_machine_destroy(m);
	host_fault();		/* the backstop stays installed, still chaining */
	cr_assert_eq(host_faults, 3);
}
