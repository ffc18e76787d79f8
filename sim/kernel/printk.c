// SPDX-License-Identifier: MIT
/* printk, WARN and BUG: recorded in the run's log, reports and trace. */
#include "hvsim/kernel.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/report.h"
#include "engine/strbuf.h"
#include "kernel/kmodel.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

int printk(const char *fmt, ...)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!m->running)
		return n;
	strbuf_printf(&kmodel_of(m)->log, "%s%s", line,
		      n > 0 && line[strlen(line) - 1] == '\n' ? "" : "\n");
	machine_trace_log(m, line);
	return n;
}

/* Not a step: a tracepoint never changes the schedule (sim_current is the running machine). */
void trace_point(const char *name, uint64_t a, uint64_t b)
{
	struct machine *m = sim_current;

	if (m && m->running)
		machine_trace_point(m, name, a, b);
}

/* "func+0xoff/0xsize" when symbolization lands; the pc until then. */
static void backtrace(struct machine *m, struct strbuf *sb, const struct sim_who *w)
{
	char frame[128];

	strbuf_printf(sb, "Call Trace:\n");
	machine_symbolize(m, w->pc, frame, sizeof(frame));
	strbuf_printf(sb, " %s\n", frame);
	for (unsigned int i = w->depth; i-- > 0 && w->depth - i <= 16;) {
		machine_symbolize(m, w->stack[i], frame, sizeof(frame));
		strbuf_printf(sb, " %s\n", frame);
	}
}

/* WARNING: CPU: 1 PID: 3 at hv/x86.c:123 vcpu_enter_guest+0x24/0x17b */
void __warn(const char *file, int line, const char *func)
{
	struct machine *m = sim_current;
	uintptr_t pc = CALLER_PC;
	struct strbuf text = STRBUF_INIT;
	char title[256], frame[128];
	struct sim_who w;

	if (!m->running || !m->cur_task)
		return;
	(void)func;
	/* The call's own pc: pc - 1 is inside the call instruction. */
	machine_symbolize(m, pc, frame, sizeof(frame));
	snprintf(title, sizeof(title), "WARNING: CPU: %u PID: %u at %s:%d %s",
		 m->cur_cpu->id, m->cur_task->pid, file, line, frame);
	strbuf_printf(&text, "------------[ cut here ]------------\n%s\n", title);
	kernel_who(m, &w, pc);
	report_who_line(&text, &w);
	backtrace(m, &text, &w);
	strbuf_printf(&text, "---[ end trace ]---\n");
	machine_report_text(m, title, strbuf_str(&text));
	strbuf_release(&text);
}

void __bug(const char *file, int line, const char *func)
{
	struct machine *m = sim_current;
	uintptr_t pc = CALLER_PC;
	struct strbuf text = STRBUF_INIT;
	char title[256];
	struct sim_who w;

	snprintf(title, sizeof(title), "kernel BUG at %s:%d!", file, line);
	if (!m->running || !m->cur_task)
		machine_end(m, SIM_FAILED, title);
	strbuf_printf(&text, "------------[ cut here ]------------\n%s\n", title);
	strbuf_printf(&text, "invalid opcode: 0000 [#1] PREEMPT SMP\n");
	kernel_who(m, &w, pc);
	report_who_line(&text, &w);
	strbuf_printf(&text, "RIP: %s\n", func);
	backtrace(m, &text, &w);
	machine_report_text(m, title, strbuf_str(&text));
	strbuf_release(&text);
	machine_end(m, SIM_FAILED, title);
}
