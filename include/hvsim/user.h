/* SPDX-License-Identifier: MIT */
/*
 * What a program's user tasks call: system calls into the simulated kernel.
 * A user task belongs to a process (its fd table and user memory); pointer
 * arguments must point into that process's user memory, or the kernel's
 * copy_from_user()/copy_to_user() fail with -EFAULT, as on Linux.
 */
#ifndef HVSIM_USER_H
#define HVSIM_USER_H

#include <stddef.h>

struct machine;

typedef void (*sim_user_fn)(void *arg);

/* Spawn a user task of process @proc (0 to 7) on @cpu; from setup() only. */
int sim_spawn_user(struct machine *m, unsigned int cpu, unsigned int proc, const char *name,
		   sim_user_fn fn, void *arg);

/* -errno on failure, as the raw system calls return. */
int sim_sys_openat(const char *path, int flags);
long sim_sys_ioctl(int fd, unsigned long cmd, unsigned long arg);
int sim_sys_close(int fd);
/*
 * mmap(2) of @len bytes of @fd at @offset (a page multiple): the address,
 * or (void *)-errno. MAP_SHARED of a file whose driver maps it (a vCPU's
 * kvm_run page); @prot and @flags are taken as given.
 */
void *sim_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long offset);
/*
 * sched_setaffinity(2): task @pid (0: the caller) runs only on the CPUs of
 * the mask at @user_mask (@len bytes, bit n for CPU n). -EINVAL when no
 * CPU of it is online, -ESRCH for no such task, -EFAULT for a bad pointer.
 */
int sim_sys_sched_setaffinity(int pid, size_t len, const void *user_mask);
/*
 * clone(2) with CLONE_VM | CLONE_FILES | CLONE_THREAD (a pthread): a new
 * user task of the caller's process, sharing its fds and user memory,
 * running @fn(@arg), with the caller's CPU affinity. Which CPU it starts
 * on, and when it runs relative to the caller, is the scheduler's (the
 * strategy's) choice, as for any woken task. Its tid, or -EAGAIN when the
 * machine has no room for another task.
 */
int sim_sys_clone_thread(sim_user_fn fn, void *arg);
/*
 * futex(2), FUTEX_WAIT and FUTEX_WAKE of the caller's process: wait while
 * the int at @uaddr (in user memory) is @val, -EAGAIN when it is not at
 * the call, 0 once a wake-up found it changed, -EINTR when the program's
 * end kills the task; wake the process's waiters on @uaddr (each rechecks
 * its word; a store to the word goes before the wake). -EFAULT for an
 * address outside user memory.
 */
int sim_sys_futex_wait(const int *uaddr, int val);
int sim_sys_futex_wake(const int *uaddr);
/* The Nth fallible call of the next system call fails (0: none). */
void sim_sys_set_fail_nth(int nth);

/* Bytes of user memory each process has. */
#define SIM_USER_MEM_BYTES	(64u * 1024u)

/* The calling process's user memory: @len bytes, zeroed at every run's start. */
void *sim_user_mem(size_t *len);

#endif /* HVSIM_USER_H */
