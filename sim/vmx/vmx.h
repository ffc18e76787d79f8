/* SPDX-License-Identifier: MIT */
/*
 * A CPU's VMX operation: VMXON/VMXOFF, the VMCS instructions and VM entry
 * (sim/vmx/vmx.c), on top of the VMCS store and the entry checks.
 */
#ifndef HVSIM_VMX_H
#define HVSIM_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "vmcs.h"

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
	/* The guest stand-in's script: exit reasons, in turn (HLT when empty). */
	uint32_t exits[VMX_GUEST_EXITS];
	unsigned int nexits, next_exit;
};

struct machine;
void vmx_reset(struct machine *m);

#endif /* HVSIM_VMX_H */
