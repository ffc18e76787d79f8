/* SPDX-License-Identifier: MIT */
/*
 * The checks VM entry makes, as one table (checks.def) of rows in the order
 * VMLAUNCH/VMRESUME make them: the checks on VMX controls (VM-instruction
 * error 7), on the host-state area (error 8), on the guest-state area (a VM
 * exit with basic reason 33) and the loading of MSRs (a VM exit with basic
 * reason 34). Each row names the SDM section it follows, so a failing
 * entry can say which rule failed.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C, "VM Entries".
 * docs/vmx-checks.md lists the rows; a test keeps it equal to the table.
 */
#ifndef HVSIM_VMX_VMENTRY_H
#define HVSIM_VMX_VMENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvsim/tools.h"

struct cpu_model;
struct vmcs;
struct vmx_check_ctx;

/* A row's qualification is the index (from 1) of the MSR-load entry that failed. */
#define VMX_QUAL_MSR_ENTRY			(-1)

/*
 * Physical memory VM entry reads while checking (the VTPR byte of the
 * virtual-APIC page, the MSR-load area, the start of the VMCS the link
 * pointer names). @read returns false when @pa is not backed.
 */
struct vmx_phys_reader {
	bool (*read)(void *opaque, uint64_t pa, void *buf, size_t len);
	void *opaque;
};

/* One row: one rule of the SDM, one function that says whether it holds. */
struct vmx_check {
	const char *id;				/* stable name: "pin-ctls" */
	enum vmx_check_group group;
	/* VM-instruction error (controls, host state) or basic exit reason (the others) */
	int error;
	int qual;				/* exit qualification, or VMX_QUAL_MSR_ENTRY */
	const char *section;			/* SDM section title */
	const char *desc;			/* the rule, in one line */
	bool (*holds)(const struct vmx_check_ctx *c);
};

/*
 * The table, in entry order (vmx_checks() and vmx_checks_of() of
 * hvsim/tools.h give it to tools).
 */
extern const struct vmx_check vmx_entry_checks[];
extern const unsigned int vmx_nr_entry_checks;

/* A failing row of @group ends entry in a VM exit (true) or a VMfailValid (false). */
bool vmx_check_group_exits(enum vmx_check_group group);

/*
 * What VM entry checks against besides the model and the VMCS: physical
 * memory (NULL: reads see zeros) and the CPU's MSR values by model slot
 * (NULL: the model's reset values).
 */
struct vmx_entry_env {
	const struct vmx_phys_reader *mem;
	const uint64_t *msr_val;
};

/*
 * Run the rows of @group (not VMX_CHECK_MSR_LOAD) as a CPU of model @m makes
 * them at VMLAUNCH/VMRESUME: 0, or the failing row's error (VM-instruction
 * error or basic exit reason) with *@failed set to the first row that fails
 * (NULL on success).
 */
int vmx_check_group_run(enum vmx_check_group group, const struct cpu_model *m,
			const struct vmcs *v, const struct vmx_entry_env *env,
			const struct vmx_check **failed);

/*
 * The checks of VMLAUNCH/VMRESUME before loading MSRs: the controls, host
 * state and guest state groups in order, with one context: 0, or the first
 * failing row's error with *@failed that row (its group says whether the
 * entry fails with VMfailValid or with a VM exit).
 */
int vmx_check_entry(const struct cpu_model *m, const struct vmcs *v,
		    const struct vmx_entry_env *env, const struct vmx_check **failed);

/* One group at a time, with no memory and reset MSR values. */
int vmx_check_controls(const struct cpu_model *m, const struct vmcs *v,
		       const struct vmx_check **failed);
int vmx_check_host_state(const struct cpu_model *m, const struct vmcs *v,
			 const struct vmx_check **failed);
int vmx_check_guest_state(const struct cpu_model *m, const struct vmcs *v,
			  const struct vmx_check **failed);

/* The exit qualification VM entry reports when guest-state row @r fails. */
uint64_t vmx_guest_check_qualification(const struct vmx_check *r);

/*
 * Load the VM-entry MSR-load area of @v ("Loading MSRs"): each entry, in
 * order, passes the MSR_LOAD rows, then its value goes into @msr_val (the
 * CPU's MSRs by model slot; NULL: checks only), as WRMSR would write it
 * with the guest's CR0, which VM entry has loaded by then. Returns 0, or
 * EXIT_REASON_MSR_LOAD_FAIL with *@failed the failing row and *@qual the
 * failing entry's index (from 1); entries before it stay loaded, as on
 * hardware.
 */
int vmx_load_msrs(const struct cpu_model *m, const struct vmcs *v,
		  const struct vmx_phys_reader *mem, uint64_t *msr_val,
		  const struct vmx_check **failed, uint64_t *qual);

/*
 * Whether @eptp passes the VM-entry checks on the EPTP for a CPU of model
 * @m (memory type, page-walk length, accessed/dirty, reserved bits, width):
 * what INVEPT's single-context type requires of its operand.
 */
bool vmx_eptp_valid(const struct cpu_model *m, uint64_t eptp);

/*
 * The same for any MSR-load area: @count entries at @addr, loaded as WRMSR
 * would with CR0 @cr0 (a VM exit's VM-exit MSR-load area, after the host's
 * CR0 is loaded: its failure is a VMX abort, not an exit).
 */
int vmx_load_msr_area(const struct cpu_model *m, const struct vmcs *v,
		      const struct vmx_phys_reader *mem, uint64_t *msr_val, uint64_t cr0,
		      uint64_t count, uint64_t addr, const struct vmx_check **failed,
		      uint64_t *qual);

#endif /* HVSIM_VMX_VMENTRY_H */
