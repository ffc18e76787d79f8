// SPDX-License-Identifier: MIT
/*
 * The seed scenarios as figures (hvsim-bench --scenarios), run the way
 * `hvsim test` runs them (tools/scenario_run.h: the scenario's machine,
 * hv/ booted before every run, the syzkaller program in its executor).
 *
 * For each variant expected to reproduce a title: how many schedules and
 * host seconds each strategy takes to reach that title, median and max
 * over exploration seeds 1..N. Only the expected title counts: a run that
 * fails another way is refused (sim_explore_opts.accept) and the search
 * goes on. For each variant expected clean: dfs:2 to exhaustion or a time
 * limit. The targets are printed and each is marked met or MISSED; speed
 * never fails the program (a benchmark prints, it does not judge).
 *
 * A search that reaches its budget is a miss, ranked after every find: a
 * median or max is over all seeds, so it reads ">BUDGET" once more than
 * half the seeds (for the max: any seed) miss, rather than a figure of the
 * lucky seeds alone.
 *
 * dfs draws no random number and takes no jitter (sim/engine/strategy_dfs.c;
 * the run seed reaches only pct's and random's generators and timed's
 * jitter), so its search is the same for every seed and it runs once.
 */
#include "scenarios.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hvsim/sim.h"
#include "scenario.h"
#include "scenario_run.h"
#include "seeds.h"

#ifndef HVSIM_SCENARIOS_DIR
#error "HVSIM_SCENARIOS_DIR must name the source tree's scenarios/"
#endif

#define TARGET_FIND_SECONDS	1.0	/* the best strategy's median, per race */
#define TARGET_PROOF_SECONDS	10.0	/* dfs:2 exhausting a fixed variant */

#define DEFAULT_SEEDS		21
/*
 * About twice the find target at the ~10,000 schedules/s this 2-core
 * machine runs the seed scenarios: a search past it misses the target
 * anyway, and the default run stays under six minutes, four of them the
 * proofs (apicv-create-race's timed, pct:2 and pct:3 searches and
 * vm-create-error-path's timed one spend their whole budget on most seeds).
 */
#define DEFAULT_BUDGET		20000
#define DEFAULT_PROOF_SECONDS	60.0
#define MAX_SEEDS		1000
#define MAX_PROOF_SECONDS	1e6
#define PROOF_CAP		1000000000ULL
#define PROOF_STRATEGY		"dfs:2"

static const char *const strategies[] = { "timed", "random", "pct:2", "pct:3", "dfs:2" };
#define NSTRATEGIES	(sizeof(strategies) / sizeof(strategies[0]))

struct bench_opts {
	unsigned int seeds;	/* exploration seeds 1..seeds per strategy */
	uint64_t budget;	/* schedules per search */
	double proof_seconds;	/* host seconds per proof */
};

/* One scenario file, parsed, with a runner per variant. */
struct bench_file {
	char *path;
	struct scn *s;
	struct scn_runner *runner[SCN_MAX_VARIANTS];
};

/* One search's figure (schedules or seconds). */
struct sample {
	double value;		/* a miss: what the search spent, a lower bound */
	bool miss;		/* the title not found within the budget */
	bool never;		/* ... and the strategy's space exhausted: it cannot find it */
};

/* One strategy's searches for one variant's title, over the seeds. */
struct race_row {
	struct sample *sched, *secs;	/* one per search, sorted: finds first */
	unsigned int n, misses;
	uint64_t refused;		/* failing runs of other titles, all searches */
};

/* A variant's races: a row per strategy, or the same figures as an earlier variant. */
struct race_fig {
	struct race_row rows[NSTRATEGIES];
	int same_as;			/* the earlier variant with the same runs, or -1 */
};


/* The scenario's name: its file name, as `hvsim test` names it. */
static const char *file_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* ---- arguments ------------------------------------------------------ */

static int parse_whole(const char *opt, const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end || v < lo || v > hi) {
		fprintf(stderr, "hvsim-bench: --scenarios: %s: expected a whole number from %" PRIu64
			" to %" PRIu64 ", got '%s'\n", opt, lo, hi, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_seconds(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v > 0) || v > MAX_PROOF_SECONDS) {
		fprintf(stderr, "hvsim-bench: --scenarios: %s: expected seconds above 0, at most "
			"%.0f, got '%s'\n", opt, MAX_PROOF_SECONDS, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* Options out of @argv into @o; the other arguments (paths) are left, NULL where taken. */
static int parse_opts(int argc, char **argv, struct bench_opts *o)
{
	for (int i = 0; i < argc; i++) {
		const char *opt = argv[i];
		uint64_t v;
		int ret;

		if (opt[0] != '-')
			continue;
		if (strcmp(opt, "--seeds") && strcmp(opt, "--budget") && strcmp(opt, "--time")) {
			fprintf(stderr, "hvsim-bench: --scenarios: unknown option '%s'\n", opt);
			return -EINVAL;
		}
		if (i + 1 >= argc) {
			fprintf(stderr, "hvsim-bench: --scenarios: missing value after %s\n", opt);
			return -EINVAL;
		}
		if (!strcmp(opt, "--seeds")) {
			ret = parse_whole(opt, argv[i + 1], 1, MAX_SEEDS, &v);
			o->seeds = (unsigned int)v;
		} else if (!strcmp(opt, "--budget")) {
			ret = parse_whole(opt, argv[i + 1], 1, SCN_MAX_SCHEDULES, &o->budget);
		} else {
			ret = parse_seconds(opt, argv[i + 1], &o->proof_seconds);
		}
		if (ret)
			return ret;
		argv[i] = argv[i + 1] = NULL;
		i++;
	}
	return 0;
}

/* ---- scenario files --------------------------------------------------- */

struct file_list {
	struct bench_file *f;
	size_t n, cap;
};

static int list_add(struct file_list *l, const char *dir, const char *name)
{
	size_t len = (dir ? strlen(dir) + 1 : 0) + strlen(name) + 1;
	struct bench_file *f;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct bench_file *grown = realloc(l->f, cap * sizeof(*grown));

		if (!grown)
			return -ENOMEM;
		l->f = grown;
		l->cap = cap;
	}
	f = &l->f[l->n];
	memset(f, 0, sizeof(*f));
	f->path = malloc(len);
	if (!f->path)
		return -ENOMEM;
	if (dir)
		snprintf(f->path, len, "%s/%s", dir, name);
	else
		snprintf(f->path, len, "%s", name);
	l->n++;
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every .scn in folder @dir, in name order. */
static int list_add_dir(struct file_list *l, const char *dir)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int ret = 0;

	if (!d) {
		fprintf(stderr, "hvsim-bench: %s: %s\n", dir, strerror(errno));
		return -errno;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len <= 4 || strcmp(e->d_name + len - 4, ".scn"))
			continue;
		if (n == cap) {
			char **grown = realloc(names, (cap ? 2 * cap : 16) * sizeof(*grown));

			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			names = grown;
			cap = cap ? 2 * cap : 16;
		}
		names[n] = strdup(e->d_name);
		if (!names[n]) {
			ret = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n && !ret; i++)
		ret = list_add(l, dir, names[i]);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	if (ret == -ENOMEM)
		fprintf(stderr, "hvsim-bench: out of memory\n");
	return ret;
}

static int list_add_path(struct file_list *l, const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		fprintf(stderr, "hvsim-bench: %s: %s\n", path, strerror(errno));
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return list_add_dir(l, path);
	if (list_add(l, NULL, path)) {
		fprintf(stderr, "hvsim-bench: out of memory\n");
		return -ENOMEM;
	}
	return 0;
}

static void list_free(struct file_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		struct bench_file *f = &l->f[i];

		if (f->s)
			for (unsigned int v = 0; v < f->s->nvariants; v++)
				scn_runner_free(f->runner[v]);
		scn_free(f->s);
		free(f->path);
	}
	free(l->f);
}

/*
 * Parse @f as `hvsim check` does and make every variant's runner as
 * `hvsim test` does, before anything runs: 0, or -EINVAL with the
 * parser's or runner's one-line message on stderr.
 */
static int file_load(struct bench_file *f)
{
	char err[1024];

	if (scn_load(f->path, NULL, &f->s, err, sizeof(err))) {
		f->s = NULL;
		fprintf(stderr, "%s\n", err);
		return -EINVAL;
	}
	for (unsigned int v = 0; v < f->s->nvariants; v++)
		if (scn_runner_new(f->s, f->path, file_name(f->path), &f->s->variants[v],
				   &f->runner[v], err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return -EINVAL;
		}
	return 0;
}

/* ---- searches ---------------------------------------------------------- */

/* Whether a strategy's search is the same for every seed (see the top of the file). */
static bool seed_blind(const char *strategy)
{
	return !strncmp(strategy, "dfs", 3);
}

/* opts.accept: only the variant's expected title (or class) counts. */
static bool accept_title(const struct sim_result *run, void *arg)
{
	const struct scn_variant *v = arg;
	char title[SCN_TEXT_MAX];

	scn_title(run, title, sizeof(title));
	return scn_title_matches(v, run, title);
}


/*
 * One exploration of @f's variant @vi under @o, and the host seconds it
 * took. Bad input (the strategy, or a module parameter no module declares:
 * hv/ not linked, so nothing to boot) exits 2.
 */
static struct sim_result explore(const struct bench_file *f, unsigned int vi,
				 const struct sim_explore_opts *o, double *secs)
{
	const struct sim_program *p = scn_runner_program(f->runner[vi]);
	struct sim_result r;
	const char *e;
	char err[256];
	double t0 = bench_seconds();

	if (sim_explore(p, o, &r, err, sizeof(err))) {
		fprintf(stderr, "hvsim-bench: %s: %s\n", f->path, err);
		exit(2);
	}
	*secs = bench_seconds() - t0;
	e = scn_runner_setup_error(f->runner[vi]);
	if (e) {
		fprintf(stderr, "hvsim-bench: %s: %s\n", f->path, e);
		exit(2);
	}
	return r;
}

static int sample_cmp(const void *a, const void *b)
{
	const struct sample *x = a, *y = b;

	if (x->miss != y->miss)
		return x->miss ? 1 : -1;
	return x->value < y->value ? -1 : x->value > y->value;
}

static void race_row_init(struct race_row *row, unsigned int n)
{
	row->sched = calloc(n, sizeof(*row->sched));
	row->secs = calloc(n, sizeof(*row->secs));
	if (!row->sched || !row->secs) {
		fprintf(stderr, "hvsim-bench: out of memory\n");
		exit(2);
	}
	row->n = n;
	row->misses = 0;
	row->refused = 0;
}

static void race_row_free(struct race_row *row)
{
	free(row->sched);
	free(row->secs);
}

/* @strategy's searches for variant @vi's title, seeds 1..n (one search if seed-blind). */
static void race_row_run(const struct bench_file *f, unsigned int vi, const char *strategy,
			 const struct bench_opts *o, struct race_row *row)
{
	const struct scn_variant *v = &f->s->variants[vi];

	race_row_init(row, seed_blind(strategy) ? 1 : o->seeds);
	for (unsigned int i = 0; i < row->n; i++) {
		struct sim_explore_opts eo = {
			.strategy = strategy, .seed = i + 1, .budget = o->budget,
			.accept = accept_title, .accept_arg = (void *)v,
		};
		double secs;
		struct sim_result r = explore(f, vi, &eo, &secs);
		bool miss = !r.failures;

		row->sched[i] = (struct sample){ (double)r.schedules, miss, miss && r.exhausted };
		row->secs[i] = (struct sample){ secs, miss, miss && r.exhausted };
		row->misses += miss;
		row->refused += r.refused;
		sim_result_release(&r);
	}
	qsort(row->sched, row->n, sizeof(*row->sched), sample_cmp);
	qsort(row->secs, row->n, sizeof(*row->secs), sample_cmp);
}

/* The median: the middle search (the upper middle one of an even count). */
static const struct sample *row_median(const struct sample *v, unsigned int n)
{
	return &v[n / 2];
}

static void format_sample(char *buf, size_t len, const struct sample *s, bool secs)
{
	if (s->never)
		snprintf(buf, len, "never");
	else if (secs)
		snprintf(buf, len, "%s%.3f", s->miss ? ">" : "", s->value);
	else
		snprintf(buf, len, "%s%.0f", s->miss ? ">" : "", s->value);
}

#define ROW_FORMAT	"%-24s %-12s %-8s %7s %10s %10s %9s %9s"

static void print_race_row(const char *scn, const char *variant, const char *strategy,
			   const struct race_row *row)
{
	char misses[32], sm[32], sx[32], tm[32], tx[32], note[160];
	size_t k = 0;

	snprintf(misses, sizeof(misses), "%u/%u", row->misses, row->n);
	format_sample(sm, sizeof(sm), row_median(row->sched, row->n), false);
	format_sample(sx, sizeof(sx), &row->sched[row->n - 1], false);
	format_sample(tm, sizeof(tm), row_median(row->secs, row->n), true);
	format_sample(tx, sizeof(tx), &row->secs[row->n - 1], true);
	note[0] = 0;
	if (seed_blind(strategy))
		k += snprintf(note + k, sizeof(note) - k, "(same for every seed: run once)");
	if (row->sched[row->n - 1].never)
		k += snprintf(note + k, sizeof(note) - k, "%sexhausted without the title",
			      k ? "; " : "");
	if (row->refused)
		snprintf(note + k, sizeof(note) - k, "%s%" PRIu64 " run%s of other titles refused",
			 k ? "; " : "", row->refused, row->refused == 1 ? "" : "s");
	printf(ROW_FORMAT, scn, variant, strategy, misses, sm, sx, tm, tx);
	printf("%s%s\n", note[0] ? "  " : "", note);
}

/* The variant before @vi whose runs are @vi's (same hv/ flags, same expectation), or -1. */
static int same_runs_as(const struct scn *s, unsigned int vi)
{
	const struct scn_variant *v = &s->variants[vi];

	for (unsigned int i = 0; i < vi; i++) {
		const struct scn_variant *w = &s->variants[i];

		if (w->expect == v->expect && !strcmp(w->flags, v->flags) &&
		    w->title_is_class == v->title_is_class && !strcmp(w->title, v->title))
			return (int)i;
	}
	return -1;
}

/* The strategy with the lowest median seconds that is a find, or -1. */
static int best_strategy(const struct race_fig *fig)
{
	int best = -1;

	for (unsigned int k = 0; k < NSTRATEGIES; k++) {
		const struct race_row *row = &fig->rows[k];
		const struct sample *m = row_median(row->secs, row->n);

		if (m->miss)
			continue;
		if (best < 0 || m->value < row_median(fig->rows[best].secs, fig->rows[best].n)->value)
			best = (int)k;
	}
	return best;
}

/* ---- proofs ---------------------------------------------------------- */

/* What one proof came to, for the scenario's verdict. */
struct proof_fig {
	bool failed, exhausted;
	double secs;
};

static struct proof_fig run_proof(const struct bench_file *f, unsigned int vi,
				  const struct bench_opts *o)
{
	const char *scn = file_name(f->path), *variant = f->s->variants[vi].name;
	double next = bench_seconds() + 60;
	struct sim_explore_opts eo = {
		.strategy = PROOF_STRATEGY, .seed = 1, .budget = PROOF_CAP,
		.max_seconds = o->proof_seconds,
		.progress = bench_proof_progress, .progress_arg = &next,
	};
	struct proof_fig fig;
	struct sim_result r = explore(f, vi, &eo, &fig.secs);
	double rate = r.schedules / (fig.secs > 0 ? fig.secs : 1e-9);

	fig.failed = r.failures != 0;
	fig.exhausted = r.exhausted;
	printf("%-24s %-12s %-8s ", scn, variant, PROOF_STRATEGY);
	if (fig.failed) {
		char title[SCN_TEXT_MAX];

		scn_title(&r, title, sizeof(title));
		printf("FAILED at schedule %" PRIu64 " in %.2f s: %s\n"
		       "%-24s %-12s %-8s   replay: hvsim replay %s --variant %s --schedule %s\n",
		       r.schedules, fig.secs, title, "", "", "", f->path, variant, r.token);
	} else if (r.exhausted) {
		printf("exhausted clean: %" PRIu64 " schedules in %.2f s (%.0f/s; %" PRIu64
		       " abandoned as redundant, %" PRIu64 " restarts)\n",
		       r.schedules, fig.secs, rate, r.abandoned, r.restarts);
	} else {
		printf("not exhausted after %" PRIu64 " schedules in %.1f s (%s; %.0f/s; round %u,"
		       " backtracked up to node %u of its first path's %u; %" PRIu64
		       " abandoned, %" PRIu64 " restarts)\n",
		       r.schedules, fig.secs, r.timed_out ? "time limit" : "schedule cap", rate,
		       r.search_round, r.search_node, r.search_path, r.abandoned, r.restarts);
	}
	sim_result_release(&r);
	return fig;
}

/* ---- the table ------------------------------------------------------------ */

static void print_header(const struct bench_opts *o, size_t nfiles)
{
	double load[3];
	int nload = getloadavg(load, 3);

	printf("hvsim-bench --scenarios: %zu scenario file%s; races over seeds 1..%u, at most %"
	       PRIu64 " schedules a search; proofs by %s, at most %.0f s each\n",
	       nfiles, nfiles == 1 ? "" : "s", o->seeds, o->budget, PROOF_STRATEGY,
	       o->proof_seconds);
	printf("targets: each seed race found by the best strategy in a median under %.0f s; "
	       "%s proves each fix in under %.0f s\n",
	       TARGET_FIND_SECONDS, PROOF_STRATEGY, TARGET_PROOF_SECONDS);
	printf("host: %ld CPUs online", sysconf(_SC_NPROCESSORS_ONLN));
	if (nload == 3)
		printf(", load average %.2f %.2f %.2f at the start", load[0], load[1], load[2]);
	printf(" (host seconds: another job's load slows them)\n");
	printf("races: only the expected title counts (runs failing otherwise are refused and the "
	       "search goes on); a search that reaches the budget is a miss and ranks after every "
	       "find: the median reads '>BUDGET' once more than half the searches miss, the max "
	       "once any does ('never': dfs exhausted its space without the title)\n\n");
	printf(ROW_FORMAT "  note\n", "scenario", "variant", "strategy", "misses", "sched.med",
	       "sched.max", "secs.med", "secs.max");
}

static void print_verdict_race(const struct scn_variant *v, const struct race_fig *fig,
			       bool *first)
{
	int best = best_strategy(fig);

	printf("%s race %s: ", *first ? "" : ";", v->name);
	*first = false;
	if (best < 0) {
		printf("no strategy finds it in a median within the budget: MISSED");
		return;
	}
	{
		const struct race_row *row = &fig->rows[best];
		double med = row_median(row->secs, row->n)->value;

		printf("best %s, median %.3f s: %s", strategies[best], med,
		       med < TARGET_FIND_SECONDS ? "met" : "MISSED");
	}
}

static void print_verdict_proof(const struct scn_variant *v, const struct proof_fig *p,
				const struct bench_opts *o, bool *first)
{
	printf("%s fix %s: ", *first ? "" : ";", v->name);
	*first = false;
	if (p->failed)
		printf("%s FAILED: MISSED", PROOF_STRATEGY);
	else if (!p->exhausted)
		printf("not proved in %.0f s: MISSED", o->proof_seconds);
	else
		printf("proved in %.2f s: %s", p->secs,
		       p->secs < TARGET_PROOF_SECONDS ? "met" : "MISSED");
}

static void bench_file(const struct bench_file *f, const struct bench_opts *o)
{
	const struct scn *s = f->s;
	const char *scn = file_name(f->path);
	struct race_fig *figs = calloc(s->nvariants, sizeof(*figs));
	struct proof_fig proofs[SCN_MAX_VARIANTS];
	bool first = true;

	if (!figs) {
		fprintf(stderr, "hvsim-bench: out of memory\n");
		exit(2);
	}
	for (unsigned int vi = 0; vi < s->nvariants; vi++) {
		const struct scn_variant *v = &s->variants[vi];
		struct race_fig *fig = &figs[vi];

		if (v->expect == SCN_CLEAN) {
			proofs[vi] = run_proof(f, vi, o);
			fflush(stdout);
			continue;
		}
		fig->same_as = same_runs_as(s, vi);
		if (fig->same_as >= 0) {
			printf("%-24s %-12s %-8s the same hv/ flags and title as %s: its figures\n",
			       scn, v->name, "-", s->variants[fig->same_as].name);
			continue;
		}
		for (unsigned int k = 0; k < NSTRATEGIES; k++) {
			race_row_run(f, vi, strategies[k], o, &fig->rows[k]);
			print_race_row(scn, v->name, strategies[k], &fig->rows[k]);
			fflush(stdout);
		}
	}
	printf("=> %s:", scn);
	for (unsigned int vi = 0; vi < s->nvariants; vi++) {
		const struct scn_variant *v = &s->variants[vi];

		if (v->expect == SCN_CLEAN) {
			print_verdict_proof(v, &proofs[vi], o, &first);
		} else {
			const struct race_fig *fig = &figs[vi];

			print_verdict_race(v, fig->same_as >= 0 ? &figs[fig->same_as] : fig, &first);
		}
	}
	printf("\n\n");
	fflush(stdout);
	for (unsigned int vi = 0; vi < s->nvariants; vi++)
		if (s->variants[vi].expect == SCN_REPRODUCES && figs[vi].same_as < 0)
			for (unsigned int k = 0; k < NSTRATEGIES; k++)
				race_row_free(&figs[vi].rows[k]);
	free(figs);
}

int bench_scenarios(int argc, char **argv)
{
	struct bench_opts o = {
		.seeds = DEFAULT_SEEDS, .budget = DEFAULT_BUDGET,
		.proof_seconds = DEFAULT_PROOF_SECONDS,
	};
	struct file_list l = { 0 };
	bool any_path = false;
	int status = 2;
	double t0;

	if (parse_opts(argc, argv, &o))
		return 2;
	for (int i = 0; i < argc; i++) {
		if (!argv[i])
			continue;
		any_path = true;
		if (list_add_path(&l, argv[i]))
			goto out;
	}
	if (!any_path && list_add_path(&l, HVSIM_SCENARIOS_DIR))
		goto out;
	if (!l.n) {
		fprintf(stderr, "hvsim-bench: --scenarios: no .scn file in %s\n",
			any_path ? "the folders given" : HVSIM_SCENARIOS_DIR);
		goto out;
	}
	for (size_t i = 0; i < l.n; i++)
		if (file_load(&l.f[i]))
			goto out;

	t0 = bench_seconds();
	print_header(&o, l.n);
	for (size_t i = 0; i < l.n; i++)
		bench_file(&l.f[i], &o);
	printf("total: %.0f s\n", bench_seconds() - t0);
	status = 0;
out:
	list_free(&l);
	return status;
}
