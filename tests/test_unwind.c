// SPDX-License-Identifier: MIT
/*
 * Creating a machine unwinds on every failure: this binary is linked with
 * the host allocator wrapped (-Wl,--wrap=...), so that the N-th
 * allocation or mapping the simulator makes can be made to fail. For every
 * N up to the number creation makes, sim_machine_create() must return NULL
 * and leave nothing allocated; past it, the machine is built and destroying
 * it frees everything.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hvsim/sim.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __real_munmap(void *addr, size_t len);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
int __wrap_munmap(void *addr, size_t len);

/* What the wrapped calls hand out while counting; a fixed table, no allocation. */
#define MAX_LIVE 4096
static void *live[MAX_LIVE];
static unsigned int nlive;
static bool counting;
static unsigned long calls, fail_at;

static bool should_fail(void)
{
	return counting && ++calls == fail_at;
}

static void track(void *p)
{
	if (!counting || !p || p == MAP_FAILED)
		return;
	cr_assert_lt(nlive, MAX_LIVE);
	live[nlive++] = p;
}

static void untrack(void *p)
{
	for (unsigned int i = 0; i < nlive; i++) {
		if (live[i] == p) {
			live[i] = live[--nlive];
			return;
		}
	}
}

void *__wrap_malloc(size_t n)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_malloc(n);
	track(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_calloc(n, size);
	track(p);
	return p;
}

void *__wrap_realloc(void *old, size_t n)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_realloc(old, n);
	if (p) {
		untrack(old);
		track(p);
	}
	return p;
}

void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *p;

	if (should_fail())
		return MAP_FAILED;
	p = __real_mmap(addr, len, prot, flags, fd, off);
	track(p);
	return p;
}

int __wrap_munmap(void *addr, size_t len)
{
	untrack(addr);
	return __real_munmap(addr, len);
}

Test(unwind, every_failed_allocation_in_machine_creation_is_undone, .timeout = 60)
{
	unsigned long n;

	for (n = 1;; n++) {
		struct machine *m;

		nlive = 0;
		calls = 0;
		fail_at = n;
		counting = true;
		m = sim_machine_create(2);
		if (m)
			sim_machine_destroy(m);
		counting = false;
		cr_assert_eq(nlive, 0, "allocation %lu failing: %u allocations left behind", n,
			     nlive);
		if (calls < n) {
			/* No failure was injected: creation needs n - 1 allocations. */
			cr_assert_not_null(m);
			break;
		}
		cr_assert_null(m, "allocation %lu of %lu failed, yet a machine was made", n, calls);
	}
	cr_assert_gt(n, 5, "creation made only %lu allocations", n - 1);
}
