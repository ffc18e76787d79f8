// SPDX-License-Identifier: MIT
/* Instrumented VMX programs: a hypervisor's VM entry loop, and VMXON alone. */
#include "vmxprogs.h"

#include "hvsim/hw.h"
#include "hvsim/kernel.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"

/* A VMXON or VMCS region: a zeroed page with the revision identifier. */
static unsigned long vmx_region(uint32_t revision)
{
	unsigned long page = __get_free_pages(GFP_KERNEL, 0);

	if (page)
		*(uint32_t *)page = revision;
	return page;
}

static uint32_t revision(void)
{
	uint64_t basic;

	rdmsrl(MSR_IA32_VMX_BASIC, basic);
	return (uint32_t)(basic & VMX_BASIC_REVISION_MASK);
}

static uint64_t rd(unsigned long field)
{
	unsigned long v = 0;

	vmread(field, &v);
	return v;
}

static void read_exit(struct vmxp_exit *e, int ret)
{
	e->ret = ret;
	if (ret == VMX_FAIL_VALID)
		e->error = (uint32_t)rd(VMCS_VM_INSTRUCTION_ERROR);
	if (ret != VMX_SUCCEED)
		return;
	e->reason = (uint32_t)rd(VMCS_VM_EXIT_REASON);
	e->qual = rd(VMCS_EXIT_QUALIFICATION);
	e->len = (uint32_t)rd(VMCS_VM_EXIT_INSTRUCTION_LEN);
	e->intr_info = (uint32_t)rd(VMCS_VM_EXIT_INTR_INFO);
	e->gpa = rd(VMCS_GUEST_PHYSICAL_ADDRESS);
	e->gla = rd(VMCS_GUEST_LINEAR_ADDRESS);
	e->timer = rd(VMCS_VMX_PREEMPTION_TIMER_VALUE);
	e->entry_intr_info = (uint32_t)rd(VMCS_VM_ENTRY_INTR_INFO_FIELD);
	e->idt_info = (uint32_t)rd(VMCS_IDT_VECTORING_INFO_FIELD);
	e->idt_error = (uint32_t)rd(VMCS_IDT_VECTORING_ERROR_CODE);
	e->intr_state = (uint32_t)rd(VMCS_GUEST_INTERRUPTIBILITY_INFO);
	e->activity = (uint32_t)rd(VMCS_GUEST_ACTIVITY_STATE);
	e->rflags = rd(VMCS_GUEST_RFLAGS);
}

/* The calling CPU's APIC ID (CPUID.1:EBX[31:24]). */
static uint32_t own_apic_id(void)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	return b >> 24;
}

/*
 * After an exit, what the hypervisor does before the next entry: after an
 * INIT signal, as a hypervisor emulating INIT for its guest, the guest
 * waits for a SIPI.
 */
static void after_exit(struct vmxp_run *r, const struct vmxp_exit *e)
{
	if (r->wait_sipi_after_init && e->reason == EXIT_REASON_INIT_SIGNAL)
		vmwrite(VMCS_GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_WAIT_SIPI);
}

/* ---- posted interrupts, the hypervisor's side ---- */

static struct vmxp_run *pi_run;	/* the run whose host handler counts */

/* The notification vector taken in root operation: KVM's handler only acknowledges it. */
static void pi_host_handler(void)
{
	struct vmxp_run *r = pi_run;

	for (int i = 0; i < 4; i++)
		r->pir_at_host[i] = READ_ONCE(r->pi_desc[i]);
	r->on_at_host = (int)(READ_ONCE(r->pi_desc[4]) & 1);
	WRITE_ONCE(r->pi_host_notified, r->pi_host_notified + 1);
}

/* The virtual-APIC page's IRR and ISR registers: 8 words, 16 bytes apart. */
#define VAPIC_REG(page, base, i)	((uint32_t *)((char *)(page) + (base) + 16 * (i)))

/*
 * KVM's vmx_sync_pir_to_irr(), done by the hypervisor in software: PIR
 * into the virtual IRR, ON cleared, RVI the highest pending vector.
 */
static void pi_sync_to_irr(struct vmxp_run *r, void *vapic)
{
	int highest = -1;

	__atomic_fetch_and(&r->pi_desc[4], ~1ULL, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 4; i++) {
		uint64_t pir = __atomic_exchange_n(&r->pi_desc[i], 0, __ATOMIC_SEQ_CST);

		for (int b = 0; b < 64; b++) {
			int vec = 64 * i + b;

			if (!(pir & (1ULL << b)))
				continue;
			*VAPIC_REG(vapic, 0x200, vec / 32) |= 1u << (vec % 32);
			highest = vec;
		}
	}
	if (highest >= 0)
		vmwrite(VMCS_GUEST_INTR_STATUS, (unsigned long)highest);
}

/* The posted-interrupt descriptor, written into the VMCS and set up; the host's handler. */
static void pi_setup(struct vmxp_run *r, void *vapic)
{
	uint64_t *desc = (uint64_t *)__get_free_pages(GFP_KERNEL, 0);

	vmwrite(VMCS_POSTED_INTR_DESC_ADDR, __pa(desc));
	vmwrite(VMCS_POSTED_INTR_NV, r->pi_nv);
	/* NV in bits 279:272, NDST (xAPIC: the ID in bits 15:8) in 319:288. */
	desc[4] = ((uint64_t)r->pi_nv << 16) | ((uint64_t)(smp_processor_id() << 8) << 32);
	r->pi_desc = desc;
	pi_run = r;
	alloc_intr_gate(r->pi_nv, pi_host_handler);
	WRITE_ONCE(r->pi_ready, 1);
	if (r->pi_host_first) {
		while (!READ_ONCE(r->pi_host_notified))
			cpu_relax();
		pi_sync_to_irr(r, vapic);
	}
}

/* The virtual-APIC page (and the APIC-access page when asked), written into the VMCS. */
static void *apicv_setup(struct vmxp_run *r)
{
	void *vapic = (void *)__get_free_pages(GFP_KERNEL, 0);

	vmwrite(VMCS_VIRTUAL_APIC_PAGE_ADDR, __pa(vapic));
	*VAPIC_REG(vapic, 0x80, 0) = r->vtpr_init;
	if (r->apic_access_page) {
		r->access_page = (void *)__get_free_pages(GFP_KERNEL, 0);
		vmwrite(VMCS_APIC_ACCESS_ADDR, __pa(r->access_page));
	}
	if (r->posted)
		pi_setup(r, vapic);
	return vapic;
}

static void apicv_read_back(struct vmxp_run *r, void *vapic)
{
	if (r->posted) {
		for (int i = 0; i < 4; i++)
			r->pir_after[i] = r->pi_desc[i];
		r->on_after = (int)(r->pi_desc[4] & 1);
		free_pages((unsigned long)r->pi_desc, 0);
	}
	for (int i = 0; i < 8; i++) {
		r->virr_after[i] = *VAPIC_REG(vapic, 0x200, i);
		r->visr_after[i] = *VAPIC_REG(vapic, 0x100, i);
	}
	r->vtpr_after = *VAPIC_REG(vapic, 0x80, 0);
	r->vicr_after = *VAPIC_REG(vapic, 0x300, 0);
	vmread(VMCS_GUEST_INTR_STATUS, (unsigned long *)&r->intr_status_after);
	if (r->access_page)
		free_pages((unsigned long)r->access_page, 0);
	free_pages((unsigned long)vapic, 0);
}

void vmxp_pi_sender_task(void *arg)
{
	struct vmxp_run *r = arg;
	uint64_t old;

	while (!READ_ONCE(r->pi_ready))
		cpu_relax();
	if (!r->pi_host_first)
		while (!READ_ONCE(r->in_guest_soon))
			cpu_relax();
	__atomic_fetch_or(&r->pi_desc[VMXP_PI_VECTOR / 64], 1ULL << (VMXP_PI_VECTOR % 64),
			  __ATOMIC_SEQ_CST);
	old = __atomic_fetch_or(&r->pi_desc[4], 1, __ATOMIC_SEQ_CST);
	if (!(old & 1))
		apic_send_IPI(1, r->pi_nv);
}

void vmxp_guest_task(void *arg)
{
	struct vmxp_run *r = arg;
	uint32_t rev = revision();
	unsigned long on = vmx_region(rev), area = 0, exit_area = 0;
	void *vapic = NULL;
	unsigned long vmcs = vmx_region(rev | (r->shadow_vmcs ? VMCS_REGION_SHADOW : 0));
	unsigned long link = r->link ? vmx_region(rev | (r->link_shadow ? VMCS_REGION_SHADOW : 0)) : 0;
	unsigned long pdpt = 0;
	uint64_t *store = NULL;
	int ret;

	cr4_set_bits(X86_CR4_VMXE);
	r->vmxon = vmxon(__pa((void *)on));
	if (r->vmxon != VMX_SUCCEED)
		goto out;
	vmclear(__pa((void *)vmcs));
	r->vmptrld = vmptrld(__pa((void *)vmcs));
	for (unsigned int i = 0; i < r->nfields; i++)
		if (vmwrite(r->fields[i].encoding, r->fields[i].value) != VMX_SUCCEED)
			r->vmwrite_failed++;
	if (link)
		vmwrite(VMCS_VMCS_LINK_POINTER, __pa((void *)link));
	if (r->posted || r->vapic_page)
		vapic = apicv_setup(r);
	if (r->pae_cr3) {
		pdpt = __get_free_pages(GFP_KERNEL, 0);
		for (unsigned int i = 0; i < 4; i++)
			((uint64_t *)pdpt)[i] = r->pdpt[i];
		vmwrite(VMCS_GUEST_CR3, __pa((void *)pdpt));
	}
	if (r->nmsrs) {
		uint64_t *p;

		area = __get_free_pages(GFP_KERNEL, 0);
		p = (uint64_t *)area;
		for (unsigned int i = 0; i < r->nmsrs; i++) {
			p[2 * i] = r->msr_area[i][0];
			p[2 * i + 1] = r->msr_area[i][1];
		}
		vmwrite(VMCS_VM_ENTRY_MSR_LOAD_ADDR, __pa((void *)area));
		vmwrite(VMCS_VM_ENTRY_MSR_LOAD_COUNT, r->nmsrs);
	}
	if (r->nexit_load || r->nexit_store) {
		uint64_t *load;

		/* One page: the exit's MSR-load area, then its MSR-store area. */
		exit_area = __get_free_pages(GFP_KERNEL, 0);
		load = (uint64_t *)exit_area;
		store = load + 2 * VMXP_MAX_MSRS;
		for (unsigned int i = 0; i < r->nexit_load; i++) {
			load[2 * i] = r->exit_load[i][0];
			load[2 * i + 1] = r->exit_load[i][1];
		}
		for (unsigned int i = 0; i < r->nexit_store; i++)
			store[2 * i] = r->exit_store[i];
		vmwrite(VMCS_VM_EXIT_MSR_LOAD_ADDR, __pa(load));
		vmwrite(VMCS_VM_EXIT_MSR_LOAD_COUNT, r->nexit_load);
		vmwrite(VMCS_VM_EXIT_MSR_STORE_ADDR, __pa(store));
		vmwrite(VMCS_VM_EXIT_MSR_STORE_COUNT, r->nexit_store);
	}
	for (unsigned int i = 0; i < r->entries && r->nexits < VMXP_MAX_EXITS; i++) {
		struct vmxp_exit *e = &r->exit[r->nexits++];

		/* As vcpu_enter_guest(): interrupts off around the entry. */
		local_irq_disable();
		for (unsigned int k = 0; i == 0 && k < r->nself_icr; k++)
			apic_icr_write(r->self_icr[k], own_apic_id());
		/* From here an IPI is a VM exit, not a host interrupt. */
		WRITE_ONCE(r->in_guest_soon, (int)i + 1);
		ret = i == 0 ? vmlaunch() : vmresume();
		read_exit(e, ret);
		r->cr4_after = read_cr4();
		/*
		 * As handle_external_interrupt_irqoff(): an interrupt the exit
		 * acknowledged is in service; its IDT gate runs now.
		 */
		if (ret == VMX_SUCCEED && e->reason == EXIT_REASON_EXTERNAL_INTERRUPT &&
		    (e->intr_info & INTR_INFO_VALID_MASK))
			kernel_dispatch_interrupt(e->intr_info & INTR_INFO_VECTOR_MASK);
		local_irq_enable();
		if (ret != VMX_SUCCEED || (e->reason & VMX_EXIT_REASONS_FAILED_VMENTRY))
			break;
		if (e->reason < 64 && (r->stop_on & VMXP_STOP(e->reason)))
			break;
		after_exit(r, e);
	}
	if (r->relaunch)
		read_exit(&r->relaunched, vmlaunch());
	if (r->read_msr)
		rdmsrl(r->read_msr, r->msr_after);
	r->guest_pat = rd(VMCS_GUEST_IA32_PAT);
	if (vapic)
		apicv_read_back(r, vapic);
	for (unsigned int i = 0; store && i < r->nexit_store; i++)
		r->stored[i] = store[2 * i + 1];
	vmxoff();
out:
	cr4_clear_bits(X86_CR4_VMXE);
	if (area)
		free_pages(area, 0);
	if (exit_area)
		free_pages(exit_area, 0);
	if (link)
		free_pages(link, 0);
	if (pdpt)
		free_pages(pdpt, 0);
	free_pages(on, 0);
	free_pages(vmcs, 0);
}

static void ipi_mark(void *info)
{
	struct vmxp_run *r = info;

	r->ipi_ran_on = (int)smp_processor_id();
}

void vmxp_ipi_task(void *arg)
{
	struct vmxp_run *r = arg;

	while (!READ_ONCE(r->in_guest_soon))
		cpu_relax();
	smp_call_function_single(1, ipi_mark, r, 1);
}

/*
 * Time passing on this CPU. Each PAUSE is counted in memory: a loop that
 * only reads memory nobody changes would park until someone writes it.
 */
static void pause_for(struct vmxp_signal *s, unsigned int pauses)
{
	for (unsigned int i = 0; i < pauses; i++) {
		WRITE_ONCE(s->paused, s->paused + 1);
		cpu_relax();
	}
}

void vmxp_signal_task(void *arg)
{
	struct vmxp_signal *s = arg;

	for (unsigned int i = 0; i < s->n; i++) {
		unsigned int sends = s->op[i].repeat ? s->op[i].repeat : 1;

		while (READ_ONCE(s->run->in_guest_soon) < (int)s->op[i].entry)
			cpu_relax();
		for (unsigned int k = 0; k < sends; k++) {
			pause_for(s, s->op[i].delay);
			apic_icr_write(s->op[i].icr, s->dest);
		}
	}
}

void vmxp_vmxon_task(void *arg)
{
	struct vmxp_vmxon *x = arg;
	unsigned long on = vmx_region(revision());

	if (x->clear_cr0_ne)
		write_cr0(read_cr0() & ~X86_CR0_NE);
	cr4_set_bits(X86_CR4_VMXE);
	if (x->plain) {
		vmxon(__pa((void *)on));
		x->after_fault = 1;
	} else {
		x->ret = vmxon_safe(__pa((void *)on));
	}
	if (x->ret == VMX_SUCCEED)
		vmxoff();
	free_pages(on, 0);
}

/* The VM-instruction error after a VMfailValid, else 0. */
static long insn_error(int ret)
{
	return ret == VMX_FAIL_VALID ? (long)rd(VMCS_VM_INSTRUCTION_ERROR) : 0;
}

static void outcome(struct vmxp_errors *x, int ret)
{
	x->ret[x->n] = ret;
	x->error[x->n] = insn_error(ret);
	x->n++;
}

/* Bit 50: beyond every shipped model's MAXPHYADDR (at most 46 where this runs). */
#define PA_BEYOND	(1ULL << 50)
/* Bit 15 of an encoding is reserved: no such component. */
#define F_UNSUPPORTED	0x8000

void vmxp_errors_task(void *arg)
{
	struct vmxp_errors *x = arg;
	uint32_t rev = revision();
	unsigned long on = vmx_region(rev), vmcs = vmx_region(rev), bad = vmx_region(rev ^ 1);
	unsigned long val;

	cr4_set_bits(X86_CR4_VMXE);
	outcome(x, vmxon(__pa((void *)on) | PA_BEYOND));		/* 0: VMfailInvalid */
	outcome(x, vmxon(__pa((void *)on)));				/* 1: VMsucceed */
	outcome(x, vmread(VMCS_VM_EXIT_REASON, &val));			/* 2: no current VMCS */
	outcome(x, vmwrite(VMCS_EXIT_QUALIFICATION, 0));		/* 3: the same */
	outcome(x, vmlaunch());						/* 4: the same */
	outcome(x, vmclear(__pa((void *)vmcs)));			/* 5 */
	outcome(x, vmptrld(__pa((void *)vmcs)));			/* 6 */
	outcome(x, vmclear(__pa((void *)vmcs) + 8));			/* 7: error 2 */
	outcome(x, vmclear(__pa((void *)on)));				/* 8: error 3 */
	outcome(x, vmptrld(PA_BEYOND));					/* 9: error 9 */
	outcome(x, vmptrld(__pa((void *)bad)));				/* 10: error 11 */
	outcome(x, vmread(F_UNSUPPORTED, &val));			/* 11: error 12 */
	outcome(x, vmwrite(F_UNSUPPORTED, 0));				/* 12: error 12 */
	outcome(x, vmwrite(VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_MOV_SS)); /* 13 */
	outcome(x, vmlaunch());						/* 14: error 7, not 26 */
	vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	free_pages(on, 0);
	free_pages(vmcs, 0);
	free_pages(bad, 0);
}

void vmxp_fields_task(void *arg)
{
	struct vmxp_fields *x = arg;
	uint32_t rev = revision();
	unsigned long on = vmx_region(rev), vmcs = vmx_region(rev), val;

	cr4_set_bits(X86_CR4_VMXE);
	vmxon(__pa((void *)on));
	vmclear(__pa((void *)vmcs));
	vmptrld(__pa((void *)vmcs));
	for (unsigned int i = 0; i < x->n; i++) {
		x->write_ret[i] = vmwrite(x->field[i], 0);
		x->write_error[i] = insn_error(x->write_ret[i]);
		x->read_ret[i] = vmread(x->field[i], &val);
		x->read_error[i] = insn_error(x->read_ret[i]);
	}
	vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	free_pages(on, 0);
	free_pages(vmcs, 0);
}

void vmxp_crs_task(void *arg)
{
	struct vmxp_crs *x = arg;
	unsigned long on = vmx_region(revision());

	cr4_set_bits(X86_CR4_VMXE);
	vmxon(__pa((void *)on));
	if (x->plain) {
		cr4_clear_bits(X86_CR4_VMXE);
		x->after_fault = 1;
	}
	x->clear_in_root = write_cr4_safe(read_cr4() & ~X86_CR4_VMXE);
	vmxoff();
	x->clear_after = write_cr4_safe(read_cr4() & ~X86_CR4_VMXE);
	free_pages(on, 0);
}

static void inv_op(struct vmxp_inv_op *o)
{
	o->ret = o->vpid ? invvpid(o->type, o->id, o->operand) : invept(o->type, o->operand);
	o->error = insn_error(o->ret);
}

void vmxp_inv_task(void *arg)
{
	struct vmxp_inv *x = arg;
	uint32_t rev = revision();
	unsigned long on = vmx_region(rev), vmcs = vmx_region(rev);

	if (x->outside_vmx)
		inv_op(&x->op[0]);
	cr4_set_bits(X86_CR4_VMXE);
	vmxon(__pa((void *)on));
	if (x->n)
		inv_op(&x->op[0]);
	vmclear(__pa((void *)vmcs));
	vmptrld(__pa((void *)vmcs));
	for (unsigned int i = 1; i < x->n; i++)
		inv_op(&x->op[i]);
	vmxoff();
	cr4_clear_bits(X86_CR4_VMXE);
	free_pages(on, 0);
	free_pages(vmcs, 0);
}
