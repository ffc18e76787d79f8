// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: CPU model files (sim/cpu/model_file.c) through the
 * model API of hvsim/tools.h: each input is written to a temporary folder
 * as fuzz.cpu and loaded from there.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvsim/tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[] = "/tmp/hvsim-fuzz-model-XXXXXX";
static char path[sizeof(dir) + 16];

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpu_model *m;
	char err[512];
	FILE *f;

	if (!path[0]) {
		if (!mkdtemp(dir))
			abort();
		snprintf(path, sizeof(path), "%s/fuzz.cpu", dir);
		atexit(cleanup);
	}
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	m = model_new(dir, "fuzz", err, sizeof(err));
	if (m) {
		free(model_describe_text(m));
		model_free(m);
	}
	return 0;
}
