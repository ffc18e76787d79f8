// SPDX-License-Identifier: MIT
/*
 * CPU models as data: every shipped model parses and agrees with the dumps
 * it was built from (CR4_FIXED1 derived from CPUID equals the dumped MSR,
 * MAXPHYADDR, VMCS revision), variations change what they say and keep the
 * model consistent, CPUID answers leaves a model lacks as the SDM says,
 * and malformed files, specs and machine descriptions are refused with a
 * message naming the line or column, never a crash.
 */
#include "cpu/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "engine/strbuf.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"

#ifndef HVSIM_CPUS_DIR
#error "HVSIM_CPUS_DIR must name the source tree's cpus/ directory"
#endif

#define ERRLEN 512

/* What the dumps say, per model (cpu-data/vmx-scan-165.txt, dumps/). */
static const struct expect {
	const char *name;
	unsigned int maxphyaddr;
	uint64_t cr4_fixed1;		/* dumped IA32_VMX_CR4_FIXED1 */
	uint32_t vmcs_revision;
	unsigned int nleaves;		/* CPUID lines of the dump's logical CPU */
	bool posted_interrupts;
	bool tertiary;
} expects[] = {
	{ "alderlake-e", 46, 0x01ff6fff, 0x13, 64, true, true },
	{ "alderlake-p", 46, 0x01ff6fff, 0x13, 68, true, true },
	{ "denverton", 39, 0x003527ff, 0x11, 42, true, false },
	{ "icelake-sp", 46, 0x00777fff, 0x13, 59, true, false },
	{ "kabylake", 39, 0x003727ff, 0x04, 44, false, false },
	{ "sapphire-rapids", 52, 0x03f77fff, 0x13, 76, true, true },
	{ "skylake-sp", 46, 0x007767ff, 0x04, 49, true, false },
};

#define NR_EXPECTS (sizeof(expects) / sizeof(expects[0]))

static struct cpu_model *new_model(void)
{
	struct cpu_model *m = calloc(1, sizeof(*m));

	cr_assert(m);
	return m;
}

static struct cpu_model *load(const char *spec)
{
	struct cpu_model *m = new_model();
	char err[ERRLEN] = "";
	int ret = model_load(HVSIM_CPUS_DIR, spec, m, err, sizeof(err));

	cr_assert_eq(ret, 0, "model_load('%s') = %d: %s", spec, ret, err);
	return m;
}

/* model_load() must fail with @want; the message goes to @err. */
static void load_fails(const char *spec, int want, char *err)
{
	struct cpu_model *m = new_model();
	int ret = model_load(HVSIM_CPUS_DIR, spec, m, err, ERRLEN);

	cr_assert_eq(ret, want, "model_load('%s') = %d, expected %d (%s)", spec, ret, want, err);
	cr_assert(err[0], "no message for '%s'", spec);
	free(m);
}

static uint64_t msr_value(const struct cpu_model *m, uint32_t index)
{
	const struct model_msr *e = model_msr(m, index);

	cr_assert(e, "%s lacks MSR 0x%x", m->name, index);
	return e->value;
}

static uint32_t allowed1(const struct cpu_model *m, uint32_t index)
{
	return (uint32_t)(msr_value(m, index) >> 32);
}

/* ---- temporary model files ---- */

static void tmp_dir(char path[64])
{
	strcpy(path, "/tmp/hvsim-test-cpu-model-XXXXXX");
	cr_assert(mkdtemp(path), "mkdtemp: %s", strerror(errno));
}

static void tmp_file(const char *dir, const char *name, const char *text, size_t len,
		     char path[256])
{
	FILE *f;

	snprintf(path, 256, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/*
 * Parse @text as a model file; return the error and check it reads
 * "PATH:LINE: expected ..." at @line (0: the parse must succeed).
 */
static int parse_text(const char *text, size_t len, unsigned int line, char *err)
{
	struct cpu_model *m = new_model();
	char dir[64], path[256], prefix[320];
	int ret;

	tmp_dir(dir);
	tmp_file(dir, "t.cpu", text, len, path);
	err[0] = '\0';
	ret = model_parse_file(path, m, err, ERRLEN);
	if (line) {
		cr_assert_eq(ret, -EINVAL, "parse = %d (%s) for:\n%s", ret, err, text);
		snprintf(prefix, sizeof(prefix), "%s:%u: expected ", path, line);
		cr_assert(!strncmp(err, prefix, strlen(prefix)), "message '%s', expected it to start '%s'",
			  err, prefix);
	} else {
		cr_assert_eq(ret, 0, "parse = %d: %s", ret, err);
	}
	harness_remove_dir(dir);
	free(m);
	return ret;
}

/* ---- the shipped models ---- */

Test(cpu_model, every_model_file_parses, .timeout = 10)
{
	char names[32][MODEL_FILE_NAME_MAX];
	unsigned int n = model_list(HVSIM_CPUS_DIR, names, 32);

	cr_assert_geq(n, NR_EXPECTS, "only %u models in %s", n, HVSIM_CPUS_DIR);
	for (unsigned int i = 0; i < n; i++) {
		struct cpu_model *m = load(names[i]);

		cr_assert_str_eq(m->name, names[i]);
		cr_assert(m->description[0], "%s has no description", names[i]);
		cr_assert(model_cpuid_bit(m, 1, 0, MODEL_EDX, 0), "%s: no FPU bit in leaf 1", names[i]);
		free(m);
	}
	for (size_t i = 0; i < NR_EXPECTS; i++) {
		bool found = false;

		for (unsigned int j = 0; j < n; j++)
			found |= !strcmp(names[j], expects[i].name);
		cr_assert(found, "model %s missing from %s", expects[i].name, HVSIM_CPUS_DIR);
	}
}

Test(cpu_model, cr4_fixed1_derived_equals_dumped_msr, .timeout = 10)
{
	for (size_t i = 0; i < NR_EXPECTS; i++) {
		struct cpu_model *m = load(expects[i].name);

		cr_assert_eq(msr_value(m, MSR_IA32_VMX_CR4_FIXED1), expects[i].cr4_fixed1,
			     "%s: file's 0x489 is not the dump's", expects[i].name);
		cr_assert_eq(model_cr4_fixed1(m), msr_value(m, MSR_IA32_VMX_CR4_FIXED1),
			     "%s: derived CR4_FIXED1 0x%llx, dumped 0x%llx", expects[i].name,
			     (unsigned long long)model_cr4_fixed1(m),
			     (unsigned long long)msr_value(m, MSR_IA32_VMX_CR4_FIXED1));
		free(m);
	}
}

/*
 * The derivation on its own, against the six CPUs of
 * cpu-data/vmx-profiles.txt (CPUID leaves 1 and 7 and their CR4_FIXED1),
 * Granite Rapids among them, which has no model file.
 */
Test(cpu_model, cr4_fixed1_derivation_matches_profiles, .timeout = 10)
{
	static const struct {
		const char *cpu;
		uint32_t ecx1, edx1, ebx7, ecx7, edx7, eax7_1;
		uint64_t fixed1;
	} profiles[] = {
		{ "SkylakeXeon", 0x7ffefbff, 0xbfebfbff, 0xd39ffffb, 0x00000008, 0x00000000, 0, 0x7767ff },
		{ "Kabylake", 0x7ffafbbf, 0xbfebfbff, 0x029c6fbf, 0x00000000, 0x00000000, 0, 0x3727ff },
		{ "SapphireRapids", 0x7ffefbff, 0xbfebfbff, 0xf3bfbffb, 0xbb417fee, 0xffdd4430, 0x00001c30, 0x3f77fff },
		{ "GraniteRapids", 0x7ffefbff, 0xbfebfbff, 0xf3bfbffb, 0xbb417fee, 0xffdd4430, 0x40201d30, 0x3f77fff },
		{ "Denverton", 0x4ff8ebbf, 0xbfebfbff, 0x2294e283, 0x00000000, 0x2c000000, 0, 0x3527ff },
		{ "ICX", 0x7ffefbff, 0xbfebfbff, 0xf3bfbfff, 0x40417f4e, 0xbc040412, 0, 0x777fff },
	};

	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++) {
		struct cpu_model *m = new_model();

		m->leaves[m->nleaves++] = (struct cpuid_leaf){ .leaf = 0, .eax = 7 };
		m->leaves[m->nleaves++] = (struct cpuid_leaf){
			.leaf = 1, .ecx = profiles[i].ecx1, .edx = profiles[i].edx1 };
		m->leaves[m->nleaves++] = (struct cpuid_leaf){
			.leaf = 7, .indexed = true, .eax = profiles[i].eax7_1 ? 1 : 0,
			.ebx = profiles[i].ebx7, .ecx = profiles[i].ecx7, .edx = profiles[i].edx7 };
		if (profiles[i].eax7_1)
			m->leaves[m->nleaves++] = (struct cpuid_leaf){
				.leaf = 7, .subleaf = 1, .indexed = true, .eax = profiles[i].eax7_1 };
		cr_assert_eq(model_cr4_fixed1(m), profiles[i].fixed1, "%s: derived 0x%llx, dumped 0x%llx",
			     profiles[i].cpu, (unsigned long long)model_cr4_fixed1(m),
			     (unsigned long long)profiles[i].fixed1);
		free(m);
	}
}

Test(cpu_model, maxphyaddr_and_vmcs_revision, .timeout = 10)
{
	for (size_t i = 0; i < NR_EXPECTS; i++) {
		struct cpu_model *m = load(expects[i].name);

		cr_assert_eq(model_maxphyaddr(m), expects[i].maxphyaddr, "%s: MAXPHYADDR %u",
			     expects[i].name, model_maxphyaddr(m));
		cr_assert_eq(msr_value(m, MSR_IA32_VMX_BASIC) & 0x7fffffff, expects[i].vmcs_revision,
			     "%s", expects[i].name);
		cr_assert(model_has_vmx(m), "%s", expects[i].name);
		free(m);
	}
}

Test(cpu_model, every_cpuid_leaf_of_the_dump, .timeout = 10)
{
	for (size_t i = 0; i < NR_EXPECTS; i++) {
		struct cpu_model *m = load(expects[i].name);
		static const uint32_t indexed[] = { 4, 7, 0xb, 0xd };

		cr_assert_eq(m->nleaves, expects[i].nleaves, "%s: %u leaves", expects[i].name, m->nleaves);
		for (unsigned int j = 0; j < m->nleaves; j++)
			for (size_t k = 0; k < sizeof(indexed) / sizeof(indexed[0]); k++)
				if (m->leaves[j].leaf == indexed[k])
					cr_assert(m->leaves[j].indexed, "%s: leaf 0x%x not indexed",
						  expects[i].name, indexed[k]);
		free(m);
	}
}

Test(cpu_model, msrs_follow_the_sdm_rules, .timeout = 10)
{
	for (size_t i = 0; i < NR_EXPECTS; i++) {
		struct cpu_model *m = load(expects[i].name);
		const struct model_msr *fc = model_msr(m, MSR_IA32_FEATURE_CONTROL);
		uint32_t primary = allowed1(m, MSR_IA32_VMX_PROCBASED_CTLS);
		uint32_t secondary = allowed1(m, MSR_IA32_VMX_PROCBASED_CTLS2);
		uint32_t exit = allowed1(m, MSR_IA32_VMX_EXIT_CTLS);

		cr_assert(fc && fc->assumed, "%s", expects[i].name);
		cr_assert_eq(fc->value, FEAT_CTL_LOCKED | FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX);
		for (uint32_t idx = MSR_IA32_VMX_BASIC; idx <= MSR_IA32_VMX_TRUE_ENTRY_CTLS; idx++) {
			const struct model_msr *e = model_msr(m, idx);

			cr_assert(e && !e->assumed, "%s: MSR 0x%x missing or assumed", expects[i].name, idx);
			cr_assert_eq(e->writable, 0, "%s: capability MSR 0x%x writable", expects[i].name, idx);
		}
		/* Each exists exactly where its enabling control may be 1. */
		cr_assert_eq(!!model_msr(m, MSR_IA32_VMX_PROCBASED_CTLS3), !!(primary & (1u << 17)),
			     "%s", expects[i].name);
		cr_assert_eq(!!model_msr(m, MSR_IA32_VMX_PROCBASED_CTLS3), expects[i].tertiary);
		cr_assert_eq(!!model_msr(m, MSR_IA32_VMX_VMFUNC), !!(secondary & (1u << 13)));
		cr_assert_eq(!!model_msr(m, MSR_IA32_VMX_EXIT_CTLS2), !!(exit & (1u << 31)),
			     "%s", expects[i].name);
		for (uint32_t idx = MSR_IA32_VMX_VMFUNC; idx <= MSR_IA32_VMX_EXIT_CTLS2; idx++)
			if (model_msr(m, idx))
				cr_assert(model_msr(m, idx)->assumed, "%s: 0x%x", expects[i].name, idx);
		/* Every dump: the architectural fixed values. */
		cr_assert_eq(model_cr0_fixed0(m), 0x80000021);
		cr_assert_eq(model_cr0_fixed1(m), 0xffffffff);
		cr_assert_eq(model_cr4_fixed0(m), X86_CR4_VMXE);
		free(m);
	}
}

/* Every shipped file has a "KEYWORD NAME " line for each of the @n @names. */
static void every_file_names_each(const char *keyword, const char *const *names, unsigned int n)
{
	for (size_t i = 0; i < NR_EXPECTS; i++) {
		char path[256], line[1100];
		bool seen[32] = { false };
		FILE *f;

		cr_assert_leq(n, sizeof(seen) / sizeof(seen[0]));
		snprintf(path, sizeof(path), "%s/%s.cpu", HVSIM_CPUS_DIR, expects[i].name);
		f = fopen(path, "r");
		cr_assert(f, "%s", path);
		while (fgets(line, sizeof(line), f))
			for (unsigned int c = 0; c < n; c++) {
				char want[64];

				snprintf(want, sizeof(want), "%s %s ", keyword, names[c]);
				if (!strncmp(line, want, strlen(want)))
					seen[c] = true;
			}
		fclose(f);
		for (unsigned int c = 0; c < n; c++)
			cr_assert(seen[c], "%s: no '%s %s' line", path, keyword, names[c]);
	}
}

Test(cpu_model, every_cost_given_explicitly, .timeout = 10)
{
	const char *names[NR_MODEL_COSTS];

	for (int c = 0; c < NR_MODEL_COSTS; c++)
		names[c] = model_cost_name(c);
	every_file_names_each("cost", names, NR_MODEL_COSTS);
	cr_assert_null(model_cost_name(NR_MODEL_COSTS));
}

/* Every choice where the SDM lets processors differ is made in each shipped file. */
Test(cpu_model, every_choice_given_explicitly, .timeout = 10)
{
	const char *names[NR_MODEL_CHOICES];

	for (int c = 0; c < NR_MODEL_CHOICES; c++)
		names[c] = model_choice_name(c);
	every_file_names_each("choice", names, NR_MODEL_CHOICES);
	cr_assert_null(model_choice_name(NR_MODEL_CHOICES));
	cr_assert_null(model_choice_value_name(MODEL_CHOICE_NMI_IN_STI_SHADOW, 2));
}

/* The choice from the file, "fail" on every shipped model; a variation gives the other value. */
Test(cpu_model, choices_from_file_and_variation, .timeout = 10)
{
	struct cpu_model *m = load("kabylake");
	char err[ERRLEN];

	cr_assert_eq(m->choice[MODEL_CHOICE_NMI_IN_STI_SHADOW], 0);
	free(m);
	m = load("kabylake nmi-in-sti-shadow=enter");
	cr_assert_eq(m->choice[MODEL_CHOICE_NMI_IN_STI_SHADOW], 1);
	cr_assert_str_eq(m->name, "kabylake nmi-in-sti-shadow=enter");
	free(m);
	m = load("kabylake nmi-in-sti-shadow=enter nmi-in-sti-shadow=fail");
	cr_assert_eq(m->choice[MODEL_CHOICE_NMI_IN_STI_SHADOW], 0);
	free(m);
	load_fails("kabylake nmi-in-sti-shadow=maybe", -EINVAL, err);
	cr_assert_str_eq(err, "variation 'nmi-in-sti-shadow=maybe': expected nmi-in-sti-shadow=fail or nmi-in-sti-shadow=enter");
	load_fails("kabylake warp=9", -EINVAL, err);
	cr_assert_str_eq(err, "variation 'warp=9': expected maxphyaddr=N, feature-control=N or a choice (nmi-in-sti-shadow=VALUE)");
}

Test(cpu_model, kabylake_lacks_posted_interrupts, .timeout = 10)
{
	struct cpu_model *sky = load("skylake-sp");
	struct cpu_model *kaby = load("kabylake");

	for (size_t i = 0; i < NR_EXPECTS; i++) {
		struct cpu_model *m = load(expects[i].name);

		cr_assert_eq(!!(allowed1(m, MSR_IA32_VMX_PINBASED_CTLS) & (1u << 7)),
			     expects[i].posted_interrupts, "%s", expects[i].name);
		free(m);
	}
	cr_assert(allowed1(sky, MSR_IA32_VMX_PINBASED_CTLS) & (1u << 7));
	cr_assert(allowed1(sky, MSR_IA32_VMX_TRUE_PINBASED_CTLS) & (1u << 7));
	cr_assert_not(allowed1(kaby, MSR_IA32_VMX_PINBASED_CTLS) & (1u << 7));
	cr_assert_not(allowed1(kaby, MSR_IA32_VMX_TRUE_PINBASED_CTLS) & (1u << 7));
	cr_assert_not(allowed1(kaby, MSR_IA32_VMX_PROCBASED_CTLS2) & (3u << 8));
	/* The README's heterogeneous pair: otherwise the same VMX. */
	cr_assert_eq(msr_value(sky, MSR_IA32_VMX_BASIC), msr_value(kaby, MSR_IA32_VMX_BASIC));
	cr_assert_eq(msr_value(sky, MSR_IA32_VMX_TRUE_PROCBASED_CTLS),
		     msr_value(kaby, MSR_IA32_VMX_TRUE_PROCBASED_CTLS));
	cr_assert_eq(msr_value(sky, MSR_IA32_VMX_TRUE_EXIT_CTLS), msr_value(kaby, MSR_IA32_VMX_TRUE_EXIT_CTLS));
	cr_assert_eq(msr_value(sky, MSR_IA32_VMX_TRUE_ENTRY_CTLS),
		     msr_value(kaby, MSR_IA32_VMX_TRUE_ENTRY_CTLS));
	free(sky);
	free(kaby);
}

Test(cpu_model, alderlake_p_and_e_differ_in_cpuid_only, .timeout = 10)
{
	struct cpu_model *p = load("alderlake-p");
	struct cpu_model *e = load("alderlake-e");
	uint32_t rp[4], re[4];

	cr_assert_eq(p->nmsrs, e->nmsrs);
	for (unsigned int i = 0; i < p->nmsrs; i++) {
		cr_assert_eq(p->msrs[i].index, e->msrs[i].index);
		cr_assert_eq(p->msrs[i].value, e->msrs[i].value, "MSR 0x%x", p->msrs[i].index);
	}
	model_cpuid(p, 0x1a, 0, rp);
	model_cpuid(e, 0x1a, 0, re);
	cr_assert_eq(rp[0] >> 24, 0x40, "P-core type");
	cr_assert_eq(re[0] >> 24, 0x20, "E-core type");
	model_cpuid(e, 0xb, 0, re);
	cr_assert_eq(re[3], 0x40, "E-core #16's x2APIC ID, as stored");
	cr_assert_eq(model_cr4_fixed1(p), model_cr4_fixed1(e));
	free(p);
	free(e);
}

/* ---- CPUID semantics ---- */

/* Field by field: struct padding is not part of a model. */
static void expect_same_leaves(const struct cpu_model *a, const struct cpu_model *b)
{
	cr_assert_eq(a->nleaves, b->nleaves);
	for (unsigned int i = 0; i < a->nleaves; i++) {
		const struct cpuid_leaf *x = &a->leaves[i], *y = &b->leaves[i];

		cr_assert(x->leaf == y->leaf && x->subleaf == y->subleaf && x->indexed == y->indexed &&
			  x->eax == y->eax && x->ebx == y->ebx && x->ecx == y->ecx && x->edx == y->edx,
			  "%s and %s differ at leaf 0x%x", a->name, b->name, x->leaf);
	}
}

static void expect_regs(const uint32_t got[4], const uint32_t want[4], const char *what)
{
	for (int i = 0; i < 4; i++)
		cr_assert_eq(got[i], want[i], "%s: register %d is 0x%x, expected 0x%x", what, i, got[i],
			     want[i]);
}

Test(cpu_model, cpuid_beyond_max_returns_highest_basic_leaf, .timeout = 10)
{
	struct cpu_model *m = load("skylake-sp");
	struct cpu_model *adl = load("alderlake-p");
	uint32_t top[4], r[4], max[4];

	model_cpuid(m, 0, 0, max);
	cr_assert_eq(max[0], 0x16);
	model_cpuid(m, 0x16, 0, top);
	cr_assert_eq(top[0], 0xbb8, "leaf 0x16 EAX: base frequency 3000 MHz");
	model_cpuid(m, 0x17, 0, r);
	expect_regs(r, top, "leaf 0x17");
	model_cpuid(m, 0x40000000, 0, r);
	expect_regs(r, top, "leaf 0x40000000");
	model_cpuid(m, 0x80000009, 0, r);
	expect_regs(r, top, "leaf 0x80000009");
	model_cpuid(m, 0xffffffff, 3, r);
	expect_regs(r, top, "leaf 0xffffffff");
	model_cpuid(m, 0x80000008, 0, r);
	cr_assert_eq(r[0], 0x302e, "an extended leaf in range answers itself");
	/* An indexed highest leaf is answered with the caller's ECX. */
	model_cpuid(adl, 0x20, 0, top);
	model_cpuid(adl, 0x21, 0, r);
	expect_regs(r, top, "Alder Lake leaf 0x21");
	free(m);
	free(adl);
}

Test(cpu_model, cpuid_unknown_subleaf_returns_zeros, .timeout = 10)
{
	struct cpu_model *m = load("skylake-sp");
	const uint32_t zeros[4] = { 0, 0, 0, 0 };
	uint32_t r[4], l4[4];

	model_cpuid(m, 4, 3, l4);
	cr_assert_eq(l4[0], 0x7c0fc163);
	model_cpuid(m, 4, 4, r);
	expect_regs(r, zeros, "leaf 4 subleaf 4");
	model_cpuid(m, 7, 1, r);
	expect_regs(r, zeros, "leaf 7 subleaf 1 (7.0 EAX = 0)");
	model_cpuid(m, 0xd, 0x3f, r);
	expect_regs(r, zeros, "leaf 0xd subleaf 0x3f");
	/* A non-indexed leaf ignores ECX. */
	model_cpuid(m, 1, 5, r);
	cr_assert_eq(r[0], 0x50654);
	/* Topology leaves echo the level and keep the x2APIC ID. */
	model_cpuid(m, 0xb, 2, r);
	cr_assert_eq(r[0], 0);
	cr_assert_eq(r[1], 0);
	cr_assert_eq(r[2], 2, "ECX[7:0] echoes the level, ECX[15:8] = 0 (invalid)");
	free(m);
}

Test(cpu_model, cpuid_reserved_leaf_in_range_returns_zeros, .timeout = 10)
{
	static const char text[] = "name t\n"
				   "cpuid 0x0 0x00000005 0x0 0x0 0x0\n"
				   "cpuid 0x1 0x1 0x2 0x3 0x4\n"
				   "cpuid 0x5 0x5 0x5 0x5 0x5\n";
	struct cpu_model *m = new_model();
	char dir[64], path[256], err[ERRLEN];
	const uint32_t zeros[4] = { 0, 0, 0, 0 };
	uint32_t r[4];

	tmp_dir(dir);
	tmp_file(dir, "t.cpu", text, strlen(text), path);
	cr_assert_eq(model_parse_file(path, m, err, sizeof(err)), 0, "%s", err);
	model_cpuid(m, 3, 0, r);
	expect_regs(r, zeros, "leaf 3, absent but below the maximum");
	model_cpuid(m, 6, 0, r);
	cr_assert_eq(r[0], 5, "leaf 6 is above the maximum: leaf 5's data");
	cr_assert_eq(model_maxphyaddr(m), 36, "no leaf 0x80000008: 36");
	cr_assert_eq(m->cost[COST_VMENTRY], 500, "costs a file leaves out get defaults");
	harness_remove_dir(dir);
	free(m);
}

Test(cpu_model, cr4_reserved_as_kvm_computes_it, .timeout = 10)
{
	struct cpu_model *sky = load("skylake-sp");
	struct cpu_model *kaby = load("kabylake");
	struct cpu_model *adl = load("alderlake-p");
	struct cpu_model *spr = load("sapphire-rapids");
	uint64_t r;

	r = model_cr4_reserved(sky);
	cr_assert_not(r & (X86_CR4_VMXE | X86_CR4_PKE | X86_CR4_SMAP | X86_CR4_PCIDE |
			   X86_CR4_OSXSAVE | X86_CR4_PAE));
	cr_assert(r & X86_CR4_SMXE, "KVM never lets a guest set SMXE");
	cr_assert(r & (X86_CR4_LA57 | X86_CR4_UMIP | X86_CR4_CET | X86_CR4_LAM_SUP));
	cr_assert(r & (1ULL << 15), "bit 15 is reserved everywhere");
	cr_assert_eq(r >> 32, 0xffffffff, "bits 63:32 reserved");
	cr_assert(model_cr4_reserved(kaby) & X86_CR4_PKE, "no PKU on Kaby Lake");
	r = model_cr4_reserved(adl);
	cr_assert_not(r & (X86_CR4_CET | X86_CR4_UMIP));
	cr_assert(r & (X86_CR4_KL | X86_CR4_PKS), "KVM does not virtualize Key Locker or PKS");
	cr_assert(model_cr4_reserved(spr) & X86_CR4_UINTR);
	cr_assert_not(model_cr4_reserved(spr) & X86_CR4_LA57);
	/* Where both speak, they agree: reserved bits are never fixed-1-allowed, except the four. */
	for (size_t i = 0; i < NR_EXPECTS; i++) {
		struct cpu_model *m = load(expects[i].name);
		uint64_t kvm_only = X86_CR4_SMXE | X86_CR4_KL | X86_CR4_PKS | X86_CR4_UINTR;

		cr_assert_eq(~model_cr4_reserved(m) & ~model_cr4_fixed1(m), 0, "%s", expects[i].name);
		cr_assert_eq(model_cr4_reserved(m) & model_cr4_fixed1(m) & ~kvm_only, 0, "%s",
			     expects[i].name);
		free(m);
	}
	free(sky);
	free(kaby);
	free(adl);
	free(spr);
}

/* A model spec and the reserved bits a derivation must give for it. */
struct reserved_case {
	const char *spec;
	uint64_t reserved;
};

static void expect_reserved(uint64_t (*derive)(const struct cpu_model *m),
			    const struct reserved_case *want, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cpu_model *m = load(want[i].spec);

		cr_expect_eq(derive(m), want[i].reserved, "%s: 0x%llx", want[i].spec,
			     (unsigned long long)derive(m));
		free(m);
	}
}

/*
 * IA32_DEBUGCTL's reserved bits, from CPUID (Vol. 4, "Architectural MSRs",
 * 1D9H): 5:3 and 63:16 always; bit 2 (bus-lock detection) but on Sapphire
 * Rapids, the one model with CPUID.7.0:ECX[24]; bit 15 (RTM_DEBUG) where
 * CPUID.7.0:EBX[11] RTM is 0 (Alder Lake, Denverton); the freeze bits 11
 * and 12 with PDCM and a perfmon version above 1, which every model has.
 */
Test(cpu_model, debugctl_reserved_derived_from_cpuid, .timeout = 10)
{
	static const struct reserved_case want[] = {
		{ "skylake-sp", 0xffffffffffff003cULL },
		{ "kabylake", 0xffffffffffff003cULL },
		{ "icelake-sp", 0xffffffffffff003cULL },
		{ "sapphire-rapids", 0xffffffffffff0038ULL },
		{ "denverton", 0xffffffffffff803cULL },
		{ "alderlake-p", 0xffffffffffff803cULL },
		{ "alderlake-e", 0xffffffffffff803cULL },
		{ "sapphire-rapids -cpuid.7.ecx.24", 0xffffffffffff003cULL },
		{ "skylake-sp -cpuid.7.ebx.11", 0xffffffffffff803cULL },
		/* Without PDCM: no freeze bits, no IA32_PERF_CAPABILITIES for bit 14. */
		{ "skylake-sp -cpuid.1.ecx.15", 0xffffffffffff583cULL },
	};

	expect_reserved(model_debugctl_reserved, want, sizeof(want) / sizeof(want[0]));
}

/*
 * IA32_LBR_CTL's reserved bits, from CPUID leaf 1CH EBX (Vol. 3B,
 * "Architectural Last Branch Records"): Sapphire Rapids and Alder Lake
 * enumerate CPL filtering, branch filtering and call-stack mode; a model
 * without the leaf has no IA32_LBR_CTL bit at all.
 */
Test(cpu_model, lbr_ctl_reserved_derived_from_cpuid, .timeout = 10)
{
	static const struct reserved_case want[] = {
		{ "sapphire-rapids", ~0x7f000fULL },
		{ "alderlake-e", ~0x7f000fULL },
		{ "skylake-sp", ~0ULL },
		{ "sapphire-rapids -cpuid.0x1c.ebx.2", ~0x7f0007ULL },
		{ "sapphire-rapids -cpuid.0x1c.ebx.1", ~0x00000fULL },
		{ "sapphire-rapids -cpuid.0x1c.ebx.0", ~0x7f0009ULL },
	};

	expect_reserved(model_lbr_ctl_reserved, want, sizeof(want) / sizeof(want[0]));
}

/* ---- variations ---- */

Test(cpu_model, variation_minus_vmx, .timeout = 10)
{
	struct cpu_model *m = load("skylake-sp -vmx");

	cr_assert_str_eq(m->name, "skylake-sp -vmx");
	cr_assert_not(model_has_vmx(m));
	for (uint32_t idx = 0x480; idx <= 0x493; idx++)
		cr_assert_null(model_msr(m, idx), "MSR 0x%x still there", idx);
	cr_assert_not(model_cr4_fixed1(m) & X86_CR4_VMXE);
	cr_assert_eq(model_cr4_fixed1(m), 0x7767ff & ~X86_CR4_VMXE);
	cr_assert(model_cr4_reserved(m) & X86_CR4_VMXE);
	cr_assert_eq(msr_value(m, MSR_IA32_FEATURE_CONTROL), FEAT_CTL_LOCKED);
	cr_assert_eq(model_cr0_fixed0(m), 0x80000021, "architectural value without the MSR");
	cr_assert_eq(model_cr4_fixed0(m), X86_CR4_VMXE);
	free(m);
}

Test(cpu_model, variation_maxphyaddr, .timeout = 10)
{
	struct cpu_model *m = load("skylake-sp maxphyaddr=36");
	uint32_t r[4];
	char err[ERRLEN];

	cr_assert_eq(model_maxphyaddr(m), 36);
	model_cpuid(m, 0x80000008, 0, r);
	cr_assert_eq(r[0], 0x3024, "linear-address width (EAX[15:8]) kept");
	cr_assert_str_eq(m->name, "skylake-sp maxphyaddr=36");
	free(m);
	m = load("sapphire-rapids maxphyaddr=40");
	cr_assert_eq(model_maxphyaddr(m), 40);
	free(m);
	load_fails("skylake-sp maxphyaddr=99", -EINVAL, err);
	cr_assert(strstr(err, "maxphyaddr=N with N from 36 to 52"), "%s", err);
	load_fails("skylake-sp maxphyaddr=", -EINVAL, err);
	load_fails("skylake-sp maxphyaddr=0x24", -EINVAL, err);
}

Test(cpu_model, variation_feature_control, .timeout = 10)
{
	struct cpu_model *m = load("kabylake feature-control=0");
	char err[ERRLEN];

	cr_assert_eq(msr_value(m, MSR_IA32_FEATURE_CONTROL), 0);
	free(m);
	m = load("kabylake feature-control=1");
	cr_assert_eq(msr_value(m, MSR_IA32_FEATURE_CONTROL), FEAT_CTL_LOCKED);
	/* Once locked, WRMSR may change nothing; unlocked, it may. */
	cr_assert_lt(model_msr_write_slot(m, NULL, 0, MSR_IA32_FEATURE_CONTROL, 5), 0);
	free(m);
	m = load("kabylake feature-control=0");
	cr_assert_geq(model_msr_write_slot(m, NULL, 0, MSR_IA32_FEATURE_CONTROL, 5), 0);
	free(m);
	load_fails("kabylake feature-control=8", -EINVAL, err);
	cr_assert(strstr(err, "feature-control=N with N from 0 to 7"), "%s", err);
	load_fails("kabylake feature-control=", -EINVAL, err);
}

Test(cpu_model, variation_minus_posted_interrupts, .timeout = 10)
{
	struct cpu_model *base = load("skylake-sp");
	const char *specs[] = { "skylake-sp -vmx.posted-interrupts", "skylake-sp -posted-interrupts",
				"skylake-sp -vmx.pin-based.posted-interrupts" };

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct cpu_model *m = load(specs[i]);

		cr_assert_str_eq(m->name, specs[i]);
		cr_assert_eq(msr_value(m, MSR_IA32_VMX_PINBASED_CTLS),
			     msr_value(base, MSR_IA32_VMX_PINBASED_CTLS) & ~(1ULL << 39));
		cr_assert_eq(msr_value(m, MSR_IA32_VMX_TRUE_PINBASED_CTLS),
			     msr_value(base, MSR_IA32_VMX_TRUE_PINBASED_CTLS) & ~(1ULL << 39));
		cr_assert_eq(allowed1(m, MSR_IA32_VMX_PINBASED_CTLS), 0x7f, "now like Kaby Lake");
		cr_assert_eq(msr_value(m, MSR_IA32_VMX_PROCBASED_CTLS2),
			     msr_value(base, MSR_IA32_VMX_PROCBASED_CTLS2));
		cr_assert(model_has_vmx(m));
		free(m);
	}
	free(base);
}

Test(cpu_model, variation_minus_apicv, .timeout = 10)
{
	struct cpu_model *base = load("sapphire-rapids");
	struct cpu_model *m = load("sapphire-rapids -apicv");
	uint32_t sec = allowed1(m, MSR_IA32_VMX_PROCBASED_CTLS2);

	cr_assert_not(allowed1(m, MSR_IA32_VMX_PINBASED_CTLS) & (1u << 7));
	cr_assert_not(sec & (1u << 8));
	cr_assert_not(sec & (1u << 9));
	cr_assert(sec & (1u << 0), "virtualize APIC accesses stays");
	cr_assert(sec & (1u << 4), "virtualize x2APIC mode stays");
	cr_assert_eq(sec | (3u << 8), allowed1(base, MSR_IA32_VMX_PROCBASED_CTLS2));
	cr_assert_eq(msr_value(base, MSR_IA32_VMX_PROCBASED_CTLS3) & (1u << 4), 1u << 4);
	cr_assert_eq(msr_value(m, MSR_IA32_VMX_PROCBASED_CTLS3) & (1u << 4), 0, "no IPI virtualization");
	free(m);
	free(base);
}

Test(cpu_model, variation_vmx_controls_keep_msrs_consistent, .timeout = 10)
{
	struct cpu_model *m = load("skylake-sp -vmx.activate-secondary-controls");

	cr_assert_not(allowed1(m, MSR_IA32_VMX_PROCBASED_CTLS) & (1u << 31));
	cr_assert_not(allowed1(m, MSR_IA32_VMX_TRUE_PROCBASED_CTLS) & (1u << 31));
	cr_assert_null(model_msr(m, MSR_IA32_VMX_PROCBASED_CTLS2));
	cr_assert_null(model_msr(m, MSR_IA32_VMX_EPT_VPID_CAP));
	cr_assert_null(model_msr(m, MSR_IA32_VMX_VMFUNC));
	free(m);
	m = load("skylake-sp -vmx.enable-ept -vmx.enable-vpid");
	cr_assert_null(model_msr(m, MSR_IA32_VMX_EPT_VPID_CAP));
	cr_assert_not(allowed1(m, MSR_IA32_VMX_PROCBASED_CTLS2) & ((1u << 1) | (1u << 5)));
	free(m);
	m = load("skylake-sp -vmx.enable-ept");
	cr_assert_not_null(model_msr(m, MSR_IA32_VMX_EPT_VPID_CAP), "VPID still needs it");
	free(m);
	m = load("sapphire-rapids -vmx.activate-tertiary-controls");
	cr_assert_null(model_msr(m, MSR_IA32_VMX_PROCBASED_CTLS3));
	free(m);
	m = load("alderlake-p -vmx.exit.activate-secondary-exit-controls");
	cr_assert_null(model_msr(m, MSR_IA32_VMX_EXIT_CTLS2));
	free(m);
	m = load("skylake-sp -vmx.exit.load-ia32-efer -vmx.preemption-timer");
	cr_assert_not(allowed1(m, MSR_IA32_VMX_EXIT_CTLS) & (1u << 21));
	cr_assert_not(allowed1(m, MSR_IA32_VMX_TRUE_EXIT_CTLS) & (1u << 21));
	cr_assert(allowed1(m, MSR_IA32_VMX_ENTRY_CTLS) & (1u << 15), "entry's load-ia32-efer stays");
	cr_assert_not(allowed1(m, MSR_IA32_VMX_PINBASED_CTLS) & (1u << 6));
	free(m);
	m = load("skylake-sp -vmx.ipi-virtualization");
	cr_assert_null(model_msr(m, MSR_IA32_VMX_PROCBASED_CTLS3), "nothing to clear: no-op");
	free(m);
}

Test(cpu_model, variation_vmx_control_errors, .timeout = 10)
{
	char err[ERRLEN];

	load_fails("skylake-sp -vmx.load-debug-controls", -EINVAL, err);
	cr_assert(strstr(err, "requires that control"), "%s", err);
	load_fails("skylake-sp -vmx.load-ia32-efer", -EINVAL, err);
	cr_assert(strstr(err, "-vmx.CLASS.load-ia32-efer"), "%s", err);
	load_fails("skylake-sp -vmx.no-such-control", -EINVAL, err);
	cr_assert(strstr(err, "variation '-vmx.no-such-control'"), "%s", err);
	load_fails("skylake-sp -vmx.pin.nmi-exiting", -EINVAL, err);
	load_fails("skylake-sp +vmx.enable-ept", -EINVAL, err);
	load_fails("skylake-sp +posted-interrupts", -EINVAL, err);
	load_fails("skylake-sp -vmx -vmx.enable-ept", -EINVAL, err);
	cr_assert(strstr(err, "no VMX"), "%s", err);
	load_fails("skylake-sp -vmx +vmx", -EINVAL, err);
}

Test(cpu_model, variation_cpuid_bits, .timeout = 10)
{
	struct cpu_model *a = load("skylake-sp -smep");
	struct cpu_model *b = load("skylake-sp -cpuid.0x7.ebx.7");
	struct cpu_model *c = load("skylake-sp -cpuid.7.0.EBX.7");
	struct cpu_model *m;

	cr_assert_not(model_cr4_fixed1(a) & X86_CR4_SMEP);
	cr_assert_eq(model_cr4_fixed1(a), 0x7767ff & ~X86_CR4_SMEP);
	cr_assert_eq(msr_value(a, MSR_IA32_VMX_CR4_FIXED1), model_cr4_fixed1(a),
		     "0x489 follows the CPUID change");
	expect_same_leaves(a, b);
	expect_same_leaves(a, c);
	free(a);
	free(b);
	free(c);
	m = load("skylake-sp +la57 -pcid");
	cr_assert(model_cr4_fixed1(m) & X86_CR4_LA57);
	cr_assert_not(model_cr4_fixed1(m) & X86_CR4_PCIDE);
	cr_assert(model_cr4_reserved(m) & X86_CR4_PCIDE);
	free(m);
	m = load("skylake-sp -xsave -pku");
	cr_assert_not(model_cpuid_bit(m, 1, 0, MODEL_ECX, 26));
	cr_assert_not(model_cpuid_bit(m, 1, 0, MODEL_ECX, 27), "OSXSAVE goes with XSAVE");
	cr_assert_not(model_cr4_fixed1(m) & (X86_CR4_OSXSAVE | X86_CR4_PKE));
	free(m);
	m = load("skylake-sp -lam -smx");
	cr_assert_not(model_cr4_fixed1(m) & X86_CR4_SMXE);
	free(m);
	m = load("skylake-sp +vmx");
	cr_assert(model_has_vmx(m));
	free(m);
}

Test(cpu_model, variation_errors, .timeout = 10)
{
	char err[ERRLEN];
	char longspec[300];

	load_fails("skylake-sp -frobnicate", -EINVAL, err);
	cr_assert_str_eq(err, "variation '-frobnicate': expected -feature, +feature, -vmx.CONTROL, maxphyaddr=N, feature-control=N or CHOICE=VALUE");
	load_fails("skylake-sp frobnicate", -EINVAL, err);
	cr_assert_str_eq(err, "variation 'frobnicate': expected -feature, +feature, -vmx.CONTROL, maxphyaddr=N, feature-control=N or CHOICE=VALUE");
	load_fails("skylake-sp -cpuid.0x7.exx.3", -EINVAL, err);
	load_fails("skylake-sp -cpuid.0x7.ebx.32", -EINVAL, err);
	load_fails("skylake-sp -cpuid.0x7.0.1.ebx.3", -EINVAL, err);
	load_fails("skylake-sp +lam", -EINVAL, err);
	cr_assert(strstr(err, "no CPUID leaf 0x7.1"), "%s", err);
	load_fails("skylake-sp +cpuid.0x30.eax.0", -EINVAL, err);
	load_fails("", -EINVAL, err);
	load_fails("../cpus/skylake-sp", -EINVAL, err);
	load_fails("-vmx", -EINVAL, err);
	memset(longspec, 0, sizeof(longspec));
	strcpy(longspec, "skylake-sp");
	while (strlen(longspec) < 250)
		strcat(longspec, " -smep");
	load_fails(longspec, -EINVAL, err);
}

Test(cpu_model, spec_whitespace_is_normalized, .timeout = 10)
{
	struct cpu_model *m = load("  skylake-sp \t -smep   maxphyaddr=40 ");

	cr_assert_str_eq(m->name, "skylake-sp -smep maxphyaddr=40");
	cr_assert_eq(model_maxphyaddr(m), 40);
	free(m);
}

Test(cpu_model, unknown_model_is_enoent, .timeout = 10)
{
	char err[ERRLEN];

	load_fails("no-such-cpu", -ENOENT, err);
	cr_assert_str_eq(err, "unknown CPU model 'no-such-cpu' (no " HVSIM_CPUS_DIR "/no-such-cpu.cpu); "
			 "expected one of: alderlake-e alderlake-p denverton icelake-sp kabylake "
			 "sapphire-rapids skylake-sp");
	load_fails("no-such-cpu -vmx", -ENOENT, err);
}

Test(cpu_model, cpus_dir_from_environment, .timeout = 10)
{
	static const char text[] = "name envcpu\ncpuid 0x0 0x1 0x0 0x0 0x0\ncpuid 0x1 0x0 0x0 0x20 0x0\n";
	struct cpu_model *m = new_model();
	char dir[64], path[256], err[ERRLEN];
	char names[4][MODEL_FILE_NAME_MAX];

	tmp_dir(dir);
	tmp_file(dir, "envcpu.cpu", text, strlen(text), path);
	tmp_file(dir, "wrong.cpu", text, strlen(text), path);
	cr_assert_eq(setenv("HVSIM_CPUS", dir, 1), 0);
	cr_assert_eq(model_load(NULL, "envcpu", m, err, sizeof(err)), 0, "%s", err);
	cr_assert(model_has_vmx(m));
	cr_assert_eq(model_list(NULL, names, 4), 2);
	cr_assert_str_eq(names[0], "envcpu");
	cr_assert_eq(model_load(NULL, "wrong", m, err, sizeof(err)), -EINVAL);
	cr_assert(strstr(err, "wrong.cpu:1: expected 'name wrong'"), "%s", err);
	unsetenv("HVSIM_CPUS");
	harness_remove_dir(dir);
	free(m);
}

Test(cpu_model, model_list_sorted_and_bounded, .timeout = 10)
{
	char all[32][MODEL_FILE_NAME_MAX], few[3][MODEL_FILE_NAME_MAX];
	unsigned int n = model_list(HVSIM_CPUS_DIR, all, 32);

	for (unsigned int i = 1; i < n; i++)
		cr_assert_lt(strcmp(all[i - 1], all[i]), 0, "%s before %s", all[i - 1], all[i]);
	cr_assert_str_eq(all[0], "alderlake-e");
	cr_assert_eq(model_list(HVSIM_CPUS_DIR, few, 3), 3);
	for (int i = 0; i < 3; i++)
		cr_assert_str_eq(few[i], all[i]);
	cr_assert_eq(model_list(HVSIM_CPUS_DIR, few, 0), 0);
	cr_assert_eq(model_list("/nonexistent/hvsim", all, 32), 0);
}

Test(cpu_model, describe_in_words, .timeout = 10)
{
	struct cpu_model *sky = load("skylake-sp");
	struct cpu_model *kaby = load("kabylake");
	struct cpu_model *novmx = load("kabylake -vmx");
	struct strbuf sb = STRBUF_INIT;
	const char *buf;

	model_describe(sky, &sb);
	buf = strbuf_str(&sb);
	cr_assert(strstr(buf, "pin-based posted-interrupts: may be 0 or 1"), "%s", buf);
	cr_assert(strstr(buf, "VMCS revision 0x4,"), "%s", buf);
	cr_assert(strstr(buf, "MAXPHYADDR 46"), "%s", buf);
	cr_assert(strstr(buf, "CR4_FIXED1 0x7767ff"), "%s", buf);
	cr_assert(strstr(buf, "TRUE (IA32_VMX_BASIC[55] = 1)"), "%s", buf);
	cr_assert(strstr(buf, "primary cr3-load-exiting: may be 0 or 1"), "TRUE MSR's view: %s", buf);
	cr_assert(strstr(buf, "tertiary controls: none"), "%s", buf);
	strbuf_reset(&sb);
	model_describe(kaby, &sb);
	buf = strbuf_str(&sb);
	cr_assert(strstr(buf, "pin-based posted-interrupts: must be 0 (not supported)"), "%s", buf);
	cr_assert(strstr(buf, "secondary virtual-interrupt-delivery: must be 0"), "%s", buf);
	cr_assert(strstr(buf, "MAXPHYADDR 39"), "%s", buf);
	strbuf_reset(&sb);
	model_describe(novmx, &sb);
	buf = strbuf_str(&sb);
	cr_assert(strstr(buf, "no VMX"), "%s", buf);
	/* It appends: a second model follows the first. */
	model_describe(kaby, &sb);
	buf = strbuf_str(&sb);
	cr_assert(strstr(buf, "\nkabylake: ") > strstr(buf, "no VMX"), "%s", buf);
	strbuf_release(&sb);
	free(sky);
	free(kaby);
	free(novmx);
}

/* ---- malformed files ---- */

Test(cpu_model, file_error_unknown_keyword, .timeout = 10)
{
	static const char text[] = "# a model\nname t\ncpuif 0x1 0x0 0x0 0x0 0x0\n";
	char err[ERRLEN];

	parse_text(text, strlen(text), 3, err);
	cr_assert(strstr(err, "expected a keyword (name, description, cpuid, msr, cost, choice, frequency), found 'cpuif'"),
		  "%s", err);
}

Test(cpu_model, file_frequency_lines, .timeout = 10)
{
	static const char ok[] = "name t\nfrequency 2100 # MHz\n";
	static const char twice[] = "name t\nfrequency 2100\nfrequency 2200\n";
	static const char ghz[] = "name t\nfrequency 2.1GHz\n";
	static const char zero[] = "name t\nfrequency 0\n";
	static const char huge[] = "name t\nfrequency 100001\n";
	static const char short_line[] = "name t\nfrequency\n";
	static const char long_line[] = "name t\nfrequency 2100 MHz\n";
	char err[ERRLEN];

	parse_text(ok, strlen(ok), 0, err);
	parse_text(twice, strlen(twice), 3, err);
	cr_assert(strstr(err, "one 'frequency' line: it is already given on line 2"), "%s", err);
	parse_text(ghz, strlen(ghz), 2, err);
	cr_assert(strstr(err, "a nominal frequency in MHz, a decimal from 1 to 100000, found '2.1GHz'"),
		  "%s", err);
	parse_text(zero, strlen(zero), 2, err);
	cr_assert(strstr(err, "found '0'"), "%s", err);
	parse_text(huge, strlen(huge), 2, err);
	cr_assert(strstr(err, "found '100001'"), "%s", err);
	parse_text(short_line, strlen(short_line), 2, err);
	cr_assert(strstr(err, "'frequency MHZ'"), "%s", err);
	parse_text(long_line, strlen(long_line), 2, err);
	cr_assert(strstr(err, "'frequency MHZ'"), "%s", err);
}

/* Each shipped model's nominal frequency: leaf 16H's base, or Denverton's brand string. */
Test(cpu_model, every_model_has_its_nominal_frequency, .timeout = 10)
{
	static const struct {
		const char *name;
		uint32_t mhz;
	} want[] = {
		{ "alderlake-e", 3200 }, { "alderlake-p", 3200 }, { "denverton", 2000 },
		{ "icelake-sp", 2400 }, { "kabylake", 4200 }, { "sapphire-rapids", 2600 },
		{ "skylake-sp", 3000 },
	};
	struct cpu_model *m = new_model();
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		cr_assert_eq(model_load(HVSIM_CPUS_DIR, want[i].name, m, err, sizeof(err)), 0, "%s",
			     err);
		cr_expect_eq(m->freq_mhz, want[i].mhz, "%s: %u", want[i].name, m->freq_mhz);
		cr_expect_eq(model_freq_mhz(m), want[i].mhz);
		/* Leaf 16H EAX says the same; Denverton's maximum basic leaf is 15H. */
		if (strcmp(want[i].name, "denverton")) {
			uint32_t r[4];

			model_cpuid(m, 0x16, 0, r);
			cr_expect_eq(r[0], want[i].mhz, "%s: leaf 16H EAX %u", want[i].name, r[0]);
		}
	}
	/* A variation keeps it; a file without one gets the default clock. */
	cr_assert_eq(model_load(HVSIM_CPUS_DIR, "skylake-sp -vmx", m, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(model_freq_mhz(m), 3000);
	m->freq_mhz = 0;
	cr_expect_eq(model_freq_mhz(m), MODEL_DEFAULT_FREQ_MHZ);
	cr_expect_eq(model_freq_mhz(NULL), MODEL_DEFAULT_FREQ_MHZ);
	free(m);
}

Test(cpu_model, file_choice_lines, .timeout = 10)
{
	static const char ok[] = "name t\nchoice nmi-in-sti-shadow enter\n";
	static const char twice[] = "name t\nchoice nmi-in-sti-shadow enter\n"
				    "choice nmi-in-sti-shadow fail\n";
	static const char bad_value[] = "name t\nchoice nmi-in-sti-shadow sometimes\n";
	static const char bad_name[] = "name t\nchoice nmi-anywhere fail\n";
	static const char short_line[] = "name t\nchoice nmi-in-sti-shadow\n";
	char err[ERRLEN];

	parse_text(ok, strlen(ok), 0, err);
	parse_text(twice, strlen(twice), 3, err);
	cr_assert(strstr(err, "each choice once: 'nmi-in-sti-shadow' is on line 2"), "%s", err);
	parse_text(bad_value, strlen(bad_value), 2, err);
	cr_assert(strstr(err, "'fail' or 'enter' for nmi-in-sti-shadow, found 'sometimes'"), "%s",
		  err);
	parse_text(bad_name, strlen(bad_name), 2, err);
	cr_assert(strstr(err, "a choice name (nmi-in-sti-shadow), found 'nmi-anywhere'"), "%s", err);
	parse_text(short_line, strlen(short_line), 2, err);
	cr_assert(strstr(err, "'choice NAME VALUE'"), "%s", err);
}

Test(cpu_model, file_error_bad_hex, .timeout = 10)
{
	static const char *texts[] = {
		"name t\n\ncpuid 0x1 0x0005065g 0x0 0x0 0x0\n",
		"name t\n\ncpuid 0x1 0x0 0x0 0x0 12\n",
		"name t\n\ncpuid 0x1 0x0 0x0 0x0 0x100000000\n",
		"name t\n\ncpuid 1 0x0 0x0 0x0 0x0\n",
		"name t\n\nmsr 0x480 0xzz\n",
		"name t\n\nmsr 0x480 0x10000000000000000\n",
		"name t\n\nmsr 0x480 0x1 writable=0x\n",
		"name t\n\ncpuid 0x7.g 0x0 0x0 0x0 0x0\n",
	};
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		parse_text(texts[i], strlen(texts[i]), 3, err);
	parse_text(texts[0], strlen(texts[0]), 3, err);
	cr_assert(strstr(err, "expected a 32-bit hexadecimal number (0x...) for eax, found '0x0005065g'"),
		  "%s", err);
}

Test(cpu_model, file_error_duplicate_leaf, .timeout = 10)
{
	static const char text[] = "name t\n"
				   "cpuid 0x1 0x0 0x0 0x0 0x0\n"
				   "cpuid 0x7.0 0x0 0x0 0x0 0x0\n"
				   "cpuid 0x7.1 0x0 0x0 0x0 0x0\n"
				   "cpuid 0x00000001 0x1 0x0 0x0 0x0\n";
	static const char sub[] = "name t\ncpuid 0x7.0 0x0 0x0 0x0 0x0\ncpuid 0x7.00 0x0 0x0 0x0 0x0\n";
	static const char mixed[] = "name t\ncpuid 0x2.0 0x0 0x0 0x0 0x0\ncpuid 0x2 0x0 0x0 0x0 0x0\n";
	char err[ERRLEN];

	parse_text(text, strlen(text), 5, err);
	cr_assert(strstr(err, "is on line 2"), "%s", err);
	parse_text(sub, strlen(sub), 3, err);
	parse_text(mixed, strlen(mixed), 3, err);
}

Test(cpu_model, file_error_missing_name, .timeout = 10)
{
	static const char text[] = "# no name\ncpuid 0x1 0x0 0x0 0x0 0x0\ncost ipi 10\n";
	char err[ERRLEN];

	parse_text(text, strlen(text), 3, err);
	cr_assert(strstr(err, "expected a 'name' line before the end of the file"), "%s", err);
	parse_text("", 0, 1, err);
	parse_text("\n\n", 2, 2, err);
}

Test(cpu_model, file_error_too_many_leaves, .timeout = 10)
{
	size_t cap = 64 * (MODEL_MAX_LEAVES + 2);
	char *text = malloc(cap), err[ERRLEN];
	size_t len;

	cr_assert(text);
	len = (size_t)snprintf(text, cap, "name t\n");
	for (unsigned int i = 0; i <= MODEL_MAX_LEAVES; i++)
		len += (size_t)snprintf(text + len, cap - len, "cpuid 0x%x 0x0 0x0 0x0 0x0\n", 0x80000000u + i);
	parse_text(text, len, MODEL_MAX_LEAVES + 2, err);
	cr_assert(strstr(err, "at most 256 cpuid lines"), "%s", err);
	free(text);
}

Test(cpu_model, file_error_other_lines, .timeout = 10)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *want;
	} cases[] = {
		{ "name t\nname u\n", 2, "already given on line 1" },
		{ "name t u\n", 1, "'name NAME'" },
		{ "name ../t\n", 1, "a name of" },
		{ "name t\nmsr 0x3a 0x5\nmsr 0x3A 0x1\n", 3, "MSR 0x3a is on line 2" },
		{ "name t\nmsr 0x3a 0x5 locked\n", 2, "'writable=0xMASK' or 'assumed'" },
		{ "name t\nmsr 0x3a 0x5 assumed assumed\n", 2, "each at most once" },
		{ "name t\nmsr 0x3a\n", 2, "'msr INDEX VALUE" },
		{ "name t\ncpuid 0x7 0x0 0x0 0x0 0x0\n", 2, "the SDM indexes leaf 0x7 by ECX" },
		{ "name t\ncpuid 0x1 0x0 0x0 0x0\n", 2, "'cpuid LEAF[.SUBLEAF] EAX EBX ECX EDX'" },
		{ "name t\ncost vmentry\n", 2, "'cost NAME CYCLES'" },
		{ "name t\ncost vmenter 5\n", 2, "a cost name" },
		{ "name t\ncost ipi -5\n", 2, "a decimal cycle count" },
		{ "name t\ncost ipi 5\ncost ipi 6\n", 3, "'ipi' is on line 2" },
		{ "name t\ndescription\n", 2, "some text" },
		{ "name t\ndescription a\ndescription b\n", 3, "already given on line 2" },
		{ "name t\ncpuid 0x0 0x1 0x0 0x0 0x0\ncpuid 0x2 0x0 0x0 0x0 0x0\n", 3, "maximum basic leaf" },
		{ "name t\ncpuid 0x80000000 0x80000001 0x0 0x0 0x0\ncpuid 0x80000008 0x0 0x0 0x0 0x0\n", 3,
		  "maximum extended leaf" },
		{ "name t\na b c d e f g h i\n", 2, "at most 8 words" },
		{ "name t\nbad\x01line\n", 2, "control character" },
	};
	char err[ERRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		parse_text(cases[i].text, strlen(cases[i].text), cases[i].line, err);
		cr_assert(strstr(err, cases[i].want), "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
	}
}

Test(cpu_model, file_error_long_line_and_nul, .timeout = 10)
{
	char *text = malloc(5000), err[ERRLEN];
	static const char nul[] = "name t\ncpuid 0x1\0 0x0 0x0 0x0 0x0\n";

	cr_assert(text);
	strcpy(text, "name t\n# ");
	memset(text + 9, 'a', 4000);
	strcpy(text + 4009, "\n");
	parse_text(text, strlen(text), 2, err);
	cr_assert(strstr(err, "a line of at most 1023 characters"), "%s", err);
	parse_text(nul, sizeof(nul) - 1, 2, err);
	cr_assert(strstr(err, "NUL byte"), "%s", err);
	free(text);
}

Test(cpu_model, file_accepted_forms, .timeout = 10)
{
	static const char text[] = "name t   # trailing comment\r\n"
				   "description  Some CPU, family 6  \n"
				   "\tcpuid 0x0 0x7 0x0 0x0 0x0\n"
				   "cpuid 0x7.0x1 0x0 0x0 0x0 0x0\n"
				   "cpuid 0x7.0 0x1 0x1 0x0 0x0\n"
				   "cpuid 0x1 0X1 0xFFFFFFFF 0x0 0x0\n"
				   "msr 0x3a 0x5 writable=0x0 assumed\n"
				   "msr 0x10 0x0 assumed writable=0xffffffffffffffff\n"
				   "cost ipi 0\n"
				   "\n";
	char err[ERRLEN];
	struct cpu_model *m = new_model();
	char dir[64], path[256];

	parse_text(text, strlen(text), 0, err);
	tmp_dir(dir);
	tmp_file(dir, "t.cpu", text, strlen(text), path);
	cr_assert_eq(model_parse_file(path, m, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(m->description, "Some CPU, family 6");
	cr_assert(model_cpuid_bit(m, 7, 0, MODEL_EBX, 0));
	cr_assert_eq(model_msr(m, 0x10)->writable, UINT64_MAX);
	cr_assert(model_msr(m, 0x10)->assumed);
	cr_assert_eq(m->cost[COST_IPI], 0);
	harness_remove_dir(dir);
	free(m);
}

Test(cpu_model, file_unreadable, .timeout = 10)
{
	struct cpu_model *m = new_model();
	char dir[64], err[ERRLEN];

	tmp_dir(dir);
	cr_assert_neq(model_parse_file(dir, m, err, sizeof(err)), 0, "a directory is no model");
	cr_assert_eq(model_parse_file("/nonexistent/x.cpu", m, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "/nonexistent/x.cpu: No such file or directory");
	cr_assert_eq(model_parse_file("/nonexistent/x.cpu", m, NULL, 0), -ENOENT, "no message buffer");
	harness_remove_dir(dir);
	free(m);
}

/* A fixed-seed xorshift: the same garbage every run. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

Test(cpu_model, random_files_never_crash, .timeout = 10)
{
	static const char *pieces[] = {
		"name ", "t", "cpuid ", "msr ", "cost ", "description ", "0x", "7", ".", "1", "ffffffff",
		"0x0 ", "0x1 ", " ", "\t", "\n", "#", "assumed", "writable=", "ipi ", "-", "\r", "\x01",
		"99999999999999999999", "0x00000000000000000000000000000001",
	};
	struct cpu_model *m = new_model();
	char dir[64], path[256], err[ERRLEN], text[600];
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	tmp_dir(dir);
	for (int iter = 0; iter < 300; iter++) {
		size_t len = 0;
		int ret;

		while (len < sizeof(text) - 40) {
			const char *p = pieces[next_rand(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];

			memcpy(text + len, p, strlen(p));
			len += strlen(p);
			if (next_rand(&seed) % 50 == 0)
				break;
		}
		tmp_file(dir, "t.cpu", text, len, path);
		err[0] = '\0';
		ret = model_parse_file(path, m, err, sizeof(err));
		cr_assert(ret == 0 || ret == -EINVAL, "iteration %d: %d", iter, ret);
		if (ret)
			cr_assert(!strncmp(err, path, strlen(path)), "iteration %d: '%s'", iter, err);
	}
	harness_remove_dir(dir);
	free(m);
}

Test(cpu_model, random_specs_never_crash, .timeout = 10)
{
	static const char *words[] = {
		"skylake-sp", "kabylake", "-vmx", "+vmx", "-vmx.", "-vmx.enable-ept", "-apicv", "-smep",
		"+la57", "maxphyaddr=", "maxphyaddr=40", "-cpuid.", "-cpuid.0x7.ebx.", "+cpuid.1.ecx.5",
		"-vmx.exit.", "-posted-interrupts", "x", "=", "-", "+", ".", "-cpuid.0x7.0.ecx.31",
	};
	struct cpu_model *m = new_model();
	char spec[200], err[ERRLEN];
	uint64_t seed = 12345;

	for (int iter = 0; iter < 300; iter++) {
		size_t len = 0;
		int n = 1 + (int)(next_rand(&seed) % 5), ret;

		for (int i = 0; i < n; i++) {
			const char *w = words[next_rand(&seed) % (sizeof(words) / sizeof(words[0]))];

			if (len + strlen(w) + 2 >= sizeof(spec))
				break;
			len += (size_t)sprintf(spec + len, "%s%s", i ? " " : "", w);
		}
		ret = model_load(HVSIM_CPUS_DIR, spec, m, err, sizeof(err));
		cr_assert(ret == 0 || ret == -EINVAL || ret == -ENOENT, "'%s': %d", spec, ret);
		if (!ret)
			cr_assert_str_eq(m->name, spec);
		else
			cr_assert(err[0], "'%s': no message", spec);
	}
	free(m);
}

/* ---- machine descriptions ---- */

Test(cpu_model, machine_desc_example, .timeout = 10)
{
	struct hw_desc *d = calloc(1, sizeof(*d));
	char err[ERRLEN] = "";

	cr_assert(d);
	cr_assert_eq(hw_desc_parse("4 slots: skylake-sp x3, slot 3 kabylake offline", d, err,
					sizeof(err)), 0, "%s", err);
	cr_assert_eq(d->nslots, 4);
	for (int i = 0; i < 3; i++) {
		cr_assert_str_eq(d->slot[i].spec, "skylake-sp");
		cr_assert_not(d->slot[i].offline);
	}
	cr_assert_str_eq(d->slot[3].spec, "kabylake");
	cr_assert(d->slot[3].offline);
	/* And every slot's spec loads. */
	for (unsigned int i = 0; i < d->nslots; i++)
		free(load(d->slot[i].spec));
	free(d);
}

Test(cpu_model, machine_desc_forms, .timeout = 10)
{
	struct hw_desc *d = calloc(1, sizeof(*d));
	char err[ERRLEN] = "";

	cr_assert(d);
	cr_assert_eq(hw_desc_parse("1 slot: kabylake", d, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(d->nslots, 1);
	cr_assert_str_eq(d->slot[0].spec, "kabylake");
	cr_assert_eq(hw_desc_parse(" 4 slots :slot 0 kabylake,skylake-sp  -vmx.posted-interrupts\tmaxphyaddr=36 x3",
					d, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(d->slot[0].spec, "kabylake");
	for (int i = 1; i < 4; i++)
		cr_assert_str_eq(d->slot[i].spec, "skylake-sp -vmx.posted-interrupts maxphyaddr=36");
	cr_assert_eq(hw_desc_parse("3 slots: skylake-sp -vmx x2 offline, alderlake-e", d, err,
					sizeof(err)), 0, "%s", err);
	cr_assert(d->slot[0].offline && d->slot[1].offline && !d->slot[2].offline);
	cr_assert_str_eq(d->slot[1].spec, "skylake-sp -vmx");
	cr_assert_eq(hw_desc_parse("64 slots: kabylake x64", d, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(d->slot[63].spec, "kabylake");
	free(d);
}

Test(cpu_model, machine_desc_errors, .timeout = 10)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "", "column 1: expected the number of slots (1-64)" },
		{ "four slots: kabylake", "column 1: expected the number of slots" },
		{ "0 slots: kabylake", "column 1: expected the number of slots" },
		{ "65 slots: kabylake x65", "column 1: expected the number of slots" },
		{ "4 cpus: kabylake x4", "column 3: expected 'slots' after the number of slots" },
		{ "4 slots kabylake x4", "column 9: expected ':' after 'slots'" },
		{ "4 slotsx: kabylake x4", "column 8: expected ':' after 'slots'" },
		{ "4 slots: skylake-sp x3", "column 23: expected CPUs for all 4 slots, found 3" },
		{ "4 slots: skylake-sp x5", "column 10: expected at most 4 more CPUs" },
		{ "4 slots: skylake-sp x4, slot 3 kabylake", "column 30: expected a free slot: slot 3 already holds 'skylake-sp'" },
		{ "4 slots: slot 4 kabylake, skylake-sp x4", "column 15: expected a slot number below the slot count" },
		{ "4 slots: slot kabylake, skylake-sp x4", "column 15: expected a slot number" },
		{ "4 slots: slot 2", "column 16: expected a CPU model name" },
		{ "2 slots: skylake-sp,, kabylake", "column 21: expected a CPU model name" },
		{ "2 slots: skylake-sp x1,", "column 24: expected a CPU model name" },
		{ "2 slots: sky/lake x2", "column 13: expected a letter, digit" },
		{ "2 slots: skylake-sp offline x2", "column 21: expected 'offline' last in the item" },
		{ "2 slots: skylake-sp vmx x2", "column 21: expected a variation" },
		{ "2 slots: -vmx x2", "column 10: expected a CPU model name" },
		{ "2 slots: skylake-sp x0", "column 21: expected xN with N from 1 to 64" },
		{ "2 slots: skylake-sp x99999999999", "column 21: expected xN with N from 1 to 64" },
		{ "1 slot: offline", "column 9: expected a CPU model name" },
	};
	struct hw_desc *d = calloc(1, sizeof(*d));
	char err[ERRLEN];

	cr_assert(d);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		cr_assert_eq(hw_desc_parse(cases[i].text, d, err, sizeof(err)), -EINVAL,
			     "'%s' accepted", cases[i].text);
		cr_assert(!strncmp(err, cases[i].want, strlen(cases[i].want)),
			  "'%s': message '%s', expected '%s'", cases[i].text, err, cases[i].want);
		cr_assert_eq(d->nslots, 0, "a refused description leaves no slots");
	}
	cr_assert_eq(hw_desc_parse(NULL, d, err, sizeof(err)), -EINVAL);
	free(d);
}

Test(cpu_model, random_descriptions_never_crash, .timeout = 10)
{
	static const char *pieces[] = {
		"4", "64", "65", " ", "slots", "slot", ":", ",", "skylake-sp", "x3", "x", "offline",
		"-vmx", "maxphyaddr=36", "3", "\t", "=", "/", "kabylake", "0",
	};
	struct hw_desc *d = calloc(1, sizeof(*d));
	char text[300], err[ERRLEN];
	uint64_t seed = 777;

	cr_assert(d);
	for (int iter = 0; iter < 2000; iter++) {
		size_t len = 0;
		int ret;

		while (len < sizeof(text) - 20) {
			const char *p = pieces[next_rand(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];

			memcpy(text + len, p, strlen(p));
			len += strlen(p);
			if (next_rand(&seed) % 12 == 0)
				break;
		}
		text[len] = '\0';
		ret = hw_desc_parse(text, d, err, sizeof(err));
		cr_assert(ret == 0 || ret == -EINVAL, "'%s': %d", text, ret);
		if (ret)
			cr_assert(!strncmp(err, "column ", 7), "'%s': '%s'", text, err);
		else
			for (unsigned int i = 0; i < d->nslots; i++)
				cr_assert(d->slot[i].spec[0], "'%s': slot %u empty", text, i);
	}
	free(d);
}
