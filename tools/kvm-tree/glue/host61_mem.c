// SPDX-License-Identifier: MIT
/*
 * The hvsim side of 6.1's allocators, user copies and formatting
 * (k61_mem.c is the kernel-header side): hvsim's kmalloc, slab caches
 * and pages, on its arena, and its copy_*_user, which check the process's
 * user memory and are a step naming the user address.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hvsim/kernel.h"
#include "hvsim/user.h"

#include "k61_iface.h"

void *k61_host_kmalloc(unsigned long size, int zero)
{
	return zero ? kzalloc(size, GFP_KERNEL) : kmalloc(size, GFP_KERNEL);
}

void k61_host_kfree(const void *p)
{
	kfree(p);
}

void *k61_host_cache_alloc(void *cache, int zero)
{
	return zero ? kmem_cache_zalloc(cache, GFP_KERNEL) : kmem_cache_alloc(cache, GFP_KERNEL);
}

void k61_host_cache_free(void *cache, void *p)
{
	kmem_cache_free(cache, p);
}

unsigned long k61_host_get_free_pages(unsigned int order, int zero)
{
	return __get_free_pages(zero ? GFP_KERNEL | __GFP_ZERO : GFP_KERNEL, order);
}

void k61_host_free_pages(unsigned long addr, unsigned int order)
{
	free_pages(addr, order);
}

unsigned long k61_host_copy_from_user(void *to, const void *from, unsigned long n)
{
	return copy_from_user(to, from, n);
}

unsigned long k61_host_copy_to_user(void *to, const void *from, unsigned long n)
{
	return copy_to_user(to, from, n);
}

/* Which side is the user's: the process's user memory holds it. */
unsigned long k61_host_copy_user(void *to, const void *from, unsigned long n)
{
	size_t len;
	uintptr_t lo = (uintptr_t)sim_user_mem(&len), a = (uintptr_t)from;

	if (lo && a >= lo && a - lo < len)
		return copy_from_user(to, from, n);
	return copy_to_user(to, from, n);
}

/*
 * 6.1's snprintf() and friends through libc's, which has the same integer
 * and string conversions. Not the kernel's %p extensions: libc would put
 * a host address, different in every process, into the text. A format
 * with %p ends the run as not modelled.
 */
int k61_host_vsnprintf(char *buf, unsigned long size, const char *fmt, va_list ap)
{
	if (strstr(fmt, "%p"))
		not_modelled("a kernel %p format in snprintf()", NULL);
	return vsnprintf(buf, size, fmt, ap);
}
