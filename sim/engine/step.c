// SPDX-License-Identifier: MIT
#include "engine/step.h"

const char *sim_kind_name(unsigned int k)
{
	static const char *const names[SIM_NR_KINDS] = {
		[SIM_READ] = "read",
		[SIM_READ_MARKED] = "read-once",
		[SIM_ATOMIC_LOAD] = "atomic-load",
		[SIM_WRITE] = "write",
		[SIM_WRITE_MARKED] = "write-once",
		[SIM_ATOMIC_STORE] = "atomic-store",
		[SIM_ATOMIC_RMW] = "atomic-rmw",
		[SIM_FENCE] = "fence",
		[SIM_RELAX] = "relax",
		[SIM_KCALL] = "kcall",
	};
	return k < SIM_NR_KINDS ? names[k] : (k == SIM_OP_START ? "start" : "?");
}
