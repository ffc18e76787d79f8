// SPDX-License-Identifier: MIT
/*
 * The running binary's symbols (libelf) and debug info (libdw), read once
 * per process when the first report needs them.
 *
 * Code: the ELF symbol table gives "func+0xoff/0xsize", what the kernel
 * prints and what titles are made of; DWARF adds file:line and the chain
 * of inlined calls at a pc (the compile unit found by its ranges, since
 * clang writes no .debug_aranges). Data: object symbols name
 * globals; struct members are found from the variable's type, or from a
 * struct's name for heap objects whose cache knows their type. The DWARF
 * indexes (variables by address, structs by name) are built on the first
 * data lookup, in .debug_info order, so every lookup is deterministic.
 *
 * Process-wide and read-only once loaded: the binary does not change
 * under a running process, and several machines share it.
 */
#include "engine/symbolize.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/strbuf.h"

/* Longest file path kept for a frame. */
#define SYM_PATH_LEN	512

struct sym {
	uintptr_t start;	/* link-time address: relative to the image base in a PIE */
	uintptr_t size;
	char *name;
};

/* Symbols of one kind (functions or objects), sorted by start. */
struct symvec {
	struct sym *v;
	size_t n, cap;
};

/* A struct or union type with a definition, by name. */
struct dtype {
	const char *name;	/* libdw's string, valid while the Dwarf lives */
	Dwarf_Off die;
};

/* A variable at a fixed address, and the DIE that defines it. */
struct dvar {
	uintptr_t addr;
	Dwarf_Off die;
};

struct symtab {
	struct symvec funcs;	/* STT_FUNC */
	struct symvec objs;	/* STT_OBJECT */
	int dwarf_fd;		/* /proc/self/exe, open while dbg lives */
	Dwarf *dbg;		/* its DWARF, at link-time addresses; NULL without */
	Dwarf_Die *cus;		/* its compile units, in .debug_info order */
	size_t ncus, cus_cap;
	bool indexed;		/* types[] and vars[] built */
	struct dtype *types;	/* sorted by name, then .debug_info order */
	size_t ntypes, types_cap;
	struct dvar *vars;	/* sorted by address, then .debug_info order */
	size_t nvars, vars_cap;
};

/* The process's symbols; loaded at most once (NULL after a failed load). */
static struct symtab *symtab_process;
static bool symtab_tried;

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	/* Among aliases, keep a deterministic order: by name. */
	return strcmp(x->name, y->name);
}

static bool grow(void **v, size_t n, size_t *cap, size_t elem)
{
	void *p;

	if (n < *cap)
		return true;
	p = realloc(*v, (*cap ? 2 * *cap : 256) * elem);
	if (!p)
		return false;
	*v = p;
	*cap = *cap ? 2 * *cap : 256;
	return true;
}

static bool symvec_add(struct symvec *sv, uintptr_t start, uintptr_t size, const char *name)
{
	char *copy;

	if (!grow((void **)&sv->v, sv->n, &sv->cap, sizeof(*sv->v)))
		return false;
	copy = strdup(name);
	if (!copy)
		return false;
	sv->v[sv->n++] = (struct sym){ .start = start, .size = size, .name = copy };
	return true;
}

static bool load_elf_symbols(struct symtab *st)
{
	Elf_Scn *scn = NULL;
	bool ok = false;
	Elf *elf;
	int fd;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return false;
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf)
		goto out_close;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;
			int type;

			if (!gelf_getsym(data, (int)i, &s) || !s.st_value)
				continue;
			type = GELF_ST_TYPE(s.st_info);
			if (type != STT_FUNC && type != STT_OBJECT)
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name || !name[0])
				continue;
			if (!symvec_add(type == STT_FUNC ? &st->funcs : &st->objs, s.st_value,
					s.st_size, name))
				goto out_end;
		}
	}
	qsort(st->funcs.v, st->funcs.n, sizeof(*st->funcs.v), sym_cmp);
	qsort(st->objs.v, st->objs.n, sizeof(*st->objs.v), sym_cmp);
	ok = true;
out_end:
	elf_end(elf);
out_close:
	close(fd);
	return ok;
}

/* DWARF of the executable and its compile units; false when it has none. */
static bool load_dwarf(struct symtab *st)
{
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;

	st->dwarf_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (st->dwarf_fd < 0)
		return false;
	st->dbg = dwarf_begin(st->dwarf_fd, DWARF_C_READ);
	if (!st->dbg)
		goto fail;
	while (!dwarf_get_units(st->dbg, cu, &cu, NULL, NULL, &cudie, NULL)) {
		if (!grow((void **)&st->cus, st->ncus, &st->cus_cap, sizeof(*st->cus)))
			goto fail;
		st->cus[st->ncus++] = cudie;
	}
	return true;
fail:
	if (st->dbg)
		dwarf_end(st->dbg);
	st->dbg = NULL;
	free(st->cus);
	st->cus = NULL;
	st->ncus = 0;
	close(st->dwarf_fd);
	st->dwarf_fd = -1;
	return false;
}

const struct symtab *symtab_get(void)
{
	struct symtab *st;

	if (symtab_tried)
		return symtab_process;
	symtab_tried = true;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->dwarf_fd = -1;
	if (!load_elf_symbols(st)) {
		for (size_t i = 0; i < st->funcs.n; i++)
			free(st->funcs.v[i].name);
		for (size_t i = 0; i < st->objs.n; i++)
			free(st->objs.v[i].name);
		free(st->funcs.v);
		free(st->objs.v);
		free(st);
		return NULL;
	}
	load_dwarf(st);
	symtab_process = st;
	return st;
}

/* The symbol of @sv holding @addr, or NULL. */
static const struct sym *sym_at(const struct symvec *sv, uintptr_t addr)
{
	size_t lo = 0, hi = sv->n;

	/* The last symbol starting at or before addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sv->v[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < sv->v[lo - 1].start + (sv->v[lo - 1].size ? sv->v[lo - 1].size : 1))
		return &sv->v[lo - 1];
	return NULL;
}

static const char *source_name(const struct symtab *st, uintptr_t rel_pc);

void symtab_format(const struct symtab *st, uintptr_t rel_pc, char *buf, size_t len)
{
	const struct sym *s = st ? sym_at(&st->funcs, rel_pc) : NULL;
	const char *name = s ? source_name(st, rel_pc) : NULL;

	if (s)
		snprintf(buf, len, "%s+0x%lx/0x%lx", name ? name : s->name,
			 (unsigned long)(rel_pc - s->start), (unsigned long)s->size);
	else
		snprintf(buf, len, "0x%lx", (unsigned long)rel_pc);
}

/* ---- frames ---------------------------------------------------------- */

/*
 * @path as reports print it: relative to the source tree (HVSIM_SOURCE_ROOT,
 * "." and ".." segments folded first); a file outside the tree by its last
 * component, since reports go into tests and docs and must not carry this
 * machine's paths.
 */
static void report_path(const char *path, char *out, size_t len)
{
	static const char root[] = HVSIM_SOURCE_ROOT "/";
	char norm[SYM_PATH_LEN];
	size_t n = 0;

	/* Fold "/./" and "/x/../" of an absolute path. */
	for (const char *p = path; *p && n + 1 < sizeof(norm);) {
		const char *seg = p + (*p == '/');
		size_t slen = strcspn(seg, "/");

		if (*p != '/') {	/* a relative path: copy as is */
			n = (size_t)snprintf(norm, sizeof(norm), "%s", path);
			break;
		}
		if (slen == 0 || (slen == 1 && seg[0] == '.')) {
			/* "//" or "/." */
		} else if (slen == 2 && seg[0] == '.' && seg[1] == '.') {
			while (n && norm[--n] != '/')
				;
		} else {
			n += (size_t)snprintf(norm + n, sizeof(norm) - n, "/%.*s", (int)slen, seg);
			if (n >= sizeof(norm))
				n = sizeof(norm) - 1;
		}
		p = seg + slen;
	}
	norm[n] = '\0';
	if (!strncmp(norm, root, sizeof(root) - 1))
		snprintf(out, len, "%s", norm + sizeof(root) - 1);
	else if (norm[0] == '/')
		snprintf(out, len, "%s", strrchr(norm, '/') + 1);
	else
		snprintf(out, len, "%s", norm);
}

/* A DIE's name, through abstract origins and specifications. */
static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute a;

	return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));
}

/* The compile unit whose code holds @pc, or NULL. */
static Dwarf_Die *cu_of(const struct symtab *st, uintptr_t pc)
{
	for (size_t i = 0; i < st->ncus; i++)
		if (dwarf_haspc(&st->cus[i], pc) > 0)
			return &st->cus[i];
	return NULL;
}

/*
 * The name the source gives the function that holds @rel_pc (its DWARF
 * subprogram), or NULL without debug information there. Usually the ELF
 * symbol's name; not for an object whose globals were renamed at link (a
 * real kvm_main.o's kvm_vcpu_kick is the symbol k61_kvm_vcpu_kick,
 * tools/kvm-tree/link.sh): reports name it as the kernel would.
 */
static const char *source_name(const struct symtab *st, uintptr_t rel_pc)
{
	Dwarf_Die *cu, *scopes = NULL, *chain = NULL;
	const char *name = NULL;
	int n;

	if (!st || !st->dbg || !(cu = cu_of(st, rel_pc)))
		return NULL;
	n = dwarf_getscopes(cu, rel_pc, &scopes);
	n = n > 0 ? dwarf_getscopes_die(&scopes[0], &chain) : 0;
	for (int i = 0; i < n && !name; i++)
		if (dwarf_tag(&chain[i]) == DW_TAG_subprogram)
			name = die_name(&chain[i]);
	free(chain);
	free(scopes);
	return name;
}

/* The DWARF lines for @rel_pc of function @func ("f+0x1/0x2"); false without DWARF there. */
static bool dwarf_frames(const struct symtab *st, uintptr_t rel_pc, const char *func,
			 struct strbuf *sb, const char *prefix, const char *suffix)
{
	char path[SYM_PATH_LEN];
	Dwarf_Die *cu, *scopes = NULL, *chain = NULL;
	Dwarf_Files *files = NULL;
	Dwarf_Line *line;
	const char *file;
	size_t nfiles;
	int lineno = 0, n;

	cu = cu_of(st, rel_pc);
	line = cu ? dwarf_getsrc_die(cu, rel_pc) : NULL;
	file = line ? dwarf_linesrc(line, NULL, NULL) : NULL;
	if (!file || dwarf_lineno(line, &lineno))
		return false;
	report_path(file, path, sizeof(path));
	if (dwarf_getsrcfiles(cu, &files, &nfiles))
		files = NULL;
	/*
	 * The innermost scope at the pc, then the DIEs that physically hold
	 * it: dwarf_getscopes() goes on from an inlined instance into its
	 * abstract definition, the concrete tree goes on into its caller.
	 */
	n = dwarf_getscopes(cu, rel_pc, &scopes);
	n = n > 0 ? dwarf_getscopes_die(&scopes[0], &chain) : 0;
	for (int i = 0; i < n; i++) {
		Dwarf_Attribute a;
		Dwarf_Word w;
		int tag = dwarf_tag(&chain[i]);
		const char *name;

		if (tag == DW_TAG_subprogram)
			break;
		if (tag != DW_TAG_inlined_subroutine)
			continue;
		name = die_name(&chain[i]);
		strbuf_printf(sb, "%s%s %s:%d [inline]%s\n", prefix, name ? name : "??", path,
			      lineno, suffix);
		/* The caller's line: where this one was inlined. */
		if (files && !dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_file, &a), &w) &&
		    w < nfiles && (file = dwarf_filesrc(files, w, NULL, NULL)))
			report_path(file, path, sizeof(path));
		if (!dwarf_formudata(dwarf_attr(&chain[i], DW_AT_call_line, &a), &w))
			lineno = (int)w;
	}
	free(chain);
	free(scopes);
	strbuf_printf(sb, "%s%s %s:%d%s\n", prefix, func, path, lineno, suffix);
	return true;
}

void symtab_frames(const struct symtab *st, uintptr_t rel_pc, struct strbuf *sb,
		   const char *prefix, const char *suffix)
{
	char func[256];

	symtab_format(st, rel_pc, func, sizeof(func));
	if (st && st->dbg && sym_at(&st->funcs, rel_pc) &&
	    dwarf_frames(st, rel_pc, func, sb, prefix, suffix))
		return;
	strbuf_printf(sb, "%s%s%s\n", prefix, func, suffix);
}

/* ---- data ------------------------------------------------------------ */

static int dtype_cmp(const void *a, const void *b)
{
	const struct dtype *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->die > y->die) - (x->die < y->die);
}

static int dvar_cmp(const void *a, const void *b)
{
	const struct dvar *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return (x->die > y->die) - (x->die < y->die);
}

/* The fixed address of variable @die (DW_OP_addr or DW_OP_addrx); false if it has none. */
static bool var_addr(Dwarf_Die *die, uintptr_t *addr)
{
	Dwarf_Attribute a, res;
	Dwarf_Addr v;
	Dwarf_Op *expr;
	size_t len;

	if (!dwarf_attr(die, DW_AT_location, &a) || dwarf_getlocation(&a, &expr, &len) || len != 1)
		return false;
	if (expr[0].atom == DW_OP_addr) {
		*addr = (uintptr_t)expr[0].number;
		return true;
	}
	if ((expr[0].atom == DW_OP_addrx || expr[0].atom == DW_OP_GNU_addr_index) &&
	    !dwarf_getlocation_attr(&a, &expr[0], &res) && !dwarf_formaddr(&res, &v)) {
		*addr = (uintptr_t)v;
		return true;
	}
	return false;
}

/* Record what @die and everything below it define; false when out of memory. */
static bool index_die(struct symtab *st, Dwarf_Die *die)
{
	Dwarf_Die child;
	uintptr_t addr;
	int tag = dwarf_tag(die);
	const char *name;

	if ((tag == DW_TAG_structure_type || tag == DW_TAG_union_type) &&
	    !dwarf_hasattr(die, DW_AT_declaration) && (name = dwarf_diename(die))) {
		if (!grow((void **)&st->types, st->ntypes, &st->types_cap, sizeof(*st->types)))
			return false;
		st->types[st->ntypes++] = (struct dtype){ .name = name, .die = dwarf_dieoffset(die) };
	}
	if (tag == DW_TAG_variable && var_addr(die, &addr)) {
		if (!grow((void **)&st->vars, st->nvars, &st->vars_cap, sizeof(*st->vars)))
			return false;
		st->vars[st->nvars++] = (struct dvar){ .addr = addr, .die = dwarf_dieoffset(die) };
	}
	if (dwarf_child(die, &child))
		return true;
	do {
		if (!index_die(st, &child))
			return false;
	} while (!dwarf_siblingof(&child, &child));
	return true;
}

/* Build the indexes once; the symtab is the process's, const to its users. */
static bool index_dwarf(const struct symtab *cst)
{
	struct symtab *st = (struct symtab *)cst;
	Dwarf_CU *cu = NULL;
	Dwarf_Die cudie;
	bool ok = true;

	if (!st->dbg)
		return false;
	if (st->indexed)
		return true;
	st->indexed = true;
	while (ok && !dwarf_get_units(st->dbg, cu, &cu, NULL, NULL, &cudie, NULL))
		ok = index_die(st, &cudie);
	if (!ok) {
		st->ntypes = 0;
		st->nvars = 0;
	}
	qsort(st->types, st->ntypes, sizeof(*st->types), dtype_cmp);
	qsort(st->vars, st->nvars, sizeof(*st->vars), dvar_cmp);
	return ok;
}

/* The type @die refers to, typedefs and qualifiers peeled; false if none. */
static bool die_type(Dwarf_Die *die, Dwarf_Die *type)
{
	Dwarf_Attribute a;
	Dwarf_Die t;

	return dwarf_formref_die(dwarf_attr_integrate(die, DW_AT_type, &a), &t) &&
	       dwarf_peel_type(&t, type) == 0;
}

/* Byte offset of member @m in its struct; unions' members are at 0. */
static bool member_offset(Dwarf_Die *m, Dwarf_Word *off)
{
	Dwarf_Attribute a;
	Dwarf_Word bits;

	if (dwarf_attr(m, DW_AT_data_member_location, &a))
		return dwarf_formudata(&a, off) == 0;
	if (!dwarf_formudata(dwarf_attr(m, DW_AT_data_bit_offset, &a), &bits)) {
		*off = bits / 8;
		return true;
	}
	*off = 0;
	return true;
}

/*
 * Append to @sb the access path of byte @off inside @type: ".name" per
 * member, "[i]" per array element. Stops at a scalar; false when @off
 * lands in no member (padding) before any was found.
 */
static bool member_path(Dwarf_Die *type, uint64_t off, struct strbuf *sb, unsigned int depth)
{
	Dwarf_Die elem, child;
	Dwarf_Word size, moff;
	int tag = dwarf_tag(type);

	if (depth > 16)
		return true;
	if (tag == DW_TAG_array_type) {
		if (!die_type(type, &elem) || dwarf_aggregate_size(&elem, &size) || !size)
			return false;
		strbuf_printf(sb, "[%" PRIu64 "]", off / size);
		member_path(&elem, off % size, sb, depth + 1);
		return true;
	}
	if (tag != DW_TAG_structure_type && tag != DW_TAG_union_type)
		return false;
	if (dwarf_child(type, &child))
		return false;
	do {
		Dwarf_Die mt;
		const char *name;

		if (dwarf_tag(&child) != DW_TAG_member || !member_offset(&child, &moff) ||
		    !die_type(&child, &mt) || dwarf_aggregate_size(&mt, &size))
			continue;
		if (off < moff || off >= moff + size)
			continue;
		name = dwarf_diename(&child);
		if (name)
			strbuf_printf(sb, ".%s", name);
		/* An anonymous struct or union: its members are the parent's. */
		member_path(&mt, off - moff, sb, depth + 1);
		return true;
	} while (!dwarf_siblingof(&child, &child));
	return false;
}

/* The path without its leading '.', into @buf. */
static bool path_out(struct strbuf *sb, bool found, char *buf, size_t len)
{
	const char *p = strbuf_str(sb);

	found = found && p[0];
	snprintf(buf, len, "%s", found ? p + (p[0] == '.') : "");
	strbuf_release(sb);
	return found;
}

bool symtab_member(const struct symtab *st, const char *type, uint64_t off, char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t lo = 0, hi;
	Dwarf_Die die;

	buf[0] = '\0';
	if (!st || !type || !index_dwarf(st))
		return false;
	hi = st->ntypes;
	/* The first definition in .debug_info order. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(st->types[mid].name, type) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == st->ntypes || strcmp(st->types[lo].name, type) ||
	    !dwarf_offdie(st->dbg, st->types[lo].die, &die))
		return false;
	return path_out(&sb, member_path(&die, off, &sb, 0), buf, len);
}

/* The member path of the variable defined at @addr, into @buf ("" if none). */
static void var_member(const struct symtab *st, uintptr_t addr, uint64_t off, char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t lo = 0, hi;
	Dwarf_Die die, type;

	buf[0] = '\0';
	if (!index_dwarf(st))
		return;
	hi = st->nvars;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->vars[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == st->nvars || st->vars[lo].addr != addr ||
	    !dwarf_offdie(st->dbg, st->vars[lo].die, &die) || !die_type(&die, &type))
		return;
	path_out(&sb, member_path(&type, off, &sb, 0), buf, len);
}

bool symtab_data(const struct symtab *st, uintptr_t rel_addr, char *buf, size_t len)
{
	const struct sym *s = st ? sym_at(&st->objs, rel_addr) : NULL;
	uint64_t off;
	char member[256];
	int n;

	buf[0] = '\0';
	if (!s)
		return false;
	off = rel_addr - s->start;
	n = off ? snprintf(buf, len, "%s+0x%" PRIx64, s->name, off) : snprintf(buf, len, "%s", s->name);
	var_member(st, s->start, off, member, sizeof(member));
	if (member[0] && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (%s%s%s)", s->name, member[0] == '[' ? "" : ".",
			 member);
	return true;
}
