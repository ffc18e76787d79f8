// SPDX-License-Identifier: MIT
#include "floors.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Out of host memory the checker has nothing useful to say: it stops. */
static void *need(void *p)
{
	if (!p) {
		fputs("floors: out of memory\n", stderr);
		abort();
	}
	return p;
}

static char *xstrndup(const char *s, size_t n)
{
	return need(strndup(s, n));
}

static char *xstrdup(const char *s)
{
	return need(strdup(s));
}

static char *xprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return need(s);
}

/* ---- string lists ---- */

static void strv_push(struct strv *sv, char *s)
{
	sv->v = need(realloc(sv->v, (sv->n + 1) * sizeof(*sv->v)));
	sv->v[sv->n++] = s;
}

static bool strv_has(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (!strcmp(sv->v[i], s))
			return true;
	return false;
}

static void strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
}

/* Append the fields of s[0, len) between the characters of @seps; no empty ones. */
static void strv_split(struct strv *sv, const char *s, size_t len, const char *seps)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && !strchr(seps, s[j]))
			j++;
		if (j > i)
			strv_push(sv, xstrndup(s + i, j - i));
		i = j + 1;
	}
}

/* The list as one string, "-" when empty. */
static char *strv_join(const struct strv *sv)
{
	size_t len = 2;
	char *s;

	for (size_t i = 0; i < sv->n; i++)
		len += strlen(sv->v[i]) + 1;
	s = need(calloc(1, len));
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, sv->v[i]);
	}
	if (!sv->n)
		strcpy(s, "-");
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char *floors_slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, k;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			cap = cap ? 2 * cap : 16384;
			buf = need(realloc(buf, cap + 1));
		}
		k = fread(buf + len, 1, cap - len, f);
		len += k;
	} while (k);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		errno = EIO;
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* The lines of @text, empty ones included, so an index is a line number - 1. */
static void split_lines(struct strv *lines, const char *text)
{
	for (;;) {
		const char *nl = strchr(text, '\n');

		if (!nl) {
			if (*text)
				strv_push(lines, xstrdup(text));
			return;
		}
		strv_push(lines, xstrndup(text, (size_t)(nl - text)));
		text = nl + 1;
	}
}

/* ---- the floor table ---- */

static const char *const table_columns[] = { "floor", "folders", "library", "sees", "external" };
enum { COL_FLOOR, COL_FOLDERS, COL_LIBRARY, COL_SEES, COL_EXTERNAL, NR_COLS };

static bool is_row(const char *line)
{
	return line[strspn(line, " \t")] == '|';
}

/* The trimmed cells of a Markdown table row, backquotes dropped. */
static void row_cells(struct strv *cells, const char *line)
{
	const char *p = line + strspn(line, " \t") + 1, *end = line + strlen(line);

	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	if (end > p && end[-1] == '|')
		end--;
	for (;;) {
		const char *q = memchr(p, '|', (size_t)(end - p)), *e;

		if (!q)
			q = end;
		e = q;
		while (p < e && (isspace((unsigned char)*p) || *p == '`'))
			p++;
		while (e > p && (isspace((unsigned char)e[-1]) || e[-1] == '`'))
			e--;
		strv_push(cells, xstrndup(p, (size_t)(e - p)));
		if (q == end)
			return;
		p = q + 1;
	}
}

/* Whether @cells name every column; if so, where each one is. */
static bool header_columns(const struct strv *cells, size_t col[NR_COLS])
{
	for (size_t k = 0; k < NR_COLS; k++) {
		size_t i = 0;

		while (i < cells->n && strcmp(cells->v[i], table_columns[k]))
			i++;
		if (i == cells->n)
			return false;
		col[k] = i;
	}
	return true;
}

/* A space-separated cell into @sv; "-" is the empty list. */
static void cell_list(struct strv *sv, const char *cell)
{
	strv_split(sv, cell, strlen(cell), " \t");
	if (sv->n == 1 && !strcmp(sv->v[0], "-"))
		strv_free(sv);
}

static int table_floor(const struct floor_table *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name))
			return (int)i;
	return -1;
}

static int table_check(const struct floor_table *t, FILE *err)
{
	for (size_t i = 0; i < t->n; i++) {
		const struct floor *f = &t->v[i];

		if (table_floor(t, f->name) != (int)i) {
			fprintf(err, "floor table: floor \"%s\" appears twice\n", f->name);
			return -1;
		}
		for (size_t k = 0; k < f->sees.n; k++) {
			if (table_floor(t, f->sees.v[k]) < 0) {
				fprintf(err, "floor table: floor %s sees \"%s\", which is no floor\n",
					f->name, f->sees.v[k]);
				return -1;
			}
		}
		for (size_t k = 0; k < f->folders.n; k++) {
			const char *d = f->folders.v[k];

			if (d[0] == '/' || strstr(d, "..")) {
				fprintf(err, "floor table: floor %s: folder \"%s\" is not relative to the source root\n",
					f->name, d);
				return -1;
			}
			for (size_t j = 0; j < i; j++) {
				if (strv_has(&t->v[j].folders, d)) {
					fprintf(err, "floor table: folder %s is in floors %s and %s\n",
						d, t->v[j].name, f->name);
					return -1;
				}
			}
		}
	}
	return 0;
}

int floors_parse_table(struct floor_table *t, const char *markdown, FILE *err)
{
	struct strv lines = { 0 };
	size_t col[NR_COLS], header = 0;
	int ret = -1;

	memset(t, 0, sizeof(*t));
	split_lines(&lines, markdown);
	for (size_t i = 0; i < lines.n; i++) {
		struct strv cells = { 0 };
		size_t ncells;

		if (!is_row(lines.v[i]))
			continue;
		row_cells(&cells, lines.v[i]);
		ncells = cells.n;
		if (!header_columns(&cells, col)) {
			strv_free(&cells);
			continue;
		}
		strv_free(&cells);
		if (header) {
			fprintf(err, "line %zu: a second floor table (the first is at line %zu): the table lives once\n",
				i + 1, header);
			goto out;
		}
		header = i + 1;
		if (i + 1 == lines.n || !is_row(lines.v[i + 1]) ||
		    lines.v[i + 1][strspn(lines.v[i + 1], "|-: \t")]) {
			fprintf(err, "line %zu: the floor table's header is not followed by | --- |\n",
				header);
			goto out;
		}
		for (i += 2; i < lines.n && is_row(lines.v[i]); i++) {
			struct floor *f;

			row_cells(&cells, lines.v[i]);
			if (cells.n != ncells) {
				fprintf(err, "line %zu: %zu cells, the header has %zu\n", i + 1, cells.n, ncells);
				strv_free(&cells);
				goto out;
			}
			t->v = need(realloc(t->v, (t->n + 1) * sizeof(*t->v)));
			f = memset(&t->v[t->n++], 0, sizeof(*f));
			f->name = xstrdup(cells.v[col[COL_FLOOR]]);
			cell_list(&f->folders, cells.v[col[COL_FOLDERS]]);
			for (size_t k = 0; k < f->folders.n; k++) {
				char *d = f->folders.v[k];
				size_t n = strlen(d);

				while (n > 1 && d[n - 1] == '/')
					d[--n] = '\0';
			}
			if (strcmp(cells.v[col[COL_LIBRARY]], "-"))
				f->library = xstrdup(cells.v[col[COL_LIBRARY]]);
			cell_list(&f->sees, cells.v[col[COL_SEES]]);
			cell_list(&f->external, cells.v[col[COL_EXTERNAL]]);
			strv_free(&cells);
			if (!*f->name) {
				fprintf(err, "line %zu: a floor without a name\n", i + 1);
				goto out;
			}
		}
	}
	if (!header) {
		fprintf(err, "no table with the columns floor | folders | library | sees | external\n");
		goto out;
	}
	if (!t->n) {
		fprintf(err, "line %zu: the floor table has no rows\n", header);
		goto out;
	}
	ret = table_check(t, err);
out:
	strv_free(&lines);
	if (ret)
		floors_table_free(t);
	return ret;
}

void floors_table_free(struct floor_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].library);
		strv_free(&t->v[i].folders);
		strv_free(&t->v[i].sees);
		strv_free(&t->v[i].external);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

/* ---- paths ---- */

/* Lexically clean an absolute path: no "//", ".", ".." or trailing "/". */
static void path_clean(char *p)
{
	const char *in = p;
	size_t o = 0;

	while (*in) {
		const char *e;
		size_t n;

		in += strspn(in, "/");
		if (!*in)
			break;
		e = strchrnul(in, '/');
		n = (size_t)(e - in);
		if (n == 2 && in[0] == '.' && in[1] == '.') {
			while (o > 0 && p[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (!(n == 1 && in[0] == '.')) {
			p[o++] = '/';
			memmove(p + o, in, n);
			o += n;
		}
		in = e;
	}
	if (!o)
		p[o++] = '/';
	p[o] = '\0';
}

static char *path_join(const char *dir, const char *name)
{
	char *p = name[0] == '/' ? xstrdup(name) : xprintf("%s/%s", dir, name);

	path_clean(p);
	return p;
}

/* @path relative to @dir ("" for @dir itself), or NULL if it is not inside. */
static const char *path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strncmp(path, dir, n))
		return NULL;
	if (!path[n])
		return path + n;
	return path[n] == '/' ? path + n + 1 : NULL;
}

/* @abs relative to the source root; NULL outside it or in the build tree. */
static const char *project_rel(const struct floor_build *b, const char *abs)
{
	const char *rel = path_under(abs, b->source_dir);

	if (!rel || path_under(abs, b->binary_dir))
		return NULL;
	return rel;
}

/* The floor @rel (relative to the root) lies in: its longest folder wins. */
static int floor_of(const struct floor_table *t, const char *rel)
{
	size_t best_len = 0;
	int best = -1;

	for (size_t i = 0; i < t->n; i++) {
		for (size_t k = 0; k < t->v[i].folders.n; k++) {
			const char *d = t->v[i].folders.v[k];
			size_t n = strlen(d);

			if (path_under(rel, d) && n > best_len) {
				best = (int)i;
				best_len = n;
			}
		}
	}
	return best;
}

static bool floor_sees(const struct floor_table *t, int f, int g)
{
	return strv_has(&t->v[f].sees, t->v[g].name);
}

static bool is_file(const char *path)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode);
}

static bool is_source(const char *name)
{
	static const char *const exts[] = { ".c", ".h", ".S", ".def", ".inc" };
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < sizeof(exts) / sizeof(exts[0]); i++)
		if (!strcmp(dot, exts[i]))
			return true;
	return false;
}

/* ---- the build manifest ---- */

static struct floor_target *build_last(struct floor_build *b, const char *key, FILE *err)
{
	if (!b->nr_targets)
		fprintf(err, "floors.manifest: \"%s\" before any target\n", key);
	return b->nr_targets ? &b->targets[b->nr_targets - 1] : NULL;
}

int floors_parse_build(struct floor_build *b, const char *text, FILE *err)
{
	struct strv lines = { 0 };
	int ret = -1;

	memset(b, 0, sizeof(*b));
	split_lines(&lines, text);
	for (size_t i = 0; i < lines.n; i++) {
		const char *line = lines.v[i], *sp = strchrnul(line, ' ');
		const char *val = *sp ? sp + 1 : sp;
		size_t klen = (size_t)(sp - line);
		struct floor_target *tg;

		if (!klen)
			continue;
		if (klen == 10 && !strncmp(line, "source_dir", klen)) {
			b->source_dir = path_join("/", val);
		} else if (klen == 10 && !strncmp(line, "binary_dir", klen)) {
			b->binary_dir = path_join("/", val);
		} else if (klen == 6 && !strncmp(line, "target", klen)) {
			/* The directory is the rest of the line: it may hold spaces. */
			const char *sp1 = strchrnul(val, ' '), *sp2 = *sp1 ? strchrnul(sp1 + 1, ' ') : sp1;

			if (!*sp2 || sp1 == val || sp2 == sp1 + 1 || !sp2[1]) {
				fprintf(err, "floors.manifest:%zu: want \"target NAME TYPE DIR\"\n", i + 1);
				goto out;
			}
			b->targets = need(realloc(b->targets, (b->nr_targets + 1) * sizeof(*b->targets)));
			tg = memset(&b->targets[b->nr_targets++], 0, sizeof(*tg));
			tg->name = xstrndup(val, (size_t)(sp1 - val));
			tg->type = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
			tg->dir = xstrdup(sp2 + 1);
		} else if (klen == 7 && !strncmp(line, "sources", klen)) {
			if (!(tg = build_last(b, "sources", err)))
				goto out;
			strv_split(&tg->sources, val, strlen(val), ";");
		} else if (klen == 8 && !strncmp(line, "includes", klen)) {
			if (!(tg = build_last(b, "includes", err)))
				goto out;
			strv_split(&tg->includes, val, strlen(val), ";");
			for (size_t k = 0; k < tg->includes.n; k++)
				path_clean(tg->includes.v[k]);
		} else if (klen == 4 && !strncmp(line, "file", klen)) {
			if (!(tg = build_last(b, "file", err)))
				goto out;
			free(tg->file);
			tg->file = xstrdup(val);
		} else if (klen == 8 && !strncmp(line, "external", klen)) {
			struct floor_external *x;
			const char *sp2 = strchrnul(val, ' ');

			b->externals = need(realloc(b->externals,
						    (b->nr_externals + 1) * sizeof(*b->externals)));
			x = memset(&b->externals[b->nr_externals++], 0, sizeof(*x));
			x->name = xstrndup(val, (size_t)(sp2 - val));
			if (*sp2)
				strv_split(&x->files, sp2 + 1, strlen(sp2 + 1), ";");
		} else if (klen == 9 && !strncmp(line, "sanitizer", klen)) {
			b->sanitize = true;
			strv_split(&b->sanitizer, val, strlen(val), ";");
		} else {
			fprintf(err, "floors.manifest:%zu: unknown line \"%s\"\n", i + 1, line);
			goto out;
		}
	}
	if (!b->source_dir || !b->binary_dir) {
		fprintf(err, "floors.manifest: no source_dir or binary_dir\n");
		goto out;
	}
	ret = 0;
out:
	strv_free(&lines);
	if (ret)
		floors_build_free(b);
	return ret;
}

void floors_build_free(struct floor_build *b)
{
	for (size_t i = 0; i < b->nr_targets; i++) {
		struct floor_target *tg = &b->targets[i];

		free(tg->name);
		free(tg->type);
		free(tg->dir);
		free(tg->file);
		strv_free(&tg->sources);
		strv_free(&tg->includes);
	}
	for (size_t i = 0; i < b->nr_externals; i++) {
		free(b->externals[i].name);
		strv_free(&b->externals[i].files);
	}
	free(b->targets);
	free(b->externals);
	free(b->source_dir);
	free(b->binary_dir);
	strv_free(&b->sanitizer);
	memset(b, 0, sizeof(*b));
}

/* The static library target @name. */
static const struct floor_target *find_library(const struct floor_build *b, const char *name)
{
	for (size_t i = 0; i < b->nr_targets; i++)
		if (!strcmp(b->targets[i].name, name) && b->targets[i].file)
			return &b->targets[i];
	return NULL;
}

/* Sort the problems, write each once to @out, and say how many there were. */
static size_t report(struct strv *problems, FILE *out)
{
	size_t n = 0;

	if (problems->n)
		qsort(problems->v, problems->n, sizeof(*problems->v), cmp_str);
	for (size_t i = 0; i < problems->n; i++) {
		if (i && !strcmp(problems->v[i], problems->v[i - 1]))
			continue;
		fprintf(out, "%s\n", problems->v[i]);
		n++;
	}
	strv_free(problems);
	return n;
}

/* ---- the include test ---- */

struct include {
	unsigned line;		/* 1-based */
	char kind;		/* '"', '<', or 0 for a computed include */
	char *name;		/* between the delimiters, or the whole operand */
};

/* Blank the comments of C (or preprocessed assembly) text, keeping its lines. */
static void blank_comments(char *s)
{
	enum { CODE, BLOCK, LINE, STR, CHR } st = CODE;

	for (char *p = s; *p; p++) {
		switch (st) {
		case CODE:
			if (p[0] == '/' && p[1] == '*') {
				st = BLOCK;
				p[0] = p[1] = ' ';
				p++;
			} else if (p[0] == '/' && p[1] == '/') {
				st = LINE;
				p[0] = ' ';
			} else if (*p == '"') {
				st = STR;
			} else if (*p == '\'') {
				st = CHR;
			}
			break;
		case BLOCK:
			if (p[0] == '*' && p[1] == '/') {
				st = CODE;
				p[0] = p[1] = ' ';
				p++;
			} else if (*p != '\n') {
				*p = ' ';
			}
			break;
		case LINE:
			if (*p == '\n')
				st = CODE;
			else
				*p = ' ';
			break;
		case STR:
		case CHR:
			if (*p == '\\' && p[1] && p[1] != '\n')
				p++;
			else if (*p == '\n' || *p == (st == STR ? '"' : '\''))
				st = CODE;
			break;
		}
	}
}

static size_t find_includes(const char *text, struct include **out)
{
	char *s = xstrdup(text), *p = s;
	struct include *v = NULL;
	unsigned line = 1;
	size_t n = 0;

	blank_comments(s);
	for (;; line++) {
		char *nl = strchr(p, '\n');
		const char *q = p + strspn(p, " \t");

		if (nl)
			*nl = '\0';
		if (*q == '#') {
			q += 1 + strspn(q + 1, " \t");
			if (!strncmp(q, "include", 7) && !isalnum((unsigned char)q[7]) && q[7] != '_') {
				struct include inc = { line, 0, NULL };
				char close;
				const char *end = NULL;

				q += 7 + strspn(q + 7, " \t");
				close = *q == '"' ? '"' : *q == '<' ? '>' : 0;
				if (close)
					end = strchr(q + 1, close);
				if (end) {
					inc.kind = *q;
					inc.name = xstrndup(q + 1, (size_t)(end - q - 1));
				} else {
					size_t len = strlen(q);

					while (len && isspace((unsigned char)q[len - 1]))
						len--;
					inc.name = xstrndup(q, len);
				}
				v = need(realloc(v, (n + 1) * sizeof(*v)));
				v[n++] = inc;
			}
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	free(s);
	*out = v;
	return n;
}

struct inc_ctx {
	const struct floor_table *t;
	const struct floor_build *b;
	struct strv problems;	/* one line each, unsorted, maybe repeated */
	struct strv walked;	/* "who\nfile": already checked with who's directories */
	struct strv files;	/* every file checked, by any target */
};

static void problem(struct strv *problems, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct strv *problems, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	strv_push(problems, need(s));
}

/* As the compiler does: "" first in the includer's folder, then the -I list. */
static char *resolve(const struct include *inc, const char *dir, const struct strv *dirs)
{
	char *p;

	if (inc->name[0] == '/')
		return is_file(inc->name) ? path_join("/", inc->name) : NULL;
	if (inc->kind == '"') {
		p = path_join(dir, inc->name);
		if (is_file(p))
			return p;
		free(p);
	}
	for (size_t i = 0; i < dirs->n; i++) {
		p = path_join(dirs->v[i], inc->name);
		if (is_file(p))
			return p;
		free(p);
	}
	return NULL;
}

/*
 * Check the includes of @abs, resolved with @dirs (the include directories
 * of the target @who compiles it for), and of the project headers they
 * reach in floors the file sees.
 */
static void check_file(struct inc_ctx *c, const char *abs, const struct strv *dirs, const char *who)
{
	const struct floor_table *t = c->t;
	const char *rel = project_rel(c->b, abs);
	int f = rel ? floor_of(t, rel) : -1;
	struct include *incs;
	char *key, *text, *dir, *sees;
	size_t n;

	if (f < 0)
		return;
	key = xprintf("%s\n%s", who, abs);
	if (strv_has(&c->walked, key)) {
		free(key);
		return;
	}
	strv_push(&c->walked, key);
	if (!strv_has(&c->files, abs))
		strv_push(&c->files, xstrdup(abs));
	text = floors_slurp(abs);
	if (!text) {
		problem(&c->problems, "%s: cannot be read: %s", rel, strerror(errno));
		return;
	}
	n = find_includes(text, &incs);
	free(text);
	dir = path_join(abs, "..");
	sees = strv_join(&t->v[f].sees);
	for (size_t i = 0; i < n; i++) {
		const struct include *inc = &incs[i];
		char open = inc->kind, close = open == '<' ? '>' : '"';
		const char *frel;
		char *found;
		int g;

		if (!open) {
			problem(&c->problems, "%s:%u: #include %s: a computed include cannot be checked",
				rel, inc->line, inc->name);
			continue;
		}
		found = resolve(inc, dir, dirs);
		if (!found) {
			/* Not in the project: a system header, unless it was quoted. */
			if (open == '"')
				problem(&c->problems,
					"%s:%u: #include \"%s\" is found neither beside it nor in the include directories of %s",
					rel, inc->line, inc->name, who);
			continue;
		}
		frel = project_rel(c->b, found);
		g = frel ? floor_of(t, frel) : -1;
		if (frel && g < 0)
			problem(&c->problems,
				"%s:%u: #include %c%s%c is %s, which is in no floor (floor %s sees %s)",
				rel, inc->line, open, inc->name, close, frel, t->v[f].name, sees);
		else if (frel && !floor_sees(t, f, g))
			problem(&c->problems,
				"%s:%u: #include %c%s%c is %s in floor %s, which floor %s does not see (it sees %s)",
				rel, inc->line, open, inc->name, close, frel, t->v[g].name,
				t->v[f].name, sees);
		else if (frel)
			check_file(c, found, dirs, who);
		free(found);
	}
	for (size_t i = 0; i < n; i++)
		free(incs[i].name);
	free(incs);
	free(dir);
	free(sees);
}

/* Call @fn on every source file under @abs (a folder or a file). */
static void each_source(const struct floor_build *b, const char *abs,
			void (*fn)(void *arg, const char *abs), void *arg)
{
	struct dirent **ents;
	struct stat st;
	int n;

	if (stat(abs, &st))
		return;		/* a floor folder not written yet */
	if (S_ISREG(st.st_mode)) {
		if (is_source(abs))
			fn(arg, abs);
		return;
	}
	if (!S_ISDIR(st.st_mode) || path_under(abs, b->binary_dir))
		return;
	n = scandir(abs, &ents, NULL, alphasort);
	for (int i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			char *p = path_join(abs, ents[i]->d_name);

			each_source(b, p, fn, arg);
			free(p);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

struct stray {
	const struct floor_build *b;
	const struct floor_table *t;
	bool found;		/* a source file in no floor */
};

static void note_stray(void *arg, const char *abs)
{
	struct stray *s = arg;
	const char *rel = project_rel(s->b, abs);

	if (rel && floor_of(s->t, rel) < 0)
		s->found = true;
}

/* The include directory @abs of target @tg, whose sources are in floor @f. */
static void check_include_dir(struct inc_ctx *c, const struct floor_target *tg, int f,
			      const char *abs)
{
	const struct floor_table *t = c->t;
	const char *rel = project_rel(c->b, abs);
	struct strv unseen = { 0 };
	struct stray stray = { c->b, t, false };
	char *sees, *names;
	int g;

	if (!rel)
		return;		/* outside the source tree or generated: no floor's */
	g = floor_of(t, rel);
	sees = strv_join(&t->v[f].sees);
	if (g >= 0) {
		if (!floor_sees(t, f, g))
			problem(&c->problems,
				"target %s (floor %s): include directory %s is in floor %s, which floor %s does not see (it sees %s)",
				tg->name, t->v[f].name, rel, t->v[g].name, t->v[f].name, sees);
		free(sees);
		return;
	}
	/*
	 * Above the floors: it reaches every floor below it. The folder that
	 * holds one of the target's own floor folders (sim/ for sim/engine) is
	 * how that floor names its headers ("engine/machine.h"); what is
	 * reached through it is checked include by include.
	 */
	for (size_t k = 0; *rel && k < t->v[f].folders.n; k++) {
		const char *d = t->v[f].folders.v[k], *slash = strrchr(d, '/');

		if (slash && strlen(rel) == (size_t)(slash - d) && !strncmp(rel, d, (size_t)(slash - d))) {
			free(sees);
			return;
		}
	}
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->v[i].folders.n; k++)
			if (path_under(t->v[i].folders.v[k], rel) && !floor_sees(t, f, (int)i) &&
			    !strv_has(&unseen, t->v[i].name))
				strv_push(&unseen, xstrdup(t->v[i].name));
	each_source(c->b, abs, note_stray, &stray);
	names = strv_join(&unseen);
	if (unseen.n || stray.found)
		problem(&c->problems,
			"target %s (floor %s): include directory %s reaches %s%s%s%s, which floor %s does not see (it sees %s)",
			tg->name, t->v[f].name, *rel ? rel : ".",
			unseen.n ? "floors " : "", unseen.n ? names : "",
			unseen.n && stray.found ? " and " : "", stray.found ? "files in no floor" : "",
			t->v[f].name, sees);
	strv_free(&unseen);
	free(names);
	free(sees);
}

struct leftover {
	struct inc_ctx *c;
	const struct strv *floor_dirs;	/* per floor: its targets' include directories */
};

/* A file no target reached: read it with its floor's include directories. */
static void check_leftover(void *arg, const char *abs)
{
	struct leftover *l = arg;
	const char *rel = project_rel(l->c->b, abs);
	int f = rel ? floor_of(l->c->t, rel) : -1;
	char *who;

	if (f < 0 || strv_has(&l->c->files, abs))
		return;
	who = xprintf("floor %s's targets", l->c->t->v[f].name);
	check_file(l->c, abs, &l->floor_dirs[f], who);
	free(who);
}

/* Target @tg: its floor, its include directories, and the files it compiles. */
static void check_target(struct inc_ctx *c, const struct floor_target *tg, struct strv *floor_dirs)
{
	const struct floor_table *t = c->t;
	const struct floor_build *b = c->b;
	struct strv floors = { 0 }, srcs = { 0 }, stray = { 0 };
	bool *in = need(calloc(t->n, sizeof(*in)));

	/*
	 * Its floor is where its sources are. Generated sources have none,
	 * nor have the white-box test suites; a target of a floor that
	 * compiles such a file takes it out of every check.
	 */
	for (size_t k = 0; k < tg->sources.n; k++) {
		char *abs = path_join(tg->dir, tg->sources.v[k]);
		const char *rel = project_rel(b, abs);
		int f = rel ? floor_of(t, rel) : -1;

		if (f >= 0 && !in[f]) {
			in[f] = true;
			strv_push(&floors, xstrdup(t->v[f].name));
		}
		if (f >= 0)
			strv_push(&srcs, abs);
		else if (rel)
			strv_push(&stray, abs);
		else
			free(abs);
	}
	for (size_t k = 0; floors.n && k < stray.n; k++)
		problem(&c->problems, "target %s (floor %s) compiles %s, which is in no floor",
			tg->name, floors.v[0], project_rel(b, stray.v[k]));
	if (floors.n > 1) {
		char *names = strv_join(&floors);

		problem(&c->problems, "target %s has sources in floors %s: a target is one floor's",
			tg->name, names);
		free(names);
	}
	for (size_t f = 0; f < t->n; f++) {
		for (size_t k = 0; in[f] && k < tg->includes.n; k++) {
			check_include_dir(c, tg, (int)f, tg->includes.v[k]);
			if (!strv_has(&floor_dirs[f], tg->includes.v[k]))
				strv_push(&floor_dirs[f], xstrdup(tg->includes.v[k]));
		}
	}
	for (size_t k = 0; k < srcs.n; k++)
		check_file(c, srcs.v[k], &tg->includes, tg->name);
	strv_free(&floors);
	strv_free(&srcs);
	strv_free(&stray);
	free(in);
}

/* A floor's library compiles its floor's files: a misspelt folder shows here. */
static void check_library_sources(struct inc_ctx *c, size_t f)
{
	const struct floor_table *t = c->t;
	const struct floor_target *lib = t->v[f].library ? find_library(c->b, t->v[f].library) : NULL;

	for (size_t k = 0; lib && k < lib->sources.n; k++) {
		char *abs = path_join(lib->dir, lib->sources.v[k]);
		const char *rel = project_rel(c->b, abs);
		int g = rel ? floor_of(t, rel) : -1;

		if (rel && g != (int)f)
			problem(&c->problems, "library %s of floor %s compiles %s, which is in %s%s",
				lib->name, t->v[f].name, rel, g < 0 ? "no floor" : "floor ",
				g < 0 ? "" : t->v[g].name);
		free(abs);
	}
}

/*
 * The include directories a floor without targets (hv/ before it builds)
 * reads its files with: the folders that hold the folders of the floors it
 * sees (include/ for include/hvsim), the source root excepted.
 */
static void default_dirs(const struct floor_table *t, const struct floor_build *b, size_t f,
			 struct strv *dirs)
{
	for (size_t k = 0; k < t->v[f].sees.n; k++) {
		const struct floor *g = &t->v[table_floor(t, t->v[f].sees.v[k])];

		for (size_t j = 0; j < g->folders.n; j++) {
			const char *d = g->folders.v[j], *slash = strrchr(d, '/');
			char *abs;

			if (!slash)
				continue;
			abs = xprintf("%s/%.*s", b->source_dir, (int)(slash - d), d);
			if (strv_has(dirs, abs))
				free(abs);
			else
				strv_push(dirs, abs);
		}
	}
}

size_t floors_check_includes(const struct floor_table *t, const struct floor_build *b, FILE *out)
{
	struct inc_ctx c = { .t = t, .b = b };
	struct strv *floor_dirs = need(calloc(t->n, sizeof(*floor_dirs)));
	struct leftover l = { &c, floor_dirs };

	for (size_t i = 0; i < b->nr_targets; i++)
		check_target(&c, &b->targets[i], floor_dirs);
	for (size_t f = 0; f < t->n; f++)
		check_library_sources(&c, f);
	/*
	 * Files no target compiles or reaches (unused headers, a floor not
	 * built yet), read with their floor's targets' include directories.
	 */
	for (size_t f = 0; f < t->n; f++) {
		if (!floor_dirs[f].n)
			default_dirs(t, b, f, &floor_dirs[f]);
	}
	for (size_t f = 0; f < t->n; f++) {
		for (size_t k = 0; k < t->v[f].folders.n; k++) {
			char *abs = path_join(b->source_dir, t->v[f].folders.v[k]);

			each_source(b, abs, check_leftover, &l);
			free(abs);
		}
	}
	for (size_t f = 0; f < t->n; f++)
		strv_free(&floor_dirs[f]);
	free(floor_dirs);
	strv_free(&c.walked);
	strv_free(&c.files);
	return report(&c.problems, out);
}

/* ---- the symbol test ---- */

struct symref {
	char *name;		/* the symbol */
	char *member;		/* the archive member that references it */
};

/* The global symbols of one ELF file or archive. */
struct symfile {
	char *path;		/* as the manifest names it */
	struct strv defined;	/* sorted */
	struct symref *undef;	/* undefined references, in file order */
	size_t nr_undef;	/* how many */
	char *error;		/* why it could not be read, else NULL */
};

struct sym_ctx {
	struct symfile **files;	/* every file read so far */
	size_t nr_files;	/* how many */
};

/* Relocatable objects name their symbols in .symtab, shared objects in .dynsym. */
static void elf_symbols(Elf *e, const char *member, struct symfile *sf)
{
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	if (!gelf_getehdr(e, &eh))
		return;
	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *data;
		GElf_Shdr sh;
		size_t n;

		if (!gelf_getshdr(scn, &sh) ||
		    sh.sh_type != (eh.e_type == ET_DYN ? SHT_DYNSYM : SHT_SYMTAB) ||
		    !sh.sh_entsize || !(data = elf_getdata(scn, NULL)))
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 1; i < n; i++) {
			const char *name;
			GElf_Sym sym;

			if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_BIND(sym.st_info) == STB_LOCAL)
				continue;
			name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			if (sym.st_shndx != SHN_UNDEF) {
				strv_push(&sf->defined, xstrdup(name));
				continue;
			}
			sf->undef = need(realloc(sf->undef, (sf->nr_undef + 1) * sizeof(*sf->undef)));
			sf->undef[sf->nr_undef].name = xstrdup(name);
			sf->undef[sf->nr_undef++].member = xstrdup(member ? member : sf->path);
		}
	}
}

static void symfile_load(struct symfile *sf, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	Elf *top, *e;

	memset(sf, 0, sizeof(*sf));
	sf->path = xstrdup(path);
	if (fd < 0) {
		sf->error = xprintf("cannot open %s: %s", path, strerror(errno));
		return;
	}
	elf_version(EV_CURRENT);
	top = elf_begin(fd, ELF_C_READ, NULL);
	if (top && elf_kind(top) == ELF_K_AR) {
		Elf_Cmd cmd = ELF_C_READ;

		while ((e = elf_begin(fd, cmd, top))) {
			Elf_Arhdr *h = elf_getarhdr(e);

			/* "/" and "//" are the archive's own index and names. */
			if (h && h->ar_name[0] != '/' && elf_kind(e) == ELF_K_ELF)
				elf_symbols(e, h->ar_name, sf);
			cmd = elf_next(e);
			elf_end(e);
		}
	} else if (top && elf_kind(top) == ELF_K_ELF) {
		elf_symbols(top, NULL, sf);
	} else {
		sf->error = xprintf("%s is neither an ELF file nor an archive", path);
	}
	elf_end(top);
	close(fd);
	if (sf->defined.n)
		qsort(sf->defined.v, sf->defined.n, sizeof(*sf->defined.v), cmp_str);
}

static struct symfile *symfile_get(struct sym_ctx *c, const char *path)
{
	struct symfile *sf;

	for (size_t i = 0; i < c->nr_files; i++)
		if (!strcmp(c->files[i]->path, path))
			return c->files[i];
	sf = need(malloc(sizeof(*sf)));
	symfile_load(sf, path);
	c->files = need(realloc(c->files, (c->nr_files + 1) * sizeof(*c->files)));
	c->files[c->nr_files++] = sf;
	return sf;
}

static bool symfile_defines(const struct symfile *sf, const char *name)
{
	return sf->defined.n &&
	       bsearch(&name, sf->defined.v, sf->defined.n, sizeof(*sf->defined.v), cmp_str);
}

/* Symbols the static linker (or the C start files) defines in every program. */
static bool linker_defined(const char *name)
{
	static const char *const fixed[] = {
		"_GLOBAL_OFFSET_TABLE_", "_DYNAMIC", "__dso_handle", "__ehdr_start",
		"__executable_start", "__bss_start", "_edata", "_end", "_etext",
	};
	static const char ident[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
	const char *sec = NULL;

	/* __start_SEC/__stop_SEC bound every section named like a C identifier. */
	if (!strncmp(name, "__start_", 8))
		sec = name + 8;
	else if (!strncmp(name, "__stop_", 7))
		sec = name + 7;
	if (sec)
		return *sec && !isdigit((unsigned char)*sec) && !sec[strspn(sec, ident)];
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(name, fixed[i]))
			return true;
	return false;
}

/* The sanitizer runtimes' names, for a build that did not find their files. */
static bool sanitizer_name(const char *name)
{
	static const char *const prefixes[] = { "__asan_", "__ubsan_", "__lsan_", "__sanitizer_" };

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(name, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

static const struct floor_external *find_external(const struct floor_build *b, const char *name)
{
	for (size_t i = 0; i < b->nr_externals; i++)
		if (!strcmp(b->externals[i].name, name))
			return &b->externals[i];
	return NULL;
}

/* Add @path to the files floor @f may take symbols from. */
static void allow(struct sym_ctx *c, struct strv *problems, const struct symfile ***from, size_t *n,
		  const char *floor, const char *path)
{
	const struct symfile *sf = symfile_get(c, path);

	if (sf->error) {
		problem(problems, "floor %s: %s", floor, sf->error);
		return;
	}
	*from = need(realloc(*from, (*n + 1) * sizeof(**from)));
	(*from)[(*n)++] = sf;
}

/* Which floor's library defines @name, or -1. */
static int defining_floor(struct sym_ctx *c, const struct floor_table *t,
			  const struct floor_build *b, const char *name)
{
	for (size_t g = 0; g < t->n; g++) {
		const struct floor_target *lib = t->v[g].library ? find_library(b, t->v[g].library) : NULL;

		if (lib && symfile_defines(symfile_get(c, lib->file), name))
			return (int)g;
	}
	return -1;
}

static void check_library(struct sym_ctx *c, struct strv *problems, const struct floor_table *t,
			  const struct floor_build *b, size_t f)
{
	const struct floor *fl = &t->v[f];
	const struct floor_target *lib = find_library(b, fl->library);
	const struct symfile **from = NULL, *own;
	bool by_prefix = b->sanitize && !b->sanitizer.n;
	char *sees, *ext;
	size_t n = 0;

	if (!lib) {
		problem(problems, "floor %s: library %s is not a static library of this build",
			fl->name, fl->library);
		return;
	}
	allow(c, problems, &from, &n, fl->name, lib->file);
	if (!n)
		return;
	own = from[0];
	for (size_t k = 0; k < fl->sees.n; k++) {
		const struct floor *g = &t->v[table_floor(t, fl->sees.v[k])];
		const struct floor_target *gl = g->library ? find_library(b, g->library) : NULL;

		if (gl && gl != lib)
			allow(c, problems, &from, &n, fl->name, gl->file);
	}
	for (size_t k = 0; k < fl->external.n; k++) {
		const struct floor_external *x = find_external(b, fl->external.v[k]);

		if (!x || !x->files.n)
			problem(problems,
				"floor %s: no library files known for external \"%s\" (hvsim_floor_manifest in cmake/hvsim.cmake)",
				fl->name, fl->external.v[k]);
		for (size_t i = 0; x && i < x->files.n; i++)
			allow(c, problems, &from, &n, fl->name, x->files.v[i]);
	}
	for (size_t i = 0; b->sanitize && i < b->sanitizer.n; i++)
		allow(c, problems, &from, &n, fl->name, b->sanitizer.v[i]);

	sees = strv_join(&fl->sees);
	ext = strv_join(&fl->external);
	for (size_t u = 0; u < own->nr_undef; u++) {
		const struct symref *r = &own->undef[u];
		size_t i = 0;
		int g;

		while (i < n && !symfile_defines(from[i], r->name))
			i++;
		if (i < n || linker_defined(r->name) || (by_prefix && sanitizer_name(r->name)))
			continue;
		g = defining_floor(c, t, b, r->name);
		if (g >= 0)
			problem(problems,
				"%s: %s references %s, defined in %s (floor %s), which floor %s does not see (it sees %s)",
				fl->library, r->member, r->name, t->v[g].library, t->v[g].name,
				fl->name, sees);
		else
			problem(problems,
				"%s: %s references %s, which no library floor %s may use defines (it sees %s; external %s)",
				fl->library, r->member, r->name, fl->name, sees, ext);
	}
	free(sees);
	free(ext);
	free(from);
}

size_t floors_check_symbols(const struct floor_table *t, const struct floor_build *b, FILE *out)
{
	struct strv problems = { 0 };
	struct sym_ctx c = { 0 };

	for (size_t f = 0; f < t->n; f++)
		if (t->v[f].library)
			check_library(&c, &problems, t, b, f);
	for (size_t i = 0; i < c.nr_files; i++) {
		struct symfile *sf = c.files[i];

		for (size_t u = 0; u < sf->nr_undef; u++) {
			free(sf->undef[u].name);
			free(sf->undef[u].member);
		}
		free(sf->undef);
		strv_free(&sf->defined);
		free(sf->path);
		free(sf->error);
		free(sf);
	}
	free(c.files);
	return report(&problems, out);
}
