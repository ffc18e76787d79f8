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
