// SPDX-License-Identifier: MIT
/* Tasks: spawning, entry and exit, and each CPU's idle task. */
#include "engine/machine.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/machine_int.h"

#include "engine/strategy.h"
#include "engine/trace.h"

/* ---- tasks ---------------------------------------------------------- */

static void task_exit(struct machine *m, struct task *t)
{
	struct cpu *c = m->cur_cpu;

	t->state = TASK_DONE;
	t->watch_recording = false;
	m->ndone++;
	if (t->kind == TASK_KIND_PROGRAM)
		m->nlive--;
	if (m->hooks->task_exit)
		m->hooks->task_exit(m, t);
	sched_set_cur(c, sched_pick_next(c));
	emit_simple(m, TR_EXIT, 0);
	sched_decide(m, true, true);
	SIM_BUG_ON(1);	/* a finished task is never chosen */
}

static void task_entry(void *arg)
{
	struct task *t = arg;
	struct machine *m = sim_current;

	t->need_sched_in = false;
	/* The decision that started us was made for step m->step + 1. */
	machine_update_next_stop(m);
	t->fn(t->arg);
	task_exit(m, t);
}

struct task *machine_spawn(struct machine *m, unsigned int cpu, const char *name,
			   sim_task_fn fn, void *arg, enum task_kind kind)
{
	struct task *t, **link;

	if (cpu >= m->ncpus || m->ntasks == SIM_MAX_TASKS)
		return NULL;
	t = &m->tasks[m->ntasks];
	memset(t, 0, sizeof(*t));
	t->stack = ctx_stack_get(&m->pool);
	if (!t->stack)
		return NULL;
	t->id = m->ntasks++;
	t->pid = kind == TASK_KIND_IDLE ? 0 : ++m->next_pid;
	t->cpu = cpu;
	t->fn = fn;
	t->arg = arg;
	t->name = name;
	t->kind = kind;
	t->pinned = true;
	t->state = TASK_RUNNABLE;
	t->pending.kind = SIM_OP_START;
	ctx_make(&t->ctx, t->stack, task_entry, t);
	for (link = &m->cpus[cpu].tasks; *link; link = &(*link)->next_on_cpu)
		;
	*link = t;
	if (kind == TASK_KIND_PROGRAM)
		m->nlive++;
	if (kind == TASK_KIND_IDLE)
		m->cpus[cpu].idle = t;
	if (!m->cpus[cpu].cur || (m->cpus[cpu].cur->kind == TASK_KIND_IDLE &&
				  m->cpus[cpu].cur->state == TASK_HALTED))
		m->cpus[cpu].cur = t;
	if (m->tracing) {
		struct trace_event e;

		emit_event_base(m, &e, TR_SPAWN);
		e.cpu = cpu;
		e.task = t->id;
		e.str = trace_string(m->trace, name);
		trace_emit(m->trace, &e);
	}
	return t;
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
	t->pinned = false;
	return 0;
}

int sim_spawn(struct machine *m, unsigned int cpu, const char *name,
	      sim_task_fn fn, void *arg)
{
	if (m->running && !m->cur_task)
		return -EINVAL;
	return machine_spawn(m, cpu, name, fn, arg, TASK_KIND_PROGRAM) ? 0 : -EINVAL;
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
		struct task *next = sched_pick_next(c);

		if (sched_irq_deliverable(m, c, idle)) {
			idle->state = TASK_RUNNABLE;
			m->hooks->take_irq(m);
			continue;
		}
		if (next != idle) {
			sched_set_cur(c, next);
			idle->state = TASK_HALTED;
			sched_decide(m, true, false);
			continue;
		}
		machine_wait(m, TASK_HALTED, NULL, "halt");
	}
}

void tasks_spawn_idle(struct machine *m)
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
