// SPDX-License-Identifier: MIT
/*
 * Running scenarios (tools/scenario_run.c, tools/syz_exec.c): the seed-004
 * scenario's syzkaller program, run by the executor against hv/,
 * reproduces the WARN on its pre-fix variant, with a token that replays
 * it, and not on the fixed one; what the executor cannot run is refused
 * with the file and line; titles come out as syzkaller writes them.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

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
