// SPDX-License-Identifier: MIT
/*
 * The instructions of include/hvsim/hw.h, executed on the calling CPU's
 * model. Each is a step (a scheduling point) and charges the model's cost.
 *
 * Faults follow Linux's handling of them in the kernel: an RDMSR or WRMSR
 * that #GPs in the plain form is "unchecked MSR access error" (a warning;
 * the read returns 0, the write is dropped), a MOV to CR4 that #GPs is an
 * oops that ends the run; the _safe forms return -EIO.
 */
#include "hvsim/hw.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/hw.h"
#include "hvsim/x86/apicdef.h"
#include "cpu/model.h"
#include "engine/strbuf.h"
#include "hvsim/x86/processor-flags.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/*
 * The calling CPU, after the instruction's step; NULL outside a task. An
 * instruction on the CPU's own registers (@local) is a step of
 * SIM_SCOPE_CPU; one that reaches the APIC, and so other CPUs, is not.
 */
static struct hw_cpu *insn_step(enum model_cost cost, bool local, uintptr_t pc)
{
	struct machine *m = local ? machine_step_cpu(pc, "insn") : machine_step_named(NULL, pc, "insn");
	struct hw_cpu *c;

	if (!m->cur_task)
		return NULL;
	c = hw_cur(m);
	if (c->model)
		m->cur_cpu->cycles += c->model->cost[cost];
	return c;
}

static struct hw_cpu *insn(enum model_cost cost, uintptr_t pc)
{
	return insn_step(cost, false, pc);
}

static struct hw_cpu *insn_local(enum model_cost cost, uintptr_t pc)
{
	return insn_step(cost, true, pc);
}

/* Uncached MMIO is priced as a non-serialising RDMSR/WRMSR: a round trip to the APIC. */
uint32_t native_apic_mem_read(uint32_t reg)
{
	struct hw_cpu *c = insn(COST_RDMSR, CALLER_PC);

	return c ? hw_apic_read(sim_current, reg) : 0;
}

void native_apic_mem_write(uint32_t reg, uint32_t val)
{
	struct hw_cpu *c = insn(COST_WRMSR, CALLER_PC);

	if (c)
		hw_apic_write(sim_current, reg, val);
}

uint64_t rdtsc(void)
{
	/* Priced as a cache hit: RDTSC's ~20 cycles are below the model's resolution. */
	struct hw_cpu *c = insn_local(COST_ACCESS, CALLER_PC);

	return c ? sim_current->cpus[c->id].cycles : 0;
}

void cpuid_count(uint32_t leaf, uint32_t subleaf, uint32_t *eax, uint32_t *ebx,
		 uint32_t *ecx, uint32_t *edx)
{
	struct hw_cpu *c = insn_local(COST_CPUID, CALLER_PC);
	uint32_t r[4] = { 0, 0, 0, 0 };

	if (c && c->model) {
		model_cpuid(c->model, leaf, subleaf, r);
		/* The APIC IDs are the CPU's own (SDM: CPUID leaf 1 EBX, leaves 0BH/1FH EDX). */
		if (leaf == 1)
			r[1] = (r[1] & 0x00ffffffu) | (c->apic_id << 24);
		if (leaf == 0xb || leaf == 0x1f)
			r[3] = c->apic_id;
	}
	*eax = r[0];
	*ebx = r[1];
	*ecx = r[2];
	*edx = r[3];
}

/* The MSR's slot in the CPU's state, or -1 when the model lacks it. */
static int msr_slot(const struct hw_cpu *c, uint32_t msr)
{
	const struct model_msr *e = c->model ? model_msr(c->model, msr) : NULL;

	return e ? (int)(e - c->model->msrs) : -1;
}

/*
 * The MSRs the local APIC implements: IA32_APIC_BASE, IA32_TSC_DEADLINE, the
 * x2APIC range. Their accesses reach other CPUs (an ICR write sends an IPI);
 * every other MSR is the CPU's own.
 */
static bool apic_msr(uint32_t msr)
{
	return msr == MSR_IA32_APICBASE || msr == MSR_IA32_TSC_DEADLINE ||
	       (msr >= APIC_BASE_MSR && msr <= APIC_MSR_LAST);
}

static int apic_rdmsr(struct machine *m, struct hw_cpu *c, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_IA32_APICBASE) {
		*val = c->apic.base;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!c->apic.tsc_deadline_capable)
			return -EIO;
		*val = lapic_read_tsc_deadline(&c->apic);
		return 0;
	}
	hw_intr_land_due(m, c);
	return lapic_rdmsr(&c->apic, msr, m->cpus[c->id].cycles, val);
}

static int apic_wrmsr(struct machine *m, struct hw_cpu *c, uint32_t msr, uint64_t val)
{
	struct lapic_ipi ipi;
	enum lapic_effect effect;

	int ret = 0;

	if (msr == MSR_IA32_APICBASE) {
		ret = lapic_write_base(&c->apic, val);
	} else if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!c->apic.tsc_deadline_capable)
			return -EIO;
		lapic_write_tsc_deadline(&c->apic, val);
	} else {
		if (lapic_wrmsr(&c->apic, msr, val, m->cpus[c->id].cycles, &ipi, &effect))
			return -EIO;
		if (effect == LAPIC_SEND_IPI)
			hw_send_ipi(m, c->id, &ipi);
	}
	/* A timer armed or stopped, an EOI that unmasks a vector: the steps look again. */
	hw_intr_recount(m);
	return ret;
}

static int do_rdmsr(struct machine *m, struct hw_cpu *c, uint32_t msr, uint64_t *val)
{
	int i;

	if (apic_msr(msr))
		return apic_rdmsr(m, c, msr, val);
	i = msr_slot(c, msr);
	if (i < 0)
		return -EIO;
	*val = c->msr_val[i];
	return 0;
}

static int do_wrmsr(struct machine *m, struct hw_cpu *c, uint32_t msr, uint64_t val)
{
	if (apic_msr(msr))
		return apic_wrmsr(m, c, msr, val);
	return model_msr_write(c->model, c->msr_val, c->cr0, msr, val) ? -EIO : 0;
}

int hw_write_msr(struct machine *m, uint32_t msr, uint64_t val)
{
	return do_wrmsr(m, hw_cur(m), msr, val);
}

/* The kernel's fixup for a faulting RDMSR/WRMSR: a warning, and the run goes on. */
static void msr_warning(const char *op, uint32_t msr, uint64_t val, uintptr_t pc)
{
	struct machine *m = sim_current;
	char title[256], frame[96];

	machine_symbolize(m, pc, frame, sizeof(frame));
	if (!strcmp(op, "RDMSR"))
		snprintf(title, sizeof(title),
			 "unchecked MSR access error: RDMSR from 0x%x at rIP: %s", msr, frame);
	else
		snprintf(title, sizeof(title),
			 "unchecked MSR access error: WRMSR to 0x%x (tried to write 0x%016llx) at rIP: %s",
			 msr, (unsigned long long)val, frame);
	hw_fault(m, &(struct hw_fault){ .title = title, .pc = pc });
}

uint64_t native_read_msr(uint32_t msr)
{
	struct hw_cpu *c = insn_step(COST_RDMSR, !apic_msr(msr), CALLER_PC);
	uint64_t val = 0;

	if (c && do_rdmsr(sim_current, c, msr, &val))
		msr_warning("RDMSR", msr, 0, CALLER_PC);
	return val;
}

void native_write_msr(uint32_t msr, uint64_t val)
{
	struct hw_cpu *c = insn_step(COST_WRMSR, !apic_msr(msr), CALLER_PC);

	if (c && do_wrmsr(sim_current, c, msr, val))
		msr_warning("WRMSR", msr, val, CALLER_PC);
}

int rdmsrl_safe(uint32_t msr, uint64_t *val)
{
	struct hw_cpu *c = insn_step(COST_RDMSR, !apic_msr(msr), CALLER_PC);

	*val = 0;
	return c ? do_rdmsr(sim_current, c, msr, val) : -EIO;
}

int wrmsrl_safe(uint32_t msr, uint64_t val)
{
	struct hw_cpu *c = insn_step(COST_WRMSR, !apic_msr(msr), CALLER_PC);

	return c ? do_wrmsr(sim_current, c, msr, val) : -EIO;
}

/* ICR2 bits 31:24 hold an xAPIC destination ("Interrupt Command Register"). */
#define XAPIC_DEST_SHIFT	24

int hw_icr_write(struct machine *m, uint32_t low, uint32_t dest)
{
	struct hw_cpu *c = hw_cur(m);

	if (lapic_mode(&c->apic) == LAPIC_MODE_X2APIC)
		return do_wrmsr(m, c, APIC_BASE_MSR + (APIC_ICR >> 4), ((uint64_t)dest << 32) | low);
	hw_apic_write(m, APIC_ICR2, dest << XAPIC_DEST_SHIFT);
	hw_apic_write(m, APIC_ICR, low);
	return 0;
}

void apic_icr_write(uint32_t low, uint32_t dest)
{
	struct hw_cpu *c = insn(COST_WRMSR, CALLER_PC);

	if (c && hw_icr_write(sim_current, low, dest))
		msr_warning("WRMSR", APIC_BASE_MSR + (APIC_ICR >> 4), ((uint64_t)dest << 32) | low,
			    CALLER_PC);
}

unsigned long read_cr0(void)
{
	struct hw_cpu *c = insn_local(COST_ACCESS, CALLER_PC);

	return c ? c->cr0 : 0;
}

unsigned long read_cr4(void)
{
	struct hw_cpu *c = insn_local(COST_ACCESS, CALLER_PC);

	return c ? c->cr4 : 0;
}

/*
 * In VMX operation MOV to CR0/CR4 also #GPs when it would clear a bit of
 * the FIXED0 MSR or set one outside FIXED1 (SDM Vol. 3C, "Restrictions on
 * VMX Operation"): CR4.VMXE cannot be cleared before VMXOFF.
 */
static bool outside_vmx_fixed(const struct hw_cpu *c, uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	return c->vmx.root && ((val & fixed0) != fixed0 || (val & ~fixed1));
}

/* MOV to CR0 #GPs (SDM Vol. 3A, "Control Registers"): reserved bits, PG without PE, NW without CD. */
static bool cr0_faults(const struct hw_cpu *c, uint64_t val)
{
	const uint64_t defined = X86_CR0_PE | X86_CR0_MP | X86_CR0_EM | X86_CR0_TS |
				 X86_CR0_ET | X86_CR0_NE | X86_CR0_WP | X86_CR0_AM |
				 X86_CR0_NW | X86_CR0_CD | X86_CR0_PG;

	if (c->model && outside_vmx_fixed(c, val, model_cr0_fixed0(c->model),
					  model_cr0_fixed1(c->model)))
		return true;
	return (val & ~defined) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	       ((val & X86_CR0_NW) && !(val & X86_CR0_CD));
}

/* MOV to CR4 #GPs when it sets a bit the CPU does not support (reserved). */
static bool cr4_faults(const struct hw_cpu *c, uint64_t val)
{
	/* Without a model: what every x86-64 CPU has (the bits HOST_CR4 may use, and MCE). */
	uint64_t reserved = c->model ? model_cr4_reserved(c->model) :
			    ~(X86_CR4_PSE | X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_OSFXSR |
			      X86_CR4_OSXMMEXCPT);

	if (c->model && outside_vmx_fixed(c, val, model_cr4_fixed0(c->model),
					  model_cr4_fixed1(c->model)))
		return true;
	return (val & reserved) != 0;
}

__attribute__((noreturn))
static void gp_oops(const char *what, uint64_t val, uintptr_t pc)
{
	struct machine *m = sim_current;
	const struct cpu_model *model = hw_cur(m)->model;
	char after[256];

	snprintf(after, sizeof(after), "(%s 0x%016llx on a %s)\n", what, (unsigned long long)val,
		 model ? model->name : "CPU without a model");
	hw_fault(m, &(struct hw_fault){
		.title = "general protection fault: 0000 [#1] PREEMPT SMP",
		.rip = true, .after = after, .call_trace = true, .pc = pc, .fatal = true,
	});
	__builtin_unreachable();
}

void write_cr0(unsigned long val)
{
	struct hw_cpu *c = insn_local(COST_CR_WRITE, CALLER_PC);

	if (!c)
		return;
	if (cr0_faults(c, val))
		gp_oops("MOV to CR0 of", val, CALLER_PC);
	c->cr0 = val;
}

void write_cr4(unsigned long val)
{
	struct hw_cpu *c = insn_local(COST_CR_WRITE, CALLER_PC);

	if (!c)
		return;
	if (cr4_faults(c, val))
		gp_oops("MOV to CR4 of", val, CALLER_PC);
	c->cr4 = val;
}

int write_cr4_safe(unsigned long val)
{
	struct hw_cpu *c = insn_local(COST_CR_WRITE, CALLER_PC);

	if (!c || cr4_faults(c, val))
		return -EIO;
	c->cr4 = val;
	return 0;
}

void cr4_set_bits(unsigned long mask)
{
	struct machine *m = sim_current;

	if (m->cur_task)
		write_cr4(hw_cur(m)->cr4 | mask);
}

void cr4_clear_bits(unsigned long mask)
{
	struct machine *m = sim_current;

	if (m->cur_task)
		write_cr4(hw_cur(m)->cr4 & ~mask);
}

/* Host CR0 and CR4 as a 64-bit kernel runs: paging, protection, SSE, PGE, PAE. */
#define HOST_CR0	(X86_CR0_PG | X86_CR0_AM | X86_CR0_WP | X86_CR0_NE | X86_CR0_ET | \
			 X86_CR0_MP | X86_CR0_PE)
#define HOST_CR4	(X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

/*
 * INIT (SDM Vol. 3A "Initialization Overview", table "IA-32 and Intel 64
 * Processor States Following Power-up, Reset, or INIT"): the CPU's
 * registers as at power-up, its MSRs as they were, its local APIC reset
 * but for its ID and IA32_APIC_BASE ("Local APIC State After an INIT
 * Reset"). In VMX root operation INIT is blocked (Vol. 3C "VMX
 * Operation"... "INIT signals are blocked whenever a logical processor is
 * in VMX root operation"): -EBUSY, and nothing changes.
 */
int hw_init_cpu(struct machine *m, unsigned int cpu)
{
	struct hw_cpu *c = hw_cpu(m, cpu);
	uint64_t base = c->apic.base;

	if (c->vmx.root)
		return -EBUSY;
	c->cr0 = HOST_CR0;
	c->cr4 = HOST_CR4 & (c->model ? model_cr4_fixed1(c->model) : ~0ULL);
	lapic_reset(&c->apic, c->apic.id, base & MSR_IA32_APICBASE_BSP, c->apic.x2apic_capable,
		    c->apic.tsc_deadline_capable, c->apic.maxphyaddr);
	c->apic.base = base;
	return 0;
}

void hw_reset(struct machine *m)
{
	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct hw_cpu *c = hw_cpu(m, i);

		c->apic_id = i;
		c->cr0 = HOST_CR0;
		c->cr4 = HOST_CR4;
		c->irqs_enabled = true;
		c->nflights = 0;
		c->landed_at = 0;
		c->nmi_pending = c->in_nmi = c->init_pending = c->wait_sipi = false;
		c->sipi_pending = false;
		lapic_reset(&c->apic, i, i == 0,
			    c->model && model_cpuid_bit(c->model, 1, 0, MODEL_ECX, 21),
			    c->model && model_cpuid_bit(c->model, 1, 0, MODEL_ECX, 24),
			    c->model ? model_maxphyaddr(c->model) : 36);
		machine_trace_cpu(m, i, model_freq_mhz(c->model),
				  c->model ? model_name(c->model) : NULL);
		if (!c->model)
			continue;
		c->cr4 &= model_cr4_fixed1(c->model);
		for (unsigned int j = 0; j < c->model->nmsrs; j++)
			c->msr_val[j] = c->model->msrs[j].value;
	}
}

/*
 * A model's costs for the engine's step kinds. Cross-core transfers are
 * not modelled yet (no cache-line ownership): every access costs a hit.
 */
static void hw_set_costs(struct machine *m)
{
	for (unsigned int i = 0; i < m->ncpus; i++) {
		const struct cpu_model *md = hw_cpu(m, i)->model;
		uint32_t cost[SIM_NR_KINDS];

		if (!md) {
			machine_set_cpu_costs(m, i, NULL);
			continue;
		}
		memcpy(cost, machine_default_cost, sizeof(cost));
		for (unsigned int k = SIM_READ; k <= SIM_WRITE_MARKED; k++)
			cost[k] = md->cost[COST_ACCESS];
		cost[SIM_ATOMIC_LOAD] = md->cost[COST_ACCESS];
		cost[SIM_ATOMIC_STORE] = md->cost[COST_ATOMIC];
		cost[SIM_ATOMIC_RMW] = md->cost[COST_ATOMIC];
		cost[SIM_FENCE] = md->cost[COST_FENCE];
		cost[SIM_RELAX] = md->cost[COST_PAUSE];
		machine_set_cpu_costs(m, i, cost);
	}
}

int hw_configure(struct machine *m, const char *desc, char *err, size_t errlen)
{
	struct hw_machine *hw = hw_of(m);
	struct hw_desc *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	ret = hw_desc_parse(desc, d, err, errlen);
	if (ret)
		goto out;
	if (d->nslots != m->ncpus) {
		snprintf(err, errlen, "machine '%s': %u slots, the program needs %u CPUs",
			 desc, d->nslots, m->ncpus);
		ret = -EINVAL;
		goto out;
	}
	free(hw->models);
	hw->models = calloc(m->ncpus, sizeof(*hw->models));
	if (!hw->models) {
		ret = -ENOMEM;
		goto out;
	}
	hw->offline_slots = 0;
	for (unsigned int i = 0; i < d->nslots; i++) {
		/* Slots of one model share a parse: copy it. */
		unsigned int j;

		for (j = 0; j < i; j++)
			if (!strcmp(d->slot[j].spec, d->slot[i].spec))
				break;
		if (j < i)
			hw->models[i] = hw->models[j];
		else if ((ret = model_load(NULL, d->slot[i].spec, &hw->models[i], err, errlen)))
			goto out;
		hw->cpu[i].model = &hw->models[i];
		if (d->slot[i].offline) {
			if (i == 0) {
				snprintf(err, errlen, "machine '%s': slot 0 is the boot CPU and cannot start offline",
					 desc);
				ret = -EINVAL;
				goto out;
			}
			hw->offline_slots |= 1ULL << i;
		}
	}
	hw_set_costs(m);
out:
	free(d);
	return ret;
}

int hw_machine_init(struct hw_machine *hw, unsigned int ncpus, const struct machine_hooks *hooks,
		    struct phys_mem *mem, const struct hw_entries *entry)
{
	int ret = machine_init(&hw->m, ncpus, hooks);

	if (ret)
		return ret;
	hw->vmx = calloc(1, sizeof(*hw->vmx));
	if (!hw->vmx) {
		machine_fini(&hw->m);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < ncpus; i++)
		hw->cpu[i].id = i;
	hw->mem = mem;
	if (entry)
		hw->entry = *entry;
	return 0;
}

void hw_machine_fini(struct hw_machine *hw)
{
	free(hw->models);
	hw->models = NULL;
	free(hw->vmx);
	hw->vmx = NULL;
	machine_fini(&hw->m);
}

void hw_fault(struct machine *m, const struct hw_fault *f)
{
	struct hw_machine *hw = hw_of(m);

	if (hw->entry.fault)
		hw->entry.fault(m, f);
	/* Without a kernel to print it, an oops still ends the run. */
	if (f->fatal)
		machine_end(m, SIM_FAILED, f->title);
}
