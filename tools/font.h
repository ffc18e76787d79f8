/* SPDX-License-Identifier: MIT */
/*
 * A 5x7 bitmap font for printable ASCII, drawn for hvsim: each glyph is
 * seven rows, top first, bit 4 the leftmost column. Text is set in 6x8
 * cells (a column and a row of space).
 */
#ifndef HVSIM_TOOLS_FONT_H
#define HVSIM_TOOLS_FONT_H

#include <stdint.h>

#define FONT_W		5	/* glyph width */
#define FONT_H		7	/* glyph height */
#define FONT_CELL_W	6	/* advance */
#define FONT_CELL_H	8	/* line height */

/* @c's seven rows; a box for a byte outside ' '..'~'. */
const uint8_t *font_glyph(unsigned char c);

#endif /* HVSIM_TOOLS_FONT_H */
