// SPDX-License-Identifier: MIT
/*
 * The local APIC's register model (apic.h). Section titles are those of
 * the Intel SDM, Vol. 3A, chapter "Advanced Programmable Interrupt
 * Controller (APIC)".
 *
 * Simplifications, each invisible to the code hvsim runs today: no
 * lowest-priority arbitration (APR reads 0, lowest-priority IPIs go to
 * every APIC the destination names, as fixed ones do), no directed EOI,
 * ICR delivery status always idle (an IPI is sent at the write), and a
 * new divide configuration takes effect at the next initial-count write.
 */
#include "apic/apic.h"

#include <errno.h>
#include <string.h>

#define ALL_ONES8	0xffU
#define ALL_ONES32	0xffffffffU

/* Bits software may set in each LVT entry ("Local Vector Table"). */
static const uint32_t lvt_writable[LAPIC_NR_LVT] = {
	[LAPIC_LVT_CMCI] = 0x000107ff,		/* vector, delivery mode, mask */
	[LAPIC_LVT_TIMER] = 0x000700ff,		/* vector, mask, timer mode */
	[LAPIC_LVT_THERMAL] = 0x000107ff,
	[LAPIC_LVT_PERF] = 0x000107ff,
	[LAPIC_LVT_LINT0] = 0x0001a7ff,		/* + polarity, trigger mode */
	[LAPIC_LVT_LINT1] = 0x0001a7ff,
	[LAPIC_LVT_ERROR] = 0x000100ff,		/* vector, mask */
};

static const uint32_t lvt_offset[LAPIC_NR_LVT] = {
	APIC_LVTCMCI, APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR,
};

static void regs_reset(struct lapic *l)
{
	l->xapic_id = l->id << 24;
	l->tpr = 0;
	l->ldr = 0;
	l->dfr = APIC_DFR_FLAT;
	l->svr = APIC_SPIV_VECTOR;
	l->esr = 0;
	l->esr_pending = 0;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	for (int i = 0; i < LAPIC_NR_LVT; i++)
		l->lvt[i] = APIC_LVT_MASKED;
	l->icr_low = 0;
	l->icr_high = 0;
	l->timer_initial = 0;
	l->timer_divide = 0;
	l->timer_start = 0;
	l->timer_deadline = UINT64_MAX;
	l->tsc_deadline = 0;
}

/* "Local APIC State After Power-Up or Reset". */
void lapic_reset(struct lapic *l, uint32_t apic_id, bool bsp, bool x2apic_capable,
		 bool tsc_deadline_capable, unsigned int maxphyaddr)
{
	memset(l, 0, sizeof(*l));
	l->id = apic_id;
	l->x2apic_capable = x2apic_capable;
	l->tsc_deadline_capable = tsc_deadline_capable;
	l->maxphyaddr = maxphyaddr;
	l->base = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE |
		  (bsp ? MSR_IA32_APICBASE_BSP : 0);
	regs_reset(l);
}

enum lapic_mode lapic_mode(const struct lapic *l)
{
	if (!(l->base & MSR_IA32_APICBASE_ENABLE))
		return LAPIC_MODE_DISABLED;
	return (l->base & X2APIC_ENABLE) ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
}

bool lapic_enabled(const struct lapic *l)
{
	return lapic_mode(l) != LAPIC_MODE_DISABLED && (l->svr & APIC_SPIV_APIC_ENABLED);
}

/* The x2APIC logical ID: cluster in 31:16, one bit of 16 in 15:0 ("Logical Destination Mode in x2APIC Mode"). */
static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1U << (id & 0xf));
}

/* "Local APIC Status and Location", "x2APIC State Transitions". */
int lapic_write_base(struct lapic *l, uint64_t val)
{
	uint64_t reserved = 0xffULL | (1ULL << 9);
	enum lapic_mode from = lapic_mode(l), to;
	bool en = val & MSR_IA32_APICBASE_ENABLE, extd = val & X2APIC_ENABLE;

	if (l->maxphyaddr < 64)
		reserved |= ~((1ULL << l->maxphyaddr) - 1);
	if ((val & reserved) || (extd && !l->x2apic_capable) || (extd && !en))
		return -EIO;
	to = !en ? LAPIC_MODE_DISABLED : extd ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
	if ((from == LAPIC_MODE_X2APIC && to == LAPIC_MODE_XAPIC) ||
	    (from == LAPIC_MODE_DISABLED && to == LAPIC_MODE_X2APIC))
		return -EIO;
	/* The BSP flag is the processor's, not software's. */
	l->base = (val & ~MSR_IA32_APICBASE_BSP) | (l->base & MSR_IA32_APICBASE_BSP);
	if (to == LAPIC_MODE_DISABLED && from != LAPIC_MODE_DISABLED)
		regs_reset(l);
	if (to == LAPIC_MODE_X2APIC && from == LAPIC_MODE_XAPIC)
		l->ldr = x2apic_ldr(l->id);
	return 0;
}

static int highest(const uint32_t bits[8])
{
	for (int i = 7; i >= 0; i--)
		if (bits[i])
			return i * 32 + 31 - __builtin_clz(bits[i]);
	return -1;
}

static void set_bit(uint32_t bits[8], unsigned int v)
{
	bits[v / 32] |= 1U << (v % 32);
}

static void clear_bit(uint32_t bits[8], unsigned int v)
{
	bits[v / 32] &= ~(1U << (v % 32));
}

/* "Processor Priority Register (PPR)". */
uint32_t lapic_ppr(const struct lapic *l)
{
	int isr = highest(l->isr);
	uint32_t isrv = isr < 0 ? 0 : (uint32_t)isr;

	if ((l->tpr >> 4) >= (isrv >> 4))
		return l->tpr & 0xff;
	return isrv & 0xf0;
}

/* "Interrupt Acceptance for Fixed Interrupts". */
int lapic_pending(const struct lapic *l)
{
	int v = highest(l->irr);

	if (v < 0 || !lapic_enabled(l))
		return -1;
	return ((uint32_t)v >> 4) > (lapic_ppr(l) >> 4) ? v : -1;
}

int lapic_ack(struct lapic *l)
{
	int v = lapic_pending(l);

	if (v < 0)
		return -1;
	clear_bit(l->irr, (unsigned int)v);
	set_bit(l->isr, (unsigned int)v);
	return v;
}

/* "End-of-Interrupt (EOI)". */
int lapic_eoi(struct lapic *l)
{
	int v = highest(l->isr);

	if (v >= 0)
		clear_bit(l->isr, (unsigned int)v);
	return v;
}

/* "Error Handling": vectors 0-15 are reserved; a software-disabled APIC takes no fixed interrupt. */
bool lapic_accept(struct lapic *l, uint8_t vector, bool level)
{
	if (vector < 16) {
		l->esr_pending |= APIC_ESR_RECV_ILLEGAL_VECTOR;
		return false;
	}
	if (!lapic_enabled(l))
		return false;
	set_bit(l->irr, vector);
	if (level)
		set_bit(l->tmr, vector);
	else
		clear_bit(l->tmr, vector);
	return true;
}

/* ---- the timer ("APIC Timer") ---- */

static uint32_t timer_mode(const struct lapic *l)
{
	return l->lvt[LAPIC_LVT_TIMER] & APIC_LVT_TIMER_MASK;
}

/* Divide configuration bits 3, 1:0: 000 divides by 2 ... 110 by 128, 111 by 1. */
static uint64_t timer_divisor(const struct lapic *l)
{
	uint32_t d = ((l->timer_divide & 8) >> 1) | (l->timer_divide & 3);

	return d == 7 ? 1 : 2ULL << d;
}

uint32_t lapic_timer_current(const struct lapic *l, uint64_t now)
{
	uint64_t ticks;

	if (timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE || !l->timer_initial ||
	    now < l->timer_start)
		return timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE ? 0 : l->timer_initial;
	ticks = (now - l->timer_start) / timer_divisor(l);
	if (timer_mode(l) == APIC_LVT_TIMER_PERIODIC)
		return l->timer_initial - (uint32_t)(ticks % l->timer_initial);
	return ticks >= l->timer_initial ? 0 : l->timer_initial - (uint32_t)ticks;
}

uint64_t lapic_timer_next(const struct lapic *l)
{
	return l->timer_deadline;
}

static void timer_arm(struct lapic *l, uint64_t now)
{
	l->timer_start = now;
	l->timer_deadline = l->timer_initial ? now + l->timer_initial * timer_divisor(l) :
			    UINT64_MAX;
}

bool lapic_timer_fire(struct lapic *l, uint64_t now)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_TIMER];

	if (now < l->timer_deadline)
		return false;
	if (timer_mode(l) == APIC_LVT_TIMER_PERIODIC && l->timer_initial) {
		l->timer_start = l->timer_deadline;
		l->timer_deadline += l->timer_initial * timer_divisor(l);
	} else {
		l->timer_deadline = UINT64_MAX;
		if (timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE)
			l->tsc_deadline = 0;
	}
	if (lvt & APIC_LVT_MASKED)
		return false;
	return lapic_accept(l, (uint8_t)(lvt & APIC_VECTOR_MASK), false);
}

uint64_t lapic_read_tsc_deadline(const struct lapic *l)
{
	return timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE ? l->tsc_deadline : 0;
}

void lapic_write_tsc_deadline(struct lapic *l, uint64_t val)
{
	if (timer_mode(l) != APIC_LVT_TIMER_TSCDEADLINE)
		return;
	l->tsc_deadline = val;
	l->timer_deadline = val ? val : UINT64_MAX;
}

/* An LVT timer write that changes the mode disarms the timer ("TSC-Deadline Mode"). */
static void write_lvt_timer(struct lapic *l, uint32_t val)
{
	uint32_t old = timer_mode(l), mode;

	if ((val & APIC_LVT_TIMER_MASK) == APIC_LVT_TIMER_TSCDEADLINE && !l->tsc_deadline_capable)
		val &= ~APIC_LVT_TIMER_MASK;
	l->lvt[LAPIC_LVT_TIMER] = val;
	mode = timer_mode(l);
	if (mode == old)
		return;
	l->timer_initial = 0;
	l->tsc_deadline = 0;
	l->timer_deadline = UINT64_MAX;
}

/* ---- registers ---- */

static int lvt_index(uint32_t offset)
{
	for (int i = 0; i < LAPIC_NR_LVT; i++)
		if (lvt_offset[i] == offset)
			return i;
	return -1;
}

/* Offsets that exist in one mode only ("x2APIC Register Availability"). */
static bool xapic_only(uint32_t offset)
{
	return offset == APIC_ARBPRI || offset == APIC_RRR || offset == APIC_DFR ||
	       offset == APIC_ICR2;
}

/*
 * Read register @offset in the current mode: 0 with *val, -ENOENT where
 * the register does not exist, -EPERM where it is write-only.
 */
static int reg_read(const struct lapic *l, uint32_t offset, bool x2, uint64_t now, uint64_t *val)
{
	int lvt = lvt_index(offset);

	if (x2 ? xapic_only(offset) : offset == APIC_SELF_IPI)
		return -ENOENT;
	if (lvt >= 0) {
		*val = l->lvt[lvt];
		return 0;
	}
	if (offset >= APIC_ISR && offset < APIC_ESR) {
		const uint32_t *bits = offset < APIC_TMR ? l->isr : offset < APIC_IRR ? l->tmr : l->irr;

		*val = bits[(offset & 0x70) >> 4];
		return 0;
	}
	switch (offset) {
	case APIC_ID:
		*val = x2 ? l->id : l->xapic_id;
		return 0;
	case APIC_LVR:
		*val = APIC_VERSION | ((LAPIC_NR_LVT - 1U) << APIC_LVR_MAXLVT_SHIFT);
		return 0;
	case APIC_TASKPRI:
		*val = l->tpr;
		return 0;
	case APIC_ARBPRI:
	case APIC_RRR:
		*val = 0;
		return 0;
	case APIC_PROCPRI:
		*val = lapic_ppr(l);
		return 0;
	case APIC_EOI:
		if (x2)
			return -EPERM;
		*val = 0;
		return 0;
	case APIC_LDR:
		*val = x2 ? x2apic_ldr(l->id) : l->ldr;
		return 0;
	case APIC_DFR:
		*val = l->dfr;
		return 0;
	case APIC_SPIV:
		*val = l->svr;
		return 0;
	case APIC_ESR:
		*val = l->esr;
		return 0;
	case APIC_ICR:
		*val = x2 ? ((uint64_t)l->icr_high << 32) | l->icr_low : l->icr_low;
		return 0;
	case APIC_ICR2:
		*val = l->icr_high;
		return 0;
	case APIC_TMICT:
		*val = l->timer_initial;
		return 0;
	case APIC_TMCCT:
		*val = lapic_timer_current(l, now);
		return 0;
	case APIC_TDCR:
		*val = l->timer_divide;
		return 0;
	case APIC_SELF_IPI:
		return -EPERM;
	}
	return -ENOENT;
}

static void decode_icr(const struct lapic *l, bool x2, struct lapic_ipi *ipi)
{
	uint32_t low = l->icr_low;

	ipi->vector = (uint8_t)(low & APIC_VECTOR_MASK);
	ipi->delivery = low & APIC_DM_MASK;
	ipi->logical = low & APIC_DEST_LOGICAL;
	ipi->shorthand = low & APIC_SHORT_MASK;
	ipi->level_assert = low & APIC_INT_ASSERT;
	ipi->level_trigger = low & APIC_INT_LEVELTRIG;
	ipi->x2apic = x2;
	ipi->dest = x2 ? l->icr_high : l->icr_high >> 24;
}

/*
 * Write register @offset in the current mode: 0 with *effect, -ENOENT
 * where it does not exist, -EPERM where it is read-only or the value has
 * reserved bits the mode faults on (x2APIC only: xAPIC ignores).
 */
static int reg_write(struct lapic *l, uint32_t offset, uint64_t val, bool x2, uint64_t now,
		     struct lapic_ipi *ipi, enum lapic_effect *effect)
{
	int lvt = lvt_index(offset);

	*effect = LAPIC_WROTE;
	if (x2 ? xapic_only(offset) : offset == APIC_SELF_IPI)
		return -ENOENT;
	/* Every x2APIC register but the ICR is 32 bits wide. */
	if (x2 && offset != APIC_ICR && (val >> 32))
		return -EPERM;
	if (lvt >= 0) {
		uint32_t v = (uint32_t)val & lvt_writable[lvt];

		if (x2 && ((uint32_t)val & ~lvt_writable[lvt]))
			return -EPERM;
		/* A software-disabled APIC keeps every LVT entry masked ("Spurious-Interrupt Vector Register"). */
		if (!(l->svr & APIC_SPIV_APIC_ENABLED))
			v |= APIC_LVT_MASKED;
		if (lvt == LAPIC_LVT_TIMER)
			write_lvt_timer(l, v);
		else
			l->lvt[lvt] = v;
		return 0;
	}
	switch (offset) {
	case APIC_ID:
		if (x2)
			return -EPERM;
		l->xapic_id = (uint32_t)val & 0xff000000U;
		return 0;
	case APIC_TASKPRI:
		if (x2 && (val & ~0xffULL))
			return -EPERM;
		l->tpr = (uint32_t)val & 0xff;
		return 0;
	case APIC_EOI:
		if (x2 && val)
			return -EPERM;
		*effect = lapic_eoi(l) >= 0 ? LAPIC_EOI_DONE : LAPIC_WROTE;
		return 0;
	case APIC_LDR:
		if (x2)
			return -EPERM;
		l->ldr = (uint32_t)val & 0xff000000U;
		return 0;
	case APIC_DFR:
		l->dfr = (uint32_t)val | 0x0fffffffU;
		return 0;
	case APIC_SPIV:
		l->svr = (uint32_t)val & (APIC_SPIV_VECTOR | APIC_SPIV_APIC_ENABLED |
					  APIC_SPIV_FOCUS_DISABLED);
		if (!(l->svr & APIC_SPIV_APIC_ENABLED))
			for (int i = 0; i < LAPIC_NR_LVT; i++)
				l->lvt[i] |= APIC_LVT_MASKED;
		return 0;
	case APIC_ESR:
		/* "Error Status Register": a write latches the errors since the last one. */
		if (x2 && val)
			return -EPERM;
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		return 0;
	case APIC_ICR:
		l->icr_low = (uint32_t)val & ~APIC_ICR_BUSY;
		if (x2)
			l->icr_high = (uint32_t)(val >> 32);
		decode_icr(l, x2, ipi);
		if (ipi->delivery == APIC_DM_FIXED && ipi->vector < 16)
			l->esr_pending |= APIC_ESR_SEND_ILLEGAL_VECTOR;
		*effect = LAPIC_SEND_IPI;
		return 0;
	case APIC_ICR2:
		l->icr_high = (uint32_t)val & 0xff000000U;
		return 0;
	case APIC_TMICT:
		/* "In TSC-deadline mode, writes to the initial-count register are ignored." */
		if (timer_mode(l) == APIC_LVT_TIMER_TSCDEADLINE)
			return 0;
		l->timer_initial = (uint32_t)val;
		timer_arm(l, now);
		return 0;
	case APIC_TDCR:
		if (x2 && (val & ~0xbULL))
			return -EPERM;
		l->timer_divide = (uint32_t)val & 0xb;
		return 0;
	case APIC_SELF_IPI:
		if (val & ~0xffULL)
			return -EPERM;
		*ipi = (struct lapic_ipi){
			.vector = (uint8_t)val, .delivery = APIC_DM_FIXED,
			.shorthand = APIC_DEST_SELF, .x2apic = true,
		};
		*effect = LAPIC_SEND_IPI;
		return 0;
	case APIC_LVR:
	case APIC_ARBPRI:
	case APIC_PROCPRI:
	case APIC_RRR:
	case APIC_TMCCT:
		return x2 ? -EPERM : 0;
	}
	if (offset >= APIC_ISR && offset < APIC_ESR)
		return x2 ? -EPERM : 0;
	return -ENOENT;
}

uint32_t lapic_read_mmio(const struct lapic *l, uint32_t offset, uint64_t now)
{
	uint64_t val = 0;

	if (lapic_mode(l) != LAPIC_MODE_XAPIC || (offset & 0xf) ||
	    reg_read(l, offset & 0xff0, false, now, &val))
		return 0;
	return (uint32_t)val;
}

enum lapic_effect lapic_write_mmio(struct lapic *l, uint32_t offset, uint32_t val,
				   uint64_t now, struct lapic_ipi *ipi)
{
	enum lapic_effect effect = LAPIC_WROTE;

	if (lapic_mode(l) != LAPIC_MODE_XAPIC || (offset & 0xf))
		return LAPIC_WROTE;
	if (reg_write(l, offset & 0xff0, val, false, now, ipi, &effect))
		return LAPIC_WROTE;
	return effect;
}

static bool msr_offset(uint32_t msr, uint32_t *offset)
{
	if (msr < APIC_BASE_MSR || msr > APIC_MSR_LAST || msr - APIC_BASE_MSR > 0x3f)
		return false;
	*offset = (msr - APIC_BASE_MSR) << 4;
	return true;
}

int lapic_rdmsr(const struct lapic *l, uint32_t msr, uint64_t now, uint64_t *val)
{
	uint32_t offset;

	if (lapic_mode(l) != LAPIC_MODE_X2APIC || !msr_offset(msr, &offset) ||
	    reg_read(l, offset, true, now, val))
		return -EIO;
	return 0;
}

int lapic_wrmsr(struct lapic *l, uint32_t msr, uint64_t val, uint64_t now,
		struct lapic_ipi *ipi, enum lapic_effect *effect)
{
	uint32_t offset;

	*effect = LAPIC_WROTE;
	if (lapic_mode(l) != LAPIC_MODE_X2APIC || !msr_offset(msr, &offset) ||
	    reg_write(l, offset, val, true, now, ipi, effect))
		return -EIO;
	return 0;
}

/* ---- destinations ("Determining IPI Destination") ---- */

static bool physical_match(const struct lapic *dst, const struct lapic_ipi *ipi)
{
	if (ipi->x2apic)
		return ipi->dest == ALL_ONES32 || ipi->dest == dst->id;
	return ipi->dest == ALL_ONES8 || ipi->dest == dst->xapic_id >> 24;
}

/* "Logical Destination Mode": flat and cluster models, and x2APIC clusters. */
static bool logical_match(const struct lapic *dst, const struct lapic_ipi *ipi)
{
	if (lapic_mode(dst) == LAPIC_MODE_X2APIC) {
		uint32_t ldr = x2apic_ldr(dst->id);

		if (ipi->dest == ALL_ONES32)
			return true;
		return (ipi->dest >> 16) == (ldr >> 16) && (ipi->dest & ldr & 0xffff);
	} else {
		uint32_t ldr = dst->ldr >> 24, mda = ipi->dest & ALL_ONES8;

		if (mda == ALL_ONES8)
			return true;
		if ((dst->dfr >> 28) == 0xf)
			return (mda & ldr) != 0;
		return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xf);
	}
}

bool lapic_ipi_reaches(const struct lapic *dst, bool dst_is_src, const struct lapic_ipi *ipi)
{
	if (lapic_mode(dst) == LAPIC_MODE_DISABLED)
		return false;
	switch (ipi->shorthand) {
	case APIC_DEST_SELF:
		return dst_is_src;
	case APIC_DEST_ALLINC:
		return true;
	case APIC_DEST_ALLBUT:
		return !dst_is_src;
	}
	return ipi->logical ? logical_match(dst, ipi) : physical_match(dst, ipi);
}
