// SPDX-License-Identifier: MIT
#include "engine/hmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HMAP_MIN_CAP	64	/* slots of the first table */

struct hmap_slot {
	uint64_t a, b;		/* the key */
	uint32_t val;		/* what it maps to */
	uint32_t used;		/* 1 if the slot holds a key */
};

/* A fixed mix of both words: the table's layout depends on the keys only. */
static uint64_t hmap_hash(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ b;

	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 29;
	h *= 0x94d049bb133111ebull;
	return h ^ (h >> 32);
}

/*
 * The slot holding (@a, @b), or the free slot where it would go; cap > 0.
 * Inlined: a lookup is on the detectors' per-access path.
 */
static inline __attribute__((always_inline))
struct hmap_slot *hmap_probe(const struct hmap *h, uint64_t a, uint64_t b)
{
	size_t mask = h->cap - 1;
	size_t i = (size_t)hmap_hash(a, b) & mask;

	while (h->slots[i].used && (h->slots[i].a != a || h->slots[i].b != b))
		i = (i + 1) & mask;
	return &h->slots[i];
}

static int hmap_grow(struct hmap *h)
{
	struct hmap old = *h;
	size_t cap = old.cap ? 2 * old.cap : HMAP_MIN_CAP;
	size_t i;

	if (old.cap > SIZE_MAX / 2 || cap > SIZE_MAX / sizeof(*h->slots))
		return -ENOMEM;
	h->slots = calloc(cap, sizeof(*h->slots));
	if (!h->slots) {
		*h = old;
		return -ENOMEM;
	}
	h->cap = cap;
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].used)
			*hmap_probe(h, old.slots[i].a, old.slots[i].b) = old.slots[i];
	}
	free(old.slots);
	return 0;
}

bool hmap_get(const struct hmap *h, uint64_t a, uint64_t b, uint32_t *val)
{
	const struct hmap_slot *s;

	if (!h->count)
		return false;
	s = hmap_probe(h, a, b);
	if (!s->used)
		return false;
	if (val)
		*val = s->val;
	return true;
}

int hmap_put(struct hmap *h, uint64_t a, uint64_t b, uint32_t val)
{
	struct hmap_slot *s = h->cap ? hmap_probe(h, a, b) : NULL;
	int ret;

	if (s && s->used) {
		s->val = val;
		return 0;
	}
	/* At most half full: probe runs stay short. */
	if (2 * (h->count + 1) > h->cap) {
		ret = hmap_grow(h);
		if (ret)
			return ret;
		s = hmap_probe(h, a, b);
	}
	*s = (struct hmap_slot){ .a = a, .b = b, .val = val, .used = 1 };
	h->count++;
	return 0;
}

void hmap_clear(struct hmap *h)
{
	if (h->count)
		memset(h->slots, 0, h->cap * sizeof(*h->slots));
	h->count = 0;
}

void hmap_release(struct hmap *h)
{
	free(h->slots);
	h->slots = NULL;
	h->cap = 0;
	h->count = 0;
}
