// SPDX-License-Identifier: MIT
/* User programs of hv/, through the KVM API only. */
#include "kvmprogs.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "hvsim/kernel.h"
#include "hvsim/kvm.h"
#include "hvsim/user.h"

#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define MAP_SHARED	0x01

static struct kvmp_result res;

void kvmp_result(struct kvmp_result *r)
{
	*r = res;
}

void kvmp_lifecycle_task(void *arg)
{
	struct kvm_run *run;
	int kvm, vm, vcpu;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	res.api = sim_sys_ioctl(kvm, KVM_GET_API_VERSION, 0);
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	res.vm = vm;
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	res.vcpu = vcpu;
	res.mmap_size = sim_sys_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = sim_sys_mmap(NULL, (size_t)res.mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   vcpu, 0);
	res.mapped = !IS_ERR(run);
	res.run = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	if (res.mapped) {
		res.exit_reason = READ_ONCE(run->exit_reason);
		res.fail_reason = READ_ONCE(run->fail_entry.hardware_entry_failure_reason);
	}
	res.closes[0] = sim_sys_close(vcpu);
	res.closes[1] = sim_sys_close(vm);
	res.closes[2] = sim_sys_close(kvm);
}

/* Memory slots, the dirty log, capabilities and fd kinds: res.more_errs, in order. */
static void bad_memory_args(int kvm, int vm, int vcpu)
{
	size_t ulen;
	char *umem = sim_user_mem(&ulen);
	struct kvm_userspace_memory_region *r = (void *)umem;
	struct kvm_dirty_log *log = (void *)(umem + 64);
	uintptr_t page = ((uintptr_t)umem + 2 * 4096 - 1) & ~(uintptr_t)4095;
	long *e = res.more_errs;

	*r = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0x10000, .memory_size = 2 * 4096, .userspace_addr = page,
	};
	r->flags = 1U << 7;
	*e++ = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)r);	/* -EINVAL: flags */
	r->flags = 0;
	r->memory_size = 4096 + 8;
	*e++ = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)r);	/* -EINVAL: size */
	r->memory_size = 2 * 4096;
	r->userspace_addr = 0x1000;
	*e++ = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)r);	/* -EINVAL: not user */
	r->userspace_addr = page;
	r->slot = 4096;
	*e++ = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)r);	/* -EINVAL: slot */
	r->slot = 0;
	*e++ = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, 8);		/* -EFAULT */
	*e++ = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)r);	/* 0 */
	r->slot = 1;
	r->guest_phys_addr = 0x11000;
	*e++ = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)r);	/* -EEXIST */
	log->slot = 0;
	log->dirty_bitmap = umem + 128;
	*e++ = sim_sys_ioctl(vm, KVM_GET_DIRTY_LOG, (unsigned long)log);	/* -ENOENT: not logged */
	log->slot = 4096;
	*e++ = sim_sys_ioctl(vm, KVM_GET_DIRTY_LOG, (unsigned long)log);	/* -EINVAL */
	*e++ = sim_sys_ioctl(kvm, KVM_CHECK_EXTENSION, 9999);			/* 0: unknown */
	*e++ = sim_sys_ioctl(kvm, KVM_CREATE_VCPU, 0);				/* -EINVAL: not /dev/kvm's */
	*e++ = sim_sys_ioctl(vcpu, KVM_RUN, 1);					/* -EINVAL: an argument */
	*e++ = sim_sys_ioctl(vm, KVM_GET_REGS, (unsigned long)umem);		/* -ENOTTY: a VM fd */
	*e++ = (long)sim_sys_mmap(NULL, 4096, PROT_READ, MAP_SHARED, vm, 0);	/* -ENODEV */
	*e++ = (long)sim_sys_mmap(NULL, 4096, PROT_READ, MAP_SHARED, vcpu, 4096); /* -EINVAL */
}

void kvmp_bad_args_task(void *arg)
{
	int kvm, vm;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	res.errs[0] = sim_sys_ioctl(kvm, KVM_GET_API_VERSION, 1);	/* -EINVAL */
	res.errs[1] = sim_sys_ioctl(kvm, KVM_CREATE_VM, 7);		/* -EINVAL: no such type */
	res.errs[2] = sim_sys_ioctl(kvm, _IO(KVMIO, 0x7f), 0);		/* -EINVAL: unknown */
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	res.errs[3] = sim_sys_ioctl(vm, KVM_CREATE_VCPU, 1000);		/* -EINVAL: id */
	res.errs[4] = sim_sys_ioctl(vm, KVM_RUN, 0);			/* -ENOTTY: a VM fd */
	res.vcpu = sim_sys_ioctl(vm, KVM_CREATE_VCPU, 1);
	res.errs[5] = sim_sys_ioctl(vm, KVM_CREATE_VCPU, 1);		/* -EEXIST */
	res.errs[6] = sim_sys_ioctl(99, KVM_RUN, 0);			/* -EBADF */
	res.errs[7] = sim_sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);	/* 1 */
	bad_memory_args(kvm, vm, (int)res.vcpu);
	sim_sys_close((int)res.vcpu);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}

/* ---- seed 000: a VM created while a CPU is hot-added ------------------------------ */

void kvmp_vmm_task(void *arg)
{
	bool move = (uintptr_t)arg == 1;
	size_t ulen;
	unsigned long *mask = sim_user_mem(&ulen);	/* the syscall copies it from user memory */
	struct kvm_run *run;
	int kvm, vm, vcpu;

	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	res.vm = vm;
	WRITE_ONCE(res.vm_ready, 1);
	if (move && vm >= 0) {
		vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
		res.vcpu = vcpu;
		run = sim_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
		while (!READ_ONCE(res.added))
			cpu_relax();
		*mask = 1UL << 2;
		res.affinity = sim_sys_sched_setaffinity(0, sizeof(*mask), mask);
		res.run = sim_sys_ioctl(vcpu, KVM_RUN, 0);
		if (!IS_ERR(run)) {
			res.exit_reason = READ_ONCE(run->exit_reason);
			res.fail_reason = READ_ONCE(run->fail_entry.hardware_entry_failure_reason);
		}
		sim_sys_close(vcpu);
	}
	if (vm >= 0)
		sim_sys_close(vm);
	sim_sys_close(kvm);
}

void kvmp_hotadd_task(void *arg)
{
	uintptr_t mode = (uintptr_t)arg;

	if (mode == 1)
		while (!READ_ONCE(res.vm_ready))
			cpu_relax();
	res.add_ret = add_cpu(2);
	res.online = cpu_online(2);
	if (mode == 2 && res.add_ret)
		res.readd_ret = add_cpu(2);
	WRITE_ONCE(res.added, 1);
}

/* ---- seed 003: kicking a vCPU that migrates ------------------------------------ */

#define KICK_RUNS	3

void kvmp_migrating_vcpu_task(void *arg)
{
	size_t ulen;
	unsigned long *mask = sim_user_mem(&ulen);
	int kvm, vm, vcpu;

	int runs = arg ? (int)(uintptr_t)arg : KICK_RUNS;

	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	res.vcpu = vcpu;
	WRITE_ONCE(res.vm_fd, vm);
	WRITE_ONCE(res.vm_ready, 1);
	for (int i = 0; i < runs && i < 4; i++) {
		*mask = 1UL << (i % 2);
		sim_sys_sched_setaffinity(0, sizeof(*mask), mask);
		res.runs[i] = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	}
	WRITE_ONCE(res.vcpu_done, 1);
	/* The other task still uses the VM: it closes it. */
	sim_sys_close(vcpu);
	sim_sys_close(kvm);
}

/*
 * A kicker of seed 003: the vCPU task's process, on CPU 2 of its own (the
 * model has no timed tick: sharing would only add schedules), once the VM exists. Its user
 * memory: the vCPU task's affinity mask at 0, its own at 8, a memory-slot
 * region at 64, a dirty-log request at 128, the bitmap at 256, and the
 * slot's pages from the second page on. Returns the VM's fd.
 */
static int kicker_start(char **umem, struct kvm_userspace_memory_region **region)
{
	size_t ulen;
	unsigned long *mask;

	*umem = sim_user_mem(&ulen);
	mask = (void *)(*umem + 8);
	*region = (void *)(*umem + 64);
	*mask = 1UL << 2;
	sim_sys_sched_setaffinity(0, sizeof(*mask), mask);
	while (!READ_ONCE(res.vm_ready))
		cpu_relax();
	(*region)->userspace_addr = ((uintptr_t)*umem + 2 * 4096 - 1) & ~(uintptr_t)4095;
	(*region)->memory_size = 4 * 4096;
	return READ_ONCE(res.vm_fd);
}

/* The vCPU task is done with the VM: the kicker closes it. */
static void kicker_end(int vm)
{
	while (!READ_ONCE(res.vcpu_done))
		cpu_relax();
	sim_sys_close(vm);
}

void kvmp_dirty_log_task(void *arg)
{
	struct kvm_userspace_memory_region *region;
	struct kvm_dirty_log *log;
	char *umem;
	int vm;

	int reads = arg ? (int)(uintptr_t)arg : 6;

	vm = kicker_start(&umem, &region);
	region->slot = 0;
	region->flags = KVM_MEM_LOG_DIRTY_PAGES;
	res.slot_ret = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)region);
	log = (void *)(umem + 128);
	log->slot = 0;
	log->dirty_bitmap = umem + 256;
	/* Read the log while the vCPU runs and moves, as a migrating VMM's dirty tracking does. */
	for (int i = 0; i < reads && !READ_ONCE(res.vcpu_done); i++) {
		long r = sim_sys_ioctl(vm, KVM_GET_DIRTY_LOG, (unsigned long)log);

		if (i < 4)
			res.log_ret[i] = r;
	}
	kicker_end(vm);
}

/* ---- seed 001: the VM-add hook fails ------------------------------------------------- */

void kvmp_failing_vm_task(void *arg)
{
	int kvm;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	/* The 1st fallible call is the VM's own allocation; the 2nd, the MMU's post-init one. */
	sim_sys_set_fail_nth(2);
	res.fail_vm = sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	if (res.fail_vm >= 0)
		sim_sys_close((int)res.fail_vm);
	sim_sys_close(kvm);
}

/* ---- registers ----------------------------------------------------------------------- */

void kvmp_regs_task(void *arg)
{
	size_t ulen;
	struct kvm_regs *regs = sim_user_mem(&ulen);	/* copy_to/from_user: user memory */
	int kvm, vm, vcpu;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	res.get_ret = sim_sys_ioctl(vcpu, KVM_GET_REGS, (unsigned long)regs);
	res.rip0 = regs->rip;
	regs->rip = 0x200000;
	regs->rsp = 0x9000;
	res.set_ret = sim_sys_ioctl(vcpu, KVM_SET_REGS, (unsigned long)regs);
	res.run = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	sim_sys_ioctl(vcpu, KVM_GET_REGS, (unsigned long)regs);
	res.rip_after = regs->rip;
	res.rsp_after = regs->rsp;
	res.bad_get = sim_sys_ioctl(vcpu, KVM_GET_REGS, 8);	/* not user memory */
	res.bad_set = sim_sys_ioctl(vcpu, KVM_SET_REGS, 8);
	res.bad_vcpu_ioctl = sim_sys_ioctl(vcpu, _IO(KVMIO, 0xff), 0);
	sim_sys_close(vcpu);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}

void kvmp_slot_churn_task(void *arg)
{
	struct kvm_userspace_memory_region *region;
	char *umem;
	int vm;

	int rounds = arg ? (int)(uintptr_t)arg : 3;

	vm = kicker_start(&umem, &region);
	region->slot = 1;
	region->guest_phys_addr = 0x100000;
	for (int i = 0; i < rounds && !READ_ONCE(res.vcpu_done); i++) {
		long r;

		region->memory_size = 4 * 4096;
		r = sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)region);
		if (i < 4)
			res.log_ret[i] = r;
		region->memory_size = 0;	/* deleting it flushes every vCPU's TLB */
		sim_sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, (unsigned long)region);
	}
	kicker_end(vm);
}

void kvmp_sregs_task(void *arg)
{
	size_t ulen;
	struct kvm_sregs *sregs = sim_user_mem(&ulen);
	struct kvm_run *run;
	uint64_t efer;
	int kvm, vm, vcpu;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	run = sim_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	res.sget_ret = sim_sys_ioctl(vcpu, KVM_GET_SREGS, (unsigned long)sregs);
	res.cs_l = sregs->cs.l;
	res.ds_present = sregs->ds.present;
	res.efer = sregs->efer;
	res.apic_base = sregs->apic_base;
	res.sset_same = sim_sys_ioctl(vcpu, KVM_SET_SREGS, (unsigned long)sregs);
	/* EFER.LMA without EFER.LME: refused. */
	efer = sregs->efer;
	sregs->efer = (efer & ~(1ULL << 8)) | (1ULL << 10);
	res.sset_bad = sim_sys_ioctl(vcpu, KVM_SET_SREGS, (unsigned long)sregs);
	sregs->efer = efer;
	sregs->ds.selector = 0x18;
	res.sset_ds = sim_sys_ioctl(vcpu, KVM_SET_SREGS, (unsigned long)sregs);
	res.srun = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	if (!IS_ERR(run))
		res.sexit = READ_ONCE(run->exit_reason);
	sim_sys_ioctl(vcpu, KVM_GET_SREGS, (unsigned long)sregs);
	res.ds_sel_after = sregs->ds.selector;
	sim_sys_close(vcpu);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}
