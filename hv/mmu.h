/* SPDX-License-Identifier: MIT */
/*
 * The MMU (mmu.c), in the role of KVM's arch/x86/kvm/mmu.h: the vCPU's
 * MMU context and the VM's shadow pages, as far as seed 002 needs them
 * (docs/hv.md says what is left out).
 */
#ifndef HV_MMU_H
#define HV_MMU_H

#include "kvm_host.h"

/* Per VM: the lock and the empty hash (KVM's kvm_mmu_init_vm); at destruction every page goes. */
void kvm_mmu_init_vm(struct kvm *kvm);
void kvm_mmu_uninit_vm(struct kvm *kvm);
/* Per vCPU: the context with no root loaded; at destruction its root is let go. */
void kvm_mmu_create(struct kvm_vcpu *vcpu);
void kvm_mmu_destroy(struct kvm_vcpu *vcpu);

/*
 * The context again from the guest's paging state and CPUID (the
 * reserved-bit masks, the root role), the root unloaded: the next entry
 * loads one. The vCPU is loaded (its VMCS holds CR0, CR4, EFER).
 */
void kvm_mmu_reset_context(struct kvm_vcpu *vcpu);
/* After KVM_SET_CPUID2 changed the table (KVM's kvm_mmu_after_set_cpuid). */
void kvm_mmu_after_set_cpuid(struct kvm_vcpu *vcpu);

/* Before entry, the vCPU loaded: a root for guest CR3, found by (gfn, role) or made. */
int kvm_mmu_load(struct kvm_vcpu *vcpu);
void kvm_mmu_unload(struct kvm_vcpu *vcpu);
static inline int kvm_mmu_reload(struct kvm_vcpu *vcpu)
{
	if (vcpu->mmu.root)
		return 0;
	return kvm_mmu_load(vcpu);
}

/* KVM_HVSIM_GET_MMU_ROOT: what the vCPU's root is and what it was built under. */
void kvm_mmu_get_root_info(struct kvm_vcpu *vcpu, struct kvm_hvsim_mmu_root *info);

#endif /* HV_MMU_H */
