// SPDX-License-Identifier: MIT
#include "engine/strategy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct strategy_ops *const strategies[] = {
	&strategy_timed,
	&strategy_random,
	&strategy_pct,
	&strategy_dfs,
};

int strategy_create(const char *spec, struct strategy **out, char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t nlen = colon ? (size_t)(colon - spec) : strlen(spec);
	int ret;

	for (size_t i = 0; i < sizeof(strategies) / sizeof(strategies[0]); i++) {
		const struct strategy_ops *ops = strategies[i];

		if (strlen(ops->name) != nlen || strncmp(ops->name, spec, nlen))
			continue;
		ret = ops->create(out, colon ? colon + 1 : NULL, err, errlen);
		if (ret)
			return ret;
		(*out)->ops = ops;
		if (!(*out)->spec[0])
			snprintf((*out)->spec, sizeof((*out)->spec), "%s", ops->name);
		return 0;
	}
	snprintf(err, errlen,
		 "unknown strategy '%s': expected timed, random, pct:D or dfs:P", spec);
	return -EINVAL;
}

void strategy_destroy(struct strategy *s)
{
	if (s)
		s->ops->destroy(s);
}

int sim_strategy_check(const char *spec, char *err, size_t errlen)
{
	struct strategy *s;
	int ret = strategy_create(spec, &s, err, errlen);

	if (!ret)
		strategy_destroy(s);
	return ret;
}

/* Parse a decimal argument in [lo, hi]. */
int strategy_parse_uint(const char *name, const char *arg, unsigned long lo,
			unsigned long hi, unsigned long *out, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	if (!arg || !*arg || *arg < '0' || *arg > '9')
		goto bad;
	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || v < lo || v > hi)
		goto bad;
	*out = v;
	return 0;
bad:
	snprintf(err, errlen, "strategy %s: expected %s:N with N from %lu to %lu, got '%s%s%s'",
		 name, name, lo, hi, name, arg ? ":" : "", arg ? arg : "");
	return -EINVAL;
}
