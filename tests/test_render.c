// SPDX-License-Identifier: MIT
/*
 * hvsim render as a user runs it: committed trace fixtures (tests/golden/,
 * made once from real runs: step counts and pcs differ between builds, so
 * a fresh run would not draw the same picture) rendered and compared pixel
 * by pixel with the expected images beside them; the same trace gives the
 * same bytes; bad traces and bad arguments exit 2 with one line and leave
 * no PNG behind.
 *
 * To change the expected images deliberately (the drawing changed), run
 *   HVSIM_UPDATE_GOLDEN=1 build/gcc/tests/test_render --filter 'render/golden*'
 * and look at the new PNGs in tests/golden/ before committing them.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <SDL.h>

#include "clirun.h"
#include "png.h"
#include "render.h"
#include "synth.h"
#include "timeline.h"

#ifndef HVSIM_BIN
#error "HVSIM_BIN must name the hvsim binary"
#endif
#ifndef HVSIM_SOURCE_DIR
#error "HVSIM_SOURCE_DIR must name the source tree"
#endif

#define GOLDEN		HVSIM_SOURCE_DIR "/tests/golden/"
/* A channel may differ by this much (a rounding), and this share of pixels by more. */
#define CHANNEL_SLACK	8
#define PIXELS_SLACK	1000	/* one in PIXELS_SLACK */

#define HVSIM(...) cli_run(HVSIM_BIN, (const char *const[]){ __VA_ARGS__, NULL })

static void spill(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/*
 * Compare the image in file @out with the expected image @png (and remove
 * @out when they match); with HVSIM_UPDATE_GOLDEN set, write @png first.
 */
static void golden_check(const char *out, const char *png)
{
	struct png_image got, want;
	char err[256];
	size_t differ = 0, len;
	uint8_t *bytes;

	bytes = synth_slurp(out, &len);
	cr_expect_lt(len, 64 * 1024, "%s is %zu bytes", out, len);
	if (getenv("HVSIM_UPDATE_GOLDEN")) {
		spill(png, bytes, len);
		cr_log_warn("wrote %s", png);
	}
	cr_assert_eq(png_decode(bytes, len, &got, err, sizeof(err)), 0, "%s: %s", out, err);
	free(bytes);
	cr_assert_eq(png_read_file(png, &want, err, sizeof(err)), 0, "%s", err);
	cr_assert(got.width == want.width && got.height == want.height,
		  "%s is %ux%u, %s %ux%u", out, got.width, got.height, png, want.width,
		  want.height);
	for (size_t i = 0; i < (size_t)got.width * got.height; i++) {
		for (int c = 0; c < 3; c++) {
			if (abs(got.rgb[3 * i + c] - want.rgb[3 * i + c]) > CHANNEL_SLACK) {
				differ++;
				break;
			}
		}
	}
	cr_expect_leq(differ, (size_t)got.width * got.height / PIXELS_SLACK,
		      "%zu pixels of %s differ from %s (kept for a look)", differ, out, png);
	if (differ <= (size_t)got.width * got.height / PIXELS_SLACK)
		unlink(out);
	free(got.rgb);
	free(want.rgb);
}

/*
 * Render the fixture @trace with @args (up to four, NULL-terminated) and
 * compare with the expected image @png; with HVSIM_UPDATE_GOLDEN set,
 * write @png instead.
 */
static void golden(const char *trace, const char *png, const char *const *args)
{
	const char *argv[16] = { "render", trace, "-o" };
	char out[64];
	struct cli_run r;
	int n = 4;

	cli_tmp_path(out, sizeof(out), ".png");
	argv[3] = out;
	for (int i = 0; args[i]; i++)
		argv[n++] = args[i];
	r = cli_run(HVSIM_BIN, argv);
	cr_assert_eq(r.status, 0, "render %s: exit %d: %s", trace, r.status, r.err);
	golden_check(out, png);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__ NULL })

/*
 * The hot-add scenario's failing run: three CPUs, IPIs, wake-ups, the
 * hotplug lock held, CPU2's hotplug states, the fault's report and site,
 * the decisive preemption and its window.
 */
Test(render, golden_hotplug_whole_run, .timeout = 60)
{
	golden(GOLDEN "hotplug-no-lock.trace", GOLDEN "hotplug-no-lock.png", ARGS());
}

/* Its start, cropped: the switches and arrows before the hot-add, at another width. */
Test(render, golden_hotplug_cropped, .timeout = 60)
{
	golden(GOLDEN "hotplug-no-lock.trace", GOLDEN "hotplug-no-lock-start.png",
	       ARGS("--from", "5000", "--to", "11300", "--width", "1000", ));
}

/*
 * Seed 003's data race (kick-vcpu-cpu.scn, pre-fix, from hvsim explore
 * --trace): locks held, guest mode, the report and its two marked
 * accesses, whole and around the race.
 */
Test(render, golden_kick_race, .timeout = 60)
{
	golden(GOLDEN "kick-vcpu-cpu-pre-fix.trace", GOLDEN "kick-vcpu-cpu-pre-fix.png", ARGS());
	golden(GOLDEN "kick-vcpu-cpu-pre-fix.trace", GOLDEN "kick-vcpu-cpu-pre-fix-race.png",
	       ARGS("--from", "44000", "--to", "47500", "--width", "1400", ));
}

/* The lost-update example: two CPUs, two tasks (a trace from before the cpuhp and lock records). */
Test(render, golden_lost_update, .timeout = 60)
{
	golden(GOLDEN "lost-update.trace", GOLDEN "lost-update.png", ARGS("--width", "800", ));
}

/*
 * The made-up trace of tests/synth.c: locks held, spinning, a parked task,
 * hotplug states, a request and a kick, a race's two accesses marked, the
 * decisive preemption and its window. Written afresh: it is the test's.
 */
Test(render, golden_synthetic_race, .timeout = 60)
{
	char trace[64];

	cli_tmp_path(trace, sizeof(trace), ".trace");
	synth_write(trace);
	golden(trace, GOLDEN "synthetic-race.png", ARGS("--width", "1000", ));
	unlink(trace);
}

/*
 * The same as the window draws it (render_draw() into a surface): CPU2
 * hidden, markers A and B with their distance, the failure selected, the
 * pointer's line, no legend.
 */
Test(render, golden_synthetic_view, .timeout = 60)
{
	struct render_view v;
	struct timeline *tl;
	SDL_Surface *s;
	char out[64], err[256];
	uint8_t *data;
	size_t len;
	int all;

	data = synth_trace(&len);
	cr_assert_eq(timeline_open_mem(&tl, data, len, "synth", err, sizeof(err)), 0, "%s", err);
	render_view_whole(&v, tl, 800);
	v.legend = false;
	all = render_height(tl, &v);
	v.lanes &= ~(uint64_t)4;
	cr_expect_lt(render_height(tl, &v), all, "CPU2 hidden, yet as high");
	v.has_marker[0] = v.has_marker[1] = true;
	v.marker[0] = 40;
	v.marker[1] = 80;
	v.selected = timeline_failure(tl);
	v.cursor_x = 400;
	s = SDL_CreateRGBSurfaceWithFormat(0, 800, render_height(tl, &v), 32,
					   SDL_PIXELFORMAT_RGB888);
	cr_assert_not_null(s);
	render_draw(s, tl, &v);
	cli_tmp_path(out, sizeof(out), ".png");
	cr_assert_eq(render_write_png(s, out, err, sizeof(err)), 0, "%s", err);
	golden_check(out, GOLDEN "synthetic-view.png");
	/* What the window's pointer finds: the marked write, on CPU0 at cycle 40. */
	{
		int l, r;
		size_t i;

		render_plot(&v, &l, &r);
		i = render_event_at(tl, &v, l + (int)((r - l) * 40 / v.to), 45);
		cr_assert_neq(i, TL_NONE);
		cr_expect_eq(tl->ev[i].r.step, SYNTH_WRITE_STEP);
		cr_expect_eq(render_lane_at(tl, &v, 45), 0);
		cr_expect_eq(render_lane_at(tl, &v, all / 2), 1, "CPU2 hidden: CPU1 second");
	}
	SDL_FreeSurface(s);
	timeline_free(tl);
	free(data);
}

Test(render, same_trace_same_bytes, .timeout = 60)
{
	char a[64], b[64];
	uint8_t *x, *y;
	size_t nx, ny;
	struct cli_run r;

	cli_tmp_path(a, sizeof(a), ".png");
	cli_tmp_path(b, sizeof(b), ".png");
	r = HVSIM("render", GOLDEN "hotplug-no-lock.trace", "-o", a);
	cr_assert_eq(r.status, 0, "%s", r.err);
	r = HVSIM("render", GOLDEN "hotplug-no-lock.trace", "-o", b);
	cr_assert_eq(r.status, 0, "%s", r.err);
	x = synth_slurp(a, &nx);
	y = synth_slurp(b, &ny);
	cr_expect(nx == ny && !memcmp(x, y, nx), "two renders differ: %s %s", a, b);
	free(x);
	free(y);
	unlink(a);
	unlink(b);
}

Test(render, truncated_trace_exits_2_with_one_line, .timeout = 60)
{
	char cut[64], png[64];
	uint8_t *buf;
	size_t n;
	struct cli_run r;

	buf = synth_slurp(GOLDEN "hotplug-no-lock.trace", &n);
	cli_tmp_path(cut, sizeof(cut), ".trace");
	spill(cut, buf, n * 2 / 3);
	cli_tmp_path(png, sizeof(png), ".png");
	r = HVSIM("render", cut, "-o", png);
	cli_expect_one_line_error(&r, cut);
	cr_expect(strstr(r.err, "byte ") != NULL, "no offset in: %s", r.err);
	cr_expect_neq(access(png, F_OK), 0, "a bad trace left %s behind", png);
	/* Cut inside the header too. */
	spill(cut, buf, 12);
	r = HVSIM("render", cut, "-o", png);
	cli_expect_one_line_error(&r, cut);
	cr_expect_neq(access(png, F_OK), 0, "a bad trace left %s behind", png);
	free(buf);
	unlink(cut);
}

Test(render, missing_file_and_bad_arguments_exit_2, .timeout = 30)
{
	const char *never = "/tmp/hvsim-render-never.png";
	struct cli_run r;

	unlink(never);
	r = HVSIM("render", "/nonexistent/x.trace", "-o", never);
	cli_expect_one_line_error(&r, "/nonexistent/x.trace");
	r = HVSIM("render");
	cli_expect_one_line_error(&r, "usage: hvsim render TRACE -o FILE.png");
	r = HVSIM("render", "x.trace");
	cli_expect_one_line_error(&r, "usage:");
	r = HVSIM("render", "x.trace", "-o");
	cli_expect_one_line_error(&r, "usage:");
	r = HVSIM("render", "a.trace", "b.trace", "-o", never);
	cli_expect_one_line_error(&r, "usage:");
	r = HVSIM("render", "x.trace", "-o", never, "--width", "10");
	cli_expect_one_line_error(&r, "--width");
	r = HVSIM("render", "x.trace", "-o", never, "--from", "-5");
	cli_expect_one_line_error(&r, "--from");
	r = HVSIM("render", "x.trace", "-o", never, "--from", "100", "--to", "100");
	cli_expect_one_line_error(&r, "--to");
	/* A range after the run's end: nothing to draw. */
	r = HVSIM("render", GOLDEN "lost-update.trace", "-o", never, "--from", "1000000");
	cli_expect_one_line_error(&r, "lost-update.trace");
	/* An output that cannot be written. */
	r = HVSIM("render", GOLDEN "lost-update.trace", "-o", "/nonexistent/dir/x.png");
	cli_expect_one_line_error(&r, "/nonexistent/dir/x.png");
	cr_expect_neq(access(never, F_OK), 0, "%s was written", never);
}

/* Every cut of a small trace, and bytes flipped: rendered, or refused with one line. */
Test(render, damaged_traces_never_crash, .timeout = 120)
{
	char bad[64], png[64];
	uint8_t *buf;
	size_t n;

	buf = synth_slurp(GOLDEN "lost-update.trace", &n);
	cli_tmp_path(bad, sizeof(bad), ".trace");
	cli_tmp_path(png, sizeof(png), ".png");
	for (size_t i = 0; i < n; i += 7) {
		struct cli_run r;

		spill(bad, buf, i);
		r = HVSIM("render", bad, "-o", png);
		cr_expect(r.status == 0 || r.status == 2, "cut at %zu: exit %d", i, r.status);
		if (r.status)
			cli_expect_one_line_error(&r, bad);
		buf[i] ^= 0xff;
		spill(bad, buf, n);
		r = HVSIM("render", bad, "-o", png);
		cr_expect(r.status == 0 || r.status == 2, "byte %zu flipped: exit %d", i,
			  r.status);
		if (r.status)
			cli_expect_one_line_error(&r, bad);
		buf[i] ^= 0xff;
	}
	free(buf);
	unlink(bad);
	unlink(png);
}

/* hvsim view without a display: one line saying so, exit 2, before any window. */
Test(render, view_without_a_display_exits_2, .timeout = 30)
{
	struct cli_run r;

	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("SDL_VIDEODRIVER");
	r = HVSIM("view", GOLDEN "lost-update.trace");
	cli_expect_one_line_error(&r, "no display");
	/* A bad trace is named first, display or not. */
	r = HVSIM("view", "/nonexistent/x.trace");
	cli_expect_one_line_error(&r, "/nonexistent/x.trace");
	r = HVSIM("view");
	cli_expect_one_line_error(&r, "usage: hvsim view TRACE");
	r = HVSIM("view", "a.trace", "--width", "10");
	cli_expect_one_line_error(&r, "--width");
}

/*
 * The trace fuzzer's corpus, whole, cut short and with bytes flipped:
 * rendered, or refused with one line, never a crash.
 */
Test(render, fuzz_corpus_never_crashes, .timeout = 120)
{
	char png[64], bad[64];

	cli_tmp_path(png, sizeof(png), ".png");
	cli_tmp_path(bad, sizeof(bad), ".trace");
	cr_expect_gt(cli_corpus_check(HVSIM_BIN, HVSIM_SOURCE_DIR "/fuzz/corpus/trace",
				      (const char *const[]){ "render", "@", "-o", png, NULL }, bad, NULL),
		     0, "an empty corpus");
	unlink(png);
}

/*
 * The window on the same corpus, without a display: every trace is read
 * (a bad one refused, naming it) before the window is asked for, and then
 * refused for want of a display, with one line. A cut trace must not get
 * that far.
 */
Test(render, view_reads_the_fuzz_corpus_before_the_display, .timeout = 120)
{
	char bad[64];

	unsetenv("DISPLAY");
	unsetenv("WAYLAND_DISPLAY");
	unsetenv("SDL_VIDEODRIVER");
	cli_tmp_path(bad, sizeof(bad), ".trace");
	cr_expect_gt(cli_corpus_check(HVSIM_BIN, HVSIM_SOURCE_DIR "/fuzz/corpus/trace",
				      (const char *const[]){ "view", "@", NULL }, bad, "no display"),
		     0, "an empty corpus");
}
