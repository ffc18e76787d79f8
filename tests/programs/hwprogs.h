/* SPDX-License-Identifier: MIT */
/* Instrumented programs for the hardware tests (tests/programs/hwprogs.c). */
#ifndef HVSIM_TEST_HWPROGS_H
#define HVSIM_TEST_HWPROGS_H

#include <stdint.h>

struct hw_result {
	uint32_t signature[4];	/* CPUID.1:EAX seen on each CPU */
	uint32_t apic_id[4];	/* CPUID.1:EBX[31:24] seen on each CPU */
	uint32_t online_sig;	/* CPUID.1:EAX seen by the ONLINE callback of a hot-added CPU */
	int add_ret;
	int safe_ret;		/* write_cr4_safe / wrmsrl_safe result */
	uint64_t msr;		/* an MSR read */
	int after_fault;	/* reached the code after a faulting plain instruction */
	long vmx[16];		/* VMX instruction outcomes, in program order */
	int efer_ret[3];	/* wrmsrl_safe(IA32_EFER): LME cleared, LMA cleared, NXE cleared */
};
void hw_result(struct hw_result *r);

void hw_cpuid_all_task(void *arg);	/* CPUID on every online CPU by IPI */
void hw_hotadd_task(void *arg);		/* add_cpu(2) with a CPUID-reading ONLINE callback */
void hw_vmxe_safe_task(void *arg);	/* write_cr4_safe(cr4 | VMXE) */
void hw_vmxe_task(void *arg);		/* cr4_set_bits(VMXE): #GP on a CPU without VMX */
void hw_feature_control_task(void *arg); /* a locked FEATURE_CONTROL refuses writes */
void hw_efer_task(void *arg);		/* WRMSR to IA32_EFER with paging on */
void hw_vmx_task(void *arg);		/* VMXON and the VMCS instructions' outcomes */
void hw_vmxon_novmx_task(void *arg);	/* VMXON with CR4.VMXE clear: #UD */
void hw_vmxon_novmx_safe_task(void *arg); /* the same through vmxon_safe(): -EFAULT */
void hw_x2apic_task(void *arg);
void hw_apic_timer_task(void *arg);
void hw_broadcast_task(void *arg);
void hw_storm_target_task(void *arg);	/* CPU 1: IF=0 while 40 vectors are sent to it */
void hw_storm_sender_task(void *arg);	/* an all-but-self IPI, then a self IPI */	/* a one-shot APIC timer fires once */
void hw_nmi_target_task(void *arg);	/* CPU 1: IF=0 until an NMI arrives */
void hw_nmi_sender_task(void *arg);	/* CPU 0: an NMI to CPU 1 through the ICR */
void hw_offline_in_vmx_task(void *arg);	/* CPU 1 offline in VMX root, then add_cpu(1) */
void hw_offline_after_vmxoff_task(void *arg); /* the same after VMXOFF on CPU 1 */		/* the local APIC's MSRs, xAPIC then x2APIC */

#endif /* HVSIM_TEST_HWPROGS_H */
