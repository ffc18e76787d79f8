// SPDX-License-Identifier: MIT
/*
 * The hvsim side of 6.1's locks, RCU, SRCU, cross-CPU calls and preempt
 * notifiers (k61_sync.c is the kernel-header side; k61_iface.h between).
 *
 * Locks: a table keyed by the 6.1 lock's address, each entry one of
 * hvsim's locks (a mutex, a raw spinlock, an rw_semaphore), made the
 * first time the address is initialized or taken and forgotten at every
 * run's setup. Its lockdep class is the key 6.1's initializer passed, or
 * for a lock defined statically, the lock itself, named by its symbol.
 *
 * RCU and SRCU: readers are counted (per srcu_struct; for RCU, all of
 * them); a grace period sleeps until the count it waits on is zero (the
 * last reader out wakes it). That is stronger than either (it also waits for
 * readers that began after it), never weaker. Each reader's unlock is a
 * release and the end of a grace period an acquire, on the srcu_struct
 * (RCU: on its one counter), so the race detector orders every read-side
 * section before what follows the grace period (kernel_hb_release()):
 * the free after synchronize_srcu() does not race with the readers.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/kernel.h"
#include "hvsim/sim.h"
#include "hvsim/tools.h"
#include "hvsim/trace.h"

#include "host61.h"
#include "k61_iface.h"

#define K61_MAX_LOCKS	128

static struct k61_lock {
	const void *addr;		/* the 6.1 lock; NULL: a free entry */
	int kind;			/* enum k61_lock_kind */
	union {
		struct mutex mutex;
		raw_spinlock_t spin;
		struct rw_semaphore rwsem;
	};
	char name[48];
} k61_locks[K61_MAX_LOCKS];

#define K61_MAX_SRCU	16

static struct k61_srcu {
	const void *ssp;
	int readers;
	wait_queue_head_t gp;		/* grace periods waiting for the readers to leave */
} k61_srcus[K61_MAX_SRCU];
static int k61_rcu_readers;
static wait_queue_head_t k61_rcu_gp;

/* A statically defined lock's symbol (k61_kvm_lock: "kvm_lock"), kept across runs. */
static struct {
	const void *addr;
	char name[48];
} k61_static_names[16];

void k61_sync_reset(void)
{
	memset(k61_locks, 0, sizeof(k61_locks));
	memset(k61_srcus, 0, sizeof(k61_srcus));
	k61_rcu_readers = 0;
	init_waitqueue_head(&k61_rcu_gp);
}

static const char *static_name(const void *lock)
{
	char buf[96];
	const char *name;
	unsigned int i;

	for (i = 0; i < sizeof(k61_static_names) / sizeof(k61_static_names[0]); i++) {
		if (k61_static_names[i].addr == lock)
			return k61_static_names[i].name;
		if (!k61_static_names[i].addr)
			break;
	}
	if (!sym_data_addr(lock, buf, sizeof(buf)))
		snprintf(buf, sizeof(buf), "lock");
	buf[strcspn(buf, "+ ")] = '\0';
	name = strncmp(buf, "k61_", 4) ? buf : buf + 4;
	if (i == sizeof(k61_static_names) / sizeof(k61_static_names[0]))
		return "lock";
	k61_static_names[i].addr = lock;
	snprintf(k61_static_names[i].name, sizeof(k61_static_names[i].name), "%.47s", name);
	return k61_static_names[i].name;
}

/*
 * The entry of 6.1 lock @lock: made (again) when @name is given, by
 * 6.1's initializer, or the first time a lock defined statically is used.
 */
static struct k61_lock *lock_entry(const void *lock, int kind, const char *name, const void *key)
{
	struct k61_lock *l = NULL, *free = NULL;

	for (unsigned int i = 0; i < K61_MAX_LOCKS && !l; i++) {
		if (k61_locks[i].addr == lock)
			l = &k61_locks[i];
		else if (!k61_locks[i].addr && !free)
			free = &k61_locks[i];
	}
	if (l && !name)
		return l;
	if (!l)
		l = free;
	if (!l)
		not_modelled("more 6.1 locks than the glue's table holds", NULL);
	memset(l, 0, sizeof(*l));
	l->addr = lock;
	l->kind = kind;
	snprintf(l->name, sizeof(l->name), "%s", name ? name : static_name(lock));
	switch (kind) {
	case K61_MUTEX:
		__mutex_init(&l->mutex, l->name, key);
		break;
	case K61_SPIN:
	case K61_RWLOCK:
		__raw_spin_lock_init(&l->spin, l->name, key);
		break;
	default:
		__init_rwsem(&l->rwsem, l->name, key);
		break;
	}
	return l;
}

void k61_host_lock_init(void *lock, int kind, const char *name, const void *key)
{
	lock_entry(lock, kind, name ? name : "lock", key);
}

int k61_host_lock_op(void *lock, int kind, int op)
{
	struct k61_lock *l = lock_entry(lock, kind, NULL, NULL);

	if (l->kind != kind)
		not_modelled("a 6.1 lock taken as another kind than it was made", NULL);
	switch (kind) {
	case K61_MUTEX:
		switch (op) {
		case K61_LOCK:
			mutex_lock(&l->mutex);
			return 0;
		case K61_LOCK_KILLABLE:
			return mutex_lock_killable(&l->mutex);
		case K61_TRYLOCK:
			return mutex_trylock(&l->mutex);
		case K61_UNLOCK:
			mutex_unlock(&l->mutex);
			return 0;
		case K61_IS_LOCKED:
			return mutex_is_locked(&l->mutex);
		}
		break;
	case K61_SPIN:
	case K61_RWLOCK:
		switch (op) {
		case K61_LOCK:
			raw_spin_lock(&l->spin);
			return 0;
		case K61_TRYLOCK:
			return raw_spin_trylock(&l->spin);
		case K61_UNLOCK:
			raw_spin_unlock(&l->spin);
			return 0;
		case K61_IS_LOCKED:
			return raw_spin_is_locked(&l->spin);
		}
		break;
	case K61_RWSEM:
		switch (op) {
		case K61_LOCK:
			down_write(&l->rwsem);
			return 0;
		case K61_UNLOCK:
			up_write(&l->rwsem);
			return 0;
		case K61_READ_LOCK:
			down_read(&l->rwsem);
			return 0;
		case K61_READ_UNLOCK:
			up_read(&l->rwsem);
			return 0;
		}
		break;
	}
	not_modelled("a 6.1 lock operation the glue does not have", NULL);
}

/* ---- SRCU and RCU ---- */

static struct k61_srcu *srcu_entry(const void *ssp, bool make)
{
	struct k61_srcu *free = NULL;

	for (unsigned int i = 0; i < K61_MAX_SRCU; i++) {
		if (k61_srcus[i].ssp == ssp)
			return &k61_srcus[i];
		if (!k61_srcus[i].ssp && !free)
			free = &k61_srcus[i];
	}
	if (!make)
		not_modelled("an srcu_struct init_srcu_struct() did not set up", NULL);
	if (!free)
		not_modelled("more srcu_structs than the glue's table holds", NULL);
	free->ssp = ssp;
	free->readers = 0;
	init_waitqueue_head(&free->gp);
	return free;
}

/*
 * A reader leaves: a release on @sync for the grace periods after it, and
 * the last one out wakes those waiting.
 */
static void reader_leaves(int *count, const void *sync, wait_queue_head_t *gp)
{
	WARN_ON(*count <= 0);
	kernel_hb_release(sync);
	if (!--*count)
		wake_up(gp);
}

/* A grace period: sleep until no reader is inside, then acquire what they did. */
static void grace_period(const int *count, const void *sync, wait_queue_head_t *gp)
{
	wait_event(*gp, !*count);
	kernel_hb_acquire(sync);
}

int k61_host_srcu_init(void *ssp)
{
	srcu_entry(ssp, true);
	return 0;
}

void k61_host_srcu_cleanup(void *ssp)
{
	struct k61_srcu *s = srcu_entry(ssp, false);

	/* As 6.1's: cleaning up with readers inside is a bug of the caller. */
	WARN_ON(s->readers);
	s->ssp = NULL;
}

int k61_host_srcu_read_lock(void *ssp)
{
	srcu_entry(ssp, false)->readers++;
	return 0;
}

void k61_host_srcu_read_unlock(void *ssp, int idx)
{
	struct k61_srcu *s = srcu_entry(ssp, false);

	(void)idx;
	reader_leaves(&s->readers, ssp, &s->gp);
}

void k61_host_srcu_synchronize(void *ssp)
{
	struct k61_srcu *s = srcu_entry(ssp, false);

	grace_period(&s->readers, ssp, &s->gp);
}

void k61_host_rcu_read_lock(void)
{
	k61_rcu_readers++;
}

void k61_host_rcu_read_unlock(void)
{
	reader_leaves(&k61_rcu_readers, &k61_rcu_readers, &k61_rcu_gp);
}

void k61_host_rcu_synchronize(void)
{
	grace_period(&k61_rcu_readers, &k61_rcu_readers, &k61_rcu_gp);
}

/* ---- CPUs ---- */

void k61_host_cpus_read_lock(int lock)
{
	if (lock)
		cpus_read_lock();
	else
		cpus_read_unlock();
}

void k61_host_on_each_cpu(unsigned long mask, void (*func)(void *info), void *info, int wait)
{
	unsigned int self;
	struct cpumask others;
	unsigned long flags;

	preempt_disable();
	self = smp_processor_id();
	others.bits = mask & ~(1UL << self);
	if (others.bits)
		smp_call_function_many(&others, func, info, wait);
	if (mask & (1UL << self)) {
		flags = __local_irq_save();
		func(info);
		local_irq_restore(flags);
	}
	preempt_enable();
}

void k61_host_local_irq(int enable)
{
	if (enable)
		local_irq_enable();
	else
		local_irq_disable();
}

/* ---- preempt notifiers ---- */

#define K61_MAX_NOTIFIERS	16

static struct k61_notifier {
	struct preempt_notifier hn;	/* hvsim's, registered on the task */
	struct preempt_ops ops;
	void *n61;			/* 6.1's */
	void (*in)(void *n61, int cpu);
	void (*out)(void *n61, void *next61);
} k61_notifiers[K61_MAX_NOTIFIERS];

void k61_notifiers_reset(void)
{
	memset(k61_notifiers, 0, sizeof(k61_notifiers));
}

static void notifier_in(struct preempt_notifier *hn, int cpu)
{
	struct k61_notifier *n = (struct k61_notifier *)hn;

	n->in(n->n61, cpu);
}

/* 6.1's kvm_sched_out() reads current, never @next: it gets no mirror. */
static void notifier_out(struct preempt_notifier *hn, struct task *next)
{
	struct k61_notifier *n = (struct k61_notifier *)hn;

	(void)next;
	n->out(n->n61, NULL);
}

void k61_host_preempt_notifier(void *n61, int reg, void (*in)(void *n61, int cpu),
			       void (*out)(void *n61, void *next61))
{
	struct k61_notifier *free = NULL;

	for (unsigned int i = 0; i < K61_MAX_NOTIFIERS; i++) {
		struct k61_notifier *n = &k61_notifiers[i];

		if (n->n61 == n61) {
			if (reg)
				not_modelled("a 6.1 preempt notifier registered twice", NULL);
			preempt_notifier_unregister(&n->hn);
			n->n61 = NULL;
			return;
		}
		if (!n->n61 && !free)
			free = n;
	}
	if (!reg)
		return;
	if (!free)
		not_modelled("more 6.1 preempt notifiers than the glue's table holds", NULL);
	free->n61 = n61;
	free->in = in;
	free->out = out;
	free->ops.sched_in = notifier_in;
	free->ops.sched_out = notifier_out;
	preempt_notifier_init(&free->hn, &free->ops);
	preempt_notifier_register(&free->hn);
}
