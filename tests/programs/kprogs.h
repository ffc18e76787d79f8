/* SPDX-License-Identifier: MIT */
/* Instrumented programs for the kernel model's tests (tests/programs/kprogs.c). */
#ifndef HVSIM_TEST_KPROGS_H
#define HVSIM_TEST_KPROGS_H

#include <stdbool.h>

/* Results a test reads after a run (host side). */
struct kprog_result {
	int hits[8];		/* per CPU: calls of a cross-CPU function */
	int count;		/* a shared counter */
	int flag;		/* program-specific */
	int order[8];		/* program-specific sequence */
	int norder;
	int sched_in, sched_out;	/* preempt notifier calls */
	int bad;		/* a property the program checks itself failed */
};
void kprog_result(struct kprog_result *r);

void kp_on_each_cpu_task(void *arg);
void kp_irq_target_task(void *arg);
/*
 * A spinner waiting for a flag that a task on its own CPU sets: preempted
 * for the spinner, the writer runs again once the spinner parks (the
 * tick). kp_flag_spinner_task(1) spins with preemption off: it keeps the CPU.
 */
void kp_flag_spinner_task(void *arg);
/*
 * kp_add_refused_cpu2_task hot-adds CPU 2 with an ONLINE callback that
 * refuses it (count: add_cpu's return); kp_call_dying_cpu_task calls CPU 2,
 * waiting, as soon as it is online (order[0] its return, hits[2] the runs).
 */
void kp_add_refused_cpu2_task(void *arg);
void kp_call_dying_cpu_task(void *arg);
void kp_flag_writer_task(void *arg);
/*
 * kp_point_task reads a word eight times, each read marked by a
 * tracepoint just before it; kp_point_writer_task writes the word.
 */
void kp_point_task(void *arg);
void kp_point_writer_task(void *arg);
void kp_irq_sender_task(void *arg);
void kp_arrival_target_task(void *arg);
void kp_params_task(void *arg);
void kp_seq_calls_task(void *arg);
void kp_arrival_sender_task(void *arg);
void kp_hotplug_fail_task(void *arg);
/* STARTING and ONLINE states set up with calls, then CPU 2 added and removed. */
void kp_hotplug_where_task(void *arg);
void kp_mutex_task(void *arg);
void kp_abba_task(void *arg);
void kp_producer_task(void *arg);
void kp_consumer_task(void *arg);
void kp_notifier_task(void *arg);
void kp_busy_task(void *arg);
void kp_sleeper_task(void *arg);
void kp_waker_task(void *arg);
void kp_warn_task(void *arg);
void kp_bug_task(void *arg);
void kp_rwsem_task(void *arg);
void kp_spin_irq_task(void *arg);

/* Atomics, bitops, per-CPU data, the xarray, printk: res.bad says which failed. */
void kp_misc_task(void *arg);
/* cpuhp_setup_state() then remove_cpu(2). */
void kp_remove_cpu_task(void *arg);

/* The kernel-internal errno a signalled wait returns (Linux's value). */
#define KP_ERESTARTSYS	512

/* A task asleep far past the hung-task budget, then woken. */
void kp_hung_task(void *arg);
void kp_long_worker_task(void *arg);
/* Asleep interruptibly (arg 0) or killably (1) on kp_hung_task's completion. */
void kp_hung_intr_task(void *arg);
/* An interruptible wait nothing ends but the program's end; two results recorded. */
void kp_intr_waiter_task(void *arg);
/* A user task's ioctl asleep interruptibly at the end, on kp_idle_dev_task's device. */
void kp_idle_dev_task(void *arg);
void kp_idle_user_task(void *arg);
/* mutex_lock_killable() on a mutex its owner holds while asleep interruptibly. */
void kp_kill_owner_task(void *arg);
void kp_kill_waiter_task(void *arg);
/* Two waiters (arg bit 0: which; bit 1: exclusive) and one wake_up(). */
void kp_x_waiter_task(void *arg);
void kp_x_waker_task(void *arg);
/* rcuwait_wait_event() and rcuwait_wake_up(). */
void kp_rcuwait_waiter_task(void *arg);
void kp_rcuwait_waker_task(void *arg);

/* A user task moved by sched_setaffinity() onto CPU 2, which the other task adds. */
void kp_affinity_user_task(void *arg);
void kp_add_cpu2_task(void *arg);
/* Busy, never blocking, with a preempt notifier: may it move when preempted? */
void kp_busy_mover_task(void *arg);

/* A lock taken again by its owner, as the argument says; never returns. */
#define KP_RELOCK_MUTEX		0
#define KP_RELOCK_RWSEM_WRITE	1	/* down_write, down_write */
#define KP_RELOCK_RWSEM_READ	2	/* down_write, down_read */
#define KP_RELOCK_SPIN		3
void kp_relock_task(void *arg);
/* Waits for the relocking task's mutex to be held, then takes it too. */
void kp_relock_bystander_task(void *arg);

/*
 * Linux's two-phase fd install in a user task (as a driver's ioctl would
 * do it): reserve, check the reserved number is not open, make the file,
 * install it, give numbers back. KP_FD_CMD is the file's ioctl.
 */
#define KP_FD_CMD	0x4b01u
#define KP_FD_MAX	64	/* fds a process has (the kernel model's table) */
void kp_fd_user_task(void *arg);
/* Reserves the lowest free number (res.count) and exits with it reserved. */
void kp_fd_reserve_user_task(void *arg);
/* fd_install() into a number never reserved. */
void kp_fd_bad_install_user_task(void *arg);

/*
 * A per-CPU preempt count the program keeps itself, as a real kernel
 * object keeps __preempt_count (KP_OWN_CPUS of them, for the host's
 * sim_on_preemptible() callback to read). kp_own_count_task holds it up
 * around a four-step section; kp_own_count_intruder_task, on the same CPU,
 * records whether it ran inside (res.flag: the step) or beside it while
 * the holder was under way (res.count).
 */
#define KP_OWN_CPUS	8
int *kp_own_preempt_count(void);
void kp_own_count_task(void *arg);
void kp_own_count_intruder_task(void *arg);

/*
 * Ordering a model outside the kernel builds itself (kernel_hb_release()
 * and kernel_hb_acquire()): the writer writes a shared word plainly, then
 * (arg nonzero) releases, then raises a flag with WRITE_ONCE(); the
 * reader spins on the flag with READ_ONCE(), then (arg nonzero) acquires
 * and reads the word plainly (res.count: the value it saw). Marked
 * accesses order nothing: without the pair, the two plain accesses race.
 */
void kp_hb_writer_task(void *arg);
void kp_hb_reader_task(void *arg);

#endif /* HVSIM_TEST_KPROGS_H */
