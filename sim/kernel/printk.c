// SPDX-License-Identifier: MIT
/* printk, WARN and BUG: recorded in the run's log, reports and trace. */
#include "hvsim/kernel.h"
#include "hvsim/sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cpu/hw.h"
#include "cpu/model.h"
#include "engine/report.h"
#include "engine/strbuf.h"
#include "kernel/kmodel.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

/* One line into the run's log and trace, within the caller's step. */
static void log_line(struct machine *m, const char *line)
{
	size_t len = strlen(line);

	if (!m->running)
		return;
	strbuf_printf(&kmodel_of(m)->log, "%s%s", line, len && line[len - 1] == '\n' ? "" : "\n");
	machine_trace_log(m, line);
}

const char *sim_kernel_log(const struct machine *m)
{
	return strbuf_str(&kmodel_of_const(m)->log);
}

int printk(const char *fmt, ...)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(m, line);
	return n;
}

int ratelimit_at(struct ratelimit_state *rs, uint64_t now_ns, int *suppressed)
{
	*suppressed = 0;
	if (!rs->interval_ns)
		return 1;
	if (!rs->started) {
		rs->started = true;
		rs->begin_ns = now_ns;
	}
	/* A CPU whose clock is behind the window's start sees the window still open. */
	if (now_ns >= rs->begin_ns && now_ns - rs->begin_ns >= rs->interval_ns) {
		*suppressed = rs->missed;
		rs->begin_ns = now_ns;
		rs->printed = 0;
		rs->missed = 0;
	}
	if (rs->printed < rs->burst) {
		rs->printed++;
		return 1;
	}
	rs->missed++;
	return 0;
}

/*
 * The calling CPU's clock in nanoseconds: its cycles at its model's
 * nominal frequency. Linux's ratelimit reads jiffies; the window and the
 * burst are the same.
 */
static uint64_t clock_ns(const struct machine *m)
{
	uint64_t mhz = model_freq_mhz(hw_cur(m)->model);
	uint64_t cycles = m->cur_cpu->cycles;

	return cycles / mhz * 1000 + cycles % mhz * 1000 / mhz;
}

static int ratelimit(struct machine *m, struct ratelimit_state *rs, const char *func)
{
	int suppressed, ret;

	if (!m->running)
		return 1;
	ret = ratelimit_at(rs, clock_ns(m), &suppressed);
	if (suppressed) {
		char line[160];

		snprintf(line, sizeof(line), "%s: %d callbacks suppressed", func, suppressed);
		log_line(m, line);
	}
	return ret;
}

int ___ratelimit(struct ratelimit_state *rs, const char *func)
{
	return ratelimit(kcall(rs, CALLER_PC), rs, func);
}

/* One step, as printk's: the decision and the line together. */
int __printk_ratelimited(struct ratelimit_state *rs, const char *fmt, ...)
{
	struct machine *m = kcall(rs, CALLER_PC);
	char line[512];
	va_list ap;
	int n;

	if (!ratelimit(m, rs, rs->func))
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	log_line(m, line);
	return n;
}

/* Not a step: a tracepoint never changes the schedule (sim_current is the running machine). */
void trace_point(const char *name, uint64_t a, uint64_t b)
{
	struct machine *m = sim_current;

	if (m && m->running)
		machine_trace_point(m, name, a, b);
}

/* Plain host accesses: the counters live in module memory, restored with it at each run. */
void debugfs_add(uint64_t *counter, uint64_t n)
{
	*counter += n;
}

void debugfs_set(uint64_t *counter, uint64_t value)
{
	*counter = value;
}

uint64_t debugfs_read(const uint64_t *counter)
{
	return *counter;
}

/* The call trace, one machine_frame() per pc: file:line, inlined calls expanded. */
static void backtrace(struct machine *m, struct strbuf *sb, const struct sim_who *w)
{
	strbuf_printf(sb, "Call Trace:\n");
	machine_frame(m, sb, " ", w->pc, "");
	for (unsigned int i = w->depth; i-- > 0 && w->depth - i <= 16;)
		machine_frame(m, sb, " ", w->stack[i], "");
}

/*
 * WARNING: CPU: 1 PID: 3 at hv/x86.c:123 vcpu_enter_guest+0x24/0x17b:
 * the WARN at @file:@line whose code continues at @pc (a call's return
 * address; for a trap, the instruction after it), in the running task.
 */
static void warn_report(struct machine *m, const char *file, int line, uintptr_t pc)
{
	struct strbuf text = STRBUF_INIT;
	char title[256], frame[128], site[160];
	struct sim_who w;

	/* pc - 1 is inside the call (or the trapping instruction). */
	machine_symbolize(m, pc, frame, sizeof(frame));
	snprintf(title, sizeof(title), "WARNING: CPU: %u PID: %u at %s:%d %s",
		 m->cur_cpu->id, m->cur_task->pid, file, line, frame);
	strbuf_printf(&text, "------------[ cut here ]------------\n%s\n", title);
	kernel_who(m, &w, pc);
	report_who_line(&text, &w);
	backtrace(m, &text, &w);
	strbuf_printf(&text, "---[ end trace ]---\n");
	snprintf(site, sizeof(site), "%s:%d", file, line);
	machine_mark(m, &w, TR_MARK_SITE, 0, 0, site);
	machine_report_text(m, title, strbuf_str(&text));
	strbuf_release(&text);
}

/* kernel BUG at FILE:LINE!, as warn_report(); @func for the RIP line, or NULL. */
static void bug_report(struct machine *m, const char *file, int line, uintptr_t pc,
		       const char *func, char *title, size_t title_len)
{
	struct strbuf text = STRBUF_INIT;
	char site[160], frame[128];
	struct sim_who w;

	snprintf(title, title_len, "kernel BUG at %s:%d!", file, line);
	strbuf_printf(&text, "------------[ cut here ]------------\n%s\n", title);
	strbuf_printf(&text, "invalid opcode: 0000 [#1] PREEMPT SMP\n");
	kernel_who(m, &w, pc);
	report_who_line(&text, &w);
	if (!func) {
		machine_symbolize(m, pc, frame, sizeof(frame));
		func = frame;
	}
	strbuf_printf(&text, "RIP: %s\n", func);
	backtrace(m, &text, &w);
	snprintf(site, sizeof(site), "%s:%d", file, line);
	machine_mark(m, &w, TR_MARK_SITE, 0, 0, site);
	machine_report_text(m, title, strbuf_str(&text));
	strbuf_release(&text);
}

void __warn(const char *file, int line, const char *func)
{
	struct machine *m = sim_current;

	(void)func;
	if (!m->running || !m->cur_task)
		return;
	warn_report(m, file, line, CALLER_PC);
}

void __warn_at(const char *file, int line, const void *pc)
{
	struct machine *m = sim_current;

	if (!m->running || !m->cur_task)
		return;
	warn_report(m, file, line, (uintptr_t)pc);
}

void __bug(const char *file, int line, const char *func)
{
	struct machine *m = sim_current;
	char title[256];

	if (!m->running || !m->cur_task) {
		snprintf(title, sizeof(title), "kernel BUG at %s:%d!", file, line);
		machine_end(m, SIM_FAILED, title);
	}
	bug_report(m, file, line, CALLER_PC, func, title, sizeof(title));
	machine_end(m, SIM_FAILED, title);
}

void __bug_report_at(const char *file, int line, const void *pc)
{
	struct machine *m = sim_current;
	char title[256];

	if (!m->running || !m->cur_task)
		return;
	bug_report(m, file, line, (uintptr_t)pc, NULL, title, sizeof(title));
}
