// SPDX-License-Identifier: MIT
#include "engine/report.h"

#include "engine/strbuf.h"

void report_who_line(struct strbuf *sb, const struct sim_who *w)
{
	strbuf_printf(sb, "CPU: %u PID: %u Comm: %s\n", w->cpu, w->pid, w->comm ? w->comm : "?");
}
