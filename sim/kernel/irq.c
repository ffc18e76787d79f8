// SPDX-License-Identifier: MIT
/*
 * IPIs and cross-CPU function calls, through the local APIC as Linux sends
 * them. A call is queued on the target CPU's call queue; the IPI goes out
 * only when the queue was empty (the handler drains the whole queue). The
 * hardware lands the IPI at a step of the target between the sender
 * model's earliest and latest arrival (sim/cpu/intr.c) and enters
 * irq_entry() when the target can take it. With wait, the caller spins
 * until every call returned, taking interrupts itself meanwhile, so two
 * CPUs calling each other do not deadlock, as in Linux.
 *
 *   CPU0 (caller)                       CPU1 (target)
 *   queue csd; ICR write    --------->  lands in the IRR (IF=1, above PPR: taken)
 *   spin on csd.done                    EOI, func(info) in hardirq context
 *        <------------------ done=1     IRET to the interrupted code
 */
#include "hvsim/kernel.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "kernel/kmodel.h"
#include "engine/bug.h"
#include "hvsim/x86/apicdef.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/* The NMI's vector, and the first a device or system interrupt may use (0-31 are exceptions). */
#define NMI_VECTOR		2
#define FIRST_EXTERNAL_VECTOR	0x20

/* ---- sending ------------------------------------------------------------ */

/* Write the running CPU's ICR, in the mode its APIC is in. */
void kernel_icr_write(struct machine *m, uint32_t low, uint32_t dest)
{
	SIM_BUG_ON(hw_icr_write(m, low, dest));
}

/* A fixed IPI of @vector to @cpu, physical destination mode, edge-triggered. */
static void send_ipi(struct machine *m, unsigned int cpu, uint8_t vector)
{
	kernel_icr_write(m, APIC_DM_FIXED | APIC_DEST_NOSHORT | vector, hw_cpu(m, cpu)->apic.id);
}

void apic_send_IPI(int cpu, int vector)
{
	struct machine *m = kcall_named(NULL, CALLER_PC, "send_IPI");

	if (!m->cur_task || cpu < 0 || (unsigned int)cpu >= m->ncpus || vector < 0 || vector > 0xff)
		return;
	send_ipi(m, (unsigned int)cpu, (uint8_t)vector);
}

void apic_send_IPI_self(int vector)
{
	struct machine *m = kcall_named(NULL, CALLER_PC, "send_IPI_self");

	if (!m->cur_task || vector < 0 || vector > 0xff)
		return;
	kernel_icr_write(m, APIC_DM_FIXED | APIC_DEST_SELF | (uint8_t)vector, 0);
}

/*
 * Bring @cpu's APIC up as Linux's setup_local_APIC() does: software-enabled
 * through the SVR. The kernel leaves it in xAPIC mode, where the firmware
 * left it (no interrupt remapping, so no reason to switch); a program may
 * switch it to x2APIC, and INIT keeps that mode.
 */
void kernel_apic_setup(struct machine *m, unsigned int cpu)
{
	struct lapic *l = &hw_cpu(m, cpu)->apic;
	uint32_t svr = APIC_SPIV_APIC_ENABLED | APIC_SPIV_VECTOR;
	enum lapic_effect effect;
	struct lapic_ipi unused;

	/* A program may have left it in x2APIC mode, which INIT keeps. */
	if (lapic_mode(l) == LAPIC_MODE_X2APIC)
		SIM_BUG_ON(lapic_wrmsr(l, APIC_BASE_MSR + (APIC_SPIV >> 4), svr, 0, &unused, &effect));
	else
		lapic_write_mmio(l, APIC_SPIV, svr, 0, &unused);
}

/* ---- the call queue -------------------------------------------------------- */

/* Queue @csd on @cpu's call queue: true when the queue was empty (an IPI is due). */
static bool csd_queue(struct machine *m, unsigned int cpu, struct sim_csd *csd)
{
	struct kcpu *kc = kcpu(m, cpu);
	bool was_empty = !kc->csd_head;

	csd->next = NULL;
	csd->done = false;
	csd->sender = m->cur_task;
	if (kc->csd_tail)
		kc->csd_tail->next = csd;
	else
		kc->csd_head = csd;
	kc->csd_tail = csd;
	/* The IPI carries everything the sender did so far. */
	kdetect_hb_release(m, csd);
	return was_empty;
}

/*
 * The call-function vectors' handler: run every call queued here, in
 * order. Also smpcfd_dying_cpu(): a CPU going offline runs what is still
 * queued for it, with interrupts off, so no caller waits for it forever.
 */
void flush_call_queue(struct machine *m)
{
	struct kcpu *kc = kcpu(m, m->cur_cpu->id);
	struct sim_csd *csd;

	while ((csd = kc->csd_head)) {
		kc->csd_head = csd->next;
		if (!kc->csd_head)
			kc->csd_tail = NULL;
		kdetect_hb_acquire(m, csd);
		if (csd->func)
			csd->func(csd->info);
		/* Paired with the caller's wait: the handler's effects are visible. */
		kdetect_hb_release(m, &csd->done);
		csd->done = true;
		machine_wake_spinners(m, csd);
	}
}

/* ---- taking interrupts ------------------------------------------------------ */

int alloc_intr_gate(unsigned int vector, void (*handler)(void))
{
	struct machine *m = sim_current;
	struct kmodel *k;

	if (!m->running || vector < FIRST_EXTERNAL_VECTOR || vector > 0xff || !handler)
		return -EINVAL;
	if (vector == SIM_CALL_FUNCTION_SINGLE_VECTOR || vector == SIM_CALL_FUNCTION_VECTOR ||
	    vector == SIM_RESCHEDULE_VECTOR)
		return -EBUSY;
	k = kmodel_of(m);
	if (k->gate[vector])
		return -EBUSY;
	k->gate[vector] = handler;
	return 0;
}

/* What the IDT gate of @vector runs: the system vectors' handlers, EOI first as Linux's. */
static void run_vector(struct machine *m, uint8_t vector)
{
	void (*handler)(void) = kmodel_of(m)->gate[vector];

	hw_apic_eoi(m);
	switch (vector) {
	case SIM_CALL_FUNCTION_SINGLE_VECTOR:
	case SIM_CALL_FUNCTION_VECTOR:
		flush_call_queue(m);
		return;
	case SIM_RESCHEDULE_VECTOR:
		/* scheduler_ipi(): the idle loop or the interrupted task looks at the runqueue. */
		return;
	default:
		if (handler) {
			handler();
			return;
		}
		printk("common_interrupt: %u.%u No irq handler for vector", m->cur_cpu->id,
		       (unsigned int)vector);
	}
}

/* Interrupt entry (the hardware's callback): @vector is in service on the running CPU. */
void irq_entry(struct machine *m, uint8_t vector)
{
	struct task *t = m->cur_task;
	struct hw_cpu *hc = hw_cur(m);
	bool irqs = hc->irqs_enabled, nested = ktask(m, t)->in_irq;

	ktask(m, t)->in_irq = true;
	hc->irqs_enabled = false;
	machine_irq(m, true);
	run_vector(m, vector);
	machine_irq(m, false);
	/* IRET: RFLAGS.IF as it was. */
	hc->irqs_enabled = irqs;
	ktask(m, t)->in_irq = nested;
	machine_update_next_stop(m);
}

int register_nmi_handler(unsigned int type, nmi_handler_t fn, unsigned long flags,
			 const char *name)
{
	struct machine *m = sim_current;
	struct kmodel *k;

	(void)flags;
	(void)name;
	if (!m->running || type != NMI_LOCAL || !fn)
		return -EINVAL;
	k = kmodel_of(m);
	for (unsigned int i = 0; i < sizeof(k->nmi) / sizeof(k->nmi[0]); i++) {
		if (!k->nmi[i]) {
			k->nmi[i] = fn;
			return 0;
		}
	}
	return -ENOSPC;
}

/* NMI entry: the registered handlers, then Linux's lines for an NMI nobody claimed. */
void nmi_entry(struct machine *m)
{
	struct kmodel *k = kmodel_of(m);
	struct task *t = m->cur_task;
	bool nested = ktask(m, t)->in_irq, handled = false;

	ktask(m, t)->in_irq = true;
	machine_irq(m, true);
	for (unsigned int i = 0; i < sizeof(k->nmi) / sizeof(k->nmi[0]) && k->nmi[i]; i++)
		if (k->nmi[i](NMI_LOCAL, NULL) == NMI_HANDLED)
			handled = true;
	if (!handled) {
		printk("Uhhuh. NMI received for unknown reason 00 on CPU %u.", m->cur_cpu->id);
		printk("Dazed and confused, but trying to continue");
	}
	machine_irq(m, false);
	ktask(m, t)->in_irq = nested;
	hw_nmi_iret(hw_cur(m));
}

void kernel_dispatch_interrupt(unsigned int vector)
{
	struct machine *m = kcall(NULL, CALLER_PC);

	if (!m->cur_task || vector > 0xff)
		return;
	/* After an NMI exit: the NMI handler, whose IRET unblocks NMIs (KVM's vmx_do_nmi_irqoff()). */
	if (vector == NMI_VECTOR) {
		nmi_entry(m);
		return;
	}
	if (vector >= FIRST_EXTERNAL_VECTOR)
		irq_entry(m, (uint8_t)vector);
}

bool irq_takeable(const struct machine *m)
{
	return hw_irq_pending(m, m->cur_cpu, m->cur_task);
}

/* Take what the running CPU can take now, spinning or idle: no arrival choice. */
void irq_take(struct machine *m)
{
	hw_take_intr(m, false);
}

/* ---- cross-CPU calls ------------------------------------------------------ */

/* Spin until @csd's function returned on its CPU. */
static void csd_wait(struct machine *m, struct sim_csd *csd)
{
	while (!csd->done) {
		if (irq_takeable(m)) {
			irq_take(m);
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
	/* get_cpu(): the task stays on this CPU from the check to the end of the wait. */
	preempt_disable();
	if (cpu < 0 || (unsigned int)cpu >= m->ncpus || !kcpu(m, cpu)->online) {
		preempt_enable();
		return -6;	/* -ENXIO */
	}
	if ((unsigned int)cpu == m->cur_cpu->id) {
		flags = __local_irq_save();
		func(info);
		local_irq_restore(flags);
		preempt_enable();
		return 0;
	}
	memset(&local, 0, sizeof(local));
	csd = wait ? &local : csd_alloc(m);
	csd->func = func;
	csd->info = info;
	if (csd_queue(m, (unsigned int)cpu, csd))
		send_ipi(m, (unsigned int)cpu, SIM_CALL_FUNCTION_SINGLE_VECTOR);
	if (wait)
		csd_wait(m, csd);
	preempt_enable();
	return 0;
}

void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func,
			    void *info, bool wait)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_csd local[SIM_MAX_CPUS], *csd[SIM_MAX_CPUS];
	unsigned int n = 0, nipi = 0, ipi[SIM_MAX_CPUS];

	if (!m->cur_task)
		return;
	/* Linux's callers disable preemption: "the caller's CPU" must not change. */
	preempt_disable();
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
		if (csd_queue(m, cpu, csd[n]))
			ipi[nipi++] = cpu;
		n++;
	}
	/* One CPU to interrupt: the single-call vector, as Linux sends it. */
	for (unsigned int i = 0; i < nipi; i++)
		send_ipi(m, ipi[i], nipi == 1 ? SIM_CALL_FUNCTION_SINGLE_VECTOR :
						SIM_CALL_FUNCTION_VECTOR);
	if (wait)
		for (unsigned int i = 0; i < n; i++)
			csd_wait(m, csd[i]);
	preempt_enable();
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

	if (!m->cur_task || cpu < 0 || (unsigned int)cpu >= m->ncpus || !kcpu(m, cpu)->online)
		return;
	if ((unsigned int)cpu == m->cur_cpu->id)
		return;
	/* An IPI with no function: it wakes a halted CPU and interrupts a running one. */
	send_ipi(m, (unsigned int)cpu, SIM_RESCHEDULE_VECTOR);
}
