// SPDX-License-Identifier: MIT
/* Instrumented programs: hv/vmx.c driven through vmx_x86_ops, as KVM's generic code would. */
#include "hvprogs.h"

#include "hvsim/hw.h"
#include "hvsim/kernel.h"
#include "hvsim/kvm.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"
#include "kvm_host.h"
#include "vmx.h"

static struct hvp_run *hvp_cur;	/* whose self-IPI handler counts */

static void hvp_irq_handler(void)
{
	WRITE_ONCE(hvp_cur->irq_handled, hvp_cur->irq_handled + 1);
}

static void compat_on_cpu(void *info)
{
	struct hvp_run *r = info;

	r->compat[smp_processor_id()] = vmx_x86_ops.check_processor_compatibility();
}

static void enable_on_cpu(void *info)
{
	struct hvp_run *r = info;

	r->enable[smp_processor_id()] = vmx_x86_ops.hardware_enable();
}

static void reenable_on_cpu(void *info)
{
	struct hvp_run *r = info;

	r->enable_after[smp_processor_id()] = vmx_x86_ops.hardware_enable();
}

static void disable_on_cpu(void *info)
{
	struct hvp_run *r = info;

	vmx_x86_ops.hardware_disable();
	r->cr4_vmxe_after_disable[smp_processor_id()] = read_cr4() & X86_CR4_VMXE;
}

static uint64_t rd(unsigned long field)
{
	unsigned long v = 0;

	vmread(field, &v);
	return v;
}

static void corrupt_vmcs(enum hvp_corrupt how)
{
	if (how == HVP_CORRUPT_HOST_CR0)
		vmwrite(VMCS_HOST_CR0, 0);
	else if (how == HVP_CORRUPT_GUEST_RFLAGS)
		vmwrite(VMCS_GUEST_RFLAGS, 0);
}

/*
 * As KVM_RUN would: vcpu_load on this CPU, then entries with interrupts
 * off around vcpu_run and handle_exit_irqoff, until handle_exit says user
 * space (or an error).
 */
static void vcpu_run_here(struct hvp_run *r, struct hvp_vcpu_run *out, bool first)
{
	struct kvm_vcpu *vcpu = r->vcpu;
	struct vcpu_vmx *vmx;
	int cpu = (int)get_cpu();

	out->cpu = cpu;
	vmx_x86_ops.vcpu_load(vcpu, cpu);
	vcpu->cpu = cpu;
	vmx = vcpu->arch;
	out->vmptrst_after_load = vmptrst();
	out->vmcs_pa = __pa(vmx->loaded_vmcs->vmcs);
	out->host_tr_base = rd(VMCS_HOST_TR_BASE);
	out->host_gdtr_base = rd(VMCS_HOST_GDTR_BASE);
	if (first)
		corrupt_vmcs(r->corrupt);
	while (out->nexits < HVP_MAX_EXITS) {
		struct hvp_exit *e = &out->exit[out->nexits++];

		e->rip_before = rd(VMCS_GUEST_RIP);
		e->launched_before = vmx->loaded_vmcs->launched;
		local_irq_disable();
		if (first && out->nexits == 1 && r->self_ipi)
			apic_send_IPI_self((int)r->self_ipi);
		vmx_x86_ops.vcpu_run(vcpu);
		vmx_x86_ops.handle_exit_irqoff(vcpu);
		local_irq_enable();
		e->vmx_exit_reason = vmx->exit_reason;
		e->handled = vmx_x86_ops.handle_exit(vcpu);
		e->rip_after = rd(VMCS_GUEST_RIP);
		if (e->handled > 0)
			continue;
		e->kvm_exit_reason = vcpu->run->exit_reason;
		if (vcpu->run->exit_reason == KVM_EXIT_FAIL_ENTRY) {
			e->hw_reason = vcpu->run->fail_entry.hardware_entry_failure_reason;
			e->fail_cpu = vcpu->run->fail_entry.cpu;
		} else {
			e->hw_reason = vcpu->run->hw.hardware_exit_reason;
		}
		break;
	}
	vmx_x86_ops.vcpu_put(vcpu);
	put_cpu();
}

static void save_config(struct hvp_run *r)
{
	r->config[0] = (uint32_t)vmcs_config.size;
	r->config[1] = (uint32_t)vmcs_config.order;
	r->config[2] = vmcs_config.basic_cap;
	r->config[3] = vmcs_config.revision_id;
	r->config[4] = vmcs_config.pin_based_exec_ctrl;
	r->config[5] = vmcs_config.cpu_based_exec_ctrl;
	r->config[6] = vmcs_config.cpu_based_2nd_exec_ctrl;
	r->config[7] = vmcs_config.vmexit_ctrl;
	r->config[8] = vmcs_config.vmentry_ctrl;
}

void hvp_kvm_task(void *arg)
{
	struct hvp_run *r = arg;
	struct kvm_vcpu *vcpu;
	bool compatible = true;

	hvp_cur = r;
	if (r->self_ipi)
		alloc_intr_gate(r->self_ipi, hvp_irq_handler);
	r->setup = vmx_x86_ops.hardware_setup();
	if (r->setup)
		return;
	save_config(r);
	/* As kvm_init(): every online CPU checked where it runs. */
	for (unsigned int cpu = 0; cpu < r->ncpus; cpu++) {
		smp_call_function_single((int)cpu, compat_on_cpu, r, 1);
		compatible &= r->compat[cpu] == 0;
	}
	if (!compatible)
		goto out_unsetup;

	on_each_cpu(enable_on_cpu, r, 1);
	if (r->enable_twice)
		r->enable_again = vmx_x86_ops.hardware_enable();

	vcpu = kzalloc(sizeof(*vcpu), GFP_KERNEL);
	vcpu->run = kzalloc(sizeof(*vcpu->run), GFP_KERNEL);
	vcpu->cpu = -1;
	r->vcpu = vcpu;
	r->create = vmx_x86_ops.vcpu_create(vcpu);
	if (r->create)
		goto out_disable;

	vcpu_run_here(r, &r->run0, true);
	if (r->migrate) {
		WRITE_ONCE(r->moved, 1);
		/* Interrupts on: CPU 1's VMCLEAR request lands here meanwhile. */
		while (!READ_ONCE(r->done1))
			cpu_relax();
		r->vmptrst_cpu0_after_move = vmptrst();
	}
	if (r->reenable) {
		on_each_cpu(disable_on_cpu, r, 1);
		r->loaded_cpu_after_disable = ((struct vcpu_vmx *)vcpu->arch)->loaded_vmcs->cpu;
		on_each_cpu(reenable_on_cpu, r, 1);
		vcpu_run_here(r, &r->run_again, false);
	}
	vmx_x86_ops.vcpu_free(vcpu);
out_disable:
	on_each_cpu(disable_on_cpu, r, 1);
	kfree(vcpu->run);
	kfree(vcpu);
out_unsetup:
	vmx_hardware_unsetup();
}

void hvp_cpu1_task(void *arg)
{
	struct hvp_run *r = arg;

	while (!READ_ONCE(r->moved))
		cpu_relax();
	vcpu_run_here(r, &r->run1, false);
	WRITE_ONCE(r->done1, 1);
}
