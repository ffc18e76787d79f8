// SPDX-License-Identifier: MIT
#include "clirun.h"

#include <criterion/criterion.h>
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
