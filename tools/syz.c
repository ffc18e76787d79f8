// SPDX-License-Identifier: MIT
/*
 * syzkaller program text, one call a line, parsed against the call table
 * (syz_table.c) into typed arguments laid out as memory holds them.
 *
 * An input path: every malformed line is -EINVAL with "LINE:COL: expected
 * X, found Y", never an assertion; nesting, element counts, data sizes and
 * the memory a program takes are capped, so no input can make it recurse
 * deep or grow without bound.
 */
#include "syz.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every node of a program lives in one list of blocks, freed at once. */
struct syz_mem {
	struct syz_mem *next;
	size_t size;
	max_align_t data[];
};

/* The most memory one program's nodes and data may take. */
#define SYZ_MEM_MAX	(64ULL << 20)
#define SYZ_MAX_WARNINGS 64

struct syz_ctx {
	struct syz_prog *p;
	const char *s;		/* the line */
	size_t len;
	size_t pos;
	unsigned int line;
	char *err;
	size_t errlen;
	int failed;
};

static void *mem_alloc(struct syz_ctx *c, size_t size)
{
	struct syz_mem *m;

	if (c->failed)
		return NULL;
	if (size > SYZ_MEM_MAX || c->p->mem_bytes + size > SYZ_MEM_MAX) {
		snprintf(c->err, c->errlen, "%u:%zu: expected a program of at most %llu MiB of data, found more",
			 c->line, c->pos + 1, SYZ_MEM_MAX >> 20);
		c->failed = -E2BIG;
		return NULL;
	}
	m = calloc(1, sizeof(*m) + size);
	if (!m) {
		snprintf(c->err, c->errlen, "%u:%zu: out of memory", c->line, c->pos + 1);
		c->failed = -ENOMEM;
		return NULL;
	}
	m->size = size;
	m->next = c->p->mem;
	c->p->mem = m;
	c->p->mem_bytes += size;
	return m->data;
}

struct syz_prog *syz_prog_new(void)
{
	return calloc(1, sizeof(struct syz_prog));
}

void syz_prog_free(struct syz_prog *p)
{
	struct syz_mem *m, *next;

	if (!p)
		return;
	for (m = p->mem; m; m = next) {
		next = m->next;
		free(m);
	}
	for (unsigned int i = 0; i < p->nwarnings; i++)
		free(p->warnings[i]);
	free(p->warnings);
	free(p->calls);
	free(p);
}

/* What is at the cursor, for "found ...": a word, a character or the end. */
static void describe_found(const struct syz_ctx *c, char *out, size_t len)
{
	size_t i = c->pos, n = 0;
	unsigned char ch;

	if (i >= c->len) {
		snprintf(out, len, "the end of the line");
		return;
	}
	ch = (unsigned char)c->s[i];
	if (ch < 0x20 || ch >= 0x7f) {
		snprintf(out, len, "byte 0x%02x", ch);
		return;
	}
	while (i + n < c->len && n < 48) {
		ch = (unsigned char)c->s[i + n];
		if (ch < 0x20 || ch >= 0x7f || (n && strchr(" ,(){}[]=", ch)))
			break;
		n++;
	}
	snprintf(out, len, "'%.*s%s'", (int)n, c->s + i,
		 i + n < c->len && n == 48 && !strchr(" ,(){}[]=", c->s[i + n]) ? "..." : "");
}

/* "LINE:COL: expected <what>, found <what is there>", at the cursor. */
__attribute__((format(printf, 2, 3)))
static int fail(struct syz_ctx *c, const char *fmt, ...)
{
	char what[256], found[64];
	va_list ap;

	if (c->failed)
		return c->failed;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	describe_found(c, found, sizeof(found));
	snprintf(c->err, c->errlen, "%u:%zu: expected %s, found %s", c->line, c->pos + 1, what,
		 found);
	c->failed = -EINVAL;
	return c->failed;
}

__attribute__((format(printf, 4, 5)))
static void warn(struct syz_ctx *c, unsigned int line, unsigned int col, const char *fmt, ...)
{
	struct syz_prog *p = c->p;
	char text[256], **w;
	va_list ap;
	int n;

	if (p->nwarnings >= SYZ_MAX_WARNINGS)
		return;
	n = snprintf(text, sizeof(text), "%u:%u: warning: ", line, col);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	w = realloc(p->warnings, (p->nwarnings + 1) * sizeof(*w));
	if (!w)
		return;
	p->warnings = w;
	w[p->nwarnings] = strdup(text);
	if (w[p->nwarnings])
		p->nwarnings++;
}

static char peek(const struct syz_ctx *c)
{
	return c->pos < c->len ? c->s[c->pos] : '\0';
}

static void skip_blanks(struct syz_ctx *c)
{
	while (c->pos < c->len && (c->s[c->pos] == ' ' || c->s[c->pos] == '\t'))
		c->pos++;
}

static bool eat(struct syz_ctx *c, char ch)
{
	skip_blanks(c);
	if (peek(c) != ch)
		return false;
	c->pos++;
	return true;
}

static bool eat_word(struct syz_ctx *c, const char *w)
{
	size_t n = strlen(w);

	if (c->len - c->pos < n || memcmp(c->s + c->pos, w, n))
		return false;
	c->pos += n;
	return true;
}

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* A whole number, 0x-hex or decimal, of at most 64 bits. */
static int parse_u64(struct syz_ctx *c, uint64_t *out)
{
	size_t start;
	uint64_t v = 0;

	skip_blanks(c);
	start = c->pos;
	if (!is_digit(peek(c)))
		return fail(c, "a number");
	if (c->len - c->pos > 2 && c->s[c->pos] == '0' && (c->s[c->pos + 1] == 'x' || c->s[c->pos + 1] == 'X')) {
		c->pos += 2;
		if (hexval(peek(c)) < 0)
			return fail(c, "a hex digit");
		while (hexval(peek(c)) >= 0) {
			if (v >> 60) {
				c->pos = start;
				return fail(c, "a number of at most 64 bits");
			}
			v = v << 4 | (uint64_t)hexval(peek(c));
			c->pos++;
		}
	} else {
		while (is_digit(peek(c))) {
			unsigned int d = (unsigned int)(peek(c) - '0');

			if (v > (UINT64_MAX - d) / 10) {
				c->pos = start;
				return fail(c, "a number of at most 64 bits");
			}
			v = v * 10 + d;
			c->pos++;
		}
	}
	if (peek(c) == '_' || (peek(c) >= 'a' && peek(c) <= 'z') || (peek(c) >= 'A' && peek(c) <= 'Z'))
		return fail(c, "a digit, ',' or ')' after the number");
	*out = v;
	return 0;
}

static unsigned int col_of(const struct syz_ctx *c)
{
	return (unsigned int)c->pos + 1;
}

static struct syz_arg *new_arg(struct syz_ctx *c, enum syz_arg_kind kind, const struct syz_type *t,
			       unsigned int col)
{
	struct syz_arg *a = mem_alloc(c, sizeof(*a));

	if (!a)
		return NULL;
	a->kind = kind;
	a->type = t;
	a->line = col ? c->line : 0;
	a->col = col;
	return a;
}

static struct syz_arg *default_arg(struct syz_ctx *c, const struct syz_type *t, unsigned int depth);

static struct syz_arg **new_elems(struct syz_ctx *c, unsigned int n)
{
	return n ? mem_alloc(c, n * sizeof(struct syz_arg *)) : NULL;
}

/* The value a type takes when the program leaves it out, as syzkaller's default. */
static struct syz_arg *default_arg(struct syz_ctx *c, const struct syz_type *t, unsigned int depth)
{
	struct syz_arg *a;

	if (depth > SYZ_MAX_DEPTH) {
		fail(c, "at most %d levels of nesting", SYZ_MAX_DEPTH);
		return NULL;
	}
	switch (t->kind) {
	case SYZ_T_INT:
	case SYZ_T_CONST:
	case SYZ_T_LEN:
	case SYZ_T_RES:
		a = new_arg(c, SYZ_A_INT, t, 0);
		if (!a)
			return NULL;
		a->val = t->kind == SYZ_T_CONST ? t->value : t->kind == SYZ_T_RES ? UINT64_MAX : 0;
		a->is_auto = t->kind == SYZ_T_LEN;
		return a;
	case SYZ_T_PTR:
	case SYZ_T_VMA:
		return new_arg(c, SYZ_A_NIL, t, 0);
	case SYZ_T_STRUCT:
	case SYZ_T_ARRAY: {
		unsigned int n = t->kind == SYZ_T_STRUCT ? t->nfields : t->len;

		a = new_arg(c, SYZ_A_GROUP, t, 0);
		if (!a)
			return NULL;
		a->elems = new_elems(c, n);
		if (n && !a->elems)
			return NULL;
		for (unsigned int i = 0; i < n; i++) {
			a->elems[i] = default_arg(c, t->kind == SYZ_T_STRUCT ? t->fields[i].type : t->elem,
						  depth + 1);
			if (!a->elems[i])
				return NULL;
		}
		a->nelems = n;
		return a;
	}
	case SYZ_T_STRING:
		a = new_arg(c, SYZ_A_DATA, t, 0);
		if (!a)
			return NULL;
		a->len = strlen(t->text) + 1;
		a->data = mem_alloc(c, a->len);
		if (!a->data)
			return NULL;
		memcpy(a->data, t->text, a->len - 1);
		return a;
	}
	return NULL;
}

static const char *kind_words(const struct syz_type *t)
{
	switch (t->kind) {
	case SYZ_T_INT:
		return "an integer";
	case SYZ_T_CONST:
		return "the constant";
	case SYZ_T_LEN:
		return "a length or AUTO";
	case SYZ_T_RES:
		return "a resource (rN) or an integer";
	case SYZ_T_PTR:
		return "a pointer (&(0x7f0000000000...), &AUTO, nil) or an integer";
	case SYZ_T_VMA:
		return "an address range (&(0x7f0000000000/0x1000)=nil), nil or an integer";
	case SYZ_T_STRUCT:
		return "a struct ({...})";
	case SYZ_T_ARRAY:
		return "an array ([...])";
	case SYZ_T_STRING:
		return "a string ('...' or \"hex\")";
	}
	return "a value";
}

static struct syz_arg *parse_arg(struct syz_ctx *c, const struct syz_type *t, const char *what,
				 unsigned int depth);

/* An integer where @t wants one: its width is checked, a wider value kept and warned. */
static struct syz_arg *parse_int(struct syz_ctx *c, const struct syz_type *t, const char *what)
{
	unsigned int col = col_of(c);
	struct syz_arg *a;
	uint64_t v;

	if (parse_u64(c, &v))
		return NULL;
	if (t->kind == SYZ_T_CONST && v != t->value) {
		c->pos = col - 1;
		fail(c, "%#llx for %s (%s)", (unsigned long long)t->value, what, t->name);
		return NULL;
	}
	a = new_arg(c, SYZ_A_INT, t, col);
	if (!a)
		return NULL;
	a->val = v;
	if (t->size < 8 && (v >> (t->size * 8))) {
		/* syz-executor copies the low bytes in; so does hvsim, saying so. */
		a->truncated = true;
		warn(c, c->line, col, "%#llx does not fit %s (%s); its low %u bytes are used, as syz-executor does",
		     (unsigned long long)v, what, t->name, t->size);
	}
	return a;
}

/* rN[/div][+add]: a use of a resource defined earlier. */
static struct syz_arg *parse_res_use(struct syz_ctx *c, const struct syz_type *t, const char *what)
{
	unsigned int col = col_of(c);
	const struct syz_res *r;
	struct syz_arg *a;
	uint64_t n;

	c->pos++;
	if (parse_u64(c, &n))
		return NULL;
	if (n >= SYZ_MAX_RES) {
		c->pos = col - 1;
		fail(c, "a resource from r0 to r%d", SYZ_MAX_RES - 1);
		return NULL;
	}
	r = &c->p->res[n];
	if (t->kind != SYZ_T_RES) {
		c->pos = col - 1;
		fail(c, "%s for %s (%s)", kind_words(t), what, t->name);
		return NULL;
	}
	if (!r->defined) {
		c->pos = col - 1;
		fail(c, "a resource defined by an earlier call for %s", what);
		return NULL;
	}
	if (!syz_res_compatible(r->type, t)) {
		c->pos = col - 1;
		fail(c, "a resource of kind %s for %s; r%llu is %s, from line %u", t->name, what,
		     (unsigned long long)n, r->type->name, c->p->calls[r->call].line);
		return NULL;
	}
	a = new_arg(c, SYZ_A_RES, t, col);
	if (!a)
		return NULL;
	a->res = (unsigned int)n;
	if (peek(c) == '/') {
		c->pos++;
		if (parse_u64(c, &a->op_div))
			return NULL;
		if (!a->op_div) {
			fail(c, "a divisor that is not 0");
			return NULL;
		}
	}
	if (peek(c) == '+') {
		c->pos++;
		if (parse_u64(c, &a->op_add))
			return NULL;
	}
	return a;
}

/* 'text' with C escapes, or "hex": the bytes of a string. */
static struct syz_arg *parse_data(struct syz_ctx *c, const struct syz_type *t, const char *what)
{
	unsigned int col = col_of(c);
	char q = peek(c);
	size_t start, n = 0, cap;
	struct syz_arg *a;
	uint8_t *buf;

	if (t->kind != SYZ_T_STRING) {
		fail(c, "%s for %s (%s)", kind_words(t), what, t->name);
		return NULL;
	}
	c->pos++;
	start = c->pos;
	while (c->pos < c->len && c->s[c->pos] != q)
		c->pos += c->s[c->pos] == '\\' && q == '\'' ? 2 : 1;
	if (c->pos >= c->len) {
		c->pos = c->len;
		fail(c, "the closing %c of the string that starts at column %u", q, col);
		return NULL;
	}
	cap = c->pos - start;
	buf = mem_alloc(c, cap + 1);
	if (!buf)
		return NULL;
	for (size_t i = start; i < c->pos;) {
		if (q == '"') {
			int hi = hexval(c->s[i]), lo = i + 1 < c->pos ? hexval(c->s[i + 1]) : -1;

			if (hi < 0 || lo < 0) {
				/* At the bad digit, or at a lone last one. */
				c->pos = hi < 0 || i + 1 == c->pos ? i : i + 1;
				fail(c, "pairs of hex digits in \"...\" data");
				return NULL;
			}
			buf[n++] = (uint8_t)(hi << 4 | lo);
			i += 2;
			continue;
		}
		if (c->s[i] != '\\') {
			buf[n++] = (uint8_t)c->s[i++];
			continue;
		}
		switch (c->s[i + 1]) {
		case 'x': {
			int hi = i + 2 < c->pos ? hexval(c->s[i + 2]) : -1;
			int lo = i + 3 < c->pos ? hexval(c->s[i + 3]) : -1;

			if (hi < 0 || lo < 0) {
				c->pos = i;
				fail(c, "two hex digits after \\x");
				return NULL;
			}
			buf[n++] = (uint8_t)(hi << 4 | lo);
			i += 4;
			continue;
		}
		case '0': buf[n++] = 0; break;
		case 'n': buf[n++] = '\n'; break;
		case 't': buf[n++] = '\t'; break;
		case 'r': buf[n++] = '\r'; break;
		case 'v': buf[n++] = '\v'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'a': buf[n++] = '\a'; break;
		case 'b': buf[n++] = '\b'; break;
		case '\\': case '\'': case '"': buf[n++] = (uint8_t)c->s[i + 1]; break;
		default:
			c->pos = i;
			fail(c, "an escape (\\xNN, \\0, \\n, \\t, \\r, \\v, \\f, \\a, \\b, \\\\, \\', \\\")");
			return NULL;
		}
		i += 2;
	}
	c->pos++;
	a = new_arg(c, SYZ_A_DATA, t, col);
	if (!a)
		return NULL;
	a->data = buf;
	a->len = n;
	/* 'text'/N: N bytes, cut or padded with zeros (syzkaller's size suffix). */
	if (peek(c) == '/') {
		uint64_t size;

		c->pos++;
		if (parse_u64(c, &size))
			return NULL;
		if (size > SYZ_DATA_SIZE) {
			fail(c, "a size of at most %llu bytes (the data area)", SYZ_DATA_SIZE);
			return NULL;
		}
		if (size > n) {
			a->data = mem_alloc(c, (size_t)size);
			if (!a->data)
				return NULL;
			memcpy(a->data, buf, n);
		}
		a->len = (size_t)size;
	}
	return a;
}

/* {f0, f1, ...} or [e0, e1, ...]: fields left out at the end take their defaults. */
static struct syz_arg *parse_group(struct syz_ctx *c, const struct syz_type *t, const char *what,
				   unsigned int depth)
{
	bool is_struct = peek(c) == '{';
	char close = is_struct ? '}' : ']';
	unsigned int col = col_of(c), n = 0, max;
	struct syz_arg *a, **tmp;

	if (t->kind != (is_struct ? SYZ_T_STRUCT : SYZ_T_ARRAY)) {
		fail(c, "%s for %s (%s)", kind_words(t), what, t->name);
		return NULL;
	}
	max = is_struct ? t->nfields : t->len ? t->len : SYZ_MAX_ELEMS;
	tmp = calloc(max ? max : 1, sizeof(*tmp));
	if (!tmp) {
		fail(c, "memory for the elements");
		return NULL;
	}
	c->pos++;
	skip_blanks(c);
	if (peek(c) != close) {
		for (;;) {
			char name[96];

			skip_blanks(c);
			if (n == max) {
				fail(c, "'%c': %s has %u %s", close, t->name, max,
				     is_struct ? "fields" : t->len ? "elements" : "elements at most");
				goto bad;
			}
			if (is_struct)
				snprintf(name, sizeof(name), "field '%s' of %s", t->fields[n].name, t->name);
			else
				snprintf(name, sizeof(name), "element %u of %s", n, t->name);
			tmp[n] = parse_arg(c, is_struct ? t->fields[n].type : t->elem, name, depth + 1);
			if (!tmp[n])
				goto bad;
			n++;
			if (eat(c, ','))
				continue;
			if (eat(c, close))
				break;
			fail(c, "',' or '%c'", close);
			goto bad;
		}
	} else {
		c->pos++;
	}
	a = new_arg(c, SYZ_A_GROUP, t, col);
	if (!a)
		goto bad;
	a->nelems = is_struct ? t->nfields : t->len ? t->len : n;
	a->elems = new_elems(c, a->nelems);
	if (a->nelems && !a->elems)
		goto bad;
	for (unsigned int i = 0; i < a->nelems; i++) {
		a->elems[i] = i < n ? tmp[i] :
			default_arg(c, is_struct ? t->fields[i].type : t->elem, depth + 1);
		if (!a->elems[i])
			goto bad;
	}
	free(tmp);
	return a;
bad:
	free(tmp);
	return NULL;
}

/* &(addr[/size])[=value], &AUTO[=value]: a pointer into the data area. */
static struct syz_arg *parse_pointer(struct syz_ctx *c, const struct syz_type *t, const char *what,
				     unsigned int depth)
{
	unsigned int col = col_of(c);
	struct syz_arg *a;
	uint64_t addr = 0, size = 0;
	bool is_auto = false;

	if (t->kind != SYZ_T_PTR && t->kind != SYZ_T_VMA) {
		fail(c, "%s for %s (%s)", kind_words(t), what, t->name);
		return NULL;
	}
	c->pos++;
	if (eat_word(c, "AUTO")) {
		is_auto = true;
		if (t->kind == SYZ_T_VMA) {
			c->pos -= 4;
			fail(c, "an address and size, &(0x7f0000000000/0x1000), for %s", what);
			return NULL;
		}
	} else {
		size_t at;

		if (peek(c) != '(') {
			fail(c, "'(' or AUTO after '&'");
			return NULL;
		}
		c->pos++;
		at = c->pos;
		if (parse_u64(c, &addr))
			return NULL;
		if (addr < SYZ_DATA_BASE || addr - SYZ_DATA_BASE >= SYZ_DATA_SIZE) {
			c->pos = at;
			fail(c, "an address in the data area, 0x7f0000000000 to 0x7f0000ffffff");
			return NULL;
		}
		if (t->kind == SYZ_T_VMA && peek(c) != '/') {
			fail(c, "'/SIZE' after the address of %s, an address range", what);
			return NULL;
		}
		if (t->kind == SYZ_T_PTR && peek(c) == '/') {
			fail(c, "')': %s points to data, it has no size", what);
			return NULL;
		}
		if (peek(c) == '/') {
			c->pos++;
			if (parse_u64(c, &size))
				return NULL;
			if (size > SYZ_DATA_SIZE - (addr - SYZ_DATA_BASE)) {
				fail(c, "a size that ends inside the data area (at most %#llx)",
				     SYZ_DATA_SIZE - (addr - SYZ_DATA_BASE));
				return NULL;
			}
		}
		if (!eat(c, ')')) {
			fail(c, "')' after the address");
			return NULL;
		}
	}
	a = new_arg(c, SYZ_A_PTR, t, col);
	if (!a)
		return NULL;
	a->auto_addr = is_auto;
	a->area_off = addr - (is_auto ? 0 : SYZ_DATA_BASE);
	a->vma_size = size;
	if (t->kind == SYZ_T_VMA) {
		/* A mapping has no data: "=nil", or nothing. */
		if (peek(c) == '=') {
			c->pos++;
			if (!eat_word(c, "nil")) {
				fail(c, "nil after '=' of an address range");
				return NULL;
			}
		}
		return a;
	}
	if (peek(c) == '=') {
		c->pos++;
		a->pointee = parse_arg(c, t->elem, what, depth + 1);
	} else {
		a->pointee = default_arg(c, t->elem, depth + 1);
	}
	return a->pointee ? a : NULL;
}

static struct syz_arg *parse_arg(struct syz_ctx *c, const struct syz_type *t, const char *what,
				 unsigned int depth)
{
	char ch;

	skip_blanks(c);
	if (depth > SYZ_MAX_DEPTH) {
		fail(c, "at most %d levels of nesting", SYZ_MAX_DEPTH);
		return NULL;
	}
	ch = peek(c);
	if (is_digit(ch)) {
		if (t->kind == SYZ_T_STRUCT || t->kind == SYZ_T_ARRAY || t->kind == SYZ_T_STRING) {
			fail(c, "%s for %s (%s)", kind_words(t), what, t->name);
			return NULL;
		}
		return parse_int(c, t, what);
	}
	if (ch == 'r' && c->pos + 1 < c->len && is_digit(c->s[c->pos + 1]))
		return parse_res_use(c, t, what);
	if (ch == '&')
		return parse_pointer(c, t, what, depth);
	if (ch == '{' || ch == '[')
		return parse_group(c, t, what, depth);
	if (ch == '\'' || ch == '"')
		return parse_data(c, t, what);
	if (c->len - c->pos >= 3 && !memcmp(c->s + c->pos, "nil", 3) &&
	    (t->kind == SYZ_T_PTR || t->kind == SYZ_T_VMA)) {
		unsigned int col = col_of(c);

		c->pos += 3;
		return new_arg(c, SYZ_A_NIL, t, col);
	}
	if (c->len - c->pos >= 4 && !memcmp(c->s + c->pos, "AUTO", 4) &&
	    (t->kind == SYZ_T_CONST || t->kind == SYZ_T_LEN)) {
		struct syz_arg *a = new_arg(c, SYZ_A_INT, t, col_of(c));

		c->pos += 4;
		if (a) {
			a->is_auto = true;
			a->val = t->kind == SYZ_T_CONST ? t->value : 0;
		}
		return a;
	}
	fail(c, "%s for %s (%s)", kind_words(t), what, t->name);
	return NULL;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

static unsigned int type_align(const struct syz_type *t, unsigned int depth)
{
	unsigned int a = 1;

	if (t->align || depth > SYZ_MAX_DEPTH)
		return t->align ? t->align : 1;
	if (t->kind == SYZ_T_ARRAY)
		return type_align(t->elem, depth + 1);
	for (unsigned int i = 0; t->kind == SYZ_T_STRUCT && i < t->nfields; i++) {
		unsigned int f = type_align(t->fields[i].type, depth + 1);

		a = f > a ? f : a;
	}
	return a;
}

/* Lengths AUTO or left out: the sibling's element count, or its mapping's size. */
static void fill_lens(struct syz_arg *a)
{
	if (a->kind != SYZ_A_GROUP || a->type->kind != SYZ_T_STRUCT)
		return;
	for (unsigned int i = 0; i < a->nelems; i++) {
		struct syz_arg *f = a->elems[i], *of;

		if (f->type->kind != SYZ_T_LEN || !f->is_auto || f->type->len_of >= a->nelems)
			continue;
		of = a->elems[f->type->len_of];
		if (of->kind == SYZ_A_GROUP)
			f->val = of->nelems;
		else if (of->kind == SYZ_A_PTR)
			f->val = of->vma_size;
		else if (of->kind == SYZ_A_DATA)
			f->val = of->len;
	}
}

/* Offsets from the start of the pointee, natural alignment; returns the size. */
static uint64_t layout(struct syz_arg *a, uint64_t off)
{
	const struct syz_type *t = a->type;
	uint64_t start = off;

	a->offset = off;
	switch (a->kind) {
	case SYZ_A_GROUP:
		fill_lens(a);
		for (unsigned int i = 0; i < a->nelems; i++) {
			off = align_up(off, type_align(a->elems[i]->type, 0));
			off += layout(a->elems[i], off);
		}
		a->size = align_up(off - start, type_align(t, 0));
		if (t->kind == SYZ_T_STRUCT && t->size > a->size)
			a->size = t->size;
		break;
	case SYZ_A_DATA:
		a->size = a->len;
		break;
	default:
		a->size = t->size ? t->size : 8;
		break;
	}
	return a->size;
}

/* Lay each pointee of @a (a call argument or an element) out and check it fits the area. */
static int place_pointees(struct syz_ctx *c, struct syz_arg *a)
{
	if (a->kind == SYZ_A_GROUP) {
		for (unsigned int i = 0; i < a->nelems; i++)
			if (place_pointees(c, a->elems[i]))
				return c->failed;
		return 0;
	}
	if (a->kind != SYZ_A_PTR || !a->pointee)
		return 0;
	layout(a->pointee, 0);
	if (a->auto_addr) {
		a->area_off = align_up(c->p->auto_next, 8);
		if (a->area_off > SYZ_DATA_SIZE)
			a->area_off = SYZ_DATA_SIZE;
	}
	if (a->pointee->size > SYZ_DATA_SIZE - a->area_off) {
		c->pos = a->col - 1;
		return fail(c, "data that ends inside the data area: %llu bytes at offset %#llx go past its %llu",
			    (unsigned long long)a->pointee->size, (unsigned long long)a->area_off,
			    SYZ_DATA_SIZE);
	}
	if (a->auto_addr)
		c->p->auto_next = a->area_off + a->pointee->size;
	return place_pointees(c, a->pointee);
}

/* Call properties: (async), (fail_nth: N), (rerun: N), comma-separated in one pair. */
static int parse_props(struct syz_ctx *c, struct syz_call *call)
{
	if (!eat(c, '('))
		return 0;
	for (;;) {
		uint64_t v;

		skip_blanks(c);
		if (eat_word(c, "async")) {
			call->async = true;
		} else if (eat_word(c, "fail_nth")) {
			if (!eat(c, ':'))
				return fail(c, "':' after fail_nth");
			skip_blanks(c);
			if (parse_u64(c, &v))
				return c->failed;
			if (!v || v > SYZ_MAX_FAIL_NTH)
				return fail(c, "fail_nth from 1 to %d", SYZ_MAX_FAIL_NTH);
			call->fail_nth = (unsigned int)v;
		} else if (eat_word(c, "rerun")) {
			if (!eat(c, ':'))
				return fail(c, "':' after rerun");
			skip_blanks(c);
			if (parse_u64(c, &v))
				return c->failed;
			if (!v || v > SYZ_MAX_RERUN)
				return fail(c, "rerun from 1 to %d", SYZ_MAX_RERUN);
			call->rerun = (unsigned int)v;
		} else {
			return fail(c, "a call property (async, fail_nth: N, rerun: N)");
		}
		if (eat(c, ','))
			continue;
		if (eat(c, ')'))
			break;
		return fail(c, "',' or ')' after the call property");
	}
	if (call->fail_nth && call->rerun)
		return fail(c, "fail_nth or rerun, not both (syzkaller refuses them together)");
	return 0;
}

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '_' ||
	       ch == '$';
}

int syz_parse_line(struct syz_prog *p, const char *s, size_t len, unsigned int line,
		   int pin_cpu, char *err, size_t errlen)
{
	struct syz_ctx c = {
		.p = p, .s = s, .len = len, .line = line, .err = err, .errlen = errlen,
	};
	struct syz_call call = { .ret = -1, .cpu = pin_cpu, .line = line };
	size_t name_at;
	uint64_t ret = 0;
	bool has_ret = false;

	skip_blanks(&c);
	if (c.pos == c.len || peek(&c) == '#')
		return 0;
	if (peek(&c) == 'r' && c.pos + 1 < c.len && is_digit(c.s[c.pos + 1])) {
		size_t at = c.pos;

		c.pos++;
		if (parse_u64(&c, &ret))
			return c.failed;
		if (!eat(&c, '='))
			return fail(&c, "'=' after r%llu", (unsigned long long)ret);
		if (ret >= SYZ_MAX_RES) {
			c.pos = at;
			return fail(&c, "a resource from r0 to r%d", SYZ_MAX_RES - 1);
		}
		if (p->res[ret].defined) {
			c.pos = at;
			return fail(&c, "a resource not defined before (r%llu is defined at line %u)",
				    (unsigned long long)ret, p->calls[p->res[ret].call].line);
		}
		has_ret = true;
		skip_blanks(&c);
	}
	if (p->ncalls >= SYZ_MAX_CALLS)
		return fail(&c, "at most %d calls", SYZ_MAX_CALLS);
	name_at = c.pos;
	while (c.pos < c.len && name_char(c.s[c.pos]))
		c.pos++;
	if (c.pos == name_at)
		return fail(&c, "a call (name$variant(args...)) or a comment");
	call.desc = syz_call_find(s + name_at, c.pos - name_at);
	if (!call.desc) {
		c.pos = name_at;
		return fail(&c, "a call hvsim models (docs/scenarios.md lists them)");
	}
	if (has_ret && !call.desc->ret) {
		c.pos = name_at;
		return fail(&c, "a call that returns a resource after 'r%llu ='",
			    (unsigned long long)ret);
	}
	if (peek(&c) != '(')
		return fail(&c, "'(' after %s", call.desc->name);
	c.pos++;
	call.args = mem_alloc(&c, (call.desc->nargs ? call.desc->nargs : 1) * sizeof(*call.args));
	if (!call.args)
		return c.failed;
	for (unsigned int i = 0; i < call.desc->nargs; i++) {
		char what[96];

		snprintf(what, sizeof(what), "argument %u '%s' of %s", i + 1, call.desc->args[i].name,
			 call.desc->name);
		skip_blanks(&c);
		if (peek(&c) == ')')
			return fail(&c, "%u arguments for %s", call.desc->nargs, call.desc->name);
		call.args[i] = parse_arg(&c, call.desc->args[i].type, what, 0);
		if (!call.args[i])
			return c.failed;
		call.args[i]->size = 8;
		if (place_pointees(&c, call.args[i]))
			return c.failed;
		if (i + 1 < call.desc->nargs && !eat(&c, ','))
			return fail(&c, "',' and %u more argument%s of %s", call.desc->nargs - i - 1,
				    call.desc->nargs - i - 1 == 1 ? "" : "s", call.desc->name);
	}
	if (!eat(&c, ')'))
		return fail(&c, "')': %s takes %u argument%s", call.desc->name, call.desc->nargs,
			    call.desc->nargs == 1 ? "" : "s");
	if (parse_props(&c, &call))
		return c.failed;
	skip_blanks(&c);
	if (c.pos < c.len && peek(&c) != '#')
		return fail(&c, "the end of the line after the call");
	{
		struct syz_call *calls = realloc(p->calls, (p->ncalls + 1) * sizeof(*calls));

		if (!calls)
			return fail(&c, "memory for one more call");
		p->calls = calls;
	}
	if (has_ret) {
		call.ret = (int)ret;
		p->res[ret].defined = true;
		p->res[ret].call = p->ncalls;
		p->res[ret].type = call.desc->ret;
	}
	p->calls[p->ncalls++] = call;
	return 0;
}

static void put_le(uint8_t *buf, size_t len, uint64_t off, uint64_t size, uint64_t v)
{
	for (uint64_t i = 0; i < size && off + i < len; i++)
		buf[off + i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

void syz_render(const struct syz_arg *a, uint8_t *buf, size_t len)
{
	switch (a->kind) {
	case SYZ_A_INT:
		put_le(buf, len, a->offset, a->size, a->val);
		break;
	case SYZ_A_RES:
		put_le(buf, len, a->offset, a->size, UINT64_MAX);
		break;
	case SYZ_A_NIL:
		put_le(buf, len, a->offset, a->size, 0);
		break;
	case SYZ_A_PTR:
		/* The area is mapped at SYZ_DATA_BASE (docs/scenarios.md). */
		put_le(buf, len, a->offset, a->size, SYZ_DATA_BASE + a->area_off);
		break;
	case SYZ_A_GROUP:
		/* Padding, and a struct's tail up to its declared size, are zero. */
		put_le(buf, len, a->offset, a->size, 0);
		for (unsigned int i = 0; i < a->nelems; i++)
			syz_render(a->elems[i], buf, len);
		break;
	case SYZ_A_DATA:
		for (size_t i = 0; i < a->len && a->offset + i < len; i++)
			buf[a->offset + i] = a->data[i];
		break;
	}
}
