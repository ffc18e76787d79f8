/* SPDX-License-Identifier: MIT */
/*
 * Addresses of the running binary as reports name them: code as
 * "func+0xoff/0xsize" (ELF symbols, libelf) with file:line and inlined
 * calls from DWARF (libdw), globals by symbol, and struct members by
 * offset (DWARF). Everything is read from /proc/self/exe once per process,
 * when the first report asks, and kept: reports are rare and never on the
 * per-step path. Without DWARF (a stripped binary) frames are the symbols
 * alone and nothing is named by member.
 */
#ifndef HVSIM_SYMBOLIZE_H
#define HVSIM_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf;
struct symtab;

/* The process's symbols, loaded on the first call; NULL if unreadable. */
const struct symtab *symtab_get(void);

/*
 * Write "func+0xoff/0xsize" for @rel_pc (relative to the image base) into
 * @buf; "0x<rel_pc>" when no function contains it. A return address points
 * after its call, so callers pass pc - 1 for frames other than the first.
 * One line, the kernel's own text: titles are made of it.
 */
void symtab_format(const struct symtab *st, uintptr_t rel_pc, char *buf, size_t len);

/*
 * Append the stack-trace lines for @rel_pc to @sb, as syzkaller's
 * symbolizer rewrites a kernel's: one line per function the pc is in,
 * innermost first, each "@prefix TEXT @suffix\n". An inlined function's
 * TEXT is "name file:line [inline]", the function it was inlined into
 * last, "func+0xoff/0xsize file:line"; the line of each but the innermost
 * is its call site. Files are relative to the source tree. Without DWARF
 * for @rel_pc, the one line symtab_format() gives.
 */
void symtab_frames(const struct symtab *st, uintptr_t rel_pc, struct strbuf *sb,
		   const char *prefix, const char *suffix);

/*
 * Name the data at @rel_addr (relative to the image base) by the object
 * symbol holding it: "name" at its start, else "name+0xoff", followed by
 * " (name.member)" when DWARF knows the variable's type and the offset
 * falls in a member. False (and @buf "") when no symbol holds it.
 */
bool symtab_data(const struct symtab *st, uintptr_t rel_addr, char *buf, size_t len);

/*
 * The member of struct (or union) @type at byte @off, as C names it from
 * the struct: "cpu", "mmu.root_hpa", "regs[3]". False (and @buf "") when
 * DWARF has no such struct or @off falls in padding or past the end.
 */
bool symtab_member(const struct symtab *st, const char *type, uint64_t off,
		   char *buf, size_t len);

#endif /* HVSIM_SYMBOLIZE_H */
