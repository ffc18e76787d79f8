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

#endif /* HVSIM_TRACE_H */
