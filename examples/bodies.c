// SPDX-License-Identifier: MIT
/*
 * Example programs, instrumented: every access below is a step. They are
 * written as kernel code would be, against include/hvsim/kernel.h.
 */
#include "bodies.h"

#include <stdint.h>

#include "hvsim/kernel.h"

#define WORK_FN work_instrumented
#include "work.inc"

/*
 * A test-and-test-and-set spinlock. The inner loop spins on READ_ONCE()
 * with cpu_relax(), so the engine can park a waiter until the holder's
 * release writes the lock word.
 */
static void toy_lock(int *lock)
{
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(*lock))
			cpu_relax();
}

/* Paired with the acquire of the exchange in toy_lock(). */
static void toy_unlock(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* ---- lost-update: counter++ from two CPUs without a lock ----------- */

static long lu_count;

void lu_task(void *arg)
{
	(void)arg;
	lu_count++;
}

long lu_counter(void)
{
	return lu_count;
}

/*
 * ---- lost-update-locked: the same under a lock, between long phases of
 * task-local work (the run is over 10,000 steps, nearly all of them local).
 */

static int lul_lock;
static long lul_count;
static unsigned long lul_scratch[2][LUL_WORDS];

void lul_task(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	for (int phase = 0; phase < LUL_PHASES; phase++) {
		work_instrumented(lul_scratch[id], LUL_WORDS, LUL_ROUNDS);
		toy_lock(&lul_lock);
		lul_count++;
		toy_unlock(&lul_lock);
	}
}

long lul_counter(void)
{
	return lul_count;
}

/* ---- message-passing: data, then a flag with release/acquire ------- */

static int mp_data;
static int mp_flag;
static int mp_seen_flag;
static int mp_seen_data;

void mp_writer(void *arg)
{
	(void)arg;
	mp_data = 42;
	smp_store_release(&mp_flag, 1);	/* paired with mp_reader()'s acquire */
}

void mp_reader(void *arg)
{
	(void)arg;
	mp_seen_flag = smp_load_acquire(&mp_flag);	/* paired with mp_writer() */
	mp_seen_data = mp_data;
}

void mp_seen(int *flag, int *data)
{
	*flag = mp_seen_flag;
	*data = mp_seen_data;
}

/* ---- spinlock-handoff: four CPUs take turns in a critical section -- */

static int sh_lock;
static long sh_count;
static unsigned int sh_owner;
static bool sh_broken;

void sh_task(void *arg)
{
	unsigned int id = (unsigned int)(uintptr_t)arg;

	for (int round = 0; round < SH_ROUNDS; round++) {
		toy_lock(&sh_lock);
		sh_owner = id;
		sh_count++;
		if (sh_owner != id)
			sh_broken = true;
		toy_unlock(&sh_lock);
	}
}

long sh_counter(void)
{
	return sh_count;
}

bool sh_exclusion_broken(void)
{
	return sh_broken;
}
