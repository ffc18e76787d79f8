// SPDX-License-Identifier: MIT
#include "engine/symbolize.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sym {
	uintptr_t start;	/* link-time address: relative to the image base in a PIE */
	uintptr_t size;
	char *name;
};

struct symtab {
	struct sym *syms;	/* sorted by start */
	size_t n;
};

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* Among aliases, keep a deterministic order: by name. */
	return strcmp(x->name, y->name);
}

struct symtab *symtab_load(void)
{
	struct symtab *st = NULL;
	Elf_Scn *scn = NULL;
	size_t cap = 0;
	Elf *elf;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return NULL;
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		goto out_close;
	st = calloc(1, sizeof(*st));
	if (!st)
		goto out_end;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;

			if (!gelf_getsym(data, (int)i, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC ||
			    !s.st_value)
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name)
				continue;
			if (st->n == cap) {
				struct sym *n;

				cap = cap ? 2 * cap : 1024;
				n = realloc(st->syms, cap * sizeof(*n));
				if (!n)
					goto out_end;
				st->syms = n;
			}
			st->syms[st->n].start = s.st_value;
			st->syms[st->n].size = s.st_size;
			st->syms[st->n].name = strdup(name);
			if (!st->syms[st->n].name)
				goto out_end;
			st->n++;
		}
	}
	qsort(st->syms, st->n, sizeof(*st->syms), sym_cmp);
out_end:
	elf_end(elf);
out_close:
	close(fd);
	return st;
}

void symtab_free(struct symtab *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->syms[i].name);
	free(st->syms);
	free(st);
}

void symtab_format(const struct symtab *st, uintptr_t rel_pc, char *buf, size_t len)
{
	size_t lo = 0, hi = st ? st->n : 0;

	/* The last symbol starting at or before rel_pc. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->syms[mid].start <= rel_pc)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo) {
		const struct sym *s = &st->syms[lo - 1];

		if (rel_pc < s->start + (s->size ? s->size : 1)) {
			snprintf(buf, len, "%s+0x%lx/0x%lx", s->name,
				 (unsigned long)(rel_pc - s->start), (unsigned long)s->size);
			return;
		}
	}
	snprintf(buf, len, "0x%lx", (unsigned long)rel_pc);
}
