// SPDX-License-Identifier: MIT
/*
 * The engine's core: one run of a program on a machine of simulated CPUs.
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

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/buildid.h"
#include "kernel/mem.h"
#include "kernel/race.h"
#include "kernel/kmodel.h"
#include "engine/strategy.h"
#include "engine/symbolize.h"
#include "engine/trace.h"

/*
 * The dummy that sim_current points at outside a run: next_stop is 0, so
 * every hook goes to the slow path, which returns at once because running
 * is false. It is never written.
 */
static const struct machine host_idle;
struct machine *sim_current = (struct machine *)&host_idle;

/*
 * The instrumented modules' data and bss, renamed into these sections by
 * hvsim_add_instrumented() (cmake/hvsim.cmake). Weak: a binary without
 * instrumented code has none.
 */
extern char __start_hvsim_data[] __attribute__((weak));
extern char __stop_hvsim_data[] __attribute__((weak));
extern char __start_hvsim_bss[] __attribute__((weak));
extern char __stop_hvsim_bss[] __attribute__((weak));

static size_t state_data_size(void)
{
	return __start_hvsim_data ? (size_t)(__stop_hvsim_data - __start_hvsim_data) : 0;
}

static size_t state_bss_size(void)
{
	return __start_hvsim_bss ? (size_t)(__stop_hvsim_bss - __start_hvsim_bss) : 0;
}

size_t machine_state_size(void)
{
	return state_data_size() + state_bss_size();
}

bool machine_in_state_sections(uintptr_t addr, uint32_t size)
{
	uintptr_t d = (uintptr_t)__start_hvsim_data, b = (uintptr_t)__start_hvsim_bss;

	return (d && addr >= d && addr + size <= (uintptr_t)__stop_hvsim_data) ||
	       (b && addr >= b && addr + size <= (uintptr_t)__stop_hvsim_bss);
}

static void state_save(void *to)
{
	memcpy(to, __start_hvsim_data, state_data_size());
	memcpy((char *)to + state_data_size(), __start_hvsim_bss, state_bss_size());
}

static void state_restore(const void *from)
{
	memcpy(__start_hvsim_data, from, state_data_size());
	memcpy(__start_hvsim_bss, (const char *)from + state_data_size(), state_bss_size());
}

const char *sim_outcome_name(enum sim_outcome o)
{
	static const char *const names[SIM_NR_OUTCOMES] = {
		[SIM_OK] = "ok",
		[SIM_FAILED] = "failed",
		[SIM_DEADLOCK] = "deadlock",
		[SIM_LIVELOCK] = "livelock",
		[SIM_ABANDONED] = "abandoned",
	};
	return (unsigned int)o < SIM_NR_OUTCOMES ? names[o] : "?";
}

const char *sim_kind_name(unsigned int k)
{
	static const char *const names[SIM_NR_KINDS] = {
		[SIM_READ] = "read",
		[SIM_READ_MARKED] = "read-once",
		[SIM_ATOMIC_LOAD] = "atomic-load",
		[SIM_WRITE] = "write",
		[SIM_WRITE_MARKED] = "write-once",
		[SIM_ATOMIC_STORE] = "atomic-store",
		[SIM_ATOMIC_RMW] = "atomic-rmw",
		[SIM_FENCE] = "fence",
		[SIM_RELAX] = "relax",
		[SIM_KCALL] = "kcall",
	};
	return k < SIM_NR_KINDS ? names[k] : (k == SIM_OP_START ? "start" : "?");
}

/*
 * Default cycle costs until CPU models supply their own: an L1 hit for
 * plain accesses, a locked operation for atomics, MFENCE, and PAUSE as on
 * Skylake and later (about 140 cycles).
 */
static const uint32_t default_cost[SIM_NR_KINDS] = {
	[SIM_READ] = 4,
	[SIM_READ_MARKED] = 4,
	[SIM_ATOMIC_LOAD] = 4,
	[SIM_WRITE] = 4,
	[SIM_WRITE_MARKED] = 4,
	[SIM_ATOMIC_STORE] = 20,
	[SIM_ATOMIC_RMW] = 20,
	[SIM_FENCE] = 33,
	[SIM_RELAX] = 140,
	[SIM_KCALL] = 20,
};

static void install_oops_handler(struct machine *m);
static void restore_oops_handler(struct machine *m);

/*
 * A model's costs for the engine's step kinds. Cross-core transfers are
 * not modelled yet (no cache-line ownership): every access costs a hit.
 */
void machine_set_costs(struct machine *m)
{
	m->max_cost = 1;
	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct cpu *c = &m->cpus[i];
		const struct cpu_model *md = c->model;

		memcpy(c->cost, default_cost, sizeof(c->cost));
		if (md) {
			for (unsigned int k = SIM_READ; k <= SIM_WRITE_MARKED; k++)
				c->cost[k] = md->cost[COST_ACCESS];
			c->cost[SIM_ATOMIC_LOAD] = md->cost[COST_ACCESS];
			c->cost[SIM_ATOMIC_STORE] = md->cost[COST_ATOMIC];
			c->cost[SIM_ATOMIC_RMW] = md->cost[COST_ATOMIC];
			c->cost[SIM_FENCE] = md->cost[COST_FENCE];
			c->cost[SIM_RELAX] = md->cost[COST_PAUSE];
		}
		for (unsigned int k = 0; k < SIM_NR_KINDS; k++) {
			if (!c->cost[k])
				c->cost[k] = 1;	/* every step takes time */
			if (c->cost[k] > m->max_cost)
				m->max_cost = c->cost[k];
		}
	}
}

struct machine *machine_create(unsigned int ncpus)
{
	struct machine *m;

	if (ncpus == 0 || ncpus > SIM_MAX_CPUS)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->ncpus = ncpus;
	for (unsigned int i = 0; i < ncpus; i++)
		m->cpus[i].id = i;
	machine_set_costs(m);
	m->max_steps = SIM_DEFAULT_MAX_STEPS;
	m->max_cycles = UINT64_MAX;
	m->hung_cycles = SIM_HUNG_CYCLES;
	ctx_pool_init(&m->pool, CTX_STACK_SIZE);
	m->image_base = sim_image_base();
	m->vmx = calloc(1, sizeof(*m->vmx));
	if (!m->vmx || kmodel_create(m)) {
		free(m->vmx);
		free(m);
		return NULL;
	}
	/*
	 * Outside a run the instrumented state is pristine: every run
	 * restores it when it ends, so this copy is the boot state.
	 */
	m->state_pristine = malloc(machine_state_size() + 1);
	if (!m->state_pristine) {
		free(m);
		return NULL;
	}
	state_save(m->state_pristine);
	/* Process-wide, but harmless between runs: it only acts inside one. */
	install_oops_handler(m);
	return m;
}

static void machine_release_tasks(struct machine *m)
{
	for (unsigned int i = 0; i < m->ntasks; i++) {
		if (m->tasks[i].stack)
			ctx_stack_put(&m->pool, m->tasks[i].stack);
		m->tasks[i].stack = NULL;
	}
	m->ntasks = 0;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	restore_oops_handler(m);
	machine_release_tasks(m);
	ctx_pool_destroy(&m->pool);
	if (m->trace)
		trace_writer_destroy(m->trace);
	free(m->log);
	free(m->state_pristine);
	kmodel_destroy(m);
	symtab_free(m->symtab);
	free(m->models);
	free(m->vmx);
	free(m);
}

unsigned int sim_ncpus(const struct machine *m)
{
	return m->ncpus;
}

uint64_t sim_steps(const struct machine *m)
{
	return m->step;
}

uint64_t sim_cpu_cycles(const struct machine *m, unsigned int cpu)
{
	return cpu < m->ncpus ? m->cpus[cpu].cycles : 0;
}

/* ---- tracing -------------------------------------------------------- */

static uint64_t read_value(uintptr_t addr, uint32_t size)
{
	uint64_t v = 0;

	if (!addr || !size)
		return 0;
	if (size <= 8) {
		memcpy(&v, (const void *)addr, size);
		return v;
	}
	/* FNV-1a over larger accesses: a changed range still shows. */
	v = 0xcbf29ce484222325ULL;
	for (uint32_t i = 0; i < size; i++) {
		v ^= ((const uint8_t *)addr)[i];
		v *= 0x100000001b3ULL;
	}
	return v;
}

static void addr_region(const struct machine *m, uintptr_t addr, uint8_t *region,
			uint64_t *offset, uint32_t *owner)
{
	uintptr_t d = (uintptr_t)__start_hvsim_data, b = (uintptr_t)__start_hvsim_bss;

	*owner = 0;
	*offset = 0;
	if (!addr) {
		*region = TR_REGION_NONE;
		return;
	}
	if (d && addr >= d && addr < (uintptr_t)__stop_hvsim_data) {
		*region = TR_REGION_DATA;
		*offset = addr - d;
		return;
	}
	if (b && addr >= b && addr < (uintptr_t)__stop_hvsim_bss) {
		*region = TR_REGION_BSS;
		*offset = addr - b;
		return;
	}
	for (unsigned int i = 0; i < m->ntasks; i++) {
		const struct task *t = &m->tasks[i];
		uintptr_t lo = (uintptr_t)t->ctx.stack_lo, hi = lo + t->ctx.stack_size;

		if (t->stack && addr >= lo && addr < hi) {
			*region = TR_REGION_STACK;
			*offset = hi - addr;
			*owner = t->id;
			return;
		}
	}
	*region = TR_REGION_UNKNOWN;
}

/*
 * A host address as reports and traces show it: the same in every process
 * (ASLR moves the host's mappings, not these), distinct per region, and
 * shaped like the kernel's (direct map for the arena, text-ish for globals).
 */
uintptr_t machine_norm_addr(const struct machine *m, uintptr_t addr)
{
	uintptr_t d = (uintptr_t)__start_hvsim_data, b = (uintptr_t)__start_hvsim_bss;
	uintptr_t k = (uintptr_t)m->k;

	if (addr < 4096)
		return addr;
	if (d && addr >= d && addr < (uintptr_t)__stop_hvsim_data)
		return 0xffffffff82000000ULL + (addr - d);
	if (b && addr >= b && addr < (uintptr_t)__stop_hvsim_bss)
		return 0xffffffff84000000ULL + (addr - b);
	if (m->k && mem_contains(m->k->mem, addr, 1))
		return (uintptr_t)mem_report_addr(m->k->mem, addr);
	if (k && addr >= k && addr < k + sizeof(*m->k))
		return 0xffffea0000000000ULL + (addr - k);
	for (unsigned int i = 0; i < m->ntasks; i++) {
		uintptr_t lo = (uintptr_t)m->tasks[i].ctx.stack_lo;

		if (m->tasks[i].stack && addr >= lo && addr < lo + m->tasks[i].ctx.stack_size)
			return 0xffffc90000000000ULL + ((uintptr_t)i << 24) + (addr - lo);
	}
	for (unsigned int i = 0; m->k && i < KMODEL_MAX_PROCS; i++) {
		uintptr_t lo = (uintptr_t)m->k->procs[i].umem;

		if (lo && addr >= lo && addr < lo + m->k->procs[i].umem_len)
			return 0x00007f0000000000ULL + ((uintptr_t)i << 24) + (addr - lo);
	}
	return addr;
}

static void trace_event_base(const struct machine *m, struct trace_event *e, unsigned int type)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->step = m->step;
	if (m->cur_task) {
		e->cpu = m->cur_cpu->id;
		e->task = m->cur_task->id;
		e->cycle = m->cur_cpu->cycles;
	}
}

/*
 * A write's new value is known only once the hook has returned and the
 * store executed: its event waits in m->wpend until the next slow-path
 * entry (tracing sends every step there), a switch, or the task's exit.
 */
static void trace_flush_write(struct machine *m)
{
	if (!m->wpend_valid)
		return;
	m->wpend.new_val = read_value(m->wpend_addr, m->wpend.size);
	if (m->wpend.size == 8)
		m->wpend.new_val = machine_norm_addr(m, m->wpend.new_val);
	trace_emit(m->trace, &m->wpend);
	m->wpend_valid = false;
}

static void trace_access(struct machine *m, const struct sim_op *op)
{
	struct trace_event e;
	uint32_t owner;

	trace_event_base(m, &e, TR_ACCESS);
	e.kind = op->kind;
	addr_region(m, op->addr, &e.region, &e.offset, &owner);
	if (e.region == TR_REGION_STACK)
		e.to_task = owner;
	e.size = op->size;
	e.pc = op->pc ? op->pc - m->image_base : 0;
	if (op->kind == SIM_KCALL && op->name)
		e.str = trace_string(m->trace, op->name);
	e.old_val = read_value(op->addr, op->size);
	if (op->size == 8)
		e.old_val = machine_norm_addr(m, e.old_val);
	e.new_val = e.old_val;
	if (sim_kind_is_write(op->kind)) {
		m->wpend_valid = true;
		m->wpend = e;
		m->wpend_addr = op->addr;
		return;
	}
	trace_emit(m->trace, &e);
}

static void trace_simple(struct machine *m, unsigned int type, uint32_t arg)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	trace_flush_write(m);
	trace_event_base(m, &e, type);
	if (type == TR_SPAWN)
		e.str = arg;
	else if (type == TR_WAKE)
		e.to_task = arg;
	trace_emit(m->trace, &e);
}

void machine_trace_log(struct machine *m, const char *text)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	trace_flush_write(m);
	trace_event_base(m, &e, TR_LOG);
	e.str = trace_string(m->trace, text);
	trace_emit(m->trace, &e);
}

void machine_trace_irq(struct machine *m, bool enter)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	trace_flush_write(m);
	trace_event_base(m, &e, TR_IRQ);
	e.kind = enter;
	trace_emit(m->trace, &e);
}

void machine_trace_vmx(struct machine *m, unsigned int kind, uint32_t value, const char *check)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	trace_flush_write(m);
	trace_event_base(m, &e, TR_VMX);
	e.kind = (uint8_t)kind;
	e.value = value;
	e.str = trace_string(m->trace, check);
	trace_emit(m->trace, &e);
}

void machine_who(const struct machine *m, struct sim_who *w, uintptr_t pc)
{
	const struct task *t = m->cur_task;

	memset(w, 0, sizeof(*w));
	w->step = m->step;
	w->pc = pc;
	if (!t)
		return;
	w->task = t->id;
	w->pid = t->pid;
	w->comm = t->name;
	w->cpu = m->cur_cpu->id;
	w->stack = t->shadow;
	w->depth = t->depth < SIM_SHADOW_DEPTH ? t->depth : SIM_SHADOW_DEPTH;
	w->irqs_disabled = !m->cur_cpu->irqs_enabled;
	w->in_irq = t->in_irq;
}

/*
 * @arg is the machine; @pc absolute, the pc of an access or a return
 * address (whose call is the byte before it, hence pc - 1 to look up).
 */
void machine_symbolize(void *arg, uintptr_t pc, char *buf, size_t len)
{
	struct machine *m = arg;
	uintptr_t rel = pc ? pc - m->image_base : 0;

	if (!m->symtab_tried) {
		m->symtab = symtab_load();
		m->symtab_tried = true;
	}
	symtab_format(m->symtab, rel ? rel - 1 : 0, buf, len);
}

/* ---- scheduling ----------------------------------------------------- */

#define HUNG_CHECK_STEPS	4096

static void check_hung_tasks(struct machine *m);

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
	if (m->tracing || m->nparked || m->nirq || (m->detect & (SIM_DETECT_RACE | SIM_DETECT_MEM)) ||
	    m->cur_task->watch_recording)
		ns = m->step + 1;
	m->next_stop = ns;
}

void machine_update_next_stop(struct machine *m)
{
	update_next_stop(m);
}

/* Can the task run on its CPU now, or take an interrupt there? */
static bool task_can_step(const struct cpu *c, const struct task *t)
{
	if (t->state == TASK_RUNNABLE)
		return true;
	/* A CPU that spins or halts still takes interrupts. */
	return c->irq_head && c->irqs_enabled && !t->in_irq &&
	       (t->state == TASK_SPINWAIT || t->state == TASK_PARKED ||
		t->state == TASK_HALTED);
}

static bool cpu_can_step(const struct cpu *c)
{
	return c->cur && task_can_step(c, c->cur);
}

/*
 * The task a CPU runs next when its current one leaves: the first runnable
 * task on its runqueue other than the idle task, else the idle task.
 */
static struct task *cpu_pick_next(const struct cpu *c)
{
	for (struct task *t = c->tasks; t; t = t->next_on_cpu)
		if (t->state == TASK_RUNNABLE && t->kind != TASK_KIND_IDLE)
			return t;
	return c->idle;
}

static uint64_t runnable_mask(const struct machine *m)
{
	uint64_t mask = 0;

	for (unsigned int i = 0; i < m->ncpus; i++)
		if (cpu_can_step(&m->cpus[i]))
			mask |= 1ULL << i;
	return mask;
}

__attribute__((noreturn))
static void end_run(struct machine *m, enum sim_outcome o, const char *why)
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
	end_run(m, SIM_ABANDONED, NULL);
}

void machine_end(struct machine *m, enum sim_outcome o, const char *why)
{
	SIM_BUG_ON(!m->cur_task);
	end_run(m, o, why);
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
	if (d.kind != SIM_CHOICE_SCHED)
		m->preemptions++;
	if (m->tracing) {
		struct trace_event e;

		trace_flush_write(m);
		trace_event_base(m, &e, TR_DECISION);
		e.step = d.step;
		e.kind = d.kind;
		e.n = d.n;
		e.value = v;
		trace_emit(m->trace, &e);
	}
	return v;
}

/* Run @t's sched-in (@in) or sched-out notifiers, in @t's context. */
static void run_notifiers(struct machine *m, struct task *t, bool in, struct task *other)
{
	struct preempt_notifier *n;

	if (!t->notifiers)
		return;
	/* Notifiers run with preemption off, as in the kernel. */
	t->preempt_count++;
	for (n = t->notifiers; n; n = n->link) {
		if (in)
			n->ops->sched_in(n, (int)m->cur_cpu->id);
		else
			n->ops->sched_out(n, other);
	}
	t->preempt_count--;
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

		trace_flush_write(m);
		trace_event_base(m, &e, TR_SWITCH);
		e.to_cpu = cpu;
		e.to_task = to->id;
		e.preempt = preempt;
		trace_emit(m->trace, &e);
	}
	m->cur_cpu = c;
	m->cur_task = to;
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
static void cpu_set_cur(struct cpu *c, struct task *next)
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
	return t->kind != TASK_KIND_IDLE && !t->preempt_count && !t->in_irq &&
	       m->cpus[t->cpu].irqs_enabled;
}

/*
 * The strategy may preempt the running task for another runnable task of
 * its CPU (a timer tick, or a wake-up's preemption, on a real kernel). The
 * running task does the switch itself, as schedule() does: its sched-out
 * notifiers run in its own context first.
 */
static void maybe_preempt(struct machine *m, struct task *t)
{
	struct cpu *c = m->cur_cpu;
	struct task *cand[SIM_MAX_TASKS], *u;
	unsigned int k = 0, v;
	struct sim_decision d;

	if (!task_preemptible(m, t))
		return;
	for (u = c->tasks; u; u = u->next_on_cpu)
		if (u != t && u->state == TASK_RUNNABLE && u->kind != TASK_KIND_IDLE)
			cand[k++] = u;
	if (!k)
		return;
	d = (struct sim_decision){
		.kind = SIM_CHOICE_PREEMPT, .n = k + 1, .step = m->step + 1,
		.cur = c->id, .dflt = c->id, .op = &t->pending,
	};
	v = sim_choose(m, &d);
	if (!v)
		return;
	u = cand[v - 1];
	run_notifiers(m, t, false, u);
	cpu_set_cur(c, u);
}

/*
 * The hung-task detector: a program task asleep for longer than the budget
 * (by the clock of the CPU looking) is reported once; the run goes on.
 */
static void check_hung_tasks(struct machine *m)
{
	uint64_t now = m->cur_cpu->cycles;

	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *t = &m->tasks[i];
		char title[160], text[512];

		if (t->state != TASK_BLOCKED || t->kind != TASK_KIND_PROGRAM || t->hung_reported ||
		    now < t->blocked_since || now - t->blocked_since <= m->hung_cycles)
			continue;
		t->hung_reported = true;
		snprintf(title, sizeof(title), "INFO: task %s:%u blocked for more than %llu cycles.",
			 t->name, t->pid, (unsigned long long)m->hung_cycles);
		snprintf(text, sizeof(text), "%s\ntask:%-15s state:D pid:%-5u waiting on %s\n",
			 title, t->name, t->pid, t->wait_what ? t->wait_what : "?");
		machine_report_text(m, title, text);
	}
}

/*
 * Decide which CPU performs step m->step + 1. @forced: the current task
 * cannot go on (exited, blocked, parked). Returns when the current task is
 * chosen (at once, or after others ran); does not return when the run ends.
 */
static void decide(struct machine *m, bool forced, bool from_dies)
{
	struct task *t = m->cur_task;
	unsigned int cur = m->cur_cpu->id;
	struct sim_decision d = {
		.kind = SIM_CHOICE_SCHED,
		.n = m->ncpus,
		.step = m->step + 1,
		.forced = forced,
		.cur = cur,
		.runnable = runnable_mask(m),
		.op = forced ? NULL : &t->pending,
	};
	unsigned int v, target;
	bool preempt;

	if (!d.runnable) {
		if (!m->nlive)
			end_run(m, SIM_OK, NULL);
		machine_no_runnable(m);
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
	if (target == cur && !d.forced)
		maybe_preempt(m, t);
	if (m->cpus[target].cur != t)
		switch_to(m, target, preempt, from_dies);
}

void machine_switch_cpu_task(struct machine *m, struct task *u)
{
	struct task *t = m->cur_task;

	run_notifiers(m, t, false, u);
	cpu_set_cur(m->cur_cpu, u);
	decide(m, true, false);
	update_next_stop(m);
}

void machine_decide_forced(struct machine *m)
{
	decide(m, true, false);
}

/* A CPU that sat halted or spinning has been waiting since @by's time. */
static void catch_up_clock(struct cpu *c, const struct cpu *by)
{
	if (by && c->cycles < by->cycles)
		c->cycles = by->cycles;
}

void machine_wake(struct machine *m, struct task *t)
{
	struct cpu *c;

	switch (t->state) {
	case TASK_PARKED:
		m->nparked--;
		/* fall through */
	case TASK_SPINWAIT:
		t->state = TASK_RUNNABLE;
		t->wait_obj = NULL;
		catch_up_clock(&m->cpus[t->cpu], m->cur_task ? m->cur_cpu : NULL);
		break;
	case TASK_BLOCKED:
		t->state = TASK_RUNNABLE;
		t->wait_obj = NULL;
		m->nblocked--;
		machine_place_woken(m, t);
		c = &m->cpus[t->cpu];
		if (c->cur == c->idle && c->idle && c->idle->state == TASK_HALTED) {
			catch_up_clock(c, m->cur_task ? m->cur_cpu : NULL);
			cpu_set_cur(c, t);
		}
		break;
	default:
		return;
	}
	/* The wakee sees everything its waker did: paired in machine_wait(). */
	machine_hb_release(m, t);
	trace_simple(m, TR_WAKE, t->id);
	if (m->strat && m->strat->ops->woke && m->cur_task) {
		m->strat->ops->woke(m->strat, m, t);
		update_next_stop(m);
	}
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
	if (st == TASK_PARKED)
		m->nparked++;
	if (st == TASK_BLOCKED) {
		m->nblocked++;
		struct task *next = cpu_pick_next(c);

		run_notifiers(m, t, false, next);
		cpu_set_cur(c, next);
	}
	decide(m, true, false);
	/* Paired with machine_wake()'s release. */
	machine_hb_acquire(m, t);
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
			if (t->watch[i].value != read_value(addr, size))
				t->watch_invalid = true;
			return;
		}
	}
	if (t->nwatch == SIM_WATCH_MAX) {
		t->watch_invalid = true;
		return;
	}
	t->watch[t->nwatch++] = (struct sim_watch){
		.addr = addr, .size = size, .value = read_value(addr, size),
	};
}

/* Perform @op of the current task as step m->step + 1. */
static void perform(struct machine *m, struct task *t, const struct sim_op *op)
{
	m->step++;
	m->cur_cpu->cycles += m->cur_cpu->cost[op->kind];
	if (m->strat->ops->observe)
		m->strat->ops->observe(m->strat, m, t, op);
	if (t->watch_recording) {
		/* A loop that writes is not spinning on others' memory. */
		if (sim_kind_is_write(op->kind))
			t->watch_invalid = true;
		else if (sim_kind_is_read(op->kind))
			watch_add(t, op->addr, op->size);
	}
	if (m->tracing)
		trace_access(m, op);
	if ((m->detect & (SIM_DETECT_RACE | SIM_DETECT_MEM)) && sim_kind_is_access(op->kind))
		machine_detect_access(m, t, op);
	if (m->nparked && sim_kind_is_write(op->kind))
		wake_watchers(m, op->addr, op->size);
	update_next_stop(m);
}

/* Interrupts are delivered at a step of the CPU with IF set. */
static bool irq_deliverable(const struct cpu *c, const struct task *t)
{
	return c->irq_head && c->irqs_enabled && !t->in_irq;
}

void sim_step_slow(struct machine *m, unsigned int kind, uintptr_t addr,
		   uint32_t size, uintptr_t pc)
{
	const struct sim_op op = {
		.addr = addr, .pc = pc, .size = size, .kind = kind,
		.name = kind == SIM_KCALL ? m->kcall_name : NULL,
	};
	struct task *t;
	uint64_t s;

	if (!m->running)
		return;
	t = m->cur_task;
	if (m->tracing)
		trace_flush_write(m);
	if (m->detect & SIM_DETECT_RACE)
		machine_detect_flush(m);
	if (irq_deliverable(m->cur_cpu, t))
		machine_handle_irqs(m);
	s = m->step + 1;
	if (s > m->max_steps)
		end_run(m, SIM_LIVELOCK, "hang: the run went past its step budget (--max-steps)");
	if (m->cur_cpu->cycles > m->max_cycles)
		end_run(m, SIM_LIVELOCK, "hang: a CPU went past the run's cycle budget");
	if (m->nblocked && !(s & (HUNG_CHECK_STEPS - 1)))
		check_hung_tasks(m);
	t->pending = op;
	if (s > m->decided_step && s >= m->strategy_stop) {
		decide(m, false, false);
		/* Notifiers or interrupt handlers may have run steps of ours. */
		t->pending = op;
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
			if (read_value(t->watch[i].addr, t->watch[i].size) != t->watch[i].value)
				unchanged = false;
		if (unchanged) {
			/*
			 * One whole iteration read only memory that nobody
			 * changed: the next one would read the same. Park
			 * until a write to a watched location (or an
			 * interrupt: the loop then goes round again).
			 */
			t->watch_recording = false;
			trace_simple(m, TR_PARK, 0);
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

/* ---- tasks ---------------------------------------------------------- */

static void task_exit(struct machine *m, struct task *t)
{
	struct cpu *c = m->cur_cpu;

	t->state = TASK_DONE;
	t->watch_recording = false;
	m->ndone++;
	if (t->kind == TASK_KIND_PROGRAM)
		m->nlive--;
	machine_task_exit_hooks(m, t);
	cpu_set_cur(c, cpu_pick_next(c));
	trace_simple(m, TR_EXIT, 0);
	decide(m, true, true);
	SIM_BUG_ON(1);	/* a finished task is never chosen */
}

static void task_entry(void *arg)
{
	struct task *t = arg;
	struct machine *m = sim_current;

	t->need_sched_in = false;
	/* The decision that started us was made for step m->step + 1. */
	update_next_stop(m);
	t->fn(t->arg);
	task_exit(m, t);
}

struct task *machine_spawn(struct machine *m, unsigned int cpu, const char *name,
			   sim_task_fn fn, void *arg, enum task_kind kind)
{
	struct task *t, **link;

	if (cpu >= m->ncpus || m->ntasks == SIM_MAX_TASKS)
		return NULL;
	t = &m->tasks[m->ntasks];
	memset(t, 0, sizeof(*t));
	t->stack = ctx_stack_get(&m->pool);
	if (!t->stack)
		return NULL;
	t->id = m->ntasks++;
	t->pid = kind == TASK_KIND_IDLE ? 0 : ++m->next_pid;
	t->cpu = cpu;
	t->fn = fn;
	t->arg = arg;
	t->name = name;
	t->kind = kind;
	t->pinned = true;
	t->state = TASK_RUNNABLE;
	t->pending.kind = SIM_OP_START;
	ctx_make(&t->ctx, t->stack, task_entry, t);
	for (link = &m->cpus[cpu].tasks; *link; link = &(*link)->next_on_cpu)
		;
	*link = t;
	if (kind == TASK_KIND_PROGRAM)
		m->nlive++;
	if (kind == TASK_KIND_IDLE)
		m->cpus[cpu].idle = t;
	if (!m->cpus[cpu].cur || (m->cpus[cpu].cur->kind == TASK_KIND_IDLE &&
				  m->cpus[cpu].cur->state == TASK_HALTED))
		m->cpus[cpu].cur = t;
	if (m->tracing) {
		struct trace_event e;

		trace_event_base(m, &e, TR_SPAWN);
		e.cpu = cpu;
		e.task = t->id;
		e.str = trace_string(m->trace, name);
		trace_emit(m->trace, &e);
	}
	return t;
}

int sim_spawn_migratable(struct machine *m, unsigned int cpu, const char *name,
			 sim_task_fn fn, void *arg)
{
	struct task *t;

	if (m->running)
		return -EINVAL;
	t = machine_spawn(m, cpu, name, fn, arg, TASK_KIND_PROGRAM);
	if (!t)
		return -EINVAL;
	t->pinned = false;
	return 0;
}

int sim_set_guest_script(struct machine *m, unsigned int cpu, const struct sim_guest_exit *exits,
			 unsigned int n)
{
	struct cpu_vmx *x;

	if (cpu >= m->ncpus || n > VMX_GUEST_EXITS || m->running)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (!vmx_scriptable_exit(exits[i].reason))
			return -EINVAL;
	x = &m->cpus[cpu].vmx;
	for (unsigned int i = 0; i < n; i++)
		x->exits[i] = exits[i];
	x->nexits = n;
	x->next_exit = 0;
	return 0;
}

int sim_set_guest_exits(struct machine *m, unsigned int cpu, const uint32_t *reasons,
			unsigned int n)
{
	struct sim_guest_exit exits[VMX_GUEST_EXITS];

	if (n > VMX_GUEST_EXITS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		exits[i] = vmx_default_exit(reasons[i]);
	return sim_set_guest_script(m, cpu, exits, n);
}

int sim_set_cpu_offline(struct machine *m, unsigned int cpu)
{
	if (cpu == 0 || cpu >= m->ncpus || m->running)
		return -EINVAL;
	m->cpus[cpu].online = false;
	m->cpus[cpu].active = false;
	return 0;
}

int sim_spawn(struct machine *m, unsigned int cpu, const char *name,
	      sim_task_fn fn, void *arg)
{
	if (m->running && !m->cur_task)
		return -EINVAL;
	return machine_spawn(m, cpu, name, fn, arg, TASK_KIND_PROGRAM) ? 0 : -EINVAL;
}

/* ---- the kernel model's scheduler pieces ------------------------------ */

/*
 * A woken task's CPU: a pinned task stays where it was; another one may
 * move to any online, active CPU, as the strategy says (select_task_rq).
 */
void machine_place_woken(struct machine *m, struct task *t)
{
	unsigned int allowed[SIM_MAX_CPUS], n = 0, v, dst;
	struct task **link;
	struct sim_decision d;

	if (t->pinned)
		return;
	/* The previous CPU first: answer 0 keeps the task where it was. */
	if (m->cpus[t->cpu].online && m->cpus[t->cpu].active)
		allowed[n++] = t->cpu;
	for (unsigned int i = 0; i < m->ncpus; i++)
		if (i != t->cpu && m->cpus[i].online && m->cpus[i].active)
			allowed[n++] = i;
	if (n < 2)
		return;
	d = (struct sim_decision){
		.kind = SIM_CHOICE_MIGRATE, .n = n, .step = m->step + 1,
		.cur = m->cur_cpu->id, .dflt = m->cur_cpu->id,
	};
	v = sim_choose(m, &d);
	dst = allowed[v];
	if (dst == t->cpu)
		return;
	for (link = &m->cpus[t->cpu].tasks; *link != t; link = &(*link)->next_on_cpu)
		;
	*link = t->next_on_cpu;
	t->next_on_cpu = NULL;
	for (link = &m->cpus[dst].tasks; *link; link = &(*link)->next_on_cpu)
		;
	*link = t;
	t->cpu = dst;
}

/*
 * The idle task: HLT until an interrupt is pending or a task is runnable
 * on this CPU, then take the interrupt or give the CPU to the task.
 */
static void idle_entry(void *arg)
{
	struct machine *m = sim_current;
	struct task *idle = m->cur_task;

	(void)arg;
	for (;;) {
		struct cpu *c = m->cur_cpu;
		struct task *next = cpu_pick_next(c);

		if (c->irq_head && c->irqs_enabled) {
			idle->state = TASK_RUNNABLE;
			machine_handle_irqs(m);
			continue;
		}
		if (next != idle) {
			cpu_set_cur(c, next);
			idle->state = TASK_HALTED;
			decide(m, true, false);
			continue;
		}
		machine_wait(m, TASK_HALTED, NULL, "halt");
	}
}

static void spawn_idle_tasks(struct machine *m)
{
	static const char *const names[] = {
		"swapper/0", "swapper/1", "swapper/2", "swapper/3",
		"swapper/4", "swapper/5", "swapper/6", "swapper/7",
	};

	for (unsigned int i = 0; i < m->ncpus; i++) {
		struct task *t = machine_spawn(m, i, i < 8 ? names[i] : "swapper/N",
					       idle_entry, NULL, TASK_KIND_IDLE);

		SIM_BUG_ON(!t);
		/* Idle CPUs halt; a program task on the CPU runs first. */
		t->state = TASK_HALTED;
	}
}

/*
 * Nothing can run, and program tasks are left: a deadlock if some sleep, a
 * livelock if all of them spin.
 */
void machine_no_runnable(struct machine *m)
{
	char text[2048];
	size_t n = 0;
	unsigned int spinning = 0, sleeping = 0;

	for (unsigned int i = 0; i < m->ntasks; i++) {
		const struct task *t = &m->tasks[i];

		if (t->kind != TASK_KIND_PROGRAM || t->state == TASK_DONE)
			continue;
		if (t->state == TASK_BLOCKED)
			sleeping++;
		else
			spinning++;
		if (n < sizeof(text) - 200)
			n += snprintf(text + n, sizeof(text) - n,
				      "  task %s:%u on CPU%u %s on %s\n", t->name, t->pid, t->cpu,
				      t->state == TASK_BLOCKED ? "sleeps" : "spins",
				      t->wait_what ? t->wait_what : "?");
	}
	if (sleeping) {
		char title[128];

		snprintf(title, sizeof(title), "INFO: deadlock: %u task%s blocked and nothing can run",
			 sleeping, sleeping == 1 ? "" : "s");
		machine_report_text(m, title, text);
		end_run(m, SIM_DEADLOCK, title);
	}
	(void)spinning;
	if (m->nparked)
		end_run(m, SIM_LIVELOCK,
			"livelock: every live task spins on memory that no task will write");
	machine_report_text(m, "INFO: livelock: every live task spins", text);
	end_run(m, SIM_LIVELOCK, "livelock: every live task spins on a lock that no task will release");
}

/* ---- runs ----------------------------------------------------------- */

static void machine_reset(struct machine *m, struct strategy *strat, uint64_t run_seed,
			  uint32_t jitter, bool tracing)
{
	state_restore(m->state_pristine);
	machine_release_tasks(m);
	for (unsigned int i = 0; i < m->ncpus; i++) {
		m->cpus[i].cycles = 0;
		m->cpus[i].tasks = NULL;
		m->cpus[i].cur = NULL;
	}
	m->step = 0;
	m->next_stop = 0;
	m->cur_cpu = &m->cpus[0];
	m->cur_task = NULL;
	/* strategy_stop was set by the strategy's begin_run(). */
	m->decided_step = 0;
	m->choose_step = 0;
	memset(m->choose_count, 0, sizeof(m->choose_count));
	m->nparked = 0;
	m->nblocked = 0;
	m->ndone = 0;
	m->nlive = 0;
	m->next_pid = 0;
	m->strat = strat;
	m->run_seed = run_seed;
	m->jitter = jitter;
	rng_seed(&m->jitter_rng, rng_mix(run_seed ^ 0x6a09e667f3bcc908ULL));
	m->preemptions = 0;
	m->log_len = 0;
	m->outcome = SIM_OK;
	m->message[0] = '\0';
	m->tracing = tracing;
	m->wpend_valid = false;
	kmodel_reset(m);
	cpu_hw_reset(m);
	vmx_reset(m);
	m->detect = 0;
}

void machine_trace_begin(struct machine *m, const struct trace_header *h)
{
	if (!m->trace)
		m->trace = trace_writer_create();
	trace_writer_begin(m->trace, h);
}

/*
 * The backstop for bad pointers the per-access checks did not catch (or
 * that ran with them off): a SIGSEGV or SIGBUS in instrumented code ends
 * the run with an oops report and returns to the host; hvsim survives. A
 * fault anywhere else is a simulator bug and crashes as one.
 */
extern char __start_hvsim_text[] __attribute__((weak));
extern char __stop_hvsim_text[] __attribute__((weak));

static void oops_handler(int sig, siginfo_t *si, void *ucv)
{
	struct machine *m = sim_current;
	const ucontext_t *uc = ucv;
	uintptr_t rip = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];

	if (!m->running || !m->cur_task || !__start_hvsim_text ||
	    rip < (uintptr_t)__start_hvsim_text || rip >= (uintptr_t)__stop_hvsim_text) {
		signal(sig, SIG_DFL);
		return;	/* re-executes the faulting access, now fatal */
	}
	m->oops_sig = sig;
	m->oops_addr = (uintptr_t)si->si_addr;
	m->oops_rip = rip;
	ctx_escape_prepare(&m->host);
	siglongjmp(m->oops_jmp, 1);
}

static void oops_report(struct machine *m)
{
	char title[160], text[2048], frame[128];
	size_t n;
	struct task *t = m->cur_task;

	ctx_escape_finish();
	snprintf(title, sizeof(title), "BUG: unable to handle page fault for address: 0x%016lx",
		 (unsigned long)machine_norm_addr(m, m->oops_addr));
	machine_symbolize(m, m->oops_rip + 1, frame, sizeof(frame));
	n = (size_t)snprintf(text, sizeof(text),
			     "%s\nOops: 0000 [#1] PREEMPT SMP (signal %d)\nCPU: %u PID: %u Comm: %s\nRIP: %s\nCall Trace:\n",
			     title, m->oops_sig, m->cur_cpu->id, t->pid, t->name, frame);
	for (unsigned int i = t->depth < SIM_SHADOW_DEPTH ? t->depth : SIM_SHADOW_DEPTH;
	     i-- > 0 && n < sizeof(text) - 160;) {
		machine_symbolize(m, t->shadow[i], frame, sizeof(frame));
		n += (size_t)snprintf(text + n, sizeof(text) - n, " %s\n", frame);
	}
	machine_report_text(m, title, text);
	m->outcome = SIM_FAILED;
	snprintf(m->message, sizeof(m->message), "%s", title);
}

static void install_oops_handler(struct machine *m)
{
	struct sigaction sa;
	stack_t ss = { .ss_sp = m->oops_stack, .ss_size = sizeof(m->oops_stack) };

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = oops_handler;
	/* NODEFER: siglongjmp leaves the handler without a mask to restore. */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaltstack(&ss, &m->old_sigstack);
	sigaction(SIGSEGV, &sa, &m->old_segv);
	sigaction(SIGBUS, &sa, &m->old_bus);
}

static void restore_oops_handler(struct machine *m)
{
	sigaction(SIGSEGV, &m->old_segv, NULL);
	sigaction(SIGBUS, &m->old_bus, NULL);
	sigaltstack(&m->old_sigstack, NULL);
}

/* Start the run: choose the CPU that performs step 1 and leave the host. */
static void run_from_host(struct machine *m)
{
	struct sim_decision d = {
		.kind = SIM_CHOICE_SCHED,
		.n = m->ncpus,
		.step = 1,
		.forced = true,
		.cur = 0,
		.runnable = runnable_mask(m),
	};
	unsigned int target;
	struct cpu *c;

	d.dflt = 0;
	while (!(d.runnable & (1ULL << d.dflt)))
		d.dflt++;
	target = sched_target(&d, sim_choose(m, &d));
	SIM_BUG_ON(!(d.runnable & (1ULL << target)));
	m->decided_step = 1;
	c = &m->cpus[target];
	if (m->jitter)
		c->cycles += rng_below(&m->jitter_rng, (uint64_t)m->jitter + 1);
	m->cur_cpu = c;
	m->cur_task = c->cur;
	m->running = true;
	sim_current = m;
	if (sigsetjmp(m->oops_jmp, 0))
		oops_report(m);		/* from oops_handler(): the run is over */
	else
		ctx_switch(&m->host, &c->cur->ctx, 0);
	/* Back from end_run() or an oops. */
	sim_current = (struct machine *)&host_idle;
	m->running = false;
}

enum sim_outcome machine_run(struct machine *m, const struct sim_program *p,
			     struct strategy *strat, uint64_t index, uint64_t run_seed,
			     uint32_t jitter, bool tracing, bool *exhausted)
{
	*exhausted = false;
	m->run_seed = run_seed;
	if (!strat->ops->begin_run(strat, m, index)) {
		/* Nothing ran: the previous run's log and counters stay readable. */
		*exhausted = true;
		return SIM_OK;
	}
	machine_reset(m, strat, run_seed, jitter, tracing && m->trace);
	m->detect = p->detect;
	race_set_strict(m->k->race, !!(p->detect & SIM_DETECT_RACE_STRICT));
	p->setup(m, p->arg);
	spawn_idle_tasks(m);
	if ((p->flags & SIM_PROG_BOOT) && kmodel_nr_initcalls())
		kmodel_boot(m);
	if (m->nlive)
		run_from_host(m);
	kmodel_run_end(m);
	if (m->outcome == SIM_OK && p->check) {
		if (p->check(m, p->arg, m->message, sizeof(m->message)))
			m->outcome = SIM_FAILED;
	}
	/* A report (WARN, lockdep, a race) fails a run that otherwise passed. */
	if (m->outcome == SIM_OK && m->k->nreports) {
		m->outcome = SIM_FAILED;
		snprintf(m->message, sizeof(m->message), "%s", m->k->first_title);
	}
	if (m->tracing) {
		struct trace_event e;

		trace_flush_write(m);
		memset(&e, 0, sizeof(e));
		e.type = TR_END;
		e.step = m->step;
		e.kind = m->outcome;
		e.str = m->message[0] ? trace_string(m->trace, m->message) : 0;
		trace_emit(m->trace, &e);
	}
	if (strat->ops->end_run)
		strat->ops->end_run(strat, m, m->outcome);
	state_restore(m->state_pristine);
	return m->outcome;
}
