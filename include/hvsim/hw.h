/* SPDX-License-Identifier: MIT */
/*
 * The hardware API that hv/ sees, as KVM's vmx/ops.h wraps instructions:
 * CPUID, RDMSR/WRMSR and the control registers of the CPU the caller runs
 * on, each behaving as the SDM says for that CPU's model, faults included.
 * The architectural constants (MSR indices, CR4 bits, VMCS encodings, exit
 * reasons) are in hvsim/x86/.
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

/*
 * The local APIC's xAPIC page at IA32_APIC_BASE, as Linux's
 * native_apic_mem_read()/native_apic_mem_write(): an uncached 32-bit load
 * or store of register @reg (an offset, 16-byte aligned). In x2APIC mode
 * or with the APIC globally disabled the page is not decoded: reads give
 * 0 and writes are dropped, without a fault.
 */
uint32_t native_apic_mem_read(uint32_t reg);
void native_apic_mem_write(uint32_t reg, uint32_t val);

/* RDTSC: the CPU's cycle clock (the TSC counts at the simulated core clock). */
uint64_t rdtsc(void);

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

/*
 * A write of the calling CPU's interrupt command register, in the mode its
 * local APIC is in, as Linux's apic->write_icr(): in xAPIC mode ICR2 then
 * ICR through the APIC page, in x2APIC mode one WRMSR to 830H. @low is ICR
 * bits 31:0 (vector, delivery mode: fixed, NMI, INIT, start-up...;
 * destination mode, level, trigger mode, shorthand: APIC_* in
 * hvsim/x86/apicdef.h), @dest the destination: an xAPIC ID (8 bits) or an
 * x2APIC ID. One step; what it sends travels as any IPI (SDM Vol. 3A,
 * "Interrupt Command Register"). Where the WRMSR would #GP (reserved bits
 * in x2APIC mode) it is the unchecked-MSR warning and nothing is sent.
 */
void apic_icr_write(uint32_t low, uint32_t dest);

/*
 * VMX instructions, as KVM's vmx_ops.h wraps them. Outcomes as the SDM's
 * conventions name them: VMsucceed, VMfailInvalid (CF=1, no current
 * VMCS), VMfailValid (ZF=1, the number is in the current VMCS's
 * VM-instruction error field, 0x4400). #UD and #GP in the plain forms are
 * an oops (the run ends); the _safe form of VMXON returns -EFAULT, as
 * KVM's exception fixup does.
 */
#define VMX_SUCCEED		0
#define VMX_FAIL_INVALID	1
#define VMX_FAIL_VALID		2

int vmxon(uint64_t pa);
int vmxon_safe(uint64_t pa);
int vmxoff(void);
int vmclear(uint64_t pa);
int vmptrld(uint64_t pa);
/* The current VMCS's physical address, or ~0 (VMPTRST). */
uint64_t vmptrst(void);
int vmread(unsigned long field, unsigned long *val);
int vmwrite(unsigned long field, unsigned long val);
/*
 * VMLAUNCH/VMRESUME: the SDM's entry checks, then the guest runs until a
 * VM exit, whose reason and qualification are in the VMCS; VMX_SUCCEED
 * after the exit, VMX_FAIL_* when entry failed (a failed guest-state check
 * is a VM exit with reason 33 | 0x80000000, and VMX_SUCCEED).
 */
int vmlaunch(void);
int vmresume(void);

/*
 * INVEPT and INVVPID (SDM Vol. 3C, "VMX Instruction Reference"): #UD
 * outside VMX operation or on a CPU without the instruction (an oops);
 * VMfail with error 28 for a type the CPU does not support, an invalid
 * EPTP (single-context INVEPT), VPID 0 (but all-context INVVPID) or a
 * non-canonical address (individual-address INVVPID). hvsim keeps no TLB:
 * a successful invalidation has nothing to drop. Types: VMX_EPT_EXTENT_*
 * and VMX_VPID_EXTENT_* in hvsim/x86/vmx.h.
 */
int invept(unsigned long type, uint64_t eptp);
int invvpid(unsigned long type, uint16_t vpid, uint64_t gva);

#endif /* HVSIM_HW_H */
