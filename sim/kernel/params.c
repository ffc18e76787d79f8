// SPDX-License-Identifier: MIT
/*
 * Module parameters: the "hvsim_param" section holds every module_param()
 * of the instrumented modules; a program sets one by name from setup(),
 * after the run's reset restored the modules' data and before boot, as
 * the kernel command line sets "kvm.NAME=VALUE".
 */
#include "hvsim/kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hvsim/sim.h"
#include "kernel/kmodel.h"

extern const struct kernel_param *const __start_hvsim_param[] __attribute__((weak));
extern const struct kernel_param *const __stop_hvsim_param[] __attribute__((weak));

static const struct kernel_param *param_find(const char *name)
{
	if (!__start_hvsim_param)
		return NULL;
	for (const struct kernel_param *const *p = __start_hvsim_param; p < __stop_hvsim_param; p++)
		if (!strcmp((*p)->name, name))
			return *p;
	return NULL;
}

/* Linux's kstrtobool() spellings. */
static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "1", "y", "Y", "true", "on" };
	static const char *const no[] = { "0", "n", "N", "false", "off" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(v, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(v, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_int(const char *v, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 0);
	if (!*v || *end || errno || n < -2147483647L - 1 || n > 2147483647L)
		return -EINVAL;
	*out = (int)n;
	return 0;
}

/*
 * A charp's string lives in the kernel model (memory instrumented code may
 * read), one slot per parameter, kept across runs: the run's reset
 * restored the variable, and setup() points it here again.
 */
static int set_charp(struct machine *m, const struct kernel_param *p, const char *v)
{
	struct kmodel *k = kmodel_of(m);
	unsigned int i;

	if (strlen(v) >= KMODEL_PARAM_STR_LEN)
		return -EINVAL;
	for (i = 0; i < k->nparam_strs && k->param_of[i] != p; i++)
		;
	if (i == KMODEL_MAX_PARAM_STRS)
		return -ENOSPC;
	if (i == k->nparam_strs) {
		k->param_of[i] = p;
		k->nparam_strs++;
	}
	strcpy(k->param_strs[i], v);
	*(char **)p->var = k->param_strs[i];
	return 0;
}

int sim_set_module_param(struct machine *m, const char *name, const char *value)
{
	const struct kernel_param *p;
	bool b;
	int i, ret;

	if (!m || m->running || !name || !value)
		return -EINVAL;
	p = param_find(name);
	if (!p)
		return -ENOENT;
	switch (p->type) {
	case 'b':
		ret = parse_bool(value, &b);
		if (!ret)
			*(bool *)p->var = b;
		return ret;
	case 'i':
		ret = parse_int(value, &i);
		if (!ret)
			*(int *)p->var = i;
		return ret;
	case 's':
		return set_charp(m, p, value);
	default:
		return -EINVAL;
	}
}
