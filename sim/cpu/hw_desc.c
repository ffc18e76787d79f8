// SPDX-License-Identifier: MIT
/*
 * Machine descriptions: the CPU slots a program asks for, "3 slots:
 * skylake-sp x2, slot 2 kabylake offline" (grammar in
 * docs/cpu-models.md), parsed into a struct hw_desc.
 *
 * An input path: a malformed description is -EINVAL with "column N:
 * expected ...", never an assertion.
 */
#include "cpu/model_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "hvsim/tools.h"

struct desc_ctx {
	const char *text;
	const char *p;
	char *err;
	size_t errlen;
};

__attribute__((format(printf, 3, 4)))
static int derr(struct desc_ctx *c, const char *at, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return model_fail(c->err, c->errlen, -EINVAL, "column %zu: expected %s",
		    (size_t)(at - c->text) + 1, what);
}

static void skip_blanks(struct desc_ctx *c)
{
	while (model_is_space(*c->p))
		c->p++;
}

/* One word of an item: the characters up to a blank, ',' or the end. */
struct desc_word {
	const char *s;
	size_t len;
};

static bool word_is(const struct desc_word *w, const char *s)
{
	return w->len == strlen(s) && !strncmp(w->s, s, w->len);
}

static bool word_is_count(const struct desc_word *w)
{
	if (w->len < 2 || w->s[0] != 'x')
		return false;
	for (size_t i = 1; i < w->len; i++)
		if (w->s[i] < '0' || w->s[i] > '9')
			return false;
	return true;
}

static int word_number(struct desc_ctx *c, const struct desc_word *w, size_t skip,
		       unsigned int max, const char *what, unsigned int *out)
{
	unsigned int v = 0;

	if (w->len <= skip)
		return derr(c, w->s, "%s", what);
	for (size_t i = skip; i < w->len; i++) {
		if (w->s[i] < '0' || w->s[i] > '9')
			return derr(c, w->s, "%s", what);
		v = v * 10 + (unsigned int)(w->s[i] - '0');
		if (v > max)
			return derr(c, w->s, "%s", what);
	}
	*out = v;
	return 0;
}

/* A modifier's shape: +word, -word or key=value, of name characters. */
static bool valid_modifier(const struct desc_word *w)
{
	const char *eq = memchr(w->s, '=', w->len);
	size_t start = 0;

	if (w->s[0] == '+' || w->s[0] == '-')
		start = 1;
	else if (!eq || eq == w->s || eq == w->s + w->len - 1)
		return false;
	if (w->len <= start)
		return false;
	for (size_t i = start; i < w->len; i++)
		if (!model_name_char(w->s[i]) && !(w->s + i == eq && !start))
			return false;
	return true;
}

/* The spec's words, checked and joined into @spec. */
static int build_spec(struct desc_ctx *c, const struct desc_word *w, unsigned int nw,
		      char spec[MACHINE_DESC_SPEC_MAX])
{
	size_t pos = 0;

	if (!nw)
		return -1;
	if (!model_valid_name(w[0].s, w[0].len) || word_is(&w[0], "slot") ||
	    word_is(&w[0], "offline"))
		return derr(c, w[0].s, "a CPU model name (letters, digits, '.', '_', '-'), found '%.*s'",
			    (int)w[0].len, w[0].s);
	for (unsigned int i = 0; i < nw; i++) {
		if (i && word_is(&w[i], "offline"))
			return derr(c, w[i].s, "'offline' last in the item, after any 'xN'");
		if (i && !valid_modifier(&w[i]))
			return derr(c, w[i].s, "a variation (-feature, +feature, -vmx.CONTROL, maxphyaddr=N, feature-control=N), ',' or the end, found '%.*s'",
				    (int)w[i].len, w[i].s);
		if (pos + (i ? 1 : 0) + w[i].len + 1 > MACHINE_DESC_SPEC_MAX)
			return derr(c, w[i].s, "a CPU spec of at most %d characters",
				    MACHINE_DESC_SPEC_MAX - 1);
		if (i)
			spec[pos++] = ' ';
		memcpy(spec + pos, w[i].s, w[i].len);
		pos += w[i].len;
	}
	spec[pos] = '\0';
	return 0;
}

/* Read the words of one item, up to ',' or the end. */
static int read_item(struct desc_ctx *c, struct desc_word *w, unsigned int *nw)
{
	*nw = 0;
	for (;;) {
		const char *s;

		skip_blanks(c);
		if (!*c->p || *c->p == ',')
			return 0;
		s = c->p;
		while (*c->p && *c->p != ',' && !model_is_space(*c->p)) {
			char ch = *c->p;

			if (!model_name_char(ch) && ch != '+' && ch != '=')
				return derr(c, c->p, "a letter, digit, '.', '_', '-', '+', '=' or ',', found '%c'",
					    ch >= 0x20 && ch < 0x7f ? ch : '?');
			c->p++;
		}
		/* An item has at most a name, its variations, slot/N, xN and offline. */
		if (*nw == MACHINE_DESC_SPEC_MAX)
			return derr(c, s, "fewer words in one item");
		w[*nw].s = s;
		w[*nw].len = (size_t)(c->p - s);
		(*nw)++;
	}
}

int hw_desc_parse(const char *text, struct hw_desc *out, char *err, size_t errlen)
{
	struct desc_ctx c = { .text = text ? text : "", .err = err, .errlen = errlen };
	struct desc_word *w;
	bool filled[MACHINE_DESC_MAX_SLOTS] = { false };
	const char *colon_at;
	unsigned int nslots = 0, used = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	c.p = c.text;
	w = calloc(MACHINE_DESC_SPEC_MAX, sizeof(*w));
	if (!w)
		return model_fail(err, errlen, -ENOMEM, "out of memory");
	skip_blanks(&c);
	if (*c.p < '0' || *c.p > '9') {
		ret = derr(&c, c.p, "the number of slots (1-%d)", MACHINE_DESC_MAX_SLOTS);
		goto out;
	}
	{
		const char *s = c.p;

		while (*c.p >= '0' && *c.p <= '9') {
			nslots = nslots * 10 + (unsigned int)(*c.p - '0');
			c.p++;
			if (nslots > MACHINE_DESC_MAX_SLOTS)
				break;
		}
		if (!nslots || nslots > MACHINE_DESC_MAX_SLOTS) {
			ret = derr(&c, s, "the number of slots (1-%d)", MACHINE_DESC_MAX_SLOTS);
			goto out;
		}
	}
	skip_blanks(&c);
	if (!strncmp(c.p, "slots", 5))
		c.p += 5;
	else if (!strncmp(c.p, "slot", 4))
		c.p += 4;
	else {
		ret = derr(&c, c.p, "'slots' after the number of slots");
		goto out;
	}
	colon_at = c.p;
	skip_blanks(&c);
	if (*c.p != ':') {
		ret = derr(&c, model_name_char(*colon_at) ? colon_at : c.p, "':' after 'slots'");
		goto out;
	}
	c.p++;
	out->nslots = nslots;
	for (;;) {
		const char *item_at;
		unsigned int nw, first = 0, count = 1, slot = 0;
		bool offline = false, explicit_slot = false;
		char spec[MACHINE_DESC_SPEC_MAX];

		skip_blanks(&c);
		item_at = c.p;
		ret = read_item(&c, w, &nw);
		if (ret)
			goto out;
		if (!nw) {
			ret = derr(&c, item_at, "a CPU model name");
			goto out;
		}
		if (word_is(&w[0], "slot")) {
			if (nw < 2) {
				ret = derr(&c, c.p, "a slot number after 'slot'");
				goto out;
			}
			ret = word_number(&c, &w[1], 0, nslots - 1,
					  "a slot number below the slot count", &slot);
			if (ret)
				goto out;
			explicit_slot = true;
			first = 2;
		}
		if (nw > first + 1 && word_is(&w[nw - 1], "offline")) {
			offline = true;
			nw--;
		}
		if (!explicit_slot && nw > first + 1 && word_is_count(&w[nw - 1])) {
			ret = word_number(&c, &w[nw - 1], 1, MACHINE_DESC_MAX_SLOTS,
					  "xN with N from 1 to 64", &count);
			if (ret)
				goto out;
			if (!count) {
				ret = derr(&c, w[nw - 1].s, "xN with N from 1 to 64");
				goto out;
			}
			nw--;
		}
		if (nw == first) {
			ret = derr(&c, explicit_slot ? c.p : item_at, "a CPU model name");
			goto out;
		}
		ret = build_spec(&c, w + first, nw - first, spec);
		if (ret)
			goto out;
		if (explicit_slot) {
			if (filled[slot]) {
				ret = derr(&c, w[1].s, "a free slot: slot %u already holds '%s'", slot,
					   out->slot[slot].spec);
				goto out;
			}
			filled[slot] = true;
			memcpy(out->slot[slot].spec, spec, sizeof(spec));
			out->slot[slot].offline = offline;
			used++;
		} else {
			/* A group takes the lowest free slots, where it is written. */
			if (count > nslots - used) {
				ret = derr(&c, item_at, "at most %u more CPU%s: %u of the %u slots are taken",
					   nslots - used, nslots - used == 1 ? "" : "s", used, nslots);
				goto out;
			}
			for (unsigned int i = 0; i < nslots && count; i++) {
				if (filled[i])
					continue;
				filled[i] = true;
				memcpy(out->slot[i].spec, spec, sizeof(spec));
				out->slot[i].offline = offline;
				used++;
				count--;
			}
		}
		if (*c.p != ',')
			break;
		c.p++;
	}
	if (used != nslots) {
		ret = derr(&c, c.p, "CPUs for all %u slots, found %u (', MODEL xN' or ', slot K MODEL')",
			   nslots, used);
		goto out;
	}
out:
	free(w);
	if (ret)
		memset(out, 0, sizeof(*out));
	SIM_BUG_ON(!ret && !out->nslots);
	return ret;
}

int machine_desc_check(const char *desc, const char *cpus_dir, bool load_models,
		       unsigned int *nslots, char *err, size_t errlen)
{
	struct hw_desc *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return model_fail(err, errlen, -ENOMEM, "out of memory");
	ret = hw_desc_parse(desc, d, err, errlen);
	for (unsigned int i = 0; !ret && load_models && i < d->nslots; i++) {
		char why[384];
		struct cpu_model *m;
		const char *at;
		size_t name_len = strcspn(d->slot[i].spec, " ");
		bool seen = false;

		/* One load per distinct spec: a group of x64 is one model. */
		for (unsigned int j = 0; j < i && !seen; j++)
			seen = !strcmp(d->slot[j].spec, d->slot[i].spec);
		if (seen)
			continue;
		m = model_new(cpus_dir, d->slot[i].spec, why, sizeof(why));
		if (m) {
			model_free(m);
			continue;
		}
		/* The column of the model's name where the description first names it. */
		for (at = desc; *at; at++)
			if (!strncmp(at, d->slot[i].spec, name_len) &&
			    (at == desc || !model_name_char(at[-1])) && !model_name_char(at[name_len]))
				break;
		ret = model_fail(err, errlen, -EINVAL, "column %zu: expected a CPU model that loads, found '%s': %s",
				 *at ? (size_t)(at - desc) + 1 : 1, d->slot[i].spec, why);
	}
	if (!ret)
		*nslots = d->nslots;
	free(d);
	return ret;
}
