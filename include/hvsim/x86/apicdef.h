/* SPDX-License-Identifier: MIT */
/*
 * The local APIC as software sees it, under the names Linux gives these
 * facts (apicdef.h): register offsets in the xAPIC page, their x2APIC MSRs,
 * the bits of IA32_APIC_BASE, the ICR, the LVT entries and the spurious-
 * interrupt vector register.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3A, chapter
 * "Advanced Programmable Interrupt Controller (APIC)": "Local APIC Register
 * Address Map" (table "Local APIC Register Address Map"), "Local APIC
 * Status and Location" (IA32_APIC_BASE), "Issuing Interprocessor
 * Interrupts" (ICR), "Local Vector Table", "Spurious Interrupt", and
 * "Extended XAPIC (x2APIC)" (the MSR map and the mode transitions).
 */
#ifndef HVSIM_X86_APICDEF_H
#define HVSIM_X86_APICDEF_H

/* IA32_APIC_BASE (MSR 0x1B). */
#define MSR_IA32_APICBASE		0x0000001b
#define MSR_IA32_APICBASE_BSP		(1ULL << 8)	/* this is the bootstrap processor */
#define X2APIC_ENABLE			(1ULL << 10)	/* EXTD: x2APIC mode */
#define MSR_IA32_APICBASE_ENABLE	(1ULL << 11)	/* EN: xAPIC global enable */
#define MSR_IA32_APICBASE_BASE		(0xfffffULL << 12)	/* up to MAXPHYADDR */
#define APIC_DEFAULT_PHYS_BASE		0xfee00000ULL

/* IA32_TSC_DEADLINE (MSR 0x6E0), for the timer's TSC-deadline mode. */
#define MSR_IA32_TSC_DEADLINE		0x000006e0

/* Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16. */
#define APIC_ID			0x020
#define APIC_LVR		0x030	/* version */
#define APIC_TASKPRI		0x080	/* TPR */
#define APIC_ARBPRI		0x090	/* APR (xAPIC only) */
#define APIC_PROCPRI		0x0a0	/* PPR */
#define APIC_EOI		0x0b0
#define APIC_RRR		0x0c0	/* remote read (xAPIC only) */
#define APIC_LDR		0x0d0
#define APIC_DFR		0x0e0	/* destination format (xAPIC only) */
#define APIC_SPIV		0x0f0	/* spurious-interrupt vector */
#define APIC_ISR		0x100	/* 8 registers, 16 bytes apart */
#define APIC_TMR		0x180
#define APIC_IRR		0x200
#define APIC_ESR		0x280
#define APIC_LVTCMCI		0x2f0
#define APIC_ICR		0x300	/* low half; x2APIC: the whole 64-bit ICR */
#define APIC_ICR2		0x310	/* high half (xAPIC only) */
#define APIC_LVTT		0x320	/* timer */
#define APIC_LVTTHMR		0x330	/* thermal sensor */
#define APIC_LVTPC		0x340	/* performance counters */
#define APIC_LVT0		0x350	/* LINT0 */
#define APIC_LVT1		0x360	/* LINT1 */
#define APIC_LVTERR		0x370	/* error */
#define APIC_TMICT		0x380	/* timer initial count */
#define APIC_TMCCT		0x390	/* timer current count */
#define APIC_TDCR		0x3e0	/* timer divide configuration */
#define APIC_SELF_IPI		0x3f0	/* x2APIC only */

#define APIC_BASE_MSR		0x800	/* x2APIC MSR of offset 0 */
#define APIC_MSR_LAST		0xbff	/* the x2APIC MSR range */

/* Version register: integrated APIC, the highest LVT entry (bits 23:16). */
#define APIC_VERSION		0x14
#define APIC_LVR_MAXLVT_SHIFT	16
#define APIC_LVR_DIRECTED_EOI	(1U << 24)

/* Spurious-interrupt vector register. */
#define APIC_SPIV_VECTOR	0xffU
#define APIC_SPIV_APIC_ENABLED	(1U << 8)
#define APIC_SPIV_FOCUS_DISABLED	(1U << 9)
#define APIC_SPIV_DIRECTED_EOI	(1U << 12)

/* Interrupt command register. */
#define APIC_VECTOR_MASK	0xffU
#define APIC_DM_MASK		(7U << 8)
#define APIC_DM_FIXED		(0U << 8)
#define APIC_DM_LOWEST		(1U << 8)
#define APIC_DM_SMI		(2U << 8)
#define APIC_DM_NMI		(4U << 8)
#define APIC_DM_INIT		(5U << 8)
#define APIC_DM_STARTUP		(6U << 8)
#define APIC_DM_EXTINT		(7U << 8)
#define APIC_DEST_LOGICAL	(1U << 11)
#define APIC_ICR_BUSY		(1U << 12)	/* delivery status (xAPIC) */
#define APIC_INT_ASSERT		(1U << 14)	/* level */
#define APIC_INT_LEVELTRIG	(1U << 15)	/* trigger mode */
#define APIC_SHORT_MASK		(3U << 18)
#define APIC_DEST_NOSHORT	(0U << 18)
#define APIC_DEST_SELF		(1U << 18)
#define APIC_DEST_ALLINC	(2U << 18)
#define APIC_DEST_ALLBUT	(3U << 18)

/* Local vector table entries. */
#define APIC_LVT_MASKED		(1U << 16)
#define APIC_LVT_TIMER_ONESHOT	(0U << 17)
#define APIC_LVT_TIMER_PERIODIC	(1U << 17)
#define APIC_LVT_TIMER_TSCDEADLINE	(2U << 17)
#define APIC_LVT_TIMER_MASK	(3U << 17)

/* Destination format register: flat (all ones) or cluster (0 in 31:28). */
#define APIC_DFR_FLAT		0xffffffffU
#define APIC_DFR_CLUSTER	0x0fffffffU

/* Error status register bits. */
#define APIC_ESR_SEND_ILLEGAL_VECTOR	(1U << 5)
#define APIC_ESR_RECV_ILLEGAL_VECTOR	(1U << 6)
#define APIC_ESR_ILLEGAL_REGISTER	(1U << 7)

/* CPUID.1:ECX: x2APIC (bit 21) and TSC-deadline timer (bit 24) support. */
#define CPUID_1_ECX_X2APIC	(1U << 21)
#define CPUID_1_ECX_TSC_DEADLINE	(1U << 24)

#endif /* HVSIM_X86_APICDEF_H */
