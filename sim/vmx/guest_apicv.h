/* SPDX-License-Identifier: MIT */
/*
 * The guest stand-in's virtual APIC (sim/vmx/guest_apicv.c): posted-
 * interrupt processing when the notification vector arrives in VMX
 * non-root operation, and virtual-interrupt delivery with the guest
 * handler's EOI.
 */
#ifndef HVSIM_VMX_GUEST_APICV_H
#define HVSIM_VMX_GUEST_APICV_H

#include <stdbool.h>

#include "vmx/apicv.h"
#include "vmx/vmcs.h"

struct machine;
struct hw_cpu;

/*
 * The host APIC presents @vector (-1: nothing) to a CPU in the guest: when
 * it is the VMCS's notification vector with "process posted interrupts",
 * posted-interrupt processing runs (acknowledge, PIR into VIRR, EOI) and
 * this returns true: no VM exit.
 */
bool guest_apicv_notification(struct machine *m, struct hw_cpu *c, struct vmcs *v, int vector);

enum guest_vintr {
	GUEST_VINTR_NONE,	/* nothing recognized, or the guest cannot take it */
	GUEST_VINTR_TAKEN,	/* delivered and EOI'd without a VM exit */
	GUEST_VINTR_EXIT,	/* delivered; its EOI is a VM exit (*exit) */
};

/* A recognized virtual interrupt the guest can take: delivered, then its handler's EOI. */
enum guest_vintr guest_apicv_deliver(struct machine *m, struct hw_cpu *c, struct vmcs *v,
				     struct apicv_exit *exit);

#endif /* HVSIM_VMX_GUEST_APICV_H */
