/* SPDX-License-Identifier: MIT */
/*
 * The race detector: happens-before over vector clocks, reporting with
 * KCSAN's default policy and in KCSAN's report format.
 *
 * Happens-before. Each task carries a vector clock, one component per
 * task. A task's own component (its epoch) advances at every release, so
 * an access is named by (task, epoch). Access A happens before access B
 * when both are by one task and A came first, or when B's task has seen
 * A's epoch through a chain of release -> acquire pairs: race_release()
 * and race_acquire() on a sync object, race_task_start() from a parent,
 * and atomics, which synchronize on their address (a store releases, a
 * load acquires, a read-modify-write does both; we do not see memory
 * orders, so every atomic is taken to be acquire/release).
 *
 * Two accesses conflict when their byte ranges overlap and at least one
 * writes; a conflicting pair that neither happens before the other is a
 * candidate. Shadow memory keeps, per 8-byte granule and per byte mask,
 * the accesses that a later one could still race with.
 *
 * Reporting policy: a candidate pair is reported when
 *  1. at least one access is plain (SIM_READ, SIM_WRITE): marked
 *     (READ_ONCE/WRITE_ONCE) and atomic accesses never race with each
 *     other;
 * and, unless strict (4),
 *  2. it is not a plain write of 1, 2, 4 or 8 bytes at an address that
 *     size divides, paired with a marked or atomic read (SIM_READ_MARKED,
 *     SIM_ATOMIC_LOAD, SIM_ATOMIC_RMW): such writes are assumed atomic
 *     (KCSAN_ASSUME_PLAIN_WRITES_ATOMIC);
 *  3. for a read/write pair (exactly one of the two writes), the write
 *     changed the value: old != new, or it was wider than 8 bytes, where
 *     we do not know the values (KCSAN_REPORT_VALUE_CHANGE_ONLY).
 *     Write/write pairs are reported whatever the values;
 *  4. in strict mode (race_set_strict()) rules 2 and 3 are off;
 *  5. each pair of access sites (the two pcs, either order) is reported
 *     at most once per run.
 *
 * The report names the current access (the one that found the race)
 * first, then the earlier one; frames are the access pc, then the shadow
 * call stack innermost first (at most RACE_STACK_DEPTH of its entries).
 *
 * Output depends only on the sequence of calls and the symbolizer: the
 * accesses a new one is checked against are visited in the order they
 * were recorded.
 */
#ifndef HVSIM_KERNEL_RACE_H
#define HVSIM_KERNEL_RACE_H

#include <stdint.h>

#include "report.h"

/* Call-stack entries kept per recorded access, beyond the access pc. */
#define RACE_STACK_DEPTH	16

struct race;

/* NULL when out of memory. @symbolize may be NULL (frames print as 0x<pc>). */
struct race *race_create(sim_report_fn report, sim_symbolize_fn symbolize, void *arg);
void race_destroy(struct race *r);

/* A new run: clocks, shadow, sync objects and reported pairs all forgotten. */
void race_reset(struct race *r);

/* Non-zero: report every candidate pair with a plain access (rules 2, 3 off). */
void race_set_strict(struct race *r, int strict);

/*
 * Task @task starts; if @parent >= 0, everything @parent did so far
 * happens before it (spawn or wake of a new thread). A task that acts
 * without having been started is started without a parent.
 */
void race_task_start(struct race *r, unsigned int task, int parent);

/*
 * Synchronization on @sync, any address that names the object: release
 * publishes everything @task did so far; acquire makes what was published
 * happen before what @task does next. Locks (unlock releases, lock
 * acquires), wake-ups (waker, wakee), IPIs (sender, handler), completions.
 */
void race_release(struct race *r, unsigned int task, const void *sync);
void race_acquire(struct race *r, unsigned int task, const void *sync);

/*
 * One access of @kind (enum sim_kind) by @who->task, reported after it was
 * performed. @old_val and @new_val are the value before and after (equal
 * for reads), meaningful when @size <= 8. Non-access kinds (fence, relax)
 * and empty accesses are ignored.
 */
void race_access(struct race *r, const struct sim_who *who, unsigned int kind,
		 uintptr_t addr, uint32_t size, uint64_t old_val, uint64_t new_val);

/* Reports made in this run. */
unsigned int race_reports(const struct race *r);

#endif /* HVSIM_KERNEL_RACE_H */
