/* SPDX-License-Identifier: MIT */
/*
 * A trace (include/hvsim/trace.h) as Chrome trace-event JSON, the format
 * Perfetto's UI and chrome://tracing open: a track per CPU, slices for the
 * task each CPU runs, its interrupt handlers and its guest mode, instants
 * for log lines, decisions, parks and exits, flows for wake-ups and IPIs.
 * docs/viewer.md says what each record becomes.
 */
#ifndef HVSIM_TOOLS_PERFETTO_H
#define HVSIM_TOOLS_PERFETTO_H

#include <stddef.h>

/*
 * The nominal frequency a CPU's cycles are read at when the trace carries
 * no TR_CPU record for it (a trace older than the record): the hardware
 * floor's own default for a CPU without a model.
 */
#define PERFETTO_DEFAULT_MHZ	1000

/*
 * Convert the trace file @trace_path into @json_path. The whole trace is
 * read and checked before @json_path is created, so a bad trace leaves no
 * file behind. 0, or -errno with one line naming the file (and the byte
 * offset, where the reader says it) in @err.
 */
int perfetto_export(const char *trace_path, const char *json_path, char *err, size_t errlen);

#endif /* HVSIM_TOOLS_PERFETTO_H */
