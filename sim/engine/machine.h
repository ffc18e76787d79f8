/* SPDX-License-Identifier: MIT */
/*
 * The engine's machine: CPUs, tasks, the step funnel and the decision log.
 * Everything the simulator keeps hangs off one struct machine; the only
 * process-wide variable is sim_current, the machine whose task is running
 * (the __tsan_* hooks take no context argument).
 */
#ifndef HVSIM_MACHINE_H
#define HVSIM_MACHINE_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "hvsim/sim.h"
#include "engine/ctx.h"
#include "engine/report.h"
#include "engine/rng.h"
#include "engine/step.h"
#include "engine/strbuf.h"
#include "engine/trace.h"

struct strategy;
struct trace_writer;

/* One operation a task is about to perform (a step). */
/*
 * What a kernel primitive or instruction (SIM_KCALL) may touch, for dfs's
 * choice of where to decide:
 *  ANY     anything: it sends IPIs, flips the irq flag, allocates, wakes
 *          an arbitrary task;
 *  OBJECT  [addr, addr + size) and the tasks that wait there (a lock, a
 *          completion, a wait queue, a freed object, the current VMCS): it
 *          is visible to other tasks only as an access to that memory is;
 *  CPU     its own CPU's registers (a control register, a non-APIC MSR,
 *          the TSC, CPUID), which no step on another CPU touches, or
 *          nothing at all (kfree(NULL)).
 */
enum sim_scope {
	SIM_SCOPE_ANY,
	SIM_SCOPE_OBJECT,
	SIM_SCOPE_CPU,
};

struct sim_op {
	uintptr_t addr;		/* host address accessed, 0 if none */
	uintptr_t pc;		/* instrumented pc of the access */
	const char *name;	/* SIM_KCALL: the primitive ("mutex_lock") */
	uint32_t size;		/* bytes accessed */
	uint8_t kind;		/* enum sim_kind, or SIM_OP_START */
	uint8_t scope;		/* SIM_KCALL: enum sim_scope */
};

enum task_state {
	TASK_RUNNABLE,
	TASK_PARKED,		/* spinning on unchanged memory: waits for a write */
	TASK_SPINWAIT,		/* spinning in a kernel primitive on wait_obj */
	TASK_BLOCKED,		/* asleep (off its CPU) until woken */
	TASK_HALTED,		/* an idle task in HLT */
	TASK_DONE,
};

enum task_kind {
	TASK_KIND_PROGRAM,	/* spawned by the program: the run ends when all are done */
	TASK_KIND_IDLE,		/* a CPU's idle task (swapper/N) */
	TASK_KIND_KTHREAD,	/* a kernel thread of the kernel model (cpuhp/N) */
};

/* Reads of one spin-loop iteration, watched while the task is parked. */
#define SIM_WATCH_MAX	8
struct sim_watch {
	uintptr_t addr;		/* first byte read or written */
	uint32_t size;		/* bytes read or written */
	bool wrote;		/* the iteration wrote it (its own stack only) */
	uint64_t value;		/* value read, or before the write (FNV-1a hash when size > 8) */
};

#define SIM_SHADOW_DEPTH 64

struct task {
	struct ctx ctx;			/* saved context while not running */
	struct ctx_stack *stack;	/* from the machine's pool */
	sim_task_fn fn;			/* entry */
	void *arg;			/* entry's argument */
	const char *name;		/* for reports and the trace */
	unsigned int id;		/* spawn index: stable across schedules */
	unsigned int cpu;		/* the CPU it is bound to */
	enum task_state state;
	enum task_kind kind;
	unsigned int pid;		/* as reports print it */
	bool need_sched_in;		/* switched onto its CPU: run sched-in hooks */
	bool switching_out;		/* blocking, its sched-out hooks running: a wake leaves it here */
	const void *wait_obj;		/* SPINWAIT/BLOCKED: what it waits for */
	const char *wait_what;		/* ... in words, for reports */
	uint64_t blocked_since;		/* its CPU's clock when it blocked */
	struct sim_op pending;		/* the op it will perform when next run */
	/* A tracepoint waiting for the task's next op (machine_trace_point()). */
	const char *point_name;
	uint64_t point_args[2];
	bool watch_recording;		/* recording one spin iteration's reads */
	bool watch_invalid;		/* the iteration wrote, read too much, or saw a change */
	unsigned int nwatch;		/* valid entries in watch[] */
	struct sim_watch watch[SIM_WATCH_MAX];
	unsigned int depth;		/* shadow call stack depth (may exceed the array) */
	unsigned int irq_depth;		/* interrupt handlers it is running (nested) */
	uintptr_t shadow[SIM_SHADOW_DEPTH]; /* __tsan_func_entry call pcs */
};

/*
 * A CPU as the engine sees it: a clock, step costs, and the task it runs.
 * Which tasks wait to run on it (the runqueue, the idle task) is the
 * kernel floor's, asked through the hooks.
 */
struct cpu {
	uint64_t cycles;		/* this CPU's clock */
	uint32_t cost[SIM_NR_KINDS];	/* cycles charged per step kind (its model's) */
	struct task *cur;		/* the task it runs (its idle task when nothing else) */
	unsigned int id;
};

/* Kinds of nondeterministic choice. */
enum sim_choice {
	SIM_CHOICE_SCHED,	/* which CPU performs the next step */
	SIM_CHOICE_PREEMPT,	/* switch the running CPU to another of its tasks */
	SIM_CHOICE_MIGRATE,	/* the CPU a woken task runs on */
	SIM_CHOICE_FAIL,	/* whether a fallible call fails */
	SIM_CHOICE_GUEST,	/* how long the guest stand-in runs before its exit */
	SIM_CHOICE_IRQ,		/* an IPI in flight: 0 lands it now, 1 not yet */
	SIM_NR_CHOICES
};

/* What a strategy is asked: choose a value in [0, n). */
struct sim_decision {
	enum sim_choice kind;
	unsigned int n;			/* answers */
	uint64_t step;			/* the step it decides */
	uint32_t ordinal;		/* index among this kind's decisions at this step */
	/* Not SCHED: a non-default answer costs no preemption (an IPI deferred again). */
	bool free;
	/* SCHED only: */
	bool forced;			/* the current CPU cannot go on */
	unsigned int cur;		/* current CPU */
	unsigned int dflt;		/* the CPU answer 0 names */
	uint64_t runnable;		/* mask of CPUs that can step */
	const struct sim_op *op;	/* the current task's pending op, or NULL */
};

/*
 * What the floors above the engine plug into a machine at creation, the way
 * strategies plug into a run: the engine calls these and knows nothing else
 * of the kernel model or the hardware. Every hook is optional (NULL: the
 * engine's plain default), and none is called on the per-step fast path.
 */
struct machine_hooks {
	/* A new run: after the engine's reset, before the program's setup. */
	void (*reset)(struct machine *m);
	/* The run's tasks are over (or it ended): before the program's check. */
	void (*run_end)(struct machine *m);
	/* Can task @t, running on @c, take an interrupt now (one is pending, IF set)? */
	bool (*irq_pending)(const struct machine *m, const struct cpu *c, const struct task *t);
	/* Take the current CPU's pending interrupts (handlers run on this stack). */
	void (*take_irq)(struct machine *m);
	/* May @t be preempted for another task of its CPU now? Default: yes. */
	bool (*preemptible)(const struct machine *m, const struct task *t);
	/* @t leaves its CPU for @next (@in false), or runs again (@in true). */
	void (*sched)(struct machine *m, struct task *t, bool in, struct task *next);
	/*
	 * The runqueues. @t was spawned on t->cpu (enqueue it); the task @c
	 * runs next when its current one leaves (NULL: none); @t was woken
	 * from a sleep (place it, and give it its CPU if that CPU idles);
	 * the tasks that could preempt @t on @c now, into @cand (how many);
	 * the run's tasks are spawned (start the CPUs' idle tasks).
	 */
	void (*enqueue)(struct machine *m, struct task *t);
	struct task *(*pick_next)(struct machine *m, struct cpu *c);
	void (*woken)(struct machine *m, struct task *t);
	unsigned int (*preempt_candidates)(struct machine *m, struct cpu *c, struct task *t,
					   struct task **cand);
	/*
	 * @t, running, was preempted for @next (its sched-out notifiers ran),
	 * or, @next NULL, is preemptible alone on its CPU: the kernel may move
	 * it to another CPU that idles (the load balancer), and make it that
	 * CPU's task; when @next is NULL, its own CPU goes to its idle task
	 * and it goes on on the new one at once.
	 */
	void (*preempted)(struct machine *m, struct task *t, struct task *next);
	void (*start)(struct machine *m);
	/* Per-access checks (SIM_DETECT_RACE/MEM): an access, and the step boundary. */
	void (*access)(struct machine *m, struct task *t, const struct sim_op *op);
	void (*flush)(struct machine *m);
	/* A happens-before edge through @obj: release (a wake-up) or acquire. */
	void (*hb)(struct machine *m, const void *obj, bool acquire);
	/*
	 * SIM_DETECT_RACE only: the memory order @mo (__ATOMIC_*) of the
	 * atomic at @addr just performed, @kind being what it did (a failed
	 * compare-exchange only loaded), or of a fence (SIM_FENCE, @addr 0).
	 */
	void (*order)(struct machine *m, unsigned int kind, uintptr_t addr, int mo);
	/* @t finished. */
	void (*task_exit)(struct machine *m, struct task *t);
	/* Every HUNG_CHECK_STEPS steps while tasks sleep (the hung-task oracle). */
	void (*check_sleepers)(struct machine *m);
	/*
	 * Nothing can run, program tasks remain: report why, or wake some
	 * (true: the floor above ended their sleeps, scheduling goes on). The
	 * engine ends the run as a deadlock (some sleep) or a livelock (all spin).
	 */
	bool (*stuck)(struct machine *m, unsigned int sleeping);
	/*
	 * The backstop caught a fault in instrumented code (signal @sig at
	 * @addr, @rip): report the oops. Called in host context, the run over.
	 */
	void (*oops)(struct machine *m, int sig, uintptr_t addr, uintptr_t rip);
	/* @addr as reports print it when a floor above owns it; 0 when not. */
	uintptr_t (*norm_addr)(const struct machine *m, uintptr_t addr);
	/*
	 * Is @norm (an address as reports print it) the simulated kernel's
	 * memory? Traces give such addresses as TR_REGION_HEAP.
	 */
	bool (*heap)(const struct machine *m, uint64_t norm);
};

/* Marks a report may carry (more are dropped), and the bytes of a label kept. */
#define MACHINE_MARKS_MAX	8
#define MACHINE_MARK_LABEL	128

/* A TR_MARK waiting for the report it belongs to (machine_mark()). */
struct machine_mark {
	struct trace_event e;		/* every field but the label's string id */
	char label[MACHINE_MARK_LABEL];	/* "" for none */
};

struct machine {
	/* Hot: read by every step. */
	uint64_t step;			/* steps performed in this run */
	uint64_t next_stop;		/* first step that takes the slow path */
	struct cpu *cur_cpu;		/* CPU of the running task */
	struct task *cur_task;		/* the running task, NULL in host context */
	bool running;			/* inside a run (false in the host dummy) */
	const char *kcall_name;		/* the named step that comes next */
	uint8_t kcall_scope;		/* ... and its enum sim_scope */

	/* The slow path's inputs. */
	uint64_t strategy_stop;		/* next step the strategy wants to see */
	uint64_t decided_step;		/* last step a SCHED decision was made for */
	uint32_t choose_count[SIM_NR_CHOICES]; /* decisions per kind at choose_step */
	uint64_t choose_step;		/* step choose_count counts for */
	uint64_t max_steps;		/* run budget in steps */
	uint64_t max_cycles;		/* run budget in cycles per CPU */
	unsigned int nparked;		/* tasks parked on a watch set */
	unsigned int nblocked;		/* tasks asleep (TASK_BLOCKED) */
	unsigned int nintr;		/* interrupts raised and not yet taken (any CPU) */
	bool tracing;			/* record trace events */
	uint32_t max_cost;		/* largest cost[] entry of any CPU */

	unsigned int ncpus;
	struct cpu cpus[SIM_MAX_CPUS];
	unsigned int ntasks;
	struct task tasks[SIM_MAX_TASKS];
	bool in_setup;			/* the program's setup() runs: keep room for idle and boot */
	unsigned int spawn_refused;	/* setup's spawns refused for a full table */
	unsigned int ndone;		/* tasks finished */
	unsigned int nlive;		/* program tasks not finished */
	unsigned int next_pid;		/* PIDs for tasks */

	struct ctx host;		/* the context that called machine_run() */
	struct ctx_pool pool;		/* task stacks */

	const struct machine_hooks *hooks; /* the floors above (never NULL) */
	/* sim_on_switch(): the program's, this run's; the CPU and task it last saw. */
	void (*on_switch)(unsigned int cpu, unsigned int task, void *arg);
	void *on_switch_arg;
	unsigned int on_switch_cpu, on_switch_task;
	/* sim_on_preemptible(): whether a CPU's own preempt count lets its task go. */
	bool (*preemptible)(unsigned int cpu, void *arg);
	void *preemptible_arg;
	/* sim_on_trap(): the program's decoder of ud2 traps, this run's. */
	enum sim_trap (*trap)(uintptr_t pc, void *arg);
	void *trap_arg;

	struct strategy *strat;		/* decides every choice */
	uint64_t run_seed;		/* this run's seed */
	uint32_t jitter;		/* max cycles of jitter added at a switch */
	struct rng jitter_rng;		/* jitter stream, seeded from run_seed */
	uint64_t preemptions;		/* this run's preemptions */

	struct sim_decision_rec *log;	/* this run's non-default decisions */
	uint32_t log_len, log_cap;

	enum sim_outcome outcome;	/* of the run, once ended */
	char message[256];		/* engine-detected failure description */
	unsigned int detect;		/* the program's SIM_DETECT_* bits */

	/* This run's reports, concatenated; the first one's title. */
	struct strbuf reports;
	unsigned int nreports;
	char first_title[160];
	uint64_t first_report_step;	/* the step of the first report */
	/* Tracing: the marks of the report being made, emitted after its TR_REPORT. */
	struct machine_mark marks[MACHINE_MARKS_MAX];
	unsigned int nmarks;

	struct trace_writer *trace;	/* when tracing */
	struct trace_event wpend;	/* write event waiting for its new value */
	uintptr_t wpend_addr;		/* ... and the address to read it from */
	bool wpend_valid;
	/*
	 * The pending write's step is still being performed: its store has
	 * not happened, so what its step emits (a wake of a spinner watching
	 * the location, a report) goes first and the write's record after.
	 */
	bool wpend_open;
	uintptr_t image_base;		/* load address of this binary */

	void *state_pristine;		/* copy of the instrumented data+bss */

	/* The oops backstop: a fault in instrumented code returns here. */
	sigjmp_buf oops_jmp;
	int oops_sig;
	uintptr_t oops_addr, oops_rip;
};

/* The machine whose task runs now; a const dummy when none runs. */
extern struct machine *sim_current;

void sim_step_slow(struct machine *m, unsigned int kind, uintptr_t addr,
		   uint32_t size, uintptr_t pc);

/*
 * The single scheduling point. The common case (no stop due) is a compare,
 * an increment and an add; everything else is in sim_step_slow().
 */
static inline void sim_step(struct machine *m, unsigned int kind, uintptr_t addr,
			    uint32_t size, uintptr_t pc)
{
	uint64_t s = m->step + 1;

	if (__builtin_expect(s >= m->next_stop, 0)) {
		sim_step_slow(m, kind, addr, size, pc);
		return;
	}
	m->step = s;
	m->cur_cpu->cycles += m->cur_cpu->cost[kind];
}

/*
 * A step named for traces (a kernel primitive, an instruction): a
 * scheduling point on @obj. Returns the machine it ran on.
 */
struct machine *machine_step_named(const void *obj, uintptr_t pc, const char *name);
/*
 * The same for a primitive whose whole effect is on the @size bytes at @obj
 * and on the tasks waiting on them (SIM_SCOPE_OBJECT): exhaustive search
 * decides at it only when another task touches that memory.
 */
struct machine *machine_step_obj(const void *obj, size_t size, uintptr_t pc, const char *name);
/* ... and for an instruction on its own CPU's registers alone (SIM_SCOPE_CPU). */
struct machine *machine_step_cpu(uintptr_t pc, const char *name);

/* Answer a nondeterministic choice in [0, n); 0 is the default. */
unsigned int sim_choose(struct machine *m, const struct sim_decision *d);

/*
 * Lifecycle. A floor above embeds struct machine in its own machine and
 * calls these on it: machine_init() with the hooks (kept, not copied),
 * machine_fini() before freeing it. -ENOMEM or -EINVAL.
 */
int machine_init(struct machine *m, unsigned int ncpus, const struct machine_hooks *hooks);
void machine_fini(struct machine *m);
/*
 * Run number @index of @p with @strat: reset the machine and the
 * instrumented state, run setup, the tasks and check, restore the state.
 * Sets *exhausted (and runs nothing) when the strategy has no run left.
 * Tracing needs machine_trace_begin() first. @boot runs before the
 * program's tasks start (module init), with the idle tasks spawned.
 */
enum sim_outcome machine_run(struct machine *m, const struct sim_program *p,
			     struct strategy *strat, uint64_t index, uint64_t run_seed,
			     uint32_t jitter, bool tracing, bool *exhausted,
			     void (*boot)(struct machine *m));
/* Record the next runs' traces into a writer started with @h. */
void machine_trace_begin(struct machine *m, const struct trace_header *h);

/* Engine queries for strategies. */
static inline bool machine_cpu_runnable(const struct machine *m, unsigned int cpu)
{
	return m->cpus[cpu].cur != NULL;
}

/* End the run as SIM_ABANDONED (dfs: redundant or over its bound). */
__attribute__((noreturn)) void machine_abandon(struct machine *m);

/* Park the running task until another task writes what it read (cpu_relax). */
void machine_relax(struct machine *m, uintptr_t pc);

/*
 * The running task's read-modify-write of [addr, addr + size), stepped as
 * SIM_ATOMIC_RMW, is done: when it @changed the value it was a write
 * (the spin iteration recording it is no pure spin, and tasks parked on
 * the bytes wake); when not, a read. The atomics' hooks call it.
 */
void machine_rmw_wrote(struct machine *m, uintptr_t addr, uint32_t size);
static inline void machine_rmw_done(struct machine *m, uintptr_t addr, uint32_t size, bool changed)
{
	if (changed && m->running && m->cur_task && (m->nparked || m->cur_task->watch_recording))
		machine_rmw_wrote(m, addr, size);
}

/* Bytes of instrumented state (data+bss) restored at every reset. */
size_t machine_state_size(void);

/* ---- for the floors above ---- */

void machine_update_next_stop(struct machine *m);
/* End the run from a task (oops, BUG). */
__attribute__((noreturn)) void machine_end(struct machine *m, enum sim_outcome o, const char *why);
/* The current task waits (BLOCKED, SPINWAIT, PARKED, HALTED) on @obj. */
void machine_wait(struct machine *m, enum task_state st, const void *obj, const char *what);
void machine_wake(struct machine *m, struct task *t);
/*
 * Runnable task @t was queued on its CPU without a wake-up (a new thread
 * placed there): a parked spinner running there goes round once more and
 * yields, as for a woken task (the scheduler tick's stand-in).
 */
void machine_queued(struct machine *m, struct task *t);
void machine_wake_spinners(struct machine *m, const void *obj);
/* A switch the current task cannot avoid (it yields). */
void machine_decide_forced(struct machine *m);
/* @next becomes the task @c runs (it runs its sched-in hooks when it resumes). */
void machine_set_cur(struct cpu *c, struct task *next);
/* @c sat idle or spinning until now: its clock catches up with the running CPU's. */
void machine_catch_up(struct machine *m, struct cpu *c);
/* The current task gives its CPU to @u (runnable, same CPU) and yields. */
void machine_switch_cpu_task(struct machine *m, struct task *u);
/*
 * Slots the program's setup() leaves in the task table for what is
 * spawned after it: an idle task per CPU (hooks->start) and the boot task.
 */
#define MACHINE_TASKS_AFTER_SETUP(ncpus)	((ncpus) + 1)
/* A new task on @cpu, or NULL (machine_spawn_error() says why). */
struct task *machine_spawn(struct machine *m, unsigned int cpu, const char *name,
			   sim_task_fn fn, void *arg, enum task_kind kind);
/* Why machine_spawn() on @cpu returned NULL: -EINVAL, -EAGAIN (table full) or -ENOMEM. */
int machine_spawn_error(const struct machine *m, unsigned int cpu);
/* The running task and CPU for a report (the floors above add IF and irq context). */
void machine_who(const struct machine *m, struct sim_who *w, uintptr_t pc);
/*
 * Append a finished report; the run is marked failed at its end. Traced:
 * a TR_REPORT (its kind from the title), the title's TR_LOG, then the
 * marks machine_mark() collected for it, or one TR_MARK_SITE at the
 * current step when none was.
 */
void machine_report_text(struct machine *m, const char *title, const char *text);
/* sim_mark_fn, @arg the machine: a mark for the next report (only while tracing). */
void machine_mark(void *arg, const struct sim_who *who, unsigned int kind, uint64_t addr,
		  uint32_t size, const char *label);
/*
 * The report callbacks of engine/report.h for the floors above, @arg the
 * machine: a pc as "func+0xoff/0xsize" (sim_symbolize_fn), a pc's
 * stack-trace lines with file:line and inlined calls (sim_frame_fn), the
 * global at an address as reports print it (sim_describe_fn: "" when the
 * address is not the binary's data), the member of a struct at an offset
 * (sim_member_fn).
 */
void machine_symbolize(void *arg, uintptr_t pc, char *buf, size_t len);
void machine_frame(void *arg, struct strbuf *sb, const char *prefix, uintptr_t pc,
		   const char *suffix);
void machine_describe(void *arg, uint64_t addr, char *buf, size_t len);
bool machine_member(void *arg, const char *type, uint64_t off, char *buf, size_t len);
void machine_trace_log(struct machine *m, const char *text);
/*
 * Interrupt entry or exit on the running task: traced, and counted in its
 * irq_depth (what a handler touches, dfs learns as the interrupt's).
 */
void machine_irq(struct machine *m, bool enter);
/*
 * A kernel tracepoint: its event name and two values. Recorded with the
 * running task's next op, at that op's step, so that it stands where the
 * operation it marks happens in the run's order, however long the task
 * waits for its turn in between.
 */
void machine_trace_point(struct machine *m, const char *name, uint64_t a, uint64_t b);
/* Emit @t's waiting tracepoint, if any (before its op, a switch away or its exit). */
void emit_point(struct machine *m, struct task *t);
/*
 * A VM entry, exit or failed entry (enum trace_vmx_kind) with its exit
 * reason or VM-instruction error, and the failed check's id (or NULL).
 */
void machine_trace_vmx(struct machine *m, unsigned int kind, uint32_t value, const char *check);
/*
 * CPU @cpu's clock: its model's nominal frequency and name (NULL: none),
 * for a reader to turn cycles into time. The hardware floor, which knows
 * the models, says it at each run's reset, before any event.
 */
void machine_trace_cpu(struct machine *m, unsigned int cpu, uint32_t mhz, const char *model);
/* CPU @src sent an interrupt IPI (@vector, or an NMI) that reaches CPU @dst. */
void machine_trace_ipi(struct machine *m, unsigned int src, unsigned int dst, uint8_t vector,
		       bool nmi);
/*
 * A lock event (enum trace_lock_kind) of the running task on the lock at
 * @lock, of @type (enum trace_lock_type) and class @name, at @pc.
 */
void machine_trace_lock(struct machine *m, unsigned int kind, unsigned int type,
			const void *lock, uintptr_t pc, const char *name);
/*
 * CPU @cpu enters hotplug @state (enum trace_cpu_state): on the CPU the
 * running task is on, or, outside a run's tasks (the initial states), on
 * @cpu itself.
 */
void machine_trace_cpuhp(struct machine *m, unsigned int cpu, unsigned int state);

/* @addr as reports and traces print it: the same in every process. */
uintptr_t machine_norm_addr(const struct machine *m, uintptr_t addr);
/*
 * The value at @addr (an FNV-1a hash past 8 bytes), 0 for no address:
 * what a trace and a race report show of an access, read even where the
 * frame that wrote it has returned.
 */
uint64_t machine_read_value(uintptr_t addr, uint32_t size);
/* Is [addr, addr + size) inside the instrumented data or bss? */
bool machine_in_state_sections(uintptr_t addr, uint32_t size);
/* The instrumented modules' data and bss as [lo[i], hi[i]) (at most 2): how many. */
unsigned int machine_state_ranges(uintptr_t lo[2], uintptr_t hi[2]);

/* The engine's step costs for a CPU without a model. */
extern const uint32_t machine_default_cost[SIM_NR_KINDS];
/* Per-CPU step costs; updates max_cost. @cost NULL: the engine's defaults. */
void machine_set_cpu_costs(struct machine *m, unsigned int cpu,
			   const uint32_t cost[SIM_NR_KINDS]);

#endif /* HVSIM_MACHINE_H */
