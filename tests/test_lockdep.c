// SPDX-License-Identifier: MIT
/*
 * Lockdep on its own: event sequences go in through the hooks, reports
 * come out through the callback into a list, and each test says which
 * reports (exact titles, the lines that matter) that sequence must give,
 * or that it must give none.
 */
#include "kernel/lockdep.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"

#define TITLE_CIRCULAR	"WARNING: possible circular locking dependency detected"
#define TITLE_RECURSIVE	"WARNING: possible recursive locking detected"
#define TITLE_USER	"WARNING: lock held when returning to user space!"
#define TITLE_UNLOCK	"WARNING: bad unlock balance detected!"
#define TITLE_SLEEP	"BUG: sleeping function called from invalid context at "

/* A lock as the tests use it: the instance is the struct itself. */
struct test_lock {
	const char *name;
	enum lockdep_kind kind;
	const void *key;
};

/* Class keys: only their addresses matter, as with struct lock_class_key. */
static const char key_kvm, key_vcpu, key_slots, key_arch, key_srcu, key_pi;

static struct test_lock kvm_lock = { "&kvm->lock", LOCKDEP_MUTEX, &key_kvm };
static struct test_lock vcpu_mutex = { "&vcpu->mutex", LOCKDEP_MUTEX, &key_vcpu };
static struct test_lock slots_lock = { "&kvm->slots_lock", LOCKDEP_MUTEX, &key_slots };
static struct test_lock arch_lock0 = { "&vcpu->arch.lock", LOCKDEP_SPIN, &key_arch };
static struct test_lock arch_lock1 = { "&vcpu->arch.lock", LOCKDEP_SPIN, &key_arch };
static struct test_lock srcu_read = { "&kvm->srcu_sem", LOCKDEP_RWSEM_READ, &key_srcu };
static struct test_lock srcu_write = { "&kvm->srcu_sem", LOCKDEP_RWSEM_WRITE, &key_srcu };
static struct test_lock pi_lock = { "&pi->lock", LOCKDEP_RAW_SPIN, &key_pi };

/* Callers of every operation, outermost first as a shadow stack keeps them. */
static const uintptr_t test_stack[] = { 0x100, 0x200, 0x300 };

static struct lockdep *test_create(struct harness_reports *r)
{
	struct lockdep *ld;

	memset(r, 0, sizeof(*r));
	ld = lockdep_create(harness_collect, harness_symbolize, r);
	cr_assert_not_null(ld);
	return ld;
}

static void test_destroy(struct lockdep *ld, struct harness_reports *r)
{
	cr_assert(lockdep_enabled(ld));
	lockdep_destroy(ld);
	harness_reports_clear(r);
}

static struct sim_who test_who(unsigned int task, const char *comm)
{
	struct sim_who w = {
		.task = task,
		.pid = 100 + task,
		.comm = comm,
		.cpu = task % 4,
		.stack = test_stack,
		.depth = sizeof(test_stack) / sizeof(test_stack[0]),
	};

	return w;
}

static void take(struct lockdep *ld, struct sim_who *w, struct test_lock *l,
		 uintptr_t pc)
{
	w->pc = pc;
	lockdep_acquire(ld, w, l, l->key, l->name, l->kind, 0);
}

static void try_take(struct lockdep *ld, struct sim_who *w, struct test_lock *l,
		     uintptr_t pc)
{
	w->pc = pc;
	lockdep_acquire(ld, w, l, l->key, l->name, l->kind, 1);
}

static void drop(struct lockdep *ld, struct sim_who *w, struct test_lock *l,
		 uintptr_t pc)
{
	w->pc = pc;
	lockdep_release(ld, w, l);
}

/* Where @needle starts in @hay, failing the test if it is not there. */
static const char *find(const char *hay, const char *needle)
{
	const char *p = strstr(hay, needle);

	cr_assert_not_null(p, "missing:\n%s\n--- in:\n%s", needle, hay);
	return p;
}

static void assert_framed(const char *title, const char *text)
{
	size_t n = strlen(title);
	size_t i;

	for (i = 0; i < n; i++)
		cr_assert_eq(text[i], '=', "rule over the title:\n%s", text);
	cr_assert_eq(text[n], '\n');
	cr_assert_eq(strncmp(text + n + 1, title, n), 0, "%s", text);
	cr_assert_eq(text[2 * n + 1], '\n');
	for (i = 0; i < n; i++)
		cr_assert_eq(text[2 * n + 2 + i], '-', "rule under the title:\n%s", text);
	find(text, "\nstack backtrace:\n");
}

/* ---- circular dependencies ---- */

/* The whole AB-BA report, byte for byte. */
static const char ab_ba_expected[] =
	"======================================================\n"
	"WARNING: possible circular locking dependency detected\n"
	"------------------------------------------------------\n"
	"vcpu1/101 is trying to acquire lock:\n"
	" (&kvm->lock){+.+.}-{3:3}, at: fn_20+0x10/0x100\n"
	"\n"
	"but task is already holding lock:\n"
	" (&vcpu->mutex){+.+.}-{3:3}, at: fn_20+0x0/0x100\n"
	"\n"
	"which lock already depends on the new lock.\n"
	"\n"
	"\n"
	"the existing dependency chain (in reverse order) is:\n"
	"\n"
	"-> #1 (&vcpu->mutex){+.+.}-{3:3}:\n"
	"       fn_10+0x10/0x100\n"
	"       fn_3+0x0/0x100\n"
	"       fn_2+0x0/0x100\n"
	"       fn_1+0x0/0x100\n"
	"\n"
	"-> #0 (&kvm->lock){+.+.}-{3:3}:\n"
	"       fn_20+0x10/0x100\n"
	"       fn_3+0x0/0x100\n"
	"       fn_2+0x0/0x100\n"
	"       fn_1+0x0/0x100\n"
	"\n"
	"other info that might help us debug this:\n"
	"\n"
	" Possible unsafe locking scenario:\n"
	"\n"
	"       CPU0                    CPU1\n"
	"       ----                    ----\n"
	"  lock(&vcpu->mutex);\n"
	"                               lock(&kvm->lock);\n"
	"                               lock(&vcpu->mutex);\n"
	"  lock(&kvm->lock);\n"
	"\n"
	" *** DEADLOCK ***\n"
	"\n"
	"1 lock held by vcpu1/101:\n"
	" #0: (&vcpu->mutex){+.+.}-{3:3}, at: fn_20+0x0/0x100\n"
	"\n"
	"stack backtrace:\n"
	"CPU: 1 PID: 101 Comm: vcpu1\n"
	"Call Trace:\n"
	" fn_3+0x0/0x100\n"
	" fn_2+0x0/0x100\n"
	" fn_1+0x0/0x100\n";

Test(lockdep, ab_ba_at_different_times, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "vcpu0");
	struct sim_who t1 = test_who(1, "vcpu1");

	/* Task 0 finishes before task 1 starts: nothing deadlocks here. */
	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &vcpu_mutex, 0x1010);
	drop(ld, &t0, &vcpu_mutex, 0x1020);
	drop(ld, &t0, &kvm_lock, 0x1030);
	cr_assert_eq(r.n, 0);

	take(ld, &t1, &vcpu_mutex, 0x2000);
	take(ld, &t1, &kvm_lock, 0x2010);
	drop(ld, &t1, &kvm_lock, 0x2020);
	drop(ld, &t1, &vcpu_mutex, 0x2030);

	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_CIRCULAR);
	assert_framed(r.title[0], r.text[0]);
	find(r.text[0], "(&kvm->lock)");
	find(r.text[0], "(&vcpu->mutex)");
	find(r.text[0], "       CPU0                    CPU1\n"
			"       ----                    ----\n"
			"  lock(&vcpu->mutex);\n"
			"                               lock(&kvm->lock);\n"
			"                               lock(&vcpu->mutex);\n"
			"  lock(&kvm->lock);\n");
	find(r.text[0], " *** DEADLOCK ***\n");
	cr_assert_null(strstr(r.text[0], "Chain exists of"));
	cr_assert_str_eq(r.text[0], ab_ba_expected);
	cr_assert_eq(lockdep_held_count(ld, 0), 0);
	cr_assert_eq(lockdep_held_count(ld, 1), 0);
	test_destroy(ld, &r);
}

Test(lockdep, chain_of_three, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");
	struct sim_who t2 = test_who(2, "c");
	const char *p2, *p1, *p0;

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &vcpu_mutex, 0x1010);		/* kvm -> vcpu */
	drop(ld, &t0, &vcpu_mutex, 0x1020);
	drop(ld, &t0, &kvm_lock, 0x1030);
	take(ld, &t1, &vcpu_mutex, 0x2000);
	take(ld, &t1, &slots_lock, 0x2010);		/* vcpu -> slots */
	drop(ld, &t1, &slots_lock, 0x2020);
	drop(ld, &t1, &vcpu_mutex, 0x2030);
	cr_assert_eq(r.n, 0);

	take(ld, &t2, &slots_lock, 0x3000);
	take(ld, &t2, &kvm_lock, 0x3010);		/* slots -> kvm: a cycle */

	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_CIRCULAR);
	assert_framed(r.title[0], r.text[0]);
	find(r.text[0], "c/102 is trying to acquire lock:\n"
			" (&kvm->lock){+.+.}-{3:3}, at: fn_30+0x10/0x100\n");
	find(r.text[0], "but task is already holding lock:\n"
			" (&kvm->slots_lock){+.+.}-{3:3}, at: fn_30+0x0/0x100\n");
	/* Every link, newest dependency first, each with the pc that made it. */
	p2 = find(r.text[0], "\n-> #2 (&kvm->slots_lock){+.+.}-{3:3}:\n"
			     "       fn_20+0x10/0x100\n");
	p1 = find(r.text[0], "\n-> #1 (&vcpu->mutex){+.+.}-{3:3}:\n"
			     "       fn_10+0x10/0x100\n");
	p0 = find(r.text[0], "\n-> #0 (&kvm->lock){+.+.}-{3:3}:\n"
			     "       fn_30+0x10/0x100\n");
	cr_assert(p2 < p1 && p1 < p0);
	cr_assert_null(strstr(r.text[0], "-> #3"));
	find(r.text[0], "Chain exists of:\n"
			"  &kvm->lock --> &vcpu->mutex --> &kvm->slots_lock\n\n");
	find(r.text[0], "  lock(&kvm->slots_lock);\n"
			"                               lock(&vcpu->mutex);\n"
			"                               lock(&kvm->slots_lock);\n"
			"  lock(&kvm->lock);\n");
	test_destroy(ld, &r);
}

Test(lockdep, consistent_order_is_silent, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");
	unsigned int i;

	for (i = 0; i < 3; i++) {
		take(ld, &t0, &kvm_lock, 0x1000);
		take(ld, &t0, &vcpu_mutex, 0x1010);
		drop(ld, &t0, &vcpu_mutex, 0x1020);
		drop(ld, &t0, &kvm_lock, 0x1030);
		lockdep_user_return(ld, &t0);
		/* The second task releases in the other order: still fine. */
		take(ld, &t1, &kvm_lock, 0x2000);
		take(ld, &t1, &vcpu_mutex, 0x2010);
		drop(ld, &t1, &kvm_lock, 0x2020);
		drop(ld, &t1, &vcpu_mutex, 0x2030);
		lockdep_user_return(ld, &t1);
	}
	cr_assert_eq(r.n, 0);
	test_destroy(ld, &r);
}

Test(lockdep, reverse_trylock_is_silent, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &vcpu_mutex, 0x1010);
	drop(ld, &t0, &vcpu_mutex, 0x1020);
	drop(ld, &t0, &kvm_lock, 0x1030);

	take(ld, &t1, &vcpu_mutex, 0x2000);
	/* A trylock cannot wait, so it cannot deadlock. */
	try_take(ld, &t1, &kvm_lock, 0x2010);
	cr_assert_eq(lockdep_held_count(ld, 1), 2);
	drop(ld, &t1, &kvm_lock, 0x2020);
	drop(ld, &t1, &vcpu_mutex, 0x2030);
	cr_assert_eq(r.n, 0);
	test_destroy(ld, &r);
}

Test(lockdep, held_trylock_still_orders, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");

	/* A lock got by trylock is held: what is taken under it waits on it. */
	try_take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &vcpu_mutex, 0x1010);
	drop(ld, &t0, &vcpu_mutex, 0x1020);
	drop(ld, &t0, &kvm_lock, 0x1030);

	take(ld, &t1, &vcpu_mutex, 0x2000);
	take(ld, &t1, &kvm_lock, 0x2010);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_CIRCULAR);
	test_destroy(ld, &r);
}

/* ---- recursion ---- */

Test(lockdep, recursive_spin_class, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");

	/* Two instances of one class, no nesting annotation. */
	take(ld, &t0, &arch_lock0, 0x1000);
	take(ld, &t0, &arch_lock1, 0x1010);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_RECURSIVE);
	assert_framed(r.title[0], r.text[0]);
	find(r.text[0], "a/100 is trying to acquire lock:\n"
			" (&vcpu->arch.lock){+.+.}-{2:2}, at: fn_10+0x10/0x100\n"
			"\nbut task is already holding lock:\n"
			" (&vcpu->arch.lock){+.+.}-{2:2}, at: fn_10+0x0/0x100\n");
	find(r.text[0], "       CPU0\n"
			"       ----\n"
			"  lock(&vcpu->arch.lock);\n"
			"  lock(&vcpu->arch.lock);\n"
			"\n *** DEADLOCK ***\n\n"
			" May be due to missing lock nesting notation\n");
	find(r.text[0], "1 lock held by a/100:\n");
	cr_assert_eq(lockdep_held_count(ld, 0), 2);

	/* The very same lock twice is the same report, given once. */
	drop(ld, &t0, &arch_lock1, 0x1020);
	take(ld, &t0, &arch_lock0, 0x1030);
	cr_assert_eq(r.n, 1);
	test_destroy(ld, &r);
}

Test(lockdep, rwsem_read_recursion_is_silent, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");

	take(ld, &t0, &srcu_read, 0x1000);
	take(ld, &t0, &srcu_read, 0x1010);
	cr_assert_eq(lockdep_held_count(ld, 0), 2);
	drop(ld, &t0, &srcu_read, 0x1020);
	drop(ld, &t0, &srcu_read, 0x1030);
	cr_assert_eq(lockdep_held_count(ld, 0), 0);
	cr_assert_eq(r.n, 0);

	/* Writing under a read hold of the same rwsem is not recursion-safe. */
	take(ld, &t0, &srcu_read, 0x1040);
	take(ld, &t0, &srcu_write, 0x1050);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_RECURSIVE);
	find(r.text[0], " (&kvm->srcu_sem){++++}-{3:3}, at: fn_10+0x40/0x100\n");
	test_destroy(ld, &r);
}

/* ---- held on return to user space, and at exit ---- */

Test(lockdep, held_on_user_return, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "qemu");

	take(ld, &t0, &kvm_lock, 0x1000);
	lockdep_user_return(ld, &t0);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_USER);
	assert_framed(r.title[0], r.text[0]);
	find(r.text[0], "qemu/100 is leaving the kernel with locks still held!\n"
			"1 lock held by qemu/100:\n"
			" #0: (&kvm->lock){+.+.}-{3:3}, at: fn_10+0x0/0x100\n");
	test_destroy(ld, &r);
}

Test(lockdep, released_before_user_return, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "qemu");

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &arch_lock0, 0x1010);
	/* Out of order, as Linux allows. */
	drop(ld, &t0, &kvm_lock, 0x1020);
	cr_assert_eq(lockdep_held_count(ld, 0), 1);
	drop(ld, &t0, &arch_lock0, 0x1030);
	lockdep_user_return(ld, &t0);
	cr_assert_eq(r.n, 0);
	test_destroy(ld, &r);
}

Test(lockdep, held_at_exit, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "kworker");
	struct sim_who t1 = test_who(1, "clean");

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &arch_lock0, 0x1010);
	lockdep_task_exit(ld, &t0);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], "WARNING: kworker/100 still has locks held!");
	assert_framed(r.title[0], r.text[0]);
	find(r.text[0], "2 locks held by kworker/100:\n"
			" #0: (&kvm->lock){+.+.}-{3:3}, at: fn_10+0x0/0x100\n"
			" #1: (&vcpu->arch.lock){+.+.}-{2:2}, at: fn_10+0x10/0x100\n");
	cr_assert_eq(lockdep_held_count(ld, 0), 0);

	take(ld, &t1, &kvm_lock, 0x2000);
	drop(ld, &t1, &kvm_lock, 0x2010);
	lockdep_task_exit(ld, &t1);
	cr_assert_eq(r.n, 1);
	test_destroy(ld, &r);
}

/* ---- unlock balance ---- */

Test(lockdep, unlock_not_held, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");
	static int never_seen;

	lockdep_init_lock(ld, &kvm_lock, kvm_lock.key, kvm_lock.name);
	drop(ld, &t0, &kvm_lock, 0x1000);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_UNLOCK);
	assert_framed(r.title[0], r.text[0]);
	find(r.text[0], "a/100 is trying to release lock (&kvm->lock) at:\n"
			"fn_10+0x0/0x100\n"
			"but there are no more locks to release!\n"
			"\nother info that might help us debug this:\n"
			"no locks held by a/100.\n");

	/* Held, but by another task. */
	take(ld, &t0, &vcpu_mutex, 0x1010);
	drop(ld, &t1, &vcpu_mutex, 0x2000);
	cr_assert_eq(r.n, 2);
	find(r.text[1], "b/101 is trying to release lock (&vcpu->mutex) at:\n");
	cr_assert_eq(lockdep_held_count(ld, 0), 1);

	t1.pc = 0x2010;
	lockdep_release(ld, &t1, &never_seen);
	cr_assert_eq(r.n, 3);
	find(r.text[2], "release lock (<unknown>) at:\n");
	test_destroy(ld, &r);
}

Test(lockdep, balanced_unlock_is_silent, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &srcu_read, 0x1010);
	take(ld, &t0, &srcu_read, 0x1020);
	drop(ld, &t0, &srcu_read, 0x1030);
	drop(ld, &t0, &srcu_read, 0x1040);
	drop(ld, &t0, &kvm_lock, 0x1050);
	cr_assert_eq(r.n, 0);
	test_destroy(ld, &r);
}

/* ---- sleeping in atomic context ---- */

Test(lockdep, mutex_with_irqs_disabled, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");

	t0.irqs_disabled = 1;
	take(ld, &t0, &kvm_lock, 0x1000);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_SLEEP "mutex_lock");
	assert_framed(r.title[0], r.text[0]);
	find(r.text[0], "in_atomic(): 0, irqs_disabled(): 1, non_block: 0, "
			"pid: 100, name: a\n"
			"preempt_count: 0, expected: 0\n"
			"no locks held by a/100.\n");
	cr_assert_null(strstr(r.text[0], "Preemption disabled at:"));
	cr_assert_eq(lockdep_held_count(ld, 0), 1);
	test_destroy(ld, &r);
}

Test(lockdep, mutex_inside_spinlock, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");

	take(ld, &t0, &arch_lock0, 0x1000);
	take(ld, &t0, &srcu_write, 0x1010);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_SLEEP "down_write");
	find(r.text[0], "in_atomic(): 1, irqs_disabled(): 0, non_block: 0, "
			"pid: 100, name: a\n"
			"preempt_count: 1, expected: 0\n"
			"1 lock held by a/100:\n"
			" #0: (&vcpu->arch.lock){+.+.}-{2:2}, at: fn_10+0x0/0x100\n"
			"Preemption disabled at:\n"
			"fn_10+0x0/0x100\n");
	test_destroy(ld, &r);
}

Test(lockdep, mutex_alone_is_silent, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &srcu_read, 0x1010);
	lockdep_might_sleep(ld, &t0, "kzalloc(GFP_KERNEL)");
	drop(ld, &t0, &srcu_read, 0x1020);
	drop(ld, &t0, &kvm_lock, 0x1030);

	/* A trylock never sleeps, so a spinlock around it is fine. */
	take(ld, &t0, &pi_lock, 0x1040);
	try_take(ld, &t0, &kvm_lock, 0x1050);
	drop(ld, &t0, &kvm_lock, 0x1060);
	drop(ld, &t0, &pi_lock, 0x1070);
	cr_assert_eq(r.n, 0);
	test_destroy(ld, &r);
}

Test(lockdep, might_sleep_contexts, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");

	take(ld, &t0, &pi_lock, 0x1000);
	t0.pc = 0x1010;
	lockdep_might_sleep(ld, &t0, "kzalloc(GFP_KERNEL)");
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], TITLE_SLEEP "kzalloc(GFP_KERNEL)");
	assert_framed(r.title[0], r.text[0]);
	drop(ld, &t0, &pi_lock, 0x1020);

	t0.in_irq = 1;
	t0.pc = 0x1030;
	lockdep_might_sleep(ld, &t0, "wait_for_completion");
	cr_assert_eq(r.n, 2);
	find(r.text[1], "in_atomic(): 1, irqs_disabled(): 1, non_block: 0, "
			"pid: 100, name: a\n"
			"preempt_count: 10000, expected: 0\n");
	test_destroy(ld, &r);
}

/* ---- runs ---- */

Test(lockdep, reset_forgets, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &vcpu_mutex, 0x1010);
	drop(ld, &t0, &vcpu_mutex, 0x1020);
	drop(ld, &t0, &kvm_lock, 0x1030);
	take(ld, &t0, &slots_lock, 0x1040);	/* left held when the run ends */
	drop(ld, &t1, &arch_lock0, 0x2000);
	cr_assert_eq(r.n, 1);

	lockdep_reset(ld);
	cr_assert_eq(lockdep_held_count(ld, 0), 0);
	take(ld, &t1, &vcpu_mutex, 0x2010);
	take(ld, &t1, &kvm_lock, 0x2020);
	drop(ld, &t1, &kvm_lock, 0x2030);
	drop(ld, &t1, &vcpu_mutex, 0x2040);
	lockdep_user_return(ld, &t0);
	cr_assert_eq(r.n, 1);

	/* What was reported last run is reported again. */
	drop(ld, &t1, &arch_lock0, 0x2000);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.title[1], TITLE_UNLOCK);
	test_destroy(ld, &r);
}

Test(lockdep, same_problem_reported_once, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");
	struct sim_who t2 = test_who(2, "c");
	unsigned int i;

	for (i = 0; i < 2; i++) {
		take(ld, &t0, &kvm_lock, 0x1000);
		take(ld, &t0, &vcpu_mutex, 0x1010);
		drop(ld, &t0, &vcpu_mutex, 0x1020);
		drop(ld, &t0, &kvm_lock, 0x1030);
		take(ld, &t1, &vcpu_mutex, 0x2000);
		take(ld, &t1, &kvm_lock, 0x2010);
		drop(ld, &t1, &kvm_lock, 0x2020);
		drop(ld, &t1, &vcpu_mutex, 0x2030);
		drop(ld, &t2, &slots_lock, 0x3000);
		take(ld, &t2, &slots_lock, 0x3010);
		lockdep_user_return(ld, &t2);
		drop(ld, &t2, &slots_lock, 0x3020);
		take(ld, &t2, &arch_lock0, 0x3030);
		t2.pc = 0x3040;
		lockdep_might_sleep(ld, &t2, "msleep");
		drop(ld, &t2, &arch_lock0, 0x3050);
	}
	cr_assert_eq(r.n, 4);
	cr_assert_str_eq(r.title[0], TITLE_CIRCULAR);
	cr_assert_str_eq(r.title[1], TITLE_UNLOCK);
	cr_assert_str_eq(r.title[2], TITLE_USER);
	cr_assert_str_eq(r.title[3], TITLE_SLEEP "msleep");

	/* The same kind of problem somewhere else is a new one. */
	take(ld, &t2, &arch_lock0, 0x3060);
	t2.pc = 0x3070;
	lockdep_might_sleep(ld, &t2, "msleep");
	cr_assert_eq(r.n, 5);
	test_destroy(ld, &r);
}

Test(lockdep, backtrace_is_capped_innermost_first, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who t0 = test_who(0, "a");
	uintptr_t deep[20];
	const char *p;
	unsigned int i, lines = 0;

	for (i = 0; i < 20; i++)
		deep[i] = 0x10 + i;
	t0.stack = deep;
	t0.depth = 20;
	drop(ld, &t0, &kvm_lock, 0x1000);
	cr_assert_eq(r.n, 1);
	p = find(r.text[0], "Call Trace:\n fn_0+0x23/0x100\n fn_0+0x22/0x100\n");
	for (p = strchr(p, '\n') + 1; *p; p = strchr(p, '\n') + 1)
		lines++;
	cr_assert_eq(lines, 16);
	find(r.text[0], " fn_0+0x14/0x100\n");
	cr_assert_null(strstr(r.text[0], " fn_0+0x13/"));
	test_destroy(ld, &r);
}

/* Something of every report kind, from several tasks. */
static void run_mixed(struct lockdep *ld)
{
	struct sim_who t0 = test_who(0, "a");
	struct sim_who t1 = test_who(1, "b");
	struct sim_who t2 = test_who(2, "c");

	take(ld, &t0, &kvm_lock, 0x1000);
	take(ld, &t0, &vcpu_mutex, 0x1010);
	take(ld, &t0, &arch_lock0, 0x1020);
	drop(ld, &t0, &arch_lock0, 0x1030);
	drop(ld, &t0, &vcpu_mutex, 0x1040);
	take(ld, &t1, &vcpu_mutex, 0x2000);
	take(ld, &t1, &slots_lock, 0x2010);
	take(ld, &t2, &slots_lock, 0x3000);
	drop(ld, &t1, &slots_lock, 0x2020);
	take(ld, &t2, &kvm_lock, 0x3010);
	take(ld, &t2, &arch_lock0, 0x3020);
	take(ld, &t2, &arch_lock1, 0x3030);
	take(ld, &t2, &srcu_read, 0x3040);
	lockdep_user_return(ld, &t2);
	drop(ld, &t1, &kvm_lock, 0x2030);
	lockdep_task_exit(ld, &t0);
	lockdep_task_exit(ld, &t1);
}

Test(lockdep, deterministic_text, .timeout = 10)
{
	struct harness_reports r1, r2;
	struct lockdep *ld1 = test_create(&r1);
	struct lockdep *ld2 = test_create(&r2);
	unsigned int i, n;

	run_mixed(ld1);
	run_mixed(ld2);
	cr_assert_geq(r1.n, 6);
	cr_assert_eq(r1.n, r2.n);
	for (i = 0; i < r1.n; i++) {
		cr_assert_str_eq(r1.title[i], r2.title[i]);
		cr_assert_str_eq(r1.text[i], r2.text[i]);
	}

	/* A reset lockdep is a fresh one, whatever the last run left behind. */
	n = r1.n;
	lockdep_reset(ld1);
	run_mixed(ld1);
	cr_assert_eq(r1.n, 2 * n);
	for (i = 0; i < n; i++) {
		cr_assert_str_eq(r1.title[n + i], r2.title[i]);
		cr_assert_str_eq(r1.text[n + i], r2.text[i]);
	}
	test_destroy(ld1, &r1);
	test_destroy(ld2, &r2);
}

Test(lockdep, many_tasks, .timeout = 10)
{
	struct harness_reports r;
	struct lockdep *ld = test_create(&r);
	struct sim_who w;
	unsigned int task;

	for (task = 0; task < 300; task += 7) {
		w = test_who(task, "t");
		take(ld, &w, &kvm_lock, 0x1000 + task);
	}
	for (task = 0; task < 300; task++)
		cr_assert_eq(lockdep_held_count(ld, task), task % 7 == 0);
	cr_assert_eq(lockdep_held_count(ld, 100000), 0);
	cr_assert_eq(r.n, 0);
	test_destroy(ld, &r);
}
