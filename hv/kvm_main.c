// SPDX-License-Identifier: MIT
/*
 * The generic hypervisor core, in the role of KVM's virt/kvm/kvm_main.c:
 * module init, /dev/kvm, the usage count and hardware enabling on every
 * CPU, CPU hotplug, VMs and vCPUs and their fds, the ioctl dispatch, vCPU
 * requests and kicks, vcpu_load/vcpu_put.
 *
 * Which generation of this code runs is the variant (variant.c): the
 * seed-000 hotplug fixes, the seed-001 VM hooks, the seed-003 kick fix.
 *
 * Lock ordering: hv/kvm_host.h.
 *
 * Hotplug vs hardware_enable_all() (seed 000), without hotplug-enable-lock:
 *
 *   CPU0: KVM_CREATE_VM                  CPU2: start_secondary()
 *                                        set_cpu_online(2)      (1)
 *                                        local_irq_enable()     (2)
 *   hardware_enable_all()
 *     on_each_cpu(hardware_enable_nolock)  --IPI--> VMXON, unchecked
 *                                        cpuhp: kvm_online_cpu() (3)
 *
 * With the lock, cpus_read_lock() waits for the hot-add to finish, and
 * kvm_online_cpu() checks the CPU before enabling it.
 */
#define KBUILD_MODNAME "kvm"

#include "kvm_host.h"
#include "lapic.h"
#include "trace.h"
#include "variant.h"
#include "x86.h"

#include <stdio.h>
#include <string.h>

/* The maximum vCPU id + 1, as KVM_CAP_MAX_VCPU_ID says. */
#define KVM_MAX_VCPU_IDS	KVM_MAX_VCPUS

DEFINE_MUTEX(kvm_lock);			/* vm_list; the VM hooks' generation: the usage count */
static DEFINE_RAW_SPINLOCK(kvm_count_lock);	/* kvm_usage_count, before kvm-add-vm-hooks */
static struct kvm *vm_list;
static int kvm_usage_count;
static atomic_t hardware_enable_failed;
static DEFINE_PER_CPU(bool, hardware_enabled);	/* VMX on, this CPU */

static struct preempt_ops kvm_preempt_ops;
/* The vCPUs' slab cache (KVM's kvm_vcpu_cache), made at module init. */
static struct kmem_cache *kvm_vcpu_cache;

/* ---- hardware enabling -------------------------------------------------------- */

static void hardware_enable_nolock(void *junk)
{
	(void)junk;
	if (__this_cpu_read(hardware_enabled))
		return;
	if (kvm_arch_hardware_enable()) {
		atomic_inc(&hardware_enable_failed);
		pr_info("kvm: enabling virtualization on CPU%u failed", smp_processor_id());
		return;
	}
	__this_cpu_write(hardware_enabled, true);
}

static void hardware_disable_nolock(void *junk)
{
	(void)junk;
	if (!__this_cpu_read(hardware_enabled))
		return;
	kvm_arch_hardware_disable();
	__this_cpu_write(hardware_enabled, false);
}

/* VMX on every online CPU; -EBUSY (and VMX off again) if any failed. */
int kvm_hardware_enable_all_cpus(void)
{
	atomic_set(&hardware_enable_failed, 0);
	on_each_cpu(hardware_enable_nolock, NULL, 1);
	if (atomic_read(&hardware_enable_failed)) {
		on_each_cpu(hardware_disable_nolock, NULL, 1);
		return -EBUSY;
	}
	return 0;
}

void kvm_hardware_disable_all_cpus(void)
{
	on_each_cpu(hardware_disable_nolock, NULL, 1);
}

static void hardware_disable_all_nolock(void)
{
	WARN_ON(!kvm_usage_count);
	kvm_usage_count--;
	if (!kvm_usage_count)
		kvm_hardware_disable_all_cpus();
}

static void hardware_disable_all(void)
{
	if (hv_flag(HV_HOTPLUG_ENABLE_LOCK))
		cpus_read_lock();
	raw_spin_lock(&kvm_count_lock);
	hardware_disable_all_nolock();
	raw_spin_unlock(&kvm_count_lock);
	if (hv_flag(HV_HOTPLUG_ENABLE_LOCK))
		cpus_read_unlock();
}

static int hardware_enable_all(void)
{
	int r = 0;

	/*
	 * A CPU coming up is in cpu_online_mask before kvm_online_cpu() runs
	 * on it: on_each_cpu() between the two would enable it unchecked.
	 * Holding the hotplug lock keeps hot-adds out (hotplug-enable-lock).
	 */
	if (hv_flag(HV_HOTPLUG_ENABLE_LOCK))
		cpus_read_lock();
	raw_spin_lock(&kvm_count_lock);
	kvm_usage_count++;
	if (kvm_usage_count == 1) {
		r = kvm_hardware_enable_all_cpus();
		if (r)
			kvm_usage_count--;
	}
	raw_spin_unlock(&kvm_count_lock);
	if (hv_flag(HV_HOTPLUG_ENABLE_LOCK))
		cpus_read_unlock();
	return r;
}

/* ---- CPU hotplug ---------------------------------------------------------------- */

/* kvm_usage_count's lock: kvm_count_lock, or kvm_lock from the VM-hooks generation on. */
static void count_lock(void)
{
	if (hv_flag(HV_KVM_ADD_VM_HOOKS))
		mutex_lock(&kvm_lock);
	else
		raw_spin_lock(&kvm_count_lock);
}

static void count_unlock(void)
{
	if (hv_flag(HV_KVM_ADD_VM_HOOKS))
		mutex_unlock(&kvm_lock);
	else
		raw_spin_unlock(&kvm_count_lock);
}

static int kvm_online_cpu(unsigned int cpu)
{
	int ret = 0;

	if (hv_flag(HV_HOTPLUG_COMPAT_CHECK)) {
		ret = kvm_arch_check_processor_compat();
		if (ret) {
			pr_warn("kvm: CPU%u is incompatible with online CPUs", cpu);
			return ret;
		}
	}
	count_lock();
	/* hardware_enable_all() may have enabled it already (the seed-000 window). */
	if (kvm_usage_count) {
		hardware_enable_nolock(NULL);
		if (atomic_read(&hardware_enable_failed)) {
			atomic_set(&hardware_enable_failed, 0);
			ret = -EIO;
		}
	}
	count_unlock();
	return ret;
}

static int kvm_offline_cpu(unsigned int cpu)
{
	(void)cpu;
	count_lock();
	if (kvm_usage_count)
		hardware_disable_nolock(NULL);
	count_unlock();
	return 0;
}

/* ---- VMs ------------------------------------------------------------------------ */

static void kvm_remove_vm(struct kvm *kvm);
static void kvm_drop_vm(void);

static void kvm_destroy_vm(struct kvm *kvm)
{
	kvm_remove_vm(kvm);
	kvm_arch_destroy_vm(kvm);
	kvm_free_memslots(kvm);
	if (hv_flag(HV_KVM_ADD_VM_HOOKS))
		kvm_drop_vm();
	else
		hardware_disable_all();
	kfree(kvm);
}

void kvm_get_kvm(struct kvm *kvm)
{
	__atomic_fetch_add(&kvm->users_count, 1, __ATOMIC_RELAXED);
}

void kvm_put_kvm(struct kvm *kvm)
{
	if (__atomic_sub_fetch(&kvm->users_count, 1, __ATOMIC_ACQ_REL) == 0)
		kvm_destroy_vm(kvm);
}

static void vm_list_add(struct kvm *kvm)
{
	kvm->vm_list_next = vm_list;
	vm_list = kvm;
}

/*
 * The VM-hooks generation (kvm-add-vm-hooks), in the shape the seed-001
 * review asked for (vm-add-error-path): the count and its undo in one
 * critical section, under the hotplug lock so no CPU comes up unchecked.
 */
static int kvm_add_vm(struct kvm *kvm)
{
	int r;

	cpus_read_lock();
	mutex_lock(&kvm_lock);
	r = kvm_arch_add_vm(kvm, ++kvm_usage_count);
	if (r) {
		--kvm_usage_count;
		goto out;
	}
	vm_list_add(kvm);
out:
	mutex_unlock(&kvm_lock);
	cpus_read_unlock();
	return r;
}

/* Off the global list before the VM is destroyed; hardware stays on until it is. */
static void kvm_remove_vm(struct kvm *kvm)
{
	struct kvm **p;

	mutex_lock(&kvm_lock);
	for (p = &vm_list; *p; p = &(*p)->vm_list_next) {
		if (*p == kvm) {
			*p = kvm->vm_list_next;
			break;
		}
	}
	mutex_unlock(&kvm_lock);
}

static void kvm_drop_vm(void)
{
	cpus_read_lock();
	mutex_lock(&kvm_lock);
	WARN_ON_ONCE(!kvm_usage_count);
	kvm_usage_count--;
	kvm_arch_drop_vm(kvm_usage_count);
	mutex_unlock(&kvm_lock);
	cpus_read_unlock();
}

/*
 * The reviewed patch's error path (vm-add-error-path off), as the seed-001
 * review describes it: the count raised in one critical section and, on
 * failure, lowered in a second one (kvm_del_vm(), its own cpus_read_lock()
 * and kvm_lock), and the first section's cpus_read_lock() never released.
 */
static int kvm_add_vm_reviewed(struct kvm *kvm)
{
	int r;

	cpus_read_lock();
	mutex_lock(&kvm_lock);
	kvm_usage_count++;
	r = kvm_arch_add_vm(kvm, kvm_usage_count);
	if (r) {
		/* The following kvm_drop_vm() decrements kvm_usage_count. */
		mutex_unlock(&kvm_lock);
		kvm_drop_vm();
		return r;
	}
	vm_list_add(kvm);
	mutex_unlock(&kvm_lock);
	cpus_read_unlock();
	return 0;
}

static struct kvm *kvm_create_vm(unsigned long type)
{
	struct kvm *kvm;
	int r;

	if (type)
		return ERR_PTR(-EINVAL);
	kvm = kzalloc(sizeof(*kvm), GFP_KERNEL_ACCOUNT);
	if (!kvm)
		return ERR_PTR(-ENOMEM);
	mutex_init(&kvm->lock);
	mutex_init(&kvm->slots_lock);
	kvm_arch_init_vm(kvm);
	kvm->users_count = 1;
	kvm_apicv_init(kvm);
	if (hv_flag(HV_KVM_ADD_VM_HOOKS)) {
		r = hv_flag(HV_VM_ADD_ERROR_PATH) ? kvm_add_vm(kvm) : kvm_add_vm_reviewed(kvm);
		if (r)
			goto out_free;
		return kvm;
	}
	r = hardware_enable_all();
	if (r)
		goto out_free;
	mutex_lock(&kvm_lock);
	vm_list_add(kvm);
	mutex_unlock(&kvm_lock);
	return kvm;

out_free:
	kfree(kvm);
	return ERR_PTR(r);
}

/* ---- vCPUs ------------------------------------------------------------------------ */

static void kvm_sched_in(struct preempt_notifier *pn, int cpu)
{
	struct kvm_vcpu *vcpu = container_of(pn, struct kvm_vcpu, preempt_notifier);

	WRITE_ONCE(vcpu->preempted, false);
	kvm_arch_vcpu_load(vcpu, cpu);
}

static void kvm_sched_out(struct preempt_notifier *pn, struct task *next)
{
	struct kvm_vcpu *vcpu = container_of(pn, struct kvm_vcpu, preempt_notifier);

	(void)next;
	WRITE_ONCE(vcpu->preempted, true);
	kvm_arch_vcpu_put(vcpu);
}

void vcpu_load(struct kvm_vcpu *vcpu)
{
	int cpu = (int)get_cpu();

	preempt_notifier_register(&vcpu->preempt_notifier);
	kvm_arch_vcpu_load(vcpu, cpu);
	put_cpu();
}

void vcpu_put(struct kvm_vcpu *vcpu)
{
	preempt_disable();
	kvm_arch_vcpu_put(vcpu);
	preempt_notifier_unregister(&vcpu->preempt_notifier);
	preempt_enable();
}

static int kvm_vcpu_release(struct file *filp)
{
	struct kvm_vcpu *vcpu = filp->private_data;

	kvm_put_kvm(vcpu->kvm);
	return 0;
}

static long kvm_vcpu_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvm_vcpu *vcpu = filp->private_data;
	long r;

	(void)arg;
	if (mutex_lock_killable(&vcpu->mutex))
		return -EINTR;
	switch (ioctl) {
	case KVM_RUN:
		r = -EINVAL;
		if (arg)
			break;
		vcpu_load(vcpu);
		r = kvm_arch_vcpu_ioctl_run(vcpu);
		vcpu_put(vcpu);
		break;
	default:
		r = kvm_arch_vcpu_ioctl(vcpu, ioctl, arg);
		break;
	}
	mutex_unlock(&vcpu->mutex);
	return r;
}

static void *kvm_vcpu_mmap(struct file *filp, unsigned long len, unsigned long pgoff)
{
	struct kvm_vcpu *vcpu = filp->private_data;

	if (pgoff || len > PAGE_SIZE)
		return ERR_PTR(-EINVAL);
	return vcpu->run;
}

static const struct file_operations kvm_vcpu_fops = {
	.release = kvm_vcpu_release,
	.unlocked_ioctl = kvm_vcpu_ioctl,
	.mmap = kvm_vcpu_mmap,
};

static int create_vcpu_fd(struct kvm_vcpu *vcpu)
{
	char name[16];

	snprintf(name, sizeof(name), "kvm-vcpu:%d", vcpu->vcpu_id);
	return anon_inode_getfd(name, &kvm_vcpu_fops, vcpu, O_RDWR | O_CLOEXEC);
}

static void kvm_vcpu_init(struct kvm_vcpu *vcpu, struct kvm *kvm, int id)
{
	mutex_init(&vcpu->mutex);
	vcpu->cpu = -1;
	vcpu->kvm = kvm;
	vcpu->vcpu_id = id;
	preempt_notifier_init(&vcpu->preempt_notifier, &kvm_preempt_ops);
}

/* KVM_CREATE_VCPU: the id comes in as KVM's u32 parameter takes it. */
static int kvm_vm_ioctl_create_vcpu(struct kvm *kvm, uint32_t id)
{
	struct kvm_vcpu *vcpu;
	int r;

	if (id >= KVM_MAX_VCPU_IDS)
		return -EINVAL;
	mutex_lock(&kvm->lock);
	if (kvm->created_vcpus >= KVM_MAX_VCPUS) {
		mutex_unlock(&kvm->lock);
		return -EINVAL;
	}
	kvm->created_vcpus++;
	mutex_unlock(&kvm->lock);

	vcpu = kmem_cache_zalloc(kvm_vcpu_cache, GFP_KERNEL_ACCOUNT);
	if (!vcpu) {
		r = -ENOMEM;
		goto vcpu_decrement;
	}
	vcpu->run = (struct kvm_run *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!vcpu->run) {
		r = -ENOMEM;
		goto vcpu_free;
	}
	kvm_vcpu_init(vcpu, kvm, (int)id);
	r = kvm_arch_vcpu_create(vcpu);
	if (r)
		goto vcpu_free_run_page;

	mutex_lock(&kvm->lock);
	for (int i = 0; i < kvm->online_vcpus; i++) {
		if (kvm->vcpu_array[i]->vcpu_id == (int)id) {
			r = -EEXIST;
			goto unlock_vcpu_destroy;
		}
	}
	vcpu->vcpu_idx = kvm->online_vcpus;
	kvm->vcpu_array[vcpu->vcpu_idx] = vcpu;
	/* The vCPU is in vcpu_array before online_vcpus counts it (KVM's smp_wmb()). */
	kvm_get_kvm(kvm);
	r = create_vcpu_fd(vcpu);
	if (r < 0) {
		kvm->vcpu_array[vcpu->vcpu_idx] = NULL;
		kvm_put_kvm(kvm);
		goto unlock_vcpu_destroy;
	}
	smp_wmb();
	__atomic_store_n(&kvm->online_vcpus, kvm->online_vcpus + 1, __ATOMIC_RELAXED);
	mutex_unlock(&kvm->lock);
	return r;

unlock_vcpu_destroy:
	mutex_unlock(&kvm->lock);
	kvm_arch_vcpu_destroy(vcpu);
vcpu_free_run_page:
	free_pages((unsigned long)vcpu->run, 0);
vcpu_free:
	kmem_cache_free(kvm_vcpu_cache, vcpu);
vcpu_decrement:
	mutex_lock(&kvm->lock);
	kvm->created_vcpus--;
	mutex_unlock(&kvm->lock);
	return r;
}

void kvm_free_vcpus(struct kvm *kvm)
{
	for (int i = 0; i < kvm->online_vcpus; i++) {
		struct kvm_vcpu *vcpu = kvm->vcpu_array[i];

		kvm_arch_vcpu_destroy(vcpu);
		free_pages((unsigned long)vcpu->run, 0);
		kmem_cache_free(kvm_vcpu_cache, vcpu);
		kvm->vcpu_array[i] = NULL;
	}
	kvm->online_vcpus = 0;
}

/* ---- memory slots and the dirty log ------------------------------------------------- */

static bool slots_overlap(const struct kvm_memory_slot *a, uint64_t base_gfn, unsigned long npages)
{
	return a->npages && base_gfn < a->base_gfn + a->npages && a->base_gfn < base_gfn + npages;
}

/*
 * KVM_SET_USER_MEMORY_REGION (kvm_set_memory_region()): KVM's checks on
 * the region, then the slot created, changed or (size 0) deleted under
 * slots_lock. There is no MMU yet: nothing maps the slot for the guest.
 */
static int kvm_set_memory_region(struct kvm *kvm, const struct kvm_userspace_memory_region *mem)
{
	unsigned long npages = (unsigned long)(mem->memory_size >> PAGE_SHIFT);
	uint64_t base_gfn = mem->guest_phys_addr >> PAGE_SHIFT;
	struct kvm_memory_slot *slot;

	if (mem->flags & ~(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY))
		return -EINVAL;
	if ((mem->memory_size & (PAGE_SIZE - 1)) || (mem->guest_phys_addr & (PAGE_SIZE - 1)) ||
	    (mem->userspace_addr & (PAGE_SIZE - 1)))
		return -EINVAL;
	/* The user range must be user space (KVM's access_ok()), whole. */
	if (!access_ok((const void __user *)(uintptr_t)mem->userspace_addr, mem->memory_size))
		return -EINVAL;
	if (mem->slot >= KVM_USER_MEM_SLOTS)
		return -EINVAL;
	if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr)
		return -EINVAL;
	slot = &kvm->memslots[mem->slot];
	if (!npages) {
		kfree(slot->dirty_bitmap);
		memset(slot, 0, sizeof(*slot));
		/* Nothing may still use the slot's translations: every vCPU flushes (KVM_REQ_TLB_FLUSH). */
		kvm_make_all_cpus_request(kvm, KVM_REQ_TLB_FLUSH);
		return 0;
	}
	for (int i = 0; i < KVM_USER_MEM_SLOTS; i++)
		if (i != (int)mem->slot && slots_overlap(&kvm->memslots[i], base_gfn, npages))
			return -EEXIST;
	kfree(slot->dirty_bitmap);
	slot->dirty_bitmap = NULL;
	if (mem->flags & KVM_MEM_LOG_DIRTY_PAGES) {
		slot->dirty_bitmap = kzalloc((npages + BITS_PER_LONG - 1) / BITS_PER_LONG *
					     sizeof(unsigned long), GFP_KERNEL_ACCOUNT);
		if (!slot->dirty_bitmap)
			return -ENOMEM;
	}
	slot->base_gfn = base_gfn;
	slot->npages = npages;
	slot->userspace_addr = (unsigned long)mem->userspace_addr;
	slot->flags = mem->flags;
	return 0;
}

static int kvm_vm_ioctl_set_memory_region(struct kvm *kvm, unsigned long arg)
{
	struct kvm_userspace_memory_region mem;
	int r;

	if (copy_from_user(&mem, (const void __user *)arg, sizeof(mem)))
		return -EFAULT;
	mutex_lock(&kvm->slots_lock);
	r = kvm_set_memory_region(kvm, &mem);
	mutex_unlock(&kvm->slots_lock);
	return r;
}

/*
 * KVM_GET_DIRTY_LOG (kvm_get_dirty_log_protect()): the arch layer first
 * makes the vCPUs flush what they logged (with PML: a kick to each, seed
 * 003's reader of vcpu->cpu), then the bitmap is copied out and cleared.
 */
static int kvm_vm_ioctl_get_dirty_log(struct kvm *kvm, unsigned long arg)
{
	struct kvm_memory_slot *slot;
	struct kvm_dirty_log log;
	unsigned long n;
	int r = 0;

	if (copy_from_user(&log, (const void __user *)arg, sizeof(log)))
		return -EFAULT;
	if (log.slot >= KVM_USER_MEM_SLOTS)
		return -EINVAL;
	mutex_lock(&kvm->slots_lock);
	slot = &kvm->memslots[log.slot];
	if (!slot->npages || !slot->dirty_bitmap) {
		r = -ENOENT;
		goto out;
	}
	kvm_arch_sync_dirty_log(kvm, slot);
	n = (slot->npages + BITS_PER_LONG - 1) / BITS_PER_LONG * sizeof(unsigned long);
	if (copy_to_user(log.dirty_bitmap, slot->dirty_bitmap, n))
		r = -EFAULT;
	else
		memset(slot->dirty_bitmap, 0, n);
out:
	mutex_unlock(&kvm->slots_lock);
	return r;
}

void kvm_free_memslots(struct kvm *kvm)
{
	for (int i = 0; i < KVM_USER_MEM_SLOTS; i++) {
		kfree(kvm->memslots[i].dirty_bitmap);
		memset(&kvm->memslots[i], 0, sizeof(kvm->memslots[i]));
	}
}

static int kvm_vm_release(struct file *filp)
{
	kvm_put_kvm(filp->private_data);
	return 0;
}

static long kvm_vm_ioctl_check_extension(long ext)
{
	switch (ext) {
	case KVM_CAP_USER_MEMORY:
	case KVM_CAP_EXT_CPUID:
	case KVM_CAP_IRQCHIP:
	case KVM_CAP_SET_GUEST_DEBUG:
	case KVM_CAP_SIGNAL_MSI:
	case KVM_CAP_ENABLE_CAP_VM:
	case KVM_CAP_SPLIT_IRQCHIP:
	case KVM_CAP_HALT_POLL:
		return 1;
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		return KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET;
	case KVM_CAP_NR_VCPUS:
	case KVM_CAP_MAX_VCPUS:
		return KVM_MAX_VCPUS;
	case KVM_CAP_MAX_VCPU_ID:
		return KVM_MAX_VCPU_IDS;
	default:
		return 0;
	}
}

/*
 * KVM_ENABLE_CAP on a VM: the generic capabilities here with KVM's
 * argument checks, the rest the arch's (KVM's kvm_vm_ioctl_enable_cap_generic()).
 * KVM_CAP_DIRTY_LOG_RING is not modelled, so it goes to the arch and fails there.
 */
static int kvm_vm_ioctl_enable_cap_generic(struct kvm *kvm, const struct kvm_enable_cap *cap)
{
	uint64_t allowed_options;

	switch (cap->cap) {
	case KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2:
		allowed_options = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
		if (cap->args[0] & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)
			allowed_options |= KVM_DIRTY_LOG_INITIALLY_SET;
		if (cap->flags || (cap->args[0] & ~allowed_options))
			return -EINVAL;
		kvm->manual_dirty_log_protect = cap->args[0];
		return 0;
	case KVM_CAP_HALT_POLL:
		if (cap->flags || cap->args[0] != (unsigned int)cap->args[0])
			return -EINVAL;
		kvm->max_halt_poll_ns = (unsigned int)cap->args[0];
		return 0;
	default:
		return kvm_vm_ioctl_enable_cap(kvm, cap);
	}
}

static long kvm_vm_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	struct kvm *kvm = filp->private_data;
	struct kvm_enable_cap cap;
	struct kvm_msi msi;

	switch (ioctl) {
	case KVM_ENABLE_CAP:
		if (copy_from_user(&cap, (const void __user *)arg, sizeof(cap)))
			return -EFAULT;
		return kvm_vm_ioctl_enable_cap_generic(kvm, &cap);
	case KVM_SIGNAL_MSI:
		if (copy_from_user(&msi, (const void __user *)arg, sizeof(msi)))
			return -EFAULT;
		return kvm_send_userspace_msi(kvm, &msi);
	case KVM_CREATE_VCPU:
		return kvm_vm_ioctl_create_vcpu(kvm, (uint32_t)arg);
	case KVM_CHECK_EXTENSION:
		return kvm_vm_ioctl_check_extension((long)arg);
	case KVM_SET_USER_MEMORY_REGION:
		return kvm_vm_ioctl_set_memory_region(kvm, arg);
	case KVM_GET_DIRTY_LOG:
		return kvm_vm_ioctl_get_dirty_log(kvm, arg);
	default:
		return kvm_arch_vm_ioctl(kvm, ioctl, arg);
	}
}

static const struct file_operations kvm_vm_fops = {
	.release = kvm_vm_release,
	.unlocked_ioctl = kvm_vm_ioctl,
};

static int kvm_dev_ioctl_create_vm(unsigned long type)
{
	struct kvm *kvm = kvm_create_vm(type);
	int fd;

	if (IS_ERR(kvm))
		return (int)PTR_ERR(kvm);
	fd = anon_inode_getfd("kvm-vm", &kvm_vm_fops, kvm, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kvm_put_kvm(kvm);
	return fd;
}

static long kvm_dev_ioctl(struct file *filp, unsigned int ioctl, unsigned long arg)
{
	(void)filp;
	switch (ioctl) {
	case KVM_GET_API_VERSION:
		return arg ? -EINVAL : KVM_API_VERSION;
	case KVM_CREATE_VM:
		return kvm_dev_ioctl_create_vm(arg);
	case KVM_CHECK_EXTENSION:
		return kvm_vm_ioctl_check_extension((long)arg);
	case KVM_GET_VCPU_MMAP_SIZE:
		return arg ? -EINVAL : (long)PAGE_SIZE;
	default:
		return kvm_arch_dev_ioctl(ioctl, arg);
	}
}

static const struct file_operations kvm_chardev_ops = {
	.unlocked_ioctl = kvm_dev_ioctl,
};

static struct miscdevice kvm_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kvm",
	.fops = &kvm_chardev_ops,
};

/* ---- requests and kicks ---------------------------------------------------------- */

void kvm_make_request(int req, struct kvm_vcpu *vcpu)
{
	/* Paired with the smp_mb() in kvm_check_request()'s caller (vcpu_enter_guest). */
	smp_wmb();
	trace_kvm_make_request(vcpu->vcpu_id, req & KVM_REQUEST_MASK);
	set_bit(req & KVM_REQUEST_MASK, &vcpu->requests);
}

bool kvm_check_request(int req, struct kvm_vcpu *vcpu)
{
	if (!test_bit(req & KVM_REQUEST_MASK, &vcpu->requests))
		return false;
	trace_kvm_check_request(vcpu->vcpu_id, req & KVM_REQUEST_MASK);
	clear_bit(req & KVM_REQUEST_MASK, &vcpu->requests);
	/* Paired with kvm_make_request()'s smp_wmb(): the request's data is seen. */
	smp_mb__after_atomic();
	return true;
}

bool kvm_request_pending(struct kvm_vcpu *vcpu)
{
	return READ_ONCE(vcpu->requests) != 0;
}

/* The vCPU is in guest mode: move it to EXITING, and kick it if that worked. */
static int kvm_vcpu_exiting_guest_mode(struct kvm_vcpu *vcpu)
{
	/* Paired with vcpu_enter_guest()'s barrier after the IN_GUEST_MODE store. */
	smp_mb__before_atomic();
	return cmpxchg(&vcpu->mode, IN_GUEST_MODE, EXITING_GUEST_MODE);
}

/* Wake the vCPU if it is blocked in kvm_vcpu_block() (halted with an in-kernel APIC). */
bool kvm_vcpu_wake_up(struct kvm_vcpu *vcpu)
{
	if (!rcuwait_wake_up(&vcpu->wait))
		return false;
	debugfs_add(&kvm_debugfs.halt_wakeup, 1);
	return true;
}

/*
 * Kick a running vCPU out of guest mode (seed 003). Pre-fix, vcpu->cpu is
 * read before the mode check, racing with kvm_arch_vcpu_load()'s write
 * when the vCPU migrates; kick-read-once reads it once, after.
 */
void kvm_vcpu_kick(struct kvm_vcpu *vcpu)
{
	int me, cpu = 0, sent = -1;

	if (!hv_flag(HV_KICK_READ_ONCE))
		cpu = vcpu->cpu;
	if (kvm_vcpu_wake_up(vcpu))
		return;
	me = (int)get_cpu();
	if (kvm_vcpu_exiting_guest_mode(vcpu) == IN_GUEST_MODE) {
		if (hv_flag(HV_KICK_READ_ONCE))
			cpu = READ_ONCE(vcpu->cpu);
		if (cpu != me && (unsigned int)cpu < nr_cpu_ids && cpu_online((unsigned int)cpu)) {
			smp_send_reschedule(cpu);
			sent = cpu;
		}
	}
	put_cpu();
	trace_kvm_vcpu_kick(vcpu->vcpu_id, sent);
}

/*
 * Does the requester have to interrupt the vCPU? In guest mode always (it
 * moves it to EXITING); for a waiting request also while it is on its way
 * in or out (KVM's kvm_request_needs_ipi()).
 */
static bool kvm_request_needs_ipi(struct kvm_vcpu *vcpu, unsigned int req)
{
	int mode = kvm_vcpu_exiting_guest_mode(vcpu);

	if (req & KVM_REQUEST_WAIT)
		return mode != OUTSIDE_GUEST_MODE;
	return mode == IN_GUEST_MODE;
}

/* The IPI's function: nothing to do, the interrupt itself is the point. */
static void ack_kick(void *info)
{
	(void)info;
}

/*
 * Make @req on every vCPU and interrupt those in (or entering or leaving)
 * guest mode, waiting for them with KVM_REQUEST_WAIT. Seed 003's second
 * reader: pre-fix vcpu->cpu is read before the mode check; kick-read-once
 * reads it once, after (KVM's kvm_make_vcpus_request_mask()).
 */
bool kvm_make_vcpus_request_mask(struct kvm *kvm, unsigned int req, const unsigned long *vcpu_bitmap)
{
	struct cpumask cpus = { 0 };
	struct kvm_vcpu *vcpu;
	int i, cpu, me;

	me = (int)get_cpu();
	kvm_for_each_vcpu(i, vcpu, kvm) {
		if (vcpu_bitmap && !test_bit(i, vcpu_bitmap))
			continue;
		kvm_make_request((int)req, vcpu);
		cpu = hv_flag(HV_KICK_READ_ONCE) ? -1 : vcpu->cpu;
		if (!(req & KVM_REQUEST_NO_WAKEUP) && kvm_vcpu_wake_up(vcpu))
			continue;
		if (!kvm_request_needs_ipi(vcpu, req))
			continue;
		if (hv_flag(HV_KICK_READ_ONCE))
			cpu = READ_ONCE(vcpu->cpu);
		if (cpu != -1 && cpu != me)
			cpus.bits |= 1ULL << cpu;
	}
	if (cpus.bits)
		smp_call_function_many(&cpus, ack_kick, NULL, !!(req & KVM_REQUEST_WAIT));
	put_cpu();
	return cpus.bits != 0;
}

bool kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req)
{
	return kvm_make_vcpus_request_mask(kvm, req, NULL);
}

/* ---- module init ------------------------------------------------------------------ */

static void check_processor_compat(void *rtn)
{
	*(int *)rtn = kvm_arch_check_processor_compat();
}

static int kvm_init(void)
{
	unsigned int cpu;
	int r;

	r = hv_variant_setup();
	if (r)
		return r;
	r = kvm_arch_hardware_setup();
	if (r)
		return r;
	for_each_online_cpu(cpu) {
		smp_call_function_single((int)cpu, check_processor_compat, &r, 1);
		if (r < 0)
			return r;
	}
	kvm_preempt_ops.sched_in = kvm_sched_in;
	kvm_preempt_ops.sched_out = kvm_sched_out;
	if (hv_flag(HV_HOTPLUG_ONLINE_SECTION))
		r = cpuhp_setup_state_nocalls(CPUHP_AP_KVM_ONLINE, "kvm/cpu:online",
					      kvm_online_cpu, kvm_offline_cpu);
	else
		r = cpuhp_setup_state_nocalls(CPUHP_AP_KVM_STARTING, "KVM_STARTING",
					      kvm_online_cpu, kvm_offline_cpu);
	if (r)
		return r;
	/* KVM sizes it for the vendor's vCPU struct; here the vendor's part is apart (vcpu->arch). */
	kvm_vcpu_cache = KMEM_CACHE(kvm_vcpu, SLAB_ACCOUNT);
	if (!kvm_vcpu_cache)
		return -ENOMEM;
	r = misc_register(&kvm_dev);
	if (r)
		goto err_vcpu_cache;
	return 0;

err_vcpu_cache:
	kmem_cache_destroy(kvm_vcpu_cache);
	return r;
}
module_init(kvm_init);
