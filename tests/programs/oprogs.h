/* SPDX-License-Identifier: MIT */
/* Instrumented programs for the oracles' tests (tests/programs/oprogs.c). */
#ifndef HVSIM_TEST_OPROGS_H
#define HVSIM_TEST_OPROGS_H

/* Data races: plain/plain, marked/marked, and under a lock. */
void op_plain_writer(void *arg);
void op_plain_reader(void *arg);
void op_marked_reader_of_plain(void *arg);
void op_marked_writer(void *arg);
void op_marked_reader(void *arg);
void op_locked_writer(void *arg);
void op_locked_reader(void *arg);

/* Memory: use after free, NULL, a leak, a clean alloc/free. */
void op_uaf_task(void *arg);
void op_null_task(void *arg);
void op_leak_task(void *arg);
void op_clean_alloc_task(void *arg);
void op_wild_task(void *arg);
/* Two ud2 traps in a row. */
void op_trap_task(void *arg);

/* Locks misused: sleeping with IRQs off. */
void op_sleep_atomic_task(void *arg);

/* User tasks against the toy device (its module_init registers /dev/toy). */
void op_user_open_ioctl(void *arg);
void op_user_held_lock(void *arg);
void op_user_fail_nth(void *arg);
void op_user_efault(void *arg);
/* What the toy device saw (host side). */
struct op_dev_result {
	int inits;		/* module_init calls */
	int opens, releases;	/* of /dev/toy */
	int anon_releases;	/* of the anon-inode files it handed out */
	long results[8];	/* the user task's system call returns */
};
void op_dev_result(struct op_dev_result *r);

#endif /* HVSIM_TEST_OPROGS_H */
