// SPDX-License-Identifier: MIT
/*
 * VMX operation on a simulated CPU, as the SDM's instruction reference
 * (Vol. 3C, "VMX Instruction Reference") specifies it, on the CPU's own
 * model: VMXON's #UD/#GP/VMfail rules, the VMCS instructions' errors, and
 * VMLAUNCH/VMRESUME with the entry checks (sim/vmx/vmentry.c) followed by
 * a guest stand-in that runs and exits.
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

#include "../kernel/kmodel.h"
#include "../kernel/mem.h"
#include "vmentry.h"
#include "vmentry_state.h"
#include "vmx.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/* How long the guest stand-in runs before its exit: the strategy picks (default first). */
static const uint32_t guest_run_cycles[] = { 2000, 200, 20000 };

void vmx_reset(struct machine *m)
{
	if (m->vmx)
		for (unsigned int i = 0; i < VMX_MAX_VMCS; i++)
			m->vmx->slot[i].used = false;
	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct cpu_vmx *x = &m->cpus[i].vmx;

		x->root = false;
		x->vmxon_pa = 0;
		x->cur_vmcs = -1;
		x->next_exit = 0;
	}
}

static struct cpu *vmx_insn(enum model_cost cost, uintptr_t pc, struct machine **mp)
{
	struct machine *m = kcall(NULL, pc);

	*mp = m;
	if (!m->cur_task)
		return NULL;
	if (m->cur_cpu->model)
		m->cur_cpu->cycles += m->cur_cpu->model->cost[cost];
	return m->cur_cpu;
}

/* #UD or #GP in host context: an oops, as for any kernel instruction fault. */
__attribute__((noreturn))
static void vmx_oops(struct machine *m, const char *fault, const char *insn, uintptr_t pc)
{
	char title[160], frame[96], text[512];

	machine_symbolize(m, pc, frame, sizeof(frame));
	snprintf(title, sizeof(title), "%s: 0000 [#1] PREEMPT SMP", fault);
	snprintf(text, sizeof(text), "%s\nCPU: %u PID: %u Comm: %s\nRIP: %s (%s on %s)\n", title,
		 m->cur_cpu->id, m->cur_task->pid, m->cur_task->name, frame, insn,
		 m->cur_cpu->model ? m->cur_cpu->model->name : "a CPU without a model");
	machine_report_text(m, title, text);
	machine_end(m, SIM_FAILED, title);
}

static bool pa_valid(const struct cpu *c, uint64_t pa)
{
	unsigned int maxpa = c->model ? model_maxphyaddr(c->model) : 36;

	return !(pa & 0xfff) && !(pa >> maxpa);
}

static uint32_t vmx_revision(const struct cpu *c)
{
	const struct model_msr *b = c->model ? model_msr(c->model, MSR_IA32_VMX_BASIC) : NULL;

	return b ? (uint32_t)(b->value & 0x7fffffffu) : 0;
}

/* The revision identifier software wrote at the start of the region. */
static uint32_t region_revision(struct machine *m, uint64_t pa)
{
	const uint32_t *p = mem_va(m->k->mem, pa);
	uint32_t v = 0;

	if (p)
		memcpy(&v, p, sizeof(v));
	return v;
}

static int fail_valid(struct cpu *c, struct machine *m, int error)
{
	if (c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	vmcs_set(&m->vmx->slot[c->vmx.cur_vmcs].vmcs, VMCS_VM_INSTRUCTION_ERROR, (uint64_t)error);
	return VMX_FAIL_VALID;
}

/* The store's slot for region @pa, created cleared when @create. */
static int vmcs_slot(struct machine *m, uint64_t pa, uint32_t revision, bool create)
{
	int free_slot = -1;

	for (int i = 0; i < VMX_MAX_VMCS; i++) {
		if (m->vmx->slot[i].used && m->vmx->slot[i].pa == pa)
			return i;
		if (!m->vmx->slot[i].used && free_slot < 0)
			free_slot = i;
	}
	if (!create || free_slot < 0)
		return -1;
	m->vmx->slot[free_slot].used = true;
	m->vmx->slot[free_slot].pa = pa;
	vmcs_init(&m->vmx->slot[free_slot].vmcs, revision, false);
	return free_slot;
}

static bool vmxon_faults(struct cpu *c, const char **fault)
{
	uint64_t fc = 0;

	/* #UD: CR4.VMXE clear (SDM VMXON: "IF ... CR4.VMXE = 0 ... THEN #UD"). */
	if (!(c->cr4 & CR4_VMXE)) {
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
	return !(fc & FEATURE_CONTROL_LOCKED) || !(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX);
}

static int do_vmxon(uint64_t pa, bool safe, uintptr_t pc)
{
	struct machine *m;
	struct cpu *c = vmx_insn(COST_VMXON, pc, &m);
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
static struct cpu *in_vmx(const char *insn, uintptr_t pc, struct machine **mp)
{
	struct cpu *c = vmx_insn(COST_RDMSR, pc, mp);

	if (c && !c->vmx.root)
		vmx_oops(*mp, "invalid opcode", insn, pc);
	return c;
}

int vmxoff(void)
{
	struct machine *m;
	struct cpu *c = in_vmx("VMXOFF", CALLER_PC, &m);

	if (!c)
		return VMX_FAIL_INVALID;
	c->vmx.root = false;
	c->vmx.cur_vmcs = -1;
	return VMX_SUCCEED;
}

int vmclear(uint64_t pa)
{
	struct machine *m;
	struct cpu *c = in_vmx("VMCLEAR", CALLER_PC, &m);
	int slot;

	if (!c)
		return VMX_FAIL_INVALID;
	if (!pa_valid(c, pa))
		return fail_valid(c, m, VMXERR_VMCLEAR_INVALID_ADDR);
	if (pa == c->vmx.vmxon_pa)
		return fail_valid(c, m, VMXERR_VMCLEAR_VMXON_PTR);
	slot = vmcs_slot(m, pa, region_revision(m, pa), true);
	if (slot >= 0)
		m->vmx->slot[slot].vmcs.launch = VMCS_CLEAR;
	if (c->vmx.cur_vmcs == slot)
		c->vmx.cur_vmcs = -1;
	return VMX_SUCCEED;
}

int vmptrld(uint64_t pa)
{
	struct machine *m;
	struct cpu *c = in_vmx("VMPTRLD", CALLER_PC, &m);
	uint32_t rev;
	int slot;

	if (!c)
		return VMX_FAIL_INVALID;
	if (!pa_valid(c, pa))
		return fail_valid(c, m, VMXERR_VMPTRLD_INVALID_ADDR);
	if (pa == c->vmx.vmxon_pa)
		return fail_valid(c, m, VMXERR_VMPTRLD_VMXON_PTR);
	rev = region_revision(m, pa);
	if ((rev & 0x7fffffffu) != vmx_revision(c))
		return fail_valid(c, m, VMXERR_VMPTRLD_BAD_REVISION);
	slot = vmcs_slot(m, pa, rev, true);
	if (slot < 0)
		return fail_valid(c, m, VMXERR_VMPTRLD_INVALID_ADDR);
	c->vmx.cur_vmcs = slot;
	return VMX_SUCCEED;
}

uint64_t vmptrst(void)
{
	struct machine *m;
	struct cpu *c = in_vmx("VMPTRST", CALLER_PC, &m);

	return c && c->vmx.cur_vmcs >= 0 ? m->vmx->slot[c->vmx.cur_vmcs].pa : ~0ULL;
}

int vmread(unsigned long field, unsigned long *val)
{
	struct machine *m;
	struct cpu *c = in_vmx("VMREAD", CALLER_PC, &m);
	uint64_t v = 0;
	int err;

	*val = 0;
	if (!c || c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	err = vmcs_read(&m->vmx->slot[c->vmx.cur_vmcs].vmcs, field, &v);
	if (err)
		return fail_valid(c, m, err);
	*val = v;
	return VMX_SUCCEED;
}

int vmwrite(unsigned long field, unsigned long val)
{
	struct machine *m;
	struct cpu *c = in_vmx("VMWRITE", CALLER_PC, &m);
	int err;

	if (!c || c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	err = vmcs_write(&m->vmx->slot[c->vmx.cur_vmcs].vmcs, field, val);
	return err ? fail_valid(c, m, err) : VMX_SUCCEED;
}

/* Reads of guest-physical... host-physical memory during the checks. */
static bool phys_read(void *opaque, uint64_t pa, void *buf, size_t len)
{
	struct machine *m = opaque;
	const void *p = mem_va(m->k->mem, pa);

	if (!p || !mem_va(m->k->mem, pa + len - 1))
		return false;
	memcpy(buf, p, len);
	return true;
}

/*
 * The guest stand-in: it runs, then exits with the next reason of the
 * CPU's script (HLT when none), or with an external-interrupt exit when an
 * interrupt is pending and external-interrupt exiting is on.
 */
static void guest_run(struct machine *m, struct cpu *c, struct vmcs *v)
{
	uint32_t reason = EXIT_REASON_HLT;
	struct sim_decision d = {
		.kind = SIM_CHOICE_GUEST,
		.n = sizeof(guest_run_cycles) / sizeof(guest_run_cycles[0]),
		.step = m->step + 1, .cur = c->id, .dflt = c->id,
	};

	c->cycles += (c->model ? c->model->cost[COST_VMENTRY] : 500) +
		     guest_run_cycles[sim_choose(m, &d)];
	if (c->irq_head && (vmcs_get(v, VMCS_PIN_BASED_VM_EXEC_CONTROL) & VMX_PIN_EXT_INTR_EXITING))
		reason = EXIT_REASON_EXTERNAL_INTERRUPT;
	else if (c->vmx.next_exit < c->vmx.nexits)
		reason = c->vmx.exits[c->vmx.next_exit++];
	vmcs_set(v, VMCS_VM_EXIT_REASON, reason);
	vmcs_set(v, VMCS_EXIT_QUALIFICATION, 0);
	vmcs_set(v, VMCS_VM_EXIT_INSTRUCTION_LEN, reason == EXIT_REASON_HLT ? 1 :
		 reason == EXIT_REASON_CPUID ? 2 : 0);
	vmcs_set(v, VMCS_VM_EXIT_INTR_INFO, 0);
	c->cycles += c->model ? c->model->cost[COST_VMEXIT] : 500;
}

static int vm_entry(bool launch, uintptr_t pc)
{
	struct machine *m;
	struct cpu *c = in_vmx(launch ? "VMLAUNCH" : "VMRESUME", pc, &m);
	const struct vmx_phys_reader mem = { .read = phys_read, .opaque = m };
	const struct vmx_check *failed;
	struct vmcs *v;
	int err;

	if (!c || c->vmx.cur_vmcs < 0)
		return VMX_FAIL_INVALID;
	v = &m->vmx->slot[c->vmx.cur_vmcs].vmcs;
	/* Blocking by MOV SS (interruptibility bit 1) comes first. */
	if (vmcs_get(v, VMCS_GUEST_INTERRUPTIBILITY_INFO) & 2)
		return fail_valid(c, m, VMXERR_ENTRY_EVENTS_BLOCKED_MOV_SS);
	if (launch && v->launch != VMCS_CLEAR)
		return fail_valid(c, m, VMXERR_VMLAUNCH_NONCLEAR);
	if (!launch && v->launch != VMCS_LAUNCHED)
		return fail_valid(c, m, VMXERR_VMRESUME_NONLAUNCHED);
	err = vmx_check_controls_mem(c->model, v, &mem, &failed);
	if (!err)
		err = vmx_check_host_state(c->model, v, &failed);
	if (err)
		return fail_valid(c, m, err);
	err = vmx_check_guest_state(c->model, v, &failed);
	if (err) {
		/* A failed guest-state check is a VM exit, not a VMfail. */
		vmcs_set(v, VMCS_VM_EXIT_REASON, EXIT_REASON_INVALID_STATE | VMX_EXIT_REASON_FAILED_ENTRY);
		vmcs_set(v, VMCS_EXIT_QUALIFICATION, 0);
		return VMX_SUCCEED;
	}
	v->launch = VMCS_LAUNCHED;
	guest_run(m, c, v);
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
