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

#include "hvsim/kernel.h"
#include "hvsim/sim.h"
#include "engine/ctx.h"
#include "engine/report.h"
#include "cpu/model.h"
#include "vmx/vmx.h"
#include "engine/rng.h"
#include "engine/trace.h"

struct strategy;
struct trace_writer;

/* What a step does. Order matters: see sim_kind_is_write() and friends. */
enum sim_kind {
	SIM_READ,		/* plain load */
	SIM_READ_MARKED,	/* READ_ONCE (volatile) load */
	SIM_ATOMIC_LOAD,	/* atomic load */
	SIM_WRITE,		/* plain store */
	SIM_WRITE_MARKED,	/* WRITE_ONCE (volatile) store */
	SIM_ATOMIC_STORE,	/* atomic store */
	SIM_ATOMIC_RMW,		/* exchange, fetch-op, compare-exchange */
	SIM_FENCE,		/* memory fence */
	SIM_RELAX,		/* cpu_relax(): PAUSE in a spin loop */
	SIM_KCALL,		/* a kernel primitive (lock, wake-up, IPI, irq flag) */
	SIM_NR_KINDS
};

static inline bool sim_kind_is_read(unsigned int k)
{
	return k <= SIM_ATOMIC_LOAD || k == SIM_ATOMIC_RMW;
}

static inline bool sim_kind_is_write(unsigned int k)
{
	return k >= SIM_WRITE && k <= SIM_ATOMIC_RMW;
}

static inline bool sim_kind_is_access(unsigned int k)
{
	return k <= SIM_ATOMIC_RMW;
}

const char *sim_kind_name(unsigned int k);

/* One operation a task is about to perform (a step). */
struct sim_op {
	uintptr_t addr;		/* host address accessed, 0 if none */
	uintptr_t pc;		/* instrumented pc of the access */
	const char *name;	/* SIM_KCALL: the primitive ("mutex_lock") */
	uint32_t size;		/* bytes accessed */
	uint8_t kind;		/* enum sim_kind, or SIM_OP_START */
};

/* Pending operation of a task that has not run yet. */
#define SIM_OP_START	0xff

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

/* A queued cross-CPU function call (IPI payload). */
struct sim_csd {
	void (*func)(void *info);	/* runs in the target's interrupt context */
	void *info;
	struct sim_csd *next;		/* the target CPU's queue */
	struct task *sender;		/* for happens-before and reports */
	uint64_t arrives;		/* the sender's clock at the send, plus delivery */
	uint8_t vector;			/* the IPI's vector (SIM_*_VECTOR) */
	/* Acknowledged on a VM exit (in service): a guest no longer exits for it. */
	bool acked;
	bool done;			/* set when func has returned */
};

/* The vectors Linux gives its IPIs (arch/x86 irq_vectors.h's numbers). */
#define SIM_CALL_FUNCTION_SINGLE_VECTOR	0xfb
#define SIM_CALL_FUNCTION_VECTOR	0xfc
#define SIM_RESCHEDULE_VECTOR		0xfd

struct preempt_notifier;

/* Reads of one spin-loop iteration, watched while the task is parked. */
#define SIM_WATCH_MAX	8
struct sim_watch {
	uintptr_t addr;		/* first byte read */
	uint32_t size;		/* bytes read */
	uint64_t value;		/* value read (FNV-1a hash when size > 8) */
};

#define SIM_SHADOW_DEPTH 64

struct task {
	struct ctx ctx;			/* saved context while not running */
	struct ctx_stack *stack;	/* from the machine's pool */
	struct task *next_on_cpu;	/* the CPU's task list, in spawn order */
	sim_task_fn fn;			/* entry */
	void *arg;			/* entry's argument */
	int (*kfn)(void *data);		/* kthread_run_on()'s function */
	void *kdata;			/* ... and its argument */
	const char *name;		/* for reports and the trace */
	unsigned int id;		/* spawn index: stable across schedules */
	unsigned int cpu;		/* the CPU it is bound to */
	enum task_state state;
	enum task_kind kind;
	unsigned int pid;		/* as reports print it */
	int preempt_count;		/* preempt_disable() depth */
	bool pinned;			/* may not migrate */
	bool in_irq;			/* running an interrupt handler */
	bool need_sched_in;		/* switched onto its CPU: run sched-in notifiers */
	bool wake_pending;		/* woken between prepare_to_wait() and sleeping */
	bool wait_excl;			/* waits for an rw-semaphore as a writer */
	const void *wait_obj;		/* SPINWAIT/BLOCKED: what it waits for */
	const char *wait_what;		/* ... in words, for reports */
	struct task *wait_next;		/* FIFO link in a lock's or queue's waiters */
	uint64_t blocked_since;		/* its CPU's clock when it blocked */
	bool hung_reported;		/* the hung-task report was made */
	struct preempt_notifier *notifiers; /* sched in/out callbacks */
	struct sim_process *proc;	/* user tasks: their process */
	int fail_nth;			/* fault injection: fail this fallible call */
	int fail_count;			/* fallible calls so far in this system call */
	struct sim_op pending;		/* the op it will perform when next run */
	bool watch_recording;		/* recording one spin iteration's reads */
	bool watch_invalid;		/* the iteration wrote, read too much, or saw a change */
	unsigned int nwatch;		/* valid entries in watch[] */
	struct sim_watch watch[SIM_WATCH_MAX];
	unsigned int depth;		/* shadow call stack depth (may exceed the array) */
	uintptr_t shadow[SIM_SHADOW_DEPTH]; /* __tsan_func_entry call pcs */
};

struct cpu {
	uint64_t cycles;		/* this CPU's clock */
	uint32_t cost[SIM_NR_KINDS];	/* cycles charged per step kind (its model's) */
	struct task *tasks;		/* its runqueue: tasks on this CPU, in arrival order */
	struct task *cur;		/* the task it runs (idle when nothing else) */
	struct task *idle;		/* its idle task, once the kernel model started */
	struct sim_csd *irq_head;	/* queued IPIs, FIFO */
	struct sim_csd *irq_tail;
	bool irqs_enabled;		/* RFLAGS.IF */
	bool online;			/* in cpu_online_mask */
	bool active;			/* in cpu_active_mask */
	unsigned int id;
	/* The hardware (sim/cpu/): its model and architectural state. */
	const struct cpu_model *model;	/* NULL: a generic CPU (no CPUID, no MSRs) */
	uint32_t apic_id;		/* initial (x2)APIC ID */
	uint64_t cr0, cr4;
	uint64_t msr_val[MODEL_MAX_MSRS]; /* current values, indexed like model->msrs */
	struct cpu_vmx vmx;		/* VMX operation (sim/vmx/) */
};

/*
 * One non-default answer of sim_choose(): the decision log's entry. A
 * decision is named by its step and its slot there, (index among the
 * decisions of its kind at that step) * SIM_CHOICE_SLOTS + kind: the same
 * program point gets the same slot whether or not a strategy happened to
 * be consulted for an optional switch at that step.
 */
struct sim_decision_rec {
	uint64_t step;		/* step the decision was made for */
	uint32_t ordinal;	/* its slot at that step */
	uint32_t value;		/* the answer (never 0) */
};

#define SIM_CHOICE_SLOTS 16

/* Kinds of nondeterministic choice. */
enum sim_choice {
	SIM_CHOICE_SCHED,	/* which CPU performs the next step */
	SIM_CHOICE_PREEMPT,	/* switch the running CPU to another of its tasks */
	SIM_CHOICE_MIGRATE,	/* the CPU a woken task runs on */
	SIM_CHOICE_FAIL,	/* whether a fallible call fails */
	SIM_CHOICE_GUEST,	/* how long the guest stand-in runs before its exit */
	SIM_NR_CHOICES
};

/* What a strategy is asked: choose a value in [0, n). */
struct sim_decision {
	enum sim_choice kind;
	unsigned int n;			/* answers */
	uint64_t step;			/* the step it decides */
	uint32_t ordinal;		/* index among this kind's decisions at this step */
	/* SCHED only: */
	bool forced;			/* the current CPU cannot go on */
	unsigned int cur;		/* current CPU */
	unsigned int dflt;		/* the CPU answer 0 names */
	uint64_t runnable;		/* mask of CPUs that can step */
	const struct sim_op *op;	/* the current task's pending op, or NULL */
};

struct machine {
	/* Hot: read by every step. */
	uint64_t step;			/* steps performed in this run */
	uint64_t next_stop;		/* first step that takes the slow path */
	struct cpu *cur_cpu;		/* CPU of the running task */
	struct task *cur_task;		/* the running task, NULL in host context */
	bool running;			/* inside a run (false in the host dummy) */
	const char *kcall_name;		/* the kernel primitive whose step comes next */

	/* The slow path's inputs. */
	uint64_t strategy_stop;		/* next step the strategy wants to see */
	uint64_t decided_step;		/* last step a SCHED decision was made for */
	uint32_t choose_count[SIM_NR_CHOICES]; /* decisions per kind at choose_step */
	uint64_t choose_step;		/* step choose_count counts for */
	uint64_t max_steps;		/* run budget in steps */
	uint64_t max_cycles;		/* run budget in cycles per CPU */
	uint64_t hung_cycles;		/* a sleep this long is a hung task */
	unsigned int nparked;		/* tasks parked on a watch set */
	unsigned int nblocked;		/* tasks asleep (TASK_BLOCKED) */
	bool tracing;			/* record trace events */
	uint32_t max_cost;		/* largest cost[] entry of any CPU */

	unsigned int ncpus;
	struct cpu cpus[SIM_MAX_CPUS];
	unsigned int ntasks;
	struct task tasks[SIM_MAX_TASKS];
	unsigned int ndone;		/* tasks finished */
	unsigned int nlive;		/* program tasks not finished */
	unsigned int nirq;		/* IPIs queued and not yet handled */
	unsigned int next_pid;		/* PIDs for kernel-model tasks */

	struct ctx host;		/* the context that called machine_run() */
	struct ctx_pool pool;		/* task stacks */

	struct strategy *strat;		/* decides every choice */
	uint64_t run_seed;		/* this run's seed */
	uint32_t jitter;		/* max cycles of jitter added at a switch */
	struct rng jitter_rng;		/* jitter stream, seeded from run_seed */
	uint64_t preemptions;		/* this run's preemptions */

	struct sim_decision_rec *log;	/* this run's non-default decisions */
	uint32_t log_len, log_cap;

	enum sim_outcome outcome;	/* of the run, once ended */
	char message[256];		/* engine-detected failure description */

	struct trace_writer *trace;	/* when tracing */
	struct trace_event wpend;	/* write event waiting for its new value */
	uintptr_t wpend_addr;		/* ... and the address to read it from */
	bool wpend_valid;
	uintptr_t image_base;		/* load address of this binary */
	struct symtab *symtab;		/* its function symbols, loaded on first use */
	bool symtab_tried;

	void *state_pristine;		/* copy of the instrumented data+bss */

	/* The oops backstop: a fault in instrumented code returns here. */
	sigjmp_buf oops_jmp;
	int oops_sig;
	uintptr_t oops_addr, oops_rip;
	struct sigaction old_segv, old_bus;
	stack_t old_sigstack;
	char oops_stack[64 * 1024] __attribute__((aligned(16)));

	/* The machine's slots (sim/cpu/): a model per CPU, and who starts offline. */
	struct cpu_model *models;	/* [ncpus], when a description was given */
	struct vmx_store *vmx;		/* VMCS contents by physical address */
	uint64_t offline_slots;		/* CPUs that start each run offline */

	/* The kernel model (sim/kernel/). */
	unsigned int detect;		/* SIM_DETECT_* bits: checks run on every access */
	struct kmodel *k;		/* its state */
};


/* Default hung-task budget: a scaled-down hung_task_timeout_secs. */
#define SIM_HUNG_CYCLES		(1ULL << 24)

struct kmodel;
struct sim_process;
struct symtab;

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

/* Answer a nondeterministic choice in [0, n); 0 is the default. */
unsigned int sim_choose(struct machine *m, const struct sim_decision *d);

/* Lifecycle, used by explore.c and tests. */
struct machine *machine_create(unsigned int ncpus);
void machine_destroy(struct machine *m);
/*
 * Run number @index of @p with @strat: reset the machine and the
 * instrumented state, run setup, the tasks and check, restore the state.
 * Sets *exhausted (and runs nothing) when the strategy has no run left.
 * Tracing needs machine_trace_begin() first.
 */
enum sim_outcome machine_run(struct machine *m, const struct sim_program *p,
			     struct strategy *strat, uint64_t index, uint64_t run_seed,
			     uint32_t jitter, bool tracing, bool *exhausted);
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

/* Bytes of instrumented state (data+bss) restored at every reset. */
size_t machine_state_size(void);

/* ---- for the kernel model (sim/kernel/) ---- */

void machine_update_next_stop(struct machine *m);
/* End the run from a task (oops, BUG). */
__attribute__((noreturn)) void machine_end(struct machine *m, enum sim_outcome o, const char *why);
/* Nothing can run but program tasks remain: report and end the run. */
__attribute__((noreturn)) void machine_no_runnable(struct machine *m);
/* The current task waits (BLOCKED, SPINWAIT, PARKED, HALTED) on @obj. */
void machine_wait(struct machine *m, enum task_state st, const void *obj, const char *what);
void machine_wake(struct machine *m, struct task *t);
void machine_wake_spinners(struct machine *m, const void *obj);
/* A switch the current task cannot avoid (it yields). */
void machine_decide_forced(struct machine *m);
void machine_place_woken(struct machine *m, struct task *t);
/* The current task gives its CPU to @u (runnable, same CPU) and yields. */
void machine_switch_cpu_task(struct machine *m, struct task *u);
/* Happens-before edges through @obj (locks, wake-ups, IPIs). */
void machine_hb_release(struct machine *m, const void *obj);
void machine_hb_acquire(struct machine *m, const void *obj);
struct task *machine_spawn(struct machine *m, unsigned int cpu, const char *name,
			   sim_task_fn fn, void *arg, enum task_kind kind);
/* Describe the current task for a detector. */
void machine_who(const struct machine *m, struct sim_who *w, uintptr_t pc);
/* Append a finished report; the run is marked failed. */
void machine_report_text(struct machine *m, const char *title, const char *text);
void machine_symbolize(void *arg, uintptr_t pc, char *buf, size_t len);
void machine_trace_log(struct machine *m, const char *text);
void machine_trace_irq(struct machine *m, bool enter);
/*
 * A VM entry, exit or failed entry (enum trace_vmx_kind) with its exit
 * reason or VM-instruction error, and the failed check's id (or NULL).
 */
void machine_trace_vmx(struct machine *m, unsigned int kind, uint32_t value, const char *check);

/* @addr as reports and traces print it: the same in every process. */
uintptr_t machine_norm_addr(const struct machine *m, uintptr_t addr);
/* Is [addr, addr + size) inside the instrumented data or bss? */
bool machine_in_state_sections(uintptr_t addr, uint32_t size);

/* Per-CPU step costs from the CPU's model (or the defaults); updates max_cost. */
void machine_set_costs(struct machine *m);
/* sim/cpu/hw.c: give each CPU its model's reset state (every run). */
void cpu_hw_reset(struct machine *m);
/* Configure slots from a description ("4 slots: skylake-sp x3, slot 3 kabylake offline"). */
int machine_configure(struct machine *m, const char *desc, char *err, size_t errlen);

/* sim/kernel/irq.c: run the current CPU's queued IPIs. */
void machine_handle_irqs(struct machine *m);
/* sim/kernel/detect.c: the detectors' glue. */
void machine_detect_access(struct machine *m, struct task *t, const struct sim_op *op);
void machine_detect_flush(struct machine *m);
void machine_task_exit_hooks(struct machine *m, struct task *t);
/* sim/kernel/kmodel.c: per-run setup and teardown of the kernel model. */
int kmodel_create(struct machine *m);
void kmodel_destroy(struct machine *m);
void kmodel_reset(struct machine *m);
void kmodel_run_end(struct machine *m);

#endif /* HVSIM_MACHINE_H */
