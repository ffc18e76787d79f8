/* SPDX-License-Identifier: MIT */
/*
 * Instrumented programs for the symbolizer's suite (tests/programs/symprogs.c):
 * races whose reports must name their frames by file:line, an inlined
 * function among them, and their memory by global, cache and member.
 */
#ifndef HVSIM_TEST_SYMPROGS_H
#define HVSIM_TEST_SYMPROGS_H

/* A race on a member of a global struct, written by an always-inline function. */
void sym_inline_writer(void *arg);
void sym_pair_reader(void *arg);
/* A race on a global long. */
void sym_counter_writer(void *arg);
void sym_counter_reader(void *arg);
/*
 * A race on a published heap object: the writer allocates (from kmalloc,
 * or from the sym_obj cache module init made), publishes it, then writes
 * a member the reader reads.
 */
void sym_kmalloc_writer(void *arg);
void sym_cache_writer(void *arg);
void sym_heap_reader(void *arg);
/* The line of sym_cache_writer()'s call of the function inlined into it. */
extern const int sym_cache_writer_call_line;
/* A cache object used after its free (KASAN). */
void sym_cache_uaf(void *arg);
/* A cache destroyed with an object still live. */
void sym_cache_destroy_live(void *arg);

#endif /* HVSIM_TEST_SYMPROGS_H */
