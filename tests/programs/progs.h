/* SPDX-License-Identifier: MIT */
/* Instrumented programs the engine's tests run (tests/programs/progs.c). */
#ifndef HVSIM_TEST_PROGS_H
#define HVSIM_TEST_PROGS_H

#include <stdbool.h>

/* State restore: each run must start from the boot values. */
void prog_state_task(void *arg);
/* Did every run's task see the boot values (5 in .data, 0 in .bss)? */
int prog_state_seen_data(void);
long prog_state_seen_bss(void);

/* A loop with no cpu_relax() that never ends: the step budget stops it. */
void prog_busy_task(void *arg);

/* Spins on a flag nobody sets: parks, and the run is a livelock. */
void prog_spin_forever_task(void *arg);
void prog_spin_release(void);

/* Spin until a flag is set by prog_setter_task: parks, then completes. */
void prog_waiter_task(void *arg);
void prog_setter_task(void *arg);
bool prog_waiter_done(void);

/* Two tasks, each writes its own variable then reads the other's (store buffering). */
void prog_sb_task(void *arg);
void prog_sb_result(int *r0, int *r1);

/* Many accesses with no sharing: dfs must need one schedule. */
void prog_private_task(void *arg);
/* Task @arg (0 or 1) takes its own mutex and kfree()s NULL, 32 times each: no sharing. */
void prog_private_lock_task(void *arg);

/* Touches a stack array and a deep call chain (context-switch sanity). */
void prog_stack_task(void *arg);
long prog_stack_result(unsigned int id);

/* One access of every kind the instrumentation emits, in a known order. */
void prog_hooks_task(void *arg);

/*
 * Three critical sections under a test-and-set spinlock, each adding one
 * to a counter. The argument: how the lock is taken (an exchange, a
 * compare-exchange or a test-and-set bit, spun on with cpu_relax()), and
 * PROG_TAS_LEAK for the bug of a first section that never unlocks.
 */
#define PROG_TAS_XCHG		0u
#define PROG_TAS_CMPXCHG	1u
#define PROG_TAS_BIT		2u
#define PROG_TAS_HOW		3u
#define PROG_TAS_LEAK		4u
void prog_tas_task(void *arg);
int prog_tas_count(void);

/* Counts itself in: how many tasks ran. */
void prog_arrive_task(void *arg);
int prog_arrived(void);

#endif /* HVSIM_TEST_PROGS_H */
