/* SPDX-License-Identifier: MIT */
/*
 * The engine's example programs: what each one is, how it is run by the
 * main job, and the outcome it must have.
 */
#ifndef HVSIM_EXAMPLES_H
#define HVSIM_EXAMPLES_H

#include <stddef.h>

#include "hvsim/sim.h"

/* What the main job expects of one exploration. */
struct example_check {
	const char *strategy;	/* strategy spec */
	unsigned long budget;	/* schedules at most */
	int must_fail;		/* 1: a failure must be found; 0: none, and dfs must exhaust */
};

struct example {
	const char *name;
	const char *summary;			/* one line */
	struct sim_program program;
	struct example_check checks[4];		/* the main job's runs; strategy NULL ends */
};

extern const struct example examples[];
extern const size_t nr_examples;

/* The example called @name, or NULL. */
const struct example *example_find(const char *name);

#endif /* HVSIM_EXAMPLES_H */
