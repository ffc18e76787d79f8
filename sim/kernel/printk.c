// SPDX-License-Identifier: MIT
/* printk, WARN and BUG: recorded in the run's log, reports and trace. */
#include "hvsim/kernel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/kmodel.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

int printk(const char *fmt, ...)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct kmodel *k = kmodel_of(m);
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!k)
		return n;
	kbuf_printf(&k->log, &k->log_len, &k->log_cap, "%s%s", line,
		    n > 0 && line[strlen(line) - 1] == '\n' ? "" : "\n");
	machine_trace_log(m, line);
	return n;
}

/* "func+0xoff/0xsize" when symbolization lands; the pc until then. */
static void backtrace(struct machine *m, char **buf, size_t *len, size_t *cap, uintptr_t pc)
{
	struct sim_who w;
	char frame[128];

	kernel_who(m, &w, pc);
	kbuf_printf(buf, len, cap, "Call Trace:\n");
	machine_symbolize(m, pc, frame, sizeof(frame));
	kbuf_printf(buf, len, cap, " %s\n", frame);
	for (unsigned int i = w.depth; i-- > 0 && w.depth - i <= 16;) {
		machine_symbolize(m, w.stack[i], frame, sizeof(frame));
		kbuf_printf(buf, len, cap, " %s\n", frame);
	}
}

/* WARNING: CPU: 1 PID: 3 at hv/x86.c:123 vcpu_enter_guest+0x24/0x17b */
void __warn(const char *file, int line, const char *func)
{
	struct machine *m = sim_current;
	uintptr_t pc = CALLER_PC;
	char title[256], *text = NULL, frame[128];
	size_t len = 0, cap = 0;

	if (!m->running || !m->cur_task)
		return;
	(void)func;
	/* The call's own pc: pc - 1 is inside the call instruction. */
	machine_symbolize(m, pc, frame, sizeof(frame));
	snprintf(title, sizeof(title), "WARNING: CPU: %u PID: %u at %s:%d %s",
		 m->cur_cpu->id, m->cur_task->pid, file, line, frame);
	kbuf_printf(&text, &len, &cap, "------------[ cut here ]------------\n%s\n", title);
	kbuf_printf(&text, &len, &cap, "CPU: %u PID: %u Comm: %s\n", m->cur_cpu->id,
		    m->cur_task->pid, m->cur_task->name);
	backtrace(m, &text, &len, &cap, pc);
	kbuf_printf(&text, &len, &cap, "---[ end trace ]---\n");
	machine_report_text(m, title, text);
	free(text);
}

void __bug(const char *file, int line, const char *func)
{
	struct machine *m = sim_current;
	uintptr_t pc = CALLER_PC;
	char title[256], *text = NULL;
	size_t len = 0, cap = 0;

	snprintf(title, sizeof(title), "kernel BUG at %s:%d!", file, line);
	if (!m->running || !m->cur_task)
		machine_end(m, SIM_FAILED, title);
	kbuf_printf(&text, &len, &cap, "------------[ cut here ]------------\n%s\n", title);
	kbuf_printf(&text, &len, &cap, "invalid opcode: 0000 [#1] PREEMPT SMP\n");
	kbuf_printf(&text, &len, &cap, "CPU: %u PID: %u Comm: %s\nRIP: %s\n", m->cur_cpu->id,
		    m->cur_task->pid, m->cur_task->name, func);
	backtrace(m, &text, &len, &cap, pc);
	machine_report_text(m, title, text);
	free(text);
	machine_end(m, SIM_FAILED, title);
}
