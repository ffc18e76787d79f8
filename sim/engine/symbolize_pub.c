// SPDX-License-Identifier: MIT
/*
 * A trace's pcs and addresses named by the running binary's symbols, for
 * the viewer (include/hvsim/tools.h): the public face of symbolize.c. A
 * trace carries pcs relative to the image base and addresses as (region,
 * offset); both mean something here only when the trace's build id is
 * this binary's, which the caller checks first.
 */
#include <stdio.h>
#include <string.h>

#include "engine/buildid.h"
#include "engine/strbuf.h"
#include "engine/symbolize.h"
#include "hvsim/tools.h"
#include "hvsim/trace.h"

/*
 * The instrumented modules' data and bss (cmake/hvsim.cmake renames them
 * into these sections): TR_REGION_DATA and TR_REGION_BSS offsets count
 * from their starts (state.c). Weak: a binary without instrumented code
 * has none.
 */
extern char __start_hvsim_data[] __attribute__((weak));
extern char __stop_hvsim_data[] __attribute__((weak));
extern char __start_hvsim_bss[] __attribute__((weak));
extern char __stop_hvsim_bss[] __attribute__((weak));

bool trace_sym_same_binary(const uint8_t *build_id, size_t len)
{
	uint8_t mine[64];
	size_t n = sim_build_id(mine, sizeof(mine));

	return n && n == len && n <= sizeof(mine) && !memcmp(mine, build_id, n);
}

bool trace_sym_pc(uint64_t rel_pc, char *buf, size_t len)
{
	const struct symtab *st = symtab_get();
	struct strbuf sb = STRBUF_INIT;
	const char *text, *last;
	/* An access's pc is its hook's return address: the access is the call before it. */
	uintptr_t pc = rel_pc ? (uintptr_t)rel_pc - 1 : 0;
	bool found;

	symtab_format(st, pc, buf, len);
	found = strncmp(buf, "0x", 2) != 0;
	if (!found || !st)
		return found;
	/* The outermost frame: the function that holds the pc, with its line. */
	symtab_frames(st, pc, &sb, "", "");
	text = strbuf_str(&sb);
	last = text;
	for (const char *p = text; *p; p++)
		if (p[0] == '\n' && p[1])
			last = p + 1;
	snprintf(buf, len, "%.*s", (int)strcspn(last, "\n"), last);
	strbuf_release(&sb);
	return true;
}

/* The running image's offset of (@region, @offset): false outside data and bss. */
static bool trace_sym_image_offset(unsigned int region, uint64_t offset, uintptr_t *rel)
{
	const char *lo, *hi;

	if (region == TR_REGION_DATA) {
		lo = __start_hvsim_data;
		hi = __stop_hvsim_data;
	} else if (region == TR_REGION_BSS) {
		lo = __start_hvsim_bss;
		hi = __stop_hvsim_bss;
	} else {
		return false;
	}
	if (!lo || offset >= (uint64_t)(hi - lo))
		return false;
	*rel = (uintptr_t)lo + (uintptr_t)offset - sim_image_base();
	return true;
}

bool trace_sym_addr(unsigned int region, uint64_t offset, char *buf, size_t len)
{
	uintptr_t rel;

	buf[0] = '\0';
	if (!trace_sym_image_offset(region, offset, &rel))
		return false;
	return symtab_data(symtab_get(), rel, buf, len);
}

bool sym_data_addr(const void *addr, char *buf, size_t len)
{
	uintptr_t a = (uintptr_t)addr;

	if (__start_hvsim_data && a >= (uintptr_t)__start_hvsim_data &&
	    a < (uintptr_t)__stop_hvsim_data)
		return trace_sym_addr(TR_REGION_DATA, a - (uintptr_t)__start_hvsim_data, buf, len);
	if (__start_hvsim_bss && a >= (uintptr_t)__start_hvsim_bss &&
	    a < (uintptr_t)__stop_hvsim_bss)
		return trace_sym_addr(TR_REGION_BSS, a - (uintptr_t)__start_hvsim_bss, buf, len);
	buf[0] = '\0';
	return false;
}
