// SPDX-License-Identifier: MIT
/*
 * The seed races' explorations as figures: for each pre-fix variant, the
 * schedules pct and dfs need to find the failure; for each fixed variant,
 * how far dfs:2 gets and how fast. The programs are the hv/ suite's
 * (tests/programs/kvmprogs.c) on the same machines; tests/test_hv.c
 * asserts on outcomes, this file only measures.
 *
 * With --proofs, each fixed variant's dfs:2 runs to exhaustion (or to a
 * time limit, a minute's progress line at a time on stderr): the full
 * proofs the CI caps stand in for.
 */
#include "seeds.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hvsim/sim.h"
#include "hvsim/user.h"
#include "apicvprogs.h"
#include "kvmprogs.h"

/* The same machines and variants as tests/test_hv.c. */
#define NOVMX_SLOT	"3 slots: skylake-sp x2, slot 2 skylake-sp -vmx offline"
#define SKY_SLOT	"3 slots: skylake-sp x2, slot 2 skylake-sp offline"
#define THREE_SKY	"3 slots: skylake-sp x3"
#define TWO_SKY		"2 slots: skylake-sp x2"
#define V_000_NO_LOCK	"pre-fix=000,+hotplug-online-section,+hotplug-compat-check," \
			"+hotplug-compat-warn-relaxed"
#define V_001_PRE	"pre-fix=001,+kvm-add-vm-hooks"

#define PROOF_CAP	1000000000ULL

struct seed_task {
	unsigned int cpu;
	sim_user_fn fn;
	uintptr_t arg;
	bool user;
};

struct seed_case {
	const char *name;
	const char *machine;
	const char *variant;
	unsigned int detect;
	bool pre_fix;		/* a failure is expected: measure how soon it is found */
	uint64_t cap;		/* fixed: dfs:2's schedule cap without --proofs */
	struct seed_task tasks[3];
	unsigned int ncpus;
	uint64_t pct_budget;	/* pre-fix: pct:3's schedules (0: 2,000) */
};

#define LOCKDEP_MEM	(SIM_DETECT_LOCKDEP | SIM_DETECT_MEM)
#define RACES		(SIM_DETECT_RACE | SIM_DETECT_LOCKDEP | SIM_DETECT_MEM)

static const struct seed_case cases[] = {
	{ "seed000_no_lock", NOVMX_SLOT, V_000_NO_LOCK, LOCKDEP_MEM, true, 0,
	  { { 0, kvmp_hotadd_task, 0, false }, { 1, kvmp_vmm_task, 0, true } }, 3, 0 },
	{ "seed000_fixed", NOVMX_SLOT, "fixed", LOCKDEP_MEM, false, 400000,
	  { { 0, kvmp_hotadd_task, 0, false }, { 1, kvmp_vmm_task, 0, true } }, 3, 0 },
	{ "seed001_pre_fix", SKY_SLOT, V_001_PRE, LOCKDEP_MEM, true, 0,
	  { { 0, kvmp_failing_vm_task, 0, true }, { 1, kvmp_lifecycle_task, 0, true },
	    { 0, kvmp_hotadd_task, 0, false } }, 3, 0 },
	{ "seed001_fixed", SKY_SLOT, "fixed", LOCKDEP_MEM, false, 20000,
	  { { 0, kvmp_failing_vm_task, 0, true }, { 1, kvmp_lifecycle_task, 0, true },
	    { 0, kvmp_hotadd_task, 0, false } }, 3, 0 },
	{ "seed003_pre_fix", THREE_SKY, "pre-fix=003", RACES, true, 0,
	  { { 0, kvmp_migrating_vcpu_task, 0, true }, { 2, kvmp_dirty_log_task, 0, true } }, 3, 0 },
	{ "seed003_fixed", THREE_SKY, "fixed", RACES, false, 20000,
	  { { 0, kvmp_migrating_vcpu_task, 0, true }, { 2, kvmp_dirty_log_task, 0, true } }, 3, 0 },
	/* The smallest program that still races: two runs (one move), two log reads. */
	{ "seed003_small_pre_fix", THREE_SKY, "pre-fix=003", RACES, true, 0,
	  { { 0, kvmp_migrating_vcpu_task, 2, true }, { 2, kvmp_dirty_log_task, 2, true } }, 3, 0 },
	{ "seed003_small_fixed", THREE_SKY, "fixed", RACES, false, 20000,
	  { { 0, kvmp_migrating_vcpu_task, 2, true }, { 2, kvmp_dirty_log_task, 2, true } }, 3, 0 },
	/* The syzkaller reproducer's calls, each in its own thread (tests/test_hv_apicv.c). */
	{ "seed004_pre_fix", TWO_SKY, "pre-fix=004", LOCKDEP_MEM, true, 0,
	  { { 0, apicvp_seed004_task, 0, true } }, 2, 200000 },
	{ "seed004_fixed", TWO_SKY, "fixed", LOCKDEP_MEM, false, 20000,
	  { { 0, apicvp_seed004_task, 0, true } }, 2, 0 },
};

double bench_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void seed_setup(struct machine *m, void *arg)
{
	const struct seed_case *c = arg;

	if (sim_set_module_param(m, "kvm.variant", c->variant)) {
		fprintf(stderr, "hvsim-bench: %s: variant %s refused\n", c->name, c->variant);
		exit(2);
	}
	for (unsigned int i = 0; i < 3 && c->tasks[i].fn; i++) {
		const struct seed_task *t = &c->tasks[i];
		void *a = (void *)t->arg;
		int ret = t->user ? sim_spawn_user(m, t->cpu, 0, "vmm", t->fn, a)
				  : sim_spawn(m, t->cpu, "hotadd", t->fn, a);

		if (ret) {
			fprintf(stderr, "hvsim-bench: %s: task %u not spawned\n", c->name, i);
			exit(2);
		}
	}
}

static struct sim_program program_of(const struct seed_case *c)
{
	return (struct sim_program){
		.name = c->name, .ncpus = c->ncpus, .setup = seed_setup,
		.arg = (void *)c, .detect = c->detect, .flags = SIM_PROG_BOOT,
		.machine = c->machine,
	};
}

void bench_proof_progress(const struct sim_result *r, void *arg)
{
	double *next = arg, now = bench_seconds();

	if (now < *next)
		return;
	*next = now + 60;
	fprintf(stderr, "hvsim-bench: ... %" PRIu64 " schedules, %" PRIu64 " abandoned; round %u,"
		" backtracked up to node %u of its first path's %u\n",
		r->schedules, r->abandoned, r->search_round, r->search_node, r->search_path);
}

/* One exploration: its result, and the host time it took (@max_seconds: 0, none). */
static struct sim_result explore(const struct seed_case *c, const char *strategy,
				 uint64_t budget, double max_seconds, double *secs)
{
	struct sim_program p = program_of(c);
	double next = bench_seconds() + 60;
	struct sim_explore_opts o = {
		.strategy = strategy, .seed = 1, .budget = budget, .max_seconds = max_seconds,
		.progress = max_seconds > 0 ? bench_proof_progress : NULL, .progress_arg = &next,
	};
	struct sim_result r;
	char err[256];
	double t0 = bench_seconds();

	if (sim_explore(&p, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s: %s\n", c->name, err);
		exit(2);
	}
	*secs = bench_seconds() - t0;
	return r;
}

static void print_found(const struct seed_case *c, const char *strategy, uint64_t budget)
{
	double secs;
	struct sim_result r = explore(c, strategy, budget, 0, &secs);

	if (r.failures)
		printf("%s_%s: found at schedule %" PRIu64 " in %.2f s (%.0f schedules/s): %s\n",
		       c->name, strategy, r.schedules, secs, r.schedules / secs, r.message);
	else
		printf("%s_%s: not found in %" PRIu64 " schedules, %.2f s (%.0f schedules/s)\n",
		       c->name, strategy, r.schedules, secs, r.schedules / secs);
	sim_result_release(&r);
}

static void print_proof(const struct seed_case *c, uint64_t cap, double max_seconds,
			unsigned int bound)
{
	char strategy[16];
	double secs;
	struct sim_result r;

	snprintf(strategy, sizeof(strategy), "dfs:%u", bound);
	r = explore(c, strategy, cap, max_seconds, &secs);
	printf("%s_%s: %s after %" PRIu64 " schedules in %.1f s (%.0f schedules/s; %" PRIu64
	       " abandoned as redundant, %" PRIu64 " restarts, longest run %" PRIu64 " steps)%s%s\n",
	       c->name, strategy, r.failures ? "FAILED" : r.exhausted ? "exhausted clean"
			: r.timed_out ? "clean, not exhausted (time limit)" : "clean, not exhausted",
	       r.schedules, secs, r.schedules / secs, r.abandoned, r.restarts, r.max_run_steps,
	       r.failures ? ": " : "", r.failures ? r.message : "");
	sim_result_release(&r);
}

/*
 * Seed 001's pre-fix outcomes, one random schedule per seed: which of the
 * review's three ways (and how often) the runs fail.
 */
static void print_seed001_outcomes(const struct seed_case *c, unsigned int runs)
{
	static const char *const kinds[] = {
		"invalid opcode", "lock held when returning to user space", "deadlock",
	};
	unsigned int n[4] = { 0 }, clean = 0;

	for (unsigned int i = 1; i <= runs; i++) {
		struct sim_program p = program_of(c);
		struct sim_explore_opts o = { .strategy = "random", .seed = i, .budget = 1 };
		struct sim_result r;
		char err[256];
		unsigned int k = 3;

		if (sim_explore(&p, &o, &r, err, sizeof(err))) {
			fprintf(stderr, "hvsim-bench: %s: %s\n", c->name, err);
			exit(2);
		}
		if (!r.failures)
			clean++;
		else
			for (k = 0; k < 3 && !strstr(r.message, kinds[k]); k++)
				;
		n[k] += r.failures != 0;
		sim_result_release(&r);
	}
	printf("%s_outcomes: %u random schedules: %u #UD (a), %u lock held at user return (b), "
	       "%u deadlock (c), %u other, %u clean\n", c->name, runs, n[0], n[1], n[2], n[3],
	       clean);
}

int bench_seed_trace(const char *name, const char *path)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct seed_case *c = &cases[i];
		struct sim_program p = program_of(c);
		struct sim_explore_opts o = {
			.strategy = "timed", .seed = 1, .budget = 1, .trace_every_run = true,
		};
		struct sim_result r;
		char err[256];
		FILE *f;

		if (strcmp(c->name, name))
			continue;
		if (sim_explore(&p, &o, &r, err, sizeof(err))) {
			fprintf(stderr, "hvsim-bench: %s: %s\n", c->name, err);
			return 2;
		}
		f = fopen(path, "wb");
		if (!f || fwrite(r.trace, 1, r.trace_len, f) != r.trace_len || fclose(f)) {
			fprintf(stderr, "hvsim-bench: cannot write %s\n", path);
			sim_result_release(&r);
			return 2;
		}
		printf("%s: %" PRIu64 " steps, %s, trace in %s\n", c->name, r.steps,
		       r.failures ? r.message : "clean", path);
		sim_result_release(&r);
		return 0;
	}
	fprintf(stderr, "hvsim-bench: no seed case %s\n", name);
	return 2;
}

/* Whether @name is among @names (none: every case). */
static bool selected(const char *name, char **names, int n)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return n == 0;
}

int bench_seeds(bool proofs, double proof_seconds, unsigned int bound, char **names, int n)
{
	for (int i = 0; i < n; i++) {
		size_t k = 0;

		while (k < sizeof(cases) / sizeof(cases[0]) && strcmp(cases[k].name, names[i]))
			k++;
		if (k == sizeof(cases) / sizeof(cases[0])) {
			fprintf(stderr, "hvsim-bench: no seed case %s\n", names[i]);
			return 2;
		}
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct seed_case *c = &cases[i];

		if (!selected(c->name, names, n))
			continue;

		if (c->pre_fix) {
			if (proofs)
				continue;
			print_found(c, "pct:3", c->pct_budget ? c->pct_budget : 2000);
			print_found(c, "dfs:2", 1000000);
			if (!strcmp(c->name, "seed001_pre_fix"))
				print_seed001_outcomes(c, 300);
		} else {
			print_proof(c, proofs ? PROOF_CAP : c->cap, proofs ? proof_seconds : 0,
				    proofs ? bound : 2);
		}
		fflush(stdout);
	}
	return 0;
}
