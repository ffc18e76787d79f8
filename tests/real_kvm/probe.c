// SPDX-License-Identifier: MIT
/*
 * The real kvm_main.o on hvsim, first light (docs/real-kvm.md): Linux
 * 6.1's own kvm_vcpu_kick(), linked unedited with the glue, runs in a
 * simulated task on a 2-CPU machine. Its first call hvsim does not model
 * yet, rcuwait_wake_up() from kvm_vcpu_wake_up(), must end the run with
 * "not modelled: rcuwait_wake_up", called from kvm_vcpu_kick (renamed
 * k61_kvm_vcpu_kick): the object linked, its instrumentation reached
 * hvsim's hooks, and a stub fails the run by name and call site.
 *
 *   probe [EXPECTED_TITLE]   exit 0 when the run ends with that report
 */
#include <stdio.h>
#include <string.h>

#include "hvsim/sim.h"

/* kvm_main.o's kvm_vcpu_kick(), renamed by link.sh. */
void k61_kvm_vcpu_kick(void *vcpu);

/* Zeroed memory standing for a 6.1 struct kvm_vcpu (about 10 KiB). */
static unsigned char vcpu[64 * 1024] __attribute__((aligned(64)));

static void kicker(void *arg)
{
	k61_kvm_vcpu_kick(arg);
}

static void setup(struct machine *m, void *arg)
{
	(void)arg;
	sim_spawn(m, 0, "kicker", kicker, vcpu);
}

int main(int argc, char **argv)
{
	const char *want = argc > 1 ? argv[1] : "not modelled: rcuwait_wake_up";
	struct sim_program p = {
		.name = "real-kvm-probe",
		.ncpus = 2,
		.setup = setup,
		.detect = SIM_DETECT_ALL,
	};
	struct sim_explore_opts o = { .strategy = "timed", .budget = 1 };
	struct sim_result r;
	char err[256];
	int ok;

	if (sim_explore(&p, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "probe: %s\n", err);
		return 2;
	}
	printf("outcome %s: %s\n", sim_outcome_name(r.outcome), r.message);
	if (r.reports)
		fputs(r.reports, stdout);
	ok = r.outcome == SIM_FAILED && strstr(r.message, want) && r.reports &&
	     strstr(r.reports, "called from k61_kvm_vcpu_kick+");
	sim_result_release(&r);
	if (!ok)
		fprintf(stderr, "probe: expected the run to fail with \"%s\" called from "
			"k61_kvm_vcpu_kick\n", want);
	return ok ? 0 : 1;
}
