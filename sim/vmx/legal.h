/* SPDX-License-Identifier: MIT */
/*
 * A VMCS that passes every VM-entry check on a given CPU model: a 64-bit
 * host, a 64-bit IA-32e guest with flat segments, each control word at its
 * allowed-0 settings plus the 64-bit and MSR-load controls the model
 * allows. The VMX tests break one rule of it at a time; bench times the
 * checks and VM entries on it (through hvsim/tools.h).
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C, "Checks on
 * VMX Controls and Host-State Area" and "Checking and Loading Guest State".
 */
#ifndef HVSIM_VMX_LEGAL_H
#define HVSIM_VMX_LEGAL_H

#include "hvsim/x86/vmx.h"

struct cpu_model;
struct vmcs;

/* The legal guest's segment access rights ("Format of Access Rights"). */
#define VMX_LEGAL_AR_CODE64	(0xbULL | VMX_AR_S_MASK | VMX_AR_P_MASK | VMX_AR_L_MASK | \
				 VMX_AR_G_MASK)		/* execute/read, accessed; 64-bit */
#define VMX_LEGAL_AR_DATA	(0x3ULL | VMX_AR_S_MASK | VMX_AR_P_MASK | VMX_AR_DB_MASK | \
				 VMX_AR_G_MASK)		/* read/write, accessed; 32-bit */
#define VMX_LEGAL_AR_TSS64_BUSY	(0xbULL | VMX_AR_P_MASK)	/* busy 64-bit TSS */
#define VMX_LEGAL_AR_LDT	(0x2ULL | VMX_AR_P_MASK)	/* an LDT */
/* IA32_PAT as firmware leaves it: WB, WT, UC-, UC twice; every entry legal ("PAT"). */
#define VMX_LEGAL_PAT		0x0007040600070406ULL

/* Write the legal VMCS's fields for a CPU of model @m into @v. */
void vmx_legal_fill(const struct cpu_model *m, struct vmcs *v);
/*
 * A cleared VMCS with @m's revision identifier and VMWRITE rule, filled:
 * malloc'd (the caller frees it), NULL when out of memory.
 */
struct vmcs *vmx_legal_vmcs(const struct cpu_model *m);

#endif /* HVSIM_VMX_LEGAL_H */
