// SPDX-License-Identifier: MIT
/*
 * The text buffer: it grows without losing what it holds, formats in
 * place after that text, empties for reuse and frees back to nothing.
 */
#include "engine/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

Test(strbuf, empty_is_empty_string, .timeout = 10)
{
	struct strbuf sb = STRBUF_INIT;

	cr_assert_str_eq(strbuf_str(&sb), "");
	cr_assert_eq(sb.len, 0);
	strbuf_add(&sb, "", 0);
	cr_assert_str_eq(strbuf_str(&sb), "");
	strbuf_release(&sb);
}

Test(strbuf, grows_and_keeps_its_text, .timeout = 10)
{
	struct strbuf sb = STRBUF_INIT;
	char expect[16];
	size_t cap = 0, growths = 0;
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		strbuf_printf(&sb, "%05u,", i);
		if (sb.cap != cap) {
			cap = sb.cap;
			growths++;
		}
	}
	cr_assert_gt(growths, 5, "only %zu growths", growths);
	cr_assert_eq(sb.len, 6 * 20000);
	cr_assert_eq(strlen(strbuf_str(&sb)), sb.len);
	for (i = 0; i < 20000; i += 997) {
		snprintf(expect, sizeof(expect), "%05u,", i);
		cr_assert(!memcmp(sb.buf + 6 * i, expect, 6), "entry %u", i);
	}
	strbuf_release(&sb);
}

Test(strbuf, one_append_bigger_than_many_doublings, .timeout = 10)
{
	static char big[100000];
	struct strbuf sb = STRBUF_INIT;

	memset(big, 'x', sizeof(big) - 1);
	strbuf_add(&sb, "<", 1);
	strbuf_printf(&sb, "%s>", big);
	cr_assert_eq(sb.len, sizeof(big) + 1);
	cr_assert_eq(sb.buf[0], '<');
	cr_assert_eq(sb.buf[sb.len - 1], '>');
	cr_assert_eq(sb.buf[sb.len], '\0');
	strbuf_release(&sb);
}

Test(strbuf, add_copies_bytes_as_they_are, .timeout = 10)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_add(&sb, "100%s done", 5);
	strbuf_printf(&sb, "|%d%%", 7);
	cr_assert_str_eq(strbuf_str(&sb), "100%s|7%");
	strbuf_release(&sb);
}

__attribute__((format(printf, 2, 3)))
static void wrapper(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
}

Test(strbuf, formats_after_existing_text, .timeout = 10)
{
	struct strbuf sb = STRBUF_INIT;
	char pad[600];

	strbuf_printf(&sb, "CPU: %u ", 3u);
	wrapper(&sb, "PID: %u Comm: %s\n", 101u, "vcpu0");
	cr_assert_str_eq(strbuf_str(&sb), "CPU: 3 PID: 101 Comm: vcpu0\n");
	/* A va_list formatted across a growth prints the same. */
	memset(pad, '.', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	wrapper(&sb, "[%s|%-4d|%08x]", pad, 42, 0xbeefu);
	cr_assert_eq(sb.len, 28 + 1 + 599 + 1 + 4 + 1 + 8 + 1);
	cr_assert_str_eq(sb.buf + 28 + 1 + 599, "|42  |0000beef]");
	strbuf_release(&sb);
}

Test(strbuf, reset_keeps_the_room, .timeout = 10)
{
	struct strbuf sb = STRBUF_INIT;
	const char *buf;
	size_t cap;

	strbuf_printf(&sb, "%0999d", 1);
	buf = sb.buf;
	cap = sb.cap;
	strbuf_reset(&sb);
	cr_assert_eq(sb.len, 0);
	cr_assert_str_eq(strbuf_str(&sb), "");
	cr_assert_eq(sb.buf, buf, "reset must keep the allocation");
	cr_assert_eq(sb.cap, cap);
	strbuf_printf(&sb, "again %s", "and again");
	cr_assert_str_eq(strbuf_str(&sb), "again and again");
	cr_assert_eq(sb.buf, buf);
	strbuf_release(&sb);
}

Test(strbuf, release_frees_and_stays_usable, .timeout = 10)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_printf(&sb, "%s", "text");
	strbuf_release(&sb);
	cr_assert_null(sb.buf);
	cr_assert_eq(sb.len, 0);
	cr_assert_eq(sb.cap, 0);
	cr_assert_str_eq(strbuf_str(&sb), "");
	strbuf_release(&sb);
	strbuf_printf(&sb, "%c%c", 'o', 'k');
	cr_assert_str_eq(strbuf_str(&sb), "ok");
	strbuf_release(&sb);
}
