/* SPDX-License-Identifier: MIT */
/*
 * A trace (include/hvsim/trace.h) as a timeline image, drawn without a
 * display: a time axis in cycles, a lane per CPU coloured by the task it
 * runs, interrupt handlers and guest mode as thinner bands inside it, log
 * lines as red markers, non-default decisions as ticks, wake-ups and IPIs
 * as lines from sender to receiver, the run's end, and a legend of the
 * tasks. docs/viewer.md says what each record becomes.
 */
#ifndef HVSIM_TOOLS_RENDER_H
#define HVSIM_TOOLS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RENDER_DEFAULT_WIDTH	1600
#define RENDER_MIN_WIDTH	320
#define RENDER_MAX_WIDTH	16384

struct render_opts {
	uint64_t from;		/* the first cycle shown */
	uint64_t to;		/* the last cycle shown, when has_to */
	bool has_to;		/* else the run's end */
	unsigned int width;	/* image width in pixels */
};

/*
 * Draw the trace file @trace_path into the PNG file @png_path. The whole
 * trace is read and the image encoded before @png_path is created, so a
 * bad trace leaves no file behind (nor does a failed write). 0, or -errno
 * with one line naming the file (and the byte offset, where the reader
 * says it) in @err.
 */
int render_png(const char *trace_path, const char *png_path, const struct render_opts *o,
	       char *err, size_t errlen);

#endif /* HVSIM_TOOLS_RENDER_H */
