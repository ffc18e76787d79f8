// SPDX-License-Identifier: MIT
/*
 * The xarray functions 6.1's kvm_main.o calls out of line (the vCPU array,
 * the memory-attribute arrays), modelled on a table of (array, index,
 * entry) rather than the radix tree of lib/xarray.c: kvm_main.o keeps a
 * handful of entries, and reaches them only through these calls, never
 * through xa_head. Part of the machine's glue (not instrumented): the race
 * detector does not see the table, as it does not see hvsim's other
 * kernel primitives' insides. The table is in the glue's bss: restored at
 * every run. Marks are not modelled: a call that asks for one ends the run.
 * Reserved entries (xa_reserve(), XA_ZERO_ENTRY) are kept as lib/xarray.c
 * keeps them: a load, a store over one and a search see NULL; a cmpxchg
 * sees the zero entry itself, which is how xa_release() finds it.
 */
#include <linux/xarray.h>

#define K61_XA_MAX	64

struct k61_xa_entry {
	struct xarray *xa;
	unsigned long index;
	void *entry;
};

static struct k61_xa_entry k61_xa_table[K61_XA_MAX];

void k61_host_not_modelled(const char *what);

static struct k61_xa_entry *xa_slot(struct xarray *xa, unsigned long index)
{
	for (int i = 0; i < K61_XA_MAX; i++)
		if (k61_xa_table[i].xa == xa && k61_xa_table[i].index == index)
			return &k61_xa_table[i];
	return NULL;
}

/* What a caller sees of a reserved entry: nothing. */
static void *k61_zero_to_null(void *entry)
{
	return xa_is_zero(entry) ? NULL : entry;
}

static void *xa_set(struct xarray *xa, unsigned long index, void *entry)
{
	struct k61_xa_entry *e = xa_slot(xa, index);
	void *old = e ? e->entry : NULL;

	if (!entry) {
		if (e)
			e->xa = NULL;
		return old;
	}
	if (!e)
		e = xa_slot(NULL, 0);
	if (!e) {
		k61_host_not_modelled("an xarray of more entries than the glue's table holds");
		return NULL;
	}
	e->xa = xa;
	e->index = index;
	e->entry = entry;
	return old;
}

/* The present entry of @xa with the lowest index in [@min, @max], or NULL. */
static void *xa_first(struct xarray *xa, unsigned long min, unsigned long max,
		      unsigned long *indexp)
{
	struct k61_xa_entry *best = NULL;

	for (int i = 0; i < K61_XA_MAX; i++) {
		struct k61_xa_entry *e = &k61_xa_table[i];

		if (e->xa == xa && e->index >= min && e->index <= max && !xa_is_zero(e->entry) &&
		    (!best || e->index < best->index))
			best = e;
	}
	if (!best)
		return NULL;
	*indexp = best->index;
	return best->entry;
}

static void xa_present_only(xa_mark_t filter)
{
	if (filter != XA_PRESENT)
		k61_host_not_modelled("xarray marks");
}

void *xa_load(struct xarray *xa, unsigned long index)
{
	struct k61_xa_entry *e = xa_slot(xa, index);

	return e ? k61_zero_to_null(e->entry) : NULL;
}

void *xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	return k61_zero_to_null(xa_set(xa, index, entry));
}

void *__xa_store(struct xarray *xa, unsigned long index, void *entry, gfp_t gfp)
{
	return k61_zero_to_null(xa_set(xa, index, entry));
}

void *xa_erase(struct xarray *xa, unsigned long index)
{
	return k61_zero_to_null(xa_set(xa, index, NULL));
}

void *__xa_erase(struct xarray *xa, unsigned long index)
{
	return k61_zero_to_null(xa_set(xa, index, NULL));
}

void *__xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry, gfp_t gfp)
{
	struct k61_xa_entry *e = xa_slot(xa, index);
	void *cur = e ? e->entry : NULL;

	if (cur == old)
		xa_set(xa, index, entry);
	return cur;
}

void *xa_find(struct xarray *xa, unsigned long *indexp, unsigned long max, xa_mark_t filter)
{
	xa_present_only(filter);
	return xa_first(xa, *indexp, max, indexp);
}

void *xa_find_after(struct xarray *xa, unsigned long *indexp, unsigned long max,
		    xa_mark_t filter)
{
	xa_present_only(filter);
	if (*indexp == ULONG_MAX)
		return NULL;
	return xa_first(xa, *indexp + 1, max, indexp);
}
