/* SPDX-License-Identifier: MIT */
/*
 * A trace (include/hvsim/trace.h) as Chrome trace-event JSON, the format
 * Perfetto's UI and chrome://tracing open, from the timeline model
 * (timeline.h): a track per CPU, slices for the task each CPU runs, its
 * interrupt handlers and its guest mode; async slices for locks held,
 * spinning, parked tasks and hotplug states; instants for log lines,
 * reports and their marked events, decisions, parks, exits and the
 * decisive preemption; flows for wake-ups, IPIs, requests and kicks.
 * docs/viewer.md says what each record becomes. A CPU without a TR_CPU
 * record is read at TL_DEFAULT_MHZ.
 */
#ifndef HVSIM_TOOLS_PERFETTO_H
#define HVSIM_TOOLS_PERFETTO_H

#include <stddef.h>

/*
 * Convert the trace file @trace_path into @json_path. The whole trace is
 * read and checked before @json_path is created, so a bad trace leaves no
 * file behind. 0, or -errno with one line naming the file (and the byte
 * offset, where the reader says it) in @err.
 */
int perfetto_export(const char *trace_path, const char *json_path, char *err, size_t errlen);

#endif /* HVSIM_TOOLS_PERFETTO_H */
