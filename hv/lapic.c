// SPDX-License-Identifier: MIT
/*
 * The in-kernel local APIC, in the role of KVM's arch/x86/kvm/lapic.c:
 * a register page per vCPU (APICv's virtual-APIC page when APICv is on),
 * fixed interrupts accepted into IRR or posted, and MSIs from user space.
 *
 * Where hv/ simplifies KVM: no timer, no LVTs, no logical destinations,
 * no priorities (PPR is 0: any IRR vector is deliverable), and an injected
 * interrupt leaves IRR without entering ISR (the guest stand-in's handler
 * of an injected interrupt never EOIs; with APICv the processor's EOI
 * virtualization keeps the virtual ISR).
 *
 * Accepting an interrupt against the vCPU entering the guest:
 *
 *   sender (kvm_apic_set_irq)             vCPU task (vcpu_enter_guest)
 *   APICv: PIR bit, ON; read mode         mode = IN_GUEST_MODE; smp_mb()
 *     IN_GUEST_MODE: notification IPI     sync PIR into vIRR and RVI
 *     else wake it if blocked             (either the IPI or the sync finds it)
 *   no APICv: IRR bit, KVM_REQ_EVENT,     requests pending? cancel the entry
 *     kick (the requests' protocol, x86.c)
 */
#define KBUILD_MODNAME "kvm"

#include "lapic.h"

#include <errno.h>

#include "hvsim/kvm.h"
#include "hvsim/x86/apicdef.h"
#include "kvm_host.h"
#include "x86.h"

/* An MSI's address and data (Intel SDM Vol. 3A, "Message Signalled Interrupts"). */
#define MSI_ADDR_DEST_ID_SHIFT	12
#define MSI_ADDR_DEST_ID_MASK	0xffU
#define MSI_DATA_VECTOR_MASK	0xffU
#define MSI_DATA_DELIVERY_SHIFT	8
#define MSI_DATA_DELIVERY_MASK	0x7U
#define MSI_DELIVERY_FIXED	0
#define APIC_BROADCAST_ID	0xffU
/* The xAPIC ID register's ID field: bits 31:24. */
#define APIC_ID_SHIFT		24

static uint32_t *apic_reg(struct kvm_lapic *apic, uint32_t offset)
{
	return (uint32_t *)((char *)apic->regs + offset);
}

uint32_t *kvm_lapic_irr_word(struct kvm_lapic *apic, int i)
{
	return apic_reg(apic, APIC_IRR + (uint32_t)i * 0x10);
}

int kvm_create_lapic(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = kzalloc(sizeof(*apic), GFP_KERNEL_ACCOUNT);

	if (!apic)
		return -ENOMEM;
	apic->regs = (void *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!apic->regs) {
		kfree(apic);
		return -ENOMEM;
	}
	apic->vcpu = vcpu;
	*apic_reg(apic, APIC_ID) = (uint32_t)vcpu->vcpu_id << APIC_ID_SHIFT;
	vcpu->apic = apic;
	return 0;
}

void kvm_free_lapic(struct kvm_vcpu *vcpu)
{
	struct kvm_lapic *apic = vcpu->apic;

	if (!apic)
		return;
	free_pages((unsigned long)apic->regs, 0);
	kfree(apic);
	vcpu->apic = NULL;
}

int kvm_lapic_find_highest_irr(struct kvm_vcpu *vcpu)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = READ_ONCE(*kvm_lapic_irr_word(vcpu->apic, i));

		if (w)
			return 32 * i + 31 - __builtin_clz(w);
	}
	return -1;
}

void kvm_lapic_ack(struct kvm_vcpu *vcpu, int vector)
{
	uint32_t *irr = kvm_lapic_irr_word(vcpu->apic, vector / 32);

	__atomic_fetch_and(irr, ~(1U << (vector % 32)), __ATOMIC_SEQ_CST);
}

bool kvm_cpu_has_interrupt(struct kvm_vcpu *vcpu)
{
	if (!vcpu->apic)
		return false;
	if (kvm_lapic_find_highest_irr(vcpu) >= 0)
		return true;
	return READ_ONCE(vcpu->apicv_active) && vmx_x86_ops.pi_has_pending(vcpu);
}

void kvm_apic_set_irq(struct kvm_vcpu *vcpu, int vector)
{
	uint32_t *irr;

	/* With APICv the processor takes it from the PI descriptor (KVM's vmx_deliver_interrupt). */
	if (!vmx_x86_ops.deliver_posted_interrupt(vcpu, vector))
		return;
	irr = kvm_lapic_irr_word(vcpu->apic, vector / 32);
	__atomic_fetch_or(irr, 1U << (vector % 32), __ATOMIC_SEQ_CST);
	kvm_make_request(KVM_REQ_EVENT, vcpu);
	kvm_vcpu_kick(vcpu);
}

/*
 * Without APICv nothing else needs doing: IRR is the page's either way,
 * and the next entry injects from it (KVM_REQ_EVENT, set by the caller).
 */
void kvm_apic_update_apicv(struct kvm_vcpu *vcpu)
{
	(void)vcpu;
}

int kvm_send_userspace_msi(struct kvm *kvm, const struct kvm_msi *msi)
{
	uint32_t dest = (msi->address_lo >> MSI_ADDR_DEST_ID_SHIFT) & MSI_ADDR_DEST_ID_MASK;
	int vector = (int)(msi->data & MSI_DATA_VECTOR_MASK);
	struct kvm_vcpu *vcpu;
	int i, delivered = 0;

	/* KVM_MSI_VALID_DEVID (bit 0) is for devices behind an IOMMU: accepted, unused. */
	if (!irqchip_in_kernel(kvm) || (msi->flags & ~1U))
		return -EINVAL;
	/* Fixed delivery, physical destination only. */
	if (((msi->data >> MSI_DATA_DELIVERY_SHIFT) & MSI_DATA_DELIVERY_MASK) != MSI_DELIVERY_FIXED)
		return -EINVAL;
	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (!vcpu->apic || (dest != APIC_BROADCAST_ID && (uint32_t)vcpu->vcpu_id != dest))
			continue;
		kvm_apic_set_irq(vcpu, vector);
		delivered++;
	}
	/* KVM's: the number of APICs that took it, -1 when no APIC matched. */
	return delivered ? delivered : -1;
}
