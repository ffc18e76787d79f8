// SPDX-License-Identifier: MIT
/*
 * The engine's view of memory: the instrumented modules' state (saved at
 * creation, restored at every reset and after every run), which region an
 * address lies in, and addresses as reports and traces print them (the
 * same in every process, whatever ASLR did). Also who is running, for
 * reports, and the run's report collector.
 */
#include "engine/machine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"
#include "engine/machine_int.h"

#include "engine/symbolize.h"

/*
 * The instrumented modules' data and bss, renamed into these sections by
 * hvsim_add_instrumented() (cmake/hvsim.cmake). Weak: a binary without
 * instrumented code has none.
 */
extern char __start_hvsim_data[] __attribute__((weak));
/* The end of the executable's image (the linker's). */
extern char _end[];
extern char __stop_hvsim_data[] __attribute__((weak));
extern char __start_hvsim_bss[] __attribute__((weak));
extern char __stop_hvsim_bss[] __attribute__((weak));

static size_t state_data_size(void)
{
	return __start_hvsim_data ? (size_t)(__stop_hvsim_data - __start_hvsim_data) : 0;
}

static size_t state_bss_size(void)
{
	return __start_hvsim_bss ? (size_t)(__stop_hvsim_bss - __start_hvsim_bss) : 0;
}

size_t machine_state_size(void)
{
	return state_data_size() + state_bss_size();
}

bool machine_in_state_sections(uintptr_t addr, uint32_t size)
{
	uintptr_t d = (uintptr_t)__start_hvsim_data, b = (uintptr_t)__start_hvsim_bss;

	return (d && addr >= d && addr + size <= (uintptr_t)__stop_hvsim_data) ||
	       (b && addr >= b && addr + size <= (uintptr_t)__stop_hvsim_bss);
}

unsigned int machine_state_ranges(uintptr_t lo[2], uintptr_t hi[2])
{
	unsigned int n = 0;

	if (state_data_size()) {
		lo[n] = (uintptr_t)__start_hvsim_data;
		hi[n++] = (uintptr_t)__stop_hvsim_data;
	}
	if (state_bss_size()) {
		lo[n] = (uintptr_t)__start_hvsim_bss;
		hi[n++] = (uintptr_t)__stop_hvsim_bss;
	}
	return n;
}

/* A binary without instrumented data has no sections: nothing to copy. */
void machine_state_save(void *to)
{
	if (state_data_size())
		memcpy(to, __start_hvsim_data, state_data_size());
	if (state_bss_size())
		memcpy((char *)to + state_data_size(), __start_hvsim_bss, state_bss_size());
}

void machine_state_restore(const void *from)
{
	if (state_data_size())
		memcpy(__start_hvsim_data, from, state_data_size());
	if (state_bss_size())
		memcpy(__start_hvsim_bss, (const char *)from + state_data_size(), state_bss_size());
}

/* ---- tracing -------------------------------------------------------- */

/*
 * Not checked by AddressSanitizer: a pending write's address may be a
 * stack slot of a frame that has since returned (a real kernel object's
 * locals, flushed after it returned to the host), now another frame's
 * redzone. The value read there is the task's own and never a report's.
 */
__attribute__((no_sanitize("address")))
uint64_t machine_read_value(uintptr_t addr, uint32_t size)
{
	const uint8_t *p = (const uint8_t *)addr;
	uint64_t v = 0;

	if (!addr || !size)
		return 0;
	/* Constant sizes: one load each, never a call to a checked memcpy. */
	switch (size) {
	case 1:
		return *p;
	case 2: {
		uint16_t x;

		__builtin_memcpy(&x, p, 2);
		return x;
	}
	case 4: {
		uint32_t x;

		__builtin_memcpy(&x, p, 4);
		return x;
	}
	case 8:
		__builtin_memcpy(&v, p, 8);
		return v;
	}
	if (size < 8) {
		for (uint32_t i = 0; i < size; i++)
			v |= (uint64_t)p[i] << (8 * i);
		return v;
	}
	/* FNV-1a over larger accesses: a changed range still shows. */
	v = 0xcbf29ce484222325ULL;
	for (uint32_t i = 0; i < size; i++) {
		v ^= p[i];
		v *= 0x100000001b3ULL;
	}
	return v;
}

/*
 * Where machine_norm_addr() puts the engine's own regions: shaped like the
 * kernel's (text and data above __START_KERNEL_map, vmalloc'ed stacks),
 * a task's stack at its index times NORM_STACK_STRIDE.
 */
#define NORM_TEXT		0xffffffff81000000ULL
#define NORM_DATA		0xffffffff82000000ULL
#define NORM_BSS		0xffffffff84000000ULL
#define NORM_STACK		0xffffc90000000000ULL
#define NORM_STACK_SHIFT	24
/* The binary's text and read-only data taken for kernel text, at most. */
#define NORM_TEXT_MAX		0x1000000ULL

void machine_norm_region(const struct machine *m, uint64_t norm, uint8_t *region,
			 uint64_t *offset, uint32_t *owner)
{
	uint64_t i;

	*owner = 0;
	*offset = 0;
	if (!norm) {
		*region = TR_REGION_NONE;
		return;
	}
	if (norm - NORM_DATA < state_data_size()) {
		*region = TR_REGION_DATA;
		*offset = norm - NORM_DATA;
		return;
	}
	if (norm - NORM_BSS < state_bss_size()) {
		*region = TR_REGION_BSS;
		*offset = norm - NORM_BSS;
		return;
	}
	i = (norm - NORM_STACK) >> NORM_STACK_SHIFT;
	if (norm >= NORM_STACK && i < m->ntasks && m->tasks[i].stack) {
		uint64_t below = norm - NORM_STACK - (i << NORM_STACK_SHIFT);

		if (below < m->tasks[i].ctx.stack_size) {
			*region = TR_REGION_STACK;
			*offset = m->tasks[i].ctx.stack_size - below;
			*owner = m->tasks[i].id;
			return;
		}
	}
	if (m->hooks->heap && m->hooks->heap(m, norm)) {
		*region = TR_REGION_HEAP;
		*offset = norm;
		return;
	}
	*region = TR_REGION_UNKNOWN;
}

/* By its normalized address, so a trace and a report place memory alike. */
void machine_addr_region(const struct machine *m, uintptr_t addr, uint8_t *region,
			uint64_t *offset, uint32_t *owner)
{
	machine_norm_region(m, addr ? machine_norm_addr(m, addr) : 0, region, offset, owner);
}

/*
 * A host address as reports and traces show it: the same in every process
 * (ASLR moves the host's mappings, not these), distinct per region, and
 * shaped like the kernel's (direct map for the arena, text-ish for globals).
 */
uintptr_t machine_norm_addr(const struct machine *m, uintptr_t addr)
{
	uintptr_t d = (uintptr_t)__start_hvsim_data, b = (uintptr_t)__start_hvsim_bss;
	uintptr_t above;

	if (addr < 4096)
		return addr;
	if (d && addr >= d && addr < (uintptr_t)__stop_hvsim_data)
		return NORM_DATA + (addr - d);
	if (b && addr >= b && addr < (uintptr_t)__stop_hvsim_bss)
		return NORM_BSS + (addr - b);
	if (m->hooks->norm_addr && (above = m->hooks->norm_addr(m, addr)))
		return above;
	for (unsigned int i = 0; i < m->ntasks; i++) {
		uintptr_t lo = (uintptr_t)m->tasks[i].ctx.stack_lo;

		if (m->tasks[i].stack && addr >= lo && addr < lo + m->tasks[i].ctx.stack_size)
			return NORM_STACK + ((uintptr_t)i << NORM_STACK_SHIFT) + (addr - lo);
	}
	/* The binary's text and read-only data (a function pointer, a string): kernel text. */
	if (m->image_base && addr >= m->image_base && addr < (uintptr_t)_end &&
	    addr - m->image_base < NORM_TEXT_MAX)
		return NORM_TEXT + (addr - m->image_base);
	return addr;
}

void machine_who(const struct machine *m, struct sim_who *w, uintptr_t pc)
{
	const struct task *t = m->cur_task;

	memset(w, 0, sizeof(*w));
	w->step = m->step;
	w->pc = pc;
	if (!t)
		return;
	w->task = t->id;
	w->pid = t->pid;
	w->comm = t->name;
	w->cpu = m->cur_cpu->id;
	w->stack = t->shadow;
	w->depth = t->depth < SIM_SHADOW_DEPTH ? t->depth : SIM_SHADOW_DEPTH;
}

void machine_report_text(struct machine *m, const char *title, const char *text)
{
	if (!m->nreports++) {
		snprintf(m->first_title, sizeof(m->first_title), "%s", title);
		m->first_report_step = m->step;
	}
	strbuf_printf(&m->reports, "%s%s", text,
		      text[0] && text[strlen(text) - 1] == '\n' ? "" : "\n");
	/* The trace carries the title and the marks; the report text is in the result. */
	emit_report(m, title);
}

/*
 * @arg is the machine; @pc absolute, the pc of an access or a return
 * address (whose call is the byte before it, hence pc - 1 to look up).
 */
void machine_symbolize(void *arg, uintptr_t pc, char *buf, size_t len)
{
	struct machine *m = arg;
	uintptr_t rel = pc ? pc - m->image_base : 0;

	symtab_format(symtab_get(), rel ? rel - 1 : 0, buf, len);
}

void machine_frame(void *arg, struct strbuf *sb, const char *prefix, uintptr_t pc,
		   const char *suffix)
{
	struct machine *m = arg;
	uintptr_t rel = pc ? pc - m->image_base : 0;

	symtab_frames(symtab_get(), rel ? rel - 1 : 0, sb, prefix, suffix);
}

/*
 * The inverse of machine_norm_addr() for the binary's own memory: the
 * instrumented data and bss, and the text and read-only data, as offsets
 * from the image base; false for anything else.
 */
static bool norm_to_image(const struct machine *m, uint64_t addr, uintptr_t *rel)
{
	uintptr_t d = (uintptr_t)__start_hvsim_data, b = (uintptr_t)__start_hvsim_bss;

	if (d && addr - NORM_DATA < state_data_size()) {
		*rel = d + (addr - NORM_DATA) - m->image_base;
		return true;
	}
	if (b && addr - NORM_BSS < state_bss_size()) {
		*rel = b + (addr - NORM_BSS) - m->image_base;
		return true;
	}
	if (m->image_base && addr - NORM_TEXT < NORM_TEXT_MAX &&
	    addr - NORM_TEXT < (uintptr_t)_end - m->image_base) {
		*rel = addr - NORM_TEXT;
		return true;
	}
	return false;
}

void machine_describe(void *arg, uint64_t addr, char *buf, size_t len)
{
	const struct machine *m = arg;
	uintptr_t rel;

	buf[0] = '\0';
	if (norm_to_image(m, addr, &rel))
		symtab_data(symtab_get(), rel, buf, len);
}

bool machine_member(void *arg, const char *type, uint64_t off, char *buf, size_t len)
{
	(void)arg;
	return symtab_member(symtab_get(), type, off, buf, len);
}
