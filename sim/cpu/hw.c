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

#include "kernel/kmodel.h"
#include "cpu/model.h"
#include "hvsim/x86/processor-flags.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/* The calling CPU, after the instruction's step. */
static struct cpu *insn(enum model_cost cost, uintptr_t pc)
{
	struct machine *m = kcall(NULL, pc);
	struct cpu *c = m->cur_cpu;

	if (!m->cur_task)
		return NULL;
	if (c->model)
		c->cycles += c->model->cost[cost];
	return c;
}

void cpuid_count(uint32_t leaf, uint32_t subleaf, uint32_t *eax, uint32_t *ebx,
		 uint32_t *ecx, uint32_t *edx)
{
	struct cpu *c = insn(COST_CPUID, CALLER_PC);
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
static int msr_slot(const struct cpu *c, uint32_t msr)
{
	const struct model_msr *e = c->model ? model_msr(c->model, msr) : NULL;

	return e ? (int)(e - c->model->msrs) : -1;
}

static int do_rdmsr(struct cpu *c, uint32_t msr, uint64_t *val)
{
	int i = msr_slot(c, msr);

	if (i < 0)
		return -EIO;
	*val = c->msr_val[i];
	return 0;
}

static int do_wrmsr(struct cpu *c, uint32_t msr, uint64_t val)
{
	int i = model_msr_write_slot(c->model, c->msr_val, msr, val);

	if (i < 0)
		return -EIO;
	c->msr_val[i] = val;
	return 0;
}

static void msr_warning(const char *op, uint32_t msr, uint64_t val, uintptr_t pc)
{
	struct machine *m = sim_current;
	char title[256], frame[96], text[512];

	machine_symbolize(m, pc, frame, sizeof(frame));
	if (!strcmp(op, "RDMSR"))
		snprintf(title, sizeof(title),
			 "unchecked MSR access error: RDMSR from 0x%x at rIP: %s", msr, frame);
	else
		snprintf(title, sizeof(title),
			 "unchecked MSR access error: WRMSR to 0x%x (tried to write 0x%016llx) at rIP: %s",
			 msr, (unsigned long long)val, frame);
	snprintf(text, sizeof(text), "%s\nCPU: %u PID: %u Comm: %s\n", title, m->cur_cpu->id,
		 m->cur_task->pid, m->cur_task->name);
	machine_report_text(m, title, text);
}

uint64_t native_read_msr(uint32_t msr)
{
	struct cpu *c = insn(COST_RDMSR, CALLER_PC);
	uint64_t val = 0;

	if (c && do_rdmsr(c, msr, &val))
		msr_warning("RDMSR", msr, 0, CALLER_PC);
	return val;
}

void native_write_msr(uint32_t msr, uint64_t val)
{
	struct cpu *c = insn(COST_WRMSR, CALLER_PC);

	if (c && do_wrmsr(c, msr, val))
		msr_warning("WRMSR", msr, val, CALLER_PC);
}

int rdmsrl_safe(uint32_t msr, uint64_t *val)
{
	struct cpu *c = insn(COST_RDMSR, CALLER_PC);

	*val = 0;
	return c ? do_rdmsr(c, msr, val) : -EIO;
}

int wrmsrl_safe(uint32_t msr, uint64_t val)
{
	struct cpu *c = insn(COST_WRMSR, CALLER_PC);

	return c ? do_wrmsr(c, msr, val) : -EIO;
}

unsigned long read_cr0(void)
{
	struct cpu *c = insn(COST_ACCESS, CALLER_PC);

	return c ? c->cr0 : 0;
}

unsigned long read_cr4(void)
{
	struct cpu *c = insn(COST_ACCESS, CALLER_PC);

	return c ? c->cr4 : 0;
}

/*
 * In VMX operation MOV to CR0/CR4 also #GPs when it would clear a bit of
 * the FIXED0 MSR or set one outside FIXED1 (SDM Vol. 3C, "Restrictions on
 * VMX Operation"): CR4.VMXE cannot be cleared before VMXOFF.
 */
static bool outside_vmx_fixed(const struct cpu *c, uint64_t val, uint64_t fixed0, uint64_t fixed1)
{
	return c->vmx.root && ((val & fixed0) != fixed0 || (val & ~fixed1));
}

/* MOV to CR0 #GPs (SDM Vol. 3A, "Control Registers"): reserved bits, PG without PE, NW without CD. */
static bool cr0_faults(const struct cpu *c, uint64_t val)
{
	const uint64_t defined = 0xe005003fULL;	/* PE MP EM TS ET NE WP AM NW CD PG */

	if (c->model && outside_vmx_fixed(c, val, model_cr0_fixed0(c->model),
					  model_cr0_fixed1(c->model)))
		return true;
	return (val & ~defined) || ((val & (1ULL << 31)) && !(val & 1)) ||
	       ((val & (1ULL << 29)) && !(val & (1ULL << 30)));
}

/* MOV to CR4 #GPs when it sets a bit the CPU does not support (reserved). */
static bool cr4_faults(const struct cpu *c, uint64_t val)
{
	uint64_t reserved = c->model ? model_cr4_reserved(c->model) : ~(uint64_t)0x6f0;

	if (c->model && outside_vmx_fixed(c, val, model_cr4_fixed0(c->model),
					  model_cr4_fixed1(c->model)))
		return true;
	return (val & reserved) != 0;
}

static void gp_oops(const char *what, uint64_t val, uintptr_t pc)
{
	struct machine *m = sim_current;
	char title[160], frame[96], text[1024];
	size_t n;

	machine_symbolize(m, pc, frame, sizeof(frame));
	snprintf(title, sizeof(title), "general protection fault: 0000 [#1] PREEMPT SMP");
	n = (size_t)snprintf(text, sizeof(text),
			     "%s\nCPU: %u PID: %u Comm: %s\nRIP: %s\n(%s 0x%016llx on a %s)\n",
			     title, m->cur_cpu->id, m->cur_task->pid, m->cur_task->name, frame, what,
			     (unsigned long long)val,
			     m->cur_cpu->model ? m->cur_cpu->model->name : "CPU without a model");
	(void)n;
	machine_report_text(m, title, text);
	machine_end(m, SIM_FAILED, title);
}

void write_cr0(unsigned long val)
{
	struct cpu *c = insn(COST_CR_WRITE, CALLER_PC);

	if (!c)
		return;
	if (cr0_faults(c, val))
		gp_oops("MOV to CR0 of", val, CALLER_PC);
	c->cr0 = val;
}

void write_cr4(unsigned long val)
{
	struct cpu *c = insn(COST_CR_WRITE, CALLER_PC);

	if (!c)
		return;
	if (cr4_faults(c, val))
		gp_oops("MOV to CR4 of", val, CALLER_PC);
	c->cr4 = val;
}

int write_cr4_safe(unsigned long val)
{
	struct cpu *c = insn(COST_CR_WRITE, CALLER_PC);

	if (!c || cr4_faults(c, val))
		return -EIO;
	c->cr4 = val;
	return 0;
}

void cr4_set_bits(unsigned long mask)
{
	struct machine *m = sim_current;

	if (m->cur_task)
		write_cr4(m->cur_cpu->cr4 | mask);
}

void cr4_clear_bits(unsigned long mask)
{
	struct machine *m = sim_current;

	if (m->cur_task)
		write_cr4(m->cur_cpu->cr4 & ~mask);
}

/* Host CR0 and CR4 as a 64-bit kernel runs: paging, protection, SSE, PGE, PAE. */
#define HOST_CR0	0x80050033ULL	/* PG AM WP NE ET MP PE */
#define HOST_CR4	(X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PSE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT)

void cpu_hw_reset(struct machine *m)
{
	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct cpu *c = &m->cpus[i];

		c->apic_id = i;
		c->cr0 = HOST_CR0;
		c->cr4 = HOST_CR4;
		if (!c->model)
			continue;
		c->cr4 &= model_cr4_fixed1(c->model);
		for (unsigned int j = 0; j < c->model->nmsrs; j++)
			c->msr_val[j] = c->model->msrs[j].value;
		if (m->offline_slots & (1ULL << i)) {
			c->online = false;
			c->active = false;
		}
	}
}

int machine_configure(struct machine *m, const char *desc, char *err, size_t errlen)
{
	struct machine_desc *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	ret = machine_desc_parse(desc, d, err, errlen);
	if (ret)
		goto out;
	if (d->nslots != m->ncpus) {
		snprintf(err, errlen, "machine '%s': %u slots, the program needs %u CPUs",
			 desc, d->nslots, m->ncpus);
		ret = -EINVAL;
		goto out;
	}
	free(m->models);
	m->models = calloc(m->ncpus, sizeof(*m->models));
	if (!m->models) {
		ret = -ENOMEM;
		goto out;
	}
	m->offline_slots = 0;
	for (unsigned int i = 0; i < d->nslots; i++) {
		/* Slots of one model share a parse: copy it. */
		unsigned int j;

		for (j = 0; j < i; j++)
			if (!strcmp(d->slot[j].spec, d->slot[i].spec))
				break;
		if (j < i)
			m->models[i] = m->models[j];
		else if ((ret = model_load(NULL, d->slot[i].spec, &m->models[i], err, errlen)))
			goto out;
		m->cpus[i].model = &m->models[i];
		if (d->slot[i].offline) {
			if (i == 0) {
				snprintf(err, errlen, "machine '%s': slot 0 is the boot CPU and cannot start offline",
					 desc);
				ret = -EINVAL;
				goto out;
			}
			m->offline_slots |= 1ULL << i;
		}
	}
	machine_set_costs(m);
out:
	free(d);
	return ret;
}
