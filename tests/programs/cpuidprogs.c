// SPDX-License-Identifier: MIT
/* User programs of hv/'s CPUID and MMU, through the KVM API only. */
#include "cpuidprogs.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hvsim/kernel.h"
#include "hvsim/user.h"

static struct cpuidp_result res;

void cpuidp_result(struct cpuidp_result *r)
{
	*r = res;
}

/*
 * The process's user memory: two CPUID tables (each a header and
 * KVM_MAX_CPUID_ENTRIES entries), then the MMU-root records.
 */
#define TABLE_BYTES	(sizeof(struct kvm_cpuid2) + \
			 KVM_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2))

struct umem {
	struct kvm_cpuid2 *a, *b;
	struct kvm_hvsim_mmu_root *root;
	char *base;
	size_t len;
};

static struct umem umem_get(void)
{
	struct umem u;

	u.base = sim_user_mem(&u.len);
	u.a = (void *)u.base;
	u.b = (void *)(u.base + 16384);
	u.root = (void *)(u.base + 32768);
	return u;
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *t, uint32_t function)
{
	for (uint32_t i = 0; i < t->nent; i++)
		if (t->entries[i].function == function)
			return &t->entries[i];
	return NULL;
}

static uint32_t table_maxphyaddr(struct kvm_cpuid2 *t)
{
	struct kvm_cpuid_entry2 *e = find(t, 0x80000008u);

	return e ? e->eax & 0xff : 0;
}

/* MAXPHYADDR @bits in the table's 0x80000008 EAX[7:0]; GBPAGES (0x80000001 EDX[26]) as @gbpages. */
static void table_set_paging(struct kvm_cpuid2 *t, uint32_t bits, bool gbpages)
{
	struct kvm_cpuid_entry2 *e = find(t, 0x80000008u);

	if (e)
		e->eax = (e->eax & ~0xffu) | bits;
	e = find(t, 0x80000001u);
	if (e)
		e->edx = gbpages ? e->edx | (1u << 26) : e->edx & ~(1u << 26);
}

/* /dev/kvm's supported table into @t; the fd of a new VM. */
static int open_vm(int *kvm, struct kvm_cpuid2 *t)
{
	struct kvm_cpuid_entry2 *e;

	*kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	t->nent = KVM_MAX_CPUID_ENTRIES;
	res.supported = sim_sys_ioctl(*kvm, KVM_GET_SUPPORTED_CPUID, (unsigned long)t);
	res.supported_nent = t->nent;
	res.host_maxphyaddr = table_maxphyaddr(t);
	e = find(t, 0x80000001u);
	res.host_gbpages = e && (e->edx & (1u << 26));
	return (int)sim_sys_ioctl(*kvm, KVM_CREATE_VM, 0);
}

static void copy_table(struct kvm_cpuid2 *to, const struct kvm_cpuid2 *from)
{
	memcpy(to, from, sizeof(*from) + from->nent * sizeof(from->entries[0]));
}

static long get_root(int vcpu, struct umem *u, struct kvm_hvsim_mmu_root *out)
{
	long r = sim_sys_ioctl(vcpu, KVM_HVSIM_GET_MMU_ROOT, (unsigned long)u->root);

	*out = *u->root;
	return r;
}

void cpuidp_change_after_run_task(void *arg)
{
	struct umem u = umem_get();
	int kvm, vm, vcpu;

	(void)arg;
	vm = open_vm(&kvm, u.a);
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	res.set_before[0] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.a);
	res.root_ret[0] = get_root(vcpu, &u, &res.root[0]);
	res.runs[0] = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	res.root_ret[1] = get_root(vcpu, &u, &res.root[1]);

	copy_table(u.b, u.a);
	table_set_paging(u.b, 36, res.host_gbpages);
	res.set_changed = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.b);
	u.b->nent = KVM_MAX_CPUID_ENTRIES;
	res.get = sim_sys_ioctl(vcpu, KVM_GET_CPUID2, (unsigned long)u.b);
	res.get_nent = u.b->nent;
	res.get_maxphyaddr = table_maxphyaddr(u.b);
	res.set_same = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.b);
	res.runs[1] = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	res.root_ret[2] = get_root(vcpu, &u, &res.root[2]);
	sim_sys_close(vcpu);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}

void cpuidp_set_again_task(void *arg)
{
	unsigned int n = (unsigned int)(uintptr_t)arg;
	struct umem u = umem_get();
	int kvm, vm, vcpu;

	if (n > CPUIDP_MAX_SETS)
		n = CPUIDP_MAX_SETS;
	vm = open_vm(&kvm, u.a);
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	res.set_before[0] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.a);
	res.set_before[1] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.a);
	res.runs[0] = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	for (unsigned int i = 0; i < n; i++)
		res.sets[i] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.a);
	sim_sys_close(vcpu);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}

void cpuidp_two_vcpus_task(void *arg)
{
	struct umem u = umem_get();
	int kvm, vm, vcpu[2];

	(void)arg;
	vm = open_vm(&kvm, u.a);
	copy_table(u.b, u.a);
	table_set_paging(u.a, 46, true);
	table_set_paging(u.b, 39, false);
	vcpu[0] = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	vcpu[1] = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 1);
	res.set_before[0] = sim_sys_ioctl(vcpu[0], KVM_SET_CPUID2, (unsigned long)u.a);
	res.set_before[1] = sim_sys_ioctl(vcpu[1], KVM_SET_CPUID2, (unsigned long)u.b);
	res.runs[0] = sim_sys_ioctl(vcpu[0], KVM_RUN, 0);
	res.runs[1] = sim_sys_ioctl(vcpu[1], KVM_RUN, 0);
	res.root_ret[0] = get_root(vcpu[0], &u, &res.vcpu_root[0]);
	res.root_ret[1] = get_root(vcpu[1], &u, &res.vcpu_root[1]);
	sim_sys_close(vcpu[1]);
	sim_sys_close(vcpu[0]);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}

void cpuidp_errors_task(void *arg)
{
	struct umem u = umem_get();
	struct kvm_cpuid2 *edge = (void *)(u.base + u.len - sizeof(struct kvm_cpuid2));
	int kvm, vm, vcpu;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	u.a->nent = 0;
	res.errs[0] = sim_sys_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, (unsigned long)u.a);
	u.a->nent = 1;
	res.errs[1] = sim_sys_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, (unsigned long)u.a);
	res.errs[2] = sim_sys_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, 16);
	/* More than KVM_MAX_CPUID_ENTRIES: taken as the maximum. */
	u.a->nent = 300;
	res.errs[3] = sim_sys_ioctl(kvm, KVM_GET_SUPPORTED_CPUID, (unsigned long)u.a);
	res.supported_nent = u.a->nent;
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);

	u.b->nent = KVM_MAX_CPUID_ENTRIES + 1;
	res.errs[4] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.b);
	/* The header in user memory, its entries past it. */
	edge->nent = 2;
	res.errs[5] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)edge);
	/* A linear-address width (0x80000008 EAX[15:8]) other than 48 or 57. */
	copy_table(u.b, u.a);
	find(u.b, 0x80000008u)->eax = (find(u.b, 0x80000008u)->eax & ~0xff00u) | 50u << 8;
	res.errs[6] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.b);
	/* No table yet: an empty one. */
	u.b->nent = 0;
	res.errs[7] = sim_sys_ioctl(vcpu, KVM_GET_CPUID2, (unsigned long)u.b);
	res.get_nent = u.b->nent;
	res.set_before[0] = sim_sys_ioctl(vcpu, KVM_SET_CPUID2, (unsigned long)u.a);
	u.b->nent = 1;
	res.errs[8] = sim_sys_ioctl(vcpu, KVM_GET_CPUID2, (unsigned long)u.b);
	res.errs[9] = sim_sys_ioctl(vcpu, KVM_GET_CPUID2, 16);
	res.errs[10] = sim_sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_EXT_CPUID);
	res.errs[11] = sim_sys_ioctl(vm, KVM_SET_CPUID2, (unsigned long)u.a);
	/* What KVM_GET_CPUID2 gives back is what was set. */
	u.b->nent = KVM_MAX_CPUID_ENTRIES;
	res.get = sim_sys_ioctl(vcpu, KVM_GET_CPUID2, (unsigned long)u.b);
	res.get_maxphyaddr = u.b->nent == u.a->nent &&
			     !memcmp(u.b->entries, u.a->entries, u.a->nent * sizeof(u.a->entries[0]));
	sim_sys_close(vcpu);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}
