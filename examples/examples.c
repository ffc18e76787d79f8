// SPDX-License-Identifier: MIT
/* Host side of the examples: spawning their tasks and judging the end state. */
#include "examples.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bodies.h"

static void lu_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "inc0", lu_task, NULL);
	sim_spawn(m, 1, "inc1", lu_task, NULL);
}

static int lu_check(struct machine *m, void *arg, char *msg, size_t len)
{
	long c = lu_counter();

	(void)m;
	(void)arg;
	if (c == 2)
		return 0;
	snprintf(msg, len, "lost update: counter is %ld after two increments", c);
	return 1;
}

static void lul_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "locked0", lul_task, (void *)(uintptr_t)0);
	sim_spawn(m, 1, "locked1", lul_task, (void *)(uintptr_t)1);
}

static int lul_check(struct machine *m, void *arg, char *msg, size_t len)
{
	long c = lul_counter();

	(void)m;
	(void)arg;
	if (c == 2 * LUL_PHASES)
		return 0;
	snprintf(msg, len, "lost update under the lock: counter is %ld, expected %d",
		 c, 2 * LUL_PHASES);
	return 1;
}

static void mp_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "writer", mp_writer, NULL);
	sim_spawn(m, 1, "reader", mp_reader, NULL);
}

static int mp_check(struct machine *m, void *arg, char *msg, size_t len)
{
	int flag, data;

	(void)m;
	(void)arg;
	mp_seen(&flag, &data);
	if (!flag || data == 42)
		return 0;
	snprintf(msg, len, "message passing broken: flag seen, data %d", data);
	return 1;
}

static void sh_setup(struct machine *m, void *arg)
{
	static const char *const names[] = { "locker0", "locker1", "locker2", "locker3" };

	(void)arg;
	for (unsigned int i = 0; i < 4; i++)
		sim_spawn(m, i, names[i], sh_task, (void *)(uintptr_t)i);
}

static int sh_check(struct machine *m, void *arg, char *msg, size_t len)
{
	long c = sh_counter();

	(void)m;
	(void)arg;
	if (sh_exclusion_broken()) {
		snprintf(msg, len, "mutual exclusion broken: two CPUs in the critical section");
		return 1;
	}
	if (c != 4 * SH_ROUNDS) {
		snprintf(msg, len, "counter is %ld, expected %d", c, 4 * SH_ROUNDS);
		return 1;
	}
	return 0;
}

static void toy_setup_common(struct machine *m, bool fix)
{
	toy_set_fix(fix);
	sim_set_cpu_offline(m, 2);
	sim_spawn(m, 0, "enabler", toy_enabler_task, NULL);
	sim_spawn(m, 1, "hotplug", toy_hotplug_task, NULL);
}

static void toy_setup(struct machine *m, void *arg)
{
	(void)arg;
	toy_setup_common(m, false);
}

static void toy_fixed_setup(struct machine *m, void *arg)
{
	(void)arg;
	toy_setup_common(m, true);
}

static int toy_check(struct machine *m, void *arg, char *msg, size_t len)
{
	int unchecked, add_ret;

	(void)m;
	(void)arg;
	toy_result(&unchecked, &add_ret);
	if (unchecked) {
		snprintf(msg, len, "feature enabled on CPU 2 before its ONLINE check ran");
		return 1;
	}
	if (add_ret) {
		snprintf(msg, len, "add_cpu(2) failed: %d", add_ret);
		return 1;
	}
	return 0;
}

const struct example examples[] = {
	{
		.name = "lost-update",
		.summary = "two CPUs increment a counter without a lock (must fail)",
		.program = { "lost-update", 2, lu_setup, lu_check, NULL, 0, 0, NULL },
		.checks = {
			{ "random", 10000, 1 },
			{ "pct:2", 10000, 1 },
			{ "dfs:1", 10000, 1 },
		},
	},
	{
		.name = "lost-update-locked",
		.summary = "the same increments under a spinlock, between 10,000+ steps of local work",
		.program = { "lost-update-locked", 2, lul_setup, lul_check, NULL, 0, 0, NULL },
		.checks = {
			{ "dfs:2", 100000, 0 },
			{ "random", 2000, 0 },
		},
	},
	{
		.name = "message-passing",
		.summary = "data then a release flag; the reader never sees the flag without the data",
		.program = { "message-passing", 2, mp_setup, mp_check, NULL, 0, 0, NULL },
		.checks = {
			{ "dfs:2", 100000, 0 },
			{ "random", 2000, 0 },
		},
	},
	{
		.name = "spinlock-handoff",
		.summary = "four CPUs hand a spinlock around; completes in every schedule",
		.program = { "spinlock-handoff", 4, sh_setup, sh_check, NULL, 0, 0, NULL },
		.checks = {
			{ "timed", 500, 0 },
			{ "random", 2000, 0 },
			{ "pct:3", 2000, 0 },
		},
	},
	{
		.name = "toy-hotplug",
		.summary = "on_each_cpu() races a hot-add: the new CPU is enabled before its check (must fail)",
		.program = { "toy-hotplug", 3, toy_setup, toy_check, NULL,
			     SIM_DETECT_LOCKDEP | SIM_DETECT_MEM, 0, NULL },
		.checks = {
			{ "pct:3", 20000, 1 },
			{ "dfs:2", 200000, 1 },
		},
	},
	{
		.name = "toy-hotplug-fixed",
		.summary = "the same with cpus_read_lock() around on_each_cpu(): clean in every schedule",
		.program = { "toy-hotplug-fixed", 3, toy_fixed_setup, toy_check, NULL,
			     SIM_DETECT_LOCKDEP | SIM_DETECT_MEM, 0, NULL },
		.checks = {
			{ "dfs:2", 2000000, 0 },
			{ "random", 3000, 0 },
		},
	},
};

const size_t nr_examples = sizeof(examples) / sizeof(examples[0]);

const struct example *example_find(const char *name)
{
	for (size_t i = 0; i < nr_examples; i++)
		if (!strcmp(examples[i].name, name))
			return &examples[i];
	return NULL;
}
