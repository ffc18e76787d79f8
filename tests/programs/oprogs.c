// SPDX-License-Identifier: MIT
/* Instrumented programs for the oracles: races, memory, misuse, system calls. */
#include "oprogs.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "hvsim/kernel.h"
#include "hvsim/user.h"

/* ---- data races -------------------------------------------------------------- */

static long shared_plain;
static long shared_marked;
static long shared_locked;
static DEFINE_SPINLOCK(op_lock);
long op_sink;

void op_plain_writer(void *arg)
{
	(void)arg;
	shared_plain = 1;
}

void op_plain_reader(void *arg)
{
	(void)arg;
	op_sink = shared_plain;
}

void op_marked_reader_of_plain(void *arg)
{
	(void)arg;
	op_sink = READ_ONCE(shared_plain);
}

void op_marked_writer(void *arg)
{
	(void)arg;
	WRITE_ONCE(shared_marked, 1);
}

void op_marked_reader(void *arg)
{
	(void)arg;
	op_sink = READ_ONCE(shared_marked);
}

void op_locked_writer(void *arg)
{
	(void)arg;
	spin_lock(&op_lock);
	shared_locked = 1;
	spin_unlock(&op_lock);
}

void op_locked_reader(void *arg)
{
	(void)arg;
	spin_lock(&op_lock);
	op_sink = shared_locked;
	spin_unlock(&op_lock);
}

/* ---- memory ---------------------------------------------------------------------- */

struct op_obj {
	long a, b;
};

void op_uaf_task(void *arg)
{
	struct op_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	(void)arg;
	o->a = 1;
	kfree(o);
	op_sink = READ_ONCE(o->b);	/* use after free */
}

void op_null_task(void *arg)
{
	struct op_obj *volatile o = NULL;

	(void)arg;
	op_sink = o->b;
}

void op_leak_task(void *arg)
{
	struct op_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	(void)arg;
	WRITE_ONCE(o->a, 1);	/* and never freed */
}

void op_clean_alloc_task(void *arg)
{
	struct op_obj *o = kzalloc(sizeof(*o), GFP_KERNEL);
	unsigned long page = __get_free_pages(GFP_KERNEL, 0);

	(void)arg;
	o->a = 2;
	o->b = o->a + 1;
	if (page && __va(__pa((void *)page)) == (void *)page)
		WRITE_ONCE(*(long *)page, o->b);
	free_pages(page, 0);
	kfree(o);
}

static DEFINE_MUTEX(op_mutex);

void op_sleep_atomic_task(void *arg)
{
	(void)arg;
	local_irq_disable();
	mutex_lock(&op_mutex);
	mutex_unlock(&op_mutex);
	local_irq_enable();
}

/* ---- a toy device, reached through system calls ----------------------------------- */

#define TOY_NEW_FD	0x1001
#define TOY_LOCK	0x1002
#define TOY_ALLOC	0x1003
#define TOY_COPY	0x1004

static struct op_dev_result dev;
static DEFINE_MUTEX(toy_dev_mutex);

static int toy_anon_release(struct file *f)
{
	(void)f;
	dev.anon_releases++;
	return 0;
}

static long toy_anon_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	(void)f;
	(void)arg;
	return cmd == 7 ? 70 : -ENOTTY;
}

static const struct file_operations toy_anon_fops = {
	.release = toy_anon_release,
	.unlocked_ioctl = toy_anon_ioctl,
};

static int toy_open(struct file *f)
{
	(void)f;
	dev.opens++;
	return 0;
}

static int toy_release(struct file *f)
{
	(void)f;
	dev.releases++;
	return 0;
}

static long toy_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	long buf[2];
	void *p;

	(void)f;
	switch (cmd) {
	case TOY_NEW_FD:
		return anon_inode_getfd("toy-anon", &toy_anon_fops, NULL, O_RDWR | O_CLOEXEC);
	case TOY_LOCK:
		mutex_lock(&toy_dev_mutex);	/* and return with it held */
		return 0;
	case TOY_ALLOC:
		p = kzalloc(64, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		kfree(p);
		return 0;
	case TOY_COPY:
		if (copy_from_user(buf, (const void *)arg, sizeof(buf)))
			return -EFAULT;
		return buf[0] + buf[1];
	}
	return -ENOTTY;
}

static const struct file_operations toy_fops = {
	.open = toy_open,
	.release = toy_release,
	.unlocked_ioctl = toy_ioctl,
};

static struct miscdevice toy_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "toy",
	.fops = &toy_fops,
};

static int toy_init(void)
{
	dev.inits++;
	return misc_register(&toy_misc);
}
module_init(toy_init);

void op_dev_result(struct op_dev_result *r)
{
	*r = dev;
}

void op_user_open_ioctl(void *arg)
{
	int fd, afd;

	(void)arg;
	fd = sim_sys_openat("/dev/toy", O_RDWR);
	dev.results[0] = fd;
	afd = (int)sim_sys_ioctl(fd, TOY_NEW_FD, 0);
	dev.results[1] = afd;
	dev.results[2] = sim_sys_ioctl(afd, 7, 0);
	dev.results[3] = sim_sys_ioctl(fd, 0xdead, 0);
	dev.results[4] = sim_sys_openat("/dev/nothing", O_RDWR);
	dev.results[5] = sim_sys_close(fd);
	/* afd stays open: process exit closes it. */
}

void op_user_held_lock(void *arg)
{
	int fd = sim_sys_openat("/dev/toy", O_RDWR);

	(void)arg;
	dev.results[0] = sim_sys_ioctl(fd, TOY_LOCK, 0);
}

void op_user_fail_nth(void *arg)
{
	int fd = sim_sys_openat("/dev/toy", O_RDWR);

	(void)arg;
	dev.results[0] = sim_sys_ioctl(fd, TOY_ALLOC, 0);
	sim_sys_set_fail_nth(1);
	dev.results[1] = sim_sys_ioctl(fd, TOY_ALLOC, 0);
	dev.results[2] = sim_sys_ioctl(fd, TOY_ALLOC, 0);
	sim_sys_close(fd);
}

void op_user_efault(void *arg)
{
	int fd = sim_sys_openat("/dev/toy", O_RDWR);
	size_t len;
	long *umem = sim_user_mem(&len);
	long stack_buf[2] = { 1, 2 };

	(void)arg;
	umem[0] = 40;
	umem[1] = 2;
	dev.results[0] = sim_sys_ioctl(fd, TOY_COPY, (unsigned long)umem);
	dev.results[1] = sim_sys_ioctl(fd, TOY_COPY, (unsigned long)stack_buf);
	dev.results[2] = sim_sys_ioctl(fd, TOY_COPY, (unsigned long)umem + len - 8);
	sim_sys_close(fd);
}

void op_wild_task(void *arg)
{
	long *volatile p = (long *)0x10;

	(void)arg;
	op_sink = *p;	/* no checks on: the SIGSEGV backstop catches it */
}

/* Two ud2 traps, as a kernel object's WARN and BUG are. */
void op_trap_task(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
	__asm__ volatile("ud2");
}
