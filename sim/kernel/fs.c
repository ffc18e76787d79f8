// SPDX-License-Identifier: MIT
/*
 * Processes, files and system calls. A user task's system call enters the
 * kernel (a step), runs the file's operation in the task's context, and
 * returns to user space, where lockdep checks that no lock is still held.
 * A file is released when its last reference (fd or fget) drops; a
 * process's last task exiting closes its fds.
 */
#include "hvsim/kernel.h"
#include "hvsim/user.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "kernel/kmodel.h"
#include "engine/bug.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

static struct sim_process *cur_proc(const struct machine *m)
{
	const struct task *t = m->cur_task;

	return t && ktask(m, t)->proc ? ktask(m, t)->proc : NULL;
}

int misc_register(struct miscdevice *misc)
{
	struct machine *m = kcall(misc, CALLER_PC);
	struct kmodel *k = kmodel_of(m);

	if (k->nmisc == KMODEL_MAX_MISC)
		return -EBUSY;
	for (unsigned int i = 0; i < k->nmisc; i++)
		if (!strcmp(k->misc[i]->name, misc->name))
			return -EBUSY;
	k->misc[k->nmisc++] = misc;
	return 0;
}

void misc_deregister(struct miscdevice *misc)
{
	struct machine *m = kcall(misc, CALLER_PC);
	struct kmodel *k = kmodel_of(m);

	for (unsigned int i = 0; i < k->nmisc; i++) {
		if (k->misc[i] == misc) {
			k->misc[i] = k->misc[--k->nmisc];
			return;
		}
	}
}

static struct file *file_new(struct machine *m, const char *name,
			     const struct file_operations *fops, void *priv)
{
	struct kmodel *k = kmodel_of(m);
	struct file *f;

	if (k->nfiles == KMODEL_MAX_FILES)
		return NULL;
	f = &k->files[k->nfiles++];
	memset(f, 0, sizeof(*f));
	f->f_op = fops;
	f->private_data = priv;
	f->f_count = 1;
	snprintf(f->name, sizeof(f->name), "%s", name);
	return f;
}

/* The lowest fd neither installed nor reserved, or -EMFILE. */
static int fd_lowest_free(const struct sim_process *p)
{
	for (int fd = 3; fd < KMODEL_MAX_FDS; fd++)
		if (!p->fds[fd] && !(p->fds_reserved & (1ULL << fd)))
			return fd;
	return -EMFILE;
}

static int fd_alloc(struct sim_process *p, struct file *f)
{
	int fd = fd_lowest_free(p);

	if (fd >= 0)
		p->fds[fd] = f;
	return fd;
}

static void file_put(struct machine *m, struct file *f)
{
	(void)m;
	if (--f->f_count)
		return;
	/* The last reference: the file's release runs in this task's context. */
	if (f->f_op && f->f_op->release)
		f->f_op->release(f);
}

/*
 * Linux's two-phase install, which 6.1's KVM uses for its VM fd: reserve
 * the number, make the file, install it (or give the number back). A
 * reserved number is no one's fd: fget() and close() do not see it.
 */
int get_unused_fd_flags(unsigned int flags)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	int fd;

	(void)flags;
	if (!p)
		return -EBADF;
	fd = fd_lowest_free(p);
	if (fd >= 0)
		p->fds_reserved |= 1ULL << fd;
	return fd;
}

void put_unused_fd(int fd)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);

	/* As Linux's BUG_ON()s: the caller's bug, reported in the run. */
	BUG_ON(!p || fd < 0 || fd >= KMODEL_MAX_FDS || !(p->fds_reserved & (1ULL << fd)));
	p->fds_reserved &= ~(1ULL << fd);
}

void fd_install(int fd, struct file *f)
{
	struct machine *m = kcall(f, CALLER_PC);
	struct sim_process *p = cur_proc(m);

	BUG_ON(!p || fd < 0 || fd >= KMODEL_MAX_FDS || !(p->fds_reserved & (1ULL << fd)));
	BUG_ON(p->fds[fd] || !f);
	p->fds_reserved &= ~(1ULL << fd);
	p->fds[fd] = f;
}

struct file *anon_inode_getfile(const char *name, const struct file_operations *fops, void *priv,
				int flags)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct file *f;

	(void)flags;
	f = file_new(m, name, fops, priv);
	return f ? f : ERR_PTR(-ENFILE);
}

int anon_inode_getfd(const char *name, const struct file_operations *fops, void *priv, int flags)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	struct file *f;
	int fd;

	(void)flags;
	if (!p)
		return -EBADF;
	f = file_new(m, name, fops, priv);
	if (!f)
		return -ENFILE;
	fd = fd_alloc(p, f);
	if (fd < 0)
		f->f_count = 0;
	return fd;
}

struct file *fget(int fd)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);

	if (!p || fd < 0 || fd >= KMODEL_MAX_FDS || !p->fds[fd])
		return NULL;
	p->fds[fd]->f_count++;
	return p->fds[fd];
}

void fput(struct file *f)
{
	struct machine *m = kcall(f, CALLER_PC);

	if (f)
		file_put(m, f);
}

static bool user_range_ok(const struct sim_process *p, const void *uptr, unsigned long n)
{
	uintptr_t a = (uintptr_t)uptr, lo = (uintptr_t)p->umem;

	return p && a >= lo && n <= p->umem_len && a - lo <= p->umem_len - n;
}

/*
 * The step names the user address only when it is user memory: the trace
 * reads a step's object, and a bad pointer (a program's -EFAULT case)
 * must not be read by the simulator itself.
 */
static bool user_step(const void *uptr, unsigned long n, uintptr_t pc, const char *name)
{
	struct sim_process *p = cur_proc(sim_current);
	bool ok = p && user_range_ok(p, uptr, n);

	kcall_named(ok ? uptr : NULL, pc, name);
	return ok;
}

bool access_ok(const void __user *uptr, unsigned long n)
{
	/* An empty range is fine anywhere (a slot's deletion may pass address 0). */
	if (!n) {
		kcall_named(NULL, CALLER_PC, __func__);
		return cur_proc(sim_current) != NULL;
	}
	return user_step(uptr, n, CALLER_PC, __func__);
}

unsigned long copy_from_user(void *to, const void __user *from, unsigned long n)
{
	if (!user_step(from, n, CALLER_PC, __func__))
		return n;
	memcpy(to, from, n);
	return 0;
}

unsigned long copy_to_user(void __user *to, const void *from, unsigned long n)
{
	if (!user_step(to, n, CALLER_PC, __func__))
		return n;
	memcpy(to, from, n);
	return 0;
}

bool should_fail(void)
{
	struct machine *m = sim_current;
	struct task *t = m->cur_task;

	if (!t || !ktask(m, t)->fail_nth)
		return false;
	if (++ktask(m, t)->fail_count != ktask(m, t)->fail_nth)
		return false;
	printk("FAULT_INJECTION: forcing a failure (fail_nth %d)", ktask(m, t)->fail_nth);
	return true;
}

/* ---- the user side ------------------------------------------------------- */

/*
 * A system call's result as user space sees it: -ERESTARTSYS (a wait a
 * signal ended) is -EINTR, since the only signal is the fatal one and a
 * killed task's call is never restarted.
 */
static long syscall_ret(long ret)
{
	return ret == -ERESTARTSYS ? -EINTR : ret;
}

/* Leave the kernel: lockdep checks nothing is held; fail_nth is per call. */
static void syscall_exit(struct machine *m)
{
	kdetect_user_return(m, CALLER_PC);
	kcur(m)->fail_nth = 0;
	kcur(m)->fail_count = 0;
}

int sim_sys_openat(const char *path, int flags)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	struct kmodel *k = kmodel_of(m);
	struct file *f;
	int ret = -ENOENT;

	(void)flags;
	if (!p)
		return -EPERM;
	if (!strncmp(path, "/dev/", 5)) {
		for (unsigned int i = 0; i < k->nmisc; i++) {
			if (strcmp(k->misc[i]->name, path + 5))
				continue;
			f = file_new(m, k->misc[i]->name, k->misc[i]->fops, NULL);
			if (!f) {
				ret = -ENFILE;
				break;
			}
			ret = f->f_op->open ? f->f_op->open(f) : 0;
			if (ret) {
				f->f_count = 0;
				break;
			}
			ret = fd_alloc(p, f);
			if (ret < 0)
				file_put(m, f);
			break;
		}
	}
	syscall_exit(m);
	return (int)syscall_ret(ret);
}

long sim_sys_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	struct file *f;
	long ret = -EBADF;

	if (p && fd >= 0 && fd < KMODEL_MAX_FDS && (f = p->fds[fd])) {
		f->f_count++;
		ret = f->f_op && f->f_op->unlocked_ioctl ?
			f->f_op->unlocked_ioctl(f, (unsigned int)cmd, arg) : -ENOTTY;
		file_put(m, f);
	}
	syscall_exit(m);
	return syscall_ret(ret);
}

void *sim_sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long offset)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	void *ret = (void *)(long)-EBADF;
	struct file *f;

	(void)addr;
	(void)prot;
	(void)flags;
	if (p && fd >= 0 && fd < KMODEL_MAX_FDS && (f = p->fds[fd])) {
		if (offset < 0 || (offset & (PAGE_SIZE - 1)) || !len)
			ret = (void *)(long)-EINVAL;
		else if (!f->f_op || !f->f_op->mmap)
			ret = (void *)(long)-ENODEV;
		else
			ret = f->f_op->mmap(f, len, (unsigned long)offset >> PAGE_SHIFT);
	}
	syscall_exit(m);
	return ret;
}

int sim_sys_close(int fd)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	struct file *f;
	int ret = -EBADF;

	if (p && fd >= 0 && fd < KMODEL_MAX_FDS && (f = p->fds[fd])) {
		p->fds[fd] = NULL;
		file_put(m, f);
		ret = 0;
	}
	syscall_exit(m);
	return ret;
}

int sim_sys_sched_setaffinity(int pid, size_t len, const void *user_mask)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct cpumask mask = { 0 };
	struct task *p = NULL;
	int ret;

	if (!cur_proc(m))
		return -EPERM;
	/* A shorter mask leaves the higher CPUs out; a longer one is cut. */
	if (copy_from_user(&mask.bits, user_mask, len < sizeof(mask.bits) ? len : sizeof(mask.bits))) {
		ret = -EFAULT;
		goto out;
	}
	for (unsigned int i = 0; i < m->ntasks && pid; i++)
		if ((int)m->tasks[i].pid == pid && m->tasks[i].state != TASK_DONE)
			p = &m->tasks[i];
	if (!pid)
		p = m->cur_task;
	ret = p ? set_cpus_allowed_ptr(p, &mask) : -ESRCH;
out:
	syscall_exit(m);
	return ret;
}

/* The int at @uaddr, if it is in the process's user memory. */
static bool futex_word(const struct sim_process *p, const int *uaddr)
{
	uintptr_t a = (uintptr_t)uaddr, lo = (uintptr_t)p->umem;

	return !(a % sizeof(int)) && a >= lo && a - lo <= p->umem_len - sizeof(int);
}

int sim_sys_futex_wait(const int *uaddr, int val)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	int ret = 0;

	if (!p)
		return -EPERM;
	if (!futex_word(p, uaddr)) {
		ret = -EFAULT;
		goto out;
	}
	if (__atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val) {
		ret = -EAGAIN;
		goto out;
	}
	/* Woken by any FUTEX_WAKE of the process; the word tells whether it was this one's. */
	ret = wait_event_interruptible(p->futex_wq, __atomic_load_n(uaddr, __ATOMIC_SEQ_CST) != val);
out:
	syscall_exit(m);
	return (int)syscall_ret(ret);
}

int sim_sys_futex_wake(const int *uaddr)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	int ret = 0;

	if (!p)
		return -EPERM;
	if (!futex_word(p, uaddr))
		ret = -EFAULT;
	else
		wake_up(&p->futex_wq);
	syscall_exit(m);
	return ret;
}

void sim_sys_set_fail_nth(int nth)
{
	struct machine *m = sim_current;

	if (m->cur_task) {
		kcur(m)->fail_nth = nth > 0 ? nth : 0;
		kcur(m)->fail_count = 0;
	}
}

void *sim_user_mem(size_t *len)
{
	struct sim_process *p = cur_proc(sim_current);

	*len = p ? p->umem_len : 0;
	return p ? p->umem : NULL;
}

/* Process exit: the last task of a process closes its fds, in fd order. */
static void process_exit_files(struct machine *m, struct task *t)
{
	struct sim_process *p = ktask(m, t)->proc;

	ktask(m, t)->files_exited = true;
	if (!p)
		return;
	/*
	 * The files' reference count: each exiting thread's put is a release,
	 * and the last one's an acquire, so what every thread did happens
	 * before the teardown (atomic_dec_and_test() in put_files_struct()).
	 */
	kdetect_hb_release(m, &p->nr_tasks);
	if (--p->nr_tasks)
		return;
	kdetect_hb_acquire(m, &p->nr_tasks);
	for (int fd = 0; fd < KMODEL_MAX_FDS; fd++) {
		struct file *f = p->fds[fd];

		if (f) {
			p->fds[fd] = NULL;
			file_put(m, f);
		}
	}
}

/* A task that ended without passing through user_task_entry()'s exit. */
void fs_task_exit(struct machine *m, struct task *t)
{
	if (!ktask(m, t)->files_exited)
		process_exit_files(m, t);
}

/*
 * A user task: its function, then do_exit()'s part for files, in the
 * task's own context (a release may sleep or wait for an IPI, as the last
 * fput of a KVM fd does when it destroys the VM).
 */
static void user_task_entry(void *arg)
{
	struct task *t = arg;
	struct machine *m = sim_current;

	ktask(m, t)->ufn(ktask(m, t)->uarg);
	process_exit_files(m, t);

}

/* A user task of @p on @cpu running @fn(@arg), or NULL. */
static struct task *user_task_new(struct machine *m, unsigned int cpu, struct sim_process *p,
				  const char *name, sim_user_fn fn, void *arg)
{
	struct task *t = machine_spawn(m, cpu, name, user_task_entry, NULL, TASK_KIND_PROGRAM);

	if (!t)
		return NULL;
	t->arg = t;
	p->nr_tasks++;
	ktask(m, t)->proc = p;
	ktask(m, t)->ufn = fn;
	ktask(m, t)->uarg = arg;
	ktask(m, t)->pinned = false;
	return t;
}

int sim_sys_clone_thread(sim_user_fn fn, void *arg)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct sim_process *p = cur_proc(m);
	struct task *self = m->cur_task, *t;
	int ret;

	if (!p)
		return -EPERM;
	/* Queued on the caller's CPU first; where it starts is ksched_new_task()'s placement. */
	t = user_task_new(m, m->cur_cpu->id, p, self->name, fn, arg);
	if (!t) {
		ret = -EAGAIN;
		goto out;
	}
	ktask(m, t)->allowed = ktask(m, self)->allowed;
	/* Everything the creator did so far happens before the thread (clone's). */
	kdetect_hb_release(m, t);
	ksched_new_task(m, t);
	ret = (int)t->pid;
out:
	syscall_exit(m);
	return ret;
}

int sim_spawn_user(struct machine *m, unsigned int cpu, unsigned int proc, const char *name,
		   sim_user_fn fn, void *arg)
{
	struct task *t;
	struct sim_process *p;

	if (proc >= KMODEL_MAX_PROCS || m->running)
		return -EINVAL;
	p = &kmodel_of(m)->procs[proc];
	if (!p->umem) {
		/* Page-aligned, as a mapping is: KVM wants a slot's memory so. */
		p->umem_len = KMODEL_USER_MEM;
		p->umem = aligned_alloc(4096, p->umem_len);
		if (!p->umem)
			return -ENOMEM;
		memset(p->umem, 0, p->umem_len);
	}
	t = user_task_new(m, cpu, p, name, fn, arg);
	if (!t)
		return -EINVAL;
	return 0;
}

/* Boot: run every module_init() function, in link order, then let user tasks in. */
extern const initcall_t __start_hvsim_initcall[] __attribute__((weak));
extern const initcall_t __stop_hvsim_initcall[] __attribute__((weak));

size_t kmodel_nr_initcalls(void)
{
	return __start_hvsim_initcall ?
		(size_t)(__stop_hvsim_initcall - __start_hvsim_initcall) : 0;
}

void kmodel_run_initcalls(void)
{
	for (const initcall_t *fn = __start_hvsim_initcall; fn < __stop_hvsim_initcall; fn++) {
		int ret = (*fn)();

		/* By its place in the table: a host address would differ from process to process. */
		if (ret)
			printk("initcall %u returned %d", (unsigned int)(fn - __start_hvsim_initcall),
			       ret);
	}
}
