/* SPDX-License-Identifier: MIT */
/*
 * What the engine's machine files (machine.c, sched.c, tasks.c, emit.c,
 * state.c, backstop.c) share and nothing outside sim/engine/ may use.
 */
#ifndef HVSIM_ENGINE_MACHINE_INT_H
#define HVSIM_ENGINE_MACHINE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/machine.h"

/* state.c: the instrumented data+bss, and addresses. */
void machine_state_save(void *to);
void machine_state_restore(const void *from);
/* Which trace region host address @addr lies in, its offset there, and the owning task. */
void machine_addr_region(const struct machine *m, uintptr_t addr, uint8_t *region,
			 uint64_t *offset, uint32_t *owner);
/* The same for @norm, an address as reports print it (machine_norm_addr()). */
void machine_norm_region(const struct machine *m, uint64_t norm, uint8_t *region,
			 uint64_t *offset, uint32_t *owner);

/* emit.c: trace events. */
void emit_event_base(const struct machine *m, struct trace_event *e, unsigned int type);
/* A write's event waits for its new value until the next step: emit it now. */
void emit_flush_write(struct machine *m);
void emit_access(struct machine *m, const struct sim_op *op);
void emit_simple(struct machine *m, unsigned int type, uint32_t arg);
/* A report titled @title: TR_REPORT, TR_LOG, its marks (machine_mark()), which it clears. */
void emit_report(struct machine *m, const char *title);

/* machine.c: m->cur_cpu or m->cur_task changed: sim_on_switch()'s callback. */
void machine_switched(struct machine *m);

/* sched.c */
__attribute__((noreturn)) void sched_end_run(struct machine *m, enum sim_outcome o,
					     const char *why);
/* Decide which CPU performs the next step; @forced: the current task cannot go on. */
void sched_decide(struct machine *m, bool forced, bool from_dies);
struct task *sched_pick_next(struct machine *m, struct cpu *c);
uint64_t sched_runnable_mask(const struct machine *m);

/* backstop.c: install once per process; end a run that faulted. */
int backstop_install(void);
void backstop_end(struct machine *m);

#endif /* HVSIM_ENGINE_MACHINE_INT_H */
