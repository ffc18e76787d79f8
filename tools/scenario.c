// SPDX-License-Identifier: MIT
/*
 * Scenario files (docs/scenarios.md): the header (machine, param, variant,
 * expect), then "program" and a syzkaller program with "# hvsim:"
 * directives, which syzkaller reads as comments.
 *
 * An input path: every malformed file is -EINVAL with "FILE:LINE:COL:
 * expected X, found Y", never an assertion. A file is at most SCN_MAX_FILE
 * bytes of text (no control bytes but tab, CR and LF) ending in a newline.
 */
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvsim/sim.h"
#include "hvsim/tools.h"

struct scn_ctx {
	const char *file;
	struct scn *s;
	const char *line;	/* the current line, without its newline */
	size_t len;
	size_t pos;
	unsigned int lineno;
	char *err;
	size_t errlen;
	int failed;
};

static const char *const title_classes[] = {
	"data-race", "lockdep", "deadlock", "hang", "oops", "warning", "entry-failure",
};

static void describe_found(const struct scn_ctx *c, char *out, size_t len)
{
	size_t i = c->pos, n = 0;
	unsigned char ch;

	if (i >= c->len) {
		snprintf(out, len, "the end of the line");
		return;
	}
	ch = (unsigned char)c->line[i];
	if (ch == ' ' || ch == '\t') {
		snprintf(out, len, "a blank");
		return;
	}
	if (ch < 0x20 || ch >= 0x7f) {
		snprintf(out, len, "byte 0x%02x", ch);
		return;
	}
	while (i + n < c->len && n < 32) {
		ch = (unsigned char)c->line[i + n];
		if (ch <= ' ' || ch >= 0x7f)
			break;
		n++;
	}
	snprintf(out, len, "'%.*s%s'", (int)n, c->line + i,
		 n == 32 && i + n < c->len && c->line[i + n] > ' ' ? "..." : "");
}

/* "FILE:LINE:COL: expected <what>, found <what is at the cursor>". */
__attribute__((format(printf, 2, 3)))
static int fail(struct scn_ctx *c, const char *fmt, ...)
{
	char what[512], found[64];
	va_list ap;

	if (c->failed)
		return c->failed;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	describe_found(c, found, sizeof(found));
	snprintf(c->err, c->errlen, "%s:%u:%zu: expected %s, found %s", c->file, c->lineno,
		 c->pos + 1, what, found);
	c->failed = -EINVAL;
	return c->failed;
}

static void skip_blanks(struct scn_ctx *c)
{
	while (c->pos < c->len && (c->line[c->pos] == ' ' || c->line[c->pos] == '\t'))
		c->pos++;
}

static bool at_end(struct scn_ctx *c)
{
	skip_blanks(c);
	return c->pos >= c->len || c->line[c->pos] == '#';
}

/* A word: the characters up to a blank or the end. */
static size_t word(struct scn_ctx *c, const char **w)
{
	size_t start;

	skip_blanks(c);
	start = c->pos;
	while (c->pos < c->len && c->line[c->pos] != ' ' && c->line[c->pos] != '\t')
		c->pos++;
	*w = c->line + start;
	return c->pos - start;
}

static bool is_word(const char *w, size_t n, const char *s)
{
	return n == strlen(s) && !memcmp(w, s, n);
}

static bool name_ok(const char *w, size_t n, bool dots)
{
	if (!n || n >= SCN_NAME_MAX || !((w[0] >= 'a' && w[0] <= 'z') || (w[0] >= 'A' && w[0] <= 'Z')))
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = w[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '_' || ch == '-' || (dots && ch == '.')))
			return false;
	}
	return true;
}

/* A decimal number from @lo to @hi. */
static int number(struct scn_ctx *c, uint64_t lo, uint64_t hi, const char *what, uint64_t *out)
{
	size_t start;
	uint64_t v = 0;

	skip_blanks(c);
	start = c->pos;
	while (c->pos < c->len && c->line[c->pos] >= '0' && c->line[c->pos] <= '9') {
		v = v * 10 + (uint64_t)(c->line[c->pos] - '0');
		c->pos++;
		if (v > hi)
			break;
	}
	if (c->pos == start || v < lo || v > hi ||
	    (c->pos < c->len && c->line[c->pos] != ' ' && c->line[c->pos] != '\t' &&
	     c->line[c->pos] != '#')) {
		c->pos = start;
		return fail(c, "%s from %llu to %llu", what, (unsigned long long)lo,
			    (unsigned long long)hi);
	}
	*out = v;
	return 0;
}

static int expect_end(struct scn_ctx *c, const char *after)
{
	if (!at_end(c))
		return fail(c, "the end of the line after %s", after);
	return 0;
}

bool scn_flags_valid(const char *flags, size_t len, size_t *bad_at)
{
	size_t i = 0;

	while (i <= len) {
		size_t end = i, n;
		const char *t = flags + i;
		bool ok;

		while (end < len && flags[end] != ',')
			end++;
		n = end - i;
		if (n == 5 && !memcmp(t, "fixed", 5)) {
			ok = true;
		} else if (n > 8 && !memcmp(t, "pre-fix=", 8)) {
			ok = true;
			for (size_t k = 8; k < n; k++)
				ok &= (t[k] >= '0' && t[k] <= '9') || (t[k] >= 'a' && t[k] <= 'z');
		} else if (n > 1 && (t[0] == '+' || t[0] == '-')) {
			ok = t[1] >= 'a' && t[1] <= 'z';
			for (size_t k = 1; k < n; k++)
				ok &= (t[k] >= '0' && t[k] <= '9') || (t[k] >= 'a' && t[k] <= 'z') ||
				      t[k] == '-' || t[k] == '_';
		} else {
			ok = false;
		}
		if (!ok) {
			if (bad_at)
				*bad_at = i;
			return false;
		}
		i = end + 1;
	}
	return true;
}

/* machine DESC: the description grammar of docs/cpu-models.md, models loaded. */
static int parse_machine(struct scn_ctx *c, size_t keyword_at, const char *cpus_dir)
{
	struct scn *s = c->s;
	char why[512];
	size_t start, n;
	unsigned long col;

	if (s->machine_line) {
		c->pos = keyword_at;
		return fail(c, "one 'machine' line (the first is at line %u)", s->machine_line);
	}
	skip_blanks(c);
	start = c->pos;
	n = c->len - start;
	while (n && (c->line[start + n - 1] == ' ' || c->line[start + n - 1] == '\t'))
		n--;
	if (!n)
		return fail(c, "a machine description (\"2 slots: skylake-sp x2\")");
	if (n >= sizeof(s->machine))
		return fail(c, "a machine description of at most %zu characters",
			    sizeof(s->machine) - 1);
	memcpy(s->machine, c->line + start, n);
	s->machine[n] = '\0';
	if (machine_desc_check(s->machine, cpus_dir, true, &s->nslots, why, sizeof(why))) {
		/* "column N: expected ..." from the description's own parser. */
		if (sscanf(why, "column %lu:", &col) == 1 && col >= 1 && col <= n + 1) {
			const char *rest = strchr(why, ':') + 1;

			while (*rest == ' ')
				rest++;
			snprintf(c->err, c->errlen, "%s:%u:%zu: %s", c->file, c->lineno,
				 start + col, rest);
		} else {
			snprintf(c->err, c->errlen, "%s:%u:%zu: expected a machine description, found an error: %s",
				 c->file, c->lineno, start + 1, why);
		}
		c->failed = -EINVAL;
		return c->failed;
	}
	s->machine_line = c->lineno;
	return 0;
}

/* param NAME=VALUE */
static int parse_param(struct scn_ctx *c)
{
	struct scn *s = c->s;
	struct scn_param *p;
	const char *w, *eq;
	size_t n, at;

	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	eq = n ? memchr(w, '=', n) : NULL;
	c->pos = at;
	if (!eq || !name_ok(w, (size_t)(eq - w), true))
		return fail(c, "NAME=VALUE, a module parameter (enable_apicv=0)");
	if ((size_t)(w + n - eq - 1) == 0 || (size_t)(w + n - eq - 1) >= SCN_TEXT_MAX) {
		c->pos = at + (size_t)(eq - w) + 1;
		return fail(c, "a value of 1 to %d characters after '='", SCN_TEXT_MAX - 1);
	}
	for (unsigned int i = 0; i < s->nparams; i++)
		if (strlen(s->params[i].name) == (size_t)(eq - w) &&
		    !memcmp(s->params[i].name, w, (size_t)(eq - w)))
			return fail(c, "one setting of each parameter (%s is set at line %u)",
				    s->params[i].name, s->params[i].line);
	if (s->nparams == SCN_MAX_PARAMS)
		return fail(c, "at most %d parameters", SCN_MAX_PARAMS);
	p = &s->params[s->nparams];
	memcpy(p->name, w, (size_t)(eq - w));
	memcpy(p->value, eq + 1, (size_t)(w + n - eq - 1));
	p->line = c->lineno;
	c->pos = at + n;
	if (expect_end(c, "the parameter"))
		return c->failed;
	s->nparams++;
	return 0;
}

static struct scn_variant *variant_named(struct scn *s, const char *w, size_t n)
{
	for (unsigned int i = 0; i < s->nvariants; i++)
		if (is_word(w, n, s->variants[i].name))
			return &s->variants[i];
	return NULL;
}

/* variant NAME FLAGS */
static int parse_variant(struct scn_ctx *c)
{
	struct scn *s = c->s;
	struct scn_variant *v, *old;
	const char *w, *f;
	size_t n, nf, at, bad;

	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	if (!name_ok(w, n, true)) {
		c->pos = at;
		return fail(c, "a variant name (letters, digits, '-', '_', '.'; at most %d)",
			    SCN_NAME_MAX - 1);
	}
	old = variant_named(s, w, n);
	if (old) {
		c->pos = at;
		return fail(c, "a new variant name ('%s' is declared at line %u)", old->name, old->line);
	}
	if (s->nvariants == SCN_MAX_VARIANTS) {
		c->pos = at;
		return fail(c, "at most %d variants", SCN_MAX_VARIANTS);
	}
	skip_blanks(c);
	at = c->pos;
	nf = word(c, &f);
	if (!nf || nf >= SCN_TEXT_MAX) {
		c->pos = at;
		return fail(c, "the variant's flags (fixed, pre-fix=SEED, +FLAG, -FLAG, comma-separated)");
	}
	if (!scn_flags_valid(f, nf, &bad)) {
		c->pos = at + bad;
		return fail(c, "fixed, pre-fix=SEED, +FLAG or -FLAG (flags comma-separated, no blanks)");
	}
	if (expect_end(c, "the variant's flags"))
		return c->failed;
	v = &s->variants[s->nvariants++];
	memcpy(v->name, w, n);
	memcpy(v->flags, f, nf);
	v->line = c->lineno;
	return 0;
}

/* "N schedules" (or "1 schedule") after "within". */
static int schedules(struct scn_ctx *c, uint64_t *out)
{
	const char *w;
	size_t n, at;

	if (number(c, 1, SCN_MAX_SCHEDULES, "a number of schedules", out))
		return c->failed;
	at = c->pos;
	n = word(c, &w);
	if (!is_word(w, n, "schedules") && !(*out == 1 && is_word(w, n, "schedule"))) {
		c->pos = at;
		skip_blanks(c);
		return fail(c, "'schedules' after the number");
	}
	return 0;
}

/* The errno names a `check ... returns` may use, as -NAME. */
static const struct {
	const char *name;
	long value;
} check_errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR }, { "EIO", EIO },
	{ "E2BIG", E2BIG }, { "EBADF", EBADF }, { "EAGAIN", EAGAIN }, { "ENOMEM", ENOMEM },
	{ "EACCES", EACCES }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY }, { "EEXIST", EEXIST },
	{ "ENODEV", ENODEV }, { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC }, { "ENOTTY", ENOTTY },
	{ "ENOSYS", ENOSYS }, { "EOPNOTSUPP", EOPNOTSUPP }, { "ENXIO", ENXIO },
};

/* A call's return value: a decimal, 0x hex, or -ERRNO. */
static int return_value(struct scn_ctx *c, long *out)
{
	size_t at, n;
	const char *w;
	char buf[32], *end;

	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	if (n > 1 && w[0] == '-' && w[1] == 'E') {
		for (size_t i = 0; i < sizeof(check_errnos) / sizeof(check_errnos[0]); i++)
			if (is_word(w + 1, n - 1, check_errnos[i].name)) {
				*out = -check_errnos[i].value;
				return 0;
			}
	} else if (n && n < sizeof(buf)) {
		memcpy(buf, w, n);
		buf[n] = '\0';
		errno = 0;
		*out = strtol(buf, &end, 0);
		if (!errno && *end == '\0' && (buf[0] == '-' || (buf[0] >= '0' && buf[0] <= '9')))
			return 0;
	}
	c->pos = at;
	return fail(c, "a return value: a number (0, 3, 0x10, -1) or -ERRNO (-EINVAL, -EBUSY, -EEXIST, ...)");
}

/*
 * check NAME call N returns VALUE
 * check NAME logs "TEXT" N times
 */
static int parse_check(struct scn_ctx *c)
{
	struct scn_variant *v;
	struct scn_check *k;
	const char *w;
	size_t n, at;
	uint64_t num;

	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	v = n ? variant_named(c->s, w, n) : NULL;
	if (!v) {
		c->pos = at;
		return fail(c, "the name of a variant declared above");
	}
	if (v->nchecks == SCN_MAX_CHECKS) {
		c->pos = at;
		return fail(c, "at most %d checks per variant", SCN_MAX_CHECKS);
	}
	k = &v->checks[v->nchecks];
	memset(k, 0, sizeof(*k));
	k->line = c->lineno;
	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	if (is_word(w, n, "call")) {
		k->kind = SCN_CHECK_CALL;
		if (number(c, 0, SYZ_MAX_CALLS - 1, "a call's index in the program (from 0)", &num))
			return c->failed;
		k->call = (unsigned int)num;
		skip_blanks(c);
		at = c->pos;
		n = word(c, &w);
		if (!is_word(w, n, "returns")) {
			c->pos = at;
			return fail(c, "'returns VALUE' after the call's index");
		}
		if (return_value(c, &k->value))
			return c->failed;
	} else if (is_word(w, n, "logs")) {
		const char *end;
		size_t tl;

		k->kind = SCN_CHECK_LOGS;
		skip_blanks(c);
		at = c->pos;
		if (c->pos >= c->len || c->line[c->pos] != '"')
			return fail(c, "a log text in quotes");
		end = memchr(c->line + c->pos + 1, '"', c->len - c->pos - 1);
		if (!end) {
			c->pos = c->len;
			return fail(c, "the closing '\"' of the text that starts at column %zu", at + 1);
		}
		tl = (size_t)(end - c->line - c->pos - 1);
		if (!tl || tl >= SCN_TEXT_MAX)
			return fail(c, "a log text of 1 to %d characters", SCN_TEXT_MAX - 1);
		memcpy(k->text, c->line + c->pos + 1, tl);
		c->pos += tl + 2;
		if (number(c, 0, 1000, "how many log lines have it", &num))
			return c->failed;
		k->times = (unsigned int)num;
		skip_blanks(c);
		at = c->pos;
		n = word(c, &w);
		if (!is_word(w, n, "times") && !(num == 1 && is_word(w, n, "time"))) {
			c->pos = at;
			return fail(c, "'times' after the number");
		}
	} else {
		c->pos = at;
		return fail(c, "'call N returns VALUE' or 'logs \"TEXT\" N times'");
	}
	if (expect_end(c, "the check"))
		return c->failed;
	v->nchecks++;
	return 0;
}

/*
 * expect NAME reproduces TITLE within N schedules under S
 * expect NAME clean [within N schedules] under S
 */
static int parse_expect(struct scn_ctx *c)
{
	struct scn_variant *v;
	const char *w;
	size_t n, at;
	char why[256];

	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	v = n ? variant_named(c->s, w, n) : NULL;
	if (!v) {
		c->pos = at;
		return fail(c, "the name of a variant declared above");
	}
	if (v->has_expect) {
		c->pos = at;
		return fail(c, "one expectation per variant ('%s' has one at line %u)", v->name,
			    v->expect_line);
	}
	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	if (is_word(w, n, "reproduces")) {
		v->expect = SCN_REPRODUCES;
		skip_blanks(c);
		at = c->pos;
		if (c->pos < c->len && c->line[c->pos] == '"') {
			const char *end = memchr(c->line + c->pos + 1, '"', c->len - c->pos - 1);
			size_t tl = end ? (size_t)(end - c->line - c->pos - 1) : 0;

			if (!end) {
				c->pos = c->len;
				return fail(c, "the closing '\"' of the title that starts at column %zu",
					    at + 1);
			}
			if (!tl || tl >= SCN_TEXT_MAX) {
				return fail(c, "a title of 1 to %d characters", SCN_TEXT_MAX - 1);
			}
			memcpy(v->title, c->line + c->pos + 1, tl);
			c->pos += tl + 2;
		} else {
			bool known = false;

			n = word(c, &w);
			for (size_t i = 0; i < sizeof(title_classes) / sizeof(title_classes[0]); i++)
				known |= is_word(w, n, title_classes[i]);
			if (!known) {
				c->pos = at;
				return fail(c, "a report title in quotes (\"WARNING in vcpu_enter_guest\") or a class (data-race, lockdep, deadlock, hang, oops, warning, entry-failure)");
			}
			memcpy(v->title, w, n);
			v->title_is_class = true;
		}
		skip_blanks(c);
		at = c->pos;
		n = word(c, &w);
		if (!is_word(w, n, "within")) {
			c->pos = at;
			return fail(c, "'within N schedules' after the title");
		}
		if (schedules(c, &v->within))
			return c->failed;
	} else if (is_word(w, n, "clean")) {
		v->expect = SCN_CLEAN;
		/* An optional cap: "clean within N schedules under S". */
		skip_blanks(c);
		at = c->pos;
		n = word(c, &w);
		if (!is_word(w, n, "within"))
			c->pos = at;
		else if (schedules(c, &v->within))
			return c->failed;
	} else {
		c->pos = at;
		return fail(c, "'reproduces TITLE within N schedules under S' or 'clean under S'");
	}
	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	if (!is_word(w, n, "under")) {
		c->pos = at;
		return fail(c, "'under STRATEGY'");
	}
	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	if (!n || n >= SCN_NAME_MAX) {
		c->pos = at;
		return fail(c, "a strategy (timed[:J], random, pct[:D], dfs[:P])");
	}
	memcpy(v->strategy, w, n);
	v->strategy[n] = '\0';
	if (sim_strategy_check(v->strategy, why, sizeof(why))) {
		c->pos = at;
		v->strategy[0] = '\0';
		return fail(c, "a strategy (timed[:J], random, pct[:D], dfs[:P])");
	}
	if (expect_end(c, "the strategy"))
		return c->failed;
	v->has_expect = true;
	v->expect_line = c->lineno;
	return 0;
}

/* # hvsim: cpu N | hot-add slot K [anytime] | hot-remove slot K [anytime] */
static int parse_directive(struct scn_ctx *c, int *pin, unsigned int *pin_line)
{
	struct scn *s = c->s;
	const char *w;
	size_t n, at;
	uint64_t v;

	skip_blanks(c);
	at = c->pos;
	n = word(c, &w);
	if (is_word(w, n, "cpu")) {
		if (*pin >= 0) {
			c->pos = at;
			return fail(c, "a call after '# hvsim: cpu' at line %u, before another", *pin_line);
		}
		if (number(c, 0, s->nslots - 1, "a CPU of the machine", &v))
			return c->failed;
		*pin = (int)v;
		*pin_line = c->lineno;
		return expect_end(c, "the CPU");
	}
	if (is_word(w, n, "hot-add") || is_word(w, n, "hot-remove")) {
		struct scn_event *e;
		bool add = is_word(w, n, "hot-add");

		if (s->nevents == SCN_MAX_EVENTS) {
			c->pos = at;
			return fail(c, "at most %d machine events", SCN_MAX_EVENTS);
		}
		at = c->pos;
		n = word(c, &w);
		if (!is_word(w, n, "slot")) {
			c->pos = at;
			skip_blanks(c);
			return fail(c, "'slot K' after '%s'", add ? "hot-add" : "hot-remove");
		}
		if (number(c, 0, s->nslots - 1, "a slot of the machine", &v))
			return c->failed;
		e = &s->events[s->nevents];
		e->kind = add ? SCN_HOT_ADD : SCN_HOT_REMOVE;
		e->slot = (unsigned int)v;
		e->before_call = s->prog->ncalls;
		e->line = c->lineno;
		skip_blanks(c);
		at = c->pos;
		n = word(c, &w);
		if (is_word(w, n, "anytime"))
			e->anytime = true;
		else
			c->pos = at;
		if (expect_end(c, e->anytime ? "'anytime'" : "the slot (or 'anytime')"))
			return c->failed;
		s->nevents++;
		return 0;
	}
	c->pos = at;
	return fail(c, "an hvsim directive (cpu N, hot-add slot K [anytime], hot-remove slot K [anytime])");
}

static int program_line(struct scn_ctx *c, int *pin, unsigned int *pin_line)
{
	struct scn *s = c->s;
	char why[512];
	size_t at;

	skip_blanks(c);
	at = c->pos;
	if (c->pos < c->len && c->line[c->pos] == '#') {
		c->pos++;
		skip_blanks(c);
		if (c->len - c->pos >= 6 && !memcmp(c->line + c->pos, "hvsim:", 6)) {
			c->pos += 6;
			return parse_directive(c, pin, pin_line);
		}
		return 0;
	}
	if (at == c->len)
		return 0;
	if (syz_parse_line(s->prog, c->line, c->len, c->lineno, *pin, why, sizeof(why))) {
		snprintf(c->err, c->errlen, "%s:%s", c->file, why);
		c->failed = -EINVAL;
		return c->failed;
	}
	if (*pin >= 0 && s->prog->ncalls && s->prog->calls[s->prog->ncalls - 1].line == c->lineno)
		*pin = -1;
	return 0;
}

static int header_line(struct scn_ctx *c, const char *cpus_dir, bool *in_program)
{
	const char *w;
	size_t n, at;

	if (at_end(c))
		return 0;
	at = c->pos;
	n = word(c, &w);
	if (is_word(w, n, "machine"))
		return parse_machine(c, at, cpus_dir);
	if (is_word(w, n, "param"))
		return parse_param(c);
	if (is_word(w, n, "variant"))
		return parse_variant(c);
	if (is_word(w, n, "expect"))
		return parse_expect(c);
	if (is_word(w, n, "check"))
		return parse_check(c);
	if (is_word(w, n, "program")) {
		if (!c->s->machine_line) {
			c->pos = at;
			return fail(c, "a 'machine' line before 'program'");
		}
		if (expect_end(c, "'program'"))
			return c->failed;
		c->s->program_line = c->lineno;
		*in_program = true;
		return 0;
	}
	c->pos = at;
	return fail(c, "machine, param, variant, expect, check, program or a comment");
}

/* Text only: no control bytes but tab, CR and LF; the last line ends. */
static int check_text(struct scn_ctx *c, const char *text, size_t len)
{
	size_t line_start = 0;

	c->lineno = 1;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\n') {
			c->lineno++;
			line_start = i + 1;
			continue;
		}
		if (i - line_start >= SCN_MAX_LINE) {
			c->line = text + line_start;
			c->len = i - line_start + (len - i < 33 ? len - i : 33);
			c->pos = i - line_start;
			return fail(c, "a line of at most %u bytes", SCN_MAX_LINE);
		}
		if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f) {
			c->line = text + line_start;
			c->len = i - line_start + 1;
			c->pos = i - line_start;
			return fail(c, "text (a scenario, docs/scenarios.md)");
		}
	}
	if (len && text[len - 1] != '\n') {
		c->line = text + line_start;
		c->len = len - line_start;
		c->pos = c->len;
		return fail(c, "a newline at the end of the file (it ends mid-line)");
	}
	return 0;
}

int scn_parse(const char *file, const char *text, size_t len, const char *cpus_dir,
	      struct scn **out, char *err, size_t errlen)
{
	struct scn_ctx c = { .file = file, .err = err, .errlen = errlen };
	struct scn *s;
	bool in_program = false;
	int pin = -1;
	unsigned int pin_line = 0;
	size_t at = 0;

	*out = NULL;
	if (len > SCN_MAX_FILE) {
		snprintf(err, errlen, "%s:1:1: expected a scenario of at most %u bytes, found %zu bytes",
			 file, SCN_MAX_FILE, len);
		return -EFBIG;
	}
	if (check_text(&c, text, len))
		return c.failed;
	s = calloc(1, sizeof(*s));
	if (!s || !(s->prog = syz_prog_new())) {
		free(s);
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	c.s = s;
	c.lineno = 0;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = (size_t)(nl - text);

		c.line = text + at;
		c.len = end - at;
		if (c.len && c.line[c.len - 1] == '\r')
			c.len--;
		c.pos = 0;
		c.lineno++;
		if (in_program ? program_line(&c, &pin, &pin_line) :
				 header_line(&c, cpus_dir, &in_program))
			goto bad;
		at = end + 1;
	}
	/* At the end of the file: what must have been there. */
	c.line = "";
	c.len = 0;
	c.pos = 0;
	c.lineno++;
	if (!s->machine_line && fail(&c, "a 'machine' line"))
		goto bad;
	if (!s->nvariants && fail(&c, "at least one 'variant NAME FLAGS' line"))
		goto bad;
	if (!in_program && fail(&c, "a 'program' line, then the program"))
		goto bad;
	if (!s->prog->ncalls && fail(&c, "at least one call after 'program' (line %u)",
				      s->program_line))
		goto bad;
	if (pin >= 0 && fail(&c, "a call after '# hvsim: cpu' at line %u", pin_line))
		goto bad;
	for (unsigned int i = 0; i < s->nvariants; i++) {
		const struct scn_variant *v = &s->variants[i];

		for (unsigned int k = 0; k < v->nchecks; k++) {
			if (v->checks[k].kind != SCN_CHECK_CALL || v->checks[k].call < s->prog->ncalls)
				continue;
			snprintf(err, errlen, "%s:%u:1: expected a call's index below %u (the program's calls, from 0), found %u",
				 file, v->checks[k].line, s->prog->ncalls, v->checks[k].call);
			c.failed = -EINVAL;
			goto bad;
		}
		if (s->variants[i].has_expect)
			continue;
		c.lineno = s->variants[i].line;
		snprintf(err, errlen, "%s:%u:1: expected an 'expect %s ...' line for variant %s, found none",
			 file, c.lineno, s->variants[i].name, s->variants[i].name);
		c.failed = -EINVAL;
		goto bad;
	}
	*out = s;
	return 0;
bad:
	scn_free(s);
	return c.failed ? c.failed : -EINVAL;
}

int scn_load(const char *path, const char *cpus_dir, struct scn **out, char *err, size_t errlen)
{
	size_t cap = SCN_MAX_FILE + 1, len = 0;
	char *buf;
	int fd, ret;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s:1:1: expected a readable scenario file, found: %s", path,
			 strerror(errno));
		return -errno;
	}
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	/* At most one byte past the cap: /dev/zero is refused, not read forever. */
	while (len < cap) {
		ssize_t n = read(fd, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			snprintf(err, errlen, "%s:1:1: expected a readable scenario file, found: %s",
				 path, strerror(errno));
			free(buf);
			close(fd);
			return ret;
		}
		if (!n)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (len > SCN_MAX_FILE) {
		snprintf(err, errlen, "%s:1:1: expected a scenario of at most %u bytes, found more",
			 path, SCN_MAX_FILE);
		free(buf);
		return -EFBIG;
	}
	ret = scn_parse(path, buf, len, cpus_dir, out, err, errlen);
	free(buf);
	return ret;
}

void scn_free(struct scn *s)
{
	if (!s)
		return;
	syz_prog_free(s->prog);
	free(s);
}

const struct scn_variant *scn_variant_find(const struct scn *s, const char *name)
{
	for (unsigned int i = 0; i < s->nvariants; i++)
		if (!strcmp(s->variants[i].name, name))
			return &s->variants[i];
	return NULL;
}
