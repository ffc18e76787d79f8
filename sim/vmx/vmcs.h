/* SPDX-License-Identifier: MIT */
/*
 * The VMCS as data: every field encoding as one enum, a table of the
 * fields (encoding, name, width, read-only), and VMREAD/VMWRITE on a
 * struct vmcs with the VM-instruction errors the SDM gives them.
 *
 * Citations are to the Intel 64 and IA-32 Architectures Software
 * Developer's Manual, Order Number 325462-080US (June 2023); sections are
 * named by title: encodings from Vol. 3D Appendix B "Field Encoding in
 * VMCS", layout rules from Vol. 3C "Virtual-Machine Control Structures",
 * VMREAD/VMWRITE from Vol. 3C "VMX Instruction Reference", error numbers
 * from "VM Instruction Error Numbers".
 */
#ifndef HVSIM_VMX_VMCS_H
#define HVSIM_VMX_VMCS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Field width, as encoding bits 14:13 give it ("Field Encoding in VMCS",
 * "Structure of VMCS Component Encoding").
 */
enum vmcs_width {
	VMCS_W16 = 0,
	VMCS_W64 = 1,
	VMCS_W32 = 2,
	VMCS_WNAT = 3,		/* natural width: 64 bits on Intel 64 */
};

/* Field type, encoding bits 11:10. */
enum vmcs_type {
	VMCS_TYPE_CONTROL = 0,
	VMCS_TYPE_RO_DATA = 1,	/* VM-exit information: read-only to VMWRITE */
	VMCS_TYPE_GUEST = 2,
	VMCS_TYPE_HOST = 3,
};

/*
 * Every field: X16/X32/XNAT(name, encoding, read-only) and
 * X64(name, encoding of the full field, read-only). The width is written
 * out by hand on purpose: tests/test_vmx_controls.c checks it against the
 * width the encoding bits give. Names are KVM's, with the VMCS_ prefix.
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

/* VMCS component encodings (Vol. 3D, "Field Encoding in VMCS"). */
enum vmcs_field {
	VMCS_FIELDS(VMCS_ENUM_ONE, VMCS_ENUM_ONE, VMCS_ENUM_64, VMCS_ENUM_ONE)
};

#define VMCS_SLOT_ONE(name, enc, ro)	VMCS_SLOT_##name,

/* Where struct vmcs keeps a field's value: one slot per field, both halves. */
enum vmcs_slot {
	VMCS_FIELDS(VMCS_SLOT_ONE, VMCS_SLOT_ONE, VMCS_SLOT_ONE, VMCS_SLOT_ONE)
	VMCS_NR_SLOTS
};

/* One row of the field table; a 64-bit field has a full and a high row. */
struct vmcs_field_info {
	uint32_t encoding;
	const char *name;		/* "GUEST_RIP", "IO_BITMAP_A_HIGH" */
	enum vmcs_width width;		/* as written in VMCS_FIELDS() */
	bool high;			/* the upper 32 bits of a 64-bit field */
	bool read_only;			/* VM-exit information: VMWRITE fails */
	enum vmcs_slot slot;		/* where struct vmcs keeps the value */
};

/* The table, in VMCS_FIELDS() order, and its length. */
extern const struct vmcs_field_info vmcs_field_table[];
extern const unsigned int vmcs_nr_fields;

/* The row for @encoding, or NULL when the processor has no such component. */
const struct vmcs_field_info *vmcs_field_find(uint64_t encoding);

/* What the encoding's bits say, whether or not the field exists. */
static inline enum vmcs_width vmcs_encoding_width(uint32_t encoding)
{
	return (enum vmcs_width)((encoding >> 13) & 3);
}

static inline enum vmcs_type vmcs_encoding_type(uint32_t encoding)
{
	return (enum vmcs_type)((encoding >> 10) & 3);
}

/* Access type, bit 0: "high" is meaningful for 64-bit fields only. */
static inline bool vmcs_encoding_high(uint32_t encoding)
{
	return vmcs_encoding_width(encoding) == VMCS_W64 && (encoding & 1);
}

/* VM-instruction error numbers (Vol. 3C, "VM Instruction Error Numbers"). */
enum vmx_insn_error {
	VMXERR_VMCALL_IN_ROOT = 1,
	VMXERR_VMCLEAR_INVALID_ADDR = 2,
	VMXERR_VMCLEAR_VMXON_PTR = 3,
	VMXERR_VMLAUNCH_NONCLEAR = 4,
	VMXERR_VMRESUME_NONLAUNCHED = 5,
	VMXERR_VMRESUME_AFTER_VMXOFF = 6,
	VMXERR_ENTRY_INVALID_CONTROLS = 7,
	VMXERR_ENTRY_INVALID_HOST_STATE = 8,
	VMXERR_VMPTRLD_INVALID_ADDR = 9,
	VMXERR_VMPTRLD_VMXON_PTR = 10,
	VMXERR_VMPTRLD_BAD_REVISION = 11,
	VMXERR_UNSUPPORTED_COMPONENT = 12,
	VMXERR_VMWRITE_READ_ONLY = 13,
	VMXERR_VMXON_IN_ROOT = 15,
	VMXERR_ENTRY_EVENTS_BLOCKED_MOV_SS = 26,
	VMXERR_INVALID_INVEPT_INVVPID = 28,
};

/* Launch state of a VMCS (Vol. 3C, "VMCS Data Organization" and "VMCLEAR"). */
enum vmcs_launch_state {
	VMCS_CLEAR,
	VMCS_LAUNCHED,
};

/*
 * A VMCS region's contents as the simulator keeps them: the layout inside
 * the 4 KiB region is implementation-specific, so only values are held.
 */
struct vmcs {
	uint32_t revision;		/* VMCS revision identifier, bits 30:0 */
	bool shadow;			/* shadow-VMCS indicator, revision bit 31 */
	enum vmcs_launch_state launch;	/* VMCLEAR sets CLEAR, VMLAUNCH LAUNCHED */
	bool vmwrite_any;		/* IA32_VMX_MISC[29]: VMWRITE may write read-only fields */
	uint64_t val[VMCS_NR_SLOTS];	/* each field's value, 64-bit ones whole */
};

/* A cleared VMCS with every field 0. */
void vmcs_init(struct vmcs *v, uint32_t revision, bool vmwrite_any);

/*
 * VMREAD and VMWRITE of the component whose encoding is in a 64-bit
 * register: 0, or VMXERR_UNSUPPORTED_COMPONENT / VMXERR_VMWRITE_READ_ONLY.
 * Values are the 64-bit register operand; narrower fields zero-extend on
 * read and drop the upper bits on write; a 64-bit field's "high" encoding
 * reads and writes its bits 63:32 through bits 31:0 of the operand.
 */
int vmcs_read(const struct vmcs *v, uint64_t encoding, uint64_t *val);
int vmcs_write(struct vmcs *v, uint64_t encoding, uint64_t val);

/*
 * The simulator's own access (the CPU's, not an instruction's): no
 * read-only rule, full encodings only; an unknown or "high" encoding is a
 * simulator bug. Inline, so that a constant encoding folds to its slot:
 * VM entry reads hundreds of fields.
 */
#define VMCS_SLOT_CASE(name, enc, ro)	case (enc): return VMCS_SLOT_##name;

/* The slot of a full-field encoding, or -1. */
static inline __attribute__((always_inline)) int vmcs_full_slot(uint32_t encoding)
{
	switch (encoding) {
	VMCS_FIELDS(VMCS_SLOT_CASE, VMCS_SLOT_CASE, VMCS_SLOT_CASE, VMCS_SLOT_CASE)
	default:
		return -1;
	}
}

/* A simulator bug: @encoding names no full field (vmcs.c). */
__attribute__((noreturn)) void vmcs_bad_encoding(uint32_t encoding);

static inline __attribute__((always_inline)) uint64_t vmcs_get(const struct vmcs *v,
							 uint32_t encoding)
{
	int slot = vmcs_full_slot(encoding);

	if (slot < 0)
		vmcs_bad_encoding(encoding);
	return v->val[slot];
}

static inline void vmcs_set(struct vmcs *v, uint32_t encoding, uint64_t val)
{
	int slot = vmcs_full_slot(encoding);

	if (slot < 0)
		vmcs_bad_encoding(encoding);
	switch (vmcs_encoding_width(encoding)) {
	case VMCS_W16:
		val &= 0xffffULL;
		break;
	case VMCS_W32:
		val &= 0xffffffffULL;
		break;
	case VMCS_W64:
	case VMCS_WNAT:
		break;
	}
	v->val[slot] = val;
}

/*
 * Bits of the VMX control fields (Vol. 3C, "VM-Execution Control Fields",
 * "VM-Exit Control Fields", "VM-Entry Control Fields").
 */
#define VMX_BIT(n)			(1ULL << (n))

#define VMX_PIN_EXT_INTR_EXITING		VMX_BIT(0)
#define VMX_PIN_NMI_EXITING			VMX_BIT(3)
#define VMX_PIN_VIRTUAL_NMIS		VMX_BIT(5)
#define VMX_PIN_PREEMPTION_TIMER		VMX_BIT(6)
#define VMX_PIN_POSTED_INTR			VMX_BIT(7)

#define VMX_PROC_INTR_WINDOW_EXITING	VMX_BIT(2)
#define VMX_PROC_HLT_EXITING		VMX_BIT(7)
#define VMX_PROC_ACTIVATE_TERTIARY		VMX_BIT(17)
#define VMX_PROC_USE_TPR_SHADOW		VMX_BIT(21)
#define VMX_PROC_NMI_WINDOW_EXITING		VMX_BIT(22)
#define VMX_PROC_USE_IO_BITMAPS		VMX_BIT(25)
#define VMX_PROC_MONITOR_TRAP_FLAG		VMX_BIT(27)
#define VMX_PROC_USE_MSR_BITMAPS		VMX_BIT(28)
#define VMX_PROC_ACTIVATE_SECONDARY		VMX_BIT(31)

#define VMX_PROC2_VIRT_APIC_ACCESSES	VMX_BIT(0)
#define VMX_PROC2_ENABLE_EPT		VMX_BIT(1)
#define VMX_PROC2_VIRT_X2APIC_MODE		VMX_BIT(4)
#define VMX_PROC2_ENABLE_VPID		VMX_BIT(5)
#define VMX_PROC2_UNRESTRICTED_GUEST	VMX_BIT(7)
#define VMX_PROC2_APIC_REGISTER_VIRT	VMX_BIT(8)
#define VMX_PROC2_VIRT_INTR_DELIVERY	VMX_BIT(9)
#define VMX_PROC2_ENABLE_VMFUNC		VMX_BIT(13)
#define VMX_PROC2_VMCS_SHADOWING		VMX_BIT(14)
#define VMX_PROC2_ENABLE_PML		VMX_BIT(17)
#define VMX_PROC2_EPT_VIOLATION_VE		VMX_BIT(18)
#define VMX_PROC2_MODE_BASED_EPT_EXEC	VMX_BIT(22)
#define VMX_PROC2_SUBPAGE_WRITE_PERM	VMX_BIT(23)
#define VMX_PROC2_PT_USES_GPA		VMX_BIT(24)

#define VMX_EXIT_HOST_ADDR_SPACE_SIZE	VMX_BIT(9)
#define VMX_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL	VMX_BIT(12)
#define VMX_EXIT_ACK_INTR_ON_EXIT		VMX_BIT(15)
#define VMX_EXIT_SAVE_IA32_PAT		VMX_BIT(18)
#define VMX_EXIT_LOAD_IA32_PAT		VMX_BIT(19)
#define VMX_EXIT_SAVE_IA32_EFER		VMX_BIT(20)
#define VMX_EXIT_LOAD_IA32_EFER		VMX_BIT(21)
#define VMX_EXIT_SAVE_PREEMPTION_TIMER	VMX_BIT(22)
#define VMX_EXIT_CLEAR_IA32_RTIT_CTL	VMX_BIT(25)
#define VMX_EXIT_ACTIVATE_SECONDARY		VMX_BIT(31)

#define VMX_ENTRY_LOAD_DEBUG_CONTROLS	VMX_BIT(2)
#define VMX_ENTRY_IA32E_MODE_GUEST		VMX_BIT(9)
#define VMX_ENTRY_TO_SMM			VMX_BIT(10)
#define VMX_ENTRY_DEACT_DUAL_MONITOR	VMX_BIT(11)
#define VMX_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL	VMX_BIT(13)
#define VMX_ENTRY_LOAD_IA32_PAT		VMX_BIT(14)
#define VMX_ENTRY_LOAD_IA32_EFER		VMX_BIT(15)
#define VMX_ENTRY_LOAD_BNDCFGS		VMX_BIT(16)
#define VMX_ENTRY_LOAD_IA32_RTIT_CTL	VMX_BIT(18)

/* VM-function controls ("VM-Function Controls"). */
#define VMX_VMFUNC_EPTP_SWITCHING		VMX_BIT(0)

/* The VM-entry interruption-information field ("VM-Entry Controls for Event Injection"). */
#define VMX_INTR_INFO_VECTOR_MASK		0xffULL
#define VMX_INTR_INFO_TYPE_SHIFT		8
#define VMX_INTR_INFO_TYPE_MASK		(7ULL << VMX_INTR_INFO_TYPE_SHIFT)
#define VMX_INTR_INFO_DELIVER_CODE		VMX_BIT(11)
#define VMX_INTR_INFO_RESERVED		0x7ffff000ULL	/* bits 30:12 */
#define VMX_INTR_INFO_VALID			VMX_BIT(31)

enum vmx_intr_type {
	VMX_INTR_TYPE_EXT_INTR = 0,
	VMX_INTR_TYPE_RESERVED = 1,
	VMX_INTR_TYPE_NMI = 2,
	VMX_INTR_TYPE_HARD_EXCEPTION = 3,
	VMX_INTR_TYPE_SOFT_INTR = 4,
	VMX_INTR_TYPE_PRIV_SW_EXCEPTION = 5,
	VMX_INTR_TYPE_SOFT_EXCEPTION = 6,
	VMX_INTR_TYPE_OTHER_EVENT = 7,
};

/* Capability MSR bits (Vol. 3D, Appendix A "VMX Capability Reporting Facility"). */
#define VMX_BASIC_TRUE_CTLS		VMX_BIT(55)	/* IA32_VMX_TRUE_* exist */
#define VMX_BASIC_NO_HW_ERRCODE_CHECK	VMX_BIT(56)	/* any hardware exception may carry an error code */
#define VMX_MISC_CR3_TARGETS_SHIFT	16		/* bits 24:16 */
#define VMX_MISC_CR3_TARGETS_MASK	0x1ffULL
#define VMX_MISC_VMWRITE_ANY		VMX_BIT(29)
#define VMX_MISC_ZERO_LEN_INJECT	VMX_BIT(30)
#define VMX_EPT_PWL4			VMX_BIT(6)
#define VMX_EPT_PWL5			VMX_BIT(7)
#define VMX_EPT_MT_UC			VMX_BIT(8)
#define VMX_EPT_MT_WB			VMX_BIT(14)
#define VMX_EPT_AD			VMX_BIT(21)

/* The extended-page-table pointer ("Extended-Page-Table Pointer (EPTP)"). */
#define VMX_EPTP_MT_MASK			0x7ULL
#define VMX_EPTP_MT_UC			0ULL
#define VMX_EPTP_MT_WB			6ULL
#define VMX_EPTP_PWL_SHIFT			3
#define VMX_EPTP_PWL_MASK			(7ULL << VMX_EPTP_PWL_SHIFT)
#define VMX_EPTP_AD_ENABLE			VMX_BIT(6)
#define VMX_EPTP_RESERVED_LOW		0xf80ULL	/* bits 11:7 */

#endif /* HVSIM_VMX_VMCS_H */
