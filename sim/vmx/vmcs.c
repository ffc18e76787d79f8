// SPDX-License-Identifier: MIT
/*
 * The VMCS field table and VMREAD/VMWRITE semantics.
 *
 * Citations: Intel SDM, Order Number 325462-080US (June 2023). Field
 * encodings: Vol. 3D Appendix B, "Field Encoding in VMCS". Operand rules:
 * Vol. 3C, "VMREAD - Read Field from Virtual-Machine Control Structure"
 * and "VMWRITE - Write Field to Virtual-Machine Control Structure", for a
 * 64-bit register operand (the only mode the simulator runs VMX code in).
 */
#include "vmx/vmcs.h"

#include <stdio.h>
#include <string.h>

#include "engine/bug.h"

#define VMCS_ROW(nm, enc, w, hi, ro, sl)				\
	{ .encoding = (enc), .name = (nm), .width = (w), .high = (hi),	\
	  .read_only = (ro), .slot = (sl) },
#define VMCS_ROW16(n, enc, ro)	VMCS_ROW(#n, enc, VMCS_W16, false, ro, VMCS_SLOT_##n)
#define VMCS_ROW32(n, enc, ro)	VMCS_ROW(#n, enc, VMCS_W32, false, ro, VMCS_SLOT_##n)
#define VMCS_ROWNAT(n, enc, ro)	VMCS_ROW(#n, enc, VMCS_WNAT, false, ro, VMCS_SLOT_##n)
#define VMCS_ROW64(n, enc, ro)						\
	VMCS_ROW(#n, enc, VMCS_W64, false, ro, VMCS_SLOT_##n)		\
	VMCS_ROW(#n "_HIGH", (enc) + 1, VMCS_W64, true, ro, VMCS_SLOT_##n)

const struct vmcs_field_info vmcs_field_table[] = {
	VMCS_FIELDS(VMCS_ROW16, VMCS_ROW32, VMCS_ROW64, VMCS_ROWNAT)
};

const unsigned int vmcs_nr_fields = sizeof(vmcs_field_table) / sizeof(vmcs_field_table[0]);

const struct vmcs_field_info *vmcs_field_find(uint64_t encoding)
{
	/*
	 * Bits 63:32 of the register operand are not part of any encoding:
	 * a set bit there names no component.
	 */
	unsigned int lo = 0, hi = vmcs_nr_fields;

	if (encoding >> 32)
		return NULL;
	/* VMCS_FIELDS() lists the fields in encoding order (a test checks it). */
	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (vmcs_field_table[mid].encoding < encoding)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < vmcs_nr_fields && vmcs_field_table[lo].encoding == encoding ?
	       &vmcs_field_table[lo] : NULL;
}

void vmcs_init(struct vmcs *v, uint32_t revision, bool vmwrite_any)
{
	memset(v, 0, sizeof(*v));
	v->revision = revision & VMX_BASIC_REVISION_MASK;
	v->shadow = revision >> 31;
	v->launch = VMCS_CLEAR;
	v->vmwrite_any = vmwrite_any;
}

/* The bits a field of @width keeps: natural width is 64 on Intel 64. */
static uint64_t width_mask(enum vmcs_width width)
{
	switch (width) {
	case VMCS_W16:
		return 0xffffULL;
	case VMCS_W32:
		return 0xffffffffULL;
	case VMCS_W64:
	case VMCS_WNAT:
		break;
	}
	return ~0ULL;
}

int vmcs_read(const struct vmcs *v, uint64_t encoding, uint64_t *val)
{
	const struct vmcs_field_info *f = vmcs_field_find(encoding);
	uint64_t raw;

	if (!f)
		return VMXERR_UNSUPPORTED_COMPONENT;
	raw = v->val[f->slot];
	*val = f->high ? raw >> 32 : raw & width_mask(f->width);
	return 0;
}

int vmcs_write(struct vmcs *v, uint64_t encoding, uint64_t val)
{
	const struct vmcs_field_info *f = vmcs_field_find(encoding);
	uint64_t *slot;

	if (!f)
		return VMXERR_UNSUPPORTED_COMPONENT;
	/* Without IA32_VMX_MISC[29] the VM-exit information fields are read-only. */
	if (f->read_only && !v->vmwrite_any)
		return VMXERR_VMWRITE_READ_ONLY;
	slot = &v->val[f->slot];
	if (f->high)
		*slot = (*slot & 0xffffffffULL) | (val << 32);
	else
		*slot = val & width_mask(f->width);
	return 0;
}

void vmcs_bad_encoding(uint32_t encoding)
{
	char what[64];

	snprintf(what, sizeof(what), "no full VMCS field has encoding %#x", encoding);
	sim_bug(__FILE__, __LINE__, what);
}
