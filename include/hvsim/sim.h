/* SPDX-License-Identifier: MIT */
/*
 * hvsim embedding API: build a machine, spawn tasks on its CPUs, run one
 * schedule or explore many, and read the outcome.
 *
 * A run is a pure function of (binary, program, strategy, seed): the same
 * inputs give the same trace, byte for byte, in any process.
 */
#ifndef HVSIM_SIM_H
#define HVSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct machine;

/*
 * Limits of one machine. The task table is fixed: each slot costs about
 * 940 bytes (the engine's struct task with its shadow stack and spin
 * watch, and the kernel's struct ktask), so 256 slots are some 236 KiB of
 * a machine; stacks are taken only by tasks spawned. An idle task per CPU
 * and the boot task come out of it, so a program's setup may spawn
 * SIM_MAX_TASKS - ncpus - 1 tasks; past that sim_spawn() refuses with
 * -EAGAIN and the run fails, saying so.
 */
#define SIM_MAX_CPUS	64
#define SIM_MAX_TASKS	256

/* How one run ended. */
enum sim_outcome {
	SIM_OK,		/* every task finished and the program's check passed */
	SIM_FAILED,	/* the program's check reported a failure */
	SIM_DEADLOCK,	/* nothing runnable while tasks still wait */
	SIM_LIVELOCK,	/* every live task spins, or a step/cycle budget ran out */
	SIM_ABANDONED,	/* cut short as redundant (dfs sleep set): not checked */
	SIM_NR_OUTCOMES
};

const char *sim_outcome_name(enum sim_outcome o);
static inline bool sim_outcome_is_failure(enum sim_outcome o)
{
	return o == SIM_FAILED || o == SIM_DEADLOCK || o == SIM_LIVELOCK;
}

typedef void (*sim_task_fn)(void *arg);

/*
 * A program: what one run executes. setup() spawns the tasks (host context,
 * after the machine reset); check() judges the end state (host context, after
 * every task finished) and returns 0, or non-zero with a one-line reason.
 */
struct sim_program {
	const char *name;
	unsigned int ncpus;
	void (*setup)(struct machine *m, void *arg);
	int (*check)(struct machine *m, void *arg, char *msg, size_t len);
	void *arg;
	unsigned int detect;	/* SIM_DETECT_* checks on every access */
	unsigned int flags;	/* SIM_PROG_* */
	const char *machine;	/* slots and CPU models (docs/cpu-models.md), or NULL */
};

/* Boot the kernel first: run every module_init() before the program's tasks start. */
#define SIM_PROG_BOOT		1u

/* Detectors that look at every access (each sends every step to the slow path). */
#define SIM_DETECT_RACE		1u	/* happens-before data races, KCSAN's policy */
#define SIM_DETECT_MEM		2u	/* NULL, wild, use-after-free, out-of-bounds */
/* Checks at kernel primitives only (no cost per access). */
#define SIM_DETECT_LOCKDEP	4u	/* lock order, held locks, sleeping in atomic context */
#define SIM_DETECT_ALL		(SIM_DETECT_RACE | SIM_DETECT_MEM | SIM_DETECT_LOCKDEP)
/* With SIM_DETECT_RACE: every unordered conflicting pair with a plain access. */
#define SIM_DETECT_RACE_STRICT	8u

/*
 * Spawn a task bound to @cpu; only from a program's setup(). -EINVAL for
 * a CPU the machine does not have, -EAGAIN when the task table is full.
 */
int sim_spawn(struct machine *m, unsigned int cpu, const char *name,
	      sim_task_fn fn, void *arg);
/* The same, for a task the scheduler may move to another CPU when it wakes. */
int sim_spawn_migratable(struct machine *m, unsigned int cpu, const char *name,
			 sim_task_fn fn, void *arg);
/*
 * One VM exit of the guest stand-in (until guests run real code): what the
 * guest does at the end of its run, as the VMCS's exit-information fields
 * report it (SDM Vol. 3C, "VM-Exit Information Fields", "Exit
 * Qualification for ...").
 */
struct sim_guest_exit {
	/*
	 * Basic exit reason (EXIT_REASON_* in hvsim/x86/vmx.h). Not 1, 7, 33, 34
	 * or 52: external interrupts, interrupt windows, failed entries and
	 * the preemption timer come from the machine's state, not a script.
	 */
	uint32_t reason;
	uint64_t qualification;	/* I/O: port, size, direction; APIC access: offset, type; ... */
	uint32_t insn_len;	/* 0: the exiting instruction's length (HLT 1, CPUID 2, ...) */
	uint64_t gpa;		/* guest-physical address (EPT violation) */
	uint64_t gla;		/* guest-linear address (EPT violation, when qualification bit 7) */
	/*
	 * The exit comes while the guest delivers an event, not when it has
	 * run: the event its VM entry injects or, without one, the first it
	 * takes in that run (a host NMI without "NMI exiting"). The guest
	 * does not take the event; the exit's IDT-vectoring information and
	 * error code name it ("Information for VM Exits During Event
	 * Delivery"). Only for exits that delivery can cause: EPT violation
	 * or misconfiguration, APIC access, task switch. A run with no event
	 * to deliver ends with this exit as with any other, and no
	 * IDT-vectoring information.
	 */
	bool during_delivery;
	/*
	 * A guest access to its local APIC, scripted as the exit it makes
	 * without APIC virtualization: reason 44 (the APIC-access page: offset
	 * and read/write in the qualification) or 31/32 (RDMSR/WRMSR of @msr in
	 * the x2APIC range). Where the VMCS virtualizes the access it completes
	 * in the guest, writing @value, with no exit (the script goes on), or
	 * ends in the exit APIC virtualization makes (TPR below threshold,
	 * EOI-induced, APIC-write, APIC-access), or a #GP the guest takes.
	 */
	uint32_t msr;
	uint64_t value;
};

/*
 * The guest stand-in's script on @cpu: its next VM exits, in turn (HLT once
 * they run out). From setup() only. sim_set_guest_exits() is the same with
 * reasons only, each with the default information of its reason.
 */
int sim_set_guest_script(struct machine *m, unsigned int cpu, const struct sim_guest_exit *exits,
			 unsigned int n);
int sim_set_guest_exits(struct machine *m, unsigned int cpu, const uint32_t *reasons,
			unsigned int n);
/*
 * An event the guest stand-in took through its IDT: one its VM entry
 * injected (SDM Vol. 3C, "Event Injection"), or a host NMI delivered to
 * it without "NMI exiting". An event whose delivery ended in a VM exit is
 * not one: that exit's IDT-vectoring information names it.
 */
struct sim_guest_event {
	uint8_t type;		/* interruption type (INTR_TYPE_* >> 8): 0 external, 2 NMI, 3 exception... */
	uint8_t vector;
	bool has_error_code;	/* an error code was pushed */
	uint32_t error_code;
	bool injected;		/* by VM entry; else from the host (an NMI) */
};

/* How many of a CPU's latest guest events a run keeps. */
#define SIM_GUEST_EVENTS	16

/*
 * The events @cpu's guest took in this run, oldest first, into @out: the
 * latest min(@max, SIM_GUEST_EVENTS) of them; returns how many it copied.
 * Every run starts with none. From a program's check() (or its tasks).
 */
unsigned int sim_guest_events(const struct machine *m, unsigned int cpu,
			      struct sim_guest_event *out, unsigned int max);
/*
 * Set module parameter @name ("kvm.variant") to @value for this run, as
 * the kernel command line would; from setup() only. -ENOENT for a
 * parameter no module declares, -EINVAL for a value its type refuses
 * (bool: 0/1/y/n/true/false; int: a decimal or 0x number).
 */
int sim_set_module_param(struct machine *m, const char *name, const char *value);
/*
 * This run's kernel log so far: its printk lines (WARNs and reports'
 * titles included), each ending in '\n'. From a program's check() or tasks.
 */
const char *sim_kernel_log(const struct machine *m);
/* Start the run with @cpu offline (a slot to hot-add); from setup() only. */
int sim_set_cpu_offline(struct machine *m, unsigned int cpu);

/*
 * Call @fn whenever what runs changes, the simulated CPU or its task (by
 * spawn index): at the run's first step, at every switch, at a migration;
 * before any of that code runs. For state the host keeps outside the
 * machine that must follow it: the GS base through which a real kernel
 * object's per-CPU accesses go, and its `current` (tools/kvm-tree). From
 * setup() only; a reset forgets it.
 */
void sim_on_switch(struct machine *m, void (*fn)(unsigned int cpu, unsigned int task, void *arg),
		   void *arg);

/* A task, for the host's mirrors of it (tools/kvm-tree). */
struct sim_task_info {
	unsigned int pid;	/* as reports print it */
	const char *comm;	/* its name */
	int process;		/* its process (an index, stable in a run), -1: a kernel thread */
};
/* Task @task (spawn index) of the current run: 0, or -EINVAL for no such task. */
int sim_task_info(const struct machine *m, unsigned int task, struct sim_task_info *out);

/*
 * Call @fn when a CPU goes online or offline (set_cpu_online() in the
 * hotplug model), at that step, and for every CPU's state once the
 * program's setup is done: for state the host keeps outside the machine
 * that must agree with it at every step (a real kernel object's
 * __cpu_online_mask, which its code reads inline). From setup() only; a
 * reset forgets it.
 */
void sim_on_cpu_online(struct machine *m, void (*fn)(unsigned int cpu, bool online, void *arg),
		       void *arg);

/*
 * Ask @fn, before the kernel lets a task on @cpu be preempted, whether
 * that CPU's own preemption state allows it: a real kernel object keeps
 * its preempt count per CPU and changes it inline (x86's __preempt_count,
 * behind preempt_disable() and get_cpu()), where hvsim's model does not
 * see it. false: not now (as a nonzero count). Interrupts still come; a
 * task may still block. From setup() only; a reset forgets it.
 */
void sim_on_preemptible(struct machine *m, bool (*fn)(unsigned int cpu, void *arg), void *arg);

/*
 * An undefined-instruction trap (ud2: 0f 0b) in instrumented code during a
 * run, as a real kernel object's WARN and BUG are: @fn, called in the
 * signal handler on the task's stack with the trap's address, decides.
 * SIM_TRAP_RESUME: go on after the two-byte ud2 (a WARN, reported);
 * SIM_TRAP_END: the run ends, failed, with the report @fn made (a BUG);
 * SIM_TRAP_OOPS: not one of @fn's: the oops an unexpected trap is. From
 * setup() only; a reset forgets it. Without one, every trap is an oops.
 */
enum sim_trap { SIM_TRAP_OOPS, SIM_TRAP_RESUME, SIM_TRAP_END };
void sim_on_trap(struct machine *m, enum sim_trap (*fn)(uintptr_t pc, void *arg), void *arg);

/* Default per-run budgets. */
#define SIM_DEFAULT_MAX_STEPS	10000000ULL
#define SIM_DEFAULT_BUDGET	100000ULL

struct sim_result;

struct sim_explore_opts {
	const char *strategy;	/* "timed", "random", "pct:D", "dfs:P"; NULL: timed */
	uint64_t seed;		/* exploration seed */
	uint64_t budget;	/* schedules at most; 0: SIM_DEFAULT_BUDGET */
	uint64_t max_steps;	/* steps per run; 0: SIM_DEFAULT_MAX_STEPS */
	uint64_t max_cycles;	/* cycles per CPU per run; 0: 256 x max_steps */
	bool keep_going;	/* do not stop at the first failure (benchmarks) */
	bool trace_every_run;	/* record a trace in every run (tests; slow) */
	/*
	 * Host seconds at most, 0: none. The one input that depends on the
	 * host's speed: how many schedules run, never what a run does (a
	 * failure's token replays it anywhere). Benchmarks, `explore --time`.
	 */
	double max_seconds;
	/*
	 * Which failures count (NULL: every one): called with each failing
	 * run as the result would report it (outcome, reports, token); a run
	 * it refuses is counted as a failure but does not stop the search nor
	 * become the reported run. `minimize` and the benchmarks ask for one
	 * title, not the first failure of any kind.
	 */
	bool (*accept)(const struct sim_result *run, void *arg);
	void *accept_arg;
	/* Called about once a second of host time with the counts so far (NULL: never). */
	void (*progress)(const struct sim_result *so_far, void *arg);
	void *progress_arg;
};

/* What an exploration (or a replay) found. */
struct sim_result {
	enum sim_outcome outcome;	/* of the reported run */
	uint64_t schedules;		/* schedules run */
	uint64_t failures;		/* failing schedules (keep_going) that opts.accept took */
	uint64_t refused;		/* failing schedules opts.accept refused */
	uint64_t abandoned;		/* dfs: runs cut short as redundant */
	uint64_t restarts;		/* dfs: passes repeated for the shared memory they found */
	/*
	 * dfs: where the search is. Its round (the preemption bound it is at),
	 * and how far backtracking has come up the first path of the round's
	 * pass: its node search_node of search_path (it starts at the end of
	 * the path and is done at node 0). Not linear in time: a measure of
	 * progress for long proofs, not an estimate.
	 */
	unsigned int search_round;
	uint32_t search_node, search_path;
	bool exhausted;			/* the strategy covered its whole space */
	bool timed_out;			/* stopped by max_seconds */
	uint64_t steps;			/* steps of the reported run */
	uint64_t max_run_steps;		/* the longest run */
	uint64_t total_steps;		/* all runs together */
	uint64_t preemptions;		/* of the reported run */
	uint64_t fail_step;		/* its failure: first report's step, else its last */
	char message[256];		/* failure description */
	char *token;			/* schedule token of the reported run (malloc) */
	char *reports;			/* its reports (WARN, lockdep, races...), or NULL */
	uint8_t *trace;			/* trace of the reported run, when recorded (malloc) */
	size_t trace_len;
};

/*
 * Explore @p under @o until a failure, the budget, or exhaustion. The
 * reported run is the first failure, or the last run. Returns 0, or -errno
 * with a message in @err for bad input (unknown strategy, bad budget).
 */
int sim_explore(const struct sim_program *p, const struct sim_explore_opts *o,
		struct sim_result *r, char *err, size_t errlen);

/*
 * Run exactly the schedule that @token names, recording its trace when
 * @trace is set. The token carries the run's budgets: @max_steps is 0, or
 * the token's step budget (anything else would be another run, and is
 * refused). -EINVAL with a message for a malformed token, a token of
 * another format version or another budget, -ESTALE for a token from
 * another build.
 */
int sim_replay(const struct sim_program *p, const char *token, bool trace,
	       uint64_t max_steps, struct sim_result *r, char *err, size_t errlen);

void sim_result_release(struct sim_result *r);

/*
 * Taking a failing run apart. Both replay the run @token names with its
 * decisions edited, and keep an edited run only while it fails in the way
 * @same accepts (NULL: any failure); @same sees each run as sim_explore's
 * accept filter does. -EINVAL with a message when the token's own run does
 * not fail that way, and as sim_replay() for a bad token.
 */

/*
 * The race window: how far the run's decisive preemption (its last
 * decision before the failure that cost a preemption: a CPU switched away
 * from a task that could go on, a task switched out on its CPU, an IPI
 * held back, ...) can move and the run still fail the same way.
 * It is replayed one step earlier, two, ... and one step later, two, ...,
 * switching to the same CPU, up to @limit steps each side; it never moves
 * past the decisions before and after it, nor to the failure's step.
 */
struct sim_window {
	bool found;			/* the run has a preemption */
	char what[24];			/* what it was: "preemption", "IPI held back", ... */
	uint64_t step;			/* its step */
	unsigned int from_cpu;		/* the CPU it was decided on */
	unsigned int to_cpu;		/* the CPU it ran next (from_cpu but for a preemption) */
	uint64_t cycle;			/* from_cpu's clock there */
	uint64_t early_steps, late_steps;	/* how far it moved and still failed */
	uint64_t early_cycles, late_cycles;	/* the same on from_cpu's clock */
	bool early_capped, late_capped;		/* stopped at @limit */
	bool early_bounded, late_bounded;	/* stopped at a neighbouring decision (late: or the failure) */
	uint64_t runs;			/* replays it took */
};

int sim_window(const struct sim_program *p, const char *token, uint64_t limit,
	       bool (*same)(const struct sim_result *run, void *arg), void *arg,
	       struct sim_window *w, char *err, size_t errlen);
/*
 * Append window @w (found) to the run's trace held in memory, *@trace of
 * *@len bytes (malloc'd, as sim_result.trace; both updated): a TR_WINDOW
 * record after its end record, at the decisive decision's step on
 * from_cpu (its task, its clock there), naming to_cpu, how many steps
 * and cycles it moved earlier and later, and what it was (a TR_STRING
 * with the next free id). -EINVAL with a message, the trace unchanged,
 * for a trace that is malformed or cut short, or a window not found.
 */
int sim_trace_add_window(uint8_t **trace, size_t *len, const struct sim_window *w,
			 char *err, size_t errlen);

/*
 * Fewer decisions: each non-default decision of the run left out in turn,
 * the last first, and kept out while the run still fails the same way.
 * @r is the last such run, its token exact (r->schedules: replays taken).
 */
int sim_reduce(const struct sim_program *p, const char *token,
	       bool (*same)(const struct sim_result *run, void *arg), void *arg,
	       struct sim_result *r, char *err, size_t errlen);

/*
 * The parts, for embedders that drive runs themselves: a machine of @ncpus
 * CPUs (NULL when out of range), and one schedule of @p on it, the same as
 * the first schedule of sim_explore() with this strategy and seed.
 */
struct machine *sim_machine_create(unsigned int ncpus);
void sim_machine_destroy(struct machine *m);
int sim_run(struct machine *m, const struct sim_program *p, const char *strategy,
	    uint64_t seed, struct sim_result *r, char *err, size_t errlen);

/* Validate a strategy name without running anything. */
int sim_strategy_check(const char *spec, char *err, size_t errlen);

/* This binary's build id as hex into @out (65 bytes hold any). */
void sim_build_id_hex(char *out, size_t len);

/* Machine queries that programs' check() may use. */
unsigned int sim_ncpus(const struct machine *m);
uint64_t sim_steps(const struct machine *m);
uint64_t sim_cpu_cycles(const struct machine *m, unsigned int cpu);
/* @cpu is in VMX operation (after VMXON, before VMXOFF): for check(). */
bool sim_cpu_in_vmx(const struct machine *m, unsigned int cpu);

#endif /* HVSIM_SIM_H */
