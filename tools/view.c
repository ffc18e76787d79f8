// SPDX-License-Identifier: MIT
/*
 * The window of hvsim view (view.h). A thin front end, as TinyEMU's sdl.c
 * is to its machine: the model is timeline.c's, the picture render.c's;
 * this file keeps the view (cycles shown, lanes, markers, the selected
 * event), turns keys and the mouse into changes of it, and shows the
 * surface render.c drew, with a detail panel under it, as a texture.
 */
#include "view.h"

#include <SDL.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"
#include "hvsim/tools.h"
#include "interleave.h"
#include "render.h"
#include "timeline.h"

/* The detail panel under the timeline: this many lines of text. */
#define VIEW_PANEL_LINES	6
#define VIEW_PANEL_H		(VIEW_PANEL_LINES * (FONT_CELL_H + 3) + 8)
/* A line of it: longer than any window is wide. */
#define VIEW_LINE		512
#define VIEW_MIN_HEIGHT		240
#define VIEW_MAX_HEIGHT		900
/* Zoomed in no further than this many cycles across the plot. */
#define VIEW_MIN_SPAN		8
/* A jump re-centres the view when its event lies this close (1/n) to an edge, or outside. */
#define VIEW_EDGE		20
/* How far a step of the keyboard pans (1/n of what is shown) and zooms. */
#define VIEW_PAN_PART		4
#define VIEW_ZOOM		2.0
/* Lanes the digit keys toggle: 1 to 9. */
#define VIEW_DIGIT_LANES	9
/* Waiting for input, at most this long between redraws (ms). */
#define VIEW_WAIT_MS		500

#define VIEW_PANEL_BG		0xf4f4f4
#define VIEW_INK		0x202020
#define VIEW_DIM		0x707070

struct view {
	struct timeline *tl;
	struct render_view rv;
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	SDL_Surface *surf;		/* the window's pixels, drawn by render.c */
	int w, h;			/* the window's size */
	int mouse_x, mouse_y;
	bool mouse_in;			/* the pointer is over the window */
	size_t hover;			/* the event under the pointer, or TL_NONE */
	enum tl_jump jump;		/* the kind n and N jump between */
	unsigned int next_marker;	/* 0: m sets A next, 1: B */
	bool dragging, dragged;		/* a drag is on; it moved (else it is a click) */
	int drag_x;			/* where it started, and the view then */
	uint64_t drag_from, drag_to;
	uint64_t whole_to;		/* the whole run's right edge */
	bool same_binary;		/* the trace's build id is this binary's */
	bool log;			/* say each command on stdout */
	unsigned int shots;		/* pictures saved (p) */
	bool quit, dirty;
};

__attribute__((format(printf, 2, 3)))
static void view_say(const struct view *v, const char *fmt, ...)
{
	va_list ap;

	if (!v->log)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void view_draw(struct view *v);

/* ---- the view: what is shown ---- */

static uint64_t view_span(const struct view *v)
{
	return v->rv.to - v->rv.from;
}

/* Show @span cycles from @from, kept within the run. */
static void view_set(struct view *v, uint64_t from, uint64_t span)
{
	uint64_t max = v->whole_to * 4 + VIEW_MIN_SPAN;

	if (span < VIEW_MIN_SPAN)
		span = VIEW_MIN_SPAN;
	if (span > max)
		span = max;
	if (from > v->whole_to)
		from = v->whole_to;
	v->rv.from = from;
	v->rv.to = from + span;
	v->dirty = true;
}

/* Zoom by @factor (< 1: in) keeping cycle @at where it is on the screen. */
static void view_zoom_at(struct view *v, double factor, uint64_t at)
{
	uint64_t span = view_span(v), nspan = (uint64_t)((double)span * factor);
	double part = span ? (double)(at - v->rv.from) / (double)span : 0.5;
	uint64_t left = (uint64_t)(part * (double)nspan);

	view_set(v, at > left ? at - left : 0, nspan);
	view_say(v, "zoom %s: cycles %" PRIu64 "..%" PRIu64, factor < 1 ? "in" : "out",
		 v->rv.from, v->rv.to);
}

static void view_zoom(struct view *v, double factor)
{
	view_zoom_at(v, factor, v->rv.from + view_span(v) / 2);
}

static void view_pan(struct view *v, int dir)
{
	uint64_t span = view_span(v), step = span / VIEW_PAN_PART ? span / VIEW_PAN_PART : 1;

	if (dir < 0)
		view_set(v, v->rv.from > step ? v->rv.from - step : 0, span);
	else
		view_set(v, v->rv.from + step, span);
	view_say(v, "pan %s: cycles %" PRIu64 "..%" PRIu64, dir < 0 ? "left" : "right",
		 v->rv.from, v->rv.to);
}

static void view_whole(struct view *v)
{
	view_set(v, 0, v->whole_to);
	view_say(v, "whole run: cycles %" PRIu64 "..%" PRIu64, v->rv.from, v->rv.to);
}

/* Select event @i and bring it into view, centred when it was out of it or near an edge. */
static void view_select(struct view *v, size_t i, const char *why)
{
	uint64_t span = view_span(v), at, margin = span / VIEW_EDGE;
	uint32_t cpu;

	if (i == TL_NONE || !timeline_event_place(v->tl, i, &cpu, &at)) {
		view_say(v, "%s: none", why);
		return;
	}
	v->rv.selected = i;
	v->dirty = true;
	if (at < v->rv.from + margin || at > v->rv.to - margin)
		view_set(v, at > span / 2 ? at - span / 2 : 0, span);
	view_say(v, "%s: event %zu (%s, CPU%" PRIu32 ", cycle %" PRIu64 ")", why, i,
		 trace_type_name(v->tl->ev[i].r.type), cpu, at);
}

static void view_jump(struct view *v, int dir)
{
	char why[64];

	snprintf(why, sizeof(why), "%s %s", dir > 0 ? "next" : "previous",
		 timeline_jump_name(v->jump));
	view_select(v, timeline_next(v->tl, v->rv.selected, v->jump, dir, v->rv.lanes), why);
}

static void view_jump_kind(struct view *v, int dir)
{
	v->jump = (enum tl_jump)(((int)v->jump + TL_NR_JUMPS + dir) % TL_NR_JUMPS);
	v->dirty = true;
	view_say(v, "jump kind: %s", timeline_jump_name(v->jump));
}

/* The cycle a marker goes to: under the pointer, else the selected event's, else the middle. */
static uint64_t view_marker_cycle(const struct view *v)
{
	uint64_t at;
	uint32_t cpu;

	if (v->mouse_in && render_cycle_at(&v->rv, v->mouse_x, &at))
		return at;
	if (v->rv.selected != TL_NONE && timeline_event_place(v->tl, v->rv.selected, &cpu, &at))
		return at;
	return v->rv.from + view_span(v) / 2;
}

/* m: A, then B, then A again (and B cleared). */
static void view_marker(struct view *v)
{
	unsigned int k = v->next_marker;

	v->rv.marker[k] = view_marker_cycle(v);
	v->rv.has_marker[k] = true;
	if (k == 0)
		v->rv.has_marker[1] = false;
	v->next_marker = !k;
	v->dirty = true;
	if (k == 0)
		view_say(v, "marker A at %" PRIu64, v->rv.marker[0]);
	else
		view_say(v, "marker B at %" PRIu64 " (B-A %" PRId64 " cycles)", v->rv.marker[1],
			 (int64_t)(v->rv.marker[1] - v->rv.marker[0]));
}

static void view_toggle_lane(struct view *v, unsigned int cpu)
{
	if (cpu >= v->tl->ncpus)
		return;
	v->rv.lanes ^= (uint64_t)1 << cpu;
	v->dirty = true;
	view_say(v, "CPU%u %s", cpu, v->rv.lanes >> cpu & 1 ? "shown" : "hidden");
}

/* p: the window's picture into hvsim-view-N.png in the current folder. */
static void view_save(struct view *v)
{
	char path[64], err[256];

	snprintf(path, sizeof(path), "hvsim-view-%u.png", ++v->shots);
	if (v->dirty)
		view_draw(v);
	if (render_write_png(v->surf, path, err, sizeof(err)))
		fprintf(stderr, "hvsim: view: %s\n", err);
	else
		view_say(v, "saved %s", path);
}

/* ---- input ---- */

static void view_key(struct view *v, const SDL_KeyboardEvent *k)
{
	bool shift = k->keysym.mod & KMOD_SHIFT;
	SDL_Keycode c = k->keysym.sym;

	if (c >= SDLK_1 && c < SDLK_1 + VIEW_DIGIT_LANES) {
		view_toggle_lane(v, (unsigned int)(c - SDLK_1));
		return;
	}
	switch (c) {
	case SDLK_q:
	case SDLK_ESCAPE:
		v->quit = true;
		view_say(v, "quit");
		break;
	case SDLK_PLUS:
	case SDLK_EQUALS:
	case SDLK_KP_PLUS:
		view_zoom(v, 1 / VIEW_ZOOM);
		break;
	case SDLK_MINUS:
	case SDLK_KP_MINUS:
		view_zoom(v, VIEW_ZOOM);
		break;
	case SDLK_LEFT:
	case SDLK_h:
		view_pan(v, -1);
		break;
	case SDLK_RIGHT:
	case SDLK_l:
		view_pan(v, 1);
		break;
	case SDLK_HOME:
	case SDLK_0:
		view_whole(v);
		break;
	case SDLK_k:
		view_jump_kind(v, shift ? -1 : 1);
		break;
	case SDLK_n:
		view_jump(v, shift ? -1 : 1);
		break;
	case SDLK_f:
		view_select(v, timeline_failure(v->tl), "failure");
		break;
	case SDLK_m:
		view_marker(v);
		break;
	case SDLK_p:
		view_save(v);
		break;
	}
}

static void view_motion(struct view *v, int x, int y)
{
	size_t hover;

	v->mouse_x = x;
	v->mouse_y = y;
	v->mouse_in = true;
	if (v->dragging) {
		int l, r;
		uint64_t span = v->drag_to - v->drag_from;
		double cycles;
		int64_t shift;

		render_plot(&v->rv, &l, &r);
		cycles = (double)(x - v->drag_x) * (double)span / (double)(r - l);
		shift = (int64_t)cycles;
		if (shift)
			v->dragged = true;
		if (shift > 0 && (uint64_t)shift > v->drag_from)
			shift = (int64_t)v->drag_from;
		view_set(v, v->drag_from - (uint64_t)shift, span);
	}
	hover = render_event_at(v->tl, &v->rv, x, y);
	if (hover != v->hover) {
		v->hover = hover;
		v->dirty = true;
	}
	v->rv.cursor_x = x;
	v->dirty = true;
}

static void view_button(struct view *v, const SDL_MouseButtonEvent *b)
{
	if (b->button != SDL_BUTTON_LEFT)
		return;
	if (b->type == SDL_MOUSEBUTTONDOWN) {
		v->dragging = true;
		v->dragged = false;
		v->drag_x = b->x;
		v->drag_from = v->rv.from;
		v->drag_to = v->rv.to;
		return;
	}
	v->dragging = false;
	if (v->dragged) {
		view_say(v, "drag: cycles %" PRIu64 "..%" PRIu64, v->rv.from, v->rv.to);
		return;
	}
	/* A click: the event under it is selected (or nothing, off every event). */
	v->rv.selected = render_event_at(v->tl, &v->rv, b->x, b->y);
	v->dirty = true;
	view_say(v, "click: event %s", v->rv.selected == TL_NONE ? "none" : "selected");
}

static void view_wheel(struct view *v, const SDL_MouseWheelEvent *w)
{
	uint64_t at;

	if (!w->y)
		return;
	if (!render_cycle_at(&v->rv, v->mouse_x, &at))
		at = v->rv.from + view_span(v) / 2;
	view_zoom_at(v, w->y > 0 ? 1 / VIEW_ZOOM : VIEW_ZOOM, at);
}

static int view_resize(struct view *v, int w, int h, char *err, size_t errlen);

static void view_window_event(struct view *v, const SDL_WindowEvent *w)
{
	char err[256];

	switch (w->event) {
	case SDL_WINDOWEVENT_SIZE_CHANGED:
		if (view_resize(v, w->data1, w->data2, err, sizeof(err)))
			fprintf(stderr, "hvsim: view: %s\n", err);
		break;
	case SDL_WINDOWEVENT_LEAVE:
		v->mouse_in = false;
		v->rv.cursor_x = -1;
		v->hover = TL_NONE;
		v->dirty = true;
		break;
	case SDL_WINDOWEVENT_EXPOSED:
		v->dirty = true;
		break;
	case SDL_WINDOWEVENT_CLOSE:
		v->quit = true;
		break;
	}
}

static void view_event(struct view *v, const SDL_Event *e)
{
	switch (e->type) {
	case SDL_QUIT:
		v->quit = true;
		break;
	case SDL_KEYDOWN:
		view_key(v, &e->key);
		break;
	case SDL_MOUSEMOTION:
		view_motion(v, e->motion.x, e->motion.y);
		break;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP:
		view_button(v, &e->button);
		break;
	case SDL_MOUSEWHEEL:
		view_wheel(v, &e->wheel);
		break;
	case SDL_WINDOWEVENT:
		view_window_event(v, &e->window);
		break;
	}
}

/* ---- the detail panel ---- */

/* What record @r is, in a few words. */
static void view_what(const struct view *v, const struct trace_event *r, char *buf, size_t len)
{
	const char *s = timeline_string(v->tl, r->str);

	switch (r->type) {
	case TR_ACCESS:
		if (r->kind == SIM_KCALL && s)
			snprintf(buf, len, "kernel call %s", s);
		else
			snprintf(buf, len, "%s of %u bytes", sim_kind_name(r->kind), r->size);
		break;
	case TR_SWITCH:
		snprintf(buf, len, "switch to CPU%u task %u%s", r->to_cpu, r->to_task,
			 r->preempt ? " (preemption)" : "");
		break;
	case TR_WAKE:
		snprintf(buf, len, "wakes task %u", r->to_task);
		break;
	case TR_DECISION:
		snprintf(buf, len, "choice %s: answer %u of %u", interleave_choice_name(r->kind),
			 r->value, r->n);
		break;
	case TR_IRQ:
		snprintf(buf, len, "interrupt %s", r->kind ? "entry" : "exit");
		break;
	case TR_VMX:
		if (r->kind == TR_VMX_ENTRY)
			snprintf(buf, len, "VM entry");
		else if (r->kind == TR_VMX_EXIT)
			snprintf(buf, len, "VM exit %s (%#x)%s%s",
				 vmx_exit_reason_name(r->value & 0xffff) ?: "?", r->value,
				 s ? ", check " : "", s ? s : "");
		else
			snprintf(buf, len, "VM entry failed: error %u%s%s", r->value,
				 s ? ", check " : "", s ? s : "");
		break;
	case TR_IPI:
		if (r->kind)
			snprintf(buf, len, "NMI to CPU%u", r->to_cpu);
		else
			snprintf(buf, len, "IPI to CPU%u, vector %#x", r->to_cpu, r->value);
		break;
	case TR_POINT:
		snprintf(buf, len, "tracepoint %s(%#" PRIx64 ", %#" PRIx64 ")", s ? s : "?",
			 r->args[0], r->args[1]);
		break;
	case TR_LOCK:
		snprintf(buf, len, "%s %s %s", trace_lock_kind_name(r->kind),
			 trace_lock_type_name(r->value), s ? s : "?");
		break;
	case TR_CPUHP:
		snprintf(buf, len, "CPU%u %s", r->to_cpu, trace_cpu_state_name(r->value));
		break;
	case TR_REPORT:
		snprintf(buf, len, "%s report", trace_report_kind_name(r->kind));
		break;
	case TR_MARK:
		snprintf(buf, len, "marks the %s of step %" PRIu64 " on CPU%u, task %u: %s",
			 trace_mark_kind_name(r->kind), r->args[0], r->to_cpu, r->to_task,
			 s ? s : "");
		break;
	case TR_WINDOW:
		snprintf(buf, len, "window: %" PRIu64 " cycles earlier, %" PRIu64 " later (to CPU%u)",
			 r->args[2], r->args[3], r->to_cpu);
		break;
	case TR_LOG:
		snprintf(buf, len, "log line");
		break;
	case TR_PARK:
		snprintf(buf, len, "parks until a write to what it spins on");
		break;
	case TR_END:
		snprintf(buf, len, "end of the run: %s", sim_outcome_name((enum sim_outcome)r->kind));
		break;
	default:
		snprintf(buf, len, "%s", trace_type_name(r->type));
		break;
	}
}

/* The text a record carries (a log line, a report's title), or "". */
static const char *view_text(const struct view *v, const struct trace_event *r)
{
	const char *s = timeline_string(v->tl, r->str);

	if (r->type == TR_LOG || r->type == TR_REPORT || r->type == TR_END)
		return s ? s : "";
	return "";
}

static void view_pc_line(const struct view *v, const struct trace_event *r, char *buf,
			 size_t len)
{
	char sym[256];

	if (!r->pc) {
		buf[0] = '\0';
		return;
	}
	if (v->same_binary && trace_sym_pc(r->pc, sym, sizeof(sym)))
		snprintf(buf, len, "pc %#" PRIx64 "  %s", r->pc, sym);
	else
		snprintf(buf, len, "pc %#" PRIx64 "%s", r->pc,
			 v->same_binary ? "" : "  (not symbolized: the trace's binary differs)");
}

static void view_addr_line(const struct view *v, const struct trace_event *r, char *buf,
			   size_t len)
{
	char sym[256] = "";
	int n;

	if ((r->type != TR_ACCESS && r->type != TR_LOCK && r->type != TR_MARK) ||
	    r->region == TR_REGION_NONE) {
		buf[0] = '\0';
		return;
	}
	if (v->same_binary)
		trace_sym_addr(r->region, r->offset, sym, sizeof(sym));
	n = snprintf(buf, len, "address %s+%#" PRIx64 "%s%s", trace_region_name(r->region),
		     r->offset, sym[0] ? ": " : "", sym);
	if (n < 0 || (size_t)n >= len)
		return;
	if (r->type == TR_ACCESS && r->kind != SIM_KCALL)
		snprintf(buf + n, len - (size_t)n, "  size %u  value %#" PRIx64 " -> %#" PRIx64,
			 r->size, r->old_val, r->new_val);
	else if (r->type == TR_MARK)
		snprintf(buf + n, len - (size_t)n, "  size %u", r->size);
}

/* Event @i in four lines. */
static void view_detail(const struct view *v, size_t i, char (*lines)[VIEW_LINE])
{
	const struct tl_event *e = &v->tl->ev[i];
	char task[96], what[160];

	view_what(v, &e->r, what, sizeof(what));
	timeline_task_label(v->tl, e->r.task, task, sizeof(task));
	snprintf(lines[0], VIEW_LINE, "#%zu  step %" PRIu64 "  CPU%u  cycle %" PRIu64 "  %s  %s: %s", i,
		 e->r.step, e->r.cpu, e->at, task, trace_type_name(e->r.type), what);
	view_pc_line(v, &e->r, lines[1], VIEW_LINE);
	view_addr_line(v, &e->r, lines[2], VIEW_LINE);
	snprintf(lines[3], VIEW_LINE, "%.*s", (int)strcspn(view_text(v, &e->r), "\n"),
		 view_text(v, &e->r));
}

/* The panel's first two lines: the view and the commands. */
static void view_status(const struct view *v, char *a, char *b, size_t len)
{
	char markers[96] = "markers: m";
	char hidden[64] = "";
	size_t n = 0;

	if (v->rv.has_marker[0] && v->rv.has_marker[1])
		snprintf(markers, sizeof(markers), "A %" PRIu64 "  B %" PRIu64 "  B-A %" PRId64
			 " cycles", v->rv.marker[0], v->rv.marker[1],
			 (int64_t)(v->rv.marker[1] - v->rv.marker[0]));
	else if (v->rv.has_marker[0])
		snprintf(markers, sizeof(markers), "A %" PRIu64 "  (m again: B)", v->rv.marker[0]);
	for (unsigned int c = 0; c < v->tl->ncpus && n + 8 < sizeof(hidden); c++)
		if (!(v->rv.lanes >> c & 1))
			n += (size_t)snprintf(hidden + n, sizeof(hidden) - n, " CPU%u", c);
	snprintf(a, len, "cycles %" PRIu64 "..%" PRIu64 "   jump: %s (k)   %s   %s%s   %s",
		 v->rv.from, v->rv.to, timeline_jump_name(v->jump), markers,
		 hidden[0] ? "hidden:" : "", hidden,
		 v->same_binary ? "symbols: this binary's" :
				  "symbols: none, the trace is another binary's");
	snprintf(b, len, "keys: +/- zoom  arrows or h/l pan  0 whole  n/N next/previous  "
		 "k kind  f failure  m marker  1-9 lanes  p picture  q quit   mouse: wheel zoom, drag pan, "
		 "click select");
}

static void view_draw_panel(struct view *v)
{
	char lines[VIEW_PANEL_LINES][VIEW_LINE];
	size_t i = v->hover != TL_NONE ? v->hover : v->rv.selected;
	int y = v->h - VIEW_PANEL_H;
	SDL_Rect r = { 0, y, v->w, VIEW_PANEL_H };

	SDL_FillRect(v->surf, &r, SDL_MapRGB(v->surf->format, (uint8_t)(VIEW_PANEL_BG >> 16),
					     (uint8_t)(VIEW_PANEL_BG >> 8), (uint8_t)VIEW_PANEL_BG));
	view_status(v, lines[0], lines[1], sizeof(lines[0]));
	if (i != TL_NONE && i < v->tl->nev)
		view_detail(v, i, &lines[2]);
	else
		for (int k = 2; k < VIEW_PANEL_LINES; k++)
			snprintf(lines[k], sizeof(lines[k]), "%s",
				 k == 2 ? "(no event under the pointer: move over a lane)" : "");
	for (int k = 0; k < VIEW_PANEL_LINES; k++)
		render_text(v->surf, 6, y + 6 + k * (FONT_CELL_H + 3), lines[k],
			    k < 2 ? VIEW_DIM : VIEW_INK);
}

/* ---- the window ---- */

static void view_draw(struct view *v)
{
	v->rv.width = (unsigned int)v->w;
	render_draw(v->surf, v->tl, &v->rv);
	view_draw_panel(v);
	SDL_UpdateTexture(v->tex, NULL, v->surf->pixels, v->surf->pitch);
	SDL_RenderClear(v->ren);
	SDL_RenderCopy(v->ren, v->tex, NULL, NULL);
	SDL_RenderPresent(v->ren);
	v->dirty = false;
}

/* A surface and a texture of the window's new size. */
static int view_resize(struct view *v, int w, int h, char *err, size_t errlen)
{
	SDL_Surface *s;
	SDL_Texture *t;

	if (w < RENDER_MIN_WIDTH)
		w = RENDER_MIN_WIDTH;
	if (h < VIEW_MIN_HEIGHT)
		h = VIEW_MIN_HEIGHT;
	s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_RGB888);
	t = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, w, h);
	if (!s || !t) {
		snprintf(err, errlen, "cannot make a %dx%d picture: %s", w, h, SDL_GetError());
		SDL_FreeSurface(s);
		if (t)
			SDL_DestroyTexture(t);
		return -ENOMEM;
	}
	SDL_FreeSurface(v->surf);
	if (v->tex)
		SDL_DestroyTexture(v->tex);
	v->surf = s;
	v->tex = t;
	v->w = w;
	v->h = h;
	v->dirty = true;
	return 0;
}

/* A non-empty environment variable @name. */
static bool view_env(const char *name)
{
	const char *s = getenv(name);

	return s && *s;
}

/*
 * The display to open the window on: X11 where DISPLAY names one, else
 * Wayland where WAYLAND_DISPLAY does, else (SDL_VIDEODRIVER unset) none.
 * Left to itself SDL would fall back on a driver that shows nothing
 * (offscreen) and the window would wait for keys no one can press.
 */
static int view_pick_driver(char *err, size_t errlen)
{
	if (view_env("SDL_VIDEODRIVER"))
		return 0;
	if (view_env("DISPLAY"))
		SDL_SetHint(SDL_HINT_VIDEODRIVER, "x11");
	else if (view_env("WAYLAND_DISPLAY"))
		SDL_SetHint(SDL_HINT_VIDEODRIVER, "wayland");
	else {
		snprintf(err, errlen, "no display to open a window on (DISPLAY and WAYLAND_DISPLAY "
			 "are unset; hvsim render draws a PNG without one)");
		return -ENODEV;
	}
	return 0;
}

static int view_open_window(struct view *v, unsigned int width, const char *path, char *err,
			    size_t errlen)
{
	int h, ret;
	char title[256];

	ret = view_pick_driver(err, errlen);
	if (ret)
		return ret;
	if (SDL_Init(SDL_INIT_VIDEO)) {
		snprintf(err, errlen, "no display to open a window on (SDL: %s)", SDL_GetError());
		return -ENODEV;
	}
	v->rv.width = width;
	h = render_height(v->tl, &v->rv) + VIEW_PANEL_H;
	h = h < VIEW_MIN_HEIGHT ? VIEW_MIN_HEIGHT : h > VIEW_MAX_HEIGHT ? VIEW_MAX_HEIGHT : h;
	snprintf(title, sizeof(title), "hvsim view: %s", path);
	v->win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				  (int)width, h, SDL_WINDOW_RESIZABLE);
	if (v->win)
		v->ren = SDL_CreateRenderer(v->win, -1, 0);
	if (v->win && !v->ren)
		v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE);
	if (!v->win || !v->ren) {
		snprintf(err, errlen, "cannot open a window: %s", SDL_GetError());
		return -ENODEV;
	}
	return view_resize(v, (int)width, h, err, errlen);
}

static void view_close_window(struct view *v)
{
	if (v->tex)
		SDL_DestroyTexture(v->tex);
	SDL_FreeSurface(v->surf);
	if (v->ren)
		SDL_DestroyRenderer(v->ren);
	if (v->win)
		SDL_DestroyWindow(v->win);
	SDL_Quit();
}

static void view_loop(struct view *v)
{
	SDL_Event e;

	view_say(v, "ready: %zu events on %u CPUs, cycles %" PRIu64 "..%" PRIu64, v->tl->nev,
		 v->tl->ncpus, v->rv.from, v->rv.to);
	while (!v->quit) {
		if (v->dirty)
			view_draw(v);
		if (!SDL_WaitEventTimeout(&e, VIEW_WAIT_MS))
			continue;
		view_event(v, &e);
		while (!v->quit && SDL_PollEvent(&e))
			view_event(v, &e);
	}
}

int view_run(const char *trace_path, const struct view_opts *o, char *err, size_t errlen)
{
	struct view v = { .hover = TL_NONE, .log = o->log, .dirty = true };
	const struct trace_header *h;
	int ret;

	ret = timeline_open_file(&v.tl, trace_path, err, errlen);
	if (ret)
		return ret;
	render_view_whole(&v.rv, v.tl, o->width);
	v.rv.legend = true;
	v.whole_to = v.rv.to;
	h = v.tl->hdr;
	v.same_binary = trace_sym_same_binary(h->build_id, h->build_id_len);
	ret = view_open_window(&v, o->width, trace_path, err, errlen);
	if (!ret)
		view_loop(&v);
	view_close_window(&v);
	timeline_free(v.tl);
	return ret;
}
