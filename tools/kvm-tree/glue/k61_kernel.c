// SPDX-License-Identifier: MIT
/*
 * Kernel services 6.1's kvm_init() and its callers ask for, on hvsim's
 * machine (the kernel-header side: 6.1's types in, plain C out to
 * host61.c). What hvsim has no model of and KVM can go without is said
 * here, one line each: reboot notifiers and syscore ops (no reboot or
 * suspend in a run), debugfs (no files: its calls fail as on a kernel
 * without debugfs).
 */
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/debugfs.h>
#include <linux/printk.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/syscore_ops.h>

int k61_host_call_function_single(int cpu, smp_call_func_t func, void *info, int wait);
int k61_host_cpuhp_setup_kvm_starting(const char *name, bool invoke,
				      int (*startup)(unsigned int cpu),
				      int (*teardown)(unsigned int cpu));
void *k61_host_kmem_cache_create(const char *name, unsigned int size, unsigned int align);
void k61_host_vprintk(const char *fmt, va_list ap);
void k61_host_not_modelled(const char *what);

int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait)
{
	return k61_host_call_function_single(cpu, func, info, wait);
}

/* Only the state KVM installs: its STARTING callbacks, on hvsim's. */
int __cpuhp_setup_state(enum cpuhp_state state, const char *name, bool invoke,
			int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu),
			bool multi_instance)
{
	if (state != CPUHP_AP_KVM_STARTING || multi_instance) {
		k61_host_not_modelled("a hotplug state other than CPUHP_AP_KVM_STARTING");
		return -EINVAL;
	}
	return k61_host_cpuhp_setup_kvm_starting(name, invoke, startup, teardown);
}

int register_reboot_notifier(struct notifier_block *nb)
{
	return 0;	/* no reboot in a run */
}

int unregister_reboot_notifier(struct notifier_block *nb)
{
	return 0;
}

void register_syscore_ops(struct syscore_ops *ops)
{
	/* no suspend or shutdown in a run */
}

void unregister_syscore_ops(struct syscore_ops *ops)
{
}

struct dentry *debugfs_create_dir(const char *name, struct dentry *parent)
{
	return ERR_PTR(-ENODEV);	/* as without CONFIG_DEBUG_FS */
}

/* The usercopy window is for hardened usercopy, which hvsim does not check. */
struct kmem_cache *kmem_cache_create_usercopy(const char *name, unsigned int size,
					      unsigned int align, slab_flags_t flags,
					      unsigned int useroffset, unsigned int usersize,
					      void (*ctor)(void *))
{
	if (ctor) {
		k61_host_not_modelled("a slab constructor");
		return NULL;
	}
	return k61_host_kmem_cache_create(name, size, align);
}

/* printk: the text, without its KERN_ level, into hvsim's kernel log. */
asmlinkage __visible int _printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	k61_host_vprintk(printk_skip_level(fmt), ap);
	va_end(ap);
	return 0;
}
