// SPDX-License-Identifier: MIT
/*
 * The detectors' glue: what the engine and the kernel primitives tell
 * lockdep, the race detector and the memory checker.
 */
#include "kmodel.h"

void machine_hb_release(struct machine *m, const void *obj)
{
	(void)m;
	(void)obj;
}

void machine_hb_acquire(struct machine *m, const void *obj)
{
	(void)m;
	(void)obj;
}

void machine_lockdep_acquire(struct machine *m, const void *lock, const struct sim_lock_dep *dep,
			     enum klock_kind kind, bool trylock, uintptr_t pc)
{
	(void)lock;
	(void)dep;
	(void)trylock;
	if (kind == KLOCK_MUTEX || kind == KLOCK_READ || kind == KLOCK_WRITE)
		machine_might_sleep(m, "a sleeping lock", pc);
}

void machine_lockdep_release(struct machine *m, const void *lock, uintptr_t pc)
{
	(void)m;
	(void)lock;
	(void)pc;
}

void machine_might_sleep(struct machine *m, const char *what, uintptr_t pc)
{
	(void)m;
	(void)what;
	(void)pc;
}

void machine_detect_access(struct machine *m, struct task *t, const struct sim_op *op)
{
	(void)m;
	(void)t;
	(void)op;
}

void machine_detect_flush(struct machine *m)
{
	(void)m;
}

void machine_task_exit_hooks(struct machine *m, struct task *t)
{
	(void)m;
	(void)t;
}
