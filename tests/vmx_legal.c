// SPDX-License-Identifier: MIT
#include "vmx_legal.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef HVSIM_CPUS_DIR
#error "HVSIM_CPUS_DIR must name the source tree's cpus/ directory"
#endif

/*
 * The builder serves the benchmarks too, so it does not use Criterion: a
 * failure here is the caller's setup gone wrong, and aborts (a test sees a
 * crash with this message).
 */
static void need(bool ok, const char *what, const char *detail)
{
	if (ok)
		return;
	fprintf(stderr, "vmx_legal: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

struct cpu_model *vt_load(const char *spec)
{
	struct cpu_model *m = calloc(1, sizeof(*m));
	char err[256] = "";

	need(m, "out of memory", NULL);
	need(model_load(HVSIM_CPUS_DIR, spec, m, err, sizeof(err)) == 0, spec, err);
	return m;
}

uint64_t vt_msr(const struct cpu_model *m, uint32_t index)
{
	const struct model_msr *e = model_msr(m, index);

	return e ? e->value : 0;
}

void vt_set_msr(struct cpu_model *m, uint32_t index, uint64_t value)
{
	for (unsigned int i = 0; i < m->nmsrs; i++) {
		if (m->msrs[i].index == index) {
			m->msrs[i].value = value;
			return;
		}
	}
	need(m->nmsrs < MODEL_MAX_MSRS, "no room for another MSR", NULL);
	m->msrs[m->nmsrs++] = (struct model_msr){ .index = index, .value = value };
}

uint64_t vt_ctl_msr(const struct cpu_model *m, uint32_t plain, uint32_t true_msr)
{
	return (vt_msr(m, MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS) ? vt_msr(m, true_msr) : vt_msr(m, plain);
}

/* ---- the legal state ---- */

void vt_set_bits(struct vmcs *v, uint32_t field, uint64_t bits)
{
	vmcs_set(v, field, vmcs_get(v, field) | bits);
}

void vt_clear_bits(struct vmcs *v, uint32_t field, uint64_t bits)
{
	vmcs_set(v, field, vmcs_get(v, field) & ~bits);
}

void vt_set_seg(struct vmcs *v, int s, uint64_t sel, uint64_t base, uint64_t limit,
		    uint64_t ar)
{
	vmcs_set(v, vt_sel_f(s), sel);
	vmcs_set(v, vt_base_f(s), base);
	vmcs_set(v, vt_limit_f(s), limit);
	vmcs_set(v, vt_ar_f(s), ar);
}

/* The controls: allowed-0 bits, 64-bit host and guest, loads the model allows. */
static void legal_controls(const struct cpu_model *m, struct vmcs *v)
{
	uint64_t exit = vt_ctl_msr(m, MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS);
	uint64_t entry = vt_ctl_msr(m, MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	uint64_t want_exit = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_PAT | VM_EXIT_LOAD_IA32_EFER;
	uint64_t want_entry = VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_DEBUG_CONTROLS | VM_ENTRY_LOAD_IA32_PAT |
			      VM_ENTRY_LOAD_IA32_EFER;

	vmcs_set(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, (uint32_t)vt_ctl_msr(m,
		 MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS));
	vmcs_set(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, (uint32_t)vt_ctl_msr(m,
		 MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS));
	vmcs_set(v, VMCS_VM_EXIT_CONTROLS, (uint32_t)exit | (want_exit & (exit >> 32)));
	vmcs_set(v, VMCS_VM_ENTRY_CONTROLS, (uint32_t)entry | (want_entry & (entry >> 32)));
}

static void legal_host(const struct cpu_model *m, struct vmcs *v)
{
	vmcs_set(v, VMCS_HOST_CR0, model_cr0_fixed0(m));
	vmcs_set(v, VMCS_HOST_CR4, model_cr4_fixed0(m) | X86_CR4_PAE);
	vmcs_set(v, VMCS_HOST_CR3, 0x1000);
	vmcs_set(v, VMCS_HOST_CS_SELECTOR, 0x10);
	vmcs_set(v, VMCS_HOST_SS_SELECTOR, 0x18);
	vmcs_set(v, VMCS_HOST_TR_SELECTOR, 0x40);
	vmcs_set(v, VMCS_HOST_TR_BASE, 0xfffffe0000001000ULL);
	vmcs_set(v, VMCS_HOST_GDTR_BASE, 0xfffffe0000000000ULL);
	vmcs_set(v, VMCS_HOST_IDTR_BASE, 0xfffffe0000002000ULL);
	vmcs_set(v, VMCS_HOST_GS_BASE, 0xffff888000000000ULL);
	vmcs_set(v, VMCS_HOST_IA32_SYSENTER_ESP, 0xfffffe0000003000ULL);
	vmcs_set(v, VMCS_HOST_IA32_SYSENTER_EIP, 0xffffffff81001000ULL);
	vmcs_set(v, VMCS_HOST_RSP, 0xffffc90000004000ULL);
	vmcs_set(v, VMCS_HOST_RIP, 0xffffffff81000000ULL);
	vmcs_set(v, VMCS_HOST_IA32_PAT, PAT_LEGAL);
	vmcs_set(v, VMCS_HOST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NX);
	vmcs_set(v, VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0);
}

static void legal_guest(const struct cpu_model *m, struct vmcs *v)
{
	vmcs_set(v, VMCS_GUEST_CR0, model_cr0_fixed0(m));
	vmcs_set(v, VMCS_GUEST_CR4, model_cr4_fixed0(m) | X86_CR4_PAE);
	vmcs_set(v, VMCS_GUEST_CR3, 0x2000);
	vmcs_set(v, VMCS_GUEST_DR7, 0x400);
	vmcs_set(v, VMCS_GUEST_IA32_PAT, PAT_LEGAL);
	vmcs_set(v, VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA);
	vt_set_seg(v, SEG_CS, 0x08, 0, 0xffffffff, AR_CODE64);
	vt_set_seg(v, SEG_SS, 0x10, 0, 0xffffffff, AR_DATA);
	vt_set_seg(v, SEG_DS, 0x10, 0, 0xffffffff, AR_DATA);
	vt_set_seg(v, SEG_ES, 0x10, 0, 0xffffffff, AR_DATA);
	vt_set_seg(v, SEG_FS, 0x10, 0, 0xffffffff, AR_DATA);
	vt_set_seg(v, SEG_GS, 0x10, 0, 0xffffffff, AR_DATA);
	vt_set_seg(v, SEG_TR, 0x18, 0, 0x67, AR_TSS64_BUSY);
	vt_set_seg(v, SEG_LDTR, 0, 0, 0, VMX_AR_UNUSABLE_MASK);
	vmcs_set(v, VMCS_GUEST_GDTR_BASE, 0x3000);
	vmcs_set(v, VMCS_GUEST_GDTR_LIMIT, 0x27);
	vmcs_set(v, VMCS_GUEST_IDTR_BASE, 0x4000);
	vmcs_set(v, VMCS_GUEST_IDTR_LIMIT, 0xfff);
	vmcs_set(v, VMCS_GUEST_RIP, 0x100000);
	vmcs_set(v, VMCS_GUEST_RSP, 0x8000);
	vmcs_set(v, VMCS_GUEST_RFLAGS, 0x2);
	vmcs_set(v, VMCS_VMCS_LINK_POINTER, ~0ULL);
}

void vt_legal_fill(const struct cpu_model *m, struct vmcs *v)
{
	legal_controls(m, v);
	legal_host(m, v);
	legal_guest(m, v);
}

struct vmcs *vt_legal_vmcs(const struct cpu_model *m)
{
	struct vmcs *v = calloc(1, sizeof(*v));

	need(v, "out of memory", NULL);
	vmcs_init(v, (uint32_t)vt_msr(m, MSR_IA32_VMX_BASIC),
		  vt_msr(m, MSR_IA32_VMX_MISC) & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS);
	vt_legal_fill(m, v);
	return v;
}

