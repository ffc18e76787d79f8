// SPDX-License-Identifier: MIT
/*
 * The vCPU's CPUID model, in the role of KVM's arch/x86/kvm/cpuid.c:
 * KVM_SET_CPUID2 and KVM_GET_CPUID2 on a vCPU fd (under vcpu->mutex, the
 * vCPU loaded, as KVM's kvm_arch_vcpu_ioctl), KVM_GET_SUPPORTED_CPUID on
 * /dev/kvm, and the look-ups the MMU makes (MAXPHYADDR, GBPAGES).
 *
 * Seed 002, by generation (variant.c):
 *  - before cpuid-after-run-warn (Linux 5.13 and older): a new table is
 *    taken whenever it comes, the MMU context is reset, nothing is said;
 *  - cpuid-after-run-warn (5.14): the same, and after the vCPU's first
 *    KVM_RUN a rate-limited warning (kvm_mmu_after_set_cpuid);
 *  - cpuid-after-run-reject (5.17, early 2022): after the first KVM_RUN
 *    only the table the vCPU already has is accepted, and nothing changes;
 *    any other is -EINVAL.
 *
 * Lock ordering: vcpu->mutex (the ioctl's) only.
 */
#define KBUILD_MODNAME "kvm"

#include "cpuid.h"

#include <string.h>

#include "hvsim/hw.h"
#include "mmu.h"
#include "variant.h"
#include "x86.h"

/* Leaves (SDM Vol. 2A, CPUID) and KVM's own (Documentation/virt/kvm/x86/cpuid.rst). */
#define CPUID_EXT_BASE		0x80000000u
#define CPUID_EXT_FEATURES	0x80000001u
#define CPUID_EXT_APM		0x80000007u
#define CPUID_ADDR_SIZES	0x80000008u
#define KVM_CPUID_SIGNATURE	0x40000000u
#define KVM_CPUID_FEATURES	0x40000001u

/* Leaf 80000001H EDX: NX (bit 20), 1-GByte pages (bit 26). */
#define CPUID_EXT_EDX_NX	(1u << 20)
#define CPUID_EXT_EDX_GBPAGES	(1u << 26)

/* MAXPHYADDR when the table has no leaf 80000008H (KVM's default). */
#define DEFAULT_MAXPHYADDR	36

struct kvm_cpuid_entry2 *kvm_find_cpuid_entry(struct kvm_vcpu *vcpu, uint32_t function,
					      uint32_t index)
{
	for (int i = 0; i < vcpu->cpuid_nent; i++) {
		struct kvm_cpuid_entry2 *e = &vcpu->cpuid_entries[i];

		if (e->function == function &&
		    (e->index == index || !(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)))
			return e;
	}
	return NULL;
}

int cpuid_query_maxphyaddr(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *best = kvm_find_cpuid_entry(vcpu, CPUID_EXT_BASE, 0);

	if (!best || best->eax < CPUID_ADDR_SIZES)
		return DEFAULT_MAXPHYADDR;
	best = kvm_find_cpuid_entry(vcpu, CPUID_ADDR_SIZES, 0);
	return best ? (int)(best->eax & 0xff) : DEFAULT_MAXPHYADDR;
}

bool guest_cpuid_has_gbpages(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = kvm_find_cpuid_entry(vcpu, CPUID_EXT_FEATURES, 0);

	return e && (e->edx & CPUID_EXT_EDX_GBPAGES);
}

bool guest_cpuid_has_nx(struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid_entry2 *e = kvm_find_cpuid_entry(vcpu, CPUID_EXT_FEATURES, 0);

	return e && (e->edx & CPUID_EXT_EDX_NX);
}

void kvm_vcpu_free_cpuid(struct kvm_vcpu *vcpu)
{
	kvfree(vcpu->cpuid_entries);
	vcpu->cpuid_entries = NULL;
	vcpu->cpuid_nent = 0;
}

/* ---- KVM_SET_CPUID2 / KVM_GET_CPUID2 ---------------------------------------------- */

/* A table KVM refuses whatever the time (5.14's kvm_check_cpuid): linear-address width. */
static int kvm_check_cpuid(const struct kvm_cpuid_entry2 *e2, int nent)
{
	for (int i = 0; i < nent; i++) {
		if (e2[i].function == CPUID_ADDR_SIZES) {
			uint32_t vaddr_bits = (e2[i].eax >> 8) & 0xff;

			if (vaddr_bits != 48 && vaddr_bits != 57 && vaddr_bits != 0)
				return -EINVAL;
		}
	}
	return 0;
}

/* After the first KVM_RUN only the same table passes (KVM's kvm_cpuid_check_equal). */
static int kvm_cpuid_check_equal(struct kvm_vcpu *vcpu, const struct kvm_cpuid_entry2 *e2,
				 int nent)
{
	if (nent != vcpu->cpuid_nent)
		return -EINVAL;
	for (int i = 0; i < nent; i++) {
		const struct kvm_cpuid_entry2 *orig = &vcpu->cpuid_entries[i];

		if (e2[i].function != orig->function || e2[i].index != orig->index ||
		    e2[i].flags != orig->flags || e2[i].eax != orig->eax ||
		    e2[i].ebx != orig->ebx || e2[i].ecx != orig->ecx || e2[i].edx != orig->edx)
			return -EINVAL;
	}
	return 0;
}

/* The table is the vCPU's now: what derives from it follows (KVM's kvm_vcpu_after_set_cpuid). */
static void kvm_vcpu_after_set_cpuid(struct kvm_vcpu *vcpu)
{
	vcpu->maxphyaddr = cpuid_query_maxphyaddr(vcpu);
	kvm_mmu_after_set_cpuid(vcpu);
}

/* 0 with @e2 the vCPU's (or freed, when equal after a run), or an error with @e2 the caller's. */
static int kvm_set_cpuid(struct kvm_vcpu *vcpu, struct kvm_cpuid_entry2 *e2, int nent)
{
	int r;

	/*
	 * The MMU cannot follow a new MAXPHYADDR or GBPAGES once pages were
	 * made (seed 002), so from the reject generation a vCPU that has run
	 * keeps its table; the same table again is a no-op, since VMMs set it
	 * again on hotplug. The copy is freed here: 5.17's first version left
	 * it to the caller, which freed only on error (a leak, fixed after).
	 */
	if (hv_flag(HV_CPUID_AFTER_RUN_REJECT) && vcpu->last_vmentry_cpu != -1) {
		r = kvm_cpuid_check_equal(vcpu, e2, nent);
		if (r)
			return r;
		kvfree(e2);
		return 0;
	}
	r = kvm_check_cpuid(e2, nent);
	if (r)
		return r;
	kvfree(vcpu->cpuid_entries);
	vcpu->cpuid_entries = e2;
	vcpu->cpuid_nent = nent;
	kvm_vcpu_after_set_cpuid(vcpu);
	return 0;
}

int kvm_vcpu_ioctl_set_cpuid2(struct kvm_vcpu *vcpu, unsigned long arg)
{
	struct kvm_cpuid2 __user *cpuid_arg = (struct kvm_cpuid2 __user *)arg;
	struct kvm_cpuid_entry2 *e2 = NULL;
	struct kvm_cpuid2 cpuid;
	size_t size;
	int r;

	if (copy_from_user(&cpuid, cpuid_arg, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent > KVM_MAX_CPUID_ENTRIES)
		return -E2BIG;
	size = cpuid.nent * sizeof(*e2);
	if (cpuid.nent) {
		e2 = kvzalloc(size, GFP_KERNEL_ACCOUNT);
		if (!e2)
			return -ENOMEM;
		if (copy_from_user(e2, cpuid_arg->entries, size)) {
			kvfree(e2);
			return -EFAULT;
		}
	}
	vcpu_load(vcpu);
	r = kvm_set_cpuid(vcpu, e2, (int)cpuid.nent);
	vcpu_put(vcpu);
	if (r)
		kvfree(e2);
	return r;
}

/* -E2BIG when the user's nent is too small for the table (nent is then not written back). */
int kvm_vcpu_ioctl_get_cpuid2(struct kvm_vcpu *vcpu, unsigned long arg)
{
	struct kvm_cpuid2 __user *cpuid_arg = (struct kvm_cpuid2 __user *)arg;
	struct kvm_cpuid2 cpuid;

	if (copy_from_user(&cpuid, cpuid_arg, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < (uint32_t)vcpu->cpuid_nent)
		return -E2BIG;
	if (vcpu->cpuid_nent &&
	    copy_to_user(cpuid_arg->entries, vcpu->cpuid_entries,
			 (size_t)vcpu->cpuid_nent * sizeof(struct kvm_cpuid_entry2)))
		return -EFAULT;
	cpuid.nent = (uint32_t)vcpu->cpuid_nent;
	if (copy_to_user(cpuid_arg, &cpuid, sizeof(cpuid)))
		return -EFAULT;
	return 0;
}

/* ---- KVM_GET_SUPPORTED_CPUID ------------------------------------------------------ */

/*
 * The feature bits KVM can give a guest (5.14's kvm_set_cpu_caps) where
 * this file masks them: leaf 1 ECX (SSE3, PCLMULQDQ, SSSE3, FMA, CX16,
 * PDCM, PCID, SSE4.1, SSE4.2, x2APIC, MOVBE, POPCNT, AES, XSAVE, AVX,
 * F16C, RDRAND; x2APIC always, KVM emulates it) and leaf 1 EDX (all but
 * bit 10, PSN, DS, ACPI, HTT, TM, bit 30, PBE). No VMX: hv/ has no
 * nested virtualization.
 */
#define KVM_CPUID_1_ECX	0x76fab203u
#define KVM_CPUID_1_EDX	0x0f8bfbffu
#define CPUID_1_ECX_X2APIC	(1u << 21)
/* Leaf 7 EBX: SGX (bit 2) and Intel PT (bit 25), which KVM keeps from guests by default. */
#define CPUID_7_EBX_SGX		(1u << 2)
#define CPUID_7_EBX_INTEL_PT	(1u << 25)
/* Leaf 6 EAX: ARAT (bit 2), the one power-management bit KVM gives. */
#define CPUID_6_EAX_ARAT	(1u << 2)
/* Leaf 80000007H EDX: invariant TSC (bit 8). */
#define CPUID_APM_EDX_INVTSC	(1u << 8)

struct supported_cpuid {
	struct kvm_cpuid_entry2 *entries;
	int maxnent, nent;
	int r;				/* 0, or -E2BIG when the table outgrew maxnent */
};

/* The boot CPU's CPUID for (@function, @index) appended; NULL when full. */
static struct kvm_cpuid_entry2 *do_host_cpuid(struct supported_cpuid *a, uint32_t function,
					      uint32_t index, bool indexed)
{
	struct kvm_cpuid_entry2 *e;

	if (a->nent >= a->maxnent) {
		a->r = -E2BIG;
		return NULL;
	}
	e = &a->entries[a->nent++];
	memset(e, 0, sizeof(*e));
	e->function = function;
	e->index = index;
	e->flags = indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	cpuid_count(function, index, &e->eax, &e->ebx, &e->ecx, &e->edx);
	return e;
}

static void zero_regs(struct kvm_cpuid_entry2 *e)
{
	e->eax = e->ebx = e->ecx = e->edx = 0;
}

/* Subleaves 1... of @function while @more says the previous one was not the last. */
static void do_subleaves(struct supported_cpuid *a, uint32_t function,
			 const struct kvm_cpuid_entry2 *first,
			 bool (*more)(const struct kvm_cpuid_entry2 *e))
{
	const struct kvm_cpuid_entry2 *e = first;

	for (uint32_t i = 1; e && more(e) && i < 64; i++)
		e = do_host_cpuid(a, function, i, true);
}

/* Leaf 4: until the cache type (EAX[4:0]) is 0, that null subleaf included. */
static bool cache_more(const struct kvm_cpuid_entry2 *e)
{
	return e->eax & 0x1f;
}

/* Leaves 0BH and 1FH: until the level type (ECX[15:8]) is 0, that subleaf included. */
static bool topology_more(const struct kvm_cpuid_entry2 *e)
{
	return e->ecx & 0xff00;
}

/* One basic or extended leaf, as KVM's __do_cpuid_func masks it. */
static void do_cpuid_func(struct supported_cpuid *a, uint32_t function)
{
	struct kvm_cpuid_entry2 *e;
	bool indexed = function == 4 || function == 7 || function == 0xb || function == 0xd ||
		       function == 0x1f;

	e = do_host_cpuid(a, function, 0, indexed);
	if (!e)
		return;
	switch (function) {
	case 0:
		e->eax = e->eax < 0x1f ? e->eax : 0x1f;
		break;
	case 1:
		e->ecx = (e->ecx & KVM_CPUID_1_ECX) | CPUID_1_ECX_X2APIC;
		e->edx &= KVM_CPUID_1_EDX;
		break;
	case 3:	/* processor serial number */
	case 5:	/* MONITOR/MWAIT */
		zero_regs(e);
		break;
	case 4:
		do_subleaves(a, function, e, cache_more);
		break;
	case 6:
		e->eax &= CPUID_6_EAX_ARAT;
		e->ebx = e->ecx = e->edx = 0;
		break;
	case 7: {
		uint32_t max = e->eax < 1 ? e->eax : 1;

		e->eax = max;
		e->ebx &= ~(CPUID_7_EBX_SGX | CPUID_7_EBX_INTEL_PT);
		if (max >= 1)
			do_host_cpuid(a, function, 1, true);
		break;
	}
	case 0xb:
	case 0x1f:
		do_subleaves(a, function, e, topology_more);
		break;
	case 0xd: {
		/* Subleaf 1, then one per XSAVE state component the host enables (XCR0). */
		uint64_t xcr0 = e->eax | (uint64_t)e->edx << 32;

		do_host_cpuid(a, function, 1, true);
		for (uint32_t i = 2; i < 64; i++)
			if ((xcr0 >> i) & 1)
				do_host_cpuid(a, function, i, true);
		break;
	}
	case 0x12:	/* SGX: not given */
	case 0x14:	/* Intel PT: not given (pt_mode is system-wide) */
		zero_regs(e);
		break;
	case CPUID_EXT_BASE:
		e->eax = e->eax < 0x8000001f ? e->eax : 0x8000001f;
		break;
	case CPUID_EXT_APM:
		e->eax = e->ebx = e->ecx = 0;
		e->edx &= CPUID_APM_EDX_INVTSC;
		break;
	case CPUID_ADDR_SIZES: {
		/* EPT: the guest's physical width is the host's; linear at least 48. */
		uint32_t phys = e->eax & 0xff, virt = (e->eax >> 8) & 0xff;

		e->eax = phys | (virt > 48 ? virt : 48) << 8;
		e->ecx = e->edx = 0;
		break;
	}
	default:
		break;
	}
}

/* The range from @base to what its first leaf's EAX (masked as above) says. */
static void get_cpuid_func(struct supported_cpuid *a, uint32_t base)
{
	uint32_t limit;
	int first = a->nent;

	do_cpuid_func(a, base);
	if (a->r)
		return;
	limit = a->entries[first].eax;
	for (uint32_t f = base + 1; f <= limit && !a->r; f++)
		do_cpuid_func(a, f);
}

/* KVM's leaves: the signature "KVMKVMKVM\0\0\0" and the paravirtual features (none here). */
static void get_kvm_leaves(struct supported_cpuid *a)
{
	static const char sig[12] = "KVMKVMKVM\0\0";
	struct kvm_cpuid_entry2 *e;

	if (a->nent + 2 > a->maxnent) {
		a->r = -E2BIG;
		return;
	}
	e = &a->entries[a->nent++];
	memset(e, 0, sizeof(*e));
	e->function = KVM_CPUID_SIGNATURE;
	e->eax = KVM_CPUID_FEATURES;
	memcpy(&e->ebx, sig, 4);
	memcpy(&e->ecx, sig + 4, 4);
	memcpy(&e->edx, sig + 8, 4);
	e = &a->entries[a->nent++];
	memset(e, 0, sizeof(*e));
	e->function = KVM_CPUID_FEATURES;
}

/* On the boot CPU: its CPUID, through the kernel's cpuid. */
static void build_supported_cpuid(void *info)
{
	struct supported_cpuid *a = info;

	get_cpuid_func(a, 0);
	if (!a->r)
		get_cpuid_func(a, CPUID_EXT_BASE);
	if (!a->r)
		get_kvm_leaves(a);
}

int kvm_dev_ioctl_get_supported_cpuid(unsigned long arg)
{
	struct kvm_cpuid2 __user *cpuid_arg = (struct kvm_cpuid2 __user *)arg;
	struct supported_cpuid a = { 0 };
	struct kvm_cpuid2 cpuid;
	int r;

	if (copy_from_user(&cpuid, cpuid_arg, sizeof(cpuid)))
		return -EFAULT;
	if (cpuid.nent < 1)
		return -E2BIG;
	if (cpuid.nent > KVM_MAX_CPUID_ENTRIES)
		cpuid.nent = KVM_MAX_CPUID_ENTRIES;
	a.maxnent = (int)cpuid.nent;
	a.entries = kcalloc(cpuid.nent, sizeof(*a.entries), GFP_KERNEL_ACCOUNT);
	if (!a.entries)
		return -ENOMEM;
	r = smp_call_function_single(0, build_supported_cpuid, &a, 1);
	if (!r)
		r = a.r;
	if (r)
		goto out_free;
	cpuid.nent = (uint32_t)a.nent;
	r = -EFAULT;
	if (copy_to_user(cpuid_arg->entries, a.entries, (size_t)a.nent * sizeof(*a.entries)))
		goto out_free;
	if (copy_to_user(cpuid_arg, &cpuid, sizeof(cpuid)))
		goto out_free;
	r = 0;
out_free:
	kvfree(a.entries);
	return r;
}
