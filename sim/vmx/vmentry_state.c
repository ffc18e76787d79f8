// SPDX-License-Identifier: MIT
/*
 * The row functions of the checks VM entry makes on the host-state area
 * and on the guest-state area (the rows are in checks.def). Each is one
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
 * state these never reach (PDPTEs, CET, PKRS, RTIT, SMM, enclave
 * interruption) are left out; docs/vmx-checks.md lists them.
 *
 * A failing row is a guest- or hypervisor-visible outcome: nothing here
 * asserts on what the VMCS holds.
 */
#include "vmx/checks.h"

#include <stddef.h>

/* RFLAGS bits 63:22, 15, 5 and 3 ("Checks on Guest RIP, RFLAGS, and SSP"). */
#define RFLAGS_RESERVED	(~0x3fffffULL | VMX_BIT(15) | VMX_BIT(5) | VMX_BIT(3))

/* Selector: RPL bits 1:0, TI bit 2 (Vol. 3A "Segment Selectors"). */
#define SEL_RPL		3ULL
#define SEL_TI		VMX_BIT(2)

/* Interruptibility state: bits 31:5 reserved ("Guest Non-Register State"). */
#define INTR_RESERVED	0xffffffe0ULL
/* Blocking by STI and by MOV SS. */
#define INTR_BLOCKING	(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)

/* Pending debug exceptions: only B3-B0, enabled breakpoint, BS and RTM exist. */
#define PDBG_RESERVED	(~0x1ffffULL | 0xff0ULL | VMX_BIT(13) | VMX_BIT(15))

#define PAGE_MASK_LOW	0xfffULL

static bool canonical_field(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return vmx_canonical(c, vmx_fld(c, encoding));
}

/* FIXED0 bits set, nothing outside FIXED1 ("VMX-Fixed Bits in CR0/CR4"). */
static bool fits_fixed(uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	return (val & fixed0) == fixed0 && !(val & ~fixed1);
}

/* CET needs write protection: CR4.CET 1 only with CR0.WP 1. */
static bool cet_wp_ok(uint64_t cr0, uint64_t cr4)
{
	return !(cr4 & X86_CR4_CET) || (cr0 & X86_CR0_WP);
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

bool vmx_chk_host_cr0(const struct vmx_check_ctx *c)
{
	return fits_fixed(vmx_fld(c, VMCS_HOST_CR0), c->cr0_fixed0, c->cr0_fixed1);
}

bool vmx_chk_host_cr4(const struct vmx_check_ctx *c)
{
	return fits_fixed(vmx_fld(c, VMCS_HOST_CR4), c->cr4_fixed0, c->cr4_fixed1);
}

bool vmx_chk_host_cr3(const struct vmx_check_ctx *c)
{
	return !vmx_beyond_pa(c, vmx_fld(c, VMCS_HOST_CR3));
}

bool vmx_chk_host_cr4_cet(const struct vmx_check_ctx *c)
{
	return cet_wp_ok(vmx_fld(c, VMCS_HOST_CR0), vmx_fld(c, VMCS_HOST_CR4));
}

bool vmx_chk_host_sysenter_esp(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_IA32_SYSENTER_ESP);
}

bool vmx_chk_host_sysenter_eip(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_IA32_SYSENTER_EIP);
}

bool vmx_chk_host_perf_global(const struct vmx_check_ctx *c)
{
	return !(c->exit & VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL) ||
	       perf_global_valid(c, vmx_fld(c, VMCS_HOST_IA32_PERF_GLOBAL_CTRL));
}

bool vmx_chk_host_pat(const struct vmx_check_ctx *c)
{
	return !(c->exit & VM_EXIT_LOAD_IA32_PAT) || vmx_pat_valid(vmx_fld(c, VMCS_HOST_IA32_PAT));
}

bool vmx_chk_host_efer_reserved(const struct vmx_check_ctx *c)
{
	return !(c->exit & VM_EXIT_LOAD_IA32_EFER) ||
	       vmx_efer_reserved_clear(vmx_fld(c, VMCS_HOST_IA32_EFER));
}

static bool host_ass(const struct vmx_check_ctx *c)
{
	return c->exit & VM_EXIT_HOST_ADDR_SPACE_SIZE;
}

bool vmx_chk_host_efer_lma(const struct vmx_check_ctx *c)
{
	return !(c->exit & VM_EXIT_LOAD_IA32_EFER) ||
	       !!(vmx_fld(c, VMCS_HOST_IA32_EFER) & EFER_LMA) == host_ass(c);
}

bool vmx_chk_host_efer_lme(const struct vmx_check_ctx *c)
{
	return !(c->exit & VM_EXIT_LOAD_IA32_EFER) ||
	       !!(vmx_fld(c, VMCS_HOST_IA32_EFER) & EFER_LME) == host_ass(c);
}

/* IA32_PKRS is 32 bits wide: the field's upper half must be clear, host and guest alike. */
static bool pkrs_ok(uint64_t val)
{
	return !(val >> 32);
}

bool vmx_chk_host_pkrs(const struct vmx_check_ctx *c)
{
	return !(c->exit & VM_EXIT_LOAD_IA32_PKRS) || pkrs_ok(vmx_fld(c, VMCS_HOST_IA32_PKRS));
}

/* ---- host segment and descriptor-table registers ---- */

static bool sel_rpl_ti_clear(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return !(vmx_fld(c, encoding) & (SEL_RPL | SEL_TI));
}

#define HOST_SEL_ROW(name, field)					\
	bool vmx_chk_host_##name##_sel(const struct vmx_check_ctx *c) \
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

bool vmx_chk_host_cs_null(const struct vmx_check_ctx *c)
{
	return vmx_fld(c, VMCS_HOST_CS_SELECTOR) != 0;
}

bool vmx_chk_host_tr_null(const struct vmx_check_ctx *c)
{
	return vmx_fld(c, VMCS_HOST_TR_SELECTOR) != 0;
}

/* A null SS is fine for a 64-bit host only. */
bool vmx_chk_host_ss_null(const struct vmx_check_ctx *c)
{
	return host_ass(c) || vmx_fld(c, VMCS_HOST_SS_SELECTOR) != 0;
}

bool vmx_chk_host_fs_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_FS_BASE);
}

bool vmx_chk_host_gs_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_GS_BASE);
}

bool vmx_chk_host_gdtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_GDTR_BASE);
}

bool vmx_chk_host_idtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_IDTR_BASE);
}

bool vmx_chk_host_tr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_HOST_TR_BASE);
}

/* ---- address-space size ---- */

/* The simulated host runs VM entry in IA-32e mode, so it must return to it. */
bool vmx_chk_host_ass(const struct vmx_check_ctx *c)
{
	return host_ass(c);
}

bool vmx_chk_host_pae(const struct vmx_check_ctx *c)
{
	return !host_ass(c) || (vmx_fld(c, VMCS_HOST_CR4) & X86_CR4_PAE);
}

bool vmx_chk_host_rip(const struct vmx_check_ctx *c)
{
	return !host_ass(c) || canonical_field(c, VMCS_HOST_RIP);
}

/* ---- guest control registers, debug registers and MSRs ---- */

bool vmx_chk_guest_cr0(const struct vmx_check_ctx *c)
{
	uint64_t fixed0 = c->cr0_fixed0;

	/* Unrestricted guest lifts the PE and PG requirements. */
	if (c->unrestricted)
		fixed0 &= ~(X86_CR0_PE | X86_CR0_PG);
	return fits_fixed(vmx_fld(c, VMCS_GUEST_CR0), fixed0, c->cr0_fixed1);
}

bool vmx_chk_guest_cr0_pg_pe(const struct vmx_check_ctx *c)
{
	uint64_t cr0 = vmx_fld(c, VMCS_GUEST_CR0);

	return !(cr0 & X86_CR0_PG) || (cr0 & X86_CR0_PE);
}

bool vmx_chk_guest_cr4(const struct vmx_check_ctx *c)
{
	return fits_fixed(vmx_fld(c, VMCS_GUEST_CR4), c->cr4_fixed0, c->cr4_fixed1);
}

bool vmx_chk_guest_cr4_cet(const struct vmx_check_ctx *c)
{
	return cet_wp_ok(vmx_fld(c, VMCS_GUEST_CR0), vmx_fld(c, VMCS_GUEST_CR4));
}

/* The reserved bits are the model's: bus-lock detection, RTM debugging, ... */
bool vmx_chk_guest_debugctl(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_DEBUG_CONTROLS) ||
	       !(vmx_fld(c, VMCS_GUEST_IA32_DEBUGCTL) & model_debugctl_reserved(c->m));
}

bool vmx_chk_guest_ia32e_pg(const struct vmx_check_ctx *c)
{
	return !c->ia32e || (vmx_fld(c, VMCS_GUEST_CR0) & X86_CR0_PG);
}

bool vmx_chk_guest_ia32e_pae(const struct vmx_check_ctx *c)
{
	return !c->ia32e || (vmx_fld(c, VMCS_GUEST_CR4) & X86_CR4_PAE);
}

bool vmx_chk_guest_pcide(const struct vmx_check_ctx *c)
{
	return c->ia32e || !(vmx_fld(c, VMCS_GUEST_CR4) & X86_CR4_PCIDE);
}

bool vmx_chk_guest_cr3(const struct vmx_check_ctx *c)
{
	return !vmx_beyond_pa(c, vmx_fld(c, VMCS_GUEST_CR3));
}

bool vmx_chk_guest_dr7(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_DEBUG_CONTROLS) || !(vmx_fld(c, VMCS_GUEST_DR7) >> 32);
}

bool vmx_chk_guest_sysenter_esp(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_SYSENTER_ESP);
}

bool vmx_chk_guest_sysenter_eip(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_SYSENTER_EIP);
}

bool vmx_chk_guest_perf_global(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL) ||
	       perf_global_valid(c, vmx_fld(c, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL));
}

bool vmx_chk_guest_pat(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_IA32_PAT) || vmx_pat_valid(vmx_fld(c, VMCS_GUEST_IA32_PAT));
}

bool vmx_chk_guest_efer_reserved(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_IA32_EFER) ||
	       vmx_efer_reserved_clear(vmx_fld(c, VMCS_GUEST_IA32_EFER));
}

bool vmx_chk_guest_efer_lma(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_IA32_EFER) ||
	       !!(vmx_fld(c, VMCS_GUEST_IA32_EFER) & EFER_LMA) == c->ia32e;
}

bool vmx_chk_guest_efer_lme(const struct vmx_check_ctx *c)
{
	uint64_t efer = vmx_fld(c, VMCS_GUEST_IA32_EFER);

	if (!(c->entry & VM_ENTRY_LOAD_IA32_EFER) || !(vmx_fld(c, VMCS_GUEST_CR0) & X86_CR0_PG))
		return true;
	return !!(efer & EFER_LME) == !!(efer & EFER_LMA);
}

/* Bits 11:2 zero, bits 63:12 a canonical linear address. */
bool vmx_chk_guest_bndcfgs(const struct vmx_check_ctx *c)
{
	uint64_t val = vmx_fld(c, VMCS_GUEST_BNDCFGS);

	if (!(c->entry & VM_ENTRY_LOAD_BNDCFGS))
		return true;
	return !(val & 0xffcULL) && vmx_canonical(c, val & ~PAGE_MASK_LOW);
}

bool vmx_chk_guest_lbr_ctl(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_IA32_LBR_CTL) ||
	       !(vmx_fld(c, VMCS_GUEST_IA32_LBR_CTL) & model_lbr_ctl_reserved(c->m));
}

bool vmx_chk_guest_pkrs(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_LOAD_IA32_PKRS) || pkrs_ok(vmx_fld(c, VMCS_GUEST_IA32_PKRS));
}

/* ---- guest segment registers ---- */

static uint64_t seg_sel(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return vmx_fld(c, vmcs_seg_selector(s));
}

static uint64_t seg_limit(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return vmx_fld(c, vmcs_seg_limit(s));
}

static uint64_t seg_ar(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return vmx_fld(c, vmcs_seg_ar(s));
}

static uint64_t seg_base(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return vmx_fld(c, vmcs_seg_base(s));
}

static bool seg_usable(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !(seg_ar(c, s) & VMX_AR_UNUSABLE_MASK);
}

static unsigned int seg_dpl(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return (seg_ar(c, s) >> VMX_AR_DPL_SHIFT) & 3;
}

/*
 * Whether the access-rights rules apply: CS and TR always, the others
 * when usable. A virtual-8086 guest's CS, SS, DS, ES, FS and GS have
 * rules of their own instead; its TR and LDTR keep these.
 */
static bool seg_checked(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	if (c->v8086 && s != VMCS_SEG_TR && s != VMCS_SEG_LDTR)
		return false;
	return s == VMCS_SEG_CS || s == VMCS_SEG_TR || seg_usable(c, s);
}

bool vmx_chk_guest_tr_ti(const struct vmx_check_ctx *c)
{
	return !(seg_sel(c, VMCS_SEG_TR) & SEL_TI);
}

bool vmx_chk_guest_ldtr_ti(const struct vmx_check_ctx *c)
{
	return !seg_usable(c, VMCS_SEG_LDTR) || !(seg_sel(c, VMCS_SEG_LDTR) & SEL_TI);
}

bool vmx_chk_guest_ss_rpl(const struct vmx_check_ctx *c)
{
	if (c->v8086 || c->unrestricted)
		return true;
	return (seg_sel(c, VMCS_SEG_SS) & SEL_RPL) == (seg_sel(c, VMCS_SEG_CS) & SEL_RPL);
}

/* TR, FS, GS always; LDTR when usable. */
static bool base_canonical(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	if (s == VMCS_SEG_LDTR && !seg_usable(c, s))
		return true;
	return vmx_canonical(c, seg_base(c, s));
}

/* CS always; SS, DS, ES when usable. */
static bool base_high_clear(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	if (s != VMCS_SEG_CS && !seg_usable(c, s))
		return true;
	return !(seg_base(c, s) >> 32);
}

static bool cs_type_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	uint64_t type = seg_ar(c, s) & VMX_AR_TYPE_MASK;

	if (c->v8086)
		return true;
	if (type == 3)
		return c->unrestricted;
	return type == 9 || type == 11 || type == 13 || type == 15;
}

static bool ss_type_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	uint64_t type = seg_ar(c, s) & VMX_AR_TYPE_MASK;

	return !seg_checked(c, s) || type == 3 || type == 7;
}

/* Accessed, and readable when a code segment. */
static bool data_type_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	uint64_t type = seg_ar(c, s) & VMX_AR_TYPE_MASK;

	if (!seg_checked(c, s))
		return true;
	if (!(type & VMX_AR_TYPE_ACCESSES_MASK))
		return false;
	return !(type & VMX_AR_TYPE_CODE_MASK) || (type & VMX_AR_TYPE_READABLE_MASK);
}

static bool s_set(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !seg_checked(c, s) || (seg_ar(c, s) & VMX_AR_S_MASK);
}

static bool s_clear(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !seg_checked(c, s) || !(seg_ar(c, s) & VMX_AR_S_MASK);
}

static bool p_set(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !seg_checked(c, s) || (seg_ar(c, s) & VMX_AR_P_MASK);
}

static bool ar_reserved_clear(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !seg_checked(c, s) || !(seg_ar(c, s) & VMX_AR_RESERVD_MASK);
}

/*
 * Limit bits 11:0 not all ones: G is 0; limit bits 31:20 not all zeros:
 * G is 1 (the limit must be what a descriptor could give).
 */
static bool g_limit_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	uint64_t limit = seg_limit(c, s);
	bool g = seg_ar(c, s) & VMX_AR_G_MASK;

	if (!seg_checked(c, s))
		return true;
	if ((limit & 0xfff) != 0xfff && g)
		return false;
	return !(limit & 0xfff00000ULL) || g;
}

static bool cs_dpl_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	uint64_t type = seg_ar(c, s) & VMX_AR_TYPE_MASK;
	unsigned int dpl = seg_dpl(c, s), ss_dpl = seg_dpl(c, VMCS_SEG_SS);

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

static bool cs_db_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	uint64_t ar = seg_ar(c, s);

	return c->v8086 || !c->ia32e || !(ar & VMX_AR_L_MASK) || !(ar & VMX_AR_DB_MASK);
}

/* Not for an unrestricted guest: SS.DPL is the RPL of SS. */
static bool ss_dpl_rpl_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	if (c->v8086 || c->unrestricted)
		return true;
	return seg_dpl(c, s) == (seg_sel(c, s) & SEL_RPL);
}

static bool ss_dpl_zero_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	bool real = !(vmx_fld(c, VMCS_GUEST_CR0) & X86_CR0_PE);

	if (c->v8086)
		return true;
	if ((seg_ar(c, VMCS_SEG_CS) & VMX_AR_TYPE_MASK) != 3 && !real)
		return true;
	return seg_dpl(c, s) == 0;
}

/* Data and non-conforming code (types 0-11): DPL >= RPL, unless unrestricted. */
static bool data_dpl_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	if (!seg_checked(c, s) || c->unrestricted || (seg_ar(c, s) & VMX_AR_TYPE_MASK) > 11)
		return true;
	return seg_dpl(c, s) >= (seg_sel(c, s) & SEL_RPL);
}

/* A 64-bit busy TSS in IA-32e mode; a 16- or 32-bit busy TSS otherwise. */
static bool tr_type_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	uint64_t type = seg_ar(c, s) & VMX_AR_TYPE_MASK;

	return type == 11 || (!c->ia32e && type == 3);
}

static bool tr_usable_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return seg_usable(c, s);
}

static bool ldtr_type_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !seg_checked(c, s) || (seg_ar(c, s) & VMX_AR_TYPE_MASK) == 2;
}

/*
 * A virtual-8086 guest's CS, SS, DS, ES, FS and GS are what real-mode-style
 * segment loads make them: base selector x 16, a 64-KByte limit, a
 * present DPL-3 read/write data segment.
 */
static bool v86_base_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !c->v8086 || seg_base(c, s) == seg_sel(c, s) << VMX_V86_BASE_SHIFT;
}

static bool v86_limit_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !c->v8086 || seg_limit(c, s) == VMX_V86_LIMIT;
}

static bool v86_ar_ok(const struct vmx_check_ctx *c, enum vmcs_seg s)
{
	return !c->v8086 || seg_ar(c, s) == VMX_V86_AR;
}

/* One row function per (rule, segment): the table's holds() takes no argument. */
#define SEG_ROW(name, rule, seg)					\
	bool vmx_chk_guest_##name(const struct vmx_check_ctx *c)	\
	{								\
		return rule(c, seg);					\
	}

SEG_ROW(v86_cs_base, v86_base_ok, VMCS_SEG_CS)
SEG_ROW(v86_ss_base, v86_base_ok, VMCS_SEG_SS)
SEG_ROW(v86_ds_base, v86_base_ok, VMCS_SEG_DS)
SEG_ROW(v86_es_base, v86_base_ok, VMCS_SEG_ES)
SEG_ROW(v86_fs_base, v86_base_ok, VMCS_SEG_FS)
SEG_ROW(v86_gs_base, v86_base_ok, VMCS_SEG_GS)

SEG_ROW(v86_cs_limit, v86_limit_ok, VMCS_SEG_CS)
SEG_ROW(v86_ss_limit, v86_limit_ok, VMCS_SEG_SS)
SEG_ROW(v86_ds_limit, v86_limit_ok, VMCS_SEG_DS)
SEG_ROW(v86_es_limit, v86_limit_ok, VMCS_SEG_ES)
SEG_ROW(v86_fs_limit, v86_limit_ok, VMCS_SEG_FS)
SEG_ROW(v86_gs_limit, v86_limit_ok, VMCS_SEG_GS)

SEG_ROW(v86_cs_ar, v86_ar_ok, VMCS_SEG_CS)
SEG_ROW(v86_ss_ar, v86_ar_ok, VMCS_SEG_SS)
SEG_ROW(v86_ds_ar, v86_ar_ok, VMCS_SEG_DS)
SEG_ROW(v86_es_ar, v86_ar_ok, VMCS_SEG_ES)
SEG_ROW(v86_fs_ar, v86_ar_ok, VMCS_SEG_FS)
SEG_ROW(v86_gs_ar, v86_ar_ok, VMCS_SEG_GS)

SEG_ROW(tr_base, base_canonical, VMCS_SEG_TR)
SEG_ROW(fs_base, base_canonical, VMCS_SEG_FS)
SEG_ROW(gs_base, base_canonical, VMCS_SEG_GS)
SEG_ROW(ldtr_base, base_canonical, VMCS_SEG_LDTR)
SEG_ROW(cs_base, base_high_clear, VMCS_SEG_CS)
SEG_ROW(ss_base, base_high_clear, VMCS_SEG_SS)
SEG_ROW(ds_base, base_high_clear, VMCS_SEG_DS)
SEG_ROW(es_base, base_high_clear, VMCS_SEG_ES)

SEG_ROW(cs_type, cs_type_ok, VMCS_SEG_CS)
SEG_ROW(ss_type, ss_type_ok, VMCS_SEG_SS)
SEG_ROW(ds_type, data_type_ok, VMCS_SEG_DS)
SEG_ROW(es_type, data_type_ok, VMCS_SEG_ES)
SEG_ROW(fs_type, data_type_ok, VMCS_SEG_FS)
SEG_ROW(gs_type, data_type_ok, VMCS_SEG_GS)

SEG_ROW(cs_s, s_set, VMCS_SEG_CS)
SEG_ROW(ss_s, s_set, VMCS_SEG_SS)
SEG_ROW(ds_s, s_set, VMCS_SEG_DS)
SEG_ROW(es_s, s_set, VMCS_SEG_ES)
SEG_ROW(fs_s, s_set, VMCS_SEG_FS)
SEG_ROW(gs_s, s_set, VMCS_SEG_GS)

SEG_ROW(cs_dpl, cs_dpl_ok, VMCS_SEG_CS)
SEG_ROW(ss_dpl_rpl, ss_dpl_rpl_ok, VMCS_SEG_SS)
SEG_ROW(ss_dpl_zero, ss_dpl_zero_ok, VMCS_SEG_SS)
SEG_ROW(ds_dpl, data_dpl_ok, VMCS_SEG_DS)
SEG_ROW(es_dpl, data_dpl_ok, VMCS_SEG_ES)
SEG_ROW(fs_dpl, data_dpl_ok, VMCS_SEG_FS)
SEG_ROW(gs_dpl, data_dpl_ok, VMCS_SEG_GS)

SEG_ROW(cs_p, p_set, VMCS_SEG_CS)
SEG_ROW(ss_p, p_set, VMCS_SEG_SS)
SEG_ROW(ds_p, p_set, VMCS_SEG_DS)
SEG_ROW(es_p, p_set, VMCS_SEG_ES)
SEG_ROW(fs_p, p_set, VMCS_SEG_FS)
SEG_ROW(gs_p, p_set, VMCS_SEG_GS)

SEG_ROW(cs_reserved, ar_reserved_clear, VMCS_SEG_CS)
SEG_ROW(ss_reserved, ar_reserved_clear, VMCS_SEG_SS)
SEG_ROW(ds_reserved, ar_reserved_clear, VMCS_SEG_DS)
SEG_ROW(es_reserved, ar_reserved_clear, VMCS_SEG_ES)
SEG_ROW(fs_reserved, ar_reserved_clear, VMCS_SEG_FS)
SEG_ROW(gs_reserved, ar_reserved_clear, VMCS_SEG_GS)

SEG_ROW(cs_db, cs_db_ok, VMCS_SEG_CS)

SEG_ROW(cs_limit, g_limit_ok, VMCS_SEG_CS)
SEG_ROW(ss_limit, g_limit_ok, VMCS_SEG_SS)
SEG_ROW(ds_limit, g_limit_ok, VMCS_SEG_DS)
SEG_ROW(es_limit, g_limit_ok, VMCS_SEG_ES)
SEG_ROW(fs_limit, g_limit_ok, VMCS_SEG_FS)
SEG_ROW(gs_limit, g_limit_ok, VMCS_SEG_GS)

SEG_ROW(tr_type, tr_type_ok, VMCS_SEG_TR)
SEG_ROW(tr_s, s_clear, VMCS_SEG_TR)
SEG_ROW(tr_p, p_set, VMCS_SEG_TR)
SEG_ROW(tr_reserved, ar_reserved_clear, VMCS_SEG_TR)
SEG_ROW(tr_limit, g_limit_ok, VMCS_SEG_TR)
SEG_ROW(tr_usable, tr_usable_ok, VMCS_SEG_TR)

SEG_ROW(ldtr_type, ldtr_type_ok, VMCS_SEG_LDTR)
SEG_ROW(ldtr_s, s_clear, VMCS_SEG_LDTR)
SEG_ROW(ldtr_p, p_set, VMCS_SEG_LDTR)
SEG_ROW(ldtr_reserved, ar_reserved_clear, VMCS_SEG_LDTR)
SEG_ROW(ldtr_limit, g_limit_ok, VMCS_SEG_LDTR)

/* ---- guest descriptor-table registers ---- */

bool vmx_chk_guest_gdtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_GDTR_BASE);
}

bool vmx_chk_guest_idtr_base(const struct vmx_check_ctx *c)
{
	return canonical_field(c, VMCS_GUEST_IDTR_BASE);
}

bool vmx_chk_guest_gdtr_limit(const struct vmx_check_ctx *c)
{
	return !(vmx_fld(c, VMCS_GUEST_GDTR_LIMIT) >> 16);
}

bool vmx_chk_guest_idtr_limit(const struct vmx_check_ctx *c)
{
	return !(vmx_fld(c, VMCS_GUEST_IDTR_LIMIT) >> 16);
}

/* ---- guest RIP and RFLAGS ---- */

static bool long_mode_cs(const struct vmx_check_ctx *c)
{
	return c->ia32e && (seg_ar(c, VMCS_SEG_CS) & VMX_AR_L_MASK);
}

bool vmx_chk_guest_rip_high(const struct vmx_check_ctx *c)
{
	return long_mode_cs(c) || !(vmx_fld(c, VMCS_GUEST_RIP) >> 32);
}

bool vmx_chk_guest_rip_canonical(const struct vmx_check_ctx *c)
{
	return !long_mode_cs(c) || canonical_field(c, VMCS_GUEST_RIP);
}

bool vmx_chk_guest_rflags_reserved(const struct vmx_check_ctx *c)
{
	return !(vmx_fld(c, VMCS_GUEST_RFLAGS) & RFLAGS_RESERVED);
}

bool vmx_chk_guest_rflags_bit1(const struct vmx_check_ctx *c)
{
	return vmx_fld(c, VMCS_GUEST_RFLAGS) & X86_EFLAGS_FIXED;
}

bool vmx_chk_guest_rflags_vm(const struct vmx_check_ctx *c)
{
	bool pe = vmx_fld(c, VMCS_GUEST_CR0) & X86_CR0_PE;

	return !c->v8086 || (!c->ia32e && pe);
}

/* Whether entry injects an event of interruption type @type. */
static bool injects(const struct vmx_check_ctx *c, uint64_t type)
{
	uint64_t info = vmx_injected(c);

	return info && (info & INTR_INFO_INTR_TYPE_MASK) == type;
}

bool vmx_chk_guest_rflags_if(const struct vmx_check_ctx *c)
{
	return !injects(c, INTR_TYPE_EXT_INTR) ||
	       (vmx_fld(c, VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF);
}

/* ---- guest non-register state ---- */

static uint64_t activity(const struct vmx_check_ctx *c)
{
	return vmx_fld(c, VMCS_GUEST_ACTIVITY_STATE);
}

static uint64_t intr_state(const struct vmx_check_ctx *c)
{
	return vmx_fld(c, VMCS_GUEST_INTERRUPTIBILITY_INFO);
}

bool vmx_chk_guest_activity_supported(const struct vmx_check_ctx *c)
{
	static const uint64_t misc_bit[] = {
		[GUEST_ACTIVITY_HLT] = VMX_MISC_ACTIVITY_HLT,
		[GUEST_ACTIVITY_SHUTDOWN] = VMX_MISC_ACTIVITY_SHUTDOWN,
		[GUEST_ACTIVITY_WAIT_SIPI] = VMX_MISC_ACTIVITY_WAIT_SIPI,
	};
	uint64_t state = activity(c);

	if (state == GUEST_ACTIVITY_ACTIVE)
		return true;
	if (state > GUEST_ACTIVITY_WAIT_SIPI)
		return false;
	return vmx_cap(c, MSR_IA32_VMX_MISC) & misc_bit[state];
}

bool vmx_chk_guest_activity_hlt_dpl(const struct vmx_check_ctx *c)
{
	return activity(c) != GUEST_ACTIVITY_HLT || seg_dpl(c, VMCS_SEG_SS) == 0;
}

bool vmx_chk_guest_activity_blocking(const struct vmx_check_ctx *c)
{
	return activity(c) == GUEST_ACTIVITY_ACTIVE || !(intr_state(c) & INTR_BLOCKING);
}

/*
 * HLT takes external interrupts, NMIs, #DB, #MC and pending MTF; shutdown
 * NMIs and #MC; wait-for-SIPI nothing.
 */
bool vmx_chk_guest_activity_injection(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);
	uint64_t type = info & INTR_INFO_INTR_TYPE_MASK;
	uint64_t vec = info & INTR_INFO_VECTOR_MASK;

	if (!info)
		return true;
	switch (activity(c)) {
	case GUEST_ACTIVITY_HLT:
		if (type == INTR_TYPE_EXT_INTR || type == INTR_TYPE_NMI_INTR)
			return true;
		if (type == INTR_TYPE_HARD_EXCEPTION)
			return vec == 1 || vec == 18;
		if (type == INTR_TYPE_PRIV_SW_EXCEPTION)
			return vec == 1;
		return type == INTR_TYPE_OTHER_EVENT && vec == 0;
	case GUEST_ACTIVITY_SHUTDOWN:
		return type == INTR_TYPE_NMI_INTR ||
		       (type == INTR_TYPE_HARD_EXCEPTION && vec == 18);
	case GUEST_ACTIVITY_WAIT_SIPI:
		return false;
	default:
		return true;
	}
}

bool vmx_chk_guest_intr_reserved(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & INTR_RESERVED);
}

bool vmx_chk_guest_intr_sti_movss(const struct vmx_check_ctx *c)
{
	return (intr_state(c) & INTR_BLOCKING) != INTR_BLOCKING;
}

bool vmx_chk_guest_intr_sti_if(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & GUEST_INTR_STATE_STI) ||
	       (vmx_fld(c, VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF);
}

bool vmx_chk_guest_intr_ext_inject(const struct vmx_check_ctx *c)
{
	return !injects(c, INTR_TYPE_EXT_INTR) || !(intr_state(c) & INTR_BLOCKING);
}

bool vmx_chk_guest_intr_nmi_movss(const struct vmx_check_ctx *c)
{
	return !injects(c, INTR_TYPE_NMI_INTR) || !(intr_state(c) & GUEST_INTR_STATE_MOV_SS);
}

/* A processor may require this, others may not: the model's choice says which it is. */
bool vmx_chk_guest_intr_nmi_sti(const struct vmx_check_ctx *c)
{
	return !injects(c, INTR_TYPE_NMI_INTR) || c->m->choice[MODEL_CHOICE_NMI_IN_STI_SHADOW] ||
	       !(intr_state(c) & GUEST_INTR_STATE_STI);
}

/* The simulator never runs in SMM. */
bool vmx_chk_guest_intr_smi(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & GUEST_INTR_STATE_SMI);
}

bool vmx_chk_guest_intr_vnmi(const struct vmx_check_ctx *c)
{
	if (!(c->pin & PIN_BASED_VIRTUAL_NMIS) || !injects(c, INTR_TYPE_NMI_INTR))
		return true;
	return !(intr_state(c) & GUEST_INTR_STATE_NMI);
}

/* An interruption inside an enclave (bit 4) needs SGX: CPUID.(EAX=07H,ECX=0):EBX[2]. */
bool vmx_chk_guest_intr_enclave_sgx(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & GUEST_INTR_STATE_ENCLAVE_INTR) ||
	       model_cpuid_bit(c->m, 7, 0, MODEL_EBX, 2);
}

bool vmx_chk_guest_intr_enclave_movss(const struct vmx_check_ctx *c)
{
	return !(intr_state(c) & GUEST_INTR_STATE_ENCLAVE_INTR) ||
	       !(intr_state(c) & GUEST_INTR_STATE_MOV_SS);
}

bool vmx_chk_guest_pdbg_reserved(const struct vmx_check_ctx *c)
{
	return !(vmx_fld(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS) & PDBG_RESERVED);
}

/*
 * When blocking by STI/MOV SS or HLT holds a single-step trap back, BS
 * must say whether one is pending: 1 when RFLAGS.TF and not DEBUGCTL.BTF.
 */
static bool bs_constrained(const struct vmx_check_ctx *c)
{
	return (intr_state(c) & INTR_BLOCKING) || activity(c) == GUEST_ACTIVITY_HLT;
}

static bool single_step(const struct vmx_check_ctx *c)
{
	return (vmx_fld(c, VMCS_GUEST_RFLAGS) & X86_EFLAGS_TF) &&
	       !(vmx_fld(c, VMCS_GUEST_IA32_DEBUGCTL) & DEBUGCTLMSR_BTF);
}

bool vmx_chk_guest_pdbg_bs_set(const struct vmx_check_ctx *c)
{
	return !bs_constrained(c) || !single_step(c) ||
	       (vmx_fld(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DBG_BS);
}

bool vmx_chk_guest_pdbg_bs_clear(const struct vmx_check_ctx *c)
{
	return !bs_constrained(c) || single_step(c) ||
	       !(vmx_fld(c, VMCS_GUEST_PENDING_DBG_EXCEPTIONS) & PENDING_DBG_BS);
}

bool vmx_chk_guest_link_aligned(const struct vmx_check_ctx *c)
{
	uint64_t link = vmx_fld(c, VMCS_VMCS_LINK_POINTER);

	return link == VMCS_LINK_POINTER_NONE || !(link & PAGE_MASK_LOW);
}

bool vmx_chk_guest_link_width(const struct vmx_check_ctx *c)
{
	uint64_t link = vmx_fld(c, VMCS_VMCS_LINK_POINTER);

	return link == VMCS_LINK_POINTER_NONE || !vmx_beyond_pa(c, link);
}

/*
 * The first 4 bytes of the VMCS region at @pa: revision identifier in
 * bits 30:0, shadow-VMCS indicator in bit 31 ("Format of the VMCS
 * Region"). Unbacked memory reads as zeros.
 */
static uint32_t region_dword(const struct vmx_check_ctx *c, uint64_t pa)
{
	uint32_t dword;

	vmx_read_phys(c, pa, &dword, sizeof(dword));
	return dword;
}

bool vmx_chk_guest_link_revision(const struct vmx_check_ctx *c)
{
	uint64_t link = vmx_fld(c, VMCS_VMCS_LINK_POINTER);

	return link == VMCS_LINK_POINTER_NONE ||
	       (region_dword(c, link) & VMX_BASIC_REVISION_MASK) ==
	       (vmx_cap(c, MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_MASK);
}

/* The VMCS the link pointer names is a shadow VMCS exactly when VMCS shadowing is 1. */
bool vmx_chk_guest_link_shadow(const struct vmx_check_ctx *c)
{
	uint64_t link = vmx_fld(c, VMCS_VMCS_LINK_POINTER);

	return link == VMCS_LINK_POINTER_NONE ||
	       !(region_dword(c, link) & VMCS_REGION_SHADOW) ==
	       !(c->proc2 & SECONDARY_EXEC_SHADOW_VMCS);
}

/* ---- Checks on Guest Page-Directory-Pointer-Table Entries ---- */

/* The guest uses PAE paging: CR0.PG and CR4.PAE in its fields, not IA-32e mode. */
static bool pae_guest(const struct vmx_check_ctx *c)
{
	return (vmx_fld(c, VMCS_GUEST_CR0) & X86_CR0_PG) &&
	       (vmx_fld(c, VMCS_GUEST_CR4) & X86_CR4_PAE) && !c->ia32e;
}

/* What MOV to CR3 checks of each PDPTE under PAE paging: present, none reserved. */
static bool pdptes_valid(const struct vmx_check_ctx *c, const uint64_t *pdpte)
{
	for (int i = 0; i < PAE_NR_PDPTES; i++)
		if ((pdpte[i] & PAE_PDPTE_PRESENT) &&
		    ((pdpte[i] & PAE_PDPTE_RESERVED_LOW) || vmx_beyond_pa(c, pdpte[i])))
			return false;
	return true;
}

/*
 * Without EPT the PDPTEs come from the table CR3 locates, as MOV to CR3
 * would load them: VM entry must check them when PAE paging was not in
 * use before it, which for the IA-32e host is always.
 */
bool vmx_chk_guest_pdpte_mem(const struct vmx_check_ctx *c)
{
	uint64_t pdpte[PAE_NR_PDPTES];

	if (!pae_guest(c) || (c->proc2 & SECONDARY_EXEC_ENABLE_EPT))
		return true;
	vmx_read_phys(c, vmx_fld(c, VMCS_GUEST_CR3) & PAE_CR3_PDPT_MASK, pdpte, sizeof(pdpte));
	return pdptes_valid(c, pdpte);
}

/* With EPT, the guest-state area's PDPTE fields are the ones loaded. */
bool vmx_chk_guest_pdpte_fields(const struct vmx_check_ctx *c)
{
	const uint64_t pdpte[PAE_NR_PDPTES] = {
		vmx_fld(c, VMCS_GUEST_PDPTR0), vmx_fld(c, VMCS_GUEST_PDPTR1),
		vmx_fld(c, VMCS_GUEST_PDPTR2), vmx_fld(c, VMCS_GUEST_PDPTR3),
	};

	return !pae_guest(c) || !(c->proc2 & SECONDARY_EXEC_ENABLE_EPT) || pdptes_valid(c, pdpte);
}
