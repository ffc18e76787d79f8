/* SPDX-License-Identifier: MIT */
/* Shared by the VMX tests: a docs table must match the code's check table. */
#ifndef HVSIM_TEST_VMX_DOCS_H
#define HVSIM_TEST_VMX_DOCS_H

#include "vmx/vmentry.h"

/*
 * Assert that the text between @begin_mark and @end_mark in @doc_path is
 * vmx_checks_render(@rows). On a mismatch the expected text is printed and
 * written to @regen_path, to paste between the markers.
 */
void vmx_docs_compare(const char *doc_path, const char *begin_mark, const char *end_mark,
		      const struct vmx_check *rows, unsigned int n, const char *regen_path);

#endif /* HVSIM_TEST_VMX_DOCS_H */
