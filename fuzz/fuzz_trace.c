// SPDX-License-Identifier: MIT
/* libFuzzer harness: trace files (sim/engine/trace.c, the reader of hvsim/trace.h). */
#include <stdint.h>
#include <stdlib.h>

#include "hvsim/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct trace_reader *r;
	struct trace_event e;
	char err[512];
	volatile size_t sink = 0;

	if (trace_reader_open_mem(&r, data, size, "fuzz.trace", err, sizeof(err)))
		return 0;
	while (trace_next(r, &e, err, sizeof(err)) == 1) {
		const char *s = trace_reader_string(r, e.str);

		sink += s ? (size_t)s[0] : 0;
	}
	trace_reader_close(r);
	(void)sink;
	return 0;
}
