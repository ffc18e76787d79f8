// SPDX-License-Identifier: MIT
/*
 * 6.1's view of hvsim's tasks and processes: one struct task_struct per
 * hvsim task that runs the object's code, one struct mm_struct per hvsim
 * process, with the tree's own layouts; hvsim's side (host61.c) points
 * each CPU's per-CPU current_task at the mirror of the task it runs. Only
 * what kvm_main.o reads is filled in: pid and tgid, comm, PF_KTHREAD, mm
 * and active_mm, the running state.
 *
 * The mirrors are in the glue's bss, which link.sh makes hvsim_bss: the
 * memory oracle knows them, and every run starts with them zeroed. At
 * some 7 KiB each they are the bulk of what a run copies back (16 tasks,
 * 115 KiB), in the programs that link the object only.
 */
#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>

#define K61_MAX_TASKS	16
#define K61_MAX_MMS	8
/* tgid of process N: away from hvsim's PIDs, which are small. */
#define K61_TGID_BASE	1000

static struct task_struct k61_tasks[K61_MAX_TASKS];
static struct mm_struct k61_mms[K61_MAX_MMS];
static bool k61_task_used[K61_MAX_TASKS];

/*
 * The mirror of hvsim task @slot (its spawn index), made the first time:
 * PID @pid, name @comm, of process @process (-1: a kernel thread, without
 * an mm). NULL when @slot or @process is past what the glue holds.
 */
struct task_struct *k61_task_mirror(unsigned int slot, int pid, const char *comm, int process);
struct task_struct *k61_task_mirror(unsigned int slot, int pid, const char *comm, int process)
{
	struct task_struct *t;

	if (slot >= K61_MAX_TASKS || process >= K61_MAX_MMS)
		return NULL;
	t = &k61_tasks[slot];
	if (k61_task_used[slot])
		return t;
	k61_task_used[slot] = true;
	t->pid = pid;
	t->tgid = process < 0 ? pid : K61_TGID_BASE + process;
	/* By hand: lib/string.c is not in the object, its strscpy a stub. */
	for (size_t i = 0; i + 1 < sizeof(t->comm) && comm[i]; i++)
		t->comm[i] = comm[i];
	t->__state = TASK_RUNNING;
	if (process < 0) {
		t->flags = PF_KTHREAD;
	} else {
		t->mm = &k61_mms[process];
		t->active_mm = t->mm;
		/* The process's own references, as mm_init() leaves them. */
		if (!atomic_read(&t->mm->mm_count)) {
			atomic_set(&t->mm->mm_count, 1);
			atomic_set(&t->mm->mm_users, 1);
		}
	}
	return t;
}

void k61_host_not_modelled(const char *what);

/* The hvsim task (spawn index) a mirror stands for. */
int k61_task_slot(struct task_struct *t);
int k61_task_slot(struct task_struct *t)
{
	return (int)(t - k61_tasks);
}

/* A fatal signal, as 6.1's signal_pending() and fatal_signal_pending() read it. */
void k61_task_kill(struct task_struct *t);
void k61_task_kill(struct task_struct *t)
{
	sigaddset(&t->pending.signal, SIGKILL);
	set_tsk_thread_flag(t, TIF_SIGPENDING);
}

/* try_to_wake_up()'s part: the task runs again. */
void k61_task_set_running(struct task_struct *t);
void k61_task_set_running(struct task_struct *t)
{
	WRITE_ONCE(t->__state, TASK_RUNNING);
}

/*
 * The mirrors have no struct pid (thread_pid is NULL): KVM_RUN's
 * comparison of vcpu->pid with task_pid(current) finds them equal, and
 * the pid KVM drops at vCPU destruction is NULL, which put_pid() allows.
 */
void put_pid(struct pid *pid)
{
	if (pid)
		k61_host_not_modelled("put_pid() of a struct pid: the task mirrors have none");
}
