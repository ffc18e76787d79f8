/* SPDX-License-Identifier: MIT */
/*
 * The checks VM entry makes before it loads anything, as one table per
 * group of checks (today: the checks on VMX controls). Each row names the
 * SDM section it follows, so a failing entry can say which rule failed.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C, "Checks on
 * VMX Controls" (part of "Checks on VMX Controls and Host-State Area").
 * docs/vmx-checks.md lists the rows; a test keeps it equal to the table.
 */
#ifndef HVSIM_VMX_VMENTRY_H
#define HVSIM_VMX_VMENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cpu_model;
struct vmcs;
struct vmx_check_ctx;

/* Which part of the VM-entry checks a row belongs to. */
enum vmx_check_group {
	VMX_CHECK_CONTROLS,	/* "Checks on VMX Controls": VM-instruction error 7 */
	VMX_CHECK_HOST_STATE,	/* "Checks on the Host State Area": error 8 */
	VMX_CHECK_GUEST_STATE,	/* "Checking and Loading Guest State": exit reason 33 */
};

/*
 * Physical memory VM entry reads while checking (the VTPR byte of the
 * virtual-APIC page). @read returns false when @pa is not backed.
 */
struct vmx_phys_reader {
	bool (*read)(void *opaque, uint64_t pa, void *buf, size_t len);
	void *opaque;
};

/* One row: one rule of the SDM, one function that says whether it holds. */
struct vmx_check {
	const char *id;				/* stable name: "pin-ctls" */
	enum vmx_check_group group;
	int error;				/* VM-instruction error when it fails */
	const char *section;			/* SDM section title */
	const char *desc;			/* the rule, in one line */
	bool (*holds)(const struct vmx_check_ctx *c);
};

/* The checks on VMX controls, in the order VM entry makes them. */
extern const struct vmx_check vmx_control_checks[];
extern const unsigned int vmx_nr_control_checks;

/* "controls", "host-state", "guest-state" */
const char *vmx_check_group_name(enum vmx_check_group group);

/*
 * The Markdown table of @rows as docs/vmx-*checks.md carry it (header
 * included) into @buf; returns the length it needed (snprintf-style).
 */
size_t vmx_checks_render(const struct vmx_check *rows, unsigned int n, char *buf, size_t len);

/*
 * Run the control checks of @v as a CPU of model @m makes them at
 * VMLAUNCH/VMRESUME: 0, or the failing row's VM-instruction error
 * (VMXERR_ENTRY_INVALID_CONTROLS) with *@failed set to the first row that
 * fails (NULL on success). Memory reads see zeros when @mem is NULL.
 */
int vmx_check_controls(const struct cpu_model *m, const struct vmcs *v,
		       const struct vmx_check **failed);
int vmx_check_controls_mem(const struct cpu_model *m, const struct vmcs *v,
			   const struct vmx_phys_reader *mem,
			   const struct vmx_check **failed);

#endif /* HVSIM_VMX_VMENTRY_H */
