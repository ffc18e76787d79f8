// SPDX-License-Identifier: MIT
/* libFuzzer harness: schedule tokens (sim/engine/token.c, token_decode). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1), err[512];
	struct sim_token t;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!token_decode(text, &t, err, sizeof(err)))
		token_release(&t);
	free(text);
	return 0;
}
