/* SPDX-License-Identifier: MIT */
/*
 * The kernel model's machine: the hardware's machine (and so the engine's)
 * embedded first, then the kernel's own state, with its per-task and
 * per-CPU parts indexed like the engine's tasks and CPUs.
 */
#ifndef HVSIM_KMODEL_H
#define HVSIM_KMODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "hvsim/kernel.h"
#include "hvsim/user.h"
#include "engine/machine.h"
#include "cpu/hw.h"
#include "engine/strbuf.h"
#include "kernel/mem.h"

/* One registered hotplug state. */
struct cpuhp_step {
	const char *name;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
	bool set;
};

#define KMODEL_CSD_POOL	256
#define KMODEL_MAX_PROCS	8
#define KMODEL_MAX_FDS		64
#define KMODEL_MAX_FILES	256
#define KMODEL_MAX_MISC		8
#define KMODEL_USER_MEM		SIM_USER_MEM_BYTES
#define KMODEL_ARENA		(64u << 20)	/* simulated physical memory */
#define KMODEL_MAX_PARAM_STRS	16	/* charp module parameters a program sets */
#define KMODEL_PARAM_STR_LEN	128	/* ... and their longest value, with its NUL */

/* A cross-CPU function call, queued on its target's call queue. */
struct sim_csd {
	struct sim_csd *next;		/* the target's call queue, FIFO */
	void (*func)(void *info);	/* runs in the target's interrupt context */
	void *info;
	struct task *sender;		/* for happens-before and reports */
	bool done;			/* set when func has returned */
};

/* The vectors Linux gives its IPIs (arch/x86 irq_vectors.h's numbers). */
#define SIM_CALL_FUNCTION_SINGLE_VECTOR	0xfb
#define SIM_CALL_FUNCTION_VECTOR	0xfc
#define SIM_RESCHEDULE_VECTOR		0xfd

/* Default hung-task budget: a scaled-down hung_task_timeout_secs. */
#define SIM_HUNG_CYCLES		(1ULL << 24)

struct preempt_notifier;
struct sim_process;

/* A task's kernel state (task_struct's part the engine does not keep). */
struct ktask {
	int (*kfn)(void *data);		/* kthread_run_on()'s function */
	void *kdata;			/* ... and its argument */
	int preempt_count;		/* preempt_disable() depth */
	bool in_irq;			/* running an interrupt handler */
	bool wake_pending;		/* woken between prepare_to_wait() and sleeping */
	bool wait_excl;			/* waits for an rw-semaphore as a writer */
	bool wq_excl;			/* an exclusive wait-queue waiter (woken one at a time) */
	int wq_state;			/* the TASK_* state prepare_to_wait() asked for */
	int sleep_state;		/* TASK_* while asleep; 0 (uninterruptible) otherwise */
	bool fatal_signal;		/* SIGKILL pending: its program ended (kernel_stuck) */
	bool hung_reported;		/* the hung-task report was made */
	bool pinned;			/* may not migrate when woken */
	uint64_t allowed;		/* unpinned: the CPUs it may run on (set_cpus_allowed_ptr) */
	struct task *next_on_cpu;	/* its CPU's runqueue, in arrival order */
	struct task *wait_next;		/* FIFO link in a lock's or queue's waiters */
	struct preempt_notifier *notifiers; /* sched in/out callbacks */
	struct sim_process *proc;	/* user tasks: their process */
	void (*ufn)(void *arg);		/* user tasks: the function it runs ... */
	void *uarg;			/* ... and its argument */
	bool files_exited;		/* left its process in its own context (process_exit_files) */
	int fail_nth;			/* fault injection: fail this fallible call */
	int fail_count;			/* fallible calls so far in this system call */
};

/* A CPU's kernel state. */
struct kcpu {
	bool online;			/* in cpu_online_mask */
	bool active;			/* in cpu_active_mask */
	struct task *rq;		/* its runqueue: tasks on this CPU, in arrival order */
	struct task *rq_tail;		/* ... and its last task */
	struct task *idle;		/* its idle task (swapper/N) */
	struct sim_csd *csd_head;	/* its call queue (call_single_queue) */
	struct sim_csd *csd_tail;
	bool ap_started;		/* SIPI reached it: the kernel's AP entry ran */
	void *boot_req;			/* what the AP entry is to start (add_cpu's request) */
};

/* A user process: its fds and its user memory. */
struct sim_process {
	struct file *fds[KMODEL_MAX_FDS];	/* 0-2 stay empty, as stdio */
	uint64_t fds_reserved;			/* get_unused_fd_flags() before fd_install() */
	void *umem;				/* user memory (kept across runs, zeroed each) */
	size_t umem_len;
	unsigned int nr_tasks;			/* live tasks; the last one closes the fds */
	wait_queue_head_t futex_wq;		/* its futex waiters (one queue; they recheck) */
};

/*
 * struct kmem_cache stays incomplete: a handle is a fixed address that
 * encodes its id in the memory model (sim/kernel/memory.c).
 */

struct kmodel {
	/* sim_on_cpu_online(): the program's, this run's. */
	void (*online_fn)(unsigned int cpu, bool online, void *arg);
	void *online_arg;

	struct rw_semaphore hotplug_lock;	/* cpus_read_lock() and friends */
	struct lock_class_key hotplug_key;	/* its lockdep class */
	struct cpuhp_step steps[CPUHP_ONLINE + 1];

	/* Fire-and-forget IPIs (wait == 0) need csds that outlive the call. */
	struct sim_csd csd_pool[KMODEL_CSD_POOL];
	/* The IDT's gates alloc_intr_gate() set this run (system vectors are irq.c's own). */
	void (*gate[256])(void);
	nmi_handler_t nmi[4];		/* register_nmi_handler(), this run */
	/* The strings charp module parameters point at (kept: the variables point here). */
	const struct kernel_param *param_of[KMODEL_MAX_PARAM_STRS];
	char param_strs[KMODEL_MAX_PARAM_STRS][KMODEL_PARAM_STR_LEN];
	unsigned int nparam_strs;
	unsigned int csd_next;

	struct strbuf log;		/* this run's printk output */

	struct sim_process procs[KMODEL_MAX_PROCS];
	struct file files[KMODEL_MAX_FILES];	/* every file opened this run */
	unsigned int nfiles;
	struct miscdevice *misc[KMODEL_MAX_MISC];	/* registered misc devices */
	unsigned int nmisc;
	struct completion booted;	/* module init is done: user tasks may start */

	/* A write waits here for its new value until the task's next step. */
	struct {
		bool valid;
		struct sim_who who;
		uintptr_t stack[16];	/* the writer's frames, copied at the write */
		struct sim_op op;
		uint64_t old_val;
	} race_wpend;

	struct lockdep *lockdep;	/* lock-order and held-lock checks */
	struct race *race;		/* happens-before data-race detector */
	struct mem *mem;		/* simulated kernel memory */

	struct ktask tasks[SIM_MAX_TASKS];	/* by task id */
	unsigned int tasks_dirty;	/* ktasks the last run used (reset at the next) */
	struct kcpu cpus[SIM_MAX_CPUS];	/* by CPU id */
	uint64_t hung_cycles;		/* a sleep this long is a hung task */
	struct phys_mem *phys;		/* simulated physical memory (sim/mem) */
	uintptr_t arena_lo, arena_len;	/* its host mapping, for kernel_norm_addr() */
};

/* The kernel model's machine. */
struct kmachine {
	struct hw_machine hw;		/* first: the engine's machine is at offset 0 */
	struct kmodel k;
};

static inline struct kmodel *kmodel_of(const struct machine *m)
{
	return &((struct kmachine *)(uintptr_t)m)->k;
}

static inline const struct kmodel *kmodel_of_const(const struct machine *m)
{
	return &((const struct kmachine *)m)->k;
}

static inline struct ktask *ktask(const struct machine *m, const struct task *t)
{
	return &kmodel_of(m)->tasks[t->id];
}

/* The running task's kernel state. */
static inline struct ktask *kcur(const struct machine *m)
{
	return &kmodel_of(m)->tasks[m->cur_task->id];
}

static inline struct kcpu *kcpu(const struct machine *m, unsigned int cpu)
{
	return &kmodel_of(m)->cpus[cpu];
}

/* A machine of @ncpus CPUs with the kernel model on it; NULL on failure. */
struct machine *kmachine_create(unsigned int ncpus, const struct machine_hooks *hooks);
void kmachine_destroy(struct machine *m);
/* The kernel's "who": the engine's plus IF and interrupt context. */
void kernel_who(struct machine *m, struct sim_who *w, uintptr_t pc);

/*
 * The kernel floor's side of struct machine_hooks (the assembly, sim/hvsim.c,
 * puts them in the table): per-run reset and end, scheduling policy, the
 * oracles that watch the whole machine, and the oops for the backstop.
 */
void kmodel_reset(struct machine *m);
void kmodel_run_end(struct machine *m);
bool kernel_preemptible(const struct machine *m, const struct task *t);
void kernel_sched(struct machine *m, struct task *t, bool in, struct task *next);
bool kernel_cpu_usable(const struct machine *m, unsigned int cpu);
void kernel_check_hung(struct machine *m);
bool kernel_stuck(struct machine *m, unsigned int sleeping);
void kernel_oops(struct machine *m, int sig, uintptr_t addr, uintptr_t rip);
uintptr_t kernel_norm_addr(const struct machine *m, uintptr_t addr);
/* Is @norm (as reports print it) the simulated kernel's memory? (TR_REGION_HEAP) */
bool kernel_heap(const struct machine *m, uint64_t norm);
/* The memory at @addr (as reports print it) by name; "" when unknown (sim_describe_fn). */
void kernel_describe(void *arg, uint64_t addr, char *buf, size_t len);
/* Hold program tasks until module init ran in an init task on CPU 0 (SIM_PROG_BOOT). */
void kmodel_boot(struct machine *m);

/* sim/kernel/sched.c: the runqueues (struct machine_hooks' side of them). */
void ksched_enqueue(struct machine *m, struct task *t);
struct task *ksched_pick_next(struct machine *m, struct cpu *c);
void ksched_woken(struct machine *m, struct task *t);
/* A thread just created by a user task: placed (an idle CPU first), and started. */
void ksched_new_task(struct machine *m, struct task *t);
unsigned int ksched_preempt_candidates(struct machine *m, struct cpu *c, struct task *t,
				       struct task **cand);
void ksched_start(struct machine *m);
/* The running @t was preempted for @next, or is alone (NULL): it may move to another CPU. */
void ksched_preempted(struct machine *m, struct task *t, struct task *next);
/* The next runnable task of @t's runqueue after it (wrapping), or NULL. */
struct task *ksched_next_after(struct machine *m, struct task *t);

/* Lock kinds, as lockdep sees them. */
enum klock_kind {
	KLOCK_SPIN,
	KLOCK_MUTEX,
	KLOCK_READ,
	KLOCK_WRITE,
};

/* sim/kernel/detect.c: lockdep's side of the lock primitives. */
void kdetect_lock_acquire(struct machine *m, const void *lock, const struct sim_lock_dep *dep,
			  enum klock_kind kind, bool trylock, uintptr_t pc);
void kdetect_lock_release(struct machine *m, const void *lock, uintptr_t pc);
void kdetect_might_sleep(struct machine *m, const char *what, uintptr_t pc);
/* Happens-before edges through @obj (locks, wake-ups, IPIs): the race detector's. */
void kdetect_hb_release(struct machine *m, const void *obj);
void kdetect_hb_acquire(struct machine *m, const void *obj);
/* An atomic's or a fence's memory order (engine hook): the race detector's. */
void kdetect_order(struct machine *m, unsigned int kind, uintptr_t addr, int mo);
/* The per-access detectors (engine hooks), and a finished task's checks. */
void kdetect_access(struct machine *m, struct task *t, const struct sim_op *op);
void kdetect_flush(struct machine *m);
void kdetect_task_exit(struct machine *m, struct task *t);

/* Return to user space at the end of a system call (lockdep checks). */
void kdetect_user_return(struct machine *m, uintptr_t pc);
/* A task of a process exited: the last one closes its files. */
void fs_task_exit(struct machine *m, struct task *t);
/*
 * sim/kernel/irq.c: the hardware's entries (interrupt, NMI), the running
 * CPU's APIC brought up, and a spinning or idle CPU taking what it can
 * (irq_takeable: anything to land or take; irq_take: land and take it all).
 */
void irq_entry(struct machine *m, uint8_t vector);
void nmi_entry(struct machine *m);
void kernel_apic_setup(struct machine *m, unsigned int cpu);
/* The running CPU's ICR write, in its APIC's mode (no step: the caller's). */
void kernel_icr_write(struct machine *m, uint32_t low, uint32_t dest);
bool irq_takeable(const struct machine *m);
/* Run the running CPU's queued cross-CPU calls (the call-function vectors, a dying CPU). */
void flush_call_queue(struct machine *m);
void irq_take(struct machine *m);
/* sim/kernel/cpuhp.c: where an AP starts after INIT and SIPI. */
void kernel_ap_start(struct machine *m, unsigned int cpu, uint8_t sipi_vector);
/* ... and each CPU's hotplug state as the run starts, into the trace (after setup). */
void cpuhp_trace_start(struct machine *m);
/* module_init() functions: how many, and run them all. */
/*
 * printk.c: the rate limit's decision at time @now_ns (___ratelimit() with
 * the clock read): 1 pass, 0 suppressed; *@suppressed is the count of the
 * window just ended when a new one starts with some missed, else 0.
 */
int ratelimit_at(struct ratelimit_state *rs, uint64_t now_ns, int *suppressed);
size_t kmodel_nr_initcalls(void);
void kmodel_run_initcalls(void);
/* The step every primitive is: a scheduling point on @obj, named for traces. */
#define kcall_named(obj, pc, name)	machine_step_named((obj), (pc), (name))
#define kcall(obj, pc)		machine_step_named((obj), (pc), __func__)
/*
 * A primitive whose whole effect is on *obj and on the tasks waiting on it
 * (a lock, a completion, a wait queue): dfs decides at it only when another
 * task touches the object.
 */
#define kcall_obj_named(obj, pc, name)	machine_step_obj((obj), sizeof(*(obj)), (pc), (name))
#define kcall_obj(obj, pc)		machine_step_obj((obj), sizeof(*(obj)), (pc), __func__)

#endif /* HVSIM_KMODEL_H */
