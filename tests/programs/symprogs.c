// SPDX-License-Identifier: MIT
/* Instrumented programs for the symbolizer's suite: see symprogs.h. */
#include "symprogs.h"

#include <errno.h>

#include "hvsim/kernel.h"

struct sym_pair {
	long a;
	long b;
};

/* Module-init made; its objects are struct sym_obj (KMEM_CACHE). */
struct sym_obj {
	long a;
	struct {
		int x;
		int y[4];
	} inner;
};

struct sym_pair sym_pair;
long sym_counter;
long sym_sink;
static struct sym_obj *sym_shared;
static struct kmem_cache *sym_cache;

/* Inlined into its caller whatever the optimisation level: its frame is DWARF's alone. */
static inline __attribute__((always_inline)) void sym_pair_set(long v)
{
	sym_pair.b = v;
}

void sym_inline_writer(void *arg)
{
	(void)arg;
	sym_pair_set(1);
}

void sym_pair_reader(void *arg)
{
	(void)arg;
	sym_sink = sym_pair.b;
}

void sym_counter_writer(void *arg)
{
	(void)arg;
	sym_counter = 1;
}

void sym_counter_reader(void *arg)
{
	(void)arg;
	sym_sink = sym_counter;
}

/* @o published, then its inner.y[1] written: a race with the reader. */
static void publish_and_write(struct sym_obj *o)
{
	if (!o)
		return;
	smp_store_release(&sym_shared, o);
	o->inner.y[1] = 1;
}

void sym_kmalloc_writer(void *arg)
{
	(void)arg;
	publish_and_write(kzalloc(sizeof(struct sym_obj), GFP_KERNEL));
}

/* The line of the call in sym_cache_writer(): the inlined frame's caller is named at it. */
const int sym_cache_writer_call_line = __LINE__ + 4;
void sym_cache_writer(void *arg)
{
	(void)arg;
	publish_and_write(kmem_cache_zalloc(sym_cache, GFP_KERNEL));
}

void sym_heap_reader(void *arg)
{
	struct sym_obj *o = smp_load_acquire(&sym_shared);

	(void)arg;
	if (o)
		sym_sink = o->inner.y[1];
}

void sym_cache_uaf(void *arg)
{
	struct sym_obj *o = kmem_cache_zalloc(sym_cache, GFP_KERNEL);

	(void)arg;
	if (!o)
		return;
	kmem_cache_free(sym_cache, o);
	sym_sink = READ_ONCE(o->inner.x);
}

void sym_cache_destroy_live(void *arg)
{
	struct kmem_cache *c = kmem_cache_create("sym_tmp", 24, 8, 0, NULL);
	void *p = c ? kmem_cache_alloc(c, GFP_KERNEL) : NULL;

	(void)arg;
	kmem_cache_destroy(c);
	kfree(p);
}

static int sym_init(void)
{
	sym_cache = KMEM_CACHE(sym_obj, 0);
	return sym_cache ? 0 : -ENOMEM;
}
module_init(sym_init);
