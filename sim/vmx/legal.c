// SPDX-License-Identifier: MIT
/*
 * The legal VMCS (legal.h): what each field holds so that every row of
 * checks.def holds on the model, and the tools-facing wrapper of it
 * (hvsim/tools.h), which carries its model along.
 */
#include "vmx/legal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/model.h"
#include "hvsim/tools.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "vmx/vmcs.h"
#include "vmx/vmentry.h"

/*
 * The control words: each at its allowed-0 settings, plus the controls
 * that make the host and guest 64-bit and load IA32_PAT/IA32_EFER and the
 * debug controls, where the model allows them to be 1.
 */
static void legal_controls(const struct cpu_model *m, struct vmcs *v)
{
	uint64_t exit = model_vmx_ctl_cap(m, MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS);
	uint64_t entry = model_vmx_ctl_cap(m, MSR_IA32_VMX_ENTRY_CTLS,
					   MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	uint64_t want_exit = VM_EXIT_HOST_ADDR_SPACE_SIZE | VM_EXIT_LOAD_IA32_PAT |
			     VM_EXIT_LOAD_IA32_EFER;
	uint64_t want_entry = VM_ENTRY_IA32E_MODE | VM_ENTRY_LOAD_DEBUG_CONTROLS |
			      VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER;

	vmcs_set(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, (uint32_t)model_vmx_ctl_cap(m,
		 MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS));
	vmcs_set(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, (uint32_t)model_vmx_ctl_cap(m,
		 MSR_IA32_VMX_PROCBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS));
	vmcs_set(v, VMCS_VM_EXIT_CONTROLS, (uint32_t)exit | (want_exit & (exit >> 32)));
	vmcs_set(v, VMCS_VM_ENTRY_CONTROLS, (uint32_t)entry | (want_entry & (entry >> 32)));
}

/* A 64-bit host: CR0/CR4 at their fixed-1 bits plus PAE, canonical kernel addresses. */
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
	vmcs_set(v, VMCS_HOST_IA32_PAT, VMX_LEGAL_PAT);
	vmcs_set(v, VMCS_HOST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NX);
	vmcs_set(v, VMCS_HOST_IA32_PERF_GLOBAL_CTRL, 0);
}

/* A 64-bit guest in IA-32e mode: flat code and data, a busy TSS, no LDT, no shadow VMCS. */
static void legal_guest(const struct cpu_model *m, struct vmcs *v)
{
	vmcs_set(v, VMCS_GUEST_CR0, model_cr0_fixed0(m));
	vmcs_set(v, VMCS_GUEST_CR4, model_cr4_fixed0(m) | X86_CR4_PAE);
	vmcs_set(v, VMCS_GUEST_CR3, 0x2000);
	vmcs_set(v, VMCS_GUEST_DR7, 0x400);
	vmcs_set(v, VMCS_GUEST_IA32_PAT, VMX_LEGAL_PAT);
	vmcs_set(v, VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA);
	vmcs_set_seg(v, VMCS_SEG_CS, 0x08, 0, 0xffffffff, VMX_LEGAL_AR_CODE64);
	vmcs_set_seg(v, VMCS_SEG_SS, 0x10, 0, 0xffffffff, VMX_LEGAL_AR_DATA);
	vmcs_set_seg(v, VMCS_SEG_DS, 0x10, 0, 0xffffffff, VMX_LEGAL_AR_DATA);
	vmcs_set_seg(v, VMCS_SEG_ES, 0x10, 0, 0xffffffff, VMX_LEGAL_AR_DATA);
	vmcs_set_seg(v, VMCS_SEG_FS, 0x10, 0, 0xffffffff, VMX_LEGAL_AR_DATA);
	vmcs_set_seg(v, VMCS_SEG_GS, 0x10, 0, 0xffffffff, VMX_LEGAL_AR_DATA);
	vmcs_set_seg(v, VMCS_SEG_TR, 0x18, 0, 0x67, VMX_LEGAL_AR_TSS64_BUSY);
	vmcs_set_seg(v, VMCS_SEG_LDTR, 0, 0, 0, VMX_AR_UNUSABLE_MASK);
	vmcs_set(v, VMCS_GUEST_GDTR_BASE, 0x3000);
	vmcs_set(v, VMCS_GUEST_GDTR_LIMIT, 0x27);
	vmcs_set(v, VMCS_GUEST_IDTR_BASE, 0x4000);
	vmcs_set(v, VMCS_GUEST_IDTR_LIMIT, 0xfff);
	vmcs_set(v, VMCS_GUEST_RIP, 0x100000);
	vmcs_set(v, VMCS_GUEST_RSP, 0x8000);
	vmcs_set(v, VMCS_GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_set(v, VMCS_VMCS_LINK_POINTER, VMCS_LINK_POINTER_NONE);
}

void vmx_legal_fill(const struct cpu_model *m, struct vmcs *v)
{
	legal_controls(m, v);
	legal_host(m, v);
	legal_guest(m, v);
}

struct vmcs *vmx_legal_vmcs(const struct cpu_model *m)
{
	struct vmcs *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	vmcs_init(v, (uint32_t)model_msr_value(m, MSR_IA32_VMX_BASIC, 0),
		  model_msr_value(m, MSR_IA32_VMX_MISC, 0) & VMX_MISC_VMWRITE_SHADOW_RO_FIELDS);
	vmx_legal_fill(m, v);
	return v;
}

/* ---- for tools: the model and its legal VMCS together ---- */

struct vmx_legal {
	struct cpu_model model;		/* the CPU the VMCS enters on */
	struct vmcs *vmcs;		/* legal on it, until the caller sets bits */
};

int vmx_legal_create(const char *cpus_dir, const char *spec, struct vmx_legal **out,
		     char *err, size_t errlen)
{
	struct vmx_legal *l = calloc(1, sizeof(*l));
	int ret;

	*out = NULL;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	ret = model_load(cpus_dir, spec, &l->model, err, errlen);
	if (ret)
		goto out_free;
	l->vmcs = vmx_legal_vmcs(&l->model);
	if (!l->vmcs) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out_free;
	}
	*out = l;
	return 0;
out_free:
	free(l);
	return ret;
}

void vmx_legal_destroy(struct vmx_legal *l)
{
	if (!l)
		return;
	free(l->vmcs);
	free(l);
}

void vmx_legal_set_bits(struct vmx_legal *l, uint32_t field, uint64_t bits)
{
	vmcs_set_bits(l->vmcs, field, bits);
}

unsigned int vmx_legal_writes(const struct vmx_legal *l, uint32_t *fields, uint64_t *values,
			      unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < vmcs_nr_fields; i++) {
		const struct vmcs_field_info *f = &vmcs_field_table[i];
		uint64_t val = f->high || f->read_only ? 0 : vmcs_get(l->vmcs, f->encoding);

		/* A field the model lacks: VMWRITE would fail with error 12. */
		if (!val || !vmcs_field_supported(&l->model, f->encoding))
			continue;
		if (n < max) {
			fields[n] = f->encoding;
			values[n] = val;
		}
		n++;
	}
	return n;
}

const struct vmx_check *vmx_legal_check(const struct vmx_legal *l)
{
	const struct vmx_check *failed;

	vmx_check_entry(&l->model, l->vmcs, NULL, &failed);
	return failed;
}
