// SPDX-License-Identifier: MIT
/*
 * Linux 6.1's own kvm_main.o on hvsim (docs/real-kvm.md).
 *
 *   real_kvm kick [STRATEGY] [--expect clean|TITLE]
 *     6.1's kvm_vcpu_kick(), then kvm_make_all_cpus_request() (a TLB
 *     flush, which waits for the IPI it sends), from a task on CPU 0,
 *     against vCPU 0 of a VM, in guest mode, whose thread, migratable,
 *     starts on CPU 1 and records each CPU it is scheduled in on (a
 *     preempt notifier calling the adapter's kvm_arch_vcpu_load(): the
 *     plain vcpu->cpu store). Seed 003's race, through the real code.
 *     Default strategy dfs:2, expecting a clean, exhausted space: 6.1 has
 *     the fix (READ_ONCE(vcpu->cpu) in both).
 *   real_kvm stub [--expect TITLE]
 *     6.1's kvm_vcpu_yield_to() on a vCPU that has run: its first call
 *     hvsim does not model, get_pid_task(), ends the run with
 *     "not modelled: NAME".
 *   real_kvm warn [--expect TITLE]
 *     6.1's kvm_put_kvm_no_destroy() dropping a VM's last reference: its
 *     WARN_ON() (a ud2 and a __bug_table entry) is reported, and the code
 *     goes on after it: the task returns.
 *   real_kvm online
 *     CPU 2 starts offline; a task reads 6.1's cpu_online(2) (inline, its
 *     __cpu_online_mask), hot-adds CPU 2 with hvsim's add_cpu(), reads it
 *     again, removes it, and reads it a third time: 0, 1, 0.
 *   real_kvm current [STRATEGY]
 *     Three tasks (two bound to CPUs 0 and 1, one migratable from CPU 2)
 *     each read 6.1's current->pid (%gs:current_task, inline) and compare
 *     it with hvsim's, around cond_resched(): a mismatch is a BUG. Default
 *     dfs:2, expecting every schedule clean.
 *   real_kvm preempt [STRATEGY] [--on]
 *     Two tasks on CPU 0: one runs a section of the adapter's with 6.1's
 *     preempt_disable() (the inline per-CPU count), twice; the other
 *     checks, between its own steps, that it never runs while the first
 *     is inside (a BUG if it does). Default dfs:2, expecting every
 *     schedule clean: hvsim asks 6.1's count before it preempts. With
 *     --on the section leaves preemption on, and the BUG is expected.
 *   real_kvm block [STRATEGY]
 *     6.1's kvm_vcpu_block() on a halted vCPU, from its thread on CPU 1:
 *     set_current_state(), its check, schedule() (6.1's, on hvsim's
 *     tasks), until a task on CPU 0 makes KVM_REQ_UNBLOCK and calls 6.1's
 *     kvm_vcpu_wake_up() (rcuwait_wake_up() on the vCPU's wait). Default
 *     dfs:2: every schedule ends with the vCPU thread back (no wake-up
 *     lost), and some schedules slept first.
 *   real_kvm grace-srcu|grace-rcu [STRATEGY] [--expect clean|TITLE]
 *     Two readers (CPUs 1 and 2) reach an object through a pointer under
 *     6.1's srcu_read_lock() (the test VM's kvm->srcu) or rcu_read_lock()
 *     and read it plainly; an updater on CPU 0 unpublishes the pointer,
 *     waits with synchronize_srcu() or synchronize_rcu(), and writes the
 *     object plainly, as a free would. Default dfs:2, expecting every
 *     schedule clean: the grace period orders the readers before the
 *     write, and the race detector knows it.
 *   real_kvm init [MACHINE] [--expect TITLE]
 *     6.1's kvm_init(), as vmx_init() calls it, on MACHINE (a machine
 *     description; default two Skylake-SP CPUs): its compatibility check
 *     on every online CPU, the STARTING callbacks installed in hvsim's
 *     hotplug model, the vCPU cache, /dev/kvm registered. Default
 *     expectation: it returns 0. With a CPU that differs, it returns -EIO
 *     (expect "returned -5").
 *   real_kvm dev
 *     The kernel boots with 6.1's KVM built in (its module init,
 *     k61_vmx_init()); a user task opens /dev/kvm through
 *     hvsim's system calls and asks 6.1's kvm_dev_ioctl() for the API
 *     version (12), KVM_CAP_USER_MEMORY (1) and the vCPU mmap size (three
 *     pages on x86), then KVM_CREATE_VM (a VM fd; the VM goes when the
 *     process exits and its fds close).
 *   real_kvm run [MACHINE] [--hotplug] [--expect hlt|fail-entry:N|no-kvm]
 *     The kernel boots with 6.1's KVM built in; a user task, through
 *     hvsim's system calls and
 *     6.1's own ioctls, creates a VM (KVM_CREATE_VM) and a vCPU
 *     (KVM_CREATE_VCPU), maps its kvm_run page (mmap of the vCPU fd: 6.1's
 *     fault handler) and runs it (KVM_RUN: the adapter enters the guest on
 *     hvsim's VMX), then closes everything (6.1's VM destruction). On
 *     MACHINE (default two Skylake-SP CPUs) the guest halts: KVM_EXIT_HLT,
 *     and KVM_GET_REGS finds RIP past the HLT.
 *     With --hotplug, the last CPU starts offline and the task brings it
 *     up after creating the VM (6.1's kvm_starting_cpu() enables VMX on it,
 *     with no compatibility check) and runs the vCPU there: seed 000
 *     through 6.1's own code. On "3 slots: skylake-sp x2, kabylake" the
 *     Kaby Lake fails the entry the boot CPU's VMCS configuration makes:
 *     KVM_EXIT_FAIL_ENTRY, VM-instruction error 7 (expect fail-entry:7).
 *     Without --hotplug the Kaby Lake is online at boot, 6.1's kvm_init()
 *     refuses it, and there is no /dev/kvm (expect no-kvm).
 *   real_kvm bug [--expect TITLE]
 *     6.1's __gfn_to_pfn_memslot() asked for an atomic and asynchronous
 *     lookup: hva_to_pfn()'s BUG_ON() ends the run; the task never returns.
 *
 * --budget N explores N schedules where a mode runs one by default.
 * --trace FILE writes the trace of the last run (or the reported one).
 *
 * Exit 0 when the run or search ends as expected, 1 when not, 2 for bad
 * arguments.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/kernel.h"
#include "hvsim/kvm.h"
#include "hvsim/sim.h"
#include "hvsim/user.h"

#include "host61.h"

/* kvm_main.o's and the adapter's functions, renamed by link.sh. */
struct kvm;
struct kvm_vcpu;
void k61_kvm_vcpu_kick(struct kvm_vcpu *vcpu);
bool k61_kvm_make_all_cpus_request(struct kvm *kvm, unsigned int req);
int k61_kvm_vcpu_yield_to(struct kvm_vcpu *target);
void k61_test_vcpu_has_run(struct kvm_vcpu *vcpu);
void k61_test_section(bool off);
void k61_test_grace_init(void);
int k61_test_grace_reader(bool srcu);
void k61_test_grace_updater(bool srcu);
void k61_test_vcpu_halted(struct kvm_vcpu *vcpu);
void k61_test_unblock(struct kvm_vcpu *vcpu);
int k61_test_fatal_signal(void);
bool k61_kvm_vcpu_block(struct kvm_vcpu *vcpu);
int k61_test_in_section(void);
void k61_kvm_arch_vcpu_load(struct kvm_vcpu *vcpu, int cpu);
struct kvm_vcpu *k61_test_vcpu(int cpu, bool in_guest);
struct kvm *k61_test_kvm(struct kvm_vcpu *vcpu);
void k61_kvm_put_kvm_no_destroy(struct kvm *kvm);
struct kvm_memory_slot;
uint64_t k61___gfn_to_pfn_memslot(const struct kvm_memory_slot *slot, uint64_t gfn, bool atomic,
				  bool *async, bool write_fault, bool *writable, uint64_t *hva);
void k61_test_kvm_users(struct kvm *kvm, unsigned int users);
struct kvm_memory_slot *k61_test_slot(void);
int k61_test_cpu_online(int cpu);
int k61_test_current_pid(void);

#define NCPUS		3
/* KVM_REQ_TLB_FLUSH | KVM_REQUEST_WAIT | KVM_REQUEST_NO_WAKEUP, as x86 flushes. */
#define REQ_TLB_FLUSH	(0u | (1u << 8) | (1u << 9))

struct kick_run {
	struct kvm *kvm;
	struct kvm_vcpu *vcpu;
	struct preempt_notifier notifier;
	struct preempt_ops ops;
};

static struct kick_run run;

/* The glue's part of every program's setup: each CPU's per-CPU data, current, traps. */
static void glue_setup(struct machine *m)
{
	if (k61_machine_setup(m, sim_ncpus(m)))
		BUG();
}

static void kicker(void *arg)
{
	(void)arg;
	k61_kvm_vcpu_kick(run.vcpu);
	k61_kvm_make_all_cpus_request(run.kvm, REQ_TLB_FLUSH);
}

static void vcpu_sched_in(struct preempt_notifier *n, int cpu)
{
	(void)n;
	k61_kvm_arch_vcpu_load(run.vcpu, cpu);
}

static void vcpu_sched_out(struct preempt_notifier *n, struct task *next)
{
	(void)n;
	(void)next;
}

/* The vCPU thread: scheduled out and in (and maybe moved) a few times. */
static void vcpu_thread(void *arg)
{
	(void)arg;
	preempt_notifier_register(&run.notifier);
	for (int i = 0; i < 2; i++)
		cond_resched();
	preempt_notifier_unregister(&run.notifier);
}

static void kick_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	run.vcpu = k61_test_vcpu(1, true);
	run.kvm = k61_test_kvm(run.vcpu);
	run.ops.sched_in = vcpu_sched_in;
	run.ops.sched_out = vcpu_sched_out;
	preempt_notifier_init(&run.notifier, &run.ops);
	sim_spawn(m, 0, "kicker", kicker, NULL);
	sim_spawn_migratable(m, 1, "vcpu0", vcpu_thread, NULL);
}

static void yielder(void *arg)
{
	k61_kvm_vcpu_yield_to(arg);
}

static void stub_setup(struct machine *m, void *arg)
{
	struct kvm_vcpu *vcpu;

	(void)arg;
	glue_setup(m);
	vcpu = k61_test_vcpu(1, false);
	k61_test_vcpu_has_run(vcpu);
	sim_spawn(m, 0, "yielder", yielder, vcpu);
}

/* Whether the trap's task went on after its call (host memory: read after the run). */
static bool trap_task_returned;

static void putter(void *arg)
{
	k61_kvm_put_kvm_no_destroy(arg);
	trap_task_returned = true;
}

static void warn_setup(struct machine *m, void *arg)
{
	struct kvm *kvm;

	(void)arg;
	glue_setup(m);
	kvm = k61_test_kvm(NULL);
	k61_test_kvm_users(kvm, 1);
	sim_spawn(m, 0, "putter", putter, kvm);
}

static void looker(void *arg)
{
	bool async = false;

	k61___gfn_to_pfn_memslot(arg, 0, true, &async, false, NULL, NULL);
	trap_task_returned = true;
}

static void bug_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	sim_spawn(m, 0, "looker", looker, k61_test_slot());
}

/* What 6.1 saw of CPU 2: before the hot-add, after it, after the removal. */
static int online_seen[3] = { -1, -1, -1 };

static void hotplugger(void *arg)
{
	(void)arg;
	online_seen[0] = k61_test_cpu_online(2);
	if (add_cpu(2))
		BUG();
	online_seen[1] = k61_test_cpu_online(2);
	if (remove_cpu(2))
		BUG();
	online_seen[2] = k61_test_cpu_online(2);
}

static void online_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	if (sim_set_cpu_offline(m, 2))
		BUG();
	sim_spawn(m, 0, "hotplug", hotplugger, NULL);
}

/* current->pid checks made, in every run (host memory: not restored). */
static unsigned long current_checks;

static void pid_checker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		if (k61_test_current_pid() != task_pid_nr(current))
			BUG();
		current_checks++;
		cond_resched();
	}
}

static void current_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	sim_spawn(m, 0, "pid0", pid_checker, NULL);
	sim_spawn(m, 1, "pid1", pid_checker, NULL);
	sim_spawn_migratable(m, 2, "pid2", pid_checker, NULL);
}

/* SRCU (true) or RCU: what the grace test's tasks use. */
static bool grace_srcu = true;

/* Runs where a reader saw the object before the updater reused it (host memory). */
static unsigned long grace_seen;

static void grace_reader(void *arg)
{
	(void)arg;
	if (k61_test_grace_reader(grace_srcu) == 1)
		grace_seen++;
}

static void grace_updater(void *arg)
{
	(void)arg;
	k61_test_grace_updater(grace_srcu);
}

static void grace_setup(struct machine *m, bool srcu)
{
	glue_setup(m);
	grace_srcu = srcu;
	k61_test_grace_init();
	sim_spawn(m, 0, "updater", grace_updater, NULL);
	sim_spawn(m, 1, "reader1", grace_reader, NULL);
	sim_spawn(m, 2, "reader2", grace_reader, NULL);
}

static void grace_srcu_setup(struct machine *m, void *arg)
{
	(void)arg;
	grace_setup(m, true);
}

static void grace_rcu_setup(struct machine *m, void *arg)
{
	(void)arg;
	grace_setup(m, false);
}

/* Whether the section keeps preemption off; the intruder's checks (host memory). */
static bool section_off = true;
static unsigned long section_checks;

static void sectioner(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2; i++) {
		k61_test_section(section_off);
		cond_resched();
	}
}

static void intruder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 3; i++) {
		if (k61_test_in_section())
			BUG();
		section_checks++;
		cond_resched();
	}
}

static void preempt_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	sim_spawn(m, 0, "section", sectioner, NULL);
	sim_spawn(m, 0, "intruder", intruder, NULL);
}

/* Whether this run's vCPU thread came back; runs where it slept first (host memory). */
static bool block_returned;
static unsigned long block_waited;

static void blocker(void *arg)
{
	if (k61_kvm_vcpu_block(arg))
		block_waited++;
	/* Not the program's end that woke it: the unblock did. */
	block_returned = !k61_test_fatal_signal();
}

/*
 * At every run's end: the vCPU thread came back before the program's end
 * (whose fatal signal would wake it too), whatever the order: no wake-up
 * lost.
 */
static int block_check(struct machine *m, void *arg, char *msg, size_t len)
{
	(void)m;
	(void)arg;
	if (block_returned)
		return 0;
	snprintf(msg, len,
		 "the vCPU thread slept in kvm_vcpu_block() to the program's end: a lost wake-up");
	return 1;
}

static void unblocker(void *arg)
{
	k61_test_unblock(arg);
}

static void block_setup(struct machine *m, void *arg)
{
	struct kvm_vcpu *vcpu;

	(void)arg;
	glue_setup(m);
	block_returned = false;
	vcpu = k61_test_vcpu(1, false);
	k61_test_vcpu_halted(vcpu);
	sim_spawn(m, 1, "vcpu0", blocker, vcpu);
	sim_spawn(m, 0, "irq", unblocker, vcpu);
}

/* What kvm_init() returned (host memory: read after the run). */
static int init_ret = 1;

static void initializer(void *arg)
{
	(void)arg;
	init_ret = k61_vmx_init();
	printk("kvm_init() returned %d\n", init_ret);
}

static void init_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	sim_spawn(m, 0, "insmod", initializer, NULL);
}

/* What 6.1's kvm_dev_ioctl() answered the user task (host memory). */
static long dev_answers[4] = { -1, -1, -1, -1 };

static void kvm_user(void *arg)
{
	int fd;

	(void)arg;
	fd = sim_sys_openat("/dev/kvm", O_RDWR);
	if (fd < 0)
		return;
	dev_answers[0] = sim_sys_ioctl(fd, KVM_GET_API_VERSION, 0);
	dev_answers[1] = sim_sys_ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);
	dev_answers[2] = sim_sys_ioctl(fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	dev_answers[3] = sim_sys_ioctl(fd, KVM_CREATE_VM, 0);
	sim_sys_close(fd);
}

static void dev_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	if (sim_spawn_user(m, 0, 0, "qemu", kvm_user, NULL))
		BUG();
}

/* What the user task of "run" saw (host memory: read after the run). */
static struct {
	long kvm_fd, vm_fd, vcpu_fd, run_ret;
	uint32_t exit_reason;
	uint64_t failure_reason;
	uint32_t cpu;
	uint64_t rip_before, rip_after;	/* KVM_GET_REGS around KVM_RUN */
	bool ran;
} run_seen;
static bool run_hotplug;
static unsigned int run_last_cpu;


static void vm_user(void *arg)
{
	unsigned int last = run_last_cpu;
	struct kvm_run *run;
	size_t ulen;
	uint64_t *mask = sim_user_mem(&ulen);
	struct kvm_regs *regs = (struct kvm_regs *)(mask + 1);
	int kvm;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	run_seen.kvm_fd = kvm;
	if (kvm < 0)
		return;
	run_seen.vm_fd = sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	if (run_seen.vm_fd < 0)
		return;
	if (run_hotplug) {
		/* echo 1 > /sys/devices/system/cpu/cpuN/online, then run there. */
		if (add_cpu(last))
			return;
		*mask = 1ULL << last;
		if (sim_sys_sched_setaffinity(0, sizeof(*mask), mask))
			return;
	}
	run_seen.vcpu_fd = sim_sys_ioctl((int)run_seen.vm_fd, KVM_CREATE_VCPU, 0);
	if (run_seen.vcpu_fd < 0)
		return;
	run = sim_sys_mmap(NULL, 4096, 3 /* PROT_READ | PROT_WRITE */, 1 /* MAP_SHARED */,
			   (int)run_seen.vcpu_fd, 0);
	if (IS_ERR(run))
		return;
	if (!sim_sys_ioctl((int)run_seen.vcpu_fd, KVM_GET_REGS, (unsigned long)regs))
		run_seen.rip_before = regs->rip;
	run_seen.run_ret = sim_sys_ioctl((int)run_seen.vcpu_fd, KVM_RUN, 0);
	if (!sim_sys_ioctl((int)run_seen.vcpu_fd, KVM_GET_REGS, (unsigned long)regs))
		run_seen.rip_after = regs->rip;
	run_seen.exit_reason = run->exit_reason;
	run_seen.failure_reason = run->fail_entry.hardware_entry_failure_reason;
	run_seen.cpu = run->fail_entry.cpu;
	run_seen.ran = true;
	sim_sys_close((int)run_seen.vcpu_fd);
	sim_sys_close((int)run_seen.vm_fd);
	sim_sys_close(kvm);
}

static void run_setup(struct machine *m, void *arg)
{
	(void)arg;
	glue_setup(m);
	memset(&run_seen, 0, sizeof(run_seen));
	run_seen.kvm_fd = run_seen.vm_fd = run_seen.vcpu_fd = run_seen.run_ret = -1;
	run_last_cpu = sim_ncpus(m) - 1;
	if (run_hotplug && sim_set_cpu_offline(m, run_last_cpu))
		BUG();
	if (sim_spawn_user(m, 0, 0, "qemu", vm_user, NULL))
		BUG();
}

/* What every mode's outcome must be, by --expect. */
static bool judge_outcome(const struct sim_result *r, const char *expect)
{
	if (!strcmp(expect, "clean"))
		return r->outcome == SIM_OK && r->exhausted;
	if (!strncmp(expect, "returned ", 9))
		return r->outcome == SIM_OK && init_ret == atoi(expect + 9);
	if (!strcmp(expect, "clean-run"))
		return r->outcome == SIM_OK;
	return sim_outcome_is_failure(r->outcome) && strstr(r->message, expect);
}

/* The modes' own judges: what their tasks saw, printed, on top of the outcome. */
static bool judge_run(const struct sim_result *r, const char *expect)
{
	printf("/dev/kvm fd %ld, VM fd %ld, vCPU fd %ld, KVM_RUN %ld: exit reason %u, RIP %#"
	       PRIx64 " -> %#" PRIx64, run_seen.kvm_fd, run_seen.vm_fd, run_seen.vcpu_fd,
	       run_seen.run_ret, run_seen.exit_reason, run_seen.rip_before, run_seen.rip_after);
	if (run_seen.exit_reason == KVM_EXIT_FAIL_ENTRY)
		printf(", hardware entry failure reason %" PRIu64 ", CPU %u",
		       run_seen.failure_reason, run_seen.cpu);
	printf("\n");
	/* KVM did not load (kvm_init() refused a CPU at boot): no /dev/kvm. */
	if (!strcmp(expect, "no-kvm"))
		return r->outcome == SIM_OK && run_seen.kvm_fd == -ENOENT;
	/* Past the HLT (one byte): the guest ran, and its exit was handled. */
	if (!strcmp(expect, "hlt"))
		return r->outcome == SIM_OK && run_seen.ran &&
		       run_seen.exit_reason == KVM_EXIT_HLT && run_seen.rip_before &&
		       run_seen.rip_after == run_seen.rip_before + 1;
	if (!strncmp(expect, "fail-entry:", 11))
		return r->outcome == SIM_OK && run_seen.ran &&
		       run_seen.exit_reason == KVM_EXIT_FAIL_ENTRY &&
		       run_seen.rip_after == run_seen.rip_before &&
		       run_seen.failure_reason == strtoull(expect + 11, NULL, 0);
	return judge_outcome(r, expect);
}

static bool judge_grace(const struct sim_result *r, const char *expect)
{
	printf("%lu reads of the object before its reuse\n", grace_seen);
	return judge_outcome(r, expect) && grace_seen > 0;
}

static bool judge_block(const struct sim_result *r, const char *expect)
{
	printf("%lu runs slept in kvm_vcpu_block() before the wake-up\n", block_waited);
	return judge_outcome(r, expect) && block_waited > 0;
}

static bool judge_preempt(const struct sim_result *r, const char *expect)
{
	printf("%lu checks that the section's task was not inside\n", section_checks);
	return judge_outcome(r, expect);
}

static bool judge_current(const struct sim_result *r, const char *expect)
{
	printf("%lu checks of current->pid against hvsim's\n", current_checks);
	return judge_outcome(r, expect) && current_checks >= 6 * r->schedules;
}

static bool judge_dev(const struct sim_result *r, const char *expect)
{
	printf("kvm_dev_ioctl(): API version %ld, KVM_CAP_USER_MEMORY %ld, vCPU mmap size %ld, "
	       "KVM_CREATE_VM %ld\n", dev_answers[0], dev_answers[1], dev_answers[2],
	       dev_answers[3]);
	return judge_outcome(r, expect) && dev_answers[0] == 12 && dev_answers[1] == 1 &&
	       dev_answers[2] == 3 * 4096 && dev_answers[3] >= 0;
}

static bool judge_online(const struct sim_result *r, const char *expect)
{
	printf("cpu_online(2) as 6.1 read it: %d before the hot-add, %d after, %d after the "
	       "removal\n", online_seen[0], online_seen[1], online_seen[2]);
	return judge_outcome(r, expect) && online_seen[0] == 0 && online_seen[1] == 1 &&
	       online_seen[2] == 0;
}

/* A WARN goes on, a BUG does not. */
static bool judge_warn(const struct sim_result *r, const char *expect)
{
	if (!trap_task_returned)
		fprintf(stderr, "real_kvm: the task did not go on after the WARN\n");
	return judge_outcome(r, expect) && trap_task_returned;
}

static bool judge_bug(const struct sim_result *r, const char *expect)
{
	if (trap_task_returned)
		fprintf(stderr, "real_kvm: the task went on after the BUG\n");
	return judge_outcome(r, expect) && !trap_task_returned;
}

/*
 * A mode: its program, its default exploration and expectation, and its
 * judge. One timed run when the strategy is "timed"; a mode on a machine
 * of CPU models takes MACHINE ("N slots: ...") after its name.
 */
struct mode {
	const char *name;
	void (*setup)(struct machine *m, void *arg);
	int (*check)(struct machine *m, void *arg, char *msg, size_t len);
	unsigned int flags;		/* SIM_PROG_* */
	const char *strategy;
	const char *expect;
	bool machine;			/* takes MACHINE; default two Skylake-SPs */
	bool (*judge)(const struct sim_result *r, const char *expect);
};

static const struct mode modes[] = {
	{ "kick", kick_setup, NULL, 0, "dfs:2", "clean", false, judge_outcome },
	{ "stub", stub_setup, NULL, 0, "timed", "not modelled: get_pid_task", false,
	  judge_outcome },
	{ "warn", warn_setup, NULL, 0, "timed", "WARNING: CPU: 0 PID: 1 at ", false, judge_warn },
	{ "bug", bug_setup, NULL, 0, "timed", "kernel BUG at ", false, judge_bug },
	{ "online", online_setup, NULL, SIM_PROG_BOOT, "timed", "clean-run", false, judge_online },
	{ "current", current_setup, NULL, 0, "dfs:2", "clean", false, judge_current },
	{ "preempt", preempt_setup, NULL, 0, "dfs:2", "clean", false, judge_preempt },
	{ "block", block_setup, block_check, 0, "dfs:2", "clean", false, judge_block },
	{ "grace-srcu", grace_srcu_setup, NULL, 0, "dfs:2", "clean", false, judge_grace },
	{ "grace-rcu", grace_rcu_setup, NULL, 0, "dfs:2", "clean", false, judge_grace },
	{ "init", init_setup, NULL, 0, "timed", "returned 0", true, judge_outcome },
	{ "dev", dev_setup, NULL, SIM_PROG_BOOT, "timed", "clean-run", true, judge_dev },
	{ "run", run_setup, NULL, SIM_PROG_BOOT, "timed", "hlt", true, judge_run },
};

static int usage(void)
{
	fprintf(stderr, "usage: real_kvm kick|current|preempt|block|grace-srcu|grace-rcu [STRATEGY]\n"
			"       real_kvm stub|warn|bug|online\n"
			"       real_kvm init|dev|run [MACHINE] [STRATEGY]\n"
			"options: --expect clean|clean-run|TITLE|returned N (init)|"
			"hlt|fail-entry:N|no-kvm (run),\n"
			"         --budget N, --trace FILE, --hotplug (run), --on (preempt)\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sim_program p = { .ncpus = NCPUS, .detect = SIM_DETECT_ALL };
	struct sim_explore_opts o = { .budget = 1000000 };
	const char *expect, *trace_path = NULL;
	const struct mode *md = NULL;
	struct sim_result r;
	char err[256];
	int i = 2;
	bool ok;

	for (size_t k = 0; argc > 1 && k < sizeof(modes) / sizeof(modes[0]); k++)
		if (!strcmp(argv[1], modes[k].name))
			md = &modes[k];
	if (!md)
		return usage();
	p.name = md->name;
	p.setup = md->setup;
	p.check = md->check;
	p.flags = md->flags;
	o.strategy = md->strategy;
	if (!strcmp(o.strategy, "timed"))
		o.budget = 1;
	expect = md->expect;
	if (md->machine) {
		p.machine = "2 slots: skylake-sp x2";
		if (argc > 2 && argv[2][0] != '-' && strstr(argv[2], "slots:"))
			p.machine = argv[i++];
		p.ncpus = (unsigned int)atoi(p.machine);
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "--hotplug") && md->setup == run_setup)
			run_hotplug = true;
		else if (!strcmp(argv[i], "--on") && md->setup == preempt_setup)
			section_off = false;
		else if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			trace_path = argv[++i];
		else if (!strcmp(argv[i], "--budget") && i + 1 < argc)
			o.budget = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			expect = argv[++i];
		else if (argv[i][0] != '-')
			o.strategy = argv[i];
		else
			return usage();
	}
	o.trace_every_run = trace_path != NULL;
	if (sim_explore(&p, &o, &r, err, sizeof(err))) {
		fprintf(stderr, "real_kvm: %s\n", err);
		return 2;
	}
	printf("real-kvm-%s under %s: %" PRIu64 " schedules%s, %s: %s\n", p.name, o.strategy,
	       r.schedules, r.exhausted ? " (exhausted)" : "", sim_outcome_name(r.outcome),
	       r.message);
	if (r.reports)
		fputs(r.reports, stdout);
	if (trace_path) {
		FILE *f = fopen(trace_path, "wb");

		if (!f || !r.trace || fwrite(r.trace, 1, r.trace_len, f) != r.trace_len) {
			fprintf(stderr, "real_kvm: %s: cannot write the trace\n", trace_path);
			return 2;
		}
		fclose(f);
	}
	ok = md->judge(&r, expect);
	if (!ok)
		fprintf(stderr, "real_kvm: expected %s\n", expect);
	sim_result_release(&r);
	return ok ? 0 : 1;
}
