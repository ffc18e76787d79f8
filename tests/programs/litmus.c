// SPDX-License-Identifier: MIT
/*
 * Litmus tests for the race detector, in the shape of the Linux-kernel
 * memory model's: shared state, one body per CPU, and the verdict the
 * detector must reach on the plain data.
 *
 * Readers poll a bounded number of times without cpu_relax(): a spinner
 * parked by cpu_relax() is woken by the flag's write, and that wake-up is
 * itself a happens-before edge that would hide what is tested here.
 */
#include "litmus.h"

#include <stdbool.h>
#include <stdint.h>

#include "hvsim/kernel.h"

/* Reads of the flag before a reader gives up. */
#define LM_POLLS	16

/*
 * Not static: a compiler may shrink a static that only ever holds its
 * initializer and one other value, and the accesses with it.
 */
long lm_data[2];		/* plain data, written once by its CPU's body */
int lm_flag[2];			/* what publishes lm_data[] */
unsigned long lm_bits[1];	/* a request word, as kvm->requests */
long lm_sink[2];		/* what each body read of the other's data */
int lm_consumed[2];		/* each body: it read the data behind a flag */

void litmus_result(struct litmus_result *r)
{
	r->consumed = lm_consumed[0] + lm_consumed[1];
}

/* ---- message passing ------------------------------------------------------ */

/*
 *   CPU 0 (lm_mp_writer)          CPU 1 (lm_mp_reader)
 *   lm_data[0] = 42;              if (flag seen) {
 *   [release]                         [acquire]
 *   flag = 1;                         sink = lm_data[0];
 *                                 }
 * Race-free when the release on CPU 0 pairs with the acquire on CPU 1.
 */
void lm_mp_writer(void *arg)
{
	enum lm_mp v = (enum lm_mp)(uintptr_t)arg;

	lm_data[0] = 42;
	switch (v) {
	case LM_MP_FENCES:
		smp_wmb();	/* paired with lm_mp_reader()'s smp_rmb() */
		WRITE_ONCE(lm_flag[0], 1);
		break;
	case LM_MP_NONE:
		WRITE_ONCE(lm_flag[0], 1);
		break;
	case LM_MP_RELEASE:
		smp_store_release(&lm_flag[0], 1);	/* paired with lm_mp_poll()'s acquire */
		break;
	case LM_MP_BIT:
		set_bit(0, lm_bits);
		break;
	case LM_MP_BIT_FENCED:
		smp_wmb();	/* paired with lm_mp_reader()'s smp_mb__after_atomic() */
		set_bit(0, lm_bits);
		break;
	}
}

static bool lm_mp_poll(enum lm_mp v)
{
	for (int i = 0; i < LM_POLLS; i++) {
		switch (v) {
		case LM_MP_FENCES:
		case LM_MP_NONE:
			if (READ_ONCE(lm_flag[0]))
				return true;
			break;
		case LM_MP_RELEASE:
			/* Paired with lm_mp_writer()'s smp_store_release(). */
			if (smp_load_acquire(&lm_flag[0]))
				return true;
			break;
		case LM_MP_BIT:
		case LM_MP_BIT_FENCED:
			if (test_bit(0, lm_bits))
				return true;
			break;
		}
	}
	return false;
}

void lm_mp_reader(void *arg)
{
	enum lm_mp v = (enum lm_mp)(uintptr_t)arg;

	if (!lm_mp_poll(v))
		return;
	switch (v) {
	case LM_MP_FENCES:
		smp_rmb();	/* paired with lm_mp_writer()'s smp_wmb() */
		break;
	case LM_MP_BIT:
		clear_bit(0, lm_bits);
		break;
	case LM_MP_BIT_FENCED:
		clear_bit(0, lm_bits);
		smp_mb__after_atomic();	/* paired with lm_mp_writer()'s smp_wmb() */
		break;
	default:
		break;
	}
	lm_sink[1] = lm_data[0];
	lm_consumed[1] = 1;
}

/* ---- store buffering --------------------------------------------------------- */

/*
 * Each CPU publishes its data and raises its flag, then looks at the
 * other's flag; one that sees it reads the other's data:
 *
 *   CPU 0                         CPU 1
 *   lm_data[0] = 42;              lm_data[1] = 42;
 *   A                             A
 *   WRITE_ONCE(lm_flag[0], 1);    WRITE_ONCE(lm_flag[1], 1);
 *   B                             B
 *   if (READ_ONCE(lm_flag[1])) {  if (READ_ONCE(lm_flag[0])) {
 *       C                             C
 *       sink = lm_data[1];            sink = lm_data[0];
 *   }                             }
 *
 * B (smp_mb) is store buffering's barrier: with it on both CPUs at least
 * one of them sees the other's flag. The simulated machine is sequentially
 * consistent, so that holds here with or without B; what the detector
 * checks is A and C: A before the flag's store releases the data, C after
 * the flag's load acquires it. Without them (B alone included) the read
 * of the other's data races with its write.
 */
void lm_sb_task(void *arg)
{
	unsigned int a = (unsigned int)(uintptr_t)arg;
	enum lm_sb v = (enum lm_sb)(a >> 1);
	unsigned int id = a & 1, other = id ^ 1;

	lm_data[id] = 42;
	if (v == LM_SB_MB)
		smp_mb();	/* A: paired with the other CPU's C */
	WRITE_ONCE(lm_flag[id], 1);
	if (v != LM_SB_NONE)
		smp_mb();	/* B: paired with the other CPU's B */
	if (!READ_ONCE(lm_flag[other]))
		return;
	if (v == LM_SB_MB)
		smp_mb();	/* C: paired with the other CPU's A */
	lm_sink[id] = lm_data[other];
	lm_consumed[id] = 1;
}
