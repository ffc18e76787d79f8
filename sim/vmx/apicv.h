/* SPDX-License-Identifier: MIT */
/*
 * APIC virtualization and posted interrupts: what a processor in VMX
 * non-root operation does with the virtual-APIC page, the guest interrupt
 * status and the posted-interrupt descriptor of one VMCS, and the VM exits
 * it makes instead.
 *
 * This is hardware logic without a machine. The caller (the guest
 * stand-in, later a guest interpreter) knows what the guest did: that an
 * access reached the APIC-access page (apicv_apic_access_page()), that an
 * RDMSR/WRMSR of an x2APIC MSR got past the MSR bitmaps, that the guest
 * can take an interrupt now (RFLAGS.IF, STI and MOV-SS blocking, the
 * activity state), that the notification vector arrived. These functions
 * say whether the processor virtualizes it, do what the processor does to
 * the virtual-APIC page and GUEST_INTR_STATUS, and describe the VM exit
 * that results, if any; writing the exit-information fields and leaving
 * the guest stay with the caller.
 *
 * Controls count as the processor sees them: the secondary controls are 0
 * unless "activate secondary controls" is 1, and a control VM entry
 * refuses without another ("virtual-interrupt delivery" without "use TPR
 * shadow", "process posted interrupts" without virtual-interrupt delivery)
 * counts as 0 (Vol. 3C "Checks on VMX Controls"). Memory the VMCS names
 * but the arena lacks reads as zeros and drops writes, as VM entry's own
 * read of VTPR does.
 *
 * Citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C,
 * chapter "APIC Virtualization and Virtual Interrupts", sections by title.
 */
#ifndef HVSIM_VMX_APICV_H
#define HVSIM_VMX_APICV_H

#include <stdbool.h>
#include <stdint.h>

struct phys_mem;
struct vmcs;

/* What the processor did with an access or an event. */
enum apicv_result {
	APICV_DONE,		/* virtualized: done, no VM exit */
	APICV_EXIT,		/* a VM exit: *exit says which */
	APICV_GP,		/* #GP(0) to the guest (reserved bits of WRMSR, MOV to CR8) */
	APICV_NOT_VIRTUALIZED,	/* not virtualized: the access takes the path it takes without APICv */
};

/* A VM exit the processor makes: the caller writes it into the VMCS and exits. */
struct apicv_exit {
	uint32_t reason;	/* basic exit reason: 43, 44, 45 or 56 */
	uint64_t qual;		/* exit qualification */
	bool trap;		/* trap-like: the instruction completed, RIP is past it */
};

/*
 * Access types of an APIC-access exit, qualification bits 15:12 ("Exit
 * Qualification for APIC-Access VM Exits from Linear Accesses and
 * Guest-Physical Accesses"); the offset is in bits 11:0.
 */
#define APICV_ACCESS_LINEAR_READ	0
#define APICV_ACCESS_LINEAR_WRITE	1
#define APICV_ACCESS_TYPE_SHIFT		12

/* ---- the virtual-APIC page and the guest interrupt status ---- */

/* RVI and SVI: bits 7:0 and 15:8 of the guest interrupt status. */
uint8_t apicv_rvi(const struct vmcs *v);
uint8_t apicv_svi(const struct vmcs *v);

/*
 * The 32-bit register at @offset (16-byte aligned) of the virtual-APIC page
 * at VIRTUAL_APIC_PAGE_ADDR, as the processor reads and writes it
 * ("Virtualized APIC Registers"); the offsets are the APIC's (apicdef.h).
 */
uint32_t apicv_vapic_read(const struct vmcs *v, const struct phys_mem *pm, uint32_t offset);
void apicv_vapic_write(const struct vmcs *v, struct phys_mem *pm, uint32_t offset, uint32_t val);
/* Bit @vector of a 256-bit virtual register: @reg is APIC_ISR, APIC_TMR or APIC_IRR. */
bool apicv_vapic_test(const struct vmcs *v, const struct phys_mem *pm, uint32_t reg,
		      uint8_t vector);

/* ---- guest accesses to the APIC ---- */

/* Physical address @pa is on the APIC-access page, and "virtualize APIC accesses" is 1. */
bool apicv_apic_access_page(const struct vmcs *v, uint64_t pa);

/*
 * A data read or write of @size bytes at @offset of the APIC-access page
 * (within it), by a linear address ("Virtualizing Memory-Mapped APIC
 * Accesses"): APICV_NOT_VIRTUALIZED when "virtualize APIC accesses" is 0;
 * otherwise APICV_DONE (a read's bytes in *@val, zero-extended; a write
 * takes *@val's low @size bytes) or APICV_EXIT: the fault-like APIC-access
 * exit (44) when the access is not virtualized, or after a virtualized
 * write, the exit its APIC-write emulation makes: TPR below threshold (43),
 * EOI-induced (45) or APIC-write (56), all trap-like.
 */
enum apicv_result apicv_mmio(struct vmcs *v, struct phys_mem *pm, bool write, uint32_t offset,
			     unsigned int size, uint32_t *val, struct apicv_exit *exit);

/*
 * RDMSR/WRMSR of @msr with EDX:EAX in *@val, after the MSR bitmaps let it
 * through without an exit ("Virtualizing MSR-Based APIC Accesses"): with
 * "virtualize x2APIC mode", RDMSR of 808H (TPR) always, and of 800H-8FFH
 * with APIC-register virtualization, reads the virtual-APIC page; WRMSR of
 * 808H (TPR), and with virtual-interrupt delivery 80BH (EOI) and 83FH
 * (SELF IPI), writes it, then TPR, EOI or self-IPI virtualization, which
 * may exit (43, 45; 56 for a self IPI of a vector below 16). APICV_GP for
 * a virtualized WRMSR with reserved bits set; APICV_NOT_VIRTUALIZED for
 * everything else (the x2APIC, or #GP, as without APICv).
 */
enum apicv_result apicv_msr(struct vmcs *v, struct phys_mem *pm, bool write, uint32_t msr,
			    uint64_t *val, struct apicv_exit *exit);

/*
 * MOV from/to CR8 with "use TPR shadow", when CR8-store/CR8-load exiting
 * did not exit ("Virtualizing CR8-Based TPR Accesses"): CR8 is VTPR[7:4].
 * A write of bits 63:4 is #GP; a write may exit for TPR below threshold.
 * APICV_NOT_VIRTUALIZED without "use TPR shadow".
 */
enum apicv_result apicv_cr8_read(const struct vmcs *v, const struct phys_mem *pm, uint64_t *val);
enum apicv_result apicv_cr8_write(struct vmcs *v, struct phys_mem *pm, uint64_t val,
				  struct apicv_exit *exit);

/* ---- virtual interrupts ---- */

/*
 * What VM entry does with the virtual APIC once the guest state is loaded
 * (and after any event it injects): without virtual-interrupt delivery,
 * the TPR-threshold check ("VM Exits Induced by the TPR Threshold"):
 * APICV_EXIT with exit 43 when TPR_THRESHOLD[3:0] > VTPR[7:4]; with it,
 * PPR virtualization, after which apicv_pending() says what is recognized
 * ("Updating Non-Register State"). APICV_DONE otherwise.
 */
enum apicv_result apicv_at_entry(struct vmcs *v, struct phys_mem *pm, struct apicv_exit *exit);

/*
 * The recognized virtual interrupt: RVI when virtual-interrupt delivery is
 * on, interrupt-window exiting off and RVI[7:4] > VPPR[7:4], else -1
 * ("Evaluation of Pending Virtual Interrupts"). Evaluated when asked, which
 * equals evaluating at the SDM's points while no VIRR bit is above RVI (RVI
 * is "the highest priority virtual interrupt requesting service").
 */
int apicv_pending(const struct vmcs *v, const struct phys_mem *pm);

/*
 * Deliver the recognized virtual interrupt, once the caller found the guest
 * able to take it (RFLAGS.IF = 1, no STI or MOV-SS blocking, and waking it
 * from HLT): VISR and SVI take the vector, VPPR its class, VIRR loses it,
 * RVI is the next VIRR vector ("Virtual-Interrupt Delivery"). Returns the
 * vector the guest takes through its IDT, or -1 when none is recognized.
 */
int apicv_deliver(struct vmcs *v, struct phys_mem *pm);

/* ---- posted interrupts ---- */

/* @vector is the notification vector, with "process posted interrupts" on. */
bool apicv_pi_notification(const struct vmcs *v, uint8_t vector);

/*
 * The notification vector arrived and the local APIC was acknowledged and
 * EOI'd (the caller's, steps 1, 2 and 4 of "Posted-Interrupt Processing"):
 * ON is cleared, PIR moves into VIRR, RVI becomes the highest of itself and
 * the PIR vectors. Returns the virtual interrupt then recognized, or -1;
 * delivery is apicv_deliver()'s. Does nothing without "process posted
 * interrupts".
 */
int apicv_pi_process(struct vmcs *v, struct phys_mem *pm);

/*
 * The descriptor's control half. PIR and ON are the SDM's (table "Format
 * of Posted-Interrupt Descriptor"); SN, NV and NDST are the format Intel
 * VT-d's posting hardware and KVM's senders use in bits 511:257, which the
 * processor leaves alone.
 */
struct apicv_pi_ctl {
	bool on;		/* bit 256: outstanding notification */
	bool sn;		/* bit 257: suppress notification */
	uint8_t nv;		/* bits 279:272: notification vector */
	uint32_t ndst;		/* bits 319:288: notification destination (APIC ID) */
};

/* The descriptor at @desc_pa's control half; false when it is not in memory. */
bool apicv_pi_ctl(const struct phys_mem *pm, uint64_t desc_pa, struct apicv_pi_ctl *ctl);
/* Set SN, NV and NDST, as a hypervisor does when it schedules the vCPU; PIR and ON stay. */
void apicv_pi_configure(struct phys_mem *pm, uint64_t desc_pa, bool sn, uint8_t nv,
			uint32_t ndst);

/*
 * A sender posts @vector, as Intel VT-d's posting hardware does: its PIR
 * bit is set; ON is set when it was clear and SN is clear, and then the
 * sender must send the notification (NV to NDST): the return value. With
 * SN set ON stays as it was.
 */
bool apicv_pi_post(struct phys_mem *pm, uint64_t desc_pa, uint8_t vector);

/*
 * Hypervisor software, not the processor: in VMX root operation, clear ON,
 * move PIR into VIRR and set RVI to the highest VIRR vector, as KVM's
 * vmx_sync_pir_to_irr() does before VM entry (hardware merges PIR only on
 * a notification in non-root operation). Needs "process posted interrupts"
 * to find the descriptor. Returns the highest VIRR vector, or -1.
 */
int apicv_host_sync_pir(struct vmcs *v, struct phys_mem *pm);

#endif /* HVSIM_VMX_APICV_H */
