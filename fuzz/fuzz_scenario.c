// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: scenario files (tools/scenario.c, tools/syz.c). A
 * scenario that parses has every pointee rendered, so layouts are fuzzed
 * too; each line is also fed to the program parser on its own, which a
 * scenario reaches only after a header whose CPU models load.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render_all(const struct syz_arg *a, uint8_t *buf, size_t len)
{
	if (a->kind == SYZ_A_PTR && a->pointee) {
		syz_render(a->pointee, buf, len);
		render_all(a->pointee, buf, len);
	}
	for (unsigned int i = 0; a->kind == SYZ_A_GROUP && i < a->nelems; i++)
		render_all(a->elems[i], buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[64 << 10];
	struct scn *s;
	char err[1024];

	/* Every line as program text too: the program parser without a valid header. */
	{
		struct syz_prog *p = syz_prog_new();
		const char *text = (const char *)data, *end = text + size;

		while (p && text < end) {
			const char *nl = memchr(text, '\n', (size_t)(end - text));
			size_t len = nl ? (size_t)(nl - text) : (size_t)(end - text);

			/* A bad line leaves the program as it was: go on with the next. */
			syz_parse_line(p, text, len, 1, -1, err, sizeof(err));
			text += len + 1;
		}
		syz_prog_free(p);
	}
	if (scn_parse("fuzz.scn", (const char *)data, size, NULL, &s, err, sizeof(err)))
		return 0;
	for (unsigned int i = 0; i < s->prog->ncalls; i++)
		for (unsigned int k = 0; k < s->prog->calls[i].desc->nargs; k++)
			render_all(s->prog->calls[i].args[k], buf, sizeof(buf));
	scn_free(s);
	return 0;
}
