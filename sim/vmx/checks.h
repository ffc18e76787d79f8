/* SPDX-License-Identifier: MIT */
/*
 * Private to sim/vmx: what a row of the VM-entry check table sees (one
 * context for every group), the SDM section titles the rows cite, and the
 * row functions, declared from the table itself (checks.def).
 */
#ifndef HVSIM_VMX_CHECKS_H
#define HVSIM_VMX_CHECKS_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu/model.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "vmx/vmcs.h"
#include "vmx/vmentry.h"

/* Section titles of Intel SDM 325462-080US, Vol. 3C, "VM Entries". */
#define SEC_EXEC	"Checks on VMX Controls: VM-Execution Control Fields"
#define SEC_EXIT	"Checks on VMX Controls: VM-Exit Control Fields"
#define SEC_ENTRY	"Checks on VMX Controls: VM-Entry Control Fields"
#define SEC_HOST_CR	"Checks on Host Control Registers, MSRs, and SSP"
#define SEC_HOST_SEG	"Checks on Host Segment and Descriptor-Table Registers"
#define SEC_HOST_ASS	"Checks Related to Address-Space Size"
#define SEC_GUEST_CR	"Checks on Guest Control Registers, Debug Registers, and MSRs"
#define SEC_GUEST_SEG	"Checks on Guest Segment Registers"
#define SEC_GUEST_DT	"Checks on Guest Descriptor-Table Registers"
#define SEC_GUEST_RIP	"Checks on Guest RIP, RFLAGS, and SSP"
#define SEC_GUEST_NR	"Checks on Guest Non-Register State"
#define SEC_GUEST_PDPTE	"Checks on Guest Page-Directory-Pointer-Table Entries"
#define SEC_MSR_LOAD	"Loading MSRs"

/* What every row needs, computed once per VM entry (vmx_check_ctx_init). */
struct vmx_check_ctx {
	const struct cpu_model *m;
	const struct vmcs *v;
	const struct vmx_phys_reader *mem;	/* NULL: memory reads as zeros */
	const uint64_t *msr_val;		/* the CPU's MSRs by model slot; NULL: reset values */
	unsigned int maxphyaddr;		/* physical-address width */
	unsigned int linaddr;			/* linear-address width: canonical form */
	/* The model's VMX fixed bits ("VMX-Fixed Bits in CR0", "... CR4"). */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t pin, proc, exit, entry;	/* the 32-bit control words */
	/*
	 * Controls the SDM treats as 0 when not activated: secondary unless
	 * primary bit 31, tertiary unless primary bit 17, secondary exit
	 * controls unless exit bit 31.
	 */
	uint64_t proc2, proc3, exit2;
	bool ia32e;				/* "IA-32e mode guest" entry control */
	bool unrestricted;			/* "unrestricted guest", when activated */
	bool v8086;				/* guest RFLAGS.VM */
	/* MSR-loading rows: the entry being loaded ("VM-Entry Controls for MSRs"). */
	struct {
		uint64_t cr0;			/* CR0 as loaded: the guest's on entry, the host's on exit */
		unsigned int pos;		/* its index in the area, from 1 */
		uint32_t index;			/* bits 31:0: the MSR */
		uint32_t reserved;		/* bits 63:32 */
		uint64_t value;			/* bits 127:64 */
	} msr;
};

void vmx_check_ctx_init(struct vmx_check_ctx *c, const struct cpu_model *m,
			const struct vmcs *v, const struct vmx_phys_reader *mem,
			const uint64_t *msr_val);

static inline __attribute__((always_inline)) uint64_t vmx_fld(const struct vmx_check_ctx *c,
							 uint32_t encoding)
{
	return vmcs_get(c->v, encoding);
}

/* The VM-entry interruption information, or 0 when nothing is injected (valid bit clear). */
static inline uint64_t vmx_injected(const struct vmx_check_ctx *c)
{
	uint64_t info = vmx_fld(c, VMCS_VM_ENTRY_INTR_INFO_FIELD);

	return (info & INTR_INFO_VALID_MASK) ? info : 0;
}

/* @len bytes of physical memory at @pa as VM entry reads them; unbacked memory reads as zeros. */
static inline void vmx_read_phys(const struct vmx_check_ctx *c, uint64_t pa, void *buf, size_t len)
{
	memset(buf, 0, len);
	if (c->mem && c->mem->read && !c->mem->read(c->mem->opaque, pa, buf, len))
		memset(buf, 0, len);
}

/* A capability MSR of the model; 0 when the model lacks it. */
static inline uint64_t vmx_cap(const struct vmx_check_ctx *c, uint32_t index)
{
	return model_msr_value(c->m, index, 0);
}

static inline bool vmx_beyond_pa(const struct vmx_check_ctx *c, uint64_t addr)
{
	return addr >> c->maxphyaddr;
}

/* Bits 63:N-1 all equal, N the linear-address width ("Canonical Addressing"). */
static inline bool vmx_canonical(const struct vmx_check_ctx *c, uint64_t addr)
{
	return canonical_in(c->linaddr, addr);
}

/* Every PAT entry UC(0), WC(1), WT(4), WP(5), WB(6) or UC-(7) ("PAT"). */
static inline bool vmx_pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint64_t type = (pat >> (i * 8)) & 0xff;

		if (type == 2 || type == 3 || type > 7)
			return false;
	}
	return true;
}

/* Only SCE, LME, LMA and NXE exist in IA32_EFER here. */
static inline bool vmx_efer_reserved_clear(uint64_t efer)
{
	return !(efer & ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NX));
}

/* The row functions, one per row of the table. */
#define VMX_CHECK(group, id, section, qual, fn, desc)	\
	bool vmx_chk_##fn(const struct vmx_check_ctx *c);
#include "checks.def"
#undef VMX_CHECK

#endif /* HVSIM_VMX_CHECKS_H */
