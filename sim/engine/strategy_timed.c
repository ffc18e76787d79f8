// SPDX-License-Identifier: MIT
/*
 * timed: the default. Each CPU keeps its own clock; the running CPU goes on
 * until its clock passes the smallest clock among the other runnable CPUs,
 * and then yields at its next access to that CPU. Seeded jitter at every
 * switch (cache misses, interrupts, SMT siblings: the noise of a real
 * machine) makes each run a slightly different, still plausible, timing.
 */
#include "engine/strategy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#define TIMED_DEFAULT_JITTER	64

struct timed {
	struct strategy base;
	uint32_t jitter;	/* cycles of jitter at most, per switch */
};

static int timed_create(struct strategy **out, const char *arg, char *err, size_t errlen)
{
	unsigned long j = TIMED_DEFAULT_JITTER;
	struct timed *t;

	if (arg && strategy_parse_uint("timed", arg, 0, 100000, &j, err, errlen))
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->jitter = (uint32_t)j;
	if (arg)
		snprintf(t->base.spec, sizeof(t->base.spec), "timed:%lu", j);
	*out = &t->base;
	return 0;
}

static void timed_destroy(struct strategy *s)
{
	free(s);
}

static bool timed_begin_run(struct strategy *s, struct machine *m, uint64_t index)
{
	(void)s;
	(void)index;
	m->strategy_stop = 1;
	return true;
}

/* The runnable CPU with the smallest clock other than @skip (lowest id on ties), or -1. */
static int min_clock_cpu(const struct machine *m, uint64_t runnable, int skip)
{
	int best = -1;

	for (unsigned int i = 0; i < m->ncpus; i++) {
		if (!(runnable & (1ULL << i)) || (int)i == skip)
			continue;
		if (best < 0 || m->cpus[i].cycles < m->cpus[best].cycles)
			best = (int)i;
	}
	return best;
}

/* Ops at which a CPU may yield: those another CPU could observe. */
static bool timed_visible(const struct sim_op *op)
{
	return op && (sim_kind_is_access(op->kind) || op->kind == SIM_RELAX);
}

static unsigned int timed_choose(struct strategy *s, struct machine *m,
				 const struct sim_decision *d)
{
	unsigned int target = d->cur;
	int other;

	(void)s;
	if (d->kind != SIM_CHOICE_SCHED)
		return 0;
	if (d->forced) {
		target = (unsigned int)min_clock_cpu(m, d->runnable, -1);
	} else {
		other = min_clock_cpu(m, d->runnable, (int)d->cur);
		if (other >= 0 && m->cpus[d->cur].cycles > m->cpus[other].cycles) {
			if (!timed_visible(d->op)) {
				m->strategy_stop = d->step + 1;
				return 0;
			}
			target = (unsigned int)other;
		}
	}
	/*
	 * Next look: no earlier than the first step at which @target's clock
	 * could pass the others' minimum, each step costing at most max_cost.
	 */
	other = min_clock_cpu(m, d->runnable, (int)target);
	if (other < 0) {
		m->strategy_stop = UINT64_MAX;
	} else {
		uint64_t mine = m->cpus[target].cycles, theirs = m->cpus[other].cycles;
		uint64_t gap = theirs > mine ? theirs - mine : 0;

		m->strategy_stop = d->step + 1 + gap / m->max_cost;
	}
	return sched_answer(d, target);
}

/*
 * A CPU that was not runnable at the last look (its task parked or asleep)
 * may now have the smallest clock: look again at the next step.
 */
static void timed_woke(struct strategy *s, struct machine *m, const struct task *t)
{
	(void)s;
	(void)t;
	if (m->strategy_stop > m->step + 1)
		m->strategy_stop = m->step + 1;
}

static uint32_t timed_jitter(const struct strategy *s)
{
	return ((const struct timed *)s)->jitter;
}

const struct strategy_ops strategy_timed = {
	.name = "timed",
	.usage = "timed[:J]  CPUs in clock order, J cycles of jitter per switch (default 64)",
	.create = timed_create,
	.destroy = timed_destroy,
	.begin_run = timed_begin_run,
	.choose = timed_choose,
	.woke = timed_woke,
	.jitter = timed_jitter,
};
