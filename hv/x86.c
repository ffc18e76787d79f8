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
 *
 * APICv (KVM 5.18's, with the April 2022 fixes as variant flags): the VM's
 * inhibit bitmap changes under apicv_update_lock (write), and every vCPU
 * counted in online_vcpus gets KVM_REQ_APICV_UPDATE; each re-reads the
 * bitmap under the lock (read) before its next entry, which then WARNs if
 * the two disagree. Seed 004's window is a vCPU being created:
 *
 *   KVM_CREATE_VCPU (r2)                    KVM_SET_GUEST_DEBUG (r3)
 *   created_vcpus++ (kvm->lock)
 *   apicv_active = kvm_apicv_activated()    (1)
 *                                           down_write(apicv_update_lock)
 *                                           BLOCKIRQ set; request to the
 *                                           online vCPUs: r3 only
 *                                           up_write
 *   online_vcpus++ (kvm->lock)              (2)
 *   KVM_RUN: no request, active != activated: the WARN
 *
 * apicv-pend-update-on-create closes it: (1) becomes "active if
 * enable_apicv, and KVM_REQ_APICV_UPDATE pending", so the first entry
 * reads the bitmap under the lock, after any change made before (2).
 */
#define KBUILD_MODNAME "kvm"

#include "x86.h"

#include <string.h>

#include "cpuid.h"
#include "hvsim/hw.h"
#include "hvsim/x86/processor-flags.h"
#include "mmu.h"
#include "lapic.h"
#include "variant.h"

/* KVM_CAP_SPLIT_IRQCHIP's limit on reserved IOAPIC pins (KVM's KVM_MAX_IRQ_ROUTES). */
#define MAX_NR_RESERVED_IOAPIC_PINS	4096
/* Exception vectors a guest-debug request injects (SDM Vol. 3A, "Exception and Interrupt Vectors"). */
#define DB_VECTOR			1
#define BP_VECTOR			3

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

/* ---- APICv inhibits ------------------------------------------------------------ */

struct kvm_debugfs_stats kvm_debugfs;

static void set_or_clear_apicv_inhibit(unsigned long *inhibits, enum kvm_apicv_inhibit reason,
				       bool set)
{
	if (set)
		*inhibits |= 1UL << reason;
	else
		*inhibits &= ~(1UL << reason);
}

/*
 * A new VM: no local APIC yet (ABSENT). With enable_apicv=0 KVM 5.18 also
 * set ABSENT, which a split irqchip then clears (apicv-disable-tag: the
 * April 2022 fix records DISABLE, which nothing clears).
 */
void kvm_apicv_init(struct kvm *kvm)
{
	unsigned long *inhibits = &kvm->apicv_inhibit_reasons;

	init_rwsem(&kvm->apicv_update_lock);
	set_or_clear_apicv_inhibit(inhibits, APICV_INHIBIT_REASON_ABSENT, true);
	if (!enable_apicv)
		set_or_clear_apicv_inhibit(inhibits, hv_flag(HV_APICV_DISABLE_TAG) ?
					   APICV_INHIBIT_REASON_DISABLE :
					   APICV_INHIBIT_REASON_ABSENT, true);
	debugfs_set(&kvm_debugfs.last_inhibits, *inhibits);
}

/*
 * Set or clear @reason with apicv_update_lock held for write. When APICv
 * turns on or off for the VM, every online vCPU gets KVM_REQ_APICV_UPDATE
 * before the bitmap changes: a vCPU acting on it takes the lock for read,
 * so it reads the new bitmap (KVM's order). A vCPU not yet online gets
 * nothing: seed 004.
 */
void __kvm_set_or_clear_apicv_inhibit(struct kvm *kvm, enum kvm_apicv_inhibit reason, bool set)
{
	unsigned long old, new;

	if (!vmx_x86_ops.check_apicv_inhibit_reasons(reason))
		return;
	old = new = kvm->apicv_inhibit_reasons;
	set_or_clear_apicv_inhibit(&new, reason, set);
	if (!!old != !!new) {
		kvm->stat_apicv_update_reqs++;
		debugfs_add(&kvm_debugfs.apicv_update_reqs, 1);
		kvm_make_all_cpus_request(kvm, KVM_REQ_APICV_UPDATE);
	}
	WRITE_ONCE(kvm->apicv_inhibit_reasons, new);
	debugfs_set(&kvm_debugfs.last_inhibits, new);
}

void kvm_set_or_clear_apicv_inhibit(struct kvm *kvm, enum kvm_apicv_inhibit reason, bool set)
{
	down_write(&kvm->apicv_update_lock);
	__kvm_set_or_clear_apicv_inhibit(kvm, reason, set);
	up_write(&kvm->apicv_update_lock);
}

/*
 * KVM_REQ_APICV_UPDATE on the vCPU, loaded: its APICv state follows the
 * VM's, and the VMCS's controls follow it (KVM's kvm_vcpu_update_apicv()).
 */
void kvm_vcpu_update_apicv(struct kvm_vcpu *vcpu)
{
	bool activate;

	if (!lapic_in_kernel(vcpu))
		return;
	down_read(&vcpu->kvm->apicv_update_lock);
	activate = kvm_apicv_activated(vcpu->kvm);
	if (vcpu->apicv_active == activate)
		goto out;
	WRITE_ONCE(vcpu->apicv_active, activate);
	kvm_apic_update_apicv(vcpu);
	vmx_x86_ops.refresh_apicv_exec_ctrl(vcpu);
	/*
	 * Interrupts accepted while APICv was on may still sit in the
	 * virtual IRR: going off, the next entry injects them.
	 */
	if (!vcpu->apicv_active)
		kvm_make_request(KVM_REQ_EVENT, vcpu);
out:
	up_read(&vcpu->kvm->apicv_update_lock);
}

/* Does any vCPU's guest debug block interrupts? Then APICv cannot deliver them. */
static void kvm_arch_vcpu_guestdbg_update_apicv_inhibit(struct kvm *kvm)
{
	bool inhibit = false;
	struct kvm_vcpu *vcpu;
	int i;

	/* The April 2022 fix: nothing to inhibit when APICv is off anyway. */
	if (hv_flag(HV_APICV_SKIP_INHIBIT_WHEN_DISABLED) && !enable_apicv)
		return;
	down_write(&kvm->apicv_update_lock);
	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (READ_ONCE(vcpu->guest_debug) & KVM_GUESTDBG_BLOCKIRQ) {
			inhibit = true;
			break;
		}
	}
	__kvm_set_or_clear_apicv_inhibit(kvm, APICV_INHIBIT_REASON_BLOCKIRQ, inhibit);
	up_write(&kvm->apicv_update_lock);
}

/* ---- VMs: the irqchip and capabilities -------------------------------------------- */

/* KVM_CREATE_IRQCHIP: the in-kernel PIC, IOAPIC and local APICs (only the last are modelled). */
static int kvm_vm_ioctl_create_irqchip(struct kvm *kvm)
{
	int r = -EEXIST;

	mutex_lock(&kvm->lock);
	if (irqchip_in_kernel(kvm))
		goto out;
	if (kvm->created_vcpus)
		goto out;
	/* Paired with the vCPU creator's read of irqchip_mode after created_vcpus++. */
	smp_wmb();
	WRITE_ONCE(kvm->irqchip_mode, KVM_IRQCHIP_KERNEL);
	kvm_set_or_clear_apicv_inhibit(kvm, APICV_INHIBIT_REASON_ABSENT, false);
	r = 0;
out:
	mutex_unlock(&kvm->lock);
	return r;
}

int kvm_vm_ioctl_enable_cap(struct kvm *kvm, const struct kvm_enable_cap *cap)
{
	int r;

	if (cap->flags)
		return -EINVAL;
	switch (cap->cap) {
	case KVM_CAP_SPLIT_IRQCHIP:
		mutex_lock(&kvm->lock);
		r = -EINVAL;
		if (cap->args[0] > MAX_NR_RESERVED_IOAPIC_PINS)
			goto split_irqchip_unlock;
		r = -EEXIST;
		if (irqchip_in_kernel(kvm))
			goto split_irqchip_unlock;
		if (kvm->created_vcpus)
			goto split_irqchip_unlock;
		/* Paired with the vCPU creator's read of irqchip_mode after created_vcpus++. */
		smp_wmb();
		WRITE_ONCE(kvm->irqchip_mode, KVM_IRQCHIP_SPLIT);
		kvm_set_or_clear_apicv_inhibit(kvm, APICV_INHIBIT_REASON_ABSENT, false);
		r = 0;
split_irqchip_unlock:
		mutex_unlock(&kvm->lock);
		return r;
	default:
		return -EINVAL;
	}
}

long kvm_arch_vm_ioctl(struct kvm *kvm, unsigned int ioctl, unsigned long arg)
{
	(void)arg;
	switch (ioctl) {
	case KVM_CREATE_IRQCHIP:
		return kvm_vm_ioctl_create_irqchip(kvm);
	default:
		return -ENOTTY;
	}
}

/* ---- vCPUs -------------------------------------------------------------------------- */

int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu)
{
	int r;

	/*
	 * last_vmentry_cpu is -1 until the first VM entry from 5.14 on
	 * (cpuid-after-run-warn), which is how KVM_SET_CPUID2 tells a vCPU
	 * that has run; before, nothing set it at creation (0, from the
	 * zeroed vCPU).
	 */
	if (hv_flag(HV_CPUID_AFTER_RUN_WARN))
		vcpu->last_vmentry_cpu = -1;
	vcpu->maxphyaddr = cpuid_query_maxphyaddr(vcpu);
	kvm_mmu_create(vcpu);
	vcpu->mp_state = KVM_MP_STATE_RUNNABLE;
	rcuwait_init(&vcpu->wait);
	/* created_vcpus counts this vCPU: the irqchip cannot change now. */
	if (irqchip_in_kernel(vcpu->kvm)) {
		r = kvm_create_lapic(vcpu);
		if (r)
			return r;
		if (hv_flag(HV_APICV_PEND_UPDATE_ON_CREATE)) {
			/*
			 * The vCPU is not online: inhibit changes before it is
			 * would not reach it. Take APICv's state at the first
			 * entry, under the lock.
			 */
			if (enable_apicv) {
				vcpu->apicv_active = true;
				kvm_make_request(KVM_REQ_APICV_UPDATE, vcpu);
			}
		} else if (kvm_apicv_activated(vcpu->kvm)) {
			/* Seed 004's read: no lock, and no request will follow. */
			vcpu->apicv_active = true;
		}
	}
	r = vmx_x86_ops.vcpu_create(vcpu);
	if (r)
		kvm_free_lapic(vcpu);
	return r;
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	kvm_mmu_destroy(vcpu);
	kvm_vcpu_free_cpuid(vcpu);
	vmx_x86_ops.vcpu_free(vcpu);
	kvm_free_lapic(vcpu);
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
	/* No TLB to flush: consumed. */
	kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);
	if (kvm_check_request(KVM_REQ_APICV_UPDATE, vcpu))
		kvm_vcpu_update_apicv(vcpu);
	kvm_check_request(KVM_REQ_UNBLOCK, vcpu);
	return 1;
}

/*
 * KVM_REQ_EVENT: a queued exception first, then (without APICv, whose
 * processor delivers from the virtual IRR itself) the highest IRR vector
 * if the guest can take it, else an IRQ window (KVM's
 * inject_pending_event(), without priorities or reinjection).
 */
static void inject_pending_event(struct kvm_vcpu *vcpu)
{
	int vector;

	if (vcpu->exception_pending) {
		vcpu->exception_pending = false;
		vmx_x86_ops.inject_exception(vcpu, vcpu->exception_nr);
		return;
	}
	if (!vcpu->apic || kvm_vcpu_apicv_active(vcpu))
		return;
	vector = kvm_lapic_find_highest_irr(vcpu);
	if (vector < 0)
		return;
	if (vmx_x86_ops.interrupt_allowed(vcpu)) {
		kvm_lapic_ack(vcpu, vector);
		vmx_x86_ops.inject_irq(vcpu, vector);
	} else {
		vmx_x86_ops.enable_irq_window(vcpu);
	}
}

/*
 * One entry and its exit. noinline: the WARN's report names this function
 * whatever the compiler does with it.
 */
static __attribute__((noinline)) int vcpu_enter_guest(struct kvm_vcpu *vcpu)
{
	int r = vcpu_check_requests(vcpu);

	if (r <= 0)
		return r;
	if (kvm_check_request(KVM_REQ_EVENT, vcpu) || vcpu->exception_pending)
		inject_pending_event(vcpu);
	/* A root for the guest's CR3, found by its role or made (seed 002's reuse). */
	r = kvm_mmu_reload(vcpu);
	if (unlikely(r))
		return r;
	preempt_disable();
	local_irq_disable();
	/*
	 * IN_GUEST_MODE before the requests (and PIR) are read again: paired
	 * with the requester's barrier in kvm_vcpu_exiting_guest_mode() and
	 * with vmx_deliver_posted_interrupt()'s mode read after ON.
	 */
	WRITE_ONCE(vcpu->mode, IN_GUEST_MODE);
	smp_mb();
	if (kvm_vcpu_apicv_active(vcpu))
		vmx_x86_ops.sync_pir_to_irr(vcpu);
	if (kvm_request_pending(vcpu)) {
		WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
		smp_wmb();
		local_irq_enable();
		preempt_enable();
		return 1;
	}
	WARN_ON_ONCE(kvm_apicv_activated(vcpu->kvm) != kvm_vcpu_apicv_active(vcpu));
	vmx_x86_ops.vcpu_run(vcpu);
	debugfs_add(&kvm_debugfs.exits, 1);
	WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
	smp_wmb();
	vmx_x86_ops.handle_exit_irqoff(vcpu);
	/* What a halted vCPU's wake-up check needs of the guest (KVM reads its register cache). */
	WRITE_ONCE(vcpu->interrupt_allowed, vmx_x86_ops.interrupt_allowed(vcpu));
	local_irq_enable();
	preempt_enable();
	return vmx_x86_ops.handle_exit(vcpu);
}

/* Should a halted vCPU run again: an interrupt it can take, or a request that unblocks it. */
static bool kvm_arch_vcpu_runnable(struct kvm_vcpu *vcpu)
{
	if (READ_ONCE(vcpu->mp_state) == KVM_MP_STATE_RUNNABLE)
		return true;
	if (vcpu->exception_pending)
		return true;
	return kvm_cpu_has_interrupt(vcpu) && READ_ONCE(vcpu->interrupt_allowed);
}

/* < 0: stop blocking (KVM's kvm_vcpu_check_block()). */
static int kvm_vcpu_check_block(struct kvm_vcpu *vcpu)
{
	if (kvm_arch_vcpu_runnable(vcpu))
		return -EINTR;
	if (kvm_check_request(KVM_REQ_UNBLOCK, vcpu))
		return -EINTR;
	return 0;
}

/*
 * Halted: sleep interruptibly until an interrupt, a kick or a signal
 * (KVM's kvm_vcpu_block(), without halt polling). -EINTR for a signal.
 */
static int kvm_vcpu_block(struct kvm_vcpu *vcpu)
{
	return rcuwait_wait_event(&vcpu->wait, kvm_vcpu_check_block(vcpu) < 0, TASK_INTERRUPTIBLE);
}

/* HLT with an in-kernel APIC: the vCPU halts in the kernel (KVM's kvm_emulate_halt()). */
int kvm_emulate_halt(struct kvm_vcpu *vcpu)
{
	if (!lapic_in_kernel(vcpu)) {
		vcpu->run->exit_reason = KVM_EXIT_HLT;
		return 0;
	}
	WRITE_ONCE(vcpu->mp_state, KVM_MP_STATE_HALTED);
	return 1;
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
		if (READ_ONCE(vcpu->mp_state) == KVM_MP_STATE_RUNNABLE) {
			r = vcpu_enter_guest(vcpu);
		} else if (kvm_vcpu_block(vcpu)) {
			run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
		} else {
			WRITE_ONCE(vcpu->mp_state, KVM_MP_STATE_RUNNABLE);
			kvm_make_request(KVM_REQ_EVENT, vcpu);
			r = 1;
		}
		if (r <= 0)
			break;
		cond_resched();
	}
	return r;
}

/*
 * KVM_SET_GUEST_DEBUG (KVM 5.18's): control bits KVM does not know are
 * taken as given; INJECT_DB/INJECT_BP queue the exception (-EBUSY when one
 * is queued already); without ENABLE nothing stays; then the VM's BLOCKIRQ
 * inhibit follows every vCPU's control. Breakpoint registers are not
 * modelled.
 */
static int kvm_arch_vcpu_ioctl_set_guest_debug(struct kvm_vcpu *vcpu,
					       const struct kvm_guest_debug *dbg)
{
	int r = 0;

	vcpu_load(vcpu);
	if (dbg->control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
		r = -EBUSY;
		if (vcpu->exception_pending)
			goto out;
		vcpu->exception_pending = true;
		vcpu->exception_nr = (dbg->control & KVM_GUESTDBG_INJECT_DB) ? DB_VECTOR : BP_VECTOR;
	}
	WRITE_ONCE(vcpu->guest_debug, (dbg->control & KVM_GUESTDBG_ENABLE) ? dbg->control : 0);
	kvm_arch_vcpu_guestdbg_update_apicv_inhibit(vcpu->kvm);
	r = 0;
out:
	vcpu_put(vcpu);
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
	struct kvm_guest_debug dbg;
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
	case KVM_SET_GUEST_DEBUG:
		if (copy_from_user(&dbg, (const void __user *)arg, sizeof(dbg)))
			return -EFAULT;
		return kvm_arch_vcpu_ioctl_set_guest_debug(vcpu, &dbg);
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
