// SPDX-License-Identifier: MIT
/*
 * random: at each of its stops, any runnable CPU, uniformly. The gap between
 * stops is drawn per run from a mean that itself varies per run (1 to 256
 * steps, log-uniform), so some runs interleave at every access and others
 * in long slices: both kinds of bug get a chance.
 */
#include "engine/strategy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

struct random_strategy {
	struct strategy base;
	struct rng rng;		/* this run's stream */
	uint64_t mean_gap;	/* this run's mean steps between stops */
};

static int random_create(struct strategy **out, const char *arg, char *err, size_t errlen)
{
	struct random_strategy *r;

	if (arg) {
		snprintf(err, errlen, "strategy random takes no argument, got 'random:%s'", arg);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	*out = &r->base;
	return 0;
}

static void random_destroy(struct strategy *s)
{
	free(s);
}

static uint64_t random_gap(struct random_strategy *r)
{
	return 1 + rng_below(&r->rng, 2 * r->mean_gap);
}

static bool random_begin_run(struct strategy *s, struct machine *m, uint64_t index)
{
	struct random_strategy *r = (struct random_strategy *)s;

	(void)index;
	rng_seed(&r->rng, m->run_seed);
	r->mean_gap = 1ULL << rng_below(&r->rng, 9);
	m->strategy_stop = random_gap(r);
	return true;
}

static unsigned int random_choose(struct strategy *s, struct machine *m,
				  const struct sim_decision *d)
{
	struct random_strategy *r = (struct random_strategy *)s;
	unsigned int k, cpu;

	if (d->kind != SIM_CHOICE_SCHED)
		return (unsigned int)rng_below(&r->rng, d->n);
	k = (unsigned int)rng_below(&r->rng, (uint64_t)__builtin_popcountll(d->runnable));
	for (cpu = 0;; cpu++) {
		if (!(d->runnable & (1ULL << cpu)))
			continue;
		if (!k--)
			break;
	}
	m->strategy_stop = d->step + random_gap(r);
	return sched_answer(d, cpu);
}

const struct strategy_ops strategy_random = {
	.name = "random",
	.usage = "random  a uniformly random runnable CPU at random steps",
	.create = random_create,
	.destroy = random_destroy,
	.begin_run = random_begin_run,
	.choose = random_choose,
};
