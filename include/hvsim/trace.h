/* SPDX-License-Identifier: MIT */
/*
 * The trace: a versioned binary event stream with a string table, and its
 * reader: the contract with every tool that reads one (the CLI, the viewer,
 * exporters); the engine writes it (sim/engine/trace.h). Addresses are
 * (region, offset) and pcs are relative to the image base, so ASLR does not
 * change a trace.
 *
 * File layout (all integers little-endian or LEB128 varints):
 *   magic "HVSIMTRC" (8 bytes), u16 version, u16 header length,
 *   header: varint build-id length, build-id bytes, string program,
 *           string strategy, varint seed, varint ncpus
 *           (string = varint length + bytes)
 *   records: u8 type, varint payload length, payload.
 * A reader skips records of unknown type by their length, so later versions
 * can add event kinds without breaking older readers; a change that older
 * readers would misread bumps TRACE_VERSION.
 */
#ifndef HVSIM_TRACE_PUBLIC_H
#define HVSIM_TRACE_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

/* What a step does (an ACCESS record's kind). Order matters to the engine. */
enum sim_kind {
	SIM_READ,		/* plain load */
	SIM_READ_MARKED,	/* READ_ONCE (volatile) load */
	SIM_ATOMIC_LOAD,	/* atomic load */
	SIM_WRITE,		/* plain store */
	SIM_WRITE_MARKED,	/* WRITE_ONCE (volatile) store */
	SIM_ATOMIC_STORE,	/* atomic store */
	SIM_ATOMIC_RMW,		/* exchange, fetch-op, compare-exchange */
	SIM_FENCE,		/* memory fence */
	SIM_RELAX,		/* cpu_relax(): PAUSE in a spin loop */
	SIM_KCALL,		/* a kernel primitive (lock, wake-up, IPI, irq flag) */
	SIM_NR_KINDS
};

/* "read", "atomic-rmw", ...; "start" for SIM_OP_START, "?" out of range. */
const char *sim_kind_name(unsigned int k);

#define TRACE_MAGIC	"HVSIMTRC"
#define TRACE_VERSION	2

/* Record types. Payload fields are varints in the order listed. */
enum trace_type {
	TR_STRING = 1,	/* id, length, bytes: defines string @id */
	TR_ACCESS,	/* step, cpu, task, cycle, kind, region, offset, size, pc, old, new,
			   stack owner, name (kernel primitives' string id, else 0) */
	TR_SPAWN,	/* step, cpu, task, cycle, name string id */
	TR_SWITCH,	/* step, cpu (from), task (from), cycle, to cpu, to task, preempt */
	TR_PARK,	/* step, cpu, task, cycle */
	TR_WAKE,	/* step, cpu (waker), task (waker), cycle, woken task */
	TR_EXIT,	/* step, cpu, task, cycle */
	TR_DECISION,	/* step, cpu, task, cycle, choice kind, n, value */
	TR_END,		/* step, cpu, task, cycle, outcome, message string id */
	TR_LOG,		/* step, cpu, task, cycle, text string id (printk, report titles) */
	TR_IRQ,		/* step, cpu, task, cycle, kind (1 enter, 0 exit) */
	TR_VMX,		/* step, cpu, task, cycle, kind (enum trace_vmx_kind), value, check */
	TR_POINT,	/* step, cpu, task, cycle, event name string id, two values (a kernel
			   tracepoint: trace_point() in hvsim/kernel.h) */
	TR_CPU,		/* step, cpu, task, cycle, nominal MHz, model name string id (0: no
			   model): one per CPU at the start of a run, before its events;
			   a CPU's cycles at its MHz are its clock. Added in version 2
			   without a bump: a trace without them is read at a default */
	TR_IPI,		/* step, cpu (sender), task, cycle, target cpu, vector, NMI (1 for an
			   NMI, whose vector means nothing): one per CPU an interrupt IPI
			   reaches (fixed, lowest-priority, NMI; not INIT or SIPI) */
	TR_LOCK,	/* step, cpu, task, cycle, kind (enum trace_lock_kind), lock type
			   (enum trace_lock_type), region, offset (the lock's address), pc,
			   name (the lock's class: "kvm_lock", "&kvm->lock") */
	TR_CPUHP,	/* step, cpu, task, cycle, target cpu, state (enum trace_cpu_state):
			   the hotplug state a CPU enters */
	TR_REPORT,	/* step, cpu, task, cycle, kind (enum trace_report_kind), title: a
			   report (data race, lockdep, WARN, oops, ...), before the TR_LOG of
			   its title; its TR_MARKs follow it */
	TR_MARK,	/* step, cpu, task, cycle (the report's), kind (enum trace_mark_kind),
			   marked step, marked cpu, marked task, region, offset, size, pc,
			   label: an event the report before it names (a racing access, an
			   acquisition of a lock inversion, the WARN) */
	TR_WINDOW,	/* step, cpu (decided on), task, cycle (that CPU's), to cpu, steps
			   earlier, steps later, cycles earlier, cycles later, what: a
			   failing run's decisive preemption and how far it can move with the
			   run still failing the same way (sim_window()); appended after
			   TR_END by the tool that measured it */
	TR_NR_TYPES
};

/*
 * What a TR_VMX record is. Its value is the exit reason (EXIT) or the
 * VM-instruction error (FAIL); its check, the id of the VM-entry check
 * that failed ("pin-ctls", a row of sim/vmx/checks.def) as a string id,
 * for a failed entry: a FAIL, or an EXIT whose reason has bit 31 set.
 */
enum trace_vmx_kind {
	TR_VMX_EXIT = 0,	/* a VM exit */
	TR_VMX_ENTRY = 1,	/* a VM entry: the guest runs */
	TR_VMX_FAIL = 2,	/* VMLAUNCH/VMRESUME failed with VMfailValid */
};

/* A TR_LOCK record's kind. */
enum trace_lock_kind {
	TR_LOCK_RELEASE = 0,	/* released */
	TR_LOCK_ACQUIRE = 1,	/* acquired (a trylock only when it succeeded) */
	TR_LOCK_CONTENDED = 2,	/* held by another: the task waits (spins or sleeps) */
};

/* What kind of lock a TR_LOCK record names. */
enum trace_lock_type {
	TR_LOCK_SPIN = 0,	/* spinlock_t */
	TR_LOCK_MUTEX = 1,	/* struct mutex */
	TR_LOCK_READ = 2,	/* rw_semaphore (cpus_read_lock...), shared */
	TR_LOCK_WRITE = 3,	/* rw_semaphore, exclusive */
};

/* The CPU hotplug states a TR_CPUHP record names, in bring-up order. */
enum trace_cpu_state {
	TR_CPU_OFFLINE = 0,	/* not running */
	TR_CPU_BRINGUP = 1,	/* being brought up: the STARTING states, interrupts off */
	TR_CPU_ONLINE = 2,	/* set_cpu_online(): IPIs reach it; the ONLINE states run */
	TR_CPU_ACTIVE = 3,	/* set_cpu_active(): the scheduler uses it */
	TR_CPU_TEARDOWN = 4,	/* being taken down */
	TR_NR_CPU_STATES
};

/* What a TR_REPORT record reports. */
enum trace_report_kind {
	TR_REPORT_OTHER = 0,	/* anything else (deadlock, hang, not modelled) */
	TR_REPORT_RACE = 1,	/* KCSAN: a data race */
	TR_REPORT_LOCKDEP = 2,	/* lockdep: an inversion, a sleep in atomic, ... */
	TR_REPORT_WARN = 3,	/* WARN_ON() */
	TR_REPORT_OOPS = 4,	/* BUG(), a fault, a #GP: the kernel died */
	TR_REPORT_MEMORY = 5,	/* use-after-free, out of bounds, leak */
};

/* What a TR_MARK record marks. */
enum trace_mark_kind {
	TR_MARK_READ = 0,	/* one access of a data race, a read */
	TR_MARK_WRITE = 1,	/* one access of a data race, a write */
	TR_MARK_ACQUIRE = 2,	/* one acquisition of a lock inversion */
	TR_MARK_SITE = 3,	/* where a WARN, oops or other report happened */
};

/* Address regions. */
enum trace_region {
	TR_REGION_NONE = 0,	/* no address (fences, relax) */
	TR_REGION_UNKNOWN,	/* outside every known region: offset is 0 */
	TR_REGION_DATA,		/* instrumented .data: offset from its start */
	TR_REGION_BSS,		/* instrumented .bss: offset from its start */
	TR_REGION_STACK,	/* a task's stack: offset from its top; task = stack owner */
	TR_REGION_HEAP,		/* the simulated kernel's memory (kmalloc, slabs, pages): the
				   address as reports print it, 0xffff888...; the kernel
				   model's own objects (files, the CPU hotplug lock) at
				   0xffffea... (added in version 2 without a bump: older
				   readers print its name as "?") */
};

/* One decoded record (fields unused by a type are 0). */
struct trace_event {
	uint8_t type;		/* enum trace_type */
	uint8_t kind;		/* ACCESS: sim_kind; DECISION: choice; END: outcome; IPI: NMI;
				   LOCK, REPORT, MARK: their enums */
	uint8_t region;		/* ACCESS, LOCK, MARK: enum trace_region */
	uint8_t preempt;	/* SWITCH: 1 if a preemption */
	uint32_t cpu;
	uint32_t task;
	uint64_t step;
	uint64_t cycle;
	uint64_t offset;	/* ACCESS, LOCK, MARK */
	uint32_t size;		/* ACCESS, MARK */
	uint64_t pc;		/* ACCESS, LOCK, MARK: relative to the image base */
	uint64_t old_val;	/* ACCESS: value before (0 when size > 8) */
	uint64_t new_val;	/* ACCESS: value after */
	uint32_t to_cpu;	/* SWITCH; IPI, CPUHP: the target; MARK: the marked event's;
				   WINDOW: the CPU run next */
	uint32_t to_task;	/* SWITCH; WAKE: the woken task; ACCESS: stack owner;
				   MARK: the marked event's task */
	uint32_t str;		/* SPAWN: name; END: message; LOG: text; ACCESS: primitive;
				   VMX: the failed check; POINT: the event's name; CPU: model;
				   LOCK: lock class; REPORT: title; MARK: label; WINDOW: what */
	uint32_t n;		/* DECISION: answers */
	uint32_t value;		/* DECISION: answer; VMX: exit reason or VM-instruction error;
				   CPU: nominal MHz; IPI: vector; LOCK: enum trace_lock_type;
				   CPUHP: enum trace_cpu_state */
	uint64_t args[4];	/* POINT: the tracepoint's values; MARK: [0] the marked step;
				   WINDOW: steps earlier, later, cycles earlier, later */
};

struct trace_header {
	uint8_t build_id[32];
	uint32_t build_id_len;
	char program[64];
	char strategy[32];
	uint64_t seed;
	uint32_t ncpus;
};

struct trace_reader;

/*
 * Open a trace held in memory (@name labels errors) or in a file. -EINVAL
 * for a malformed header, -errno for I/O; a message naming the file and
 * byte offset goes into @err.
 */
int trace_reader_open_mem(struct trace_reader **out, const uint8_t *data, size_t len,
			  const char *name, char *err, size_t errlen);
int trace_reader_open_file(struct trace_reader **out, const char *path,
			   char *err, size_t errlen);
void trace_reader_close(struct trace_reader *r);
const struct trace_header *trace_reader_header(const struct trace_reader *r);
/*
 * Next event other than TR_STRING (strings are absorbed into the table):
 * 1 with @e filled, 0 at the end, -EINVAL for a truncated or malformed
 * record (message with file and offset in @err).
 */
int trace_next(struct trace_reader *r, struct trace_event *e, char *err, size_t errlen);
/* String @id, or NULL when undefined. */
const char *trace_reader_string(const struct trace_reader *r, uint32_t id);

/* Names for printing ("?" out of range). */
const char *trace_type_name(unsigned int type);
const char *trace_region_name(unsigned int region);
const char *trace_lock_kind_name(unsigned int kind);	/* "release", "acquire", "contended" */
const char *trace_lock_type_name(unsigned int type);	/* "spin", "mutex", "read", "write" */
const char *trace_cpu_state_name(unsigned int state);	/* "offline", "bringup", "online", ... */
const char *trace_report_kind_name(unsigned int kind);	/* "other", "race", "lockdep", ... */
const char *trace_mark_kind_name(unsigned int kind);	/* "read", "write", "acquire", "site" */

#endif /* HVSIM_TRACE_PUBLIC_H */
