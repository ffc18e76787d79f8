// SPDX-License-Identifier: MIT
/*
 * CPU models as data: CPUID and MSR look-ups, and the values the SDM
 * derives from a model's CPUID and MSRs (CR4 fixed and reserved bits,
 * MAXPHYADDR, the CR0/CR4 fixed bits where the VMX MSRs are absent).
 * Where a model comes from: model_file.c (the cpus/NAME.cpu parser),
 * model_vary.c (variations, model_load()); model_vmx.c names the VMX
 * controls, model_describe.c prints a model, hw_desc.c parses the
 * machines programs ask for.
 *
 * All state lives in the structs the caller passes; the tables below are
 * constant.
 */
#include "cpu/model_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"

/* The architectural values where a model lacks the VMX MSRs (README of cpu-data: every dump). */
#define ARCH_CR0_FIXED0		(X86_CR0_PE | X86_CR0_NE | X86_CR0_PG)
#define ARCH_CR0_FIXED1		0xffffffffULL
#define ARCH_CR4_FIXED0		X86_CR4_VMXE

/* MAXPHYADDR when CPUID leaf 80000008H is absent (SDM Vol. 3A, "Physical Address Space"). */
#define ARCH_MAXPHYADDR_DEFAULT	36

static const char *const cost_names[NR_MODEL_COSTS] = {
	[COST_ACCESS] = "access",
	[COST_XCORE] = "xcore",
	[COST_ATOMIC] = "atomic",
	[COST_FENCE] = "fence",
	[COST_PAUSE] = "pause",
	[COST_CPUID] = "cpuid",
	[COST_RDMSR] = "rdmsr",
	[COST_WRMSR] = "wrmsr",
	[COST_CR_WRITE] = "cr-write",
	[COST_VMXON] = "vmxon",
	[COST_VMENTRY] = "vmentry",
	[COST_VMEXIT] = "vmexit",
	[COST_IPI] = "ipi",
	[COST_IPI_LATE] = "ipi-late",
	[COST_HOTPLUG] = "hotplug",
};

const char *const model_reg_names[4] = { "eax", "ebx", "ecx", "edx" };

/* Each choice's name and its two values' names, value 0 first. */
static const struct {
	const char *name;
	const char *values[2];
} choices[NR_MODEL_CHOICES] = {
	[MODEL_CHOICE_NMI_IN_STI_SHADOW] = { "nmi-in-sti-shadow", { "fail", "enter" } },
};

/* ---- look-ups ---- */

const struct cpuid_leaf *model_find_leaf(const struct cpu_model *m, uint32_t leaf,
					  uint32_t subleaf)
{
	for (unsigned int i = 0; i < m->nleaves; i++) {
		const struct cpuid_leaf *l = &m->leaves[i];

		if (l->leaf == leaf && (!l->indexed || l->subleaf == subleaf))
			return l;
	}
	return NULL;
}

/* Whether the model has any entry for @leaf, whatever its subleaves. */
static const struct cpuid_leaf *find_any_leaf(const struct cpu_model *m, uint32_t leaf)
{
	for (unsigned int i = 0; i < m->nleaves; i++)
		if (m->leaves[i].leaf == leaf)
			return &m->leaves[i];
	return NULL;
}

static uint32_t leaf_reg_value(const struct cpuid_leaf *l, enum model_reg reg)
{
	const uint32_t regs[4] = { l->eax, l->ebx, l->ecx, l->edx };

	return (unsigned int)reg < 4 ? regs[reg] : 0;
}

const struct model_msr *model_msr(const struct cpu_model *m, uint32_t index)
{
	for (unsigned int i = 0; i < m->nmsrs; i++)
		if (m->msrs[i].index == index)
			return &m->msrs[i];
	return NULL;
}

bool model_efer_lme_faults(uint64_t cr0, uint64_t now, uint64_t val)
{
	return (cr0 & X86_CR0_PG) && ((now ^ val) & EFER_LME);
}

int model_msr_write_slot(const struct cpu_model *m, const uint64_t *cur, uint64_t cr0,
			 uint32_t index, uint64_t val)
{
	const struct model_msr *e = m ? model_msr(m, index) : NULL;
	uint64_t now;

	if (!e)
		return -1;
	now = cur ? cur[e - m->msrs] : e->value;
	if ((val & ~e->writable) != (now & ~e->writable))
		return -1;
	if (index == MSR_IA32_FEATURE_CONTROL && (now & FEAT_CTL_LOCKED))
		return -1;
	if (index == MSR_EFER && model_efer_lme_faults(cr0, now, val))
		return -1;
	return (int)(e - m->msrs);
}

int model_msr_write(const struct cpu_model *m, uint64_t *vals, uint64_t cr0, uint32_t index,
		    uint64_t val)
{
	int slot = model_msr_write_slot(m, vals, cr0, index, val);

	if (slot < 0)
		return -1;
	if (!vals)
		return 0;
	if (index == MSR_EFER)
		val = (val & ~EFER_LMA) | (vals[slot] & EFER_LMA);
	vals[slot] = val;
	return 0;
}

/* Leaf 0 EAX and 80000000H EAX; false when the model lacks that leaf. */
bool model_max_basic(const struct cpu_model *m, uint32_t *max)
{
	const struct cpuid_leaf *l = model_find_leaf(m, CPUID_LEAF_MAX_BASIC, 0);

	if (l)
		*max = l->eax;
	return l;
}

bool model_max_ext(const struct cpu_model *m, uint32_t *max)
{
	const struct cpuid_leaf *l = model_find_leaf(m, CPUID_LEAF_MAX_EXT, 0);

	if (l)
		*max = l->eax;
	return l;
}

/* Whether CPUID answers @leaf with its own data rather than another leaf's. */
bool model_leaf_in_range(const struct cpu_model *m, uint32_t leaf)
{
	uint32_t bmax, emax;

	if (!model_max_basic(m, &bmax))
		return true;	/* no leaf 0: no maximum to check against */
	if (leaf <= bmax)
		return true;
	if (leaf >= CPUID_LEAF_MAX_EXT)
		return model_max_ext(m, &emax) && emax >= CPUID_LEAF_MAX_EXT && leaf <= emax;
	return false;
}

/*
 * CPUID (SDM Vol. 2A, CPUID instruction reference):
 *  - A leaf above the maximum basic leaf (leaf 0 EAX) that is not an
 *    extended leaf up to the maximum extended leaf (80000000H EAX) returns
 *    "the data for the highest basic information leaf" on Intel, with the
 *    caller's ECX. A model may store leaves outside both ranges (a guest
 *    CPU's hypervisor leaves 40000000H+): those answer for themselves.
 *  - A subleaf of an indexed leaf that the model lacks is invalid and
 *    returns zeros, except leaves 0BH/1FH: there ECX[7:0] echoes the
 *    subleaf, ECX[15:8] = 0 says "invalid level" and EDX still holds the
 *    x2APIC ID ("Extended Topology Enumeration Leaf").
 *  - A leaf in range that the model lacks is reserved and returns zeros.
 * Per-CPU fields (leaf 1 EBX[31:24], leaves 0BH/1FH EDX) come back as the
 * model stores them: the machine puts each CPU's APIC ID in.
 */
void model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	const struct cpuid_leaf *l;
	uint32_t bmax;

	out[0] = out[1] = out[2] = out[3] = 0;
	if (!model_leaf_in_range(m, leaf) && !find_any_leaf(m, leaf) && model_max_basic(m, &bmax))
		leaf = bmax;
	l = model_find_leaf(m, leaf, subleaf);
	if (l) {
		out[0] = l->eax;
		out[1] = l->ebx;
		out[2] = l->ecx;
		out[3] = l->edx;
		return;
	}
	if (leaf == CPUID_LEAF_TOPOLOGY || leaf == CPUID_LEAF_TOPOLOGY_V2) {
		l = model_find_leaf(m, leaf, 0);
		if (l) {
			out[2] = subleaf & 0xff;
			out[3] = l->edx;
		}
	}
}

bool model_cpuid_bit(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     enum model_reg reg, unsigned int bit)
{
	const struct cpuid_leaf *l;
	uint32_t v;

	if (bit > 31 || !model_leaf_in_range(m, leaf))
		return false;
	l = model_find_leaf(m, leaf, subleaf);
	if (!l)
		return false;
	v = leaf_reg_value(l, reg);
	return (v >> bit) & 1;
}

/* ---- derived values ---- */

bool model_has_vmx(const struct cpu_model *m)
{
	return model_cpuid_bit(m, CPUID_LEAF_FEATURES, 0, MODEL_ECX, 5);
}

unsigned int model_maxphyaddr(const struct cpu_model *m)
{
	const struct cpuid_leaf *l = model_find_leaf(m, CPUID_LEAF_ADDR_SIZES, 0);

	if (!l || !model_leaf_in_range(m, CPUID_LEAF_ADDR_SIZES))
		return ARCH_MAXPHYADDR_DEFAULT;
	return l->eax & 0xff;
}

unsigned int model_linaddr(const struct cpu_model *m)
{
	const struct cpuid_leaf *l = model_find_leaf(m, CPUID_LEAF_ADDR_SIZES, 0);
	unsigned int n;

	if (!l || !model_leaf_in_range(m, CPUID_LEAF_ADDR_SIZES))
		return 48;
	n = (l->eax >> 8) & 0xff;
	return n >= 32 && n <= 64 ? n : 48;
}

bool model_canonical(const struct cpu_model *m, uint64_t addr)
{
	return canonical_in(model_linaddr(m), addr);
}

/* A CR4 bit and the CPUID bit that lets software set it. */
struct cr4_rule {
	uint64_t cr4;
	uint32_t leaf, subleaf;
	enum model_reg reg;
	unsigned char bit;
};

/*
 * CR4 bits and their CPUID enumeration (SDM Vol. 3A, "Control Registers";
 * CPUID instruction reference). Checked against IA32_VMX_CR4_FIXED1 of
 * every model in cpus/ and of the six CPUs of cpu-data/vmx-profiles.txt.
 * CET is in both lists of the derivation below: shadow stacks or IBT.
 */
static const struct cr4_rule cr4_rules[] = {
	{ X86_CR4_VME, 1, 0, MODEL_EDX, 1 },	/* VME */
	{ X86_CR4_PVI, 1, 0, MODEL_EDX, 1 },	/* VME: PVI comes with it */
	{ X86_CR4_TSD, 1, 0, MODEL_EDX, 4 },	/* TSC */
	{ X86_CR4_DE, 1, 0, MODEL_EDX, 2 },		/* DE */
	{ X86_CR4_PSE, 1, 0, MODEL_EDX, 3 },	/* PSE */
	{ X86_CR4_PAE, 1, 0, MODEL_EDX, 6 },	/* PAE */
	{ X86_CR4_MCE, 1, 0, MODEL_EDX, 7 },	/* MCE */
	{ X86_CR4_PGE, 1, 0, MODEL_EDX, 13 },	/* PGE */
	{ X86_CR4_OSFXSR, 1, 0, MODEL_EDX, 24 },	/* FXSR */
	{ X86_CR4_OSXMMEXCPT, 1, 0, MODEL_EDX, 25 },	/* SSE */
	{ X86_CR4_UMIP, 7, 0, MODEL_ECX, 2 },	/* UMIP */
	{ X86_CR4_LA57, 7, 0, MODEL_ECX, 16 },	/* LA57 */
	{ X86_CR4_VMXE, 1, 0, MODEL_ECX, 5 },	/* VMX */
	{ X86_CR4_SMXE, 1, 0, MODEL_ECX, 6 },	/* SMX */
	{ X86_CR4_FSGSBASE, 7, 0, MODEL_EBX, 0 },	/* FSGSBASE */
	{ X86_CR4_PCIDE, 1, 0, MODEL_ECX, 17 },	/* PCID */
	{ X86_CR4_OSXSAVE, 1, 0, MODEL_ECX, 26 },	/* XSAVE (not OSXSAVE, bit 27) */
	{ X86_CR4_KL, 7, 0, MODEL_ECX, 23 },	/* Key Locker */
	{ X86_CR4_SMEP, 7, 0, MODEL_EBX, 7 },	/* SMEP */
	{ X86_CR4_SMAP, 7, 0, MODEL_EBX, 20 },	/* SMAP */
	{ X86_CR4_PKE, 7, 0, MODEL_ECX, 3 },	/* PKU */
	{ X86_CR4_CET, 7, 0, MODEL_ECX, 7 },	/* CET shadow stacks */
	{ X86_CR4_CET, 7, 0, MODEL_EDX, 20 },	/* CET indirect-branch tracking */
	{ X86_CR4_PKS, 7, 0, MODEL_ECX, 31 },	/* PKS */
	{ X86_CR4_UINTR, 7, 0, MODEL_EDX, 5 },	/* user interrupts */
	{ X86_CR4_LAM_SUP, 7, 1, MODEL_EAX, 26 },	/* LAM */
};

static bool rule_holds(const struct cpu_model *m, const struct cr4_rule *r)
{
	return model_cpuid_bit(m, r->leaf, r->subleaf, r->reg, r->bit);
}

/*
 * The CR4 bits the model lets software set, as IA32_VMX_CR4_FIXED1 reports
 * them: PCE (performance-counter enable) on every CPU, every other bit by
 * its CPUID feature flag. FRED (bit 32) is not modelled.
 */
uint64_t model_cr4_fixed1(const struct cpu_model *m)
{
	uint64_t v = X86_CR4_PCE;

	for (size_t i = 0; i < sizeof(cr4_rules) / sizeof(cr4_rules[0]); i++)
		if (rule_holds(m, &cr4_rules[i]))
			v |= cr4_rules[i].cr4;
	return v;
}

/*
 * The CR4 bits a KVM guest with this CPUID may not set, as KVM's
 * __cr4_reserved_bits() computes them (arch/x86/kvm/x86.h, with
 * CR4_RESERVED_BITS of kvm_host.h, Linux 6.6+). It differs from
 * ~model_cr4_fixed1():
 *  - VME, PVI, TSD, DE, PSE, PAE, MCE, PGE, PCE, OSFXSR and OSXMMEXCPT are
 *    never reserved, whatever CPUID says;
 *  - SMXE, KL, PKS and UINTR are always reserved: KVM does not virtualize
 *    them, so a guest CR4 write that sets them fails even where the
 *    hardware (and VMX_CR4_FIXED1) allows them;
 *  - bits 63:32 are reserved (KVM's mask is an unsigned long).
 */
uint64_t model_cr4_reserved(const struct cpu_model *m)
{
	static const struct cr4_rule kvm_rules[] = {
		{ X86_CR4_OSXSAVE, 1, 0, MODEL_ECX, 26 },
		{ X86_CR4_SMEP, 7, 0, MODEL_EBX, 7 },
		{ X86_CR4_SMAP, 7, 0, MODEL_EBX, 20 },
		{ X86_CR4_FSGSBASE, 7, 0, MODEL_EBX, 0 },
		{ X86_CR4_PKE, 7, 0, MODEL_ECX, 3 },
		{ X86_CR4_LA57, 7, 0, MODEL_ECX, 16 },
		{ X86_CR4_UMIP, 7, 0, MODEL_ECX, 2 },
		{ X86_CR4_VMXE, 1, 0, MODEL_ECX, 5 },
		{ X86_CR4_PCIDE, 1, 0, MODEL_ECX, 17 },
		{ X86_CR4_LAM_SUP, 7, 1, MODEL_EAX, 26 },
		{ X86_CR4_CET, 7, 0, MODEL_ECX, 7 },
		{ X86_CR4_CET, 7, 0, MODEL_EDX, 20 },
	};
	uint64_t allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE |
			   X86_CR4_PAE | X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR |
			   X86_CR4_OSXMMEXCPT;

	for (size_t i = 0; i < sizeof(kvm_rules) / sizeof(kvm_rules[0]); i++)
		if (rule_holds(m, &kvm_rules[i]))
			allowed |= kvm_rules[i].cr4;
	return ~allowed;
}

/*
 * IA32_DEBUGCTL (SDM Vol. 4, "Architectural MSRs", 1D9H; Vol. 3B
 * "IA32_DEBUGCTL MSR"): bits 5:3 and 63:16 are reserved, the others exist
 * as the table says:
 *  - LBR, BTF, TR, BTS, BTINT, BTS_OFF_OS/USR and ENABLE_UNCORE_PMI by
 *    DisplayFamily_DisplayModel (06_01H to 06_1AH): every model in cpus/
 *    is a later family-6 processor, so they exist on all of them;
 *  - BLD (bus-lock detection) where CPUID.(EAX=07H,ECX=0):ECX[24];
 *  - FREEZE_LBRS_ON_PMI and FREEZE_PERFMON_ON_PMI where CPUID.01H:ECX[15]
 *    (PDCM) and CPUID.0AH:EAX[7:0] (perfmon version) > 1;
 *  - FREEZE_WHILE_SMM where IA32_PERF_CAPABILITIES[12]; a model without
 *    that MSR (no dump carries it) has the bit where PDCM says the MSR
 *    exists, as the generations these dumps come from report it;
 *  - RTM_DEBUG where CPUID.(EAX=07H,ECX=0):EBX[11] (RTM).
 */
uint64_t model_debugctl_reserved(const struct cpu_model *m)
{
	uint64_t valid = DEBUGCTLMSR_LBR | DEBUGCTLMSR_BTF | DEBUGCTLMSR_TR | DEBUGCTLMSR_BTS |
			 DEBUGCTLMSR_BTINT | DEBUGCTLMSR_BTS_OFF_OS | DEBUGCTLMSR_BTS_OFF_USR |
			 DEBUGCTLMSR_ENABLE_UNCORE_PMI;
	const struct cpuid_leaf *pmu = model_find_leaf(m, CPUID_LEAF_PERFMON, 0);
	bool pdcm = model_cpuid_bit(m, CPUID_LEAF_FEATURES, 0, MODEL_ECX, 15);
	const struct model_msr *caps = model_msr(m, MSR_IA32_PERF_CAPABILITIES);

	if (model_cpuid_bit(m, CPUID_LEAF_EXT_FEATURES, 0, MODEL_ECX, 24))
		valid |= DEBUGCTLMSR_BUS_LOCK_DETECT;
	if (pdcm && pmu && model_leaf_in_range(m, CPUID_LEAF_PERFMON) && (pmu->eax & 0xff) > 1)
		valid |= DEBUGCTLMSR_FREEZE_LBRS_ON_PMI | DEBUGCTLMSR_FREEZE_PERFMON_ON_PMI;
	if (caps ? caps->value & PERF_CAP_FREEZE_WHILE_SMM : pdcm)
		valid |= DEBUGCTLMSR_FREEZE_IN_SMM;
	if (model_cpuid_bit(m, CPUID_LEAF_EXT_FEATURES, 0, MODEL_EBX, 11))
		valid |= DEBUGCTLMSR_RTM_DEBUG;
	return ~valid;
}

/*
 * IA32_LBR_CTL (Vol. 3B, "Architectural Last Branch Records"): LBREn, and
 * the bits CPUID leaf 1CH EBX enumerates: CPL filtering (OS, USR) with bit
 * 0, branch filtering (bits 22:16) with bit 1, call-stack mode with bit 2.
 */
uint64_t model_lbr_ctl_reserved(const struct cpu_model *m)
{
	const struct cpuid_leaf *l = model_find_leaf(m, CPUID_LEAF_ARCH_LBR, 0);
	uint64_t valid = ARCH_LBR_CTL_LBREN;

	if (!l || !model_leaf_in_range(m, CPUID_LEAF_ARCH_LBR))
		return ~0ULL;
	if (l->ebx & 1)
		valid |= ARCH_LBR_CTL_CPL;
	if (l->ebx & 2)
		valid |= ARCH_LBR_CTL_FILTER;
	if (l->ebx & 4)
		valid |= ARCH_LBR_CTL_STACK;
	return ~valid;
}

uint64_t model_msr_value(const struct cpu_model *m, uint32_t index, uint64_t dflt)
{
	const struct model_msr *e = model_msr(m, index);

	return e ? e->value : dflt;
}

uint64_t model_vmx_ctl_cap(const struct cpu_model *m, uint32_t plain, uint32_t true_msr)
{
	bool use_true = model_msr_value(m, MSR_IA32_VMX_BASIC, 0) & VMX_BASIC_TRUE_CTLS;

	return model_msr_value(m, use_true ? true_msr : plain, 0);
}

uint64_t model_cr0_fixed0(const struct cpu_model *m)
{
	return model_msr_value(m, MSR_IA32_VMX_CR0_FIXED0, ARCH_CR0_FIXED0);
}

uint64_t model_cr0_fixed1(const struct cpu_model *m)
{
	return model_msr_value(m, MSR_IA32_VMX_CR0_FIXED1, ARCH_CR0_FIXED1);
}

uint64_t model_cr4_fixed0(const struct cpu_model *m)
{
	return model_msr_value(m, MSR_IA32_VMX_CR4_FIXED0, ARCH_CR4_FIXED0);
}

const char *model_cost_name(enum model_cost cost)
{
	if ((unsigned int)cost >= NR_MODEL_COSTS)
		return NULL;
	return cost_names[cost];
}

const char *model_choice_name(enum model_choice ch)
{
	return (unsigned int)ch < NR_MODEL_CHOICES ? choices[ch].name : NULL;
}

const char *model_choice_value_name(enum model_choice ch, unsigned int v)
{
	return (unsigned int)ch < NR_MODEL_CHOICES && v < 2 ? choices[ch].values[v] : NULL;
}

enum model_choice model_choice_find(const char *name, size_t len)
{
	unsigned int i;

	for (i = 0; i < NR_MODEL_CHOICES; i++)
		if (strlen(choices[i].name) == len && !strncmp(choices[i].name, name, len))
			break;
	return (enum model_choice)i;
}

bool model_choice_parse(enum model_choice ch, const char *text, uint8_t *v)
{
	for (uint8_t i = 0; i < 2; i++) {
		if (!strcmp(text, choices[ch].values[i])) {
			*v = i;
			return true;
		}
	}
	return false;
}

struct cpu_model *model_new(const char *dir, const char *spec, char *err, size_t errlen)
{
	struct cpu_model *m = calloc(1, sizeof(*m));

	if (!m) {
		snprintf(err, errlen, "out of memory loading model '%s'", spec);
		return NULL;
	}
	if (model_load(dir, spec, m, err, errlen)) {
		free(m);
		return NULL;
	}
	return m;
}

void model_free(struct cpu_model *m)
{
	free(m);
}

const char *model_name(const struct cpu_model *m)
{
	return m->name;
}

const char *model_description(const struct cpu_model *m)
{
	return m->description;
}

uint32_t model_freq_mhz(const struct cpu_model *m)
{
	return m && m->freq_mhz ? m->freq_mhz : MODEL_DEFAULT_FREQ_MHZ;
}
