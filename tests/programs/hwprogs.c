// SPDX-License-Identifier: MIT
/* Instrumented programs exercising the hardware API on CPU models. */
#include "hwprogs.h"

#include "hvsim/hw.h"
#include "hvsim/kernel.h"
#include "hvsim/x86/apicdef.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"

static struct hw_result res;

void hw_result(struct hw_result *r)
{
	*r = res;
}

static void read_sig(void *info)
{
	unsigned int cpu = smp_processor_id();
	uint32_t a, b, c, d;

	(void)info;
	cpuid(1, &a, &b, &c, &d);
	res.signature[cpu] = a;
	res.apic_id[cpu] = b >> 24;
}

void hw_cpuid_all_task(void *arg)
{
	(void)arg;
	on_each_cpu(read_sig, NULL, 1);
}

static int hw_online(unsigned int cpu)
{
	uint32_t a, b, c, d;

	/* Runs on the new CPU, in its hotplug thread. */
	cpuid(1, &a, &b, &c, &d);
	if (cpu == smp_processor_id())
		res.online_sig = a;
	return 0;
}

void hw_hotadd_task(void *arg)
{
	(void)arg;
	cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "hw:online", hw_online, NULL);
	res.add_ret = add_cpu(2);
	smp_call_function_single(2, read_sig, NULL, 1);
}

void hw_vmxe_safe_task(void *arg)
{
	(void)arg;
	res.safe_ret = write_cr4_safe(read_cr4() | X86_CR4_VMXE);
}

void hw_vmxe_task(void *arg)
{
	(void)arg;
	cr4_set_bits(X86_CR4_VMXE);
	res.after_fault = 1;
}

void hw_feature_control_task(void *arg)
{
	uint64_t v;

	(void)arg;
	if (rdmsrl_safe(MSR_IA32_FEATURE_CONTROL, &v) == 0)
		res.msr = v;
	res.safe_ret = wrmsrl_safe(MSR_IA32_FEATURE_CONTROL, v & ~FEAT_CTL_LOCKED);
	wrmsrl(MSR_IA32_FEATURE_CONTROL, v & ~FEAT_CTL_LOCKED);	/* warns, goes on */
	res.after_fault = 1;
}

/* res.msr: IA32_EFER after the write that tried to clear LMA. */
void hw_efer_task(void *arg)
{
	uint64_t efer;

	(void)arg;
	rdmsrl(MSR_EFER, efer);
	res.efer_ret[0] = wrmsrl_safe(MSR_EFER, efer & ~EFER_LME);
	res.efer_ret[1] = wrmsrl_safe(MSR_EFER, efer & ~EFER_LMA);
	rdmsrl(MSR_EFER, res.msr);
	res.efer_ret[2] = wrmsrl_safe(MSR_EFER, efer & ~EFER_NX);
	wrmsrl(MSR_EFER, efer);
}

/* A VMXON or VMCS region: a zeroed page with the revision identifier. */
static unsigned long vmx_region(uint32_t revision)
{
	unsigned long page = __get_free_pages(GFP_KERNEL, 0);

	if (page)
		*(uint32_t *)page = revision;
	return page;
}

void hw_vmx_task(void *arg)
{
	unsigned long on, vmcs, val = 0;
	uint64_t basic;
	uint32_t rev;

	(void)arg;
	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	rev = (uint32_t)(basic & VMX_BASIC_REVISION_MASK);
	on = vmx_region(rev);
	vmcs = vmx_region(rev);
	res.vmx[0] = vmxon_safe(__pa((void *)on));		/* CR4.VMXE = 0: #UD */
	cr4_set_bits(X86_CR4_VMXE);
	res.vmx[1] = vmxon(__pa((void *)on) + 8);		/* misaligned: VMfailInvalid */
	*(uint32_t *)vmcs = rev ^ 1;
	res.vmx[2] = vmxon(__pa((void *)vmcs));		/* wrong revision: VMfailInvalid */
	*(uint32_t *)vmcs = rev;
	res.vmx[3] = vmxon(__pa((void *)on));		/* VMsucceed */
	res.vmx[4] = vmclear(__pa((void *)vmcs));
	res.vmx[5] = vmptrld(__pa((void *)vmcs));
	res.vmx[6] = vmptrld(__pa((void *)on));		/* the VMXON pointer: error 10 */
	vmread(0x4400, &val);
	res.vmx[7] = (long)val;
	res.vmx[8] = vmwrite(0x4402, 1);		/* read-only: error 13 */
	vmread(0x4400, &val);
	res.vmx[9] = (long)val;
	res.vmx[10] = vmresume();			/* not launched: error 5 */
	vmread(0x4400, &val);
	res.vmx[11] = (long)val;
	res.vmx[12] = vmlaunch();			/* all-zero controls: error 7 */
	vmread(0x4400, &val);
	res.vmx[13] = (long)val;
	res.vmx[14] = vmxon(__pa((void *)on));		/* in VMX root: error 15 */
	vmread(0x4400, &val);
	res.vmx[15] = (long)val;
	vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	free_pages(on, 0);
	free_pages(vmcs, 0);
}

void hw_vmxon_novmx_safe_task(void *arg)
{
	unsigned long on = vmx_region(4);

	(void)arg;
	res.safe_ret = vmxon_safe(__pa((void *)on));
	free_pages(on, 0);
}

void hw_vmxon_novmx_task(void *arg)
{
	unsigned long on = vmx_region(4);

	(void)arg;
	free_pages(on, 0);
	vmxon(__pa((void *)on));	/* #UD: an oops */
	res.after_fault = 1;
}

static void self_ipi_handler(void)
{
	res.vmx[4]++;
}

/* The local APIC through its MSRs: xAPIC at reset, x2APIC after IA32_APIC_BASE says so. */
void hw_x2apic_task(void *arg)
{
	uint64_t base = 0, v = 0;

	(void)arg;
	alloc_intr_gate(0x40, self_ipi_handler);
	res.safe_ret = rdmsrl_safe(APIC_BASE_MSR + (APIC_ID >> 4), &v);	/* xAPIC mode: #GP */
	/* The xAPIC page answers in xAPIC mode: the version register, a TPR written and read. */
	res.vmx[7] = native_apic_mem_read(APIC_LVR);
	native_apic_mem_write(APIC_TASKPRI, 0x20);
	res.vmx[8] = native_apic_mem_read(APIC_TASKPRI);
	native_apic_mem_write(APIC_TASKPRI, 0);
	rdmsrl(MSR_IA32_APICBASE, base);
	res.msr = base;
	wrmsrl(MSR_IA32_APICBASE, base | X2APIC_ENABLE);
	/* In x2APIC mode the page is not decoded: reads 0, a write is dropped, no fault. */
	res.vmx[9] = native_apic_mem_read(APIC_LVR);
	native_apic_mem_write(APIC_TASKPRI, 0x30);
	rdmsrl(APIC_BASE_MSR + (APIC_TASKPRI >> 4), v);
	res.vmx[10] = (long)v;
	rdmsrl(APIC_BASE_MSR + (APIC_ID >> 4), v);
	res.vmx[0] = (long)v;
	wrmsrl(APIC_BASE_MSR + (APIC_SPIV >> 4), APIC_SPIV_APIC_ENABLED | 0xff);
	/* With interrupts off the self IPI waits in the IRR; with them on it is taken. */
	local_irq_disable();
	wrmsrl(APIC_BASE_MSR + (APIC_SELF_IPI >> 4), 0x40);
	rdmsrl(APIC_BASE_MSR + ((APIC_IRR + 0x20) >> 4), v);	/* IRR bits 0x40-0x5f */
	res.vmx[1] = (long)v;
	res.vmx[5] = res.vmx[4];
	local_irq_enable();
	rdmsrl(APIC_BASE_MSR + ((APIC_IRR + 0x20) >> 4), v);
	res.vmx[6] = (long)v;
	res.vmx[2] = wrmsrl_safe(MSR_IA32_APICBASE, base);	/* x2APIC -> xAPIC: #GP */
	res.vmx[3] = rdmsrl_safe(APIC_BASE_MSR + (APIC_EOI >> 4), &v);	/* write-only: #GP */
	res.after_fault = 1;
}

/* On CPU 1, by IPI: VMXON (and VMXOFF again when vmxoff_too). */
static unsigned long offline_region;
static int vmxoff_too;

static void vmx_on_cpu1(void *info)
{
	(void)info;
	cr4_set_bits(X86_CR4_VMXE);
	res.vmx[0] = vmxon(__pa((void *)offline_region));
	if (vmxoff_too)
		vmxoff();	/* CR4.VMXE stays set: INIT clears it */
}

static void read_cr4_of_cpu1(void *info)
{
	(void)info;
	res.vmx[3] = (long)read_cr4();
}

/*
 * CPU 1 enters VMX root operation and goes offline without VMXOFF (or
 * with it): bringing it up again needs INIT.
 */
static void offline_cycle(void)
{
	uint64_t basic;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	offline_region = vmx_region((uint32_t)(basic & VMX_BASIC_REVISION_MASK));
	smp_call_function_single(1, vmx_on_cpu1, NULL, 1);
	res.vmx[1] = remove_cpu(1);
	res.add_ret = add_cpu(1);
	res.vmx[2] = cpu_online(1);
	if (res.vmx[2])
		smp_call_function_single(1, read_cr4_of_cpu1, NULL, 1);
	free_pages(offline_region, 0);
}

void hw_offline_in_vmx_task(void *arg)
{
	(void)arg;
	offline_cycle();
}

void hw_offline_after_vmxoff_task(void *arg)
{
	(void)arg;
	vmxoff_too = 1;
	offline_cycle();
}

/* ---- the APIC timer and NMIs, through the x2APIC MSRs ---------------------- */

#define TIMER_VECTOR	0x41
#define X2APIC_MSR(reg)	(APIC_BASE_MSR + ((reg) >> 4))

static void timer_handler(void)
{
	res.vmx[1]++;
	res.msr = rdtsc();
}

/* A one-shot timer of 5000 counts at divide-by-1: its handler runs once, no earlier. */
void hw_apic_timer_task(void *arg)
{
	uint64_t base = 0;

	(void)arg;
	alloc_intr_gate(TIMER_VECTOR, timer_handler);
	rdmsrl(MSR_IA32_APICBASE, base);
	wrmsrl(MSR_IA32_APICBASE, base | X2APIC_ENABLE);
	wrmsrl(X2APIC_MSR(APIC_TDCR), 0xb);			/* divide by 1 */
	wrmsrl(X2APIC_MSR(APIC_LVTT), APIC_LVT_TIMER_ONESHOT | TIMER_VECTOR);
	res.vmx[0] = (long)rdtsc();
	wrmsrl(X2APIC_MSR(APIC_TMICT), 5000);
	while (!READ_ONCE(res.vmx[1]))
		cpu_relax();
	for (int i = 0; i < 50; i++)
		cpu_relax();
	res.vmx[2] = res.vmx[1];				/* still once: one-shot */
}

static int nmi_seen(unsigned int type, void *regs)
{
	(void)type;
	(void)regs;
	res.vmx[smp_processor_id() == 1 ? 4 : 5]++;
	return NMI_HANDLED;
}

static int nmi_target_ready;

/* CPU 1 spins with interrupts off; an NMI reaches it anyway. */
void hw_nmi_target_task(void *arg)
{
	(void)arg;
	local_irq_disable();
	WRITE_ONCE(nmi_target_ready, 1);
	while (!READ_ONCE(res.vmx[4]))
		cpu_relax();
	res.vmx[6] = irqs_disabled();
	local_irq_enable();
}

void hw_nmi_sender_task(void *arg)
{
	uint64_t base = 0;

	(void)arg;
	register_nmi_handler(NMI_LOCAL, nmi_seen, 0, "test");
	while (!READ_ONCE(nmi_target_ready))
		cpu_relax();
	rdmsrl(MSR_IA32_APICBASE, base);
	wrmsrl(MSR_IA32_APICBASE, base | X2APIC_ENABLE);
	wrmsrl(X2APIC_MSR(APIC_ICR), (1ULL << 32) | APIC_DM_NMI);	/* to APIC ID 1 */
}

/* ---- a broadcast IPI through the ICR's shorthand ------------------------------ */

#define BROADCAST_VECTOR	0x42

static void broadcast_handler(void)
{
	__atomic_fetch_add(&res.vmx[smp_processor_id()], 1, __ATOMIC_RELAXED);
}

/* All-but-self from CPU 0: each other CPU takes it once, CPU 0 not; then self. */
void hw_broadcast_task(void *arg)
{
	(void)arg;
	alloc_intr_gate(BROADCAST_VECTOR, broadcast_handler);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_ALLBUT | BROADCAST_VECTOR, 0);
	while (READ_ONCE(res.vmx[1]) + READ_ONCE(res.vmx[2]) < 2)
		cpu_relax();
	res.vmx[8] = READ_ONCE(res.vmx[0]);
	apic_icr_write(APIC_DM_FIXED | APIC_DEST_SELF | BROADCAST_VECTOR, 0);
	while (!READ_ONCE(res.vmx[0]))
		cpu_relax();
}

/* ---- more IPIs in flight than the hardware tracks ------------------------------ */

#define STORM_FIRST	0x50
#define STORM_VECTORS	40

static int storm_ready, storm_sent;

static void storm_handler(void)
{
	res.vmx[11]++;
}

/* CPU 1, interrupts off until all 40 vectors were sent; then it takes each once. */
void hw_storm_target_task(void *arg)
{
	(void)arg;
	local_irq_disable();
	WRITE_ONCE(storm_ready, 1);
	while (!READ_ONCE(storm_sent))
		cpu_relax();
	local_irq_enable();
	while (READ_ONCE(res.vmx[11]) < STORM_VECTORS)
		cpu_relax();
}

void hw_storm_sender_task(void *arg)
{
	(void)arg;
	for (int v = STORM_FIRST; v < STORM_FIRST + STORM_VECTORS; v++)
		alloc_intr_gate((unsigned int)v, storm_handler);
	while (!READ_ONCE(storm_ready))
		cpu_relax();
	for (int v = STORM_FIRST; v < STORM_FIRST + STORM_VECTORS; v++)
		apic_send_IPI(1, v);
	WRITE_ONCE(storm_sent, 1);
}
