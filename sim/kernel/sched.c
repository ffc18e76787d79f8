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
 * would move it, by a SIM_CHOICE_MIGRATE decision (default: stay), to a
 * CPU of its affinity mask (set_cpus_allowed_ptr, sched_setaffinity).
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
	ktask(m, t)->allowed = ~0ULL;
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

/* May @t run on @cpu: online, active, and in its affinity mask? */
static bool task_cpu_ok(const struct machine *m, const struct task *t, unsigned int cpu)
{
	return kernel_cpu_usable(m, cpu) && (ktask(m, t)->allowed & (1ULL << cpu));
}

/*
 * A woken task's CPU: a pinned task stays where it was; another one may
 * move to any online, active CPU of its mask, as the strategy says
 * (select_task_rq). One whose CPU left its mask (or went away) moves to
 * the first that is in it, without a choice.
 */
static void place_woken(struct machine *m, struct task *t)
{
	unsigned int allowed[SIM_MAX_CPUS], n = 0, v;
	struct sim_decision d;

	if (ktask(m, t)->pinned)
		return;
	/* The previous CPU first: answer 0 keeps the task where it was. */
	if (task_cpu_ok(m, t, t->cpu))
		allowed[n++] = t->cpu;
	for (unsigned int i = 0; i < m->ncpus; i++)
		if (i != t->cpu && task_cpu_ok(m, t, i))
			allowed[n++] = i;
	if (!n)
		return;
	v = 0;
	if (n > 1) {
		d = (struct sim_decision){
			.kind = SIM_CHOICE_MIGRATE, .n = n, .step = m->step + 1,
			.cur = m->cur_cpu->id, .dflt = m->cur_cpu->id,
		};
		v = sim_choose(m, &d);
	}
	if (allowed[v] != t->cpu)
		rq_move(m, t, allowed[v]);
}

/* A runnable task just queued on @cpu: a halted CPU wakes up for it. */
static void kick_idle(struct machine *m, unsigned int cpu, struct task *t)
{
	struct cpu *c = &m->cpus[cpu];
	struct task *idle = kcpu(m, cpu)->idle;

	/* It was idle all along, so its clock catches up. */
	if (idle && c->cur == idle && idle->state == TASK_HALTED) {
		machine_catch_up(m, c);
		machine_set_cur(c, t);
	}
}

/*
 * Is @cpu free for a pushed task: halted in its idle task, and no other
 * live task bound to it (one asleep there would wake up queued behind the
 * newcomer, and with no time slice it would wait as long as the newcomer
 * spins)?
 */
static bool cpu_free(const struct machine *m, unsigned int cpu)
{
	const struct task *idle = kcpu(m, cpu)->idle;

	if (!idle || m->cpus[cpu].cur != idle || idle->state != TASK_HALTED)
		return false;
	for (const struct task *u = kcpu(m, cpu)->rq; u; u = ktask(m, u)->next_on_cpu)
		if (u != idle && u->state != TASK_DONE)
			return false;
	return true;
}

/* What @t's CPU runs once @t leaves it: the next runnable task, or its idle task. */
static struct task *other_next(struct machine *m, struct task *t)
{
	struct task *next = ksched_next_after(m, t);

	return next ? next : kcpu(m, t->cpu)->idle;
}

/*
 * The running task @t was preempted for @next, or (@next NULL) runs
 * alone on its CPU and could be pushed away: the load balancer may move
 * an unpinned task to a free CPU of its mask (SIM_CHOICE_MIGRATE,
 * default: stay), as idle balancing pulls it there. Only to a free one
 * (cpu_free()): there is no time slice, so a task queued behind another
 * that spins would never run. Its sched-in notifiers run when it resumes
 * there; pushed alone, it goes on there at once.
 */
void ksched_preempted(struct machine *m, struct task *t, struct task *next)
{
	unsigned int cpus[SIM_MAX_CPUS], n = 0, v;
	struct cpu *c = &m->cpus[t->cpu];
	struct sim_decision d;

	if (ktask(m, t)->pinned)
		return;
	for (unsigned int i = 0; i < m->ncpus; i++)
		if (i != t->cpu && task_cpu_ok(m, t, i) && cpu_free(m, i))
			cpus[n++] = i;
	if (!n)
		return;
	/*
	 * Asked at every step a lone task could be pushed at: its pending op
	 * tells exhaustive search which of them are worth a branch.
	 */
	d = (struct sim_decision){
		.kind = SIM_CHOICE_MIGRATE, .n = n + 1, .step = m->step + 1,
		.cur = c->id, .dflt = c->id, .op = &t->pending,
	};
	v = sim_choose(m, &d);
	if (!v)
		return;
	if (!next) {
		/*
		 * Its sched-out notifiers run here, in its context, while it is
		 * still queued only here: their steps must not let the
		 * destination (woken by an interrupt meanwhile) pick it up.
		 */
		kernel_sched(m, t, false, other_next(m, t));
		rq_move(m, t, cpus[v - 1]);
		machine_set_cur(c, ksched_pick_next(m, c));
	} else {
		rq_move(m, t, cpus[v - 1]);
	}
	kick_idle(m, t->cpu, t);
}

/*
 * A new thread's CPU (wake_up_new_task()'s select_task_rq() with fork
 * balancing): the strategy picks among the CPUs of its mask, the default
 * (answer 0) being the first free one, as Linux puts a new task on an
 * idle CPU; without one, the creator's CPU. Then it starts as a woken
 * task does.
 */
void ksched_new_task(struct machine *m, struct task *t)
{
	unsigned int allowed[SIM_MAX_CPUS], n = 0, v = 0;
	struct sim_decision d;

	for (unsigned int i = 0; i < m->ncpus; i++)
		if (task_cpu_ok(m, t, i) && cpu_free(m, i))
			allowed[n++] = i;
	if (task_cpu_ok(m, t, t->cpu) && !cpu_free(m, t->cpu))
		allowed[n++] = t->cpu;
	for (unsigned int i = 0; i < m->ncpus; i++)
		if (i != t->cpu && task_cpu_ok(m, t, i) && !cpu_free(m, i))
			allowed[n++] = i;
	if (!n)
		return;
	if (n > 1) {
		d = (struct sim_decision){
			.kind = SIM_CHOICE_MIGRATE, .n = n, .step = m->step + 1,
			.cur = m->cur_cpu->id, .dflt = allowed[0],
		};
		v = sim_choose(m, &d);
	}
	if (allowed[v] != t->cpu)
		rq_move(m, t, allowed[v]);
	kick_idle(m, t->cpu, t);
	machine_queued(m, t);
}

void ksched_woken(struct machine *m, struct task *t)
{
	/* Woken while it blocks, still on its CPU: it stays there (machine_wait()). */
	if (t->switching_out)
		return;
	place_woken(m, t);
	kick_idle(m, t->cpu, t);
}

/*
 * Move the running task @t to @dst now (migration_cpu_stop()): it leaves
 * its CPU as a preempted task does (sched-out notifiers in its context,
 * the CPU to its next task), and goes on on @dst when @dst picks it
 * (sched-in notifiers there), its clock caught up if @dst was idle.
 */
static void migrate_running(struct machine *m, struct task *t, unsigned int dst)
{
	struct cpu *c = &m->cpus[t->cpu];

	/* Sched-out first, still queued only here (see ksched_preempted()). */
	kernel_sched(m, t, false, other_next(m, t));
	rq_move(m, t, dst);
	machine_set_cur(c, ksched_pick_next(m, c));
	kick_idle(m, dst, t);
	machine_decide_forced(m);
	machine_update_next_stop(m);
}

int set_cpus_allowed_ptr(struct task *p, const struct cpumask *new_mask)
{
	struct machine *m = kcall(p, (uintptr_t)__builtin_return_address(0));
	uint64_t usable = 0;
	unsigned int dst;

	if (!m->cur_task || !p || p->kind == TASK_KIND_IDLE || !new_mask)
		return -EINVAL;
	for (unsigned int i = 0; i < m->ncpus; i++)
		if ((new_mask->bits & (1ULL << i)) && kernel_cpu_usable(m, i))
			usable |= 1ULL << i;
	/* No online, active CPU in the mask: Linux's -EINVAL. */
	if (!usable)
		return -EINVAL;
	ktask(m, p)->allowed = new_mask->bits;
	ktask(m, p)->pinned = false;
	if (usable & (1ULL << p->cpu))
		return 0;
	dst = (unsigned int)__builtin_ctzll(usable);
	if (p == m->cur_task) {
		migrate_running(m, p, dst);
		return 0;
	}
	/*
	 * Asleep or waiting for its CPU: it moves now. Running on another
	 * CPU: it moves when it next leaves that CPU (a wake-up or a
	 * preemption looks at the mask), not at once as Linux's stopper does.
	 */
	if (m->cpus[p->cpu].cur == p)
		return 0;
	rq_move(m, p, dst);
	if (p->state == TASK_RUNNABLE)
		kick_idle(m, dst, p);
	return 0;
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
