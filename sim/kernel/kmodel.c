// SPDX-License-Identifier: MIT
/* The kernel model's lifecycle, reports and log. */
#include "kernel/kmodel.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "kernel/lockdep.h"
#include "kernel/mem.h"
#include "kernel/race.h"
#include "mem/phys.h"

static void report_cb(void *arg, const char *title, const char *text)
{
	machine_report_text(arg, title, text);
}

/*
 * The kernel's exception handling for a fault the hardware raised in
 * kernel context: one report shape for every oops and warning. @from_host:
 * the run is already over (the engine's backstop), so it cannot be ended.
 */
static void fault_report(struct machine *m, const struct hw_fault *f, bool from_host)
{
	struct strbuf sb = STRBUF_INIT;
	struct sim_who w;
	char note[160];

	kernel_who(m, &w, f->pc);
	machine_mark(m, &w, TR_MARK_SITE, 0, 0, NULL);
	strbuf_printf(&sb, "%s\n%s", f->title, f->before ? f->before : "");
	report_who_line(&sb, &w);
	if (f->rip) {
		snprintf(note, sizeof(note), "%s%s", f->rip_note ? " " : "",
			 f->rip_note ? f->rip_note : "");
		machine_frame(m, &sb, "RIP: ", f->pc, note);
	}
	if (f->after)
		strbuf_printf(&sb, "%s", f->after);
	if (f->call_trace) {
		strbuf_printf(&sb, "Call Trace:\n");
		for (unsigned int i = w.depth; i-- > 0;)
			machine_frame(m, &sb, " ", w.stack[i], "");
	}
	machine_report_text(m, f->title, strbuf_str(&sb));
	strbuf_release(&sb);
	if (f->fatal && from_host)
		snprintf(m->message, sizeof(m->message), "%s", f->title);
	else if (f->fatal)
		machine_end(m, SIM_FAILED, f->title);
}

static void kernel_fault(struct machine *m, const struct hw_fault *f)
{
	fault_report(m, f, false);
}

void kernel_oops(struct machine *m, int sig, uintptr_t addr, uintptr_t rip)
{
	char title[160], before[64];

	if (sig == SIGILL) {
		/* A ud2 no decoder took, or another undefined instruction. */
		snprintf(title, sizeof(title), "invalid opcode: 0000 [#1] PREEMPT SMP");
		before[0] = '\0';
	} else {
		snprintf(title, sizeof(title),
			 "BUG: unable to handle page fault for address: 0x%016lx",
			 (unsigned long)machine_norm_addr(m, addr));
		snprintf(before, sizeof(before), "Oops: 0000 [#1] PREEMPT SMP (signal %d)\n", sig);
	}
	fault_report(m, &(struct hw_fault){
		.title = title, .before = before, .rip = true, .call_trace = true,
		.pc = rip + 1, .fatal = true,
	}, true);
}

struct machine *kmachine_create(unsigned int ncpus, const struct machine_hooks *hooks)
{
	struct kmachine *km = calloc(1, sizeof(*km));
	struct machine *m;
	struct kmodel *k;

	if (!km)
		return NULL;
	m = &km->hw.m;
	k = &km->k;
	k->hung_cycles = SIM_HUNG_CYCLES;
	k->phys = phys_create(KMODEL_ARENA);
	if (!k->phys)
		goto err_free;
	k->arena_lo = (uintptr_t)phys_base(k->phys);
	k->arena_len = phys_size(k->phys);
	if (hw_machine_init(&km->hw, ncpus, hooks, k->phys, &(struct hw_entries){
		.fault = kernel_fault, .intr = irq_entry, .nmi = nmi_entry,
		.ap_start = kernel_ap_start,
	}))
		goto err_phys;
	k->lockdep = lockdep_create(report_cb, machine_symbolize, m);
	if (!k->lockdep)
		goto err_hw;
	k->mem = mem_create_on(k->phys, report_cb, machine_symbolize, m);
	if (!k->mem)
		goto err_lockdep;
	k->race = race_create(report_cb, machine_symbolize, m);
	if (!k->race)
		goto err_mem;
	lockdep_set_frames(k->lockdep, machine_frame);
	lockdep_set_marks(k->lockdep, machine_mark);
	mem_set_names(k->mem, machine_frame, machine_member);
	mem_set_marks(k->mem, machine_mark);
	race_set_names(k->race, machine_frame, kernel_describe);
	race_set_marks(k->race, machine_mark);
	return m;

err_mem:
	mem_destroy(k->mem);
err_lockdep:
	lockdep_destroy(k->lockdep);
err_hw:
	hw_machine_fini(&km->hw);
err_phys:
	phys_destroy(k->phys);
err_free:
	free(km);
	return NULL;
}

void kmachine_destroy(struct machine *m)
{
	struct kmodel *k;

	if (!m)
		return;
	k = kmodel_of(m);
	race_destroy(k->race);
	mem_destroy(k->mem);
	lockdep_destroy(k->lockdep);
	for (unsigned int i = 0; i < KMODEL_MAX_PROCS; i++)
		free(k->procs[i].umem);
	strbuf_release(&k->log);
	hw_machine_fini(hw_of(m));
	phys_destroy(k->phys);
	free((struct kmachine *)m);
}

void kmodel_reset(struct machine *m)
{
	struct kmodel *k = kmodel_of(m);

	memset(k->tasks, 0, sizeof(k->tasks[0]) * k->tasks_dirty);
	k->tasks_dirty = 0;
	k->online_fn = NULL;
	k->online_arg = NULL;
	memset(&k->hotplug_lock, 0, sizeof(k->hotplug_lock));
	k->hotplug_lock.dep.name = "cpu_hotplug_lock";
	k->hotplug_lock.dep.key = &k->hotplug_key;
	memset(k->steps, 0, sizeof(k->steps));
	/* Only the csds the last run used can be dirty. */
	memset(k->csd_pool, 0, sizeof(k->csd_pool[0]) *
	       (k->csd_next < KMODEL_CSD_POOL ? k->csd_next : KMODEL_CSD_POOL));
	k->csd_next = 0;
	memset(k->gate, 0, sizeof(k->gate));
	memset(k->nmi, 0, sizeof(k->nmi));
	strbuf_reset(&k->log);
	lockdep_reset(k->lockdep);
	mem_reset(k->mem);
	race_reset(k->race);
	race_set_strict(k->race, !!(m->detect & SIM_DETECT_RACE_STRICT));
	k->race_wpend.valid = false;
	for (unsigned int i = 0; i < KMODEL_MAX_PROCS; i++) {
		struct sim_process *p = &k->procs[i];

		/* A process used last run has user memory; the others are clean. */
		if (!p->umem)
			continue;
		memset(p->fds, 0, sizeof(p->fds));
		p->fds_reserved = 0;
		p->nr_tasks = 0;
		p->futex_wq.waiters = NULL;
		memset(p->umem, 0, p->umem_len);
	}
	k->nfiles = 0;
	k->nmisc = 0;
	init_completion(&k->booted);
	/* Slots the machine description starts offline are not in the masks. */
	for (unsigned int i = 0; i < m->ncpus; i++) {
		bool on = !(hw_of(m)->offline_slots & (1ULL << i));

		k->cpus[i].online = on;
		k->cpus[i].active = on;
		k->cpus[i].rq = NULL;
		k->cpus[i].rq_tail = NULL;
		k->cpus[i].csd_head = k->cpus[i].csd_tail = NULL;
		k->cpus[i].ap_started = false;
		k->cpus[i].boot_req = NULL;
		/* Booted CPUs have their APIC up; an offline slot's comes up in start_secondary(). */
		if (on)
			kernel_apic_setup(m, i);
		k->cpus[i].idle = NULL;
	}
}

void kmodel_run_end(struct machine *m)
{
	/* kmemleak's roots: the modules' data and bss (module-lifetime objects are not leaks). */
	struct mem_root roots[2];
	uintptr_t lo[2], hi[2];
	unsigned int nroots = machine_state_ranges(lo, hi);

	for (unsigned int i = 0; i < nroots; i++)
		roots[i] = (struct mem_root){ lo[i], hi[i] };

	kmodel_of(m)->tasks_dirty = m->ntasks;
	kdetect_flush(m);
	/* kmemleak: what a finished run left allocated. */
	if (m->outcome == SIM_OK)
		mem_report_leaks(kmodel_of(m)->mem, roots, nroots);
}

void kernel_who(struct machine *m, struct sim_who *w, uintptr_t pc)
{
	machine_who(m, w, pc);
	if (!m->cur_task)
		return;
	w->irqs_disabled = !hw_cur(m)->irqs_enabled;
	w->in_irq = kcur(m)->in_irq;
}

bool kernel_preemptible(const struct machine *m, const struct task *t)
{
	const struct ktask *kt = &kmodel_of_const(m)->tasks[t->id];

	return !kt->preempt_count && !kt->in_irq && hw_of_const(m)->cpu[t->cpu].irqs_enabled &&
	       (!m->preemptible || m->preemptible(t->cpu, m->preemptible_arg));
}

/* Run @t's sched-in (@in) or sched-out notifiers, in @t's context. */
void kernel_sched(struct machine *m, struct task *t, bool in, struct task *next)
{
	struct ktask *kt = ktask(m, t);
	struct preempt_notifier *n;

	if (!kt->notifiers)
		return;
	/* Notifiers run with preemption off, as in the kernel. */
	kt->preempt_count++;
	for (n = kt->notifiers; n; n = n->link) {
		if (in)
			n->ops->sched_in(n, (int)m->cur_cpu->id);
		else
			n->ops->sched_out(n, next);
	}
	kt->preempt_count--;
}

bool kernel_cpu_usable(const struct machine *m, unsigned int cpu)
{
	const struct kcpu *c = &kmodel_of_const(m)->cpus[cpu];

	return c->online && c->active;
}

/* Would a fatal signal end @t's sleep (an interruptible or killable one)? */
static bool sleep_wakekill(const struct machine *m, const struct task *t)
{
	return kmodel_of_const(m)->tasks[t->id].sleep_state & (TASK_INTERRUPTIBLE | TASK_WAKEKILL);
}

/*
 * The hung-task detector: a program task asleep uninterruptibly for longer
 * than the budget (by the clock of the CPU looking) is reported once; the
 * run goes on. As Linux's check, it passes over interruptible sleepers
 * (they wait for an event that may never come by design) and killable
 * ones (a kill ends them).
 */
void kernel_check_hung(struct machine *m)
{
	struct kmodel *k = kmodel_of(m);
	uint64_t now = m->cur_cpu->cycles;

	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *t = &m->tasks[i];
		char title[160], text[512];

		if (t->state != TASK_BLOCKED || t->kind != TASK_KIND_PROGRAM ||
		    sleep_wakekill(m, t) || k->tasks[i].hung_reported || now < t->blocked_since ||
		    now - t->blocked_since <= k->hung_cycles)
			continue;
		k->tasks[i].hung_reported = true;
		snprintf(title, sizeof(title), "INFO: task %s:%u blocked for more than %llu cycles.",
			 t->name, t->pid, (unsigned long long)k->hung_cycles);
		snprintf(text, sizeof(text), "%s\ntask:%-15s state:D pid:%-5u waiting on %s\n",
			 title, t->name, t->pid, t->wait_what ? t->wait_what : "?");
		machine_report_text(m, title, text);
	}
}

/*
 * The program's tasks have ended but for interruptible or killable
 * sleepers: its processes are killed, as when a test program exits and its
 * children get SIGKILL. Every remaining program task gets the fatal signal
 * and the sleepers wake; their waits return -EINTR (or -ERESTARTSYS, which
 * a system call turns into -EINTR) and they run to their end.
 */
static void kill_program(struct machine *m)
{
	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *t = &m->tasks[i];

		if (t->kind != TASK_KIND_PROGRAM || t->state == TASK_DONE)
			continue;
		ktask(m, t)->fatal_signal = true;
		if (t->state == TASK_BLOCKED)
			machine_wake(m, t);
	}
}

/*
 * Nothing can run, and program tasks are left: a deadlock if some sleep
 * uninterruptibly, a livelock if all of them spin. Each task and what it
 * waits on is listed. When the only ones left sleep interruptibly or
 * killably (and none spins), the program is over: kill_program() wakes
 * them and the run goes on (true).
 */
bool kernel_stuck(struct machine *m, unsigned int sleeping)
{
	struct strbuf text = STRBUF_INIT;
	unsigned int killable = 0;
	bool spinning = false;
	char title[128];

	for (unsigned int i = 0; i < m->ntasks; i++) {
		const struct task *t = &m->tasks[i];

		if (t->kind != TASK_KIND_PROGRAM || t->state == TASK_DONE)
			continue;
		if (t->state != TASK_BLOCKED)
			spinning = true;
		else if (sleep_wakekill(m, t) && !ktask(m, t)->fatal_signal)
			killable++;
	}
	if (killable && killable == sleeping && !spinning) {
		kill_program(m);
		return true;
	}
	for (unsigned int i = 0; i < m->ntasks; i++) {
		const struct task *t = &m->tasks[i];

		if (t->kind != TASK_KIND_PROGRAM || t->state == TASK_DONE)
			continue;
		strbuf_printf(&text, "  task %s:%u on CPU%u %s on %s\n", t->name, t->pid, t->cpu,
			      t->state == TASK_BLOCKED ? "sleeps" : "spins",
			      t->wait_what ? t->wait_what : "?");
	}
	if (sleeping) {
		snprintf(title, sizeof(title), "INFO: deadlock: %u task%s blocked and nothing can run",
			 sleeping, sleeping == 1 ? "" : "s");
		machine_report_text(m, title, strbuf_str(&text));
		strbuf_release(&text);
		machine_end(m, SIM_DEADLOCK, title);
	}
	if (!m->nparked)
		machine_report_text(m, "INFO: livelock: every live task spins", strbuf_str(&text));
	strbuf_release(&text);
	return false;
}

/* Where struct kmodel's own objects (files, csds, the hotplug lock) print. */
#define KMODEL_NORM_BASE	0xffffea0000000000ULL

/*
 * Kernel-owned memory as reports print it: the arena and the direct map's
 * origin (physical address 0: a real kernel object's page_offset_base,
 * kernel_direct_map()'s offset, prints as Linux's; the host memory below
 * the arena is not the machine's and keeps its own rules), struct kmodel,
 * user memory. Called for every 8-byte value a trace records, so the
 * arena's bounds are cached and each test is one subtraction and compare.
 */
uintptr_t kernel_norm_addr(const struct machine *m, uintptr_t addr)
{
	const struct kmodel *k = kmodel_of_const(m);

	if (addr - k->arena_lo < k->arena_len)
		return (uintptr_t)(PHYS_REPORT_VA_BASE + PHYS_BASE + (addr - k->arena_lo));
	if (addr == k->arena_lo - PHYS_BASE)
		return (uintptr_t)PHYS_REPORT_VA_BASE;
	if (addr - (uintptr_t)k < sizeof(*k))
		return KMODEL_NORM_BASE + (addr - (uintptr_t)k);
	for (unsigned int i = 0; i < KMODEL_MAX_PROCS; i++) {
		uintptr_t lo = (uintptr_t)k->procs[i].umem;

		if (lo && addr - lo < k->procs[i].umem_len)
			return 0x00007f0000000000ULL + ((uintptr_t)i << 24) + (addr - lo);
	}
	return 0;
}

/*
 * The simulated kernel's memory, as reports print it: what its allocator
 * hands out (the arena: kmalloc, slab caches, pages) and the kernel
 * model's own objects (struct kmodel: files, csds, the hotplug lock).
 * Not user memory.
 */
bool kernel_heap(const struct machine *m, uint64_t norm)
{
	const struct kmodel *k = kmodel_of_const(m);

	return norm - (PHYS_REPORT_VA_BASE + PHYS_BASE) < k->arena_len ||
	       norm - KMODEL_NORM_BASE < sizeof(*k);
}

/*
 * Memory named for reports (sim_describe_fn, @addr as reports print it):
 * an arena address by its object (mem_name()), anything else by the
 * engine (the binary's globals).
 */
void kernel_describe(void *arg, uint64_t addr, char *buf, size_t len)
{
	struct machine *m = arg;
	const struct kmodel *k = kmodel_of_const(m);
	uint64_t arena = PHYS_REPORT_VA_BASE + PHYS_BASE;

	if (addr - arena < k->arena_len) {
		mem_name(k->mem, k->arena_lo + (uintptr_t)(addr - arena), buf, len);
		return;
	}
	machine_describe(m, addr, buf, len);
}

static void init_entry(void *arg)
{
	struct machine *m = sim_current;

	(void)arg;
	kmodel_run_initcalls();
	/* Module init is done: the program's tasks may start. */
	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *t = &m->tasks[i];

		if (t->state == TASK_BLOCKED && t->wait_obj == &kmodel_of(m)->booted) {
			/* Module init happens before the program's tasks (they acquire at start). */
			kdetect_hb_release(m, t);
			machine_wake(m, t);
		}
	}
}

void kmodel_boot(struct machine *m)
{
	struct task *init;

	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *t = &m->tasks[i];

		if (t->kind != TASK_KIND_PROGRAM)
			continue;
		t->state = TASK_BLOCKED;
		m->nblocked++;
		t->wait_obj = &kmodel_of(m)->booted;
		t->wait_what = "boot";
	}
	for (unsigned int i = 0; i < m->ncpus; i++)
		m->cpus[i].cur = kcpu(m, i)->idle;
	init = machine_spawn(m, 0, "init", init_entry, NULL, TASK_KIND_PROGRAM);
	SIM_BUG_ON(!init);
}

int sim_task_info(const struct machine *m, unsigned int task, struct sim_task_info *out)
{
	const struct kmodel *k = kmodel_of(m);
	const struct task *t;
	const struct ktask *kt;

	if (task >= m->ntasks || !m->tasks[task].name)
		return -EINVAL;
	t = &m->tasks[task];
	kt = ktask(m, t);
	out->pid = t->pid;
	out->comm = t->name;
	out->process = kt->proc ? (int)(kt->proc - k->procs) : -1;
	return 0;
}

void sim_on_cpu_online(struct machine *m, void (*fn)(unsigned int cpu, bool online, void *arg),
		       void *arg)
{
	SIM_BUG_ON(m->running);
	kmodel_of(m)->online_fn = fn;
	kmodel_of(m)->online_arg = arg;
}

int sim_set_cpu_offline(struct machine *m, unsigned int cpu)
{
	if (cpu == 0 || cpu >= m->ncpus || m->running)
		return -EINVAL;
	kcpu(m, cpu)->online = false;
	kcpu(m, cpu)->active = false;
	return 0;
}
