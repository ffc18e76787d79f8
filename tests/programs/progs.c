// SPDX-License-Identifier: MIT
/* Instrumented test programs: every access is a step. */
#include "progs.h"

#include <stdint.h>

#include "hvsim/kernel.h"

static int state_data = 5;
static long state_bss;
static int seen_data = -1;
static long seen_bss = -1;

void prog_state_task(void *arg)
{
	(void)arg;
	seen_data = state_data;
	seen_bss = state_bss;
	/* Dirty both; the next run must not see this. */
	state_data = 99;
	state_bss = 77;
}

int prog_state_seen_data(void)
{
	return seen_data;
}

long prog_state_seen_bss(void)
{
	return seen_bss;
}

static unsigned long busy_counter;

void prog_busy_task(void *arg)
{
	(void)arg;
	for (;;)
		WRITE_ONCE(busy_counter, READ_ONCE(busy_counter) + 1);
}

static int never_set;

/*
 * Never called by the tests; without a writer, gcc proves never_set
 * read-only and drops the instrumentation of its reads.
 */
void prog_spin_release(void)
{
	WRITE_ONCE(never_set, 1);
}

void prog_spin_forever_task(void *arg)
{
	(void)arg;
	while (!READ_ONCE(never_set))
		cpu_relax();
}

static int wait_flag;
static bool waiter_done;

void prog_waiter_task(void *arg)
{
	(void)arg;
	while (!READ_ONCE(wait_flag))
		cpu_relax();
	waiter_done = true;
}

static unsigned long setter_scratch[32];

void prog_setter_task(void *arg)
{
	(void)arg;
	/* Some work first, so the waiter gets to spin. */
	for (unsigned int i = 0; i < 32; i++)
		WRITE_ONCE(setter_scratch[i], i * 3);
	WRITE_ONCE(wait_flag, 1);
}

bool prog_waiter_done(void)
{
	return waiter_done;
}

static int sb_x[2];
static int sb_r[2];

void prog_sb_task(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	WRITE_ONCE(sb_x[id], 1);
	sb_r[id] = READ_ONCE(sb_x[1 - id]);
}

void prog_sb_result(int *r0, int *r1)
{
	*r0 = sb_r[0];
	*r1 = sb_r[1];
}

static unsigned long private_buf[4][128];

static DEFINE_MUTEX(private_lock0);
static DEFINE_MUTEX(private_lock1);

void prog_private_lock_task(void *arg)
{
	struct mutex *mu = arg ? &private_lock1 : &private_lock0;

	for (int i = 0; i < 32; i++) {
		mutex_lock(mu);
		kfree(NULL);
		mutex_unlock(mu);
	}
}

void prog_private_task(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	for (unsigned int r = 0; r < 8; r++)
		for (unsigned int i = 0; i < 128; i++)
			private_buf[id][i] += i ^ r;
}

static long stack_result[4];

static long recurse(volatile long *acc, int depth)
{
	volatile long local[16];

	for (int i = 0; i < 16; i++)
		local[i] = depth * i;
	*acc += local[depth % 16];
	return depth ? recurse(acc, depth - 1) + local[3] : 0;
}

void prog_stack_task(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;
	volatile long acc = 0;
	long r = recurse(&acc, 200);

	stack_result[id] = r + acc;
}

long prog_stack_result(unsigned int id)
{
	return stack_result[id];
}

/*
 * Every hook, once, in program order. tests/test_tsan.c reads the trace
 * back and expects exactly this sequence of (kind, size). The variables are
 * global and the statements fenced with barrier() so that the compiler
 * neither drops nor reorders them.
 */
struct hooks_blob {
	char bytes[64];
};

uint8_t hooks_u8;
uint16_t hooks_u16;
uint32_t hooks_u32;
uint64_t hooks_u64;
unsigned __int128 hooks_u128;
struct hooks_blob hooks_blob_a, hooks_blob_b;
char hooks_unaligned[16] __attribute__((aligned(8)));

void prog_hooks_task(void *arg)
{
	uint32_t expected = 7;

	(void)arg;
	hooks_u8 = 1;					/* write 1 */
	barrier();
	hooks_u16 = 2;					/* write 2 */
	barrier();
	hooks_u32 = 3;					/* write 4 */
	barrier();
	hooks_u64 = 4;					/* write 8 */
	barrier();
	hooks_u128 = 5;					/* write 16 */
	barrier();
	WRITE_ONCE(hooks_u32, 6);			/* write-once 4 */
	(void)READ_ONCE(hooks_u64);			/* read-once 8 */
	barrier();
	__builtin_memcpy(&hooks_unaligned[1], &hooks_u32, 4); /* read 4, unaligned write 4 */
	barrier();
	hooks_blob_a = hooks_blob_b;			/* range: read 64, write 64 */
	barrier();
	__atomic_store_n(&hooks_u32, 7, __ATOMIC_RELEASE);	/* atomic-store 4 */
	(void)__atomic_load_n(&hooks_u64, __ATOMIC_ACQUIRE);	/* atomic-load 8 */
	__atomic_fetch_add(&hooks_u16, 1, __ATOMIC_RELAXED);	/* atomic-rmw 2 */
	__atomic_exchange_n(&hooks_u8, 9, __ATOMIC_SEQ_CST);	/* atomic-rmw 1 */
	__atomic_compare_exchange_n(&hooks_u32, &expected, 8, 0,
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); /* atomic-rmw 4 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);		/* fence */
}

/* ---- test-and-set spinlocks ------------------------------------------------ */

static int tas_lock;
static unsigned long tas_bits;
static int tas_count;

/* Take the lock the way @how says: each failed attempt leaves it as it was. */
static void tas_acquire(unsigned int how)
{
	switch (how) {
	case PROG_TAS_XCHG:
		while (xchg(&tas_lock, 1))
			cpu_relax();
		break;
	case PROG_TAS_CMPXCHG:
		while (cmpxchg(&tas_lock, 0, 1) != 0)
			cpu_relax();
		break;
	default:
		while (test_and_set_bit(0, &tas_bits))
			cpu_relax();
		break;
	}
}

static void tas_release(unsigned int how)
{
	if (how == PROG_TAS_BIT)
		clear_bit(0, &tas_bits);
	else
		smp_store_release(&tas_lock, 0);
}

void prog_tas_task(void *arg)
{
	unsigned int mode = (unsigned int)(uintptr_t)arg;
	unsigned int how = mode & PROG_TAS_HOW;

	for (int i = 0; i < 3; i++) {
		tas_acquire(how);
		tas_count++;
		/* The bug: the first critical section forgets to unlock. */
		if (!(mode & PROG_TAS_LEAK) || i)
			tas_release(how);
	}
}

int prog_tas_count(void)
{
	return tas_count;
}

/* ---- many tasks -------------------------------------------------------------- */

static int arrived;

void prog_arrive_task(void *arg)
{
	(void)arg;
	__atomic_fetch_add(&arrived, 1, __ATOMIC_RELAXED);
}

int prog_arrived(void)
{
	return arrived;
}
