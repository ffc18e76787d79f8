/* SPDX-License-Identifier: MIT */
/*
 * The byte codings the trace and the schedule token share: LEB128 varints
 * and base64url (RFC 4648, section 5) without padding.
 */
#ifndef HVSIM_ENGINE_CODEC_H
#define HVSIM_ENGINE_CODEC_H

#include <stddef.h>
#include <stdint.h>

/* The longest varint: 64 bits, seven per byte. */
#define VARINT_MAX_LEN	10

/* Writes at most VARINT_MAX_LEN bytes; returns how many. */
size_t varint_put(uint8_t *buf, uint64_t v);
/* Bytes consumed, or 0 when truncated or longer than VARINT_MAX_LEN bytes. */
size_t varint_get(const uint8_t *buf, size_t len, uint64_t *v);
/* Encode @len bytes; @out needs 4 * ceil(len / 3) + 1 bytes. */
void base64url_encode(const uint8_t *in, size_t len, char *out);
/* Decoded length, or -1 for a character outside the alphabet or a bad length. */
long base64url_decode(const char *in, size_t len, uint8_t *out);

#endif /* HVSIM_ENGINE_CODEC_H */
