// SPDX-License-Identifier: MIT
/*
 * The adapter's VMX, in the role of 6.1's arch/x86/kvm/vmx/vmx.c, against
 * the tree's headers (its VMCS encodings and control bits, its struct
 * kvm_vcpu) and compiled as KVM is: instrumented, code under test. The
 * instructions go through hvsim's (k61_iface.h, host61_vmx.c): each a
 * step of the CPU it runs on, with the SDM's checks.
 *
 * What hv/vmx.c does is the model, smaller:
 *  - the VMCS configuration is computed once, on the boot CPU
 *    (kvm_arch_hardware_setup()), from its capability MSRs: KVM's
 *    required controls for what this guest needs, and of its optional
 *    ones RDTSCP, INVPCID and TSC scaling; no EPT, MSR bitmaps or TPR
 *    shadow (the guest stand-in touches no memory). Every vCPU's
 *    controls come from it, on whichever CPU the vCPU runs, as KVM's do;
 *  - a VMXON region per possible CPU, stamped with the boot CPU's
 *    revision identifier; hardware enable is CR4.VMXE and VMXON;
 *  - a VMCS per vCPU, made current on the CPU the vCPU is loaded on, and
 *    VMCLEARed on the CPU it was active on first (an IPI) when it moves;
 *  - the guest starts in 64-bit mode, as hv/vmx.c's does.
 *
 * hvsim checks, at VMLAUNCH, every control against the CPU's own
 * capability MSRs: a CPU that lacks a control the boot CPU's
 * configuration has (a Kaby Lake's TSC scaling, in a Skylake-SP
 * machine) fails the entry with VM-instruction error 7.
 */
#include <linux/kvm_host.h>

#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include <asm/vmx.h>

#include "arch61.h"
#include "k61_iface.h"

/* KVM's required controls, for the guest here; and the optional ones it takes. */
#define K61_PIN_REQUIRED	(PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING)
#define K61_PIN_OPTIONAL	PIN_BASED_VIRTUAL_NMIS
#define K61_EXEC_REQUIRED	(CPU_BASED_HLT_EXITING | CPU_BASED_CR8_LOAD_EXITING |	\
				 CPU_BASED_CR8_STORE_EXITING | CPU_BASED_UNCOND_IO_EXITING | \
				 CPU_BASED_MOV_DR_EXITING | CPU_BASED_USE_TSC_OFFSETTING | \
				 CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING |	\
				 CPU_BASED_INVLPG_EXITING | CPU_BASED_RDPMC_EXITING |	\
				 CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING)
#define K61_EXEC_OPTIONAL	CPU_BASED_ACTIVATE_SECONDARY_CONTROLS
#define K61_EXEC2_OPTIONAL	(SECONDARY_EXEC_ENABLE_RDTSCP | SECONDARY_EXEC_ENABLE_INVPCID | \
				 SECONDARY_EXEC_TSC_SCALING)
#define K61_EXIT_REQUIRED	(VM_EXIT_SAVE_DEBUG_CONTROLS | VM_EXIT_HOST_ADDR_SPACE_SIZE)
#define K61_ENTRY_REQUIRED	VM_ENTRY_LOAD_DEBUG_CONTROLS

/* KVM's default TSC multiplier: 1.0 in 16.48 fixed point. */
#define K61_TSC_MULTIPLIER_DEFAULT	(1ULL << 48)

/* The host state every CPU shares (hv/vmx.c's, Linux's layout). */
#define K61_HOST_CS		0x10
#define K61_HOST_SS		0x18
#define K61_HOST_TR		0x40
#define K61_HOST_IDT		0xfffffe0000000000UL
#define K61_HOST_RIP		0xffffffff81000000UL
#define K61_HOST_RSP		0xffffc90000004000UL

/* The guest's reset state: 64-bit mode, flat segments (hv/vmx.c's). */
#define K61_GUEST_CS		0x08
#define K61_GUEST_DS		0x10
#define K61_GUEST_TR		0x18
#define K61_GUEST_AR_CODE64	0xa09b
#define K61_GUEST_AR_DATA	0xc093
#define K61_GUEST_AR_TSS64	0x008b
#define K61_GUEST_AR_UNUSABLE	0x10000
#define K61_GUEST_CR3		0x2000UL
#define K61_GUEST_GDTR		0x3000UL
#define K61_GUEST_IDTR		0x4000UL
#define K61_GUEST_RSP		0x8000UL
#define K61_GUEST_RIP		0x100000UL

struct k61_vmcs_config k61_vmcs_config;

/* A VMXON region per possible CPU, and the VMCS current on each. */
static void *k61_vmxarea[NR_CPUS];
static struct k61_vmx *k61_current_vmx[NR_CPUS];
/* The host's page table root, for HOST_CR3. */
static void *k61_host_pgd;

static u64 k61_rdmsr(u32 msr)
{
	unsigned long long v;

	return k61_host_rdmsr(msr, &v) ? 0 : v;
}

static unsigned long vmcs_read(unsigned long field)
{
	unsigned long v = 0;

	k61_host_vmread(field, &v);
	return v;
}

/* A failed VMWRITE is logged as KVM's vmwrite_error() logs it, and the run goes on. */
static void vmcs_write(unsigned long field, unsigned long val)
{
	if (k61_host_vmwrite(field, val))
		pr_warn("kvm: vmwrite failed: field=%lx val=%lx err=%u\n", field, val,
			(u32)vmcs_read(VM_INSTRUCTION_ERROR));
}

/* KVM's adjust_vmx_controls(): @min must be allowed, @opt is taken where it is. */
static int adjust_controls(u32 min, u32 opt, u32 msr, u32 *result)
{
	u64 cap = k61_rdmsr(msr);
	u32 ctl = min | opt;

	ctl &= (u32)(cap >> 32);
	ctl |= (u32)cap;
	if (min & ~ctl)
		return -EIO;
	*result = ctl;
	return 0;
}

int k61_setup_vmcs_config(struct k61_vmcs_config *c)
{
	u64 basic = k61_rdmsr(MSR_IA32_VMX_BASIC);
	bool true_ctls = basic & VMX_BASIC_TRUE_CTLS;

	memset(c, 0, sizeof(*c));
	if (adjust_controls(K61_PIN_REQUIRED, K61_PIN_OPTIONAL,
			    true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS : MSR_IA32_VMX_PINBASED_CTLS,
			    &c->pin) ||
	    adjust_controls(K61_EXEC_REQUIRED, K61_EXEC_OPTIONAL,
			    true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS : MSR_IA32_VMX_PROCBASED_CTLS,
			    &c->exec) ||
	    adjust_controls(K61_EXIT_REQUIRED, 0,
			    true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS : MSR_IA32_VMX_EXIT_CTLS,
			    &c->exit) ||
	    adjust_controls(K61_ENTRY_REQUIRED, 0,
			    true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS : MSR_IA32_VMX_ENTRY_CTLS,
			    &c->entry))
		return -EIO;
	if ((c->exec & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) &&
	    adjust_controls(0, K61_EXEC2_OPTIONAL, MSR_IA32_VMX_PROCBASED_CTLS2, &c->exec2))
		return -EIO;
	c->revision_id = (u32)basic & 0x7fffffff;
	c->cr0_fixed0 = k61_rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr4_fixed0 = k61_rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	return 0;
}

static void *alloc_vmcs_page(void)
{
	u32 *page = (u32 *)__get_free_page(GFP_KERNEL | __GFP_ZERO);

	if (page)
		page[0] = k61_vmcs_config.revision_id;
	return page;
}

void k61_vmx_free_areas(void)
{
	for (int cpu = 0; cpu < NR_CPUS; cpu++) {
		free_page((unsigned long)k61_vmxarea[cpu]);
		k61_vmxarea[cpu] = NULL;
	}
	free_page((unsigned long)k61_host_pgd);
	k61_host_pgd = NULL;
}

/* KVM's alloc_kvm_area(): every possible CPU's VMXON region, at setup. */
int k61_vmx_alloc_areas(void)
{
	int cpu;

	k61_host_pgd = (void *)__get_free_page(GFP_KERNEL | __GFP_ZERO);
	if (!k61_host_pgd)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		k61_vmxarea[cpu] = alloc_vmcs_page();
		if (!k61_vmxarea[cpu]) {
			k61_vmx_free_areas();
			return -ENOMEM;
		}
	}
	return 0;
}

/* CR4.VMXE and VMXON on this CPU (KVM's vmx_hardware_enable()). */
int k61_vmx_hardware_enable(void)
{
	int cpu = raw_smp_processor_id();
	int r;

	if (k61_host_read_cr(4) & X86_CR4_VMXE)
		return -EBUSY;
	k61_host_cr4_update(X86_CR4_VMXE, 0);
	r = k61_host_vmx(K61_VMXON, __pa(k61_vmxarea[cpu]));
	if (!r)
		return 0;
	pr_err("kvm: VMXON failed on CPU %d (%d)\n", cpu, r);
	k61_host_cr4_update(0, X86_CR4_VMXE);
	return r == -EFAULT ? -EFAULT : -EIO;
}

/* VMCLEAR @vmx's VMCS on the CPU it is active on, which is this one. */
static void vmclear_local(void *arg)
{
	struct k61_vmx *vmx = arg;
	int cpu = raw_smp_processor_id();

	if (READ_ONCE(vmx->loaded_cpu) != cpu)
		return;
	k61_host_vmx(K61_VMCLEAR, __pa(vmx->vmcs));
	if (k61_current_vmx[cpu] == vmx)
		k61_current_vmx[cpu] = NULL;
	vmx->launched = false;
	WRITE_ONCE(vmx->loaded_cpu, -1);
}

/* VMCLEAR every VMCS active here, then VMXOFF (KVM's vmx_hardware_disable()). */
void k61_vmx_hardware_disable(void)
{
	int cpu = raw_smp_processor_id();

	if (k61_current_vmx[cpu])
		vmclear_local(k61_current_vmx[cpu]);
	k61_host_vmx(K61_VMXOFF, 0);
	k61_host_cr4_update(0, X86_CR4_VMXE);
}

int k61_vmx_vcpu_create(struct k61_vmx *vmx)
{
	vmx->vmcs = alloc_vmcs_page();
	if (!vmx->vmcs)
		return -ENOMEM;
	vmx->loaded_cpu = -1;
	return 0;
}

void k61_vmx_vcpu_free(struct k61_vmx *vmx)
{
	int cpu = READ_ONCE(vmx->loaded_cpu);

	if (cpu >= 0)
		smp_call_function_single(cpu, vmclear_local, vmx, 1);
	free_page((unsigned long)vmx->vmcs);
	vmx->vmcs = NULL;
}

/*
 * Make the vCPU's VMCS current on @cpu, the calling CPU, preemption off
 * (KVM's vmx_vcpu_load_vmcs()): VMCLEARed first where it was active.
 */
void k61_vmx_vcpu_load(struct k61_vmx *vmx, int cpu)
{
	int was = READ_ONCE(vmx->loaded_cpu);

	if (!vmx->vmcs)
		return;
	if (was != cpu) {
		if (was >= 0)
			smp_call_function_single(was, vmclear_local, vmx, 1);
		WRITE_ONCE(vmx->loaded_cpu, cpu);
	}
	if (k61_current_vmx[cpu] != vmx) {
		k61_host_vmx(K61_VMPTRLD, __pa(vmx->vmcs));
		k61_current_vmx[cpu] = vmx;
	}
}

static void set_segment(unsigned long sel_field, u16 sel, u32 limit, u32 ar)
{
	/*
	 * A segment's selector, base, limit and access rights sit at ES's
	 * encoding plus twice its index (ES, CS, SS, DS, FS, GS, LDTR, TR:
	 * SDM Vol. 3D, Appendix B).
	 */
	unsigned int seg = (sel_field - GUEST_ES_SELECTOR) / 2;

	vmcs_write(sel_field, sel);
	vmcs_write(GUEST_ES_BASE + seg * 2, 0);
	vmcs_write(GUEST_ES_LIMIT + seg * 2, limit);
	vmcs_write(GUEST_ES_AR_BYTES + seg * 2, ar);
}

/* Program the loaded VMCS: controls from the configuration, host state, a reset guest. */
static void init_vmcs(struct k61_vmx *vmx)
{
	const struct k61_vmcs_config *c = &k61_vmcs_config;

	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, c->pin);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, c->exec);
	if (c->exec & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS)
		vmcs_write(SECONDARY_VM_EXEC_CONTROL, c->exec2);
	if (c->exec2 & SECONDARY_EXEC_TSC_SCALING)
		vmcs_write(TSC_MULTIPLIER, K61_TSC_MULTIPLIER_DEFAULT);
	vmcs_write(VM_EXIT_CONTROLS, c->exit);
	vmcs_write(VM_ENTRY_CONTROLS, c->entry | VM_ENTRY_IA32E_MODE);
	vmcs_write(EXCEPTION_BITMAP, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO_FIELD, 0);
	vmcs_write(TSC_OFFSET, 0);

	vmcs_write(HOST_CR0, k61_host_read_cr(0));
	vmcs_write(HOST_CR3, __pa(k61_host_pgd));
	vmcs_write(HOST_CR4, k61_host_read_cr(4));
	vmcs_write(HOST_CS_SELECTOR, K61_HOST_CS);
	vmcs_write(HOST_SS_SELECTOR, K61_HOST_SS);
	vmcs_write(HOST_DS_SELECTOR, 0);
	vmcs_write(HOST_ES_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, K61_HOST_TR);
	vmcs_write(HOST_IDTR_BASE, K61_HOST_IDT);
	vmcs_write(HOST_RIP, K61_HOST_RIP);
	vmcs_write(HOST_RSP, K61_HOST_RSP);
	vmcs_write(HOST_IA32_SYSENTER_CS, k61_rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_write(HOST_IA32_SYSENTER_EIP, k61_rdmsr(MSR_IA32_SYSENTER_EIP));

	vmcs_write(GUEST_CR0, c->cr0_fixed0);
	vmcs_write(GUEST_CR3, K61_GUEST_CR3);
	vmcs_write(GUEST_CR4, c->cr4_fixed0 | X86_CR4_PAE);
	vmcs_write(CR0_READ_SHADOW, c->cr0_fixed0);
	vmcs_write(CR4_READ_SHADOW, c->cr4_fixed0 | X86_CR4_PAE);
	set_segment(GUEST_CS_SELECTOR, K61_GUEST_CS, 0xffffffff, K61_GUEST_AR_CODE64);
	set_segment(GUEST_SS_SELECTOR, K61_GUEST_DS, 0xffffffff, K61_GUEST_AR_DATA);
	set_segment(GUEST_DS_SELECTOR, K61_GUEST_DS, 0xffffffff, K61_GUEST_AR_DATA);
	set_segment(GUEST_ES_SELECTOR, K61_GUEST_DS, 0xffffffff, K61_GUEST_AR_DATA);
	set_segment(GUEST_FS_SELECTOR, K61_GUEST_DS, 0xffffffff, K61_GUEST_AR_DATA);
	set_segment(GUEST_GS_SELECTOR, K61_GUEST_DS, 0xffffffff, K61_GUEST_AR_DATA);
	set_segment(GUEST_TR_SELECTOR, K61_GUEST_TR, 0x67, K61_GUEST_AR_TSS64);
	set_segment(GUEST_LDTR_SELECTOR, 0, 0, K61_GUEST_AR_UNUSABLE);
	vmcs_write(GUEST_GDTR_BASE, K61_GUEST_GDTR);
	vmcs_write(GUEST_GDTR_LIMIT, 0x27);
	vmcs_write(GUEST_IDTR_BASE, K61_GUEST_IDTR);
	vmcs_write(GUEST_IDTR_LIMIT, 0xfff);
	vmcs_write(GUEST_RIP, K61_GUEST_RIP);
	vmcs_write(GUEST_RSP, K61_GUEST_RSP);
	vmcs_write(GUEST_RFLAGS, X86_EFLAGS_FIXED);
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0UL);
	vmx->host_cr4 = k61_host_read_cr(4);
}

/* A new vCPU's VMCS, loaded on this CPU (x86's vmx_vcpu_reset() at creation). */
void k61_vmx_vcpu_reset(struct k61_vmx *vmx)
{
	init_vmcs(vmx);
}

void k61_vmx_get_rsp_rip_rflags(struct k61_vmx *vmx, u64 *rsp, u64 *rip, u64 *rflags)
{
	*rsp = vmcs_read(GUEST_RSP);
	*rip = vmcs_read(GUEST_RIP);
	*rflags = vmcs_read(GUEST_RFLAGS);
}

void k61_vmx_set_rsp_rip_rflags(struct k61_vmx *vmx, u64 rsp, u64 rip, u64 rflags)
{
	vmcs_write(GUEST_RSP, rsp);
	vmcs_write(GUEST_RIP, rip);
	vmcs_write(GUEST_RFLAGS, rflags | X86_EFLAGS_FIXED);
}

/*
 * VMLAUNCH or VMRESUME on this CPU, interrupts off, the VMCS current
 * (KVM's vmx_vcpu_run()): the exit, in @vmx.
 */
void k61_vmx_vcpu_run(struct k61_vmx *vmx)
{
	unsigned long cr4 = k61_host_read_cr(4);
	int r;

	/* The host's CR4 may have changed since the last entry. */
	if (cr4 != vmx->host_cr4) {
		vmcs_write(HOST_CR4, cr4);
		vmx->host_cr4 = cr4;
	}
	r = k61_host_vmx(vmx->launched ? K61_VMRESUME : K61_VMLAUNCH, 0);
	vmx->fail = r != 0;
	if (vmx->fail) {
		vmx->exit_reason = 0;
		vmx->insn_error = (u32)vmcs_read(VM_INSTRUCTION_ERROR);
		return;
	}
	vmx->exit_reason = (u32)vmcs_read(VM_EXIT_REASON);
	if (!(vmx->exit_reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
		vmx->launched = true;
}

/* Past the instruction that exited (KVM's skip_emulated_instruction()). */
void k61_vmx_skip_instruction(struct k61_vmx *vmx)
{
	unsigned long rip = vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN);

	vmcs_write(GUEST_RIP, rip);
	vmcs_write(GUEST_INTERRUPTIBILITY_INFO, 0);
}
