// SPDX-License-Identifier: MIT
/*
 * The timeline drawn (render.h, docs/viewer.md). The model (timeline.c)
 * holds the spans, instants and flows; this file only places them: a lane
 * per CPU shown, x from the view's cycles, and draws into an SDL surface
 * in memory (no SDL_Init, no video driver: a surface is plain memory).
 * render_png() encodes the surface with png.c. The axis is each CPU's own
 * cycle counter, unscaled: the machines hvsim runs give their CPUs one
 * clock rate, and a trace's cycles are what its other tools print.
 */
#include "render.h"

#include <SDL.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "font.h"
#include "png.h"
#include "timeline.h"

/* A log line's label over its lane: the first characters of its first line. */
#define RD_LABEL_CHARS		24
/* A report's or a marked event's label: longer, they say what failed. */
#define RD_TITLE_CHARS		80
/* Labels placed over one lane, at most (more are not drawn), and the room between two. */
#define RD_MAX_LABELS		24
#define RD_LABEL_GAP		8
/* Without --to, the axis runs on past the end by 1/RD_END_PAD of what it shows. */
#define RD_END_PAD		50
/* An event under the pointer: this many pixels away at most. */
#define RD_HIT_PX		4
/* Events looked at around the pointer, at most (a zoomed-out lane holds many). */
#define RD_HIT_MAX		4096

/* Layout, in pixels. */
#define RD_MARGIN_L		44	/* the lanes' labels */
#define RD_MARGIN_R		12
#define RD_AXIS_LINE		20	/* y of the time axis; its labels above it */
#define RD_TOP			30	/* y of the first lane */
#define RD_LANE_LABELS		10	/* the log labels' row at a lane's top */
#define RD_BAND_H		26	/* the task band under it */
#define RD_TICKS_H		6	/* the decisions' ticks under the band */
#define RD_LANE_GAP		4	/* between lanes */
#define RD_GUEST_H		14	/* guest mode, centred in the band */
#define RD_IRQ_H		6	/* an interrupt handler, centred */
#define RD_TICK_H		5	/* a decision's tick, under the band */
#define RD_PARKED_H		8	/* a parked task, at the band's foot */
#define RD_HP_H			10	/* the hotplug state strip under the ticks (with cpuhp records) */
#define RD_LOCK_ROW		10	/* a row of locks held, under it */
#define RD_LOCK_ROWS		3	/* at most: locks taken deeper share the last */
#define RD_HATCH		5	/* the spin hatching's pitch */
#define RD_TICK_SPACING		110	/* the axis' ticks, at least this far apart */
#define RD_LEGEND_ROW		13
#define RD_LEGEND_BOX		10	/* a colour's box */

/* Where the lanes are. */
struct rd_layout {
	int pitch;			/* a lane, from one to the next */
	int hp_off;			/* the hotplug strip, from a lane's top (0: none) */
	int lock_off;			/* the first row of locks, from a lane's top */
	int lock_rows;			/* rows of locks (0: none) */
	int lane_y[SIM_MAX_CPUS];	/* each lane's top, or -1 when hidden */
	int lanes_bottom;		/* under the last lane */
};

/* Where a label went on a lane's label row. */
struct rd_taken {
	int x0, x1;
};

struct rd_canvas {
	SDL_Surface *s;
	const struct timeline *tl;
	const struct render_view *v;
	struct rd_layout lay;
	uint64_t from, to;	/* the cycles shown */
	int plot_l, plot_r;	/* their x: from at plot_l, to at plot_r */
	int end_l, end_r;	/* the end's label on the axis row (x from, to), or 0, 0 */
	unsigned int nlabels[SIM_MAX_CPUS];	/* labels placed over each lane */
	struct rd_taken labels[SIM_MAX_CPUS][RD_MAX_LABELS];
};

struct rd_rgb {
	uint8_t r, g, b;
};

#define RGB(v)	((struct rd_rgb){ (uint8_t)((v) >> 16), (uint8_t)((v) >> 8), (uint8_t)(v) })

/* Task colours, by id modulo their number: light enough for black text. */
static const uint32_t rd_palette[] = {
	0x9ec5e8, 0xa8d8a0, 0xf2c48d, 0xc9b3e0, 0xf0e08a, 0x8fd3cf,
	0xe8a9c0, 0xc4c4a0, 0xb0c0d8, 0xd8b890, 0xa0e0b8, 0xe0b0a8,
};
#define RD_BACKGROUND	0xffffff
#define RD_INK		0x202020	/* text, axis, decisions */
#define RD_LANE_BG	0xeeeeee	/* a lane where nothing runs */
#define RD_GUEST_RGB	0x2e8b57
#define RD_IRQ_RGB	0x6a3d9a
#define RD_LOG_RGB	0xd00000
#define RD_WAKE_RGB	0x1f4fbf
#define RD_IPI_RGB	0xe07000
#define RD_GRID_RGB	0xd8d8d8
#define RD_MARKER_A_RGB	0x0060ff
#define RD_MARKER_B_RGB	0x00a040
#define RD_CURSOR_RGB	0x808080
#define RD_SPIN_RGB	0x404040	/* the hatching */
#define RD_PARKED_RGB	0xd8d8d8
#define RD_PARKED_INK	0x505050
#define RD_REQUEST_RGB	0x008b8b
#define RD_KICK_RGB	0xc71585
#define RD_MARK_RGB	0xff00ff	/* a report's marked events: bright, nothing else is */
#define RD_WINDOW_RGB	0xffd000	/* the race window, blended over the lane */
#define RD_WINDOW_INK	0x8b6508
#define RD_PREEMPT_RGB	0xa00000

/* Hotplug states (enum trace_cpu_state), and a state out of range. */
static const uint32_t rd_cpuhp_rgb[TR_NR_CPU_STATES + 1] = {
	[TR_CPU_OFFLINE] = 0xb0b0b0, [TR_CPU_BRINGUP] = 0xf2c14e, [TR_CPU_ONLINE] = 0x8ecae6,
	[TR_CPU_ACTIVE] = 0x7cc36a, [TR_CPU_TEARDOWN] = 0xe76f51, [TR_NR_CPU_STATES] = 0xffffff,
};

/* Locks held, by a hash of their class: muted, for black text. */
static const uint32_t rd_lock_palette[] = {
	0xd3b8e0, 0xb8d8e0, 0xe0d8b0, 0xe0c0b0, 0xb8c8e8, 0xc8e0b8,
};

/* Reports (enum trace_report_kind). */
static const uint32_t rd_report_rgb[] = {
	[TR_REPORT_OTHER] = 0x505050, [TR_REPORT_RACE] = 0xb000b0, [TR_REPORT_LOCKDEP] = 0xd06000,
	[TR_REPORT_WARN] = 0xb08000, [TR_REPORT_OOPS] = 0xd00000, [TR_REPORT_MEMORY] = 0x8b4513,
};

static uint32_t rd_task_rgb(uint32_t task)
{
	return rd_palette[task % (sizeof(rd_palette) / sizeof(rd_palette[0]))];
}

/* ---- pixels ---- */

static void rd_fill(struct rd_canvas *cv, int x, int y, int w, int h, uint32_t rgb)
{
	SDL_Rect r = { x, y, w, h };
	struct rd_rgb c = RGB(rgb);

	SDL_FillRect(cv->s, &r, SDL_MapRGB(cv->s->format, c.r, c.g, c.b));
}

static void rd_pixel(SDL_Surface *s, int x, int y, uint32_t rgb)
{
	struct rd_rgb c = RGB(rgb);
	uint8_t *row;

	if (x < 0 || y < 0 || x >= s->w || y >= s->h)
		return;
	row = (uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch;
	((uint32_t *)row)[x] = SDL_MapRGB(s->format, c.r, c.g, c.b);
}

/* A straight line, one pixel wide (Bresenham's, all octants); dashed every @dash pixels, or solid (0). */
static void rd_line(struct rd_canvas *cv, int x0, int y0, int x1, int y1, uint32_t rgb, int dash)
{
	int dx = abs(x1 - x0), dy = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;

	for (int n = 0;; n++) {
		/* Both steps decide on the error before either: else the end can be stepped over. */
		int e2 = 2 * e;

		if (!dash || n / dash % 2 == 0)
			rd_pixel(cv->s, x0, y0, rgb);
		if (x0 == x1 && y0 == y1)
			break;
		if (e2 >= dy) {
			e += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			e += dx;
			y0 += sy;
		}
	}
}

/* Blend @rgb half and half over the rectangle. */
static void rd_blend(struct rd_canvas *cv, int x, int y, int w, int h, uint32_t rgb)
{
	SDL_Surface *s = cv->s;
	struct rd_rgb c = RGB(rgb);
	int x1 = x + w < s->w ? x + w : s->w, y1 = y + h < s->h ? y + h : s->h;

	for (int j = y < 0 ? 0 : y; j < y1; j++) {
		uint32_t *row = (uint32_t *)((uint8_t *)s->pixels + (size_t)j * (size_t)s->pitch);

		for (int i = x < 0 ? 0 : x; i < x1; i++) {
			uint8_t r, g, b;

			SDL_GetRGB(row[i], s->format, &r, &g, &b);
			row[i] = SDL_MapRGB(s->format, (uint8_t)((r + c.r) / 2),
					    (uint8_t)((g + c.g) / 2), (uint8_t)((b + c.b) / 2));
		}
	}
}

/* A rectangle's outline, @t pixels thick. */
static void rd_outline(struct rd_canvas *cv, int x, int y, int w, int h, int t, uint32_t rgb)
{
	rd_fill(cv, x, y, w, t, rgb);
	rd_fill(cv, x, y + h - t, w, t, rgb);
	rd_fill(cv, x, y, t, h, rgb);
	rd_fill(cv, x + w - t, y, t, h, rgb);
}

/* Diagonal hatching over the rectangle, aligned to the image so neighbours join. */
static void rd_hatch(struct rd_canvas *cv, int x, int y, int w, int h, uint32_t rgb)
{
	for (int j = y; j < y + h; j++)
		for (int i = x; i < x + w; i++)
			if ((i + j) % RD_HATCH == 0)
				rd_pixel(cv->s, i, j, rgb);
}

/* @s at (@x, @y), its top left; at most @max characters. Returns the width drawn. */
static int rd_text(SDL_Surface *s, int x, int y, const char *text, size_t max, uint32_t rgb)
{
	int x0 = x;

	for (size_t i = 0; text[i] && text[i] != '\n' && i < max; i++, x += FONT_CELL_W) {
		const uint8_t *g = font_glyph((unsigned char)text[i]);

		for (int r = 0; r < FONT_H; r++)
			for (int b = 0; b < FONT_W; b++)
				if (g[r] & (0x10 >> b))
					rd_pixel(s, x + b, y + r, rgb);
	}
	return x - x0;
}

int render_text(SDL_Surface *s, int x, int y, const char *text, uint32_t rgb)
{
	return rd_text(s, x, y, text, SIZE_MAX, rgb);
}

static int rd_text_width(const char *s, size_t max)
{
	size_t n = strcspn(s, "\n");

	return (int)(n < max ? n : max) * FONT_CELL_W;
}

/* ---- placing ---- */

void render_plot(const struct render_view *v, int *left, int *right)
{
	*left = RD_MARGIN_L;
	*right = (int)v->width - RD_MARGIN_R - 1;
}

/* The x of @cycle, which is within [from, to]. */
static int rd_x(const struct rd_canvas *cv, uint64_t cycle)
{
	double f = (double)(cycle - cv->from) / (double)(cv->to - cv->from);

	return cv->plot_l + (int)(f * (cv->plot_r - cv->plot_l));
}

static bool rd_shown(const struct rd_canvas *cv, uint64_t cycle)
{
	return cycle >= cv->from && cycle <= cv->to;
}

static bool rd_lane_shown(const struct rd_canvas *cv, uint32_t cpu)
{
	return cpu < cv->tl->ncpus && cv->lay.lane_y[cpu] >= 0;
}

static int rd_band_y(const struct rd_canvas *cv, uint32_t cpu)
{
	return cv->lay.lane_y[cpu] + RD_LANE_LABELS;
}

static int rd_band_mid(const struct rd_canvas *cv, uint32_t cpu)
{
	return rd_band_y(cv, cpu) + RD_BAND_H / 2;
}

static void rd_layout(struct rd_layout *lay, const struct timeline *tl,
		      const struct render_view *v)
{
	int y = RD_TOP, under = RD_LANE_LABELS + RD_BAND_H + RD_TICKS_H;

	lay->hp_off = tl->has_cpuhp ? under : 0;
	under += tl->has_cpuhp ? RD_HP_H : 0;
	lay->lock_off = under;
	lay->lock_rows = tl->lock_depth < RD_LOCK_ROWS ? (int)tl->lock_depth : RD_LOCK_ROWS;
	lay->pitch = under + lay->lock_rows * RD_LOCK_ROW + RD_LANE_GAP;
	for (unsigned int i = 0; i < SIM_MAX_CPUS; i++) {
		lay->lane_y[i] = -1;
		if (i < tl->ncpus && (v->lanes >> i & 1)) {
			lay->lane_y[i] = y;
			y += lay->pitch;
		}
	}
	lay->lanes_bottom = y;
}

/* Tick spacing: 1, 2 or 5 times a power of ten, at least @min cycles. */
static uint64_t rd_tick_step(uint64_t min)
{
	for (uint64_t p = 1;; p *= 10) {
		if (p >= min)
			return p;
		if (2 * p >= min)
			return 2 * p;
		if (5 * p >= min)
			return 5 * p;
		if (p > UINT64_MAX / 100)
			return p * 10;
	}
}

/* ---- the axis and the lanes ---- */

static void rd_draw_axis(struct rd_canvas *cv)
{
	uint64_t span = cv->to - cv->from, n = (uint64_t)(cv->plot_r - cv->plot_l) / RD_TICK_SPACING;
	uint64_t step = rd_tick_step(span / (n ? n : 1) + 1), t;
	char buf[32];

	rd_text(cv->s, 2, RD_AXIS_LINE - 10, "cycles", SIZE_MAX, RD_INK);
	rd_fill(cv, cv->plot_l, RD_AXIS_LINE, cv->plot_r - cv->plot_l + 1, 1, RD_INK);
	t = (cv->from + step - 1) / step * step;
	for (; t <= cv->to && t >= cv->from; t += step) {
		int x = rd_x(cv, t), w;

		snprintf(buf, sizeof(buf), "%" PRIu64, t);
		w = rd_text_width(buf, SIZE_MAX);
		rd_fill(cv, x, RD_AXIS_LINE + 1, 1, 4, RD_INK);
		rd_fill(cv, x, RD_TOP, 1, cv->lay.lanes_bottom - RD_TOP, RD_GRID_RGB);
		/* Labels stay inside the image: the first and last move in. */
		x -= w / 2;
		if (x + w > cv->s->w)
			x = cv->s->w - w;
		if (x < RD_MARGIN_L)
			x = RD_MARGIN_L;
		/* The end's label wins over a tick's. */
		if (x + w < cv->end_l || x > cv->end_r)
			rd_text(cv->s, x, RD_AXIS_LINE - 10, buf, SIZE_MAX, RD_INK);
		if (t > UINT64_MAX - step)
			break;
	}
}

static void rd_draw_lanes(struct rd_canvas *cv)
{
	for (unsigned int i = 0; i < cv->tl->ncpus; i++) {
		if (!rd_lane_shown(cv, i))
			continue;
		rd_fill(cv, cv->plot_l, rd_band_y(cv, i), cv->plot_r - cv->plot_l + 1, RD_BAND_H,
			RD_LANE_BG);
	}
}

static void rd_draw_lane_names(struct rd_canvas *cv)
{
	char label[16];

	for (unsigned int i = 0; i < cv->tl->ncpus; i++) {
		if (!rd_lane_shown(cv, i))
			continue;
		snprintf(label, sizeof(label), "CPU%u", i);
		rd_text(cv->s, 4, rd_band_mid(cv, i) - FONT_H / 2, label, SIZE_MAX, RD_INK);
	}
}

/* The x range of [@start, @end] cut to the view; false when none of it is shown. */
static bool rd_span_x(const struct rd_canvas *cv, uint64_t start, uint64_t end, int *x0, int *x1)
{
	if (end < cv->from || start > cv->to)
		return false;
	*x0 = rd_x(cv, start < cv->from ? cv->from : start);
	*x1 = rd_x(cv, end > cv->to ? cv->to : end);
	return true;
}

static void rd_draw_task(struct rd_canvas *cv, const struct tl_span *s, int x0, int x1)
{
	int y = rd_band_y(cv, s->cpu);
	char name[96];

	rd_fill(cv, x0, y, x1 - x0 + 1, RD_BAND_H, rd_task_rgb(s->task));
	/* Its name where it fits, above the nested bands. */
	timeline_task_label(cv->tl, s->task, name, sizeof(name));
	if (rd_text_width(name, SIZE_MAX) + 4 <= x1 - x0)
		rd_text(cv->s, x0 + 3, y + 2, name, SIZE_MAX, RD_INK);
}

/* A band of height @h and colour @rgb, centred in the task's. */
static void rd_draw_band(struct rd_canvas *cv, const struct tl_span *s, int x0, int x1, int h,
			 uint32_t rgb)
{
	rd_fill(cv, x0, rd_band_y(cv, s->cpu) + (RD_BAND_H - h) / 2, x1 - x0 + 1, h, rgb);
}

/* @text inside a strip from @x0 to @x1 at @y, as much of it as fits (at least a character). */
static void rd_text_in(struct rd_canvas *cv, int x0, int x1, int y, const char *text,
		       uint32_t rgb)
{
	int room = (x1 - x0 - 3) / FONT_CELL_W;

	if (room > 0)
		rd_text(cv->s, x0 + 3, y, text, (size_t)room, rgb);
}

/* A task parked: the band's foot dotted grey, "NAME:ID parked" where it fits. */
static void rd_draw_parked(struct rd_canvas *cv, const struct tl_span *s, int x0, int x1)
{
	int y = rd_band_y(cv, s->cpu) + RD_BAND_H - RD_PARKED_H;
	char name[96], label[112];

	rd_fill(cv, x0, y, x1 - x0 + 1, RD_PARKED_H, RD_PARKED_RGB);
	for (int x = x0; x <= x1; x += 2)
		rd_pixel(cv->s, x, y, RD_PARKED_INK);
	timeline_task_label(cv->tl, s->task, name, sizeof(name));
	snprintf(label, sizeof(label), "%s parked", name);
	if (rd_text_width(label, SIZE_MAX) + 4 <= x1 - x0)
		rd_text(cv->s, x0 + 3, y + 1, label, SIZE_MAX, RD_PARKED_INK);
}

/* A CPU's hotplug state: its colour in the strip, its name where it fits. */
static void rd_draw_cpuhp(struct rd_canvas *cv, const struct tl_span *s, int x0, int x1)
{
	unsigned int state = s->value < TR_NR_CPU_STATES ? s->value : TR_NR_CPU_STATES;
	int y = cv->lay.lane_y[s->cpu] + cv->lay.hp_off + 1;
	const char *name = trace_cpu_state_name(s->value);

	rd_fill(cv, x0, y, x1 - x0 + 1, RD_HP_H - 2, rd_cpuhp_rgb[state]);
	if (rd_text_width(name, SIZE_MAX) + 4 <= x1 - x0)
		rd_text(cv->s, x0 + 3, y, name, SIZE_MAX, RD_INK);
}

static uint32_t rd_lock_rgb(const char *name)
{
	uint32_t h = 2166136261u;

	for (; name && *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return rd_lock_palette[h % (sizeof(rd_lock_palette) / sizeof(rd_lock_palette[0]))];
}

/* A lock held: a thin bar in its row (by how many its CPU held already), its name in it. */
static void rd_draw_lock(struct rd_canvas *cv, const struct tl_span *s, int x0, int x1)
{
	int row = s->depth < cv->lay.lock_rows ? s->depth : cv->lay.lock_rows - 1;
	int y = cv->lay.lane_y[s->cpu] + cv->lay.lock_off + row * RD_LOCK_ROW;

	if (cv->lay.lock_rows <= 0)
		return;
	rd_fill(cv, x0, y, x1 - x0 + 1, RD_LOCK_ROW - 2, rd_lock_rgb(s->text));
	/* Where it was taken. */
	rd_fill(cv, x0, y, 1, RD_LOCK_ROW - 2, RD_INK);
	rd_text_in(cv, x0, x1, y, s->text ? s->text : "lock", RD_INK);
}

static void rd_draw_span(struct rd_canvas *cv, const struct tl_span *s, int x0, int x1)
{
	switch (s->kind) {
	case TL_SPAN_TASK:
		rd_draw_task(cv, s, x0, x1);
		break;
	case TL_SPAN_GUEST:
		rd_draw_band(cv, s, x0, x1, RD_GUEST_H, RD_GUEST_RGB);
		break;
	case TL_SPAN_IRQ:
		rd_draw_band(cv, s, x0, x1, RD_IRQ_H, RD_IRQ_RGB);
		break;
	case TL_SPAN_SPIN:
		rd_hatch(cv, x0, rd_band_y(cv, s->cpu), x1 - x0 + 1, RD_BAND_H, RD_SPIN_RGB);
		break;
	case TL_SPAN_PARKED:
		rd_draw_parked(cv, s, x0, x1);
		break;
	case TL_SPAN_CPUHP:
		rd_draw_cpuhp(cv, s, x0, x1);
		break;
	case TL_SPAN_LOCK:
		rd_draw_lock(cv, s, x0, x1);
		break;
	}
}

static void rd_draw_spans(struct rd_canvas *cv, enum tl_span_kind kind)
{
	const struct timeline *tl = cv->tl;

	for (size_t i = 0; i < tl->nspan; i++) {
		const struct tl_span *s = &tl->span[i];
		int x0, x1;

		if (s->kind == kind && rd_lane_shown(cv, s->cpu) &&
		    rd_span_x(cv, s->start, s->end, &x0, &x1))
			rd_draw_span(cv, s, x0, x1);
	}
}

/* ---- labels over a lane ---- */

/* Does [@x, @x + @w) come within RD_LABEL_GAP of a label over @cpu's lane? Which one. */
static const struct rd_taken *rd_label_clash(const struct rd_canvas *cv, uint32_t cpu, int x,
					     int w)
{
	for (unsigned int k = 0; k < cv->nlabels[cpu]; k++) {
		const struct rd_taken *t = &cv->labels[cpu][k];

		if (x < t->x1 + RD_LABEL_GAP && x + w + RD_LABEL_GAP > t->x0)
			return t;
	}
	return NULL;
}

/*
 * Room for a label @w wide over @cpu's lane: at @x or as near right of it
 * as is free, else (@left set) at @left or as near left of it as is free;
 * its x, or INT_MIN when there is none.
 */
static int rd_label_place(struct rd_canvas *cv, uint32_t cpu, int x, int left, bool has_left,
			  int w)
{
	const struct rd_taken *t;
	int tries;

	if (cv->nlabels[cpu] == RD_MAX_LABELS)
		return INT_MIN;
	for (tries = 0; tries <= RD_MAX_LABELS && (t = rd_label_clash(cv, cpu, x, w)); tries++)
		x = t->x1 + RD_LABEL_GAP;
	if (t || x + w > cv->s->w) {
		if (!has_left)
			return INT_MIN;
		x = left;
		for (tries = 0; tries <= RD_MAX_LABELS && (t = rd_label_clash(cv, cpu, x, w)); tries++)
			x = t->x0 - RD_LABEL_GAP - w;
		if (t || x < RD_MARGIN_L)
			return INT_MIN;
	}
	cv->labels[cpu][cv->nlabels[cpu]].x0 = x;
	cv->labels[cpu][cv->nlabels[cpu]++].x1 = x + w;
	return x;
}

static void rd_label_draw(struct rd_canvas *cv, uint32_t cpu, int x, const char *text,
			  size_t max, uint32_t rgb)
{
	if (x != INT_MIN)
		rd_text(cv->s, x, rd_band_y(cv, cpu) - RD_LANE_LABELS + 1, text, max, rgb);
}

/*
 * A flag's label (at most @max characters): right of the flag at @px, or
 * left of it where the image ends first or the right is taken.
 */
static void rd_label(struct rd_canvas *cv, uint32_t cpu, int px, const char *text, size_t max,
		     uint32_t rgb)
{
	int w = rd_text_width(text, max), right = px + 5, left = px - 2 - w;

	if (right + w > cv->s->w)
		right = left;
	rd_label_draw(cv, cpu, rd_label_place(cv, cpu, right, left, true, w), text, max, rgb);
}

/* ---- arrows ---- */

/* Each flow's colour, and how far off the band's middle it runs (so they stay apart). */
static const struct {
	uint32_t rgb;
	int dy;
} rd_flow_style[TL_NR_FLOW_KINDS] = {
	[TL_FLOW_WAKE] = { RD_WAKE_RGB, -4 },
	[TL_FLOW_IPI] = { RD_IPI_RGB, 4 },
	[TL_FLOW_REQUEST] = { RD_REQUEST_RGB, -9 },
	[TL_FLOW_KICK] = { RD_KICK_RGB, 9 },
};

/* The x of any cycle, before or after the view too. */
static double rd_xd(const struct rd_canvas *cv, uint64_t cycle)
{
	double f = ((double)cycle - (double)cv->from) / (double)(cv->to - cv->from);

	return cv->plot_l + f * (cv->plot_r - cv->plot_l);
}

/*
 * Cut the segment (*x0, *y0)-(*x1, *y1) to the plot's columns; false when
 * none of it is inside.
 */
static bool rd_clip(const struct rd_canvas *cv, double *x0, double *y0, double *x1, double *y1)
{
	double l = cv->plot_l, r = cv->plot_r;

	if ((*x0 < l && *x1 < l) || (*x0 > r && *x1 > r))
		return false;
	if (*x1 != *x0) {
		double k = (*y1 - *y0) / (*x1 - *x0);

		if (*x0 < l || *x0 > r) {
			double x = *x0 < l ? l : r;

			*y0 += (x - *x0) * k;
			*x0 = x;
		}
		if (*x1 < l || *x1 > r) {
			double x = *x1 < l ? l : r;

			*y1 += (x - *x1) * k;
			*x1 = x;
		}
	}
	return true;
}

/* An IPI's vector (or NMI) by its start. */
static void rd_flow_label(struct rd_canvas *cv, const struct tl_flow *f, int x, int y)
{
	const struct trace_event *r = &cv->tl->ev[f->from_ev].r;
	char label[16];

	if (f->kind != TL_FLOW_IPI)
		return;
	if (r->kind)
		snprintf(label, sizeof(label), "NMI");
	else
		snprintf(label, sizeof(label), "%#x", r->value);
	rd_text(cv->s, x + 3, y + 2, label, SIZE_MAX, RD_IPI_RGB);
}

/* A line from the sender to the receiver (cut at the view's edges), a square at its head. */
static void rd_draw_flow(struct rd_canvas *cv, const struct tl_flow *f)
{
	const struct tl_event *a = &cv->tl->ev[f->from_ev], *b = &cv->tl->ev[f->to_ev];
	uint32_t rgb = rd_flow_style[f->kind].rgb;
	double x0, y0, x1, y1;

	if (!rd_lane_shown(cv, a->r.cpu) || !rd_lane_shown(cv, b->r.cpu))
		return;
	x0 = rd_shown(cv, a->at) ? rd_x(cv, a->at) : rd_xd(cv, a->at);
	x1 = rd_shown(cv, b->at) ? rd_x(cv, b->at) : rd_xd(cv, b->at);
	y0 = rd_band_mid(cv, a->r.cpu) + rd_flow_style[f->kind].dy;
	y1 = rd_band_mid(cv, b->r.cpu) + rd_flow_style[f->kind].dy;
	if (!rd_clip(cv, &x0, &y0, &x1, &y1))
		return;
	rd_line(cv, (int)x0, (int)y0, (int)x1, (int)y1, rgb, 0);
	if (rd_shown(cv, a->at)) {
		rd_fill(cv, (int)x0 - 1, (int)y0 - 1, 3, 3, rgb);
		rd_flow_label(cv, f, (int)x0, (int)y0);
	}
	if (rd_shown(cv, b->at))
		rd_fill(cv, (int)x1 - 2, (int)y1 - 2, 5, 5, rgb);
}

static void rd_draw_flows(struct rd_canvas *cv)
{
	for (size_t i = 0; i < cv->tl->nflow; i++)
		rd_draw_flow(cv, &cv->tl->flow[i]);
}

/* ---- instants ---- */

/* A red line through the band, a flag at its top, the label beside it (unless @label is NULL). */
static void rd_draw_log(struct rd_canvas *cv, uint32_t cpu, uint64_t at, const char *label)
{
	int px = rd_x(cv, at), y = rd_band_y(cv, cpu);

	rd_fill(cv, px, y - 2, 1, RD_BAND_H + 2, RD_LOG_RGB);
	rd_fill(cv, px, y - RD_LANE_LABELS + 1, 3, RD_LANE_LABELS - 2, RD_LOG_RGB);
	if (label)
		rd_label(cv, cpu, px, label, RD_LABEL_CHARS, RD_LOG_RGB);
}

static uint32_t rd_report_colour(unsigned int kind)
{
	return kind < sizeof(rd_report_rgb) / sizeof(rd_report_rgb[0]) ? rd_report_rgb[kind] :
									  rd_report_rgb[0];
}

/* A report: a thick line in its kind's colour, a pennant, "KIND: title". */
static void rd_draw_report(struct rd_canvas *cv, const struct tl_event *e)
{
	uint32_t rgb = rd_report_colour(e->r.kind);
	int px = rd_x(cv, e->at), y = rd_band_y(cv, e->r.cpu) - RD_LANE_LABELS + 1;
	char label[RD_TITLE_CHARS + 16];

	rd_fill(cv, px - 1, y + 2, 2, RD_LANE_LABELS + RD_BAND_H - 1, rgb);
	for (int k = 0; k < 4; k++)
		rd_fill(cv, px - 1, y + k, 6 - k, 1, rgb);
	snprintf(label, sizeof(label), "%s: %.*s", trace_report_kind_name(e->r.kind),
		 (int)strcspn(timeline_string(cv->tl, e->r.str) ?: "?", "\n"),
		 timeline_string(cv->tl, e->r.str) ?: "?");
	rd_label(cv, e->r.cpu, px + 3, label, RD_TITLE_CHARS, rgb);
}

/* Is log event @e the title of report @rep, which stands at the same place? */
static bool rd_log_is_title(const struct rd_canvas *cv, const struct tl_event *e,
			    const struct tl_event *rep)
{
	const char *text = timeline_string(cv->tl, e->r.str) ?: "";
	const char *title = timeline_string(cv->tl, rep->r.str) ?: "";

	return rep->r.cpu == e->r.cpu && rep->at == e->at &&
	       strlen(title) == strcspn(text, "\n") && !strncmp(text, title, strlen(title));
}

static void rd_draw_instants(struct rd_canvas *cv)
{
	const struct timeline *tl = cv->tl;
	const struct tl_event *report = NULL;

	for (size_t i = 0; i < tl->ninst; i++) {
		const struct tl_instant *in = &tl->inst[i];
		const struct tl_event *e = &tl->ev[in->ev];
		const char *text;

		if (!rd_lane_shown(cv, e->r.cpu) || !rd_shown(cv, e->at))
			continue;
		switch (in->kind) {
		case TL_INSTANT_DECISION:
			rd_fill(cv, rd_x(cv, e->at), rd_band_y(cv, e->r.cpu) + RD_BAND_H, 1,
				RD_TICK_H, RD_INK);
			break;
		case TL_INSTANT_REPORT:
			rd_draw_report(cv, e);
			report = e;
			break;
		case TL_INSTANT_LOG:
			/* A report's title is labelled once, by the report. */
			text = timeline_string(tl, e->r.str) ?: "?";
			rd_draw_log(cv, e->r.cpu, e->at,
				    report && rd_log_is_title(cv, e, report) ? NULL : text);
			break;
		}
	}
}

/* ---- a failing run: the marked events, the decisive preemption, its window ---- */

/* Mark @m's x and lane; false when it is not shown. */
static bool rd_mark_place(const struct rd_canvas *cv, const struct tl_mark *m, int *x)
{
	if (!rd_lane_shown(cv, m->cpu) || !rd_shown(cv, m->at))
		return false;
	*x = rd_x(cv, m->at);
	return true;
}

/* A bright box around the marked event, a flag, "KIND: LABEL" over its lane. */
static void rd_draw_mark(struct rd_canvas *cv, const struct tl_mark *m, bool label)
{
	const struct trace_event *r = &cv->tl->ev[m->ev].r;
	const char *label_text;
	int x, y;
	char text[RD_TITLE_CHARS + 16];

	if (!rd_mark_place(cv, m, &x))
		return;
	y = rd_band_y(cv, m->cpu);
	rd_outline(cv, x - 5, y - 3, 11, RD_BAND_H + 6, 2, RD_MARK_RGB);
	if (!label)
		return;
	rd_fill(cv, x, y - RD_LANE_LABELS + 1, 3, RD_LANE_LABELS - 4, RD_MARK_RGB);
	label_text = timeline_string(cv->tl, r->str);
	if (label_text && *label_text)
		snprintf(text, sizeof(text), "%s: %s", trace_mark_kind_name(r->kind), label_text);
	else
		snprintf(text, sizeof(text), "%s", trace_mark_kind_name(r->kind));
	rd_label(cv, m->cpu, x, text, RD_TITLE_CHARS, RD_MARK_RGB);
}

/* The marks of one report joined by a dashed line: the two accesses of a race. */
static void rd_draw_mark_pairs(struct rd_canvas *cv)
{
	const struct timeline *tl = cv->tl;

	for (size_t k = 1; k < tl->nmark; k++) {
		const struct tl_mark *a = &tl->mark[k - 1], *b = &tl->mark[k];
		int xa, xb;

		if (a->report != b->report || !rd_mark_place(cv, a, &xa) || !rd_mark_place(cv, b, &xb))
			continue;
		rd_line(cv, xa, rd_band_mid(cv, a->cpu), xb, rd_band_mid(cv, b->cpu), RD_MARK_RGB,
			3);
	}
}

static void rd_draw_marks(struct rd_canvas *cv, bool labels)
{
	if (labels)
		rd_draw_mark_pairs(cv);
	for (size_t k = 0; k < cv->tl->nmark; k++)
		rd_draw_mark(cv, &cv->tl->mark[k], labels);
}

/* The window's record, or NULL when the trace has none or its lane is not shown. */
static const struct trace_event *rd_window(const struct rd_canvas *cv)
{
	const struct tl_window *w = &cv->tl->window;

	if (w->ev == TL_NONE || !rd_lane_shown(cv, w->cpu))
		return NULL;
	return &cv->tl->ev[w->ev].r;
}

/* The window shaded over the decided-on CPU's band, the preemption a dark red line. */
static void rd_draw_window(struct rd_canvas *cv)
{
	const struct trace_event *r = rd_window(cv);
	const struct tl_window *w = &cv->tl->window;
	uint64_t lo, hi;
	int x0, x1, y;

	if (!r)
		return;
	y = rd_band_y(cv, w->cpu);
	lo = w->at > r->args[2] ? w->at - r->args[2] : 0;
	hi = w->at < UINT64_MAX - r->args[3] ? w->at + r->args[3] : UINT64_MAX;
	if (rd_span_x(cv, lo, hi, &x0, &x1)) {
		rd_blend(cv, x0, y, x1 - x0 + 1, RD_BAND_H, RD_WINDOW_RGB);
		if (rd_shown(cv, lo))
			rd_fill(cv, x0, y, 1, RD_BAND_H, RD_WINDOW_INK);
		if (rd_shown(cv, hi))
			rd_fill(cv, x1, y, 1, RD_BAND_H, RD_WINDOW_INK);
	}
	if (rd_shown(cv, w->at))
		rd_fill(cv, rd_x(cv, w->at) - 1, y - 2, 2, RD_BAND_H + 2 + RD_TICK_H, RD_PREEMPT_RGB);
}

/*
 * "window N cycles" at its left edge; by the decision, what it was
 * ("preemption: CPU2 -> CPU1", "task switch on CPU0").
 */
static void rd_draw_window_labels(struct rd_canvas *cv)
{
	const struct trace_event *r = rd_window(cv);
	const struct tl_window *w = &cv->tl->window;
	uint64_t lo;
	char text[96];
	int x0, x1;

	if (!r)
		return;
	lo = w->at > r->args[2] ? w->at - r->args[2] : 0;
	if (rd_span_x(cv, lo, w->at, &x0, &x1)) {
		snprintf(text, sizeof(text), "window %" PRIu64 " cycles", r->args[2] + r->args[3]);
		rd_label(cv, w->cpu, x0 - 5, text, SIZE_MAX, RD_WINDOW_INK);
	}
	if (rd_shown(cv, w->at)) {
		const char *what = timeline_string(cv->tl, r->str);

		/* What the decision was, as the report's window line says it. */
		if (r->to_cpu != w->cpu)
			snprintf(text, sizeof(text), "%s: CPU%u -> CPU%u", what ? what : "preemption",
				 w->cpu, r->to_cpu);
		else
			snprintf(text, sizeof(text), "%s on CPU%u", what ? what : "preemption",
				 w->cpu);
		rd_label(cv, w->cpu, rd_x(cv, w->at), text, RD_TITLE_CHARS, RD_PREEMPT_RGB);
	}
}

/* ---- the viewer's marks: markers, the selected event, the cursor ---- */

/* Marker @k (A or B): a line down the lanes, its letter boxed at the top. */
static void rd_draw_marker(struct rd_canvas *cv, unsigned int k)
{
	static const uint32_t rgb[2] = { RD_MARKER_A_RGB, RD_MARKER_B_RGB };
	const struct render_view *v = cv->v;
	char label[64];
	int x, w;

	if (!v->has_marker[k] || !rd_shown(cv, v->marker[k]))
		return;
	x = rd_x(cv, v->marker[k]);
	rd_fill(cv, x, RD_AXIS_LINE, 1, cv->lay.lanes_bottom - RD_AXIS_LINE, rgb[k]);
	if (k == 1 && v->has_marker[0])
		snprintf(label, sizeof(label), "B  B-A %" PRId64 " cycles",
			 (int64_t)(v->marker[1] - v->marker[0]));
	else
		snprintf(label, sizeof(label), "%c", k ? 'B' : 'A');
	w = rd_text_width(label, SIZE_MAX) + 4;
	rd_fill(cv, x, 0, w, 10, rgb[k]);
	rd_text(cv->s, x + 2, 1, label, SIZE_MAX, RD_BACKGROUND);
}

static void rd_draw_selected(struct rd_canvas *cv)
{
	uint32_t cpu;
	uint64_t at;
	int x, y;

	if (cv->v->selected == TL_NONE ||
	    !timeline_event_place(cv->tl, cv->v->selected, &cpu, &at) ||
	    !rd_lane_shown(cv, cpu) || !rd_shown(cv, at))
		return;
	x = rd_x(cv, at);
	y = rd_band_y(cv, cpu);
	rd_outline(cv, x - 4, y - 3, 9, RD_BAND_H + 6, 2, RD_INK);
}

static void rd_draw_cursor(struct rd_canvas *cv)
{
	int x = cv->v->cursor_x;

	if (x < cv->plot_l || x > cv->plot_r)
		return;
	for (int y = RD_TOP; y < cv->lay.lanes_bottom; y += 2)
		rd_pixel(cv->s, x, y, RD_CURSOR_RGB);
}

static void rd_draw_view_marks(struct rd_canvas *cv)
{
	rd_draw_cursor(cv);
	rd_draw_marker(cv, 0);
	rd_draw_marker(cv, 1);
	rd_draw_selected(cv);
}

/* ---- the end, the legend ---- */

static const char *rd_outcome(const struct timeline *tl)
{
	if (tl->end_ev == TL_NONE)
		return "no end record";
	return sim_outcome_name((enum sim_outcome)tl->ev[tl->end_ev].r.kind);
}

/* Where the end's label goes on the axis row, so the ticks' labels keep clear of it. */
static void rd_place_end(struct rd_canvas *cv)
{
	int px, w;

	if (!rd_shown(cv, cv->tl->end))
		return;
	px = rd_x(cv, cv->tl->end);
	w = rd_text_width(rd_outcome(cv->tl), SIZE_MAX) + 4;
	cv->end_l = (px - w >= 0 ? px - w : px) - 2;
	cv->end_r = cv->end_l + w + 4;
}

static void rd_draw_end(struct rd_canvas *cv)
{
	const char *what = rd_outcome(cv->tl);
	int px, w, lx;

	if (!rd_shown(cv, cv->tl->end))
		return;
	px = rd_x(cv, cv->tl->end);
	rd_fill(cv, px - 1, RD_AXIS_LINE, 2, cv->lay.lanes_bottom - RD_AXIS_LINE, RD_INK);
	/* The outcome, white on black, ending at the line (or starting there, near the left). */
	w = rd_text_width(what, SIZE_MAX) + 4;
	lx = px - w >= 0 ? px - w : px;
	rd_fill(cv, lx, RD_AXIS_LINE - 11, w, 10, RD_INK);
	rd_text(cv->s, lx + 2, RD_AXIS_LINE - 10, what, SIZE_MAX, RD_BACKGROUND);
}

/* How a legend entry shows its colour. */
enum rd_key_style {
	RD_KEY_BOX,		/* a box of its height */
	RD_KEY_HATCH,		/* hatched */
	RD_KEY_OUTLINE,		/* a box's outline */
};

struct rd_key {
	uint32_t rgb;
	int box_h;		/* RD_KEY_BOX: the box's height */
	uint8_t style;		/* enum rd_key_style */
	const char *label;
};

static const struct rd_key rd_keys[] = {
	{ RD_GUEST_RGB, RD_GUEST_H / 2, RD_KEY_BOX, "guest mode" },
	{ RD_IRQ_RGB, RD_IRQ_H / 2, RD_KEY_BOX, "interrupt" },
	{ RD_SPIN_RGB, FONT_H, RD_KEY_HATCH, "spinning" },
	{ RD_PARKED_RGB, FONT_H, RD_KEY_BOX, "parked" },
	{ 0xd3b8e0, FONT_H, RD_KEY_BOX, "lock held" },
	{ RD_LOG_RGB, FONT_H, RD_KEY_BOX, "log line" },
	{ 0xb000b0, FONT_H, RD_KEY_BOX, "report" },
	{ RD_MARK_RGB, FONT_H, RD_KEY_OUTLINE, "marked event" },
	{ RD_PREEMPT_RGB, FONT_H, RD_KEY_BOX, "decisive preemption" },
	{ RD_WINDOW_RGB, FONT_H, RD_KEY_BOX, "its window" },
	{ RD_INK, 2, RD_KEY_BOX, "decision (tick)" },
	{ RD_WAKE_RGB, 2, RD_KEY_BOX, "wake-up" },
	{ RD_IPI_RGB, 2, RD_KEY_BOX, "IPI" },
	{ RD_REQUEST_RGB, 2, RD_KEY_BOX, "request" },
	{ RD_KICK_RGB, 2, RD_KEY_BOX, "kick" },
	{ RD_INK, FONT_H, RD_KEY_BOX, "end of run" },
};

/* One legend entry at *@px on row *@py, wrapping. */
static void rd_legend_item(struct rd_canvas *cv, int *px, int *py, const struct rd_key *k,
			   bool draw)
{
	int w = RD_LEGEND_BOX + 4 + rd_text_width(k->label, SIZE_MAX) + 14;

	if (*px + w > (int)cv->v->width - RD_MARGIN_R && *px > RD_MARGIN_L) {
		*px = RD_MARGIN_L;
		*py += RD_LEGEND_ROW;
	}
	if (draw) {
		switch (k->style) {
		case RD_KEY_HATCH:
			rd_hatch(cv, *px, *py, RD_LEGEND_BOX, FONT_H, k->rgb);
			break;
		case RD_KEY_OUTLINE:
			rd_outline(cv, *px, *py, RD_LEGEND_BOX, FONT_H, 2, k->rgb);
			break;
		default:
			rd_fill(cv, *px, *py + (FONT_H - k->box_h) / 2, RD_LEGEND_BOX, k->box_h,
				k->rgb);
			break;
		}
		rd_text(cv->s, *px + RD_LEGEND_BOX + 4, *py, k->label, SIZE_MAX, RD_INK);
	}
	*px += w;
}

/* A row of the legend titled @title, from *@py; *@py then is the next row's. */
static void rd_legend_row(struct rd_canvas *cv, int *py, const char *title, bool draw)
{
	if (draw)
		rd_text(cv->s, 2, *py, title, SIZE_MAX, RD_INK);
}

/* The hotplug states' colours, when the trace has them. */
static void rd_legend_cpuhp(struct rd_canvas *cv, int *py, bool draw)
{
	int px = RD_MARGIN_L;

	if (!cv->tl->has_cpuhp)
		return;
	rd_legend_row(cv, py, "cpuhp", draw);
	for (unsigned int st = 0; st < TR_NR_CPU_STATES; st++) {
		struct rd_key k = { rd_cpuhp_rgb[st], FONT_H, RD_KEY_BOX, trace_cpu_state_name(st) };

		rd_legend_item(cv, &px, py, &k, draw);
	}
	*py += RD_LEGEND_ROW + 3;
}

/*
 * The legend under the lanes, from @y: a key to the marks, the hotplug
 * states' colours, then every task that has a name, in id order. Returns
 * the y under it; with @draw false, only measures (the image's height
 * depends on it).
 */
static int rd_legend(struct rd_canvas *cv, int y, bool draw)
{
	int px = RD_MARGIN_L, py = y;
	char name[96];

	rd_legend_row(cv, &py, "key", draw);
	for (size_t k = 0; k < sizeof(rd_keys) / sizeof(rd_keys[0]); k++)
		rd_legend_item(cv, &px, &py, &rd_keys[k], draw);
	py += RD_LEGEND_ROW + 3;
	rd_legend_cpuhp(cv, &py, draw);
	px = RD_MARGIN_L;
	rd_legend_row(cv, &py, "tasks", draw);
	for (uint32_t t = 0; t < TL_MAX_TASKS; t++) {
		struct rd_key k = { 0, FONT_H, RD_KEY_BOX, name };

		if (!cv->tl->task[t].spawned)
			continue;
		timeline_task_label(cv->tl, t, name, sizeof(name));
		k.rgb = rd_task_rgb(t);
		rd_legend_item(cv, &px, &py, &k, draw);
	}
	return py + RD_LEGEND_ROW;
}

/* ---- the whole picture ---- */

static void rd_canvas_init(struct rd_canvas *cv, SDL_Surface *s, const struct timeline *tl,
			   const struct render_view *v)
{
	memset(cv, 0, sizeof(*cv));
	cv->s = s;
	cv->tl = tl;
	cv->v = v;
	cv->from = v->from;
	cv->to = v->to > v->from ? v->to : v->from + 1;
	render_plot(v, &cv->plot_l, &cv->plot_r);
	rd_layout(&cv->lay, tl, v);
}

void render_view_whole(struct render_view *v, const struct timeline *tl, unsigned int width)
{
	memset(v, 0, sizeof(*v));
	v->width = width;
	v->lanes = RENDER_ALL_LANES;
	v->selected = TL_NONE;
	v->cursor_x = -1;
	v->legend = true;
	v->to = tl->end;
	if (tl->end < UINT64_MAX / 2)
		v->to += tl->end / RD_END_PAD;
	/* A run that never started: an empty axis. */
	if (v->to <= v->from)
		v->to = v->from + 1;
}

int render_height(const struct timeline *tl, const struct render_view *v)
{
	struct rd_canvas cv;
	SDL_Surface probe = { 0 };

	probe.w = (int)v->width;
	rd_canvas_init(&cv, &probe, tl, v);
	if (!v->legend)
		return cv.lay.lanes_bottom + 4;
	return rd_legend(&cv, cv.lay.lanes_bottom + 8, false) + 4;
}

void render_draw(SDL_Surface *s, const struct timeline *tl, const struct render_view *v)
{
	struct rd_canvas cv;

	rd_canvas_init(&cv, s, tl, v);
	rd_fill(&cv, 0, 0, s->w, s->h, RD_BACKGROUND);
	rd_draw_lanes(&cv);
	rd_place_end(&cv);
	rd_draw_axis(&cv);
	rd_draw_lane_names(&cv);
	rd_draw_spans(&cv, TL_SPAN_TASK);
	rd_draw_spans(&cv, TL_SPAN_SPIN);
	rd_draw_spans(&cv, TL_SPAN_PARKED);
	rd_draw_spans(&cv, TL_SPAN_GUEST);
	rd_draw_spans(&cv, TL_SPAN_IRQ);
	rd_draw_spans(&cv, TL_SPAN_CPUHP);
	rd_draw_spans(&cv, TL_SPAN_LOCK);
	rd_draw_window(&cv);
	/* Labels: the marked events' first, then the window's, then reports and log lines. */
	rd_draw_marks(&cv, true);
	rd_draw_window_labels(&cv);
	rd_draw_flows(&cv);
	rd_draw_instants(&cv);
	rd_draw_marks(&cv, false);
	rd_draw_end(&cv);
	rd_draw_view_marks(&cv);
	if (v->legend)
		rd_legend(&cv, cv.lay.lanes_bottom + 8, true);
}

/* ---- hit tests ---- */

int render_lane_at(const struct timeline *tl, const struct render_view *v, int y)
{
	struct rd_layout lay;

	rd_layout(&lay, tl, v);
	for (unsigned int i = 0; i < tl->ncpus; i++)
		if (lay.lane_y[i] >= 0 && y >= lay.lane_y[i] && y < lay.lane_y[i] + lay.pitch)
			return (int)i;
	return -1;
}

bool render_cycle_at(const struct render_view *v, int x, uint64_t *cycle)
{
	int l, r;
	double f;

	render_plot(v, &l, &r);
	if (x < l || x > r || v->to <= v->from)
		return false;
	f = (double)(x - l) / (double)(r - l);
	*cycle = v->from + (uint64_t)(f * (double)(v->to - v->from));
	return true;
}

/* How much a viewer wants to see event @r when several are under the pointer. */
static int rd_hit_rank(const struct trace_event *r)
{
	switch (r->type) {
	case TR_REPORT:
	case TR_MARK:
		return 3;
	case TR_ACCESS:
		return r->kind == SIM_KCALL ? 1 : 0;
	case TR_SWITCH:
		return 1;
	default:
		return 2;
	}
}

/* The first of @cpu's events at or after @cycle (binary search: their cycles never go back). */
static size_t rd_first_at(const struct tl_cpu *c, const struct timeline *tl, uint64_t cycle)
{
	size_t lo = 0, hi = c->nev;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tl->ev[c->ev[mid]].at < cycle)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t render_event_at(const struct timeline *tl, const struct render_view *v, int x, int y)
{
	int lane = render_lane_at(tl, v, y), l, r;
	uint64_t cycle, tol, best_d = UINT64_MAX;
	const struct tl_cpu *c;
	size_t best = TL_NONE;
	int best_rank = -1;

	if (lane < 0 || !render_cycle_at(v, x, &cycle))
		return TL_NONE;
	render_plot(v, &l, &r);
	tol = (v->to - v->from) * RD_HIT_PX / (uint64_t)(r - l) + 1;
	c = &tl->cpu[lane];
	for (size_t k = rd_first_at(c, tl, cycle > tol ? cycle - tol : 0), n = 0;
	     k < c->nev && n < RD_HIT_MAX; k++, n++) {
		const struct tl_event *e = &tl->ev[c->ev[k]];
		uint64_t d = e->at > cycle ? e->at - cycle : cycle - e->at;
		int rank = rd_hit_rank(&e->r);

		if (e->at > cycle + tol)
			break;
		if (rank > best_rank || (rank == best_rank && d < best_d)) {
			best = c->ev[k];
			best_rank = rank;
			best_d = d;
		}
	}
	return best;
}

/* ---- PNG ---- */

/* The view the options ask for: -EINVAL when it shows none of the run. */
static int rd_opts_view(struct render_view *v, const struct timeline *tl,
			const struct render_opts *o, const char *path, char *err, size_t errlen)
{
	render_view_whole(v, tl, o->width);
	v->from = o->from;
	/* By default to the run's end and a little past it, so its marks stand clear of the edge. */
	v->to = o->has_to ? o->to : tl->end;
	if (!o->has_to && tl->end > o->from && tl->end - o->from < UINT64_MAX / 2)
		v->to += (tl->end - o->from) / RD_END_PAD;
	if (v->to <= v->from) {
		if (o->has_to || o->from) {
			snprintf(err, errlen, "%s: no cycles between %" PRIu64 " and %" PRIu64
				 " (the run ends at cycle %" PRIu64 ")", path, v->from, v->to, tl->end);
			return -EINVAL;
		}
		v->to = v->from + 1;	/* a run that never started: an empty axis */
	}
	return 0;
}

/* The surface's pixels as RGB bytes into @img. */
static int rd_to_rgb(SDL_Surface *s, struct png_image *img)
{
	img->width = (uint32_t)s->w;
	img->height = (uint32_t)s->h;
	img->rgb = malloc((size_t)img->width * img->height * 3);
	if (!img->rgb)
		return -ENOMEM;
	for (int y = 0; y < s->h; y++) {
		const uint32_t *row = (const uint32_t *)((const uint8_t *)s->pixels +
							 (size_t)y * (size_t)s->pitch);
		uint8_t *out = img->rgb + (size_t)y * img->width * 3;

		for (int i = 0; i < s->w; i++)
			SDL_GetRGB(row[i], s->format, &out[3 * i], &out[3 * i + 1], &out[3 * i + 2]);
	}
	return 0;
}

/* Draw @tl into a new surface *@out. */
static int rd_image(const struct timeline *tl, const struct render_opts *o, SDL_Surface **out,
		    const char *path, char *err, size_t errlen)
{
	struct render_view v;
	SDL_Surface *s;
	int ret, height;

	ret = rd_opts_view(&v, tl, o, path, err, errlen);
	if (ret)
		return ret;
	height = render_height(tl, &v);
	s = SDL_CreateRGBSurfaceWithFormat(0, (int)o->width, height, 32, SDL_PIXELFORMAT_RGB888);
	if (!s) {
		snprintf(err, errlen, "%s: cannot make a %ux%d image: %s", path, o->width, height,
			 SDL_GetError());
		return -ENOMEM;
	}
	render_draw(s, tl, &v);
	*out = s;
	return 0;
}

static int rd_write(const char *png_path, const uint8_t *data, size_t len, char *err,
		    size_t errlen)
{
	FILE *f = fopen(png_path, "wb");
	int ret = 0;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", png_path, strerror(errno));
		return ret;
	}
	if (fwrite(data, 1, len, f) != len)
		ret = -EIO;
	if (fclose(f))
		ret = -EIO;
	if (ret) {
		snprintf(err, errlen, "%s: write failed", png_path);
		unlink(png_path);
	}
	return ret;
}

int render_write_png(SDL_Surface *s, const char *png_path, char *err, size_t errlen)
{
	struct png_image img = { 0 };
	uint8_t *data = NULL;
	size_t len;
	int ret;

	ret = rd_to_rgb(s, &img);
	if (!ret)
		ret = png_encode(&img, &data, &len);
	free(img.rgb);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory encoding the PNG", png_path);
		return ret;
	}
	ret = rd_write(png_path, data, len, err, errlen);
	free(data);
	return ret;
}

int render_png(const char *trace_path, const char *png_path, const struct render_opts *o,
	       char *err, size_t errlen)
{
	struct timeline *tl;
	SDL_Surface *s;
	int ret;

	ret = timeline_open_file(&tl, trace_path, err, errlen);
	if (ret)
		return ret;
	ret = rd_image(tl, o, &s, trace_path, err, errlen);
	if (!ret) {
		ret = render_write_png(s, png_path, err, errlen);
		SDL_FreeSurface(s);
	}
	timeline_free(tl);
	return ret;
}
