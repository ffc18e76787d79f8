// SPDX-License-Identifier: MIT
/*
 * The VMCS field table, VMREAD/VMWRITE, and the VM-entry checks on VMX
 * controls. Every controls row of the check table gets its own test: a VMCS
 * that passes every check is broken in exactly the way that row forbids,
 * and VM entry must fail with that row's error naming that row. The real
 * pair: posted interrupts pass on skylake-sp and fail on kabylake.
 *
 * SDM citations: Intel SDM, Order Number 325462-080US (June 2023).
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

/* Addresses the legal configurations use: page-aligned, far below any MAXPHYADDR. */
#define PA_VAPIC	0x10000ULL
#define PA_APIC_ACCESS	0x11000ULL
#define PA_PI_DESC	0x12000ULL
#define PA_EPT_ROOT	0x13000ULL
#define PA_PAGE		0x14000ULL
#define PA_PAGE2	0x15000ULL
#define PI_VECTOR	0xf2

/* ---- models ---- */

/*
 * skylake-sp with every control a row's violation needs allowed: tertiary
 * and secondary exit controls (with a few bits each, so a bit outside them
 * exists), all secondary controls but bit 31, 5-level EPT. The real
 * capability rows are tested on the real models below.
 */
static struct cpu_model *permissive_model(void)
{
	struct cpu_model *m = vt_load("skylake-sp");
	uint32_t procs[] = { MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS };
	uint32_t exits[] = { MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS };
	uint32_t entries[] = { MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS };

	for (int i = 0; i < 2; i++) {
		vt_set_msr(m, procs[i], vt_msr(m, procs[i]) | 0xffffffff00000000ULL);
		vt_set_msr(m, exits[i], vt_msr(m, exits[i]) | 0xffffffff00000000ULL);
		vt_set_msr(m, entries[i], vt_msr(m, entries[i]) | 0xffffffff00000000ULL);
	}
	vt_set_msr(m, MSR_IA32_VMX_PROCBASED_CTLS2, 0x7fffffff00000000ULL);
	vt_set_msr(m, MSR_IA32_VMX_PROCBASED_CTLS3, 0xffULL);
	vt_set_msr(m, MSR_IA32_VMX_EXIT_CTLS2, 0xfULL);
	vt_set_msr(m, MSR_IA32_VMX_EPT_VPID_CAP, vt_msr(m, MSR_IA32_VMX_EPT_VPID_CAP) | VMX_EPT_PAGE_WALK_5_BIT);
	vt_set_msr(m, MSR_IA32_VMX_VMFUNC, VMX_VMFUNC_EPTP_SWITCHING);
	return m;
}

/* ---- VMCS configurations ---- */

/*
 * The legal VMCS of sim/vmx/legal.c: control words at their allowed-0
 * (default-1) bits plus a 64-bit host and IA-32e guest, which passes every
 * check of VM entry, so a violation of one control rule is the only reason
 * an entry fails.
 */
static struct vmcs *legal_vmcs(const struct cpu_model *m)
{
	return vmx_legal_vmcs(m);
}
static void secondary(struct vmcs *v, uint64_t bits)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL, bits);
}

static void tpr_shadow(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_TPR_SHADOW);
	vmcs_set(v, VMCS_VIRTUAL_APIC_PAGE_ADDR, PA_VAPIC);
}

/* Posted interrupts with everything they need, as KVM configures APICv. */
static void posted_interrupts(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_MASK | PIN_BASED_POSTED_INTR);
	tpr_shadow(v);
	secondary(v, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
	vmcs_set(v, VMCS_POSTED_INTR_NV, PI_VECTOR);
	vmcs_set(v, VMCS_POSTED_INTR_DESC_ADDR, PA_PI_DESC);
}

/* Write-back, 4-level, no A/D. */
static uint64_t legal_eptp(void)
{
	return VMX_EPTP_MT_WB | (3ULL << VMX_EPTP_PWL_SHIFT) | PA_EPT_ROOT;
}

static void ept(struct vmcs *v)
{
	secondary(v, SECONDARY_EXEC_ENABLE_EPT);
	vmcs_set(v, VMCS_EPT_POINTER, legal_eptp());
}

static uint64_t beyond(const struct cpu_model *m)
{
	return 1ULL << model_maxphyaddr(m);
}

static void inject(struct vmcs *v, uint64_t type, unsigned int vector, uint64_t extra)
{
	vmcs_set(v, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK | type | vector | extra);
}

/* ---- one violation per row ---- */

typedef void violate_fn(struct cpu_model *m, struct vmcs *v);

static void v_pin_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_clear_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, VMX_BIT(1));	/* default-1 */
}

static void v_proc_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_clear_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, VMX_BIT(1));	/* default-1 */
}

static void v_proc2_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, VMX_BIT(31));
}

static void v_proc3_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_TERTIARY_CONTROLS);
	vmcs_set(v, VMCS_TERTIARY_VM_EXEC_CONTROL, VMX_BIT(63));
}

static void v_cr3_target_count(struct cpu_model *m, struct vmcs *v)
{
	vmcs_set(v, VMCS_CR3_TARGET_COUNT,
		 ((vt_msr(m, MSR_IA32_VMX_MISC) >> VMX_MISC_CR3_TARGETS_SHIFT) & 0x1ff) + 1);
}

static void v_io_bitmap_a(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_IO_BITMAPS);
	vmcs_set(v, VMCS_IO_BITMAP_A, PA_PAGE + 8);
	vmcs_set(v, VMCS_IO_BITMAP_B, PA_PAGE2);
}

static void v_io_bitmap_b(struct cpu_model *m, struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_IO_BITMAPS);
	vmcs_set(v, VMCS_IO_BITMAP_A, PA_PAGE);
	vmcs_set(v, VMCS_IO_BITMAP_B, beyond(m));
}

static void v_msr_bitmap(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_USE_MSR_BITMAPS);
	vmcs_set(v, VMCS_MSR_BITMAP, PA_PAGE + 0x800);
}

static void v_virtual_apic_addr(struct cpu_model *m, struct vmcs *v)
{
	tpr_shadow(v);
	vmcs_set(v, VMCS_VIRTUAL_APIC_PAGE_ADDR, beyond(m) | PA_VAPIC);
}

static void v_tpr_threshold_reserved(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	tpr_shadow(v);
	vmcs_set(v, VMCS_TPR_THRESHOLD, 0x10);
}

/* No memory: VTPR reads 0, so any threshold above 0 fails. */
static void v_tpr_threshold_vtpr(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	tpr_shadow(v);
	vmcs_set(v, VMCS_TPR_THRESHOLD, 1);
}

static void v_tpr_shadow_x2apic(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE);
}

static void v_tpr_shadow_apic_reg_virt(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_APIC_REGISTER_VIRT);
}

static void v_tpr_shadow_vid(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_MASK);
	secondary(v, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
}

static void v_vnmi_nmi_exiting(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_VIRTUAL_NMIS);
}

static void v_nmi_window_vnmi(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_NMI_WINDOW_EXITING);
}

static void v_apic_access_addr(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
	vmcs_set(v, VMCS_APIC_ACCESS_ADDR, PA_APIC_ACCESS + 1);
}

static void v_x2apic_apic_access(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	tpr_shadow(v);
	secondary(v, SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE | SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES);
	vmcs_set(v, VMCS_APIC_ACCESS_ADDR, PA_APIC_ACCESS);
}

static void v_vid_ext_intr_exiting(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	tpr_shadow(v);
	secondary(v, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
}

static void v_posted_vid(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	posted_interrupts(v);
	vmcs_clear_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
}

static void v_posted_ack_on_exit(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	posted_interrupts(v);
	vmcs_clear_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
}

static void v_posted_vector(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	posted_interrupts(v);
	vmcs_set(v, VMCS_POSTED_INTR_NV, 0x100 | PI_VECTOR);
}

static void v_posted_desc_aligned(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	posted_interrupts(v);
	vmcs_set(v, VMCS_POSTED_INTR_DESC_ADDR, PA_PI_DESC + 0x20);
}

static void v_posted_desc_width(struct cpu_model *m, struct vmcs *v)
{
	posted_interrupts(v);
	vmcs_set(v, VMCS_POSTED_INTR_DESC_ADDR, beyond(m) | PA_PI_DESC);
}

static void v_vpid_nonzero(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_ENABLE_VPID);
}

static void v_eptp_memtype(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	vmcs_set(v, VMCS_EPT_POINTER, (legal_eptp() & ~VMX_EPTP_MT_MASK) | 1);	/* WC */
}

static void v_eptp_walk_length(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	vmcs_set(v, VMCS_EPT_POINTER, (legal_eptp() & ~VMX_EPTP_PWL_MASK) |
		 (2ULL << VMX_EPTP_PWL_SHIFT));
}

static void v_eptp_ad(struct cpu_model *m, struct vmcs *v)
{
	vt_set_msr(m, MSR_IA32_VMX_EPT_VPID_CAP, vt_msr(m, MSR_IA32_VMX_EPT_VPID_CAP) & ~VMX_EPT_AD_BIT);
	ept(v);
	vmcs_set_bits(v, VMCS_EPT_POINTER, VMX_EPTP_AD_ENABLE_BIT);
}

static void v_eptp_reserved(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	vmcs_set_bits(v, VMCS_EPT_POINTER, VMX_BIT(8));
}

static void v_eptp_width(struct cpu_model *m, struct vmcs *v)
{
	ept(v);
	vmcs_set_bits(v, VMCS_EPT_POINTER, beyond(m));
}

static void v_pml_ept(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_ENABLE_PML);
	vmcs_set(v, VMCS_PML_ADDRESS, PA_PAGE);
}

static void v_pml_addr(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	secondary(v, SECONDARY_EXEC_ENABLE_PML);
	vmcs_set(v, VMCS_PML_ADDRESS, PA_PAGE + 0x10);
}

static void v_unrestricted_ept(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_UNRESTRICTED_GUEST);
}

static void v_mbec_ept(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_MODE_BASED_EPT_EXEC);
}

static void v_spp_ept(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_SPP);
	vmcs_set(v, VMCS_SPP_TABLE_POINTER, PA_PAGE);
}

static void v_spptp(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	secondary(v, SECONDARY_EXEC_SPP);
	vmcs_set(v, VMCS_SPP_TABLE_POINTER, PA_PAGE | 1);
}

static void v_vmfunc_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_ENABLE_VMFUNC);
	vmcs_set(v, VMCS_VM_FUNCTION_CONTROL, VMX_BIT(1));
}

static void v_eptp_switching_ept(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_ENABLE_VMFUNC);
	vmcs_set(v, VMCS_VM_FUNCTION_CONTROL, VMX_VMFUNC_EPTP_SWITCHING);
	vmcs_set(v, VMCS_EPTP_LIST_ADDRESS, PA_PAGE);
}

static void v_eptp_list_addr(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	secondary(v, SECONDARY_EXEC_ENABLE_VMFUNC);
	vmcs_set(v, VMCS_VM_FUNCTION_CONTROL, VMX_VMFUNC_EPTP_SWITCHING);
	vmcs_set(v, VMCS_EPTP_LIST_ADDRESS, PA_PAGE + 8);
}

static void v_vmread_bitmap(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_SHADOW_VMCS);
	vmcs_set(v, VMCS_VMREAD_BITMAP, PA_PAGE + 4);
	vmcs_set(v, VMCS_VMWRITE_BITMAP, PA_PAGE2);
}

static void v_vmwrite_bitmap(struct cpu_model *m, struct vmcs *v)
{
	secondary(v, SECONDARY_EXEC_SHADOW_VMCS);
	vmcs_set(v, VMCS_VMREAD_BITMAP, PA_PAGE);
	vmcs_set(v, VMCS_VMWRITE_BITMAP, beyond(m));
}

static void v_ve_info_addr(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	secondary(v, SECONDARY_EXEC_EPT_VIOLATION_VE);
	vmcs_set(v, VMCS_VE_INFORMATION_ADDRESS, PA_PAGE + 0x40);
}

static void v_pt_gpa_ept(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	secondary(v, SECONDARY_EXEC_PT_USE_GPA);
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_CLEAR_IA32_RTIT_CTL);
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_LOAD_IA32_RTIT_CTL);
}

static void v_pt_gpa_rtit_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	ept(v);
	secondary(v, SECONDARY_EXEC_PT_USE_GPA);
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_CLEAR_IA32_RTIT_CTL);
}

static void v_exit_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_clear_bits(v, VMCS_VM_EXIT_CONTROLS, VMX_BIT(0));	/* default-1 */
}

static void v_exit_ctls2(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set(v, VMCS_SECONDARY_VM_EXIT_CONTROLS, VMX_BIT(63));
}

static void v_preemption_save(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_SAVE_VMX_PREEMPTION_TIMER);
}

/* An area whose first byte is inside MAXPHYADDR and whose last byte is not. */
static void straddling_area(struct cpu_model *m, struct vmcs *v, uint32_t count, uint32_t addr)
{
	vmcs_set(v, count, 2);
	vmcs_set(v, addr, beyond(m) - 16);
}

static void v_exit_msr_store_aligned(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set(v, VMCS_VM_EXIT_MSR_STORE_COUNT, 1);
	vmcs_set(v, VMCS_VM_EXIT_MSR_STORE_ADDR, PA_PAGE + 8);
}

static void v_exit_msr_store_width(struct cpu_model *m, struct vmcs *v)
{
	straddling_area(m, v, VMCS_VM_EXIT_MSR_STORE_COUNT, VMCS_VM_EXIT_MSR_STORE_ADDR);
}

static void v_exit_msr_load_aligned(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set(v, VMCS_VM_EXIT_MSR_LOAD_COUNT, 1);
	vmcs_set(v, VMCS_VM_EXIT_MSR_LOAD_ADDR, PA_PAGE + 4);
}

static void v_exit_msr_load_width(struct cpu_model *m, struct vmcs *v)
{
	straddling_area(m, v, VMCS_VM_EXIT_MSR_LOAD_COUNT, VMCS_VM_EXIT_MSR_LOAD_ADDR);
}

static void v_entry_ctls(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_clear_bits(v, VMCS_VM_ENTRY_CONTROLS, VMX_BIT(0));	/* default-1 */
}

static void v_intr_reserved(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	inject(v, INTR_TYPE_EXT_INTR, 0x20, VMX_BIT(12));
}

static void v_intr_type(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	inject(v, INTR_TYPE_RESERVED, 0x20, 0);
}

static void v_intr_nmi_vector(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	inject(v, INTR_TYPE_NMI_INTR, 3, 0);
}

static void v_intr_exception_vector(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	inject(v, INTR_TYPE_HARD_EXCEPTION, 32, 0);
}

static void v_intr_other_vector(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	inject(v, INTR_TYPE_OTHER_EVENT, 1, 0);
}

static void v_intr_errcode_missing(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set(v, VMCS_GUEST_CR0, 0x80000031);
	inject(v, INTR_TYPE_HARD_EXCEPTION, 13, 0);	/* #GP without its code */
}

static void v_intr_errcode_unexpected(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set(v, VMCS_GUEST_CR0, 0x80000031);
	inject(v, INTR_TYPE_HARD_EXCEPTION, 6, INTR_INFO_DELIVER_CODE_MASK);	/* #UD */
}

static void v_intr_errcode_reserved(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set(v, VMCS_GUEST_CR0, 0x80000031);
	inject(v, INTR_TYPE_HARD_EXCEPTION, 14, INTR_INFO_DELIVER_CODE_MASK);
	vmcs_set(v, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, 0x10000);
}

static void v_intr_insn_len(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	inject(v, INTR_TYPE_SOFT_INTR, 0x80, 0);
	vmcs_set(v, VMCS_VM_ENTRY_INSTRUCTION_LEN, 16);
}

static void v_entry_msr_load_aligned(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 3);
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR, PA_PAGE + 1);
}

static void v_entry_msr_load_width(struct cpu_model *m, struct vmcs *v)
{
	straddling_area(m, v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, VMCS_VM_ENTRY_MSR_LOAD_ADDR);
}

static void v_entry_to_smm(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_SMM);
}

static void v_deact_dual_monitor(struct cpu_model *m, struct vmcs *v)
{
	(void)m;
	vmcs_set_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_DEACT_DUAL_MONITOR);
}

static const struct violation {
	const char *id;
	violate_fn *apply;
} violations[] = {
	{ "pin-ctls", v_pin_ctls },
	{ "proc-ctls", v_proc_ctls },
	{ "proc2-ctls", v_proc2_ctls },
	{ "proc3-ctls", v_proc3_ctls },
	{ "cr3-target-count", v_cr3_target_count },
	{ "io-bitmap-a", v_io_bitmap_a },
	{ "io-bitmap-b", v_io_bitmap_b },
	{ "msr-bitmap", v_msr_bitmap },
	{ "virtual-apic-addr", v_virtual_apic_addr },
	{ "tpr-threshold-reserved", v_tpr_threshold_reserved },
	{ "tpr-threshold-vtpr", v_tpr_threshold_vtpr },
	{ "tpr-shadow-x2apic", v_tpr_shadow_x2apic },
	{ "tpr-shadow-apic-reg-virt", v_tpr_shadow_apic_reg_virt },
	{ "tpr-shadow-vid", v_tpr_shadow_vid },
	{ "vnmi-nmi-exiting", v_vnmi_nmi_exiting },
	{ "nmi-window-vnmi", v_nmi_window_vnmi },
	{ "apic-access-addr", v_apic_access_addr },
	{ "x2apic-apic-access", v_x2apic_apic_access },
	{ "vid-ext-intr-exiting", v_vid_ext_intr_exiting },
	{ "posted-vid", v_posted_vid },
	{ "posted-ack-on-exit", v_posted_ack_on_exit },
	{ "posted-vector", v_posted_vector },
	{ "posted-desc-aligned", v_posted_desc_aligned },
	{ "posted-desc-width", v_posted_desc_width },
	{ "vpid-nonzero", v_vpid_nonzero },
	{ "eptp-memtype", v_eptp_memtype },
	{ "eptp-walk-length", v_eptp_walk_length },
	{ "eptp-ad", v_eptp_ad },
	{ "eptp-reserved", v_eptp_reserved },
	{ "eptp-width", v_eptp_width },
	{ "pml-ept", v_pml_ept },
	{ "pml-addr", v_pml_addr },
	{ "unrestricted-ept", v_unrestricted_ept },
	{ "mbec-ept", v_mbec_ept },
	{ "spp-ept", v_spp_ept },
	{ "spptp", v_spptp },
	{ "vmfunc-ctls", v_vmfunc_ctls },
	{ "eptp-switching-ept", v_eptp_switching_ept },
	{ "eptp-list-addr", v_eptp_list_addr },
	{ "vmread-bitmap", v_vmread_bitmap },
	{ "vmwrite-bitmap", v_vmwrite_bitmap },
	{ "ve-info-addr", v_ve_info_addr },
	{ "pt-gpa-ept", v_pt_gpa_ept },
	{ "pt-gpa-rtit-ctls", v_pt_gpa_rtit_ctls },
	{ "exit-ctls", v_exit_ctls },
	{ "exit-ctls2", v_exit_ctls2 },
	{ "preemption-save", v_preemption_save },
	{ "exit-msr-store-aligned", v_exit_msr_store_aligned },
	{ "exit-msr-store-width", v_exit_msr_store_width },
	{ "exit-msr-load-aligned", v_exit_msr_load_aligned },
	{ "exit-msr-load-width", v_exit_msr_load_width },
	{ "entry-ctls", v_entry_ctls },
	{ "intr-reserved", v_intr_reserved },
	{ "intr-type", v_intr_type },
	{ "intr-nmi-vector", v_intr_nmi_vector },
	{ "intr-exception-vector", v_intr_exception_vector },
	{ "intr-other-vector", v_intr_other_vector },
	{ "intr-errcode-missing", v_intr_errcode_missing },
	{ "intr-errcode-unexpected", v_intr_errcode_unexpected },
	{ "intr-errcode-reserved", v_intr_errcode_reserved },
	{ "intr-insn-len", v_intr_insn_len },
	{ "entry-msr-load-aligned", v_entry_msr_load_aligned },
	{ "entry-msr-load-width", v_entry_msr_load_width },
	{ "entry-to-smm", v_entry_to_smm },
	{ "deact-dual-monitor", v_deact_dual_monitor },
};

#define NR_VIOLATIONS (sizeof(violations) / sizeof(violations[0]))

static const struct violation *violation_for(const char *id)
{
	for (size_t i = 0; i < NR_VIOLATIONS; i++)
		if (!strcmp(violations[i].id, id))
			return &violations[i];
	return NULL;
}

static void expect_pass(const struct cpu_model *m, const struct vmcs *v, const char *what)
{
	static const struct vmx_check sentinel;
	const struct vmx_check *failed = &sentinel;	/* must come back NULL */
	int err = vmx_check_controls(m, v, &failed);

	cr_assert_eq(err, 0, "%s on %s: error %d at %s", what, m->name, err,
		     failed ? failed->id : "(none)");
	cr_assert_null(failed);
	/* And every other check of VM entry: this VMCS enters. */
	err = vmx_check_entry(m, v, NULL, &failed);
	cr_assert_eq(err, 0, "%s on %s: entry fails at %s", what, m->name,
		     failed ? failed->id : "(none)");
}

static void expect_fail(const struct cpu_model *m, const struct vmcs *v, const char *id)
{
	const struct vmx_check *failed = NULL;
	int err = vmx_check_controls(m, v, &failed);

	cr_assert_eq(err, VMXERR_ENTRY_INVALID_CONTROLS, "%s on %s: error %d", id, m->name, err);
	cr_assert(failed, "%s: no failing row", id);
	cr_assert_str_eq(failed->id, id);
}

/* ---- the table itself ---- */

Test(vmx_controls, every_row_has_a_violation, .timeout = 10)
{
	unsigned int n;
	const struct vmx_check *rows = vmx_checks_of(VMX_CHECK_CONTROLS, &n);

	cr_assert_geq(n, 50);
	for (unsigned int i = 0; i < n; i++) {
		cr_assert_eq(rows[i].error, VMXERR_ENTRY_INVALID_CONTROLS);
		cr_assert(violation_for(rows[i].id), "row %s has no violation in the test", rows[i].id);
	}
	cr_assert_eq(NR_VIOLATIONS, n, "a violation names no row");
}

/* ---- one test per row ---- */

#define MAX_ROWS 128

ParameterizedTestParameters(vmx_controls, each_row)
{
	static unsigned int rows[MAX_ROWS];
	unsigned int n;

	vmx_checks_of(VMX_CHECK_CONTROLS, &n);
	n = n < MAX_ROWS ? n : MAX_ROWS;

	for (unsigned int i = 0; i < n; i++)
		rows[i] = i;
	return cr_make_param_array(unsigned int, rows, n);
}

ParameterizedTest(unsigned int *row, vmx_controls, each_row, .timeout = 10)
{
	unsigned int n;
	const struct vmx_check *r = &vmx_checks_of(VMX_CHECK_CONTROLS, &n)[*row];
	const struct violation *vi = violation_for(r->id);
	struct cpu_model *m = permissive_model();
	struct vmcs *v = legal_vmcs(m);
	const struct vmx_check *failed = NULL;
	int err;

	cr_assert(vi, "row %s has no violation", r->id);
	expect_pass(m, v, "legal VMCS");
	vi->apply(m, v);
	err = vmx_check_controls(m, v, &failed);
	cr_assert_eq(err, r->error, "%s: error %d", r->id, err);
	cr_assert_eq(failed, r, "%s: failed at %s instead", r->id, failed ? failed->id : "(none)");
	/* The whole entry makes the controls rows first: it stops at the same row. */
	failed = NULL;
	cr_assert_eq(vmx_check_entry(m, v, NULL, &failed), r->error, "%s", r->id);
	cr_assert_eq(failed, r, "%s: entry failed at %s", r->id, failed ? failed->id : "(none)");
	free(v);
	free(m);
}

/* ---- the real models ---- */

Test(vmx_controls, legal_vmcs_passes_on_every_model, .timeout = 10)
{
	char names[16][MODEL_FILE_NAME_MAX];
	unsigned int n = model_list(HVSIM_CPUS_DIR, names, 16);

	cr_assert_geq(n, 2);
	for (unsigned int i = 0; i < n; i++) {
		struct cpu_model *m = vt_load(names[i]);
		struct vmcs *v = legal_vmcs(m);

		expect_pass(m, v, "minimal legal VMCS");
		free(v);
		free(m);
	}
}

Test(vmx_controls, posted_interrupts_skylake_sp_vs_kabylake, .timeout = 10)
{
	struct cpu_model *sky = vt_load("skylake-sp");
	struct cpu_model *kaby = vt_load("kabylake");
	struct vmcs *v = legal_vmcs(sky);

	posted_interrupts(v);
	expect_pass(sky, v, "posted interrupts");
	/* kabylake's IA32_VMX_(TRUE_)PINBASED_CTLS allowed-1 lacks bit 7. */
	cr_assert_not(vt_msr(kaby, MSR_IA32_VMX_TRUE_PINBASED_CTLS) & (PIN_BASED_POSTED_INTR << 32));
	expect_fail(kaby, v, "pin-ctls");
	free(v);
	free(sky);
	free(kaby);
}

/* Without IA32_VMX_BASIC[55] the non-TRUE MSRs rule: CR3-load/store exiting become default-1. */
Test(vmx_controls, true_ctls_only_with_basic_bit_55, .timeout = 10)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = legal_vmcs(m);

	cr_assert_not(vmcs_get(v, VMCS_CPU_BASED_VM_EXEC_CONTROL) & VMX_BIT(15));
	expect_pass(m, v, "TRUE-based VMCS");
	vt_set_msr(m, MSR_IA32_VMX_BASIC, vt_msr(m, MSR_IA32_VMX_BASIC) & ~VMX_BASIC_TRUE_CTLS);
	expect_fail(m, v, "proc-ctls");
	free(v);
	free(m);
}

Test(vmx_controls, secondary_ignored_unless_activated, .timeout = 10)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = legal_vmcs(m);

	vmcs_set(v, VMCS_SECONDARY_VM_EXEC_CONTROL, 0xffffffff);
	vmcs_set(v, VMCS_TERTIARY_VM_EXEC_CONTROL, ~0ULL);
	expect_pass(m, v, "garbage in inactive secondary/tertiary fields");
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	expect_fail(m, v, "proc2-ctls");
	free(v);
	free(m);
}

/* skylake-sp has no tertiary controls: activating them fails the primary word. */
Test(vmx_controls, tertiary_not_on_skylake_sp, .timeout = 10)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = legal_vmcs(m);

	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_TERTIARY_CONTROLS);
	expect_fail(m, v, "proc-ctls");
	free(v);
	free(m);
}

Test(vmx_controls, five_level_ept_needs_capability, .timeout = 10)
{
	struct cpu_model *sky = vt_load("skylake-sp");
	struct cpu_model *wide = permissive_model();
	struct vmcs *v = legal_vmcs(sky);

	ept(v);
	expect_pass(sky, v, "4-level EPT");
	vmcs_set(v, VMCS_EPT_POINTER, (legal_eptp() & ~VMX_EPTP_PWL_MASK) |
		 (4ULL << VMX_EPTP_PWL_SHIFT));
	expect_fail(sky, v, "eptp-walk-length");
	expect_pass(wide, v, "5-level EPT with EPT_VPID_CAP[7]");
	free(v);
	free(sky);
	free(wide);
}

static bool vtpr_0x20(void *opaque, uint64_t pa, void *buf, size_t len)
{
	cr_assert_eq(pa, *(uint64_t *)opaque + 0x80);
	memset(buf, 0x20, len);
	return true;
}

Test(vmx_controls, tpr_threshold_reads_vtpr, .timeout = 10)
{
	struct cpu_model *m = vt_load("kabylake");
	struct vmcs *v = legal_vmcs(m);
	uint64_t vapic = PA_VAPIC;
	struct vmx_phys_reader mem = { .read = vtpr_0x20, .opaque = &vapic };
	struct vmx_entry_env env = { .mem = &mem };
	const struct vmx_check *failed;

	tpr_shadow(v);
	vmcs_set(v, VMCS_TPR_THRESHOLD, 2);
	cr_assert_eq(vmx_check_group_run(VMX_CHECK_CONTROLS, m, v, &env, &failed), 0);
	vmcs_set(v, VMCS_TPR_THRESHOLD, 3);
	cr_assert_eq(vmx_check_group_run(VMX_CHECK_CONTROLS, m, v, &env, &failed), VMXERR_ENTRY_INVALID_CONTROLS);
	cr_assert_str_eq(failed->id, "tpr-threshold-vtpr");
	free(v);
	free(m);
}

Test(vmx_controls, zero_length_injection_needs_misc_30, .timeout = 10)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = legal_vmcs(m);

	inject(v, INTR_TYPE_SOFT_EXCEPTION, 3, 0);	/* INT3 */
	vmcs_set(v, VMCS_VM_ENTRY_INSTRUCTION_LEN, 0);
	cr_assert(vt_msr(m, MSR_IA32_VMX_MISC) & VMX_MISC_ZERO_LEN_INS);
	expect_pass(m, v, "zero-length INT3 with MISC[30]");
	vt_set_msr(m, MSR_IA32_VMX_MISC, vt_msr(m, MSR_IA32_VMX_MISC) & ~VMX_MISC_ZERO_LEN_INS);
	expect_fail(m, v, "intr-insn-len");
	vmcs_set(v, VMCS_VM_ENTRY_INSTRUCTION_LEN, 1);
	expect_pass(m, v, "one-byte INT3");
	free(v);
	free(m);
}

/* IA32_VMX_BASIC[56] (sapphire-rapids): a #UD may carry an error code. */
Test(vmx_controls, basic_56_frees_error_code, .timeout = 10)
{
	struct cpu_model *sky = vt_load("skylake-sp");
	struct cpu_model *spr = vt_load("sapphire-rapids");
	struct vmcs *v = legal_vmcs(spr);

	cr_assert(vt_msr(spr, MSR_IA32_VMX_BASIC) & VMX_BASIC_NO_HW_ERROR_CODE_CC);
	vmcs_set(v, VMCS_GUEST_CR0, 0x80000031);
	inject(v, INTR_TYPE_HARD_EXCEPTION, 6, INTR_INFO_DELIVER_CODE_MASK);
	expect_pass(spr, v, "#UD with error code, BASIC[56]");
	expect_fail(sky, v, "intr-errcode-unexpected");
	/* Never for a non-exception, whatever BASIC[56] says. */
	inject(v, INTR_TYPE_EXT_INTR, 0x20, INTR_INFO_DELIVER_CODE_MASK);
	expect_fail(spr, v, "intr-errcode-unexpected");
	free(v);
	free(sky);
	free(spr);
}

/* ---- the field table ---- */

Test(vmcs_fields, widths_and_types_match_encoding, .timeout = 10)
{
	unsigned int slots = 0;

	cr_assert_gt(vmcs_nr_fields, 150);
	for (unsigned int i = 0; i < vmcs_nr_fields; i++) {
		const struct vmcs_field_info *f = &vmcs_field_table[i];

		cr_assert_eq(vmcs_encoding_width(f->encoding), f->width, "%s", f->name);
		cr_assert_eq(vmcs_encoding_high(f->encoding), f->high, "%s", f->name);
		cr_assert_eq(vmcs_encoding_type(f->encoding) == VMCS_TYPE_RO_DATA, f->read_only,
			     "%s", f->name);
		/* Bits 31:15 and 12 are 0 in every encoding; bit 0 only for a high half. */
		cr_assert_eq(f->encoding & 0xffff9000u, 0, "%s", f->name);
		cr_assert_eq(vmcs_field_find(f->encoding), f, "%s", f->name);
		if (f->high) {
			cr_assert(i > 0 && vmcs_field_table[i - 1].encoding == f->encoding - 1);
			cr_assert_eq(vmcs_field_table[i - 1].slot, f->slot);
		} else {
			cr_assert_eq(f->encoding & 1, 0, "%s", f->name);
			cr_assert_eq(f->slot, slots, "%s", f->name);
			slots++;
		}
	}
	cr_assert_eq(slots, VMCS_NR_SLOTS);
}

/* A few encodings as the SDM's Appendix B gives them, as a guard on the list. */
/*
 * VMREAD/VMWRITE binary-search the table, and vmcs_get/vmcs_set switch on
 * the encoding: both must agree with the table, row for row.
 */
Test(vmcs_fields, lookups_agree_with_the_table, .timeout = 10)
{
	for (unsigned int i = 0; i < vmcs_nr_fields; i++) {
		const struct vmcs_field_info *f = &vmcs_field_table[i];

		if (i)
			cr_assert_gt(f->encoding, vmcs_field_table[i - 1].encoding,
				     "%s is out of encoding order", f->name);
		cr_assert_eq(vmcs_field_find(f->encoding), f, "%s", f->name);
		cr_assert_eq(vmcs_full_slot(f->encoding), f->high ? -1 : (int)f->slot, "%s",
			     f->name);
		cr_assert_null(vmcs_field_find(f->encoding + 0x8000), "%s + bit 15", f->name);
	}
	cr_assert_null(vmcs_field_find(0x1ULL << 32));
	cr_assert_eq(vmcs_full_slot(0x8000), -1);
}

Test(vmcs_fields, known_encodings, .timeout = 10)
{
	cr_assert_eq(VMCS_VIRTUAL_PROCESSOR_ID, 0x0000);
	cr_assert_eq(VMCS_POSTED_INTR_NV, 0x0002);
	cr_assert_eq(VMCS_GUEST_INTR_STATUS, 0x0810);
	cr_assert_eq(VMCS_POSTED_INTR_DESC_ADDR, 0x2016);
	cr_assert_eq(VMCS_EPT_POINTER_HIGH, 0x201b);
	cr_assert_eq(VMCS_TERTIARY_VM_EXEC_CONTROL, 0x2034);
	cr_assert_eq(VMCS_VMCS_LINK_POINTER, 0x2800);
	cr_assert_eq(VMCS_SECONDARY_VM_EXEC_CONTROL, 0x401e);
	cr_assert_eq(VMCS_VM_EXIT_REASON, 0x4402);
	cr_assert_eq(VMCS_VMX_PREEMPTION_TIMER_VALUE, 0x482e);
	cr_assert_eq(VMCS_EXIT_QUALIFICATION, 0x6400);
	cr_assert_eq(VMCS_GUEST_RIP, 0x681e);
	cr_assert_eq(VMCS_HOST_RIP, 0x6c16);
	cr_assert_str_eq(vmcs_field_find(VMCS_IO_BITMAP_A_HIGH)->name, "IO_BITMAP_A_HIGH");
}

/* ---- VMREAD / VMWRITE ---- */

static struct vmcs *fresh(bool vmwrite_any)
{
	struct vmcs *v = calloc(1, sizeof(*v));

	cr_assert(v);
	vmcs_init(v, 4, vmwrite_any);
	cr_assert_eq(v->launch, VMCS_CLEAR);
	return v;
}

Test(vmcs_access, unsupported_component_is_error_12, .timeout = 10)
{
	struct vmcs *v = fresh(false);
	uint64_t val = 0xdead;
	/* 16-bit, 32-bit and natural fields have no high half; bit 12 reserved; a gap; bit 32. */
	const uint64_t bad[] = { 0x0001, 0x4001, 0x6801, 0x1000, 0x2046, 0x7fff,
				 (1ULL << 32) | VMCS_GUEST_RIP, 0x6c1e };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(vmcs_read(v, bad[i], &val), VMXERR_UNSUPPORTED_COMPONENT, "%#lx",
			     (unsigned long)bad[i]);
		cr_assert_eq(vmcs_write(v, bad[i], 1), VMXERR_UNSUPPORTED_COMPONENT);
	}
	cr_assert_eq(val, 0xdead, "a failed VMREAD leaves the destination alone");
	free(v);
}

/* Whether @word is one of the space-separated words of @list. */
static bool word_in(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += len)
		if ((p == list || p[-1] == ' ') && (p[len] == ' ' || !p[len]))
			return true;
	return false;
}

/*
 * Which fields exist follows each model's capability MSRs ("Field Encoding
 * in VMCS"): the tertiary controls where primary bit 17 may be 1, the TSC
 * multiplier with TSC scaling, the PML address with PML, the notify window
 * with instruction timeouts, the CET state with its load controls; both
 * encodings of a 64-bit field together; fields without a note everywhere.
 */
Test(vmcs_access, field_support_follows_the_capability_msrs, .timeout = 10)
{
	static const struct {
		uint32_t field;
		const char *on;		/* models that have it, space-separated: "*" all */
	} cases[] = {
		{ VMCS_GUEST_RIP, "*" },
		{ VMCS_VM_EXIT_REASON, "*" },
		{ VMCS_IO_BITMAP_A_HIGH, "*" },
		{ VMCS_VMCS_LINK_POINTER, "*" },
		{ VMCS_HOST_IA32_EFER, "*" },
		{ VMCS_TERTIARY_VM_EXEC_CONTROL, "alderlake-e alderlake-p sapphire-rapids" },
		{ VMCS_SECONDARY_VM_EXIT_CONTROLS, "alderlake-e alderlake-p sapphire-rapids" },
		{ VMCS_TSC_MULTIPLIER_HIGH,
		  "alderlake-e alderlake-p icelake-sp sapphire-rapids skylake-sp" },
		{ VMCS_PML_ADDRESS, "icelake-sp kabylake sapphire-rapids skylake-sp" },
		{ VMCS_GUEST_PML_INDEX, "icelake-sp kabylake sapphire-rapids skylake-sp" },
		{ VMCS_NOTIFY_WINDOW, "sapphire-rapids" },
		{ VMCS_PID_POINTER_TABLE, "sapphire-rapids" },
		{ VMCS_GUEST_SSP, "alderlake-e alderlake-p sapphire-rapids" },
		{ VMCS_HOST_INTR_SSP_TABLE, "alderlake-e alderlake-p sapphire-rapids" },
		{ VMCS_EPTP_LIST_ADDRESS, "*" },
		{ VMCS_LOW_PASID_DIRECTORY, "" },
		{ VMCS_HLAT_POINTER, "" },
	};
	char names[16][MODEL_FILE_NAME_MAX];
	unsigned int n = model_list(HVSIM_CPUS_DIR, names, 16);

	cr_assert_eq(n, 7);
	for (unsigned int k = 0; k < n; k++) {
		struct cpu_model *m = vt_load(names[k]);

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			bool want = !strcmp(cases[i].on, "*") || word_in(cases[i].on, names[k]);

			cr_expect_eq(vmcs_field_supported(m, cases[i].field), want, "%s: field %#x",
				     names[k], cases[i].field);
		}
		cr_expect_not(vmcs_field_supported(m, 0x8000), "no such encoding");
		cr_expect_not(vmcs_field_supported(m, (1ULL << 32) | VMCS_GUEST_RIP));
		free(m);
	}
}

/*
 * IA32_VMX_VMCS_ENUM bits 9:1 name "the highest index value used for any
 * VMCS encoding" (Vol. 3D, "VMCS Enumeration"), yet every dump reports 17H
 * (the VMX-preemption timer value) while supporting fields indexed above
 * it: the TSC multiplier (index 19H) on the Skylake-SP Xeon, the tertiary
 * controls (1AH) on Sapphire Rapids. Field support follows the features,
 * as on those processors, not that index.
 */
Test(vmcs_access, vmcs_enum_index_is_not_a_bound_on_the_dumps, .timeout = 10)
{
	struct cpu_model *sky = vt_load("skylake-sp"), *spr = vt_load("sapphire-rapids");
	unsigned int index_mask = 0x1ff;

	cr_assert_eq((vt_msr(sky, MSR_IA32_VMX_VMCS_ENUM) >> 1) & index_mask, 0x17);
	cr_assert_eq((vt_msr(spr, MSR_IA32_VMX_VMCS_ENUM) >> 1) & index_mask, 0x17);
	cr_assert_eq((VMCS_TSC_MULTIPLIER >> 1) & index_mask, 0x19);
	cr_assert_eq((VMCS_TERTIARY_VM_EXEC_CONTROL >> 1) & index_mask, 0x1a);
	cr_assert(vmcs_field_supported(sky, VMCS_TSC_MULTIPLIER));
	cr_assert(vmcs_field_supported(spr, VMCS_TERTIARY_VM_EXEC_CONTROL));
	free(sky);
	free(spr);
}

Test(vmcs_access, read_only_is_error_13_unless_misc_29, .timeout = 10)
{
	struct vmcs *v = fresh(false);
	uint64_t val;

	cr_assert_eq(vmcs_write(v, VMCS_VM_EXIT_REASON, 1), VMXERR_VMWRITE_READ_ONLY);
	cr_assert_eq(vmcs_write(v, VMCS_EXIT_QUALIFICATION, 1), VMXERR_VMWRITE_READ_ONLY);
	cr_assert_eq(vmcs_write(v, VMCS_GUEST_PHYSICAL_ADDRESS_HIGH, 1), VMXERR_VMWRITE_READ_ONLY);
	cr_assert_eq(vmcs_read(v, VMCS_VM_EXIT_REASON, &val), 0);
	cr_assert_eq(val, 0);
	free(v);
	v = fresh(true);
	cr_assert_eq(vmcs_write(v, VMCS_VM_EXIT_REASON, 48), 0);
	cr_assert_eq(vmcs_read(v, VMCS_VM_EXIT_REASON, &val), 0);
	cr_assert_eq(val, 48);
	free(v);
}

Test(vmcs_access, width_truncation, .timeout = 10)
{
	struct vmcs *v = fresh(false);
	uint64_t val;

	cr_assert_eq(vmcs_write(v, VMCS_VIRTUAL_PROCESSOR_ID, 0x123456789ULL), 0);
	cr_assert_eq(vmcs_read(v, VMCS_VIRTUAL_PROCESSOR_ID, &val), 0);
	cr_assert_eq(val, 0x6789);
	cr_assert_eq(vmcs_write(v, VMCS_TPR_THRESHOLD, 0xdeadbeefcafebabeULL), 0);
	cr_assert_eq(vmcs_read(v, VMCS_TPR_THRESHOLD, &val), 0);
	cr_assert_eq(val, 0xcafebabe);
	cr_assert_eq(vmcs_write(v, VMCS_GUEST_RIP, 0xffffffff81000000ULL), 0);
	cr_assert_eq(vmcs_read(v, VMCS_GUEST_RIP, &val), 0);
	cr_assert_eq(val, 0xffffffff81000000ULL, "natural width is 64 bits");
	cr_assert_eq(vmcs_write(v, VMCS_TSC_OFFSET, 0x1122334455667788ULL), 0);
	cr_assert_eq(vmcs_read(v, VMCS_TSC_OFFSET, &val), 0);
	cr_assert_eq(val, 0x1122334455667788ULL);
	free(v);
}

Test(vmcs_access, high_half_of_64_bit_field, .timeout = 10)
{
	struct vmcs *v = fresh(false);
	uint64_t val;

	cr_assert_eq(vmcs_write(v, VMCS_IO_BITMAP_A, 0x1122334455667788ULL), 0);
	cr_assert_eq(vmcs_read(v, VMCS_IO_BITMAP_A_HIGH, &val), 0);
	cr_assert_eq(val, 0x11223344);
	/* Only bits 31:0 of the source reach bits 63:32; the low half stays. */
	cr_assert_eq(vmcs_write(v, VMCS_IO_BITMAP_A_HIGH, 0xffffffffaabbccddULL), 0);
	cr_assert_eq(vmcs_read(v, VMCS_IO_BITMAP_A, &val), 0);
	cr_assert_eq(val, 0xaabbccdd55667788ULL);
	cr_assert_eq(vmcs_get(v, VMCS_IO_BITMAP_A), 0xaabbccdd55667788ULL);
	free(v);
}
