// SPDX-License-Identifier: MIT
/*
 * The last step of VM entry: loading MSRs from the VM-entry MSR-load area
 * (Intel SDM 325462-080US, Vol. 3C, "Loading MSRs" under "VM Entries").
 * Each 16-byte entry, in order, is bits 31:0 the MSR, bits 63:32 reserved,
 * bits 127:64 the value, loaded as WRMSR would write it. The rows of the
 * MSR_LOAD group in checks.def are the ways an entry fails; the first
 * failing entry ends VM entry in a VM exit with basic reason 34 and its
 * index (from 1) as the exit qualification. Entries before it stay
 * loaded; guest state is already loaded by then. A VM exit loads the
 * VM-exit MSR-load area by the same rules ("Loading MSRs" under "VM
 * Exits"), where a failure is a VMX abort.
 */
#include "vmx/vmentry.h"

#include <string.h>

#include "vmx/checks.h"


/* IA32_VMX_MISC[27:25] = N: the recommended maximum is 512 x (N + 1) entries. */
bool vmx_chk_msr_load_count(const struct vmx_check_ctx *c)
{
	uint64_t n = (vmx_cap(c, MSR_IA32_VMX_MISC) >> VMX_MISC_MSR_LIST_SHIFT) &
		     VMX_MISC_MSR_LIST_MASK;

	return c->msr.pos <= VMX_MISC_MSR_LIST_MULTIPLIER * (n + 1);
}

bool vmx_chk_msr_load_reserved(const struct vmx_check_ctx *c)
{
	return !c->msr.reserved;
}

bool vmx_chk_msr_load_fs_gs_base(const struct vmx_check_ctx *c)
{
	return c->msr.index != MSR_FS_BASE && c->msr.index != MSR_GS_BASE;
}

bool vmx_chk_msr_load_x2apic(const struct vmx_check_ctx *c)
{
	return c->msr.index < MSR_X2APIC_FIRST || c->msr.index > MSR_X2APIC_LAST;
}

/* The simulated host never runs VMLAUNCH/VMRESUME in SMM. */
bool vmx_chk_msr_load_smm_only(const struct vmx_check_ctx *c)
{
	return c->msr.index != MSR_IA32_SMM_MONITOR_CTL;
}

bool vmx_chk_msr_load_efer(const struct vmx_check_ctx *c)
{
	return c->msr.index != MSR_EFER || vmx_efer_reserved_clear(c->msr.value);
}

/* The CPU's MSR @index as loading found it (entries before this one loaded). */
static uint64_t msr_now(const struct vmx_check_ctx *c, uint32_t index)
{
	const struct model_msr *e = model_msr(c->m, index);

	if (!e)
		return 0;
	return c->msr_val ? c->msr_val[e - c->m->msrs] : e->value;
}

bool vmx_chk_msr_load_efer_lme(const struct vmx_check_ctx *c)
{
	return c->msr.index != MSR_EFER ||
	       !model_efer_lme_faults(c->msr.cr0, msr_now(c, MSR_EFER), c->msr.value);
}

bool vmx_chk_msr_load_pat(const struct vmx_check_ctx *c)
{
	return c->msr.index != MSR_IA32_CR_PAT || vmx_pat_valid(c->msr.value);
}

bool vmx_chk_msr_load_canonical(const struct vmx_check_ctx *c)
{
	switch (c->msr.index) {
	case MSR_LSTAR:
	case MSR_CSTAR:
	case MSR_KERNEL_GS_BASE:
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:
		return vmx_canonical(c, c->msr.value);
	default:
		return true;
	}
}

bool vmx_chk_msr_load_tsc_aux(const struct vmx_check_ctx *c)
{
	return c->msr.index != MSR_TSC_AUX || !(c->msr.value >> 32);
}

bool vmx_chk_msr_load_wrmsr(const struct vmx_check_ctx *c)
{
	return model_msr_write_slot(c->m, c->msr_val, c->msr.cr0, c->msr.index, c->msr.value) >= 0;
}

/* Entry @pos (from 1) of the area at @addr; unbacked memory reads as zeros. */
static void read_entry(struct vmx_check_ctx *c, uint64_t addr, unsigned int pos)
{
	uint8_t raw[VMX_MSR_ENTRY_SIZE];
	uint32_t lo, hi;

	vmx_read_phys(c, addr + (uint64_t)(pos - 1) * VMX_MSR_ENTRY_SIZE, raw, sizeof(raw));
	memcpy(&lo, raw, sizeof(lo));
	memcpy(&hi, raw + 4, sizeof(hi));
	c->msr.pos = pos;
	c->msr.index = lo;
	c->msr.reserved = hi;
	memcpy(&c->msr.value, raw + 8, sizeof(c->msr.value));
}

int vmx_load_msr_area(const struct cpu_model *m, const struct vmcs *v,
		      const struct vmx_phys_reader *mem, uint64_t *msr_val, uint64_t cr0,
		      uint64_t count, uint64_t addr, const struct vmx_check **failed,
		      uint64_t *qual)
{
	const struct vmx_check *rows;
	struct vmx_check_ctx c;
	unsigned int n;

	*failed = NULL;
	*qual = 0;
	if (!count)
		return 0;
	vmx_check_ctx_init(&c, m, v, mem, msr_val);
	c.msr.cr0 = cr0;
	rows = vmx_checks_of(VMX_CHECK_MSR_LOAD, &n);
	for (uint64_t pos = 1; pos <= count; pos++) {
		read_entry(&c, addr, (unsigned int)pos);
		for (unsigned int i = 0; i < n; i++) {
			if (!rows[i].holds(&c)) {
				*failed = &rows[i];
				*qual = pos;
				return rows[i].error;
			}
		}
		/* The rows include WRMSR's own: this write cannot fault. */
		(void)model_msr_write(m, msr_val, cr0, c.msr.index, c.msr.value);
	}
	return 0;
}

int vmx_load_msrs(const struct cpu_model *m, const struct vmcs *v,
		  const struct vmx_phys_reader *mem, uint64_t *msr_val,
		  const struct vmx_check **failed, uint64_t *qual)
{
	return vmx_load_msr_area(m, v, mem, msr_val, vmcs_get(v, VMCS_GUEST_CR0),
				 vmcs_get(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT),
				 vmcs_get(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR), failed, qual);
}
