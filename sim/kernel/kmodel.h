/* SPDX-License-Identifier: MIT */
/* The kernel model's state, hanging off struct machine (m->k). */
#ifndef HVSIM_KMODEL_H
#define HVSIM_KMODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "hvsim/kernel.h"
#include "engine/machine.h"
#include "engine/strbuf.h"

/* One registered hotplug state. */
struct cpuhp_step {
	const char *name;
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
	bool set;
};

#define KMODEL_CSD_POOL	256
#define KMODEL_MAX_PROCS	8
#define KMODEL_MAX_FDS		64
#define KMODEL_MAX_FILES	256
#define KMODEL_MAX_MISC		8
#define KMODEL_USER_MEM		(64u * 1024u)
#define KMODEL_ARENA		(64u << 20)	/* simulated physical memory */

/* A user process: its fds and its user memory. */
struct sim_process {
	struct file *fds[KMODEL_MAX_FDS];	/* 0-2 stay empty, as stdio */
	void *umem;				/* user memory (kept across runs, zeroed each) */
	size_t umem_len;
	unsigned int nr_tasks;			/* live tasks; the last one closes the fds */
};

struct kmodel {
	struct rw_semaphore hotplug_lock;	/* cpus_read_lock() and friends */
	struct lock_class_key hotplug_key;	/* its lockdep class */
	struct cpuhp_step steps[CPUHP_ONLINE + 1];

	/* Fire-and-forget IPIs (wait == 0) need csds that outlive the call. */
	struct sim_csd csd_pool[KMODEL_CSD_POOL];
	unsigned int csd_next;

	struct strbuf reports;		/* this run's reports, concatenated */
	unsigned int nreports;
	char first_title[160];		/* the first report's title */

	struct strbuf log;		/* this run's printk output */

	struct sim_process procs[KMODEL_MAX_PROCS];
	struct file files[KMODEL_MAX_FILES];	/* every file opened this run */
	unsigned int nfiles;
	struct miscdevice *misc[KMODEL_MAX_MISC];	/* registered misc devices */
	unsigned int nmisc;
	struct completion booted;	/* module init is done: user tasks may start */

	/* A write waits here for its new value until the task's next step. */
	struct {
		bool valid;
		struct sim_who who;
		uintptr_t stack[16];	/* the writer's frames, copied at the write */
		struct sim_op op;
		uint64_t old_val;
	} race_wpend;

	struct lockdep *lockdep;	/* lock-order and held-lock checks */
	struct race *race;		/* happens-before data-race detector */
	struct mem *mem;		/* simulated kernel memory */
};

/* Lock kinds, as lockdep sees them. */
enum klock_kind {
	KLOCK_SPIN,
	KLOCK_MUTEX,
	KLOCK_READ,
	KLOCK_WRITE,
};

/* sim/kernel/detect.c: lockdep's side of the lock primitives. */
void machine_lockdep_acquire(struct machine *m, const void *lock, const struct sim_lock_dep *dep,
			     enum klock_kind kind, bool trylock, uintptr_t pc);
void machine_lockdep_release(struct machine *m, const void *lock, uintptr_t pc);
void machine_might_sleep(struct machine *m, const char *what, uintptr_t pc);

/* Return to user space at the end of a system call (lockdep checks). */
void machine_user_return(struct machine *m, uintptr_t pc);
/* A task of a process exited: the last one closes its files. */
void machine_process_task_exit(struct machine *m, struct task *t);
/* module_init() functions: how many, and run them all. */
size_t kmodel_nr_initcalls(void);
void kmodel_run_initcalls(void);
/* Hold program tasks until module init ran in an init task on CPU 0. */
void kmodel_boot(struct machine *m);

/* The step every primitive is: a scheduling point on @obj, named for traces. */
struct machine *kcall_named(const void *obj, uintptr_t pc, const char *name);
#define kcall(obj, pc)		kcall_named((obj), (pc), __func__)

#endif /* HVSIM_KMODEL_H */
