// SPDX-License-Identifier: MIT
/*
 * The host-kernel model's memory: arena, kmalloc/page allocator, KASAN-like
 * checks and kmemleak-like leak reports.
 *
 * Arena layout. The arena is a row of 4 KiB pages handed out from the
 * bottom by a bump pointer, in spans:
 *
 *   slab span   one or two pages of a single size class, cut into slots of
 *               "stride" bytes: [object: class size][redzone >= 16 bytes],
 *               the stride a multiple of the class alignment so every slot
 *               keeps it; the slack at the end of the slab is never used.
 *   big span    one object: a kmalloc larger than 4096 bytes (its pages plus
 *               one guard page) or a page allocation (exactly 2^order pages,
 *               no guard, as the page allocator has none).
 *
 * A span never returns to the bump pointer before mem_reset(): a slab stays
 * with its class, a big span is reused only for a request of exactly its
 * page count. That wastes memory a real allocator would recycle, and buys
 * an allocator whose every choice is a function of the call sequence.
 *
 * Lookup. page_span[] maps each arena page to its span; a slab's slot[]
 * maps a slot to its object record, so finding the object that holds an
 * address is two array loads and a division: mem_check() runs on every
 * access into the arena.
 *
 * Object life: LIVE -> (free) QUARANTINED -> (leaves the FIFO quarantine)
 * FREE -> (reused by an allocation of its class or page count) LIVE. Both
 * QUARANTINED and FREE memory count as freed for the checks; only FREE
 * memory can be handed out again. A record stays with its slot or span for
 * the whole run, so the "Freed by" of a use-after-free is always the last
 * free of that memory.
 */
#include "kernel/mem.h"


#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine/bug.h"
#include "engine/report.h"
#include "engine/strbuf.h"
#include "hvsim/trace.h"

#define MEM_NONE		UINT32_MAX
#define MEM_STACK_DEPTH		16		/* frames kept per alloc/free site */
#define MEM_COMM_LEN		16		/* TASK_COMM_LEN */
#define MEM_REDZONE		16		/* minimum bytes after each slab object */
#define MEM_QUARANTINE_OBJS	1024
#define MEM_QUARANTINE_BYTES	(256u << 10)
#define MEM_POISON_FREE		0x6b		/* SLUB's POISON_FREE */
#define MEM_NULL_LIMIT		4096		/* the unmapped page at 0 */

/* Kinds that only the free path reports; after enum mem_bad's. */
enum {
	MEM_BAD_DOUBLE_FREE = MEM_BAD_NULL + 1,
	MEM_BAD_INVALID_FREE,
};

enum mem_state { OBJ_LIVE, OBJ_QUARANTINED, OBJ_FREE };
enum mem_kind { OBJ_KMALLOC, OBJ_PAGES };
enum mem_access { ACC_READ, ACC_WRITE, ACC_FREE };

/*
 * Linux's kmalloc caches. kmalloc-96 and -192 are aligned to the largest
 * power of two dividing them; every other class to its size, which gives a
 * power-of-two request its natural alignment.
 */
static const struct mem_class {
	uint32_t size;		/* object bytes: the "kmalloc-N" */
	uint32_t align;		/* alignment of every object in the class */
} mem_classes[] = {
	{ 8, 8 }, { 16, 16 }, { 32, 32 }, { 64, 64 }, { 96, 32 }, { 128, 128 },
	{ 192, 64 }, { 256, 256 }, { 512, 512 }, { 1024, 1024 }, { 2048, 2048 },
	{ 4096, 4096 },
};

#define MEM_NR_CLASSES	(sizeof(mem_classes) / sizeof(mem_classes[0]))

/* Where an allocation or free happened, copied out of the sim_who. */
struct mem_site {
	uintptr_t pc;				/* pc of the call */
	uintptr_t stack[MEM_STACK_DEPTH];	/* innermost last */
	unsigned int depth;			/* entries in stack */
	unsigned int pid;
	uint64_t step;				/* printed as jiffies */
	char comm[MEM_COMM_LEN];
};

/*
 * A kmem_cache. Its objects come from the kmalloc slabs of their size
 * class, as SLUB merges a cache into a compatible kmalloc cache: what it
 * adds is a name for reports, the type of its objects, and its own checks
 * (an object freed to another cache, a cache destroyed with live objects).
 */
struct mem_cache {
	char name[MEM_CACHE_NAME_LEN];	/* "kvm_vcpu", as /proc/slabinfo names it */
	char type[MEM_CACHE_NAME_LEN];	/* the struct its objects are, or "" */
	size_t size;			/* object bytes */
	bool dead;			/* destroyed */
};

/* One object: a slab slot or a big span, for the whole run. */
struct mem_obj {
	size_t off;		/* arena offset of the first byte */
	size_t size;		/* bytes asked for; page allocations: the whole run */
	uint64_t seq;		/* allocation number this run: leak report order */
	uint32_t span;		/* the span holding it */
	uint32_t next;		/* next on its free list */
	uint8_t state;		/* enum mem_state */
	uint8_t kind;		/* enum mem_kind */
	uint8_t order;		/* page allocations: the order */
	uint8_t cache;		/* kmem_cache id (1..), 0 for kmalloc */
	struct mem_site alloc;	/* last allocation */
	struct mem_site free;	/* last free; meaningful unless LIVE */
};

/* Pages given out together by the bump pointer. */
struct mem_span {
	uint32_t first_page;	/* arena page index */
	uint32_t npages;	/* pages, guard page included */
	int cls;		/* size class of a slab; -1 for a big span */
	uint32_t stride;	/* slab: bytes per slot */
	uint32_t nslots;	/* slab: slots that fit */
	uint32_t used;		/* slab: slots handed out at least once */
	uint32_t *slot;		/* slab: object record of each used slot */
	uint32_t obj;		/* big span: its object record */
};

/* A FIFO of objects chained through mem_obj.next. */
struct mem_list {
	uint32_t head;
	uint32_t tail;
};

/* A (site, kind) already reported this run. */
struct mem_seen {
	uintptr_t pc;
	int kind;
};

struct mem {
	struct phys_mem *phys;		/* the physical memory it allocates from */
	bool own_phys;			/* created by mem_create(): destroyed with it */
	uint8_t *arena;			/* phys_base(phys); never printed */
	size_t arena_bytes;
	uint32_t arena_pages;
	uint32_t bump;			/* pages given to spans so far */
	uint32_t *page_span;		/* span of each page, MEM_NONE past bump */

	struct mem_span *spans;		/* in bump order */
	uint32_t nr_spans, cap_spans;
	struct mem_obj *objs;		/* every slot or big span used this run */
	uint32_t nr_objs, cap_objs;

	uint32_t partial[MEM_NR_CLASSES];	/* newest slab of each class */
	struct mem_list cls_free[MEM_NR_CLASSES];	/* out of quarantine, by class */
	struct mem_list big_free;	/* big spans out of quarantine */

	uint32_t quar[MEM_QUARANTINE_OBJS];	/* ring of freed objects, oldest at q_head */
	uint32_t q_head, q_count;
	size_t q_bytes;			/* footprint of what the ring holds */

	uint64_t seq;			/* allocations this run */
	size_t live;			/* live objects and page allocations */

	struct mem_seen *seen;		/* reported this run */
	size_t nr_seen, cap_seen;

	struct mem_cache caches[MEM_MAX_CACHES];	/* by id - 1, this run's */
	unsigned int nr_caches;

	sim_report_fn report;		/* where finished reports go; NULL: nowhere */
	sim_symbolize_fn symbolize;	/* pc to text; NULL: "0x<pc>" */
	sim_frame_fn frame;		/* pc to stack-trace lines; NULL: symbolize's */
	sim_member_fn member;		/* struct member at an offset; NULL: none */
	sim_mark_fn mark;		/* where a report happened; NULL: nowhere */
	void *arg;			/* for all of them */
};

/* ---- metadata ---- */

static void list_init(struct mem_list *l)
{
	l->head = MEM_NONE;
	l->tail = MEM_NONE;
}

static void list_push(struct mem *m, struct mem_list *l, uint32_t id)
{
	m->objs[id].next = MEM_NONE;
	if (l->tail == MEM_NONE)
		l->head = id;
	else
		m->objs[l->tail].next = id;
	l->tail = id;
}

static void list_unlink(struct mem *m, struct mem_list *l, uint32_t prev, uint32_t id)
{
	uint32_t next = m->objs[id].next;

	if (prev == MEM_NONE)
		l->head = next;
	else
		m->objs[prev].next = next;
	if (l->tail == id)
		l->tail = prev;
}

static int grow(void **arr, uint32_t *cap, size_t elem)
{
	uint32_t ncap = *cap ? *cap * 2 : 64;
	void *p;

	if (ncap <= *cap)
		return -ENOMEM;
	p = realloc(*arr, (size_t)ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static uint32_t obj_new(struct mem *m, size_t off, uint32_t span)
{
	struct mem_obj *o;

	if (m->nr_objs == m->cap_objs &&
	    grow((void **)&m->objs, &m->cap_objs, sizeof(*m->objs)))
		return MEM_NONE;
	o = &m->objs[m->nr_objs];
	memset(o, 0, sizeof(*o));
	o->off = off;
	o->span = span;
	o->next = MEM_NONE;
	o->state = OBJ_FREE;
	return m->nr_objs++;
}

/* @npages from the bump pointer as a new span; MEM_NONE when exhausted. */
static uint32_t span_new(struct mem *m, uint32_t npages, int cls)
{
	struct mem_span *s;
	uint32_t id;

	if (npages > m->arena_pages - m->bump)
		return MEM_NONE;
	if (m->nr_spans == m->cap_spans &&
	    grow((void **)&m->spans, &m->cap_spans, sizeof(*m->spans)))
		return MEM_NONE;
	id = m->nr_spans++;
	s = &m->spans[id];
	memset(s, 0, sizeof(*s));
	s->first_page = m->bump;
	s->npages = npages;
	s->cls = cls;
	s->obj = MEM_NONE;
	for (uint32_t i = 0; i < npages; i++)
		m->page_span[m->bump + i] = id;
	m->bump += npages;
	return id;
}

static uint32_t slab_stride(unsigned int cls)
{
	const struct mem_class *c = &mem_classes[cls];

	return (c->size + MEM_REDZONE + c->align - 1) / c->align * c->align;
}

static uint32_t slab_new(struct mem *m, unsigned int cls)
{
	uint32_t stride = slab_stride(cls);
	uint32_t npages = (stride + MEM_PAGE_SIZE - 1) / MEM_PAGE_SIZE;
	uint32_t nslots = npages * MEM_PAGE_SIZE / stride;
	uint32_t *slot = malloc(nslots * sizeof(*slot));
	uint32_t id;

	if (!slot)
		return MEM_NONE;
	id = span_new(m, npages, (int)cls);
	if (id == MEM_NONE) {
		free(slot);
		return MEM_NONE;
	}
	m->spans[id].stride = stride;
	m->spans[id].nslots = nslots;
	m->spans[id].slot = slot;
	return id;
}

/* A slot of class @cls that no one holds: out of quarantine first, then new. */
static uint32_t slab_get(struct mem *m, unsigned int cls)
{
	struct mem_list *fl = &m->cls_free[cls];
	struct mem_span *s;
	uint32_t sid, id;

	if (fl->head != MEM_NONE) {
		id = fl->head;
		list_unlink(m, fl, MEM_NONE, id);
		return id;
	}
	sid = m->partial[cls];
	if (sid == MEM_NONE || m->spans[sid].used == m->spans[sid].nslots) {
		sid = slab_new(m, cls);
		if (sid == MEM_NONE)
			return MEM_NONE;
		m->partial[cls] = sid;
	}
	s = &m->spans[sid];
	id = obj_new(m, (size_t)s->first_page * MEM_PAGE_SIZE + (size_t)s->used * s->stride, sid);
	if (id != MEM_NONE)
		s->slot[s->used++] = id;
	return id;
}

/* A big span of exactly @npages that no one holds. */
static uint32_t big_get(struct mem *m, uint32_t npages)
{
	uint32_t prev = MEM_NONE, id, sid;

	for (id = m->big_free.head; id != MEM_NONE; prev = id, id = m->objs[id].next) {
		if (m->spans[m->objs[id].span].npages == npages) {
			list_unlink(m, &m->big_free, prev, id);
			return id;
		}
	}
	if (npages > m->arena_pages - m->bump)
		return MEM_NONE;
	/* The record first: undoing it is cheaper than undoing a span. */
	id = obj_new(m, (size_t)m->bump * MEM_PAGE_SIZE, MEM_NONE);
	if (id == MEM_NONE)
		return MEM_NONE;
	sid = span_new(m, npages, -1);
	if (sid == MEM_NONE) {
		m->nr_objs--;
		return MEM_NONE;
	}
	m->spans[sid].obj = id;
	m->objs[id].span = sid;
	return id;
}

/* Bytes an object keeps out of use while quarantined. */
static size_t obj_footprint(const struct mem *m, const struct mem_obj *o)
{
	const struct mem_span *s = &m->spans[o->span];

	return s->cls >= 0 ? s->stride : (size_t)s->npages * MEM_PAGE_SIZE;
}

/* The oldest quarantined object becomes reusable; 0 if none was waiting. */
static int quarantine_evict(struct mem *m)
{
	struct mem_obj *o;
	uint32_t id;
	int cls;

	if (!m->q_count)
		return 0;
	id = m->quar[m->q_head];
	m->q_head = (m->q_head + 1) % MEM_QUARANTINE_OBJS;
	m->q_count--;
	o = &m->objs[id];
	m->q_bytes -= obj_footprint(m, o);
	o->state = OBJ_FREE;
	cls = m->spans[o->span].cls;
	list_push(m, cls >= 0 ? &m->cls_free[cls] : &m->big_free, id);
	return 1;
}

static void quarantine_put(struct mem *m, uint32_t id)
{
	if (m->q_count == MEM_QUARANTINE_OBJS)
		quarantine_evict(m);
	m->quar[(m->q_head + m->q_count) % MEM_QUARANTINE_OBJS] = id;
	m->q_count++;
	m->q_bytes += obj_footprint(m, &m->objs[id]);
	while (m->q_bytes > MEM_QUARANTINE_BYTES)
		quarantine_evict(m);
}

/*
 * An object for a slab class (@cls >= 0) or a big span of @npages. When the
 * arena is exhausted the quarantine gives up its oldest objects early: a
 * smaller detection window beats a failed allocation.
 */
static uint32_t obj_get(struct mem *m, int cls, uint32_t npages)
{
	uint32_t id;

	for (;;) {
		id = cls >= 0 ? slab_get(m, (unsigned int)cls) : big_get(m, npages);
		if (id != MEM_NONE || !quarantine_evict(m))
			return id;
	}
}

/* The object whose slot or span holds arena offset @off; MEM_NONE if none ever did. */
static uint32_t obj_at(const struct mem *m, size_t off)
{
	uint32_t sid = m->page_span[off / MEM_PAGE_SIZE];
	const struct mem_span *s;
	size_t slot;

	if (sid == MEM_NONE)
		return MEM_NONE;
	s = &m->spans[sid];
	if (s->cls < 0)
		return s->obj;
	slot = (off - (size_t)s->first_page * MEM_PAGE_SIZE) / s->stride;
	return slot < s->used ? s->slot[slot] : MEM_NONE;
}

static void site_save(struct mem_site *s, const struct sim_who *w)
{
	unsigned int n;

	memset(s, 0, sizeof(*s));
	if (!w) {
		strcpy(s->comm, "?");
		return;
	}
	s->pc = w->pc;
	s->pid = w->pid;
	s->step = w->step;
	snprintf(s->comm, sizeof(s->comm), "%s", w->comm ? w->comm : "?");
	n = w->depth < MEM_STACK_DEPTH ? w->depth : MEM_STACK_DEPTH;
	if (n && w->stack)
		memcpy(s->stack, w->stack + (w->depth - n), n * sizeof(*s->stack));
	else
		n = 0;
	s->depth = n;
}

static void *obj_hand_out(struct mem *m, uint32_t id, int kind, size_t size,
			  unsigned int order, const struct sim_who *who)
{
	struct mem_obj *o = &m->objs[id];

	o->state = OBJ_LIVE;
	o->kind = (uint8_t)kind;
	o->cache = 0;
	o->order = (uint8_t)order;
	o->size = size;
	o->seq = m->seq++;
	site_save(&o->alloc, who);
	m->live++;
	return m->arena + o->off;
}

/* ---- reports ---- */

static void mem_sym(const struct mem *m, uintptr_t pc, char *buf, size_t len)
{
	if (m->symbolize)
		m->symbolize(m->arg, pc, buf, len);
	else
		snprintf(buf, len, "0x%" PRIxPTR, pc);
}

/* The function part of @pc's symbol: what a report title names. */
static void mem_func(const struct mem *m, uintptr_t pc, char *buf, size_t len)
{
	mem_sym(m, pc, buf, len);
	buf[strcspn(buf, "+")] = '\0';
}

/* @pc, then @stack innermost first: KASAN's " func+off/size" lines. */
/* "@prefix FRAME\n" for @pc: through the frame writer (file:line, inlined calls), else mem_sym(). */
static void put_frame(const struct mem *m, struct strbuf *b, const char *prefix, uintptr_t pc)
{
	char sym[256];

	if (m->frame) {
		m->frame(m->arg, b, prefix, pc, "");
		return;
	}
	mem_sym(m, pc, sym, sizeof(sym));
	strbuf_printf(b, "%s%s\n", prefix, sym);
}

static void put_frames(const struct mem *m, struct strbuf *b, uintptr_t pc,
		       const uintptr_t *stack, unsigned int depth)
{
	put_frame(m, b, " ", pc);
	while (stack && depth--)
		put_frame(m, b, " ", stack[depth]);
}

/* The same frames as kmemleak's "    [<pc>] func+off/size" lines. */
static void put_leak_frame(const struct mem *m, struct strbuf *b, uintptr_t pc)
{
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "    [<%016" PRIxPTR ">] ", pc);
	put_frame(m, b, prefix, pc);
}

static void emit(struct mem *m, const char *title, struct strbuf *b)
{
	m->report(m->arg, title, strbuf_str(b));
	strbuf_release(b);
}

/* 1 the first time (@pc, @kind) is seen this run. */
static int first_report(struct mem *m, uintptr_t pc, int kind)
{
	for (size_t i = 0; i < m->nr_seen; i++)
		if (m->seen[i].pc == pc && m->seen[i].kind == kind)
			return 0;
	if (m->nr_seen == m->cap_seen) {
		size_t ncap = m->cap_seen ? m->cap_seen * 2 : 16;
		struct mem_seen *p = realloc(m->seen, ncap * sizeof(*p));

		/* Without room to remember it, report again rather than never. */
		if (!p)
			return 1;
		m->seen = p;
		m->cap_seen = ncap;
	}
	m->seen[m->nr_seen].pc = pc;
	m->seen[m->nr_seen].kind = kind;
	m->nr_seen++;
	return 1;
}

/* Where an object's first byte is, as reports print it. */
static uint64_t obj_report_addr(const struct mem_obj *o)
{
	return (uint64_t)(MEM_REPORT_VA_BASE + MEM_PHYS_BASE + o->off);
}

uint64_t mem_report_addr(const struct mem *m, uintptr_t addr)
{
	return phys_report_addr(m->phys, addr);
}

static void describe_object(const struct mem *m, struct strbuf *b, uintptr_t addr, uint32_t id)
{
	const struct mem_obj *o = &m->objs[id];
	const struct mem_span *s = &m->spans[o->span];
	uint64_t a = mem_report_addr(m, addr);
	uint64_t start = obj_report_addr(o);
	uint64_t end = start + o->size;

	if (o->kind == OBJ_PAGES) {
		strbuf_printf(b, "The buggy address belongs to the pages at 0x%016" PRIx64 "\n"
			      " which were allocated with order %u\n", start, o->order);
	} else if (o->cache) {
		const struct mem_cache *c = &m->caches[o->cache - 1];

		strbuf_printf(b, "The buggy address belongs to the object at 0x%016" PRIx64 "\n"
			      " which belongs to the cache %s of size %zu\n",
			      start, c->name, c->size);
	} else {
		size_t csize = s->cls >= 0 ? mem_classes[s->cls].size :
			       (size_t)(s->npages - 1) * MEM_PAGE_SIZE;

		strbuf_printf(b, "The buggy address belongs to the object at 0x%016" PRIx64 "\n"
			      " which belongs to the cache kmalloc-%zu of size %zu\n",
			      start, csize, csize);
	}
	if (a < start)
		strbuf_printf(b, "The buggy address is located %" PRIu64 " bytes to the left of\n",
			      start - a);
	else if (a >= end)
		strbuf_printf(b, "The buggy address is located %" PRIu64 " bytes to the right of\n",
			      a - end);
	else
		strbuf_printf(b, "The buggy address is located %" PRIu64 " bytes inside of\n",
			      a - start);
	strbuf_printf(b, " %zu-byte region [0x%016" PRIx64 ", 0x%016" PRIx64 ")\n",
		      o->size, start, end);
}

/*
 * The object @id's byte at arena offset @off by name: its cache (or
 * kmalloc-N) and the offset, "kvm_vcpu+0x8", then the member when the
 * cache knows its type, " (kvm_vcpu->cpu)". "" for page allocations.
 */
static void obj_name(const struct mem *m, uint32_t id, size_t off, char *buf, size_t len)
{
	const struct mem_obj *o = &m->objs[id];
	const struct mem_span *s = &m->spans[o->span];
	const struct mem_cache *c = o->cache ? &m->caches[o->cache - 1] : NULL;
	char member[MEM_NAME_LEN];
	size_t rel = off - o->off;
	int n;

	buf[0] = '\0';
	if (o->kind == OBJ_PAGES || off < o->off)
		return;
	if (c)
		n = snprintf(buf, len, "%s", c->name);
	else
		n = snprintf(buf, len, "kmalloc-%zu", s->cls >= 0 ? (size_t)mem_classes[s->cls].size :
			     (size_t)(s->npages - 1) * MEM_PAGE_SIZE);
	if (rel && n >= 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "+0x%zx", rel);
	if (c && c->type[0] && rel < o->size && m->member && n >= 0 && (size_t)n < len &&
	    m->member(m->arg, c->type, rel, member, sizeof(member)))
		snprintf(buf + n, len - (size_t)n, " (%s->%s)", c->type, member);
}

void mem_name(const struct mem *m, uintptr_t addr, char *buf, size_t len)
{
	uint32_t id;

	buf[0] = '\0';
	if (!mem_contains(m, addr, 1))
		return;
	id = obj_at(m, addr - (uintptr_t)m->arena);
	if (id != MEM_NONE)
		obj_name(m, id, addr - (uintptr_t)m->arena, buf, len);
}

static const char *const mem_bad_names[] = {
	[MEM_BAD_UAF] = "use-after-free",
	[MEM_BAD_OOB] = "slab-out-of-bounds",
	[MEM_BAD_WILD] = "wild-memory-access",
	[MEM_BAD_DOUBLE_FREE] = "double-free",
	[MEM_BAD_INVALID_FREE] = "invalid-free",
};

/* Who a report names when the caller gave nobody: CPU 0, PID 0, Comm "?". */
static const struct sim_who mem_nobody;

#define MEM_RULE "==================================================================\n"

/*
 * The site of the report about to be emitted: @who's access or call, of
 * @size bytes at arena address @addr (0: none), the memory named @label.
 */
static void mem_mark(const struct mem *m, const struct sim_who *who, uintptr_t addr,
		     uint32_t size, const char *label)
{
	if (m->mark)
		m->mark(m->arg, who ? who : &mem_nobody, TR_MARK_SITE,
			addr && mem_contains(m, addr, 1) ? mem_report_addr(m, addr) : 0, size,
			label && label[0] ? label : NULL);
}

/*
 * A KASAN report of @kind by @who at @addr (@size bytes for an access),
 * about object @id (MEM_NONE: none). Once per (pc, kind) and run.
 */
static void kasan_report(struct mem *m, const struct sim_who *who, int kind, uintptr_t addr,
			 uint32_t size, int acc, uint32_t id)
{
	static const char *const acc_names[] = { "Read", "Write" };
	const char *comm = who && who->comm ? who->comm : "?";
	unsigned int pid = who ? who->pid : 0;
	uintptr_t pc = who ? who->pc : 0;
	struct strbuf b = STRBUF_INIT;
	char title[320], func[256], name[MEM_NAME_LEN];

	if (!first_report(m, pc, kind) || !m->report)
		return;
	mem_func(m, pc, func, sizeof(func));
	snprintf(title, sizeof(title), "BUG: KASAN: %s in %s", mem_bad_names[kind], func);
	strbuf_printf(&b, MEM_RULE "%s\n", title);
	if (acc == ACC_FREE) {
		if (mem_contains(m, addr, 1))
			strbuf_printf(&b, "Free of addr 0x%016" PRIx64 " by task %s/%u\n",
				      mem_report_addr(m, addr), comm, pid);
		else
			/* A host address would differ between processes. */
			strbuf_printf(&b, "Free of addr <outside the arena> by task %s/%u\n",
				      comm, pid);
	} else {
		strbuf_printf(&b, "%s of size %" PRIu32 " at addr 0x%016" PRIx64 " by task %s/%u\n",
			      acc_names[acc], size, mem_report_addr(m, addr), comm, pid);
	}
	name[0] = '\0';
	if (id != MEM_NONE) {
		obj_name(m, id, addr - (uintptr_t)m->arena, name, sizeof(name));
		if (name[0])
			strbuf_printf(&b, " at %s\n", name);
	}
	strbuf_add(&b, "\n", 1);
	report_who_line(&b, who ? who : &mem_nobody);
	strbuf_printf(&b, "Call Trace:\n");
	put_frames(m, &b, pc, who ? who->stack : NULL, who ? who->depth : 0);
	if (id != MEM_NONE) {
		const struct mem_obj *o = &m->objs[id];

		strbuf_printf(&b, "\nAllocated by task %u:\n", o->alloc.pid);
		put_frames(m, &b, o->alloc.pc, o->alloc.stack, o->alloc.depth);
		if (o->state != OBJ_LIVE) {
			strbuf_printf(&b, "\nFreed by task %u:\n", o->free.pid);
			put_frames(m, &b, o->free.pc, o->free.stack, o->free.depth);
		}
		strbuf_printf(&b, "\n");
		describe_object(m, &b, addr, id);
	}
	strbuf_printf(&b, MEM_RULE);
	mem_mark(m, who, addr, size, name);
	emit(m, title, &b);
}

/* ---- the API ---- */

struct mem *mem_create_on(struct phys_mem *pm, sim_report_fn report,
			  sim_symbolize_fn symbolize, void *arg)
{
	struct mem *m;
	size_t pages = phys_size(pm) / MEM_PAGE_SIZE;

	if (pages >= MEM_NONE)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->phys = pm;
	m->arena = phys_base(pm);
	m->arena_pages = (uint32_t)pages;
	m->arena_bytes = pages * MEM_PAGE_SIZE;
	m->page_span = malloc(pages * sizeof(*m->page_span));
	if (!m->page_span) {
		free(m);
		return NULL;
	}
	m->report = report;
	m->symbolize = symbolize;
	m->arg = arg;
	memset(m->page_span, 0xff, pages * sizeof(*m->page_span));
	mem_reset(m);
	return m;
}

struct mem *mem_create(size_t arena_bytes, sim_report_fn report,
		       sim_symbolize_fn symbolize, void *arg)
{
	struct phys_mem *pm = phys_create(arena_bytes);
	struct mem *m;

	if (!pm)
		return NULL;
	m = mem_create_on(pm, report, symbolize, arg);
	if (!m) {
		phys_destroy(pm);
		return NULL;
	}
	m->own_phys = true;
	return m;
}

void mem_set_names(struct mem *m, sim_frame_fn frame, sim_member_fn member)
{
	m->frame = frame;
	m->member = member;
}

void mem_set_marks(struct mem *m, sim_mark_fn mark)
{
	m->mark = mark;
}

void mem_destroy(struct mem *m)
{
	if (!m)
		return;
	for (uint32_t i = 0; i < m->nr_spans; i++)
		free(m->spans[i].slot);
	free(m->spans);
	free(m->objs);
	free(m->seen);
	free(m->page_span);
	if (m->own_phys)
		phys_destroy(m->phys);
	free(m);
}

void mem_reset(struct mem *m)
{
	for (uint32_t i = 0; i < m->nr_spans; i++)
		free(m->spans[i].slot);
	m->nr_spans = 0;
	m->nr_objs = 0;
	/*
	 * Back to what a fresh mapping holds, so that memory a run reads
	 * without having written is the same in every run. Only pages that
	 * were handed out can differ from zero.
	 */
	phys_clear(m->phys, (size_t)m->bump * MEM_PAGE_SIZE);
	memset(m->page_span, 0xff, (size_t)m->bump * sizeof(*m->page_span));
	m->bump = 0;
	for (size_t c = 0; c < MEM_NR_CLASSES; c++) {
		m->partial[c] = MEM_NONE;
		list_init(&m->cls_free[c]);
	}
	list_init(&m->big_free);
	m->q_head = 0;
	m->q_count = 0;
	m->q_bytes = 0;
	m->seq = 0;
	m->live = 0;
	m->nr_seen = 0;
	m->nr_caches = 0;
}

static int size_class(size_t size)
{
	for (size_t c = 0; c < MEM_NR_CLASSES; c++)
		if (size <= mem_classes[c].size)
			return (int)c;
	return -1;
}

static void *alloc_obj(struct mem *m, size_t size, int zero, unsigned int cache,
		       const struct sim_who *who)
{
	uint32_t npages = 0, id;
	int cls;
	void *p;

	if (!size)
		return MEM_ZERO_SIZE_PTR;
	if (size > m->arena_bytes)
		return NULL;
	cls = size_class(size);
	if (cls < 0)	/* the object's pages and a guard page */
		npages = (uint32_t)((size + MEM_PAGE_SIZE - 1) / MEM_PAGE_SIZE) + 1;
	id = obj_get(m, cls, npages);
	if (id == MEM_NONE)
		return NULL;
	p = obj_hand_out(m, id, OBJ_KMALLOC, size, 0, who);
	m->objs[id].cache = (uint8_t)cache;
	if (zero)
		memset(p, 0, size);
	return p;
}

void *mem_alloc(struct mem *m, size_t size, int zero, const struct sim_who *who)
{
	return alloc_obj(m, size, zero, 0, who);
}

unsigned int mem_cache_create(struct mem *m, const char *name, const char *type, size_t size)
{
	struct mem_cache *c;

	if (m->nr_caches == MEM_MAX_CACHES || !name || !size || size > m->arena_bytes)
		return 0;
	c = &m->caches[m->nr_caches++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->type, sizeof(c->type), "%s", type ? type : "");
	c->size = size;
	c->dead = false;
	return m->nr_caches;
}

void *mem_cache_alloc(struct mem *m, unsigned int cache, int zero, const struct sim_who *who)
{
	if (!cache || cache > m->nr_caches || m->caches[cache - 1].dead)
		return NULL;
	return alloc_obj(m, m->caches[cache - 1].size, zero, cache, who);
}

void *mem_alloc_pages(struct mem *m, unsigned int order, const struct sim_who *who)
{
	uint32_t npages, id;
	void *p;

	if (order >= 32 || (1ULL << order) > m->arena_pages)
		return NULL;
	npages = 1u << order;
	id = obj_get(m, -1, npages);
	if (id == MEM_NONE)
		return NULL;
	p = obj_hand_out(m, id, OBJ_PAGES, (size_t)npages * MEM_PAGE_SIZE, order, who);
	memset(p, 0, (size_t)npages * MEM_PAGE_SIZE);
	return p;
}

static int free_obj(struct mem *m, const void *p, int kind, unsigned int order,
		    unsigned int cache, const struct sim_who *who)
{
	uintptr_t addr = (uintptr_t)p;
	size_t off = addr - (uintptr_t)m->arena;
	struct mem_obj *o;
	uint32_t id;

	id = mem_contains(m, addr, 1) ? obj_at(m, off) : MEM_NONE;
	if (id == MEM_NONE) {
		kasan_report(m, who, MEM_BAD_INVALID_FREE, addr, 0, ACC_FREE, MEM_NONE);
		return -EINVAL;
	}
	o = &m->objs[id];
	if (o->off != off) {
		kasan_report(m, who, MEM_BAD_INVALID_FREE, addr, 0, ACC_FREE, id);
		return -EINVAL;
	}
	if (o->state != OBJ_LIVE) {
		kasan_report(m, who, MEM_BAD_DOUBLE_FREE, addr, 0, ACC_FREE, id);
		return -EINVAL;
	}
	/*
	 * kfree() of pages, free_pages() of a kmalloc object or of the wrong
	 * order, kmem_cache_free() to a cache the object is not from. (kfree()
	 * of a cache's object is fine, as since Linux 6.4.)
	 */
	if (o->kind != kind || (kind == OBJ_PAGES && o->order != order) ||
	    (cache && o->cache != cache)) {
		kasan_report(m, who, MEM_BAD_INVALID_FREE, addr, 0, ACC_FREE, id);
		return -EINVAL;
	}
	o->state = OBJ_QUARANTINED;
	site_save(&o->free, who);
	m->live--;
	/* A read after the free, with checks off, sees this and never stale data. */
	memset(m->arena + off, MEM_POISON_FREE, o->size);
	quarantine_put(m, id);
	return 0;
}

int mem_free(struct mem *m, const void *p, const struct sim_who *who)
{
	if (!p || p == MEM_ZERO_SIZE_PTR)
		return 0;
	return free_obj(m, p, OBJ_KMALLOC, 0, 0, who);
}

int mem_cache_free(struct mem *m, unsigned int cache, const void *p, const struct sim_who *who)
{
	if (!p)
		return 0;
	return free_obj(m, p, OBJ_KMALLOC, 0, cache, who);
}

unsigned int mem_cache_destroy(struct mem *m, unsigned int cache, const struct sim_who *who)
{
	struct strbuf b = STRBUF_INIT;
	const struct mem_cache *c;
	unsigned int live = 0;
	char title[2 * MEM_CACHE_NAME_LEN + 80];

	if (!cache || cache > m->nr_caches || m->caches[cache - 1].dead)
		return 0;
	c = &m->caches[cache - 1];
	m->caches[cache - 1].dead = true;
	for (uint32_t i = 0; i < m->nr_objs; i++)
		live += m->objs[i].cache == cache && m->objs[i].state == OBJ_LIVE;
	if (!live || !m->report)
		return live;
	/* SLUB's words at __kmem_cache_shutdown(); the WARN after it is this report's trace. */
	snprintf(title, sizeof(title),
		 "BUG %s (Not tainted): Objects remaining in %s on __kmem_cache_shutdown()",
		 c->name, c->name);
	strbuf_printf(&b, MEM_RULE "%s\n", title);
	strbuf_printf(&b, "Slab cache %s still has %u object%s\n", c->name, live,
		      live == 1 ? "" : "s");
	report_who_line(&b, who ? who : &mem_nobody);
	strbuf_printf(&b, "Call Trace:\n");
	put_frames(m, &b, who ? who->pc : 0, who ? who->stack : NULL, who ? who->depth : 0);
	strbuf_printf(&b, MEM_RULE);
	mem_mark(m, who, 0, 0, c->name);
	emit(m, title, &b);
	return live;
}

size_t mem_live_size(const struct mem *m, const void *p)
{
	uintptr_t addr = (uintptr_t)p;
	size_t off = addr - (uintptr_t)m->arena;
	uint32_t id = p && mem_contains(m, addr, 1) ? obj_at(m, off) : MEM_NONE;
	const struct mem_obj *o = id == MEM_NONE ? NULL : &m->objs[id];

	return o && o->off == off && o->state == OBJ_LIVE && o->kind == OBJ_KMALLOC ? o->size : 0;
}

int mem_free_pages(struct mem *m, const void *p, unsigned int order,
		   const struct sim_who *who)
{
	if (!p)
		return 0;
	return free_obj(m, p, OBJ_PAGES, order, 0, who);
}

/* The arena is physical memory's: addresses translate there. */
uint64_t mem_pa(const struct mem *m, const void *va)
{
	return phys_pa(m->phys, va);
}

void *mem_va(const struct mem *m, uint64_t pa)
{
	return phys_va(m->phys, pa);
}

int mem_contains(const struct mem *m, uintptr_t addr, size_t size)
{
	return phys_contains(m->phys, addr, size);
}

uintptr_t mem_arena_offset(const struct mem *m, uintptr_t addr)
{
	uintptr_t off = addr - (uintptr_t)m->arena;

	return off < m->arena_bytes ? off : UINTPTR_MAX;
}

size_t mem_arena_size(const struct mem *m)
{
	return m->arena_bytes;
}

int mem_check(struct mem *m, const struct sim_who *who, uintptr_t addr,
	      uint32_t size, int is_write)
{
	uintptr_t base = (uintptr_t)m->arena;
	uintptr_t lo = addr, hi = addr + size;
	uint32_t id = MEM_NONE;
	size_t off, end;
	int bad = MEM_OK;

	if (hi < lo)
		hi = UINTPTR_MAX;
	if (lo < base)
		lo = base;
	if (hi > base + m->arena_bytes)
		hi = base + m->arena_bytes;
	if (lo >= hi)
		return MEM_OK;
	off = lo - base;
	end = hi - base;
	/* Object by object, so a range that runs off its object is caught too. */
	while (off < end) {
		const struct mem_obj *o;

		id = obj_at(m, off);
		if (id == MEM_NONE) {
			bad = MEM_BAD_WILD;
			break;
		}
		o = &m->objs[id];
		if (off >= o->off + o->size) {
			bad = MEM_BAD_OOB;
			break;
		}
		if (o->state != OBJ_LIVE) {
			bad = MEM_BAD_UAF;
			break;
		}
		off = o->off + o->size;
	}
	if (bad != MEM_OK)
		kasan_report(m, who, bad, addr, size, is_write ? ACC_WRITE : ACC_READ, id);
	return bad;
}

int mem_check_null(struct mem *m, const struct sim_who *who, uintptr_t addr,
		   uint32_t size, int is_write)
{
	uintptr_t pc = who ? who->pc : 0;
	struct strbuf b = STRBUF_INIT;
	char title[96], sym[256];

	if (addr >= MEM_NULL_LIMIT)
		return MEM_OK;
	if (!first_report(m, pc, MEM_BAD_NULL) || !m->report)
		return MEM_BAD_NULL;
	snprintf(title, sizeof(title),
		 "BUG: kernel NULL pointer dereference, address: 0x%016" PRIx64, (uint64_t)addr);
	mem_sym(m, pc, sym, sizeof(sym));
	/* Page-fault error code bits (SDM Vol. 3A 4.7): W/R is bit 1; P is 0. */
	strbuf_printf(&b, "%s\n#PF: supervisor %s access in kernel mode\n"
		      "#PF: error_code(0x%04x) - not-present page\n",
		      title, is_write ? "write" : "read", is_write ? 0x2 : 0x0);
	report_who_line(&b, who ? who : &mem_nobody);
	strbuf_printf(&b, "RIP: %s\nCall Trace:\n", sym);
	put_frames(m, &b, pc, who ? who->stack : NULL, who ? who->depth : 0);
	mem_mark(m, who, 0, size, NULL);
	emit(m, title, &b);
	return MEM_BAD_NULL;
}

struct mem_leak {
	uint64_t seq;
	uint32_t id;
};

static int cmp_leak(const void *a, const void *b)
{
	uint64_t x = ((const struct mem_leak *)a)->seq;
	uint64_t y = ((const struct mem_leak *)b)->seq;

	return (x > y) - (x < y);
}

/* The live object @v points into, or MEM_NONE. */
static uint32_t live_obj_of(const struct mem *m, uintptr_t v)
{
	uintptr_t lo = (uintptr_t)m->arena;
	const struct mem_obj *o;
	uint32_t id;

	if (v < lo || v - lo >= m->arena_bytes)
		return MEM_NONE;
	id = obj_at(m, v - lo);
	if (id == MEM_NONE)
		return MEM_NONE;
	o = &m->objs[id];
	if (o->state != OBJ_LIVE || v - lo < o->off || v - lo >= o->off + o->size)
		return MEM_NONE;
	return id;
}

/* Mark what the aligned words of [lo, hi) reach; @stack holds objects still to scan. */
static void scan_range(const struct mem *m, uintptr_t lo, uintptr_t hi, uint8_t *marked,
		       uint32_t *stack, uint32_t *depth)
{
	for (uintptr_t a = (lo + 7) & ~(uintptr_t)7; a + 8 <= hi; a += 8) {
		uint32_t id = live_obj_of(m, *(const uintptr_t *)a);

		if (id == MEM_NONE || marked[id])
			continue;
		marked[id] = 1;
		stack[(*depth)++] = id;
	}
}

/* kmemleak's scan: every live object the roots reach, directly or through others. */
static void mark_reachable(const struct mem *m, const struct mem_root *roots,
			   unsigned int nroots, uint8_t *marked, uint32_t *stack)
{
	uint32_t depth = 0;

	for (unsigned int i = 0; i < nroots; i++)
		scan_range(m, roots[i].lo, roots[i].hi, marked, stack, &depth);
	while (depth) {
		const struct mem_obj *o = &m->objs[stack[--depth]];
		uintptr_t lo = (uintptr_t)m->arena + o->off;

		scan_range(m, lo, lo + o->size, marked, stack, &depth);
	}
}

unsigned int mem_report_leaks(struct mem *m, const struct mem_root *roots, unsigned int nroots)
{
	struct strbuf b = STRBUF_INIT;
	struct mem_leak *leaks;
	uint8_t *marked;
	uint32_t *stack;
	size_t n = 0;

	if (!m->live)
		return 0;
	if (!m->report)
		return (unsigned int)m->live;
	leaks = malloc(m->live * sizeof(*leaks));
	marked = calloc(m->nr_objs, 1);
	stack = malloc(m->nr_objs * sizeof(*stack));
	/* Without the order and the scan, no report: a shuffled one would break replays. */
	if (!leaks || !marked || !stack) {
		free(leaks);
		free(marked);
		free(stack);
		return (unsigned int)m->live;
	}
	mark_reachable(m, roots, nroots, marked, stack);
	for (uint32_t i = 0; i < m->nr_objs; i++) {
		if (m->objs[i].state != OBJ_LIVE || marked[i])
			continue;
		leaks[n].seq = m->objs[i].seq;
		leaks[n].id = i;
		n++;
	}
	free(marked);
	free(stack);
	if (!n) {
		free(leaks);
		return 0;
	}
	qsort(leaks, n, sizeof(*leaks), cmp_leak);

	strbuf_printf(&b, "BUG: memory leak\n");
	for (size_t i = 0; i < n; i++) {
		const struct mem_obj *o = &m->objs[leaks[i].id];

		strbuf_printf(&b, "unreferenced object 0x%016" PRIx64 " (size %zu):\n",
			      obj_report_addr(o), o->size);
		strbuf_printf(&b, "  comm \"%s\", pid %u, jiffies %" PRIu64 "\n",
			      o->alloc.comm, o->alloc.pid, o->alloc.step);
		strbuf_printf(&b, "  backtrace:\n");
		put_leak_frame(m, &b, o->alloc.pc);
		for (unsigned int d = o->alloc.depth; d--; )
			put_leak_frame(m, &b, o->alloc.stack[d]);
	}
	strbuf_printf(&b, "kmemleak: %zu new suspected memory leaks"
		      " (see /sys/kernel/debug/kmemleak)\n", n);
	free(leaks);
	emit(m, "BUG: memory leak", &b);
	return (unsigned int)n;
}

size_t mem_live_objects(const struct mem *m)
{
	return m->live;
}
