// SPDX-License-Identifier: MIT
/*
 * Trace to Chrome trace-event JSON (docs/viewer.md), from the timeline
 * model (timeline.h): a track per CPU, its task, interrupt and guest
 * slices, instants, flows; locks held, spinning, parked tasks and hotplug
 * states as async slices; a report's marked events and the decisive
 * preemption as instants where they happened.
 *
 * Order: the format wants a track's events in time order and its slices
 * nested. The model gives each event a cycle on its CPU that never goes
 * back, and each span the event it opened at and the event whose cycle
 * ends it; so every JSON event is keyed by an event of the trace and a
 * phase around it (slices opening there, flows landing there, what the
 * event itself shows, slices ending there), and sorting by the keys puts
 * them in order.
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
#include "timeline.h"

/* The one process of the export: the machine. A CPU's track is its thread. */
#define PF_PID			1
/* Significant digits of a timestamp: microseconds with nanoseconds, up to 10^9 s. */
#define PF_REAL_DIGITS		15

/* Where a JSON event goes relative to the trace event it is keyed by. */
enum pf_phase {
	PF_OPEN_TASK,		/* a task's slice opening at it */
	PF_WOKEN,		/* a wake-up's flow, ending in that task's slice */
	PF_OPEN,		/* an interrupt or guest slice opening at it */
	PF_LAND,		/* another flow ending at it (an IPI in its handler) */
	PF_SELF,		/* what it shows: an instant, a flow's start, an async slice's start */
	PF_CLOSE,		/* a slice whose end is its cycle */
};

/* One JSON event and its place. */
struct pf_item {
	size_t ev;		/* the trace event it is keyed by (tl->nev: after them all) */
	uint8_t phase;		/* enum pf_phase */
	uint64_t seq;		/* order within the phase */
	uint64_t n;		/* order of making: the last tie-break */
	json_t *json;
};

struct pf {
	const struct timeline *tl;
	struct pf_item *item;
	size_t nitem, cap;
	uint64_t ids;		/* ids given to flows and async slices */
	bool failed;		/* an allocation (in jansson or here) failed */
};

/* ---- building events ---- */

/* Take @v into @o under @key; a failure is remembered, not lost. */
static void pf_set(struct pf *x, json_t *o, const char *key, json_t *v)
{
	if (!o || !v || json_object_set_new(o, key, v))
		x->failed = true;
}

static void pf_add(struct pf *x, size_t ev, enum pf_phase phase, uint64_t seq, json_t *json)
{
	struct pf_item *it;

	if (!json) {
		x->failed = true;
		return;
	}
	if (x->nitem == x->cap) {
		size_t cap = x->cap ? x->cap * 2 : 1024;

		it = realloc(x->item, cap * sizeof(*it));
		if (!it) {
			json_decref(json);
			x->failed = true;
			return;
		}
		x->item = it;
		x->cap = cap;
	}
	it = &x->item[x->nitem];
	it->ev = ev;
	it->phase = (uint8_t)phase;
	it->seq = seq;
	it->n = x->nitem++;
	it->json = json;
}

/* Cycle @cycle of @cpu in microseconds, as the format's "ts" wants them. */
static json_t *pf_ts(const struct pf *x, unsigned int cpu, uint64_t cycle)
{
	return json_real((double)timeline_ns(x->tl, cpu, cycle) / 1000.0);
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

static json_t *pf_int(uint64_t v)
{
	return json_integer((json_int_t)(v & INT64_MAX));
}

/* An event @ph on CPU @cpu's track at its cycle @cycle. */
static json_t *pf_event_at(struct pf *x, const char *ph, const char *name, const char *cat,
			   unsigned int cpu, uint64_t cycle)
{
	json_t *ev = json_object();

	pf_set(x, ev, "name", pf_str(name));
	pf_set(x, ev, "cat", pf_str(cat));
	pf_set(x, ev, "ph", pf_str(ph));
	pf_set(x, ev, "ts", pf_ts(x, cpu, cycle));
	pf_set(x, ev, "pid", json_integer(PF_PID));
	pf_set(x, ev, "tid", json_integer(cpu));
	return ev;
}

/* The same at trace event @i's CPU and cycle. */
static json_t *pf_event(struct pf *x, const char *ph, const char *name, const char *cat, size_t i)
{
	const struct tl_event *e = &x->tl->ev[i];

	return pf_event_at(x, ph, name, cat, e->r.cpu, e->at);
}

/* An instant at trace event @i's place (or at @cpu, @cycle for a mark), with @args (or NULL). */
static void pf_instant_at(struct pf *x, size_t i, unsigned int cpu, uint64_t cycle,
			  const char *name, const char *cat, json_t *args)
{
	json_t *ev = pf_event_at(x, "i", name, cat, cpu, cycle);

	pf_set(x, ev, "s", pf_str("t"));
	if (args)
		pf_set(x, ev, "args", args);
	pf_add(x, i, PF_SELF, 0, ev);
}

static void pf_instant(struct pf *x, size_t i, const char *name, const char *cat, json_t *args)
{
	const struct tl_event *e = &x->tl->ev[i];

	pf_instant_at(x, i, e->r.cpu, e->at, name, cat, args);
}

static json_t *pf_metadata(struct pf *x, const char *what, unsigned int tid, const char *key,
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
	return ev;
}

/* ---- slices ---- */

static const char *pf_task_name(const struct pf *x, uint32_t task, char *buf, size_t len)
{
	return timeline_task_label(x->tl, task, buf, len);
}

/* The args of a guest slice's end: why it ended. */
static json_t *pf_exit_args(const struct tl_span *s)
{
	/* Bits 15:0 are the basic exit reason; bit 31 a failed entry (SDM Vol. 3C 24.9.1). */
	const char *reason = vmx_exit_reason_name(s->value & 0xffff);
	json_t *args = json_object();

	json_object_set_new(args, "exit_reason", pf_str(reason ? reason : "?"));
	json_object_set_new(args, "exit_reason_value", pf_hex(s->value));
	if (s->text)
		json_object_set_new(args, "check", pf_str(s->text));
	return args;
}

/* A task, interrupt or guest slice: B where it opened, E where it ended. */
static void pf_slice(struct pf *x, size_t k)
{
	const struct tl_span *s = &x->tl->span[k];
	const char *name = s->kind == TL_SPAN_IRQ ? "irq" : "guest";
	const char *cat = s->kind == TL_SPAN_IRQ ? "irq" : "vmx";
	json_t *b, *e, *args;
	char task[96];

	if (s->kind == TL_SPAN_TASK) {
		name = pf_task_name(x, s->task, task, sizeof(task));
		cat = "task";
	}
	b = pf_event_at(x, "B", name, cat, s->cpu, s->start);
	e = pf_event_at(x, "E", name, cat, s->cpu, s->end);
	if (s->kind == TL_SPAN_TASK) {
		args = json_object();
		pf_set(x, args, "task", json_integer(s->task));
		pf_set(x, b, "args", args);
	}
	if (s->kind == TL_SPAN_GUEST && s->has_exit)
		pf_set(x, e, "args", pf_exit_args(s));
	pf_add(x, s->open_ev, s->kind == TL_SPAN_TASK ? PF_OPEN_TASK : PF_OPEN, s->seq, b);
	pf_add(x, s->end_ev == TL_NONE ? x->tl->nev : s->end_ev, PF_CLOSE, k, e);
}

/* An async slice's name and args. */
static const char *pf_async_what(struct pf *x, const struct tl_span *s, const char **cat,
				 json_t *args, char *buf, size_t len)
{
	const struct timeline *tl = x->tl;
	char task[96];

	timeline_task_label(tl, s->task, task, sizeof(task));
	switch (s->kind) {
	case TL_SPAN_LOCK:
		*cat = "lock";
		pf_set(x, args, "type", pf_str(trace_lock_type_name(s->value)));
		pf_set(x, args, "holder", pf_str(task));
		pf_set(x, args, "address", pf_str(trace_region_name(tl->ev[s->open_ev].r.region)));
		pf_set(x, args, "offset", pf_hex(tl->ev[s->open_ev].r.offset));
		snprintf(buf, len, "%s", s->text ? s->text : "lock");
		break;
	case TL_SPAN_SPIN:
		*cat = "spin";
		pf_set(x, args, "task", pf_str(task));
		snprintf(buf, len, "spin");
		break;
	case TL_SPAN_PARKED:
		*cat = "parked";
		pf_set(x, args, "task", pf_str(task));
		snprintf(buf, len, "%s parked", task);
		break;
	default:
		*cat = "cpuhp";
		pf_set(x, args, "cpu", json_integer(s->cpu));
		pf_set(x, args, "state", pf_str(trace_cpu_state_name(s->value)));
		snprintf(buf, len, "CPU%u %s", s->cpu, trace_cpu_state_name(s->value));
		break;
	}
	return buf;
}

/*
 * A lock held, a spin, a parked task or a hotplug state: an async slice,
 * b on the track and at the time of the event it opened at, e on the
 * track and at the time of the event that ends it (another CPU's, for a
 * task woken elsewhere or a state another CPU set). Where the two clocks
 * disagree so that it would end before it began, only its start is
 * shown, as an instant.
 */
static void pf_async(struct pf *x, size_t k)
{
	const struct timeline *tl = x->tl;
	const struct tl_span *s = &tl->span[k];
	const struct tl_event *open = &tl->ev[s->open_ev];
	uint32_t end_cpu = s->end_ev == TL_NONE ? s->cpu : tl->ev[s->end_ev].r.cpu;
	uint64_t end_at = s->end_ev == TL_NONE ? tl->cpu[s->cpu].now : tl->ev[s->end_ev].at;
	json_t *args = json_object(), *b, *e;
	const char *cat;
	char name[128];

	pf_async_what(x, s, &cat, args, name, sizeof(name));
	if (timeline_ns(tl, end_cpu, end_at) < timeline_ns(tl, open->r.cpu, open->at)) {
		pf_instant(x, s->open_ev, name, cat, args);
		return;
	}
	x->ids++;
	b = pf_event(x, "b", name, cat, s->open_ev);
	pf_set(x, b, "id", pf_int(x->ids));
	pf_set(x, b, "args", args);
	pf_add(x, s->open_ev, PF_SELF, 1 + s->seq, b);
	e = pf_event_at(x, "e", name, cat, end_cpu, end_at);
	pf_set(x, e, "id", pf_int(x->ids));
	pf_add(x, s->end_ev == TL_NONE ? tl->nev : s->end_ev, PF_CLOSE, k, e);
}

static void pf_spans(struct pf *x)
{
	for (size_t k = 0; k < x->tl->nspan; k++) {
		switch (x->tl->span[k].kind) {
		case TL_SPAN_TASK:
		case TL_SPAN_IRQ:
		case TL_SPAN_GUEST:
			pf_slice(x, k);
			break;
		default:
			pf_async(x, k);
			break;
		}
	}
}

/* ---- flows ---- */

static const char *const pf_flow_names[TL_NR_FLOW_KINDS][2] = {
	[TL_FLOW_WAKE]		= { "wake", "wake" },
	[TL_FLOW_IPI]		= { "IPI", "ipi" },
	[TL_FLOW_REQUEST]	= { "request", "request" },
	[TL_FLOW_KICK]		= { "kick", "kick" },
};

/* What a flow's start says. */
static json_t *pf_flow_args(const struct pf *x, const struct tl_flow *f)
{
	const struct trace_event *r = &x->tl->ev[f->from_ev].r;
	json_t *args = json_object();

	switch (f->kind) {
	case TL_FLOW_IPI:
		json_object_set_new(args, "target", json_integer(r->to_cpu));
		if (r->kind)
			json_object_set_new(args, "nmi", json_true());
		else
			json_object_set_new(args, "vector", pf_hex(r->value));
		break;
	case TL_FLOW_REQUEST:
		json_object_set_new(args, "vcpu", pf_int(r->args[0]));
		json_object_set_new(args, "request", pf_int(r->args[1]));
		break;
	case TL_FLOW_KICK:
		json_object_set_new(args, "vcpu", pf_int(r->args[0]));
		json_object_set_new(args, "target", pf_int(r->args[1]));
		break;
	default:
		json_decref(args);
		return NULL;
	}
	return args;
}

/* s at its start, f (bound to the slice around it) where it lands. */
static void pf_flows(struct pf *x)
{
	for (size_t k = 0; k < x->tl->nflow; k++) {
		const struct tl_flow *f = &x->tl->flow[k];
		const char *name = pf_flow_names[f->kind][0], *cat = pf_flow_names[f->kind][1];
		json_t *s = pf_event(x, "s", name, cat, f->from_ev), *e, *args;

		x->ids++;
		pf_set(x, s, "id", pf_int(x->ids));
		args = pf_flow_args(x, f);
		if (args)
			pf_set(x, s, "args", args);
		pf_add(x, f->from_ev, PF_SELF, 0, s);
		e = pf_event(x, "f", name, cat, f->to_ev);
		pf_set(x, e, "id", pf_int(x->ids));
		pf_set(x, e, "bp", pf_str("e"));
		pf_add(x, f->to_ev, f->kind == TL_FLOW_WAKE ? PF_WOKEN : PF_LAND, k, e);
	}
}

/* ---- instants ---- */

static void pf_log(struct pf *x, size_t i, const char *text)
{
	json_t *args = json_object();
	char name[128];

	/* printk's lines keep their newline; the name is the first line. */
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(text, "\n"), text);
	pf_set(x, args, "text", pf_str(text));
	pf_instant(x, i, name, "log", args);
}

static void pf_vm_exit(struct pf *x, size_t i, const struct trace_event *r)
{
	const char *reason = vmx_exit_reason_name(r->value & 0xffff);
	const char *check = timeline_string(x->tl, r->str);
	json_t *args = json_object();

	pf_set(x, args, "exit_reason", pf_str(reason ? reason : "?"));
	pf_set(x, args, "exit_reason_value", pf_hex(r->value));
	if (check)
		pf_set(x, args, "check", pf_str(check));
	pf_instant(x, i, "VM exit", "vmx", args);
}

static void pf_vm_fail(struct pf *x, size_t i, const struct trace_event *r)
{
	const char *check = timeline_string(x->tl, r->str);
	json_t *args = json_object();

	pf_set(x, args, "vm_instruction_error", json_integer(r->value));
	if (check)
		pf_set(x, args, "check", pf_str(check));
	pf_instant(x, i, "VM entry failed", "vmx", args);
}

static void pf_decision(struct pf *x, size_t i, const struct trace_event *r)
{
	json_t *args = json_object();
	char name[96];

	pf_set(x, args, "choice", json_integer(r->kind));
	pf_set(x, args, "answer", json_integer(r->value));
	pf_set(x, args, "answers", json_integer(r->n));
	pf_set(x, args, "step", pf_int(r->step));
	snprintf(name, sizeof(name), "choice: %s", interleave_choice_name(r->kind));
	pf_instant(x, i, name, "decision", args);
}

static void pf_point(struct pf *x, size_t i, const struct trace_event *r)
{
	json_t *args = json_object();

	pf_set(x, args, "a", pf_hex(r->args[0]));
	pf_set(x, args, "b", pf_hex(r->args[1]));
	pf_instant(x, i, timeline_string(x->tl, r->str) ?: "?", "point", args);
}

static void pf_contended(struct pf *x, size_t i, const struct trace_event *r)
{
	const char *lock = timeline_string(x->tl, r->str) ?: "lock";
	json_t *args = json_object();
	char name[128];

	pf_set(x, args, "type", pf_str(trace_lock_type_name(r->value)));
	pf_set(x, args, "address", pf_str(trace_region_name(r->region)));
	pf_set(x, args, "offset", pf_hex(r->offset));
	snprintf(name, sizeof(name), "contended: %s", lock);
	pf_instant(x, i, name, "lock", args);
}

static void pf_report(struct pf *x, size_t i, const struct trace_event *r)
{
	json_t *args = json_object();
	char name[64];

	pf_set(x, args, "kind", pf_str(trace_report_kind_name(r->kind)));
	pf_set(x, args, "title", pf_str(timeline_string(x->tl, r->str) ?: "?"));
	snprintf(name, sizeof(name), "%s report", trace_report_kind_name(r->kind));
	pf_instant(x, i, name, "report", args);
}

static void pf_instant_of(struct pf *x, const struct tl_instant *in)
{
	const struct trace_event *r = &x->tl->ev[in->ev].r;
	char name[96], what[sizeof(name) + 8];

	switch (in->kind) {
	case TL_INSTANT_LOG:
		pf_log(x, in->ev, timeline_string(x->tl, r->str) ?: "?");
		break;
	case TL_INSTANT_REPORT:
		pf_report(x, in->ev, r);
		break;
	case TL_INSTANT_DECISION:
		pf_decision(x, in->ev, r);
		break;
	case TL_INSTANT_VMEXIT:
		pf_vm_exit(x, in->ev, r);
		break;
	case TL_INSTANT_VMFAIL:
		pf_vm_fail(x, in->ev, r);
		break;
	case TL_INSTANT_POINT:
		pf_point(x, in->ev, r);
		break;
	case TL_INSTANT_PARK:
		pf_instant(x, in->ev, "park", "task", NULL);
		break;
	case TL_INSTANT_EXIT:
		snprintf(what, sizeof(what), "%s exits",
			 pf_task_name(x, r->task, name, sizeof(name)));
		pf_instant(x, in->ev, what, "task", NULL);
		break;
	case TL_INSTANT_CONTENDED:
		pf_contended(x, in->ev, r);
		break;
	}
}

/* A report's marked event, where it happened (or at the report, when the trace lacks it). */
static void pf_mark(struct pf *x, const struct tl_mark *m)
{
	const struct trace_event *r = &x->tl->ev[m->ev].r;
	const char *label = timeline_string(x->tl, r->str) ?: "";
	json_t *args = json_object();
	char name[128];

	pf_set(x, args, "kind", pf_str(trace_mark_kind_name(r->kind)));
	pf_set(x, args, "label", pf_str(label));
	pf_set(x, args, "step", pf_int(r->args[0]));
	pf_set(x, args, "task", json_integer(r->to_task));
	pf_set(x, args, "address", pf_str(trace_region_name(r->region)));
	pf_set(x, args, "offset", pf_hex(r->offset));
	pf_set(x, args, "size", json_integer(r->size));
	pf_set(x, args, "pc", pf_hex(r->pc));
	if (m->report != TL_NONE)
		pf_set(x, args, "report",
		       pf_str(timeline_string(x->tl, x->tl->ev[m->report].r.str) ?: "?"));
	snprintf(name, sizeof(name), "%s: %s", trace_mark_kind_name(r->kind), label);
	pf_instant_at(x, m->target != TL_NONE ? m->target : m->ev, m->cpu, m->at, name, "mark",
		      args);
}

/* The window's numbers, for its instant and the metadata. */
static json_t *pf_window_args(struct pf *x)
{
	const struct trace_event *r = &x->tl->ev[x->tl->window.ev].r;
	json_t *args = json_object();

	pf_set(x, args, "what", pf_str(timeline_string(x->tl, r->str) ?: "?"));
	pf_set(x, args, "cpu", json_integer(r->cpu));
	pf_set(x, args, "to_cpu", json_integer(r->to_cpu));
	pf_set(x, args, "step", pf_int(r->step));
	pf_set(x, args, "steps_earlier", pf_int(r->args[0]));
	pf_set(x, args, "steps_later", pf_int(r->args[1]));
	pf_set(x, args, "cycles_earlier", pf_int(r->args[2]));
	pf_set(x, args, "cycles_later", pf_int(r->args[3]));
	return args;
}

static void pf_instants(struct pf *x)
{
	const struct timeline *tl = x->tl;

	for (size_t k = 0; k < tl->ninst; k++)
		pf_instant_of(x, &tl->inst[k]);
	for (size_t k = 0; k < tl->nmark; k++)
		pf_mark(x, &tl->mark[k]);
	if (tl->window.target != TL_NONE)
		pf_instant_at(x, tl->window.target, tl->window.cpu, tl->window.at,
			      "decisive preemption", "window", pf_window_args(x));
}

/* The run's outcome, as a global instant at the latest time any CPU reached. */
static void pf_end(struct pf *x)
{
	const struct timeline *tl = x->tl;
	const struct trace_event *end = tl->end_ev != TL_NONE ? &tl->ev[tl->end_ev].r : NULL;
	const char *msg = end ? timeline_string(tl, end->str) : NULL;
	unsigned int last = 0;
	uint8_t outcome = end ? end->kind : SIM_OK;
	json_t *ev, *args;

	for (unsigned int i = 1; i < tl->ncpus; i++)
		if (timeline_ns(tl, i, tl->cpu[i].now) > timeline_ns(tl, last, tl->cpu[last].now))
			last = i;
	args = json_object();
	pf_set(x, args, "outcome", pf_str(sim_outcome_name(outcome)));
	if (msg)
		pf_set(x, args, "message", pf_str(msg));
	ev = pf_event_at(x, "i", sim_outcome_name(outcome), "end", last, tl->cpu[last].now);
	pf_set(x, ev, "s", pf_str("g"));
	pf_set(x, ev, "args", args);
	pf_add(x, tl->nev + 1, PF_SELF, 0, ev);
}

/* ---- the document ---- */

static int pf_item_cmp(const void *a, const void *b)
{
	const struct pf_item *p = a, *q = b;

	if (p->ev != q->ev)
		return p->ev < q->ev ? -1 : 1;
	if (p->phase != q->phase)
		return p->phase < q->phase ? -1 : 1;
	if (p->seq != q->seq)
		return p->seq < q->seq ? -1 : 1;
	return p->n < q->n ? -1 : p->n > q->n;
}

/* Top-level "metadata": the run, and where each CPU's clock came from. */
static json_t *pf_run_metadata(struct pf *x)
{
	const struct timeline *tl = x->tl;
	json_t *md = json_object(), *cpus = json_array();
	char seed[24];

	snprintf(seed, sizeof(seed), "%" PRIu64, tl->hdr->seed);
	pf_set(x, md, "program", pf_str(tl->hdr->program));
	pf_set(x, md, "strategy", pf_str(tl->hdr->strategy));
	pf_set(x, md, "seed", pf_str(seed));
	pf_set(x, md, "ts", pf_str("microseconds: each CPU's cycles at its model's nominal MHz"));
	for (unsigned int i = 0; i < tl->ncpus; i++) {
		json_t *c = json_object();

		pf_set(x, c, "cpu", json_integer(i));
		pf_set(x, c, "model", pf_str(tl->cpu[i].model));
		pf_set(x, c, "mhz", json_integer(tl->cpu[i].mhz));
		pf_set(x, c, "clock", pf_str(tl->cpu[i].mhz_from_trace ? "trace" :
						  "default: the trace has no cpu record for this CPU"));
		if (json_array_append_new(cpus, c))
			x->failed = true;
	}
	pf_set(x, md, "cpus", cpus);
	if (tl->window.ev != TL_NONE)
		pf_set(x, md, "window", pf_window_args(x));
	pf_set(x, md, "records_skipped", pf_int(tl->skipped));
	return md;
}

/* The traceEvents array: the tracks' names, then every event in order. */
static json_t *pf_events(struct pf *x)
{
	const struct timeline *tl = x->tl;
	json_t *events = json_array();
	char name[96];

	snprintf(name, sizeof(name), "hvsim %s", tl->hdr->program);
	if (json_array_append_new(events, pf_metadata(x, "process_name", 0, "name", pf_str(name))))
		x->failed = true;
	for (unsigned int i = 0; i < tl->ncpus; i++) {
		snprintf(name, sizeof(name), "CPU%u", i);
		if (json_array_append_new(events, pf_metadata(x, "thread_name", i, "name",
							      pf_str(name))) ||
		    json_array_append_new(events, pf_metadata(x, "thread_sort_index", i,
							      "sort_index", json_integer(i))))
			x->failed = true;
	}
	qsort(x->item, x->nitem, sizeof(*x->item), pf_item_cmp);
	for (size_t k = 0; k < x->nitem; k++) {
		if (json_array_append_new(events, x->item[k].json))
			x->failed = true;
		x->item[k].json = NULL;
	}
	return events;
}

static json_t *pf_document(struct pf *x)
{
	json_t *root = json_object();

	pf_flows(x);
	pf_spans(x);
	pf_instants(x);
	pf_end(x);
	pf_set(x, root, "traceEvents", pf_events(x));
	pf_set(x, root, "displayTimeUnit", pf_str("ns"));
	pf_set(x, root, "metadata", pf_run_metadata(x));
	return root;
}

static int pf_write(json_t *root, const char *json_path, char *err, size_t errlen)
{
	FILE *f = fopen(json_path, "w");
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", json_path, strerror(errno));
		return ret;
	}
	/* Compact, in insertion order, reals to the nanosecond: the same bytes every time. */
	ret = json_dumpf(root, f, JSON_COMPACT | JSON_REAL_PRECISION(PF_REAL_DIGITS));
	if (fputc('\n', f) == EOF)
		ret = -1;
	if (fclose(f) || ret) {
		snprintf(err, errlen, "%s: write failed", json_path);
		return -EIO;
	}
	return 0;
}

int perfetto_export(const char *trace_path, const char *json_path, char *err, size_t errlen)
{
	struct pf x = { 0 };
	struct timeline *tl;
	json_t *root;
	int ret;

	ret = timeline_open_file(&tl, trace_path, err, errlen);
	if (ret)
		return ret;
	x.tl = tl;
	root = pf_document(&x);
	for (size_t k = 0; k < x.nitem; k++)
		json_decref(x.item[k].json);
	free(x.item);
	if (x.failed) {
		snprintf(err, errlen, "%s: out of memory building the JSON", trace_path);
		ret = -ENOMEM;
	} else {
		ret = pf_write(root, json_path, err, errlen);
	}
	json_decref(root);
	timeline_free(tl);
	return ret;
}
