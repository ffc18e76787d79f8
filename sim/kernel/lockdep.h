/* SPDX-License-Identifier: MIT */
/*
 * Lockdep for the host-kernel model: proves, from the locking done in one
 * schedule, that no schedule can deadlock on lock order, and catches the
 * other misuses Linux's lockdep catches. The kernel model calls the hooks
 * below from its lock primitives; findings go out through sim_report_fn
 * shaped like the kernel's own reports, so a KVM developer reads them as
 * they would read a real splat.
 *
 * The model, Linux's simplified:
 *
 *  - A class is the set of locks initialised at one site: @key names it
 *    (a static object's address, as struct lock_class_key), @name is what
 *    reports print. Classes get ids in first-seen order and survive
 *    lockdep_reset(); everything learnt about them does not.
 *
 *  - Each task has a stack of held locks: instance, class, kind, the pc
 *    of the acquisition and whether it was taken in interrupt context.
 *    Release may be out of order.
 *
 *  - Acquiring class B while the nearest held lock (same interrupt
 *    context) is of class A records the dependency A -> B, with the
 *    backtrace of the first acquisition that made it. Held trylocks are
 *    looked through: each one also gets an edge to B, up to and including
 *    the first lock taken by a blocking acquire, which already reaches
 *    everything below it. Before a new edge goes in, if B already reaches
 *    A the report is "possible circular locking dependency", whether or
 *    not this schedule deadlocked. The edge goes in even then: the graph
 *    holds every order seen, so any later cycle through it is real too,
 *    and an edge present is never checked again.
 *
 *  - A trylock acquisition cannot wait, so it is neither checked nor the
 *    head of a new edge; it is still held, and edges lead out of it.
 *
 *  - Taking a class the task already holds is "possible recursive
 *    locking", except LOCKDEP_RWSEM_READ over a held LOCKDEP_RWSEM_READ
 *    of the class, which is allowed and adds no edges. (Linux reports
 *    that case too for rwsems, whose readers queue behind a waiting
 *    writer; the simulator's rwsem model treats read recursion as safe.)
 *
 *  - Something that may sleep (a blocking mutex or rwsem acquire, or a
 *    lockdep_might_sleep() call) with interrupts off, in an interrupt
 *    handler or under a spinlock is "sleeping function called from invalid
 *    context".
 *
 *  - Locks still held at the return to user space, or at task exit, and
 *    releasing a lock the task does not hold, are reported too.
 *
 * Every distinct problem is reported once per run: a circular or
 * recursive report once per class pair, a bad unlock once per lock, a
 * sleep once per (pc, @what), a leaked lock once per (class, pc).
 *
 * Not modelled: interrupt-safe/unsafe usage inversions, softirqs, nesting
 * annotations (lock_nested, nest_lock), the read/write refinement of the
 * dependency search, lock chain caching.
 *
 * Everything is deterministic: no output or choice depends on pointer or
 * hash order, only on the order of the calls.
 */
#ifndef HVSIM_KERNEL_LOCKDEP_H
#define HVSIM_KERNEL_LOCKDEP_H

#include "engine/report.h"

struct lockdep;

/* How a lock was taken; decides recursion, sleeping and report details. */
enum lockdep_kind {
	LOCKDEP_SPIN,		/* spinlock_t: disables preemption */
	LOCKDEP_RAW_SPIN,	/* raw_spinlock_t: likewise */
	LOCKDEP_MUTEX,		/* struct mutex: may sleep */
	LOCKDEP_RWSEM_READ,	/* down_read: may sleep, recursion allowed */
	LOCKDEP_RWSEM_WRITE,	/* down_write: may sleep */
};

/*
 * A lockdep reporting through @report and turning pcs into text with
 * @symbolize (either may be NULL), both called with @arg. NULL if out of
 * memory.
 */
struct lockdep *lockdep_create(sim_report_fn report, sim_symbolize_fn symbolize,
			       void *arg);
void lockdep_destroy(struct lockdep *ld);
/* Frames through @frame (called with the @arg of lockdep_create()): file:line, inlined calls. */
void lockdep_set_frames(struct lockdep *ld, sim_frame_fn frame);
/*
 * What each report names, through @mark (with the same @arg) before the
 * report goes out: the two acquisitions of a circular dependency (this
 * one, then the earlier one that linked into the held lock's class), the
 * new and the held acquisition of a recursion, the sleep site (and the
 * spinlock that disabled preemption), a bad unlock's site, each lock held
 * at the return to user space or at exit. Acquisitions are
 * TR_MARK_ACQUIRE, labelled with their class's name; sites TR_MARK_SITE.
 */
void lockdep_set_marks(struct lockdep *ld, sim_mark_fn mark);

/*
 * A new run: forget dependencies, held locks, known lock instances and
 * what was reported. Classes and their ids stay.
 */
void lockdep_reset(struct lockdep *ld);

/*
 * Name lock instance @lock as a member of class @key/@name before it is
 * ever taken (spin_lock_init, mutex_init), so a bad unlock of a lock never
 * acquired still names it. Optional: acquiring also does this.
 */
void lockdep_init_lock(struct lockdep *ld, const void *lock, const void *key,
		       const char *name);

/*
 * Task @who takes @lock of class @key (named @name) as @kind, at who->pc.
 * @trylock: a trylock that succeeded (a failed one is not reported here).
 * A NULL @key makes the lock its own class; a class keeps the first name
 * it was given.
 */
void lockdep_acquire(struct lockdep *ld, const struct sim_who *who,
		     const void *lock, const void *key, const char *name,
		     enum lockdep_kind kind, int trylock);

/* Task @who releases @lock, at who->pc. */
void lockdep_release(struct lockdep *ld, const struct sim_who *who,
		     const void *lock);

/* The task is about to return to user space (end of a system call). */
void lockdep_user_return(struct lockdep *ld, const struct sim_who *who);

/*
 * The task is about to do something that may sleep (mutex_lock, down_read,
 * wait_for_completion, kzalloc(GFP_KERNEL)...): @what names it.
 */
void lockdep_might_sleep(struct lockdep *ld, const struct sim_who *who,
			 const char *what);

/* The task exited: report the locks it still holds, then forget them. */
void lockdep_task_exit(struct lockdep *ld, const struct sim_who *who);

/* Locks task @task holds now (for other detectors/debugging). */
unsigned int lockdep_held_count(const struct lockdep *ld, unsigned int task);

/*
 * 1 while lockdep validates; 0 once it has turned itself off, as Linux's
 * debug_locks does, because it ran out of memory.
 */
int lockdep_enabled(const struct lockdep *ld);

#endif /* HVSIM_KERNEL_LOCKDEP_H */
