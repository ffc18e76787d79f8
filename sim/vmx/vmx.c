// SPDX-License-Identifier: MIT
/*
 * VMX operation on a simulated CPU, as the SDM's instruction reference
 * (Vol. 3C, "VMX Instruction Reference") specifies it, on the CPU's own
 * model: VMXON's #UD/#GP/VMfail rules, the VMCS instructions' errors, and
 * VMLAUNCH/VMRESUME with the entry checks (sim/vmx/vmentry.c), the guest
 * (sim/vmx/guest.c) and the VM exit: its state saved and the host's loaded.
 *
 * VMCS regions live in the simulated physical memory (the arena); their
 * contents are kept in the machine's vmx_store by physical address, as a
 * processor caches them. The region's first 32 bits (the revision
 * identifier software writes) are read from memory.
 */
#include "hvsim/hw.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/trace.h"
#include "hvsim/tools.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "cpu/hw.h"
#include "mem/phys.h"
#include "vmx/vmentry.h"
#include "vmx/vmx.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/* SDM Vol. 3D, Appendix C "VMX Basic Exit Reasons", the ones hvsim produces or KVM names often. */
const char *vmx_exit_reason_name(uint32_t basic)
{
	static const char *const names[] = {
		[EXIT_REASON_EXCEPTION_NMI] = "exception or NMI",
		[EXIT_REASON_EXTERNAL_INTERRUPT] = "external interrupt",
		[EXIT_REASON_TRIPLE_FAULT] = "triple fault",
		[EXIT_REASON_INIT_SIGNAL] = "INIT signal",
		[EXIT_REASON_SIPI_SIGNAL] = "start-up IPI (SIPI)",
		[EXIT_REASON_INTERRUPT_WINDOW] = "interrupt window",
		[EXIT_REASON_NMI_WINDOW] = "NMI window",
		[EXIT_REASON_CPUID] = "CPUID",
		[EXIT_REASON_HLT] = "HLT",
		[EXIT_REASON_VMCALL] = "VMCALL",
		[EXIT_REASON_CR_ACCESS] = "control-register access",
		[EXIT_REASON_IO_INSTRUCTION] = "I/O instruction",
		[EXIT_REASON_MSR_READ] = "RDMSR",
		[EXIT_REASON_MSR_WRITE] = "WRMSR",
		[EXIT_REASON_INVALID_STATE] = "VM-entry failure: invalid guest state",
		[EXIT_REASON_MSR_LOAD_FAIL] = "VM-entry failure: MSR loading",
		[EXIT_REASON_APIC_ACCESS] = "APIC access",
		[EXIT_REASON_EOI_INDUCED] = "virtualized EOI",
		[EXIT_REASON_EPT_VIOLATION] = "EPT violation",
		[EXIT_REASON_EPT_MISCONFIG] = "EPT misconfiguration",
		[EXIT_REASON_PREEMPTION_TIMER] = "VMX-preemption timer expired",
		[EXIT_REASON_APIC_WRITE] = "APIC write",
	};

	basic &= 0xffff;
	return basic < sizeof(names) / sizeof(names[0]) ? names[basic] : NULL;
}

void vmx_reset(struct machine *m)
{
	if (hw_of(m)->vmx)
		for (unsigned int i = 0; i < VMX_MAX_VMCS; i++)
			hw_of(m)->vmx->slot[i].used = false;
	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct cpu_vmx *x = &hw_cpu(m, i)->vmx;

		x->root = false;
		x->in_guest = false;
		x->halt_wait = false;
		x->vmxon_pa = 0;
		x->cur_vmcs = -1;
		x->next_exit = 0;
		x->nevents = 0;
	}
}

/* The instruction's step: on @obj alone when it is not NULL (machine_step_obj()). */
static struct hw_cpu *vmx_insn_on(const void *obj, size_t size, enum model_cost cost,
				  uintptr_t pc, struct machine **mp)
{
	struct machine *m = obj ? machine_step_obj(obj, size, pc, "vmx_insn")
				: machine_step_named(NULL, pc, "vmx_insn");
	struct hw_cpu *c;

	*mp = m;
	if (!m->cur_task)
		return NULL;
	c = hw_cur(m);
	if (c->model)
		m->cur_cpu->cycles += c->model->cost[cost];
	return c;
}

static struct hw_cpu *vmx_insn(enum model_cost cost, uintptr_t pc, struct machine **mp)
{
	return vmx_insn_on(NULL, 0, cost, pc, mp);
}

/* #UD or #GP in host context: an oops, as for any kernel instruction fault. */
__attribute__((noreturn))
static void vmx_oops(struct machine *m, const char *fault, const char *insn, uintptr_t pc)
{
	const struct cpu_model *model = hw_cur(m)->model;
	char title[160], note[192];

	snprintf(title, sizeof(title), "%s: 0000 [#1] PREEMPT SMP", fault);
	snprintf(note, sizeof(note), "(%s on %s)", insn, model ? model->name : "a CPU without a model");
	hw_fault(m, &(struct hw_fault){
		.title = title, .rip = true, .rip_note = note, .pc = pc, .fatal = true,
	});
	__builtin_unreachable();
}

static bool pa_valid(const struct hw_cpu *c, uint64_t pa)
{
	unsigned int maxpa = c->model ? model_maxphyaddr(c->model) : 36;

	return !(pa & 0xfff) && !(pa >> maxpa);
}

static uint32_t vmx_revision(const struct hw_cpu *c)
{
	const struct model_msr *b = c->model ? model_msr(c->model, MSR_IA32_VMX_BASIC) : NULL;

	return b ? (uint32_t)(b->value & VMX_BASIC_REVISION_MASK) : 0;
}

/* The revision identifier software wrote at the start of the region. */
static uint32_t region_revision(struct machine *m, uint64_t pa)
{
	const uint32_t *p = phys_va(hw_of(m)->mem, pa);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

static int fail_valid(struct hw_cpu *c, struct machine *m, int error)
{
	if (c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	vmcs_set(&hw_of(m)->vmx->slot[c->vmx.cur_vmcs].vmcs, VMCS_VM_INSTRUCTION_ERROR, (uint64_t)error);
	return VMX_FAIL_VALID;
}

/* The store's slot for region @pa, created cleared when @create. */
static int vmcs_slot(struct machine *m, uint64_t pa, uint32_t revision, bool create)
{
	int free_slot = -1;

	for (int i = 0; i < VMX_MAX_VMCS; i++) {
		if (hw_of(m)->vmx->slot[i].used && hw_of(m)->vmx->slot[i].pa == pa)
			return i;
		if (!hw_of(m)->vmx->slot[i].used && free_slot < 0)
			free_slot = i;
	}
	if (!create || free_slot < 0)
		return -1;
	hw_of(m)->vmx->slot[free_slot].used = true;
	hw_of(m)->vmx->slot[free_slot].pa = pa;
	vmcs_init(&hw_of(m)->vmx->slot[free_slot].vmcs, revision, false);
	return free_slot;
}

static bool vmxon_faults(struct hw_cpu *c, const char **fault)
{
	uint64_t fc = 0;

	/* #UD: CR4.VMXE clear (SDM VMXON: "IF ... CR4.VMXE = 0 ... THEN #UD"). */
	if (!(c->cr4 & X86_CR4_VMXE)) {
		*fault = "invalid opcode";
		return true;
	}
	*fault = "general protection fault";
	if (c->vmx.root)
		return false;
	/* #GP: CR0/CR4 outside the fixed bits, or VMX not enabled by FEATURE_CONTROL. */
	if ((c->cr0 & model_cr0_fixed0(c->model)) != model_cr0_fixed0(c->model) ||
	    (c->cr0 & ~model_cr0_fixed1(c->model)) ||
	    (c->cr4 & model_cr4_fixed0(c->model)) != model_cr4_fixed0(c->model) ||
	    (c->cr4 & ~model_cr4_fixed1(c->model)))
		return true;
	for (unsigned int i = 0; c->model && i < c->model->nmsrs; i++)
		if (c->model->msrs[i].index == MSR_IA32_FEATURE_CONTROL)
			fc = c->msr_val[i];
	return !(fc & FEAT_CTL_LOCKED) || !(fc & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
}

static int do_vmxon(uint64_t pa, bool safe, uintptr_t pc)
{
	struct machine *m;
	struct hw_cpu *c = vmx_insn(COST_VMXON, pc, &m);
	const char *fault;

	if (!c)
		return -EFAULT;
	if (!c->model || vmxon_faults(c, &fault)) {
		if (safe)
			return -EFAULT;
		vmx_oops(m, c->model ? fault : "invalid opcode", "VMXON", pc);
	}
	if (c->vmx.root)
		return fail_valid(c, m, VMXERR_VMXON_IN_ROOT);
	if (!pa_valid(c, pa) || region_revision(m, pa) != vmx_revision(c))
		return VMX_FAIL_INVALID;
	c->vmx.root = true;
	c->vmx.vmxon_pa = pa;
	c->vmx.cur_vmcs = -1;
	return VMX_SUCCEED;
}

int vmxon(uint64_t pa)
{
	return do_vmxon(pa, false, CALLER_PC);
}

int vmxon_safe(uint64_t pa)
{
	return do_vmxon(pa, true, CALLER_PC);
}

/* The VMCS instructions #UD outside VMX operation. */
static struct hw_cpu *in_vmx(const char *insn, uintptr_t pc, struct machine **mp)
{
	struct hw_cpu *c = vmx_insn(COST_RDMSR, pc, mp);

	if (c && !c->vmx.root)
		vmx_oops(*mp, "invalid opcode", insn, pc);
	return c;
}

/*
 * VMREAD and VMWRITE touch the current VMCS and nothing else, and a VMCS is
 * current on one CPU at a time (loading it on a second is a software
 * error), so their step is on the VMCS alone: exhaustive search decides at
 * it only when another task uses that VMCS.
 */
static struct hw_cpu *vmcs_insn(const char *insn, uintptr_t pc, struct machine **mp)
{
	struct machine *m = sim_current;
	struct hw_cpu *c = m->running && m->cur_task ? hw_cur(m) : NULL;
	const void *obj = NULL;
	size_t size = 0;

	if (c && c->vmx.root && c->vmx.cur_vmcs >= 0) {
		obj = &hw_of(m)->vmx->slot[c->vmx.cur_vmcs];
		size = sizeof(hw_of(m)->vmx->slot[0]);
	}
	c = vmx_insn_on(obj, size, COST_RDMSR, pc, mp);
	if (c && !c->vmx.root)
		vmx_oops(*mp, "invalid opcode", insn, pc);
	return c;
}

int vmxoff(void)
{
	struct machine *m;
	struct hw_cpu *c = in_vmx("VMXOFF", CALLER_PC, &m);

	if (!c)
		return VMX_FAIL_INVALID;
	c->vmx.root = false;
	c->vmx.cur_vmcs = -1;
	return VMX_SUCCEED;
}

int vmclear(uint64_t pa)
{
	struct machine *m;
	struct hw_cpu *c = in_vmx("VMCLEAR", CALLER_PC, &m);
	int slot;

	if (!c)
		return VMX_FAIL_INVALID;
	if (!pa_valid(c, pa))
		return fail_valid(c, m, VMXERR_VMCLEAR_INVALID_ADDR);
	if (pa == c->vmx.vmxon_pa)
		return fail_valid(c, m, VMXERR_VMCLEAR_VMXON_PTR);
	slot = vmcs_slot(m, pa, region_revision(m, pa), true);
	if (slot >= 0)
		hw_of(m)->vmx->slot[slot].vmcs.launch = VMCS_CLEAR;
	if (c->vmx.cur_vmcs == slot)
		c->vmx.cur_vmcs = -1;
	return VMX_SUCCEED;
}

int vmptrld(uint64_t pa)
{
	struct machine *m;
	struct hw_cpu *c = in_vmx("VMPTRLD", CALLER_PC, &m);
	uint32_t rev;
	int slot;

	if (!c)
		return VMX_FAIL_INVALID;
	if (!pa_valid(c, pa))
		return fail_valid(c, m, VMXERR_VMPTRLD_INVALID_ADDR);
	if (pa == c->vmx.vmxon_pa)
		return fail_valid(c, m, VMXERR_VMPTRLD_VMXON_PTR);
	rev = region_revision(m, pa);
	/*
	 * A shadow VMCS only where the CPU can enable VMCS shadowing: else
	 * it is a wrong revision identifier (VMPTRLD's operation section).
	 */
	if ((rev & VMX_BASIC_REVISION_MASK) != vmx_revision(c) ||
	    ((rev & VMCS_REGION_SHADOW) &&
	     !((model_msr_value(c->model, MSR_IA32_VMX_PROCBASED_CTLS2, 0) >> 32) &
	       SECONDARY_EXEC_SHADOW_VMCS)))
		return fail_valid(c, m, VMXERR_VMPTRLD_BAD_REVISION);
	slot = vmcs_slot(m, pa, rev, true);
	if (slot < 0)
		return fail_valid(c, m, VMXERR_VMPTRLD_INVALID_ADDR);
	/*
	 * The shadow-VMCS indicator comes from the region: software may change
	 * it while the VMCS is not active ("VMCS Types: Ordinary and Shadow").
	 */
	hw_of(m)->vmx->slot[slot].vmcs.shadow = rev & VMCS_REGION_SHADOW;
	c->vmx.cur_vmcs = slot;
	return VMX_SUCCEED;
}

uint64_t vmptrst(void)
{
	struct machine *m;
	struct hw_cpu *c = in_vmx("VMPTRST", CALLER_PC, &m);

	return c && c->vmx.cur_vmcs >= 0 ? hw_of(m)->vmx->slot[c->vmx.cur_vmcs].pa : ~0ULL;
}

int vmread(unsigned long field, unsigned long *val)
{
	struct machine *m;
	struct hw_cpu *c = vmcs_insn("VMREAD", CALLER_PC, &m);
	uint64_t v = 0;
	int err;

	*val = 0;
	if (!c || c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	if (!vmcs_field_supported(c->model, field))
		return fail_valid(c, m, VMXERR_UNSUPPORTED_COMPONENT);
	err = vmcs_read(&hw_of(m)->vmx->slot[c->vmx.cur_vmcs].vmcs, field, &v);
	if (err)
		return fail_valid(c, m, err);
	*val = v;
	return VMX_SUCCEED;
}

int vmwrite(unsigned long field, unsigned long val)
{
	struct machine *m;
	struct hw_cpu *c = vmcs_insn("VMWRITE", CALLER_PC, &m);
	int err;

	if (!c || c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	if (!vmcs_field_supported(c->model, field))
		return fail_valid(c, m, VMXERR_UNSUPPORTED_COMPONENT);
	err = vmcs_write(&hw_of(m)->vmx->slot[c->vmx.cur_vmcs].vmcs, field, val);
	return err ? fail_valid(c, m, err) : VMX_SUCCEED;
}

/* Allowed-1 bits of IA32_VMX_PROCBASED_CTLS2 (bits 63:32): enable EPT, enable VPID. */
#define CTLS2_EPT_ALLOWED	(SECONDARY_EXEC_ENABLE_EPT << 32)
#define CTLS2_VPID_ALLOWED	(SECONDARY_EXEC_ENABLE_VPID << 32)

static uint64_t model_cap(const struct hw_cpu *c, uint32_t index)
{
	return model_msr_value(c->model, index, 0);
}

/*
 * The instruction exists only where the CPU can enable the feature and
 * reports the instruction ("INVEPT", "INVVPID": #UD otherwise).
 */
static struct hw_cpu *inv_insn(const char *insn, uint64_t ctls2_bit, uint64_t cap_bit,
			    uintptr_t pc, struct machine **mp)
{
	struct hw_cpu *c = in_vmx(insn, pc, mp);

	if (c && (!(model_cap(c, MSR_IA32_VMX_PROCBASED_CTLS2) & ctls2_bit) ||
		  !(model_cap(c, MSR_IA32_VMX_EPT_VPID_CAP) & cap_bit)))
		vmx_oops(*mp, "invalid opcode", insn, pc);
	return c;
}

int invept(unsigned long type, uint64_t eptp)
{
	struct machine *m;
	struct hw_cpu *c = inv_insn("INVEPT", CTLS2_EPT_ALLOWED, VMX_EPT_INVEPT_BIT, CALLER_PC, &m);
	uint64_t cap;

	if (!c)
		return VMX_FAIL_INVALID;
	cap = model_cap(c, MSR_IA32_VMX_EPT_VPID_CAP);
	if (!(type == VMX_EPT_EXTENT_CONTEXT && (cap & VMX_EPT_EXTENT_CONTEXT_BIT)) &&
	    !(type == VMX_EPT_EXTENT_GLOBAL && (cap & VMX_EPT_EXTENT_GLOBAL_BIT)))
		return fail_valid(c, m, VMXERR_INVALID_INVEPT_INVVPID);
	if (type == VMX_EPT_EXTENT_CONTEXT && !vmx_eptp_valid(c->model, eptp))
		return fail_valid(c, m, VMXERR_INVALID_INVEPT_INVVPID);
	return VMX_SUCCEED;
}

int invvpid(unsigned long type, uint16_t vpid, uint64_t gva)
{
	struct machine *m;
	struct hw_cpu *c = inv_insn("INVVPID", CTLS2_VPID_ALLOWED, VMX_VPID_INVVPID_BIT, CALLER_PC, &m);
	uint64_t cap;

	if (!c)
		return VMX_FAIL_INVALID;
	cap = model_cap(c, MSR_IA32_VMX_EPT_VPID_CAP);
	if (type > VMX_VPID_EXTENT_SINGLE_NON_GLOBAL ||
	    !(cap & VMX_BIT(VMX_VPID_EXTENT_SHIFT + type)))
		return fail_valid(c, m, VMXERR_INVALID_INVEPT_INVVPID);
	if (type != VMX_VPID_EXTENT_ALL_CONTEXT && !vpid)
		return fail_valid(c, m, VMXERR_INVALID_INVEPT_INVVPID);
	if (type == VMX_VPID_EXTENT_INDIVIDUAL_ADDR && !model_canonical(c->model, gva))
		return fail_valid(c, m, VMXERR_INVALID_INVEPT_INVVPID);
	return VMX_SUCCEED;
}

/* Reads of guest-physical... host-physical memory during the checks. */
static bool phys_read(void *opaque, uint64_t pa, void *buf, size_t len)
{
	struct machine *m = opaque;
	const void *p = phys_va(hw_of(m)->mem, pa);

	if (!p || !phys_va(hw_of(m)->mem, pa + len - 1))
		return false;
	memcpy(buf, p, len);
	return true;
}

void vmx_exit_info(struct vmcs *v, uint32_t reason, uint64_t qual, uint32_t len,
		   uint32_t intr_info, uint64_t gpa, uint64_t gla)
{
	vmcs_set(v, VMCS_VM_EXIT_REASON, reason);
	vmcs_set(v, VMCS_EXIT_QUALIFICATION, qual);
	vmcs_set(v, VMCS_VM_EXIT_INSTRUCTION_LEN, len);
	vmcs_set(v, VMCS_VM_EXIT_INTR_INFO, intr_info);
	vmcs_set(v, VMCS_VM_EXIT_INTR_ERROR_CODE, 0);
	vmcs_set(v, VMCS_IDT_VECTORING_INFO_FIELD, 0);
	vmcs_set(v, VMCS_IDT_VECTORING_ERROR_CODE, 0);
	vmcs_set(v, VMCS_GUEST_PHYSICAL_ADDRESS, gpa);
	vmcs_set(v, VMCS_GUEST_LINEAR_ADDRESS, gla);
}

/* ---- MSRs and host state across entry and exit ---- */

/* CR0 bits a VM exit leaves as they were ("Loading Host Control Registers..."). */
#define CR0_KEPT_ON_EXIT	(X86_CR0_ET | X86_CR0_NW | X86_CR0_CD)

/* VMX-abort indicators ("VMX Aborts"), written at offset 4 of the VMCS region. */
enum vmx_abort {
	VMX_ABORT_SAVE_GUEST_MSR = 1,
	VMX_ABORT_LOAD_HOST_MSR = 4,
};

/* The CPU's MSR @index, or NULL when its model lacks it (a load by the CPU, not WRMSR). */
static uint64_t *cpu_msr(struct hw_cpu *c, uint32_t index)
{
	const struct model_msr *e = model_msr(c->model, index);

	return e ? &c->msr_val[e - c->model->msrs] : NULL;
}

static void load_msr(struct hw_cpu *c, uint32_t index, uint64_t val)
{
	uint64_t *p = cpu_msr(c, index);

	if (p)
		*p = val;
}

/*
 * A VMX abort: the CPU writes the indicator into the VMCS region and shuts
 * down. Nothing brings it back: the run ends with a report, which names
 * the failed check when the exit was that of a failed VM entry.
 */
__attribute__((noreturn))
static void vmx_abort(struct machine *m, struct hw_cpu *c, enum vmx_abort why, uint64_t entry,
		      const struct vmx_check *entry_failed, uintptr_t pc)
{
	uint32_t *region = phys_va(hw_of(m)->mem, hw_of(m)->vmx->slot[c->vmx.cur_vmcs].pa + 4);
	char title[192], after[256];

	if (region)
		*region = why;
	snprintf(title, sizeof(title), "VMX abort on CPU %u: %s (indicator %d)%s%s", c->id,
		 why == VMX_ABORT_SAVE_GUEST_MSR ? "saving guest MSRs failed" :
		 "loading host MSRs failed", why,
		 entry_failed ? " after VM entry failed check " : "",
		 entry_failed ? vmx_check_id(entry_failed) : "");
	snprintf(after, sizeof(after),
		 "Entry %llu of the VM-exit MSR-%s area cannot be processed; the CPU\n"
		 "shuts down and never returns to the host.\n",
		 (unsigned long long)entry, why == VMX_ABORT_SAVE_GUEST_MSR ? "store" : "load");
	hw_fault(m, &(struct hw_fault){
		.title = title, .rip = true, .rip_note = "(the VM exit)", .after = after, .pc = pc,
		.fatal = true,
	});
	__builtin_unreachable();
}

/*
 * The MSRs entry loads from the guest-state area ("Loading Guest State")
 * and exit from the host-state area ("Loading Host State"): always, or
 * when the entry/exit control given says so.
 */
static const struct {
	uint32_t msr;
	uint32_t guest, host;		/* VMCS fields */
	uint64_t entry_ctl, exit_ctl;	/* 0: always */
} state_msrs[] = {
	{ MSR_IA32_SYSENTER_CS, VMCS_GUEST_SYSENTER_CS, VMCS_HOST_IA32_SYSENTER_CS, 0, 0 },
	{ MSR_IA32_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP, VMCS_HOST_IA32_SYSENTER_ESP, 0, 0 },
	{ MSR_IA32_SYSENTER_EIP, VMCS_GUEST_SYSENTER_EIP, VMCS_HOST_IA32_SYSENTER_EIP, 0, 0 },
	{ MSR_FS_BASE, VMCS_GUEST_FS_BASE, VMCS_HOST_FS_BASE, 0, 0 },
	{ MSR_GS_BASE, VMCS_GUEST_GS_BASE, VMCS_HOST_GS_BASE, 0, 0 },
	{ MSR_IA32_CR_PAT, VMCS_GUEST_IA32_PAT, VMCS_HOST_IA32_PAT,
	  VM_ENTRY_LOAD_IA32_PAT, VM_EXIT_LOAD_IA32_PAT },
	{ MSR_EFER, VMCS_GUEST_IA32_EFER, VMCS_HOST_IA32_EFER,
	  VM_ENTRY_LOAD_IA32_EFER, VM_EXIT_LOAD_IA32_EFER },
};

static void load_state_msrs(struct hw_cpu *c, const struct vmcs *v, bool entry)
{
	uint64_t ctls = vmcs_get(v, entry ? VMCS_VM_ENTRY_CONTROLS : VMCS_VM_EXIT_CONTROLS);

	for (size_t i = 0; i < sizeof(state_msrs) / sizeof(state_msrs[0]); i++) {
		uint64_t ctl = entry ? state_msrs[i].entry_ctl : state_msrs[i].exit_ctl;

		if (!ctl || (ctls & ctl))
			load_msr(c, state_msrs[i].msr,
				 vmcs_get(v, entry ? state_msrs[i].guest : state_msrs[i].host));
	}
}

/*
 * The VM-exit MSR-store area ("Saving MSRs" under "VM Exits"): each
 * entry's MSR value, as RDMSR reads it, goes into bits 127:64. An x2APIC
 * MSR, IA32_SMBASE, reserved bits 63:32 set, or an MSR RDMSR would #GP on
 * fail the entry: 0, or its index from 1.
 */
static uint64_t store_msrs(struct machine *m, struct hw_cpu *c, const struct vmcs *v)
{
	uint64_t count = vmcs_get(v, VMCS_VM_EXIT_MSR_STORE_COUNT);
	uint64_t addr = vmcs_get(v, VMCS_VM_EXIT_MSR_STORE_ADDR);

	for (uint64_t i = 0; i < count; i++) {
		uint64_t *e = phys_va(hw_of(m)->mem, addr + VMX_MSR_ENTRY_SIZE * i);
		uint64_t *val;

		if (!e || !phys_va(hw_of(m)->mem, addr + VMX_MSR_ENTRY_SIZE * (i + 1) - 1))
			return i + 1;
		val = cpu_msr(c, (uint32_t)e[0]);
		if (e[0] >> 32 || (uint32_t)e[0] >> 8 == MSR_X2APIC_FIRST >> 8 ||
		    (uint32_t)e[0] == MSR_IA32_SMBASE || !val)
			return i + 1;
		e[1] = *val;
	}
	return 0;
}

/*
 * Back to the host, after the exit's information is written ("Saving Guest
 * State", "Saving MSRs", "Loading Host State", "Loading MSRs" under "VM
 * Exits"): the save controls store IA32_PAT/EFER into the guest-state
 * area and the MSR-store area gets its values (not after a failed entry,
 * @entry_failed its failed check); CR0, CR4, the SYSENTER MSRs and the FS/GS bases come
 * from the host-state area, IA32_PAT and IA32_EFER too when the load
 * controls say so, then the VM-exit MSR-load area. A failure there is a
 * VMX abort.
 */
static void exit_to_host(struct machine *m, struct hw_cpu *c, struct vmcs *v,
			 const struct vmx_check *entry_failed, uintptr_t pc)
{
	const struct vmx_phys_reader mem = { .read = phys_read, .opaque = m };
	uint64_t exit = vmcs_get(v, VMCS_VM_EXIT_CONTROLS), *p, bad, qual;
	const struct vmx_check *failed;

	if (!entry_failed) {
		if ((exit & VM_EXIT_SAVE_IA32_PAT) && (p = cpu_msr(c, MSR_IA32_CR_PAT)))
			vmcs_set(v, VMCS_GUEST_IA32_PAT, *p);
		if ((exit & VM_EXIT_SAVE_IA32_EFER) && (p = cpu_msr(c, MSR_EFER)))
			vmcs_set(v, VMCS_GUEST_IA32_EFER, *p);
		bad = store_msrs(m, c, v);
		if (bad)
			vmx_abort(m, c, VMX_ABORT_SAVE_GUEST_MSR, bad, NULL, pc);
	}
	c->cr0 = (vmcs_get(v, VMCS_HOST_CR0) & ~CR0_KEPT_ON_EXIT) | (c->cr0 & CR0_KEPT_ON_EXIT);
	c->cr4 = vmcs_get(v, VMCS_HOST_CR4);
	load_state_msrs(c, v, false);
	if (vmx_load_msr_area(c->model, v, &mem, c->msr_val, c->cr0,
			      vmcs_get(v, VMCS_VM_EXIT_MSR_LOAD_COUNT),
			      vmcs_get(v, VMCS_VM_EXIT_MSR_LOAD_ADDR), &failed, &qual))
		vmx_abort(m, c, VMX_ABORT_LOAD_HOST_MSR, qual, entry_failed, pc);
}

/*
 * The exit itself, its information written: its cost, its trace record
 * (with the failed check of a failed entry, @entry_failed), the host's state.
 */
static void vm_exit(struct machine *m, struct hw_cpu *c, struct vmcs *v,
		    const struct vmx_check *entry_failed, uintptr_t pc)
{
	m->cpus[c->id].cycles += c->model->cost[COST_VMEXIT];
	/*
	 * An exit clears the valid bit of the VM-entry interruption information
	 * ("Recording VM-Exit Information and Updating VM-Entry Control
	 * Fields"); a failed entry leaves it ("VM-Entry Failures During or
	 * After Loading Guest State").
	 */
	if (!entry_failed)
		vmcs_clear_bits(v, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK);
	machine_trace_vmx(m, TR_VMX_EXIT, (uint32_t)vmcs_get(v, VMCS_VM_EXIT_REASON),
			  entry_failed ? vmx_check_id(entry_failed) : NULL);
	exit_to_host(m, c, v, entry_failed, pc);
}

/* VMLAUNCH/VMRESUME ends in VMfailValid(@error), traced with the check that failed, if one did. */
static int entry_fail_valid(struct machine *m, struct hw_cpu *c, int error,
			    const struct vmx_check *failed)
{
	machine_trace_vmx(m, TR_VMX_FAIL, (uint32_t)error, failed ? vmx_check_id(failed) : NULL);
	return fail_valid(c, m, error);
}

static int vm_entry(bool launch, uintptr_t pc)
{
	struct machine *m;
	struct hw_cpu *c = in_vmx(launch ? "VMLAUNCH" : "VMRESUME", pc, &m);
	const struct vmx_phys_reader mem = { .read = phys_read, .opaque = m };
	const struct vmx_entry_env env = { .mem = &mem, .msr_val = c ? c->msr_val : NULL };
	const struct vmx_check *failed;
	uint64_t qual;
	struct vmcs *v;
	int err;

	if (!c || c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	v = &hw_of(m)->vmx->slot[c->vmx.cur_vmcs].vmcs;
	/* A shadow VMCS cannot be entered with: VMfailInvalid ("Basic VM-Entry Checks"). */
	if (v->shadow)
		return VMX_FAIL_INVALID;
	/*
	 * Error 26 ("VM entry with events blocked by MOV SS") would come next:
	 * it is the executing CPU's own blocking, VMLAUNCH/VMRESUME right
	 * after a MOV SS or POP SS of the host ("Basic VM-Entry Checks").
	 * hvsim models no host instruction stream, so the host is never in
	 * that shadow. Blocking by MOV SS in the guest's interruptibility
	 * state is guest state, for the guest-state rows.
	 */
	if (launch && v->launch != VMCS_CLEAR)
		return entry_fail_valid(m, c, VMXERR_VMLAUNCH_NONCLEAR, NULL);
	if (!launch && v->launch != VMCS_LAUNCHED)
		return entry_fail_valid(m, c, VMXERR_VMRESUME_NONLAUNCHED, NULL);
	err = vmx_check_entry(c->model, v, &env, &failed);
	if (err && !vmx_check_group_exits(failed->group))
		return entry_fail_valid(m, c, err, failed);
	/*
	 * Past the checks on controls and host state, a failure is a VM exit
	 * with bit 31 of the exit reason set, not a VMfail ("VM-Entry Failures
	 * During or After Loading Guest State"); the launch state stays.
	 */
	m->cpus[c->id].cycles += c->model->cost[COST_VMENTRY];
	if (err) {
		vmx_exit_info(v, EXIT_REASON_INVALID_STATE | VMX_EXIT_REASONS_FAILED_VMENTRY,
			      vmx_guest_check_qualification(failed), 0, 0, 0, 0);
		vm_exit(m, c, v, failed, pc);
		return VMX_SUCCEED;
	}
	load_state_msrs(c, v, true);
	err = vmx_load_msrs(c->model, v, &mem, c->msr_val, &failed, &qual);
	if (err) {
		vmx_exit_info(v, EXIT_REASON_MSR_LOAD_FAIL | VMX_EXIT_REASONS_FAILED_VMENTRY, qual, 0, 0,
			      0, 0);
		vm_exit(m, c, v, failed, pc);
		return VMX_SUCCEED;
	}
	v->launch = VMCS_LAUNCHED;
	machine_trace_vmx(m, TR_VMX_ENTRY, 0, NULL);
	vmx_guest_run(m, c, v, pc);
	vm_exit(m, c, v, NULL, pc);
	return VMX_SUCCEED;
}

int vmlaunch(void)
{
	return vm_entry(true, CALLER_PC);
}

int vmresume(void)
{
	return vm_entry(false, CALLER_PC);
}
