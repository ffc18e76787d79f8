// SPDX-License-Identifier: MIT
/*
 * Lockdep for the host-kernel model; lockdep.h says what it proves.
 *
 * State: classes in first-seen order (an id is an index), dependency edges
 * in insertion order with a list per source class, a held-lock stack per
 * task id, and small hash maps used only to find things: a class by key,
 * an edge by its pair, an instance's class by address, whether a problem
 * was reported. No map is ever walked, so no output depends on hash or
 * pointer order.
 *
 * Reports follow the text of Linux's kernel/locking/lockdep.c and
 * __might_resched(), with these simplifications:
 *  - the lock instance address before "(name)" is left out: it changes
 *    from run to run, while the class name and pc identify the lock;
 *  - the {....} usage string has the kernel's four columns, but the
 *    softirq ones only say whether the class was taken with interrupts on
 *    (softirqs are not modelled);
 *  - the -{n:n} wait type is 2 for spinning and 3 for sleeping locks, as a
 *    kernel without CONFIG_PROVE_RAW_LOCK_NESTING prints it;
 *  - pcs print as symbolize() renders them, without the "[<address>]";
 *  - the kernel-version line under each title and the "irq event stamp"
 *    block are left out;
 *  - every report, might_sleep included, is framed by '=' and '-' rules as
 *    wide as its title, and ends with "stack backtrace:", the CPU/PID/Comm
 *    line, "Call Trace:" and at most LD_MAX_FRAMES callers.
 */
#include "kernel/lockdep.h"

#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/hmap.h"
#include "engine/strbuf.h"
#include "hvsim/trace.h"

#define LD_NONE		UINT_MAX
#define LD_MAX_FRAMES	16	/* pcs kept per trace, callers per backtrace */
#define LD_MIN_TASKS	64	/* task slots made up front */
#define LD_SYM_LEN	256	/* one symbolized pc */
#define LD_NO_NAME	"<unnamed>"	/* class name when none is given */

/* preempt_count() contributions, as <linux/preempt.h> defines them. */
#define LD_PREEMPT_OFFSET	0x1u
#define LD_HARDIRQ_OFFSET	0x10000u

/* Wait types as printed in -{inner:outer}. */
#define LD_WAIT_SPIN	2u
#define LD_WAIT_SLEEP	3u

/* How a class has been used this run: the {....} of a report. */
enum {
	LD_USED_IN_IRQ		= 1u << 0,	/* written in an irq handler */
	LD_USED_IN_IRQ_READ	= 1u << 1,	/* read in an irq handler */
	LD_ENABLED_IRQ		= 1u << 2,	/* written with irqs on */
	LD_ENABLED_IRQ_READ	= 1u << 3,	/* read with irqs on */
};

/* What a reported-problem key is about: keeps the kinds apart in one set. */
enum ld_problem {
	LD_P_RECURSIVE = 1,	/* detail: class id */
	LD_P_BAD_UNLOCK,	/* where: lock address */
	LD_P_SLEEP,		/* detail: hash of @what; where: pc */
	LD_P_USER_RETURN,	/* detail: class id; where: acquisition pc */
	LD_P_EXIT,		/* detail: class id; where: acquisition pc */
};

/* Where an acquisition happened, innermost first, and when and by whom. */
struct ld_trace {
	unsigned int n;			/* entries in pcs */
	uintptr_t pcs[LD_MAX_FRAMES];	/* the operation's pc, then its callers */
	uint64_t step;			/* the step it happened at */
	unsigned int task;		/* the task that made it */
	unsigned int cpu;		/* ... on this CPU */
};

struct ld_class {
	const void *key;	/* the lock_class_key address that names it */
	char *name;		/* name first given for it, owned */
	unsigned int wait;	/* LD_WAIT_* of the first acquisition, 0 before */
	unsigned int usage;	/* LD_USED_* and LD_ENABLED_* seen this run */
	unsigned int first_out;	/* first edge out of the class, or LD_NONE */
	unsigned int last_out;	/* last edge out, where the next is linked */
	unsigned int bfs_gen;	/* the search that last reached the class */
	unsigned int bfs_edge;	/* edge that search came in through */
};

/* Dependency @from -> @to: @to was taken while @from was held. */
struct ld_edge {
	unsigned int from, to;	/* class ids */
	unsigned int next_out;	/* next edge out of @from, or LD_NONE */
	struct ld_trace trace;	/* the first acquisition of @to under @from */
};

struct ld_held {
	const void *lock;	/* the instance */
	unsigned int class;	/* its class id */
	uintptr_t pc;		/* where it was taken */
	uint64_t step;		/* ... at this step */
	unsigned int cpu;	/* ... on this CPU */
	enum lockdep_kind kind;
	int trylock;		/* taken by a trylock */
	int in_irq;		/* taken in an interrupt handler */
};

struct ld_task {
	struct ld_held *held;	/* outermost first */
	unsigned int depth;	/* entries in use */
	size_t cap;		/* entries allocated */
};

struct lockdep {
	sim_report_fn report;		/* where finished reports go */
	sim_symbolize_fn symbolize;	/* pc -> text */
	sim_frame_fn frame;		/* pc -> stack-trace lines, or NULL: symbolize's */
	sim_mark_fn mark;		/* what a report names, or NULL */
	void *arg;			/* for all four */
	int off;			/* turned itself off: out of memory */
	int in_report;			/* inside report(): it must not call back */

	struct ld_class *classes;	/* by id, in first-seen order */
	unsigned int nr_classes;
	size_t classes_cap;
	struct hmap class_by_key;	/* key -> class id */

	struct ld_edge *edges;		/* in insertion order */
	unsigned int nr_edges;
	size_t edges_cap;
	struct hmap edge_by_pair;	/* (from, to) -> edge index */

	unsigned int *bfs_queue;	/* room for every class */
	size_t bfs_queue_cap;
	unsigned int bfs_gen;		/* generation of the latest search */

	struct hmap instances;		/* lock address -> class id */
	struct hmap reported;		/* problems reported this run */

	struct ld_task *tasks;		/* by task id */
	size_t nr_tasks;

	struct strbuf title, text;	/* the report being written */
};

static void ld_fail(struct lockdep *ld)
{
	ld->off = 1;
}

/*
 * Room for @need elements of @size bytes in @p, which has *@cap: @p itself
 * if it already has it, else the grown block (and *@cap updated), or NULL
 * with @p untouched.
 */
static void *ld_reserve(void *p, size_t *cap, size_t need, size_t size,
			size_t min)
{
	size_t n = *cap ? *cap : min;

	if (need <= *cap)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (n > SIZE_MAX / size)
		return NULL;
	p = realloc(p, n * size);
	if (p)
		*cap = n;
	return p;
}

/* ---- text ---- */

/* A line of @width @c characters: the rules around a report's title. */
static void ld_rule(struct strbuf *sb, char c, size_t width)
{
	char chunk[64];
	size_t n;

	memset(chunk, c, sizeof(chunk));
	for (; width; width -= n) {
		n = width < sizeof(chunk) ? width : sizeof(chunk);
		strbuf_add(sb, chunk, n);
	}
	strbuf_add(sb, "\n", 1);
}

static const char *ld_comm(const struct sim_who *who)
{
	return who->comm ? who->comm : "?";
}

static const char *ld_sym(const struct lockdep *ld, uintptr_t pc, char *buf)
{
	buf[0] = '\0';
	if (ld->symbolize)
		ld->symbolize(ld->arg, pc, buf, LD_SYM_LEN);
	else
		snprintf(buf, LD_SYM_LEN, "0x%" PRIxPTR, pc);
	buf[LD_SYM_LEN - 1] = '\0';
	return buf;
}

/* Start a report: the title, framed by rules as wide as it, like the kernel's. */
__attribute__((format(printf, 2, 3)))
static void ld_begin(struct lockdep *ld, const char *fmt, ...)
{
	va_list ap;

	strbuf_reset(&ld->title);
	strbuf_reset(&ld->text);
	va_start(ap, fmt);
	strbuf_vprintf(&ld->title, fmt, ap);
	va_end(ap);
	ld_rule(&ld->text, '=', ld->title.len);
	strbuf_printf(&ld->text, "%s\n", strbuf_str(&ld->title));
	ld_rule(&ld->text, '-', ld->title.len);
}

static void ld_emit(struct lockdep *ld)
{
	if (!ld->report)
		return;
	ld->in_report = 1;
	ld->report(ld->arg, strbuf_str(&ld->title), strbuf_str(&ld->text));
	ld->in_report = 0;
}

/*
 * The kernel's usage string: per interrupt state, for write then read,
 * '.' never taken with interrupts on nor in a handler, '+' taken with
 * interrupts on, '-' taken in a handler, '?' both.
 */
static char ld_usage_char(unsigned int usage, unsigned int used_in,
			  unsigned int enabled)
{
	if (usage & enabled)
		return (usage & used_in) ? '?' : '+';
	return (usage & used_in) ? '-' : '.';
}

/* "(name){usage}-{w:w}" into @sb: Linux's print_lock_name(). */
static void ld_class_text(struct lockdep *ld, struct strbuf *sb, unsigned int id)
{
	const struct ld_class *c = &ld->classes[id];
	char usage[5];

	usage[0] = ld_usage_char(c->usage, LD_USED_IN_IRQ, LD_ENABLED_IRQ);
	usage[1] = ld_usage_char(c->usage, LD_USED_IN_IRQ_READ,
				 LD_ENABLED_IRQ_READ);
	/* Softirqs are taken to be on wherever hard interrupts are. */
	usage[2] = (c->usage & LD_ENABLED_IRQ) ? '+' : '.';
	usage[3] = (c->usage & LD_ENABLED_IRQ_READ) ? '+' : '.';
	usage[4] = '\0';
	strbuf_printf(sb, "(%s){%s}-{%u:%u}", c->name, usage, c->wait, c->wait);
}

static void ld_put_class(struct lockdep *ld, unsigned int id)
{
	ld_class_text(ld, &ld->text, id);
}

/*
 * The line(s) "@prefix FRAME\n" for @pc: through the frame writer (file:line,
 * inlined calls one line each, @prefix repeated), else ld_sym()'s one line.
 */
static void ld_put_frame(struct lockdep *ld, const char *prefix, uintptr_t pc)
{
	char sym[LD_SYM_LEN];

	if (ld->frame)
		ld->frame(ld->arg, &ld->text, prefix, pc, "");
	else
		strbuf_printf(&ld->text, "%s%s\n", prefix, ld_sym(ld, pc, sym));
}

/* "@lead(name){usage}-{w:w}, at: sym": Linux's print_lock(), less the address. */
static void ld_put_lock(struct lockdep *ld, const char *lead, unsigned int class, uintptr_t pc)
{
	struct strbuf prefix = STRBUF_INIT;

	strbuf_printf(&prefix, "%s", lead);
	ld_class_text(ld, &prefix, class);
	strbuf_printf(&prefix, ", at: ");
	ld_put_frame(ld, strbuf_str(&prefix), pc);
	strbuf_release(&prefix);
}

static void ld_put_trace(struct lockdep *ld, const struct ld_trace *tr)
{
	unsigned int i;

	for (i = 0; i < tr->n; i++)
		ld_put_frame(ld, "       ", tr->pcs[i]);
}

static void ld_put_held(struct lockdep *ld, const struct sim_who *who,
			const struct ld_task *t)
{
	unsigned int i;

	if (!t->depth) {
		strbuf_printf(&ld->text, "no locks held by %s/%u.\n", ld_comm(who),
			      who->pid);
		return;
	}
	strbuf_printf(&ld->text, "%u lock%s held by %s/%u:\n", t->depth,
		      t->depth > 1 ? "s" : "", ld_comm(who), who->pid);
	for (i = 0; i < t->depth; i++) {
		char lead[16];

		snprintf(lead, sizeof(lead), " #%u: ", i);
		ld_put_lock(ld, lead, t->held[i].class, t->held[i].pc);
	}
}

static void ld_put_backtrace(struct lockdep *ld, const struct sim_who *who)
{
	unsigned int i, n = 0;

	strbuf_printf(&ld->text, "\nstack backtrace:\n");
	report_who_line(&ld->text, who);
	strbuf_printf(&ld->text, "Call Trace:\n");
	for (i = who->stack ? who->depth : 0; i > 0 && n < LD_MAX_FRAMES; i--, n++)
		ld_put_frame(ld, " ", who->stack[i - 1]);
}

static void ld_trace_fill(struct ld_trace *tr, const struct sim_who *who)
{
	unsigned int i;

	tr->step = who->step;
	tr->task = who->task;
	tr->cpu = who->cpu;
	tr->n = 0;
	tr->pcs[tr->n++] = who->pc;
	for (i = who->stack ? who->depth : 0; i > 0 && tr->n < LD_MAX_FRAMES; i--)
		tr->pcs[tr->n++] = who->stack[i - 1];
}

/*
 * A mark (enum trace_mark_kind) for the report about to be emitted: the
 * event at @step of @task on @cpu, at @pc, named @label.
 */
static void ld_mark(struct lockdep *ld, unsigned int kind, uint64_t step, unsigned int task,
		    unsigned int cpu, uintptr_t pc, const char *label)
{
	const struct sim_who w = { .task = task, .cpu = cpu, .step = step, .pc = pc };

	if (ld->mark)
		ld->mark(ld->arg, &w, kind, 0, 0, label);
}

/* The acquisition of a lock @who holds, class named. */
static void ld_mark_held(struct lockdep *ld, const struct sim_who *who, const struct ld_held *h)
{
	ld_mark(ld, TR_MARK_ACQUIRE, h->step, who->task, h->cpu, h->pc, ld->classes[h->class].name);
}

/* ... of every lock task @t (@who) holds, outermost first. */
static void ld_mark_all_held(struct lockdep *ld, const struct sim_who *who,
			     const struct ld_task *t)
{
	for (unsigned int i = 0; i < t->depth; i++)
		ld_mark_held(ld, who, &t->held[i]);
}

/* ---- bookkeeping ---- */

/*
 * 1 the first time problem (@p, @detail, @where) is seen this run, which
 * marks it; 0 after. Out of memory counts as seen: lockdep is off then.
 */
static int ld_first_time(struct lockdep *ld, enum ld_problem p,
			 uint64_t detail, uint64_t where)
{
	uint64_t a = (detail << 8) | (uint64_t)p;

	if (hmap_get(&ld->reported, a, where, NULL))
		return 0;
	if (hmap_put(&ld->reported, a, where, 1)) {
		ld_fail(ld);
		return 0;
	}
	return 1;
}

/* FNV-1a: a stable hash of a string, for keys only. */
static uint32_t ld_str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 16777619u;
	}
	return h;
}

static struct ld_task *ld_task(struct lockdep *ld, unsigned int id)
{
	struct ld_task *p;
	size_t cap = ld->nr_tasks;

	if (id < ld->nr_tasks)
		return &ld->tasks[id];
	p = ld_reserve(ld->tasks, &cap, (size_t)id + 1, sizeof(*p), LD_MIN_TASKS);
	if (!p) {
		ld_fail(ld);
		return NULL;
	}
	memset(p + ld->nr_tasks, 0, (cap - ld->nr_tasks) * sizeof(*p));
	ld->tasks = p;
	ld->nr_tasks = cap;
	return &ld->tasks[id];
}

static int ld_kind_spins(enum lockdep_kind kind)
{
	return kind == LOCKDEP_SPIN || kind == LOCKDEP_RAW_SPIN;
}

/* What a blocking acquire of @kind is called, for the might_sleep title. */
static const char *ld_sleep_what(enum lockdep_kind kind)
{
	switch (kind) {
	case LOCKDEP_MUTEX:
		return "mutex_lock";
	case LOCKDEP_RWSEM_READ:
		return "down_read";
	case LOCKDEP_RWSEM_WRITE:
		return "down_write";
	default:
		return NULL;
	}
}

/* The class with @key, made (as id nr_classes) if new; LD_NONE if out of memory. */
static unsigned int ld_class_get(struct lockdep *ld, const void *key,
				 const char *name)
{
	struct ld_class *c;
	unsigned int *q;
	unsigned int id;

	if (hmap_get(&ld->class_by_key, (uintptr_t)key, 0, &id))
		return id;
	if (ld->nr_classes >= LD_NONE - 1)
		goto fail;
	c = ld_reserve(ld->classes, &ld->classes_cap, ld->nr_classes + 1,
		       sizeof(*c), 32);
	if (!c)
		goto fail;
	ld->classes = c;
	/* A search can queue every class: keep the queue that big now. */
	q = ld_reserve(ld->bfs_queue, &ld->bfs_queue_cap, ld->nr_classes + 1,
		       sizeof(*q), 32);
	if (!q)
		goto fail;
	ld->bfs_queue = q;

	id = ld->nr_classes;
	c = &ld->classes[id];
	memset(c, 0, sizeof(*c));
	c->key = key;
	c->name = strdup(name);
	if (!c->name)
		goto fail;
	c->first_out = LD_NONE;
	c->last_out = LD_NONE;
	c->bfs_edge = LD_NONE;
	if (hmap_put(&ld->class_by_key, (uintptr_t)key, 0, id)) {
		free(c->name);
		goto fail;
	}
	ld->nr_classes++;
	return id;

fail:
	ld_fail(ld);
	return LD_NONE;
}

static void ld_mark_usage(struct ld_class *c, enum lockdep_kind kind,
			  const struct sim_who *who)
{
	int read = kind == LOCKDEP_RWSEM_READ;

	if (who->in_irq)
		c->usage |= read ? LD_USED_IN_IRQ_READ : LD_USED_IN_IRQ;
	else if (!who->irqs_disabled)
		c->usage |= read ? LD_ENABLED_IRQ_READ : LD_ENABLED_IRQ;
}

/* ---- the dependency graph ---- */

/*
 * Whether class @from reaches class @to over the edges. Breadth first,
 * each class's edges in insertion order: the path found is a shortest one
 * and, among those, the same one for the same history. It is left in the
 * classes' bfs_edge, walked back from @to.
 */
static int ld_reaches(struct lockdep *ld, unsigned int from, unsigned int to)
{
	unsigned int head = 0, tail = 0;
	unsigned int gen, c, e, i;

	SIM_BUG_ON(from == to);
	if (++ld->bfs_gen == 0) {
		for (i = 0; i < ld->nr_classes; i++)
			ld->classes[i].bfs_gen = 0;
		ld->bfs_gen = 1;
	}
	gen = ld->bfs_gen;
	ld->classes[from].bfs_gen = gen;
	ld->classes[from].bfs_edge = LD_NONE;
	ld->bfs_queue[tail++] = from;
	while (head < tail) {
		c = ld->bfs_queue[head++];
		for (e = ld->classes[c].first_out; e != LD_NONE;
		     e = ld->edges[e].next_out) {
			unsigned int n = ld->edges[e].to;

			if (ld->classes[n].bfs_gen == gen)
				continue;
			ld->classes[n].bfs_gen = gen;
			ld->classes[n].bfs_edge = e;
			if (n == to)
				return 1;
			SIM_BUG_ON(tail >= ld->nr_classes);
			ld->bfs_queue[tail++] = n;
		}
	}
	return 0;
}

static void ld_add_edge(struct lockdep *ld, unsigned int from, unsigned int to,
			const struct sim_who *who)
{
	struct ld_edge *e;
	unsigned int id = ld->nr_edges;

	if (id >= LD_NONE - 1)
		goto fail;
	e = ld_reserve(ld->edges, &ld->edges_cap, (size_t)id + 1, sizeof(*e), 64);
	if (!e)
		goto fail;
	ld->edges = e;
	if (hmap_put(&ld->edge_by_pair, from, to, id))
		goto fail;
	e = &ld->edges[id];
	e->from = from;
	e->to = to;
	e->next_out = LD_NONE;
	ld_trace_fill(&e->trace, who);
	if (ld->classes[from].last_out == LD_NONE)
		ld->classes[from].first_out = id;
	else
		ld->edges[ld->classes[from].last_out].next_out = id;
	ld->classes[from].last_out = id;
	ld->nr_edges++;
	return;

fail:
	ld_fail(ld);
}

/* ---- reports ---- */

/*
 * Task @who holds @prev and takes class @next, whose existing path to
 * prev's class ld_reaches() just found. Printed as Linux's
 * print_circular_bug(): the chain from prev's class back to @next, each
 * link with the acquisition that made it, then the two-CPU scenario.
 */
static void ld_report_circular(struct lockdep *ld, const struct sim_who *who,
			       const struct ld_task *t,
			       const struct ld_held *prev, unsigned int next,
			       enum lockdep_kind next_kind)
{
	const char *comm = ld_comm(who);
	unsigned int depth = 0, parent = next;
	const struct ld_trace *link;
	unsigned int c;
	struct ld_trace now;

	for (c = prev->class; c != next; c = ld->edges[ld->classes[c].bfs_edge].from) {
		if (!depth)
			parent = ld->edges[ld->classes[c].bfs_edge].from;
		depth++;
	}

	ld_begin(ld, "WARNING: possible circular locking dependency detected");
	strbuf_printf(&ld->text, "%s/%u is trying to acquire lock:\n", comm, who->pid);
	ld_put_lock(ld, " ", next, who->pc);
	strbuf_printf(&ld->text, "\nbut task is already holding lock:\n");
	ld_put_lock(ld, " ", prev->class, prev->pc);
	strbuf_printf(&ld->text, "\nwhich lock already depends on the new lock.\n\n");
	strbuf_printf(&ld->text,
		      "\nthe existing dependency chain (in reverse order) is:\n");
	for (c = prev->class; c != next; depth--) {
		const struct ld_edge *e = &ld->edges[ld->classes[c].bfs_edge];

		strbuf_printf(&ld->text, "\n-> #%u ", depth);
		ld_put_class(ld, c);
		strbuf_printf(&ld->text, ":\n");
		ld_put_trace(ld, &e->trace);
		c = e->from;
	}
	ld_trace_fill(&now, who);
	strbuf_printf(&ld->text, "\n-> #0 ");
	ld_put_class(ld, next);
	strbuf_printf(&ld->text, ":\n");
	ld_put_trace(ld, &now);

	strbuf_printf(&ld->text, "\nother info that might help us debug this:\n\n");
	/*
	 * A longer cycle is summed up by its ends and the link before the
	 * held lock, as the kernel does, rather than one CPU per link.
	 */
	if (parent != next) {
		strbuf_printf(&ld->text, "Chain exists of:\n  %s --> %s --> %s\n\n",
			      ld->classes[next].name, ld->classes[parent].name,
			      ld->classes[prev->class].name);
	}
	strbuf_printf(&ld->text, " Possible unsafe locking scenario:\n\n");
	strbuf_printf(&ld->text, "       CPU0                    CPU1\n");
	strbuf_printf(&ld->text, "       ----                    ----\n");
	strbuf_printf(&ld->text, "  %s(%s);\n",
		      prev->kind == LOCKDEP_RWSEM_READ ? "rlock" : "lock",
		      ld->classes[prev->class].name);
	strbuf_printf(&ld->text, "                               lock(%s);\n",
		      ld->classes[parent].name);
	strbuf_printf(&ld->text, "                               lock(%s);\n",
		      ld->classes[prev->class].name);
	strbuf_printf(&ld->text, "  %s(%s);\n",
		      next_kind == LOCKDEP_RWSEM_READ ? "rlock" : "lock",
		      ld->classes[next].name);
	strbuf_printf(&ld->text, "\n *** DEADLOCK ***\n\n");
	ld_put_held(ld, who, t);
	ld_put_backtrace(ld, who);
	/*
	 * The two acquisitions in opposite order: this one, and the one that
	 * made the link into the held lock's class (CPU1's in the scenario).
	 */
	link = &ld->edges[ld->classes[prev->class].bfs_edge].trace;
	ld_mark(ld, TR_MARK_ACQUIRE, who->step, who->task, who->cpu, who->pc,
		ld->classes[next].name);
	ld_mark(ld, TR_MARK_ACQUIRE, link->step, link->task, link->cpu, link->pcs[0],
		ld->classes[prev->class].name);
	ld_emit(ld);
}

static void ld_report_recursive(struct lockdep *ld, const struct sim_who *who,
				const struct ld_task *t,
				const struct ld_held *prev, unsigned int next)
{
	const char *name = ld->classes[next].name;

	ld_begin(ld, "WARNING: possible recursive locking detected");
	strbuf_printf(&ld->text, "%s/%u is trying to acquire lock:\n", ld_comm(who),
		      who->pid);
	ld_put_lock(ld, " ", next, who->pc);
	strbuf_printf(&ld->text, "\nbut task is already holding lock:\n");
	ld_put_lock(ld, " ", prev->class, prev->pc);
	strbuf_printf(&ld->text, "\nother info that might help us debug this:\n");
	strbuf_printf(&ld->text, " Possible unsafe locking scenario:\n\n");
	strbuf_printf(&ld->text, "       CPU0\n");
	strbuf_printf(&ld->text, "       ----\n");
	strbuf_printf(&ld->text, "  lock(%s);\n", ld->classes[prev->class].name);
	strbuf_printf(&ld->text, "  lock(%s);\n", name);
	strbuf_printf(&ld->text, "\n *** DEADLOCK ***\n\n");
	strbuf_printf(&ld->text, " May be due to missing lock nesting notation\n\n");
	ld_put_held(ld, who, t);
	ld_put_backtrace(ld, who);
	ld_mark(ld, TR_MARK_ACQUIRE, who->step, who->task, who->cpu, who->pc, name);
	ld_mark_held(ld, who, prev);
	ld_emit(ld);
}

/*
 * might_sleep(): sleeping is wrong with interrupts off, in a handler, or
 * with preemption off, which in this model only a held spinlock does.
 */
static void ld_check_sleep(struct lockdep *ld, const struct sim_who *who,
			   const struct ld_task *t, const char *what)
{
	const struct ld_held *first_spin = NULL;
	unsigned int i, preempt_count;

	preempt_count = who->in_irq ? LD_HARDIRQ_OFFSET : 0;
	for (i = 0; i < t->depth; i++) {
		if (!ld_kind_spins(t->held[i].kind))
			continue;
		if (!first_spin)
			first_spin = &t->held[i];
		preempt_count += LD_PREEMPT_OFFSET;
	}
	if (!preempt_count && !who->irqs_disabled)
		return;
	if (!ld_first_time(ld, LD_P_SLEEP, ld_str_hash(what), who->pc))
		return;

	ld_begin(ld, "BUG: sleeping function called from invalid context at %s",
		 what);
	/* Linux runs hard interrupt handlers with interrupts off. */
	strbuf_printf(&ld->text,
		      "in_atomic(): %d, irqs_disabled(): %d, non_block: 0, pid: %u, name: %s\n",
		      preempt_count != 0, who->irqs_disabled || who->in_irq,
		      who->pid, ld_comm(who));
	strbuf_printf(&ld->text, "preempt_count: %x, expected: 0\n", preempt_count);
	ld_put_held(ld, who, t);
	if (first_spin) {
		strbuf_printf(&ld->text, "Preemption disabled at:\n");
		ld_put_frame(ld, "", first_spin->pc);
	}
	ld_put_backtrace(ld, who);
	ld_mark(ld, TR_MARK_SITE, who->step, who->task, who->cpu, who->pc, what);
	if (first_spin)
		ld_mark_held(ld, who, first_spin);
	ld_emit(ld);
}

static void ld_report_bad_unlock(struct lockdep *ld, const struct sim_who *who,
				 const struct ld_task *t, const void *lock)
{
	const char *name = "<unknown>";
	unsigned int class;

	if (hmap_get(&ld->instances, (uintptr_t)lock, 0, &class))
		name = ld->classes[class].name;
	ld_begin(ld, "WARNING: bad unlock balance detected!");
	strbuf_printf(&ld->text, "%s/%u is trying to release lock (%s) at:\n",
		      ld_comm(who), who->pid, name);
	ld_put_frame(ld, "", who->pc);
	strbuf_printf(&ld->text, "but there are no more locks to release!\n");
	strbuf_printf(&ld->text, "\nother info that might help us debug this:\n");
	ld_put_held(ld, who, t);
	ld_put_backtrace(ld, who);
	ld_mark(ld, TR_MARK_SITE, who->step, who->task, who->cpu, who->pc, name);
	ld_emit(ld);
}

/*
 * Whether any lock @t holds is a leak not reported yet as @p; marks them
 * all, so a second syscall leaking the same lock at the same place stays
 * quiet while a new leak is reported with the whole list.
 */
static int ld_leak_is_new(struct lockdep *ld, enum ld_problem p,
			  const struct ld_task *t)
{
	unsigned int i;
	int fresh = 0;

	for (i = 0; i < t->depth; i++) {
		if (ld_first_time(ld, p, t->held[i].class, t->held[i].pc))
			fresh = 1;
	}
	return fresh && !ld->off;
}

/* ---- validation ---- */

/*
 * The checks of a blocking acquire of class @next: recursion against every
 * held lock, then the new edges and the cycles they would close.
 */
static void ld_validate(struct lockdep *ld, const struct sim_who *who,
			const struct ld_task *t, unsigned int next,
			enum lockdep_kind kind)
{
	const struct ld_held *h;
	unsigned int i;

	for (i = 0; i < t->depth; i++) {
		h = &t->held[i];
		if (h->class != next)
			continue;
		if (kind == LOCKDEP_RWSEM_READ && h->kind == LOCKDEP_RWSEM_READ)
			return;
		if (ld_first_time(ld, LD_P_RECURSIVE, next, 0))
			ld_report_recursive(ld, who, t, h, next);
		return;
	}

	/*
	 * Edges come only from the nearest held lock (and the trylocks above
	 * it): it already depends on everything held below it. An interrupt
	 * handler's locks do not nest inside the code it interrupted.
	 */
	for (i = t->depth; i > 0 && !ld->off; i--) {
		h = &t->held[i - 1];
		if (h->in_irq != !!who->in_irq)
			break;
		if (!hmap_get(&ld->edge_by_pair, h->class, next, NULL)) {
			if (ld_reaches(ld, next, h->class))
				ld_report_circular(ld, who, t, h, next, kind);
			ld_add_edge(ld, h->class, next, who);
		}
		if (!h->trylock)
			break;
	}
}

static void ld_push(struct lockdep *ld, struct ld_task *t, const void *lock,
		    unsigned int class, const struct sim_who *who,
		    enum lockdep_kind kind, int trylock)
{
	struct ld_held *held;

	if (t->depth == UINT_MAX)
		goto fail;
	held = ld_reserve(t->held, &t->cap, (size_t)t->depth + 1, sizeof(*held), 8);
	if (!held)
		goto fail;
	t->held = held;
	held = &t->held[t->depth++];
	held->lock = lock;
	held->class = class;
	held->pc = who->pc;
	held->step = who->step;
	held->cpu = who->cpu;
	held->kind = kind;
	held->trylock = !!trylock;
	held->in_irq = !!who->in_irq;
	return;

fail:
	ld_fail(ld);
}

/* ---- API ---- */

struct lockdep *lockdep_create(sim_report_fn report, sim_symbolize_fn symbolize,
			       void *arg)
{
	struct lockdep *ld = calloc(1, sizeof(*ld));

	if (!ld)
		return NULL;
	ld->report = report;
	ld->symbolize = symbolize;
	ld->arg = arg;
	if (!ld_task(ld, LD_MIN_TASKS - 1))
		goto fail_free;
	return ld;

fail_free:
	lockdep_destroy(ld);
	return NULL;
}

void lockdep_set_frames(struct lockdep *ld, sim_frame_fn frame)
{
	ld->frame = frame;
}

void lockdep_set_marks(struct lockdep *ld, sim_mark_fn mark)
{
	ld->mark = mark;
}

void lockdep_destroy(struct lockdep *ld)
{
	unsigned int i;
	size_t j;

	if (!ld)
		return;
	for (i = 0; i < ld->nr_classes; i++)
		free(ld->classes[i].name);
	free(ld->classes);
	free(ld->edges);
	free(ld->bfs_queue);
	for (j = 0; j < ld->nr_tasks; j++)
		free(ld->tasks[j].held);
	free(ld->tasks);
	hmap_release(&ld->class_by_key);
	hmap_release(&ld->edge_by_pair);
	hmap_release(&ld->instances);
	hmap_release(&ld->reported);
	strbuf_release(&ld->title);
	strbuf_release(&ld->text);
	free(ld);
}

void lockdep_reset(struct lockdep *ld)
{
	unsigned int i;
	size_t j;

	SIM_BUG_ON(!ld || ld->in_report);
	for (i = 0; i < ld->nr_classes; i++) {
		ld->classes[i].usage = 0;
		ld->classes[i].first_out = LD_NONE;
		ld->classes[i].last_out = LD_NONE;
	}
	ld->nr_edges = 0;
	hmap_clear(&ld->edge_by_pair);
	hmap_clear(&ld->instances);
	hmap_clear(&ld->reported);
	for (j = 0; j < ld->nr_tasks; j++)
		ld->tasks[j].depth = 0;
}

void lockdep_init_lock(struct lockdep *ld, const void *lock, const void *key,
		       const char *name)
{
	unsigned int class;

	SIM_BUG_ON(!ld || !lock || ld->in_report);
	if (ld->off)
		return;
	class = ld_class_get(ld, key ? key : lock, name ? name : LD_NO_NAME);
	if (class == LD_NONE)
		return;
	if (hmap_put(&ld->instances, (uintptr_t)lock, 0, class))
		ld_fail(ld);
}

void lockdep_acquire(struct lockdep *ld, const struct sim_who *who,
		     const void *lock, const void *key, const char *name,
		     enum lockdep_kind kind, int trylock)
{
	struct ld_class *c;
	struct ld_task *t;
	unsigned int class;

	SIM_BUG_ON(!ld || !who || !lock || ld->in_report);
	SIM_BUG_ON((unsigned int)kind > LOCKDEP_RWSEM_WRITE);
	if (ld->off)
		return;
	class = ld_class_get(ld, key ? key : lock, name ? name : LD_NO_NAME);
	if (class == LD_NONE)
		return;
	c = &ld->classes[class];
	if (!c->wait)
		c->wait = ld_kind_spins(kind) ? LD_WAIT_SPIN : LD_WAIT_SLEEP;
	if (hmap_put(&ld->instances, (uintptr_t)lock, 0, class)) {
		ld_fail(ld);
		return;
	}
	t = ld_task(ld, who->task);
	if (!t)
		return;
	ld_mark_usage(c, kind, who);
	/* A trylock neither waits nor sleeps: nothing to prove about it. */
	if (!trylock) {
		if (!ld_kind_spins(kind))
			ld_check_sleep(ld, who, t, ld_sleep_what(kind));
		ld_validate(ld, who, t, class, kind);
	}
	if (!ld->off)
		ld_push(ld, t, lock, class, who, kind, trylock);
}

void lockdep_release(struct lockdep *ld, const struct sim_who *who,
		     const void *lock)
{
	struct ld_task *t;
	unsigned int i;

	SIM_BUG_ON(!ld || !who || !lock || ld->in_report);
	if (ld->off)
		return;
	t = ld_task(ld, who->task);
	if (!t)
		return;
	/* Innermost first: with two read holds of one rwsem, drop the later. */
	for (i = t->depth; i > 0; i--) {
		if (t->held[i - 1].lock != lock)
			continue;
		memmove(&t->held[i - 1], &t->held[i],
			(t->depth - i) * sizeof(*t->held));
		t->depth--;
		return;
	}
	if (ld_first_time(ld, LD_P_BAD_UNLOCK, 0, (uintptr_t)lock))
		ld_report_bad_unlock(ld, who, t, lock);
}

void lockdep_user_return(struct lockdep *ld, const struct sim_who *who)
{
	struct ld_task *t;

	SIM_BUG_ON(!ld || !who || ld->in_report);
	if (ld->off)
		return;
	t = ld_task(ld, who->task);
	if (!t || !t->depth || !ld_leak_is_new(ld, LD_P_USER_RETURN, t))
		return;
	ld_begin(ld, "WARNING: lock held when returning to user space!");
	strbuf_printf(&ld->text, "%s/%u is leaving the kernel with locks still held!\n",
		      ld_comm(who), who->pid);
	ld_put_held(ld, who, t);
	ld_put_backtrace(ld, who);
	ld_mark_all_held(ld, who, t);
	ld_emit(ld);
}

void lockdep_might_sleep(struct lockdep *ld, const struct sim_who *who,
			 const char *what)
{
	struct ld_task *t;

	SIM_BUG_ON(!ld || !who || !what || ld->in_report);
	if (ld->off)
		return;
	t = ld_task(ld, who->task);
	if (t)
		ld_check_sleep(ld, who, t, what);
}

void lockdep_task_exit(struct lockdep *ld, const struct sim_who *who)
{
	struct ld_task *t;

	SIM_BUG_ON(!ld || !who || ld->in_report);
	if (ld->off)
		return;
	t = ld_task(ld, who->task);
	if (!t || !t->depth)
		return;
	if (ld_leak_is_new(ld, LD_P_EXIT, t)) {
		ld_begin(ld, "WARNING: %s/%u still has locks held!", ld_comm(who),
			 who->pid);
		ld_put_held(ld, who, t);
		ld_put_backtrace(ld, who);
		ld_mark_all_held(ld, who, t);
		ld_emit(ld);
	}
	t->depth = 0;
}

unsigned int lockdep_held_count(const struct lockdep *ld, unsigned int task)
{
	SIM_BUG_ON(!ld);
	return task < ld->nr_tasks ? ld->tasks[task].depth : 0;
}

int lockdep_enabled(const struct lockdep *ld)
{
	SIM_BUG_ON(!ld);
	return !ld->off;
}
