// SPDX-License-Identifier: MIT
#include "engine/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bug.h"

static void strbuf_grow(struct strbuf *sb, size_t more)
{
	size_t c;

	if (sb->len + more + 1 <= sb->cap)
		return;
	c = sb->cap ? sb->cap : 256;
	while (sb->len + more + 1 > c)
		c *= 2;
	sb->buf = realloc(sb->buf, c);
	SIM_BUG_ON(!sb->buf);
	sb->cap = c;
}

/*
 * Format straight into the room there is: reports are many small appends
 * into a buffer that rarely has to grow, so a second pass (after growing)
 * is the exception rather than a measuring pass every time.
 */
void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	size_t room = sb->cap - sb->len;
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room, fmt, aq);
	va_end(aq);
	SIM_BUG_ON(n < 0);
	if ((size_t)n >= room) {
		strbuf_grow(sb, (size_t)n);
		vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	}
	sb->len += (size_t)n;
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

void strbuf_add(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

const char *strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}
