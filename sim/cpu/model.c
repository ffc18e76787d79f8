// SPDX-License-Identifier: MIT
/*
 * CPU models as data: the cpus/NAME.cpu file parser, variations of a model
 * ("skylake-sp -vmx.posted-interrupts maxphyaddr=36"), CPUID and MSR
 * look-ups, the values the SDM derives from a model's CPUID (CR4 fixed and
 * reserved bits, MAXPHYADDR), and the machine-description parser.
 *
 * Everything here is an input path: a malformed file, spec or description
 * is a -errno with a message, never an assertion. All state lives in the
 * structs the caller passes; the tables below are constant.
 *
 * Grammars: docs/cpu-models.md.
 */
#include "cpu/model.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"

#ifndef HVSIM_CPUS_DIR
#define HVSIM_CPUS_DIR "cpus"
#endif

/* Longest line of a model file, without its newline. */
#define MODEL_LINE_MAX		1023
/* Most words a model-file line may have (msr has at most 5). */
#define MODEL_MAX_WORDS		8

/* The architectural values where a model lacks the VMX MSRs (README of cpu-data: every dump). */
#define ARCH_CR0_FIXED0		(X86_CR0_PE | X86_CR0_NE | X86_CR0_PG)
#define ARCH_CR0_FIXED1		0xffffffffULL
#define ARCH_CR4_FIXED0		X86_CR4_VMXE

/* MAXPHYADDR when CPUID leaf 80000008H is absent (SDM Vol. 3A, "Physical Address Space"). */
#define ARCH_MAXPHYADDR_DEFAULT	36
/* The SDM's bounds on MAXPHYADDR on Intel 64 processors ("Paging Modes and Control Bits"). */
#define MAXPHYADDR_MIN		36
#define MAXPHYADDR_MAX		52

/* CPUID leaves by function (SDM Vol. 2A, CPUID instruction reference). */
#define CPUID_LEAF_MAX_BASIC	0x00000000u
#define CPUID_LEAF_FEATURES	0x00000001u
#define CPUID_LEAF_TOPOLOGY	0x0000000bu
#define CPUID_LEAF_TOPOLOGY_V2	0x0000001fu
#define CPUID_LEAF_MAX_EXT	0x80000000u
#define CPUID_LEAF_ADDR_SIZES	0x80000008u

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
	[COST_HOTPLUG] = "hotplug",
};

/*
 * Costs a file leaves out: a Skylake-class core, the figures of
 * cpus/skylake-sp.cpu (docs/cpu-models.md says which are published).
 * The shipped model files give every cost themselves.
 */
static const uint32_t default_costs[NR_MODEL_COSTS] = {
	[COST_ACCESS] = 4,
	[COST_XCORE] = 100,
	[COST_ATOMIC] = 20,
	[COST_FENCE] = 35,
	[COST_PAUSE] = 140,
	[COST_CPUID] = 150,
	[COST_RDMSR] = 100,
	[COST_WRMSR] = 200,
	[COST_CR_WRITE] = 200,
	[COST_VMXON] = 2000,
	[COST_VMENTRY] = 500,
	[COST_VMEXIT] = 500,
	[COST_IPI] = 1500,
	[COST_HOTPLUG] = 100000,
};

static const char *const reg_names[4] = { "eax", "ebx", "ecx", "edx" };

/* ---- messages ---- */

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ---- small parsers shared by files, variations and descriptions ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits (a "0x" prefix required when @need_prefix), at most @max. */
static bool parse_hex(const char *s, bool need_prefix, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	else if (need_prefix)
		return false;
	for (; *s; s++, n++) {
		int d = hex_digit(*s);

		if (d < 0 || v > (UINT64_MAX >> 4))
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (!n || v > max)
		return false;
	*out = v;
	return true;
}

/* Decimal digits only, at most @max. */
static bool parse_dec(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * A model name: a file name without ".cpu", so no '/', and not starting
 * with '.' or '-' (no hidden files, no modifier look-alikes).
 */
static bool valid_model_name(const char *s, size_t len)
{
	if (!len || len >= MODEL_FILE_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_name_char(s[i]))
			return false;
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* ---- look-ups ---- */

/*
 * The leaves the SDM defines as indexed by ECX (CPUID instruction reference,
 * "Information Returned by CPUID Instruction"): a model file must give
 * their subleaves.
 */
static bool leaf_is_indexed(uint32_t leaf)
{
	static const uint32_t indexed[] = {
		0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18,
		0x1b, 0x1d, 0x1e, 0x1f, 0x20, 0x23, 0x24,
	};

	for (size_t i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++)
		if (indexed[i] == leaf)
			return true;
	return false;
}

static const struct cpuid_leaf *find_leaf(const struct cpu_model *m, uint32_t leaf,
					  uint32_t subleaf)
{
	for (unsigned int i = 0; i < m->nleaves; i++) {
		const struct cpuid_leaf *l = &m->leaves[i];

		if (l->leaf == leaf && (!l->indexed || l->subleaf == subleaf))
			return l;
	}
	return NULL;
}

static struct cpuid_leaf *find_leaf_mut(struct cpu_model *m, uint32_t leaf, uint32_t subleaf)
{
	return (struct cpuid_leaf *)find_leaf(m, leaf, subleaf);
}

/* Whether the model has any entry for @leaf, whatever its subleaves. */
static const struct cpuid_leaf *find_any_leaf(const struct cpu_model *m, uint32_t leaf)
{
	for (unsigned int i = 0; i < m->nleaves; i++)
		if (m->leaves[i].leaf == leaf)
			return &m->leaves[i];
	return NULL;
}

static uint32_t *leaf_reg(struct cpuid_leaf *l, enum model_reg reg)
{
	switch (reg) {
	case MODEL_EAX:
		return &l->eax;
	case MODEL_EBX:
		return &l->ebx;
	case MODEL_ECX:
		return &l->ecx;
	case MODEL_EDX:
		return &l->edx;
	}
	return &l->eax;
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

int model_msr_write_slot(const struct cpu_model *m, const uint64_t *cur, uint32_t index,
			 uint64_t val)
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
	return (int)(e - m->msrs);
}

static struct model_msr *msr_mut(struct cpu_model *m, uint32_t index)
{
	return (struct model_msr *)model_msr(m, index);
}

static void remove_msr(struct cpu_model *m, uint32_t index)
{
	struct model_msr *e = msr_mut(m, index);
	unsigned int i;

	if (!e)
		return;
	i = (unsigned int)(e - m->msrs);
	memmove(&m->msrs[i], &m->msrs[i + 1], (m->nmsrs - i - 1) * sizeof(m->msrs[0]));
	m->nmsrs--;
}

/* Leaf 0 EAX and 80000000H EAX; false when the model lacks that leaf. */
static bool max_basic(const struct cpu_model *m, uint32_t *max)
{
	const struct cpuid_leaf *l = find_leaf(m, CPUID_LEAF_MAX_BASIC, 0);

	if (l)
		*max = l->eax;
	return l;
}

static bool max_ext(const struct cpu_model *m, uint32_t *max)
{
	const struct cpuid_leaf *l = find_leaf(m, CPUID_LEAF_MAX_EXT, 0);

	if (l)
		*max = l->eax;
	return l;
}

/* Whether CPUID answers @leaf with its own data rather than another leaf's. */
static bool leaf_in_range(const struct cpu_model *m, uint32_t leaf)
{
	uint32_t bmax, emax;

	if (!max_basic(m, &bmax))
		return true;	/* no leaf 0: no maximum to check against */
	if (leaf <= bmax)
		return true;
	if (leaf >= CPUID_LEAF_MAX_EXT)
		return max_ext(m, &emax) && emax >= CPUID_LEAF_MAX_EXT && leaf <= emax;
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
	if (!leaf_in_range(m, leaf) && !find_any_leaf(m, leaf) && max_basic(m, &bmax))
		leaf = bmax;
	l = find_leaf(m, leaf, subleaf);
	if (l) {
		out[0] = l->eax;
		out[1] = l->ebx;
		out[2] = l->ecx;
		out[3] = l->edx;
		return;
	}
	if (leaf == CPUID_LEAF_TOPOLOGY || leaf == CPUID_LEAF_TOPOLOGY_V2) {
		l = find_leaf(m, leaf, 0);
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

	if (bit > 31 || !leaf_in_range(m, leaf))
		return false;
	l = find_leaf(m, leaf, subleaf);
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
	const struct cpuid_leaf *l = find_leaf(m, CPUID_LEAF_ADDR_SIZES, 0);

	if (!l || !leaf_in_range(m, CPUID_LEAF_ADDR_SIZES))
		return ARCH_MAXPHYADDR_DEFAULT;
	return l->eax & 0xff;
}

unsigned int model_linaddr(const struct cpu_model *m)
{
	const struct cpuid_leaf *l = find_leaf(m, CPUID_LEAF_ADDR_SIZES, 0);
	unsigned int n;

	if (!l || !leaf_in_range(m, CPUID_LEAF_ADDR_SIZES))
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
	uint64_t allowed = X86_CR4_VME | X86_CR4_PVI | X86_CR4_TSD | X86_CR4_DE | X86_CR4_PSE | X86_CR4_PAE |
			   X86_CR4_MCE | X86_CR4_PGE | X86_CR4_PCE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;

	for (size_t i = 0; i < sizeof(kvm_rules) / sizeof(kvm_rules[0]); i++)
		if (rule_holds(m, &kvm_rules[i]))
			allowed |= kvm_rules[i].cr4;
	return ~allowed;
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

/* ---- the file parser ---- */

struct parse_ctx {
	const char *path;
	unsigned int line;			/* current line, from 1 */
	char *err;
	size_t errlen;
	unsigned int name_line;			/* where "name" was, 0: not yet */
	unsigned int desc_line;
	unsigned int leaf_line[MODEL_MAX_LEAVES];	/* where each leaf was given */
	unsigned int msr_line[MODEL_MAX_MSRS];
	unsigned int cost_line[NR_MODEL_COSTS];
};

__attribute__((format(printf, 2, 3)))
static int perr(struct parse_ctx *c, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fail(c->err, c->errlen, -EINVAL, "%s:%u: expected %s", c->path, c->line, what);
}

enum line_status { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_NUL, LINE_CONTROL, LINE_IO };

/*
 * One line into @buf (MODEL_LINE_MAX + 1 bytes), without its newline or a
 * trailing CR. Reads byte by byte so that no line, however long, costs
 * more than the buffer, and a NUL or control byte is noticed.
 */
static enum line_status read_line(FILE *f, char *buf)
{
	size_t n = 0;
	bool any = false, too_long = false, nul = false, ctl = false;
	int ch;

	while ((ch = getc(f)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (ch == '\0')
			nul = true;
		else if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
			ctl = true;
		if (n < MODEL_LINE_MAX)
			buf[n++] = (char)ch;
		else
			too_long = true;
	}
	if (ch == EOF && ferror(f))
		return LINE_IO;
	if (!any)
		return LINE_EOF;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (too_long)
		return LINE_TOO_LONG;
	if (nul)
		return LINE_NUL;
	if (ctl || strchr(buf, '\r'))
		return LINE_CONTROL;
	return LINE_OK;
}

/* Split @s in place at blanks; returns the number of words, MODEL_MAX_WORDS + 1 if more. */
static int split_words(char *s, char *words[MODEL_MAX_WORDS])
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == MODEL_MAX_WORDS)
			return n + 1;
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_name(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	if (c->name_line)
		return perr(c, "one 'name' line: the name is already given on line %u", c->name_line);
	if (nw != 2)
		return perr(c, "'name NAME', one word");
	if (!valid_model_name(w[1], strlen(w[1])))
		return perr(c, "a name of at most %d letters, digits, '.', '_' and '-', not starting with '.' or '-', found '%s'",
			    MODEL_FILE_NAME_MAX - 1, w[1]);
	snprintf(m->name, sizeof(m->name), "%s", w[1]);
	c->name_line = c->line;
	return 0;
}

static int parse_description(struct parse_ctx *c, struct cpu_model *m, char *rest)
{
	size_t len;

	if (c->desc_line)
		return perr(c, "one 'description' line: it is already given on line %u", c->desc_line);
	while (*rest == ' ' || *rest == '\t')
		rest++;
	len = strlen(rest);
	while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t'))
		rest[--len] = '\0';
	if (!len)
		return perr(c, "'description TEXT' with some text");
	if (len >= sizeof(m->description))
		return perr(c, "a description of at most %zu characters", sizeof(m->description) - 1);
	memcpy(m->description, rest, len + 1);
	c->desc_line = c->line;
	return 0;
}

static int parse_cpuid(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	uint64_t leaf, subleaf = 0, regs[4];
	bool indexed = false;
	char *dot;

	if (nw != 6)
		return perr(c, "'cpuid LEAF[.SUBLEAF] EAX EBX ECX EDX'");
	dot = strchr(w[1], '.');
	if (dot) {
		*dot = '\0';
		indexed = true;
	}
	if (!parse_hex(w[1], true, UINT32_MAX, &leaf))
		return perr(c, "a 32-bit hexadecimal leaf (0x...), found '%s'", w[1]);
	if (indexed && !parse_hex(dot + 1, false, UINT32_MAX, &subleaf))
		return perr(c, "a 32-bit hexadecimal subleaf after '%s.', found '%s'", w[1], dot + 1);
	if (!indexed && leaf_is_indexed((uint32_t)leaf))
		return perr(c, "'cpuid 0x%08llx.SUBLEAF': the SDM indexes leaf 0x%llx by ECX",
			    (unsigned long long)leaf, (unsigned long long)leaf);
	for (int i = 0; i < 4; i++)
		if (!parse_hex(w[2 + i], true, UINT32_MAX, &regs[i]))
			return perr(c, "a 32-bit hexadecimal number (0x...) for %s, found '%s'",
				    reg_names[i], w[2 + i]);
	for (unsigned int i = 0; i < m->nleaves; i++) {
		const struct cpuid_leaf *l = &m->leaves[i];

		if (l->leaf != leaf)
			continue;
		if (l->indexed != indexed)
			return perr(c, "leaf 0x%llx %s a subleaf, as on line %u",
				    (unsigned long long)leaf, l->indexed ? "with" : "without",
				    c->leaf_line[i]);
		if (!indexed || l->subleaf == subleaf)
			return perr(c, "a leaf not given before: leaf 0x%llx%s is on line %u",
				    (unsigned long long)leaf, indexed ? " with that subleaf" : "",
				    c->leaf_line[i]);
	}
	if (m->nleaves == MODEL_MAX_LEAVES)
		return perr(c, "at most %d cpuid lines", MODEL_MAX_LEAVES);
	c->leaf_line[m->nleaves] = c->line;
	m->leaves[m->nleaves++] = (struct cpuid_leaf){
		.leaf = (uint32_t)leaf,
		.subleaf = (uint32_t)subleaf,
		.indexed = indexed,
		.eax = (uint32_t)regs[0],
		.ebx = (uint32_t)regs[1],
		.ecx = (uint32_t)regs[2],
		.edx = (uint32_t)regs[3],
	};
	return 0;
}

static int parse_msr(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	struct model_msr e = { 0 };
	bool have_writable = false;
	uint64_t v;

	if (nw < 3 || nw > 5)
		return perr(c, "'msr INDEX VALUE [writable=MASK] [assumed]'");
	if (!parse_hex(w[1], true, UINT32_MAX, &v))
		return perr(c, "a 32-bit hexadecimal MSR index (0x...), found '%s'", w[1]);
	e.index = (uint32_t)v;
	if (!parse_hex(w[2], true, UINT64_MAX, &e.value))
		return perr(c, "a 64-bit hexadecimal MSR value (0x...), found '%s'", w[2]);
	for (int i = 3; i < nw; i++) {
		if (!strcmp(w[i], "assumed") && !e.assumed) {
			e.assumed = true;
		} else if (!strncmp(w[i], "writable=", 9) && !have_writable) {
			if (!parse_hex(w[i] + 9, true, UINT64_MAX, &e.writable))
				return perr(c, "a 64-bit hexadecimal mask after 'writable=', found '%s'",
					    w[i] + 9);
			have_writable = true;
		} else {
			return perr(c, "'writable=0xMASK' or 'assumed' (each at most once), found '%s'", w[i]);
		}
	}
	for (unsigned int i = 0; i < m->nmsrs; i++)
		if (m->msrs[i].index == e.index)
			return perr(c, "an MSR not given before: MSR 0x%x is on line %u",
				    e.index, c->msr_line[i]);
	if (m->nmsrs == MODEL_MAX_MSRS)
		return perr(c, "at most %d msr lines", MODEL_MAX_MSRS);
	c->msr_line[m->nmsrs] = c->line;
	m->msrs[m->nmsrs++] = e;
	return 0;
}

static int parse_cost(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	uint64_t v;
	int i;

	if (nw != 3)
		return perr(c, "'cost NAME CYCLES'");
	for (i = 0; i < NR_MODEL_COSTS; i++)
		if (!strcmp(w[1], cost_names[i]))
			break;
	if (i == NR_MODEL_COSTS)
		return perr(c, "a cost name (access, xcore, atomic, fence, pause, cpuid, rdmsr, wrmsr, cr-write, vmxon, vmentry, vmexit, ipi, hotplug), found '%s'",
			    w[1]);
	if (c->cost_line[i])
		return perr(c, "each cost once: '%s' is on line %u", w[1], c->cost_line[i]);
	if (!parse_dec(w[2], 1000000000, &v))
		return perr(c, "a decimal cycle count from 0 to 1000000000, found '%s'", w[2]);
	m->cost[i] = (uint32_t)v;
	c->cost_line[i] = c->line;
	return 0;
}

static int parse_line(struct parse_ctx *c, struct cpu_model *m, char *buf)
{
	char *hash = strchr(buf, '#');
	char *words[MODEL_MAX_WORDS];
	char *rest;
	int nw;

	if (hash)
		*hash = '\0';
	/* "description" keeps its blanks: take the rest before splitting. */
	rest = buf;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (!strncmp(rest, "description", 11) && (rest[11] == ' ' || rest[11] == '\t' || !rest[11]))
		return parse_description(c, m, rest + 11);
	nw = split_words(buf, words);
	if (!nw)
		return 0;
	if (nw > MODEL_MAX_WORDS)
		return perr(c, "at most %d words on a line", MODEL_MAX_WORDS);
	if (!strcmp(words[0], "name"))
		return parse_name(c, m, words, nw);
	if (!strcmp(words[0], "cpuid"))
		return parse_cpuid(c, m, words, nw);
	if (!strcmp(words[0], "msr"))
		return parse_msr(c, m, words, nw);
	if (!strcmp(words[0], "cost"))
		return parse_cost(c, m, words, nw);
	return perr(c, "a keyword (name, description, cpuid, msr, cost), found '%s'", words[0]);
}

/*
 * Leaves above the maximum the model's own leaf 0 / 80000000H gives would
 * never be answered (CPUID returns the highest basic leaf there instead):
 * such a file contradicts itself.
 */
static int check_ranges(struct parse_ctx *c, const struct cpu_model *m)
{
	uint32_t bmax = 0, emax = 0;
	bool has_b = max_basic(m, &bmax), has_e = max_ext(m, &emax);

	for (unsigned int i = 0; i < m->nleaves; i++) {
		uint32_t leaf = m->leaves[i].leaf;

		c->line = c->leaf_line[i];
		if (has_b && leaf < 0x40000000u && leaf > bmax)
			return perr(c, "a leaf up to 0x%x, the maximum basic leaf in leaf 0 EAX, found 0x%x",
				    bmax, leaf);
		if (has_e && leaf >= CPUID_LEAF_MAX_EXT && leaf > emax)
			return perr(c, "a leaf up to 0x%x, the maximum extended leaf in leaf 0x80000000 EAX, found 0x%x",
				    emax, leaf);
	}
	return 0;
}

/*
 * The architectural MSRs every Intel 64 CPU has and the dumps do not carry
 * (SDM Vol. 4, "Architectural MSRs"), with the values a 64-bit Linux host
 * runs with; a model file that lists one keeps its own. Writable masks:
 * IA32_EFER's SCE, LME, LMA, NXE; IA32_TSC_AUX's low 32 bits; all of the
 * others (their value rules, canonical addresses and PAT types, are the
 * VM-entry MSR-loading checks' and not a mask's).
 */
static const struct model_msr architectural_msrs[] = {
	{ MSR_IA32_SYSENTER_CS, 0x10, ~0ULL, true },
	{ MSR_IA32_SYSENTER_ESP, 0xfffffe0000003000ULL, ~0ULL, true },
	{ MSR_IA32_SYSENTER_EIP, 0xffffffff81001000ULL, ~0ULL, true },
	{ MSR_IA32_CR_PAT, 0x0007040600070406ULL, ~0ULL, true },
	{ MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NX,
	  EFER_SCE | EFER_LME | EFER_LMA | EFER_NX, true },
	{ MSR_STAR, 0x0023001000000000ULL, ~0ULL, true },
	{ MSR_LSTAR, 0xffffffff81000000ULL, ~0ULL, true },
	{ MSR_CSTAR, 0xffffffff81000100ULL, ~0ULL, true },
	{ MSR_SYSCALL_MASK, 0x47700, ~0ULL, true },
	{ MSR_FS_BASE, 0, ~0ULL, true },
	{ MSR_GS_BASE, 0xffff888000000000ULL, ~0ULL, true },
	{ MSR_KERNEL_GS_BASE, 0, ~0ULL, true },
	{ MSR_TSC_AUX, 0, 0xffffffffULL, true },
};

static int add_architectural_msrs(struct parse_ctx *c, struct cpu_model *out)
{
	size_t n = sizeof(architectural_msrs) / sizeof(architectural_msrs[0]);

	for (size_t i = 0; i < n; i++) {
		if (model_msr(out, architectural_msrs[i].index))
			continue;
		if (out->nmsrs >= MODEL_MAX_MSRS)
			return perr(c, "at most %d MSRs with the %zu architectural ones hvsim adds",
				    MODEL_MAX_MSRS, n);
		out->msrs[out->nmsrs++] = architectural_msrs[i];
	}
	return 0;
}

static int parse_file(const char *path, struct cpu_model *out, unsigned int *name_line,
		      char *err, size_t errlen)
{
	struct parse_ctx *c;
	char buf[MODEL_LINE_MAX + 1];
	FILE *f;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	c = calloc(1, sizeof(*c));
	if (!c)
		return fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	c->path = path;
	c->err = err;
	c->errlen = errlen;
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		fail(err, errlen, ret, "%s: %s", path, strerror(errno));
		goto out_free;
	}
	for (;;) {
		enum line_status st = read_line(f, buf);

		if (st == LINE_EOF)
			break;
		c->line++;
		switch (st) {
		case LINE_IO:
			ret = fail(err, errlen, -EIO, "%s:%u: read error", path, c->line);
			goto out_close;
		case LINE_TOO_LONG:
			ret = perr(c, "a line of at most %d characters", MODEL_LINE_MAX);
			goto out_close;
		case LINE_NUL:
			ret = perr(c, "text, found a NUL byte");
			goto out_close;
		case LINE_CONTROL:
			ret = perr(c, "text, found a control character");
			goto out_close;
		default:
			break;
		}
		ret = parse_line(c, out, buf);
		if (ret)
			goto out_close;
	}
	if (!c->name_line) {
		if (!c->line)
			c->line = 1;
		ret = perr(c, "a 'name' line before the end of the file");
		goto out_close;
	}
	ret = check_ranges(c, out);
	if (ret)
		goto out_close;
	for (int i = 0; i < NR_MODEL_COSTS; i++)
		if (!c->cost_line[i])
			out->cost[i] = default_costs[i];
	ret = add_architectural_msrs(c, out);
	if (ret)
		goto out_close;
	*name_line = c->name_line;
out_close:
	fclose(f);
out_free:
	free(c);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

int model_parse_file(const char *path, struct cpu_model *out, char *err, size_t errlen)
{
	unsigned int name_line;

	return parse_file(path, out, &name_line, err, errlen);
}

/* ---- VMX controls by name ---- */

enum vmx_class {
	VMX_PIN,
	VMX_PRIMARY,
	VMX_SECONDARY,
	VMX_TERTIARY,
	VMX_EXIT,
	VMX_ENTRY,
	NR_VMX_CLASSES
};

/*
 * The capability MSRs of each control class (SDM Vol. 3D, "VMX Capability
 * Reporting Facility"): 32-bit classes keep allowed-0 in bits 31:0 and
 * allowed-1 in 63:32; the tertiary controls are 64 bits, allowed-1 only.
 */
static const struct vmx_class_info {
	const char *name;
	uint32_t msr;
	uint32_t true_msr;	/* 0: none */
} vmx_classes[NR_VMX_CLASSES] = {
	[VMX_PIN] = { "pin-based", MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS },
	[VMX_PRIMARY] = { "primary", MSR_IA32_VMX_PROCBASED_CTLS,
			  MSR_IA32_VMX_TRUE_PROCBASED_CTLS },
	[VMX_SECONDARY] = { "secondary", MSR_IA32_VMX_PROCBASED_CTLS2, 0 },
	[VMX_TERTIARY] = { "tertiary", MSR_IA32_VMX_PROCBASED_CTLS3, 0 },
	[VMX_EXIT] = { "exit", MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS },
	[VMX_ENTRY] = { "entry", MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS },
};

struct vmx_control {
	unsigned char cls;
	unsigned char bit;
	const char *name;
};

/*
 * Control names, lower-cased and hyphenated from the SDM's tables (Vol. 3C,
 * "VM-Execution Control Fields", "VM-Exit Controls", "VM-Entry Controls"),
 * shortened where KVM's usage made a shorter name the common one
 * (posted-interrupts for "process posted interrupts", preemption-timer for
 * "activate VMX-preemption timer"). A name in two classes needs the class:
 * -vmx.exit.load-ia32-efer.
 */
static const struct vmx_control vmx_controls[] = {
	{ VMX_PIN, 0, "external-interrupt-exiting" },
	{ VMX_PIN, 3, "nmi-exiting" },
	{ VMX_PIN, 5, "virtual-nmis" },
	{ VMX_PIN, 6, "preemption-timer" },
	{ VMX_PIN, 7, "posted-interrupts" },

	{ VMX_PRIMARY, 2, "interrupt-window-exiting" },
	{ VMX_PRIMARY, 3, "use-tsc-offsetting" },
	{ VMX_PRIMARY, 7, "hlt-exiting" },
	{ VMX_PRIMARY, 9, "invlpg-exiting" },
	{ VMX_PRIMARY, 10, "mwait-exiting" },
	{ VMX_PRIMARY, 11, "rdpmc-exiting" },
	{ VMX_PRIMARY, 12, "rdtsc-exiting" },
	{ VMX_PRIMARY, 15, "cr3-load-exiting" },
	{ VMX_PRIMARY, 16, "cr3-store-exiting" },
	{ VMX_PRIMARY, 17, "activate-tertiary-controls" },
	{ VMX_PRIMARY, 19, "cr8-load-exiting" },
	{ VMX_PRIMARY, 20, "cr8-store-exiting" },
	{ VMX_PRIMARY, 21, "use-tpr-shadow" },
	{ VMX_PRIMARY, 22, "nmi-window-exiting" },
	{ VMX_PRIMARY, 23, "mov-dr-exiting" },
	{ VMX_PRIMARY, 24, "unconditional-io-exiting" },
	{ VMX_PRIMARY, 25, "use-io-bitmaps" },
	{ VMX_PRIMARY, 27, "monitor-trap-flag" },
	{ VMX_PRIMARY, 28, "use-msr-bitmaps" },
	{ VMX_PRIMARY, 29, "monitor-exiting" },
	{ VMX_PRIMARY, 30, "pause-exiting" },
	{ VMX_PRIMARY, 31, "activate-secondary-controls" },

	{ VMX_SECONDARY, 0, "virtualize-apic-accesses" },
	{ VMX_SECONDARY, 1, "enable-ept" },
	{ VMX_SECONDARY, 2, "descriptor-table-exiting" },
	{ VMX_SECONDARY, 3, "enable-rdtscp" },
	{ VMX_SECONDARY, 4, "virtualize-x2apic-mode" },
	{ VMX_SECONDARY, 5, "enable-vpid" },
	{ VMX_SECONDARY, 6, "wbinvd-exiting" },
	{ VMX_SECONDARY, 7, "unrestricted-guest" },
	{ VMX_SECONDARY, 8, "apic-register-virtualization" },
	{ VMX_SECONDARY, 9, "virtual-interrupt-delivery" },
	{ VMX_SECONDARY, 10, "pause-loop-exiting" },
	{ VMX_SECONDARY, 11, "rdrand-exiting" },
	{ VMX_SECONDARY, 12, "enable-invpcid" },
	{ VMX_SECONDARY, 13, "enable-vm-functions" },
	{ VMX_SECONDARY, 14, "vmcs-shadowing" },
	{ VMX_SECONDARY, 15, "enable-encls-exiting" },
	{ VMX_SECONDARY, 16, "rdseed-exiting" },
	{ VMX_SECONDARY, 17, "enable-pml" },
	{ VMX_SECONDARY, 18, "ept-violation-ve" },
	{ VMX_SECONDARY, 19, "conceal-vmx-from-pt" },
	{ VMX_SECONDARY, 20, "enable-xsaves-xrstors" },
	{ VMX_SECONDARY, 22, "mode-based-execute-control-for-ept" },
	{ VMX_SECONDARY, 23, "sub-page-write-permissions-for-ept" },
	{ VMX_SECONDARY, 24, "pt-uses-guest-physical-addresses" },
	{ VMX_SECONDARY, 25, "use-tsc-scaling" },
	{ VMX_SECONDARY, 26, "enable-user-wait-and-pause" },
	{ VMX_SECONDARY, 27, "enable-pconfig" },
	{ VMX_SECONDARY, 28, "enable-enclv-exiting" },
	{ VMX_SECONDARY, 30, "vmm-bus-lock-detection" },
	{ VMX_SECONDARY, 31, "instruction-timeout" },

	{ VMX_TERTIARY, 0, "loadiwkey-exiting" },
	{ VMX_TERTIARY, 1, "enable-hlat" },
	{ VMX_TERTIARY, 2, "ept-paging-write-control" },
	{ VMX_TERTIARY, 3, "guest-paging-verification" },
	{ VMX_TERTIARY, 4, "ipi-virtualization" },
	{ VMX_TERTIARY, 7, "virtualize-ia32-spec-ctrl" },

	{ VMX_EXIT, 2, "save-debug-controls" },
	{ VMX_EXIT, 9, "host-address-space-size" },
	{ VMX_EXIT, 12, "load-ia32-perf-global-ctrl" },
	{ VMX_EXIT, 15, "acknowledge-interrupt-on-exit" },
	{ VMX_EXIT, 18, "save-ia32-pat" },
	{ VMX_EXIT, 19, "load-ia32-pat" },
	{ VMX_EXIT, 20, "save-ia32-efer" },
	{ VMX_EXIT, 21, "load-ia32-efer" },
	{ VMX_EXIT, 22, "save-vmx-preemption-timer-value" },
	{ VMX_EXIT, 23, "clear-ia32-bndcfgs" },
	{ VMX_EXIT, 24, "conceal-vmx-from-pt" },
	{ VMX_EXIT, 25, "clear-ia32-rtit-ctl" },
	{ VMX_EXIT, 26, "clear-ia32-lbr-ctl" },
	{ VMX_EXIT, 27, "clear-uinv" },
	{ VMX_EXIT, 28, "load-cet-state" },
	{ VMX_EXIT, 29, "load-pkrs" },
	{ VMX_EXIT, 30, "save-ia32-perf-global-ctl" },
	{ VMX_EXIT, 31, "activate-secondary-exit-controls" },

	{ VMX_ENTRY, 2, "load-debug-controls" },
	{ VMX_ENTRY, 9, "ia-32e-mode-guest" },
	{ VMX_ENTRY, 10, "entry-to-smm" },
	{ VMX_ENTRY, 11, "deactivate-dual-monitor-treatment" },
	{ VMX_ENTRY, 13, "load-ia32-perf-global-ctrl" },
	{ VMX_ENTRY, 14, "load-ia32-pat" },
	{ VMX_ENTRY, 15, "load-ia32-efer" },
	{ VMX_ENTRY, 16, "load-ia32-bndcfgs" },
	{ VMX_ENTRY, 17, "conceal-vmx-from-pt" },
	{ VMX_ENTRY, 18, "load-ia32-rtit-ctl" },
	{ VMX_ENTRY, 19, "load-uinv" },
	{ VMX_ENTRY, 20, "load-cet-state" },
	{ VMX_ENTRY, 21, "load-guest-ia32-lbr-ctl" },
	{ VMX_ENTRY, 22, "load-pkrs" },
};

#define NR_VMX_CONTROLS (sizeof(vmx_controls) / sizeof(vmx_controls[0]))

static const char *vmx_control_name(unsigned int cls, unsigned int bit)
{
	for (size_t i = 0; i < NR_VMX_CONTROLS; i++)
		if (vmx_controls[i].cls == cls && vmx_controls[i].bit == bit)
			return vmx_controls[i].name;
	return NULL;
}

/* allowed-0 / allowed-1 of a class, from the TRUE MSR when @use_true and it exists. */
static bool vmx_class_caps(const struct cpu_model *m, unsigned int cls, bool use_true,
			   uint64_t *allowed0, uint64_t *allowed1)
{
	const struct vmx_class_info *ci = &vmx_classes[cls];
	const struct model_msr *e = NULL;

	if (use_true && ci->true_msr)
		e = model_msr(m, ci->true_msr);
	if (!e)
		e = model_msr(m, ci->msr);
	if (!e)
		return false;
	if (cls == VMX_TERTIARY) {
		*allowed0 = 0;
		*allowed1 = e->value;
	} else {
		*allowed0 = e->value & 0xffffffffu;
		*allowed1 = e->value >> 32;
	}
	return true;
}

/* Whether the plain MSR of class @cls lets control @ctl be 1. */
static bool vmx_allowed1(const struct cpu_model *m, unsigned int cls, uint64_t ctl)
{
	uint64_t a0, a1;

	return vmx_class_caps(m, cls, false, &a0, &a1) && (a1 & ctl);
}

/*
 * Drop the capability MSRs whose existence the remaining controls no longer
 * support (SDM Vol. 3D, "VMX Capability Reporting Facility": each exists
 * only if its enabling control may be 1), so RDMSR of them #GPs.
 */
static void vmx_msr_fixup(struct cpu_model *m)
{
	if (!model_msr(m, MSR_IA32_VMX_BASIC))
		return;
	if (!vmx_allowed1(m, VMX_PRIMARY, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		remove_msr(m, MSR_IA32_VMX_PROCBASED_CTLS2);
		remove_msr(m, MSR_IA32_VMX_EPT_VPID_CAP);
		remove_msr(m, MSR_IA32_VMX_VMFUNC);
	}
	if (!vmx_allowed1(m, VMX_PRIMARY, CPU_BASED_ACTIVATE_TERTIARY_CONTROLS))
		remove_msr(m, MSR_IA32_VMX_PROCBASED_CTLS3);
	if (!vmx_allowed1(m, VMX_SECONDARY, SECONDARY_EXEC_ENABLE_EPT) &&
	    !vmx_allowed1(m, VMX_SECONDARY, SECONDARY_EXEC_ENABLE_VPID))
		remove_msr(m, MSR_IA32_VMX_EPT_VPID_CAP);
	if (!vmx_allowed1(m, VMX_SECONDARY, SECONDARY_EXEC_ENABLE_VMFUNC))
		remove_msr(m, MSR_IA32_VMX_VMFUNC);
	if (!vmx_allowed1(m, VMX_EXIT, VM_EXIT_ACTIVATE_SECONDARY_CONTROLS))
		remove_msr(m, MSR_IA32_VMX_EXIT_CTLS2);
}

/* The bit number of control @ctl, a single bit of its class. */
static unsigned int ctl_bit(uint64_t ctl)
{
	return (unsigned int)__builtin_ctzll(ctl);
}

/*
 * Make one control unavailable: clear its allowed-1 bit in the class's MSR
 * and TRUE MSR. A control some MSR requires (allowed-0 is 1) cannot go:
 * the result would be a CPU on which no VMCS passes VM entry.
 */
static int vmx_clear_control(struct cpu_model *m, const char *mod, unsigned int cls,
			     unsigned int bit, char *err, size_t errlen)
{
	const struct vmx_class_info *ci = &vmx_classes[cls];
	uint32_t msrs[2] = { ci->msr, ci->true_msr };

	for (int i = 0; i < 2; i++) {
		struct model_msr *e = msrs[i] ? msr_mut(m, msrs[i]) : NULL;

		if (e && cls != VMX_TERTIARY && ((e->value >> bit) & 1))
			return fail(err, errlen, -EINVAL,
				    "variation '%s': the model requires that control (allowed-0 bit %u of MSR 0x%x is 1)",
				    mod, bit, msrs[i]);
	}
	for (int i = 0; i < 2; i++) {
		struct model_msr *e = msrs[i] ? msr_mut(m, msrs[i]) : NULL;

		if (!e)
			continue;
		e->value &= ~(1ULL << (cls == VMX_TERTIARY ? bit : bit + 32));
	}
	return 0;
}

/* "-vmx.NAME" or "-vmx.CLASS.NAME". */
static int vmx_remove_named(struct cpu_model *m, const char *mod, const char *what,
			    char *err, size_t errlen)
{
	const struct vmx_control *found = NULL;
	const char *dot = strchr(what, '.');
	int cls = -1, matches = 0;

	if (dot) {
		for (int i = 0; i < NR_VMX_CLASSES; i++)
			if (strlen(vmx_classes[i].name) == (size_t)(dot - what) &&
			    !strncmp(vmx_classes[i].name, what, (size_t)(dot - what)))
				cls = i;
		if (cls < 0)
			return fail(err, errlen, -EINVAL,
				    "variation '%s': expected a control class (pin-based, primary, secondary, tertiary, exit, entry) before '.'",
				    mod);
		what = dot + 1;
	}
	for (size_t i = 0; i < NR_VMX_CONTROLS; i++) {
		if (strcmp(vmx_controls[i].name, what))
			continue;
		if (cls >= 0 && vmx_controls[i].cls != cls)
			continue;
		if (!found)
			found = &vmx_controls[i];
		matches++;
	}
	if (!found)
		return fail(err, errlen, -EINVAL,
			    "variation '%s': expected a VMX control name from the SDM, such as posted-interrupts or enable-ept (docs/cpu-models.md lists them)",
			    mod);
	if (matches > 1)
		return fail(err, errlen, -EINVAL,
			    "variation '%s': '%s' names controls of several classes: expected -vmx.CLASS.%s (exit, entry, secondary)",
			    mod, what, what);
	if (!model_msr(m, MSR_IA32_VMX_BASIC))
		return fail(err, errlen, -EINVAL, "variation '%s': the model has no VMX", mod);
	return vmx_clear_control(m, mod, found->cls, found->bit, err, errlen);
}

/* ---- CPUID features by name ---- */

struct feature {
	const char *name;
	uint32_t leaf, subleaf;
	enum model_reg reg;
	unsigned char bit;
	signed char also;	/* a second bit of the same register that goes with it, or -1 */
};

/*
 * The features a variation may name (CPUID instruction reference, "Feature
 * Information"). -xsave also clears OSXSAVE and -pku also clears OSPKE:
 * those mirror CR4 bits that can no longer be set.
 */
static const struct feature features[] = {
	{ "smx", 1, 0, MODEL_ECX, 6, -1 },
	{ "pcid", 1, 0, MODEL_ECX, 17, -1 },
	{ "x2apic", 1, 0, MODEL_ECX, 21, -1 },
	{ "tsc-deadline", 1, 0, MODEL_ECX, 24, -1 },
	{ "xsave", 1, 0, MODEL_ECX, 26, 27 },
	{ "hypervisor", 1, 0, MODEL_ECX, 31, -1 },
	{ "vme", 1, 0, MODEL_EDX, 1, -1 },
	{ "fsgsbase", 7, 0, MODEL_EBX, 0, -1 },
	{ "smep", 7, 0, MODEL_EBX, 7, -1 },
	{ "invpcid", 7, 0, MODEL_EBX, 10, -1 },
	{ "smap", 7, 0, MODEL_EBX, 20, -1 },
	{ "umip", 7, 0, MODEL_ECX, 2, -1 },
	{ "pku", 7, 0, MODEL_ECX, 3, 4 },
	{ "waitpkg", 7, 0, MODEL_ECX, 5, -1 },
	{ "shstk", 7, 0, MODEL_ECX, 7, -1 },
	{ "la57", 7, 0, MODEL_ECX, 16, -1 },
	{ "keylocker", 7, 0, MODEL_ECX, 23, -1 },
	{ "pks", 7, 0, MODEL_ECX, 31, -1 },
	{ "uintr", 7, 0, MODEL_EDX, 5, -1 },
	{ "ibt", 7, 0, MODEL_EDX, 20, -1 },
	{ "lam", 7, 1, MODEL_EAX, 26, -1 },
	{ "nx", 0x80000001, 0, MODEL_EDX, 20, -1 },
	{ "rdtscp", 0x80000001, 0, MODEL_EDX, 27, -1 },
};

/*
 * Set or clear one CPUID bit (and its companion). Clearing a bit of a leaf
 * the model lacks changes nothing (the feature is absent already); setting
 * one there has no leaf to put it in.
 */
static int set_cpuid_bit(struct cpu_model *m, const char *mod, bool set, uint32_t leaf,
			 uint32_t subleaf, enum model_reg reg, unsigned int bit, int also,
			 char *err, size_t errlen)
{
	struct cpuid_leaf *l = leaf_in_range(m, leaf) ? find_leaf_mut(m, leaf, subleaf) : NULL;
	uint32_t mask = 1u << bit;
	uint32_t *r;

	if (!l) {
		if (!set)
			return 0;
		return fail(err, errlen, -EINVAL, "variation '%s': the model has no CPUID leaf 0x%x.%x",
			    mod, leaf, subleaf);
	}
	if (also >= 0)
		mask |= 1u << also;
	r = leaf_reg(l, reg);
	if (set)
		*r |= 1u << bit;
	else
		*r &= ~mask;
	return 0;
}

/* The VMX MSR range (SDM Vol. 4, "Architectural MSRs"): 480H to 493H. */
#define VMX_MSR_FIRST	MSR_IA32_VMX_BASIC
#define VMX_MSR_LAST	MSR_IA32_VMX_EXIT_CTLS2

/*
 * -vmx: CPUID.1:ECX[5] clear, so CR4.VMXE is reserved and VMXON #UDs; the
 * VMX capability MSRs go (RDMSR #GPs, as on a CPU without VMX); and
 * IA32_FEATURE_CONTROL no longer enables VMX.
 */
static void remove_vmx(struct cpu_model *m)
{
	struct model_msr *fc = msr_mut(m, MSR_IA32_FEATURE_CONTROL);
	struct cpuid_leaf *l = find_leaf_mut(m, CPUID_LEAF_FEATURES, 0);

	if (l)
		l->ecx &= ~(1u << 5);
	for (uint32_t i = VMX_MSR_FIRST; i <= VMX_MSR_LAST; i++)
		remove_msr(m, i);
	if (fc)
		fc->value &= ~(FEAT_CTL_VMX_ENABLED_INSIDE_SMX | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
}

static int parse_reg(const char *s, enum model_reg *reg)
{
	for (int i = 0; i < 4; i++) {
		if (strlen(s) == 3 && (s[0] | 0x20) == reg_names[i][0] &&
		    (s[1] | 0x20) == reg_names[i][1] && (s[2] | 0x20) == reg_names[i][2]) {
			*reg = (enum model_reg)i;
			return 0;
		}
	}
	return -1;
}

/* "cpuid.LEAF[.SUBLEAF].REG.BIT", the modifier after its sign. */
static int apply_cpuid_mod(struct cpu_model *m, const char *mod, bool set, const char *body,
			   char *err, size_t errlen)
{
	char tmp[64], *part[6];
	int n = 0;
	uint64_t leaf, subleaf = 0, bit;
	enum model_reg reg;
	const char *regs, *bits;

	if (strlen(body) >= sizeof(tmp))
		goto bad;
	strcpy(tmp, body);
	part[n++] = tmp;
	for (char *p = tmp; *p && n < 6; p++) {
		if (*p == '.') {
			*p = '\0';
			part[n++] = p + 1;
		}
	}
	if (n != 4 && n != 5)
		goto bad;
	if (!parse_hex(part[1], false, UINT32_MAX, &leaf))
		goto bad;
	if (n == 5 && !parse_hex(part[2], false, UINT32_MAX, &subleaf))
		goto bad;
	regs = part[n - 2];
	bits = part[n - 1];
	if (parse_reg(regs, &reg) || !parse_dec(bits, 31, &bit))
		goto bad;
	return set_cpuid_bit(m, mod, set, (uint32_t)leaf, (uint32_t)subleaf, reg, (unsigned int)bit,
			     -1, err, errlen);
bad:
	return fail(err, errlen, -EINVAL,
		    "variation '%s': expected %ccpuid.LEAF[.SUBLEAF].REG.BIT, e.g. -cpuid.0x7.ebx.7 (hex leaf, eax/ebx/ecx/edx, bit 0-31)",
		    mod, set ? '+' : '-');
}

static int set_maxphyaddr(struct cpu_model *m, const char *mod, const char *val,
			  char *err, size_t errlen)
{
	struct cpuid_leaf *l;
	uint64_t n;

	if (!parse_dec(val, MAXPHYADDR_MAX, &n) || n < MAXPHYADDR_MIN)
		return fail(err, errlen, -EINVAL,
			    "variation '%s': expected maxphyaddr=N with N from %d to %d", mod,
			    MAXPHYADDR_MIN, MAXPHYADDR_MAX);
	l = find_leaf_mut(m, CPUID_LEAF_ADDR_SIZES, 0);
	if (!l) {
		/* Add the leaf, and raise the extended maximum to reach it. */
		struct cpuid_leaf *max = find_leaf_mut(m, CPUID_LEAF_MAX_EXT, 0);

		if (m->nleaves + !max + 1 > MODEL_MAX_LEAVES)
			return fail(err, errlen, -EINVAL, "variation '%s': the model has %d leaves already",
				    mod, MODEL_MAX_LEAVES);
		if (!max) {
			max = &m->leaves[m->nleaves++];
			*max = (struct cpuid_leaf){ .leaf = CPUID_LEAF_MAX_EXT };
		}
		if (max->eax < CPUID_LEAF_ADDR_SIZES)
			max->eax = CPUID_LEAF_ADDR_SIZES;
		l = &m->leaves[m->nleaves++];
		*l = (struct cpuid_leaf){ .leaf = CPUID_LEAF_ADDR_SIZES };
	}
	l->eax = (l->eax & ~0xffu) | (uint32_t)n;
	return 0;
}

/*
 * IA32_FEATURE_CONTROL as firmware left it: feature-control=0 (unlocked),
 * feature-control=1 (locked with VMX off: "disabled by BIOS"), 5 (locked,
 * VMX outside SMX). Bits 0-2 only (SDM Vol. 3C, "Enabling and Entering
 * VMX Operation"); the MSR exists on every model with VMX.
 */
static int set_feature_control(struct cpu_model *m, const char *mod, const char *val,
			       char *err, size_t errlen)
{
	struct model_msr *e = msr_mut(m, MSR_IA32_FEATURE_CONTROL);
	uint64_t v;

	if (!parse_dec(val, 7, &v))
		return fail(err, errlen, -EINVAL,
			    "variation '%s': expected feature-control=N with N from 0 to 7 (bit 0 lock, bit 1 VMX inside SMX, bit 2 VMX outside SMX)",
			    mod);
	if (!e)
		return fail(err, errlen, -EINVAL, "variation '%s': the model has no IA32_FEATURE_CONTROL",
			    mod);
	e->value = v;
	/* Until the lock bit is set, software may write bits 0-2 (BIOS or the kernel's feat_ctl). */
	e->writable |= FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_INSIDE_SMX |
		       FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX;
	return 0;
}

/* What a modifier changed, for the fix-ups after the last one. */
struct vary_state {
	bool cpuid_changed;
	bool vmx_changed;
};

static int apply_modifier(struct cpu_model *m, const char *mod, struct vary_state *vs,
			  char *err, size_t errlen)
{
	bool set = mod[0] == '+';
	const char *body = mod + 1;

	if (!strncmp(mod, "maxphyaddr=", 11)) {
		vs->cpuid_changed = true;
		return set_maxphyaddr(m, mod, mod + 11, err, errlen);
	}
	if (!strncmp(mod, "feature-control=", 16))
		return set_feature_control(m, mod, mod + 16, err, errlen);
	if (mod[0] != '+' && mod[0] != '-')
		goto unknown;
	if (!strcmp(body, "vmx")) {
		if (!set) {
			remove_vmx(m);
			vs->cpuid_changed = true;
			return 0;
		}
		if (!model_msr(m, MSR_IA32_VMX_BASIC))
			return fail(err, errlen, -EINVAL,
				    "variation '%s': the model has no VMX capability MSRs to go with the CPUID bit",
				    mod);
		vs->cpuid_changed = true;
		return set_cpuid_bit(m, mod, true, 1, 0, MODEL_ECX, 5, -1, err, errlen);
	}
	if (!strncmp(body, "vmx.", 4)) {
		if (set)
			return fail(err, errlen, -EINVAL,
				    "variation '%s': expected -vmx.CONTROL (a model can lose VMX controls, not gain them)",
				    mod);
		vs->vmx_changed = true;
		return vmx_remove_named(m, mod, body + 4, err, errlen);
	}
	if (!strcmp(body, "posted-interrupts") || !strcmp(body, "apicv")) {
		int ret;

		if (set)
			return fail(err, errlen, -EINVAL,
				    "variation '%s': expected -%s (a model can lose VMX controls, not gain them)",
				    mod, body);
		if (!model_msr(m, MSR_IA32_VMX_BASIC))
			return fail(err, errlen, -EINVAL, "variation '%s': the model has no VMX", mod);
		vs->vmx_changed = true;
		ret = vmx_clear_control(m, mod, VMX_PIN, ctl_bit(PIN_BASED_POSTED_INTR), err, errlen);
		if (ret || body[0] == 'p')
			return ret;
		/*
		 * APICv as KVM's cpu_has_vmx_apicv() defines it: posted
		 * interrupts, APIC-register virtualization and virtual-interrupt
		 * delivery; IPI virtualization needs all three. Virtualize APIC
		 * accesses and virtualize x2APIC mode stay, as on the Kaby Lake
		 * client that lacks APICv but has both.
		 */
		ret = vmx_clear_control(m, mod, VMX_SECONDARY,
					ctl_bit(SECONDARY_EXEC_APIC_REGISTER_VIRT), err, errlen);
		if (!ret)
			ret = vmx_clear_control(m, mod, VMX_SECONDARY,
						ctl_bit(SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY), err, errlen);
		if (!ret)
			ret = vmx_clear_control(m, mod, VMX_TERTIARY, ctl_bit(TERTIARY_EXEC_IPI_VIRT),
						err, errlen);
		return ret;
	}
	if (!strncmp(body, "cpuid.", 6)) {
		vs->cpuid_changed = true;
		return apply_cpuid_mod(m, mod, set, body, err, errlen);
	}
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature *f = &features[i];

		if (strcmp(body, f->name))
			continue;
		vs->cpuid_changed = true;
		if (!set && !strcmp(f->name, "smx")) {
			struct model_msr *fc = msr_mut(m, MSR_IA32_FEATURE_CONTROL);

			if (fc)
				fc->value &= ~FEAT_CTL_VMX_ENABLED_INSIDE_SMX;
		}
		return set_cpuid_bit(m, mod, set, f->leaf, f->subleaf, f->reg, f->bit, f->also,
				     err, errlen);
	}
unknown:
	return fail(err, errlen, -EINVAL,
		    "variation '%s': expected -feature, +feature, -vmx.CONTROL, maxphyaddr=N or feature-control=N", mod);
}

static const char *default_dir(void)
{
	const char *env = getenv("HVSIM_CPUS");

	return env && *env ? env : HVSIM_CPUS_DIR;
}

/*
 * The spec's words, single-spaced, into @norm; the number of words, or -1
 * when the text does not fit.
 */
static int normalize_spec(const char *spec, char *norm, size_t len)
{
	size_t pos = 0;
	int words = 0;

	while (*spec) {
		size_t n;

		while (is_space(*spec))
			spec++;
		if (!*spec)
			break;
		for (n = 0; spec[n] && !is_space(spec[n]); n++)
			;
		if (pos + (words ? 1 : 0) + n + 1 > len)
			return -1;
		if (words)
			norm[pos++] = ' ';
		memcpy(norm + pos, spec, n);
		pos += n;
		spec += n;
		words++;
	}
	norm[pos] = '\0';
	return words;
}

int model_load(const char *dir, const char *spec, struct cpu_model *out, char *err, size_t errlen)
{
	char norm[MODEL_NAME_MAX], path[4096];
	struct vary_state vs = { 0 };
	unsigned int name_line;
	const char *p, *name_end;
	size_t name_len;
	int words, ret, n;

	memset(out, 0, sizeof(*out));
	words = spec ? normalize_spec(spec, norm, sizeof(norm)) : 0;
	if (words < 0)
		return fail(err, errlen, -EINVAL, "CPU model '%.40s...': expected at most %d characters",
			    spec, MODEL_NAME_MAX - 1);
	if (!words)
		return fail(err, errlen, -EINVAL, "CPU model '': expected a model name");
	name_end = strchr(norm, ' ');
	name_len = name_end ? (size_t)(name_end - norm) : strlen(norm);
	if (!valid_model_name(norm, name_len))
		return fail(err, errlen, -EINVAL,
			    "CPU model '%.*s': expected a name of letters, digits, '.', '_' and '-'",
			    (int)name_len, norm);
	if (!dir)
		dir = default_dir();
	n = snprintf(path, sizeof(path), "%s/%.*s.cpu", dir, (int)name_len, norm);
	if (n < 0 || (size_t)n >= sizeof(path))
		return fail(err, errlen, -ENAMETOOLONG, "%s: path too long", dir);
	ret = parse_file(path, out, &name_line, err, errlen);
	if (ret == -ENOENT) {
		/* Say what would have been accepted, not just which file is missing. */
		char names[64][MODEL_FILE_NAME_MAX];
		unsigned int count = model_list(dir, names, 64);
		size_t k = 0;

		k += (size_t)snprintf(err + k, errlen - k, "unknown CPU model '%.*s' (no %s); expected one of:",
				      (int)name_len, norm, path);
		for (unsigned int i = 0; i < count && k < errlen; i++)
			k += (size_t)snprintf(err + k, errlen - k, " %s", names[i]);
		return ret;
	}
	if (ret)
		return ret;
	if (strlen(out->name) != name_len || strncmp(out->name, norm, name_len)) {
		ret = fail(err, errlen, -EINVAL, "%s:%u: expected 'name %.*s', the file's name", path,
			   name_line, (int)name_len, norm);
		goto fail_out;
	}
	for (p = name_end; p; p = strchr(p + 1, ' ')) {
		char mod[MODEL_NAME_MAX];
		const char *end = strchr(p + 1, ' ');
		size_t len = end ? (size_t)(end - p - 1) : strlen(p + 1);

		memcpy(mod, p + 1, len);
		mod[len] = '\0';
		ret = apply_modifier(out, mod, &vs, err, errlen);
		if (ret)
			goto fail_out;
	}
	if (vs.vmx_changed)
		vmx_msr_fixup(out);
	if (vs.cpuid_changed) {
		/* IA32_VMX_CR4_FIXED1 follows CPUID on every real CPU: keep it so. */
		struct model_msr *f1 = msr_mut(out, MSR_IA32_VMX_CR4_FIXED1);

		if (f1)
			f1->value = model_cr4_fixed1(out);
	}
	memcpy(out->name, norm, strlen(norm) + 1);
	return 0;
fail_out:
	memset(out, 0, sizeof(*out));
	return ret;
}

/* ---- model_list ---- */

unsigned int model_list(const char *dir, char names[][MODEL_FILE_NAME_MAX], unsigned int max)
{
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;

	if (!dir)
		dir = default_dir();
	d = opendir(dir);
	if (!d)
		return 0;
	/* Insertion into the sorted first @max: readdir's order is the filesystem's. */
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		unsigned int pos;

		if (len < 5 || strcmp(de->d_name + len - 4, ".cpu"))
			continue;
		len -= 4;
		if (!valid_model_name(de->d_name, len))
			continue;
		for (pos = 0; pos < n; pos++) {
			int c = strncmp(de->d_name, names[pos], len);

			if (c < 0 || (c == 0 && names[pos][len] != '\0'))
				break;
		}
		if (pos >= max)
			continue;
		if (n == max)
			n--;
		memmove(names[pos + 1], names[pos], (n - pos) * sizeof(names[0]));
		memcpy(names[pos], de->d_name, len);
		names[pos][len] = '\0';
		n++;
	}
	closedir(d);
	return n;
}

/* ---- model_describe ---- */

struct sbuf {
	char *buf;
	size_t len, pos;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!sb->len || sb->pos >= sb->len - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->pos, sb->len - sb->pos, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb->pos += (size_t)n;
	if (sb->pos > sb->len - 1)
		sb->pos = sb->len - 1;
}

static const char *setting(uint64_t a0, uint64_t a1, unsigned int bit)
{
	bool zero_ok = !((a0 >> bit) & 1), one_ok = (a1 >> bit) & 1;

	if (zero_ok && one_ok)
		return "may be 0 or 1";
	if (one_ok)
		return "must be 1";
	if (zero_ok)
		return "must be 0 (not supported)";
	return "can be neither 0 nor 1 (allowed-0 is 1, allowed-1 is 0)";
}

static void describe_class(struct sbuf *sb, const struct cpu_model *m, unsigned int cls,
			   bool use_true)
{
	const struct vmx_class_info *ci = &vmx_classes[cls];
	unsigned int width = cls == VMX_TERTIARY ? 64 : 32;
	uint64_t a0, a1;

	if (!vmx_class_caps(m, cls, use_true, &a0, &a1)) {
		sb_printf(sb, "%s controls: none (no MSR 0x%x)\n", ci->name, ci->msr);
		return;
	}
	sb_printf(sb, "%s controls (MSR 0x%x): allowed-0 0x%llx allowed-1 0x%llx\n", ci->name,
		  use_true && ci->true_msr && model_msr(m, ci->true_msr) ? ci->true_msr : ci->msr,
		  (unsigned long long)a0, (unsigned long long)a1);
	for (unsigned int bit = 0; bit < width; bit++) {
		const char *name = vmx_control_name(cls, bit);

		if (name)
			sb_printf(sb, "  %s %s: %s\n", ci->name, name, setting(a0, a1, bit));
		else if (((a0 | a1) >> bit) & 1)
			sb_printf(sb, "  %s bit %u: %s\n", ci->name, bit, setting(a0, a1, bit));
	}
}

void model_describe(const struct cpu_model *m, char *buf, size_t len)
{
	struct sbuf sb = { .buf = buf, .len = buf ? len : 0 };
	const struct model_msr *basic = model_msr(m, MSR_IA32_VMX_BASIC);
	const struct model_msr *e;
	bool use_true;

	if (sb.len)
		buf[0] = '\0';
	sb_printf(&sb, "%s: %s\n", m->name, m->description);
	sb_printf(&sb, "MAXPHYADDR %u\n", model_maxphyaddr(m));
	sb_printf(&sb, "CR4_FIXED1 0x%llx (from CPUID)\n", (unsigned long long)model_cr4_fixed1(m));
	if (!model_has_vmx(m) || !basic) {
		sb_printf(&sb, "no VMX (%s)\n", model_has_vmx(m) ?
			  "CPUID.1:ECX[5] is 1 but IA32_VMX_BASIC is absent" : "CPUID.1:ECX[5] is 0");
		return;
	}
	use_true = basic->value & VMX_BASIC_TRUE_CTLS;
	sb_printf(&sb, "VMCS revision 0x%llx, VMCS region %llu bytes, controls from the %s MSRs\n",
		  (unsigned long long)(basic->value & VMX_BASIC_REVISION_MASK),
		  (unsigned long long)((basic->value >> VMX_BASIC_VMCS_SIZE_SHIFT) &
				       VMX_BASIC_VMCS_SIZE_MASK),
		  use_true ? "TRUE (IA32_VMX_BASIC[55] = 1)" : "plain (IA32_VMX_BASIC[55] = 0)");
	sb_printf(&sb, "CR0_FIXED0 0x%llx CR0_FIXED1 0x%llx CR4_FIXED0 0x%llx\n",
		  (unsigned long long)model_cr0_fixed0(m), (unsigned long long)model_cr0_fixed1(m),
		  (unsigned long long)model_cr4_fixed0(m));
	for (unsigned int cls = 0; cls < NR_VMX_CLASSES; cls++)
		describe_class(&sb, m, cls, use_true);
	e = model_msr(m, MSR_IA32_VMX_EPT_VPID_CAP);
	if (e)
		sb_printf(&sb, "EPT/VPID capabilities 0x%llx\n", (unsigned long long)e->value);
	e = model_msr(m, MSR_IA32_VMX_VMFUNC);
	if (e)
		sb_printf(&sb, "VM functions 0x%llx\n", (unsigned long long)e->value);
	e = model_msr(m, MSR_IA32_FEATURE_CONTROL);
	if (e)
		sb_printf(&sb, "IA32_FEATURE_CONTROL 0x%llx%s\n", (unsigned long long)e->value,
			  e->assumed ? " (assumed)" : "");
}

/* ---- machine descriptions ---- */

struct desc_ctx {
	const char *text;
	const char *p;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int derr(struct desc_ctx *c, const char *at, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return fail(c->err, c->errlen, -EINVAL, "column %zu: expected %s",
		    (size_t)(at - c->text) + 1, what);
}

static void skip_blanks(struct desc_ctx *c)
{
	while (is_space(*c->p))
		c->p++;
}

/* One word of an item: the characters up to a blank, ',' or the end. */
struct desc_word {
	const char *s;
	size_t len;
};

static bool word_is(const struct desc_word *w, const char *s)
{
	return w->len == strlen(s) && !strncmp(w->s, s, w->len);
}

static bool word_is_count(const struct desc_word *w)
{
	if (w->len < 2 || w->s[0] != 'x')
		return false;
	for (size_t i = 1; i < w->len; i++)
		if (w->s[i] < '0' || w->s[i] > '9')
			return false;
	return true;
}

static int word_number(struct desc_ctx *c, const struct desc_word *w, size_t skip,
		       unsigned int max, const char *what, unsigned int *out)
{
	unsigned int v = 0;

	if (w->len <= skip)
		return derr(c, w->s, "%s", what);
	for (size_t i = skip; i < w->len; i++) {
		if (w->s[i] < '0' || w->s[i] > '9')
			return derr(c, w->s, "%s", what);
		v = v * 10 + (unsigned int)(w->s[i] - '0');
		if (v > max)
			return derr(c, w->s, "%s", what);
	}
	*out = v;
	return 0;
}

/* A modifier's shape: +word, -word or key=value, of name characters. */
static bool valid_modifier(const struct desc_word *w)
{
	const char *eq = memchr(w->s, '=', w->len);
	size_t start = 0;

	if (w->s[0] == '+' || w->s[0] == '-')
		start = 1;
	else if (!eq || eq == w->s || eq == w->s + w->len - 1)
		return false;
	if (w->len <= start)
		return false;
	for (size_t i = start; i < w->len; i++)
		if (!is_name_char(w->s[i]) && !(w->s + i == eq && !start))
			return false;
	return true;
}

/* The spec's words, checked and joined into @spec. */
static int build_spec(struct desc_ctx *c, const struct desc_word *w, unsigned int nw,
		      char spec[MACHINE_DESC_SPEC_MAX])
{
	size_t pos = 0;

	if (!nw)
		return -1;
	if (!valid_model_name(w[0].s, w[0].len) || word_is(&w[0], "slot") ||
	    word_is(&w[0], "offline"))
		return derr(c, w[0].s, "a CPU model name (letters, digits, '.', '_', '-'), found '%.*s'",
			    (int)w[0].len, w[0].s);
	for (unsigned int i = 0; i < nw; i++) {
		if (i && word_is(&w[i], "offline"))
			return derr(c, w[i].s, "'offline' last in the item, after any 'xN'");
		if (i && !valid_modifier(&w[i]))
			return derr(c, w[i].s, "a variation (-feature, +feature, -vmx.CONTROL, maxphyaddr=N, feature-control=N), ',' or the end, found '%.*s'",
				    (int)w[i].len, w[i].s);
		if (pos + (i ? 1 : 0) + w[i].len + 1 > MACHINE_DESC_SPEC_MAX)
			return derr(c, w[i].s, "a CPU spec of at most %d characters",
				    MACHINE_DESC_SPEC_MAX - 1);
		if (i)
			spec[pos++] = ' ';
		memcpy(spec + pos, w[i].s, w[i].len);
		pos += w[i].len;
	}
	spec[pos] = '\0';
	return 0;
}

/* Read the words of one item, up to ',' or the end. */
static int read_item(struct desc_ctx *c, struct desc_word *w, unsigned int *nw)
{
	*nw = 0;
	for (;;) {
		const char *s;

		skip_blanks(c);
		if (!*c->p || *c->p == ',')
			return 0;
		s = c->p;
		while (*c->p && *c->p != ',' && !is_space(*c->p)) {
			char ch = *c->p;

			if (!is_name_char(ch) && ch != '+' && ch != '=')
				return derr(c, c->p, "a letter, digit, '.', '_', '-', '+', '=' or ',', found '%c'",
					    ch >= 0x20 && ch < 0x7f ? ch : '?');
			c->p++;
		}
		/* An item has at most a name, its variations, slot/N, xN and offline. */
		if (*nw == MACHINE_DESC_SPEC_MAX)
			return derr(c, s, "fewer words in one item");
		w[*nw].s = s;
		w[*nw].len = (size_t)(c->p - s);
		(*nw)++;
	}
}

int machine_desc_parse(const char *text, struct machine_desc *out, char *err, size_t errlen)
{
	struct desc_ctx c = { .text = text ? text : "", .err = err, .errlen = errlen };
	struct desc_word *w;
	bool filled[MACHINE_DESC_MAX_SLOTS] = { false };
	const char *colon_at;
	unsigned int nslots = 0, used = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	c.p = c.text;
	w = calloc(MACHINE_DESC_SPEC_MAX, sizeof(*w));
	if (!w)
		return fail(err, errlen, -ENOMEM, "out of memory");
	skip_blanks(&c);
	if (*c.p < '0' || *c.p > '9') {
		ret = derr(&c, c.p, "the number of slots (1-%d)", MACHINE_DESC_MAX_SLOTS);
		goto out;
	}
	{
		const char *s = c.p;

		while (*c.p >= '0' && *c.p <= '9') {
			nslots = nslots * 10 + (unsigned int)(*c.p - '0');
			c.p++;
			if (nslots > MACHINE_DESC_MAX_SLOTS)
				break;
		}
		if (!nslots || nslots > MACHINE_DESC_MAX_SLOTS) {
			ret = derr(&c, s, "the number of slots (1-%d)", MACHINE_DESC_MAX_SLOTS);
			goto out;
		}
	}
	skip_blanks(&c);
	if (!strncmp(c.p, "slots", 5))
		c.p += 5;
	else if (!strncmp(c.p, "slot", 4))
		c.p += 4;
	else {
		ret = derr(&c, c.p, "'slots' after the number of slots");
		goto out;
	}
	colon_at = c.p;
	skip_blanks(&c);
	if (*c.p != ':') {
		ret = derr(&c, is_name_char(*colon_at) ? colon_at : c.p, "':' after 'slots'");
		goto out;
	}
	c.p++;
	out->nslots = nslots;
	for (;;) {
		const char *item_at;
		unsigned int nw, first = 0, count = 1, slot = 0;
		bool offline = false, explicit_slot = false;
		char spec[MACHINE_DESC_SPEC_MAX];

		skip_blanks(&c);
		item_at = c.p;
		ret = read_item(&c, w, &nw);
		if (ret)
			goto out;
		if (!nw) {
			ret = derr(&c, item_at, "a CPU model name");
			goto out;
		}
		if (word_is(&w[0], "slot")) {
			if (nw < 2) {
				ret = derr(&c, c.p, "a slot number after 'slot'");
				goto out;
			}
			ret = word_number(&c, &w[1], 0, nslots - 1,
					  "a slot number below the slot count", &slot);
			if (ret)
				goto out;
			explicit_slot = true;
			first = 2;
		}
		if (nw > first + 1 && word_is(&w[nw - 1], "offline")) {
			offline = true;
			nw--;
		}
		if (!explicit_slot && nw > first + 1 && word_is_count(&w[nw - 1])) {
			ret = word_number(&c, &w[nw - 1], 1, MACHINE_DESC_MAX_SLOTS,
					  "xN with N from 1 to 64", &count);
			if (ret)
				goto out;
			if (!count) {
				ret = derr(&c, w[nw - 1].s, "xN with N from 1 to 64");
				goto out;
			}
			nw--;
		}
		if (nw == first) {
			ret = derr(&c, explicit_slot ? c.p : item_at, "a CPU model name");
			goto out;
		}
		ret = build_spec(&c, w + first, nw - first, spec);
		if (ret)
			goto out;
		if (explicit_slot) {
			if (filled[slot]) {
				ret = derr(&c, w[1].s, "a free slot: slot %u already holds '%s'", slot,
					   out->slot[slot].spec);
				goto out;
			}
			filled[slot] = true;
			memcpy(out->slot[slot].spec, spec, sizeof(spec));
			out->slot[slot].offline = offline;
			used++;
		} else {
			/* A group takes the lowest free slots, where it is written. */
			if (count > nslots - used) {
				ret = derr(&c, item_at, "at most %u more CPU%s: %u of the %u slots are taken",
					   nslots - used, nslots - used == 1 ? "" : "s", used, nslots);
				goto out;
			}
			for (unsigned int i = 0; i < nslots && count; i++) {
				if (filled[i])
					continue;
				filled[i] = true;
				memcpy(out->slot[i].spec, spec, sizeof(spec));
				out->slot[i].offline = offline;
				used++;
				count--;
			}
		}
		if (*c.p != ',')
			break;
		c.p++;
	}
	if (used != nslots) {
		ret = derr(&c, c.p, "CPUs for all %u slots, found %u (', MODEL xN' or ', slot K MODEL')",
			   nslots, used);
		goto out;
	}
out:
	free(w);
	if (ret)
		memset(out, 0, sizeof(*out));
	SIM_BUG_ON(!ret && !out->nslots);
	return ret;
}
