/* SPDX-License-Identifier: MIT */
/* The running binary's identity: its GNU build id and its load address. */
#ifndef HVSIM_BUILDID_H
#define HVSIM_BUILDID_H

#include <stddef.h>
#include <stdint.h>

/* Copies up to @cap bytes of the build id into @out; returns its length (0 if none). */
size_t sim_build_id(uint8_t *out, size_t cap);
/* Load address of the main executable (pcs in traces are relative to it). */
uintptr_t sim_image_base(void);

#endif /* HVSIM_BUILDID_H */
