// SPDX-License-Identifier: MIT
#include "engine/token.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/codec.h"

#define TOKEN_STR(x)		#x
#define TOKEN_XSTR(x)		TOKEN_STR(x)
#define TOKEN_NAME		"hv" TOKEN_XSTR(TOKEN_VERSION)
#define TOKEN_PREFIX		TOKEN_NAME "."
#define TOKEN_STRATEGY_MAX	(sizeof(((struct sim_token *)0)->strategy) - 1)

/* Smallest encoding of one decision: three one-byte varints. */
#define TOKEN_DECISION_MIN	3
/* Largest: a 64-bit step delta and two 32-bit fields. */
#define TOKEN_DECISION_MAX	(VARINT_MAX_LEN + 5 + 5)

static bool token_strategy_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ':';
}

static bool token_strategy_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > TOKEN_STRATEGY_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!token_strategy_char(s[i]))
			return false;
	return true;
}

/* Does one of the first @n decisions of @log name (@step, @slot) already? */
static bool slot_repeated(const struct sim_decision_rec *log, size_t n, uint64_t step,
			  uint32_t slot)
{
	for (size_t i = n; i-- > 0 && log[i].step == step;)
		if (log[i].ordinal == slot)
			return true;
	return false;
}

char *token_encode(const char *strategy, uint64_t seed, const struct token_budget *budget,
		   const uint8_t fingerprint[TOKEN_FINGERPRINT_LEN],
		   const struct sim_decision_rec *log, uint32_t len)
{
	size_t slen = 0;
	/* Fingerprint, two budgets, the count, the decisions. */
	size_t body_max = TOKEN_FINGERPRINT_LEN + 3 * VARINT_MAX_LEN +
			  (size_t)len * TOKEN_DECISION_MAX;
	uint64_t prev = 0;
	uint8_t *body;
	char *text;
	int head;
	size_t n;
	uint32_t i;

	/* Bounded, and plain C11 (no strnlen): one past the limit is enough. */
	while (slen <= TOKEN_STRATEGY_MAX && strategy[slen])
		slen++;
	/* The spec comes from strategy_create(), never straight from a user. */
	SIM_BUG_ON(!token_strategy_valid(strategy, slen));

	body = malloc(body_max);
	if (!body)
		return NULL;
	memcpy(body, fingerprint, TOKEN_FINGERPRINT_LEN);
	n = TOKEN_FINGERPRINT_LEN;
	n += varint_put(body + n, budget->max_steps);
	n += varint_put(body + n, budget->max_cycles);
	n += varint_put(body + n, len);
	for (i = 0; i < len; i++) {
		const struct sim_decision_rec *d = &log[i];

		/* token_decode() would refuse the result: the log is corrupt. */
		SIM_BUG_ON(d->value == 0);
		SIM_BUG_ON(i && d->step < prev);
		SIM_BUG_ON(slot_repeated(log, i, d->step, d->ordinal));
		n += varint_put(body + n, d->step - prev);
		n += varint_put(body + n, d->ordinal);
		n += varint_put(body + n, d->value);
		prev = d->step;
	}

	/* "hv2." strategy '.' seed (at most 20 digits) '.' body NUL */
	text = malloc(strlen(TOKEN_PREFIX) + slen + 1 + 20 + 1 + 4 * ((n + 2) / 3) + 1);
	if (!text) {
		free(body);
		return NULL;
	}
	head = sprintf(text, TOKEN_PREFIX "%s.%llu.", strategy, (unsigned long long)seed);
	base64url_encode(body, n, text + head);
	free(body);
	return text;
}

__attribute__((format(printf, 3, 4)))
static int token_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err && errlen) {
		n = snprintf(err, errlen, "schedule token: ");
		if (n >= 0 && (size_t)n < errlen) {
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* A host error, not the token's fault: -ENOMEM rather than -EINVAL. */
static int token_nomem(char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "schedule token: out of memory");
	return -ENOMEM;
}

/* Parse [s, e) as a decimal uint64: no sign, no spaces, no overflow. */
static int token_parse_seed(const char *s, const char *e, uint64_t *out,
			    char *err, size_t errlen)
{
	uint64_t v = 0;

	if (s == e)
		return token_fail(err, errlen, "seed is not a decimal number");
	for (; s < e; s++) {
		unsigned int d;

		if (*s < '0' || *s > '9')
			return token_fail(err, errlen, "seed is not a decimal number");
		d = (unsigned int)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return token_fail(err, errlen, "seed does not fit in 64 bits");
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/*
 * A failed varint_get() over @avail bytes: fewer than ten bytes can only
 * have run out, ten or more without an end are garbage.
 */
static bool token_varint_cut(size_t avail)
{
	return avail < VARINT_MAX_LEN;
}

/*
 * Decode the decisions that follow the count in @body[@pos, @blen). The
 * count is untrusted: the array is sized by what the bytes could hold, and
 * a count beyond that is caught as a truncated decision.
 */
static int token_parse_log(const uint8_t *body, size_t blen, size_t pos,
			   struct sim_token *out, char *err, size_t errlen)
{
	uint64_t count, step = 0, i;
	size_t k, cap;

	k = varint_get(body + pos, blen - pos, &count);
	if (!k && token_varint_cut(blen - pos))
		return token_fail(err, errlen, "body ends before the decision count");
	if (!k)
		return token_fail(err, errlen, "decision count is not a varint");
	pos += k;
	if (count > UINT32_MAX)
		return token_fail(err, errlen, "decision count %llu is out of range",
				  (unsigned long long)count);

	cap = (blen - pos) / TOKEN_DECISION_MIN;
	if (cap > count)
		cap = (size_t)count;
	if (cap) {
		out->log = calloc(cap, sizeof(*out->log));
		if (!out->log)
			return token_nomem(err, errlen);
	}

	for (i = 0; i < count; i++) {
		uint64_t f[3];
		int j;

		for (j = 0; j < 3; j++) {
			k = varint_get(body + pos, blen - pos, &f[j]);
			if (!k && token_varint_cut(blen - pos))
				return token_fail(err, errlen, "truncated decision %llu of %llu",
						  (unsigned long long)i + 1,
						  (unsigned long long)count);
			if (!k)
				return token_fail(err, errlen,
						  "decision %llu of %llu is not a varint",
						  (unsigned long long)i + 1,
						  (unsigned long long)count);
			pos += k;
		}
		if (f[1] > UINT32_MAX || f[2] > UINT32_MAX)
			return token_fail(err, errlen,
					  "decision %llu of %llu: ordinal or value exceeds 32 bits",
					  (unsigned long long)i + 1,
					  (unsigned long long)count);
		if (f[2] == 0)
			return token_fail(err, errlen,
					  "decision value 0 is never stored (decision %llu of %llu)",
					  (unsigned long long)i + 1,
					  (unsigned long long)count);
		if (f[0] > UINT64_MAX - step)
			return token_fail(err, errlen,
					  "step overflows 64 bits (decision %llu of %llu)",
					  (unsigned long long)i + 1,
					  (unsigned long long)count);
		step += f[0];
		/*
		 * Decisions at one step come in the order the run made them
		 * (a wake-up's migration before the next step's switch), each
		 * slot at most once.
		 */
		if (i && f[0] == 0 && slot_repeated(out->log, i, step, (uint32_t)f[1]))
			return token_fail(err, errlen,
					  "decision %llu of %llu repeats slot %llu of step %llu",
					  (unsigned long long)i + 1,
					  (unsigned long long)count,
					  (unsigned long long)f[1],
					  (unsigned long long)step);
		/* Reaching here means 3 * (i + 1) bytes were consumed: i < cap. */
		out->log[i].step = step;
		out->log[i].ordinal = (uint32_t)f[1];
		out->log[i].value = (uint32_t)f[2];
		out->len = (uint32_t)(i + 1);
	}
	if (pos != blen)
		return token_fail(err, errlen, "trailing bytes after the decisions");
	return 0;
}

/* The budgets after the fingerprint: the position after them, or -EINVAL. */
static long token_parse_budget(const uint8_t *body, size_t blen, size_t pos,
			       struct token_budget *out, char *err, size_t errlen)
{
	static const char *const names[2] = { "step budget", "cycle budget" };
	uint64_t *field[2] = { &out->max_steps, &out->max_cycles };

	for (int i = 0; i < 2; i++) {
		size_t k = varint_get(body + pos, blen - pos, field[i]);

		if (!k && token_varint_cut(blen - pos))
			return token_fail(err, errlen, "body ends before the %s", names[i]);
		if (!k)
			return token_fail(err, errlen, "%s is not a varint", names[i]);
		pos += k;
	}
	return (long)pos;
}

/*
 * "hv<N>." with another N is a token of another format version: say so,
 * and which way, instead of calling the prefix wrong.
 */
static int token_check_version(const char *text, char *err, size_t errlen)
{
	unsigned int v = 0;
	const char *p;

	if (!text || strncmp(text, "hv", 2))
		return token_fail(err, errlen, "expected '" TOKEN_PREFIX "' prefix");
	for (p = text + 2; *p >= '0' && *p <= '9' && v < 1000; p++)
		v = v * 10 + (unsigned int)(*p - '0');
	if (p == text + 2 || *p != '.' ||
	    (v == TOKEN_VERSION && strncmp(text, TOKEN_PREFIX, strlen(TOKEN_PREFIX))))
		return token_fail(err, errlen, "expected '" TOKEN_PREFIX "' prefix");
	if (v < TOKEN_VERSION)
		return token_fail(err, errlen,
				  "hv%u is an older format than this hvsim reads (" TOKEN_NAME
				  ", which carries the run's budgets); find the run again with this build",
				  v);
	if (v > TOKEN_VERSION)
		return token_fail(err, errlen,
				  "hv%u is a newer format than this hvsim reads (" TOKEN_NAME ")", v);
	return 0;
}

int token_decode(const char *text, struct sim_token *out, char *err, size_t errlen)
{
	const char *strategy, *seed, *b64, *dot;
	size_t slen, b64len;
	uint8_t *body;
	long blen, pos;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = token_check_version(text, err, errlen);
	if (ret)
		return ret;

	strategy = text + strlen(TOKEN_PREFIX);
	dot = strchr(strategy, '.');
	if (!dot)
		return token_fail(err, errlen, "expected '.' after the strategy");
	slen = (size_t)(dot - strategy);
	if (slen == 0)
		return token_fail(err, errlen, "strategy is empty");
	if (slen > TOKEN_STRATEGY_MAX)
		return token_fail(err, errlen, "strategy is longer than %zu characters",
				  TOKEN_STRATEGY_MAX);
	if (!token_strategy_valid(strategy, slen))
		return token_fail(err, errlen, "strategy has a character outside [a-z0-9:]");

	seed = dot + 1;
	dot = strchr(seed, '.');
	if (!dot)
		return token_fail(err, errlen, "expected '.' after the seed");
	ret = token_parse_seed(seed, dot, &out->seed, err, errlen);
	if (ret)
		return ret;

	b64 = dot + 1;
	b64len = strlen(b64);
	/* Three bytes per four characters, plus up to two for a partial group. */
	body = malloc(b64len / 4 * 3 + 2);
	if (!body)
		return token_nomem(err, errlen);
	blen = base64url_decode(b64, b64len, body);
	if (blen < 0) {
		ret = token_fail(err, errlen, "body is not base64url");
		goto out_free_body;
	}
	if ((size_t)blen < TOKEN_FINGERPRINT_LEN) {
		ret = token_fail(err, errlen, "body is too short to hold the build id");
		goto out_free_body;
	}
	memcpy(out->fingerprint, body, TOKEN_FINGERPRINT_LEN);
	pos = token_parse_budget(body, (size_t)blen, TOKEN_FINGERPRINT_LEN, &out->budget,
				 err, errlen);
	if (pos < 0) {
		ret = (int)pos;
		goto out_free_body;
	}
	ret = token_parse_log(body, (size_t)blen, (size_t)pos, out, err, errlen);
	if (ret)
		goto out_release;

	memcpy(out->strategy, strategy, slen);
	out->strategy[slen] = '\0';
	free(body);
	return 0;

out_release:
	token_release(out);
out_free_body:
	free(body);
	return ret;
}

void token_release(struct sim_token *t)
{
	free(t->log);
	t->log = NULL;
	t->len = 0;
}
