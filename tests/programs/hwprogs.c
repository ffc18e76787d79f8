// SPDX-License-Identifier: MIT
/* Instrumented programs exercising the hardware API on CPU models. */
#include "hwprogs.h"

#include "hvsim/hw.h"
#include "hvsim/kernel.h"

static struct hw_result res;

void hw_result(struct hw_result *r)
{
	*r = res;
}

static void read_sig(void *info)
{
	unsigned int cpu = smp_processor_id();
	uint32_t a, b, c, d;

	(void)info;
	cpuid(1, &a, &b, &c, &d);
	res.signature[cpu] = a;
	res.apic_id[cpu] = b >> 24;
}

void hw_cpuid_all_task(void *arg)
{
	(void)arg;
	on_each_cpu(read_sig, NULL, 1);
}

static int hw_online(unsigned int cpu)
{
	uint32_t a, b, c, d;

	/* Runs on the new CPU, in its hotplug thread. */
	cpuid(1, &a, &b, &c, &d);
	if (cpu == smp_processor_id())
		res.online_sig = a;
	return 0;
}

void hw_hotadd_task(void *arg)
{
	(void)arg;
	cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "hw:online", hw_online, NULL);
	res.add_ret = add_cpu(2);
	smp_call_function_single(2, read_sig, NULL, 1);
}

void hw_vmxe_safe_task(void *arg)
{
	(void)arg;
	res.safe_ret = write_cr4_safe(read_cr4() | X86_CR4_VMXE);
}

void hw_vmxe_task(void *arg)
{
	(void)arg;
	cr4_set_bits(X86_CR4_VMXE);
	res.after_fault = 1;
}

void hw_feature_control_task(void *arg)
{
	uint64_t v;

	(void)arg;
	if (rdmsrl_safe(MSR_IA32_FEATURE_CONTROL, &v) == 0)
		res.msr = v;
	res.safe_ret = wrmsrl_safe(MSR_IA32_FEATURE_CONTROL, v & ~FEAT_CTL_LOCKED);
	wrmsrl(MSR_IA32_FEATURE_CONTROL, v & ~FEAT_CTL_LOCKED);	/* warns, goes on */
	res.after_fault = 1;
}
