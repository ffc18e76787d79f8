// SPDX-License-Identifier: MIT
/* Instrumented programs exercising the kernel model. */
#define KBUILD_MODNAME "kprogs"

#include "kprogs.h"

#include <errno.h>
#include <stdint.h>

#include "hvsim/kernel.h"
#include "hvsim/user.h"

static struct kprog_result res;

void kprog_result(struct kprog_result *r)
{
	*r = res;
}

static void record(int v)
{
	int n = READ_ONCE(res.norder);

	if (n < 8) {
		res.order[n] = v;
		WRITE_ONCE(res.norder, n + 1);
	}
}

/* ---- on_each_cpu reaches exactly the online CPUs ---------------------- */

static void hit(void *info)
{
	(void)info;
	res.hits[smp_processor_id()]++;
	if (!irqs_disabled())
		res.bad = 1;
}

void kp_on_each_cpu_task(void *arg)
{
	(void)arg;
	on_each_cpu(hit, NULL, 1);
	/* wait=1: every call has returned. */
	res.count = res.hits[0] + res.hits[1] + res.hits[2] + res.hits[3];
}

/* ---- an IPI waits for the target's STI ------------------------------------ */

static int irq_phase;
static int irq_go;
static int irq_handled;

static void irq_handler(void *info)
{
	(void)info;
	WRITE_ONCE(irq_handled, 1);
}

void kp_irq_target_task(void *arg)
{
	(void)arg;
	local_irq_disable();
	WRITE_ONCE(irq_phase, 1);
	while (!READ_ONCE(irq_go))
		cpu_relax();
	/* The IPI was sent by now, but IF=0: it must not have run. */
	res.flag = READ_ONCE(irq_handled);
	local_irq_enable();
	/* At its earliest (every strategy's default) it lands at the first step after STI. */
	res.order[0] = READ_ONCE(irq_handled);
	/* Later at the latest when its window closes. */
	while (!READ_ONCE(irq_handled))
		cpu_relax();
	res.count = READ_ONCE(irq_handled);
}

void kp_irq_sender_task(void *arg)
{
	(void)arg;
	while (!READ_ONCE(irq_phase))
		cpu_relax();
	smp_call_function_single(1, irq_handler, NULL, 0);
	WRITE_ONCE(irq_go, 1);
}

/* ---- an IPI's arrival moves across the target's steps ------------------------ */

#define ARRIVAL_STEPS	5
static int arr_seq[ARRIVAL_STEPS];
static int arr_sent;

/* Where the IPI landed: how many of the target's writes came before it. */
static void arrival_handler(void *info)
{
	int n = 0;

	(void)info;
	for (int i = 0; i < ARRIVAL_STEPS; i++)
		n += READ_ONCE(arr_seq[i]);
	res.flag = n;
	res.count++;
}

void kp_arrival_target_task(void *arg)
{
	(void)arg;
	local_irq_disable();
	while (!READ_ONCE(arr_sent))
		cpu_relax();
	local_irq_enable();
	for (int i = 0; i < ARRIVAL_STEPS; i++)
		WRITE_ONCE(arr_seq[i], 1);
}

void kp_arrival_sender_task(void *arg)
{
	(void)arg;
	/* The sender touches the target's words too: they are shared, steps dfs sees. */
	for (int i = 0; i < ARRIVAL_STEPS; i++)
		WRITE_ONCE(arr_seq[i], 0);
	smp_call_function_single(1, arrival_handler, NULL, 0);
	WRITE_ONCE(arr_sent, 1);
}

/* ---- hotplug callbacks run on their CPU ------------------------------------- */

/* A callback for @cpu must run on @cpu, with interrupts off exactly when @atomic. */
static void hp_where(unsigned int cpu, bool atomic)
{
	if (smp_processor_id() != cpu || irqs_disabled() != atomic)
		res.bad = 1;
}

static int hp_start(unsigned int cpu)
{
	hp_where(cpu, true);
	record(10 + (int)cpu);
	return 0;
}

static int hp_dying(unsigned int cpu)
{
	hp_where(cpu, true);
	record(20 + (int)cpu);
	return 0;
}

static int hp_online(unsigned int cpu)
{
	hp_where(cpu, false);
	record(30 + (int)cpu);
	return 0;
}

static int hp_offline(unsigned int cpu)
{
	hp_where(cpu, false);
	record(40 + (int)cpu);
	return 0;
}

void kp_hotplug_where_task(void *arg)
{
	(void)arg;
	if (cpuhp_setup_state(CPUHP_AP_KVM_STARTING, "test/where:starting", hp_start, hp_dying) ||
	    cpuhp_setup_state(CPUHP_AP_KVM_ONLINE, "test/where:online", hp_online, hp_offline))
		res.bad = 2;
	res.count = add_cpu(2);
	res.count |= remove_cpu(2);
	res.flag = cpu_online(2);
}

/* ---- a failing ONLINE callback rolls the CPU back ---------------------------- */

static int hp_a_up(unsigned int cpu)
{
	hp_where(cpu, false);
	record(10 + (int)cpu);
	return 0;
}

static int hp_a_down(unsigned int cpu)
{
	hp_where(cpu, false);
	record(20 + (int)cpu);
	return 0;
}

static int hp_b_up(unsigned int cpu)
{
	hp_where(cpu, false);
	record(30 + (int)cpu);
	return cpu == 2 ? -5 : 0;	/* -EIO on CPU 2 */
}

static int hp_b_down(unsigned int cpu)
{
	record(40 + (int)cpu);
	return 0;
}

static int hp_s_up(unsigned int cpu)
{
	hp_where(cpu, true);
	record(50 + (int)cpu);
	return 0;
}

static int hp_s_down(unsigned int cpu)
{
	hp_where(cpu, true);
	record(60 + (int)cpu);
	return 0;
}

void kp_hotplug_fail_task(void *arg)
{
	(void)arg;
	cpuhp_setup_state_nocalls(CPUHP_AP_KVM_STARTING, "test/s:starting", hp_s_up, hp_s_down);
	cpuhp_setup_state_nocalls(CPUHP_AP_KVM_ONLINE, "test/a:online", hp_a_up, hp_a_down);
	cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "test/b:online", hp_b_up, hp_b_down);
	res.count = add_cpu(2);
	res.flag = cpu_online(2);
}

/* ---- mutual exclusion under a mutex, three tasks on two CPUs --------------- */

static DEFINE_MUTEX(kp_mutex);
static int kp_inside;

void kp_mutex_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++) {
		mutex_lock(&kp_mutex);
		if (kp_inside++)
			res.bad = 1;
		res.count++;
		kp_inside--;
		mutex_unlock(&kp_mutex);
	}
}

/* ---- AB-BA: deadlocks in some schedules ------------------------------------ */

static DEFINE_MUTEX(kp_a);
static DEFINE_MUTEX(kp_b);

void kp_abba_task(void *arg)
{
	int id = (int)(uintptr_t)arg;
	struct mutex *first = id ? &kp_b : &kp_a, *second = id ? &kp_a : &kp_b;

	mutex_lock(first);
	mutex_lock(second);
	res.count++;
	mutex_unlock(second);
	mutex_unlock(first);
}

/* ---- completions and wait queues ------------------------------------------------- */

static DECLARE_COMPLETION(kp_ready);
static DECLARE_WAIT_QUEUE_HEAD(kp_wq);
static int kp_item;

void kp_producer_task(void *arg)
{
	(void)arg;
	kp_item = 42;
	complete(&kp_ready);
	WRITE_ONCE(res.flag, 1);
	wake_up(&kp_wq);
}

void kp_consumer_task(void *arg)
{
	(void)arg;
	wait_for_completion(&kp_ready);
	res.count = kp_item;
	wait_event(kp_wq, READ_ONCE(res.flag));
	record(1);
}

/* ---- preempt notifiers ------------------------------------------------------------ */

static struct preempt_notifier kp_notifier;

static void kp_sched_in(struct preempt_notifier *n, int cpu)
{
	(void)n;
	res.sched_in++;
	if (cpu != (int)smp_processor_id())
		res.bad = 1;
}

static void kp_sched_out(struct preempt_notifier *n, struct task *next)
{
	(void)n;
	(void)next;
	res.sched_out++;
}

static struct preempt_ops kp_preempt_ops = {
	.sched_in = kp_sched_in,
	.sched_out = kp_sched_out,
};

void kp_notifier_task(void *arg)
{
	(void)arg;
	preempt_notifier_init(&kp_notifier, &kp_preempt_ops);
	preempt_disable();
	preempt_notifier_register(&kp_notifier);
	preempt_enable();
	for (int i = 0; i < 20; i++)
		WRITE_ONCE(res.hits[0], READ_ONCE(res.hits[0]) + 1);
	preempt_disable();
	preempt_notifier_unregister(&kp_notifier);
	preempt_enable();
	/* Every sched-out was followed by a sched-in before we ran again. */
	if (res.sched_in != res.sched_out)
		res.bad = 1;
}

void kp_busy_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20; i++)
		WRITE_ONCE(res.hits[1], READ_ONCE(res.hits[1]) + 1);
}

/* ---- sleeping, waking and migration ---------------------------------------------- */

static struct task *kp_sleeper;
static int kp_wakeups;

void kp_sleeper_task(void *arg)
{
	(void)arg;
	WRITE_ONCE(kp_sleeper, current);
	record((int)smp_processor_id());
	wait_event(kp_wq, READ_ONCE(kp_wakeups));
	record((int)smp_processor_id());
}

void kp_waker_task(void *arg)
{
	(void)arg;
	while (!READ_ONCE(kp_sleeper))
		cpu_relax();
	WRITE_ONCE(kp_wakeups, 1);
	wake_up(&kp_wq);
}

/* ---- WARN and BUG ---------------------------------------------------------------------- */

void kp_warn_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++)
		WARN_ON_ONCE(READ_ONCE(res.count) >= 0);
	res.count++;
	WARN_ON(res.count == 1);
}

void kp_bug_task(void *arg)
{
	(void)arg;
	BUG_ON(READ_ONCE(res.count) == 0);
	res.flag = 1;	/* never reached */
}

/* ---- rw-semaphore: readers share, a writer excludes ------------------------------------ */

static DECLARE_RWSEM(kp_rwsem);
static int kp_readers_in;

void kp_rwsem_task(void *arg)
{
	int id = (int)(uintptr_t)arg;

	for (int i = 0; i < 2; i++) {
		if (id == 0) {
			down_write(&kp_rwsem);
			if (READ_ONCE(kp_readers_in))
				res.bad = 1;
			res.count++;
			up_write(&kp_rwsem);
		} else {
			down_read(&kp_rwsem);
			__atomic_fetch_add(&kp_readers_in, 1, __ATOMIC_RELAXED);
			if (READ_ONCE(kp_readers_in) > res.flag)
				WRITE_ONCE(res.flag, READ_ONCE(kp_readers_in));
			__atomic_fetch_sub(&kp_readers_in, 1, __ATOMIC_RELAXED);
			up_read(&kp_rwsem);
		}
	}
}

/* ---- spin_lock_irqsave: a spinner with IF=0 cannot take an IPI ---------------------------- */

static DEFINE_SPINLOCK(kp_spin);

void kp_spin_irq_task(void *arg)
{
	unsigned long flags;

	(void)arg;
	for (int i = 0; i < 3; i++) {
		spin_lock_irqsave(&kp_spin, flags);
		res.count++;
		spin_unlock_irqrestore(&kp_spin, flags);
	}
}

/* ---- a lock taken again by its owner: a self-deadlock --------------------- */

static DEFINE_MUTEX(kp_self_mutex);
static DECLARE_RWSEM(kp_self_rwsem);
static DEFINE_SPINLOCK(kp_self_spin);

void kp_relock_task(void *arg)
{
	switch ((int)(uintptr_t)arg) {
	case KP_RELOCK_MUTEX:
		/* Three times: the third once made the waiters a loop. */
		mutex_lock(&kp_self_mutex);
		mutex_lock(&kp_self_mutex);
		mutex_lock(&kp_self_mutex);
		break;
	case KP_RELOCK_RWSEM_WRITE:
		down_write(&kp_self_rwsem);
		down_write(&kp_self_rwsem);
		break;
	case KP_RELOCK_RWSEM_READ:
		down_write(&kp_self_rwsem);
		down_read(&kp_self_rwsem);
		break;
	default:
		spin_lock(&kp_self_spin);
		spin_lock(&kp_self_spin);
		break;
	}
	/* Never reached: the task waits on itself. */
	res.bad = 1;
}

/* Takes the mutex the relocking task deadlocks on, after it. */
void kp_relock_bystander_task(void *arg)
{
	(void)arg;
	while (!mutex_is_locked(&kp_self_mutex))
		cpu_relax();
	mutex_lock(&kp_self_mutex);
	res.bad = 1;
}

/* ---- a hung task: asleep on a completion nobody completes ------------------ */

static DECLARE_COMPLETION(kp_never);
static unsigned long kp_spin_work[64];

void kp_hung_task(void *arg)
{
	(void)arg;
	wait_for_completion(&kp_never);
}

void kp_long_worker_task(void *arg)
{
	(void)arg;
	/* About 2^25 cycles of work while the other task sleeps. */
	for (int r = 0; r < 70000; r++)
		for (int i = 0; i < 64; i++)
			kp_spin_work[i] += (unsigned long)r;
	complete(&kp_never);
}

/* Asleep interruptibly (0) or killably (1) on kp_never: no hung task; res.count the result. */
void kp_hung_intr_task(void *arg)
{
	if (arg)
		res.count = wait_for_completion_killable(&kp_never);
	else
		res.count = wait_for_completion_interruptible(&kp_never);
	record(1);
}

/* ---- sleep states: a program's end kills its interruptible sleepers ------------- */

static DECLARE_WAIT_QUEUE_HEAD(kp_idle_wq);
static DECLARE_COMPLETION(kp_idle_done);
static struct rcuwait kp_idle_rcuwait = __RCUWAIT_INITIALIZER(kp_idle_rcuwait);
static int kp_idle_flag;

/*
 * Waits for what never comes, as the argument says: wait_event_interruptible
 * (0), wait_for_completion_killable (1), rcuwait_wait_event interruptible
 * (2). Records the wait's result, then a second such wait's: with the fatal
 * signal pending it must not sleep.
 */
void kp_intr_waiter_task(void *arg)
{
	for (int i = 0; i < 2; i++) {
		int ret;

		switch ((int)(uintptr_t)arg) {
		case 0:
			ret = wait_event_interruptible(kp_idle_wq, READ_ONCE(kp_idle_flag));
			break;
		case 1:
			ret = wait_for_completion_killable(&kp_idle_done);
			break;
		default:
			ret = rcuwait_wait_event(&kp_idle_rcuwait, READ_ONCE(kp_idle_flag),
						 TASK_INTERRUPTIBLE);
			break;
		}
		record(ret);
	}
}

/* A device whose ioctl waits interruptibly for what never comes. */
static long kp_idle_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	(void)filp;
	(void)cmd;
	(void)arg;
	return wait_event_interruptible(kp_idle_wq, READ_ONCE(kp_idle_flag));
}

static const struct file_operations kp_idle_fops = { .unlocked_ioctl = kp_idle_ioctl };
static struct miscdevice kp_idle_misc = {
	.minor = MISC_DYNAMIC_MINOR, .name = "kp_idle", .fops = &kp_idle_fops,
};
static int kp_idle_registered;

void kp_idle_dev_task(void *arg)
{
	(void)arg;
	if (misc_register(&kp_idle_misc))
		res.bad = 1;
	WRITE_ONCE(kp_idle_registered, 1);
}

/* A user task whose ioctl sleeps at the program's end: res.count is what it returned. */
void kp_idle_user_task(void *arg)
{
	int fd;

	(void)arg;
	while (!READ_ONCE(kp_idle_registered))
		cpu_relax();
	fd = sim_sys_openat("/dev/kp_idle", O_RDWR);
	if (fd < 0) {
		res.bad = 2;
		return;
	}
	res.count = (int)sim_sys_ioctl(fd, 0, 0);
	record(1);
	sim_sys_close(fd);
}

/* ---- mutex_lock_killable ------------------------------------------------------ */

static DEFINE_MUTEX(kp_kill_mutex);
static int kp_kill_owner_ready, kp_kill_waiter_done;

/* Holds kp_kill_mutex across an interruptible sleep nobody ends but the kill. */
void kp_kill_owner_task(void *arg)
{
	(void)arg;
	mutex_lock(&kp_kill_mutex);
	WRITE_ONCE(kp_kill_owner_ready, 1);
	res.hits[0] = wait_event_interruptible(kp_idle_wq, READ_ONCE(kp_idle_flag));
	/* Unlock only once the waiter gave up, so it cannot be handed the mutex. */
	while (!READ_ONCE(kp_kill_waiter_done))
		cpu_relax();
	mutex_unlock(&kp_kill_mutex);
	if (mutex_is_locked(&kp_kill_mutex))
		res.bad = 1;
}

/* Waits killably for kp_kill_mutex: res.hits[1] is mutex_lock_killable's result. */
void kp_kill_waiter_task(void *arg)
{
	int ret;

	(void)arg;
	while (!READ_ONCE(kp_kill_owner_ready))
		cpu_relax();
	ret = mutex_lock_killable(&kp_kill_mutex);
	res.hits[1] = ret;
	if (!ret)
		mutex_unlock(&kp_kill_mutex);
	WRITE_ONCE(kp_kill_waiter_done, 1);
}

/* ---- exclusive waiters ------------------------------------------------------------ */

static DECLARE_WAIT_QUEUE_HEAD(kp_x_wq);
static int kp_x_go, kp_x_queued[2];

/* The wait's condition: it reads the flag, then says the waiter is queued. */
static int kp_x_cond(int i)
{
	int go = READ_ONCE(kp_x_go);

	WRITE_ONCE(kp_x_queued[i], 1);
	return go;
}

/*
 * Waiter @arg & 1 (exclusive when @arg & 2) waits for kp_x_go; res.hits[i]
 * is its result: 0 woken, -ERESTARTSYS never woken (killed at the end).
 */
void kp_x_waiter_task(void *arg)
{
	int i = (int)(uintptr_t)arg & 1;

	if ((uintptr_t)arg & 2)
		res.hits[i] = wait_event_interruptible_exclusive(kp_x_wq, kp_x_cond(i));
	else
		res.hits[i] = wait_event_interruptible(kp_x_wq, kp_x_cond(i));
}

/* Once both waiters are queued with the flag clear: set it and wake_up() once. */
void kp_x_waker_task(void *arg)
{
	(void)arg;
	while (!READ_ONCE(kp_x_queued[0]) || !READ_ONCE(kp_x_queued[1]))
		cpu_relax();
	WRITE_ONCE(kp_x_go, 1);
	wake_up(&kp_x_wq);
}

/* ---- rcuwait ------------------------------------------------------------------------ */

static struct rcuwait kp_rw = __RCUWAIT_INITIALIZER(kp_rw);
static int kp_rw_flag;

/* Waits uninterruptibly for kp_rw_flag (a lost wake-up deadlocks): res.count the result. */
void kp_rcuwait_waiter_task(void *arg)
{
	(void)arg;
	res.count = rcuwait_wait_event(&kp_rw, READ_ONCE(kp_rw_flag), TASK_UNINTERRUPTIBLE);
	record(READ_ONCE(kp_rw_flag));
}

void kp_rcuwait_waker_task(void *arg)
{
	(void)arg;
	WRITE_ONCE(kp_rw_flag, 1);
	res.flag = rcuwait_wake_up(&kp_rw);
}

/* ---- atomics, bit operations, per-CPU data, the xarray, printk ---------------- */

static atomic_t kp_atomic = ATOMIC_INIT(5);
static unsigned long kp_bits[2];
static DEFINE_PER_CPU(int, kp_percpu);
static DEFINE_XARRAY(kp_xa);
static int kp_objs[3];

void kp_misc_task(void *arg)
{
	unsigned int cpu;
	long v = 3;

	(void)arg;
	atomic_inc(&kp_atomic);
	if (atomic_read(&kp_atomic) != 6 || atomic_dec_return(&kp_atomic) != 5 ||
	    atomic_cmpxchg(&kp_atomic, 5, 9) != 5 || atomic_read(&kp_atomic) != 9)
		res.bad |= 1;
	if (xchg(&v, 4) != 3 || cmpxchg(&v, 4, 7) != 4 || v != 7 || cmpxchg(&v, 1, 2) != 7)
		res.bad |= 2;
	set_bit(70, kp_bits);
	if (!test_bit(70, kp_bits) || test_bit(6, kp_bits) || !test_and_clear_bit(70, kp_bits) ||
	    kp_bits[1] || test_and_set_bit(3, kp_bits) || !test_bit(3, kp_bits))
		res.bad |= 4;
	cpu = get_cpu();
	per_cpu(kp_percpu, cpu) = 11;
	if (*this_cpu_ptr(kp_percpu) != 11 || cpu != smp_processor_id() || preemptible())
		res.bad |= 8;
	put_cpu();
	if (!preemptible())
		res.bad |= 16;
	if (xa_insert(&kp_xa, 1, &kp_objs[1], GFP_KERNEL) || xa_load(&kp_xa, 1) != &kp_objs[1] ||
	    xa_insert(&kp_xa, 1, &kp_objs[2], GFP_KERNEL) != -16 || xa_load(&kp_xa, 2) ||
	    xa_erase(&kp_xa, 1) != &kp_objs[1] || xa_load(&kp_xa, 1))
		res.bad |= 32;
	printk("kp_misc: cpu %u of %u online", cpu, num_online_cpus());
	smp_send_reschedule(1);	/* wakes CPU 1's idle task for nothing */
	res.count = 1;
}

/* ---- remove_cpu: teardown, then the CPU is out of the masks ------------------- */

static int rm_up(unsigned int cpu)
{
	record(50 + (int)cpu);
	return 0;
}

static int rm_down(unsigned int cpu)
{
	record(60 + (int)cpu);
	return 0;
}

static void rm_hit(void *info)
{
	(void)info;
	res.hits[smp_processor_id()]++;
}

void kp_remove_cpu_task(void *arg)
{
	(void)arg;
	cpuhp_setup_state(CPUHP_AP_ONLINE_DYN, "test/rm:online", rm_up, rm_down);
	res.count = remove_cpu(2);
	res.flag = cpu_online(2) || cpu_active(2) || num_online_cpus() != 2;
	on_each_cpu(rm_hit, NULL, 1);
}

/* ---- a call queued for a CPU that goes straight back down ------------------------ */

static int refuse_cpu2(unsigned int cpu)
{
	return cpu == 2 ? -EIO : 0;
}

/* Hot-adds CPU 2, whose ONLINE callback refuses it: up, then down again at once. */
void kp_add_refused_cpu2_task(void *arg)
{
	(void)arg;
	cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "test/refuse:online", refuse_cpu2, NULL);
	WRITE_ONCE(res.flag, 1);
	res.count = add_cpu(2);
}

/* Calls CPU 2, waiting, once it is online: the call runs there once, or finds it gone. */
void kp_call_dying_cpu_task(void *arg)
{
	(void)arg;
	while (!READ_ONCE(res.flag))
		cpu_relax();
	while (!cpu_online(2) && !READ_ONCE(res.count))
		cpu_relax();
	res.order[0] = smp_call_function_single(2, rm_hit, NULL, 1);
	res.norder = 1;
}

/* ---- module parameters ----------------------------------------------------------- */

static bool kp_param_flag;
static int kp_param_num = 7;
static char *kp_param_str;	/* NULL: unset (a literal would live outside the machine) */
module_param(kp_param_flag, bool, 0444);
module_param_named(num, kp_param_num, int, 0444);
module_param(kp_param_str, charp, 0444);

/* What the parameters are when the program's task runs (after boot). */
void kp_params_task(void *arg)
{
	(void)arg;
	res.flag = kp_param_flag;
	res.count = kp_param_num;
	for (int i = 0; kp_param_str && i < 7 && kp_param_str[i]; i++)
		res.order[i] = kp_param_str[i];
}

/* ---- sched_setaffinity onto a hot-added CPU ------------------------------------ */

static int aff_checked;	/* the user task tried CPU 2 while it was offline */
static int aff_added;
static struct preempt_notifier aff_pn;

static void aff_sched_in(struct preempt_notifier *n, int cpu)
{
	(void)n;
	res.sched_in++;
	res.hits[7] = cpu;	/* where it last came in */
}

static void aff_sched_out(struct preempt_notifier *n, struct task *next)
{
	(void)n;
	(void)next;
	res.sched_out++;
}

static struct preempt_ops aff_ops = { .sched_in = aff_sched_in, .sched_out = aff_sched_out };

void kp_affinity_user_task(void *arg)
{
	size_t len;
	uint64_t *mask = sim_user_mem(&len);

	(void)arg;
	preempt_notifier_init(&aff_pn, &aff_ops);
	preempt_notifier_register(&aff_pn);
	*mask = 0;
	if (sim_sys_sched_setaffinity(0, sizeof(*mask), mask) != -22)
		res.bad |= 1;
	*mask = 1ULL << 2;
	if (sim_sys_sched_setaffinity(0, sizeof(*mask), mask) != -22)
		res.bad |= 2;	/* CPU 2 is not online yet */
	WRITE_ONCE(aff_checked, 1);
	while (!READ_ONCE(aff_added))
		cpu_relax();
	res.order[0] = (int)smp_processor_id();
	res.count = sim_sys_sched_setaffinity(0, sizeof(*mask), mask);
	res.order[1] = (int)smp_processor_id();
	res.norder = 2;
	preempt_notifier_unregister(&aff_pn);
}

void kp_add_cpu2_task(void *arg)
{
	(void)arg;
	while (!READ_ONCE(aff_checked))
		cpu_relax();
	if (add_cpu(2))
		res.bad |= 4;
	WRITE_ONCE(aff_added, 1);
}

/* ---- a preempted task may move, notifiers paired ------------------------------ */

static struct preempt_notifier mig_pn;
static int mig_out;	/* sched out and not yet back in */
static int mig_work;

static void mig_sched_in(struct preempt_notifier *n, int cpu)
{
	(void)n;
	if (!mig_out || cpu != (int)smp_processor_id())
		res.bad |= 1;
	mig_out = 0;
	res.sched_in++;
}

static void mig_sched_out(struct preempt_notifier *n, struct task *next)
{
	(void)n;
	(void)next;
	if (mig_out)
		res.bad |= 2;
	mig_out = 1;
	res.sched_out++;
}

static struct preempt_ops mig_ops = { .sched_in = mig_sched_in, .sched_out = mig_sched_out };

void kp_busy_mover_task(void *arg)
{
	(void)arg;
	preempt_notifier_init(&mig_pn, &mig_ops);
	preempt_notifier_register(&mig_pn);
	res.order[0] = (int)smp_processor_id();
	for (int i = 0; i < 64; i++)
		WRITE_ONCE(mig_work, READ_ONCE(mig_work) + 1);
	res.order[1] = (int)smp_processor_id();
	res.norder = 2;
	preempt_notifier_unregister(&mig_pn);
	if (res.sched_in != res.sched_out)
		res.bad |= 4;
}

/* ---- waited cross-CPU calls order what their handlers did ------------------------ */

static void seq_write(void *info)
{
	*(int *)info = (int)smp_processor_id();
}

/* Two waited calls on two CPUs write the caller's local in turn: ordered, no race. */
void kp_seq_calls_task(void *arg)
{
	int where = -1;

	(void)arg;
	smp_call_function_single(1, seq_write, &where, 1);
	smp_call_function_single(2, seq_write, &where, 1);
	res.count = where;
}

/* ---- a spinner queued on the CPU of the task it waits for ------------------- */

static int yield_flag;

/* arg 1: with preemption off, so it can never give the CPU up. */
void kp_flag_spinner_task(void *arg)
{
	if (arg)
		preempt_disable();
	while (!READ_ONCE(yield_flag))
		cpu_relax();
	if (arg)
		preempt_enable();
	res.count++;
}

void kp_flag_writer_task(void *arg)
{
	(void)arg;
	res.flag = 1;
	WRITE_ONCE(yield_flag, 1);
}

/* ---- tracepoints sit at the operation they mark ------------------------------- */

static int point_word;

/* Marks each of its reads with a tracepoint placed just before it. */
void kp_point_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 8; i++) {
		trace_point("kp_read", (uint64_t)i, 0);
		res.count += READ_ONCE(point_word);
	}
}

/* Writes the word the other task reads, so that the two interleave. */
void kp_point_writer_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 8; i++)
		WRITE_ONCE(point_word, i);
}

/* ---- files: Linux's two-phase fd install -------------------------------------- */

static int kp_fd_priv;

/* The test file's one command: its argument plus 100 back. */
static long kp_fd_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	if (filp->private_data != &kp_fd_priv || cmd != KP_FD_CMD)
		return -ENOTTY;
	res.hits[2]++;
	return (long)arg + 100;
}

static int kp_fd_release(struct file *filp)
{
	if (filp->private_data != &kp_fd_priv)
		res.bad |= 1 << 12;
	res.hits[0]++;
	return 0;
}

static const struct file_operations kp_fd_fops = {
	.release = kp_fd_release, .unlocked_ioctl = kp_fd_ioctl,
};

/*
 * Each step of the install checked as it is taken: res.bad has a bit per
 * failed check, res.order the numbers reserved, res.count 1 at the end,
 * res.hits[0] the files released, res.hits[2] the ioctls that reached one.
 * Three files are released: the one given up on the failure path, the
 * installed one at its close, anon_inode_getfd()'s at the process's exit.
 */
void kp_fd_user_task(void *arg)
{
	struct file *f, *g;
	int a, b, n;

	(void)arg;
	/* Reserved: not open, and the next number is the next one free. */
	a = get_unused_fd_flags(O_CLOEXEC);
	b = get_unused_fd_flags(O_CLOEXEC);
	record(a);
	record(b);
	if (a != 3 || b != 4)
		res.bad |= 1 << 0;
	if (fget(a) || sim_sys_ioctl(a, KP_FD_CMD, 1) != -EBADF || sim_sys_close(a) != -EBADF)
		res.bad |= 1 << 1;
	/* The one-step install skips reserved numbers too. */
	n = anon_inode_getfd("kp-fd", &kp_fd_fops, &kp_fd_priv, O_RDWR);
	record(n);
	if (n != 5)
		res.bad |= 1 << 2;
	/* Installed: fget() finds the file, its ioctl is the fd's, the fd holds it. */
	f = anon_inode_getfile("kp-fd", &kp_fd_fops, &kp_fd_priv, O_RDWR);
	if (IS_ERR(f)) {
		res.bad |= 1 << 3;
		return;
	}
	fd_install(a, f);
	g = fget(a);
	if (g != f || (g && g->private_data != &kp_fd_priv))
		res.bad |= 1 << 4;
	if (g)
		fput(g);
	if (sim_sys_ioctl(a, KP_FD_CMD, 7) != 107 || res.hits[2] != 1 || res.hits[0])
		res.bad |= 1 << 5;
	/* Given back, the number is the lowest free one again. */
	put_unused_fd(b);
	b = get_unused_fd_flags(0);
	record(b);
	if (b != 4)
		res.bad |= 1 << 6;
	/* The failure path: file made, number given back, file put: released then. */
	g = anon_inode_getfile("kp-fd", &kp_fd_fops, &kp_fd_priv, O_RDWR);
	if (IS_ERR(g)) {
		res.bad |= 1 << 3;
		return;
	}
	put_unused_fd(b);
	if (res.hits[0])
		res.bad |= 1 << 7;
	fput(g);
	if (res.hits[0] != 1)
		res.bad |= 1 << 7;
	/* The installed file's last reference was its fd: close releases it, once. */
	if (sim_sys_close(a) || res.hits[0] != 2 || sim_sys_close(a) != -EBADF)
		res.bad |= 1 << 8;
	a = get_unused_fd_flags(0);
	record(a);
	if (a != 3)
		res.bad |= 1 << 9;
	/* Every number but fd 5's reserved, then -EMFILE; all given back. */
	for (n = 1; n < KP_FD_MAX && (b = get_unused_fd_flags(0)) >= 0; n++)
		;
	if (b != -EMFILE || n != KP_FD_MAX - 3 - 1) {
		res.bad |= 1 << 10;
		return;
	}
	for (b = 3; b < KP_FD_MAX; b++)
		if (b != 5)
			put_unused_fd(b);
	b = get_unused_fd_flags(0);
	if (b != 3)
		res.bad |= 1 << 11;
	if (b >= 0)
		put_unused_fd(b);
	res.count = 1;
}

/* Reserves a number and exits without installing it: res.count is the number. */
void kp_fd_reserve_user_task(void *arg)
{
	(void)arg;
	res.count = get_unused_fd_flags(0);
}

/* Installs a file into fd 5, never reserved: a simulator bug. */
void kp_fd_bad_install_user_task(void *arg)
{
	struct file *f;

	(void)arg;
	f = anon_inode_getfile("kp-fd", &kp_fd_fops, &kp_fd_priv, O_RDWR);
	if (IS_ERR(f))
		return;
	fd_install(5, f);
	res.count = 1;
}

/* ---- a preempt count of the program's own ----------------------------------- */

/*
 * Kept as a real kernel object keeps x86's __preempt_count: one per CPU,
 * changed inline, so the kernel model sees it only through the callback
 * of sim_on_preemptible() the test installs.
 */
static int kp_own_count[KP_OWN_CPUS];
/* Where the holder is in its section: 1 to 4 inside, 0 outside. */
static int kp_own_section;
/* The holder's progress: 1 started, 2 done. */
static int kp_own_phase;

int *kp_own_preempt_count(void)
{
	return kp_own_count;
}

void kp_own_count_task(void *arg)
{
	unsigned int cpu = smp_processor_id();

	(void)arg;
	WRITE_ONCE(kp_own_phase, 1);
	WRITE_ONCE(kp_own_count[cpu], READ_ONCE(kp_own_count[cpu]) + 1);
	for (int i = 1; i <= 4; i++)
		WRITE_ONCE(kp_own_section, i);
	WRITE_ONCE(kp_own_section, 0);
	WRITE_ONCE(kp_own_count[cpu], READ_ONCE(kp_own_count[cpu]) - 1);
	WRITE_ONCE(kp_own_phase, 2);
}

/*
 * Queued on the holder's CPU: runs only when the holder is preempted or
 * done. res.flag: the section step it found the holder at (0: outside);
 * res.count: it ran while the holder had started and not finished.
 */
void kp_own_count_intruder_task(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		int s = READ_ONCE(kp_own_section);

		if (s)
			res.flag = s;
		if (READ_ONCE(kp_own_phase) == 1)
			res.count = 1;
	}
}

/* ---- happens-before a model builds itself ---- */

static int kp_hb_word, kp_hb_flag;
static const char kp_hb_key;	/* the sync object's address */

void kp_hb_writer_task(void *arg)
{
	kp_hb_word = 42;
	if (arg)
		kernel_hb_release(&kp_hb_key);
	WRITE_ONCE(kp_hb_flag, 1);
}

void kp_hb_reader_task(void *arg)
{
	while (!READ_ONCE(kp_hb_flag))
		cpu_relax();
	if (arg)
		kernel_hb_acquire(&kp_hb_key);
	res.count = kp_hb_word;
}
