// SPDX-License-Identifier: MIT
/*
 * The hash map: a key is both words, a put replaces, a miss is a miss, and
 * nothing is lost across the rehashes of a growing map or after a clear.
 */
#include "engine/hmap.h"

#include <criterion/criterion.h>

/* Keys that collide in the low bits of either word, and some that do not. */
static uint64_t key_a(uint32_t i)
{
	return (uint64_t)(i / 3) << 32 | (i % 7);
}

static uint64_t key_b(uint32_t i)
{
	return (uint64_t)i * 4096;
}

/* (@a, @b) is in @h and maps to @want. */
static void expect_value(const struct hmap *h, uint64_t a, uint64_t b, uint32_t want)
{
	uint32_t v = ~want;

	cr_assert(hmap_get(h, a, b, &v), "key (%#lx, %#lx) missing", (unsigned long)a,
		  (unsigned long)b);
	cr_assert_eq(v, want, "key (%#lx, %#lx)", (unsigned long)a, (unsigned long)b);
}

Test(hmap, empty_map_misses, .timeout = 10)
{
	struct hmap h = HMAP_INIT;
	uint32_t v = 7;

	cr_assert_not(hmap_get(&h, 0, 0, &v));
	cr_assert_eq(v, 7, "a miss must not write the value");
	cr_assert_eq(hmap_count(&h), 0);
	hmap_clear(&h);
	hmap_release(&h);
}

Test(hmap, insert_and_lookup, .timeout = 10)
{
	struct hmap h = HMAP_INIT;

	cr_assert_eq(hmap_put(&h, 1, 2, 10), 0);
	cr_assert_eq(hmap_put(&h, 2, 1, 20), 0);
	cr_assert_eq(hmap_put(&h, 1, 0, 30), 0);
	cr_assert_eq(hmap_count(&h), 3);
	expect_value(&h, 1, 2, 10);
	expect_value(&h, 2, 1, 20);
	expect_value(&h, 1, 0, 30);
	cr_assert(hmap_get(&h, 1, 0, NULL), "the value is optional");
	hmap_release(&h);
}

Test(hmap, lookup_miss, .timeout = 10)
{
	struct hmap h = HMAP_INIT;

	cr_assert_eq(hmap_put(&h, 5, 6, 1), 0);
	cr_assert_not(hmap_get(&h, 6, 5, NULL), "the words are not interchangeable");
	cr_assert_not(hmap_get(&h, 5, 0, NULL));
	cr_assert_not(hmap_get(&h, 0, 6, NULL));
	cr_assert_not(hmap_get(&h, UINT64_MAX, UINT64_MAX, NULL));
	hmap_release(&h);
}

Test(hmap, put_replaces, .timeout = 10)
{
	struct hmap h = HMAP_INIT;

	cr_assert_eq(hmap_put(&h, 9, 9, 1), 0);
	cr_assert_eq(hmap_put(&h, 9, 9, 2), 0);
	cr_assert_eq(hmap_count(&h), 1, "a replaced key is still one key");
	expect_value(&h, 9, 9, 2);
	hmap_release(&h);
}

Test(hmap, growth_keeps_every_key, .timeout = 30)
{
	/* From 64 slots, 100000 keys take 12 rehashes. */
	const uint32_t n = 100000;
	struct hmap h = HMAP_INIT;
	uint32_t i;

	for (i = 0; i < n; i++) {
		cr_assert_eq(hmap_put(&h, key_a(i), key_b(i), i), 0);
		/* The first key survives every rehash so far. */
		expect_value(&h, key_a(0), key_b(0), 0);
	}
	cr_assert_eq(hmap_count(&h), n);
	for (i = 0; i < n; i++) {
		expect_value(&h, key_a(i), key_b(i), i);
		cr_assert_not(hmap_get(&h, key_a(i), key_b(i) + 1, NULL));
	}
	/* Replacing in a big map changes values, not the count. */
	for (i = 0; i < n; i += 2)
		cr_assert_eq(hmap_put(&h, key_a(i), key_b(i), ~i), 0);
	cr_assert_eq(hmap_count(&h), n);
	for (i = 0; i < n; i++)
		expect_value(&h, key_a(i), key_b(i), i % 2 ? i : ~i);
	hmap_release(&h);
}

Test(hmap, clear_and_reuse, .timeout = 10)
{
	struct hmap h = HMAP_INIT;
	uint32_t i;

	for (i = 0; i < 1000; i++)
		cr_assert_eq(hmap_put(&h, key_a(i), key_b(i), i), 0);
	hmap_clear(&h);
	cr_assert_eq(hmap_count(&h), 0);
	for (i = 0; i < 1000; i++)
		cr_assert_not(hmap_get(&h, key_a(i), key_b(i), NULL), "key %u kept", i);
	/* Reused, the old keys are new ones. */
	for (i = 0; i < 1000; i += 3)
		cr_assert_eq(hmap_put(&h, key_a(i), key_b(i), i + 1), 0);
	cr_assert_eq(hmap_count(&h), 334);
	for (i = 0; i < 1000; i++) {
		if (i % 3 == 0)
			expect_value(&h, key_a(i), key_b(i), i + 1);
		else
			cr_assert_not(hmap_get(&h, key_a(i), key_b(i), NULL), "key %u", i);
	}
	/* Released, it is an empty map again. */
	hmap_release(&h);
	cr_assert_not(hmap_get(&h, key_a(0), key_b(0), NULL));
	cr_assert_eq(hmap_put(&h, 1, 1, 1), 0);
	expect_value(&h, 1, 1, 1);
	hmap_release(&h);
}
