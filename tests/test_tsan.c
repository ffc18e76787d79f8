// SPDX-License-Identifier: MIT
/*
 * The __tsan_* runtime: each kind of access the compiler instruments
 * arrives as the step kind and size it should, and atomics do what they say.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/sim.h"
#include "harness.h"
#include "engine/step.h"
#include "programs/progs.h"
#include "engine/trace.h"

static void hooks_setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "hooks", prog_hooks_task, NULL);
}

struct want {
	unsigned int kind;
	unsigned int size;
};

Test(tsan, every_hook_becomes_its_step, .timeout = 30)
{
	static const struct want want[] = {
#if !defined(__clang__)
		/* gcc instruments the local `expected`, whose address goes to the CAS. */
		{ SIM_WRITE, 4 },
#endif
		{ SIM_WRITE, 1 }, { SIM_WRITE, 2 }, { SIM_WRITE, 4 }, { SIM_WRITE, 8 },
		{ SIM_WRITE, 16 },
		{ SIM_WRITE_MARKED, 4 }, { SIM_READ_MARKED, 8 },
		{ SIM_READ, 4 }, { SIM_WRITE, 4 },	/* the unaligned copy */
#if !defined(__clang__)
		/* gcc: a struct copy as two ranges; clang 14 calls plain memcpy. */
		{ SIM_WRITE, 64 }, { SIM_READ, 64 },
#endif
		{ SIM_ATOMIC_STORE, 4 }, { SIM_ATOMIC_LOAD, 8 }, { SIM_ATOMIC_RMW, 2 },
		{ SIM_ATOMIC_RMW, 1 }, { SIM_ATOMIC_RMW, 4 }, { SIM_FENCE, 0 },
	};
	struct sim_program p = { "hooks", 1, hooks_setup, NULL, NULL, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1, .trace_every_run = true };
	struct trace_reader *tr;
	struct trace_event e;
	struct sim_result r;
	char err[256], got[2048] = "";
	size_t n = 0, len = 0;
	bool match = true;

	r = harness_explore(&p, &o);
	cr_assert_eq(r.outcome, SIM_OK);
	cr_assert_eq(trace_reader_open_mem(&tr, r.trace, r.trace_len, "t", err, sizeof(err)), 0);
	while (trace_next(tr, &e, err, sizeof(err)) == 1) {
		if (e.type != TR_ACCESS)
			continue;
		len += snprintf(got + len, sizeof(got) - len, " %s/%u", sim_kind_name(e.kind), e.size);
		if (n >= sizeof(want) / sizeof(want[0]) || want[n].kind != e.kind ||
		    want[n].size != e.size)
			match = false;
		n++;
	}
	cr_expect(match && n == sizeof(want) / sizeof(want[0]), "steps:%s", got);
	trace_reader_close(tr);
	sim_result_release(&r);
}

Test(tsan, atomics_and_writes_record_old_and_new_values, .timeout = 30)
{
	struct sim_program p = { "hooks", 1, hooks_setup, NULL, NULL, 0, 0, NULL };
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1, .trace_every_run = true };
	struct trace_reader *tr;
	struct trace_event e;
	struct sim_result r;
	char err[256];
	bool saw_cas = false, saw_add = false;

	r = harness_explore(&p, &o);
	cr_assert_eq(trace_reader_open_mem(&tr, r.trace, r.trace_len, "t", err, sizeof(err)), 0);
	while (trace_next(tr, &e, err, sizeof(err)) == 1) {
		if (e.type != TR_ACCESS || e.kind != SIM_ATOMIC_RMW)
			continue;
		/* fetch_add(&h16, 1) after h16 = 2 */
		if (e.size == 2) {
			saw_add = true;
			cr_expect_eq(e.old_val, 2);
			cr_expect_eq(e.new_val, 3);
		}
		/* cmpxchg(&h32, 7, 8) after the atomic store of 7 */
		if (e.size == 4) {
			saw_cas = true;
			cr_expect_eq(e.old_val, 7);
			cr_expect_eq(e.new_val, 8);
		}
	}
	cr_expect(saw_add && saw_cas);
	trace_reader_close(tr);
	sim_result_release(&r);
}
