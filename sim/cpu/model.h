/* SPDX-License-Identifier: MIT */
/*
 * CPU models as data: CPUID leaves, MSRs and cycle costs of one real
 * processor, loaded from a cpus/NAME.cpu text file, optionally varied
 * ("skylake-sp -vmx", "skylake-sp -vmx.posted-interrupts maxphyaddr=36"),
 * with the values the SDM derives from them (CR4 fixed/reserved bits,
 * MAXPHYADDR) computed, not stored.
 *
 * The grammar of files, variations and machine descriptions is in
 * docs/cpu-models.md.
 */
#ifndef HVSIM_CPU_MODEL_H
#define HVSIM_CPU_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvsim/tools.h"

struct strbuf;

/* One CPUID answer. */
struct cpuid_leaf {
	uint32_t leaf;
	uint32_t subleaf;	/* ignored when !indexed */
	bool indexed;		/* the leaf has subleaves (ECX matters) */
	uint32_t eax, ebx, ecx, edx;
};

/* One MSR the model implements. */
struct model_msr {
	uint32_t index;
	uint64_t value;		/* reset value (capability MSRs: the value) */
	uint64_t writable;	/* bits WRMSR may change; a write touching others #GPs */
	bool assumed;		/* not in the dumps: chosen by the SDM's rules */
};

/* What the simulator charges, in cycles. */
enum model_cost {
	COST_ACCESS,		/* a cache hit */
	COST_XCORE,		/* a cross-core transfer of a line */
	COST_ATOMIC,		/* a locked operation */
	COST_FENCE,		/* MFENCE */
	COST_PAUSE,		/* PAUSE */
	COST_CPUID,
	COST_RDMSR,
	COST_WRMSR,
	COST_CR_WRITE,		/* MOV to CR0/CR4 */
	COST_VMXON,
	COST_VMENTRY,		/* VMLAUNCH/VMRESUME to the guest */
	COST_VMEXIT,		/* guest to host */
	COST_IPI,		/* IPI delivery: the earliest it lands after the ICR write */
	COST_IPI_LATE,		/* ... and the latest (an arrival is explored in between) */
	COST_HOTPLUG,		/* INIT-SIPI-SIPI to the AP running */
	NR_MODEL_COSTS
};

/*
 * Where the SDM lets processors differ, which way a model goes: one value
 * per choice, 0 or 1, named in model files ("choice NAME VALUE") and
 * variations ("NAME=VALUE") by model_choice_name() and
 * model_choice_value_name(). A file that leaves a choice out gets 0.
 */
enum model_choice {
	/*
	 * VM entry injecting an NMI into a guest with blocking by STI: "A
	 * processor may require bit 0 (blocking by STI) to be 0 ... Other
	 * processors may not make this requirement" (Vol. 3C, "Checks on
	 * Guest Non-Register State"). 0 "fail": the entry fails (exit 33);
	 * 1 "enter": it does not. A "fail" processor is taken to be one that
	 * blocks NMIs in an STI shadow (STI: NMIs "may be inhibited"), which
	 * the guest stand-in follows for NMIs and the NMI window.
	 */
	MODEL_CHOICE_NMI_IN_STI_SHADOW,
	NR_MODEL_CHOICES
};

#define MODEL_MAX_LEAVES	256
#define MODEL_MAX_MSRS		64
/* A model's name: the full spec text, so it fits a hw_desc slot's spec. */
#define MODEL_NAME_MAX		160

struct cpu_model {
	char name[MODEL_NAME_MAX];	/* "skylake-sp", or with its variation */
	char description[128];
	struct cpuid_leaf leaves[MODEL_MAX_LEAVES];
	unsigned int nleaves;
	struct model_msr msrs[MODEL_MAX_MSRS];
	unsigned int nmsrs;
	uint32_t cost[NR_MODEL_COSTS];
	uint8_t choice[NR_MODEL_CHOICES];	/* each choice's value, 0 or 1 */
	uint32_t freq_mhz;		/* nominal frequency ("frequency"); 0: not given */
};

/* A model file's "frequency" bounds, MHz. */
#define MODEL_FREQ_MHZ_MAX	100000
/* The clock of a model that gives no frequency, or of a generic CPU: one cycle a nanosecond. */
#define MODEL_DEFAULT_FREQ_MHZ	1000

/*
 * Load a model by name and variation ("skylake-sp", "kabylake -vmx",
 * "skylake-sp -vmx.posted-interrupts maxphyaddr=36") from the files in
 * @dir (NULL: the build's cpus/ directory, or $HVSIM_CPUS). 0, or -ENOENT
 * for an unknown model / -EINVAL for a bad variation or file, with
 * "FILE:LINE: what was expected" (or the variation's text) in @err.
 */
int model_load(const char *dir, const char *spec, struct cpu_model *out,
	       char *err, size_t errlen);
/* Parse one model file. Same errors. */
int model_parse_file(const char *path, struct cpu_model *out, char *err, size_t errlen);

/* CPUID as the SDM specifies for leaves the model lacks (see model.c). */
void model_cpuid(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		 uint32_t out[4]);
/* A CPUID register, as an index into model_cpuid()'s out[]. */
enum model_reg { MODEL_EAX, MODEL_EBX, MODEL_ECX, MODEL_EDX };
/*
 * One CPUID feature bit; false when the leaf is above the model's maximum
 * (where CPUID would answer another leaf's data) or the model lacks it.
 */
bool model_cpuid_bit(const struct cpu_model *m, uint32_t leaf, uint32_t subleaf,
		     enum model_reg reg, unsigned int bit);
/* The MSR's entry, or NULL when the model lacks it (RDMSR/WRMSR #GP). */
const struct model_msr *model_msr(const struct cpu_model *m, uint32_t index);
/* The MSR's value, or @dflt when the model lacks it. */
uint64_t model_msr_value(const struct cpu_model *m, uint32_t index, uint64_t dflt);
/*
 * The capability MSR of a VMX control word, @plain or its IA32_VMX_TRUE_*
 * version @true_msr where IA32_VMX_BASIC[55] says the TRUE ones exist (SDM
 * Vol. 3D, "Basic VMX Information"); 0 when the model lacks it.
 */
uint64_t model_vmx_ctl_cap(const struct cpu_model *m, uint32_t plain, uint32_t true_msr);
/*
 * WRMSR of @val to MSR @index on a CPU of model @m whose MSRs hold @cur (by
 * slot; NULL: the reset values) and whose CR0 is @cr0: the slot it writes,
 * or -1 where WRMSR #GPs: an MSR the model lacks, a bit outside its
 * writable mask changed, IA32_FEATURE_CONTROL once locked (SDM Vol. 3C,
 * "Enabling and Entering VMX Operation"), IA32_EFER.LME changed while
 * CR0.PG is 1 (model_efer_lme_faults()).
 */
int model_msr_write_slot(const struct cpu_model *m, const uint64_t *cur, uint64_t cr0,
			 uint32_t index, uint64_t val);
/*
 * That WRMSR performed on @vals (NULL: only checked): 0, or -1 for a #GP.
 * IA32_EFER.LMA is read-only: the bit written is ignored ("IA32_EFER MSR
 * Information": LMA is (R)).
 */
int model_msr_write(const struct cpu_model *m, uint64_t *vals, uint64_t cr0, uint32_t index,
		    uint64_t val);
/*
 * Whether WRMSR of @val to IA32_EFER, which holds @now, #GPs with CR0 @cr0
 * because it changes LME while paging is on (SDM Vol. 3A, "Paging-Mode
 * Enabling": "IA32_EFER.LME cannot be modified while paging is enabled").
 */
bool model_efer_lme_faults(uint64_t cr0, uint64_t now, uint64_t val);

/*
 * The nominal frequency in MHz the kernel model's clock runs at (cycles to
 * seconds): the file's "frequency", else MODEL_DEFAULT_FREQ_MHZ; @m may be
 * NULL (a generic CPU).
 */
uint32_t model_freq_mhz(const struct cpu_model *m);
/* Derived values (the rest are in hvsim/tools.h). */
unsigned int model_linaddr(const struct cpu_model *m);	/* 0x80000008 EAX[15:8], else 48 */
/* The IA32_DEBUGCTL bits reserved on the model (WRMSR #GPs; VM entry checks them). */
uint64_t model_debugctl_reserved(const struct cpu_model *m);
/* The IA32_LBR_CTL bits reserved on the model: all where it has no architectural LBRs' leaf 1CH. */
uint64_t model_lbr_ctl_reserved(const struct cpu_model *m);
/* Bits 63:N-1 of @addr all equal, N = model_linaddr() ("Canonical Addressing"). */
bool model_canonical(const struct cpu_model *m, uint64_t addr);

/* The same for a linear-address width @n (32 to 64) already looked up. */
static inline bool canonical_in(unsigned int n, uint64_t addr)
{
	int64_t shifted = (int64_t)(addr << (64 - n));

	return (uint64_t)(shifted >> (64 - n)) == addr;
}

/* The model's derived values and the VMX controls it allows, in words, one per line, onto @sb. */
void model_describe(const struct cpu_model *m, struct strbuf *sb);
/* The cost's name in model files ("vmentry"), or NULL when out of range. */
const char *model_cost_name(enum model_cost cost);
/* A choice's name ("nmi-in-sti-shadow") and its value @v's ("fail"); NULL when out of range. */
const char *model_choice_name(enum model_choice ch);
const char *model_choice_value_name(enum model_choice ch, unsigned int v);
/* The choice named @name (@len characters), or NR_MODEL_CHOICES. */
enum model_choice model_choice_find(const char *name, size_t len);
/* The value of choice @ch named @text into *@v; false when it names none. */
bool model_choice_parse(enum model_choice ch, const char *text, uint8_t *v);

/*
 * A machine: its CPU slots, each with a model spec (model name and
 * variation, as model_load() takes it) and whether the CPU starts offline.
 * Grammar in docs/cpu-models.md: "4 slots: skylake-sp x3, slot 3 kabylake offline".
 */
#define MACHINE_DESC_MAX_SLOTS	64
#define MACHINE_DESC_SPEC_MAX	MODEL_NAME_MAX

struct hw_desc {
	unsigned int nslots;			/* 1..MACHINE_DESC_MAX_SLOTS */
	struct {
		char spec[MACHINE_DESC_SPEC_MAX];	/* "kabylake -apicv", words single-spaced */
		bool offline;			/* not brought up at boot */
	} slot[MACHINE_DESC_MAX_SLOTS];
};

/*
 * Parse a machine description into @out. 0, or -EINVAL with "column N:
 * expected ..." in @err. Model names and variations are checked for their
 * shape only: model_load() finds out whether they exist.
 */
int hw_desc_parse(const char *text, struct hw_desc *out, char *err, size_t errlen);

#endif /* HVSIM_CPU_MODEL_H */
