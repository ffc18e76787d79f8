/* SPDX-License-Identifier: MIT */
/*
 * Every model file in cpus/ as Criterion parameters, for the suites that
 * run a property on each shipped CPU model (HVSIM_CPUS_DIR names the
 * directory). A new model file is covered without touching the tests.
 */
#ifndef HVSIM_TESTS_MODEL_CASES_H
#define HVSIM_TESTS_MODEL_CASES_H

#include <criterion/parameterized.h>
#include <string.h>

#include "hvsim/tools.h"

/* Criterion may pass parameters to a fresh process image: the name itself, no pointer. */
struct model_case {
	char name[MODEL_FILE_NAME_MAX];
};

#define MODEL_CASES_MAX	16

static inline unsigned int model_cases(struct model_case *cases)
{
	char names[MODEL_CASES_MAX][MODEL_FILE_NAME_MAX];
	unsigned int n = model_list(HVSIM_CPUS_DIR, names, MODEL_CASES_MAX);

	for (unsigned int i = 0; i < n; i++)
		memcpy(cases[i].name, names[i], MODEL_FILE_NAME_MAX);
	return n;
}

/* ParameterizedTestParameters(suite, test) over every shipped model. */
#define MODEL_PARAMETERS(suite, test)						\
	ParameterizedTestParameters(suite, test)				\
	{									\
		static struct model_case cases[MODEL_CASES_MAX];		\
		unsigned int n = model_cases(cases);				\
										\
		return cr_make_param_array(struct model_case, cases, n);	\
	}

#endif /* HVSIM_TESTS_MODEL_CASES_H */
