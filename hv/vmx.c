// SPDX-License-Identifier: MIT
/*
 * The VMX vendor module, in the role of KVM's arch/x86/kvm/vmx/vmx.c:
 * the VMCS configuration from the capability MSRs and its per-CPU
 * compatibility check, VMX on and off per CPU, a vCPU's VMCS and its
 * moves between CPUs, VM entry, and the first exit handlers. Names are
 * KVM's so a KVM patch maps onto this file.
 *
 * Where hvsim simplifies KVM, it says so at the place: no MMU (EPT off,
 * so no unrestricted guest), one APIC-access page for every VM and no
 * x2APIC virtualization (the guest's APIC stays in xAPIC mode), no guest
 * CPUID yet, no nested VMX, no MSR bitmaps (every MSR access exits, as an
 * all-ones bitmap would have it).
 *
 * Lock ordering: none taken here. A VMCS's per-CPU list is touched only
 * on its CPU with interrupts off (vmx_vcpu_load_vmcs, and
 * __loaded_vmcs_clear, which runs in the CPU's IPI handler or with
 * interrupts off in hardware_disable).
 *
 * SDM citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C
 * and 3D, sections by title.
 */
#define KBUILD_MODNAME "kvm_intel"

#include "vmx.h"

#include <errno.h>

#include "hvsim/hw.h"
#include "hvsim/kernel.h"
#include "hvsim/kvm.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"
#include "kvm_host.h"
#include "lapic.h"
#include "x86.h"

/* CPUID feature bits this file reads (SDM Vol. 2A, CPUID, "Feature Information"). */
#define CPUID_1_ECX_VMX			(1U << 5)
#define CPUID_7_EBX_SGX			(1U << 2)

/* Exception vectors (SDM Vol. 3A, "Exception and Interrupt Vectors"). */
#define DB_VECTOR			1
#define NMI_VECTOR			2
#define UD_VECTOR			6
#define PF_VECTOR			14
#define AC_VECTOR			17
#define MC_VECTOR			18

/* IA32_VMX_BASIC[63:32] ("Basic VMX Information"): 32-bit addresses, memory type. */
#define VMX_BASIC_HI_32BIT_PHYS		(1U << 16)	/* bit 48 */
#define VMX_BASIC_HI_MEM_TYPE_SHIFT	18		/* bits 53:50 */
#define VMX_BASIC_HI_MEM_TYPE_MASK	0xfU
#define VMX_BASIC_MEM_TYPE_WB		6U
#define VMX_BASIC_HI_SIZE_MASK		0x1fffU		/* bits 44:32 */

/*
 * The controls KVM cannot run without, and those it takes when offered
 * (KVM's KVM_REQUIRED_VMX_* and KVM_OPTIONAL_VMX_*, for a 64-bit host:
 * CR8 exiting, a 64-bit host address space and IA-32e guests are
 * required). The macro names and most of the contents are KVM 6.x's;
 * left out, as in the 5.x kernels the seeds come from: the tertiary
 * controls, notify VM exits, and the SAVE_IA32_PAT/EFER and preemption-
 * timer-save exit controls KVM keeps only for nested guests. ENCLS
 * exiting is optional only where CPUID says SGX, as 5.x's cpu_has_sgx().
 */
#define KVM_REQUIRED_VMX_PIN_BASED_VM_EXEC_CONTROL			\
	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING)
#define KVM_OPTIONAL_VMX_PIN_BASED_VM_EXEC_CONTROL			\
	(PIN_BASED_VIRTUAL_NMIS | PIN_BASED_POSTED_INTR | PIN_BASED_VMX_PREEMPTION_TIMER)

#define KVM_REQUIRED_VMX_CPU_BASED_VM_EXEC_CONTROL			\
	(CPU_BASED_HLT_EXITING | CPU_BASED_CR8_LOAD_EXITING |		\
	 CPU_BASED_CR8_STORE_EXITING | CPU_BASED_CR3_LOAD_EXITING |	\
	 CPU_BASED_CR3_STORE_EXITING | CPU_BASED_UNCOND_IO_EXITING |	\
	 CPU_BASED_MOV_DR_EXITING | CPU_BASED_USE_TSC_OFFSETTING |	\
	 CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |		\
	 CPU_BASED_INVLPG_EXITING | CPU_BASED_RDPMC_EXITING |		\
	 CPU_BASED_INTR_WINDOW_EXITING)
#define KVM_OPTIONAL_VMX_CPU_BASED_VM_EXEC_CONTROL			\
	(CPU_BASED_RDTSC_EXITING | CPU_BASED_TPR_SHADOW |		\
	 CPU_BASED_USE_IO_BITMAPS | CPU_BASED_MONITOR_TRAP_FLAG |	\
	 CPU_BASED_USE_MSR_BITMAPS | CPU_BASED_NMI_WINDOW_EXITING |	\
	 CPU_BASED_PAUSE_EXITING | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)

#define KVM_REQUIRED_VMX_SECONDARY_VM_EXEC_CONTROL	0
#define KVM_OPTIONAL_VMX_SECONDARY_VM_EXEC_CONTROL			\
	(SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES |			\
	 SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |			\
	 SECONDARY_EXEC_WBINVD_EXITING | SECONDARY_EXEC_ENABLE_VPID |	\
	 SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST |	\
	 SECONDARY_EXEC_PAUSE_LOOP_EXITING | SECONDARY_EXEC_DESC |	\
	 SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID |	\
	 SECONDARY_EXEC_APIC_REGISTER_VIRT |				\
	 SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY |				\
	 SECONDARY_EXEC_SHADOW_VMCS | SECONDARY_EXEC_ENABLE_XSAVES |	\
	 SECONDARY_EXEC_RDSEED_EXITING | SECONDARY_EXEC_RDRAND_EXITING |	\
	 SECONDARY_EXEC_ENABLE_PML | SECONDARY_EXEC_TSC_SCALING |	\
	 SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE |				\
	 SECONDARY_EXEC_PT_USE_GPA | SECONDARY_EXEC_PT_CONCEAL_VMX |	\
	 SECONDARY_EXEC_ENABLE_VMFUNC |					\
	 SECONDARY_EXEC_BUS_LOCK_DETECTION)

#define KVM_REQUIRED_VMX_VM_EXIT_CONTROLS				\
	(VM_EXIT_SAVE_DEBUG_CONTROLS | VM_EXIT_ACK_INTR_ON_EXIT |	\
	 VM_EXIT_HOST_ADDR_SPACE_SIZE)
#define KVM_OPTIONAL_VMX_VM_EXIT_CONTROLS				\
	(VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL | VM_EXIT_LOAD_IA32_PAT |	\
	 VM_EXIT_LOAD_IA32_EFER | VM_EXIT_CLEAR_BNDCFGS |		\
	 VM_EXIT_PT_CONCEAL_PIP | VM_EXIT_CLEAR_IA32_RTIT_CTL)

#define KVM_REQUIRED_VMX_VM_ENTRY_CONTROLS				\
	(VM_ENTRY_LOAD_DEBUG_CONTROLS | VM_ENTRY_IA32E_MODE)
#define KVM_OPTIONAL_VMX_VM_ENTRY_CONTROLS				\
	(VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL | VM_ENTRY_LOAD_IA32_PAT |	\
	 VM_ENTRY_LOAD_IA32_EFER | VM_ENTRY_LOAD_BNDCFGS |		\
	 VM_ENTRY_PT_CONCEAL_PIP | VM_ENTRY_LOAD_IA32_RTIT_CTL)

/*
 * The host's fixed state, as Linux's x86-64 kernel has it: its segment
 * selectors (__KERNEL_CS, __KERNEL_DS, GDT_ENTRY_TSS * 8), the read-only
 * IDT at the bottom of the CPU entry area, and each CPU's entry area
 * above it holding its GDT page, then its TSS (hvsim's stand-ins for
 * get_cpu_entry_area(cpu); the stride is hvsim's, larger than Linux's
 * struct cpu_entry_area). The exit lands in vmx_vmexit on the vCPU
 * thread's stack: kernel-text and vmalloc addresses stand for both.
 */
#define __KERNEL_CS			0x10
#define __KERNEL_DS			0x18
#define GDT_ENTRY_TSS_SEL		0x40
#define CPU_ENTRY_AREA_RO_IDT		0xfffffe0000000000UL
#define CPU_ENTRY_AREA_PER_CPU		0xfffffe0000001000UL
#define CPU_ENTRY_AREA_STRIDE		0x40000UL
#define CPU_ENTRY_AREA_TSS_OFFSET	PAGE_SIZE
#define VMX_VMEXIT_RIP			0xffffffff81000000UL
#define VMX_HOST_RSP			0xffffc90000004000UL

/* IA32_PAT at reset (SDM Vol. 3A, "IA32_PAT MSR"), as KVM gives a new vCPU. */
#define MSR_IA32_CR_PAT_DEFAULT		0x0007040600070406ULL
/* DR7 at reset: bit 10 reads as 1 (SDM Vol. 3B, "Debug Control Register (DR7)"). */
#define DR7_FIXED_1			0x400UL
/* TSC scaling's ratio 1.0: 48 fraction bits ("Timestamp-Counter Scaling"). */
#define KVM_VMX_TSC_MULTIPLIER_DEFAULT	(1ULL << 48)
/* The ENCLS-exiting bitmap all ones, as KVM writes it (INVALID_GPA). */
#define ENCLS_EXITING_BITMAP_ALL	(~0ULL)
/* KVM's exit reason when no exit happened (VMfail): no real reason is this. */
#define VMX_EXIT_REASON_VMFAIL		0xdead

/*
 * The guest a new vCPU starts as. KVM resets a vCPU to real mode (CS
 * 0xf000 based at 0xffff0000, RIP 0xfff0, CR0 0x60000010) and enters it
 * with unrestricted guest, which needs EPT; hvsim has no MMU yet, so the
 * vCPU starts in 64-bit mode with flat segments, a busy 64-bit TSS and
 * no LDT, a state every VM-entry guest check accepts.
 */
#define GUEST_CS_SEL			0x08
#define GUEST_DS_SEL			0x10
#define GUEST_TR_SEL			0x18
#define GUEST_FLAT_LIMIT		0xffffffffU
#define GUEST_TSS_LIMIT			0x67U
#define GUEST_AR_CODE64	(0xbU | VMX_AR_S_MASK | VMX_AR_P_MASK | VMX_AR_L_MASK | VMX_AR_G_MASK)
#define GUEST_AR_DATA	(0x3U | VMX_AR_S_MASK | VMX_AR_P_MASK | VMX_AR_DB_MASK | VMX_AR_G_MASK)
#define GUEST_AR_TSS64_BUSY		(0xbU | VMX_AR_P_MASK)
#define GUEST_CR3			0x2000UL
#define GUEST_GDTR_BASE			0x3000UL
#define GUEST_GDTR_LIMIT		0x27U
#define GUEST_IDTR_BASE			0x4000UL
#define GUEST_IDTR_LIMIT		0xfffU
#define GUEST_RSP_RESET			0x8000UL
#define GUEST_RIP_RESET			0x100000UL

/* hvsim has no MMU yet: shadow paging's controls, as KVM with enable_ept=0. */
static const bool enable_ept = false;

/* APICv: forced off at hardware_setup where the CPU lacks its controls (KVM's). */
bool enable_apicv = true;
module_param(enable_apicv, bool, 0444);

/* Linux's vector for posted-interrupt notifications to a CPU in VMX non-root operation. */
#define POSTED_INTR_VECTOR		0xf2

/*
 * The posted-interrupt descriptor (SDM Vol. 3C, table "Format of
 * Posted-Interrupt Descriptor"; SN, NV and NDST as KVM and VT-d use the
 * rest): PIR, bit per vector; then ON bit 0, SN bit 1, NV bits 23:16 and
 * NDST bits 63:32 of the control word. 64-byte aligned (own page here).
 */
struct pi_desc {
	unsigned long pir[4];
	uint64_t control;
	uint32_t rsvd[6];
};
#define PI_ON				(1ULL << 0)
#define PI_SN				(1ULL << 1)
#define PI_NV_SHIFT			16
#define PI_NDST_SHIFT			32

struct vmcs_config vmcs_config;

/* Each CPU's VMXON region, allocated at hardware_setup for every possible CPU. */
static DEFINE_PER_CPU(struct vmcs *, vmxarea);
/* The VMCS this CPU last VMPTRLDed, NULL once it was VMCLEARed here. */
static DEFINE_PER_CPU(struct vmcs *, current_vmcs);
/* The VMCSs active on this CPU, VMCLEARed before it leaves VMX operation. */
static DEFINE_PER_CPU(struct vmx_list, loaded_vmcss_on_cpu);
/* The page standing for the kernel's page tables: HOST_CR3. */
static unsigned long vmx_host_pgd;
/*
 * The APIC-access page (APIC_ACCESS_ADDR): KVM allocates one per VM and
 * maps it at the APIC base in the guest; without an MMU hv/ needs no
 * mapping, and one page serves every VM (the processor never stores to it).
 */
static unsigned long vmx_apic_access_page;

static void vmx_list_init(struct vmx_list *head)
{
	head->next = head;
	head->prev = head;
}

static void vmx_list_add(struct vmx_list *e, struct vmx_list *head)
{
	e->next = head->next;
	e->prev = head;
	head->next->prev = e;
	head->next = e;
}

static void vmx_list_del(struct vmx_list *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = e;
}

static struct vcpu_vmx *to_vmx(struct kvm_vcpu *vcpu)
{
	return vcpu->arch;
}

/* ---- the instructions, as KVM's vmx_ops.h wraps them ---- */

/*
 * A VMX instruction that failed where KVM never expects it to: a warning
 * once and a line each time (KVM's vmx_insn_failed()).
 */
#define vmx_insn_failed(fmt, ...)					\
	do {								\
		WARN_ON_ONCE(1);					\
		pr_warn_ratelimited(fmt, ##__VA_ARGS__);		\
	} while (0)

/* Bits 14:13 of an encoding: 0 16-bit, 1 64-bit, 2 32-bit, 3 natural width. */
#define VMCS_FIELD_WIDTH(field)		(((field) >> 13) & 3)
#define VMCS_FIELD_WIDTH_U16		0
#define VMCS_FIELD_WIDTH_U64		1
#define VMCS_FIELD_WIDTH_U32		2
#define VMCS_FIELD_WIDTH_NATURAL	3
/* Bit 0 of a 64-bit field's encoding: its high 32 bits, accessed as a 32-bit field. */
#define VMCS_FIELD_HIGH(field)		((field) & 1)

/* The accessor's width against the encoding's (KVM's vmcs_check16/32/64/l). */
static void vmcs_check(unsigned long field, unsigned int width)
{
	unsigned int w = VMCS_FIELD_WIDTH(field);

	if (w == VMCS_FIELD_WIDTH_U64 && VMCS_FIELD_HIGH(field))
		w = VMCS_FIELD_WIDTH_U32;
	WARN_ON_ONCE(w != width);
}

static unsigned long __vmcs_readl(unsigned long field)
{
	unsigned long value = 0;

	if (vmread(field, &value) != VMX_SUCCEED)
		vmx_insn_failed("kvm: vmread failed: field=%lx\n", field);
	return value;
}

static uint32_t vmcs_read32(unsigned long field)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_U32);
	return (uint32_t)__vmcs_readl(field);
}

static unsigned long vmcs_readl(unsigned long field)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_NATURAL);
	return __vmcs_readl(field);
}

static uint16_t vmcs_read16(unsigned long field)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_U16);
	return (uint16_t)__vmcs_readl(field);
}

/* A 64-bit field in one VMREAD: the host is 64-bit. */
static uint64_t vmcs_read64(unsigned long field)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_U64);
	return __vmcs_readl(field);
}

/*
 * A failed VMWRITE, out of line as KVM's vmwrite_error(): the WARN's title
 * names this function whatever the compiler inlines around the writers.
 */
static __attribute__((noinline)) void vmwrite_error(unsigned long field, unsigned long value)
{
	unsigned long error;

	vmread(VMCS_VM_INSTRUCTION_ERROR, &error);
	vmx_insn_failed("kvm: vmwrite failed: field=%lx val=%lx err=%lu\n", field, value, error);
}

static void __vmcs_writel(unsigned long field, unsigned long value)
{
	if (vmwrite(field, value) != VMX_SUCCEED)
		vmwrite_error(field, value);
}

static void vmcs_write16(unsigned long field, uint16_t value)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_U16);
	__vmcs_writel(field, value);
}

static void vmcs_write32(unsigned long field, uint32_t value)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_U32);
	__vmcs_writel(field, value);
}

static void vmcs_write64(unsigned long field, uint64_t value)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_U64);
	__vmcs_writel(field, value);
}

static void vmcs_writel(unsigned long field, unsigned long value)
{
	vmcs_check(field, VMCS_FIELD_WIDTH_NATURAL);
	__vmcs_writel(field, value);
}

static void vmcs_clear(struct vmcs *vmcs)
{
	uint64_t phys_addr = __pa(vmcs);

	if (vmclear(phys_addr) != VMX_SUCCEED)
		vmx_insn_failed("kvm: vmclear failed: %p/%llx\n", (void *)vmcs,
				(unsigned long long)phys_addr);
}

static void vmcs_load(struct vmcs *vmcs)
{
	uint64_t phys_addr = __pa(vmcs);

	if (vmptrld(phys_addr) != VMX_SUCCEED)
		vmx_insn_failed("kvm: vmptrld failed: %p/%llx\n", (void *)vmcs,
				(unsigned long long)phys_addr);
}

/* The segment registers, in KVM's order (enum kvm_reg_seg). */
enum kvm_reg_seg {
	VCPU_SREG_ES,
	VCPU_SREG_CS,
	VCPU_SREG_SS,
	VCPU_SREG_DS,
	VCPU_SREG_FS,
	VCPU_SREG_GS,
	VCPU_SREG_TR,
	VCPU_SREG_LDTR,
};

/* A guest segment's four fields (KVM's kvm_vmx_segment_fields[]). */
struct kvm_vmx_segment_field {
	unsigned long selector;
	unsigned long base;
	unsigned long limit;
	unsigned long ar_bytes;
};

#define VMX_SEGMENT_FIELD(seg)						\
	[VCPU_SREG_##seg] = {						\
		.selector = VMCS_GUEST_##seg##_SELECTOR,		\
		.base = VMCS_GUEST_##seg##_BASE,			\
		.limit = VMCS_GUEST_##seg##_LIMIT,			\
		.ar_bytes = VMCS_GUEST_##seg##_AR_BYTES,		\
	}

static const struct kvm_vmx_segment_field kvm_vmx_segment_fields[] = {
	VMX_SEGMENT_FIELD(ES),
	VMX_SEGMENT_FIELD(CS),
	VMX_SEGMENT_FIELD(SS),
	VMX_SEGMENT_FIELD(DS),
	VMX_SEGMENT_FIELD(FS),
	VMX_SEGMENT_FIELD(GS),
	VMX_SEGMENT_FIELD(TR),
	VMX_SEGMENT_FIELD(LDTR),
};

static void vmx_set_segment(int seg, uint16_t selector, unsigned long base, uint32_t limit,
			    uint32_t ar)
{
	const struct kvm_vmx_segment_field *sf = &kvm_vmx_segment_fields[seg];

	vmcs_write16(sf->selector, selector);
	vmcs_writel(sf->base, base);
	vmcs_write32(sf->limit, limit);
	vmcs_write32(sf->ar_bytes, ar);
}

/* ---- the VMCS configuration ---- */

static bool cpu_has_sgx(void)
{
	uint32_t a, b, c, d;

	cpuid_count(7, 0, &a, &b, &c, &d);
	return b & CPUID_7_EBX_SGX;
}

/*
 * @ctl_min | @ctl_opt as the capability MSR allows them ("Appendix A.3,
 * VM-Execution Controls": bits 31:0 allowed-0, a 1 there must be 1; bits
 * 63:32 allowed-1, a 0 there must be 0); -EIO when a required control
 * cannot be 1. With IA32_VMX_BASIC[55] the TRUE MSR is read: its
 * default-1 controls that may be 0 are all in KVM's required sets, so
 * the result is the one KVM's read of the plain MSR gives.
 */
static int adjust_vmx_controls(uint32_t ctl_min, uint32_t ctl_opt, uint32_t msr,
			       uint32_t *result)
{
	uint64_t cap;
	uint32_t ctl = ctl_min | ctl_opt;

	rdmsrl(msr, cap);
	ctl &= (uint32_t)(cap >> 32);
	ctl |= (uint32_t)cap;
	if (ctl_min & ~ctl)
		return -EIO;
	*result = ctl;
	return 0;
}

int setup_vmcs_config(struct vmcs_config *vmcs_conf)
{
	uint32_t pin = 0, exec = 0, exec2 = 0, vmexit = 0, vmentry = 0, opt2, hi;
	uint64_t basic;
	bool true_ctls;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	true_ctls = basic & VMX_BASIC_TRUE_CTLS;

	if (adjust_vmx_controls(KVM_REQUIRED_VMX_CPU_BASED_VM_EXEC_CONTROL,
				KVM_OPTIONAL_VMX_CPU_BASED_VM_EXEC_CONTROL,
				true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					    MSR_IA32_VMX_PROCBASED_CTLS, &exec))
		return -EIO;

	if (exec & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) {
		opt2 = KVM_OPTIONAL_VMX_SECONDARY_VM_EXEC_CONTROL;
		if (cpu_has_sgx())
			opt2 |= SECONDARY_EXEC_ENCLS_EXITING;
		if (adjust_vmx_controls(KVM_REQUIRED_VMX_SECONDARY_VM_EXEC_CONTROL, opt2,
					MSR_IA32_VMX_PROCBASED_CTLS2, &exec2))
			return -EIO;
	}
	/* APIC virtualization builds on the TPR shadow ("VM-Execution Control Fields"). */
	if (!(exec & CPU_BASED_TPR_SHADOW))
		exec2 &= ~(SECONDARY_EXEC_APIC_REGISTER_VIRT |
			   SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE |
			   SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	/* With EPT, CR3 accesses and INVLPG need not exit. */
	if (exec2 & SECONDARY_EXEC_ENABLE_EPT)
		exec &= ~(CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING |
			  CPU_BASED_INVLPG_EXITING);

	if (adjust_vmx_controls(KVM_REQUIRED_VMX_VM_EXIT_CONTROLS,
				KVM_OPTIONAL_VMX_VM_EXIT_CONTROLS,
				true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
				&vmexit))
		return -EIO;

	if (adjust_vmx_controls(KVM_REQUIRED_VMX_PIN_BASED_VM_EXEC_CONTROL,
				KVM_OPTIONAL_VMX_PIN_BASED_VM_EXEC_CONTROL,
				true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
					    MSR_IA32_VMX_PINBASED_CTLS, &pin))
		return -EIO;
	/* Posted interrupts need virtual-interrupt delivery and acknowledge on exit. */
	if (!(exec2 & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY))
		pin &= ~PIN_BASED_POSTED_INTR;

	if (adjust_vmx_controls(KVM_REQUIRED_VMX_VM_ENTRY_CONTROLS,
				KVM_OPTIONAL_VMX_VM_ENTRY_CONTROLS,
				true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
				&vmentry))
		return -EIO;

	hi = (uint32_t)(basic >> 32);
	/* A VMCS region is never larger than 4 KiB ("Basic VMX Information"). */
	if ((hi & VMX_BASIC_HI_SIZE_MASK) > PAGE_SIZE)
		return -EIO;
	/* 64-bit CPUs always clear bit 48 (VMX structures below 4 GiB only). */
	if (hi & VMX_BASIC_HI_32BIT_PHYS)
		return -EIO;
	/* KVM accesses VMX structures as write-back memory only. */
	if (((hi >> VMX_BASIC_HI_MEM_TYPE_SHIFT) & VMX_BASIC_HI_MEM_TYPE_MASK) !=
	    VMX_BASIC_MEM_TYPE_WB)
		return -EIO;

	vmcs_conf->size = (int)(hi & VMX_BASIC_HI_SIZE_MASK);
	vmcs_conf->order = 0;
	vmcs_conf->basic_cap = hi & ~VMX_BASIC_HI_SIZE_MASK;
	vmcs_conf->revision_id = (uint32_t)(basic & VMX_BASIC_REVISION_MASK);
	vmcs_conf->pin_based_exec_ctrl = pin;
	vmcs_conf->cpu_based_exec_ctrl = exec;
	vmcs_conf->cpu_based_2nd_exec_ctrl = exec2;
	vmcs_conf->vmexit_ctrl = vmexit;
	vmcs_conf->vmentry_ctrl = vmentry;
	return 0;
}

/*
 * VMX present in CPUID and enabled by firmware in IA32_FEAT_CTL, which
 * is only read: the kernel locked it at boot (KVM's kvm_is_vmx_supported()).
 */
static bool kvm_is_vmx_supported(void)
{
	unsigned int cpu = smp_processor_id();
	uint64_t feat_ctl;

	if (!(cpuid_ecx(1) & CPUID_1_ECX_VMX)) {
		pr_err("VMX not supported by CPU %u\n", cpu);
		return false;
	}
	if (rdmsrl_safe(MSR_IA32_FEATURE_CONTROL, &feat_ctl) ||
	    !(feat_ctl & FEAT_CTL_LOCKED) || !(feat_ctl & FEAT_CTL_VMX_ENABLED_OUTSIDE_SMX)) {
		pr_err("VMX not enabled (by BIOS) in MSR_IA32_FEAT_CTL on CPU %u\n", cpu);
		return false;
	}
	return true;
}

static bool vmcs_config_equal(const struct vmcs_config *a, const struct vmcs_config *b)
{
	return a->size == b->size && a->order == b->order && a->basic_cap == b->basic_cap &&
	       a->revision_id == b->revision_id &&
	       a->pin_based_exec_ctrl == b->pin_based_exec_ctrl &&
	       a->cpu_based_exec_ctrl == b->cpu_based_exec_ctrl &&
	       a->cpu_based_2nd_exec_ctrl == b->cpu_based_2nd_exec_ctrl &&
	       a->vmexit_ctrl == b->vmexit_ctrl && a->vmentry_ctrl == b->vmentry_ctrl;
}

/*
 * This CPU's configuration must be the boot CPU's: a vCPU's VMCS is built
 * from vmcs_config and may enter on any CPU. Runs on the CPU checked, at
 * module init and when a CPU comes online (kvm_main.c's callers).
 */
static int vmx_check_processor_compat(void)
{
	struct vmcs_config vmcs_conf = { 0 };

	if (!kvm_is_vmx_supported())
		return -EIO;
	if (setup_vmcs_config(&vmcs_conf) < 0)
		return -EIO;
	if (!vmcs_config_equal(&vmcs_config, &vmcs_conf)) {
		pr_err("kvm: CPU %u feature inconsistency!\n", smp_processor_id());
		return -EIO;
	}
	return 0;
}

/* A zeroed VMCS or VMXON region carrying the revision identifier (KVM's alloc_vmcs_cpu). */
static struct vmcs *alloc_vmcs_cpu(void)
{
	struct vmcs *vmcs = (struct vmcs *)__get_free_pages(GFP_KERNEL | __GFP_ZERO,
							    (unsigned int)vmcs_config.order);

	if (!vmcs)
		return NULL;
	vmcs->hdr.revision_id = vmcs_config.revision_id;
	return vmcs;
}

static void free_vmcs(struct vmcs *vmcs)
{
	free_pages((unsigned long)vmcs, (unsigned int)vmcs_config.order);
}

static void free_kvm_area(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		if (per_cpu(vmxarea, cpu))
			free_vmcs(per_cpu(vmxarea, cpu));
		per_cpu(vmxarea, cpu) = NULL;
	}
}

/* One VMXON region per possible CPU, so a CPU brought up later has its own. */
static int alloc_kvm_area(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		struct vmcs *vmcs = alloc_vmcs_cpu();

		if (!vmcs) {
			free_kvm_area();
			return -ENOMEM;
		}
		per_cpu(vmxarea, cpu) = vmcs;
	}
	return 0;
}

void vmx_hardware_unsetup(void)
{
	free_kvm_area();
	if (vmx_host_pgd)
		free_pages(vmx_host_pgd, 0);
	vmx_host_pgd = 0;
	if (vmx_apic_access_page)
		free_pages(vmx_apic_access_page, 0);
	vmx_apic_access_page = 0;
}

/* APICv's controls, all of them (KVM's cpu_has_vmx_apicv()). */
static bool cpu_has_vmx_apicv(void)
{
	return (vmcs_config.cpu_based_2nd_exec_ctrl & SECONDARY_EXEC_APIC_REGISTER_VIRT) &&
	       (vmcs_config.cpu_based_2nd_exec_ctrl & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY) &&
	       (vmcs_config.pin_based_exec_ctrl & PIN_BASED_POSTED_INTR);
}

static void kvm_posted_intr_ipi(void)
{
}

/* Module init, on the boot CPU: the configuration every CPU must match, the VMXON regions. */
/* Entries of the page-modification log (SDM "Page-Modification Logging"). */
#define PML_ENTITY_NUM		512

static int hardware_setup(void)
{
	unsigned int cpu;
	int r;

	if (!kvm_is_vmx_supported())
		return -EOPNOTSUPP;
	if (setup_vmcs_config(&vmcs_config) < 0)
		return -EIO;
	if (!cpu_has_vmx_apicv())
		enable_apicv = false;
	/*
	 * Linux's own handler of the notification vector (arch/x86's
	 * kvm_posted_intr_ipi): a notification that found the vCPU out of
	 * the guest is an ordinary interrupt, and the entry's PIR sync
	 * takes the interrupt in. Another module there first is no error.
	 */
	alloc_intr_gate(POSTED_INTR_VECTOR, kvm_posted_intr_ipi);
	for_each_possible_cpu(cpu)
		vmx_list_init(&per_cpu(loaded_vmcss_on_cpu, cpu));
	vmx_host_pgd = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 0);
	if (!vmx_host_pgd)
		return -ENOMEM;
	vmx_apic_access_page = __get_free_pages(GFP_KERNEL | __GFP_ZERO, 0);
	if (!vmx_apic_access_page) {
		r = -ENOMEM;
		goto out_free_pgd;
	}
	r = alloc_kvm_area();
	if (r)
		goto out_free_pgd;
	/*
	 * KVM logs dirty pages with PML where the CPU has it (with EPT on).
	 * hv/ has no EPT yet but keeps PML's consequence for the dirty log:
	 * a log read kicks every vCPU to flush its buffer (docs/hv.md).
	 */
	vmx_x86_ops.cpu_dirty_log_size =
		(vmcs_config.cpu_based_2nd_exec_ctrl & SECONDARY_EXEC_ENABLE_PML) ? PML_ENTITY_NUM : 0;
	return 0;

out_free_pgd:
	if (vmx_apic_access_page)
		free_pages(vmx_apic_access_page, 0);
	vmx_apic_access_page = 0;
	free_pages(vmx_host_pgd, 0);
	vmx_host_pgd = 0;
	return r;
}

/* ---- VMX operation on a CPU ---- */

/* CR4.VMXE, then VMXON; a fault undoes CR4.VMXE (KVM's kvm_cpu_vmxon()). */
static int kvm_cpu_vmxon(uint64_t vmxon_pointer)
{
	uint64_t msr;
	int r;

	cr4_set_bits(X86_CR4_VMXE);
	r = vmxon_safe(vmxon_pointer);
	if (r == VMX_SUCCEED)
		return 0;
	if (r == -EFAULT) {
		WARN_ON_ONCE(1);
		pr_warn("VMXON faulted, MSR_IA32_FEAT_CTL (0x3a) = 0x%llx\n",
			rdmsrl_safe(MSR_IA32_FEATURE_CONTROL, &msr) ? 0xdeadbeefULL :
			(unsigned long long)msr);
	} else {
		pr_err("kvm: VMXON failed on CPU %u\n", smp_processor_id());
		r = -EIO;
	}
	cr4_clear_bits(X86_CR4_VMXE);
	return r;
}

static int vmx_hardware_enable(void)
{
	unsigned int cpu = smp_processor_id();

	/* Someone else (another hypervisor, or a missed disable) has VMX on. */
	if (read_cr4() & X86_CR4_VMXE)
		return -EBUSY;
	return kvm_cpu_vmxon(__pa(per_cpu(vmxarea, cpu)));
}

/*
 * VMCLEAR @arg on the CPU it is active on, which is the calling CPU: the
 * VMCS's data goes back to memory and its launch state to clear, so it
 * may be loaded on another CPU (SDM Vol. 3C, "VMCLEAR"). Runs with
 * interrupts off: in the IPI that loaded_vmcs_clear() sends, or from
 * hardware_disable.
 */
static void __loaded_vmcs_clear(void *arg)
{
	struct loaded_vmcs *loaded_vmcs = arg;
	unsigned int cpu = smp_processor_id();

	/* The vCPU moved on, or its CPU went offline, since the IPI was sent. */
	if (READ_ONCE(loaded_vmcs->cpu) != (int)cpu)
		return;
	if (per_cpu(current_vmcs, cpu) == loaded_vmcs->vmcs)
		per_cpu(current_vmcs, cpu) = NULL;
	vmcs_clear(loaded_vmcs->vmcs);
	vmx_list_del(&loaded_vmcs->loaded_vmcss_on_cpu_link);
	/*
	 * The list removal must be seen before cpu = -1: a CPU that sees -1
	 * adds the VMCS to its own list at once. Paired with the smp_rmb() in
	 * vmx_vcpu_load_vmcs().
	 */
	smp_wmb();
	WRITE_ONCE(loaded_vmcs->cpu, -1);
	loaded_vmcs->launched = false;
}

/* VMCLEAR @loaded_vmcs where it is active, and wait (KVM's loaded_vmcs_clear()). */
static void loaded_vmcs_clear(struct loaded_vmcs *loaded_vmcs)
{
	int cpu = READ_ONCE(loaded_vmcs->cpu);

	if (cpu != -1)
		smp_call_function_single(cpu, __loaded_vmcs_clear, loaded_vmcs, 1);
}

static void vmclear_local_loaded_vmcss(void)
{
	struct vmx_list *head = this_cpu_ptr(loaded_vmcss_on_cpu);

	while (head->next != head) {
		struct vmx_list *e = head->next;
		struct loaded_vmcs *v = (struct loaded_vmcs *)((char *)e -
			__builtin_offsetof(struct loaded_vmcs, loaded_vmcss_on_cpu_link));

		__loaded_vmcs_clear(v);
	}
}

/* VMCLEAR what is loaded here, VMXOFF, CR4.VMXE clear (KVM's hardware_disable). */
static void vmx_hardware_disable(void)
{
	vmclear_local_loaded_vmcss();
	if (vmxoff() != VMX_SUCCEED)
		vmx_insn_failed("kvm: vmxoff failed on CPU %u\n", smp_processor_id());
	cr4_clear_bits(X86_CR4_VMXE);
}

/* ---- a vCPU's VMCS ---- */

static uint32_t vmx_pin_based_exec_ctrl(struct vcpu_vmx *vmx)
{
	uint32_t pin = vmcs_config.pin_based_exec_ctrl;

	/* Armed only while a guest timer is offloaded to it (the APIC has no timer here). */
	pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	/* Without APICv interrupts are injected, not posted. */
	if (!kvm_vcpu_apicv_active(vmx->vcpu))
		pin &= ~PIN_BASED_POSTED_INTR;
	return pin;
}

/* The TPR shadow comes with an in-kernel APIC, whose page it shadows (KVM's cpu_need_tpr_shadow()). */
static bool cpu_need_tpr_shadow(struct vcpu_vmx *vmx)
{
	return lapic_in_kernel(vmx->vcpu) && (vmcs_config.cpu_based_exec_ctrl & CPU_BASED_TPR_SHADOW);
}

static uint32_t vmx_exec_control(struct vcpu_vmx *vmx)
{
	uint32_t exec = vmcs_config.cpu_based_exec_ctrl;

	/* Used only for nested guests. */
	exec &= ~(CPU_BASED_RDTSC_EXITING | CPU_BASED_USE_IO_BITMAPS |
		  CPU_BASED_MONITOR_TRAP_FLAG | CPU_BASED_PAUSE_EXITING);
	/* Set while KVM waits for the guest to take an interrupt or NMI. */
	exec &= ~(CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING);
	/* hvsim: no MSR bitmap, so every MSR access exits. */
	exec &= ~CPU_BASED_USE_MSR_BITMAPS;
	/* With the TPR shadow CR8 accesses need not exit; without it they must. */
	if (!cpu_need_tpr_shadow(vmx))
		exec &= ~CPU_BASED_TPR_SHADOW;
	if (exec & CPU_BASED_TPR_SHADOW)
		exec &= ~(CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING);
	else
		exec |= CPU_BASED_CR8_LOAD_EXITING | CPU_BASED_CR8_STORE_EXITING;
	/* Shadow paging sees the guest's CR3 and INVLPG. */
	if (!enable_ept)
		exec |= CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING |
			CPU_BASED_INVLPG_EXITING;
	return exec;
}

static bool cpu_has_secondary_exec_ctrls(void)
{
	return vmcs_config.cpu_based_exec_ctrl & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
}

static uint32_t vmx_secondary_exec_control(struct vcpu_vmx *vmx)
{
	uint32_t exec2 = vmcs_config.cpu_based_2nd_exec_ctrl;

	/* Intel PT in its host-only (system) mode: nothing of it in the guest. */
	exec2 &= ~(SECONDARY_EXEC_PT_USE_GPA | SECONDARY_EXEC_PT_CONCEAL_VMX);
	/* No VPID allocated: every entry and exit flushes (no TLB here anyway). */
	exec2 &= ~SECONDARY_EXEC_ENABLE_VPID;
	/* No MMU yet (enable_ept=0): no EPT, so no unrestricted guest, PML, #VE or EPTP switching. */
	if (!enable_ept)
		exec2 &= ~(SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST |
			   SECONDARY_EXEC_MODE_BASED_EPT_EXEC | SECONDARY_EXEC_EPT_VIOLATION_VE |
			   SECONDARY_EXEC_ENABLE_VMFUNC);
	exec2 &= ~SECONDARY_EXEC_ENABLE_PML;
	/* APIC accesses are virtualized for an in-kernel APIC; its xAPIC mode is never x2APIC here. */
	if (!lapic_in_kernel(vmx->vcpu))
		exec2 &= ~SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES;
	exec2 &= ~SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE;
	if (!kvm_vcpu_apicv_active(vmx->vcpu))
		exec2 &= ~(SECONDARY_EXEC_APIC_REGISTER_VIRT | SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	/* Set on writes of CR4.UMIP when KVM emulates UMIP. */
	exec2 &= ~SECONDARY_EXEC_DESC;
	/* Set when an L1 hypervisor loads a VMCS (nested). */
	exec2 &= ~SECONDARY_EXEC_SHADOW_VMCS;
	/* hvsim: PAUSE-loop exiting off, as KVM with ple_gap=0. */
	exec2 &= ~SECONDARY_EXEC_PAUSE_LOOP_EXITING;
	/*
	 * Features the guest's CPUID grants (KVM's vmx_adjust_sec_exec_*):
	 * before KVM_SET_CPUID2 the guest has none, so RDTSCP, INVPCID,
	 * XSAVES and user wait are off, and RDRAND/RDSEED exit.
	 */
	exec2 &= ~(SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID |
		   SECONDARY_EXEC_ENABLE_XSAVES | SECONDARY_EXEC_ENABLE_USR_WAIT_PAUSE);
	/* Off unless user space enables KVM_CAP_X86_BUS_LOCK_EXIT. */
	exec2 &= ~SECONDARY_EXEC_BUS_LOCK_DETECTION;
	return exec2;
}

static uint32_t vmx_vmexit_ctrl(void)
{
	uint32_t vmexit = vmcs_config.vmexit_ctrl;

	/* Intel PT in system mode. */
	vmexit &= ~(VM_EXIT_PT_CONCEAL_PIP | VM_EXIT_CLEAR_IA32_RTIT_CTL);
	/* Switched per entry with the perf MSRs (not modelled). */
	vmexit &= ~VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL;
	return vmexit;
}

static uint32_t vmx_vmentry_ctrl(void)
{
	uint32_t vmentry = vmcs_config.vmentry_ctrl;

	vmentry &= ~(VM_ENTRY_PT_CONCEAL_PIP | VM_ENTRY_LOAD_IA32_RTIT_CTL);
	vmentry &= ~VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL;
	/*
	 * KVM sets IA-32e mode and EFER loading as the guest's EFER.LMA
	 * says (vmx_set_efer); the guest here starts in 64-bit mode.
	 */
	vmentry |= VM_ENTRY_IA32E_MODE;
	return vmentry;
}

/*
 * The host state that is the same on every CPU (KVM's
 * vmx_set_constant_host_state), read from the CPU where the CPU has it.
 */
static void vmx_set_constant_host_state(struct vcpu_vmx *vmx)
{
	unsigned long cr0 = read_cr0(), cr4 = read_cr4();
	uint64_t msr;

	/* Linux never runs with CR0.TS set in the kernel. */
	WARN_ON(cr0 & X86_CR0_TS);
	vmcs_writel(VMCS_HOST_CR0, cr0);
	vmx->loaded_vmcs->host_state.cr3 = __pa((void *)vmx_host_pgd);
	vmcs_writel(VMCS_HOST_CR3, vmx->loaded_vmcs->host_state.cr3);
	vmx->loaded_vmcs->host_state.cr4 = cr4;
	vmcs_writel(VMCS_HOST_CR4, cr4);

	vmcs_write16(VMCS_HOST_CS_SELECTOR, __KERNEL_CS);
	vmcs_write16(VMCS_HOST_DS_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_ES_SELECTOR, 0);
	vmcs_write16(VMCS_HOST_SS_SELECTOR, __KERNEL_DS);
	vmcs_write16(VMCS_HOST_TR_SELECTOR, GDT_ENTRY_TSS_SEL);
	vmcs_writel(VMCS_HOST_IDTR_BASE, CPU_ENTRY_AREA_RO_IDT);
	vmcs_writel(VMCS_HOST_RIP, VMX_VMEXIT_RIP);
	vmcs_writel(VMCS_HOST_RSP, VMX_HOST_RSP);

	rdmsrl(MSR_IA32_SYSENTER_CS, msr);
	vmcs_write32(VMCS_HOST_IA32_SYSENTER_CS, (uint32_t)msr);
	rdmsrl(MSR_IA32_SYSENTER_EIP, msr);
	vmcs_writel(VMCS_HOST_IA32_SYSENTER_EIP, msr);
	if (vmx_vmexit_ctrl() & VM_EXIT_LOAD_IA32_PAT) {
		rdmsrl(MSR_IA32_CR_PAT, msr);
		vmcs_write64(VMCS_HOST_IA32_PAT, msr);
	}
	if (vmx_vmexit_ctrl() & VM_EXIT_LOAD_IA32_EFER) {
		rdmsrl(MSR_EFER, msr);
		vmcs_write64(VMCS_HOST_IA32_EFER, msr);
	}
}

/* The guest state of a new vCPU: see GUEST_* above for why 64-bit mode. */
static void vmx_vcpu_reset_guest(void)
{
	uint64_t cr0_fixed0, cr4_fixed0;

	rdmsrl(MSR_IA32_VMX_CR0_FIXED0, cr0_fixed0);
	rdmsrl(MSR_IA32_VMX_CR4_FIXED0, cr4_fixed0);
	vmcs_writel(VMCS_GUEST_CR0, cr0_fixed0);
	vmcs_writel(VMCS_GUEST_CR3, GUEST_CR3);
	vmcs_writel(VMCS_GUEST_CR4, cr4_fixed0 | X86_CR4_PAE);
	vmcs_writel(VMCS_CR0_READ_SHADOW, cr0_fixed0);
	vmcs_writel(VMCS_CR4_READ_SHADOW, cr4_fixed0 | X86_CR4_PAE);

	vmx_set_segment(VCPU_SREG_CS, GUEST_CS_SEL, 0, GUEST_FLAT_LIMIT, GUEST_AR_CODE64);
	vmx_set_segment(VCPU_SREG_SS, GUEST_DS_SEL, 0, GUEST_FLAT_LIMIT, GUEST_AR_DATA);
	vmx_set_segment(VCPU_SREG_DS, GUEST_DS_SEL, 0, GUEST_FLAT_LIMIT, GUEST_AR_DATA);
	vmx_set_segment(VCPU_SREG_ES, GUEST_DS_SEL, 0, GUEST_FLAT_LIMIT, GUEST_AR_DATA);
	vmx_set_segment(VCPU_SREG_FS, GUEST_DS_SEL, 0, GUEST_FLAT_LIMIT, GUEST_AR_DATA);
	vmx_set_segment(VCPU_SREG_GS, GUEST_DS_SEL, 0, GUEST_FLAT_LIMIT, GUEST_AR_DATA);
	vmx_set_segment(VCPU_SREG_TR, GUEST_TR_SEL, 0, GUEST_TSS_LIMIT, GUEST_AR_TSS64_BUSY);
	vmx_set_segment(VCPU_SREG_LDTR, 0, 0, 0, VMX_AR_UNUSABLE_MASK);
	vmcs_writel(VMCS_GUEST_GDTR_BASE, GUEST_GDTR_BASE);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, GUEST_GDTR_LIMIT);
	vmcs_writel(VMCS_GUEST_IDTR_BASE, GUEST_IDTR_BASE);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, GUEST_IDTR_LIMIT);

	vmcs_writel(VMCS_GUEST_RIP, GUEST_RIP_RESET);
	vmcs_writel(VMCS_GUEST_RSP, GUEST_RSP_RESET);
	vmcs_writel(VMCS_GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_writel(VMCS_GUEST_DR7, DR7_FIXED_1);
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_writel(VMCS_GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write64(VMCS_VMCS_LINK_POINTER, VMCS_LINK_POINTER_NONE);
	if (vmx_vmentry_ctrl() & VM_ENTRY_LOAD_IA32_PAT)
		vmcs_write64(VMCS_GUEST_IA32_PAT, MSR_IA32_CR_PAT_DEFAULT);
	if (vmx_vmentry_ctrl() & VM_ENTRY_LOAD_IA32_EFER)
		vmcs_write64(VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA);
}

/* The EOI-exit bitmap (no EOI exits), RVI and SVI, and the PI descriptor's vector and address. */
static void vmx_write_apicv_fields(struct vcpu_vmx *vmx)
{
	vmcs_write64(VMCS_EOI_EXIT_BITMAP0, 0);
	vmcs_write64(VMCS_EOI_EXIT_BITMAP1, 0);
	vmcs_write64(VMCS_EOI_EXIT_BITMAP2, 0);
	vmcs_write64(VMCS_EOI_EXIT_BITMAP3, 0);
	vmcs_write16(VMCS_GUEST_INTR_STATUS, 0);
	vmcs_write16(VMCS_POSTED_INTR_NV, POSTED_INTR_VECTOR);
	vmcs_write64(VMCS_POSTED_INTR_DESC_ADDR, __pa(vmx->pi_desc));
	vmx->apicv_fields_written = true;
}

/*
 * Program the loaded VMCS: controls, constant host state, a reset guest
 * (KVM's init_vmcs() and vmx_vcpu_reset(), which KVM runs at vCPU creation
 * under vcpu_load(); here the vCPU's first load does it).
 */
static void init_vmcs(struct vcpu_vmx *vmx)
{
	uint32_t eb = (1U << PF_VECTOR) | (1U << UD_VECTOR) | (1U << MC_VECTOR) |
		      (1U << DB_VECTOR) | (1U << AC_VECTOR);

	vmcs_write32(VMCS_PIN_BASED_VM_EXEC_CONTROL, vmx_pin_based_exec_ctrl(vmx));
	vmx->exec_control = vmx_exec_control(vmx);
	vmcs_write32(VMCS_CPU_BASED_VM_EXEC_CONTROL, vmx->exec_control);
	if (cpu_has_secondary_exec_ctrls())
		vmcs_write32(VMCS_SECONDARY_VM_EXEC_CONTROL, vmx_secondary_exec_control(vmx));
	/* KVM writes these only for a vCPU with APICv on: fields a CPU without it lacks. */
	if (kvm_vcpu_apicv_active(vmx->vcpu))
		vmx_write_apicv_fields(vmx);
	if (cpu_need_tpr_shadow(vmx)) {
		vmcs_write64(VMCS_VIRTUAL_APIC_PAGE_ADDR, __pa(vmx->vcpu->apic->regs));
		vmcs_write32(VMCS_TPR_THRESHOLD, 0);
	}
	if (cpu_has_secondary_exec_ctrls() &&
	    (vmx_secondary_exec_control(vmx) & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES))
		vmcs_write64(VMCS_APIC_ACCESS_ADDR, __pa((void *)vmx_apic_access_page));
	vmcs_write32(VMCS_VM_EXIT_CONTROLS, vmx_vmexit_ctrl());
	vmcs_write32(VMCS_VM_ENTRY_CONTROLS, vmx_vmentry_ctrl());
	vmcs_write32(VMCS_EXCEPTION_BITMAP, eb);
	vmcs_write32(VMCS_PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(VMCS_PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write64(VMCS_TSC_OFFSET, 0);
	if (vmcs_config.cpu_based_2nd_exec_ctrl & SECONDARY_EXEC_TSC_SCALING)
		vmcs_write64(VMCS_TSC_MULTIPLIER, KVM_VMX_TSC_MULTIPLIER_DEFAULT);
	if (vmcs_config.cpu_based_2nd_exec_ctrl & SECONDARY_EXEC_ENCLS_EXITING)
		vmcs_write64(VMCS_ENCLS_EXITING_BITMAP, ENCLS_EXITING_BITMAP_ALL);
	vmx_set_constant_host_state(vmx);
	vmx_vcpu_reset_guest();
	vmx->vmcs_initialized = true;
}

/*
 * Make the vCPU's VMCS current on @cpu, the calling CPU with preemption
 * off (KVM's vmx_vcpu_load_vmcs). A VMCS active on another CPU is
 * VMCLEARed there first: it may be active on one CPU only, and its data
 * may sit in that CPU until VMCLEAR writes it back ("VMCS Life Cycle").
 */
static void vmx_vcpu_load_vmcs(struct kvm_vcpu *vcpu, int cpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	bool already_loaded = READ_ONCE(vmx->loaded_vmcs->cpu) == cpu;
	uint64_t msr;

	if (!already_loaded) {
		loaded_vmcs_clear(vmx->loaded_vmcs);
		local_irq_disable();
		/*
		 * Read loaded_vmcs->cpu (-1 now) before linking it here, so it
		 * is off the old CPU's list first. Paired with the smp_wmb()
		 * in __loaded_vmcs_clear().
		 */
		smp_rmb();
		vmx_list_add(&vmx->loaded_vmcs->loaded_vmcss_on_cpu_link,
			     &per_cpu(loaded_vmcss_on_cpu, cpu));
		local_irq_enable();
	}

	if (per_cpu(current_vmcs, cpu) != vmx->loaded_vmcs->vmcs) {
		per_cpu(current_vmcs, cpu) = vmx->loaded_vmcs->vmcs;
		vmcs_load(vmx->loaded_vmcs->vmcs);
	}

	if (!already_loaded) {
		unsigned long gdt = CPU_ENTRY_AREA_PER_CPU + (unsigned long)cpu * CPU_ENTRY_AREA_STRIDE;

		/*
		 * Linux's TSS and GDT are per CPU ("Checks on Host Segment and
		 * Descriptor-Table Registers"): a VMCS that moved takes this
		 * CPU's. KVM also requests a TLB flush here; hvsim keeps no TLB.
		 */
		vmcs_writel(VMCS_HOST_TR_BASE, gdt + CPU_ENTRY_AREA_TSS_OFFSET);
		vmcs_writel(VMCS_HOST_GDTR_BASE, gdt);
		rdmsrl(MSR_IA32_SYSENTER_ESP, msr);
		vmcs_writel(VMCS_HOST_IA32_SYSENTER_ESP, msr);
		/* KVM writes these in vmx_prepare_switch_to_guest(), per entry. */
		rdmsrl(MSR_GS_BASE, msr);
		vmcs_writel(VMCS_HOST_GS_BASE, msr);
		rdmsrl(MSR_FS_BASE, msr);
		vmcs_writel(VMCS_HOST_FS_BASE, msr);
		vmx->loaded_vmcs->cpu = cpu;
	}
}

/*
 * The descriptor names the CPU the vCPU now runs on (KVM's
 * vmx_vcpu_pi_load(), xAPIC form: the APIC ID in bits 15:8 of NDST). The
 * simulated processor never reads NDST: hv/ sends the notification to
 * vcpu->cpu itself, as KVM's sender does.
 */
static void vmx_vcpu_pi_load(struct vcpu_vmx *vmx, int cpu)
{
	uint64_t old, new;

	if (!kvm_vcpu_apicv_active(vmx->vcpu))
		return;
	old = __atomic_load_n(&vmx->pi_desc->control, __ATOMIC_RELAXED);
	do {
		new = (old & ~(0xffffffffULL << PI_NDST_SHIFT)) |
		      ((uint64_t)((uint32_t)cpu << 8) << PI_NDST_SHIFT);
	} while (!__atomic_compare_exchange_n(&vmx->pi_desc->control, &old, new, 0,
					      __ATOMIC_SEQ_CST, __ATOMIC_RELAXED));
}

static void vmx_vcpu_load(struct kvm_vcpu *vcpu, int cpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	vmx_vcpu_load_vmcs(vcpu, cpu);
	if (!vmx->vmcs_initialized)
		init_vmcs(vmx);
	vmx_vcpu_pi_load(vmx, cpu);
}

/* KVM's vmx_vcpu_put() leaves the VMCS loaded: the next load on this CPU costs nothing. */
static void vmx_vcpu_put(struct kvm_vcpu *vcpu)
{
	(void)vcpu;
}

static int vmx_vcpu_create(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = kzalloc(sizeof(*vmx), GFP_KERNEL_ACCOUNT);

	if (!vmx)
		return -ENOMEM;
	vmx->vmcs01.vmcs = alloc_vmcs_cpu();
	if (!vmx->vmcs01.vmcs)
		goto free_vmx;
	/*
	 * A new VMCS is VMCLEARed before first use: its launch state clear
	 * and its data initialised ("VMCS Life Cycle"; KVM's loaded_vmcs_init).
	 */
	vmcs_clear(vmx->vmcs01.vmcs);
	vmx->vmcs01.cpu = -1;
	vmx->vmcs01.launched = false;
	vmx_list_init(&vmx->vmcs01.loaded_vmcss_on_cpu_link);
	vmx->loaded_vmcs = &vmx->vmcs01;
	vmx->pi_desc = (struct pi_desc *)__get_free_pages(GFP_KERNEL_ACCOUNT | __GFP_ZERO, 0);
	if (!vmx->pi_desc)
		goto free_vmcs;
	vmx->pi_desc->control = (uint64_t)POSTED_INTR_VECTOR << PI_NV_SHIFT;
	vmx->vcpu = vcpu;
	vcpu->arch = vmx;
	return 0;

free_vmcs:
	free_vmcs(vmx->vmcs01.vmcs);
free_vmx:
	kfree(vmx);
	return -ENOMEM;
}

static void vmx_vcpu_free(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	loaded_vmcs_clear(&vmx->vmcs01);
	free_vmcs(vmx->vmcs01.vmcs);
	free_pages((unsigned long)vmx->pi_desc, 0);
	kfree(vmx);
	vcpu->arch = NULL;
}

/* ---- VM entry and exits ---- */

/*
 * Enter the guest and come back at its exit; the caller has interrupts
 * off (KVM's vmx_vcpu_run). VMLAUNCH for a VMCS clear since its last
 * load, VMRESUME after a successful launch.
 */
static int vmx_vcpu_run(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	unsigned long cr4 = read_cr4();
	int r;

	/* The host's CR4 may have changed since the last entry (cr4_set_bits). */
	if (unlikely(cr4 != vmx->loaded_vmcs->host_state.cr4)) {
		vmcs_writel(VMCS_HOST_CR4, cr4);
		vmx->loaded_vmcs->host_state.cr4 = cr4;
	}

	vcpu->last_vmentry_cpu = (int)smp_processor_id();
	r = vmx->loaded_vmcs->launched ? vmresume() : vmlaunch();

	vmx->fail = r != VMX_SUCCEED;
	if (unlikely(vmx->fail)) {
		vmx->exit_reason = VMX_EXIT_REASON_VMFAIL;
		return 0;
	}
	vmx->exit_reason = vmcs_read32(VMCS_VM_EXIT_REASON);
	if (unlikely(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		return 0;
	vmx->loaded_vmcs->launched = true;
	vmx->idt_vectoring_info = vmcs_read32(VMCS_IDT_VECTORING_INFO_FIELD);
	vmx->exit_intr_info = vmcs_read32(VMCS_VM_EXIT_INTR_INFO);
	return 0;
}

static uint16_t vmx_exit_basic(const struct vcpu_vmx *vmx)
{
	return (uint16_t)vmx->exit_reason;
}

/*
 * An interrupt the exit acknowledged (acknowledge interrupt on exit) is
 * in service at the host APIC: run its IDT gate now, interrupts still
 * off, as if it had arrived (KVM's handle_external_interrupt_irqoff).
 */
static void handle_external_interrupt_irqoff(struct vcpu_vmx *vmx)
{
	uint32_t intr_info = vmx->exit_intr_info;

	if (WARN_ON_ONCE((intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) !=
			 (INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR)))
		return;
	kernel_dispatch_interrupt(intr_info & INTR_INFO_VECTOR_MASK);
}

/* An NMI exit: the host's NMI handlers run now (KVM's handle_exception_nmi_irqoff). */
static void handle_exception_nmi_irqoff(struct vcpu_vmx *vmx)
{
	uint32_t intr_info = vmx->exit_intr_info;

	if ((intr_info & (INTR_INFO_VALID_MASK | INTR_INFO_INTR_TYPE_MASK)) ==
	    (INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR))
		kernel_dispatch_interrupt(NMI_VECTOR);
}

static void vmx_handle_exit_irqoff(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	if (vmx->fail || (vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		return;
	if (vmx_exit_basic(vmx) == EXIT_REASON_EXTERNAL_INTERRUPT)
		handle_external_interrupt_irqoff(vmx);
	else if (vmx_exit_basic(vmx) == EXIT_REASON_EXCEPTION_NMI)
		handle_exception_nmi_irqoff(vmx);
}

/* Past the exiting instruction, its interrupt shadow gone (KVM's skip_emulated_instruction). */
static void skip_emulated_instruction(void)
{
	unsigned long rip = vmcs_readl(VMCS_GUEST_RIP);
	uint32_t intr_state = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_INFO);

	rip += vmcs_read32(VMCS_VM_EXIT_INSTRUCTION_LEN);
	vmcs_writel(VMCS_GUEST_RIP, rip);
	if (intr_state & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS))
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY_INFO,
			     intr_state & ~(GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

/* An exit this module has no handler for: user space gets its reason (early KVM's way). */
static int vmx_unexpected_exit(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	vcpu->run->exit_reason = KVM_EXIT_UNKNOWN;
	vcpu->run->hw.hardware_exit_reason = vmx->exit_reason;
	return 0;
}

/* The NMI was handled in vmx_handle_exit_irqoff(); exceptions are not handled yet. */
static int handle_exception_nmi(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	if ((vmx->exit_intr_info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI_INTR)
		return 1;
	return vmx_unexpected_exit(vcpu);
}

/* The interrupt ran in vmx_handle_exit_irqoff(): back into the guest. */
static int handle_external_interrupt(struct kvm_vcpu *vcpu)
{
	(void)vcpu;
	return 1;
}

/*
 * HLT, the guest's RIP past it: with an in-kernel APIC the vCPU halts in
 * the kernel until an interrupt wakes it; without one nothing in the
 * kernel could, so user space gets KVM_EXIT_HLT (kvm_emulate_halt()).
 */
static int handle_halt(struct kvm_vcpu *vcpu)
{
	skip_emulated_instruction();
	return kvm_emulate_halt(vcpu);
}

/* The guest can take an interrupt now: stop asking, and inject it (KVM_REQ_EVENT). */
static int handle_interrupt_window(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	vmx->exec_control &= ~CPU_BASED_INTR_WINDOW_EXITING;
	vmcs_write32(VMCS_CPU_BASED_VM_EXEC_CONTROL, vmx->exec_control);
	kvm_make_request(KVM_REQ_EVENT, vcpu);
	return 1;
}

/* The timer is armed only for an offloaded guest timer, which needs an in-kernel APIC. */
static int handle_preemption_timer(struct kvm_vcpu *vcpu)
{
	(void)vcpu;
	return 1;
}

static int (*const kvm_vmx_exit_handlers[])(struct kvm_vcpu *vcpu) = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception_nmi,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_HLT] = handle_halt,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
};

#define KVM_VMX_MAX_EXIT_HANDLERS \
	(sizeof(kvm_vmx_exit_handlers) / sizeof(kvm_vmx_exit_handlers[0]))

/*
 * After the exit, interrupts on: > 0 back into the guest, 0 to user
 * space with vcpu->run filled (KVM's __vmx_handle_exit). A failed entry
 * reports the full exit reason (bit 31 and the basic reason), a VMfail
 * the VM-instruction error, as KVM does.
 */
static int vmx_handle_exit(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	uint16_t basic = vmx_exit_basic(vmx);

	if (vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = vmx->exit_reason;
		vcpu->run->fail_entry.cpu = (uint32_t)vcpu->last_vmentry_cpu;
		return 0;
	}
	if (unlikely(vmx->fail)) {
		unsigned long error = 0;

		/* VMfailInvalid leaves no current VMCS to hold an error: 0. */
		vmread(VMCS_VM_INSTRUCTION_ERROR, &error);
		vcpu->run->exit_reason = KVM_EXIT_FAIL_ENTRY;
		vcpu->run->fail_entry.hardware_entry_failure_reason = error;
		vcpu->run->fail_entry.cpu = (uint32_t)vcpu->last_vmentry_cpu;
		return 0;
	}
	if (basic < KVM_VMX_MAX_EXIT_HANDLERS && kvm_vmx_exit_handlers[basic])
		return kvm_vmx_exit_handlers[basic](vcpu);
	return vmx_unexpected_exit(vcpu);
}

/* The registers the VMCS holds (KVM keeps them in its register cache). */
static void vmx_get_regs(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	(void)vcpu;
	regs->rip = vmcs_readl(VMCS_GUEST_RIP);
	regs->rsp = vmcs_readl(VMCS_GUEST_RSP);
	regs->rflags = vmcs_readl(VMCS_GUEST_RFLAGS);
}

static void vmx_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	(void)vcpu;
	vmcs_writel(VMCS_GUEST_RIP, regs->rip);
	vmcs_writel(VMCS_GUEST_RSP, regs->rsp);
	/* Bit 1 is always 1 (KVM's __set_regs ORs it in as X86_EFLAGS_FIXED). */
	vmcs_writel(VMCS_GUEST_RFLAGS, regs->rflags | X86_EFLAGS_FIXED);
}

/* Access rights ("Format of Access Rights"): type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14, G 15, unusable 16. */
static void vmx_get_kvm_segment(struct kvm_segment *var, int seg)
{
	const struct kvm_vmx_segment_field *f = &kvm_vmx_segment_fields[seg];
	uint32_t ar = vmcs_read32(f->ar_bytes);

	var->selector = vmcs_read16(f->selector);
	var->base = vmcs_readl(f->base);
	var->limit = vmcs_read32(f->limit);
	var->unusable = (ar >> 16) & 1;
	var->type = ar & 15;
	var->s = (ar >> 4) & 1;
	var->dpl = (ar >> 5) & 3;
	/* An unusable segment reads as not present, as KVM reports it. */
	var->present = !var->unusable && ((ar >> 7) & 1);
	var->avl = (ar >> 12) & 1;
	var->l = (ar >> 13) & 1;
	var->db = (ar >> 14) & 1;
	var->g = (ar >> 15) & 1;
}

static void vmx_set_kvm_segment(const struct kvm_segment *var, int seg)
{
	const struct kvm_vmx_segment_field *f = &kvm_vmx_segment_fields[seg];
	uint32_t ar = var->type | (uint32_t)var->s << 4 | (uint32_t)var->dpl << 5 |
		      (uint32_t)var->present << 7 | (uint32_t)var->avl << 12 |
		      (uint32_t)var->l << 13 | (uint32_t)var->db << 14 | (uint32_t)var->g << 15;

	if (var->unusable || !var->present)
		ar = 1U << 16;
	vmcs_write16(f->selector, var->selector);
	vmcs_writel(f->base, var->base);
	vmcs_write32(f->limit, var->limit);
	vmcs_write32(f->ar_bytes, ar);
}

static void vmx_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	struct kvm_segment *segs[] = {
		&sregs->es, &sregs->cs, &sregs->ss, &sregs->ds, &sregs->fs, &sregs->gs,
		&sregs->tr, &sregs->ldt,
	};

	(void)vcpu;
	for (int i = VCPU_SREG_ES; i <= VCPU_SREG_LDTR; i++)
		vmx_get_kvm_segment(segs[i], i);
	sregs->gdt.base = vmcs_readl(VMCS_GUEST_GDTR_BASE);
	sregs->gdt.limit = (uint16_t)vmcs_read32(VMCS_GUEST_GDTR_LIMIT);
	sregs->idt.base = vmcs_readl(VMCS_GUEST_IDTR_BASE);
	sregs->idt.limit = (uint16_t)vmcs_read32(VMCS_GUEST_IDTR_LIMIT);
	sregs->cr0 = vmcs_readl(VMCS_GUEST_CR0);
	sregs->cr3 = vmcs_readl(VMCS_GUEST_CR3);
	sregs->cr4 = vmcs_readl(VMCS_GUEST_CR4);
	sregs->efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
}

static void vmx_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	const struct kvm_segment *segs[] = {
		&sregs->es, &sregs->cs, &sregs->ss, &sregs->ds, &sregs->fs, &sregs->gs,
		&sregs->tr, &sregs->ldt,
	};

	(void)vcpu;
	for (int i = VCPU_SREG_ES; i <= VCPU_SREG_LDTR; i++)
		vmx_set_kvm_segment(segs[i], i);
	vmcs_writel(VMCS_GUEST_GDTR_BASE, sregs->gdt.base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmcs_writel(VMCS_GUEST_IDTR_BASE, sregs->idt.base);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmcs_writel(VMCS_GUEST_CR0, sregs->cr0);
	vmcs_writel(VMCS_GUEST_CR3, sregs->cr3);
	vmcs_writel(VMCS_GUEST_CR4, sregs->cr4);
	vmcs_write64(VMCS_GUEST_IA32_EFER, sregs->efer);
}

/* ---- APICv and interrupt injection ---- */

/* VMX can inhibit APICv for these (KVM 5.18's vmx_check_apicv_inhibit_reasons()). */
static bool vmx_check_apicv_inhibit_reasons(enum kvm_apicv_inhibit reason)
{
	unsigned long supported = (1UL << APICV_INHIBIT_REASON_DISABLE) |
				  (1UL << APICV_INHIBIT_REASON_ABSENT) |
				  (1UL << APICV_INHIBIT_REASON_HYPERV) |
				  (1UL << APICV_INHIBIT_REASON_BLOCKIRQ);

	return supported & (1UL << reason);
}

/*
 * APICv came on or went off for the loaded vCPU: the posted-interrupt and
 * virtual-interrupt controls follow (KVM's vmx_refresh_apicv_exec_ctrl()).
 * hv/ writes the APICv fields at the first activation of a vCPU created
 * without APICv, so its descriptor is the one the processor reads.
 */
static void vmx_refresh_apicv_exec_ctrl(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	if (kvm_vcpu_apicv_active(vcpu) && !vmx->apicv_fields_written)
		vmx_write_apicv_fields(vmx);
	vmcs_write32(VMCS_PIN_BASED_VM_EXEC_CONTROL, vmx_pin_based_exec_ctrl(vmx));
	if (cpu_has_secondary_exec_ctrls())
		vmcs_write32(VMCS_SECONDARY_VM_EXEC_CONTROL, vmx_secondary_exec_control(vmx));
}

/*
 * Tell the vCPU a posted interrupt is there: in guest mode the notification
 * vector to its CPU, processed without an exit; otherwise wake it if it is
 * blocked, and the next entry's PIR sync takes it in (KVM's
 * kvm_vcpu_trigger_posted_interrupt()).
 */
static void kvm_vcpu_trigger_posted_interrupt(struct kvm_vcpu *vcpu, int pi_vec)
{
	if (READ_ONCE(vcpu->mode) == IN_GUEST_MODE) {
		debugfs_add(&kvm_debugfs.pi_notifications, 1);
		apic_send_IPI(READ_ONCE(vcpu->cpu), pi_vec);
		return;
	}
	kvm_vcpu_wake_up(vcpu);
}

/*
 * Post @vector (KVM's vmx_deliver_posted_interrupt()): PIR, then ON; who
 * set ON notifies. The mode is read after ON (both are full barriers):
 * paired with vcpu_enter_guest()'s smp_mb() between IN_GUEST_MODE and the
 * PIR sync, so either the notification or the sync finds the vector.
 */
static int vmx_deliver_posted_interrupt(struct kvm_vcpu *vcpu, int vector)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	if (!READ_ONCE(vcpu->apicv_active))
		return -1;
	if (test_and_set_bit(vector, vmx->pi_desc->pir))
		return 0;
	if (__atomic_fetch_or(&vmx->pi_desc->control, PI_ON, __ATOMIC_SEQ_CST) & PI_ON)
		return 0;
	kvm_vcpu_trigger_posted_interrupt(vcpu, POSTED_INTR_VECTOR);
	return 0;
}

static bool vmx_pi_has_pending(struct kvm_vcpu *vcpu)
{
	return __atomic_load_n(&to_vmx(vcpu)->pi_desc->control, __ATOMIC_SEQ_CST) & PI_ON;
}

/* RVI, bits 7:0 of the guest interrupt status (KVM's vmx_set_rvi()). */
static void vmx_set_rvi(int vector)
{
	uint16_t status = vmcs_read16(VMCS_GUEST_INTR_STATUS);
	uint16_t rvi = vector < 0 ? 0 : (uint16_t)vector;

	if ((status & 0xff) != rvi)
		vmcs_write16(VMCS_GUEST_INTR_STATUS, (uint16_t)((status & 0xff00) | rvi));
}

/*
 * Before entry, with IN_GUEST_MODE set: what was posted while the vCPU was
 * out of the guest goes into the virtual IRR (the APIC page), and RVI
 * names the highest (KVM's vmx_sync_pir_to_irr()). ON is cleared first, so
 * a sender after it notifies again.
 */
static int vmx_sync_pir_to_irr(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);
	int max_irr;

	if (vmx_pi_has_pending(vcpu)) {
		__atomic_fetch_and(&vmx->pi_desc->control, ~PI_ON, __ATOMIC_SEQ_CST);
		for (int i = 0; i < 8; i++) {
			uint32_t *pir = (uint32_t *)vmx->pi_desc->pir + i;
			uint32_t val = __atomic_exchange_n(pir, 0, __ATOMIC_SEQ_CST);

			if (val)
				__atomic_fetch_or(kvm_lapic_irr_word(vcpu->apic, i), val,
						  __ATOMIC_SEQ_CST);
		}
	}
	max_irr = kvm_lapic_find_highest_irr(vcpu);
	vmx_set_rvi(max_irr);
	return max_irr;
}

/* An external interrupt for the next entry ("VM-Entry Controls for Event Injection"). */
static void vmx_inject_irq(struct kvm_vcpu *vcpu, int vector)
{
	(void)vcpu;
	vmcs_write32(VMCS_VM_ENTRY_INTR_INFO_FIELD,
		     (uint32_t)(INTR_INFO_VALID_MASK | INTR_TYPE_EXT_INTR | (uint32_t)vector));
}

/* #DB and #BP as a guest debugger queues them: hardware exceptions without an error code. */
static void vmx_inject_exception(struct kvm_vcpu *vcpu, int vector)
{
	(void)vcpu;
	vmcs_write32(VMCS_VM_ENTRY_INTR_INFO_FIELD,
		     (uint32_t)(INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | (uint32_t)vector));
}

static void vmx_enable_irq_window(struct kvm_vcpu *vcpu)
{
	struct vcpu_vmx *vmx = to_vmx(vcpu);

	vmx->exec_control |= CPU_BASED_INTR_WINDOW_EXITING;
	vmcs_write32(VMCS_CPU_BASED_VM_EXEC_CONTROL, vmx->exec_control);
}

static bool vmx_interrupt_allowed(struct kvm_vcpu *vcpu)
{
	(void)vcpu;
	return (vmcs_readl(VMCS_GUEST_RFLAGS) & X86_EFLAGS_IF) &&
	       !(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY_INFO) &
		 (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS));
}

struct kvm_x86_ops vmx_x86_ops = {
	.name = "kvm_intel",
	.hardware_setup = hardware_setup,
	.check_processor_compatibility = vmx_check_processor_compat,
	.hardware_enable = vmx_hardware_enable,
	.hardware_disable = vmx_hardware_disable,
	.vcpu_create = vmx_vcpu_create,
	.vcpu_free = vmx_vcpu_free,
	.vcpu_load = vmx_vcpu_load,
	.vcpu_put = vmx_vcpu_put,
	.vcpu_run = vmx_vcpu_run,
	.handle_exit_irqoff = vmx_handle_exit_irqoff,
	.handle_exit = vmx_handle_exit,
	.get_regs = vmx_get_regs,
	.set_regs = vmx_set_regs,
	.get_sregs = vmx_get_sregs,
	.set_sregs = vmx_set_sregs,
	.check_apicv_inhibit_reasons = vmx_check_apicv_inhibit_reasons,
	.refresh_apicv_exec_ctrl = vmx_refresh_apicv_exec_ctrl,
	.deliver_posted_interrupt = vmx_deliver_posted_interrupt,
	.sync_pir_to_irr = vmx_sync_pir_to_irr,
	.pi_has_pending = vmx_pi_has_pending,
	.inject_irq = vmx_inject_irq,
	.inject_exception = vmx_inject_exception,
	.enable_irq_window = vmx_enable_irq_window,
	.interrupt_allowed = vmx_interrupt_allowed,
};
