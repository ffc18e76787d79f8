// SPDX-License-Identifier: MIT
/*
 * 6.1's allocators, user copies and string formatting on hvsim's (the
 * kernel-header side).
 *
 * Memory comes from hvsim's arena, so the memory oracle knows every byte
 * (use after free, out of bounds) and reports name it. Pages too: the
 * glue's page_offset_base is set so that 6.1's inline __pa() and __va()
 * agree with hvsim's (host61.c), and vmemmap_base so that a struct page
 * is the entry of k61_mem_map (k61_data.c) for its frame: 6.1's inline
 * page_address(), virt_to_page() and get_page() work on them unchanged.
 * A slab cache is hvsim's (kmem_cache_create_usercopy() in
 * k61_kernel.c); kmalloc_trace()'s cache is ignored for its size.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "k61_iface.h"

static int zeroed(gfp_t flags)
{
	return !!(flags & __GFP_ZERO);
}

void *__kmalloc(size_t size, gfp_t flags)
{
	return k61_host_kmalloc(size, zeroed(flags));
}

void *__kmalloc_node(size_t size, gfp_t flags, int node)
{
	return k61_host_kmalloc(size, zeroed(flags));
}

void *kmalloc_trace(struct kmem_cache *s, gfp_t flags, size_t size)
{
	return k61_host_kmalloc(size, zeroed(flags));
}

void *kvmalloc_node(size_t size, gfp_t flags, int node)
{
	return k61_host_kmalloc(size, zeroed(flags));
}

void *__vmalloc(unsigned long size, gfp_t gfp_mask)
{
	return k61_host_kmalloc(size, zeroed(gfp_mask));
}

void *__vcalloc(size_t n, size_t size, gfp_t flags)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return k61_host_kmalloc(n * size, 1);
}

void kfree(const void *p)
{
	k61_host_kfree(p);
}

void kvfree(const void *p)
{
	k61_host_kfree(p);
}

void vfree(const void *p)
{
	k61_host_kfree(p);
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	return k61_host_cache_alloc(s, zeroed(flags));
}

void kmem_cache_free(struct kmem_cache *s, void *p)
{
	k61_host_cache_free(s, p);
}

unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	return k61_host_get_free_pages(order, zeroed(gfp_mask));
}

struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	unsigned long addr = k61_host_get_free_pages(order, zeroed(gfp));

	return addr ? virt_to_page((void *)addr) : NULL;
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr)
		k61_host_free_pages(addr, order);
}

void __free_pages(struct page *page, unsigned int order)
{
	k61_host_free_pages((unsigned long)page_address(page), order);
}

/* ---- user memory: hvsim's copies, which check the range and are a step ---- */

unsigned long _copy_from_user(void *to, const void __user *from, unsigned long n)
{
	unsigned long left = k61_host_copy_from_user(to, (const void __force *)from, n);

	/* As the kernel's: what could not be copied is zeroed. */
	if (left)
		memset(to + (n - left), 0, left);
	return left;
}

unsigned long _copy_to_user(void __user *to, const void *from, unsigned long n)
{
	return k61_host_copy_to_user((void __force *)to, from, n);
}

/*
 * The string forms raw_copy_{from,to}_user() inline into the object, for
 * either direction: hvsim's side tells which pointer is user memory.
 */
static unsigned long k61_user_copy(void *to, const void *from, unsigned len)
{
	return k61_host_copy_user(to, from, len);
}

unsigned long copy_user_enhanced_fast_string(void *to, const void *from, unsigned len)
{
	return k61_user_copy(to, from, len);
}

unsigned long copy_user_generic_string(void *to, const void *from, unsigned len)
{
	return k61_user_copy(to, from, len);
}

unsigned long copy_user_generic_unrolled(void *to, const void *from, unsigned len)
{
	return k61_user_copy(to, from, len);
}

void *memdup_user(const void __user *src, size_t len)
{
	void *p = k61_host_kmalloc(len, 0);

	if (!p)
		return ERR_PTR(-ENOMEM);
	if (_copy_from_user(p, src, len)) {
		k61_host_kfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

void *vmemdup_user(const void __user *src, size_t len)
{
	return memdup_user(src, len);
}

/* ---- strings ---- */

int vsnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	return k61_host_vsnprintf(buf, size, fmt, args);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = k61_host_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* snprintf(), but what it wrote rather than what it would have. */
int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (!size)
		return 0;
	return n < (int)size ? n : (int)size - 1;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}
