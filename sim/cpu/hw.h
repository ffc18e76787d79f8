/* SPDX-License-Identifier: MIT */
/*
 * The hardware floor's machine: the engine's struct machine embedded in a
 * larger one that adds, per CPU, its model and architectural state (CRs,
 * MSRs, RFLAGS.IF, VMX operation, the interrupts waiting for it), and per
 * machine the slots' models, the VMCS store and the physical memory.
 *
 * The hardware calls no floor above it. Where it needs the kernel (a fault
 * the kernel's exception handling turns into an oops or a warning), it
 * calls the handler the kernel floor registered at machine creation.
 */
#ifndef HVSIM_CPU_HW_H
#define HVSIM_CPU_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/machine.h"
#include "apic/apic.h"
#include "cpu/model.h"
#include "vmx/vmx.h"

struct phys_mem;

/*
 * An interrupt raised at a CPU and not yet taken: the stand-in for the
 * local APIC's IRR until sim/apic exists. Whoever raises it owns the
 * memory (the kernel model embeds it in its IPI payload).
 */
struct hw_intr {
	struct hw_intr *next;		/* the CPU's queue, FIFO */
	uint64_t arrives;		/* the sender's clock at the send, plus delivery */
	uint8_t vector;			/* the IPI's vector */
	/* Acknowledged on a VM exit (in service): a guest no longer exits for it. */
	bool acked;
};

/* A CPU's architectural state. */
struct hw_cpu {
	unsigned int id;		/* the engine's CPU index */
	const struct cpu_model *model;	/* NULL: a generic CPU (no CPUID, no MSRs) */
	uint32_t apic_id;		/* initial (x2)APIC ID */
	uint64_t cr0, cr4;
	bool irqs_enabled;		/* RFLAGS.IF */
	struct hw_intr *intr_head;	/* interrupts waiting, FIFO */
	struct hw_intr *intr_tail;
	uint64_t msr_val[MODEL_MAX_MSRS]; /* current values, indexed like model->msrs */
	struct cpu_vmx vmx;		/* VMX operation (sim/vmx/) */
	struct lapic apic;		/* its local APIC (sim/apic/) */
};

/*
 * A fault the CPU raises in host (kernel) context, as the kernel's
 * exception handling will print it. One shape for all of them: the title,
 * optional lines before the CPU line, the RIP line with a note, lines
 * after it, and the call trace.
 */
struct hw_fault {
	const char *title;		/* "general protection fault: 0000 [#1] PREEMPT SMP" */
	const char *before;		/* lines between the title and the CPU line, or NULL */
	bool rip;			/* print "RIP: func+off/size" for @pc */
	const char *rip_note;		/* after the RIP symbol ("(VMXON on kabylake)"), or NULL */
	const char *after;		/* lines after the RIP line, or NULL */
	bool call_trace;		/* print the task's call trace */
	uintptr_t pc;			/* a return address into the faulting code */
	bool fatal;			/* an oops: the run ends; else a warning */
};

typedef void (*hw_fault_fn)(struct machine *m, const struct hw_fault *f);

struct hw_machine {
	struct machine m;		/* the engine's: first, so either converts */
	struct hw_cpu cpu[SIM_MAX_CPUS];
	struct cpu_model *models;	/* [ncpus], when a description was given */
	uint64_t offline_slots;		/* CPUs that start each run offline */
	struct vmx_store *vmx;		/* VMCS contents by physical address */
	struct phys_mem *mem;		/* physical memory (sim/mem) */
	hw_fault_fn fault;		/* the kernel floor's exception handling */
};

static inline struct hw_machine *hw_of(const struct machine *m)
{
	return (struct hw_machine *)(uintptr_t)m;
}

static inline const struct hw_machine *hw_of_const(const struct machine *m)
{
	return (const struct hw_machine *)m;
}

static inline struct hw_cpu *hw_cpu(const struct machine *m, unsigned int cpu)
{
	return &hw_of(m)->cpu[cpu];
}

/* The running CPU's state. */
static inline struct hw_cpu *hw_cur(const struct machine *m)
{
	return &hw_of(m)->cpu[m->cur_cpu->id];
}

/* Set up @hw's machine of @ncpus CPUs over @mem: -EINVAL or -ENOMEM. */
int hw_machine_init(struct hw_machine *hw, unsigned int ncpus, const struct machine_hooks *hooks,
		    struct phys_mem *mem, hw_fault_fn fault);
void hw_machine_fini(struct hw_machine *hw);
/* Every run: each CPU's reset state from its model (sim/cpu/hw.c, sim/vmx/vmx.c). */
void hw_reset(struct machine *m);
void vmx_reset(struct machine *m);
/* INIT to @cpu: its registers as at power-up; -EBUSY where INIT is blocked (VMX root). */
int hw_init_cpu(struct machine *m, unsigned int cpu);
/* Configure slots from a description ("4 slots: skylake-sp x3, slot 3 kabylake offline"). */
int hw_configure(struct machine *m, const char *desc, char *err, size_t errlen);

/* Raise a fault in the running task's context; a fatal one does not return. */
void hw_fault(struct machine *m, const struct hw_fault *f);

/* Interrupts: raise one at @cpu; the first not yet taken; take it. */
void hw_intr_raise(struct machine *m, unsigned int cpu, struct hw_intr *i);
static inline struct hw_intr *hw_intr_first(const struct hw_cpu *c)
{
	return c->intr_head;
}
struct hw_intr *hw_intr_take(struct machine *m, struct hw_cpu *c);

#endif /* HVSIM_CPU_HW_H */
