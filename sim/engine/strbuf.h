/* SPDX-License-Identifier: MIT */
/*
 * The simulator's one growable text buffer: reports, logs and descriptions
 * are built in it. Running out of host memory is a simulator failure
 * (SIM_BUG_ON), never a short report.
 */
#ifndef HVSIM_ENGINE_STRBUF_H
#define HVSIM_ENGINE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;		/* NUL-terminated once anything was added; may be NULL */
	size_t len;		/* bytes before the NUL */
	size_t cap;		/* bytes allocated */
};

#define STRBUF_INIT	{ NULL, 0, 0 }

/* Append formatted text. */
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Append @n bytes of @s. */
void strbuf_add(struct strbuf *sb, const char *s, size_t n);
/* Empty it, keeping the allocation. */
void strbuf_reset(struct strbuf *sb);
/* Free the allocation; the buffer is empty and reusable. */
void strbuf_release(struct strbuf *sb);
/* The text, "" when nothing was added. */
const char *strbuf_str(const struct strbuf *sb);

#endif /* HVSIM_ENGINE_STRBUF_H */
