// SPDX-License-Identifier: MIT
#include "engine/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/bug.h"
#include "engine/codec.h"

#define TRACE_MAGIC_LEN		8
/* The largest trace file read: a run's trace is megabytes; more is not one. */
#define TRACE_MAX_BYTES		((size_t)1 << 30)
/* magic, u16 version, u16 header length */
#define TRACE_PREAMBLE_LEN	(TRACE_MAGIC_LEN + 2 + 2)
#define TRACE_VARINT_MAX	10
/* The most fields any record type has (TR_MARK). */
#define TRACE_FIELDS_MAX	14

#define TRACE_ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Record layouts. The writer and the reader both walk these tables, so the
 * two cannot disagree on a field's position or width; the order is the one
 * trace.h documents, and changing it means bumping TRACE_VERSION.
 */
struct trace_field {
	const char *name;	/* for error messages */
	uint16_t off;		/* offsetof() the member in struct trace_event */
	uint8_t size;		/* sizeof() the member: 1, 4 or 8 */
};

#define TF(name, member)						\
	{ name, offsetof(struct trace_event, member),			\
	  sizeof(((struct trace_event *)0)->member) }
#define TF_COMMON							\
	TF("step", step), TF("cpu", cpu), TF("task", task), TF("cycle", cycle)

static const struct trace_field tf_access[] = {
	TF_COMMON, TF("kind", kind), TF("region", region), TF("offset", offset),
	TF("size", size), TF("pc", pc), TF("old value", old_val),
	TF("new value", new_val), TF("stack owner", to_task), TF("name", str),
};
static const struct trace_field tf_spawn[] = { TF_COMMON, TF("name", str) };
static const struct trace_field tf_switch[] = {
	TF_COMMON, TF("to cpu", to_cpu), TF("to task", to_task),
	TF("preempt", preempt),
};
static const struct trace_field tf_plain[] = { TF_COMMON };
static const struct trace_field tf_wake[] = { TF_COMMON, TF("woken task", to_task) };
static const struct trace_field tf_decision[] = {
	TF_COMMON, TF("choice", kind), TF("n", n), TF("value", value),
};
static const struct trace_field tf_log[] = { TF_COMMON, TF("text", str) };
static const struct trace_field tf_irq[] = { TF_COMMON, TF("enter", kind) };
static const struct trace_field tf_vmx[] = {
	TF_COMMON, TF("kind", kind), TF("exit reason or error", value), TF("check", str),
};
static const struct trace_field tf_point[] = {
	TF_COMMON, TF("event", str), TF("first value", args[0]), TF("second value", args[1]),
};
static const struct trace_field tf_cpu[] = {
	TF_COMMON, TF("MHz", value), TF("model", str),
};
static const struct trace_field tf_ipi[] = {
	TF_COMMON, TF("target cpu", to_cpu), TF("vector", value), TF("nmi", kind),
};
static const struct trace_field tf_lock[] = {
	TF_COMMON, TF("kind", kind), TF("lock type", value), TF("region", region),
	TF("offset", offset), TF("pc", pc), TF("name", str),
};
static const struct trace_field tf_cpuhp[] = {
	TF_COMMON, TF("target cpu", to_cpu), TF("state", value),
};
static const struct trace_field tf_report[] = {
	TF_COMMON, TF("kind", kind), TF("title", str),
};
static const struct trace_field tf_mark[] = {
	TF_COMMON, TF("kind", kind), TF("marked step", args[0]), TF("marked cpu", to_cpu),
	TF("marked task", to_task), TF("region", region), TF("offset", offset),
	TF("size", size), TF("pc", pc), TF("label", str),
};
static const struct trace_field tf_window[] = {
	TF_COMMON, TF("to cpu", to_cpu), TF("steps earlier", args[0]),
	TF("steps later", args[1]), TF("cycles earlier", args[2]),
	TF("cycles later", args[3]), TF("what", str),
};
static const struct trace_field tf_end[] = {
	TF_COMMON, TF("outcome", kind), TF("message", str),
};

struct trace_layout {
	const struct trace_field *fields;
	unsigned int nfields;
};

#define TL(tab)	{ tab, TRACE_ARRAY_SIZE(tab) }

/* TR_STRING has no entry: its payload carries bytes, not just varints. */
static const struct trace_layout trace_layouts[TR_NR_TYPES] = {
	[TR_ACCESS]	= TL(tf_access),
	[TR_SPAWN]	= TL(tf_spawn),
	[TR_SWITCH]	= TL(tf_switch),
	[TR_PARK]	= TL(tf_plain),
	[TR_WAKE]	= TL(tf_wake),
	[TR_EXIT]	= TL(tf_plain),
	[TR_DECISION]	= TL(tf_decision),
	[TR_END]	= TL(tf_end),
	[TR_LOG]	= TL(tf_log),
	[TR_IRQ]	= TL(tf_irq),
	[TR_VMX]	= TL(tf_vmx),
	[TR_POINT]	= TL(tf_point),
	[TR_CPU]	= TL(tf_cpu),
	[TR_IPI]	= TL(tf_ipi),
	[TR_LOCK]	= TL(tf_lock),
	[TR_CPUHP]	= TL(tf_cpuhp),
	[TR_REPORT]	= TL(tf_report),
	[TR_MARK]	= TL(tf_mark),
	[TR_WINDOW]	= TL(tf_window),
};

static uint64_t trace_field_load(const struct trace_event *e, const struct trace_field *f)
{
	const unsigned char *p = (const unsigned char *)e + f->off;
	uint32_t u32;
	uint64_t u64;

	switch (f->size) {
	case 1:
		return *p;
	case 4:
		memcpy(&u32, p, sizeof(u32));
		return u32;
	default:
		memcpy(&u64, p, sizeof(u64));
		return u64;
	}
}

static void trace_field_store(struct trace_event *e, const struct trace_field *f, uint64_t v)
{
	unsigned char *p = (unsigned char *)e + f->off;
	uint32_t u32 = (uint32_t)v;

	switch (f->size) {
	case 1:
		*p = (unsigned char)v;
		break;
	case 4:
		memcpy(p, &u32, sizeof(u32));
		break;
	default:
		memcpy(p, &v, sizeof(v));
		break;
	}
}

static const char *const trace_type_names[TR_NR_TYPES] = {
	[TR_STRING]	= "string",
	[TR_ACCESS]	= "access",
	[TR_SPAWN]	= "spawn",
	[TR_SWITCH]	= "switch",
	[TR_PARK]	= "park",
	[TR_WAKE]	= "wake",
	[TR_EXIT]	= "exit",
	[TR_DECISION]	= "decision",
	[TR_END]	= "end",
	[TR_LOG]	= "log",
	[TR_IRQ]	= "irq",
	[TR_VMX]	= "vmx",
	[TR_POINT]	= "point",
	[TR_CPU]	= "cpu",
	[TR_IPI]	= "ipi",
	[TR_LOCK]	= "lock",
	[TR_CPUHP]	= "cpuhp",
	[TR_REPORT]	= "report",
	[TR_MARK]	= "mark",
	[TR_WINDOW]	= "window",
};

static const char *const trace_region_names[] = {
	[TR_REGION_NONE]	= "none",
	[TR_REGION_UNKNOWN]	= "unknown",
	[TR_REGION_DATA]	= "data",
	[TR_REGION_BSS]		= "bss",
	[TR_REGION_STACK]	= "stack",
	[TR_REGION_HEAP]	= "heap",
};

static const char *const trace_lock_kind_names[] = {
	[TR_LOCK_RELEASE]	= "release",
	[TR_LOCK_ACQUIRE]	= "acquire",
	[TR_LOCK_CONTENDED]	= "contended",
};

static const char *const trace_lock_type_names[] = {
	[TR_LOCK_SPIN]	= "spin",
	[TR_LOCK_MUTEX]	= "mutex",
	[TR_LOCK_READ]	= "read",
	[TR_LOCK_WRITE]	= "write",
};

static const char *const trace_cpu_state_names[] = {
	[TR_CPU_OFFLINE]	= "offline",
	[TR_CPU_BRINGUP]	= "bringup",
	[TR_CPU_ONLINE]		= "online",
	[TR_CPU_ACTIVE]		= "active",
	[TR_CPU_TEARDOWN]	= "teardown",
};

static const char *const trace_report_kind_names[] = {
	[TR_REPORT_OTHER]	= "other",
	[TR_REPORT_RACE]	= "race",
	[TR_REPORT_LOCKDEP]	= "lockdep",
	[TR_REPORT_WARN]	= "warn",
	[TR_REPORT_OOPS]	= "oops",
	[TR_REPORT_MEMORY]	= "memory",
};

static const char *const trace_mark_kind_names[] = {
	[TR_MARK_READ]		= "read",
	[TR_MARK_WRITE]		= "write",
	[TR_MARK_ACQUIRE]	= "acquire",
	[TR_MARK_SITE]		= "site",
};

#define TRACE_NAME_OF(tab, i)	((i) < TRACE_ARRAY_SIZE(tab) && (tab)[i] ? (tab)[i] : "?")

const char *trace_lock_kind_name(unsigned int kind)
{
	return TRACE_NAME_OF(trace_lock_kind_names, kind);
}

const char *trace_lock_type_name(unsigned int type)
{
	return TRACE_NAME_OF(trace_lock_type_names, type);
}

const char *trace_cpu_state_name(unsigned int state)
{
	return TRACE_NAME_OF(trace_cpu_state_names, state);
}

const char *trace_report_kind_name(unsigned int kind)
{
	return TRACE_NAME_OF(trace_report_kind_names, kind);
}

const char *trace_mark_kind_name(unsigned int kind)
{
	return TRACE_NAME_OF(trace_mark_kind_names, kind);
}

const char *trace_type_name(unsigned int type)
{
	if (type >= TR_NR_TYPES || !trace_type_names[type])
		return "?";
	return trace_type_names[type];
}

const char *trace_region_name(unsigned int region)
{
	if (region >= TRACE_ARRAY_SIZE(trace_region_names))
		return "?";
	return trace_region_names[region];
}

static void *trace_realloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		sim_bug(__FILE__, __LINE__, "out of memory");
	return p;
}

static char *trace_strndup(const char *s, size_t len)
{
	char *c = trace_realloc(NULL, len + 1);

	memcpy(c, s, len);
	c[len] = '\0';
	return c;
}

/* FNV-1a: depends only on the bytes, so the table layout is reproducible. */
static uint64_t trace_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* ---- writer ---- */

/* One interned string; a slot with s == NULL is empty. */
struct trace_wstr {
	char *s;		/* owned copy */
	uint64_t hash;		/* trace_hash(s), to skip most strcmp()s */
	uint32_t id;		/* its TR_STRING id */
};

struct trace_writer {
	uint8_t *buf;		/* the trace so far */
	size_t len;		/* bytes used in buf */
	size_t cap;		/* bytes allocated for buf */
	struct trace_wstr *strs; /* open-addressed intern table */
	uint32_t nslots;	/* size of strs[], a power of two (or 0) */
	uint32_t nstrs;		/* strings interned, i.e. the last id given */
	bool begun;		/* a header was written */
};

struct trace_writer *trace_writer_create(void)
{
	struct trace_writer *w = trace_realloc(NULL, sizeof(*w));

	memset(w, 0, sizeof(*w));
	return w;
}

static void trace_writer_drop_strings(struct trace_writer *w)
{
	uint32_t i;

	for (i = 0; i < w->nslots; i++) {
		free(w->strs[i].s);
		w->strs[i].s = NULL;
	}
	w->nstrs = 0;
}

void trace_writer_destroy(struct trace_writer *w)
{
	if (!w)
		return;
	trace_writer_drop_strings(w);
	free(w->strs);
	free(w->buf);
	free(w);
}

static uint8_t *trace_reserve(struct trace_writer *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 4096;

	SIM_BUG_ON(n > SIZE_MAX / 2 - w->len);
	while (cap - w->len < n)
		cap *= 2;
	if (cap != w->cap) {
		w->buf = trace_realloc(w->buf, cap);
		w->cap = cap;
	}
	return w->buf + w->len;
}

static void trace_put_u16(uint8_t *p, unsigned int v)
{
	p[0] = (uint8_t)(v & 0xff);
	p[1] = (uint8_t)(v >> 8);
}

/* Header string: varint length, then the bytes (no NUL). */
static size_t trace_put_str(uint8_t *p, const char *s, size_t max)
{
	size_t len = strnlen(s, max);
	size_t n;

	/* Must fit the reader's buffer with its NUL. */
	SIM_BUG_ON(len == max);
	n = varint_put(p, len);
	memcpy(p + n, s, len);
	return n + len;
}

void trace_writer_begin(struct trace_writer *w, const struct trace_header *h)
{
	/* Every field at its largest, with each length varint at 10 bytes. */
	uint8_t hdr[4 * TRACE_VARINT_MAX + sizeof(h->build_id) +
		    sizeof(h->program) + sizeof(h->strategy) + TRACE_VARINT_MAX];
	uint8_t *p;
	size_t n;

	SIM_BUG_ON(h->build_id_len > sizeof(h->build_id));

	n = varint_put(hdr, h->build_id_len);
	memcpy(hdr + n, h->build_id, h->build_id_len);
	n += h->build_id_len;
	n += trace_put_str(hdr + n, h->program, sizeof(h->program));
	n += trace_put_str(hdr + n, h->strategy, sizeof(h->strategy));
	n += varint_put(hdr + n, h->seed);
	n += varint_put(hdr + n, h->ncpus);

	/* A new trace defines its own strings from id 1 again. */
	trace_writer_drop_strings(w);
	w->len = 0;
	p = trace_reserve(w, TRACE_PREAMBLE_LEN + n);
	memcpy(p, TRACE_MAGIC, TRACE_MAGIC_LEN);
	trace_put_u16(p + TRACE_MAGIC_LEN, TRACE_VERSION);
	trace_put_u16(p + TRACE_MAGIC_LEN + 2, (unsigned int)n);
	memcpy(p + TRACE_PREAMBLE_LEN, hdr, n);
	w->len += TRACE_PREAMBLE_LEN + n;
	w->begun = true;
}

/* Append a record whose payload is @head (varints) followed by @tail. */
static void trace_put_record(struct trace_writer *w, uint8_t type,
			     const uint8_t *head, size_t hlen,
			     const void *tail, size_t tlen)
{
	uint8_t *p;
	size_t n;

	SIM_BUG_ON(!w->begun);
	SIM_BUG_ON(tlen > SIZE_MAX / 2 - hlen);
	p = trace_reserve(w, 1 + TRACE_VARINT_MAX + hlen + tlen);
	p[0] = type;
	n = 1 + varint_put(p + 1, hlen + tlen);
	memcpy(p + n, head, hlen);
	if (tlen)
		memcpy(p + n + hlen, tail, tlen);
	w->len += n + hlen + tlen;
}

static void trace_writer_grow_strings(struct trace_writer *w)
{
	struct trace_wstr *old = w->strs;
	uint32_t oslots = w->nslots, i, j;

	SIM_BUG_ON(w->nslots > UINT32_MAX / 2);
	w->nslots = w->nslots ? w->nslots * 2 : 64;
	w->strs = trace_realloc(NULL, w->nslots * sizeof(*w->strs));
	memset(w->strs, 0, w->nslots * sizeof(*w->strs));
	for (i = 0; i < oslots; i++) {
		if (!old[i].s)
			continue;
		for (j = (uint32_t)old[i].hash & (w->nslots - 1); w->strs[j].s;
		     j = (j + 1) & (w->nslots - 1))
			;
		w->strs[j] = old[i];
	}
	free(old);
}

uint32_t trace_string(struct trace_writer *w, const char *s)
{
	uint8_t head[2 * TRACE_VARINT_MAX];
	struct trace_wstr *slot;
	uint64_t hash;
	size_t len, n;
	uint32_t i;

	if (!s)
		return 0;
	/* Keep the table at most half full, so probes stay short. */
	if ((uint64_t)(w->nstrs + 1) * 2 > w->nslots)
		trace_writer_grow_strings(w);

	hash = trace_hash(s);
	for (i = (uint32_t)hash & (w->nslots - 1); w->strs[i].s;
	     i = (i + 1) & (w->nslots - 1)) {
		if (w->strs[i].hash == hash && !strcmp(w->strs[i].s, s))
			return w->strs[i].id;
	}

	SIM_BUG_ON(w->nstrs == UINT32_MAX);
	len = strlen(s);
	slot = &w->strs[i];
	slot->s = trace_strndup(s, len);
	slot->hash = hash;
	slot->id = ++w->nstrs;

	n = varint_put(head, slot->id);
	n += varint_put(head + n, len);
	trace_put_record(w, TR_STRING, head, n, s, len);
	return slot->id;
}

void trace_emit(struct trace_writer *w, const struct trace_event *e)
{
	uint8_t payload[TRACE_FIELDS_MAX * TRACE_VARINT_MAX];
	const struct trace_layout *l;
	unsigned int i;
	size_t n = 0;

	/* Strings go through trace_string(); anything else is a caller bug. */
	SIM_BUG_ON(e->type >= TR_NR_TYPES || !trace_layouts[e->type].fields);
	l = &trace_layouts[e->type];
	for (i = 0; i < l->nfields; i++)
		n += varint_put(payload + n, trace_field_load(e, &l->fields[i]));
	trace_put_record(w, e->type, payload, n, NULL, 0);
}

const uint8_t *trace_writer_data(const struct trace_writer *w, size_t *len)
{
	*len = w->len;
	return w->buf;
}

/* ---- reader ---- */

/* One defined string; a slot with s == NULL is empty. */
struct trace_rstr {
	char *s;		/* owned, NUL-terminated */
	uint32_t id;
};

struct trace_reader {
	uint8_t *data;		/* the whole trace (owned) */
	size_t len;		/* bytes in data */
	size_t pos;		/* start of the next record */
	char *name;		/* file name for messages */
	struct trace_header hdr;
	struct trace_rstr *strs; /* open-addressed by id */
	uint32_t nslots;	/* size of strs[], a power of two (or 0) */
	uint32_t nstrs;		/* strings defined */
	bool failed;		/* a record was malformed: every later call fails */
	bool ended;		/* the TR_END record was read: the trace is whole */
	char errmsg[256];	/* what failed, repeated to later callers */
};

/* A bounded window of the trace being parsed. */
struct trace_cursor {
	const uint8_t *data;
	size_t pos;		/* next byte, as an offset into the whole trace */
	size_t end;		/* first byte past the window */
};

__attribute__((format(printf, 5, 6)))
static int trace_fail(const char *name, size_t off, char *err, size_t errlen,
		      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!err || !errlen)
		return -EINVAL;
	n = snprintf(err, errlen, "%s: byte %zu: ", name, off);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* -errno with "NAME: strerror" in @err. */
static int trace_fail_errno(const char *name, int e, char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", name, strerror(e));
	return -e;
}

/*
 * A varint inside the window: 0 on success, -1 when the window ends first
 * (truncation), -2 when it runs past ten bytes or 64 bits (garbage).
 */
static int trace_cursor_varint(struct trace_cursor *c, uint64_t *v)
{
	size_t avail = c->end - c->pos;
	size_t n = varint_get(c->data + c->pos, avail, v);

	if (n) {
		c->pos += n;
		return 0;
	}
	return avail < TRACE_VARINT_MAX ? -1 : -2;
}

static int trace_cursor_field(struct trace_reader *r, struct trace_cursor *c,
			      const char *what, const char *field, uint64_t max,
			      uint64_t *v, char *err, size_t errlen)
{
	size_t at = c->pos;

	switch (trace_cursor_varint(c, v)) {
	case -1:
		return trace_fail(r->name, at, err, errlen, "%s ends before its %s",
				  what, field);
	case -2:
		return trace_fail(r->name, at, err, errlen, "%s: %s is not a varint",
				  what, field);
	}
	if (*v > max)
		return trace_fail(r->name, at, err, errlen, "%s: %s %llu exceeds %llu",
				  what, field, (unsigned long long)*v,
				  (unsigned long long)max);
	return 0;
}

/* A length-prefixed string of at most @max bytes, none of them NUL. */
static int trace_cursor_str(struct trace_reader *r, struct trace_cursor *c,
			    const char *what, const char *field, size_t max,
			    char *dst, char *err, size_t errlen)
{
	uint64_t len;
	size_t at;
	int ret;

	ret = trace_cursor_field(r, c, what, field, max, &len, err, errlen);
	if (ret)
		return ret;
	at = c->pos;
	if (len > c->end - at)
		return trace_fail(r->name, at, err, errlen, "%s: %s overruns its end",
				  what, field);
	if (memchr(c->data + at, '\0', len))
		return trace_fail(r->name, at, err, errlen, "%s: %s contains a NUL byte",
				  what, field);
	memcpy(dst, c->data + at, len);
	dst[len] = '\0';
	c->pos += len;
	return 0;
}

static int trace_parse_header(struct trace_reader *r, char *err, size_t errlen)
{
	struct trace_header *h = &r->hdr;
	struct trace_cursor c = { .data = r->data };
	size_t magic = r->len < TRACE_MAGIC_LEN ? r->len : TRACE_MAGIC_LEN;
	unsigned int version, hlen;
	uint64_t v;
	int ret;

	if (memcmp(r->data, TRACE_MAGIC, magic))
		return trace_fail(r->name, 0, err, errlen, "bad magic: not an hvsim trace");
	if (r->len < TRACE_PREAMBLE_LEN)
		return trace_fail(r->name, r->len, err, errlen,
				  "truncated header: expected %d bytes of magic, version and header length",
				  TRACE_PREAMBLE_LEN);

	version = r->data[8] | (unsigned int)r->data[9] << 8;
	if (version != TRACE_VERSION) {
		if (err && errlen)
			snprintf(err, errlen, "%s: trace version %u, this hvsim reads %d",
				 r->name, version, TRACE_VERSION);
		return -EINVAL;
	}
	hlen = r->data[10] | (unsigned int)r->data[11] << 8;
	if (hlen > r->len - TRACE_PREAMBLE_LEN)
		return trace_fail(r->name, 10, err, errlen,
				  "header length %u overruns the file", hlen);

	c.pos = TRACE_PREAMBLE_LEN;
	c.end = TRACE_PREAMBLE_LEN + hlen;
	ret = trace_cursor_field(r, &c, "header", "build-id length",
				 sizeof(h->build_id), &v, err, errlen);
	if (ret)
		return ret;
	if (v > c.end - c.pos)
		return trace_fail(r->name, c.pos, err, errlen,
				  "header: build id overruns its end");
	h->build_id_len = (uint32_t)v;
	memcpy(h->build_id, r->data + c.pos, h->build_id_len);
	c.pos += h->build_id_len;

	ret = trace_cursor_str(r, &c, "header", "program", sizeof(h->program) - 1,
			       h->program, err, errlen);
	if (ret)
		return ret;
	ret = trace_cursor_str(r, &c, "header", "strategy", sizeof(h->strategy) - 1,
			       h->strategy, err, errlen);
	if (ret)
		return ret;
	ret = trace_cursor_field(r, &c, "header", "seed", UINT64_MAX, &h->seed,
				 err, errlen);
	if (ret)
		return ret;
	ret = trace_cursor_field(r, &c, "header", "cpu count", UINT32_MAX, &v,
				 err, errlen);
	if (ret)
		return ret;
	h->ncpus = (uint32_t)v;

	/* Fields a later version appends to the header are skipped. */
	r->pos = c.end;
	return 0;
}

/*
 * Takes ownership of @data. Both open functions end here, so a trace in
 * memory and one in a file are held, and checked, alike.
 */
static int trace_reader_parse(struct trace_reader **out, uint8_t *data, size_t len,
			      const char *name, char *err, size_t errlen)
{
	struct trace_reader *r = trace_realloc(NULL, sizeof(*r));
	int ret;

	memset(r, 0, sizeof(*r));
	r->data = data;
	r->len = len;
	r->name = trace_strndup(name, strlen(name));
	ret = trace_parse_header(r, err, errlen);
	if (ret) {
		trace_reader_close(r);
		*out = NULL;
		return ret;
	}
	*out = r;
	return 0;
}

int trace_reader_open_mem(struct trace_reader **out, const uint8_t *data, size_t len,
			  const char *name, char *err, size_t errlen)
{
	/* Exactly @len bytes, so a sanitizer sees any over-read; malloc(0) may be NULL. */
	uint8_t *copy = malloc(len ? len : 1);

	if (!name)
		name = "<memory>";
	if (!copy) {
		*out = NULL;
		return trace_fail_errno(name, ENOMEM, err, errlen);
	}
	if (len)
		memcpy(copy, data, len);
	return trace_reader_parse(out, copy, len, name, err, errlen);
}

int trace_reader_open_file(struct trace_reader **out, const char *path,
			   char *err, size_t errlen)
{
	size_t len = 0, cap;
	uint8_t *buf, *nbuf;
	struct stat st;
	bool magic_seen = false;
	ssize_t n;
	int fd, e;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return trace_fail_errno(path, errno, err, errlen);
	if (fstat(fd, &st)) {
		e = errno;
		goto out_close;
	}
	if (st.st_size > 0 && (uint64_t)st.st_size > TRACE_MAX_BYTES) {
		e = EFBIG;
		goto out_close;
	}
	/* One byte past the size, so EOF shows without growing; pipes report 0. */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
	buf = malloc(cap);
	if (!buf) {
		e = ENOMEM;
		goto out_close;
	}
	for (;;) {
		/* Not a trace: said at once, before reading (maybe without end) the rest. */
		if (!magic_seen && len >= TRACE_MAGIC_LEN) {
			if (memcmp(buf, TRACE_MAGIC, TRACE_MAGIC_LEN)) {
				free(buf);
				close(fd);
				return trace_fail(path, 0, err, errlen,
						  "not an hvsim trace: expected the magic " TRACE_MAGIC);
			}
			magic_seen = true;
		}
		if (len == cap) {
			if (cap >= TRACE_MAX_BYTES) {
				e = EFBIG;
				goto out_free;
			}
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				e = ENOMEM;
				goto out_free;
			}
			buf = nbuf;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = errno;
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	return trace_reader_parse(out, buf, len, path, err, errlen);

out_free:
	free(buf);
out_close:
	close(fd);
	return trace_fail_errno(path, e, err, errlen);
}

void trace_reader_close(struct trace_reader *r)
{
	uint32_t i;

	if (!r)
		return;
	for (i = 0; i < r->nslots; i++)
		free(r->strs[i].s);
	free(r->strs);
	free(r->name);
	free(r->data);
	free(r);
}

const struct trace_header *trace_reader_header(const struct trace_reader *r)
{
	return &r->hdr;
}

/* Fibonacci hashing of the id: ids are dense, this spreads them anyway. */
static uint32_t trace_id_slot(uint32_t id, uint32_t nslots)
{
	return (uint32_t)(((uint64_t)id * 0x9e3779b97f4a7c15ULL) >> 32) & (nslots - 1);
}

static struct trace_rstr *trace_reader_slot(const struct trace_reader *r, uint32_t id)
{
	uint32_t i;

	if (!r->nslots)
		return NULL;
	for (i = trace_id_slot(id, r->nslots); r->strs[i].s; i = (i + 1) & (r->nslots - 1))
		if (r->strs[i].id == id)
			break;
	return &r->strs[i];
}

static void trace_reader_grow_strings(struct trace_reader *r)
{
	struct trace_rstr *old = r->strs;
	uint32_t oslots = r->nslots, i;

	SIM_BUG_ON(r->nslots > UINT32_MAX / 2);
	r->nslots = r->nslots ? r->nslots * 2 : 64;
	r->strs = trace_realloc(NULL, r->nslots * sizeof(*r->strs));
	memset(r->strs, 0, r->nslots * sizeof(*r->strs));
	for (i = 0; i < oslots; i++)
		if (old[i].s)
			*trace_reader_slot(r, old[i].id) = old[i];
	free(old);
}

const char *trace_reader_string(const struct trace_reader *r, uint32_t id)
{
	const struct trace_rstr *s = trace_reader_slot(r, id);

	return s ? s->s : NULL;
}

static int trace_absorb_string(struct trace_reader *r, struct trace_cursor *c,
			       char *err, size_t errlen)
{
	struct trace_rstr *slot;
	uint64_t id, len;
	size_t at = c->pos;
	int ret;

	ret = trace_cursor_field(r, c, "string record", "id", UINT32_MAX, &id,
				 err, errlen);
	if (ret)
		return ret;
	if (id == 0)
		return trace_fail(r->name, at, err, errlen,
				  "string id 0 is reserved for \"no string\"");
	ret = trace_cursor_field(r, c, "string record", "length", UINT64_MAX, &len,
				 err, errlen);
	if (ret)
		return ret;
	if (len > c->end - c->pos)
		return trace_fail(r->name, c->pos, err, errlen,
				  "string of %llu bytes overruns its record",
				  (unsigned long long)len);
	if (memchr(c->data + c->pos, '\0', len))
		return trace_fail(r->name, c->pos, err, errlen,
				  "string id %llu contains a NUL byte",
				  (unsigned long long)id);

	slot = trace_reader_slot(r, (uint32_t)id);
	if (slot && slot->s)
		return trace_fail(r->name, at, err, errlen, "string id %llu defined twice",
				  (unsigned long long)id);
	if ((uint64_t)(r->nstrs + 1) * 2 > r->nslots) {
		trace_reader_grow_strings(r);
		slot = trace_reader_slot(r, (uint32_t)id);
	}
	slot->s = trace_strndup((const char *)c->data + c->pos, len);
	slot->id = (uint32_t)id;
	r->nstrs++;
	c->pos += len;
	return 0;
}

static int trace_decode_event(struct trace_reader *r, struct trace_cursor *c,
			      uint8_t type, struct trace_event *e,
			      char *err, size_t errlen)
{
	const struct trace_layout *l = &trace_layouts[type];
	char what[32];
	unsigned int i;
	uint64_t v;
	int ret;

	snprintf(what, sizeof(what), "%s record", trace_type_name(type));
	memset(e, 0, sizeof(*e));
	e->type = type;
	for (i = 0; i < l->nfields; i++) {
		const struct trace_field *f = &l->fields[i];
		uint64_t max = f->size >= 8 ? UINT64_MAX : (1ULL << (8 * f->size)) - 1;

		ret = trace_cursor_field(r, c, what, f->name, max, &v, err, errlen);
		if (ret)
			return ret;
		trace_field_store(e, f, v);
	}
	/*
	 * Bytes after the listed fields are ignored: a later version may
	 * append a field without older readers misreading the ones they know.
	 */
	return 0;
}

static int trace_next_record(struct trace_reader *r, struct trace_event *e,
			     char *err, size_t errlen)
{
	for (;;) {
		struct trace_cursor c = { .data = r->data, .end = r->len };
		size_t start = r->pos;
		uint64_t plen;
		uint8_t type;
		int ret;

		if (start == r->len) {
			/* A writer ends every run with TR_END: without it the file was cut short. */
			if (!r->ended)
				return trace_fail(r->name, start, err, errlen,
						  "truncated trace: it ends without its end record");
			return 0;
		}
		type = r->data[start];
		c.pos = start + 1;
		switch (trace_cursor_varint(&c, &plen)) {
		case -1:
			return trace_fail(r->name, start, err, errlen, "truncated record");
		case -2:
			return trace_fail(r->name, start + 1, err, errlen,
					  "record length is not a varint");
		}
		if (plen > r->len - c.pos)
			return trace_fail(r->name, start, err, errlen,
					  "record payload overruns the file");
		c.end = c.pos + plen;

		if (type == TR_STRING) {
			ret = trace_absorb_string(r, &c, err, errlen);
			if (ret)
				return ret;
		} else if (type < TR_NR_TYPES && trace_layouts[type].fields) {
			ret = trace_decode_event(r, &c, type, e, err, errlen);
			if (ret)
				return ret;
			r->pos = c.end;
			r->ended |= type == TR_END;
			return 1;
		}
		/* Unknown types are a later version's: skipped by their length. */
		r->pos = c.end;
	}
}

int trace_next(struct trace_reader *r, struct trace_event *e, char *err, size_t errlen)
{
	int ret;

	if (r->failed) {
		if (err && errlen)
			snprintf(err, errlen, "%s", r->errmsg);
		return -EINVAL;
	}
	ret = trace_next_record(r, e, r->errmsg, sizeof(r->errmsg));
	if (ret < 0) {
		r->failed = true;
		if (err && errlen)
			snprintf(err, errlen, "%s", r->errmsg);
	}
	return ret;
}

/* ---- appending ---- */

int trace_append(uint8_t **data, size_t *len, const struct trace_event *e, const char *str,
		 char *err, size_t errlen)
{
	struct trace_writer *w;
	struct trace_reader *r;
	struct trace_event ev;
	uint32_t last = 0;
	const uint8_t *tail;
	size_t tlen;
	uint8_t *grown;
	int ret;

	ret = trace_reader_open_mem(&r, *data, *len, "trace", err, errlen);
	if (ret)
		return ret;
	while ((ret = trace_next(r, &ev, err, errlen)) == 1)
		;
	for (uint32_t i = 0; i < r->nslots; i++)
		if (r->strs[i].s && r->strs[i].id > last)
			last = r->strs[i].id;
	trace_reader_close(r);
	if (ret)
		return ret;
	if (last == UINT32_MAX)
		return trace_fail("trace", *len, err, errlen, "no string id left for the record's");

	/* The records alone, encoded as the engine encodes them: ids go on from @last. */
	w = trace_writer_create();
	w->begun = true;
	w->nstrs = last;
	ev = *e;
	ev.str = trace_string(w, str);
	trace_emit(w, &ev);
	tail = trace_writer_data(w, &tlen);
	grown = realloc(*data, *len + tlen);
	if (!grown) {
		trace_writer_destroy(w);
		return trace_fail_errno("trace", ENOMEM, err, errlen);
	}
	memcpy(grown + *len, tail, tlen);
	*data = grown;
	*len += tlen;
	trace_writer_destroy(w);
	return 0;
}
