// SPDX-License-Identifier: MIT
/*
 * APIC virtualization and posted interrupts (sim/vmx/apicv): TPR, PPR, EOI
 * and self-IPI virtualization, the TPR-threshold exits, which accesses to
 * the APIC-access page and which x2APIC MSRs are virtualized and which
 * exit, evaluation and delivery of virtual interrupts, and posted-interrupt
 * processing with its sender. Every configuration is a VMCS that passes
 * VM entry's checks on VMX controls on skylake-sp (legal.c's VMCS with the
 * APICv controls set), so no test exercises a state no entry accepts.
 *
 * SDM citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C,
 * "APIC Virtualization and Virtual Interrupts".
 */
#include "vmx/apicv.h"
#include "vmx_models.h"

#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "hvsim/x86/apicdef.h"
#include "mem/phys.h"
#include "vmx/legal.h"
#include "vmx/vmcs.h"
#include "vmx/vmentry.h"

/* Pages in the arena: the virtual-APIC page, the APIC-access page, the descriptor. */
#define PA_VAPIC	(PHYS_BASE + 0x1000)
#define PA_APIC_ACCESS	(PHYS_BASE + 0x2000)
#define PA_PI_DESC	(PHYS_BASE + 0x3000)
#define ARENA_BYTES	(16 * PHYS_PAGE_SIZE)
/* Beyond the arena, within MAXPHYADDR: memory the machine lacks. */
#define PA_NOWHERE	0x40000000ULL
#define PI_VECTOR	0xf2

/* The APICv controls a configuration turns on besides "use TPR shadow". */
enum {
	APIC_ACCESSES = 1 << 0,	/* virtualize APIC accesses */
	X2APIC = 1 << 1,	/* virtualize x2APIC mode */
	REG_VIRT = 1 << 2,	/* APIC-register virtualization */
	VID = 1 << 3,		/* virtual-interrupt delivery */
	POSTED = 1 << 4,	/* process posted interrupts */
};

struct rig {
	struct cpu_model *m;
	struct vmcs *v;
	struct phys_mem *pm;
};

static bool read_arena(void *opaque, uint64_t pa, void *buf, size_t len)
{
	const void *p = phys_va(opaque, pa), *last = phys_va(opaque, pa + len - 1);

	if (!p || !last)
		return false;
	memcpy(buf, p, len);
	return true;
}

/* VM entry's checks on VMX controls pass, reading this arena. */
static void assert_entry_accepts(const struct rig *r)
{
	struct vmx_phys_reader mem = { .read = read_arena, .opaque = r->pm };
	struct vmx_entry_env env = { .mem = &mem };
	const struct vmx_check *failed = NULL;

	cr_assert_eq(vmx_check_group_run(VMX_CHECK_CONTROLS, r->m, r->v, &env, &failed), 0,
		     "VM entry refuses the configuration: %s", failed ? failed->id : "?");
}

static uint64_t proc2_of(unsigned int cfg)
{
	return ((cfg & APIC_ACCESSES) ? SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES : 0) |
	       ((cfg & X2APIC) ? SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE : 0) |
	       ((cfg & REG_VIRT) ? SECONDARY_EXEC_APIC_REGISTER_VIRT : 0) |
	       ((cfg & VID) ? SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY : 0);
}

/* The legal VMCS of skylake-sp with "use TPR shadow" and the controls of @cfg. */
static struct rig rig_new(unsigned int cfg)
{
	struct rig r = { .m = vt_load("skylake-sp") };

	r.v = vmx_legal_vmcs(r.m);
	r.pm = phys_create(ARENA_BYTES);
	cr_assert(r.v && r.pm);
	vmcs_set_bits(r.v, VMCS_CPU_BASED_VM_EXEC_CONTROL,
		      CPU_BASED_TPR_SHADOW | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set_bits(r.v, VMCS_SECONDARY_VM_EXEC_CONTROL, proc2_of(cfg));
	vmcs_set(r.v, VMCS_VIRTUAL_APIC_PAGE_ADDR, PA_VAPIC);
	vmcs_set(r.v, VMCS_APIC_ACCESS_ADDR, PA_APIC_ACCESS);
	if (cfg & VID)
		vmcs_set_bits(r.v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_MASK);
	if (cfg & POSTED) {
		vmcs_set_bits(r.v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_POSTED_INTR);
		vmcs_set_bits(r.v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
		vmcs_set(r.v, VMCS_POSTED_INTR_NV, PI_VECTOR);
		vmcs_set(r.v, VMCS_POSTED_INTR_DESC_ADDR, PA_PI_DESC);
		apicv_pi_configure(r.pm, PA_PI_DESC, false, PI_VECTOR, 0);
	}
	assert_entry_accepts(&r);
	return r;
}

static void rig_free(struct rig *r)
{
	phys_destroy(r->pm);
	free(r->v);
	free(r->m);
}

static uint32_t vreg(const struct rig *r, uint32_t offset)
{
	return apicv_vapic_read(r->v, r->pm, offset);
}

static void set_vreg(struct rig *r, uint32_t offset, uint32_t val)
{
	apicv_vapic_write(r->v, r->pm, offset, val);
}

/* Set bit @vector of the 256-bit virtual register at @reg, as a hypervisor does. */
static void set_vbit(struct rig *r, uint32_t reg, uint8_t vector)
{
	uint32_t off = reg + (vector / 32) * 16;

	set_vreg(r, off, vreg(r, off) | (1U << (vector % 32)));
}

static void set_intr_status(struct rig *r, uint8_t rvi, uint8_t svi)
{
	vmcs_set(r->v, VMCS_GUEST_INTR_STATUS, ((uint64_t)svi << 8) | rvi);
}

static enum apicv_result mmio_write(struct rig *r, uint32_t offset, uint32_t val,
				    struct apicv_exit *exit)
{
	return apicv_mmio(r->v, r->pm, true, offset, 4, &val, exit);
}

static enum apicv_result msr_write(struct rig *r, uint32_t msr, uint64_t val,
				   struct apicv_exit *exit)
{
	return apicv_msr(r->v, r->pm, true, msr, &val, exit);
}

static void assert_exit(enum apicv_result res, const struct apicv_exit *exit, uint32_t reason,
			uint64_t qual, bool trap)
{
	cr_assert_eq(res, APICV_EXIT, "expected exit %u, got result %d", reason, res);
	cr_assert_eq(exit->reason, reason);
	cr_assert_eq(exit->qual, qual, "qualification %#llx, expected %#llx",
		     (unsigned long long)exit->qual, (unsigned long long)qual);
	cr_assert_eq(exit->trap, trap);
}

TestSuite(apicv, .timeout = 10);

/* ---- TPR virtualization and the TPR threshold ---- */

Test(apicv, tpr_write_below_threshold_exits_after_the_write)
{
	struct rig r = rig_new(APIC_ACCESSES);
	struct apicv_exit exit;

	vmcs_set(r.v, VMCS_TPR_THRESHOLD, 4);
	assert_exit(mmio_write(&r, APIC_TASKPRI, 0x30, &exit), &exit,
		    EXIT_REASON_TPR_BELOW_THRESHOLD, 0, true);
	cr_assert_eq(vreg(&r, APIC_TASKPRI), 0x30, "trap-like: VTPR was written first");
	cr_assert_eq(mmio_write(&r, APIC_TASKPRI, 0x40, &exit), APICV_DONE, "VTPR[7:4] = threshold");
	cr_assert_eq(mmio_write(&r, APIC_TASKPRI, 0x5f, &exit), APICV_DONE);
	cr_assert_eq(vreg(&r, APIC_TASKPRI), 0x5f);
	/* "APIC-Write Emulation" clears bytes 3:1 of VTPR. */
	cr_assert_eq(mmio_write(&r, APIC_TASKPRI, 0xabcd0050, &exit), APICV_DONE);
	cr_assert_eq(vreg(&r, APIC_TASKPRI), 0x50);
	rig_free(&r);
}

Test(apicv, tpr_below_threshold_through_msr_and_cr8)
{
	struct rig r = rig_new(X2APIC);
	struct apicv_exit exit;
	uint64_t cr8;

	vmcs_set(r.v, VMCS_TPR_THRESHOLD, 3);
	assert_exit(msr_write(&r, 0x808, 0x20, &exit), &exit, EXIT_REASON_TPR_BELOW_THRESHOLD, 0,
		    true);
	cr_assert_eq(msr_write(&r, 0x808, 0x30, &exit), APICV_DONE);
	cr_assert_eq(msr_write(&r, 0x808, 0x130, &exit), APICV_GP, "TPR bits 31:8 are reserved");
	cr_assert_eq(msr_write(&r, 0x808, 1ULL << 32, &exit), APICV_GP);
	cr_assert_eq(vreg(&r, APIC_TASKPRI), 0x30, "a faulting WRMSR writes nothing");
	assert_exit(apicv_cr8_write(r.v, r.pm, 2, &exit), &exit, EXIT_REASON_TPR_BELOW_THRESHOLD,
		    0, true);
	cr_assert_eq(vreg(&r, APIC_TASKPRI), 0x20, "CR8 is VTPR[7:4]");
	cr_assert_eq(apicv_cr8_read(r.v, r.pm, &cr8), APICV_DONE);
	cr_assert_eq(cr8, 2);
	cr_assert_eq(apicv_cr8_write(r.v, r.pm, 0x10, &exit), APICV_GP, "CR8 bits 63:4");
	rig_free(&r);
}

Test(apicv, no_tpr_threshold_exit_with_virtual_interrupt_delivery)
{
	struct rig r = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;

	vmcs_set(r.v, VMCS_TPR_THRESHOLD, 4);
	cr_assert_eq(mmio_write(&r, APIC_TASKPRI, 0x30, &exit), APICV_DONE);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0x30, "PPR virtualization instead");
	vmcs_set(r.v, VMCS_TPR_THRESHOLD, 0xf);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	rig_free(&r);
}

Test(apicv, tpr_threshold_checked_at_entry)
{
	struct rig r = rig_new(APIC_ACCESSES);
	struct apicv_exit exit;

	set_vreg(&r, APIC_TASKPRI, 0x30);
	vmcs_set(r.v, VMCS_TPR_THRESHOLD, 4);
	assert_exit(apicv_at_entry(r.v, r.pm, &exit), &exit, EXIT_REASON_TPR_BELOW_THRESHOLD, 0,
		    false);
	set_vreg(&r, APIC_TASKPRI, 0x40);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	rig_free(&r);
}

/* ---- EOI virtualization ---- */

/*
 * Vector 0x52 in service above 0x31, 0x41 requested: VPPR 0x50 holds 0x41
 * back until the EOI.
 */
static struct rig two_in_service(unsigned int cfg)
{
	struct rig r = rig_new(cfg);
	struct apicv_exit exit;

	set_vbit(&r, APIC_ISR, 0x31);
	set_vbit(&r, APIC_ISR, 0x52);
	set_vbit(&r, APIC_IRR, 0x41);
	set_intr_status(&r, 0x41, 0x52);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0x50);
	cr_assert_eq(apicv_pending(r.v, r.pm), -1, "0x41 is below VPPR's class");
	return r;
}

Test(apicv, virtual_eoi_retires_and_recognizes_the_next)
{
	struct rig r = two_in_service(APIC_ACCESSES | VID);
	struct apicv_exit exit;

	cr_assert_eq(mmio_write(&r, APIC_EOI, 0, &exit), APICV_DONE);
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_ISR, 0x52));
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_ISR, 0x31));
	cr_assert_eq(apicv_svi(r.v), 0x31);
	cr_assert_eq(apicv_rvi(r.v), 0x41);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0x30);
	cr_assert_eq(apicv_pending(r.v, r.pm), 0x41);
	cr_assert_eq(mmio_write(&r, APIC_EOI, 0, &exit), APICV_DONE);
	cr_assert_eq(apicv_svi(r.v), 0, "VISR empty: SVI 0");
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0);
	rig_free(&r);
}

Test(apicv, virtual_eoi_with_exit_bitmap_bit_exits)
{
	struct rig r = two_in_service(APIC_ACCESSES | VID);
	struct apicv_exit exit;

	vmcs_set(r.v, VMCS_EOI_EXIT_BITMAP1, 1ULL << (0x52 - 64));
	assert_exit(mmio_write(&r, APIC_EOI, 0, &exit), &exit, EXIT_REASON_EOI_INDUCED, 0x52, true);
	/* "EOI Virtualization" retires the vector before the exit. */
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_ISR, 0x52));
	cr_assert_eq(apicv_svi(r.v), 0x31);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0x30);
	cr_assert_eq(mmio_write(&r, APIC_EOI, 0, &exit), APICV_DONE, "0x31's bit is clear");
	rig_free(&r);
}

Test(apicv, virtual_eoi_through_msr)
{
	struct rig r = two_in_service(X2APIC | VID);
	struct apicv_exit exit;

	cr_assert_eq(msr_write(&r, 0x80b, 1, &exit), APICV_GP, "a non-zero EOI");
	cr_assert_eq(apicv_svi(r.v), 0x52);
	vmcs_set(r.v, VMCS_EOI_EXIT_BITMAP1, 1ULL << (0x52 - 64));
	assert_exit(msr_write(&r, 0x80b, 0, &exit), &exit, EXIT_REASON_EOI_INDUCED, 0x52, true);
	cr_assert_eq(apicv_svi(r.v), 0x31);
	rig_free(&r);
}

Test(apicv, eoi_and_self_ipi_need_virtual_interrupt_delivery)
{
	struct rig r = rig_new(APIC_ACCESSES | REG_VIRT);
	struct rig x = rig_new(X2APIC);
	struct apicv_exit exit;

	/* Virtualized as register writes, then left to the hypervisor. */
	assert_exit(mmio_write(&r, APIC_EOI, 0, &exit), &exit, EXIT_REASON_APIC_WRITE, APIC_EOI,
		    true);
	assert_exit(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | 0x61, &exit), &exit,
		    EXIT_REASON_APIC_WRITE, APIC_ICR, true);
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x61));
	cr_assert_eq(msr_write(&x, 0x80b, 0, &exit), APICV_NOT_VIRTUALIZED);
	cr_assert_eq(msr_write(&x, 0x83f, 0x40, &exit), APICV_NOT_VIRTUALIZED);
	rig_free(&r);
	rig_free(&x);
}

/* ---- memory-mapped accesses ---- */

Test(apicv, unvirtualized_offset_is_an_apic_access_exit)
{
	struct rig r = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;
	uint32_t val = 0x1234;

	assert_exit(apicv_mmio(r.v, r.pm, false, APIC_ID, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_ID, false);
	assert_exit(mmio_write(&r, APIC_TMICT, 0x1234, &exit), &exit, EXIT_REASON_APIC_ACCESS,
		    (1ULL << 12) | APIC_TMICT, false);
	cr_assert_eq(vreg(&r, APIC_TMICT), 0, "fault-like: nothing was written");
	/* Shape: bits 3:2 of the offset, more than 32 bits, crossing into bytes 7:4. */
	assert_exit(apicv_mmio(r.v, r.pm, false, APIC_TASKPRI + 4, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_TASKPRI + 4, false);
	assert_exit(apicv_mmio(r.v, r.pm, false, APIC_TASKPRI, 8, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_TASKPRI, false);
	assert_exit(apicv_mmio(r.v, r.pm, true, APIC_TASKPRI, 16, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, (1ULL << 12) | APIC_TASKPRI, false);
	assert_exit(apicv_mmio(r.v, r.pm, true, APIC_TASKPRI + 2, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, (1ULL << 12) | (APIC_TASKPRI + 2), false);
	rig_free(&r);
}

Test(apicv, what_is_virtualized_without_register_virtualization)
{
	struct rig tpr = rig_new(APIC_ACCESSES), vid = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;
	uint32_t val;

	set_vreg(&tpr, APIC_TASKPRI, 0x20);
	cr_assert_eq(apicv_mmio(tpr.v, tpr.pm, false, APIC_TASKPRI, 4, &val, &exit), APICV_DONE);
	cr_assert_eq(val, 0x20);
	assert_exit(apicv_mmio(tpr.v, tpr.pm, false, APIC_EOI, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_EOI, false);
	assert_exit(mmio_write(&tpr, APIC_ICR, 0x40, &exit), &exit, EXIT_REASON_APIC_ACCESS,
		    (1ULL << 12) | APIC_ICR, false);
	set_vreg(&vid, APIC_ICR, 0x4321);
	cr_assert_eq(apicv_mmio(vid.v, vid.pm, false, APIC_ICR, 4, &val, &exit), APICV_DONE);
	cr_assert_eq(val, 0x4321);
	assert_exit(apicv_mmio(vid.v, vid.pm, false, APIC_ICR2, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_ICR2, false);
	rig_free(&tpr);
	rig_free(&vid);
}

Test(apicv, register_virtualization_reads_the_virtual_apic_page)
{
	struct rig r = rig_new(APIC_ACCESSES | REG_VIRT | VID);
	struct rig plain = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;
	uint32_t val;

	set_vreg(&r, APIC_TMICT, 0x12345678);
	cr_assert_eq(apicv_mmio(r.v, r.pm, false, APIC_TMICT, 4, &val, &exit), APICV_DONE);
	cr_assert_eq(val, 0x12345678);
	cr_assert_eq(apicv_mmio(r.v, r.pm, false, APIC_TMICT + 1, 1, &val, &exit), APICV_DONE);
	cr_assert_eq(val, 0x56, "a byte within the register");
	assert_exit(apicv_mmio(r.v, r.pm, false, APIC_TMICT + 2, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_TMICT + 2, false);
	set_vbit(&r, APIC_IRR, 0x99);
	cr_assert_eq(apicv_mmio(r.v, r.pm, false, APIC_IRR + 0x40, 4, &val, &exit), APICV_DONE);
	cr_assert_eq(val, 1U << (0x99 % 32));
	/* Neither PPR nor the current count is on the list. */
	assert_exit(apicv_mmio(r.v, r.pm, false, APIC_PROCPRI, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_PROCPRI, false);
	assert_exit(apicv_mmio(r.v, r.pm, false, APIC_TMCCT, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_TMCCT, false);
	set_vreg(&plain, APIC_TMICT, 0x12345678);
	assert_exit(apicv_mmio(plain.v, plain.pm, false, APIC_TMICT, 4, &val, &exit), &exit,
		    EXIT_REASON_APIC_ACCESS, APIC_TMICT, false);
	rig_free(&r);
	rig_free(&plain);
}

Test(apicv, icr_write_lands_then_exits_as_apic_write)
{
	struct rig r = rig_new(APIC_ACCESSES | REG_VIRT | VID);
	struct apicv_exit exit;
	uint32_t ipi = APIC_DM_FIXED | APIC_DEST_NOSHORT | 0xfb;

	assert_exit(mmio_write(&r, APIC_ICR, ipi, &exit), &exit, EXIT_REASON_APIC_WRITE, APIC_ICR,
		    true);
	cr_assert_eq(vreg(&r, APIC_ICR), ipi, "trap-like: the write landed first");
	/* Other registers the hypervisor must emulate: the write lands, then the exit. */
	assert_exit(mmio_write(&r, APIC_LVTT, 0x20ef, &exit), &exit, EXIT_REASON_APIC_WRITE,
		    APIC_LVTT, true);
	cr_assert_eq(vreg(&r, APIC_LVTT), 0x20ef);
	/* ICR high: bytes 2:0 cleared, no exit. */
	cr_assert_eq(mmio_write(&r, APIC_ICR2, 0x030000ab, &exit), APICV_DONE);
	cr_assert_eq(vreg(&r, APIC_ICR2), 0x03000000);
	rig_free(&r);
}

Test(apicv, self_ipi_through_icr_is_virtualized)
{
	struct rig r = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;

	cr_assert_eq(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | 0x61, &exit), APICV_DONE);
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x61));
	cr_assert_eq(apicv_rvi(r.v), 0x61);
	cr_assert_eq(apicv_pending(r.v, r.pm), 0x61);
	/* A lower self IPI joins VIRR without lowering RVI. */
	cr_assert_eq(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | 0x35, &exit), APICV_DONE);
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x35));
	cr_assert_eq(apicv_rvi(r.v), 0x61);
	/* What the processor leaves to the hypervisor. */
	assert_exit(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | 0x0f, &exit), &exit,
		    EXIT_REASON_APIC_WRITE, APIC_ICR, true);
	assert_exit(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | APIC_INT_LEVELTRIG | 0x70, &exit),
		    &exit, EXIT_REASON_APIC_WRITE, APIC_ICR, true);
	assert_exit(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | APIC_DM_NMI | 0x70, &exit), &exit,
		    EXIT_REASON_APIC_WRITE, APIC_ICR, true);
	assert_exit(mmio_write(&r, APIC_ICR, APIC_DEST_ALLINC | 0x70, &exit), &exit,
		    EXIT_REASON_APIC_WRITE, APIC_ICR, true);
	assert_exit(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | APIC_ICR_BUSY | 0x70, &exit), &exit,
		    EXIT_REASON_APIC_WRITE, APIC_ICR, true);
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x70));
	rig_free(&r);
}

Test(apicv, not_virtualized_without_the_controls)
{
	struct rig r = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;
	uint64_t msr;
	uint32_t val;

	cr_assert(apicv_apic_access_page(r.v, PA_APIC_ACCESS + APIC_EOI));
	cr_assert_not(apicv_apic_access_page(r.v, PA_VAPIC + APIC_EOI));
	cr_assert_eq(apicv_msr(r.v, r.pm, false, 0x808, &msr, &exit), APICV_NOT_VIRTUALIZED);
	/* The secondary controls count only when activated. */
	vmcs_clear_bits(r.v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	cr_assert_not(apicv_apic_access_page(r.v, PA_APIC_ACCESS));
	cr_assert_eq(apicv_mmio(r.v, r.pm, false, APIC_TASKPRI, 4, &val, &exit),
		     APICV_NOT_VIRTUALIZED);
	set_intr_status(&r, 0x80, 0);
	cr_assert_eq(apicv_pending(r.v, r.pm), -1, "no virtual-interrupt delivery: no RVI");
	cr_assert_eq(apicv_deliver(r.v, r.pm), -1);
	cr_assert_eq(apicv_rvi(r.v), 0x80);
	/* Without "use TPR shadow" CR8 is the host's, and entry has no threshold to check. */
	vmcs_clear_bits(r.v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_TPR_SHADOW);
	vmcs_set(r.v, VMCS_TPR_THRESHOLD, 0xf);
	cr_assert_eq(apicv_cr8_read(r.v, r.pm, &msr), APICV_NOT_VIRTUALIZED);
	cr_assert_eq(apicv_cr8_write(r.v, r.pm, 0, &exit), APICV_NOT_VIRTUALIZED);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	rig_free(&r);
}

/* ---- MSR-based accesses ---- */

Test(apicv, x2apic_tpr_read_is_always_virtualized)
{
	struct rig r = rig_new(X2APIC), rv = rig_new(X2APIC | REG_VIRT);
	struct apicv_exit exit;
	uint64_t val;

	set_vreg(&r, APIC_TASKPRI, 0x7a);
	set_vreg(&r, APIC_TASKPRI + 4, 1);
	cr_assert_eq(apicv_msr(r.v, r.pm, false, 0x808, &val, &exit), APICV_DONE);
	cr_assert_eq(val, (1ULL << 32) | 0x7a, "the 8 bytes at 080H");
	cr_assert_eq(apicv_msr(r.v, r.pm, false, 0x80a, &val, &exit), APICV_NOT_VIRTUALIZED,
		     "PPR needs APIC-register virtualization");
	cr_assert_eq(apicv_msr(r.v, r.pm, false, 0x1b, &val, &exit), APICV_NOT_VIRTUALIZED);
	cr_assert_eq(msr_write(&r, 0x830, 0x40, &exit), APICV_NOT_VIRTUALIZED, "ICR: the host's");
	set_vreg(&rv, APIC_PROCPRI, 0x40);
	cr_assert_eq(apicv_msr(rv.v, rv.pm, false, 0x80a, &val, &exit), APICV_DONE);
	cr_assert_eq(val, 0x40);
	/* ICR: VICR_LO and the 4 bytes after it, not VICR_HI. */
	set_vreg(&rv, APIC_ICR, 0xfb);
	set_vreg(&rv, APIC_ICR + 4, 0x11);
	set_vreg(&rv, APIC_ICR2, 0x22000000);
	cr_assert_eq(apicv_msr(rv.v, rv.pm, false, 0x830, &val, &exit), APICV_DONE);
	cr_assert_eq(val, (0x11ULL << 32) | 0xfb);
	cr_assert_eq(apicv_msr(rv.v, rv.pm, false, 0x900, &val, &exit), APICV_NOT_VIRTUALIZED);
	rig_free(&r);
	rig_free(&rv);
}

Test(apicv, x2apic_self_ipi_is_virtualized_with_delivery)
{
	struct rig r = rig_new(X2APIC | VID);
	struct apicv_exit exit;

	cr_assert_eq(msr_write(&r, 0x83f, 0x61, &exit), APICV_DONE);
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x61));
	cr_assert_eq(apicv_rvi(r.v), 0x61);
	cr_assert_eq(msr_write(&r, 0x83f, 0x161, &exit), APICV_GP);
	assert_exit(msr_write(&r, 0x83f, 0x05, &exit), &exit, EXIT_REASON_APIC_WRITE,
		    APIC_SELF_IPI, true);
	cr_assert_eq(vreg(&r, APIC_SELF_IPI), 0x05, "the write landed for the hypervisor");
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x05));
	rig_free(&r);
}

/* ---- evaluation and delivery ---- */

Test(apicv, same_or_lower_priority_class_is_not_recognized)
{
	struct rig r = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;

	set_vreg(&r, APIC_TASKPRI, 0x40);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0x40, "PPR virtualization at entry");
	set_intr_status(&r, 0x4f, 0);
	cr_assert_eq(apicv_pending(r.v, r.pm), -1, "same class as VPPR");
	set_intr_status(&r, 0x3f, 0);
	cr_assert_eq(apicv_pending(r.v, r.pm), -1, "lower class");
	set_intr_status(&r, 0x50, 0);
	cr_assert_eq(apicv_pending(r.v, r.pm), 0x50);
	/* In service: VPPR is SVI's class when above VTPR's. */
	set_vbit(&r, APIC_ISR, 0x68);
	set_intr_status(&r, 0x65, 0x68);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0x60);
	cr_assert_eq(apicv_pending(r.v, r.pm), -1);
	set_intr_status(&r, 0x70, 0x68);
	cr_assert_eq(apicv_pending(r.v, r.pm), 0x70);
	/* Interrupt-window exiting: nothing is recognized ("Evaluation of Pending Virtual Interrupts"). */
	vmcs_set_bits(r.v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INTR_WINDOW_EXITING);
	cr_assert_eq(apicv_pending(r.v, r.pm), -1);
	rig_free(&r);
}

Test(apicv, delivery_moves_the_vector_into_service)
{
	struct rig r = rig_new(APIC_ACCESSES | VID);
	struct apicv_exit exit;

	set_vbit(&r, APIC_IRR, 0x45);
	set_vbit(&r, APIC_IRR, 0x62);
	set_intr_status(&r, 0x62, 0);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	cr_assert_eq(apicv_deliver(r.v, r.pm), 0x62);
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_ISR, 0x62));
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x62));
	cr_assert_eq(apicv_svi(r.v), 0x62);
	cr_assert_eq(apicv_rvi(r.v), 0x45);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0x60);
	cr_assert_eq(apicv_deliver(r.v, r.pm), -1, "0x45 waits for the EOI");
	cr_assert_eq(apicv_rvi(r.v), 0x45, "an empty delivery changes nothing");
	rig_free(&r);
}

/* ---- posted interrupts ---- */

static struct apicv_pi_ctl pi_ctl(const struct rig *r)
{
	struct apicv_pi_ctl ctl;

	cr_assert(apicv_pi_ctl(r->pm, PA_PI_DESC, &ctl));
	return ctl;
}

static bool pir_bit(const struct rig *r, uint8_t vector)
{
	const uint8_t *desc = phys_va(r->pm, PA_PI_DESC);

	return (desc[vector / 8] >> (vector % 8)) & 1;
}

static bool pir_empty(const struct rig *r)
{
	static const uint8_t zero[32];

	return !memcmp(phys_va(r->pm, PA_PI_DESC), zero, sizeof(zero));
}

Test(apicv, post_notifies_once_until_on_is_cleared)
{
	struct rig r = rig_new(APIC_ACCESSES | VID | POSTED);

	apicv_pi_configure(r.pm, PA_PI_DESC, false, PI_VECTOR, 3);
	cr_assert_eq(pi_ctl(&r).nv, PI_VECTOR);
	cr_assert_eq(pi_ctl(&r).ndst, 3);
	cr_assert(apicv_pi_post(r.pm, PA_PI_DESC, 0x41), "ON was clear: notify");
	cr_assert(pir_bit(&r, 0x41));
	cr_assert(pi_ctl(&r).on);
	cr_assert_not(apicv_pi_post(r.pm, PA_PI_DESC, 0x42), "ON set: a notification is on its way");
	cr_assert(pir_bit(&r, 0x42));
	cr_assert_geq(apicv_pi_process(r.v, r.pm), 0);
	cr_assert_not(pi_ctl(&r).on);
	cr_assert(apicv_pi_post(r.pm, PA_PI_DESC, 0x43), "ON cleared by processing: notify again");
	cr_assert_eq(pi_ctl(&r).ndst, 3, "posting leaves NV and NDST");
	cr_assert_eq(pi_ctl(&r).nv, PI_VECTOR);
	rig_free(&r);
}

Test(apicv, suppress_notification)
{
	struct rig r = rig_new(APIC_ACCESSES | VID | POSTED);

	apicv_pi_configure(r.pm, PA_PI_DESC, true, PI_VECTOR, 1);
	cr_assert_not(apicv_pi_post(r.pm, PA_PI_DESC, 0x51));
	cr_assert(pir_bit(&r, 0x51), "the vector is posted all the same");
	cr_assert_not(pi_ctl(&r).on, "VT-d leaves ON clear under SN");
	cr_assert_not(apicv_pi_post(r.pm, PA_PI_DESC, 0x52));
	apicv_pi_configure(r.pm, PA_PI_DESC, false, PI_VECTOR, 1);
	cr_assert(apicv_pi_post(r.pm, PA_PI_DESC, 0x53), "SN cleared: the next post notifies");
	cr_assert(pi_ctl(&r).on);
	rig_free(&r);
}

Test(apicv, processing_moves_pir_into_virr_and_delivery_follows)
{
	struct rig r = rig_new(APIC_ACCESSES | VID | POSTED);
	struct apicv_exit exit;

	set_vbit(&r, APIC_IRR, 0x31);
	set_intr_status(&r, 0x31, 0);
	cr_assert_eq(apicv_at_entry(r.v, r.pm, &exit), APICV_DONE);
	apicv_pi_post(r.pm, PA_PI_DESC, 0x45);
	apicv_pi_post(r.pm, PA_PI_DESC, 0x62);
	apicv_pi_post(r.pm, PA_PI_DESC, 0xfe);
	cr_assert(apicv_pi_notification(r.v, PI_VECTOR));
	cr_assert_not(apicv_pi_notification(r.v, 0xfb));
	cr_assert_eq(apicv_pi_process(r.v, r.pm), 0xfe);
	cr_assert_not(pi_ctl(&r).on);
	cr_assert(pir_empty(&r));
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x31));
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x45));
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x62));
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0xfe));
	cr_assert_eq(apicv_rvi(r.v), 0xfe);
	cr_assert_eq(apicv_deliver(r.v, r.pm), 0xfe);
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_ISR, 0xfe));
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0xfe));
	cr_assert_eq(apicv_svi(r.v), 0xfe);
	cr_assert_eq(vreg(&r, APIC_PROCPRI), 0xf0);
	cr_assert_eq(apicv_rvi(r.v), 0x62);
	cr_assert_eq(apicv_pending(r.v, r.pm), -1);
	cr_assert_eq(mmio_write(&r, APIC_EOI, 0, &exit), APICV_DONE);
	cr_assert_eq(apicv_deliver(r.v, r.pm), 0x62);
	rig_free(&r);
}

Test(apicv, processing_keeps_a_higher_rvi)
{
	struct rig r = rig_new(APIC_ACCESSES | VID | POSTED);

	set_vbit(&r, APIC_IRR, 0x70);
	set_intr_status(&r, 0x70, 0);
	apicv_pi_post(r.pm, PA_PI_DESC, 0x45);
	cr_assert_eq(apicv_pi_process(r.v, r.pm), 0x70);
	cr_assert_eq(apicv_rvi(r.v), 0x70, "RVI is the maximum of itself and the PIR");
	/* An empty PIR leaves RVI alone. */
	set_intr_status(&r, 0x10, 0);
	cr_assert_eq(apicv_pi_process(r.v, r.pm), 0x10);
	cr_assert_eq(apicv_rvi(r.v), 0x10);
	rig_free(&r);
}

Test(apicv, no_processing_without_posted_interrupts)
{
	struct rig r = rig_new(APIC_ACCESSES | VID);

	vmcs_set(r.v, VMCS_POSTED_INTR_DESC_ADDR, PA_PI_DESC);
	vmcs_set(r.v, VMCS_POSTED_INTR_NV, PI_VECTOR);
	apicv_pi_post(r.pm, PA_PI_DESC, 0x45);
	cr_assert_not(apicv_pi_notification(r.v, PI_VECTOR));
	cr_assert_eq(apicv_pi_process(r.v, r.pm), -1);
	cr_assert(pir_bit(&r, 0x45));
	cr_assert(pi_ctl(&r).on);
	cr_assert_not(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x45));
	rig_free(&r);
}

Test(apicv, host_sync_merges_pir_and_sets_rvi)
{
	struct rig r = rig_new(APIC_ACCESSES | VID | POSTED);

	set_intr_status(&r, 0x70, 0);
	apicv_pi_post(r.pm, PA_PI_DESC, 0x33);
	apicv_pi_post(r.pm, PA_PI_DESC, 0x44);
	cr_assert_eq(apicv_host_sync_pir(r.v, r.pm), 0x44);
	cr_assert(pir_empty(&r));
	cr_assert_not(pi_ctl(&r).on);
	cr_assert(apicv_vapic_test(r.v, r.pm, APIC_IRR, 0x33));
	cr_assert_eq(apicv_rvi(r.v), 0x44, "software sets RVI to the highest VIRR vector");
	rig_free(&r);
}

/* ---- memory the machine lacks ---- */

Test(apicv, pages_outside_memory_read_zero_and_drop_writes)
{
	struct rig r = rig_new(APIC_ACCESSES | VID | POSTED);
	struct apicv_exit exit;
	struct apicv_pi_ctl ctl;
	uint32_t val = 0xffffffff;

	vmcs_set(r.v, VMCS_VIRTUAL_APIC_PAGE_ADDR, PA_NOWHERE);
	vmcs_set(r.v, VMCS_POSTED_INTR_DESC_ADDR, PA_NOWHERE + 0x1000);
	cr_assert_eq(apicv_mmio(r.v, r.pm, false, APIC_TASKPRI, 4, &val, &exit), APICV_DONE);
	cr_assert_eq(val, 0);
	/* The write is dropped, so VICR_LO reads 0: no self IPI, the hypervisor's to look at. */
	assert_exit(mmio_write(&r, APIC_ICR, APIC_DEST_SELF | 0x61, &exit), &exit,
		    EXIT_REASON_APIC_WRITE, APIC_ICR, true);
	cr_assert_eq(apicv_rvi(r.v), 0);
	cr_assert_eq(apicv_vapic_read(r.v, r.pm, APIC_ICR), 0);
	cr_assert_not(apicv_pi_post(r.pm, PA_NOWHERE + 0x1000, 0x40));
	cr_assert_not(apicv_pi_ctl(r.pm, PA_NOWHERE + 0x1000, &ctl));
	cr_assert_eq(apicv_pi_process(r.v, r.pm), -1);
	rig_free(&r);
}
