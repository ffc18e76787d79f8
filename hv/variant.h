/* SPDX-License-Identifier: MIT */
/* The variant flags of hv/ (variant.c): which generation of KVM code runs, with which fixes. */
#ifndef HV_VARIANT_H
#define HV_VARIANT_H

#include <stdbool.h>

#include "hvsim/kernel.h"

enum hv_flag {
	HV_HOTPLUG_ONLINE_SECTION,
	HV_HOTPLUG_COMPAT_CHECK,
	HV_HOTPLUG_COMPAT_WARN_RELAXED,
	HV_HOTPLUG_ENABLE_LOCK,
	HV_KVM_ADD_VM_HOOKS,
	HV_VM_ADD_ERROR_PATH,
	HV_KICK_READ_ONCE,
	HV_CPUID_AFTER_RUN_WARN,
	HV_CPUID_AFTER_RUN_REJECT,
	HV_APICV_DISABLE_TAG,
	HV_APICV_PEND_UPDATE_ON_CREATE,
	HV_APICV_SKIP_INHIBIT_WHEN_DISABLED,
	HV_NR_FLAGS
};

#define HV_BIT(f)	(1U << (f))

struct hv_flag_info {
	const char *name;		/* "hotplug-compat-check" */
	const char *seed;		/* "000" */
	int generation;			/* later generations are off in an earlier seed's pre-fix */
	const char *what;		/* what it changes, one line */
	unsigned int requires;		/* HV_BIT()s of the flags it needs */
};

extern struct hv_flag_info hv_flag_table[HV_NR_FLAGS];
/* The flags of this boot (module init read kvm.variant). */
extern bool hv_flags[HV_NR_FLAGS];

static inline bool hv_flag(enum hv_flag f)
{
	return hv_flags[f];
}

/* Read kvm.variant into hv_flags[]: 0, or -EINVAL for a variant that cannot be. */
int hv_variant_setup(void);

#endif /* HV_VARIANT_H */
