/* SPDX-License-Identifier: MIT */
/*
 * The VMCS component encodings, as one X-macro list that both the enum
 * below and the simulator's field table (sim/vmx/vmcs.c) are made from.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3D, Appendix B
 * "Field Encoding in VMCS".
 */
#ifndef HVSIM_X86_VMCS_FIELDS_H
#define HVSIM_X86_VMCS_FIELDS_H

/*
 * Every field: X16/X32/XNAT(name, encoding, read-only) and
 * X64(name, encoding of the full field, read-only). The width is written
 * out by hand on purpose: tests/test_vmx_controls.c checks it against the
 * width the encoding bits give (bits 14:13, "Structure of VMCS Component
 * Encoding"). Read-only fields are the VM-exit information fields. Names
 * are KVM's, with the VMCS_ prefix. sim/vmx/vmcs.c makes the field table
 * of the same list.
 */
#define VMCS_FIELDS(X16, X32, X64, XNAT)				\
	/* 16-bit control fields */					\
	X16(VIRTUAL_PROCESSOR_ID,		0x0000, false)		\
	X16(POSTED_INTR_NV,			0x0002, false)		\
	X16(EPTP_INDEX,				0x0004, false)		\
	X16(HLAT_PREFIX_SIZE,			0x0006, false)		\
	X16(LAST_PID_POINTER_INDEX,		0x0008, false)		\
	/* 16-bit guest-state fields */					\
	X16(GUEST_ES_SELECTOR,			0x0800, false)		\
	X16(GUEST_CS_SELECTOR,			0x0802, false)		\
	X16(GUEST_SS_SELECTOR,			0x0804, false)		\
	X16(GUEST_DS_SELECTOR,			0x0806, false)		\
	X16(GUEST_FS_SELECTOR,			0x0808, false)		\
	X16(GUEST_GS_SELECTOR,			0x080a, false)		\
	X16(GUEST_LDTR_SELECTOR,		0x080c, false)		\
	X16(GUEST_TR_SELECTOR,			0x080e, false)		\
	X16(GUEST_INTR_STATUS,			0x0810, false)		\
	X16(GUEST_PML_INDEX,			0x0812, false)		\
	X16(GUEST_UINV,				0x0814, false)		\
	/* 16-bit host-state fields */					\
	X16(HOST_ES_SELECTOR,			0x0c00, false)		\
	X16(HOST_CS_SELECTOR,			0x0c02, false)		\
	X16(HOST_SS_SELECTOR,			0x0c04, false)		\
	X16(HOST_DS_SELECTOR,			0x0c06, false)		\
	X16(HOST_FS_SELECTOR,			0x0c08, false)		\
	X16(HOST_GS_SELECTOR,			0x0c0a, false)		\
	X16(HOST_TR_SELECTOR,			0x0c0c, false)		\
	/* 64-bit control fields */					\
	X64(IO_BITMAP_A,			0x2000, false)		\
	X64(IO_BITMAP_B,			0x2002, false)		\
	X64(MSR_BITMAP,				0x2004, false)		\
	X64(VM_EXIT_MSR_STORE_ADDR,		0x2006, false)		\
	X64(VM_EXIT_MSR_LOAD_ADDR,		0x2008, false)		\
	X64(VM_ENTRY_MSR_LOAD_ADDR,		0x200a, false)		\
	X64(EXECUTIVE_VMCS_POINTER,		0x200c, false)		\
	X64(PML_ADDRESS,			0x200e, false)		\
	X64(TSC_OFFSET,				0x2010, false)		\
	X64(VIRTUAL_APIC_PAGE_ADDR,		0x2012, false)		\
	X64(APIC_ACCESS_ADDR,			0x2014, false)		\
	X64(POSTED_INTR_DESC_ADDR,		0x2016, false)		\
	X64(VM_FUNCTION_CONTROL,		0x2018, false)		\
	X64(EPT_POINTER,			0x201a, false)		\
	X64(EOI_EXIT_BITMAP0,			0x201c, false)		\
	X64(EOI_EXIT_BITMAP1,			0x201e, false)		\
	X64(EOI_EXIT_BITMAP2,			0x2020, false)		\
	X64(EOI_EXIT_BITMAP3,			0x2022, false)		\
	X64(EPTP_LIST_ADDRESS,			0x2024, false)		\
	X64(VMREAD_BITMAP,			0x2026, false)		\
	X64(VMWRITE_BITMAP,			0x2028, false)		\
	X64(VE_INFORMATION_ADDRESS,		0x202a, false)		\
	X64(XSS_EXIT_BITMAP,			0x202c, false)		\
	X64(ENCLS_EXITING_BITMAP,		0x202e, false)		\
	X64(SPP_TABLE_POINTER,			0x2030, false)		\
	X64(TSC_MULTIPLIER,			0x2032, false)		\
	X64(TERTIARY_VM_EXEC_CONTROL,		0x2034, false)		\
	X64(ENCLV_EXITING_BITMAP,		0x2036, false)		\
	X64(LOW_PASID_DIRECTORY,		0x2038, false)		\
	X64(HIGH_PASID_DIRECTORY,		0x203a, false)		\
	X64(SHARED_EPT_POINTER,			0x203c, false)		\
	X64(PCONFIG_EXITING_BITMAP,		0x203e, false)		\
	X64(HLAT_POINTER,			0x2040, false)		\
	X64(PID_POINTER_TABLE,			0x2042, false)		\
	X64(SECONDARY_VM_EXIT_CONTROLS,		0x2044, false)		\
	X64(IA32_SPEC_CTRL_MASK,		0x204a, false)		\
	X64(IA32_SPEC_CTRL_SHADOW,		0x204c, false)		\
	/* 64-bit read-only data field */				\
	X64(GUEST_PHYSICAL_ADDRESS,		0x2400, true)		\
	/* 64-bit guest-state fields */					\
	X64(VMCS_LINK_POINTER,			0x2800, false)		\
	X64(GUEST_IA32_DEBUGCTL,		0x2802, false)		\
	X64(GUEST_IA32_PAT,			0x2804, false)		\
	X64(GUEST_IA32_EFER,			0x2806, false)		\
	X64(GUEST_IA32_PERF_GLOBAL_CTRL,	0x2808, false)		\
	X64(GUEST_PDPTR0,			0x280a, false)		\
	X64(GUEST_PDPTR1,			0x280c, false)		\
	X64(GUEST_PDPTR2,			0x280e, false)		\
	X64(GUEST_PDPTR3,			0x2810, false)		\
	X64(GUEST_BNDCFGS,			0x2812, false)		\
	X64(GUEST_IA32_RTIT_CTL,		0x2814, false)		\
	X64(GUEST_IA32_LBR_CTL,			0x2816, false)		\
	X64(GUEST_IA32_PKRS,			0x2818, false)		\
	/* 64-bit host-state fields */					\
	X64(HOST_IA32_PAT,			0x2c00, false)		\
	X64(HOST_IA32_EFER,			0x2c02, false)		\
	X64(HOST_IA32_PERF_GLOBAL_CTRL,		0x2c04, false)		\
	X64(HOST_IA32_PKRS,			0x2c06, false)		\
	/* 32-bit control fields */					\
	X32(PIN_BASED_VM_EXEC_CONTROL,		0x4000, false)		\
	X32(CPU_BASED_VM_EXEC_CONTROL,		0x4002, false)		\
	X32(EXCEPTION_BITMAP,			0x4004, false)		\
	X32(PAGE_FAULT_ERROR_CODE_MASK,		0x4006, false)		\
	X32(PAGE_FAULT_ERROR_CODE_MATCH,	0x4008, false)		\
	X32(CR3_TARGET_COUNT,			0x400a, false)		\
	X32(VM_EXIT_CONTROLS,			0x400c, false)		\
	X32(VM_EXIT_MSR_STORE_COUNT,		0x400e, false)		\
	X32(VM_EXIT_MSR_LOAD_COUNT,		0x4010, false)		\
	X32(VM_ENTRY_CONTROLS,			0x4012, false)		\
	X32(VM_ENTRY_MSR_LOAD_COUNT,		0x4014, false)		\
	X32(VM_ENTRY_INTR_INFO_FIELD,		0x4016, false)		\
	X32(VM_ENTRY_EXCEPTION_ERROR_CODE,	0x4018, false)		\
	X32(VM_ENTRY_INSTRUCTION_LEN,		0x401a, false)		\
	X32(TPR_THRESHOLD,			0x401c, false)		\
	X32(SECONDARY_VM_EXEC_CONTROL,		0x401e, false)		\
	X32(PLE_GAP,				0x4020, false)		\
	X32(PLE_WINDOW,				0x4022, false)		\
	X32(NOTIFY_WINDOW,			0x4024, false)		\
	/* 32-bit read-only data fields */				\
	X32(VM_INSTRUCTION_ERROR,		0x4400, true)		\
	X32(VM_EXIT_REASON,			0x4402, true)		\
	X32(VM_EXIT_INTR_INFO,			0x4404, true)		\
	X32(VM_EXIT_INTR_ERROR_CODE,		0x4406, true)		\
	X32(IDT_VECTORING_INFO_FIELD,		0x4408, true)		\
	X32(IDT_VECTORING_ERROR_CODE,		0x440a, true)		\
	X32(VM_EXIT_INSTRUCTION_LEN,		0x440c, true)		\
	X32(VMX_INSTRUCTION_INFO,		0x440e, true)		\
	/* 32-bit guest-state fields */					\
	X32(GUEST_ES_LIMIT,			0x4800, false)		\
	X32(GUEST_CS_LIMIT,			0x4802, false)		\
	X32(GUEST_SS_LIMIT,			0x4804, false)		\
	X32(GUEST_DS_LIMIT,			0x4806, false)		\
	X32(GUEST_FS_LIMIT,			0x4808, false)		\
	X32(GUEST_GS_LIMIT,			0x480a, false)		\
	X32(GUEST_LDTR_LIMIT,			0x480c, false)		\
	X32(GUEST_TR_LIMIT,			0x480e, false)		\
	X32(GUEST_GDTR_LIMIT,			0x4810, false)		\
	X32(GUEST_IDTR_LIMIT,			0x4812, false)		\
	X32(GUEST_ES_AR_BYTES,			0x4814, false)		\
	X32(GUEST_CS_AR_BYTES,			0x4816, false)		\
	X32(GUEST_SS_AR_BYTES,			0x4818, false)		\
	X32(GUEST_DS_AR_BYTES,			0x481a, false)		\
	X32(GUEST_FS_AR_BYTES,			0x481c, false)		\
	X32(GUEST_GS_AR_BYTES,			0x481e, false)		\
	X32(GUEST_LDTR_AR_BYTES,		0x4820, false)		\
	X32(GUEST_TR_AR_BYTES,			0x4822, false)		\
	X32(GUEST_INTERRUPTIBILITY_INFO,	0x4824, false)		\
	X32(GUEST_ACTIVITY_STATE,		0x4826, false)		\
	X32(GUEST_SMBASE,			0x4828, false)		\
	X32(GUEST_SYSENTER_CS,			0x482a, false)		\
	X32(VMX_PREEMPTION_TIMER_VALUE,		0x482e, false)		\
	/* 32-bit host-state field */					\
	X32(HOST_IA32_SYSENTER_CS,		0x4c00, false)		\
	/* natural-width control fields */				\
	XNAT(CR0_GUEST_HOST_MASK,		0x6000, false)		\
	XNAT(CR4_GUEST_HOST_MASK,		0x6002, false)		\
	XNAT(CR0_READ_SHADOW,			0x6004, false)		\
	XNAT(CR4_READ_SHADOW,			0x6006, false)		\
	XNAT(CR3_TARGET_VALUE0,			0x6008, false)		\
	XNAT(CR3_TARGET_VALUE1,			0x600a, false)		\
	XNAT(CR3_TARGET_VALUE2,			0x600c, false)		\
	XNAT(CR3_TARGET_VALUE3,			0x600e, false)		\
	/* natural-width read-only data fields */			\
	XNAT(EXIT_QUALIFICATION,		0x6400, true)		\
	XNAT(IO_RCX,				0x6402, true)		\
	XNAT(IO_RSI,				0x6404, true)		\
	XNAT(IO_RDI,				0x6406, true)		\
	XNAT(IO_RIP,				0x6408, true)		\
	XNAT(GUEST_LINEAR_ADDRESS,		0x640a, true)		\
	/* natural-width guest-state fields */				\
	XNAT(GUEST_CR0,				0x6800, false)		\
	XNAT(GUEST_CR3,				0x6802, false)		\
	XNAT(GUEST_CR4,				0x6804, false)		\
	XNAT(GUEST_ES_BASE,			0x6806, false)		\
	XNAT(GUEST_CS_BASE,			0x6808, false)		\
	XNAT(GUEST_SS_BASE,			0x680a, false)		\
	XNAT(GUEST_DS_BASE,			0x680c, false)		\
	XNAT(GUEST_FS_BASE,			0x680e, false)		\
	XNAT(GUEST_GS_BASE,			0x6810, false)		\
	XNAT(GUEST_LDTR_BASE,			0x6812, false)		\
	XNAT(GUEST_TR_BASE,			0x6814, false)		\
	XNAT(GUEST_GDTR_BASE,			0x6816, false)		\
	XNAT(GUEST_IDTR_BASE,			0x6818, false)		\
	XNAT(GUEST_DR7,				0x681a, false)		\
	XNAT(GUEST_RSP,				0x681c, false)		\
	XNAT(GUEST_RIP,				0x681e, false)		\
	XNAT(GUEST_RFLAGS,			0x6820, false)		\
	XNAT(GUEST_PENDING_DBG_EXCEPTIONS,	0x6822, false)		\
	XNAT(GUEST_SYSENTER_ESP,		0x6824, false)		\
	XNAT(GUEST_SYSENTER_EIP,		0x6826, false)		\
	XNAT(GUEST_S_CET,			0x6828, false)		\
	XNAT(GUEST_SSP,				0x682a, false)		\
	XNAT(GUEST_INTR_SSP_TABLE,		0x682c, false)		\
	/* natural-width host-state fields */				\
	XNAT(HOST_CR0,				0x6c00, false)		\
	XNAT(HOST_CR3,				0x6c02, false)		\
	XNAT(HOST_CR4,				0x6c04, false)		\
	XNAT(HOST_FS_BASE,			0x6c06, false)		\
	XNAT(HOST_GS_BASE,			0x6c08, false)		\
	XNAT(HOST_TR_BASE,			0x6c0a, false)		\
	XNAT(HOST_GDTR_BASE,			0x6c0c, false)		\
	XNAT(HOST_IDTR_BASE,			0x6c0e, false)		\
	XNAT(HOST_IA32_SYSENTER_ESP,		0x6c10, false)		\
	XNAT(HOST_IA32_SYSENTER_EIP,		0x6c12, false)		\
	XNAT(HOST_RSP,				0x6c14, false)		\
	XNAT(HOST_RIP,				0x6c16, false)		\
	XNAT(HOST_S_CET,			0x6c18, false)		\
	XNAT(HOST_SSP,				0x6c1a, false)		\
	XNAT(HOST_INTR_SSP_TABLE,		0x6c1c, false)

#define VMCS_ENUM_ONE(name, enc, ro)	VMCS_##name = (enc),
#define VMCS_ENUM_64(name, enc, ro)	VMCS_##name = (enc), VMCS_##name##_HIGH = (enc) + 1,

/* The encodings; a 64-bit field's upper half is the _HIGH one. */
enum vmcs_field {
	VMCS_FIELDS(VMCS_ENUM_ONE, VMCS_ENUM_ONE, VMCS_ENUM_64, VMCS_ENUM_ONE)
};

#endif /* HVSIM_X86_VMCS_FIELDS_H */
