// SPDX-License-Identifier: MIT
/*
 * The checks on VMX controls that VMLAUNCH/VMRESUME make before loading
 * any guest state, as one table. Each row is one rule of Intel SDM, Order
 * Number 325462-080US (June 2023), Vol. 3C, "Checks on VMX Controls", in
 * the order the SDM lists them; the first rule that fails ends VM entry
 * with VM-instruction error 7 ("VM entry with invalid control field(s)").
 *
 * A failing row is a guest- or hypervisor-visible outcome, never a
 * simulator bug: nothing here asserts on what the VMCS holds.
 *
 * Where a rule depends on the CPU it reads the capability MSRs of the
 * model (Vol. 3D, Appendix A "VMX Capability Reporting Facility"); a
 * model that lacks an MSR allows no 1-setting that MSR would report.
 */
#include "vmentry.h"

#include <stddef.h>
#include <stdio.h>

#include "../bug.h"
#include "../cpu/model.h"
#include "vmcs.h"

#define SEC_EXEC	"Checks on VMX Controls: VM-Execution Control Fields"
#define SEC_EXIT	"Checks on VMX Controls: VM-Exit Control Fields"
#define SEC_ENTRY	"Checks on VMX Controls: VM-Entry Control Fields"

#define PAGE_ALIGN	4096ULL
/* The posted-interrupt descriptor is 64 bytes, naturally aligned. */
#define PI_DESC_ALIGN	64ULL
/* MSR-load/store areas hold 16-byte entries ("VM-Exit Controls for MSRs"). */
#define MSR_ENTRY_SIZE	16ULL
/* VTPR is the byte at offset 80H of the virtual-APIC page ("Virtualized APIC Registers"). */
#define VAPIC_VTPR	0x80
#define CR0_PE		1ULL

/* What every row needs, computed once per VM entry. */
struct vmx_check_ctx {
	const struct cpu_model *m;
	const struct vmcs *v;
	const struct vmx_phys_reader *mem;	/* NULL: memory reads as zeros */
	unsigned int maxphyaddr;		/* physical-address width N */
	uint64_t pin, proc, exit, entry;	/* the 32-bit control words */
	/*
	 * Controls the SDM treats as 0 when not activated: secondary unless
	 * primary bit 31, tertiary unless primary bit 17, secondary exit
	 * controls unless exit bit 31.
	 */
	uint64_t proc2, proc3, exit2;
};

/* ---- helpers ---- */

static uint64_t cap(const struct vmx_check_ctx *c, uint32_t index)
{
	const struct model_msr *e = model_msr(c->m, index);

	return e ? e->value : 0;
}

/*
 * The capability MSR for a control word: the TRUE_* one when
 * IA32_VMX_BASIC[55] says it exists ("Basic VMX Information").
 */
static uint64_t ctl_cap(const struct vmx_check_ctx *c, uint32_t plain, uint32_t true_msr)
{
	return (cap(c, MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS) ? cap(c, true_msr) : cap(c, plain);
}

/* Allowed-0 settings in bits 31:0, allowed-1 settings in bits 63:32. */
static bool ctl_fits(uint64_t val, uint64_t capv)
{
	uint64_t must = capv & 0xffffffffULL;
	uint64_t may = capv >> 32;

	return (val & must) == must && !(val & ~may);
}

static uint64_t fld(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return vmcs_get(c->v, encoding);
}

static bool beyond_pa(const struct vmx_check_ctx *c, uint64_t addr)
{
	return addr >> c->maxphyaddr;
}

static bool aligned_pa(const struct vmx_check_ctx *c, uint64_t addr, uint64_t align)
{
	return !(addr & (align - 1)) && !beyond_pa(c, addr);
}

static bool page_field_ok(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return aligned_pa(c, fld(c, encoding), PAGE_ALIGN);
}

/* Both the first and the last byte of an MSR area within MAXPHYADDR. */
static bool msr_area_within(const struct vmx_check_ctx *c, uint32_t count_field,
			    uint32_t addr_field)
{
	uint64_t count = fld(c, count_field), addr = fld(c, addr_field);

	if (!count)
		return true;
	if (beyond_pa(c, addr))
		return false;
	return !beyond_pa(c, addr + count * MSR_ENTRY_SIZE - 1);
}

static bool msr_area_aligned(const struct vmx_check_ctx *c, uint32_t count_field,
			     uint32_t addr_field)
{
	return !fld(c, count_field) || !(fld(c, addr_field) & (MSR_ENTRY_SIZE - 1));
}

static bool has2(const struct vmx_check_ctx *c, uint64_t bit)
{
	return c->proc2 & bit;
}

static uint64_t eptp(const struct vmx_check_ctx *c)
{
	return fld(c, VMCS_EPT_POINTER);
}

static uint64_t ept_cap(const struct vmx_check_ctx *c)
{
	return cap(c, MSR_IA32_VMX_EPT_VPID_CAP);
}

/* ---- VM-execution control fields ---- */

static bool check_pin_ctls(const struct vmx_check_ctx *c)
{
	return ctl_fits(c->pin, ctl_cap(c, MSR_IA32_VMX_PINBASED_CTLS,
					MSR_IA32_VMX_TRUE_PINBASED_CTLS));
}

static bool check_proc_ctls(const struct vmx_check_ctx *c)
{
	return ctl_fits(c->proc, ctl_cap(c, MSR_IA32_VMX_PROCBASED_CTLS,
					 MSR_IA32_VMX_TRUE_PROCBASED_CTLS));
}

static bool check_proc2_ctls(const struct vmx_check_ctx *c)
{
	return ctl_fits(c->proc2, cap(c, MSR_IA32_VMX_PROCBASED_CTLS2));
}

/* IA32_VMX_PROCBASED_CTLS3 is 64 allowed-1 bits, no allowed-0 half. */
static bool check_proc3_ctls(const struct vmx_check_ctx *c)
{
	return !(c->proc3 & ~cap(c, MSR_IA32_VMX_PROCBASED_CTLS3));
}

static bool check_cr3_target_count(const struct vmx_check_ctx *c)
{
	uint64_t limit = (cap(c, MSR_IA32_VMX_MISC) >> VMX_MISC_CR3_TARGETS_SHIFT) &
			 VMX_MISC_CR3_TARGETS_MASK;

	return fld(c, VMCS_CR3_TARGET_COUNT) <= limit;
}

static bool check_io_bitmap_a(const struct vmx_check_ctx *c)
{
	return !(c->proc & VMX_PROC_USE_IO_BITMAPS) || page_field_ok(c, VMCS_IO_BITMAP_A);
}

static bool check_io_bitmap_b(const struct vmx_check_ctx *c)
{
	return !(c->proc & VMX_PROC_USE_IO_BITMAPS) || page_field_ok(c, VMCS_IO_BITMAP_B);
}

static bool check_msr_bitmap(const struct vmx_check_ctx *c)
{
	return !(c->proc & VMX_PROC_USE_MSR_BITMAPS) || page_field_ok(c, VMCS_MSR_BITMAP);
}

static bool check_virtual_apic_addr(const struct vmx_check_ctx *c)
{
	return !(c->proc & VMX_PROC_USE_TPR_SHADOW) ||
	       page_field_ok(c, VMCS_VIRTUAL_APIC_PAGE_ADDR);
}

static bool check_tpr_threshold_reserved(const struct vmx_check_ctx *c)
{
	if (!(c->proc & VMX_PROC_USE_TPR_SHADOW) || has2(c, VMX_PROC2_VIRT_INTR_DELIVERY))
		return true;
	return !(fld(c, VMCS_TPR_THRESHOLD) & ~0xfULL);
}

/* VTPR as VM entry reads it; an unbacked page reads as zeros. */
static uint8_t read_vtpr(const struct vmx_check_ctx *c)
{
	uint8_t vtpr = 0;
	uint64_t pa = fld(c, VMCS_VIRTUAL_APIC_PAGE_ADDR) + VAPIC_VTPR;

	if (c->mem && c->mem->read && !c->mem->read(c->mem->opaque, pa, &vtpr, 1))
		vtpr = 0;
	return vtpr;
}

static bool check_tpr_threshold_vtpr(const struct vmx_check_ctx *c)
{
	if (!(c->proc & VMX_PROC_USE_TPR_SHADOW) ||
	    has2(c, VMX_PROC2_VIRT_APIC_ACCESSES) || has2(c, VMX_PROC2_VIRT_INTR_DELIVERY))
		return true;
	return (fld(c, VMCS_TPR_THRESHOLD) & 0xf) <= (uint64_t)(read_vtpr(c) >> 4);
}

static bool check_no_tpr_shadow_x2apic(const struct vmx_check_ctx *c)
{
	return (c->proc & VMX_PROC_USE_TPR_SHADOW) || !has2(c, VMX_PROC2_VIRT_X2APIC_MODE);
}

static bool check_no_tpr_shadow_apic_reg_virt(const struct vmx_check_ctx *c)
{
	return (c->proc & VMX_PROC_USE_TPR_SHADOW) || !has2(c, VMX_PROC2_APIC_REGISTER_VIRT);
}

static bool check_no_tpr_shadow_vid(const struct vmx_check_ctx *c)
{
	return (c->proc & VMX_PROC_USE_TPR_SHADOW) || !has2(c, VMX_PROC2_VIRT_INTR_DELIVERY);
}

static bool check_vnmi_needs_nmi_exiting(const struct vmx_check_ctx *c)
{
	return (c->pin & VMX_PIN_NMI_EXITING) || !(c->pin & VMX_PIN_VIRTUAL_NMIS);
}

static bool check_nmi_window_needs_vnmi(const struct vmx_check_ctx *c)
{
	return (c->pin & VMX_PIN_VIRTUAL_NMIS) || !(c->proc & VMX_PROC_NMI_WINDOW_EXITING);
}

static bool check_apic_access_addr(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_VIRT_APIC_ACCESSES) || page_field_ok(c, VMCS_APIC_ACCESS_ADDR);
}

static bool check_x2apic_vs_apic_access(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_VIRT_X2APIC_MODE) || !has2(c, VMX_PROC2_VIRT_APIC_ACCESSES);
}

static bool check_vid_needs_ext_intr_exiting(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_VIRT_INTR_DELIVERY) || (c->pin & VMX_PIN_EXT_INTR_EXITING);
}

static bool posted(const struct vmx_check_ctx *c)
{
	return c->pin & VMX_PIN_POSTED_INTR;
}

static bool check_posted_needs_vid(const struct vmx_check_ctx *c)
{
	return !posted(c) || has2(c, VMX_PROC2_VIRT_INTR_DELIVERY);
}

static bool check_posted_needs_ack_on_exit(const struct vmx_check_ctx *c)
{
	return !posted(c) || (c->exit & VMX_EXIT_ACK_INTR_ON_EXIT);
}

/* The notification vector is a 16-bit field holding a vector 0-255: bits 15:8 zero. */
static bool check_posted_vector(const struct vmx_check_ctx *c)
{
	return !posted(c) || !(fld(c, VMCS_POSTED_INTR_NV) & 0xff00);
}

static bool check_posted_desc_aligned(const struct vmx_check_ctx *c)
{
	return !posted(c) || !(fld(c, VMCS_POSTED_INTR_DESC_ADDR) & (PI_DESC_ALIGN - 1));
}

static bool check_posted_desc_width(const struct vmx_check_ctx *c)
{
	return !posted(c) || !beyond_pa(c, fld(c, VMCS_POSTED_INTR_DESC_ADDR));
}

static bool check_vpid_nonzero(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_ENABLE_VPID) || fld(c, VMCS_VIRTUAL_PROCESSOR_ID);
}

static bool check_eptp_memtype(const struct vmx_check_ctx *c)
{
	uint64_t mt = eptp(c) & VMX_EPTP_MT_MASK;

	if (!has2(c, VMX_PROC2_ENABLE_EPT))
		return true;
	return (mt == VMX_EPTP_MT_UC && (ept_cap(c) & VMX_EPT_MT_UC)) ||
	       (mt == VMX_EPTP_MT_WB && (ept_cap(c) & VMX_EPT_MT_WB));
}

/* Bits 5:3 hold the page-walk length minus 1. */
static bool check_eptp_walk_length(const struct vmx_check_ctx *c)
{
	uint64_t pwl = (eptp(c) & VMX_EPTP_PWL_MASK) >> VMX_EPTP_PWL_SHIFT;

	if (!has2(c, VMX_PROC2_ENABLE_EPT))
		return true;
	return (pwl == 3 && (ept_cap(c) & VMX_EPT_PWL4)) ||
	       (pwl == 4 && (ept_cap(c) & VMX_EPT_PWL5));
}

static bool check_eptp_ad(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_ENABLE_EPT) || !(eptp(c) & VMX_EPTP_AD_ENABLE) ||
	       (ept_cap(c) & VMX_EPT_AD);
}

static bool check_eptp_reserved(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_ENABLE_EPT) || !(eptp(c) & VMX_EPTP_RESERVED_LOW);
}

static bool check_eptp_width(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_ENABLE_EPT) || !beyond_pa(c, eptp(c));
}

static bool check_pml_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_ENABLE_PML) || has2(c, VMX_PROC2_ENABLE_EPT);
}

static bool check_pml_addr(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_ENABLE_PML) || page_field_ok(c, VMCS_PML_ADDRESS);
}

static bool check_unrestricted_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_UNRESTRICTED_GUEST) || has2(c, VMX_PROC2_ENABLE_EPT);
}

static bool check_mbec_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_MODE_BASED_EPT_EXEC) || has2(c, VMX_PROC2_ENABLE_EPT);
}

static bool check_spp_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_SUBPAGE_WRITE_PERM) || has2(c, VMX_PROC2_ENABLE_EPT);
}

static bool check_spptp(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_SUBPAGE_WRITE_PERM) || page_field_ok(c, VMCS_SPP_TABLE_POINTER);
}

static uint64_t vmfunc(const struct vmx_check_ctx *c)
{
	return has2(c, VMX_PROC2_ENABLE_VMFUNC) ? fld(c, VMCS_VM_FUNCTION_CONTROL) : 0;
}

static bool check_vmfunc_ctls(const struct vmx_check_ctx *c)
{
	return !(vmfunc(c) & ~cap(c, MSR_IA32_VMX_VMFUNC));
}

static bool check_eptp_switching_needs_ept(const struct vmx_check_ctx *c)
{
	return !(vmfunc(c) & VMX_VMFUNC_EPTP_SWITCHING) || has2(c, VMX_PROC2_ENABLE_EPT);
}

static bool check_eptp_list_addr(const struct vmx_check_ctx *c)
{
	return !(vmfunc(c) & VMX_VMFUNC_EPTP_SWITCHING) || page_field_ok(c, VMCS_EPTP_LIST_ADDRESS);
}

static bool check_vmread_bitmap(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_VMCS_SHADOWING) || page_field_ok(c, VMCS_VMREAD_BITMAP);
}

static bool check_vmwrite_bitmap(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_VMCS_SHADOWING) || page_field_ok(c, VMCS_VMWRITE_BITMAP);
}

static bool check_ve_info_addr(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_EPT_VIOLATION_VE) || page_field_ok(c, VMCS_VE_INFORMATION_ADDRESS);
}

static bool check_pt_gpa_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_PT_USES_GPA) || has2(c, VMX_PROC2_ENABLE_EPT);
}

static bool check_pt_gpa_needs_rtit_ctls(const struct vmx_check_ctx *c)
{
	return !has2(c, VMX_PROC2_PT_USES_GPA) ||
	       ((c->exit & VMX_EXIT_CLEAR_IA32_RTIT_CTL) && (c->entry & VMX_ENTRY_LOAD_IA32_RTIT_CTL));
}

/* ---- VM-exit control fields ---- */

static bool check_exit_ctls(const struct vmx_check_ctx *c)
{
	return ctl_fits(c->exit, ctl_cap(c, MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS));
}

/* IA32_VMX_EXIT_CTLS2 is 64 allowed-1 bits, like the tertiary controls. */
static bool check_exit_ctls2(const struct vmx_check_ctx *c)
{
	return !(c->exit2 & ~cap(c, MSR_IA32_VMX_EXIT_CTLS2));
}

static bool check_preemption_save(const struct vmx_check_ctx *c)
{
	return !(c->exit & VMX_EXIT_SAVE_PREEMPTION_TIMER) || (c->pin & VMX_PIN_PREEMPTION_TIMER);
}

static bool check_exit_msr_store_aligned(const struct vmx_check_ctx *c)
{
	return msr_area_aligned(c, VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_STORE_ADDR);
}

static bool check_exit_msr_store_width(const struct vmx_check_ctx *c)
{
	return msr_area_within(c, VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_STORE_ADDR);
}

static bool check_exit_msr_load_aligned(const struct vmx_check_ctx *c)
{
	return msr_area_aligned(c, VMCS_VM_EXIT_MSR_LOAD_COUNT, VMCS_VM_EXIT_MSR_LOAD_ADDR);
}

static bool check_exit_msr_load_width(const struct vmx_check_ctx *c)
{
	return msr_area_within(c, VMCS_VM_EXIT_MSR_LOAD_COUNT, VMCS_VM_EXIT_MSR_LOAD_ADDR);
}

/* ---- VM-entry control fields ---- */

static bool check_entry_ctls(const struct vmx_check_ctx *c)
{
	return ctl_fits(c->entry, ctl_cap(c, MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS));
}

/* The interruption-information field, or 0 when its valid bit is clear. */
static uint64_t intr_info(const struct vmx_check_ctx *c)
{
	uint64_t info = fld(c, VMCS_VM_ENTRY_INTR_INFO_FIELD);

	return (info & VMX_INTR_INFO_VALID) ? info : 0;
}

static unsigned int intr_type(uint64_t info)
{
	return (unsigned int)((info & VMX_INTR_INFO_TYPE_MASK) >> VMX_INTR_INFO_TYPE_SHIFT);
}

static unsigned int intr_vector(uint64_t info)
{
	return (unsigned int)(info & VMX_INTR_INFO_VECTOR_MASK);
}

static bool check_intr_reserved(const struct vmx_check_ctx *c)
{
	return !(intr_info(c) & VMX_INTR_INFO_RESERVED);
}

/* Type 1 is always reserved; type 7 unless the CPU allows "monitor trap flag". */
static bool check_intr_type(const struct vmx_check_ctx *c)
{
	uint64_t info = intr_info(c);
	uint64_t proc_cap = ctl_cap(c, MSR_IA32_VMX_PROCBASED_CTLS,
				    MSR_IA32_VMX_TRUE_PROCBASED_CTLS);

	if (!info)
		return true;
	if (intr_type(info) == VMX_INTR_TYPE_RESERVED)
		return false;
	return intr_type(info) != VMX_INTR_TYPE_OTHER_EVENT ||
	       ((proc_cap >> 32) & VMX_PROC_MONITOR_TRAP_FLAG);
}

static bool check_intr_nmi_vector(const struct vmx_check_ctx *c)
{
	uint64_t info = intr_info(c);

	return !info || intr_type(info) != VMX_INTR_TYPE_NMI || intr_vector(info) == 2;
}

static bool check_intr_exception_vector(const struct vmx_check_ctx *c)
{
	uint64_t info = intr_info(c);

	return !info || intr_type(info) != VMX_INTR_TYPE_HARD_EXCEPTION || intr_vector(info) <= 31;
}

static bool check_intr_other_vector(const struct vmx_check_ctx *c)
{
	uint64_t info = intr_info(c);

	return !info || intr_type(info) != VMX_INTR_TYPE_OTHER_EVENT || intr_vector(info) == 0;
}

/* #DF, #TS, #NP, #SS, #GP, #PF, #AC: the exceptions that push an error code. */
static bool vector_has_error_code(unsigned int vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14: case 17:
		return true;
	}
	return false;
}

/*
 * Whether the injected event is a hardware exception delivered in
 * protected mode: the SDM's "either unrestricted guest is 0 or CR0.PE is
 * set in the guest CR0 field" (with unrestricted guest 0, CR0.PE is 1 in
 * any guest state that passes the later checks).
 */
static bool intr_protected_hw_exception(const struct vmx_check_ctx *c, uint64_t info)
{
	bool prot = !has2(c, VMX_PROC2_UNRESTRICTED_GUEST) || (fld(c, VMCS_GUEST_CR0) & CR0_PE);

	return intr_type(info) == VMX_INTR_TYPE_HARD_EXCEPTION && prot;
}

/* IA32_VMX_BASIC[56]: the vector no longer decides whether a code is delivered. */
static bool errcode_vector_free(const struct vmx_check_ctx *c)
{
	return cap(c, MSR_IA32_VMX_BASIC) & VMX_BASIC_NO_HW_ERRCODE_CHECK;
}

static bool check_intr_errcode_missing(const struct vmx_check_ctx *c)
{
	uint64_t info = intr_info(c);

	if (!info || !intr_protected_hw_exception(c, info) || errcode_vector_free(c) ||
	    !vector_has_error_code(intr_vector(info)))
		return true;
	return info & VMX_INTR_INFO_DELIVER_CODE;
}

static bool check_intr_errcode_unexpected(const struct vmx_check_ctx *c)
{
	uint64_t info = intr_info(c);

	if (!(info & VMX_INTR_INFO_DELIVER_CODE))
		return true;
	if (!intr_protected_hw_exception(c, info))
		return false;
	return errcode_vector_free(c) || vector_has_error_code(intr_vector(info));
}

static bool check_intr_errcode_reserved(const struct vmx_check_ctx *c)
{
	return !(intr_info(c) & VMX_INTR_INFO_DELIVER_CODE) ||
	       !(fld(c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000ULL);
}

/* Software interrupts and exceptions: an instruction length 1-15, or 0 with IA32_VMX_MISC[30]. */
static bool check_intr_insn_len(const struct vmx_check_ctx *c)
{
	uint64_t info = intr_info(c);
	uint64_t len = fld(c, VMCS_VM_ENTRY_INSTRUCTION_LEN);

	if (!info)
		return true;
	switch (intr_type(info)) {
	case VMX_INTR_TYPE_SOFT_INTR:
	case VMX_INTR_TYPE_PRIV_SW_EXCEPTION:
	case VMX_INTR_TYPE_SOFT_EXCEPTION:
		break;
	default:
		return true;
	}
	if (len == 0)
		return cap(c, MSR_IA32_VMX_MISC) & VMX_MISC_ZERO_LEN_INJECT;
	return len <= 15;
}

static bool check_entry_msr_load_aligned(const struct vmx_check_ctx *c)
{
	return msr_area_aligned(c, VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_MSR_LOAD_ADDR);
}

static bool check_entry_msr_load_width(const struct vmx_check_ctx *c)
{
	return msr_area_within(c, VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_MSR_LOAD_ADDR);
}

/* The simulator never runs in SMM: both controls must be 0. */
static bool check_entry_to_smm(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_TO_SMM);
}

static bool check_deact_dual_monitor(const struct vmx_check_ctx *c)
{
	return !(c->entry & VMX_ENTRY_DEACT_DUAL_MONITOR);
}

/* ---- the table ---- */

#define CTL(id_, sec, desc_, fn)					\
	{ .id = (id_), .group = VMX_CHECK_CONTROLS,			\
	  .error = VMXERR_ENTRY_INVALID_CONTROLS, .section = (sec),	\
	  .desc = (desc_), .holds = (fn) }

const struct vmx_check vmx_control_checks[] = {
	CTL("pin-ctls", SEC_EXEC, "pin-based controls: allowed-0 bits set, no bit outside allowed-1 (TRUE_PINBASED_CTLS when VMX_BASIC[55])", check_pin_ctls),
	CTL("proc-ctls", SEC_EXEC, "primary processor-based controls fit (TRUE_)PROCBASED_CTLS", check_proc_ctls),
	CTL("proc2-ctls", SEC_EXEC, "secondary controls fit PROCBASED_CTLS2 when primary bit 31 is 1", check_proc2_ctls),
	CTL("proc3-ctls", SEC_EXEC, "tertiary controls within PROCBASED_CTLS3 when primary bit 17 is 1", check_proc3_ctls),
	CTL("cr3-target-count", SEC_EXEC, "CR3-target count at most VMX_MISC[24:16]", check_cr3_target_count),
	CTL("io-bitmap-a", SEC_EXEC, "use I/O bitmaps: I/O bitmap A 4-KByte aligned, within MAXPHYADDR", check_io_bitmap_a),
	CTL("io-bitmap-b", SEC_EXEC, "use I/O bitmaps: I/O bitmap B 4-KByte aligned, within MAXPHYADDR", check_io_bitmap_b),
	CTL("msr-bitmap", SEC_EXEC, "use MSR bitmaps: MSR-bitmap address 4-KByte aligned, within MAXPHYADDR", check_msr_bitmap),
	CTL("virtual-apic-addr", SEC_EXEC, "use TPR shadow: virtual-APIC address 4-KByte aligned, within MAXPHYADDR", check_virtual_apic_addr),
	CTL("tpr-threshold-reserved", SEC_EXEC, "use TPR shadow, no virtual-interrupt delivery: TPR threshold bits 31:4 are 0", check_tpr_threshold_reserved),
	CTL("tpr-threshold-vtpr", SEC_EXEC, "use TPR shadow, neither virtualize APIC accesses nor VID: TPR threshold[3:0] <= VTPR[7:4]", check_tpr_threshold_vtpr),
	CTL("tpr-shadow-x2apic", SEC_EXEC, "use TPR shadow 0: virtualize x2APIC mode 0", check_no_tpr_shadow_x2apic),
	CTL("tpr-shadow-apic-reg-virt", SEC_EXEC, "use TPR shadow 0: APIC-register virtualization 0", check_no_tpr_shadow_apic_reg_virt),
	CTL("tpr-shadow-vid", SEC_EXEC, "use TPR shadow 0: virtual-interrupt delivery 0", check_no_tpr_shadow_vid),
	CTL("vnmi-nmi-exiting", SEC_EXEC, "NMI exiting 0: virtual NMIs 0", check_vnmi_needs_nmi_exiting),
	CTL("nmi-window-vnmi", SEC_EXEC, "virtual NMIs 0: NMI-window exiting 0", check_nmi_window_needs_vnmi),
	CTL("apic-access-addr", SEC_EXEC, "virtualize APIC accesses: APIC-access address 4-KByte aligned, within MAXPHYADDR", check_apic_access_addr),
	CTL("x2apic-apic-access", SEC_EXEC, "virtualize x2APIC mode 1: virtualize APIC accesses 0", check_x2apic_vs_apic_access),
	CTL("vid-ext-intr-exiting", SEC_EXEC, "virtual-interrupt delivery 1: external-interrupt exiting 1", check_vid_needs_ext_intr_exiting),
	CTL("posted-vid", SEC_EXEC, "process posted interrupts 1: virtual-interrupt delivery 1", check_posted_needs_vid),
	CTL("posted-ack-on-exit", SEC_EXEC, "process posted interrupts 1: acknowledge interrupt on exit 1", check_posted_needs_ack_on_exit),
	CTL("posted-vector", SEC_EXEC, "process posted interrupts 1: notification vector bits 15:8 are 0", check_posted_vector),
	CTL("posted-desc-aligned", SEC_EXEC, "process posted interrupts 1: descriptor address bits 5:0 are 0", check_posted_desc_aligned),
	CTL("posted-desc-width", SEC_EXEC, "process posted interrupts 1: descriptor address within MAXPHYADDR", check_posted_desc_width),
	CTL("vpid-nonzero", SEC_EXEC, "enable VPID 1: VPID is not 0", check_vpid_nonzero),
	CTL("eptp-memtype", SEC_EXEC, "enable EPT: EPTP memory type UC or WB, as EPT_VPID_CAP bits 8/14 allow", check_eptp_memtype),
	CTL("eptp-walk-length", SEC_EXEC, "enable EPT: EPTP bits 5:3 are 3 (4-level), or 4 when EPT_VPID_CAP[7]", check_eptp_walk_length),
	CTL("eptp-ad", SEC_EXEC, "enable EPT: EPTP bit 6 (accessed/dirty) only when EPT_VPID_CAP[21]", check_eptp_ad),
	CTL("eptp-reserved", SEC_EXEC, "enable EPT: EPTP bits 11:7 are 0", check_eptp_reserved),
	CTL("eptp-width", SEC_EXEC, "enable EPT: EPTP bits 63:MAXPHYADDR are 0", check_eptp_width),
	CTL("pml-ept", SEC_EXEC, "enable PML 1: enable EPT 1", check_pml_needs_ept),
	CTL("pml-addr", SEC_EXEC, "enable PML: PML address 4-KByte aligned, within MAXPHYADDR", check_pml_addr),
	CTL("unrestricted-ept", SEC_EXEC, "unrestricted guest 1: enable EPT 1", check_unrestricted_needs_ept),
	CTL("mbec-ept", SEC_EXEC, "mode-based execute control for EPT 1: enable EPT 1", check_mbec_needs_ept),
	CTL("spp-ept", SEC_EXEC, "sub-page write permissions for EPT 1: enable EPT 1", check_spp_needs_ept),
	CTL("spptp", SEC_EXEC, "sub-page write permissions: SPPTP bits 11:0 and 63:MAXPHYADDR are 0", check_spptp),
	CTL("vmfunc-ctls", SEC_EXEC, "enable VM functions: no VM-function control outside IA32_VMX_VMFUNC", check_vmfunc_ctls),
	CTL("eptp-switching-ept", SEC_EXEC, "EPTP switching VM function 1: enable EPT 1", check_eptp_switching_needs_ept),
	CTL("eptp-list-addr", SEC_EXEC, "EPTP switching: EPTP-list address 4-KByte aligned, within MAXPHYADDR", check_eptp_list_addr),
	CTL("vmread-bitmap", SEC_EXEC, "VMCS shadowing: VMREAD-bitmap address 4-KByte aligned, within MAXPHYADDR", check_vmread_bitmap),
	CTL("vmwrite-bitmap", SEC_EXEC, "VMCS shadowing: VMWRITE-bitmap address 4-KByte aligned, within MAXPHYADDR", check_vmwrite_bitmap),
	CTL("ve-info-addr", SEC_EXEC, "EPT-violation #VE: virtualization-exception information address 4-KByte aligned, within MAXPHYADDR", check_ve_info_addr),
	CTL("pt-gpa-ept", SEC_EXEC, "Intel PT uses guest physical addresses 1: enable EPT 1", check_pt_gpa_needs_ept),
	CTL("pt-gpa-rtit-ctls", SEC_EXEC, "Intel PT uses guest physical addresses 1: clear IA32_RTIT_CTL exit and load IA32_RTIT_CTL entry controls 1", check_pt_gpa_needs_rtit_ctls),
	CTL("exit-ctls", SEC_EXIT, "VM-exit controls fit (TRUE_)EXIT_CTLS", check_exit_ctls),
	CTL("exit-ctls2", SEC_EXIT, "secondary VM-exit controls within EXIT_CTLS2 when exit bit 31 is 1", check_exit_ctls2),
	CTL("preemption-save", SEC_EXIT, "save VMX-preemption timer value 1: activate VMX-preemption timer 1", check_preemption_save),
	CTL("exit-msr-store-aligned", SEC_EXIT, "MSR-store count not 0: MSR-store address bits 3:0 are 0", check_exit_msr_store_aligned),
	CTL("exit-msr-store-width", SEC_EXIT, "MSR-store count not 0: first and last byte of the area within MAXPHYADDR", check_exit_msr_store_width),
	CTL("exit-msr-load-aligned", SEC_EXIT, "VM-exit MSR-load count not 0: address bits 3:0 are 0", check_exit_msr_load_aligned),
	CTL("exit-msr-load-width", SEC_EXIT, "VM-exit MSR-load count not 0: first and last byte of the area within MAXPHYADDR", check_exit_msr_load_width),
	CTL("entry-ctls", SEC_ENTRY, "VM-entry controls fit (TRUE_)ENTRY_CTLS", check_entry_ctls),
	CTL("intr-reserved", SEC_ENTRY, "injection valid: interruption-information bits 30:12 are 0", check_intr_reserved),
	CTL("intr-type", SEC_ENTRY, "injection valid: type not 1, and not 7 unless monitor trap flag is allowed", check_intr_type),
	CTL("intr-nmi-vector", SEC_ENTRY, "injection valid, type NMI: vector 2", check_intr_nmi_vector),
	CTL("intr-exception-vector", SEC_ENTRY, "injection valid, type hardware exception: vector at most 31", check_intr_exception_vector),
	CTL("intr-other-vector", SEC_ENTRY, "injection valid, type other event: vector 0", check_intr_other_vector),
	CTL("intr-errcode-missing", SEC_ENTRY, "protected-mode hardware exception 8, 10-14 or 17: deliver-error-code 1 (unless VMX_BASIC[56])", check_intr_errcode_missing),
	CTL("intr-errcode-unexpected", SEC_ENTRY, "deliver-error-code 1 only for a protected-mode hardware exception (of vector 8, 10-14, 17 unless VMX_BASIC[56])", check_intr_errcode_unexpected),
	CTL("intr-errcode-reserved", SEC_ENTRY, "deliver-error-code 1: VM-entry exception error code bits 31:16 are 0", check_intr_errcode_reserved),
	CTL("intr-insn-len", SEC_ENTRY, "software interrupt or exception: instruction length 1-15, or 0 when VMX_MISC[30]", check_intr_insn_len),
	CTL("entry-msr-load-aligned", SEC_ENTRY, "VM-entry MSR-load count not 0: address bits 3:0 are 0", check_entry_msr_load_aligned),
	CTL("entry-msr-load-width", SEC_ENTRY, "VM-entry MSR-load count not 0: first and last byte of the area within MAXPHYADDR", check_entry_msr_load_width),
	CTL("entry-to-smm", SEC_ENTRY, "outside SMM: entry to SMM 0", check_entry_to_smm),
	CTL("deact-dual-monitor", SEC_ENTRY, "outside SMM: deactivate dual-monitor treatment 0", check_deact_dual_monitor),
};

const unsigned int vmx_nr_control_checks = sizeof(vmx_control_checks) / sizeof(vmx_control_checks[0]);

const char *vmx_check_group_name(enum vmx_check_group group)
{
	switch (group) {
	case VMX_CHECK_CONTROLS:
		return "controls";
	case VMX_CHECK_HOST_STATE:
		return "host-state";
	case VMX_CHECK_GUEST_STATE:
		return "guest-state";
	}
	return "?";
}

size_t vmx_checks_render(const struct vmx_check *rows, unsigned int n, char *buf, size_t len)
{
	size_t used = 0;
	int k;

	k = snprintf(buf, len, "| id | group | error | SDM section | rule |\n"
			       "| --- | --- | --- | --- | --- |\n");
	used += (size_t)k;
	for (unsigned int i = 0; i < n; i++) {
		k = snprintf(used < len ? buf + used : NULL, used < len ? len - used : 0,
			     "| `%s` | %s | %d | %s | %s |\n", rows[i].id,
			     vmx_check_group_name(rows[i].group), rows[i].error, rows[i].section,
			     rows[i].desc);
		used += (size_t)k;
	}
	return used;
}

static void ctx_init(struct vmx_check_ctx *c, const struct cpu_model *m, const struct vmcs *v,
		     const struct vmx_phys_reader *mem)
{
	c->m = m;
	c->v = v;
	c->mem = mem;
	c->maxphyaddr = model_maxphyaddr(m);
	/* A model file bounds MAXPHYADDR to 36-52; a shift of 64 would be UB. */
	SIM_BUG_ON(c->maxphyaddr == 0 || c->maxphyaddr >= 64);
	c->pin = fld(c, VMCS_PIN_BASED_VM_EXEC_CONTROL);
	c->proc = fld(c, VMCS_CPU_BASED_VM_EXEC_CONTROL);
	c->exit = fld(c, VMCS_VM_EXIT_CONTROLS);
	c->entry = fld(c, VMCS_VM_ENTRY_CONTROLS);
	c->proc2 = (c->proc & VMX_PROC_ACTIVATE_SECONDARY) ?
		   fld(c, VMCS_SECONDARY_VM_EXEC_CONTROL) : 0;
	c->proc3 = (c->proc & VMX_PROC_ACTIVATE_TERTIARY) ?
		   fld(c, VMCS_TERTIARY_VM_EXEC_CONTROL) : 0;
	c->exit2 = (c->exit & VMX_EXIT_ACTIVATE_SECONDARY) ?
		   fld(c, VMCS_SECONDARY_VM_EXIT_CONTROLS) : 0;
}

int vmx_check_controls_mem(const struct cpu_model *m, const struct vmcs *v,
			   const struct vmx_phys_reader *mem,
			   const struct vmx_check **failed)
{
	struct vmx_check_ctx c;

	ctx_init(&c, m, v, mem);
	*failed = NULL;
	for (unsigned int i = 0; i < vmx_nr_control_checks; i++) {
		if (!vmx_control_checks[i].holds(&c)) {
			*failed = &vmx_control_checks[i];
			return vmx_control_checks[i].error;
		}
	}
	return 0;
}

int vmx_check_controls(const struct cpu_model *m, const struct vmcs *v,
		       const struct vmx_check **failed)
{
	return vmx_check_controls_mem(m, v, NULL, failed);
}
