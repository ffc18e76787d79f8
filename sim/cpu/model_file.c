// SPDX-License-Identifier: MIT
/*
 * The cpus/NAME.cpu file parser (grammar in docs/cpu-models.md), the
 * listing of a directory's models, and the small parsers files,
 * variations and machine descriptions share.
 *
 * Everything here is an input path: a malformed file is a -errno with a
 * "FILE:LINE: expected ..." message, never an assertion.
 */
#include "cpu/model_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"

#ifndef HVSIM_CPUS_DIR
#define HVSIM_CPUS_DIR "cpus"
#endif

/* Longest line of a model file, without its newline. */
#define MODEL_LINE_MAX		1023
/* Most words a model-file line may have (msr has at most 5). */
#define MODEL_MAX_WORDS		8

/*
 * Costs a file leaves out: a Skylake-class core, the figures of
 * cpus/skylake-sp.cpu (docs/cpu-models.md says which are published).
 * The shipped model files give every cost themselves.
 */
static const uint32_t default_costs[NR_MODEL_COSTS] = {
	[COST_ACCESS] = 4,
	[COST_XCORE] = 100,
	[COST_ATOMIC] = 20,
	[COST_FENCE] = 35,
	[COST_PAUSE] = 140,
	[COST_CPUID] = 150,
	[COST_RDMSR] = 100,
	[COST_WRMSR] = 200,
	[COST_CR_WRITE] = 200,
	[COST_VMXON] = 2000,
	[COST_VMENTRY] = 500,
	[COST_VMEXIT] = 500,
	[COST_IPI] = 1000,
	[COST_IPI_LATE] = 2000,
	[COST_HOTPLUG] = 100000,
};

/* ---- messages ---- */

int model_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* ---- small parsers shared by files, variations and descriptions ---- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex digits (a "0x" prefix required when @need_prefix), at most @max. */
bool model_parse_hex(const char *s, bool need_prefix, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t n = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	else if (need_prefix)
		return false;
	for (; *s; s++, n++) {
		int d = hex_digit(*s);

		if (d < 0 || v > (UINT64_MAX >> 4))
			return false;
		v = v << 4 | (uint64_t)d;
	}
	if (!n || v > max)
		return false;
	*out = v;
	return true;
}

/* Decimal digits only, at most @max. */
bool model_parse_dec(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

bool model_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

/*
 * A model name: a file name without ".cpu", so no '/', and not starting
 * with '.' or '-' (no hidden files, no modifier look-alikes).
 */
bool model_valid_name(const char *s, size_t len)
{
	if (!len || len >= MODEL_FILE_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!model_name_char(s[i]))
			return false;
	return true;
}

bool model_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

const char *model_default_dir(void)
{
	const char *env = getenv("HVSIM_CPUS");

	return env && *env ? env : HVSIM_CPUS_DIR;
}

/* ---- the file parser ---- */

/*
 * The leaves the SDM defines as indexed by ECX (CPUID instruction reference,
 * "Information Returned by CPUID Instruction"): a model file must give
 * their subleaves.
 */
static bool leaf_is_indexed(uint32_t leaf)
{
	static const uint32_t indexed[] = {
		0x4, 0x7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18,
		0x1b, 0x1d, 0x1e, 0x1f, 0x20, 0x23, 0x24,
	};

	for (size_t i = 0; i < sizeof(indexed) / sizeof(indexed[0]); i++)
		if (indexed[i] == leaf)
			return true;
	return false;
}

struct parse_ctx {
	const char *path;
	unsigned int line;			/* current line, from 1 */
	char *err;
	size_t errlen;
	unsigned int name_line;			/* where "name" was, 0: not yet */
	unsigned int desc_line;
	unsigned int leaf_line[MODEL_MAX_LEAVES];	/* where each leaf was given */
	unsigned int msr_line[MODEL_MAX_MSRS];
	unsigned int cost_line[NR_MODEL_COSTS];
	unsigned int choice_line[NR_MODEL_CHOICES];
	unsigned int freq_line;
};

__attribute__((format(printf, 2, 3)))
static int perr(struct parse_ctx *c, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return model_fail(c->err, c->errlen, -EINVAL, "%s:%u: expected %s", c->path, c->line, what);
}

enum line_status { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_NUL, LINE_CONTROL, LINE_IO };

/*
 * One line into @buf (MODEL_LINE_MAX + 1 bytes), without its newline or a
 * trailing CR. Reads byte by byte so that no line, however long, costs
 * more than the buffer, and a NUL or control byte is noticed.
 */
static enum line_status read_line(FILE *f, char *buf)
{
	size_t n = 0;
	bool any = false, too_long = false, nul = false, ctl = false;
	int ch;

	while ((ch = getc(f)) != EOF) {
		any = true;
		if (ch == '\n')
			break;
		if (ch == '\0')
			nul = true;
		else if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
			ctl = true;
		if (n < MODEL_LINE_MAX) {
			buf[n++] = (char)ch;
		} else {
			/* Stop here: a file that never ends its line (a device, a stream) must not hang us. */
			too_long = true;
			break;
		}
	}
	if (ch == EOF && ferror(f))
		return LINE_IO;
	if (!any)
		return LINE_EOF;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (too_long)
		return LINE_TOO_LONG;
	if (nul)
		return LINE_NUL;
	if (ctl || strchr(buf, '\r'))
		return LINE_CONTROL;
	return LINE_OK;
}

/* Split @s in place at blanks; returns the number of words, MODEL_MAX_WORDS + 1 if more. */
static int split_words(char *s, char *words[MODEL_MAX_WORDS])
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == MODEL_MAX_WORDS)
			return n + 1;
		words[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_name(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	if (c->name_line)
		return perr(c, "one 'name' line: the name is already given on line %u", c->name_line);
	if (nw != 2)
		return perr(c, "'name NAME', one word");
	if (!model_valid_name(w[1], strlen(w[1])))
		return perr(c, "a name of at most %d letters, digits, '.', '_' and '-', not starting with '.' or '-', found '%s'",
			    MODEL_FILE_NAME_MAX - 1, w[1]);
	snprintf(m->name, sizeof(m->name), "%s", w[1]);
	c->name_line = c->line;
	return 0;
}

static int parse_description(struct parse_ctx *c, struct cpu_model *m, char *rest)
{
	size_t len;

	if (c->desc_line)
		return perr(c, "one 'description' line: it is already given on line %u", c->desc_line);
	while (*rest == ' ' || *rest == '\t')
		rest++;
	len = strlen(rest);
	while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t'))
		rest[--len] = '\0';
	if (!len)
		return perr(c, "'description TEXT' with some text");
	if (len >= sizeof(m->description))
		return perr(c, "a description of at most %zu characters", sizeof(m->description) - 1);
	memcpy(m->description, rest, len + 1);
	c->desc_line = c->line;
	return 0;
}

static int parse_cpuid(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	uint64_t leaf, subleaf = 0, regs[4];
	bool indexed = false;
	char *dot;

	if (nw != 6)
		return perr(c, "'cpuid LEAF[.SUBLEAF] EAX EBX ECX EDX'");
	dot = strchr(w[1], '.');
	if (dot) {
		*dot = '\0';
		indexed = true;
	}
	if (!model_parse_hex(w[1], true, UINT32_MAX, &leaf))
		return perr(c, "a 32-bit hexadecimal leaf (0x...), found '%s'", w[1]);
	if (indexed && !model_parse_hex(dot + 1, false, UINT32_MAX, &subleaf))
		return perr(c, "a 32-bit hexadecimal subleaf after '%s.', found '%s'", w[1], dot + 1);
	if (!indexed && leaf_is_indexed((uint32_t)leaf))
		return perr(c, "'cpuid 0x%08llx.SUBLEAF': the SDM indexes leaf 0x%llx by ECX",
			    (unsigned long long)leaf, (unsigned long long)leaf);
	for (int i = 0; i < 4; i++)
		if (!model_parse_hex(w[2 + i], true, UINT32_MAX, &regs[i]))
			return perr(c, "a 32-bit hexadecimal number (0x...) for %s, found '%s'",
				    model_reg_names[i], w[2 + i]);
	for (unsigned int i = 0; i < m->nleaves; i++) {
		const struct cpuid_leaf *l = &m->leaves[i];

		if (l->leaf != leaf)
			continue;
		if (l->indexed != indexed)
			return perr(c, "leaf 0x%llx %s a subleaf, as on line %u",
				    (unsigned long long)leaf, l->indexed ? "with" : "without",
				    c->leaf_line[i]);
		if (!indexed || l->subleaf == subleaf)
			return perr(c, "a leaf not given before: leaf 0x%llx%s is on line %u",
				    (unsigned long long)leaf, indexed ? " with that subleaf" : "",
				    c->leaf_line[i]);
	}
	if (m->nleaves == MODEL_MAX_LEAVES)
		return perr(c, "at most %d cpuid lines", MODEL_MAX_LEAVES);
	c->leaf_line[m->nleaves] = c->line;
	m->leaves[m->nleaves++] = (struct cpuid_leaf){
		.leaf = (uint32_t)leaf,
		.subleaf = (uint32_t)subleaf,
		.indexed = indexed,
		.eax = (uint32_t)regs[0],
		.ebx = (uint32_t)regs[1],
		.ecx = (uint32_t)regs[2],
		.edx = (uint32_t)regs[3],
	};
	return 0;
}

static int parse_msr(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	struct model_msr e = { 0 };
	bool have_writable = false;
	uint64_t v;

	if (nw < 3 || nw > 5)
		return perr(c, "'msr INDEX VALUE [writable=MASK] [assumed]'");
	if (!model_parse_hex(w[1], true, UINT32_MAX, &v))
		return perr(c, "a 32-bit hexadecimal MSR index (0x...), found '%s'", w[1]);
	e.index = (uint32_t)v;
	if (!model_parse_hex(w[2], true, UINT64_MAX, &e.value))
		return perr(c, "a 64-bit hexadecimal MSR value (0x...), found '%s'", w[2]);
	for (int i = 3; i < nw; i++) {
		if (!strcmp(w[i], "assumed") && !e.assumed) {
			e.assumed = true;
		} else if (!strncmp(w[i], "writable=", 9) && !have_writable) {
			if (!model_parse_hex(w[i] + 9, true, UINT64_MAX, &e.writable))
				return perr(c, "a 64-bit hexadecimal mask after 'writable=', found '%s'",
					    w[i] + 9);
			have_writable = true;
		} else {
			return perr(c, "'writable=0xMASK' or 'assumed' (each at most once), found '%s'", w[i]);
		}
	}
	for (unsigned int i = 0; i < m->nmsrs; i++)
		if (m->msrs[i].index == e.index)
			return perr(c, "an MSR not given before: MSR 0x%x is on line %u",
				    e.index, c->msr_line[i]);
	if (m->nmsrs == MODEL_MAX_MSRS)
		return perr(c, "at most %d msr lines", MODEL_MAX_MSRS);
	c->msr_line[m->nmsrs] = c->line;
	m->msrs[m->nmsrs++] = e;
	return 0;
}

static int parse_cost(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	uint64_t v;
	int i;

	if (nw != 3)
		return perr(c, "'cost NAME CYCLES'");
	for (i = 0; i < NR_MODEL_COSTS; i++)
		if (!strcmp(w[1], model_cost_name((enum model_cost)i)))
			break;
	if (i == NR_MODEL_COSTS)
		return perr(c, "a cost name (access, xcore, atomic, fence, pause, cpuid, rdmsr, wrmsr, cr-write, vmxon, vmentry, vmexit, ipi, ipi-late, hotplug), found '%s'",
			    w[1]);
	if (c->cost_line[i])
		return perr(c, "each cost once: '%s' is on line %u", w[1], c->cost_line[i]);
	if (!model_parse_dec(w[2], 1000000000, &v))
		return perr(c, "a decimal cycle count from 0 to 1000000000, found '%s'", w[2]);
	m->cost[i] = (uint32_t)v;
	c->cost_line[i] = c->line;
	return 0;
}

static int parse_choice(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	enum model_choice ch;

	if (nw != 3)
		return perr(c, "'choice NAME VALUE'");
	ch = model_choice_find(w[1], strlen(w[1]));
	if (ch == NR_MODEL_CHOICES)
		return perr(c, "a choice name (%s), found '%s'",
			    model_choice_name(MODEL_CHOICE_NMI_IN_STI_SHADOW), w[1]);
	if (c->choice_line[ch])
		return perr(c, "each choice once: '%s' is on line %u", w[1], c->choice_line[ch]);
	if (!model_choice_parse(ch, w[2], &m->choice[ch]))
		return perr(c, "'%s' or '%s' for %s, found '%s'", model_choice_value_name(ch, 0),
			    model_choice_value_name(ch, 1), w[1], w[2]);
	c->choice_line[ch] = c->line;
	return 0;
}

/* "frequency MHZ": the nominal frequency (CPUID leaf 16H EAX, or the brand string's). */
static int parse_frequency(struct parse_ctx *c, struct cpu_model *m, char **w, int nw)
{
	uint64_t v;

	if (c->freq_line)
		return perr(c, "one 'frequency' line: it is already given on line %u", c->freq_line);
	if (nw != 2)
		return perr(c, "'frequency MHZ'");
	if (!model_parse_dec(w[1], MODEL_FREQ_MHZ_MAX, &v) || !v)
		return perr(c, "a nominal frequency in MHz, a decimal from 1 to %d, found '%s'",
			    MODEL_FREQ_MHZ_MAX, w[1]);
	m->freq_mhz = (uint32_t)v;
	c->freq_line = c->line;
	return 0;
}

static int parse_line(struct parse_ctx *c, struct cpu_model *m, char *buf)
{
	char *hash = strchr(buf, '#');
	char *words[MODEL_MAX_WORDS];
	char *rest;
	int nw;

	if (hash)
		*hash = '\0';
	/* "description" keeps its blanks: take the rest before splitting. */
	rest = buf;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (!strncmp(rest, "description", 11) && (rest[11] == ' ' || rest[11] == '\t' || !rest[11]))
		return parse_description(c, m, rest + 11);
	nw = split_words(buf, words);
	if (!nw)
		return 0;
	if (nw > MODEL_MAX_WORDS)
		return perr(c, "at most %d words on a line", MODEL_MAX_WORDS);
	if (!strcmp(words[0], "name"))
		return parse_name(c, m, words, nw);
	if (!strcmp(words[0], "cpuid"))
		return parse_cpuid(c, m, words, nw);
	if (!strcmp(words[0], "msr"))
		return parse_msr(c, m, words, nw);
	if (!strcmp(words[0], "cost"))
		return parse_cost(c, m, words, nw);
	if (!strcmp(words[0], "choice"))
		return parse_choice(c, m, words, nw);
	if (!strcmp(words[0], "frequency"))
		return parse_frequency(c, m, words, nw);
	return perr(c, "a keyword (name, description, cpuid, msr, cost, choice, frequency), found '%s'",
		    words[0]);
}

/*
 * Leaves above the maximum the model's own leaf 0 / 80000000H gives would
 * never be answered (CPUID returns the highest basic leaf there instead):
 * such a file contradicts itself.
 */
static int check_ranges(struct parse_ctx *c, const struct cpu_model *m)
{
	uint32_t bmax = 0, emax = 0;
	bool has_b = model_max_basic(m, &bmax), has_e = model_max_ext(m, &emax);

	for (unsigned int i = 0; i < m->nleaves; i++) {
		uint32_t leaf = m->leaves[i].leaf;

		c->line = c->leaf_line[i];
		if (has_b && leaf < 0x40000000u && leaf > bmax)
			return perr(c, "a leaf up to 0x%x, the maximum basic leaf in leaf 0 EAX, found 0x%x",
				    bmax, leaf);
		if (has_e && leaf >= CPUID_LEAF_MAX_EXT && leaf > emax)
			return perr(c, "a leaf up to 0x%x, the maximum extended leaf in leaf 0x80000000 EAX, found 0x%x",
				    emax, leaf);
	}
	return 0;
}

/*
 * The architectural MSRs every Intel 64 CPU has and the dumps do not carry
 * (SDM Vol. 4, "Architectural MSRs"), with the values a 64-bit Linux host
 * runs with; a model file that lists one keeps its own. Writable masks:
 * IA32_EFER's SCE, LME, LMA, NXE; IA32_TSC_AUX's low 32 bits; all of the
 * others (their value rules, canonical addresses and PAT types, are the
 * VM-entry MSR-loading checks' and not a mask's).
 */
static const struct model_msr architectural_msrs[] = {
	{ MSR_IA32_SYSENTER_CS, 0x10, ~0ULL, true },
	{ MSR_IA32_SYSENTER_ESP, 0xfffffe0000003000ULL, ~0ULL, true },
	{ MSR_IA32_SYSENTER_EIP, 0xffffffff81001000ULL, ~0ULL, true },
	{ MSR_IA32_CR_PAT, 0x0007040600070406ULL, ~0ULL, true },
	{ MSR_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NX,
	  EFER_SCE | EFER_LME | EFER_LMA | EFER_NX, true },
	{ MSR_STAR, 0x0023001000000000ULL, ~0ULL, true },
	{ MSR_LSTAR, 0xffffffff81000000ULL, ~0ULL, true },
	{ MSR_CSTAR, 0xffffffff81000100ULL, ~0ULL, true },
	{ MSR_SYSCALL_MASK, 0x47700, ~0ULL, true },
	{ MSR_FS_BASE, 0, ~0ULL, true },
	{ MSR_GS_BASE, 0xffff888000000000ULL, ~0ULL, true },
	{ MSR_KERNEL_GS_BASE, 0, ~0ULL, true },
	{ MSR_TSC_AUX, 0, 0xffffffffULL, true },
};

static int add_architectural_msrs(struct parse_ctx *c, struct cpu_model *out)
{
	size_t n = sizeof(architectural_msrs) / sizeof(architectural_msrs[0]);

	for (size_t i = 0; i < n; i++) {
		if (model_msr(out, architectural_msrs[i].index))
			continue;
		if (out->nmsrs >= MODEL_MAX_MSRS)
			return perr(c, "at most %d MSRs with the %zu architectural ones hvsim adds",
				    MODEL_MAX_MSRS, n);
		out->msrs[out->nmsrs++] = architectural_msrs[i];
	}
	return 0;
}

int model_parse_path(const char *path, struct cpu_model *out, unsigned int *name_line,
		      char *err, size_t errlen)
{
	struct parse_ctx *c;
	char buf[MODEL_LINE_MAX + 1];
	FILE *f;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	c = calloc(1, sizeof(*c));
	if (!c)
		return model_fail(err, errlen, -ENOMEM, "%s: out of memory", path);
	c->path = path;
	c->err = err;
	c->errlen = errlen;
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		model_fail(err, errlen, ret, "%s: %s", path, strerror(errno));
		goto out_free;
	}
	for (;;) {
		enum line_status st = read_line(f, buf);

		if (st == LINE_EOF)
			break;
		c->line++;
		switch (st) {
		case LINE_IO:
			ret = model_fail(err, errlen, -EIO, "%s:%u: read error", path, c->line);
			goto out_close;
		case LINE_TOO_LONG:
			ret = perr(c, "a line of at most %d characters", MODEL_LINE_MAX);
			goto out_close;
		case LINE_NUL:
			ret = perr(c, "text, found a NUL byte");
			goto out_close;
		case LINE_CONTROL:
			ret = perr(c, "text, found a control character");
			goto out_close;
		default:
			break;
		}
		ret = parse_line(c, out, buf);
		if (ret)
			goto out_close;
	}
	if (!c->name_line) {
		if (!c->line)
			c->line = 1;
		ret = perr(c, "a 'name' line before the end of the file");
		goto out_close;
	}
	ret = check_ranges(c, out);
	if (ret)
		goto out_close;
	for (int i = 0; i < NR_MODEL_COSTS; i++)
		if (!c->cost_line[i])
			out->cost[i] = default_costs[i];
	ret = add_architectural_msrs(c, out);
	if (ret)
		goto out_close;
	*name_line = c->name_line;
out_close:
	fclose(f);
out_free:
	free(c);
	if (ret)
		memset(out, 0, sizeof(*out));
	return ret;
}

int model_parse_file(const char *path, struct cpu_model *out, char *err, size_t errlen)
{
	unsigned int name_line;

	return model_parse_path(path, out, &name_line, err, errlen);
}

/* ---- model_list ---- */

unsigned int model_list(const char *dir, char names[][MODEL_FILE_NAME_MAX], unsigned int max)
{
	unsigned int n = 0;
	struct dirent *de;
	DIR *d;

	if (!dir)
		dir = model_default_dir();
	d = opendir(dir);
	if (!d)
		return 0;
	/* Insertion into the sorted first @max: readdir's order is the filesystem's. */
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		unsigned int pos;

		if (len < 5 || strcmp(de->d_name + len - 4, ".cpu"))
			continue;
		len -= 4;
		if (!model_valid_name(de->d_name, len))
			continue;
		for (pos = 0; pos < n; pos++) {
			int c = strncmp(de->d_name, names[pos], len);

			if (c < 0 || (c == 0 && names[pos][len] != '\0'))
				break;
		}
		if (pos >= max)
			continue;
		if (n == max)
			n--;
		memmove(names[pos + 1], names[pos], (n - pos) * sizeof(names[0]));
		memcpy(names[pos], de->d_name, len);
		names[pos][len] = '\0';
		n++;
	}
	closedir(d);
	return n;
}
