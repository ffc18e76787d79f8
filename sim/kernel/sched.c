// SPDX-License-Identifier: MIT
/*
 * The kernel's runqueues: which tasks wait to run on each CPU, in arrival
 * order, and each CPU's idle task (swapper/N). The engine decides which
 * CPU performs the next step and switches tasks; it asks here which task
 * a CPU runs next, where a woken task goes, and which tasks could preempt
 * the running one (struct machine_hooks).
 *
 * Picking is the first runnable task of the list other than the idle
 * task, else the idle task: round robin by list order, no priorities.
 * A pinned task stays on its CPU; a migratable one (sim_spawn_migratable,
 * user tasks, unbound kthreads) may move when woken, as select_task_rq
 * would move it, by a SIM_CHOICE_MIGRATE decision (default: stay).
 */
#include "kernel/kmodel.h"

#include <errno.h>

#include "engine/bug.h"

/* Append @t to @cpu's runqueue. */
static void rq_append(struct machine *m, unsigned int cpu, struct task *t)
{
	struct kcpu *c = kcpu(m, cpu);

	ktask(m, t)->next_on_cpu = NULL;
	if (c->rq_tail)
		ktask(m, c->rq_tail)->next_on_cpu = t;
	else
		c->rq = t;
	c->rq_tail = t;
}

void ksched_enqueue(struct machine *m, struct task *t)
{
	ktask(m, t)->pinned = true;
	rq_append(m, t->cpu, t);
	if (t->kind == TASK_KIND_IDLE)
		kcpu(m, t->cpu)->idle = t;
}

struct task *ksched_pick_next(struct machine *m, struct cpu *c)
{
	const struct kcpu *kc = kcpu(m, c->id);

	for (struct task *t = kc->rq; t; t = ktask(m, t)->next_on_cpu)
		if (t->state == TASK_RUNNABLE && t->kind != TASK_KIND_IDLE)
			return t;
	return kc->idle;
}

unsigned int ksched_preempt_candidates(struct machine *m, struct cpu *c, struct task *t,
				       struct task **cand)
{
	unsigned int k = 0;

	for (struct task *u = kcpu(m, c->id)->rq; u; u = ktask(m, u)->next_on_cpu)
		if (u != t && u->state == TASK_RUNNABLE && u->kind != TASK_KIND_IDLE)
			cand[k++] = u;
	return k;
}

/* Move @t from its CPU's runqueue to the tail of @dst's. */
static void rq_move(struct machine *m, struct task *t, unsigned int dst)
{
	struct kcpu *c = kcpu(m, t->cpu);
	struct task *prev = NULL, *u;

	for (u = c->rq; u != t; u = ktask(m, u)->next_on_cpu)
		prev = u;
	if (prev)
		ktask(m, prev)->next_on_cpu = ktask(m, t)->next_on_cpu;
	else
		c->rq = ktask(m, t)->next_on_cpu;
	if (c->rq_tail == t)
		c->rq_tail = prev;
	rq_append(m, dst, t);
	t->cpu = dst;
}

/*
 * A woken task's CPU: a pinned task stays where it was; another one may
 * move to any online, active CPU, as the strategy says (select_task_rq).
 */
static void place_woken(struct machine *m, struct task *t)
{
	unsigned int allowed[SIM_MAX_CPUS], n = 0, v;
	struct sim_decision d;

	if (ktask(m, t)->pinned)
		return;
	/* The previous CPU first: answer 0 keeps the task where it was. */
	if (kernel_cpu_usable(m, t->cpu))
		allowed[n++] = t->cpu;
	for (unsigned int i = 0; i < m->ncpus; i++)
		if (i != t->cpu && kernel_cpu_usable(m, i))
			allowed[n++] = i;
	if (n < 2)
		return;
	d = (struct sim_decision){
		.kind = SIM_CHOICE_MIGRATE, .n = n, .step = m->step + 1,
		.cur = m->cur_cpu->id, .dflt = m->cur_cpu->id,
	};
	v = sim_choose(m, &d);
	if (allowed[v] != t->cpu)
		rq_move(m, t, allowed[v]);
}

void ksched_woken(struct machine *m, struct task *t)
{
	struct cpu *c;
	struct task *idle;

	place_woken(m, t);
	c = &m->cpus[t->cpu];
	idle = kcpu(m, t->cpu)->idle;
	/* A halted CPU wakes up for it: it was idle all along, so its clock catches up. */
	if (idle && c->cur == idle && idle->state == TASK_HALTED) {
		machine_catch_up(m, c);
		machine_set_cur(c, t);
	}
}

/*
 * The idle task: HLT until an interrupt is pending or a task is runnable
 * on this CPU, then take the interrupt or give the CPU to the task.
 */
static void idle_entry(void *arg)
{
	struct machine *m = sim_current;
	struct task *idle = m->cur_task;

	(void)arg;
	for (;;) {
		struct cpu *c = m->cur_cpu;
		struct task *next = ksched_pick_next(m, c);

		if (irq_takeable(m)) {
			idle->state = TASK_RUNNABLE;
			irq_take(m);
			continue;
		}
		if (next != idle) {
			machine_set_cur(c, next);
			idle->state = TASK_HALTED;
			machine_decide_forced(m);
			continue;
		}
		machine_wait(m, TASK_HALTED, NULL, "halt");
	}
}

void ksched_start(struct machine *m)
{
	static const char *const names[] = {
		"swapper/0", "swapper/1", "swapper/2", "swapper/3",
		"swapper/4", "swapper/5", "swapper/6", "swapper/7",
	};

	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct task *t = machine_spawn(m, i, i < 8 ? names[i] : "swapper/N",
					       idle_entry, NULL, TASK_KIND_IDLE);

		SIM_BUG_ON(!t);
		/* Idle CPUs halt; a program task on the CPU runs first. */
		t->state = TASK_HALTED;
	}
}

/* The running task gives its CPU to the next runnable task after it, if any. */
struct task *ksched_next_after(struct machine *m, struct task *t)
{
	struct task *u;

	for (u = ktask(m, t)->next_on_cpu; u; u = ktask(m, u)->next_on_cpu)
		if (u->state == TASK_RUNNABLE && u->kind != TASK_KIND_IDLE)
			return u;
	for (u = kcpu(m, t->cpu)->rq; u && u != t; u = ktask(m, u)->next_on_cpu)
		if (u->state == TASK_RUNNABLE && u->kind != TASK_KIND_IDLE)
			return u;
	return NULL;
}

int sim_spawn_migratable(struct machine *m, unsigned int cpu, const char *name,
			 sim_task_fn fn, void *arg)
{
	struct task *t;

	if (m->running)
		return -EINVAL;
	t = machine_spawn(m, cpu, name, fn, arg, TASK_KIND_PROGRAM);
	if (!t)
		return -EINVAL;
	ktask(m, t)->pinned = false;
	return 0;
}
