// SPDX-License-Identifier: MIT
/* Trace emission: the events a run records while tracing. */
#include "engine/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/machine_int.h"

#include "engine/trace.h"

void emit_event_base(const struct machine *m, struct trace_event *e, unsigned int type)
{
	memset(e, 0, sizeof(*e));
	e->type = type;
	e->step = m->step;
	if (m->cur_task) {
		e->cpu = m->cur_cpu->id;
		e->task = m->cur_task->id;
		e->cycle = m->cur_cpu->cycles;
	}
}

/*
 * A write's new value is known only once the hook has returned and the
 * store executed: its event waits in m->wpend until the next slow-path
 * entry (tracing sends every step there), a switch, or the task's exit.
 */
void emit_flush_write(struct machine *m)
{
	if (!m->wpend_valid || m->wpend_open)
		return;
	m->wpend.new_val = machine_read_value(m->wpend_addr, m->wpend.size);
	if (m->wpend.size == 8)
		m->wpend.new_val = machine_norm_addr(m, m->wpend.new_val);
	trace_emit(m->trace, &m->wpend);
	m->wpend_valid = false;
}

void emit_access(struct machine *m, const struct sim_op *op)
{
	struct trace_event e;
	uint32_t owner;

	emit_event_base(m, &e, TR_ACCESS);
	e.kind = op->kind;
	machine_addr_region(m, op->addr, &e.region, &e.offset, &owner);
	if (e.region == TR_REGION_STACK)
		e.to_task = owner;
	e.size = op->size;
	e.pc = op->pc ? op->pc - m->image_base : 0;
	if (op->kind == SIM_KCALL && op->name)
		e.str = trace_string(m->trace, op->name);
	/*
	 * No value for a kernel primitive (its address is an object, whose
	 * first bytes mean nothing to the primitive), nor for what a write to
	 * a stack slot overwrites: uninstrumented host code (system call
	 * entry, the executor's host helpers) uses task stacks too, and leaves
	 * pieces of host pointers there that differ from process to process.
	 */
	if (op->kind == SIM_KCALL || (e.region == TR_REGION_STACK && sim_kind_is_write(op->kind)))
		e.old_val = 0;
	else
		e.old_val = machine_read_value(op->addr, op->size);
	if (op->size == 8)
		e.old_val = machine_norm_addr(m, e.old_val);
	e.new_val = e.old_val;
	if (sim_kind_is_write(op->kind)) {
		m->wpend_valid = true;
		m->wpend_open = true;
		m->wpend = e;
		m->wpend_addr = op->addr;
		return;
	}
	trace_emit(m->trace, &e);
}

void emit_simple(struct machine *m, unsigned int type, uint32_t arg)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	if (m->cur_task && (type == TR_SWITCH || type == TR_EXIT || type == TR_PARK))
		emit_point(m, m->cur_task);
	emit_flush_write(m);
	emit_event_base(m, &e, type);
	if (type == TR_SPAWN)
		e.str = arg;
	else if (type == TR_WAKE)
		e.to_task = arg;
	trace_emit(m->trace, &e);
}

void machine_trace_log(struct machine *m, const char *text)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	emit_flush_write(m);
	emit_event_base(m, &e, TR_LOG);
	e.str = trace_string(m->trace, text);
	trace_emit(m->trace, &e);
}

void machine_irq(struct machine *m, bool enter)
{
	struct trace_event e;

	if (enter)
		m->cur_task->irq_depth++;
	else
		m->cur_task->irq_depth--;
	if (!m->tracing)
		return;
	emit_flush_write(m);
	emit_event_base(m, &e, TR_IRQ);
	e.kind = enter;
	trace_emit(m->trace, &e);
}

void machine_trace_point(struct machine *m, const char *name, uint64_t a, uint64_t b)
{
	struct task *t = m->cur_task;

	if (!m->tracing || !t)
		return;
	/* Two in a row: the first is marked by nothing later, so it goes out now. */
	emit_point(m, t);
	t->point_name = name;
	t->point_args[0] = a;
	t->point_args[1] = b;
}

void emit_point(struct machine *m, struct task *t)
{
	struct trace_event e;

	if (!t->point_name)
		return;
	emit_flush_write(m);
	emit_event_base(m, &e, TR_POINT);
	e.str = trace_string(m->trace, t->point_name);
	e.args[0] = t->point_args[0];
	e.args[1] = t->point_args[1];
	t->point_name = NULL;
	trace_emit(m->trace, &e);
}

void machine_trace_vmx(struct machine *m, unsigned int kind, uint32_t value, const char *check)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	emit_flush_write(m);
	emit_event_base(m, &e, TR_VMX);
	e.kind = (uint8_t)kind;
	e.value = value;
	e.str = trace_string(m->trace, check);
	trace_emit(m->trace, &e);
}

void machine_trace_cpu(struct machine *m, unsigned int cpu, uint32_t mhz, const char *model)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	SIM_BUG_ON(cpu >= m->ncpus);
	emit_event_base(m, &e, TR_CPU);
	e.cpu = cpu;
	e.value = mhz;
	e.str = trace_string(m->trace, model);
	trace_emit(m->trace, &e);
}

void machine_trace_ipi(struct machine *m, unsigned int src, unsigned int dst, uint8_t vector,
		       bool nmi)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	SIM_BUG_ON(src >= m->ncpus || dst >= m->ncpus);
	emit_flush_write(m);
	emit_event_base(m, &e, TR_IPI);
	e.cpu = src;
	e.cycle = m->cpus[src].cycles;
	e.to_cpu = dst;
	e.value = vector;
	e.kind = nmi;
	trace_emit(m->trace, &e);
}

void machine_trace_lock(struct machine *m, unsigned int kind, unsigned int type,
			const void *lock, uintptr_t pc, const char *name)
{
	struct trace_event e;
	uint32_t owner;

	if (!m->tracing)
		return;
	emit_flush_write(m);
	emit_event_base(m, &e, TR_LOCK);
	e.kind = (uint8_t)kind;
	e.value = type;
	machine_addr_region(m, (uintptr_t)lock, &e.region, &e.offset, &owner);
	e.pc = pc ? pc - m->image_base : 0;
	e.str = trace_string(m->trace, name);
	trace_emit(m->trace, &e);
}

void machine_trace_cpuhp(struct machine *m, unsigned int cpu, unsigned int state)
{
	struct trace_event e;

	if (!m->tracing)
		return;
	SIM_BUG_ON(cpu >= m->ncpus || state >= TR_NR_CPU_STATES);
	emit_flush_write(m);
	emit_event_base(m, &e, TR_CPUHP);
	if (!m->cur_task)
		e.cpu = cpu;
	e.to_cpu = cpu;
	e.value = state;
	trace_emit(m->trace, &e);
}

/* Does @s begin with @prefix? */
static bool starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/*
 * What a report is, from its title, sorted as syzkaller sorts crashes
 * (kernel and syzkaller forms of a title alike). Lockdep's titles are the
 * ones sim/kernel/lockdep.c writes, and CONFIG_DEBUG_SPINLOCK's, whose
 * report lockdep's replaces when it is on: one finding, one kind.
 */
static unsigned int report_kind(const char *title)
{
	static const char *const lockdep[] = {
		"WARNING: possible circular locking dependency",
		"WARNING: possible recursive locking",
		"BUG: sleeping function called from invalid context",
		"WARNING: bad unlock balance",
		"WARNING: lock held when returning to user space",
		"inconsistent lock state",
		"BUG: held lock freed",
		"BUG: spinlock ",
		"possible deadlock in ",
	};
	static const char *const oops[] = {
		"general protection fault", "BUG: unable to handle", "BUG: kernel NULL pointer",
		"kernel BUG", "Oops", "invalid opcode",
	};
	static const char *const memory[] = { "BUG: KASAN", "KASAN:", "BUG: memory leak",
					      "memory leak in " };

	if (starts(title, "BUG: KCSAN:") || starts(title, "KCSAN:"))
		return TR_REPORT_RACE;
	for (size_t i = 0; i < sizeof(lockdep) / sizeof(lockdep[0]); i++)
		if (starts(title, lockdep[i]))
			return TR_REPORT_LOCKDEP;
	/* Lockdep's "WARNING: comm/pid still has locks held!". */
	if (starts(title, "WARNING: ") && strstr(title, " still has locks held!"))
		return TR_REPORT_LOCKDEP;
	for (size_t i = 0; i < sizeof(memory) / sizeof(memory[0]); i++)
		if (starts(title, memory[i]))
			return TR_REPORT_MEMORY;
	/* SLUB's "BUG cache (Not tainted): Objects remaining in ...", a use-after-free anywhere. */
	if ((starts(title, "BUG ") && strstr(title, "Objects remaining in ")) ||
	    strstr(title, "use-after-free"))
		return TR_REPORT_MEMORY;
	for (size_t i = 0; i < sizeof(oops) / sizeof(oops[0]); i++)
		if (starts(title, oops[i]))
			return TR_REPORT_OOPS;
	if (starts(title, "WARNING:") || starts(title, "WARNING in "))
		return TR_REPORT_WARN;
	return TR_REPORT_OTHER;
}

void machine_mark(void *arg, const struct sim_who *who, unsigned int kind, uint64_t addr,
		  uint32_t size, const char *label)
{
	struct machine *m = arg;
	struct machine_mark *mk;
	uint32_t owner;

	if (!m->tracing || m->nmarks == MACHINE_MARKS_MAX)
		return;
	mk = &m->marks[m->nmarks++];
	memset(&mk->e, 0, sizeof(mk->e));
	mk->e.kind = (uint8_t)kind;
	mk->e.args[0] = who->step;
	mk->e.to_cpu = who->cpu;
	mk->e.to_task = who->task;
	mk->e.pc = who->pc ? who->pc - m->image_base : 0;
	machine_norm_region(m, addr, &mk->e.region, &mk->e.offset, &owner);
	mk->e.size = size;
	snprintf(mk->label, sizeof(mk->label), "%s", label ? label : "");
}

void emit_report(struct machine *m, const char *title)
{
	struct trace_event e;

	if (!m->tracing) {
		m->nmarks = 0;
		return;
	}
	emit_flush_write(m);
	emit_event_base(m, &e, TR_REPORT);
	e.kind = (uint8_t)report_kind(title);
	e.str = trace_string(m->trace, title);
	trace_emit(m->trace, &e);
	machine_trace_log(m, title);
	/* A report no detector marked anything for is marked where it was made. */
	if (!m->nmarks) {
		struct sim_who here;

		machine_who(m, &here, 0);
		machine_mark(m, &here, TR_MARK_SITE, 0, 0, NULL);
	}
	for (unsigned int i = 0; i < m->nmarks; i++) {
		const struct machine_mark *mk = &m->marks[i];

		emit_event_base(m, &e, TR_MARK);
		e.kind = mk->e.kind;
		e.args[0] = mk->e.args[0];
		e.to_cpu = mk->e.to_cpu;
		e.to_task = mk->e.to_task;
		e.region = mk->e.region;
		e.offset = mk->e.offset;
		e.size = mk->e.size;
		e.pc = mk->e.pc;
		e.str = mk->label[0] ? trace_string(m->trace, mk->label) : 0;
		trace_emit(m->trace, &e);
	}
	m->nmarks = 0;
}

void machine_trace_begin(struct machine *m, const struct trace_header *h)
{
	if (!m->trace)
		m->trace = trace_writer_create();
	trace_writer_begin(m->trace, h);
}
