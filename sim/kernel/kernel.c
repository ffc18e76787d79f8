// SPDX-License-Identifier: MIT
/* The host-kernel API of include/hvsim/kernel.h: the engine-facing part. */
#include "hvsim/kernel.h"

#include <stdint.h>

#include "../machine.h"

void cpu_relax(void)
{
	machine_relax(sim_current, (uintptr_t)__builtin_return_address(0));
}

unsigned int smp_processor_id(void)
{
	const struct machine *m = sim_current;

	return m->cur_task ? m->cur_cpu->id : 0;
}
