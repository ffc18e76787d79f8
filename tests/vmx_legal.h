/* SPDX-License-Identifier: MIT */
/*
 * What the VMX test suites share: CPU models loaded from cpus/, and a
 * VMCS that passes every VM-entry check on any model (a 64-bit host, a
 * 64-bit IA-32e guest with flat segments, control words at their
 * allowed-0 bits plus the 64-bit and MSR-load controls the model allows).
 *
 * SDM citations: Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C.
 */
#ifndef HVSIM_TESTS_VMX_LEGAL_H
#define HVSIM_TESTS_VMX_LEGAL_H

#include <stdbool.h>
#include <stdint.h>

#include "cpu/model.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "vmx/vmcs.h"

/* UC, WC, WT, WP, WB, UC-, ... as firmware leaves IA32_PAT. */
#define PAT_LEGAL	0x0007040600070406ULL

/* Access rights ("Format of Access Rights"): DPL @n, and the legal guest's segments. */
#define AR_DPL(n)	((uint64_t)(n) << VMX_AR_DPL_SHIFT)
#define AR_CODE64	(0xbULL | VMX_AR_S_MASK | VMX_AR_P_MASK | VMX_AR_L_MASK | VMX_AR_G_MASK)
#define AR_DATA		(0x3ULL | VMX_AR_S_MASK | VMX_AR_P_MASK | VMX_AR_DB_MASK | VMX_AR_G_MASK)
#define AR_TSS64_BUSY	(0xbULL | VMX_AR_P_MASK)
#define AR_LDT		(0x2ULL | VMX_AR_P_MASK)

/* The guest segments in VMCS order (selector 0800H + 2i, ...). */
enum seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

static inline uint32_t vt_sel_f(int s)   { return VMCS_GUEST_ES_SELECTOR + 2 * s; }
static inline uint32_t vt_limit_f(int s) { return VMCS_GUEST_ES_LIMIT + 2 * s; }
static inline uint32_t vt_ar_f(int s)    { return VMCS_GUEST_ES_AR_BYTES + 2 * s; }
static inline uint32_t vt_base_f(int s)  { return VMCS_GUEST_ES_BASE + 2 * s; }

/* Model @spec from cpus/ (malloc'd; aborts with a message when it does not load). */
struct cpu_model *vt_load(const char *spec);
/* A model's MSR value, 0 when it lacks the MSR; set (adding it) for a test. */
uint64_t vt_msr(const struct cpu_model *m, uint32_t index);
void vt_set_msr(struct cpu_model *m, uint32_t index, uint64_t value);
/* The capability MSR for a control word: TRUE_* when IA32_VMX_BASIC[55]. */
uint64_t vt_ctl_msr(const struct cpu_model *m, uint32_t plain, uint32_t true_msr);

void vt_set_bits(struct vmcs *v, uint32_t field, uint64_t bits);
void vt_clear_bits(struct vmcs *v, uint32_t field, uint64_t bits);
void vt_set_seg(struct vmcs *v, int s, uint64_t sel, uint64_t base, uint64_t limit,
		uint64_t ar);

/* The legal VMCS for @m (malloc'd), and the same written into @v. */
struct vmcs *vt_legal_vmcs(const struct cpu_model *m);
void vt_legal_fill(const struct cpu_model *m, struct vmcs *v);

#endif /* HVSIM_TESTS_VMX_LEGAL_H */
