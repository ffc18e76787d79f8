// SPDX-License-Identifier: MIT
/*
 * Kernel memory for instrumented code: kmalloc and pages over the
 * simulated physical arena (sim/kernel/mem.c). Allocations are fallible
 * (fault injection) and, with GFP_KERNEL, may sleep.
 */
#include "hvsim/kernel.h"

#include <stdint.h>
#include <string.h>

#include "kernel/kmodel.h"
#include "kernel/mem.h"
#include "mem/phys.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

static void *alloc(size_t size, gfp_t flags, int zero, uintptr_t pc)
{
	struct machine *m = kcall(NULL, pc);
	struct sim_who w;

	if (!m->cur_task)
		return NULL;
	if (flags & GFP_KERNEL)
		kdetect_might_sleep(m, "kmalloc(GFP_KERNEL)", pc);
	if (should_fail())
		return NULL;
	kernel_who(m, &w, pc);
	return mem_alloc(kmodel_of(m)->mem, size, zero, &w);
}

void *kmalloc(size_t size, gfp_t flags)
{
	return alloc(size, flags, !!(flags & __GFP_ZERO), CALLER_PC);
}

void *kzalloc(size_t size, gfp_t flags)
{
	return alloc(size, flags, 1, CALLER_PC);
}

void *kcalloc(size_t n, size_t size, gfp_t flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return alloc(n * size, flags, 1, CALLER_PC);
}

/*
 * A free of a live object touches that object (it is poisoned) and the
 * allocator's quarantine, which only decides which freed memory a later
 * allocation gets; allocations are steps on everything. So the free is a
 * step on the object: dfs decides at it only when another task touches the
 * object. kfree(NULL) touches nothing (SIM_SCOPE_CPU); a bad free reports,
 * and is a step on everything.
 */
void kfree(const void *p)
{
	struct machine *cur = sim_current;
	size_t size = cur->running && cur->cur_task ? mem_live_size(kmodel_of(cur)->mem, p) : 0;
	struct machine *m = size ? machine_step_obj(p, size, CALLER_PC, __func__)
			  : !p ? machine_step_cpu(CALLER_PC, __func__) : kcall(p, CALLER_PC);
	struct sim_who w;

	if (!m->cur_task || !p)
		return;
	kernel_who(m, &w, CALLER_PC);
	mem_free(kmodel_of(m)->mem, p, &w);
}

/*
 * A cache's handle, as code under test holds it: a fixed address that is
 * never dereferenced (struct kmem_cache is opaque in kernel.h), so that it
 * is the same value in every process; a host pointer into the kernel model
 * would put pieces of the heap's address into registers, stack slots and
 * traces.
 */
#define KCACHE_HANDLE_BASE	0xffffffffc8000000ULL
#define KCACHE_HANDLE_STRIDE	64

static struct kmem_cache *cache_handle(unsigned int id)
{
	return (struct kmem_cache *)(uintptr_t)(KCACHE_HANDLE_BASE + (uint64_t)id * KCACHE_HANDLE_STRIDE);
}

/* The cache @s names (1 + its index in the memory model), or 0 for what no cache returned. */
static unsigned int cache_id(const struct kmem_cache *s)
{
	uint64_t v = (uint64_t)(uintptr_t)s - KCACHE_HANDLE_BASE;

	if (v % KCACHE_HANDLE_STRIDE || !v || v / KCACHE_HANDLE_STRIDE > MEM_MAX_CACHES)
		return 0;
	return (unsigned int)(v / KCACHE_HANDLE_STRIDE);
}

/*
 * A cache is bookkeeping in the kernel model, touching no memory a task
 * can see: creating it is not a step (module init would otherwise gain a
 * scheduling point), nor fallible.
 */
struct kmem_cache *__kmem_cache_create_type(const char *name, const char *type, unsigned int size,
					    unsigned int align, slab_flags_t flags)
{
	struct machine *m = sim_current;
	unsigned int id;

	(void)align, (void)flags;
	if (!m->running || !m->cur_task)
		return NULL;
	id = mem_cache_create(kmodel_of(m)->mem, name, type, size);
	return id ? cache_handle(id) : NULL;
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     slab_flags_t flags, void (*ctor)(void *))
{
	if (ctor)
		return NULL;
	return __kmem_cache_create_type(name, NULL, size, align, flags);
}

static void *cache_alloc(struct kmem_cache *s, gfp_t flags, int zero, uintptr_t pc)
{
	struct machine *m = kcall(NULL, pc);
	struct sim_who w;

	if (!m->cur_task || !s)
		return NULL;
	if (flags & GFP_KERNEL)
		kdetect_might_sleep(m, "kmem_cache_alloc(GFP_KERNEL)", pc);
	if (should_fail())
		return NULL;
	kernel_who(m, &w, pc);
	return mem_cache_alloc(kmodel_of(m)->mem, cache_id(s), zero, &w);
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	return cache_alloc(s, flags, !!(flags & __GFP_ZERO), CALLER_PC);
}

void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags)
{
	return cache_alloc(s, flags, 1, CALLER_PC);
}

/* A step as kfree()'s: on the object when it is live, else on everything. */
void kmem_cache_free(struct kmem_cache *s, void *p)
{
	struct machine *cur = sim_current;
	size_t size = cur->running && cur->cur_task ? mem_live_size(kmodel_of(cur)->mem, p) : 0;
	struct machine *m = size ? machine_step_obj(p, size, CALLER_PC, __func__)
			  : !p ? machine_step_cpu(CALLER_PC, __func__) : kcall(p, CALLER_PC);
	struct sim_who w;

	if (!m->cur_task || !p || !s)
		return;
	kernel_who(m, &w, CALLER_PC);
	mem_cache_free(kmodel_of(m)->mem, cache_id(s), p, &w);
}

void kmem_cache_destroy(struct kmem_cache *s)
{
	struct machine *m = sim_current;
	struct sim_who w;

	if (!s || !m->running || !m->cur_task)
		return;
	kernel_who(m, &w, CALLER_PC);
	mem_cache_destroy(kmodel_of(m)->mem, cache_id(s), &w);
}

unsigned long __get_free_pages(gfp_t flags, unsigned int order)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_who w;

	if (!m->cur_task)
		return 0;
	if (flags & GFP_KERNEL)
		kdetect_might_sleep(m, "__get_free_pages(GFP_KERNEL)", CALLER_PC);
	if (should_fail())
		return 0;
	kernel_who(m, &w, CALLER_PC);
	return (unsigned long)mem_alloc_pages(kmodel_of(m)->mem, order, &w);
}

void free_pages(unsigned long addr, unsigned int order)
{
	struct machine *m = kcall((void *)addr, CALLER_PC);
	struct sim_who w;

	if (!m->cur_task || !addr)
		return;
	kernel_who(m, &w, CALLER_PC);
	mem_free_pages(kmodel_of(m)->mem, (void *)addr, order, &w);
}

void kernel_direct_map(const struct machine *m, uintptr_t *offset, uint64_t *first,
		       uint64_t *bytes)
{
	const struct phys_mem *pm = kmodel_of_const(m)->phys;
	const void *base = phys_base(pm);

	*first = phys_pa(pm, base);
	*offset = (uintptr_t)base - (uintptr_t)*first;
	*bytes = phys_size(pm);
}

/* Outside a run sim_current is the engine's dummy, which has no kernel. */
uint64_t __pa(const void *va)
{
	return sim_current->running ? mem_pa(kmodel_of(sim_current)->mem, va) : ~0ULL;
}

void *__va(uint64_t pa)
{
	return sim_current->running ? mem_va(kmodel_of(sim_current)->mem, pa) : NULL;
}
