/* SPDX-License-Identifier: MIT */
/*
 * What every report writer shares (the detectors of the kernel model, the
 * hardware's faults): where a finished report goes, how a pc becomes text,
 * who was running, and the kernel's "CPU: N PID: P Comm: C" line. The
 * detectors know nothing of the machine; the machine gives them these.
 */
#ifndef HVSIM_ENGINE_REPORT_H
#define HVSIM_ENGINE_REPORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * A finished report: @title is its first line as the kernel prints it
 * ("BUG: KCSAN: data-race in a / b"), @text the whole report, title
 * included, lines ending in '\n'.
 */
typedef void (*sim_report_fn)(void *arg, const char *title, const char *text);

/*
 * Write the text for code address @pc into @buf: "func+0x24/0x17b" when
 * known, else "0x<pc>" (pcs are relative to the image base).
 */
typedef void (*sim_symbolize_fn)(void *arg, uintptr_t pc, char *buf, size_t len);

/* Who did something: the context a detector reports about. */
struct sim_who {
	unsigned int task;		/* task id (spawn index) */
	unsigned int pid;		/* its PID, as reports print it */
	const char *comm;		/* its name */
	unsigned int cpu;		/* CPU it ran on */
	uint64_t step;			/* when */
	const uintptr_t *stack;		/* call pcs, innermost last (shadow stack) */
	unsigned int depth;		/* entries in stack */
	uintptr_t pc;			/* the pc of the operation itself */
	int irqs_disabled;		/* local interrupts off */
	int in_irq;			/* running an interrupt handler */
};

struct strbuf;

/*
 * The line every kernel report carries about the context it happened in,
 * "CPU: 1 PID: 3 Comm: vcpu0\n", appended to @sb. The one place it is
 * written.
 */
void report_who_line(struct strbuf *sb, const struct sim_who *w);

#endif /* HVSIM_ENGINE_REPORT_H */
