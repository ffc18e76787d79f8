// SPDX-License-Identifier: MIT
/*
 * The checks VM entry makes on the host-state area and on the guest-state
 * area, as two tables in the shape of vmx_control_checks[]. Each row is one
 * rule of Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C:
 *
 *  - "Checks on Host Control Registers, MSRs, and SSP", "Checks on Host
 *    Segment and Descriptor-Table Registers" and "Checks Related to
 *    Address-Space Size": the first failure ends VM entry with
 *    VM-instruction error 8 ("VM entry with invalid host-state field(s)").
 *  - "Checks on the Guest State Area" (under "Checking and Loading Guest
 *    State"): the first failure is a VM exit with basic reason 33
 *    ("VM-entry failure due to invalid guest state"), bit 31 of the exit
 *    reason set, exit qualification 0 except for the VMCS link pointer (4).
 *
 * The host is a 64-bit hypervisor: VMLAUNCH/VMRESUME always run with
 * IA32_EFER.LMA = 1, outside SMM and outside an enclave. The rows for
 * state these never reach (virtual-8086 segment rules, PDPTEs, CET, PKRS,
 * RTIT, SMM, enclave interruption) are left out; docs/vmx-state-checks.md
 * lists them.
 *
 * A failing row is a guest- or hypervisor-visible outcome: nothing here
 * asserts on what the VMCS holds.
 */
#include "vmentry_state.h"

#include <stddef.h>

#include "../bug.h"
#include "../cpu/model.h"
#include "vmcs.h"

/*
 * This file's own context. The rows of these tables are only ever run by
 * the runners below, with this context; the struct shares its tag with
 * vmentry.c's private one so the rows fit struct vmx_check.
 */
struct vmx_check_ctx {
	const struct cpu_model *m;
	const struct vmcs *v;
	unsigned int maxphyaddr;	/* physical-address width */
	unsigned int linaddr;		/* linear-address width: canonical form */
	uint64_t pin, exit, entry;	/* the 32-bit control words */
	uint64_t proc2;			/* 0 unless primary bit 31 */
	bool ia32e;			/* "IA-32e mode guest" entry control */
	bool unrestricted;		/* "unrestricted guest", when activated */
	bool v8086;			/* guest RFLAGS.VM */
};

#define SEC_HOST_CR	"Checks on Host Control Registers, MSRs, and SSP"
#define SEC_HOST_SEG	"Checks on Host Segment and Descriptor-Table Registers"
#define SEC_HOST_ASS	"Checks Related to Address-Space Size"
#define SEC_GUEST_CR	"Checks on Guest Control Registers, Debug Registers, and MSRs"
#define SEC_GUEST_SEG	"Checks on Guest Segment Registers"
#define SEC_GUEST_DT	"Checks on Guest Descriptor-Table Registers"
#define SEC_GUEST_RIP	"Checks on Guest RIP, RFLAGS, and SSP"
#define SEC_GUEST_NR	"Checks on Guest Non-Register State"

/*
 * Control bits these rows read ("VM-Exit Controls", "VM-Entry Controls").
 * Guarded: vmcs.h may grow the same names.
 */
#ifndef VMX_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL
#define VMX_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL	VMX_BIT(12)
#endif
#ifndef VMX_EXIT_LOAD_IA32_PAT
#define VMX_EXIT_LOAD_IA32_PAT			VMX_BIT(19)
#endif
#ifndef VMX_EXIT_LOAD_IA32_EFER
#define VMX_EXIT_LOAD_IA32_EFER			VMX_BIT(21)
#endif
#ifndef VMX_ENTRY_LOAD_DEBUG_CONTROLS
#define VMX_ENTRY_LOAD_DEBUG_CONTROLS		VMX_BIT(2)
#endif
#ifndef VMX_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL
#define VMX_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL	VMX_BIT(13)
#endif
#ifndef VMX_ENTRY_LOAD_IA32_PAT
#define VMX_ENTRY_LOAD_IA32_PAT			VMX_BIT(14)
#endif
#ifndef VMX_ENTRY_LOAD_IA32_EFER
#define VMX_ENTRY_LOAD_IA32_EFER		VMX_BIT(15)
#endif
#ifndef VMX_ENTRY_LOAD_BNDCFGS
#define VMX_ENTRY_LOAD_BNDCFGS			VMX_BIT(16)
#endif

/* IA32_VMX_MISC bits 8:6: HLT, shutdown, wait-for-SIPI ("Miscellaneous Data"). */
#define MISC_ACTIVITY_SHIFT	5

/* Architectural register bits (Vol. 3A "Control Registers", "EFLAGS Register"). */
#define CR0_PE		VMX_BIT(0)
#define CR0_PG		VMX_BIT(31)
#define EFER_SCE	VMX_BIT(0)
#define EFER_LME	VMX_BIT(8)
#define EFER_LMA	VMX_BIT(10)
#define EFER_NXE	VMX_BIT(11)
#define RFLAGS_FIXED1	VMX_BIT(1)
#define RFLAGS_TF	VMX_BIT(8)
#define RFLAGS_IF	VMX_BIT(9)
#define RFLAGS_VM	VMX_BIT(17)
/* Bits 63:22, 15, 5 and 3 ("Checks on Guest RIP, RFLAGS, and SSP"). */
#define RFLAGS_RESERVED	(~0x3fffffULL | VMX_BIT(15) | VMX_BIT(5) | VMX_BIT(3))
/* IA32_DEBUGCTL: bits 5:2 and 63:16 reserved (Vol. 3B "IA32_DEBUGCTL MSR"). */
#define DEBUGCTL_BTF	VMX_BIT(1)
#define DEBUGCTL_RESERVED (~0xffffULL | 0x3cULL)

/* Selector: RPL bits 1:0, TI bit 2 (Vol. 3A "Segment Selectors"). */
#define SEL_RPL		3ULL
#define SEL_TI		VMX_BIT(2)

/* Access-rights field ("Guest Register State", Table "Format of Access Rights"). */
#define AR_TYPE		0xfULL
#define AR_TYPE_ACCESSED VMX_BIT(0)
#define AR_TYPE_READ	VMX_BIT(1)
#define AR_TYPE_CODE	VMX_BIT(3)
#define AR_S		VMX_BIT(4)
#define AR_DPL_SHIFT	5
#define AR_P		VMX_BIT(7)
#define AR_L		VMX_BIT(13)
#define AR_DB		VMX_BIT(14)
#define AR_G		VMX_BIT(15)
#define AR_UNUSABLE	VMX_BIT(16)
/* Bits 11:8 and 31:17. */
#define AR_RESERVED	(0xf00ULL | 0xfffe0000ULL)

/* Interruptibility state ("Guest Non-Register State"). */
#define INTR_STI	VMX_BIT(0)
#define INTR_MOV_SS	VMX_BIT(1)
#define INTR_SMI	VMX_BIT(2)
#define INTR_NMI	VMX_BIT(3)
#define INTR_RESERVED	0xffffffe0ULL	/* bits 31:5 */

/* Pending debug exceptions: B3-B0, enabled breakpoint, BS, RTM. */
#define PDBG_BS		VMX_BIT(14)
#define PDBG_RESERVED	(~0x1ffffULL | 0xff0ULL | VMX_BIT(13) | VMX_BIT(15))

enum activity_state {
	ACTIVITY_ACTIVE = 0,
	ACTIVITY_HLT = 1,
	ACTIVITY_SHUTDOWN = 2,
	ACTIVITY_WAIT_SIPI = 3,
};

#define VMCS_LINK_NONE	(~0ULL)
#define PAGE_MASK_LOW	0xfffULL

/* ---- helpers ---- */

static uint64_t fld(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return vmcs_get(c->v, encoding);
}

static uint64_t cap(const struct vmx_check_ctx *c, uint32_t index)
{
	const struct model_msr *e = model_msr(c->m, index);

	return e ? e->value : 0;
}

static bool beyond_pa(const struct vmx_check_ctx *c, uint64_t addr)
{
	return addr >> c->maxphyaddr;
}

/* Bits 63:N-1 all equal, N the linear-address width ("Canonical Addressing"). */
static bool canonical(const struct vmx_check_ctx *c, uint64_t addr)
{
	int64_t shifted = (int64_t)(addr << (64 - c->linaddr));

	return (uint64_t)(shifted >> (64 - c->linaddr)) == addr;
}

static bool canonical_field(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return canonical(c, fld(c, encoding));
}

/* FIXED0 bits set, nothing outside FIXED1 ("VMX-Fixed Bits in CR0/CR4"). */
static bool fits_fixed(uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* Every PAT entry UC(0), WC(1), WT(4), WP(5), WB(6) or UC-(7). */
static bool pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint64_t type = (pat >> (i * 8)) & 0xff;

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

static bool efer_reserved_clear(uint64_t efer)
{
	return !(efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE));
}

/*
 * IA32_PERF_GLOBAL_CTRL bits that exist: one enable per general-purpose
 * counter (CPUID.0AH:EAX[15:8]) at bit 0 up, one per fixed counter
 * (CPUID.0AH:EDX[4:0]) at bit 32 up ("Architectural Performance
 * Monitoring Version 2").
 */
static bool perf_global_valid(const struct vmx_check_ctx *c, uint64_t val)
{
	uint32_t r[4];
	unsigned int gp, fixed;
	uint64_t ok;

	model_cpuid(c->m, 0xa, 0, r);
	gp = (r[MODEL_EAX] >> 8) & 0xff;
	fixed = r[MODEL_EDX] & 0x1f;
	if (gp > 32)
		gp = 32;
	ok = ((1ULL << gp) - 1) | (((1ULL << fixed) - 1) << 32);
	return !(val & ~ok);
}

/* ---- host control registers and MSRs ---- */

static bool check_host_cr0(const struct vmx_check_ctx *c)
{
	return fits_fixed(fld(c, VMCS_HOST_CR0), model_cr0_fixed0(c->m), model_cr0_fixed1(c->m));
}

static bool check_host_cr4(const struct vmx_check_ctx *c)
{
	return fits_fixed(fld(c, VMCS_HOST_CR4), model_cr4_fixed0(c->m), model_cr4_fixed1(c->m));
}

static bool check_host_cr3(const struct vmx_check_ctx *c)
{
	return !beyond_pa(c, fld(c, VMCS_HOST_CR3));
}

static bool check_host_sysenter_esp(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_IA32_SYSENTER_ESP);
}

static bool check_host_sysenter_eip(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_IA32_SYSENTER_EIP);
}

static bool check_host_perf_global(const struct vmx_check_ctx *c)
{
	return !(c->exit & VMX_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL) ||
	       perf_global_valid(c, fld(c, VMCS_HOST_IA32_PERF_GLOBAL_CTRL));
}

static bool check_host_pat(const struct vmx_check_ctx *c)
{
	return !(c->exit & VMX_EXIT_LOAD_IA32_PAT) || pat_valid(fld(c, VMCS_HOST_IA32_PAT));
}

static bool check_host_efer_reserved(const struct vmx_check_ctx *c)
{
	return !(c->exit & VMX_EXIT_LOAD_IA32_EFER) ||
	       efer_reserved_clear(fld(c, VMCS_HOST_IA32_EFER));
}

static bool host_ass(const struct vmx_check_ctx *c)
{
	return c->exit & VMX_EXIT_HOST_ADDR_SPACE_SIZE;
}

static bool check_host_efer_lma(const struct vmx_check_ctx *c)
{
	return !(c->exit & VMX_EXIT_LOAD_IA32_EFER) ||
	       !!(fld(c, VMCS_HOST_IA32_EFER) & EFER_LMA) == host_ass(c);
}

static bool check_host_efer_lme(const struct vmx_check_ctx *c)
{
	return !(c->exit & VMX_EXIT_LOAD_IA32_EFER) ||
	       !!(fld(c, VMCS_HOST_IA32_EFER) & EFER_LME) == host_ass(c);
}

/* ---- host segment and descriptor-table registers ---- */

static bool sel_rpl_ti_clear(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return !(fld(c, encoding) & (SEL_RPL | SEL_TI));
}

#define HOST_SEL_ROW(name, field)					\
	static bool check_host_##name##_sel(const struct vmx_check_ctx *c) \
	{								\
		return sel_rpl_ti_clear(c, VMCS_HOST_##field##_SELECTOR); \
	}

HOST_SEL_ROW(cs, CS)
HOST_SEL_ROW(ss, SS)
HOST_SEL_ROW(ds, DS)
HOST_SEL_ROW(es, ES)
HOST_SEL_ROW(fs, FS)
HOST_SEL_ROW(gs, GS)
HOST_SEL_ROW(tr, TR)

static bool check_host_cs_null(const struct vmx_check_ctx *c)
{
	return fld(c, VMCS_HOST_CS_SELECTOR) != 0;
}

static bool check_host_tr_null(const struct vmx_check_ctx *c)
{
	return fld(c, VMCS_HOST_TR_SELECTOR) != 0;
}

/* A null SS is fine for a 64-bit host only. */
static bool check_host_ss_null(const struct vmx_check_ctx *c)
{
	return host_ass(c) || fld(c, VMCS_HOST_SS_SELECTOR) != 0;
}

static bool check_host_fs_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_FS_BASE);
}

static bool check_host_gs_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_GS_BASE);
}

static bool check_host_gdtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_GDTR_BASE);
}

static bool check_host_idtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_IDTR_BASE);
}

static bool check_host_tr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_TR_BASE);
}

/* ---- address-space size ---- */

/* The simulated host runs VM entry in IA-32e mode, so it must return to it. */
static bool check_host_ass(const struct vmx_check_ctx *c)
{
	return host_ass(c);
}

static bool check_host_pae(const struct vmx_check_ctx *c)
{
	return !host_ass(c) || (fld(c, VMCS_HOST_CR4) & CR4_PAE);
}

static bool check_host_rip(const struct vmx_check_ctx *c)
{
	return !host_ass(c) || canonical_field(c, VMCS_HOST_RIP);
}

/* ---- guest control registers, debug registers and MSRs ---- */

static bool check_guest_cr0(const struct vmx_check_ctx *c)
{
	uint64_t fixed0 = model_cr0_fixed0(c->m);

	/* Unrestricted guest lifts the PE and PG requirements. */
	if (c->unrestricted)
		fixed0 &= ~(CR0_PE | CR0_PG);
	return fits_fixed(fld(c, VMCS_GUEST_CR0), fixed0, model_cr0_fixed1(c->m));
}

static bool check_guest_cr0_pg_pe(const struct vmx_check_ctx *c)
{
	uint64_t cr0 = fld(c, VMCS_GUEST_CR0);

	return !(cr0 & CR0_PG) || (cr0 & CR0_PE);
}

static bool check_guest_cr4(const struct vmx_check_ctx *c)
{
	return fits_fixed(fld(c, VMCS_GUEST_CR4), model_cr4_fixed0(c->m), model_cr4_fixed1(c->m));
}

static bool check_guest_debugctl(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_LOAD_DEBUG_CONTROLS) ||
	       !(fld(c, VMCS_GUEST_IA32_DEBUGCTL) & DEBUGCTL_RESERVED);
}

static bool check_guest_ia32e_pg(const struct vmx_check_ctx *c)
{
	return !c->ia32e || (fld(c, VMCS_GUEST_CR0) & CR0_PG);
}

static bool check_guest_ia32e_pae(const struct vmx_check_ctx *c)
{
	return !c->ia32e || (fld(c, VMCS_GUEST_CR4) & CR4_PAE);
}

static bool check_guest_pcide(const struct vmx_check_ctx *c)
{
	return c->ia32e || !(fld(c, VMCS_GUEST_CR4) & CR4_PCIDE);
}

static bool check_guest_cr3(const struct vmx_check_ctx *c)
{
	return !beyond_pa(c, fld(c, VMCS_GUEST_CR3));
}

static bool check_guest_dr7(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_LOAD_DEBUG_CONTROLS) || !(fld(c, VMCS_GUEST_DR7) >> 32);
}

static bool check_guest_sysenter_esp(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_SYSENTER_ESP);
}

static bool check_guest_sysenter_eip(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_SYSENTER_EIP);
}

static bool check_guest_perf_global(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL) ||
	       perf_global_valid(c, fld(c, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL));
}

static bool check_guest_pat(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_LOAD_IA32_PAT) || pat_valid(fld(c, VMCS_GUEST_IA32_PAT));
}

static bool check_guest_efer_reserved(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_LOAD_IA32_EFER) ||
	       efer_reserved_clear(fld(c, VMCS_GUEST_IA32_EFER));
}

static bool check_guest_efer_lma(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_LOAD_IA32_EFER) ||
	       !!(fld(c, VMCS_GUEST_IA32_EFER) & EFER_LMA) == c->ia32e;
}

static bool check_guest_efer_lme(const struct vmx_check_ctx *c)
{
	uint64_t efer = fld(c, VMCS_GUEST_IA32_EFER);

	if (!(c->entry & VMX_ENTRY_LOAD_IA32_EFER) || !(fld(c, VMCS_GUEST_CR0) & CR0_PG))
		return true;
	return !!(efer & EFER_LME) == !!(efer & EFER_LMA);
}

/* Bits 11:2 zero, bits 63:12 a canonical linear address. */
static bool check_guest_bndcfgs(const struct vmx_check_ctx *c)
{
	uint64_t val = fld(c, VMCS_GUEST_BNDCFGS);

	if (!(c->entry & VMX_ENTRY_LOAD_BNDCFGS))
		return true;
	return !(val & 0xffcULL) && canonical(c, val & ~PAGE_MASK_LOW);
}

/* ---- guest segment registers ---- */

/* In VMCS order: selector 0800H + 2i, limit 4800H + 2i, AR 4814H + 2i, base 6806H + 2i. */
enum seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static uint64_t seg_sel(const struct vmx_check_ctx *c, enum seg s)
{
	return fld(c, VMCS_GUEST_ES_SELECTOR + 2 * s);
}

static uint64_t seg_limit(const struct vmx_check_ctx *c, enum seg s)
{
	return fld(c, VMCS_GUEST_ES_LIMIT + 2 * s);
}

static uint64_t seg_ar(const struct vmx_check_ctx *c, enum seg s)
{
	return fld(c, VMCS_GUEST_ES_AR_BYTES + 2 * s);
}

static uint64_t seg_base(const struct vmx_check_ctx *c, enum seg s)
{
	return fld(c, VMCS_GUEST_ES_BASE + 2 * s);
}

static bool seg_usable(const struct vmx_check_ctx *c, enum seg s)
{
	return !(seg_ar(c, s) & AR_UNUSABLE);
}

static unsigned int seg_dpl(const struct vmx_check_ctx *c, enum seg s)
{
	return (seg_ar(c, s) >> AR_DPL_SHIFT) & 3;
}

/*
 * Whether the access-rights rules apply: CS and TR always, the others
 * when usable; none of them for a virtual-8086 guest, whose rules this
 * table leaves out.
 */
static bool seg_checked(const struct vmx_check_ctx *c, enum seg s)
{
	if (c->v8086)
		return false;
	return s == SEG_CS || s == SEG_TR || seg_usable(c, s);
}

static bool check_guest_tr_ti(const struct vmx_check_ctx *c)
{
	return !(seg_sel(c, SEG_TR) & SEL_TI);
}

static bool check_guest_ldtr_ti(const struct vmx_check_ctx *c)
{
	return !seg_usable(c, SEG_LDTR) || !(seg_sel(c, SEG_LDTR) & SEL_TI);
}

static bool check_guest_ss_rpl(const struct vmx_check_ctx *c)
{
	if (c->v8086 || c->unrestricted)
		return true;
	return (seg_sel(c, SEG_SS) & SEL_RPL) == (seg_sel(c, SEG_CS) & SEL_RPL);
}

/* TR, FS, GS always; LDTR when usable. */
static bool base_canonical(const struct vmx_check_ctx *c, enum seg s)
{
	if (s == SEG_LDTR && !seg_usable(c, s))
		return true;
	return canonical(c, seg_base(c, s));
}

/* CS always; SS, DS, ES when usable. */
static bool base_high_clear(const struct vmx_check_ctx *c, enum seg s)
{
	if (s != SEG_CS && !seg_usable(c, s))
		return true;
	return !(seg_base(c, s) >> 32);
}

static bool cs_type_ok(const struct vmx_check_ctx *c, enum seg s)
{
	uint64_t type = seg_ar(c, s) & AR_TYPE;

	if (c->v8086)
		return true;
	if (type == 3)
		return c->unrestricted;
	return type == 9 || type == 11 || type == 13 || type == 15;
}

static bool ss_type_ok(const struct vmx_check_ctx *c, enum seg s)
{
	uint64_t type = seg_ar(c, s) & AR_TYPE;

	return !seg_checked(c, s) || type == 3 || type == 7;
}

/* Accessed, and readable when a code segment. */
static bool data_type_ok(const struct vmx_check_ctx *c, enum seg s)
{
	uint64_t type = seg_ar(c, s) & AR_TYPE;

	if (!seg_checked(c, s))
		return true;
	if (!(type & AR_TYPE_ACCESSED))
		return false;
	return !(type & AR_TYPE_CODE) || (type & AR_TYPE_READ);
}

static bool s_set(const struct vmx_check_ctx *c, enum seg s)
{
	return !seg_checked(c, s) || (seg_ar(c, s) & AR_S);
}

static bool s_clear(const struct vmx_check_ctx *c, enum seg s)
{
	return !seg_checked(c, s) || !(seg_ar(c, s) & AR_S);
}

static bool p_set(const struct vmx_check_ctx *c, enum seg s)
{
	return !seg_checked(c, s) || (seg_ar(c, s) & AR_P);
}

static bool ar_reserved_clear(const struct vmx_check_ctx *c, enum seg s)
{
	return !seg_checked(c, s) || !(seg_ar(c, s) & AR_RESERVED);
}

/*
 * Limit bits 11:0 not all ones: G is 0; limit bits 31:20 not all zeros:
 * G is 1 (the limit must be what a descriptor could give).
 */
static bool g_limit_ok(const struct vmx_check_ctx *c, enum seg s)
{
	uint64_t limit = seg_limit(c, s);
	bool g = seg_ar(c, s) & AR_G;

	if (!seg_checked(c, s))
		return true;
	if ((limit & 0xfff) != 0xfff && g)
		return false;
	return !(limit & 0xfff00000ULL) || g;
}

static bool cs_dpl_ok(const struct vmx_check_ctx *c, enum seg s)
{
	uint64_t type = seg_ar(c, s) & AR_TYPE;
	unsigned int dpl = seg_dpl(c, s), ss_dpl = seg_dpl(c, SEG_SS);

	if (c->v8086)
		return true;
	if (type == 3)
		return dpl == 0;
	if (type == 9 || type == 11)
		return dpl == ss_dpl;
	if (type == 13 || type == 15)
		return dpl <= ss_dpl;
	return true;	/* cs-type rejects the rest */
}

static bool cs_db_ok(const struct vmx_check_ctx *c, enum seg s)
{
	uint64_t ar = seg_ar(c, s);

	return c->v8086 || !c->ia32e || !(ar & AR_L) || !(ar & AR_DB);
}

/* Not for an unrestricted guest: SS.DPL is the RPL of SS. */
static bool ss_dpl_rpl_ok(const struct vmx_check_ctx *c, enum seg s)
{
	if (c->v8086 || c->unrestricted)
		return true;
	return seg_dpl(c, s) == (seg_sel(c, s) & SEL_RPL);
}

static bool ss_dpl_zero_ok(const struct vmx_check_ctx *c, enum seg s)
{
	bool real = !(fld(c, VMCS_GUEST_CR0) & CR0_PE);

	if (c->v8086)
		return true;
	if ((seg_ar(c, SEG_CS) & AR_TYPE) != 3 && !real)
		return true;
	return seg_dpl(c, s) == 0;
}

/* Data and non-conforming code (types 0-11): DPL >= RPL, unless unrestricted. */
static bool data_dpl_ok(const struct vmx_check_ctx *c, enum seg s)
{
	if (!seg_checked(c, s) || c->unrestricted || (seg_ar(c, s) & AR_TYPE) > 11)
		return true;
	return seg_dpl(c, s) >= (seg_sel(c, s) & SEL_RPL);
}

/* A 64-bit busy TSS in IA-32e mode; a 16- or 32-bit busy TSS otherwise. */
static bool tr_type_ok(const struct vmx_check_ctx *c, enum seg s)
{
	uint64_t type = seg_ar(c, s) & AR_TYPE;

	if (c->v8086)
		return true;
	return type == 11 || (!c->ia32e && type == 3);
}

static bool tr_usable_ok(const struct vmx_check_ctx *c, enum seg s)
{
	return c->v8086 || seg_usable(c, s);
}

static bool ldtr_type_ok(const struct vmx_check_ctx *c, enum seg s)
{
	return !seg_checked(c, s) || (seg_ar(c, s) & AR_TYPE) == 2;
}

/* One row function per (rule, segment): the table's holds() takes no argument. */
#define SEG_ROW(name, rule, seg)					\
	static bool check_guest_##name(const struct vmx_check_ctx *c)	\
	{								\
		return rule(c, seg);					\
	}

SEG_ROW(tr_base, base_canonical, SEG_TR)
SEG_ROW(fs_base, base_canonical, SEG_FS)
SEG_ROW(gs_base, base_canonical, SEG_GS)
SEG_ROW(ldtr_base, base_canonical, SEG_LDTR)
SEG_ROW(cs_base, base_high_clear, SEG_CS)
SEG_ROW(ss_base, base_high_clear, SEG_SS)
SEG_ROW(ds_base, base_high_clear, SEG_DS)
SEG_ROW(es_base, base_high_clear, SEG_ES)

SEG_ROW(cs_type, cs_type_ok, SEG_CS)
SEG_ROW(ss_type, ss_type_ok, SEG_SS)
SEG_ROW(ds_type, data_type_ok, SEG_DS)
SEG_ROW(es_type, data_type_ok, SEG_ES)
SEG_ROW(fs_type, data_type_ok, SEG_FS)
SEG_ROW(gs_type, data_type_ok, SEG_GS)

SEG_ROW(cs_s, s_set, SEG_CS)
SEG_ROW(ss_s, s_set, SEG_SS)
SEG_ROW(ds_s, s_set, SEG_DS)
SEG_ROW(es_s, s_set, SEG_ES)
SEG_ROW(fs_s, s_set, SEG_FS)
SEG_ROW(gs_s, s_set, SEG_GS)

SEG_ROW(cs_dpl, cs_dpl_ok, SEG_CS)
SEG_ROW(ss_dpl_rpl, ss_dpl_rpl_ok, SEG_SS)
SEG_ROW(ss_dpl_zero, ss_dpl_zero_ok, SEG_SS)
SEG_ROW(ds_dpl, data_dpl_ok, SEG_DS)
SEG_ROW(es_dpl, data_dpl_ok, SEG_ES)
SEG_ROW(fs_dpl, data_dpl_ok, SEG_FS)
SEG_ROW(gs_dpl, data_dpl_ok, SEG_GS)

SEG_ROW(cs_p, p_set, SEG_CS)
SEG_ROW(ss_p, p_set, SEG_SS)
SEG_ROW(ds_p, p_set, SEG_DS)
SEG_ROW(es_p, p_set, SEG_ES)
SEG_ROW(fs_p, p_set, SEG_FS)
SEG_ROW(gs_p, p_set, SEG_GS)

SEG_ROW(cs_reserved, ar_reserved_clear, SEG_CS)
SEG_ROW(ss_reserved, ar_reserved_clear, SEG_SS)
SEG_ROW(ds_reserved, ar_reserved_clear, SEG_DS)
SEG_ROW(es_reserved, ar_reserved_clear, SEG_ES)
SEG_ROW(fs_reserved, ar_reserved_clear, SEG_FS)
SEG_ROW(gs_reserved, ar_reserved_clear, SEG_GS)

SEG_ROW(cs_db, cs_db_ok, SEG_CS)

SEG_ROW(cs_limit, g_limit_ok, SEG_CS)
SEG_ROW(ss_limit, g_limit_ok, SEG_SS)
SEG_ROW(ds_limit, g_limit_ok, SEG_DS)
SEG_ROW(es_limit, g_limit_ok, SEG_ES)
SEG_ROW(fs_limit, g_limit_ok, SEG_FS)
SEG_ROW(gs_limit, g_limit_ok, SEG_GS)

SEG_ROW(tr_type, tr_type_ok, SEG_TR)
SEG_ROW(tr_s, s_clear, SEG_TR)
SEG_ROW(tr_p, p_set, SEG_TR)
SEG_ROW(tr_reserved, ar_reserved_clear, SEG_TR)
SEG_ROW(tr_limit, g_limit_ok, SEG_TR)
SEG_ROW(tr_usable, tr_usable_ok, SEG_TR)

SEG_ROW(ldtr_type, ldtr_type_ok, SEG_LDTR)
SEG_ROW(ldtr_s, s_clear, SEG_LDTR)
SEG_ROW(ldtr_p, p_set, SEG_LDTR)
SEG_ROW(ldtr_reserved, ar_reserved_clear, SEG_LDTR)
SEG_ROW(ldtr_limit, g_limit_ok, SEG_LDTR)

/* ---- guest descriptor-table registers ---- */

static bool check_guest_gdtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_GDTR_BASE);
}

static bool check_guest_idtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_IDTR_BASE);
}

static bool check_guest_gdtr_limit(const struct vmx_check_ctx *c)
{
	return !(fld(c, VMCS_GUEST_GDTR_LIMIT) >> 16);
}

static bool check_guest_idtr_limit(const struct vmx_check_ctx *c)
{
	return !(fld(c, VMCS_GUEST_IDTR_LIMIT) >> 16);
}

/* ---- guest RIP and RFLAGS ---- */

static bool long_mode_cs(const struct vmx_check_ctx *c)
{
	return c->ia32e && (seg_ar(c, SEG_CS) & AR_L);
}

static bool check_guest_rip_high(const struct vmx_check_ctx *c)
{
	return long_mode_cs(c) || !(fld(c, VMCS_GUEST_RIP) >> 32);
}

static bool check_guest_rip_canonical(const struct vmx_check_ctx *c)
{
	return !long_mode_cs(c) || canonical_field(c, VMCS_GUEST_RIP);
}

static bool check_guest_rflags_reserved(const struct vmx_check_ctx *c)
{
	return !(fld(c, VMCS_GUEST_RFLAGS) & RFLAGS_RESERVED);
}

static bool check_guest_rflags_bit1(const struct vmx_check_ctx *c)
{
	return fld(c, VMCS_GUEST_RFLAGS) & RFLAGS_FIXED1;
}

static bool check_guest_rflags_vm(const struct vmx_check_ctx *c)
{
	bool pe = fld(c, VMCS_GUEST_CR0) & CR0_PE;

	return !c->v8086 || (!c->ia32e && pe);
}

/* The valid injected event's type, or -1 when nothing is injected. */
static int injected_type(const struct vmx_check_ctx *c)
{
	uint64_t info = fld(c, VMCS_VM_ENTRY_INTR_INFO_FIELD);

	if (!(info & VMX_INTR_INFO_VALID))
		return -1;
	return (int)((info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT);
}

static unsigned int injected_vector(const struct vmx_check_ctx *c)
{
	return fld(c, VMCS_VM_ENTRY_INTR_INFO_FIELD) & VMX_INTR_INFO_VECTOR_MASK;
}

static bool check_guest_rflags_if(const struct vmx_check_ctx *c)
{
	return injected_type(c) != VMX_INTR_TYPE_EXT_INTR ||
	       (fld(c, VMCS_GUEST_RFLAGS) & RFLAGS_IF);
}

/* ---- guest non-register state ---- */

static uint64_t activity(const struct vmx_check_ctx *c)
{
	return fld(c, VMCS_GUEST_ACTIVITY_STATE);
}

static uint64_t intr_state(const struct vmx_check_ctx *c)
{
	return fld(c, VMCS_GUEST_INTERRUPTIBILITY_INFO);
}

static bool check_guest_activity_supported(const struct vmx_check_ctx *c)
{
	uint64_t state = activity(c);

	if (state == ACTIVITY_ACTIVE)
		return true;
	if (state > ACTIVITY_WAIT_SIPI)
		return false;
	return cap(c, MSR_IA32_VMX_MISC) & VMX_BIT(MISC_ACTIVITY_SHIFT + state);
}

static bool check_guest_activity_hlt_dpl(const struct vmx_check_ctx *c)
{
	return activity(c) != ACTIVITY_HLT || seg_dpl(c, SEG_SS) == 0;
}

static bool check_guest_activity_blocking(const struct vmx_check_ctx *c)
{
	return activity(c) == ACTIVITY_ACTIVE || !(intr_state(c) & (INTR_STI | INTR_MOV_SS));
}

/*
 * HLT takes external interrupts, NMIs, #DB, #MC and pending MTF; shutdown
 * NMIs and #MC; wait-for-SIPI nothing.
 */
static bool check_guest_activity_injection(const struct vmx_check_ctx *c)
{
	int type = injected_type(c);
	unsigned int vec = injected_vector(c);

	if (type < 0)
		return true;
	switch (activity(c)) {
	case ACTIVITY_HLT:
		if (type == VMX_INTR_TYPE_EXT_INTR || type == VMX_INTR_TYPE_NMI)
			return true;
		if (type == VMX_INTR_TYPE_HARD_EXCEPTION)
			return vec == 1 || vec == 18;
		if (type == VMX_INTR_TYPE_PRIV_SW_EXCEPTION)
			return vec == 1;
		return type == VMX_INTR_TYPE_OTHER_EVENT && vec == 0;
	case ACTIVITY_SHUTDOWN:
		return type == VMX_INTR_TYPE_NMI ||
		       (type == VMX_INTR_TYPE_HARD_EXCEPTION && vec == 18);
	case ACTIVITY_WAIT_SIPI:
		return false;
	default:
		return true;
	}
}

static bool check_guest_intr_reserved(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & INTR_RESERVED);
}

static bool check_guest_intr_sti_movss(const struct vmx_check_ctx *c)
{
	return (intr_state(c) & (INTR_STI | INTR_MOV_SS)) != (INTR_STI | INTR_MOV_SS);
}

static bool check_guest_intr_sti_if(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & INTR_STI) || (fld(c, VMCS_GUEST_RFLAGS) & RFLAGS_IF);
}

static bool check_guest_intr_ext_inject(const struct vmx_check_ctx *c)
{
	return injected_type(c) != VMX_INTR_TYPE_EXT_INTR ||
	       !(intr_state(c) & (INTR_STI | INTR_MOV_SS));
}

static bool check_guest_intr_nmi_movss(const struct vmx_check_ctx *c)
{
	return injected_type(c) != VMX_INTR_TYPE_NMI || !(intr_state(c) & INTR_MOV_SS);
}

/* The simulator never runs in SMM. */
static bool check_guest_intr_smi(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & INTR_SMI);
}

static bool check_guest_intr_vnmi(const struct vmx_check_ctx *c)
{
	if (!(c->pin & VMX_PIN_VIRTUAL_NMIS) || injected_type(c) != VMX_INTR_TYPE_NMI)
		return true;
	return !(intr_state(c) & INTR_NMI);
}

static bool check_guest_pdbg_reserved(const struct vmx_check_ctx *c)
{
	return !(fld(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS) & PDBG_RESERVED);
}

/*
 * When blocking by STI/MOV SS or HLT holds a single-step trap back, BS
 * must say whether one is pending: 1 when RFLAGS.TF and not DEBUGCTL.BTF.
 */
static bool bs_constrained(const struct vmx_check_ctx *c)
{
	return (intr_state(c) & (INTR_STI | INTR_MOV_SS)) || activity(c) == ACTIVITY_HLT;
}

static bool single_step(const struct vmx_check_ctx *c)
{
	return (fld(c, VMCS_GUEST_RFLAGS) & RFLAGS_TF) &&
	       !(fld(c, VMCS_GUEST_IA32_DEBUGCTL) & DEBUGCTL_BTF);
}

static bool check_guest_pdbg_bs_set(const struct vmx_check_ctx *c)
{
	return !bs_constrained(c) || !single_step(c) ||
	       (fld(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS) & PDBG_BS);
}

static bool check_guest_pdbg_bs_clear(const struct vmx_check_ctx *c)
{
	return !bs_constrained(c) || single_step(c) ||
	       !(fld(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS) & PDBG_BS);
}

static bool check_guest_link_aligned(const struct vmx_check_ctx *c)
{
	uint64_t link = fld(c, VMCS_VMCS_LINK_POINTER);

	return link == VMCS_LINK_NONE || !(link & PAGE_MASK_LOW);
}

static bool check_guest_link_width(const struct vmx_check_ctx *c)
{
	uint64_t link = fld(c, VMCS_VMCS_LINK_POINTER);

	return link == VMCS_LINK_NONE || !beyond_pa(c, link);
}

/* ---- the tables ---- */

#define HOST(id_, sec, desc_, fn)					\
	{ .id = (id_), .group = VMX_CHECK_GROUP_HOST,			\
	  .error = VMXERR_ENTRY_INVALID_HOST_STATE, .section = (sec),	\
	  .desc = (desc_), .holds = (fn) }

const struct vmx_check vmx_host_state_checks[] = {
	HOST("host-cr0", SEC_HOST_CR, "CR0: CR0_FIXED0 bits set, no bit outside CR0_FIXED1", check_host_cr0),
	HOST("host-cr4", SEC_HOST_CR, "CR4: CR4_FIXED0 bits (VMXE) set, no bit outside CR4_FIXED1", check_host_cr4),
	HOST("host-cr3", SEC_HOST_CR, "CR3 bits 63:MAXPHYADDR are 0", check_host_cr3),
	HOST("host-sysenter-esp", SEC_HOST_CR, "IA32_SYSENTER_ESP canonical", check_host_sysenter_esp),
	HOST("host-sysenter-eip", SEC_HOST_CR, "IA32_SYSENTER_EIP canonical", check_host_sysenter_eip),
	HOST("host-perf-global", SEC_HOST_CR, "load IA32_PERF_GLOBAL_CTRL: only enables of counters CPUID.0AH reports", check_host_perf_global),
	HOST("host-pat", SEC_HOST_CR, "load IA32_PAT: every entry 0, 1, 4, 5, 6 or 7", check_host_pat),
	HOST("host-efer-reserved", SEC_HOST_CR, "load IA32_EFER: only SCE, LME, LMA, NXE may be 1", check_host_efer_reserved),
	HOST("host-efer-lma", SEC_HOST_CR, "load IA32_EFER: LMA equals host address-space size", check_host_efer_lma),
	HOST("host-efer-lme", SEC_HOST_CR, "load IA32_EFER: LME equals host address-space size", check_host_efer_lme),
	HOST("host-cs-sel", SEC_HOST_SEG, "CS selector RPL and TI are 0", check_host_cs_sel),
	HOST("host-ss-sel", SEC_HOST_SEG, "SS selector RPL and TI are 0", check_host_ss_sel),
	HOST("host-ds-sel", SEC_HOST_SEG, "DS selector RPL and TI are 0", check_host_ds_sel),
	HOST("host-es-sel", SEC_HOST_SEG, "ES selector RPL and TI are 0", check_host_es_sel),
	HOST("host-fs-sel", SEC_HOST_SEG, "FS selector RPL and TI are 0", check_host_fs_sel),
	HOST("host-gs-sel", SEC_HOST_SEG, "GS selector RPL and TI are 0", check_host_gs_sel),
	HOST("host-tr-sel", SEC_HOST_SEG, "TR selector RPL and TI are 0", check_host_tr_sel),
	HOST("host-cs-null", SEC_HOST_SEG, "CS selector not 0000H", check_host_cs_null),
	HOST("host-tr-null", SEC_HOST_SEG, "TR selector not 0000H", check_host_tr_null),
	HOST("host-ss-null", SEC_HOST_SEG, "SS selector not 0000H unless host address-space size is 1", check_host_ss_null),
	HOST("host-fs-base", SEC_HOST_SEG, "FS base canonical", check_host_fs_base),
	HOST("host-gs-base", SEC_HOST_SEG, "GS base canonical", check_host_gs_base),
	HOST("host-gdtr-base", SEC_HOST_SEG, "GDTR base canonical", check_host_gdtr_base),
	HOST("host-idtr-base", SEC_HOST_SEG, "IDTR base canonical", check_host_idtr_base),
	HOST("host-tr-base", SEC_HOST_SEG, "TR base canonical", check_host_tr_base),
	HOST("host-addr-space-size", SEC_HOST_ASS, "VM entry from IA-32e mode: host address-space size is 1", check_host_ass),
	HOST("host-pae", SEC_HOST_ASS, "host address-space size 1: CR4.PAE is 1", check_host_pae),
	HOST("host-rip", SEC_HOST_ASS, "host address-space size 1: RIP canonical", check_host_rip),
};

const unsigned int vmx_nr_host_state_checks =
	sizeof(vmx_host_state_checks) / sizeof(vmx_host_state_checks[0]);

#define GUEST(id_, sec, desc_, fn)					\
	{ .id = (id_), .group = VMX_CHECK_GROUP_GUEST,			\
	  .error = VMX_EXIT_REASON_INVALID_GUEST_STATE, .section = (sec), \
	  .desc = (desc_), .holds = (fn) }

const struct vmx_check vmx_guest_state_checks[] = {
	GUEST("guest-cr0", SEC_GUEST_CR, "CR0: CR0_FIXED0 bits set (but PE, PG with unrestricted guest), none outside CR0_FIXED1", check_guest_cr0),
	GUEST("guest-cr0-pg-pe", SEC_GUEST_CR, "CR0.PG 1: CR0.PE 1", check_guest_cr0_pg_pe),
	GUEST("guest-cr4", SEC_GUEST_CR, "CR4: CR4_FIXED0 bits set, no bit outside CR4_FIXED1", check_guest_cr4),
	GUEST("guest-debugctl", SEC_GUEST_CR, "load debug controls: IA32_DEBUGCTL bits 5:2 and 63:16 are 0", check_guest_debugctl),
	GUEST("guest-ia32e-pg", SEC_GUEST_CR, "IA-32e mode guest: CR0.PG 1", check_guest_ia32e_pg),
	GUEST("guest-ia32e-pae", SEC_GUEST_CR, "IA-32e mode guest: CR4.PAE 1", check_guest_ia32e_pae),
	GUEST("guest-pcide", SEC_GUEST_CR, "IA-32e mode guest 0: CR4.PCIDE 0", check_guest_pcide),
	GUEST("guest-cr3", SEC_GUEST_CR, "CR3 bits 63:MAXPHYADDR are 0", check_guest_cr3),
	GUEST("guest-dr7", SEC_GUEST_CR, "load debug controls: DR7 bits 63:32 are 0", check_guest_dr7),
	GUEST("guest-sysenter-esp", SEC_GUEST_CR, "IA32_SYSENTER_ESP canonical", check_guest_sysenter_esp),
	GUEST("guest-sysenter-eip", SEC_GUEST_CR, "IA32_SYSENTER_EIP canonical", check_guest_sysenter_eip),
	GUEST("guest-perf-global", SEC_GUEST_CR, "load IA32_PERF_GLOBAL_CTRL: only enables of counters CPUID.0AH reports", check_guest_perf_global),
	GUEST("guest-pat", SEC_GUEST_CR, "load IA32_PAT: every entry 0, 1, 4, 5, 6 or 7", check_guest_pat),
	GUEST("guest-efer-reserved", SEC_GUEST_CR, "load IA32_EFER: only SCE, LME, LMA, NXE may be 1", check_guest_efer_reserved),
	GUEST("guest-efer-lma", SEC_GUEST_CR, "load IA32_EFER: LMA equals IA-32e mode guest", check_guest_efer_lma),
	GUEST("guest-efer-lme", SEC_GUEST_CR, "load IA32_EFER, CR0.PG 1: LME equals LMA", check_guest_efer_lme),
	GUEST("guest-bndcfgs", SEC_GUEST_CR, "load IA32_BNDCFGS: bits 11:2 are 0, bits 63:12 canonical", check_guest_bndcfgs),
	GUEST("guest-tr-ti", SEC_GUEST_SEG, "TR selector TI is 0", check_guest_tr_ti),
	GUEST("guest-ldtr-ti", SEC_GUEST_SEG, "LDTR usable: selector TI is 0", check_guest_ldtr_ti),
	GUEST("guest-ss-rpl", SEC_GUEST_SEG, "not unrestricted guest: SS RPL equals CS RPL", check_guest_ss_rpl),
	GUEST("guest-tr-base", SEC_GUEST_SEG, "TR base canonical", check_guest_tr_base),
	GUEST("guest-fs-base", SEC_GUEST_SEG, "FS base canonical", check_guest_fs_base),
	GUEST("guest-gs-base", SEC_GUEST_SEG, "GS base canonical", check_guest_gs_base),
	GUEST("guest-ldtr-base", SEC_GUEST_SEG, "LDTR usable: base canonical", check_guest_ldtr_base),
	GUEST("guest-cs-base", SEC_GUEST_SEG, "CS base bits 63:32 are 0", check_guest_cs_base),
	GUEST("guest-ss-base", SEC_GUEST_SEG, "SS usable: base bits 63:32 are 0", check_guest_ss_base),
	GUEST("guest-ds-base", SEC_GUEST_SEG, "DS usable: base bits 63:32 are 0", check_guest_ds_base),
	GUEST("guest-es-base", SEC_GUEST_SEG, "ES usable: base bits 63:32 are 0", check_guest_es_base),
	GUEST("guest-cs-type", SEC_GUEST_SEG, "CS type 9, 11, 13 or 15 (or 3 with unrestricted guest)", check_guest_cs_type),
	GUEST("guest-ss-type", SEC_GUEST_SEG, "SS usable: type 3 or 7", check_guest_ss_type),
	GUEST("guest-ds-type", SEC_GUEST_SEG, "DS usable: type accessed, and readable if code", check_guest_ds_type),
	GUEST("guest-es-type", SEC_GUEST_SEG, "ES usable: type accessed, and readable if code", check_guest_es_type),
	GUEST("guest-fs-type", SEC_GUEST_SEG, "FS usable: type accessed, and readable if code", check_guest_fs_type),
	GUEST("guest-gs-type", SEC_GUEST_SEG, "GS usable: type accessed, and readable if code", check_guest_gs_type),
	GUEST("guest-cs-s", SEC_GUEST_SEG, "CS S (code/data) is 1", check_guest_cs_s),
	GUEST("guest-ss-s", SEC_GUEST_SEG, "SS usable: S is 1", check_guest_ss_s),
	GUEST("guest-ds-s", SEC_GUEST_SEG, "DS usable: S is 1", check_guest_ds_s),
	GUEST("guest-es-s", SEC_GUEST_SEG, "ES usable: S is 1", check_guest_es_s),
	GUEST("guest-fs-s", SEC_GUEST_SEG, "FS usable: S is 1", check_guest_fs_s),
	GUEST("guest-gs-s", SEC_GUEST_SEG, "GS usable: S is 1", check_guest_gs_s),
	GUEST("guest-cs-dpl", SEC_GUEST_SEG, "CS DPL: 0 for type 3, SS DPL for 9/11, at most SS DPL for 13/15", check_guest_cs_dpl),
	GUEST("guest-ss-dpl-rpl", SEC_GUEST_SEG, "not unrestricted guest: SS DPL equals SS RPL", check_guest_ss_dpl_rpl),
	GUEST("guest-ss-dpl-zero", SEC_GUEST_SEG, "CS type 3 or CR0.PE 0: SS DPL is 0", check_guest_ss_dpl_zero),
	GUEST("guest-ds-dpl", SEC_GUEST_SEG, "DS usable, type 0-11, not unrestricted guest: DPL at least RPL", check_guest_ds_dpl),
	GUEST("guest-es-dpl", SEC_GUEST_SEG, "ES usable, type 0-11, not unrestricted guest: DPL at least RPL", check_guest_es_dpl),
	GUEST("guest-fs-dpl", SEC_GUEST_SEG, "FS usable, type 0-11, not unrestricted guest: DPL at least RPL", check_guest_fs_dpl),
	GUEST("guest-gs-dpl", SEC_GUEST_SEG, "GS usable, type 0-11, not unrestricted guest: DPL at least RPL", check_guest_gs_dpl),
	GUEST("guest-cs-p", SEC_GUEST_SEG, "CS present", check_guest_cs_p),
	GUEST("guest-ss-p", SEC_GUEST_SEG, "SS usable: present", check_guest_ss_p),
	GUEST("guest-ds-p", SEC_GUEST_SEG, "DS usable: present", check_guest_ds_p),
	GUEST("guest-es-p", SEC_GUEST_SEG, "ES usable: present", check_guest_es_p),
	GUEST("guest-fs-p", SEC_GUEST_SEG, "FS usable: present", check_guest_fs_p),
	GUEST("guest-gs-p", SEC_GUEST_SEG, "GS usable: present", check_guest_gs_p),
	GUEST("guest-cs-reserved", SEC_GUEST_SEG, "CS access rights bits 11:8 and 31:17 are 0", check_guest_cs_reserved),
	GUEST("guest-ss-reserved", SEC_GUEST_SEG, "SS usable: access rights bits 11:8 and 31:17 are 0", check_guest_ss_reserved),
	GUEST("guest-ds-reserved", SEC_GUEST_SEG, "DS usable: access rights bits 11:8 and 31:17 are 0", check_guest_ds_reserved),
	GUEST("guest-es-reserved", SEC_GUEST_SEG, "ES usable: access rights bits 11:8 and 31:17 are 0", check_guest_es_reserved),
	GUEST("guest-fs-reserved", SEC_GUEST_SEG, "FS usable: access rights bits 11:8 and 31:17 are 0", check_guest_fs_reserved),
	GUEST("guest-gs-reserved", SEC_GUEST_SEG, "GS usable: access rights bits 11:8 and 31:17 are 0", check_guest_gs_reserved),
	GUEST("guest-cs-db", SEC_GUEST_SEG, "IA-32e mode guest and CS.L 1: CS.D/B 0", check_guest_cs_db),
	GUEST("guest-cs-limit", SEC_GUEST_SEG, "CS: G 0 unless limit bits 11:0 all 1, G 1 if limit bits 31:20 not all 0", check_guest_cs_limit),
	GUEST("guest-ss-limit", SEC_GUEST_SEG, "SS usable: G consistent with the limit", check_guest_ss_limit),
	GUEST("guest-ds-limit", SEC_GUEST_SEG, "DS usable: G consistent with the limit", check_guest_ds_limit),
	GUEST("guest-es-limit", SEC_GUEST_SEG, "ES usable: G consistent with the limit", check_guest_es_limit),
	GUEST("guest-fs-limit", SEC_GUEST_SEG, "FS usable: G consistent with the limit", check_guest_fs_limit),
	GUEST("guest-gs-limit", SEC_GUEST_SEG, "GS usable: G consistent with the limit", check_guest_gs_limit),
	GUEST("guest-tr-type", SEC_GUEST_SEG, "TR type 11 (busy 64-bit TSS) in IA-32e mode guest, else 3 or 11", check_guest_tr_type),
	GUEST("guest-tr-s", SEC_GUEST_SEG, "TR S is 0", check_guest_tr_s),
	GUEST("guest-tr-p", SEC_GUEST_SEG, "TR present", check_guest_tr_p),
	GUEST("guest-tr-reserved", SEC_GUEST_SEG, "TR access rights bits 11:8 and 31:17 are 0", check_guest_tr_reserved),
	GUEST("guest-tr-limit", SEC_GUEST_SEG, "TR: G consistent with the limit", check_guest_tr_limit),
	GUEST("guest-tr-usable", SEC_GUEST_SEG, "TR unusable bit 0", check_guest_tr_usable),
	GUEST("guest-ldtr-type", SEC_GUEST_SEG, "LDTR usable: type 2", check_guest_ldtr_type),
	GUEST("guest-ldtr-s", SEC_GUEST_SEG, "LDTR usable: S is 0", check_guest_ldtr_s),
	GUEST("guest-ldtr-p", SEC_GUEST_SEG, "LDTR usable: present", check_guest_ldtr_p),
	GUEST("guest-ldtr-reserved", SEC_GUEST_SEG, "LDTR usable: access rights bits 11:8 and 31:17 are 0", check_guest_ldtr_reserved),
	GUEST("guest-ldtr-limit", SEC_GUEST_SEG, "LDTR usable: G consistent with the limit", check_guest_ldtr_limit),
	GUEST("guest-gdtr-base", SEC_GUEST_DT, "GDTR base canonical", check_guest_gdtr_base),
	GUEST("guest-idtr-base", SEC_GUEST_DT, "IDTR base canonical", check_guest_idtr_base),
	GUEST("guest-gdtr-limit", SEC_GUEST_DT, "GDTR limit bits 31:16 are 0", check_guest_gdtr_limit),
	GUEST("guest-idtr-limit", SEC_GUEST_DT, "IDTR limit bits 31:16 are 0", check_guest_idtr_limit),
	GUEST("guest-rip-high", SEC_GUEST_RIP, "IA-32e mode guest 0 or CS.L 0: RIP bits 63:32 are 0", check_guest_rip_high),
	GUEST("guest-rip-canonical", SEC_GUEST_RIP, "IA-32e mode guest and CS.L 1: RIP canonical", check_guest_rip_canonical),
	GUEST("guest-rflags-reserved", SEC_GUEST_RIP, "RFLAGS bits 63:22, 15, 5 and 3 are 0", check_guest_rflags_reserved),
	GUEST("guest-rflags-bit1", SEC_GUEST_RIP, "RFLAGS bit 1 is 1", check_guest_rflags_bit1),
	GUEST("guest-rflags-vm", SEC_GUEST_RIP, "IA-32e mode guest or CR0.PE 0: RFLAGS.VM 0", check_guest_rflags_vm),
	GUEST("guest-rflags-if", SEC_GUEST_RIP, "injecting an external interrupt: RFLAGS.IF 1", check_guest_rflags_if),
	GUEST("guest-activity-supported", SEC_GUEST_NR, "activity state 0, or 1-3 when IA32_VMX_MISC bit 6-8 reports it", check_guest_activity_supported),
	GUEST("guest-activity-hlt-dpl", SEC_GUEST_NR, "activity HLT: SS DPL 0", check_guest_activity_hlt_dpl),
	GUEST("guest-activity-blocking", SEC_GUEST_NR, "blocking by STI or MOV SS: activity state active", check_guest_activity_blocking),
	GUEST("guest-activity-injection", SEC_GUEST_NR, "injection in HLT: ext. interrupt, NMI, #DB, #MC, MTF; shutdown: NMI, #MC; wait-for-SIPI: none", check_guest_activity_injection),
	GUEST("guest-intr-reserved", SEC_GUEST_NR, "interruptibility bits 31:5 are 0", check_guest_intr_reserved),
	GUEST("guest-intr-sti-movss", SEC_GUEST_NR, "not both blocking by STI and by MOV SS", check_guest_intr_sti_movss),
	GUEST("guest-intr-sti-if", SEC_GUEST_NR, "blocking by STI: RFLAGS.IF 1", check_guest_intr_sti_if),
	GUEST("guest-intr-ext-inject", SEC_GUEST_NR, "injecting an external interrupt: no blocking by STI or MOV SS", check_guest_intr_ext_inject),
	GUEST("guest-intr-nmi-movss", SEC_GUEST_NR, "injecting an NMI: no blocking by MOV SS", check_guest_intr_nmi_movss),
	GUEST("guest-intr-smi", SEC_GUEST_NR, "outside SMM: blocking by SMI 0", check_guest_intr_smi),
	GUEST("guest-intr-vnmi", SEC_GUEST_NR, "virtual NMIs and injecting an NMI: blocking by NMI 0", check_guest_intr_vnmi),
	GUEST("guest-pdbg-reserved", SEC_GUEST_NR, "pending debug exceptions bits 11:4, 13, 15 and 63:17 are 0", check_guest_pdbg_reserved),
	GUEST("guest-pdbg-bs-set", SEC_GUEST_NR, "STI/MOV SS blocking or HLT, RFLAGS.TF 1, DEBUGCTL.BTF 0: BS 1", check_guest_pdbg_bs_set),
	GUEST("guest-pdbg-bs-clear", SEC_GUEST_NR, "STI/MOV SS blocking or HLT, RFLAGS.TF 0 or DEBUGCTL.BTF 1: BS 0", check_guest_pdbg_bs_clear),
	GUEST("guest-link-aligned", SEC_GUEST_NR, "VMCS link pointer not all ones: bits 11:0 are 0", check_guest_link_aligned),
	GUEST("guest-link-width", SEC_GUEST_NR, "VMCS link pointer not all ones: bits 63:MAXPHYADDR are 0", check_guest_link_width),
};

const unsigned int vmx_nr_guest_state_checks =
	sizeof(vmx_guest_state_checks) / sizeof(vmx_guest_state_checks[0]);


uint64_t vmx_guest_check_qualification(const struct vmx_check *r)
{
	if (r && (r->holds == check_guest_link_aligned || r->holds == check_guest_link_width))
		return VMX_ENTRY_FAIL_QUAL_VMCS_LINK;
	return VMX_ENTRY_FAIL_QUAL_DEFAULT;
}

/* CPUID.80000008H:EAX[15:8]; 48 when the model does not report it. */
static unsigned int linear_width(const struct cpu_model *m)
{
	uint32_t r[4];
	unsigned int n;

	model_cpuid(m, 0x80000008, 0, r);
	n = (r[MODEL_EAX] >> 8) & 0xff;
	return (n >= 32 && n <= 64) ? n : 48;
}

static void ctx_init(struct vmx_check_ctx *c, const struct cpu_model *m, const struct vmcs *v)
{
	uint64_t proc;

	c->m = m;
	c->v = v;
	c->maxphyaddr = model_maxphyaddr(m);
	/* A model file bounds MAXPHYADDR to 36-52; a shift of 64 would be UB. */
	SIM_BUG_ON(c->maxphyaddr == 0 || c->maxphyaddr >= 64);
	c->linaddr = linear_width(m);
	c->pin = fld(c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	proc = fld(c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	c->exit = fld(c, VMCS_VM_EXIT_CONTROLS);
	c->entry = fld(c, VMCS_VM_ENTRY_CONTROLS);
	c->proc2 = (proc & VMX_PROC_ACTIVATE_SECONDARY) ?
		   fld(c, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	c->ia32e = c->entry & VMX_ENTRY_IA32E_MODE_GUEST;
	c->unrestricted = c->proc2 & VMX_PROC2_UNRESTRICTED_GUEST;
	c->v8086 = fld(c, VMCS_GUEST_RFLAGS) & RFLAGS_VM;
}

static int run_rows(const struct vmx_check *rows, unsigned int n, const struct cpu_model *m,
		    const struct vmcs *v, const struct vmx_check **failed)
{
	struct vmx_check_ctx c;

	ctx_init(&c, m, v);
	*failed = NULL;
	for (unsigned int i = 0; i < n; i++) {
		if (!rows[i].holds(&c)) {
			*failed = &rows[i];
			return rows[i].error;
		}
	}
	return 0;
}

int vmx_check_host_state(const struct cpu_model *m, const struct vmcs *v,
			 const struct vmx_check **failed)
{
	return run_rows(vmx_host_state_checks, vmx_nr_host_state_checks, m, v, failed);
}

int vmx_check_guest_state(const struct cpu_model *m, const struct vmcs *v,
			  const struct vmx_check **failed)
{
	return run_rows(vmx_guest_state_checks, vmx_nr_guest_state_checks, m, v, failed);
}
