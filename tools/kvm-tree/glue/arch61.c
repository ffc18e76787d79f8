// SPDX-License-Identifier: MIT
/*
 * The arch side of 6.1's KVM that hvsim provides (docs/real-kvm.md): the
 * kvm_arch_* functions kvm_main.o calls, written here against the tree's
 * own struct kvm_vcpu, and compiled as KVM is (instrumented: this is code
 * under test). What x86.c does in them is the model; only what the tests
 * reach is here so far.
 */
#include <linux/kvm_host.h>

#include "arch61.h"

/* A kick must interrupt the vCPU only when it runs the guest (x86). */
int kvm_arch_vcpu_should_kick(struct kvm_vcpu *vcpu)
{
	return kvm_vcpu_exiting_guest_mode(vcpu) == IN_GUEST_MODE;
}

/*
 * The vCPU thread runs on @cpu now (vcpu_load(), kvm_sched_in()), with
 * preemption off: its VMCS is made current here, and x86 records the CPU
 * with a plain store, the write kvm_vcpu_kick()'s read of vcpu->cpu
 * races with.
 */
void kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	k61_vmx_vcpu_load(to_k61_vmx(vcpu), cpu);
	vcpu->cpu = cpu;
}

/* ---- for the tests: a vCPU without a VM (and without a VMCS) ---- */

static struct k61_vmx k61_test_vmx;
#define k61_vcpu (k61_test_vmx.vcpu)

/* The one test vCPU, on @cpu, in guest mode when @in_guest. */
struct kvm_vcpu *k61_test_vcpu(int cpu, bool in_guest);
struct kvm_vcpu *k61_test_vcpu(int cpu, bool in_guest)
{
	k61_vcpu.cpu = cpu;
	k61_vcpu.mode = in_guest ? IN_GUEST_MODE : OUTSIDE_GUEST_MODE;
	return &k61_vcpu;
}

/* A task's struct pid, as far as a pointer to one goes (the mirrors have none). */
static struct pid k61_test_pid;

/* The test vCPU as a vCPU that has run: vcpu->pid set, as KVM_RUN sets it. */
void k61_test_vcpu_has_run(struct kvm_vcpu *vcpu);
void k61_test_vcpu_has_run(struct kvm_vcpu *vcpu)
{
	vcpu->pid = &k61_test_pid;
}

static struct kvm k61_kvm;

/*
 * The one test VM, never initialized but for its vCPU array: with @vcpu,
 * that vCPU as vCPU 0 (as kvm_vm_ioctl_create_vcpu() stores it); without,
 * empty.
 */
struct kvm *k61_test_kvm(struct kvm_vcpu *vcpu);
struct kvm *k61_test_kvm(struct kvm_vcpu *vcpu)
{
	if (vcpu) {
		vcpu->kvm = &k61_kvm;
		vcpu->vcpu_idx = 0;
		xa_store(&k61_kvm.vcpu_array, 0, vcpu, 0);
		atomic_set(&k61_kvm.online_vcpus, 1);
	}
	return &k61_kvm;
}

/*
 * For the blocking test: the test vCPU halted (x86's __kvm_emulate_halt()
 * leaves mp_state so before kvm_vcpu_halt()), in the test VM, whose SRCU
 * kvm_vcpu_check_block() reads under.
 */
void k61_test_vcpu_halted(struct kvm_vcpu *vcpu);
void k61_test_vcpu_halted(struct kvm_vcpu *vcpu)
{
	vcpu->kvm = &k61_kvm;
	init_srcu_struct(&k61_kvm.srcu);
	vcpu->arch.mp_state = KVM_MP_STATE_HALTED;
}

/* What an interrupt's sender does to a halted vCPU: an unblock request, then the wake-up. */
void k61_test_unblock(struct kvm_vcpu *vcpu);
void k61_test_unblock(struct kvm_vcpu *vcpu)
{
	kvm_make_request(KVM_REQ_UNBLOCK, vcpu);
	kvm_vcpu_wake_up(vcpu);
}

/*
 * For the grace-period test: an object readers reach through a pointer
 * under SRCU (the test VM's kvm->srcu) or RCU, which the updater
 * unpublishes, waits a grace period for, then reuses with a plain write,
 * as a free would.
 */
static int k61_test_obj = 1;
static int __rcu *k61_test_ptr = &k61_test_obj;

void k61_test_grace_init(void);
void k61_test_grace_init(void)
{
	init_srcu_struct(&k61_kvm.srcu);
}

/* What the reader saw of the object: 0 when the pointer was already gone. */
int k61_test_grace_reader(bool srcu);
int k61_test_grace_reader(bool srcu)
{
	int *p, idx = 0, seen = 0;

	if (srcu) {
		idx = srcu_read_lock(&k61_kvm.srcu);
		p = srcu_dereference(k61_test_ptr, &k61_kvm.srcu);
	} else {
		rcu_read_lock();
		p = rcu_dereference(k61_test_ptr);
	}
	if (p)
		seen = *p;
	if (srcu)
		srcu_read_unlock(&k61_kvm.srcu, idx);
	else
		rcu_read_unlock();
	return seen;
}

void k61_test_grace_updater(bool srcu);
void k61_test_grace_updater(bool srcu)
{
	rcu_assign_pointer(k61_test_ptr, NULL);
	if (srcu)
		synchronize_srcu(&k61_kvm.srcu);
	else
		synchronize_rcu();
	k61_test_obj = 42;
}

/* Whether the running task has 6.1's fatal signal (hvsim's, at a program's end). */
int k61_test_fatal_signal(void);
int k61_test_fatal_signal(void)
{
	return fatal_signal_pending(current);
}

/* The test VM's users: kvm_get_kvm()/kvm_put_kvm() count them. */
void k61_test_kvm_users(struct kvm *kvm, unsigned int users);
void k61_test_kvm_users(struct kvm *kvm, unsigned int users)
{
	refcount_set(&kvm->users_count, users);
}

static struct kvm_memory_slot k61_slot;

/* A memory slot of one page at guest frame 0, host address 0x10000. */
struct kvm_memory_slot *k61_test_slot(void);
struct kvm_memory_slot *k61_test_slot(void)
{
	k61_slot.base_gfn = 0;
	k61_slot.npages = 1;
	k61_slot.userspace_addr = 0x10000;
	return &k61_slot;
}

/*
 * For the preemption test: a section of plain steps with 6.1's
 * preemption off (preempt_disable(), inline on the per-CPU count) or,
 * with @off false, on; and whether a task is inside it.
 */
static int k61_test_inside, k61_test_data;

void k61_test_section(bool off);
void k61_test_section(bool off)
{
	if (off)
		preempt_disable();
	WRITE_ONCE(k61_test_inside, 1);
	for (int i = 0; i < 4; i++)
		WRITE_ONCE(k61_test_data, READ_ONCE(k61_test_data) + 1);
	WRITE_ONCE(k61_test_inside, 0);
	if (off)
		preempt_enable();
}

int k61_test_in_section(void);
int k61_test_in_section(void)
{
	return READ_ONCE(k61_test_inside);
}

/* 6.1's cpu_online(): a test bit in its __cpu_online_mask, read inline. */
int k61_test_cpu_online(int cpu);
int k61_test_cpu_online(int cpu)
{
	return cpu_online(cpu);
}

/* 6.1's current, as its code reads it: %gs:current_task. */
int k61_test_current_pid(void);
int k61_test_current_pid(void)
{
	return current->pid;
}

int k61_test_current_tgid(void);
int k61_test_current_tgid(void)
{
	return current->tgid;
}

/* ---- module init: kvm_init()'s arch hooks, and virt/kvm's others ---- */

#define K61_VMX_CAPS	8
int k61_host_cpu_has_vmx(void);
int k61_host_vmx_caps(u64 caps[K61_VMX_CAPS]);

/* The boot CPU's VMX capabilities, which every CPU must match (x86: vmcs_config). */
static u64 k61_vmx_boot_caps[K61_VMX_CAPS];

/* x86: no VMX on the CPU that loads KVM, no KVM. */
int kvm_arch_init(void *opaque)
{
	if (!k61_host_cpu_has_vmx()) {
		pr_err("kvm: no hardware support for 'kvm_intel'\n");
		return -EOPNOTSUPP;
	}
	return 0;
}

void kvm_arch_exit(void)
{
}

/*
 * x86's hardware_setup() on the boot CPU: the VMCS configuration every
 * vCPU's controls come from (arch61_vmx.c) and every possible CPU's VMXON
 * region. The compatibility check below compares the capability MSRs
 * themselves rather than the configuration derived from them (stricter:
 * a difference in a control KVM does not use fails the check too).
 */
int kvm_arch_hardware_setup(void *opaque)
{
	if (k61_host_vmx_caps(k61_vmx_boot_caps) || k61_setup_vmcs_config(&k61_vmcs_config))
		return -EIO;
	return k61_vmx_alloc_areas();
}

void kvm_arch_hardware_unsetup(void)
{
	k61_vmx_free_areas();
}

/* vmx_check_processor_compat(): on the CPU it runs on, from kvm_init(). */
int kvm_arch_check_processor_compat(void *opaque)
{
	u64 here[K61_VMX_CAPS];

	if (!k61_host_cpu_has_vmx() || k61_host_vmx_caps(here))
		return -EIO;
	if (memcmp(here, k61_vmx_boot_caps, sizeof(here))) {
		pr_err("kvm: CPU %d feature inconsistency!\n", smp_processor_id());
		return -EIO;
	}
	return 0;
}

/*
 * virt/kvm's files hvsim does not build, for what kvm_init() asks of
 * them: irqfds (eventfd.c), asynchronous page faults (async_pf.c), the
 * VFIO device (vfio.c). None is modelled; each starts as on a kernel
 * that has nothing to set up.
 */
int kvm_irqfd_init(void)
{
	return 0;
}

void kvm_irqfd_exit(void)
{
}

int kvm_async_pf_init(void)
{
	return 0;
}

void kvm_async_pf_deinit(void)
{
}

int kvm_vfio_ops_init(void)
{
	return 0;
}

void kvm_vfio_ops_exit(void)
{
}

/* No statistics yet: kvm_init_debug() and the stats fds find none. */
#define K61_NO_STATS_HEADER {						\
	.name_size = KVM_STATS_NAME_SIZE,				\
	.num_desc = 0,							\
	.id_offset = sizeof(struct kvm_stats_header),			\
	.desc_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE, \
	.data_offset = sizeof(struct kvm_stats_header) + KVM_STATS_NAME_SIZE, \
}
const struct _kvm_stats_desc kvm_vm_stats_desc[] = {};
const struct kvm_stats_header kvm_vm_stats_header = K61_NO_STATS_HEADER;
const struct _kvm_stats_desc kvm_vcpu_stats_desc[] = {};
const struct kvm_stats_header kvm_vcpu_stats_header = K61_NO_STATS_HEADER;
