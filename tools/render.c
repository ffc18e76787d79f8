// SPDX-License-Identifier: MIT
/*
 * Trace to a timeline PNG (render.h, docs/viewer.md). One pass over the
 * trace builds a model: per CPU, the spans of the tasks it ran and of the
 * interrupt handlers and guest mode inside them; the log lines, decisions,
 * wake-ups and IPIs with the CPU and cycle where each happened. Spans are
 * cut as tools/perfetto.c cuts its slices: the task a CPU runs is the task
 * of its latest record; its span opens at the first record that names it
 * there and closes at its last one before another task appears on that
 * CPU, before it appears on another CPU (it migrated), or at its exit.
 *
 * Then the model is drawn into an SDL surface in memory (no SDL_Init, no
 * video driver: a surface is plain memory) and encoded by png.c. The axis
 * is each CPU's own cycle counter, unscaled: the machines hvsim runs give
 * their CPUs one clock rate, and a trace's cycles are what its other tools
 * print.
 */
#include "render.h"

#include <SDL.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "font.h"
#include "hvsim/sim.h"
#include "hvsim/trace.h"
#include "png.h"

/* Tasks tracked by id; the engine holds SIM_MAX_TASKS at once, ids grow past that. */
#define RD_MAX_TASKS		65536
/* Spans open inside a task's (an interrupt within guest mode...). */
#define RD_MAX_NESTED		8
/* IPIs on their way to one CPU, drawn to its next interrupt handler. */
#define RD_MAX_IPIS		16
#define RD_NO_TASK		UINT32_MAX
/* A log marker's label: the first characters of the line's first line. */
#define RD_LABEL_CHARS		24
/* Without --to, the axis runs on past the end by 1/RD_END_PAD of what it shows. */
#define RD_END_PAD		50

/* Layout, in pixels. */
#define RD_MARGIN_L		44	/* the lanes' labels */
#define RD_MARGIN_R		12
#define RD_AXIS_LINE		20	/* y of the time axis; its labels above it */
#define RD_TOP			30	/* y of the first lane */
#define RD_LANE_PITCH		46	/* a lane, from one to the next */
#define RD_LANE_LABELS		10	/* the log labels' row at a lane's top */
#define RD_BAND_H		26	/* the task band under it */
#define RD_GUEST_H		14	/* guest mode, centred in the band */
#define RD_IRQ_H		6	/* an interrupt handler, centred */
#define RD_TICK_H		5	/* a decision's tick, under the band */
#define RD_TICK_SPACING		110	/* the axis' ticks, at least this far apart */
#define RD_LEGEND_ROW		13
#define RD_LEGEND_BOX		10	/* a colour's box */

/* What a span is. */
enum rd_kind {
	RD_TASK,		/* a task runs on the CPU */
	RD_GUEST,		/* guest mode (TR_VMX entry to exit) */
	RD_IRQ,			/* an interrupt handler (TR_IRQ enter to exit) */
};

struct rd_span {
	uint64_t start, end;	/* cycles on its CPU */
	uint32_t cpu;
	uint32_t task;		/* RD_TASK: the task */
	uint8_t kind;		/* enum rd_kind */
};

/* A point on one lane: a log line (text) or a non-default decision (text NULL). */
struct rd_mark {
	uint64_t cycle;
	uint32_t cpu;
	const char *text;	/* the reader's string */
};

/* A wake-up or IPI, from its sender to where it lands. */
struct rd_arrow {
	uint64_t from_cycle, to_cycle;
	uint32_t from_cpu, to_cpu;
	bool ipi;		/* else a wake-up */
};

struct rd_cpu {
	uint64_t now;			/* the latest cycle seen: its lane's clock */
	uint64_t seen;			/* now, at the open task's latest record */
	uint32_t task;			/* task whose span is open, or RD_NO_TASK */
	uint64_t task_start;		/* where it opened */
	unsigned int nnested;		/* spans open inside the task's */
	uint8_t nested[RD_MAX_NESTED];	/* their kinds, innermost last */
	uint64_t nested_start[RD_MAX_NESTED];
	unsigned int nipis;		/* IPIs sent to it whose handler has not run yet */
	uint32_t ipi_cpu[RD_MAX_IPIS];	/* their senders */
	uint64_t ipi_cycle[RD_MAX_IPIS];
};

struct rd_task {
	const char *name;		/* from its TR_SPAWN (the reader's string), or NULL */
	bool spawned;			/* it has a TR_SPAWN: it goes into the legend */
	uint32_t cpu;			/* the CPU its span is open on, or UINT32_MAX */
	bool exited;			/* its TR_EXIT was read: later records are its last switch */
	bool woken;			/* a wake-up waits for its next run */
	uint32_t wake_cpu;		/* the waker's CPU and cycle */
	uint64_t wake_cycle;
};

/* A growing array of @size-byte elements. */
struct rd_vec {
	void *v;
	size_t n, cap;
};

struct rd {
	struct trace_reader *tr;
	unsigned int ncpus;		/* lanes: the header's count, at most SIM_MAX_CPUS */
	struct rd_cpu cpu[SIM_MAX_CPUS];
	struct rd_task *task;		/* RD_MAX_TASKS entries */
	struct rd_vec spans;		/* struct rd_span */
	struct rd_vec marks;		/* struct rd_mark */
	struct rd_vec arrows;		/* struct rd_arrow */
	bool ended;			/* a TR_END was read */
	uint8_t outcome;		/* its outcome */
	uint64_t end;			/* the latest cycle any CPU reached */
	bool failed;			/* an allocation failed */
};

static void *rd_push(struct rd *x, struct rd_vec *v, size_t size)
{
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 256;
		void *grown = realloc(v->v, cap * size);

		if (!grown) {
			x->failed = true;
			return NULL;
		}
		v->v = grown;
		v->cap = cap;
	}
	return memset((char *)v->v + v->n++ * size, 0, size);
}

/* ---- the model ---- */

static void rd_span_add(struct rd *x, unsigned int cpu, enum rd_kind kind, uint32_t task,
			uint64_t start, uint64_t end)
{
	struct rd_span *s = rd_push(x, &x->spans, sizeof(*s));

	if (!s)
		return;
	s->cpu = cpu;
	s->kind = (uint8_t)kind;
	s->task = task;
	s->start = start;
	s->end = end < start ? start : end;
}

static void rd_close_nested(struct rd *x, unsigned int cpu, uint64_t cycle)
{
	struct rd_cpu *c = &x->cpu[cpu];

	c->nnested--;
	rd_span_add(x, cpu, c->nested[c->nnested], RD_NO_TASK, c->nested_start[c->nnested], cycle);
}

static void rd_open_nested(struct rd *x, unsigned int cpu, enum rd_kind kind)
{
	struct rd_cpu *c = &x->cpu[cpu];

	/* Deeper than any run nests: drawn no more. */
	if (c->nnested == RD_MAX_NESTED)
		return;
	c->nested[c->nnested] = (uint8_t)kind;
	c->nested_start[c->nnested++] = c->now;
}

/* Close @cpu's task span, and the spans inside it first, at the task's latest record there. */
static void rd_close_task(struct rd *x, unsigned int cpu)
{
	struct rd_cpu *c = &x->cpu[cpu];

	if (c->task == RD_NO_TASK)
		return;
	while (c->nnested)
		rd_close_nested(x, cpu, c->seen);
	rd_span_add(x, cpu, RD_TASK, c->task, c->task_start, c->seen);
	x->task[c->task].cpu = UINT32_MAX;
	c->task = RD_NO_TASK;
}

static void rd_arrow_add(struct rd *x, bool ipi, uint32_t from_cpu, uint64_t from_cycle,
			 uint32_t to_cpu, uint64_t to_cycle)
{
	struct rd_arrow *a = rd_push(x, &x->arrows, sizeof(*a));

	if (!a)
		return;
	a->ipi = ipi;
	a->from_cpu = from_cpu;
	a->from_cycle = from_cycle;
	a->to_cpu = to_cpu;
	a->to_cycle = to_cycle;
}

/* @task runs on @cpu now: its span there opens, unless it is open already. */
static void rd_runs(struct rd *x, unsigned int cpu, uint32_t task)
{
	struct rd_cpu *c = &x->cpu[cpu];
	struct rd_task *t = &x->task[task];

	if (c->task != task) {
		rd_close_task(x, cpu);
		if (t->cpu != UINT32_MAX)
			rd_close_task(x, t->cpu);
		c->task = task;
		c->task_start = c->now;
		t->cpu = cpu;
	}
	c->seen = c->now;
	if (t->woken) {
		rd_arrow_add(x, false, t->wake_cpu, t->wake_cycle, cpu, c->now);
		t->woken = false;
	}
}

static void rd_wake(struct rd *x, unsigned int cpu, uint32_t woken)
{
	struct rd_task *t;

	if (woken >= RD_MAX_TASKS)
		return;
	t = &x->task[woken];
	/* Woken again before it ran: the first wake-up's arrow stands. */
	if (t->woken)
		return;
	t->woken = true;
	t->wake_cpu = cpu;
	t->wake_cycle = x->cpu[cpu].now;
}

static void rd_ipi(struct rd *x, unsigned int cpu, const struct trace_event *e)
{
	struct rd_cpu *d;

	if (e->to_cpu >= x->ncpus)
		return;
	d = &x->cpu[e->to_cpu];
	if (d->nipis == RD_MAX_IPIS)
		return;
	d->ipi_cpu[d->nipis] = cpu;
	d->ipi_cycle[d->nipis++] = x->cpu[cpu].now;
}

/* An interrupt handler starts on @cpu: the IPIs on their way there end in it. */
static void rd_ipis_land(struct rd *x, unsigned int cpu)
{
	struct rd_cpu *c = &x->cpu[cpu];

	for (unsigned int i = 0; i < c->nipis; i++)
		rd_arrow_add(x, true, c->ipi_cpu[i], c->ipi_cycle[i], cpu, c->now);
	c->nipis = 0;
}

static void rd_mark_add(struct rd *x, unsigned int cpu, const char *text)
{
	struct rd_mark *m = rd_push(x, &x->marks, sizeof(*m));

	if (!m)
		return;
	m->cpu = cpu;
	m->cycle = x->cpu[cpu].now;
	m->text = text;
}

static void rd_record(struct rd *x, const struct trace_event *e)
{
	struct rd_cpu *c;

	if (e->type == TR_SPAWN) {
		if (e->task < RD_MAX_TASKS) {
			x->task[e->task].name = trace_reader_string(x->tr, e->str);
			x->task[e->task].spawned = true;
			x->task[e->task].exited = false;
		}
		return;
	}
	if (e->type == TR_END) {
		x->ended = true;
		x->outcome = e->kind;
		return;
	}
	if (e->type == TR_CPU || e->cpu >= x->ncpus || e->task >= RD_MAX_TASKS)
		return;
	c = &x->cpu[e->cpu];
	if (e->cycle > c->now)
		c->now = e->cycle;
	if (c->now > x->end)
		x->end = c->now;
	/* The switch away from a task that exited: nothing of it runs any more. */
	if (x->task[e->task].exited)
		return;
	rd_runs(x, e->cpu, e->task);

	switch (e->type) {
	case TR_EXIT:
		rd_close_task(x, e->cpu);
		x->task[e->task].exited = true;
		break;
	case TR_WAKE:
		rd_wake(x, e->cpu, e->to_task);
		break;
	case TR_DECISION:
		if (e->value)
			rd_mark_add(x, e->cpu, NULL);
		break;
	case TR_LOG:
		rd_mark_add(x, e->cpu, trace_reader_string(x->tr, e->str) ?: "?");
		break;
	case TR_IRQ:
		if (e->kind) {
			rd_open_nested(x, e->cpu, RD_IRQ);
			rd_ipis_land(x, e->cpu);
		} else if (c->nnested && c->nested[c->nnested - 1] == RD_IRQ)
			rd_close_nested(x, e->cpu, c->now);
		break;
	case TR_VMX:
		if (e->kind == TR_VMX_ENTRY)
			rd_open_nested(x, e->cpu, RD_GUEST);
		else if (e->kind == TR_VMX_EXIT && c->nnested &&
			 c->nested[c->nnested - 1] == RD_GUEST)
			rd_close_nested(x, e->cpu, c->now);
		break;
	case TR_IPI:
		rd_ipi(x, e->cpu, e);
		break;
	}
}

static int rd_read(struct rd *x, const char *path, char *err, size_t errlen)
{
	struct trace_event e;
	int ret;

	ret = trace_reader_open_file(&x->tr, path, err, errlen);
	if (ret)
		return ret;
	x->ncpus = trace_reader_header(x->tr)->ncpus;
	if (x->ncpus > SIM_MAX_CPUS)
		x->ncpus = SIM_MAX_CPUS;
	for (unsigned int i = 0; i < SIM_MAX_CPUS; i++)
		x->cpu[i].task = RD_NO_TASK;
	while ((ret = trace_next(x->tr, &e, err, errlen)) == 1)
		rd_record(x, &e);
	if (ret < 0)
		return ret;
	for (unsigned int i = 0; i < x->ncpus; i++)
		rd_close_task(x, i);
	if (x->failed) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	return 0;
}

/* ---- drawing ---- */

struct rd_canvas {
	SDL_Surface *s;
	uint64_t from, to;	/* the cycles shown */
	int plot_l, plot_r;	/* their x: from at plot_l, to at plot_r */
	int end_l, end_r;	/* the end's label on the axis row (x from, to), or 0, 0 */
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

static uint32_t rd_task_rgb(uint32_t task)
{
	return rd_palette[task % (sizeof(rd_palette) / sizeof(rd_palette[0]))];
}

static void rd_fill(struct rd_canvas *cv, int x, int y, int w, int h, uint32_t rgb)
{
	SDL_Rect r = { x, y, w, h };
	struct rd_rgb c = RGB(rgb);

	SDL_FillRect(cv->s, &r, SDL_MapRGB(cv->s->format, c.r, c.g, c.b));
}

static void rd_pixel(struct rd_canvas *cv, int x, int y, uint32_t rgb)
{
	struct rd_rgb c = RGB(rgb);
	uint8_t *row;

	if (x < 0 || y < 0 || x >= cv->s->w || y >= cv->s->h)
		return;
	row = (uint8_t *)cv->s->pixels + (size_t)y * (size_t)cv->s->pitch;
	((uint32_t *)row)[x] = SDL_MapRGB(cv->s->format, c.r, c.g, c.b);
}

/* A straight line, one pixel wide (Bresenham's, all octants). */
static void rd_line(struct rd_canvas *cv, int x0, int y0, int x1, int y1, uint32_t rgb)
{
	int dx = abs(x1 - x0), dy = -abs(y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;

	for (;;) {
		rd_pixel(cv, x0, y0, rgb);
		if (x0 == x1 && y0 == y1)
			break;
		if (2 * e >= dy) {
			e += dy;
			x0 += sx;
		}
		if (2 * e <= dx) {
			e += dx;
			y0 += sy;
		}
	}
}

/* @s at (@x, @y), its top left; at most @max characters. Returns the width drawn. */
static int rd_text(struct rd_canvas *cv, int x, int y, const char *s, size_t max, uint32_t rgb)
{
	int x0 = x;

	for (size_t i = 0; s[i] && s[i] != '\n' && i < max; i++, x += FONT_CELL_W) {
		const uint8_t *g = font_glyph((unsigned char)s[i]);

		for (int r = 0; r < FONT_H; r++)
			for (int b = 0; b < FONT_W; b++)
				if (g[r] & (0x10 >> b))
					rd_pixel(cv, x + b, y + r, rgb);
	}
	return x - x0;
}

static int rd_text_width(const char *s, size_t max)
{
	size_t n = strcspn(s, "\n");

	return (int)(n < max ? n : max) * FONT_CELL_W;
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

static int rd_lane_y(unsigned int cpu)
{
	return RD_TOP + (int)cpu * RD_LANE_PITCH;
}

static int rd_band_y(unsigned int cpu)
{
	return rd_lane_y(cpu) + RD_LANE_LABELS;
}

static int rd_band_mid(unsigned int cpu)
{
	return rd_band_y(cpu) + RD_BAND_H / 2;
}

static void rd_task_label(char *buf, size_t len, const struct rd *x, uint32_t task)
{
	const char *name = x->task[task].name;

	snprintf(buf, len, "%s:%" PRIu32, name ? name : "task", task);
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

static void rd_draw_axis(struct rd_canvas *cv, int lanes_bottom)
{
	uint64_t span = cv->to - cv->from, n = (uint64_t)(cv->plot_r - cv->plot_l) / RD_TICK_SPACING;
	uint64_t step = rd_tick_step(span / (n ? n : 1) + 1), t;
	char buf[32];

	rd_text(cv, 2, RD_AXIS_LINE - 10, "cycles", SIZE_MAX, RD_INK);
	rd_fill(cv, cv->plot_l, RD_AXIS_LINE, cv->plot_r - cv->plot_l + 1, 1, RD_INK);
	t = (cv->from + step - 1) / step * step;
	for (; t <= cv->to && t >= cv->from; t += step) {
		int x = rd_x(cv, t), w;

		snprintf(buf, sizeof(buf), "%" PRIu64, t);
		w = rd_text_width(buf, SIZE_MAX);
		rd_fill(cv, x, RD_AXIS_LINE + 1, 1, 4, RD_INK);
		rd_fill(cv, x, RD_TOP, 1, lanes_bottom - RD_TOP, RD_GRID_RGB);
		/* Labels stay inside the image: the first and last move in. */
		x -= w / 2;
		if (x + w > cv->s->w)
			x = cv->s->w - w;
		if (x < RD_MARGIN_L)
			x = RD_MARGIN_L;
		/* The end's label wins over a tick's. */
		if (x + w < cv->end_l || x > cv->end_r)
			rd_text(cv, x, RD_AXIS_LINE - 10, buf, SIZE_MAX, RD_INK);
		if (t > UINT64_MAX - step)
			break;
	}
}

static void rd_draw_spans(struct rd_canvas *cv, const struct rd *x, enum rd_kind kind)
{
	const struct rd_span *s = x->spans.v;

	for (size_t i = 0; i < x->spans.n; i++) {
		int x0, x1, y, h;
		uint32_t rgb;

		if (s[i].kind != kind || s[i].end < cv->from || s[i].start > cv->to)
			continue;
		x0 = rd_x(cv, s[i].start < cv->from ? cv->from : s[i].start);
		x1 = rd_x(cv, s[i].end > cv->to ? cv->to : s[i].end);
		switch (kind) {
		case RD_TASK:
			h = RD_BAND_H;
			rgb = rd_task_rgb(s[i].task);
			break;
		case RD_GUEST:
			h = RD_GUEST_H;
			rgb = RD_GUEST_RGB;
			break;
		default:
			h = RD_IRQ_H;
			rgb = RD_IRQ_RGB;
			break;
		}
		y = rd_band_y(s[i].cpu) + (RD_BAND_H - h) / 2;
		rd_fill(cv, x0, y, x1 - x0 + 1, h, rgb);
		if (kind == RD_TASK) {
			char name[96];

			/* Its name where it fits, above the nested bands. */
			rd_task_label(name, sizeof(name), x, s[i].task);
			if (rd_text_width(name, SIZE_MAX) + 4 <= x1 - x0)
				rd_text(cv, x0 + 3, y + 2, name, SIZE_MAX, RD_INK);
		}
	}
}

static void rd_draw_marks(struct rd_canvas *cv, const struct rd *x)
{
	const struct rd_mark *m = x->marks.v;

	for (size_t i = 0; i < x->marks.n; i++) {
		int px, y, w, lx;

		if (!rd_shown(cv, m[i].cycle))
			continue;
		px = rd_x(cv, m[i].cycle);
		y = rd_band_y(m[i].cpu);
		if (!m[i].text) {
			rd_fill(cv, px, y + RD_BAND_H, 1, RD_TICK_H, RD_INK);
			continue;
		}
		/* A red line through the band, a flag at its top, the label beside it. */
		rd_fill(cv, px, y - 2, 1, RD_BAND_H + 2, RD_LOG_RGB);
		rd_fill(cv, px, y - RD_LANE_LABELS + 1, 3, RD_LANE_LABELS - 2, RD_LOG_RGB);
		/* Right of the flag, or left of it where the image ends first. */
		w = rd_text_width(m[i].text, RD_LABEL_CHARS);
		lx = px + 5 + w <= cv->s->w ? px + 5 : px - 2 - w;
		rd_text(cv, lx, y - RD_LANE_LABELS + 1, m[i].text, RD_LABEL_CHARS, RD_LOG_RGB);
	}
}

static void rd_draw_arrows(struct rd_canvas *cv, const struct rd *x)
{
	const struct rd_arrow *a = x->arrows.v;

	for (size_t i = 0; i < x->arrows.n; i++) {
		uint32_t rgb = a[i].ipi ? RD_IPI_RGB : RD_WAKE_RGB;
		int x0, y0, x1, y1;

		if (!rd_shown(cv, a[i].from_cycle) || !rd_shown(cv, a[i].to_cycle))
			continue;
		x0 = rd_x(cv, a[i].from_cycle);
		x1 = rd_x(cv, a[i].to_cycle);
		/* Off the centre line, so an arrow along one lane stays visible. */
		y0 = rd_band_mid(a[i].from_cpu) + (a[i].ipi ? 4 : -4);
		y1 = rd_band_mid(a[i].to_cpu) + (a[i].ipi ? 4 : -4);
		rd_line(cv, x0, y0, x1, y1, rgb);
		rd_fill(cv, x0 - 1, y0 - 1, 3, 3, rgb);
		/* The head: a square at the receiver. */
		rd_fill(cv, x1 - 2, y1 - 2, 5, 5, rgb);
	}
}

static void rd_draw_end(struct rd_canvas *cv, const struct rd *x, int lanes_bottom)
{
	const char *what = x->ended ? sim_outcome_name(x->outcome) : "no end record";
	int px, w, lx;

	if (!rd_shown(cv, x->end))
		return;
	px = rd_x(cv, x->end);
	rd_fill(cv, px - 1, RD_AXIS_LINE, 2, lanes_bottom - RD_AXIS_LINE, RD_INK);
	/* The outcome, white on black, ending at the line (or starting there, near the left). */
	w = rd_text_width(what, SIZE_MAX) + 4;
	lx = px - w >= 0 ? px - w : px;
	rd_fill(cv, lx, RD_AXIS_LINE - 11, w, 10, RD_INK);
	rd_text(cv, lx + 2, RD_AXIS_LINE - 10, what, SIZE_MAX, RD_BACKGROUND);
}

/* One legend entry: a @box_h-high box of @rgb and @label, at *@px on row *@py, wrapping. */
static void rd_legend_item(struct rd_canvas *cv, int *px, int *py, uint32_t rgb, int box_h,
			   const char *label, bool draw)
{
	int w = RD_LEGEND_BOX + 4 + rd_text_width(label, SIZE_MAX) + 14;

	if (*px + w > cv->s->w - RD_MARGIN_R && *px > RD_MARGIN_L) {
		*px = RD_MARGIN_L;
		*py += RD_LEGEND_ROW;
	}
	if (draw) {
		rd_fill(cv, *px, *py + (FONT_H - box_h) / 2, RD_LEGEND_BOX, box_h, rgb);
		rd_text(cv, *px + RD_LEGEND_BOX + 4, *py, label, SIZE_MAX, RD_INK);
	}
	*px += w;
}

/*
 * The legend under the lanes, from @y: a key to the marks, then every task
 * that has a name, in id order. Returns the y under it; with @draw false,
 * only measures (the image's height depends on it).
 */
static int rd_legend(struct rd_canvas *cv, const struct rd *x, int y, bool draw)
{
	int px = RD_MARGIN_L, py = y;
	char name[96];

	if (draw)
		rd_text(cv, 2, py, "key", SIZE_MAX, RD_INK);
	rd_legend_item(cv, &px, &py, RD_GUEST_RGB, RD_GUEST_H / 2, "guest mode", draw);
	rd_legend_item(cv, &px, &py, RD_IRQ_RGB, RD_IRQ_H / 2, "interrupt", draw);
	rd_legend_item(cv, &px, &py, RD_LOG_RGB, FONT_H, "log line", draw);
	rd_legend_item(cv, &px, &py, RD_INK, 2, "decision (tick)", draw);
	rd_legend_item(cv, &px, &py, RD_WAKE_RGB, 2, "wake-up", draw);
	rd_legend_item(cv, &px, &py, RD_IPI_RGB, 2, "IPI", draw);
	rd_legend_item(cv, &px, &py, RD_INK, FONT_H, "end of run", draw);
	px = RD_MARGIN_L;
	py += RD_LEGEND_ROW + 3;
	if (draw)
		rd_text(cv, 2, py, "tasks", SIZE_MAX, RD_INK);
	for (uint32_t t = 0; t < RD_MAX_TASKS; t++) {
		if (!x->task[t].spawned)
			continue;
		rd_task_label(name, sizeof(name), x, t);
		rd_legend_item(cv, &px, &py, rd_task_rgb(t), FONT_H, name, draw);
	}
	return py + RD_LEGEND_ROW;
}

static void rd_draw(struct rd_canvas *cv, const struct rd *x, int lanes_bottom)
{
	char label[16];

	rd_fill(cv, 0, 0, cv->s->w, cv->s->h, RD_BACKGROUND);
	for (unsigned int i = 0; i < x->ncpus; i++)
		rd_fill(cv, cv->plot_l, rd_band_y(i), cv->plot_r - cv->plot_l + 1, RD_BAND_H,
			RD_LANE_BG);
	if (rd_shown(cv, x->end)) {
		int px = rd_x(cv, x->end);
		int w = rd_text_width(x->ended ? sim_outcome_name(x->outcome) : "no end record",
				      SIZE_MAX) + 4;

		cv->end_l = (px - w >= 0 ? px - w : px) - 2;
		cv->end_r = cv->end_l + w + 4;
	}
	rd_draw_axis(cv, lanes_bottom);
	for (unsigned int i = 0; i < x->ncpus; i++) {
		snprintf(label, sizeof(label), "CPU%u", i);
		rd_text(cv, 4, rd_band_mid(i) - FONT_H / 2, label, SIZE_MAX, RD_INK);
	}
	rd_draw_spans(cv, x, RD_TASK);
	rd_draw_spans(cv, x, RD_GUEST);
	rd_draw_spans(cv, x, RD_IRQ);
	rd_draw_arrows(cv, x);
	rd_draw_marks(cv, x);
	rd_draw_end(cv, x, lanes_bottom);
	rd_legend(cv, x, lanes_bottom + 8, true);
}

/* Draw the model into @img (RGB). */
static int rd_image(const struct rd *x, const struct render_opts *o, struct png_image *img,
		    const char *path, char *err, size_t errlen)
{
	struct rd_canvas cv = { 0 };
	SDL_Surface probe = { 0 };
	int lanes_bottom, height;

	cv.from = o->from;
	/* By default to the run's end and a little past it, so its marks stand clear of the edge. */
	cv.to = o->has_to ? o->to : x->end;
	if (!o->has_to && x->end > o->from && x->end - o->from < UINT64_MAX / 2)
		cv.to += (x->end - o->from) / RD_END_PAD;
	if (cv.to <= cv.from) {
		if (o->has_to || o->from) {
			snprintf(err, errlen, "%s: no cycles between %" PRIu64 " and %" PRIu64
				 " (the run ends at cycle %" PRIu64 ")", path, cv.from, cv.to, x->end);
			return -EINVAL;
		}
		cv.to = cv.from + 1;	/* a run that never started: an empty axis */
	}
	cv.plot_l = RD_MARGIN_L;
	cv.plot_r = (int)o->width - RD_MARGIN_R - 1;
	lanes_bottom = rd_lane_y(x->ncpus);
	/* The legend's height, measured on an image of the final width. */
	probe.w = (int)o->width;
	cv.s = &probe;
	height = rd_legend(&cv, x, lanes_bottom + 8, false) + 4;

	cv.s = SDL_CreateRGBSurfaceWithFormat(0, (int)o->width, height, 32, SDL_PIXELFORMAT_RGB888);
	if (!cv.s) {
		snprintf(err, errlen, "%s: cannot make a %ux%d image: %s", path, o->width, height,
			 SDL_GetError());
		return -ENOMEM;
	}
	rd_draw(&cv, x, lanes_bottom);

	img->width = (uint32_t)cv.s->w;
	img->height = (uint32_t)cv.s->h;
	img->rgb = malloc((size_t)img->width * img->height * 3);
	if (!img->rgb) {
		SDL_FreeSurface(cv.s);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	for (int y = 0; y < cv.s->h; y++) {
		const uint32_t *row = (const uint32_t *)((const uint8_t *)cv.s->pixels +
							 (size_t)y * (size_t)cv.s->pitch);
		uint8_t *out = img->rgb + (size_t)y * img->width * 3;

		for (int i = 0; i < cv.s->w; i++)
			SDL_GetRGB(row[i], cv.s->format, &out[3 * i], &out[3 * i + 1],
				   &out[3 * i + 2]);
	}
	SDL_FreeSurface(cv.s);
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

int render_png(const char *trace_path, const char *png_path, const struct render_opts *o,
	       char *err, size_t errlen)
{
	struct rd *x = calloc(1, sizeof(*x));
	struct png_image img = { 0 };
	uint8_t *data = NULL;
	size_t len;
	int ret;

	if (!x || !(x->task = calloc(RD_MAX_TASKS, sizeof(*x->task)))) {
		snprintf(err, errlen, "%s: out of memory", trace_path);
		ret = -ENOMEM;
		goto out_free;
	}
	for (size_t i = 0; i < RD_MAX_TASKS; i++)
		x->task[i].cpu = UINT32_MAX;
	ret = rd_read(x, trace_path, err, errlen);
	if (ret)
		goto out_close;
	ret = rd_image(x, o, &img, trace_path, err, errlen);
	if (ret)
		goto out_close;
	ret = png_encode(&img, &data, &len);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory encoding the PNG", png_path);
		goto out_image;
	}
	ret = rd_write(png_path, data, len, err, errlen);
	free(data);
out_image:
	free(img.rgb);
out_close:
	if (x->tr)
		trace_reader_close(x->tr);
	free(x->spans.v);
	free(x->marks.v);
	free(x->arrows.v);
out_free:
	if (x)
		free(x->task);
	free(x);
	return ret;
}
