// SPDX-License-Identifier: MIT
/*
 * The row functions of the checks on VMX controls that VMLAUNCH/VMRESUME
 * make before loading any guest state (the rows themselves are in
 * checks.def). Each is one rule of Intel SDM, Order Number 325462-080US
 * (June 2023), Vol. 3C, "Checks on VMX Controls"; the first rule that
 * fails ends VM entry with VM-instruction error 7 ("VM entry with invalid
 * control field(s)").
 *
 * A failing row is a guest- or hypervisor-visible outcome, never a
 * simulator bug: nothing here asserts on what the VMCS holds.
 *
 * Where a rule depends on the CPU it reads the capability MSRs of the
 * model (Vol. 3D, Appendix A "VMX Capability Reporting Facility"); a
 * model that lacks an MSR allows no 1-setting that MSR would report.
 */
#include "vmx/checks.h"

#include <stddef.h>

#define PAGE_ALIGN	4096ULL
/* The posted-interrupt descriptor is 64 bytes, naturally aligned. */
#define PI_DESC_ALIGN	64ULL
/* VTPR is the byte at offset 80H of the virtual-APIC page ("Virtualized APIC Registers"). */
#define VAPIC_VTPR	0x80

static bool aligned_pa(const struct vmx_check_ctx *c, uint64_t addr, uint64_t align)
{
	return !(addr & (align - 1)) && !vmx_beyond_pa(c, addr);
}

static bool page_field_ok(const struct vmx_check_ctx *c, uint32_t encoding)
{
	return aligned_pa(c, vmx_fld(c, encoding), PAGE_ALIGN);
}

/* Both the first and the last byte of an MSR area within MAXPHYADDR. */
static bool msr_area_within(const struct vmx_check_ctx *c, uint32_t count_field,
			    uint32_t addr_field)
{
	uint64_t count = vmx_fld(c, count_field), addr = vmx_fld(c, addr_field);

	if (!count)
		return true;
	if (vmx_beyond_pa(c, addr))
		return false;
	return !vmx_beyond_pa(c, addr + count * VMX_MSR_ENTRY_SIZE - 1);
}

static bool msr_area_aligned(const struct vmx_check_ctx *c, uint32_t count_field,
			     uint32_t addr_field)
{
	return !vmx_fld(c, count_field) || !(vmx_fld(c, addr_field) & (VMX_MSR_ENTRY_SIZE - 1));
}

static bool has2(const struct vmx_check_ctx *c, uint64_t bit)
{
	return c->proc2 & bit;
}

static uint64_t eptp(const struct vmx_check_ctx *c)
{
	return vmx_fld(c, VMCS_EPT_POINTER);
}

static uint64_t ept_cap(const struct vmx_check_ctx *c)
{
	return vmx_cap(c, MSR_IA32_VMX_EPT_VPID_CAP);
}

/* ---- VM-execution control fields ---- */

bool vmx_chk_pin_ctls(const struct vmx_check_ctx *c)
{
	return vmx_control_allowed(model_vmx_ctl_cap(c->m, MSR_IA32_VMX_PINBASED_CTLS,
						     MSR_IA32_VMX_TRUE_PINBASED_CTLS), c->pin);
}

bool vmx_chk_proc_ctls(const struct vmx_check_ctx *c)
{
	return vmx_control_allowed(model_vmx_ctl_cap(c->m, MSR_IA32_VMX_PROCBASED_CTLS,
						     MSR_IA32_VMX_TRUE_PROCBASED_CTLS), c->proc);
}

bool vmx_chk_proc2_ctls(const struct vmx_check_ctx *c)
{
	return vmx_control_allowed(vmx_cap(c, MSR_IA32_VMX_PROCBASED_CTLS2), c->proc2);
}

/* IA32_VMX_PROCBASED_CTLS3 is 64 allowed-1 bits, no allowed-0 half. */
bool vmx_chk_proc3_ctls(const struct vmx_check_ctx *c)
{
	return !(c->proc3 & ~vmx_cap(c, MSR_IA32_VMX_PROCBASED_CTLS3));
}

bool vmx_chk_cr3_target_count(const struct vmx_check_ctx *c)
{
	uint64_t limit = (vmx_cap(c, MSR_IA32_VMX_MISC) >> VMX_MISC_CR3_TARGETS_SHIFT) &
			 VMX_MISC_CR3_TARGETS_MASK;

	return vmx_fld(c, VMCS_CR3_TARGET_COUNT) <= limit;
}

bool vmx_chk_io_bitmap_a(const struct vmx_check_ctx *c)
{
	return !(c->proc & CPU_BASED_USE_IO_BITMAPS) || page_field_ok(c, VMCS_IO_BITMAP_A);
}

bool vmx_chk_io_bitmap_b(const struct vmx_check_ctx *c)
{
	return !(c->proc & CPU_BASED_USE_IO_BITMAPS) || page_field_ok(c, VMCS_IO_BITMAP_B);
}

bool vmx_chk_msr_bitmap(const struct vmx_check_ctx *c)
{
	return !(c->proc & CPU_BASED_USE_MSR_BITMAPS) || page_field_ok(c, VMCS_MSR_BITMAP);
}

bool vmx_chk_virtual_apic_addr(const struct vmx_check_ctx *c)
{
	return !(c->proc & CPU_BASED_TPR_SHADOW) ||
	       page_field_ok(c, VMCS_VIRTUAL_APIC_PAGE_ADDR);
}

bool vmx_chk_tpr_threshold_reserved(const struct vmx_check_ctx *c)
{
	if (!(c->proc & CPU_BASED_TPR_SHADOW) || has2(c, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY))
		return true;
	return !(vmx_fld(c, VMCS_TPR_THRESHOLD) & ~0xfULL);
}

/* VTPR as VM entry reads it; an unbacked page reads as zeros. */
static uint8_t read_vtpr(const struct vmx_check_ctx *c)
{
	uint8_t vtpr;

	vmx_read_phys(c, vmx_fld(c, VMCS_VIRTUAL_APIC_PAGE_ADDR) + VAPIC_VTPR, &vtpr, 1);
	return vtpr;
}

bool vmx_chk_tpr_threshold_vtpr(const struct vmx_check_ctx *c)
{
	if (!(c->proc & CPU_BASED_TPR_SHADOW) ||
	    has2(c, SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES) ||
	    has2(c, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY))
		return true;
	return (vmx_fld(c, VMCS_TPR_THRESHOLD) & 0xf) <= (uint64_t)(read_vtpr(c) >> 4);
}

bool vmx_chk_no_tpr_shadow_x2apic(const struct vmx_check_ctx *c)
{
	return (c->proc & CPU_BASED_TPR_SHADOW) || !has2(c, SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE);
}

bool vmx_chk_no_tpr_shadow_apic_reg_virt(const struct vmx_check_ctx *c)
{
	return (c->proc & CPU_BASED_TPR_SHADOW) || !has2(c, SECONDARY_EXEC_APIC_REGISTER_VIRT);
}

bool vmx_chk_no_tpr_shadow_vid(const struct vmx_check_ctx *c)
{
	return (c->proc & CPU_BASED_TPR_SHADOW) || !has2(c, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
}

bool vmx_chk_vnmi_needs_nmi_exiting(const struct vmx_check_ctx *c)
{
	return (c->pin & PIN_BASED_NMI_EXITING) || !(c->pin & PIN_BASED_VIRTUAL_NMIS);
}

bool vmx_chk_nmi_window_needs_vnmi(const struct vmx_check_ctx *c)
{
	return (c->pin & PIN_BASED_VIRTUAL_NMIS) || !(c->proc & CPU_BASED_NMI_WINDOW_EXITING);
}

bool vmx_chk_apic_access_addr(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES) ||
	       page_field_ok(c, VMCS_APIC_ACCESS_ADDR);
}

bool vmx_chk_x2apic_vs_apic_access(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE) ||
	       !has2(c, SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
}

bool vmx_chk_vid_needs_ext_intr_exiting(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY) || (c->pin & PIN_BASED_EXT_INTR_MASK);
}

static bool posted(const struct vmx_check_ctx *c)
{
	return c->pin & PIN_BASED_POSTED_INTR;
}

bool vmx_chk_posted_needs_vid(const struct vmx_check_ctx *c)
{
	return !posted(c) || has2(c, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
}

bool vmx_chk_posted_needs_ack_on_exit(const struct vmx_check_ctx *c)
{
	return !posted(c) || (c->exit & VM_EXIT_ACK_INTR_ON_EXIT);
}

/* The notification vector is a 16-bit field holding a vector 0-255: bits 15:8 zero. */
bool vmx_chk_posted_vector(const struct vmx_check_ctx *c)
{
	return !posted(c) || !(vmx_fld(c, VMCS_POSTED_INTR_NV) & 0xff00);
}

bool vmx_chk_posted_desc_aligned(const struct vmx_check_ctx *c)
{
	return !posted(c) || !(vmx_fld(c, VMCS_POSTED_INTR_DESC_ADDR) & (PI_DESC_ALIGN - 1));
}

bool vmx_chk_posted_desc_width(const struct vmx_check_ctx *c)
{
	return !posted(c) || !vmx_beyond_pa(c, vmx_fld(c, VMCS_POSTED_INTR_DESC_ADDR));
}

bool vmx_chk_vpid_nonzero(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_ENABLE_VPID) || vmx_fld(c, VMCS_VIRTUAL_PROCESSOR_ID);
}

bool vmx_chk_eptp_memtype(const struct vmx_check_ctx *c)
{
	uint64_t mt = eptp(c) & VMX_EPTP_MT_MASK;

	if (!has2(c, SECONDARY_EXEC_ENABLE_EPT))
		return true;
	return (mt == VMX_EPTP_MT_UC && (ept_cap(c) & VMX_EPTP_UC_BIT)) ||
	       (mt == VMX_EPTP_MT_WB && (ept_cap(c) & VMX_EPTP_WB_BIT));
}

/* Bits 5:3 hold the page-walk length minus 1. */
bool vmx_chk_eptp_walk_length(const struct vmx_check_ctx *c)
{
	uint64_t pwl = (eptp(c) & VMX_EPTP_PWL_MASK) >> VMX_EPTP_PWL_SHIFT;

	if (!has2(c, SECONDARY_EXEC_ENABLE_EPT))
		return true;
	return (pwl == 3 && (ept_cap(c) & VMX_EPT_PAGE_WALK_4_BIT)) ||
	       (pwl == 4 && (ept_cap(c) & VMX_EPT_PAGE_WALK_5_BIT));
}

bool vmx_chk_eptp_ad(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_ENABLE_EPT) || !(eptp(c) & VMX_EPTP_AD_ENABLE_BIT) ||
	       (ept_cap(c) & VMX_EPT_AD_BIT);
}

bool vmx_chk_eptp_reserved(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_ENABLE_EPT) || !(eptp(c) & VMX_EPTP_RESERVED_LOW);
}

bool vmx_chk_eptp_width(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_ENABLE_EPT) || !vmx_beyond_pa(c, eptp(c));
}

bool vmx_chk_pml_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_ENABLE_PML) || has2(c, SECONDARY_EXEC_ENABLE_EPT);
}

bool vmx_chk_pml_addr(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_ENABLE_PML) || page_field_ok(c, VMCS_PML_ADDRESS);
}

bool vmx_chk_unrestricted_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_UNRESTRICTED_GUEST) || has2(c, SECONDARY_EXEC_ENABLE_EPT);
}

bool vmx_chk_mbec_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_MODE_BASED_EPT_EXEC) || has2(c, SECONDARY_EXEC_ENABLE_EPT);
}

bool vmx_chk_spp_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_SPP) || has2(c, SECONDARY_EXEC_ENABLE_EPT);
}

bool vmx_chk_spptp(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_SPP) || page_field_ok(c, VMCS_SPP_TABLE_POINTER);
}

static uint64_t vmfunc(const struct vmx_check_ctx *c)
{
	return has2(c, SECONDARY_EXEC_ENABLE_VMFUNC) ? vmx_fld(c, VMCS_VM_FUNCTION_CONTROL) : 0;
}

bool vmx_chk_vmfunc_ctls(const struct vmx_check_ctx *c)
{
	return !(vmfunc(c) & ~vmx_cap(c, MSR_IA32_VMX_VMFUNC));
}

bool vmx_chk_eptp_switching_needs_ept(const struct vmx_check_ctx *c)
{
	return !(vmfunc(c) & VMX_VMFUNC_EPTP_SWITCHING) || has2(c, SECONDARY_EXEC_ENABLE_EPT);
}

bool vmx_chk_eptp_list_addr(const struct vmx_check_ctx *c)
{
	return !(vmfunc(c) & VMX_VMFUNC_EPTP_SWITCHING) || page_field_ok(c, VMCS_EPTP_LIST_ADDRESS);
}

bool vmx_chk_vmread_bitmap(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_SHADOW_VMCS) || page_field_ok(c, VMCS_VMREAD_BITMAP);
}

bool vmx_chk_vmwrite_bitmap(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_SHADOW_VMCS) || page_field_ok(c, VMCS_VMWRITE_BITMAP);
}

bool vmx_chk_ve_info_addr(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_EPT_VIOLATION_VE) ||
	       page_field_ok(c, VMCS_VE_INFORMATION_ADDRESS);
}

bool vmx_chk_pt_gpa_needs_ept(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_PT_USE_GPA) || has2(c, SECONDARY_EXEC_ENABLE_EPT);
}

bool vmx_chk_pt_gpa_needs_rtit_ctls(const struct vmx_check_ctx *c)
{
	return !has2(c, SECONDARY_EXEC_PT_USE_GPA) ||
	       ((c->exit & VM_EXIT_CLEAR_IA32_RTIT_CTL) && (c->entry & VM_ENTRY_LOAD_IA32_RTIT_CTL));
}

/* ---- VM-exit control fields ---- */

bool vmx_chk_exit_ctls(const struct vmx_check_ctx *c)
{
	return vmx_control_allowed(model_vmx_ctl_cap(c->m, MSR_IA32_VMX_EXIT_CTLS,
						     MSR_IA32_VMX_TRUE_EXIT_CTLS), c->exit);
}

/* IA32_VMX_EXIT_CTLS2 is 64 allowed-1 bits, like the tertiary controls. */
bool vmx_chk_exit_ctls2(const struct vmx_check_ctx *c)
{
	return !(c->exit2 & ~vmx_cap(c, MSR_IA32_VMX_EXIT_CTLS2));
}

bool vmx_chk_preemption_save(const struct vmx_check_ctx *c)
{
	return !(c->exit & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER) ||
	       (c->pin & PIN_BASED_VMX_PREEMPTION_TIMER);
}

bool vmx_chk_exit_msr_store_aligned(const struct vmx_check_ctx *c)
{
	return msr_area_aligned(c, VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_STORE_ADDR);
}

bool vmx_chk_exit_msr_store_width(const struct vmx_check_ctx *c)
{
	return msr_area_within(c, VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_STORE_ADDR);
}

bool vmx_chk_exit_msr_load_aligned(const struct vmx_check_ctx *c)
{
	return msr_area_aligned(c, VMCS_VM_EXIT_MSR_LOAD_COUNT, VMCS_VM_EXIT_MSR_LOAD_ADDR);
}

bool vmx_chk_exit_msr_load_width(const struct vmx_check_ctx *c)
{
	return msr_area_within(c, VMCS_VM_EXIT_MSR_LOAD_COUNT, VMCS_VM_EXIT_MSR_LOAD_ADDR);
}

/* ---- VM-entry control fields ---- */

bool vmx_chk_entry_ctls(const struct vmx_check_ctx *c)
{
	return vmx_control_allowed(model_vmx_ctl_cap(c->m, MSR_IA32_VMX_ENTRY_CTLS,
						     MSR_IA32_VMX_TRUE_ENTRY_CTLS), c->entry);
}

static uint64_t intr_type(uint64_t info)
{
	return info & INTR_INFO_INTR_TYPE_MASK;
}

static unsigned int intr_vector(uint64_t info)
{
	return (unsigned int)(info & INTR_INFO_VECTOR_MASK);
}

bool vmx_chk_intr_reserved(const struct vmx_check_ctx *c)
{
	return !(vmx_injected(c) & INTR_INFO_RESVD_BITS_MASK);
}

/* Type 1 is always reserved; type 7 unless the CPU allows "monitor trap flag". */
bool vmx_chk_intr_type(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);
	uint64_t proc_cap = model_vmx_ctl_cap(c->m, MSR_IA32_VMX_PROCBASED_CTLS,
					      MSR_IA32_VMX_TRUE_PROCBASED_CTLS);

	if (!info)
		return true;
	if (intr_type(info) == INTR_TYPE_RESERVED)
		return false;
	return intr_type(info) != INTR_TYPE_OTHER_EVENT ||
	       ((proc_cap >> 32) & CPU_BASED_MONITOR_TRAP_FLAG);
}

bool vmx_chk_intr_nmi_vector(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);

	return !info || intr_type(info) != INTR_TYPE_NMI_INTR || intr_vector(info) == 2;
}

bool vmx_chk_intr_exception_vector(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);

	return !info || intr_type(info) != INTR_TYPE_HARD_EXCEPTION || intr_vector(info) <= 31;
}

bool vmx_chk_intr_other_vector(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);

	return !info || intr_type(info) != INTR_TYPE_OTHER_EVENT || intr_vector(info) == 0;
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
	bool prot = !has2(c, SECONDARY_EXEC_UNRESTRICTED_GUEST) ||
		    (vmx_fld(c, VMCS_GUEST_CR0) & X86_CR0_PE);

	return intr_type(info) == INTR_TYPE_HARD_EXCEPTION && prot;
}

/* IA32_VMX_BASIC[56]: the vector no longer decides whether a code is delivered. */
static bool errcode_vector_free(const struct vmx_check_ctx *c)
{
	return vmx_cap(c, MSR_IA32_VMX_BASIC) & VMX_BASIC_NO_HW_ERROR_CODE_CC;
}

bool vmx_chk_intr_errcode_missing(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);

	if (!info || !intr_protected_hw_exception(c, info) || errcode_vector_free(c) ||
	    !vector_has_error_code(intr_vector(info)))
		return true;
	return info & INTR_INFO_DELIVER_CODE_MASK;
}

bool vmx_chk_intr_errcode_unexpected(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);

	if (!(info & INTR_INFO_DELIVER_CODE_MASK))
		return true;
	if (!intr_protected_hw_exception(c, info))
		return false;
	return errcode_vector_free(c) || vector_has_error_code(intr_vector(info));
}

bool vmx_chk_intr_errcode_reserved(const struct vmx_check_ctx *c)
{
	return !(vmx_injected(c) & INTR_INFO_DELIVER_CODE_MASK) ||
	       !(vmx_fld(c, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff0000ULL);
}

/* Software interrupts and exceptions: an instruction length 1-15, or 0 with IA32_VMX_MISC[30]. */
bool vmx_chk_intr_insn_len(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_injected(c);
	uint64_t len = vmx_fld(c, VMCS_VM_ENTRY_INSTRUCTION_LEN);

	if (!info)
		return true;
	switch (intr_type(info)) {
	case INTR_TYPE_SOFT_INTR:
	case INTR_TYPE_PRIV_SW_EXCEPTION:
	case INTR_TYPE_SOFT_EXCEPTION:
		break;
	default:
		return true;
	}
	if (len == 0)
		return vmx_cap(c, MSR_IA32_VMX_MISC) & VMX_MISC_ZERO_LEN_INS;
	return len <= 15;
}

bool vmx_chk_entry_msr_load_aligned(const struct vmx_check_ctx *c)
{
	return msr_area_aligned(c, VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_MSR_LOAD_ADDR);
}

bool vmx_chk_entry_msr_load_width(const struct vmx_check_ctx *c)
{
	return msr_area_within(c, VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_MSR_LOAD_ADDR);
}

/* The simulator never runs in SMM: both controls must be 0. */
bool vmx_chk_entry_to_smm(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_SMM);
}

bool vmx_chk_deact_dual_monitor(const struct vmx_check_ctx *c)
{
	return !(c->entry & VM_ENTRY_DEACT_DUAL_MONITOR);
}

bool vmx_eptp_valid(const struct cpu_model *m, uint64_t eptp_val)
{
	static bool (*const rows[])(const struct vmx_check_ctx *c) = {
		vmx_chk_eptp_memtype, vmx_chk_eptp_walk_length, vmx_chk_eptp_ad,
		vmx_chk_eptp_reserved, vmx_chk_eptp_width,
	};
	struct vmx_check_ctx c;
	struct vmcs v;

	/* A VMCS with EPT on and this EPTP: the rows judge the pointer alone. */
	vmcs_init(&v, 0, false);
	vmcs_set(&v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set(&v, VMCS_SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_ENABLE_EPT);
	vmcs_set(&v, VMCS_EPT_POINTER, eptp_val);
	vmx_check_ctx_init(&c, m, &v, NULL, NULL);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (!rows[i](&c))
			return false;
	return true;
}
