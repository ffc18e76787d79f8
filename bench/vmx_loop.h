/* SPDX-License-Identifier: MIT */
/* The benchmark's VM-entry loop (bench/vmx_loop.c, instrumented). */
#ifndef HVSIM_BENCH_VMX_LOOP_H
#define HVSIM_BENCH_VMX_LOOP_H

#include <stdint.h>

#define VMX_LOOP_MAX_FIELDS	256

struct vmx_loop {
	uint32_t field[VMX_LOOP_MAX_FIELDS];	/* VMWRITEs after VMPTRLD */
	uint64_t value[VMX_LOOP_MAX_FIELDS];
	unsigned int nfields;
	unsigned int entries;			/* VMLAUNCH, then VMRESUMEs */
	unsigned int hlt_exits;			/* out */
};

void vmx_loop_task(void *arg);

/* Cross-CPU calls with wait from CPU 0 to CPU 1, through the APIC (instrumented). */
struct ipi_loop {
	unsigned int calls;
	unsigned int ran;			/* out: the handler's runs */
	uint64_t cycles;			/* out: CPU 0's simulated cycles for them all */
};

void ipi_loop_task(void *arg);

/* KVM_RUN round trips through /dev/kvm (a user task; hv/ booted). */
struct kvm_run_loop {
	unsigned int runs;
	unsigned int hlt_exits;			/* out */
	uint64_t cycles;			/* out: simulated cycles for them all */
};

void kvm_run_loop_task(void *arg);

#endif /* HVSIM_BENCH_VMX_LOOP_H */
