// SPDX-License-Identifier: MIT
#include "engine/buildid.h"

#include <elf.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/sim.h"

struct buildid_walk {
	uint8_t *out;		/* where the id goes */
	size_t cap;		/* room in out */
	size_t len;		/* id length found */
	uintptr_t base;		/* load address */
	int done;		/* the main executable was seen */
};

/* The first object dl_iterate_phdr reports is the main executable. */
static int buildid_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct buildid_walk *w = data;

	(void)size;
	if (w->done)
		return 1;
	w->done = 1;
	w->base = info->dlpi_addr;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p, *end;

		if (ph->p_type != PT_NOTE)
			continue;
		p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
			const char *name = p + sizeof(*n);
			const char *desc = name + ((n->n_namesz + 3) & ~3u);

			if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 &&
			    !memcmp(name, "GNU", 4)) {
				w->len = n->n_descsz;
				memcpy(w->out, desc, n->n_descsz < w->cap ? n->n_descsz : w->cap);
				return 1;
			}
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 1;
}

size_t sim_build_id(uint8_t *out, size_t cap)
{
	struct buildid_walk w = { .out = out, .cap = cap };

	memset(out, 0, cap);
	dl_iterate_phdr(buildid_cb, &w);
	return w.len;
}

uintptr_t sim_image_base(void)
{
	uint8_t id[32];
	struct buildid_walk w = { .out = id, .cap = sizeof(id) };

	dl_iterate_phdr(buildid_cb, &w);
	return w.base;
}

void sim_build_id_hex(char *out, size_t len)
{
	uint8_t id[32];
	size_t n = sim_build_id(id, sizeof(id));

	if (n > sizeof(id))
		n = sizeof(id);
	if (!len)
		return;
	out[0] = '\0';
	for (size_t i = 0; i < n && 2 * i + 2 < len; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}
