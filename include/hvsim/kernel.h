/* SPDX-License-Identifier: MIT */
/*
 * The host-kernel API that instrumented code (hv/, examples/, tests'
 * programs) sees, with Linux's names and semantics. sim/kernel/ is its only
 * implementation. Every primitive here is a step of the simulated CPU that
 * calls it (a scheduling point), and feeds the oracles: lockdep, the race
 * detector's happens-before, the hung-task and deadlock checks.
 *
 * Lock ordering inside the model itself: none; each primitive is one step.
 */
#ifndef HVSIM_KERNEL_H
#define HVSIM_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- compiler and memory-model helpers -------------------------------- */

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)

/*
 * Marked accesses. Volatile, as in Linux: instrumented with
 * tsan-distinguish-volatile, they reach the engine as marked accesses.
 */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#define barrier()		__asm__ __volatile__("" ::: "memory")

/* Full barrier; under sequential consistency a step with no other effect. */
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
/* Orders a preceding atomic RMW against what follows (paired by the reader's barrier). */
#define smp_mb__after_atomic()	smp_mb()
#define smp_mb__before_atomic()	smp_mb()
/* Paired with an smp_load_acquire() of the same location. */
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Paired with an smp_store_release() of the same location. */
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

#define xchg(p, v)		__atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
/* Returns the old value, like the kernel's cmpxchg(). */
#define cmpxchg(p, old, new)						\
	({								\
		__typeof__(*(p)) __old = (old);				\
		__atomic_compare_exchange_n((p), &__old, (new), 0,	\
					    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
		__old;							\
	})

typedef struct {
	int counter;
} atomic_t;

#define ATOMIC_INIT(i)		{ (i) }
#define atomic_read(v)		READ_ONCE((v)->counter)
#define atomic_set(v, i)	WRITE_ONCE((v)->counter, (i))
#define atomic_inc(v)		((void)__atomic_fetch_add(&(v)->counter, 1, __ATOMIC_RELAXED))
#define atomic_dec(v)		((void)__atomic_fetch_sub(&(v)->counter, 1, __ATOMIC_RELAXED))
#define atomic_add(i, v)	((void)__atomic_fetch_add(&(v)->counter, (i), __ATOMIC_RELAXED))
#define atomic_inc_return(v)	(__atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST))
#define atomic_dec_return(v)	(__atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST))
#define atomic_dec_and_test(v)	(atomic_dec_return(v) == 0)
#define atomic_cmpxchg(v, o, n)	cmpxchg(&(v)->counter, (o), (n))

#define BITS_PER_LONG		64
#define BIT(n)			(1UL << (n))
#define set_bit(nr, addr)	((void)__atomic_fetch_or((addr) + (nr) / BITS_PER_LONG, \
					BIT((nr) % BITS_PER_LONG), __ATOMIC_RELAXED))
#define clear_bit(nr, addr)	((void)__atomic_fetch_and((addr) + (nr) / BITS_PER_LONG, \
					~BIT((nr) % BITS_PER_LONG), __ATOMIC_RELAXED))
#define test_bit(nr, addr)	((READ_ONCE((addr)[(nr) / BITS_PER_LONG]) >> ((nr) % BITS_PER_LONG)) & 1)
#define test_and_set_bit(nr, addr)					\
	((__atomic_fetch_or((addr) + (nr) / BITS_PER_LONG,		\
			    BIT((nr) % BITS_PER_LONG), __ATOMIC_SEQ_CST) >> ((nr) % BITS_PER_LONG)) & 1)
#define test_and_clear_bit(nr, addr)					\
	((__atomic_fetch_and((addr) + (nr) / BITS_PER_LONG,		\
			     ~BIT((nr) % BITS_PER_LONG), __ATOMIC_SEQ_CST) >> ((nr) % BITS_PER_LONG)) & 1)

/* ---- CPUs, preemption, interrupts -------------------------------------- */

#define NR_CPUS			64

/*
 * PAUSE in a spin loop. A task whose whole loop iteration re-reads memory
 * that nobody changed is parked until another task writes a location it
 * read; spin on READ_ONCE() (a plain `while (!flag);` compiles to a jump to
 * itself with no access left to see).
 */
void cpu_relax(void);

/* The CPU the calling task runs on. */
unsigned int smp_processor_id(void);
#define raw_smp_processor_id()	smp_processor_id()

void preempt_disable(void);
void preempt_enable(void);
bool preemptible(void);
/* preempt_disable() and the CPU; put_cpu() undoes it. */
unsigned int get_cpu(void);
void put_cpu(void);

void local_irq_disable(void);
void local_irq_enable(void);
unsigned long __local_irq_save(void);
void local_irq_restore(unsigned long flags);
#define local_irq_save(flags)	do { (flags) = __local_irq_save(); } while (0)
bool irqs_disabled(void);
bool in_interrupt(void);

/* The simulated cpumasks, one bit per CPU. */
struct cpumask {
	uint64_t bits;
};

bool cpu_online(unsigned int cpu);
bool cpu_active(unsigned int cpu);
unsigned int num_online_cpus(void);
unsigned int nr_cpu_ids_get(void);
#define nr_cpu_ids		nr_cpu_ids_get()
/* Iterate over the CPUs online when each is reached. */
#define for_each_online_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)			\
		if (!cpu_online(cpu)) {} else
#define for_each_possible_cpu(cpu)					\
	for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)

/*
 * Per-CPU variables: one slot per possible CPU, each in its own 8-byte
 * words, as each CPU's copy is in its own per-CPU area in Linux, so two
 * CPUs' copies never share a word (dfs, which learns sharing per 8 bytes,
 * would otherwise see every CPU's flag in a bool array as one shared
 * word). Not a cache line each: the instrumented data is copied back at
 * every run's start, and 64 CPUs' lines of every variable cost the
 * schedules per second. A variable is declared in one file only
 * (DEFINE_PER_CPU); DECLARE_PER_CPU names it for another file.
 */
#define PER_CPU_SLOT_ALIGN		8
#define DEFINE_PER_CPU(type, name)					\
	struct percpu_##name {						\
		__typeof__(type) v __attribute__((aligned(PER_CPU_SLOT_ALIGN))); \
	} name[NR_CPUS]
#define DECLARE_PER_CPU(type, name)	extern struct percpu_##name name[NR_CPUS]
#define per_cpu(name, cpu)		((name)[(cpu)].v)
#define per_cpu_ptr(ptr, cpu)		(&(ptr)[(cpu)].v)
#define this_cpu_ptr(ptr)		(&(ptr)[smp_processor_id()].v)
#define __this_cpu_read(name)		((name)[smp_processor_id()].v)
#define __this_cpu_write(name, val)	((name)[smp_processor_id()].v = (val))

/*
 * Cross-CPU calls, delivered as IPIs through the local APIC: @func runs
 * on the target CPU in interrupt context once the IPI landed and the CPU
 * can take it (interrupts enabled, nothing of higher priority in service). With @wait,
 * the caller spins (taking interrupts itself) until every call returned.
 */
typedef void (*smp_call_func_t)(void *info);
int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait);
/* The CPUs of @mask online at the call, but the caller's. */
void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func,
			    void *info, bool wait);
/* Every CPU online at the call but the caller's. */
void smp_call_function(smp_call_func_t func, void *info, int wait);
/* Every online CPU, the caller's included (locally with interrupts off). */
void on_each_cpu(smp_call_func_t func, void *info, int wait);
void smp_send_reschedule(int cpu);

/*
 * The local APIC, as Linux's apic->send_IPI() and the IDT: a fixed IPI of
 * @vector to @cpu (or to the caller's own CPU), a handler for a vector
 * (0x20-0xff but the call-function and reschedule vectors: -EINVAL,
 * -EBUSY when taken; set per run), and what a hypervisor does after a VM
 * exit that acknowledged an external interrupt: call the vector's gate,
 * with interrupts off, as if the interrupt had arrived (the handler EOIs);
 * vector 2 after an NMI exit runs the NMI handlers, whose IRET unblocks
 * NMIs. Other exception vectors are ignored.
 */
void apic_send_IPI(int cpu, int vector);
/*
 * NMI handlers, as Linux's register_nmi_handler(NMI_LOCAL, ...): each
 * returns NMI_HANDLED or NMI_DONE; an NMI nobody handled prints Linux's
 * "unknown reason" lines. At most 4 per run; -ENOSPC beyond.
 */
#define NMI_LOCAL	0
#define NMI_DONE	0
#define NMI_HANDLED	1
typedef int (*nmi_handler_t)(unsigned int type, void *regs);
int register_nmi_handler(unsigned int type, nmi_handler_t fn, unsigned long flags,
			 const char *name);
void apic_send_IPI_self(int vector);
int alloc_intr_gate(unsigned int vector, void (*handler)(void));
void kernel_dispatch_interrupt(unsigned int vector);

/* ---- tasks and scheduling --------------------------------------------- */

struct task;	/* the engine's; opaque here */

struct task *get_current(void);
#define current			get_current()
int task_pid_nr(const struct task *t);
const char *task_comm(const struct task *t);
/* The CPU @t last ran on. */
unsigned int task_cpu(const struct task *t);

/* Yield the CPU; a step where another task of this CPU may run. */
void schedule(void);
void cond_resched(void);
int wake_up_process(struct task *t);
/*
 * Let @p run only on the CPUs of @new_mask; -EINVAL when none of them is
 * online and active. The running task moves at once when its CPU is not
 * in the mask.
 */
int set_cpus_allowed_ptr(struct task *p, const struct cpumask *new_mask);

/* Start a kernel thread running @fn(@data) on @cpu (bound) or anywhere (-1). */
struct task *kthread_run_on(int (*fn)(void *data), void *data, int cpu, const char *name);

/* Sched in/out callbacks of the task that registered them (KVM: vcpu load/put). */
struct preempt_notifier;
struct preempt_ops {
	void (*sched_in)(struct preempt_notifier *notifier, int cpu);
	void (*sched_out)(struct preempt_notifier *notifier, struct task *next);
};
struct preempt_notifier {
	struct preempt_notifier *link;	/* the task's list */
	struct preempt_ops *ops;
};
void preempt_notifier_init(struct preempt_notifier *n, struct preempt_ops *ops);
/* Register on the current task (with preemption disabled, as KVM does). */
void preempt_notifier_register(struct preempt_notifier *n);
void preempt_notifier_unregister(struct preempt_notifier *n);

/* ---- locks -------------------------------------------------------------- */

/* A lock class: its address identifies the class (lockdep). */
struct lock_class_key {
	char unused;
};

/* Common head of every lock: lockdep's view of it. */
struct sim_lock_dep {
	const char *name;			/* class name */
	const struct lock_class_key *key;	/* class; NULL: the lock itself */
};

typedef struct raw_spinlock {
	unsigned int owner;		/* task id + 1, 0 when free */
	struct sim_lock_dep dep;
} raw_spinlock_t;

typedef struct spinlock {
	raw_spinlock_t rlock;
} spinlock_t;

struct mutex {
	unsigned int owner;		/* task id + 1, 0 when free */
	struct task *waiters;		/* FIFO of sleepers */
	struct sim_lock_dep dep;
};

struct rw_semaphore {
	int readers;			/* readers inside */
	unsigned int writer;		/* task id + 1 of the writer inside, 0 if none */
	struct task *waiters;		/* FIFO of sleepers, readers and writers */
	struct sim_lock_dep dep;
};

#define __SIM_DEP(n)		{ .name = #n, .key = NULL }
#define __RAW_SPIN_LOCK_UNLOCKED(n)	{ .owner = 0, .dep = __SIM_DEP(n) }
#define DEFINE_RAW_SPINLOCK(n)	raw_spinlock_t n = __RAW_SPIN_LOCK_UNLOCKED(n)
#define DEFINE_SPINLOCK(n)	spinlock_t n = { .rlock = __RAW_SPIN_LOCK_UNLOCKED(n) }
#define DEFINE_MUTEX(n)		struct mutex n = { .owner = 0, .dep = __SIM_DEP(n) }
#define DECLARE_RWSEM(n)	struct rw_semaphore n = { .readers = 0, .dep = __SIM_DEP(n) }

void __raw_spin_lock_init(raw_spinlock_t *l, const char *name, const struct lock_class_key *key);
void __mutex_init(struct mutex *m, const char *name, const struct lock_class_key *key);
void __init_rwsem(struct rw_semaphore *s, const char *name, const struct lock_class_key *key);
/* Dynamic locks get one class per init site, as in Linux. */
#define raw_spin_lock_init(l)						\
	do { static struct lock_class_key __key; __raw_spin_lock_init((l), #l, &__key); } while (0)
#define spin_lock_init(l)						\
	do { static struct lock_class_key __key; __raw_spin_lock_init(&(l)->rlock, #l, &__key); } while (0)
#define mutex_init(m)							\
	do { static struct lock_class_key __key; __mutex_init((m), #m, &__key); } while (0)
#define init_rwsem(s)							\
	do { static struct lock_class_key __key; __init_rwsem((s), #s, &__key); } while (0)

void raw_spin_lock(raw_spinlock_t *l);
void raw_spin_unlock(raw_spinlock_t *l);
int raw_spin_trylock(raw_spinlock_t *l);
#define spin_lock(l)		raw_spin_lock(&(l)->rlock)
#define spin_unlock(l)		raw_spin_unlock(&(l)->rlock)
#define spin_trylock(l)		raw_spin_trylock(&(l)->rlock)
#define spin_lock_irq(l)	do { local_irq_disable(); spin_lock(l); } while (0)
#define spin_unlock_irq(l)	do { spin_unlock(l); local_irq_enable(); } while (0)
#define spin_lock_irqsave(l, f)	do { local_irq_save(f); spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f) do { spin_unlock(l); local_irq_restore(f); } while (0)
#define raw_spin_lock_irqsave(l, f) do { local_irq_save(f); raw_spin_lock(l); } while (0)
#define raw_spin_unlock_irqrestore(l, f) do { raw_spin_unlock(l); local_irq_restore(f); } while (0)
bool raw_spin_is_locked(raw_spinlock_t *l);
#define spin_is_locked(l)	raw_spin_is_locked(&(l)->rlock)

void mutex_lock(struct mutex *m);
/* Killable: -EINTR, without the mutex, when a fatal signal comes while it waits. */
int mutex_lock_killable(struct mutex *m);
int mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);
bool mutex_is_locked(struct mutex *m);

void down_read(struct rw_semaphore *s);
void up_read(struct rw_semaphore *s);
void down_write(struct rw_semaphore *s);
void up_write(struct rw_semaphore *s);

/* The CPU hotplug lock (a per-CPU rw-semaphore in Linux). */
void cpus_read_lock(void);
void cpus_read_unlock(void);
void cpus_write_lock(void);
void cpus_write_unlock(void);
void lockdep_assert_cpus_held(void);

/*
 * Happens-before for synchronization that code outside hvsim's kernel
 * model builds itself (tools/kvm-tree's SRCU and RCU grace periods, on
 * counters the race detector does not see): what the calling task did
 * before kernel_hb_release(@obj) happens before what any task does after
 * a later kernel_hb_acquire(@obj). Releases accumulate: an acquire is
 * ordered after every release before it. Not steps.
 */
void kernel_hb_release(const void *obj);
void kernel_hb_acquire(const void *obj);

/* ---- sleeping and waking ------------------------------------------------ */

/*
 * Sleep states (Linux's values). The only signal is the fatal one a
 * program's end sends (see docs/design.md), so an interruptible and a
 * killable sleep both end early only then; they differ for the hung-task
 * check, which reports neither. mutex_lock, wait_for_completion and
 * wait_event sleep uninterruptibly.
 */
#define TASK_INTERRUPTIBLE	0x0001
#define TASK_UNINTERRUPTIBLE	0x0002
#define TASK_WAKEKILL		0x0100
#define TASK_KILLABLE		(TASK_WAKEKILL | TASK_UNINTERRUPTIBLE)
/* A kernel-internal errno: a system call returns -EINTR for it (fs.c's user return). */
#ifndef ERESTARTSYS
#define ERESTARTSYS		512
#endif

struct completion {
	unsigned int done;
	struct task *waiters;
};
#define COMPLETION_INITIALIZER(n)	{ 0, NULL }
#define DECLARE_COMPLETION(n)		struct completion n = COMPLETION_INITIALIZER(n)
void init_completion(struct completion *c);
void wait_for_completion(struct completion *c);
/* 0, or -ERESTARTSYS (not completed) when a fatal signal comes while it waits. */
int wait_for_completion_interruptible(struct completion *c);
int wait_for_completion_killable(struct completion *c);
void complete(struct completion *c);
void complete_all(struct completion *c);

struct wait_queue_head {
	struct task *waiters;		/* tasks between prepare_to_wait() and finish_wait() */
};
typedef struct wait_queue_head wait_queue_head_t;
#define DECLARE_WAIT_QUEUE_HEAD(n)	wait_queue_head_t n = { NULL }
void init_waitqueue_head(wait_queue_head_t *wq);
/* Queue the current task to sleep in @state (TASK_*); an exclusive waiter is woken alone. */
void prepare_to_wait(wait_queue_head_t *wq, int state);
void prepare_to_wait_exclusive(wait_queue_head_t *wq, int state);
void finish_wait(wait_queue_head_t *wq);
/*
 * Sleep unless woken since prepare_to_wait(): 0, or -ERESTARTSYS when the
 * state lets a fatal signal end the sleep and one came (or was pending).
 */
int schedule_wait(wait_queue_head_t *wq);
/* Wake every non-exclusive waiter and the first exclusive one not yet woken. */
void wake_up(wait_queue_head_t *wq);

/* Sleep in @state until @cond holds; no lost wake-ups (the kernel's protocol). */
#define __wait_event_state(wq, cond, state, excl)			\
	({								\
		int __wret = 0;						\
		for (;;) {						\
			if (excl)					\
				prepare_to_wait_exclusive(&(wq), (state)); \
			else						\
				prepare_to_wait(&(wq), (state));	\
			if (cond)					\
				break;					\
			__wret = schedule_wait(&(wq));			\
			if (__wret)					\
				break;					\
		}							\
		finish_wait(&(wq));					\
		__wret;							\
	})
#define wait_event(wq, cond)						\
	((void)__wait_event_state(wq, cond, TASK_UNINTERRUPTIBLE, 0))
/* 0 once @cond holds, or -ERESTARTSYS when a fatal signal woke it first. */
#define wait_event_interruptible(wq, cond)				\
	__wait_event_state(wq, cond, TASK_INTERRUPTIBLE, 0)
#define wait_event_killable(wq, cond)					\
	__wait_event_state(wq, cond, TASK_KILLABLE, 0)
#define wait_event_interruptible_exclusive(wq, cond)			\
	__wait_event_state(wq, cond, TASK_INTERRUPTIBLE, 1)

/*
 * rcuwait: one waiter, no queue (KVM's vCPU blocking). The waker finds the
 * task through @task (RCU-protected in Linux; here every call is a step).
 */
struct rcuwait {
	struct task *task;		/* the waiter between prepare and finish, or NULL */
};
#define __RCUWAIT_INITIALIZER(n)	{ .task = NULL }
void rcuwait_init(struct rcuwait *w);
void rcuwait_prepare(struct rcuwait *w, int state);
/* Sleep unless woken since rcuwait_prepare(): 0, or -EINTR on a fatal signal. */
int rcuwait_schedule(struct rcuwait *w);
void rcuwait_finish(struct rcuwait *w);
/* Wake the waiter, if any: whether there was one. */
int rcuwait_wake_up(struct rcuwait *w);
/* Sleep in @state until @cond holds: 0, or -EINTR when a fatal signal woke it (Linux's). */
#define rcuwait_wait_event(w, cond, state)				\
	({								\
		int __rret = 0;						\
		for (;;) {						\
			rcuwait_prepare((w), (state));			\
			if (cond)					\
				break;					\
			__rret = rcuwait_schedule(w);			\
			if (__rret)					\
				break;					\
		}							\
		rcuwait_finish(w);					\
		__rret;							\
	})

/* ---- an xarray, as KVM uses for vcpu_array ------------------------------------- */

/*
 * Fixed capacity; slots are published with release and read with acquire
 * (rcu_dereference in Linux), so a reader racing with xa_insert() sees the
 * entry fully initialised or not at all. Inline: the accesses are the
 * caller's, instrumented like the rest of its code.
 */
#define XA_SLOTS		1024

struct xarray {
	void *slots[XA_SLOTS];
};

#define DEFINE_XARRAY(name)	struct xarray name = { { NULL } }

static inline void xa_init(struct xarray *xa)
{
	for (unsigned long i = 0; i < XA_SLOTS; i++)
		WRITE_ONCE(xa->slots[i], NULL);
}

static inline void *xa_load(struct xarray *xa, unsigned long index)
{
	return index < XA_SLOTS ? smp_load_acquire(&xa->slots[index]) : NULL;
}

/* 0, -EBUSY (-16) when the slot is taken, -EINVAL (-22) beyond the capacity. */
static inline int xa_insert(struct xarray *xa, unsigned long index, void *entry, unsigned int gfp)
{
	void *expected = NULL;

	(void)gfp;
	if (index >= XA_SLOTS)
		return -22;
	return __atomic_compare_exchange_n(&xa->slots[index], &expected, entry, 0,
					   __ATOMIC_RELEASE, __ATOMIC_RELAXED) ? 0 : -16;
}

static inline void *xa_erase(struct xarray *xa, unsigned long index)
{
	return index < XA_SLOTS ? __atomic_exchange_n(&xa->slots[index], NULL, __ATOMIC_SEQ_CST) :
				  NULL;
}

/* ---- CPU hotplug --------------------------------------------------------- */

/*
 * States, in bring-up order. STARTING states (and their teardowns, DYING)
 * run on the CPU concerned with interrupts off and cannot fail; ONLINE
 * states run in that CPU's hotplug thread and can fail, which rolls the
 * CPU back offline.
 */
enum cpuhp_state {
	CPUHP_OFFLINE = 0,
	CPUHP_AP_STARTING_FIRST = 10,
	CPUHP_AP_KVM_STARTING = 11,
	CPUHP_AP_STARTING_DYN = 12,
	CPUHP_AP_STARTING_LAST = 19,
	CPUHP_AP_ONLINE = 20,
	CPUHP_AP_ONLINE_IDLE = 21,
	CPUHP_AP_KVM_ONLINE = 22,
	CPUHP_AP_ONLINE_DYN = 23,
	CPUHP_ONLINE = 30,
};

/*
 * Register callbacks for @state and run startup on every online CPU, on
 * that CPU; if one fails, the CPUs done so far run teardown, and the state
 * is not registered.
 */
int cpuhp_setup_state(enum cpuhp_state state, const char *name,
		      int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu));
/* The same without running startup now. */
int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu));
/* Unregister @state, running teardown on every online CPU first (or not). */
void cpuhp_remove_state(enum cpuhp_state state);
void cpuhp_remove_state_nocalls(enum cpuhp_state state);
/* Bring @cpu up or down; takes the hotplug lock for write. */
int add_cpu(unsigned int cpu);
int remove_cpu(unsigned int cpu);

/* ---- files, devices, user memory ----------------------------------------- */

#define __user

struct file;
struct file_operations {
	int (*open)(struct file *filp);
	int (*release)(struct file *filp);
	long (*unlocked_ioctl)(struct file *filp, unsigned int cmd, unsigned long arg);
	/*
	 * mmap of @len bytes at page offset @pgoff: the kernel memory user
	 * space then sees (one address space), or an ERR_PTR(). Linux's takes
	 * a vm_area_struct and maps pages; hvsim's memory is shared already.
	 */
	void *(*mmap)(struct file *filp, unsigned long len, unsigned long pgoff);
};

struct file {
	const struct file_operations *f_op;
	void *private_data;
	int f_count;			/* references: fds and fget()s */
	char name[32];			/* "kvm", "kvm-vm", "kvm-vcpu:0" ... */
};

struct miscdevice {
	int minor;
	const char *name;		/* opened as /dev/<name> */
	const struct file_operations *fops;
};

#define MISC_DYNAMIC_MINOR	255
#ifndef O_RDWR
#define O_RDWR			02
#endif
#ifndef O_CLOEXEC
#define O_CLOEXEC		02000000
#endif

int misc_register(struct miscdevice *misc);
void misc_deregister(struct miscdevice *misc);
/* A new file with @fops and @priv, installed as an fd of the calling process. */
int anon_inode_getfd(const char *name, const struct file_operations *fops, void *priv, int flags);
/*
 * The same in Linux's three steps: reserve the lowest free fd (-EMFILE),
 * make the file (ERR_PTR(-ENFILE)), then install it in the reserved fd,
 * or give the fd back. A reserved fd is not open: fget() and close()
 * fail on it until fd_install().
 */
int get_unused_fd_flags(unsigned int flags);
struct file *anon_inode_getfile(const char *name, const struct file_operations *fops, void *priv,
				int flags);
void fd_install(int fd, struct file *f);
void put_unused_fd(int fd);
struct file *fget(int fd);
void fput(struct file *f);

/* Bytes NOT copied (0 on success): a range outside the process's user memory faults. */
unsigned long copy_from_user(void *to, const void __user *from, unsigned long n);
unsigned long copy_to_user(void __user *to, const void *from, unsigned long n);
/*
 * Whether [@p, @p + @n) is user space (an empty range always is). A
 * process's address space is its user memory, so this is the range
 * copy_*_user() accept (Linux's checks only the bound, TASK_SIZE; hvsim
 * has nothing else below it).
 */
bool access_ok(const void __user *p, unsigned long n);

/*
 * Fault injection, as syzkaller's fail_nth: the Nth fallible call of a
 * system call fails. Allocations are fallible; code may mark others.
 */
bool should_fail(void);

/*
 * Module parameters, as Linux's module_param(): "MODNAME.NAME" (the file
 * defines KBUILD_MODNAME before including this header), set by a program
 * with sim_set_module_param() from its setup(), before boot, as on the
 * kernel command line. Types: bool, int, charp.
 */
struct kernel_param {
	const char *name;		/* "kvm.variant" */
	char type;			/* 'b' bool, 'i' int, 's' charp */
	void *var;
};
#define __param_type_bool	'b'
#define __param_type__Bool	'b'	/* stdbool.h's bool, expanded on the way in */
#define __param_type_int	'i'
#define __param_type_charp	's'
/* The section holds pointers: a compiler may pad structures placed there. */
#define module_param_named(pname, var, type, perm)				\
	static const struct kernel_param __param_##pname =			\
		{ KBUILD_MODNAME "." #pname, __param_type_##type, &(var) };	\
	static const struct kernel_param *const __param_ptr_##pname		\
	__attribute__((used, section("hvsim_param"))) = &__param_##pname
#define module_param(var, type, perm)	module_param_named(var, var, type, perm)

/* Module init functions run at boot, in link (registration) order. */
typedef int (*initcall_t)(void);
#define module_init(fn)							\
	static const initcall_t __initcall_##fn				\
	__attribute__((used, section("hvsim_initcall"))) = (fn)

/* ---- error pointers, containers ---------------------------------------------- */

#define MAX_ERRNO		4095
#define IS_ERR_VALUE(x)		((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error)
{
	return (void *)error;
}
static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}
static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}
#ifndef container_of
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - __builtin_offsetof(type, member)))
#endif

/* ---- memory ----------------------------------------------------------------- */

typedef unsigned int gfp_t;
#define GFP_KERNEL		0x1u
#define GFP_ATOMIC		0x2u
#define __GFP_ZERO		0x100u
#define GFP_KERNEL_ACCOUNT	GFP_KERNEL

void *kmalloc(size_t size, gfp_t flags);
void *kzalloc(size_t size, gfp_t flags);
void *kcalloc(size_t n, size_t size, gfp_t flags);
void kfree(const void *p);
#define kvzalloc(s, f)		kzalloc((s), (f))
#define kvfree(p)		kfree(p)

/*
 * Slab caches, Linux's API. A cache's objects are @size bytes; reports
 * name memory in them by the cache ("kvm_vcpu+0x8") and, when the cache
 * knows the struct it holds, by member ("kvm_vcpu->cpu"): KMEM_CACHE()
 * gives it, as Linux's macro names the cache after the struct. @align
 * and @flags are accepted and not modelled; a constructor is not
 * supported (NULL is returned). Creating and destroying a cache are not
 * steps (module init and exit); alloc and free are kmalloc's and kfree's.
 * kfree() of a cache's object is fine (as since Linux 6.4).
 */
struct kmem_cache;
typedef unsigned int slab_flags_t;
#define SLAB_HWCACHE_ALIGN	0x00002000u
#define SLAB_ACCOUNT		0x04000000u

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     slab_flags_t flags, void (*ctor)(void *));
/* kmem_cache_create() of objects that are struct @type (its name, for reports). */
struct kmem_cache *__kmem_cache_create_type(const char *name, const char *type, unsigned int size,
					    unsigned int align, slab_flags_t flags);
#define KMEM_CACHE(__struct, __flags)						\
	__kmem_cache_create_type(#__struct, #__struct, sizeof(struct __struct),	\
				 __alignof__(struct __struct), (__flags))
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags);
void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags);
void kmem_cache_free(struct kmem_cache *s, void *p);
void kmem_cache_destroy(struct kmem_cache *s);

#define PAGE_SIZE		4096UL
#define PAGE_SHIFT		12
unsigned long __get_free_pages(gfp_t flags, unsigned int order);
void free_pages(unsigned long addr, unsigned int order);
uint64_t __pa(const void *va);
void *__va(uint64_t pa);
/*
 * The direct map, for a real kernel object's inline __pa() and __va()
 * (tools/kvm-tree): __va(pa) == (void *)(@offset + pa) for every pa in
 * [@first, @first + @bytes), machine @m's physical memory.
 */
struct machine;
void kernel_direct_map(const struct machine *m, uintptr_t *offset, uint64_t *first,
		       uint64_t *bytes);

/* ---- logging and assertions ------------------------------------------- */

int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_info(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)	printk(fmt, ##__VA_ARGS__)
#define pr_err(fmt, ...)	printk(fmt, ##__VA_ARGS__)

/*
 * Rate limiting (Linux's linux/ratelimit.h): at most @burst passes in each
 * window of @interval_ns; one state per call site. Time is the calling
 * CPU's clock: its cycles at its model's nominal frequency (the model
 * file's "frequency"), in nanoseconds. A window starts at the first call
 * and restarts at the first call after it ends, which prints how many
 * were suppressed, as Linux does.
 */
struct ratelimit_state {
	uint64_t interval_ns;		/* the window; 0: no limit */
	int burst;			/* passes per window; 0: none pass */
	int printed;			/* passes in this window */
	int missed;			/* refusals in this window */
	uint64_t begin_ns;		/* the window's start, on the clock of the CPU that started it */
	bool started;			/* a window has begun (Linux: begin != 0) */
	const char *func;		/* printk_ratelimited's caller, for "suppressed" */
};

#define NSEC_PER_SEC			1000000000ULL
#define DEFAULT_RATELIMIT_INTERVAL	(5 * NSEC_PER_SEC)
#define DEFAULT_RATELIMIT_BURST		10

#define DEFINE_RATELIMIT_STATE(name, interval, burst_)				\
	struct ratelimit_state name = { .interval_ns = (interval), .burst = (burst_) }

/* 1: go ahead; 0: suppressed. @func names the caller in the "suppressed" line. */
int ___ratelimit(struct ratelimit_state *rs, const char *func);
#define __ratelimit(rs)		___ratelimit((rs), __func__)

/* printk() when ___ratelimit(@rs, @rs->func) lets it through: printk_ratelimited's one call. */
int __printk_ratelimited(struct ratelimit_state *rs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * printk at most 10 times per 5 s from this call site (a state of its own,
 * as Linux's). One call at the site, like printk's, so that a call site's
 * code (and what the compiler inlines around it) stays as printk's.
 */
#define printk_ratelimited(fmt, ...)						\
	({									\
		static struct ratelimit_state __rs = {				\
			.interval_ns = DEFAULT_RATELIMIT_INTERVAL,		\
			.burst = DEFAULT_RATELIMIT_BURST, .func = __func__,	\
		};								\
		__printk_ratelimited(&__rs, fmt, ##__VA_ARGS__);		\
	})
#define pr_warn_ratelimited(fmt, ...)	printk_ratelimited(fmt, ##__VA_ARGS__)

/* Record a WARNING report (the run goes on) / a BUG (the run ends). */
void __warn(const char *file, int line, const char *func);
__attribute__((noreturn)) void __bug(const char *file, int line, const char *func);

#define WARN_ON(cond)							\
	({								\
		int __ret = !!(cond);					\
		if (unlikely(__ret))					\
			__warn(__FILE__, __LINE__, __func__);		\
		unlikely(__ret);					\
	})
#define WARN_ON_ONCE(cond)						\
	({								\
		static bool __warned;					\
		int __ret = !!(cond);					\
		if (unlikely(__ret) && !__warned) {			\
			__warned = true;				\
			__warn(__FILE__, __LINE__, __func__);		\
		}							\
		unlikely(__ret);					\
	})
#define BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			__bug(__FILE__, __LINE__, __func__);		\
	} while (0)
#define BUG()			__bug(__FILE__, __LINE__, __func__)

/*
 * The same reports for a trap: a WARN or BUG whose code continues at @pc
 * (the instruction after the trapping one), from a handler that decoded
 * the trap (a real kernel object's ud2 and __bug_table). __bug_report_at()
 * only reports: the handler ends the run (sim_on_trap()).
 */
void __warn_at(const char *file, int line, const void *pc);
void __bug_report_at(const char *file, int line, const void *pc);

/*
 * Code hvsim runs but does not model reached @what (a function name),
 * called from @caller (a return address; NULL: the caller of this): the
 * run ends, failed, with the report "not modelled: @what". The stubs that
 * stand in for the kernel functions a real kvm_main.o calls and hvsim has
 * no model of yet (tools/kvm-tree/link.sh) call it with their own return
 * address.
 */
__attribute__((noreturn)) void not_modelled(const char *what, const void *caller);

/* ---- tracepoints ------------------------------------------------------- */

/*
 * A tracepoint: event @name (a string that outlives the run, a literal)
 * with two values, a TR_POINT record when the run is traced, nothing
 * otherwise. Like Linux's tracepoints it is not a scheduling point and
 * changes nothing the code does; the viewer draws requests and kicks
 * from them. It is recorded at the caller's next operation (that step,
 * just before it), so place it right before the operation it marks: a
 * task may wait long for its turn between the two.
 */
void trace_point(const char *name, uint64_t a, uint64_t b);

/*
 * Statistics the kernel exports (KVM's debugfs and stats counters): add to
 * one, set one, read one, outside the schedule. None is a step or an
 * access the race detector or dfs sees, so counting changes nothing the
 * strategies explore; like trace_point(), they exist to be looked at.
 */
void debugfs_add(uint64_t *counter, uint64_t n);
void debugfs_set(uint64_t *counter, uint64_t value);
uint64_t debugfs_read(const uint64_t *counter);

#endif /* HVSIM_KERNEL_H */
