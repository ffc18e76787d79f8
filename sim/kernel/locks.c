// SPDX-License-Identifier: MIT
/*
 * Locks and sleeping: spinlocks, mutexes, rw-semaphores, the CPU hotplug
 * lock, completions and wait queues. Each operation is one step on the
 * lock's address (a scheduling point, and a visible operation for dfs),
 * then happens atomically. Spinners keep their CPU and can take interrupts;
 * sleepers leave it. Mutexes and rw-semaphores hand the lock to the first
 * waiter (FIFO), so a waiter is never overtaken.
 *
 * Every acquisition and release goes to lockdep and gives the race
 * detector its happens-before edge (release on unlock, acquire on lock).
 * A traced run records them too (TR_LOCK, lockdep or not): the
 * acquisition when the lock is taken (a trylock's only when it is), the
 * release when an unlock lets go of it, and "contended" once per wait,
 * when a task finds the lock held and must spin or sleep for it.
 *
 * A lock taken again by its owner waits for itself, as in Linux: a mutex or
 * an rw-semaphore held for write sleeps for good (the deadlock report names
 * the task and the lock), a spinlock spins for good after the debug
 * check's "spinlock recursion" report. Lockdep, when on, reports the
 * recursion first.
 *
 * Sleeps are uninterruptible unless the caller asks otherwise (TASK_*).
 * The only signal is the fatal one a program's end sends (kernel_stuck):
 * it wakes interruptible and killable sleepers, and makes every later such
 * sleep of the task end at once, as a pending SIGKILL does in Linux.
 */
#include "hvsim/kernel.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kmodel.h"
#include "kernel/lockdep.h"
#include "engine/bug.h"
#include "engine/report.h"
#include "engine/strbuf.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

static unsigned int me(const struct machine *m)
{
	return m->cur_task->id + 1;
}

/* Append the current task to a FIFO of waiters. */
static void waiter_add(struct machine *m, struct task **head)
{
	struct task **p = head;

	while (*p)
		p = &ktask(m, *p)->wait_next;
	kcur(m)->wait_next = NULL;
	*p = m->cur_task;
}

static struct task *waiter_pop(struct machine *m, struct task **head)
{
	struct task *t = *head;

	if (t) {
		*head = ktask(m, t)->wait_next;
		ktask(m, t)->wait_next = NULL;
	}
	return t;
}

static bool waiter_queued(struct machine *m, const struct task *head, const struct task *t)
{
	for (; head; head = ktask(m, head)->wait_next)
		if (head == t)
			return true;
	return false;
}

static void waiter_remove(struct machine *m, struct task **head, struct task *t)
{
	for (struct task **p = head; *p; p = &ktask(m, *p)->wait_next) {
		if (*p == t) {
			*p = ktask(m, t)->wait_next;
			ktask(m, t)->wait_next = NULL;
			return;
		}
	}
}

/* Does a fatal signal end (or forbid) a sleep of the current task in @state? */
static bool sleep_killed(struct machine *m, int state)
{
	return (state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL)) && kcur(m)->fatal_signal;
}

/*
 * Sleep in @state on @obj until woken. False when a fatal signal ended
 * the sleep, or was pending so that it never began; the caller then
 * takes itself off what it waited on.
 */
static bool ksleep(struct machine *m, int state, const void *obj, const char *what)
{
	struct ktask *kt = kcur(m);

	if (sleep_killed(m, state))
		return false;
	kt->sleep_state = state;
	machine_wait(m, TASK_BLOCKED, obj, what);
	kt->sleep_state = 0;
	return !sleep_killed(m, state);
}

/* A lock event of the running task, for the trace; @dep names the lock's class. */
static void lock_trace(struct machine *m, enum trace_lock_kind kind, enum trace_lock_type type,
		       const void *lock, const struct sim_lock_dep *dep, uintptr_t pc)
{
	machine_trace_lock(m, kind, type, lock, pc, dep->name);
}

/* ---- raw spinlocks -------------------------------------------------------- */

void __raw_spin_lock_init(raw_spinlock_t *l, const char *name, const struct lock_class_key *key)
{
	l->owner = 0;
	l->dep.name = name;
	l->dep.key = key;
}

/*
 * CONFIG_DEBUG_SPINLOCK's check that the owner is not taking its spinlock
 * again, with its report's lines. With lockdep on it stays quiet: lockdep
 * reported the recursion already, and in Linux its first report turns the
 * spinlock debug checks off.
 */
static void spin_recursion(struct machine *m, const raw_spinlock_t *l, uintptr_t pc)
{
	const struct task *t = m->cur_task;
	struct strbuf text = STRBUF_INIT;
	char title[160];
	struct sim_who w;

	if ((m->detect & SIM_DETECT_LOCKDEP) && lockdep_enabled(kmodel_of(m)->lockdep))
		return;
	snprintf(title, sizeof(title), "BUG: spinlock recursion on CPU#%u, %s/%u",
		 m->cur_cpu->id, t->name, t->pid);
	/* The owner is the running task: a spinlock holder cannot migrate. */
	strbuf_printf(&text, "%s\n lock: %s, .magic: dead4ead, .owner: %s/%u, .owner_cpu: %u\n",
		      title, l->dep.name ? l->dep.name : "?", t->name, t->pid, m->cur_cpu->id);
	kernel_who(m, &w, pc);
	report_who_line(&text, &w);
	strbuf_printf(&text, "Call Trace:\n");
	machine_frame(m, &text, " ", pc, "");
	for (unsigned int i = w.depth; i-- > 0;)
		machine_frame(m, &text, " ", w.stack[i], "");
	machine_mark(m, &w, TR_MARK_ACQUIRE, machine_norm_addr(m, (uintptr_t)l), sizeof(*l),
		     l->dep.name);
	machine_report_text(m, title, strbuf_str(&text));
	strbuf_release(&text);
}

void raw_spin_lock(raw_spinlock_t *l)
{
	struct machine *m;

	preempt_disable();
	m = kcall_obj(l, CALLER_PC);
	if (!m->cur_task)
		return;
	kdetect_lock_acquire(m, l, &l->dep, KLOCK_SPIN, false, CALLER_PC);
	if (l->owner == me(m))
		spin_recursion(m, l, CALLER_PC);	/* and spins below for good */
	if (l->owner)
		lock_trace(m, TR_LOCK_CONTENDED, TR_LOCK_SPIN, l, &l->dep, CALLER_PC);
	while (l->owner) {
		if (irq_takeable(m)) {
			irq_take(m);
			continue;
		}
		machine_wait(m, TASK_SPINWAIT, l, l->dep.name);
		if (m->cur_task->state == TASK_SPINWAIT)
			m->cur_task->state = TASK_RUNNABLE;
	}
	l->owner = me(m);
	lock_trace(m, TR_LOCK_ACQUIRE, TR_LOCK_SPIN, l, &l->dep, CALLER_PC);
	kdetect_hb_acquire(m, l);
}

int raw_spin_trylock(raw_spinlock_t *l)
{
	struct machine *m;

	preempt_disable();
	m = kcall_obj(l, CALLER_PC);
	if (!m->cur_task || l->owner) {
		preempt_enable();
		return 0;
	}
	l->owner = me(m);
	lock_trace(m, TR_LOCK_ACQUIRE, TR_LOCK_SPIN, l, &l->dep, CALLER_PC);
	kdetect_lock_acquire(m, l, &l->dep, KLOCK_SPIN, true, CALLER_PC);
	kdetect_hb_acquire(m, l);
	return 1;
}

void raw_spin_unlock(raw_spinlock_t *l)
{
	struct machine *m = kcall_obj(l, CALLER_PC);

	if (!m->cur_task)
		return;
	kdetect_lock_release(m, l, CALLER_PC);
	if (l->owner) {
		kdetect_hb_release(m, l);
		l->owner = 0;
		lock_trace(m, TR_LOCK_RELEASE, TR_LOCK_SPIN, l, &l->dep, CALLER_PC);
		machine_wake_spinners(m, l);
	}
	preempt_enable();
}

bool raw_spin_is_locked(raw_spinlock_t *l)
{
	return READ_ONCE(l->owner) != 0;
}

/* ---- mutexes ---------------------------------------------------------------- */

void __mutex_init(struct mutex *mu, const char *name, const struct lock_class_key *key)
{
	mu->owner = 0;
	mu->waiters = NULL;
	mu->dep.name = name;
	mu->dep.key = key;
}

static int mutex_lock_state(struct mutex *mu, int state, uintptr_t pc, const char *name)
{
	struct machine *m = kcall_obj_named(mu, pc, name);

	if (!m->cur_task)
		return 0;
	kdetect_lock_acquire(m, mu, &mu->dep, KLOCK_MUTEX, false, pc);
	if (!mu->owner) {
		mu->owner = me(m);
	} else {
		lock_trace(m, TR_LOCK_CONTENDED, TR_LOCK_MUTEX, mu, &mu->dep, pc);
		/*
		 * The owner too: it waits behind itself, so only its own
		 * unlock could hand the mutex over, and it sleeps for good.
		 * mutex_unlock() dequeues the next waiter and makes it the
		 * owner before waking it, so a task off the queue owns it.
		 */
		waiter_add(m, &mu->waiters);
		while (waiter_queued(m, mu->waiters, m->cur_task)) {
			if (ksleep(m, state, mu, mu->dep.name) ||
			    !waiter_queued(m, mu->waiters, m->cur_task))
				continue;
			/* Killed while still queued: give up, as Linux's -EINTR. */
			waiter_remove(m, &mu->waiters, m->cur_task);
			kdetect_lock_release(m, mu, pc);
			return -EINTR;
		}
	}
	lock_trace(m, TR_LOCK_ACQUIRE, TR_LOCK_MUTEX, mu, &mu->dep, pc);
	kdetect_hb_acquire(m, mu);
	return 0;
}

void mutex_lock(struct mutex *mu)
{
	mutex_lock_state(mu, TASK_UNINTERRUPTIBLE, CALLER_PC, __func__);
}

int mutex_trylock(struct mutex *mu)
{
	struct machine *m = kcall_obj(mu, CALLER_PC);

	if (!m->cur_task || mu->owner)
		return 0;
	mu->owner = me(m);
	lock_trace(m, TR_LOCK_ACQUIRE, TR_LOCK_MUTEX, mu, &mu->dep, CALLER_PC);
	kdetect_lock_acquire(m, mu, &mu->dep, KLOCK_MUTEX, true, CALLER_PC);
	kdetect_hb_acquire(m, mu);
	return 1;
}

int mutex_lock_killable(struct mutex *mu)
{
	return mutex_lock_state(mu, TASK_KILLABLE, CALLER_PC, __func__);
}

void mutex_unlock(struct mutex *mu)
{
	struct machine *m = kcall_obj(mu, CALLER_PC);
	struct task *next;

	if (!m->cur_task)
		return;
	kdetect_lock_release(m, mu, CALLER_PC);
	if (!mu->owner)
		return;
	lock_trace(m, TR_LOCK_RELEASE, TR_LOCK_MUTEX, mu, &mu->dep, CALLER_PC);
	kdetect_hb_release(m, mu);
	next = waiter_pop(m, &mu->waiters);
	mu->owner = next ? next->id + 1 : 0;
	if (next)
		machine_wake(m, next);
}

bool mutex_is_locked(struct mutex *mu)
{
	return READ_ONCE(mu->owner) != 0;
}

/* ---- rw-semaphores ------------------------------------------------------------ */

void __init_rwsem(struct rw_semaphore *s, const char *name, const struct lock_class_key *key)
{
	memset(s, 0, sizeof(*s));
	s->dep.name = name;
	s->dep.key = key;
}

/*
 * Grant the semaphore to the waiters at the head of the queue: one writer,
 * or every reader up to the first writer. A waiting task learns it was
 * granted from wait_obj being cleared.
 */
static void rwsem_grant(struct machine *m, struct rw_semaphore *s)
{
	while (s->waiters && !s->writer) {
		struct task *t = s->waiters;

		if (ktask(m, t)->wait_excl) {
			if (s->readers)
				return;
			waiter_pop(m, &s->waiters);
			s->writer = t->id + 1;
			ktask(m, t)->wake_pending = true;
			machine_wake(m, t);
			return;
		}
		waiter_pop(m, &s->waiters);
		s->readers++;
		ktask(m, t)->wake_pending = true;
		machine_wake(m, t);
	}
}

static void rwsem_sleep(struct machine *m, struct rw_semaphore *s, bool write, uintptr_t pc)
{
	struct task *t = m->cur_task;

	lock_trace(m, TR_LOCK_CONTENDED, write ? TR_LOCK_WRITE : TR_LOCK_READ, s, &s->dep, pc);
	ktask(m, t)->wake_pending = false;
	ktask(m, t)->wait_excl = write;
	waiter_add(m, &s->waiters);
	while (!ktask(m, t)->wake_pending)
		machine_wait(m, TASK_BLOCKED, s, s->dep.name);
	ktask(m, t)->wake_pending = false;
}

static void rwsem_down(struct rw_semaphore *s, bool write, uintptr_t pc, const char *name)
{
	struct machine *m = kcall_obj_named(s, pc, name);

	if (!m->cur_task)
		return;
	kdetect_lock_acquire(m, s, &s->dep, write ? KLOCK_WRITE : KLOCK_READ, false, pc);
	if (write) {
		if (!s->readers && !s->writer && !s->waiters)
			s->writer = me(m);
		else
			rwsem_sleep(m, s, true, pc);
	} else {
		/* A waiting writer holds off new readers. */
		if (!s->writer && !s->waiters)
			s->readers++;
		else
			rwsem_sleep(m, s, false, pc);
	}
	lock_trace(m, TR_LOCK_ACQUIRE, write ? TR_LOCK_WRITE : TR_LOCK_READ, s, &s->dep, pc);
	kdetect_hb_acquire(m, s);
}

static void rwsem_up(struct rw_semaphore *s, bool write, uintptr_t pc, const char *name)
{
	struct machine *m = kcall_obj_named(s, pc, name);

	if (!m->cur_task)
		return;
	kdetect_lock_release(m, s, pc);
	if (write ? !s->writer : !s->readers)
		return;
	lock_trace(m, TR_LOCK_RELEASE, write ? TR_LOCK_WRITE : TR_LOCK_READ, s, &s->dep, pc);
	kdetect_hb_release(m, s);
	if (write)
		s->writer = 0;
	else
		s->readers--;
	rwsem_grant(m, s);
}

void down_read(struct rw_semaphore *s)
{
	rwsem_down(s, false, CALLER_PC, __func__);
}

void up_read(struct rw_semaphore *s)
{
	rwsem_up(s, false, CALLER_PC, __func__);
}

void down_write(struct rw_semaphore *s)
{
	rwsem_down(s, true, CALLER_PC, __func__);
}

void up_write(struct rw_semaphore *s)
{
	rwsem_up(s, true, CALLER_PC, __func__);
}

void cpus_read_lock(void)
{
	/* Outside a run there is no kernel (and nothing to lock against). */
	if (sim_current->running)
		rwsem_down(&kmodel_of(sim_current)->hotplug_lock, false, CALLER_PC, __func__);
}

void cpus_read_unlock(void)
{
	/* Outside a run there is no kernel (and nothing to lock against). */
	if (sim_current->running)
		rwsem_up(&kmodel_of(sim_current)->hotplug_lock, false, CALLER_PC, __func__);
}

void cpus_write_lock(void)
{
	/* Outside a run there is no kernel (and nothing to lock against). */
	if (sim_current->running)
		rwsem_down(&kmodel_of(sim_current)->hotplug_lock, true, CALLER_PC, __func__);
}

void cpus_write_unlock(void)
{
	/* Outside a run there is no kernel (and nothing to lock against). */
	if (sim_current->running)
		rwsem_up(&kmodel_of(sim_current)->hotplug_lock, true, CALLER_PC, __func__);
}

void lockdep_assert_cpus_held(void)
{
	const struct machine *m = sim_current;
	const struct rw_semaphore *s = &kmodel_of(m)->hotplug_lock;

	if (m->cur_task && !s->readers && s->writer != m->cur_task->id + 1)
		__warn(__FILE__, __LINE__, __func__);
}

/* ---- completions ----------------------------------------------------------- */

void init_completion(struct completion *c)
{
	c->done = 0;
	c->waiters = NULL;
}

static int wait_for_completion_state(struct completion *c, int state, uintptr_t pc,
				     const char *name)
{
	struct machine *m = kcall_obj_named(c, pc, name);

	if (!m->cur_task)
		return 0;
	kdetect_might_sleep(m, name, pc);
	if (!c->done) {
		waiter_add(m, &c->waiters);
		while (!c->done)
			if (!ksleep(m, state, c, "a completion") && !c->done)
				break;
		waiter_remove(m, &c->waiters, m->cur_task);
		/* Killed before the completion: -ERESTARTSYS, as Linux's. */
		if (!c->done)
			return -ERESTARTSYS;
	}
	if (c->done != UINT32_MAX)
		c->done--;
	kdetect_hb_acquire(m, c);
	return 0;
}

void wait_for_completion(struct completion *c)
{
	wait_for_completion_state(c, TASK_UNINTERRUPTIBLE, CALLER_PC, __func__);
}

int wait_for_completion_interruptible(struct completion *c)
{
	return wait_for_completion_state(c, TASK_INTERRUPTIBLE, CALLER_PC, __func__);
}

int wait_for_completion_killable(struct completion *c)
{
	return wait_for_completion_state(c, TASK_KILLABLE, CALLER_PC, __func__);
}

void complete(struct completion *c)
{
	struct machine *m = kcall_obj(c, CALLER_PC);
	struct task *t;

	if (!m->cur_task)
		return;
	kdetect_hb_release(m, c);
	if (c->done != UINT32_MAX)
		c->done++;
	t = waiter_pop(m, &c->waiters);
	if (t)
		machine_wake(m, t);
}

void complete_all(struct completion *c)
{
	struct machine *m = kcall_obj(c, CALLER_PC);
	struct task *t;

	if (!m->cur_task)
		return;
	kdetect_hb_release(m, c);
	c->done = UINT32_MAX;
	while ((t = waiter_pop(m, &c->waiters)))
		machine_wake(m, t);
}

/* ---- wait queues -------------------------------------------------------------- */

void init_waitqueue_head(wait_queue_head_t *wq)
{
	wq->waiters = NULL;
}

static void prepare_wait_state(wait_queue_head_t *wq, int state, bool excl, uintptr_t pc,
			       const char *name)
{
	struct machine *m = kcall_obj_named(wq, pc, name);
	struct task *t = m->cur_task;

	if (!t)
		return;
	ktask(m, t)->wake_pending = false;
	ktask(m, t)->wq_state = state;
	ktask(m, t)->wq_excl = excl;
	waiter_remove(m, &wq->waiters, t);
	waiter_add(m, &wq->waiters);
}

void prepare_to_wait(wait_queue_head_t *wq, int state)
{
	prepare_wait_state(wq, state, false, CALLER_PC, __func__);
}

void prepare_to_wait_exclusive(wait_queue_head_t *wq, int state)
{
	prepare_wait_state(wq, state, true, CALLER_PC, __func__);
}

int schedule_wait(wait_queue_head_t *wq)
{
	struct machine *m = kcall_obj(wq, CALLER_PC);
	struct task *t = m->cur_task;
	struct ktask *kt;

	if (!t)
		return 0;
	kt = ktask(m, t);
	kdetect_might_sleep(m, "schedule", CALLER_PC);
	while (!kt->wake_pending) {
		if (ksleep(m, kt->wq_state, wq, "a wait queue"))
			continue;
		/* A wake-up that came with the signal wins: the caller rechecks. */
		if (kt->wake_pending)
			break;
		return -ERESTARTSYS;
	}
	kt->wake_pending = false;
	kdetect_hb_acquire(m, wq);
	return 0;
}

void finish_wait(wait_queue_head_t *wq)
{
	struct machine *m = kcall_obj(wq, CALLER_PC);

	if (m->cur_task)
		waiter_remove(m, &wq->waiters, m->cur_task);
}

void wake_up(wait_queue_head_t *wq)
{
	struct machine *m = kcall_obj(wq, CALLER_PC);
	bool excl_woken = false;

	if (!m->cur_task)
		return;
	kdetect_hb_release(m, wq);
	/*
	 * Every non-exclusive waiter, and one exclusive waiter: the first not
	 * already woken (Linux takes a woken one off the queue at once; here
	 * it stays queued until its finish_wait(), so it is skipped).
	 */
	for (struct task *t = wq->waiters; t; t = ktask(m, t)->wait_next) {
		struct ktask *kt = ktask(m, t);

		if (kt->wq_excl) {
			if (kt->wake_pending || excl_woken)
				continue;
			excl_woken = true;
		}
		kt->wake_pending = true;
		if (t->state == TASK_BLOCKED)
			machine_wake(m, t);
	}
}

/* ---- rcuwait ------------------------------------------------------------------- */

void rcuwait_init(struct rcuwait *w)
{
	w->task = NULL;
}

void rcuwait_prepare(struct rcuwait *w, int state)
{
	struct machine *m = kcall_obj(w, CALLER_PC);

	if (!m->cur_task)
		return;
	kcur(m)->wake_pending = false;
	kcur(m)->wq_state = state;
	w->task = m->cur_task;
}

int rcuwait_schedule(struct rcuwait *w)
{
	struct machine *m = kcall_obj(w, CALLER_PC);
	struct ktask *kt;

	if (!m->cur_task)
		return 0;
	kt = kcur(m);
	kdetect_might_sleep(m, "schedule", CALLER_PC);
	while (!kt->wake_pending) {
		if (ksleep(m, kt->wq_state, w, "an rcuwait"))
			continue;
		if (kt->wake_pending)
			break;
		/* rcuwait_wait_event's -EINTR (Linux's, unlike wait_event's -ERESTARTSYS). */
		return -EINTR;
	}
	kt->wake_pending = false;
	kdetect_hb_acquire(m, w);
	return 0;
}

void rcuwait_finish(struct rcuwait *w)
{
	struct machine *m = kcall_obj(w, CALLER_PC);

	if (m->cur_task && w->task == m->cur_task)
		w->task = NULL;
}

int rcuwait_wake_up(struct rcuwait *w)
{
	struct machine *m = kcall_obj(w, CALLER_PC);
	struct task *t = w->task;

	if (!m->cur_task)
		return 0;
	kdetect_hb_release(m, w);
	if (!t)
		return 0;
	ktask(m, t)->wake_pending = true;
	if (t->state == TASK_BLOCKED)
		machine_wake(m, t);
	return 1;
}
