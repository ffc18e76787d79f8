// SPDX-License-Identifier: MIT
/*
 * The guest stand-in's virtual APIC: what the processor does between the
 * guest's steps when the VMCS virtualizes the APIC (sim/vmx/apicv.c is
 * the logic; this is when the stand-in calls it).
 *
 *   host APIC presents the notification vector, "process posted
 *   interrupts" on   -> acknowledge it, PIR into the virtual IRR, EOI the
 *                       host APIC: no VM exit ("Posted-Interrupt
 *                       Processing");
 *   a virtual interrupt is recognized and the guest can take it (guest.c
 *   says when) -> delivered through the guest's IDT, no VM exit
 *                       ("Virtual-Interrupt Delivery"); the guest's
 *                       handler then writes EOI, through the x2APIC MSR
 *                       under "virtualize x2APIC mode", else through the
 *                       APIC-access page, and EOI virtualization decides
 *                       whether that is an EOI-induced exit.
 *
 * Citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C,
 * "APIC Virtualization and Virtual Interrupts".
 */
#include "vmx/guest_apicv.h"

#include "hvsim/x86/apicdef.h"
#include "cpu/hw.h"
#include "vmx/apicv.h"

bool guest_apicv_notification(struct machine *m, struct hw_cpu *c, struct vmcs *v, int vector)
{
	if (vector < 0 || !apicv_pi_notification(v, (uint8_t)vector))
		return false;
	lapic_ack(&c->apic);
	apicv_pi_process(v, hw_of(m)->mem);
	lapic_eoi(&c->apic);
	hw_intr_recount(m);
	return true;
}

int guest_apicv_take(struct machine *m, struct vmcs *v)
{
	struct phys_mem *pm = hw_of(m)->mem;

	return apicv_pending(v, pm) < 0 ? -1 : apicv_deliver(v, pm);
}

enum apicv_result guest_apicv_eoi(struct machine *m, struct vmcs *v, struct apicv_exit *exit)
{
	struct phys_mem *pm = hw_of(m)->mem;
	uint64_t zero64 = 0;
	uint32_t zero = 0;
	uint64_t sec = (vmcs_get(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) &
			CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ?
		       vmcs_get(v, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;

	if (sec & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE)
		return apicv_msr(v, pm, true, APIC_BASE_MSR + (APIC_EOI >> 4), &zero64, exit);
	return apicv_mmio(v, pm, true, APIC_EOI, 4, &zero, exit);
}
