// SPDX-License-Identifier: MIT
/*
 * hvsim export --perfetto as a user runs it: a real scenario's trace
 * exported and read back with a JSON parser (jansson), checked against the
 * trace it came from; bad traces and bad arguments exit 2 with one line.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clirun.h"
#include "engine/trace.h"
#include "hvsim/trace.h"
#include "synth.h"

#ifndef HVSIM_BIN
#error "HVSIM_BIN must name the hvsim binary"
#endif

#define MAX_TRACKS	64

#define HVSIM(...) cli_run(HVSIM_BIN, (const char *const[]){ __VA_ARGS__, NULL })

/* The hot-add scenario's failing run, traced; its path into @trace. */
static void scenario_trace(char *trace, size_t len)
{
	struct cli_run r;

	cli_tmp_path(trace, len, ".trace");
	r = HVSIM("run", HVSIM_SOURCE_DIR "/scenarios/hotplug-compat.scn", "--variant", "no-lock",
		  "--trace", trace);
	cr_assert(r.status == 0 || r.status == 1, "run: exit %d: %s", r.status, r.err);
	cr_assert_eq(access(trace, R_OK), 0, "no trace written");
}

static json_t *export_and_load(const char *trace, char *json, size_t len)
{
	json_error_t jerr;
	struct cli_run r;
	json_t *root;

	cli_tmp_path(json, len, ".json");
	r = HVSIM("export", trace, "--perfetto", json);
	cr_assert_eq(r.status, 0, "export: exit %d: %s", r.status, r.err);
	root = json_load_file(json, 0, &jerr);
	cr_assert_not_null(root, "%s:%d: %s", json, jerr.line, jerr.text);
	cr_assert(json_is_array(json_object_get(root, "traceEvents")));
	return root;
}

static const char *str_of(const json_t *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev, key));

	return s ? s : "";
}

static long tid_of(const json_t *ev)
{
	json_t *tid = json_object_get(ev, "tid");

	cr_assert(json_is_integer(tid), "an event without an integer tid");
	cr_assert(json_integer_value(tid) >= 0 && json_integer_value(tid) < MAX_TRACKS);
	return (long)json_integer_value(tid);
}

/* Each CPU's nominal MHz as the trace's TR_CPU records give it, and its ncpus. */
static unsigned int trace_mhz(const char *path, uint32_t mhz[MAX_TRACKS])
{
	struct trace_reader *tr;
	struct trace_event e;
	char err[256];
	unsigned int n;

	cr_assert_eq(trace_reader_open_file(&tr, path, err, sizeof(err)), 0, "%s", err);
	n = trace_reader_header(tr)->ncpus;
	while (trace_next(tr, &e, err, sizeof(err)) == 1)
		if (e.type == TR_CPU && e.cpu < MAX_TRACKS)
			mhz[e.cpu] = e.value;
	trace_reader_close(tr);
	return n;
}

/* The first TR_LOG record's CPU, cycle and text (copied into @text). */
static void trace_first_log(const char *path, unsigned int *cpu, uint64_t *cycle,
			    char *text, size_t len)
{
	struct trace_reader *tr;
	struct trace_event e;
	char err[256];

	cr_assert_eq(trace_reader_open_file(&tr, path, err, sizeof(err)), 0, "%s", err);
	text[0] = '\0';
	while (trace_next(tr, &e, err, sizeof(err)) == 1) {
		if (e.type != TR_LOG)
			continue;
		*cpu = e.cpu;
		*cycle = e.cycle;
		snprintf(text, len, "%s", trace_reader_string(tr, e.str));
		break;
	}
	trace_reader_close(tr);
	cr_assert(text[0], "the run logged nothing");
}

Test(export, scenario_trace_reads_back, .timeout = 60)
{
	char trace[64], json[64], text[256];
	uint32_t mhz[MAX_TRACKS] = { 0 };
	unsigned int ncpus, named[MAX_TRACKS] = { 0 }, log_cpu = 0;
	unsigned int task_slices = 0, irq_slices = 0, starts = 0, finishes = 0, log_seen = 0;
	unsigned int ipi_finishes = 0;
	double last_ts[MAX_TRACKS];
	const char *open_name[MAX_TRACKS][16];
	unsigned int depth[MAX_TRACKS] = { 0 };
	json_int_t start_ids[256];
	uint64_t log_cycle = 0;
	json_t *root, *events, *ev, *cpus;
	size_t i;

	scenario_trace(trace, sizeof(trace));
	ncpus = trace_mhz(trace, mhz);
	cr_assert_eq(ncpus, 3);
	for (unsigned int c = 0; c < ncpus; c++)
		cr_expect_eq(mhz[c], 3000, "CPU%u: skylake-sp is 3000 MHz, the trace says %u", c,
			     mhz[c]);
	trace_first_log(trace, &log_cpu, &log_cycle, text, sizeof(text));
	root = export_and_load(trace, json, sizeof(json));
	events = json_object_get(root, "traceEvents");

	for (i = 0; i < MAX_TRACKS; i++)
		last_ts[i] = -1;
	json_array_foreach(events, i, ev) {
		const char *ph = str_of(ev, "ph"), *name = str_of(ev, "name");
		long tid = tid_of(ev);
		double ts;

		cr_assert_eq(json_integer_value(json_object_get(ev, "pid")), 1);
		if (!strcmp(ph, "M")) {
			if (!strcmp(name, "thread_name")) {
				char want[16];

				snprintf(want, sizeof(want), "CPU%ld", tid);
				cr_expect_str_eq(str_of(json_object_get(ev, "args"), "name"), want);
				named[tid]++;
			}
			continue;
		}
		cr_assert(json_is_number(json_object_get(ev, "ts")), "%s %s without ts", ph, name);
		ts = json_number_value(json_object_get(ev, "ts"));
		cr_expect_geq(ts, last_ts[tid], "CPU%ld: %s %s at %f after %f", tid, ph, name, ts,
			      last_ts[tid]);
		last_ts[tid] = ts;

		if (!strcmp(ph, "B")) {
			cr_assert_lt(depth[tid], 16);
			open_name[tid][depth[tid]++] = name;
			if (!strcmp(str_of(ev, "cat"), "task")) {
				/* "name:id", the name from the task's spawn record. */
				cr_expect(strchr(name, ':') && name[0] != ':', "task slice '%s'", name);
				task_slices++;
			}
			irq_slices += !strcmp(name, "irq");
		} else if (!strcmp(ph, "E")) {
			cr_assert_gt(depth[tid], 0, "CPU%ld: E %s with nothing open", tid, name);
			cr_expect_str_eq(name, open_name[tid][--depth[tid]]);
		} else if (!strcmp(ph, "s")) {
			cr_assert_lt(starts, 256);
			start_ids[starts++] = json_integer_value(json_object_get(ev, "id"));
			cr_expect_gt(depth[tid], 0, "a flow's start outside any slice");
		} else if (!strcmp(ph, "f")) {
			json_int_t id = json_integer_value(json_object_get(ev, "id"));
			bool found = false;

			for (unsigned int k = 0; k < starts; k++)
				found |= start_ids[k] == id;
			cr_expect(found, "flow %lld finishes without a start", (long long)id);
			cr_expect_str_eq(str_of(ev, "bp"), "e");
			cr_expect_gt(depth[tid], 0, "a flow's finish outside any slice");
			finishes++;
			if (!strcmp(str_of(ev, "cat"), "ipi")) {
				/* An IPI's arrow ends in its target's handler. */
				cr_expect_str_eq(open_name[tid][depth[tid] - 1], "irq");
				ipi_finishes++;
			}
		} else if (!strcmp(ph, "i") && !strcmp(str_of(ev, "cat"), "log") &&
			   (unsigned long)tid == log_cpu && !log_seen) {
			/* Its time is its cycle at skylake-sp's 3000 MHz, to the nanosecond. */
			cr_expect_str_eq(str_of(json_object_get(ev, "args"), "text"), text);
			cr_expect(fabs(ts - (double)log_cycle / 3000.0) < 0.001,
				  "log line at %f us, its cycle %llu is %f us at 3000 MHz", ts,
				  (unsigned long long)log_cycle, (double)log_cycle / 3000.0);
			log_seen++;
		}
	}
	for (unsigned int c = 0; c < ncpus; c++) {
		cr_expect_eq(named[c], 1, "CPU%u: %u thread names", c, named[c]);
		cr_expect_eq(depth[c], 0, "CPU%u: %u slices left open", c, depth[c]);
	}
	for (unsigned int c = ncpus; c < MAX_TRACKS; c++)
		cr_expect_eq(named[c], 0);
	cr_expect_gt(task_slices, 0);
	cr_expect_gt(irq_slices, 0, "the hot-add's IPIs run handlers");
	cr_expect_gt(finishes, ipi_finishes, "no wake-up flow");
	cr_expect_gt(ipi_finishes, 0, "no IPI flow: hardware_enable_all() sends IPIs");
	cr_expect_eq(starts, finishes, "every flow drawn has both ends");
	cr_expect_eq(log_seen, 1);

	cpus = json_object_get(json_object_get(root, "metadata"), "cpus");
	cr_assert_eq(json_array_size(cpus), ncpus);
	json_array_foreach(cpus, i, ev) {
		cr_expect_eq(json_integer_value(json_object_get(ev, "mhz")), 3000);
		cr_expect_str_eq(str_of(ev, "clock"), "trace");
	}
	json_decref(root);
	unlink(json);
	unlink(trace);
}

/* A vCPU's guest mode: a slice from VM entry to VM exit, the exit's reason in its args. */
Test(export, guest_mode_slices_carry_the_exit_reason, .timeout = 60)
{
	char trace[64], json[64];
	unsigned int entries = 0, exits = 0, hlt = 0;
	json_t *root, *ev;
	struct cli_run r;
	size_t i;

	cli_tmp_path(trace, sizeof(trace), ".trace");
	r = HVSIM("run", HVSIM_SOURCE_DIR "/scenarios/kick-vcpu-cpu.scn", "--variant", "fixed",
		  "--trace", trace);
	cr_assert_eq(r.status, 0, "run: exit %d: %s", r.status, r.err);
	root = export_and_load(trace, json, sizeof(json));
	json_array_foreach(json_object_get(root, "traceEvents"), i, ev) {
		if (strcmp(str_of(ev, "name"), "guest"))
			continue;
		if (!strcmp(str_of(ev, "ph"), "B"))
			entries++;
		if (!strcmp(str_of(ev, "ph"), "E")) {
			const char *why = str_of(json_object_get(ev, "args"), "exit_reason");

			/* A name from the SDM's table (Vol. 3D Appendix C): HLT, here. */
			cr_expect(why[0] && strcmp(why, "?"), "exit reason '%s'", why);
			hlt += !strcmp(why, "HLT");
			exits++;
		}
	}
	cr_expect_gt(entries, 0, "no guest slice");
	cr_expect_eq(entries, exits);
	cr_expect_gt(hlt, 0, "the guest stand-in halts");
	json_decref(root);
	unlink(json);
	unlink(trace);
}

Test(export, same_trace_same_bytes, .timeout = 60)
{
	char trace[64], a[64], b[64], cmd[256];
	json_t *ja, *jb;

	scenario_trace(trace, sizeof(trace));
	ja = export_and_load(trace, a, sizeof(a));
	jb = export_and_load(trace, b, sizeof(b));
	snprintf(cmd, sizeof(cmd), "cmp -s %s %s", a, b);
	cr_expect_eq(system(cmd), 0, "%s and %s differ", a, b);
	json_decref(ja);
	json_decref(jb);
	unlink(a);
	unlink(b);
	unlink(trace);
}

/*
 * What every export must be: on each track, time never goes back, B and E
 * nest, async b and e pair up, every flow has both ends and its end is
 * inside a slice. Returns how many events had @cat.
 */
static unsigned int expect_well_formed(json_t *events, const char *cat)
{
	double last_ts[MAX_TRACKS];
	unsigned int depth[MAX_TRACKS] = { 0 }, n = 0;
	long open_async = 0, flows = 0;
	json_t *ev;
	size_t i;

	for (i = 0; i < MAX_TRACKS; i++)
		last_ts[i] = -1;
	json_array_foreach(events, i, ev) {
		const char *ph = str_of(ev, "ph");
		long tid = tid_of(ev);
		double ts;

		if (!strcmp(ph, "M"))
			continue;
		n += !strcmp(str_of(ev, "cat"), cat);
		ts = json_number_value(json_object_get(ev, "ts"));
		cr_expect_geq(ts, last_ts[tid], "CPU%ld: %s %s at %f after %f", tid, ph,
			      str_of(ev, "name"), ts, last_ts[tid]);
		last_ts[tid] = ts;
		if (!strcmp(ph, "B"))
			depth[tid]++;
		else if (!strcmp(ph, "E"))
			cr_assert_gt(depth[tid]--, 0, "CPU%ld: E with nothing open", tid);
		else if (!strcmp(ph, "b"))
			open_async++;
		else if (!strcmp(ph, "e"))
			open_async--;
		else if (!strcmp(ph, "s"))
			flows++;
		else if (!strcmp(ph, "f")) {
			flows--;
			cr_expect_gt(depth[tid], 0, "a flow's finish outside any slice");
		}
	}
	for (i = 0; i < MAX_TRACKS; i++)
		cr_expect_eq(depth[i], 0, "CPU%zu: slices left open", i);
	cr_expect_eq(open_async, 0, "async slices without their end");
	cr_expect_eq(flows, 0, "flows without their end");
	return n;
}

/* The event named @name with phase @ph, or NULL. */
static json_t *find_event(json_t *events, const char *ph, const char *name)
{
	json_t *ev;
	size_t i;

	json_array_foreach(events, i, ev)
		if (!strcmp(str_of(ev, "ph"), ph) && !strcmp(str_of(ev, "name"), name))
			return ev;
	return NULL;
}

/* The made-up trace of tests/synth.c: locks, spins, parks, hotplug states, requests, kicks, marks. */
Test(export, locks_hotplug_requests_and_marks, .timeout = 60)
{
	char trace[64], json[64];
	json_t *root, *events, *ev;

	cli_tmp_path(trace, sizeof(trace), ".trace");
	synth_write(trace);
	root = export_and_load(trace, json, sizeof(json));
	events = json_object_get(root, "traceEvents");
	cr_expect_eq(expect_well_formed(events, "lock"), 5, "two locks held, one contended");
	cr_expect_eq(expect_well_formed(events, "cpuhp"), 12, "six hotplug states");
	cr_expect_not_null(find_event(events, "b", "&kvm->lock"));
	cr_expect_not_null(find_event(events, "i", "contended: &kvm->lock"));
	cr_expect_not_null(find_event(events, "b", "spin"));
	cr_expect_not_null(find_event(events, "b", "vcpu-a:0 parked"));
	ev = find_event(events, "b", "CPU2 bringup");
	cr_assert_not_null(ev);
	cr_expect_str_eq(str_of(json_object_get(ev, "args"), "state"), "bringup");
	cr_expect_not_null(find_event(events, "f", "request"));
	cr_expect_not_null(find_event(events, "f", "kick"));
	ev = find_event(events, "s", "IPI");
	cr_assert_not_null(ev);
	cr_expect_str_eq(str_of(json_object_get(ev, "args"), "vector"), "0xfb");
	/* The marked write where it happened: CPU0, cycle 40 at 2000 MHz. */
	ev = find_event(events, "i", "write: vcpu_run");
	cr_assert_not_null(ev);
	cr_expect_eq(tid_of(ev), 0);
	cr_expect(fabs(json_number_value(json_object_get(ev, "ts")) - 0.020) < 1e-9);
	ev = find_event(events, "i", "read: vcpu_kick");
	cr_assert_not_null(ev);
	cr_expect_eq(tid_of(ev), 1);
	cr_expect(fabs(json_number_value(json_object_get(ev, "ts")) - 0.040) < 1e-9);
	ev = find_event(events, "i", "race report");
	cr_assert_not_null(ev);
	cr_expect_str_eq(str_of(json_object_get(ev, "args"), "title"), SYNTH_TITLE);
	ev = find_event(events, "i", "decisive preemption");
	cr_assert_not_null(ev);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(ev, "args"),
							 "cycles_later")), 40);
	cr_expect_not_null(json_object_get(json_object_get(root, "metadata"), "window"));
	json_decref(root);
	unlink(json);
	unlink(trace);
}

/* A trace from before TR_CPU (the fuzz corpus's): the default clock, and said so. */
Test(export, old_trace_uses_the_stated_default, .timeout = 30)
{
	char json[64];
	json_t *root, *cpus, *c;
	size_t i;

	root = export_and_load(HVSIM_SOURCE_DIR "/fuzz/corpus/trace/lost-update.trace", json,
			       sizeof(json));
	cpus = json_object_get(json_object_get(root, "metadata"), "cpus");
	cr_assert_gt(json_array_size(cpus), 0);
	json_array_foreach(cpus, i, c) {
		cr_expect_eq(json_integer_value(json_object_get(c, "mhz")), 1000);
		cr_expect(strstr(str_of(c, "clock"), "default") != NULL, "%s", str_of(c, "clock"));
	}
	json_decref(root);
	unlink(json);
}

/* A task named in bytes that are not UTF-8 (JSON's encoding) still exports, as '?'s. */
Test(export, names_that_are_not_utf8, .timeout = 30)
{
	struct trace_writer *w = trace_writer_create();
	struct trace_header h = { .ncpus = 1 };
	struct trace_event e = { 0 };
	char trace[64], json[64];
	const uint8_t *data;
	json_t *root, *ev;
	bool found = false;
	size_t len, i;
	FILE *f;

	strcpy(h.program, "bytes");
	strcpy(h.strategy, "timed");
	trace_writer_begin(w, &h);
	e.type = TR_SPAWN;
	e.str = trace_string(w, "k\xff\xfeworker");
	trace_emit(w, &e);
	e = (struct trace_event){ .type = TR_ACCESS, .cycle = 5, .kind = SIM_RELAX };
	trace_emit(w, &e);
	e = (struct trace_event){ .type = TR_END };
	trace_emit(w, &e);
	data = trace_writer_data(w, &len);
	cli_tmp_path(trace, sizeof(trace), ".trace");
	f = fopen(trace, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	trace_writer_destroy(w);

	root = export_and_load(trace, json, sizeof(json));
	json_array_foreach(json_object_get(root, "traceEvents"), i, ev)
		found |= !strcmp(str_of(ev, "name"), "k??worker:0");
	cr_expect(found, "no slice k??worker:0");
	json_decref(root);
	unlink(json);
	unlink(trace);
}

Test(export, truncated_trace_exits_2_with_one_line, .timeout = 60)
{
	char trace[64], cut[64], json[64];
	FILE *in, *out;
	char buf[65536];
	size_t n;
	struct cli_run r;

	scenario_trace(trace, sizeof(trace));
	in = fopen(trace, "rb");
	cr_assert_not_null(in);
	n = fread(buf, 1, sizeof(buf), in);
	fclose(in);
	cr_assert_gt(n, 100);
	cli_tmp_path(cut, sizeof(cut), ".trace");
	out = fopen(cut, "wb");
	cr_assert_not_null(out);
	cr_assert_eq(fwrite(buf, 1, n * 2 / 3, out), n * 2 / 3);
	fclose(out);
	cli_tmp_path(json, sizeof(json), ".json");
	r = HVSIM("export", cut, "--perfetto", json);
	cli_expect_one_line_error(&r, cut);
	cr_expect(strstr(r.err, "byte ") != NULL, "no offset in: %s", r.err);
	cr_expect_neq(access(json, F_OK), 0, "a bad trace left %s behind", json);
	unlink(cut);
	unlink(trace);
}

Test(export, missing_file_and_bad_arguments_exit_2, .timeout = 30)
{
	struct cli_run r;

	r = HVSIM("export", "/nonexistent/x.trace", "--perfetto", "/tmp/hvsim-export-never.json");
	cli_expect_one_line_error(&r, "/nonexistent/x.trace");
	r = HVSIM("export");
	cli_expect_one_line_error(&r, "usage: hvsim export TRACE --perfetto FILE.json");
	r = HVSIM("export", "x.trace");
	cli_expect_one_line_error(&r, "usage:");
	r = HVSIM("export", "x.trace", "--perfetto");
	cli_expect_one_line_error(&r, "usage:");
	r = HVSIM("export", "x.trace", "--json", "y.json");
	cli_expect_one_line_error(&r, "usage:");
	r = HVSIM("export", "a.trace", "b.trace", "--perfetto", "y.json");
	cli_expect_one_line_error(&r, "usage:");
}

/*
 * The trace fuzzer's corpus, whole, cut short and with bytes flipped:
 * exported, or refused with one line, never a crash.
 */
Test(export, fuzz_corpus_never_crashes, .timeout = 120)
{
	char json[64], bad[64];

	cli_tmp_path(json, sizeof(json), ".json");
	cli_tmp_path(bad, sizeof(bad), ".trace");
	cr_expect_gt(cli_corpus_check(HVSIM_BIN, HVSIM_SOURCE_DIR "/fuzz/corpus/trace",
				      (const char *const[]){ "export", "@", "--perfetto", json,
							     NULL }, bad, NULL),
		     0, "an empty corpus");
	unlink(json);
}
