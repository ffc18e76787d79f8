// SPDX-License-Identifier: MIT
/*
 * The VM-entry checks on the host-state and guest-state areas. A builder
 * gives a legal 64-bit host and a legal 64-bit IA-32e guest with flat
 * segments on every model in cpus/ (sim/vmx/legal.c); every host-state and
 * guest-state row of the check table then gets its own test that breaks that
 * state in exactly the way the row forbids and expects that row to fail,
 * with error 8 (host) or basic exit reason 33 (guest).
 *
 * SDM citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C.
 */
#include "vmx/vmentry.h"
#include "vmx_models.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "cpu/model.h"
#include "vmx/legal.h"
#include "vmx/vmcs.h"

#ifndef HVSIM_CPUS_DIR
#error "HVSIM_CPUS_DIR must name the source tree's cpus/ directory"
#endif

#define MAX_ROWS	160

/* Non-canonical for every linear-address width up to 57 bits. */
#define NONCANON	0x4000000000000000ULL

static void expect_pass(const struct cpu_model *m, const struct vmcs *v, const char *what)
{
	static const struct vmx_check sentinel;
	const struct vmx_check *failed = &sentinel;	/* must come back NULL */
	int err;

	err = vmx_check_controls(m, v, &failed);
	cr_assert_eq(err, 0, "%s on %s: controls error %d at %s", what, m->name, err,
		     failed ? failed->id : "(none)");
	failed = &sentinel;
	err = vmx_check_host_state(m, v, &failed);
	cr_assert_eq(err, 0, "%s on %s: host error %d at %s", what, m->name, err,
		     failed ? failed->id : "(none)");
	cr_assert_null(failed);
	failed = &sentinel;
	err = vmx_check_guest_state(m, v, &failed);
	cr_assert_eq(err, 0, "%s on %s: guest exit %d at %s", what, m->name, err,
		     failed ? failed->id : "(none)");
	cr_assert_null(failed);
	err = vmx_check_entry(m, v, NULL, &failed);
	cr_assert_eq(err, 0, "%s on %s: entry fails at %s", what, m->name,
		     failed ? failed->id : "(none)");
}

/* ---- violations: one per row, each breaking the legal state one way ---- */

typedef void violate_fn(const struct cpu_model *m, struct vmcs *v, int arg);

static void v_set(const struct cpu_model *m, struct vmcs *v, uint32_t f, uint64_t val)
{
	(void)m;
	vmcs_set(v, f, val);
}

/* Host. */
static void h_cr0(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_HOST_CR0, model_cr0_fixed0(m) | VMX_BIT(32));
}

static void h_cr4(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_clear_bits(v, VMCS_HOST_CR4, X86_CR4_VMXE);
}

/* @a: CR4 field; CET without WP in the matching CR0 (the legal CR0 has no WP). */
static void cet_no_wp(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set_bits(v, (uint32_t)a, X86_CR4_CET);
}

static void h_cr3(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_HOST_CR3, 1ULL << model_maxphyaddr(m));
}

/* @a is the field: a canonical address made non-canonical. */
static void noncanon(const struct cpu_model *m, struct vmcs *v, int a)
{
	v_set(m, v, (uint32_t)a, NONCANON);
}

static void h_perf(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL);
	v_set(m, v, VMCS_HOST_IA32_PERF_GLOBAL_CTRL, VMX_BIT(50));
}

static void h_pat(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_LOAD_IA32_PAT);
	v_set(m, v, VMCS_HOST_IA32_PAT, (VMX_LEGAL_PAT & ~0xffULL) | 2);
}

/* @a: bits to toggle in IA32_EFER. */
static void h_efer(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_LOAD_IA32_EFER);
	vmcs_set(v, VMCS_HOST_IA32_EFER, vmcs_get(v, VMCS_HOST_IA32_EFER) ^ (uint64_t)a);
}

/* @a: the selector field; RPL 1. */
static void h_sel(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set_bits(v, (uint32_t)a, 1);
}

static void h_null(const struct cpu_model *m, struct vmcs *v, int a)
{
	v_set(m, v, (uint32_t)a, 0);
}

/* A 32-bit host address-space size (without the EFER load that would object first). */
static void h_no_ass(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_clear_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_EFER);
}

static void h_ss_null(const struct cpu_model *m, struct vmcs *v, int a)
{
	h_no_ass(m, v, a);
	vmcs_set(v, VMCS_HOST_SS_SELECTOR, 0);
}

static void h_pae(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_clear_bits(v, VMCS_HOST_CR4, X86_CR4_PAE);
}

/* Guest. */
/* Unrestricted guest, with the EPT it needs (write-back, 4-level): legal controls. */
static void unrestricted(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL,
		 SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST);
	vmcs_set(v, VMCS_EPT_POINTER, VMX_EPTP_MT_WB | (3ULL << VMX_EPTP_PWL_SHIFT) | 0x13000ULL);
}

/* CS, SS, DS, ES, FS, GS: the segments a virtual-8086 guest has rules of its own for. */
static const enum vmcs_seg v86_segs[] = {
	VMCS_SEG_CS, VMCS_SEG_SS, VMCS_SEG_DS, VMCS_SEG_ES, VMCS_SEG_FS, VMCS_SEG_GS,
};

/*
 * A legal virtual-8086 guest: 32-bit protected mode with paging and
 * RFLAGS.VM, no IA-32e mode (so EFER.LMA and LME 0), each v8086 segment
 * at base selector << 4, limit FFFFH, access rights F3H; TR stays a busy
 * TSS (type 11), LDTR unusable.
 */
static void v8086(struct vmcs *v)
{
	vmcs_clear_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	vmcs_set(v, VMCS_GUEST_IA32_EFER, 0);
	vmcs_set(v, VMCS_GUEST_RFLAGS, X86_EFLAGS_FIXED | X86_EFLAGS_VM);
	for (size_t i = 0; i < sizeof(v86_segs) / sizeof(v86_segs[0]); i++) {
		uint64_t sel = 0x1000 + 0x100 * i;

		vmcs_set_seg(v, v86_segs[i], sel, sel << VMX_V86_BASE_SHIFT, VMX_V86_LIMIT,
			     VMX_V86_AR);
	}
}

static void g_cr0(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_GUEST_CR0, model_cr0_fixed0(m) | VMX_BIT(32));
}

/* @a: CR0 bits to clear under unrestricted guest. */
static void g_cr0_unrestricted(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	unrestricted(v);
	vmcs_clear_bits(v, VMCS_GUEST_CR0, (uint64_t)a);
}

static void g_cr4(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_clear_bits(v, VMCS_GUEST_CR4, X86_CR4_VMXE);
}

/* @a: the IA32_DEBUGCTL bit; bit 3 is reserved on every processor. */
static void g_debugctl(const struct cpu_model *m, struct vmcs *v, int a)
{
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_DEBUG_CONTROLS);
	v_set(m, v, VMCS_GUEST_IA32_DEBUGCTL, VMX_BIT(a));
}

static void g_pae(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_clear_bits(v, VMCS_GUEST_CR4, X86_CR4_PAE);
}

/* A 32-bit guest with PCIDE: no EFER load, which would object to LMA. */
static void g_pcide(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_clear_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_IA32_EFER);
	vmcs_set_bits(v, VMCS_GUEST_CR4, X86_CR4_PCIDE);
}

static void g_cr3(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_GUEST_CR3, 1ULL << model_maxphyaddr(m));
}

static void g_dr7(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_DEBUG_CONTROLS);
	vmcs_set_bits(v, VMCS_GUEST_DR7, VMX_BIT(32));
}

static void g_perf(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL);
	v_set(m, v, VMCS_GUEST_IA32_PERF_GLOBAL_CTRL, VMX_BIT(50));
}

static void g_pat(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_IA32_PAT);
	v_set(m, v, VMCS_GUEST_IA32_PAT, VMX_LEGAL_PAT | 0x03000000);
}

static void g_efer(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_IA32_EFER);
	vmcs_set(v, VMCS_GUEST_IA32_EFER, vmcs_get(v, VMCS_GUEST_IA32_EFER) ^ (uint64_t)a);
}

static void g_bndcfgs(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_BNDCFGS);
	v_set(m, v, VMCS_GUEST_BNDCFGS, 0x4);
}

/* A usable LDT, so the LDTR rows have something to check. */
static void usable_ldtr(struct vmcs *v)
{
	vmcs_set_seg(v, VMCS_SEG_LDTR, 0x20, 0x5000, 0xffff, VMX_LEGAL_AR_LDT);
}

/* @a: segment; selector bits 0x100 * bits + seg: selector gets TI or RPL. */
static void g_sel_or(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	if ((a & 0xff) == VMCS_SEG_LDTR)
		usable_ldtr(v);
	vmcs_set_bits(v, vmcs_seg_selector(a & 0xff), (uint64_t)(a >> 8));
}

#define SEL_ARG(seg, bits)	((seg) | ((bits) << 8))

static void g_base_noncanon(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	if (a == VMCS_SEG_LDTR)
		usable_ldtr(v);
	vmcs_set(v, vmcs_seg_base(a), NONCANON);
}

static void g_base_high(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set(v, vmcs_seg_base(a), VMX_BIT(32));
}

/* A virtual-8086 guest whose segment @a has its base one paragraph off. */
static void g_v86_base(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	v8086(v);
	vmcs_set(v, vmcs_seg_base(a), vmcs_get(v, vmcs_seg_base(a)) + 0x10);
}

/* ... a 1-MByte limit. */
static void g_v86_limit(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	v8086(v);
	vmcs_set(v, vmcs_seg_limit(a), 0xfffff);
}

/* ... access rights F2H: not accessed. */
static void g_v86_ar(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	v8086(v);
	vmcs_clear_bits(v, vmcs_seg_ar(a), VMX_AR_TYPE_ACCESSES_MASK);
}

/* @a: segment | type << 8: replace the type. */
static void g_type(const struct cpu_model *m, struct vmcs *v, int a)
{
	int s = a & 0xff;

	(void)m;
	if (s == VMCS_SEG_LDTR)
		usable_ldtr(v);
	vmcs_set(v, vmcs_seg_ar(s), (vmcs_get(v, vmcs_seg_ar(s)) & ~VMX_AR_TYPE_MASK) | (uint64_t)(a >> 8));
}

#define TYPE_ARG(seg, type)	((seg) | ((type) << 8))

/* @a: segment | bit << 8: toggle access-rights bit. */
static void g_ar_toggle(const struct cpu_model *m, struct vmcs *v, int a)
{
	int s = a & 0xff;

	(void)m;
	if (s == VMCS_SEG_LDTR)
		usable_ldtr(v);
	vmcs_set(v, vmcs_seg_ar(s), vmcs_get(v, vmcs_seg_ar(s)) ^ VMX_BIT(a >> 8));
}

#define BIT_ARG(seg, bit)	((seg) | ((bit) << 8))

/* CS DPL 3 against SS DPL 0 for a non-conforming code segment. */
static void g_cs_dpl(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_set_bits(v, vmcs_seg_ar(VMCS_SEG_CS), AR_DPL(3));
}

/* A conforming CS lets SS DPL 3 pass cs-dpl; SS RPL stays 0. */
static void g_ss_dpl_rpl(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_set(v, vmcs_seg_ar(VMCS_SEG_CS), (VMX_LEGAL_AR_CODE64 & ~VMX_AR_TYPE_MASK) | 15);
	vmcs_set_bits(v, vmcs_seg_ar(VMCS_SEG_SS), AR_DPL(3));
}

static void g_ss_dpl_zero(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	unrestricted(v);
	vmcs_set(v, vmcs_seg_ar(VMCS_SEG_CS), (VMX_LEGAL_AR_CODE64 & ~VMX_AR_TYPE_MASK) | 3);
	vmcs_set_bits(v, vmcs_seg_ar(VMCS_SEG_SS), AR_DPL(3));
}

/* RPL 3 on a DPL 0 data segment. */
static void g_data_dpl(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set_bits(v, vmcs_seg_selector(a), 3);
}

/* A limit a G bit of 1 cannot give (or 0 cannot, for byte-granular segments). */
static void g_limit(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	if (a == VMCS_SEG_LDTR)
		usable_ldtr(v);
	if (vmcs_get(v, vmcs_seg_ar(a)) & VMX_AR_G_MASK)
		vmcs_set(v, vmcs_seg_limit(a), 0xfffff000);
	else
		vmcs_set(v, vmcs_seg_limit(a), 0x100000);
}

static void g_dt_limit(const struct cpu_model *m, struct vmcs *v, int a)
{
	v_set(m, v, (uint32_t)a, 0x10000);
}

static void g_rip_high(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_clear_bits(v, vmcs_seg_ar(VMCS_SEG_CS), VMX_AR_L_MASK);
	vmcs_set(v, VMCS_GUEST_RIP, VMX_BIT(32) | 0x1000);
}

static void g_rflags(const struct cpu_model *m, struct vmcs *v, int a)
{
	v_set(m, v, VMCS_GUEST_RFLAGS, (uint64_t)(unsigned int)a);
}

/* A virtual-8086 guest, legal but for IA-32e mode. */
static void g_v86_ia32e(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	v8086(v);
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	vmcs_set(v, VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA);
}

static void inject(struct vmcs *v, uint64_t type, unsigned int vector)
{
	vmcs_set(v, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK | type | vector);
}

static void g_ext_if0(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	inject(v, INTR_TYPE_EXT_INTR, 0x20);
}

static void g_activity(const struct cpu_model *m, struct vmcs *v, int a)
{
	v_set(m, v, VMCS_GUEST_ACTIVITY_STATE, (uint64_t)a);
}

/* A CPL-3 guest (so SS DPL 3 is legal) halted. */
static void g_hlt_dpl(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_set(v, vmcs_seg_selector(VMCS_SEG_CS), 0x0b);
	vmcs_set_bits(v, vmcs_seg_ar(VMCS_SEG_CS), AR_DPL(3));
	vmcs_set(v, vmcs_seg_selector(VMCS_SEG_SS), 0x13);
	vmcs_set_bits(v, vmcs_seg_ar(VMCS_SEG_SS), AR_DPL(3));
	vmcs_set(v, VMCS_GUEST_ACTIVITY_STATE, 1);
}

static void g_hlt_sti(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_set(v, VMCS_GUEST_RFLAGS, 0x2 | X86_EFLAGS_IF);
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	vmcs_set(v, VMCS_GUEST_ACTIVITY_STATE, 1);
}

static void g_sipi_inject(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_set(v, VMCS_GUEST_RFLAGS, 0x2 | X86_EFLAGS_IF);
	inject(v, INTR_TYPE_EXT_INTR, 0x20);
	vmcs_set(v, VMCS_GUEST_ACTIVITY_STATE, 3);
}

/* @a: the interruptibility state, with RFLAGS.IF 1 so blocking by STI is legal. */
static void g_intr(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set(v, VMCS_GUEST_RFLAGS, 0x2 | X86_EFLAGS_IF);
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, (uint64_t)a);
}

static void g_sti_if0(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m; (void)a;
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
}

static void g_ext_movss(const struct cpu_model *m, struct vmcs *v, int a)
{
	g_intr(m, v, (int)GUEST_INTR_STATE_MOV_SS);
	(void)a;
	inject(v, INTR_TYPE_EXT_INTR, 0x20);
}

static void g_nmi_movss(const struct cpu_model *m, struct vmcs *v, int a)
{
	g_intr(m, v, (int)GUEST_INTR_STATE_MOV_SS);
	(void)a;
	inject(v, INTR_TYPE_NMI_INTR, 2);
}

static void g_nmi_sti(const struct cpu_model *m, struct vmcs *v, int a)
{
	g_intr(m, v, (int)GUEST_INTR_STATE_STI);
	(void)a;
	inject(v, INTR_TYPE_NMI_INTR, 2);
}

static void g_vnmi(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS);
	g_intr(m, v, (int)GUEST_INTR_STATE_NMI);
	inject(v, INTR_TYPE_NMI_INTR, 2);
}

static void g_pdbg(const struct cpu_model *m, struct vmcs *v, int a)
{
	v_set(m, v, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, (uint64_t)a);
}

/* Blocking by STI; @a: RFLAGS.TF set (BS then missing) or not (BS then extra). */
static void g_bs(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	vmcs_set(v, VMCS_GUEST_RFLAGS, 0x2 | X86_EFLAGS_IF | (a ? X86_EFLAGS_TF : 0));
	vmcs_set(v, VMCS_GUEST_PENDING_DBG_EXCEPTIONS, a ? 0 : PENDING_DBG_BS);
}

static void g_link_aligned(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_VMCS_LINK_POINTER, 0x6001);
}

static void g_link_width(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_VMCS_LINK_POINTER, 1ULL << model_maxphyaddr(m));
}

/*
 * The row tests' physical memory: the page-directory-pointer table at
 * the legal guest's CR3, and a VMCS region at LINK_PA whose first 4 bytes
 * are link_dword (the violations set them); zeros elsewhere. run_row()
 * clears the table.
 */
#define GUEST_PDPT_PA	0x2000ULL
#define LINK_PA		0x6000ULL
static uint64_t guest_pdpt[PAE_NR_PDPTES];
static uint32_t link_dword;

static bool guest_mem_read(void *opaque, uint64_t pa, void *buf, size_t len)
{
	uint8_t *out = buf;

	(void)opaque;
	for (size_t i = 0; i < len; i++) {
		uint64_t off = pa + i - GUEST_PDPT_PA, loff = pa + i - LINK_PA;

		if (pa + i >= GUEST_PDPT_PA && off < sizeof(guest_pdpt))
			out[i] = ((const uint8_t *)guest_pdpt)[off];
		else if (pa + i >= LINK_PA && loff < sizeof(link_dword))
			out[i] = ((const uint8_t *)&link_dword)[loff];
		else
			out[i] = 0;
	}
	return true;
}

static const struct vmx_phys_reader guest_mem = { .read = guest_mem_read };
static const struct vmx_entry_env guest_env = { .mem = &guest_mem };

/* A link pointer to a region with no revision identifier (zeros). */
static void g_link_revision(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_VMCS_LINK_POINTER, LINK_PA);
	link_dword = 0;
}

/* ... to a shadow VMCS of the right revision, with VMCS shadowing 0. */
static void g_link_shadow(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)a;
	v_set(m, v, VMCS_VMCS_LINK_POINTER, LINK_PA);
	link_dword = (uint32_t)(vt_msr(m, MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION_MASK) |
		     VMCS_REGION_SHADOW;
}

/* @a 0: a present PDPTE with reserved bit 1 in the table at CR3; 1: the same in a field, with EPT. */
static void g_pdpte(const struct cpu_model *m, struct vmcs *v, int a)
{
	vt_pae_guest(v);
	if (!a) {
		guest_pdpt[1] = 0x3000 | PAE_PDPTE_PRESENT | VMX_BIT(1);
		return;
	}
	unrestricted(v);
	vmcs_set(v, VMCS_GUEST_PDPTR2, PAE_PDPTE_PRESENT | (1ULL << model_maxphyaddr(m)));
}

/* Load PKRS on exit (@a 0) or entry (1) with a bit of 63:32 set: IA32_PKRS is 32 bits. */
static void pkrs(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	if (a) {
		vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_IA32_PKRS);
		vmcs_set(v, VMCS_GUEST_IA32_PKRS, VMX_BIT(32));
	} else {
		vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_LOAD_IA32_PKRS);
		vmcs_set(v, VMCS_HOST_IA32_PKRS, VMX_BIT(40));
	}
}

/* Load IA32_LBR_CTL with bit @a set. */
static void g_lbr_ctl(const struct cpu_model *m, struct vmcs *v, int a)
{
	(void)m;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_IA32_LBR_CTL);
	vmcs_set(v, VMCS_GUEST_IA32_LBR_CTL, VMX_BIT(a));
}

static const struct violation {
	const char *id;
	violate_fn *apply;
	int arg;
} violations[] = {
	{ "host-cr0", h_cr0, 0 },
	{ "host-cr4", h_cr4, 0 },
	{ "host-cr3", h_cr3, 0 },
	{ "host-cr4-cet", cet_no_wp, VMCS_HOST_CR4 },
	{ "host-sysenter-esp", noncanon, VMCS_HOST_IA32_SYSENTER_ESP },
	{ "host-sysenter-eip", noncanon, VMCS_HOST_IA32_SYSENTER_EIP },
	{ "host-perf-global", h_perf, 0 },
	{ "host-pat", h_pat, 0 },
	{ "host-efer-reserved", h_efer, 1 << 1 },
	{ "host-efer-lma", h_efer, (int)EFER_LMA },
	{ "host-efer-lme", h_efer, (int)EFER_LME },
	{ "host-pkrs", pkrs, 0 },
	{ "host-cs-sel", h_sel, VMCS_HOST_CS_SELECTOR },
	{ "host-ss-sel", h_sel, VMCS_HOST_SS_SELECTOR },
	{ "host-ds-sel", h_sel, VMCS_HOST_DS_SELECTOR },
	{ "host-es-sel", h_sel, VMCS_HOST_ES_SELECTOR },
	{ "host-fs-sel", h_sel, VMCS_HOST_FS_SELECTOR },
	{ "host-gs-sel", h_sel, VMCS_HOST_GS_SELECTOR },
	{ "host-tr-sel", h_sel, VMCS_HOST_TR_SELECTOR },
	{ "host-cs-null", h_null, VMCS_HOST_CS_SELECTOR },
	{ "host-tr-null", h_null, VMCS_HOST_TR_SELECTOR },
	{ "host-ss-null", h_ss_null, 0 },
	{ "host-fs-base", noncanon, VMCS_HOST_FS_BASE },
	{ "host-gs-base", noncanon, VMCS_HOST_GS_BASE },
	{ "host-gdtr-base", noncanon, VMCS_HOST_GDTR_BASE },
	{ "host-idtr-base", noncanon, VMCS_HOST_IDTR_BASE },
	{ "host-tr-base", noncanon, VMCS_HOST_TR_BASE },
	{ "host-addr-space-size", h_no_ass, 0 },
	{ "host-pae", h_pae, 0 },
	{ "host-rip", noncanon, VMCS_HOST_RIP },

	{ "guest-cr0", g_cr0, 0 },
	{ "guest-cr0-pg-pe", g_cr0_unrestricted, (int)X86_CR0_PE },
	{ "guest-cr4", g_cr4, 0 },
	{ "guest-cr4-cet", cet_no_wp, VMCS_GUEST_CR4 },
	{ "guest-debugctl", g_debugctl, 3 },
	{ "guest-ia32e-pg", g_cr0_unrestricted, (int)(X86_CR0_PE | X86_CR0_PG) },
	{ "guest-ia32e-pae", g_pae, 0 },
	{ "guest-pcide", g_pcide, 0 },
	{ "guest-cr3", g_cr3, 0 },
	{ "guest-dr7", g_dr7, 0 },
	{ "guest-sysenter-esp", noncanon, VMCS_GUEST_SYSENTER_ESP },
	{ "guest-sysenter-eip", noncanon, VMCS_GUEST_SYSENTER_EIP },
	{ "guest-perf-global", g_perf, 0 },
	{ "guest-pat", g_pat, 0 },
	{ "guest-efer-reserved", g_efer, 1 << 1 },
	{ "guest-efer-lma", g_efer, (int)EFER_LMA },
	{ "guest-efer-lme", g_efer, (int)EFER_LME },
	{ "guest-bndcfgs", g_bndcfgs, 0 },
	{ "guest-lbr-ctl", g_lbr_ctl, 4 },
	{ "guest-pkrs", pkrs, 1 },
	{ "guest-tr-ti", g_sel_or, SEL_ARG(VMCS_SEG_TR, 4) },
	{ "guest-ldtr-ti", g_sel_or, SEL_ARG(VMCS_SEG_LDTR, 4) },
	{ "guest-ss-rpl", g_sel_or, SEL_ARG(VMCS_SEG_SS, 3) },
	{ "guest-v86-cs-base", g_v86_base, VMCS_SEG_CS },
	{ "guest-v86-ss-base", g_v86_base, VMCS_SEG_SS },
	{ "guest-v86-ds-base", g_v86_base, VMCS_SEG_DS },
	{ "guest-v86-es-base", g_v86_base, VMCS_SEG_ES },
	{ "guest-v86-fs-base", g_v86_base, VMCS_SEG_FS },
	{ "guest-v86-gs-base", g_v86_base, VMCS_SEG_GS },
	{ "guest-tr-base", g_base_noncanon, VMCS_SEG_TR },
	{ "guest-fs-base", g_base_noncanon, VMCS_SEG_FS },
	{ "guest-gs-base", g_base_noncanon, VMCS_SEG_GS },
	{ "guest-ldtr-base", g_base_noncanon, VMCS_SEG_LDTR },
	{ "guest-cs-base", g_base_high, VMCS_SEG_CS },
	{ "guest-ss-base", g_base_high, VMCS_SEG_SS },
	{ "guest-ds-base", g_base_high, VMCS_SEG_DS },
	{ "guest-es-base", g_base_high, VMCS_SEG_ES },
	{ "guest-v86-cs-limit", g_v86_limit, VMCS_SEG_CS },
	{ "guest-v86-ss-limit", g_v86_limit, VMCS_SEG_SS },
	{ "guest-v86-ds-limit", g_v86_limit, VMCS_SEG_DS },
	{ "guest-v86-es-limit", g_v86_limit, VMCS_SEG_ES },
	{ "guest-v86-fs-limit", g_v86_limit, VMCS_SEG_FS },
	{ "guest-v86-gs-limit", g_v86_limit, VMCS_SEG_GS },
	{ "guest-v86-cs-ar", g_v86_ar, VMCS_SEG_CS },
	{ "guest-v86-ss-ar", g_v86_ar, VMCS_SEG_SS },
	{ "guest-v86-ds-ar", g_v86_ar, VMCS_SEG_DS },
	{ "guest-v86-es-ar", g_v86_ar, VMCS_SEG_ES },
	{ "guest-v86-fs-ar", g_v86_ar, VMCS_SEG_FS },
	{ "guest-v86-gs-ar", g_v86_ar, VMCS_SEG_GS },
	{ "guest-cs-type", g_type, TYPE_ARG(VMCS_SEG_CS, 3) },
	{ "guest-ss-type", g_type, TYPE_ARG(VMCS_SEG_SS, 1) },
	{ "guest-ds-type", g_type, TYPE_ARG(VMCS_SEG_DS, 2) },
	{ "guest-es-type", g_type, TYPE_ARG(VMCS_SEG_ES, 2) },
	{ "guest-fs-type", g_type, TYPE_ARG(VMCS_SEG_FS, 9) },
	{ "guest-gs-type", g_type, TYPE_ARG(VMCS_SEG_GS, 2) },
	{ "guest-cs-s", g_ar_toggle, BIT_ARG(VMCS_SEG_CS, 4) },
	{ "guest-ss-s", g_ar_toggle, BIT_ARG(VMCS_SEG_SS, 4) },
	{ "guest-ds-s", g_ar_toggle, BIT_ARG(VMCS_SEG_DS, 4) },
	{ "guest-es-s", g_ar_toggle, BIT_ARG(VMCS_SEG_ES, 4) },
	{ "guest-fs-s", g_ar_toggle, BIT_ARG(VMCS_SEG_FS, 4) },
	{ "guest-gs-s", g_ar_toggle, BIT_ARG(VMCS_SEG_GS, 4) },
	{ "guest-cs-dpl", g_cs_dpl, 0 },
	{ "guest-ss-dpl-rpl", g_ss_dpl_rpl, 0 },
	{ "guest-ss-dpl-zero", g_ss_dpl_zero, 0 },
	{ "guest-ds-dpl", g_data_dpl, VMCS_SEG_DS },
	{ "guest-es-dpl", g_data_dpl, VMCS_SEG_ES },
	{ "guest-fs-dpl", g_data_dpl, VMCS_SEG_FS },
	{ "guest-gs-dpl", g_data_dpl, VMCS_SEG_GS },
	{ "guest-cs-p", g_ar_toggle, BIT_ARG(VMCS_SEG_CS, 7) },
	{ "guest-ss-p", g_ar_toggle, BIT_ARG(VMCS_SEG_SS, 7) },
	{ "guest-ds-p", g_ar_toggle, BIT_ARG(VMCS_SEG_DS, 7) },
	{ "guest-es-p", g_ar_toggle, BIT_ARG(VMCS_SEG_ES, 7) },
	{ "guest-fs-p", g_ar_toggle, BIT_ARG(VMCS_SEG_FS, 7) },
	{ "guest-gs-p", g_ar_toggle, BIT_ARG(VMCS_SEG_GS, 7) },
	{ "guest-cs-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_CS, 8) },
	{ "guest-ss-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_SS, 11) },
	{ "guest-ds-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_DS, 17) },
	{ "guest-es-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_ES, 31) },
	{ "guest-fs-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_FS, 9) },
	{ "guest-gs-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_GS, 10) },
	{ "guest-cs-db", g_ar_toggle, BIT_ARG(VMCS_SEG_CS, 14) },
	{ "guest-cs-limit", g_limit, VMCS_SEG_CS },
	{ "guest-ss-limit", g_limit, VMCS_SEG_SS },
	{ "guest-ds-limit", g_limit, VMCS_SEG_DS },
	{ "guest-es-limit", g_limit, VMCS_SEG_ES },
	{ "guest-fs-limit", g_limit, VMCS_SEG_FS },
	{ "guest-gs-limit", g_limit, VMCS_SEG_GS },
	{ "guest-tr-type", g_type, TYPE_ARG(VMCS_SEG_TR, 3) },
	{ "guest-tr-s", g_ar_toggle, BIT_ARG(VMCS_SEG_TR, 4) },
	{ "guest-tr-p", g_ar_toggle, BIT_ARG(VMCS_SEG_TR, 7) },
	{ "guest-tr-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_TR, 8) },
	{ "guest-tr-limit", g_limit, VMCS_SEG_TR },
	{ "guest-tr-usable", g_ar_toggle, BIT_ARG(VMCS_SEG_TR, 16) },
	{ "guest-ldtr-type", g_type, TYPE_ARG(VMCS_SEG_LDTR, 3) },
	{ "guest-ldtr-s", g_ar_toggle, BIT_ARG(VMCS_SEG_LDTR, 4) },
	{ "guest-ldtr-p", g_ar_toggle, BIT_ARG(VMCS_SEG_LDTR, 7) },
	{ "guest-ldtr-reserved", g_ar_toggle, BIT_ARG(VMCS_SEG_LDTR, 8) },
	{ "guest-ldtr-limit", g_limit, VMCS_SEG_LDTR },
	{ "guest-gdtr-base", noncanon, VMCS_GUEST_GDTR_BASE },
	{ "guest-idtr-base", noncanon, VMCS_GUEST_IDTR_BASE },
	{ "guest-gdtr-limit", g_dt_limit, VMCS_GUEST_GDTR_LIMIT },
	{ "guest-idtr-limit", g_dt_limit, VMCS_GUEST_IDTR_LIMIT },
	{ "guest-rip-high", g_rip_high, 0 },
	{ "guest-rip-canonical", noncanon, VMCS_GUEST_RIP },
	{ "guest-rflags-reserved", g_rflags, 0x2 | (1 << 3) },
	{ "guest-rflags-bit1", g_rflags, 0 },
	{ "guest-rflags-vm", g_v86_ia32e, 0 },
	{ "guest-rflags-if", g_ext_if0, 0 },
	{ "guest-activity-supported", g_activity, 4 },
	{ "guest-activity-hlt-dpl", g_hlt_dpl, 0 },
	{ "guest-activity-blocking", g_hlt_sti, 0 },
	{ "guest-activity-injection", g_sipi_inject, 0 },
	{ "guest-intr-reserved", g_intr, 1 << 5 },
	{ "guest-intr-sti-movss", g_intr, (int)(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS) },
	{ "guest-intr-sti-if", g_sti_if0, 0 },
	{ "guest-intr-ext-inject", g_ext_movss, 0 },
	{ "guest-intr-nmi-movss", g_nmi_movss, 0 },
	{ "guest-intr-nmi-sti", g_nmi_sti, 0 },
	{ "guest-intr-smi", g_intr, 1 << 2 },
	{ "guest-intr-vnmi", g_vnmi, 0 },
	{ "guest-intr-enclave-sgx", g_intr, (int)GUEST_INTR_STATE_ENCLAVE_INTR },
	{ "guest-intr-enclave-movss", g_intr,
	  (int)(GUEST_INTR_STATE_ENCLAVE_INTR | GUEST_INTR_STATE_MOV_SS) },
	{ "guest-pdbg-reserved", g_pdbg, 1 << 4 },
	{ "guest-pdbg-bs-set", g_bs, 1 },
	{ "guest-pdbg-bs-clear", g_bs, 0 },
	{ "guest-link-aligned", g_link_aligned, 0 },
	{ "guest-link-width", g_link_width, 0 },
	{ "guest-link-revision", g_link_revision, 0 },
	{ "guest-link-shadow", g_link_shadow, 0 },
	{ "guest-pdpte-mem", g_pdpte, 0 },
	{ "guest-pdpte-fields", g_pdpte, 1 },
};

/*
 * The rows skylake-sp cannot reach, and a model where each can fail: the
 * controls that load PKRS and IA32_LBR_CTL exist on Sapphire Rapids and
 * Alder Lake; an enclave interruption needs SGX, which Kaby Lake has; the
 * CET rows need a CR4_FIXED1 that allows CR4.CET.
 */
static const struct {
	const char *id, *model;
} row_models[] = {
	{ "host-pkrs", "sapphire-rapids" },
	{ "guest-lbr-ctl", "sapphire-rapids" },
	{ "guest-pkrs", "alderlake-p" },
	{ "guest-intr-enclave-movss", "kabylake" },
	{ "host-cr4-cet", "sapphire-rapids" },
	{ "guest-cr4-cet", "alderlake-p" },
};

static const char *row_model(const char *id)
{
	for (size_t i = 0; i < sizeof(row_models) / sizeof(row_models[0]); i++)
		if (!strcmp(row_models[i].id, id))
			return row_models[i].model;
	return "skylake-sp";
}

static const struct violation *find_violation(const char *id)
{
	for (size_t i = 0; i < sizeof(violations) / sizeof(violations[0]); i++) {
		if (!strcmp(violations[i].id, id))
			return &violations[i];
	}
	return NULL;
}

/*
 * The row tests run on skylake-sp: its IA32_VMX_MISC reports every
 * activity state and its CR4_FIXED1 allows PCIDE, so almost every row's
 * violation is reachable there; the others name the model where it is.
 */

static void run_row(const struct vmx_check *r, bool host)
{
	const struct violation *vi = find_violation(r->id);
	struct cpu_model *m;
	struct vmcs *v;
	const struct vmx_check *failed = NULL;
	int err;

	cr_assert(vi, "row %s has no violation", r->id);
	m = vt_load(row_model(r->id));
	v = vmx_legal_vmcs(m);
	memset(guest_pdpt, 0, sizeof(guest_pdpt));
	expect_pass(m, v, "legal state");
	vi->apply(m, v, vi->arg);
	err = vmx_check_group_run(host ? VMX_CHECK_HOST_STATE : VMX_CHECK_GUEST_STATE, m, v,
				  &guest_env, &failed);
	cr_assert_eq(err, r->error, "%s: error %d", r->id, err);
	cr_assert_eq(failed, r, "%s: failed at %s instead", r->id, failed ? failed->id : "(none)");
	/* The whole entry, one context for every group, stops at the same row. */
	failed = NULL;
	err = vmx_check_entry(m, v, &guest_env, &failed);
	cr_assert_eq(err, r->error, "%s: entry error %d", r->id, err);
	cr_assert_eq(failed, r, "%s: entry failed at %s", r->id, failed ? failed->id : "(none)");
	free(v);
	free(m);
}

ParameterizedTestParameters(vmx_host_state, each_row)
{
	static unsigned int rows[MAX_ROWS];
	unsigned int n;

	vmx_checks_of(VMX_CHECK_HOST_STATE, &n);
	n = n < MAX_ROWS ? n : MAX_ROWS;

	for (unsigned int i = 0; i < n; i++)
		rows[i] = i;
	return cr_make_param_array(unsigned int, rows, n);
}

ParameterizedTest(unsigned int *row, vmx_host_state, each_row, .timeout = 10)
{
	unsigned int n;
	const struct vmx_check *r = &vmx_checks_of(VMX_CHECK_HOST_STATE, &n)[*row];

	cr_assert_eq(r->error, VMXERR_ENTRY_INVALID_HOST_STATE);
	run_row(r, true);
}

ParameterizedTestParameters(vmx_guest_state, each_row)
{
	static unsigned int rows[MAX_ROWS];
	unsigned int n;

	vmx_checks_of(VMX_CHECK_GUEST_STATE, &n);
	n = n < MAX_ROWS ? n : MAX_ROWS;

	for (unsigned int i = 0; i < n; i++)
		rows[i] = i;
	return cr_make_param_array(unsigned int, rows, n);
}

ParameterizedTest(unsigned int *row, vmx_guest_state, each_row, .timeout = 10)
{
	unsigned int n;
	const struct vmx_check *r = &vmx_checks_of(VMX_CHECK_GUEST_STATE, &n)[*row];

	cr_assert_eq(r->error, EXIT_REASON_INVALID_STATE);
	run_row(r, false);
}

/* Virtual-8086 guests' TR and LDTR, broken one way each. */
static void v86_tr_available(struct vmcs *v)
{
	vmcs_set(v, vmcs_seg_ar(VMCS_SEG_TR), (VMX_LEGAL_AR_TSS64_BUSY & ~VMX_AR_TYPE_MASK) | 9);
}

static void v86_tr_absent(struct vmcs *v)
{
	vmcs_clear_bits(v, vmcs_seg_ar(VMCS_SEG_TR), VMX_AR_P_MASK);
}

static void v86_tr_unusable(struct vmcs *v)
{
	vmcs_set_bits(v, vmcs_seg_ar(VMCS_SEG_TR), VMX_AR_UNUSABLE_MASK);
}

static void v86_ldtr_not_an_ldt(struct vmcs *v)
{
	usable_ldtr(v);
	vmcs_set(v, vmcs_seg_ar(VMCS_SEG_LDTR), (VMX_LEGAL_AR_LDT & ~VMX_AR_TYPE_MASK) | 3);
}

/* ---- whole tables ---- */

static unsigned int covered(enum vmx_check_group g)
{
	unsigned int n;
	const struct vmx_check *rows = vmx_checks_of(g, &n);

	cr_assert_lt(n, MAX_ROWS);
	for (unsigned int i = 0; i < n; i++)
		cr_assert(find_violation(rows[i].id), "%s has no violation", rows[i].id);
	return n;
}

Test(vmx_state, every_row_has_a_violation, .timeout = 10)
{
	cr_assert_geq(covered(VMX_CHECK_HOST_STATE) + covered(VMX_CHECK_GUEST_STATE), 60);
}

Test(vmx_state, legal_state_passes_on_every_model, .timeout = 10)
{
	char names[16][MODEL_FILE_NAME_MAX];
	unsigned int n = model_list(HVSIM_CPUS_DIR, names, 16);

	cr_assert_geq(n, 2);
	for (unsigned int i = 0; i < n; i++) {
		struct cpu_model *m = vt_load(names[i]);
		struct vmcs *v = vmx_legal_vmcs(m);

		expect_pass(m, v, "legal host and guest state");
		free(v);
		free(m);
	}
}

/*
 * Only a failure on the VMCS link pointer reports exit qualification 4,
 * only one on the PDPTEs 2.
 */
Test(vmx_state, link_pointer_qualification, .timeout = 10)
{
	unsigned int n;
	const struct vmx_check *rows = vmx_checks_of(VMX_CHECK_GUEST_STATE, &n);

	for (unsigned int i = 0; i < n; i++) {
		const struct vmx_check *r = &rows[i];
		uint64_t want = !strncmp(r->id, "guest-link-", 11) ? ENTRY_FAIL_VMCS_LINK_PTR :
				!strncmp(r->id, "guest-pdpte-", 12) ? ENTRY_FAIL_PDPTE : 0;

		cr_assert_eq(vmx_guest_check_qualification(r), want, "%s", r->id);
	}
	cr_assert_eq(VMX_EXIT_REASONS_FAILED_VMENTRY | EXIT_REASON_INVALID_STATE,
		     0x80000021U);
}

/* With unrestricted guest CR0.PE and PG may be 0, and CS may be a data segment. */
Test(vmx_state, unrestricted_guest_relaxes_pe_pg, .timeout = 10)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = vmx_legal_vmcs(m);
	const struct vmx_check *failed;

	vmcs_clear_bits(v, VMCS_GUEST_CR0, X86_CR0_PE | X86_CR0_PG);
	vmcs_clear_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_IA32_EFER);
	vmcs_clear_bits(v, VMCS_GUEST_IA32_EFER, EFER_LMA | EFER_LME);
	cr_assert_eq(vmx_check_guest_state(m, v, &failed), EXIT_REASON_INVALID_STATE);
	cr_assert_str_eq(failed->id, "guest-cr0");
	unrestricted(v);
	cr_assert_eq(vmx_check_guest_state(m, v, &failed), 0, "%s", failed ? failed->id : "");
	free(v);
	free(m);
}

/*
 * A virtual-8086 guest has its own rules for CS, SS, DS, ES, FS and GS
 * only: its TR and LDTR are checked as any guest's ("Checks on Guest
 * Segment Registers").
 */
Test(vmx_state, v8086_guest_keeps_the_tr_and_ldtr_rules, .timeout = 10)
{
	static const struct {
		const char *id;
		void (*edit)(struct vmcs *v);
	} cases[] = {
		{ "guest-tr-type", v86_tr_available },
		{ "guest-tr-p", v86_tr_absent },
		{ "guest-tr-usable", v86_tr_unusable },
		{ "guest-ldtr-type", v86_ldtr_not_an_ldt },
	};
	struct cpu_model *m = vt_load("skylake-sp");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmcs *v = vmx_legal_vmcs(m);
		const struct vmx_check *failed = NULL;

		v8086(v);
		expect_pass(m, v, "virtual-8086 guest");
		cases[i].edit(v);
		cr_assert_eq(vmx_check_guest_state(m, v, &failed), EXIT_REASON_INVALID_STATE,
			     "%s passes", cases[i].id);
		cr_assert_str_eq(failed->id, cases[i].id);
		free(v);
	}
	free(m);
}

/* Where CR4_FIXED1 allows CET, CR4.CET with CR0.WP is legal host and guest state. */
Test(vmx_state, cet_with_wp_passes, .timeout = 10)
{
	static const char *const cet_models[] = { "alderlake-p", "sapphire-rapids" };

	for (size_t i = 0; i < sizeof(cet_models) / sizeof(cet_models[0]); i++) {
		struct cpu_model *m = vt_load(cet_models[i]);
		struct vmcs *v = vmx_legal_vmcs(m);

		cr_assert(model_cr4_fixed1(m) & X86_CR4_CET, "%s lacks CET", cet_models[i]);
		vmcs_set_bits(v, VMCS_HOST_CR0, X86_CR0_WP);
		vmcs_set_bits(v, VMCS_HOST_CR4, X86_CR4_CET);
		vmcs_set_bits(v, VMCS_GUEST_CR0, X86_CR0_WP);
		vmcs_set_bits(v, VMCS_GUEST_CR4, X86_CR4_CET);
		expect_pass(m, v, "CET with write protection");
		free(v);
		free(m);
	}
}

/*
 * IA32_DEBUGCTL's reserved bits are the model's ("IA32_DEBUGCTL" in Vol. 4,
 * "Architectural MSRs"): bus-lock detection (bit 2) only where CPUID says
 * so, Sapphire Rapids among the models; RTM_DEBUG (bit 15) only with RTM,
 * which the Alder Lakes and Denverton lack; bit 3 nowhere.
 */
Test(vmx_state, guest_debugctl_reserved_bits_follow_the_model, .timeout = 10)
{
	static const struct {
		const char *model;
		unsigned int bit;
		bool legal;
	} cases[] = {
		{ "sapphire-rapids", 2, true },
		{ "skylake-sp", 2, false },
		{ "kabylake", 2, false },
		{ "sapphire-rapids -cpuid.7.ecx.24", 2, false },
		{ "skylake-sp", 15, true },
		{ "alderlake-p", 15, false },
		{ "denverton", 15, false },
		{ "denverton", 14, true },
		{ "sapphire-rapids", 3, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cpu_model *m = vt_load(cases[i].model);
		struct vmcs *v = vmx_legal_vmcs(m);
		const struct vmx_check *failed = NULL;
		int err;

		g_debugctl(m, v, (int)cases[i].bit);
		err = vmx_check_guest_state(m, v, &failed);
		if (cases[i].legal) {
			cr_expect_eq(err, 0, "%s, bit %u: fails at %s", cases[i].model, cases[i].bit,
				     failed ? failed->id : "");
		} else {
			cr_expect_eq(err, EXIT_REASON_INVALID_STATE, "%s, bit %u", cases[i].model,
				     cases[i].bit);
			cr_expect(failed && !strcmp(failed->id, "guest-debugctl"), "%s, bit %u: %s",
				  cases[i].model, cases[i].bit, failed ? failed->id : "(none)");
		}
		free(v);
		free(m);
	}
}

/*
 * The PDPTEs are checked only for a PAE-paging guest ("Checks on Guest
 * Page-Directory-Pointer-Table Entries"), from memory without EPT and from
 * the guest-state fields with it; a PDPTE that is not present may hold
 * anything.
 */
Test(vmx_state, pdptes_checked_only_where_the_guest_uses_them, .timeout = 10)
{
	struct cpu_model *m = vt_load("kabylake");
	struct vmcs *v = vmx_legal_vmcs(m);
	const struct vmx_check *failed = NULL;
	uint64_t beyond = 1ULL << model_maxphyaddr(m);

	memset(guest_pdpt, 0, sizeof(guest_pdpt));
	/* An IA-32e guest: the same bad entry at CR3 is a PML4 entry, not a PDPTE. */
	guest_pdpt[0] = PAE_PDPTE_PRESENT | VMX_BIT(5);
	cr_assert_eq(vmx_check_entry(m, v, &guest_env, &failed), 0, "%s", failed ? failed->id : "");
	vt_pae_guest(v);
	cr_assert_eq(vmx_check_entry(m, v, &guest_env, &failed), EXIT_REASON_INVALID_STATE);
	cr_assert_str_eq(failed->id, "guest-pdpte-mem");
	cr_assert_eq(vmx_guest_check_qualification(failed), 2);
	/* Not present: reserved bits do not matter; beyond MAXPHYADDR when present does. */
	guest_pdpt[0] = VMX_BIT(5) | beyond;
	cr_assert_eq(vmx_check_entry(m, v, &guest_env, &failed), 0, "%s", failed ? failed->id : "");
	guest_pdpt[3] = PAE_PDPTE_PRESENT | beyond;
	cr_assert_eq(vmx_check_entry(m, v, &guest_env, &failed), EXIT_REASON_INVALID_STATE);
	cr_assert_str_eq(failed->id, "guest-pdpte-mem");
	/* With EPT the table in memory is not read: the fields are checked. */
	unrestricted(v);
	cr_assert_eq(vmx_check_entry(m, v, &guest_env, &failed), 0, "%s", failed ? failed->id : "");
	vmcs_set(v, VMCS_GUEST_PDPTR0, PAE_PDPTE_PRESENT | VMX_BIT(2));
	cr_assert_eq(vmx_check_entry(m, v, &guest_env, &failed), EXIT_REASON_INVALID_STATE);
	cr_assert_str_eq(failed->id, "guest-pdpte-fields");
	/* Paging off (unrestricted guest): no PDPTEs at all. */
	vmcs_clear_bits(v, VMCS_GUEST_CR0, X86_CR0_PG);
	cr_assert_eq(vmx_check_entry(m, v, &guest_env, &failed), 0, "%s", failed ? failed->id : "");
	free(v);
	free(m);
}

/*
 * Injecting an NMI into an STI shadow: the SDM lets a processor fail the
 * entry or not; each model's choice says which (every shipped model
 * fails it), and a variation gives the other behaviour.
 */
Test(vmx_state, nmi_in_sti_shadow_follows_the_model_choice, .timeout = 10)
{
	char names[16][MODEL_FILE_NAME_MAX];
	unsigned int n = model_list(HVSIM_CPUS_DIR, names, 16);
	struct cpu_model *m;
	struct vmcs *v;
	const struct vmx_check *failed;

	for (unsigned int i = 0; i < n; i++) {
		m = vt_load(names[i]);
		v = vmx_legal_vmcs(m);
		g_nmi_sti(m, v, 0);
		failed = NULL;
		cr_expect_eq(vmx_check_guest_state(m, v, &failed), EXIT_REASON_INVALID_STATE, "%s",
			     names[i]);
		cr_expect(failed && !strcmp(failed->id, "guest-intr-nmi-sti"), "%s: %s", names[i],
			  failed ? failed->id : "(none)");
		free(v);
		free(m);
	}
	m = vt_load("skylake-sp nmi-in-sti-shadow=enter");
	v = vmx_legal_vmcs(m);
	g_nmi_sti(m, v, 0);
	cr_assert_eq(vmx_check_guest_state(m, v, &failed), 0, "%s", failed ? failed->id : "");
	/* Blocking by MOV SS still fails, whatever the choice. */
	g_nmi_movss(m, v, 0);
	cr_assert_eq(vmx_check_guest_state(m, v, &failed), EXIT_REASON_INVALID_STATE);
	cr_assert_str_eq(failed->id, "guest-intr-nmi-movss");
	free(v);
	free(m);
}

/*
 * Rows a model reaches only with the feature: an enclave interruption
 * where SGX exists (Kaby Lake, not Skylake-SP), IA32_LBR_CTL's and
 * IA32_PKRS's legal values where their load controls do (Sapphire Rapids).
 */
Test(vmx_state, feature_rows_pass_their_legal_values, .timeout = 10)
{
	struct cpu_model *kaby = vt_load("kabylake"), *sky = vt_load("skylake-sp");
	struct cpu_model *spr = vt_load("sapphire-rapids");
	struct vmcs *v = vmx_legal_vmcs(kaby);
	const struct vmx_check *failed = NULL;

	g_intr(kaby, v, (int)GUEST_INTR_STATE_ENCLAVE_INTR);
	cr_assert_eq(vmx_check_guest_state(kaby, v, &failed), 0, "%s", failed ? failed->id : "");
	cr_assert_eq(vmx_check_guest_state(sky, v, &failed), EXIT_REASON_INVALID_STATE);
	cr_assert_str_eq(failed->id, "guest-intr-enclave-sgx");
	free(v);
	v = vmx_legal_vmcs(spr);
	g_lbr_ctl(spr, v, 22);
	vmcs_set_bits(v, VMCS_GUEST_IA32_LBR_CTL, ARCH_LBR_CTL_LBREN | ARCH_LBR_CTL_CPL |
		      ARCH_LBR_CTL_STACK);
	pkrs(spr, v, 1);
	vmcs_set(v, VMCS_GUEST_IA32_PKRS, 0xffffffffULL);
	pkrs(spr, v, 0);
	vmcs_set(v, VMCS_HOST_IA32_PKRS, 0x55555555ULL);
	cr_assert_eq(vmx_check_entry(spr, v, NULL, &failed), 0, "%s", failed ? failed->id : "");
	free(v);
	free(kaby);
	free(sky);
	free(spr);
}

/* A guest may stay halted with SS DPL 0 on every model that reports HLT. */
Test(vmx_state, hlt_needs_misc_bit_6, .timeout = 10)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = vmx_legal_vmcs(m);
	const struct vmx_check *failed;

	vmcs_set(v, VMCS_GUEST_ACTIVITY_STATE, 1);
	cr_assert_eq(vmx_check_guest_state(m, v, &failed), 0);
	for (unsigned int i = 0; i < m->nmsrs; i++) {
		if (m->msrs[i].index == MSR_IA32_VMX_MISC)
			m->msrs[i].value &= ~VMX_BIT(6);
	}
	cr_assert_eq(vmx_check_guest_state(m, v, &failed), EXIT_REASON_INVALID_STATE);
	cr_assert_str_eq(failed->id, "guest-activity-supported");
	free(v);
	free(m);
}
