/* SPDX-License-Identifier: MIT */
/*
 * User programs of hv/'s CPUID and MMU (tests/programs/cpuidprogs.c):
 * user tasks issuing KVM_GET_SUPPORTED_CPUID, KVM_SET_CPUID2,
 * KVM_GET_CPUID2 and KVM_RUN, and reading the vCPU's MMU root through
 * hvsim's read-only KVM_HVSIM_GET_MMU_ROOT (seed 002).
 */
#ifndef HVSIM_TEST_CPUIDPROGS_H
#define HVSIM_TEST_CPUIDPROGS_H

#include <stdint.h>

#include "hvsim/kvm.h"

#define CPUIDP_MAX_SETS		16

struct cpuidp_result {
	long supported;			/* KVM_GET_SUPPORTED_CPUID */
	uint32_t supported_nent;
	uint32_t host_maxphyaddr;	/* the supported table's 0x80000008 EAX[7:0] */
	uint32_t host_gbpages;		/* its 0x80000001 EDX[26] */
	long set_before[2];		/* KVM_SET_CPUID2 before any KVM_RUN */
	long runs[3];			/* KVM_RUN, in turn */
	long set_changed;		/* KVM_SET_CPUID2 with MAXPHYADDR lowered, after a run */
	long set_same;			/* KVM_SET_CPUID2 of the vCPU's own table, after a run */
	long sets[CPUIDP_MAX_SETS];	/* repeated KVM_SET_CPUID2s after a run */
	long get;			/* KVM_GET_CPUID2 after the change */
	uint32_t get_nent;
	uint32_t get_maxphyaddr;	/* 0x80000008 EAX[7:0] in what KVM_GET_CPUID2 gave */
	/* The vCPU's root before any run, after the first run, after the change and a run. */
	long root_ret[3];
	struct kvm_hvsim_mmu_root root[3];
	/* Two vCPUs (cpuidp_two_vcpus_task): each one's root after both ran. */
	struct kvm_hvsim_mmu_root vcpu_root[2];
	long errs[12];			/* the refused calls, in program order */
};
void cpuidp_result(struct cpuidp_result *r);

/* A VM and a vCPU with the supported CPUID, run; MAXPHYADDR lowered to 36; run again. */
void cpuidp_change_after_run_task(void *arg);
/*
 * A VM and a vCPU with the supported CPUID set twice before any run, run
 * once, then the same table set (uintptr_t)@arg times more (at most
 * CPUIDP_MAX_SETS): the warning's count.
 */
void cpuidp_set_again_task(void *arg);
/* One VM, two vCPUs with MAXPHYADDR 46 and 39 (and GBPAGES on and off), each run once. */
void cpuidp_two_vcpus_task(void *arg);
/* The calls KVM refuses, each with its error code (struct cpuidp_result.errs). */
void cpuidp_errors_task(void *arg);

#endif /* HVSIM_TEST_CPUIDPROGS_H */
