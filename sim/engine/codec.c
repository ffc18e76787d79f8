// SPDX-License-Identifier: MIT
#include "engine/codec.h"

size_t varint_put(uint8_t *buf, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		buf[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	buf[n++] = (uint8_t)v;
	return n;
}

/*
 * Non-minimal encodings (a redundant 0x80 ... 0x00 tail) are accepted, as
 * LEB128 allows; bits that would land above bit 63 are not, because the
 * value they describe does not fit and silently dropping them would make
 * two different inputs decode alike.
 */
size_t varint_get(const uint8_t *buf, size_t len, uint64_t *v)
{
	uint64_t val = 0;
	size_t i;

	for (i = 0; i < len && i < VARINT_MAX_LEN; i++) {
		uint64_t bits = buf[i] & 0x7f;

		/* The tenth byte holds only bit 63. */
		if (i == VARINT_MAX_LEN - 1 && bits > 1)
			return 0;
		val |= bits << (7 * i);
		if (!(buf[i] & 0x80)) {
			*v = val;
			return i + 1;
		}
	}
	return 0;
}

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void base64url_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i;

	for (i = 0; i + 3 <= len; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*out++ = b64_alphabet[w >> 18];
		*out++ = b64_alphabet[(w >> 12) & 63];
		*out++ = b64_alphabet[(w >> 6) & 63];
		*out++ = b64_alphabet[w & 63];
	}
	if (len - i == 1) {
		*out++ = b64_alphabet[in[i] >> 2];
		*out++ = b64_alphabet[(in[i] & 3) << 4];
	} else if (len - i == 2) {
		uint32_t w = (uint32_t)in[i] << 8 | in[i + 1];

		*out++ = b64_alphabet[w >> 10];
		*out++ = b64_alphabet[(w >> 4) & 63];
		*out++ = b64_alphabet[(w << 2) & 63];
	}
	*out = '\0';
}

/* The 6-bit value of @c, or -1 outside the alphabet. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/*
 * A final partial group whose unused low bits are not zero is refused too
 * (RFC 4648, section 3.5, lets a decoder do so): otherwise several bodies
 * would name the same bytes, and a token would not be one string per run.
 */
long base64url_decode(const char *in, size_t len, uint8_t *out)
{
	size_t tail = len % 4;
	size_t i, n = 0;
	uint32_t w = 0;

	if (tail == 1)
		return -1;
	for (i = 0; i < len; i++) {
		int c = b64_value((unsigned char)in[i]);

		if (c < 0)
			return -1;
		w = w << 6 | (uint32_t)c;
		if (i % 4 == 3) {
			out[n++] = (uint8_t)(w >> 16);
			out[n++] = (uint8_t)(w >> 8);
			out[n++] = (uint8_t)w;
			w = 0;
		}
	}
	if (tail == 2) {
		if (w & 0xf)
			return -1;
		out[n++] = (uint8_t)(w >> 4);
	} else if (tail == 3) {
		if (w & 0x3)
			return -1;
		out[n++] = (uint8_t)(w >> 10);
		out[n++] = (uint8_t)(w >> 2);
	}
	return (long)n;
}
