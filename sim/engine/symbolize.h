/* SPDX-License-Identifier: MIT */
/*
 * Code addresses to "func+0xoff/0xsize", from the running binary's own
 * ELF symbol table (libelf). file:line from DWARF comes with the reports.
 */
#ifndef HVSIM_SYMBOLIZE_H
#define HVSIM_SYMBOLIZE_H

#include <stddef.h>
#include <stdint.h>

struct symtab;

/* The function symbols of /proc/self/exe, or NULL (reports then print raw pcs). */
struct symtab *symtab_load(void);
void symtab_free(struct symtab *st);
/*
 * Write "func+0xoff/0xsize" for @rel_pc (relative to the image base) into
 * @buf; "0x<rel_pc>" when no function contains it. A return address points
 * after its call, so callers pass pc - 1 for frames other than the first.
 */
void symtab_format(const struct symtab *st, uintptr_t rel_pc, char *buf, size_t len);

#endif /* HVSIM_SYMBOLIZE_H */
