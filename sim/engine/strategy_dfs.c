// SPDX-License-Identifier: MIT
/*
 * dfs:P, exhaustive search over the schedules with at most P preemptions
 * (Musuvathi and Qadeer, "Iterative Context Bounding for Systematic Testing
 * of Multithreaded Programs", PLDI 2007), stateless: each schedule is a run
 * from the reset state that replays a prefix of decisions and then goes on
 * with defaults, and the next prefix comes from backtracking the last run.
 *
 * Decision points are the visible operations only: accesses to memory that
 * more than one task touches, and every forced switch. Everything between
 * two visible operations of a task is local to it and commutes with the
 * rest, so a transition is "perform the pending visible op, then run up to
 * the next one". Which memory is shared is learned: a run that sees a task
 * touch memory another task touched earlier in the exploration marks it
 * shared and, since that changes the tree, restarts the search (rarely more
 * than a few times; counted as restarts).
 *
 * Equivalent orders are pruned with sleep sets (Godefroid 1996): after the
 * subtree of choice c at node s is done, c sleeps in the subtrees of later
 * choices at s until a dependent operation runs. Two operations are
 * dependent when they touch overlapping bytes and one of them writes; a
 * task's first step (START) depends on everything. A run whose enabled
 * CPUs all sleep is redundant and is abandoned. Combining a preemption
 * bound with sleep sets can skip schedules that the bound alone would keep
 * (Coons, Musuvathi, McKinley, OOPSLA 2013); docs/design.md says more.
 */
#include "engine/strategy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"

#define DFS_MAX_BOUND	16

/* A decision point of the current path. */
struct dfs_node {
	uint64_t step;		/* the step it decides */
	uint64_t enabled;	/* SCHED: runnable CPUs */
	uint64_t done;		/* SCHED: CPUs whose subtrees are done or in progress */
	uint64_t sleep;		/* SCHED: CPUs asleep on arrival */
	uint32_t chosen;	/* SCHED: CPU of the current path; else the answer */
	uint32_t cur;		/* SCHED: the CPU that was running */
	uint32_t n;		/* answers (other kinds) */
	uint32_t preempt_before; /* preemptions on the path before this node */
	uint8_t kind;		/* enum sim_choice */
	bool forced;		/* SCHED: the running CPU could not go on */
	bool free;		/* other kinds: a non-default answer costs no preemption */
};

/* One granule (8 bytes) of memory and the tasks that touched it. */
struct dfs_granule {
	uintptr_t key;		/* address >> 3, 0 for an empty slot */
	uint64_t tasks;		/* bit per task id (ids >= 64 share bit 63) */
};

struct dfs {
	struct strategy base;
	unsigned int bound;		/* P */
	struct dfs_node *nodes;		/* the current path */
	uint32_t nnodes, cap;		/* nodes recorded, allocated */
	uint32_t prefix;		/* nodes replayed by the coming run */
	uint32_t depth;			/* next node index in this run */
	uint64_t sleep;			/* sleep set right now */
	bool restart;			/* this run found new shared memory */
	uint64_t restarts;		/* restarts so far */
	struct dfs_granule *table;	/* open addressing, power-of-two size */
	size_t tsize, tused;
};

static int dfs_create(struct strategy **out, const char *arg, char *err, size_t errlen)
{
	unsigned long bound = 2;
	struct dfs *d;

	if (arg && strategy_parse_uint("dfs", arg, 0, DFS_MAX_BOUND, &bound, err, errlen))
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->bound = (unsigned int)bound;
	snprintf(d->base.spec, sizeof(d->base.spec), "dfs:%lu", bound);
	d->tsize = 1024;
	d->table = calloc(d->tsize, sizeof(*d->table));
	if (!d->table) {
		free(d);
		return -ENOMEM;
	}
	*out = &d->base;
	return 0;
}

static void dfs_destroy(struct strategy *s)
{
	struct dfs *d = (struct dfs *)s;

	free(d->nodes);
	free(d->table);
	free(d);
}

/* ---- shared-memory table ------------------------------------------- */

static size_t granule_hash(uintptr_t key, size_t mask)
{
	return (size_t)(rng_mix(key) & mask);
}

static struct dfs_granule *granule_find(struct dfs *d, uintptr_t key)
{
	size_t mask = d->tsize - 1, i = granule_hash(key, mask);

	while (d->table[i].key && d->table[i].key != key)
		i = (i + 1) & mask;
	return &d->table[i];
}

static void table_grow(struct dfs *d)
{
	struct dfs_granule *old = d->table;
	size_t osize = d->tsize;

	d->tsize *= 2;
	d->table = calloc(d->tsize, sizeof(*d->table));
	SIM_BUG_ON(!d->table);
	for (size_t i = 0; i < osize; i++)
		if (old[i].key)
			*granule_find(d, old[i].key) = old[i];
	free(old);
}

static inline uint64_t task_bit(unsigned int id)
{
	return 1ULL << (id < 64 ? id : 63);
}

/* Large ranges are looked at by their first and last granules only. */
#define DFS_RANGE_GRANULES 64

/* Is any byte of @op touched by a task other than @task? */
static bool op_shared(struct dfs *d, unsigned int task, const struct sim_op *op)
{
	uintptr_t first = op->addr >> 3, last = (op->addr + op->size - 1) >> 3;

	if (last - first > DFS_RANGE_GRANULES)
		last = first + DFS_RANGE_GRANULES;
	for (uintptr_t g = first; g <= last; g++) {
		const struct dfs_granule *e = granule_find(d, g + 1);

		if (e->key && (e->tasks & ~task_bit(task)))
			return true;
	}
	return false;
}

static void dfs_observe(struct strategy *s, struct machine *m, const struct task *t,
			const struct sim_op *op)
{
	struct dfs *d = (struct dfs *)s;
	uintptr_t first, last;

	(void)m;
	if (!sim_kind_is_access(op->kind) || !op->size)
		return;
	first = op->addr >> 3;
	last = (op->addr + op->size - 1) >> 3;
	if (last - first > DFS_RANGE_GRANULES)
		last = first + DFS_RANGE_GRANULES;
	for (uintptr_t g = first; g <= last; g++) {
		struct dfs_granule *e;

		if (2 * (d->tused + 1) > d->tsize)
			table_grow(d);
		e = granule_find(d, g + 1);	/* +1: key 0 marks an empty slot */
		if (!e->key) {
			e->key = g + 1;
			d->tused++;
		}
		if (e->tasks & task_bit(t->id))
			continue;
		/* A second task: this memory is shared from now on. */
		if (e->tasks)
			d->restart = true;
		e->tasks |= task_bit(t->id);
	}
}

/* ---- independence --------------------------------------------------- */

static bool ops_dependent(const struct sim_op *a, const struct sim_op *b)
{
	/* Kernel primitives wake, block and queue IPIs: assume they touch everything. */
	if (a->kind == SIM_OP_START || b->kind == SIM_OP_START ||
	    a->kind == SIM_KCALL || b->kind == SIM_KCALL)
		return true;
	if (!sim_kind_is_access(a->kind) || !sim_kind_is_access(b->kind))
		return false;
	if (!sim_kind_is_write(a->kind) && !sim_kind_is_write(b->kind))
		return false;
	return a->addr < b->addr + b->size && b->addr < a->addr + a->size;
}

static const struct sim_op *cpu_pending(const struct machine *m, unsigned int cpu)
{
	return &m->cpus[cpu].cur->pending;
}

/* The sleep set after @cpu performs its pending op, from @sleep before it. */
static uint64_t sleep_after(const struct machine *m, uint64_t sleep, unsigned int cpu)
{
	const struct sim_op *op = cpu_pending(m, cpu);
	uint64_t out = 0;

	sleep &= ~(1ULL << cpu);
	for (unsigned int i = 0; i < m->ncpus; i++) {
		if (!(sleep & (1ULL << i)) || !m->cpus[i].cur)
			continue;
		if (!ops_dependent(cpu_pending(m, i), op))
			out |= 1ULL << i;
	}
	return out;
}

/* ---- the search ----------------------------------------------------- */

static bool dfs_begin_run(struct strategy *s, struct machine *m, uint64_t index)
{
	struct dfs *d = (struct dfs *)s;

	if (index > 0 && d->prefix == 0 && d->nnodes == 0 && !d->restart)
		return false;	/* backtracking found nothing left */
	d->restart = false;
	d->depth = 0;
	d->sleep = 0;
	m->strategy_stop = 1;
	return true;
}

static struct dfs_node *node_push(struct dfs *d)
{
	if (d->nnodes == d->cap) {
		uint32_t cap = d->cap ? 2 * d->cap : 256;
		struct dfs_node *n = realloc(d->nodes, cap * sizeof(*n));

		SIM_BUG_ON(!n);
		d->nodes = n;
		d->cap = cap;
	}
	return &d->nodes[d->nnodes++];
}

/* The CPUs in the order dfs tries them at a node: the default first. */
static unsigned int first_candidate(const struct sim_decision *dec, uint64_t cands)
{
	for (unsigned int v = 0; v < dec->n; v++) {
		unsigned int cpu = sched_target(dec, v);

		if (cands & (1ULL << cpu))
			return cpu;
	}
	SIM_BUG_ON(1);
	return 0;
}

/* Visible operations: kernel primitives, and accesses to shared memory. */
static bool op_visible(struct dfs *d, const struct machine *m, const struct sim_op *op)
{
	if (op->kind == SIM_KCALL)
		return true;
	return sim_kind_is_access(op->kind) && op_shared(d, m->cur_task->id, op);
}

static unsigned int dfs_choose_other(struct dfs *d, struct machine *m,
				     const struct sim_decision *dec)
{
	struct dfs_node *node;

	/* A preemption is worth a branch only where a scheduling decision is. */
	if (d->restart || (dec->op && !op_visible(d, m, dec->op)))
		return 0;
	if (d->depth < d->prefix) {
		node = &d->nodes[d->depth++];
		SIM_BUG_ON(node->step != dec->step || node->kind != dec->kind);
		return node->chosen;
	}
	node = node_push(d);
	memset(node, 0, sizeof(*node));
	node->step = dec->step;
	node->kind = (uint8_t)dec->kind;
	node->n = dec->n;
	node->free = dec->free;
	node->preempt_before = (uint32_t)m->preemptions;
	d->depth++;
	return 0;
}

static unsigned int dfs_choose(struct strategy *s, struct machine *m,
			       const struct sim_decision *dec)
{
	struct dfs *d = (struct dfs *)s;
	struct dfs_node *node;
	unsigned int chosen;
	uint64_t cands;

	if (dec->kind != SIM_CHOICE_SCHED)
		return dfs_choose_other(d, m, dec);
	m->strategy_stop = dec->step + 1;
	/* A local op, or a run about to be thrown away: go on. */
	if (d->restart || (!dec->forced && !op_visible(d, m, dec->op)))
		return 0;
	cands = dec->runnable & ~d->sleep;
	if (d->depth >= d->prefix && !cands)
		machine_abandon(m);	/* every order from here was explored */
	if (__builtin_popcountll(dec->runnable) < 2) {
		chosen = sched_target(dec, 0);
		d->sleep = sleep_after(m, d->sleep, chosen);
		return 0;
	}
	if (d->depth < d->prefix) {
		node = &d->nodes[d->depth++];
		SIM_BUG_ON(node->step != dec->step || node->kind != SIM_CHOICE_SCHED);
		SIM_BUG_ON(node->enabled != dec->runnable || node->sleep != d->sleep);
		chosen = node->chosen;
		/* Choices explored before this one sleep in its subtree. */
		d->sleep = sleep_after(m, node->sleep | (node->done & ~(1ULL << chosen)), chosen);
		return sched_answer(dec, chosen);
	}
	if (!dec->forced && (cands & (1ULL << dec->cur)))
		chosen = dec->cur;
	else
		chosen = first_candidate(dec, cands);
	if (sched_preempts(dec, chosen) && m->preemptions + 1 > d->bound)
		machine_abandon(m);	/* the running CPU sleeps; switching is over the bound */
	node = node_push(d);
	*node = (struct dfs_node){
		.step = dec->step,
		.enabled = dec->runnable,
		.done = 1ULL << chosen,
		.sleep = d->sleep,
		.chosen = chosen,
		.cur = dec->cur,
		.n = dec->n,
		.preempt_before = (uint32_t)m->preemptions,
		.kind = SIM_CHOICE_SCHED,
		.forced = dec->forced,
	};
	d->depth++;
	d->sleep = sleep_after(m, d->sleep, chosen);
	return sched_answer(dec, chosen);
}

/* Find the deepest node with an untried choice within the bound. */
static void dfs_backtrack(struct dfs *d)
{
	while (d->nnodes) {
		struct dfs_node *node = &d->nodes[d->nnodes - 1];

		if (node->kind == SIM_CHOICE_SCHED) {
			uint64_t cands = node->enabled & ~node->done & ~node->sleep;

			for (unsigned int cpu = 0; cpu < 64 && cands; cpu++) {
				bool preempt = !node->forced && cpu != node->cur;

				if (!(cands & (1ULL << cpu)))
					continue;
				if (node->preempt_before + preempt > d->bound)
					continue;
				node->chosen = cpu;
				node->done |= 1ULL << cpu;
				d->prefix = d->nnodes;
				return;
			}
		} else if (node->chosen + 1 < node->n &&
			   node->preempt_before + !node->free <= d->bound) {
			node->chosen++;
			d->prefix = d->nnodes;
			return;
		}
		d->nnodes--;
	}
	d->prefix = 0;
}

static void dfs_end_run(struct strategy *s, struct machine *m, enum sim_outcome o)
{
	struct dfs *d = (struct dfs *)s;

	(void)m;
	(void)o;
	if (d->restart) {
		/* The tree changed shape: search it again from the root. */
		d->nnodes = 0;
		d->prefix = 0;
		d->restarts++;
		return;
	}
	/* Nodes past the prefix that this run did not reach are stale. */
	if (d->depth < d->nnodes)
		d->nnodes = d->depth;
	dfs_backtrack(d);
}

static uint64_t dfs_restarts(const struct strategy *s)
{
	return ((const struct dfs *)s)->restarts;
}

const struct strategy_ops strategy_dfs = {
	.name = "dfs",
	.usage = "dfs[:P]  every schedule with at most P preemptions (default 2), sleep-set pruned",
	.create = dfs_create,
	.destroy = dfs_destroy,
	.begin_run = dfs_begin_run,
	.choose = dfs_choose,
	.end_run = dfs_end_run,
	.restarts = dfs_restarts,
	.observe = dfs_observe,
};
