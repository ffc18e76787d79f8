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
	machine_set_cur(c, sched_pick_next(m, c));
	emit_simple(m, TR_EXIT, 0);
	sched_decide(m, true, true);
	SIM_BUG_ON(1);	/* a finished task is never chosen */
}

static void task_entry(void *arg)
{
	struct task *t = arg;
	struct machine *m = sim_current;

	t->need_sched_in = false;
	/*
	 * The decision that started us was made for step m->step + 1, our
	 * first: it goes through the slow path all the same, so that the
	 * strategy observes it (dfs learns what it touches).
	 */
	machine_update_next_stop(m);
	m->next_stop = m->step + 1;
	/* What whoever let it start released on it (boot, a creator) happens before it. */
	if (m->hooks->hb)
		m->hooks->hb(m, t, true);
	t->fn(t->arg);
	task_exit(m, t);
}

/* Is there a slot for one more task now? */
static bool spawn_room(const struct machine *m)
{
	unsigned int limit = SIM_MAX_TASKS;

	if (m->in_setup)
		limit -= MACHINE_TASKS_AFTER_SETUP(m->ncpus);
	return m->ntasks < limit;
}

int machine_spawn_error(const struct machine *m, unsigned int cpu)
{
	if (cpu >= m->ncpus)
		return -EINVAL;
	return spawn_room(m) ? -ENOMEM : -EAGAIN;
}

struct task *machine_spawn(struct machine *m, unsigned int cpu, const char *name,
			   sim_task_fn fn, void *arg, enum task_kind kind)
{
	struct task *t;
	struct cpu *c;

	if (cpu >= m->ncpus)
		return NULL;
	if (!spawn_room(m)) {
		if (m->in_setup)
			m->spawn_refused++;
		return NULL;
	}
	t = &m->tasks[m->ntasks];
	memset(t, 0, sizeof(*t));
	t->stack = ctx_stack_get(&m->pool);
	if (!t->stack)
		return NULL;
	/*
	 * A traced run records the old value of every write: the stack's
	 * leftovers from earlier runs and from the host would differ from
	 * process to process, so a traced run starts its stacks zeroed.
	 */
	if (m->tracing)
		memset(t->stack->lo, 0, t->stack->size);
	t->id = m->ntasks++;
	t->pid = kind == TASK_KIND_IDLE ? 0 : ++m->next_pid;
	t->cpu = cpu;
	t->fn = fn;
	t->arg = arg;
	t->name = name;
	t->kind = kind;
	t->state = TASK_RUNNABLE;
	t->pending.kind = SIM_OP_START;
	ctx_make(&t->ctx, t->stack, task_entry, t);
	if (m->hooks->enqueue)
		m->hooks->enqueue(m, t);
	if (kind == TASK_KIND_PROGRAM)
		m->nlive++;
	/* A CPU with nothing to run, or idling, runs the new task first. */
	c = &m->cpus[cpu];
	if (!c->cur || (c->cur->kind == TASK_KIND_IDLE && c->cur->state == TASK_HALTED))
		c->cur = t;
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

int sim_spawn(struct machine *m, unsigned int cpu, const char *name,
	      sim_task_fn fn, void *arg)
{
	if (m->running && !m->cur_task)
		return -EINVAL;
	if (!machine_spawn(m, cpu, name, fn, arg, TASK_KIND_PROGRAM))
		return machine_spawn_error(m, cpu);
	return 0;
}
