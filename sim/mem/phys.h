/* SPDX-License-Identifier: MIT */
/*
 * Physical memory: one arena of pages, mmap'ed once per machine, that the
 * hardware (VMCS regions, guest-physical reads) and the kernel model's
 * allocators share. Physical address = PHYS_BASE + arena offset; reports
 * print an arena address as the kernel's direct map would,
 * PHYS_REPORT_VA_BASE + physical address, so report texts do not depend on
 * where the host mapped the arena (ASLR).
 */
#ifndef HVSIM_MEM_PHYS_H
#define HVSIM_MEM_PHYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Physical address of arena offset 0. */
#define PHYS_BASE		0x100000ULL
/* Reports print this plus the physical address: x86-64's direct map. */
#define PHYS_REPORT_VA_BASE	0xffff888000000000ULL
#define PHYS_PAGE_SIZE		4096u

struct phys_mem;

/* An arena of @bytes rounded up to pages, reading as zero; NULL on failure. */
struct phys_mem *phys_create(size_t bytes);
void phys_destroy(struct phys_mem *pm);

/* The host mapping and its size in bytes (a multiple of PHYS_PAGE_SIZE). */
uint8_t *phys_base(const struct phys_mem *pm);
size_t phys_size(const struct phys_mem *pm);

/* Zero the first @bytes again (what a run dirtied), as a fresh mapping reads. */
void phys_clear(struct phys_mem *pm, size_t bytes);

/* __pa: ~0ULL outside the arena. __va: NULL outside the arena. */
uint64_t phys_pa(const struct phys_mem *pm, const void *va);
void *phys_va(const struct phys_mem *pm, uint64_t pa);

/* [@addr, @addr + @size) lies inside the arena. */
bool phys_contains(const struct phys_mem *pm, uintptr_t addr, size_t size);

/* @addr as reports print it: direct-map address inside the arena, else @addr. */
uint64_t phys_report_addr(const struct phys_mem *pm, uintptr_t addr);

#endif /* HVSIM_MEM_PHYS_H */
