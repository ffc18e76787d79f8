/* SPDX-License-Identifier: MIT */
/*
 * A trace (include/hvsim/trace.h) as a timeline: the one model every
 * viewer of a run draws from (render.c's image, view.c's window,
 * perfetto.c's JSON). One pass over the trace gives, per CPU, the spans of
 * what it did (the task it ran, interrupt handlers and guest mode inside
 * it, spinning, a task parked, locks held, its hotplug state), the
 * instants (log lines, reports, decisions, tracepoints...), the flows
 * between CPUs (IPIs, wake-ups, requests, kicks), a report's marked events
 * placed where they happened, the race window, and every record in order
 * for the detail panel and for jumps. docs/viewer.md says how spans are
 * cut. Reading only the trace, never the simulator.
 *
 * Names: functions timeline_*, types and constants tl_* / TL_*.
 */
#ifndef HVSIM_TOOLS_TIMELINE_H
#define HVSIM_TOOLS_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvsim/sim.h"
#include "hvsim/trace.h"

/* No event (an index into timeline.ev). */
#define TL_NONE			SIZE_MAX
/* Tasks tracked by id; the engine holds SIM_MAX_TASKS at once, ids grow past that. */
#define TL_MAX_TASKS		65536
/*
 * The nominal frequency a CPU's cycles are read at when the trace carries
 * no TR_CPU record for it (a trace older than the record): the hardware
 * floor's own default for a CPU without a model.
 */
#define TL_DEFAULT_MHZ		1000

/* What a span is. */
enum tl_span_kind {
	TL_SPAN_TASK,		/* a task runs on the CPU */
	TL_SPAN_IRQ,		/* an interrupt handler (TR_IRQ enter to exit), inside a task's */
	TL_SPAN_GUEST,		/* guest mode (TR_VMX entry to exit), inside a task's */
	TL_SPAN_SPIN,		/* cpu_relax() in a row, or a contended spinlock until acquired */
	TL_SPAN_PARKED,		/* a task parked (TR_PARK) until it runs again */
	TL_SPAN_LOCK,		/* a lock held, from acquire to release, on the acquiring CPU */
	TL_SPAN_CPUHP,		/* a CPU in one hotplug state */
	TL_NR_SPAN_KINDS
};

struct tl_span {
	uint64_t start, end;	/* cycles on its CPU's lane (end >= start) */
	uint64_t seq;		/* the order spans opened in */
	size_t open_ev;		/* the event it opened at */
	size_t end_ev;		/* the event whose cycle ends it; TL_NONE: the trace's end */
	uint32_t cpu;		/* its lane */
	uint32_t task;		/* TASK, SPIN, PARKED, LOCK: the task; else what ran it */
	uint32_t value;		/* GUEST: the exit reason (has_exit); LOCK: enum trace_lock_type;
				   CPUHP: enum trace_cpu_state */
	const char *text;	/* GUEST: the failed VM-entry check; LOCK: the lock's class */
	uint8_t kind;		/* enum tl_span_kind */
	uint8_t depth;		/* LOCK: locks its CPU held already when it was taken */
	bool has_exit;		/* GUEST: a VM exit closed it (value is its reason) */
};

/* What an instant is (a point on one lane). */
enum tl_instant_kind {
	TL_INSTANT_LOG,		/* TR_LOG: printk, WARN and report titles */
	TL_INSTANT_REPORT,	/* TR_REPORT */
	TL_INSTANT_DECISION,	/* TR_DECISION with a non-default answer */
	TL_INSTANT_VMEXIT,	/* a VM exit with no entry before it */
	TL_INSTANT_VMFAIL,	/* VMLAUNCH/VMRESUME failed */
	TL_INSTANT_POINT,	/* a tracepoint */
	TL_INSTANT_PARK,	/* TR_PARK */
	TL_INSTANT_EXIT,	/* TR_EXIT */
	TL_INSTANT_CONTENDED,	/* TR_LOCK contended */
};

struct tl_instant {
	size_t ev;		/* its event */
	uint8_t kind;		/* enum tl_instant_kind */
};

/* What a flow is: an arrow from one event to another, maybe on another CPU. */
enum tl_flow_kind {
	TL_FLOW_WAKE,		/* a wake-up, to the woken task's next record */
	TL_FLOW_IPI,		/* an IPI, to the target's next interrupt handler */
	TL_FLOW_REQUEST,	/* kvm_make_request, to the kvm_check_request that saw it */
	TL_FLOW_KICK,		/* kvm_vcpu_kick, to the target CPU's next VM exit or interrupt */
	TL_NR_FLOW_KINDS
};

struct tl_flow {
	size_t from_ev, to_ev;
	uint8_t kind;		/* enum tl_flow_kind */
};

/* A TR_MARK: an event a report names, placed where that event happened. */
struct tl_mark {
	size_t ev;		/* the TR_MARK record */
	size_t report;		/* the TR_REPORT before it, or TL_NONE */
	size_t target;		/* the marked event (its step on its CPU), or TL_NONE */
	uint32_t cpu;		/* the lane it is drawn on */
	uint64_t at;		/* the cycle there (the report's when target is TL_NONE) */
};

/* The race window (TR_WINDOW): the decisive preemption and how far it moves. */
struct tl_window {
	size_t ev;		/* the TR_WINDOW record, or TL_NONE */
	size_t target;		/* the preemption's decision (its step on its CPU), or TL_NONE */
	uint32_t cpu;		/* the CPU it was decided on */
	uint64_t at;		/* the cycle there */
};

/* One record, in trace order. */
struct tl_event {
	struct trace_event r;	/* as read; its strings through timeline_string() */
	uint64_t at;		/* its cycle on its CPU's lane: a CPU's time never goes back,
				   so a record earlier than one before it is placed at that one */
};

/* One CPU: its clock and its events. */
struct tl_cpu {
	uint32_t mhz;		/* nominal frequency (TL_DEFAULT_MHZ without a TR_CPU) */
	bool mhz_from_trace;	/* mhz came from a TR_CPU record */
	const char *model;	/* the model's name, or "" */
	uint64_t now;		/* the latest cycle it reached */
	size_t *ev;		/* its clocked events (indices), in order: at never decreases */
	size_t nev;
};

struct tl_task {
	const char *name;	/* from its TR_SPAWN, or NULL */
	bool spawned;		/* it has a TR_SPAWN */
};

struct timeline {
	struct trace_reader *tr;	/* kept open: it owns the strings */
	const char *path;		/* the file (or name) it was read from */
	const struct trace_header *hdr;
	unsigned int ncpus;		/* lanes: the header's count, at most SIM_MAX_CPUS */
	struct tl_cpu cpu[SIM_MAX_CPUS];
	struct tl_task *task;		/* TL_MAX_TASKS entries */
	struct tl_event *ev;		/* every record but TR_STRING, in order */
	size_t nev;
	struct tl_span *span;		/* in the order they closed */
	size_t nspan;
	struct tl_instant *inst;	/* in event order */
	size_t ninst;
	struct tl_flow *flow;		/* complete ones only, in the order they landed */
	size_t nflow;
	struct tl_mark *mark;		/* in trace order */
	size_t nmark;
	struct tl_window window;
	size_t end_ev;			/* the TR_END record, or TL_NONE */
	uint64_t end;			/* the latest cycle any CPU reached */
	unsigned int lock_depth;	/* the most locks one CPU held at once */
	bool has_cpuhp;			/* the trace has hotplug states */
	uint64_t skipped;		/* records naming a CPU or task out of range */
};

/*
 * Read the trace file @path (or @len bytes at @data, named @name in
 * messages) into a new timeline. 0, or -errno with one line naming the
 * file (and the byte offset where the reader gives one) in @err.
 */
int timeline_open_file(struct timeline **out, const char *path, char *err, size_t errlen);
int timeline_open_mem(struct timeline **out, const uint8_t *data, size_t len, const char *name,
		      char *err, size_t errlen);
void timeline_free(struct timeline *tl);

/* String @id of the trace, or NULL. */
const char *timeline_string(const struct timeline *tl, uint32_t id);
/* "NAME:ID" of @task into @buf ("task:ID" without a spawn record). */
const char *timeline_task_label(const struct timeline *tl, uint32_t task, char *buf, size_t len);
/* Cycle @cycle of @cpu in nanoseconds, at its nominal MHz. */
uint64_t timeline_ns(const struct timeline *tl, unsigned int cpu, uint64_t cycle);
/* Is event @i a TR_END or TR_WINDOW: after the run, on no CPU's clock? */
bool timeline_event_unclocked(const struct tl_event *e);

/* The kinds of event a viewer jumps between. */
enum tl_jump {
	TL_JUMP_REPORT,		/* reports and their marked events */
	TL_JUMP_LOCK,		/* lock acquire, release, contended */
	TL_JUMP_IPI,		/* IPIs sent */
	TL_JUMP_VMEXIT,		/* VM exits and failed entries */
	TL_JUMP_DECISION,	/* decisions with a non-default answer */
	TL_JUMP_LOG,		/* log lines */
	TL_JUMP_WAKE,		/* wake-ups and parks */
	TL_JUMP_REQUEST,	/* requests made and seen, kicks */
	TL_JUMP_HOTPLUG,	/* hotplug states */
	TL_JUMP_ANY,		/* every record on a CPU */
	TL_NR_JUMPS
};

/* "report", "lock", "IPI", ... */
const char *timeline_jump_name(enum tl_jump k);
bool timeline_event_is(const struct timeline *tl, size_t i, enum tl_jump k);
/*
 * The next (@dir > 0) or previous event of kind @k after (before) @from
 * (TL_NONE: from the start, or the end), on a CPU in @lanes (bit i: CPU
 * i); TL_NONE when there is none.
 */
size_t timeline_next(const struct timeline *tl, size_t from, enum tl_jump k, int dir,
		     uint64_t lanes);
/*
 * Where the run failed: the first report's first marked event, else the
 * first report, else (a trace without reports) the last log line of a
 * failed run, else its TR_END; TL_NONE for a run that did not fail.
 */
size_t timeline_failure(const struct timeline *tl);
/* The lane and cycle event @i is drawn at (false for an event on no lane). */
bool timeline_event_place(const struct timeline *tl, size_t i, uint32_t *cpu, uint64_t *at);

#endif /* HVSIM_TOOLS_TIMELINE_H */
