// SPDX-License-Identifier: MIT
/*
 * The scheduler's core: the slow path of the step funnel, the decision of
 * which CPU performs the next step, switches, preemption, waiting, waking
 * and spin-loop parking.
 *
 * Every task is a coroutine bound to a CPU. A task runs until it reaches a
 * step (an instrumented access, a fence, a cpu_relax()) at which the engine
 * decides, through the strategy, which CPU performs the next step. Steps are
 * numbered in the order they are performed: a task switched away at its hook
 * performs that op later, under the step number current when it resumes.
 *
 * Switches happen only inside the engine (sim_step_slow, task exit, park), so
 * between a hook returning and the task's next hook no other task runs: the
 * op the hook announced is performed atomically with respect to the others.
 * That is what makes the run sequentially consistent and the trace exact.
 */
#include "engine/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/machine_int.h"

#include "engine/strategy.h"
#include "engine/trace.h"

struct machine *machine_step_named(const void *obj, uintptr_t pc, const char *name)
{
	struct machine *m = sim_current;

	/* Read by the slow path only (tracing); the host dummy is never written. */
	if (m->running) {
		m->kcall_name = name;
		m->kcall_scope = SIM_SCOPE_ANY;
	}
	sim_step(m, SIM_KCALL, (uintptr_t)obj, obj ? 1 : 0, pc);
	return m;
}

struct machine *machine_step_cpu(uintptr_t pc, const char *name)
{
	struct machine *m = sim_current;

	if (m->running) {
		m->kcall_name = name;
		m->kcall_scope = SIM_SCOPE_CPU;
	}
	sim_step(m, SIM_KCALL, 0, 0, pc);
	return m;
}

struct machine *machine_step_obj(const void *obj, size_t size, uintptr_t pc, const char *name)
{
	struct machine *m = sim_current;

	SIM_BUG_ON(!obj || !size || size > UINT32_MAX);
	if (m->running) {
		m->kcall_name = name;
		m->kcall_scope = SIM_SCOPE_OBJECT;
	}
	sim_step(m, SIM_KCALL, (uintptr_t)obj, (uint32_t)size, pc);
	return m;
}

/* ---- scheduling ----------------------------------------------------- */

#define HUNG_CHECK_STEPS	4096


/* Recompute the first step at which the slow path must run. */
static void update_next_stop(struct machine *m)
{
	uint64_t ns = m->strategy_stop;
	struct cpu *c = m->cur_cpu;

	if (ns > m->max_steps + 1)
		ns = m->max_steps + 1;
	if (m->max_cycles != UINT64_MAX) {
		uint64_t left = c->cycles < m->max_cycles ? m->max_cycles - c->cycles : 0;
		uint64_t by_cycles = m->step + 1 + left / m->max_cost;

		if (by_cycles < ns)
			ns = by_cycles;
	}
	/* Sleepers are looked at every HUNG_CHECK_STEPS steps (hung tasks). */
	if (m->nblocked && ns > (m->step | (HUNG_CHECK_STEPS - 1)) + 1)
		ns = (m->step | (HUNG_CHECK_STEPS - 1)) + 1;
	if (m->tracing || m->nparked || m->nintr || (m->detect & (SIM_DETECT_RACE | SIM_DETECT_MEM)) ||
	    m->cur_task->watch_recording)
		ns = m->step + 1;
	m->next_stop = ns;
}

void machine_update_next_stop(struct machine *m)
{
	update_next_stop(m);
}

/* Can @t, running on @c, take an interrupt now? Only the floors above know. */
static inline bool irq_deliverable(const struct machine *m, const struct cpu *c,
				   const struct task *t)
{
	return m->nintr && m->hooks->irq_pending && m->hooks->irq_pending(m, c, t);
}

/* Can the task run on its CPU now, or take an interrupt there? */
static bool task_can_step(const struct machine *m, const struct cpu *c, const struct task *t)
{
	/*
	 * Blocking, it is still on its CPU while its sched-out hooks take
	 * steps: a decision among them may run another CPU first (a waker),
	 * never take the task for one that cannot go on.
	 */
	if (t->state == TASK_RUNNABLE || t->switching_out)
		return true;
	/* A CPU that spins or halts still takes interrupts. */
	return (t->state == TASK_SPINWAIT || t->state == TASK_PARKED ||
		t->state == TASK_HALTED) && irq_deliverable(m, c, t);
}

static bool cpu_can_step(const struct machine *m, const struct cpu *c)
{
	return c->cur && task_can_step(m, c, c->cur);
}

/* The task @c runs next when its current one leaves (the kernel's runqueue). */
struct task *sched_pick_next(struct machine *m, struct cpu *c)
{
	return m->hooks->pick_next ? m->hooks->pick_next(m, c) : NULL;
}

uint64_t sched_runnable_mask(const struct machine *m)
{
	uint64_t mask = 0;

	for (unsigned int i = 0; i < m->ncpus; i++)
		if (cpu_can_step(m, &m->cpus[i]))
			mask |= 1ULL << i;
	return mask;
}

void sched_end_run(struct machine *m, enum sim_outcome o, const char *why)
{
	struct task *t = m->cur_task;

	m->outcome = o;
	if (why && !m->message[0])
		snprintf(m->message, sizeof(m->message), "%s", why);
	m->running = false;
	ctx_switch(&t->ctx, &m->host, 1);
	SIM_BUG_ON(1);	/* a finished run is never resumed */
	__builtin_unreachable();
}

void machine_abandon(struct machine *m)
{
	SIM_BUG_ON(!m->cur_task);
	sched_end_run(m, SIM_ABANDONED, NULL);
}

void machine_end(struct machine *m, enum sim_outcome o, const char *why)
{
	SIM_BUG_ON(!m->cur_task);
	sched_end_run(m, o, why);
}

unsigned int sim_choose(struct machine *m, const struct sim_decision *din)
{
	struct sim_decision d = *din;
	unsigned int v;

	if (d.step != m->choose_step) {
		m->choose_step = d.step;
		memset(m->choose_count, 0, sizeof(m->choose_count));
	}
	d.ordinal = m->choose_count[d.kind]++;
	v = m->strat->ops->choose(m->strat, m, &d);
	SIM_BUG_ON(v >= d.n);
	if (!v)
		return 0;
	if (m->log_len == m->log_cap) {
		uint32_t cap = m->log_cap ? 2 * m->log_cap : 64;
		struct sim_decision_rec *log = realloc(m->log, cap * sizeof(*log));

		SIM_BUG_ON(!log);
		m->log = log;
		m->log_cap = cap;
	}
	m->log[m->log_len++] = (struct sim_decision_rec){
		.step = d.step, .ordinal = d.ordinal * SIM_CHOICE_SLOTS + d.kind, .value = v,
	};
	if (d.kind != SIM_CHOICE_SCHED && !d.free)
		m->preemptions++;
	if (m->tracing) {
		struct trace_event e;

		emit_flush_write(m);
		emit_event_base(m, &e, TR_DECISION);
		e.step = d.step;
		e.kind = d.kind;
		e.n = d.n;
		e.value = v;
		trace_emit(m->trace, &e);
	}
	return v;
}

/* @t's sched-in (@in) or sched-out hooks, in @t's context (preempt notifiers). */
static void run_notifiers(struct machine *m, struct task *t, bool in, struct task *other)
{
	if (m->hooks->sched)
		m->hooks->sched(m, t, in, other);
}

static void switch_to(struct machine *m, unsigned int cpu, bool preempt, bool from_dies)
{
	struct task *from = m->cur_task;
	struct cpu *c = &m->cpus[cpu];
	struct task *to = c->cur;

	if (m->jitter)
		c->cycles += rng_below(&m->jitter_rng, (uint64_t)m->jitter + 1);
	if (m->tracing) {
		struct trace_event e;

		emit_flush_write(m);
		emit_event_base(m, &e, TR_SWITCH);
		e.to_cpu = cpu;
		e.to_task = to->id;
		e.preempt = preempt;
		trace_emit(m->trace, &e);
	}
	m->cur_cpu = c;
	m->cur_task = to;
	machine_switched(m);
	/* The running task itself when it migrated: it goes on, on @cpu. */
	if (to != from)
		ctx_switch(&from->ctx, &to->ctx, from_dies);
	/* Resumed: whoever switched here set cur_cpu and cur_task to us. */
	if (from->need_sched_in) {
		from->need_sched_in = false;
		run_notifiers(m, from, true, NULL);
	}
}

/*
 * Make @next the task @c runs, @prev having left it (blocked, preempted,
 * exited, or the idle task giving way). @next runs its sched-in notifiers
 * when it next resumes.
 */
void machine_set_cur(struct cpu *c, struct task *next)
{
	if (c->cur == next)
		return;
	c->cur = next;
	if (next && next->kind != TASK_KIND_IDLE)
		next->need_sched_in = true;
}

/* Is @t preemptible right now (and not the idle task)? */
static bool task_preemptible(const struct machine *m, const struct task *t)
{
	return t->kind != TASK_KIND_IDLE &&
	       (!m->hooks->preemptible || m->hooks->preemptible(m, t));
}

/*
 * The strategy may preempt the running task for another runnable task of
 * its CPU (a timer tick, or a wake-up's preemption, on a real kernel). The
 * running task does the switch itself, as schedule() does: its sched-out
 * notifiers run in its own context first. A preempted task may then move
 * to another CPU, and a task alone on its CPU may be pushed to one that
 * idles (the kernel's load balancing): the kernel's preempted hook asks
 * the strategy (SIM_CHOICE_MIGRATE, default: stay).
 */
static void maybe_preempt(struct machine *m, struct task *t)
{
	struct cpu *c = m->cur_cpu;
	struct task *cand[SIM_MAX_TASKS], *u;
	unsigned int k, v;
	struct sim_decision d;

	if (!task_preemptible(m, t) || !m->hooks->preempt_candidates)
		return;
	k = m->hooks->preempt_candidates(m, c, t, cand);
	if (!k) {
		if (m->hooks->preempted)
			m->hooks->preempted(m, t, NULL);
		return;
	}
	d = (struct sim_decision){
		.kind = SIM_CHOICE_PREEMPT, .n = k + 1, .step = m->step + 1,
		.cur = c->id, .dflt = c->id, .op = &t->pending,
	};
	v = sim_choose(m, &d);
	if (!v)
		return;
	u = cand[v - 1];
	run_notifiers(m, t, false, u);
	machine_set_cur(c, u);
	if (m->hooks->preempted)
		m->hooks->preempted(m, t, u);
}

/*
 * Decide which CPU performs step m->step + 1. @forced: the current task
 * cannot go on (exited, blocked, parked). Returns when the current task is
 * chosen (at once, or after others ran); does not return when the run ends.
 */
static void no_runnable(struct machine *m);

void sched_decide(struct machine *m, bool forced, bool from_dies)
{
	struct task *t = m->cur_task;
	unsigned int cur = m->cur_cpu->id;
	struct sim_decision d = {
		.kind = SIM_CHOICE_SCHED,
		.n = m->ncpus,
		.step = m->step + 1,
		.forced = forced,
		.cur = cur,
		.runnable = sched_runnable_mask(m),
		.op = forced ? NULL : &t->pending,
	};
	unsigned int v, target;
	bool preempt;

	if (!d.runnable) {
		if (!m->nlive)
			sched_end_run(m, SIM_OK, NULL);
		no_runnable(m);
		/* The kernel woke sleepers (a fatal signal): they can run now. */
		d.runnable = sched_runnable_mask(m);
		SIM_BUG_ON(!d.runnable);
	}
	if (forced || !(d.runnable & (1ULL << cur)) || m->cpus[cur].cur != t) {
		d.forced = true;
		d.dflt = cur;
		if (!(d.runnable & (1ULL << cur)))
			do
				d.dflt = (d.dflt + 1) % m->ncpus;
			while (!(d.runnable & (1ULL << d.dflt)));
	} else {
		d.dflt = cur;
	}
	v = sim_choose(m, &d);
	target = sched_target(&d, v);
	SIM_BUG_ON(!(d.runnable & (1ULL << target)));
	m->decided_step = d.step;
	preempt = sched_preempts(&d, target);
	if (preempt)
		m->preemptions++;
	if (target == cur && !d.forced) {
		maybe_preempt(m, t);
		/* Pushed to a CPU that idled: the decision stands, it goes on there. */
		if (t->cpu != cur && m->cpus[t->cpu].cur == t)
			target = t->cpu;
	}
	if (m->cpus[target].cur != t || target != cur)
		switch_to(m, target, preempt, from_dies);
}

void machine_switch_cpu_task(struct machine *m, struct task *u)
{
	struct task *t = m->cur_task;

	run_notifiers(m, t, false, u);
	machine_set_cur(m->cur_cpu, u);
	sched_decide(m, true, false);
	update_next_stop(m);
}

void machine_decide_forced(struct machine *m)
{
	sched_decide(m, true, false);
}

/* A CPU that sat halted or spinning has been waiting since the running CPU's time. */
void machine_catch_up(struct machine *m, struct cpu *c)
{
	if (m->cur_task && c->cycles < m->cur_cpu->cycles)
		c->cycles = m->cur_cpu->cycles;
}

/*
 * A task woken onto a CPU whose current task spins parked (or a new task
 * started there: machine_queued()) would wait for the spinner's memory to
 * change, which may be never (the spinner waits for the woken task, say). On Linux the scheduler tick would let it run:
 * here the spinner goes round its loop once more, and parks again through
 * park_yield(), which gives the CPU to the woken task. No happens-before
 * edge: the spinner learns nothing from the waker.
 */
static void tick_parked(struct machine *m, struct cpu *c, const struct task *woken)
{
	struct task *cur = c->cur;

	if (!cur || cur == woken || cur->state != TASK_PARKED || !task_preemptible(m, cur))
		return;
	m->nparked--;
	cur->state = TASK_RUNNABLE;
	cur->wait_obj = NULL;
	machine_catch_up(m, c);
}

void machine_queued(struct machine *m, struct task *t)
{
	tick_parked(m, &m->cpus[t->cpu], t);
}

void machine_wake(struct machine *m, struct task *t)
{
	switch (t->state) {
	case TASK_PARKED:
		m->nparked--;
		/* fall through */
	case TASK_SPINWAIT:
		t->state = TASK_RUNNABLE;
		t->wait_obj = NULL;
		machine_catch_up(m, &m->cpus[t->cpu]);
		/* It yielded its CPU while parked (park_yield()): an idle CPU takes it back. */
		if (m->cpus[t->cpu].cur != t && m->hooks->woken)
			m->hooks->woken(m, t);
		break;
	case TASK_BLOCKED:
		t->state = TASK_RUNNABLE;
		t->wait_obj = NULL;
		m->nblocked--;
		/* The kernel places it (maybe on another CPU) and wakes an idle CPU for it. */
		if (m->hooks->woken)
			m->hooks->woken(m, t);
		tick_parked(m, &m->cpus[t->cpu], t);
		break;
	default:
		return;
	}
	/* The wakee sees everything its waker did: paired in machine_wait(). */
	if (m->hooks->hb)
		m->hooks->hb(m, t, false);
	emit_simple(m, TR_WAKE, t->id);
	if (m->strat && m->strat->ops->woke && m->cur_task) {
		m->strat->ops->woke(m->strat, m, t);
		update_next_stop(m);
	}
}

/*
 * A parked spinner that could be preempted gives its CPU to a task queued
 * behind it: on Linux the scheduler tick would, the spin making no
 * progress. Without it a task the strategy preempted in favour of a
 * spinner would never run again, and the run would end as a livelock that
 * no kernel shows. The spinner stays queued; woken, it runs when its CPU
 * next picks it or the strategy preempts for it. A spinner that cannot be
 * preempted (preemption off, a spinlock's wait) keeps its CPU.
 */
static void park_yield(struct machine *m, struct task *t, struct cpu *c)
{
	struct task *next;

	if (c->cur != t || !task_preemptible(m, t))
		return;
	next = sched_pick_next(m, c);
	if (!next || next == t || next->kind == TASK_KIND_IDLE)
		return;
	run_notifiers(m, t, false, next);
	/* Woken while its sched-out hooks ran (their steps): it stays, as machine_wait() does. */
	if (t->state != TASK_PARKED) {
		run_notifiers(m, t, true, NULL);
		return;
	}
	machine_set_cur(c, next);
}

/*
 * The current task stops running: @st is TASK_BLOCKED (it leaves its CPU,
 * which runs another task or idles) or a spinning state (it keeps its CPU,
 * which can still take interrupts). Returns once it is woken and chosen to
 * run again, or chosen to take an interrupt while it spins.
 */
void machine_wait(struct machine *m, enum task_state st, const void *obj, const char *what)
{
	struct task *t = m->cur_task;
	struct cpu *c = m->cur_cpu;

	t->state = st;
	t->wait_obj = obj;
	t->wait_what = what;
	t->blocked_since = c->cycles;
	if (st == TASK_PARKED) {
		m->nparked++;
		park_yield(m, t, c);
	}
	if (st == TASK_BLOCKED) {
		m->nblocked++;
		struct task *next = sched_pick_next(m, c);

		/*
		 * The sched-out hooks take steps, in which a waker may wake
		 * it. As Linux's try_to_wake_up() waits for the task to be
		 * off its CPU (p->on_cpu), a wake now leaves it where it is
		 * (the kernel's woken hook does not place it); then it does
		 * not leave, and its sched-in hooks undo the sched-out ones.
		 */
		t->switching_out = true;
		run_notifiers(m, t, false, next);
		t->switching_out = false;
		if (t->state == TASK_RUNNABLE)
			run_notifiers(m, t, true, NULL);
		else
			machine_set_cur(c, next);
	}
	sched_decide(m, true, false);
	/* Paired with machine_wake()'s release. */
	if (m->hooks->hb)
		m->hooks->hb(m, t, true);
	update_next_stop(m);
}

/* Wake every parked task that watches a byte of [addr, addr + size). */
static void wake_watchers(struct machine *m, uintptr_t addr, uint32_t size)
{
	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *w = &m->tasks[i];

		if (w->state != TASK_PARKED)
			continue;
		for (unsigned int j = 0; j < w->nwatch; j++) {
			if (w->watch[j].addr < addr + size &&
			    addr < w->watch[j].addr + w->watch[j].size) {
				machine_wake(m, w);
				break;
			}
		}
	}
}

void machine_wake_spinners(struct machine *m, const void *obj)
{
	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *w = &m->tasks[i];

		if (w->state == TASK_SPINWAIT && w->wait_obj == obj)
			machine_wake(m, w);
	}
}

/*
 * Record a read of the iteration being watched. The iteration is not a pure
 * spin (and must not park) if it read more places than we track, or saw a
 * location change between two of its reads.
 */
static void watch_add(struct task *t, uintptr_t addr, uint32_t size)
{
	for (unsigned int i = 0; i < t->nwatch; i++) {
		if (t->watch[i].addr == addr && t->watch[i].size == size) {
			/* A change the iteration's own write explains is none. */
			if (!t->watch[i].wrote && t->watch[i].value != machine_read_value(addr, size))
				t->watch_invalid = true;
			return;
		}
	}
	if (t->nwatch == SIM_WATCH_MAX) {
		t->watch_invalid = true;
		return;
	}
	t->watch[t->nwatch++] = (struct sim_watch){
		.addr = addr, .size = size, .value = machine_read_value(addr, size),
	};
}

/*
 * Record a write of the iteration being watched (before it is done), or
 * say it makes the iteration no pure spin. A write to the task's own stack
 * is allowed when the iteration puts back what was there: a compare-
 * exchange loop's expected value is set again each time round, and the
 * failing compare-exchange writes back the same old value. The value
 * before the first write is kept, and cpu_relax() compares with it.
 * Other memory may be read by others, so any write to it counts.
 */
static bool watch_write(struct task *t, uintptr_t addr, uint32_t size)
{
	uintptr_t lo = (uintptr_t)t->ctx.stack_lo;

	if (addr < lo || addr - lo >= t->ctx.stack_size || size > t->ctx.stack_size - (addr - lo))
		return false;
	for (unsigned int i = 0; i < t->nwatch; i++) {
		struct sim_watch *w = &t->watch[i];

		if (w->addr == addr && w->size == size) {
			w->wrote = true;
			return true;
		}
		if (w->addr < addr + size && addr < w->addr + w->size)
			return false;	/* overlaps in another shape: not worth tracking */
	}
	if (t->nwatch == SIM_WATCH_MAX)
		return false;
	t->watch[t->nwatch++] = (struct sim_watch){
		.addr = addr, .size = size, .value = machine_read_value(addr, size), .wrote = true,
	};
	return true;
}

/* Perform @op of the current task as step m->step + 1. */
static void perform(struct machine *m, struct task *t, const struct sim_op *op)
{
	m->step++;
	m->cur_cpu->cycles += m->cur_cpu->cost[op->kind];
	if (m->strat->ops->observe)
		m->strat->ops->observe(m->strat, m, t, op);
	/*
	 * A read-modify-write is a read here, and a write only once
	 * machine_rmw_done() says it changed the value: a failed exchange or
	 * compare-exchange in a test-and-set loop leaves the lock as it was.
	 */
	if (t->watch_recording) {
		/* A loop that writes is not spinning on others' memory. */
		if (sim_kind_is_read(op->kind))
			watch_add(t, op->addr, op->size);
		else if (sim_kind_is_write(op->kind) && !watch_write(t, op->addr, op->size))
			t->watch_invalid = true;
	}
	if (m->tracing) {
		emit_point(m, t);
		emit_access(m, op);
	}
	if ((m->detect & (SIM_DETECT_RACE | SIM_DETECT_MEM)) && sim_kind_is_access(op->kind))
		m->hooks->access(m, t, op);
	if (m->nparked && sim_kind_is_write(op->kind) && op->kind != SIM_ATOMIC_RMW)
		wake_watchers(m, op->addr, op->size);
	/* The task performs the store itself once this returns: the next event reads it. */
	m->wpend_open = false;
	update_next_stop(m);
}

void machine_rmw_wrote(struct machine *m, uintptr_t addr, uint32_t size)
{
	if (m->cur_task->watch_recording)
		m->cur_task->watch_invalid = true;
	if (m->nparked) {
		wake_watchers(m, addr, size);
		update_next_stop(m);
	}
}

/* End the run as a hang if step m->step + 1 would go past a budget. */
static void check_budgets(struct machine *m)
{
	if (m->step + 1 > m->max_steps)
		sched_end_run(m, SIM_LIVELOCK, "hang: the run went past its step budget (--max-steps)");
	if (m->cur_cpu->cycles > m->max_cycles)
		sched_end_run(m, SIM_LIVELOCK, "hang: a CPU went past the run's cycle budget");
}

void sim_step_slow(struct machine *m, unsigned int kind, uintptr_t addr,
		   uint32_t size, uintptr_t pc)
{
	const struct sim_op op = {
		.addr = addr, .pc = pc, .size = size, .kind = kind,
		.name = kind == SIM_KCALL ? m->kcall_name : NULL,
		.scope = kind == SIM_KCALL ? m->kcall_scope : SIM_SCOPE_ANY,
	};
	struct task *t;
	uint64_t s;

	if (!m->running)
		return;
	t = m->cur_task;
	if (m->tracing)
		emit_flush_write(m);
	if ((m->detect & SIM_DETECT_RACE) && m->hooks->flush)
		m->hooks->flush(m);
	/* An interrupt's arrival is a choice at this op: strategies look at it. */
	t->pending = op;
	if (irq_deliverable(m, m->cur_cpu, t))
		m->hooks->take_irq(m);
	s = m->step + 1;
	check_budgets(m);
	if (m->nblocked && !(s & (HUNG_CHECK_STEPS - 1)) && m->hooks->check_sleepers)
		m->hooks->check_sleepers(m);
	t->pending = op;
	if (s > m->decided_step && s >= m->strategy_stop) {
		sched_decide(m, false, false);
		/* Notifiers or interrupt handlers may have run steps of ours. */
		t->pending = op;
		/*
		 * Other CPUs may have stepped before this one was chosen
		 * again (a forced switch at an exit or a block picks it):
		 * the budget is checked for the step about to be performed.
		 */
		check_budgets(m);
	}
	perform(m, t, &op);
}

void machine_relax(struct machine *m, uintptr_t pc)
{
	struct task *t;

	sim_step(m, SIM_RELAX, 0, 0, pc);
	if (!m->running)
		return;
	t = m->cur_task;
	if (t->watch_recording && !t->watch_invalid && t->nwatch) {
		bool unchanged = true;

		for (unsigned int i = 0; i < t->nwatch; i++)
			if (machine_read_value(t->watch[i].addr, t->watch[i].size) != t->watch[i].value)
				unchanged = false;
		if (unchanged) {
			/*
			 * One whole iteration read only memory that nobody
			 * changed: the next one would read the same. Park
			 * until a write to a watched location (or an
			 * interrupt: the loop then goes round again).
			 */
			t->watch_recording = false;
			emit_simple(m, TR_PARK, 0);
			machine_wait(m, TASK_PARKED, NULL, "a spin loop");
			if (t->state == TASK_PARKED) {
				m->nparked--;
				t->state = TASK_RUNNABLE;
			}
			return;
		}
	}
	/* Record the reads of the next iteration. */
	t->watch_recording = true;
	t->watch_invalid = false;
	t->nwatch = 0;
	update_next_stop(m);
}

/* ---- placing woken tasks, idling ------------------------------------ */

/*
 * Nothing can run, and program tasks are left: a deadlock if some sleep, a
 * livelock if all of them spin. The floors above say who waits on what,
 * and may end sleeps instead (a killed program's interruptible sleepers):
 * then this returns and scheduling goes on.
 */
static void no_runnable(struct machine *m)
{
	unsigned int sleeping = 0;

	for (unsigned int i = 0; i < m->ntasks; i++) {
		const struct task *t = &m->tasks[i];

		if (t->kind == TASK_KIND_PROGRAM && t->state == TASK_BLOCKED)
			sleeping++;
	}
	/* Reports, and may end the run itself or wake tasks. */
	if (m->hooks->stuck && m->hooks->stuck(m, sleeping))
		return;
	if (sleeping)
		sched_end_run(m, SIM_DEADLOCK, "deadlock: tasks blocked and nothing can run");
	if (m->nparked)
		sched_end_run(m, SIM_LIVELOCK,
			"livelock: every live task spins on memory that no task will write");
	sched_end_run(m, SIM_LIVELOCK, "livelock: every live task spins on a lock that no task will release");
}
