/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor core's shared definitions, in the roles of KVM's
 * include/linux/kvm_host.h and arch/x86/include/asm/kvm_host.h: the VM,
 * the vCPU, requests and modes, and the vendor operations (vmx.c) the
 * generic (kvm_main.c) and x86 (x86.c) code call.
 *
 * hv/ is instrumented code: it sees only include/hvsim/ (kernel.h, hw.h,
 * kvm.h), never the simulator. Names follow KVM's so a KVM patch maps onto
 * this code line for line; docs/hv.md says where it simplifies KVM.
 *
 * Lock ordering (as KVM's Documentation/virt/kvm/locking.rst):
 *   cpus_read_lock (the hotplug lock)
 *     kvm_lock
 *       kvm_count_lock (raw spinlock; generations before kvm-add-vm-hooks)
 *   kvm->lock
 *     vcpu->mutex
 *       kvm->mmu_lock (spinlock)
 *       kvm->arch.apicv_update_lock (rw-semaphore; KVM_SET_GUEST_DEBUG takes
 *       it for write under the vCPU's mutex, KVM_RUN for read)
 */
#ifndef HV_KVM_HOST_H
#define HV_KVM_HOST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "hvsim/kernel.h"
#include "hvsim/kvm.h"

#define KVM_MAX_VCPUS		8
/* Shadow-page hash buckets (KVM has 1 << 12; a handful of pages here). */
#define KVM_MMU_HASH_SHIFT	6
#define KVM_NUM_MMU_PAGES	(1 << KVM_MMU_HASH_SHIFT)

/* ---- vCPU requests (bits of vcpu->requests) ---- */

#define KVM_REQUEST_MASK	0xffU
#define KVM_REQUEST_NO_WAKEUP	(1U << 8)	/* do not wake a blocked vCPU */
#define KVM_REQUEST_WAIT	(1U << 9)	/* wait for the vCPU to leave guest mode */
#define KVM_REQ_TLB_FLUSH	(0 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_VM_DEAD		(1 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)
#define KVM_REQ_UNBLOCK		2
#define KVM_REQ_EVENT		3
/* Re-evaluate APICv against the VM's inhibits (KVM's KVM_ARCH_REQ_FLAGS(25, WAIT | NO_WAKEUP)). */
#define KVM_REQ_APICV_UPDATE	(4 | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP)

/* vcpu->mp_state (uapi's KVM_MP_STATE_*): running, or halted in the kernel. */
#define KVM_MP_STATE_RUNNABLE	0
#define KVM_MP_STATE_HALTED	3

/* kvm->irqchip_mode: no in-kernel irqchip, all of it, or the local APICs only (split). */
enum kvm_irqchip_mode {
	KVM_IRQCHIP_NONE,
	KVM_IRQCHIP_KERNEL,
	KVM_IRQCHIP_SPLIT,
};

/*
 * Why APICv is off for a VM: bits of kvm->apicv_inhibit_reasons, KVM
 * 5.18's enum kvm_apicv_inhibit in its order. APICv is active for the VM
 * while none is set (kvm_apicv_activated()).
 */
enum kvm_apicv_inhibit {
	APICV_INHIBIT_REASON_DISABLE,	/* enable_apicv=0 */
	APICV_INHIBIT_REASON_HYPERV,	/* Hyper-V's AutoEOI in use */
	APICV_INHIBIT_REASON_NESTED,	/* a nested guest runs (SVM) */
	APICV_INHIBIT_REASON_IRQWIN,	/* an IRQ window is requested (SVM) */
	APICV_INHIBIT_REASON_PIT_REINJ,	/* the PIT re-injects ticks (SVM) */
	APICV_INHIBIT_REASON_X2APIC,	/* x2APIC without AVIC's support (SVM) */
	APICV_INHIBIT_REASON_BLOCKIRQ,	/* a vCPU's guest debug blocks interrupts */
	APICV_INHIBIT_REASON_ABSENT,	/* no in-kernel local APIC (yet) */
	APICV_INHIBIT_REASON_SEV,	/* an SEV guest (SVM) */
};
/* vcpu->mode: where the vCPU is, for the requester's kick decision. */
enum {
	OUTSIDE_GUEST_MODE,
	IN_GUEST_MODE,
	EXITING_GUEST_MODE,
	READING_SHADOW_PAGE_TABLES,
};

struct kvm;
struct kvm_mmu_page;

/*
 * What a shadow page translates for, the key it is found by with its gfn
 * (KVM's kvm_mmu_page_role, 5.14 fields). Nothing of the vCPU's CPUID is
 * in it, MAXPHYADDR and GBPAGES included: seed 002's defect.
 */
union kvm_mmu_page_role {
	uint32_t word;
	struct {
		unsigned int level:4;		/* 4: a PML4 table ... 1: a page table */
		unsigned int gpte_is_8_bytes:1;	/* PAE or long mode guest entries */
		unsigned int quadrant:2;
		unsigned int direct:1;		/* no guest table behind it */
		unsigned int access:3;
		unsigned int invalid:1;		/* zapped while still some vCPU's root */
		unsigned int efer_nx:1;
		unsigned int cr0_wp:1;
		unsigned int smep_andnot_wp:1;
		unsigned int smap_andnot_wp:1;
		unsigned int ad_disabled:1;
		unsigned int guest_mode:1;
		unsigned int :6;
		unsigned int smm:8;
	};
};

#define PT64_ROOT_4LEVEL	4

/* Reserved bits of guest paging entries, [0] as a table pointer, [1] as a large page, by level - 1. */
struct rsvd_bits_validate {
	uint64_t rsvd_bits_mask[2][PT64_ROOT_4LEVEL];
};

/* The vCPU's MMU context (KVM's struct kvm_mmu, the shadow-paging root_mmu). */
struct kvm_mmu {
	union kvm_mmu_page_role root_role;	/* the role of the root it loads */
	struct kvm_mmu_page *root;		/* loaded root (KVM's root_hpa); NULL: reload before entry */
	uint64_t root_pgd;			/* guest CR3 when the context was made; 0 without paging */
	struct rsvd_bits_validate guest_rsvd_check;	/* from MAXPHYADDR, GBPAGES, NX */
	bool valid;				/* made since the vCPU's creation */
};
struct kvm_lapic;

struct kvm_vcpu {
	struct kvm *kvm;
	int cpu;			/* the CPU it was last loaded on; -1 before */
	int vcpu_id;			/* userspace's id */
	int vcpu_idx;			/* index in kvm->vcpu_array */
	int mode;			/* OUTSIDE/IN/EXITING_GUEST_MODE */
	unsigned long requests;		/* KVM_REQ_* bits, set_bit/test_bit */
	struct mutex mutex;		/* serialises ioctls on the vCPU */
	struct preempt_notifier preempt_notifier;
	struct kvm_run *run;		/* the page userspace mmaps */
	bool preempted;
	struct kvm_regs regs;		/* the GPR cache (RIP, RSP, RFLAGS live in the VMCS) */
	void *arch;			/* vendor state (struct vcpu_vmx) */
	/*
	 * CPUID and the MMU, which KVM keeps in vcpu->arch (here arch is the
	 * vendor's); under vcpu->mutex.
	 */
	struct kvm_cpuid_entry2 *cpuid_entries;	/* KVM_SET_CPUID2's table (kvzalloc), or NULL */
	int cpuid_nent;
	int maxphyaddr;			/* cpuid_query_maxphyaddr(): 0x80000008 EAX[7:0], else 36 */
	/* The CPU of the latest VM entry; -1 before the first (cpuid-after-run-warn), else 0. */
	int last_vmentry_cpu;
	struct kvm_mmu mmu;		/* the MMU context (mmu.c) */
	/* KVM's vcpu->arch, the parts hv/ has: */
	struct kvm_lapic *apic;		/* the in-kernel local APIC, or NULL (no irqchip) */
	bool apicv_active;		/* APICv on in this vCPU's VMCS (under apicv_update_lock) */
	int mp_state;			/* KVM_MP_STATE_*: halted in the kernel on HLT */
	bool interrupt_allowed;		/* RFLAGS.IF and no STI/MOV-SS blocking, at the last exit */
	bool exception_pending;		/* an exception queued for the next entry */
	uint8_t exception_nr;		/* ... its vector */
	uint32_t guest_debug;		/* KVM_GUESTDBG_* (KVM_SET_GUEST_DEBUG) */
	struct rcuwait wait;		/* the vCPU task blocked in kvm_vcpu_block() */
};

#define KVM_USER_MEM_SLOTS	32

/* A guest-physical range backed by user memory (KVM_SET_USER_MEMORY_REGION). */
struct kvm_memory_slot {
	uint64_t base_gfn;
	unsigned long npages;		/* 0: the slot is empty */
	unsigned long userspace_addr;
	uint32_t flags;			/* KVM_MEM_* */
	unsigned long *dirty_bitmap;	/* with KVM_MEM_LOG_DIRTY_PAGES */
};

struct kvm {
	struct mutex lock;		/* created_vcpus, vcpu_array */
	struct mutex slots_lock;	/* memslots */
	struct kvm_memory_slot memslots[KVM_USER_MEM_SLOTS];
	struct kvm *vm_list_next;	/* vm_list, under kvm_lock */
	int users_count;		/* fds and references */
	int created_vcpus;		/* under lock */
	int online_vcpus;		/* atomic: vCPUs userspace can see */
	struct kvm_vcpu *vcpu_array[KVM_MAX_VCPUS];
	void *arch_mmu_post_init;	/* the MMU's per-VM state made at add (VM-hooks generation) */
	/* The shadow MMU's pages (KVM's kvm->arch and kvm->stat), under mmu_lock: */
	spinlock_t mmu_lock;
	struct kvm_mmu_page *mmu_page_hash[KVM_NUM_MMU_PAGES];	/* by gfn; chains through hash_next */
	struct kvm_mmu_page *active_mmu_pages;	/* every page, newest first; chains through link */
	uint64_t mmu_sp_serial;		/* the last page's serial (hvsim's, for the debug ioctl) */
	uint64_t mmu_cache_miss;	/* pages made because none matched (kvm->stat.mmu_cache_miss) */
	/* KVM's kvm->arch, the parts hv/ has: */
	int irqchip_mode;		/* enum kvm_irqchip_mode, under lock */
	unsigned long apicv_inhibit_reasons;	/* APICV_INHIBIT_REASON_* bits, under apicv_update_lock */
	struct rw_semaphore apicv_update_lock;	/* inhibit changes (write) vs vCPU updates (read) */
	uint64_t stat_apicv_update_reqs;	/* KVM_REQ_APICV_UPDATE broadcasts (a VM stat) */
	uint64_t manual_dirty_log_protect;	/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's argument */
	unsigned int max_halt_poll_ns;		/* KVM_CAP_HALT_POLL's (hv/ does not poll) */
};

/*
 * vCPU @i, once online_vcpus counts it: the smp_rmb() pairs with the
 * smp_wmb() in kvm_vm_ioctl_create_vcpu() between the array store and the
 * count (KVM's kvm_get_vcpu()).
 */
static inline struct kvm_vcpu *kvm_get_vcpu(struct kvm *kvm, int i)
{
	if (i >= READ_ONCE(kvm->online_vcpus))
		return NULL;
	smp_rmb();
	return READ_ONCE(kvm->vcpu_array[i]);
}

#define kvm_for_each_vcpu(idx, vcpup, kvm)					\
	for ((idx) = 0; ((vcpup) = kvm_get_vcpu((kvm), (idx))) != NULL; (idx)++)

/* What the vendor module (vmx.c) provides, as KVM's struct kvm_x86_ops. */
struct kvm_x86_ops {
	const char *name;
	/* Module init: the VMCS configuration from the boot CPU's capability MSRs. */
	int (*hardware_setup)(void);
	/* This CPU's configuration against the boot CPU's: 0 or -EIO. */
	int (*check_processor_compatibility)(void);
	/* VMX on this CPU (CR4.VMXE, VMXON) / off (VMCLEAR loaded VMCSs, VMXOFF). */
	int (*hardware_enable)(void);
	void (*hardware_disable)(void);
	int (*vcpu_create)(struct kvm_vcpu *vcpu);
	void (*vcpu_free)(struct kvm_vcpu *vcpu);
	/* The vCPU's VMCS current on @cpu (VMPTRLD, after VMCLEAR on its old CPU). */
	void (*vcpu_load)(struct kvm_vcpu *vcpu, int cpu);
	void (*vcpu_put)(struct kvm_vcpu *vcpu);
	/* VMLAUNCH/VMRESUME with interrupts off; handle_exit() reports a failed entry. */
	int (*vcpu_run)(struct kvm_vcpu *vcpu);
	/* After the exit, interrupts still off: dispatch an acknowledged external interrupt. */
	void (*handle_exit_irqoff)(struct kvm_vcpu *vcpu);
	/* > 0: back into the guest; 0: to userspace with vcpu->run filled; < 0: error. */
	int (*handle_exit)(struct kvm_vcpu *vcpu);
	/* RIP, RSP, RFLAGS of a loaded vCPU: from and to its VMCS. */
	void (*get_regs)(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
	void (*set_regs)(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
	/* Segments, descriptor tables, CR0/CR3/CR4 and EFER of a loaded vCPU. */
	void (*get_sregs)(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
	void (*set_sregs)(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);
	/* Is @reason one this vendor lets inhibit APICv (others are recorded nowhere)? */
	bool (*check_apicv_inhibit_reasons)(enum kvm_apicv_inhibit reason);
	/* The VMCS's APICv controls after vcpu->apicv_active changed (vCPU loaded). */
	void (*refresh_apicv_exec_ctrl)(struct kvm_vcpu *vcpu);
	/* Post @vector to the vCPU's PI descriptor and notify it: 0, or -1 without APICv. */
	int (*deliver_posted_interrupt)(struct kvm_vcpu *vcpu, int vector);
	/* PIR into the virtual IRR and RVI, before entry (vCPU loaded): the highest IRR, or -1. */
	int (*sync_pir_to_irr)(struct kvm_vcpu *vcpu);
	/* PIR's ON bit: a posted interrupt the vCPU has not taken in (a blocked vCPU's check). */
	bool (*pi_has_pending)(struct kvm_vcpu *vcpu);
	/* Event injection at the next entry: an external interrupt, an exception, the IRQ window. */
	void (*inject_irq)(struct kvm_vcpu *vcpu, int vector);
	void (*inject_exception)(struct kvm_vcpu *vcpu, int vector);
	void (*enable_irq_window)(struct kvm_vcpu *vcpu);
	/* RFLAGS.IF and no STI/MOV-SS blocking: the guest takes an interrupt now (vCPU loaded). */
	bool (*interrupt_allowed)(struct kvm_vcpu *vcpu);
	/* Page-modification logging's buffer size: non-zero, vCPUs log dirty pages themselves. */
	int cpu_dirty_log_size;
};

extern struct kvm_x86_ops vmx_x86_ops;
/* The vendor module's enable_apicv parameter, after hardware_setup forced it off if need be. */
extern bool enable_apicv;

static inline bool irqchip_in_kernel(const struct kvm *kvm)
{
	return READ_ONCE(kvm->irqchip_mode) != KVM_IRQCHIP_NONE;
}

static inline bool lapic_in_kernel(const struct kvm_vcpu *vcpu)
{
	return vcpu->apic != NULL;
}

/* APICv on for the VM: no inhibit set (read without the lock, as KVM's). */
static inline bool kvm_apicv_activated(struct kvm *kvm)
{
	return READ_ONCE(kvm->apicv_inhibit_reasons) == 0;
}

static inline bool kvm_vcpu_apicv_active(const struct kvm_vcpu *vcpu)
{
	return vcpu->apic && vcpu->apicv_active;
}

#endif /* HV_KVM_HOST_H */
