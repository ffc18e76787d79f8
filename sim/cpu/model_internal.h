/* SPDX-License-Identifier: MIT */
/*
 * Private to sim/cpu: what the files of the CPU-model code share.
 *
 *   model.c           model data: CPUID and MSR look-ups, derived values
 *   model_vmx.c       the VMX controls by class and name
 *   model_file.c      the cpus/NAME.cpu parser, model_list(), small parsers
 *   model_vary.c      variations ("-vmx.posted-interrupts"), model_load()
 *   model_describe.c  a model in words (`hvsim cpus MODEL`)
 *   hw_desc.c    machine descriptions ("3 slots: skylake-sp x2, ...")
 */
#ifndef HVSIM_CPU_MODEL_INTERNAL_H
#define HVSIM_CPU_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/model.h"

/* CPUID leaves by function (SDM Vol. 2A, CPUID instruction reference). */
#define CPUID_LEAF_MAX_BASIC	0x00000000u
#define CPUID_LEAF_FEATURES	0x00000001u
#define CPUID_LEAF_EXT_FEATURES	0x00000007u
#define CPUID_LEAF_PERFMON	0x0000000au
#define CPUID_LEAF_ARCH_LBR	0x0000001cu
#define CPUID_LEAF_TOPOLOGY	0x0000000bu
#define CPUID_LEAF_TOPOLOGY_V2	0x0000001fu
#define CPUID_LEAF_MAX_EXT	0x80000000u
#define CPUID_LEAF_ADDR_SIZES	0x80000008u

/* ---- model.c ---- */

/* "eax", "ebx", "ecx", "edx", by enum model_reg. */
extern const char *const model_reg_names[4];

/* The model's entry for @leaf (@subleaf where the leaf is indexed), or NULL. */
const struct cpuid_leaf *model_find_leaf(const struct cpu_model *m, uint32_t leaf,
					 uint32_t subleaf);
/* Leaf 0 EAX and leaf 80000000H EAX; false when the model lacks that leaf. */
bool model_max_basic(const struct cpu_model *m, uint32_t *max);
bool model_max_ext(const struct cpu_model *m, uint32_t *max);
/* Whether CPUID answers @leaf with its own data rather than another leaf's. */
bool model_leaf_in_range(const struct cpu_model *m, uint32_t leaf);

/* ---- model_file.c ---- */

/* Format a message into @err (when there is one) and return @ret. */
int model_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Hex digits (a "0x" prefix required when @need_prefix), at most @max. */
bool model_parse_hex(const char *s, bool need_prefix, uint64_t max, uint64_t *out);
/* Decimal digits only, at most @max. */
bool model_parse_dec(const char *s, uint64_t max, uint64_t *out);
/* A letter, digit, '.', '_' or '-': what names and variations are made of. */
bool model_name_char(char c);
/* A model file's name without ".cpu": no '/', not starting with '.' or '-'. */
bool model_valid_name(const char *s, size_t len);
bool model_is_space(char c);
/* Where models are when the caller names no directory: $HVSIM_CPUS, else the build's cpus/. */
const char *model_default_dir(void);
/*
 * Parse the model file at @path into @out, with the line of its "name" in
 * *@name_line: model_parse_file() for model_load(), which checks the name.
 */
int model_parse_path(const char *path, struct cpu_model *out, unsigned int *name_line,
		     char *err, size_t errlen);

/* ---- model_vmx.c ---- */

/* The VMX control classes, each reported by its own capability MSR. */
enum model_vmx_class {
	MODEL_VMX_PIN,
	MODEL_VMX_PRIMARY,
	MODEL_VMX_SECONDARY,
	MODEL_VMX_TERTIARY,
	MODEL_VMX_EXIT,
	MODEL_VMX_ENTRY,
	NR_MODEL_VMX_CLASSES
};

struct model_vmx_class_info {
	const char *name;	/* "pin-based", as variations and descriptions say it */
	uint32_t msr;		/* its capability MSR */
	uint32_t true_msr;	/* its IA32_VMX_TRUE_* MSR; 0: none */
};

extern const struct model_vmx_class_info model_vmx_classes[NR_MODEL_VMX_CLASSES];

/* One named control: bit @bit of class @cls. */
struct model_vmx_control {
	unsigned char cls;	/* enum model_vmx_class */
	unsigned char bit;
	const char *name;	/* "posted-interrupts" */
};

extern const struct model_vmx_control model_vmx_controls[];
extern const unsigned int model_nr_vmx_controls;

/* The name of bit @bit of class @cls, or NULL when the table names none. */
const char *model_vmx_control_name(unsigned int cls, unsigned int bit);
/*
 * The allowed-0 and allowed-1 settings of class @cls, from its TRUE MSR
 * when @use_true and the model has one; false when the model lacks the MSR.
 */
bool model_vmx_class_caps(const struct cpu_model *m, unsigned int cls, bool use_true,
			  uint64_t *allowed0, uint64_t *allowed1);

#endif /* HVSIM_CPU_MODEL_INTERNAL_H */
