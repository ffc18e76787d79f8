/* SPDX-License-Identifier: MIT */
/*
 * Schedule tokens: one shell-safe line that replays a run exactly.
 *
 *   hv2.<strategy>.<seed>.<body>
 *
 * "hv2" is the format version; <strategy> the strategy spec that found the
 * run ("pct:3", "dfs:2"; never contains '.'); <seed> the run's seed in
 * decimal; <body> base64url without padding of: an 8-byte fingerprint of
 * the binary (its build id) and the program the run belongs to, the run's
 * budgets as two varints (steps, then cycles per CPU), a varint count, and
 * per non-default decision three varints (step delta from the previous
 * decision, its slot at that step, value). Only non-default decisions are
 * stored, so tokens stay short. A token is refused by another build or for
 * another program: a run is a function of both.
 *
 * The token carries every input that shapes the run besides the binary and
 * the program: the strategy's parameters (its spec: timed's jitter), the
 * seed, the budgets (a run cut short at its step budget is a hang, the same
 * run with a larger one is not) and the decisions. A budget is stored as
 * sim_explore_opts takes it, 0 for the default: tokens replay only on the
 * build that made them, so "the default" means the same at both ends.
 *
 * Format history: hv1 had no budgets (a hang found with --max-steps
 * replayed clean); it is refused with a message saying so.
 */
#ifndef HVSIM_TOKEN_H
#define HVSIM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/step.h"

#define TOKEN_FINGERPRINT_LEN 8
/* The format this build writes and reads ("hv2"). */
#define TOKEN_VERSION 2

/* A run's budgets, as struct sim_explore_opts gives them. */
struct token_budget {
	uint64_t max_steps;		/* steps per run; 0: the default */
	uint64_t max_cycles;		/* cycles per CPU; 0: the default for max_steps */
};

struct sim_token {
	char strategy[32];			/* spec of the strategy that found it */
	uint64_t seed;				/* the run's seed */
	struct token_budget budget;		/* the run's budgets */
	uint8_t fingerprint[TOKEN_FINGERPRINT_LEN];	/* binary + program */
	struct sim_decision_rec *log;		/* decisions, steps ascending (malloc) */
	uint32_t len;
};

/* A malloc'd token string, or NULL when out of memory. */
char *token_encode(const char *strategy, uint64_t seed, const struct token_budget *budget,
		   const uint8_t fingerprint[TOKEN_FINGERPRINT_LEN],
		   const struct sim_decision_rec *log, uint32_t len);

/*
 * 0, or -EINVAL with a one-line message saying what was expected (for a
 * token of another format version: that it is older or newer).
 */
int token_decode(const char *text, struct sim_token *out, char *err, size_t errlen);
void token_release(struct sim_token *t);

#endif /* HVSIM_TOKEN_H */
