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
