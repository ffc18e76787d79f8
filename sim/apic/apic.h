/* SPDX-License-Identifier: MIT */
/*
 * One CPU's local APIC, as a register model: IA32_APIC_BASE and its mode
 * transitions (disabled, xAPIC, x2APIC), the registers through the xAPIC
 * page and through the x2APIC MSRs with the SDM's access rules, the ICR
 * decoded into an IPI request, which APICs an IPI's destination names,
 * acceptance into the IRR, the processor priority, acknowledge and EOI,
 * and the timer counted on the CPU's cycle clock (one-shot, periodic,
 * TSC-deadline).
 *
 * The APIC is hardware and knows nothing of the machine: every function
 * takes the state it needs and the time ("now", the CPU's clock). Sending
 * an IPI is the caller's: an ICR write returns the request, the caller
 * resolves the destination over the machine's APICs (apic_targets) and
 * calls lapic_accept() on each.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3A, chapter
 * "Advanced Programmable Interrupt Controller (APIC)"; section titles are
 * cited where each rule is implemented.
 */
#ifndef HVSIM_APIC_APIC_H
#define HVSIM_APIC_APIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hvsim/x86/apicdef.h"

/* The LVT entries, in register order. */
enum lapic_lvt {
	LAPIC_LVT_CMCI,
	LAPIC_LVT_TIMER,
	LAPIC_LVT_THERMAL,
	LAPIC_LVT_PERF,
	LAPIC_LVT_LINT0,
	LAPIC_LVT_LINT1,
	LAPIC_LVT_ERROR,
	LAPIC_NR_LVT
};

enum lapic_mode {
	LAPIC_MODE_DISABLED,	/* EN = 0, EXTD = 0: globally disabled */
	LAPIC_MODE_XAPIC,	/* EN = 1, EXTD = 0 */
	LAPIC_MODE_X2APIC,	/* EN = 1, EXTD = 1 */
};

/* What an ICR write asks for, decoded (SDM "Interrupt Command Register"). */
struct lapic_ipi {
	uint8_t vector;
	uint32_t delivery;	/* APIC_DM_* */
	bool logical;		/* logical destination mode */
	uint32_t shorthand;	/* APIC_DEST_NOSHORT, _SELF, _ALLINC, _ALLBUT */
	uint32_t dest;		/* 8-bit (xAPIC) or 32-bit (x2APIC) destination */
	bool x2apic;		/* the sender's mode: how @dest is read */
	bool level_assert;	/* level: assert (INIT de-assert has it clear) */
	bool level_trigger;	/* trigger mode */
};

/* What a register write did beyond storing a value. */
enum lapic_effect {
	LAPIC_WROTE,		/* stored (or ignored) */
	LAPIC_SEND_IPI,		/* an ICR (or SELF IPI) write: send *ipi */
	LAPIC_EOI_DONE,		/* an EOI retired the highest in-service vector */
};

struct lapic {
	uint64_t base;			/* IA32_APIC_BASE */
	uint32_t id;			/* initial APIC ID (x2APIC: all 32 bits) */
	uint32_t xapic_id;		/* the xAPIC ID register, bits 31:24 writable */
	uint32_t tpr;			/* task priority */
	uint32_t ldr;			/* logical destination (xAPIC: bits 31:24) */
	uint32_t dfr;			/* destination format (xAPIC) */
	uint32_t svr;			/* spurious-interrupt vector */
	uint32_t esr;			/* error status, as last read after a write */
	uint32_t esr_pending;		/* errors since the last ESR write */
	uint32_t irr[8], isr[8], tmr[8];	/* 256 bits each, vector v at [v / 32] bit v % 32 */
	uint32_t lvt[LAPIC_NR_LVT];
	uint32_t icr_low, icr_high;	/* the ICR as last written */
	uint32_t timer_initial;		/* initial count; 0 stops the timer */
	uint32_t timer_divide;		/* divide configuration register */
	uint64_t timer_start;		/* cycle the count started (or was re-armed) */
	uint64_t timer_deadline;	/* cycle the timer next fires; UINT64_MAX: never */
	uint64_t tsc_deadline;		/* IA32_TSC_DEADLINE; 0: disarmed */
	bool x2apic_capable;		/* CPUID.1:ECX[21] */
	bool tsc_deadline_capable;	/* CPUID.1:ECX[24] */
	unsigned int maxphyaddr;	/* bounds IA32_APIC_BASE's base field */
};

/*
 * Power-on/RESET state (SDM "Local APIC State After Power-Up or Reset"):
 * xAPIC mode at the default base, IDs from @apic_id, LVT entries masked,
 * SVR 0xFF (software disabled), DFR flat, everything else 0.
 */
void lapic_reset(struct lapic *l, uint32_t apic_id, bool bsp, bool x2apic_capable,
		 bool tsc_deadline_capable, unsigned int maxphyaddr);

enum lapic_mode lapic_mode(const struct lapic *l);

/*
 * WRMSR to IA32_APIC_BASE: 0, or -EIO where WRMSR #GPs (reserved bits, a
 * base beyond MAXPHYADDR, EXTD without x2APIC support, or a transition the
 * SDM forbids: x2APIC to xAPIC, disabled to x2APIC, the invalid EN=0
 * EXTD=1 state). Going to disabled resets the APIC's registers, as the
 * SDM says a global disable does; going to x2APIC makes the ID and LDR
 * the x2APIC ones ("x2APIC State Transitions").
 */
int lapic_write_base(struct lapic *l, uint64_t val);

/* Software-enabled (SVR bit 8) and not globally disabled. */
bool lapic_enabled(const struct lapic *l);

/*
 * The xAPIC page at @offset (a 4-byte access, 16-byte aligned register):
 * the register's value, or 0 for a register that does not exist. In
 * x2APIC mode or globally disabled the page is not decoded: reads give 0
 * and writes are dropped (no fault), as the SDM says of x2APIC mode.
 */
uint32_t lapic_read_mmio(const struct lapic *l, uint32_t offset, uint64_t now);
enum lapic_effect lapic_write_mmio(struct lapic *l, uint32_t offset, uint32_t val,
				   uint64_t now, struct lapic_ipi *ipi);

/*
 * RDMSR/WRMSR of an x2APIC MSR (0x800-0xBFF): 0, or -EIO where the SDM
 * says #GP: any access outside x2APIC mode, a register that does not exist
 * in x2APIC mode, a read of a write-only register, a write of a read-only
 * one, a non-zero EOI, reserved bits set ("x2APIC Register Availability").
 */
int lapic_rdmsr(const struct lapic *l, uint32_t msr, uint64_t now, uint64_t *val);
int lapic_wrmsr(struct lapic *l, uint32_t msr, uint64_t val, uint64_t now,
		struct lapic_ipi *ipi, enum lapic_effect *effect);

/* IA32_TSC_DEADLINE: reads 0 and ignores writes unless the timer is in TSC-deadline mode. */
uint64_t lapic_read_tsc_deadline(const struct lapic *l);
void lapic_write_tsc_deadline(struct lapic *l, uint64_t val);

/*
 * Whether the IPI @ipi reaches @dst, @dst_is_src when it is the sender's
 * own APIC (SDM "Determining IPI Destination", "Logical Destination
 * Mode"): shorthands, physical IDs with broadcast, logical flat and
 * cluster models, x2APIC logical clusters.
 */
bool lapic_ipi_reaches(const struct lapic *dst, bool dst_is_src, const struct lapic_ipi *ipi);

/*
 * A fixed interrupt of @vector arrives: into the IRR (and the TMR for a
 * level-triggered one). A vector below 16 is illegal: it sets "receive
 * illegal vector" in the ESR and is dropped ("Error Handling"). Returns
 * whether it was accepted.
 */
bool lapic_accept(struct lapic *l, uint8_t vector, bool level);

/* PPR from the TPR and the highest in-service vector ("Processor Priority Register"). */
uint32_t lapic_ppr(const struct lapic *l);
/*
 * The vector the APIC would present to the CPU now: the highest in the
 * IRR whose priority class is above the PPR's, or -1 ("Interrupt
 * Acceptance for Fixed Interrupts").
 */
int lapic_pending(const struct lapic *l);
/* The CPU takes it: IRR to ISR. Returns the vector, or -1 when none is pending. */
int lapic_ack(struct lapic *l);
/* EOI: the highest in-service vector is retired. Returns it, or -1. */
int lapic_eoi(struct lapic *l);

/*
 * The timer ("APIC Timer"): the current count at @now, and the cycle at
 * which it next fires (UINT64_MAX when it will not). lapic_timer_fire()
 * is called at or after that cycle: it raises the LVT timer's vector
 * (unless masked), re-arms a periodic timer, and returns whether it
 * raised one.
 */
uint32_t lapic_timer_current(const struct lapic *l, uint64_t now);
uint64_t lapic_timer_next(const struct lapic *l);
bool lapic_timer_fire(struct lapic *l, uint64_t now);

#endif /* HVSIM_APIC_APIC_H */
