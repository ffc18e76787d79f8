/* SPDX-License-Identifier: MIT */
/*
 * What the kernel model's detectors (lockdep, the race detector, the memory
 * checker) share: where a finished report goes, and how a pc becomes text.
 * The detectors know nothing of the machine; the machine gives them these.
 */
#ifndef HVSIM_KERNEL_REPORT_H
#define HVSIM_KERNEL_REPORT_H

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

#endif /* HVSIM_KERNEL_REPORT_H */
