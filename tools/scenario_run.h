/* SPDX-License-Identifier: MIT */
/*
 * Running a scenario: one variant of a parsed scenario as a simulator
 * program (the machine, the module parameters, hv/'s flags, and the
 * syzkaller program run by the executor of tools/syz_exec.c), and the
 * reading of a failing run's report as syzkaller titles it, to hold it
 * against the variant's expectation.
 */
#ifndef HVSIM_TOOLS_SCENARIO_RUN_H
#define HVSIM_TOOLS_SCENARIO_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "hvsim/sim.h"
#include "scenario.h"

struct scn_runner;

/*
 * The program that runs variant @v of @s, named "@name/@v->name" (the
 * token is valid for that name). 0, or -EINVAL with "FILE:LINE: ..." in
 * @err for what the executor cannot run (hot-plug events, a data offset
 * beyond the process's user memory).
 */
int scn_runner_new(const struct scn *s, const char *file, const char *name,
		   const struct scn_variant *v, struct scn_runner **out, char *err, size_t errlen);
void scn_runner_free(struct scn_runner *r);
const struct sim_program *scn_runner_program(const struct scn_runner *r);
/*
 * What the last run's call @i returned (-errno, the value, or 1 if it never
 * returned), and its hot-plug event @e (add_cpu()/remove_cpu()'s result,
 * or 1 if it never ran).
 */
long scn_runner_call_result(const struct scn_runner *r, unsigned int i);
long scn_runner_event_result(const struct scn_runner *r, unsigned int e);
/* Whether a run's setup failed (a parameter no module has): the message, or NULL. */
const char *scn_runner_setup_error(const struct scn_runner *r);

/*
 * The title syzkaller would give a failing run ("WARNING in
 * vcpu_enter_guest", "KCSAN: data-race in A / B", "general protection
 * fault in F"), from its first report.
 */
void scn_title(const struct sim_result *r, char *buf, size_t len);
/* Whether @title (and the run's outcome) meets the expectation's title or class. */
bool scn_title_matches(const struct scn_variant *v, const struct sim_result *r, const char *title);

/* A variant's expectation held against exploration: what `hvsim test` prints a row of. */
struct scn_verdict {
	bool held;			/* the expectation held */
	bool capped;			/* held only up to the cap: a dfs search that was cut */
	char expected[300];		/* 'reproduces "TITLE"', 'clean' */
	char observed[320];		/* '"TITLE"', 'clean (exhausted)' */
	char title[256];		/* the failure's title, or "" */
	double seconds;			/* host time the search took */
	struct sim_result r;		/* the search (sim_result_release() it) */
};

/*
 * Explore variant @v of @s (loaded from @file, named @name in tokens) as
 * its expectation says: a `reproduces` one within its schedules, a `clean`
 * one within its own cap if it names one, else @clean_budget schedules at
 * most (or to exhaustion). 0, or
 * -EINVAL with "FILE: ..." in @err for what cannot run (the runner refuses
 * the program, a bad strategy, a setup error such as an unknown flag).
 */
int scn_verdict(const struct scn *s, const char *file, const char *name,
		const struct scn_variant *v, uint64_t clean_budget, struct scn_verdict *out,
		char *err, size_t errlen);

#endif /* HVSIM_TOOLS_SCENARIO_RUN_H */
