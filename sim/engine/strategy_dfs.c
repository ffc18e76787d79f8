// SPDX-License-Identifier: MIT
/*
 * dfs:P, exhaustive search over the schedules with at most P preemptions
 * (Musuvathi and Qadeer, "Iterative Context Bounding for Systematic Testing
 * of Multithreaded Programs", PLDI 2007), stateless: each schedule is a run
 * from the reset state that replays a prefix of decisions and then goes on
 * with defaults, and the next prefix comes from backtracking the last run.
 * As in the paper, the search goes in rounds of growing bound: every
 * schedule with no preemption, then with at most one, ... up to P, so a
 * failure that needs k preemptions is found after the rounds below k
 * whatever P is (a round repeats the schedules of the rounds before it,
 * which cost little next to its own).
 *
 * Decision points are the visible operations only: accesses to memory that
 * another live task touches, kernel primitives as their scope says
 * (docs/design.md), and every forced switch. Everything between
 * two visible operations of a task is local to it and commutes with the
 * rest, so a transition is "perform the pending visible op, then run up to
 * the next one". Which memory is shared is learned, per 8-byte granule:
 * which contexts (tasks, interrupt handlers) touched and wrote it, on which
 * CPUs. A pass decides by a copy of the table frozen at its start, so its
 * tree keeps one shape; a pass whose runs learned something that changes
 * visibility is repeated with the new table (counted as restarts), and a
 * round's proof is a pass that learned nothing.
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

/* One granule (8 bytes) of memory: who touched it, who wrote it, and where. */
struct dfs_granule {
	uintptr_t key;		/* address >> 3, 0 for an empty slot */
	uint64_t tasks;		/* contexts that touched it: context_bit() */
	uint64_t writers;	/* ... and that wrote it */
	uint64_t cpus;		/* CPUs it was touched on */
	uint64_t wcpus;		/* ... and written on */
};

struct dfs {
	struct strategy base;
	unsigned int bound;		/* P */
	unsigned int cur;		/* this round's bound: 0, 1, ... P */
	struct dfs_node *nodes;		/* the current path */
	uint32_t nnodes, cap;		/* nodes recorded, allocated */
	uint32_t prefix;		/* nodes replayed by the coming run */
	uint32_t depth;			/* next node index in this run */
	uint64_t sleep;			/* sleep set right now */
	/* The task each sleeping CPU ran when it fell asleep. */
	const struct task *sleep_task[64];
	bool learned;			/* the table has news the frozen copy lacks */
	/* Progress: the pass's first path, and the shallowest node backtracked to. */
	uint32_t first_path, frontier;
	bool pass_started;
	uint64_t restarts;		/* passes repeated for what they learned */
	struct dfs_granule *table;	/* open addressing, power-of-two size */
	size_t tsize, tused;
	struct dfs_granule *vis;	/* the table as the current pass decides by */
	size_t vsize;
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
	free(d->vis);
	free(d);
}

/* ---- shared-memory table ------------------------------------------- */

static size_t granule_hash(uintptr_t key, size_t mask)
{
	return (size_t)(rng_mix(key) & mask);
}

static struct dfs_granule *granule_in(struct dfs_granule *table, size_t size, uintptr_t key)
{
	size_t mask = size - 1, i = granule_hash(key, mask);

	while (table[i].key && table[i].key != key)
		i = (i + 1) & mask;
	return &table[i];
}

static struct dfs_granule *granule_find(struct dfs *d, uintptr_t key)
{
	return granule_in(d->table, d->tsize, key);
}

/* The next pass decides by what the table knows now. */
static void table_freeze(struct dfs *d)
{
	if (d->vsize != d->tsize) {
		free(d->vis);
		d->vis = malloc(d->tsize * sizeof(*d->vis));
		SIM_BUG_ON(!d->vis);
		d->vsize = d->tsize;
	}
	memcpy(d->vis, d->table, d->tsize * sizeof(*d->vis));
	d->learned = false;
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

/*
 * Who touched a granule: a bit per task id (ids from 62 on share bit 62),
 * and bit 63 for interrupt handlers, whichever task they interrupted: a
 * handler's accesses race with the code it interrupts, and an IPI's
 * function is its sender's work, done in the target.
 */
#define DFS_SHARED_BIT	62
#define DFS_IRQ_BIT	63

static inline uint64_t task_bit(unsigned int id)
{
	return 1ULL << (id < DFS_SHARED_BIT ? id : DFS_SHARED_BIT);
}

static inline uint64_t context_bit(const struct task *t)
{
	return t->irq_depth ? 1ULL << DFS_IRQ_BIT : task_bit(t->id);
}

/* Accesses, and primitives on one object (SIM_SCOPE_OBJECT), touch their bytes. */
static bool op_touches_memory(const struct sim_op *op)
{
	return (sim_kind_is_access(op->kind) ||
		(op->kind == SIM_KCALL && op->scope == SIM_SCOPE_OBJECT)) && op->size;
}

/* Large ranges are looked at by their first 64 granules only. */
#define DFS_RANGE_GRANULES 64

/*
 * Of the tasks in @tasks, those that may still run in this run. A task that
 * has exited touches nothing more, so memory it shared with the current
 * task is the current task's own from then on (the init task's, say, once
 * boot is over). The table of a pass that learned nothing is complete for
 * its runs, so every task that will touch the memory later in the run is
 * in @tasks and has not exited. The shared bit and the
 * interrupt bit count as live, as do tasks not spawned yet.
 */
static uint64_t live_tasks(const struct machine *m, uint64_t tasks)
{
	uint64_t always = 1ULL << DFS_SHARED_BIT | 1ULL << DFS_IRQ_BIT;
	uint64_t live = tasks & always;

	for (uint64_t rest = tasks & ~always; rest; rest &= rest - 1) {
		unsigned int id = (unsigned int)__builtin_ctzll(rest);

		if (id >= m->ntasks || m->tasks[id].state != TASK_DONE)
			live |= 1ULL << id;	/* not spawned yet in this run, or running */
	}
	return live;
}

/* A primitive on one object counts as a write of it. */
static bool op_writes(const struct sim_op *op)
{
	return sim_kind_is_write(op->kind) || op->kind == SIM_KCALL;
}

/*
 * Does @op conflict with what a live context other than @self does to the
 * memory: a write with any touch, a read with a write? With @other_cpu, is
 * that context also on a CPU other than @cpu? Memory only one CPU ever
 * touches (per-CPU data, say) is shared between that CPU's tasks, which
 * interleave by preemption, blocking and interrupts, never by a choice of
 * CPU: it matters to the other kinds of choice, not to which CPU steps
 * next. Reads of memory only exited tasks wrote (the init task's, at
 * boot) conflict with nothing.
 */
static bool op_shared(struct dfs *d, const struct machine *m, uint64_t self,
		      unsigned int cpu, bool other_cpu, const struct sim_op *op)
{
	uintptr_t first = op->addr >> 3, last = (op->addr + op->size - 1) >> 3;
	bool writes = op_writes(op);

	if (last - first > DFS_RANGE_GRANULES)
		last = first + DFS_RANGE_GRANULES;
	for (uintptr_t g = first; g <= last; g++) {
		const struct dfs_granule *e = granule_in(d->vis, d->vsize, g + 1);
		uint64_t who = writes ? e->tasks : e->writers;
		uint64_t where = writes ? e->cpus : e->wcpus;

		if (e->key && live_tasks(m, who & ~self) &&
		    (!other_cpu || (where & ~(1ULL << cpu))))
			return true;
	}
	return false;
}

static void dfs_observe(struct strategy *s, struct machine *m, const struct task *t,
			const struct sim_op *op)
{
	struct dfs *d = (struct dfs *)s;
	uint64_t cpu_bit = 1ULL << m->cur_cpu->id, self = context_bit(t);
	bool writes = op_writes(op);
	struct dfs_granule before;
	uintptr_t first, last;

	if (!op_touches_memory(op))
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
		before = *e;
		e->tasks |= self;
		e->cpus |= cpu_bit;
		if (writes) {
			e->writers |= self;
			e->wcpus |= cpu_bit;
		}
		/*
		 * Anything new about memory two contexts touch changes what
		 * is visible, and so the tree.
		 */
		if (memcmp(&before, e, sizeof(before)) && (e->tasks & ~self))
			d->learned = true;
	}
}

/* ---- independence --------------------------------------------------- */

static bool ops_dependent(const struct sim_op *a, const struct sim_op *b)
{
	/* Other primitives wake, block and queue IPIs: assume they touch everything. */
	if (a->kind == SIM_OP_START || b->kind == SIM_OP_START ||
	    (a->kind == SIM_KCALL && a->scope == SIM_SCOPE_ANY) ||
	    (b->kind == SIM_KCALL && b->scope == SIM_SCOPE_ANY))
		return true;
	if (!op_touches_memory(a) || !op_touches_memory(b))
		return false;
	if (!op_writes(a) && !op_writes(b))
		return false;
	return a->addr < b->addr + b->size && b->addr < a->addr + a->size;
}

static const struct sim_op *cpu_pending(const struct machine *m, unsigned int cpu)
{
	return &m->cpus[cpu].cur->pending;
}

/* The CPUs of @mask fall asleep on the ops their tasks have pending now. */
static void sleep_note(struct dfs *d, const struct machine *m, uint64_t mask)
{
	for (; mask; mask &= mask - 1) {
		unsigned int cpu = (unsigned int)__builtin_ctzll(mask);

		d->sleep_task[cpu] = m->cpus[cpu].cur;
	}
}

/*
 * A sleeping CPU that now runs another task (a wake-up on an object put
 * one there) has another op pending: it wakes.
 */
static void sleep_check_tasks(struct dfs *d, const struct machine *m)
{
	for (uint64_t mask = d->sleep; mask; mask &= mask - 1) {
		unsigned int cpu = (unsigned int)__builtin_ctzll(mask);

		if (m->cpus[cpu].cur != d->sleep_task[cpu])
			d->sleep &= ~(1ULL << cpu);
	}
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

	if (index == 0) {
		table_freeze(d);
	} else if (d->prefix == 0 && d->nnodes == 0) {
		/*
		 * Backtracking found nothing left under this round's bound.
		 * A pass whose runs learned of more shared memory decided by
		 * a table that was short: the round goes again with the new
		 * one. A pass that learned nothing is the round's proof.
		 */
		if (d->learned) {
			table_freeze(d);
			d->restarts++;
		} else if (d->cur == d->bound) {
			return false;
		} else {
			d->cur++;
		}
		d->pass_started = false;
	}
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

/*
 * Visible operations: kernel primitives (those on one object only when
 * another task touches it; never those on the CPU's own registers), and
 * accesses to shared memory. A choice before an instruction on the CPU's
 * registers changes nothing: no other CPU touches them, and kernel code
 * runs such instructions with preemption off, so no other task of the CPU
 * can come in between either.
 */
static bool op_visible(struct dfs *d, const struct machine *m, const struct sim_op *op,
		       bool sched)
{
	if (op->kind == SIM_KCALL && op->scope == SIM_SCOPE_ANY)
		return true;
	return op_touches_memory(op) &&
	       op_shared(d, m, context_bit(m->cur_task), m->cur_cpu->id, sched, op);
}

static unsigned int dfs_choose_other(struct dfs *d, struct machine *m,
				     const struct sim_decision *dec)
{
	struct dfs_node *node;

	/* A preemption is worth a branch only where a scheduling decision is. */
	if (dec->op && !op_visible(d, m, dec->op, false))
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
	/* A local op: go on. */
	if (!dec->forced && !op_visible(d, m, dec->op, true))
		return 0;
	sleep_check_tasks(d, m);
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
		sleep_note(d, m, node->done & ~(1ULL << chosen));
		d->sleep = sleep_after(m, node->sleep | (node->done & ~(1ULL << chosen)), chosen);
		return sched_answer(dec, chosen);
	}
	if (!dec->forced && (cands & (1ULL << dec->cur)))
		chosen = dec->cur;
	else
		chosen = first_candidate(dec, cands);
	if (sched_preempts(dec, chosen) && m->preemptions + 1 > d->cur)
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
				if (node->preempt_before + preempt > d->cur)
					continue;
				node->chosen = cpu;
				node->done |= 1ULL << cpu;
				d->prefix = d->nnodes;
				return;
			}
		} else if (node->chosen + 1 < node->n &&
			   node->preempt_before + !node->free <= d->cur) {
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
	/* Nodes past the prefix that this run did not reach are stale. */
	if (d->depth < d->nnodes)
		d->nnodes = d->depth;
	if (!d->pass_started) {
		d->pass_started = true;
		d->first_path = d->frontier = d->nnodes;
	}
	dfs_backtrack(d);
	if (d->prefix && d->prefix - 1 < d->frontier)
		d->frontier = d->prefix - 1;
}

static void dfs_position(const struct strategy *s, unsigned int *round, uint32_t *node,
			 uint32_t *path)
{
	const struct dfs *d = (const struct dfs *)s;

	*round = d->cur;
	*node = d->frontier;
	*path = d->first_path;
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
	.position = dfs_position,
	.observe = dfs_observe,
};
