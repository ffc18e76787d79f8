/* SPDX-License-Identifier: MIT */
/*
 * The simulator's one hash map: from a key of two 64-bit words to a 32-bit
 * value, usually an index into an array its owner keeps in insertion
 * order. It finds things and nothing else: there is no iteration, so no
 * output can depend on where a key landed, and the hash is fixed (no
 * seed), so the same calls build the same table in every run.
 *
 * Open addressing with linear probing, at most half full. Keys are never
 * removed one by one; hmap_clear() empties the map and keeps its room.
 */
#ifndef HVSIM_ENGINE_HMAP_H
#define HVSIM_ENGINE_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hmap_slot;

struct hmap {
	struct hmap_slot *slots;	/* cap slots, or NULL before the first put */
	size_t cap;			/* a power of two, or 0 */
	size_t count;			/* keys held */
};

#define HMAP_INIT	{ NULL, 0, 0 }

/* Whether (@a, @b) is in the map; if so and @val is not NULL, its value. */
bool hmap_get(const struct hmap *h, uint64_t a, uint64_t b, uint32_t *val);
/*
 * Map (@a, @b) to @val, replacing the value it had. 0, or -ENOMEM with the
 * map unchanged.
 */
int hmap_put(struct hmap *h, uint64_t a, uint64_t b, uint32_t val);
/* Remove every key, keeping the allocation. */
void hmap_clear(struct hmap *h);
/* Free the allocation; the map is empty and reusable. */
void hmap_release(struct hmap *h);

static inline size_t hmap_count(const struct hmap *h)
{
	return h->count;
}

#endif /* HVSIM_ENGINE_HMAP_H */
