// SPDX-License-Identifier: MIT
/*
 * Trace to Chrome trace-event JSON (docs/viewer.md). Two passes over the
 * trace: the first checks the whole file and learns each CPU's clock (the
 * TR_CPU records), the second builds the events, in the trace's order.
 *
 * The trace is the simulator's interleaving of its CPUs: every record but
 * TR_SPAWN, TR_CPU and TR_END names the CPU that performed it, the task
 * running there and that CPU's cycle counter. So the task a CPU runs is
 * the task of its latest record; its slice opens at the first record that
 * names it there and closes when another task appears on that CPU, when
 * the task appears on another CPU (it migrated), or at its exit.
 *
 * Each CPU's cycles are its own clock, read at its model's nominal MHz.
 * A track's time never goes back: a write's record carries the cycle of
 * its step's start but is written once the store is done (after records
 * of the same step, sim/engine/emit.c), so it is placed at the latest
 * time seen on its CPU.
 */
#include "perfetto.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/sim.h"
#include "hvsim/tools.h"
#include "hvsim/trace.h"
#include "interleave.h"

/* The one process of the export: the machine. A CPU's track is its thread. */
#define PF_PID			1
/* Tasks tracked by id; the engine holds SIM_MAX_TASKS at once, ids grow past that. */
#define PF_MAX_TASKS		65536
/* Slices open inside a task's (an interrupt within guest mode...). */
#define PF_MAX_NESTED		8
#define PF_MODEL_MAX		64
#define PF_NO_TASK		UINT32_MAX
/* IPIs on their way to one CPU, drawn as flows to its next interrupt. */
#define PF_MAX_IPIS		16
/* Significant digits of a timestamp: microseconds with nanoseconds, up to 10^9 s. */
#define PF_REAL_DIGITS		15

/* What a slice inside a task's slice is. */
enum pf_nested {
	PF_IRQ,			/* an interrupt handler (TR_IRQ enter to exit) */
	PF_GUEST,		/* guest mode (TR_VMX entry to exit) */
};

struct pf_cpu {
	uint32_t mhz;			/* nominal frequency its cycles are read at */
	bool from_trace;		/* mhz came from a TR_CPU record, not the default */
	char model[PF_MODEL_MAX];	/* the model's name, or "" */
	uint64_t now;			/* the latest cycle seen: its track's clock */
	uint64_t seen;			/* now, at the open task's latest record */
	uint32_t task;			/* task whose slice is open, or PF_NO_TASK */
	unsigned int nnested;		/* slices open inside the task's */
	uint8_t nested[PF_MAX_NESTED];	/* their kinds (enum pf_nested), innermost last */
	unsigned int nipis;		/* IPIs sent to it whose handler has not run yet */
	uint64_t ipi_flow[PF_MAX_IPIS];	/* their flow ids */
	size_t ipi_at[PF_MAX_IPIS];	/* the index of each flow's start in the event array */
};

struct pf_task {
	const char *name;		/* from its TR_SPAWN (the reader's string), or NULL */
	uint32_t cpu;			/* the CPU its slice is open on, or UINT32_MAX */
	bool exited;			/* its TR_EXIT was read: later records are its last switch */
	uint64_t flow;			/* the wake-up flow waiting for its next run, or 0 */
	size_t flow_at;			/* index of that flow's start in the event array */
};

struct pf {
	struct trace_reader *tr;
	unsigned int ncpus;		/* tracks: the header's count, at most SIM_MAX_CPUS */
	struct pf_cpu cpu[SIM_MAX_CPUS];
	struct pf_task *task;		/* PF_MAX_TASKS entries */
	json_t *events;			/* the traceEvents array */
	uint64_t nflows;		/* flow ids given */
	uint64_t skipped;		/* records naming a CPU or task out of range */
	bool failed;			/* an allocation in jansson failed */
};

/* ---- building events ---- */

/* Take @v into @o under @key; a failure is remembered, not lost. */
static void pf_set(struct pf *x, json_t *o, const char *key, json_t *v)
{
	if (!o || !v || json_object_set_new(o, key, v))
		x->failed = true;
}

static void pf_push(struct pf *x, json_t *ev)
{
	if (!ev || json_array_append_new(x->events, ev))
		x->failed = true;
}

/* Cycle @cycle of @c in nanoseconds (cycles / MHz is microseconds). */
static uint64_t pf_ns(const struct pf_cpu *c, uint64_t cycle)
{
	return cycle / c->mhz * 1000 + cycle % c->mhz * 1000 / c->mhz;
}

/* The same in microseconds, as the format's "ts" wants them. */
static json_t *pf_ts(const struct pf_cpu *c, uint64_t cycle)
{
	return json_real((double)pf_ns(c, cycle) / 1000.0);
}

/*
 * A JSON string of @s. JSON strings are UTF-8 and jansson refuses others:
 * a trace's strings are the program's (task names, printk text) and need
 * not be, so then each byte outside ASCII becomes '?'.
 */
static json_t *pf_str(const char *s)
{
	json_t *v = json_string(s);
	char *copy;

	if (v)
		return v;
	copy = strdup(s);
	if (!copy)
		return NULL;
	for (char *c = copy; *c; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	v = json_string(copy);
	free(copy);
	return v;
}

static json_t *pf_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%#" PRIx64, v);
	return pf_str(buf);
}

/* An event @ph on CPU @cpu's track at its cycle @cycle. */
static json_t *pf_event_at(struct pf *x, const char *ph, const char *name, const char *cat,
			   unsigned int cpu, uint64_t cycle)
{
	json_t *ev = json_object();

	pf_set(x, ev, "name", pf_str(name));
	pf_set(x, ev, "cat", pf_str(cat));
	pf_set(x, ev, "ph", pf_str(ph));
	pf_set(x, ev, "ts", pf_ts(&x->cpu[cpu], cycle));
	pf_set(x, ev, "pid", json_integer(PF_PID));
	pf_set(x, ev, "tid", json_integer(cpu));
	return ev;
}

/* The same at the track's clock. */
static json_t *pf_event(struct pf *x, const char *ph, const char *name, const char *cat,
			unsigned int cpu)
{
	return pf_event_at(x, ph, name, cat, cpu, x->cpu[cpu].now);
}

/* An instant on @cpu's track, with @args (may be NULL). */
static void pf_instant(struct pf *x, unsigned int cpu, const char *name, const char *cat,
		       json_t *args)
{
	json_t *ev = pf_event(x, "i", name, cat, cpu);

	pf_set(x, ev, "s", pf_str("t"));
	if (args)
		pf_set(x, ev, "args", args);
	pf_push(x, ev);
}

static void pf_metadata(struct pf *x, const char *what, unsigned int tid, const char *key,
			json_t *value)
{
	json_t *ev = json_object();
	json_t *args = json_object();

	pf_set(x, ev, "name", pf_str(what));
	pf_set(x, ev, "ph", pf_str("M"));
	pf_set(x, ev, "pid", json_integer(PF_PID));
	pf_set(x, ev, "tid", json_integer(tid));
	pf_set(x, args, key, value);
	pf_set(x, ev, "args", args);
	pf_push(x, ev);
}

/* ---- slices ---- */

static const char *pf_task_name(const struct pf *x, uint32_t task, char *buf, size_t len)
{
	const char *name = x->task[task].name;

	snprintf(buf, len, "%s:%" PRIu32, name ? name : "task", task);
	return buf;
}

static void pf_close_nested(struct pf *x, unsigned int cpu, uint64_t cycle, json_t *args)
{
	struct pf_cpu *c = &x->cpu[cpu];
	bool irq = c->nested[c->nnested - 1] == PF_IRQ;
	json_t *ev = pf_event_at(x, "E", irq ? "irq" : "guest", irq ? "irq" : "vmx", cpu, cycle);

	if (args)
		pf_set(x, ev, "args", args);
	pf_push(x, ev);
	c->nnested--;
}

static void pf_open_nested(struct pf *x, unsigned int cpu, enum pf_nested kind)
{
	struct pf_cpu *c = &x->cpu[cpu];

	/* Deeper than any run nests: drawn no more, so never closed either. */
	if (c->nnested == PF_MAX_NESTED)
		return;
	pf_push(x, pf_event(x, "B", kind == PF_IRQ ? "irq" : "guest",
			    kind == PF_IRQ ? "irq" : "vmx", cpu));
	c->nested[c->nnested++] = (uint8_t)kind;
}

/*
 * Close @cpu's task slice, and the slices open inside it first, at the
 * task's latest record there: what the CPU did after it, it did for
 * another task (or it idled, which leaves no record).
 */
static void pf_close_task(struct pf *x, unsigned int cpu)
{
	struct pf_cpu *c = &x->cpu[cpu];
	char name[80];

	if (c->task == PF_NO_TASK)
		return;
	while (c->nnested)
		pf_close_nested(x, cpu, c->seen, NULL);
	pf_push(x, pf_event_at(x, "E", pf_task_name(x, c->task, name, sizeof(name)), "task", cpu,
			       c->seen));
	x->task[c->task].cpu = UINT32_MAX;
	c->task = PF_NO_TASK;
}

/* @task runs on @cpu now: its slice there opens, unless it is open already. */
static void pf_runs(struct pf *x, unsigned int cpu, uint32_t task)
{
	struct pf_cpu *c = &x->cpu[cpu];
	struct pf_task *t = &x->task[task];
	json_t *ev, *args;
	char name[80];

	if (c->task != task) {
		pf_close_task(x, cpu);
		if (t->cpu != UINT32_MAX)
			pf_close_task(x, t->cpu);
		ev = pf_event(x, "B", pf_task_name(x, task, name, sizeof(name)), "task", cpu);
		args = json_object();
		pf_set(x, args, "task", json_integer(task));
		pf_set(x, ev, "args", args);
		pf_push(x, ev);
		c->task = task;
		t->cpu = cpu;
	}
	c->seen = c->now;
	/* Its CPU showed nothing else while it slept: its slice goes on. */
	if (t->flow) {
		ev = pf_event(x, "f", "wake", "wake", cpu);
		pf_set(x, ev, "id", json_integer((json_int_t)t->flow));
		pf_set(x, ev, "bp", pf_str("e"));
		pf_push(x, ev);
		t->flow = 0;
	}
}

/* @task, running on @cpu, wakes @woken: a flow to @woken's next run. */
static void pf_wake(struct pf *x, unsigned int cpu, uint32_t woken)
{
	struct pf_task *t;
	json_t *ev;

	if (woken >= PF_MAX_TASKS)
		return;
	t = &x->task[woken];
	/* Woken again before it ran: the first wake-up's arrow stands. */
	if (t->flow)
		return;
	t->flow = ++x->nflows;
	t->flow_at = json_array_size(x->events);
	ev = pf_event(x, "s", "wake", "wake", cpu);
	pf_set(x, ev, "id", json_integer((json_int_t)t->flow));
	pf_push(x, ev);
}

/* CPU @cpu sends an IPI to @target: a flow to @target's next interrupt handler. */
static void pf_ipi(struct pf *x, unsigned int cpu, const struct trace_event *e)
{
	struct pf_cpu *d;
	json_t *ev, *args;

	if (e->to_cpu >= x->ncpus)
		return;
	d = &x->cpu[e->to_cpu];
	/* More on their way than a handler takes at once: the later ones draw none. */
	if (d->nipis == PF_MAX_IPIS)
		return;
	d->ipi_flow[d->nipis] = ++x->nflows;
	d->ipi_at[d->nipis] = json_array_size(x->events);
	ev = pf_event(x, "s", "IPI", "ipi", cpu);
	pf_set(x, ev, "id", json_integer((json_int_t)d->ipi_flow[d->nipis]));
	args = json_object();
	pf_set(x, args, "target", json_integer(e->to_cpu));
	if (e->kind)
		pf_set(x, args, "nmi", json_true());
	else
		pf_set(x, args, "vector", pf_hex(e->value));
	pf_set(x, ev, "args", args);
	pf_push(x, ev);
	d->nipis++;
}

/* An interrupt handler starts on @cpu: the IPIs on their way there end in it. */
static void pf_ipis_land(struct pf *x, unsigned int cpu)
{
	struct pf_cpu *c = &x->cpu[cpu];
	json_t *ev;

	for (unsigned int i = 0; i < c->nipis; i++) {
		ev = pf_event(x, "f", "IPI", "ipi", cpu);
		pf_set(x, ev, "id", json_integer((json_int_t)c->ipi_flow[i]));
		pf_set(x, ev, "bp", pf_str("e"));
		pf_push(x, ev);
	}
	c->nipis = 0;
}

/* ---- records ---- */

static void pf_log(struct pf *x, unsigned int cpu, const char *text)
{
	json_t *args = json_object();
	char name[128];

	/* printk's lines keep their newline; the name is the first line. */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(text, "\n"), text);
	pf_set(x, args, "text", pf_str(text));
	pf_instant(x, cpu, name, "log", args);
}

static void pf_vmx(struct pf *x, unsigned int cpu, const struct trace_event *e)
{
	struct pf_cpu *c = &x->cpu[cpu];
	const char *check = e->str ? trace_reader_string(x->tr, e->str) : NULL;
	const char *reason;
	json_t *args = json_object();

	switch (e->kind) {
	case TR_VMX_ENTRY:
		json_decref(args);
		pf_open_nested(x, cpu, PF_GUEST);
		return;
	case TR_VMX_EXIT:
		/* Bits 15:0 are the basic exit reason; bit 31 a failed entry (SDM Vol. 3C 24.9.1). */
		reason = vmx_exit_reason_name(e->value & 0xffff);
		pf_set(x, args, "exit_reason", pf_str(reason ? reason : "?"));
		pf_set(x, args, "exit_reason_value", pf_hex(e->value));
		if (check)
			pf_set(x, args, "check", pf_str(check));
		if (c->nnested && c->nested[c->nnested - 1] == PF_GUEST)
			pf_close_nested(x, cpu, c->now, args);
		else
			pf_instant(x, cpu, "VM exit", "vmx", args);
		return;
	default:
		pf_set(x, args, "vm_instruction_error", json_integer(e->value));
		if (check)
			pf_set(x, args, "check", pf_str(check));
		pf_instant(x, cpu, "VM entry failed", "vmx", args);
		return;
	}
}

static void pf_record(struct pf *x, const struct trace_event *e)
{
	struct pf_cpu *c;
	json_t *args;
	char name[96];

	if (e->type == TR_SPAWN) {
		if (e->task < PF_MAX_TASKS) {
			x->task[e->task].name = trace_reader_string(x->tr, e->str);
			x->task[e->task].exited = false;
		} else
			x->skipped++;
		return;
	}
	if (e->type == TR_CPU || e->type == TR_END)
		return;
	if (e->cpu >= x->ncpus || e->task >= PF_MAX_TASKS) {
		x->skipped++;
		return;
	}
	c = &x->cpu[e->cpu];
	if (e->cycle > c->now)
		c->now = e->cycle;
	/* The switch away from a task that exited: nothing of it runs any more. */
	if (x->task[e->task].exited)
		return;
	pf_runs(x, e->cpu, e->task);

	switch (e->type) {
	case TR_EXIT: {
		char what[sizeof(name) + 8];

		snprintf(what, sizeof(what), "%s exits",
			 pf_task_name(x, e->task, name, sizeof(name)));
		pf_instant(x, e->cpu, what, "task", NULL);
		pf_close_task(x, e->cpu);
		x->task[e->task].exited = true;
	}
		break;
	case TR_PARK:
		pf_instant(x, e->cpu, "park", "task", NULL);
		break;
	case TR_WAKE:
		pf_wake(x, e->cpu, e->to_task);
		break;
	case TR_DECISION:
		if (!e->value)
			break;
		args = json_object();
		pf_set(x, args, "choice", json_integer(e->kind));
		pf_set(x, args, "answer", json_integer(e->value));
		pf_set(x, args, "answers", json_integer(e->n));
		pf_set(x, args, "step", json_integer((json_int_t)(e->step & INT64_MAX)));
		snprintf(name, sizeof(name), "choice: %s", interleave_choice_name(e->kind));
		pf_instant(x, e->cpu, name, "decision", args);
		break;
	case TR_LOG:
		pf_log(x, e->cpu, trace_reader_string(x->tr, e->str) ?: "?");
		break;
	case TR_IRQ:
		if (e->kind) {
			pf_open_nested(x, e->cpu, PF_IRQ);
			pf_ipis_land(x, e->cpu);
		} else if (c->nnested && c->nested[c->nnested - 1] == PF_IRQ)
			pf_close_nested(x, e->cpu, c->now, NULL);
		break;
	case TR_VMX:
		pf_vmx(x, e->cpu, e);
		break;
	case TR_IPI:
		pf_ipi(x, e->cpu, e);
		break;
	case TR_POINT:
		args = json_object();
		pf_set(x, args, "a", pf_hex(e->args[0]));
		pf_set(x, args, "b", pf_hex(e->args[1]));
		pf_instant(x, e->cpu, trace_reader_string(x->tr, e->str) ?: "?", "point", args);
		break;
	}
}

/* The run's outcome, as an instant at the latest time any CPU reached. */
static void pf_end(struct pf *x, const struct trace_event *end)
{
	const char *msg = end->str ? trace_reader_string(x->tr, end->str) : NULL;
	unsigned int last = 0;
	json_t *ev, *args;

	for (unsigned int i = 1; i < x->ncpus; i++)
		if (pf_ns(&x->cpu[i], x->cpu[i].now) > pf_ns(&x->cpu[last], x->cpu[last].now))
			last = i;
	args = json_object();
	pf_set(x, args, "outcome", pf_str(sim_outcome_name(end->kind)));
	if (msg)
		pf_set(x, args, "message", pf_str(msg));
	ev = pf_event(x, "i", sim_outcome_name(end->kind), "end", last);
	pf_set(x, ev, "s", pf_str("g"));
	pf_set(x, ev, "args", args);
	pf_push(x, ev);
}

/* ---- the two passes ---- */

/* Read the whole trace once: it is sound, and each CPU's clock. */
static int pf_scan(struct pf *x, const char *path, char *err, size_t errlen)
{
	struct trace_reader *tr;
	struct trace_event e;
	int ret;

	ret = trace_reader_open_file(&tr, path, err, errlen);
	if (ret)
		return ret;
	x->ncpus = trace_reader_header(tr)->ncpus;
	if (x->ncpus > SIM_MAX_CPUS)
		x->ncpus = SIM_MAX_CPUS;
	for (unsigned int i = 0; i < SIM_MAX_CPUS; i++) {
		x->cpu[i].mhz = PERFETTO_DEFAULT_MHZ;
		x->cpu[i].task = PF_NO_TASK;
	}
	while ((ret = trace_next(tr, &e, err, errlen)) == 1) {
		const char *model;

		/* A zero frequency is no clock: the default stands. */
		if (e.type != TR_CPU || e.cpu >= x->ncpus || !e.value)
			continue;
		model = e.str ? trace_reader_string(tr, e.str) : NULL;
		x->cpu[e.cpu].mhz = e.value;
		x->cpu[e.cpu].from_trace = true;
		snprintf(x->cpu[e.cpu].model, PF_MODEL_MAX, "%s", model ? model : "");
	}
	trace_reader_close(tr);
	return ret;
}

/* Top-level "metadata": the run, and where each CPU's clock came from. */
static json_t *pf_run_metadata(struct pf *x, const struct trace_header *h)
{
	json_t *md = json_object(), *cpus = json_array();
	char seed[24];

	snprintf(seed, sizeof(seed), "%" PRIu64, h->seed);
	pf_set(x, md, "program", pf_str(h->program));
	pf_set(x, md, "strategy", pf_str(h->strategy));
	pf_set(x, md, "seed", pf_str(seed));
	pf_set(x, md, "ts", pf_str("microseconds: each CPU's cycles at its model's nominal MHz"));
	for (unsigned int i = 0; i < x->ncpus; i++) {
		json_t *c = json_object();

		pf_set(x, c, "cpu", json_integer(i));
		pf_set(x, c, "model", pf_str(x->cpu[i].model));
		pf_set(x, c, "mhz", json_integer(x->cpu[i].mhz));
		pf_set(x, c, "clock", pf_str(x->cpu[i].from_trace ? "trace" :
						  "default: the trace has no cpu record for this CPU"));
		if (json_array_append_new(cpus, c))
			x->failed = true;
	}
	pf_set(x, md, "cpus", cpus);
	pf_set(x, md, "records_skipped", json_integer((json_int_t)(x->skipped & INT64_MAX)));
	return md;
}

static int pf_index_cmp_desc(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	return i < j ? 1 : i > j ? -1 : 0;
}

/*
 * A task woken that never ran again, an IPI whose handler never ran (or
 * ran in the guest, posted), has a flow's start without its end: dropped,
 * so every arrow drawn has its head. Latest first, so the indices of the
 * earlier ones still hold.
 */
static void pf_drop_dangling_flows(struct pf *x)
{
	size_t *at = NULL, n = 0;

	for (size_t i = 0; i < PF_MAX_TASKS; i++)
		n += x->task[i].flow != 0;
	for (unsigned int i = 0; i < x->ncpus; i++)
		n += x->cpu[i].nipis;
	if (!n)
		return;
	at = calloc(n, sizeof(*at));
	if (!at) {
		x->failed = true;
		return;
	}
	n = 0;
	for (size_t i = 0; i < PF_MAX_TASKS; i++)
		if (x->task[i].flow)
			at[n++] = x->task[i].flow_at;
	for (unsigned int i = 0; i < x->ncpus; i++)
		for (unsigned int k = 0; k < x->cpu[i].nipis; k++)
			at[n++] = x->cpu[i].ipi_at[k];
	qsort(at, n, sizeof(*at), pf_index_cmp_desc);
	for (size_t i = 0; i < n; i++)
		if (json_array_remove(x->events, at[i]))
			x->failed = true;
	free(at);
}

static int pf_convert(struct pf *x, const char *path, json_t **out, char *err, size_t errlen)
{
	struct trace_event e, end = { .type = TR_END };
	const struct trace_header *h;
	char name[96];
	json_t *root;
	int ret;

	ret = trace_reader_open_file(&x->tr, path, err, errlen);
	if (ret)
		return ret;
	h = trace_reader_header(x->tr);
	x->events = json_array();
	if (!x->events) {
		trace_reader_close(x->tr);
		return -ENOMEM;
	}
	snprintf(name, sizeof(name), "hvsim %s", h->program);
	pf_metadata(x, "process_name", 0, "name", pf_str(name));
	for (unsigned int i = 0; i < x->ncpus; i++) {
		snprintf(name, sizeof(name), "CPU%u", i);
		pf_metadata(x, "thread_name", i, "name", pf_str(name));
		pf_metadata(x, "thread_sort_index", i, "sort_index", json_integer(i));
	}
	while ((ret = trace_next(x->tr, &e, err, errlen)) == 1) {
		pf_record(x, &e);
		if (e.type == TR_END)
			end = e;
	}
	if (ret < 0)	/* the first pass read it whole: only if the file changed */
		goto out;
	for (unsigned int i = 0; i < x->ncpus; i++)
		pf_close_task(x, i);
	pf_drop_dangling_flows(x);
	pf_end(x, &end);

	root = json_object();
	pf_set(x, root, "traceEvents", x->events);
	x->events = NULL;
	pf_set(x, root, "displayTimeUnit", pf_str("ns"));
	pf_set(x, root, "metadata", pf_run_metadata(x, h));
	*out = root;
out:
	json_decref(x->events);
	trace_reader_close(x->tr);
	x->tr = NULL;
	return ret < 0 ? ret : 0;
}

int perfetto_export(const char *trace_path, const char *json_path, char *err, size_t errlen)
{
	struct pf *x = calloc(1, sizeof(*x));
	json_t *root = NULL;
	FILE *f;
	int ret;

	if (!x || !(x->task = calloc(PF_MAX_TASKS, sizeof(*x->task)))) {
		snprintf(err, errlen, "%s: out of memory", trace_path);
		ret = -ENOMEM;
		goto out_free;
	}
	for (size_t i = 0; i < PF_MAX_TASKS; i++)
		x->task[i].cpu = UINT32_MAX;
	ret = pf_scan(x, trace_path, err, errlen);
	if (ret)
		goto out_free;
	ret = pf_convert(x, trace_path, &root, err, errlen);
	if (ret)
		goto out_free;
	if (x->failed) {
		snprintf(err, errlen, "%s: out of memory building the JSON", trace_path);
		ret = -ENOMEM;
		goto out_json;
	}
	f = fopen(json_path, "w");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", json_path, strerror(errno));
		goto out_json;
	}
	/* Compact, in insertion order, reals to the nanosecond: the same bytes every time. */
	ret = json_dumpf(root, f, JSON_COMPACT | JSON_REAL_PRECISION(PF_REAL_DIGITS));
	if (fputc('\n', f) == EOF)
		ret = -1;
	if (fclose(f) || ret) {
		snprintf(err, errlen, "%s: write failed", json_path);
		ret = -EIO;
	}
out_json:
	json_decref(root);
out_free:
	if (x)
		free(x->task);
	free(x);
	return ret;
}
