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
#include "engine/bug.h"
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

/* The run's tasks are spawned: the CPUs' starting hotplug states, then their idle tasks. */
static void hvsim_start(struct machine *m)
{
	cpuhp_trace_start(m);
	ksched_start(m);
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
	.start = hvsim_start,
	.access = kdetect_access,
	.flush = kdetect_flush,
	.hb = hvsim_hb,
	.order = kdetect_order,
	.task_exit = kdetect_task_exit,
	.check_sleepers = kernel_check_hung,
	.stuck = kernel_stuck,
	.oops = kernel_oops,
	.norm_addr = kernel_norm_addr,
	.heap = kernel_heap,
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
	r->fail_step = m->nreports ? m->first_report_step : m->step;
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

/* A token opened for replaying: its decoded form, the machine, the jitter. */
struct opened {
	struct sim_token t;
	struct machine *m;
	uint32_t jitter;	/* of the strategy that found the run */
};

static void token_close(struct opened *o)
{
	kmachine_destroy(o->m);
	token_release(&o->t);
	o->m = NULL;
}

/*
 * Decode @token for @p, check it belongs to this build and program, and
 * build the machine with the run's budgets. -EINVAL (malformed, another
 * format), -ESTALE (another build or program), with a message.
 */
static int token_open(const struct sim_program *p, const char *token, struct opened *o,
		      char *err, size_t errlen)
{
	uint8_t fp[TOKEN_FINGERPRINT_LEN];
	struct strategy *orig;
	int ret;

	memset(o, 0, sizeof(*o));
	ret = token_decode(token, &o->t, err, errlen);
	if (ret)
		return ret;
	fingerprint(p, fp);
	if (memcmp(fp, o->t.fingerprint, TOKEN_FINGERPRINT_LEN)) {
		snprintf(err, errlen,
			 "schedule token: made by another build of hvsim or for a program other than %s; replay it with the binary and program that printed it",
			 p->name);
		token_release(&o->t);
		return -ESTALE;
	}
	/* The finding strategy's parameters (jitter) shape the run's timing. */
	ret = strategy_create(o->t.strategy, &orig, err, errlen);
	if (ret) {
		token_release(&o->t);
		return ret;
	}
	o->jitter = strategy_jitter(orig);
	strategy_destroy(orig);
	o->m = program_machine(p, err, errlen, &ret);
	if (!o->m) {
		token_release(&o->t);
		return ret;
	}
	/* The run the token names has its budgets: another one is another run. */
	set_budgets(o->m, o->t.budget.max_steps, o->t.budget.max_cycles);
	return 0;
}

/*
 * Replay decision log @log (@len entries) of opened token @o, entry @by_cpu
 * naming a CPU (UINT32_MAX: none); with @notes, the replay keeps its notes.
 * The replay strategy is left in *@sp for the caller to read and destroy.
 */
static int replay_log(const struct sim_program *p, struct opened *o,
		      const struct sim_decision_rec *log, uint32_t len, uint32_t by_cpu,
		      bool notes, bool trace, struct strategy **sp)
{
	struct strategy *s;
	bool exhausted;
	int ret;

	*sp = NULL;
	ret = strategy_replay_create(&s, log, len, o->jitter);
	if (ret)
		return ret;
	ret = strategy_replay_edit(s, by_cpu, notes);
	if (ret) {
		strategy_destroy(s);
		return ret;
	}
	if (trace)
		trace_begin_run(o->m, p, o->t.strategy, o->t.seed);
	machine_run(o->m, p, s, 0, o->t.seed, o->jitter, trace, &exhausted, boot_of(p));
	*sp = s;
	return 0;
}

int sim_replay(const struct sim_program *p, const char *token, bool trace,
	       uint64_t max_steps, struct sim_result *r, char *err, size_t errlen)
{
	struct strategy *s = NULL;
	struct opened o;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = token_open(p, token, &o, err, errlen);
	if (ret)
		return ret;
	if (max_steps && max_steps != o.m->max_steps) {
		snprintf(err, errlen,
			 "schedule token: its run has a step budget of %llu (--max-steps); replaying it with %llu would be another run: leave --max-steps out",
			 (unsigned long long)o.m->max_steps, (unsigned long long)max_steps);
		ret = -EINVAL;
		goto out;
	}
	ret = replay_log(p, &o, o.t.log, o.t.len, UINT32_MAX, false, trace, &s);
	if (ret)
		goto oom;
	if (strategy_replay_diverged(s)) {
		snprintf(err, errlen,
			 "schedule token: does not fit program %s (its decisions did not apply)",
			 p->name);
		ret = -EINVAL;
		goto out;
	}
	r->schedules = 1;
	r->total_steps = r->max_run_steps = o.m->step;
	if (o.m->outcome == SIM_ABANDONED)
		r->abandoned = 1;
	ret = report_run(r, o.m, p, o.t.strategy, trace);
	if (sim_outcome_is_failure(o.m->outcome))
		r->failures = 1;
oom:
	if (ret)
		snprintf(err, errlen, "out of memory");
out:
	strategy_destroy(s);
	token_close(&o);
	return ret;
}

/* Did the run just ended on @o fail in the way @same accepts? */
static int run_same(const struct sim_program *p, struct opened *o,
		    bool (*same)(const struct sim_result *, void *), void *arg, bool *ok)
{
	struct sim_result run;
	int ret;

	*ok = false;
	if (!sim_outcome_is_failure(o->m->outcome))
		return 0;
	memset(&run, 0, sizeof(run));
	ret = report_run(&run, o->m, p, o->t.strategy, false);
	if (!ret)
		*ok = !same || same(&run, arg);
	sim_result_release(&run);
	return ret;
}

/* One edited replay: does it fail the same way? */
static int try_log(const struct sim_program *p, struct opened *o,
		   const struct sim_decision_rec *log, uint32_t len, uint32_t by_cpu, bool notes,
		   bool (*same)(const struct sim_result *, void *), void *arg,
		   struct strategy **sp, bool *ok)
{
	int ret;

	*sp = NULL;
	ret = replay_log(p, o, log, len, by_cpu, notes, false, sp);
	if (!ret)
		ret = run_same(p, o, same, arg, ok);
	return ret;
}

/* The run the token names must fail the same way, or there is nothing to take apart. */
static int check_failing(const struct sim_program *p, struct opened *o,
			 bool (*same)(const struct sim_result *, void *), void *arg,
			 char *err, size_t errlen)
{
	struct strategy *s;
	bool ok;
	int ret = try_log(p, o, o->t.log, o->t.len, UINT32_MAX, false, same, arg, &s, &ok);

	if (!ret && strategy_replay_diverged(s)) {
		snprintf(err, errlen,
			 "schedule token: does not fit program %s (its decisions did not apply)",
			 p->name);
		ret = -EINVAL;
	} else if (!ret && !ok) {
		snprintf(err, errlen, "schedule token: its run does not fail%s",
			 sim_outcome_is_failure(o->m->outcome) ? " with the title asked for" : "");
		ret = -EINVAL;
	} else if (ret) {
		snprintf(err, errlen, "out of memory");
	}
	strategy_destroy(s);
	return ret;
}

/* token_open() and check_failing(): closed again on an error. */
static int open_failing(const struct sim_program *p, const char *token,
			bool (*same)(const struct sim_result *, void *), void *arg,
			struct opened *o, char *err, size_t errlen)
{
	int ret = token_open(p, token, o, err, errlen);

	if (ret)
		return ret;
	ret = check_failing(p, o, same, arg, err, errlen);
	if (ret)
		token_close(o);
	return ret;
}

/*
 * Move entry @i of @o's log to @step and replay (a SCHED entry holds the
 * CPU it switches to, in place of its answer): whether it still applies
 * there, costs a preemption on @from, and the run fails the same way; and
 * @from's clock when it was decided.
 */
static int try_move(const struct sim_program *p, struct opened *o, struct sim_decision_rec *log,
		    uint32_t i, uint64_t step, unsigned int from,
		    bool (*same)(const struct sim_result *, void *), void *arg,
		    bool *ok, uint64_t *cycles)
{
	const struct replay_note *n;
	struct strategy *s;
	int ret;

	log[i].step = step;
	ret = try_log(p, o, log, o->t.len,
		      log[i].ordinal % SIM_CHOICE_SLOTS == SIM_CHOICE_SCHED ? i : UINT32_MAX, true,
		      same, arg, &s, ok);
	if (ret)
		return ret;
	n = &strategy_replay_notes(s)[i];
	if (!n->applied || !n->preempt || n->cur != from)
		*ok = false;
	*cycles = n->cycles;
	strategy_destroy(s);
	return 0;
}

/* What a decisive decision of each kind did, for sim_window.what. */
static const char *const choice_what[SIM_NR_CHOICES] = {
	[SIM_CHOICE_SCHED] = "preemption",
	[SIM_CHOICE_PREEMPT] = "task switch",
	[SIM_CHOICE_MIGRATE] = "migration",
	[SIM_CHOICE_FAIL] = "injected failure",
	[SIM_CHOICE_GUEST] = "guest run length",
	[SIM_CHOICE_IRQ] = "IPI held back",
};

int sim_window(const struct sim_program *p, const char *token, uint64_t limit,
	       bool (*same)(const struct sim_result *run, void *arg), void *arg,
	       struct sim_window *w, char *err, size_t errlen)
{
	struct sim_decision_rec *log = NULL;
	struct strategy *s = NULL;
	const struct replay_note *n;
	struct opened o;
	uint64_t lo, hi, c, fail;
	bool sched;
	uint32_t i;
	bool ok;
	int ret;

	memset(w, 0, sizeof(*w));
	ret = open_failing(p, token, same, arg, &o, err, errlen);
	if (ret)
		return ret;
	log = malloc((o.t.len ? o.t.len : 1) * sizeof(*log));
	if (!log) {
		ret = -ENOMEM;
		goto oom;
	}
	/* The decisive preemption: the last decision that took a CPU from a task that could go on. */
	ret = replay_log(p, &o, o.t.log, o.t.len, UINT32_MAX, true, false, &s);
	if (ret)
		goto oom;
	n = strategy_replay_notes(s);
	fail = o.m->nreports ? o.m->first_report_step : o.m->step;
	for (i = o.t.len; i-- > 0;)
		if (n[i].applied && n[i].preempt && o.t.log[i].step < fail)
			break;
	w->runs = 2;
	if (i == UINT32_MAX)
		goto out;	/* no preemption: nothing to move */
	w->found = true;
	w->step = o.t.log[i].step;
	sched = n[i].kind == SIM_CHOICE_SCHED;
	snprintf(w->what, sizeof(w->what), "%s", choice_what[n[i].kind]);
	w->from_cpu = n[i].cur;
	w->to_cpu = n[i].cpu;
	w->cycle = n[i].cycles;
	strategy_destroy(s);
	s = NULL;
	/* It may move between its neighbours, not past them. */
	lo = i ? o.t.log[i - 1].step : 0;
	hi = i + 1 < o.t.len ? o.t.log[i + 1].step : UINT64_MAX;
	if (hi > fail)
		hi = fail;	/* a preemption after the failure is no cause of it */
	memcpy(log, o.t.log, o.t.len * sizeof(*log));
	if (sched)
		log[i].value = w->to_cpu;
	for (uint64_t k = 1;; k++) {
		if (k > limit) {
			w->early_capped = true;
			break;
		}
		if (w->step - k <= lo || w->step <= k) {
			w->early_bounded = true;
			break;
		}
		ret = try_move(p, &o, log, i, w->step - k, w->from_cpu, same, arg, &ok, &c);
		if (ret)
			goto oom;
		w->runs++;
		if (!ok)
			break;
		w->early_steps = k;
		w->early_cycles = w->cycle > c ? w->cycle - c : 0;
	}
	for (uint64_t k = 1;; k++) {
		if (k > limit) {
			w->late_capped = true;
			break;
		}
		if (w->step + k >= hi) {
			w->late_bounded = true;
			break;
		}
		ret = try_move(p, &o, log, i, w->step + k, w->from_cpu, same, arg, &ok, &c);
		if (ret)
			goto oom;
		w->runs++;
		if (!ok)
			break;
		w->late_steps = k;
		w->late_cycles = c > w->cycle ? c - w->cycle : 0;
	}
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	strategy_destroy(s);
	free(log);
	token_close(&o);
	return ret;
}

/*
 * The task CPU @cpu ran at step @step of the trace in @data: the one its
 * last access or decision up to then was made by, or the one a switch on
 * it put there since. 0 when the trace names none; -EINVAL (said) when it
 * is malformed or cut.
 */
static int window_task(const uint8_t *data, size_t len, unsigned int cpu, uint64_t step,
		       uint32_t *task, char *err, size_t errlen)
{
	struct trace_reader *r;
	struct trace_event e;
	int ret;

	*task = 0;
	ret = trace_reader_open_mem(&r, data, len, "trace", err, errlen);
	if (ret)
		return ret;
	while ((ret = trace_next(r, &e, err, errlen)) == 1) {
		if (e.step > step || e.type == TR_END)
			continue;
		if (e.type == TR_SWITCH && e.to_cpu == cpu)
			*task = e.to_task;
		else if ((e.type == TR_ACCESS || e.type == TR_DECISION) && e.cpu == cpu)
			*task = e.task;
	}
	trace_reader_close(r);
	return ret;
}

int sim_trace_add_window(uint8_t **trace, size_t *len, const struct sim_window *w,
			 char *err, size_t errlen)
{
	struct trace_event e = {
		.type = TR_WINDOW, .step = w->step, .cpu = w->from_cpu, .cycle = w->cycle,
		.to_cpu = w->to_cpu,
		.args = { w->early_steps, w->late_steps, w->early_cycles, w->late_cycles },
	};
	int ret;

	if (!w->found) {
		snprintf(err, errlen, "the run has no decisive preemption: no window to add");
		return -EINVAL;
	}
	ret = window_task(*trace, *len, w->from_cpu, w->step, &e.task, err, errlen);
	if (ret)
		return ret;
	return trace_append(trace, len, &e, w->what, err, errlen);
}

int sim_reduce(const struct sim_program *p, const char *token,
	       bool (*same)(const struct sim_result *run, void *arg), void *arg,
	       struct sim_result *r, char *err, size_t errlen)
{
	struct sim_decision_rec *log = NULL, *trial = NULL;
	struct strategy *s = NULL;
	uint32_t len;
	struct opened o;
	bool ok;
	int ret;

	memset(r, 0, sizeof(*r));
	ret = open_failing(p, token, same, arg, &o, err, errlen);
	if (ret)
		return ret;
	len = o.t.len;
	log = malloc((len ? len : 1) * sizeof(*log));
	trial = malloc((len ? len : 1) * sizeof(*trial));
	if (!log || !trial) {
		ret = -ENOMEM;
		goto oom;
	}
	memcpy(log, o.t.log, len * sizeof(*log));
	r->schedules = 1;
	/*
	 * Leave each decision out in turn, the last first, and keep it out
	 * while the run still fails the same way. The run that did is the new
	 * log: a decision it no longer reached fell out with the one left out.
	 */
	for (uint32_t i = len; i-- > 0;) {
		memcpy(trial, log, i * sizeof(*log));
		memcpy(trial + i, log + i + 1, (len - i - 1) * sizeof(*log));
		ret = try_log(p, &o, trial, len - 1, UINT32_MAX, false, same, arg, &s, &ok);
		strategy_destroy(s);
		s = NULL;
		if (ret)
			goto oom;
		r->schedules++;
		if (!ok)
			continue;
		SIM_BUG_ON(o.m->log_len > len - 1);
		len = o.m->log_len;
		memcpy(log, o.m->log, len * sizeof(*log));
		if (i > len)
			i = len;
	}
	ret = replay_log(p, &o, log, len, UINT32_MAX, false, false, &s);
	if (ret)
		goto oom;
	r->total_steps = r->max_run_steps = o.m->step;
	r->failures = 1;
	ret = report_run(r, o.m, p, o.t.strategy, false);
	if (!ret)
		goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	strategy_destroy(s);
	free(log);
	free(trial);
	token_close(&o);
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
