// SPDX-License-Identifier: MIT
/*
 * 6.1's locks, RCU, SRCU, cross-CPU calls and preempt notifiers on
 * hvsim's (the kernel-header side: 6.1's types in, k61_iface.h out).
 *
 * A 6.1 lock keeps none of its own state here: its address keys one of
 * hvsim's locks in the hvsim side's table (host61_sync.c), which lockdep,
 * the race detector's happens-before and the trace see as any hvsim lock.
 * Its class is the lock_class_key its __mutex_init() and friends pass; a
 * lock defined statically (DEFINE_MUTEX(kvm_lock)) is named by its symbol
 * the first time it is taken.
 *
 * The static calls of 6.1's preemption (preempt_schedule and its notrace
 * twin, reached from an inline preempt_enable() that brought the count
 * to zero with NEED_RESCHED set) return at once and preserve every
 * register: hvsim preempts at its own scheduling points, asking 6.1's
 * inline count first (sim_on_preemptible()), and never sets 6.1's
 * NEED_RESCHED bit, so there is nothing for them to do. might_resched
 * and cond_resched are no-ops under preempt=full, which is what a
 * PREEMPT_DYNAMIC kernel boots with.
 */
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rcuwait.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/static_call_types.h>

#include "k61_iface.h"

void __mutex_init(struct mutex *lock, const char *name, struct lock_class_key *key)
{
	k61_host_lock_init(lock, K61_MUTEX, name, key);
}

void mutex_lock(struct mutex *lock)
{
	k61_host_lock_op(lock, K61_MUTEX, K61_LOCK);
}

int mutex_lock_killable(struct mutex *lock)
{
	return k61_host_lock_op(lock, K61_MUTEX, K61_LOCK_KILLABLE);
}

int mutex_trylock(struct mutex *lock)
{
	return k61_host_lock_op(lock, K61_MUTEX, K61_TRYLOCK);
}

void mutex_unlock(struct mutex *lock)
{
	k61_host_lock_op(lock, K61_MUTEX, K61_UNLOCK);
}

bool mutex_is_locked(struct mutex *lock)
{
	return k61_host_lock_op(lock, K61_MUTEX, K61_IS_LOCKED);
}

void _raw_spin_lock(raw_spinlock_t *lock)
{
	k61_host_lock_op(lock, K61_SPIN, K61_LOCK);
}

void _raw_spin_unlock(raw_spinlock_t *lock)
{
	k61_host_lock_op(lock, K61_SPIN, K61_UNLOCK);
}

void _raw_write_lock(rwlock_t *lock)
{
	k61_host_lock_op(lock, K61_RWLOCK, K61_LOCK);
}

void _raw_write_unlock(rwlock_t *lock)
{
	k61_host_lock_op(lock, K61_RWLOCK, K61_UNLOCK);
}

void down_read(struct rw_semaphore *sem)
{
	k61_host_lock_op(sem, K61_RWSEM, K61_READ_LOCK);
}

void up_read(struct rw_semaphore *sem)
{
	k61_host_lock_op(sem, K61_RWSEM, K61_READ_UNLOCK);
}

/* ---- SRCU and RCU ---- */

int init_srcu_struct(struct srcu_struct *ssp)
{
	return k61_host_srcu_init(ssp);
}

void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	k61_host_srcu_cleanup(ssp);
}

int __srcu_read_lock(struct srcu_struct *ssp)
{
	return k61_host_srcu_read_lock(ssp);
}

void __srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	k61_host_srcu_read_unlock(ssp, idx);
}

void synchronize_srcu(struct srcu_struct *ssp)
{
	k61_host_srcu_synchronize(ssp);
}

void synchronize_srcu_expedited(struct srcu_struct *ssp)
{
	k61_host_srcu_synchronize(ssp);
}

void __rcu_read_lock(void)
{
	k61_host_rcu_read_lock();
}

void __rcu_read_unlock(void)
{
	k61_host_rcu_read_unlock();
}

void synchronize_rcu(void)
{
	k61_host_rcu_synchronize();
}

/* ---- sleeping ---- */

int k61_task_slot(struct task_struct *t);
void k61_task_kill(struct task_struct *t);

/*
 * schedule() as 6.1's callers use it: after set_current_state(), sleep
 * until a waker (try_to_wake_up(), here rcuwait_wake_up()) makes the
 * task TASK_RUNNING again; in TASK_RUNNING, just let another task run.
 * hvsim's fatal signal (a program's end) wakes it too, and from then on
 * 6.1's signal_pending() and fatal_signal_pending() see SIGKILL.
 */
asmlinkage __visible void schedule(void)
{
	struct task_struct *t = current;

	if (READ_ONCE(t->__state) == TASK_RUNNING) {
		k61_host_yield();
		return;
	}
	if (k61_host_sleep(k61_task_slot(t), &t->__state))
		k61_task_kill(t);
	WRITE_ONCE(t->__state, TASK_RUNNING);
}

void finish_rcuwait(struct rcuwait *w)
{
	rcu_assign_pointer(w->task, NULL);
	__set_current_state(TASK_RUNNING);
}

/* ---- CPUs ---- */

void cpus_read_lock(void)
{
	k61_host_cpus_read_lock(1);
}

void cpus_read_unlock(void)
{
	k61_host_cpus_read_lock(0);
}

/*
 * @func on every CPU of @mask for which @cond (when given) holds: on the
 * others by IPI, on the caller's directly with interrupts off, as
 * kernel/smp.c does. 6.1's mask is one word here (the glue's CPUs fit).
 */
void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func, void *info, bool wait,
			   const struct cpumask *mask)
{
	unsigned long bits = 0;
	int cpu;

	for_each_cpu(cpu, mask)
		if (!cond_func || cond_func(cpu, info))
			bits |= 1UL << cpu;
	k61_host_on_each_cpu(bits, func, info, wait);
}

/* ---- preempt notifiers ---- */

/* hvsim's side calls these back with the notifier 6.1 registered. */
static void k61_notifier_in(void *n61, int cpu)
{
	struct preempt_notifier *n = n61;

	n->ops->sched_in(n, cpu);
}

static void k61_notifier_out(void *n61, void *next61)
{
	struct preempt_notifier *n = n61;

	n->ops->sched_out(n, next61);
}

/* The static key behind them, counted by KVM per VM: hvsim always runs notifiers. */
void preempt_notifier_inc(void)
{
}

void preempt_notifier_dec(void)
{
}

void preempt_notifier_register(struct preempt_notifier *notifier)
{
	k61_host_preempt_notifier(notifier, 1, k61_notifier_in, k61_notifier_out);
}

void preempt_notifier_unregister(struct preempt_notifier *notifier)
{
	k61_host_preempt_notifier(notifier, 0, NULL, NULL);
}

/* ---- the static calls of preemption (see above) ---- */

struct static_call_key STATIC_CALL_KEY(preempt_schedule);
struct static_call_key STATIC_CALL_KEY(preempt_schedule_notrace);
struct static_call_key STATIC_CALL_KEY(might_resched);

asm(".pushsection .text, \"ax\"\n"
    ".globl " STATIC_CALL_TRAMP_STR(preempt_schedule) "\n"
    ".type " STATIC_CALL_TRAMP_STR(preempt_schedule) ", @function\n"
    STATIC_CALL_TRAMP_STR(preempt_schedule) ":\n"
    "\tret\n"
    ".size " STATIC_CALL_TRAMP_STR(preempt_schedule) ", . - "
	STATIC_CALL_TRAMP_STR(preempt_schedule) "\n"
    ".globl " STATIC_CALL_TRAMP_STR(preempt_schedule_notrace) "\n"
    ".type " STATIC_CALL_TRAMP_STR(preempt_schedule_notrace) ", @function\n"
    STATIC_CALL_TRAMP_STR(preempt_schedule_notrace) ":\n"
    "\tret\n"
    ".size " STATIC_CALL_TRAMP_STR(preempt_schedule_notrace) ", . - "
	STATIC_CALL_TRAMP_STR(preempt_schedule_notrace) "\n"
    ".globl " STATIC_CALL_TRAMP_STR(might_resched) "\n"
    ".type " STATIC_CALL_TRAMP_STR(might_resched) ", @function\n"
    STATIC_CALL_TRAMP_STR(might_resched) ":\n"
    "\tret\n"
    ".size " STATIC_CALL_TRAMP_STR(might_resched) ", . - "
	STATIC_CALL_TRAMP_STR(might_resched) "\n"
    ".popsection\n");
