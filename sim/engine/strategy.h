/* SPDX-License-Identifier: MIT */
/*
 * The strategy interface: one file per strategy behind these few calls.
 *
 * The engine consults a strategy at the steps it asks for (strategy_stop)
 * and at every forced switch; between those the running CPU goes on. A
 * strategy must give the same answers for the same (arguments, run seed,
 * earlier runs), whatever else the engine does in between (tracing, spin
 * parking): it may not draw random numbers except when consulted.
 */
#ifndef HVSIM_STRATEGY_H
#define HVSIM_STRATEGY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/machine.h"

struct strategy;

struct strategy_ops {
	const char *name;
	const char *usage;		/* e.g. "pct:D  (D >= 1)" */
	/* Parse @arg (text after ':', or NULL) and allocate; -EINVAL with a message. */
	int (*create)(struct strategy **out, const char *arg, char *err, size_t errlen);
	void (*destroy)(struct strategy *s);
	/*
	 * Before run number @index (from 0). Sets m->strategy_stop. Returns
	 * false when the strategy's space is exhausted: no run happens.
	 */
	bool (*begin_run)(struct strategy *s, struct machine *m, uint64_t index);
	/* Answer @d; for SCHED, also set m->strategy_stop for what follows. */
	unsigned int (*choose)(struct strategy *s, struct machine *m,
			       const struct sim_decision *d);
	/* Optional: after the run (outcome known). */
	void (*end_run)(struct strategy *s, struct machine *m, enum sim_outcome o);
	/* Optional: cycles of jitter a switch may add (timed); else 0. */
	uint32_t (*jitter)(const struct strategy *s);
	/* Optional: restarts of the search so far (dfs); else 0. */
	uint64_t (*restarts)(const struct strategy *s);
	/* Optional: where a systematic search is (dfs; sim_result.search_*). */
	void (*position)(const struct strategy *s, unsigned int *round, uint32_t *node,
			 uint32_t *path);
	/* Optional: sees every op as it is performed (dfs learns shared memory). */
	void (*observe)(struct strategy *s, struct machine *m, const struct task *t,
			const struct sim_op *op);
	/*
	 * Optional: task @t became runnable (woken from sleep or a parked
	 * spin). A strategy that stopped looking because no other CPU could
	 * run (timed) moves m->strategy_stop up to see it.
	 */
	void (*woke)(struct strategy *s, struct machine *m, const struct task *t);
};

/* Every strategy starts with this header. */
struct strategy {
	const struct strategy_ops *ops;
	char spec[32];			/* canonical "name[:arg]" */
};

extern const struct strategy_ops strategy_timed;
extern const struct strategy_ops strategy_random;
extern const struct strategy_ops strategy_pct;
extern const struct strategy_ops strategy_dfs;
extern const struct strategy_ops strategy_replay;

/* The optional ops, with their defaults. */
static inline uint32_t strategy_jitter(const struct strategy *s)
{
	return s->ops->jitter ? s->ops->jitter(s) : 0;
}

static inline uint64_t strategy_restarts(const struct strategy *s)
{
	return s->ops->restarts ? s->ops->restarts(s) : 0;
}

static inline void strategy_position(const struct strategy *s, unsigned int *round,
				     uint32_t *node, uint32_t *path)
{
	*round = 0;
	*node = *path = 0;
	if (s->ops->position)
		s->ops->position(s, round, node, path);
}

/* Create a strategy from "name[:arg]". -EINVAL with a message. */
int strategy_create(const char *spec, struct strategy **out, char *err, size_t errlen);
void strategy_destroy(struct strategy *s);

/* A replay strategy that answers from a decision log. */
int strategy_replay_create(struct strategy **out, const struct sim_decision_rec *log,
			   uint32_t len, uint32_t jitter);
/* Did the replayed run consume the whole log, with every answer valid? */
bool strategy_replay_diverged(const struct strategy *s);

/* What a replay noted about a log entry it applied. */
struct replay_note {
	bool applied;		/* the run reached it and its answer fit */
	enum sim_choice kind;
	/*
	 * It cost a preemption: SCHED, it switched away from a CPU that
	 * could go on; the others, any non-default answer but a free one.
	 */
	bool preempt;
	unsigned int cur;	/* the CPU it was decided on */
	unsigned int cpu;	/* SCHED: the CPU it ran next; else cur */
	uint64_t cycles;	/* cur's clock when it was decided */
};

/*
 * Edit a replay before its run: log entry @by_cpu (UINT32_MAX: none) holds
 * the CPU a SCHED decision switches to instead of an answer; with @notes,
 * keep a note per entry (strategy_replay_notes(), one per log entry, valid
 * after the run). 0 or -ENOMEM.
 */
int strategy_replay_edit(struct strategy *s, uint32_t by_cpu, bool notes);
const struct replay_note *strategy_replay_notes(const struct strategy *s);

/* Helpers shared by the strategies. */

/* Parse the decimal argument of "name:N" in [lo, hi]; -EINVAL with a message. */
int strategy_parse_uint(const char *name, const char *arg, unsigned long lo,
			unsigned long hi, unsigned long *out, char *err, size_t errlen);

/* The CPU @v names in a SCHED decision (offset from the default). */
static inline unsigned int sched_target(const struct sim_decision *d, unsigned int v)
{
	return (d->dflt + v) % d->n;
}

/* The answer that names @cpu. */
static inline unsigned int sched_answer(const struct sim_decision *d, unsigned int cpu)
{
	return (cpu + d->n - d->dflt) % d->n;
}

/* Is running @cpu after SCHED decision @d a preemption? */
static inline bool sched_preempts(const struct sim_decision *d, unsigned int cpu)
{
	return !d->forced && cpu != d->cur;
}

#endif /* HVSIM_STRATEGY_H */
