/* SPDX-License-Identifier: MIT */
/*
 * VMX as software sees it, under the names Linux gives these facts: the
 * bits of every VMX control field, the fields' formats (interruption
 * information, interruptibility state, access rights, EPTP), the
 * capability MSRs' bits and their allowed-0/allowed-1 rule, the basic exit
 * reasons, the VM-instruction errors, and (hvsim/x86/vmcs-fields.h) the
 * VMCS field encodings.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), sections by title:
 * Vol. 3C "VM-Execution Control Fields", "VM-Exit Control Fields",
 * "VM-Entry Control Fields", "Guest Register State", "Guest Non-Register
 * State", "VM Instruction Error Numbers"; Vol. 3D Appendix A "VMX
 * Capability Reporting Facility" and Appendix C "VMX Basic Exit Reasons".
 */
#ifndef HVSIM_X86_VMX_H
#define HVSIM_X86_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "hvsim/x86/vmcs-fields.h"

/* Pin-based VM-execution controls. */
#define PIN_BASED_EXT_INTR_MASK			(1ULL << 0)
#define PIN_BASED_NMI_EXITING			(1ULL << 3)
#define PIN_BASED_VIRTUAL_NMIS			(1ULL << 5)
#define PIN_BASED_VMX_PREEMPTION_TIMER		(1ULL << 6)
#define PIN_BASED_POSTED_INTR			(1ULL << 7)

/* Primary processor-based VM-execution controls. */
#define CPU_BASED_INTR_WINDOW_EXITING		(1ULL << 2)
#define CPU_BASED_USE_TSC_OFFSETTING		(1ULL << 3)
#define CPU_BASED_HLT_EXITING			(1ULL << 7)
#define CPU_BASED_INVLPG_EXITING		(1ULL << 9)
#define CPU_BASED_MWAIT_EXITING			(1ULL << 10)
#define CPU_BASED_RDPMC_EXITING			(1ULL << 11)
#define CPU_BASED_RDTSC_EXITING			(1ULL << 12)
#define CPU_BASED_CR3_LOAD_EXITING		(1ULL << 15)
#define CPU_BASED_CR3_STORE_EXITING		(1ULL << 16)
#define CPU_BASED_ACTIVATE_TERTIARY_CONTROLS	(1ULL << 17)
#define CPU_BASED_CR8_LOAD_EXITING		(1ULL << 19)
#define CPU_BASED_CR8_STORE_EXITING		(1ULL << 20)
#define CPU_BASED_TPR_SHADOW			(1ULL << 21)
#define CPU_BASED_NMI_WINDOW_EXITING		(1ULL << 22)
#define CPU_BASED_MOV_DR_EXITING		(1ULL << 23)
#define CPU_BASED_UNCOND_IO_EXITING		(1ULL << 24)
#define CPU_BASED_USE_IO_BITMAPS		(1ULL << 25)
#define CPU_BASED_MONITOR_TRAP_FLAG		(1ULL << 27)
#define CPU_BASED_USE_MSR_BITMAPS		(1ULL << 28)
#define CPU_BASED_MONITOR_EXITING		(1ULL << 29)
#define CPU_BASED_PAUSE_EXITING			(1ULL << 30)
#define CPU_BASED_ACTIVATE_SECONDARY_CONTROLS	(1ULL << 31)

/* Secondary processor-based VM-execution controls. */
#define SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES	(1ULL << 0)
#define SECONDARY_EXEC_ENABLE_EPT		(1ULL << 1)
#define SECONDARY_EXEC_DESC			(1ULL << 2)
#define SECONDARY_EXEC_ENABLE_RDTSCP		(1ULL << 3)
#define SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE	(1ULL << 4)
#define SECONDARY_EXEC_ENABLE_VPID		(1ULL << 5)
#define SECONDARY_EXEC_WBINVD_EXITING		(1ULL << 6)
#define SECONDARY_EXEC_UNRESTRICTED_GUEST	(1ULL << 7)
#define SECONDARY_EXEC_APIC_REGISTER_VIRT	(1ULL << 8)
#define SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY	(1ULL << 9)
#define SECONDARY_EXEC_PAUSE_LOOP_EXITING	(1ULL << 10)
#define SECONDARY_EXEC_RDRAND_EXITING		(1ULL << 11)
#define SECONDARY_EXEC_ENABLE_INVPCID		(1ULL << 12)
#define SECONDARY_EXEC_ENABLE_VMFUNC		(1ULL << 13)
#define SECONDARY_EXEC_SHADOW_VMCS		(1ULL << 14)
#define SECONDARY_EXEC_ENCLS_EXITING		(1ULL << 15)
#define SECONDARY_EXEC_RDSEED_EXITING		(1ULL << 16)
#define SECONDARY_EXEC_ENABLE_PML		(1ULL << 17)
#define SECONDARY_EXEC_EPT_VIOLATION_VE		(1ULL << 18)
#define SECONDARY_EXEC_PT_CONCEAL_VMX		(1ULL << 19)
#define SECONDARY_EXEC_ENABLE_XSAVES		(1ULL << 20)
#define SECONDARY_EXEC_MODE_BASED_EPT_EXEC	(1ULL << 22)
#define SECONDARY_EXEC_SPP			(1ULL << 23)	/* sub-page write permissions */
#define SECONDARY_EXEC_PT_USE_GPA		(1ULL << 24)
#define SECONDARY_EXEC_TSC_SCALING		(1ULL << 25)
#define SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE	(1ULL << 26)
#define SECONDARY_EXEC_PCONFIG			(1ULL << 27)
#define SECONDARY_EXEC_ENCLV_EXITING		(1ULL << 28)
#define SECONDARY_EXEC_BUS_LOCK_DETECTION	(1ULL << 30)
#define SECONDARY_EXEC_NOTIFY_VM_EXITING	(1ULL << 31)	/* instruction timeout */

/* Tertiary processor-based VM-execution controls (64 bits). */
#define TERTIARY_EXEC_LOADIWKEY_EXITING		(1ULL << 0)
#define TERTIARY_EXEC_ENABLE_HLAT		(1ULL << 1)
#define TERTIARY_EXEC_IPI_VIRT			(1ULL << 4)
#define TERTIARY_EXEC_VIRT_SPEC_CTRL		(1ULL << 7)

/* Primary VM-exit controls. */
#define VM_EXIT_SAVE_DEBUG_CONTROLS		(1ULL << 2)
#define VM_EXIT_HOST_ADDR_SPACE_SIZE		(1ULL << 9)
#define VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL	(1ULL << 12)
#define VM_EXIT_ACK_INTR_ON_EXIT		(1ULL << 15)
#define VM_EXIT_SAVE_IA32_PAT			(1ULL << 18)
#define VM_EXIT_LOAD_IA32_PAT			(1ULL << 19)
#define VM_EXIT_SAVE_IA32_EFER			(1ULL << 20)
#define VM_EXIT_LOAD_IA32_EFER			(1ULL << 21)
#define VM_EXIT_SAVE_VMX_PREEMPTION_TIMER	(1ULL << 22)
#define VM_EXIT_CLEAR_BNDCFGS			(1ULL << 23)
#define VM_EXIT_PT_CONCEAL_PIP			(1ULL << 24)
#define VM_EXIT_CLEAR_IA32_RTIT_CTL		(1ULL << 25)
#define VM_EXIT_CLEAR_IA32_LBR_CTL		(1ULL << 26)
#define VM_EXIT_CLEAR_UINV			(1ULL << 27)
#define VM_EXIT_LOAD_CET_STATE			(1ULL << 28)
#define VM_EXIT_LOAD_IA32_PKRS			(1ULL << 29)
#define VM_EXIT_SAVE_IA32_PERF_GLOBAL_CTRL	(1ULL << 30)
#define VM_EXIT_ACTIVATE_SECONDARY_CONTROLS	(1ULL << 31)

/* VM-entry controls. */
#define VM_ENTRY_LOAD_DEBUG_CONTROLS		(1ULL << 2)
#define VM_ENTRY_IA32E_MODE			(1ULL << 9)
#define VM_ENTRY_SMM				(1ULL << 10)
#define VM_ENTRY_DEACT_DUAL_MONITOR		(1ULL << 11)
#define VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL	(1ULL << 13)
#define VM_ENTRY_LOAD_IA32_PAT			(1ULL << 14)
#define VM_ENTRY_LOAD_IA32_EFER			(1ULL << 15)
#define VM_ENTRY_LOAD_BNDCFGS			(1ULL << 16)
#define VM_ENTRY_PT_CONCEAL_PIP			(1ULL << 17)
#define VM_ENTRY_LOAD_IA32_RTIT_CTL		(1ULL << 18)
#define VM_ENTRY_LOAD_UINV			(1ULL << 19)
#define VM_ENTRY_LOAD_CET_STATE			(1ULL << 20)
#define VM_ENTRY_LOAD_IA32_LBR_CTL		(1ULL << 21)
#define VM_ENTRY_LOAD_IA32_PKRS			(1ULL << 22)

/* VM-function controls ("VM-Function Controls"). */
#define VMX_VMFUNC_EPTP_SWITCHING		(1ULL << 0)

/*
 * Interruption information: of the event VM entry injects ("VM-Entry
 * Controls for Event Injection") and of the event a VM exit reports
 * ("Information for VM Exits Due to Vectored Events").
 */
#define INTR_INFO_VECTOR_MASK			0xffULL
#define INTR_INFO_INTR_TYPE_MASK		0x700ULL
#define INTR_INFO_DELIVER_CODE_MASK		(1ULL << 11)
#define INTR_INFO_RESVD_BITS_MASK		0x7ffff000ULL	/* bits 30:12 */
#define INTR_INFO_VALID_MASK			(1ULL << 31)
/* Its interruption types, in place (bits 10:8); type 1 is reserved. */
#define INTR_TYPE_EXT_INTR			(0ULL << 8)
#define INTR_TYPE_RESERVED			(1ULL << 8)
#define INTR_TYPE_NMI_INTR			(2ULL << 8)
#define INTR_TYPE_HARD_EXCEPTION		(3ULL << 8)
#define INTR_TYPE_SOFT_INTR			(4ULL << 8)
#define INTR_TYPE_PRIV_SW_EXCEPTION		(5ULL << 8)
#define INTR_TYPE_SOFT_EXCEPTION		(6ULL << 8)
#define INTR_TYPE_OTHER_EVENT			(7ULL << 8)

/* Interruptibility state; bits 31:5 are reserved. */
#define GUEST_INTR_STATE_STI			(1ULL << 0)
#define GUEST_INTR_STATE_MOV_SS			(1ULL << 1)
#define GUEST_INTR_STATE_SMI			(1ULL << 2)
#define GUEST_INTR_STATE_NMI			(1ULL << 3)
#define GUEST_INTR_STATE_ENCLAVE_INTR		(1ULL << 4)

/* Activity state. */
#define GUEST_ACTIVITY_ACTIVE			0
#define GUEST_ACTIVITY_HLT			1
#define GUEST_ACTIVITY_SHUTDOWN			2
#define GUEST_ACTIVITY_WAIT_SIPI		3

/* Pending debug exceptions: BS, a single step is pending. */
#define PENDING_DBG_BS				(1ULL << 14)

/* Segment access rights ("Format of Access Rights"). */
#define VMX_AR_TYPE_MASK			0xfULL
#define VMX_AR_TYPE_ACCESSES_MASK		(1ULL << 0)
#define VMX_AR_TYPE_READABLE_MASK		(1ULL << 1)
#define VMX_AR_TYPE_CODE_MASK			(1ULL << 3)
#define VMX_AR_S_MASK				(1ULL << 4)	/* code or data, not system */
#define VMX_AR_DPL_SHIFT			5
#define VMX_AR_DPL_MASK				(3ULL << VMX_AR_DPL_SHIFT)
#define VMX_AR_P_MASK				(1ULL << 7)
#define VMX_AR_L_MASK				(1ULL << 13)
#define VMX_AR_DB_MASK				(1ULL << 14)
#define VMX_AR_G_MASK				(1ULL << 15)
#define VMX_AR_UNUSABLE_MASK			(1ULL << 16)
#define VMX_AR_RESERVD_MASK			0xfffe0f00ULL	/* bits 31:17, 11:8 */
/*
 * A virtual-8086 guest's CS, SS, DS, ES, FS and GS: base the selector
 * shifted left 4 bits, limit FFFFH, access rights F3H (present, DPL 3,
 * read/write data, accessed) ("Checks on Guest Segment Registers").
 */
#define VMX_V86_BASE_SHIFT			4
#define VMX_V86_LIMIT				0xffffULL
#define VMX_V86_AR				0xf3ULL

/*
 * An entry of the MSR-load and MSR-store areas ("VM-Exit Controls for
 * MSRs", "VM-Entry Controls for MSRs"): bits 31:0 the MSR, 63:32 reserved,
 * 127:64 the value.
 */
#define VMX_MSR_ENTRY_SIZE			16

/* The VMCS link pointer when there is no shadow VMCS. */
#define VMCS_LINK_POINTER_NONE			(~0ULL)

/*
 * Bit 31 of a VMCS region's first 4 bytes, above the revision identifier:
 * the shadow-VMCS indicator ("Format of the VMCS Region").
 */
#define VMCS_REGION_SHADOW			(1U << 31)

/* IA32_VMX_BASIC ("Basic VMX Information"). */
#define VMX_BASIC_REVISION_MASK			0x7fffffffULL	/* bits 30:0 */
#define VMX_BASIC_VMCS_SIZE_SHIFT		32		/* bits 44:32, bytes */
#define VMX_BASIC_VMCS_SIZE_MASK		0x1fffULL
#define VMX_BASIC_TRUE_CTLS			(1ULL << 55)	/* the IA32_VMX_TRUE_* MSRs exist */
#define VMX_BASIC_NO_HW_ERROR_CODE_CC		(1ULL << 56)	/* any exception may carry a code */

/* IA32_VMX_MISC ("Miscellaneous Data"). */
#define VMX_MISC_PREEMPTION_TIMER_RATE_MASK	0x1fULL		/* bits 4:0: TSC >> X */
#define VMX_MISC_ACTIVITY_HLT			(1ULL << 6)
#define VMX_MISC_ACTIVITY_SHUTDOWN		(1ULL << 7)
#define VMX_MISC_ACTIVITY_WAIT_SIPI		(1ULL << 8)
#define VMX_MISC_CR3_TARGETS_SHIFT		16		/* bits 24:16 */
#define VMX_MISC_CR3_TARGETS_MASK		0x1ffULL
#define VMX_MISC_MSR_LIST_SHIFT			25		/* bits 27:25: 512 x (N + 1) MSRs */
#define VMX_MISC_MSR_LIST_MASK			0x7ULL
#define VMX_MISC_MSR_LIST_MULTIPLIER		512
#define VMX_MISC_VMWRITE_SHADOW_RO_FIELDS	(1ULL << 29)	/* VMWRITE to exit information */
#define VMX_MISC_ZERO_LEN_INS			(1ULL << 30)	/* injection with length 0 */

/* IA32_VMX_EPT_VPID_CAP ("VPID and EPT Capabilities"). */
#define VMX_EPT_PAGE_WALK_4_BIT			(1ULL << 6)
#define VMX_EPT_PAGE_WALK_5_BIT			(1ULL << 7)
#define VMX_EPTP_UC_BIT				(1ULL << 8)
#define VMX_EPTP_WB_BIT				(1ULL << 14)
#define VMX_EPT_INVEPT_BIT			(1ULL << 20)
#define VMX_EPT_AD_BIT				(1ULL << 21)
#define VMX_EPT_EXTENT_CONTEXT_BIT		(1ULL << 25)
#define VMX_EPT_EXTENT_GLOBAL_BIT		(1ULL << 26)
#define VMX_VPID_INVVPID_BIT			(1ULL << 32)
#define VMX_VPID_EXTENT_SHIFT			40		/* bits 43:40: INVVPID types 0-3 */

/* INVEPT and INVVPID types ("INVEPT", "INVVPID" in "VMX Instruction Reference"). */
#define VMX_EPT_EXTENT_CONTEXT			1
#define VMX_EPT_EXTENT_GLOBAL			2
#define VMX_VPID_EXTENT_INDIVIDUAL_ADDR		0
#define VMX_VPID_EXTENT_SINGLE_CONTEXT		1
#define VMX_VPID_EXTENT_ALL_CONTEXT		2
#define VMX_VPID_EXTENT_SINGLE_NON_GLOBAL	3

/* The extended-page-table pointer ("Extended-Page-Table Pointer (EPTP)"). */
#define VMX_EPTP_MT_MASK			0x7ULL
#define VMX_EPTP_MT_UC				0x0ULL
#define VMX_EPTP_MT_WB				0x6ULL
#define VMX_EPTP_PWL_SHIFT			3		/* bits 5:3: walk length - 1 */
#define VMX_EPTP_PWL_MASK			(0x7ULL << VMX_EPTP_PWL_SHIFT)
#define VMX_EPTP_PWL_4				(0x3ULL << VMX_EPTP_PWL_SHIFT)
#define VMX_EPTP_PWL_5				(0x4ULL << VMX_EPTP_PWL_SHIFT)
#define VMX_EPTP_AD_ENABLE_BIT			(1ULL << 6)
#define VMX_EPTP_RESERVED_LOW			0xf80ULL	/* bits 11:7 */

/*
 * A 32-bit control word @val against its capability MSR @cap (Appendix A.3,
 * "VM-Execution Controls", and A.4, A.5): bits 31:0 are the allowed-0
 * settings (a 1 there: the control must be 1), bits 63:32 the allowed-1
 * settings (a 0 there: the control must be 0).
 */
static inline bool vmx_control_allowed(uint64_t cap, uint64_t val)
{
	uint64_t must_be_1 = cap & 0xffffffffULL, may_be_1 = cap >> 32;

	return (val & must_be_1) == must_be_1 && !(val & ~may_be_1);
}

/* Basic exit reasons: bits 15:0 of the exit reason. */
#define EXIT_REASON_EXCEPTION_NMI		0
#define EXIT_REASON_EXTERNAL_INTERRUPT		1
#define EXIT_REASON_TRIPLE_FAULT		2
#define EXIT_REASON_INIT_SIGNAL			3
#define EXIT_REASON_SIPI_SIGNAL			4
#define EXIT_REASON_INTERRUPT_WINDOW		7
#define EXIT_REASON_NMI_WINDOW			8
#define EXIT_REASON_TASK_SWITCH			9
#define EXIT_REASON_CPUID			10
#define EXIT_REASON_HLT				12
#define EXIT_REASON_INVD			13
#define EXIT_REASON_INVLPG			14
#define EXIT_REASON_RDPMC			15
#define EXIT_REASON_RDTSC			16
#define EXIT_REASON_VMCALL			18
#define EXIT_REASON_VMCLEAR			19
#define EXIT_REASON_VMLAUNCH			20
#define EXIT_REASON_VMPTRLD			21
#define EXIT_REASON_VMPTRST			22
#define EXIT_REASON_VMREAD			23
#define EXIT_REASON_VMRESUME			24
#define EXIT_REASON_VMWRITE			25
#define EXIT_REASON_VMOFF			26
#define EXIT_REASON_VMON			27
#define EXIT_REASON_CR_ACCESS			28
#define EXIT_REASON_DR_ACCESS			29
#define EXIT_REASON_IO_INSTRUCTION		30
#define EXIT_REASON_MSR_READ			31
#define EXIT_REASON_MSR_WRITE			32
#define EXIT_REASON_INVALID_STATE		33	/* VM-entry failure: guest state */
#define EXIT_REASON_MSR_LOAD_FAIL		34	/* VM-entry failure: MSR loading */
#define EXIT_REASON_MWAIT_INSTRUCTION		36
#define EXIT_REASON_MONITOR_TRAP_FLAG		37
#define EXIT_REASON_MONITOR_INSTRUCTION		39
#define EXIT_REASON_PAUSE_INSTRUCTION		40
#define EXIT_REASON_MCE_DURING_VMENTRY		41
#define EXIT_REASON_TPR_BELOW_THRESHOLD		43
#define EXIT_REASON_APIC_ACCESS			44
#define EXIT_REASON_EOI_INDUCED			45
#define EXIT_REASON_GDTR_IDTR			46
#define EXIT_REASON_LDTR_TR			47
#define EXIT_REASON_EPT_VIOLATION		48
#define EXIT_REASON_EPT_MISCONFIG		49
#define EXIT_REASON_INVEPT			50
#define EXIT_REASON_RDTSCP			51
#define EXIT_REASON_PREEMPTION_TIMER		52
#define EXIT_REASON_INVVPID			53
#define EXIT_REASON_WBINVD			54
#define EXIT_REASON_XSETBV			55
#define EXIT_REASON_APIC_WRITE			56
#define EXIT_REASON_RDRAND			57
#define EXIT_REASON_INVPCID			58
#define EXIT_REASON_VMFUNC			59
#define EXIT_REASON_ENCLS			60
#define EXIT_REASON_RDSEED			61
#define EXIT_REASON_PML_FULL			62
#define EXIT_REASON_XSAVES			63
#define EXIT_REASON_XRSTORS			64
#define EXIT_REASON_UMWAIT			67
#define EXIT_REASON_TPAUSE			68
#define EXIT_REASON_BUS_LOCK			74
#define EXIT_REASON_NOTIFY			75

/* Exit reason bit 31: the VM entry failed ("Exit Reason"). */
#define VMX_EXIT_REASONS_FAILED_VMENTRY		0x80000000U

/* Exit qualifications of a VM-entry failure due to invalid guest state. */
#define ENTRY_FAIL_DEFAULT			0
#define ENTRY_FAIL_PDPTE			2
#define ENTRY_FAIL_NMI				3
#define ENTRY_FAIL_VMCS_LINK_PTR		4

/* VM-instruction error numbers, in the VM-instruction error field. */
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

#endif /* HVSIM_X86_VMX_H */
