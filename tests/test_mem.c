// SPDX-License-Identifier: MIT
/*
 * The host-kernel model's memory: the allocator hands out what it promises
 * (sizes, alignment, zeroing, no overlap), every choice is a function of
 * the call sequence, and each kind of bad access or free produces its
 * KASAN/kmemleak-shaped report exactly once.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/mem.h"
#include "engine/report.h"
#include "engine/rng.h"
#include "harness.h"

#define VA(off)		(MEM_REPORT_VA_BASE + MEM_PHYS_BASE + (off))

static const uintptr_t test_stack[] = { 0x1100, 0x1204, 0x1308 };

static struct sim_who who_at(uintptr_t pc)
{
	struct sim_who w = {
		.task = 1, .pid = 7, .comm = "kworker", .cpu = 1, .step = 100,
		.stack = test_stack, .depth = 3, .pc = pc,
	};

	return w;
}

static struct mem *mk(struct harness_reports *r, size_t bytes)
{
	struct mem *m;

	memset(r, 0, sizeof(*r));
	m = mem_create(bytes, harness_collect, harness_symbolize, r);
	cr_assert_not_null(m);
	return m;
}

static void done(struct mem *m, struct harness_reports *r)
{
	mem_destroy(m);
	harness_reports_clear(r);
}

static int has(const char *text, const char *what)
{
	return text && strstr(text, what) != NULL;
}

Test(mem, alloc_free_round_trip, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *p = mem_alloc(m, 24, 0, &w);

	cr_assert_not_null(p);
	cr_assert(mem_contains(m, (uintptr_t)p, 24));
	memcpy(p, "twenty-three bytes long", 24);
	cr_assert_eq(mem_live_objects(m), 1);
	cr_assert_eq(mem_check(m, &w, (uintptr_t)p, 24, 0), MEM_OK);
	cr_assert_eq(mem_free(m, p, &w), 0);
	cr_assert_eq(mem_live_objects(m), 0);
	cr_assert_eq(mem_free(m, NULL, &w), 0);
	cr_assert_eq(mem_alloc(m, 0, 0, &w), MEM_ZERO_SIZE_PTR);
	cr_assert_eq(mem_free(m, MEM_ZERO_SIZE_PTR, &w), 0);
	cr_assert_eq(mem_live_objects(m), 0);
	cr_assert_eq(r.n, 0);
	done(m, &r);
}

Test(mem, zeroing_and_free_poison, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 4 << 20);
	unsigned char *p, *first;
	int reused = 0;

	first = mem_alloc(m, 100, 0, &w);
	memset(first, 0xaa, 100);
	cr_assert_eq(mem_free(m, first, &w), 0);
	cr_assert_eq(first[0], 0x6b, "freed memory is poisoned");
	/* Churn the class until the quarantine lets the dirty slot go. */
	for (int i = 0; i < 4096 && !reused; i++) {
		p = mem_alloc(m, 100, 1, &w);
		cr_assert_not_null(p);
		for (int j = 0; j < 100; j++)
			cr_assert_eq(p[j], 0, "byte %d of a zeroed allocation", j);
		reused = p == first;
		memset(p, 0xaa, 100);
		cr_assert_eq(mem_free(m, p, &w), 0);
	}
	cr_assert(reused);
	p = mem_alloc_pages(m, 1, &w);
	for (int j = 0; j < 8192; j++)
		cr_assert_eq(p[j], 0);
	cr_assert_eq(r.n, 0);
	done(m, &r);
}

Test(mem, alignment_rules, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 16 << 20);

	for (size_t size = 1; size <= 9000; size += size < 300 ? 1 : 37) {
		uintptr_t p = (uintptr_t)mem_alloc(m, size, 0, &w);
		size_t align = 8;

		cr_assert(p);
		if (size > 4096)
			align = 4096;
		else if (!(size & (size - 1)))
			align = size < 8 ? 8 : size;
		cr_assert_eq(p % align, 0, "size %zu at %#lx", size, (unsigned long)p);
		cr_assert_eq(mem_arena_offset(m, p) % align, 0);
	}
	for (size_t size = 1; size <= 4096; size *= 2) {
		uintptr_t p = (uintptr_t)mem_alloc(m, size, 0, &w);

		cr_assert_eq(p % (size < 8 ? 8 : size), 0, "power of two %zu", size);
	}
	cr_assert_eq(r.n, 0);
	done(m, &r);
}

struct live {
	unsigned char *p;
	size_t size;
	int pages;		/* order + 1, or 0 for kmalloc */
	unsigned char tag;
};

Test(mem, random_sequence_never_overlaps, .timeout = 10)
{
	static struct live live[4096];
	struct sim_who w = who_at(0x1010), bad = who_at(0x9900);
	struct harness_reports r;
	struct mem *m = mk(&r, 64 << 20);
	size_t nlive = 0;
	struct rng rng;

	rng_seed(&rng, 0x5eed);
	for (int op = 0; op < 10000; op++) {
		if (nlive && (nlive >= 4096 || rng_below(&rng, 100) < 45)) {
			size_t i = rng_below(&rng, nlive);
			struct live *l = &live[i];

			for (size_t j = 0; j < l->size; j++)
				cr_assert_eq(l->p[j], l->tag, "object %p byte %zu was overwritten",
					     l->p, j);
			if (l->pages)
				cr_assert_eq(mem_free_pages(m, l->p, l->pages - 1, &w), 0);
			else
				cr_assert_eq(mem_free(m, l->p, &w), 0);
			cr_assert_eq(mem_check(m, &bad, (uintptr_t)l->p, 1, 0), MEM_BAD_UAF);
			live[i] = live[--nlive];
			continue;
		}

		struct live n = { .tag = (unsigned char)(op | 1) };
		unsigned int pick = rng_below(&rng, 100);

		if (pick < 5) {
			n.pages = 1 + rng_below(&rng, 3);
			n.size = (size_t)4096 << (n.pages - 1);
			n.p = mem_alloc_pages(m, n.pages - 1, &w);
		} else {
			n.size = pick < 15 ? 1 + rng_below(&rng, 9000) : 1 + rng_below(&rng, 600);
			n.p = mem_alloc(m, n.size, (int)(op & 1), &w);
		}
		cr_assert_not_null(n.p, "op %d", op);
		cr_assert_eq((uintptr_t)n.p % 8, 0);
		for (size_t i = 0; i < nlive; i++)
			cr_assert(n.p + n.size <= live[i].p || live[i].p + live[i].size <= n.p,
				  "op %d: [%p,+%zu) overlaps [%p,+%zu)", op, n.p, n.size,
				  live[i].p, live[i].size);
		cr_assert_eq(mem_check(m, &w, (uintptr_t)n.p, (uint32_t)n.size, 1), MEM_OK);
		cr_assert_eq(mem_check(m, &w, (uintptr_t)n.p + n.size - 1, 1, 0), MEM_OK);
		if (!n.pages)
			cr_assert_eq(mem_check(m, &bad, (uintptr_t)n.p + n.size, 1, 0),
				     MEM_BAD_OOB);
		memset(n.p, n.tag, n.size);
		live[nlive++] = n;
	}
	cr_assert_eq(mem_live_objects(m), nlive);
	/* Only the first bad access of each (site, kind) was reported. */
	cr_assert_eq(r.n, 2);
	done(m, &r);
}

/*
 * A fixed sequence of allocations, frees and bad accesses; the arena offset
 * of every allocation goes to @offs.
 */
static size_t script(struct mem *m, uintptr_t *offs, size_t max)
{
	void *held[256] = { 0 };
	unsigned int pages[256] = { 0 };	/* order + 1 of page allocations */
	size_t n = 0;
	struct rng rng;

	rng_seed(&rng, 42);
	for (int op = 0; op < 3000; op++) {
		struct sim_who w = who_at(0x1000 + (uintptr_t)(op % 7) * 0x100);
		unsigned int slot = rng_below(&rng, 256);
		void *p = held[slot];

		w.step = (uint64_t)op;
		if (p) {
			if (rng_below(&rng, 10) == 0)
				mem_check(m, &w, (uintptr_t)p + 8192, 4, 1);
			if (pages[slot])
				mem_free_pages(m, p, pages[slot] - 1, &w);
			else
				mem_free(m, p, &w);
			if (rng_below(&rng, 20) == 0) {
				mem_check(m, &w, (uintptr_t)p, 8, 0);
				mem_free(m, p, &w);
			}
			held[slot] = NULL;
			continue;
		}
		pages[slot] = rng_below(&rng, 30) ? 0 : 1 + rng_below(&rng, 3);
		p = pages[slot] ? mem_alloc_pages(m, pages[slot] - 1, &w) :
				  mem_alloc(m, 1 + rng_below(&rng, 5000), 0, &w);
		cr_assert_not_null(p);
		if (n < max)
			offs[n++] = mem_arena_offset(m, (uintptr_t)p);
		mem_check(m, &w, (uintptr_t)p + 1, 2, 0);
		held[slot] = p;
	}
	mem_report_leaks(m, NULL, 0);
	return n;
}

static void same_reports(const struct harness_reports *a, const struct harness_reports *b)
{
	cr_assert_eq(a->n, b->n);
	cr_assert_gt(a->n, 3, "the script produces several kinds of report");
	for (unsigned int i = 0; i < a->n && i < HARNESS_MAX_REPORTS; i++) {
		cr_assert_str_eq(a->title[i], b->title[i]);
		cr_assert_str_eq(a->text[i], b->text[i]);
	}
}

Test(mem, same_calls_same_offsets_and_reports, .timeout = 10)
{
	static uintptr_t o1[4096], o2[4096];
	struct harness_reports r1, r2;
	struct mem *m1 = mk(&r1, 32 << 20), *m2 = mk(&r2, 32 << 20);
	size_t n1, n2;

	cr_assert_neq(mem_va(m1, MEM_PHYS_BASE), mem_va(m2, MEM_PHYS_BASE));
	n1 = script(m1, o1, 4096);
	n2 = script(m2, o2, 4096);
	cr_assert_eq(n1, n2);
	cr_assert_eq(memcmp(o1, o2, n1 * sizeof(*o1)), 0);
	same_reports(&r1, &r2);
	cr_assert(has(r1.title[r1.n - 1], "BUG: memory leak"));
	done(m1, &r1);
	done(m2, &r2);
}

Test(mem, reset_repeats_the_run, .timeout = 10)
{
	static uintptr_t o1[4096], o2[4096];
	struct harness_reports r1, r2;
	struct mem *m = mk(&r1, 32 << 20);
	size_t n1, n2;

	n1 = script(m, o1, 4096);
	r2 = r1;
	memset(&r1, 0, sizeof(r1));
	mem_reset(m);
	cr_assert_eq(mem_live_objects(m), 0);
	n2 = script(m, o2, 4096);
	cr_assert_eq(n1, n2);
	cr_assert_eq(memcmp(o1, o2, n1 * sizeof(*o1)), 0);
	same_reports(&r1, &r2);
	harness_reports_clear(&r2);
	done(m, &r1);
}

Test(mem, reset_restores_fresh_contents, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	unsigned char *p = mem_alloc(m, 40, 0, &w), *q;

	memset(p, 0x77, 40);
	mem_reset(m);
	q = mem_alloc(m, 40, 0, &w);
	cr_assert_eq(q, p);
	for (int i = 0; i < 40; i++)
		cr_assert_eq(q[i], 0, "a new run must not see the last run's bytes");
	done(m, &r);
}

Test(mem, use_after_free_is_reported_once, .timeout = 10)
{
	struct sim_who a = who_at(0x1010), f = who_at(0x2020), u = who_at(0x3030);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *p = mem_alloc(m, 32, 0, &a);

	cr_assert_eq(mem_arena_offset(m, (uintptr_t)p), 0);
	cr_assert_eq(mem_free(m, p, &f), 0);
	cr_assert_eq(mem_check(m, &u, (uintptr_t)p + 8, 8, 0), MEM_BAD_UAF);
	cr_assert_eq(mem_check(m, &u, (uintptr_t)p, 1, 1), MEM_BAD_UAF);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], "BUG: KASAN: use-after-free in fn_30");
	cr_assert(has(r.text[0], "================================="
			  "=================================\n"
			  "BUG: KASAN: use-after-free in fn_30\n"
			  "Read of size 8 at addr 0xffff888000100008 by task kworker/7\n"
			  " at kmalloc-32+0x8\n"
			  "\nCPU: 1 PID: 7 Comm: kworker\nCall Trace:\n"
			  " fn_30+0x30/0x100\n fn_13+0x8/0x100\n"
			  " fn_12+0x4/0x100\n fn_11+0x0/0x100\n"),
		  "%s", r.text[0]);
	cr_assert(has(r.text[0], "\nAllocated by task 7:\n fn_10+0x10/0x100\n"), "%s", r.text[0]);
	cr_assert(has(r.text[0], "\nFreed by task 7:\n fn_20+0x20/0x100\n"), "%s", r.text[0]);
	cr_assert(has(r.text[0], "The buggy address belongs to the object at 0xffff888000100000\n"
			  " which belongs to the cache kmalloc-32 of size 32\n"
			  "The buggy address is located 8 bytes inside of\n"
			  " 32-byte region [0xffff888000100000, 0xffff888000100020)\n"),
		  "%s", r.text[0]);
	done(m, &r);
}

Test(mem, live_object_access_is_silent, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *p = mem_alloc(m, 200, 0, &w), *q = mem_alloc(m, 5000, 0, &w);
	char *pg = mem_alloc_pages(m, 1, &w);

	for (uint32_t off = 0; off < 200; off++)
		cr_assert_eq(mem_check(m, &w, (uintptr_t)p + off, 1, off & 1), MEM_OK);
	cr_assert_eq(mem_check(m, &w, (uintptr_t)p, 200, 1), MEM_OK);
	cr_assert_eq(mem_check(m, &w, (uintptr_t)q, 5000, 0), MEM_OK);
	cr_assert_eq(mem_check(m, &w, (uintptr_t)pg, 8192, 1), MEM_OK);
	cr_assert_eq(mem_check(m, &w, (uintptr_t)&w, sizeof(w), 0), MEM_OK,
		     "outside the arena is not this module's business");
	cr_assert_eq(r.n, 0);
	done(m, &r);
}

Test(mem, one_byte_past_the_size_is_out_of_bounds, .timeout = 10)
{
	struct sim_who a = who_at(0x1010), b = who_at(0x4040), c = who_at(0x5050);
	struct sim_who d = who_at(0x6060), e = who_at(0x7070);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *p = mem_alloc(m, 13, 0, &a);
	char *full = mem_alloc(m, 64, 0, &a);
	char *big = mem_alloc(m, 5000, 0, &a);

	cr_assert_eq(mem_check(m, &b, (uintptr_t)p + 13, 1, 1), MEM_BAD_OOB);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], "BUG: KASAN: slab-out-of-bounds in fn_40");
	cr_assert(has(r.text[0], "Write of size 1 at addr 0xffff88800010000d by task kworker/7\n"),
		  "%s", r.text[0]);
	cr_assert(has(r.text[0], " which belongs to the cache kmalloc-16 of size 16\n"
			  "The buggy address is located 0 bytes to the right of\n"
			  " 13-byte region [0xffff888000100000, 0xffff88800010000d)\n"),
		  "%s", r.text[0]);
	cr_assert(!has(r.text[0], "Freed by"));
	/* An access that starts inside and runs off the end. */
	cr_assert_eq(mem_check(m, &c, (uintptr_t)full + 60, 8, 0), MEM_BAD_OOB);
	cr_assert(has(r.text[1], "located 60 bytes inside of\n 64-byte region"), "%s", r.text[1]);
	/* The page-rounded tail and the guard page of a large kmalloc. */
	cr_assert_eq((uintptr_t)big % 4096, 0);
	cr_assert_eq(mem_check(m, &d, (uintptr_t)big + 5000, 1, 0), MEM_BAD_OOB);
	cr_assert_eq(mem_check(m, &e, (uintptr_t)big + 8192 + 100, 1, 0), MEM_BAD_OOB);
	cr_assert_eq(r.n, 4);
	cr_assert(has(r.text[2], "kmalloc-8192 of size 8192"), "%s", r.text[2]);
	done(m, &r);
}

Test(mem, double_and_invalid_free, .timeout = 10)
{
	struct sim_who a = who_at(0x1010), f = who_at(0x2020), g = who_at(0x2120);
	struct sim_who h = who_at(0x2220);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *p = mem_alloc(m, 48, 0, &a), *q = mem_alloc(m, 48, 0, &a);
	long local;

	cr_assert_eq(mem_free(m, p, &f), 0);
	cr_assert_eq(mem_free(m, p, &g), -EINVAL);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], "BUG: KASAN: double-free in fn_21");
	cr_assert(has(r.text[0], "Free of addr 0xffff888000100000 by task kworker/7\n"),
		  "%s", r.text[0]);
	cr_assert(has(r.text[0], "\nFreed by task 7:\n fn_20+0x20/0x100\n"), "%s", r.text[0]);

	cr_assert_eq(mem_free(m, q + 4, &h), -EINVAL);
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.title[1], "BUG: KASAN: invalid-free in fn_22");
	cr_assert(has(r.text[1], "located 4 bytes inside of\n 48-byte region"), "%s", r.text[1]);
	cr_assert_eq(mem_live_objects(m), 1, "a bad free frees nothing");

	cr_assert_eq(mem_free(m, &local, &f), -EINVAL);
	cr_assert_eq(r.n, 3);
	cr_assert_str_eq(r.title[2], "BUG: KASAN: invalid-free in fn_20");
	cr_assert(has(r.text[2], "Free of addr <outside the arena>"), "%s", r.text[2]);
	cr_assert_eq(mem_free(m, q, &f), 0);
	done(m, &r);
}

Test(mem, never_allocated_memory_is_wild, .timeout = 10)
{
	struct sim_who a = who_at(0x1010), b = who_at(0x8080), c = who_at(0x8180);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *p = mem_alloc(m, 8, 0, &a);
	uintptr_t far = (uintptr_t)mem_va(m, MEM_PHYS_BASE + mem_arena_size(m) / 2);

	cr_assert_eq(mem_check(m, &b, far, 4, 0), MEM_BAD_WILD);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], "BUG: KASAN: wild-memory-access in fn_80");
	cr_assert(has(r.text[0], "Read of size 4 at addr 0xffff888000180000 by task kworker/7\n"),
		  "%s", r.text[0]);
	cr_assert(!has(r.text[0], "Allocated by"));
	/* The next slot of a slab that nobody has taken yet. */
	cr_assert_eq(mem_check(m, &c, (uintptr_t)p + 24, 8, 1), MEM_BAD_WILD);
	cr_assert_eq(r.n, 2);
	done(m, &r);
}

Test(mem, null_pointer_check, .timeout = 10)
{
	struct sim_who w = who_at(0x3a3a);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);

	cr_assert_eq(mem_check_null(m, &w, 8, 8, 0), MEM_BAD_NULL);
	cr_assert_eq(mem_check_null(m, &w, 16, 8, 0), MEM_BAD_NULL);
	cr_assert_eq(mem_check_null(m, &w, 4096, 8, 0), MEM_OK);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0],
			 "BUG: kernel NULL pointer dereference, address: 0x0000000000000008");
	cr_assert(has(r.text[0], "#PF: supervisor read access in kernel mode\n"), "%s", r.text[0]);
	cr_assert(has(r.text[0], "RIP: fn_3a+0x3a/0x100\n"), "%s", r.text[0]);
	done(m, &r);
}

Test(mem, quarantine_delays_reuse, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 4 << 20);
	char *p = mem_alloc(m, 64, 0, &w), *q;
	int i;

	cr_assert_eq(mem_free(m, p, &w), 0);
	q = mem_alloc(m, 64, 0, &w);
	cr_assert_neq(q, p);
	cr_assert_eq(mem_free(m, q, &w), 0);
	for (i = 0; i < 4096; i++) {
		q = mem_alloc(m, 64, 0, &w);
		if (q == p)
			break;
		cr_assert_eq(mem_free(m, q, &w), 0);
	}
	cr_assert_eq(q, p, "memory comes back once it leaves the quarantine");
	cr_assert_geq(i, 1000, "came back after %d frees", i);
	cr_assert_eq(r.n, 0);
	done(m, &r);
}

Test(mem, pages_and_physical_addresses, .timeout = 10)
{
	struct sim_who w = who_at(0x1010), x = who_at(0x2a2a), y = who_at(0x2b2b);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *small = mem_alloc(m, 8, 0, &w);
	char *p0 = mem_alloc_pages(m, 0, &w), *p2 = mem_alloc_pages(m, 2, &w);
	long local;

	cr_assert_not_null(small);
	cr_assert_eq((uintptr_t)p0 % 4096, 0);
	cr_assert_eq((uintptr_t)p2 % 4096, 0);
	cr_assert_eq(mem_arena_offset(m, (uintptr_t)p0) % 4096, 0);
	cr_assert_eq(mem_pa(m, p2), MEM_PHYS_BASE + mem_arena_offset(m, (uintptr_t)p2));
	cr_assert_eq(mem_va(m, mem_pa(m, p2)), p2);
	cr_assert_eq(mem_va(m, mem_pa(m, p2 + 5000)), p2 + 5000);
	cr_assert_eq(mem_pa(m, &local), ~0ULL);
	cr_assert_eq(mem_va(m, MEM_PHYS_BASE + mem_arena_size(m)), NULL);
	cr_assert_eq(mem_va(m, MEM_PHYS_BASE - 1), NULL);
	cr_assert_neq(mem_va(m, MEM_PHYS_BASE + mem_arena_size(m) - 1), NULL);
	cr_assert_eq(mem_arena_offset(m, (uintptr_t)&local), UINTPTR_MAX);
	cr_assert(!mem_contains(m, (uintptr_t)p2, mem_arena_size(m)));
	cr_assert_eq(mem_live_objects(m), 3);

	cr_assert_eq(mem_free_pages(m, p2, 1, &x), -EINVAL, "wrong order");
	cr_assert_eq(mem_free(m, p0, &y), -EINVAL, "kfree of pages");
	cr_assert_eq(r.n, 2);
	cr_assert_str_eq(r.title[0], "BUG: KASAN: invalid-free in fn_2a");
	cr_assert(has(r.text[0], "The buggy address belongs to the pages at"), "%s", r.text[0]);
	cr_assert_eq(mem_free_pages(m, p2, 2, &w), 0);
	cr_assert_eq(mem_free_pages(m, p0, 0, &w), 0);
	cr_assert_eq(mem_free_pages(m, NULL, 3, &w), 0);
	cr_assert_eq(mem_check(m, &x, (uintptr_t)p2 + 16000, 8, 0), MEM_BAD_UAF);
	cr_assert_eq(mem_live_objects(m), 1);
	done(m, &r);
}

Test(mem, exhaustion_returns_null, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 64 << 10);
	void *held[1024];
	int n = 0;

	while (n < 1024 && (held[n] = mem_alloc(m, 1000, 0, &w)))
		n++;
	cr_assert_lt(n, 1024);
	cr_assert_gt(n, 0);
	cr_assert_null(mem_alloc(m, 1000, 0, &w));
	cr_assert_null(mem_alloc(m, 1 << 20, 0, &w));
	cr_assert_null(mem_alloc(m, SIZE_MAX, 0, &w));
	cr_assert_null(mem_alloc_pages(m, 4, &w));
	cr_assert_null(mem_alloc_pages(m, 40, &w));
	for (int i = 0; i < n; i++)
		cr_assert_eq(mem_free(m, held[i], &w), 0);
	/* Quarantined memory is given up rather than failing an allocation. */
	cr_assert_not_null(mem_alloc(m, 1000, 0, &w));
	cr_assert_null(mem_create(0, harness_collect, harness_symbolize, &r));
	cr_assert_eq(r.n, 0);
	done(m, &r);
}

Test(mem, leaks_are_listed_in_allocation_order, .timeout = 10)
{
	static void *churn[1024];
	struct sim_who a = who_at(0x1010), b = who_at(0x1111), c = who_at(0x1212);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	char *early = mem_alloc(m, 16, 0, &a), *first, *second;
	char want1[512], want2[128];
	const char *e1, *e2;

	/* Push @early's slot through the quarantine so the later leak reuses it. */
	cr_assert_eq(mem_free(m, early, &a), 0);
	for (int i = 0; i < 1024; i++)
		churn[i] = mem_alloc(m, 16, 0, &a);
	for (int i = 0; i < 1024; i++)
		cr_assert_eq(mem_free(m, churn[i], &a), 0);
	first = mem_alloc(m, 5000, 0, &b);
	second = mem_alloc(m, 16, 0, &c);
	cr_assert_eq(second, early, "the later object sits lower in the arena");
	cr_assert_eq(mem_report_leaks(m, NULL, 0), 2);
	cr_assert_eq(r.n, 1);
	cr_assert_str_eq(r.title[0], "BUG: memory leak");
	snprintf(want1, sizeof(want1), "unreferenced object 0x%016llx (size 5000):\n"
		 "  comm \"kworker\", pid 7, jiffies 100\n"
		 "  backtrace:\n"
		 "    [<0000000000001111>] fn_11+0x11/0x100\n"
		 "    [<0000000000001308>] fn_13+0x8/0x100\n"
		 "    [<0000000000001204>] fn_12+0x4/0x100\n"
		 "    [<0000000000001100>] fn_11+0x0/0x100\n",
		 (unsigned long long)mem_report_addr(m, (uintptr_t)first));
	snprintf(want2, sizeof(want2), "unreferenced object 0x%016llx (size 16):\n",
		 (unsigned long long)VA(0));
	e1 = strstr(r.text[0], want1);
	e2 = strstr(r.text[0], want2);
	cr_assert_not_null(e1, "%s", r.text[0]);
	cr_assert_not_null(e2, "%s", r.text[0]);
	cr_assert_lt(e1, e2);
	cr_assert(has(r.text[0], "kmemleak: 2 new suspected memory leaks"), "%s", r.text[0]);
	cr_assert_eq(strncmp(r.text[0], "BUG: memory leak\n", 17), 0);
	done(m, &r);
}

Test(mem, no_leaks_no_report, .timeout = 10)
{
	struct sim_who w = who_at(0x1010);
	struct harness_reports r;
	struct mem *m = mk(&r, 1 << 20);
	void *p = mem_alloc(m, 100, 0, &w), *pg = mem_alloc_pages(m, 0, &w);

	cr_assert_eq(mem_free(m, p, &w), 0);
	cr_assert_eq(mem_free_pages(m, pg, 0, &w), 0);
	cr_assert_eq(mem_report_leaks(m, NULL, 0), 0);
	cr_assert_eq(r.n, 0);
	done(m, &r);
}

Test(mem, null_who_and_no_callbacks, .timeout = 10)
{
	struct mem *m = mem_create(1 << 20, NULL, NULL, NULL);
	char *p;

	cr_assert_not_null(m);
	p = mem_alloc(m, 10, 1, NULL);
	cr_assert_not_null(p);
	cr_assert_eq(mem_check(m, NULL, (uintptr_t)p + 10, 1, 0), MEM_BAD_OOB);
	cr_assert_eq(mem_free(m, p, NULL), 0);
	cr_assert_eq(mem_free(m, p, NULL), -EINVAL);
	cr_assert_eq(mem_check_null(m, NULL, 0, 1, 1), MEM_BAD_NULL);
	p = mem_alloc(m, 10, 0, NULL);
	cr_assert_eq(mem_report_leaks(m, NULL, 0), 1);
	mem_destroy(m);
}
