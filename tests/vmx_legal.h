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

/* Controls ("VM-Exit Controls", "VM-Entry Controls"). */
#define EXIT_LOAD_PERF	VMX_BIT(12)
#define EXIT_LOAD_PAT	VMX_BIT(19)
#define EXIT_LOAD_EFER	VMX_BIT(21)
#define ENTRY_LOAD_DEBUG VMX_BIT(2)
#define ENTRY_LOAD_PERF	VMX_BIT(13)
#define ENTRY_LOAD_PAT	VMX_BIT(14)
#define ENTRY_LOAD_EFER	VMX_BIT(15)
#define ENTRY_LOAD_BNDCFGS VMX_BIT(16)

/* Access rights ("Guest Register State"). */
#define AR_TYPE		0xfULL
#define AR_S		VMX_BIT(4)
#define AR_DPL(n)	((uint64_t)(n) << 5)
#define AR_DPL_MASK	AR_DPL(3)
#define AR_P		VMX_BIT(7)
#define AR_L		VMX_BIT(13)
#define AR_DB		VMX_BIT(14)
#define AR_G		VMX_BIT(15)
#define AR_UNUSABLE	VMX_BIT(16)
#define AR_CODE64	(0xbULL | AR_S | AR_P | AR_L | AR_G)
#define AR_DATA		(0x3ULL | AR_S | AR_P | AR_DB | AR_G)
#define AR_TSS64_BUSY	(0xbULL | AR_P)
#define AR_LDT		(0x2ULL | AR_P)

#define INTR_STI	VMX_BIT(0)
#define INTR_MOV_SS	VMX_BIT(1)
#define INTR_NMI	VMX_BIT(3)
#define PDBG_BS		VMX_BIT(14)

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
