// SPDX-License-Identifier: MIT
/*
 * The guest, until guests run real code: a deterministic stand-in that
 * runs for a number of cycles the strategy picks and then does the next
 * thing in its CPU's script (sim_set_guest_script(); HLT by default),
 * unless an interrupt, the interrupt window or the VMX-preemption timer
 * ends its run first. vmx.c calls vmx_guest_run() between a successful VM
 * entry and the VM exit; a real guest interpreter replaces this file
 * behind that one call.
 *
 * Citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C,
 * "VM Exits", "VM-Exit Information Fields", "VMX Basic Exit Reasons".
 */
#include "vmx/vmx.h"

#include <errno.h>
#include <stdio.h>

#include "hvsim/hw.h"
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

/*
 * The guest halted with HLT exiting off, no external-interrupt exiting and
 * no preemption timer: nothing can bring the CPU back to the host.
 */
__attribute__((noreturn))
static void vmx_guest_lost(struct machine *m, uintptr_t pc)
{
	char title[160];

	snprintf(title, sizeof(title), "CPU %u lost to its guest: HLT without HLT exiting",
		 m->cur_cpu->id);
	hw_fault(m, &(struct hw_fault){
		.title = title, .rip = true, .rip_note = "(VMLAUNCH/VMRESUME)", .pc = pc,
		.after = "The guest halted; neither external-interrupt exiting nor the VMX-preemption\n"
			 "timer is on, so no VM exit can ever return this CPU to the host.\n",
		.fatal = true,
	});
	__builtin_unreachable();
}

/*
 * An external-interrupt exit ("External Interrupts" under "VM Exits Caused
 * by Events"): the host APIC presents @vector. With "acknowledge interrupt
 * on exit" the CPU acknowledges it (IRR to ISR) and the exit's
 * interruption information carries it (valid, type external, vector): the
 * hypervisor calls its handler itself, as KVM's
 * handle_external_interrupt_irqoff() does. Without it the interrupt stays
 * in the IRR and the host takes it when it enables interrupts.
 */
static void exit_external_interrupt(struct machine *m, struct hw_cpu *c, struct vmcs *v,
				    int vector)
{
	struct cpu *clk = &m->cpus[c->id];
	uint32_t info = 0;

	if (clk->cycles < c->landed_at)
		clk->cycles = c->landed_at;
	if (vmcs_get(v, VMCS_VM_EXIT_CONTROLS) & VM_EXIT_ACK_INTR_ON_EXIT) {
		lapic_ack(&c->apic);
		hw_intr_recount(m);
		info = (uint32_t)(INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR | (uint32_t)vector);
	}
	vmx_exit_info(v, EXIT_REASON_EXTERNAL_INTERRUPT, 0, 0, info, 0, 0);
}

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

/* Does the scripted event end the guest's run, given the execution controls? */
static bool script_exits(const struct vmcs *v, uint32_t reason)
{
	/* HLT exits only with "HLT exiting"; otherwise the guest halts. */
	return reason != EXIT_REASON_HLT ||
	       (vmcs_get(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & CPU_BASED_HLT_EXITING);
}

/*
 * The guest stand-in, from VM entry to VM exit, in the priority the SDM
 * gives events ("Event Blocking", "VM Exits Caused by Events"):
 *
 *  1. interrupt-window exiting with RFLAGS.IF = 1 and no STI/MOV-SS
 *     blocking exits before the guest runs;
 *  2. the guest runs for the strategy's choice of cycles, a step at a
 *     time; after each, an interrupt the host APIC presents ends the run
 *     with external-interrupt exiting (an IPI that lands while the guest
 *     runs interrupts it), and so does the VMX-preemption timer when it
 *     expires (a value of 0 right after entry);
 *  3. then the guest does the next thing in its script (HLT by default).
 *     A HLT without HLT exiting halts the guest: it stays in guest mode
 *     until an interrupt or the timer ends the run, and with neither
 *     possible the CPU never comes back, which ends the run as a failure.
 */
void vmx_guest_run(struct machine *m, struct hw_cpu *c, struct vmcs *v, uintptr_t pc)
{
	struct sim_decision d = {
		.kind = SIM_CHOICE_GUEST,
		.n = sizeof(guest_run_cycles) / sizeof(guest_run_cycles[0]),
		.step = m->step + 1, .cur = c->id, .dflt = c->id,
	};
	uint64_t pin = vmcs_get(v, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	uint64_t timer = timer_cycles(c, v), ran = 0, start, budget;
	struct sim_guest_exit e = vmx_default_exit(EXIT_REASON_HLT);
	bool halted = false, irqs = c->irqs_enabled, exiting = pin & PIN_BASED_EXT_INTR_MASK;
	bool intr_open = exiting || (pin & PIN_BASED_POSTED_INTR);
	struct cpu *clk = &m->cpus[c->id];
	struct apicv_exit ax;
	int vector;

	if ((vmcs_get(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & CPU_BASED_INTR_WINDOW_EXITING) &&
	    (vmcs_get(v, VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	    !(vmcs_get(v, VMCS_GUEST_INTERRUPTIBILITY_INFO) &
	      (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))) {
		vmx_exit_info(v, EXIT_REASON_INTERRUPT_WINDOW, 0, 0, 0, 0, 0);
		return;
	}
	/* TPR below threshold right after entry; PPR virtualization ("VM Entries"). */
	if (apicv_at_entry(v, hw_of(m)->mem, &ax) == APICV_EXIT) {
		vmx_exit_info(v, ax.reason, ax.qual, 0, 0, 0, 0);
		return;
	}
	if (c->vmx.next_exit < c->vmx.nexits)
		e = c->vmx.exits[c->vmx.next_exit++];
	budget = guest_run_cycles[sim_choose(m, &d)];
	/* Host interrupts are VM exits now, not host handlers. */
	c->irqs_enabled = false;
	c->vmx.in_guest = true;
	start = clk->cycles;
	for (;;) {
		if (ran >= timer) {
			vmx_exit_info(v, EXIT_REASON_PREEMPTION_TIMER, 0, 0, 0, 0, 0);
			break;
		}
		/*
		 * One step of guest time: a PAUSE-priced step at which other
		 * CPUs run (the strategies see a CPU that spins, and time it).
		 */
		sim_step(m, SIM_RELAX, 0, 0, pc);
		ran = clk->cycles - start;
		/* IPIs land across the guest's steps like any target's. */
		hw_intr_land(m, c, HW_LAND_CHOOSE, intr_open);
		vector = intr_open ? lapic_pending(&c->apic) : -1;
		if (guest_apicv_notification(m, c, v, vector)) {
			vector = -1;
		} else if (vector >= 0 && exiting) {
			exit_external_interrupt(m, c, v, vector);
			break;
		}
		switch (guest_apicv_deliver(m, c, v, &ax)) {
		case GUEST_VINTR_EXIT:
			vmx_exit_info(v, ax.reason, ax.qual, 0, 0, 0, 0);
			goto out;
		case GUEST_VINTR_TAKEN:
			halted = false;	/* an interrupt wakes a halted guest */
			break;
		case GUEST_VINTR_NONE:
			break;
		}
		if (halted || ran < budget)
			continue;
		if (script_exits(v, e.reason)) {
			vmx_exit_info(v, e.reason, e.qualification, insn_len_of(&e), 0, e.gpa,
				      e.gla);
			break;
		}
		if (!exiting && timer == UINT64_MAX) {
			c->vmx.in_guest = false;
			c->irqs_enabled = irqs;
			vmx_guest_lost(m, pc);
		}
		halted = true;
	}
out:
	c->vmx.in_guest = false;
	c->irqs_enabled = irqs;
	timer_save(c, v, ran);
}

int sim_set_guest_script(struct machine *m, unsigned int cpu, const struct sim_guest_exit *exits,
			 unsigned int n)
{
	struct cpu_vmx *x;

	if (cpu >= m->ncpus || n > VMX_GUEST_EXITS || m->running)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (!vmx_scriptable_exit(exits[i].reason))
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
