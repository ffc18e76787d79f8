/* SPDX-License-Identifier: MIT */
/* The seed races' explorations, measured (bench/seeds.c). */
#ifndef HVSIM_BENCH_SEEDS_H
#define HVSIM_BENCH_SEEDS_H

#include <stdbool.h>

/*
 * One line per exploration: pre-fix variants found by pct:3 and dfs:2,
 * fixed ones under dfs:2 up to their CI cap; with @proofs, only the fixed
 * ones, to exhaustion.
 */
void bench_seeds(bool proofs);

#endif /* HVSIM_BENCH_SEEDS_H */
