// SPDX-License-Identifier: MIT
/*
 * A PNG writer and the reader of what it writes (png.h). Chunks are
 * length, type, data, CRC-32 of type and data (PNG spec 5.3); zlib does
 * the compression and the CRC.
 */
#include "png.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static const uint8_t png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* IHDR: colour type 2 is truecolour (RGB), bit depth 8 (PNG spec 11.2.2). */
#define PNG_DEPTH		8
#define PNG_COLOUR_RGB		2
#define PNG_IHDR_LEN		13
/* Bigger than any image a tool makes; keeps width * height * 3 in range. */
#define PNG_MAX_SIDE		32768

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Append the chunk @type with @data to @out at *@at (room was made). */
static void put_chunk(uint8_t *out, size_t *at, const char *type, const uint8_t *data,
		      uint32_t len)
{
	uint8_t *p = out + *at;
	uLong crc;

	put_be32(p, len);
	memcpy(p + 4, type, 4);
	if (len)
		memcpy(p + 8, data, len);
	crc = crc32(0L, p + 4, 4 + len);
	put_be32(p + 8 + len, (uint32_t)crc);
	*at += 12 + (size_t)len;
}

int png_encode(const struct png_image *img, uint8_t **out, size_t *len)
{
	size_t row = (size_t)img->width * 3, raw_len = (row + 1) * img->height;
	uint8_t ihdr[PNG_IHDR_LEN] = { 0 }, *raw, *z, *buf;
	uLongf zlen;
	size_t at = 0;

	raw = malloc(raw_len);
	zlen = compressBound(raw_len);
	z = malloc(zlen);
	if (!raw || !z)
		goto nomem;
	for (uint32_t y = 0; y < img->height; y++) {
		raw[y * (row + 1)] = 0;		/* filter type 0: none */
		memcpy(raw + y * (row + 1) + 1, img->rgb + y * row, row);
	}
	if (compress2(z, &zlen, raw, raw_len, Z_BEST_COMPRESSION) != Z_OK)
		goto nomem;
	buf = malloc(sizeof(png_signature) + 3 * 12 + PNG_IHDR_LEN + zlen);
	if (!buf)
		goto nomem;
	memcpy(buf, png_signature, sizeof(png_signature));
	at = sizeof(png_signature);
	put_be32(ihdr, img->width);
	put_be32(ihdr + 4, img->height);
	ihdr[8] = PNG_DEPTH;
	ihdr[9] = PNG_COLOUR_RGB;
	/* compression 0 (deflate), filter method 0, interlace 0: all zero. */
	put_chunk(buf, &at, "IHDR", ihdr, PNG_IHDR_LEN);
	put_chunk(buf, &at, "IDAT", z, (uint32_t)zlen);
	put_chunk(buf, &at, "IEND", NULL, 0);
	free(raw);
	free(z);
	*out = buf;
	*len = at;
	return 0;
nomem:
	free(raw);
	free(z);
	return -ENOMEM;
}

int png_decode(const uint8_t *data, size_t len, struct png_image *img, char *err, size_t errlen)
{
	uint8_t *idat = NULL, *raw = NULL;
	size_t idat_len = 0, at = sizeof(png_signature), row;
	uint32_t w = 0, h = 0;
	bool ended = false;
	uLongf raw_len;
	int ret = -EINVAL;

	memset(img, 0, sizeof(*img));
	if (len < at || memcmp(data, png_signature, at)) {
		snprintf(err, errlen, "not a PNG");
		return -EINVAL;
	}
	while (!ended) {
		uint32_t clen;
		const uint8_t *type;

		if (len - at < 12 || (clen = get_be32(data + at)) > len - at - 12) {
			snprintf(err, errlen, "truncated chunk at byte %zu", at);
			goto out;
		}
		type = data + at + 4;
		if (crc32(0L, type, 4 + clen) != get_be32(type + 4 + clen)) {
			snprintf(err, errlen, "bad CRC in the chunk at byte %zu", at);
			goto out;
		}
		if (!memcmp(type, "IHDR", 4)) {
			const uint8_t *p = type + 4;

			if (clen != PNG_IHDR_LEN || p[8] != PNG_DEPTH || p[9] != PNG_COLOUR_RGB ||
			    p[10] || p[11] || p[12]) {
				snprintf(err, errlen, "not an 8-bit RGB PNG without interlace");
				goto out;
			}
			w = get_be32(p);
			h = get_be32(p + 4);
		} else if (!memcmp(type, "IDAT", 4)) {
			uint8_t *grown = realloc(idat, idat_len + clen + 1);

			if (!grown) {
				ret = -ENOMEM;
				goto out;
			}
			idat = grown;
			memcpy(idat + idat_len, type + 4, clen);
			idat_len += clen;
		} else if (!memcmp(type, "IEND", 4))
			ended = true;
		at += 12 + (size_t)clen;
	}
	if (!w || !h || w > PNG_MAX_SIDE || h > PNG_MAX_SIDE || !idat) {
		snprintf(err, errlen, "no image (size %ux%u)", w, h);
		goto out;
	}
	row = (size_t)w * 3;
	raw_len = (row + 1) * h;
	raw = malloc(raw_len);
	img->rgb = malloc(row * h);
	if (!raw || !img->rgb) {
		ret = -ENOMEM;
		goto out;
	}
	if (uncompress(raw, &raw_len, idat, idat_len) != Z_OK || raw_len != (row + 1) * h) {
		snprintf(err, errlen, "image data does not inflate to %ux%u pixels", w, h);
		goto out;
	}
	for (uint32_t y = 0; y < h; y++) {
		if (raw[y * (row + 1)]) {
			snprintf(err, errlen, "row %u has filter %u (only 0 is read)", y,
				 raw[y * (row + 1)]);
			goto out;
		}
		memcpy(img->rgb + y * row, raw + y * (row + 1) + 1, row);
	}
	img->width = w;
	img->height = h;
	ret = 0;
out:
	if (ret) {
		free(img->rgb);
		img->rgb = NULL;
		if (ret == -ENOMEM)
			snprintf(err, errlen, "out of memory");
	}
	free(raw);
	free(idat);
	return ret;
}

int png_read_file(const char *path, struct png_image *img, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0, n;
	char why[160];
	int ret;

	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return ret;
	}
	do {
		if (cap - len < 65536) {
			uint8_t *grown = realloc(data, cap + 65536);

			if (!grown) {
				fclose(f);
				free(data);
				snprintf(err, errlen, "%s: out of memory", path);
				return -ENOMEM;
			}
			data = grown;
			cap += 65536;
		}
		n = fread(data + len, 1, cap - len, f);
		len += n;
	} while (n);
	fclose(f);
	ret = png_decode(data, len, img, why, sizeof(why));
	if (ret)
		snprintf(err, errlen, "%s: %s", path, why);
	free(data);
	return ret;
}
