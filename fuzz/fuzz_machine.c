// SPDX-License-Identifier: MIT
/*
 * libFuzzer harness: machine descriptions (sim/cpu/hw_desc.c) through
 * machine_desc_check(), the models of a description that parses loaded
 * from the build's cpus/ with their variations.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/tools.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	unsigned int n;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	machine_desc_check(text, NULL, true, &n, err, sizeof(err));
	free(text);
	return 0;
}
