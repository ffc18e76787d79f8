/* SPDX-License-Identifier: MIT */
/*
 * The plain C interface between the glue's two sides (docs/real-kvm.md):
 * the kernel-header side (k61_*.c, arch61*.c: 6.1's types) calls these,
 * the hvsim side (host61*.c: hvsim's types) defines them. Only C's own
 * types cross, so both sides include this without their headers' types
 * meeting: no libc or kernel header here.
 */
#ifndef HVSIM_KVM_TREE_K61_IFACE_H
#define HVSIM_KVM_TREE_K61_IFACE_H

/*
 * The kernel's code keeps the stack aligned to 8 only
 * (-mpreferred-stack-boundary=3): what it calls on hvsim's side
 * realigns it on entry.
 */
#define K61_FROM_KERNEL __attribute__((force_align_arg_pointer))

/* ---- 6.1's locks, each kept as one of hvsim's in a side table ---- */

enum k61_lock_kind {
	K61_MUTEX,		/* struct mutex */
	K61_SPIN,		/* raw_spinlock_t, spinlock_t */
	K61_RWLOCK,		/* rwlock_t: hvsim has no reader-writer spinlock; exclusive */
	K61_RWSEM,		/* struct rw_semaphore */
};

enum k61_lock_op {
	K61_LOCK,		/* mutex_lock, spin lock, write lock, down_write */
	K61_LOCK_KILLABLE,	/* mutex_lock_killable: 0 or -EINTR */
	K61_TRYLOCK,		/* 1 taken, 0 not */
	K61_UNLOCK,
	K61_READ_LOCK,		/* down_read */
	K61_READ_UNLOCK,	/* up_read */
	K61_IS_LOCKED,
};

/* @name and @key (lockdep's class) from 6.1's __mutex_init() and friends. */
K61_FROM_KERNEL void k61_host_lock_init(void *lock, int kind, const char *name, const void *key);
K61_FROM_KERNEL int k61_host_lock_op(void *lock, int kind, int op);

/* ---- SRCU and RCU (readers counted; a grace period waits for none) ---- */

K61_FROM_KERNEL int k61_host_srcu_init(void *ssp);
K61_FROM_KERNEL void k61_host_srcu_cleanup(void *ssp);
K61_FROM_KERNEL int k61_host_srcu_read_lock(void *ssp);
K61_FROM_KERNEL void k61_host_srcu_read_unlock(void *ssp, int idx);
K61_FROM_KERNEL void k61_host_srcu_synchronize(void *ssp);
K61_FROM_KERNEL void k61_host_rcu_read_lock(void);
K61_FROM_KERNEL void k61_host_rcu_read_unlock(void);
K61_FROM_KERNEL void k61_host_rcu_synchronize(void);

/* ---- CPUs ---- */

K61_FROM_KERNEL void k61_host_cpus_read_lock(int lock);
/* @func on each CPU of @mask (6.1's bits), the caller's directly, with interrupts off. */
K61_FROM_KERNEL void k61_host_on_each_cpu(unsigned long mask, void (*func)(void *info), void *info,
					  int wait);
K61_FROM_KERNEL void k61_host_local_irq(int enable);

/* ---- sleeping: 6.1's schedule() on hvsim's tasks ---- */

/* Give the CPU to another runnable task of it, if there is one (hvsim's schedule()). */
K61_FROM_KERNEL void k61_host_yield(void);
/*
 * Sleep the running task (mirror slot @slot) while *@state, 6.1's
 * current->__state, is not TASK_RUNNING (0): what the waker sets before
 * it wakes, so a wake-up between set_current_state() and schedule() is
 * not lost. 0, or -EINTR when hvsim's fatal signal (a program's end)
 * woke it.
 */
K61_FROM_KERNEL int k61_host_sleep(unsigned int slot, const volatile unsigned int *state);

/* ---- 6.1's preempt notifiers on hvsim's tasks ---- */

/*
 * Register @n61 on the running task: at each sched-in @in(n61, cpu), at
 * each sched-out @out(n61, next task's mirror).
 */
K61_FROM_KERNEL void k61_host_preempt_notifier(void *n61, int reg,
					       void (*in)(void *n61, int cpu),
					       void (*out)(void *n61, void *next61));

/* ---- memory on hvsim's arena ---- */

K61_FROM_KERNEL void *k61_host_kmalloc(unsigned long size, int zero);
K61_FROM_KERNEL void k61_host_kfree(const void *p);
K61_FROM_KERNEL void *k61_host_cache_alloc(void *cache, int zero);
K61_FROM_KERNEL void k61_host_cache_free(void *cache, void *p);
K61_FROM_KERNEL unsigned long k61_host_get_free_pages(unsigned int order, int zero);
K61_FROM_KERNEL void k61_host_free_pages(unsigned long addr, unsigned int order);
/* Bytes not copied; a step that names the user address (hvsim's copy_*_user). */
K61_FROM_KERNEL unsigned long k61_host_copy_from_user(void *to, const void *from, unsigned long n);
K61_FROM_KERNEL unsigned long k61_host_copy_to_user(void *to, const void *from, unsigned long n);
/* Either: from user memory when @from is the process's, else to it. */
K61_FROM_KERNEL unsigned long k61_host_copy_user(void *to, const void *from, unsigned long n);

/* ---- files ---- */

K61_FROM_KERNEL int k61_host_get_unused_fd(void);
K61_FROM_KERNEL void k61_host_put_unused_fd(int fd);
/* An hvsim file standing for 6.1 file @file61, or 0 (-ENFILE). */
K61_FROM_KERNEL void *k61_host_file_new(const char *name, void *file61);
K61_FROM_KERNEL void k61_host_fd_install(int fd, void *hfile);
K61_FROM_KERNEL void k61_host_fput(void *hfile);

/* ---- the running CPU's instructions, for the adapter's VMX (arch61_vmx.c) ---- */

/* RDMSR: 0, or -EIO where it would #GP. */
K61_FROM_KERNEL int k61_host_rdmsr(unsigned int msr, unsigned long long *val);
/* MOV from CR0 (@cr 0) or CR4 (@cr 4). */
K61_FROM_KERNEL unsigned long k61_host_read_cr(int cr);
/* CR4 |= @set, then &= ~@clear. */
K61_FROM_KERNEL void k61_host_cr4_update(unsigned long set, unsigned long clear);

/*
 * VMX instructions with hvsim's outcomes (hvsim/hw.h): 0 VMsucceed,
 * 1 VMfailInvalid, 2 VMfailValid; VMXON's -EFAULT where it would fault.
 */
enum k61_vmx_insn { K61_VMXON, K61_VMXOFF, K61_VMCLEAR, K61_VMPTRLD, K61_VMLAUNCH, K61_VMRESUME };
K61_FROM_KERNEL int k61_host_vmx(int insn, unsigned long long pa);
K61_FROM_KERNEL int k61_host_vmread(unsigned long field, unsigned long *val);
K61_FROM_KERNEL int k61_host_vmwrite(unsigned long field, unsigned long val);

/* ---- formatting: libc's integer and string conversions, never %p ---- */

K61_FROM_KERNEL int k61_host_vsnprintf(char *buf, unsigned long size, const char *fmt,
				       __builtin_va_list ap);

#endif /* HVSIM_KVM_TREE_K61_IFACE_H */
