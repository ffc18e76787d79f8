// SPDX-License-Identifier: MIT
#include "mem/phys.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct phys_mem {
	uint8_t *arena;			/* host mapping; never printed */
	size_t bytes;
};

struct phys_mem *phys_create(size_t bytes)
{
	struct phys_mem *pm;

	if (!bytes || bytes > SIZE_MAX - PHYS_PAGE_SIZE)
		return NULL;
	pm = calloc(1, sizeof(*pm));
	if (!pm)
		return NULL;
	pm->bytes = (bytes + PHYS_PAGE_SIZE - 1) / PHYS_PAGE_SIZE * PHYS_PAGE_SIZE;
	/* Anonymous memory reads as zero: a fresh run's baseline. */
	pm->arena = mmap(NULL, pm->bytes, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (pm->arena == MAP_FAILED) {
		free(pm);
		return NULL;
	}
	return pm;
}

void phys_destroy(struct phys_mem *pm)
{
	if (!pm)
		return;
	munmap(pm->arena, pm->bytes);
	free(pm);
}

uint8_t *phys_base(const struct phys_mem *pm)
{
	return pm->arena;
}

size_t phys_size(const struct phys_mem *pm)
{
	return pm->bytes;
}

void phys_clear(struct phys_mem *pm, size_t bytes)
{
	memset(pm->arena, 0, bytes < pm->bytes ? bytes : pm->bytes);
}

uint64_t phys_pa(const struct phys_mem *pm, const void *va)
{
	uintptr_t off = (uintptr_t)va - (uintptr_t)pm->arena;

	return off < pm->bytes ? PHYS_BASE + off : ~0ULL;
}

void *phys_va(const struct phys_mem *pm, uint64_t pa)
{
	if (pa < PHYS_BASE || pa - PHYS_BASE >= pm->bytes)
		return NULL;
	return pm->arena + (pa - PHYS_BASE);
}

bool phys_contains(const struct phys_mem *pm, uintptr_t addr, size_t size)
{
	uintptr_t off = addr - (uintptr_t)pm->arena;

	return off < pm->bytes && size <= pm->bytes - off;
}

uint64_t phys_report_addr(const struct phys_mem *pm, uintptr_t addr)
{
	uint64_t pa = phys_pa(pm, (const void *)addr);

	return pa == ~0ULL ? (uint64_t)addr : PHYS_REPORT_VA_BASE + pa;
}
