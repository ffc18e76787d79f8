/* SPDX-License-Identifier: MIT */
/*
 * User programs of the hypervisor core (tests/programs/kvmprogs.c): user
 * tasks reaching hv/ through /dev/kvm and the KVM API, as a VMM does.
 */
#ifndef HVSIM_TEST_KVMPROGS_H
#define HVSIM_TEST_KVMPROGS_H

#include <stdint.h>

struct kvmp_result {
	long api;			/* KVM_GET_API_VERSION */
	long vm, vcpu;			/* the fds (or -errno) */
	long mmap_size;
	int mapped;			/* the kvm_run page was mapped */
	long run;			/* KVM_RUN's return */
	uint32_t exit_reason;		/* kvm_run after it */
	uint64_t fail_reason;		/* fail_entry.hardware_entry_failure_reason */
	long errs[8];			/* the bad-argument calls, in program order */
	long more_errs[16];		/* ... memory slots, dirty log, capabilities, fd kinds */
	long closes[3];
	/* Hotplug (seed 000): */
	int add_ret;			/* add_cpu(2) */
	int online;			/* cpu_online(2) after it */
	int readd_ret;			/* a second add_cpu(2) after a refusal */
	long affinity;			/* sched_setaffinity() onto CPU 2 */
	int vm_ready, added;		/* handshakes */
	/* Kick vs migration (seed 003): */
	int vm_fd;			/* the VM, for the process's other task */
	long slot_ret;			/* KVM_SET_USER_MEMORY_REGION */
	long log_ret[4];		/* KVM_GET_DIRTY_LOG, in turn */
	long runs[4];			/* KVM_RUN, in turn */
	int vcpu_done;
	long fail_vm;			/* KVM_CREATE_VM with its add hook failing (seed 001) */
	/* Registers: */
	uint64_t rip0, rip_after, rsp_after;
	long get_ret, set_ret, bad_get, bad_set, bad_vcpu_ioctl;
	/* Special registers: */
	long sget_ret, sset_same, sset_bad, sset_ds, srun;
	uint8_t cs_l, ds_present;
	uint16_t ds_sel_after;
	uint64_t efer, apic_base;
	uint32_t sexit;
};
void kvmp_result(struct kvmp_result *r);

/* Open /dev/kvm, a VM, a vCPU, map its kvm_run, KVM_RUN once, close all. */
void kvmp_lifecycle_task(void *arg);
/* The calls KVM refuses, each with its error code. */
void kvmp_bad_args_task(void *arg);
/*
 * Seed 000. A VMM creates a VM while a kernel task hot-adds CPU 2.
 * kvmp_vmm_task(arg): with arg 1 it creates the VM first, waits for the
 * hot-add, then moves onto CPU 2 (sched_setaffinity) and runs its vCPU
 * there; with arg 0 it creates the VM whenever it gets there, and closes.
 * kvmp_hotadd_task(arg): add_cpu(2); with arg 1 after the VM exists; with
 * arg 2 it tries add_cpu(2) again when the first was refused.
 */
void kvmp_vmm_task(void *arg);
/*
 * Seed 003, one process of two tasks. kvmp_migrating_vcpu_task runs its
 * vCPU on CPU 0, then CPU 1, then CPU 0 (sched_setaffinity between runs;
 * arg: how many runs, at most 4, 0 for 3); kvmp_dirty_log_task adds a
 * dirty-logged memory slot and reads the log, whose PML sync kicks every
 * vCPU (arg: at most how many reads, 0 for 6).
 */
void kvmp_migrating_vcpu_task(void *arg);
/* Seed 001: KVM_CREATE_VM with fail_nth on the VM-add hook's allocation. */
void kvmp_failing_vm_task(void *arg);
/* KVM_GET_REGS/KVM_SET_REGS around a KVM_RUN, and their -EFAULT and -EINVAL cases. */
void kvmp_regs_task(void *arg);
/* KVM_GET_SREGS/KVM_SET_SREGS: read, written back, refused when inconsistent. */
void kvmp_sregs_task(void *arg);
void kvmp_dirty_log_task(void *arg);
/*
 * The same process's other task adding and deleting a memory slot: a
 * TLB-flush request to all (arg: at most how many rounds, 0 for 3).
 */
void kvmp_slot_churn_task(void *arg);
void kvmp_hotadd_task(void *arg);

#endif /* HVSIM_TEST_KVMPROGS_H */
