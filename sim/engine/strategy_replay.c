// SPDX-License-Identifier: MIT
/*
 * replay: answer every choice from a decision log (a schedule token's body)
 * and 0 everywhere else. Since a run is a pure function of its decisions,
 * its seed (jitter) and the binary, this reproduces the run exactly. An
 * answer that no longer fits (a runnable CPU that is not, a log entry never
 * reached) marks the replay as diverged: the token belongs to another
 * program or variant.
 *
 * Two edits serve the tools that take a failing run apart (sim_window,
 * sim_reduce): one entry may name its CPU instead of an answer (it was
 * moved to another step, where the same answer would name another CPU),
 * and the replay notes, for each entry it applies, the clock of the CPU
 * it was decided on and whether it preempted that CPU.
 */
#include "engine/strategy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct replay {
	struct strategy base;
	struct sim_decision_rec *log;	/* owned copy */
	uint32_t len;
	uint32_t pos;			/* next entry to use */
	uint32_t jitter;		/* of the strategy that found the run */
	bool diverged;
	uint32_t by_cpu;		/* entry whose value is a CPU, or UINT32_MAX */
	struct replay_note *notes;	/* per entry, when applied (NULL: not kept) */
};

static uint64_t replay_next_stop(const struct replay *r)
{
	return r->pos < r->len ? r->log[r->pos].step : UINT64_MAX;
}

int strategy_replay_create(struct strategy **out, const struct sim_decision_rec *log,
			   uint32_t len, uint32_t jitter)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->log = malloc((len ? len : 1) * sizeof(*log));
	if (!r->log) {
		free(r);
		return -ENOMEM;
	}
	if (len)
		memcpy(r->log, log, len * sizeof(*log));
	r->len = len;
	r->jitter = jitter;
	r->by_cpu = UINT32_MAX;
	r->base.ops = &strategy_replay;
	strcpy(r->base.spec, "replay");
	*out = &r->base;
	return 0;
}

static int replay_create(struct strategy **out, const char *arg, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	return strategy_replay_create(out, NULL, 0, 0);
}

static void replay_destroy(struct strategy *s)
{
	struct replay *r = (struct replay *)s;

	free(r->log);
	free(r->notes);
	free(r);
}

int strategy_replay_edit(struct strategy *s, uint32_t by_cpu, bool notes)
{
	struct replay *r = (struct replay *)s;

	r->by_cpu = by_cpu;
	if (notes && !r->notes) {
		r->notes = calloc(r->len ? r->len : 1, sizeof(*r->notes));
		if (!r->notes)
			return -ENOMEM;
	}
	return 0;
}

const struct replay_note *strategy_replay_notes(const struct strategy *s)
{
	return ((const struct replay *)s)->notes;
}

static bool replay_begin_run(struct strategy *s, struct machine *m, uint64_t index)
{
	struct replay *r = (struct replay *)s;

	if (index > 0)
		return false;	/* one schedule */
	r->pos = 0;
	r->diverged = false;
	if (r->notes)
		memset(r->notes, 0, r->len * sizeof(*r->notes));
	m->strategy_stop = replay_next_stop(r);
	return true;
}

static unsigned int replay_choose(struct strategy *s, struct machine *m,
				  const struct sim_decision *d)
{
	struct replay *r = (struct replay *)s;
	uint32_t slot = d->ordinal * SIM_CHOICE_SLOTS + d->kind;
	unsigned int v = 0;

	if (r->pos < r->len && r->log[r->pos].step < d->step)
		r->diverged = true;	/* an entry the run never reached */
	while (r->pos < r->len && r->log[r->pos].step < d->step)
		r->pos++;
	if (r->pos < r->len && r->log[r->pos].step == d->step &&
	    r->log[r->pos].ordinal == slot) {
		uint32_t i = r->pos++;

		v = r->log[i].value;
		if (i == r->by_cpu) {
			/* A CPU, not an answer: valid only as a switch to a CPU that can run. */
			if (d->kind != SIM_CHOICE_SCHED || v >= d->n || !(d->runnable & (1ULL << v)))
				v = d->n;
			else
				v = sched_answer(d, v);
		}
		if (!v || v >= d->n || (d->kind == SIM_CHOICE_SCHED &&
					!(d->runnable & (1ULL << sched_target(d, v))))) {
			r->diverged = true;
			v = 0;
		} else if (r->notes) {
			struct replay_note *n = &r->notes[i];

			n->applied = true;
			n->kind = d->kind;
			n->cur = m->cur_cpu->id;
			n->cycles = m->cur_cpu->cycles;
			if (d->kind == SIM_CHOICE_SCHED) {
				n->cpu = sched_target(d, v);
				n->preempt = sched_preempts(d, n->cpu);
			} else {
				n->cpu = n->cur;
				n->preempt = !d->free;
			}
		}
	}
	if (d->kind == SIM_CHOICE_SCHED)
		m->strategy_stop = replay_next_stop(r);
	return v;
}

static void replay_end_run(struct strategy *s, struct machine *m, enum sim_outcome o)
{
	struct replay *r = (struct replay *)s;

	(void)m;
	if (r->pos < r->len && o != SIM_ABANDONED)
		r->diverged = true;
}

bool strategy_replay_diverged(const struct strategy *s)
{
	return ((const struct replay *)s)->diverged;
}

static uint32_t replay_jitter(const struct strategy *s)
{
	return ((const struct replay *)s)->jitter;
}

const struct strategy_ops strategy_replay = {
	.name = "replay",
	.usage = "replay  the decisions of a schedule token",
	.create = replay_create,
	.destroy = replay_destroy,
	.begin_run = replay_begin_run,
	.choose = replay_choose,
	.end_run = replay_end_run,
	.jitter = replay_jitter,
};
