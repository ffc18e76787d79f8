// SPDX-License-Identifier: MIT
#include "engine/ctx.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "engine/bug.h"
#include "hvsim/tools.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#define CTX_GUARD	4096u

void ctx_trampoline(void);

void ctx_pool_init(struct ctx_pool *pool, size_t stack_size)
{
	pool->free = NULL;
	pool->stack_size = (stack_size + CTX_GUARD - 1) & ~(size_t)(CTX_GUARD - 1);
	pool->mapped = 0;
}

void ctx_pool_destroy(struct ctx_pool *pool)
{
	while (pool->free) {
		struct ctx_stack *s = pool->free;

		pool->free = s->next;
		munmap((char *)s->lo - CTX_GUARD, s->size + CTX_GUARD);
	}
}

/*
 * The descriptor lives at the top of the stack it describes, so a stack is
 * one mapping: [guard page][usable ... descriptor].
 */
struct ctx_stack *ctx_stack_get(struct ctx_pool *pool)
{
	struct ctx_stack *s = pool->free;
	size_t len = pool->stack_size + CTX_GUARD;
	char *base;

	if (s) {
		pool->free = s->next;
		goto clean;
	}
	base = mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	if (mprotect(base, CTX_GUARD, PROT_NONE)) {
		munmap(base, len);
		return NULL;
	}
	s = (struct ctx_stack *)(base + len - sizeof(*s));
	s->lo = base + CTX_GUARD;
	s->size = pool->stack_size - 64;	/* keep the descriptor out of reach */
	s->next = NULL;
	pool->mapped++;
clean:
#if defined(__SANITIZE_ADDRESS__)
	/*
	 * A run can end with tasks suspended mid-frame, their redzones still
	 * poisoned, and munmap leaves ASan's shadow as it was: a stack that
	 * is reused, or mapped where an old one was, starts clean.
	 */
	ASAN_UNPOISON_MEMORY_REGION(s->lo, s->size);
#endif
	return s;
}

void ctx_stack_put(struct ctx_pool *pool, struct ctx_stack *s)
{
	s->next = pool->free;
	pool->free = s;
}

void ctx_make(struct ctx *c, struct ctx_stack *s, void (*entry)(void *), void *arg)
{
	uintptr_t top = ((uintptr_t)s->lo + s->size) & ~(uintptr_t)15;
	void **sp = (void **)top;

	/*
	 * Frame popped by ctx_swap_raw: r15 r14 r13 r12 rbx rbp, then the
	 * return address. After its ret, rsp == top (16-aligned), so the
	 * trampoline's call enters @entry with rsp + 8 16-aligned, as the
	 * System V ABI requires.
	 */
	*--sp = (void *)ctx_trampoline;	/* return address */
	*--sp = NULL;			/* rbp */
	*--sp = NULL;			/* rbx */
	*--sp = (void *)entry;		/* r12 */
	*--sp = arg;			/* r13 */
	*--sp = NULL;			/* r14 */
	*--sp = NULL;			/* r15 */
	c->sp = sp;
	c->stack_lo = s->lo;
	c->stack_size = s->size;
	c->asan_fake = NULL;
}

/* Called by ctx_trampoline on a new stack. */
__attribute__((noreturn)) void ctx_boot(void (*entry)(void *), void *arg);

#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>

/* The bounds of the thread's own stack, for switches back to the host. */
static void host_stack_bounds(struct ctx *c)
{
	pthread_attr_t attr;
	void *lo;
	size_t size;

	if (pthread_getattr_np(pthread_self(), &attr))
		return;
	if (!pthread_attr_getstack(&attr, &lo, &size)) {
		c->stack_lo = lo;
		c->stack_size = size;
	}
	pthread_attr_destroy(&attr);
}

/*
 * ASan keeps its own idea of the current stack: tell it about every switch,
 * or it reports false errors on the coroutine stacks.
 */
void ctx_switch(struct ctx *from, struct ctx *to, int from_dies)
{
	if (!to->stack_lo)
		host_stack_bounds(to);
	__sanitizer_start_switch_fiber(from_dies ? NULL : &from->asan_fake,
				       to->stack_lo, to->stack_size);
	ctx_swap_raw(&from->sp, to->sp);
	__sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
}

void ctx_escape_prepare(struct ctx *to)
{
	if (!to->stack_lo)
		host_stack_bounds(to);
	__sanitizer_start_switch_fiber(NULL, to->stack_lo, to->stack_size);
}

void ctx_escape_finish(void)
{
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
}

void ctx_boot(void (*entry)(void *), void *arg)
{
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
	entry(arg);
	SIM_BUG_ON(1);	/* entries never return */
	__builtin_unreachable();
}
#else
void ctx_switch(struct ctx *from, struct ctx *to, int from_dies)
{
	(void)from_dies;
	ctx_swap_raw(&from->sp, to->sp);
}

void ctx_escape_prepare(struct ctx *to)
{
	(void)to;
}

void ctx_escape_finish(void)
{
}

void ctx_boot(void (*entry)(void *), void *arg)
{
	entry(arg);
	SIM_BUG_ON(1);	/* entries never return */
	__builtin_unreachable();
}
#endif

struct ctx_pingpong {
	struct ctx main, co;
};

static void pingpong_entry(void *arg)
{
	struct ctx_pingpong *pp = arg;

	for (;;)
		ctx_swap_raw(&pp->co.sp, pp->main.sp);
}

void ctx_pingpong(uint64_t rounds)
{
	struct ctx_pool pool;
	struct ctx_pingpong pp;
	struct ctx_stack *s;

	ctx_pool_init(&pool, 64 * 1024);
	s = ctx_stack_get(&pool);
	SIM_BUG_ON(!s);
	ctx_make(&pp.co, s, pingpong_entry, &pp);
	for (uint64_t i = 0; i < rounds; i++)
		ctx_swap_raw(&pp.main.sp, pp.co.sp);
	ctx_stack_put(&pool, s);
	ctx_pool_destroy(&pool);
}
