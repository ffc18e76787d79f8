// SPDX-License-Identifier: MIT
/*
 * APIC virtualization and posted interrupts (apicv.h), as the Intel SDM,
 * Vol. 3C, chapter "APIC Virtualization and Virtual Interrupts" gives them;
 * each function names the section it follows.
 *
 * Every operation here is one uninterruptible step of the processor: no
 * simulated CPU runs between its reads and writes of the virtual-APIC page
 * and the descriptor, which is the atomicity "Posted-Interrupt Processing"
 * asks of the PIR's read-and-clear.
 *
 * What the guest, the VMCS or a hypervisor can cause is a value (an exit,
 * #GP, "not virtualized"); only a caller passing an access the page cannot
 * hold is a simulator bug.
 */
#include "vmx/apicv.h"

#include <string.h>

#include "engine/bug.h"
#include "hvsim/x86/apicdef.h"
#include "hvsim/x86/vmx.h"
#include "mem/phys.h"
#include "vmx/vmcs.h"

#define VAPIC_PAGE_SIZE		4096u
/* The x2APIC MSRs "virtualize x2APIC mode" covers ("Virtualizing MSR-Based APIC Accesses"). */
#define X2APIC_VIRT_FIRST	0x800u
#define X2APIC_VIRT_LAST	0x8ffu
#define X2APIC_MSR(offset)	(APIC_BASE_MSR + (offset) / 16)

/*
 * The posted-interrupt descriptor, by byte (table "Format of Posted-Interrupt
 * Descriptor"; SN, NV and NDST as Intel VT-d defines them): PIR in bytes 31:0, ON and
 * SN bits 0 and 1 of byte 32, NV byte 34, NDST bytes 39:36.
 */
#define PI_DESC_SIZE		64u
#define PI_CTL			32
#define PI_ON			(1u << 0)
#define PI_SN			(1u << 1)
#define PI_NV			34
#define PI_NDST			36

/*
 * ICR bits a self IPI must have clear to be virtualized ("APIC-Write
 * Emulation"): reserved 31:20, 17:16 and 13, and 12, delivery status.
 */
#define ICR_SELF_IPI_MBZ	0xfff33000U

/* The controls as the processor acts on them (apicv.h: refused pairs count as 0). */
struct ctls {
	bool tpr_shadow;	/* use TPR shadow */
	bool apic_accesses;	/* virtualize APIC accesses */
	bool x2apic;		/* virtualize x2APIC mode */
	bool reg_virt;		/* APIC-register virtualization */
	bool vid;		/* virtual-interrupt delivery */
	bool posted;		/* process posted interrupts */
	bool intr_window;	/* interrupt-window exiting */
};

static struct ctls ctls_of(const struct vmcs *v)
{
	uint64_t pin = vmcs_get(v, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	uint64_t proc = vmcs_get(v, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	/* "Processor-Based VM-Execution Controls": the secondary ones are 0 unless activated. */
	uint64_t proc2 = (proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) ?
			 vmcs_get(v, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	struct ctls c = {
		.tpr_shadow = proc & CPU_BASED_TPR_SHADOW,
		.apic_accesses = proc2 & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES,
		.intr_window = proc & CPU_BASED_INTR_WINDOW_EXITING,
	};

	c.x2apic = c.tpr_shadow && (proc2 & SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE);
	c.reg_virt = c.tpr_shadow && (proc2 & SECONDARY_EXEC_APIC_REGISTER_VIRT);
	c.vid = c.tpr_shadow && (proc2 & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	c.posted = c.vid && (pin & PIN_BASED_POSTED_INTR);
	return c;
}

/* ---- memory ---- */

/* [@pa, @pa + @len) in the host's mapping, or NULL when the arena lacks any of it. */
static uint8_t *mem_range(const struct phys_mem *pm, uint64_t pa, size_t len)
{
	uint8_t *p = phys_va(pm, pa);

	return p && phys_contains(pm, (uintptr_t)p, len) ? p : NULL;
}

static uint8_t *vapic_page(const struct vmcs *v, const struct phys_mem *pm)
{
	return mem_range(pm, vmcs_get(v, VMCS_VIRTUAL_APIC_PAGE_ADDR), VAPIC_PAGE_SIZE);
}

/*
 * @size bytes at @off of a page that may be missing (NULL: reads 0, writes
 * dropped). Little-endian, as x86 memory is and the host is.
 */
static uint64_t page_get(const uint8_t *page, uint32_t off, unsigned int size)
{
	uint64_t val = 0;

	if (page)
		memcpy(&val, page + off, size);
	return val;
}

static void page_put(uint8_t *page, uint32_t off, unsigned int size, uint64_t val)
{
	if (page)
		memcpy(page + off, &val, size);
}

/*
 * The 256-bit virtual registers (VISR, VTMR, VIRR): bit x at bit x & 1FH of
 * the 32-bit field at @base + (x & E0H) / 2 ("Virtualized APIC Registers").
 */
static uint32_t vreg_field(uint32_t base, unsigned int vector)
{
	return base + (vector / 32) * 16;
}

static bool vreg_test(const uint8_t *page, uint32_t base, unsigned int vector)
{
	return (page_get(page, vreg_field(base, vector), 4) >> (vector % 32)) & 1;
}

static void vreg_assign(uint8_t *page, uint32_t base, unsigned int vector, bool set)
{
	uint32_t off = vreg_field(base, vector), bits = (uint32_t)page_get(page, off, 4);
	uint32_t bit = 1U << (vector % 32);

	page_put(page, off, 4, set ? bits | bit : bits & ~bit);
}

/* The highest vector set, or -1. */
static int vreg_highest(const uint8_t *page, uint32_t base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t bits = (uint32_t)page_get(page, vreg_field(base, 32 * (unsigned int)i), 4);

		if (bits)
			return 32 * i + 31 - __builtin_clz(bits);
	}
	return -1;
}

/* ---- guest interrupt status ("Guest Non-Register State") ---- */

uint8_t apicv_rvi(const struct vmcs *v)
{
	return (uint8_t)vmcs_get(v, VMCS_GUEST_INTR_STATUS);
}

uint8_t apicv_svi(const struct vmcs *v)
{
	return (uint8_t)(vmcs_get(v, VMCS_GUEST_INTR_STATUS) >> 8);
}

static void set_rvi(struct vmcs *v, uint8_t rvi)
{
	vmcs_set(v, VMCS_GUEST_INTR_STATUS, (vmcs_get(v, VMCS_GUEST_INTR_STATUS) & 0xff00) | rvi);
}

static void set_svi(struct vmcs *v, uint8_t svi)
{
	vmcs_set(v, VMCS_GUEST_INTR_STATUS,
		 (vmcs_get(v, VMCS_GUEST_INTR_STATUS) & 0xff) | ((uint64_t)svi << 8));
}

/* "no bit set: 0", as the pseudocode writes RVI and SVI. */
static uint8_t vector_or_0(int vector)
{
	return vector < 0 ? 0 : (uint8_t)vector;
}

uint32_t apicv_vapic_read(const struct vmcs *v, const struct phys_mem *pm, uint32_t offset)
{
	SIM_BUG_ON(offset % 4 || offset > VAPIC_PAGE_SIZE - 4);
	return (uint32_t)page_get(vapic_page(v, pm), offset, 4);
}

void apicv_vapic_write(const struct vmcs *v, struct phys_mem *pm, uint32_t offset, uint32_t val)
{
	SIM_BUG_ON(offset % 4 || offset > VAPIC_PAGE_SIZE - 4);
	page_put(vapic_page(v, pm), offset, 4, val);
}

bool apicv_vapic_test(const struct vmcs *v, const struct phys_mem *pm, uint32_t reg,
		      uint8_t vector)
{
	SIM_BUG_ON(reg != APIC_ISR && reg != APIC_TMR && reg != APIC_IRR);
	return vreg_test(vapic_page(v, pm), reg, vector);
}

/* ---- the virtualizations of "Virtual APIC State" ---- */

/* One operation on the virtual APIC: its VMCS, controls and page. */
struct vapic {
	struct vmcs *v;
	struct ctls c;
	uint8_t *page;		/* NULL: not in memory */
};

static struct vapic vapic_of(struct vmcs *v, const struct phys_mem *pm)
{
	return (struct vapic){ .v = v, .c = ctls_of(v), .page = vapic_page(v, pm) };
}

static enum apicv_result exit_with(struct apicv_exit *exit, uint32_t reason, uint64_t qual,
				   bool trap)
{
	*exit = (struct apicv_exit){ .reason = reason, .qual = qual, .trap = trap };
	return APICV_EXIT;
}

/*
 * VTPR[7:4] < TPR threshold[3:0] ("TPR Virtualization"); without
 * virtual-interrupt delivery, where this is asked, VM entry made sure the
 * threshold's bits 31:4 are 0.
 */
static bool tpr_below_threshold(const struct vapic *a)
{
	uint64_t vtpr = page_get(a->page, APIC_TASKPRI, 1);

	return (vtpr >> 4) < (vmcs_get(a->v, VMCS_TPR_THRESHOLD) & 0xf);
}

/* "PPR Virtualization". */
static void ppr_virtualize(const struct vapic *a)
{
	uint32_t vtpr = (uint32_t)page_get(a->page, APIC_TASKPRI, 4), svi = apicv_svi(a->v);
	uint32_t vppr = ((vtpr >> 4) & 0xf) >= (svi >> 4) ? vtpr & 0xff : svi & 0xf0;

	page_put(a->page, APIC_PROCPRI, 4, vppr);
}

/*
 * "TPR Virtualization", after VTPR was written. Evaluation of pending
 * virtual interrupts is apicv_pending()'s, whenever the caller asks.
 */
static enum apicv_result tpr_virtualize(const struct vapic *a, struct apicv_exit *exit)
{
	if (a->c.vid) {
		ppr_virtualize(a);
		return APICV_DONE;
	}
	if (tpr_below_threshold(a))
		return exit_with(exit, EXIT_REASON_TPR_BELOW_THRESHOLD, 0, true);
	return APICV_DONE;
}

/* Bit @vector of EOI_EXIT_BITMAP0..3 ("Controls for APIC Virtualization"): its EOI exits. */
static bool eoi_exits(const struct vmcs *v, uint8_t vector)
{
	static const uint32_t bitmap[4] = {
		VMCS_EOI_EXIT_BITMAP0, VMCS_EOI_EXIT_BITMAP1,
		VMCS_EOI_EXIT_BITMAP2, VMCS_EOI_EXIT_BITMAP3,
	};

	return (vmcs_get(v, bitmap[vector / 64]) >> (vector % 64)) & 1;
}

/*
 * "EOI Virtualization": SVI's vector leaves VISR, SVI becomes the next one,
 * PPR virtualization; then the EOI-induced exit (trap-like, qualification
 * the vector) if the EOI-exit bitmap asks for one. VISR and SVI are
 * updated before that exit too: the hypervisor sees them retired.
 */
static enum apicv_result eoi_virtualize(const struct vapic *a, struct apicv_exit *exit)
{
	uint8_t vector = apicv_svi(a->v);

	vreg_assign(a->page, APIC_ISR, vector, false);
	set_svi(a->v, vector_or_0(vreg_highest(a->page, APIC_ISR)));
	ppr_virtualize(a);
	if (eoi_exits(a->v, vector))
		return exit_with(exit, EXIT_REASON_EOI_INDUCED, vector, true);
	return APICV_DONE;
}

/* "Self-IPI Virtualization". */
static void self_ipi_virtualize(const struct vapic *a, uint8_t vector)
{
	vreg_assign(a->page, APIC_IRR, vector, true);
	if (vector > apicv_rvi(a->v))
		set_rvi(a->v, vector);
}

/* ---- memory-mapped accesses ("Virtualizing Memory-Mapped APIC Accesses") ---- */

bool apicv_apic_access_page(const struct vmcs *v, uint64_t pa)
{
	return ctls_of(v).apic_accesses &&
	       pa / VAPIC_PAGE_SIZE == vmcs_get(v, VMCS_APIC_ACCESS_ADDR) / VAPIC_PAGE_SIZE;
}

/*
 * What any virtualized access needs, read or write: "use TPR shadow", at
 * most 32 bits, and both its first and last byte in the low 4 bytes of a
 * 16-byte aligned region (bits 3:2 of their offsets 0).
 */
static bool access_shape_ok(const struct ctls *c, uint32_t offset, unsigned int size)
{
	return c->tpr_shadow && size <= 4 && !(offset & 0xc) && !((offset + size - 1) & 0xc);
}

/* Without APIC-register virtualization: the access's offset is exactly one of these. */
static bool basic_offset_virtualized(const struct ctls *c, uint32_t offset)
{
	return offset == APIC_TASKPRI || (c->vid && (offset == APIC_EOI || offset == APIC_ICR));
}

/* With APIC-register virtualization, "Virtualizing Writes to the APIC-Access Page". */
static bool reg_virt_writable(uint32_t reg)
{
	switch (reg) {
	case APIC_ID:
	case APIC_TASKPRI:
	case APIC_EOI:
	case APIC_LDR:
	case APIC_DFR:
	case APIC_SPIV:
	case APIC_ESR:
	case APIC_ICR:
	case APIC_ICR2:
	case APIC_TMICT:
	case APIC_TDCR:
		return true;
	default:
		return reg >= APIC_LVTT && reg <= APIC_LVTERR;
	}
}

/* ... and "Virtualizing Reads from the APIC-Access Page": those, the version, ISR, TMR, IRR. */
static bool reg_virt_readable(uint32_t reg)
{
	return reg_virt_writable(reg) || reg == APIC_LVR ||
	       (reg >= APIC_ISR && reg < APIC_ESR);
}

static bool mmio_virtualized(const struct ctls *c, bool write, uint32_t offset,
			     unsigned int size)
{
	uint32_t reg = offset & ~0xfu;

	if (!access_shape_ok(c, offset, size))
		return false;
	if (!c->reg_virt)
		return basic_offset_virtualized(c, offset);
	return write ? reg_virt_writable(reg) : reg_virt_readable(reg);
}

/*
 * VICR_LO names a self IPI the processor virtualizes ("APIC-Write
 * Emulation"): reserved bits and delivery status clear, shorthand self,
 * edge-triggered, fixed, and a vector of 16 or above (bits 7:4 not 0).
 */
static bool icr_is_virtual_self_ipi(uint32_t icr)
{
	return !(icr & ICR_SELF_IPI_MBZ) && (icr & APIC_SHORT_MASK) == APIC_DEST_SELF &&
	       !(icr & APIC_INT_LEVELTRIG) && (icr & APIC_DM_MASK) == APIC_DM_FIXED &&
	       (icr & 0xf0);
}

/*
 * "APIC-Write Emulation", after a virtualized write at @offset has landed
 * on the virtual-APIC page; anything it does not finish itself is a
 * trap-like APIC-write exit whose qualification is the write's offset.
 */
static enum apicv_result apic_write_emulate(const struct vapic *a, uint32_t offset,
					    struct apicv_exit *exit)
{
	uint32_t icr;

	switch (offset & ~0xfu) {
	case APIC_TASKPRI:
		page_put(a->page, APIC_TASKPRI + 1, 3, 0);
		return tpr_virtualize(a, exit);
	case APIC_EOI:
		if (!a->c.vid)
			break;
		page_put(a->page, APIC_EOI, 4, 0);
		return eoi_virtualize(a, exit);
	case APIC_ICR:
		icr = (uint32_t)page_get(a->page, APIC_ICR, 4);
		if (!a->c.vid || !icr_is_virtual_self_ipi(icr))
			break;
		self_ipi_virtualize(a, (uint8_t)icr);
		return APICV_DONE;
	case APIC_ICR2:
		/* Bytes 2:0 of VICR_HI are cleared; no exit (the destination is bits 31:24). */
		page_put(a->page, APIC_ICR2, 3, 0);
		return APICV_DONE;
	default:
		break;
	}
	return exit_with(exit, EXIT_REASON_APIC_WRITE, offset, true);
}

enum apicv_result apicv_mmio(struct vmcs *v, struct phys_mem *pm, bool write, uint32_t offset,
			     unsigned int size, uint32_t *val, struct apicv_exit *exit)
{
	struct vapic a = vapic_of(v, pm);
	uint64_t type = write ? APICV_ACCESS_LINEAR_WRITE : APICV_ACCESS_LINEAR_READ;

	SIM_BUG_ON(!size || offset >= VAPIC_PAGE_SIZE || size > VAPIC_PAGE_SIZE - offset);
	if (!a.c.apic_accesses)
		return APICV_NOT_VIRTUALIZED;
	if (!mmio_virtualized(&a.c, write, offset, size))
		return exit_with(exit, EXIT_REASON_APIC_ACCESS,
				 offset | (type << APICV_ACCESS_TYPE_SHIFT), false);
	if (!write) {
		*val = (uint32_t)page_get(a.page, offset, size);
		return APICV_DONE;
	}
	page_put(a.page, offset, size, *val);
	return apic_write_emulate(&a, offset, exit);
}

/* ---- MSR-based accesses ("Virtualizing MSR-Based APIC Accesses") ---- */

/*
 * RDMSR reads the 8 bytes at (ECX & FFH) << 4: for the ICR (830H) that is
 * VICR_LO and the 4 bytes after it, not VICR_HI, as the SDM says.
 */
static enum apicv_result rdmsr_virtualize(const struct vapic *a, uint32_t msr, uint64_t *val)
{
	if (msr != X2APIC_MSR(APIC_TASKPRI) && !a->c.reg_virt)
		return APICV_NOT_VIRTUALIZED;
	*val = page_get(a->page, (msr & 0xff) << 4, 8);
	return APICV_DONE;
}

/*
 * WRMSR of the TPR, and with virtual-interrupt delivery of EOI and SELF IPI:
 * reserved bits #GP (EDX and EAX[31:8]; for EOI any bit), else the 8 bytes
 * at the register's offset are written and the register's virtualization
 * follows. A self IPI of a vector below 16 is left to the hypervisor: an
 * APIC-write exit with qualification 3F0H.
 */
static enum apicv_result wrmsr_virtualize(const struct vapic *a, uint32_t msr, uint64_t val,
					  struct apicv_exit *exit)
{
	switch (msr) {
	case X2APIC_MSR(APIC_TASKPRI):
		if (val & ~0xffULL)
			return APICV_GP;
		page_put(a->page, APIC_TASKPRI, 8, val);
		return tpr_virtualize(a, exit);
	case X2APIC_MSR(APIC_EOI):
		if (!a->c.vid)
			break;
		if (val)
			return APICV_GP;
		/* VEOI reads 0 afterwards, as after an EOI through the page. */
		page_put(a->page, APIC_EOI, 8, 0);
		return eoi_virtualize(a, exit);
	case X2APIC_MSR(APIC_SELF_IPI):
		if (!a->c.vid)
			break;
		if (val & ~0xffULL)
			return APICV_GP;
		page_put(a->page, APIC_SELF_IPI, 8, val);
		if (!(val & 0xf0))
			return exit_with(exit, EXIT_REASON_APIC_WRITE, APIC_SELF_IPI, true);
		self_ipi_virtualize(a, (uint8_t)val);
		return APICV_DONE;
	default:
		break;
	}
	return APICV_NOT_VIRTUALIZED;
}

enum apicv_result apicv_msr(struct vmcs *v, struct phys_mem *pm, bool write, uint32_t msr,
			    uint64_t *val, struct apicv_exit *exit)
{
	struct vapic a = vapic_of(v, pm);

	if (!a.c.x2apic || msr < X2APIC_VIRT_FIRST || msr > X2APIC_VIRT_LAST)
		return APICV_NOT_VIRTUALIZED;
	return write ? wrmsr_virtualize(&a, msr, *val, exit) : rdmsr_virtualize(&a, msr, val);
}

/* ---- CR8 ("Virtualizing CR8-Based TPR Accesses") ---- */

enum apicv_result apicv_cr8_read(const struct vmcs *v, const struct phys_mem *pm, uint64_t *val)
{
	if (!ctls_of(v).tpr_shadow)
		return APICV_NOT_VIRTUALIZED;
	*val = page_get(vapic_page(v, pm), APIC_TASKPRI, 1) >> 4;
	return APICV_DONE;
}

/* Bits 3:0 go to VTPR[7:4]; the rest of VTPR is cleared; then TPR virtualization. */
enum apicv_result apicv_cr8_write(struct vmcs *v, struct phys_mem *pm, uint64_t val,
				  struct apicv_exit *exit)
{
	struct vapic a = vapic_of(v, pm);

	if (!a.c.tpr_shadow)
		return APICV_NOT_VIRTUALIZED;
	if (val & ~0xfULL)
		return APICV_GP;
	page_put(a.page, APIC_TASKPRI, 4, val << 4);
	return tpr_virtualize(&a, exit);
}

/* ---- virtual interrupts ("Evaluation and Delivery of Virtual Interrupts") ---- */

/*
 * VM entry's part. Entry's own checks already refused TPR threshold >
 * VTPR[7:4] without "virtualize APIC accesses"; with it, the same
 * comparison is an exit right after entry, before any guest instruction
 * (not trap-like: RIP is the one entry loaded).
 */
enum apicv_result apicv_at_entry(struct vmcs *v, struct phys_mem *pm, struct apicv_exit *exit)
{
	struct vapic a = vapic_of(v, pm);

	if (!a.c.tpr_shadow)
		return APICV_DONE;
	if (a.c.vid) {
		ppr_virtualize(&a);
		return APICV_DONE;
	}
	if (tpr_below_threshold(&a))
		return exit_with(exit, EXIT_REASON_TPR_BELOW_THRESHOLD, 0, false);
	return APICV_DONE;
}

/* "Evaluation of Pending Virtual Interrupts". */
int apicv_pending(const struct vmcs *v, const struct phys_mem *pm)
{
	struct ctls c = ctls_of(v);
	uint8_t rvi = apicv_rvi(v);
	uint64_t vppr;

	if (!c.vid || c.intr_window)
		return -1;
	vppr = page_get(vapic_page(v, pm), APIC_PROCPRI, 4);
	return (rvi >> 4) > ((vppr >> 4) & 0xf) ? rvi : -1;
}

/* "Virtual-Interrupt Delivery". */
int apicv_deliver(struct vmcs *v, struct phys_mem *pm)
{
	int vector = apicv_pending(v, pm);
	uint8_t *page;

	if (vector < 0)
		return -1;
	page = vapic_page(v, pm);
	vreg_assign(page, APIC_ISR, (unsigned int)vector, true);
	set_svi(v, (uint8_t)vector);
	page_put(page, APIC_PROCPRI, 4, (uint32_t)vector & 0xf0);
	vreg_assign(page, APIC_IRR, (unsigned int)vector, false);
	set_rvi(v, vector_or_0(vreg_highest(page, APIC_IRR)));
	return vector;
}

/* ---- posted interrupts ("Posted-Interrupt Processing") ---- */

static uint8_t *pi_desc(const struct phys_mem *pm, uint64_t desc_pa)
{
	return mem_range(pm, desc_pa, PI_DESC_SIZE);
}

/*
 * OR the PIR into VIRR and clear it, 32 vectors at a time (PIR bit x is
 * bit x % 32 of its 32-bit word x / 32). Returns the highest PIR vector,
 * or -1 when the PIR was empty.
 */
static int pir_to_virr(uint8_t *desc, uint8_t *page)
{
	int highest = -1;

	for (unsigned int i = 0; i < 8; i++) {
		uint32_t pir;

		memcpy(&pir, desc + 4 * i, 4);
		if (!pir)
			continue;
		memset(desc + 4 * i, 0, 4);
		page_put(page, APIC_IRR + 16 * i, 4, page_get(page, APIC_IRR + 16 * i, 4) | pir);
		highest = (int)(32 * i) + 31 - __builtin_clz(pir);
	}
	return highest;
}

bool apicv_pi_notification(const struct vmcs *v, uint8_t vector)
{
	return ctls_of(v).posted && vmcs_get(v, VMCS_POSTED_INTR_NV) == vector;
}

/*
 * Steps 3, 5, 6 and 7: ON cleared, PIR into VIRR, RVI raised, evaluation.
 * A descriptor outside memory reads as zeros: an empty PIR, RVI unchanged.
 */
int apicv_pi_process(struct vmcs *v, struct phys_mem *pm)
{
	uint8_t *desc;
	int highest;

	if (!ctls_of(v).posted)
		return -1;
	desc = pi_desc(pm, vmcs_get(v, VMCS_POSTED_INTR_DESC_ADDR));
	if (desc) {
		desc[PI_CTL] &= (uint8_t)~PI_ON;
		highest = pir_to_virr(desc, vapic_page(v, pm));
		if (highest > apicv_rvi(v))
			set_rvi(v, (uint8_t)highest);
	}
	return apicv_pending(v, pm);
}

bool apicv_pi_ctl(const struct phys_mem *pm, uint64_t desc_pa, struct apicv_pi_ctl *ctl)
{
	const uint8_t *desc = pi_desc(pm, desc_pa);

	if (!desc)
		return false;
	ctl->on = desc[PI_CTL] & PI_ON;
	ctl->sn = desc[PI_CTL] & PI_SN;
	ctl->nv = desc[PI_NV];
	memcpy(&ctl->ndst, desc + PI_NDST, 4);
	return true;
}

void apicv_pi_configure(struct phys_mem *pm, uint64_t desc_pa, bool sn, uint8_t nv,
			uint32_t ndst)
{
	uint8_t *desc = pi_desc(pm, desc_pa);

	if (!desc)
		return;
	desc[PI_CTL] = (uint8_t)((desc[PI_CTL] & ~PI_SN) | (sn ? PI_SN : 0));
	desc[PI_NV] = nv;
	memcpy(desc + PI_NDST, &ndst, 4);
}

/*
 * Intel VT-d, "Interrupt-Posting Hardware Operation": the PIR bit always;
 * ON and the notification only when ON was clear and SN is clear. With SN
 * set ON stays as it was, so whoever clears SN later finds the PIR bit
 * and notifies (KVM sets ON itself when it clears SN).
 */
bool apicv_pi_post(struct phys_mem *pm, uint64_t desc_pa, uint8_t vector)
{
	uint8_t *desc = pi_desc(pm, desc_pa);
	bool notify;

	if (!desc)
		return false;
	desc[vector / 8] |= (uint8_t)(1u << (vector % 8));
	notify = !(desc[PI_CTL] & (PI_ON | PI_SN));
	if (notify)
		desc[PI_CTL] |= PI_ON;
	return notify;
}

int apicv_host_sync_pir(struct vmcs *v, struct phys_mem *pm)
{
	struct ctls c = ctls_of(v);
	uint8_t *page = vapic_page(v, pm), *desc = NULL;
	int highest;

	if (c.posted)
		desc = pi_desc(pm, vmcs_get(v, VMCS_POSTED_INTR_DESC_ADDR));
	if (desc) {
		desc[PI_CTL] &= (uint8_t)~PI_ON;
		pir_to_virr(desc, page);
	}
	highest = vreg_highest(page, APIC_IRR);
	if (c.vid)
		set_rvi(v, vector_or_0(highest));
	return highest;
}
