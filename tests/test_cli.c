// SPDX-License-Identifier: MIT
/*
 * The hvsim command as a user runs it: exit codes, messages, replay lines,
 * and determinism across separate processes.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "synth.h"
#include "hvsim/trace.h"

#ifndef HVSIM_BIN
#error "HVSIM_BIN must name the hvsim binary"
#endif

struct run {
	int status;		/* exit code, or 128 + signal */
	char out[65536];	/* stdout */
	char err[8192];		/* stderr */
};

static void slurp(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t k;

	while (n + 1 < cap && (k = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = '\0';
}

/* Run hvsim with @argv (NULL-terminated, without argv[0]). */
static struct run *hvsim(const char *const *argv)
{
	struct run *r = calloc(1, sizeof(*r));
	const char *args[32] = { HVSIM_BIN };
	char outf[] = "/tmp/hvsim-cli-out-XXXXXX", errf[] = "/tmp/hvsim-cli-err-XXXXXX";
	int ofd = mkstemp(outf), efd = mkstemp(errf), st;
	pid_t pid;

	cr_assert(r && ofd >= 0 && efd >= 0);
	for (int i = 0; argv[i]; i++)
		args[i + 1] = argv[i];
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		dup2(ofd, 1);
		dup2(efd, 2);
		execv(HVSIM_BIN, (char *const *)args);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	lseek(ofd, 0, SEEK_SET);
	lseek(efd, 0, SEEK_SET);
	slurp(ofd, r->out, sizeof(r->out));
	slurp(efd, r->err, sizeof(r->err));
	close(ofd);
	close(efd);
	unlink(outf);
	unlink(errf);
	return r;
}

#define HVSIM(...) hvsim((const char *const[]){ __VA_ARGS__, NULL })

/* The token of the "replay: ..." line in @text, copied into @tok. */
static void token_in(const char *text, char *tok, size_t len)
{
	const char *p = strstr(text, "--schedule ");

	cr_assert_not_null(p, "no replay line in:\n%s", text);
	p += strlen("--schedule ");
	snprintf(tok, len, "%.*s", (int)strcspn(p, "\n"), p);
}

/* ... of a run's output. */
static void replay_token(const struct run *r, char *tok, size_t len)
{
	token_in(r->out, tok, len);
}

/* The whole file, NUL-terminated (synth_slurp() leaves the byte after it for this). */
static char *read_file(const char *path, size_t *len)
{
	char *buf = (char *)synth_slurp(path, len);

	buf[*len] = '\0';
	return buf;
}

/* Traces @pa and @pb (at least @min bytes) are the same bytes; both are removed. */
static void expect_same_traces(const char *pa, const char *pb, size_t min, const char *what)
{
	size_t la, lb;
	char *da = read_file(pa, &la), *db = read_file(pb, &lb);

	cr_expect_gt(la, min);
	cr_expect(la == lb && !memcmp(da, db, la), "%s: traces differ", what);
	free(da);
	free(db);
	unlink(pa);
	unlink(pb);
}

Test(cli, help_and_version, .timeout = 10)
{
	struct run *r = HVSIM("--help");

	cr_expect_eq(r->status, 0);
	cr_expect(strstr(r->out, "example NAME") != NULL);
	free(r);
	r = HVSIM("--version");
	cr_expect_eq(r->status, 0);
	cr_expect(strstr(r->out, "hvsim ") == r->out);
	cr_expect(strstr(r->out, "build ") != NULL);
	free(r);
}

Test(cli, failure_prints_report_and_replay_line_exit_1, .timeout = 30)
{
	struct run *r = HVSIM("example", "lost-update", "--strategy", "pct:2", "--seed", "4");
	struct run *again;
	char tok[4096];

	cr_expect_eq(r->status, 1, "stdout:\n%s\nstderr:\n%s", r->out, r->err);
	cr_expect(strstr(r->out, "FAILED: lost update") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "replay: hvsim example lost-update --schedule hv2.pct:2.") != NULL);
	replay_token(r, tok, sizeof(tok));
	again = HVSIM("example", "lost-update", "--schedule", tok);
	cr_expect_eq(again->status, 1);
	cr_expect(strstr(again->out, "FAILED: lost update") != NULL, "%s", again->out);
	free(r);
	free(again);
}

/* lost-update's runs are 4 steps: --max-steps 3 is a hang, --max-steps 4 is not. */
Test(cli, max_steps_is_never_overrun, .timeout = 30)
{
	struct run *r = HVSIM("example", "lost-update", "--max-steps", "3");

	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "FAILED: hang: the run went past its step budget") != NULL,
		  "%s", r->out);
	cr_expect(strstr(r->out, "run:       3 steps") != NULL, "%s", r->out);
	free(r);
	r = HVSIM("example", "lost-update", "--max-steps", "4");
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "FAILED: lost update") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "run:       4 steps") != NULL, "%s", r->out);
	free(r);
}

/*
 * A hang found with --max-steps prints a replay line that reproduces it:
 * the token carries the budget. --max-steps with --schedule must be the
 * token's own; another value is refused (exit 2), not blamed on the token.
 */
Test(cli, hang_found_with_max_steps_replays_as_that_hang, .timeout = 30)
{
	struct run *r = HVSIM("example", "lost-update", "--strategy", "random", "--max-steps", "3");
	struct run *again;
	char tok[4096];

	cr_assert_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_assert(strstr(r->out, "FAILED: hang") != NULL, "%s", r->out);
	replay_token(r, tok, sizeof(tok));
	again = HVSIM("example", "lost-update", "--schedule", tok);
	cr_expect_eq(again->status, 1, "%s%s", again->out, again->err);
	cr_expect(strstr(again->out, "FAILED: hang: the run went past its step budget") != NULL,
		  "%s", again->out);
	cr_expect(strstr(again->out, "run:       3 steps") != NULL, "%s", again->out);
	free(again);
	again = HVSIM("example", "lost-update", "--schedule", tok, "--max-steps", "3");
	cr_expect_eq(again->status, 1, "%s%s", again->out, again->err);
	cr_expect(strstr(again->out, "FAILED: hang") != NULL, "%s", again->out);
	free(again);
	again = HVSIM("example", "lost-update", "--schedule", tok, "--max-steps", "2");
	cr_expect_eq(again->status, 2, "%s%s", again->out, again->err);
	cr_expect(strstr(again->err, "step budget of 3") != NULL, "%s", again->err);
	cr_expect(strstr(again->err, "does not fit") == NULL, "%s", again->err);
	free(again);
	free(r);
}

Test(cli, clean_run_exits_0, .timeout = 60)
{
	struct run *r = HVSIM("example", "lost-update-locked", "--strategy", "dfs:2");

	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "exhausted") != NULL, "%s", r->out);
	free(r);
}

/* The same (program, strategy, seed) in two processes: byte-identical traces. */
Test(cli, traces_are_identical_across_processes, .timeout = 60)
{
	const char *const strategies[] = { "timed", "random", "pct:3", "dfs:1" };
	char a[] = "/tmp/hvsim-cli-a-XXXXXX", b[] = "/tmp/hvsim-cli-b-XXXXXX";

	cr_assert_not_null(mkdtemp(a));
	cr_assert_not_null(mkdtemp(b));
	for (size_t i = 0; i < 4; i++) {
		char pa[64], pb[64];
		struct run *r1, *r2;

		snprintf(pa, sizeof(pa), "%s/t", a);
		snprintf(pb, sizeof(pb), "%s/t", b);
		r1 = HVSIM("example", "spinlock-handoff", "--strategy", strategies[i], "--seed", "12",
			   "--budget", "50", "--trace", pa);
		r2 = HVSIM("example", "spinlock-handoff", "--strategy", strategies[i], "--seed", "12",
			   "--budget", "50", "--trace", pb);
		cr_assert_eq(r1->status, 0, "%s", r1->err);
		cr_assert_eq(r2->status, 0, "%s", r2->err);
		expect_same_traces(pa, pb, 100, strategies[i]);
		free(r1);
		free(r2);
	}
	rmdir(a);
	rmdir(b);
}

Test(cli, trace_dump_reads_a_trace, .timeout = 30)
{
	char path[] = "/tmp/hvsim-cli-trace-XXXXXX";
	int fd = mkstemp(path);
	struct run *r;

	close(fd);
	r = HVSIM("example", "lost-update", "--strategy", "dfs:1", "--trace", path);
	cr_expect_eq(r->status, 1);
	free(r);
	r = HVSIM("trace-dump", path);
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "program lost-update") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "end      failed") != NULL, "%s", r->out);
	free(r);
	/* A broken trace: a clear message naming the file, exit 2. */
	fd = open(path, O_WRONLY | O_TRUNC);
	cr_assert_eq(write(fd, "HVSIMTRC\x01", 9), 9);
	close(fd);
	r = HVSIM("trace-dump", path);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, path) != NULL, "%s", r->err);
	free(r);
	unlink(path);
}

struct bad_case {
	const char *args[8];
	const char *says;	/* must appear in stderr */
};

Test(cli, bad_input_exits_2_with_a_message, .timeout = 30)
{
	static const struct bad_case cases[] = {
		{ { "frobnicate" }, "unknown command" },
		{ { "example" }, "expected an example name" },
		{ { "example", "nosuch" }, "unknown example 'nosuch'" },
		{ { "example", "lost-update", "--strategy", "fast" }, "unknown strategy 'fast'" },
		{ { "example", "lost-update", "--strategy", "pct:0" }, "pct" },
		{ { "example", "lost-update", "--budget", "0" }, "--budget" },
		{ { "example", "lost-update", "--budget", "lots" }, "--budget" },
		{ { "example", "lost-update", "--max-steps", "-3" }, "--max-steps" },
		{ { "example", "lost-update", "--seed", "1x" }, "--seed" },
		{ { "example", "lost-update", "--schedule", "garbage" }, "token" },
		{ { "example", "lost-update", "--schedule", "hv2.random.1.!!" }, "token" },
		{ { "example", "lost-update", "--schedule",
		    "hv1.pct:2.16065523922850094435.9UOuF_PhrMwCAQABAQAB" },
		  "schedule token: hv1 is an older format than this hvsim reads (hv2" },
		{ { "example", "lost-update", "--strategy", "pct:2", "--schedule", "hv2.pct:2.1.AAAA" },
		  "--strategy does not go with --schedule" },
		{ { "example", "lost-update", "--schedule", "hv2.pct:2.1.AAAA", "--seed", "3" },
		  "--seed does not go with --schedule" },
		{ { "example", "lost-update", "--bogus", "1" }, "unknown argument" },
		{ { "example", "lost-update", "--seed" }, "missing value" },
		{ { "trace-dump", "/nonexistent/trace" }, "/nonexistent/trace" },
		{ { "cpus", "no-such-cpu" }, "no-such-cpu" },
		{ { "cpus", "skylake-sp", "-warp-drive" }, "warp-drive" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *argv[10] = { NULL };
		struct run *r;

		for (int j = 0; cases[i].args[j]; j++)
			argv[j] = cases[i].args[j];
		r = hvsim(argv);
		cr_expect_eq(r->status, 2, "case %zu (%s): exit %d", i, cases[i].says, r->status);
		cr_expect(strstr(r->err, cases[i].says) != NULL, "case %zu: stderr '%s'", i, r->err);
		cr_expect_eq(strchr(r->err, '\n'), r->err + strlen(r->err) - 1,
			     "case %zu: one line expected: '%s'", i, r->err);
		free(r);
	}
}

Test(cli, cpus_lists_and_describes_models, .timeout = 30)
{
	struct run *r = HVSIM("cpus");

	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "skylake-sp") && strstr(r->out, "kabylake"), "%s", r->out);
	free(r);
	r = HVSIM("cpus", "kabylake");
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "MAXPHYADDR        39") != NULL, "%s", r->out);
	free(r);
	r = HVSIM("cpus", "skylake-sp", "-vmx");
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "no VMX") != NULL, "%s", r->out);
	free(r);
}

/* The nominal frequency in the description; a malformed one names its file and line, exit 2. */
Test(cli, cpus_frequency_shown_and_checked, .timeout = 30)
{
	static const char bad[] = "name bad\nfrequency 3.0GHz\n";
	char dir[] = "/tmp/hvsim-cli-cpus-XXXXXX", path[128], want[256];
	struct run *r = HVSIM("cpus", "skylake-sp");
	FILE *f;

	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "frequency 3000 MHz (nominal)") != NULL, "%s", r->out);
	free(r);

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.cpu", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(bad, f);
	fclose(f);
	setenv("HVSIM_CPUS", dir, 1);
	r = HVSIM("cpus", "bad");
	unsetenv("HVSIM_CPUS");
	snprintf(want, sizeof(want), "%s:2: expected a nominal frequency in MHz, a decimal from 1 "
		 "to 100000, found '3.0GHz'", path);
	cr_expect_eq(r->status, 2, "exit %d", r->status);
	cr_expect(strstr(r->err, want) != NULL, "stderr '%s'", r->err);
	free(r);
	harness_remove_dir(dir);
}

Test(cli, vmx_checks_prints_the_table, .timeout = 30)
{
	struct run *r = HVSIM("vmx-checks");

	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "| `pin-ctls` | controls | error 7 |") &&
		  strstr(r->out, "| `host-cr0` | host-state | error 8 |") &&
		  strstr(r->out, "| `guest-link-width` | guest-state | exit 33, qualification 4 |") &&
		  strstr(r->out, "| `msr-load-wrmsr` | msr-load | exit 34,"), "%.2000s", r->out);
	free(r);
	r = HVSIM("vmx-checks", "msr-load");
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, "msr-load-count") && !strstr(r->out, "pin-ctls"), "%s", r->out);
	free(r);
	r = HVSIM("vmx-checks", "frobnicate");
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "unknown group 'frobnicate': expected controls, host-state, guest-state or msr-load"),
		  "%s", r->err);
	free(r);
}

Test(cli, main_job_passes_and_writes_traces, .timeout = 120)
{
	char dir[] = "/tmp/hvsim-cli-out-XXXXXX";
	char path[128];
	struct stat st;
	struct run *r;

	cr_assert_not_null(mkdtemp(dir));
	r = HVSIM("examples", "--out", dir);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "every outcome as expected") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "UNEXPECTED") == NULL, "%s", r->out);
	snprintf(path, sizeof(path), "%s/lost-update-pct-2.trace", dir);
	cr_expect_eq(stat(path, &st), 0, "%s missing", path);
	free(r);
	/* The five traces and their folder: nothing is left behind. */
	harness_remove_dir(dir);
	cr_expect_neq(stat(dir, &st), 0, "%s is left behind", dir);
}

/* ---- bad input that once hung, grew or slipped through ---------------------------- */

/* Each a one-line message and exit 2, promptly (the test's timeout is the hang check). */
Test(cli, bad_input_that_once_slipped_through, .timeout = 60)
{
	char dir[] = "/tmp/hvsim-cli-bad-XXXXXX", path[160], cut[160], file[160];
	char longspec[600];
	struct run *r;
	FILE *f;
	size_t n = 0;

	cr_assert_not_null(mkdtemp(dir));

	/* No command: one line, not the whole usage. */
	r = HVSIM(NULL);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "usage: hvsim COMMAND") != NULL, "%s", r->err);
	cr_expect_eq(strchr(r->err, '\n'), r->err + strlen(r->err) - 1, "one line: '%s'", r->err);
	free(r);

	/* A trace that is an endless stream of zeros: refused at its magic, not read to the end. */
	r = HVSIM("trace-dump", "/dev/zero");
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "not an hvsim trace") != NULL, "%s", r->err);
	free(r);

	/* A trace cut at a record boundary, before its end record. */
	snprintf(file, sizeof(file), "%s/whole.trc", dir);
	r = HVSIM("example", "lost-update", "--strategy", "pct:2", "--trace", file);
	cr_assert_eq(r->status, 1, "%s", r->err);
	free(r);
	{
		struct trace_reader *tr;
		struct trace_event e;
		char err[256], *data;
		long len, boundary = -1;
		FILE *in = fopen(file, "rb");

		cr_assert_not_null(in);
		fseek(in, 0, SEEK_END);
		len = ftell(in);
		rewind(in);
		data = malloc((size_t)len);
		cr_assert_eq(fread(data, 1, (size_t)len, in), (size_t)len);
		fclose(in);
		/* The longest prefix that is whole records but lacks the end record (the last). */
		for (long k = len - 1; k > 16 && boundary < 0; k--) {
			if (trace_reader_open_mem(&tr, (uint8_t *)data, (size_t)k, "cut", err,
						  sizeof(err)))
				continue;
			while (trace_next(tr, &e, err, sizeof(err)) == 1)
				;
			if (strstr(err, "ends without its end record"))
				boundary = k;
			trace_reader_close(tr);
			err[0] = '\0';
		}
		cr_assert_geq(boundary, 0, "no record boundary before the end record");
		snprintf(cut, sizeof(cut), "%s/cut.trc", dir);
		in = fopen(cut, "wb");
		cr_assert_not_null(in);
		fwrite(data, 1, (size_t)boundary, in);
		fclose(in);
		free(data);
	}
	r = HVSIM("trace-dump", cut);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "truncated trace") != NULL, "%s", r->err);
	free(r);

	/* A model file that never ends its line. */
	snprintf(path, sizeof(path), "%s/endless.cpu", dir);
	cr_assert_eq(symlink("/dev/zero", path), 0);
	setenv("HVSIM_CPUS", dir, 1);
	r = HVSIM("cpus", "endless");
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "endless.cpu:1:") != NULL, "%s", r->err);
	free(r);

	/* A model folder that is not there lists nothing, and says so. */
	setenv("HVSIM_CPUS", "/nonexistent/cpus", 1);
	r = HVSIM("cpus");
	unsetenv("HVSIM_CPUS");
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "/nonexistent/cpus") != NULL, "%s", r->err);
	free(r);

	/* A spec past 255 characters is not cut short silently: it is refused as too long. */
	n += (size_t)snprintf(longspec + n, sizeof(longspec) - n, "skylake-sp");
	while (n < 400)
		n += (size_t)snprintf(longspec + n, sizeof(longspec) - n, " -vmx.posted-interrupts");
	r = HVSIM("cpus", longspec, "-warp-drive");
	cr_expect_eq(r->status, 2, "%s", r->out);
	cr_expect(strstr(r->err, "expected at most") != NULL, "%s", r->err);
	free(r);

	/* --out naming a file, not a folder. */
	snprintf(file, sizeof(file), "%s/plain", dir);
	f = fopen(file, "w");
	cr_assert_not_null(f);
	fclose(f);
	r = HVSIM("examples", "--out", file);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "expected a directory") != NULL, "%s", r->err);
	free(r);

	unlink(path);
	snprintf(path, sizeof(path), "%s/whole.trc", dir);
	unlink(path);
	unlink(cut);
	harness_remove_dir(dir);
}

/* hvsim check: one line per scenario file; a bad one is FILE:LINE:COL and exit 2. */
Test(cli, check_validates_scenarios, .timeout = 30)
{
	char dir[] = "/tmp/hvsim-cli-check-XXXXXX", good[512], bad[512], bin[512], cut[512];
	const char *header = "machine 2 slots: skylake-sp x2\nvariant v pre-fix=004\n"
			     "expect v reproduces warning within 10 schedules under pct:3\nprogram\n";
	struct run *r;
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(good, sizeof(good), "%s/good.scn", dir);
	snprintf(bad, sizeof(bad), "%s/bad.scn", dir);
	snprintf(bin, sizeof(bin), "%s/bin.scn", dir);
	snprintf(cut, sizeof(cut), "%s/cut.scn", dir);
	f = fopen(good, "w");
	cr_assert_not_null(f);
	fprintf(f, "%sr0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\n"
		"r1 = ioctl$KVM_CREATE_VM(r0, 0xae01, 0x0)\n", header);
	fclose(f);
	f = fopen(bad, "w");
	cr_assert_not_null(f);
	fprintf(f, "%sr0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\n"
		"ioctl$KVM_NMI(r0, 0xae9a)\n", header);
	fclose(f);
	f = fopen(bin, "wb");
	cr_assert_not_null(f);
	fwrite("\0\1\2\3", 1, 4, f);
	fclose(f);
	f = fopen(cut, "w");
	cr_assert_not_null(f);
	fprintf(f, "%sclose(0x3)", header);
	fclose(f);

	r = HVSIM("check", good);
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, ": ok (2 calls, 1 variant)\n") != NULL, "%s", r->out);
	cr_expect_str_eq(r->err, "");
	free(r);

	/* Every file gets its line; one bad file makes the exit 2. */
	r = HVSIM("check", good, bad, bin, cut, "/dev/zero");
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->out, "good.scn: ok") != NULL, "%s", r->out);
	cr_expect(strstr(r->err, "bad.scn:6:1: expected a call hvsim models (docs/scenarios.md lists them), found 'ioctl$KVM_NMI'\n") != NULL, "%s", r->err);
	cr_expect(strstr(r->err, "bin.scn:1:1: expected text (a scenario, docs/scenarios.md), found byte 0x00\n") != NULL, "%s", r->err);
	cr_expect(strstr(r->err, "cut.scn:5:11: expected a newline at the end of the file (it ends mid-line), found the end of the line\n") != NULL, "%s", r->err);
	cr_expect(strstr(r->err, "/dev/zero:1:1: expected a scenario of at most 1048576 bytes, found more\n") != NULL, "%s", r->err);
	free(r);

	r = HVSIM("check");
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "expected one or more scenario files") != NULL, "%s", r->err);
	free(r);

	unlink(good);
	unlink(bad);
	unlink(bin);
	unlink(cut);
	harness_remove_dir(dir);
}

/*
 * Scenarios from the command line: explore finds seed 004's WARN and prints
 * a replay line that reproduces it exactly (exit 1 both times); a scenario
 * with several variants needs --variant; replay needs its token; test
 * holds a variant to its expectation.
 */
Test(cli, scenarios_explore_replay_and_test, .timeout = 240)
{
	const char *scn = HVSIM_SCENARIOS_DIR "/apicv-create-race.scn";
	char tok[512], dir[] = "/tmp/hvsim-cli-scn-XXXXXX", one[512];
	struct run *r, *r2;
	FILE *f;

	r = HVSIM("explore", scn, "--variant", "pre-fix-dfs");
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "FAILED: WARNING in vcpu_enter_guest\n") == r->out, "%s", r->out);
	cr_expect(strstr(r->out, "replay: hvsim replay ") != NULL, "%s", r->out);
	replay_token(r, tok, sizeof(tok));
	r2 = HVSIM("replay", scn, "--variant", "pre-fix-dfs", "--schedule", tok);
	cr_expect_eq(r2->status, 1, "%s%s", r2->out, r2->err);
	cr_expect(strstr(r2->out, "FAILED: WARNING in vcpu_enter_guest\n") == r2->out, "%s", r2->out);
	free(r2);
	/* The token is this variant's: another variant refuses it. */
	r2 = HVSIM("replay", scn, "--variant", "fixed", "--schedule", tok);
	cr_expect_eq(r2->status, 2, "%s%s", r2->out, r2->err);
	free(r2);
	free(r);

	r = HVSIM("run", scn);
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "expected --variant V; expected one of: pre-fix pre-fix-dfs fixed") != NULL,
		  "%s", r->err);
	free(r);
	r = HVSIM("replay", scn, "--variant", "fixed");
	cr_expect_eq(r->status, 2);
	free(r);
	r = HVSIM("explore", scn, "--variant", "fixed", "--strategy", "nope");
	cr_expect_eq(r->status, 2);
	free(r);

	/* test: an expectation that holds exits 0, one that breaks exits 1. */
	cr_assert_not_null(mkdtemp(dir));
	snprintf(one, sizeof(one), "%s/one.scn", dir);
	f = fopen(one, "w");
	cr_assert_not_null(f);
	fprintf(f, "machine 2 slots: skylake-sp x2\n"
		"variant fixed fixed\nexpect fixed clean under pct:3\n"
		"variant wrong fixed\nexpect wrong reproduces warning within 50 schedules under pct:3\n"
		"program\n"
		"r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\n"
		"r1 = ioctl$KVM_CREATE_VM(r0, 0xae01, 0x0)\n");
	fclose(f);
	r = HVSIM("test", one, "--budget", "50");
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "one.scn") && strstr(r->out, " ok\n") && strstr(r->out, "BROKEN\n"),
		  "%s", r->out);
	free(r);
	unlink(one);
	rmdir(dir);
}

/*
 * minimize, verify and the race window. Seed 000 without the lock: pct:3's
 * run has a preemption; a run without one fails the same way (dfs:0 finds
 * it), so minimize ends at 0 and says none can have fewer; its token
 * replays the title. The report carries the race window's line. verify
 * refuses a strategy that cannot exhaust, and reports a found failure with
 * exit 1.
 */
Test(cli, minimize_verify_and_the_race_window, .timeout = 240)
{
	const char *scn = HVSIM_SCENARIOS_DIR "/hotplug-compat.scn";
	char tok[512], tok2[512];
	struct run *r, *r2;

	r = HVSIM("explore", scn, "--variant", "no-lock");
	cr_assert_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "\n  race window: ") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "the decisive preemption (step ") != NULL, "%s", r->out);
	/* The CPU columns: the new CPU comes online, is preempted, and takes the IPI. */
	cr_expect(strstr(r->out, "  interleaving up to the failure (step ") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, ": set_cpu_online\n") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "-- preempted: CPU") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, ": smp_call_function") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "!! general protection fault") != NULL, "%s", r->out);
	replay_token(r, tok, sizeof(tok));
	free(r);

	r = HVSIM("minimize", scn, "--variant", "no-lock", "--schedule", tok);
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "FAILED: general protection fault in vmx_hardware_enable\n") == r->out,
		  "%s", r->out);
	cr_expect(strstr(r->out, "\nminimize: 0 preemptions, from ") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "none can have fewer") != NULL, "%s", r->out);
	replay_token(r, tok2, sizeof(tok2));
	free(r);
	r2 = HVSIM("replay", scn, "--variant", "no-lock", "--schedule", tok2);
	cr_expect_eq(r2->status, 1, "%s%s", r2->out, r2->err);
	cr_expect(strstr(r2->out, "FAILED: general protection fault in vmx_hardware_enable\n") == r2->out,
		  "%s", r2->out);
	cr_expect(strstr(r2->out, "0 preemptions") != NULL, "%s", r2->out);
	free(r2);

	/* A clean run has nothing to minimize; a token needs its variant. */
	r = HVSIM("minimize", scn, "--variant", "no-lock");
	cr_expect_eq(r->status, 2);
	free(r);
	r = HVSIM("minimize", scn, "--variant", "fixed", "--schedule", tok);
	cr_expect_eq(r->status, 2, "%s%s", r->out, r->err);
	free(r);

	r = HVSIM("verify", scn, "--strategy", "pct:3");
	cr_expect_eq(r->status, 2);
	cr_expect(strstr(r->err, "cannot exhaust") != NULL, "%s", r->err);
	free(r);
	r = HVSIM("verify", scn, "--variant", "no-lock", "--strategy", "dfs:1");
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "FAILED: general protection fault in vmx_hardware_enable\n") == r->out,
		  "%s", r->out);
	free(r);
	r = HVSIM("verify", scn, "--budget", "200");
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	cr_expect(strstr(r->out, "(fixed): NOT verified: dfs:2 stopped at --budget after 200 schedules") != NULL,
		  "%s", r->out);
	free(r);
}

/* The last event of the trace at @path, whole and read cleanly. */
static struct trace_event last_event(const char *path)
{
	struct trace_reader *tr;
	struct trace_event e, last = { 0 };
	char err[256];
	int ret;

	cr_assert_eq(trace_reader_open_file(&tr, path, err, sizeof(err)), 0, "%s", err);
	while ((ret = trace_next(tr, &e, err, sizeof(err))) == 1)
		last = e;
	cr_expect_eq(ret, 0, "%s", err);
	trace_reader_close(tr);
	return last;
}

/*
 * test --out: a failure's trace ends with the race window its .txt
 * reports (a TR_WINDOW after the end record: the decisive step, the CPUs,
 * how far it moved), and its replay line's run traced by replay --trace
 * is the same file, byte for byte; trace-dump prints the window, the
 * hot-added CPU's states, the report and its mark. A clean run's trace
 * ends with its end record.
 */
Test(cli, failing_traces_end_with_their_race_window, .timeout = 120)
{
	const char *scn = HVSIM_SCENARIOS_DIR "/hotplug-compat.scn";
	char dir[] = "/tmp/hvsim-cli-win-XXXXXX", txt[160], trace[160], again[160], tok[512];
	unsigned long long step, early_cycles, early_steps, late_cycles, late_steps;
	unsigned int from, to;
	struct trace_event e;
	size_t la, lb;
	char *text, *da, *db;
	const char *p;
	struct run *r;

	cr_assert_not_null(mkdtemp(dir));
	r = HVSIM("test", scn, "--budget", "50", "--out", dir);
	cr_assert_eq(r->status, 0, "%s%s", r->out, r->err);
	free(r);
	snprintf(txt, sizeof(txt), "%s/hotplug-compat.no-lock.txt", dir);
	snprintf(trace, sizeof(trace), "%s/hotplug-compat.no-lock.trace", dir);
	snprintf(again, sizeof(again), "%s/again.trace", dir);
	text = read_file(txt, &la);
	p = strstr(text, "the decisive preemption (step ");
	cr_assert_not_null(p, "%s", text);
	cr_assert_eq(sscanf(p, "the decisive preemption (step %llu, CPU%u -> CPU%u) fails the same way "
			    "moved %llu cycles (%llu", &step, &from, &to, &early_cycles, &early_steps),
		     5, "%s", p);
	p = strstr(p, " earlier and ");
	cr_assert_not_null(p);
	cr_assert_eq(sscanf(p, " earlier and %llu cycles (%llu", &late_cycles, &late_steps), 2, "%s", p);
	e = last_event(trace);
	cr_expect_eq(e.type, TR_WINDOW, "the last record is a %s", trace_type_name(e.type));
	cr_expect_eq(e.step, step);
	cr_expect_eq(e.cpu, from);
	cr_expect_eq(e.to_cpu, to);
	cr_expect(e.args[0] == early_steps && e.args[1] == late_steps &&
		  e.args[2] == early_cycles && e.args[3] == late_cycles,
		  "window %llu/%llu steps, %llu/%llu cycles", (unsigned long long)e.args[0],
		  (unsigned long long)e.args[1], (unsigned long long)e.args[2],
		  (unsigned long long)e.args[3]);

	token_in(text, tok, sizeof(tok));
	free(text);
	r = HVSIM("replay", scn, "--variant", "no-lock", "--schedule", tok, "--trace", again);
	cr_expect_eq(r->status, 1, "%s%s", r->out, r->err);
	free(r);
	da = read_file(trace, &la);
	db = read_file(again, &lb);
	cr_expect(la == lb && !memcmp(da, db, la), "test --out and replay --trace differ");
	free(da);
	free(db);

	r = HVSIM("trace-dump", trace);
	cr_expect_eq(r->status, 0, "%s", r->err);
	cr_expect(strstr(r->out, " window   preemption -> cpu") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, " cpuhp    cpu2 bringup\n") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, " report   oops general protection fault") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, " mark     site step ") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, " lock     acquire write cpu_hotplug_lock heap+0xffffea") != NULL,
		  "%s", r->out);
	free(r);

	r = HVSIM("run", scn, "--variant", "fixed", "--trace", again);
	cr_expect_eq(r->status, 0, "%s%s", r->out, r->err);
	free(r);
	cr_expect_eq(last_event(again).type, TR_END);
	harness_remove_dir(dir);
}

/*
 * The same for hv/ running a scenario: the seed scenarios' failing runs,
 * each traced by two processes (two address-space layouts), give the same
 * bytes. Host code shares the tasks' stacks and a cache handle was a host
 * pointer: both once put pieces of host addresses into these traces.
 */
Test(cli, scenario_traces_are_identical_across_processes, .timeout = 120)
{
	static const char *const cases[][2] = {
		{ "kick-vcpu-cpu.scn", "pre-fix" }, { "apicv-create-race.scn", "pre-fix" },
		{ "hotplug-compat.scn", "no-lock" }, { "vm-create-error-path.scn", "pre-fix" },
		{ "cpuid-after-run.scn", "warn" },
	};
	char a[] = "/tmp/hvsim-cli-a-XXXXXX", b[] = "/tmp/hvsim-cli-b-XXXXXX";

	cr_assert_not_null(mkdtemp(a));
	cr_assert_not_null(mkdtemp(b));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char scn[512], pa[64], pb[64];
		struct run *r1, *r2;

		snprintf(scn, sizeof(scn), "%s/%s", HVSIM_SCENARIOS_DIR, cases[i][0]);
		snprintf(pa, sizeof(pa), "%s/t", a);
		snprintf(pb, sizeof(pb), "%s/t", b);
		r1 = HVSIM("run", scn, "--variant", cases[i][1], "--trace", pa);
		r2 = HVSIM("run", scn, "--variant", cases[i][1], "--trace", pb);
		cr_assert_lt(r1->status, 2, "%s", r1->err);
		cr_assert_eq(r1->status, r2->status);
		expect_same_traces(pa, pb, 1000, cases[i][0]);
		free(r1);
		free(r2);
	}
	rmdir(a);
	rmdir(b);
}
