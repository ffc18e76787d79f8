/* SPDX-License-Identifier: MIT */
/*
 * Running the hvsim binary from a test (the export and render suites): its
 * exit status and stderr, stdout dropped; fresh /tmp paths; the shape of a
 * bad input's answer.
 */
#ifndef HVSIM_TESTS_CLIRUN_H
#define HVSIM_TESTS_CLIRUN_H

#include <stddef.h>

struct cli_run {
	int status;		/* exit code, or 128 + signal */
	char err[4096];		/* stderr */
};

/* Run @bin with @argv (NULL-terminated, without argv[0], 15 at most). */
struct cli_run cli_run(const char *bin, const char *const *argv);
/* A fresh path in /tmp ending in @suffix (the file itself is not kept). */
void cli_tmp_path(char *buf, size_t len, const char *suffix);
/* A bad input's answer: exit 2 and exactly one line on stderr, containing @what. */
void cli_expect_one_line_error(const struct cli_run *r, const char *what);
/*
 * Every trace of the fuzzer's corpus in @corpus, whole, cut at 12 offsets
 * and with one byte flipped at 12 places (written to @bad), through @bin
 * with @argv, whose "@" stands for the trace: each is read (exit 0) or
 * refused with one line naming its file (exit 2), or saying @other (NULL:
 * nothing else, e.g. that there is no display), never a crash; a cut one
 * is refused. Returns how many corpus files there were.
 */
unsigned int cli_corpus_check(const char *bin, const char *corpus, const char *const *argv,
			      const char *bad, const char *other);

#endif /* HVSIM_TESTS_CLIRUN_H */
