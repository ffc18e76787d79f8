// SPDX-License-Identifier: MIT
/*
 * The timeline model (timeline.h, docs/viewer.md "How spans are
 * cut"). One pass over the trace, in its order.
 *
 * The trace is the simulator's interleaving of its CPUs: every record but
 * TR_SPAWN, TR_CPU, TR_END and TR_WINDOW names the CPU that performed it,
 * the task running there and that CPU's cycle counter. So the task a CPU
 * runs is the task of its latest record; its span opens at the first
 * record that names it there and closes at its last one there, once
 * another task appears on that CPU, the task appears on another CPU (it
 * migrated), or it exits.
 *
 * Each CPU's cycles are its own clock. A lane's time never goes back: a
 * write's record carries the cycle of its step's start but is written once
 * the store is done (after records of the same step, sim/engine/emit.c),
 * so it is placed at the latest time seen on its CPU.
 *
 * Every span remembers the event it opened at and the event whose cycle
 * ends it, so that an exporter can put its start and end among the other
 * events in trace order (perfetto.c does).
 */
#include "timeline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spans open inside a task's (an interrupt within guest mode...). */
#define TL_MAX_NESTED		8
/* IPIs or kicks on their way to one CPU, drawn to where they land. */
#define TL_MAX_PENDING		16
/* Requests made and not yet seen by their vCPU. */
#define TL_MAX_REQUESTS		64
/* Locks held at once, all CPUs together (more: a broken trace, not drawn). */
#define TL_MAX_HELD		1024
#define TL_NO_TASK		UINT32_MAX
#define TL_NO_CPU		UINT32_MAX

/* A span open inside the task's on a CPU. */
struct tl_nested {
	uint8_t kind;		/* TL_SPAN_IRQ or TL_SPAN_GUEST */
	uint64_t start, seq;
	size_t open_ev;
};

/* A spin stretch open on a CPU. */
struct tl_spin {
	bool open;
	bool by_lock;		/* a contended spinlock: until its acquire */
	uint32_t task;
	uint8_t region;		/* by_lock: the lock's address */
	uint64_t offset;
	uint64_t start, last, seq;	/* last: the cycle of its latest record */
	size_t open_ev, last_ev;
};

/* A CPU while the trace is read. */
struct tl_bcpu {
	uint32_t task;			/* task whose span is open, or TL_NO_TASK */
	uint64_t task_start, task_seq;
	size_t task_ev;
	uint64_t seen;			/* the open task's latest record there */
	size_t seen_ev;
	unsigned int nnested;
	struct tl_nested nested[TL_MAX_NESTED];	/* innermost last */
	unsigned int nipis;		/* IPIs sent to it whose handler has not run yet */
	size_t ipi[TL_MAX_PENDING];
	unsigned int nkicks;		/* kicks sent to it not yet out of the guest */
	size_t kick[TL_MAX_PENDING];
	struct tl_spin spin;
	bool hp_open;			/* a hotplug state is open */
	uint32_t hp_state, hp_task;
	uint64_t hp_start, hp_seq;
	size_t hp_ev;
	unsigned int nlocks;		/* locks held that were taken on it */
};

struct tl_btask {
	uint32_t cpu;			/* the CPU its span is open on, or TL_NO_CPU */
	bool exited;			/* its TR_EXIT was read: later records are its last switch */
	size_t wake_ev;			/* the wake-up waiting for its next run, or TL_NONE */
	bool parked;			/* a TR_PARK waits for its next run */
	uint32_t park_cpu;
	uint64_t park_start, park_seq;
	size_t park_ev;
};

/* A lock held. */
struct tl_held {
	uint8_t region;
	uint64_t offset;
	uint32_t task, cpu, type;
	const char *name;
	uint64_t start, seq;
	size_t open_ev;
	uint8_t depth;
};

/* A request made (kvm_make_request) and not yet seen. */
struct tl_request {
	uint64_t vcpu, req;
	size_t ev;
};

struct tl_build {
	struct timeline *tl;
	struct tl_bcpu cpu[SIM_MAX_CPUS];
	struct tl_btask *task;		/* TL_MAX_TASKS entries */
	struct tl_held held[TL_MAX_HELD];
	unsigned int nheld;
	struct tl_request req[TL_MAX_REQUESTS];
	unsigned int nreq;
	uint64_t seq;			/* spans opened */
	size_t report;			/* the latest TR_REPORT, or TL_NONE */
	size_t cap_ev, cap_span, cap_inst, cap_flow, cap_mark;
	size_t *cap_cpu_ev;		/* SIM_MAX_CPUS entries */
	bool failed;			/* an allocation failed */
};

/* ---- growing arrays ---- */

static void *tl_grow(struct tl_build *b, void **v, size_t *n, size_t *cap, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		void *grown = realloc(*v, ncap * size);

		if (!grown) {
			b->failed = true;
			return NULL;
		}
		*v = grown;
		*cap = ncap;
	}
	return memset((char *)*v + (*n)++ * size, 0, size);
}

#define TL_PUSH(b, arr, n, cap) \
	((__typeof__(arr))tl_grow((b), (void **)&(arr), &(n), &(cap), sizeof(*(arr))))

/* ---- spans ---- */

static struct tl_span *tl_span_add(struct tl_build *b, enum tl_span_kind kind, uint32_t cpu,
				   uint32_t task, uint64_t start, uint64_t end, size_t open_ev,
				   size_t end_ev, uint64_t seq)
{
	struct timeline *tl = b->tl;
	struct tl_span *s = TL_PUSH(b, tl->span, tl->nspan, b->cap_span);

	if (!s)
		return NULL;
	s->kind = (uint8_t)kind;
	s->cpu = cpu;
	s->task = task;
	s->start = start;
	s->end = end < start ? start : end;
	s->open_ev = open_ev;
	s->end_ev = end_ev;
	s->seq = seq;
	return s;
}

static void tl_instant_add(struct tl_build *b, size_t ev, enum tl_instant_kind kind)
{
	struct timeline *tl = b->tl;
	struct tl_instant *in = TL_PUSH(b, tl->inst, tl->ninst, b->cap_inst);

	if (in) {
		in->ev = ev;
		in->kind = (uint8_t)kind;
	}
}

static void tl_flow_add(struct tl_build *b, enum tl_flow_kind kind, size_t from, size_t to)
{
	struct timeline *tl = b->tl;
	struct tl_flow *f = TL_PUSH(b, tl->flow, tl->nflow, b->cap_flow);

	if (f) {
		f->kind = (uint8_t)kind;
		f->from_ev = from;
		f->to_ev = to;
	}
}

static uint64_t tl_at(const struct tl_build *b, size_t i)
{
	return b->tl->ev[i].at;
}

static void tl_nested_open(struct tl_build *b, unsigned int cpu, enum tl_span_kind kind,
			   size_t i)
{
	struct tl_bcpu *c = &b->cpu[cpu];
	struct tl_nested *n;

	/* Deeper than any run nests: drawn no more. */
	if (c->nnested == TL_MAX_NESTED)
		return;
	n = &c->nested[c->nnested++];
	n->kind = (uint8_t)kind;
	n->start = tl_at(b, i);
	n->open_ev = i;
	n->seq = b->seq++;
}

/* Close the innermost nested span of @cpu at event @end_ev's cycle @end. */
static struct tl_span *tl_nested_close(struct tl_build *b, unsigned int cpu, uint64_t end,
				       size_t end_ev)
{
	struct tl_bcpu *c = &b->cpu[cpu];
	struct tl_nested *n = &c->nested[--c->nnested];

	return tl_span_add(b, n->kind, cpu, c->task, n->start, end, n->open_ev, end_ev, n->seq);
}

static bool tl_nested_top_is(const struct tl_bcpu *c, enum tl_span_kind kind)
{
	return c->nnested && c->nested[c->nnested - 1].kind == kind;
}

static void tl_spin_close(struct tl_build *b, unsigned int cpu)
{
	struct tl_spin *s = &b->cpu[cpu].spin;

	if (!s->open)
		return;
	tl_span_add(b, TL_SPAN_SPIN, cpu, s->task, s->start, s->last, s->open_ev, s->last_ev,
		    s->seq);
	s->open = false;
}

/*
 * Close @cpu's task span, and the spans inside it first, at the task's
 * latest record there: what the CPU did after it, it did for another task
 * (or it idled, which leaves no record).
 */
static void tl_task_close(struct tl_build *b, unsigned int cpu)
{
	struct tl_bcpu *c = &b->cpu[cpu];

	if (c->task == TL_NO_TASK)
		return;
	tl_spin_close(b, cpu);
	while (c->nnested)
		tl_nested_close(b, cpu, c->seen, c->seen_ev);
	tl_span_add(b, TL_SPAN_TASK, cpu, c->task, c->task_start, c->seen, c->task_ev, c->seen_ev,
		    c->task_seq);
	b->task[c->task].cpu = TL_NO_CPU;
	c->task = TL_NO_TASK;
}

static void tl_parked_close(struct tl_build *b, uint32_t task, uint64_t end, size_t end_ev)
{
	struct tl_btask *t = &b->task[task];

	tl_span_add(b, TL_SPAN_PARKED, t->park_cpu, task, t->park_start, end, t->park_ev, end_ev,
		    t->park_seq);
	t->parked = false;
}

/* Event @i's task runs on @cpu now: its span there opens, unless it is open already. */
static void tl_runs(struct tl_build *b, unsigned int cpu, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	struct tl_bcpu *c = &b->cpu[cpu];
	struct tl_btask *t = &b->task[r->task];

	if (c->task != r->task) {
		tl_task_close(b, cpu);
		if (t->cpu != TL_NO_CPU)
			tl_task_close(b, t->cpu);
		c->task = r->task;
		c->task_start = tl_at(b, i);
		c->task_ev = i;
		c->task_seq = b->seq++;
		t->cpu = cpu;
	}
	c->seen = tl_at(b, i);
	c->seen_ev = i;
	if (t->wake_ev != TL_NONE) {
		tl_flow_add(b, TL_FLOW_WAKE, t->wake_ev, i);
		t->wake_ev = TL_NONE;
	}
	/* The switch away right after a park is not running again. */
	if (t->parked && r->type != TR_SWITCH)
		tl_parked_close(b, r->task, tl_at(b, i), i);
}

/* ---- spinning ---- */

/* Does @r go on with a cpu_relax() loop: it re-reads, relaxes or is decided on? */
static bool tl_spins(const struct trace_event *r)
{
	if (r->type == TR_DECISION)
		return true;
	if (r->type != TR_ACCESS)
		return false;
	return r->kind == SIM_READ || r->kind == SIM_READ_MARKED || r->kind == SIM_ATOMIC_LOAD ||
	       r->kind == SIM_RELAX;
}

/* Before event @i is taken in: does it end @cpu's spin stretch? */
static void tl_spin_before(struct tl_build *b, unsigned int cpu, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	struct tl_spin *s = &b->cpu[cpu].spin;

	if (!s->open)
		return;
	if (r->task != s->task) {
		tl_spin_close(b, cpu);
	} else if (s->by_lock) {
		s->last = tl_at(b, i);
		s->last_ev = i;
	} else if (!tl_spins(r)) {
		tl_spin_close(b, cpu);
	}
}

static void tl_spin_open(struct tl_build *b, unsigned int cpu, size_t i)
{
	struct tl_spin *s = &b->cpu[cpu].spin;

	if (!s->open) {
		s->open = true;
		s->by_lock = false;
		s->task = b->tl->ev[i].r.task;
		s->start = tl_at(b, i);
		s->open_ev = i;
		s->seq = b->seq++;
	}
	s->last = tl_at(b, i);
	s->last_ev = i;
}

/* ---- locks ---- */

static void tl_lock_acquire(struct tl_build *b, unsigned int cpu, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	struct tl_spin *s = &b->cpu[cpu].spin;
	struct tl_held *h;

	if (s->open && s->by_lock && s->region == r->region && s->offset == r->offset)
		tl_spin_close(b, cpu);
	if (b->nheld == TL_MAX_HELD)
		return;
	h = &b->held[b->nheld++];
	h->region = r->region;
	h->offset = r->offset;
	h->task = r->task;
	h->cpu = cpu;
	h->type = r->value;
	h->name = timeline_string(b->tl, r->str);
	h->start = tl_at(b, i);
	h->open_ev = i;
	h->seq = b->seq++;
	h->depth = (uint8_t)(b->cpu[cpu].nlocks < UINT8_MAX ? b->cpu[cpu].nlocks : UINT8_MAX);
	b->cpu[cpu].nlocks++;
	if (b->tl->lock_depth < (unsigned int)h->depth + 1)
		b->tl->lock_depth = (unsigned int)h->depth + 1;
}

static void tl_held_close(struct tl_build *b, unsigned int k, uint64_t end, size_t end_ev)
{
	struct tl_held *h = &b->held[k];
	struct tl_span *s;

	s = tl_span_add(b, TL_SPAN_LOCK, h->cpu, h->task, h->start, end, h->open_ev, end_ev,
			h->seq);
	if (s) {
		s->value = h->type;
		s->text = h->name;
		s->depth = h->depth;
	}
	b->cpu[h->cpu].nlocks--;
	memmove(&b->held[k], &b->held[k + 1], (b->nheld - k - 1) * sizeof(*h));
	b->nheld--;
}

/* The holder's own acquisition, else (a semaphore released by another) the latest one. */
static void tl_lock_release(struct tl_build *b, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	unsigned int any = UINT32_MAX;

	for (unsigned int k = b->nheld; k-- > 0;) {
		const struct tl_held *h = &b->held[k];

		if (h->region != r->region || h->offset != r->offset)
			continue;
		if (h->task == r->task) {
			tl_held_close(b, k, tl_at(b, i), i);
			return;
		}
		if (any == UINT32_MAX)
			any = k;
	}
	if (any != UINT32_MAX)
		tl_held_close(b, any, tl_at(b, i), i);
}

static void tl_lock(struct tl_build *b, unsigned int cpu, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	struct tl_spin *s = &b->cpu[cpu].spin;

	switch (r->kind) {
	case TR_LOCK_ACQUIRE:
		tl_lock_acquire(b, cpu, i);
		break;
	case TR_LOCK_RELEASE:
		tl_lock_release(b, i);
		break;
	case TR_LOCK_CONTENDED:
		tl_instant_add(b, i, TL_INSTANT_CONTENDED);
		if (r->value != TR_LOCK_SPIN)
			break;
		tl_spin_open(b, cpu, i);
		s->by_lock = true;
		s->region = r->region;
		s->offset = r->offset;
		break;
	}
}

/* ---- hotplug states ---- */

static void tl_cpuhp_close(struct tl_build *b, unsigned int cpu, uint64_t end, size_t end_ev)
{
	struct tl_bcpu *c = &b->cpu[cpu];
	struct tl_span *s;

	if (!c->hp_open)
		return;
	s = tl_span_add(b, TL_SPAN_CPUHP, cpu, c->hp_task, c->hp_start, end, c->hp_ev, end_ev,
			c->hp_seq);
	if (s)
		s->value = c->hp_state;
	c->hp_open = false;
}

/* Event @i puts CPU to_cpu into a state: the state before ends, the new one starts. */
static void tl_cpuhp(struct tl_build *b, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	struct tl_bcpu *c;
	uint64_t at = tl_at(b, i);

	if (r->to_cpu >= b->tl->ncpus)
		return;
	c = &b->cpu[r->to_cpu];
	b->tl->has_cpuhp = true;
	/* Another CPU's clock may lag the state before: a state never starts before it. */
	if (c->hp_open && at < c->hp_start)
		at = c->hp_start;
	tl_cpuhp_close(b, r->to_cpu, at, i);
	c->hp_open = true;
	c->hp_state = r->value;
	c->hp_task = r->task;
	c->hp_start = at;
	c->hp_ev = i;
	c->hp_seq = b->seq++;
}

/* ---- IPIs, requests and kicks ---- */

static void tl_pending_add(unsigned int *n, size_t *v, size_t i)
{
	/* More on their way than a handler takes at once: the later ones draw none. */
	if (*n < TL_MAX_PENDING)
		v[(*n)++] = i;
}

/* Event @i on @cpu (an interrupt handler's start, a VM exit): the kicks on their way land. */
static void tl_kicks_land(struct tl_build *b, unsigned int cpu, size_t i)
{
	struct tl_bcpu *c = &b->cpu[cpu];

	for (unsigned int k = 0; k < c->nkicks; k++)
		tl_flow_add(b, TL_FLOW_KICK, c->kick[k], i);
	c->nkicks = 0;
}

static void tl_ipis_land(struct tl_build *b, unsigned int cpu, size_t i)
{
	struct tl_bcpu *c = &b->cpu[cpu];

	for (unsigned int k = 0; k < c->nipis; k++)
		tl_flow_add(b, TL_FLOW_IPI, c->ipi[k], i);
	c->nipis = 0;
}

static void tl_request_made(struct tl_build *b, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;

	/* Made again before it was seen: one bit, the first request's arrow. */
	for (unsigned int k = 0; k < b->nreq; k++)
		if (b->req[k].vcpu == r->args[0] && b->req[k].req == r->args[1])
			return;
	if (b->nreq == TL_MAX_REQUESTS)
		return;
	b->req[b->nreq].vcpu = r->args[0];
	b->req[b->nreq].req = r->args[1];
	b->req[b->nreq++].ev = i;
}

static void tl_request_seen(struct tl_build *b, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;

	for (unsigned int k = 0; k < b->nreq; k++) {
		if (b->req[k].vcpu != r->args[0] || b->req[k].req != r->args[1])
			continue;
		tl_flow_add(b, TL_FLOW_REQUEST, b->req[k].ev, i);
		b->req[k] = b->req[--b->nreq];
		return;
	}
}

static void tl_point(struct tl_build *b, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	const char *name = timeline_string(b->tl, r->str);

	tl_instant_add(b, i, TL_INSTANT_POINT);
	if (!name)
		return;
	if (!strcmp(name, "kvm_make_request"))
		tl_request_made(b, i);
	else if (!strcmp(name, "kvm_check_request"))
		tl_request_seen(b, i);
	else if (!strcmp(name, "kvm_vcpu_kick") && r->args[1] < b->tl->ncpus)
		/* The second value is the CPU the kick's IPI went to (-1: none). */
		tl_pending_add(&b->cpu[r->args[1]].nkicks, b->cpu[r->args[1]].kick, i);
}

/* ---- records ---- */

static void tl_vmx(struct tl_build *b, unsigned int cpu, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	struct tl_bcpu *c = &b->cpu[cpu];
	struct tl_span *s;

	switch (r->kind) {
	case TR_VMX_ENTRY:
		tl_nested_open(b, cpu, TL_SPAN_GUEST, i);
		break;
	case TR_VMX_EXIT:
		tl_kicks_land(b, cpu, i);
		if (!tl_nested_top_is(c, TL_SPAN_GUEST)) {
			tl_instant_add(b, i, TL_INSTANT_VMEXIT);
			break;
		}
		s = tl_nested_close(b, cpu, tl_at(b, i), i);
		if (s) {
			s->has_exit = true;
			s->value = r->value;
			s->text = r->str ? timeline_string(b->tl, r->str) : NULL;
		}
		break;
	default:
		tl_instant_add(b, i, TL_INSTANT_VMFAIL);
		break;
	}
}

static void tl_irq(struct tl_build *b, unsigned int cpu, size_t i)
{
	if (b->tl->ev[i].r.kind) {
		tl_nested_open(b, cpu, TL_SPAN_IRQ, i);
		tl_ipis_land(b, cpu, i);
		tl_kicks_land(b, cpu, i);
	} else if (tl_nested_top_is(&b->cpu[cpu], TL_SPAN_IRQ)) {
		tl_nested_close(b, cpu, tl_at(b, i), i);
	}
}

static void tl_mark(struct tl_build *b, size_t i)
{
	struct timeline *tl = b->tl;
	struct tl_mark *m = TL_PUSH(b, tl->mark, tl->nmark, b->cap_mark);

	if (!m)
		return;
	m->ev = i;
	m->report = b->report;
	m->target = TL_NONE;
	m->cpu = tl->ev[i].r.cpu;
	m->at = tl->ev[i].at;
}

/* What event @i, of a task that runs, does to the model. */
static void tl_effect(struct tl_build *b, unsigned int cpu, size_t i)
{
	const struct trace_event *r = &b->tl->ev[i].r;
	struct tl_btask *t = &b->task[r->task];

	switch (r->type) {
	case TR_ACCESS:
		if (r->kind == SIM_RELAX)
			tl_spin_open(b, cpu, i);
		break;
	case TR_EXIT:
		tl_instant_add(b, i, TL_INSTANT_EXIT);
		tl_task_close(b, cpu);
		t->exited = true;
		break;
	case TR_PARK:
		tl_instant_add(b, i, TL_INSTANT_PARK);
		tl_spin_close(b, cpu);
		t->parked = true;
		t->park_cpu = cpu;
		t->park_start = tl_at(b, i);
		t->park_ev = i;
		t->park_seq = b->seq++;
		break;
	case TR_WAKE:
		/* Woken again before it ran: the first wake-up's arrow stands. */
		if (r->to_task < TL_MAX_TASKS && b->task[r->to_task].wake_ev == TL_NONE)
			b->task[r->to_task].wake_ev = i;
		break;
	case TR_DECISION:
		if (r->value)
			tl_instant_add(b, i, TL_INSTANT_DECISION);
		break;
	case TR_LOG:
		tl_instant_add(b, i, TL_INSTANT_LOG);
		break;
	case TR_IRQ:
		tl_irq(b, cpu, i);
		break;
	case TR_VMX:
		tl_vmx(b, cpu, i);
		break;
	case TR_IPI:
		if (r->to_cpu < b->tl->ncpus)
			tl_pending_add(&b->cpu[r->to_cpu].nipis, b->cpu[r->to_cpu].ipi, i);
		break;
	case TR_POINT:
		tl_point(b, i);
		break;
	case TR_LOCK:
		tl_lock(b, cpu, i);
		break;
	case TR_CPUHP:
		tl_cpuhp(b, i);
		break;
	case TR_REPORT:
		tl_instant_add(b, i, TL_INSTANT_REPORT);
		b->report = i;
		break;
	case TR_MARK:
		tl_mark(b, i);
		break;
	}
}

bool timeline_event_unclocked(const struct tl_event *e)
{
	return e->r.type == TR_END || e->r.type == TR_WINDOW || e->r.type == TR_SPAWN ||
	       e->r.type == TR_CPU;
}

/* Records on no CPU's clock: they describe the run, they are not steps of it. */
static void tl_unclocked(struct tl_build *b, size_t i)
{
	struct timeline *tl = b->tl;
	const struct trace_event *r = &tl->ev[i].r;

	tl->ev[i].at = r->cycle;
	switch (r->type) {
	case TR_SPAWN:
		if (r->task >= TL_MAX_TASKS) {
			tl->skipped++;
			break;
		}
		tl->task[r->task].name = timeline_string(tl, r->str);
		tl->task[r->task].spawned = true;
		b->task[r->task].exited = false;
		break;
	case TR_CPU:
		/* A zero frequency is no clock: the default stands. */
		if (r->cpu >= tl->ncpus || !r->value)
			break;
		tl->cpu[r->cpu].mhz = r->value;
		tl->cpu[r->cpu].mhz_from_trace = true;
		tl->cpu[r->cpu].model = r->str ? timeline_string(tl, r->str) ?: "" : "";
		break;
	case TR_END:
		tl->end_ev = i;
		tl->ev[i].at = tl->end;
		break;
	case TR_WINDOW:
		tl->window.ev = i;
		break;
	}
}

static void tl_record(struct tl_build *b, const struct trace_event *r)
{
	struct timeline *tl = b->tl;
	struct tl_event *e;
	struct tl_cpu *c;
	size_t i;

	if ((r->type <= TR_STRING || r->type >= TR_NR_TYPES) ||
	    (r->type != TR_SPAWN && r->type != TR_CPU && r->type != TR_END &&
	     r->type != TR_WINDOW && (r->cpu >= tl->ncpus || r->task >= TL_MAX_TASKS))) {
		tl->skipped++;
		return;
	}
	e = TL_PUSH(b, tl->ev, tl->nev, b->cap_ev);
	if (!e)
		return;
	e->r = *r;
	i = tl->nev - 1;
	if (timeline_event_unclocked(e)) {
		tl_unclocked(b, i);
		return;
	}
	c = &tl->cpu[r->cpu];
	e->at = r->cycle > c->now ? r->cycle : c->now;
	c->now = e->at;
	if (c->now > tl->end)
		tl->end = c->now;
	{
		size_t *slot = TL_PUSH(b, c->ev, c->nev, b->cap_cpu_ev[r->cpu]);

		if (slot)
			*slot = i;
	}
	/* The switch away from a task that exited: nothing of it runs any more. */
	if (b->task[r->task].exited)
		return;
	tl_spin_before(b, r->cpu, i);
	tl_runs(b, r->cpu, i);
	tl_effect(b, r->cpu, i);
}

/* The trace has ended: what is still open closes. */
static void tl_finish(struct tl_build *b)
{
	struct timeline *tl = b->tl;

	for (unsigned int i = 0; i < tl->ncpus; i++)
		tl_task_close(b, i);
	for (uint32_t t = 0; t < TL_MAX_TASKS; t++)
		if (b->task[t].parked)
			tl_parked_close(b, t, tl->end, TL_NONE);
	while (b->nheld) {
		const struct tl_held *h = &b->held[b->nheld - 1];

		tl_held_close(b, b->nheld - 1, tl->cpu[h->cpu].now, TL_NONE);
	}
	for (unsigned int i = 0; i < tl->ncpus; i++)
		tl_cpuhp_close(b, i, tl->end, TL_NONE);
}

/* ---- marks and the window: the events they name ---- */

/*
 * How well @r fits as the event a mark of kind @kind names: 2 the kind of
 * record it names (an access for a race, an acquisition for an
 * inversion), 1 another record of the same step, 0 none.
 */
static unsigned int tl_mark_rank(const struct trace_event *r, unsigned int kind)
{
	if (r->type == TR_MARK || r->type == TR_REPORT || r->type == TR_LOG)
		return 0;
	switch (kind) {
	case TR_MARK_READ:
	case TR_MARK_WRITE:
		return r->type == TR_ACCESS ? 2 : 1;
	case TR_MARK_ACQUIRE:
		return (r->type == TR_LOCK && r->kind == TR_LOCK_ACQUIRE) ||
		       (r->type == TR_ACCESS && r->kind == SIM_KCALL) ? 2 : 1;
	default:
		return 2;
	}
}

/*
 * The same for a decisive preemption: its decision (the step a window
 * names; the engine writes the switch it made with the step before),
 * else a preempting switch.
 */
static unsigned int tl_window_rank(const struct trace_event *r, unsigned int unused)
{
	(void)unused;
	if (r->type == TR_DECISION)
		return 3;
	return r->type == TR_SWITCH && r->preempt ? 2 : r->type != TR_MARK;
}

/*
 * The event of step @step on @cpu that ranks best (the first of equals),
 * else the last one before that step; TL_NONE when the CPU has no event
 * at or before it.
 */
static size_t tl_find_step(const struct timeline *tl, uint32_t cpu, uint64_t step,
			   unsigned int (*rank)(const struct trace_event *, unsigned int),
			   unsigned int arg)
{
	const struct tl_cpu *c = &tl->cpu[cpu];
	size_t best = TL_NONE, before = TL_NONE;
	unsigned int best_rank = 0;

	for (size_t k = 0; k < c->nev; k++) {
		const struct trace_event *r = &tl->ev[c->ev[k]].r;
		unsigned int n = r->step == step ? rank(r, arg) : 0;

		if (n > best_rank) {
			best = c->ev[k];
			best_rank = n;
		}
		if (r->step <= step && r->type != TR_MARK)
			before = c->ev[k];
	}
	return best != TL_NONE ? best : before;
}

static void tl_resolve(struct timeline *tl)
{
	for (size_t k = 0; k < tl->nmark; k++) {
		struct tl_mark *m = &tl->mark[k];
		const struct trace_event *r = &tl->ev[m->ev].r;

		if (r->to_cpu >= tl->ncpus)
			continue;
		m->target = tl_find_step(tl, r->to_cpu, r->args[0], tl_mark_rank, r->kind);
		if (m->target == TL_NONE)
			continue;
		m->cpu = r->to_cpu;
		m->at = tl->ev[m->target].at;
	}
	if (tl->window.ev != TL_NONE) {
		const struct trace_event *r = &tl->ev[tl->window.ev].r;

		tl->window.cpu = r->cpu;
		tl->window.at = r->cycle;
		if (r->cpu < tl->ncpus)
			tl->window.target = tl_find_step(tl, r->cpu, r->step, tl_window_rank, 0);
		if (tl->window.target != TL_NONE)
			tl->window.at = tl->ev[tl->window.target].at;
	}
}

/* ---- opening ---- */

static struct timeline *tl_new(void)
{
	struct timeline *tl = calloc(1, sizeof(*tl));

	if (!tl)
		return NULL;
	tl->task = calloc(TL_MAX_TASKS, sizeof(*tl->task));
	if (!tl->task) {
		free(tl);
		return NULL;
	}
	tl->end_ev = TL_NONE;
	tl->window.ev = TL_NONE;
	tl->window.target = TL_NONE;
	for (unsigned int i = 0; i < SIM_MAX_CPUS; i++) {
		tl->cpu[i].mhz = TL_DEFAULT_MHZ;
		tl->cpu[i].model = "";
	}
	return tl;
}

static struct tl_build *tl_build_new(struct timeline *tl)
{
	struct tl_build *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->task = calloc(TL_MAX_TASKS, sizeof(*b->task));
	b->cap_cpu_ev = calloc(SIM_MAX_CPUS, sizeof(*b->cap_cpu_ev));
	if (!b->task || !b->cap_cpu_ev) {
		free(b->task);
		free(b->cap_cpu_ev);
		free(b);
		return NULL;
	}
	b->tl = tl;
	b->report = TL_NONE;
	for (size_t i = 0; i < TL_MAX_TASKS; i++) {
		b->task[i].cpu = TL_NO_CPU;
		b->task[i].wake_ev = TL_NONE;
	}
	for (unsigned int i = 0; i < SIM_MAX_CPUS; i++)
		b->cpu[i].task = TL_NO_TASK;
	return b;
}

static void tl_build_free(struct tl_build *b)
{
	if (!b)
		return;
	free(b->task);
	free(b->cap_cpu_ev);
	free(b);
}

/* Read the opened trace of @tl whole. */
static int tl_read(struct timeline *tl, char *err, size_t errlen)
{
	struct tl_build *b = tl_build_new(tl);
	struct trace_event e;
	int ret;

	if (!b) {
		snprintf(err, errlen, "%s: out of memory", tl->path);
		return -ENOMEM;
	}
	tl->hdr = trace_reader_header(tl->tr);
	tl->ncpus = tl->hdr->ncpus < SIM_MAX_CPUS ? tl->hdr->ncpus : SIM_MAX_CPUS;
	while ((ret = trace_next(tl->tr, &e, err, errlen)) == 1)
		tl_record(b, &e);
	if (ret == 0) {
		tl_finish(b);
		tl_resolve(tl);
	}
	if (ret == 0 && b->failed) {
		snprintf(err, errlen, "%s: out of memory", tl->path);
		ret = -ENOMEM;
	}
	tl_build_free(b);
	return ret;
}

static int tl_open(struct timeline **out, struct trace_reader *tr, const char *name,
		   char *err, size_t errlen)
{
	struct timeline *tl = tl_new();
	int ret;

	*out = NULL;
	if (!tl || !(tl->path = strdup(name))) {
		if (tl)
			free(tl->task);
		free(tl);
		trace_reader_close(tr);
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	tl->tr = tr;
	ret = tl_read(tl, err, errlen);
	if (ret) {
		timeline_free(tl);
		return ret;
	}
	*out = tl;
	return 0;
}

int timeline_open_file(struct timeline **out, const char *path, char *err, size_t errlen)
{
	struct trace_reader *tr;
	int ret;

	*out = NULL;
	ret = trace_reader_open_file(&tr, path, err, errlen);
	if (ret)
		return ret;
	return tl_open(out, tr, path, err, errlen);
}

int timeline_open_mem(struct timeline **out, const uint8_t *data, size_t len, const char *name,
		      char *err, size_t errlen)
{
	struct trace_reader *tr;
	int ret;

	*out = NULL;
	ret = trace_reader_open_mem(&tr, data, len, name, err, errlen);
	if (ret)
		return ret;
	return tl_open(out, tr, name, err, errlen);
}

void timeline_free(struct timeline *tl)
{
	if (!tl)
		return;
	for (unsigned int i = 0; i < SIM_MAX_CPUS; i++)
		free(tl->cpu[i].ev);
	free(tl->ev);
	free(tl->span);
	free(tl->inst);
	free(tl->flow);
	free(tl->mark);
	free(tl->task);
	free((char *)tl->path);
	if (tl->tr)
		trace_reader_close(tl->tr);
	free(tl);
}

/* ---- questions ---- */

const char *timeline_string(const struct timeline *tl, uint32_t id)
{
	return id ? trace_reader_string(tl->tr, id) : NULL;
}

const char *timeline_task_label(const struct timeline *tl, uint32_t task, char *buf, size_t len)
{
	const char *name = task < TL_MAX_TASKS ? tl->task[task].name : NULL;

	snprintf(buf, len, "%s:%" PRIu32, name ? name : "task", task);
	return buf;
}

uint64_t timeline_ns(const struct timeline *tl, unsigned int cpu, uint64_t cycle)
{
	uint32_t mhz = cpu < tl->ncpus ? tl->cpu[cpu].mhz : TL_DEFAULT_MHZ;

	return cycle / mhz * 1000 + cycle % mhz * 1000 / mhz;
}

static const char *const tl_jump_names[TL_NR_JUMPS] = {
	[TL_JUMP_REPORT]	= "report",
	[TL_JUMP_LOCK]		= "lock",
	[TL_JUMP_IPI]		= "IPI",
	[TL_JUMP_VMEXIT]	= "VM exit",
	[TL_JUMP_DECISION]	= "decision",
	[TL_JUMP_LOG]		= "log",
	[TL_JUMP_WAKE]		= "wake-up",
	[TL_JUMP_REQUEST]	= "request",
	[TL_JUMP_HOTPLUG]	= "hotplug",
	[TL_JUMP_ANY]		= "any",
};

const char *timeline_jump_name(enum tl_jump k)
{
	return (unsigned int)k < TL_NR_JUMPS ? tl_jump_names[k] : "?";
}

static bool tl_is_request_point(const struct timeline *tl, const struct trace_event *r)
{
	const char *name = timeline_string(tl, r->str);

	return name && (!strcmp(name, "kvm_make_request") || !strcmp(name, "kvm_check_request") ||
			!strcmp(name, "kvm_vcpu_kick"));
}

bool timeline_event_is(const struct timeline *tl, size_t i, enum tl_jump k)
{
	const struct trace_event *r = &tl->ev[i].r;

	if (timeline_event_unclocked(&tl->ev[i]))
		return false;
	switch (k) {
	case TL_JUMP_REPORT:
		return r->type == TR_REPORT || r->type == TR_MARK;
	case TL_JUMP_LOCK:
		return r->type == TR_LOCK;
	case TL_JUMP_IPI:
		return r->type == TR_IPI;
	case TL_JUMP_VMEXIT:
		return r->type == TR_VMX && r->kind != TR_VMX_ENTRY;
	case TL_JUMP_DECISION:
		return r->type == TR_DECISION && r->value;
	case TL_JUMP_LOG:
		return r->type == TR_LOG;
	case TL_JUMP_WAKE:
		return r->type == TR_WAKE || r->type == TR_PARK;
	case TL_JUMP_REQUEST:
		return r->type == TR_POINT && tl_is_request_point(tl, r);
	case TL_JUMP_HOTPLUG:
		return r->type == TR_CPUHP;
	case TL_JUMP_ANY:
		return true;
	default:
		return false;
	}
}

bool timeline_event_place(const struct timeline *tl, size_t i, uint32_t *cpu, uint64_t *at)
{
	const struct tl_event *e;

	if (i >= tl->nev)
		return false;
	e = &tl->ev[i];
	if (e->r.type == TR_WINDOW) {
		*cpu = tl->window.cpu;
		*at = tl->window.at;
		return tl->window.cpu < tl->ncpus;
	}
	if (e->r.type == TR_END) {
		/* On the lane that reached the end. */
		*cpu = 0;
		for (unsigned int c = 1; c < tl->ncpus; c++)
			if (tl->cpu[c].now > tl->cpu[*cpu].now)
				*cpu = c;
		*at = tl->end;
		return tl->ncpus > 0;
	}
	if (timeline_event_unclocked(e))
		return false;
	if (e->r.type == TR_MARK) {
		for (size_t k = 0; k < tl->nmark; k++) {
			if (tl->mark[k].ev != i)
				continue;
			*cpu = tl->mark[k].cpu;
			*at = tl->mark[k].at;
			return *cpu < tl->ncpus;
		}
	}
	*cpu = e->r.cpu;
	*at = e->at;
	return true;
}

size_t timeline_next(const struct timeline *tl, size_t from, enum tl_jump k, int dir,
		     uint64_t lanes)
{
	size_t i;

	if (!tl->nev)
		return TL_NONE;
	if (dir > 0)
		i = from == TL_NONE ? 0 : from + 1;
	else
		i = from == TL_NONE || from > tl->nev ? tl->nev - 1 : from - 1;
	for (; i < tl->nev; i += dir > 0 ? 1 : (size_t)-1) {
		uint32_t cpu;
		uint64_t at;

		if (!timeline_event_is(tl, i, k) || !timeline_event_place(tl, i, &cpu, &at))
			continue;
		if (cpu < 64 && (lanes >> cpu & 1))
			return i;
	}
	return TL_NONE;
}

size_t timeline_failure(const struct timeline *tl)
{
	const struct trace_event *end;
	size_t last_log = TL_NONE;

	if (tl->nmark)
		return tl->mark[0].target != TL_NONE ? tl->mark[0].target : tl->mark[0].ev;
	for (size_t k = 0; k < tl->ninst; k++) {
		if (tl->inst[k].kind == TL_INSTANT_REPORT)
			return tl->inst[k].ev;
		if (tl->inst[k].kind == TL_INSTANT_LOG)
			last_log = tl->inst[k].ev;
	}
	if (tl->end_ev == TL_NONE)
		return TL_NONE;
	end = &tl->ev[tl->end_ev].r;
	if (!sim_outcome_is_failure((enum sim_outcome)end->kind))
		return TL_NONE;
	return last_log != TL_NONE ? last_log : tl->end_ev;
}
