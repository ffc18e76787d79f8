// SPDX-License-Identifier: MIT
/*
 * The race detector: happens-before from locks, spawns, atomics by their
 * memory order and fences hides a pair (the order does, the access kind
 * alone does not), KCSAN's default policy decides which unordered pairs are
 * reported, and the report reads as KCSAN's does, byte for byte the same
 * for the same events.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/race.h"
#include "engine/step.h"
#include "harness.h"

/* Test pcs the symbolizer knows by name (tr_symbols). */
#define PC_F		0x100
#define PC_G		0x200
#define PC_H		0x300
#define PC_CALLER	0x1000
#define PC_OUTER	0x2000

static const struct harness_symbol tr_symbols[] = {
	{ PC_F, "f+0x1/0x10" },
	{ PC_G, "g+0x2/0x20" },
	{ PC_H, "h+0x3/0x30" },
	{ PC_CALLER, "caller+0x10/0x80" },
	{ PC_OUTER, "outer+0x20/0x100" },
	{ 0, NULL },
};

struct tr {
	struct race *r;
	struct harness_reports rep;	/* what the detector reported */
};

static struct tr *tr_new(void)
{
	struct tr *t = calloc(1, sizeof(*t));

	cr_assert_not_null(t);
	t->rep.symbols = tr_symbols;
	t->r = race_create(harness_collect, harness_symbolize, &t->rep);
	cr_assert_not_null(t->r);
	return t;
}

static void tr_free(struct tr *t)
{
	race_destroy(t->r);
	harness_reports_clear(&t->rep);
	free(t);
}

/* Task n runs as PID 100 + n on CPU n, called from outer() via caller(). */
static void tr_access_irq(struct tr *t, unsigned int task, uintptr_t pc, unsigned int kind,
			  uintptr_t addr, uint32_t size, uint64_t old_val, uint64_t new_val,
			  int in_irq)
{
	static const uintptr_t stack[] = { PC_OUTER, PC_CALLER };	/* innermost last */
	static const char *const comm[] = { "t0", "t1", "t2", "t3" };
	struct sim_who w = {
		.task = task,
		.pid = 100 + task,
		.comm = task < 4 ? comm[task] : "tn",
		.cpu = task,
		.stack = stack,
		.depth = 2,
		.pc = pc,
		.in_irq = in_irq,
	};

	race_access(t->r, &w, kind, addr, size, old_val, new_val);
}

static void tr_access(struct tr *t, unsigned int task, uintptr_t pc, unsigned int kind,
		      uintptr_t addr, uint32_t size, uint64_t old_val, uint64_t new_val)
{
	tr_access_irq(t, task, pc, kind, addr, size, old_val, new_val, 0);
}

static void tr_write(struct tr *t, unsigned int task, uintptr_t pc, uintptr_t addr,
		     uint32_t size, uint64_t old_val, uint64_t new_val)
{
	tr_access(t, task, pc, SIM_WRITE, addr, size, old_val, new_val);
}

static void tr_read(struct tr *t, unsigned int task, uintptr_t pc, uintptr_t addr,
		    uint32_t size, uint64_t val)
{
	tr_access(t, task, pc, SIM_READ, addr, size, val, val);
}

/* Two tasks that never synchronize. */
static struct tr *tr_two_tasks(void)
{
	struct tr *t = tr_new();

	race_task_start(t->r, 0, -1);
	race_task_start(t->r, 1, -1);
	return t;
}

Test(race, plain_write_read_reported_in_kcsan_format, .timeout = 10)
{
	static const char want[] =
		"==================================================================\n"
		"BUG: KCSAN: data-race in f / g\n"
		"\n"
		"read to 0x0000000000001000 of 8 bytes by task 101 on cpu 1:\n"
		" g+0x2/0x20\n"
		" caller+0x10/0x80\n"
		" outer+0x20/0x100\n"
		"\n"
		"write to 0x0000000000001000 of 8 bytes by task 100 on cpu 0:\n"
		" f+0x1/0x10\n"
		" caller+0x10/0x80\n"
		" outer+0x20/0x100\n"
		"\n"
		"value changed: 0x0000000000000000 -> 0x0000000000000001\n"
		"\n"
		"Reported by Kernel Concurrency Sanitizer on:\n"
		"CPU: 1 PID: 101 Comm: t1\n"
		"==================================================================\n";
	struct tr *t = tr_two_tasks();

	cr_assert_eq(sizeof(uintptr_t), 8, "the expected text assumes 64-bit addresses");
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	tr_read(t, 1, PC_G, 0x1000, 8, 1);
	cr_assert_eq(t->rep.n, 1);
	cr_assert_eq(race_reports(t->r), 1);
	/* Current access (g) printed first, yet the title is sorted. */
	cr_assert_str_eq(t->rep.title[0], "BUG: KCSAN: data-race in f / g");
	cr_assert_str_eq(t->rep.text[0], want);
	tr_free(t);
}

Test(race, current_write_printed_before_earlier_read, .timeout = 10)
{
	struct tr *t = tr_two_tasks();
	const char *w, *rd;

	tr_read(t, 0, PC_H, 0x1000, 4, 0);
	tr_write(t, 1, PC_G, 0x1000, 4, 0, 0xabcd);
	cr_assert_eq(t->rep.n, 1);
	cr_assert_str_eq(t->rep.title[0], "BUG: KCSAN: data-race in g / h");
	w = strstr(t->rep.text[0], "write to 0x0000000000001000 of 4 bytes by task 101 on cpu 1:\n g+");
	rd = strstr(t->rep.text[0], "read to 0x0000000000001000 of 4 bytes by task 100 on cpu 0:\n h+");
	cr_assert(w && rd && w < rd, "%s", t->rep.text[0]);
	/* The written value, as wide as the write. */
	cr_assert(strstr(t->rep.text[0], "value changed: 0x00000000 -> 0x0000abcd\n"), "%s", t->rep.text[0]);
	cr_assert(strstr(t->rep.text[0], "CPU: 1 PID: 101 Comm: t1\n"));
	tr_free(t);
}

Test(race, frames_are_innermost_first_and_interrupts_named, .timeout = 10)
{
	uintptr_t deep[20];
	struct sim_who w = { .task = 1, .pid = 7, .comm = "a-very-long-task-name", .cpu = 3,
			     .stack = deep, .depth = 20, .pc = PC_G, .in_irq = 0 };
	static const char top[] = " g+0x2/0x20\n fn_50+0x13/0x100\n fn_50+0x12/0x100\n";
	struct tr *t = tr_two_tasks();
	char want[64];
	unsigned int i, lines = 0;
	const char *p;

	for (i = 0; i < 20; i++)
		deep[i] = 0x5000 + i;
	tr_access_irq(t, 0, PC_F, SIM_WRITE, 0x1000, 2, 1, 2, 1);
	race_access(t->r, &w, SIM_READ, 0x1000, 2, 2, 2);
	cr_assert_eq(t->rep.n, 1);
	cr_assert(strstr(t->rep.text[0], "write to 0x0000000000001000 of 2 bytes by interrupt on cpu 0:\n"),
		  "%s", t->rep.text[0]);
	/* The pc, then the 16 innermost callers: 0x5013 down to 0x5004. */
	p = strstr(t->rep.text[0], "by task 7 on cpu 3:\n");
	cr_assert_not_null(p);
	p = strchr(p, '\n') + 1;
	cr_assert(!strncmp(p, top, strlen(top)), "%s", p);
	for (; *p == ' '; p = strchr(p, '\n') + 1)
		lines++;
	cr_assert_eq(lines, 1 + RACE_STACK_DEPTH);
	snprintf(want, sizeof(want), " fn_50+0x%x/0x100\n\n", (0x5013 - RACE_STACK_DEPTH + 1) & 0xff);
	cr_assert(strstr(t->rep.text[0], want), "%s", t->rep.text[0]);
	/* The comm is cut as the kernel cuts it (TASK_COMM_LEN). */
	cr_assert(strstr(t->rep.text[0], "CPU: 3 PID: 7 Comm: a-very-long-tas\n"), "%s", t->rep.text[0]);
	tr_free(t);
}

Test(race, lock_release_acquire_orders_the_pair, .timeout = 10)
{
	struct tr *t = tr_two_tasks();
	int lock;

	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	race_release(t->r, 0, &lock);
	race_acquire(t->r, 1, &lock);
	tr_read(t, 1, PC_G, 0x1000, 8, 1);
	cr_assert_eq(t->rep.n, 0);

	/* A write after the unlock is not covered by it. */
	tr_write(t, 0, PC_H, 0x1000, 8, 1, 2);
	tr_read(t, 1, PC_G, 0x1000, 8, 2);
	cr_assert_eq(t->rep.n, 1);
	cr_assert_str_eq(t->rep.title[0], "BUG: KCSAN: data-race in g / h");
	tr_free(t);
}

Test(race, task_start_orders_what_the_parent_did_before, .timeout = 10)
{
	struct tr *t = tr_new();

	race_task_start(t->r, 0, -1);
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	race_task_start(t->r, 1, 0);
	tr_read(t, 1, PC_G, 0x1000, 8, 1);
	cr_assert_eq(t->rep.n, 0);

	tr_write(t, 0, PC_H, 0x2000, 8, 0, 1);
	tr_read(t, 1, PC_G, 0x2000, 8, 1);
	cr_assert_eq(t->rep.n, 1);
	tr_free(t);
}

Test(race, marked_accesses_never_race, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_access(t, 0, PC_F, SIM_WRITE_MARKED, 0x1000, 8, 0, 1);
	tr_access(t, 1, PC_G, SIM_READ_MARKED, 0x1000, 8, 1, 1);
	tr_access(t, 1, PC_H, SIM_WRITE_MARKED, 0x1000, 8, 1, 2);
	cr_assert_eq(t->rep.n, 0);
	tr_free(t);
}

Test(race, atomics_never_race_with_atomics_or_marked, .timeout = 10)
{
	struct tr *t = tr_new();
	unsigned int i;

	for (i = 0; i < 4; i++)
		race_task_start(t->r, i, -1);
	/* Each is checked before it synchronizes, so the pairs are unordered. */
	tr_access(t, 0, PC_F, SIM_ATOMIC_STORE, 0x1000, 4, 0, 1);
	tr_access(t, 1, PC_G, SIM_ATOMIC_RMW, 0x1000, 4, 1, 2);
	tr_access(t, 2, PC_H, SIM_ATOMIC_LOAD, 0x1000, 4, 2, 2);
	tr_access(t, 3, 0x400, SIM_WRITE_MARKED, 0x1000, 4, 2, 3);
	tr_access(t, 3, 0x401, SIM_READ_MARKED, 0x1000, 4, 3, 3);
	cr_assert_eq(t->rep.n, 0);
	tr_free(t);
}

Test(race, plain_access_races_with_an_atomic, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_access(t, 0, PC_F, SIM_ATOMIC_RMW, 0x1000, 4, 1, 2);
	tr_read(t, 1, PC_G, 0x1000, 4, 2);
	cr_assert_eq(t->rep.n, 1);
	cr_assert(strstr(t->rep.text[0], "read-write (marked) to 0x0000000000001000 of 4 bytes by task 100"),
		  "%s", t->rep.text[0]);
	cr_assert(strstr(t->rep.text[0], "value changed: 0x00000001 -> 0x00000002\n"), "%s", t->rep.text[0]);
	tr_free(t);
}

/* An atomic of @kind and order @mo at @addr by @task: the access, then its ordering. */
static void tr_atomic(struct tr *t, unsigned int task, uintptr_t pc, unsigned int kind,
		      uintptr_t addr, uint64_t old_val, uint64_t new_val, int mo)
{
	tr_access(t, task, pc, kind, addr, 4, old_val, new_val);
	race_atomic(t->r, task, kind, addr, mo);
}

Test(race, release_store_and_acquire_load_publish_a_plain_write, .timeout = 10)
{
	struct tr *t = tr_new();

	race_task_start(t->r, 0, -1);
	race_task_start(t->r, 1, -1);
	race_task_start(t->r, 2, -1);
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);					/* data = 42 */
	tr_atomic(t, 0, PC_F + 1, SIM_ATOMIC_STORE, 0x2000, 0, 1, __ATOMIC_RELEASE);
	tr_atomic(t, 1, PC_G + 1, SIM_ATOMIC_LOAD, 0x2000, 1, 1, __ATOMIC_ACQUIRE);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);					/* reads data */
	cr_assert_eq(t->rep.n, 0);

	/* A reader that never looked at the flag still races. */
	tr_read(t, 2, PC_H, 0x1000, 8, 42);
	cr_assert_eq(t->rep.n, 1);
	tr_free(t);
}

/* Message passing: task 0 writes data at 0x1000, then the flag at 0x2000; task 1 reads both. */
static unsigned int tr_mp(int store_mo, int load_mo)
{
	struct tr *t = tr_two_tasks();
	unsigned int n;

	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	tr_atomic(t, 0, PC_F + 1, SIM_ATOMIC_STORE, 0x2000, 0, 1, store_mo);
	tr_atomic(t, 1, PC_G + 1, SIM_ATOMIC_LOAD, 0x2000, 1, 1, load_mo);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);
	n = t->rep.n;
	tr_free(t);
	return n;
}

Test(race, only_release_to_acquire_orders, .timeout = 10)
{
	cr_expect_eq(tr_mp(__ATOMIC_RELEASE, __ATOMIC_ACQUIRE), 0);
	cr_expect_eq(tr_mp(__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST), 0);
	cr_expect_eq(tr_mp(__ATOMIC_RELEASE, __ATOMIC_CONSUME), 0);
	cr_expect_eq(tr_mp(__ATOMIC_RELAXED, __ATOMIC_ACQUIRE), 1);
	cr_expect_eq(tr_mp(__ATOMIC_RELEASE, __ATOMIC_RELAXED), 1);
	cr_expect_eq(tr_mp(__ATOMIC_RELAXED, __ATOMIC_RELAXED), 1);
}

Test(race, relaxed_rmws_order_nothing, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	/* set_bit() then clear_bit(): both relaxed RMWs of the same word. */
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	tr_atomic(t, 0, PC_F + 1, SIM_ATOMIC_RMW, 0x2000, 0, 1, __ATOMIC_RELAXED);
	tr_atomic(t, 1, PC_G + 1, SIM_ATOMIC_RMW, 0x2000, 1, 0, __ATOMIC_RELAXED);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);
	cr_assert_eq(t->rep.n, 1);
	tr_free(t);
}

/*
 * Fences pair through marked accesses: release fence, WRITE_ONCE; then
 * READ_ONCE, acquire fence. Each of the four pairings (with or without
 * each fence) and, for the fence-less side, an acquire/release atomic.
 */
static unsigned int tr_fenced_mp(int wfence, int rfence)
{
	struct tr *t = tr_two_tasks();
	unsigned int n;

	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	race_fence(t->r, 0, wfence);
	tr_access(t, 0, PC_F + 1, SIM_WRITE_MARKED, 0x2000, 4, 0, 1);
	tr_access(t, 1, PC_G + 1, SIM_READ_MARKED, 0x2000, 4, 1, 1);
	race_fence(t->r, 1, rfence);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);
	n = t->rep.n;
	tr_free(t);
	return n;
}

Test(race, fences_pair_through_marked_accesses, .timeout = 10)
{
	cr_expect_eq(tr_fenced_mp(__ATOMIC_RELEASE, __ATOMIC_ACQUIRE), 0);	/* wmb, rmb */
	cr_expect_eq(tr_fenced_mp(__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST), 0);	/* mb, mb */
	cr_expect_eq(tr_fenced_mp(__ATOMIC_RELAXED, __ATOMIC_ACQUIRE), 1);
	cr_expect_eq(tr_fenced_mp(__ATOMIC_RELEASE, __ATOMIC_RELAXED), 1);
	/* A fence of the wrong kind on either side. */
	cr_expect_eq(tr_fenced_mp(__ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE), 1);
	cr_expect_eq(tr_fenced_mp(__ATOMIC_RELEASE, __ATOMIC_RELEASE), 1);
}

Test(race, a_fence_orders_only_across_it, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	/* The write after the release fence is not published by it ... */
	race_fence(t->r, 0, __ATOMIC_RELEASE);
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	tr_access(t, 0, PC_F + 1, SIM_WRITE_MARKED, 0x2000, 4, 0, 1);
	tr_access(t, 1, PC_G + 1, SIM_READ_MARKED, 0x2000, 4, 1, 1);
	race_fence(t->r, 1, __ATOMIC_ACQUIRE);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);
	cr_expect_eq(t->rep.n, 1);
	/* ... and a read before the acquire fence is not covered by it. */
	tr_write(t, 0, PC_H, 0x3000, 8, 0, 1);
	race_fence(t->r, 0, __ATOMIC_RELEASE);
	tr_access(t, 0, PC_F + 2, SIM_WRITE_MARKED, 0x2000, 4, 1, 2);
	tr_access(t, 1, PC_G + 2, SIM_READ_MARKED, 0x2000, 4, 2, 2);
	tr_read(t, 1, PC_G + 3, 0x3000, 8, 1);
	race_fence(t->r, 1, __ATOMIC_ACQUIRE);
	cr_expect_eq(t->rep.n, 2);
	tr_free(t);
}

Test(race, release_store_pairs_with_acquire_fence_and_back, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	tr_atomic(t, 0, PC_F + 1, SIM_ATOMIC_STORE, 0x2000, 0, 1, __ATOMIC_RELEASE);
	tr_access(t, 1, PC_G + 1, SIM_READ_MARKED, 0x2000, 4, 1, 1);
	race_fence(t->r, 1, __ATOMIC_ACQUIRE);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);
	cr_expect_eq(t->rep.n, 0);

	tr_write(t, 1, PC_H, 0x3000, 8, 0, 7);
	race_fence(t->r, 1, __ATOMIC_RELEASE);
	tr_atomic(t, 1, PC_H + 1, SIM_ATOMIC_RMW, 0x4000, 0, 1, __ATOMIC_RELAXED);
	tr_atomic(t, 0, PC_F + 2, SIM_ATOMIC_LOAD, 0x4000, 1, 1, __ATOMIC_ACQUIRE);
	tr_read(t, 0, PC_F + 3, 0x3000, 8, 7);
	cr_expect_eq(t->rep.n, 0);
	tr_free(t);
}

Test(race, rmws_extend_a_release_sequence_and_stores_end_it, .timeout = 10)
{
	struct tr *t = tr_new();

	for (unsigned int i = 0; i < 3; i++)
		race_task_start(t->r, i, -1);
	/* 0 publishes; 1 increments relaxed; 2 acquires the incremented value. */
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	tr_atomic(t, 0, PC_F + 1, SIM_ATOMIC_STORE, 0x2000, 0, 1, __ATOMIC_RELEASE);
	tr_atomic(t, 1, PC_G + 1, SIM_ATOMIC_RMW, 0x2000, 1, 2, __ATOMIC_RELAXED);
	tr_atomic(t, 2, PC_H + 1, SIM_ATOMIC_LOAD, 0x2000, 2, 2, __ATOMIC_ACQUIRE);
	tr_read(t, 2, PC_H, 0x1000, 8, 42);
	cr_expect_eq(t->rep.n, 0);

	/* 0 publishes again; 1 overwrites with a relaxed store: 2 reads 1's store only. */
	tr_write(t, 0, PC_F + 2, 0x3000, 8, 0, 42);
	tr_atomic(t, 0, PC_F + 3, SIM_ATOMIC_STORE, 0x2000, 2, 3, __ATOMIC_RELEASE);
	tr_access(t, 1, PC_G + 2, SIM_WRITE_MARKED, 0x2000, 4, 3, 4);
	tr_atomic(t, 2, PC_H + 2, SIM_ATOMIC_LOAD, 0x2000, 4, 4, __ATOMIC_ACQUIRE);
	tr_read(t, 2, PC_H + 3, 0x3000, 8, 42);
	cr_expect_eq(t->rep.n, 1);
	tr_free(t);
}

Test(race, seq_cst_rmw_is_a_full_fence_on_each_side, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	/* data; xchg(&y) (fully ordered); WRITE_ONCE(flag) -- READ_ONCE(flag); smp_rmb(); data. */
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	tr_atomic(t, 0, PC_F + 1, SIM_ATOMIC_RMW, 0x5000, 0, 1, __ATOMIC_SEQ_CST);
	tr_access(t, 0, PC_F + 2, SIM_WRITE_MARKED, 0x2000, 4, 0, 1);
	tr_access(t, 1, PC_G + 1, SIM_READ_MARKED, 0x2000, 4, 1, 1);
	race_fence(t->r, 1, __ATOMIC_ACQUIRE);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);
	cr_expect_eq(t->rep.n, 0);
	/* An acq_rel RMW is no fence: the same with it races. */
	tr_write(t, 0, PC_H, 0x3000, 8, 0, 42);
	tr_atomic(t, 0, PC_H + 1, SIM_ATOMIC_RMW, 0x6000, 0, 1, __ATOMIC_ACQ_REL);
	tr_access(t, 0, PC_H + 2, SIM_WRITE_MARKED, 0x2008, 4, 0, 1);
	tr_access(t, 1, PC_G + 2, SIM_READ_MARKED, 0x2008, 4, 1, 1);
	race_fence(t->r, 1, __ATOMIC_ACQUIRE);
	tr_read(t, 1, PC_G + 3, 0x3000, 8, 42);
	cr_expect_eq(t->rep.n, 1);
	tr_free(t);
}

Test(race, sync_objects_and_atomic_locations_are_apart, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	/* A release into an object, an acquire load of the same address: no pairing. */
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 42);
	race_release(t->r, 0, (const void *)0x2000);
	tr_atomic(t, 1, PC_G + 1, SIM_ATOMIC_LOAD, 0x2000, 0, 0, __ATOMIC_ACQUIRE);
	tr_read(t, 1, PC_G, 0x1000, 8, 42);
	cr_expect_eq(t->rep.n, 1);
	tr_free(t);
}

Test(race, aligned_word_write_vs_marked_read_only_in_strict, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	/* Either order, either marked or atomic read. */
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	tr_access(t, 1, PC_G, SIM_READ_MARKED, 0x1000, 8, 1, 1);
	tr_access(t, 1, PC_G, SIM_READ_MARKED, 0x1010, 4, 0, 0);
	tr_write(t, 0, PC_F, 0x1010, 4, 0, 1);
	tr_access(t, 1, PC_H, SIM_ATOMIC_LOAD, 0x1020, 2, 0, 0);
	tr_write(t, 0, PC_F, 0x1020, 2, 0, 1);
	cr_assert_eq(t->rep.n, 0);

	race_reset(t->r);
	race_set_strict(t->r, 1);
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	tr_access(t, 1, PC_G, SIM_READ_MARKED, 0x1000, 8, 1, 1);
	cr_assert_eq(t->rep.n, 1);
	cr_assert(strstr(t->rep.text[0], "read (marked) to 0x0000000000001000 of 8 bytes"), "%s", t->rep.text[0]);
	tr_free(t);
}

Test(race, unaligned_or_wide_write_vs_marked_read_reported, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	/* 8 bytes at 4 mod 8: crosses a granule, not a word. */
	tr_write(t, 0, 0x500, 0x1004, 8, 0, 1);
	tr_access(t, 1, 0x600, SIM_READ_MARKED, 0x1004, 8, 1, 1);
	cr_assert_eq(t->rep.n, 1);
	/* 16 bytes (values unknown: counts as changed), read of its upper half. */
	tr_write(t, 0, 0x501, 0x2000, 16, 0, 0);
	tr_access(t, 1, 0x601, SIM_READ_MARKED, 0x2008, 8, 0, 0);
	cr_assert_eq(t->rep.n, 2);
	cr_assert_null(strstr(t->rep.text[1], "value changed"));
	/* 4 bytes at 2 mod 4. */
	tr_write(t, 0, 0x502, 0x3002, 4, 0, 1);
	tr_access(t, 1, 0x602, SIM_READ_MARKED, 0x3002, 4, 1, 1);
	cr_assert_eq(t->rep.n, 3);
	/* ... while 4 bytes at 4 mod 8 are a word. */
	tr_write(t, 0, 0x503, 0x4004, 4, 0, 1);
	tr_access(t, 1, 0x603, SIM_READ_MARKED, 0x4004, 4, 1, 1);
	cr_assert_eq(t->rep.n, 3);
	tr_free(t);
}

Test(race, unchanged_write_vs_read_only_in_strict, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_write(t, 0, PC_F, 0x1000, 8, 5, 5);
	tr_read(t, 1, PC_G, 0x1000, 8, 5);
	cr_assert_eq(t->rep.n, 0);

	race_reset(t->r);
	race_set_strict(t->r, 1);
	tr_write(t, 0, PC_F, 0x1000, 8, 5, 5);
	tr_read(t, 1, PC_G, 0x1000, 8, 5);
	cr_assert_eq(t->rep.n, 1);
	cr_assert_null(strstr(t->rep.text[0], "value changed"), "%s", t->rep.text[0]);
	tr_free(t);
}

Test(race, plain_write_write_reported_whatever_the_values, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_write(t, 0, PC_F, 0x1000, 8, 7, 7);
	tr_write(t, 1, PC_G, 0x1000, 8, 7, 7);
	cr_assert_eq(t->rep.n, 1);
	cr_assert(strstr(t->rep.text[0], "write to 0x0000000000001000 of 8 bytes by task 101"));
	cr_assert(strstr(t->rep.text[0], "write to 0x0000000000001000 of 8 bytes by task 100"));
	cr_assert_null(strstr(t->rep.text[0], "value changed"));
	tr_free(t);
}

Test(race, disjoint_halves_of_a_granule_do_not_conflict, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_write(t, 0, PC_F, 0x1000, 4, 0, 1);
	tr_write(t, 1, PC_G, 0x1004, 4, 0, 1);
	tr_read(t, 1, PC_H, 0x1004, 4, 1);
	tr_read(t, 0, PC_H, 0x1000, 4, 1);
	tr_read(t, 0, 0x700, 0x1002, 2, 0);
	cr_assert_eq(t->rep.n, 0);
	tr_free(t);
}

Test(race, overlap_across_a_granule_boundary_conflicts, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_write(t, 0, PC_F, 0x1004, 8, 0, ~0ull);	/* bytes 0x1004..0x100b */
	tr_read(t, 1, PC_G, 0x1008, 4, ~0u);		/* bytes 0x1008..0x100b */
	cr_assert_eq(t->rep.n, 1);
	cr_assert(strstr(t->rep.text[0], "read to 0x0000000000001008 of 4 bytes by task 101"),
		  "%s", t->rep.text[0]);
	cr_assert(strstr(t->rep.text[0], "write to 0x0000000000001004 of 8 bytes by task 100"),
		  "%s", t->rep.text[0]);
	/* The neighbour just past it is untouched. */
	tr_read(t, 1, PC_H, 0x100c, 4, 0);
	cr_assert_eq(t->rep.n, 1);
	tr_free(t);
}

Test(race, each_pair_of_sites_reported_once_until_reset, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	tr_read(t, 1, PC_G, 0x1000, 8, 1);
	tr_write(t, 0, PC_F, 0x2000, 8, 1, 2);
	tr_read(t, 1, PC_G, 0x2000, 8, 2);
	/* The same two sites with the roles swapped. */
	tr_write(t, 1, PC_G, 0x3000, 8, 0, 1);
	tr_write(t, 0, PC_F, 0x3000, 8, 1, 2);
	cr_assert_eq(t->rep.n, 1);
	cr_assert_eq(race_reports(t->r), 1);

	race_reset(t->r);
	cr_assert_eq(race_reports(t->r), 0);
	race_task_start(t->r, 0, -1);
	race_task_start(t->r, 1, -1);
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	tr_read(t, 1, PC_G, 0x1000, 8, 1);
	cr_assert_eq(t->rep.n, 2);
	cr_assert_eq(race_reports(t->r), 1);
	tr_free(t);
}

Test(race, reset_forgets_clocks_and_sync_objects, .timeout = 10)
{
	struct tr *t = tr_two_tasks();
	int lock;

	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	race_release(t->r, 0, &lock);
	race_reset(t->r);
	/* Tasks are not restarted: first use starts them without a parent. */
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	race_acquire(t->r, 1, &lock);
	tr_read(t, 1, PC_G, 0x1000, 8, 1);
	cr_assert_eq(t->rep.n, 1);
	tr_free(t);
}

Test(race, ignores_fences_and_empty_accesses, .timeout = 10)
{
	struct tr *t = tr_two_tasks();

	tr_access(t, 0, PC_F, SIM_FENCE, 0, 0, 0, 0);
	tr_access(t, 0, PC_F, SIM_RELAX, 0, 0, 0, 0);
	tr_write(t, 0, PC_F, 0x1000, 0, 0, 0);
	tr_read(t, 1, PC_G, 0x1000, 8, 0);
	cr_assert_eq(t->rep.n, 0);
	tr_free(t);
}

Test(race, clocks_grow_past_64_tasks, .timeout = 10)
{
	struct tr *t = tr_new();
	unsigned int i;
	int lock;

	/* 100 tasks take turns under one lock: a read-modify-write each. */
	for (i = 0; i < 100; i++) {
		race_task_start(t->r, i, i ? 0 : -1);
		race_acquire(t->r, i, &lock);
		tr_read(t, i, PC_F, 0x1000, 8, i);
		tr_write(t, i, PC_G, 0x1000, 8, i, i + 1);
		race_release(t->r, i, &lock);
	}
	cr_assert_eq(t->rep.n, 0);
	/* Task 150 never takes the lock. */
	tr_read(t, 150, PC_H, 0x1000, 8, 100);
	cr_assert_eq(t->rep.n, 1);
	cr_assert(strstr(t->rep.text[0], "write to 0x0000000000001000 of 8 bytes by task 199 on cpu 99:"),
		  "%s", t->rep.text[0]);
	tr_free(t);
}

/* A fixed scenario with several races of several kinds. */
static void tr_script(struct tr *t)
{
	int lock;

	race_task_start(t->r, 0, -1);
	race_task_start(t->r, 1, 0);
	race_task_start(t->r, 2, 0);
	tr_write(t, 0, PC_F, 0x1000, 8, 0, 1);
	tr_read(t, 1, PC_G, 0x1000, 8, 1);
	tr_read(t, 2, PC_H, 0x1000, 8, 1);
	race_release(t->r, 1, &lock);
	race_acquire(t->r, 2, &lock);
	tr_write(t, 2, 0x800, 0x1004, 8, 0, 3);
	tr_access(t, 1, 0x801, SIM_ATOMIC_RMW, 0x1008, 4, 3, 4);
	tr_write(t, 0, 0x802, 0x2000, 32, 0, 0);
	tr_access(t, 1, 0x803, SIM_READ_MARKED, 0x2010, 8, 0, 0);
}

Test(race, same_events_give_the_same_bytes, .timeout = 10)
{
	struct tr *a = tr_new(), *b = tr_new();
	unsigned int first;

	tr_script(a);
	tr_script(b);
	cr_assert_geq(a->rep.n, 4);
	cr_assert_eq(a->rep.n, b->rep.n);
	for (unsigned int i = 0; i < a->rep.n; i++)
		cr_assert_str_eq(a->rep.text[i], b->rep.text[i], "report %u", i);

	/* And again after a reset, in the same detector. */
	first = a->rep.n;
	race_reset(a->r);
	tr_script(a);
	cr_assert_eq(a->rep.n, 2 * first);
	for (unsigned int i = 0; i < first; i++)
		cr_assert_str_eq(a->rep.text[i], a->rep.text[first + i], "report %u", i);
	tr_free(a);
	tr_free(b);
}
