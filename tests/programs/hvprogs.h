/* SPDX-License-Identifier: MIT */
/*
 * Instrumented programs that drive the hypervisor core's VMX module
 * (hv/vmx.c) through struct kvm_x86_ops as kvm_main.c and x86.c will:
 * module init (hardware_setup, the compatibility check on every CPU),
 * VMX on every CPU, a vCPU created, loaded, run and its exits handled,
 * VMX off. Tests read what each step returned.
 */
#ifndef HVSIM_TEST_HVPROGS_H
#define HVSIM_TEST_HVPROGS_H

#include <stdbool.h>
#include <stdint.h>

struct kvm_vcpu;

#define HVP_MAX_CPUS	4
#define HVP_MAX_EXITS	8

/* One vcpu_run and what handle_exit made of it. */
struct hvp_exit {
	bool launched_before;		/* loaded_vmcs->launched before the entry: VMRESUME */
	uint32_t vmx_exit_reason;	/* the module's exit_reason after the entry */
	int handled;			/* handle_exit's return */
	uint32_t kvm_exit_reason;	/* vcpu->run->exit_reason when handled is 0 */
	uint64_t hw_reason;		/* run->hw or run->fail_entry reason */
	uint32_t fail_cpu;		/* run->fail_entry.cpu */
	uint64_t rip_before, rip_after;	/* GUEST_RIP before the entry and after handle_exit */
};

/* A run of the vCPU on one CPU: entries until handle_exit returns <= 0. */
struct hvp_vcpu_run {
	int cpu;			/* where it ran */
	uint64_t vmptrst_after_load;	/* the current VMCS after vcpu_load */
	uint64_t vmcs_pa;		/* the vCPU's VMCS */
	uint64_t host_tr_base, host_gdtr_base;	/* after vcpu_load */
	struct hvp_exit exit[HVP_MAX_EXITS];
	unsigned int nexits;
};

/* Ways a test breaks the VMCS after the load, before the entry. */
enum hvp_corrupt {
	HVP_CORRUPT_NONE,
	HVP_CORRUPT_HOST_CR0,		/* HOST_CR0 = 0: a host-state check, VMfailValid(8) */
	HVP_CORRUPT_GUEST_RFLAGS,	/* GUEST_RFLAGS bit 1 clear: exit 33 | bit 31 */
};

struct hvp_run {
	/* In. */
	unsigned int ncpus;		/* CPUs to check, enable and disable (all online) */
	bool migrate;			/* after CPU 0's run, load and run on CPU 1 */
	bool reenable;			/* VMX off everywhere, on again, and run once more on 0 */
	bool enable_twice;		/* a second hardware_enable on CPU 0 (-EBUSY) */
	unsigned int self_ipi;		/* a vector sent to CPU 0 itself before its first entry */
	enum hvp_corrupt corrupt;
	/* Out. */
	int setup;			/* hardware_setup() */
	uint32_t config[9];		/* vmcs_config: size, order, basic_cap, revision, pin, exec, exec2, exit, entry */
	int compat[HVP_MAX_CPUS];	/* check_processor_compatibility() on each CPU */
	int enable[HVP_MAX_CPUS];	/* hardware_enable() on each CPU */
	int enable_again;		/* the second hardware_enable on CPU 0 */
	int create;			/* vcpu_create() */
	struct hvp_vcpu_run run0;	/* on CPU 0 */
	struct hvp_vcpu_run run1;	/* on CPU 1 (migrate) */
	uint64_t vmptrst_cpu0_after_move;	/* CPU 0's current VMCS once the vCPU ran on 1 */
	int loaded_cpu_after_disable;	/* loaded_vmcs->cpu after hardware_disable everywhere */
	unsigned long cr4_vmxe_after_disable[HVP_MAX_CPUS];	/* CR4.VMXE after hardware_disable */
	int enable_after[HVP_MAX_CPUS];	/* hardware_enable() again (reenable) */
	struct hvp_vcpu_run run_again;	/* on CPU 0 after the re-enable */
	unsigned int irq_handled;	/* the self-IPI's handler ran */
	struct kvm_vcpu *vcpu;		/* shared with CPU 1's task */
	volatile int moved;		/* CPU 0 is done: CPU 1 may load the vCPU */
	volatile int done1;		/* CPU 1 is done */
};

/* Module init, VMX on, a vCPU on CPU 0 (@arg is a struct hvp_run). */
void hvp_kvm_task(void *arg);
/* With migrate: the vCPU thread's part on CPU 1. */
void hvp_cpu1_task(void *arg);

#endif /* HVSIM_TEST_HVPROGS_H */
