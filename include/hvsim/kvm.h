/* SPDX-License-Identifier: MIT */
/*
 * The KVM API as user space sees it (Linux's uapi linux/kvm.h, in the
 * numbers and layouts Documentation/virt/kvm/api.rst gives): the ioctl
 * encodings, the structures passed, and the kvm_run page a vCPU fd maps.
 * User programs include it with hvsim/user.h; hv/ implements it.
 */
#ifndef HVSIM_KVM_H
#define HVSIM_KVM_H

#include <stdint.h>

/* The ioctl number encoding (asm-generic/ioctl.h): dir 31:30, size 29:16, type 15:8, nr 7:0. */
#define HVSIM_IOC_NONE		0U
#define HVSIM_IOC_WRITE		1U
#define HVSIM_IOC_READ		2U
#define HVSIM_IOC(dir, type, nr, size) \
	(((dir) << 30) | ((unsigned long)(size) << 16) | ((type) << 8) | (nr))
#ifndef _IO
#define _IO(type, nr)		HVSIM_IOC(HVSIM_IOC_NONE, (type), (nr), 0)
#define _IOR(type, nr, t)	HVSIM_IOC(HVSIM_IOC_READ, (type), (nr), sizeof(t))
#define _IOW(type, nr, t)	HVSIM_IOC(HVSIM_IOC_WRITE, (type), (nr), sizeof(t))
#define _IOWR(type, nr, t)	HVSIM_IOC(HVSIM_IOC_READ | HVSIM_IOC_WRITE, (type), (nr), sizeof(t))
#endif

#define KVMIO			0xAE
#define KVM_API_VERSION		12

struct kvm_userspace_memory_region {
	uint32_t slot;
	uint32_t flags;
	uint64_t guest_phys_addr;
	uint64_t memory_size;		/* bytes */
	uint64_t userspace_addr;	/* start of the userspace allocated memory */
};

/* kvm_userspace_memory_region.flags */
#define KVM_MEM_LOG_DIRTY_PAGES	(1U << 0)
#define KVM_MEM_READONLY	(1U << 1)

/* KVM_GET_DIRTY_LOG: the slot's bitmap, one bit per page, into @dirty_bitmap. */
struct kvm_dirty_log {
	uint32_t slot;
	uint32_t padding1;
	union {
		void *dirty_bitmap;
		uint64_t padding2;
	};
};

struct kvm_enable_cap {
	uint32_t cap;
	uint32_t flags;
	uint64_t args[4];
	uint8_t pad[64];
};

/* KVM_SET_GUEST_DEBUG's x86 part: DR0-DR3, DR6 and DR7 (debugreg[4], [5] unused). */
struct kvm_guest_debug_arch {
	uint64_t debugreg[8];
};

/* KVM_SET_GUEST_DEBUG: @control is KVM_GUESTDBG_* (72 bytes, as uapi's). */
struct kvm_guest_debug {
	uint32_t control;
	uint32_t pad;
	struct kvm_guest_debug_arch arch;
};

/* kvm_guest_debug.control (uapi linux/kvm.h and asm/kvm.h). */
#define KVM_GUESTDBG_ENABLE		0x00000001U
#define KVM_GUESTDBG_SINGLESTEP		0x00000002U
#define KVM_GUESTDBG_USE_SW_BP		0x00010000U
#define KVM_GUESTDBG_USE_HW_BP		0x00020000U
#define KVM_GUESTDBG_INJECT_DB		0x00040000U
#define KVM_GUESTDBG_INJECT_BP		0x00080000U
#define KVM_GUESTDBG_BLOCKIRQ		0x00100000U

/* KVM_SIGNAL_MSI: an MSI written to the VM's in-kernel APICs (32 bytes). */
struct kvm_msi {
	uint32_t address_lo;
	uint32_t address_hi;
	uint32_t data;
	uint32_t flags;
	uint32_t devid;
	uint8_t pad[12];
};

struct kvm_regs {
	uint64_t rax, rbx, rcx, rdx;
	uint64_t rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11;
	uint64_t r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct kvm_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type;
	uint8_t present, dpl, db, s, l, g, avl;
	uint8_t unusable;
	uint8_t padding;
};

struct kvm_dtable {
	uint64_t base;
	uint16_t limit;
	uint16_t padding[3];
};

struct kvm_sregs {
	struct kvm_segment cs, ds, es, fs, gs, ss;
	struct kvm_segment tr, ldt;
	struct kvm_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8;
	uint64_t efer;
	uint64_t apic_base;
	uint64_t interrupt_bitmap[4];	/* (256 + 63) / 64 */
};

/*
 * One CPUID answer a vCPU gives (KVM_SET_CPUID2, KVM_GET_CPUID2,
 * KVM_GET_SUPPORTED_CPUID): 40 bytes, as uapi's.
 */
struct kvm_cpuid_entry2 {
	uint32_t function;		/* EAX in: the leaf */
	uint32_t index;			/* ECX in: the subleaf, where flags say it matters */
	uint32_t flags;			/* KVM_CPUID_FLAG_* */
	uint32_t eax, ebx, ecx, edx;
	uint32_t padding[3];
};

/* kvm_cpuid_entry2.flags */
#define KVM_CPUID_FLAG_SIGNIFCANT_INDEX	(1U << 0)	/* uapi's spelling */
#define KVM_CPUID_FLAG_STATEFUL_FUNC	(1U << 1)
#define KVM_CPUID_FLAG_STATE_READ_NEXT	(1U << 2)

/* The header of a CPUID table: @nent entries follow it. */
struct kvm_cpuid2 {
	uint32_t nent;
	uint32_t padding;
	struct kvm_cpuid_entry2 entries[];
};

/* The most entries a table may have (KVM_SET_CPUID2 refuses more with -E2BIG). */
#define KVM_MAX_CPUID_ENTRIES	256

/* /dev/kvm */
#define KVM_GET_API_VERSION	_IO(KVMIO, 0x00)
#define KVM_CREATE_VM		_IO(KVMIO, 0x01)
#define KVM_CHECK_EXTENSION	_IO(KVMIO, 0x03)
#define KVM_GET_VCPU_MMAP_SIZE	_IO(KVMIO, 0x04)
#define KVM_GET_SUPPORTED_CPUID	_IOWR(KVMIO, 0x05, struct kvm_cpuid2)
/* VM fd */
#define KVM_CREATE_VCPU		_IO(KVMIO, 0x41)
#define KVM_GET_DIRTY_LOG	_IOW(KVMIO, 0x42, struct kvm_dirty_log)
#define KVM_SET_USER_MEMORY_REGION _IOW(KVMIO, 0x46, struct kvm_userspace_memory_region)
#define KVM_CREATE_IRQCHIP	_IO(KVMIO, 0x60)
#define KVM_ENABLE_CAP		_IOW(KVMIO, 0xa3, struct kvm_enable_cap)
#define KVM_SIGNAL_MSI		_IOW(KVMIO, 0xa5, struct kvm_msi)
/* vCPU fd */
#define KVM_RUN			_IO(KVMIO, 0x80)
#define KVM_GET_REGS		_IOR(KVMIO, 0x81, struct kvm_regs)
#define KVM_SET_REGS		_IOW(KVMIO, 0x82, struct kvm_regs)
#define KVM_GET_SREGS		_IOR(KVMIO, 0x83, struct kvm_sregs)
#define KVM_SET_SREGS		_IOW(KVMIO, 0x84, struct kvm_sregs)
#define KVM_SET_CPUID2		_IOW(KVMIO, 0x90, struct kvm_cpuid2)
#define KVM_GET_CPUID2		_IOWR(KVMIO, 0x91, struct kvm_cpuid2)

/*
 * hvsim's own, not KVM's: a read-only look at the vCPU's loaded MMU root,
 * so a test can see which shadow page a vCPU uses and under which CPUID
 * that page was built (seed 002, docs/hv.md). Its ioctl type is not
 * KVMIO, so no KVM number can ever collide with it.
 */
struct kvm_hvsim_mmu_root {
	uint32_t loaded;		/* 1: a root is loaded; 0: none (the rest is 0) */
	uint32_t root_count;		/* vCPUs with this page loaded as their root */
	uint64_t gfn;			/* the root's guest frame (guest CR3 >> 12) */
	uint64_t sp_serial;		/* the page's serial in its VM: equal serials, one page */
	uint32_t role;			/* its kvm_mmu_page_role word */
	uint32_t sp_maxphyaddr;		/* MAXPHYADDR the page was built under */
	uint32_t sp_gbpages;		/* 1: built with 1-GByte pages allowed */
	uint32_t vcpu_maxphyaddr;	/* the vCPU's MAXPHYADDR now (its CPUID) */
	uint32_t vcpu_gbpages;		/* the vCPU's GBPAGES now */
	uint32_t padding;
	uint64_t sp_rsvd_pdpte;		/* the page's reserved-bit mask for a PDPTE (level 3) */
	uint64_t vcpu_rsvd_pdpte;	/* the vCPU's context's, now */
	uint64_t mmu_cache_miss;	/* the VM's shadow pages made (KVM's kvm->stat.mmu_cache_miss) */
};

#define HVSIM_IOC_TYPE		0xF5	/* hvsim-private ioctls on KVM fds */
#define KVM_HVSIM_GET_MMU_ROOT	_IOR(HVSIM_IOC_TYPE, 0x01, struct kvm_hvsim_mmu_root)
#define KVM_SET_GUEST_DEBUG	_IOW(KVMIO, 0x9b, struct kvm_guest_debug)

/* KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2's argument bits. */
#define KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE	(1ULL << 0)
#define KVM_DIRTY_LOG_INITIALLY_SET		(1ULL << 1)

/* Capabilities (KVM_CHECK_EXTENSION). */
#define KVM_CAP_IRQCHIP		0
#define KVM_CAP_USER_MEMORY	3
#define KVM_CAP_EXT_CPUID	7
#define KVM_CAP_SET_GUEST_DEBUG	23
#define KVM_CAP_SIGNAL_MSI	77
#define KVM_CAP_ENABLE_CAP_VM	98
#define KVM_CAP_SPLIT_IRQCHIP	121
#define KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2 168
#define KVM_CAP_HALT_POLL	182
#define KVM_CAP_NR_VCPUS	9
#define KVM_CAP_MAX_VCPUS	66
#define KVM_CAP_MAX_VCPU_ID	128

/* kvm_run.exit_reason */
#define KVM_EXIT_UNKNOWN	0
#define KVM_EXIT_EXCEPTION	1
#define KVM_EXIT_IO		2
#define KVM_EXIT_HYPERCALL	3
#define KVM_EXIT_DEBUG		4
#define KVM_EXIT_HLT		5
#define KVM_EXIT_MMIO		6
#define KVM_EXIT_IRQ_WINDOW_OPEN 7
#define KVM_EXIT_SHUTDOWN	8
#define KVM_EXIT_FAIL_ENTRY	9
#define KVM_EXIT_INTR		10
#define KVM_EXIT_INTERNAL_ERROR	17

/* The page a vCPU fd maps (KVM_GET_VCPU_MMAP_SIZE bytes; its head, as uapi's). */
struct kvm_run {
	uint8_t request_interrupt_window;
	uint8_t immediate_exit;
	uint8_t padding1[6];
	uint32_t exit_reason;
	uint8_t ready_for_interrupt_injection;
	uint8_t if_flag;
	uint16_t flags;
	uint64_t cr8;
	uint64_t apic_base;
	union {
		struct {
			uint64_t hardware_exit_reason;
		} hw;
		struct {
			uint64_t hardware_entry_failure_reason;
			uint32_t cpu;
		} fail_entry;
		struct {
			uint32_t suberror;
			uint32_t ndata;
			uint64_t data[16];
		} internal;
		char padding[256];
	};
};

#endif /* HVSIM_KVM_H */
