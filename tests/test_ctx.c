// SPDX-License-Identifier: MIT
/* Coroutine contexts and the stack pool. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>

#include "engine/ctx.h"

struct ping {
	struct ctx main, co;	/* the two contexts */
	int log[8];		/* who ran, in order */
	int n;
};

static void co_entry(void *arg)
{
	struct ping *p = arg;
	volatile double f = 1.5;	/* an SSE value live across switches */

	p->log[p->n++] = 1;
	ctx_switch(&p->co, &p->main, 0);
	p->log[p->n++] = (int)(f * 2);	/* 3 */
	ctx_switch(&p->co, &p->main, 1);
	cr_assert_fail("a dead context was resumed");
}

Test(ctx, switches_back_and_forth, .timeout = 10)
{
	struct ctx_pool pool;
	struct ping p = { .n = 0 };
	struct ctx_stack *s;

	ctx_pool_init(&pool, 64 * 1024);
	s = ctx_stack_get(&pool);
	cr_assert_not_null(s);
	ctx_make(&p.co, s, co_entry, &p);
	ctx_switch(&p.main, &p.co, 0);
	p.log[p.n++] = 2;
	ctx_switch(&p.main, &p.co, 0);
	cr_assert_eq(p.n, 3);
	cr_expect_eq(p.log[0], 1);
	cr_expect_eq(p.log[1], 2);
	cr_expect_eq(p.log[2], 3);
	ctx_stack_put(&pool, s);
	ctx_pool_destroy(&pool);
}

static void align_entry(void *arg)
{
	struct ping *p = arg;

	/* The ABI: rsp + 8 is 16-aligned at entry, so a local 16-aligned object is too. */
	_Alignas(16) char probe[16];

	p->log[0] = ((uintptr_t)probe & 15) == 0;
	ctx_switch(&p->co, &p->main, 1);
}

Test(ctx, new_context_stack_is_aligned, .timeout = 10)
{
	struct ctx_pool pool;
	struct ping p = { .n = 0 };
	struct ctx_stack *s;

	ctx_pool_init(&pool, 64 * 1024);
	s = ctx_stack_get(&pool);
	ctx_make(&p.co, s, align_entry, &p);
	ctx_switch(&p.main, &p.co, 0);
	cr_expect_eq(p.log[0], 1);
	ctx_stack_put(&pool, s);
	ctx_pool_destroy(&pool);
}

Test(ctx, stacks_are_pooled_and_reused, .timeout = 10)
{
	struct ctx_pool pool;
	struct ctx_stack *a, *b, *c;

	ctx_pool_init(&pool, 64 * 1024);
	a = ctx_stack_get(&pool);
	b = ctx_stack_get(&pool);
	cr_assert_neq(a, b);
	cr_expect_eq(pool.mapped, 2);
	ctx_stack_put(&pool, a);
	c = ctx_stack_get(&pool);
	cr_expect_eq(c, a, "a returned stack must be reused");
	cr_expect_eq(pool.mapped, 2, "reuse must not map again");
	cr_expect_geq(c->size, 60 * 1024);
	ctx_stack_put(&pool, b);
	ctx_stack_put(&pool, c);
	ctx_pool_destroy(&pool);
}

/* ASan turns the fault into its own report and exit, not a signal. */
#if !defined(__SANITIZE_ADDRESS__)
static void guard_entry(void *arg)
{
	volatile char *lo = arg;

	(void)lo[-1];	/* one byte into the guard page */
}

Test(ctx, touching_the_guard_page_faults, .signal = SIGSEGV, .timeout = 10)
{
	struct ctx_pool pool;
	struct ctx main, co;
	struct ctx_stack *s;

	ctx_pool_init(&pool, 64 * 1024);
	s = ctx_stack_get(&pool);
	ctx_make(&co, s, guard_entry, s->lo);
	ctx_switch(&main, &co, 0);
}
#endif
