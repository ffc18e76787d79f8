/* SPDX-License-Identifier: MIT */
/*
 * A CPU's VMX operation: VMXON/VMXOFF, the VMCS instructions and VM entry
 * (sim/vmx/vmx.c), on top of the VMCS store and the entry checks.
 */
#ifndef HVSIM_VMX_H
#define HVSIM_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "hvsim/sim.h"
#include "vmx/vmcs.h"

#define VMX_MAX_VMCS	64
#define VMX_GUEST_EXITS	16

/* The machine's VMCS regions, by physical address: their contents live here. */
struct vmx_store {
	struct {
		uint64_t pa;		/* region's physical address */
		bool used;
		struct vmcs vmcs;
	} slot[VMX_MAX_VMCS];
};

/* A CPU's VMX state. */
struct cpu_vmx {
	bool root;			/* in VMX root operation */
	uint64_t vmxon_pa;		/* the VMXON region */
	int cur_vmcs;			/* current VMCS: store slot, or -1 */
	bool in_guest;			/* between VM entry and VM exit (the guest runs) */
	/*
	 * The guest waits, inactive (HLT, shutdown, wait-for-SIPI), and its
	 * task with it: what lands at the CPU wakes it (sim/cpu/intr.c), and
	 * these say which pending events it would act on.
	 */
	bool halt_wait;
	bool wake_intr, wake_nmi, wake_init;
	/* The guest stand-in's script: its exits, in turn (HLT when it runs out). */
	struct sim_guest_exit exits[VMX_GUEST_EXITS];
	unsigned int nexits, next_exit;
	/* The events its guest took this run (sim_guest_events()): the latest ones. */
	struct sim_guest_event events[SIM_GUEST_EVENTS];
	unsigned int nevents;		/* taken this run; the next goes to [nevents % SIM_GUEST_EVENTS] */
};

struct machine;
struct hw_cpu;

/*
 * The guest between VM entry and VM exit (guest.c): it runs, then writes
 * the exit-information fields of @v for the exit that ended it. The exit
 * itself (cost, trace, host state) is the caller's.
 */
void vmx_guest_run(struct machine *m, struct hw_cpu *c, struct vmcs *v, uintptr_t pc);
/* Write the exit-information fields for an exit of @reason ("VM-Exit Information Fields"). */
void vmx_exit_info(struct vmcs *v, uint32_t reason, uint64_t qual, uint32_t len,
		   uint32_t intr_info, uint64_t gpa, uint64_t gla);

/* Whether a script may name basic exit reason @reason (sim_set_guest_script). */
bool vmx_scriptable_exit(uint32_t reason);
/* @reason's exit with the default information for it (sim_set_guest_exits). */
struct sim_guest_exit vmx_default_exit(uint32_t reason);

#endif /* HVSIM_VMX_H */
