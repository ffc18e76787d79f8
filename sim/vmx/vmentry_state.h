/* SPDX-License-Identifier: MIT */
/*
 * The VM-entry checks on the host-state area and on the guest-state area,
 * as two more tables of struct vmx_check rows (see vmentry.h).
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C, "Checks on
 * Host Control Registers, MSRs, and SSP", "Checks on Host Segment and
 * Descriptor-Table Registers", "Checks Related to Address-Space Size"
 * (VM-instruction error 8) and "Checks on the Guest State Area" (a VM exit
 * with basic reason 33 and bit 31 of the exit reason set).
 * docs/vmx-state-checks.md lists the rows; a test keeps it equal to them.
 *
 * The simulated host always runs VMLAUNCH/VMRESUME in IA-32e mode (a
 * 64-bit hypervisor), outside SMM and outside SGX enclaves.
 */
#ifndef HVSIM_VMX_VMENTRY_STATE_H
#define HVSIM_VMX_VMENTRY_STATE_H

#include <stdint.h>

#include "vmentry.h"

struct cpu_model;
struct vmcs;

/*
 * The groups of these rows. enum vmx_check_group in vmentry.h names only
 * the control checks today; these two values are the ones it is meant to
 * grow (VMX_CHECK_HOST_STATE = 1, VMX_CHECK_GUEST_STATE = 2).
 */
#define VMX_CHECK_GROUP_HOST	VMX_CHECK_HOST_STATE
#define VMX_CHECK_GROUP_GUEST	VMX_CHECK_GUEST_STATE

/* Basic exit reason of a failed guest-state check ("Basic Exit Reasons"). */
#define VMX_EXIT_REASON_INVALID_GUEST_STATE	33
/* Exit reason bit 31: "VM-entry failure" ("Exit Reason"). */
#define VMX_EXIT_REASON_ENTRY_FAILURE		(1U << 31)
/*
 * Exit qualifications of a failed guest-state check ("VM-Entry Failures
 * During or After Loading Guest State").
 */
#define VMX_ENTRY_FAIL_QUAL_DEFAULT		0
#define VMX_ENTRY_FAIL_QUAL_VMCS_LINK		4

extern const struct vmx_check vmx_host_state_checks[];
extern const unsigned int vmx_nr_host_state_checks;
extern const struct vmx_check vmx_guest_state_checks[];
extern const unsigned int vmx_nr_guest_state_checks;

/*
 * Run the host-state rows in SDM order: 0, or VMXERR_ENTRY_INVALID_HOST_STATE
 * with *@failed the first failing row (NULL on success).
 */
int vmx_check_host_state(const struct cpu_model *m, const struct vmcs *v,
			 const struct vmx_check **failed);

/*
 * Run the guest-state rows in SDM order: 0, or
 * VMX_EXIT_REASON_INVALID_GUEST_STATE (the basic exit reason; the exit
 * reason field gets VMX_EXIT_REASON_ENTRY_FAILURE ORed in) with *@failed
 * the first failing row (NULL on success).
 */
int vmx_check_guest_state(const struct cpu_model *m, const struct vmcs *v,
			  const struct vmx_check **failed);

/* The exit qualification VM entry reports when guest-state row @r fails. */
uint64_t vmx_guest_check_qualification(const struct vmx_check *r);

#endif /* HVSIM_VMX_VMENTRY_STATE_H */
