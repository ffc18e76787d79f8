// SPDX-License-Identifier: MIT
/*
 * Events in the guest stand-in (sim/vmx/guest.c), through the hypervisor
 * task of tests/programs/vmxprogs.c on a legal, KVM-like VMCS: events VM
 * entry injects and the guest's record of them (sim_guest_events()); an
 * exit during their delivery and its IDT-vectoring information; the
 * interrupt and NMI windows and what holds them off; host NMIs with and
 * without "NMI exiting"; the HLT and wait-for-SIPI activity states, INIT
 * and SIPI sent from another CPU's task (apic_icr_write()); and the order
 * of concurrent events at one instruction boundary.
 *
 * SDM citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3A
 * "Priority Among Concurrent Events"; Vol. 3C "Event Injection",
 * "Interruptibility State", "Activity State", "Other Causes of VM Exits",
 * "Interrupt-Window Exiting and Virtual-Interrupt Delivery", "NMI-Window
 * Exiting", "Virtual NMIs", "Information for VM Exits During Event
 * Delivery", "Saving Non-Register State".
 */
#include "programs/vmxprogs.h"
#include "vmx_models.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "hvsim/hw.h"
#include "hvsim/sim.h"
#include "hvsim/x86/apicdef.h"
#include "vmx/legal.h"
#include "vmx/vmcs.h"

/* Interruption information of the events the tests inject or expect. */
#define INFO(type, vector)	((uint32_t)(INTR_INFO_VALID_MASK | (type) | (vector)))
#define INFO_ERR(type, vector)	(INFO(type, vector) | (uint32_t)INTR_INFO_DELIVER_CODE_MASK)
#define EXT_0X41		INFO(INTR_TYPE_EXT_INTR, 0x41)
#define NMI			INFO(INTR_TYPE_NMI_INTR, 2)
#define GP_ERR			INFO_ERR(INTR_TYPE_HARD_EXCEPTION, 13)
#define PF_ERR			INFO_ERR(INTR_TYPE_HARD_EXCEPTION, 14)
#define INT_0X80		INFO(INTR_TYPE_SOFT_INTR, 0x80)

/* Linux's reschedule vector: the kernel model's handler takes it quietly. */
#define RESCHEDULE_VECTOR	0xfd
#define SIPI_VECTOR		0x9a
#define RFLAGS_IF		(X86_EFLAGS_FIXED | X86_EFLAGS_IF)
#define STI			((uint32_t)GUEST_INTR_STATE_STI)
#define MOV_SS			((uint32_t)GUEST_INTR_STATE_MOV_SS)
#define NMI_BLOCKED		((uint32_t)GUEST_INTR_STATE_NMI)
#define VNMI			(PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS)

/* What a test changes in the legal, KVM-like VMCS. */
struct gspec {
	uint64_t pin, proc;		/* execution controls set on top */
	uint64_t rflags;		/* guest RFLAGS; 0: the legal VMCS's (IF clear) */
	uint32_t intr_state;		/* guest interruptibility state */
	uint32_t activity;		/* guest activity state */
	uint32_t inject;		/* VM-entry interruption information */
	uint32_t inject_error;		/* ... its error code */
	uint32_t inject_len;		/* ... its instruction length */
	bool timer_zero;		/* the VMX-preemption timer, armed at 0 */
};

static struct vmxp_run *new_run(const char *model, unsigned int entries, const struct gspec *g)
{
	struct cpu_model *m = vt_load(model);
	struct vmcs *v = vmx_legal_vmcs(m);
	struct vmxp_run *r = calloc(1, sizeof(*r));

	cr_assert(r);
	vt_kvm_like(v);
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, g->pin);
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, g->proc);
	if (g->rflags)
		vmcs_set(v, VMCS_GUEST_RFLAGS, g->rflags);
	vmcs_set(v, VMCS_GUEST_INTERRUPTIBILITY_INFO, g->intr_state);
	vmcs_set(v, VMCS_GUEST_ACTIVITY_STATE, g->activity);
	vmcs_set(v, VMCS_VM_ENTRY_INTR_INFO_FIELD, g->inject);
	vmcs_set(v, VMCS_VM_ENTRY_EXCEPTION_ERROR_CODE, g->inject_error);
	vmcs_set(v, VMCS_VM_ENTRY_INSTRUCTION_LEN, g->inject_len);
	if (g->timer_zero)
		vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_VMX_PREEMPTION_TIMER);
	vt_fields_from(v, r);
	r->entries = entries;
	free(v);
	free(m);
	return r;
}

/*
 * A run: the hypervisor on the last CPU of @machine, its guest's script,
 * and on CPU 0 a task that signals it when @signal has operations.
 */
struct ecase {
	const char *machine;		/* slots and models */
	unsigned int ncpus;
	struct vmxp_run *run;
	struct vmxp_signal signal;
	struct sim_guest_exit script[2];
	unsigned int nscript;
	const char *strategy;		/* NULL: timed */
	/* Out: the guest's events, read by check(). */
	struct sim_guest_event events[SIM_GUEST_EVENTS];
	unsigned int nevents;
};

/* A run's outputs, cleared before each run: every run starts from the same state. */
static void run_reset(struct vmxp_run *r)
{
	r->vmxon = 0;
	r->vmptrld = 0;
	r->vmwrite_failed = 0;
	memset(r->exit, 0, sizeof(r->exit));
	r->nexits = 0;
	r->in_guest_soon = 0;
}

static void esetup(struct machine *m, void *arg)
{
	struct ecase *c = arg;
	unsigned int hv = c->ncpus - 1;

	run_reset(c->run);
	sim_spawn(m, hv, "vcpu", vmxp_guest_task, c->run);
	cr_assert_eq(sim_set_guest_script(m, hv, c->script, c->nscript), 0);
	if (!c->signal.n)
		return;
	c->signal.run = c->run;
	c->signal.dest = hv;
	sim_spawn(m, 0, "signal", vmxp_signal_task, &c->signal);
}

static int echeck(struct machine *m, void *arg, char *msg, size_t len)
{
	struct ecase *c = arg;

	(void)msg;
	(void)len;
	c->nevents = sim_guest_events(m, c->ncpus - 1, c->events, SIM_GUEST_EVENTS);
	return 0;
}

static struct sim_result erun(struct ecase *c)
{
	struct sim_program p = {
		.name = "vmx-events", .ncpus = c->ncpus, .setup = esetup, .check = echeck, .arg = c,
		.detect = SIM_DETECT_LOCKDEP, .machine = c->machine,
	};
	struct sim_explore_opts o = { .strategy = c->strategy ? c->strategy : "timed", .seed = 1,
				      .budget = 1 };
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(&p, &o, &r, err, sizeof(err)), 0, "%s", err);
	return r;
}

/* Run @c, which must end cleanly with every VM entry a success. */
static void erun_clean(struct ecase *c, const char *what)
{
	struct sim_result r = erun(c);

	cr_assert_eq(r.outcome, SIM_OK, "%s: %s (after %u entries)\n%s", what, r.message,
		     c->run->nexits, r.reports ? r.reports : "");
	cr_assert_eq(c->run->vmwrite_failed, 0, "%s", what);
	for (unsigned int i = 0; i < c->run->nexits; i++)
		cr_assert_eq(c->run->exit[i].ret, VMX_SUCCEED, "%s: entry %u: error %u", what, i,
			     c->run->exit[i].error);
	sim_result_release(&r);
}

/* The guest took exactly one event, @info (error code @error), from VM entry if @injected. */
static void expect_one_event(const struct ecase *c, uint32_t info, uint32_t error, bool injected,
			     const char *what)
{
	const struct sim_guest_event *e = &c->events[0];

	cr_assert_eq(c->nevents, 1, "%s: %u events", what, c->nevents);
	cr_expect_eq(e->type, (info & INTR_INFO_INTR_TYPE_MASK) >> 8, "%s: type %u", what, e->type);
	cr_expect_eq(e->vector, info & INTR_INFO_VECTOR_MASK, "%s: vector %#x", what, e->vector);
	cr_expect_eq(e->has_error_code, (info & INTR_INFO_DELIVER_CODE_MASK) != 0, "%s", what);
	cr_expect_eq(e->error_code, error, "%s: error code %#x", what, e->error_code);
	cr_expect_eq(e->injected, injected, "%s", what);
}

/* ---- event injection ---- */

/*
 * Each kind of event VM entry injects reaches the guest, once: the exit
 * clears the valid bit, so the second entry injects nothing. Its handler
 * runs with RFLAGS.IF clear (an interrupt gate), and an NMI leaves NMIs
 * blocked (bit 3 of the saved interruptibility state), which with
 * "virtual NMIs" is virtual-NMI blocking.
 */
Test(vmx_events, injected_events_reach_the_guest, .timeout = 30)
{
	static const struct {
		const char *what;
		struct gspec g;
		uint32_t error;			/* the error code the guest sees */
		uint32_t intr_state;		/* the interruptibility state the first exit saves */
	} cases[] = {
		{ "external interrupt", { .rflags = RFLAGS_IF, .inject = EXT_0X41 }, 0, 0 },
		{ "NMI", { .inject = NMI }, 0, NMI_BLOCKED },
		{ "NMI, virtual NMIs", { .pin = VNMI, .inject = NMI }, 0, NMI_BLOCKED },
		{ "#GP", { .inject = GP_ERR, .inject_error = 0x18 }, 0x18, 0 },
		{ "INT 80H", { .inject = INT_0X80, .inject_len = 2 }, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ecase c = { .machine = "1 slots: skylake-sp", .ncpus = 1,
				   .run = new_run("skylake-sp", 2, &cases[i].g) };
		const struct vmxp_exit *e = c.run->exit;

		erun_clean(&c, cases[i].what);
		expect_one_event(&c, cases[i].g.inject, cases[i].error, true, cases[i].what);
		cr_assert_eq(c.run->nexits, 2, "%s", cases[i].what);
		cr_expect_eq(e[0].reason, EXIT_REASON_HLT, "%s: %u", cases[i].what, e[0].reason);
		cr_expect_eq(e[1].reason, EXIT_REASON_HLT, "%s: %u", cases[i].what, e[1].reason);
		cr_expect_eq(e[0].intr_state, cases[i].intr_state, "%s: interruptibility %#x",
			     cases[i].what, e[0].intr_state);
		cr_expect_eq(e[0].rflags & X86_EFLAGS_IF, 0, "%s: the handler runs with IF clear",
			     cases[i].what);
		free(c.run);
	}
}

/* ---- exits during delivery ---- */

/*
 * A script entry marked during_delivery ends the run while the guest
 * delivers the injected event: the exit's IDT-vectoring information and
 * error code name it, the guest never took it, and for a software
 * interrupt the exit's instruction length is the injected one. The next
 * entry injects nothing (the valid bit was cleared) and has no
 * IDT-vectoring information. With no event to deliver, the same script
 * entry is an ordinary exit.
 */
Test(vmx_events, exit_during_delivery_records_idt_vectoring, .timeout = 30)
{
	static const struct {
		const char *what;
		struct gspec g;
		uint32_t idt_info, idt_error, len, intr_state;
	} cases[] = {
		{ "#PF", { .inject = PF_ERR, .inject_error = 2 }, PF_ERR, 2, 3, 0 },
		{ "INT 80H", { .inject = INT_0X80, .inject_len = 2 }, INT_0X80, 0, 2, 0 },
		/* NMIs are blocked as its delivery starts. */
		{ "NMI", { .inject = NMI }, NMI, 0, 3, NMI_BLOCKED },
		{ "no event", { 0 }, 0, 0, 3, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ecase c = { .machine = "1 slots: skylake-sp", .ncpus = 1,
				   .run = new_run("skylake-sp", 2, &cases[i].g), .nscript = 1 };
		const struct vmxp_exit *e = c.run->exit;

		c.script[0] = (struct sim_guest_exit){ .reason = EXIT_REASON_EPT_VIOLATION,
						       .qualification = 0x181, .gpa = 0x1000,
						       .insn_len = 3, .during_delivery = true };
		erun_clean(&c, cases[i].what);
		cr_assert_eq(c.run->nexits, 2, "%s", cases[i].what);
		cr_expect_eq(e[0].reason, EXIT_REASON_EPT_VIOLATION, "%s: %u", cases[i].what,
			     e[0].reason);
		cr_expect_eq(e[0].qual, 0x181, "%s", cases[i].what);
		cr_expect_eq(e[0].idt_info, cases[i].idt_info, "%s: IDT-vectoring %#x", cases[i].what,
			     e[0].idt_info);
		cr_expect_eq(e[0].idt_error, cases[i].idt_error, "%s: error %#x", cases[i].what,
			     e[0].idt_error);
		cr_expect_eq(e[0].len, cases[i].len, "%s: length %u", cases[i].what, e[0].len);
		cr_expect_eq(e[0].intr_state, cases[i].intr_state, "%s: interruptibility %#x",
			     cases[i].what, e[0].intr_state);
		cr_expect_eq(c.nevents, 0, "%s: the guest took %u events", cases[i].what, c.nevents);
		cr_expect_eq(e[1].reason, EXIT_REASON_HLT, "%s: %u", cases[i].what, e[1].reason);
		cr_expect_eq(e[1].idt_info, 0, "%s", cases[i].what);
		free(c.run);
	}
}

/* Only an exit that delivering an event can cause may come during delivery. */
Test(vmx_events, script_refuses_a_delivery_exit_delivery_cannot_cause, .timeout = 10)
{
	struct machine *m = sim_machine_create(1);
	struct sim_guest_exit cpuid = { .reason = EXIT_REASON_CPUID, .during_delivery = true };
	struct sim_guest_exit apic = { .reason = EXIT_REASON_APIC_ACCESS, .during_delivery = true };

	cr_assert(m);
	cr_expect_eq(sim_set_guest_script(m, 0, &cpuid, 1), -EINVAL);
	cr_expect_eq(sim_set_guest_script(m, 0, &apic, 1), 0);
	sim_machine_destroy(m);
}

/* ---- the interrupt window and the NMI window ---- */

/* One entry of @g on @model; its first exit's reason and saved state against the case. */
struct window_case {
	const char *what;
	const char *model;		/* NULL: kabylake */
	struct gspec g;
	uint32_t reason;		/* of the first exit */
	uint32_t intr_state;		/* the interruptibility state it saved */
	uint32_t activity;		/* the activity state it saved */
	unsigned int nevents;		/* events the guest took */
};

static void expect_window(const struct window_case *w)
{
	const char *model = w->model ? w->model : "kabylake";
	char machine[96];
	struct ecase c = { .machine = machine, .ncpus = 1, .run = new_run(model, 1, &w->g) };
	const struct vmxp_exit *e = c.run->exit;

	snprintf(machine, sizeof(machine), "1 slots: %s", model);
	erun_clean(&c, w->what);
	cr_expect_eq(e[0].reason, w->reason, "%s: reason %u", w->what, e[0].reason);
	cr_expect_eq(e[0].intr_state, w->intr_state, "%s: interruptibility %#x", w->what,
		     e[0].intr_state);
	cr_expect_eq(e[0].activity, w->activity, "%s: activity %u", w->what, e[0].activity);
	cr_expect_eq(c.nevents, w->nevents, "%s: %u events", w->what, c.nevents);
	free(c.run);
}

/*
 * Interrupt-window exiting: an exit before any instruction when RFLAGS.IF
 * is 1 and nothing blocks by STI or MOV SS. IF = 0 holds it off for the
 * run; blocking by STI or MOV SS for one instruction (the saved state has
 * the blocking gone). It follows event injection: an injected interrupt's
 * handler runs with IF clear, so no window. It wakes a guest entered in
 * HLT.
 */
Test(vmx_events, interrupt_window_waits_for_if_and_the_shadow, .timeout = 30)
{
	static const uint64_t win = CPU_BASED_INTR_WINDOW_EXITING;
	static const struct window_case cases[] = {
		{ "IF 1", NULL, { .proc = win, .rflags = RFLAGS_IF }, EXIT_REASON_INTERRUPT_WINDOW, 0, 0, 0 },
		{ "IF 0", NULL, { .proc = win }, EXIT_REASON_HLT, 0, 0, 0 },
		{ "STI", NULL, { .proc = win, .rflags = RFLAGS_IF, .intr_state = STI },
		  EXIT_REASON_INTERRUPT_WINDOW, 0, 0, 0 },
		{ "MOV SS", NULL, { .proc = win, .rflags = RFLAGS_IF, .intr_state = MOV_SS },
		  EXIT_REASON_INTERRUPT_WINDOW, 0, 0, 0 },
		{ "after injection", NULL, { .proc = win, .rflags = RFLAGS_IF, .inject = EXT_0X41 },
		  EXIT_REASON_HLT, 0, 0, 1 },
		{ "HLT", NULL, { .proc = win, .rflags = RFLAGS_IF, .activity = GUEST_ACTIVITY_HLT },
		  EXIT_REASON_INTERRUPT_WINDOW, 0, GUEST_ACTIVITY_HLT, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_window(&cases[i]);
}

/*
 * NMI-window exiting with virtual NMIs: an exit before any instruction
 * when there is no virtual-NMI blocking and no blocking by MOV SS. Bit 3
 * (virtual-NMI blocking) holds it off, and so does an injected NMI, which
 * sets it. Blocking by MOV SS holds it off for one instruction; blocking
 * by STI too on a processor that blocks NMIs there (every shipped model,
 * nmi-in-sti-shadow=fail), not on one that does not. It wakes HLT.
 */
Test(vmx_events, nmi_window_with_virtual_nmis, .timeout = 30)
{
	static const uint64_t win = CPU_BASED_NMI_WINDOW_EXITING;
	static const struct window_case cases[] = {
		{ "open", NULL, { .pin = VNMI, .proc = win }, EXIT_REASON_NMI_WINDOW, 0, 0, 0 },
		{ "virtual-NMI blocking", NULL,
		  { .pin = VNMI, .proc = win, .intr_state = NMI_BLOCKED },
		  EXIT_REASON_HLT, NMI_BLOCKED, 0, 0 },
		{ "injected NMI", NULL, { .pin = VNMI, .proc = win, .inject = NMI },
		  EXIT_REASON_HLT, NMI_BLOCKED, 0, 1 },
		{ "MOV SS", NULL, { .pin = VNMI, .proc = win, .intr_state = MOV_SS },
		  EXIT_REASON_NMI_WINDOW, 0, 0, 0 },
		{ "STI, blocks NMIs", NULL,
		  { .pin = VNMI, .proc = win, .rflags = RFLAGS_IF, .intr_state = STI },
		  EXIT_REASON_NMI_WINDOW, 0, 0, 0 },
		{ "STI, does not block NMIs", "kabylake nmi-in-sti-shadow=enter",
		  { .pin = VNMI, .proc = win, .rflags = RFLAGS_IF, .intr_state = STI },
		  EXIT_REASON_NMI_WINDOW, STI, 0, 0 },
		{ "HLT", NULL, { .pin = VNMI, .proc = win, .activity = GUEST_ACTIVITY_HLT },
		  EXIT_REASON_NMI_WINDOW, 0, GUEST_ACTIVITY_HLT, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_window(&cases[i]);
}

/* ---- host NMIs, HLT, INIT and SIPI: signals from CPU 0 ---- */

/* A run of the hypervisor on CPU 1 of two Skylake-SP Xeons, signalled from CPU 0. */
static struct ecase two_cpus(unsigned int entries, const struct gspec *g)
{
	return (struct ecase){ .machine = "2 slots: skylake-sp x2", .ncpus = 2,
			       .run = new_run("skylake-sp", entries, g) };
}

static void signal_op(struct ecase *c, unsigned int entry, uint32_t icr, unsigned int delay,
		      unsigned int repeat)
{
	cr_assert_lt(c->signal.n, VMXP_MAX_SIGNALS);
	c->signal.op[c->signal.n++] = (struct vmxp_signal_op){
		.entry = entry, .icr = icr, .delay = delay, .repeat = repeat,
	};
}

/*
 * An NMI sent to a CPU whose guest waits in HLT: with "NMI exiting" a VM
 * exit (reason 0, interruption information: valid, NMI, vector 2) from
 * HLT, the guest taking nothing; without it the guest takes the NMI
 * through its IDT, wakes, runs and exits on its HLT, its NMIs blocked.
 */
Test(vmx_events, host_nmi_exits_or_reaches_the_guest, .timeout = 30)
{
	const struct gspec exiting = { .pin = PIN_BASED_NMI_EXITING, .activity = GUEST_ACTIVITY_HLT };
	const struct gspec delivered = { .activity = GUEST_ACTIVITY_HLT };
	struct ecase a = two_cpus(1, &exiting), b = two_cpus(1, &delivered);

	signal_op(&a, 1, APIC_DM_NMI, 0, 1);
	erun_clean(&a, "NMI exiting");
	cr_expect_eq(a.run->exit[0].reason, EXIT_REASON_EXCEPTION_NMI, "%u", a.run->exit[0].reason);
	cr_expect_eq(a.run->exit[0].intr_info, NMI, "%#x", a.run->exit[0].intr_info);
	cr_expect_eq(a.run->exit[0].activity, GUEST_ACTIVITY_HLT);
	cr_expect_eq(a.run->exit[0].intr_state, 0);
	cr_expect_eq(a.nevents, 0);

	signal_op(&b, 1, APIC_DM_NMI, 0, 1);
	erun_clean(&b, "no NMI exiting");
	cr_expect_eq(b.run->exit[0].reason, EXIT_REASON_HLT, "%u", b.run->exit[0].reason);
	cr_expect_eq(b.run->exit[0].intr_info, 0);
	cr_expect_eq(b.run->exit[0].activity, GUEST_ACTIVITY_ACTIVE);
	cr_expect_eq(b.run->exit[0].intr_state, NMI_BLOCKED, "%#x", b.run->exit[0].intr_state);
	expect_one_event(&b, NMI, 0, false, "host NMI");
	free(a.run);
	free(b.run);
}

/*
 * A guest entered in HLT runs nothing until an event wakes it: an IPI sent
 * long after the guest would have run its script (a CPUID) is its first
 * exit, an external interrupt from HLT, where an active guest does its
 * CPUID first. An event VM entry injects wakes it at once.
 */
Test(vmx_events, hlt_guest_waits_for_an_event, .timeout = 30)
{
	const struct gspec hlt = { .activity = GUEST_ACTIVITY_HLT };
	const struct gspec active = { 0 };
	const struct gspec injected = { .activity = GUEST_ACTIVITY_HLT, .rflags = RFLAGS_IF,
					.inject = EXT_0X41 };
	const struct sim_guest_exit cpuid = { .reason = EXIT_REASON_CPUID };
	/* 200 PAUSEs: 28000 cycles, past the longest guest run (20000). */
	const uint32_t ipi = APIC_DM_FIXED | RESCHEDULE_VECTOR;
	struct ecase a = two_cpus(1, &hlt), b = two_cpus(1, &active), c = two_cpus(1, &injected);

	a.script[a.nscript++] = cpuid;
	signal_op(&a, 1, ipi, 200, 1);
	erun_clean(&a, "HLT");
	cr_expect_eq(a.run->exit[0].reason, EXIT_REASON_EXTERNAL_INTERRUPT, "%u",
		     a.run->exit[0].reason);
	cr_expect_eq(a.run->exit[0].intr_info, INFO(INTR_TYPE_EXT_INTR, RESCHEDULE_VECTOR));
	cr_expect_eq(a.run->exit[0].activity, GUEST_ACTIVITY_HLT);

	b.script[b.nscript++] = cpuid;
	signal_op(&b, 1, ipi, 200, 1);
	erun_clean(&b, "active");
	cr_expect_eq(b.run->exit[0].reason, EXIT_REASON_CPUID, "%u", b.run->exit[0].reason);

	c.script[c.nscript++] = cpuid;
	erun_clean(&c, "HLT, injection");
	cr_expect_eq(c.run->exit[0].reason, EXIT_REASON_CPUID, "%u", c.run->exit[0].reason);
	cr_expect_eq(c.run->exit[0].activity, GUEST_ACTIVITY_ACTIVE);
	expect_one_event(&c, EXT_0X41, 0, true, "injected into HLT");
	free(a.run);
	free(b.run);
	free(c.run);
}

/*
 * A guest waiting in HLT waits with its task rather than spinning, so
 * every strategy lets the other CPU run and wake it: under pct, dfs and
 * random as under timed, the late IPI is its first exit.
 */
struct strat_case {
	char name[16];
};

ParameterizedTestParameters(vmx_events, a_halted_guest_is_woken_under_every_strategy)
{
	static struct strat_case p[] = { { "timed" }, { "random" }, { "pct:3" }, { "dfs:1" } };

	return cr_make_param_array(struct strat_case, p, sizeof(p) / sizeof(p[0]));
}

ParameterizedTest(struct strat_case *sc, vmx_events, a_halted_guest_is_woken_under_every_strategy,
		  .timeout = 30)
{
	const struct gspec hlt = { .activity = GUEST_ACTIVITY_HLT };
	const struct sim_guest_exit cpuid = { .reason = EXIT_REASON_CPUID };
	struct ecase a = two_cpus(1, &hlt);

	a.strategy = sc->name;
	a.script[a.nscript++] = cpuid;
	signal_op(&a, 1, APIC_DM_FIXED | RESCHEDULE_VECTOR, 200, 1);
	erun_clean(&a, sc->name);
	cr_expect_eq(a.run->exit[0].reason, EXIT_REASON_EXTERNAL_INTERRUPT, "%s: %u", sc->name,
		     a.run->exit[0].reason);
	free(a.run);
}

/* With nothing left to wake it, a guest entered in HLT loses its CPU: a failure report. */
Test(vmx_events, hlt_guest_with_nothing_to_wake_it_is_lost, .timeout = 30)
{
	const struct gspec hlt = { .activity = GUEST_ACTIVITY_HLT };
	struct ecase c = { .machine = "1 slots: skylake-sp", .ncpus = 1,
			   .run = new_run("skylake-sp", 1, &hlt) };
	struct sim_result r = erun(&c);

	cr_assert_eq(r.outcome, SIM_FAILED, "%s", r.message);
	cr_assert(strstr(r.message, "lost to its guest: HLT"), "%s", r.message);
	sim_result_release(&r);
	free(c.run);
}

/*
 * INIT-SIPI as a hypervisor meets it: a SIPI to a guest in HLT is
 * discarded, an INIT ends its run (reason 3); the hypervisor then puts
 * its guest in wait-for-SIPI, where a second INIT is blocked and the SIPI
 * is the exit (reason 4, the vector in the qualification, activity
 * wait-for-SIPI saved).
 */
Test(vmx_events, init_exits_and_sipi_exits_in_wait_for_sipi, .timeout = 30)
{
	const struct gspec hlt = { .activity = GUEST_ACTIVITY_HLT };
	struct ecase c = two_cpus(2, &hlt);
	const struct vmxp_exit *e = c.run->exit;

	c.run->wait_sipi_after_init = true;
	signal_op(&c, 1, APIC_DM_STARTUP | SIPI_VECTOR, 20, 1);
	signal_op(&c, 1, APIC_DM_INIT | APIC_INT_ASSERT, 20, 1);
	signal_op(&c, 2, APIC_DM_INIT | APIC_INT_ASSERT, 20, 1);
	signal_op(&c, 2, APIC_DM_STARTUP | SIPI_VECTOR, 20, 4);
	erun_clean(&c, "INIT, SIPI");
	cr_assert_eq(c.run->nexits, 2);
	cr_expect_eq(e[0].reason, EXIT_REASON_INIT_SIGNAL, "%u", e[0].reason);
	cr_expect_eq(e[0].activity, GUEST_ACTIVITY_HLT);
	cr_expect_eq(e[1].reason, EXIT_REASON_SIPI_SIGNAL, "%u", e[1].reason);
	cr_expect_eq(e[1].qual, SIPI_VECTOR, "%#lx", (unsigned long)e[1].qual);
	cr_expect_eq(e[1].activity, GUEST_ACTIVITY_WAIT_SIPI);
	free(c.run);
}

/*
 * Wait-for-SIPI blocks everything but the SIPI: an NMI, an IPI with
 * external-interrupt exiting, the NMI and interrupt windows and the
 * VMX-preemption timer at 0 all leave the guest waiting; the SIPI is the
 * exit.
 */
Test(vmx_events, wait_for_sipi_blocks_all_but_the_sipi, .timeout = 30)
{
	const struct gspec wfs = {
		.pin = VNMI, .rflags = RFLAGS_IF, .activity = GUEST_ACTIVITY_WAIT_SIPI,
		.proc = CPU_BASED_NMI_WINDOW_EXITING | CPU_BASED_INTR_WINDOW_EXITING,
		.timer_zero = true,
	};
	struct ecase c = two_cpus(1, &wfs);

	signal_op(&c, 1, APIC_DM_NMI, 0, 1);
	signal_op(&c, 1, APIC_DM_FIXED | RESCHEDULE_VECTOR, 0, 1);
	signal_op(&c, 1, APIC_DM_INIT | APIC_INT_ASSERT, 20, 1);
	signal_op(&c, 1, APIC_DM_STARTUP | SIPI_VECTOR, 20, 4);
	erun_clean(&c, "wait-for-SIPI");
	cr_expect_eq(c.run->exit[0].reason, EXIT_REASON_SIPI_SIGNAL, "%u", c.run->exit[0].reason);
	cr_expect_eq(c.run->exit[0].qual, SIPI_VECTOR);
	free(c.run);
}

/* ---- concurrent events ---- */

/*
 * Everything at once at the first instruction boundary after entry: an
 * INIT and an IPI the CPU sent itself in VMX root operation (blocked and
 * pending there), the VMX-preemption timer at 0, an open NMI window with
 * virtual NMIs, an open interrupt window. The exit is the highest in the
 * SDM's order: INIT, the timer, the NMI window, the interrupt window, the
 * external interrupt; taking the highest away each time shows the next.
 * An event VM entry injects comes before all of them.
 */
Test(vmx_events, concurrent_events_in_the_sdm_order, .timeout = 30)
{
	enum { INIT_SELF = 1, IPI_SELF = 2, TIMER = 4, NMI_WIN = 8, INTR_WIN = 16, INJECT = 32 };
	static const struct {
		unsigned int has;
		uint32_t reason;
	} cases[] = {
		{ INIT_SELF | IPI_SELF | TIMER | NMI_WIN | INTR_WIN, EXIT_REASON_INIT_SIGNAL },
		{ IPI_SELF | TIMER | NMI_WIN | INTR_WIN, EXIT_REASON_PREEMPTION_TIMER },
		{ IPI_SELF | NMI_WIN | INTR_WIN, EXIT_REASON_NMI_WINDOW },
		{ IPI_SELF | INTR_WIN, EXIT_REASON_INTERRUPT_WINDOW },
		{ IPI_SELF, EXIT_REASON_EXTERNAL_INTERRUPT },
		{ 0, EXIT_REASON_HLT },
		{ INJECT | INIT_SELF | IPI_SELF | TIMER | NMI_WIN | INTR_WIN, EXIT_REASON_INIT_SIGNAL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int has = cases[i].has;
		const struct gspec g = {
			.pin = (has & NMI_WIN) ? VNMI : 0,
			.proc = ((has & NMI_WIN) ? CPU_BASED_NMI_WINDOW_EXITING : 0) |
				((has & INTR_WIN) ? CPU_BASED_INTR_WINDOW_EXITING : 0),
			.rflags = RFLAGS_IF, .timer_zero = has & TIMER,
			.inject = (has & INJECT) ? EXT_0X41 : 0,
		};
		struct ecase c = { .machine = "1 slots: skylake-sp", .ncpus = 1,
				   .run = new_run("skylake-sp", 1, &g) };

		if (has & INIT_SELF)
			c.run->self_icr[c.run->nself_icr++] = APIC_DM_INIT | APIC_INT_ASSERT;
		if (has & IPI_SELF)
			c.run->self_icr[c.run->nself_icr++] = APIC_DM_FIXED | RESCHEDULE_VECTOR;
		erun_clean(&c, "concurrent");
		cr_expect_eq(c.run->exit[0].reason, cases[i].reason, "case %zu: reason %u", i,
			     c.run->exit[0].reason);
		cr_expect_eq(c.nevents, (has & INJECT) ? 1 : 0, "case %zu: %u events", i, c.nevents);
		free(c.run);
	}
}
