// SPDX-License-Identifier: MIT
/*
 * User programs of hv/'s in-kernel APIC and APICv, through the KVM API;
 * the result copy also reads hv/'s debugfs-style counters (x86.h).
 */
#include "apicvprogs.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hvsim/kernel.h"
#include "hvsim/kvm.h"
#include "hvsim/user.h"
#include "kvm_host.h"
#include "x86.h"

#define PROT_READ	0x1
#define PROT_WRITE	0x2
#define MAP_SHARED	0x01

/* Where syzkaller's program puts its structures: offsets into the process's user memory. */
#define SYZ_CAP_OFFSET		0x0
#define SYZ_DBG_OFFSET		0xc0
#define REGS_OFFSET		0x200
#define MSI_OFFSET		0x400
/* The calls' completion words, which the program sleeps on (futex). */
#define DONE_OFFSET		0x600
/* seed 004's values */
#define SYZ_VCPU_ID_3		0x400000000000002UL
#define SYZ_DBG_FIELD0		0x5dda9c14aa95f5c5ULL
/* syzkaller's value for a resource whose producing call has not returned. */
#define SYZ_RESOURCE_DEFAULT	(-1L)
/* The posted-interrupt tests' vector, and RFLAGS with IF (bit 9) and the fixed bit 1. */
#define TEST_VECTOR		0x40
#define RFLAGS_IF		0x202ULL
/* MSI address for APIC ID 0, fixed delivery (Intel SDM Vol. 3A, "Message Address Register Format"). */
#define MSI_ADDR_BASE		0xfee00000U

static struct apicvp_result res;

/*
 * One call of a syzkaller program as syz-executor runs it: in a worker
 * thread of its own, its arguments (results of earlier calls included)
 * taken when the program reaches it, its result stored when it returns.
 */
struct syz_call {
	int open;			/* openat$kvm rather than ioctl */
	long fd;			/* ioctl's fd, as the program passed it */
	unsigned long cmd, arg;
	long result;			/* SYZ_RESOURCE_DEFAULT until it returned */
	int done;
};

static struct syz_call syz_calls[7];

void apicvp_result(struct apicvp_result *r)
{
	*r = res;
	r->split = syz_calls[2].result;
	r->r2_result = syz_calls[3].result;
	r->r3 = syz_calls[4].result;
	r->dbg = syz_calls[5].result;
	r->run = syz_calls[6].done ? syz_calls[6].result : 1;
	r->apicv_update_reqs = debugfs_read(&kvm_debugfs.apicv_update_reqs);
	r->inhibits = debugfs_read(&kvm_debugfs.last_inhibits);
	r->apicv_enabled = enable_apicv;
	r->exits_total = debugfs_read(&kvm_debugfs.exits);
	r->halt_wakeup = debugfs_read(&kvm_debugfs.halt_wakeup);
	r->pi_notifications = debugfs_read(&kvm_debugfs.pi_notifications);
}

static char *umem(void)
{
	size_t len;

	return sim_user_mem(&len);
}

/* ---- seed 004 ------------------------------------------------------------------------ */

/* ioctl$KVM_CAP_SPLIT_IRQCHIP's struct: the cap, flags and args syzkaller fills in (all but cap 0). */
static struct kvm_enable_cap *syz_split_cap(void)
{
	struct kvm_enable_cap *cap = (void *)(umem() + SYZ_CAP_OFFSET);

	memset(cap, 0, sizeof(*cap));
	cap->cap = KVM_CAP_SPLIT_IRQCHIP;
	return cap;
}

static int *syz_done(struct syz_call *c)
{
	return (int *)(void *)(umem() + DONE_OFFSET) + (c - syz_calls);
}

static void syz_worker(void *arg)
{
	struct syz_call *c = arg;
	long r = c->open ? sim_sys_openat("/dev/kvm", O_RDWR) :
			   sim_sys_ioctl((int)c->fd, c->cmd, c->arg);

	WRITE_ONCE(c->result, r);
	WRITE_ONCE(c->done, 1);
	WRITE_ONCE(*syz_done(c), 1);
	sim_sys_futex_wake(syz_done(c));
}

/*
 * Start call @i; unless it is async, sleep until it returned (as
 * syz-executor waits on the call's completion event). Returns what the
 * program has for its result now.
 */
static long syz_exec(int i, long fd, unsigned long cmd, unsigned long arg, bool async)
{
	struct syz_call *c = &syz_calls[i];
	long tid;

	c->open = i == 0;
	c->fd = fd;
	c->cmd = cmd;
	c->arg = arg;
	WRITE_ONCE(c->result, SYZ_RESOURCE_DEFAULT);
	tid = sim_sys_clone_thread(syz_worker, c);
	if (tid < 0)
		return tid;
	if (i < 2)
		res.clones[i] = tid;
	while (!async && !READ_ONCE(*syz_done(c)))
		sim_sys_futex_wait(syz_done(c), 0);
	return READ_ONCE(c->result);
}

/*
 * Seed 004's program. The last call (KVM_RUN of a vCPU that halts in the
 * kernel) is not waited for: syz-executor gives up on a call after its
 * timeout, and the program's end kills the process.
 */
static void syz_seed004(bool async)
{
	uint64_t *dbg = (void *)(umem() + SYZ_DBG_OFFSET);
	long r0, r1, r2, r3;

	*dbg = SYZ_DBG_FIELD0;
	syz_split_cap();
	r0 = syz_exec(0, 0, 0, 0, false);
	r1 = syz_exec(1, r0, KVM_CREATE_VM, 0, false);
	res.kvm = r0;
	res.vm = r1;
	res.inhibits_at_create = debugfs_read(&kvm_debugfs.last_inhibits);
	syz_exec(2, r1, KVM_ENABLE_CAP, (unsigned long)(umem() + SYZ_CAP_OFFSET), async);
	syz_exec(3, r1, KVM_CREATE_VCPU, 0, async);
	r3 = syz_exec(4, r1, KVM_CREATE_VCPU, SYZ_VCPU_ID_3, false);
	res.reqs_before_dbg = debugfs_read(&kvm_debugfs.apicv_update_reqs);
	syz_exec(5, r3, KVM_SET_GUEST_DEBUG, (unsigned long)dbg, false);
	res.reqs_after_dbg = debugfs_read(&kvm_debugfs.apicv_update_reqs);
	r2 = READ_ONCE(syz_calls[3].result);
	res.r2 = r2;
	syz_exec(6, r2, KVM_RUN, 0, true);
}

void apicvp_seed004_task(void *arg)
{
	(void)arg;
	syz_seed004(true);
}

void apicvp_seed004_sequential_task(void *arg)
{
	(void)arg;
	syz_seed004(false);
}

/* ---- posted interrupts ----------------------------------------------------------------- */

/* An MSI of @vector to APIC ID @dest, fixed delivery: KVM_SIGNAL_MSI's return. */
static long msi_to(int vm, uint32_t dest, uint32_t vector)
{
	struct kvm_msi *msi = (void *)(umem() + MSI_OFFSET);

	memset(msi, 0, sizeof(*msi));
	msi->address_lo = MSI_ADDR_BASE | dest << 12;
	msi->data = vector;
	return sim_sys_ioctl(vm, KVM_SIGNAL_MSI, (unsigned long)msi);
}

static void send_msi(int vm, int slot)
{
	res.msi[slot] = msi_to(vm, 0, TEST_VECTOR);
}

static void msi_sender(void *arg)
{
	(void)arg;
	while (!READ_ONCE(res.vcpu_running))
		cpu_relax();
	send_msi((int)READ_ONCE(res.vm), 0);
}

void apicvp_posted_task(void *arg)
{
	bool before_run = (uintptr_t)arg == 1;
	struct kvm_regs *regs = (void *)(umem() + REGS_OFFSET);
	struct kvm_run *run;
	int vcpu;

	res.kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	res.vm = sim_sys_ioctl((int)res.kvm, KVM_CREATE_VM, 0);
	res.split = sim_sys_ioctl((int)res.vm, KVM_ENABLE_CAP, (unsigned long)syz_split_cap());
	vcpu = (int)sim_sys_ioctl((int)res.vm, KVM_CREATE_VCPU, 0);
	res.r2 = vcpu;
	run = sim_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	sim_sys_ioctl(vcpu, KVM_GET_REGS, (unsigned long)regs);
	regs->rflags = RFLAGS_IF;
	res.set_regs = sim_sys_ioctl(vcpu, KVM_SET_REGS, (unsigned long)regs);
	if (before_run)
		send_msi((int)res.vm, 0);
	else
		res.clones[0] = sim_sys_clone_thread(msi_sender, NULL);
	WRITE_ONCE(res.vcpu_running, 1);
	res.runs[0] = sim_sys_ioctl(vcpu, KVM_RUN, 0);
	if (!IS_ERR(run))
		res.exits[0] = READ_ONCE(run->exit_reason);
}

/* ---- APICv activation and deactivation ------------------------------------------------- */

/* RFLAGS.IF on again (the guest stand-in's handlers leave it clear), then KVM_RUN. */
static long run_with_if(int vcpu)
{
	struct kvm_regs *regs = (void *)(umem() + REGS_OFFSET);

	sim_sys_ioctl(vcpu, KVM_GET_REGS, (unsigned long)regs);
	regs->rflags = RFLAGS_IF;
	sim_sys_ioctl(vcpu, KVM_SET_REGS, (unsigned long)regs);
	return sim_sys_ioctl(vcpu, KVM_RUN, 0);
}

static long guest_debug(int vcpu, uint32_t control)
{
	struct kvm_guest_debug *dbg = (void *)(umem() + SYZ_DBG_OFFSET);

	memset(dbg, 0, sizeof(*dbg));
	dbg->control = control;
	return sim_sys_ioctl(vcpu, KVM_SET_GUEST_DEBUG, (unsigned long)dbg);
}

void apicvp_activation_task(void *arg)
{
	int vm, v0, v1, n = 0;

	(void)arg;
	res.kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	vm = (int)sim_sys_ioctl((int)res.kvm, KVM_CREATE_VM, 0);
	res.vm = vm;
	res.split = sim_sys_ioctl(vm, KVM_ENABLE_CAP, (unsigned long)syz_split_cap());
	v0 = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	v1 = (int)sim_sys_ioctl(vm, KVM_CREATE_VCPU, 1);
	res.r2 = v0;
	res.r3 = v1;
	/* First entries: the creation's KVM_REQ_APICV_UPDATE, APICv on. */
	res.act_runs[n++] = run_with_if(v0);
	res.act_runs[n++] = run_with_if(v1);
	res.act_msi[0] = msi_to(vm, 1, 0x41);
	res.act_runs[n++] = run_with_if(v1);
	res.act_reqs[0] = debugfs_read(&kvm_debugfs.apicv_update_reqs);
	res.act_dbg[0] = guest_debug(v0, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_BLOCKIRQ);
	res.act_reqs[1] = debugfs_read(&kvm_debugfs.apicv_update_reqs);
	/* Each vCPU's next entry takes the request: APICv off, MSIs injected. */
	res.act_runs[n++] = run_with_if(v1);
	res.act_msi[1] = msi_to(vm, 1, 0x42);
	res.act_runs[n++] = run_with_if(v1);
	res.act_runs[n++] = run_with_if(v0);
	res.act_msi[2] = msi_to(vm, 0, 0x44);
	res.act_runs[n++] = run_with_if(v0);
	res.act_dbg[1] = guest_debug(v0, 0);
	res.act_reqs[2] = debugfs_read(&kvm_debugfs.apicv_update_reqs);
	/* On again. */
	res.act_runs[n++] = run_with_if(v1);
	res.act_msi[3] = msi_to(vm, 1, 0x43);
	res.act_runs[n++] = run_with_if(v1);
	sim_sys_close(v1);
	sim_sys_close(v0);
	sim_sys_close(vm);
	sim_sys_close((int)res.kvm);
}

/* ---- capabilities ----------------------------------------------------------------------- */

static long enable_cap(int vm, uint32_t capno, uint32_t flags, uint64_t arg0)
{
	struct kvm_enable_cap *cap = (void *)(umem() + SYZ_CAP_OFFSET);

	memset(cap, 0, sizeof(*cap));
	cap->cap = capno;
	cap->flags = flags;
	cap->args[0] = arg0;
	return sim_sys_ioctl(vm, KVM_ENABLE_CAP, (unsigned long)cap);
}

void apicvp_caps_task(void *arg)
{
	int kvm, vm, vm2, vcpu;
	long *c = res.caps;

	(void)arg;
	kvm = sim_sys_openat("/dev/kvm", O_RDWR);
	vm = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	c[0] = sim_sys_ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SPLIT_IRQCHIP);
	c[1] = sim_sys_ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
	c[2] = enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 1, 0);		/* flags: -EINVAL */
	c[3] = enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 0, 4097);		/* pins: -EINVAL */
	c[4] = enable_cap(vm, KVM_CAP_HALT_POLL, 0, 1ULL << 32);	/* not a u32: -EINVAL */
	c[5] = enable_cap(vm, KVM_CAP_HALT_POLL, 0, 200000);		/* 0 */
	c[6] = enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 0, KVM_DIRTY_LOG_INITIALLY_SET);
	c[7] = enable_cap(vm, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, 0, 3);	/* 0 */
	c[8] = enable_cap(vm, KVM_CAP_USER_MEMORY, 0, 0);		/* not enabled this way: -EINVAL */
	c[9] = enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 0, 24);		/* 0 */
	c[10] = enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, 0, 24);		/* -EEXIST */
	c[11] = sim_sys_ioctl(vm, KVM_CREATE_IRQCHIP, 0);		/* -EEXIST */
	vm2 = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = (int)sim_sys_ioctl(vm2, KVM_CREATE_VCPU, 0);
	c[12] = enable_cap(vm2, KVM_CAP_SPLIT_IRQCHIP, 0, 0);		/* a vCPU exists: -EEXIST */
	c[13] = sim_sys_ioctl(vm2, KVM_CREATE_IRQCHIP, 0);		/* -EEXIST */
	c[14] = msi_to(vm2, 0, 0x40);					/* no irqchip: -EINVAL */
	sim_sys_close(vcpu);
	sim_sys_close(vm2);
	vm2 = (int)sim_sys_ioctl(kvm, KVM_CREATE_VM, 0);
	c[15] = sim_sys_ioctl(vm2, KVM_CREATE_IRQCHIP, 0);		/* 0 */
	sim_sys_close(vm2);
	sim_sys_close(vm);
	sim_sys_close(kvm);
}
