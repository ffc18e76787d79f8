/* SPDX-License-Identifier: MIT */
/*
 * hvsim view: a trace's timeline in an SDL2 window, drawn by render.c into
 * a surface and shown as a texture, with zoom and pan, a detail panel for
 * the event under the pointer (its pc and address by the binary's
 * symbols when the trace is this binary's), jumps between events of a
 * kind and to the failure, two markers and lane filters. docs/viewer.md
 * lists the keys and the mouse.
 */
#ifndef HVSIM_TOOLS_VIEW_H
#define HVSIM_TOOLS_VIEW_H

#include <stdbool.h>
#include <stddef.h>

#define VIEW_DEFAULT_WIDTH	1280

struct view_opts {
	unsigned int width;	/* the window's first width */
	bool log;		/* one line on stdout per command obeyed (for scripts, tests) */
};

/*
 * Read @trace_path and show it until the window is closed (q, Escape, or
 * the window manager): 0. A bad trace or no display to open a window on:
 * -errno with one line naming the file or the display in @err.
 */
int view_run(const char *trace_path, const struct view_opts *o, char *err, size_t errlen);

#endif /* HVSIM_TOOLS_VIEW_H */
