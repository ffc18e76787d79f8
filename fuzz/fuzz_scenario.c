// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: scenario files (tools/scenario.c, tools/syz.c). A
 * scenario that parses has every pointee rendered, so layouts are fuzzed
 * too.
 */
#include <stdint.h>
#include <stdlib.h>

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

	if (scn_parse("fuzz.scn", (const char *)data, size, NULL, &s, err, sizeof(err)))
		return 0;
	for (unsigned int i = 0; i < s->prog->ncalls; i++)
		for (unsigned int k = 0; k < s->prog->calls[i].desc->nargs; k++)
			render_all(s->prog->calls[i].args[k], buf, sizeof(buf));
	scn_free(s);
	return 0;
}
