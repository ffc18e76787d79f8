/* SPDX-License-Identifier: MIT */
/* The seed scenarios' figures, per scenario, variant and strategy (bench/scenarios.c). */
#ifndef HVSIM_BENCH_SCENARIOS_H
#define HVSIM_BENCH_SCENARIOS_H

/*
 * hvsim-bench --scenarios: @argc arguments after "--scenarios" in @argv
 * ([--seeds N] [--budget N] [--time SEC] [FILE.scn|DIR ...]; no file or
 * folder: the source tree's scenarios/). A table on stdout. 0, or 2 with a
 * one-line message for a bad argument or a scenario that does not parse.
 */
int bench_scenarios(int argc, char **argv);

#endif /* HVSIM_BENCH_SCENARIOS_H */
