/* SPDX-License-Identifier: MIT */
/*
 * The VMCS as data: a table of the fields (encoding, name, width,
 * read-only) made from the encodings' list in hvsim/x86/vmcs-fields.h,
 * and VMREAD/VMWRITE on a struct vmcs with the VM-instruction errors the
 * SDM gives them.
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

#include "hvsim/x86/vmcs-fields.h"

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
