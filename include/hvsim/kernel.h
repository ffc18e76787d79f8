/* SPDX-License-Identifier: MIT */
/*
 * The host-kernel API that instrumented code (hv/, examples/) sees, with
 * Linux's names and semantics. sim/kernel/ is its only implementation.
 *
 * This is the first slice: what the engine's examples need. The rest of
 * the kernel model (tasks, locks, IPIs, cpuhp, allocation) comes with the
 * host-kernel issue.
 */
#ifndef HVSIM_KERNEL_H
#define HVSIM_KERNEL_H

/*
 * Marked accesses. Volatile, as in Linux: instrumented with
 * tsan-distinguish-volatile, they reach the engine as marked accesses.
 */
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	do { *(volatile __typeof__(x) *)&(x) = (val); } while (0)

#define barrier()		__asm__ __volatile__("" ::: "memory")

/* Full barrier; under sequential consistency a step with no other effect. */
#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
/* Paired with an smp_load_acquire() of the same location. */
#define smp_store_release(p, v)	__atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Paired with an smp_store_release() of the same location. */
#define smp_load_acquire(p)	__atomic_load_n((p), __ATOMIC_ACQUIRE)

/*
 * PAUSE in a spin loop. A task whose whole loop iteration re-reads memory
 * that nobody changed is parked until another task writes a location it
 * read; spin on READ_ONCE() (a plain `while (!flag);` compiles to a jump to
 * itself with no access left to see).
 */
void cpu_relax(void);

/* The CPU the calling task runs on. */
unsigned int smp_processor_id(void);

#endif /* HVSIM_KERNEL_H */
