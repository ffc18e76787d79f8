// SPDX-License-Identifier: MIT
/*
 * hv/'s CPUID and MMU through the KVM API (seed 002): KVM_SET_CPUID2
 * after KVM_RUN in each generation, the shadow page a vCPU reuses, and the
 * CPUID ioctls' error codes. No concurrency: both ioctls take vcpu->mutex,
 * so one schedule of one user task says it all.
 *
 * The reuse is read through KVM_HVSIM_GET_MMU_ROOT (hvsim's read-only
 * ioctl), the warnings from the run's printk lines in its trace.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/kvm.h"
#include "hvsim/sim.h"
#include "hvsim/trace.h"
#include "harness.h"
#include "programs/cpuidprogs.h"

#define WARNING_TEXT	"KVM: KVM_SET_CPUID{,2} after KVM_RUN may cause guest instability"

/* Seed 002's generations (hv/variant.c). */
#define V_PRE_FIX	"pre-fix=002"
#define V_WARN		"pre-fix=002,+cpuid-after-run-warn"
#define V_FIXED		"fixed"

struct ccase {
	struct harness_case hc;
	struct cpuidp_result r;
};

static int ccase_check(struct harness_case *hc, char *msg, size_t len)
{
	struct ccase *c = HARNESS_CONTAINER_OF(hc, struct ccase, hc);

	(void)msg;
	(void)len;
	cpuidp_result(&c->r);
	return 0;
}

/* One schedule of @fn on a Skylake-SP machine under @variant, traced; it must end clean. */
static struct sim_result crun(struct ccase *c, sim_task_fn fn, void *arg, const char *variant)
{
	struct sim_explore_opts o = {
		.strategy = "timed", .seed = 1, .budget = 1, .trace_every_run = true,
	};
	struct sim_program p;
	struct sim_result r;

	c->hc.name = "hv-cpuid";
	c->hc.ncpus = 2;
	c->hc.machine = "2 slots: skylake-sp x2";
	c->hc.detect = SIM_DETECT_LOCKDEP | SIM_DETECT_MEM;
	c->hc.flags = SIM_PROG_BOOT;
	c->hc.check = ccase_check;
	c->hc.tasks[0] = (struct harness_task){ .cpu = 0, .fn = fn, .arg = arg, .name = "vmm",
						.user = true };
	c->hc.params[0][0] = "kvm.variant";
	c->hc.params[0][1] = variant;
	p = harness_program(&c->hc);
	r = harness_explore(&p, &o);
	cr_assert_eq(r.failures, 0, "%s: %s\n%s", variant, r.message, r.reports ? r.reports : "");
	return r;
}

/* The run reached the guest's HLT both times, and the supported table had the host's values. */
static void expect_setup(const struct ccase *c)
{
	cr_assert_eq(c->r.supported, 0, "KVM_GET_SUPPORTED_CPUID: %ld", c->r.supported);
	/* Skylake-SP (Xeon Gold 6154): 46 physical-address bits, 1-GByte pages. */
	cr_assert_eq(c->r.host_maxphyaddr, 46);
	cr_assert_eq(c->r.host_gbpages, 1);
	cr_expect_eq(c->r.set_before[0], 0, "KVM_SET_CPUID2 before KVM_RUN: %ld", c->r.set_before[0]);
	cr_expect_eq(c->r.runs[0], 0, "KVM_RUN: %ld", c->r.runs[0]);
}

/* ---- seed 002, generation by generation ---- */

/*
 * Pre-fix (5.13): MAXPHYADDR lowered after KVM_RUN is taken silently; the
 * next run loads the very shadow page built under MAXPHYADDR 46, whose
 * reserved-bit masks say bits 36-45 are address bits, while the vCPU's
 * context now says they are reserved.
 */
Test(hv_cpuid, seed002_prefix_takes_a_change_after_run_and_reuses_the_old_page, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_change_after_run_task, NULL, V_PRE_FIX);

	expect_setup(&c);
	cr_expect_eq(c.r.root_ret[0], 0);
	cr_expect_eq(c.r.root[0].loaded, 0, "no root before the first run");
	cr_expect_eq(c.r.root[0].vcpu_maxphyaddr, 46);
	cr_expect_eq(c.r.root[1].loaded, 1, "a root after the run");
	cr_expect_eq(c.r.root[1].sp_maxphyaddr, 46);
	cr_expect_eq(c.r.root[1].mmu_cache_miss, 1);

	cr_expect_eq(c.r.set_changed, 0, "KVM_SET_CPUID2 after KVM_RUN: %ld", c.r.set_changed);
	cr_expect_eq(c.r.get, 0);
	cr_expect_eq(c.r.get_maxphyaddr, 36, "KVM_GET_CPUID2 shows the new table");
	cr_expect_eq(c.r.set_same, 0);
	cr_expect_eq(c.r.runs[1], 0, "KVM_RUN after the change: %ld", c.r.runs[1]);
	cr_expect_eq(harness_logged(&r, WARNING_TEXT), 0, "pre-fix says nothing");

	/* The defect: the same page, built under the old MAXPHYADDR. */
	cr_expect_eq(c.r.root[2].loaded, 1);
	cr_expect_eq(c.r.root[2].sp_serial, c.r.root[1].sp_serial, "the old page is reused");
	cr_expect_eq(c.r.root[2].mmu_cache_miss, 1, "no new page was made");
	cr_expect_eq(c.r.root[2].sp_maxphyaddr, 46);
	cr_expect_eq(c.r.root[2].vcpu_maxphyaddr, 36);
	cr_expect_neq(c.r.root[2].sp_rsvd_pdpte, c.r.root[2].vcpu_rsvd_pdpte);
	/* Bits 51:36 reserved for the vCPU now, 51:46 in the page's masks. */
	cr_expect_eq(c.r.root[2].vcpu_rsvd_pdpte & 0x000ffff000000000ULL, 0x000ffff000000000ULL);
	cr_expect_eq(c.r.root[2].sp_rsvd_pdpte & 0x000ffff000000000ULL, 0x000fc00000000000ULL);
	sim_result_release(&r);
}

/*
 * Two vCPUs of one VM with different CPUIDs (MAXPHYADDR 46 with 1-GByte
 * pages, 39 without) load one root page: the role does not tell them
 * apart. KVM_SET_CPUID2 before the first run is allowed in every
 * generation, so the fixed code shares it too.
 */
static void expect_shared_root(const char *variant)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_two_vcpus_task, NULL, variant);
	const struct kvm_hvsim_mmu_root *a = &c.r.vcpu_root[0], *b = &c.r.vcpu_root[1];

	cr_expect_eq(c.r.set_before[0], 0, "%s", variant);
	cr_expect_eq(c.r.set_before[1], 0, "%s", variant);
	cr_expect_eq(c.r.runs[0], 0, "%s", variant);
	cr_expect_eq(c.r.runs[1], 0, "%s", variant);
	cr_expect(a->loaded && b->loaded, "%s: both have a root", variant);
	cr_expect_eq(a->sp_serial, b->sp_serial, "%s: one page for both", variant);
	cr_expect_eq(a->root_count, 2, "%s", variant);
	cr_expect_eq(a->mmu_cache_miss, 1, "%s", variant);
	cr_expect_eq(a->vcpu_maxphyaddr, 46, "%s", variant);
	cr_expect_eq(b->vcpu_maxphyaddr, 39, "%s", variant);
	cr_expect_eq(b->sp_maxphyaddr, 46, "%s: built by the first vCPU", variant);
	cr_expect_eq(b->sp_gbpages, 1, "%s", variant);
	cr_expect_eq(b->vcpu_gbpages, 0, "%s", variant);
	/* PS in a PDPTE: reserved for the second vCPU, not in the page it uses. */
	cr_expect_eq(b->vcpu_rsvd_pdpte & (1ULL << 7), 1ULL << 7, "%s", variant);
	cr_expect_eq(b->sp_rsvd_pdpte & (1ULL << 7), 0, "%s", variant);
	cr_expect_eq(harness_logged(&r, WARNING_TEXT), 0, "%s: no set after a run", variant);
	sim_result_release(&r);
}

Test(hv_cpuid, seed002_two_vcpus_with_different_cpuids_share_a_page, .timeout = 60)
{
	expect_shared_root(V_PRE_FIX);
	expect_shared_root(V_FIXED);
}

/*
 * cpuid-after-run-warn (5.14): the same behaviour, and the warning on
 * every KVM_SET_CPUID2 after the first run, a table that did not change
 * included, never before it.
 */
Test(hv_cpuid, seed002_warn_warns_after_run_and_still_reuses, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_change_after_run_task, NULL, V_WARN);

	expect_setup(&c);
	cr_expect_eq(c.r.set_changed, 0);
	cr_expect_eq(c.r.get_maxphyaddr, 36);
	cr_expect_eq(c.r.set_same, 0);
	cr_expect_eq(harness_logged(&r, WARNING_TEXT), 2, "the change and the unchanged table: one each");
	cr_expect_eq(c.r.root[2].sp_serial, c.r.root[1].sp_serial, "the old page is still reused");
	cr_expect_eq(c.r.root[2].sp_maxphyaddr, 46);
	cr_expect_eq(c.r.root[2].vcpu_maxphyaddr, 36);
	sim_result_release(&r);
}

/* Twice before the run: silent. Five times after: five warnings. */
Test(hv_cpuid, seed002_warn_never_before_a_run, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_set_again_task, (void *)5, V_WARN);

	expect_setup(&c);
	cr_expect_eq(c.r.set_before[1], 0);
	for (int i = 0; i < 5; i++)
		cr_expect_eq(c.r.sets[i], 0, "set %d after the run: %ld", i, c.r.sets[i]);
	cr_expect_eq(harness_logged(&r, WARNING_TEXT), 5);
	sim_result_release(&r);
}

/*
 * Linux's default rate limit: 10 per 5 seconds from the call site. Fifteen
 * sets take far less than 5 simulated seconds (a Skylake-SP's clock runs
 * at 3000 MHz: 15,000,000,000 cycles), so ten print and the rest are
 * suppressed. The window's end is tested with a direct clock in the
 * kernel suite (kernel::ratelimit_*).
 */
Test(hv_cpuid, seed002_warn_is_rate_limited, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_set_again_task, (void *)15, V_WARN);

	for (int i = 0; i < 15; i++)
		cr_expect_eq(c.r.sets[i], 0, "set %d: %ld", i, c.r.sets[i]);
	cr_expect_eq(harness_logged(&r, WARNING_TEXT), 10);
	cr_expect_eq(harness_logged(&r, "callbacks suppressed"), 0, "the window has not ended");
	sim_result_release(&r);
}

/*
 * Fixed (cpuid-after-run-reject, early 2022): a change after the run is
 * -EINVAL and the old table stays (KVM_GET_CPUID2 and the MMU say so); the
 * unchanged table is accepted; no warning in either case.
 */
Test(hv_cpuid, seed002_fixed_rejects_a_change_after_run, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_change_after_run_task, NULL, V_FIXED);

	expect_setup(&c);
	cr_expect_eq(c.r.set_changed, -EINVAL, "KVM_SET_CPUID2 changed after KVM_RUN: %ld",
		     c.r.set_changed);
	cr_expect_eq(c.r.get, 0);
	cr_expect_eq(c.r.get_nent, c.r.supported_nent);
	cr_expect_eq(c.r.get_maxphyaddr, 46, "the old table stays");
	cr_expect_eq(c.r.set_same, 0, "the unchanged table is accepted");
	cr_expect_eq(c.r.runs[1], 0);
	cr_expect_eq(c.r.root[2].sp_serial, c.r.root[1].sp_serial);
	cr_expect_eq(c.r.root[2].vcpu_maxphyaddr, 46);
	cr_expect_eq(c.r.root[2].sp_rsvd_pdpte, c.r.root[2].vcpu_rsvd_pdpte,
		     "the page and the vCPU agree");
	cr_expect_eq(harness_logged(&r, WARNING_TEXT), 0);
	sim_result_release(&r);
}

/* Fixed: the same table any number of times after the run is fine, and silent. */
Test(hv_cpuid, seed002_fixed_accepts_the_same_table_again, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_set_again_task, (void *)3, V_FIXED);

	expect_setup(&c);
	for (int i = 0; i < 3; i++)
		cr_expect_eq(c.r.sets[i], 0, "set %d: %ld", i, c.r.sets[i]);
	cr_expect_eq(harness_logged(&r, WARNING_TEXT), 0);
	sim_result_release(&r);
}

/* Reject needs the generation before it (last_vmentry_cpu's -1): without it module init refuses. */
Test(hv_cpuid, reject_without_warn_is_refused, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_set_again_task, NULL, "fixed,-cpuid-after-run-warn");

	cr_expect_eq(harness_logged(&r, "kvm: variant: cpuid-after-run-reject requires cpuid-after-run-warn"),
		     1);
	cr_expect_eq(c.r.supported, -EBADF, "no /dev/kvm: %ld", c.r.supported);
	sim_result_release(&r);
}

/* ---- the ioctls' error codes ---- */

Test(hv_cpuid, cpuid_ioctls_get_kvms_error_codes, .timeout = 60)
{
	struct ccase c = { 0 };
	struct sim_result r = crun(&c, cpuidp_errors_task, NULL, V_FIXED);

	cr_expect_eq(c.r.errs[0], -E2BIG, "KVM_GET_SUPPORTED_CPUID, nent 0: %ld", c.r.errs[0]);
	cr_expect_eq(c.r.errs[1], -E2BIG, "KVM_GET_SUPPORTED_CPUID, nent 1: %ld", c.r.errs[1]);
	cr_expect_eq(c.r.errs[2], -EFAULT, "KVM_GET_SUPPORTED_CPUID, a bad pointer: %ld",
		     c.r.errs[2]);
	cr_expect_eq(c.r.errs[3], 0, "KVM_GET_SUPPORTED_CPUID, nent 300 (taken as 256): %ld",
		     c.r.errs[3]);
	cr_expect(c.r.supported_nent > 40 && c.r.supported_nent < KVM_MAX_CPUID_ENTRIES,
		  "nent %u", c.r.supported_nent);
	cr_expect_eq(c.r.errs[4], -E2BIG, "KVM_SET_CPUID2, 257 entries: %ld", c.r.errs[4]);
	cr_expect_eq(c.r.errs[5], -EFAULT, "KVM_SET_CPUID2, entries past user memory: %ld",
		     c.r.errs[5]);
	cr_expect_eq(c.r.errs[6], -EINVAL, "KVM_SET_CPUID2, 50 linear-address bits: %ld",
		     c.r.errs[6]);
	cr_expect_eq(c.r.errs[7], 0, "KVM_GET_CPUID2 before any set: %ld", c.r.errs[7]);
	cr_expect_eq(c.r.get_nent, 0, "an empty table");
	cr_expect_eq(c.r.set_before[0], 0);
	cr_expect_eq(c.r.errs[8], -E2BIG, "KVM_GET_CPUID2, nent 1: %ld", c.r.errs[8]);
	cr_expect_eq(c.r.errs[9], -EFAULT, "KVM_GET_CPUID2, a bad pointer: %ld", c.r.errs[9]);
	cr_expect_eq(c.r.errs[10], 1, "KVM_CAP_EXT_CPUID");
	cr_expect_eq(c.r.errs[11], -ENOTTY, "KVM_SET_CPUID2 on a VM fd: %ld", c.r.errs[11]);
	cr_expect_eq(c.r.get, 0);
	cr_expect_eq(c.r.get_maxphyaddr, 1, "KVM_GET_CPUID2 gives back the table set");
	sim_result_release(&r);
}
