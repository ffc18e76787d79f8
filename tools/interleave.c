// SPDX-License-Identifier: MIT
/*
 * The interleaving of a failing run as CPU columns, from its trace, the way
 * a kernel developer draws a race on a whiteboard: time goes down, each CPU
 * has a column, and only the steps that explain the run are rows. Plain
 * loads and stores are left out (hundreds in a KVM_RUN, and the report
 * names the racing pair); what stays is what the scheduler and the kernel
 * did: the strategy's non-default decisions, preemptions, kernel
 * primitives (locks, wake-ups, system calls; not the CPU's own
 * instructions), interrupts, VM entries and exits, and the log (WARNs,
 * report titles). A choice of CPU shows as the preemption it makes. The
 * last rows before the failure are kept: that is where the race is.
 */
#include "interleave.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/sim.h"
#include "hvsim/tools.h"
#include "hvsim/trace.h"

#define CELL_MAX	64	/* text of one cell, before it is cut to the column */
#define LINE_WIDTH	132	/* the whole row at most */

struct row {
	uint64_t step;
	unsigned int cpu;
	bool key;		/* a choice or a preemption: shown however old */
	char text[CELL_MAX];
};

static const char *const choice_names[] = {
	"CPU", "task switch", "migration", "fail", "guest run", "IPI held",
};

const char *interleave_choice_name(unsigned int kind)
{
	return kind < sizeof(choice_names) / sizeof(choice_names[0]) ? choice_names[kind] : "?";
}

/* "syz-executor:4", as the kernel-model's reports name a task (its id). */
static const char *task_name(const char *const *names, unsigned int task)
{
	static char buf[48];

	snprintf(buf, sizeof(buf), "%s:%u", task < SIM_MAX_TASKS && names[task] ? names[task] : "?",
		 task);
	return buf;
}

/* The cell for @e, or false for an event that is not a row. */
static bool cell_of(const struct trace_reader *tr, const struct trace_event *e,
		    const char *const *names, char *buf, size_t len)
{
	const char *s = e->str ? trace_reader_string(tr, e->str) : NULL;

	switch (e->type) {
	case TR_ACCESS:
		/* The CPU's own instructions (VMREAD, VMWRITE, CR and MSR accesses) are the report's. */
		if (e->kind != SIM_KCALL || !s || !strcmp(s, "insn") || !strcmp(s, "vmx_insn"))
			return false;
		snprintf(buf, len, "%s: %s", task_name(names, e->task), s);
		return true;
	case TR_SWITCH:
		if (!e->preempt)
			return false;
		snprintf(buf, len, "-- preempted: CPU%u runs", e->to_cpu);
		return true;
	case TR_DECISION:
		/* A choice of CPU shows as the preemption it makes (or nothing: a forced switch). */
		if (e->kind == 0)
			return false;
		snprintf(buf, len, "** choice: %s %u of %u", interleave_choice_name(e->kind),
			 e->value, e->n);
		return true;
	case TR_WAKE:
		snprintf(buf, len, "wakes %s", task_name(names, e->to_task));
		return true;
	case TR_SPAWN:
		snprintf(buf, len, "starts %s", s ? s : "?");
		return true;
	case TR_EXIT:
		snprintf(buf, len, "%s exits", task_name(names, e->task));
		return true;
	case TR_PARK:
		snprintf(buf, len, "%s spins (parked)", task_name(names, e->task));
		return true;
	case TR_IRQ:
		if (!e->kind)
			return false;
		snprintf(buf, len, "interrupt");
		return true;
	case TR_VMX:
		if (e->kind == TR_VMX_ENTRY)
			snprintf(buf, len, "VM entry");
		else if (e->kind == TR_VMX_EXIT)
			snprintf(buf, len, "VM exit %s", vmx_exit_reason_name(e->value) ?: "?");
		else
			snprintf(buf, len, "VM entry failed (error %u)", e->value);
		return true;
	case TR_LOG:
		snprintf(buf, len, "!! %s", s ? s : "");
		return true;
	case TR_POINT:
		snprintf(buf, len, "%s", s ? s : "tracepoint");
		return true;
	default:
		return false;
	}
}

void print_cpu_columns(FILE *out, const uint8_t *data, size_t len, uint64_t fail_step,
		       unsigned int max_rows)
{
	const char *names[SIM_MAX_TASKS] = { NULL };
	struct trace_reader *tr;
	struct trace_event e;
	struct row *rows = NULL, *r;
	size_t n = 0, cap = 0, skipped = 0;
	unsigned int ncpus, width;
	char err[256];

	if (!max_rows || trace_reader_open_mem(&tr, data, len, "trace", err, sizeof(err)))
		return;
	ncpus = trace_reader_header(tr)->ncpus;
	while (ncpus && trace_next(tr, &e, err, sizeof(err)) == 1) {
		char text[CELL_MAX];

		if (e.type == TR_SPAWN && e.task < SIM_MAX_TASKS && e.str)
			names[e.task] = trace_reader_string(tr, e.str);
		if (e.step > fail_step || e.cpu >= ncpus || !cell_of(tr, &e, names, text, sizeof(text)))
			continue;
		if (n == cap) {
			struct row *grown = realloc(rows, (cap ? 2 * cap : 256) * sizeof(*rows));

			if (!grown)
				break;
			rows = grown;
			cap = cap ? 2 * cap : 256;
		}
		r = &rows[n++];
		r->step = e.step;
		r->cpu = e.cpu;
		r->key = e.type == TR_DECISION || (e.type == TR_SWITCH && e.preempt);
		memcpy(r->text, text, sizeof(text));
	}
	trace_reader_close(tr);
	if (!n) {
		free(rows);
		return;
	}
	width = (LINE_WIDTH - 10) / ncpus;
	if (width > 34)
		width = 34;
	if (width < 12)
		width = 12;
	fprintf(out, "  interleaving up to the failure (step %" PRIu64 "): choices, preemptions,\n"
		"  kernel primitives, interrupts, VMX, log; the last %u rows and every\n"
		"  choice and preemption before them\n", fail_step, max_rows);
	fprintf(out, "    %6s", "step");
	for (unsigned int c = 0; c < ncpus; c++)
		fprintf(out, "  CPU%-*u", (int)width - 3, c);
	fprintf(out, "\n");
	for (size_t i = 0; i < n; i++) {
		r = &rows[i];
		if (i + max_rows < n && !r->key) {
			skipped++;
			continue;
		}
		if (skipped)
			fprintf(out, "    %6s  (%zu row%s)\n", "...", skipped, skipped == 1 ? "" : "s");
		skipped = 0;
		fprintf(out, "    %6" PRIu64 "%*s  %.*s\n", r->step, (int)(r->cpu * (width + 2)), "",
			(int)width, r->text);
	}
	free(rows);
}
