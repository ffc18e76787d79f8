// SPDX-License-Identifier: MIT
/*
 * Interrupts between CPUs: IPIs on their way from one local APIC to
 * another, the moment they land, and the CPU taking what its APIC
 * presents.
 *
 *   sender: ICR write ---- hw_send_ipi ----> flight at each target APIC
 *                                            |  lands at a step of the target,
 *                                            |  between the sender model's
 *                                            |  earliest and latest arrival
 *   target: IRR (fixed), NMI latch <---------+
 *           RFLAGS.IF, PPR allow: ack (IRR to ISR), the kernel's entry for the vector
 *
 * When an IPI lands is the strategy's: at each step of the target that
 * could take it, from the first one at or after its earliest arrival until
 * the target's clock passes the latest, "land now?" is a choice whose
 * default is yes. A first "not yet" costs dfs a preemption and later ones
 * are free, so the search moves an arrival across every step of the
 * window at the price of one preemption. A CPU that cannot take it
 * (RFLAGS.IF clear, a higher vector in service) leaves it in flight with no
 * choice asked: it lands when the window closes, or when the CPU opens up.
 * A halted or spinning CPU takes it at the earliest.
 *
 * INIT and SIPI land at once: they go to a CPU that runs nothing. INIT is
 * blocked in VMX root operation (latched, never delivered here) and is a
 * VM exit in non-root operation; SIPI starts a CPU that waits for one at
 * the kernel floor's AP entry.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3A "Advanced
 * Programmable Interrupt Controller (APIC)": "Interrupt Command Register",
 * "Interrupt Acceptance for Fixed Interrupts", "Handling Interrupts";
 * Vol. 3C "VMX Operation" (INIT blocking).
 */
#include "cpu/hw.h"

#include "engine/bug.h"

/* Without a model: the low and high ends of the published 1-2k cycles. */
#define IPI_EARLY_DEFAULT	1000
#define IPI_LATE_DEFAULT	2000

void hw_intr_recount(struct machine *m)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < m->ncpus; i++) {
		const struct hw_cpu *c = hw_cpu(m, i);

		n += c->nflights + c->nmi_pending + c->init_pending + c->sipi_pending +
		     (lapic_pending(&c->apic) >= 0) + (lapic_timer_next(&c->apic) != UINT64_MAX);
	}
	m->nintr = n;
	if (m->running && m->cur_task)
		machine_update_next_stop(m);
}

/* ---- sending ---------------------------------------------------------- */

/* @f arrives at @c: into the IRR (fixed) or the NMI latch; a handler starts after it. */
static void flight_land(struct hw_cpu *c, const struct hw_flight *f)
{
	if (f->arrives > c->landed_at)
		c->landed_at = f->arrives;
	if (f->delivery == APIC_DM_NMI)
		c->nmi_pending = true;
	else
		lapic_accept(&c->apic, f->vector, f->level);
}

static void flight_add(struct machine *m, struct hw_cpu *src, struct hw_cpu *dst,
		       const struct lapic_ipi *ipi)
{
	uint32_t early = src->model ? src->model->cost[COST_IPI] : IPI_EARLY_DEFAULT;
	uint32_t late = src->model ? src->model->cost[COST_IPI_LATE] : IPI_LATE_DEFAULT;
	uint64_t arrives = m->cpus[src->id].cycles + early;
	struct hw_flight *f;

	/* A self IPI does not cross the interconnect: it is there at once. */
	if (src == dst) {
		arrives = m->cpus[src->id].cycles;
		late = early;
	}

	/*
	 * The same vector already on its way lands with it: the IRR has
	 * one bit per vector, and two NMIs in flight make one latch.
	 */
	for (unsigned int i = 0; i < dst->nflights; i++) {
		f = &dst->flight[i];
		if (f->delivery == ipi->delivery && f->vector == ipi->vector)
			return;
	}
	f = &(struct hw_flight){
		.arrives = arrives,
		.window = late > early ? late - early : 0,
		.delivery = ipi->delivery,
		.vector = ipi->vector,
		.level = ipi->level_trigger,
	};
	/* More vectors in flight than tracked (a program's storm): it lands at once. */
	if (dst->nflights == HW_MAX_FLIGHTS) {
		flight_land(dst, f);
		return;
	}
	dst->flight[dst->nflights++] = *f;
}

/* INIT: blocked in VMX root operation, a VM exit in non-root, else a reset to wait-for-SIPI. */
static void init_land(struct machine *m, struct hw_cpu *d)
{
	if (d->vmx.in_guest || d->vmx.root) {
		d->init_pending = true;
		return;
	}
	SIM_BUG_ON(hw_init_cpu(m, d->id));
	d->nflights = 0;
	d->nmi_pending = d->in_nmi = false;
	d->wait_sipi = true;
}

/* SIPI: only a CPU waiting for one starts (in a guest, wait-for-SIPI is the guest's). */
static void sipi_land(struct machine *m, struct hw_cpu *d, uint8_t vector)
{
	if (d->vmx.in_guest) {
		d->sipi_pending = true;
		d->sipi_vector = vector;
		return;
	}
	if (!d->wait_sipi)
		return;
	d->wait_sipi = false;
	if (hw_of(m)->entry.ap_start)
		hw_of(m)->entry.ap_start(m, d->id, vector);
}

void hw_send_ipi(struct machine *m, unsigned int src, const struct lapic_ipi *ipi)
{
	struct hw_cpu *s = hw_cpu(m, src);

	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct hw_cpu *d = hw_cpu(m, i);

		if (!lapic_ipi_reaches(&d->apic, i == src, ipi))
			continue;
		switch (ipi->delivery) {
		case APIC_DM_FIXED:
		case APIC_DM_LOWEST:	/* no arbitration: every APIC named (docs/design.md) */
		case APIC_DM_NMI:
			machine_trace_ipi(m, src, i, ipi->vector, ipi->delivery == APIC_DM_NMI);
			flight_add(m, s, d, ipi);
			break;
		case APIC_DM_INIT:
			/* A level de-assert INIT only synchronizes arbitration IDs. */
			if (ipi->level_trigger && !ipi->level_assert)
				break;
			init_land(m, d);
			break;
		case APIC_DM_STARTUP:
			sipi_land(m, d, ipi->vector);
			break;
		default:
			/* SMI, ExtINT and the reserved modes: nothing modelled receives them. */
			break;
		}
	}
	hw_intr_recount(m);
}

/* ---- landing ------------------------------------------------------------ */

/* Could @c take @f right now if it landed: INTR open and above the PPR, or an NMI unblocked. */
static bool could_take(const struct hw_cpu *c, const struct hw_flight *f, bool intr_open)
{
	if (f->delivery == APIC_DM_NMI)
		return !c->in_nmi;
	return intr_open && lapic_enabled(&c->apic) &&
	       (f->vector & 0xf0) > (lapic_ppr(&c->apic) & 0xf0);
}

/* Does @f stay in flight at this step? */
static bool flight_waits(struct machine *m, struct hw_cpu *c, struct hw_flight *f,
			 enum hw_land how, bool intr_open)
{
	uint64_t now = m->cpus[c->id].cycles;
	struct sim_decision d;

	if (!f->late)
		f->late = (now > f->arrives ? now : f->arrives) + f->window;
	if (how == HW_LAND_ALL || now >= f->late)
		return false;
	if (!could_take(c, f, intr_open))
		return true;
	d = (struct sim_decision){
		.kind = SIM_CHOICE_IRQ, .n = 2, .step = m->step + 1,
		.cur = c->id, .dflt = c->id, .free = f->deferred,
		.op = m->cur_task ? &m->cur_task->pending : NULL,
	};
	if (!sim_choose(m, &d))
		return false;
	f->deferred = true;
	return true;
}

/* Anything landed that the CPU could be woken for already? */
static bool landed_event(const struct hw_cpu *c)
{
	return c->nmi_pending || lapic_pending(&c->apic) >= 0;
}

void hw_intr_land(struct machine *m, struct hw_cpu *c, enum hw_land how, bool intr_open)
{
	uint64_t now = m->cpus[c->id].cycles;
	unsigned int kept = 0, n = c->nflights;

	SIM_BUG_ON(c->id != m->cur_cpu->id);
	for (unsigned int i = 0; i < n; i++) {
		struct hw_flight f = c->flight[i];

		if (flight_waits(m, c, &f, how, intr_open))
			c->flight[kept++] = f;
		else
			flight_land(c, &f);
	}
	c->nflights = kept;
	/* A halted or spinning CPU's clock runs on to an armed timer's deadline. */
	if (how == HW_LAND_ALL && lapic_timer_next(&c->apic) != UINT64_MAX &&
	    lapic_timer_next(&c->apic) > now && !landed_event(c))
		now = m->cpus[c->id].cycles = lapic_timer_next(&c->apic);
	if (lapic_timer_next(&c->apic) <= now)
		lapic_timer_fire(&c->apic, now);
	if (kept != n || how == HW_LAND_ALL)
		hw_intr_recount(m);
}

void hw_intr_land_due(struct machine *m, struct hw_cpu *c)
{
	uint64_t now = m->cpus[c->id].cycles;
	unsigned int kept = 0, n = c->nflights;

	for (unsigned int i = 0; i < n; i++) {
		if (c->flight[i].arrives <= now)
			flight_land(c, &c->flight[i]);
		else
			c->flight[kept++] = c->flight[i];
	}
	c->nflights = kept;
	if (kept != n)
		hw_intr_recount(m);
}

/* ---- taking ------------------------------------------------------------- */

/*
 * What wakes a guest waiting inactive: anything landing, a SIPI, its
 * armed APIC timer, and the pending events it acts on in its state.
 */
static bool guest_woken(const struct hw_cpu *c)
{
	const struct cpu_vmx *x = &c->vmx;

	return x->halt_wait &&
	       (c->nflights || c->sipi_pending || (x->wake_init && c->init_pending) ||
		(x->wake_nmi && c->nmi_pending) || (x->wake_intr && lapic_pending(&c->apic) >= 0) ||
		lapic_timer_next(&c->apic) != UINT64_MAX);
}

bool hw_irq_pending(const struct machine *m, const struct cpu *clk, const struct task *t)
{
	const struct hw_cpu *c = hw_cpu(m, clk->id);

	/* In a guest, host interrupts are the guest stand-in's (VM exits). */
	if (c->vmx.in_guest)
		return t->state == TASK_HALTED && guest_woken(c);
	if (c->nflights || (c->nmi_pending && !c->in_nmi))
		return true;
	/* A waiting CPU waits until its timer fires: it is runnable for it. */
	if (lapic_timer_next(&c->apic) <= clk->cycles ||
	    (t->state != TASK_RUNNABLE && lapic_timer_next(&c->apic) != UINT64_MAX))
		return true;
	return c->irqs_enabled && lapic_pending(&c->apic) >= 0;
}

void hw_take_intr(struct machine *m, bool may_defer)
{
	struct hw_machine *hw = hw_of(m);
	struct hw_cpu *c = hw_cur(m);
	struct cpu *clk = m->cur_cpu;
	int v;

	hw_intr_land(m, c, may_defer ? HW_LAND_CHOOSE : HW_LAND_ALL, c->irqs_enabled);
	for (;;) {
		/* The handler cannot start before what it handles arrived. */
		if (clk->cycles < c->landed_at)
			clk->cycles = c->landed_at;
		if (c->nmi_pending && !c->in_nmi) {
			c->nmi_pending = false;
			c->in_nmi = true;
			hw_intr_recount(m);
			if (hw->entry.nmi)
				hw->entry.nmi(m);
			else
				c->in_nmi = false;
			continue;
		}
		if (!c->irqs_enabled || lapic_pending(&c->apic) < 0)
			break;
		v = lapic_ack(&c->apic);
		hw_intr_recount(m);
		if (hw->entry.intr)
			hw->entry.intr(m, (uint8_t)v);
		else
			lapic_eoi(&c->apic);
	}
	hw_intr_recount(m);
}

void hw_step_intr(struct machine *m)
{
	hw_take_intr(m, true);
}

void hw_apic_eoi(struct machine *m)
{
	lapic_eoi(&hw_cur(m)->apic);
	hw_intr_recount(m);
}

/* ---- the xAPIC page ------------------------------------------------------ */

uint32_t hw_apic_read(struct machine *m, uint32_t offset)
{
	/* What has arrived is in the IRR when software looks. */
	hw_intr_land_due(m, hw_cur(m));
	return lapic_read_mmio(&hw_cur(m)->apic, offset, m->cur_cpu->cycles);
}

void hw_apic_write(struct machine *m, uint32_t offset, uint32_t val)
{
	struct hw_cpu *c = hw_cur(m);
	struct lapic_ipi ipi;

	if (lapic_write_mmio(&c->apic, offset, val, m->cur_cpu->cycles, &ipi) == LAPIC_SEND_IPI)
		hw_send_ipi(m, c->id, &ipi);
	hw_intr_recount(m);
}
