/* SPDX-License-Identifier: MIT */
/*
 * What the VMX test suites share besides the legal VMCS (sim/vmx/legal.h):
 * CPU models loaded from cpus/, and their MSRs read and changed for a test.
 */
#ifndef HVSIM_TESTS_VMX_MODELS_H
#define HVSIM_TESTS_VMX_MODELS_H

#include <stdint.h>

#include "cpu/model.h"
#include "hvsim/x86/msr-index.h"
#include "hvsim/x86/processor-flags.h"
#include "hvsim/x86/vmx.h"

/* Access rights with DPL @n ("Format of Access Rights"). */
#define AR_DPL(n)	((uint64_t)(n) << VMX_AR_DPL_SHIFT)

/* Model @spec from cpus/ (malloc'd; aborts with a message when it does not load). */
struct cpu_model *vt_load(const char *spec);

/* A model's MSR value, 0 when it lacks the MSR. */
static inline uint64_t vt_msr(const struct cpu_model *m, uint32_t index)
{
	return model_msr_value(m, index, 0);
}

/* Set a model's MSR for a test, adding it when the model lacks it. */
void vt_set_msr(struct cpu_model *m, uint32_t index, uint64_t value);

struct vmcs;
struct vmxp_run;

/*
 * Make the legal guest a 32-bit guest with PAE paging: not IA-32e mode,
 * IA32_EFER.LMA and LME clear, 32-bit code (its CR0.PG and CR4.PAE stay).
 */
void vt_pae_guest(struct vmcs *v);

/* As KVM runs a vCPU: external-interrupt exiting, HLT exiting, acknowledge interrupt on exit. */
void vt_kvm_like(struct vmcs *v);

/* The writable fields of @v that are not 0, as the VMWRITEs of @r's task (its fields[]). */
void vt_fields_from(const struct vmcs *v, struct vmxp_run *r);

#endif /* HVSIM_TESTS_VMX_MODELS_H */
