// SPDX-License-Identifier: MIT
/*
 * VMX operation on simulated machines, through the instructions a
 * hypervisor executes (tests/programs/vmxprogs.c): a legal VMCS enters on
 * every model; the real pair of cpu-data/README.md (a posted-interrupt
 * VMCS built from the Skylake-SP Xeon's capabilities enters there and
 * fails with error 7 on the Kaby Lake); VMXON's #GP cases; the VMCS
 * instructions' errors; CR4.VMXE fixed in VMX operation; INVEPT and
 * INVVPID; the exits and the information fields the hypervisor reads;
 * interrupts that end a guest's run; the preemption timer; failed entries
 * (33, 34); the MSR-load rows of the check table, one test each.
 *
 * SDM citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C.
 */
#include "programs/vmxprogs.h"
#include "vmx_models.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "model_cases.h"
#include <criterion/logging.h>
#include <criterion/parameterized.h>

#include "hvsim/hw.h"
#include "hvsim/sim.h"
#include "engine/machine.h"
#include "engine/trace.h"
#include "vmx/legal.h"
#include "vmx/vmentry.h"
#include "vmx/vmx.h"

/* Addresses the configurations use: page-aligned, far below any MAXPHYADDR. */
#define PA_VAPIC	0x10000ULL
#define PA_PI_DESC	0x12000ULL
#define PI_VECTOR	0xf2

/* All write-back: a PAT another than the host's, every entry legal. */
#define PAT_ALL_WB	0x0606060606060606ULL

/* The IPI vector smp_call_function_single() sends (Linux's CALL_FUNCTION_SINGLE_VECTOR). */
#define CALL_FUNCTION_SINGLE_VECTOR	0xfb

/* ---- building runs ---- */

/* A run of @entries entries with the legal, KVM-like VMCS of @spec, changed by @edit. */
static struct vmxp_run *new_run(const char *spec, unsigned int entries,
				void (*edit)(struct vmcs *v))
{
	struct cpu_model *m = vt_load(spec);
	struct vmcs *v = vmx_legal_vmcs(m);
	struct vmxp_run *r = calloc(1, sizeof(*r));

	cr_assert(r);
	vt_kvm_like(v);
	if (edit)
		edit(v);
	vt_fields_from(v, r);
	r->entries = entries;
	r->ipi_ran_on = -1;
	free(v);
	free(m);
	return r;
}

/* What a test runs: tasks per CPU, a script per CPU, the CPUs' clocks after. */
struct vcase {
	struct vmxp_run *guest[2];		/* a hypervisor task on CPU i, or NULL */
	struct vmxp_run *ipi_for;		/* an IPI-sending task on CPU 0 for this run */
	struct vmxp_run *post_for;		/* a posting task on CPU 0 for this run */
	struct vmxp_vmxon *vmxon;		/* a VMXON task on CPU 0 */
	const struct sim_guest_exit *script;	/* CPU 0's (or the guest CPU's) guest script */
	unsigned int nscript;
	uint64_t cycles[2];
	struct sim_guest_event events[2][SIM_GUEST_EVENTS];	/* what each CPU's guest took */
	unsigned int nevents[2];
};

/* A run's outputs, cleared before each run: every run starts from the same state. */
static void run_reset(struct vmxp_run *r)
{
	r->vmxon = 0;
	memset(r->exit, 0, sizeof(r->exit));
	r->nexits = 0;
	memset(&r->relaunched, 0, sizeof(r->relaunched));
	r->msr_after = 0;
	memset(r->stored, 0, sizeof(r->stored));
	r->guest_pat = 0;
	r->cr4_after = 0;
	r->in_guest_soon = 0;
	r->ipi_ran_on = -1;
	r->pi_ready = 0;
	r->pi_desc = NULL;
	r->access_page = NULL;
	r->pi_host_notified = 0;
	r->on_at_host = r->on_after = 0;
	memset(r->pir_at_host, 0, sizeof(r->pir_at_host));
	memset(r->pir_after, 0, sizeof(r->pir_after));
}

static void vsetup(struct machine *m, void *arg)
{
	struct vcase *c = arg;

	for (unsigned int i = 0; i < 2; i++) {
		if (!c->guest[i])
			continue;
		run_reset(c->guest[i]);
		sim_spawn(m, i, "vcpu", vmxp_guest_task, c->guest[i]);
		if (c->script)
			cr_assert_eq(sim_set_guest_script(m, i, c->script, c->nscript), 0);
	}
	if (c->ipi_for)
		sim_spawn(m, 0, "kicker", vmxp_ipi_task, c->ipi_for);
	if (c->post_for)
		sim_spawn(m, 0, "poster", vmxp_pi_sender_task, c->post_for);
	if (c->vmxon)
		sim_spawn(m, 0, "vmxon", vmxp_vmxon_task, c->vmxon);
}

static int vcheck(struct machine *m, void *arg, char *msg, size_t len)
{
	struct vcase *c = arg;

	(void)msg;
	(void)len;
	for (unsigned int i = 0; i < 2 && i < m->ncpus; i++) {
		c->cycles[i] = m->cpus[i].cycles;
		c->nevents[i] = sim_guest_events(m, i, c->events[i], SIM_GUEST_EVENTS);
	}
	return 0;
}

static bool trace_runs;	/* record the run's trace (vmx_entry::trace_*) */

static struct sim_result vrun(struct vcase *c, const char *machine, unsigned int ncpus,
			      const char *strategy, uint64_t seed)
{
	struct sim_program p = {
		.name = "vmx", .ncpus = ncpus, .setup = vsetup, .check = vcheck, .arg = c,
		.detect = SIM_DETECT_LOCKDEP, .machine = machine,
	};
	struct sim_explore_opts o = {
		.strategy = strategy, .seed = seed, .budget = 1, .trace_every_run = trace_runs,
	};
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	return r;
}

static void expect_clean(struct sim_result *r)
{
	cr_assert_eq(r->outcome, SIM_OK, "%s\n%s", r->message, r->reports ? r->reports : "");
}

/* ---- a legal VMCS enters on every model ---- */

MODEL_PARAMETERS(vmx_entry, legal_vmcs_enters)

ParameterizedTest(struct model_case *mc, vmx_entry, legal_vmcs_enters, .timeout = 30)
{
	struct vcase c = { .guest = { new_run(mc->name, 3, NULL) } };
	char machine[96];
	struct sim_result r;

	snprintf(machine, sizeof(machine), "1 slots: %s", mc->name);
	c.guest[0]->relaunch = true;
	r = vrun(&c, machine, 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(c.guest[0]->vmxon, VMX_SUCCEED);
	cr_assert_eq(c.guest[0]->nexits, 3);
	cr_expect_eq(c.guest[0]->vmwrite_failed, 0, "%s: the legal VMCS writes a field the model lacks",
		     mc->name);
	for (unsigned int i = 0; i < 3; i++) {
		const struct vmxp_exit *e = &c.guest[0]->exit[i];

		cr_expect_eq(e->ret, VMX_SUCCEED, "%s entry %u: ret %d error %u", mc->name, i,
			     e->ret, e->error);
		cr_expect_eq(e->reason, EXIT_REASON_HLT, "%s entry %u: reason %#x", mc->name, i,
			     e->reason);
		cr_expect_eq(e->len, 1, "HLT is one byte");
	}
	/* VMLAUNCH of a launched VMCS: VMfailValid(4). */
	cr_expect_eq(c.guest[0]->relaunched.ret, VMX_FAIL_VALID);
	cr_expect_eq(c.guest[0]->relaunched.error, VMXERR_VMLAUNCH_NONCLEAR);
	sim_result_release(&r);
	free(c.guest[0]);
}

/* ---- the real pair: Skylake-SP Xeon and Kaby Lake ---- */

/* Posted interrupts with everything they need, as KVM configures APICv. */
static void posted_interrupts(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_MASK | PIN_BASED_POSTED_INTR);
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL,
		    CPU_BASED_TPR_SHADOW | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set(v, VMCS_VIRTUAL_APIC_PAGE_ADDR, PA_VAPIC);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY);
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
	vmcs_set(v, VMCS_POSTED_INTR_NV, PI_VECTOR);
	vmcs_set(v, VMCS_POSTED_INTR_DESC_ADDR, PA_PI_DESC);
}

/*
 * Posted interrupts as KVM runs an x2APIC guest: virtualized x2APIC MSRs,
 * the guest interruptible, vector 0x50's EOI exiting.
 */
static void posted_eoi_exit(struct vmcs *v)
{
	posted_interrupts(v);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE);
	vmcs_set_bits(v, VMCS_GUEST_RFLAGS, X86_EFLAGS_IF);
	vmcs_set(v, VMCS_EOI_EXIT_BITMAP1, 1ULL << (VMXP_PI_VECTOR - 64));
}

static void posted_plain_eoi(struct vmcs *v)
{
	posted_interrupts(v);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE);
	vmcs_set_bits(v, VMCS_GUEST_RFLAGS, X86_EFLAGS_IF);
}

/* One entry on CPU 1 of a Xeon pair with posted interrupts, a poster on CPU 0. */
static struct sim_result posted_run(struct vcase *c, void (*edit)(struct vmcs *v), bool host_first)
{
	struct vmxp_run *g = new_run("skylake-sp", 1, edit);
	struct sim_result r;

	c->guest[1] = g;
	g->posted = true;
	g->pi_nv = PI_VECTOR;
	g->pi_host_first = host_first;
	c->post_for = g;
	r = vrun(c, "2 slots: skylake-sp x2", 2, "timed", 1);
	expect_clean(&r);
	return r;
}

static bool pir_empty(const uint64_t pir[4])
{
	return !(pir[0] | pir[1] | pir[2] | pir[3]);
}

/*
 * A posted interrupt to a CPU in VMX non-root operation: the notification
 * vector is processed by the CPU, the interrupt delivered into the guest
 * without an exit; the guest's EOI of it is what exits (EOI-exit bitmap).
 */
Test(vmx_entry, a_posted_interrupt_reaches_a_running_guest_without_an_exit, .timeout = 30)
{
	struct vcase c = { 0 };
	struct sim_result r = posted_run(&c, posted_eoi_exit, false);
	struct vmxp_run *g = c.guest[1];

	cr_assert_eq(g->exit[0].ret, VMX_SUCCEED, "error %u", g->exit[0].error);
	cr_expect_eq(g->exit[0].reason, EXIT_REASON_EOI_INDUCED, "reason %u", g->exit[0].reason);
	cr_expect_eq(g->exit[0].qual, VMXP_PI_VECTOR);
	cr_expect_eq(g->pi_host_notified, 0, "the host never saw the notification vector");
	cr_expect(pir_empty(g->pir_after) && !g->on_after, "PIR merged, ON cleared");
	cr_expect_eq(g->virr_after[VMXP_PI_VECTOR / 32], 0, "no longer requested");
	cr_assert_eq(c.nevents[1], 1, "the guest took %u events", c.nevents[1]);
	cr_expect_eq(c.events[1][0].vector, VMXP_PI_VECTOR);
	cr_expect_eq(c.events[1][0].type, 0, "an external interrupt");
	cr_expect(!c.events[1][0].injected, "delivered by APICv, not injected");
	sim_result_release(&r);
	free(g);
}

/* Without the EOI-exit bit the guest's EOI is virtualized too: it runs on to its HLT. */
Test(vmx_entry, a_posted_interrupt_is_taken_and_eoid_inside_the_guest, .timeout = 30)
{
	struct vcase c = { 0 };
	struct sim_result r = posted_run(&c, posted_plain_eoi, false);
	struct vmxp_run *g = c.guest[1];

	cr_expect_eq(g->exit[0].reason, EXIT_REASON_HLT, "reason %u", g->exit[0].reason);
	cr_expect_eq(g->pi_host_notified, 0);
	cr_expect(pir_empty(g->pir_after) && !g->on_after, "PIR merged, ON cleared");
	cr_expect_eq(g->virr_after[VMXP_PI_VECTOR / 32], 0, "delivered");
	cr_expect_eq(g->visr_after[VMXP_PI_VECTOR / 32], 0, "and retired by the virtual EOI");
	cr_expect_eq(g->intr_status_after, 0, "RVI and SVI back to 0");
	sim_result_release(&r);
	free(g);
}

/*
 * To a CPU in root operation the notification is an ordinary host
 * interrupt: PIR keeps the vector with ON set. The hypervisor merges PIR
 * into the virtual IRR and sets RVI, as KVM does before entry; hardware
 * never merges at entry. The interrupt is then delivered after entry.
 */
Test(vmx_entry, a_posted_interrupt_to_root_operation_waits_for_the_hypervisor, .timeout = 30)
{
	struct vcase c = { 0 };
	struct sim_result r = posted_run(&c, posted_eoi_exit, true);
	struct vmxp_run *g = c.guest[1];

	cr_expect_eq(g->pi_host_notified, 1, "the host took the notification vector");
	cr_expect_eq(g->pir_at_host[VMXP_PI_VECTOR / 64], 1ULL << (VMXP_PI_VECTOR % 64),
		     "PIR still holds the vector");
	cr_expect_eq(g->on_at_host, 1, "ON still set");
	cr_expect_eq(g->exit[0].reason, EXIT_REASON_EOI_INDUCED, "reason %u", g->exit[0].reason);
	cr_expect_eq(g->exit[0].qual, VMXP_PI_VECTOR);
	sim_result_release(&r);
	free(g);
}

/* ---- the guest's own APIC accesses under APIC virtualization ---- */

/* A TPR shadow for an x2APIC guest, threshold 3: class 2 or lower is below it. */
static void tpr_shadow_x2apic(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL,
		      CPU_BASED_TPR_SHADOW | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE);
	vmcs_set(v, VMCS_TPR_THRESHOLD, 3);
}

/* An xAPIC guest whose APIC page is virtualized, registers readable from the virtual page. */
static void apic_access_page(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL,
		      CPU_BASED_TPR_SHADOW | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL,
		      SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES | SECONDARY_EXEC_APIC_REGISTER_VIRT);
}

#define APIC_QUAL_READ(off)	(off)
#define APIC_QUAL_WRITE(off)	((1ULL << 12) | (off))

/*
 * The guest writes its TPR through WRMSR 808H: a class at or above the
 * threshold stays in the guest; one below it is the trap-like exit 43,
 * VTPR already holding the value.
 */
Test(vmx_entry, a_guest_tpr_write_below_the_threshold_exits, .timeout = 30)
{
	static const struct sim_guest_exit script[] = {
		{ .reason = EXIT_REASON_MSR_WRITE, .msr = 0x808, .value = 0x50 },
		{ .reason = EXIT_REASON_MSR_WRITE, .msr = 0x808, .value = 0x20 },
	};
	struct vcase c = { .guest = { new_run("skylake-sp", 1, tpr_shadow_x2apic) },
			   .script = script, .nscript = 2 };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->vapic_page = true;
	g->vtpr_init = 0x40;	/* entry requires VTPR[7:4] >= the threshold */
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->exit[0].ret, VMX_SUCCEED, "error %u", g->exit[0].error);
	cr_expect_eq(g->exit[0].reason, EXIT_REASON_TPR_BELOW_THRESHOLD, "reason %u",
		     g->exit[0].reason);
	cr_expect_eq(g->vtpr_after, 0x20, "VTPR %#x", g->vtpr_after);
	sim_result_release(&r);
	free(g);
}

/*
 * Through the APIC-access page: a TPR read is served from the virtual
 * page (no exit); an ICR write lands there and is the trap-like
 * APIC-write exit; the current count is never virtualized: an APIC-access
 * exit naming the offset and a read.
 */
Test(vmx_entry, guest_apic_page_accesses_are_virtualized_or_exit, .timeout = 30)
{
	static const struct sim_guest_exit script[] = {
		{ .reason = EXIT_REASON_APIC_ACCESS, .qualification = APIC_QUAL_READ(0x80) },
		{ .reason = EXIT_REASON_APIC_ACCESS, .qualification = APIC_QUAL_WRITE(0x300),
		  .value = 0x40fd },
		{ .reason = EXIT_REASON_APIC_ACCESS, .qualification = APIC_QUAL_READ(0x390),
		  .insn_len = 6 },
	};
	struct vcase c = { .guest = { new_run("skylake-sp", 2, apic_access_page) },
			   .script = script, .nscript = 3 };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->vapic_page = true;
	g->apic_access_page = true;
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->nexits, 2);
	cr_expect_eq(g->exit[0].reason, EXIT_REASON_APIC_WRITE, "reason %u", g->exit[0].reason);
	cr_expect_eq(g->exit[0].qual, 0x300);
	cr_expect_eq(g->vicr_after, 0x40fd, "the write landed in VICR_LO: %#x", g->vicr_after);
	cr_expect_eq(g->exit[1].reason, EXIT_REASON_APIC_ACCESS, "reason %u", g->exit[1].reason);
	cr_expect_eq(g->exit[1].qual, APIC_QUAL_READ(0x390));
	cr_expect_eq(g->exit[1].len, 6);
	sim_result_release(&r);
	free(g);
}

/* A virtualized WRMSR of the TPR with reserved bits set: #GP in the guest, no exit. */
Test(vmx_entry, a_guest_tpr_write_with_reserved_bits_takes_gp, .timeout = 30)
{
	static const struct sim_guest_exit script[] = {
		{ .reason = EXIT_REASON_MSR_WRITE, .msr = 0x808, .value = 0x100 },
	};
	struct vcase c = { .guest = { new_run("skylake-sp", 1, tpr_shadow_x2apic) },
			   .script = script, .nscript = 1 };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->vapic_page = true;
	g->vtpr_init = 0x40;
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_expect_eq(g->exit[0].reason, EXIT_REASON_HLT, "reason %u", g->exit[0].reason);
	cr_assert_eq(c.nevents[0], 1, "the guest took %u events", c.nevents[0]);
	cr_expect_eq(c.events[0][0].vector, 13);
	cr_expect_eq(c.events[0][0].type, 3, "a hardware exception");
	cr_expect(c.events[0][0].has_error_code);
	cr_expect_eq(g->vtpr_after, 0x40, "VTPR unchanged");
	sim_result_release(&r);
	free(g);
}

Test(vmx_entry, posted_interrupts_enter_on_the_xeon_and_fail_on_kaby_lake, .timeout = 30)
{
	struct vcase c = { .guest = { new_run("skylake-sp", 1, posted_interrupts),
				      new_run("skylake-sp", 1, posted_interrupts) } };
	struct cpu_model *kaby = vt_load("kabylake"), *sky = vt_load("skylake-sp");
	struct vmcs *v = vmx_legal_vmcs(sky);
	const struct vmx_check *failed = NULL;
	struct sim_result r = vrun(&c, "2 slots: skylake-sp, kabylake", 2, "timed", 1);

	expect_clean(&r);
	cr_assert_eq(c.guest[0]->exit[0].ret, VMX_SUCCEED, "Xeon: error %u",
		     c.guest[0]->exit[0].error);
	cr_assert_eq(c.guest[0]->exit[0].reason, EXIT_REASON_HLT);
	cr_assert_eq(c.guest[1]->exit[0].ret, VMX_FAIL_VALID);
	cr_assert_eq(c.guest[1]->exit[0].error, VMXERR_ENTRY_INVALID_CONTROLS);
	/* Kaby Lake has no posted-interrupt notification vector or descriptor address. */
	cr_assert_eq(c.guest[0]->vmwrite_failed, 0);
	cr_assert_eq(c.guest[1]->vmwrite_failed, 2);
	/* The row that fails there: Kaby Lake has no posted-interrupt pin control. */
	vt_kvm_like(v);
	posted_interrupts(v);
	cr_assert_eq(vmx_check_controls(kaby, v, &failed), VMXERR_ENTRY_INVALID_CONTROLS);
	cr_assert_str_eq(failed->id, "pin-ctls");
	cr_assert_eq(vmx_check_controls(sky, v, &failed), 0);
	sim_result_release(&r);
	free(v);
	free(sky);
	free(kaby);
	free(c.guest[0]);
	free(c.guest[1]);
}

/* ---- fields that exist only with their feature ---- */

static void fields_setup(struct machine *m, void *arg)
{
	sim_spawn(m, 0, "vmx", vmxp_fields_task, arg);
}

/* VMWRITE and VMREAD of each of @fields on a CPU of @machine. */
static void probe_fields(const char *machine, const uint32_t *fields, unsigned int n,
			 struct vmxp_fields *x)
{
	struct sim_program p = {
		.name = "vmx-fields", .ncpus = 1, .setup = fields_setup, .arg = x,
		.machine = machine,
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[256] = "";

	cr_assert_leq(n, VMXP_MAX_PROBES);
	*x = (struct vmxp_fields){ .n = n };
	memcpy(x->field, fields, n * sizeof(fields[0]));
	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	expect_clean(&r);
	sim_result_release(&r);
}

/* Both instructions succeed on field @i, or both fail with error 12. */
static void expect_field(const struct vmxp_fields *x, unsigned int i, bool exists,
			 const char *machine)
{
	int ret = exists ? VMX_SUCCEED : VMX_FAIL_VALID;
	long error = exists ? 0 : VMXERR_UNSUPPORTED_COMPONENT;

	cr_expect_eq(x->write_ret[i], ret, "%s: VMWRITE %#x: %d", machine, x->field[i],
		     x->write_ret[i]);
	cr_expect_eq(x->write_error[i], error, "%s: VMWRITE %#x: error %ld", machine, x->field[i],
		     x->write_error[i]);
	cr_expect_eq(x->read_ret[i], ret, "%s: VMREAD %#x: %d", machine, x->field[i],
		     x->read_ret[i]);
	cr_expect_eq(x->read_error[i], error, "%s: VMREAD %#x: error %ld", machine, x->field[i],
		     x->read_error[i]);
}

/*
 * The posted-interrupt notification vector and descriptor address exist
 * only with "process posted interrupts" allowed, the EOI-exit bitmaps and
 * the guest interrupt status only with "virtual-interrupt delivery"
 * ("Field Encoding in VMCS"): Kaby Lake has neither, so VMWRITE and VMREAD
 * of them fail with error 12 there; the Xeons have both. A field every
 * processor has (guest RIP) is the control.
 */
Test(vmx_entry, apicv_fields_exist_only_where_the_model_has_apicv, .timeout = 30)
{
	static const uint32_t fields[] = {
		VMCS_GUEST_RIP,
		VMCS_POSTED_INTR_NV, VMCS_POSTED_INTR_DESC_ADDR, VMCS_POSTED_INTR_DESC_ADDR_HIGH,
		VMCS_EOI_EXIT_BITMAP0, VMCS_EOI_EXIT_BITMAP1, VMCS_EOI_EXIT_BITMAP2,
		VMCS_EOI_EXIT_BITMAP3, VMCS_EOI_EXIT_BITMAP3_HIGH, VMCS_GUEST_INTR_STATUS,
	};
	static const struct {
		const char *machine;
		bool posted, vid;
	} cases[] = {
		{ "1 slots: kabylake", false, false },
		{ "1 slots: skylake-sp", true, true },
		{ "1 slots: icelake-sp", true, true },
		/* The capability MSRs decide: without posted interrupts, VID stays. */
		{ "1 slots: skylake-sp -vmx.posted-interrupts", false, true },
	};
	unsigned int n = sizeof(fields) / sizeof(fields[0]);

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct vmxp_fields x;

		probe_fields(cases[k].machine, fields, n, &x);
		expect_field(&x, 0, true, cases[k].machine);
		for (unsigned int i = 1; i < 4; i++)
			expect_field(&x, i, cases[k].posted, cases[k].machine);
		for (unsigned int i = 4; i < n; i++)
			expect_field(&x, i, cases[k].vid, cases[k].machine);
	}
}

/* ---- VMXON's #GP ---- */

static int vmxon_on(const char *machine, struct vmxp_vmxon *x, struct sim_result *out)
{
	struct vcase c = { .vmxon = x };

	*out = vrun(&c, machine, 1, "timed", 1);
	return x->ret;
}

Test(vmx_entry, vmxon_gp_unless_feature_control_is_locked_with_vmx_on, .timeout = 30)
{
	static const struct {
		const char *machine;
		int want;
	} cases[] = {
		{ "1 slots: kabylake feature-control=0", -EFAULT },	/* unlocked */
		{ "1 slots: kabylake feature-control=1", -EFAULT },	/* locked, VMX off */
		{ "1 slots: kabylake feature-control=3", -EFAULT },	/* VMX only inside SMX */
		{ "1 slots: kabylake feature-control=5", VMX_SUCCEED },
		{ "1 slots: kabylake", VMX_SUCCEED },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vmxp_vmxon x = { 0 };
		struct sim_result r;

		cr_expect_eq(vmxon_on(cases[i].machine, &x, &r), cases[i].want, "%s: %d",
			     cases[i].machine, x.ret);
		expect_clean(&r);
		sim_result_release(&r);
	}
}

Test(vmx_entry, vmxon_gp_with_cr0_outside_its_fixed_bits, .timeout = 30)
{
	struct vmxp_vmxon x = { .clear_cr0_ne = true };
	struct sim_result r;

	cr_expect_eq(vmxon_on("1 slots: skylake-sp", &x, &r), -EFAULT);
	expect_clean(&r);
	sim_result_release(&r);
}

Test(vmx_entry, plain_vmxon_gp_is_an_oops, .timeout = 30)
{
	struct vmxp_vmxon x = { .plain = true };
	struct sim_result r;

	vmxon_on("1 slots: kabylake feature-control=0", &x, &r);
	cr_assert_eq(r.outcome, SIM_FAILED);
	cr_assert(strstr(r.message, "general protection fault"), "%s", r.message);
	cr_assert(r.reports && strstr(r.reports, "VMXON on kabylake"), "%s",
		  r.reports ? r.reports : "(no report)");
	cr_assert_eq(x.after_fault, 0);
	sim_result_release(&r);
}

/* In VMX operation CR4.VMXE is a FIXED0 bit: clearing it #GPs until VMXOFF. */
static void crs_setup(struct machine *m, void *arg)
{
	sim_spawn(m, 0, "vmx", vmxp_crs_task, arg);
}

Test(vmx_entry, cr4_vmxe_stays_set_until_vmxoff, .timeout = 30)
{
	struct vmxp_crs x = { .plain = false };
	struct sim_program p = {
		.name = "vmx-crs", .ncpus = 1, .setup = crs_setup, .arg = &x,
		.machine = "1 slots: kabylake",
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	expect_clean(&r);
	cr_expect_eq(x.clear_in_root, -EIO);
	cr_expect_eq(x.clear_after, 0);
	sim_result_release(&r);
	x = (struct vmxp_crs){ .plain = true };
	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.outcome, SIM_FAILED);
	cr_assert(strstr(r.message, "general protection fault"), "%s", r.message);
	cr_assert_eq(x.after_fault, 0);
	sim_result_release(&r);
}

/* ---- the VMCS instructions' failures ---- */

/*
 * A shadow VMCS (bit 31 of its region's revision dword) can be current
 * and read, but not entered with: VMLAUNCH fails with VMfailInvalid, as
 * without a current VMCS ("Basic VM-Entry Checks").
 */
Test(vmx_entry, vmlaunch_of_a_shadow_vmcs_is_vmfail_invalid, .timeout = 30)
{
	struct vcase c = { .guest = { new_run("skylake-sp", 1, NULL) } };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->shadow_vmcs = true;
	g->relaunch = true;
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->vmxon, VMX_SUCCEED);
	cr_assert_eq(g->exit[0].ret, VMX_FAIL_INVALID, "VMLAUNCH: %d (error %u)", g->exit[0].ret,
		     g->exit[0].error);
	cr_assert_eq(g->relaunched.ret, VMX_FAIL_INVALID, "again: %d", g->relaunched.ret);
	cr_assert_eq(g->guest_pat, VMX_LEGAL_PAT, "VMREAD of the shadow VMCS works");
	sim_result_release(&r);
	free(g);
}

Test(vmx_entry, vmptrld_of_a_shadow_vmcs_needs_vmcs_shadowing, .timeout = 30)
{
	/* Sapphire Rapids' dump cannot set "VMCS shadowing": its shadow regions are refused. */
	struct vcase c = { .guest = { new_run("sapphire-rapids", 1, NULL) } };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->shadow_vmcs = true;
	r = vrun(&c, "1 slots: sapphire-rapids", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->vmxon, VMX_SUCCEED);
	cr_assert_eq(g->vmptrld, VMX_FAIL_INVALID,
		     "error 11 with no current VMCS to hold it: VMfailInvalid, got %d", g->vmptrld);
	sim_result_release(&r);
	free(g);
}

static void errors_setup(struct machine *m, void *arg)
{
	sim_spawn(m, 0, "vmx", vmxp_errors_task, arg);
}

Test(vmx_entry, vmcs_instructions_fail_as_the_sdm_says, .timeout = 30)
{
	static const struct {
		long ret, error;
		const char *what;
	} want[] = {
		{ VMX_FAIL_INVALID, 0, "VMXON beyond MAXPHYADDR" },
		{ VMX_SUCCEED, 0, "VMXON" },
		{ VMX_FAIL_INVALID, 0, "VMREAD without a current VMCS" },
		{ VMX_FAIL_INVALID, 0, "VMWRITE without a current VMCS" },
		{ VMX_FAIL_INVALID, 0, "VMLAUNCH without a current VMCS" },
		{ VMX_SUCCEED, 0, "VMCLEAR" },
		{ VMX_SUCCEED, 0, "VMPTRLD" },
		{ VMX_FAIL_VALID, VMXERR_VMCLEAR_INVALID_ADDR, "VMCLEAR misaligned" },
		{ VMX_FAIL_VALID, VMXERR_VMCLEAR_VMXON_PTR, "VMCLEAR of the VMXON region" },
		{ VMX_FAIL_VALID, VMXERR_VMPTRLD_INVALID_ADDR, "VMPTRLD beyond MAXPHYADDR" },
		{ VMX_FAIL_VALID, VMXERR_VMPTRLD_BAD_REVISION, "VMPTRLD of a wrong revision" },
		{ VMX_FAIL_VALID, VMXERR_UNSUPPORTED_COMPONENT, "VMREAD of no such field" },
		{ VMX_FAIL_VALID, VMXERR_UNSUPPORTED_COMPONENT, "VMWRITE of no such field" },
		{ VMX_SUCCEED, 0, "VMWRITE guest blocking by MOV SS" },
		/* The guest's blocking is no error 26: the zeroed controls fail first. */
		{ VMX_FAIL_VALID, VMXERR_ENTRY_INVALID_CONTROLS, "VMLAUNCH, guest in a MOV SS shadow" },
	};
	struct vmxp_errors x = { .n = 0 };
	struct sim_program p = {
		.name = "vmx-errors", .ncpus = 1, .setup = errors_setup, .arg = &x,
		.machine = "1 slots: skylake-sp",
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	expect_clean(&r);
	cr_assert_eq(x.n, sizeof(want) / sizeof(want[0]));
	for (unsigned int i = 0; i < x.n; i++) {
		cr_expect_eq(x.ret[i], want[i].ret, "%s: %ld", want[i].what, x.ret[i]);
		cr_expect_eq(x.error[i], want[i].error, "%s: error %ld", want[i].what, x.error[i]);
	}
	sim_result_release(&r);
}

/* ---- INVEPT and INVVPID ---- */

static void inv_setup(struct machine *m, void *arg)
{
	sim_spawn(m, 0, "vmx", vmxp_inv_task, arg);
}

static struct sim_result inv_run(struct vmxp_inv *x, const char *machine)
{
	struct sim_program p = {
		.name = "vmx-inv", .ncpus = 1, .setup = inv_setup, .arg = x, .machine = machine,
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	return r;
}

/* Write-back, 4-level: a legal EPTP; memory type 2 is not one. */
#define EPTP_LEGAL	(VMX_EPTP_MT_WB | VMX_EPTP_PWL_4 | 0x13000ULL)
#define EPTP_BAD_MT	(2ULL | VMX_EPTP_PWL_4 | 0x13000ULL)

Test(vmx_entry, invept_and_invvpid_check_their_operands, .timeout = 30)
{
	static const struct {
		struct vmxp_inv_op op;
		int ret;
		long error;
	} cases[] = {
		/* Without a current VMCS a failure is VMfailInvalid. */
		{ { false, 3, 0, 0, 0, 0 }, VMX_FAIL_INVALID, 0 },
		{ { false, VMX_EPT_EXTENT_GLOBAL, 0, 0, 0, 0 }, VMX_SUCCEED, 0 },
		{ { false, VMX_EPT_EXTENT_CONTEXT, EPTP_LEGAL, 0, 0, 0 }, VMX_SUCCEED, 0 },
		{ { false, VMX_EPT_EXTENT_CONTEXT, EPTP_BAD_MT, 0, 0, 0 }, VMX_FAIL_VALID, 28 },
		{ { false, 3, 0, 0, 0, 0 }, VMX_FAIL_VALID, 28 },
		{ { true, VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0, 0, 0 }, VMX_SUCCEED, 0 },
		{ { true, VMX_VPID_EXTENT_SINGLE_CONTEXT, 0, 0, 0, 0 }, VMX_FAIL_VALID, 28 },
		{ { true, VMX_VPID_EXTENT_SINGLE_CONTEXT, 0, 1, 0, 0 }, VMX_SUCCEED, 0 },
		{ { true, VMX_VPID_EXTENT_INDIVIDUAL_ADDR, 0x4000000000000000ULL, 1, 0, 0 },
		  VMX_FAIL_VALID, 28 },
		{ { true, VMX_VPID_EXTENT_INDIVIDUAL_ADDR, 0xffff888000000000ULL, 1, 0, 0 },
		  VMX_SUCCEED, 0 },
		{ { true, 4, 0, 1, 0, 0 }, VMX_FAIL_VALID, 28 },
	};
	struct vmxp_inv x = { .n = sizeof(cases) / sizeof(cases[0]) };
	struct sim_result r;

	for (unsigned int i = 0; i < x.n; i++)
		x.op[i] = cases[i].op;
	r = inv_run(&x, "1 slots: skylake-sp");
	expect_clean(&r);
	for (unsigned int i = 0; i < x.n; i++) {
		cr_expect_eq(x.op[i].ret, cases[i].ret, "op %u: %d", i, x.op[i].ret);
		cr_expect_eq(x.op[i].error, cases[i].error, "op %u: error %ld", i, x.op[i].error);
	}
	sim_result_release(&r);
	cr_assert(vmx_eptp_valid(&(struct cpu_model){ 0 }, 0) == false, "no EPT capability");
}

Test(vmx_entry, invept_is_ud_without_ept_or_outside_vmx, .timeout = 30)
{
	struct vmxp_inv x = { .n = 1, .op = { { false, VMX_EPT_EXTENT_GLOBAL, 0, 0, 0, 0 } } };
	struct sim_result r = inv_run(&x, "1 slots: skylake-sp -vmx.enable-ept");

	cr_assert_eq(r.outcome, SIM_FAILED);
	cr_assert(strstr(r.message, "invalid opcode"), "%s", r.message);
	cr_assert(r.reports && strstr(r.reports, "INVEPT on skylake-sp -vmx.enable-ept"), "%s",
		  r.reports ? r.reports : "");
	sim_result_release(&r);
	x = (struct vmxp_inv){ .n = 1, .outside_vmx = true,
			       .op = { { true, VMX_VPID_EXTENT_ALL_CONTEXT, 0, 0, 0, 0 } } };
	r = inv_run(&x, "1 slots: skylake-sp");
	cr_assert_eq(r.outcome, SIM_FAILED);
	cr_assert(r.reports && strstr(r.reports, "INVVPID"), "%s", r.reports ? r.reports : "");
	sim_result_release(&r);
}

/* ---- exits and their information ---- */

Test(vmx_entry, scripted_exits_carry_the_sdm_information, .timeout = 30)
{
	static const struct sim_guest_exit script[] = {
		{ .reason = EXIT_REASON_CPUID },
		/* IN AL, DX from port 3F8H: size 1, direction in (bit 3), DX operand. */
		{ .reason = EXIT_REASON_IO_INSTRUCTION, .qualification = (0x3f8ULL << 16) | 8 },
		{ .reason = EXIT_REASON_MSR_READ },
		{ .reason = EXIT_REASON_MSR_WRITE },
		{ .reason = EXIT_REASON_VMCALL },
		{ .reason = EXIT_REASON_EPT_VIOLATION, .qualification = 0x181,
		  .gpa = 0xfed00040ULL, .gla = 0xffffffffff5fe040ULL, .insn_len = 7 },
		{ .reason = EXIT_REASON_APIC_ACCESS, .qualification = 0x1300, .insn_len = 6 },
		{ .reason = EXIT_REASON_APIC_WRITE, .qualification = 0x380 },
		{ .reason = EXIT_REASON_EOI_INDUCED, .qualification = 0x31 },
		{ .reason = EXIT_REASON_TRIPLE_FAULT },
	};
	static const struct { uint32_t reason, len; uint64_t qual, gpa, gla; } want[] = {
		{ EXIT_REASON_CPUID, 2, 0, 0, 0 },
		{ EXIT_REASON_IO_INSTRUCTION, 1, (0x3f8ULL << 16) | 8, 0, 0 },
		{ EXIT_REASON_MSR_READ, 2, 0, 0, 0 },
		{ EXIT_REASON_MSR_WRITE, 2, 0, 0, 0 },
		{ EXIT_REASON_VMCALL, 3, 0, 0, 0 },
		{ EXIT_REASON_EPT_VIOLATION, 7, 0x181, 0xfed00040ULL, 0xffffffffff5fe040ULL },
		{ EXIT_REASON_APIC_ACCESS, 6, 0x1300, 0, 0 },
		{ EXIT_REASON_APIC_WRITE, 0, 0x380, 0, 0 },
		{ EXIT_REASON_EOI_INDUCED, 0, 0x31, 0, 0 },
		{ EXIT_REASON_TRIPLE_FAULT, 0, 0, 0, 0 },
		{ EXIT_REASON_HLT, 1, 0, 0, 0 },	/* the script ran out */
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	struct vcase c = { .guest = { new_run("skylake-sp", (unsigned int)n, NULL) },
			   .script = script, .nscript = sizeof(script) / sizeof(script[0]) };
	struct sim_result r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);

	expect_clean(&r);
	cr_assert_eq(c.guest[0]->nexits, n);
	for (size_t i = 0; i < n; i++) {
		const struct vmxp_exit *e = &c.guest[0]->exit[i];

		cr_expect_eq(e->ret, VMX_SUCCEED, "exit %zu", i);
		cr_expect_eq(e->reason, want[i].reason, "exit %zu: reason %u", i, e->reason);
		cr_expect_eq(e->len, want[i].len, "exit %zu (%u): length %u", i, e->reason, e->len);
		cr_expect_eq(e->qual, want[i].qual, "exit %zu (%u): qualification %#lx", i,
			     e->reason, (unsigned long)e->qual);
		cr_expect_eq(e->gpa, want[i].gpa, "exit %zu: GPA", i);
		cr_expect_eq(e->gla, want[i].gla, "exit %zu: GLA", i);
		cr_expect_eq(e->intr_info, 0, "exit %zu: no interruption information", i);
	}
	sim_result_release(&r);
	free(c.guest[0]);
}

Test(vmx_entry, default_exit_information_per_reason, .timeout = 10)
{
	struct sim_guest_exit io = vmx_default_exit(EXIT_REASON_IO_INSTRUCTION);
	struct sim_guest_exit ept = vmx_default_exit(EXIT_REASON_EPT_VIOLATION);
	struct sim_guest_exit apic = vmx_default_exit(EXIT_REASON_APIC_ACCESS);

	cr_assert_eq(io.qualification, (0x80ULL << 16) | (1ULL << 6), "OUT imm8, AL to port 80H");
	cr_assert(ept.gpa && ept.gla && (ept.qualification & (1ULL << 7)));
	cr_assert_eq(apic.qualification & 0xfff, 0xb0, "EOI register");
	cr_assert_eq(apic.qualification >> 12, 1, "linear write");
}

Test(vmx_entry, script_refuses_what_the_machine_decides, .timeout = 10)
{
	static const uint32_t machine_made[] = {
		EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_INTERRUPT_WINDOW,
		EXIT_REASON_INVALID_STATE, EXIT_REASON_MSR_LOAD_FAIL,
		EXIT_REASON_PREEMPTION_TIMER, 200,
	};

	for (size_t i = 0; i < sizeof(machine_made) / sizeof(machine_made[0]); i++)
		cr_expect_not(vmx_scriptable_exit(machine_made[i]), "%u", machine_made[i]);
	cr_expect(vmx_scriptable_exit(EXIT_REASON_HLT));
	cr_expect(vmx_scriptable_exit(EXIT_REASON_EPT_VIOLATION));
}

/* ---- interrupts ---- */

struct sched_case {
	char strategy[16];
	uint64_t seed;
};

ParameterizedTestParameters(vmx_entry, ipi_to_a_cpu_in_its_guest)
{
	static struct sched_case cases[] = {
		{ "timed", 1 }, { "random", 1 }, { "random", 2 }, { "random", 3 },
		{ "pct:2", 1 }, { "pct:3", 2 },
	};

	return cr_make_param_array(struct sched_case, cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * An IPI to a CPU running its guest ends the guest's run with an
 * external-interrupt exit, whose interruption information carries the
 * vector when "acknowledge interrupt on exit" is 1; under every schedule
 * the IPI's handler then runs on that CPU in the host.
 */
ParameterizedTest(struct sched_case *sc, vmx_entry, ipi_to_a_cpu_in_its_guest, .timeout = 30)
{
	struct vmxp_run *g = new_run("skylake-sp", 32, NULL);
	struct vcase c = { .guest = { NULL, g }, .ipi_for = g };
	struct sim_result r;
	bool ext = false;

	g->stop_on = VMXP_STOP(EXIT_REASON_EXTERNAL_INTERRUPT);
	r = vrun(&c, "2 slots: skylake-sp x2", 2, sc->strategy, sc->seed);
	expect_clean(&r);
	cr_assert_eq(g->ipi_ran_on, 1, "%s/%lu: handler on CPU %d", sc->strategy,
		     (unsigned long)sc->seed, g->ipi_ran_on);
	for (unsigned int i = 0; i < g->nexits; i++) {
		if (g->exit[i].reason != EXIT_REASON_EXTERNAL_INTERRUPT)
			continue;
		ext = true;
		cr_assert_eq(g->exit[i].intr_info, 0x80000000U | CALL_FUNCTION_SINGLE_VECTOR,
			     "valid, external interrupt, vector FBH: %#x", g->exit[i].intr_info);
		cr_assert_eq(g->exit[i].len, 0);
	}
	/* Under the timed schedule the IPI lands while CPU 1 is in its guest. */
	if (!strcmp(sc->strategy, "timed"))
		cr_assert(ext, "no external-interrupt exit in %u exits", g->nexits);
	sim_result_release(&r);
	free(g);
}

/*
 * Every schedule with at most two preemptions (guest run lengths included):
 * the IPI is always handled on CPU 1, never lost to a guest.
 */
Test(vmx_entry, ipi_into_a_guest_is_never_lost_under_dfs, .timeout = 120)
{
	struct vmxp_run *g = new_run("skylake-sp", 4, NULL);
	struct vcase c = { .guest = { NULL, g }, .ipi_for = g };
	struct sim_program p = {
		.name = "vmx", .ncpus = 2, .setup = vsetup, .check = vcheck, .arg = &c,
		.detect = SIM_DETECT_LOCKDEP, .machine = "2 slots: skylake-sp x2",
	};
	struct sim_explore_opts o = { .strategy = "dfs:2", .budget = 200000 };
	struct sim_result r;
	char err[256] = "";

	g->stop_on = VMXP_STOP(EXIT_REASON_EXTERNAL_INTERRUPT);
	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(r.failures, 0, "%s\n%s", r.message, r.reports ? r.reports : "");
	cr_assert(sim_outcome_is_failure(r.outcome) == false, "%s", r.message);
	cr_assert(r.exhausted, "dfs:2 did not exhaust in %lu schedules",
		  (unsigned long)r.schedules);
	cr_log_info("dfs:2 exhausted in %lu schedules", (unsigned long)r.schedules);
	sim_result_release(&r);
	free(g);
}

static void no_ack(struct vmcs *v)
{
	vmcs_clear_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
}

Test(vmx_entry, without_ack_on_exit_the_interrupt_stays_pending, .timeout = 30)
{
	struct vmxp_run *g = new_run("skylake-sp", 32, no_ack);
	struct vcase c = { .guest = { NULL, g }, .ipi_for = g };
	struct sim_result r;
	unsigned int last;

	g->stop_on = VMXP_STOP(EXIT_REASON_EXTERNAL_INTERRUPT);
	r = vrun(&c, "2 slots: skylake-sp x2", 2, "timed", 1);
	expect_clean(&r);
	last = g->nexits - 1;
	cr_assert_eq(g->exit[last].reason, EXIT_REASON_EXTERNAL_INTERRUPT);
	cr_assert_eq(g->exit[last].intr_info, 0, "no vector without acknowledgement");
	cr_assert_eq(g->ipi_ran_on, 1, "the host took the still-pending interrupt");
	sim_result_release(&r);
	free(g);
}

static void no_hlt_exiting(struct vmcs *v)
{
	vmcs_clear_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING);
}

/* A guest halted without HLT exiting wakes only for an interrupt: an external-interrupt exit. */
Test(vmx_entry, halted_guest_leaves_for_an_interrupt, .timeout = 30)
{
	struct vmxp_run *g = new_run("skylake-sp", 1, no_hlt_exiting);
	struct vcase c = { .guest = { NULL, g }, .ipi_for = g };
	struct sim_result r = vrun(&c, "2 slots: skylake-sp x2", 2, "timed", 1);

	expect_clean(&r);
	cr_assert_eq(g->nexits, 1);
	cr_assert_eq(g->exit[0].reason, EXIT_REASON_EXTERNAL_INTERRUPT);
	cr_assert_eq(g->ipi_ran_on, 1);
	sim_result_release(&r);
	free(g);
}

static void nothing_brings_it_back(struct vmcs *v)
{
	no_hlt_exiting(v);
	vmcs_clear_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_MASK);
	vmcs_clear_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
}

Test(vmx_entry, halted_guest_with_no_way_out_is_a_failure, .timeout = 30)
{
	struct vcase c = { .guest = { new_run("skylake-sp", 1, nothing_brings_it_back) } };
	struct sim_result r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);

	cr_assert_eq(r.outcome, SIM_FAILED);
	cr_assert(strstr(r.message, "lost to its guest"), "%s", r.message);
	sim_result_release(&r);
	free(c.guest[0]);
}

static void window_if1(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INTR_WINDOW_EXITING);
	vmcs_set(v, VMCS_GUEST_RFLAGS, 0x202);
}

static void window_if0(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_INTR_WINDOW_EXITING);
}

static void window_sti(struct vmcs *v)
{
	window_if1(v);
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, 1);	/* blocking by STI */
}

Test(vmx_entry, interrupt_window_exits_once_the_guest_can_take_interrupts, .timeout = 30)
{
	static const struct {
		void (*edit)(struct vmcs *v);
		uint32_t want;
	} cases[] = {
		{ window_if1, EXIT_REASON_INTERRUPT_WINDOW },
		{ window_if0, EXIT_REASON_HLT },
		/* Blocking by STI holds it off for one instruction, not for the run. */
		{ window_sti, EXIT_REASON_INTERRUPT_WINDOW },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run("skylake-sp", 1, cases[i].edit) } };
		struct sim_result r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);

		expect_clean(&r);
		cr_expect_eq(c.guest[0]->exit[0].reason, cases[i].want, "case %zu: %u", i,
			     c.guest[0]->exit[0].reason);
		sim_result_release(&r);
		free(c.guest[0]);
	}
}

/*
 * The trace shows each VM entry and exit with its reason, in order, on the
 * guest's CPU: here the IPI's exit among the HLT exits.
 */
Test(vmx_entry, trace_records_entries_and_exits, .timeout = 30)
{
	struct vmxp_run *g = new_run("skylake-sp", 32, NULL);
	struct vcase c = { .guest = { NULL, g }, .ipi_for = g };
	struct trace_reader *tr = NULL;
	struct trace_event e;
	unsigned int entries = 0, exits = 0;
	bool in_guest = false;
	struct sim_result r;
	char err[256];

	g->stop_on = VMXP_STOP(EXIT_REASON_EXTERNAL_INTERRUPT);
	trace_runs = true;
	r = vrun(&c, "2 slots: skylake-sp x2", 2, "timed", 1);
	trace_runs = false;
	expect_clean(&r);
	cr_assert(r.trace, "no trace recorded");
	cr_assert_eq(trace_reader_open_mem(&tr, r.trace, r.trace_len, "vmx", err, sizeof(err)), 0,
		     "%s", err);
	while (trace_next(tr, &e, err, sizeof(err)) == 1) {
		if (e.type != TR_VMX)
			continue;
		cr_assert_eq(e.cpu, 1);
		cr_assert_neq(e.kind, in_guest, "entries and exits alternate");
		in_guest = e.kind;
		if (e.kind) {
			entries++;
			continue;
		}
		cr_assert_eq(e.value, g->exit[exits].reason, "exit %u", exits);
		exits++;
	}
	cr_assert_eq(entries, g->nexits);
	cr_assert_eq(exits, g->nexits);
	cr_assert_eq(g->exit[exits - 1].reason, EXIT_REASON_EXTERNAL_INTERRUPT);
	cr_assert_str_eq(vmx_exit_reason_name(EXIT_REASON_EXTERNAL_INTERRUPT), "external interrupt");
	cr_assert_str_eq(vmx_exit_reason_name(0x80000021), "VM-entry failure: invalid guest state");
	trace_reader_close(tr);
	sim_result_release(&r);
	free(g);
}

/*
 * Determinism: the token of a run with a guest, an IPI into it and the
 * strategy's guest-run choices replays the same trace, byte for byte.
 */
Test(vmx_entry, guest_runs_replay_from_their_token, .timeout = 60)
{
	static const char *const strategies[] = { "random", "pct:3", "timed" };

	for (size_t i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++) {
		struct vmxp_run *g = new_run("skylake-sp", 8, NULL);
		struct vcase c = { .guest = { NULL, g }, .ipi_for = g };
		struct sim_program p = {
			.name = "vmx", .ncpus = 2, .setup = vsetup, .check = vcheck, .arg = &c,
			.detect = SIM_DETECT_LOCKDEP, .machine = "2 slots: skylake-sp, kabylake",
		};
		struct sim_result a, b;
		char err[256] = "";
		unsigned int nexits;

		g->stop_on = VMXP_STOP(EXIT_REASON_EXTERNAL_INTERRUPT);
		trace_runs = true;
		a = vrun(&c, p.machine, 2, strategies[i], 7);
		trace_runs = false;
		expect_clean(&a);
		cr_assert(a.trace && a.token);
		nexits = g->nexits;
		cr_assert_eq(sim_replay(&p, a.token, true, 0, &b, err, sizeof(err)), 0, "%s", err);
		expect_clean(&b);
		cr_assert_eq(g->nexits, nexits, "%s", strategies[i]);
		cr_assert_eq(b.trace_len, a.trace_len, "%s: %zu vs %zu bytes", strategies[i],
			     b.trace_len, a.trace_len);
		cr_assert(!memcmp(a.trace, b.trace, a.trace_len), "%s: traces differ", strategies[i]);
		sim_result_release(&a);
		sim_result_release(&b);
		free(g);
	}
}

/* ---- the VMX-preemption timer ---- */

static uint64_t timer_value;

static void timer_on(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_VMX_PREEMPTION_TIMER);
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_SAVE_VMX_PREEMPTION_TIMER);
	vmcs_set(v, VMCS_VMX_PREEMPTION_TIMER_VALUE, timer_value);
}

/*
 * skylake-sp's IA32_VMX_MISC[4:0] is 7: the timer counts down once every
 * 128 TSC cycles. The stand-in's default run is 2000 cycles.
 */
Test(vmx_entry, preemption_timer_fires_and_is_saved, .timeout = 30)
{
	/* Saved: what is left after the run's 2000 cycles (plus one step) at 1/128. */
	static const struct {
		uint64_t value;
		uint32_t reason;
		uint64_t saved_min, saved_max;
	} cases[] = {
		{ 0, EXIT_REASON_PREEMPTION_TIMER, 0, 0 },
		{ 10, EXIT_REASON_PREEMPTION_TIMER, 0, 0 },	/* 1280 cycles */
		{ 1000, EXIT_REASON_HLT, 1000 - 17, 1000 - 15 },	/* 128000 cycles */
	};

	struct cpu_model *sky = vt_load("skylake-sp");

	cr_assert_eq(vt_msr(sky, MSR_IA32_VMX_MISC) & 0x1f, 7);
	free(sky);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c;
		struct sim_result r;

		timer_value = cases[i].value;
		c = (struct vcase){ .guest = { new_run("skylake-sp", 1, timer_on) } };
		r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
		expect_clean(&r);
		cr_expect_eq(c.guest[0]->exit[0].reason, cases[i].reason, "timer %lu: reason %u",
			     (unsigned long)cases[i].value, c.guest[0]->exit[0].reason);
		cr_expect(c.guest[0]->exit[0].timer >= cases[i].saved_min &&
			  c.guest[0]->exit[0].timer <= cases[i].saved_max, "timer %lu: saved %lu",
			  (unsigned long)cases[i].value, (unsigned long)c.guest[0]->exit[0].timer);
		sim_result_release(&r);
		free(c.guest[0]);
	}
}

/* ---- costs ---- */

Test(vmx_entry, entry_and_exit_charge_the_models_costs, .timeout = 30)
{
	struct cpu_model *m = vt_load("skylake-sp");
	uint64_t round = m->cost[COST_VMENTRY] + m->cost[COST_VMEXIT] + 2000;
	struct vcase one = { .guest = { new_run("skylake-sp", 1, NULL) } };
	struct vcase two = { .guest = { new_run("skylake-sp", 2, NULL) } };
	struct sim_result r1 = vrun(&one, "1 slots: skylake-sp", 1, "timed", 1);
	struct sim_result r2 = vrun(&two, "1 slots: skylake-sp", 1, "timed", 1);
	uint64_t extra = two.cycles[0] - one.cycles[0];

	expect_clean(&r1);
	expect_clean(&r2);
	/*
	 * One more entry: entry + exit + the guest's 2000 cycles, plus the
	 * host's side of it (VMRESUME and thirteen VMREADs at the model's
	 * VMX-instruction cost, interrupts off and on).
	 */
	cr_assert_geq(extra, round, "%lu < %lu", (unsigned long)extra, (unsigned long)round);
	cr_assert_lt(extra, round + 2500, "%lu", (unsigned long)extra);
	sim_result_release(&r1);
	sim_result_release(&r2);
	free(one.guest[0]);
	free(two.guest[0]);
	free(m);
}

/* ---- failed entries: guest state (33), MSR loading (34) ---- */

static void bad_rflags(struct vmcs *v)
{
	vmcs_set(v, VMCS_GUEST_RFLAGS, 0);	/* bit 1 must be 1 */
}

static void bad_link(struct vmcs *v)
{
	vmcs_set(v, VMCS_VMCS_LINK_POINTER, 0x1001);
}

Test(vmx_entry, invalid_guest_state_is_exit_33_and_leaves_the_vmcs_clear, .timeout = 30)
{
	static const struct {
		void (*edit)(struct vmcs *v);
		uint64_t qual;
	} cases[] = { { bad_rflags, 0 }, { bad_link, 4 } };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run("kabylake", 1, cases[i].edit) } };
		struct sim_result r;
		struct vmxp_run *g = c.guest[0];

		g->relaunch = true;
		r = vrun(&c, "1 slots: kabylake", 1, "timed", 1);
		expect_clean(&r);
		cr_expect_eq(g->exit[0].ret, VMX_SUCCEED);
		cr_expect_eq(g->exit[0].reason, 0x80000021U, "%#x", g->exit[0].reason);
		cr_expect_eq(g->exit[0].qual, cases[i].qual);
		/* Not launched: VMLAUNCH again fails the same way, not with error 4. */
		cr_expect_eq(g->relaunched.ret, VMX_SUCCEED);
		cr_expect_eq(g->relaunched.reason, 0x80000021U);
		sim_result_release(&r);
		free(g);
	}
}

static void vmcs_shadowing(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS);
	vmcs_set_bits(v, VMCS_SECONDARY_VM_EXEC_CONTROL, SECONDARY_EXEC_SHADOW_VMCS);
}

/*
 * A link pointer other than all ones must name a VMCS region with the
 * CPU's revision identifier that is a shadow VMCS exactly when "VMCS
 * shadowing" is 1; otherwise entry fails with exit 33, qualification 4
 * ("Checks on Guest Non-Register State"). The region is read from memory.
 */
Test(vmx_entry, link_pointer_names_a_vmcs_of_the_kind_shadowing_asks, .timeout = 30)
{
	static const struct {
		void (*edit)(struct vmcs *v);
		bool shadow;
		uint32_t reason;
		const char *what;
	} cases[] = {
		{ vmcs_shadowing, true, EXIT_REASON_HLT, "shadowing, a shadow VMCS" },
		{ vmcs_shadowing, false, 0x80000021U, "shadowing, an ordinary VMCS" },
		{ NULL, true, 0x80000021U, "no shadowing, a shadow VMCS" },
		{ NULL, false, EXIT_REASON_HLT, "no shadowing, an ordinary VMCS" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run("skylake-sp", 1, cases[i].edit) } };
		struct vmxp_run *g = c.guest[0];
		struct sim_result r;

		g->link = true;
		g->link_shadow = cases[i].shadow;
		r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
		expect_clean(&r);
		cr_assert_eq(g->exit[0].ret, VMX_SUCCEED, "%s: error %u", cases[i].what,
			     g->exit[0].error);
		cr_assert_eq(g->exit[0].reason, cases[i].reason, "%s: %#x", cases[i].what,
			     g->exit[0].reason);
		if (cases[i].reason != EXIT_REASON_HLT)
			cr_assert_eq(g->exit[0].qual, 4, "%s", cases[i].what);
		sim_result_release(&r);
		free(g);
	}
}

/*
 * A PAE guest without EPT: VM entry reads the four PDPTEs from the page
 * its CR3 names, in the machine's memory, and a present one with a
 * reserved bit fails the entry with exit 33, qualification 2 ("Checks on
 * Guest Page-Directory-Pointer-Table Entries").
 */
Test(vmx_entry, pae_guest_pdptes_come_from_memory, .timeout = 30)
{
	static const struct {
		uint64_t pdpte;
		uint32_t reason;
		uint64_t qual;
	} cases[] = {
		{ 0x5000 | PAE_PDPTE_PRESENT, EXIT_REASON_HLT, 0 },
		{ 0x5000 | PAE_PDPTE_PRESENT | VMX_BIT(1), 0x80000021U, ENTRY_FAIL_PDPTE },
		{ 0x5000 | VMX_BIT(1), EXIT_REASON_HLT, 0 },	/* not present */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run("kabylake", 1, vt_pae_guest) } };
		struct vmxp_run *g = c.guest[0];
		struct sim_result r;

		g->pae_cr3 = true;
		g->pdpt[2] = cases[i].pdpte;
		r = vrun(&c, "1 slots: kabylake", 1, "timed", 1);
		expect_clean(&r);
		cr_expect_eq(g->exit[0].ret, VMX_SUCCEED, "case %zu", i);
		cr_expect_eq(g->exit[0].reason, cases[i].reason, "case %zu: reason %#x", i,
			     g->exit[0].reason);
		cr_expect_eq(g->exit[0].qual, cases[i].qual, "case %zu", i);
		sim_result_release(&r);
		free(g);
	}
}

/* An NMI injected while the guest is in an STI shadow (RFLAGS.IF 1, blocking by STI). */
static void nmi_in_sti_shadow(struct vmcs *v)
{
	vmcs_set(v, VMCS_GUEST_RFLAGS, X86_EFLAGS_FIXED | X86_EFLAGS_IF);
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_STI);
	vmcs_set(v, VMCS_VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR | 2);
}

/*
 * "A processor may require" blocking by STI to be 0 when VM entry injects
 * an NMI: the CPU's model decides. Kaby Lake, as every shipped model,
 * fails the entry; with the other choice the guest runs.
 */
Test(vmx_entry, nmi_into_an_sti_shadow_as_the_model_chooses, .timeout = 30)
{
	static const struct {
		const char *spec;
		uint32_t reason;
	} cases[] = {
		{ "kabylake", 0x80000021U },
		{ "kabylake nmi-in-sti-shadow=enter", EXIT_REASON_HLT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run(cases[i].spec, 1, nmi_in_sti_shadow) } };
		char machine[96];
		struct sim_result r;

		snprintf(machine, sizeof(machine), "1 slots: %s", cases[i].spec);
		r = vrun(&c, machine, 1, "timed", 1);
		expect_clean(&r);
		cr_expect_eq(c.guest[0]->exit[0].ret, VMX_SUCCEED, "%s", cases[i].spec);
		cr_expect_eq(c.guest[0]->exit[0].reason, cases[i].reason, "%s: reason %#x",
			     cases[i].spec, c.guest[0]->exit[0].reason);
		sim_result_release(&r);
		free(c.guest[0]);
	}
}

/* The id of every TR_VMX record of @kind in @r's trace, with the value, one per line. */
static void vmx_records(const struct sim_result *r, unsigned int kind, char *out, size_t len)
{
	struct trace_reader *tr = NULL;
	struct trace_event e;
	char err[256];
	size_t n = 0;

	out[0] = '\0';
	cr_assert(r->trace, "no trace recorded");
	cr_assert_eq(trace_reader_open_mem(&tr, r->trace, r->trace_len, "vmx", err, sizeof(err)),
		     0, "%s", err);
	while (trace_next(tr, &e, err, sizeof(err)) == 1 && n < len) {
		const char *check = e.str ? trace_reader_string(tr, e.str) : "-";

		if (e.type == TR_VMX && e.kind == kind)
			n += (size_t)snprintf(out + n, len - n, "%#x %s\n", e.value, check);
	}
	trace_reader_close(tr);
}

static void too_many_cr3_targets(struct vmcs *v)
{
	vmcs_set(v, VMCS_CR3_TARGET_COUNT, 5);	/* Kaby Lake's IA32_VMX_MISC allows 4 */
}

/* The guest right after a MOV SS: legal guest state (active, no single-step pending). */
static void guest_mov_ss_blocking(struct vmcs *v)
{
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, GUEST_INTR_STATE_MOV_SS);
}

/* An NMI injected into that shadow: the guest-state row forbids it. */
static void nmi_in_mov_ss_shadow(struct vmcs *v)
{
	guest_mov_ss_blocking(v);
	vmcs_set(v, VMCS_VM_ENTRY_INTR_INFO_FIELD,
		 INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR | 2);	/* vector 2 */
}

/*
 * A failed VM entry's trace record names the check that failed, as KVM's
 * trace of a nested entry names its failed consistency check: the VM exit
 * of a failed guest-state check, the VMfailValid of a failed control
 * check. A VMfail no row explains (VMLAUNCH of a launched VMCS) names none.
 */
Test(vmx_entry, failed_entry_trace_names_the_check, .timeout = 30)
{
	static const struct {
		void (*edit)(struct vmcs *v);
		unsigned int kind;
		bool relaunch;
		const char *want;
	} cases[] = {
		{ bad_rflags, TR_VMX_EXIT, false, "0x80000021 guest-rflags-bit1\n" },
		{ bad_link, TR_VMX_EXIT, false, "0x80000021 guest-link-aligned\n" },
		{ too_many_cr3_targets, TR_VMX_FAIL, false, "0x7 cr3-target-count\n" },
		{ nmi_in_mov_ss_shadow, TR_VMX_EXIT, false, "0x80000021 guest-intr-nmi-movss\n" },
		{ NULL, TR_VMX_FAIL, true, "0x4 -\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run("kabylake", 1, cases[i].edit) } };
		struct vmxp_run *g = c.guest[0];
		struct sim_result r;
		char got[256];

		g->relaunch = cases[i].relaunch;
		trace_runs = true;
		r = vrun(&c, "1 slots: kabylake", 1, "timed", 1);
		trace_runs = false;
		expect_clean(&r);
		vmx_records(&r, cases[i].kind, got, sizeof(got));
		cr_expect_str_eq(got, cases[i].want, "case %zu", i);
		sim_result_release(&r);
		free(g);
	}
}

/* A #UD (hardware exception, vector 6, no error code) injected at entry. */
static void inject_ud(struct vmcs *v)
{
	vmcs_set(v, VMCS_VM_ENTRY_INTR_INFO_FIELD,
		 INTR_INFO_VALID_MASK | INTR_TYPE_HARD_EXCEPTION | 6);
}

/*
 * A VM exit clears the valid bit of the VM-entry interruption information,
 * so the event is not injected again at the next VMRESUME ("Recording
 * VM-Exit Information and Updating VM-Entry Control Fields"); a VM entry
 * that fails on guest state leaves it set ("VM-Entry Failures During or
 * After Loading Guest State").
 */
Test(vmx_entry, exit_clears_the_entry_injection_valid_bit, .timeout = 30)
{
	static const struct {
		void (*edit)(struct vmcs *v);
		uint32_t reason, entry_intr_info;
	} cases[] = {
		{ inject_ud, EXIT_REASON_HLT, (uint32_t)(INTR_TYPE_HARD_EXCEPTION | 6) },
		{ nmi_in_mov_ss_shadow, 0x80000021U,
		  (uint32_t)(INTR_INFO_VALID_MASK | INTR_TYPE_NMI_INTR | 2) },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run("kabylake", 1, cases[i].edit) } };
		struct vmxp_run *g = c.guest[0];
		struct sim_result r = vrun(&c, "1 slots: kabylake", 1, "timed", 1);

		expect_clean(&r);
		cr_assert_eq(g->exit[0].ret, VMX_SUCCEED, "case %zu: error %u", i, g->exit[0].error);
		cr_assert_eq(g->exit[0].reason, cases[i].reason, "case %zu: %#x", i,
			     g->exit[0].reason);
		cr_assert_eq(g->exit[0].entry_intr_info, cases[i].entry_intr_info,
			     "case %zu: %#x", i, g->exit[0].entry_intr_info);
		sim_result_release(&r);
		free(g);
	}
}

/*
 * Error 26 is about the executing CPU's own MOV-SS blocking, which the
 * simulated host never has ("Basic VM-Entry Checks"): a guest whose
 * interruptibility state says it is in a MOV SS shadow is legal guest
 * state, and enters.
 */
Test(vmx_entry, guest_mov_ss_blocking_enters, .timeout = 30)
{
	struct vcase c = { .guest = { new_run("kabylake", 1, guest_mov_ss_blocking) } };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r = vrun(&c, "1 slots: kabylake", 1, "timed", 1);

	expect_clean(&r);
	cr_assert_eq(g->exit[0].ret, VMX_SUCCEED, "VMfail, error %u", g->exit[0].error);
	cr_assert_eq(g->exit[0].reason, EXIT_REASON_HLT, "%#x", g->exit[0].reason);
	sim_result_release(&r);
	free(g);
}

/*
 * Where a failed entry ends the run, the run's message names the check: a
 * VM-exit MSR-load area the CPU cannot load turns the failed entry's exit
 * into a VMX abort.
 */
Test(vmx_entry, vmx_abort_after_a_failed_entry_names_the_check, .timeout = 30)
{
	struct vcase c = { .guest = { new_run("kabylake", 1, bad_rflags) } };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->exit_load[0][0] = MSR_FS_BASE;	/* never from an MSR-load area */
	g->nexit_load = 1;
	r = vrun(&c, "1 slots: kabylake", 1, "timed", 1);
	cr_assert_eq(r.outcome, SIM_FAILED);
	cr_assert_str_eq(r.message, "VMX abort on CPU 0: loading host MSRs failed (indicator 4) "
				    "after VM entry failed check guest-rflags-bit1");
	sim_result_release(&r);
	free(g);
}

Test(vmx_entry, msr_load_area_loads_the_guest_msrs, .timeout = 30)
{
	struct vcase c = { .guest = { new_run("skylake-sp", 1, NULL) } };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->msr_area[0][0] = MSR_TSC_AUX;
	g->msr_area[0][1] = 3;
	g->nmsrs = 1;
	g->read_msr = MSR_TSC_AUX;
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->exit[0].reason, EXIT_REASON_HLT, "%#x", g->exit[0].reason);
	cr_assert_eq(g->msr_after, 3, "the guest's TSC_AUX stays: nothing restores it");
	sim_result_release(&r);
	free(g);
}

Test(vmx_entry, msr_load_failure_is_exit_34_with_the_entry_index, .timeout = 30)
{
	struct vcase c = { .guest = { new_run("skylake-sp", 1, NULL) } };
	struct vmxp_run *g = c.guest[0];
	struct sim_result r;

	g->msr_area[0][0] = MSR_TSC_AUX;
	g->msr_area[0][1] = 3;
	g->msr_area[1][0] = MSR_FS_BASE;	/* never from the MSR-load area */
	g->nmsrs = 2;
	g->read_msr = MSR_TSC_AUX;
	g->relaunch = true;
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->exit[0].ret, VMX_SUCCEED);
	cr_assert_eq(g->exit[0].reason, 0x80000022U, "%#x", g->exit[0].reason);
	cr_assert_eq(g->exit[0].qual, 2, "the second entry failed");
	cr_assert_eq(g->msr_after, 3, "the first entry stays loaded");
	cr_assert_eq(g->relaunched.reason, 0x80000022U, "still not launched");
	sim_result_release(&r);
	free(g);
}

/* KVM's host_state: HOST_CR4 is what CR4 becomes at every exit. */
static uint64_t host_cr4;

static void save_pat_and_host_cr4(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT);
	vmcs_set(v, VMCS_HOST_CR4, host_cr4);
}

static void guest_gs_base(struct vmcs *v)
{
	vmcs_set(v, VMCS_GUEST_GS_BASE, 0x7f0000001000ULL);
	vmcs_set(v, VMCS_HOST_GS_BASE, 0xffff888000200000ULL);
}

/*
 * A VM exit saves the guest's IA32_PAT (save control) and its MSRs into
 * the MSR-store area, then loads CR4 from the host-state area, the host's
 * IA32_PAT (load control) and the VM-exit MSR-load area.
 */
Test(vmx_entry, exit_saves_guest_state_and_loads_host_state, .timeout = 30)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vcase c;
	struct vmxp_run *g;
	struct sim_result r;

	host_cr4 = model_cr4_fixed0(m) | X86_CR4_PAE | X86_CR4_PGE;
	c = (struct vcase){ .guest = { new_run("skylake-sp", 1, save_pat_and_host_cr4) } };
	g = c.guest[0];
	g->msr_area[0][0] = MSR_IA32_CR_PAT;
	g->msr_area[0][1] = PAT_ALL_WB;
	g->msr_area[1][0] = MSR_TSC_AUX;
	g->msr_area[1][1] = 3;
	g->nmsrs = 2;
	g->exit_load[0][0] = MSR_TSC_AUX;
	g->exit_load[0][1] = 7;
	g->nexit_load = 1;
	g->exit_store[0] = MSR_TSC_AUX;
	g->exit_store[1] = MSR_IA32_CR_PAT;
	g->nexit_store = 2;
	g->read_msr = MSR_IA32_CR_PAT;
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->exit[0].reason, EXIT_REASON_HLT, "%#x", g->exit[0].reason);
	cr_assert_eq(g->guest_pat, PAT_ALL_WB, "GUEST_IA32_PAT saved: %#lx",
		     (unsigned long)g->guest_pat);
	cr_assert_eq(g->stored[0], 3, "the guest's TSC_AUX in the store area");
	cr_assert_eq(g->stored[1], PAT_ALL_WB, "the guest's PAT in the store area");
	cr_assert_eq(g->msr_after, 0x0007040600070406ULL, "the host's PAT loaded back");
	cr_assert_eq(g->cr4_after, host_cr4, "CR4 %#lx, HOST_CR4 %#lx", g->cr4_after,
		     (unsigned long)host_cr4);
	sim_result_release(&r);
	free(g);
	/* Entry loads the guest's GS base (the store area shows it); the exit, HOST_GS_BASE. */
	c = (struct vcase){ .guest = { new_run("skylake-sp", 1, guest_gs_base) } };
	g = c.guest[0];
	g->exit_store[0] = MSR_GS_BASE;
	g->nexit_store = 1;
	g->read_msr = MSR_GS_BASE;
	r = vrun(&c, "1 slots: skylake-sp", 1, "timed", 1);
	expect_clean(&r);
	cr_assert_eq(g->exit[0].reason, EXIT_REASON_HLT, "%#x", g->exit[0].reason);
	cr_assert_eq(g->stored[0], 0x7f0000001000ULL, "guest GS base %#lx",
		     (unsigned long)g->stored[0]);
	cr_assert_eq(g->msr_after, 0xffff888000200000ULL, "host GS base %#lx",
		     (unsigned long)g->msr_after);
	sim_result_release(&r);
	free(g);
	free(m);
}

/* A failure loading the host's MSRs, or saving the guest's, is a VMX abort: the CPU is lost. */
Test(vmx_entry, exit_msr_failure_is_a_vmx_abort, .timeout = 30)
{
	static const struct {
		bool store;
		uint32_t msr;
		const char *want;
	} cases[] = {
		{ false, MSR_FS_BASE, "VMX abort on CPU 0: loading host MSRs failed (indicator 4)" },
		/* IA32_EFER = 0 clears LME with the host's CR0.PG 1: WRMSR would #GP. */
		{ false, MSR_EFER, "VMX abort on CPU 0: loading host MSRs failed (indicator 4)" },
		{ true, 0x808, "VMX abort on CPU 0: saving guest MSRs failed (indicator 1)" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vcase c = { .guest = { new_run("kabylake", 1, NULL) } };
		struct vmxp_run *g = c.guest[0];
		struct sim_result r;

		if (cases[i].store) {
			g->exit_store[0] = cases[i].msr;
			g->nexit_store = 1;
		} else {
			g->exit_load[0][0] = cases[i].msr;
			g->nexit_load = 1;
		}
		r = vrun(&c, "1 slots: kabylake", 1, "timed", 1);
		cr_assert_eq(r.outcome, SIM_FAILED);
		cr_assert_str_eq(r.message, cases[i].want);
		sim_result_release(&r);
		free(g);
	}
}

/* ---- the MSR-loading rows, one test each ---- */

/* An MSR-load area in a fake physical memory. */
struct area {
	uint64_t base;
	uint64_t words[2 * 1100];
};

static bool area_read(void *opaque, uint64_t pa, void *buf, size_t len)
{
	const struct area *a = opaque;

	if (pa < a->base || pa + len > a->base + sizeof(a->words))
		return false;
	memcpy(buf, (const uint8_t *)a->words + (pa - a->base), len);
	return true;
}

struct msr_violation {
	const char *id;
	uint64_t index_word;	/* bits 63:0 of the bad entry */
	uint64_t value;		/* bits 127:64 */
	unsigned int count;	/* entries in all (the bad one last); 0: 2 */
};

static const struct msr_violation msr_violations[] = {
	{ "msr-load-count", MSR_TSC_AUX, 0, 513 },
	{ "msr-load-reserved", MSR_TSC_AUX | (1ULL << 32), 0, 0 },
	{ "msr-load-fs-gs-base", MSR_FS_BASE, 0, 0 },
	{ "msr-load-x2apic", 0x808, 0, 0 },
	{ "msr-load-smm-only", 0x9b, 0, 0 },
	{ "msr-load-efer", MSR_EFER, 0xd01 | 2, 0 },
	{ "msr-load-efer-lme", MSR_EFER, 0xd01 & ~EFER_LME, 0 },	/* the guest's CR0.PG is 1 */
	{ "msr-load-pat", MSR_IA32_CR_PAT, 0x0606060606060602ULL, 0 },
	{ "msr-load-canonical", MSR_LSTAR, 0x4000000000000000ULL, 0 },
	{ "msr-load-tsc-aux", MSR_TSC_AUX, 1ULL << 32, 0 },
	{ "msr-load-wrmsr", MSR_IA32_FEATURE_CONTROL, 0, 0 },	/* locked: WRMSR #GPs */
};

#define NR_MSR_VIOLATIONS (sizeof(msr_violations) / sizeof(msr_violations[0]))

static const struct msr_violation *msr_violation_for(const char *id)
{
	for (size_t i = 0; i < NR_MSR_VIOLATIONS; i++)
		if (!strcmp(msr_violations[i].id, id))
			return &msr_violations[i];
	return NULL;
}

Test(vmx_msr_load, every_row_has_a_violation, .timeout = 10)
{
	unsigned int n;
	const struct vmx_check *rows = vmx_checks_of(VMX_CHECK_MSR_LOAD, &n);

	cr_assert_geq(n, 8);
	for (unsigned int i = 0; i < n; i++)
		cr_assert(msr_violation_for(rows[i].id), "%s has no violation", rows[i].id);
	cr_assert_eq(NR_MSR_VIOLATIONS, n, "a violation names no row");
}

ParameterizedTestParameters(vmx_msr_load, each_row)
{
	static unsigned int rows[32];
	unsigned int n;

	vmx_checks_of(VMX_CHECK_MSR_LOAD, &n);
	n = n < 32 ? n : 32;
	for (unsigned int i = 0; i < n; i++)
		rows[i] = i;
	return cr_make_param_array(unsigned int, rows, n);
}

/*
 * A legal area (IA32_TSC_AUX = 5 in every entry but the last) whose last
 * entry breaks the row: VM entry fails at that entry with the row, and the
 * entries before it are loaded. The same area without the bad entry loads.
 */
ParameterizedTest(unsigned int *row, vmx_msr_load, each_row, .timeout = 10)
{
	unsigned int n;
	const struct vmx_check *r = &vmx_checks_of(VMX_CHECK_MSR_LOAD, &n)[*row];
	const struct msr_violation *vi = msr_violation_for(r->id);
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = vmx_legal_vmcs(m);
	struct area *a = calloc(1, sizeof(*a));
	const struct vmx_phys_reader mem = { .read = area_read, .opaque = a };
	const struct vmx_check *failed = NULL;
	uint64_t msr_val[MODEL_MAX_MSRS], qual = 0;
	const struct model_msr *aux = model_msr(m, MSR_TSC_AUX);
	unsigned int count;
	int err;

	cr_assert(vi && a && aux, "row %s", r->id);
	count = vi->count ? vi->count : 2;
	a->base = 0x40000;
	for (unsigned int i = 0; i + 1 < count; i++) {
		a->words[2 * i] = MSR_TSC_AUX;
		a->words[2 * i + 1] = 5;
	}
	a->words[2 * (count - 1)] = vi->index_word;
	a->words[2 * (count - 1) + 1] = vi->value;
	for (unsigned int i = 0; i < m->nmsrs; i++)
		msr_val[i] = m->msrs[i].value;
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR, a->base);
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, count - 1);
	cr_assert_eq(vmx_load_msrs(m, v, &mem, msr_val, &failed, &qual), 0, "%s: %s", r->id,
		     failed ? failed->id : "");
	cr_assert_eq(msr_val[aux - m->msrs], 5, "loaded");
	msr_val[aux - m->msrs] = 0;
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, count);
	err = vmx_load_msrs(m, v, &mem, msr_val, &failed, &qual);
	cr_assert_eq(err, EXIT_REASON_MSR_LOAD_FAIL, "%s: %d", r->id, err);
	cr_assert_eq(failed, r, "%s: failed at %s", r->id, failed ? failed->id : "(none)");
	cr_assert_eq(qual, count, "%s: qualification %lu", r->id, (unsigned long)qual);
	cr_assert_eq(msr_val[aux - m->msrs], 5, "%s: entries before the bad one stay loaded", r->id);
	free(a);
	free(v);
	free(m);
}

/*
 * IA32_EFER loads as WRMSR writes it, with the CR0 VM entry has loaded
 * (the guest's): LME may change only while CR0.PG is 0 ("Paging-Mode
 * Enabling"), and LMA, read-only, keeps its value whatever the entry says.
 */
Test(vmx_msr_load, efer_loads_as_wrmsr_writes_it, .timeout = 10)
{
	static const struct {
		bool paging;
		uint64_t value, want;
		const char *fails;
	} cases[] = {
		{ true, 0xd01 & ~EFER_LME, 0, "msr-load-efer-lme" },
		{ false, 0xd01 & ~EFER_LME, 0xd01 & ~EFER_LME, NULL },
		{ true, 0xd01 & ~EFER_LMA, 0xd01, NULL },
		{ true, 0xd01 & ~EFER_NX, 0xd01 & ~EFER_NX, NULL },
	};
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = vmx_legal_vmcs(m);
	struct area *a = calloc(1, sizeof(*a));
	const struct vmx_phys_reader mem = { .read = area_read, .opaque = a };
	const struct model_msr *efer = model_msr(m, MSR_EFER);

	cr_assert(a && efer);
	a->base = 0x40000;
	a->words[0] = MSR_EFER;
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR, a->base);
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vmx_check *failed = NULL;
		uint64_t msr_val[MODEL_MAX_MSRS], qual = 0;
		int err;

		for (unsigned int k = 0; k < m->nmsrs; k++)
			msr_val[k] = m->msrs[k].value;
		a->words[1] = cases[i].value;
		vmcs_set(v, VMCS_GUEST_CR0, model_cr0_fixed0(m) & ~(cases[i].paging ? 0 : X86_CR0_PG));
		err = vmx_load_msrs(m, v, &mem, msr_val, &failed, &qual);
		if (cases[i].fails) {
			cr_expect_eq(err, EXIT_REASON_MSR_LOAD_FAIL, "case %zu", i);
			cr_expect(failed && !strcmp(failed->id, cases[i].fails), "case %zu: %s", i,
				  failed ? failed->id : "(none)");
			cr_expect_eq(msr_val[efer - m->msrs], efer->value, "case %zu: not loaded", i);
		} else {
			cr_expect_eq(err, 0, "case %zu: %s", i, failed ? failed->id : "");
			cr_expect_eq(msr_val[efer - m->msrs], cases[i].want, "case %zu: %#llx", i,
				     (unsigned long long)msr_val[efer - m->msrs]);
		}
	}
	free(a);
	free(v);
	free(m);
}

/* The recommended maximum grows with IA32_VMX_MISC[27:25]: 512 x (N + 1). */
Test(vmx_msr_load, count_limit_follows_vmx_misc, .timeout = 10)
{
	struct cpu_model *m = vt_load("skylake-sp");
	struct vmcs *v = vmx_legal_vmcs(m);
	struct area *a = calloc(1, sizeof(*a));
	const struct vmx_phys_reader mem = { .read = area_read, .opaque = a };
	const struct vmx_check *failed = NULL;
	uint64_t qual = 0;

	cr_assert(a);
	a->base = 0x40000;
	for (unsigned int i = 0; i < 1025; i++) {
		a->words[2 * i] = MSR_TSC_AUX;
		a->words[2 * i + 1] = i;
	}
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_ADDR, a->base);
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 1024);
	vt_set_msr(m, MSR_IA32_VMX_MISC, vt_msr(m, MSR_IA32_VMX_MISC) | (1ULL << 25));
	cr_assert_eq(vmx_load_msrs(m, v, &mem, NULL, &failed, &qual), 0);
	vmcs_set(v, VMCS_VM_ENTRY_MSR_LOAD_COUNT, 1025);
	cr_assert_eq(vmx_load_msrs(m, v, &mem, NULL, &failed, &qual), EXIT_REASON_MSR_LOAD_FAIL);
	cr_assert_str_eq(failed->id, "msr-load-count");
	cr_assert_eq(qual, 1025);
	free(a);
	free(v);
	free(m);
}
