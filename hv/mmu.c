// SPDX-License-Identifier: MIT
/*
 * The MMU, in the role of KVM's arch/x86/kvm/mmu/mmu.c, as far as seed 002
 * needs it: the vCPU's MMU context (the root's page role and the
 * reserved-bit masks the guest's CPUID gives) and the VM's shadow pages,
 * found by (gfn, role) in a hash. Only roots are made: there are no SPTEs
 * and no guest page walks (docs/hv.md).
 *
 * Seed 002. The page role holds nothing of the CPUID: a page made under
 * one MAXPHYADDR is found again by a vCPU whose MAXPHYADDR has changed
 * since (KVM_SET_CPUID2 after KVM_RUN), or by another vCPU with another
 * CPUID. Each page keeps, as hvsim's own record, the CPUID values and
 * masks it was made under, so a test sees the mismatch through
 * KVM_HVSIM_GET_MMU_ROOT (kvm_mmu_get_root_info) without changing what
 * KVM does.
 *
 * Lock ordering: vcpu->mutex, then kvm->mmu_lock (a spinlock: nothing
 * sleeps under it; pages are allocated before it is taken, as KVM tops up
 * its memory caches).
 */
#define KBUILD_MODNAME "kvm"

#include "mmu.h"

#include <string.h>

#include "cpuid.h"
#include "hvsim/x86/processor-flags.h"
#include "variant.h"

/* A shadow page: here only roots, and no SPTEs in them (KVM's struct kvm_mmu_page). */
struct kvm_mmu_page {
	struct kvm_mmu_page *hash_next;	/* in kvm->mmu_page_hash[] */
	struct kvm_mmu_page *link;	/* in kvm->active_mmu_pages */
	uint64_t gfn;			/* the guest table it shadows */
	union kvm_mmu_page_role role;
	int root_count;			/* vCPUs with it as their root */
	/* hvsim's record of what the page was built under (KVM keeps none): */
	uint64_t serial;		/* 1, 2, ... in its VM */
	int maxphyaddr;
	bool gbpages;
	struct rsvd_bits_validate rsvd;	/* the builder's context's masks */
};

/* Bits @s to @e, inclusive (KVM's rsvd_bits()). */
static uint64_t rsvd_bits(int s, int e)
{
	if (e < s)
		return 0;
	return ((2ULL << (e - s)) - 1) << s;
}

/*
 * The guest's reserved bits by level (SDM Vol. 3A, "4-Level Paging and
 * 5-Level Paging", the formats of paging-structure entries, and "PAE
 * Paging"; KVM's __reset_rsvds_bits_mask for Intel): bits MAXPHYADDR..51
 * everywhere, bit 63 without EFER.NXE, PS in a PML4E, PS in a PDPTE
 * without 1-GByte pages, and the low address bits of a large page. 32-bit
 * paging without PAE is left with no masks: hv/'s guest is 64-bit.
 */
static void reset_rsvds_bits_mask(struct rsvd_bits_validate *rc, int level, int maxphyaddr,
				  bool nx, bool gbpages)
{
	uint64_t exb = nx ? 0 : rsvd_bits(63, 63);
	uint64_t high = rsvd_bits(maxphyaddr, 51);

	memset(rc, 0, sizeof(*rc));
	switch (level) {
	case PT64_ROOT_4LEVEL:
		rc->rsvd_bits_mask[0][3] = exb | rsvd_bits(7, 7) | high;
		rc->rsvd_bits_mask[0][2] = exb | (gbpages ? 0 : rsvd_bits(7, 7)) | high;
		rc->rsvd_bits_mask[0][1] = exb | high;
		rc->rsvd_bits_mask[0][0] = exb | high;
		rc->rsvd_bits_mask[1][3] = rc->rsvd_bits_mask[0][3];
		rc->rsvd_bits_mask[1][2] = exb | high | rsvd_bits(13, 29);
		rc->rsvd_bits_mask[1][1] = exb | high | rsvd_bits(13, 20);
		rc->rsvd_bits_mask[1][0] = rc->rsvd_bits_mask[0][0];
		break;
	case 3:	/* PAE: the PDPTEs are loaded with CR3 */
		high = rsvd_bits(maxphyaddr, 62);
		rc->rsvd_bits_mask[0][2] = rsvd_bits(maxphyaddr, 63) | rsvd_bits(5, 8) | rsvd_bits(1, 2);
		rc->rsvd_bits_mask[0][1] = exb | high;
		rc->rsvd_bits_mask[0][0] = exb | high;
		rc->rsvd_bits_mask[1][1] = exb | high | rsvd_bits(13, 20);
		rc->rsvd_bits_mask[1][0] = rc->rsvd_bits_mask[0][0];
		break;
	default:
		break;
	}
}

/*
 * The context from the guest's CR0, CR4 and EFER and its CPUID (KVM's
 * init_kvm_softmmu: shadow paging, as with ept=0, where the page role is
 * what finds a page again). The vCPU is loaded.
 */
static void kvm_init_mmu(struct kvm_vcpu *vcpu)
{
	struct kvm_mmu *mmu = &vcpu->mmu;
	union kvm_mmu_page_role role = { .word = 0 };
	struct kvm_sregs sregs;
	bool paging, pae, lma, nx;
	int level;

	vmx_x86_ops.get_sregs(vcpu, &sregs);
	paging = sregs.cr0 & X86_CR0_PG;
	pae = sregs.cr4 & X86_CR4_PAE;
	lma = sregs.efer & EFER_LMA;
	nx = sregs.efer & EFER_NX;
	level = !paging ? 0 : lma ? PT64_ROOT_4LEVEL : pae ? 3 : 2;

	/* Guest paging off: a direct map, KVM's shadow root one level of 4. */
	role.level = level ? (unsigned int)level : PT64_ROOT_4LEVEL;
	role.direct = !paging;
	role.gpte_is_8_bytes = pae || !paging;
	role.access = 7;	/* ACC_ALL */
	role.efer_nx = nx;
	role.cr0_wp = !!(sregs.cr0 & X86_CR0_WP);
	role.smep_andnot_wp = (sregs.cr4 & X86_CR4_SMEP) && !role.cr0_wp;
	role.smap_andnot_wp = (sregs.cr4 & X86_CR4_SMAP) && !role.cr0_wp;
	mmu->root_role = role;
	mmu->root_pgd = paging ? sregs.cr3 : 0;
	reset_rsvds_bits_mask(&mmu->guest_rsvd_check, level, cpuid_maxphyaddr(vcpu), nx,
			      guest_cpuid_has_gbpages(vcpu));
	mmu->valid = true;
}

void kvm_mmu_init_vm(struct kvm *kvm)
{
	spin_lock_init(&kvm->mmu_lock);
}

void kvm_mmu_create(struct kvm_vcpu *vcpu)
{
	vcpu->mmu.root = NULL;
	vcpu->mmu.valid = false;
}

void kvm_mmu_destroy(struct kvm_vcpu *vcpu)
{
	kvm_mmu_unload(vcpu);
}

/* Every page goes with the VM, which is never looked up again: no vCPU is left to hold a root. */
void kvm_mmu_uninit_vm(struct kvm *kvm)
{
	struct kvm_mmu_page *sp, *next;

	for (sp = kvm->active_mmu_pages; sp; sp = next) {
		next = sp->link;
		WARN_ON(sp->root_count);
		kfree(sp);
	}
}

/* A bucket from the gfn (KVM's kvm_page_table_hashfn, a multiplicative hash). */
static unsigned int kvm_page_table_hashfn(uint64_t gfn)
{
	return (unsigned int)((gfn * 0x61c8864680b583ebULL) >> (64 - KVM_MMU_HASH_SHIFT));
}

/*
 * The page for (@gfn, @role): found, or made from *@spare (which the
 * caller then does not free). Only the role and the gfn are compared, as
 * KVM's kvm_mmu_get_page(): seed 002's defect. Under mmu_lock.
 */
static struct kvm_mmu_page *kvm_mmu_get_page(struct kvm_vcpu *vcpu, uint64_t gfn,
					     union kvm_mmu_page_role role,
					     struct kvm_mmu_page **spare)
{
	struct kvm *kvm = vcpu->kvm;
	unsigned int b = kvm_page_table_hashfn(gfn);
	struct kvm_mmu_page *sp;

	for (sp = kvm->mmu_page_hash[b]; sp; sp = sp->hash_next)
		if (sp->gfn == gfn && sp->role.word == role.word)
			return sp;
	kvm->mmu_cache_miss++;
	sp = *spare;
	*spare = NULL;
	sp->gfn = gfn;
	sp->role = role;
	sp->serial = ++kvm->mmu_sp_serial;
	sp->maxphyaddr = cpuid_maxphyaddr(vcpu);
	sp->gbpages = guest_cpuid_has_gbpages(vcpu);
	sp->rsvd = vcpu->mmu.guest_rsvd_check;
	sp->hash_next = kvm->mmu_page_hash[b];
	kvm->mmu_page_hash[b] = sp;
	sp->link = kvm->active_mmu_pages;
	kvm->active_mmu_pages = sp;
	return sp;
}

int kvm_mmu_load(struct kvm_vcpu *vcpu)
{
	struct kvm_mmu *mmu = &vcpu->mmu;
	struct kvm *kvm = vcpu->kvm;
	struct kvm_mmu_page *spare, *sp;

	if (!mmu->valid)
		kvm_init_mmu(vcpu);
	spare = kzalloc(sizeof(*spare), GFP_KERNEL_ACCOUNT);
	if (!spare)
		return -ENOMEM;
	spin_lock(&kvm->mmu_lock);
	sp = kvm_mmu_get_page(vcpu, (mmu->root_pgd & rsvd_bits(PAGE_SHIFT, 51)) >> PAGE_SHIFT,
			      mmu->root_role, &spare);
	sp->root_count++;
	mmu->root = sp;
	spin_unlock(&kvm->mmu_lock);
	kfree(spare);
	return 0;
}

/* The root let go; the page stays cached in its VM for the next vCPU that asks (KVM's too). */
void kvm_mmu_unload(struct kvm_vcpu *vcpu)
{
	struct kvm *kvm = vcpu->kvm;

	if (!vcpu->mmu.root)
		return;
	spin_lock(&kvm->mmu_lock);
	vcpu->mmu.root->root_count--;
	vcpu->mmu.root = NULL;
	spin_unlock(&kvm->mmu_lock);
}

void kvm_mmu_reset_context(struct kvm_vcpu *vcpu)
{
	kvm_mmu_unload(vcpu);
	kvm_init_mmu(vcpu);
}

/*
 * KVM_SET_CPUID2 took a new table: the context's masks follow it (KVM's
 * kvm_mmu_after_set_cpuid), but pages already made keep theirs, and the
 * next load finds them by a role that did not change.
 */
void kvm_mmu_after_set_cpuid(struct kvm_vcpu *vcpu)
{
	kvm_mmu_reset_context(vcpu);

	/*
	 * Changing MAXPHYADDR or GBPAGES after KVM_RUN is not handled: they
	 * are not in the page role, so shadow pages made before are reused.
	 * 5.14 says so to user space and goes on (cpuid-after-run-warn);
	 * from early 2022 such a call never gets here (cpuid-after-run-reject).
	 */
	if (hv_flag(HV_CPUID_AFTER_RUN_REJECT))
		WARN_ON_ONCE(vcpu->last_vmentry_cpu != -1);
	else if (hv_flag(HV_CPUID_AFTER_RUN_WARN) && vcpu->last_vmentry_cpu != -1)
		pr_warn_ratelimited("KVM: KVM_SET_CPUID{,2} after KVM_RUN may cause guest instability");
}

void kvm_mmu_get_root_info(struct kvm_vcpu *vcpu, struct kvm_hvsim_mmu_root *info)
{
	struct kvm *kvm = vcpu->kvm;
	struct kvm_mmu_page *sp;

	memset(info, 0, sizeof(*info));
	info->vcpu_maxphyaddr = (uint32_t)cpuid_maxphyaddr(vcpu);
	info->vcpu_gbpages = guest_cpuid_has_gbpages(vcpu);
	info->vcpu_rsvd_pdpte = vcpu->mmu.guest_rsvd_check.rsvd_bits_mask[0][2];
	spin_lock(&kvm->mmu_lock);
	info->mmu_cache_miss = kvm->mmu_cache_miss;
	sp = vcpu->mmu.root;
	if (sp) {
		info->loaded = 1;
		info->root_count = (uint32_t)sp->root_count;
		info->gfn = sp->gfn;
		info->sp_serial = sp->serial;
		info->role = sp->role.word;
		info->sp_maxphyaddr = (uint32_t)sp->maxphyaddr;
		info->sp_gbpages = sp->gbpages;
		info->sp_rsvd_pdpte = sp->rsvd.rsvd_bits_mask[0][2];
	}
	spin_unlock(&kvm->mmu_lock);
}
