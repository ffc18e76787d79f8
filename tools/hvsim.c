// SPDX-License-Identifier: MIT
/*
 * hvsim: the command line.
 *
 * Exit codes, for every command: 0 no failure, 1 a failure found (the
 * report, then one replay line), 2 bad input or usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hvsim/sim.h"
#include "hvsim/tools.h"
#include "hvsim/trace.h"
#include "../examples/examples.h"
#include "scenario.h"
#include "scenario_run.h"
#include "interleave.h"
#include "perfetto.h"
#include "render.h"
#include "view.h"

#define EXIT_CLEAN	0
#define EXIT_FOUND	1
#define EXIT_USAGE	2

#define HVSIM_VERSION	"0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hvsim COMMAND [ARGS]\n"
		"\n"
		"commands:\n"
		"  example NAME [--strategy S] [--seed N] [--budget N] [--max-steps N]\n"
		"               [--schedule TOKEN] [--trace FILE]\n"
		"      explore an example program until a failure or the budget; with\n"
		"      --schedule, replay exactly the run the token names (it carries the\n"
		"      strategy, seed and --max-steps: give none of them, or the same\n"
		"      --max-steps)\n"
		"  examples [--out DIR]\n"
		"      the main job: every example under the strategies it must pass or\n"
		"      fail, a table, failure traces into DIR (default out/)\n"
		"  trace-dump FILE\n"
		"      print a trace file's events as text\n"
		"  export TRACE --perfetto FILE.json\n"
		"      a trace as Chrome trace-event JSON for Perfetto's UI or\n"
		"      chrome://tracing: a track per CPU, its tasks, interrupts, guest\n"
		"      mode, locks, hotplug states, reports and their marked events,\n"
		"      the race window, arrows for IPIs, wake-ups, requests and kicks\n"
		"      (docs/viewer.md)\n"
		"  render TRACE -o FILE.png [--from CYCLE] [--to CYCLE] [--width W]\n"
		"      the same as a timeline image, a lane per CPU coloured by its\n"
		"      task, a failing run's racing accesses, WARN site, decisive\n"
		"      preemption and window marked (docs/viewer.md; width default 1600)\n"
		"  view TRACE [--width W] [--log]\n"
		"      the timeline in a window: zoom, pan, the event under the pointer\n"
		"      with its pc and address by name, jumps by kind and to the\n"
		"      failure, markers, lane filters (docs/viewer.md); --log says each\n"
		"      command obeyed on stdout\n"
		"  cpus [MODEL [VARIATIONS...]]\n"
		"      list the CPU models, or print one with its derived values and VMX\n"
		"      controls (e.g. hvsim cpus skylake-sp -vmx.posted-interrupts)\n"
		"  vmx-checks [GROUP]\n"
		"      the VM-entry checks hvsim makes, in entry order, as the Markdown\n"
		"      table docs/vmx-checks.md carries (GROUP: controls, host-state,\n"
		"      guest-state, msr-load)\n"
		"  check SCN...\n"
		"      parse and validate scenario files (docs/scenarios.md): one line\n"
		"      per file, FILE: ok (N calls, M variants), or FILE:LINE:COL: the error\n"
		"  run SCN [--variant V] [--strategy S] [--seed N] [--trace FILE]\n"
		"      one schedule of the scenario's variant\n"
		"  explore SCN [--variant V] [--strategy S] [--budget N | --time SEC] [--seed N]\n"
		"              [--trace FILE]\n"
		"      schedules until a failure, the budget or the time (the strategy and\n"
		"      budget default to the variant's expectation)\n"
		"  replay SCN --variant V --schedule TOKEN [--trace FILE]\n"
		"      the run a failure's replay line names, exactly (run, explore and\n"
		"      replay: a failing run's --trace ends with its race window)\n"
		"  minimize SCN --variant V --schedule TOKEN [--budget N]\n"
		"      a schedule failing with the same title and as few preemptions as\n"
		"      found: the run's own decisions left out, then dfs:0..2 (--budget\n"
		"      schedules, default 20000), saying whether fewer is proven impossible\n"
		"  verify SCN [--variant V] [--strategy dfs:P] [--budget N | --time SEC]\n"
		"      dfs (default dfs:2) over the whole space of the variant (default:\n"
		"      each variant expected clean): exhausted or not, and how many schedules\n"
		"  test SCN|DIR... [--budget N] [--out DIR]\n"
		"      every variant's expectation, as a table; exit 1 if one breaks\n"
		"      (--budget caps a clean expectation's search, default 20000); with\n"
		"      --out, each failure found as DIR/FILE.VARIANT.txt (report, race\n"
		"      window, replay line) and .trace (with the window)\n"
		"  --help, --version\n"
		"\n"
		"strategies: timed[:J] (default), random, pct[:D], dfs[:P]\n"
		"examples:");
	for (size_t i = 0; i < nr_examples; i++)
		fprintf(f, " %s", examples[i].name);
	fprintf(f, "\n\nexit status: 0 no failure, 1 failure found, 2 bad input\n");
}

static int parse_u64(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || *s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "hvsim: %s: expected a whole number from %" PRIu64 " to %" PRIu64
		", got '%s'\n", opt, lo, hi, s ? s : "");
	return -EINVAL;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f) {
		fprintf(stderr, "hvsim: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (fwrite(data, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "hvsim: %s: write failed\n", path);
		return -EIO;
	}
	return 0;
}

/*
 * A run's trace into @path, with the race window @w measured for it
 * appended when there is one (NULL or not found: none). @r's trace may
 * grow.
 */
static int write_run_trace(struct sim_result *r, const struct sim_window *w, const char *path)
{
	char err[256];
	int ret;

	if (w && w->found) {
		ret = sim_trace_add_window(&r->trace, &r->trace_len, w, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "hvsim: %s: %s\n", path, err);
			return ret;
		}
	}
	return write_file(path, r->trace, r->trace_len);
}

/* Record the reported run's trace by replaying its token, with its window @w (or NULL). */
static int write_trace(const struct sim_program *p, const char *token, uint64_t max_steps,
		       const struct sim_window *w, const char *path)
{
	struct sim_result rr;
	char err[256];
	int ret = sim_replay(p, token, true, max_steps, &rr, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "hvsim: %s\n", err);
		return ret;
	}
	ret = write_run_trace(&rr, w, path);
	sim_result_release(&rr);
	return ret;
}

/* A VMX record of the interleaving: the entry, the exit and its reason, or the failure. */
static void print_vmx_event(FILE *out, const struct trace_reader *tr, const struct trace_event *e)
{
	const char *check = e->str ? trace_reader_string(tr, e->str) : NULL;

	switch (e->kind) {
	case TR_VMX_ENTRY:
		fprintf(out, "    ---- CPU%u VM entry: its guest runs\n", e->cpu);
		return;
	case TR_VMX_EXIT:
		fprintf(out, "    ---- CPU%u VM exit: %s", e->cpu, vmx_exit_reason_name(e->value) ?: "?");
		break;
	default:
		fprintf(out, "    ---- CPU%u VM entry failed: VM-instruction error %u", e->cpu, e->value);
		break;
	}
	if (check)
		fprintf(out, " (check %s)", check);
	fprintf(out, "\n");
}

/*
 * The interleaving of a short failing run, from its trace: which CPU did
 * what, step by step. Longer runs are left to the trace file.
 */
#define INTERLEAVING_MAX_EVENTS 80

static void print_interleaving(FILE *out, const struct sim_program *p, const char *token,
			       uint64_t max_steps)
{
	struct sim_result rr;
	struct trace_reader *tr;
	const char *names[SIM_MAX_TASKS] = { NULL };
	struct trace_event e;
	char err[256];
	unsigned int n = 0;

	if (sim_replay(p, token, true, max_steps, &rr, err, sizeof(err)))
		return;
	if (trace_reader_open_mem(&tr, rr.trace, rr.trace_len, "trace", err, sizeof(err))) {
		sim_result_release(&rr);
		return;
	}
	while (trace_next(tr, &e, err, sizeof(err)) == 1)
		n += e.type == TR_ACCESS;
	trace_reader_close(tr);
	if (n > INTERLEAVING_MAX_EVENTS || trace_reader_open_mem(&tr, rr.trace, rr.trace_len,
								  "trace", err, sizeof(err))) {
		sim_result_release(&rr);
		return;
	}
	fprintf(out, "  interleaving (step, CPU, task: access):\n");
	while (trace_next(tr, &e, err, sizeof(err)) == 1) {
		const char *task;

		if (e.type == TR_SPAWN && e.task < SIM_MAX_TASKS)
			names[e.task] = trace_reader_string(tr, e.str);
		if (e.type == TR_SWITCH && e.preempt)
			fprintf(out, "    ---- CPU%u preempted, CPU%u runs\n", e.cpu, e.to_cpu);
		if (e.type == TR_IRQ)
			fprintf(out, "    ---- CPU%u %s\n", e.cpu, e.kind ? "interrupt: IPI handler runs" :
			       "interrupt handled");
		if (e.type == TR_VMX)
			print_vmx_event(out, tr, &e);
		if (e.type != TR_ACCESS)
			continue;
		task = e.task < SIM_MAX_TASKS && names[e.task] ? names[e.task] : "?";
		if (e.kind == SIM_KCALL) {
			const char *prim = e.str ? trace_reader_string(tr, e.str) : NULL;

			fprintf(out, "    %5" PRIu64 "  CPU%u %-8s %s\n", e.step, e.cpu, task,
			       prim ? prim : "kernel call");
			continue;
		}
		fprintf(out, "    %5" PRIu64 "  CPU%u %-8s %-12s %s+%#" PRIx64 " size %u: %#" PRIx64,
		       e.step, e.cpu, task, sim_kind_name(e.kind), trace_region_name(e.region),
		       e.offset, e.size, e.old_val);
		if (e.new_val != e.old_val)
			fprintf(out, " -> %#" PRIx64, e.new_val);
		fprintf(out, "\n");
	}
	trace_reader_close(tr);
	sim_result_release(&rr);
}

static void print_failure(const char *name, const struct sim_program *p,
			  const struct sim_result *r, const char *spec, uint64_t seed,
			  uint64_t max_steps)
{
	printf("FAILED: %s\n", r->message[0] ? r->message : sim_outcome_name(r->outcome));
	printf("  outcome:   %s\n", sim_outcome_name(r->outcome));
	if (spec)
		printf("  found by:  %s, seed %" PRIu64 ", schedule %" PRIu64 "\n",
		       spec, seed, r->schedules);
	printf("  run:       %" PRIu64 " steps, %" PRIu64 " preemption%s\n",
	       r->steps, r->preemptions, r->preemptions == 1 ? "" : "s");
	print_interleaving(stdout, p, r->token, max_steps);
	printf("replay: hvsim example %s --schedule %s\n", name, r->token);
}

static int cmd_example(int argc, char **argv)
{
	struct sim_explore_opts o = { .strategy = "timed", .seed = 1 };
	const char *token = NULL, *trace = NULL, *explore_opt = NULL;
	const struct example *ex;
	struct sim_result r;
	char err[256];
	int ret;

	if (argc < 1 || argv[0][0] == '-') {
		fprintf(stderr, "hvsim: example: expected an example name (see hvsim --help)\n");
		return EXIT_USAGE;
	}
	ex = example_find(argv[0]);
	if (!ex) {
		fprintf(stderr, "hvsim: example: unknown example '%s'; expected one of:", argv[0]);
		for (size_t i = 0; i < nr_examples; i++)
			fprintf(stderr, " %s", examples[i].name);
		fprintf(stderr, "\n");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(opt, "--strategy") && val) {
			o.strategy = val;
			explore_opt = opt;
		} else if (!strcmp(opt, "--seed") && val) {
			if (parse_u64(opt, val, 0, UINT64_MAX, &o.seed))
				return EXIT_USAGE;
			explore_opt = opt;
		} else if (!strcmp(opt, "--budget") && val) {
			if (parse_u64(opt, val, 1, 1000000000000ULL, &o.budget))
				return EXIT_USAGE;
			explore_opt = opt;
		} else if (!strcmp(opt, "--max-steps") && val) {
			if (parse_u64(opt, val, 1, 1000000000000ULL, &o.max_steps))
				return EXIT_USAGE;
		} else if (!strcmp(opt, "--schedule") && val) {
			token = val;
		} else if (!strcmp(opt, "--trace") && val) {
			trace = val;
		} else {
			fprintf(stderr, "hvsim: example: %s '%s' (see hvsim --help)\n",
				val || opt[0] != '-' ? "unknown argument" : "missing value after", opt);
			return EXIT_USAGE;
		}
	}
	if (sim_strategy_check(o.strategy, err, sizeof(err))) {
		fprintf(stderr, "hvsim: %s\n", err);
		return EXIT_USAGE;
	}
	/*
	 * A token names one whole run: its strategy, seed and budgets. An
	 * option that would change them is refused rather than ignored;
	 * --max-steps is accepted when it is the token's own (sim_replay()).
	 */
	if (token && explore_opt) {
		fprintf(stderr,
			"hvsim: example: %s does not go with --schedule: the token names the run's strategy, seed and budgets\n",
			explore_opt);
		return EXIT_USAGE;
	}
	if (token) {
		ret = sim_replay(&ex->program, token, !!trace, o.max_steps, &r, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "hvsim: %s\n", err);
			return EXIT_USAGE;
		}
		if (trace && write_file(trace, r.trace, r.trace_len)) {
			sim_result_release(&r);
			return EXIT_USAGE;
		}
		if (sim_outcome_is_failure(r.outcome)) {
			print_failure(ex->name, &ex->program, &r, NULL, 0, o.max_steps);
			sim_result_release(&r);
			return EXIT_FOUND;
		}
		printf("hvsim: %s: replayed run is clean (%s, %" PRIu64 " steps)\n",
		       ex->name, sim_outcome_name(r.outcome), r.steps);
		sim_result_release(&r);
		return EXIT_CLEAN;
	}
	ret = sim_explore(&ex->program, &o, &r, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "hvsim: %s\n", err);
		return EXIT_USAGE;
	}
	if (trace && r.token && write_trace(&ex->program, r.token, o.max_steps, NULL, trace)) {
		sim_result_release(&r);
		return EXIT_USAGE;
	}
	if (r.failures) {
		print_failure(ex->name, &ex->program, &r, o.strategy, o.seed, o.max_steps);
		sim_result_release(&r);
		return EXIT_FOUND;
	}
	printf("hvsim: %s: no failure in %" PRIu64 " schedule%s (%s, seed %" PRIu64 ")%s",
	       ex->name, r.schedules, r.schedules == 1 ? "" : "s", o.strategy, o.seed,
	       r.exhausted ? "; the space is exhausted" : "; budget reached");
	if (r.abandoned || r.restarts)
		printf(" [%" PRIu64 " redundant runs cut short, %" PRIu64 " restarts]",
		       r.abandoned, r.restarts);
	printf("\n");
	sim_result_release(&r);
	return EXIT_CLEAN;
}

/* The main job: every example under its checks, as a table. */
static int cmd_examples(int argc, char **argv)
{
	const char *out = "out";
	int bad = 0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else {
			fprintf(stderr, "hvsim: examples: unknown argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (mkdir(out, 0777) && errno != EEXIST) {
		fprintf(stderr, "hvsim: %s: %s\n", out, strerror(errno));
		return EXIT_USAGE;
	}
	{
		struct stat st;

		if (stat(out, &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "hvsim: --out %s: expected a directory\n", out);
			return EXIT_USAGE;
		}
	}
	printf("%-20s %-8s %-10s %-10s %10s %9s  %s\n", "example", "strategy", "expected",
	       "outcome", "schedules", "steps", "verdict");
	for (size_t i = 0; i < nr_examples; i++) {
		const struct example *ex = &examples[i];

		for (const struct example_check *c = ex->checks; c->strategy; c++) {
			struct sim_explore_opts o = {
				.strategy = c->strategy, .seed = 1, .budget = c->budget,
			};
			struct sim_result r;
			char err[256], path[512], what[64];
			bool ok;

			if (sim_explore(&ex->program, &o, &r, err, sizeof(err))) {
				fprintf(stderr, "hvsim: %s: %s\n", ex->name, err);
				return EXIT_USAGE;
			}
			if (c->must_fail)
				ok = r.failures > 0;
			else
				ok = !r.failures && (strncmp(c->strategy, "dfs", 3) || r.exhausted);
			if (r.failures)
				snprintf(what, sizeof(what), "%s", sim_outcome_name(r.outcome));
			else
				snprintf(what, sizeof(what), "%s", r.exhausted ? "exhausted" : "clean");
			printf("%-20s %-8s %-10s %-10s %10" PRIu64 " %9" PRIu64 "  %s\n", ex->name,
			       c->strategy, c->must_fail ? "failure" : "clean", what, r.schedules,
			       r.max_run_steps, ok ? "as expected" : "UNEXPECTED");
			if (r.failures) {
				char file[64];
				size_t k;

				snprintf(file, sizeof(file), "%s-%s.trace", ex->name, c->strategy);
				for (k = 0; file[k]; k++)
					if (file[k] == ':')
						file[k] = '-';
				snprintf(path, sizeof(path), "%s/%s", out, file);
				if (write_trace(&ex->program, r.token, 0, NULL, path))
					ok = false;
				printf("%-20s   trace: %s\n%-20s   replay: hvsim example %s --schedule %s\n",
				       "", path, "", ex->name, r.token);
			}
			bad += !ok;
			sim_result_release(&r);
		}
	}
	printf("\n%s\n", bad ? "some outcomes were NOT as expected" :
	       "every outcome as expected");
	return bad ? EXIT_FOUND : EXIT_CLEAN;
}

static int cmd_trace_dump(int argc, char **argv)
{
	struct trace_reader *tr;
	const struct trace_header *h;
	struct trace_event e;
	char err[512];
	int ret;

	if (argc != 1) {
		fprintf(stderr, "hvsim: trace-dump: expected one trace file\n");
		return EXIT_USAGE;
	}
	if (trace_reader_open_file(&tr, argv[0], err, sizeof(err))) {
		fprintf(stderr, "hvsim: %s\n", err);
		return EXIT_USAGE;
	}
	h = trace_reader_header(tr);
	printf("# program %s, strategy %s, seed %" PRIu64 ", %u CPUs\n", h->program,
	       h->strategy, h->seed, h->ncpus);
	while ((ret = trace_next(tr, &e, err, sizeof(err))) == 1) {
		printf("%8" PRIu64 " cpu%-2u t%-2u %10" PRIu64 " %-8s", e.step, e.cpu, e.task,
		       e.cycle, trace_type_name(e.type));
		switch (e.type) {
		case TR_ACCESS:
			if (e.kind == SIM_KCALL && e.str) {
				printf(" kcall        %s", trace_reader_string(tr, e.str) ?: "?");
				break;
			}
			printf(" %-12s %s+%#" PRIx64 " size %u pc %#" PRIx64 " %#" PRIx64 " -> %#"
			       PRIx64, sim_kind_name(e.kind), trace_region_name(e.region), e.offset,
			       e.size, e.pc, e.old_val, e.new_val);
			break;
		case TR_SPAWN:
			printf(" %s", trace_reader_string(tr, e.str) ?: "?");
			break;
		case TR_SWITCH:
			printf(" -> cpu%u t%u%s", e.to_cpu, e.to_task, e.preempt ? " (preempt)" : "");
			break;
		case TR_WAKE:
			printf(" t%u", e.to_task);
			break;
		case TR_DECISION:
			printf(" kind %u answer %u of %u", e.kind, e.value, e.n);
			break;
		case TR_END:
			printf(" %s %s", sim_outcome_name(e.kind),
			       e.str ? trace_reader_string(tr, e.str) ?: "" : "");
			break;
		case TR_LOG: {
			const char *text = trace_reader_string(tr, e.str) ?: "?";

			/* printk's lines keep their newline: one per record here. */
			printf(" %.*s", (int)strcspn(text, "\n"), text);
			break;
		}
		case TR_POINT:
			printf(" %s %#" PRIx64 " %#" PRIx64, trace_reader_string(tr, e.str) ?: "?",
			       e.args[0], e.args[1]);
			break;
		case TR_CPU:
			printf(" %u MHz %s", e.value,
			       e.str ? trace_reader_string(tr, e.str) ?: "?" : "(no model)");
			break;
		case TR_IPI:
			if (e.kind)
				printf(" -> cpu%u NMI", e.to_cpu);
			else
				printf(" -> cpu%u vector %#x", e.to_cpu, e.value);
			break;
		case TR_VMX:
			if (e.kind == TR_VMX_ENTRY)
				printf(" VM entry");
			else if (e.kind == TR_VMX_EXIT)
				printf(" VM exit %#x (%s)", e.value,
				       vmx_exit_reason_name(e.value) ?: "?");
			else
				printf(" VM entry failed: error %u", e.value);
			if (e.str)
				printf(" check %s", trace_reader_string(tr, e.str) ?: "?");
			break;
		case TR_LOCK:
			printf(" %s %s %s %s+%#" PRIx64 " pc %#" PRIx64, trace_lock_kind_name(e.kind),
			       trace_lock_type_name(e.value), trace_reader_string(tr, e.str) ?: "?",
			       trace_region_name(e.region), e.offset, e.pc);
			break;
		case TR_CPUHP:
			printf(" cpu%u %s", e.to_cpu, trace_cpu_state_name(e.value));
			break;
		case TR_REPORT:
			printf(" %s %s", trace_report_kind_name(e.kind),
			       trace_reader_string(tr, e.str) ?: "?");
			break;
		case TR_MARK:
			printf(" %s step %" PRIu64 " cpu%u t%u %s+%#" PRIx64 " size %u pc %#" PRIx64,
			       trace_mark_kind_name(e.kind), e.args[0], e.to_cpu, e.to_task,
			       trace_region_name(e.region), e.offset, e.size, e.pc);
			if (e.str)
				printf(" %s", trace_reader_string(tr, e.str) ?: "?");
			break;
		case TR_WINDOW:
			printf(" %s -> cpu%u, %" PRIu64 " steps earlier, %" PRIu64 " later (%" PRIu64
			       " and %" PRIu64 " cycles)", trace_reader_string(tr, e.str) ?: "?",
			       e.to_cpu, e.args[0], e.args[1], e.args[2], e.args[3]);
			break;
		}
		printf("\n");
	}
	trace_reader_close(tr);
	if (ret < 0) {
		fprintf(stderr, "hvsim: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_CLEAN;
}

static int cmd_export(int argc, char **argv)
{
	const char *trace = NULL, *json = NULL;
	char err[512];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--perfetto") && i + 1 < argc && !json)
			json = argv[++i];
		else if (argv[i][0] != '-' && !trace)
			trace = argv[i];
		else
			trace = json = NULL, i = argc;
	}
	if (!trace || !json) {
		fprintf(stderr, "usage: hvsim export TRACE --perfetto FILE.json\n");
		return EXIT_USAGE;
	}
	if (perfetto_export(trace, json, err, sizeof(err))) {
		fprintf(stderr, "hvsim: export: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_CLEAN;
}

static int cmd_render(int argc, char **argv)
{
	struct render_opts o = { .width = RENDER_DEFAULT_WIDTH };
	const char *trace = NULL, *png = NULL;
	uint64_t width = RENDER_DEFAULT_WIDTH;
	bool ok = true;
	char err[512];

	for (int i = 0; ok && i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-o") && v && !png) {
			png = argv[++i];
		} else if (!strcmp(a, "--from") && v) {
			/* A bad number's line is parse_u64's own. */
			if (parse_u64(a, argv[++i], 0, UINT64_MAX, &o.from))
				return EXIT_USAGE;
		} else if (!strcmp(a, "--to") && v) {
			if (parse_u64(a, argv[++i], 1, UINT64_MAX, &o.to))
				return EXIT_USAGE;
			o.has_to = true;
		} else if (!strcmp(a, "--width") && v) {
			if (parse_u64(a, argv[++i], RENDER_MIN_WIDTH, RENDER_MAX_WIDTH, &width))
				return EXIT_USAGE;
		} else if (a[0] != '-' && !trace) {
			trace = a;
		} else {
			ok = false;
		}
	}
	if (!ok || !trace || !png) {
		fprintf(stderr, "usage: hvsim render TRACE -o FILE.png [--from CYCLE] [--to CYCLE] "
			"[--width W]\n");
		return EXIT_USAGE;
	}
	if (o.has_to && o.to <= o.from) {
		fprintf(stderr, "hvsim: render: --to %" PRIu64 " is not after --from %" PRIu64 "\n",
			o.to, o.from);
		return EXIT_USAGE;
	}
	o.width = (unsigned int)width;
	if (render_png(trace, png, &o, err, sizeof(err))) {
		fprintf(stderr, "hvsim: render: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_CLEAN;
}

static int cmd_view(int argc, char **argv)
{
	struct view_opts o = { .width = VIEW_DEFAULT_WIDTH };
	const char *trace = NULL;
	uint64_t width = VIEW_DEFAULT_WIDTH;
	char err[512];

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--width") && i + 1 < argc) {
			if (parse_u64(argv[i], argv[i + 1], RENDER_MIN_WIDTH, RENDER_MAX_WIDTH, &width))
				return EXIT_USAGE;
			i++;
		} else if (!strcmp(argv[i], "--log")) {
			o.log = true;
		} else if (argv[i][0] != '-' && !trace) {
			trace = argv[i];
		} else {
			trace = NULL;
			break;
		}
	}
	if (!trace) {
		fprintf(stderr, "usage: hvsim view TRACE [--width W] [--log]\n");
		return EXIT_USAGE;
	}
	o.width = (unsigned int)width;
	if (view_run(trace, &o, err, sizeof(err))) {
		fprintf(stderr, "hvsim: view: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_CLEAN;
}

static int cmd_cpus(int argc, char **argv)
{
	char (*names)[MODEL_FILE_NAME_MAX] = calloc(128, sizeof(*names));
	struct cpu_model *model;
	char *spec, err[512], *text;
	size_t n = 0, len = 1;

	if (!names)
		return EXIT_USAGE;
	if (argc == 0) {
		const char *dir = model_default_dir();
		unsigned int count = model_list(NULL, names, 128);
		struct stat st;

		/* A folder that is not there, or holds no model, is a mistake, not an empty list. */
		if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "hvsim: CPU model folder %s: %s\n", dir,
				stat(dir, &st) ? strerror(errno) : "not a directory");
			free(names);
			return EXIT_USAGE;
		}
		if (!count) {
			fprintf(stderr, "hvsim: CPU model folder %s: no NAME.cpu files\n", dir);
			free(names);
			return EXIT_USAGE;
		}

		for (unsigned int i = 0; i < count; i++) {
			model = model_new(NULL, names[i], err, sizeof(err));
			if (!model) {
				fprintf(stderr, "hvsim: %s\n", err);
				free(names);
				return EXIT_USAGE;
			}
			printf("%-18s %-6s MAXPHYADDR %-2u %s\n", names[i],
			       model_has_vmx(model) ? "VMX" : "no-VMX", model_maxphyaddr(model),
			       model_description(model));
			model_free(model);
		}
		free(names);
		return EXIT_CLEAN;
	}
	free(names);
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	spec = malloc(len);
	if (!spec)
		return EXIT_USAGE;
	for (int i = 0; i < argc; i++)
		n += (size_t)snprintf(spec + n, len - n, "%s%s", i ? " " : "", argv[i]);
	model = model_new(NULL, spec, err, sizeof(err));
	free(spec);
	if (!model) {
		fprintf(stderr, "hvsim: %s\n", err);
		return EXIT_USAGE;
	}
	text = model_describe_text(model);
	if (!text) {
		model_free(model);
		return EXIT_USAGE;
	}
	printf("%s\n%s\n\n", model_name(model), model_description(model));
	printf("MAXPHYADDR        %u\n", model_maxphyaddr(model));
	printf("CR0 fixed0/fixed1 %#llx / %#llx\n", (unsigned long long)model_cr0_fixed0(model),
	       (unsigned long long)model_cr0_fixed1(model));
	printf("CR4 fixed0/fixed1 %#llx / %#llx\n", (unsigned long long)model_cr4_fixed0(model),
	       (unsigned long long)model_cr4_fixed1(model));
	printf("CR4 reserved      %#llx\n\n%s", (unsigned long long)model_cr4_reserved(model),
	       text);
	free(text);
	model_free(model);
	return EXIT_CLEAN;
}

static int cmd_vmx_checks(int argc, char **argv)
{
	unsigned int n;
	const struct vmx_check *rows = vmx_checks(&n);
	size_t len;
	char *text;

	if (argc > 1) {
		fprintf(stderr, "hvsim: vmx-checks takes at most one GROUP\n");
		return EXIT_USAGE;
	}
	if (argc == 1) {
		int g;

		for (g = 0; g < VMX_NR_CHECK_GROUPS; g++)
			if (!strcmp(argv[0], vmx_check_group_name((enum vmx_check_group)g)))
				break;
		if (g == VMX_NR_CHECK_GROUPS) {
			fprintf(stderr,
				"hvsim: vmx-checks: unknown group '%s': expected controls, host-state, guest-state or msr-load\n",
				argv[0]);
			return EXIT_USAGE;
		}
		rows = vmx_checks_of((enum vmx_check_group)g, &n);
	}
	len = vmx_checks_render(rows, n, NULL, 0) + 1;
	text = malloc(len);
	if (!text)
		return EXIT_USAGE;
	vmx_checks_render(rows, n, text, len);
	fputs(text, stdout);
	free(text);
	return EXIT_CLEAN;
}

/* Parse and validate scenarios: one line per file; exit 2 if one is bad. */
static int cmd_check(int argc, char **argv)
{
	int status = EXIT_CLEAN;

	if (argc < 1) {
		fprintf(stderr, "hvsim: check: expected one or more scenario files (see hvsim --help)\n");
		return EXIT_USAGE;
	}
	for (int i = 0; i < argc; i++) {
		struct scn *s;
		char err[1024];

		if (scn_load(argv[i], NULL, &s, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			status = EXIT_USAGE;
			continue;
		}
		for (unsigned int k = 0; k < s->prog->nwarnings; k++)
			fprintf(stderr, "%s:%s\n", argv[i], s->prog->warnings[k]);
		printf("%s: ok (%u call%s, %u variant%s)\n", argv[i], s->prog->ncalls,
		       s->prog->ncalls == 1 ? "" : "s", s->nvariants, s->nvariants == 1 ? "" : "s");
		scn_free(s);
	}
	return status;
}

/* ---- scenarios ---------------------------------------------------------- */

struct scn_cmd {
	const char *variant, *strategy, *token, *trace;
	uint64_t seed, budget;
	double seconds;
	const char *set;	/* an option that does not go with --schedule */
};

static int scn_cmd_parse(const char *cmd, int argc, char **argv, struct scn_cmd *o)
{
	for (int i = 0; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!val) {
			fprintf(stderr, "hvsim: %s: %s '%s' (see hvsim --help)\n", cmd,
				opt[0] == '-' ? "missing value after" : "unexpected argument", opt);
			return -EINVAL;
		}
		if (!strcmp(opt, "--variant")) {
			o->variant = val;
		} else if (!strcmp(opt, "--strategy")) {
			o->strategy = val;
			o->set = opt;
		} else if (!strcmp(opt, "--seed")) {
			if (parse_u64(opt, val, 0, UINT64_MAX, &o->seed))
				return -EINVAL;
			o->set = opt;
		} else if (!strcmp(opt, "--budget")) {
			if (parse_u64(opt, val, 1, SCN_MAX_SCHEDULES, &o->budget))
				return -EINVAL;
			o->set = opt;
		} else if (!strcmp(opt, "--time")) {
			uint64_t t;

			if (parse_u64(opt, val, 1, 1000000, &t))
				return -EINVAL;
			o->seconds = (double)t;
			o->set = opt;
		} else if (!strcmp(opt, "--schedule")) {
			o->token = val;
		} else if (!strcmp(opt, "--trace")) {
			o->trace = val;
		} else {
			fprintf(stderr, "hvsim: %s: unknown option '%s' (see hvsim --help)\n", cmd, opt);
			return -EINVAL;
		}
	}
	if (o->strategy) {
		char err[256];

		if (sim_strategy_check(o->strategy, err, sizeof(err))) {
			fprintf(stderr, "hvsim: %s\n", err);
			return -EINVAL;
		}
	}
	return 0;
}

/* A scenario command's arguments: the file first, then its options. */
static int scn_cmd_args(const char *cmd, int argc, char **argv, struct scn_cmd *o)
{
	if (argc < 1 || argv[0][0] == '-') {
		fprintf(stderr, "hvsim: %s: expected a scenario file (see hvsim --help)\n", cmd);
		return -EINVAL;
	}
	return scn_cmd_parse(cmd, argc - 1, argv + 1, o);
}

/* The scenario's name in tokens: its file name, wherever it is run from. */
static const char *scn_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Load @path and the runner of variant @vname (or the only one). */
static int scn_open(const char *cmd, const char *path, const char *vname, struct scn **s,
		    const struct scn_variant **v, struct scn_runner **r)
{
	char err[1024];

	if (scn_load(path, NULL, s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -EINVAL;
	}
	if (vname) {
		*v = scn_variant_find(*s, vname);
	} else {
		*v = (*s)->nvariants == 1 ? &(*s)->variants[0] : NULL;
	}
	if (!*v) {
		fprintf(stderr, "hvsim: %s: %s: %s; expected one of:", cmd, path,
			vname ? "no such variant" : "expected --variant V");
		for (unsigned int i = 0; i < (*s)->nvariants; i++)
			fprintf(stderr, " %s", (*s)->variants[i].name);
		fprintf(stderr, "\n");
		scn_free(*s);
		return -EINVAL;
	}
	if (scn_runner_new(*s, path, scn_name(path), *v, r, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		scn_free(*s);
		return -EINVAL;
	}
	return 0;
}

static bool scn_setup_failed(const char *path, const struct scn_runner *r)
{
	const char *e = scn_runner_setup_error(r);

	if (e)
		fprintf(stderr, "hvsim: %s: %s\n", path, e);
	return e != NULL;
}

/* Rows of a failure's CPU-column interleaving. */
#define COLUMN_ROWS	40

/* The failing run @token names as CPU columns (tools/interleave.c), from a traced replay. */
static void print_columns(FILE *out, const struct sim_program *p, const char *token)
{
	struct sim_result rr;
	char err[256];

	if (sim_replay(p, token, true, 0, &rr, err, sizeof(err)))
		return;
	print_cpu_columns(out, rr.trace, rr.trace_len, rr.fail_step, COLUMN_ROWS);
	sim_result_release(&rr);
}

/* A failing run's title, for the runs that must fail the same way (window, minimize). */
struct same_title {
	char title[256];
};

static bool same_title(const struct sim_result *run, void *arg)
{
	const struct same_title *st = arg;
	char t[256];

	scn_title(run, t, sizeof(t));
	return !strcmp(t, st->title);
}

/* Steps the decisive preemption is moved each way at most. */
#define WINDOW_LIMIT	4096

/*
 * The race window of failing run @token: how far its decisive preemption
 * moves, in steps and in the preempted CPU's cycles, and the run still
 * fails with @title. One line, and the window into @wout unless NULL (not
 * found when it was not measured or the run has no preemption).
 */
static void print_window(FILE *out, const struct sim_program *p, const char *token,
			 const char *title, struct sim_window *wout)
{
	struct same_title st;
	struct sim_window w;
	char err[256];

	if (wout)
		memset(wout, 0, sizeof(*wout));
	snprintf(st.title, sizeof(st.title), "%s", title);
	if (sim_window(p, token, WINDOW_LIMIT, same_title, &st, &w, err, sizeof(err))) {
		fprintf(out, "  race window: not measured (%s)\n", err);
		return;
	}
	if (wout)
		*wout = w;
	if (!w.found) {
		fprintf(out, "  race window: none (no decision before the failure cost a preemption: forced switches and free choices alone reach it)\n");
		return;
	}
	fprintf(out, "  race window: %" PRIu64 " cycles: the decisive %s (step %" PRIu64
	       ", CPU%u", w.early_cycles + w.late_cycles, w.what, w.step, w.from_cpu);
	if (w.to_cpu != w.from_cpu)
		fprintf(out, " -> CPU%u", w.to_cpu);
	fprintf(out, ") fails the same way moved %s%" PRIu64 " cycles (%" PRIu64
	       " step%s) earlier%s and %s%" PRIu64 " cycles (%" PRIu64 " step%s) later%s\n",
	       w.early_capped ? ">= " : "", w.early_cycles, w.early_steps,
	       w.early_steps == 1 ? "" : "s",
	       w.early_bounded ? " (up to the decision before it)" : "",
	       w.late_capped ? ">= " : "", w.late_cycles, w.late_steps,
	       w.late_steps == 1 ? "" : "s",
	       w.late_bounded ? " (up to the next decision or the failure)" : "");
}

/* The report of a failing run, its interleaving and its race window (into @w, or NULL). */
static void print_scn_failure(FILE *out, const char *path, const struct scn_variant *v,
			      const struct sim_program *p, const struct sim_result *r,
			      const char *spec, uint64_t seed, struct sim_window *w)
{
	char title[256];

	scn_title(r, title, sizeof(title));
	fprintf(out, "FAILED: %s\n", title);
	if (r->reports && r->reports[0])
		fprintf(out, "%s%s", r->reports, r->reports[strlen(r->reports) - 1] == '\n' ? "" : "\n");
	else
		fprintf(out, "%s\n", r->message[0] ? r->message : sim_outcome_name(r->outcome));
	if (spec)
		fprintf(out, "  found by:  %s, seed %" PRIu64 ", schedule %" PRIu64 "\n",
		       spec, seed, r->schedules);
	fprintf(out, "  run:       %" PRIu64 " steps, %" PRIu64 " preemption%s\n",
	       r->steps, r->preemptions, r->preemptions == 1 ? "" : "s");
	print_columns(out, p, r->token);
	print_window(out, p, r->token, title, w);
	fprintf(out, "replay: hvsim replay %s --variant %s --schedule %s\n", path, v->name, r->token);
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct progress {
	double start, next;
};

/* explore's progress line on a terminal, once a second. */
static void scn_progress(const struct sim_result *r, void *arg)
{
	struct progress *pr = arg;
	double now = now_seconds();

	if (now < pr->next)
		return;
	pr->next = now + 1;
	fprintf(stderr, "\r%" PRIu64 " schedules, %.0f/s, %.0f s, %" PRIu64 " failures",
		r->schedules, r->schedules / (now - pr->start + 1e-9), now - pr->start, r->failures);
	if (r->search_path)
		fprintf(stderr, "; round %u, node %u of %u", r->search_round, r->search_node,
			r->search_path);
	fprintf(stderr, " ");
}

/* run and explore: one schedule, or many. */
static int cmd_scn_explore(const char *cmd, int argc, char **argv, bool one)
{
	struct scn_cmd o = { .seed = 1 };
	const struct scn_variant *v;
	struct scn_runner *runner;
	const struct sim_program *p;
	struct sim_explore_opts eo;
	struct sim_window w;
	struct progress pr;
	struct sim_result r;
	struct scn *s;
	char err[256];
	int status;

	if (scn_cmd_args(cmd, argc, argv, &o))
		return EXIT_USAGE;
	if (o.token) {
		fprintf(stderr, "hvsim: %s: --schedule is replay's (hvsim replay SCN --variant V --schedule TOKEN)\n", cmd);
		return EXIT_USAGE;
	}
	if (one && (o.budget || o.seconds)) {
		fprintf(stderr, "hvsim: run: one schedule; --budget and --time are explore's\n");
		return EXIT_USAGE;
	}
	if (scn_open(cmd, argv[0], o.variant, &s, &v, &runner))
		return EXIT_USAGE;
	p = scn_runner_program(runner);
	eo = (struct sim_explore_opts){
		.strategy = o.strategy ? o.strategy : one ? "timed" : v->strategy,
		.seed = o.seed,
		.budget = one ? 1 : o.budget ? o.budget
			: v->within,
		.max_seconds = o.seconds,
	};
	pr.start = now_seconds();
	pr.next = pr.start + 1;
	if (!one && isatty(2)) {
		eo.progress = scn_progress;
		eo.progress_arg = &pr;
	}
	status = EXIT_USAGE;
	if (sim_explore(p, &eo, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim: %s\n", err);
		goto out;
	}
	if (eo.progress)
		fprintf(stderr, "\n");
	if (scn_setup_failed(argv[0], runner))
		goto out_r;
	if (r.failures) {
		print_scn_failure(stdout, argv[0], v, p, &r, eo.strategy, eo.seed, &w);
		status = EXIT_FOUND;
	} else {
		printf("%s (%s): no failure in %" PRIu64 " schedule%s (%s, seed %" PRIu64 ", %.1f s)%s\n",
		       argv[0], v->name, r.schedules, r.schedules == 1 ? "" : "s", eo.strategy,
		       eo.seed, now_seconds() - pr.start,
		       one ? "" : r.exhausted ? "; the space is exhausted"
			  : r.timed_out ? "; time is up" : "; budget reached");
		status = EXIT_CLEAN;
	}
	/* After the report: a failure's trace carries the window it measured. */
	fflush(stdout);
	if (o.trace && r.token && write_trace(p, r.token, 0, r.failures ? &w : NULL, o.trace))
		status = EXIT_USAGE;
out_r:
	sim_result_release(&r);
out:
	scn_runner_free(runner);
	scn_free(s);
	return status;
}

static int cmd_scn_replay(int argc, char **argv)
{
	struct scn_cmd o = { .seed = 1 };
	const struct scn_variant *v;
	struct scn_runner *runner;
	const struct sim_program *p;
	struct sim_window w;
	struct sim_result r;
	struct scn *s;
	char err[256];
	int status = EXIT_USAGE;

	if (scn_cmd_args("replay", argc, argv, &o))
		return EXIT_USAGE;
	if (!o.token || !o.variant || o.set) {
		fprintf(stderr, "hvsim: replay: expected --variant V --schedule TOKEN%s\n",
			o.set ? " and nothing that changes the run (the token names it)" : "");
		return EXIT_USAGE;
	}
	if (scn_open("replay", argv[0], o.variant, &s, &v, &runner))
		return EXIT_USAGE;
	p = scn_runner_program(runner);
	if (sim_replay(p, o.token, !!o.trace, 0, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim: %s\n", err);
		goto out;
	}
	if (scn_setup_failed(argv[0], runner))
		goto out_r;
	if (sim_outcome_is_failure(r.outcome)) {
		print_scn_failure(stdout, argv[0], v, p, &r, NULL, 0, &w);
		status = EXIT_FOUND;
	} else {
		printf("%s (%s): the replayed run is clean (%s, %" PRIu64 " steps)\n", argv[0],
		       v->name, sim_outcome_name(r.outcome), r.steps);
		status = EXIT_CLEAN;
	}
	/* After the report: a failure's trace carries the window it measured. */
	fflush(stdout);
	if (o.trace && write_run_trace(&r, status == EXIT_FOUND ? &w : NULL, o.trace))
		status = EXIT_USAGE;
out_r:
	sim_result_release(&r);
out:
	scn_runner_free(runner);
	scn_free(s);
	return status;
}

/* Preemptions dfs tries at most when minimizing: rounds 0, 1, 2. */
#define MINIMIZE_BOUND		2
#define MINIMIZE_BUDGET		20000

/*
 * minimize: a schedule that fails with the same title and as few
 * preemptions as can be found. First the token's own decisions, each left
 * out while the run still fails so; then dfs from no preemption up, which
 * proves a bound when it finds the title in a later round than 0.
 */
static int cmd_scn_minimize(int argc, char **argv)
{
	struct scn_cmd o = { .seed = 1 };
	const struct scn_variant *v;
	struct scn_runner *runner;
	const struct sim_program *p;
	struct sim_result orig, red, dfs;
	struct same_title st;
	struct sim_explore_opts eo;
	const struct sim_result *best;
	struct scn *s;
	char err[256], spec[16];
	int status = EXIT_USAGE;
	double t0 = now_seconds();

	if (scn_cmd_args("minimize", argc, argv, &o))
		return EXIT_USAGE;
	if (!o.token || !o.variant || o.strategy || o.seconds || o.trace) {
		fprintf(stderr, "hvsim: minimize: expected --variant V --schedule TOKEN [--budget N]\n");
		return EXIT_USAGE;
	}
	if (scn_open("minimize", argv[0], o.variant, &s, &v, &runner))
		return EXIT_USAGE;
	p = scn_runner_program(runner);
	memset(&red, 0, sizeof(red));
	memset(&dfs, 0, sizeof(dfs));
	if (sim_replay(p, o.token, false, 0, &orig, err, sizeof(err))) {
		fprintf(stderr, "hvsim: %s\n", err);
		goto out;
	}
	if (scn_setup_failed(argv[0], runner))
		goto out_r;
	if (!sim_outcome_is_failure(orig.outcome)) {
		fprintf(stderr, "hvsim: minimize: the token's run does not fail: nothing to minimize\n");
		goto out_r;
	}
	scn_title(&orig, st.title, sizeof(st.title));
	if (sim_reduce(p, o.token, same_title, &st, &red, err, sizeof(err))) {
		fprintf(stderr, "hvsim: %s\n", err);
		goto out_r;
	}
	best = red.preemptions < orig.preemptions ? &red : &orig;
	/* dfs up to one preemption fewer than the best so far (at most MINIMIZE_BOUND). */
	if (best->preemptions) {
		unsigned int bound = best->preemptions - 1 < MINIMIZE_BOUND ?
				     (unsigned int)best->preemptions - 1 : MINIMIZE_BOUND;

		snprintf(spec, sizeof(spec), "dfs:%u", bound);
		eo = (struct sim_explore_opts){
			.strategy = spec, .seed = 1,
			.budget = o.budget ? o.budget : MINIMIZE_BUDGET,
			.accept = same_title, .accept_arg = &st,
		};
		if (sim_explore(p, &eo, &dfs, err, sizeof(err))) {
			fprintf(stderr, "hvsim: %s\n", err);
			goto out_r;
		}
		if (dfs.failures && dfs.preemptions < best->preemptions)
			best = &dfs;
	}
	print_scn_failure(stdout, argv[0], v, p, best, NULL, 0, NULL);
	printf("minimize: %" PRIu64 " preemption%s, from %" PRIu64 " (%.1f s): ",
	       best->preemptions, best->preemptions == 1 ? "" : "s", orig.preemptions,
	       now_seconds() - t0);
	if (best == &dfs)
		printf("found by %s in round %u after %" PRIu64 " schedules; %s\n", spec,
		       dfs.search_round, dfs.schedules,
		       dfs.search_round ? "no schedule with fewer preemptions fails so (the rounds below it are exhausted)"
					: "none can have fewer");
	else if (!best->preemptions)
		printf("the run's own decisions, %" PRIu64 " replays; none can have fewer\n",
		       red.schedules);
	else
		printf("the run's own decisions left out, %" PRIu64 " replays; %s\n", red.schedules,
		       dfs.exhausted ? "dfs found none with fewer (exhausted)"
				     : "dfs found none with fewer within its budget (not a proof)");
	status = EXIT_FOUND;
out_r:
	sim_result_release(&orig);
	sim_result_release(&red);
	sim_result_release(&dfs);
out:
	scn_runner_free(runner);
	scn_free(s);
	return status;
}

/* verify: dfs over a variant's whole space (every clean variant's by default). */
static int verify_variant(const char *path, const struct scn *s, const struct scn_variant *v,
			  const struct scn_cmd *o)
{
	struct scn_runner *runner;
	struct sim_explore_opts eo;
	struct progress pr;
	struct sim_result r;
	char err[1024];
	int status = EXIT_USAGE;

	if (scn_runner_new(s, path, scn_name(path), v, &runner, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	eo = (struct sim_explore_opts){
		.strategy = o->strategy ? o->strategy : "dfs:2", .seed = 1,
		.budget = o->budget ? o->budget : SCN_MAX_SCHEDULES,
		.max_seconds = o->seconds,
	};
	pr.start = now_seconds();
	pr.next = pr.start + 1;
	if (isatty(2)) {
		eo.progress = scn_progress;
		eo.progress_arg = &pr;
	}
	if (sim_explore(scn_runner_program(runner), &eo, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim: %s\n", err);
		goto out;
	}
	if (eo.progress)
		fprintf(stderr, "\n");
	if (scn_setup_failed(path, runner))
		goto out_r;
	if (r.failures) {
		print_scn_failure(stdout, path, v, scn_runner_program(runner), &r, eo.strategy, eo.seed,
				  NULL);
		status = EXIT_FOUND;
		goto out_r;
	}
	if (r.exhausted)
		printf("%s (%s): verified: %s exhausted the space in %" PRIu64
		       " schedules (%" PRIu64 " cut short as redundant), %.1f s: no failure\n",
		       path, v->name, eo.strategy, r.schedules, r.abandoned,
		       now_seconds() - pr.start);
	else
		printf("%s (%s): NOT verified: %s stopped at %s after %" PRIu64
		       " schedules, %.1f s, in round %u at node %u of %u: no failure so far\n",
		       path, v->name, eo.strategy, r.timed_out ? "--time" : "--budget",
		       r.schedules, now_seconds() - pr.start, r.search_round, r.search_node,
		       r.search_path);
	status = EXIT_CLEAN;
out_r:
	sim_result_release(&r);
out:
	scn_runner_free(runner);
	return status;
}

static int cmd_scn_verify(int argc, char **argv)
{
	struct scn_cmd o = { .seed = 1 };
	struct scn *s;
	char err[1024];
	int status = EXIT_CLEAN, n = 0;

	if (scn_cmd_args("verify", argc, argv, &o))
		return EXIT_USAGE;
	if (o.token || o.trace || o.seed != 1) {
		fprintf(stderr, "hvsim: verify: expected [--variant V] [--strategy dfs:P] [--budget N | --time SEC]\n");
		return EXIT_USAGE;
	}
	if (o.strategy && strncmp(o.strategy, "dfs", 3)) {
		fprintf(stderr, "hvsim: verify: --strategy %s cannot exhaust a space; expected dfs:P\n",
			o.strategy);
		return EXIT_USAGE;
	}
	if (scn_load(argv[0], NULL, &s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (o.variant && !scn_variant_find(s, o.variant)) {
		fprintf(stderr, "hvsim: verify: %s: no such variant: %s\n", argv[0], o.variant);
		scn_free(s);
		return EXIT_USAGE;
	}
	for (unsigned int i = 0; i < s->nvariants; i++) {
		const struct scn_variant *v = &s->variants[i];
		int st;

		if (o.variant ? strcmp(v->name, o.variant) : v->expect != SCN_CLEAN)
			continue;
		st = verify_variant(argv[0], s, v, &o);
		if (st > status)
			status = st;
		n++;
	}
	if (!n) {
		fprintf(stderr, "hvsim: verify: %s: no variant is expected clean; name one with --variant\n",
			argv[0]);
		status = EXIT_USAGE;
	}
	scn_free(s);
	return status;
}

/*
 * A failure `test` found, into @dir: FILE.VARIANT.txt (the report, the race
 * window, the replay line) and FILE.VARIANT.trace, the window appended to
 * it when there is one. 0, or -errno (said).
 */
static int save_failure(const char *dir, const char *path, const struct scn *s,
			const struct scn_variant *v, const struct sim_result *r)
{
	struct scn_runner *runner;
	struct sim_window w;
	char name[512], err[1024];
	FILE *f;
	int ret;

	if (scn_runner_new(s, path, scn_name(path), v, &runner, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), "%s/%.*s.%s.txt", dir,
		 (int)(strlen(scn_name(path)) - (strstr(scn_name(path), ".scn") ? 4 : 0)),
		 scn_name(path), v->name);
	f = fopen(name, "w");
	if (!f) {
		fprintf(stderr, "hvsim: test: %s: %s\n", name, strerror(errno));
		scn_runner_free(runner);
		return -errno;
	}
	print_scn_failure(f, path, v, scn_runner_program(runner), r, v->strategy, 1, &w);
	ret = fclose(f) ? -errno : 0;
	strcpy(name + strlen(name) - 4, ".trace");
	if (!ret)
		ret = write_trace(scn_runner_program(runner), r->token, 0, &w, name);
	scn_runner_free(runner);
	return ret;
}

/* One expectation held against exploration; its table row. */
static int scn_test_variant(const char *path, const struct scn *s, const struct scn_variant *v,
			    uint64_t clean_budget, const char *out_dir)
{
	struct scn_verdict vd;
	char err[1024];

	if (scn_verdict(s, path, scn_name(path), v, clean_budget, &vd, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	printf("%-28s %-14s %-8s %-50s %-50s %10" PRIu64 " %8.2f  %s\n", scn_name(path), v->name,
	       v->strategy, vd.expected, vd.observed, vd.r.schedules, vd.seconds,
	       !vd.held ? "BROKEN" : vd.capped ? "ok up to the cap" : "ok");
	if (!vd.held && vd.r.failures)
		printf("  replay: hvsim replay %s --variant %s --schedule %s\n", path, v->name,
		       vd.r.token);
	if (out_dir && vd.r.failures && save_failure(out_dir, path, s, v, &vd.r)) {
		sim_result_release(&vd.r);
		return EXIT_USAGE;
	}
	sim_result_release(&vd.r);
	return vd.held ? EXIT_CLEAN : EXIT_FOUND;
}

static int scn_test_file(const char *path, uint64_t clean_budget, const char *out_dir)
{
	struct scn *s;
	char err[1024];
	int status = EXIT_CLEAN;

	if (scn_load(path, NULL, &s, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	for (unsigned int i = 0; i < s->nvariants; i++) {
		int st = scn_test_variant(path, s, &s->variants[i], clean_budget, out_dir);

		if (st > status)
			status = st;
	}
	scn_free(s);
	return status;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmd_scn_test(int argc, char **argv)
{
	uint64_t budget = 20000;
	const char *out_dir = NULL;
	int status = EXIT_CLEAN, files = 0;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--budget")) {
			if (i + 1 >= argc || parse_u64("--budget", argv[i + 1], 1, SCN_MAX_SCHEDULES, &budget))
				return EXIT_USAGE;
			argv[i] = argv[i + 1] = NULL;
			i++;
		} else if (!strcmp(argv[i], "--out")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "hvsim: test: missing value after --out\n");
				return EXIT_USAGE;
			}
			out_dir = argv[i + 1];
			if (mkdir(out_dir, 0777) && errno != EEXIST) {
				fprintf(stderr, "hvsim: test: %s: %s\n", out_dir, strerror(errno));
				return EXIT_USAGE;
			}
			argv[i] = argv[i + 1] = NULL;
			i++;
		}
	printf("%-28s %-14s %-8s %-50s %-50s %10s %8s  %s\n", "scenario", "variant", "strategy",
	       "expected", "observed", "schedules", "seconds", "verdict");
	for (int i = 0; i < argc; i++) {
		struct stat st;
		int r;

		if (!argv[i])
			continue;
		if (stat(argv[i], &st)) {
			fprintf(stderr, "hvsim: test: %s: %s\n", argv[i], strerror(errno));
			return EXIT_USAGE;
		}
		if (S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *e;
			char *names[256];
			int n = 0;

			if (!d) {
				fprintf(stderr, "hvsim: test: %s: %s\n", argv[i], strerror(errno));
				return EXIT_USAGE;
			}
			while ((e = readdir(d)) && n < 256) {
				size_t l = strlen(e->d_name);

				if (l > 4 && !strcmp(e->d_name + l - 4, ".scn")) {
					names[n] = malloc(strlen(argv[i]) + l + 2);
					if (!names[n])
						break;
					sprintf(names[n], "%s/%s", argv[i], e->d_name);
					n++;
				}
			}
			closedir(d);
			qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
			for (int k = 0; k < n; k++) {
				r = scn_test_file(names[k], budget, out_dir);
				if (r > status)
					status = r;
				free(names[k]);
				files++;
			}
			continue;
		}
		r = scn_test_file(argv[i], budget, out_dir);
		if (r > status)
			status = r;
		files++;
	}
	if (!files) {
		fprintf(stderr, "hvsim: test: expected scenario files or folders of them\n");
		return EXIT_USAGE;
	}
	return status;
}

int main(int argc, char **argv)
{
	char id[65];

	if (argc < 2) {
		fprintf(stderr, "usage: hvsim COMMAND [ARGS] (hvsim --help lists the commands)\n");
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "--version")) {
		sim_build_id_hex(id, sizeof(id));
		printf("hvsim %s (build %s)\n", HVSIM_VERSION, id[0] ? id : "unknown");
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "example"))
		return cmd_example(argc - 2, argv + 2);
	if (!strcmp(argv[1], "examples"))
		return cmd_examples(argc - 2, argv + 2);
	if (!strcmp(argv[1], "trace-dump"))
		return cmd_trace_dump(argc - 2, argv + 2);
	if (!strcmp(argv[1], "export"))
		return cmd_export(argc - 2, argv + 2);
	if (!strcmp(argv[1], "render"))
		return cmd_render(argc - 2, argv + 2);
	if (!strcmp(argv[1], "view"))
		return cmd_view(argc - 2, argv + 2);
	if (!strcmp(argv[1], "cpus"))
		return cmd_cpus(argc - 2, argv + 2);
	if (!strcmp(argv[1], "vmx-checks"))
		return cmd_vmx_checks(argc - 2, argv + 2);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 2, argv + 2);
	if (!strcmp(argv[1], "run"))
		return cmd_scn_explore("run", argc - 2, argv + 2, true);
	if (!strcmp(argv[1], "explore"))
		return cmd_scn_explore("explore", argc - 2, argv + 2, false);
	if (!strcmp(argv[1], "replay"))
		return cmd_scn_replay(argc - 2, argv + 2);
	if (!strcmp(argv[1], "test"))
		return cmd_scn_test(argc - 2, argv + 2);
	if (!strcmp(argv[1], "minimize"))
		return cmd_scn_minimize(argc - 2, argv + 2);
	if (!strcmp(argv[1], "verify"))
		return cmd_scn_verify(argc - 2, argv + 2);
	fprintf(stderr, "hvsim: unknown command '%s' (see hvsim --help)\n", argv[1]);
	return EXIT_USAGE;
}
