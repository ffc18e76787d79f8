/* SPDX-License-Identifier: MIT */
/*
 * Instrumented programs for the VMX machine tests (tests/programs/vmxprogs.c):
 * a hypervisor-shaped task that enters a guest the way KVM does (VMXON,
 * VMCLEAR, VMPTRLD, VMWRITEs, VMLAUNCH then VMRESUME with interrupts off,
 * reading the exit-information fields after each exit), and its helpers.
 */
#ifndef HVSIM_TEST_VMXPROGS_H
#define HVSIM_TEST_VMXPROGS_H

#include <stdbool.h>
#include <stdint.h>

#define VMXP_MAX_FIELDS	256
#define VMXP_MAX_EXITS	64
#define VMXP_MAX_MSRS	8

/* A VMWRITE the task makes after VMPTRLD. */
struct vmxp_field {
	uint32_t encoding;
	uint64_t value;
};

/* One exit as the task read it (VMREADs after VMLAUNCH/VMRESUME). */
struct vmxp_exit {
	int ret;			/* VMX_SUCCEED, VMX_FAIL_VALID, VMX_FAIL_INVALID */
	uint32_t error;			/* VM-instruction error after VMfailValid */
	uint32_t reason, len, intr_info;
	uint64_t qual, gpa, gla, timer;
	uint32_t entry_intr_info;	/* the VM-entry interruption information after the exit */
	uint32_t idt_info, idt_error;	/* IDT-vectoring information and error code */
	uint32_t intr_state;		/* the guest's interruptibility state, as the exit saved it */
	uint32_t activity;		/* ... its activity state */
	uint64_t rflags;		/* ... its RFLAGS */
};

/* A run's stop_on bit for basic exit reason @reason (below 64). */
#define VMXP_STOP(reason)	(1ULL << (reason))

struct vmxp_run {
	/* In: the VMCS contents, the MSR-load area, how many entries. */
	struct vmxp_field fields[VMXP_MAX_FIELDS];
	unsigned int nfields;
	uint64_t msr_area[VMXP_MAX_MSRS][2];	/* bits 63:0 (index, reserved), 127:64 */
	unsigned int nmsrs;
	uint64_t exit_load[VMXP_MAX_MSRS][2];	/* the VM-exit MSR-load area */
	unsigned int nexit_load;
	uint32_t exit_store[VMXP_MAX_MSRS];	/* the VM-exit MSR-store area's MSRs */
	unsigned int nexit_store;
	bool pae_cr3;			/* guest CR3: a page holding pdpt[] */
	uint64_t pdpt[4];		/* a PAE guest's page-directory-pointer table */
	unsigned int entries;		/* VM entries at most */
	uint64_t stop_on;		/* stop after an exit whose reason's VMXP_STOP() bit is set */
	bool wait_sipi_after_init;	/* after an INIT-signal exit, enter in wait-for-SIPI */
	uint32_t self_icr[2];		/* ICR writes to the CPU's own APIC before the first entry */
	unsigned int nself_icr;
	bool relaunch;			/* one more VMLAUNCH at the end (error 4) */
	bool shadow_vmcs;		/* the VMCS region's shadow-VMCS indicator set */
	bool link;			/* the VMCS link pointer names a region of the task's */
	bool link_shadow;		/* ... whose shadow-VMCS indicator is set */
	uint32_t read_msr;		/* an MSR to read after the entries (0: none) */
	/* APICv: the task allocates the virtual-APIC page (and the APIC-access page). */
	bool vapic_page;
	bool apic_access_page;
	uint32_t vtpr_init;		/* VTPR before the first entry */
	void *access_page;
	/* Posted interrupts: the virtual-APIC page and the descriptor. */
	bool posted;
	uint8_t pi_nv;			/* the notification vector */
	bool pi_host_first;		/* wait for the host to take a notification before entry */
	uint64_t *pi_desc;		/* the descriptor (64 bytes), for the sender */
	volatile int pi_ready;		/* the descriptor is set up */
	/* Out. */
	int vmxon;
	int vmptrld;			/* VMPTRLD of the VMCS region */
	unsigned int vmwrite_failed;	/* VMWRITEs of fields[] that did not succeed */
	struct vmxp_exit exit[VMXP_MAX_EXITS];
	unsigned int nexits;
	struct vmxp_exit relaunched;
	uint64_t msr_after;
	uint64_t stored[VMXP_MAX_MSRS];	/* the MSR-store area after the last exit */
	uint64_t guest_pat;		/* GUEST_IA32_PAT after the last exit */
	unsigned long cr4_after;	/* CR4 after the last exit */
	volatile int in_guest_soon;	/* the entry (from 1) about to be made, with interrupts off */
	int ipi_ran_on;			/* the IPI handler's CPU, -1 before it ran */
	int pi_host_notified;		/* the host's notification-vector handler ran */
	uint64_t pir_at_host[4];	/* PIR when the host handler ran */
	int on_at_host;			/* ... and ON */
	uint64_t pir_after[4];		/* PIR after the last exit */
	int on_after;
	uint32_t virr_after[8], visr_after[8];	/* the virtual-APIC page after the last exit */
	uint64_t intr_status_after;	/* GUEST_INTR_STATUS after the last exit */
	uint32_t vtpr_after, vicr_after;	/* VTPR and VICR_LO after the last exit */
};

/* The hypervisor task: @arg is a struct vmxp_run. */
void vmxp_guest_task(void *arg);
/* Waits for the run's in_guest_soon, then IPIs CPU 1 and waits for the handler. */
void vmxp_ipi_task(void *arg);
/*
 * Posts vector 0x50 to the run's descriptor as a device or KVM does (PIR
 * bit, then ON; the notification IPI to CPU 1 when ON was clear): once the
 * guest is about to run, or at once when pi_host_first.
 */
#define VMXP_PI_VECTOR	0x50
void vmxp_pi_sender_task(void *arg);

/*
 * ICR writes to another CPU's APIC (apic_icr_write()), each once the run's
 * VM entry @entry is under way and a delay has passed, sent @repeat times
 * with the delay in between (a SIPI only counts while its target waits
 * for one): @arg is a struct vmxp_signal.
 */
#define VMXP_MAX_SIGNALS	4
struct vmxp_signal_op {
	unsigned int entry;		/* wait until this entry (from 1) is under way */
	unsigned int delay;		/* PAUSEs before each send */
	unsigned int repeat;		/* sends (0 counts as 1) */
	uint32_t icr;			/* ICR bits 31:0 */
};
struct vmxp_signal {
	struct vmxp_run *run;		/* whose entries it waits for */
	uint32_t dest;			/* the target's APIC ID */
	struct vmxp_signal_op op[VMXP_MAX_SIGNALS];
	unsigned int n;
	unsigned int paused;		/* out: PAUSEs so far (a loop that writes does not park) */
};
void vmxp_signal_task(void *arg);

/* VMXON as the CPU's FEATURE_CONTROL and CR0 allow: @arg is a struct vmxp_vmxon. */
struct vmxp_vmxon {
	bool clear_cr0_ne;		/* CR0.NE = 0 first: outside CR0_FIXED0 */
	bool plain;			/* vmxon() (an oops on #GP) rather than vmxon_safe() */
	int ret;			/* vmxon_safe(): 0 (VMsucceed), -EFAULT (#GP/#UD) */
	int after_fault;		/* reached the code after a plain vmxon() */
};
void vmxp_vmxon_task(void *arg);

/* INVEPT/INVVPID in turn; op 0 runs before VMPTRLD (no current VMCS). */
struct vmxp_inv_op {
	bool vpid;			/* INVVPID, else INVEPT */
	unsigned long type;
	uint64_t operand;		/* the EPTP, or the linear address */
	uint16_t id;			/* the VPID */
	int ret;			/* out */
	long error;			/* out: after VMfailValid */
};
struct vmxp_inv {
	struct vmxp_inv_op op[16];
	unsigned int n;
	bool outside_vmx;		/* op 0 before VMXON: #UD */
};
void vmxp_inv_task(void *arg);

/*
 * VMWRITE then VMREAD of each field in turn, with a current VMCS: @arg is
 * a struct vmxp_fields. After a VMfailValid, the VM-instruction error.
 */
#define VMXP_MAX_PROBES	16
struct vmxp_fields {
	uint32_t field[VMXP_MAX_PROBES];
	unsigned int n;
	int write_ret[VMXP_MAX_PROBES], read_ret[VMXP_MAX_PROBES];	/* out */
	long write_error[VMXP_MAX_PROBES], read_error[VMXP_MAX_PROBES];	/* out */
};
void vmxp_fields_task(void *arg);

/* MOV to CR4 in and after VMX operation: @arg is a struct vmxp_crs. */
struct vmxp_crs {
	bool plain;			/* cr4_clear_bits(VMXE) in VMX root: an oops */
	int clear_in_root;		/* write_cr4_safe(cr4 & ~VMXE) in VMX root: -EIO */
	int clear_after;		/* the same after VMXOFF: 0 */
	int after_fault;
};
void vmxp_crs_task(void *arg);

/*
 * The VMX instructions' failures in turn (see vmxp_errors_task for the
 * order): each outcome, and after a VMfailValid the VM-instruction error.
 */
struct vmxp_errors {
	long ret[16];
	long error[16];
	unsigned int n;
};
void vmxp_errors_task(void *arg);

#endif /* HVSIM_TEST_VMXPROGS_H */
