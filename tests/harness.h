/* SPDX-License-Identifier: MIT */
/*
 * What the suites share, written once:
 *
 *  - a collector for the reports a detector (lockdep, race, mem) sends
 *    through its callback, asserted on after the calls;
 *  - a fake symbolizer, so report text is known without a binary;
 *  - cases: a program made of tasks on CPUs, run and checked by one
 *    setup/check pair, explored with the test failing if sim_explore()
 *    refuses;
 *  - removing a temporary folder a test wrote files into.
 *
 * Everything here runs in host context, never inside a simulated task.
 */
#ifndef HVSIM_TESTS_HARNESS_H
#define HVSIM_TESTS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvsim/sim.h"

/* ---- reports and symbols ---- */

#define HARNESS_MAX_REPORTS	64

/* A pc the symbolizer prints by name. */
struct harness_symbol {
	uintptr_t pc;
	const char *text;	/* as printed, "f+0x1/0x10"; NULL ends a table */
};

/* Reports as the callback got them. */
struct harness_reports {
	unsigned int n;				/* reports received, kept or not */
	char *title[HARNESS_MAX_REPORTS];	/* the first ones (malloc) */
	char *text[HARNESS_MAX_REPORTS];
	const struct harness_symbol *symbols;	/* named pcs, or NULL */
};

/* sim_report_fn; @arg is a struct harness_reports. */
void harness_collect(void *arg, const char *title, const char *text);
/* Free what was collected and count from 0 again; symbols stay. */
void harness_reports_clear(struct harness_reports *r);

/*
 * sim_symbolize_fn; @arg is a struct harness_reports. A pc of its symbol
 * table prints as its text; any other pc P as "fn_<P >> 8>+0x<P & 0xff>/0x100"
 * (pc 0x4210 is fn_42+0x10/0x100: the function is the pc's upper bits, the
 * offset its low byte).
 */
void harness_symbolize(void *arg, uintptr_t pc, char *buf, size_t len);

/* ---- cases ---- */

#define HARNESS_MAX_TASKS	4

/* One task of a case. */
struct harness_task {
	unsigned int cpu;	/* where it starts */
	sim_task_fn fn;		/* NULL ends the list */
	void *arg;		/* fn's argument */
	const char *name;	/* its comm; NULL: "task" */
	bool migratable;	/* may move to another CPU when woken */
	bool user;		/* a user task, in a process of its own (hvsim/user.h) */
};

/* A program made of tasks on CPUs. */
struct harness_case {
	const char *name;		/* the program's; NULL: "case" */
	unsigned int ncpus;
	unsigned int offline;		/* CPUs that start offline (bit mask) */
	const char *machine;		/* slots and CPU models, or NULL */
	unsigned int detect;		/* SIM_DETECT_* */
	unsigned int flags;		/* SIM_PROG_* */
	struct harness_task tasks[HARNESS_MAX_TASKS];
	const char *params[4][2];	/* module parameters set in setup(): name, value */
	/*
	 * The rest of setup(), after the tasks are spawned: what else a
	 * program sets up from there (sim_on_preemptible(), ...). NULL: none.
	 */
	void (*setup)(struct machine *m, struct harness_case *c);
	/*
	 * After every run: copy results out of the instrumented state and
	 * judge them, 0 or non-zero with a one-line reason. NULL: none.
	 * A suite embeds the case in its own struct to keep what it copies.
	 */
	int (*check)(struct harness_case *c, char *msg, size_t len);
	unsigned int runs;		/* runs checked */
};

/* The suite's struct around an embedded struct harness_case. */
#define HARNESS_CONTAINER_OF(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* @c as a program; valid while @c is. */
struct sim_program harness_program(struct harness_case *c);

/* sim_explore() of @p, or of @c, under @o: the test fails if it refuses. */
struct sim_result harness_explore(const struct sim_program *p, const struct sim_explore_opts *o);
struct sim_result harness_explore_case(struct harness_case *c, const struct sim_explore_opts *o);

/*
 * The reported run's token replays it: the same outcome, message and
 * reports, or the test fails. @p is the program explored.
 */
void harness_expect_replays(const struct sim_program *p, const struct sim_result *r);
/* How many printk lines of the traced run @r contain @text (the test fails untraced). */
unsigned int harness_logged(const struct sim_result *r, const char *text);

/* A strategy as a Criterion parameter (a fresh process image may get it: no pointers). */
struct harness_strat {
	char name[16];
	uint64_t seed;
};

/*
 * The parameters of SUITE's test FN: the five strategies a property that
 * holds for every schedule is checked under (the timed default, two
 * random seeds, PCT, dfs:1).
 */
#define HARNESS_STRATEGIES(suite, fn)						\
	ParameterizedTestParameters(suite, fn)					\
	{									\
		static struct harness_strat p[] = {				\
			{ "timed", 1 }, { "random", 1 }, { "random", 2 },	\
			{ "pct:3", 1 }, { "dfs:1", 0 },				\
		};								\
		return cr_make_param_array(struct harness_strat, p, 5);		\
	}

/* ---- traces ---- */

struct trace_reader;
struct trace_event;

/* A trace read whole: its events in order, its strings through the reader. */
struct harness_trace {
	struct trace_reader *tr;	/* open, for the strings */
	struct trace_event *ev;		/* every event (strings absorbed), in order */
	size_t n;			/* events */
};

/* Read the trace @data of @len bytes whole: the test fails unless it reads cleanly. */
void harness_trace_open(struct harness_trace *t, const uint8_t *data, size_t len);
void harness_trace_close(struct harness_trace *t);
/* String @id of @t; "" for 0, NULL when the trace does not define it. */
const char *harness_trace_str(const struct harness_trace *t, uint32_t id);

/* ---- files ---- */

/* Remove @dir and the files in it (not recursive); quiet if it is gone. */
void harness_remove_dir(const char *dir);

#endif /* HVSIM_TESTS_HARNESS_H */
