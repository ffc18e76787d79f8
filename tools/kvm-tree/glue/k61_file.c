// SPDX-License-Identifier: MIT
/*
 * 6.1's files on hvsim's (the kernel-header side).
 *
 * Every 6.1 file (the tree's struct file) stands for one hvsim file,
 * made by hvsim's side with file operations that come back here: ioctl,
 * release and mmap go to the 6.1 file's own operations. Two ways in:
 *
 *  - misc_register() hands 6.1's struct miscdevice to hvsim's side,
 *    which registers an hvsim misc device of the same name; each open of
 *    it makes a 6.1 file here with the device's fops and, as misc_open()
 *    leaves it, the miscdevice as private_data;
 *  - anon_inode_getfile() and anon_inode_getfd(), which KVM's VM and
 *    vCPU fds are: the 6.1 file and its hvsim file are made together;
 *    get_unused_fd_flags(), fd_install(), put_unused_fd() and fput() are
 *    hvsim's, on the hvsim file.
 *
 * mmap: hvsim's mmap returns the kernel memory user space then sees (one
 * address space). The 6.1 file's mmap is called with a vm_area_struct
 * made here, and its fault handler for each page; the pages' addresses
 * (page_address() of what it returns) must be consecutive.
 *
 * The files are in the glue's bss: restored every run.
 */
#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>

#include "k61_iface.h"

#define K61_MAX_FILES	32

static struct file k61_files[K61_MAX_FILES];
static void *k61_hfile[K61_MAX_FILES];	/* the hvsim file each stands for */
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

static struct file *k61_file_alloc(const struct file_operations *fops, void *priv)
{
	for (int i = 0; i < K61_MAX_FILES; i++) {
		if (!k61_file_used[i]) {
			struct file *f = &k61_files[i];

			k61_file_used[i] = true;
			memset(f, 0, sizeof(*f));
			f->f_op = fops;
			f->private_data = priv;
			f->f_mode = FMODE_READ | FMODE_WRITE;
			return f;
		}
	}
	return NULL;
}

static void k61_file_free(struct file *f)
{
	k61_hfile[f - k61_files] = NULL;
	k61_file_used[f - k61_files] = false;
}

/*
 * A 6.1 file opened on misc device @misc, for hvsim file @hfile, or NULL
 * with *@err set.
 */
struct file *k61_file_open_misc(void *misc, void *hfile, int *err);
struct file *k61_file_open_misc(void *misc, void *hfile, int *err)
{
	struct miscdevice *dev = misc;
	struct file *f = k61_file_alloc(dev->fops, dev);

	if (!f) {
		*err = -ENFILE;
		return NULL;
	}
	k61_hfile[f - k61_files] = hfile;
	*err = f->f_op->open ? f->f_op->open(NULL, f) : 0;
	if (*err) {
		k61_file_free(f);
		return NULL;
	}
	return f;
}

struct file *anon_inode_getfile(const char *name, const struct file_operations *fops,
				void *priv, int flags)
{
	struct file *f = k61_file_alloc(fops, priv);
	void *hfile;

	if (!f)
		return ERR_PTR(-ENFILE);
	f->f_flags = flags & (O_ACCMODE | O_NONBLOCK);
	hfile = k61_host_file_new(name, f);
	if (!hfile) {
		k61_file_free(f);
		return ERR_PTR(-ENFILE);
	}
	k61_hfile[f - k61_files] = hfile;
	return f;
}

int get_unused_fd_flags(unsigned flags)
{
	return k61_host_get_unused_fd();
}

void put_unused_fd(unsigned int fd)
{
	k61_host_put_unused_fd((int)fd);
}

void fd_install(unsigned int fd, struct file *file)
{
	k61_host_fd_install((int)fd, k61_hfile[file - k61_files]);
}

void fput(struct file *file)
{
	k61_host_fput(k61_hfile[file - k61_files]);
}

int anon_inode_getfd(const char *name, const struct file_operations *fops, void *priv, int flags)
{
	struct file *f;
	int fd = get_unused_fd_flags(flags);

	if (fd < 0)
		return fd;
	f = anon_inode_getfile(name, fops, priv, flags);
	if (IS_ERR(f)) {
		put_unused_fd(fd);
		return PTR_ERR(f);
	}
	fd_install(fd, f);
	return fd;
}

loff_t noop_llseek(struct file *file, loff_t offset, int whence)
{
	return file->f_pos;
}

/* ---- what hvsim's file operations call ---- */

long k61_file_ioctl(struct file *f, unsigned int cmd, unsigned long arg);
long k61_file_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	if (!f->f_op->unlocked_ioctl)
		return -ENOTTY;
	return f->f_op->unlocked_ioctl(f, cmd, arg);
}

/* The last reference to the hvsim file went: 6.1's release, then the file is free. */
int k61_file_release(struct file *f);
int k61_file_release(struct file *f)
{
	int ret = f->f_op->release ? f->f_op->release(NULL, f) : 0;

	k61_file_free(f);
	return ret;
}

static struct vm_area_struct k61_vma;

/*
 * mmap of @len bytes at page @pgoff: the address of the first page, or
 * an -errno. Pages that are not consecutive in memory are -EINVAL: hvsim
 * maps nothing, it hands out the kernel's memory.
 */
long k61_file_mmap(struct file *f, unsigned long len, unsigned long pgoff);
long k61_file_mmap(struct file *f, unsigned long len, unsigned long pgoff)
{
	unsigned long first = 0;
	int r;

	if (!f->f_op->mmap)
		return -ENODEV;
	memset(&k61_vma, 0, sizeof(k61_vma));
	k61_vma.vm_start = 0;
	k61_vma.vm_end = PAGE_ALIGN(len);
	k61_vma.vm_pgoff = pgoff;
	k61_vma.vm_flags = VM_READ | VM_WRITE | VM_SHARED | VM_MAYREAD | VM_MAYWRITE | VM_MAYSHARE;
	k61_vma.vm_file = f;
	r = f->f_op->mmap(f, &k61_vma);
	if (r)
		return r;
	for (unsigned long i = 0; i < PAGE_ALIGN(len) >> PAGE_SHIFT; i++) {
		struct vm_fault vmf = {
			.vma = &k61_vma,
			.pgoff = pgoff + i,
			.address = i << PAGE_SHIFT,
			.flags = FAULT_FLAG_WRITE,
		};
		unsigned long addr;
		vm_fault_t ret;

		if (!k61_vma.vm_ops || !k61_vma.vm_ops->fault)
			return -ENODEV;
		ret = k61_vma.vm_ops->fault(&vmf);
		if (ret & VM_FAULT_ERROR)
			return -EFAULT;
		addr = (unsigned long)page_address(vmf.page);
		if (!i)
			first = addr;
		else if (addr != first + (i << PAGE_SHIFT))
			return -EINVAL;
	}
	return (long)first;
}
