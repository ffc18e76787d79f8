// SPDX-License-Identifier: MIT
/* The kernel model's lifecycle, reports and log. */
#include "kernel/kmodel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "kernel/lockdep.h"
#include "kernel/mem.h"
#include "kernel/race.h"

struct machine *kcall_named(const void *obj, uintptr_t pc, const char *name)
{
	struct machine *m = sim_current;

	/* Read by the slow path only (tracing); the host dummy is never written. */
	if (m->running)
		m->kcall_name = name;
	sim_step(m, SIM_KCALL, (uintptr_t)obj, obj ? 1 : 0, pc);
	return m;
}

static void report_cb(void *arg, const char *title, const char *text)
{
	machine_report_text(arg, title, text);
}

int kmodel_create(struct machine *m)
{
	m->k = calloc(1, sizeof(*m->k));
	if (!m->k)
		return -ENOMEM;
	m->k->lockdep = lockdep_create(report_cb, machine_symbolize, m);
	m->k->mem = mem_create(KMODEL_ARENA, report_cb, machine_symbolize, m);
	m->k->race = race_create(report_cb, machine_symbolize, m);
	if (!m->k->lockdep || !m->k->mem || !m->k->race) {
		kmodel_destroy(m);
		return -ENOMEM;
	}
	return 0;
}

void kmodel_destroy(struct machine *m)
{
	if (!m->k)
		return;
	if (m->k->lockdep)
		lockdep_destroy(m->k->lockdep);
	if (m->k->mem)
		mem_destroy(m->k->mem);
	if (m->k->race)
		race_destroy(m->k->race);
	for (unsigned int i = 0; i < KMODEL_MAX_PROCS; i++)
		free(m->k->procs[i].umem);
	strbuf_release(&m->k->reports);
	strbuf_release(&m->k->log);
	free(m->k);
	m->k = NULL;
}

void kmodel_reset(struct machine *m)
{
	struct kmodel *k = m->k;

	memset(&k->hotplug_lock, 0, sizeof(k->hotplug_lock));
	k->hotplug_lock.dep.name = "cpu_hotplug_lock";
	k->hotplug_lock.dep.key = &k->hotplug_key;
	memset(k->steps, 0, sizeof(k->steps));
	/* Only the csds the last run used can be dirty. */
	memset(k->csd_pool, 0, sizeof(k->csd_pool[0]) *
	       (k->csd_next < KMODEL_CSD_POOL ? k->csd_next : KMODEL_CSD_POOL));
	k->csd_next = 0;
	strbuf_reset(&k->reports);
	k->nreports = 0;
	k->first_title[0] = '\0';
	strbuf_reset(&k->log);
	lockdep_reset(k->lockdep);
	mem_reset(k->mem);
	race_reset(k->race);
	k->race_wpend.valid = false;
	for (unsigned int i = 0; i < KMODEL_MAX_PROCS; i++) {
		struct sim_process *p = &k->procs[i];

		/* A process used last run has user memory; the others are clean. */
		if (!p->umem)
			continue;
		memset(p->fds, 0, sizeof(p->fds));
		p->nr_tasks = 0;
		memset(p->umem, 0, p->umem_len);
	}
	k->nfiles = 0;
	k->nmisc = 0;
	init_completion(&k->booted);
	for (unsigned int i = 0; i < m->ncpus; i++) {
		m->cpus[i].irqs_enabled = true;
		m->cpus[i].online = true;
		m->cpus[i].active = true;
		m->cpus[i].irq_head = m->cpus[i].irq_tail = NULL;
		m->cpus[i].idle = NULL;
	}
	m->nirq = 0;
}

void kmodel_run_end(struct machine *m)
{
	machine_detect_flush(m);
	/* kmemleak: what a finished run left allocated. */
	if (m->outcome == SIM_OK)
		mem_report_leaks(m->k->mem);
}

void machine_report_text(struct machine *m, const char *title, const char *text)
{
	struct kmodel *k = m->k;

	if (!k->nreports++)
		snprintf(k->first_title, sizeof(k->first_title), "%s", title);
	strbuf_printf(&k->reports, "%s%s", text,
		      text[0] && text[strlen(text) - 1] == '\n' ? "" : "\n");
	if (m->tracing) {
		/* The trace carries the title; the report text is in the result. */
		machine_trace_log(m, title);
	}
}

static void init_entry(void *arg)
{
	struct machine *m = sim_current;

	(void)arg;
	kmodel_run_initcalls();
	/* Module init is done: the program's tasks may start. */
	for (unsigned int i = 0; i < m->ntasks; i++) {
		struct task *t = &m->tasks[i];

		if (t->state == TASK_BLOCKED && t->wait_obj == &m->k->booted)
			machine_wake(m, t);
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
		t->wait_obj = &m->k->booted;
		t->wait_what = "boot";
	}
	for (unsigned int i = 0; i < m->ncpus; i++)
		m->cpus[i].cur = m->cpus[i].idle;
	init = machine_spawn(m, 0, "init", init_entry, NULL, TASK_KIND_PROGRAM);
	SIM_BUG_ON(!init);
}
