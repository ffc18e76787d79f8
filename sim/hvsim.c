// SPDX-License-Identifier: MIT
/*
 * The assembly: the embedding API of include/hvsim/sim.h. It builds a
 * machine (the kernel model's, which embeds the hardware's, which embeds
 * the engine's), registers the floors' callbacks in it, and runs the loops
 * of exploration and replay around machine_run().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hvsim/sim.h"
#include "engine/buildid.h"
#include "engine/machine.h"
#include "engine/strategy.h"
#include "engine/strbuf.h"
#include "engine/token.h"
#include "engine/trace.h"
#include "cpu/hw.h"
#include "kernel/kmodel.h"

/* Per run: the hardware's reset state first, then the kernel's on top of it. */
static void hvsim_reset(struct machine *m)
{
	hw_reset(m);
	vmx_reset(m);
	kmodel_reset(m);
}

static void hvsim_hb(struct machine *m, const void *obj, bool acquire)
{
	if (acquire)
		kdetect_hb_acquire(m, obj);
	else
		kdetect_hb_release(m, obj);
}

/* What the engine asks of the floors above it. */
static const struct machine_hooks hvsim_hooks = {
	.reset = hvsim_reset,
	.run_end = kmodel_run_end,
	.irq_pending = hw_irq_pending,
	.take_irq = hw_step_intr,
	.preemptible = kernel_preemptible,
	.sched = kernel_sched,
	.enqueue = ksched_enqueue,
	.pick_next = ksched_pick_next,
	.woken = ksched_woken,
	.preempt_candidates = ksched_preempt_candidates,
	.preempted = ksched_preempted,
	.start = ksched_start,
	.access = kdetect_access,
	.flush = kdetect_flush,
	.hb = hvsim_hb,
	.order = kdetect_order,
	.task_exit = kdetect_task_exit,
	.check_sleepers = kernel_check_hung,
	.stuck = kernel_stuck,
	.oops = kernel_oops,
	.norm_addr = kernel_norm_addr,
};

/* Module init, for the programs that ask for it. */
static void (*boot_of(const struct sim_program *p))(struct machine *m)
{
	return (p->flags & SIM_PROG_BOOT) && kmodel_nr_initcalls() ? kmodel_boot : NULL;
}

/* Seed of run @index of an exploration seeded @seed. */
static uint64_t run_seed_of(uint64_t seed, uint64_t index)
{
	return rng_mix(rng_mix(seed) + index);
}

static void trace_begin_run(struct machine *m, const struct sim_program *p,
			    const char *spec, uint64_t run_seed)
{
	struct trace_header h;

	memset(&h, 0, sizeof(h));
	h.build_id_len = (uint32_t)sim_build_id(h.build_id, sizeof(h.build_id));
	if (h.build_id_len > sizeof(h.build_id))
		h.build_id_len = sizeof(h.build_id);
	snprintf(h.program, sizeof(h.program), "%s", p->name);
	snprintf(h.strategy, sizeof(h.strategy), "%s", spec);
	h.seed = run_seed;
	h.ncpus = p->ncpus;
	machine_trace_begin(m, &h);
}

/* What a token is valid for: this binary (build id) and this program. */
static void fingerprint(const struct sim_program *p, uint8_t out[TOKEN_FINGERPRINT_LEN])
{
	uint8_t id[32];
	size_t len = sim_build_id(id, sizeof(id));
	uint64_t h = 0xcbf29ce484222325ULL;

	if (len > sizeof(id))
		len = sizeof(id);
	for (size_t i = 0; i < len; i++)
		h = (h ^ id[i]) * 0x100000001b3ULL;
	for (const char *c = p->name; *c; c++)
		h = (h ^ (uint8_t)*c) * 0x100000001b3ULL;
	h = rng_mix(h);
	for (int i = 0; i < TOKEN_FINGERPRINT_LEN; i++)
		out[i] = (uint8_t)(h >> (8 * i));
}

/* The cycle budget that goes with a step budget when none is given. */
static uint64_t default_max_cycles(uint64_t max_steps)
{
	return 256 * max_steps;
}

/* @m's budgets as a token carries them: 0 for a default. */
static struct token_budget token_budget_of(const struct machine *m)
{
	struct token_budget b = { m->max_steps, m->max_cycles };

	if (b.max_cycles == default_max_cycles(m->max_steps))
		b.max_cycles = 0;
	if (b.max_steps == SIM_DEFAULT_MAX_STEPS)
		b.max_steps = 0;
	return b;
}

static char *make_token(const struct machine *m, const struct sim_program *p, const char *spec)
{
	struct token_budget b = token_budget_of(m);
	uint8_t fp[TOKEN_FINGERPRINT_LEN];

	fingerprint(p, fp);
	return token_encode(spec, m->run_seed, &b, fp, m->log, m->log_len);
}

/* Fill @r with the run that just ended on @m. */
static int report_run(struct sim_result *r, const struct machine *m,
		      const struct sim_program *p, const char *spec, bool with_trace)
{
	r->outcome = m->outcome;
	r->steps = m->step;
	r->preemptions = m->preemptions;
	snprintf(r->message, sizeof(r->message), "%s", m->message);
	free(r->token);
	r->token = make_token(m, p, spec);
	if (!r->token)
		return -ENOMEM;
	free(r->trace);
	r->trace = NULL;
	r->trace_len = 0;
	free(r->reports);
	r->reports = NULL;
	if (m->nreports) {
		r->reports = strdup(strbuf_str(&m->reports));
		if (!r->reports)
			return -ENOMEM;
	}
	if (with_trace && m->trace) {
		size_t len;
		const uint8_t *data = trace_writer_data(m->trace, &len);

		r->trace = malloc(len ? len : 1);
		if (!r->trace)
			return -ENOMEM;
		memcpy(r->trace, data, len);
		r->trace_len = len;
	}
	return 0;
}

/* The machine @p runs on: its CPU count, and its slots' models when it names them. */
static struct machine *program_machine(const struct sim_program *p, char *err, size_t errlen,
				       int *ret)
{
	struct machine *m = p->ncpus && p->ncpus <= SIM_MAX_CPUS ?
			     kmachine_create(p->ncpus, &hvsim_hooks) : NULL;

	*ret = 0;
	if (!m) {
		snprintf(err, errlen, "program %s: cannot build a machine of %u CPUs (1 to %d)",
			 p->name, p->ncpus, SIM_MAX_CPUS);
		*ret = -EINVAL;
		return NULL;
	}
	if (p->machine && (*ret = hw_configure(m, p->machine, err, errlen))) {
		kmachine_destroy(m);
		return NULL;
	}
	return m;
}

static void set_budgets(struct machine *m, uint64_t max_steps, uint64_t max_cycles)
{
	m->max_steps = max_steps ? max_steps : SIM_DEFAULT_MAX_STEPS;
	m->max_cycles = max_cycles ? max_cycles : default_max_cycles(m->max_steps);
}

/* Host time, for max_seconds and progress only: never read inside a run. */
static double host_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sim_explore(const struct sim_program *p, const struct sim_explore_opts *o,
		struct sim_result *r, char *err, size_t errlen)
{
	uint64_t budget = o->budget ? o->budget : SIM_DEFAULT_BUDGET;
	const char *spec = o->strategy ? o->strategy : "timed";
	bool reported = false;
	double start, last_progress;
	struct strategy *s;
	struct machine *m;
	uint32_t jitter;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = strategy_create(spec, &s, err, errlen);
	if (ret)
		return ret;
	m = program_machine(p, err, errlen, &ret);
	if (!m) {
		strategy_destroy(s);
		return ret;
	}
	set_budgets(m, o->max_steps, o->max_cycles);
	jitter = strategy_jitter(s);
	start = host_seconds();
	last_progress = start;
	for (uint64_t i = 0; i < budget; i++) {
		uint64_t seed = run_seed_of(o->seed, i);
		enum sim_outcome out;
		bool exhausted;

		/* The host clock only bounds how many runs happen: every run is the same anywhere. */
		if ((o->max_seconds > 0 || o->progress) && !(i & 63)) {
			double now = host_seconds();

			if (o->max_seconds > 0 && now - start >= o->max_seconds) {
				r->timed_out = true;
				break;
			}
			if (o->progress && now - last_progress >= 1.0) {
				last_progress = now;
				r->restarts = strategy_restarts(s);
				strategy_position(s, &r->search_round, &r->search_node,
						  &r->search_path);
				o->progress(r, o->progress_arg);
			}
		}

		if (o->trace_every_run)
			trace_begin_run(m, p, s->spec, seed);
		out = machine_run(m, p, s, i, seed, jitter, o->trace_every_run, &exhausted, boot_of(p));
		if (exhausted) {
			r->exhausted = true;
			break;
		}
		r->schedules++;
		r->total_steps += m->step;
		if (m->step > r->max_run_steps)
			r->max_run_steps = m->step;
		if (out == SIM_ABANDONED)
			r->abandoned++;
		if (!sim_outcome_is_failure(out))
			continue;
		if (o->accept) {
			struct sim_result run;
			bool ok;

			memset(&run, 0, sizeof(run));
			ret = report_run(&run, m, p, s->spec, o->trace_every_run);
			ok = !ret && o->accept(&run, o->accept_arg);
			sim_result_release(&run);
			if (ret)
				goto out;
			if (!ok) {
				r->refused++;
				continue;
			}
		}
		r->failures++;
		if (!reported) {
			ret = report_run(r, m, p, s->spec, o->trace_every_run);
			if (ret)
				goto out;
			reported = true;
		}
		if (!o->keep_going)
			break;
	}
	/* No failure: report the last run. */
	if (!reported && r->schedules)
		ret = report_run(r, m, p, s->spec, o->trace_every_run);
	r->restarts = strategy_restarts(s);
	strategy_position(s, &r->search_round, &r->search_node, &r->search_path);
out:
	kmachine_destroy(m);
	strategy_destroy(s);
	if (ret)
		snprintf(err, errlen, "out of memory");
	return ret;
}

int sim_replay(const struct sim_program *p, const char *token, bool trace,
	       uint64_t max_steps, struct sim_result *r, char *err, size_t errlen)
{
	uint8_t fp[TOKEN_FINGERPRINT_LEN];
	struct sim_token t;
	struct strategy *orig = NULL, *s = NULL;
	struct machine *m = NULL;
	bool exhausted;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = token_decode(token, &t, err, errlen);
	if (ret)
		return ret;
	fingerprint(p, fp);
	if (memcmp(fp, t.fingerprint, TOKEN_FINGERPRINT_LEN)) {
		snprintf(err, errlen,
			 "schedule token: made by another build of hvsim or for a program other than %s; replay it with the binary and program that printed it",
			 p->name);
		ret = -ESTALE;
		goto out;
	}
	/* The finding strategy's parameters (jitter) shape the run's timing. */
	ret = strategy_create(t.strategy, &orig, err, errlen);
	if (ret)
		goto out;
	ret = strategy_replay_create(&s, t.log, t.len, strategy_jitter(orig));
	if (ret)
		goto out;
	m = program_machine(p, err, errlen, &ret);
	if (!m)
		goto out;
	/* The run the token names has its budgets: another one is another run. */
	set_budgets(m, t.budget.max_steps, t.budget.max_cycles);
	if (max_steps && max_steps != m->max_steps) {
		snprintf(err, errlen,
			 "schedule token: its run has a step budget of %llu (--max-steps); replaying it with %llu would be another run: leave --max-steps out",
			 (unsigned long long)m->max_steps, (unsigned long long)max_steps);
		ret = -EINVAL;
		goto out;
	}
	if (trace)
		trace_begin_run(m, p, t.strategy, t.seed);
	machine_run(m, p, s, 0, t.seed, strategy_jitter(orig), trace, &exhausted, boot_of(p));
	if (strategy_replay_diverged(s)) {
		snprintf(err, errlen,
			 "schedule token: does not fit program %s (its decisions did not apply)",
			 p->name);
		ret = -EINVAL;
		goto out;
	}
	r->schedules = 1;
	r->total_steps = r->max_run_steps = m->step;
	if (m->outcome == SIM_ABANDONED)
		r->abandoned = 1;
	ret = report_run(r, m, p, t.strategy, trace);
	if (sim_outcome_is_failure(m->outcome))
		r->failures = 1;
out:
	kmachine_destroy(m);
	strategy_destroy(s);
	strategy_destroy(orig);
	token_release(&t);
	return ret;
}

struct machine *sim_machine_create(unsigned int ncpus)
{
	return ncpus && ncpus <= SIM_MAX_CPUS ? kmachine_create(ncpus, &hvsim_hooks) : NULL;
}

void sim_machine_destroy(struct machine *m)
{
	kmachine_destroy(m);
}

int sim_run(struct machine *m, const struct sim_program *p, const char *strategy,
	    uint64_t seed, struct sim_result *r, char *err, size_t errlen)
{
	uint64_t run_seed = run_seed_of(seed, 0);
	struct strategy *s;
	bool exhausted;
	int ret;

	memset(r, 0, sizeof(*r));
	if (p->ncpus != m->ncpus) {
		snprintf(err, errlen, "program %s needs %u CPUs, the machine has %u",
			 p->name, p->ncpus, m->ncpus);
		return -EINVAL;
	}
	ret = strategy_create(strategy ? strategy : "timed", &s, err, errlen);
	if (ret)
		return ret;
	/* sim_explore()'s default budgets, so that its first run is this one. */
	set_budgets(m, 0, 0);
	machine_run(m, p, s, 0, run_seed, strategy_jitter(s), false, &exhausted, boot_of(p));
	r->schedules = 1;
	r->total_steps = r->max_run_steps = m->step;
	r->failures = sim_outcome_is_failure(m->outcome);
	r->abandoned = m->outcome == SIM_ABANDONED;
	ret = report_run(r, m, p, s->spec, false);
	strategy_destroy(s);
	if (ret)
		snprintf(err, errlen, "out of memory");
	return ret;
}

void sim_result_release(struct sim_result *r)
{
	free(r->token);
	free(r->trace);
	free(r->reports);
	r->token = NULL;
	r->trace = NULL;
	r->reports = NULL;
}
