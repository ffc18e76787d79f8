// SPDX-License-Identifier: MIT
/*
 * WARN and BUG in 6.1's code: a ud2 with an entry in __bug_table (x86's
 * __WARN_FLAGS and BUG()), which link.sh keeps as its own section,
 * k61_bug_table. hvsim's side (host61.c) decodes a trap through this, with
 * the tree's own struct bug_entry (relative pointers, file and line with
 * DEBUG_BUGVERBOSE). WARN_ON_ONCE's "done" flag is kept here, in the
 * glue's bss, rather than in the table: restored at every run, as the
 * table's flags would have to be.
 */
#include <linux/bug.h>

extern struct bug_entry __start_k61_bug_table[], __stop_k61_bug_table[];

#define K61_BUG_ENTRIES_MAX	4096
static unsigned long k61_bug_done[K61_BUG_ENTRIES_MAX / BITS_PER_LONG];

/* What k61_bug_lookup() found at a trap. */
enum k61_bug {
	K61_BUG_NONE = 0,	/* no entry: not a WARN or BUG site */
	K61_BUG_WARN = 1,	/* a WARN to report */
	K61_BUG_WARN_DONE = 2,	/* a WARN_ON_ONCE already reported this run */
	K61_BUG_BUG = 3,	/* a BUG */
};

int k61_bug_lookup(unsigned long addr, const char **file, unsigned int *line);
int k61_bug_lookup(unsigned long addr, const char **file, unsigned int *line)
{
	struct bug_entry *b;

	for (b = __start_k61_bug_table; b < __stop_k61_bug_table; b++) {
		unsigned long i = b - __start_k61_bug_table;

		if ((unsigned long)&b->bug_addr_disp + b->bug_addr_disp != addr)
			continue;
		*file = (const char *)&b->file_disp + b->file_disp;
		*line = b->line;
		if (!(b->flags & BUGFLAG_WARNING))
			return K61_BUG_BUG;
		if ((b->flags & BUGFLAG_ONCE) && i < K61_BUG_ENTRIES_MAX) {
			if (k61_bug_done[i / BITS_PER_LONG] & (1UL << (i % BITS_PER_LONG)))
				return K61_BUG_WARN_DONE;
			k61_bug_done[i / BITS_PER_LONG] |= 1UL << (i % BITS_PER_LONG);
		}
		return K61_BUG_WARN;
	}
	return K61_BUG_NONE;
}
