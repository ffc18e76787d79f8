/* SPDX-License-Identifier: MIT */
/*
 * The VMCS as data: a table of the fields (encoding, name, width,
 * read-only) made from the encodings' list in hvsim/x86/vmcs-fields.h,
 * and VMREAD/VMWRITE on a struct vmcs with the VM-instruction errors the
 * SDM gives them (enum vmx_insn_error, hvsim/x86/vmx.h).
 *
 * Citations are to the Intel 64 and IA-32 Architectures Software
 * Developer's Manual, Order Number 325462-080US (June 2023); sections are
 * named by title: encodings from Vol. 3D Appendix B "Field Encoding in
 * VMCS", layout rules from Vol. 3C "Virtual-Machine Control Structures",
 * VMREAD/VMWRITE from Vol. 3C "VMX Instruction Reference", error numbers
 * from "VM Instruction Error Numbers".
 */
#ifndef HVSIM_VMX_VMCS_H
#define HVSIM_VMX_VMCS_H

#include <stdbool.h>
#include <stdint.h>

#include "hvsim/x86/vmx.h"

struct cpu_model;

/*
 * Field width, as encoding bits 14:13 give it ("Field Encoding in VMCS",
 * "Structure of VMCS Component Encoding").
 */
enum vmcs_width {
	VMCS_W16 = 0,
	VMCS_W64 = 1,
	VMCS_W32 = 2,
	VMCS_WNAT = 3,		/* natural width: 64 bits on Intel 64 */
};

/* Field type, encoding bits 11:10. */
enum vmcs_type {
	VMCS_TYPE_CONTROL = 0,
	VMCS_TYPE_RO_DATA = 1,	/* VM-exit information: read-only to VMWRITE */
	VMCS_TYPE_GUEST = 2,
	VMCS_TYPE_HOST = 3,
};

#define VMCS_SLOT_ONE(name, enc, ro)	VMCS_SLOT_##name,

/* Where struct vmcs keeps a field's value: one slot per field, both halves. */
enum vmcs_slot {
	VMCS_FIELDS(VMCS_SLOT_ONE, VMCS_SLOT_ONE, VMCS_SLOT_ONE, VMCS_SLOT_ONE)
	VMCS_NR_SLOTS
};

/* One row of the field table; a 64-bit field has a full and a high row. */
struct vmcs_field_info {
	uint32_t encoding;
	const char *name;		/* "GUEST_RIP", "IO_BITMAP_A_HIGH" */
	enum vmcs_width width;		/* as written in VMCS_FIELDS() */
	bool high;			/* the upper 32 bits of a 64-bit field */
	bool read_only;			/* VM-exit information: VMWRITE fails */
	enum vmcs_slot slot;		/* where struct vmcs keeps the value */
};

/* The table, in VMCS_FIELDS() order, and its length. */
extern const struct vmcs_field_info vmcs_field_table[];
extern const unsigned int vmcs_nr_fields;

/* The row for @encoding, or NULL when the processor has no such component. */
const struct vmcs_field_info *vmcs_field_find(uint64_t encoding);

/*
 * Whether a CPU of model @m has the component @encoding (either encoding
 * of a 64-bit field): a field the SDM ties to a feature exists only where
 * the model's capability MSRs allow that feature's control to be 1 ("Field
 * Encoding in VMCS", the notes under each table); the others exist on
 * every processor with VMX. VMREAD and VMWRITE of a component that does
 * not exist fail with VMXERR_UNSUPPORTED_COMPONENT.
 */
bool vmcs_field_supported(const struct cpu_model *m, uint64_t encoding);

/* What the encoding's bits say, whether or not the field exists. */
static inline enum vmcs_width vmcs_encoding_width(uint32_t encoding)
{
	return (enum vmcs_width)((encoding >> 13) & 3);
}

static inline enum vmcs_type vmcs_encoding_type(uint32_t encoding)
{
	return (enum vmcs_type)((encoding >> 10) & 3);
}

/* Access type, bit 0: "high" is meaningful for 64-bit fields only. */
static inline bool vmcs_encoding_high(uint32_t encoding)
{
	return vmcs_encoding_width(encoding) == VMCS_W64 && (encoding & 1);
}

/* Launch state of a VMCS (Vol. 3C, "VMCS Data Organization" and "VMCLEAR"). */
enum vmcs_launch_state {
	VMCS_CLEAR,
	VMCS_LAUNCHED,
};

/*
 * A VMCS region's contents as the simulator keeps them: the layout inside
 * the 4 KiB region is implementation-specific, so only values are held.
 */
struct vmcs {
	uint32_t revision;		/* VMCS revision identifier, bits 30:0 */
	bool shadow;			/* shadow-VMCS indicator, revision bit 31 */
	enum vmcs_launch_state launch;	/* VMCLEAR sets CLEAR, VMLAUNCH LAUNCHED */
	bool vmwrite_any;		/* IA32_VMX_MISC[29]: VMWRITE may write read-only fields */
	uint64_t val[VMCS_NR_SLOTS];	/* each field's value, 64-bit ones whole */
};

/* A cleared VMCS with every field 0. */
void vmcs_init(struct vmcs *v, uint32_t revision, bool vmwrite_any);

/*
 * VMREAD and VMWRITE of the component whose encoding is in a 64-bit
 * register: 0, or VMXERR_UNSUPPORTED_COMPONENT / VMXERR_VMWRITE_READ_ONLY.
 * Values are the 64-bit register operand; narrower fields zero-extend on
 * read and drop the upper bits on write; a 64-bit field's "high" encoding
 * reads and writes its bits 63:32 through bits 31:0 of the operand.
 */
int vmcs_read(const struct vmcs *v, uint64_t encoding, uint64_t *val);
int vmcs_write(struct vmcs *v, uint64_t encoding, uint64_t val);

/*
 * The simulator's own access (the CPU's, not an instruction's): no
 * read-only rule, full encodings only; an unknown or "high" encoding is a
 * simulator bug. Inline, so that a constant encoding folds to its slot:
 * VM entry reads hundreds of fields.
 */
#define VMCS_SLOT_CASE(name, enc, ro)	case (enc): return VMCS_SLOT_##name;

/* The slot of a full-field encoding, or -1. */
static inline __attribute__((always_inline)) int vmcs_full_slot(uint32_t encoding)
{
	switch (encoding) {
	VMCS_FIELDS(VMCS_SLOT_CASE, VMCS_SLOT_CASE, VMCS_SLOT_CASE, VMCS_SLOT_CASE)
	default:
		return -1;
	}
}

/* A simulator bug: @encoding names no full field (vmcs.c). */
__attribute__((noreturn)) void vmcs_bad_encoding(uint32_t encoding);

static inline __attribute__((always_inline)) uint64_t vmcs_get(const struct vmcs *v,
							 uint32_t encoding)
{
	int slot = vmcs_full_slot(encoding);

	if (slot < 0)
		vmcs_bad_encoding(encoding);
	return v->val[slot];
}

static inline void vmcs_set(struct vmcs *v, uint32_t encoding, uint64_t val)
{
	int slot = vmcs_full_slot(encoding);

	if (slot < 0)
		vmcs_bad_encoding(encoding);
	switch (vmcs_encoding_width(encoding)) {
	case VMCS_W16:
		val &= 0xffffULL;
		break;
	case VMCS_W32:
		val &= 0xffffffffULL;
		break;
	case VMCS_W64:
	case VMCS_WNAT:
		break;
	}
	v->val[slot] = val;
}

static inline void vmcs_set_bits(struct vmcs *v, uint32_t encoding, uint64_t bits)
{
	vmcs_set(v, encoding, vmcs_get(v, encoding) | bits);
}

static inline void vmcs_clear_bits(struct vmcs *v, uint32_t encoding, uint64_t bits)
{
	vmcs_set(v, encoding, vmcs_get(v, encoding) & ~bits);
}

/*
 * The guest's segment registers, in the order of their fields: each
 * kind's encodings (selector, limit, access rights, base) are 2 apart,
 * ES first ("Field Encoding in VMCS").
 */
enum vmcs_seg {
	VMCS_SEG_ES, VMCS_SEG_CS, VMCS_SEG_SS, VMCS_SEG_DS,
	VMCS_SEG_FS, VMCS_SEG_GS, VMCS_SEG_LDTR, VMCS_SEG_TR,
};

static inline uint32_t vmcs_seg_selector(enum vmcs_seg s)
{
	return VMCS_GUEST_ES_SELECTOR + 2 * (uint32_t)s;
}

static inline uint32_t vmcs_seg_limit(enum vmcs_seg s)
{
	return VMCS_GUEST_ES_LIMIT + 2 * (uint32_t)s;
}

static inline uint32_t vmcs_seg_ar(enum vmcs_seg s)
{
	return VMCS_GUEST_ES_AR_BYTES + 2 * (uint32_t)s;
}

static inline uint32_t vmcs_seg_base(enum vmcs_seg s)
{
	return VMCS_GUEST_ES_BASE + 2 * (uint32_t)s;
}

/* All four fields of guest segment @s. */
static inline void vmcs_set_seg(struct vmcs *v, enum vmcs_seg s, uint64_t sel, uint64_t base,
				uint64_t limit, uint64_t ar)
{
	vmcs_set(v, vmcs_seg_selector(s), sel);
	vmcs_set(v, vmcs_seg_base(s), base);
	vmcs_set(v, vmcs_seg_limit(s), limit);
	vmcs_set(v, vmcs_seg_ar(s), ar);
}

/* A bit, for the formats the SDM gives by bit number. */
#define VMX_BIT(n)			(1ULL << (n))

#endif /* HVSIM_VMX_VMCS_H */
