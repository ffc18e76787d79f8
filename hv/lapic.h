/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel local APIC of a vCPU (lapic.c), in the role of KVM's
 * arch/x86/kvm/lapic.h: its register page (the virtual-APIC page APICv
 * uses), interrupt acceptance, and delivery of an MSI to the VM's APICs.
 */
#ifndef HV_LAPIC_H
#define HV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

struct kvm;
struct kvm_vcpu;
struct kvm_msi;

/* A vCPU's local APIC (KVM's struct kvm_lapic). */
struct kvm_lapic {
	struct kvm_vcpu *vcpu;
	void *regs;			/* the register page: KVM's apic->regs, APICv's virtual-APIC page */
};

/* The APIC of a new vCPU in a VM with an irqchip: 0 or -ENOMEM (KVM's kvm_create_lapic). */
int kvm_create_lapic(struct kvm_vcpu *vcpu);
void kvm_free_lapic(struct kvm_vcpu *vcpu);

/*
 * A fixed interrupt of @vector for @vcpu (KVM's __apic_accept_irq): posted
 * with APICv, else set in IRR with KVM_REQ_EVENT and a kick.
 */
void kvm_apic_set_irq(struct kvm_vcpu *vcpu, int vector);
/* The highest vector in IRR, or -1 (PIR not included: the caller syncs it first). */
int kvm_lapic_find_highest_irr(struct kvm_vcpu *vcpu);
/* IRR's @vector is being injected: out of IRR (ISR is not tracked: no priorities here). */
void kvm_lapic_ack(struct kvm_vcpu *vcpu, int vector);
/* Does the vCPU have an interrupt to take (IRR, or with APICv a posted one)? */
bool kvm_cpu_has_interrupt(struct kvm_vcpu *vcpu);
/* IRR's 32-bit word @i, for the vendor's PIR sync (KVM's __kvm_apic_update_irr()). */
uint32_t *kvm_lapic_irr_word(struct kvm_lapic *apic, int i);
/* APICv came on or went off for the vCPU (KVM's kvm_apic_update_apicv()). */
void kvm_apic_update_apicv(struct kvm_vcpu *vcpu);

/* KVM_SIGNAL_MSI: to the vCPU whose APIC ID the address names (KVM's kvm_set_msi()). */
int kvm_send_userspace_msi(struct kvm *kvm, const struct kvm_msi *msi);

#endif /* HV_LAPIC_H */
