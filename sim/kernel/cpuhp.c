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
 */
#include "hvsim/kernel.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engine/report.h"
#include "engine/strbuf.h"
#include "kernel/kmodel.h"
#include "hvsim/x86/apicdef.h"

#define CALLER_PC ((uintptr_t)__builtin_return_address(0))

static int setup_state(enum cpuhp_state state, const char *name,
		       int (*startup)(unsigned int cpu), int (*teardown)(unsigned int cpu),
		       bool calls, uintptr_t pc)
{
	struct machine *m = kcall_named(NULL, pc, calls ? "cpuhp_setup_state" :
					"cpuhp_setup_state_nocalls");
	struct cpuhp_step *st;
	int ret = 0;

	if (!m->running || state <= CPUHP_OFFLINE || state >= CPUHP_ONLINE)
		return -EINVAL;
	st = &kmodel_of(m)->steps[state];
	st->name = name;
	st->startup = startup;
	st->teardown = teardown;
	st->set = true;
	if (!calls || !startup)
		return 0;
	cpus_read_lock();
	for (unsigned int cpu = 0; cpu < m->ncpus && !ret; cpu++)
		if (kcpu(m, cpu)->online)
			ret = startup(cpu);
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

void cpuhp_remove_state_nocalls(enum cpuhp_state state)
{
	struct machine *m = kcall(NULL, CALLER_PC);

	if (m->running && state > CPUHP_OFFLINE && state < CPUHP_ONLINE)
		memset(&kmodel_of(m)->steps[state], 0, sizeof(kmodel_of(m)->steps[state]));
}

/* What the new CPU's hotplug thread is asked to do. */
struct cpuhp_request {
	unsigned int cpu;
	int result;			/* 0, or the failing callback's error */
	int failed_state;		/* the state that failed, or -1 */
	struct completion done;		/* ONLINE states finished (or rolled back) */
	struct completion started;	/* the AP reached the idle loop */
};

/* Teardown of the states below @from, down to @lo, in reverse. */
static void rollback(struct machine *m, unsigned int cpu, int from, int lo)
{
	for (int s = from - 1; s >= lo; s--) {
		struct cpuhp_step *st = &kmodel_of(m)->steps[s];

		if (st->set && st->teardown)
			st->teardown(cpu);
	}
}

static int cpuhp_thread(void *data)
{
	struct cpuhp_request *req = data;
	struct machine *m = sim_current;

	req->result = 0;
	req->failed_state = -1;
	for (int s = CPUHP_AP_ONLINE; s < CPUHP_ONLINE; s++) {
		struct cpuhp_step *st = &kmodel_of(m)->steps[s];
		int ret;

		if (!st->set || !st->startup)
			continue;
		ret = st->startup(req->cpu);
		if (ret) {
			req->result = ret;
			req->failed_state = s;
			printk("cpuhp: %s on CPU%u failed: %d, rolling back", st->name, req->cpu, ret);
			rollback(m, req->cpu, s, CPUHP_AP_ONLINE);
			break;
		}
	}
	complete(&req->done);
	return 0;
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
	for (int s = CPUHP_AP_STARTING_FIRST; s <= CPUHP_AP_STARTING_LAST; s++) {
		struct cpuhp_step *st = &kmodel_of(m)->steps[s];

		if (st->set && st->startup)
			st->startup(cpu);	/* STARTING callbacks cannot fail */
	}
	kcall_named(NULL, CALLER_PC, "set_cpu_online");
	kcpu(m, cpu)->online = true;		/* (1) */
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
	memset(&req, 0, sizeof(req));
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
		machine_report_text(m, title, strbuf_str(&text));
		strbuf_release(&text);
		cpus_write_unlock();
		return -EIO;
	}
	wait_for_completion(&req.started);
	wait_for_completion(&req.done);
	kcall_named(NULL, CALLER_PC, "set_cpu_active");
	if (req.result) {
		/* A failed ONLINE state took the CPU back offline. */
		kcpu(m, cpu)->online = false;
		rollback(m, cpu, CPUHP_AP_STARTING_LAST + 1, CPUHP_AP_STARTING_FIRST);
	} else {
		kcpu(m, cpu)->active = true;
	}
	cpus_write_unlock();
	return req.result;
}

static int cpuhp_teardown_thread(void *data)
{
	struct cpuhp_request *req = data;
	struct machine *m = sim_current;

	rollback(m, req->cpu, CPUHP_ONLINE, CPUHP_AP_ONLINE);
	complete(&req->done);
	return 0;
}

int remove_cpu(unsigned int cpu)
{
	struct machine *m = kcall(NULL, CALLER_PC);
	struct cpuhp_request req;

	if (!m->cur_task || cpu >= m->ncpus || cpu == 0)
		return -EINVAL;
	cpus_write_lock();
	if (!kcpu(m, cpu)->online) {
		cpus_write_unlock();
		return 0;
	}
	kcpu(m, cpu)->active = false;
	memset(&req, 0, sizeof(req));
	req.cpu = cpu;
	init_completion(&req.done);
	kthread_run_on(cpuhp_teardown_thread, &req, (int)cpu, "cpuhp");
	wait_for_completion(&req.done);
	kcall_named(NULL, CALLER_PC, "set_cpu_online");
	/* DYING callbacks, then the CPU leaves the online mask. */
	rollback(m, cpu, CPUHP_AP_STARTING_LAST + 1, CPUHP_AP_STARTING_FIRST);
	kcpu(m, cpu)->online = false;
	cpus_write_unlock();
	return 0;
}
