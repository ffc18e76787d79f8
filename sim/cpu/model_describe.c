// SPDX-License-Identifier: MIT
/*
 * A model in words, as `hvsim cpus MODEL` prints it: its derived values
 * and every VMX control with what its capability MSR allows.
 */
#include "cpu/model_internal.h"
#include "hvsim/x86/apicdef.h"

#include "engine/strbuf.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/vmx.h"

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

static void describe_class(struct strbuf *sb, const struct cpu_model *m, unsigned int cls,
			   bool use_true)
{
	const struct model_vmx_class_info *ci = &model_vmx_classes[cls];
	unsigned int width = cls == MODEL_VMX_TERTIARY ? 64 : 32;
	uint64_t a0, a1;

	if (!model_vmx_class_caps(m, cls, use_true, &a0, &a1)) {
		strbuf_printf(sb, "%s controls: none (no MSR 0x%x)\n", ci->name, ci->msr);
		return;
	}
	strbuf_printf(sb, "%s controls (MSR 0x%x): allowed-0 0x%llx allowed-1 0x%llx\n", ci->name,
		      use_true && ci->true_msr && model_msr(m, ci->true_msr) ? ci->true_msr : ci->msr,
		      (unsigned long long)a0, (unsigned long long)a1);
	for (unsigned int bit = 0; bit < width; bit++) {
		const char *name = model_vmx_control_name(cls, bit);

		if (name)
			strbuf_printf(sb, "  %s %s: %s\n", ci->name, name, setting(a0, a1, bit));
		else if (((a0 | a1) >> bit) & 1)
			strbuf_printf(sb, "  %s bit %u: %s\n", ci->name, bit, setting(a0, a1, bit));
	}
}

void model_describe(const struct cpu_model *m, struct strbuf *sb)
{
	const struct model_msr *basic = model_msr(m, MSR_IA32_VMX_BASIC);
	const struct model_msr *e;
	bool use_true;

	strbuf_printf(sb, "%s: %s\n", m->name, m->description);
	if (m->freq_mhz)
		strbuf_printf(sb, "frequency %u MHz (nominal)\n", m->freq_mhz);
	else
		strbuf_printf(sb, "frequency %u MHz (not given: the default)\n", model_freq_mhz(m));
	strbuf_printf(sb, "MAXPHYADDR %u\n", model_maxphyaddr(m));
	strbuf_printf(sb, "CR4_FIXED1 0x%llx (from CPUID)\n",
		      (unsigned long long)model_cr4_fixed1(m));
	strbuf_printf(sb, "IA32_DEBUGCTL reserved 0x%llx (from CPUID)\n",
		      (unsigned long long)model_debugctl_reserved(m));
	strbuf_printf(sb, "IA32_LBR_CTL reserved 0x%llx (from CPUID)\n",
		      (unsigned long long)model_lbr_ctl_reserved(m));
	/* What the local APIC answers at reset ("Local APIC State After Power-Up or Reset"). */
	strbuf_printf(sb, "local APIC: IA32_APIC_BASE 0x%llx (BSP) / 0x%llx (APs) at reset, "
		      "x2APIC %s, TSC-deadline timer %s (from CPUID); IPIs land %u-%u cycles "
		      "after the ICR write\n",
		      APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE | MSR_IA32_APICBASE_BSP,
		      APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE,
		      model_cpuid_bit(m, 1, 0, MODEL_ECX, 21) ? "yes" : "no",
		      model_cpuid_bit(m, 1, 0, MODEL_ECX, 24) ? "yes" : "no",
		      m->cost[COST_IPI], m->cost[COST_IPI_LATE]);
	for (unsigned int ch = 0; ch < NR_MODEL_CHOICES; ch++)
		strbuf_printf(sb, "choice %s %s\n", model_choice_name(ch),
			      model_choice_value_name(ch, m->choice[ch]));
	if (!model_has_vmx(m) || !basic) {
		strbuf_printf(sb, "no VMX (%s)\n", model_has_vmx(m) ?
			      "CPUID.1:ECX[5] is 1 but IA32_VMX_BASIC is absent" :
			      "CPUID.1:ECX[5] is 0");
		return;
	}
	use_true = basic->value & VMX_BASIC_TRUE_CTLS;
	strbuf_printf(sb, "VMCS revision 0x%llx, VMCS region %llu bytes, controls from the %s MSRs\n",
		      (unsigned long long)(basic->value & VMX_BASIC_REVISION_MASK),
		      (unsigned long long)((basic->value >> VMX_BASIC_VMCS_SIZE_SHIFT) &
					   VMX_BASIC_VMCS_SIZE_MASK),
		      use_true ? "TRUE (IA32_VMX_BASIC[55] = 1)" : "plain (IA32_VMX_BASIC[55] = 0)");
	strbuf_printf(sb, "CR0_FIXED0 0x%llx CR0_FIXED1 0x%llx CR4_FIXED0 0x%llx\n",
		      (unsigned long long)model_cr0_fixed0(m), (unsigned long long)model_cr0_fixed1(m),
		      (unsigned long long)model_cr4_fixed0(m));
	for (unsigned int cls = 0; cls < NR_MODEL_VMX_CLASSES; cls++)
		describe_class(sb, m, cls, use_true);
	e = model_msr(m, MSR_IA32_VMX_EPT_VPID_CAP);
	if (e)
		strbuf_printf(sb, "EPT/VPID capabilities 0x%llx\n", (unsigned long long)e->value);
	e = model_msr(m, MSR_IA32_VMX_VMFUNC);
	if (e)
		strbuf_printf(sb, "VM functions 0x%llx\n", (unsigned long long)e->value);
	e = model_msr(m, MSR_IA32_FEATURE_CONTROL);
	if (e)
		strbuf_printf(sb, "IA32_FEATURE_CONTROL 0x%llx%s\n", (unsigned long long)e->value,
			      e->assumed ? " (assumed)" : "");
}

char *model_describe_text(const struct cpu_model *m)
{
	struct strbuf sb = STRBUF_INIT;

	model_describe(m, &sb);
	if (!sb.buf)
		strbuf_add(&sb, "", 0);
	return sb.buf;		/* handed over: the caller frees it */
}
