/* SPDX-License-Identifier: MIT */
/*
 * Scenario files (.scn, docs/scenarios.md): a machine, module parameters,
 * machine events, variants of hv/ with what each is expected to do, and a
 * syzkaller program, parsed and checked into a struct scn that a runner
 * executes. Parsing reads no clock and no randomness: the same text is the
 * same scenario.
 */
#ifndef HVSIM_TOOLS_SCENARIO_H
#define HVSIM_TOOLS_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syz.h"

#define SCN_MAX_FILE		(1U << 20)	/* bytes of one scenario file */
#define SCN_MAX_LINE		(64U << 10)	/* bytes of one line */
#define SCN_MAX_PARAMS		32
#define SCN_MAX_EVENTS		32
#define SCN_MAX_VARIANTS	32
#define SCN_NAME_MAX		64
#define SCN_TEXT_MAX		256
#define SCN_MACHINE_MAX		1024
#define SCN_MAX_SCHEDULES	1000000000000ULL

/* param NAME=VALUE: a module parameter, as the kernel command line spells it. */
struct scn_param {
	char name[SCN_NAME_MAX];	/* "enable_apicv", "kvm.halt_poll_ns" */
	char value[SCN_TEXT_MAX];
	unsigned int line;
};

enum scn_event_kind { SCN_HOT_ADD, SCN_HOT_REMOVE };

/* # hvsim: hot-add slot K [anytime]: a CPU slot brought up or taken down. */
struct scn_event {
	enum scn_event_kind kind;
	unsigned int slot;
	unsigned int before_call;	/* fixed: before this call (ncalls: after the last) */
	bool anytime;			/* the strategy picks the moment, from before_call on */
	unsigned int line;
};

enum scn_expect_kind { SCN_REPRODUCES, SCN_CLEAN };

/* variant NAME FLAGS, and its expect line. */
/* What every run of a variant must also show (a `check` line). */
enum scn_check_kind {
	SCN_CHECK_CALL,		/* call N returns VALUE */
	SCN_CHECK_LOGS,		/* the kernel log has TEXT N times */
};

#define SCN_MAX_CHECKS	8

struct scn_check {
	enum scn_check_kind kind;
	unsigned int line;
	unsigned int call;		/* CALL: the call's index in the program, from 0 */
	long value;			/* CALL: what it returns (-errno for an error) */
	char text[SCN_TEXT_MAX];	/* LOGS: a substring of a log line */
	unsigned int times;		/* LOGS: in exactly this many lines */
};

struct scn_variant {
	char name[SCN_NAME_MAX];	/* "pre-fix", "fixed", "no-read-once" */
	char flags[SCN_TEXT_MAX];	/* kvm.variant's text: "pre-fix=004,+kick-read-once" */
	unsigned int line;
	bool has_expect;
	enum scn_expect_kind expect;
	char title[SCN_TEXT_MAX];	/* REPRODUCES: a report title, or a class */
	bool title_is_class;		/* data-race, lockdep, deadlock, hang, oops, warning, entry-failure */
	uint64_t within;		/* REPRODUCES: within this many schedules; CLEAN: the search's cap, or 0 */
	char strategy[SCN_NAME_MAX];	/* "pct:3", "dfs:2" (sim_strategy_check's syntax) */
	unsigned int expect_line;
	struct scn_check checks[SCN_MAX_CHECKS];
	unsigned int nchecks;
};

struct scn {
	char machine[SCN_MACHINE_MAX];	/* the machine description, as written */
	unsigned int nslots;
	unsigned int machine_line;
	struct scn_param params[SCN_MAX_PARAMS];
	unsigned int nparams;
	struct scn_event events[SCN_MAX_EVENTS];
	unsigned int nevents;
	struct scn_variant variants[SCN_MAX_VARIANTS];
	unsigned int nvariants;
	struct syz_prog *prog;
	unsigned int program_line;	/* the 'program' line */
};

/*
 * Parse scenario text @text (@len bytes) named @file in messages. 0 and a
 * scenario in *@out (scn_free() releases it), or -errno with "FILE:LINE:COL:
 * expected X, found Y" in @err. @cpus_dir: the CPU models the machine's
 * slots name are loaded from there (NULL: the default folder) to check them.
 */
int scn_parse(const char *file, const char *text, size_t len, const char *cpus_dir,
	      struct scn **out, char *err, size_t errlen);
/* The same from a file: its size capped at SCN_MAX_FILE. */
int scn_load(const char *path, const char *cpus_dir, struct scn **out, char *err, size_t errlen);
void scn_free(struct scn *s);
/* The variant named @name, or NULL. */
const struct scn_variant *scn_variant_find(const struct scn *s, const char *name);
/* Whether @flags has kvm.variant's shape: fixed, pre-fix=SEED, +FLAG, -FLAG, comma-separated. */
bool scn_flags_valid(const char *flags, size_t len, size_t *bad_at);

#endif /* HVSIM_TOOLS_SCENARIO_H */
