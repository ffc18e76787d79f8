// SPDX-License-Identifier: MIT
/*
 * Running scenarios (tools/scenario_run.c, tools/syz_exec.c): the seed-004
 * scenario's syzkaller program, run by the executor against hv/,
 * reproduces the WARN on its pre-fix variant, with a token that replays
 * it, and not on the fixed one; what the executor cannot run is refused
 * with the file and line; titles come out as syzkaller writes them. The
 * seed scenarios' traces carry what a timeline viewer draws: the hot-added
 * CPU's states, the locks held, and each report with the events it names.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "hvsim/sim.h"
#include "hvsim/trace.h"
#include "scenario.h"
#include "scenario_run.h"

#define APICV	HVSIM_SCENARIOS_DIR "/apicv-create-race.scn"
#define KICK	HVSIM_SCENARIOS_DIR "/kick-vcpu-cpu.scn"
#define HOTPLUG	HVSIM_SCENARIOS_DIR "/hotplug-compat.scn"

static struct scn *load(const char *path)
{
	struct scn *s = NULL;
	char err[1024] = "";

	cr_assert_eq(scn_load(path, NULL, &s, err, sizeof(err)), 0, "%s", err);
	return s;
}

static struct scn_runner *runner_of(const struct scn *s, const char *file, const char *variant)
{
	const struct scn_variant *v = scn_variant_find(s, variant);
	struct scn_runner *r = NULL;
	char err[1024] = "";

	cr_assert(v, "no variant %s", variant);
	cr_assert_eq(scn_runner_new(s, file, file, v, &r, err, sizeof(err)), 0, "%s", err);
	return r;
}

static struct scn_runner *runner(const struct scn *s, const char *variant)
{
	return runner_of(s, "apicv-create-race.scn", variant);
}

Test(scenario_run, seed004_pre_fix_reproduces_and_its_token_replays_it, .timeout = 300)
{
	struct scn *s = load(APICV);
	struct scn_runner *r = runner(s, "pre-fix-dfs");
	const struct scn_variant *v = scn_variant_find(s, "pre-fix-dfs");
	struct sim_explore_opts o = { .strategy = v->strategy, .seed = 1, .budget = v->within };
	struct sim_result res, rep;
	char err[256], title[256], title2[256];

	cr_assert_eq(sim_explore(scn_runner_program(r), &o, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_null(scn_runner_setup_error(r));
	cr_assert_eq(res.failures, 1, "not found in %llu schedules", (unsigned long long)res.schedules);
	scn_title(&res, title, sizeof(title));
	cr_expect_str_eq(title, "WARNING in vcpu_enter_guest");
	cr_expect(scn_title_matches(v, &res, title));
	cr_assert_eq(sim_replay(scn_runner_program(r), res.token, false, 0, &rep, err, sizeof(err)),
		     0, "%s", err);
	scn_title(&rep, title2, sizeof(title2));
	cr_expect_str_eq(title2, title);
	cr_expect_str_eq(rep.reports ? rep.reports : "", res.reports ? res.reports : "");
	sim_result_release(&rep);
	sim_result_release(&res);
	scn_runner_free(r);
	scn_free(s);
}

/* A title that begins with @arg. */
static bool title_prefixed(const struct sim_result *run, void *arg)
{
	char t[256];

	scn_title(run, t, sizeof(t));
	return !strncmp(t, arg, strlen(arg));
}

/*
 * @r explored under @strategy for @budget schedules fails first with
 * @title; a @title ending in '*' is a prefix, and a failure with another
 * title before it is passed over (a deadlock's count of blocked tasks, and
 * which of a variant's failures comes first, depend on the schedule and on
 * the compiler's step counts).
 */
static void expect_found(struct scn_runner *r, const char *strategy, uint64_t budget,
			 const char *title, const char *in_reports)
{
	struct sim_explore_opts o = { .strategy = strategy, .seed = 1, .budget = budget };
	struct sim_result res;
	char err[256], got[256], prefix[256];

	if (title[strlen(title) - 1] == '*') {
		snprintf(prefix, sizeof(prefix), "%.*s", (int)strlen(title) - 1, title);
		o.accept = title_prefixed;
		o.accept_arg = prefix;
	}

	cr_assert_eq(sim_explore(scn_runner_program(r), &o, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(res.failures, 1, "%s: not found in %llu schedules", strategy,
		     (unsigned long long)res.schedules);
	scn_title(&res, got, sizeof(got));
	/* A title ending in '*' is a prefix (a deadlock's count of tasks depends on the schedule). */
	if (title[strlen(title) - 1] == '*')
		cr_expect(!strncmp(got, title, strlen(title) - 1), "%s: %s", strategy, got);
	else
		cr_expect_str_eq(got, title);
	if (in_reports)
		cr_expect(res.reports && strstr(res.reports, in_reports), "%s",
			  res.reports ? res.reports : "");
	sim_result_release(&res);
}

/* ... and clean for all of @budget schedules. */
static void expect_clean(struct scn_runner *r, const char *strategy, uint64_t budget)
{
	struct sim_explore_opts o = { .strategy = strategy, .seed = 1, .budget = budget };
	struct sim_result res;
	char err[256];

	cr_assert_eq(sim_explore(scn_runner_program(r), &o, &res, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(res.failures, 0, "%s: %s\n%s", strategy, res.message,
		     res.reports ? res.reports : "");
	cr_expect(res.schedules == budget || res.exhausted, "%s: %llu schedules", strategy,
		  (unsigned long long)res.schedules);
	sim_result_release(&res);
}

Test(scenario_run, seed004_fixed_is_clean, .timeout = 300)
{
	struct scn *s = load(APICV);
	struct scn_runner *r = runner(s, "fixed");

	expect_clean(r, "pct:3", 2000);
	scn_runner_free(r);
	scn_free(s);
}

/*
 * Seed 003 as a scenario: KVM_RUNs in threads pinned to CPUs 0, 1, 0 and
 * dirty-log reads (which kick the vCPU) on CPU 2. Pre-fix KCSAN reports
 * the kick's plain read of vcpu->cpu against vcpu_load()'s write; fixed,
 * nothing (the executor's done flags are release/acquire, so its own
 * hand-offs between threads are ordered, as syz-executor's are).
 */
Test(scenario_run, seed003_kick_races_with_vcpu_load_before_the_fix, .timeout = 300)
{
	struct scn *s = load(KICK);
	struct scn_runner *pre = runner_of(s, "kick-vcpu-cpu.scn", "pre-fix");
	struct scn_runner *fixed = runner_of(s, "kick-vcpu-cpu.scn", "fixed");

	expect_found(pre, "pct:3", 2000, "KCSAN: data-race in kvm_arch_vcpu_load / kvm_vcpu_kick",
		     NULL);
	expect_clean(fixed, "pct:3", 2000);
	scn_runner_free(pre);
	scn_runner_free(fixed);
	scn_free(s);
}

static void expect_match(const char *text, const char *pattern)
{
	regex_t re;

	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0, "%s", pattern);
	cr_expect_eq(regexec(&re, text, 0, NULL, 0), 0, "/%s/ not in:\n%s", pattern, text);
	regfree(&re);
}

static void expect_no_match(const char *text, const char *pattern)
{
	regex_t re;

	cr_assert_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NEWLINE), 0, "%s", pattern);
	cr_expect_neq(regexec(&re, text, 0, NULL, 0), 0, "/%s/ in:\n%s", pattern, text);
	regfree(&re);
}

/*
 * Seed 003's report as syzkaller's symbolizer would leave it: hv/'s frames
 * with file:line relative to the source tree (line numbers move with
 * every edit: matched by pattern), and the racing memory named by the
 * vCPU cache and member.
 */
Test(scenario_run, seed003_report_has_file_lines_and_names_the_vcpu_member, .timeout = 300)
{
	struct scn *s = load(KICK);
	struct scn_runner *pre = runner_of(s, "kick-vcpu-cpu.scn", "pre-fix");
	struct sim_explore_opts o = { .strategy = "pct:3", .seed = 1, .budget = 2000 };
	struct sim_result res;
	char err[256];

	cr_assert_eq(sim_explore(scn_runner_program(pre), &o, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(res.failures, 1);
	cr_assert_not_null(res.reports);
	expect_match(res.reports, "^read to 0xffff888[0-9a-f]+ of 4 bytes by task [0-9]+ on cpu [0-9]:\n"
				  " at kvm_vcpu\\+0x[0-9a-f]+ \\(kvm_vcpu->cpu\\)\n"
				  " kvm_vcpu_kick\\+0x[0-9a-f]+/0x[0-9a-f]+ hv/kvm_main\\.c:[0-9]+\n");
	expect_match(res.reports, "^write to 0xffff888[0-9a-f]+ of 4 bytes by task [0-9]+ on cpu [0-9]:\n"
				  " at kvm_vcpu\\+0x[0-9a-f]+ \\(kvm_vcpu->cpu\\)\n"
				  " kvm_arch_vcpu_load\\+0x[0-9a-f]+/0x[0-9a-f]+ hv/x86\\.c:[0-9]+\n");
	expect_match(res.reports, "^ kvm_vcpu_ioctl\\+0x[0-9a-f]+/0x[0-9a-f]+ hv/kvm_main\\.c:[0-9]+$");
	/* No absolute path of this machine after any frame. */
	expect_no_match(res.reports, " /[^ ]");
	expect_match(res.reports, "^ [a-z_]+\\+0x[0-9a-f]+/0x[0-9a-f]+ sim/kernel/fs\\.c:[0-9]+$");
	sim_result_release(&res);
	scn_runner_free(pre);
	scn_free(s);
}

/*
 * Seed 000 as a scenario: the hot-add of a CPU without VMX runs at a moment
 * the strategy picks while the VM is created. Without the hotplug lock the
 * IPI's VMXON reaches it unchecked (a #GP); fixed, it is refused.
 */
Test(scenario_run, seed000_hot_add_escapes_the_check_without_the_lock, .timeout = 300)
{
	struct scn *s = load(HOTPLUG);
	struct scn_runner *pre = runner_of(s, "hotplug-compat.scn", "no-lock");
	struct scn_runner *fixed = runner_of(s, "hotplug-compat.scn", "fixed");

	expect_found(pre, "pct:3", 2000, "general protection fault in vmx_hardware_enable",
		     "hardware_enable_nolock");
	expect_clean(fixed, "dfs:2", 5000);
	cr_expect_neq(scn_runner_event_result(fixed, 0), 0, "the CPU is refused");
	cr_expect_geq(scn_runner_call_result(fixed, 1), 0, "the VM is created");
	scn_runner_free(pre);
	scn_runner_free(fixed);
	scn_free(s);
}

/*
 * Seed 001 as a scenario: the failing VM creation's error path, with
 * another VM's life and a pending hot-add. Pre-fix, lockdep's "lock held
 * when returning to user space" first under pct:3 (and a deadlock under
 * random); fixed, clean, the failing creation gets -ENOMEM.
 */
Test(scenario_run, seed001_error_path_leaks_the_hotplug_lock_before_the_fix, .timeout = 300)
{
	struct scn *s = load(HVSIM_SCENARIOS_DIR "/vm-create-error-path.scn");
	struct scn_runner *pre = runner_of(s, "vm-create-error-path.scn", "pre-fix");
	struct scn_runner *fixed = runner_of(s, "vm-create-error-path.scn", "fixed");

	expect_found(pre, "pct:3", 500, "WARNING: lock held when returning to user space!", NULL);
	expect_found(pre, "random", 500, "INFO: deadlock: *", NULL);
	expect_clean(fixed, "pct:3", 500);
	cr_expect_eq(scn_runner_call_result(fixed, 1), -ENOMEM);
	scn_runner_free(pre);
	scn_runner_free(fixed);
	scn_free(s);
}

/* A parameter no module has is bad input, found when the run sets it up. */
Test(scenario_run, an_unknown_parameter_is_a_setup_error, .timeout = 60)
{
	static const char text[] =
		"machine 2 slots: skylake-sp x2\n"
		"param no_such_param=1\n"
		"variant fixed fixed\n"
		"expect fixed clean under dfs:2\n"
		"program\n"
		"r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\n";
	struct scn *s = NULL;
	struct scn_runner *r = NULL;
	struct sim_explore_opts o = { .strategy = "timed", .seed = 1, .budget = 1 };
	struct sim_result res;
	char err[1024] = "";

	cr_assert_eq(scn_parse("p.scn", text, strlen(text), NULL, &s, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(scn_runner_new(s, "p.scn", "p.scn", &s->variants[0], &r, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_eq(sim_explore(scn_runner_program(r), &o, &res, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(scn_runner_setup_error(r) ? scn_runner_setup_error(r) : "",
			 "line 2: param no_such_param=1: no module has this parameter");
	sim_result_release(&res);
	scn_runner_free(r);
	scn_free(s);
}

/* What the executor cannot run: refused with the file and line, before any run. */
Test(scenario_run, what_the_executor_cannot_run_is_refused, .timeout = 60)
{
	static const struct {
		const char *text, *err;
	} cases[] = {
		{ "machine 2 slots: skylake-sp x2\n"
		  "variant fixed fixed\nexpect fixed clean under dfs:2\nprogram\n"
		  "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000fff000), 0x0, 0x0)\n",
		  "r.scn:5:37: data at offset 0xfff000 (9 bytes) goes past the 64768 bytes of the simulated process's data area" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct scn *s = NULL;
		struct scn_runner *r = NULL;
		char err[1024] = "";

		cr_assert_eq(scn_parse("r.scn", cases[i].text, strlen(cases[i].text), NULL, &s, err,
				       sizeof(err)), 0, "%s", err);
		cr_expect_neq(scn_runner_new(s, "r.scn", "r.scn", &s->variants[0], &r, err,
					     sizeof(err)), 0);
		cr_expect_str_eq(err, cases[i].err);
		scn_free(s);
	}
}

/* Titles as syzkaller gives them, from the reports' first lines. */
Test(scenario_run, titles_are_syzkallers)
{
	static const struct {
		const char *message, *reports, *title;
	} cases[] = {
		{ "WARNING: CPU: 1 PID: 9 at hv/x86.c:458 vcpu_enter_guest+0x3e2/0x42a", "",
		  "WARNING in vcpu_enter_guest" },
		{ "BUG: KCSAN: data-race in kvm_arch_vcpu_load / kvm_vcpu_kick", "",
		  "KCSAN: data-race in kvm_arch_vcpu_load / kvm_vcpu_kick" },
		{ "general protection fault: 0000 [#1] PREEMPT SMP",
		  "general protection fault: 0000 [#1] PREEMPT SMP\nRIP: hardware_enable_nolock+0x12/0x40\n",
		  "general protection fault in hardware_enable_nolock" },
		{ "invalid opcode: 0000 [#1] PREEMPT SMP", "", "invalid opcode" },
		/* Inlined functions' RIP lines are the symbolizer's: the title skips them. */
		{ "general protection fault: 0000 [#1] PREEMPT SMP",
		  "general protection fault: 0000 [#1] PREEMPT SMP\n"
		  "RIP: kvm_cpu_vmxon hv/vmx.c:708 [inline]\n"
		  "RIP: vmx_hardware_enable+0x4c/0x142 hv/vmx.c:732\n",
		  "general protection fault in vmx_hardware_enable" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sim_result r = { .outcome = SIM_FAILED };
		char title[256];

		snprintf(r.message, sizeof(r.message), "%s", cases[i].message);
		r.reports = (char *)cases[i].reports;
		scn_title(&r, title, sizeof(title));
		cr_expect_str_eq(title, cases[i].title);
	}
}

/*
 * A run and its token's replay are the same run, event for event, under
 * every strategy: the replay consults the strategy only where the run made
 * a non-default decision, so a consultation must change nothing by itself.
 * (It did: a decision among a blocking vCPU's sched-out notifier steps saw
 * its CPU as unable to go on, and ended the program as stuck.) The seed-004
 * scenario's vCPUs block and wake throughout.
 */
static void expect_same_events(const struct sim_result *a, const struct sim_result *b,
			       const char *what)
{
	struct trace_reader *ta, *tb;
	struct trace_event ea, eb;
	char err[256];
	unsigned int n = 0;

	cr_assert_eq(trace_reader_open_mem(&ta, a->trace, a->trace_len, "run", err, sizeof(err)), 0);
	cr_assert_eq(trace_reader_open_mem(&tb, b->trace, b->trace_len, "replay", err, sizeof(err)), 0);
	for (;; n++) {
		int ra = trace_next(ta, &ea, err, sizeof(err));
		int rb = trace_next(tb, &eb, err, sizeof(err));

		cr_assert_eq(ra, rb, "%s: event %u: one trace ends first", what, n);
		if (ra != 1)
			break;
		cr_assert(ea.type == eb.type && ea.step == eb.step && ea.cpu == eb.cpu &&
			  ea.task == eb.task && ea.cycle == eb.cycle && ea.kind == eb.kind,
			  "%s: event %u differs: type %u step %llu cpu %u task %u / type %u step %llu cpu %u task %u",
			  what, n, ea.type, (unsigned long long)ea.step, ea.cpu, ea.task, eb.type,
			  (unsigned long long)eb.step, eb.cpu, eb.task);
	}
	trace_reader_close(ta);
	trace_reader_close(tb);
}

Test(scenario_run, every_strategys_runs_replay_event_for_event, .timeout = 300)
{
	static const struct { char spec[8]; uint64_t budget; } cases[] = {
		{ "timed", 1 }, { "random", 1 }, { "pct:3", 1 }, { "dfs:2", 1 },
		{ "dfs:2", 40 }, { "dfs:2", 1521 },
	};
	struct scn *s = load(APICV);
	struct scn_runner *r = runner(s, "pre-fix");
	char err[256], what[160];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (uint64_t seed = 1; seed <= (cases[i].budget == 1 ? 12 : 1); seed++) {
			struct sim_explore_opts o = {
				.strategy = cases[i].spec, .seed = seed, .budget = cases[i].budget,
				.trace_every_run = true,
			};
			struct sim_result a, b;

			snprintf(what, sizeof(what), "%s seed %llu budget %llu", cases[i].spec,
				 (unsigned long long)seed, (unsigned long long)cases[i].budget);
			cr_assert_eq(sim_explore(scn_runner_program(r), &o, &a, err, sizeof(err)), 0,
				     "%s", err);
			cr_assert_eq(sim_replay(scn_runner_program(r), a.token, true, 0, &b, err,
						sizeof(err)), 0, "%s: %s", what, err);
			cr_expect_eq(a.steps, b.steps, "%s: %llu steps, replayed %llu", what,
				     (unsigned long long)a.steps, (unsigned long long)b.steps);
			expect_same_events(&a, &b, what);
			sim_result_release(&a);
			sim_result_release(&b);
		}
	}
	scn_runner_free(r);
	scn_free(s);
}

/* ---- the records a viewer draws, from the seed scenarios' runs -------------------- */

/*
 * The failure exploring @r under @strategy (seed 1, at most @budget
 * schedules) finds, titled @title, replayed with its trace: the replay's
 * result into @res (the caller releases it), its trace read into @t.
 */
static void traced_failure(struct scn_runner *r, const char *strategy, uint64_t budget,
			   const char *title, struct sim_result *res, struct harness_trace *t)
{
	struct sim_explore_opts o = { .strategy = strategy, .seed = 1, .budget = budget };
	struct sim_result found;
	char err[256], got[256];

	cr_assert_eq(sim_explore(scn_runner_program(r), &o, &found, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(found.failures, 1, "%s: not found in %llu schedules", strategy,
		     (unsigned long long)found.schedules);
	cr_assert_eq(sim_replay(scn_runner_program(r), found.token, true, 0, res, err, sizeof(err)),
		     0, "%s", err);
	sim_result_release(&found);
	scn_title(res, got, sizeof(got));
	cr_expect_str_eq(got, title);
	harness_trace_open(t, res->trace, res->trace_len);
}

/* The states CPU @cpu's TR_CPUHP records give it, in order, into @states: how many. */
static size_t cpu_states(const struct harness_trace *t, unsigned int cpu, unsigned int *states,
			 size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n && n < max; i++)
		if (t->ev[i].type == TR_CPUHP && t->ev[i].to_cpu == cpu)
			states[n++] = t->ev[i].value;
	return n;
}

static void expect_states(const struct harness_trace *t, unsigned int cpu,
			  const unsigned int *want, size_t nwant, const char *what)
{
	unsigned int states[16];
	size_t n = cpu_states(t, cpu, states, 16);

	cr_expect_eq(n, nwant, "%s: CPU %u went through %zu states", what, cpu, n);
	for (size_t i = 0; i < n && i < nwant; i++)
		cr_expect_eq(states[i], want[i], "%s: CPU %u's state %zu is %s, not %s", what, cpu, i,
			     trace_cpu_state_name(states[i]), trace_cpu_state_name(want[i]));
}

/* The index of the first event of @type at @from or after in @t (t->n: none). */
static size_t next_event(const struct harness_trace *t, size_t from, unsigned int type)
{
	while (from < t->n && t->ev[from].type != type)
		from++;
	return from;
}

/* One task's hold on one lock class, as its TR_LOCK records leave it. */
struct lock_hold {
	uint32_t task;
	char name[64];
	unsigned int depth;		/* acquisitions not released yet */
	unsigned int acquired;		/* acquisitions in all */
	uint64_t first_step;		/* of the first acquisition */
};

/*
 * Follow @t's TR_LOCK records of the classes in @names per task: no task
 * releases what it does not hold, and a task that contends acquires
 * before it contends again. The holds into @h (at most @max): how many.
 */
static size_t lock_holds(const struct harness_trace *t, const char *const *names, size_t nnames,
			 struct lock_hold *h, size_t max, const char *what)
{
	bool waiting[SIM_MAX_TASKS] = { false };
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct trace_event *e = &t->ev[i];
		const char *name = harness_trace_str(t, e->str);
		struct lock_hold *x = NULL;
		bool known = false;

		if (e->type != TR_LOCK)
			continue;
		for (size_t k = 0; k < nnames; k++)
			known |= !strcmp(name, names[k]);
		if (!known)
			continue;
		for (size_t k = 0; k < n && !x; k++)
			if (h[k].task == e->task && !strcmp(h[k].name, name))
				x = &h[k];
		if (!x) {
			cr_assert_lt(n, max);
			x = &h[n++];
			memset(x, 0, sizeof(*x));
			x->task = e->task;
			snprintf(x->name, sizeof(x->name), "%s", name);
		}
		cr_assert_lt(e->task, SIM_MAX_TASKS);
		switch (e->kind) {
		case TR_LOCK_CONTENDED:
			cr_expect(!waiting[e->task], "%s: t%u contends twice", what, e->task);
			waiting[e->task] = true;
			break;
		case TR_LOCK_ACQUIRE:
			if (!x->acquired++)
				x->first_step = e->step;
			x->depth++;
			waiting[e->task] = false;
			break;
		case TR_LOCK_RELEASE:
			cr_expect_gt(x->depth, 0, "%s: t%u releases %s at step %llu, not holding it",
				     what, e->task, name, (unsigned long long)e->step);
			if (x->depth)
				x->depth--;
			break;
		}
	}
	return n;
}

/*
 * Seed 000 fixed: the hot-added CPU without VMX comes up, is refused by
 * kvm_online_cpu() and goes back down, all under add_cpu()'s write hold
 * of cpu_hotplug_lock; the VM's creation takes it for read and waits for
 * the hot-add (the fix). Every acquisition of the hotplug lock and of
 * kvm_lock is released by the task that made it.
 */
Test(scenario_run, seed000_fixed_trace_has_the_refused_hot_add_under_the_write_lock, .timeout = 120)
{
	static const char *const names[] = { "cpu_hotplug_lock", "kvm_lock" };
	static const unsigned int refused[] = {
		TR_CPU_OFFLINE, TR_CPU_BRINGUP, TR_CPU_ONLINE, TR_CPU_TEARDOWN, TR_CPU_OFFLINE,
	};
	static const unsigned int booted[] = { TR_CPU_ACTIVE };
	struct scn *s = load(HOTPLUG);
	struct scn_runner *r = runner_of(s, "hotplug-compat.scn", "fixed");
	struct sim_explore_opts o = { .strategy = "timed", .seed = 1, .budget = 1,
				      .trace_every_run = true };
	struct lock_hold h[16];
	uint64_t wlock = 0, wunlock = 0, contended = 0;
	uint32_t hotplug_task = UINT32_MAX;
	unsigned int reads = 0, kvm_lock = 0;
	struct harness_trace t;
	struct sim_result res;
	size_t n, i;
	char err[256];

	cr_assert_eq(sim_explore(scn_runner_program(r), &o, &res, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(res.outcome, SIM_OK, "%s", res.message);
	harness_trace_open(&t, res.trace, res.trace_len);
	expect_states(&t, 2, refused, 5, "fixed");
	expect_states(&t, 0, booted, 1, "fixed");
	expect_states(&t, 1, booted, 1, "fixed");
	i = next_event(&t, 0, TR_CPUHP);
	while (i < t.n && t.ev[i].value != TR_CPU_BRINGUP)
		i = next_event(&t, i + 1, TR_CPUHP);
	cr_assert_lt(i, t.n);
	hotplug_task = t.ev[i].task;
	n = lock_holds(&t, names, 2, h, 16, "fixed");
	for (size_t k = 0; k < n; k++) {
		cr_expect_eq(h[k].depth, 0, "t%u still holds %s", h[k].task, h[k].name);
		if (!strcmp(h[k].name, "kvm_lock"))
			kvm_lock += h[k].acquired;
	}
	cr_expect_gt(kvm_lock, 0, "kvm_lock never taken");
	for (i = 0; i < t.n; i++) {
		const struct trace_event *e = &t.ev[i];

		if (e->type != TR_LOCK || strcmp(harness_trace_str(&t, e->str), "cpu_hotplug_lock"))
			continue;
		if (e->value == TR_LOCK_WRITE) {
			cr_expect_eq(e->task, hotplug_task, "the write hold is add_cpu()'s");
			*(e->kind == TR_LOCK_ACQUIRE ? &wlock : &wunlock) = e->step;
		} else if (e->kind == TR_LOCK_CONTENDED) {
			contended = e->step;
		} else if (e->kind == TR_LOCK_ACQUIRE) {
			reads++;
			cr_expect(!wlock || wunlock > wlock, "a read acquisition at step %llu inside the write hold",
				  (unsigned long long)e->step);
		}
		cr_expect_eq(e->region, TR_REGION_HEAP, "the hotplug lock is the kernel model's");
	}
	cr_expect(wlock && wunlock > wlock, "no write hold: %llu..%llu", (unsigned long long)wlock,
		  (unsigned long long)wunlock);
	cr_expect(contended > wlock && contended < wunlock,
		  "the VM's creation did not wait for the hot-add (contended at %llu)",
		  (unsigned long long)contended);
	cr_expect_gt(reads, 0);
	/* The CPU's whole round trip happens inside the write hold. */
	for (i = 0; i < t.n; i++)
		if (t.ev[i].type == TR_CPUHP && t.ev[i].step)
			cr_expect(t.ev[i].step >= wlock && t.ev[i].step <= wunlock,
				  "state %s at step %llu", trace_cpu_state_name(t.ev[i].value),
				  (unsigned long long)t.ev[i].step);
	harness_trace_close(&t);
	sim_result_release(&res);
	scn_runner_free(r);
	scn_free(s);
}

/*
 * Seed 000 without the lock, the failure pct:3 finds: CPU 2 is online and
 * not yet active when the IPI's VMXON faults there (an oops, marked at its
 * site on CPU 2), with add_cpu()'s write hold of cpu_hotplug_lock and the
 * IPI sender's kvm_count_lock still held: the run ends inside both.
 */
Test(scenario_run, seed000_failing_trace_ends_inside_the_hot_add, .timeout = 120)
{
	static const char *const names[] = { "cpu_hotplug_lock", "kvm_count_lock", "kvm_lock" };
	static const unsigned int online[] = { TR_CPU_OFFLINE, TR_CPU_BRINGUP, TR_CPU_ONLINE };
	struct scn *s = load(HOTPLUG);
	struct scn_runner *r = runner_of(s, "hotplug-compat.scn", "no-lock");
	const struct trace_event *bringup = NULL, *ipi = NULL, *mark;
	struct lock_hold h[16];
	struct harness_trace t;
	struct sim_result res;
	unsigned int held = 0;
	size_t n, rep;

	traced_failure(r, "pct:3", 2000, "general protection fault in vmx_hardware_enable", &res, &t);
	expect_states(&t, 2, online, 3, "no-lock");
	for (size_t i = 0; i < t.n; i++) {
		if (t.ev[i].type == TR_CPUHP && t.ev[i].value == TR_CPU_BRINGUP)
			bringup = &t.ev[i];
		if (t.ev[i].type == TR_IPI && t.ev[i].to_cpu == 2)
			ipi = &t.ev[i];
	}
	cr_assert(bringup && ipi, "no bring-up or no IPI to CPU 2");
	n = lock_holds(&t, names, 3, h, 16, "no-lock");
	for (size_t k = 0; k < n; k++) {
		if (!h[k].depth)
			continue;
		held++;
		if (!strcmp(h[k].name, "cpu_hotplug_lock"))
			cr_expect(h[k].task == bringup->task && h[k].first_step <= bringup->step,
				  "cpu_hotplug_lock held by t%u", h[k].task);
		else
			cr_expect(!strcmp(h[k].name, "kvm_count_lock") && h[k].task == ipi->task,
				  "%s held by t%u", h[k].name, h[k].task);
	}
	cr_expect_eq(held, 2, "%u locks held at the end", held);
	rep = next_event(&t, 0, TR_REPORT);
	cr_assert_lt(rep + 2, t.n);
	cr_expect_eq(t.ev[rep].kind, TR_REPORT_OOPS);
	mark = &t.ev[rep + 2];
	cr_expect(mark->type == TR_MARK && mark->kind == TR_MARK_SITE && mark->to_cpu == 2 &&
		  mark->args[0] == t.ev[rep].step && mark->pc, "the fault's site");
	harness_trace_close(&t);
	sim_result_release(&res);
	scn_runner_free(r);
	scn_free(s);
}

/*
 * Seed 001: the failure pct:3 finds is lockdep's "lock held when
 * returning to user space", and its one mark is the acquisition of the
 * leaked lock, cpu_hotplug_lock, where that task's TR_LOCK acquisition
 * stands. The pending hot-add brings CPU 2 all the way up first.
 */
Test(scenario_run, seed001_lockdep_marks_the_leaked_acquisition, .timeout = 120)
{
	static const unsigned int up[] = {
		TR_CPU_OFFLINE, TR_CPU_BRINGUP, TR_CPU_ONLINE, TR_CPU_ACTIVE,
	};
	struct scn *s = load(HVSIM_SCENARIOS_DIR "/vm-create-error-path.scn");
	struct scn_runner *r = runner_of(s, "vm-create-error-path.scn", "pre-fix");
	const struct trace_event *m;
	struct harness_trace t;
	struct sim_result res;
	bool found = false;
	size_t rep;

	traced_failure(r, "pct:3", 500, "WARNING: lock held when returning to user space!", &res, &t);
	expect_states(&t, 2, up, 4, "pre-fix");
	rep = next_event(&t, 0, TR_REPORT);
	cr_assert_lt(rep + 2, t.n);
	cr_expect_eq(t.ev[rep].kind, TR_REPORT_LOCKDEP);
	cr_expect_str_eq(harness_trace_str(&t, t.ev[rep].str),
			 "WARNING: lock held when returning to user space!");
	cr_expect_eq(t.ev[rep + 1].type, TR_LOG);
	m = &t.ev[rep + 2];
	cr_assert_eq(m->type, TR_MARK);
	cr_expect(rep + 3 >= t.n || t.ev[rep + 3].type != TR_MARK, "one lock held, one mark");
	cr_expect_eq(m->kind, TR_MARK_ACQUIRE);
	cr_expect_str_eq(harness_trace_str(&t, m->str), "cpu_hotplug_lock");
	cr_expect_eq(m->to_task, t.ev[rep].task, "the leaking task's own acquisition");
	for (size_t i = 0; i < rep; i++) {
		const struct trace_event *e = &t.ev[i];

		found |= e->type == TR_LOCK && e->kind == TR_LOCK_ACQUIRE &&
			 e->value == TR_LOCK_READ && e->step == m->args[0] && e->cpu == m->to_cpu &&
			 e->task == m->to_task && e->pc == m->pc &&
			 !strcmp(harness_trace_str(&t, e->str), "cpu_hotplug_lock");
	}
	cr_expect(found, "no read acquisition of cpu_hotplug_lock at step %llu",
		  (unsigned long long)m->args[0]);
	harness_trace_close(&t);
	sim_result_release(&res);
	scn_runner_free(r);
	scn_free(s);
}

/*
 * Seed 003's data race: the report (kind race) is followed by its title
 * and two marks, the write and the read, each at a step where the marked
 * task's TR_ACCESS of that kind stands on the marked CPU, at the same pc,
 * address and size: the vCPU's cpu member, in the heap, as the report
 * names it.
 */
Test(scenario_run, seed003_race_marks_both_accesses, .timeout = 120)
{
	struct scn *s = load(KICK);
	struct scn_runner *r = runner_of(s, "kick-vcpu-cpu.scn", "pre-fix");
	unsigned int writes = 0, reads = 0;
	struct harness_trace t;
	struct sim_result res;
	size_t rep;

	traced_failure(r, "pct:3", 2000, "KCSAN: data-race in kvm_arch_vcpu_load / kvm_vcpu_kick",
		       &res, &t);
	rep = next_event(&t, 0, TR_REPORT);
	cr_assert_lt(rep + 3, t.n);
	cr_expect_eq(t.ev[rep].kind, TR_REPORT_RACE);
	cr_expect_eq(t.ev[rep + 1].type, TR_LOG);
	for (size_t k = rep + 2; k < rep + 4; k++) {
		const struct trace_event *m = &t.ev[k];
		const char *label = harness_trace_str(&t, m->str);
		bool found = false;

		cr_assert_eq(m->type, TR_MARK);
		writes += m->kind == TR_MARK_WRITE;
		reads += m->kind == TR_MARK_READ;
		cr_expect_eq(m->region, TR_REGION_HEAP);
		cr_expect_eq(m->size, 4);
		cr_expect(!strncmp(label, "kvm_vcpu+0x", 11) && strstr(label, " (kvm_vcpu->cpu)"),
			  "label %s", label);
		for (size_t i = 0; i < rep; i++) {
			const struct trace_event *e = &t.ev[i];

			found |= e->type == TR_ACCESS && e->step == m->args[0] &&
				 e->cpu == m->to_cpu && e->task == m->to_task && e->pc == m->pc &&
				 e->region == m->region && e->offset == m->offset &&
				 e->size == m->size &&
				 (m->kind == TR_MARK_WRITE) == (e->kind == SIM_WRITE);
		}
		cr_expect(found, "mark %zu: no access at step %llu on cpu %u", k - rep - 2,
			  (unsigned long long)m->args[0], m->to_cpu);
	}
	cr_expect(writes == 1 && reads == 1, "%u writes, %u reads", writes, reads);
	cr_expect_neq(t.ev[rep + 2].to_cpu, t.ev[rep + 3].to_cpu, "the two accesses on one CPU");
	harness_trace_close(&t);
	sim_result_release(&res);
	scn_runner_free(r);
	scn_free(s);
}

/* Seed 004's WARN: a report of kind warn, marked at its own step, CPU and pc, hv/x86.c:LINE. */
Test(scenario_run, seed004_warn_marks_its_site, .timeout = 120)
{
	struct scn *s = load(APICV);
	struct scn_runner *r = runner(s, "pre-fix-dfs");
	const struct trace_event *m;
	struct harness_trace t;
	struct sim_result res;
	size_t rep;

	traced_failure(r, "dfs:2", 20000, "WARNING in vcpu_enter_guest", &res, &t);
	rep = next_event(&t, 0, TR_REPORT);
	cr_assert_lt(rep + 2, t.n);
	cr_expect_eq(t.ev[rep].kind, TR_REPORT_WARN);
	m = &t.ev[rep + 2];
	cr_assert_eq(m->type, TR_MARK);
	cr_expect(rep + 3 >= t.n || t.ev[rep + 3].type != TR_MARK, "one mark");
	cr_expect_eq(m->kind, TR_MARK_SITE);
	cr_expect(m->args[0] == t.ev[rep].step && m->to_cpu == t.ev[rep].cpu &&
		  m->to_task == t.ev[rep].task, "not the report's own step and context");
	cr_expect_neq(m->pc, 0);
	cr_expect(!strncmp(harness_trace_str(&t, m->str), "hv/x86.c:", 9), "label %s",
		  harness_trace_str(&t, m->str));
	harness_trace_close(&t);
	sim_result_release(&res);
	scn_runner_free(r);
	scn_free(s);
}
