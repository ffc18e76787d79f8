// SPDX-License-Identifier: MIT
/*
 * The trace writer and reader: what is written reads back field by field,
 * the bytes are a pure function of what was emitted, and no input, however
 * cut or corrupted, crashes the reader.
 */
#include "engine/trace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "engine/bug.h"
#include "hvsim/sim.h"

/* The real one lives in the simulator; here a bug must just fail the test. */
void sim_bug(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: simulator bug: %s\n", file, line, what);
	abort();
}

#define NAME	"test.trc"

static void make_header(struct trace_header *h)
{
	unsigned int i;

	memset(h, 0, sizeof(*h));
	h->build_id_len = 20;
	for (i = 0; i < h->build_id_len; i++)
		h->build_id[i] = (uint8_t)(0xf0 ^ (i * 13));
	strcpy(h->program, "lapic_ipi");
	strcpy(h->strategy, "pct:3");
	h->seed = 0x8000000000000001ULL;
	h->ncpus = 4;
}

/* Strings the sample trace defines, in first-use order (ids 1, 2, 3). */
static const char *const sample_strings[] = { "vcpu0", "", "check failed: x != y" };

#define SAMPLE_NEVENTS	(TR_NR_TYPES - TR_ACCESS)

/* One event of every type, with every field distinct and some at their limits. */
static void sample_events(struct trace_event ev[SAMPLE_NEVENTS], uint32_t name, uint32_t msg)
{
	unsigned int i;

	memset(ev, 0, SAMPLE_NEVENTS * sizeof(*ev));
	for (i = 0; i < SAMPLE_NEVENTS; i++) {
		ev[i].type = (uint8_t)(TR_ACCESS + i);
		ev[i].step = 1000 + i;
		ev[i].cpu = i % 4;
		ev[i].task = 10 + i;
		ev[i].cycle = 123456789ULL * (i + 1);
	}
	/* TR_ACCESS */
	ev[0].step = UINT64_MAX;
	ev[0].cpu = UINT32_MAX;
	ev[0].kind = 6;
	ev[0].region = TR_REGION_STACK;
	ev[0].offset = 0x7ff8;
	ev[0].size = 8;
	ev[0].pc = 0x1234abcd;
	ev[0].old_val = UINT64_MAX;
	ev[0].new_val = 0x0123456789abcdefULL;
	/* TR_SPAWN */
	ev[1].str = name;
	/* TR_SWITCH */
	ev[2].to_cpu = 3;
	ev[2].to_task = 77;
	ev[2].preempt = 1;
	/* TR_PARK: common fields only. TR_WAKE: */
	ev[4].to_task = 99;
	/* TR_EXIT: common fields only. TR_DECISION: */
	ev[6].kind = 0;
	ev[6].n = 4;
	ev[6].value = 2;
	/* TR_END */
	ev[7].kind = 255;
	ev[7].str = msg;
	/* TR_CPU */
	ev[TR_CPU - TR_ACCESS].value = 2100;
	ev[TR_CPU - TR_ACCESS].str = name;
	/* TR_IPI */
	ev[TR_IPI - TR_ACCESS].to_cpu = 2;
	ev[TR_IPI - TR_ACCESS].value = 0xf2;
	ev[TR_IPI - TR_ACCESS].kind = 1;
	/* TR_LOCK */
	ev[TR_LOCK - TR_ACCESS].kind = TR_LOCK_CONTENDED;
	ev[TR_LOCK - TR_ACCESS].value = TR_LOCK_WRITE;
	ev[TR_LOCK - TR_ACCESS].region = TR_REGION_HEAP;
	ev[TR_LOCK - TR_ACCESS].offset = 0xffff888000012340ULL;
	ev[TR_LOCK - TR_ACCESS].pc = 0x4321;
	ev[TR_LOCK - TR_ACCESS].str = name;
	/* TR_CPUHP */
	ev[TR_CPUHP - TR_ACCESS].to_cpu = 2;
	ev[TR_CPUHP - TR_ACCESS].value = TR_CPU_ACTIVE;
	/* TR_REPORT */
	ev[TR_REPORT - TR_ACCESS].kind = TR_REPORT_RACE;
	ev[TR_REPORT - TR_ACCESS].str = msg;
	/* TR_MARK: every field */
	ev[TR_MARK - TR_ACCESS].kind = TR_MARK_WRITE;
	ev[TR_MARK - TR_ACCESS].args[0] = 987654321;
	ev[TR_MARK - TR_ACCESS].to_cpu = 1;
	ev[TR_MARK - TR_ACCESS].to_task = 5;
	ev[TR_MARK - TR_ACCESS].region = TR_REGION_DATA;
	ev[TR_MARK - TR_ACCESS].offset = 0x40;
	ev[TR_MARK - TR_ACCESS].size = 4;
	ev[TR_MARK - TR_ACCESS].pc = 0xabc;
	ev[TR_MARK - TR_ACCESS].str = name;
	/* TR_WINDOW */
	ev[TR_WINDOW - TR_ACCESS].to_cpu = 3;
	ev[TR_WINDOW - TR_ACCESS].args[0] = 45;
	ev[TR_WINDOW - TR_ACCESS].args[1] = 0;
	ev[TR_WINDOW - TR_ACCESS].args[2] = 408;
	ev[TR_WINDOW - TR_ACCESS].args[3] = UINT64_MAX;
	ev[TR_WINDOW - TR_ACCESS].str = msg;
}

/* Header, strings and one event of every type, as the engine would write them. */
static void write_sample(struct trace_writer *w, struct trace_event ev[SAMPLE_NEVENTS])
{
	struct trace_header h;
	uint32_t ids[3];
	unsigned int i;

	make_header(&h);
	trace_writer_begin(w, &h);
	for (i = 0; i < 3; i++)
		ids[i] = trace_string(w, sample_strings[i]);
	sample_events(ev, ids[0], ids[2]);
	for (i = 0; i < SAMPLE_NEVENTS; i++)
		trace_emit(w, &ev[i]);
}

static void check_event_eq(const struct trace_event *a, const struct trace_event *b)
{
	const char *t = trace_type_name(b->type);

	cr_assert_eq(a->type, b->type, "type %u, expected %s", a->type, t);
	cr_assert_eq(a->kind, b->kind, "%s: kind", t);
	cr_assert_eq(a->region, b->region, "%s: region", t);
	cr_assert_eq(a->preempt, b->preempt, "%s: preempt", t);
	cr_assert_eq(a->cpu, b->cpu, "%s: cpu", t);
	cr_assert_eq(a->task, b->task, "%s: task", t);
	cr_assert_eq(a->step, b->step, "%s: step", t);
	cr_assert_eq(a->cycle, b->cycle, "%s: cycle", t);
	cr_assert_eq(a->offset, b->offset, "%s: offset", t);
	cr_assert_eq(a->size, b->size, "%s: size", t);
	cr_assert_eq(a->pc, b->pc, "%s: pc", t);
	cr_assert_eq(a->old_val, b->old_val, "%s: old_val", t);
	cr_assert_eq(a->new_val, b->new_val, "%s: new_val", t);
	cr_assert_eq(a->to_cpu, b->to_cpu, "%s: to_cpu", t);
	cr_assert_eq(a->to_task, b->to_task, "%s: to_task", t);
	cr_assert_eq(a->str, b->str, "%s: str", t);
	cr_assert_eq(a->n, b->n, "%s: n", t);
	cr_assert_eq(a->value, b->value, "%s: value", t);
}

static struct trace_reader *open_ok(const uint8_t *data, size_t len)
{
	struct trace_reader *r = NULL;
	char err[256] = "";
	int ret;

	ret = trace_reader_open_mem(&r, data, len, NAME, err, sizeof(err));
	cr_assert_eq(ret, 0, "open: %d %s", ret, err);
	cr_assert_not_null(r);
	return r;
}

/* Read every event of @r and check them against @ev. */
static void check_sample_events(struct trace_reader *r, const struct trace_event *ev)
{
	struct trace_event e;
	char err[256] = "";
	unsigned int i;
	int ret;

	for (i = 0; i < SAMPLE_NEVENTS; i++) {
		ret = trace_next(r, &e, err, sizeof(err));
		cr_assert_eq(ret, 1, "event %u: %d %s", i, ret, err);
		check_event_eq(&e, &ev[i]);
	}
	cr_assert_eq(trace_next(r, &e, err, sizeof(err)), 0, "%s", err);
	/* The end stays the end. */
	cr_assert_eq(trace_next(r, &e, err, sizeof(err)), 0, "%s", err);
}

Test(trace, round_trip, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	const struct trace_header *h;
	struct trace_header want;
	struct trace_reader *r;
	const uint8_t *data;
	unsigned int i;
	size_t len;

	write_sample(w, ev);
	data = trace_writer_data(w, &len);
	r = open_ok(data, len);

	make_header(&want);
	h = trace_reader_header(r);
	cr_assert_eq(h->build_id_len, want.build_id_len);
	cr_assert_arr_eq(h->build_id, want.build_id, want.build_id_len);
	cr_assert_str_eq(h->program, want.program);
	cr_assert_str_eq(h->strategy, want.strategy);
	cr_assert_eq(h->seed, want.seed);
	cr_assert_eq(h->ncpus, want.ncpus);

	check_sample_events(r, ev);
	for (i = 0; i < 3; i++)
		cr_assert_str_eq(trace_reader_string(r, i + 1), sample_strings[i]);
	cr_assert_null(trace_reader_string(r, 0));
	cr_assert_null(trace_reader_string(r, 4));
	cr_assert_null(trace_reader_string(r, UINT32_MAX));
	trace_reader_close(r);
	trace_writer_destroy(w);
}

Test(trace, preamble_bytes, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_header h;
	const uint8_t *d;
	size_t len;

	make_header(&h);
	trace_writer_begin(w, &h);
	d = trace_writer_data(w, &len);
	cr_assert_geq(len, 12);
	cr_assert_eq(memcmp(d, "HVSIMTRC", 8), 0);
	/* u16 little-endian version, then the header's length. */
	cr_assert_eq(d[8], TRACE_VERSION);
	cr_assert_eq(d[9], 0);
	cr_assert_eq((size_t)(d[10] | d[11] << 8), len - 12);
	cr_assert_eq(d[12], 20, "build-id length");
	trace_writer_destroy(w);
}

Test(trace, header_limits, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	const struct trace_header *got;
	struct trace_reader *r;
	struct trace_header h;
	const uint8_t *data;
	size_t len;

	memset(&h, 0, sizeof(h));
	h.build_id_len = sizeof(h.build_id);
	memset(h.build_id, 0xee, sizeof(h.build_id));
	memset(h.program, 'p', sizeof(h.program) - 1);
	memset(h.strategy, 's', sizeof(h.strategy) - 1);
	h.seed = UINT64_MAX;
	h.ncpus = UINT32_MAX;
	trace_writer_begin(w, &h);
	data = trace_writer_data(w, &len);
	r = open_ok(data, len);
	got = trace_reader_header(r);
	cr_assert_eq(memcmp(got, &h, sizeof(h)), 0);
	trace_reader_close(r);

	/* And the smallest header: nothing but zeros. */
	memset(&h, 0, sizeof(h));
	trace_writer_begin(w, &h);
	data = trace_writer_data(w, &len);
	r = open_ok(data, len);
	cr_assert_eq(memcmp(trace_reader_header(r), &h, sizeof(h)), 0);
	trace_reader_close(r);
	trace_writer_destroy(w);
}

Test(trace, interning, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_header h;
	size_t before, after;
	char buf[32];
	uint32_t i;

	make_header(&h);
	trace_writer_begin(w, &h);
	cr_assert_eq(trace_string(w, "a"), 1);
	cr_assert_eq(trace_string(w, "b"), 2);
	cr_assert_eq(trace_string(w, ""), 3);
	cr_assert_eq(trace_string(w, NULL), 0);
	trace_writer_data(w, &before);
	/* A string already interned emits nothing. */
	strcpy(buf, "a");
	cr_assert_eq(trace_string(w, buf), 1);
	cr_assert_eq(trace_string(w, "b"), 2);
	trace_writer_data(w, &after);
	cr_assert_eq(before, after);

	/* Enough strings to grow the table several times; ids stay put. */
	for (i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "task%u", i);
		cr_assert_eq(trace_string(w, buf), 4 + i);
	}
	for (i = 0; i < 5000; i += 7) {
		snprintf(buf, sizeof(buf), "task%u", i);
		cr_assert_eq(trace_string(w, buf), 4 + i);
	}
	cr_assert_eq(trace_string(w, "a"), 1);

	/* A new trace starts its ids again and redefines its strings. */
	trace_writer_begin(w, &h);
	cr_assert_eq(trace_string(w, "task7"), 1);
	cr_assert_eq(trace_string(w, "a"), 2);
	trace_writer_destroy(w);
}

Test(trace, many_strings_read_back, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_reader *r;
	struct trace_header h;
	struct trace_event e;
	const uint8_t *data;
	char buf[32], err[256];
	uint32_t i;
	size_t len;

	make_header(&h);
	trace_writer_begin(w, &h);
	for (i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "s%u", i * 31);
		cr_assert_eq(trace_string(w, buf), i + 1);
	}
	memset(&e, 0, sizeof(e));
	e.type = TR_END;
	trace_emit(w, &e);
	data = trace_writer_data(w, &len);
	r = open_ok(data, len);
	cr_assert_eq(trace_next(r, &e, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(e.type, TR_END);
	cr_assert_eq(trace_next(r, &e, err, sizeof(err)), 0, "%s", err);
	for (i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "s%u", i * 31);
		cr_assert_str_eq(trace_reader_string(r, i + 1), buf);
	}
	cr_assert_null(trace_reader_string(r, 3001));
	trace_reader_close(r);
	trace_writer_destroy(w);
}

Test(trace, deterministic_bytes, .timeout = 10)
{
	struct trace_writer *a = trace_writer_create();
	struct trace_writer *b = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	const uint8_t *da, *db;
	size_t la, lb;
	uint8_t *first;

	write_sample(a, ev);
	write_sample(b, ev);
	da = trace_writer_data(a, &la);
	db = trace_writer_data(b, &lb);
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(da, db, la), 0);

	/* The same writer, begun again, gives the same bytes too. */
	first = malloc(la);
	cr_assert_not_null(first);
	memcpy(first, da, la);
	write_sample(a, ev);
	da = trace_writer_data(a, &la);
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(da, first, la), 0);
	free(first);
	trace_writer_destroy(a);
	trace_writer_destroy(b);
}

/* @a, then @extra, then @b: a trace with a record spliced in. */
static uint8_t *concat3(const uint8_t *a, size_t alen, const uint8_t *extra, size_t elen,
		       const uint8_t *b, size_t blen)
{
	uint8_t *out = malloc(alen + elen + blen + 1);

	cr_assert_not_null(out);
	memcpy(out, a, alen);
	memcpy(out + alen, extra, elen);
	if (blen)
		memcpy(out + alen + elen, b, blen);
	return out;
}

/* The sample trace with @extra spliced in before its first event. */
static uint8_t *sample_with(const uint8_t *extra, size_t elen, size_t *len,
			    struct trace_event ev[SAMPLE_NEVENTS])
{
	struct trace_writer *w = trace_writer_create();
	struct trace_header h;
	const uint8_t *data;
	size_t head, total;
	uint8_t *out;
	unsigned int i;

	make_header(&h);
	trace_writer_begin(w, &h);
	for (i = 0; i < 3; i++)
		trace_string(w, sample_strings[i]);
	trace_writer_data(w, &head);
	sample_events(ev, 1, 3);
	for (i = 0; i < SAMPLE_NEVENTS; i++)
		trace_emit(w, &ev[i]);
	data = trace_writer_data(w, &total);
	out = concat3(data, head, extra, elen, data + head, total - head);
	*len = total + elen;
	trace_writer_destroy(w);
	return out;
}

Test(trace, skips_unknown_types, .timeout = 10)
{
	static const uint8_t unknown[] = {
		200, 3, 0xaa, 0xbb, 0xcc,	/* a later version's record */
		0, 0,				/* type 0, empty payload */
		TR_NR_TYPES, 1, 0x80,		/* payload need not parse */
		255, 0x81, 0x01,		/* 129-byte payload follows */
	};
	uint8_t extra[sizeof(unknown) + 129];
	struct trace_event ev[SAMPLE_NEVENTS];
	struct trace_reader *r;
	uint8_t *data;
	size_t len;

	memcpy(extra, unknown, sizeof(unknown));
	memset(extra + sizeof(unknown), 0xff, 129);
	data = sample_with(extra, sizeof(extra), &len, ev);
	r = open_ok(data, len);
	check_sample_events(r, ev);
	trace_reader_close(r);
	free(data);
}

Test(trace, ignores_appended_fields, .timeout = 10)
{
	/* A park record with a fifth field a later version might add. */
	static const uint8_t park[] = { TR_PARK, 6, 1, 2, 3, 4, 0x80, 0x01 };
	struct trace_event ev[SAMPLE_NEVENTS], e;
	struct trace_reader *r;
	char err[256];
	uint8_t *data;
	size_t len;

	data = sample_with(park, sizeof(park), &len, ev);
	r = open_ok(data, len);
	cr_assert_eq(trace_next(r, &e, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(e.type, TR_PARK);
	cr_assert_eq(e.step, 1);
	cr_assert_eq(e.cpu, 2);
	cr_assert_eq(e.task, 3);
	cr_assert_eq(e.cycle, 4);
	check_sample_events(r, ev);
	trace_reader_close(r);
	free(data);
}

Test(trace, skips_appended_header_fields, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	static const uint8_t more[] = { 0xaa, 0xbb, 0xcc };
	struct trace_reader *r;
	const uint8_t *data;
	size_t len, hlen;
	uint8_t *patched;

	write_sample(w, ev);
	data = trace_writer_data(w, &len);
	hlen = data[10] | (size_t)data[11] << 8;
	patched = concat3(data, 12 + hlen, more, sizeof(more), data + 12 + hlen,
			 len - 12 - hlen);
	patched[10] = (uint8_t)(hlen + sizeof(more));
	patched[11] = (uint8_t)((hlen + sizeof(more)) >> 8);
	r = open_ok(patched, len + sizeof(more));
	cr_assert_eq(trace_reader_header(r)->ncpus, 4);
	check_sample_events(r, ev);
	trace_reader_close(r);
	free(patched);
	trace_writer_destroy(w);
}

/* Open @data and read it to the end; the error, if any, must be clean. */
static int read_all(const uint8_t *data, size_t len, unsigned int *events, char *err,
		    size_t errlen)
{
	struct trace_reader *r;
	struct trace_event e;
	int ret;

	*events = 0;
	err[0] = '\0';
	ret = trace_reader_open_mem(&r, data, len, NAME, err, errlen);
	if (ret) {
		cr_assert_eq(ret, -EINVAL, "open gave %d", ret);
		cr_assert_null(r);
		return ret;
	}
	while ((ret = trace_next(r, &e, err, errlen)) == 1) {
		cr_assert_lt(e.type, TR_NR_TYPES);
		(*events)++;
	}
	cr_assert(ret == 0 || ret == -EINVAL, "trace_next gave %d", ret);
	/* A failure is sticky. */
	if (ret)
		cr_assert_eq(trace_next(r, &e, err, errlen), -EINVAL);
	trace_reader_close(r);
	return ret;
}

Test(trace, every_truncation_is_clean, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	unsigned int events, clean_ends = 0;
	const uint8_t *data;
	size_t len, cut;
	char err[256];
	int ret;

	write_sample(w, ev);
	data = trace_writer_data(w, &len);
	for (cut = 0; cut <= len; cut++) {
		/* A copy of exactly @cut bytes, so ASan sees any over-read. */
		uint8_t *part = malloc(cut ? cut : 1);

		cr_assert_not_null(part);
		memcpy(part, data, cut);
		ret = read_all(part, cut, &events, err, sizeof(err));
		if (ret) {
			cr_assert_not_null(strstr(err, NAME ": "), "message: %s", err);
			cr_assert_neq(strstr(err, "byte "), NULL, "message: %s", err);
		} else {
			clean_ends++;
		}
		if (cut == len) {
			cr_assert_eq(ret, 0, "%s", err);
			cr_assert_eq(events, SAMPLE_NEVENTS);
		}
		free(part);
	}
	/*
	 * Only after the end record (a run's last): every cut before it, at a
	 * record boundary or not, is a truncated trace.
	 */
	cr_assert_eq(clean_ends, SAMPLE_NEVENTS - (TR_END - TR_ACCESS));
	trace_writer_destroy(w);
}

Test(trace, corruption_never_crashes, .timeout = 10)
{
	static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff, TR_STRING, 200 };
	struct trace_writer *w = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	const uint8_t *data;
	unsigned int events;
	uint8_t *copy;
	char err[256];
	size_t len, i, j;

	write_sample(w, ev);
	data = trace_writer_data(w, &len);
	copy = malloc(len);
	cr_assert_not_null(copy);
	for (i = 0; i < len; i++) {
		for (j = 0; j < sizeof(values); j++) {
			memcpy(copy, data, len);
			copy[i] = values[j];
			read_all(copy, len, &events, err, sizeof(err));
		}
	}
	free(copy);
	trace_writer_destroy(w);
}

static void check_open_fails(const uint8_t *data, size_t len, const char *want)
{
	struct trace_reader *r = (struct trace_reader *)1;
	char err[256] = "";
	int ret;

	ret = trace_reader_open_mem(&r, data, len, "bad.trc", err, sizeof(err));
	cr_assert_eq(ret, -EINVAL, "gave %d: %s", ret, err);
	cr_assert_null(r);
	cr_assert_not_null(strstr(err, "bad.trc: "), "message does not name the file: %s", err);
	cr_assert_not_null(strstr(err, want), "message \"%s\" lacks \"%s\"", err, want);
}

Test(trace, rejects_bad_magic, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	const uint8_t *data;
	uint8_t *copy;
	size_t len;

	write_sample(w, ev);
	data = trace_writer_data(w, &len);
	copy = malloc(len);
	cr_assert_not_null(copy);
	memcpy(copy, data, len);
	copy[0] = 'X';
	check_open_fails(copy, len, "bad.trc: byte 0: bad magic: not an hvsim trace");
	check_open_fails((const uint8_t *)"#!/bin/sh\n", 10, "bad magic");
	check_open_fails((const uint8_t *)"", 0, "truncated header");
	check_open_fails(data, 5, "truncated header");
	check_open_fails(data, 11, "truncated header");
	free(copy);
	trace_writer_destroy(w);
}

Test(trace, rejects_other_versions, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	const uint8_t *data;
	uint8_t *copy;
	char want[64];
	size_t len;

	write_sample(w, ev);
	data = trace_writer_data(w, &len);
	copy = malloc(len);
	cr_assert_not_null(copy);
	memcpy(copy, data, len);
	copy[8] = TRACE_VERSION + 1;
	snprintf(want, sizeof(want), "bad.trc: trace version %d, this hvsim reads %d",
		 TRACE_VERSION + 1, TRACE_VERSION);
	check_open_fails(copy, len, want);
	/* The high byte counts: version 256 + N is not version N. */
	copy[8] = TRACE_VERSION;
	copy[9] = 1;
	snprintf(want, sizeof(want), "trace version %d,", 256 + TRACE_VERSION);
	check_open_fails(copy, len, want);
	copy[8] = 0;
	copy[9] = 0;
	check_open_fails(copy, len, "trace version 0,");
	free(copy);
	trace_writer_destroy(w);
}

Test(trace, rejects_bad_header, .timeout = 10)
{
	/* This version; header length and body vary. */
	uint8_t buf[64] = "HVSIMTRC";
	size_t n;

	buf[8] = TRACE_VERSION;
	/* Header length past the end of the file. */
	buf[10] = 40;
	buf[11] = 0;
	check_open_fails(buf, 12, "byte 10: header length 40 overruns the file");
	/* Build id longer than a trace_header holds. */
	buf[10] = 1;
	buf[12] = 33;
	check_open_fails(buf, 13, "build-id length 33 exceeds 32");
	/* Build id cut by the header's end. */
	buf[10] = 3;
	buf[12] = 4;
	check_open_fails(buf, 15, "build id overruns");
	/* Program name one byte too long. */
	n = 12;
	buf[n++] = 0;
	buf[n++] = 64;
	memset(buf + n, 'p', 64 - n);
	buf[10] = 2;
	check_open_fails(buf, sizeof(buf), "program 64 exceeds 63");
	/* A NUL inside the program name. */
	buf[13] = 2;
	buf[14] = 'a';
	buf[15] = '\0';
	buf[10] = 4;
	check_open_fails(buf, 16, "program contains a NUL byte");
	/* Header ending before its seed. */
	buf[13] = 1;
	buf[15] = 0;
	buf[10] = 4;
	check_open_fails(buf, 16, "header ends before its seed");
	/* Seed as an eleven-byte varint. */
	buf[10] = 15;
	memset(buf + 16, 0x80, 10);
	buf[26] = 0;
	check_open_fails(buf, 27, "seed is not a varint");
}

Test(trace, rejects_bad_records, .timeout = 10)
{
	static const struct {
		uint8_t rec[16];
		size_t len;
		const char *want;
	} bad[] = {
		{ { TR_PARK }, 1, "truncated record" },
		{ { TR_PARK, 0x80 }, 2, "truncated record" },
		{ { 200, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0 }, 12,
		  "record length is not a varint" },
		{ { TR_PARK, 5, 1, 2, 3 }, 5, "record payload overruns the file" },
		{ { 200, 2, 0 }, 3, "record payload overruns the file" },
		{ { TR_PARK, 3, 1, 2, 3 }, 5, "park record ends before its cycle" },
		{ { TR_PARK, 4, 1, 2, 3, 0x80 }, 6, "park record ends before its cycle" },
		{ { TR_SWITCH, 7, 1, 2, 3, 4, 5, 6, 0x80 }, 9, "switch record ends before its preempt" },
		{ { TR_SWITCH, 8, 1, 2, 3, 4, 5, 6, 0x80, 0x02 }, 10,
		  "switch record: preempt 256 exceeds 255" },
		{ { TR_PARK, 8, 1, 0x80, 0x80, 0x80, 0x80, 0x10, 3, 4 }, 10,
		  "park record: cpu 4294967296 exceeds 4294967295" },
		{ { TR_STRING, 3, 1, 2, 'x' }, 5, "string of 2 bytes overruns its record" },
		{ { TR_STRING, 3, 0, 1, 'x' }, 5, "string id 0 is reserved" },
		{ { TR_STRING, 3, 1, 1, 'x', TR_STRING, 3, 1, 1, 'y' }, 10,
		  "string id 1 defined twice" },
		{ { TR_STRING, 4, 2, 2, 'x', 0 }, 6, "string id 2 contains a NUL byte" },
		{ { TR_STRING, 1, 1 }, 3, "string record ends before its length" },
	};
	struct trace_writer *w = trace_writer_create();
	struct trace_header h;
	const uint8_t *head;
	unsigned int events;
	size_t hlen, i;
	char err[256];
	uint8_t *data;
	int ret;

	make_header(&h);
	trace_writer_begin(w, &h);
	head = trace_writer_data(w, &hlen);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		data = concat3(head, hlen, bad[i].rec, bad[i].len, NULL, 0);
		ret = read_all(data, hlen + bad[i].len, &events, err, sizeof(err));
		cr_assert_eq(ret, -EINVAL, "case %zu: %d", i, ret);
		cr_assert_eq(events, 0);
		cr_assert_not_null(strstr(err, NAME ": byte "), "case %zu: %s", i, err);
		cr_assert_not_null(strstr(err, bad[i].want), "case %zu: \"%s\" lacks \"%s\"",
				   i, err, bad[i].want);
		free(data);
	}
	trace_writer_destroy(w);
}

Test(trace, error_names_the_offset, .timeout = 10)
{
	static const uint8_t cut[] = { TR_PARK, 9, 1 };
	struct trace_writer *w = trace_writer_create();
	struct trace_header h;
	const uint8_t *head;
	unsigned int events;
	char err[256], want[64];
	uint8_t *data;
	size_t hlen;

	make_header(&h);
	trace_writer_begin(w, &h);
	head = trace_writer_data(w, &hlen);
	data = concat3(head, hlen, cut, sizeof(cut), NULL, 0);
	cr_assert_eq(read_all(data, hlen + sizeof(cut), &events, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), NAME ": byte %zu: record payload overruns the file", hlen);
	cr_assert_str_eq(err, want);
	free(data);
	trace_writer_destroy(w);
}

Test(trace, file_round_trip, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event ev[SAMPLE_NEVENTS];
	char path[] = "/tmp/hvsim-test-trace-XXXXXX";
	struct trace_reader *r;
	const uint8_t *data;
	char err[256] = "";
	size_t len;
	int fd;

	write_sample(w, ev);
	data = trace_writer_data(w, &len);
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, data, len), (ssize_t)len);
	close(fd);

	cr_assert_eq(trace_reader_open_file(&r, path, err, sizeof(err)), 0, "%s", err);
	cr_assert_str_eq(trace_reader_header(r)->program, "lapic_ipi");
	check_sample_events(r, ev);
	cr_assert_str_eq(trace_reader_string(r, 3), sample_strings[2]);
	trace_reader_close(r);

	/* Errors from a file name the file. */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "HVSIMTRC\x07\x00\x00\x00", 12), 12);
	close(fd);
	cr_assert_eq(trace_reader_open_file(&r, path, err, sizeof(err)), -EINVAL);
	cr_assert_not_null(strstr(err, path), "%s", err);
	cr_assert_not_null(strstr(err, "trace version 7"), "%s", err);
	unlink(path);
	trace_writer_destroy(w);
}

Test(trace, open_file_missing, .timeout = 10)
{
	const char *path = "/tmp/hvsim-no-such-dir/missing.trc";
	struct trace_reader *r = (struct trace_reader *)1;
	char err[256] = "";
	char want[256];

	cr_assert_eq(trace_reader_open_file(&r, path, err, sizeof(err)), -ENOENT);
	cr_assert_null(r);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	cr_assert_str_eq(err, want);
}

Test(trace, open_file_directory, .timeout = 10)
{
	struct trace_reader *r;
	char err[256] = "";

	cr_assert_eq(trace_reader_open_file(&r, "/tmp", err, sizeof(err)), -EISDIR, "%s", err);
	cr_assert_not_null(strstr(err, "/tmp: "), "%s", err);
}

Test(trace, names, .timeout = 10)
{
	cr_assert_str_eq(trace_type_name(TR_STRING), "string");
	cr_assert_str_eq(trace_type_name(TR_ACCESS), "access");
	cr_assert_str_eq(trace_type_name(TR_SPAWN), "spawn");
	cr_assert_str_eq(trace_type_name(TR_SWITCH), "switch");
	cr_assert_str_eq(trace_type_name(TR_PARK), "park");
	cr_assert_str_eq(trace_type_name(TR_WAKE), "wake");
	cr_assert_str_eq(trace_type_name(TR_EXIT), "exit");
	cr_assert_str_eq(trace_type_name(TR_DECISION), "decision");
	cr_assert_str_eq(trace_type_name(TR_END), "end");
	cr_assert_str_eq(trace_type_name(TR_CPU), "cpu");
	cr_assert_str_eq(trace_type_name(TR_IPI), "ipi");
	cr_assert_str_eq(trace_type_name(0), "?");
	cr_assert_str_eq(trace_type_name(TR_NR_TYPES), "?");
	cr_assert_str_eq(trace_type_name(200), "?");
	cr_assert_str_eq(trace_region_name(TR_REGION_NONE), "none");
	cr_assert_str_eq(trace_region_name(TR_REGION_UNKNOWN), "unknown");
	cr_assert_str_eq(trace_region_name(TR_REGION_DATA), "data");
	cr_assert_str_eq(trace_region_name(TR_REGION_BSS), "bss");
	cr_assert_str_eq(trace_region_name(TR_REGION_STACK), "stack");
	cr_assert_str_eq(trace_region_name(TR_REGION_HEAP), "heap");
	cr_assert_str_eq(trace_region_name(TR_REGION_HEAP + 1), "?");
	cr_assert_str_eq(trace_type_name(TR_LOCK), "lock");
	cr_assert_str_eq(trace_type_name(TR_WINDOW), "window");
	cr_assert_str_eq(trace_lock_kind_name(TR_LOCK_CONTENDED), "contended");
	cr_assert_str_eq(trace_lock_kind_name(TR_LOCK_CONTENDED + 1), "?");
	cr_assert_str_eq(trace_lock_type_name(TR_LOCK_WRITE), "write");
	cr_assert_str_eq(trace_cpu_state_name(TR_CPU_ACTIVE), "active");
	cr_assert_str_eq(trace_cpu_state_name(TR_NR_CPU_STATES), "?");
	cr_assert_str_eq(trace_report_kind_name(TR_REPORT_RACE), "race");
	cr_assert_str_eq(trace_mark_kind_name(TR_MARK_SITE), "site");
	cr_assert_str_eq(trace_mark_kind_name(~0u), "?");
	cr_assert_str_eq(trace_region_name(~0u), "?");
}

Test(trace, emit_string_type_is_a_bug, .signal = SIGABRT, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event e = { .type = TR_STRING };
	struct trace_header h;

	make_header(&h);
	trace_writer_begin(w, &h);
	trace_emit(w, &e);
}

Test(trace, emit_before_begin_is_a_bug, .signal = SIGABRT, .timeout = 10)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_event e = { .type = TR_PARK };

	trace_emit(w, &e);
}

/* ---- a window appended to a finished trace (sim_trace_add_window) ---- */

/*
 * A short run's trace, malloc'd: two tasks spawned, accesses on two
 * CPUs, a switch on CPU 1 to task 2 before step 5 and task 3 there after
 * it, the end. Its strings are ids 1 to 3.
 */
static uint8_t *window_run(size_t *len)
{
	struct trace_writer *w = trace_writer_create();
	const struct trace_event ev[] = {
		{ .type = TR_SPAWN, .cpu = 0, .task = 0 },
		{ .type = TR_SPAWN, .cpu = 1, .task = 1 },
		{ .type = TR_ACCESS, .step = 1, .cpu = 0, .task = 0, .cycle = 4, .size = 4 },
		{ .type = TR_ACCESS, .step = 2, .cpu = 1, .task = 1, .cycle = 4, .size = 4 },
		{ .type = TR_SWITCH, .step = 3, .cpu = 1, .task = 1, .cycle = 8, .to_cpu = 1,
		  .to_task = 2 },
		{ .type = TR_ACCESS, .step = 4, .cpu = 0, .task = 0, .cycle = 8, .size = 4 },
		{ .type = TR_ACCESS, .step = 9, .cpu = 1, .task = 3, .cycle = 40, .size = 4 },
		{ .type = TR_END, .step = 9, .kind = 1 },
	};
	struct trace_header h;
	const uint8_t *data;
	uint8_t *copy;
	uint32_t names[2];

	make_header(&h);
	trace_writer_begin(w, &h);
	names[0] = trace_string(w, "vcpu0");
	names[1] = trace_string(w, "vcpu1");
	for (size_t i = 0; i < sizeof(ev) / sizeof(ev[0]); i++) {
		struct trace_event e = ev[i];

		if (e.type == TR_SPAWN)
			e.str = names[e.task];
		if (e.type == TR_END)
			e.str = trace_string(w, "WARNING in f");
		trace_emit(w, &e);
	}
	data = trace_writer_data(w, len);
	copy = malloc(*len);
	cr_assert_not_null(copy);
	memcpy(copy, data, *len);
	trace_writer_destroy(w);
	return copy;
}

static const struct sim_window sample_window = {
	.found = true, .what = "preemption", .step = 5, .from_cpu = 1, .to_cpu = 0,
	.cycle = 24, .early_steps = 2, .late_steps = 1, .early_cycles = 12, .late_cycles = 4,
};

/*
 * The window goes after the end record, with its 'what' as string 4 (the
 * highest the trace defined was 3), at the decisive step on the CPU it was
 * decided on, with the task running there then (task 2, switched to at
 * step 3, not task 3 of a later step); what came before reads as it did.
 */
Test(trace, window_appended_reads_back, .timeout = 10)
{
	struct trace_reader *r;
	struct trace_event e;
	size_t len, orig;
	uint8_t *data = window_run(&len);
	unsigned int n = 0;
	char err[256] = "";
	bool ended = false;

	orig = len;
	cr_assert_eq(sim_trace_add_window(&data, &len, &sample_window, err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_gt(len, orig);
	r = open_ok(data, len);
	while (trace_next(r, &e, err, sizeof(err)) == 1) {
		n++;
		if (e.type != TR_WINDOW) {
			cr_expect(!ended, "%s after the end", trace_type_name(e.type));
			ended |= e.type == TR_END;
			continue;
		}
		cr_expect(ended, "the window comes after the end");
		cr_expect_eq(e.step, 5);
		cr_expect_eq(e.cpu, 1);
		cr_expect_eq(e.task, 2);
		cr_expect_eq(e.cycle, 24);
		cr_expect_eq(e.to_cpu, 0);
		cr_expect_eq(e.args[0], 2);
		cr_expect_eq(e.args[1], 1);
		cr_expect_eq(e.args[2], 12);
		cr_expect_eq(e.args[3], 4);
		cr_expect_eq(e.str, 4);
		cr_expect_str_eq(trace_reader_string(r, e.str), "preemption");
	}
	cr_expect_eq(n, 9, "%u events", n);
	cr_expect_str_eq(trace_reader_string(r, 3), "WARNING in f");
	trace_reader_close(r);
	free(data);
}

/*
 * Cut inside the appended records, the trace is an error at the start of
 * the record cut (its string's, or the window's); cut between them, it
 * reads to its end without a window. A trace already cut short is refused,
 * and left as it was, as is a window that was not found.
 */
Test(trace, a_cut_window_is_an_error_naming_its_offset, .timeout = 10)
{
	struct sim_window none = { .found = false };
	size_t len, orig, string_rec, window_rec;
	uint8_t *data = window_run(&len);
	char err[256], want[64];
	unsigned int events;
	int ret;

	orig = len;
	cr_assert_eq(sim_trace_add_window(&data, &len, &sample_window, err, sizeof(err)), 0, "%s",
		     err);
	/* The string record: type, length, id 4, length 10, "preemption". */
	string_rec = orig;
	window_rec = orig + 1 + 1 + 1 + 1 + 10;
	cr_assert_eq(data[string_rec], TR_STRING);
	cr_assert_eq(data[window_rec], TR_WINDOW);
	for (size_t cut = orig + 1; cut < len; cut++) {
		ret = read_all(data, cut, &events, err, sizeof(err));
		if (cut == window_rec) {
			cr_expect_eq(ret, 0, "cut at %zu: %s", cut, err);
			cr_expect_eq(events, 8);
			continue;
		}
		snprintf(want, sizeof(want), NAME ": byte %zu: ", cut < window_rec ? string_rec : window_rec);
		cr_expect_eq(ret, -EINVAL, "cut at %zu reads", cut);
		cr_expect(strstr(err, want) == err, "cut at %zu: %s", cut, err);
	}
	ret = sim_trace_add_window(&data, &(size_t){ orig - 1 }, &sample_window, err, sizeof(err));
	cr_expect_eq(ret, -EINVAL);
	cr_expect(strstr(err, "trace: byte ") == err, "%s", err);
	len = orig;
	cr_expect_eq(sim_trace_add_window(&data, &len, &none, err, sizeof(err)), -EINVAL);
	cr_expect_eq(len, orig);
	free(data);
}
