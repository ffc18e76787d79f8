// SPDX-License-Identifier: MIT
/*
 * hvsim-bench: the engine's speed figures, one per line, "name: value unit".
 * Each figure is the median of several repetitions. Wall-clock time is fine
 * here: this is a benchmark, not the simulator.
 */
#include <asm/prctl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hvsim/sim.h"
#include "hvsim/tools.h"
#include "hvsim/user.h"
#include "hvsim/x86/vmx.h"
#include "bodies.h"
#include "examples.h"
#include "scenarios.h"
#include "seeds.h"
#include "vmx_loop.h"

#define REPS 7

unsigned long work_native(unsigned long *buf, unsigned int words, unsigned int rounds);

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ---- raw context switch ------------------------------------------- */

static double bench_switch(void)
{
	const uint64_t n = 2000000;
	double t0, t1;

	t0 = now_ns();
	ctx_pingpong(n);
	t1 = now_ns();
	return (t1 - t0) / (2.0 * n);	/* two switches per round trip */
}

/* ---- the GS base, per simulated CPU (a real kvm_main.o's per-CPU data) ---- */

/*
 * What a change of simulated CPU costs a program that links a real
 * kvm_main.o (tools/kvm-tree/glue/host61.c): one GS base write, by
 * wrgsbase where the kernel enables FSGSBASE for user space, else by the
 * arch_prctl() system call. ns per write; a negative figure: not available.
 */
static double bench_gs_base(bool use_wrgsbase)
{
	const int n = use_wrgsbase ? 2000000 : 200000;
	double t0;

	if (use_wrgsbase && !(getauxval(AT_HWCAP2) & (1UL << 1)))
		return -1;
	t0 = now_ns();
	for (int i = 0; i < n; i++) {
		unsigned long base = (unsigned long)(i & 1) << 12;

		if (use_wrgsbase)
			__asm__ volatile("wrgsbase %0" : : "r"(base) : "memory");
		else
			syscall(SYS_arch_prctl, ARCH_SET_GS, base);
	}
	t0 = now_ns() - t0;
	if (use_wrgsbase)
		__asm__ volatile("wrgsbase %0" : : "r"(0UL) : "memory");
	else
		syscall(SYS_arch_prctl, ARCH_SET_GS, 0UL);
	return t0 / n;
}

/* ---- steps ---------------------------------------------------------- */

#define WORK_WORDS	64
#define WORK_ROUNDS	4000
#define WORK_STEPS	(2.0 * WORK_WORDS * WORK_ROUNDS)

static unsigned long work_buf[WORK_WORDS];

static void work_task(void *arg)
{
	(void)arg;
	work_instrumented(work_buf, WORK_WORDS, WORK_ROUNDS);
}

static void work_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "work", work_task, NULL);
}

static const struct sim_program work_program = {
	.name = "bench-work", .ncpus = 1, .setup = work_setup,
};

/* ns per run of the work program in the simulator. */
static double time_sim_work(bool trace)
{
	struct sim_explore_opts o = {
		.strategy = "timed", .budget = 1, .trace_every_run = trace,
	};
	struct sim_result r;
	char err[128];
	double t0 = now_ns();

	if (sim_explore(&work_program, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s\n", err);
		exit(2);
	}
	t0 = now_ns() - t0;
	if (r.steps < WORK_STEPS) {
		fprintf(stderr, "hvsim-bench: work ran %" PRIu64 " steps, expected %.0f\n",
			r.steps, WORK_STEPS);
		exit(2);
	}
	sim_result_release(&r);
	return t0;
}

static double time_native_work(void)
{
	volatile unsigned long sink;
	double t0 = now_ns();

	sink = work_native(work_buf, WORK_WORDS, WORK_ROUNDS);
	(void)sink;
	return now_ns() - t0;
}

/* ---- schedules per second ------------------------------------------ */

static double bench_schedules(uint64_t n)
{
	const struct example *ex = example_find("lost-update");
	struct sim_explore_opts o = {
		.strategy = "random", .seed = 1, .budget = n, .keep_going = true,
	};
	struct sim_result r;
	char err[128];
	double t0 = now_ns();

	if (sim_explore(&ex->program, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s\n", err);
		exit(2);
	}
	t0 = now_ns() - t0;
	if (r.schedules != n) {
		fprintf(stderr, "hvsim-bench: ran %" PRIu64 " schedules, expected %" PRIu64 "\n",
			r.schedules, n);
		exit(2);
	}
	sim_result_release(&r);
	return n / (t0 / 1e9);
}

/* ---- VMX ---------------------------------------------------------------- */

#define CHECK_PASSES	20000
#define VMX_ENTRIES	20000

/* The legal VMCS of the Skylake-SP model; exits on a setup error. */
static struct vmx_legal *legal_skylake(void)
{
	struct vmx_legal *l;
	char err[512];

	if (vmx_legal_create(NULL, "skylake-sp", &l, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s\n", err);
		exit(2);
	}
	return l;
}

/* ns for one pass of the control, host-state and guest-state rows on a legal VMCS. */
static double bench_entry_checks(void)
{
	struct vmx_legal *l = legal_skylake();
	const struct vmx_check *failed = NULL;
	double t0 = now_ns();

	for (int i = 0; i < CHECK_PASSES; i++)
		failed = vmx_legal_check(l);
	t0 = now_ns() - t0;
	if (failed) {
		fprintf(stderr, "hvsim-bench: the legal VMCS failed check %s\n",
			vmx_check_id(failed));
		exit(2);
	}
	vmx_legal_destroy(l);
	return t0 / CHECK_PASSES;
}

static struct vmx_loop vmx_loop;

static void vmx_loop_setup(struct machine *m, void *arg)
{
	sim_spawn(m, 0, "vcpu", vmx_loop_task, arg);
}

/*
 * ns of host time per simulated VM entry and exit: VMRESUME with every
 * check, the guest stand-in's default run (2000 cycles, about 15 steps),
 * the exit, one VMREAD, interrupts off and on.
 */
static double bench_vmx_round_trip(void)
{
	static const struct sim_program p = {
		.name = "bench-vmx", .ncpus = 1, .setup = vmx_loop_setup, .arg = &vmx_loop,
		.machine = "1 slots: skylake-sp",
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[128];
	double t0;

	if (!vmx_loop.nfields) {
		struct vmx_legal *l = legal_skylake();
		unsigned int n;

		/* As KVM runs a vCPU: HLT exits. */
		vmx_legal_set_bits(l, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING);
		vmx_legal_set_bits(l, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_MASK);
		n = vmx_legal_writes(l, vmx_loop.field, vmx_loop.value, VMX_LOOP_MAX_FIELDS);
		vmx_loop.nfields = n < VMX_LOOP_MAX_FIELDS ? n : VMX_LOOP_MAX_FIELDS;
		vmx_loop.entries = VMX_ENTRIES;
		vmx_legal_destroy(l);
	}
	t0 = now_ns();
	if (sim_explore(&p, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s\n", err);
		exit(2);
	}
	t0 = now_ns() - t0;
	if (r.outcome != SIM_OK || vmx_loop.hlt_exits != VMX_ENTRIES) {
		fprintf(stderr, "hvsim-bench: %u of %u entries exited on HLT: %s\n",
			vmx_loop.hlt_exits, VMX_ENTRIES, r.message);
		exit(2);
	}
	sim_result_release(&r);
	return t0 / VMX_ENTRIES;
}

#define IPI_CALLS	2000

static struct ipi_loop ipi_loop;

static void ipi_loop_setup(struct machine *m, void *arg)
{
	sim_spawn(m, 0, "caller", ipi_loop_task, arg);
}

/*
 * ns of host time per smp_call_function_single() with wait between two
 * CPUs: the ICR write, the flight, the landing, the target's interrupt
 * entry, EOI and the call, the caller's spin. Also the simulated cycles
 * per call, which the models' IPI costs set.
 */
static double bench_ipi_round_trip(double *sim_cycles)
{
	static const struct sim_program p = {
		.name = "bench-ipi", .ncpus = 2, .setup = ipi_loop_setup, .arg = &ipi_loop,
		.machine = "2 slots: skylake-sp x2",
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[128];
	double t0;

	ipi_loop.calls = IPI_CALLS;
	t0 = now_ns();
	if (sim_explore(&p, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s\n", err);
		exit(2);
	}
	t0 = now_ns() - t0;
	if (r.outcome != SIM_OK || ipi_loop.ran != IPI_CALLS) {
		fprintf(stderr, "hvsim-bench: %u of %u calls ran: %s\n", ipi_loop.ran, IPI_CALLS,
			r.message);
		exit(2);
	}
	sim_result_release(&r);
	*sim_cycles = (double)ipi_loop.cycles / IPI_CALLS;
	return t0 / IPI_CALLS;
}

#define KVM_RUNS	2000

static struct kvm_run_loop kvm_loop;

static void kvm_loop_setup(struct machine *m, void *arg)
{
	sim_spawn_user(m, 0, 0, "vmm", kvm_run_loop_task, arg);
}

/*
 * ns of host time per KVM_RUN round trip through hv/: the system call,
 * vcpu_load, vcpu_enter_guest with its requests and barriers, VMRESUME and
 * every entry check, the guest stand-in to its HLT, the exit, handle_exit,
 * vcpu_put, back to user space. Also the simulated cycles per round trip.
 */
static double bench_kvm_run(double *sim_cycles)
{
	static const struct sim_program p = {
		.name = "bench-kvm", .ncpus = 1, .setup = kvm_loop_setup, .arg = &kvm_loop,
		.machine = "1 slots: skylake-sp", .flags = SIM_PROG_BOOT,
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[128];
	double t0;

	kvm_loop.runs = KVM_RUNS;
	t0 = now_ns();
	if (sim_explore(&p, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s\n", err);
		exit(2);
	}
	t0 = now_ns() - t0;
	if (r.outcome != SIM_OK || kvm_loop.hlt_exits != KVM_RUNS) {
		fprintf(stderr, "hvsim-bench: %u of %u KVM_RUNs exited on HLT: %s\n",
			kvm_loop.hlt_exits, KVM_RUNS, r.message);
		exit(2);
	}
	sim_result_release(&r);
	*sim_cycles = (double)kvm_loop.cycles / KVM_RUNS;
	return t0 / KVM_RUNS;
}

static int usage(void)
{
	fprintf(stderr, "usage: hvsim-bench [--seeds | --proofs [--time SEC] [--bound P]] [CASE...]\n"
			"       hvsim-bench --scenarios [--seeds N] [--budget N] [--time SEC] [FILE.scn|DIR...]\n"
			"       hvsim-bench --trace CASE FILE\n"
			"  (none)    the engine's figures, then the seed explorations\n"
			"  --seeds   the seed explorations only\n"
			"  --proofs  the fixed seeds' dfs:2 runs to exhaustion (minutes to hours),\n"
			"            each for at most SEC seconds with --time; dfs:P with --bound\n"
			"  CASE      only these seed cases (seed000_fixed, seed003_small_fixed, ...)\n"
			"  --scenarios  per scenario file (default: the source tree's scenarios/):\n"
			"            each reproducing variant's schedules and seconds to its title under\n"
			"            timed, random, pct:2, pct:3 and dfs:2, median and max over seeds\n"
			"            1..N (21), at most N schedules a search (20000); each clean\n"
			"            variant's dfs:2 proof, at most SEC seconds (60)\n"
			"  --trace CASE FILE  the trace of CASE's default run (hvsim trace-dump)\n");
	return 2;
}

int main(int argc, char **argv)
{
	double sw[REPS], sim[REPS], simt[REPS], nat[REPS], sched[REPS], ratio[REPS];
	double gs_prctl[REPS], gs_wr[REPS];
	double checks[REPS], vmx[REPS], ipi[REPS], ipi_cycles[REPS], kvmr[REPS], kvmr_cycles[REPS];
	unsigned int rows, msr_rows;

	if (argc >= 2 && !strcmp(argv[1], "--scenarios"))
		return bench_scenarios(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "--trace"))
		return argc == 4 ? bench_seed_trace(argv[2], argv[3]) : usage();
	if (argc >= 2) {
		bool proofs = !strcmp(argv[1], "--proofs");
		unsigned long bound = 2;
		double limit = 0;
		int first = 2;

		if (strcmp(argv[1], "--seeds") && !proofs)
			return usage();
		while (proofs && first + 1 < argc && argv[first][0] == '-') {
			char *end;

			if (!strcmp(argv[first], "--time")) {
				limit = strtod(argv[first + 1], &end);
				if (*end || !(limit > 0))
					return usage();
			} else if (!strcmp(argv[first], "--bound")) {
				bound = strtoul(argv[first + 1], &end, 10);
				if (*end || end == argv[first + 1] || bound > 16)
					return usage();
			} else {
				return usage();
			}
			first += 2;
		}
		return bench_seeds(proofs, limit, (unsigned int)bound, argv + first, argc - first);
	}
	for (int i = 0; i < REPS; i++) {
		sw[i] = bench_switch();
		sim[i] = time_sim_work(false);
		simt[i] = time_sim_work(true);
		nat[i] = time_native_work();
		ratio[i] = sim[i] / nat[i];
		sched[i] = bench_schedules(200000);
		checks[i] = bench_entry_checks();
		vmx[i] = bench_vmx_round_trip();
		ipi[i] = bench_ipi_round_trip(&ipi_cycles[i]);
		kvmr[i] = bench_kvm_run(&kvmr_cycles[i]);
		gs_prctl[i] = bench_gs_base(false);
		gs_wr[i] = bench_gs_base(true);
	}
	printf("context_switch: %.1f ns\n", median(sw, REPS));
	printf("step_no_switch: %.2f ns\n", median(sim, REPS) / WORK_STEPS);
	printf("step_hook_overhead: %.2f ns\n",
	       (median(sim, REPS) - median(nat, REPS)) / WORK_STEPS);
	printf("step_no_switch_traced: %.2f ns\n", median(simt, REPS) / WORK_STEPS);
	printf("lost_update_random_schedules: %.0f per s\n", median(sched, REPS));
	printf("instrumented_vs_native: %.2f ratio\n", median(ratio, REPS));
	vmx_checks(&rows);
	vmx_checks_of(VMX_CHECK_MSR_LOAD, &msr_rows);
	printf("vm_entry_checks_pass: %.0f ns (%u rows)\n", median(checks, REPS),
	       rows - msr_rows);
	printf("vm_entry_exit_round_trip: %.0f ns\n", median(vmx, REPS));
	printf("ipi_call_round_trip: %.0f ns (%.0f simulated cycles)\n", median(ipi, REPS),
	       median(ipi_cycles, REPS));
	printf("kvm_run_round_trip: %.0f ns (%.0f simulated cycles)\n", median(kvmr, REPS),
	       median(kvmr_cycles, REPS));
	printf("gs_base_arch_prctl: %.0f ns\n", median(gs_prctl, REPS));
	if (median(gs_wr, REPS) < 0)
		printf("gs_base_wrgsbase: not available (no FSGSBASE in user space)\n");
	else
		printf("gs_base_wrgsbase: %.1f ns\n", median(gs_wr, REPS));
	fflush(stdout);
	return bench_seeds(false, 0, 2, NULL, 0);
}
