// SPDX-License-Identifier: MIT
/*
 * Variations of a model ("skylake-sp -vmx.posted-interrupts maxphyaddr=36",
 * grammar in docs/cpu-models.md) and model_load(), which reads a model's
 * file and applies them. Variations keep the model consistent: no VMX in
 * CPUID also removes the VMX MSRs, a removed control the MSRs only it
 * enables, and IA32_VMX_CR4_FIXED1 follows CPUID.
 *
 * Everything here is an input path: a bad variation is -EINVAL with the
 * variation's text, never an assertion.
 */
#include "cpu/model_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/vmx.h"

/* The SDM's bounds on MAXPHYADDR on Intel 64 processors ("Paging Modes and Control Bits"). */
#define MAXPHYADDR_MIN		36
#define MAXPHYADDR_MAX		52

/* ---- look-ups that change the model ---- */

static struct cpuid_leaf *find_leaf_mut(struct cpu_model *m, uint32_t leaf, uint32_t subleaf)
{
	return (struct cpuid_leaf *)model_find_leaf(m, leaf, subleaf);
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

/* ---- VMX controls by name ---- */

/* Whether the plain MSR of class @cls lets control @ctl be 1. */
static bool vmx_allowed1(const struct cpu_model *m, unsigned int cls, uint64_t ctl)
{
	uint64_t a0, a1;

	return model_vmx_class_caps(m, cls, false, &a0, &a1) && (a1 & ctl);
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
	if (!vmx_allowed1(m, MODEL_VMX_PRIMARY, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)) {
		remove_msr(m, MSR_IA32_VMX_PROCBASED_CTLS2);
		remove_msr(m, MSR_IA32_VMX_EPT_VPID_CAP);
		remove_msr(m, MSR_IA32_VMX_VMFUNC);
	}
	if (!vmx_allowed1(m, MODEL_VMX_PRIMARY, CPU_BASED_ACTIVATE_TERTIARY_CONTROLS))
		remove_msr(m, MSR_IA32_VMX_PROCBASED_CTLS3);
	if (!vmx_allowed1(m, MODEL_VMX_SECONDARY, SECONDARY_EXEC_ENABLE_EPT) &&
	    !vmx_allowed1(m, MODEL_VMX_SECONDARY, SECONDARY_EXEC_ENABLE_VPID))
		remove_msr(m, MSR_IA32_VMX_EPT_VPID_CAP);
	if (!vmx_allowed1(m, MODEL_VMX_SECONDARY, SECONDARY_EXEC_ENABLE_VMFUNC))
		remove_msr(m, MSR_IA32_VMX_VMFUNC);
	if (!vmx_allowed1(m, MODEL_VMX_EXIT, VM_EXIT_ACTIVATE_SECONDARY_CONTROLS))
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
	const struct model_vmx_class_info *ci = &model_vmx_classes[cls];
	uint32_t msrs[2] = { ci->msr, ci->true_msr };

	for (int i = 0; i < 2; i++) {
		struct model_msr *e = msrs[i] ? msr_mut(m, msrs[i]) : NULL;

		if (e && cls != MODEL_VMX_TERTIARY && ((e->value >> bit) & 1))
			return model_fail(err, errlen, -EINVAL,
				    "variation '%s': the model requires that control (allowed-0 bit %u of MSR 0x%x is 1)",
				    mod, bit, msrs[i]);
	}
	for (int i = 0; i < 2; i++) {
		struct model_msr *e = msrs[i] ? msr_mut(m, msrs[i]) : NULL;

		if (!e)
			continue;
		e->value &= ~(1ULL << (cls == MODEL_VMX_TERTIARY ? bit : bit + 32));
	}
	return 0;
}

/* "-vmx.NAME" or "-vmx.CLASS.NAME". */
static int vmx_remove_named(struct cpu_model *m, const char *mod, const char *what,
			    char *err, size_t errlen)
{
	const struct model_vmx_control *found = NULL;
	const char *dot = strchr(what, '.');
	int cls = -1, matches = 0;

	if (dot) {
		for (int i = 0; i < NR_MODEL_VMX_CLASSES; i++)
			if (strlen(model_vmx_classes[i].name) == (size_t)(dot - what) &&
			    !strncmp(model_vmx_classes[i].name, what, (size_t)(dot - what)))
				cls = i;
		if (cls < 0)
			return model_fail(err, errlen, -EINVAL,
				    "variation '%s': expected a control class (pin-based, primary, secondary, tertiary, exit, entry) before '.'",
				    mod);
		what = dot + 1;
	}
	for (size_t i = 0; i < model_nr_vmx_controls; i++) {
		if (strcmp(model_vmx_controls[i].name, what))
			continue;
		if (cls >= 0 && model_vmx_controls[i].cls != cls)
			continue;
		if (!found)
			found = &model_vmx_controls[i];
		matches++;
	}
	if (!found)
		return model_fail(err, errlen, -EINVAL,
			    "variation '%s': expected a VMX control name from the SDM, such as posted-interrupts or enable-ept (docs/cpu-models.md lists them)",
			    mod);
	if (matches > 1)
		return model_fail(err, errlen, -EINVAL,
			    "variation '%s': '%s' names controls of several classes: expected -vmx.CLASS.%s (exit, entry, secondary)",
			    mod, what, what);
	if (!model_msr(m, MSR_IA32_VMX_BASIC))
		return model_fail(err, errlen, -EINVAL, "variation '%s': the model has no VMX", mod);
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
	struct cpuid_leaf *l = model_leaf_in_range(m, leaf) ? find_leaf_mut(m, leaf, subleaf) : NULL;
	uint32_t mask = 1u << bit;
	uint32_t *r;

	if (!l) {
		if (!set)
			return 0;
		return model_fail(err, errlen, -EINVAL, "variation '%s': the model has no CPUID leaf 0x%x.%x",
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
		if (strlen(s) == 3 && (s[0] | 0x20) == model_reg_names[i][0] &&
		    (s[1] | 0x20) == model_reg_names[i][1] && (s[2] | 0x20) == model_reg_names[i][2]) {
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
	if (!model_parse_hex(part[1], false, UINT32_MAX, &leaf))
		goto bad;
	if (n == 5 && !model_parse_hex(part[2], false, UINT32_MAX, &subleaf))
		goto bad;
	regs = part[n - 2];
	bits = part[n - 1];
	if (parse_reg(regs, &reg) || !model_parse_dec(bits, 31, &bit))
		goto bad;
	return set_cpuid_bit(m, mod, set, (uint32_t)leaf, (uint32_t)subleaf, reg, (unsigned int)bit,
			     -1, err, errlen);
bad:
	return model_fail(err, errlen, -EINVAL,
		    "variation '%s': expected %ccpuid.LEAF[.SUBLEAF].REG.BIT, e.g. -cpuid.0x7.ebx.7 (hex leaf, eax/ebx/ecx/edx, bit 0-31)",
		    mod, set ? '+' : '-');
}

static int set_maxphyaddr(struct cpu_model *m, const char *mod, const char *val,
			  char *err, size_t errlen)
{
	struct cpuid_leaf *l;
	uint64_t n;

	if (!model_parse_dec(val, MAXPHYADDR_MAX, &n) || n < MAXPHYADDR_MIN)
		return model_fail(err, errlen, -EINVAL,
			    "variation '%s': expected maxphyaddr=N with N from %d to %d", mod,
			    MAXPHYADDR_MIN, MAXPHYADDR_MAX);
	l = find_leaf_mut(m, CPUID_LEAF_ADDR_SIZES, 0);
	if (!l) {
		/* Add the leaf, and raise the extended maximum to reach it. */
		struct cpuid_leaf *max = find_leaf_mut(m, CPUID_LEAF_MAX_EXT, 0);

		if (m->nleaves + !max + 1 > MODEL_MAX_LEAVES)
			return model_fail(err, errlen, -EINVAL, "variation '%s': the model has %d leaves already",
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

	if (!model_parse_dec(val, 7, &v))
		return model_fail(err, errlen, -EINVAL,
			    "variation '%s': expected feature-control=N with N from 0 to 7 (bit 0 lock, bit 1 VMX inside SMX, bit 2 VMX outside SMX)",
			    mod);
	if (!e)
		return model_fail(err, errlen, -EINVAL, "variation '%s': the model has no IA32_FEATURE_CONTROL",
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

/* A choice where the SDM lets processors differ: NAME=VALUE. */
static int set_choice(struct cpu_model *m, const char *mod, char *err, size_t errlen)
{
	const char *eq = strchr(mod, '=');
	enum model_choice ch = model_choice_find(mod, (size_t)(eq - mod));

	if (ch == NR_MODEL_CHOICES)
		return model_fail(err, errlen, -EINVAL,
			    "variation '%s': expected maxphyaddr=N, feature-control=N or a choice (%s=VALUE)",
			    mod, model_choice_name(MODEL_CHOICE_NMI_IN_STI_SHADOW));
	if (!model_choice_parse(ch, eq + 1, &m->choice[ch]))
		return model_fail(err, errlen, -EINVAL, "variation '%s': expected %s=%s or %s=%s", mod,
			    model_choice_name(ch), model_choice_value_name(ch, 0),
			    model_choice_name(ch), model_choice_value_name(ch, 1));
	return 0;
}

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
	if (strchr(mod, '='))
		return set_choice(m, mod, err, errlen);
	if (mod[0] != '+' && mod[0] != '-')
		goto unknown;
	if (!strcmp(body, "vmx")) {
		if (!set) {
			remove_vmx(m);
			vs->cpuid_changed = true;
			return 0;
		}
		if (!model_msr(m, MSR_IA32_VMX_BASIC))
			return model_fail(err, errlen, -EINVAL,
				    "variation '%s': the model has no VMX capability MSRs to go with the CPUID bit",
				    mod);
		vs->cpuid_changed = true;
		return set_cpuid_bit(m, mod, true, 1, 0, MODEL_ECX, 5, -1, err, errlen);
	}
	if (!strncmp(body, "vmx.", 4)) {
		if (set)
			return model_fail(err, errlen, -EINVAL,
				    "variation '%s': expected -vmx.CONTROL (a model can lose VMX controls, not gain them)",
				    mod);
		vs->vmx_changed = true;
		return vmx_remove_named(m, mod, body + 4, err, errlen);
	}
	if (!strcmp(body, "posted-interrupts") || !strcmp(body, "apicv")) {
		int ret;

		if (set)
			return model_fail(err, errlen, -EINVAL,
				    "variation '%s': expected -%s (a model can lose VMX controls, not gain them)",
				    mod, body);
		if (!model_msr(m, MSR_IA32_VMX_BASIC))
			return model_fail(err, errlen, -EINVAL, "variation '%s': the model has no VMX", mod);
		vs->vmx_changed = true;
		ret = vmx_clear_control(m, mod, MODEL_VMX_PIN, ctl_bit(PIN_BASED_POSTED_INTR), err,
					errlen);
		if (ret || body[0] == 'p')
			return ret;
		/*
		 * APICv as KVM's cpu_has_vmx_apicv() defines it: posted
		 * interrupts, APIC-register virtualization and virtual-interrupt
		 * delivery; IPI virtualization needs all three. Virtualize APIC
		 * accesses and virtualize x2APIC mode stay, as on the Kaby Lake
		 * client that lacks APICv but has both.
		 */
		ret = vmx_clear_control(m, mod, MODEL_VMX_SECONDARY,
					ctl_bit(SECONDARY_EXEC_APIC_REGISTER_VIRT), err, errlen);
		if (!ret)
			ret = vmx_clear_control(m, mod, MODEL_VMX_SECONDARY,
						ctl_bit(SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY), err,
						errlen);
		if (!ret)
			ret = vmx_clear_control(m, mod, MODEL_VMX_TERTIARY,
						ctl_bit(TERTIARY_EXEC_IPI_VIRT), err, errlen);
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
	return model_fail(err, errlen, -EINVAL,
		    "variation '%s': expected -feature, +feature, -vmx.CONTROL, maxphyaddr=N, feature-control=N or CHOICE=VALUE", mod);
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

		while (model_is_space(*spec))
			spec++;
		if (!*spec)
			break;
		for (n = 0; spec[n] && !model_is_space(spec[n]); n++)
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
		return model_fail(err, errlen, -EINVAL, "CPU model '%.40s...': expected at most %d characters",
			    spec, MODEL_NAME_MAX - 1);
	if (!words)
		return model_fail(err, errlen, -EINVAL, "CPU model '': expected a model name");
	name_end = strchr(norm, ' ');
	name_len = name_end ? (size_t)(name_end - norm) : strlen(norm);
	if (!model_valid_name(norm, name_len))
		return model_fail(err, errlen, -EINVAL,
			    "CPU model '%.*s': expected a name of letters, digits, '.', '_' and '-'",
			    (int)name_len, norm);
	if (!dir)
		dir = model_default_dir();
	n = snprintf(path, sizeof(path), "%s/%.*s.cpu", dir, (int)name_len, norm);
	if (n < 0 || (size_t)n >= sizeof(path))
		return model_fail(err, errlen, -ENAMETOOLONG, "%s: path too long", dir);
	ret = model_parse_path(path, out, &name_line, err, errlen);
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
		ret = model_fail(err, errlen, -EINVAL, "%s:%u: expected 'name %.*s', the file's name", path,
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
