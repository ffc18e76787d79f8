/* SPDX-License-Identifier: MIT */
/*
 * The trace writer. The format and its reader are the public contract,
 * include/hvsim/trace.h.
 */
#ifndef HVSIM_TRACE_H
#define HVSIM_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "hvsim/trace.h"

struct trace_writer;

struct trace_writer *trace_writer_create(void);
void trace_writer_destroy(struct trace_writer *w);
/* Start a new trace (drops what was written). */
void trace_writer_begin(struct trace_writer *w, const struct trace_header *h);
/* Intern @s: emits a TR_STRING record the first time; returns its id. */
uint32_t trace_string(struct trace_writer *w, const char *s);
void trace_emit(struct trace_writer *w, const struct trace_event *e);
/* The bytes written so far. */
const uint8_t *trace_writer_data(const struct trace_writer *w, size_t *len);

/*
 * Append event @e to the whole trace in *@data (malloc'd, *@len bytes),
 * after its end record, with @str (NULL: none) as a new string whose id,
 * the highest the trace defines plus one, goes in e->str. The trace is
 * read through first: a malformed or cut one is refused with the
 * reader's message (-EINVAL) and left as it was; -ENOMEM likewise.
 */
int trace_append(uint8_t **data, size_t *len, const struct trace_event *e, const char *str,
		 char *err, size_t errlen);

#endif /* HVSIM_TRACE_H */
