// SPDX-License-Identifier: MIT
/*
 * The x86 layer, in the role of KVM's arch/x86/kvm/x86.c: the
 * compatibility check, hardware enabling through the vendor module,
 * vcpu_load's bookkeeping, and the run loop (vcpu_enter_guest).
 *
 * Requests against guest mode (vcpu_enter_guest, kvm_vcpu_kick):
 *
 *   vCPU task                              requester
 *   WRITE_ONCE(mode, IN_GUEST_MODE)        kvm_make_request(): smp_wmb, set_bit
 *   smp_mb()          <------ paired ------>  smp_mb__before_atomic
 *   kvm_request_pending()? cancel entry    cmpxchg(mode, IN_GUEST, EXITING): kick
 *
 * Either the vCPU sees the request before entering, or the requester sees
 * IN_GUEST_MODE and kicks it out (the IPI is an external-interrupt exit).
 */
#define KBUILD_MODNAME "kvm"

#include "x86.h"

#include <string.h>

#include "cpuid.h"
#include "hvsim/hw.h"
#include "hvsim/x86/processor-flags.h"
#include "mmu.h"
#include "variant.h"

/* CPUID bits behind the CR4 bits Linux reserves when a feature is absent. */
struct cr4_feature {
	uint32_t leaf, reg;		/* reg: 0 EAX, 1 EBX, 2 ECX, 3 EDX of leaf (subleaf 0) */
	uint32_t bit;
	unsigned long cr4;
};

static const struct cr4_feature cr4_features[] = {
	{ 1, 2, 26, X86_CR4_OSXSAVE },		/* XSAVE */
	{ 1, 2, 5, X86_CR4_VMXE },		/* VMX */
	{ 1, 2, 17, X86_CR4_PCIDE },		/* PCID */
	{ 7, 1, 0, X86_CR4_FSGSBASE },
	{ 7, 1, 7, X86_CR4_SMEP },
	{ 7, 1, 20, X86_CR4_SMAP },
	{ 7, 2, 2, X86_CR4_UMIP },
	{ 7, 2, 3, X86_CR4_PKE },		/* PKU */
	{ 7, 2, 16, X86_CR4_LA57 },
};

/* The boot CPU's, read at module init (Linux's boot_cpu_data; docs/hv.md). */
static unsigned long boot_cr4_reserved_bits;

/* The CR4 bits this CPU's CPUID says it lacks (Linux's __cr4_reserved_bits()). */
static unsigned long cr4_reserved_bits(void)
{
	unsigned long reserved = 0;

	for (size_t i = 0; i < sizeof(cr4_features) / sizeof(cr4_features[0]); i++) {
		const struct cr4_feature *f = &cr4_features[i];
		uint32_t r[4];

		cpuid_count(f->leaf, 0, &r[0], &r[1], &r[2], &r[3]);
		if (!((r[f->reg] >> f->bit) & 1))
			reserved |= f->cr4;
	}
	return reserved;
}

int kvm_arch_hardware_setup(void)
{
	boot_cr4_reserved_bits = cr4_reserved_bits();
	return vmx_x86_ops.hardware_setup();
}

/*
 * Is this CPU like the boot CPU? Run at module init on every online CPU
 * with interrupts off (an IPI), and by kvm_online_cpu() on a CPU coming up
 * (hotplug-compat-check), where interrupts are on: the relaxed WARN
 * (hotplug-compat-warn-relaxed) lets that through while the CPU is not
 * yet active.
 */
int kvm_arch_check_processor_compat(void)
{
	unsigned int cpu = smp_processor_id();

	if (hv_flag(HV_HOTPLUG_COMPAT_WARN_RELAXED))
		WARN_ON(!irqs_disabled() && cpu_active(cpu));
	else
		WARN_ON(!irqs_disabled());
	if (cr4_reserved_bits() != boot_cr4_reserved_bits)
		return -EIO;
	return vmx_x86_ops.check_processor_compatibility();
}

int kvm_arch_hardware_enable(void)
{
	return vmx_x86_ops.hardware_enable();
}

void kvm_arch_hardware_disable(void)
{
	vmx_x86_ops.hardware_disable();
}

void kvm_arch_init_vm(struct kvm *kvm)
{
	kvm_mmu_init_vm(kvm);
}

void kvm_arch_destroy_vm(struct kvm *kvm)
{
	kvm_free_vcpus(kvm);
	kvm_mmu_uninit_vm(kvm);
	kfree(kvm->arch_mmu_post_init);
}

/*
 * last_vmentry_cpu is -1 until the first VM entry from 5.14 on
 * (cpuid-after-run-warn), which is how KVM_SET_CPUID2 tells a vCPU that
 * has run; before, nothing set it at creation (0, from the zeroed vCPU).
 */
int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu)
{
	if (hv_flag(HV_CPUID_AFTER_RUN_WARN))
		vcpu->last_vmentry_cpu = -1;
	vcpu->maxphyaddr = cpuid_query_maxphyaddr(vcpu);
	kvm_mmu_create(vcpu);
	return vmx_x86_ops.vcpu_create(vcpu);
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	kvm_mmu_destroy(vcpu);
	kvm_vcpu_free_cpuid(vcpu);
	vmx_x86_ops.vcpu_free(vcpu);
}

/* vcpu->cpu is written here only, plainly, when the CPU changed (seed 003's write side). */
void kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	vmx_x86_ops.vcpu_load(vcpu, cpu);
	if (vcpu->cpu != cpu)
		vcpu->cpu = cpu;
}

/* vcpu->cpu keeps the last CPU: a kick may still aim there. */
void kvm_arch_vcpu_put(struct kvm_vcpu *vcpu)
{
	vmx_x86_ops.vcpu_put(vcpu);
}

/* Requests the vCPU handles before entry; > 0: go on, <= 0: out to user space. */
static int vcpu_check_requests(struct kvm_vcpu *vcpu)
{
	if (!kvm_request_pending(vcpu))
		return 1;
	if (kvm_check_request(KVM_REQ_VM_DEAD, vcpu))
		return -EIO;
	/* No TLB to flush, no events to inject without an in-kernel APIC: consumed. */
	kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);
	kvm_check_request(KVM_REQ_EVENT, vcpu);
	kvm_check_request(KVM_REQ_UNBLOCK, vcpu);
	return 1;
}

static int vcpu_enter_guest(struct kvm_vcpu *vcpu)
{
	int r = vcpu_check_requests(vcpu);

	if (r <= 0)
		return r;
	/* A root for the guest's CR3, found by its role or made (seed 002's reuse). */
	r = kvm_mmu_reload(vcpu);
	if (unlikely(r))
		return r;
	preempt_disable();
	local_irq_disable();
	/*
	 * IN_GUEST_MODE before the requests are read again: paired with the
	 * requester's barrier in kvm_vcpu_exiting_guest_mode().
	 */
	WRITE_ONCE(vcpu->mode, IN_GUEST_MODE);
	smp_mb();
	if (kvm_request_pending(vcpu)) {
		WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
		smp_wmb();
		local_irq_enable();
		preempt_enable();
		return 1;
	}
	vmx_x86_ops.vcpu_run(vcpu);
	WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
	smp_wmb();
	vmx_x86_ops.handle_exit_irqoff(vcpu);
	local_irq_enable();
	preempt_enable();
	return vmx_x86_ops.handle_exit(vcpu);
}

int kvm_arch_vcpu_ioctl_run(struct kvm_vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	int r;

	if (READ_ONCE(run->immediate_exit)) {
		run->exit_reason = KVM_EXIT_INTR;
		return -EINTR;
	}
	for (;;) {
		r = vcpu_enter_guest(vcpu);
		if (r <= 0)
			break;
		cond_resched();
	}
	return r;
}

/* KVM_GET_REGS: the GPR cache, RIP/RSP/RFLAGS from the VMCS (vCPU loaded). */
static int kvm_arch_vcpu_ioctl_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	vcpu_load(vcpu);
	*regs = vcpu->regs;
	vmx_x86_ops.get_regs(vcpu, regs);
	vcpu_put(vcpu);
	return 0;
}

static int kvm_arch_vcpu_ioctl_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	vcpu_load(vcpu);
	vcpu->regs = *regs;
	vmx_x86_ops.set_regs(vcpu, regs);
	vcpu_put(vcpu);
	return 0;
}

/*
 * KVM's kvm_is_valid_sregs(): long mode (EFER.LME with CR0.PG) needs
 * CR4.PAE and EFER.LMA, and EFER.LMA without it is refused; CR0.PG needs
 * CR0.PE.
 */
static bool kvm_is_valid_sregs(const struct kvm_sregs *sregs)
{
	if ((sregs->efer & EFER_LME) && (sregs->cr0 & X86_CR0_PG)) {
		if (!(sregs->cr4 & X86_CR4_PAE) || !(sregs->efer & EFER_LMA))
			return false;
	} else if (sregs->efer & EFER_LMA) {
		return false;
	}
	return !((sregs->cr0 & X86_CR0_PG) && !(sregs->cr0 & X86_CR0_PE));
}

/* Without an in-kernel APIC the APIC base is the reset one: the BSP is vCPU 0. */
static uint64_t kvm_get_apic_base(const struct kvm_vcpu *vcpu)
{
	return 0xfee00000ULL | (1ULL << 11) | (vcpu->vcpu_id == 0 ? 1ULL << 8 : 0);
}

static int kvm_arch_vcpu_ioctl_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	memset(sregs, 0, sizeof(*sregs));
	vcpu_load(vcpu);
	vmx_x86_ops.get_sregs(vcpu, sregs);
	vcpu_put(vcpu);
	sregs->apic_base = kvm_get_apic_base(vcpu);
	return 0;
}

static int kvm_arch_vcpu_ioctl_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	if (!kvm_is_valid_sregs(sregs))
		return -EINVAL;
	vcpu_load(vcpu);
	vmx_x86_ops.set_sregs(vcpu, sregs);
	/* KVM resets when CR0, CR4 or EFER changed; hv/ on every call (docs/hv.md). */
	kvm_mmu_reset_context(vcpu);
	vcpu_put(vcpu);
	return 0;
}

long kvm_arch_vcpu_ioctl(struct kvm_vcpu *vcpu, unsigned int ioctl, unsigned long arg)
{
	struct kvm_hvsim_mmu_root root;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	switch (ioctl) {
	case KVM_SET_CPUID2:
		return kvm_vcpu_ioctl_set_cpuid2(vcpu, arg);
	case KVM_GET_CPUID2:
		return kvm_vcpu_ioctl_get_cpuid2(vcpu, arg);
	case KVM_HVSIM_GET_MMU_ROOT:
		kvm_mmu_get_root_info(vcpu, &root);
		if (copy_to_user((void __user *)arg, &root, sizeof(root)))
			return -EFAULT;
		return 0;
	case KVM_GET_SREGS:
		kvm_arch_vcpu_ioctl_get_sregs(vcpu, &sregs);
		if (copy_to_user((void __user *)arg, &sregs, sizeof(sregs)))
			return -EFAULT;
		return 0;
	case KVM_SET_SREGS:
		if (copy_from_user(&sregs, (const void __user *)arg, sizeof(sregs)))
			return -EFAULT;
		return kvm_arch_vcpu_ioctl_set_sregs(vcpu, &sregs);
	case KVM_GET_REGS:
		kvm_arch_vcpu_ioctl_get_regs(vcpu, &regs);
		if (copy_to_user((void __user *)arg, &regs, sizeof(regs)))
			return -EFAULT;
		return 0;
	case KVM_SET_REGS:
		if (copy_from_user(&regs, (const void __user *)arg, sizeof(regs)))
			return -EFAULT;
		return kvm_arch_vcpu_ioctl_set_regs(vcpu, &regs);
	default:
		return -EINVAL;
	}
}

/* /dev/kvm's x86 ioctls (KVM's kvm_arch_dev_ioctl). */
long kvm_arch_dev_ioctl(unsigned int ioctl, unsigned long arg)
{
	switch (ioctl) {
	case KVM_GET_SUPPORTED_CPUID:
		return kvm_dev_ioctl_get_supported_cpuid(arg);
	default:
		return -EINVAL;
	}
}

/*
 * Before the dirty bitmap is read, vCPUs must flush their page-modification
 * logs: with PML every vCPU is kicked out of the guest (its exit flushes
 * the log). The order of the kicks is not relied on: a vCPU still running
 * may dirty more (seed 003's posting says so of this very caller).
 */
void kvm_arch_sync_dirty_log(struct kvm *kvm, struct kvm_memory_slot *memslot)
{
	struct kvm_vcpu *vcpu;
	int i;

	(void)memslot;
	if (!vmx_x86_ops.cpu_dirty_log_size)
		return;
	kvm_for_each_vcpu(i, vcpu, kvm)
		kvm_vcpu_kick(vcpu);
}

/*
 * The VM-hooks generation's x86 side (seed 001): the first VM enables VMX
 * on every CPU, then every VM gets its MMU's post-init state (the NX huge
 * page recovery worker's, a fallible allocation: fail_nth reaches it). A
 * failure after enabling undoes the enabling; the usage count is the
 * caller's.
 */
int kvm_arch_add_vm(struct kvm *kvm, int usage_count)
{
	int r;

	if (usage_count == 1) {
		r = kvm_hardware_enable_all_cpus();
		if (r)
			return r;
	}
	kvm->arch_mmu_post_init = kzalloc(64, GFP_KERNEL_ACCOUNT);
	if (!kvm->arch_mmu_post_init) {
		if (usage_count == 1)
			kvm_hardware_disable_all_cpus();
		return -ENOMEM;
	}
	return 0;
}

/* The last VM gone: VMX off everywhere. */
void kvm_arch_drop_vm(int usage_count)
{
	if (!usage_count)
		kvm_hardware_disable_all_cpus();
}
