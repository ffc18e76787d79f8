// SPDX-License-Identifier: MIT
/*
 * The VMX controls of a model by class and name: which capability MSR
 * reports each class, the SDM's name of each control bit, and what a
 * class's MSR allows. Variations remove controls by these names
 * (model_vary.c); `hvsim cpus MODEL` prints them (model_describe.c).
 */
#include "cpu/model_internal.h"

#include <stddef.h>

#include "hvsim/x86/msr-index.h"

/*
 * The capability MSRs of each control class (SDM Vol. 3D, "VMX Capability
 * Reporting Facility"): 32-bit classes keep allowed-0 in bits 31:0 and
 * allowed-1 in 63:32; the tertiary controls are 64 bits, allowed-1 only.
 */
const struct model_vmx_class_info model_vmx_classes[NR_MODEL_VMX_CLASSES] = {
	[MODEL_VMX_PIN] = { "pin-based", MSR_IA32_VMX_PINBASED_CTLS,
			    MSR_IA32_VMX_TRUE_PINBASED_CTLS },
	[MODEL_VMX_PRIMARY] = { "primary", MSR_IA32_VMX_PROCBASED_CTLS,
				MSR_IA32_VMX_TRUE_PROCBASED_CTLS },
	[MODEL_VMX_SECONDARY] = { "secondary", MSR_IA32_VMX_PROCBASED_CTLS2, 0 },
	[MODEL_VMX_TERTIARY] = { "tertiary", MSR_IA32_VMX_PROCBASED_CTLS3, 0 },
	[MODEL_VMX_EXIT] = { "exit", MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS },
	[MODEL_VMX_ENTRY] = { "entry", MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS },
};

/*
 * Control names, lower-cased and hyphenated from the SDM's tables (Vol. 3C,
 * "VM-Execution Control Fields", "VM-Exit Controls", "VM-Entry Controls"),
 * shortened where KVM's usage made a shorter name the common one
 * (posted-interrupts for "process posted interrupts", preemption-timer for
 * "activate VMX-preemption timer"). A name in two classes needs the class:
 * -vmx.exit.load-ia32-efer.
 */
const struct model_vmx_control model_vmx_controls[] = {
	{ MODEL_VMX_PIN, 0, "external-interrupt-exiting" },
	{ MODEL_VMX_PIN, 3, "nmi-exiting" },
	{ MODEL_VMX_PIN, 5, "virtual-nmis" },
	{ MODEL_VMX_PIN, 6, "preemption-timer" },
	{ MODEL_VMX_PIN, 7, "posted-interrupts" },

	{ MODEL_VMX_PRIMARY, 2, "interrupt-window-exiting" },
	{ MODEL_VMX_PRIMARY, 3, "use-tsc-offsetting" },
	{ MODEL_VMX_PRIMARY, 7, "hlt-exiting" },
	{ MODEL_VMX_PRIMARY, 9, "invlpg-exiting" },
	{ MODEL_VMX_PRIMARY, 10, "mwait-exiting" },
	{ MODEL_VMX_PRIMARY, 11, "rdpmc-exiting" },
	{ MODEL_VMX_PRIMARY, 12, "rdtsc-exiting" },
	{ MODEL_VMX_PRIMARY, 15, "cr3-load-exiting" },
	{ MODEL_VMX_PRIMARY, 16, "cr3-store-exiting" },
	{ MODEL_VMX_PRIMARY, 17, "activate-tertiary-controls" },
	{ MODEL_VMX_PRIMARY, 19, "cr8-load-exiting" },
	{ MODEL_VMX_PRIMARY, 20, "cr8-store-exiting" },
	{ MODEL_VMX_PRIMARY, 21, "use-tpr-shadow" },
	{ MODEL_VMX_PRIMARY, 22, "nmi-window-exiting" },
	{ MODEL_VMX_PRIMARY, 23, "mov-dr-exiting" },
	{ MODEL_VMX_PRIMARY, 24, "unconditional-io-exiting" },
	{ MODEL_VMX_PRIMARY, 25, "use-io-bitmaps" },
	{ MODEL_VMX_PRIMARY, 27, "monitor-trap-flag" },
	{ MODEL_VMX_PRIMARY, 28, "use-msr-bitmaps" },
	{ MODEL_VMX_PRIMARY, 29, "monitor-exiting" },
	{ MODEL_VMX_PRIMARY, 30, "pause-exiting" },
	{ MODEL_VMX_PRIMARY, 31, "activate-secondary-controls" },

	{ MODEL_VMX_SECONDARY, 0, "virtualize-apic-accesses" },
	{ MODEL_VMX_SECONDARY, 1, "enable-ept" },
	{ MODEL_VMX_SECONDARY, 2, "descriptor-table-exiting" },
	{ MODEL_VMX_SECONDARY, 3, "enable-rdtscp" },
	{ MODEL_VMX_SECONDARY, 4, "virtualize-x2apic-mode" },
	{ MODEL_VMX_SECONDARY, 5, "enable-vpid" },
	{ MODEL_VMX_SECONDARY, 6, "wbinvd-exiting" },
	{ MODEL_VMX_SECONDARY, 7, "unrestricted-guest" },
	{ MODEL_VMX_SECONDARY, 8, "apic-register-virtualization" },
	{ MODEL_VMX_SECONDARY, 9, "virtual-interrupt-delivery" },
	{ MODEL_VMX_SECONDARY, 10, "pause-loop-exiting" },
	{ MODEL_VMX_SECONDARY, 11, "rdrand-exiting" },
	{ MODEL_VMX_SECONDARY, 12, "enable-invpcid" },
	{ MODEL_VMX_SECONDARY, 13, "enable-vm-functions" },
	{ MODEL_VMX_SECONDARY, 14, "vmcs-shadowing" },
	{ MODEL_VMX_SECONDARY, 15, "enable-encls-exiting" },
	{ MODEL_VMX_SECONDARY, 16, "rdseed-exiting" },
	{ MODEL_VMX_SECONDARY, 17, "enable-pml" },
	{ MODEL_VMX_SECONDARY, 18, "ept-violation-ve" },
	{ MODEL_VMX_SECONDARY, 19, "conceal-vmx-from-pt" },
	{ MODEL_VMX_SECONDARY, 20, "enable-xsaves-xrstors" },
	{ MODEL_VMX_SECONDARY, 22, "mode-based-execute-control-for-ept" },
	{ MODEL_VMX_SECONDARY, 23, "sub-page-write-permissions-for-ept" },
	{ MODEL_VMX_SECONDARY, 24, "pt-uses-guest-physical-addresses" },
	{ MODEL_VMX_SECONDARY, 25, "use-tsc-scaling" },
	{ MODEL_VMX_SECONDARY, 26, "enable-user-wait-and-pause" },
	{ MODEL_VMX_SECONDARY, 27, "enable-pconfig" },
	{ MODEL_VMX_SECONDARY, 28, "enable-enclv-exiting" },
	{ MODEL_VMX_SECONDARY, 30, "vmm-bus-lock-detection" },
	{ MODEL_VMX_SECONDARY, 31, "instruction-timeout" },

	{ MODEL_VMX_TERTIARY, 0, "loadiwkey-exiting" },
	{ MODEL_VMX_TERTIARY, 1, "enable-hlat" },
	{ MODEL_VMX_TERTIARY, 2, "ept-paging-write-control" },
	{ MODEL_VMX_TERTIARY, 3, "guest-paging-verification" },
	{ MODEL_VMX_TERTIARY, 4, "ipi-virtualization" },
	{ MODEL_VMX_TERTIARY, 7, "virtualize-ia32-spec-ctrl" },

	{ MODEL_VMX_EXIT, 2, "save-debug-controls" },
	{ MODEL_VMX_EXIT, 9, "host-address-space-size" },
	{ MODEL_VMX_EXIT, 12, "load-ia32-perf-global-ctrl" },
	{ MODEL_VMX_EXIT, 15, "acknowledge-interrupt-on-exit" },
	{ MODEL_VMX_EXIT, 18, "save-ia32-pat" },
	{ MODEL_VMX_EXIT, 19, "load-ia32-pat" },
	{ MODEL_VMX_EXIT, 20, "save-ia32-efer" },
	{ MODEL_VMX_EXIT, 21, "load-ia32-efer" },
	{ MODEL_VMX_EXIT, 22, "save-vmx-preemption-timer-value" },
	{ MODEL_VMX_EXIT, 23, "clear-ia32-bndcfgs" },
	{ MODEL_VMX_EXIT, 24, "conceal-vmx-from-pt" },
	{ MODEL_VMX_EXIT, 25, "clear-ia32-rtit-ctl" },
	{ MODEL_VMX_EXIT, 26, "clear-ia32-lbr-ctl" },
	{ MODEL_VMX_EXIT, 27, "clear-uinv" },
	{ MODEL_VMX_EXIT, 28, "load-cet-state" },
	{ MODEL_VMX_EXIT, 29, "load-pkrs" },
	{ MODEL_VMX_EXIT, 30, "save-ia32-perf-global-ctl" },
	{ MODEL_VMX_EXIT, 31, "activate-secondary-exit-controls" },

	{ MODEL_VMX_ENTRY, 2, "load-debug-controls" },
	{ MODEL_VMX_ENTRY, 9, "ia-32e-mode-guest" },
	{ MODEL_VMX_ENTRY, 10, "entry-to-smm" },
	{ MODEL_VMX_ENTRY, 11, "deactivate-dual-monitor-treatment" },
	{ MODEL_VMX_ENTRY, 13, "load-ia32-perf-global-ctrl" },
	{ MODEL_VMX_ENTRY, 14, "load-ia32-pat" },
	{ MODEL_VMX_ENTRY, 15, "load-ia32-efer" },
	{ MODEL_VMX_ENTRY, 16, "load-ia32-bndcfgs" },
	{ MODEL_VMX_ENTRY, 17, "conceal-vmx-from-pt" },
	{ MODEL_VMX_ENTRY, 18, "load-ia32-rtit-ctl" },
	{ MODEL_VMX_ENTRY, 19, "load-uinv" },
	{ MODEL_VMX_ENTRY, 20, "load-cet-state" },
	{ MODEL_VMX_ENTRY, 21, "load-guest-ia32-lbr-ctl" },
	{ MODEL_VMX_ENTRY, 22, "load-pkrs" },
};

const unsigned int model_nr_vmx_controls =
	sizeof(model_vmx_controls) / sizeof(model_vmx_controls[0]);

const char *model_vmx_control_name(unsigned int cls, unsigned int bit)
{
	for (unsigned int i = 0; i < model_nr_vmx_controls; i++)
		if (model_vmx_controls[i].cls == cls && model_vmx_controls[i].bit == bit)
			return model_vmx_controls[i].name;
	return NULL;
}

bool model_vmx_class_caps(const struct cpu_model *m, unsigned int cls, bool use_true,
			  uint64_t *allowed0, uint64_t *allowed1)
{
	const struct model_vmx_class_info *ci = &model_vmx_classes[cls];
	const struct model_msr *e = NULL;

	if (use_true && ci->true_msr)
		e = model_msr(m, ci->true_msr);
	if (!e)
		e = model_msr(m, ci->msr);
	if (!e)
		return false;
	if (cls == MODEL_VMX_TERTIARY) {
		*allowed0 = 0;
		*allowed1 = e->value;
	} else {
		*allowed0 = e->value & 0xffffffffu;
		*allowed1 = e->value >> 32;
	}
	return true;
}

