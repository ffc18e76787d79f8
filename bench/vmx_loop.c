// SPDX-License-Identifier: MIT
/* Instrumented: a hypervisor's VM-entry loop and an IPI loop, for hvsim-bench's figures. */
#include "vmx_loop.h"

#include "hvsim/hw.h"
#include "hvsim/kernel.h"
#include "hvsim/kvm.h"
#include "hvsim/user.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"

static unsigned long region(uint32_t revision)
{
	unsigned long page = __get_free_pages(GFP_KERNEL, 0);

	if (page)
		*(uint32_t *)page = revision;
	return page;
}

void vmx_loop_task(void *arg)
{
	struct vmx_loop *l = arg;
	uint64_t basic;
	unsigned long on, vmcs, reason = 0;
	uint32_t rev;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	rev = (uint32_t)(basic & VMX_BASIC_REVISION_MASK);
	on = region(rev);
	vmcs = region(rev);
	cr4_set_bits(X86_CR4_VMXE);
	vmxon(__pa((void *)on));
	vmclear(__pa((void *)vmcs));
	vmptrld(__pa((void *)vmcs));
	for (unsigned int i = 0; i < l->nfields; i++)
		vmwrite(l->field[i], l->value[i]);
	l->hlt_exits = 0;
	for (unsigned int i = 0; i < l->entries; i++) {
		local_irq_disable();
		if ((i ? vmresume() : vmlaunch()) != VMX_SUCCEED)
			break;
		vmread(VMCS_VM_EXIT_REASON, &reason);
		local_irq_enable();
		if (reason == EXIT_REASON_HLT)
			l->hlt_exits++;
	}
	vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	free_pages(on, 0);
	free_pages(vmcs, 0);
}

static void ipi_hit(void *info)
{
	struct ipi_loop *l = info;

	l->ran++;
}

void ipi_loop_task(void *arg)
{
	struct ipi_loop *l = arg;
	uint64_t t0 = rdtsc();

	l->ran = 0;
	for (unsigned int i = 0; i < l->calls; i++)
		smp_call_function_single(1, ipi_hit, l, 1);
	l->cycles = rdtsc() - t0;
}

/* A VMM's loop: one VM, one vCPU, KVM_RUN to the guest's HLT again and again. */
void kvm_run_loop_task(void *arg)
{
	struct kvm_run_loop *l = arg;
	struct kvm_run *run;
	int kvm, vm, vcpu;
	uint64_t t0;

	l->hlt_exits = 0;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	run = sim_sys_mmap(NULL, 4096, 0x3, 0x1, vcpu, 0);
	if (IS_ERR(run))
		return;
	t0 = rdtsc();
	for (unsigned int i = 0; i < l->runs; i++)
		if (sim_sys_ioctl(vcpu, KVM_RUN, 0) == 0 && run->exit_reason == KVM_EXIT_HLT)
			l->hlt_exits++;
	l->cycles = rdtsc() - t0;
	sim_sys_close(vcpu);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}
