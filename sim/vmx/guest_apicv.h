/* SPDX-License-Identifier: MIT */
/*
 * The guest stand-in's virtual APIC (sim/vmx/guest_apicv.c): posted-
 * interrupt processing when the notification vector arrives in VMX
 * non-root operation, virtual-interrupt delivery and the guest handler's
 * EOI. guest.c decides when each happens.
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

/* Deliver the recognized virtual interrupt (the guest can take it): its vector, or -1. */
int guest_apicv_take(struct machine *m, struct vmcs *v);
/*
 * The guest handler's EOI: a WRMSR of the x2APIC EOI under "virtualize
 * x2APIC mode", else a write to the APIC-access page, as EOI
 * virtualization (or the lack of it) handles it; APICV_EXIT fills *exit.
 */
enum apicv_result guest_apicv_eoi(struct machine *m, struct vmcs *v, struct apicv_exit *exit);

#endif /* HVSIM_VMX_GUEST_APICV_H */
