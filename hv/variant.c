// SPDX-License-Identifier: MIT
/*
 * Code generations and fixes as named flags (docs/hv.md). A fix is only
 * meaningful against the code it fixed, so each seed's pre-fix variant
 * turns off its own flags and every flag of a later generation, and keeps
 * the rest as in "fixed" (every flag on).
 *
 * The variant comes in as the module parameter kvm.variant, a comma-
 * separated list read left to right: "fixed", "pre-fix=SEED" (e.g.
 * pre-fix=000), "-FLAG", "+FLAG". Unset: "fixed".
 */
#define KBUILD_MODNAME "kvm"

#include "variant.h"

#include <errno.h>
#include <string.h>

bool hv_flags[HV_NR_FLAGS];

static char *variant;
module_param(variant, charp, 0444);

/*
 * The one table: flag, seed, generation, what it changes, which flags it
 * needs. Generations follow the fixes' dates, so that a seed's pre-fix
 * runs the code of its time: 1 the CPUID-after-run warning (June 2021,
 * 5.14), 2 the kick's READ_ONCE (September 2021), 3 the hotplug series
 * (January 2022), 4 the CPUID-after-run refusal (early 2022, 5.17), 5 the
 * APICv fixes (April 2022, 5.18), 6 the VM-add hooks (October 2022).
 */
/* Not const: instrumented code reads it, and only the modules' data is machine memory. */
struct hv_flag_info hv_flag_table[HV_NR_FLAGS] = {
	[HV_HOTPLUG_ONLINE_SECTION] = { "hotplug-online-section", "000", 3,
		"kvm_online_cpu in the ONLINE section (after set_cpu_online and STI); off: the "
		"STARTING callback, interrupts off, before the CPU is online", 0 },
	[HV_HOTPLUG_COMPAT_CHECK] = { "hotplug-compat-check", "000", 3,
		"kvm_online_cpu runs the compatibility check and refuses a mismatched CPU", 0 },
	[HV_HOTPLUG_COMPAT_WARN_RELAXED] = { "hotplug-compat-warn-relaxed", "000", 3,
		"kvm_arch_check_processor_compat WARNs only for !irqs_disabled() && cpu_active()",
		0 },
	[HV_HOTPLUG_ENABLE_LOCK] = { "hotplug-enable-lock", "000", 3,
		"hardware_enable_all holds cpus_read_lock around the count and the IPIs", 0 },
	[HV_KVM_ADD_VM_HOOKS] = { "kvm-add-vm-hooks", "001", 6,
		"VM creation enables hardware through kvm_arch_add_vm under kvm_lock and "
		"cpus_read_lock instead of hardware_enable_all under kvm_count_lock",
		HV_BIT(HV_HOTPLUG_ONLINE_SECTION) | HV_BIT(HV_HOTPLUG_COMPAT_CHECK) |
		HV_BIT(HV_HOTPLUG_COMPAT_WARN_RELAXED) | HV_BIT(HV_HOTPLUG_ENABLE_LOCK) },
	[HV_VM_ADD_ERROR_PATH] = { "vm-add-error-path", "001", 6,
		"the kvm_add_vm/kvm_remove_vm/kvm_drop_vm shape of the review; off: the "
		"reviewed patch's error path", HV_BIT(HV_KVM_ADD_VM_HOOKS) },
	[HV_KICK_READ_ONCE] = { "kick-read-once", "003", 2,
		"kvm_vcpu_kick and kvm_make_vcpus_request_mask read vcpu->cpu once, with "
		"READ_ONCE, after the mode check", 0 },
	[HV_CPUID_AFTER_RUN_WARN] = { "cpuid-after-run-warn", "002", 1,
		"last_vmentry_cpu starts at -1 and KVM_SET_CPUID2 after KVM_RUN warns through "
		"pr_warn_ratelimited (Linux 5.14); off: no warning, last_vmentry_cpu starts at 0", 0 },
	[HV_CPUID_AFTER_RUN_REJECT] = { "cpuid-after-run-reject", "002", 4,
		"KVM_SET_CPUID2 after KVM_RUN fails with -EINVAL unless the CPUID is unchanged, "
		"and no longer warns (early 2022, Linux 5.17)", HV_BIT(HV_CPUID_AFTER_RUN_WARN) },
	[HV_APICV_DISABLE_TAG] = { "apicv-disable-tag", "004", 5,
		"with enable_apicv=0 a new VM's inhibit is DISABLE; off: ABSENT, which a split "
		"irqchip clears", 0 },
	[HV_APICV_PEND_UPDATE_ON_CREATE] = { "apicv-pend-update-on-create", "004", 5,
		"a new vCPU takes APICv from enable_apicv with KVM_REQ_APICV_UPDATE pending; off: "
		"from kvm_apicv_activated() unlocked, missing changes until it is online", 0 },
	[HV_APICV_SKIP_INHIBIT_WHEN_DISABLED] = { "apicv-skip-inhibit-when-disabled", "004", 5,
		"KVM_SET_GUEST_DEBUG leaves the BLOCKIRQ inhibit (and its broadcast) alone when "
		"enable_apicv=0", 0 },
};

static int flag_by_name(const char *name, size_t len)
{
	for (int i = 0; i < HV_NR_FLAGS; i++)
		if (strlen(hv_flag_table[i].name) == len && !strncmp(hv_flag_table[i].name, name, len))
			return i;
	return -1;
}

/* pre-fix=SEED: that seed's flags off, and every flag of a later generation. */
static int pre_fix(const char *seed, size_t len)
{
	int gen = 0;

	for (int i = 0; i < HV_NR_FLAGS; i++)
		if (strlen(hv_flag_table[i].seed) == len && !strncmp(hv_flag_table[i].seed, seed, len) &&
		    (!gen || hv_flag_table[i].generation < gen))
			gen = hv_flag_table[i].generation;
	if (!gen)
		return -EINVAL;
	for (int i = 0; i < HV_NR_FLAGS; i++)
		if ((strlen(hv_flag_table[i].seed) == len &&
		     !strncmp(hv_flag_table[i].seed, seed, len)) ||
		    hv_flag_table[i].generation > gen)
			hv_flags[i] = false;
	return 0;
}

static int apply_token(const char *tok, size_t len)
{
	int f;

	if (len == 5 && !strncmp(tok, "fixed", 5)) {
		for (int i = 0; i < HV_NR_FLAGS; i++)
			hv_flags[i] = true;
		return 0;
	}
	if (len > 8 && !strncmp(tok, "pre-fix=", 8))
		return pre_fix(tok + 8, len - 8);
	if (len > 1 && (tok[0] == '-' || tok[0] == '+')) {
		f = flag_by_name(tok + 1, len - 1);
		if (f < 0)
			return -EINVAL;
		hv_flags[f] = tok[0] == '+';
		return 0;
	}
	return -EINVAL;
}

/* A flag on without one it requires is a variant that never existed. */
static int check_requires(void)
{
	for (int i = 0; i < HV_NR_FLAGS; i++) {
		if (!hv_flags[i])
			continue;
		for (int j = 0; j < HV_NR_FLAGS; j++)
			if ((hv_flag_table[i].requires & HV_BIT(j)) && !hv_flags[j]) {
				pr_err("kvm: variant: %s requires %s", hv_flag_table[i].name,
				       hv_flag_table[j].name);
				return -EINVAL;
			}
	}
	return 0;
}

int hv_variant_setup(void)
{
	const char *p = variant;

	for (int i = 0; i < HV_NR_FLAGS; i++)
		hv_flags[i] = true;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (apply_token(p, len)) {
			pr_err("kvm: variant: cannot read '%.*s'", (int)len, p);
			return -EINVAL;
		}
		p += len + (end ? 1 : 0);
	}
	return check_requires();
}
