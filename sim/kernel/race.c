// SPDX-License-Identifier: MIT
/*
 * The race detector. See race.h for the model and the reporting policy.
 *
 * Shadow memory: one cell per 8-byte granule, in 4 KiB pages of cells
 * allocated on first touch, so neighbouring data has neighbouring shadow.
 * A cell holds slots; a slot is one recorded access (its task, that
 * task's epoch then, its policy class, and the site a report prints)
 * together with the bytes of the granule it is still kept for.
 *
 * A new access is checked against every slot sharing a byte with it, then
 * recorded, and on the bytes both touch it supersedes each earlier slot
 * of its own policy class that happens before it. That loses no race: if
 * earlier access E happens before new access N and a later access L races
 * with E, then L races with N too (E not before L means N not before L,
 * and L, coming after N in the run, cannot be before N); and the policy
 * judges (N, L) as it would (E, L), since it looks at nothing but the two
 * classes (see race_class()). What changes is only that a report names N
 * where it would have named E (and rule 5 counts that pair of sites). So
 * a cell holds at most a few slots per task and class: a granule's
 * history grows with the concurrency seen on it, not with the number of
 * accesses.
 *
 * Hash maps are keyed by addresses (shadow pages, sync objects) and pcs
 * (the reported pairs), but only ever looked up, never walked to decide
 * what to report: slots are visited in the order they were recorded.
 */
#include "kernel/race.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/hmap.h"
#include "engine/machine.h"
#include "engine/strbuf.h"
#include "hvsim/trace.h"

/* Bytes per shadow granule: the widest plain access the checks assume aligned. */
#define RACE_GRANULE		8
/* Bytes of address space per page of shadow cells. */
#define RACE_PAGE_SHIFT		12
#define RACE_PAGE_CELLS		((1u << RACE_PAGE_SHIFT) / RACE_GRANULE)
/* Bytes of the task name kept, as the kernel's TASK_COMM_LEN. */
#define RACE_COMM_LEN		16
/* Symbolized frame text. */
#define RACE_SYM_LEN		128
/* An access's memory by name: "kvm_vcpu+0x8 (kvm_vcpu->cpu)". */
#define RACE_NAME_LEN		256
/* Task ids beyond this are an engine bug, not a bigger machine. */
#define RACE_MAX_TASK_ID	(1u << 20)

/* A vector clock: component i is the last epoch of task i known here. */
struct race_vc {
	uint64_t *c;		/* components, indexed by task id */
	unsigned int n;		/* allocated components; the rest are 0 */
};

struct race_task {
	struct race_vc vc;	/* what this task has seen; vc.c[id] is its epoch */
	struct race_vc rel;	/* vc at its last release fence: its relaxed stores publish it */
	struct race_vc acq;	/* what its relaxed loads read since its last acquire fence */
	bool started;		/* its own epoch has been set */
};

/* What a report says about one access; shared by the slots it left. */
struct race_site {
	uintptr_t addr;				/* first byte, as the engine gave it */
	uintptr_t pc;				/* the access itself */
	uintptr_t stack[RACE_STACK_DEPTH];	/* callers, innermost first */
	uint64_t old_val;			/* before (size <= 8 only) */
	uint64_t new_val;			/* after (size <= 8 only) */
	uint32_t size;				/* bytes accessed */
	uint64_t step;				/* the step it was performed at */
	unsigned int task;			/* by this task (id) ... */
	unsigned int pid;			/* ... whose PID reports print */
	unsigned int cpu;
	uint8_t kind;				/* enum sim_kind */
	uint8_t depth;				/* valid entries in stack[] */
	bool in_irq;				/* in an interrupt handler */
	char comm[RACE_COMM_LEN];		/* NUL-terminated, truncated */
};

/*
 * One recorded access in a granule's cell: what the check reads, kept
 * small; the report's material is in the site.
 */
struct race_slot {
	uint64_t epoch;		/* the task's own clock component at the access */
	uintptr_t pc;		/* the site's pc, for rule 5 */
	unsigned int task;	/* who accessed */
	uint32_t site;		/* index into race.sites */
	uint8_t mask;		/* bytes of the granule it is still kept for */
	uint8_t class;		/* policy class; see race_class() */
};

/* A granule's shadow. */
struct race_cell {
	struct race_slot *slots; /* in recording order */
	uint32_t n;		/* slots in use */
	uint32_t cap;		/* slots allocated (kept across runs) */
};

/* The shadow of one RACE_PAGE_SHIFT-aligned stretch of addresses. */
struct race_page {
	struct race_cell cell[RACE_PAGE_CELLS];
};

struct race {
	sim_report_fn report;		/* where finished reports go, or NULL */
	sim_symbolize_fn symbolize;	/* pc to text, or NULL */
	sim_frame_fn frame;		/* pc to stack-trace lines, or NULL: symbolize's */
	sim_describe_fn describe;	/* address to the memory's name, or NULL */
	sim_mark_fn mark;		/* the two accesses of a report, or NULL */
	void *arg;			/* for all of them */
	bool strict;			/* rules 2 and 3 off */
	unsigned int nreports;		/* reports this run */

	struct race_task *tasks;	/* by task id */
	unsigned int ntasks;		/* entries allocated in tasks[] */

	/* Shadow pages live across runs; a reset empties their cells. */
	struct hmap page_map;		/* page number -> pages[] index */
	struct race_page **pages;	/* in first-touch order */
	uint32_t npages, pages_cap;
	uintptr_t last_page_no;		/* the page last looked up ... */
	struct race_page *last_page;	/* ... and its shadow, or NULL */

	/*
	 * Sites, with their reference counts apart: dropping a reference must
	 * not pull a cold site into the cache.
	 */
	struct race_site *sites;	/* referenced by slots */
	uint32_t *site_refs;		/* slots (and accesses in progress) naming each */
	uint32_t nsites, sites_cap;	/* entries ever handed out, allocated */
	uint32_t *site_free;		/* stack of unreferenced entries */
	uint32_t nfree;			/* entries on it */

	/* (address, enum race_space) -> syncs[] index */
	struct hmap sync_map;
	struct race_vc *syncs;		/* released history per sync object or location */
	uint32_t nsyncs, syncs_cap;

	struct hmap pair_map;		/* (lower pc, higher pc) reported this run */
};

static void *race_realloc(void *p, size_t n)
{
	p = realloc(p, n);
	SIM_BUG_ON(!p);
	return p;
}

/* Grow a dense array of @size-byte elements to hold one more than @n. */
static void *race_grow(void *p, uint32_t n, uint32_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	SIM_BUG_ON(*cap > UINT32_MAX / 2);
	*cap = *cap ? 2 * *cap : 16;
	return race_realloc(p, (size_t)*cap * size);
}

/* ---- Hash maps -------------------------------------------------------- */

/* Insert (k1, k2) -> @val; the key must not be there yet. */
static void race_map_insert(struct hmap *h, uintptr_t k1, uintptr_t k2, uint32_t val)
{
	size_t n = hmap_count(h);
	int ret = hmap_put(h, k1, k2, val);

	SIM_BUG_ON(ret || hmap_count(h) != n + 1);
}

/* ---- Vector clocks ----------------------------------------------------- */

static uint64_t race_vc_get(const struct race_vc *vc, unsigned int i)
{
	return i < vc->n ? vc->c[i] : 0;
}

static void race_vc_fit(struct race_vc *vc, unsigned int n)
{
	unsigned int cap;

	if (n <= vc->n)
		return;
	cap = vc->n ? vc->n : 8;
	while (cap < n)
		cap *= 2;
	vc->c = race_realloc(vc->c, (size_t)cap * sizeof(*vc->c));
	memset(vc->c + vc->n, 0, (size_t)(cap - vc->n) * sizeof(*vc->c));
	vc->n = cap;
}

/* dst = max(dst, src), component by component. */
static void race_vc_join(struct race_vc *dst, const struct race_vc *src)
{
	unsigned int i;

	race_vc_fit(dst, src->n);
	for (i = 0; i < src->n; i++)
		if (src->c[i] > dst->c[i])
			dst->c[i] = src->c[i];
}

static void race_vc_clear(struct race_vc *vc)
{
	if (vc->n)
		memset(vc->c, 0, (size_t)vc->n * sizeof(*vc->c));
}

/* dst = src. */
static void race_vc_assign(struct race_vc *dst, const struct race_vc *src)
{
	if (!src->n) {
		race_vc_clear(dst);
		return;
	}
	race_vc_fit(dst, src->n);
	memcpy(dst->c, src->c, (size_t)src->n * sizeof(*dst->c));
	memset(dst->c + src->n, 0, (size_t)(dst->n - src->n) * sizeof(*dst->c));
}

/* ---- Tasks and sync objects -------------------------------------------- */

/*
 * Two kinds of clock share the map: a sync object's accumulates every
 * release into it (race_release()); an atomic location's holds what the
 * store it would read from carries (the store's release sequence).
 */
enum race_space {
	RACE_OBJ,	/* race_release()/race_acquire() objects */
	RACE_LOC,	/* atomics' and marked accesses' addresses */
};

static void race_tasks_fit(struct race *r, unsigned int id)
{
	unsigned int n;

	SIM_BUG_ON(id >= RACE_MAX_TASK_ID);
	if (id < r->ntasks)
		return;
	n = r->ntasks ? r->ntasks : 64;
	while (n <= id)
		n *= 2;
	r->tasks = race_realloc(r->tasks, (size_t)n * sizeof(*r->tasks));
	memset(r->tasks + r->ntasks, 0, (size_t)(n - r->ntasks) * sizeof(*r->tasks));
	r->ntasks = n;
}

/* Start a new epoch of @id: later accesses are not covered by earlier releases. */
static void race_tick(struct race *r, unsigned int id)
{
	struct race_task *t = &r->tasks[id];

	race_vc_fit(&t->vc, id + 1);
	t->vc.c[id]++;
}

/* Task @id, started without a parent if this is the first we hear of it. */
static struct race_task *race_task(struct race *r, unsigned int id)
{
	race_tasks_fit(r, id);
	if (!r->tasks[id].started) {
		r->tasks[id].started = true;
		race_tick(r, id);
	}
	return &r->tasks[id];
}

static struct race_vc *race_sync(struct race *r, uintptr_t key, enum race_space space,
				  bool create)
{
	uint32_t idx;

	if (hmap_get(&r->sync_map, key, space, &idx))
		return &r->syncs[idx];
	if (!create)
		return NULL;
	r->syncs = race_grow(r->syncs, r->nsyncs, &r->syncs_cap, sizeof(*r->syncs));
	r->syncs[r->nsyncs] = (struct race_vc){ 0 };
	race_map_insert(&r->sync_map, key, space, r->nsyncs);
	return &r->syncs[r->nsyncs++];
}

static bool race_mo_acquire(int mo)
{
	return mo == __ATOMIC_CONSUME || mo == __ATOMIC_ACQUIRE || mo == __ATOMIC_ACQ_REL ||
	       mo == __ATOMIC_SEQ_CST;
}

static bool race_mo_release(int mo)
{
	return mo == __ATOMIC_RELEASE || mo == __ATOMIC_ACQ_REL || mo == __ATOMIC_SEQ_CST;
}

/*
 * @task reads the store last made to @addr: with @acquire it sees what
 * that store carries now, else only at its next acquire fence.
 */
static void race_load(struct race *r, unsigned int task, uintptr_t addr, bool acquire)
{
	const struct race_vc *l = race_sync(r, addr, RACE_LOC, false);
	struct race_task *t;

	if (!l)
		return;
	t = race_task(r, task);
	race_vc_join(acquire ? &t->vc : &t->acq, l);
}

/*
 * @task modifies @addr: with @release the store carries all the task did
 * so far, else what its last release fence saw. A plain store (@rmw false)
 * starts a new release sequence; a read-modify-write extends the one it
 * read from.
 */
static void race_store(struct race *r, unsigned int task, uintptr_t addr, bool release,
		       bool rmw)
{
	struct race_task *t = race_task(r, task);
	const struct race_vc *src = release ? &t->vc : &t->rel;
	struct race_vc *l = race_sync(r, addr, RACE_LOC, src->n != 0);

	/* Nothing to carry and nothing to overwrite. */
	if (!l)
		return;
	if (rmw)
		race_vc_join(l, src);
	else
		race_vc_assign(l, src);
	if (release)
		race_tick(r, task);
}

/* A fence: acquire what earlier relaxed loads read; release for later relaxed stores. */
static void race_fence_task(struct race *r, unsigned int task, bool acquire, bool release)
{
	struct race_task *t = race_task(r, task);

	if (acquire) {
		race_vc_join(&t->vc, &t->acq);
		race_vc_clear(&t->acq);
	}
	if (release) {
		race_vc_assign(&t->rel, &t->vc);
		race_tick(r, task);
	}
}

static void race_release_key(struct race *r, unsigned int task, uintptr_t key)
{
	struct race_task *t = race_task(r, task);

	race_vc_join(race_sync(r, key, RACE_OBJ, true), &t->vc);
	race_tick(r, task);
}

static void race_acquire_key(struct race *r, unsigned int task, uintptr_t key)
{
	struct race_task *t = race_task(r, task);
	const struct race_vc *s = race_sync(r, key, RACE_OBJ, false);

	if (s)
		race_vc_join(&t->vc, s);
}

/* ---- Reports ------------------------------------------------------------ */

static void race_sym(const struct race *r, uintptr_t pc, char *buf)
{
	buf[0] = '\0';
	if (r->symbolize)
		r->symbolize(r->arg, pc, buf, RACE_SYM_LEN);
	if (!buf[0])
		snprintf(buf, RACE_SYM_LEN, "0x%" PRIxPTR, pc);
}

/* KCSAN's words for each kind; atomics are marked accesses to KCSAN. */
static const char *race_kind_word(unsigned int kind)
{
	switch (kind) {
	case SIM_READ:
		return "read";
	case SIM_READ_MARKED:
	case SIM_ATOMIC_LOAD:
		return "read (marked)";
	case SIM_WRITE:
		return "write";
	case SIM_WRITE_MARKED:
	case SIM_ATOMIC_STORE:
		return "write (marked)";
	case SIM_ATOMIC_RMW:
		return "read-write (marked)";
	}
	SIM_BUG_ON(1);
	return NULL;
}

/* One frame of an access's stack, through the frame writer when there is one. */
static void race_print_frame(const struct race *r, struct strbuf *b, uintptr_t pc)
{
	char sym[RACE_SYM_LEN];

	if (r->frame) {
		r->frame(r->arg, b, " ", pc, "");
		return;
	}
	race_sym(r, pc, sym);
	strbuf_printf(b, " %s\n", sym);
}

/* The memory @s touched by name, "" when the describer knows nothing of it. */
static void race_name(const struct race *r, const struct race_site *s, char *name)
{
	name[0] = '\0';
	if (r->describe)
		r->describe(r->arg, s->addr, name, RACE_NAME_LEN);
}

/* @s as a mark of the report about to be made: which access, where, of what. */
static void race_mark(const struct race *r, const struct race_site *s, const char *name)
{
	const struct sim_who w = { .task = s->task, .cpu = s->cpu, .step = s->step, .pc = s->pc };

	if (r->mark)
		r->mark(r->arg, &w, sim_kind_is_write(s->kind) ? TR_MARK_WRITE : TR_MARK_READ,
			s->addr, s->size, name[0] ? name : NULL);
}

static void race_print_access(const struct race *r, struct strbuf *b,
			      const struct race_site *s, const char *name)
{
	unsigned int i;

	strbuf_printf(b, "%s to 0x%0*" PRIxPTR " of %" PRIu32 " bytes by ",
		      race_kind_word(s->kind), (int)(2 * sizeof(uintptr_t)), s->addr, s->size);
	if (s->in_irq)
		strbuf_printf(b, "interrupt");
	else
		strbuf_printf(b, "task %u", s->pid);
	strbuf_printf(b, " on cpu %u:\n", s->cpu);
	if (name[0])
		strbuf_printf(b, " at %s\n", name);
	race_print_frame(r, b, s->pc);
	for (i = 0; i < s->depth; i++)
		race_print_frame(r, b, s->stack[i]);
}

/* @sym cut to its function name, as KCSAN's title prints frames. */
static void race_func(char *sym)
{
	char *plus = strchr(sym, '+');

	if (plus)
		*plus = '\0';
}

/* Report the race of @cur (just performed) with the earlier @old. */
static void race_report(struct race *r, const struct race_site *cur,
			const struct race_site *old)
{
	static const char rule[] =
		"==================================================================\n";
	char fa[RACE_SYM_LEN], fb[RACE_SYM_LEN], title[2 * RACE_SYM_LEN + 32];
	char name_cur[RACE_NAME_LEN], name_old[RACE_NAME_LEN];
	const struct sim_who on = { .pid = cur->pid, .comm = cur->comm, .cpu = cur->cpu };
	const struct race_site *w;
	struct strbuf b = STRBUF_INIT;

	race_sym(r, cur->pc, fa);
	race_sym(r, old->pc, fb);
	race_func(fa);
	race_func(fb);
	if (strcmp(fa, fb) <= 0)
		snprintf(title, sizeof(title), "BUG: KCSAN: data-race in %s / %s", fa, fb);
	else
		snprintf(title, sizeof(title), "BUG: KCSAN: data-race in %s / %s", fb, fa);

	race_name(r, cur, name_cur);
	race_name(r, old, name_old);
	strbuf_printf(&b, "%s%s\n\n", rule, title);
	race_print_access(r, &b, cur, name_cur);
	strbuf_printf(&b, "\n");
	race_print_access(r, &b, old, name_old);

	if (sim_kind_is_write(cur->kind) != sim_kind_is_write(old->kind)) {
		w = sim_kind_is_write(cur->kind) ? cur : old;
		if (w->size <= 8 && w->old_val != w->new_val)
			strbuf_printf(&b, "\nvalue changed: 0x%0*" PRIx64 " -> 0x%0*" PRIx64 "\n",
				      (int)(2 * w->size), w->old_val,
				      (int)(2 * w->size), w->new_val);
	}

	strbuf_printf(&b, "\nReported by Kernel Concurrency Sanitizer on:\n");
	report_who_line(&b, &on);
	strbuf_printf(&b, "%s", rule);

	r->nreports++;
	race_mark(r, cur, name_cur);
	race_mark(r, old, name_old);
	if (r->report)
		r->report(r->arg, title, strbuf_str(&b));
	strbuf_release(&b);
}

/* ---- Policy ------------------------------------------------------------- */

/* Bits of a slot's class above the kind (enum sim_kind fits in 4 bits). */
#define RACE_CLASS_KIND		0x0f
#define RACE_CLASS_CHANGED	0x10	/* a write that changed the value, or a wide one */
#define RACE_CLASS_WORD		0x20	/* a plain write assumed atomic */

static bool race_plain(unsigned int kind)
{
	return kind == SIM_READ || kind == SIM_WRITE;
}

static bool race_marked_read(unsigned int kind)
{
	return kind == SIM_READ_MARKED || kind == SIM_ATOMIC_LOAD || kind == SIM_ATOMIC_RMW;
}

/*
 * Everything the policy asks of one access besides the other access, so
 * the check never touches the sites; two accesses of one class are judged
 * alike against any third (see the top of the file).
 */
static uint8_t race_class(const struct race_site *s)
{
	uint8_t c = s->kind;

	/* Values of wider writes are unknown: count them as changed. */
	if (sim_kind_is_write(s->kind) && (s->size > 8 || s->old_val != s->new_val))
		c |= RACE_CLASS_CHANGED;
	/* KCSAN_ASSUME_PLAIN_WRITES_ATOMIC: aligned plain writes up to a word. */
	if (s->kind == SIM_WRITE &&
	    (s->size == 1 || s->size == 2 || s->size == 4 || s->size == 8) &&
	    s->addr % s->size == 0)
		c |= RACE_CLASS_WORD;
	return c;
}

/* Rules 1 to 4 of race.h, for a conflicting unordered pair of classes. */
static bool race_reportable(const struct race *r, uint8_t a, uint8_t b)
{
	unsigned int ka = a & RACE_CLASS_KIND, kb = b & RACE_CLASS_KIND;
	bool wa = sim_kind_is_write(ka), wb = sim_kind_is_write(kb);

	if (!race_plain(ka) && !race_plain(kb))
		return false;
	if (r->strict)
		return true;
	if (((a & RACE_CLASS_WORD) && race_marked_read(kb)) ||
	    ((b & RACE_CLASS_WORD) && race_marked_read(ka)))
		return false;
	if (wa != wb && !((wa ? a : b) & RACE_CLASS_CHANGED))
		return false;
	return true;
}

/* Rule 5: true the first time this run for the unordered pair of pcs. */
static bool race_first_report(struct race *r, uintptr_t pc1, uintptr_t pc2)
{
	uintptr_t lo = pc1 < pc2 ? pc1 : pc2, hi = pc1 < pc2 ? pc2 : pc1;

	if (hmap_get(&r->pair_map, lo, hi, NULL))
		return false;
	race_map_insert(&r->pair_map, lo, hi, 0);
	return true;
}

/* ---- Sites -------------------------------------------------------------- */

/* A site with one reference, for the access being recorded. */
static uint32_t race_site_alloc(struct race *r)
{
	uint32_t i, cap;

	if (r->nfree) {
		i = r->site_free[--r->nfree];
	} else {
		if (r->nsites == r->sites_cap) {
			cap = r->sites_cap;
			r->sites = race_grow(r->sites, r->nsites, &cap, sizeof(*r->sites));
			r->site_refs = race_realloc(r->site_refs, (size_t)cap * sizeof(uint32_t));
			r->site_free = race_realloc(r->site_free, (size_t)cap * sizeof(uint32_t));
			r->sites_cap = cap;
		}
		i = r->nsites++;
	}
	r->site_refs[i] = 1;
	return i;
}

static void race_site_put(struct race *r, uint32_t i)
{
	SIM_BUG_ON(!r->site_refs[i]);
	if (!--r->site_refs[i])
		r->site_free[r->nfree++] = i;
}

static void race_fill_site(struct race_site *s, const struct sim_who *who, unsigned int kind,
			   uintptr_t addr, uint32_t size, uint64_t old_val, uint64_t new_val)
{
	uint64_t vmask = size < 8 ? (1ull << (8 * size)) - 1 : ~0ull;
	unsigned int i, n = who->depth < RACE_STACK_DEPTH ? who->depth : RACE_STACK_DEPTH;
	const char *comm = who->comm ? who->comm : "";

	s->addr = addr;
	s->pc = who->pc;
	/* The shadow stack has its innermost call last; reports want it first. */
	for (i = 0; i < n; i++)
		s->stack[i] = who->stack[who->depth - 1 - i];
	s->depth = (uint8_t)n;
	s->old_val = old_val & vmask;
	s->new_val = new_val & vmask;
	s->size = size;
	s->kind = (uint8_t)kind;
	s->in_irq = who->in_irq != 0;
	s->step = who->step;
	s->task = who->task;
	s->pid = who->pid;
	s->cpu = who->cpu;
	for (i = 0; i < RACE_COMM_LEN - 1 && comm[i]; i++)
		s->comm[i] = comm[i];
	s->comm[i] = '\0';
}

/* ---- Shadow memory ---------------------------------------------------- */

static struct race_page *race_page(struct race *r, uintptr_t no)
{
	struct race_page *p;
	uint32_t idx;

	if (hmap_get(&r->page_map, no, 0, &idx))
		return r->pages[idx];
	p = calloc(1, sizeof(*p));
	SIM_BUG_ON(!p);
	r->pages = race_grow(r->pages, r->npages, &r->pages_cap, sizeof(*r->pages));
	race_map_insert(&r->page_map, no, 0, r->npages);
	r->pages[r->npages++] = p;
	return p;
}

/* The shadow cell of @granule. */
static struct race_cell *race_cell(struct race *r, uintptr_t granule)
{
	uintptr_t no = granule >> RACE_PAGE_SHIFT;

	/* Accesses cluster: most land in the page the last one did. */
	if (!r->last_page || r->last_page_no != no) {
		r->last_page = race_page(r, no);
		r->last_page_no = no;
	}
	return &r->last_page->cell[(granule / RACE_GRANULE) % RACE_PAGE_CELLS];
}

/* The slot's access happens before anything @task (with clock @t) does now. */
static bool race_before(const struct race_slot *s, unsigned int task,
			const struct race_task *t)
{
	return s->task == task || s->epoch <= race_vc_get(&t->vc, s->task);
}

/*
 * Check @cur against the earlier @s on the bytes of @mask both touch, and
 * supersede @s there if @cur may. True when nothing of @s is left.
 */
static bool race_visit(struct race *r, const struct race_slot *cur, const struct race_task *t,
		       struct race_slot *s, uint8_t mask)
{
	unsigned int kind = cur->class & RACE_CLASS_KIND;

	if (race_before(s, cur->task, t)) {
		if (s->class != cur->class)
			return false;
		s->mask &= ~mask;
		return !s->mask;
	}
	if ((sim_kind_is_write(kind) || sim_kind_is_write(s->class & RACE_CLASS_KIND)) &&
	    race_reportable(r, cur->class, s->class) && race_first_report(r, cur->pc, s->pc))
		race_report(r, &r->sites[cur->site], &r->sites[s->site]);
	return false;
}

/*
 * Check @cur, covering @mask of @granule, against the cell, then record
 * it. One pass: a slot that @cur supersedes happens before it, so it is
 * never one to report.
 */
static void race_granule(struct race *r, const struct race_slot *cur, uintptr_t granule,
			 uint8_t mask)
{
	const struct race_task *t = &r->tasks[cur->task];
	struct race_cell *c = race_cell(r, granule);
	struct race_slot *s;
	uint32_t i, j;

	for (i = j = 0; i < c->n; i++) {
		s = &c->slots[i];
		if ((s->mask & mask) && race_visit(r, cur, t, s, mask)) {
			race_site_put(r, s->site);
			continue;
		}
		/* Survivors stay in recording order. */
		if (i != j)
			c->slots[j] = *s;
		j++;
	}
	c->n = j;

	c->slots = race_grow(c->slots, c->n, &c->cap, sizeof(*c->slots));
	s = &c->slots[c->n++];
	*s = *cur;
	s->mask = mask;
	r->site_refs[cur->site]++;
}

/* Bytes of @granule that [first, last] covers. */
static uint8_t race_mask(uintptr_t first, uintptr_t last, uintptr_t granule)
{
	unsigned int lo = first > granule ? (unsigned int)(first - granule) : 0;
	unsigned int hi = last < granule + RACE_GRANULE - 1 ?
			  (unsigned int)(last - granule) : RACE_GRANULE - 1;

	return (uint8_t)(((2u << hi) - 1) & ~((1u << lo) - 1));
}

/* ---- API ---------------------------------------------------------------- */

struct race *race_create(sim_report_fn report, sim_symbolize_fn symbolize, void *arg)
{
	struct race *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->report = report;
	r->symbolize = symbolize;
	r->arg = arg;
	return r;
}

/* Drop the run's state, keeping memory the next run will want again. */
static void race_forget(struct race *r)
{
	uint32_t i, j;

	for (i = 0; i < r->ntasks; i++) {
		free(r->tasks[i].vc.c);
		free(r->tasks[i].rel.c);
		free(r->tasks[i].acq.c);
		r->tasks[i] = (struct race_task){ 0 };
	}
	for (i = 0; i < r->npages; i++)
		for (j = 0; j < RACE_PAGE_CELLS; j++)
			r->pages[i]->cell[j].n = 0;
	r->nsites = 0;
	r->nfree = 0;
	for (i = 0; i < r->nsyncs; i++)
		free(r->syncs[i].c);
	r->nsyncs = 0;
	hmap_clear(&r->sync_map);
	hmap_clear(&r->pair_map);
	r->nreports = 0;
}

void race_set_names(struct race *r, sim_frame_fn frame, sim_describe_fn describe)
{
	r->frame = frame;
	r->describe = describe;
}

void race_set_marks(struct race *r, sim_mark_fn mark)
{
	r->mark = mark;
}

void race_destroy(struct race *r)
{
	uint32_t i, j;

	if (!r)
		return;
	race_forget(r);
	for (i = 0; i < r->npages; i++) {
		for (j = 0; j < RACE_PAGE_CELLS; j++)
			free(r->pages[i]->cell[j].slots);
		free(r->pages[i]);
	}
	free(r->pages);
	hmap_release(&r->page_map);
	free(r->tasks);
	free(r->sites);
	free(r->site_refs);
	free(r->site_free);
	free(r->syncs);
	hmap_release(&r->sync_map);
	hmap_release(&r->pair_map);
	free(r);
}

void race_reset(struct race *r)
{
	race_forget(r);
}

void race_set_strict(struct race *r, int strict)
{
	r->strict = strict != 0;
}

void race_task_start(struct race *r, unsigned int task, int parent)
{
	race_tasks_fit(r, task);
	if (parent >= 0) {
		SIM_BUG_ON((unsigned int)parent == task);
		/* May move tasks[]: no pointer into it is held across. */
		race_task(r, (unsigned int)parent);
		race_vc_join(&r->tasks[task].vc, &r->tasks[parent].vc);
		/* What the parent does from now on is not the child's past. */
		race_tick(r, (unsigned int)parent);
	}
	r->tasks[task].started = true;
	race_tick(r, task);
}

void race_release(struct race *r, unsigned int task, const void *sync)
{
	race_release_key(r, task, (uintptr_t)sync);
}

void race_acquire(struct race *r, unsigned int task, const void *sync)
{
	race_acquire_key(r, task, (uintptr_t)sync);
}

void race_access(struct race *r, const struct sim_who *who, unsigned int kind,
		 uintptr_t addr, uint32_t size, uint64_t old_val, uint64_t new_val)
{
	struct race_slot cur;
	uintptr_t last, g;

	SIM_BUG_ON(kind >= SIM_NR_KINDS);
	if (!sim_kind_is_access(kind) || !size)
		return;
	last = addr + (size - 1);
	SIM_BUG_ON(last < addr);

	cur.task = who->task;
	cur.epoch = race_vc_get(&race_task(r, who->task)->vc, who->task);
	cur.site = race_site_alloc(r);
	race_fill_site(&r->sites[cur.site], who, kind, addr, size, old_val, new_val);
	cur.class = race_class(&r->sites[cur.site]);
	cur.pc = who->pc;
	cur.mask = 0;

	/* The allocation's reference keeps it while superseding drops others. */
	for (g = addr & ~(uintptr_t)(RACE_GRANULE - 1);; g += RACE_GRANULE) {
		race_granule(r, &cur, g, race_mask(addr, last, g));
		if (last - g < RACE_GRANULE)
			break;
	}
	race_site_put(r, cur.site);

	/*
	 * After the check, as relaxed atomics: a marked access pairs with
	 * fences. Atomics order through race_atomic(), which knows their order.
	 */
	if (kind == SIM_READ_MARKED)
		race_load(r, who->task, addr, false);
	else if (kind == SIM_WRITE_MARKED)
		race_store(r, who->task, addr, false, false);
}

void race_atomic(struct race *r, unsigned int task, unsigned int kind, uintptr_t addr, int mo)
{
	/* The kernel's value-returning RMWs are fully ordered: smp_mb() on each side. */
	bool full = kind == SIM_ATOMIC_RMW && mo == __ATOMIC_SEQ_CST;

	SIM_BUG_ON(kind != SIM_ATOMIC_LOAD && kind != SIM_ATOMIC_STORE && kind != SIM_ATOMIC_RMW);
	if (full)
		race_fence_task(r, task, true, true);
	if (kind != SIM_ATOMIC_STORE)
		race_load(r, task, addr, race_mo_acquire(mo));
	if (kind != SIM_ATOMIC_LOAD)
		race_store(r, task, addr, race_mo_release(mo), kind == SIM_ATOMIC_RMW);
	if (full)
		race_fence_task(r, task, true, true);
}

void race_fence(struct race *r, unsigned int task, int mo)
{
	race_fence_task(r, task, race_mo_acquire(mo), race_mo_release(mo));
}

unsigned int race_reports(const struct race *r)
{
	return r->nreports;
}
