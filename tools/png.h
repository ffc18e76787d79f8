/* SPDX-License-Identifier: MIT */
/*
 * The smallest PNG that holds an image: 8-bit RGB, no interlace, every
 * row with filter 0, one IDAT compressed with zlib (RFC 2083, the PNG
 * specification). No time or text chunks: the same pixels give the same
 * bytes (for one zlib). The reader reads back what the writer writes and
 * nothing else; it is for tests and tools that compare images.
 */
#ifndef HVSIM_TOOLS_PNG_H
#define HVSIM_TOOLS_PNG_H

#include <stddef.h>
#include <stdint.h>

/* An RGB image: 3 bytes a pixel, rows top to bottom, no padding. */
struct png_image {
	uint32_t width;
	uint32_t height;
	uint8_t *rgb;		/* width * height * 3 bytes (malloc'ed) */
};

/* Encode @img into a new buffer *@out of *@len bytes. 0 or -ENOMEM. */
int png_encode(const struct png_image *img, uint8_t **out, size_t *len);

/*
 * Decode @data (@len bytes) as png_encode writes it into @img (free
 * img->rgb). -EINVAL for anything else (another colour type, a filter
 * other than 0, a bad CRC), -ENOMEM; a message in @err.
 */
int png_decode(const uint8_t *data, size_t len, struct png_image *img, char *err, size_t errlen);

/* png_decode of a file. */
int png_read_file(const char *path, struct png_image *img, char *err, size_t errlen);

#endif /* HVSIM_TOOLS_PNG_H */
