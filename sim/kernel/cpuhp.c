// SPDX-License-Identifier: MIT
/*
 * CPU hotplug, in Linux's order. Bringing CPU n up, with the hotplug lock
 * held for write by the initiator:
 *
 *   initiator (add_cpu)                   CPU n
 *   cpus_write_lock()
 *   wake CPU n (INIT/SIPI stand-in) --->  STARTING callbacks, IRQs off
 *                                         set_cpu_online(n)          (1)
 *                                         local_irq_enable()         (2)
 *                                         kick cpuhp/n
 *                                         cpuhp/n: ONLINE callbacks  (3)
 *   wait for cpuhp/n  <--------------------- done (or failed: roll back)
 *   set_cpu_active(n), cpus_write_unlock()
 *
 * Between (1) and (3) CPU n is online, takes IPIs and runs their functions,
 * yet its ONLINE callbacks have not run: the window of the first seed race.
 * Taking cpus_read_lock() around on_each_cpu() closes it.
 *
 * Every callback runs on the CPU it is for, never on the initiator, as
 * Linux's hotplug machinery runs them (Documentation/core-api/
 * cpu_hotplug.rst): STARTING and DYING ones with interrupts off on that
 * CPU, ONLINE ones (and their teardowns) in its hotplug thread cpuhp/n.
 * Taking CPU n down, or rolling back a failed bring-up:
 *
 *   initiator (remove_cpu)                CPU n
 *   cpus_write_lock()
 *   clear active, kick cpuhp/n ---------> cpuhp/n: ONLINE teardowns, in reverse
 *                                         take_cpu_down(), IRQs off:
 *                                           clear online, DYING callbacks
 *   wait for cpuhp/n  <------------------ done
 *   cpus_write_unlock()
 *
 * A traced run records each CPU's state (TR_CPUHP) as it starts and at
 * every change: BRINGUP when add_cpu() begins, ONLINE at (1), ACTIVE at
 * set_cpu_active(), TEARDOWN when remove_cpu() or a failed ONLINE state
 * begins the way down, OFFLINE in take_cpu_down() (or when INIT never
 * reached the CPU).
 *
 * cpuhp_setup_state() and cpuhp_remove_state() kick each online CPU's
 * hotplug thread in turn for the one state. The thread is a fresh kthread
 * bound to CPU n, which runs it when CPU n's current task blocks or is
 * preempted (Linux's is SCHED_FIFO and preempts at once).
 */
#include "hvsim/kernel.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/report.h"
#include "engine/strbuf.h"
#include "kernel/kmodel.h"
#include "hvsim/x86/apicdef.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

void cpuhp_trace_start(struct machine *m)
{
	struct kmodel *k = kmodel_of(m);

	for (unsigned int cpu = 0; cpu < m->ncpus; cpu++) {
		const struct kcpu *kc = kcpu(m, cpu);

		machine_trace_cpuhp(m, cpu, kc->active ? TR_CPU_ACTIVE :
					    kc->online ? TR_CPU_ONLINE : TR_CPU_OFFLINE);
		if (k->online_fn)
			k->online_fn(cpu, kc->online, k->online_arg);
	}
}

/*
 * set_cpu_online(@cpu, @online), a step at @pc: the model's mask, the
 * trace, sim_on_cpu_online().
 */
static void set_online(struct machine *m, unsigned int cpu, bool online, uintptr_t pc)
{
	struct kmodel *k = kmodel_of(m);

	kcall_named(NULL, pc, "set_cpu_online");
	kcpu(m, cpu)->online = online;
	machine_trace_cpuhp(m, cpu, online ? TR_CPU_ONLINE : TR_CPU_OFFLINE);
	if (k->online_fn)
		k->online_fn(cpu, online, k->online_arg);
}

/* STARTING and DYING states run with interrupts off on their CPU. */
static bool cpuhp_is_atomic(int state)
{
	return state >= CPUHP_AP_STARTING_FIRST && state <= CPUHP_AP_STARTING_LAST;
}

/*
 * One state's startup (@up) or teardown on the running CPU, which must be
 * @cpu: an atomic state's with interrupts off, as cpuhp_thread_fun() and
 * take_cpu_down() run them. NULL callbacks succeed.
 */
static int cpuhp_invoke(struct machine *m, int state, unsigned int cpu, bool up)
{
	const struct cpuhp_step *st = &kmodel_of(m)->steps[state];
	int (*cb)(unsigned int cpu) = up ? st->startup : st->teardown;
	unsigned long flags = 0;
	int ret;

	SIM_BUG_ON(m->cur_cpu->id != cpu);
	if (!st->set || !cb)
		return 0;
	if (cpuhp_is_atomic(state))
		local_irq_save(flags);
	ret = cb(cpu);
	if (cpuhp_is_atomic(state))
		local_irq_restore(flags);
	return ret;
}

/* Teardown of the states below @from, down to @lo, in reverse, on @cpu (the running CPU). */
static void rollback(struct machine *m, unsigned int cpu, int from, int lo)
{
	for (int s = from - 1; s >= lo; s--)
		cpuhp_invoke(m, s, cpu, false);
}

/*
 * take_cpu_down(), on the dying CPU with interrupts off: it leaves the
 * online mask, then its DYING callbacks run (STARTING's teardowns, in
 * reverse), the last of them smpcfd_dying_cpu(), whose state is below
 * every other STARTING one: the cross-CPU calls still queued here run
 * now, so a caller that queued one while the CPU was online is not left
 * waiting for a CPU that is gone.
 */
static void take_cpu_down(struct machine *m, unsigned int cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	set_online(m, cpu, false, CALLER_PC);
	rollback(m, cpu, CPUHP_AP_STARTING_LAST + 1, CPUHP_AP_STARTING_FIRST);
	kcall_named(NULL, CALLER_PC, "smpcfd_dying_cpu");
	flush_call_queue(m);
	local_irq_restore(flags);
}

/* What a CPU's hotplug thread (cpuhp/n) is asked to do. */
enum cpuhp_work {
	CPUHP_WORK_BRINGUP,	/* the ONLINE states up; on failure, back down and offline */
	CPUHP_WORK_TEARDOWN,	/* the ONLINE states down, then take_cpu_down() */
	CPUHP_WORK_STATE_UP,	/* one state's startup (cpuhp_setup_state) */
	CPUHP_WORK_STATE_DOWN,	/* one state's teardown (rollback, cpuhp_remove_state) */
};

/* A request to a CPU's hotplug thread, and its answer. */
struct cpuhp_request {
	enum cpuhp_work work;
	unsigned int cpu;
	int state;			/* STATE_UP/STATE_DOWN: which one */
	int result;			/* 0, or the failing callback's error */
	struct completion done;		/* the work is finished */
	struct completion started;	/* BRINGUP: the AP reached the idle loop */
};

/* cpuhp/n: the callbacks of the ONLINE section run here, on CPU n. */
static int cpuhp_thread(void *data)
{
	struct cpuhp_request *req = data;
	struct machine *m = sim_current;

	req->result = 0;
	switch (req->work) {
	case CPUHP_WORK_BRINGUP:
		for (int s = CPUHP_AP_ONLINE; s < CPUHP_ONLINE; s++) {
			int ret = cpuhp_invoke(m, s, req->cpu, true);

			if (!ret)
				continue;
			req->result = ret;
			printk("cpuhp: %s on CPU%u failed: %d, rolling back",
			       kmodel_of(m)->steps[s].name, req->cpu, ret);
			machine_trace_cpuhp(m, req->cpu, TR_CPU_TEARDOWN);
			rollback(m, req->cpu, s, CPUHP_AP_ONLINE);
			take_cpu_down(m, req->cpu);
			break;
		}
		break;
	case CPUHP_WORK_TEARDOWN:
		rollback(m, req->cpu, CPUHP_ONLINE, CPUHP_AP_ONLINE);
		take_cpu_down(m, req->cpu);
		break;
	case CPUHP_WORK_STATE_UP:
		req->result = cpuhp_invoke(m, req->state, req->cpu, true);
		break;
	case CPUHP_WORK_STATE_DOWN:
		cpuhp_invoke(m, req->state, req->cpu, false);
		break;
	}
	complete(&req->done);
	return 0;
}

/* Run @work in @cpu's hotplug thread and wait for it (cpuhp_kick_ap_work()). */
static int cpuhp_issue(enum cpuhp_work work, unsigned int cpu, int state)
{
	struct cpuhp_request req = { .work = work, .cpu = cpu, .state = state };

	init_completion(&req.done);
	if (!kthread_run_on(cpuhp_thread, &req, (int)cpu, "cpuhp"))
		return -ENOMEM;
	wait_for_completion(&req.done);
	return req.result;
}

/*
 * cpuhp_setup_state() with calls: @state's startup on each online CPU in
 * turn, in that CPU's hotplug thread (a STARTING state's with interrupts
 * off there); when one fails, the CPUs done so far run the teardown and
 * the state is not installed.
 */
static int setup_state(enum cpuhp_state state, const char *name,
		       int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu),
		       bool calls, uintptr_t pc)
{
	struct machine *m = kcall_named(NULL, pc, calls ? "cpuhp_setup_state" :
					"cpuhp_setup_state_nocalls");
	struct cpuhp_step *st;
	unsigned int cpu;
	int ret = 0;

	if (!m->running || state <= CPUHP_OFFLINE || state >= CPUHP_ONLINE)
		return -EINVAL;
	st = &kmodel_of(m)->steps[state];
	st->name = name;
	st->startup = startup;
	st->teardown = teardown;
	st->set = true;
	if (!calls || !startup || !m->cur_task)
		return 0;
	cpus_read_lock();
	for (cpu = 0; cpu < m->ncpus && !ret; cpu++)
		if (kcpu(m, cpu)->online)
			ret = cpuhp_issue(CPUHP_WORK_STATE_UP, cpu, state);
	if (ret) {
		/* cpu - 1 failed: its startup undid itself; the ones before it roll back. */
		for (unsigned int i = 0; i + 1 < cpu; i++)
			if (kcpu(m, i)->online)
				cpuhp_issue(CPUHP_WORK_STATE_DOWN, i, state);
		memset(st, 0, sizeof(*st));
	}
	cpus_read_unlock();
	return ret;
}

int cpuhp_setup_state(enum cpuhp_state state, const char *name,
		      int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu))
{
	return setup_state(state, name, startup, teardown, true, CALLER_PC);
}

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu))
{
	return setup_state(state, name, startup, teardown, false, CALLER_PC);
}

static void remove_state(enum cpuhp_state state, bool calls, uintptr_t pc)
{
	struct machine *m = kcall_named(NULL, pc, calls ? "cpuhp_remove_state" :
					"cpuhp_remove_state_nocalls");
	struct cpuhp_step *st;

	if (!m->running || state <= CPUHP_OFFLINE || state >= CPUHP_ONLINE)
		return;
	st = &kmodel_of(m)->steps[state];
	if (calls && st->set && st->teardown && m->cur_task) {
		cpus_read_lock();
		for (unsigned int cpu = 0; cpu < m->ncpus; cpu++)
			if (kcpu(m, cpu)->online)
				cpuhp_issue(CPUHP_WORK_STATE_DOWN, cpu, state);
		cpus_read_unlock();
	}
	memset(st, 0, sizeof(*st));
}

void cpuhp_remove_state(enum cpuhp_state state)
{
	remove_state(state, true, CALLER_PC);
}

void cpuhp_remove_state_nocalls(enum cpuhp_state state)
{
	remove_state(state, false, CALLER_PC);
}

/* What CPU n runs first: start_secondary(). */
static int start_secondary(void *data)
{
	struct cpuhp_request *req = data;
	struct machine *m = sim_current;
	unsigned int cpu = req->cpu;

	/* INIT-SIPI-SIPI and the AP's early boot take time on its clock. */
	if (hw_cpu(m, cpu)->model)
		m->cpus[cpu].cycles += hw_cpu(m, cpu)->model->cost[COST_HOTPLUG];
	local_irq_disable();
	/* setup_local_APIC(): INIT left the APIC software-disabled. */
	kernel_apic_setup(m, cpu);
	/* STARTING callbacks cannot fail (Linux WARNs and goes on). */
	for (int s = CPUHP_AP_STARTING_FIRST; s <= CPUHP_AP_STARTING_LAST; s++)
		cpuhp_invoke(m, s, cpu, true);
	set_online(m, cpu, true, CALLER_PC);	/* (1) */
	local_irq_enable();			/* (2) */
	/* (3): the ONLINE states run in cpuhp/n, a thread of this CPU. */
	kthread_run_on(cpuhp_thread, req, (int)cpu, "cpuhp");
	complete(&req->started);
	return 0;
}

/* The page the AP's real-mode trampoline starts in (the SIPI's vector: 0x9a000). */
#define TRAMPOLINE_PAGE	0x9a

void kernel_ap_start(struct machine *m, unsigned int cpu, uint8_t sipi_vector)
{
	struct kcpu *kc = kcpu(m, cpu);

	/* Only the trampoline add_cpu() pointed the AP at starts the kernel. */
	if (sipi_vector != TRAMPOLINE_PAGE || !kc->boot_req)
		return;
	kc->ap_started = true;
	kthread_run_on(start_secondary, kc->boot_req, (int)cpu, "start_secondary");
}

int add_cpu(unsigned int cpu)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct cpuhp_request req;

	if (!m->cur_task || cpu >= m->ncpus)
		return -EINVAL;
	cpus_write_lock();
	if (kcpu(m, cpu)->online) {
		cpus_write_unlock();
		return 0;
	}
	machine_trace_cpuhp(m, cpu, TR_CPU_BRINGUP);
	memset(&req, 0, sizeof(req));
	req.work = CPUHP_WORK_BRINGUP;
	req.cpu = cpu;
	init_completion(&req.done);
	init_completion(&req.started);
	/*
	 * wakeup_secondary_cpu_via_init(): INIT asserted and de-asserted,
	 * then STARTUP (twice; the second finds the CPU running and is
	 * ignored). The AP starts at start_secondary() through the
	 * kernel's AP entry. A CPU that went offline still in VMX root
	 * operation blocks INIT, ignores SIPI and never comes back: what a
	 * hypervisor that enabled VMX on a CPU and lost track of it does to
	 * a machine.
	 */
	kcpu(m, cpu)->ap_started = false;
	kcpu(m, cpu)->boot_req = &req;
	kernel_icr_write(m, APIC_DM_INIT | APIC_INT_LEVELTRIG | APIC_INT_ASSERT, hw_cpu(m, cpu)->apic.id);
	kernel_icr_write(m, APIC_DM_INIT | APIC_INT_LEVELTRIG, hw_cpu(m, cpu)->apic.id);
	for (int i = 0; i < 2; i++)
		kernel_icr_write(m, APIC_DM_STARTUP | TRAMPOLINE_PAGE, hw_cpu(m, cpu)->apic.id);
	kcpu(m, cpu)->boot_req = NULL;
	if (!kcpu(m, cpu)->ap_started) {
		struct strbuf text = STRBUF_INIT;
		struct sim_who w;
		char title[128];

		snprintf(title, sizeof(title),
			 "BUG: CPU %u went offline in VMX operation: INIT is blocked, it cannot come up",
			 cpu);
		kernel_who(m, &w, CALLER_PC);
		strbuf_printf(&text, "%s\n", title);
		report_who_line(&text, &w);
		machine_mark(m, &w, TR_MARK_SITE, 0, 0, NULL);
		machine_report_text(m, title, strbuf_str(&text));
		strbuf_release(&text);
		/* It never left the offline state its INIT found it in. */
		machine_trace_cpuhp(m, cpu, TR_CPU_OFFLINE);
		cpus_write_unlock();
		return -EIO;
	}
	wait_for_completion(&req.started);
	wait_for_completion(&req.done);
	/* A failed ONLINE state took the CPU back offline, on the CPU itself. */
	if (!req.result) {
		kcall_named(NULL, CALLER_PC, "set_cpu_active");
		kcpu(m, cpu)->active = true;
		machine_trace_cpuhp(m, cpu, TR_CPU_ACTIVE);
	}
	cpus_write_unlock();
	return req.result;
}

int remove_cpu(unsigned int cpu)
{
	struct machine *m = kcall(NULL, CALLER_PC);

	if (!m->cur_task || cpu >= m->ncpus || cpu == 0)
		return -EINVAL;
	cpus_write_lock();
	if (!kcpu(m, cpu)->online) {
		cpus_write_unlock();
		return 0;
	}
	kcpu(m, cpu)->active = false;
	machine_trace_cpuhp(m, cpu, TR_CPU_TEARDOWN);
	/* cpuhp/n tears the ONLINE states down, then the CPU takes itself down. */
	cpuhp_issue(CPUHP_WORK_TEARDOWN, cpu, 0);
	cpus_write_unlock();
	return 0;
}
