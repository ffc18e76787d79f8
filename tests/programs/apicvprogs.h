/* SPDX-License-Identifier: MIT */
/*
 * User programs of hv/'s in-kernel APIC and APICv (tests/programs/
 * apicvprogs.c), through the KVM API: seed 004's syzkaller program with
 * its async calls as threads of the process, the same calls in order, and
 * posted interrupts sent with KVM_SIGNAL_MSI.
 */
#ifndef HVSIM_TEST_APICVPROGS_H
#define HVSIM_TEST_APICVPROGS_H

#include <stdint.h>

struct apicvp_result {
	long kvm, vm;			/* r0, r1 */
	long split;			/* KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP) */
	long r2, r3;			/* the two KVM_CREATE_VCPUs (r2 as the program had it at KVM_RUN) */
	long r2_result;			/* r2 as its call returned it */
	long dbg;			/* KVM_SET_GUEST_DEBUG */
	long run;			/* KVM_RUN on r2; 1 if it never returned */
	long clones[2];			/* the first calls' threads: tids or -errno */
	/* Posted interrupts: */
	long msi[1];			/* KVM_SIGNAL_MSI: APICs that took it */
	long runs[1];			/* KVM_RUN */
	uint32_t exits[1];		/* its exit reason */
	long set_regs;
	int vcpu_running;		/* the MSI sender's handshake */
	/* hv/'s counters after the run (what debugfs would show): */
	uint64_t apicv_update_reqs;	/* KVM_REQ_APICV_UPDATE broadcasts */
	unsigned long inhibits;		/* the last VM's inhibit bitmap as last set */
	int apicv_enabled;		/* kvm_intel.enable_apicv after module init */
	uint64_t exits_total;		/* VM exits of every vCPU */
	uint64_t halt_wakeup;		/* halted vCPUs woken */
	uint64_t pi_notifications;	/* notifications sent to a vCPU in guest mode */
	unsigned long inhibits_at_create;	/* read from "debugfs" right after KVM_CREATE_VM */
	uint64_t reqs_before_dbg, reqs_after_dbg;	/* broadcasts around KVM_SET_GUEST_DEBUG */
	long act_runs[10];		/* the activation program's KVM_RUNs */
	long act_msi[4];		/* ... and its MSIs */
	long act_dbg[2];		/* ... and its guest-debug calls */
	uint64_t act_reqs[3];		/* broadcasts: before, after BLOCKIRQ set, after it is cleared */
	long caps[16];			/* the capability program's calls, in order */
};
/* Copy the results out (a program's check(), host context). */
void apicvp_result(struct apicvp_result *r);

/*
 * Seed 004 as syz-executor runs it: every call in a thread of the process
 * started when the program reaches it, the program sleeping until a call
 * that is not async returned; the split irqchip and r2's creation async;
 * r3 = KVM_CREATE_VCPU(0x400000000000002), KVM_SET_GUEST_DEBUG(r3, control
 * 0xaa95f5c5), KVM_RUN(r2) with r2 as produced so far (-1 before), not
 * waited for.
 */
void apicvp_seed004_task(void *arg);
/* The same calls one after the other, the split irqchip first. */
void apicvp_seed004_sequential_task(void *arg);
/*
 * Posted interrupts to a vCPU with APICv: its guest runs with RFLAGS.IF
 * set; a second thread sends an MSI (vector 0x40, arg 0) once the vCPU is
 * in KVM_RUN, or (arg 1) the MSI is sent before KVM_RUN, to a vCPU in the
 * host. The guest halts; the program's end kills it out of KVM_RUN.
 */
void apicvp_posted_task(void *arg);

/*
 * APICv off and on again for two online vCPUs: MSIs to vCPU 1 while APICv
 * is active (posted), after vCPU 0's guest debug set BLOCKIRQ (injected,
 * to vCPU 1 and vCPU 0), and after it was cleared (posted again). Each
 * vCPU's guest leaves through a scripted exit (the test's), so KVM_RUN
 * returns; vectors 0x41, 0x42, 0x44, 0x43 in that order.
 */
void apicvp_activation_task(void *arg);

/* KVM_ENABLE_CAP, KVM_CREATE_IRQCHIP and KVM_CHECK_EXTENSION: KVM's answers, in order. */
void apicvp_caps_task(void *arg);

#endif /* HVSIM_TEST_APICVPROGS_H */
