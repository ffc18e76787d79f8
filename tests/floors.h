/* SPDX-License-Identifier: MIT */
/*
 * The floor checker behind test_floors: it reads the floor table of
 * docs/design.md ("## Floors") and the build CMake describes in
 * floors.manifest (hvsim_floor_manifest in cmake/hvsim.cmake), and reports
 * every #include, include directory and undefined symbol that reaches a
 * floor the user does not see. It knows no floor itself: all of that is the
 * table's.
 */
#ifndef HVSIM_TESTS_FLOORS_H
#define HVSIM_TESTS_FLOORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A growable array of owned strings. */
struct strv {
	char **v;		/* the strings */
	size_t n;		/* how many */
};

/* One row of the table. */
struct floor {
	char *name;		/* "engine" */
	struct strv folders;	/* folders or single files, relative to the source root */
	char *library;		/* its static library target; NULL for "-" */
	struct strv sees;	/* floors it may use, by name */
	struct strv external;	/* external library names ("c", "elf") */
};

struct floor_table {
	struct floor *v;	/* rows in table order */
	size_t n;		/* how many */
};

/* One target CMake defines. */
struct floor_target {
	char *name;		/* "hvsim_engine" */
	char *type;		/* "STATIC_LIBRARY", "EXECUTABLE", ... */
	char *dir;		/* its CMake source directory: relative sources start here */
	struct strv sources;	/* as listed: relative or absolute */
	struct strv includes;	/* include directories, absolute, in search order */
	char *file;		/* the archive of a static library, else NULL */
};

/* The library files behind one name of the "external" column. */
struct floor_external {
	char *name;		/* "c" */
	struct strv files;	/* shared objects and archives */
};

/* The build, as floors.manifest describes it. */
struct floor_build {
	char *source_dir;	/* absolute, no trailing slash */
	char *binary_dir;	/* absolute; may lie inside source_dir */
	struct floor_target *targets;	/* every target, in CMake directory order */
	size_t nr_targets;	/* how many */
	struct floor_external *externals;	/* the known external names */
	size_t nr_externals;	/* how many */
	bool sanitize;		/* built with HVSIM_SANITIZE=ON */
	struct strv sanitizer;	/* the sanitizer runtimes found (may be empty) */
};

/* Read a whole file; NULL (errno set) if it cannot be read. */
char *floors_slurp(const char *path);

/*
 * Parse the one floor table in @markdown: the table whose header names the
 * columns floor, folders, library, sees and external. 0, or -1 with the
 * reason written to @err.
 */
int floors_parse_table(struct floor_table *t, const char *markdown, FILE *err);
void floors_table_free(struct floor_table *t);

/* Parse floors.manifest's text. 0, or -1 with the reason written to @err. */
int floors_parse_build(struct floor_build *b, const char *text, FILE *err);
void floors_build_free(struct floor_build *b);

/*
 * The include test: every #include in the floors' folders, resolved as the
 * compiler does, and every include directory of every target whose sources
 * lie in a floor. Writes one line per problem to @out, sorted; returns how
 * many.
 */
size_t floors_check_includes(const struct floor_table *t, const struct floor_build *b,
			     FILE *out);

/*
 * The symbol test: every undefined symbol of each floor's library must be
 * defined by the libraries of the floors it sees (itself included), by its
 * external libraries, by the linker, or (HVSIM_SANITIZE) by the sanitizer
 * runtimes. Writes one line per problem to @out, sorted; returns how many.
 */
size_t floors_check_symbols(const struct floor_table *t, const struct floor_build *b,
			    FILE *out);

#endif /* HVSIM_TESTS_FLOORS_H */
