// SPDX-License-Identifier: MIT
/*
 * One variant of a scenario as a simulator program: setup() sets the
 * module parameters and hv/'s flags and starts the executor
 * (tools/syz_exec.c) on the plan built here from the parsed program.
 */
#include "scenario_run.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hvsim/user.h"
#include "syz_plan.h"

/* x86-64 system call numbers of the calls the table has. */
#define NR_close	3
#define NR_mmap		9
#define NR_ioctl	16
#define NR_openat	257

_Static_assert(SCN_MAX_EVENTS <= SYZP_MAX_EVENTS, "the executor takes every event a scenario has");

/* The data area ends where the executor's own words begin. */
#define DATA_LIMIT	(SIM_USER_MEM_BYTES - SYZP_RESERVED)

struct scn_runner {
	const struct scn *s;
	const struct scn_variant *v;
	char name[160];
	struct sim_program prog;
	struct syzp_plan plan;
	struct syzp_call *calls;
	struct syzp_event events[SCN_MAX_EVENTS];
	long event_ret[SCN_MAX_EVENTS];		/* the last run's, from its check() */
	long *call_ret;
	char setup_err[640];
};

/* A call's fixes and blobs while it is built. */
struct build {
	const char *file;
	unsigned int line;
	struct syzp_fix *fixes;
	unsigned int nfixes, capfixes;
	struct syzp_blob *blobs;
	unsigned int nblobs, capblobs;
	uint64_t data_end;
	char *err;
	size_t errlen;
};

static void *grow(void *p, unsigned int *cap, size_t elem)
{
	unsigned int n = *cap ? 2 * *cap : 8;
	void *q = realloc(p, n * elem);

	if (!q) {
		fprintf(stderr, "hvsim: out of memory\n");
		exit(2);
	}
	*cap = n;
	return q;
}

static void add_fix(struct build *b, const struct syzp_fix *f)
{
	if (b->nfixes == b->capfixes)
		b->fixes = grow(b->fixes, &b->capfixes, sizeof(*b->fixes));
	b->fixes[b->nfixes++] = *f;
}

static int add_pointee(struct build *b, const struct syz_arg *ptr);

/* The resources and pointers inside a pointee whose data starts at @base. */
static int walk(struct build *b, const struct syz_arg *a, uint64_t base)
{
	switch (a->kind) {
	case SYZ_A_RES:
		add_fix(b, &(struct syzp_fix){
			.arg = -1, .off = base + a->offset, .size = (uint32_t)a->size,
			.res = a->res, .div = a->op_div, .add = a->op_add, .dflt = UINT64_MAX,
		});
		return 0;
	case SYZ_A_PTR:
		add_fix(b, &(struct syzp_fix){
			.arg = -1, .off = base + a->offset, .size = 8, .ptr = true,
			.target = a->area_off,
		});
		return a->pointee ? add_pointee(b, a) : 0;
	case SYZ_A_GROUP:
		for (unsigned int i = 0; i < a->nelems; i++)
			if (walk(b, a->elems[i], base))
				return -EINVAL;
		return 0;
	default:
		return 0;
	}
}

static int add_pointee(struct build *b, const struct syz_arg *ptr)
{
	const struct syz_arg *pe = ptr->pointee;
	uint64_t end = ptr->area_off + pe->size;
	uint8_t *bytes;

	if (end > DATA_LIMIT) {
		snprintf(b->err, b->errlen,
			 "%s:%u:%u: data at offset %#llx (%llu bytes) goes past the %u bytes of the simulated process's data area",
			 b->file, ptr->line, ptr->col, (unsigned long long)ptr->area_off,
			 (unsigned long long)pe->size, DATA_LIMIT);
		return -EINVAL;
	}
	if (end > b->data_end)
		b->data_end = end;
	bytes = calloc(1, pe->size ? pe->size : 1);
	if (!bytes) {
		fprintf(stderr, "hvsim: out of memory\n");
		exit(2);
	}
	syz_render(pe, bytes, pe->size);
	if (b->nblobs == b->capblobs)
		b->blobs = grow(b->blobs, &b->capblobs, sizeof(*b->blobs));
	b->blobs[b->nblobs++] = (struct syzp_blob){
		.off = ptr->area_off, .len = (uint32_t)pe->size, .bytes = bytes,
	};
	return walk(b, pe, ptr->area_off);
}

static int build_call(struct build *b, const struct syz_call *sc, struct syzp_call *c)
{
	switch (sc->desc->nr) {
	case NR_openat: c->op = SYZP_OPENAT; break;
	case NR_ioctl: c->op = SYZP_IOCTL; break;
	case NR_close: c->op = SYZP_CLOSE; break;
	case NR_mmap: c->op = SYZP_MMAP; break;
	default:
		snprintf(b->err, b->errlen, "%s:%u: %s: the executor has no system call %u",
			 b->file, sc->line, sc->desc->name, sc->desc->nr);
		return -EINVAL;
	}
	c->name = sc->desc->name;
	c->nargs = sc->desc->nargs;
	c->ret = sc->ret;
	c->async = sc->async;
	c->fail_nth = sc->fail_nth;
	c->rerun = sc->rerun;
	c->cpu = sc->cpu;
	for (unsigned int i = 0; i < c->nargs && i < SYZP_MAX_ARGS; i++) {
		const struct syz_arg *a = sc->args[i];

		switch (a->kind) {
		case SYZ_A_INT:
			c->args[i] = a->val;
			break;
		case SYZ_A_RES:
			add_fix(b, &(struct syzp_fix){
				.arg = (int)i, .res = a->res, .div = a->op_div, .add = a->op_add,
				.dflt = UINT64_MAX,
			});
			break;
		case SYZ_A_PTR:
			c->ptr_args |= 1u << i;
			c->args[i] = a->area_off;
			if (a->pointee && add_pointee(b, a))
				return -EINVAL;
			break;
		case SYZ_A_NIL:
			c->args[i] = 0;
			break;
		default:
			snprintf(b->err, b->errlen, "%s:%u: %s: argument %u is not a value the executor passes",
				 b->file, sc->line, sc->desc->name, i);
			return -EINVAL;
		}
	}
	c->fixes = b->fixes;
	c->nfixes = b->nfixes;
	c->blobs = b->blobs;
	c->nblobs = b->nblobs;
	return 0;
}

static void runner_setup(struct machine *m, void *arg)
{
	struct scn_runner *r = arg;
	const struct scn *s = r->s;
	int ret;

	r->setup_err[0] = 0;
	ret = sim_set_module_param(m, "kvm.variant", r->v->flags);
	if (ret) {
		snprintf(r->setup_err, sizeof(r->setup_err), "variant %s: kvm.variant=%s refused",
			 r->v->name, r->v->flags);
		return;
	}
	for (unsigned int i = 0; i < s->nparams; i++) {
		const struct scn_param *p = &s->params[i];
		static const char *const prefixes[] = { "", "kvm_intel.", "kvm." };
		char name[SCN_NAME_MAX + 16];

		ret = -ENOENT;
		/* As the command line spells it, or the module's own name for it. */
		for (size_t k = 0; k < 3 && ret == -ENOENT; k++) {
			if (k && strchr(p->name, '.'))
				break;
			snprintf(name, sizeof(name), "%s%s", prefixes[k], p->name);
			ret = sim_set_module_param(m, name, p->value);
		}
		if (ret) {
			snprintf(r->setup_err, sizeof(r->setup_err), "line %u: param %s=%s: %s",
				 p->line, p->name, p->value,
				 ret == -ENOENT ? "no module has this parameter" : "value refused");
			return;
		}
	}
	if (sim_spawn_user(m, 0, 0, "syz-executor", syzx_main, &r->plan))
		snprintf(r->setup_err, sizeof(r->setup_err), "the executor could not be spawned");
	/* Hot-plug is the kernel's (a CPU's sysfs "online" file): a kernel task drives it. */
	else if (s->nevents && sim_spawn(m, 0, "hotplug", syzx_hotplug, &r->plan))
		snprintf(r->setup_err, sizeof(r->setup_err), "the hot-plug driver could not be spawned");
}

/*
 * Lockdep and the memory checks always; KCSAN's data-race detection (a
 * slow-path step per access) when a variant of the scenario expects a data
 * race, so every variant of it runs with the same checks.
 */
static unsigned int scn_detect(const struct scn *s)
{
	unsigned int detect = SIM_DETECT_LOCKDEP | SIM_DETECT_MEM;

	for (unsigned int i = 0; i < s->nvariants; i++)
		if (s->variants[i].expect == SCN_REPRODUCES && strstr(s->variants[i].title, "data-race"))
			detect |= SIM_DETECT_RACE;
	return detect;
}

/* Lines of @log that contain @text. */
static unsigned int log_lines_with(const char *log, const char *text)
{
	unsigned int n = 0;

	while (*log) {
		const char *nl = strchr(log, '\n');
		size_t len = nl ? (size_t)(nl - log) : strlen(log);
		const char *hit = strstr(log, text);

		n += hit && hit < log + len;
		log += len + (nl != NULL);
	}
	return n;
}

/*
 * The end of every run: what its calls and events returned, kept for the
 * caller; then the variant's checks, the first that does not hold failing
 * the run with what it saw.
 */
static int runner_check(struct machine *m, void *arg, char *msg, size_t len)
{
	struct scn_runner *r = arg;

	for (unsigned int e = 0; e < r->plan.nevents; e++)
		r->event_ret[e] = syzx_event_result(e);
	for (unsigned int i = 0; i < r->plan.ncalls; i++)
		r->call_ret[i] = syzx_result(i);
	for (unsigned int i = 0; i < r->v->nchecks; i++) {
		const struct scn_check *k = &r->v->checks[i];

		if (k->kind == SCN_CHECK_CALL && r->call_ret[k->call] != k->value) {
			snprintf(msg, len, "check failed: call %u (%s) returned %ld, expected %ld",
				 k->call, r->s->prog->calls[k->call].desc->name, r->call_ret[k->call],
				 k->value);
			return 1;
		}
		if (k->kind == SCN_CHECK_LOGS) {
			unsigned int n = log_lines_with(sim_kernel_log(m), k->text);

			if (n != k->times) {
				snprintf(msg, len, "check failed: %u log line%s with \"%s\", expected %u",
					 n, n == 1 ? "" : "s", k->text, k->times);
				return 1;
			}
		}
	}
	return 0;
}

long scn_runner_call_result(const struct scn_runner *r, unsigned int i)
{
	return i < r->plan.ncalls ? r->call_ret[i] : 1;
}

long scn_runner_event_result(const struct scn_runner *r, unsigned int e)
{
	return e < r->plan.nevents ? r->event_ret[e] : 1;
}

int scn_runner_new(const struct scn *s, const char *file, const char *name,
		   const struct scn_variant *v, struct scn_runner **out, char *err, size_t errlen)
{
	struct scn_runner *r;
	const struct syz_prog *prog = s->prog;

	if (prog->ncalls > SYZP_MAX_CALLS) {
		snprintf(err, errlen, "%s: %u calls; the executor runs at most %u", file,
			 prog->ncalls, SYZP_MAX_CALLS);
		return -EINVAL;
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->calls = calloc(prog->ncalls ? prog->ncalls : 1, sizeof(*r->calls))) ||
	    !(r->call_ret = calloc(prog->ncalls ? prog->ncalls : 1, sizeof(*r->call_ret)))) {
		if (r)
			free(r->calls);
		free(r);
		return -ENOMEM;
	}
	r->s = s;
	r->v = v;
	for (unsigned int i = 0; i < prog->ncalls; i++) {
		struct build b = { .file = file, .err = err, .errlen = errlen };

		if (build_call(&b, &prog->calls[i], &r->calls[i])) {
			r->plan.calls = r->calls;
			r->plan.ncalls = i;
			free(b.fixes);
			for (unsigned int k = 0; k < b.nblobs; k++)
				free((void *)b.blobs[k].bytes);
			free(b.blobs);
			scn_runner_free(r);
			return -EINVAL;
		}
		if (b.data_end > r->plan.data_end)
			r->plan.data_end = b.data_end;
	}
	r->plan.calls = r->calls;
	r->plan.ncalls = prog->ncalls;
	r->plan.nres = SYZ_MAX_RES;
	for (unsigned int i = 0; i < s->nevents; i++)
		r->events[i] = (struct syzp_event){
			.kind = s->events[i].kind == SCN_HOT_ADD ? SYZP_HOT_ADD : SYZP_HOT_REMOVE,
			.slot = s->events[i].slot, .before_call = s->events[i].before_call,
			.anytime = s->events[i].anytime,
		};
	r->plan.events = r->events;
	r->plan.nevents = s->nevents;
	snprintf(r->name, sizeof(r->name), "%s/%s", name, v->name);
	r->prog = (struct sim_program){
		.name = r->name, .ncpus = s->nslots, .setup = runner_setup,
		.check = runner_check, .arg = r,
		.detect = scn_detect(s), .flags = SIM_PROG_BOOT, .machine = s->machine,
	};
	*out = r;
	return 0;
}

void scn_runner_free(struct scn_runner *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; i < r->plan.ncalls; i++) {
		struct syzp_call *c = &r->calls[i];

		for (unsigned int k = 0; k < c->nblobs; k++)
			free((void *)c->blobs[k].bytes);
		free((void *)c->blobs);
		free((void *)c->fixes);
	}
	free(r->calls);
	free(r->call_ret);
	free(r);
}

const struct sim_program *scn_runner_program(const struct scn_runner *r)
{
	return &r->prog;
}

const char *scn_runner_setup_error(const struct scn_runner *r)
{
	return r->setup_err[0] ? r->setup_err : NULL;
}

/* ---- the executor's view of the plan (host code: it reads host memory) ---- */

unsigned int syzp_ncalls(const struct syzp_plan *plan)
{
	return plan->ncalls;
}

unsigned int syzp_nevents(const struct syzp_plan *plan)
{
	return plan->nevents;
}

void syzp_event_get(const struct syzp_plan *plan, unsigned int e, struct syzp_event *out)
{
	*out = plan->events[e];
}

static uint64_t fix_value(const struct syzp_fix *f, const uint64_t *res_val, const bool *res_set)
{
	uint64_t v;

	if (f->res >= SYZP_MAX_CALLS || !res_set[f->res])
		return f->dflt;
	v = res_val[f->res];
	if (f->div)
		v /= f->div;
	return v + f->add;
}

void syzp_prepare(const struct syzp_plan *plan, unsigned int i, struct syzp_call *copy,
		  uint64_t *args, uint8_t *data, const uint64_t *res_val, const bool *res_set)
{
	const struct syzp_call *c = &plan->calls[i];

	*copy = *c;
	for (unsigned int b = 0; b < c->nblobs; b++)
		memcpy(data + c->blobs[b].off, c->blobs[b].bytes, c->blobs[b].len);
	for (unsigned int k = 0; k < c->nargs; k++)
		args[k] = c->ptr_args & (1u << k) ? (uint64_t)(uintptr_t)(data + c->args[k])
						  : c->args[k];
	for (unsigned int f = 0; f < c->nfixes; f++) {
		const struct syzp_fix *fx = &c->fixes[f];
		uint64_t v = fx->ptr ? (uint64_t)(uintptr_t)(data + fx->target)
				     : fix_value(fx, res_val, res_set);

		if (fx->arg >= 0)
			args[fx->arg] = v;
		else
			for (uint32_t k = 0; k < fx->size && k < 8; k++)
				data[fx->off + k] = (uint8_t)(v >> (8 * k));
	}
}

/* ---- titles ---- */

/*
 * The function a "RIP: [0010:]func+0x..." line of @text names, into @buf.
 * Lines of inlined functions ("RIP: name file:line [inline]", the
 * symbolizer's expansion) are passed over: titles name the function the
 * kernel prints, as syzkaller's come from the unsymbolized report.
 */
static bool rip_function(const char *text, char *buf, size_t len)
{
	const char *p = text;
	size_t n = 0, line;

	for (;;) {
		p = p ? strstr(p, "RIP: ") : NULL;
		if (!p)
			return false;
		p += strlen("RIP: ");
		line = strcspn(p, "\n");
		if (line < 9 || strncmp(p + line - 9, " [inline]", 9))
			break;
		p += line;
	}
	if (!strncmp(p, "0010:", 5))
		p += 5;
	while (p[n] && p[n] != '+' && p[n] != ' ' && p[n] != '\n')
		n++;
	if (!n || n >= len)
		return false;
	memcpy(buf, p, n);
	buf[n] = 0;
	return true;
}

void scn_title(const struct sim_result *r, char *buf, size_t len)
{
	const char *msg = r->message;
	const char *at;
	char fn[128];

	/* WARNING: CPU: 1 PID: 9 at hv/x86.c:458 vcpu_enter_guest+0x3e2/0x42a */
	if (!strncmp(msg, "WARNING: CPU:", 13) && (at = strstr(msg, " at ")) &&
	    (at = strchr(at + 4, ' '))) {
		size_t n = strcspn(at + 1, "+ ");

		snprintf(buf, len, "WARNING in %.*s", (int)n, at + 1);
		return;
	}
	if (!strncmp(msg, "BUG: KCSAN: ", 12)) {
		snprintf(buf, len, "%s", msg + 5);
		return;
	}
	if (!strncmp(msg, "WARNING: possible circular locking", 34) ||
	    !strncmp(msg, "WARNING: possible recursive locking", 35)) {
		if (rip_function(r->reports, fn, sizeof(fn)))
			snprintf(buf, len, "possible deadlock in %s", fn);
		else
			snprintf(buf, len, "possible deadlock");
		return;
	}
	at = strstr(msg, ": 0000 [#");
	if (at) {
		/* general protection fault: 0000 [#1] PREEMPT SMP, invalid opcode: ... */
		if (rip_function(r->reports, fn, sizeof(fn)))
			snprintf(buf, len, "%.*s in %s", (int)(at - msg), msg, fn);
		else
			snprintf(buf, len, "%.*s", (int)(at - msg), msg);
		return;
	}
	snprintf(buf, len, "%s", msg[0] ? msg : sim_outcome_name(r->outcome));
}

static bool class_matches(const char *cls, const struct sim_result *r, const char *title)
{
	if (!strcmp(cls, "data-race"))
		return strstr(title, "data-race") != NULL;
	if (!strcmp(cls, "lockdep"))
		return strstr(r->message, "locking") || strstr(r->message, "lock held") ||
		       strstr(r->message, "lock state");
	if (!strcmp(cls, "deadlock"))
		return r->outcome == SIM_DEADLOCK || strstr(title, "deadlock");
	if (!strcmp(cls, "hang"))
		return r->outcome == SIM_LIVELOCK || strstr(title, "hang") ||
		       strstr(title, "hung");
	if (!strcmp(cls, "oops"))
		return strstr(title, "general protection fault") || strstr(title, "invalid opcode") ||
		       strstr(title, "unable to handle") || !strncmp(title, "BUG:", 4);
	if (!strcmp(cls, "warning"))
		return !strncmp(title, "WARNING", 7);
	if (!strcmp(cls, "entry-failure"))
		return strstr(r->message, "VM entry") || strstr(r->message, "VM-entry");
	return false;
}

bool scn_title_matches(const struct scn_variant *v, const struct sim_result *r, const char *title)
{
	if (v->title_is_class)
		return class_matches(v->title, r, title);
	return !strcmp(v->title, title);
}

static double verdict_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int scn_verdict(const struct scn *s, const char *file, const char *name,
		const struct scn_variant *v, uint64_t clean_budget, struct scn_verdict *out,
		char *err, size_t errlen)
{
	struct sim_explore_opts eo = {
		.strategy = v->strategy, .seed = 1,
		.budget = v->within ? v->within : clean_budget,
	};
	struct scn_runner *runner;
	double t0 = verdict_seconds();
	int ret;

	memset(out, 0, sizeof(*out));
	ret = scn_runner_new(s, file, name, v, &runner, err, errlen);
	if (ret)
		return ret;
	ret = sim_explore(scn_runner_program(runner), &eo, &out->r, err, errlen);
	if (!ret && scn_runner_setup_error(runner)) {
		snprintf(err, errlen, "%s: %s", file, scn_runner_setup_error(runner));
		sim_result_release(&out->r);
		ret = -EINVAL;
	}
	scn_runner_free(runner);
	if (ret)
		return ret;
	out->seconds = verdict_seconds() - t0;
	if (out->r.failures)
		scn_title(&out->r, out->title, sizeof(out->title));
	if (v->expect == SCN_REPRODUCES) {
		snprintf(out->expected, sizeof(out->expected), "reproduces %s%s%s",
			 v->title_is_class ? "" : "\"", v->title, v->title_is_class ? "" : "\"");
		out->held = out->r.failures && scn_title_matches(v, &out->r, out->title);
	} else {
		snprintf(out->expected, sizeof(out->expected), "clean");
		out->held = !out->r.failures;
		/* A clean search that stopped at the cap held only as far as it went. */
		out->capped = out->held && !out->r.exhausted && !strncmp(v->strategy, "dfs", 3);
	}
	if (out->r.failures)
		snprintf(out->observed, sizeof(out->observed), "\"%s\"", out->title);
	else
		snprintf(out->observed, sizeof(out->observed), "clean%s",
			 out->r.exhausted ? " (exhausted)"
			 : v->expect == SCN_CLEAN ? " (not exhausted)" : "");
	return 0;
}
