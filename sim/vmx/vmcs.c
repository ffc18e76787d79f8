// SPDX-License-Identifier: MIT
/*
 * The VMCS field table and VMREAD/VMWRITE semantics.
 *
 * Citations: Intel SDM, Order Number 325462-080US (June 2023). Field
 * encodings: Vol. 3D Appendix B, "Field Encoding in VMCS". Operand rules:
 * Vol. 3C, "VMREAD - Read Field from Virtual-Machine Control Structure"
 * and "VMWRITE - Write Field to Virtual-Machine Control Structure", for a
 * 64-bit register operand (the only mode the simulator runs VMX code in).
 */
#include "vmx/vmcs.h"

#include <stdio.h>
#include <string.h>

#include "cpu/model.h"
#include "engine/bug.h"
#include "hvsim/x86/msr-index.h"

#define VMCS_ROW(nm, enc, w, hi, ro, sl)				\
	{ .encoding = (enc), .name = (nm), .width = (w), .high = (hi),	\
	  .read_only = (ro), .slot = (sl) },
#define VMCS_ROW16(n, enc, ro)	VMCS_ROW(#n, enc, VMCS_W16, false, ro, VMCS_SLOT_##n)
#define VMCS_ROW32(n, enc, ro)	VMCS_ROW(#n, enc, VMCS_W32, false, ro, VMCS_SLOT_##n)
#define VMCS_ROWNAT(n, enc, ro)	VMCS_ROW(#n, enc, VMCS_WNAT, false, ro, VMCS_SLOT_##n)
#define VMCS_ROW64(n, enc, ro)						\
	VMCS_ROW(#n, enc, VMCS_W64, false, ro, VMCS_SLOT_##n)		\
	VMCS_ROW(#n "_HIGH", (enc) + 1, VMCS_W64, true, ro, VMCS_SLOT_##n)

const struct vmcs_field_info vmcs_field_table[] = {
	VMCS_FIELDS(VMCS_ROW16, VMCS_ROW32, VMCS_ROW64, VMCS_ROWNAT)
};

const unsigned int vmcs_nr_fields = sizeof(vmcs_field_table) / sizeof(vmcs_field_table[0]);

const struct vmcs_field_info *vmcs_field_find(uint64_t encoding)
{
	/*
	 * Bits 63:32 of the register operand are not part of any encoding:
	 * a set bit there names no component.
	 */
	unsigned int lo = 0, hi = vmcs_nr_fields;

	if (encoding >> 32)
		return NULL;
	/* VMCS_FIELDS() lists the fields in encoding order (a test checks it). */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (vmcs_field_table[mid].encoding < encoding)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < vmcs_nr_fields && vmcs_field_table[lo].encoding == encoding ?
	       &vmcs_field_table[lo] : NULL;
}

/*
 * Which capability MSR reports a feature's control: the allowed-1 half of
 * a control class ("VMX Capability Reporting Facility", Vol. 3D Appendix
 * A), or the VM functions IA32_VMX_VMFUNC reports.
 */
enum need_class {
	NEED_PIN,
	NEED_PROC,
	NEED_PROC2,
	NEED_PROC3,
	NEED_EXIT,
	NEED_ENTRY,
	NEED_VMFUNC,
	/*
	 * A control none of the shipped models' MSRs can report: the fields
	 * of PASID translation and of the shared EPTP, which Vol. 3C does not
	 * describe.
	 */
	NEED_NONE,
};

/* A feature: the 1-setting of control @bit of class @cls. */
struct need {
	unsigned char cls;		/* enum need_class */
	uint64_t bit;			/* 0: no such alternative */
};

/*
 * The fields that exist only with a feature, by full encoding, and the
 * control (or either of two) whose 1-setting must be allowed, from the
 * note on each field in "Field Encoding in VMCS". A field not listed
 * exists on every processor with VMX.
 */
static const struct {
	uint32_t encoding;
	struct need any[2];
} field_needs[] = {
	{ VMCS_VIRTUAL_PROCESSOR_ID, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_VPID } } },
	{ VMCS_POSTED_INTR_NV, { { NEED_PIN, PIN_BASED_POSTED_INTR } } },
	{ VMCS_EPTP_INDEX, { { NEED_PROC2, SECONDARY_EXEC_EPT_VIOLATION_VE } } },
	{ VMCS_HLAT_PREFIX_SIZE, { { NEED_PROC3, TERTIARY_EXEC_ENABLE_HLAT } } },
	{ VMCS_LAST_PID_POINTER_INDEX, { { NEED_PROC3, TERTIARY_EXEC_IPI_VIRT } } },
	{ VMCS_GUEST_INTR_STATUS, { { NEED_PROC2, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY } } },
	{ VMCS_GUEST_PML_INDEX, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_PML } } },
	{ VMCS_GUEST_UINV, { { NEED_EXIT, VM_EXIT_CLEAR_UINV }, { NEED_ENTRY, VM_ENTRY_LOAD_UINV } } },
	{ VMCS_MSR_BITMAP, { { NEED_PROC, CPU_BASED_USE_MSR_BITMAPS } } },
	{ VMCS_PML_ADDRESS, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_PML } } },
	{ VMCS_VIRTUAL_APIC_PAGE_ADDR, { { NEED_PROC, CPU_BASED_TPR_SHADOW } } },
	{ VMCS_APIC_ACCESS_ADDR, { { NEED_PROC2, SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES } } },
	{ VMCS_POSTED_INTR_DESC_ADDR, { { NEED_PIN, PIN_BASED_POSTED_INTR } } },
	{ VMCS_VM_FUNCTION_CONTROL, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_VMFUNC } } },
	{ VMCS_EPT_POINTER, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_EPT } } },
	{ VMCS_EOI_EXIT_BITMAP0, { { NEED_PROC2, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY } } },
	{ VMCS_EOI_EXIT_BITMAP1, { { NEED_PROC2, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY } } },
	{ VMCS_EOI_EXIT_BITMAP2, { { NEED_PROC2, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY } } },
	{ VMCS_EOI_EXIT_BITMAP3, { { NEED_PROC2, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY } } },
	{ VMCS_EPTP_LIST_ADDRESS, { { NEED_VMFUNC, VMX_VMFUNC_EPTP_SWITCHING } } },
	{ VMCS_VMREAD_BITMAP, { { NEED_PROC2, SECONDARY_EXEC_SHADOW_VMCS } } },
	{ VMCS_VMWRITE_BITMAP, { { NEED_PROC2, SECONDARY_EXEC_SHADOW_VMCS } } },
	{ VMCS_VE_INFORMATION_ADDRESS, { { NEED_PROC2, SECONDARY_EXEC_EPT_VIOLATION_VE } } },
	{ VMCS_XSS_EXIT_BITMAP, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_XSAVES } } },
	{ VMCS_ENCLS_EXITING_BITMAP, { { NEED_PROC2, SECONDARY_EXEC_ENCLS_EXITING } } },
	{ VMCS_SPP_TABLE_POINTER, { { NEED_PROC2, SECONDARY_EXEC_SPP } } },
	{ VMCS_TSC_MULTIPLIER, { { NEED_PROC2, SECONDARY_EXEC_TSC_SCALING } } },
	{ VMCS_TERTIARY_VM_EXEC_CONTROL, { { NEED_PROC, CPU_BASED_ACTIVATE_TERTIARY_CONTROLS } } },
	{ VMCS_ENCLV_EXITING_BITMAP, { { NEED_PROC2, SECONDARY_EXEC_ENCLV_EXITING } } },
	{ VMCS_LOW_PASID_DIRECTORY, { { NEED_NONE, 0 } } },
	{ VMCS_HIGH_PASID_DIRECTORY, { { NEED_NONE, 0 } } },
	{ VMCS_SHARED_EPT_POINTER, { { NEED_NONE, 0 } } },
	{ VMCS_PCONFIG_EXITING_BITMAP, { { NEED_PROC2, SECONDARY_EXEC_PCONFIG } } },
	{ VMCS_HLAT_POINTER, { { NEED_PROC3, TERTIARY_EXEC_ENABLE_HLAT } } },
	{ VMCS_PID_POINTER_TABLE, { { NEED_PROC3, TERTIARY_EXEC_IPI_VIRT } } },
	{ VMCS_SECONDARY_VM_EXIT_CONTROLS,
	  { { NEED_EXIT, VM_EXIT_ACTIVATE_SECONDARY_CONTROLS } } },
	{ VMCS_IA32_SPEC_CTRL_MASK, { { NEED_PROC3, TERTIARY_EXEC_VIRT_SPEC_CTRL } } },
	{ VMCS_IA32_SPEC_CTRL_SHADOW, { { NEED_PROC3, TERTIARY_EXEC_VIRT_SPEC_CTRL } } },
	{ VMCS_GUEST_PHYSICAL_ADDRESS, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_EPT } } },
	{ VMCS_GUEST_IA32_PAT,
	  { { NEED_ENTRY, VM_ENTRY_LOAD_IA32_PAT }, { NEED_EXIT, VM_EXIT_SAVE_IA32_PAT } } },
	{ VMCS_GUEST_IA32_EFER,
	  { { NEED_ENTRY, VM_ENTRY_LOAD_IA32_EFER }, { NEED_EXIT, VM_EXIT_SAVE_IA32_EFER } } },
	{ VMCS_GUEST_IA32_PERF_GLOBAL_CTRL,
	  { { NEED_ENTRY, VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL },
	    { NEED_EXIT, VM_EXIT_SAVE_IA32_PERF_GLOBAL_CTRL } } },
	{ VMCS_GUEST_PDPTR0, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_EPT } } },
	{ VMCS_GUEST_PDPTR1, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_EPT } } },
	{ VMCS_GUEST_PDPTR2, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_EPT } } },
	{ VMCS_GUEST_PDPTR3, { { NEED_PROC2, SECONDARY_EXEC_ENABLE_EPT } } },
	{ VMCS_GUEST_BNDCFGS,
	  { { NEED_ENTRY, VM_ENTRY_LOAD_BNDCFGS }, { NEED_EXIT, VM_EXIT_CLEAR_BNDCFGS } } },
	{ VMCS_GUEST_IA32_RTIT_CTL,
	  { { NEED_ENTRY, VM_ENTRY_LOAD_IA32_RTIT_CTL },
	    { NEED_EXIT, VM_EXIT_CLEAR_IA32_RTIT_CTL } } },
	{ VMCS_GUEST_IA32_LBR_CTL,
	  { { NEED_ENTRY, VM_ENTRY_LOAD_IA32_LBR_CTL }, { NEED_EXIT, VM_EXIT_CLEAR_IA32_LBR_CTL } } },
	{ VMCS_GUEST_IA32_PKRS, { { NEED_ENTRY, VM_ENTRY_LOAD_IA32_PKRS } } },
	{ VMCS_HOST_IA32_PAT, { { NEED_EXIT, VM_EXIT_LOAD_IA32_PAT } } },
	{ VMCS_HOST_IA32_EFER, { { NEED_EXIT, VM_EXIT_LOAD_IA32_EFER } } },
	{ VMCS_HOST_IA32_PERF_GLOBAL_CTRL, { { NEED_EXIT, VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL } } },
	{ VMCS_HOST_IA32_PKRS, { { NEED_EXIT, VM_EXIT_LOAD_IA32_PKRS } } },
	{ VMCS_TPR_THRESHOLD, { { NEED_PROC, CPU_BASED_TPR_SHADOW } } },
	{ VMCS_SECONDARY_VM_EXEC_CONTROL, { { NEED_PROC, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS } } },
	{ VMCS_PLE_GAP, { { NEED_PROC2, SECONDARY_EXEC_PAUSE_LOOP_EXITING } } },
	{ VMCS_PLE_WINDOW, { { NEED_PROC2, SECONDARY_EXEC_PAUSE_LOOP_EXITING } } },
	{ VMCS_NOTIFY_WINDOW, { { NEED_PROC2, SECONDARY_EXEC_NOTIFY_VM_EXITING } } },
	{ VMCS_VMX_PREEMPTION_TIMER_VALUE, { { NEED_PIN, PIN_BASED_VMX_PREEMPTION_TIMER } } },
	{ VMCS_GUEST_S_CET, { { NEED_ENTRY, VM_ENTRY_LOAD_CET_STATE } } },
	{ VMCS_GUEST_SSP, { { NEED_ENTRY, VM_ENTRY_LOAD_CET_STATE } } },
	{ VMCS_GUEST_INTR_SSP_TABLE, { { NEED_ENTRY, VM_ENTRY_LOAD_CET_STATE } } },
	{ VMCS_HOST_S_CET, { { NEED_EXIT, VM_EXIT_LOAD_CET_STATE } } },
	{ VMCS_HOST_SSP, { { NEED_EXIT, VM_EXIT_LOAD_CET_STATE } } },
	{ VMCS_HOST_INTR_SSP_TABLE, { { NEED_EXIT, VM_EXIT_LOAD_CET_STATE } } },
};

/*
 * The controls of class @cls a CPU of model @m allows to be 1. The
 * secondary controls' MSR exists only with primary bit 31 allowed, the
 * tertiary one's with primary bit 17, IA32_VMX_VMFUNC with "enable VM
 * functions"; the TRUE MSRs report the same allowed-1 settings as the
 * plain ones.
 */
static uint64_t allowed1(const struct cpu_model *m, enum need_class cls)
{
	uint64_t proc = model_vmx_ctl_cap(m, MSR_IA32_VMX_PROCBASED_CTLS,
					  MSR_IA32_VMX_TRUE_PROCBASED_CTLS) >> 32;

	switch (cls) {
	case NEED_PIN:
		return model_vmx_ctl_cap(m, MSR_IA32_VMX_PINBASED_CTLS,
					 MSR_IA32_VMX_TRUE_PINBASED_CTLS) >> 32;
	case NEED_PROC:
		return proc;
	case NEED_PROC2:
		return proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS ?
		       model_msr_value(m, MSR_IA32_VMX_PROCBASED_CTLS2, 0) >> 32 : 0;
	case NEED_PROC3:
		return proc & CPU_BASED_ACTIVATE_TERTIARY_CONTROLS ?
		       model_msr_value(m, MSR_IA32_VMX_PROCBASED_CTLS3, 0) : 0;
	case NEED_EXIT:
		return model_vmx_ctl_cap(m, MSR_IA32_VMX_EXIT_CTLS,
					 MSR_IA32_VMX_TRUE_EXIT_CTLS) >> 32;
	case NEED_ENTRY:
		return model_vmx_ctl_cap(m, MSR_IA32_VMX_ENTRY_CTLS,
					 MSR_IA32_VMX_TRUE_ENTRY_CTLS) >> 32;
	case NEED_VMFUNC:
		return allowed1(m, NEED_PROC2) & SECONDARY_EXEC_ENABLE_VMFUNC ?
		       model_msr_value(m, MSR_IA32_VMX_VMFUNC, 0) : 0;
	case NEED_NONE:
		break;
	}
	return 0;
}

bool vmcs_field_supported(const struct cpu_model *m, uint64_t encoding)
{
	const struct vmcs_field_info *f = vmcs_field_find(encoding);
	uint32_t full;

	if (!f)
		return false;
	full = f->high ? f->encoding - 1 : f->encoding;
	for (size_t i = 0; i < sizeof(field_needs) / sizeof(field_needs[0]); i++) {
		if (field_needs[i].encoding != full)
			continue;
		for (int k = 0; k < 2; k++) {
			const struct need *n = &field_needs[i].any[k];

			if (n->bit && (allowed1(m, (enum need_class)n->cls) & n->bit))
				return true;
		}
		return false;
	}
	return true;
}

void vmcs_init(struct vmcs *v, uint32_t revision, bool vmwrite_any)
{
	memset(v, 0, sizeof(*v));
	v->revision = revision & VMX_BASIC_REVISION_MASK;
	v->shadow = revision >> 31;
	v->launch = VMCS_CLEAR;
	v->vmwrite_any = vmwrite_any;
}

/* The bits a field of @width keeps: natural width is 64 on Intel 64. */
static uint64_t width_mask(enum vmcs_width width)
{
	switch (width) {
	case VMCS_W16:
		return 0xffffULL;
	case VMCS_W32:
		return 0xffffffffULL;
	case VMCS_W64:
	case VMCS_WNAT:
		break;
	}
	return ~0ULL;
}

int vmcs_read(const struct vmcs *v, uint64_t encoding, uint64_t *val)
{
	const struct vmcs_field_info *f = vmcs_field_find(encoding);
	uint64_t raw;

	if (!f)
		return VMXERR_UNSUPPORTED_COMPONENT;
	raw = v->val[f->slot];
	*val = f->high ? raw >> 32 : raw & width_mask(f->width);
	return 0;
}

int vmcs_write(struct vmcs *v, uint64_t encoding, uint64_t val)
{
	const struct vmcs_field_info *f = vmcs_field_find(encoding);
	uint64_t *slot;

	if (!f)
		return VMXERR_UNSUPPORTED_COMPONENT;
	/* Without IA32_VMX_MISC[29] the VM-exit information fields are read-only. */
	if (f->read_only && !v->vmwrite_any)
		return VMXERR_VMWRITE_READ_ONLY;
	slot = &v->val[f->slot];
	if (f->high)
		*slot = (*slot & 0xffffffffULL) | (val << 32);
	else
		*slot = val & width_mask(f->width);
	return 0;
}

void vmcs_bad_encoding(uint32_t encoding)
{
	char what[64];

	snprintf(what, sizeof(what), "no full VMCS field has encoding %#x", encoding);
	sim_bug(__FILE__, __LINE__, what);
}
