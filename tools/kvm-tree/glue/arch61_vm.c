// SPDX-License-Identifier: MIT
/*
 * The adapter's VMs and vCPUs: what 6.1's KVM_CREATE_VM, KVM_CREATE_VCPU,
 * mmap of the vCPU fd and KVM_RUN ask of arch/x86/kvm, against the
 * tree's headers, instrumented (code under test). x86.c is the model;
 * what the adapter leaves out it says here:
 *
 *  - no in-kernel irqchip, no MMU, no memslots of its own: the VM is its
 *    vCPUs, the guest the stand-in hvsim runs after a VM entry;
 *  - KVM_RUN enters the guest until an exit user space must see, as
 *    vcpu_run() does: a HLT (KVM_EXIT_HLT, x86's answer without an
 *    in-kernel APIC), a failed entry (KVM_EXIT_FAIL_ENTRY with the
 *    VM-instruction error or the exit reason), any other exit
 *    (KVM_EXIT_INTERNAL_ERROR, unexpected exit reason), a pending signal
 *    (-EINTR); an external interrupt (a kick's IPI) re-enters;
 *  - requests are consumed without action: the adapter has no TLB,
 *    clock or MMU to refresh;
 *  - the vCPU's three mmap pages are x86's: the kvm_run page, the PIO
 *    page, the coalesced-MMIO ring (virt/kvm/coalesced_mmio.c's part,
 *    without zones).
 */
#include <linux/kvm_host.h>

#include <asm/vmx.h>

#include "arch61.h"
#include "k61_iface.h"

/* The VM as the adapter allocates it: 6.1's, nothing more yet. */
struct k61_vm {
	struct kvm kvm;
};

/* kvm_arch_alloc_vm(), inline in the tree's kvm_host.h, reads vm_size. */
struct kvm_x86_ops kvm_x86_ops = {
	.name = "hvsim",
	.vm_size = sizeof(struct k61_vm),
};

/* For kvm_init(): the size of a vCPU as the adapter makes it. */
unsigned int k61_vcpu_size(void);
unsigned int k61_vcpu_size(void)
{
	return sizeof(struct k61_vmx);
}

/* ---- hardware enable, per CPU (hardware_enable_nolock(), kvm_starting_cpu()) ---- */

int kvm_arch_hardware_enable(void)
{
	return k61_vmx_hardware_enable();
}

void kvm_arch_hardware_disable(void)
{
	k61_vmx_hardware_disable();
}

/* ---- the VM ---- */

int kvm_arch_init_vm(struct kvm *kvm, unsigned long type)
{
	if (type)
		return -EINVAL;
	return 0;
}

int kvm_arch_post_init_vm(struct kvm *kvm)
{
	return 0;
}

void kvm_arch_sync_events(struct kvm *kvm)
{
}

void kvm_arch_pre_destroy_vm(struct kvm *kvm)
{
}

/* x86's kvm_destroy_vcpus(): each vCPU's arch part, then 6.1's. */
void kvm_arch_destroy_vm(struct kvm *kvm)
{
	kvm_destroy_vcpus(kvm);
}

void kvm_arch_free_vm(struct kvm *kvm)
{
	kvfree(kvm);
}

/* virt/kvm/eventfd.c's part of VM creation: no irqfds or ioeventfds yet. */
void kvm_eventfd_init(struct kvm *kvm)
{
	spin_lock_init(&kvm->irqfds.lock);
	INIT_LIST_HEAD(&kvm->irqfds.items);
	INIT_LIST_HEAD(&kvm->irqfds.resampler_list);
	mutex_init(&kvm->irqfds.resampler_lock);
	INIT_LIST_HEAD(&kvm->ioeventfds);
}

void kvm_irqfd_release(struct kvm *kvm)
{
}

void kvm_free_irq_routing(struct kvm *kvm)
{
}

/* virt/kvm/coalesced_mmio.c's ring, which the vCPU's third mmap page is. */
int kvm_coalesced_mmio_init(struct kvm *kvm)
{
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);

	if (!page)
		return -ENOMEM;
	kvm->coalesced_mmio_ring = page_address(page);
	spin_lock_init(&kvm->ring_lock);
	INIT_LIST_HEAD(&kvm->coalesced_zones);
	return 0;
}

void kvm_coalesced_mmio_free(struct kvm *kvm)
{
	if (kvm->coalesced_mmio_ring)
		free_page((unsigned long)kvm->coalesced_mmio_ring);
}

/* Without an MMU model nothing listens to the host's page tables. */
int mmu_notifier_register(struct mmu_notifier *subscription, struct mm_struct *mm)
{
	return 0;
}

void mmu_notifier_unregister(struct mmu_notifier *subscription, struct mm_struct *mm)
{
}

int register_pm_notifier(struct notifier_block *nb)
{
	return 0;	/* no suspend in a run */
}

int unregister_pm_notifier(struct notifier_block *nb)
{
	return 0;
}

/* No debugfs in a run: 6.1's per-VM and per-vCPU directories are skipped. */
bool debugfs_initialized(void)
{
	return false;
}

/* THIS_MODULE is NULL for built-in KVM: nothing to pin. */
void __module_get(struct module *module)
{
}

void module_put(struct module *module)
{
}

/* ---- the vCPU ---- */

int kvm_arch_vcpu_precreate(struct kvm *kvm, unsigned int id)
{
	return 0;
}

void kvm_async_pf_vcpu_init(struct kvm_vcpu *vcpu)
{
	INIT_LIST_HEAD(&vcpu->async_pf.done);
	INIT_LIST_HEAD(&vcpu->async_pf.queue);
	spin_lock_init(&vcpu->async_pf.lock);
}

/*
 * x86's: the PIO page, the VMCS, and the vCPU reset under vcpu_load(): its
 * VMCS programmed on the CPU the creating task runs on.
 */
int kvm_arch_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct k61_vmx *vmx = to_k61_vmx(vcpu);
	struct page *page = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
	int r;

	if (!page)
		return -ENOMEM;
	vcpu->arch.pio_data = page_address(page);
	vcpu->arch.last_vmentry_cpu = -1;
	r = k61_vmx_vcpu_create(vmx);
	if (r) {
		free_page((unsigned long)vcpu->arch.pio_data);
		return r;
	}
	vcpu_load(vcpu);
	k61_vmx_vcpu_reset(vmx);
	vcpu_put(vcpu);
	return 0;
}

/* No dirty ring: KVM_CAP_DIRTY_LOG_RING is never enabled, a vCPU's ring stays empty. */
void kvm_dirty_ring_free(struct kvm_dirty_ring *ring)
{
}

void kvm_arch_vcpu_postcreate(struct kvm_vcpu *vcpu)
{
}

void kvm_arch_vcpu_destroy(struct kvm_vcpu *vcpu)
{
	k61_vmx_vcpu_free(to_k61_vmx(vcpu));
	free_page((unsigned long)vcpu->arch.pio_data);
}

void kvm_arch_vcpu_put(struct kvm_vcpu *vcpu)
{
}

void kvm_arch_sched_in(struct kvm_vcpu *vcpu, int cpu)
{
}

/* x86's vmx_vcpu_blocking()/unblocking() post interrupts; there are none here. */
void __SCT__kvm_x86_vcpu_blocking(struct kvm_vcpu *vcpu);
void __SCT__kvm_x86_vcpu_blocking(struct kvm_vcpu *vcpu)
{
}

void __SCT__kvm_x86_vcpu_unblocking(struct kvm_vcpu *vcpu);
void __SCT__kvm_x86_vcpu_unblocking(struct kvm_vcpu *vcpu)
{
}

/* x86's kvm_vcpu_running(): not halted (the adapter has no events to deliver). */
int kvm_arch_vcpu_runnable(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->arch.mp_state) == KVM_MP_STATE_RUNNABLE;
}

/* No in-kernel APIC timer. */
int kvm_cpu_has_pending_timer(struct kvm_vcpu *vcpu)
{
	return 0;
}

bool kvm_arch_vcpu_in_kernel(struct kvm_vcpu *vcpu)
{
	return false;
}

/* A vCPU fd page past x86's three (run, PIO, coalesced MMIO: kvm_main.c maps those). */
vm_fault_t kvm_arch_vcpu_fault(struct kvm_vcpu *vcpu, struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

/* ---- the ioctls x86 answers: registers, and nothing else yet ---- */

/*
 * KVM_GET_REGS and KVM_SET_REGS: the general registers kept in
 * vcpu->arch.regs (the guest stand-in has none of its own), RSP, RIP
 * and RFLAGS in the VMCS, read and written under vcpu_load() as x86 does.
 */
int kvm_arch_vcpu_ioctl_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	unsigned long *r = vcpu->arch.regs;

	vcpu_load(vcpu);
	memset(regs, 0, sizeof(*regs));
	regs->rax = r[VCPU_REGS_RAX];
	regs->rbx = r[VCPU_REGS_RBX];
	regs->rcx = r[VCPU_REGS_RCX];
	regs->rdx = r[VCPU_REGS_RDX];
	regs->rsi = r[VCPU_REGS_RSI];
	regs->rdi = r[VCPU_REGS_RDI];
	regs->rbp = r[VCPU_REGS_RBP];
	regs->r8 = r[VCPU_REGS_R8];
	regs->r9 = r[VCPU_REGS_R9];
	regs->r10 = r[VCPU_REGS_R10];
	regs->r11 = r[VCPU_REGS_R11];
	regs->r12 = r[VCPU_REGS_R12];
	regs->r13 = r[VCPU_REGS_R13];
	regs->r14 = r[VCPU_REGS_R14];
	regs->r15 = r[VCPU_REGS_R15];
	k61_vmx_get_rsp_rip_rflags(to_k61_vmx(vcpu), &regs->rsp, &regs->rip, &regs->rflags);
	vcpu_put(vcpu);
	return 0;
}

int kvm_arch_vcpu_ioctl_set_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	unsigned long *r = vcpu->arch.regs;

	vcpu_load(vcpu);
	r[VCPU_REGS_RAX] = regs->rax;
	r[VCPU_REGS_RBX] = regs->rbx;
	r[VCPU_REGS_RCX] = regs->rcx;
	r[VCPU_REGS_RDX] = regs->rdx;
	r[VCPU_REGS_RSI] = regs->rsi;
	r[VCPU_REGS_RDI] = regs->rdi;
	r[VCPU_REGS_RBP] = regs->rbp;
	r[VCPU_REGS_R8] = regs->r8;
	r[VCPU_REGS_R9] = regs->r9;
	r[VCPU_REGS_R10] = regs->r10;
	r[VCPU_REGS_R11] = regs->r11;
	r[VCPU_REGS_R12] = regs->r12;
	r[VCPU_REGS_R13] = regs->r13;
	r[VCPU_REGS_R14] = regs->r14;
	r[VCPU_REGS_R15] = regs->r15;
	k61_vmx_set_rsp_rip_rflags(to_k61_vmx(vcpu), regs->rsp, regs->rip, regs->rflags);
	vcpu_put(vcpu);
	return 0;
}

/* x86's arch-specific capabilities: none offered yet. */
int kvm_vm_ioctl_check_extension(struct kvm *kvm, long ext)
{
	return 0;
}

long kvm_arch_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	return -EINVAL;
}

long kvm_arch_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	return -ENOTTY;
}

long kvm_arch_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	return -EINVAL;
}

/* ---- halting and the static calls the object makes ---- */

/*
 * Halt polling off: 6.1's kvm_vcpu_halt() then never spins in its
 * poll loop (whose PAUSE hvsim would have to take as a parking point).
 */
bool kvm_arch_no_poll(struct kvm_vcpu *vcpu)
{
	return true;
}

/* Remote TLB flushes through kvm_x86_ops: the ops have none, the call is never made. */
struct static_call_key __SCK__kvm_x86_tlb_remote_flush;
struct static_call_key __SCK__kvm_x86_vcpu_blocking;
struct static_call_key __SCK__kvm_x86_vcpu_unblocking;

int __SCT__kvm_x86_tlb_remote_flush(struct kvm *kvm);
int __SCT__kvm_x86_tlb_remote_flush(struct kvm *kvm)
{
	return -EOPNOTSUPP;
}

/*
 * One guest entry and its exit (x86's vcpu_enter_guest()): 1 to enter
 * again, 0 to return to user space with vcpu->run filled in, or -errno.
 */
static int k61_enter_guest(struct kvm_vcpu *vcpu)
{
	struct k61_vmx *vmx = to_k61_vmx(vcpu);
	struct kvm_run *run = vcpu->run;
	u32 basic;

	if (kvm_request_pending(vcpu))
		xchg(&vcpu->requests, 0);	/* nothing of the adapter's to refresh */

	preempt_disable();
	/*
	 * IN_GUEST_MODE before the last check for requests, with a full
	 * barrier between, as x86 orders them against kvm_vcpu_kick()'s
	 * exchange of vcpu->mode.
	 */
	smp_store_mb(vcpu->mode, IN_GUEST_MODE);
	k61_host_local_irq(0);
	if (kvm_request_pending(vcpu) || signal_pending(current)) {
		WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
		/* As after an exit, below. */
		smp_wmb();
		k61_host_local_irq(1);
		preempt_enable();
		return 1;
	}
	vcpu->arch.last_vmentry_cpu = vcpu->cpu;
	k61_vmx_vcpu_run(vmx);
	WRITE_ONCE(vcpu->mode, OUTSIDE_GUEST_MODE);
	/*
	 * x86's: the mode is OUTSIDE_GUEST_MODE before anything after the
	 * exit; paired with kvm_vcpu_kick()'s exchange of vcpu->mode (a
	 * kick that sees OUTSIDE_GUEST_MODE needs no IPI).
	 */
	smp_wmb();
	/* A pending interrupt (the kick's IPI) is taken here, in the host. */
	k61_host_local_irq(1);
	preempt_enable();

	if (vmx->fail) {
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = vmx->insn_error;
		run->fail_entry.cpu = vcpu->arch.last_vmentry_cpu;
		return 0;
	}
	if (vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		run->fail_entry.hardware_entry_failure_reason = vmx->exit_reason;
		run->fail_entry.cpu = vcpu->arch.last_vmentry_cpu;
		return 0;
	}
	basic = vmx->exit_reason & 0xffff;
	switch (basic) {
	case EXIT_REASON_EXTERNAL_INTERRUPT:
		return 1;
	case EXIT_REASON_HLT:
		k61_vmx_skip_instruction(vmx);
		run->exit_reason = KVM_EXIT_HLT;
		return 0;
	default:
		run->exit_reason = KVM_EXIT_INTERNAL_ERROR;
		run->internal.suberror = KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON;
		run->internal.ndata = 2;
		run->internal.data[0] = vmx->exit_reason;
		run->internal.data[1] = vcpu->arch.last_vmentry_cpu;
		return 0;
	}
}

int kvm_arch_vcpu_ioctl_run(struct kvm_vcpu *vcpu)
{
	int r;

	vcpu_load(vcpu);
	for (;;) {
		r = k61_enter_guest(vcpu);
		if (r <= 0)
			break;
		if (signal_pending(current)) {
			vcpu->run->exit_reason = KVM_EXIT_INTR;
			r = -EINTR;
			break;
		}
	}
	vcpu_put(vcpu);
	return r;
}
