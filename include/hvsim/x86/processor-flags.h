/* SPDX-License-Identifier: MIT */
/*
 * Bits of CR0, CR4, RFLAGS, PAE PDPTEs and IA32_EFER, under the names Linux
 * gives them (the PAE ones under hvsim's).
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3A: "Control
 * Registers" (CR0, CR4), "EFLAGS Register" (RFLAGS), "PAE Paging" (CR3 and
 * the PDPTEs), and "IA32_EFER MSR" under "Extended Feature Enable
 * Register" (EFER).
 */
#ifndef HVSIM_X86_PROCESSOR_FLAGS_H
#define HVSIM_X86_PROCESSOR_FLAGS_H

/* RFLAGS. */
#define X86_EFLAGS_CF		(1ULL << 0)	/* carry */
#define X86_EFLAGS_FIXED	(1ULL << 1)	/* reads as 1 */
#define X86_EFLAGS_PF		(1ULL << 2)	/* parity */
#define X86_EFLAGS_AF		(1ULL << 4)	/* auxiliary carry */
#define X86_EFLAGS_ZF		(1ULL << 6)	/* zero */
#define X86_EFLAGS_SF		(1ULL << 7)	/* sign */
#define X86_EFLAGS_TF		(1ULL << 8)	/* trap (single-step) */
#define X86_EFLAGS_IF		(1ULL << 9)	/* interrupt enable */
#define X86_EFLAGS_DF		(1ULL << 10)	/* direction */
#define X86_EFLAGS_OF		(1ULL << 11)	/* overflow */
#define X86_EFLAGS_IOPL		(3ULL << 12)	/* I/O privilege level */
#define X86_EFLAGS_NT		(1ULL << 14)	/* nested task */
#define X86_EFLAGS_RF		(1ULL << 16)	/* resume */
#define X86_EFLAGS_VM		(1ULL << 17)	/* virtual-8086 mode */
#define X86_EFLAGS_AC		(1ULL << 18)	/* alignment check */
#define X86_EFLAGS_VIF		(1ULL << 19)	/* virtual interrupt */
#define X86_EFLAGS_VIP		(1ULL << 20)	/* virtual interrupt pending */
#define X86_EFLAGS_ID		(1ULL << 21)	/* CPUID available */

/* CR0. */
#define X86_CR0_PE		(1ULL << 0)	/* protection enable */
#define X86_CR0_MP		(1ULL << 1)	/* monitor coprocessor */
#define X86_CR0_EM		(1ULL << 2)	/* emulation */
#define X86_CR0_TS		(1ULL << 3)	/* task switched */
#define X86_CR0_ET		(1ULL << 4)	/* extension type */
#define X86_CR0_NE		(1ULL << 5)	/* numeric error */
#define X86_CR0_WP		(1ULL << 16)	/* write protect */
#define X86_CR0_AM		(1ULL << 18)	/* alignment mask */
#define X86_CR0_NW		(1ULL << 29)	/* not write-through */
#define X86_CR0_CD		(1ULL << 30)	/* cache disable */
#define X86_CR0_PG		(1ULL << 31)	/* paging */

/* CR4. */
#define X86_CR4_VME		(1ULL << 0)	/* virtual-8086 mode extensions */
#define X86_CR4_PVI		(1ULL << 1)	/* protected-mode virtual interrupts */
#define X86_CR4_TSD		(1ULL << 2)	/* time stamp disable */
#define X86_CR4_DE		(1ULL << 3)	/* debugging extensions */
#define X86_CR4_PSE		(1ULL << 4)	/* page size extensions */
#define X86_CR4_PAE		(1ULL << 5)	/* physical address extension */
#define X86_CR4_MCE		(1ULL << 6)	/* machine-check enable */
#define X86_CR4_PGE		(1ULL << 7)	/* page global enable */
#define X86_CR4_PCE		(1ULL << 8)	/* performance-counter enable */
#define X86_CR4_OSFXSR		(1ULL << 9)	/* FXSAVE/FXRSTOR */
#define X86_CR4_OSXMMEXCPT	(1ULL << 10)	/* unmasked SIMD exceptions */
#define X86_CR4_UMIP		(1ULL << 11)	/* user-mode instruction prevention */
#define X86_CR4_LA57		(1ULL << 12)	/* 5-level paging */
#define X86_CR4_VMXE		(1ULL << 13)	/* VMX enable */
#define X86_CR4_SMXE		(1ULL << 14)	/* SMX enable */
#define X86_CR4_FSGSBASE	(1ULL << 16)	/* RDFSBASE and friends */
#define X86_CR4_PCIDE		(1ULL << 17)	/* PCID enable */
#define X86_CR4_OSXSAVE		(1ULL << 18)	/* XSAVE and processor extended states */
#define X86_CR4_KL		(1ULL << 19)	/* Key Locker */
#define X86_CR4_SMEP		(1ULL << 20)	/* supervisor-mode execution prevention */
#define X86_CR4_SMAP		(1ULL << 21)	/* supervisor-mode access prevention */
#define X86_CR4_PKE		(1ULL << 22)	/* protection keys for user pages */
#define X86_CR4_CET		(1ULL << 23)	/* control-flow enforcement */
#define X86_CR4_PKS		(1ULL << 24)	/* protection keys for supervisor pages */
#define X86_CR4_UINTR		(1ULL << 25)	/* user interrupts */
#define X86_CR4_LAM_SUP		(1ULL << 28)	/* supervisor linear-address masking */

/*
 * PAE paging (Vol. 3A, "PAE Paging"): CR3 bits 31:5 locate the 32-byte
 * page-directory-pointer table; a present PDPTE (bit 0) must have bits
 * 2:1 and 8:5 clear, and bits 63:MAXPHYADDR ("Format of a PAE
 * Page-Directory-Pointer-Table Entry").
 */
#define PAE_CR3_PDPT_MASK	0xffffffe0ULL	/* CR3 bits 31:5 */
#define PAE_PDPTE_PRESENT	(1ULL << 0)
#define PAE_PDPTE_RESERVED_LOW	0x1e6ULL	/* bits 8:5, 2:1 */
#define PAE_NR_PDPTES		4

/* IA32_EFER (MSR_EFER). */
#define EFER_SCE		(1ULL << 0)	/* SYSCALL enable */
#define EFER_LME		(1ULL << 8)	/* IA-32e mode enable */
#define EFER_LMA		(1ULL << 10)	/* IA-32e mode active */
#define EFER_NX			(1ULL << 11)	/* execute-disable bit enable */

#endif /* HVSIM_X86_PROCESSOR_FLAGS_H */
