// SPDX-License-Identifier: MIT
/*
 * The timeline model (tools/timeline.c) on a made-up trace with every
 * record it cuts (tests/synth.c says what happens when): the spans, flows,
 * marks and window it finds there; jumps; and damaged traces, the trace
 * fuzzer's corpus among them, read or refused with a message, never a
 * crash. And the names the viewer gives a trace's pcs and addresses
 * (include/hvsim/tools.h), on this binary's own code and data.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/buildid.h"
#include "hvsim/tools.h"
#include "synth.h"
#include "timeline.h"

#ifndef HVSIM_SOURCE_DIR
#error "HVSIM_SOURCE_DIR must name the source tree"
#endif

#define CORPUS		HVSIM_SOURCE_DIR "/fuzz/corpus/trace"
#define ALL_LANES	UINT64_MAX

static struct timeline *synth_open(void)
{
	struct timeline *tl;
	char err[256];
	size_t len;
	uint8_t *data = synth_trace(&len);

	cr_assert_eq(timeline_open_mem(&tl, data, len, "synth.trace", err, sizeof(err)), 0, "%s",
		     err);
	free(data);
	return tl;
}

/* The span of @kind on @cpu that starts at @start, or NULL. */
static const struct tl_span *span_at(const struct timeline *tl, enum tl_span_kind kind,
				     uint32_t cpu, uint64_t start)
{
	for (size_t i = 0; i < tl->nspan; i++)
		if (tl->span[i].kind == kind && tl->span[i].cpu == cpu &&
		    tl->span[i].start == start)
			return &tl->span[i];
	return NULL;
}

static void expect_span(const struct timeline *tl, enum tl_span_kind kind, uint32_t cpu,
			uint64_t start, uint64_t end)
{
	const struct tl_span *s = span_at(tl, kind, cpu, start);

	cr_assert_not_null(s, "no span of kind %d on CPU%u from %llu", kind, cpu,
			   (unsigned long long)start);
	cr_expect_eq(s->end, end, "kind %d on CPU%u from %llu ends at %llu, not %llu", kind, cpu,
		     (unsigned long long)start, (unsigned long long)s->end,
		     (unsigned long long)end);
}

/* The flow of @kind from the event at cycle @from on @cpu, or NULL. */
static const struct tl_flow *flow_from(const struct timeline *tl, enum tl_flow_kind kind,
				       uint32_t cpu, uint64_t from)
{
	for (size_t i = 0; i < tl->nflow; i++) {
		const struct tl_event *a = &tl->ev[tl->flow[i].from_ev];

		if (tl->flow[i].kind == kind && a->r.cpu == cpu && a->at == from)
			return &tl->flow[i];
	}
	return NULL;
}

static void expect_flow(const struct timeline *tl, enum tl_flow_kind kind, uint32_t from_cpu,
			uint64_t from, uint32_t to_cpu, uint64_t to)
{
	const struct tl_flow *f = flow_from(tl, kind, from_cpu, from);

	cr_assert_not_null(f, "no flow of kind %d from CPU%u at %llu", kind, from_cpu,
			   (unsigned long long)from);
	cr_expect_eq(tl->ev[f->to_ev].r.cpu, to_cpu);
	cr_expect_eq(tl->ev[f->to_ev].at, to, "flow %d from %llu lands at %llu, not %llu", kind,
		     (unsigned long long)from, (unsigned long long)tl->ev[f->to_ev].at,
		     (unsigned long long)to);
}

Test(timeline, tasks_guest_and_interrupts)
{
	struct timeline *tl = synth_open();

	cr_expect_eq(tl->ncpus, 3);
	cr_expect_eq(tl->end, 240);
	cr_expect_eq(tl->cpu[1].mhz, 2000);
	cr_expect(tl->cpu[1].mhz_from_trace);
	/* vcpu-a from the hotplug states it set at 0 to its switch away after the park. */
	expect_span(tl, TL_SPAN_TASK, 0, 0, 161);
	expect_span(tl, TL_SPAN_TASK, 0, 170, 225);
	expect_span(tl, TL_SPAN_TASK, 0, 230, 230);
	expect_span(tl, TL_SPAN_TASK, 1, 35, 240);
	expect_span(tl, TL_SPAN_TASK, 2, 200, 210);
	expect_span(tl, TL_SPAN_GUEST, 1, 95, 120);
	cr_expect(span_at(tl, TL_SPAN_GUEST, 1, 95)->has_exit);
	cr_expect_eq(span_at(tl, TL_SPAN_GUEST, 1, 95)->value, 1, "external interrupt");
	expect_span(tl, TL_SPAN_IRQ, 1, 121, 130);
	cr_expect_str_eq(tl->task[2].name, "hotplug");
	timeline_free(tl);
}

Test(timeline, locks_spins_parks_and_hotplug_states)
{
	struct timeline *tl = synth_open();
	const struct tl_span *s;

	expect_span(tl, TL_SPAN_LOCK, 0, 30, 60);
	expect_span(tl, TL_SPAN_LOCK, 1, 70, 90);
	s = span_at(tl, TL_SPAN_LOCK, 1, 70);
	cr_expect_str_eq(s->text, "&kvm->lock");
	cr_expect_eq(s->value, TR_LOCK_SPIN);
	cr_expect_eq(s->depth, 0);
	cr_expect_eq(tl->lock_depth, 1);
	/* Contended at 35, relaxing, until it is acquired at 70. */
	expect_span(tl, TL_SPAN_SPIN, 1, 35, 70);
	/* Parked at 160 until vcpu-a runs again at 230 (its switch away is not running). */
	expect_span(tl, TL_SPAN_PARKED, 0, 160, 230);
	cr_expect_eq(span_at(tl, TL_SPAN_PARKED, 0, 160)->task, 0);
	cr_expect(tl->has_cpuhp);
	expect_span(tl, TL_SPAN_CPUHP, 2, 0, 180);
	expect_span(tl, TL_SPAN_CPUHP, 2, 180, 200);
	expect_span(tl, TL_SPAN_CPUHP, 2, 200, 210);
	expect_span(tl, TL_SPAN_CPUHP, 2, 210, 240);
	expect_span(tl, TL_SPAN_CPUHP, 0, 0, 240);
	cr_expect_eq(span_at(tl, TL_SPAN_CPUHP, 2, 180)->value, TR_CPU_BRINGUP);
	timeline_free(tl);
}

Test(timeline, flows)
{
	struct timeline *tl = synth_open();

	expect_flow(tl, TL_FLOW_IPI, 0, 105, 1, 121);
	expect_flow(tl, TL_FLOW_KICK, 0, 106, 1, 120);
	expect_flow(tl, TL_FLOW_REQUEST, 0, 100, 1, 140);
	expect_flow(tl, TL_FLOW_WAKE, 0, 150, 0, 170);
	expect_flow(tl, TL_FLOW_WAKE, 1, 220, 0, 230);
	cr_expect_eq(tl->nflow, 5);
	cr_expect_eq(tl->ev[flow_from(tl, TL_FLOW_IPI, 0, 105)->from_ev].r.value, 0xfb);
	timeline_free(tl);
}

Test(timeline, marks_land_on_the_marked_events)
{
	struct timeline *tl = synth_open();
	const struct tl_mark *m;

	cr_assert_eq(tl->nmark, 2);
	m = &tl->mark[0];
	cr_assert_neq(m->target, TL_NONE);
	cr_expect_eq(m->cpu, 0);
	cr_expect_eq(m->at, 40);
	cr_expect_eq(tl->ev[m->target].r.step, SYNTH_WRITE_STEP);
	cr_expect_eq(tl->ev[m->target].r.type, TR_ACCESS);
	cr_expect_eq(tl->ev[m->report].r.type, TR_REPORT);
	m = &tl->mark[1];
	cr_expect_eq(m->cpu, 1);
	cr_expect_eq(m->at, 80);
	cr_expect_eq(tl->ev[m->target].r.step, SYNTH_READ_STEP);
	timeline_free(tl);
}

Test(timeline, window_lands_on_the_preemption)
{
	struct timeline *tl = synth_open();
	const struct trace_event *r;

	cr_assert_neq(tl->window.ev, TL_NONE);
	cr_assert_neq(tl->window.target, TL_NONE);
	r = &tl->ev[tl->window.target].r;
	cr_expect_eq(r->type, TR_DECISION);
	cr_expect_eq(r->step, SYNTH_PREEMPT_STEP);
	cr_expect_eq(tl->window.cpu, 0);
	cr_expect_eq(tl->window.at, 50);
	cr_expect_eq(tl->ev[tl->window.ev].r.args[2], 20);
	timeline_free(tl);
}

Test(timeline, failure_and_jumps)
{
	struct timeline *tl = synth_open();
	size_t i, report;
	uint32_t cpu;
	uint64_t at;

	/* The failure is the report's first marked event: the write. */
	i = timeline_failure(tl);
	cr_assert_neq(i, TL_NONE);
	cr_expect_eq(tl->ev[i].r.step, SYNTH_WRITE_STEP);
	report = timeline_next(tl, TL_NONE, TL_JUMP_REPORT, 1, ALL_LANES);
	cr_assert_neq(report, TL_NONE);
	cr_expect_eq(tl->ev[report].r.type, TR_REPORT);
	/* Its mark sits where the marked write happened. */
	i = timeline_next(tl, report, TL_JUMP_REPORT, 1, ALL_LANES);
	cr_assert_neq(i, TL_NONE);
	cr_expect(timeline_event_place(tl, i, &cpu, &at));
	cr_expect(cpu == 0 && at == 40, "the mark drawn on CPU%u at %llu", cpu,
		  (unsigned long long)at);
	cr_expect_eq(timeline_next(tl, i, TL_JUMP_REPORT, -1, ALL_LANES), report);
	/* CPU1 hidden: its report is skipped. */
	cr_expect_neq(timeline_next(tl, TL_NONE, TL_JUMP_REPORT, 1, ~(uint64_t)2), report);
	i = timeline_next(tl, TL_NONE, TL_JUMP_LOCK, 1, ALL_LANES);
	cr_expect_eq(tl->ev[i].at, 30);
	i = timeline_next(tl, TL_NONE, TL_JUMP_REQUEST, -1, ALL_LANES);
	cr_expect_eq(tl->ev[i].at, 140, "the last request event: kvm_check_request");
	i = timeline_next(tl, TL_NONE, TL_JUMP_HOTPLUG, -1, ALL_LANES);
	cr_expect_eq(tl->ev[i].at, 210);
	cr_expect_eq(timeline_next(tl, TL_NONE, TL_JUMP_VMEXIT, 1, 1), TL_NONE,
		     "CPU0 has no VM exit");
	timeline_free(tl);
}

/*
 * Every cut of the made-up trace before its end record fails with one line
 * naming the file (a cut after it only loses the window); every flipped
 * byte reads or fails.
 */
Test(timeline, damaged_traces_read_or_fail_with_a_message, .timeout = 120)
{
	size_t len;
	uint8_t *data = synth_trace(&len);

	for (size_t n = 0; n < len; n++) {
		struct timeline *tl;
		char err[256] = "";
		int ret = timeline_open_mem(&tl, data, n, "cut.trace", err, sizeof(err));

		if (!ret) {
			cr_expect_neq(tl->end_ev, TL_NONE, "cut at %zu of %zu, yet read", n, len);
			cr_expect_eq(tl->window.ev, TL_NONE, "cut at %zu, with the window", n);
			timeline_free(tl);
			continue;
		}
		cr_expect(strstr(err, "cut.trace: byte ") != NULL, "cut at %zu: '%s'", n, err);
		cr_expect_null(strchr(err, '\n'), "cut at %zu: two lines", n);
	}
	for (size_t n = 0; n < len; n++) {
		struct timeline *tl;
		char err[256] = "";

		for (unsigned int bit = 0; bit < 8; bit += 3) {
			data[n] ^= (uint8_t)(1u << bit);
			if (!timeline_open_mem(&tl, data, len, "flip.trace", err, sizeof(err)))
				timeline_free(tl);
			else
				cr_expect(strstr(err, "flip.trace") != NULL, "'%s'", err);
			data[n] ^= (uint8_t)(1u << bit);
		}
	}
	free(data);
}

/* The trace fuzzer's corpus, whole, cut at every byte and with every byte flipped. */
Test(timeline, fuzz_corpus_never_crashes, .timeout = 120)
{
	DIR *d = opendir(CORPUS);
	struct dirent *de;
	unsigned int files = 0;

	cr_assert_not_null(d);
	while ((de = readdir(d))) {
		char path[512];
		struct timeline *tl;
		char err[256];
		uint8_t *buf;
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", CORPUS, de->d_name);
		buf = synth_slurp(path, &n);
		for (size_t cut = 0; cut <= n; cut++)
			if (!timeline_open_mem(&tl, buf, cut, path, err, sizeof(err)))
				timeline_free(tl);
		for (size_t k = 0; k < n; k++) {
			buf[k] ^= 0xa5;
			if (!timeline_open_mem(&tl, buf, n, path, err, sizeof(err)))
				timeline_free(tl);
			buf[k] ^= 0xa5;
		}
		free(buf);
		files++;
	}
	closedir(d);
	cr_expect_gt(files, 0, "an empty corpus");
}

Test(timeline, file_errors_name_the_file)
{
	struct timeline *tl;
	char err[256] = "";

	cr_expect_neq(timeline_open_file(&tl, "/nonexistent/x.trace", err, sizeof(err)), 0);
	cr_expect(strstr(err, "/nonexistent/x.trace") != NULL, "%s", err);
	cr_expect_null(tl);
}

/* A global of the instrumented test programs (tests/programs/progs.c): in hvsim_bss. */
extern uint64_t hooks_u64;
extern char __start_hvsim_bss[] __attribute__((weak));

Test(symbols, this_binary_names_its_pcs_and_addresses)
{
	uint8_t id[64];
	size_t n = sim_build_id(id, sizeof(id));
	uintptr_t rel = (uintptr_t)&synth_trace - sim_image_base();
	char buf[256];

	cr_assert_gt(n, 0, "the test binary has no build id");
	cr_expect(trace_sym_same_binary(id, n));
	cr_expect(!trace_sym_same_binary(id, 0));
	id[0] ^= 1;
	cr_expect(!trace_sym_same_binary(id, n), "another build id, yet the same binary");
	/* A trace's pc is a return address: the function's first byte is pc - 1. */
	cr_expect(trace_sym_pc(rel + 1, buf, sizeof(buf)), "%s", buf);
	cr_expect(strstr(buf, "synth_trace+0x0/0x") == buf, "%s", buf);
	cr_expect(strstr(buf, " tests/synth.c:") != NULL, "no file:line in '%s'", buf);
	cr_expect(!trace_sym_pc(0x7fffffff, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "0x7ffffffe");
	cr_assert_not_null(__start_hvsim_bss);
	cr_expect(trace_sym_addr(TR_REGION_BSS, (uint64_t)((char *)&hooks_u64 - __start_hvsim_bss),
				 buf, sizeof(buf)));
	cr_expect_str_eq(buf, "hooks_u64");
	cr_expect(!trace_sym_addr(TR_REGION_HEAP, 0xffff888000001000ULL, buf, sizeof(buf)));
	cr_expect_str_eq(buf, "");
	cr_expect(!trace_sym_addr(TR_REGION_BSS, (uint64_t)1 << 40, buf, sizeof(buf)));
}

static struct timeline *fixture_open(const char *name)
{
	char path[512], err[256];
	struct timeline *tl;

	snprintf(path, sizeof(path), "%s/tests/golden/%s", HVSIM_SOURCE_DIR, name);
	cr_assert_eq(timeline_open_file(&tl, path, err, sizeof(err)), 0, "%s", err);
	return tl;
}

/* Seed 003's race as the engine writes it: the marks land on the two accesses to vcpu->cpu. */
Test(timeline, real_race_marks_land_on_both_accesses)
{
	struct timeline *tl = fixture_open("kick-vcpu-cpu-pre-fix.trace");
	const struct trace_event *a, *b;

	cr_assert_eq(tl->nmark, 2);
	cr_assert(tl->mark[0].target != TL_NONE && tl->mark[1].target != TL_NONE);
	cr_expect_eq(tl->ev[tl->mark[0].report].r.kind, TR_REPORT_RACE);
	a = &tl->ev[tl->mark[0].target].r;
	b = &tl->ev[tl->mark[1].target].r;
	cr_expect(a->type == TR_ACCESS && b->type == TR_ACCESS);
	cr_expect_neq(a->cpu, b->cpu, "a race between two CPUs");
	cr_expect(a->region == b->region && a->offset == b->offset, "one address");
	cr_expect_eq(a->step, tl->ev[tl->mark[0].ev].r.args[0]);
	cr_expect_eq(b->step, tl->ev[tl->mark[1].ev].r.args[0]);
	cr_expect_eq(timeline_failure(tl), tl->mark[0].target);
	cr_expect_gt(tl->lock_depth, 0, "&vcpu->mutex is held across KVM_RUN");
	timeline_free(tl);
}

/* The hot-add's failing run: CPU2 offline, bringup, online; the window at its decision. */
Test(timeline, real_hotplug_states_and_window)
{
	struct timeline *tl = fixture_open("hotplug-no-lock.trace");
	unsigned int states = 0, last = TR_NR_CPU_STATES;
	const struct trace_event *w;

	for (size_t i = 0; i < tl->nspan; i++) {
		if (tl->span[i].kind != TL_SPAN_CPUHP || tl->span[i].cpu != 2)
			continue;
		cr_expect(last == TR_NR_CPU_STATES || tl->span[i].value == last + 1,
			  "CPU2 from %u to %u", last, tl->span[i].value);
		last = tl->span[i].value;
		states++;
	}
	cr_expect_eq(states, 3, "offline, bringup, online");
	cr_assert_neq(tl->window.target, TL_NONE);
	w = &tl->ev[tl->window.target].r;
	cr_expect_eq(w->type, TR_DECISION);
	cr_expect_eq(w->step, tl->ev[tl->window.ev].r.step);
	cr_expect_eq(w->cpu, tl->ev[tl->window.ev].r.cpu);
	cr_expect_eq(tl->nmark, 1, "the fault's site");
	timeline_free(tl);
}
