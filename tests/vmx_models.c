// SPDX-License-Identifier: MIT
#include "vmx_models.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "programs/vmxprogs.h"
#include "vmx/legal.h"
#include "vmx/vmcs.h"

#ifndef HVSIM_CPUS_DIR
#error "HVSIM_CPUS_DIR must name the source tree's cpus/ directory"
#endif

/* A failure here is the test's setup gone wrong: it aborts with the reason. */
static void need(bool ok, const char *what, const char *detail)
{
	if (ok)
		return;
	fprintf(stderr, "vmx_models: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	abort();
}

struct cpu_model *vt_load(const char *spec)
{
	struct cpu_model *m = calloc(1, sizeof(*m));
	char err[256] = "";

	need(m, "out of memory", NULL);
	need(model_load(HVSIM_CPUS_DIR, spec, m, err, sizeof(err)) == 0, spec, err);
	return m;
}

void vt_set_msr(struct cpu_model *m, uint32_t index, uint64_t value)
{
	for (unsigned int i = 0; i < m->nmsrs; i++) {
		if (m->msrs[i].index == index) {
			m->msrs[i].value = value;
			return;
		}
	}
	need(m->nmsrs < MODEL_MAX_MSRS, "no room for another MSR", NULL);
	m->msrs[m->nmsrs++] = (struct model_msr){ .index = index, .value = value };
}

void vt_pae_guest(struct vmcs *v)
{
	vmcs_clear_bits(v, VMCS_VM_ENTRY_CONTROLS, VM_ENTRY_IA32E_MODE);
	vmcs_clear_bits(v, VMCS_GUEST_IA32_EFER, EFER_LMA | EFER_LME);
	vmcs_set(v, vmcs_seg_ar(VMCS_SEG_CS),
		 (VMX_LEGAL_AR_CODE64 & ~VMX_AR_L_MASK) | VMX_AR_DB_MASK);
}

void vt_kvm_like(struct vmcs *v)
{
	vmcs_set_bits(v, VMCS_PIN_BASED_VM_EXEC_CONTROL, PIN_BASED_EXT_INTR_MASK);
	vmcs_set_bits(v, VMCS_CPU_BASED_VM_EXEC_CONTROL, CPU_BASED_HLT_EXITING);
	vmcs_set_bits(v, VMCS_VM_EXIT_CONTROLS, VM_EXIT_ACK_INTR_ON_EXIT);
}

void vt_fields_from(const struct vmcs *v, struct vmxp_run *r)
{
	r->nfields = 0;
	for (unsigned int i = 0; i < vmcs_nr_fields; i++) {
		const struct vmcs_field_info *f = &vmcs_field_table[i];
		uint64_t val;

		if (f->high || f->read_only)
			continue;
		val = vmcs_get(v, f->encoding);
		if (!val)
			continue;
		need(r->nfields < VMXP_MAX_FIELDS, "more non-zero fields than a run holds", NULL);
		r->fields[r->nfields++] = (struct vmxp_field){ f->encoding, val };
	}
}
