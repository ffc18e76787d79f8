/* SPDX-License-Identifier: MIT */
/*
 * Stackful coroutines: a hand-written x86-64 context switch and a pool of
 * mmap'ed stacks with a guard page, reused across schedules.
 */
#ifndef HVSIM_CTX_H
#define HVSIM_CTX_H

#include <stddef.h>

/* A suspended context: its saved stack pointer and its stack's bounds. */
struct ctx {
	void *sp;		/* saved rsp; callee-saved registers sit on the stack */
	void *stack_lo;		/* lowest usable byte (above the guard page) */
	size_t stack_size;	/* usable bytes */
	void *asan_fake;	/* ASan fake-stack handle while suspended */
};

/* A stack from the pool. */
struct ctx_stack {
	struct ctx_stack *next;	/* free-list link, valid only while pooled */
	void *lo;		/* usable base (the guard page lies below it) */
	size_t size;		/* usable bytes */
};

struct ctx_pool {
	struct ctx_stack *free;	/* stacks ready for reuse */
	size_t stack_size;	/* usable bytes of every stack in this pool */
	unsigned int mapped;	/* stacks mapped so far */
};

/* Usable stack bytes: larger under ASan, whose frames are bigger. */
#if defined(__SANITIZE_ADDRESS__)
#define CTX_STACK_SIZE	(1024u * 1024u)
#else
#define CTX_STACK_SIZE	(256u * 1024u)
#endif

void ctx_pool_init(struct ctx_pool *pool, size_t stack_size);
void ctx_pool_destroy(struct ctx_pool *pool);
/* A stack, or NULL when mmap fails. */
struct ctx_stack *ctx_stack_get(struct ctx_pool *pool);
void ctx_stack_put(struct ctx_pool *pool, struct ctx_stack *s);

/*
 * Prepare @c to start at @entry(@arg) on stack @s when first switched to.
 * @entry must never return. A context that was never switched away from
 * (the host) has no stack_lo; under ASan its bounds are looked up when it
 * is first switched to.
 */
void ctx_make(struct ctx *c, struct ctx_stack *s, void (*entry)(void *), void *arg);

/*
 * Save the current context into @from and resume @to. @from_dies says that
 * @from will never be resumed (lets ASan drop its fake stack).
 */
void ctx_switch(struct ctx *from, struct ctx *to, int from_dies);

/*
 * Leaving a context for good by siglongjmp to @to (the host): tell ASan
 * before (prepare) and after (finish) so it tracks the stack we land on.
 */
void ctx_escape_prepare(struct ctx *to);
void ctx_escape_finish(void);

/* The raw switch, for benchmarks: saves into *save_sp, loads load_sp. */
void ctx_swap_raw(void **save_sp, void *load_sp);

#endif /* HVSIM_CTX_H */
