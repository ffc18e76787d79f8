/* SPDX-License-Identifier: MIT */
/*
 * Between the adapter's files (arch61*.c, the tree's headers): the vCPU
 * and VM as the adapter allocates them, and its VMX (arch61_vmx.c).
 */
#ifndef HVSIM_KVM_TREE_ARCH61_H
#define HVSIM_KVM_TREE_ARCH61_H

#include <linux/kvm_host.h>

/* What the boot CPU's capability MSRs let the adapter use (KVM's vmcs_config). */
struct k61_vmcs_config {
	u32 revision_id;
	u32 pin, exec, exec2, exit, entry;
	u64 cr0_fixed0, cr4_fixed0;
};

extern struct k61_vmcs_config k61_vmcs_config;

/* A vCPU: 6.1's, then the adapter's VMX state (KVM's struct vcpu_vmx). */
struct k61_vmx {
	struct kvm_vcpu vcpu;
	void *vmcs;			/* its VMCS region, a page */
	int loaded_cpu;			/* the CPU it is active on; -1 once VMCLEARed */
	bool launched;			/* VMRESUME next */
	bool fail;			/* the last VMLAUNCH/VMRESUME was a VMfail */
	u32 insn_error;			/* VM_INSTRUCTION_ERROR after a VMfail */
	u32 exit_reason;		/* of the last exit, bit 31 for a failed entry */
	unsigned long host_cr4;		/* HOST_CR4 as last written */
};

static inline struct k61_vmx *to_k61_vmx(struct kvm_vcpu *vcpu)
{
	return container_of(vcpu, struct k61_vmx, vcpu);
}

int k61_setup_vmcs_config(struct k61_vmcs_config *c);
int k61_vmx_alloc_areas(void);
void k61_vmx_free_areas(void);
int k61_vmx_hardware_enable(void);
void k61_vmx_hardware_disable(void);
int k61_vmx_vcpu_create(struct k61_vmx *vmx);
void k61_vmx_vcpu_free(struct k61_vmx *vmx);
void k61_vmx_vcpu_load(struct k61_vmx *vmx, int cpu);
void k61_vmx_vcpu_reset(struct k61_vmx *vmx);
void k61_vmx_vcpu_run(struct k61_vmx *vmx);
void k61_vmx_get_rsp_rip_rflags(struct k61_vmx *vmx, u64 *rsp, u64 *rip, u64 *rflags);
void k61_vmx_set_rsp_rip_rflags(struct k61_vmx *vmx, u64 rsp, u64 rip, u64 rflags);
void k61_vmx_skip_instruction(struct k61_vmx *vmx);

#endif /* HVSIM_KVM_TREE_ARCH61_H */
