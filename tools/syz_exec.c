// SPDX-License-Identifier: MIT
/*
 * The syzkaller program executor: instrumented code running as the
 * simulated process, as syz-executor runs a program. Each call gets a
 * thread of its own (clone), its arguments copied into the data area and
 * its resources patched in by the program's thread first; the program
 * waits for the call unless it is async or the last, and goes on. Where each thread
 * runs, and when, is the scheduler's (the strategy's) business.
 */
#include "syz_plan.h"

#include <errno.h>
#include <stddef.h>

#include "hvsim/kernel.h"
#include "hvsim/user.h"

/* A call's result before it returned (results are -errno or what it returns). */
#define SYZX_NOT_RETURNED	1

/* A call in flight: what its thread needs (machine memory, unlike the plan). */
struct syzx_call {
	struct syzp_call c;
	unsigned int idx;
	uint64_t args[SYZP_MAX_ARGS];
};

static struct syzx_call calls[SYZP_MAX_CALLS];
static long results[SYZP_MAX_CALLS];
static uint64_t res_val[SYZP_MAX_CALLS];
static bool res_set[SYZP_MAX_CALLS];
/* Hot-plug events: the program says go, the driver says done. */
static int hp_go[SYZP_MAX_EVENTS], hp_done[SYZP_MAX_EVENTS];
static long hp_ret[SYZP_MAX_EVENTS];

static uint8_t *umem(size_t *len)
{
	return sim_user_mem(len);
}

static int *done_word(unsigned int i)
{
	size_t len;
	uint8_t *u = umem(&len);

	return (int *)(void *)(u + len - SYZP_RESERVED) + i;
}

static uint64_t *mask_word(unsigned int i)
{
	size_t len;
	uint8_t *u = umem(&len);

	return (uint64_t *)(void *)(u + len - SYZP_RESERVED + SYZP_MAX_CALLS * 4) + i;
}

static long do_call(const struct syzp_call *c, const uint64_t *a)
{
	switch (c->op) {
	case SYZP_OPENAT:
		return sim_sys_openat((const char *)(uintptr_t)a[1], (int)a[2]);
	case SYZP_IOCTL:
		return sim_sys_ioctl((int)a[0], (unsigned long)a[1], (unsigned long)a[2]);
	case SYZP_CLOSE:
		return sim_sys_close((int)a[0]);
	case SYZP_MMAP: {
		void *p = sim_sys_mmap((void *)(uintptr_t)a[0], (size_t)a[1], (int)a[2],
				       (int)a[3], (int)a[4], (long)a[5]);

		return (long)(intptr_t)p;
	}
	}
	return -ENOSYS;
}

static void call_thread(void *arg)
{
	struct syzx_call *x = arg;
	const struct syzp_call *c = &x->c;
	long r = 0;

	if (c->cpu >= 0) {
		uint64_t *mask = mask_word(x->idx);

		*mask = 1ULL << c->cpu;
		sim_sys_sched_setaffinity(0, sizeof(*mask), mask);
	}
	for (unsigned int run = 0; run <= c->rerun; run++) {
		if (c->fail_nth)
			sim_sys_set_fail_nth((int)c->fail_nth);
		r = do_call(c, x->args);
	}
	/* A resource is what a call that succeeded returned. */
	if (c->ret >= 0 && c->ret < (int)SYZP_MAX_CALLS && r >= 0) {
		WRITE_ONCE(res_val[c->ret], (uint64_t)r);
		WRITE_ONCE(res_set[c->ret], true);
	}
	WRITE_ONCE(results[x->idx], r);
	/* Released: what the call did happens before the program goes on. */
	smp_store_release(done_word(x->idx), 1);
	sim_sys_futex_wake(done_word(x->idx));
}

/* The events due before call @i: started, and waited for unless anytime. */
static void events_before(const struct syzp_plan *plan, unsigned int i)
{
	unsigned int ne = syzp_nevents(plan);
	struct syzp_event ev;

	for (unsigned int e = 0; e < ne && e < SYZP_MAX_EVENTS; e++) {
		syzp_event_get(plan, e, &ev);
		if (ev.before_call != i)
			continue;
		smp_store_release(&hp_go[e], 1);
		while (!ev.anytime && !smp_load_acquire(&hp_done[e]))
			cpu_relax();
	}
}

void syzx_hotplug(void *arg)
{
	const struct syzp_plan *plan = arg;
	unsigned int ne = syzp_nevents(plan);
	struct syzp_event ev;

	for (unsigned int e = 0; e < ne && e < SYZP_MAX_EVENTS; e++) {
		long r;

		syzp_event_get(plan, e, &ev);
		WRITE_ONCE(hp_ret[e], 1);
		while (!smp_load_acquire(&hp_go[e]))
			cpu_relax();
		r = ev.kind == SYZP_HOT_ADD ? add_cpu(ev.slot) : remove_cpu(ev.slot);
		WRITE_ONCE(hp_ret[e], r);
		smp_store_release(&hp_done[e], 1);
	}
}

long syzx_event_result(unsigned int e)
{
	return e < SYZP_MAX_EVENTS ? hp_ret[e] : 1;
}

void syzx_main(void *arg)
{
	const struct syzp_plan *plan = arg;
	unsigned int n = syzp_ncalls(plan);
	size_t len;
	uint8_t *data = umem(&len);

	for (unsigned int i = 0; i < n && i < SYZP_MAX_CALLS; i++) {
		struct syzx_call *x = &calls[i];
		int tid;

		events_before(plan, i);
		x->idx = i;
		WRITE_ONCE(results[i], SYZX_NOT_RETURNED);
		syzp_prepare(plan, i, &x->c, x->args, data, res_val, res_set);
		tid = sim_sys_clone_thread(call_thread, x);
		if (tid < 0) {
			WRITE_ONCE(results[i], tid);
			continue;
		}
		/*
		 * The last call is started and left: syz-executor gives up on
		 * a call after its timeout, and the program's end then kills
		 * what still runs (a KVM_RUN whose vCPU halts, say).
		 */
		while (!x->c.async && i + 1 < n && !smp_load_acquire(done_word(i)))
			sim_sys_futex_wait(done_word(i), 0);
	}
	events_before(plan, n);
}

long syzx_result(unsigned int i)
{
	return i < SYZP_MAX_CALLS ? results[i] : SYZX_NOT_RETURNED;
}
