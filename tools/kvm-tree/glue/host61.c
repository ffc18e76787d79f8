// SPDX-License-Identifier: MIT
/*
 * The hvsim side of the glue (docs/real-kvm.md): what Linux 6.1's
 * kvm_main.o calls, implemented on hvsim's machine through its public
 * headers, under the names link.sh gives the object's needs
 * (NAME -> k61_NAME), and the per-CPU setup. Not instrumented: this is the
 * machine. It talks to the kernel-header side (k61_data.c) through the
 * plain C functions declared below, and reads the object's renamed data
 * (k61_cpu_number, ...) only by address. Whatever neither side defines is
 * a generated stub: "not modelled: NAME".
 */
#include <asm/prctl.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hvsim/hw.h"
#include "hvsim/kernel.h"
#include "hvsim/sim.h"

#include "host61.h"
#include "hvsim/x86/msr-index.h"

/* The final link's bounds of the per-CPU template (link.sh: k61_percpu). */
extern char __start_k61_percpu[], __stop_k61_percpu[];

/* k61_data.c, the kernel-header side. */
char *k61_percpu_copy(unsigned int cpu, unsigned long *bytes);
void k61_set_cpus(unsigned int ncpus);
void k61_set_cpu_online(unsigned int cpu, bool online);
void k61_init_smp_ops(void);
int k61_set_layout(unsigned long direct_map_base, unsigned long first_pfn, unsigned long npages);

/* 6.1's per-CPU variables and offsets, renamed by link.sh. */
extern int k61_cpu_number;
extern unsigned long k61_this_cpu_off;
extern unsigned long k61___per_cpu_offset[];
extern int k61___preempt_count;

#ifndef HWCAP2_FSGSBASE
#define HWCAP2_FSGSBASE		(1UL << 1)
#endif

/* k61_task.c: the task_struct that stands for an hvsim task. */
void *k61_task_mirror(unsigned int slot, int pid, const char *comm, int process);
extern void *k61_current_task;

/* GS base per simulated CPU: its copy minus the template; each copy. */
static uintptr_t gs_base[SIM_MAX_CPUS];
static char *percpu_copy[SIM_MAX_CPUS];
static unsigned int gs_cpu = UINT_MAX;
static struct machine *k61_machine;
static int use_wrgsbase = -1;

static void set_gs_base(uintptr_t base)
{
	if (use_wrgsbase < 0)
		use_wrgsbase = !!(getauxval(AT_HWCAP2) & HWCAP2_FSGSBASE);
	if (use_wrgsbase)
		__asm__ volatile("wrgsbase %0" : : "r"(base) : "memory");
	else
		syscall(SYS_arch_prctl, ARCH_SET_GS, base);
}


/* sim_on_cpu_online(): 6.1's __cpu_online_mask follows hvsim's at the same step. */
static void cpu_online_changed(unsigned int cpu, bool online, void *arg)
{
	(void)arg;
	k61_set_cpu_online(cpu, online);
}

/* A per-CPU variable's address in @copy: the template's address, moved. */
static void *in_copy(char *copy, void *template_var)
{
	return copy + ((char *)template_var - __start_k61_percpu);
}

/*
 * sim_on_switch(): %gs:var reaches @cpu's copy of var, and @cpu's
 * current_task is the mirror of @task (made the first time it runs).
 */
static void on_switch(unsigned int cpu, unsigned int task, void *arg)
{
	struct sim_task_info ti;
	void *mirror = NULL;

	(void)arg;
	if (cpu != gs_cpu) {
		set_gs_base(gs_base[cpu]);
		gs_cpu = cpu;
	}
	if (!sim_task_info(k61_machine, task, &ti)) {
		mirror = k61_task_mirror(task, (int)ti.pid, ti.comm, ti.process);
		if (!mirror)
			not_modelled("more tasks or processes than the glue mirrors", NULL);
	}
	*(void **)in_copy(percpu_copy[cpu], &k61_current_task) = mirror;
}

static void misc_reset(void);
static void waits_reset(void);

/*
 * sim_on_preemptible(): 6.1's preempt count is per CPU, inline
 * (preempt_disable(), get_cpu(), spin locks' own), with x86's inverted
 * NEED_RESCHED bit on top; hvsim may preempt a task only when the count
 * on its CPU is zero.
 */
#define K61_PREEMPT_NEED_RESCHED	0x80000000u

static bool k61_preemptible(unsigned int cpu, void *arg)
{
	unsigned int count = *(unsigned int *)in_copy(percpu_copy[cpu], &k61___preempt_count);

	(void)arg;
	return !(count & ~K61_PREEMPT_NEED_RESCHED);
}

/* k61_bug.c: the bug table entry at @addr (enum k61_bug there). */
int k61_bug_lookup(unsigned long addr, const char **file, unsigned int *line);

enum { K61_BUG_NONE, K61_BUG_WARN, K61_BUG_WARN_DONE, K61_BUG_BUG };

/*
 * sim_on_trap(): a ud2 in the object. A WARN is reported and the code
 * goes on after it, as the kernel's report_bug() lets it; a BUG is
 * reported and ends the run; a ud2 without an entry is an oops.
 */
static enum sim_trap k61_trap(uintptr_t pc, void *arg)
{
	const char *file;
	unsigned int line;
	/*
	 * Reports take a return address and name the byte before it: pc + 1
	 * names the ud2 itself, as the kernel's "RIP:" and WARNING line do.
	 */
	const void *after = (const void *)(pc + 1);

	(void)arg;
	switch (k61_bug_lookup(pc, &file, &line)) {
	case K61_BUG_WARN:
		__warn_at(file, (int)line, after);
		return SIM_TRAP_RESUME;
	case K61_BUG_WARN_DONE:
		return SIM_TRAP_RESUME;
	case K61_BUG_BUG:
		__bug_report_at(file, (int)line, after);
		return SIM_TRAP_END;
	default:
		return SIM_TRAP_OOPS;
	}
}

int k61_machine_setup(struct machine *m, unsigned int ncpus)
{
	size_t size = (size_t)(__stop_k61_percpu - __start_k61_percpu);
	uint64_t dm_first, dm_bytes;
	uintptr_t dm_offset;

	for (unsigned int cpu = 0; cpu < ncpus; cpu++) {
		unsigned long room;
		char *copy = k61_percpu_copy(cpu, &room);
		uintptr_t off;

		if (!copy || size > room)
			return -1;
		memcpy(copy, __start_k61_percpu, size);
		off = (uintptr_t)copy - (uintptr_t)__start_k61_percpu;
		*(int *)in_copy(copy, &k61_cpu_number) = (int)cpu;
		*(unsigned long *)in_copy(copy, &k61_this_cpu_off) = off;
		/*
		 * A CPU running a task in process context: count 0, NEED_RESCHED
		 * clear (x86's inverted bit set). The template's is the boot
		 * CPU's INIT_PREEMPT_COUNT, 1, which would keep every task in.
		 */
		*(unsigned int *)in_copy(copy, &k61___preempt_count) = K61_PREEMPT_NEED_RESCHED;
		k61___per_cpu_offset[cpu] = off;
		gs_base[cpu] = off;
		percpu_copy[cpu] = copy;
	}
	kernel_direct_map(m, &dm_offset, &dm_first, &dm_bytes);
	if (k61_set_layout(dm_offset, dm_first / PAGE_SIZE, dm_bytes / PAGE_SIZE))
		return -1;
	k61_machine = m;
	misc_reset();
	k61_sync_reset();
	k61_notifiers_reset();
	waits_reset();
	gs_cpu = UINT_MAX;
	k61_set_cpus(ncpus);
	/* Every CPU's state once setup is done, then each change at its step. */
	sim_on_cpu_online(m, cpu_online_changed, NULL);
	k61_init_smp_ops();
	sim_on_switch(m, on_switch, NULL);
	sim_on_trap(m, k61_trap, NULL);
	sim_on_preemptible(m, k61_preemptible, NULL);
	return 0;
}

/* kvm_main.o's and the adapter's, renamed by link.sh. */
int k61_kvm_init(void *opaque, unsigned int vcpu_size, unsigned int vcpu_align, void *module);
unsigned int k61_vcpu_size(void);

int k61_vmx_init(void)
{
	return k61_kvm_init(NULL, k61_vcpu_size(), 64, NULL);
}

/*
 * KVM=y: 6.1's KVM loads at boot, vmx_init() being an initcall. A program
 * that wants it loaded boots the kernel (SIM_PROG_BOOT); one that loads
 * it from a task of its own (insmod) calls k61_vmx_init() there.
 */
static int k61_kvm_intel_init(void)
{
	return k61_vmx_init();
}
module_init(k61_kvm_intel_init);

/* ---- what the kernel-header side asks of the machine ---- */

void k61_host_send_reschedule(int cpu)
{
	smp_send_reschedule(cpu);
}

void k61_host_call_function_many(unsigned long mask, void (*func)(void *info), void *info,
				 bool wait)
{
	struct cpumask m = { .bits = mask };

	smp_call_function_many(&m, func, info, wait);
}

int k61_host_call_function_single(int cpu, void (*func)(void *info), void *info, int wait)
{
	return smp_call_function_single(cpu, func, info, wait);
}

int k61_host_cpuhp_setup_kvm_starting(const char *name, bool invoke,
				      int (*startup)(unsigned int cpu),
				      int (*teardown)(unsigned int cpu))
{
	if (invoke)
		return cpuhp_setup_state(CPUHP_AP_KVM_STARTING, name, startup, teardown);
	return cpuhp_setup_state_nocalls(CPUHP_AP_KVM_STARTING, name, startup, teardown);
}

void *k61_host_kmem_cache_create(const char *name, unsigned int size, unsigned int align)
{
	return kmem_cache_create(name, size, align, 0, NULL);
}

/*
 * 6.1's printk through libc's vsnprintf, which knows its integer and
 * string conversions. Not the kernel's %p extensions (%pS, %pK, ...):
 * libc would print a host pointer, different in every process, into the
 * log. A line with one goes in as its format, unexpanded.
 */
void k61_host_vprintk(const char *fmt, va_list ap)
{
	char line[512];

	if (strstr(fmt, "%p")) {
		printk("%s [format not expanded: %%p]", fmt);
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	printk("%s", line);
}

/* ---- 6.1's files as hvsim's (k61_file.c) ---- */

void *k61_file_open_misc(void *misc, void *hfile, int *err);
long k61_file_ioctl(void *file61, unsigned int cmd, unsigned long arg);
int k61_file_release(void *file61);
long k61_file_mmap(void *file61, unsigned long len, unsigned long pgoff);

#define K61_MAX_MISC	4

/* An hvsim misc device standing for a 6.1 one (reset at every setup). */
static struct k61_misc {
	struct miscdevice dev;
	char name[32];
	void *misc61;
} k61_miscs[K61_MAX_MISC];

/* Every run registers its devices anew (hvsim's table is reset too). */
static void misc_reset(void)
{
	memset(k61_miscs, 0, sizeof(k61_miscs));
}

static struct k61_misc *misc_by_name(const char *name)
{
	for (unsigned int i = 0; i < K61_MAX_MISC; i++)
		if (k61_miscs[i].misc61 && !strcmp(k61_miscs[i].name, name))
			return &k61_miscs[i];
	return NULL;
}

/* hvsim's open of /dev/NAME: a 6.1 file on its device, kept as private_data. */
static int misc_open(struct file *filp)
{
	struct k61_misc *km = misc_by_name(filp->name);
	int err;

	if (!km)
		return -ENODEV;
	filp->private_data = k61_file_open_misc(km->misc61, filp, &err);
	return filp->private_data ? 0 : err;
}

/* Every hvsim file standing for a 6.1 one: its operations are the 6.1 file's. */
static long file61_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	return k61_file_ioctl(filp->private_data, cmd, arg);
}

static int file61_release(struct file *filp)
{
	return filp->private_data ? k61_file_release(filp->private_data) : 0;
}

static void *file61_mmap(struct file *filp, unsigned long len, unsigned long pgoff)
{
	long r = k61_file_mmap(filp->private_data, len, pgoff);

	return r < 0 ? ERR_PTR(r) : (void *)r;
}

static const struct file_operations misc_fops = {
	.open = misc_open,
	.release = file61_release,
	.unlocked_ioctl = file61_ioctl,
	.mmap = file61_mmap,
};

static const struct file_operations file61_fops = {
	.release = file61_release,
	.unlocked_ioctl = file61_ioctl,
	.mmap = file61_mmap,
};

void *k61_host_file_new(const char *name, void *file61)
{
	struct file *f = anon_inode_getfile(name, &file61_fops, file61, O_RDWR);

	return IS_ERR(f) ? NULL : f;
}

int k61_host_get_unused_fd(void)
{
	return get_unused_fd_flags(O_CLOEXEC);
}

void k61_host_put_unused_fd(int fd)
{
	put_unused_fd(fd);
}

void k61_host_fd_install(int fd, void *hfile)
{
	fd_install(fd, hfile);
}

void k61_host_fput(void *hfile)
{
	fput(hfile);
}

int k61_host_misc_register(const char *name, void *misc61)
{
	for (unsigned int i = 0; i < K61_MAX_MISC; i++) {
		struct k61_misc *km = &k61_miscs[i];

		if (km->misc61)
			continue;
		snprintf(km->name, sizeof(km->name), "%s", name);
		km->dev = (struct miscdevice){
			.minor = MISC_DYNAMIC_MINOR, .name = km->name, .fops = &misc_fops,
		};
		km->misc61 = misc61;
		if (misc_register(&km->dev)) {
			km->misc61 = NULL;
			return -EBUSY;
		}
		return 0;
	}
	return -ENOMEM;
}

void k61_host_misc_deregister(void *misc61)
{
	for (unsigned int i = 0; i < K61_MAX_MISC; i++) {
		if (k61_miscs[i].misc61 == misc61) {
			misc_deregister(&k61_miscs[i].dev);
			k61_miscs[i].misc61 = NULL;
		}
	}
}

/* ---- the running CPU's VMX facts, for the adapter (arch61.c) ---- */

/* The capability MSRs whose values KVM's VMCS configuration is made of. */
static const uint32_t vmx_cap_msrs[K61_VMX_CAPS] = {
	MSR_IA32_VMX_BASIC, MSR_IA32_VMX_PINBASED_CTLS, MSR_IA32_VMX_PROCBASED_CTLS,
	MSR_IA32_VMX_PROCBASED_CTLS2, MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_ENTRY_CTLS,
	MSR_IA32_VMX_MISC, MSR_IA32_VMX_EPT_VPID_CAP,
};

int k61_host_cpu_has_vmx(void)
{
	return !!(cpuid_ecx(1) & (1u << 5));
}

int k61_host_vmx_caps(uint64_t caps[K61_VMX_CAPS])
{
	for (unsigned int i = 0; i < K61_VMX_CAPS; i++)
		if (rdmsrl_safe(vmx_cap_msrs[i], &caps[i]))
			return -1;
	return 0;
}

void k61_host_not_modelled(const char *what)
{
	not_modelled(what, __builtin_return_address(0));
}

/* k61_task.c: a mirror's slot, and making it TASK_RUNNING. */
int k61_task_slot(void *task61);
void k61_task_set_running(void *task61);

/* One waiter per hvsim task, for 6.1's schedule() (reset at every setup). */
static struct rcuwait k61_waits[SIM_MAX_TASKS];

static void waits_reset(void)
{
	for (unsigned int i = 0; i < SIM_MAX_TASKS; i++)
		rcuwait_init(&k61_waits[i]);
}

void k61_host_yield(void)
{
	schedule();
}

int k61_host_sleep(unsigned int slot, const volatile unsigned int *state)
{
	struct rcuwait *w = &k61_waits[slot];
	int r = 0;

	rcuwait_prepare(w, (int)*state);
	if (*state)
		r = rcuwait_schedule(w);
	rcuwait_finish(w);
	return r;
}

/*
 * 6.1's rcuwait_wake_up() found @task waiting: it runs again
 * (TASK_RUNNING, which its schedule() checks), and if it already sleeps
 * in k61_host_sleep(), hvsim wakes it.
 */
void k61_host_wake_task(void *task)
{
	int slot = k61_task_slot(task);

	k61_task_set_running(task);
	rcuwait_wake_up(&k61_waits[slot]);
}

/* ---- the string functions: range accesses, then the copy ---- */

void __tsan_read_range(void *addr, unsigned long size);
void __tsan_write_range(void *addr, unsigned long size);

void *k61_memcpy(void *dst, const void *src, size_t n)
{
	__tsan_read_range((void *)src, n);
	__tsan_write_range(dst, n);
	return memcpy(dst, src, n);
}

int k61_memcmp(const void *a, const void *b, size_t n)
{
	__tsan_read_range((void *)a, n);
	__tsan_read_range((void *)b, n);
	return memcmp(a, b, n);
}

void *k61_memset(void *dst, int c, size_t n)
{
	__tsan_write_range(dst, n);
	return memset(dst, c, n);
}
