/* SPDX-License-Identifier: MIT */
/* The seed races' explorations, measured (bench/seeds.c). */
#ifndef HVSIM_BENCH_SEEDS_H
#define HVSIM_BENCH_SEEDS_H

#include <stdbool.h>

/*
 * One line per exploration: pre-fix variants found by pct:3 and dfs:2,
 * fixed ones under dfs:2 up to their CI cap; with @proofs, only the fixed
 * ones, to exhaustion or @proof_seconds each (0: no limit). @names (@n of
 * them) picks cases; none: all. 0, or 2 for a name that is not a case.
 */
int bench_seeds(bool proofs, double proof_seconds, unsigned int bound, char **names, int n);
/* Host seconds (CLOCK_MONOTONIC), for the figures. */
double bench_seconds(void);
struct sim_result;
/* sim_explore's progress callback for proofs: a line on stderr once a minute (@arg: a double, the next time). */
void bench_proof_progress(const struct sim_result *r, void *arg);
/* The trace of seed case @name's default (timed) run, into @path: 0, or 2. */
int bench_seed_trace(const char *name, const char *path);

#endif /* HVSIM_BENCH_SEEDS_H */
