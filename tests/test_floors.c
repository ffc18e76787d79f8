// SPDX-License-Identifier: MIT
/*
 * The floors of docs/design.md, enforced: every #include and include
 * directory, and every undefined symbol of a floor's library, must stay
 * within the floors its user sees. The table is read at run time; the
 * build comes from floors.manifest, which CMake writes. The checker is
 * tested too, on a tree and a table made up here, and on the real libraries
 * under a table that lets no floor see another.
 */
#include "floors.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#ifndef HVSIM_FLOOR_TABLE
#error "HVSIM_FLOOR_TABLE must name docs/design.md"
#endif
#ifndef HVSIM_FLOOR_MANIFEST
#error "HVSIM_FLOOR_MANIFEST must name the floors.manifest CMake writes"
#endif

/* What a checker printed, and how many problems it counted. */
struct verdict {
	size_t n;		/* problems */
	char *text;		/* one line each */
};

typedef size_t (*checker)(const struct floor_table *, const struct floor_build *, FILE *);

static struct verdict run(checker check, const struct floor_table *t, const struct floor_build *b)
{
	struct verdict v = { 0, NULL };
	size_t len;
	FILE *out = open_memstream(&v.text, &len);

	cr_assert(out, "open_memstream: %s", strerror(errno));
	v.n = check(t, b, out);
	fclose(out);
	return v;
}

static void parse_table(struct floor_table *t, const char *text, const char *what)
{
	char *err = NULL;
	size_t len;
	FILE *f = open_memstream(&err, &len);
	int ret;

	cr_assert(f);
	ret = floors_parse_table(t, text, f);
	fclose(f);
	cr_assert_eq(ret, 0, "%s: %s", what, err);
	free(err);
}

static void parse_build(struct floor_build *b, const char *text, const char *what)
{
	char *err = NULL;
	size_t len;
	FILE *f = open_memstream(&err, &len);
	int ret;

	cr_assert(f);
	ret = floors_parse_build(b, text, f);
	fclose(f);
	cr_assert_eq(ret, 0, "%s: %s", what, err);
	free(err);
}

/* The real table and build. */
static void load(struct floor_table *t, struct floor_build *b)
{
	char *md = floors_slurp(HVSIM_FLOOR_TABLE), *manifest = floors_slurp(HVSIM_FLOOR_MANIFEST);

	cr_assert(md, "%s: %s", HVSIM_FLOOR_TABLE, strerror(errno));
	cr_assert(manifest, "%s: %s (re-run cmake)", HVSIM_FLOOR_MANIFEST, strerror(errno));
	parse_table(t, md, HVSIM_FLOOR_TABLE);
	parse_build(b, manifest, HVSIM_FLOOR_MANIFEST);
	free(md);
	free(manifest);
}

/* Run @check on the real tree; list what it found, and fail if anything. */
static void enforce(checker check, const char *what)
{
	struct floor_table t;
	struct floor_build b;
	struct verdict v;

	load(&t, &b);
	v = run(check, &t, &b);
	if (v.n)
		fprintf(stderr, "%s", v.text);
	cr_expect_eq(v.n, 0, "%zu %s break the floors of docs/design.md (listed above)", v.n, what);
	free(v.text);
	floors_table_free(&t);
	floors_build_free(&b);
}

Test(floors, includes)
{
	enforce(floors_check_includes, "includes or include directories");
}

Test(floors, symbols)
{
	enforce(floors_check_symbols, "symbol references");
}

/* ---- the checker on a made-up tree ---- */

static const char fake_table[] =
	"Prose before the table.\n"
	"\n"
	"| floor | folders | library | sees | external |\n"
	"| --- | --- | --- | --- | --- |\n"
	"| low | `src/low` | - | low | - |\n"
	"| high | src/high | - | low high | - |\n"
	"\n"
	"Prose after it.\n";

/* Write @text to @root/@rel, making its folders. */
static void put(const char *root, const char *rel, const char *text)
{
	char *path;
	FILE *f;

	cr_assert(asprintf(&path, "%s/%s", root, rel) > 0);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		cr_assert(!mkdir(path, 0700) || errno == EEXIST, "mkdir %s: %s", path, strerror(errno));
		*s = '/';
	}
	f = fopen(path, "w");
	cr_assert(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	free(path);
}

static void rm(const char *root, const char *rel)
{
	char *path;

	cr_assert(asprintf(&path, "%s/%s", root, rel) > 0);
	cr_expect(!remove(path), "remove %s: %s", path, strerror(errno));
	free(path);
}

Test(floors, include_checker_reports_what_crosses_floors)
{
	char root[] = "/tmp/hvsim-floors-XXXXXX", *manifest;
	struct floor_table t;
	struct floor_build b;
	struct verdict v;

	cr_assert(mkdtemp(root), "mkdtemp: %s", strerror(errno));
	put(root, "src/low/a.c",
	    "#include \"low/a.h\"\n"
	    "#include \"high/b.h\"\n"
	    "# include <nowhere.h>\n"
	    "/* #include \"high/commented.h\" */\n"
	    "#include \"nowhere.h\"\n");
	put(root, "src/low/a.h", "#include <stdio.h>\n");
	put(root, "src/high/b.h", "#include \"low/a.h\"\n");
	put(root, "other/x.h", "\n");
	put(root, "other/y.c", "#include \"high/b.h\"\n");
	cr_assert(asprintf(&manifest,
			   "source_dir %s\nbinary_dir %s/build\n"
			   "target lowlib STATIC_LIBRARY %s\nsources src/low/a.c;other/y.c\n"
			   "includes %s/src;%s/src/high;%s/other;/usr/include\n",
			   root, root, root, root, root, root) > 0);
	parse_table(&t, fake_table, "fake table");
	parse_build(&b, manifest, "fake manifest");

	v = run(floors_check_includes, &t, &b);
	cr_expect_eq(v.n, 5, "want 5 problems, got:\n%s", v.text);
	cr_expect(strstr(v.text, "src/low/a.c:2: #include \"high/b.h\" is src/high/b.h in floor high, "
			 "which floor low does not see (it sees low)"), "%s", v.text);
	cr_expect(strstr(v.text, "src/low/a.c:5: #include \"nowhere.h\" is found neither"), "%s", v.text);
	cr_expect(strstr(v.text, "target lowlib (floor low): include directory src/high is in floor high"),
		  "%s", v.text);
	cr_expect(strstr(v.text, "target lowlib (floor low): include directory other reaches files in no floor"),
		  "%s", v.text);
	cr_expect(strstr(v.text, "target lowlib (floor low) compiles other/y.c, which is in no floor"),
		  "%s", v.text);
	cr_expect(!strstr(v.text, "commented"), "%s", v.text);

	free(v.text);
	free(manifest);
	floors_table_free(&t);
	floors_build_free(&b);
	rm(root, "src/low/a.c");
	rm(root, "src/low/a.h");
	rm(root, "src/high/b.h");
	rm(root, "other/x.h");
	rm(root, "other/y.c");
	rm(root, "src/low");
	rm(root, "src/high");
	rm(root, "src");
	rm(root, "other");
	rm(root, "");
}

Test(floors, table_parser_refuses_a_broken_table)
{
	static const char *const broken[] = {
		"no table here\n",
		"| floor | folders | library | sees | external |\n| --- | --- | --- | --- | --- |\n"
		"| a | x | - | a b | - |\n",
		"| floor | folders | library | sees | external |\n| --- | --- | --- | --- | --- |\n"
		"| a | x | - | a |\n",
		"| floor | folders | library | sees | external |\n| --- | --- | --- | --- | --- |\n"
		"| a | x | - | a | - |\n| b | x | - | b | - |\n",
	};

	for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		struct floor_table t;
		FILE *devnull = fopen("/dev/null", "w");

		cr_assert(devnull);
		cr_expect_eq(floors_parse_table(&t, broken[i], devnull), -1, "table %zu accepted", i);
		fclose(devnull);
	}
}

/*
 * The real libraries under a table where no floor sees another: the
 * references that cross floors today (every floor above the engine calls
 * into it) must be reported, naming the library that defines them.
 */
Test(floors, symbol_checker_reports_references_to_unseen_floors)
{
	struct floor_table t;
	struct floor_build b;
	struct verdict v;

	load(&t, &b);
	for (size_t i = 0; i < t.n; i++) {
		for (size_t k = 0; k < t.v[i].sees.n; k++)
			free(t.v[i].sees.v[k]);
		t.v[i].sees.v = realloc(t.v[i].sees.v, sizeof(char *));
		cr_assert(t.v[i].sees.v);
		t.v[i].sees.v[0] = strdup(t.v[i].name);
		t.v[i].sees.n = 1;
	}
	v = run(floors_check_symbols, &t, &b);
	cr_expect_gt(v.n, 0);
	cr_expect(strstr(v.text, ", defined in "), "%s", v.text);
	cr_expect(strstr(v.text, "(it sees "), "%s", v.text);
	free(v.text);
	floors_table_free(&t);
	floors_build_free(&b);
}
