/* SPDX-License-Identifier: MIT */
/*
 * The hardware API that hv/ sees, as KVM's vmx/ops.h wraps instructions:
 * CPUID, RDMSR/WRMSR and the control registers of the CPU the caller runs
 * on, each behaving as the SDM says for that CPU's model, faults included.
 *
 * Two forms, as the kernel has: the plain form, whose fault in host
 * context is an oops (the run ends with a report), and the _safe form,
 * which returns an error instead (the kernel's exception-table fixup).
 */
#ifndef HVSIM_HW_H
#define HVSIM_HW_H

#include <stdint.h>

/* CPUID leaf @leaf, subleaf @subleaf (ECX), of the calling CPU. */
void cpuid_count(uint32_t leaf, uint32_t subleaf, uint32_t *eax, uint32_t *ebx,
		 uint32_t *ecx, uint32_t *edx);

static inline void cpuid(uint32_t leaf, uint32_t *eax, uint32_t *ebx, uint32_t *ecx,
			 uint32_t *edx)
{
	cpuid_count(leaf, 0, eax, ebx, ecx, edx);
}

static inline uint32_t cpuid_ecx(uint32_t leaf)
{
	uint32_t a, b, c, d;

	cpuid_count(leaf, 0, &a, &b, &c, &d);
	return c;
}

/* RDMSR/WRMSR: #GP for an MSR the model lacks, or a write to a reserved or locked bit. */
uint64_t native_read_msr(uint32_t msr);
void native_write_msr(uint32_t msr, uint64_t val);
/* 0, or -EIO (-5) where the instruction would #GP. */
int rdmsrl_safe(uint32_t msr, uint64_t *val);
int wrmsrl_safe(uint32_t msr, uint64_t val);
#define rdmsrl(msr, val)	((val) = native_read_msr(msr))
#define wrmsrl(msr, val)	native_write_msr((msr), (val))

/* MOV from/to CR0 and CR4: #GP for a reserved bit or a fixed bit changed. */
unsigned long read_cr0(void);
unsigned long read_cr4(void);
void write_cr0(unsigned long val);
void write_cr4(unsigned long val);
/* 0, or -EIO (-5) where MOV to CR4 would #GP. */
int write_cr4_safe(unsigned long val);
void cr4_set_bits(unsigned long mask);
void cr4_clear_bits(unsigned long mask);

#define X86_CR4_VMXE		(1UL << 13)
#define X86_CR4_SMXE		(1UL << 14)
#define X86_CR0_PE		(1UL << 0)
#define X86_CR0_NE		(1UL << 5)
#define X86_CR0_PG		(1UL << 31)

#define MSR_IA32_FEATURE_CONTROL	0x3a
#define FEAT_CTL_LOCKED			(1ULL << 0)
#define FEAT_CTL_VMX_ENABLED_INSIDE_SMX	(1ULL << 1)
#define FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX (1ULL << 2)

#endif /* HVSIM_HW_H */
