// SPDX-License-Identifier: MIT
/*
 * A toy module with the ordering of the first seed race, before any
 * hypervisor exists: it enables a per-CPU feature on every CPU with
 * on_each_cpu() from one task, while another task hot-adds CPU 2, whose
 * ONLINE callback checks the CPU before enabling it there.
 *
 *   CPU0 (toy_enabler)              CPU1 (add_cpu(2))      CPU2 (new)
 *                                   cpus_write_lock()
 *                                                          set_cpu_online(2)
 *                                                          local_irq_enable()
 *   on_each_cpu(toy_enable) ---------------- IPI --------> toy_enable(): unchecked!
 *                                                          cpuhp/2: toy_online()
 *
 * The fix, as KVM's: hold cpus_read_lock() around on_each_cpu().
 */
#include "bodies.h"

#include "hvsim/kernel.h"

static bool toy_fix;
static int toy_unchecked;
static int toy_add_ret;

void toy_set_fix(bool fix)
{
	toy_fix = fix;
}

void toy_result(int *unchecked, int *add_ret)
{
	*unchecked = toy_unchecked;
	*add_ret = toy_add_ret;
}

static DEFINE_PER_CPU(int, toy_checked);
static DEFINE_PER_CPU(int, toy_enabled);

/* The compatibility check, then the enable: KVM's kvm_online_cpu() in small. */
static int toy_online(unsigned int cpu)
{
	WRITE_ONCE(per_cpu(toy_checked, cpu), 1);
	WRITE_ONCE(per_cpu(toy_enabled, cpu), 1);
	return 0;
}

/* hardware_enable_nolock() in small: runs on each CPU by IPI. */
static void toy_enable(void *info)
{
	unsigned int cpu = smp_processor_id();

	(void)info;
	if (!READ_ONCE(per_cpu(toy_checked, cpu)))
		toy_unchecked = 1;	/* enabled on a CPU that was never checked */
	WRITE_ONCE(per_cpu(toy_enabled, cpu), 1);
}

static DECLARE_COMPLETION(toy_registered);

void toy_enabler_task(void *arg)
{
	(void)arg;
	wait_for_completion(&toy_registered);
	if (toy_fix)
		cpus_read_lock();
	on_each_cpu(toy_enable, NULL, 1);
	if (toy_fix)
		cpus_read_unlock();
}

void toy_hotplug_task(void *arg)
{
	unsigned int cpu;

	(void)arg;
	/* Module init: the boot CPUs passed the check at load time. */
	for_each_online_cpu(cpu)
		WRITE_ONCE(per_cpu(toy_checked, cpu), 1);
	cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "toy:online", toy_online, NULL);
	complete_all(&toy_registered);
	toy_add_ret = add_cpu(2);
}

