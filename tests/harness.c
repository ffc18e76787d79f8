// SPDX-License-Identifier: MIT
#include "harness.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvsim/trace.h"
#include "hvsim/user.h"

/* ---- reports and symbols ---- */

void harness_collect(void *arg, const char *title, const char *text)
{
	struct harness_reports *r = arg;

	cr_assert_not_null(title);
	cr_assert_not_null(text);
	if (r->n < HARNESS_MAX_REPORTS) {
		r->title[r->n] = strdup(title);
		r->text[r->n] = strdup(text);
		cr_assert(r->title[r->n] && r->text[r->n], "out of memory");
	}
	r->n++;
}

void harness_reports_clear(struct harness_reports *r)
{
	for (unsigned int i = 0; i < r->n && i < HARNESS_MAX_REPORTS; i++) {
		free(r->title[i]);
		free(r->text[i]);
		r->title[i] = NULL;
		r->text[i] = NULL;
	}
	r->n = 0;
}

void harness_symbolize(void *arg, uintptr_t pc, char *buf, size_t len)
{
	const struct harness_reports *r = arg;

	for (const struct harness_symbol *s = r ? r->symbols : NULL; s && s->text; s++) {
		if (s->pc == pc) {
			snprintf(buf, len, "%s", s->text);
			return;
		}
	}
	snprintf(buf, len, "fn_%lx+0x%lx/0x100", (unsigned long)(pc >> 8),
		 (unsigned long)(pc & 0xff));
}

/* ---- cases ---- */

static void harness_case_setup(struct machine *m, void *arg)
{
	struct harness_case *c = arg;

	for (unsigned int cpu = 0; cpu < c->ncpus; cpu++)
		if (c->offline & (1u << cpu))
			cr_assert_eq(sim_set_cpu_offline(m, cpu), 0, "CPU%u cannot start offline", cpu);
	for (unsigned int i = 0; i < 4 && c->params[i][0]; i++)
		cr_assert_eq(sim_set_module_param(m, c->params[i][0], c->params[i][1]), 0,
			     "module parameter %s=%s refused", c->params[i][0], c->params[i][1]);
	for (unsigned int i = 0; i < HARNESS_MAX_TASKS && c->tasks[i].fn; i++) {
		const struct harness_task *t = &c->tasks[i];
		const char *name = t->name ? t->name : "task";
		int ret;

		if (t->user)
			ret = sim_spawn_user(m, t->cpu, 0, name, t->fn, t->arg);
		else if (t->migratable)
			ret = sim_spawn_migratable(m, t->cpu, name, t->fn, t->arg);
		else
			ret = sim_spawn(m, t->cpu, name, t->fn, t->arg);
		cr_assert_eq(ret, 0, "task %u (%s) on CPU%u not spawned: %s", i, name, t->cpu,
			     strerror(-ret));
	}
	if (c->setup)
		c->setup(m, c);
}

static int harness_case_check(struct machine *m, void *arg, char *msg, size_t len)
{
	struct harness_case *c = arg;

	(void)m;
	c->runs++;
	return c->check ? c->check(c, msg, len) : 0;
}

struct sim_program harness_program(struct harness_case *c)
{
	return (struct sim_program){
		.name = c->name ? c->name : "case",
		.ncpus = c->ncpus,
		.setup = harness_case_setup,
		.check = harness_case_check,
		.arg = c,
		.detect = c->detect,
		.flags = c->flags,
		.machine = c->machine,
	};
}

struct sim_result harness_explore(const struct sim_program *p, const struct sim_explore_opts *o)
{
	struct sim_result r;
	char err[256] = "";

	cr_assert_eq(sim_explore(p, o, &r, err, sizeof(err)), 0, "%s: %s", p->name, err);
	return r;
}

struct sim_result harness_explore_case(struct harness_case *c, const struct sim_explore_opts *o)
{
	struct sim_program p = harness_program(c);

	return harness_explore(&p, o);
}

void harness_expect_replays(const struct sim_program *p, const struct sim_result *r)
{
	struct sim_result t;
	char err[256];

	cr_assert_not_null(r->token);
	cr_assert_eq(sim_replay(p, r->token, false, 0, &t, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(t.outcome, r->outcome);
	cr_expect_str_eq(t.message, r->message);
	cr_expect(t.reports && r->reports && !strcmp(t.reports, r->reports), "the report differs");
	sim_result_release(&t);
}

unsigned int harness_logged(const struct sim_result *r, const char *text)
{
	struct trace_reader *tr;
	struct trace_event e;
	char err[256];
	unsigned int n = 0;

	cr_assert_not_null(r->trace, "the run was not traced");
	cr_assert_eq(trace_reader_open_mem(&tr, r->trace, r->trace_len, "run", err, sizeof(err)), 0,
		     "%s", err);
	while (trace_next(tr, &e, err, sizeof(err)) == 1) {
		const char *s = e.type == TR_LOG ? trace_reader_string(tr, e.str) : NULL;

		n += s && strstr(s, text);
	}
	trace_reader_close(tr);
	return n;
}

/* ---- traces ---- */

void harness_trace_open(struct harness_trace *t, const uint8_t *data, size_t len)
{
	struct trace_event e;
	size_t cap = 0;
	char err[256];
	int ret;

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(data, "the run was not traced");
	cr_assert_eq(trace_reader_open_mem(&t->tr, data, len, "run", err, sizeof(err)), 0, "%s", err);
	while ((ret = trace_next(t->tr, &e, err, sizeof(err))) == 1) {
		if (t->n == cap) {
			cap = cap ? 2 * cap : 1024;
			t->ev = realloc(t->ev, cap * sizeof(*t->ev));
			cr_assert_not_null(t->ev, "out of memory");
		}
		t->ev[t->n++] = e;
	}
	cr_assert_eq(ret, 0, "%s", err);
}

void harness_trace_close(struct harness_trace *t)
{
	trace_reader_close(t->tr);
	free(t->ev);
	memset(t, 0, sizeof(*t));
}

const char *harness_trace_str(const struct harness_trace *t, uint32_t id)
{
	return id ? trace_reader_string(t->tr, id) : "";
}

/* ---- files ---- */

void harness_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[512];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}
