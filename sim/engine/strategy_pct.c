// SPDX-License-Identifier: MIT
/*
 * pct:D, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
 * Nagarakatte, "A Randomized Scheduler with Probabilistic Guarantees of
 * Finding Bugs", ASPLOS 2010). Each run gives the CPUs distinct random
 * priorities D .. D+n-1 and picks D-1 change points uniformly among the k
 * steps of a run; the highest-priority runnable CPU always runs, and at the
 * i-th change point the running CPU drops to priority D-i. A bug of depth d
 * <= D is then found by one run with probability at least 1/(n k^(d-1)).
 *
 * k is the longest run seen so far: run 0 has no change point and measures.
 */
#include "engine/strategy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define PCT_MAX_DEPTH	16

struct pct {
	struct strategy base;
	unsigned int depth;			/* D */
	uint64_t k;				/* steps of the longest run so far */
	struct rng rng;				/* this run's stream */
	uint32_t prio[SIM_MAX_CPUS];		/* current priority per CPU */
	uint64_t change[PCT_MAX_DEPTH];		/* change points, ascending */
	unsigned int nchange;			/* change points this run */
	unsigned int next_change;		/* index of the next one */
};

static int pct_create(struct strategy **out, const char *arg, char *err, size_t errlen)
{
	unsigned long d = 3;
	struct pct *p;

	if (arg && strategy_parse_uint("pct", arg, 1, PCT_MAX_DEPTH, &d, err, errlen))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->depth = (unsigned int)d;
	snprintf(p->base.spec, sizeof(p->base.spec), "pct:%lu", d);
	*out = &p->base;
	return 0;
}

static void pct_destroy(struct strategy *s)
{
	free(s);
}

static bool pct_begin_run(struct strategy *s, struct machine *m, uint64_t index)
{
	struct pct *p = (struct pct *)s;
	unsigned int n = m->ncpus;

	(void)index;
	rng_seed(&p->rng, m->run_seed);
	/* A random permutation of D .. D+n-1 (Fisher-Yates). */
	for (unsigned int i = 0; i < n; i++)
		p->prio[i] = p->depth + i;
	for (unsigned int i = n - 1; i > 0; i--) {
		unsigned int j = (unsigned int)rng_below(&p->rng, i + 1);
		uint32_t tmp = p->prio[i];

		p->prio[i] = p->prio[j];
		p->prio[j] = tmp;
	}
	p->nchange = p->k ? p->depth - 1 : 0;
	for (unsigned int i = 0; i < p->nchange; i++)
		p->change[i] = 1 + rng_below(&p->rng, p->k);
	/* Sort ascending; the i-th in time lowers to D-1-i. */
	for (unsigned int i = 1; i < p->nchange; i++)
		for (unsigned int j = i; j > 0 && p->change[j - 1] > p->change[j]; j--) {
			uint64_t tmp = p->change[j];

			p->change[j] = p->change[j - 1];
			p->change[j - 1] = tmp;
		}
	p->next_change = 0;
	m->strategy_stop = p->nchange ? p->change[0] : UINT64_MAX;
	return true;
}

static unsigned int pct_choose(struct strategy *s, struct machine *m,
			       const struct sim_decision *d)
{
	struct pct *p = (struct pct *)s;
	unsigned int best = 0;
	bool found = false;

	if (d->kind != SIM_CHOICE_SCHED) {
		/*
		 * Other choices (fault injection, IPI timing) deviate from
		 * the default as often as a change point occurs: D-1 in k.
		 */
		if (d->n > 1 && p->k && rng_below(&p->rng, p->k) < p->depth - 1)
			return 1 + (unsigned int)rng_below(&p->rng, d->n - 1);
		return 0;
	}
	while (p->next_change < p->nchange && p->change[p->next_change] <= d->step) {
		p->prio[d->cur] = p->depth - 1 - p->next_change;
		p->next_change++;
	}
	for (unsigned int i = 0; i < m->ncpus; i++) {
		if (!(d->runnable & (1ULL << i)))
			continue;
		if (!found || p->prio[i] > p->prio[best]) {
			best = i;
			found = true;
		}
	}
	m->strategy_stop = p->next_change < p->nchange ? p->change[p->next_change] : UINT64_MAX;
	if (m->strategy_stop <= d->step)
		m->strategy_stop = d->step + 1;
	return sched_answer(d, best);
}

static void pct_end_run(struct strategy *s, struct machine *m, enum sim_outcome o)
{
	struct pct *p = (struct pct *)s;

	(void)o;
	if (m->step > p->k)
		p->k = m->step;
}

const struct strategy_ops strategy_pct = {
	.name = "pct",
	.usage = "pct[:D]  PCT with bug depth D (default 3): D-1 random priority change points",
	.create = pct_create,
	.destroy = pct_destroy,
	.begin_run = pct_begin_run,
	.choose = pct_choose,
	.end_run = pct_end_run,
};
