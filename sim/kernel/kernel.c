// SPDX-License-Identifier: MIT
/*
 * The host-kernel API of include/hvsim/kernel.h: CPUs, preemption, the
 * interrupt flag, tasks and kernel threads, preempt notifiers.
 */
#include "hvsim/kernel.h"

#include <stdint.h>
#include <string.h>

#include "kernel/kmodel.h"
#include "engine/bug.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

void cpu_relax(void)
{
	machine_relax(sim_current, CALLER_PC);
}

unsigned int smp_processor_id(void)
{
	const struct machine *m = sim_current;

	return m->cur_task ? m->cur_cpu->id : 0;
}

unsigned int nr_cpu_ids_get(void)
{
	return sim_current->ncpus ? sim_current->ncpus : 1;
}

bool cpu_online(unsigned int cpu)
{
	const struct machine *m = sim_current;

	return cpu < m->ncpus && kcpu(m, cpu)->online;
}

bool cpu_active(unsigned int cpu)
{
	const struct machine *m = sim_current;

	return cpu < m->ncpus && kcpu(m, cpu)->active;
}

unsigned int num_online_cpus(void)
{
	const struct machine *m = sim_current;
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->ncpus; i++)
		n += kcpu(m, i)->online;
	return n;
}

/* ---- preemption ------------------------------------------------------ */

void preempt_disable(void)
{
	struct machine *m = sim_current;

	if (m->cur_task)
		kcur(m)->preempt_count++;
}

void preempt_enable(void)
{
	struct machine *m = sim_current;

	if (!m->cur_task)
		return;
	SIM_BUG_ON(kcur(m)->preempt_count <= 0);
	kcur(m)->preempt_count--;
}

bool preemptible(void)
{
	const struct machine *m = sim_current;

	return m->cur_task && !kcur(m)->preempt_count && !kcur(m)->in_irq &&
	       hw_cur(m)->irqs_enabled;
}

unsigned int get_cpu(void)
{
	preempt_disable();
	return smp_processor_id();
}

void put_cpu(void)
{
	preempt_enable();
}

/* ---- the interrupt flag --------------------------------------------------- */

/*
 * CLI and STI are steps: a pending IPI is delivered at the first step after
 * STI, and the moment of STI is a point other CPUs may interleave with.
 */
void local_irq_disable(void)
{
	struct machine *m = kcall(NULL, CALLER_PC);

	if (m->cur_task)
		hw_cur(m)->irqs_enabled = false;
}

void local_irq_enable(void)
{
	struct machine *m = kcall(NULL, CALLER_PC);

	if (!m->cur_task)
		return;
	hw_cur(m)->irqs_enabled = true;
	if (m->nintr)
		machine_update_next_stop(m);
}

unsigned long __local_irq_save(void)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	unsigned long flags;

	if (!m->cur_task)
		return 0;
	flags = hw_cur(m)->irqs_enabled;
	hw_cur(m)->irqs_enabled = false;
	return flags;
}

void local_irq_restore(unsigned long flags)
{
	struct machine *m = kcall(NULL, CALLER_PC);

	if (!m->cur_task)
		return;
	hw_cur(m)->irqs_enabled = flags != 0;
	if (flags && m->nintr)
		machine_update_next_stop(m);
}

bool irqs_disabled(void)
{
	const struct machine *m = sim_current;

	return m->cur_task && !hw_cur(m)->irqs_enabled;
}

bool in_interrupt(void)
{
	const struct machine *m = sim_current;

	return m->cur_task && kcur(m)->in_irq;
}

/* ---- tasks ----------------------------------------------------------------- */

struct task *get_current(void)
{
	return sim_current->cur_task;
}

int task_pid_nr(const struct task *t)
{
	return t ? (int)t->pid : -1;
}

const char *task_comm(const struct task *t)
{
	return t ? t->name : "";
}

unsigned int task_cpu(const struct task *t)
{
	return t ? t->cpu : 0;
}

void schedule(void)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct task *t = m->cur_task;
	struct task *u;

	if (!t || ktask(m, t)->preempt_count || ktask(m, t)->in_irq)
		return;
	/* Give the CPU to the next runnable task here, if there is one. */
	u = ksched_next_after(m, t);
	if (u)
		machine_switch_cpu_task(m, u);
}

void cond_resched(void)
{
	schedule();
}

int wake_up_process(struct task *t)
{
	struct machine *m = kcall(t, CALLER_PC);

	if (!m->cur_task || !t || t->state != TASK_BLOCKED)
		return 0;
	kdetect_hb_release(m, t);
	machine_wake(m, t);
	return 1;
}

static void kthread_entry(void *arg)
{
	struct task *t = arg;
	struct machine *m = sim_current;

	kdetect_hb_acquire(m, t);
	ktask(m, t)->kfn(ktask(m, t)->kdata);
}

struct task *kthread_run_on(int (*fn)(void *data), void *data, int cpu, const char *name)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct task *t;

	if (!m->cur_task)
		return NULL;
	t = machine_spawn(m, cpu >= 0 ? (unsigned int)cpu : m->cur_cpu->id, name,
			  kthread_entry, NULL, TASK_KIND_PROGRAM);
	if (!t)
		return NULL;
	t->arg = t;
	ktask(m, t)->kfn = fn;
	ktask(m, t)->kdata = data;
	ktask(m, t)->pinned = cpu >= 0;
	/* Everything the creator did so far happens before the thread. */
	kdetect_hb_release(m, t);
	return t;
}

/* ---- preempt notifiers ----------------------------------------------------- */

void preempt_notifier_init(struct preempt_notifier *n, struct preempt_ops *ops)
{
	n->link = NULL;
	n->ops = ops;
}

void preempt_notifier_register(struct preempt_notifier *n)
{
	struct machine *m = kcall(n, CALLER_PC);

	if (!m->cur_task)
		return;
	n->link = kcur(m)->notifiers;
	kcur(m)->notifiers = n;
}

void preempt_notifier_unregister(struct preempt_notifier *n)
{
	struct machine *m = kcall(n, CALLER_PC);
	struct preempt_notifier **p;

	if (!m->cur_task)
		return;
	for (p = &kcur(m)->notifiers; *p; p = &(*p)->link) {
		if (*p == n) {
			*p = n->link;
			return;
		}
	}
}
