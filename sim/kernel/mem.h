/* SPDX-License-Identifier: MIT */
/*
 * The host-kernel model's memory: one physical-memory arena, a deterministic
 * kmalloc/kfree and page allocator over it, KASAN-like address checks and a
 * kmemleak-like leak report.
 *
 * Determinism: the arena's host address changes with ASLR, nothing else
 * does. The same sequence of calls gives the same arena offsets in any
 * process, and every address a report prints is derived from the arena
 * offset: physical address = MEM_PHYS_BASE + offset, printed as the
 * direct-map virtual address MEM_REPORT_VA_BASE + physical address (the
 * shape of x86-64 Linux's 0xffff888000000000 page_offset_base), so report
 * texts are identical across processes and replays.
 *
 * The allocator: a bump allocator hands out 4 KiB pages, either as slabs of
 * one kmalloc size class (kmalloc-8 .. kmalloc-4096, as Linux's caches) or
 * as one run for a page allocation or a kmalloc larger than 4096 bytes
 * (rounded up to pages, plus a guard page). Freed objects wait in a FIFO
 * quarantine before their memory can be handed out again, so a
 * use-after-free stays visible. Metadata lives outside the arena.
 *
 * Not thread-safe: the simulator runs one simulated CPU at a time.
 */
#ifndef HVSIM_KERNEL_MEM_H
#define HVSIM_KERNEL_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "engine/report.h"
#include "mem/phys.h"

#define MEM_PHYS_BASE		PHYS_BASE
#define MEM_REPORT_VA_BASE	PHYS_REPORT_VA_BASE
#define MEM_PAGE_SIZE		PHYS_PAGE_SIZE
/* kmem_caches a run may create, and the bytes of a cache's (or type's) name kept. */
#define MEM_MAX_CACHES		32
#define MEM_CACHE_NAME_LEN	48
/* A memory location's name as mem_name() writes it. */
#define MEM_NAME_LEN		256
/* What kmalloc(0) returns, as in Linux: not NULL, yet faults on use. */
#define MEM_ZERO_SIZE_PTR	((void *)16)

/* What mem_check() and mem_check_null() found. */
enum mem_bad {
	MEM_OK = 0,
	MEM_BAD_UAF,		/* inside a freed (quarantined or free) object */
	MEM_BAD_OOB,		/* in a redzone or past an object's size */
	MEM_BAD_WILD,		/* in the arena but never allocated */
	MEM_BAD_NULL,		/* below 4096: a NULL pointer dereference */
};

struct mem;
struct sim_who;

/*
 * An arena of @arena_bytes (rounded up to pages), mmap'ed and page aligned.
 * Finished reports go to @report (may be NULL: no reports), pcs become text
 * through @symbolize (may be NULL: "0x<pc>"); both get @arg. NULL on
 * failure.
 */
struct mem *mem_create(size_t arena_bytes, sim_report_fn report,
		       sim_symbolize_fn symbolize, void *arg);
/* The same over physical memory @pm that the caller owns and outlives it. */
struct mem *mem_create_on(struct phys_mem *pm, sim_report_fn report,
			  sim_symbolize_fn symbolize, void *arg);
void mem_destroy(struct mem *m);
/*
 * Frames through @frame (file:line, inlined calls one line each), struct
 * members through @member; both get the @arg of mem_create(), either may
 * be NULL.
 */
void mem_set_names(struct mem *m, sim_frame_fn frame, sim_member_fn member);
/*
 * Where each report happened, through @mark (with the @arg of
 * mem_create()) before the report: one TR_MARK_SITE at the reporting
 * access or call, with the arena address and size it touched and the
 * object's name when there is one. Leaks at a run's end mark nothing.
 */
void mem_set_marks(struct mem *m, sim_mark_fn mark);

/* A new run: everything free, quarantine empty, offsets start over. */
void mem_reset(struct mem *m);

/*
 * kmalloc: @size bytes, zeroed if @zero, else holding whatever the arena
 * held (deterministic: zero, or the free poison 0x6b). Aligned to 8, or to
 * @size for a power of two up to 4096; larger sizes are page aligned.
 * kmalloc(0) gives MEM_ZERO_SIZE_PTR. NULL when the arena is exhausted.
 * @who (may be NULL) is remembered for reports.
 */
void *mem_alloc(struct mem *m, size_t size, int zero, const struct sim_who *who);

/*
 * kfree: NULL and MEM_ZERO_SIZE_PTR are no-ops. A double free or a pointer
 * that is not the start of a live kmalloc object is reported and gives
 * -EINVAL; otherwise 0.
 */
int mem_free(struct mem *m, const void *p, const struct sim_who *who);
/* The size of the live kmalloc object that starts at @p; 0 if there is none. */
size_t mem_live_size(const struct mem *m, const void *p);

/*
 * kmem_cache_create(): a cache @name of @size-byte objects of struct
 * @type (NULL: unknown). Its id (1, 2, ...; the n-th cache of the run is
 * n), or 0 when MEM_MAX_CACHES are made. Objects come from the kmalloc
 * slab of their size class (SLUB's cache merging), so an object has the
 * address a kmalloc of its size would have; reports name its cache.
 */
unsigned int mem_cache_create(struct mem *m, const char *name, const char *type, size_t size);
/* kmem_cache_alloc(): as mem_alloc() of the cache's size; NULL for a bad or destroyed cache. */
void *mem_cache_alloc(struct mem *m, unsigned int cache, int zero, const struct sim_who *who);
/* kmem_cache_free(): as mem_free(), and an object of another cache is an invalid free. */
int mem_cache_free(struct mem *m, unsigned int cache, const void *p, const struct sim_who *who);
/*
 * kmem_cache_destroy(): the cache allocates no more; objects of it still
 * live are reported ("Objects remaining in NAME on __kmem_cache_shutdown()",
 * SLUB's words). Returns how many.
 */
unsigned int mem_cache_destroy(struct mem *m, unsigned int cache, const struct sim_who *who);

/*
 * The memory at @addr by name, for reports: the object's cache (or
 * kmalloc-N) plus the offset, "kvm_vcpu+0x8", and the member when the
 * cache knows its type, "kvm_vcpu+0x8 (kvm_vcpu->cpu)". "" outside any
 * object ever allocated this run, and for page allocations.
 */
void mem_name(const struct mem *m, uintptr_t addr, char *buf, size_t len);

/* 2^@order zeroed pages, 4 KiB aligned; NULL when exhausted. */
void *mem_alloc_pages(struct mem *m, unsigned int order, const struct sim_who *who);

/* Free what mem_alloc_pages(@order) gave; misuse is reported, -EINVAL. */
int mem_free_pages(struct mem *m, const void *p, unsigned int order,
		   const struct sim_who *who);

/* __pa: ~0ULL outside the arena. __va: NULL outside the arena. */
uint64_t mem_pa(const struct mem *m, const void *va);
void *mem_va(const struct mem *m, uint64_t pa);

/* 1 if [@addr, @addr + @size) lies inside the arena. */
int mem_contains(const struct mem *m, uintptr_t addr, size_t size);

/* Offset of @addr in the arena, for traces; UINTPTR_MAX outside it. */
uintptr_t mem_arena_offset(const struct mem *m, uintptr_t addr);

/* The arena's size in bytes (a multiple of MEM_PAGE_SIZE). */
size_t mem_arena_size(const struct mem *m);

/*
 * The address a report prints for @addr: MEM_REPORT_VA_BASE plus its
 * physical address inside the arena, @addr itself outside it.
 */
uint64_t mem_report_addr(const struct mem *m, uintptr_t addr);

/*
 * Check an access of @size bytes at @addr by @who before it happens. Only
 * the part inside the arena is checked; the rest is the caller's business.
 * Returns MEM_OK or the enum mem_bad kind; a bad access is reported once per
 * (site pc, kind) and run.
 */
int mem_check(struct mem *m, const struct sim_who *who, uintptr_t addr,
	      uint32_t size, int is_write);

/* MEM_BAD_NULL (reported once per site) if @addr < 4096, else MEM_OK. */
int mem_check_null(struct mem *m, const struct sim_who *who, uintptr_t addr,
		   uint32_t size, int is_write);

/*
 * At the end of a run: one "BUG: memory leak" report listing every live
 * kmalloc object and page allocation in allocation order. Returns the
 * number of leaks; 0 means no report.
 */
/* A range of memory kmemleak scans for references (module data, ...). */
struct mem_root {
	uintptr_t lo, hi;
};
/*
 * kmemleak: every live object no root reaches, through pointers in the
 * roots and in objects reached (kmemleak's scan: a word holding an address
 * inside an object keeps it), is reported, oldest first. Returns how many.
 */
unsigned int mem_report_leaks(struct mem *m, const struct mem_root *roots, unsigned int nroots);

/* Live kmalloc objects plus live page allocations. */
size_t mem_live_objects(const struct mem *m);

#endif /* HVSIM_KERNEL_MEM_H */
