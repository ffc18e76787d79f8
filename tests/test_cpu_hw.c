// SPDX-License-Identifier: MIT
/*
 * The hardware on heterogeneous machines: each CPU answers CPUID as its own
 * model, MOV to CR4 and WRMSR fault as the SDM says, and a hot-added CPU
 * comes up through cpuhp with its slot's model.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "hvsim/sim.h"
#include "hvsim/x86/processor-flags.h"
#include "harness.h"
#include "programs/hwprogs.h"

/* One task on CPU 0, and what it saw (copied after each run). */
struct hcase {
	struct harness_case hc;
	struct hw_result r;
};

/* A case of one task, @fn, on CPU 0. */
#define HCASE(fn_)	{ .hc = { .tasks = { { .cpu = 0, .fn = (fn_), .name = "hw" } } } }

static int hcase_check(struct harness_case *hc, char *msg, size_t len)
{
	struct hcase *c = HARNESS_CONTAINER_OF(hc, struct hcase, hc);

	(void)msg;
	(void)len;
	hw_result(&c->r);
	return 0;
}

/*
 * Explore @c's task on @machine; *ret is sim_explore()'s answer (a machine
 * description may be refused, with a message in @err).
 */
static struct sim_result hrun(struct hcase *c, const char *machine, unsigned int ncpus,
			      unsigned int detect, int *ret, char *err, size_t errlen)
{
	struct sim_program p;
	struct sim_explore_opts o = { .strategy = "random", .seed = 2, .budget = 20 };
	struct sim_result r;

	c->hc.name = "hw";
	c->hc.ncpus = ncpus;
	c->hc.machine = machine;
	c->hc.detect = detect;
	c->hc.check = hcase_check;
	p = harness_program(&c->hc);
	*ret = sim_explore(&p, &o, &r, err, errlen);
	return r;
}

Test(cpu_hw, each_cpu_answers_cpuid_as_its_model, .timeout = 30)
{
	struct hcase c = HCASE(hw_cpuid_all_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "3 slots: skylake-sp x2, kabylake", 3, 0, &ret, err,
				   sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.signature[0], 0x00050654);
	cr_expect_eq(c.r.signature[1], 0x00050654);
	cr_expect_eq(c.r.signature[2], 0x000906e9);
	cr_expect_eq(c.r.apic_id[1], 1);
	cr_expect_eq(c.r.apic_id[2], 2);
	sim_result_release(&r);
}

Test(cpu_hw, hot_added_kabylake_runs_cpuhp_and_answers_as_kabylake, .timeout = 30)
{
	struct hcase c = HCASE(hw_hotadd_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "3 slots: skylake-sp x2, slot 2 kabylake offline", 3,
				   SIM_DETECT_LOCKDEP, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.add_ret, 0);
	cr_expect_eq(c.r.online_sig, 0x000906e9, "ONLINE callback saw %#x", c.r.online_sig);
	cr_expect_eq(c.r.signature[2], 0x000906e9);
	sim_result_release(&r);
}

Test(cpu_hw, vmxe_on_a_cpu_without_vmx, .timeout = 30)
{
	struct hcase safe = HCASE(hw_vmxe_safe_task), plain = HCASE(hw_vmxe_task);
	struct hcase ok = HCASE(hw_vmxe_safe_task);
	char err[256];
	int ret;
	struct sim_result a = hrun(&safe, "1 slots: skylake-sp -vmx", 1, 0, &ret, err, sizeof(err));
	struct sim_result b, c;

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(safe.r.safe_ret, -EIO, "the _safe form reports the #GP");
	b = hrun(&plain, "1 slots: skylake-sp -vmx", 1, 0, &ret, err, sizeof(err));
	cr_expect_eq(b.outcome, SIM_FAILED);
	cr_expect_str_eq(b.message, "general protection fault: 0000 [#1] PREEMPT SMP");
	cr_expect_eq(plain.r.after_fault, 0, "the run ends at the #GP");
	c = hrun(&ok, "1 slots: skylake-sp", 1, 0, &ret, err, sizeof(err));
	cr_expect_eq(ok.r.safe_ret, 0, "a VMX CPU accepts CR4.VMXE");
	sim_result_release(&a);
	sim_result_release(&b);
	sim_result_release(&c);
}

Test(cpu_hw, locked_feature_control_refuses_writes, .timeout = 30)
{
	struct hcase c = HCASE(hw_feature_control_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "1 slots: skylake-sp", 1, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect(c.r.msr & 1, "FEATURE_CONTROL is locked: %#llx", (unsigned long long)c.r.msr);
	cr_expect(c.r.msr & 4, "VMX is enabled outside SMX");
	cr_expect_eq(c.r.safe_ret, -EIO);
	cr_expect_eq(c.r.after_fault, 1, "an unchecked MSR access warns and goes on");
	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect(strstr(r.message, "unchecked MSR access error: WRMSR to 0x3a") == r.message,
		  "%s", r.message);
	sim_result_release(&r);
}

/*
 * WRMSR to IA32_EFER with paging on (a 64-bit kernel): changing LME #GPs
 * (Vol. 3A, "Paging-Mode Enabling"); LMA is read-only, so a value with LMA
 * clear is written with LMA left as it was; NXE may change.
 */
Test(cpu_hw, efer_lme_is_fixed_while_paging_and_lma_is_read_only, .timeout = 30)
{
	struct hcase c = HCASE(hw_efer_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "1 slots: skylake-sp", 1, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.efer_ret[0], -EIO, "clearing LME with CR0.PG 1: %d", c.r.efer_ret[0]);
	cr_expect_eq(c.r.efer_ret[1], 0, "writing LMA 0: %d", c.r.efer_ret[1]);
	cr_expect_eq(c.r.msr, 0xd01, "IA32_EFER after it: %#llx", (unsigned long long)c.r.msr);
	cr_expect_eq(c.r.efer_ret[2], 0, "clearing NXE: %d", c.r.efer_ret[2]);
	sim_result_release(&r);
}

Test(cpu_hw, bad_machine_descriptions_are_refused, .timeout = 30)
{
	struct hcase c = HCASE(hw_cpuid_all_task);
	char err[256];
	int ret;
	struct sim_result r;

	r = hrun(&c, "1 slots: no-such-cpu", 1, 0, &ret, err, sizeof(err));
	cr_expect_eq(ret, -ENOENT, "%d %s", ret, err);
	cr_expect(strstr(err, "no-such-cpu") != NULL, "%s", err);
	r = hrun(&c, "2 slots: skylake-sp", 1, 0, &ret, err, sizeof(err));
	cr_expect_neq(ret, 0);
	r = hrun(&c, "1 slots: skylake-sp -warp-drive", 1, 0, &ret, err, sizeof(err));
	cr_expect_eq(ret, -EINVAL, "%s", err);
	cr_expect(strstr(err, "warp-drive") != NULL, "%s", err);
	(void)r;
}

Test(cpu_hw, vmxon_and_the_vmcs_instructions_answer_as_the_sdm_says, .timeout = 30)
{
	struct hcase c = HCASE(hw_vmx_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "1 slots: skylake-sp", 1, SIM_DETECT_MEM, &ret, err,
				   sizeof(err));
	static const long want[16] = {
		-EFAULT, 1, 1, 0,	/* #UD, VMfailInvalid x2, VMsucceed */
		0, 0, 2, 10,		/* VMCLEAR, VMPTRLD, VMPTRLD(vmxon ptr): VMfailValid(10) */
		2, 13, 2, 5,		/* VMWRITE read-only: 13; VMRESUME not launched: 5 */
		2, 7, 2, 15,		/* VMLAUNCH bad controls: 7; VMXON in root: 15 */
	};

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	for (int i = 0; i < 16; i++)
		cr_expect_eq(c.r.vmx[i], want[i], "outcome %d: %ld, expected %ld", i, c.r.vmx[i],
			     want[i]);
	sim_result_release(&r);
}

Test(cpu_hw, vmxon_on_a_cpu_without_vmx_is_ud, .timeout = 30)
{
	struct hcase c = HCASE(hw_vmxon_novmx_task), s = HCASE(hw_vmxon_novmx_safe_task);
	char err[256];
	int ret;
	struct sim_result q = hrun(&s, "1 slots: skylake-sp -vmx", 1, 0, &ret, err, sizeof(err));
	struct sim_result r = hrun(&c, "1 slots: skylake-sp -vmx", 1, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(q.failures, 0, "%s", q.message);
	cr_expect_eq(s.r.safe_ret, -EFAULT, "vmxon_safe: %d", s.r.safe_ret);
	sim_result_release(&q);
	cr_expect_eq(r.outcome, SIM_FAILED);
	cr_expect_str_eq(r.message, "invalid opcode: 0000 [#1] PREEMPT SMP");
	cr_expect_eq(c.r.after_fault, 0);
	sim_result_release(&r);
}

Test(cpu_hw, the_local_apic_answers_through_its_msrs, .timeout = 30)
{
	struct hcase c = HCASE(hw_x2apic_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "2 slots: skylake-sp x2", 2, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.safe_ret, -EIO, "x2APIC MSRs #GP in xAPIC mode");
	cr_expect_eq(c.r.msr, 0xfee00000ULL | (1 << 11) | (1 << 8), "IA32_APIC_BASE of the BSP");
	cr_expect_eq(c.r.vmx[0], 0, "the x2APIC ID of CPU 0");
	cr_expect_eq(c.r.vmx[1], 1, "the self IPI's vector 0x40 is in the IRR");
	cr_expect_eq(c.r.vmx[5], 0, "not taken with interrupts off");
	cr_expect_eq(c.r.vmx[7] & 0xff, 0x14, "the xAPIC page's version register: %#lx", c.r.vmx[7]);
	cr_expect_eq(c.r.vmx[8], 0x20, "a TPR written and read through the page");
	cr_expect_eq(c.r.vmx[9], 0, "x2APIC mode: the page reads 0");
	cr_expect_eq(c.r.vmx[10], 0, "x2APIC mode: a write to the page is dropped");
	cr_expect_eq(c.r.vmx[4], 1, "taken once after STI, through its gate");
	cr_expect_eq(c.r.vmx[6], 0, "and no longer in the IRR");
	cr_expect_eq(c.r.vmx[2], -EIO, "x2APIC to xAPIC is refused");
	cr_expect_eq(c.r.vmx[3], -EIO, "EOI is write-only in x2APIC mode");
	cr_expect_eq(c.r.after_fault, 1);
	sim_result_release(&r);
}

/* The one-shot timer fires once, at its deadline on the CPU's clock, through its gate. */
Test(cpu_hw, the_apic_timer_fires_once_at_its_deadline, .timeout = 30)
{
	struct hcase c = HCASE(hw_apic_timer_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "2 slots: skylake-sp x2", 2, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.vmx[1], 1, "the handler ran once");
	cr_expect_eq(c.r.vmx[2], 1, "a one-shot timer does not fire again");
	cr_expect_geq(c.r.msr, (uint64_t)c.r.vmx[0] + 5000, "fired at %llu, armed at %ld",
		      (unsigned long long)c.r.msr, c.r.vmx[0]);
	sim_result_release(&r);
}

/* The ICR's shorthands: all-but-self reaches every other CPU once, self only the sender. */
Test(cpu_hw, shorthand_ipis_reach_the_cpus_they_name, .timeout = 30)
{
	struct hcase c = HCASE(hw_broadcast_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "3 slots: skylake-sp x3", 3, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.vmx[1], 1, "CPU 1 took the broadcast once");
	cr_expect_eq(c.r.vmx[2], 1, "CPU 2 took the broadcast once");
	cr_expect_eq(c.r.vmx[8], 0, "CPU 0 did not take its own all-but-self");
	cr_expect_eq(c.r.vmx[0], 1, "CPU 0 took its self IPI once");
	sim_result_release(&r);
}

/* More vectors in flight than tracked land at once: each is taken once, nothing breaks. */
Test(cpu_hw, an_ipi_storm_is_taken_vector_by_vector, .timeout = 30)
{
	struct hcase c = { .hc = { .tasks = {
		{ .cpu = 0, .fn = hw_storm_sender_task, .name = "sender" },
		{ .cpu = 1, .fn = hw_storm_target_task, .name = "target" },
	} } };
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "2 slots: skylake-sp x2", 2, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.vmx[11], 40, "handled %ld of 40", c.r.vmx[11]);
	sim_result_release(&r);
}

/* An NMI through the ICR reaches a CPU with interrupts off, its handler and nobody else's. */
Test(cpu_hw, an_nmi_reaches_a_cpu_with_interrupts_off, .timeout = 30)
{
	struct hcase c = { .hc = { .tasks = {
		{ .cpu = 0, .fn = hw_nmi_sender_task, .name = "sender" },
		{ .cpu = 1, .fn = hw_nmi_target_task, .name = "target" },
	} } };
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "2 slots: skylake-sp x2", 2, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.vmx[4], 1, "CPU 1 took the NMI once");
	cr_expect_eq(c.r.vmx[5], 0, "CPU 0 took none");
	cr_expect_eq(c.r.vmx[6], 1, "with interrupts still off");
	sim_result_release(&r);
}

/*
 * INIT is blocked in VMX root operation: a CPU that went offline without
 * VMXOFF cannot be brought up again, and the run reports it. After VMXOFF
 * it comes back, with CR4.VMXE clear as INIT leaves it.
 */
Test(cpu_hw, a_cpu_offline_in_vmx_root_cannot_come_back, .timeout = 30)
{
	struct hcase c = HCASE(hw_offline_in_vmx_task);
	char err[256];
	int ret;
	struct sim_result r = hrun(&c, "2 slots: skylake-sp x2", 2, 0, &ret, err, sizeof(err));

	cr_assert_eq(ret, 0, "%s", err);
	cr_assert_eq(r.failures, 1, "the blocked INIT is reported");
	cr_expect(strstr(r.message, "CPU 1 went offline in VMX operation"), "%s", r.message);
	cr_expect(r.reports && strstr(r.reports, "\nCPU: 0 PID: "), "the report names who: %s",
		  r.reports ? r.reports : "(none)");
	cr_expect_eq(c.r.vmx[0], 0, "VMXON on CPU 1");
	cr_expect_eq(c.r.vmx[1], 0, "remove_cpu(1)");
	cr_expect_eq(c.r.add_ret, -EIO);
	cr_expect_eq(c.r.vmx[2], 0, "CPU 1 stays offline");
	sim_result_release(&r);
}

Test(cpu_hw, a_cpu_offline_after_vmxoff_comes_back_reset, .timeout = 30)
{
	struct hcase c = HCASE(hw_offline_after_vmxoff_task);
	char err[256];
	int ret;
	struct sim_result r;

	r = hrun(&c, "2 slots: skylake-sp x2", 2, 0, &ret, err, sizeof(err));
	cr_assert_eq(ret, 0, "%s", err);
	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.add_ret, 0);
	cr_expect_eq(c.r.vmx[2], 1, "CPU 1 is online again");
	cr_expect_eq(c.r.vmx[3] & X86_CR4_VMXE, 0, "INIT cleared CR4.VMXE");
	sim_result_release(&r);
}
