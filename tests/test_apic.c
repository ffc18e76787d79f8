// SPDX-License-Identifier: MIT
/*
 * The local APIC's register model (sim/apic): modes and IA32_APIC_BASE
 * transitions, the x2APIC MSR access rules, the xAPIC page, IPI
 * destinations, acceptance, priority, EOI and the timer. Each expectation
 * is an SDM rule; the section is named where it is not obvious.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "apic/apic.h"

static struct lapic fresh(uint32_t id, bool bsp)
{
	struct lapic l;

	lapic_reset(&l, id, bsp, true, true, 46);
	return l;
}

static void to_x2apic(struct lapic *l)
{
	cr_assert_eq(lapic_write_base(l, l->base | X2APIC_ENABLE), 0);
	cr_assert_eq(lapic_mode(l), LAPIC_MODE_X2APIC);
}

static void sw_enable_x2(struct lapic *l)
{
	struct lapic_ipi ipi;
	enum lapic_effect e;

	cr_assert_eq(lapic_wrmsr(l, 0x80f, APIC_SPIV_APIC_ENABLED | 0xff, 0, &ipi, &e), 0);
}

Test(apic, power_on_state)
{
	struct lapic l = fresh(3, false);

	cr_assert_eq(lapic_mode(&l), LAPIC_MODE_XAPIC);
	cr_assert_eq(l.base, APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE);
	cr_assert_eq(lapic_read_mmio(&l, APIC_ID, 0), 3U << 24);
	cr_assert_eq(lapic_read_mmio(&l, APIC_SPIV, 0), 0xff, "SVR resets to 0xFF");
	cr_assert_eq(lapic_read_mmio(&l, APIC_DFR, 0), 0xffffffff, "DFR resets to flat");
	for (uint32_t off = APIC_LVTT; off <= APIC_LVTERR; off += 0x10)
		cr_assert_eq(lapic_read_mmio(&l, off, 0), APIC_LVT_MASKED, "LVT %#x masked", off);
	cr_assert_not(lapic_enabled(&l), "software-disabled until SVR bit 8 is set");
	cr_assert(fresh(0, true).base & MSR_IA32_APICBASE_BSP);
}

Test(apic, base_transitions)
{
	struct lapic l = fresh(1, false);
	uint64_t xapic = l.base, disabled = l.base & ~MSR_IA32_APICBASE_ENABLE;

	/* "x2APIC State Transitions". */
	cr_assert_eq(lapic_write_base(&l, xapic | X2APIC_ENABLE), 0, "xAPIC -> x2APIC");
	cr_assert_eq(lapic_write_base(&l, xapic), -EIO, "x2APIC -> xAPIC is illegal");
	cr_assert_eq(lapic_write_base(&l, disabled), 0, "x2APIC -> disabled");
	cr_assert_eq(lapic_write_base(&l, disabled | X2APIC_ENABLE), -EIO, "EN=0 EXTD=1 is invalid");
	cr_assert_eq(lapic_write_base(&l, xapic | X2APIC_ENABLE), -EIO,
		     "disabled -> x2APIC is illegal");
	cr_assert_eq(lapic_write_base(&l, xapic), 0, "disabled -> xAPIC");
	cr_assert_eq(lapic_mode(&l), LAPIC_MODE_XAPIC);
	/* Reserved bits, and a base beyond MAXPHYADDR (46 here). */
	cr_assert_eq(lapic_write_base(&l, xapic | 1), -EIO);
	cr_assert_eq(lapic_write_base(&l, xapic | (1ULL << 9)), -EIO);
	cr_assert_eq(lapic_write_base(&l, xapic | (1ULL << 46)), -EIO);
	cr_assert_eq(lapic_write_base(&l, (xapic & ~MSR_IA32_APICBASE_BASE) | 0xfec00000ULL), 0,
		     "the base moves");
}

Test(apic, x2apic_needs_cpuid_support)
{
	struct lapic l;

	lapic_reset(&l, 0, true, false, false, 36);
	cr_assert_eq(lapic_write_base(&l, l.base | X2APIC_ENABLE), -EIO);
}

Test(apic, global_disable_resets_registers)
{
	struct lapic l = fresh(2, false);
	struct lapic_ipi ipi;

	lapic_write_mmio(&l, APIC_TASKPRI, 0x40, 0, &ipi);
	lapic_write_mmio(&l, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff, 0, &ipi);
	cr_assert_eq(lapic_write_base(&l, l.base & ~MSR_IA32_APICBASE_ENABLE), 0);
	cr_assert_eq(lapic_write_base(&l, l.base | MSR_IA32_APICBASE_ENABLE), 0);
	cr_assert_eq(lapic_read_mmio(&l, APIC_TASKPRI, 0), 0);
	cr_assert_eq(lapic_read_mmio(&l, APIC_SPIV, 0), 0xff);
}

Test(apic, x2apic_msrs_fault_outside_x2apic_mode)
{
	struct lapic l = fresh(5, false);
	struct lapic_ipi ipi;
	enum lapic_effect e;
	uint64_t v;

	cr_assert_eq(lapic_rdmsr(&l, 0x802, 0, &v), -EIO, "RDMSR of the x2APIC ID in xAPIC mode");
	cr_assert_eq(lapic_wrmsr(&l, 0x808, 0, 0, &ipi, &e), -EIO);
	to_x2apic(&l);
	cr_assert_eq(lapic_rdmsr(&l, 0x802, 0, &v), 0);
	cr_assert_eq(v, 5, "the x2APIC ID is the 32-bit initial ID");
	cr_assert_eq(lapic_rdmsr(&l, 0x80d, 0, &v), 0);
	cr_assert_eq(v, (0U << 16) | (1U << 5), "LDR: cluster 0, bit 5");
}

Test(apic, x2apic_register_availability)
{
	struct lapic l = fresh(0x23, false);
	struct lapic_ipi ipi;
	enum lapic_effect e;
	uint64_t v;

	to_x2apic(&l);
	/* "x2APIC Register Availability": APR, RRD, DFR, ICR2 do not exist. */
	cr_assert_eq(lapic_rdmsr(&l, 0x809, 0, &v), -EIO);
	cr_assert_eq(lapic_rdmsr(&l, 0x80c, 0, &v), -EIO);
	cr_assert_eq(lapic_rdmsr(&l, 0x80e, 0, &v), -EIO);
	cr_assert_eq(lapic_rdmsr(&l, 0x831, 0, &v), -EIO);
	/* Write-only registers fault on read, read-only ones on write. */
	cr_assert_eq(lapic_rdmsr(&l, 0x80b, 0, &v), -EIO, "EOI is write-only");
	cr_assert_eq(lapic_rdmsr(&l, 0x83f, 0, &v), -EIO, "SELF IPI is write-only");
	cr_assert_eq(lapic_wrmsr(&l, 0x802, 1, 0, &ipi, &e), -EIO, "ID is read-only");
	cr_assert_eq(lapic_wrmsr(&l, 0x80d, 1, 0, &ipi, &e), -EIO, "LDR is read-only");
	cr_assert_eq(lapic_wrmsr(&l, 0x80a, 0, 0, &ipi, &e), -EIO, "PPR is read-only");
	cr_assert_eq(lapic_wrmsr(&l, 0x820, 0, 0, &ipi, &e), -EIO, "IRR is read-only");
	/* A non-zero EOI, reserved bits, MSRs past the registers. */
	cr_assert_eq(lapic_wrmsr(&l, 0x80b, 1, 0, &ipi, &e), -EIO);
	cr_assert_eq(lapic_wrmsr(&l, 0x80b, 0, 0, &ipi, &e), 0);
	cr_assert_eq(lapic_wrmsr(&l, 0x808, 0x100, 0, &ipi, &e), -EIO, "TPR bits 31:8");
	cr_assert_eq(lapic_wrmsr(&l, 0x808, 1ULL << 32, 0, &ipi, &e), -EIO);
	cr_assert_eq(lapic_rdmsr(&l, 0x840, 0, &v), -EIO);
	cr_assert_eq(lapic_rdmsr(&l, 0xbff, 0, &v), -EIO);
	cr_assert_eq(lapic_wrmsr(&l, 0x808, 0x50, 0, &ipi, &e), 0);
	cr_assert_eq(lapic_rdmsr(&l, 0x808, 0, &v), 0);
	cr_assert_eq(v, 0x50);
	cr_assert_eq(lapic_rdmsr(&l, 0x80d, 0, &v), 0);
	cr_assert_eq(v, (2U << 16) | (1U << 3), "LDR of ID 0x23: cluster 2, bit 3");
}

Test(apic, mmio_page_in_x2apic_mode_is_not_decoded)
{
	struct lapic l = fresh(1, false);
	struct lapic_ipi ipi;

	lapic_write_mmio(&l, APIC_TASKPRI, 0x30, 0, &ipi);
	to_x2apic(&l);
	cr_assert_eq(lapic_read_mmio(&l, APIC_TASKPRI, 0), 0, "reads as a disabled xAPIC: 0");
	cr_assert_eq(lapic_write_mmio(&l, APIC_TASKPRI, 0x90, 0, &ipi), LAPIC_WROTE);
	cr_assert_eq(l.tpr, 0x30, "the write is dropped, without a fault");
}

Test(apic, icr_decodes_and_sends)
{
	struct lapic l = fresh(0, true);
	struct lapic_ipi ipi;
	enum lapic_effect e;

	lapic_write_mmio(&l, APIC_ICR2, 7U << 24, 0, &ipi);
	cr_assert_eq(lapic_write_mmio(&l, APIC_ICR, APIC_DM_FIXED | APIC_DEST_LOGICAL | 0xfc, 0,
				      &ipi), LAPIC_SEND_IPI);
	cr_assert_eq(ipi.vector, 0xfc);
	cr_assert_eq(ipi.dest, 7);
	cr_assert(ipi.logical);
	cr_assert_eq(ipi.shorthand, APIC_DEST_NOSHORT);
	cr_assert_eq(lapic_read_mmio(&l, APIC_ICR, 0) & APIC_ICR_BUSY, 0, "delivered at once");
	to_x2apic(&l);
	cr_assert_eq(lapic_wrmsr(&l, 0x830, (0x12345ULL << 32) | APIC_DM_INIT | APIC_INT_ASSERT, 0,
				 &ipi, &e), 0);
	cr_assert_eq(e, LAPIC_SEND_IPI);
	cr_assert_eq(ipi.delivery, APIC_DM_INIT);
	cr_assert_eq(ipi.dest, 0x12345, "x2APIC destinations are 32 bits");
	cr_assert_eq(lapic_wrmsr(&l, 0x83f, 0x40, 0, &ipi, &e), 0);
	cr_assert_eq(e, LAPIC_SEND_IPI);
	cr_assert_eq(ipi.shorthand, APIC_DEST_SELF);
	cr_assert_eq(ipi.vector, 0x40);
}

/* Four APICs, IDs 0-3, xAPIC, flat logical IDs 1 << n; @x2: in x2APIC mode instead. */
static void four(struct lapic a[4], bool x2)
{
	struct lapic_ipi ipi;

	for (uint32_t i = 0; i < 4; i++) {
		a[i] = fresh(i, i == 0);
		lapic_write_mmio(&a[i], APIC_LDR, (1U << i) << 24, 0, &ipi);
		if (x2)
			to_x2apic(&a[i]);
	}
}

static unsigned int reached(const struct lapic a[4], unsigned int src, struct lapic_ipi ipi)
{
	unsigned int mask = 0;

	for (unsigned int i = 0; i < 4; i++)
		if (lapic_ipi_reaches(&a[i], i == src, &ipi))
			mask |= 1U << i;
	return mask;
}

Test(apic, destinations)
{
	struct lapic a[4];
	struct lapic_ipi ipi = { .vector = 0xfd, .delivery = APIC_DM_FIXED };

	four(a, false);
	ipi.dest = 2;
	cr_assert_eq(reached(a, 0, ipi), 1U << 2, "physical");
	ipi.dest = 0xff;
	cr_assert_eq(reached(a, 0, ipi), 0xf, "physical broadcast");
	ipi.logical = true;
	ipi.dest = 0x6;
	cr_assert_eq(reached(a, 0, ipi), 0x6, "logical flat: a bit per APIC");
	ipi.logical = false;
	ipi.shorthand = APIC_DEST_SELF;
	cr_assert_eq(reached(a, 1, ipi), 1U << 1);
	ipi.shorthand = APIC_DEST_ALLINC;
	cr_assert_eq(reached(a, 1, ipi), 0xf);
	ipi.shorthand = APIC_DEST_ALLBUT;
	cr_assert_eq(reached(a, 1, ipi), 0xd);
	/* Cluster model: cluster in MDA 7:4, members in 3:0. */
	for (uint32_t i = 0; i < 4; i++) {
		struct lapic_ipi w;

		lapic_write_mmio(&a[i], APIC_DFR, APIC_DFR_CLUSTER, 0, &w);
		lapic_write_mmio(&a[i], APIC_LDR, ((i / 2) << 28 | (1U << (i % 2)) << 24), 0, &w);
	}
	ipi = (struct lapic_ipi){ .delivery = APIC_DM_FIXED, .logical = true, .dest = 0x13 };
	cr_assert_eq(reached(a, 0, ipi), 0xc, "cluster 1, both members");
	/* A globally disabled APIC takes nothing. */
	cr_assert_eq(lapic_write_base(&a[3], a[3].base & ~MSR_IA32_APICBASE_ENABLE), 0);
	cr_assert_eq(reached(a, 0, ipi), 0x4);
}

Test(apic, x2apic_destinations)
{
	struct lapic a[4];
	struct lapic_ipi ipi = { .delivery = APIC_DM_FIXED, .x2apic = true };

	four(a, true);
	ipi.dest = 3;
	cr_assert_eq(reached(a, 0, ipi), 1U << 3);
	ipi.dest = 0xffffffff;
	cr_assert_eq(reached(a, 0, ipi), 0xf);
	ipi.logical = true;
	ipi.dest = (0U << 16) | 0x5;
	cr_assert_eq(reached(a, 0, ipi), 0x5, "cluster 0, bits 0 and 2");
	ipi.dest = (1U << 16) | 0x5;
	cr_assert_eq(reached(a, 0, ipi), 0, "no APIC in cluster 1");
}

Test(apic, acceptance_priority_and_eoi)
{
	struct lapic l = fresh(0, true);
	struct lapic_ipi ipi;

	cr_assert_not(lapic_accept(&l, 0x40, false), "software-disabled: not accepted");
	lapic_write_mmio(&l, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff, 0, &ipi);
	cr_assert_not(lapic_accept(&l, 15, false));
	lapic_write_mmio(&l, APIC_ESR, 0, 0, &ipi);
	cr_assert_eq(lapic_read_mmio(&l, APIC_ESR, 0), APIC_ESR_RECV_ILLEGAL_VECTOR);
	cr_assert(lapic_accept(&l, 0x41, false));
	cr_assert(lapic_accept(&l, 0x82, true));
	cr_assert_eq(lapic_read_mmio(&l, APIC_IRR + 0x40, 0), 1U << 2, "IRR bit 0x82");
	cr_assert_eq(lapic_read_mmio(&l, APIC_TMR + 0x40, 0), 1U << 2, "level: TMR set");
	/* TPR class 8 holds back 0x82 (class 8) and 0x41 ("Task Priority"). */
	lapic_write_mmio(&l, APIC_TASKPRI, 0x80, 0, &ipi);
	cr_assert_eq(lapic_pending(&l), -1);
	lapic_write_mmio(&l, APIC_TASKPRI, 0x70, 0, &ipi);
	cr_assert_eq(lapic_pending(&l), 0x82);
	cr_assert_eq(lapic_ack(&l), 0x82);
	cr_assert_eq(lapic_ppr(&l), 0x80, "PPR from the in-service class");
	cr_assert_eq(lapic_pending(&l), -1, "0x41 waits behind 0x82 in service");
	cr_assert_eq(lapic_write_mmio(&l, APIC_EOI, 0, 0, &ipi), LAPIC_EOI_DONE);
	cr_assert_eq(lapic_ppr(&l), 0x70);
	lapic_write_mmio(&l, APIC_TASKPRI, 0, 0, &ipi);
	cr_assert_eq(lapic_ack(&l), 0x41);
	cr_assert_eq(lapic_eoi(&l), 0x41);
	cr_assert_eq(lapic_eoi(&l), -1);
}

Test(apic, software_disable_masks_the_lvt)
{
	struct lapic l = fresh(0, true);
	struct lapic_ipi ipi;

	lapic_write_mmio(&l, APIC_LVTERR, 0xfe, 0, &ipi);
	cr_assert_eq(lapic_read_mmio(&l, APIC_LVTERR, 0), APIC_LVT_MASKED | 0xfe,
		     "software-disabled: writes keep the mask");
	lapic_write_mmio(&l, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff, 0, &ipi);
	lapic_write_mmio(&l, APIC_LVTERR, 0xfe, 0, &ipi);
	cr_assert_eq(lapic_read_mmio(&l, APIC_LVTERR, 0), 0xfe);
	lapic_write_mmio(&l, APIC_SPIV, 0xff, 0, &ipi);
	cr_assert_eq(lapic_read_mmio(&l, APIC_LVTERR, 0), APIC_LVT_MASKED | 0xfe);
}

Test(apic, one_shot_and_periodic_timer)
{
	struct lapic l = fresh(0, true);

	to_x2apic(&l);
	sw_enable_x2(&l);
	{
		struct lapic_ipi ipi;
		enum lapic_effect e;
		uint64_t v;

		cr_assert_eq(lapic_wrmsr(&l, 0x83e, 0x1, 0, &ipi, &e), 0, "divide by 4");
		cr_assert_eq(lapic_wrmsr(&l, 0x832, 0xec, 0, &ipi, &e), 0, "one-shot, vector 0xec");
		cr_assert_eq(lapic_wrmsr(&l, 0x838, 100, 1000, &ipi, &e), 0);
		cr_assert_eq(lapic_timer_next(&l), 1000 + 400);
		cr_assert_eq(lapic_rdmsr(&l, 0x839, 1200, &v), 0);
		cr_assert_eq(v, 50, "50 of 100 ticks left after 200 cycles at /4");
		cr_assert_not(lapic_timer_fire(&l, 1399));
		cr_assert(lapic_timer_fire(&l, 1400));
		cr_assert_eq(lapic_pending(&l), 0xec);
		cr_assert_eq(lapic_timer_next(&l), UINT64_MAX, "one-shot: fires once");
		cr_assert_eq(lapic_rdmsr(&l, 0x839, 5000, &v), 0);
		cr_assert_eq(v, 0);

		cr_assert_eq(lapic_wrmsr(&l, 0x832, APIC_LVT_TIMER_PERIODIC | 0xed, 0, &ipi, &e), 0);
		cr_assert_eq(lapic_timer_next(&l), UINT64_MAX, "a mode change disarms");
		cr_assert_eq(lapic_wrmsr(&l, 0x838, 10, 0, &ipi, &e), 0);
		cr_assert(lapic_timer_fire(&l, 40));
		cr_assert_eq(lapic_timer_next(&l), 80, "periodic: re-armed");
		cr_assert_eq(lapic_rdmsr(&l, 0x839, 60, &v), 0);
		cr_assert_eq(v, 5);
	}
}

Test(apic, tsc_deadline_timer)
{
	struct lapic l = fresh(0, true);
	struct lapic_ipi ipi;

	lapic_write_mmio(&l, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff, 0, &ipi);
	lapic_write_tsc_deadline(&l, 500);
	cr_assert_eq(lapic_read_tsc_deadline(&l), 0, "ignored outside TSC-deadline mode");
	lapic_write_mmio(&l, APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0xef, 0, &ipi);
	lapic_write_mmio(&l, APIC_TMICT, 99, 0, &ipi);
	cr_assert_eq(l.timer_initial, 0, "the initial count is ignored in TSC-deadline mode");
	lapic_write_tsc_deadline(&l, 500);
	cr_assert_eq(lapic_read_tsc_deadline(&l), 500);
	cr_assert_not(lapic_timer_fire(&l, 499));
	cr_assert(lapic_timer_fire(&l, 500));
	cr_assert_eq(lapic_read_tsc_deadline(&l), 0, "disarmed once it fired");
	cr_assert_eq(lapic_ack(&l), 0xef);
	/* Without CPUID.1:ECX[24] the mode cannot be selected. */
	lapic_reset(&l, 0, true, true, false, 46);
	lapic_write_mmio(&l, APIC_SPIV, APIC_SPIV_APIC_ENABLED | 0xff, 0, &ipi);
	lapic_write_mmio(&l, APIC_LVTT, APIC_LVT_TIMER_TSCDEADLINE | 0xef, 0, &ipi);
	cr_assert_eq(lapic_read_mmio(&l, APIC_LVTT, 0) & APIC_LVT_TIMER_MASK, 0);
}
