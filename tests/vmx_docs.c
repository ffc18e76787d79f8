// SPDX-License-Identifier: MIT
#include "vmx_docs.h"

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	cr_assert(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	cr_assert_geq(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	cr_assert(buf);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

void vmx_docs_compare(const char *doc_path, const char *begin_mark, const char *end_mark,
		      const struct vmx_check *rows, unsigned int n, const char *regen_path)
{
	size_t len = vmx_checks_render(rows, n, NULL, 0) + 1;
	char *want = malloc(len), *doc = read_file(doc_path);
	char *begin = strstr(doc, begin_mark);
	char *end = begin ? strstr(begin, end_mark) : NULL;
	bool same;

	cr_assert(want);
	vmx_checks_render(rows, n, want, len);
	if (begin && end) {
		begin += strlen(begin_mark);
		*end = '\0';
	}
	same = begin && end && !strcmp(begin, want);
	if (!same) {
		FILE *out = fopen(regen_path, "w");

		if (out) {
			fputs(want, out);
			fclose(out);
		}
		cr_log_error("%s is out of date: put this (also in %s) between\n%s...%s%s",
			     doc_path, regen_path, begin_mark, end_mark, want);
	}
	cr_assert(begin && end, "%s lacks the table markers %s", doc_path, begin_mark);
	cr_assert(same, "%s does not match the code's table", doc_path);
	free(doc);
	free(want);
}
