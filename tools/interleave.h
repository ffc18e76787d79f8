/* SPDX-License-Identifier: MIT */
/*
 * A failing run's interleaving as CPU columns (tools/interleave.c): the
 * steps that matter, one row each, in the column of the CPU that took them.
 */
#ifndef HVSIM_TOOLS_INTERLEAVE_H
#define HVSIM_TOOLS_INTERLEAVE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Print the trace @data (@len bytes) as CPU columns to @out: the last
 * @max_rows steps that matter up to the failure's step @fail_step (the
 * scheduling decisions and preemptions, kernel primitives, wake-ups,
 * interrupts, VM entries and exits, log lines), each in its CPU's column.
 * Nothing when the trace does not read.
 */
void print_cpu_columns(FILE *out, const uint8_t *data, size_t len, uint64_t fail_step,
		       unsigned int max_rows);
/* A TR_DECISION's choice kind in words ("task switch", "IPI held"), "?" out of range. */
const char *interleave_choice_name(unsigned int kind);

#endif /* HVSIM_TOOLS_INTERLEAVE_H */
