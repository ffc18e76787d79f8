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
 * An IPI on its way to a CPU: sent by an APIC, not yet in the target's.
 * It lands at a step of the target after the send, at the earliest when
 * the target's clock reaches @arrives; until @late the target's steps
 * that could take it ask the strategy whether it lands now (sim/cpu/intr.c).
 */
struct hw_flight {
	uint64_t sent_step;		/* the step that sent it: it lands after */
	uint64_t arrives;		/* the sender's clock plus the model's IPI cost */
	uint64_t late;			/* landed by this cycle of the target (0: not seen yet) */
	uint32_t window;		/* the sender model's latest minus earliest arrival */
	uint32_t delivery;		/* APIC_DM_FIXED, APIC_DM_NMI, ... */
	uint8_t vector;
	bool level;			/* level-triggered */
	bool deferred;			/* a "not yet" was answered: later ones are free */
};

#define HW_MAX_FLIGHTS	32

/* A CPU's architectural state. */
struct hw_cpu {
	unsigned int id;		/* the engine's CPU index */
	const struct cpu_model *model;	/* NULL: a generic CPU (no CPUID, no MSRs) */
	uint32_t apic_id;		/* initial (x2)APIC ID */
	uint64_t cr0, cr4;
	bool irqs_enabled;		/* RFLAGS.IF */
	struct hw_flight flight[HW_MAX_FLIGHTS]; /* IPIs on their way here, in send order */
	unsigned int nflights;
	uint64_t landed_at;		/* clock of the latest landing: a handler starts after it */
	bool nmi_pending;		/* an NMI landed and was not taken */
	bool in_nmi;			/* NMIs blocked: an NMI handler runs (until IRET) */
	bool init_pending;		/* INIT landed while blocked (VMX root operation) */
	bool wait_sipi;			/* after INIT: the CPU waits for a SIPI */
	bool sipi_pending;		/* a SIPI landed in a guest (its wait-for-SIPI state) */
	uint8_t sipi_vector;		/* ... and its vector */
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

/*
 * Where the hardware enters the kernel model, registered by the kernel
 * floor at machine creation: exceptions, interrupt and NMI entry (the IDT's
 * gates, in the running task's context, the vector already acknowledged),
 * and the code an AP starts at after INIT and SIPI (its CPU, the SIPI's
 * start page).
 */
struct hw_entries {
	hw_fault_fn fault;
	void (*intr)(struct machine *m, uint8_t vector);
	void (*nmi)(struct machine *m);
	void (*ap_start)(struct machine *m, unsigned int cpu, uint8_t sipi_vector);
};

struct hw_machine {
	struct machine m;		/* the engine's: first, so either converts */
	struct hw_cpu cpu[SIM_MAX_CPUS];
	struct cpu_model *models;	/* [ncpus], when a description was given */
	uint64_t offline_slots;		/* CPUs that start each run offline */
	struct vmx_store *vmx;		/* VMCS contents by physical address */
	struct phys_mem *mem;		/* physical memory (sim/mem) */
	struct hw_entries entry;	/* the kernel floor's entry points */
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
		    struct phys_mem *mem, const struct hw_entries *entry);
void hw_machine_fini(struct hw_machine *hw);
/*
 * Every run: each CPU's reset state from its model (sim/cpu/hw.c, sim/vmx/vmx.c);
 * hw_reset() also puts each CPU's clock (TR_CPU) into a traced run.
 */
void hw_reset(struct machine *m);
void vmx_reset(struct machine *m);
/* INIT to @cpu: its registers as at power-up; -EBUSY where INIT is blocked (VMX root). */
int hw_init_cpu(struct machine *m, unsigned int cpu);
/* Configure slots from a description ("4 slots: skylake-sp x3, slot 3 kabylake offline"). */
int hw_configure(struct machine *m, const char *desc, char *err, size_t errlen);

/* Raise a fault in the running task's context; a fatal one does not return. */
void hw_fault(struct machine *m, const struct hw_fault *f);

/*
 * Interrupts (sim/cpu/intr.c). An IPI is sent by @src's APIC; it flies to
 * every APIC its destination names and lands there at a later step
 * (fixed and NMI), or at once (INIT, SIPI: a CPU that is not running
 * anything).
 */
void hw_send_ipi(struct machine *m, unsigned int src, const struct lapic_ipi *ipi);
/*
 * Land what may land at @c's step now: IPIs in flight, and the APIC timer
 * when it expired. The running CPU only. @intr_open: the CPU takes an
 * interrupt its APIC presents now (RFLAGS.IF in the host; external-
 * interrupt exiting or posted-interrupt processing in a guest).
 */
enum hw_land {
	HW_LAND_CHOOSE,		/* a flight the CPU could take now lands when the strategy says */
	HW_LAND_ALL,		/* everything that arrived lands (a halted or spinning CPU) */
};
void hw_intr_land(struct machine *m, struct hw_cpu *c, enum hw_land how, bool intr_open);
/*
 * Software reads @c's APIC: every IPI whose earliest arrival passed is in
 * the IRR by now (no choice; the strategy's choices are at the steps that
 * could take one).
 */
void hw_intr_land_due(struct machine *m, struct hw_cpu *c);
/* Is there anything to land at @c, or to take with its RFLAGS.IF? (engine hook) */
bool hw_irq_pending(const struct machine *m, const struct cpu *c, const struct task *t);
/*
 * Land, then take every interrupt the running CPU can take now, each
 * through the kernel's entry: NMIs first, then fixed vectors by priority
 * while RFLAGS.IF is set. With @may_defer false (a halted or spinning CPU)
 * everything due lands at once.
 */
void hw_take_intr(struct machine *m, bool may_defer);
/* The engine's hook at a step: hw_take_intr() of a running task. */
void hw_step_intr(struct machine *m);
/* Recount what may need a step's attention (m->nintr) after a change. */
void hw_intr_recount(struct machine *m);
/* IRET from an NMI handler: NMIs are unblocked. */
static inline void hw_nmi_iret(struct hw_cpu *c)
{
	c->in_nmi = false;
}

/* The running CPU's EOI register, in either mode: the highest in-service vector retires. */
void hw_apic_eoi(struct machine *m);
/*
 * The running CPU's WRMSR as the kernel floor's own code does it (no
 * instruction step, no fault): 0 or -EIO where WRMSR would #GP.
 */
int hw_write_msr(struct machine *m, uint32_t msr, uint64_t val);
/*
 * The running CPU's ICR write in its APIC's mode (x2APIC: one WRMSR of
 * 830H; xAPIC: ICR2, then ICR through the page), without an instruction
 * step: 0, or -EIO where the WRMSR would #GP.
 */
int hw_icr_write(struct machine *m, uint32_t low, uint32_t dest);
/* The running CPU's xAPIC page: a 32-bit load or store at @offset of IA32_APIC_BASE. */
uint32_t hw_apic_read(struct machine *m, uint32_t offset);
void hw_apic_write(struct machine *m, uint32_t offset, uint32_t val);

#endif /* HVSIM_CPU_HW_H */
