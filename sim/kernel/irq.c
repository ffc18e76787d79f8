// SPDX-License-Identifier: MIT
/*
 * IPIs and cross-CPU function calls. A call is queued on the target CPU and
 * runs there in interrupt context at the target's next step with interrupts
 * enabled (a halted or spinning CPU wakes for it). With wait, the caller
 * spins until every call returned, taking interrupts itself meanwhile, so
 * two CPUs calling each other do not deadlock, as in Linux.
 *
 *   CPU0 (caller)                       CPU1 (target)
 *   queue csd, IPI          --------->  (pending until IF=1 at a step)
 *   spin on csd.done                    func(info) in hardirq context
 *        <------------------ done=1     return to the interrupted code
 */
#include "hvsim/kernel.h"

#include <stdint.h>
#include <string.h>

#include "kernel/kmodel.h"
#include "engine/bug.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

static void csd_queue(struct machine *m, unsigned int cpu, struct sim_csd *csd, uint8_t vector)
{
	const struct cpu_model *model = hw_cur(m)->model;

	csd->intr.vector = vector;
	csd->intr.acked = false;
	csd->done = false;
	csd->sender = m->cur_task;
	/* Delivery latency: the sending CPU model's IPI cost (an assumed 1500 without one). */
	csd->intr.arrives = m->cur_cpu->cycles + (model ? model->cost[COST_IPI] : 1500);
	hw_intr_raise(m, cpu, &csd->intr);
	/* The IPI carries everything the sender did so far. */
	kdetect_hb_release(m, csd);
	machine_update_next_stop(m);
}

bool irq_deliverable(const struct machine *m, const struct cpu *c, const struct task *t)
{
	const struct hw_cpu *hc = &hw_of_const(m)->cpu[c->id];

	return hc->intr_head && hc->irqs_enabled && !kmodel_of_const(m)->tasks[t->id].in_irq;
}

void irq_handle_pending(struct machine *m)
{
	struct task *t = m->cur_task;
	struct cpu *c = m->cur_cpu;
	struct hw_cpu *hc = hw_cur(m);
	struct hw_intr *intr;

	ktask(m, t)->in_irq = true;
	hc->irqs_enabled = false;
	machine_trace_irq(m, true);
	while ((intr = hw_intr_take(m, hc))) {
		struct sim_csd *csd = (struct sim_csd *)intr;	/* intr is its first member */

		/* The handler cannot start before the IPI arrived. */
		if (c->cycles < intr->arrives)
			c->cycles = intr->arrives;
		kdetect_hb_acquire(m, csd);
		if (csd->func)
			csd->func(csd->info);
		/* Paired with the caller's wait: the handler's effects are visible. */
		kdetect_hb_release(m, &csd->done);
		csd->done = true;
		machine_wake_spinners(m, csd);
	}
	machine_trace_irq(m, false);
	hc->irqs_enabled = true;
	ktask(m, t)->in_irq = false;
	machine_update_next_stop(m);
}

/* Spin until @csd's function returned on its CPU. */
static void csd_wait(struct machine *m, struct sim_csd *csd)
{
	while (!csd->done) {
		if (irq_deliverable(m, m->cur_cpu, m->cur_task)) {
			irq_handle_pending(m);
			continue;
		}
		machine_wait(m, TASK_SPINWAIT, csd, "a cross-CPU call (csd_lock_wait)");
		if (m->cur_task->state == TASK_SPINWAIT)
			m->cur_task->state = TASK_RUNNABLE;
	}
	kdetect_hb_acquire(m, &csd->done);
}

static struct sim_csd *csd_alloc(struct machine *m)
{
	struct kmodel *k = kmodel_of(m);
	struct sim_csd *csd = &k->csd_pool[k->csd_next++ % KMODEL_CSD_POOL];

	/* A pool entry is reused only after its call ran. */
	SIM_BUG_ON(csd->sender && !csd->done);
	return csd;
}

int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_csd local, *csd;
	unsigned long flags;

	if (!m->cur_task)
		return -1;
	if (cpu < 0 || (unsigned int)cpu >= m->ncpus || !kcpu(m, cpu)->online)
		return -6;	/* -ENXIO */
	if ((unsigned int)cpu == m->cur_cpu->id) {
		flags = __local_irq_save();
		func(info);
		local_irq_restore(flags);
		return 0;
	}
	memset(&local, 0, sizeof(local));
	csd = wait ? &local : csd_alloc(m);
	csd->func = func;
	csd->info = info;
	csd_queue(m, (unsigned int)cpu, csd, SIM_CALL_FUNCTION_SINGLE_VECTOR);
	if (wait)
		csd_wait(m, csd);
	return 0;
}

void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func,
			    void *info, bool wait)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_csd local[SIM_MAX_CPUS], *csd[SIM_MAX_CPUS];
	unsigned int n = 0;

	if (!m->cur_task)
		return;
	/* The mask is read once, at the call: CPUs onlined later are missed. */
	for (unsigned int cpu = 0; cpu < m->ncpus; cpu++) {
		if (!(mask->bits & (1ULL << cpu)) || !kcpu(m, cpu)->online ||
		    cpu == m->cur_cpu->id)
			continue;
		if (wait) {
			memset(&local[n], 0, sizeof(local[n]));
			csd[n] = &local[n];
		} else {
			csd[n] = csd_alloc(m);
		}
		csd[n]->func = func;
		csd[n]->info = info;
		csd_queue(m, cpu, csd[n], SIM_CALL_FUNCTION_VECTOR);
		n++;
	}
	if (wait)
		for (unsigned int i = 0; i < n; i++)
			csd_wait(m, csd[i]);
}

void smp_call_function(smp_call_func_t func, void *info, int wait)
{
	struct cpumask all = { ~0ULL };

	smp_call_function_many(&all, func, info, wait);
}

void on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	unsigned long flags;

	preempt_disable();
	smp_call_function(func, info, wait);
	flags = __local_irq_save();
	func(info);
	local_irq_restore(flags);
	preempt_enable();
}

void smp_send_reschedule(int cpu)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_csd *csd;

	if (!m->cur_task || cpu < 0 || (unsigned int)cpu >= m->ncpus || !kcpu(m, cpu)->online)
		return;
	if ((unsigned int)cpu == m->cur_cpu->id)
		return;
	/* An IPI with no function: it wakes a halted CPU and interrupts a running one. */
	csd = csd_alloc(m);
	csd->func = NULL;
	csd->info = NULL;
	csd_queue(m, (unsigned int)cpu, csd, SIM_RESCHEDULE_VECTOR);
}
