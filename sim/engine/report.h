/* SPDX-License-Identifier: MIT */
/*
 * What every report writer shares (the detectors of the kernel model, the
 * hardware's faults): where a finished report goes, how a pc becomes text,
 * who was running, and the kernel's "CPU: N PID: P Comm: C" line. The
 * detectors know nothing of the machine; the machine gives them these.
 */
#ifndef HVSIM_ENGINE_REPORT_H
#define HVSIM_ENGINE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;

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

/*
 * Append the stack-trace lines for code address @pc to @sb, each
 * "@prefix FRAME @suffix\n" (syzkaller's symbolizer repeats a line's
 * prefix and suffix for every frame it expands): with debug info one line
 * per inlined function, innermost first, "name file:line [inline]", then
 * "func+0x24/0x17b file:line"; without, the one sim_symbolize_fn line.
 */
typedef void (*sim_frame_fn)(void *arg, struct strbuf *sb, const char *prefix, uintptr_t pc,
			     const char *suffix);

/*
 * Name the memory at @addr, an address as reports print it (normalized):
 * "kvm_usage_count", "kvm_vcpu+0x8 (kvm_vcpu->cpu)", "kmalloc-64+0x10".
 * Writes "" when nothing is known of it.
 */
typedef void (*sim_describe_fn)(void *arg, uint64_t addr, char *buf, size_t len);

/*
 * The member of struct @type at byte @off ("cpu", "mmu.root_hpa",
 * "regs[3]") into @buf; false (and "") when unknown.
 */
typedef bool (*sim_member_fn)(void *arg, const char *type, uint64_t off, char *buf, size_t len);

struct sim_who;

/*
 * An event the report about to be made names (one access of a data race,
 * an acquisition of a lock inversion, the site of a WARN), handed over
 * before the report itself goes to its sim_report_fn: @kind is an enum
 * trace_mark_kind (hvsim/trace.h); @who says where and when (task, CPU,
 * step, pc); @addr is the memory as reports print it (0: none) and @size
 * its bytes; @label what the report calls it ("kvm_vcpu+0x8
 * (kvm_vcpu->cpu)", "&kvm->lock"; NULL: nothing). A report's marks go
 * with the next report made, so a detector marks only what it reports.
 */
typedef void (*sim_mark_fn)(void *arg, const struct sim_who *who, unsigned int kind,
			    uint64_t addr, uint32_t size, const char *label);

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

/*
 * The line every kernel report carries about the context it happened in,
 * "CPU: 1 PID: 3 Comm: vcpu0\n", appended to @sb. The one place it is
 * written.
 */
void report_who_line(struct strbuf *sb, const struct sim_who *w);

#endif /* HVSIM_ENGINE_REPORT_H */
