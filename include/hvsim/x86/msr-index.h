/* SPDX-License-Identifier: MIT */
/*
 * MSR indices and the bits of the MSRs hvsim gives meaning to, under the
 * names Linux gives them.
 *
 * Intel SDM, Order Number 325462-080US (June 2023): indices from Vol. 4,
 * "Architectural MSRs"; IA32_FEATURE_CONTROL from Vol. 3C, "Enabling and
 * Entering VMX Operation"; IA32_DEBUGCTL from Vol. 3B, "IA32_DEBUGCTL MSR";
 * the VMX capability MSRs from Vol. 3D, Appendix A "VMX Capability
 * Reporting Facility" (their bits: hvsim/x86/vmx.h).
 */
#ifndef HVSIM_X86_MSR_INDEX_H
#define HVSIM_X86_MSR_INDEX_H

#define MSR_IA32_FEATURE_CONTROL	0x0000003a
#define FEAT_CTL_LOCKED				(1ULL << 0)
#define FEAT_CTL_VMX_ENABLED_INSIDE_SMX		(1ULL << 1)
#define FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX	(1ULL << 2)

#define MSR_IA32_SMM_MONITOR_CTL	0x0000009b
#define MSR_IA32_SMBASE			0x0000009e
#define MSR_IA32_SYSENTER_CS		0x00000174
#define MSR_IA32_SYSENTER_ESP		0x00000175
#define MSR_IA32_SYSENTER_EIP		0x00000176
#define MSR_IA32_CR_PAT			0x00000277

#define MSR_IA32_DEBUGCTLMSR		0x000001d9
#define DEBUGCTLMSR_LBR			(1ULL << 0)
#define DEBUGCTLMSR_BTF			(1ULL << 1)
#define DEBUGCTLMSR_BUS_LOCK_DETECT	(1ULL << 2)
#define DEBUGCTLMSR_TR			(1ULL << 6)
#define DEBUGCTLMSR_BTS			(1ULL << 7)
#define DEBUGCTLMSR_BTINT		(1ULL << 8)
#define DEBUGCTLMSR_BTS_OFF_OS		(1ULL << 9)
#define DEBUGCTLMSR_BTS_OFF_USR		(1ULL << 10)
#define DEBUGCTLMSR_FREEZE_LBRS_ON_PMI	(1ULL << 11)
#define DEBUGCTLMSR_FREEZE_PERFMON_ON_PMI (1ULL << 12)
#define DEBUGCTLMSR_ENABLE_UNCORE_PMI	(1ULL << 13)
#define DEBUGCTLMSR_FREEZE_IN_SMM	(1ULL << 14)
#define DEBUGCTLMSR_RTM_DEBUG		(1ULL << 15)

/*
 * IA32_LBR_CTL, the architectural LBRs' control (Vol. 3B, "Architectural
 * Last Branch Records"); bits 15:4 and 63:23 are reserved, the others
 * exist as CPUID leaf 1CH EBX enumerates them.
 */
#define MSR_ARCH_LBR_CTL		0x000014ce
#define ARCH_LBR_CTL_LBREN		(1ULL << 0)
#define ARCH_LBR_CTL_CPL		(3ULL << 1)	/* OS, USR: with 1CH.EBX[0] */
#define ARCH_LBR_CTL_STACK		(1ULL << 3)	/* call-stack mode: 1CH.EBX[2] */
#define ARCH_LBR_CTL_FILTER		(0x7fULL << 16)	/* branch types: 1CH.EBX[1] */

/* IA32_PERF_CAPABILITIES (exists where CPUID.01H:ECX[15] PDCM is 1). */
#define MSR_IA32_PERF_CAPABILITIES	0x00000345
#define PERF_CAP_FREEZE_WHILE_SMM	(1ULL << 12)

/* The VMX capability MSRs, 480H to 493H. */
#define MSR_IA32_VMX_BASIC		0x00000480
#define MSR_IA32_VMX_PINBASED_CTLS	0x00000481
#define MSR_IA32_VMX_PROCBASED_CTLS	0x00000482
#define MSR_IA32_VMX_EXIT_CTLS		0x00000483
#define MSR_IA32_VMX_ENTRY_CTLS		0x00000484
#define MSR_IA32_VMX_MISC		0x00000485
#define MSR_IA32_VMX_CR0_FIXED0		0x00000486
#define MSR_IA32_VMX_CR0_FIXED1		0x00000487
#define MSR_IA32_VMX_CR4_FIXED0		0x00000488
#define MSR_IA32_VMX_CR4_FIXED1		0x00000489
#define MSR_IA32_VMX_VMCS_ENUM		0x0000048a
#define MSR_IA32_VMX_PROCBASED_CTLS2	0x0000048b
#define MSR_IA32_VMX_EPT_VPID_CAP	0x0000048c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS	0x0000048d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x0000048e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS	0x0000048f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS	0x00000490
#define MSR_IA32_VMX_VMFUNC		0x00000491
#define MSR_IA32_VMX_PROCBASED_CTLS3	0x00000492
#define MSR_IA32_VMX_EXIT_CTLS2		0x00000493

/* The x2APIC registers, 800H to 8FFH ("x2APIC Register Address Space", Vol. 3A). */
#define MSR_X2APIC_FIRST		0x00000800
#define MSR_X2APIC_LAST			0x000008ff

/* The 64-bit mode MSRs. */
#define MSR_EFER			0xc0000080	/* bits: hvsim/x86/processor-flags.h */
#define MSR_STAR			0xc0000081
#define MSR_LSTAR			0xc0000082
#define MSR_CSTAR			0xc0000083
#define MSR_SYSCALL_MASK		0xc0000084
#define MSR_FS_BASE			0xc0000100
#define MSR_GS_BASE			0xc0000101
#define MSR_KERNEL_GS_BASE		0xc0000102
#define MSR_TSC_AUX			0xc0000103

#endif /* HVSIM_X86_MSR_INDEX_H */
