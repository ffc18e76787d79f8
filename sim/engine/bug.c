// SPDX-License-Identifier: MIT
#include "engine/bug.h"

#include <stdio.h>
#include <stdlib.h>

void sim_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "hvsim: simulator bug at %s:%d: %s\n", file, line, what);
	fflush(stderr);
	abort();
}
