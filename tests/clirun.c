// SPDX-License-Identifier: MIT
#include "clirun.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct cli_run cli_run(const char *bin, const char *const *argv)
{
	struct cli_run r = { 0 };
	const char *args[16] = { bin };
	char errf[] = "/tmp/hvsim-cli-err-XXXXXX";
	int efd = mkstemp(errf), st;
	ssize_t n;
	pid_t pid;

	cr_assert_geq(efd, 0);
	for (int i = 0; argv[i]; i++) {
		cr_assert_lt(i + 1, 15, "too many arguments");
		args[i + 1] = argv[i];
	}
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		dup2(efd, 2);
		execv(bin, (char *const *)args);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	lseek(efd, 0, SEEK_SET);
	n = read(efd, r.err, sizeof(r.err) - 1);
	r.err[n > 0 ? n : 0] = '\0';
	close(efd);
	unlink(errf);
	return r;
}

void cli_tmp_path(char *buf, size_t len, const char *suffix)
{
	int fd;

	snprintf(buf, len, "/tmp/hvsim-cli-XXXXXX");
	fd = mkstemp(buf);
	cr_assert_geq(fd, 0);
	close(fd);
	unlink(buf);
	strncat(buf, suffix, len - strlen(buf) - 1);
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

void cli_expect_one_line_error(const struct cli_run *r, const char *what)
{
	cr_expect_eq(r->status, 2, "exit %d, stderr: %s", r->status, r->err);
	cr_expect_eq(lines(r->err), 1, "stderr: %s", r->err);
	cr_expect(strstr(r->err, what) != NULL, "'%s' not in: %s", what, r->err);
}

/* @argv with its "@" replaced by @trace. */
static void corpus_argv(const char *const *argv, const char *trace, const char **out)
{
	unsigned int i;

	for (i = 0; argv[i] && i < 15; i++)
		out[i] = strcmp(argv[i], "@") ? argv[i] : trace;
	out[i] = NULL;
}

/*
 * One run on @trace: read, or refused with one line naming it, or saying
 * @other (NULL: nothing else) when it read it; @must_fail: refused, naming it.
 */
static void corpus_run(const char *bin, const char *const *argv, const char *trace,
		       const char *what, bool must_fail, const char *other)
{
	const char *args[16];
	struct cli_run r;

	corpus_argv(argv, trace, args);
	r = cli_run(bin, args);
	cr_expect(r.status == 0 || r.status == 2, "%s: exit %d (%s)", what, r.status, r.err);
	if (r.status)
		/* A cut trace is refused for itself, never for @other. */
		cli_expect_one_line_error(&r, other && !must_fail && strstr(r.err, other) ? other
										: trace);
	if (must_fail)
		cr_expect_eq(r.status, 2, "%s: read, though cut", what);
}

static void corpus_write(const char *path, const uint8_t *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	fclose(f);
}

unsigned int cli_corpus_check(const char *bin, const char *corpus, const char *const *argv,
			      const char *bad, const char *other)
{
	static uint8_t buf[1 << 20];
	DIR *d = opendir(corpus);
	unsigned int files = 0;
	struct dirent *de;

	cr_assert_not_null(d, "%s", corpus);
	while ((de = readdir(d))) {
		char path[512], what[600];
		size_t n;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", corpus, de->d_name);
		corpus_run(bin, argv, path, path, false, other);
		files++;
		f = fopen(path, "rb");
		cr_assert_not_null(f, "%s", path);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		for (unsigned int k = 0; k < 24; k++) {
			size_t at = n * k / 24 + k;
			bool cut = k < 12;

			if (at >= n)
				continue;
			if (cut) {
				corpus_write(bad, buf, at);
			} else {
				buf[at] ^= (uint8_t)(0x5a + k);
				corpus_write(bad, buf, n);
				buf[at] ^= (uint8_t)(0x5a + k);
			}
			snprintf(what, sizeof(what), "%s %s at %zu of %zu", path,
				 cut ? "cut" : "flipped", at, n);
			corpus_run(bin, argv, bad, what, cut, other);
		}
	}
	closedir(d);
	unlink(bad);
	return files;
}
