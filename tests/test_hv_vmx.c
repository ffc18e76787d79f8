// SPDX-License-Identifier: MIT
/*
 * hv/vmx.c, the VMX vendor module, driven through vmx_x86_ops from
 * instrumented tasks (tests/programs/hvprogs.c) as kvm_main.c and x86.c
 * will drive it: the VMCS configuration on every model and how the
 * Skylake-SP Xeon's differs from the Kaby Lake's, the compatibility check
 * across CPUs, VMX on and off, a vCPU entering and its exits handled, a
 * vCPU moving between CPUs, failed entries.
 */
#include "programs/hvprogs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model_cases.h"
#include <criterion/parameterized.h>

#include "hvsim/kvm.h"
#include "hvsim/sim.h"
#include "hvsim/tools.h"
#include "hvsim/trace.h"
#include "hvsim/x86/vmx.h"
#include "harness.h"

#define TEST_VECTOR	0x40	/* a device vector for the self-IPI */

/* vmcs_config as hvp_run's config[] holds it. */
enum { CFG_SIZE, CFG_ORDER, CFG_BASIC, CFG_REVISION, CFG_PIN, CFG_EXEC, CFG_EXEC2, CFG_EXIT,
       CFG_ENTRY };

struct hcase {
	struct hvp_run run;
	const uint32_t *script;		/* CPU 0's guest exits, or NULL (HLT) */
	unsigned int nscript;
};

static void hsetup(struct machine *m, void *arg)
{
	struct hcase *c = arg;
	struct hvp_run in = c->run;

	/* Outputs start from zero every run; inputs stay. */
	memset(&c->run, 0, sizeof(c->run));
	c->run.ncpus = in.ncpus;
	c->run.migrate = in.migrate;
	c->run.reenable = in.reenable;
	c->run.enable_twice = in.enable_twice;
	c->run.self_ipi = in.self_ipi;
	c->run.corrupt = in.corrupt;
	c->run.loaded_cpu_after_disable = -2;
	sim_spawn(m, 0, "kvm", hvp_kvm_task, &c->run);
	if (in.migrate)
		sim_spawn(m, 1, "vcpu-on-1", hvp_cpu1_task, &c->run);
	if (c->script)
		cr_assert_eq(sim_set_guest_exits(m, 0, c->script, c->nscript), 0);
}

static struct sim_result hrun(struct hcase *c, const char *machine, bool trace)
{
	struct sim_program p = {
		.name = "hv-vmx", .ncpus = c->run.ncpus, .setup = hsetup, .arg = c,
		.detect = SIM_DETECT_LOCKDEP, .machine = machine,
	};
	struct sim_explore_opts o = {
		.strategy = "timed", .seed = 1, .budget = 1, .trace_every_run = trace,
	};
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.outcome, SIM_OK, "%s: %s\n%s", machine, r.message,
		     r.reports ? r.reports : "");
	return r;
}

/* A HLT exit as handle_exit reports it: user space, KVM_EXIT_HLT, RIP past the HLT. */
static void expect_hlt(const struct hvp_exit *e, const char *what)
{
	cr_expect_eq(e->vmx_exit_reason, EXIT_REASON_HLT, "%s: exit reason %#x", what,
		     e->vmx_exit_reason);
	cr_expect_eq(e->handled, 0, "%s: handle_exit %d", what, e->handled);
	cr_expect_eq(e->kvm_exit_reason, KVM_EXIT_HLT, "%s: run->exit_reason %u", what,
		     e->kvm_exit_reason);
	cr_expect_eq(e->rip_after, e->rip_before + 1, "%s: RIP %#llx -> %#llx", what,
		     (unsigned long long)e->rip_before, (unsigned long long)e->rip_after);
}

/* ---- every model: the configuration, VMX on, a vCPU to a HLT exit, VMX off ---- */

MODEL_PARAMETERS(hv_vmx, vcpu_enters_on_every_model)

ParameterizedTest(struct model_case *mc, hv_vmx, vcpu_enters_on_every_model, .timeout = 30)
{
	struct hcase c = { .run = { .ncpus = 1 } };
	char machine[96];
	struct sim_result r;

	snprintf(machine, sizeof(machine), "1 slot: %s", mc->name);
	r = hrun(&c, machine, false);
	/* Every shipped model has the controls KVM requires. */
	cr_assert_eq(c.run.setup, 0, "%s: hardware_setup %d", mc->name, c.run.setup);
	cr_expect_eq(c.run.compat[0], 0);
	cr_assert_eq(c.run.enable[0], 0, "%s: hardware_enable %d", mc->name, c.run.enable[0]);
	cr_assert_eq(c.run.create, 0);
	cr_expect(c.run.config[CFG_PIN] & PIN_BASED_EXT_INTR_MASK);
	cr_expect(c.run.config[CFG_EXEC] & CPU_BASED_HLT_EXITING);
	cr_expect(c.run.config[CFG_EXIT] & VM_EXIT_ACK_INTR_ON_EXIT);
	cr_expect(c.run.config[CFG_EXIT] & VM_EXIT_HOST_ADDR_SPACE_SIZE);
	cr_assert_eq(c.run.run0.nexits, 1);
	cr_expect_not(c.run.run0.exit[0].launched_before, "the first entry is a VMLAUNCH");
	expect_hlt(&c.run.run0.exit[0], mc->name);
	cr_expect_eq(c.run.cr4_vmxe_after_disable[0], 0, "%s: CR4.VMXE after hardware_disable",
		     mc->name);
	sim_result_release(&r);
}

/* ---- the Skylake-SP Xeon and the Kaby Lake ---- */

static void config_of(const char *machine, uint32_t out[9])
{
	struct hcase c = { .run = { .ncpus = 1 } };
	struct sim_result r = hrun(&c, machine, false);

	cr_assert_eq(c.run.setup, 0, "%s", machine);
	memcpy(out, c.run.config, sizeof(c.run.config));
	sim_result_release(&r);
}

/*
 * What the seed-000 race turns on: the Xeon's configuration takes TSC
 * scaling, APIC-register virtualization, virtual-interrupt delivery and
 * posted interrupts, which the Kaby Lake lacks; the Kaby Lake (SGX in
 * CPUID) takes ENCLS exiting, which the Xeon lacks. Everything else is
 * the same, the revision identifier (4) and region size included.
 */
Test(hv_vmx, skylake_sp_and_kabylake_configurations_differ, .timeout = 30)
{
	uint32_t skx[9], kbl[9];
	const uint32_t skx_only = SECONDARY_EXEC_TSC_SCALING | SECONDARY_EXEC_APIC_REGISTER_VIRT |
				  SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY;

	config_of("1 slot: skylake-sp", skx);
	config_of("1 slot: kabylake", kbl);
	cr_expect_eq(skx[CFG_EXEC2] & ~kbl[CFG_EXEC2], skx_only, "Xeon only: %#x",
		     skx[CFG_EXEC2] & ~kbl[CFG_EXEC2]);
	cr_expect_eq(kbl[CFG_EXEC2] & ~skx[CFG_EXEC2], SECONDARY_EXEC_ENCLS_EXITING,
		     "Kaby Lake only: %#x", kbl[CFG_EXEC2] & ~skx[CFG_EXEC2]);
	cr_expect_eq(skx[CFG_PIN] ^ kbl[CFG_PIN], PIN_BASED_POSTED_INTR);
	cr_expect(skx[CFG_PIN] & PIN_BASED_POSTED_INTR);
	for (unsigned int i = 0; i < 9; i++)
		if (i != CFG_EXEC2 && i != CFG_PIN)
			cr_expect_eq(skx[i], kbl[i], "config[%u]: %#x vs %#x", i, skx[i], kbl[i]);
	cr_expect_eq(skx[CFG_REVISION], 4);
	cr_expect_eq(skx[CFG_SIZE], 1024);
}

/* ---- the compatibility check ---- */

Test(hv_vmx, compat_passes_for_two_skylake_sp, .timeout = 30)
{
	struct hcase c = { .run = { .ncpus = 2 } };
	struct sim_result r = hrun(&c, "2 slots: skylake-sp x2", false);

	cr_expect_eq(c.run.compat[0], 0);
	cr_expect_eq(c.run.compat[1], 0);
	cr_expect_eq(c.run.enable[0], 0);
	cr_expect_eq(c.run.enable[1], 0);
	sim_result_release(&r);
}

static void expect_inconsistent(const char *machine)
{
	struct hcase c = { .run = { .ncpus = 2 } };
	struct sim_result r = hrun(&c, machine, true);

	cr_expect_eq(c.run.compat[0], 0, "%s: the boot CPU", machine);
	cr_expect_eq(c.run.compat[1], -EIO, "%s: CPU 1 gave %d", machine, c.run.compat[1]);
	cr_expect(harness_logged(&r, "kvm: CPU 1 feature inconsistency!"), "%s: no message", machine);
	cr_expect_eq(c.run.create, 0, "%s: nothing enabled, no vCPU", machine);
	cr_expect_eq(c.run.run0.nexits, 0);
	sim_result_release(&r);
}

Test(hv_vmx, compat_fails_for_skylake_sp_boot_and_kabylake, .timeout = 30)
{
	expect_inconsistent("2 slots: skylake-sp, kabylake");
}

/* TSC scaling alone is enough to make a CPU inconsistent. */
Test(hv_vmx, compat_fails_without_tsc_scaling, .timeout = 30)
{
	expect_inconsistent("2 slots: skylake-sp, skylake-sp -vmx.use-tsc-scaling");
}

/* ---- VMX on and off ---- */

Test(hv_vmx, enable_twice_is_busy, .timeout = 30)
{
	struct hcase c = { .run = { .ncpus = 1, .enable_twice = true } };
	struct sim_result r = hrun(&c, "1 slot: skylake-sp", false);

	cr_expect_eq(c.run.enable[0], 0);
	cr_expect_eq(c.run.enable_again, -EBUSY);
	sim_result_release(&r);
}

/*
 * hardware_disable VMCLEARs the VMCS loaded on its CPU, leaves CR4.VMXE
 * clear, and a later hardware_enable works; the vCPU then enters again
 * with VMLAUNCH (the VMCLEAR made its launch state clear).
 */
Test(hv_vmx, disable_clears_loaded_vmcs_and_reenable_works, .timeout = 30)
{
	struct hcase c = { .run = { .ncpus = 2, .reenable = true } };
	struct sim_result r = hrun(&c, "2 slots: skylake-sp x2", false);

	expect_hlt(&c.run.run0.exit[0], "before");
	cr_expect_eq(c.run.loaded_cpu_after_disable, -1);
	cr_expect_eq(c.run.enable_after[0], 0);
	cr_expect_eq(c.run.enable_after[1], 0);
	cr_assert_eq(c.run.run_again.nexits, 1);
	cr_expect_not(c.run.run_again.exit[0].launched_before);
	expect_hlt(&c.run.run_again.exit[0], "after re-enabling");
	cr_expect_eq(c.run.cr4_vmxe_after_disable[0], 0);
	cr_expect_eq(c.run.cr4_vmxe_after_disable[1], 0);
	sim_result_release(&r);
}

/* ---- a vCPU moving between CPUs ---- */

/*
 * Loaded and run on CPU 0, then loaded on CPU 1: the VMCS is VMCLEARed
 * on CPU 0 first (CPU 0 has no current VMCS after), becomes current on
 * CPU 1 with CPU 1's TSS and GDT in its host state, and enters there with
 * VMLAUNCH.
 */
static int migrate_check(struct machine *m, void *arg, char *msg, size_t len)
{
	struct hcase *c = arg;
	const struct hvp_run *h = &c->run;

	(void)m;
	if (h->run1.cpu != 1 || h->run1.nexits != 1)
		return snprintf(msg, len, "CPU 1 ran %u entries on CPU %d", h->run1.nexits,
				h->run1.cpu), 1;
	if (h->vmptrst_cpu0_after_move != ~0ULL)
		return snprintf(msg, len, "CPU 0 still has VMCS %#llx current",
				(unsigned long long)h->vmptrst_cpu0_after_move), 1;
	if (h->run1.vmptrst_after_load != h->run1.vmcs_pa)
		return snprintf(msg, len, "not current on CPU 1"), 1;
	if (h->run1.exit[0].launched_before)
		return snprintf(msg, len, "VMRESUME on CPU 1"), 1;
	if (h->run1.exit[0].vmx_exit_reason != EXIT_REASON_HLT ||
	    h->run1.exit[0].kvm_exit_reason != KVM_EXIT_HLT)
		return snprintf(msg, len, "CPU 1: exit %#x, run %u", h->run1.exit[0].vmx_exit_reason,
				h->run1.exit[0].kvm_exit_reason), 1;
	if (h->run1.host_tr_base == h->run0.host_tr_base ||
	    h->run1.host_gdtr_base == h->run0.host_gdtr_base)
		return snprintf(msg, len, "CPU 0's TSS or GDT in the host state on CPU 1"), 1;
	return 0;
}

/* Parameters are copied into the test's process: strings by value, not pointer. */
struct strategy_case {
	char name[16];
};

ParameterizedTestParameters(hv_vmx, vcpu_moves_from_cpu0_to_cpu1)
{
	static struct strategy_case strategies[] = { { "timed" }, { "random" }, { "pct:3" } };

	return cr_make_param_array(struct strategy_case, strategies, 3);
}

ParameterizedTest(struct strategy_case *sc, hv_vmx, vcpu_moves_from_cpu0_to_cpu1, .timeout = 60)
{
	struct hcase c = { .run = { .ncpus = 2, .migrate = true } };
	struct sim_program p = {
		.name = "hv-vmx-move", .ncpus = 2, .setup = hsetup, .check = migrate_check,
		.arg = &c, .detect = SIM_DETECT_LOCKDEP, .machine = "2 slots: skylake-sp x2",
	};
	struct sim_explore_opts o = { .strategy = sc->name, .seed = 7, .budget = 20 };
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.outcome, SIM_OK, "%s: %s\n%s", sc->name, r.message,
		     r.reports ? r.reports : "");
	cr_expect_eq(r.schedules, 20);
	expect_hlt(&c.run.run0.exit[0], "on CPU 0");
	sim_result_release(&r);
}

/* ---- exits ---- */

/*
 * An interrupt pending at the host APIC at entry: an external-interrupt
 * exit, its handler run by handle_exit_irqoff, handle_exit says re-enter,
 * and the VMRESUME goes on to the HLT.
 */
Test(hv_vmx, external_interrupt_exit_dispatches_and_reenters, .timeout = 30)
{
	struct hcase c = { .run = { .ncpus = 1, .self_ipi = TEST_VECTOR } };
	struct sim_result r = hrun(&c, "1 slot: skylake-sp", false);
	const struct hvp_vcpu_run *v = &c.run.run0;

	cr_assert_eq(v->nexits, 2);
	cr_expect_eq(v->exit[0].vmx_exit_reason, EXIT_REASON_EXTERNAL_INTERRUPT);
	cr_expect_eq(v->exit[0].handled, 1);
	cr_expect_eq(c.run.irq_handled, 1, "the vector's handler ran %u times", c.run.irq_handled);
	cr_expect(v->exit[1].launched_before, "the second entry is a VMRESUME");
	expect_hlt(&v->exit[1], "after the interrupt");
	sim_result_release(&r);
}

Test(hv_vmx, unhandled_exit_goes_to_user_space_as_unknown, .timeout = 30)
{
	static const uint32_t cpuid_exit[] = { EXIT_REASON_CPUID };
	struct hcase c = { .run = { .ncpus = 1 }, .script = cpuid_exit, .nscript = 1 };
	struct sim_result r = hrun(&c, "1 slot: skylake-sp", false);
	const struct hvp_exit *e = &c.run.run0.exit[0];

	cr_assert_eq(c.run.run0.nexits, 1);
	cr_expect_eq(e->vmx_exit_reason, EXIT_REASON_CPUID);
	cr_expect_eq(e->handled, 0);
	cr_expect_eq(e->kvm_exit_reason, KVM_EXIT_UNKNOWN);
	cr_expect_eq(e->hw_reason, EXIT_REASON_CPUID);
	sim_result_release(&r);
}

/* A host-state check fails: VMfailValid, and user space gets the VM-instruction error. */
Test(hv_vmx, vmfail_is_fail_entry_with_the_instruction_error, .timeout = 30)
{
	struct hcase c = { .run = { .ncpus = 1, .corrupt = HVP_CORRUPT_HOST_CR0 } };
	struct sim_result r = hrun(&c, "1 slot: skylake-sp", false);
	const struct hvp_exit *e = &c.run.run0.exit[0];

	cr_assert_eq(c.run.run0.nexits, 1);
	cr_expect_eq(e->handled, 0);
	cr_expect_eq(e->kvm_exit_reason, KVM_EXIT_FAIL_ENTRY);
	cr_expect_eq(e->hw_reason, VMXERR_ENTRY_INVALID_HOST_STATE);
	cr_expect_eq(e->fail_cpu, 0);
	sim_result_release(&r);
}

/* A guest-state check fails: an exit with bit 31, reported in full as KVM does. */
Test(hv_vmx, failed_entry_is_fail_entry_with_the_exit_reason, .timeout = 30)
{
	struct hcase c = { .run = { .ncpus = 1, .corrupt = HVP_CORRUPT_GUEST_RFLAGS } };
	struct sim_result r = hrun(&c, "1 slot: skylake-sp", false);
	const struct hvp_exit *e = &c.run.run0.exit[0];

	cr_assert_eq(c.run.run0.nexits, 1);
	cr_expect_eq(e->handled, 0);
	cr_expect_eq(e->kvm_exit_reason, KVM_EXIT_FAIL_ENTRY);
	cr_expect_eq(e->hw_reason, VMX_EXIT_REASONS_FAILED_VMENTRY | EXIT_REASON_INVALID_STATE);
	cr_expect_eq(e->fail_cpu, 0);
	sim_result_release(&r);
}
