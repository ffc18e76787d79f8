/* SPDX-License-Identifier: MIT */
/*
 * The examples' instrumented task bodies and the accessors that read their
 * end state. Host code (examples.c) calls only these.
 */
#ifndef HVSIM_EXAMPLES_BODIES_H
#define HVSIM_EXAMPLES_BODIES_H

#include <stdbool.h>

/* Words of task-local scratch per task, and rounds over it per phase. */
#define LUL_WORDS	64
#define LUL_ROUNDS	20
#define LUL_PHASES	2
#define SH_ROUNDS	4

void lu_task(void *arg);
long lu_counter(void);

void lul_task(void *arg);
long lul_counter(void);

void mp_writer(void *arg);
void mp_reader(void *arg);
/* Did the reader see the flag, and which data? */
void mp_seen(int *flag, int *data);

void sh_task(void *arg);
long sh_counter(void);
bool sh_exclusion_broken(void);

/* The toy hotplug module (examples/toy_hotplug.c). */
void toy_set_fix(bool fix);
void toy_result(int *unchecked, int *add_ret);
void toy_enabler_task(void *arg);
void toy_hotplug_task(void *arg);

/* Instrumented copy of examples/work.inc. */
unsigned long work_instrumented(unsigned long *buf, unsigned int words, unsigned int rounds);

#endif /* HVSIM_EXAMPLES_BODIES_H */
