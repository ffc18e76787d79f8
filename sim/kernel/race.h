/* SPDX-License-Identifier: MIT */
/*
 * The race detector: happens-before over vector clocks, reporting with
 * KCSAN's default policy in KCSAN's report format.
 *
 * Happens-before. Each task carries a vector clock, one component per
 * task; a task's own component (its epoch) advances at every release, so
 * an access is named by (task, epoch). Access A happens before access B
 * when both are by one task and A came first, or when B's task has seen
 * A's epoch through a chain of release -> acquire: race_release() and
 * race_acquire() on a sync object, race_task_start() from a parent, and
 * atomics and fences by their memory order, as C11 and the Linux-kernel
 * memory model have it:
 *  - an acquire load (or RMW) that reads from a release store (or RMW)
 *    sees everything the storer did before that store;
 *  - a relaxed atomic creates no ordering by itself. Marked accesses
 *    (READ_ONCE, WRITE_ONCE, so atomic_read, atomic_set, test_bit) count
 *    as relaxed atomics;
 *  - fences pair through relaxed ones: a release fence (smp_wmb, smp_mb)
 *    before a relaxed store S, and an acquire fence (smp_rmb, smp_mb)
 *    after a relaxed load that reads from S, order everything before the
 *    release fence before everything after the acquire fence; a release
 *    store pairs with an acquire fence, a release fence with an acquire
 *    load, the same way;
 *  - a seq_cst RMW (xchg, cmpxchg, atomic_*_return, test_and_set_bit: the
 *    kernel's fully ordered operations) is acq_rel with a full fence on
 *    each side, as smp_mb__before_atomic()/smp_mb__after_atomic() would
 *    give it. A seq_cst load or store is acquire or release, nothing more;
 *    seq_cst fences are acq_rel fences (their store-buffering guarantee
 *    is the simulated machine's: it is sequentially consistent).
 * "Reads from" is exact, since the machine is: a load reads the last
 * store to its address. Each address keeps the clock its last store
 * carries: a store replaces it (starting a release sequence), an RMW
 * joins into it (continuing one). Addresses are compared by first byte
 * (an atomic on part of another's bytes is another location), and plain
 * writes leave the clock alone. An atomic is checked before it
 * synchronizes: its own pairing is no excuse for a race on it.
 *
 * Two accesses conflict when their byte ranges overlap (an access wider
 * than its 8-byte granule touches each granule it spans) and at least
 * one writes. A conflicting pair that neither happens before the other
 * is a candidate; the detector finds it when the later access arrives.
 *
 * KCSAN's default policy decides which candidates are reported:
 *  1. at least one access is plain (SIM_READ, SIM_WRITE): marked
 *     (READ_ONCE/WRITE_ONCE) and atomic accesses never race with each
 *     other, nor marked with atomic;
 *  2. not when one is a plain write of 1, 2, 4 or 8 bytes at an address
 *     its size divides and the other a marked or atomic read
 *     (SIM_READ_MARKED, SIM_ATOMIC_LOAD, SIM_ATOMIC_RMW): such a write is
 *     assumed atomic (KCSAN_ASSUME_PLAIN_WRITES_ATOMIC);
 *  3. for a read/write pair (exactly one of the two writes), only when
 *     the write changed the value, old != new; a write wider than 8 bytes
 *     counts as changed, its values unknown (KCSAN_REPORT_VALUE_CHANGE_ONLY).
 *     Write/write pairs are reported whatever the values;
 *  4. strict mode (race_set_strict()) turns rules 2 and 3 off: every
 *     candidate with a plain access is reported;
 *  5. each pair of access sites (the two pcs, either order) is reported
 *     once per run.
 * Real KCSAN's rule 2 also spares a pair of aligned plain writes, or one
 * with a marked write, and it applies rule 3 to write/write pairs as
 * well; here those pairs are reported.
 *
 * The report, as KCSAN prints it:
 *
 *   ==================================================================
 *   BUG: KCSAN: data-race in f / g
 *
 *   read to 0x0000000000001000 of 8 bytes by task 101 on cpu 1:
 *    at kvm_vcpu+0x8 (kvm_vcpu->cpu)
 *    g+0x2/0x20 hv/x.c:12
 *    caller+0x10/0x80 hv/x.c:40
 *
 *   write to 0x0000000000001000 of 8 bytes by task 100 on cpu 0:
 *    at kvm_vcpu+0x8 (kvm_vcpu->cpu)
 *    inl hv/x.h:7 [inline]
 *    f+0x1/0x10 hv/x.c:30
 *    caller+0x10/0x80 hv/x.c:41
 *
 *   value changed: 0x0000000000000000 -> 0x0000000000000001
 *
 *   Reported by Kernel Concurrency Sanitizer on:
 *   CPU: 1 PID: 101 Comm: t1
 *   ==================================================================
 *
 * The current access (the one that found the race) comes first, then the
 * earlier one; "Reported by" names the current one. Each access shows the
 * address as the engine passed it, "task <pid>" or "interrupt" (in_irq),
 * then, when the describer names the memory (race_set_names()), a line
 * " at NAME" (KCSAN prints only the address), and its frames: the access
 * pc, then the shadow call stack innermost first, at most
 * RACE_STACK_DEPTH of it, each through the frame writer (one line per
 * inlined call, syzkaller's way), else the symbolizer. The
 * title names the function part (before '+') of each access's pc, sorted
 * with strcmp. Access words are KCSAN's, atomics being marked accesses to
 * it: "read", "write", "read (marked)" (also atomic loads), "write
 * (marked)" (also atomic stores), "read-write (marked)" (atomic RMW). The
 * "value changed" line, 2 hex digits per byte of the write, appears for
 * read/write pairs whose write is at most 8 bytes and changed the value.
 *
 * Output depends only on the sequence of calls and the symbolizer: an
 * access is checked against the earlier ones in the order they were
 * recorded, granule by granule upwards.
 */
#ifndef HVSIM_KERNEL_RACE_H
#define HVSIM_KERNEL_RACE_H

#include <stdint.h>

#include "engine/report.h"

/* Callers kept per recorded access, beyond the access pc. */
#define RACE_STACK_DEPTH	16

struct race;

/* NULL when out of memory. @symbolize may be NULL (frames print as 0x<pc>). */
struct race *race_create(sim_report_fn report, sim_symbolize_fn symbolize, void *arg);
void race_destroy(struct race *r);
/*
 * Frames through @frame (file:line, inlined calls one line each) and each
 * access's memory named through @describe, given the address as the
 * report prints it; both get the @arg of race_create(), either may be NULL.
 */
void race_set_names(struct race *r, sim_frame_fn frame, sim_describe_fn describe);
/*
 * Each report's two accesses through @mark (with the same @arg), before
 * the report: the current one, then the earlier, each TR_MARK_READ or
 * TR_MARK_WRITE by its kind, at its step, task, CPU and pc, with its
 * address and size and the describer's name for the memory as label.
 */
void race_set_marks(struct race *r, sim_mark_fn mark);

/* A new run: clocks, shadow, sync objects, reported pairs all forgotten. */
void race_reset(struct race *r);

/* Non-zero: report every candidate with a plain access (rules 2, 3 off). */
void race_set_strict(struct race *r, int strict);

/*
 * Task @task starts; if @parent >= 0, everything @parent did so far
 * happens before it (spawn or wake of a new thread). Tasks are numbered
 * from 0 by spawn, any number of them. A task that acts without having
 * been started counts as started then, with no parent.
 */
void race_task_start(struct race *r, unsigned int task, int parent);

/*
 * Synchronization on @sync, any address that names the object: release
 * publishes everything @task did so far into it; acquire makes all that
 * was published happen before what @task does next. Locks (unlock
 * releases, lock acquires), wake-ups (waker, wakee), IPIs (sender,
 * handler), completions. Releases accumulate. Atomics' locations are
 * apart: an atomic on a sync object's address does not touch it.
 */
void race_release(struct race *r, unsigned int task, const void *sync);
void race_acquire(struct race *r, unsigned int task, const void *sync);

/*
 * One access of @kind (enum sim_kind) by @who->task, reported after it was
 * performed. @old_val and @new_val are the value before and after (equal
 * for reads), meaningful when @size <= 8. Fences, cpu_relax() and empty
 * accesses are ignored. A marked access orders as a relaxed atomic; an
 * atomic orders nothing until race_atomic().
 */
void race_access(struct race *r, const struct sim_who *who, unsigned int kind,
		 uintptr_t addr, uint32_t size, uint64_t old_val, uint64_t new_val);

/*
 * What the atomic at @addr (as race_access() got it) that @task just
 * performed orders: @kind is what it did, SIM_ATOMIC_LOAD, _STORE or _RMW
 * (a failed compare-exchange only loaded), @mo its __ATOMIC_* order.
 */
void race_atomic(struct race *r, unsigned int task, unsigned int kind, uintptr_t addr, int mo);

/* A fence of @task with order @mo (__ATOMIC_*); a relaxed one does nothing. */
void race_fence(struct race *r, unsigned int task, int mo);

/* Reports made in this run. */
unsigned int race_reports(const struct race *r);

#endif /* HVSIM_KERNEL_RACE_H */
