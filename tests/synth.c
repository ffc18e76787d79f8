// SPDX-License-Identifier: MIT
#include "synth.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/trace.h"
#include "hvsim/sim.h"

#define SYNTH_MHZ	2000
#define SYNTH_LOCK	0x100	/* kvm->lock, in data */
#define SYNTH_SHARED	0x200	/* the raced word, in data */

struct synth {
	struct trace_writer *w;
	uint64_t step;		/* the next record's step */
};

/* A record of @type by @task on @cpu at @cycle; the caller fills the rest. */
static struct trace_event ev(struct synth *s, uint8_t type, uint32_t cpu, uint32_t task,
			     uint64_t cycle)
{
	return (struct trace_event){
		.type = type, .cpu = cpu, .task = task, .cycle = cycle, .step = s->step++,
	};
}

static void rec(struct synth *s, const struct trace_event *e)
{
	trace_emit(s->w, e);
}

static void at_step(struct synth *s, uint64_t step)
{
	if (s->step < step)
		s->step = step;
}

static void rec_access(struct synth *s, uint32_t cpu, uint32_t task, uint64_t cycle, uint8_t kind,
		   uint64_t offset)
{
	struct trace_event e = ev(s, TR_ACCESS, cpu, task, cycle);

	e.kind = kind;
	e.region = offset ? TR_REGION_DATA : TR_REGION_NONE;
	e.offset = offset;
	e.size = offset ? 8 : 0;
	e.pc = 0x1000 + cycle;
	rec(s, &e);
}

static void rec_lock(struct synth *s, uint32_t cpu, uint32_t task, uint64_t cycle, uint8_t kind)
{
	struct trace_event e = ev(s, TR_LOCK, cpu, task, cycle);

	e.kind = kind;
	e.value = TR_LOCK_SPIN;
	e.region = TR_REGION_DATA;
	e.offset = SYNTH_LOCK;
	e.pc = 0x2000 + cycle;
	e.str = trace_string(s->w, "&kvm->lock");
	rec(s, &e);
}

static void rec_point(struct synth *s, uint32_t cpu, uint32_t task, uint64_t cycle,
		  const char *name, uint64_t a, uint64_t b)
{
	struct trace_event e = ev(s, TR_POINT, cpu, task, cycle);

	e.str = trace_string(s->w, name);
	e.args[0] = a;
	e.args[1] = b;
	rec(s, &e);
}

static void rec_simple(struct synth *s, uint8_t type, uint32_t cpu, uint32_t task, uint64_t cycle,
		   uint8_t kind, uint32_t value)
{
	struct trace_event e = ev(s, type, cpu, task, cycle);

	e.kind = kind;
	e.value = value;
	rec(s, &e);
}

static void rec_cpuhp(struct synth *s, uint32_t cpu, uint32_t task, uint64_t cycle, uint32_t target,
		  uint32_t state)
{
	struct trace_event e = ev(s, TR_CPUHP, cpu, task, cycle);

	e.to_cpu = target;
	e.value = state;
	rec(s, &e);
}

static void rec_spawn(struct synth *s, uint32_t cpu, uint32_t task, const char *name)
{
	struct trace_event e = ev(s, TR_SPAWN, cpu, task, 0);

	e.str = trace_string(s->w, name);
	rec(s, &e);
}

static void rec_wake(struct synth *s, uint32_t cpu, uint32_t task, uint64_t cycle, uint32_t woken)
{
	struct trace_event e = ev(s, TR_WAKE, cpu, task, cycle);

	e.to_task = woken;
	rec(s, &e);
}

static void synth_start(struct synth *s)
{
	struct trace_header h = { .ncpus = 3, .seed = 1 };

	strcpy(h.program, "synthetic");
	strcpy(h.strategy, "timed");
	trace_writer_begin(s->w, &h);
	for (uint32_t c = 0; c < 3; c++) {
		struct trace_event e = ev(s, TR_CPU, c, 0, 0);

		e.value = SYNTH_MHZ;
		e.str = trace_string(s->w, "skylake-sp");
		rec(s, &e);
	}
	rec_spawn(s, 0, 0, "vcpu-a");
	rec_spawn(s, 1, 1, "vcpu-b");
	rec_spawn(s, 0, 2, "hotplug");
	rec_spawn(s, 2, 3, "swapper/2");
	rec_cpuhp(s, 0, 0, 0, 0, TR_CPU_ACTIVE);
	rec_cpuhp(s, 0, 0, 0, 1, TR_CPU_ACTIVE);
	rec_cpuhp(s, 0, 0, 0, 2, TR_CPU_OFFLINE);
}

/* The decisive preemption: CPU0 is left for CPU1 right after the write. */
static void synth_preempt(struct synth *s)
{
	struct trace_event e;

	at_step(s, SYNTH_PREEMPT_STEP);
	e = ev(s, TR_DECISION, 0, 0, 50);
	e.step = SYNTH_PREEMPT_STEP;
	e.n = 2;
	e.value = 1;
	rec(s, &e);
	e = ev(s, TR_SWITCH, 0, 0, 50);
	e.step = SYNTH_PREEMPT_STEP;
	e.to_cpu = 1;
	e.to_task = 1;
	e.preempt = 1;
	rec(s, &e);
}

/* The lock, the race's two accesses, a spin on CPU1. */
static void synth_race(struct synth *s)
{
	rec_access(s, 0, 0, 10, SIM_READ, 0x300);
	rec_access(s, 0, 0, 20, SIM_READ, 0x308);
	rec_lock(s, 0, 0, 30, TR_LOCK_ACQUIRE);
	rec_lock(s, 1, 1, 35, TR_LOCK_CONTENDED);
	at_step(s, SYNTH_WRITE_STEP);
	rec_access(s, 0, 0, 40, SIM_WRITE, SYNTH_SHARED);
	synth_preempt(s);
	rec_access(s, 1, 1, 45, SIM_RELAX, 0);
	rec_access(s, 1, 1, 55, SIM_RELAX, 0);
	rec_lock(s, 0, 0, 60, TR_LOCK_RELEASE);
	rec_lock(s, 1, 1, 70, TR_LOCK_ACQUIRE);
	at_step(s, SYNTH_READ_STEP);
	rec_access(s, 1, 1, 80, SIM_READ, SYNTH_SHARED);
	rec_lock(s, 1, 1, 90, TR_LOCK_RELEASE);
}

/* The request, its IPI and kick into the guest on CPU1. */
static void synth_request(struct synth *s)
{
	struct trace_event e;

	rec_simple(s, TR_VMX, 1, 1, 95, TR_VMX_ENTRY, 0);
	rec_point(s, 0, 0, 100, "kvm_make_request", 1, 3);
	e = ev(s, TR_IPI, 0, 0, 105);
	e.to_cpu = 1;
	e.value = 0xfb;
	rec(s, &e);
	rec_point(s, 0, 0, 106, "kvm_vcpu_kick", 1, 1);
	rec_simple(s, TR_VMX, 1, 1, 120, TR_VMX_EXIT, 1);
	rec_simple(s, TR_IRQ, 1, 1, 121, 1, 0);
	rec_simple(s, TR_IRQ, 1, 1, 130, 0, 0);
	rec_point(s, 1, 1, 140, "kvm_check_request", 1, 3);
}

/* vcpu-a parks while hotplug brings CPU2 up. */
static void synth_hotplug(struct synth *s)
{
	struct trace_event e;

	rec_wake(s, 0, 0, 150, 2);
	rec_simple(s, TR_PARK, 0, 0, 160, 0, 0);
	e = ev(s, TR_SWITCH, 0, 0, 161);
	e.to_cpu = 0;
	e.to_task = 2;
	rec(s, &e);
	rec_access(s, 0, 2, 170, SIM_READ, 0x400);
	rec_cpuhp(s, 0, 2, 180, 2, TR_CPU_BRINGUP);
	rec_cpuhp(s, 2, 3, 200, 2, TR_CPU_ONLINE);
	rec_cpuhp(s, 2, 3, 210, 2, TR_CPU_ACTIVE);
	rec_wake(s, 1, 1, 220, 0);
	rec_simple(s, TR_EXIT, 0, 2, 225, 0, 0);
	rec_access(s, 0, 0, 230, SIM_READ, 0x300);
}

static void rec_mark(struct synth *s, uint8_t kind, uint64_t step, uint32_t cpu, uint32_t task,
		 const char *label)
{
	struct trace_event e = ev(s, TR_MARK, 1, 1, 240);

	e.kind = kind;
	e.args[0] = step;
	e.to_cpu = cpu;
	e.to_task = task;
	e.region = TR_REGION_DATA;
	e.offset = SYNTH_SHARED;
	e.size = 8;
	e.pc = 0x1000 + (kind == TR_MARK_WRITE ? 40 : 80);
	e.str = trace_string(s->w, label);
	rec(s, &e);
}

/* The report and its marks, the end and the window. */
static void synth_end(struct synth *s)
{
	struct trace_event e;

	e = ev(s, TR_REPORT, 1, 1, 240);
	e.kind = TR_REPORT_RACE;
	e.str = trace_string(s->w, SYNTH_TITLE);
	rec(s, &e);
	rec_mark(s, TR_MARK_WRITE, SYNTH_WRITE_STEP, 0, 0, "vcpu_run");
	rec_mark(s, TR_MARK_READ, SYNTH_READ_STEP, 1, 1, "vcpu_kick");
	e = ev(s, TR_LOG, 1, 1, 240);
	e.str = trace_string(s->w, SYNTH_TITLE);
	rec(s, &e);
	e = ev(s, TR_END, 0, 0, 0);
	e.kind = SIM_FAILED;
	e.str = trace_string(s->w, SYNTH_TITLE);
	rec(s, &e);
	e = ev(s, TR_WINDOW, 0, 0, 50);
	e.step = SYNTH_PREEMPT_STEP;
	e.to_cpu = 1;
	e.args[0] = 3;
	e.args[1] = 5;
	e.args[2] = 20;
	e.args[3] = 40;
	e.str = trace_string(s->w, "preemption");
	rec(s, &e);
}

uint8_t *synth_trace(size_t *len)
{
	struct synth s = { .w = trace_writer_create(), .step = 1 };
	const uint8_t *data;
	uint8_t *copy;

	synth_start(&s);
	synth_race(&s);
	synth_request(&s);
	synth_hotplug(&s);
	synth_end(&s);
	data = trace_writer_data(s.w, len);
	copy = malloc(*len);
	cr_assert_not_null(copy);
	memcpy(copy, data, *len);
	trace_writer_destroy(s.w);
	return copy;
}

void synth_write(const char *path)
{
	size_t len;
	uint8_t *data = synth_trace(&len);
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	free(data);
}

/* The whole of file @path, in new memory (one byte more, for a caller's NUL). */
uint8_t *synth_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	cr_assert_not_null(f, "%s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}
