/* SPDX-License-Identifier: MIT */
/*
 * Simulator bugs assert, with file and line. Never used for anything a
 * program, scenario or token can cause: those are values or -errno.
 */
#ifndef HVSIM_BUG_H
#define HVSIM_BUG_H

#define SIM_BUG_ON(cond)						\
	do {								\
		if (__builtin_expect(!!(cond), 0))			\
			sim_bug(__FILE__, __LINE__, #cond);		\
	} while (0)

__attribute__((noreturn, cold))
void sim_bug(const char *file, int line, const char *what);

#endif /* HVSIM_BUG_H */
