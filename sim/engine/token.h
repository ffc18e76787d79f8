/* SPDX-License-Identifier: MIT */
/*
 * Schedule tokens: one shell-safe line that replays a run exactly.
 *
 *   hv1.<strategy>.<seed>.<body>
 *
 * "hv1" is the format version; <strategy> the strategy spec that found the
 * run ("pct:3", "dfs:2"; never contains '.'); <seed> the run's seed in
 * decimal; <body> base64url without padding of: an 8-byte fingerprint of
 * the binary (its build id) and the program the run belongs to, a varint
 * count, and per non-default decision three varints (step delta from the
 * previous decision, its slot at that step, value). Only non-default
 * decisions are stored, so tokens stay short. A token is refused by another
 * build or for another program: a run is a function of both.
 */
#ifndef HVSIM_TOKEN_H
#define HVSIM_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/step.h"

#define TOKEN_FINGERPRINT_LEN 8

struct sim_token {
	char strategy[32];			/* spec of the strategy that found it */
	uint64_t seed;				/* the run's seed */
	uint8_t fingerprint[TOKEN_FINGERPRINT_LEN];	/* binary + program */
	struct sim_decision_rec *log;		/* decisions, steps ascending (malloc) */
	uint32_t len;
};

/* A malloc'd token string, or NULL when out of memory. */
char *token_encode(const char *strategy, uint64_t seed,
		   const uint8_t fingerprint[TOKEN_FINGERPRINT_LEN],
		   const struct sim_decision_rec *log, uint32_t len);

/* 0, or -EINVAL with a one-line message saying what was expected. */
int token_decode(const char *text, struct sim_token *out, char *err, size_t errlen);
void token_release(struct sim_token *t);

#endif /* HVSIM_TOKEN_H */
