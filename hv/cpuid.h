/* SPDX-License-Identifier: MIT */
/*
 * The vCPU's CPUID model (cpuid.c), in the role of KVM's
 * arch/x86/kvm/cpuid.h: KVM_SET_CPUID2, KVM_GET_CPUID2,
 * KVM_GET_SUPPORTED_CPUID, and the look-ups the MMU makes in the table.
 */
#ifndef HV_CPUID_H
#define HV_CPUID_H

#include "kvm_host.h"

/* The vCPU's entry for @function/@index, or NULL (KVM's kvm_find_cpuid_entry). */
struct kvm_cpuid_entry2 *kvm_find_cpuid_entry(struct kvm_vcpu *vcpu, uint32_t function,
					      uint32_t index);
/* MAXPHYADDR from leaf 0x80000008 EAX[7:0]; 36 without the leaf (KVM's cpuid_query_maxphyaddr). */
int cpuid_query_maxphyaddr(struct kvm_vcpu *vcpu);
/* The value cached at the last KVM_SET_CPUID2 (KVM's cpuid_maxphyaddr). */
static inline int cpuid_maxphyaddr(struct kvm_vcpu *vcpu)
{
	return vcpu->maxphyaddr;
}
/* 1-GByte pages: leaf 0x80000001 EDX[26] (guest_cpuid_has(vcpu, X86_FEATURE_GBPAGES)). */
bool guest_cpuid_has_gbpages(struct kvm_vcpu *vcpu);
/* NX: leaf 0x80000001 EDX[20]. */
bool guest_cpuid_has_nx(struct kvm_vcpu *vcpu);

/* KVM_SET_CPUID2 / KVM_GET_CPUID2 on a vCPU fd, @arg the user's struct kvm_cpuid2. */
int kvm_vcpu_ioctl_set_cpuid2(struct kvm_vcpu *vcpu, unsigned long arg);
int kvm_vcpu_ioctl_get_cpuid2(struct kvm_vcpu *vcpu, unsigned long arg);
/* KVM_GET_SUPPORTED_CPUID on /dev/kvm. */
int kvm_dev_ioctl_get_supported_cpuid(unsigned long arg);
/* The vCPU's table, freed at its destruction. */
void kvm_vcpu_free_cpuid(struct kvm_vcpu *vcpu);

#endif /* HV_CPUID_H */
