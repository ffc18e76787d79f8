/* SPDX-License-Identifier: MIT */
/*
 * Litmus tests for the race detector's memory model (tests/programs/litmus.c):
 * message passing and store buffering, each with and without the ordering
 * that makes it race-free. A task's argument names its variant (and, for
 * store buffering, which of the two CPUs' bodies it runs).
 */
#ifndef HVSIM_TEST_LITMUS_H
#define HVSIM_TEST_LITMUS_H

/* How message passing orders its flag after the data. */
enum lm_mp {
	LM_MP_FENCES,		/* smp_wmb(); WRITE_ONCE() -- READ_ONCE(); smp_rmb() */
	LM_MP_NONE,		/* WRITE_ONCE() -- READ_ONCE(): marked, no fences */
	LM_MP_RELEASE,		/* smp_store_release() -- smp_load_acquire() */
	LM_MP_BIT,		/* set_bit() -- test_bit(); clear_bit(): relaxed */
	LM_MP_BIT_FENCED,	/* kvm_make_request()'s and kvm_check_request()'s barriers added */
};

/* Which barriers store buffering's bodies have (see litmus.c). */
enum lm_sb {
	LM_SB_MB,		/* A, B and C */
	LM_SB_NONE,		/* none */
	LM_SB_MIDDLE,		/* B only: the textbook store-buffering barrier */
};

/* A store-buffering task's argument: variant and CPU body (0 or 1). */
#define LM_SB_ARG(variant, id)	(((unsigned int)(variant) << 1) | (id))

void lm_mp_writer(void *arg);
void lm_mp_reader(void *arg);
void lm_sb_task(void *arg);

/* What a run did (host side, after it). */
struct litmus_result {
	int consumed;	/* bodies that saw a flag and read the data behind it */
};
void litmus_result(struct litmus_result *r);

#endif /* HVSIM_TEST_LITMUS_H */
