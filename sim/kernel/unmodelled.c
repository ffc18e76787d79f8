// SPDX-License-Identifier: MIT
/* not_modelled(): the end of a run that reached code hvsim has no model of. */
#include "hvsim/kernel.h"
#include "hvsim/sim.h"

#include <stdio.h>
#include <stdlib.h>

#include "engine/report.h"
#include "engine/strbuf.h"
#include "kernel/kmodel.h"

void not_modelled(const char *what, const void *caller)
{
	struct machine *m = sim_current;
	uintptr_t pc = caller ? (uintptr_t)caller : (uintptr_t)__builtin_return_address(0);
	struct strbuf text = STRBUF_INIT;
	char title[256], frame[128];
	struct sim_who w;

	if (!m || !m->running || !m->cur_task) {
		fprintf(stderr, "hvsim: not modelled: %s (called outside a run)\n", what);
		abort();
	}
	snprintf(title, sizeof(title), "not modelled: %s", what);
	machine_symbolize(m, pc, frame, sizeof(frame));
	strbuf_printf(&text, "%s\ncalled from %s\n", title, frame);
	kernel_who(m, &w, pc);
	report_who_line(&text, &w);
	/* The call, then the instrumented callers (the shadow stack). */
	strbuf_printf(&text, "Call Trace:\n");
	machine_frame(m, &text, " ", pc, "");
	for (unsigned int i = w.depth; i-- > 0 && w.depth - i <= 16;)
		machine_frame(m, &text, " ", w.stack[i], "");
	machine_report_text(m, title, strbuf_str(&text));
	strbuf_release(&text);
	machine_end(m, SIM_FAILED, title);
	__builtin_unreachable();
}
