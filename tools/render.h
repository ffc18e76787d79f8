/* SPDX-License-Identifier: MIT */
/*
 * A timeline (timeline.h) drawn: a time axis in cycles, a lane per CPU
 * coloured by the task it runs, interrupt handlers and guest mode as
 * thinner bands inside it, spinning hatched, parked tasks, locks held,
 * each CPU's hotplug state, log lines and reports as markers,
 * non-default decisions as ticks, wake-ups, IPIs, requests and kicks as
 * arrows, a failing run's marked events, its decisive preemption and race
 * window, the run's end, and a legend. Into any SDL surface (render_draw:
 * the window of view.c draws with it), or into a PNG file without a
 * display (render_png). docs/viewer.md says what each drawing means.
 */
#ifndef HVSIM_TOOLS_RENDER_H
#define HVSIM_TOOLS_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct SDL_Surface;
struct timeline;

#define RENDER_DEFAULT_WIDTH	1600
#define RENDER_MIN_WIDTH	320
#define RENDER_MAX_WIDTH	16384
/* Every lane shown. */
#define RENDER_ALL_LANES	UINT64_MAX

/* What is drawn, and where. */
struct render_view {
	uint64_t from, to;	/* the cycles shown: from at the plot's left edge, to at its right */
	unsigned int width;	/* the image's width in pixels */
	uint64_t lanes;		/* bit i set: CPU i's lane is drawn */
	bool has_marker[2];	/* markers A and B are set */
	uint64_t marker[2];	/* their cycles */
	size_t selected;	/* an event to outline (TL_NONE: none) */
	int cursor_x;		/* a vertical line at this x, or -1 */
	bool legend;		/* the key and the tasks' colours under the lanes */
};

/*
 * The whole run on @width pixels: from 0 to the end and a fiftieth past
 * it (so marks at the end stand clear of the edge), every lane, the legend.
 */
void render_view_whole(struct render_view *v, const struct timeline *tl, unsigned int width);
/* The height render_draw() needs for @v. */
int render_height(const struct timeline *tl, const struct render_view *v);
/* Draw @tl as @v says into @s (at least v->width wide), from its top left. */
void render_draw(struct SDL_Surface *s, const struct timeline *tl, const struct render_view *v);

/* The plot's left and right x: v->from and v->to. */
void render_plot(const struct render_view *v, int *left, int *right);
/* The CPU whose lane holds row @y, or -1. */
int render_lane_at(const struct timeline *tl, const struct render_view *v, int y);
/* The cycle at column @x of the plot (false outside it). */
bool render_cycle_at(const struct render_view *v, int x, uint64_t *cycle);
/* The event drawn nearest (@x, @y) within a few pixels, or TL_NONE. */
size_t render_event_at(const struct timeline *tl, const struct render_view *v, int x, int y);
/* @text in the 5x7 font at (@x, @y), its top left, in colour 0xRRGGBB. Returns its width. */
int render_text(struct SDL_Surface *s, int x, int y, const char *text, uint32_t rgb);

/*
 * Write the pixels of @s (a 32-bit surface, as render_draw() draws into)
 * as a PNG file @png_path: 0, or -errno with one line naming it in @err
 * (and no file left behind).
 */
int render_write_png(struct SDL_Surface *s, const char *png_path, char *err, size_t errlen);

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
