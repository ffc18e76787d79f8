// SPDX-License-Identifier: MIT
/*
 * The guest, until guests run real code: a deterministic stand-in for what
 * happens between a VM entry and its VM exit. vmx.c calls vmx_guest_run()
 * after a successful entry; a real guest interpreter replaces this file
 * behind that one call.
 *
 * The stand-in has no registers and no instructions. It has what events
 * see of a guest: its activity state (active, HLT, shutdown, wait-for-
 * SIPI), RFLAGS.IF, blocking by STI or by MOV SS (until its first
 * instruction), blocking by NMI or virtual-NMI blocking. VM entry delivers
 * the event it injects; then, at every instruction boundary, the stand-in
 * looks at the events the SDM ranks, in the SDM's order; while active it
 * runs for a number of cycles the strategy picks, a step at a time, and
 * then does the next thing in its CPU's script (sim_set_guest_script();
 * HLT by default).
 *
 * With APIC virtualization (guest_apicv.c over apicv.c) the notification
 * vector is posted-interrupt processing, not an exit, and a recognized
 * virtual interrupt is delivered at the interrupt window's priority; its
 * handler's first instruction writes EOI, which EOI virtualization may
 * turn into an EOI-induced exit.
 *
 * Its IDT has interrupt gates only, as Linux's does: a handler it enters
 * runs with RFLAGS.IF clear. A handler never returns within the run (the
 * stand-in executes no IRET): after an NMI, NMIs stay blocked until the VM
 * exit, whose interruptibility state records it.
 *
 * Citations: Intel SDM, Order Number 325462-080US (June 2023). Vol. 3A
 * "Priority Among Concurrent Events"; Vol. 3C "Event Injection",
 * "Interruptibility State", "Activity State", "Other Causes of VM Exits",
 * "Event Blocking", "VMX-Preemption Timer", "Interrupt-Window Exiting and
 * Virtual-Interrupt Delivery", "NMI-Window Exiting", "Virtual NMIs",
 * "Information for VM Exits During Event Delivery", "Saving Non-Register
 * State", "VM-Exit Information Fields", "VMX Basic Exit Reasons".
 */
#include "vmx/vmx.h"

#include <errno.h>
#include <stdio.h>

#include "hvsim/hw.h"
#include "hvsim/x86/apicdef.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "cpu/hw.h"
#include "vmx/guest_apicv.h"

/* How long the guest stand-in runs before its exit: the strategy picks (default first). */
static const uint32_t guest_run_cycles[] = { 2000, 200, 20000 };
/* Exit qualification bits ("Exit Qualification for I/O Instructions", "... for EPT Violations"). */
#define IO_QUAL_IMM_OPERAND	VMX_BIT(6)
#define IO_QUAL_PORT_SHIFT	16
#define EPT_QUAL_WRITE		VMX_BIT(1)
#define EPT_QUAL_GLA_VALID	VMX_BIT(7)
#define EPT_QUAL_TRANSLATION	VMX_BIT(8)
/* "Exit Qualification for APIC-Access VM Exits...": offset 11:0, access type 15:12. */
#define APIC_QUAL_LINEAR_WRITE	(1ULL << 12)
#define APIC_OFFSET_EOI		0xb0
#define APIC_OFFSET_ICR_LOW	0x300
/* The NMI's and #GP's vectors ("Exception and Interrupt Vectors", Vol. 3A). */
#define NMI_VECTOR		2
#define GP_VECTOR		13
/* What the IDT-vectoring information keeps of an event: valid, error code, type, vector. */
#define IDT_VECTORING_MASK	(INTR_INFO_VALID_MASK | INTR_INFO_DELIVER_CODE_MASK | \
				 INTR_INFO_INTR_TYPE_MASK | INTR_INFO_VECTOR_MASK)
/* Blocking by STI or by MOV SS: for one instruction. */
#define GUEST_INTR_STATE_SHADOW	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

/* The guest stand-in from one VM entry to its exit. */
struct guest {
	struct machine *m;
	struct hw_cpu *c;
	struct vmcs *v;
	uintptr_t pc;			/* VMLAUNCH/VMRESUME's caller, for steps and reports */
	uint64_t pin, proc;		/* pin-based and primary processor-based controls */
	bool vid;			/* virtual-interrupt delivery is on (a cheap look first) */
	uint32_t activity;		/* GUEST_ACTIVITY_*: active, HLT, shutdown, wait-for-SIPI */
	uint32_t shadow;		/* blocking by STI or MOV SS: until the first instruction */
	bool rflags_if;			/* RFLAGS.IF; clear in a handler the guest entered */
	bool vnmi_blocked;		/* virtual-NMI blocking ("virtual NMIs" 1) */
	bool nmi_exit;			/* the exit is an NMI's: NMIs blocked after it */
	bool has_run;			/* the strategy chose its run length; it stepped */
	bool host_irqs;			/* the host's RFLAGS.IF at VMLAUNCH/VMRESUME */
	uint64_t budget;		/* cycles it runs while active before its script's next thing */
	uint64_t busy;			/* cycles it ran while active */
	uint64_t timer;			/* cycles until the VMX-preemption timer fires, or UINT64_MAX */
	uint64_t ran;			/* cycles since VM entry: the timer counts them all */
};

/* What an instruction boundary came to. */
enum boundary {
	BOUNDARY_NONE,			/* nothing: the guest goes on */
	BOUNDARY_DELIVERED,		/* it took an event: look again, at its handler's boundary */
	BOUNDARY_EXIT,			/* a VM exit, its information written */
};

bool vmx_scriptable_exit(uint32_t reason)
{
	switch (reason) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
	case EXIT_REASON_INTERRUPT_WINDOW:
	case EXIT_REASON_INVALID_STATE:
	case EXIT_REASON_MSR_LOAD_FAIL:
	case EXIT_REASON_PREEMPTION_TIMER:
		return false;
	default:
		/* The basic exit reasons run to 75 in 325462-080US ("VMX Basic Exit Reasons"). */
		return reason < 128;
	}
}

/*
 * The exits that delivering an event can cause ("Other Causes of VM
 * Exits": a task gate, an EPT violation or misconfiguration on the IDT or
 * the stack, an access to the APIC-access page), and so the ones a script
 * may mark as coming during delivery.
 */
static bool delivery_can_exit(uint32_t reason)
{
	return reason == EXIT_REASON_EPT_VIOLATION || reason == EXIT_REASON_EPT_MISCONFIG ||
	       reason == EXIT_REASON_APIC_ACCESS || reason == EXIT_REASON_TASK_SWITCH;
}

/*
 * What a guest typically did for each reason: OUT to port 80H with an
 * immediate, a write to a page EPT does not map, a write to the EOI
 * register through the APIC-access page, an ICR write trapped after it
 * happened, an EOI of vector 0 (a script says which).
 */
struct sim_guest_exit vmx_default_exit(uint32_t reason)
{
	struct sim_guest_exit e = { .reason = reason };

	switch (reason) {
	case EXIT_REASON_IO_INSTRUCTION:
		e.qualification = IO_QUAL_IMM_OPERAND | (0x80ULL << IO_QUAL_PORT_SHIFT);
		break;
	case EXIT_REASON_EPT_VIOLATION:
		e.qualification = EPT_QUAL_WRITE | EPT_QUAL_GLA_VALID | EPT_QUAL_TRANSLATION;
		e.gpa = 0xfebf0000ULL;
		e.gla = 0xffffc90000000000ULL;
		e.insn_len = 3;
		break;
	case EXIT_REASON_APIC_ACCESS:
		e.qualification = APIC_QUAL_LINEAR_WRITE | APIC_OFFSET_EOI;
		e.insn_len = 6;
		break;
	case EXIT_REASON_APIC_WRITE:
		e.qualification = APIC_OFFSET_ICR_LOW;
		break;
	default:
		break;
	}
	return e;
}

/*
 * The VM-exit instruction length where the SDM defines it for the reason
 * ("VM-Exit Instruction Length"): HLT F4, CPUID 0F A2, RDMSR/WRMSR 0F 32 /
 * 0F 30, VMCALL 0F 01 C1, IN/OUT 1 byte with DX or 2 with an immediate.
 */
static uint32_t insn_len_of(const struct sim_guest_exit *e)
{
	if (e->insn_len)
		return e->insn_len;
	switch (e->reason) {
	case EXIT_REASON_HLT:
		return 1;
	case EXIT_REASON_CPUID:
	case EXIT_REASON_MSR_READ:
	case EXIT_REASON_MSR_WRITE:
		return 2;
	case EXIT_REASON_VMCALL:
		return 3;
	case EXIT_REASON_IO_INSTRUCTION:
		return (e->qualification & IO_QUAL_IMM_OPERAND) ? 2 : 1;
	default:
		return 0;
	}
}

/* ---- the script and the event log ---------------------------------------- */

/* The next thing the guest does: its script's next entry, HLT once the script ran out. */
static struct sim_guest_exit script_next(const struct cpu_vmx *x)
{
	return x->next_exit < x->nexits ? x->exits[x->next_exit] : vmx_default_exit(EXIT_REASON_HLT);
}

/* The guest did it: the script goes on with the entry after it. */
static void script_done(struct cpu_vmx *x)
{
	if (x->next_exit < x->nexits)
		x->next_exit++;
}

static void log_event(struct cpu_vmx *x, uint32_t info, uint32_t error, bool injected)
{
	bool has_error = info & INTR_INFO_DELIVER_CODE_MASK;

	x->events[x->nevents++ % SIM_GUEST_EVENTS] = (struct sim_guest_event){
		.type = (uint8_t)((info & INTR_INFO_INTR_TYPE_MASK) >> 8),
		.vector = (uint8_t)(info & INTR_INFO_VECTOR_MASK),
		.has_error_code = has_error,
		.error_code = has_error ? error : 0,
		.injected = injected,
	};
}

unsigned int sim_guest_events(const struct machine *m, unsigned int cpu,
			      struct sim_guest_event *out, unsigned int max)
{
	const struct cpu_vmx *x;
	unsigned int n;

	if (cpu >= m->ncpus)
		return 0;
	x = &hw_cpu(m, cpu)->vmx;
	n = x->nevents < SIM_GUEST_EVENTS ? x->nevents : SIM_GUEST_EVENTS;
	if (n > max)
		n = max;
	for (unsigned int i = 0; i < n; i++)
		out[i] = x->events[(x->nevents - n + i) % SIM_GUEST_EVENTS];
	return n;
}

/* ---- blocking ------------------------------------------------------------- */

/*
 * Blocking by STI inhibits NMIs only on some processors (STI: NMIs "may be
 * inhibited"); the model's choice nmi-in-sti-shadow says which kind it is.
 * A processor that fails VM entry injecting an NMI into an STI shadow is
 * taken to be one that blocks NMIs there (docs/cpu-models.md, "Choices").
 */
static bool sti_blocks_nmi(const struct hw_cpu *c)
{
	return !c->model || !c->model->choice[MODEL_CHOICE_NMI_IN_STI_SHADOW];
}

/*
 * Events are blocked by MOV SS, and NMIs by STI where the model says so
 * ("Interruptibility State"). Whether STI and MOV SS also hold off an
 * NMI or external interrupt that causes a VM exit is implementation-
 * specific ("Event Blocking"): here they do, as they would outside VMX.
 */
static bool shadow_blocks_nmi(const struct guest *g)
{
	return (g->shadow & GUEST_INTR_STATE_MOV_SS) ||
	       ((g->shadow & GUEST_INTR_STATE_STI) && sti_blocks_nmi(g->c));
}

/*
 * NMIs are blocked in wait-for-SIPI, in an interrupt shadow, and by NMI
 * unless "virtual NMIs" is 1: then NMIs are not blocked in VMX non-root
 * operation and bit 3 of the interruptibility state is virtual-NMI
 * blocking ("Interruptibility State", "Virtual NMIs").
 */
static bool nmi_blocked(const struct guest *g)
{
	return g->activity == GUEST_ACTIVITY_WAIT_SIPI || shadow_blocks_nmi(g) ||
	       (!(g->pin & PIN_BASED_VIRTUAL_NMIS) && g->c->in_nmi);
}

/* External interrupts reach neither the shutdown nor the wait-for-SIPI state ("Activity State"). */
static bool takes_interrupts(const struct guest *g)
{
	return g->activity == GUEST_ACTIVITY_ACTIVE || g->activity == GUEST_ACTIVITY_HLT;
}

/* An NMI's delivery blocks NMIs, or with "virtual NMIs" sets virtual-NMI blocking. */
static void block_nmis(struct guest *g)
{
	if (g->pin & PIN_BASED_VIRTUAL_NMIS)
		g->vnmi_blocked = true;
	else
		g->c->in_nmi = true;
}

/* ---- delivering events -------------------------------------------------- */

/* A handler, or a VM exit for an event, cannot start before the event arrived. */
static void catch_up(struct guest *g)
{
	struct cpu *clk = &g->m->cpus[g->c->id];

	if (clk->cycles < g->c->landed_at)
		clk->cycles = g->c->landed_at;
}

/*
 * The script's next exit comes while the guest delivers event @info: the
 * IDT-vectoring information and error code name the event ("Information
 * for VM Exits During Event Delivery"). For a software interrupt or
 * exception VM entry injected, the exit's instruction length is the
 * VM-entry instruction length ("VM-Exit Instruction Length").
 */
static void exit_during_delivery(struct guest *g, uint32_t info, uint32_t error, bool injected)
{
	struct sim_guest_exit e = script_next(&g->c->vmx);
	uint64_t type = info & INTR_INFO_INTR_TYPE_MASK;
	uint32_t len = insn_len_of(&e);

	if (injected && (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SW_EXCEPTION ||
			 type == INTR_TYPE_SOFT_EXCEPTION))
		len = (uint32_t)vmcs_get(g->v, VMCS_VM_ENTRY_INSTRUCTION_LEN);
	vmx_exit_info(g->v, e.reason, e.qualification, len, 0, e.gpa, e.gla);
	vmcs_set(g->v, VMCS_IDT_VECTORING_INFO_FIELD, info & IDT_VECTORING_MASK);
	vmcs_set(g->v, VMCS_IDT_VECTORING_ERROR_CODE,
		 (info & INTR_INFO_DELIVER_CODE_MASK) ? error : 0);
	script_done(&g->c->vmx);
}

/*
 * Deliver event @info (error code @error) through the guest's IDT. An NMI
 * blocks NMIs first, so an exit during its delivery leaves them blocked
 * ("Architectural State Before a VM Exit"). Delivery wakes an inactive
 * guest and ends an interrupt shadow; the handler runs with RFLAGS.IF
 * clear (an interrupt gate).
 */
static enum boundary deliver(struct guest *g, uint32_t info, uint32_t error, bool injected)
{
	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		block_nmis(g);
	g->activity = GUEST_ACTIVITY_ACTIVE;
	g->shadow = 0;
	if (script_next(&g->c->vmx).during_delivery) {
		exit_during_delivery(g, info, error, injected);
		return BOUNDARY_EXIT;
	}
	log_event(&g->c->vmx, info, error, injected);
	g->rflags_if = false;
	return BOUNDARY_DELIVERED;
}

/*
 * "Event Injection": a valid VM-entry interruption information is
 * delivered after guest state is loaded, before any instruction. An
 * injected event never causes a VM exit itself (not the exception bitmap,
 * not "NMI exiting"); only its delivery can. A vectoring entry leaves the
 * guest active with no blocking by STI or MOV SS ("Interruptibility
 * State", "Activity State"). Type 7 (a pending MTF VM exit) is not
 * modelled: it is not delivered.
 */
static enum boundary inject(struct guest *g)
{
	uint32_t info = (uint32_t)vmcs_get(g->v, VMCS_VM_ENTRY_INTR_INFO_FIELD);
	uint32_t error = (uint32_t)vmcs_get(g->v, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE);

	if (!(info & INTR_INFO_VALID_MASK) ||
	    (info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_OTHER_EVENT)
		return BOUNDARY_NONE;
	return deliver(g, info, error, true);
}

/* ---- the events of an instruction boundary, by priority ------------------- */

/*
 * INIT causes a VM exit but in wait-for-SIPI, where it stays pending; a
 * SIPI causes one (qualification: its vector) only in wait-for-SIPI and
 * is discarded in any other state ("Other Causes of VM Exits").
 */
static enum boundary init_or_sipi(struct guest *g)
{
	struct hw_cpu *c = g->c;
	bool wait_sipi = g->activity == GUEST_ACTIVITY_WAIT_SIPI;

	if (c->init_pending && !wait_sipi) {
		c->init_pending = false;
		vmx_exit_info(g->v, EXIT_REASON_INIT_SIGNAL, 0, 0, 0, 0, 0);
		return BOUNDARY_EXIT;
	}
	if (!c->sipi_pending)
		return BOUNDARY_NONE;
	c->sipi_pending = false;
	if (!wait_sipi)
		return BOUNDARY_NONE;
	vmx_exit_info(g->v, EXIT_REASON_SIPI_SIGNAL, c->sipi_vector, 0, 0, 0, 0);
	return BOUNDARY_EXIT;
}

/*
 * The timer counts in every activity state but causes no VM exit in
 * wait-for-SIPI ("VMX-Preemption Timer").
 */
static enum boundary timer_expired(struct guest *g)
{
	if (g->activity == GUEST_ACTIVITY_WAIT_SIPI || g->ran < g->timer)
		return BOUNDARY_NONE;
	vmx_exit_info(g->v, EXIT_REASON_PREEMPTION_TIMER, 0, 0, 0, 0, 0);
	return BOUNDARY_EXIT;
}

/*
 * With "virtual NMIs" and "NMI-window exiting", a VM exit before any
 * instruction when there is no virtual-NMI blocking and no blocking by
 * MOV SS (and by STI where the processor blocks NMIs there). It wakes HLT
 * and shutdown, not wait-for-SIPI ("NMI-Window Exiting").
 */
static enum boundary nmi_window(struct guest *g)
{
	if (!(g->pin & PIN_BASED_VIRTUAL_NMIS) || !(g->proc & CPU_BASED_NMI_WINDOW_EXITING) ||
	    g->vnmi_blocked || shadow_blocks_nmi(g) || g->activity == GUEST_ACTIVITY_WAIT_SIPI)
		return BOUNDARY_NONE;
	vmx_exit_info(g->v, EXIT_REASON_NMI_WINDOW, 0, 0, 0, 0, 0);
	return BOUNDARY_EXIT;
}

/*
 * A host NMI that landed: with "NMI exiting" a VM exit (reason 0, an NMI's
 * interruption information; NMIs are blocked once it completes); without
 * it the guest takes it through its IDT ("Other Causes of VM Exits").
 */
static enum boundary take_nmi(struct guest *g)
{
	struct hw_cpu *c = g->c;

	if (!c->nmi_pending || nmi_blocked(g))
		return BOUNDARY_NONE;
	c->nmi_pending = false;
	hw_intr_recount(g->m);
	catch_up(g);
	if (!(g->pin & PIN_BASED_NMI_EXITING))
		return deliver(g, INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR | NMI_VECTOR, 0, false);
	vmx_exit_info(g->v, EXIT_REASON_EXCEPTION_NMI, 0, 0,
		      INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR | NMI_VECTOR, 0, 0);
	g->nmi_exit = true;
	return BOUNDARY_EXIT;
}

/*
 * "Interrupt-window exiting": a VM exit before any instruction when
 * RFLAGS.IF is 1 and there is no blocking by STI or MOV SS, after the
 * event VM entry injects (whose handler runs with IF clear). It wakes HLT,
 * not shutdown or wait-for-SIPI.
 */
static enum boundary intr_window(struct guest *g)
{
	if (!(g->proc & CPU_BASED_INTR_WINDOW_EXITING) || !g->rflags_if || g->shadow ||
	    !takes_interrupts(g))
		return BOUNDARY_NONE;
	vmx_exit_info(g->v, EXIT_REASON_INTERRUPT_WINDOW, 0, 0, 0, 0, 0);
	return BOUNDARY_EXIT;
}

static void guest_step(struct guest *g);

/*
 * "Virtual-Interrupt Delivery", at the interrupt window's priority: a
 * recognized virtual interrupt is delivered when RFLAGS.IF is 1 and there
 * is no blocking by STI or MOV SS; it wakes HLT. Its handler's first
 * instruction writes EOI (a guest step later): EOI virtualization retires
 * it, or makes the EOI-induced exit the EOI-exit bitmap asks for.
 */
static enum boundary virtual_intr(struct guest *g)
{
	struct apicv_exit ax;
	enum boundary b;
	int vector;

	if (!g->vid || !g->rflags_if || g->shadow || !takes_interrupts(g))
		return BOUNDARY_NONE;
	vector = guest_apicv_take(g->m, g->v);
	if (vector < 0)
		return BOUNDARY_NONE;
	b = deliver(g, INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR | (uint32_t)vector, 0, false);
	if (b == BOUNDARY_EXIT)
		return b;
	guest_step(g);
	if (guest_apicv_eoi(g->m, g->v, &ax) != APICV_EXIT)
		return BOUNDARY_DELIVERED;
	vmx_exit_info(g->v, ax.reason, ax.qual, 0, 0, 0, 0);
	return BOUNDARY_EXIT;
}

/*
 * "Posted-Interrupt Processing": the host APIC presents the notification
 * vector with "process posted interrupts" on. No exit: the CPU
 * acknowledges it, merges PIR into the virtual IRR and EOIs it; the
 * boundary is looked at again, where the virtual interrupt may now be
 * recognized.
 */
static enum boundary posted_intr(struct guest *g)
{
	if (!(g->pin & PIN_BASED_POSTED_INTR) || !g->m->nintr || g->shadow ||
	    !takes_interrupts(g))
		return BOUNDARY_NONE;
	if (!guest_apicv_notification(g->m, g->c, g->v, lapic_pending(&g->c->apic)))
		return BOUNDARY_NONE;
	catch_up(g);
	return BOUNDARY_DELIVERED;
}

/*
 * An external-interrupt exit: the host APIC presents a vector and
 * "external-interrupt exiting" is 1, whatever RFLAGS.IF says. With
 * "acknowledge interrupt on exit" the CPU acknowledges it (IRR to ISR)
 * and the exit's interruption information carries it (valid, type
 * external, vector): the hypervisor calls its handler itself, as KVM's
 * handle_external_interrupt_irqoff() does. Without it the interrupt stays
 * in the IRR and the host takes it when it enables interrupts.
 */
static enum boundary ext_intr(struct guest *g)
{
	uint32_t info = 0;
	int vector;

	if (!(g->pin & PIN_BASED_EXT_INTR_MASK) || !g->m->nintr || g->shadow ||
	    !takes_interrupts(g))
		return BOUNDARY_NONE;
	vector = lapic_pending(&g->c->apic);
	if (vector < 0)
		return BOUNDARY_NONE;
	catch_up(g);
	if (vmcs_get(g->v, VMCS_VM_EXIT_CONTROLS) & VM_EXIT_ACK_INTR_ON_EXIT) {
		lapic_ack(&g->c->apic);
		hw_intr_recount(g->m);
		info = (uint32_t)(INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR | (uint32_t)vector);
	}
	vmx_exit_info(g->v, EXIT_REASON_EXTERNAL_INTERRUPT, 0, 0, info, 0, 0);
	return BOUNDARY_EXIT;
}

/*
 * One instruction boundary, the events in the priority the SDM gives them
 * ("Priority Among Concurrent Events" with the VMX exits placed in it by
 * "VMX-Preemption Timer", "NMI-Window Exiting" and "Interrupt-Window
 * Exiting"): INIT and SIPI (external hardware interventions); the timer
 * (below debug traps); the NMI window; an NMI; the interrupt window and
 * virtual-interrupt delivery; an external interrupt (the notification
 * vector's processing first). A delivered event ends the look: its handler's first
 * instruction is the next boundary.
 */
static enum boundary guest_boundary(struct guest *g)
{
	static enum boundary (*const by_priority[])(struct guest *g) = {
		init_or_sipi, timer_expired, nmi_window, take_nmi, intr_window, virtual_intr,
		posted_intr, ext_intr,
	};
	enum boundary b = BOUNDARY_NONE;

	for (size_t i = 0; b == BOUNDARY_NONE && i < sizeof(by_priority) / sizeof(by_priority[0]); i++)
		b = by_priority[i](g);
	return b;
}

/* ---- running ------------------------------------------------------------ */

/* IA32_VMX_MISC[4:0]: the timer counts down once every 2^rate TSC cycles. */
static unsigned int timer_rate(const struct hw_cpu *c)
{
	const struct model_msr *misc = model_msr(c->model, MSR_IA32_VMX_MISC);

	return misc ? (unsigned int)(misc->value & VMX_MISC_PREEMPTION_TIMER_RATE_MASK) : 0;
}

/* Cycles until the VMX-preemption timer fires, or UINT64_MAX when it is off. */
static uint64_t timer_cycles(const struct hw_cpu *c, const struct vmcs *v)
{
	if (!(vmcs_get(v, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_BASED_VMX_PREEMPTION_TIMER))
		return UINT64_MAX;
	return vmcs_get(v, VMCS_VMX_PREEMPTION_TIMER_VALUE) << timer_rate(c);
}

/* "Save VMX-preemption timer value": what is left after @ran cycles. */
static void timer_save(const struct hw_cpu *c, struct vmcs *v, uint64_t ran)
{
	uint64_t left = vmcs_get(v, VMCS_VMX_PREEMPTION_TIMER_VALUE), ticks = ran >> timer_rate(c);

	if (!(vmcs_get(v, VMCS_PIN_BASED_VM_EXEC_CONTROL) & PIN_BASED_VMX_PREEMPTION_TIMER) ||
	    !(vmcs_get(v, VMCS_VM_EXIT_CONTROLS) & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER))
		return;
	vmcs_set(v, VMCS_VMX_PREEMPTION_TIMER_VALUE, ticks >= left ? 0 : left - ticks);
}

/*
 * The guest as VM entry leaves it ("Interruptibility State", "Activity
 * State"): NMIs blocked by bit 3 of the interruptibility state, which
 * with "virtual NMIs" is virtual-NMI blocking instead; blocking by STI or
 * MOV SS until its first instruction.
 */
static void guest_enter(struct guest *g)
{
	uint64_t intr = vmcs_get(g->v, VMCS_GUEST_INTERRUPTIBILITY_INFO);
	bool vnmi = g->pin & PIN_BASED_VIRTUAL_NMIS;

	g->activity = (uint32_t)vmcs_get(g->v, VMCS_GUEST_ACTIVITY_STATE);
	g->shadow = (uint32_t)(intr & GUEST_INTR_STATE_SHADOW);
	g->rflags_if = vmcs_get(g->v, VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF;
	g->vnmi_blocked = vnmi && (intr & GUEST_INTR_STATE_NMI);
	g->c->in_nmi = !vnmi && (intr & GUEST_INTR_STATE_NMI);
	g->timer = timer_cycles(g->c, g->v);
	/* Host interrupts are VM exits now, not host handlers. */
	g->c->irqs_enabled = false;
	g->c->vmx.in_guest = true;
}

/*
 * The guest's state into the guest-state area at the exit ("Saving Guest
 * State", "Saving Non-Register State"): RFLAGS.IF, the activity state,
 * blocking by STI and MOV SS (gone once an instruction ran or an event was
 * delivered), blocking by NMI or virtual-NMI blocking; SMI and enclave
 * bits as they were. After an exit an NMI caused, NMIs are blocked in the
 * host; other exits leave NMI blocking as it was ("Updating Non-Register
 * State").
 */
static void guest_save(struct guest *g)
{
	uint64_t intr = vmcs_get(g->v, VMCS_GUEST_INTERRUPTIBILITY_INFO);
	uint64_t rflags = vmcs_get(g->v, VMCS_GUEST_RFLAGS) & ~X86_EFLAGS_IF;
	bool nmi = (g->pin & PIN_BASED_VIRTUAL_NMIS) ? g->vnmi_blocked : g->c->in_nmi;

	intr &= GUEST_INTR_STATE_SMI | GUEST_INTR_STATE_ENCLAVE_INTR;
	intr |= g->shadow | (nmi ? GUEST_INTR_STATE_NMI : 0);
	vmcs_set(g->v, VMCS_GUEST_INTERRUPTIBILITY_INFO, intr);
	vmcs_set(g->v, VMCS_GUEST_ACTIVITY_STATE, g->activity);
	vmcs_set(g->v, VMCS_GUEST_RFLAGS, rflags | (g->rflags_if ? X86_EFLAGS_IF : 0));
	timer_save(g->c, g->v, g->ran);
	if (g->nmi_exit)
		g->c->in_nmi = true;
}

/* Another task than the guest's that may still send its CPU an IPI, an NMI, INIT or SIPI. */
static bool another_task_lives(const struct machine *m)
{
	for (unsigned int i = 0; i < m->ntasks; i++) {
		const struct task *t = &m->tasks[i];

		if (t != m->cur_task && t->kind != TASK_KIND_IDLE && t->state != TASK_DONE)
			return true;
	}
	return false;
}

/*
 * An inactive guest waits for what can still come: the VMX-preemption
 * timer (not in wait-for-SIPI), an IPI in flight to its CPU, its APIC
 * timer, or a message from a task still running elsewhere. With none of
 * these, nothing will ever end the VM exit's wait: the CPU is lost.
 */
static void guest_check_lost(struct guest *g)
{
	const struct hw_cpu *c = g->c;
	bool wait_sipi = g->activity == GUEST_ACTIVITY_WAIT_SIPI;
	char title[160];

	if ((!wait_sipi && g->timer != UINT64_MAX) || c->nflights ||
	    lapic_timer_next(&c->apic) != UINT64_MAX || another_task_lives(g->m))
		return;
	g->c->vmx.in_guest = false;
	g->c->irqs_enabled = g->host_irqs;
	snprintf(title, sizeof(title), "CPU %u lost to its guest: %s", c->id,
		 wait_sipi ? "waiting for a SIPI" : g->activity == GUEST_ACTIVITY_HLT ?
		 "HLT without HLT exiting" : "shut down");
	hw_fault(g->m, &(struct hw_fault){
		.title = title, .rip = true, .rip_note = "(VMLAUNCH/VMRESUME)", .pc = g->pc,
		.after = "The guest is inactive and nothing can end its wait: no VMX-preemption\n"
			 "timer, no IPI on its way, no task left that could send one. No VM exit\n"
			 "can ever return this CPU to the host.\n",
		.fatal = true,
	});
}

/*
 * One step of guest time: a PAUSE-priced step at which other CPUs run (the
 * strategies see a CPU that spins, and time it). An active guest executes
 * an instruction, which ends blocking by STI or MOV SS. IPIs land across
 * the guest's steps like any target's.
 */
static void guest_step(struct guest *g)
{
	struct cpu *clk = &g->m->cpus[g->c->id];
	struct sim_decision d = {
		.kind = SIM_CHOICE_GUEST,
		.n = sizeof(guest_run_cycles) / sizeof(guest_run_cycles[0]),
		.step = g->m->step + 1, .cur = g->c->id, .dflt = g->c->id,
	};
	uint64_t before = clk->cycles;

	if (!g->has_run) {
		g->budget = guest_run_cycles[sim_choose(g->m, &d)];
		g->has_run = true;
	}
	sim_step(g->m, SIM_RELAX, 0, 0, g->pc);
	if (g->activity == GUEST_ACTIVITY_ACTIVE) {
		g->busy += clk->cycles - before;
		g->shadow = 0;
	}
	g->ran += clk->cycles - before;
	/* Nothing in flight or pending anywhere (m->nintr): nothing to land. */
	if (g->m->nintr)
		hw_intr_land(g->m, g->c, HW_LAND_CHOOSE,
			     (g->pin & PIN_BASED_EXT_INTR_MASK) && takes_interrupts(g));
}

/*
 * An inactive guest with no VMX-preemption timer counting waits with its
 * task (TASK_HALTED) until something lands at its CPU that could end the
 * wait, instead of spinning: a strategy that keeps the highest-priority
 * CPU going cannot starve the CPU that would wake it. With the timer on,
 * time must pass on this CPU's clock: it steps. Returns whether it waited.
 */
static bool guest_halt(struct guest *g)
{
	struct cpu_vmx *x = &g->c->vmx;
	bool wait_sipi = g->activity == GUEST_ACTIVITY_WAIT_SIPI;
	struct task *t = g->m->cur_task;

	if (g->timer != UINT64_MAX && !wait_sipi)
		return false;
	x->wake_intr = (g->pin & PIN_BASED_EXT_INTR_MASK) && takes_interrupts(g);
	x->wake_nmi = !nmi_blocked(g);
	x->wake_init = !wait_sipi;
	x->halt_wait = true;
	machine_wait(g->m, TASK_HALTED, NULL, "a halted guest");
	if (t->state == TASK_HALTED)
		t->state = TASK_RUNNABLE;
	x->halt_wait = false;
	/* A halted CPU takes what arrived at the earliest. */
	hw_intr_land(g->m, g->c, HW_LAND_ALL, x->wake_intr);
	return true;
}

/*
 * The next thing in the script, when the guest has run its time: a VM
 * exit, or a HLT without "HLT exiting", which halts the guest.
 */
/*
 * A scripted APIC access under APIC virtualization ("Virtualizing
 * Memory-Mapped APIC Accesses", "Virtualizing MSR-Based APIC Accesses"):
 * true when it is over without the scripted exit (completed in the guest,
 * or a #GP the guest took), or with the exit APICv made instead.
 */
static bool guest_apic_access(struct guest *g, const struct sim_guest_exit *e, bool *exited)
{
	struct phys_mem *pm = hw_of(g->m)->mem;
	bool write = e->reason == EXIT_REASON_MSR_WRITE ||
		     (e->reason == EXIT_REASON_APIC_ACCESS &&
		      ((e->qualification >> APICV_ACCESS_TYPE_SHIFT) & 0xf) ==
		      APICV_ACCESS_LINEAR_WRITE);
	uint64_t val64 = e->value;
	uint32_t val32 = (uint32_t)e->value;
	struct apicv_exit ax;
	enum apicv_result res;

	if (e->reason == EXIT_REASON_APIC_ACCESS)
		res = apicv_mmio(g->v, pm, write, (uint32_t)(e->qualification & 0xfff), 4, &val32,
				 &ax);
	else if ((e->reason == EXIT_REASON_MSR_READ || write) && e->msr >= APIC_BASE_MSR &&
		 e->msr <= APIC_MSR_LAST)
		res = apicv_msr(g->v, pm, write, e->msr, &val64, &ax);
	else
		return false;
	*exited = false;
	switch (res) {
	case APICV_DONE:
		return true;
	case APICV_EXIT:
		/* A fault-like APIC-access exit keeps the script's instruction length. */
		vmx_exit_info(g->v, ax.reason, ax.qual, ax.trap ? 0 : insn_len_of(e), 0, 0, 0);
		*exited = true;
		return true;
	case APICV_GP:
		*exited = deliver(g, INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION |
				  INTR_INFO_DELIVER_CODE_MASK | GP_VECTOR, 0, false) == BOUNDARY_EXIT;
		return true;
	default:
		return false;
	}
}

static bool guest_script(struct guest *g)
{
	struct sim_guest_exit e = script_next(&g->c->vmx);
	bool exited;

	script_done(&g->c->vmx);
	if (guest_apic_access(g, &e, &exited))
		return exited;
	if (e.reason == EXIT_REASON_HLT && !(g->proc & CPU_BASED_HLT_EXITING)) {
		g->activity = GUEST_ACTIVITY_HLT;
		return false;
	}
	vmx_exit_info(g->v, e.reason, e.qualification, insn_len_of(&e), 0, e.gpa, e.gla);
	return true;
}

/*
 * From the injected event to the exit: at each instruction boundary the
 * events by priority (guest_boundary()); an active guest steps until it
 * has run its time and then does its script's next thing; an inactive one
 * (HLT, shutdown, wait-for-SIPI) steps only to let time pass until an
 * event ends its wait, and is lost when none can.
 */
static void guest_run(struct guest *g)
{
	enum boundary b = inject(g);
	struct apicv_exit ax;

	/* After the injected event: the TPR threshold, PPR virtualization ("VM Entries"). */
	if (b != BOUNDARY_EXIT && apicv_at_entry(g->v, hw_of(g->m)->mem, &ax) == APICV_EXIT) {
		vmx_exit_info(g->v, ax.reason, ax.qual, 0, 0, 0, 0);
		return;
	}

	while (b != BOUNDARY_EXIT) {
		b = guest_boundary(g);
		if (b != BOUNDARY_NONE)
			continue;
		if (g->activity == GUEST_ACTIVITY_ACTIVE && g->has_run && g->busy >= g->budget) {
			if (guest_script(g))
				return;
			continue;
		}
		if (g->activity != GUEST_ACTIVITY_ACTIVE) {
			guest_check_lost(g);
			if (guest_halt(g))
				continue;
		}
		guest_step(g);
	}
}

void vmx_guest_run(struct machine *m, struct hw_cpu *c, struct vmcs *v, uintptr_t pc)
{
	struct guest g = {
		.m = m, .c = c, .v = v, .pc = pc,
		.pin = vmcs_get(v, VMCS_PIN_BASED_VM_EXEC_CONTROL),
		.proc = vmcs_get(v, VMCS_CPU_BASED_VM_EXEC_CONTROL),
		.host_irqs = c->irqs_enabled,
	};

	g.vid = (g.proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &&
		(vmcs_get(v, VMCS_SECONDARY_VM_EXEC_CONTROL) & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);

	guest_enter(&g);
	guest_run(&g);
	guest_save(&g);
	c->vmx.in_guest = false;
	c->irqs_enabled = g.host_irqs;
}

bool sim_cpu_in_vmx(const struct machine *m, unsigned int cpu)
{
	return cpu < m->ncpus && hw_cpu(m, cpu)->vmx.root;
}

int sim_set_guest_script(struct machine *m, unsigned int cpu, const struct sim_guest_exit *exits,
			 unsigned int n)
{
	struct cpu_vmx *x;

	if (cpu >= m->ncpus || n > VMX_GUEST_EXITS || m->running)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (!vmx_scriptable_exit(exits[i].reason) ||
		    (exits[i].during_delivery && !delivery_can_exit(exits[i].reason)))
			return -EINVAL;
	x = &hw_cpu(m, cpu)->vmx;
	for (unsigned int i = 0; i < n; i++)
		x->exits[i] = exits[i];
	x->nexits = n;
	x->next_exit = 0;
	return 0;
}

int sim_set_guest_exits(struct machine *m, unsigned int cpu, const uint32_t *reasons,
			unsigned int n)
{
	struct sim_guest_exit exits[VMX_GUEST_EXITS];

	if (n > VMX_GUEST_EXITS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		exits[i] = vmx_default_exit(reasons[i]);
	return sim_set_guest_script(m, cpu, exits, n);
}
