// SPDX-License-Identifier: MIT
/*
 * The hypervisor core through its user API: /dev/kvm, a VM, a vCPU,
 * KVM_RUN, closing; and the calls KVM refuses. User tasks only, the kernel
 * booted (hv/'s module_init), checked with the oracles on.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/kvm.h"
#include "hvsim/sim.h"
#include "hvsim/trace.h"
#include "hvsim/x86/vmx.h"
#include "harness.h"
#include "model_cases.h"
#include "programs/kvmprogs.h"

struct hvcase {
	struct harness_case hc;
	struct kvmp_result r;
	bool vmx_left_on;		/* some CPU still in VMX operation after the run */
	unsigned int ncpus;
};

static int hvcase_check(struct harness_case *hc, char *msg, size_t len)
{
	struct hvcase *c = HARNESS_CONTAINER_OF(hc, struct hvcase, hc);

	(void)msg;
	(void)len;
	kvmp_result(&c->r);
	return 0;
}

/* Filled by the program's check(): which CPUs are still in VMX operation. */
static struct hvcase *vmx_case;

static int vmx_check(struct machine *m, void *arg, char *msg, size_t len)
{
	(void)arg;
	for (unsigned int cpu = 0; cpu < sim_ncpus(m); cpu++)
		if (sim_cpu_in_vmx(m, cpu))
			vmx_case->vmx_left_on = true;
	return vmx_case->hc.check(&vmx_case->hc, msg, len);
}

#define U(cpu_, fn_)	{ .cpu = (cpu_), .fn = (fn_), .name = "vmm", .user = true }

static struct sim_result hvrun_opts(struct hvcase *c, const struct sim_explore_opts *o)
{
	struct sim_program p;

	c->hc.name = "hv";
	if (!c->hc.ncpus)
		c->hc.ncpus = 2;
	if (!c->hc.machine)
		c->hc.machine = "2 slots: skylake-sp x2";
	if (!c->hc.detect)
		c->hc.detect = SIM_DETECT_LOCKDEP | SIM_DETECT_MEM;
	c->hc.flags = SIM_PROG_BOOT;
	c->hc.check = hvcase_check;
	p = harness_program(&c->hc);
	p.check = vmx_check;
	vmx_case = c;
	return harness_explore(&p, o);
}

static struct sim_result hvrun(struct hvcase *c, const char *strategy, uint64_t budget)
{
	struct sim_explore_opts o = { .strategy = strategy, .seed = 1, .budget = budget };

	return hvrun_opts(c, &o);
}

/* The reported run's token replays it: the same failure, the same report. */
static void expect_replays(struct hvcase *c, const struct sim_result *r)
{
	struct sim_program p = harness_program(&c->hc);

	p.check = vmx_check;
	vmx_case = c;
	harness_expect_replays(&p, r);
}

struct strat {
	char name[16];
	uint64_t budget;
};

ParameterizedTestParameters(hv, a_vm_lives_and_dies_cleanly)
{
	static struct strat s[] = { { "timed", 1 }, { "random", 20 }, { "pct:3", 20 }, { "dfs:1", 50 } };

	return cr_make_param_array(struct strat, s, sizeof(s) / sizeof(s[0]));
}

/*
 * Create a VM and a vCPU, map kvm_run, run to the guest's HLT, close: no
 * leak (kmemleak), no lock held on return to user space (lockdep), and
 * VMX off on every CPU once the last reference is gone.
 */
ParameterizedTest(struct strat *s, hv, a_vm_lives_and_dies_cleanly, .timeout = 120)
{
	struct hvcase c = { .hc = { .tasks = { U(0, kvmp_lifecycle_task) } } };
	struct sim_result r = hvrun(&c, s->name, s->budget);

	cr_expect_eq(r.failures, 0, "%s: %s\n%s", s->name, r.message, r.reports ? r.reports : "");
	cr_expect_eq(c.r.api, KVM_API_VERSION);
	cr_expect_geq(c.r.vm, 3, "KVM_CREATE_VM: %ld", c.r.vm);
	cr_expect_geq(c.r.vcpu, 3, "KVM_CREATE_VCPU: %ld", c.r.vcpu);
	cr_expect_eq(c.r.mmap_size, 4096);
	cr_expect(c.r.mapped, "the kvm_run page is mapped");
	cr_expect_eq(c.r.run, 0, "KVM_RUN: %ld", c.r.run);
	cr_expect_eq(c.r.exit_reason, KVM_EXIT_HLT, "exit reason %u (fail reason %#llx)",
		     c.r.exit_reason, (unsigned long long)c.r.fail_reason);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(c.r.closes[i], 0);
	cr_expect(!c.vmx_left_on, "VMX is off on every CPU after the last close");
	sim_result_release(&r);
}

/* KVM's error codes for the calls it refuses. */
Test(hv, bad_arguments_get_kvms_error_codes, .timeout = 60)
{
	struct hvcase c = { .hc = { .tasks = { U(0, kvmp_bad_args_task) } } };
	struct sim_result r = hvrun(&c, "timed", 1);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.errs[0], -EINVAL, "API version with an argument");
	cr_expect_eq(c.r.errs[1], -EINVAL, "a VM type that does not exist");
	cr_expect_eq(c.r.errs[2], -EINVAL, "an unknown /dev/kvm ioctl");
	cr_expect_eq(c.r.errs[3], -EINVAL, "a vCPU id past the maximum");
	cr_expect_eq(c.r.errs[4], -ENOTTY, "KVM_RUN on a VM fd");
	cr_expect_geq(c.r.vcpu, 3);
	cr_expect_eq(c.r.errs[5], -EEXIST, "a vCPU id twice");
	cr_expect_eq(c.r.errs[6], -EBADF, "a bad fd");
	cr_expect_eq(c.r.errs[7], 1, "KVM_CAP_USER_MEMORY");
	{
		static const struct {
			long want;
			const char *what;
		} more[] = {
			{ -EINVAL, "a slot flag that does not exist" },
			{ -EINVAL, "a slot size not a page multiple" },
			{ -EINVAL, "a slot's user range outside user space" },
			{ -EINVAL, "a slot number past the maximum" },
			{ -EFAULT, "the region struct not in user memory" },
			{ 0, "a good slot" },
			{ -EEXIST, "a slot overlapping it" },
			{ -ENOENT, "the dirty log of a slot without logging" },
			{ -EINVAL, "the dirty log of a slot past the maximum" },
			{ 0, "an unknown capability" },
			{ -EINVAL, "a VM ioctl on /dev/kvm" },
			{ -EINVAL, "KVM_RUN with an argument" },
			{ -ENOTTY, "a vCPU ioctl on a VM fd" },
			{ -ENODEV, "mmap of a VM fd" },
			{ -EINVAL, "mmap of a vCPU fd past its kvm_run page" },
		};

		for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
			cr_expect_eq(c.r.more_errs[i], more[i].want, "%s: %ld", more[i].what,
				     c.r.more_errs[i]);
	}
	cr_expect(!c.vmx_left_on);
	sim_result_release(&r);
}

/* ---- seed 000: the hot-plugged CPU that escapes the compatibility check ---------- */

#define K(cpu_, fn_, arg_)	{ .cpu = (cpu_), .fn = (fn_), .arg = (void *)(uintptr_t)(arg_), \
				  .name = "hotplug" }
#define UA(cpu_, fn_, arg_)	{ .cpu = (cpu_), .fn = (fn_), .arg = (void *)(uintptr_t)(arg_), \
				  .name = "vmm", .user = true }

#define KABY_SLOT	"3 slots: skylake-sp x2, slot 2 kabylake offline"
#define NOVMX_SLOT	"3 slots: skylake-sp x2, slot 2 skylake-sp -vmx offline"
#define SKY_SLOT	"3 slots: skylake-sp x2, slot 2 skylake-sp offline"

/* Seed 000's stages: each is pre-fix=000 with the fixes that came before it. */
#define V_NO_CHECK	"pre-fix=000,+hotplug-online-section,+hotplug-compat-warn-relaxed," \
			"+hotplug-enable-lock"
#define V_STRICT_WARN	"pre-fix=000,+hotplug-online-section,+hotplug-compat-check," \
			"+hotplug-enable-lock"
#define V_NO_LOCK	"pre-fix=000,+hotplug-online-section,+hotplug-compat-check," \
			"+hotplug-compat-warn-relaxed"
#define V_FIXED		"fixed"

static struct hvcase hotplug_case(const char *machine, const char *variant, int vmm_mode,
				  int add_mode)
{
	struct hvcase c = { .hc = {
		.ncpus = 3, .machine = machine,
		.tasks = { K(0, kvmp_hotadd_task, add_mode), UA(1, kvmp_vmm_task, vmm_mode) },
		.params = { { "kvm.variant", variant } },
	} };

	return c;
}

/*
 * No check (the code before the series): hot-adding a Kaby Lake while a VM
 * exists enables VMX on it, and a vCPU moved there fails VM entry on the
 * TSC-scaling control the boot CPU's configuration took.
 */
Test(hv, seed000_no_check_lets_a_kaby_lake_in_and_entry_fails, .timeout = 120)
{
	struct hvcase c = hotplug_case(KABY_SLOT, V_NO_CHECK, 1, 1);
	struct sim_result r = hvrun(&c, "timed", 1);

	/* KVM WARNs when the VMCS setup's VMWRITE of TSC_MULTIPLIER fails (no such field there). */
	cr_expect_eq(r.failures, 1, "%s", r.message);
	cr_expect(strstr(r.message, "WARNING") && strstr(r.message, "vmwrite_error"), "%s",
		  r.message);
	cr_expect_eq(c.r.add_ret, 0, "the Kaby Lake came up: %d", c.r.add_ret);
	cr_expect_eq(c.r.affinity, 0);
	cr_expect_eq(c.r.run, 0, "KVM_RUN: %ld", c.r.run);
	cr_expect_eq(c.r.exit_reason, KVM_EXIT_FAIL_ENTRY, "exit reason %u", c.r.exit_reason);
	cr_expect_eq(c.r.fail_reason, 7, "VM-instruction error %llu",
		     (unsigned long long)c.r.fail_reason);
	sim_result_release(&r);
}

/* No check, a CPU without VMX: KVM's enable on it is a #GP on the CR4.VMXE write. */
Test(hv, seed000_no_check_oopses_on_a_cpu_without_vmx, .timeout = 120)
{
	struct hvcase c = hotplug_case(NOVMX_SLOT, V_NO_CHECK, 0, 1);
	struct sim_result r = hvrun(&c, "timed", 1);

	cr_expect_eq(r.failures, 1);
	cr_expect(strstr(r.message, "general protection fault") != NULL, "%s", r.message);
	/* From kvm_online_cpu() (hardware_enable_nolock() may be inlined there). */
	cr_expect(r.reports && strstr(r.reports, "kvm_arch_hardware_enable") &&
		  strstr(r.reports, "kvm_online_cpu"), "%s", r.reports ? r.reports : "");
	sim_result_release(&r);
}

/* The check from the ONLINE section with the old WARN: every hot-add warns. */
Test(hv, seed000_strict_warn_fires_on_every_hot_add, .timeout = 120)
{
	struct hvcase c = hotplug_case(SKY_SLOT, V_STRICT_WARN, 0, 1);
	struct sim_result r = hvrun(&c, "timed", 1);

	cr_expect_eq(r.failures, 1);
	cr_expect(strstr(r.message, "WARNING") && strstr(r.message, "kvm_arch_check_processor_compat"),
		  "%s", r.message);
	sim_result_release(&r);
}

struct s000 {
	char strategy[16];
	uint64_t budget;
};

ParameterizedTestParameters(hv, seed000_without_the_lock_the_ipi_escapes_the_check)
{
	/* Found at schedule 16 (pct:3, seed 1) and 38 (dfs:2) when this was written. */
	static struct s000 s[] = { { "pct:3", 2000 }, { "dfs:2", 20000 } };

	return cr_make_param_array(struct s000, s, sizeof(s) / sizeof(s[0]));
}

/*
 * Check and relaxed WARN, without the hotplug lock: exploration finds
 * hardware_enable_all()'s IPI reaching CPU 2 between set_cpu_online() and
 * kvm_online_cpu(); on a CPU without VMX that is an oops in
 * hardware_enable_nolock().
 */
ParameterizedTest(struct s000 *s, hv, seed000_without_the_lock_the_ipi_escapes_the_check,
		  .timeout = 300)
{
	struct hvcase c = hotplug_case(NOVMX_SLOT, V_NO_LOCK, 0, 0);
	struct sim_result r = hvrun(&c, s->strategy, s->budget);

	cr_expect_eq(r.failures, 1, "%s: not found in %llu schedules", s->strategy,
		     (unsigned long long)r.schedules);
	cr_expect(strstr(r.message, "general protection fault") != NULL, "%s", r.message);
	/*
	 * Through the IPI, whose call was queued while CPU 2 was online and
	 * unchecked: taken from the interrupt, or run as the refused CPU dies
	 * (smpcfd_dying_cpu() flushes its queue). The check in
	 * kvm_online_cpu() would have kept hardware_enable_nolock() off it.
	 */
	cr_expect(r.reports && strstr(r.reports, "hardware_enable_nolock") &&
		  (strstr(r.reports, "irq_entry") || strstr(r.reports, "flush_call_queue")),
		  "%s", r.reports ? r.reports : "");
	if (r.failures)
		expect_replays(&c, &r);
	sim_result_release(&r);
}

ParameterizedTestParameters(hv, seed000_without_the_lock_a_kaby_lake_goes_offline_in_vmx)
{
	/*
	 * Found at schedule 33 (pct:3, seed 1), 4 (random) and 359 (dfs:2: its round
	 * with one preemption) when this was written.
	 */
	static struct s000 s[] = { { "pct:3", 2000 }, { "random", 20000 }, { "dfs:2", 20000 } };

	return cr_make_param_array(struct s000, s, sizeof(s) / sizeof(s[0]));
}

/*
 * The same window with a Kaby Lake, which has VMX: the IPI's VMXON
 * succeeds, then kvm_online_cpu()'s check refuses the CPU, which goes
 * offline still in VMX operation. INIT is blocked there, so the hot-add
 * task's second try cannot bring it up, and the machine says why.
 */
ParameterizedTest(struct s000 *s, hv, seed000_without_the_lock_a_kaby_lake_goes_offline_in_vmx,
		  .timeout = 300)
{
	struct hvcase c = hotplug_case(KABY_SLOT, V_NO_LOCK, 0, 2);
	struct sim_result r = hvrun(&c, s->strategy, s->budget);

	cr_expect_eq(r.failures, 1, "%s: not found in %llu schedules", s->strategy,
		     (unsigned long long)r.schedules);
	cr_expect_str_eq(r.message,
			 "BUG: CPU 2 went offline in VMX operation: INIT is blocked, it cannot come up");
	cr_expect_neq(c.r.add_ret, 0, "the check refused the CPU");
	cr_expect_eq(c.r.readd_ret, -EIO);
	if (r.failures)
		expect_replays(&c, &r);
	sim_result_release(&r);
}

/* Fixed: the CPU is refused with KVM's message, in every schedule dfs:2 explores. */
Test(hv, seed000_fixed_refuses_the_cpu_in_every_schedule, .timeout = 600)
{
	struct hvcase c = hotplug_case(NOVMX_SLOT, V_FIXED, 0, 0);
	/* 4,112 schedules when this was written (docs/hv.md): the cap leaves room. */
	struct sim_result r = hvrun(&c, "dfs:2", 50000);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect(r.exhausted, "dfs:2 stopped after %llu schedules",
		  (unsigned long long)r.schedules);
	cr_expect_neq(c.r.add_ret, 0, "the CPU was refused");
	cr_expect_eq(c.r.online, 0);
	sim_result_release(&r);
}

/* Fixed, with each CPU that differs: refused with KVM's message, the add fails. */
Test(hv, seed000_fixed_refuses_with_kvms_message, .timeout = 120)
{
	static const char *const slots[] = { NOVMX_SLOT, KABY_SLOT };

	for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		struct hvcase c = hotplug_case(slots[i], V_FIXED, 0, 2);
		struct sim_explore_opts o = {
			.strategy = "timed", .seed = 1, .budget = 1, .trace_every_run = true,
		};
		struct sim_result r = hvrun_opts(&c, &o);

		cr_expect_eq(r.failures, 0, "%s: %s", slots[i], r.message);
		cr_expect(harness_logged(&r, "kvm: CPU2 is incompatible with online CPUs"), "%s", slots[i]);
		cr_expect_neq(c.r.add_ret, 0);
		cr_expect_neq(c.r.readd_ret, 0, "refused again, not stuck");
		cr_expect_eq(c.r.online, 0);
		sim_result_release(&r);
	}
}

/* ---- seed 003: kvm_vcpu_kick() reading vcpu->cpu while the vCPU migrates ---------- */

static struct hvcase kick_case_with(const char *variant, void (*kicker)(void *))
{
	/* The kicker has a CPU of its own: with no timed tick, sharing would only add schedules. */
	struct hvcase c = { .hc = {
		.ncpus = 3, .machine = "3 slots: skylake-sp x3",
		.tasks = { UA(0, kvmp_migrating_vcpu_task, 0), UA(2, kicker, 0) },
		.params = { { "kvm.variant", variant } },
	} };

	return c;
}

static struct hvcase kick_case(const char *variant)
{
	return kick_case_with(variant, kvmp_dirty_log_task);
}

static struct sim_result kick_run(struct hvcase *c, const char *strategy, uint64_t budget)
{
	c->hc.detect = SIM_DETECT_RACE | SIM_DETECT_LOCKDEP | SIM_DETECT_MEM;
	return hvrun(c, strategy, budget);
}

/*
 * Pre-fix, kvm_vcpu_kick() reads vcpu->cpu plainly before the mode check,
 * while kvm_arch_vcpu_load() writes it plainly when the vCPU moves:
 * KCSAN's report, under its default policy.
 */
Test(hv, seed003_pre_fix_kick_races_with_vcpu_load, .timeout = 300)
{
	static const char *const title =
		"BUG: KCSAN: data-race in kvm_arch_vcpu_load / kvm_vcpu_kick";
	static const char *const strategies[][2] = { { "pct:3", "2000" }, { "dfs:2", "1000" } };

	/* Found at the first schedule by both when this was written (docs/hv.md). */
	for (size_t i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++) {
		struct hvcase c = kick_case("pre-fix=003");
		struct sim_result r = kick_run(&c, strategies[i][0],
					       strtoull(strategies[i][1], NULL, 10));

		cr_expect_eq(r.failures, 1, "%s: not found in %llu schedules", strategies[i][0],
			     (unsigned long long)r.schedules);
		cr_expect_str_eq(r.message, title, "%s", strategies[i][0]);
		if (r.failures)
			expect_replays(&c, &r);
		sim_result_release(&r);
	}
}

/* Fixed: one READ_ONCE after the mode check, against an aligned plain write: not reported. */
Test(hv, seed003_fixed_reads_vcpu_cpu_once, .timeout = 600)
{
	struct hvcase c = kick_case("fixed");
	struct sim_result r = kick_run(&c, "pct:3", 2000);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect_eq(c.r.slot_ret, 0);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(c.r.runs[i], 0, "KVM_RUN %d: %ld", i, c.r.runs[i]);
	sim_result_release(&r);
}

/*
 * The fixed kick under dfs:2, capped for CI at 20,000 schedules: no report
 * in any schedule it reaches. Not exhausted: 3,000,000 schedules (about
 * ten minutes) did not exhaust it either (docs/hv.md).
 */
Test(hv, seed003_fixed_is_clean_under_dfs, .timeout = 600)
{
	struct hvcase c = kick_case("fixed");
	struct sim_result r = kick_run(&c, "dfs:2", 20000);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect_eq(r.schedules, 20000, "the cap was reached, not an early end");
	cr_log_info("seed 003 fixed: dfs:2 clean, not exhausted after %llu schedules (the full "
		    "proof: hvsim-bench --proofs seed003_small_fixed)", (unsigned long long)r.schedules);
	sim_result_release(&r);
}

/* ---- seed 001: the VM-add hook's error path ---------------------------------------- */

#define V_001_PRE	"pre-fix=001,+kvm-add-vm-hooks"

static struct hvcase add_vm_case(const char *variant)
{
	struct hvcase c = { .hc = {
		.ncpus = 3, .machine = SKY_SLOT,
		.tasks = { UA(0, kvmp_failing_vm_task, 0), UA(1, kvmp_lifecycle_task, 0),
			   K(0, kvmp_hotadd_task, 0) },
		.params = { { "kvm.variant", variant } },
	} };

	return c;
}

/* What the review predicts, any of them: which one depends on the order. */
static bool seed001_outcome(const char *msg)
{
	return strstr(msg, "invalid opcode") ||				/* VMCS insn, VMX off */
	       strstr(msg, "lock held when returning to user space") ||	/* the leaked read lock */
	       strstr(msg, "deadlock");					/* its second read lock */
}

struct s001 {
	char strategy[16];
	uint64_t budget;
};

ParameterizedTestParameters(hv, seed001_pre_fix_error_path)
{
	/* Each found (a), the #UD, at its first schedule when this was written. */
	static struct s001 s[] = { { "timed", 1 }, { "pct:3", 500 }, { "dfs:2", 20000 } };

	return cr_make_param_array(struct s001, s, sizeof(s) / sizeof(s[0]));
}

/*
 * Pre-fix: the count's increment and its undo in two critical sections,
 * the first cpus_read_lock() never released. Whatever the order, the run
 * fails one of the review's ways.
 */
ParameterizedTest(struct s001 *s, hv, seed001_pre_fix_error_path, .timeout = 300)
{
	struct hvcase c = add_vm_case(V_001_PRE);
	struct sim_result r = hvrun(&c, s->strategy, s->budget);

	cr_expect_eq(r.failures, 1, "%s: not found in %llu schedules", s->strategy,
		     (unsigned long long)r.schedules);
	cr_expect(seed001_outcome(r.message), "%s: %s", s->strategy, r.message);
	if (r.failures)
		expect_replays(&c, &r);
	sim_result_release(&r);
}

/* Fixed: the VM's creation fails cleanly, the other VM runs, the CPU comes up. */
Test(hv, seed001_fixed_is_clean, .timeout = 600)
{
	struct hvcase c = add_vm_case("fixed");
	struct sim_result r = hvrun(&c, "pct:3", 500);

	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect_eq(c.r.fail_vm, -ENOMEM);
	cr_expect_eq(c.r.exit_reason, KVM_EXIT_HLT);
	cr_expect_eq(c.r.add_ret, 0);
	sim_result_release(&r);
	/* Capped for CI, not exhausted (docs/hv.md). */
	r = hvrun(&c, "dfs:2", 20000);
	cr_expect_eq(r.failures, 0, "dfs:2: %s\n%s", r.message, r.reports ? r.reports : "");
	cr_log_info("seed 001 fixed: dfs:2 clean, not exhausted after %llu schedules (the full "
		    "proof: hvsim-bench --proofs seed001_fixed)", (unsigned long long)r.schedules);
	sim_result_release(&r);
}

/* ---- registers ------------------------------------------------------------------------ */

/* KVM_SET_REGS moves the guest: its HLT is at the new RIP, which the exit advances past. */
Test(hv, regs_are_read_written_and_follow_the_guest, .timeout = 60)
{
	struct hvcase c = { .hc = { .tasks = { UA(0, kvmp_regs_task, 0) } } };
	struct sim_result r = hvrun(&c, "timed", 1);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.get_ret, 0);
	cr_expect_eq(c.r.rip0, 0x100000, "the reset RIP: %#llx", (unsigned long long)c.r.rip0);
	cr_expect_eq(c.r.set_ret, 0);
	cr_expect_eq(c.r.run, 0);
	cr_expect_eq(c.r.rip_after, 0x200001, "past the HLT at the new RIP: %#llx",
		     (unsigned long long)c.r.rip_after);
	cr_expect_eq(c.r.rsp_after, 0x9000);
	cr_expect_eq(c.r.bad_get, -EFAULT);
	cr_expect_eq(c.r.bad_set, -EFAULT);
	cr_expect_eq(c.r.bad_vcpu_ioctl, -EINVAL);
	sim_result_release(&r);
}

/* ---- KVM_RUN on every model ------------------------------------------------------------ */

MODEL_PARAMETERS(hv, kvm_run_on_every_model)

/* Every shipped model passes hv/'s checks, and a vCPU runs to its HLT through /dev/kvm. */
ParameterizedTest(struct model_case *mc, hv, kvm_run_on_every_model, .timeout = 60)
{
	char machine[96];
	struct hvcase c = { .hc = { .machine = machine, .tasks = { U(0, kvmp_lifecycle_task) } } };
	struct sim_result r;

	snprintf(machine, sizeof(machine), "2 slots: %s x2", mc->name);
	r = hvrun(&c, "timed", 1);
	cr_expect_eq(r.failures, 0, "%s: %s", machine, r.message);
	cr_expect_eq(c.r.run, 0, "%s: KVM_RUN %ld", machine, c.r.run);
	cr_expect_eq(c.r.exit_reason, KVM_EXIT_HLT, "%s: exit %u (fail %#llx)", machine,
		     c.r.exit_reason, (unsigned long long)c.r.fail_reason);
	cr_expect(!c.vmx_left_on, "%s", machine);
	sim_result_release(&r);
}

/*
 * Seed 003's other reader: a memory slot's deletion makes KVM_REQ_TLB_FLUSH
 * on every vCPU and interrupts those in guest mode. Pre-fix,
 * kvm_make_vcpus_request_mask() reads vcpu->cpu before the mode check.
 */
Test(hv, seed003_request_mask_races_pre_fix_and_not_fixed, .timeout = 300)
{
	struct hvcase pre = kick_case_with("pre-fix=003", kvmp_slot_churn_task);
	struct hvcase fixed = kick_case_with("fixed", kvmp_slot_churn_task);
	struct sim_result r = kick_run(&pre, "pct:3", 2000);

	cr_expect_eq(r.failures, 1, "not found in %llu schedules", (unsigned long long)r.schedules);
	cr_expect_str_eq(r.message,
			 "BUG: KCSAN: data-race in kvm_arch_vcpu_load / kvm_make_vcpus_request_mask");
	sim_result_release(&r);
	r = kick_run(&fixed, "pct:3", 2000);
	cr_expect_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_expect_eq(fixed.r.log_ret[0], 0, "the slot was added");
	sim_result_release(&r);
}

/* Special registers: what the 64-bit reset state reads as, written back, and KVM's refusal. */
Test(hv, sregs_are_read_written_and_checked, .timeout = 60)
{
	struct hvcase c = { .hc = { .tasks = { UA(0, kvmp_sregs_task, 0) } } };
	struct sim_result r = hvrun(&c, "timed", 1);

	cr_expect_eq(r.failures, 0, "%s", r.message);
	cr_expect_eq(c.r.sget_ret, 0);
	cr_expect_eq(c.r.cs_l, 1, "a 64-bit code segment");
	cr_expect_eq(c.r.ds_present, 1);
	cr_expect(c.r.efer & (1ULL << 10), "EFER.LMA: %#llx", (unsigned long long)c.r.efer);
	cr_expect_eq(c.r.apic_base, 0xfee00900ULL, "vCPU 0 is the BSP");
	cr_expect_eq(c.r.sset_same, 0, "the state read back is accepted");
	cr_expect_eq(c.r.sset_bad, -EINVAL, "EFER.LMA without LME");
	cr_expect_eq(c.r.sset_ds, 0);
	cr_expect_eq(c.r.srun, 0);
	cr_expect_eq(c.r.sexit, KVM_EXIT_HLT, "the guest still enters: exit %u", c.r.sexit);
	cr_expect_eq(c.r.ds_sel_after, 0x18);
	sim_result_release(&r);
}

/* ---- requests against guest mode ----------------------------------------------------- */

/* What one traced run shows of vCPU 0's TLB-flush requests (hv/trace.h's tracepoints). */
struct req_audit {
	unsigned int made_in_guest;	/* requests made while the vCPU was in guest mode */
	unsigned int kicked_out;	/* ... whose exit was the kick's external interrupt */
	unsigned int checked;		/* requests the vCPU consumed */
	unsigned int late;		/* consumed after a second VM entry: the protocol broke */
};

static bool point_is(const struct trace_reader *tr, const struct trace_event *e, const char *name)
{
	const char *s = e->type == TR_POINT ? trace_reader_string(tr, e->str) : NULL;

	/* vCPU 0, KVM_REQ_TLB_FLUSH's number (0). */
	return s && !strcmp(s, name) && e->args[0] == 0 && e->args[1] == 0;
}

/*
 * Walk a run: a request made while the vCPU is in guest mode must take it
 * out (the exit an external interrupt, unless the guest's own exit came
 * first) and be consumed before the vCPU enters again; one made outside
 * may meet at most the one entry that raced with it, which the kick then
 * ends.
 */
static struct req_audit audit_requests(const struct sim_result *r)
{
	struct req_audit a = { 0 };
	struct trace_reader *tr;
	struct trace_event e;
	bool guest = false, pending = false, in_guest = false;
	unsigned int entries = 0;
	char err[256];
	int ret;

	cr_assert_eq(trace_reader_open_mem(&tr, r->trace, r->trace_len, "run", err, sizeof(err)),
		     0, "%s", err);
	while ((ret = trace_next(tr, &e, err, sizeof(err))) == 1) {
		if (point_is(tr, &e, "kvm_make_request") && !pending) {
			pending = true;
			in_guest = guest;
			entries = 0;
			a.made_in_guest += guest;
		} else if (point_is(tr, &e, "kvm_check_request")) {
			a.checked++;
			a.late += entries > (in_guest ? 0u : 1u);
			pending = false;
		} else if (e.type == TR_VMX && e.kind == TR_VMX_ENTRY) {
			guest = true;
			entries += pending;
		} else if (e.type == TR_VMX && e.kind == TR_VMX_EXIT) {
			guest = false;
			if (pending && in_guest && !entries)
				a.kicked_out += e.value == EXIT_REASON_EXTERNAL_INTERRUPT;
		}
	}
	cr_assert_eq(ret, 0, "%s", err);
	trace_reader_close(tr);
	return a;
}

/*
 * A request made while the vCPU is in guest mode kicks it out, with an
 * external-interrupt exit, and the vCPU sees the request before it enters
 * again, in every run of twenty random schedules.
 */
Test(hv, requests_kick_a_vcpu_in_guest_mode_and_are_seen_before_entry, .timeout = 120)
{
	struct req_audit all = { 0 };

	for (uint64_t seed = 1; seed <= 60; seed++) {
		struct hvcase c = kick_case_with("fixed", kvmp_slot_churn_task);
		struct sim_explore_opts o = {
			.strategy = "random", .seed = seed, .budget = 1, .trace_every_run = true,
		};

		/* Four runs of the vCPU, up to twelve rounds of requests. */
		c.hc.tasks[0].arg = (void *)4;
		c.hc.tasks[1].arg = (void *)12;
		struct sim_result r = hvrun_opts(&c, &o);
		struct req_audit a;

		cr_assert_eq(r.failures, 0, "seed %llu: %s\n%s", (unsigned long long)seed, r.message, r.reports ? r.reports : "");
		cr_assert_not_null(r.trace);
		a = audit_requests(&r);
		cr_expect_eq(a.late, 0, "seed %llu: a request missed an entry", (unsigned long long)seed);
		all.made_in_guest += a.made_in_guest;
		all.kicked_out += a.kicked_out;
		all.checked += a.checked;
		sim_result_release(&r);
	}
	cr_expect_gt(all.checked, 0);
	cr_expect_gt(all.made_in_guest, 0, "no request met the vCPU in guest mode");
	cr_expect_gt(all.kicked_out, 0, "no request kicked the vCPU out");
}
