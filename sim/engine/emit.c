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

void machine_trace_begin(struct machine *m, const struct trace_header *h)
{
	if (!m->trace)
		m->trace = trace_writer_create();
	trace_writer_begin(m->trace, h);
}
