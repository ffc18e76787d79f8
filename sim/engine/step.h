/* SPDX-License-Identifier: MIT */
/*
 * Steps and the decisions made for them: the kinds of step (enum sim_kind,
 * public in hvsim/trace.h, since traces carry them) and the decision log's
 * entry. Shared by the machine, the trace and the schedule token, so
 * neither of the latter needs machine.h.
 */
#ifndef HVSIM_ENGINE_STEP_H
#define HVSIM_ENGINE_STEP_H

#include <stdbool.h>
#include <stdint.h>

#include "hvsim/trace.h"

/* Pending operation of a task that has not run yet (not a kind of step). */
#define SIM_OP_START	0xff

/*
 * One non-default answer of sim_choose(): the decision log's entry. A
 * decision is named by its step and its slot there, (index among the
 * decisions of its kind at that step) * SIM_CHOICE_SLOTS + kind: the same
 * program point gets the same slot whether or not a strategy happened to
 * be consulted for an optional switch at that step.
 */
struct sim_decision_rec {
	uint64_t step;		/* step the decision was made for */
	uint32_t ordinal;	/* its slot at that step */
	uint32_t value;		/* the answer (never 0) */
};

#define SIM_CHOICE_SLOTS 16

static inline bool sim_kind_is_read(unsigned int k)
{
	return k <= SIM_ATOMIC_LOAD || k == SIM_ATOMIC_RMW;
}

static inline bool sim_kind_is_write(unsigned int k)
{
	return k >= SIM_WRITE && k <= SIM_ATOMIC_RMW;
}

static inline bool sim_kind_is_access(unsigned int k)
{
	return k <= SIM_ATOMIC_RMW;
}

#endif /* HVSIM_ENGINE_STEP_H */
