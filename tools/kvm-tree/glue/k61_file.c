// SPDX-License-Identifier: MIT
/*
 * 6.1's files on hvsim's (the kernel-header side): misc_register() hands
 * 6.1's struct miscdevice to hvsim's side, which registers an hvsim misc
 * device of the same name whose file operations come back here. Each open
 * makes a 6.1 struct file (the tree's layout) standing for the hvsim one,
 * with the device's fops and, as misc_open() leaves it, the miscdevice as
 * private_data; ioctl and release go to 6.1's fops with it. The files are
 * in the glue's bss: restored every run.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>

#define K61_MAX_FILES	16

static struct file k61_files[K61_MAX_FILES];
static bool k61_file_used[K61_MAX_FILES];

int k61_host_misc_register(const char *name, void *misc);
void k61_host_misc_deregister(void *misc);

int misc_register(struct miscdevice *misc)
{
	return k61_host_misc_register(misc->name, misc);
}

void misc_deregister(struct miscdevice *misc)
{
	k61_host_misc_deregister(misc);
}

/* A 6.1 file opened on misc device @misc, or NULL when the glue has no room. */
struct file *k61_file_open_misc(void *misc, int *err);
struct file *k61_file_open_misc(void *misc, int *err)
{
	struct miscdevice *dev = misc;
	struct file *f = NULL;

	for (int i = 0; i < K61_MAX_FILES && !f; i++) {
		if (!k61_file_used[i]) {
			k61_file_used[i] = true;
			f = &k61_files[i];
		}
	}
	if (!f) {
		*err = -ENFILE;
		return NULL;
	}
	f->f_op = dev->fops;
	f->private_data = dev;
	*err = f->f_op->open ? f->f_op->open(NULL, f) : 0;
	return f;
}

long k61_file_ioctl(struct file *f, unsigned int cmd, unsigned long arg);
long k61_file_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	if (!f->f_op->unlocked_ioctl)
		return -ENOTTY;
	return f->f_op->unlocked_ioctl(f, cmd, arg);
}

int k61_file_release(struct file *f);
int k61_file_release(struct file *f)
{
	int ret = f->f_op->release ? f->f_op->release(NULL, f) : 0;

	k61_file_used[f - k61_files] = false;
	return ret;
}
