// SPDX-License-Identifier: MIT
/*
 * The detectors' glue: what the engine and the kernel primitives tell
 * lockdep, the race detector and the memory checker.
 */
#include <stdio.h>
#include <string.h>

#include "engine/report.h"
#include "engine/strbuf.h"
#include "kernel/kmodel.h"
#include "kernel/lockdep.h"
#include "kernel/mem.h"
#include "kernel/race.h"

/*
 * A release or acquire orders what the task did before it: a write still
 * pending (accounted at the next step) is accounted first, so that it
 * carries the epoch before the release, not after.
 */
void kdetect_hb_release(struct machine *m, const void *obj)
{
	if (!(m->detect & SIM_DETECT_RACE) || !m->cur_task)
		return;
	kdetect_flush(m);
	race_release(kmodel_of(m)->race, m->cur_task->id, obj);
}

void kdetect_hb_acquire(struct machine *m, const void *obj)
{
	if (!(m->detect & SIM_DETECT_RACE) || !m->cur_task)
		return;
	kdetect_flush(m);
	race_acquire(kmodel_of(m)->race, m->cur_task->id, obj);
}

void kernel_hb_release(const void *obj)
{
	kdetect_hb_release(sim_current, obj);
}

void kernel_hb_acquire(const void *obj)
{
	kdetect_hb_acquire(sim_current, obj);
}

void kdetect_order(struct machine *m, unsigned int kind, uintptr_t addr, int mo)
{
	struct kmodel *k = kmodel_of(m);

	if (!(m->detect & SIM_DETECT_RACE) || !m->cur_task)
		return;
	/* The atomic's own write first: it is checked before it orders anything. */
	kdetect_flush(m);
	if (kind == SIM_FENCE)
		race_fence(k->race, m->cur_task->id, mo);
	else
		race_atomic(k->race, m->cur_task->id, kind, machine_norm_addr(m, addr), mo);
}

/* The value at @addr, a pointer normalized as reports print addresses. */
static uint64_t value_at(const struct machine *m, uintptr_t addr, uint32_t size)
{
	uint64_t v = size <= 8 ? machine_read_value(addr, size) : 0;

	return size == 8 ? machine_norm_addr(m, v) : v;
}

/* A write's new value is in memory once its task reaches its next step. */
void kdetect_flush(struct machine *m)
{
	struct kmodel *k = kmodel_of(m);

	if (!k->race_wpend.valid)
		return;
	k->race_wpend.valid = false;
	race_access(k->race, &k->race_wpend.who, k->race_wpend.op.kind,
		    machine_norm_addr(m, k->race_wpend.op.addr), k->race_wpend.op.size,
		    k->race_wpend.old_val,
		    value_at(m, k->race_wpend.op.addr, k->race_wpend.op.size));
}

static void race_check(struct machine *m, struct task *t, const struct sim_op *op)
{
	struct kmodel *k = kmodel_of(m);
	struct sim_who w;
	uint64_t v;

	(void)t;
	kernel_who(m, &w, op->pc);
	v = value_at(m, op->addr, op->size);
	if (!sim_kind_is_write(op->kind)) {
		race_access(k->race, &w, op->kind, machine_norm_addr(m, op->addr), op->size, v, v);
		return;
	}
	kdetect_flush(m);
	k->race_wpend.valid = true;
	k->race_wpend.who = w;
	/* Frames may change before the new value is read: keep a copy. */
	if (w.depth > 16) {
		w.stack += w.depth - 16;
		w.depth = 16;
	}
	memcpy(k->race_wpend.stack, w.stack, w.depth * sizeof(w.stack[0]));
	k->race_wpend.who.stack = k->race_wpend.stack;
	k->race_wpend.who.depth = w.depth;
	k->race_wpend.op = *op;
	k->race_wpend.old_val = v;
}

static enum lockdep_kind lockdep_kind_of(enum klock_kind kind)
{
	switch (kind) {
	case KLOCK_SPIN:
		return LOCKDEP_SPIN;
	case KLOCK_MUTEX:
		return LOCKDEP_MUTEX;
	case KLOCK_READ:
		return LOCKDEP_RWSEM_READ;
	default:
		return LOCKDEP_RWSEM_WRITE;
	}
}

void kdetect_lock_acquire(struct machine *m, const void *lock, const struct sim_lock_dep *dep,
			     enum klock_kind kind, bool trylock, uintptr_t pc)
{
	struct sim_who w;

	if (!(m->detect & SIM_DETECT_LOCKDEP))
		return;

	kernel_who(m, &w, pc);
	lockdep_acquire(kmodel_of(m)->lockdep, &w, lock, dep->key ? (const void *)dep->key : lock,
			dep->name, lockdep_kind_of(kind), trylock);
}

void kdetect_lock_release(struct machine *m, const void *lock, uintptr_t pc)
{
	struct sim_who w;

	if (!(m->detect & SIM_DETECT_LOCKDEP))
		return;

	kernel_who(m, &w, pc);
	lockdep_release(kmodel_of(m)->lockdep, &w, lock);
}

void kdetect_might_sleep(struct machine *m, const char *what, uintptr_t pc)
{
	struct sim_who w;

	if (!(m->detect & SIM_DETECT_LOCKDEP))
		return;

	kernel_who(m, &w, pc);
	lockdep_might_sleep(kmodel_of(m)->lockdep, &w, what);
}

void kdetect_user_return(struct machine *m, uintptr_t pc)
{
	struct sim_who w;

	if (!(m->detect & SIM_DETECT_LOCKDEP))
		return;

	kernel_who(m, &w, pc);
	lockdep_user_return(kmodel_of(m)->lockdep, &w);
}

/* The instrumented modules' read-only data (cmake/hvsim.cmake renames it here). */
extern char __start_hvsim_rodata[] __attribute__((weak));
extern char __stop_hvsim_rodata[] __attribute__((weak));

static bool in_module_rodata(uintptr_t addr, uint32_t size)
{
	return __start_hvsim_rodata && addr >= (uintptr_t)__start_hvsim_rodata &&
	       addr + size <= (uintptr_t)__stop_hvsim_rodata;
}

/* Memory the machine owns that instrumented code may touch, besides the arena. */
static bool known_memory(const struct machine *m, uintptr_t addr, uint32_t size, bool write)
{
	/* Kernel rodata: string literals and const tables, readable. */
	if (!write && in_module_rodata(addr, size))
		return true;
	uintptr_t k = (uintptr_t)kmodel_of(m);

	if (addr >= k && addr + size <= k + sizeof(*kmodel_of(m)))
		return true;	/* files, csds: the kernel model's own objects */
	for (unsigned int i = 0; i < m->ntasks; i++) {
		uintptr_t lo = (uintptr_t)m->tasks[i].ctx.stack_lo;

		if (m->tasks[i].stack && addr >= lo && addr + size <= lo + m->tasks[i].ctx.stack_size)
			return true;
	}
	for (unsigned int i = 0; i < KMODEL_MAX_PROCS; i++) {
		uintptr_t lo = (uintptr_t)kmodel_of(m)->procs[i].umem;

		if (lo && addr >= lo && addr + size <= lo + kmodel_of(m)->procs[i].umem_len)
			return true;
	}
	return machine_in_state_sections(addr, size);
}

/*
 * The checks KASAN and the MMU would make, before the access happens: a
 * NULL or wild pointer is an oops, a freed or out-of-bounds arena object a
 * KASAN report; either ends the run (the access is never performed).
 */
static void mem_checks(struct machine *m, const struct sim_op *op);

void kdetect_access(struct machine *m, struct task *t, const struct sim_op *op)
{
	if (!op->size)
		return;
	if (m->detect & SIM_DETECT_MEM)
		mem_checks(m, op);
	if (m->detect & SIM_DETECT_RACE)
		race_check(m, t, op);
}

static void mem_checks(struct machine *m, const struct sim_op *op)
{
	struct sim_who w;
	int bad;

	kernel_who(m, &w, op->pc);
	if (op->addr < 4096) {
		mem_check_null(kmodel_of(m)->mem, &w, op->addr, op->size, sim_kind_is_write(op->kind));
		machine_end(m, SIM_FAILED, "BUG: kernel NULL pointer dereference");
	}
	if (mem_contains(kmodel_of(m)->mem, op->addr, 1)) {
		bad = mem_check(kmodel_of(m)->mem, &w, op->addr, op->size, sim_kind_is_write(op->kind));
		if (bad)
			machine_end(m, SIM_FAILED, m->first_title);
		return;
	}
	if (!known_memory(m, op->addr, op->size, sim_kind_is_write(op->kind))) {
		struct strbuf text = STRBUF_INIT;
		char title[160];

		snprintf(title, sizeof(title),
			 "general protection fault: 0000 [#1] PREEMPT SMP (%s of %u bytes outside the machine's memory)",
			 sim_kind_is_write(op->kind) ? "write" : "read", op->size);
		strbuf_printf(&text, "%s\n", title);
		report_who_line(&text, &w);
		machine_frame(m, &text, "RIP: ", op->pc, "");
		/* Outside every region: the mark says so (its address would differ by process). */
		machine_mark(m, &w, TR_MARK_SITE, machine_norm_addr(m, op->addr), op->size, NULL);
		machine_report_text(m, title, strbuf_str(&text));
		strbuf_release(&text);
		machine_end(m, SIM_FAILED, title);
	}
}


void kdetect_task_exit(struct machine *m, struct task *t)
{
	struct sim_who w;

	if (m->detect & SIM_DETECT_RACE)
		kdetect_flush(m);
	if (m->detect & SIM_DETECT_LOCKDEP) {
		kernel_who(m, &w, 0);
		lockdep_task_exit(kmodel_of(m)->lockdep, &w);
	}
	fs_task_exit(m, t);
}
