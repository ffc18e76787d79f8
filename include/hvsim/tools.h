/* SPDX-License-Identifier: MIT */
/*
 * What the tools (tools/hvsim.c, bench/) see of the simulator beyond
 * sim.h (runs) and trace.h (traces): the CPU models, VMX's VM-entry check
 * table, the names of exit reasons and a VMCS that passes every entry check
 * on a model, a trace's pcs and addresses by the running binary's symbols,
 * and the engine's coroutine switch for benchmarks. Models,
 * rows and VMCSs stay opaque: a tool includes this header, never sim/.
 *
 * Intel SDM, Order Number 325462-080US (June 2023), Vol. 3C "VM Entries"
 * (the checks), Vol. 3D Appendix C "VMX Basic Exit Reasons".
 */
#ifndef HVSIM_TOOLS_H
#define HVSIM_TOOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- CPU models (the files in cpus/, docs/cpu-models.md; sim/cpu/) ---- */

struct cpu_model;

/* A model file's name (without ".cpu"), as model_list() returns it. */
#define MODEL_FILE_NAME_MAX	48

/* The model names in @dir (NULL: the build's cpus/, or $HVSIM_CPUS), sorted; how many (up to @max). */
unsigned int model_list(const char *dir, char names[][MODEL_FILE_NAME_MAX], unsigned int max);
/* The folder model_list(NULL, ...) and model_new(NULL, ...) read: $HVSIM_CPUS or the build's. */
const char *model_default_dir(void);
/*
 * Model @spec with its variations ("skylake-sp -vmx.posted-interrupts") from
 * @dir, in new memory: NULL on error, with "FILE:LINE: what was expected"
 * or the variation's text in @err. model_free() releases it.
 */
struct cpu_model *model_new(const char *dir, const char *spec, char *err, size_t errlen);
void model_free(struct cpu_model *m);
/* Its name (the spec it was loaded with) and the file's description. */
const char *model_name(const struct cpu_model *m);
const char *model_description(const struct cpu_model *m);
/*
 * Its derived values and the VMX controls it allows, in words, one per
 * line, as hvsim cpus prints them; the caller frees the text.
 */
char *model_describe_text(const struct cpu_model *m);

/* Derived values (SDM rules; see docs/cpu-models.md). */
bool model_has_vmx(const struct cpu_model *m);		/* CPUID.1:ECX[5] */
unsigned int model_maxphyaddr(const struct cpu_model *m);	/* 0x80000008 EAX[7:0], else 36 */
uint64_t model_cr4_fixed1(const struct cpu_model *m);	/* CR4 bits that may be 1 */
uint64_t model_cr4_reserved(const struct cpu_model *m);	/* as KVM's __cr4_reserved_bits() */
uint64_t model_cr0_fixed0(const struct cpu_model *m);	/* 0x80000021 on every dump */
uint64_t model_cr0_fixed1(const struct cpu_model *m);
uint64_t model_cr4_fixed0(const struct cpu_model *m);	/* VMXE */

/* ---- machine descriptions (sim/cpu/hw_desc.c) ---- */

/*
 * Check machine description @desc ("3 slots: skylake-sp x2, slot 2
 * kabylake offline", grammar in docs/cpu-models.md): its grammar and, when
 * @load_models, that each slot's model with its variations loads from
 * @cpus_dir (NULL: the default folder). 0 and the slot count in *@nslots,
 * or -errno with "column N: expected ..." in @err.
 */
int machine_desc_check(const char *desc, const char *cpus_dir, bool load_models,
		       unsigned int *nslots, char *err, size_t errlen);

/* ---- a trace's pcs and addresses by name (sim/engine/symbolize_pub.c), for the viewer ---- */

/*
 * Was the trace whose header carries @build_id (@len bytes) written by the
 * binary now running? Only then do its pcs and addresses name anything
 * here; false when either has no build id.
 */
bool trace_sym_same_binary(const uint8_t *build_id, size_t len);
/*
 * "func+0x12/0x80 file:line" for pc @rel_pc as a trace carries it
 * (relative to the image base, the return address of an access's hook),
 * the function that holds it with the line (of the call, for code inlined
 * into it); false with "0x..." in @buf when no function holds it.
 */
bool trace_sym_pc(uint64_t rel_pc, char *buf, size_t len);
/*
 * The object at (@region, @offset) (enum trace_region): "name", or
 * "name+0xoff", with " (name.member)" where DWARF knows the member, for
 * the instrumented data and bss; false and "" for other regions or where
 * no symbol holds it.
 */
bool trace_sym_addr(unsigned int region, uint64_t offset, char *buf, size_t len);
/* The same for an address of this process's instrumented data or bss. */
bool sym_data_addr(const void *addr, char *buf, size_t len);

/* ---- the engine's coroutines (sim/engine/ctx.c), for benchmarks ---- */

/*
 * @rounds round trips between the caller and a coroutine on a pooled
 * stack: 2 * @rounds context switches of the kind every scheduling
 * decision makes. The caller times it.
 */
void ctx_pingpong(uint64_t rounds);

/* ---- VMX (sim/vmx/) ---- */

/* One row of the VM-entry check table (sim/vmx/checks.def). */
struct vmx_check;

/* Which part of the VM-entry checks a row belongs to, in entry order. */
enum vmx_check_group {
	VMX_CHECK_CONTROLS,	/* "Checks on VMX Controls": VM-instruction error 7 */
	VMX_CHECK_HOST_STATE,	/* "Checks on the Host State Area": error 8 */
	VMX_CHECK_GUEST_STATE,	/* "Checking and Loading Guest State": exit reason 33 */
	VMX_CHECK_MSR_LOAD,	/* "Loading MSRs": exit reason 34 */
	VMX_NR_CHECK_GROUPS,
};

/* The whole table in entry order, and the rows of one group (a slice of it). */
const struct vmx_check *vmx_checks(unsigned int *n);
const struct vmx_check *vmx_checks_of(enum vmx_check_group group, unsigned int *n);
/* A row's stable name, "pin-ctls": what traces and messages call it. */
const char *vmx_check_id(const struct vmx_check *r);
/* "controls", "host-state", "guest-state", "msr-load" */
const char *vmx_check_group_name(enum vmx_check_group group);
/*
 * The Markdown table of @n rows from @rows as docs/vmx-checks.md carries
 * it (header included) into @buf; returns the length it needed
 * (snprintf-style).
 */
size_t vmx_checks_render(const struct vmx_check *rows, unsigned int n, char *buf, size_t len);

/* "HLT", "external interrupt", ... for basic exit reason @basic; NULL when unnamed. */
const char *vmx_exit_reason_name(uint32_t basic);

/* A CPU model and a VMCS that passes every VM-entry check on it. */
struct vmx_legal;

/*
 * Load model @spec ("skylake-sp", with variations as `hvsim cpus` takes
 * them) from @cpus_dir (NULL: the build's cpus/, or $HVSIM_CPUS) and build
 * its legal VMCS: 0, or -errno with a message in @err.
 */
int vmx_legal_create(const char *cpus_dir, const char *spec, struct vmx_legal **out,
		     char *err, size_t errlen);
void vmx_legal_destroy(struct vmx_legal *l);
/* Set @bits in field @field (a VMCS_* encoding of hvsim/x86/vmcs-fields.h). */
void vmx_legal_set_bits(struct vmx_legal *l, uint32_t field, uint64_t bits);
/*
 * The VMWRITEs that load the VMCS into a hypervisor's region: its writable
 * fields that are not 0 and that the model has (VMWRITE of any other fails
 * with error 12), in field-table order, at most @max into @fields
 * and @values; returns how many there are.
 */
unsigned int vmx_legal_writes(const struct vmx_legal *l, uint32_t *fields, uint64_t *values,
			      unsigned int max);
/* VM entry's checks before MSR loading, on the model: NULL, or the first row that fails. */
const struct vmx_check *vmx_legal_check(const struct vmx_legal *l);

#endif /* HVSIM_TOOLS_H */
