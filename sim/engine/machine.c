// SPDX-License-Identifier: MIT
/*
 * The engine's machine: creation, per-run reset, and one run of a program
 * from the host (machine_run). The scheduler is in sched.c, tasks in
 * tasks.c, trace emission in emit.c, the instrumented state and address
 * normalization in state.c, the oops backstop in backstop.c.
 */
#include "engine/machine.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/buildid.h"
#include "engine/machine_int.h"
#include "engine/strategy.h"
#include "engine/trace.h"

/*
 * The dummy that sim_current points at outside a run: next_stop is 0, so
 * every hook goes to the slow path, which returns at once because running
 * is false. It is never written.
 */
static const struct machine host_idle;
struct machine *sim_current = (struct machine *)&host_idle;

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

/*
 * Default cycle costs until CPU models supply their own: an L1 hit for
 * plain accesses, a locked operation for atomics, MFENCE, and PAUSE as on
 * Skylake and later (about 140 cycles).
 */
const uint32_t machine_default_cost[SIM_NR_KINDS] = {
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

void machine_set_cpu_costs(struct machine *m, unsigned int cpu,
			   const uint32_t cost[SIM_NR_KINDS])
{
	struct cpu *c = &m->cpus[cpu];

	memcpy(c->cost, cost ? cost : machine_default_cost, sizeof(c->cost));
	for (unsigned int k = 0; k < SIM_NR_KINDS; k++)
		if (!c->cost[k])
			c->cost[k] = 1;	/* every step takes time */
	m->max_cost = 1;
	for (unsigned int i = 0; i < m->ncpus; i++)
		for (unsigned int k = 0; k < SIM_NR_KINDS; k++)
			if (m->cpus[i].cost[k] > m->max_cost)
				m->max_cost = m->cpus[i].cost[k];
}

static const struct machine_hooks no_hooks;

int machine_init(struct machine *m, unsigned int ncpus, const struct machine_hooks *hooks)
{
	int ret;

	if (ncpus == 0 || ncpus > SIM_MAX_CPUS)
		return -EINVAL;
	m->ncpus = ncpus;
	m->hooks = hooks ? hooks : &no_hooks;
	for (unsigned int i = 0; i < ncpus; i++) {
		m->cpus[i].id = i;
		machine_set_cpu_costs(m, i, NULL);
	}
	m->max_steps = SIM_DEFAULT_MAX_STEPS;
	m->max_cycles = UINT64_MAX;
	ctx_pool_init(&m->pool, CTX_STACK_SIZE);
	m->image_base = sim_image_base();
	/*
	 * Outside a run the instrumented state is pristine: every run
	 * restores it when it ends, so this copy is the boot state.
	 */
	m->state_pristine = malloc(machine_state_size() + 1);
	if (!m->state_pristine) {
		ret = -ENOMEM;
		goto err_pool;
	}
	machine_state_save(m->state_pristine);
	ret = backstop_install();
	if (ret)
		goto err_state;
	return 0;

err_state:
	free(m->state_pristine);
	m->state_pristine = NULL;
err_pool:
	ctx_pool_destroy(&m->pool);
	return ret;
}

/*
 * The pool hands out the last stack put back first, so putting them back
 * last task first gives task i the same stack in every run: what lives on
 * a stack (an on-stack completion) keeps its address from run to run,
 * which dfs's learning of shared memory relies on.
 */
static void machine_release_tasks(struct machine *m)
{
	for (unsigned int i = m->ntasks; i-- > 0;) {
		if (m->tasks[i].stack)
			ctx_stack_put(&m->pool, m->tasks[i].stack);
		m->tasks[i].stack = NULL;
	}
	m->ntasks = 0;
}

void machine_fini(struct machine *m)
{
	machine_release_tasks(m);
	ctx_pool_destroy(&m->pool);
	if (m->trace)
		trace_writer_destroy(m->trace);
	free(m->log);
	free(m->state_pristine);
	strbuf_release(&m->reports);
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

/* ---- runs ----------------------------------------------------------- */

void sim_on_switch(struct machine *m, void (*fn)(unsigned int cpu, unsigned int task, void *arg),
		   void *arg)
{
	SIM_BUG_ON(m->running);
	m->on_switch = fn;
	m->on_switch_arg = arg;
	m->on_switch_cpu = UINT_MAX;
	m->on_switch_task = UINT_MAX;
}

void sim_on_preemptible(struct machine *m, bool (*fn)(unsigned int cpu, void *arg), void *arg)
{
	SIM_BUG_ON(m->running);
	m->preemptible = fn;
	m->preemptible_arg = arg;
}

void sim_on_trap(struct machine *m, enum sim_trap (*fn)(uintptr_t pc, void *arg), void *arg)
{
	SIM_BUG_ON(m->running);
	m->trap = fn;
	m->trap_arg = arg;
}

void machine_switched(struct machine *m)
{
	unsigned int cpu = m->cur_cpu->id, task = m->cur_task ? m->cur_task->id : UINT_MAX;

	if (!m->on_switch || (cpu == m->on_switch_cpu && task == m->on_switch_task))
		return;
	m->on_switch_cpu = cpu;
	m->on_switch_task = task;
	m->on_switch(cpu, task, m->on_switch_arg);
}

static void machine_reset(struct machine *m, struct strategy *strat, uint64_t run_seed,
			  uint32_t jitter, bool tracing)
{
	machine_state_restore(m->state_pristine);
	machine_release_tasks(m);
	for (unsigned int i = 0; i < m->ncpus; i++) {
		m->cpus[i].cycles = 0;
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
	m->nintr = 0;
	m->ndone = 0;
	m->nlive = 0;
	m->next_pid = 0;
	m->spawn_refused = 0;
	m->strat = strat;
	m->run_seed = run_seed;
	m->jitter = jitter;
	rng_seed(&m->jitter_rng, rng_mix(run_seed ^ 0x6a09e667f3bcc908ULL));
	m->preemptions = 0;
	m->log_len = 0;
	m->outcome = SIM_OK;
	m->message[0] = '\0';
	strbuf_reset(&m->reports);
	m->nreports = 0;
	m->first_title[0] = '\0';
	m->first_report_step = 0;
	m->nmarks = 0;
	m->tracing = tracing;
	m->wpend_valid = false;
	m->wpend_open = false;
	m->on_switch = NULL;
	m->on_switch_arg = NULL;
	m->on_switch_cpu = UINT_MAX;
	m->on_switch_task = UINT_MAX;
	m->trap = NULL;
	m->trap_arg = NULL;
	m->preemptible = NULL;
	m->preemptible_arg = NULL;
	if (m->hooks->reset)
		m->hooks->reset(m);
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
		.runnable = sched_runnable_mask(m),
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
	machine_switched(m);
	m->running = true;
	sim_current = m;
	if (sigsetjmp(m->oops_jmp, 0))
		backstop_end(m);		/* from oops_handler(): the run is over */
	else
		ctx_switch(&m->host, &c->cur->ctx, 0);
	/* Back from sched_end_run() or an oops. */
	sim_current = (struct machine *)&host_idle;
	m->running = false;
}

enum sim_outcome machine_run(struct machine *m, const struct sim_program *p,
			     struct strategy *strat, uint64_t index, uint64_t run_seed,
			     uint32_t jitter, bool tracing, bool *exhausted,
			     void (*boot)(struct machine *m))
{
	*exhausted = false;
	m->run_seed = run_seed;
	if (!strat->ops->begin_run(strat, m, index)) {
		/* Nothing ran: the previous run's log and counters stay readable. */
		*exhausted = true;
		return SIM_OK;
	}
	m->detect = p->detect;
	machine_reset(m, strat, run_seed, jitter, tracing && m->trace);
	m->in_setup = true;
	p->setup(m, p->arg);
	m->in_setup = false;
	if (m->hooks->start)
		m->hooks->start(m);
	if (boot)
		boot(m);
	if (m->spawn_refused) {
		/* Not the program it meant to be: say so rather than run it. */
		m->outcome = SIM_FAILED;
		snprintf(m->message, sizeof(m->message),
			 "setup: %u task%s not spawned: the task table holds %d, an idle task per CPU and the boot task included",
			 m->spawn_refused, m->spawn_refused == 1 ? "" : "s", SIM_MAX_TASKS);
	} else if (m->nlive) {
		run_from_host(m);
	}
	if (m->hooks->run_end)
		m->hooks->run_end(m);
	if (m->outcome == SIM_OK && p->check) {
		if (p->check(m, p->arg, m->message, sizeof(m->message)))
			m->outcome = SIM_FAILED;
	}
	/* A report (WARN, lockdep, a race) fails a run that otherwise passed. */
	if (m->outcome == SIM_OK && m->nreports) {
		m->outcome = SIM_FAILED;
		snprintf(m->message, sizeof(m->message), "%s", m->first_title);
	}
	if (m->tracing) {
		struct trace_event e;

		/* A run that ended within a write's step ended before its store. */
		m->wpend_open = false;
		emit_flush_write(m);
		memset(&e, 0, sizeof(e));
		e.type = TR_END;
		e.step = m->step;
		e.kind = m->outcome;
		e.str = m->message[0] ? trace_string(m->trace, m->message) : 0;
		trace_emit(m->trace, &e);
	}
	if (strat->ops->end_run)
		strat->ops->end_run(strat, m, m->outcome);
	machine_state_restore(m->state_pristine);
	return m->outcome;
}
