/* SPDX-License-Identifier: MIT */
/*
 * The VMX vendor module's own structures, in the roles of KVM's
 * arch/x86/kvm/vmx/vmx.h, vmcs.h and capabilities.h: the VMCS
 * configuration taken from the capability MSRs, a VMCS and where it is
 * loaded, and the vCPU's VMX state. Only vmx.c and the tests' programs
 * include it; the generic code sees struct kvm_x86_ops (kvm_host.h).
 */
#ifndef HV_VMX_H
#define HV_VMX_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_vcpu;
struct pi_desc;

/* Linux's list_head, until kernel.h has one: a VMCS in its CPU's list. */
struct vmx_list {
	struct vmx_list *next, *prev;
};

/* The head of a VMCS region (SDM Vol. 3C, "Format of the VMCS Region"). */
struct vmcs_hdr {
	uint32_t revision_id : 31;	/* IA32_VMX_BASIC[30:0] */
	uint32_t shadow_vmcs : 1;	/* the shadow-VMCS indicator */
};

struct vmcs {
	struct vmcs_hdr hdr;
	uint32_t abort;			/* the VMX-abort indicator */
	char data[];			/* the processor's, in its own format */
};

/*
 * What the boot CPU's capability MSRs let KVM use (KVM's struct
 * vmcs_config): every vCPU's controls derive from it, and every other
 * CPU must arrive at the same one (vmx_check_processor_compat).
 */
struct vmcs_config {
	int size;			/* bytes of a VMCS region (IA32_VMX_BASIC[44:32]) */
	int order;			/* pages of a region, as a page order */
	uint32_t basic_cap;		/* IA32_VMX_BASIC[63:32] without the size */
	uint32_t revision_id;		/* IA32_VMX_BASIC[30:0] */
	uint32_t pin_based_exec_ctrl;
	uint32_t cpu_based_exec_ctrl;
	uint32_t cpu_based_2nd_exec_ctrl;
	uint32_t vmexit_ctrl;
	uint32_t vmentry_ctrl;
};

/* Host state the entry path keeps current in the VMCS (KVM's vmcs_host_state). */
struct vmcs_host_state {
	unsigned long cr3;		/* HOST_CR3 as last written */
	unsigned long cr4;		/* HOST_CR4 as last written */
};

/* A VMCS and its life on one CPU at a time (KVM's struct loaded_vmcs). */
struct loaded_vmcs {
	struct vmcs *vmcs;
	int cpu;			/* the CPU it is active on; -1 once VMCLEARed */
	bool launched;			/* VMLAUNCHed since the last VMCLEAR: VMRESUME next */
	struct vmx_list loaded_vmcss_on_cpu_link;	/* in its CPU's loaded_vmcss_on_cpu */
	struct vmcs_host_state host_state;
};

/* The vCPU's VMX state, in vcpu->arch (KVM embeds struct kvm_vcpu in it instead). */
struct vcpu_vmx {
	struct kvm_vcpu *vcpu;
	struct loaded_vmcs vmcs01;	/* the vCPU's own VMCS (no nested VMCSs yet) */
	struct loaded_vmcs *loaded_vmcs;	/* the one in use: &vmcs01 */
	bool vmcs_initialized;		/* init_vmcs() has programmed it */
	uint32_t exit_reason;		/* of the last VM exit, bit 31 for a failed entry */
	bool fail;			/* the last VMLAUNCH/VMRESUME was a VMfail */
	uint32_t exit_intr_info;	/* VM_EXIT_INTR_INFO of the last exit */
	uint32_t idt_vectoring_info;	/* IDT_VECTORING_INFO_FIELD of the last exit */
	uint32_t exec_control;		/* the primary controls as last written (IRQ window) */
	struct pi_desc *pi_desc;	/* the posted-interrupt descriptor (a page of its own) */
	bool apicv_fields_written;	/* EOI-exit bitmap, RVI/SVI, PI vector and address written */
};

extern struct vmcs_config vmcs_config;

/* The configuration the calling CPU's capability MSRs give: 0, or -EIO. */
int setup_vmcs_config(struct vmcs_config *vmcs_conf);
/*
 * Module exit (KVM's hardware_unsetup): the VMXON regions and the host
 * page table page go. Not in struct kvm_x86_ops yet; every CPU must have
 * left VMX operation.
 */
void vmx_hardware_unsetup(void);

#endif /* HV_VMX_H */
