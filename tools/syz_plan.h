/* SPDX-License-Identifier: MIT */
/*
 * A syzkaller program as the executor runs it (tools/syz_exec.c): each call
 * reduced to its system call, its argument words and the bytes it puts in
 * the data area, with the places where a resource's value is patched in.
 * The host side (tools/scenario_run.c) builds it from a parsed program; the
 * executor is instrumented code running as the simulated process, so the
 * plan is plain data that neither side changes during a run.
 */
#ifndef HVSIM_TOOLS_SYZ_PLAN_H
#define HVSIM_TOOLS_SYZ_PLAN_H

#include <stdbool.h>
#include <stdint.h>

/* The system calls the executor makes (the call table's numbers map onto these). */
enum syzp_op { SYZP_OPENAT, SYZP_IOCTL, SYZP_CLOSE, SYZP_MMAP };

#define SYZP_MAX_ARGS		6
/*
 * The top SYZP_RESERVED bytes of user memory are the executor's: a done
 * word per call (futexes must be in user memory), then a CPU mask per call.
 *
 * The executor's tables are instrumented memory, which every run of every
 * program restores, so they are kept small: 64 calls (syzkaller's programs
 * have a few dozen at most). At 512 they were 100 KiB, and a run of the
 * smallest example took 8 times as long (hvsim-bench lost_update: 1.1 M
 * schedules/s before the executor was linked in, 0.14 M with it).
 */
#define SYZP_MAX_CALLS		64u
#define SYZP_RESERVED		(SYZP_MAX_CALLS * 4 + SYZP_MAX_CALLS * 8)

/*
 * Where a resource rN's value goes: argument @arg, or (arg < 0) @size bytes
 * at data offset @off. With @ptr, what goes there is instead the address
 * of data offset @target (a pointer inside a pointee: the data area is
 * wherever the process's user memory is).
 */
struct syzp_fix {
	int arg;
	uint64_t off;
	uint32_t size;
	bool ptr;
	uint64_t target;
	uint32_t res;
	uint64_t div, add;	/* syzkaller's rN/div+add (div 0: none) */
	uint64_t dflt;		/* the value when rN has none (its call failed) */
};

/* Bytes the call puts at data offset @off before it runs. */
struct syzp_blob {
	uint64_t off;
	uint32_t len;
	const uint8_t *bytes;
};

struct syzp_call {
	enum syzp_op op;
	const char *name;		/* "ioctl$KVM_RUN", for traces */
	unsigned int nargs;
	uint64_t args[SYZP_MAX_ARGS];
	uint32_t ptr_args;		/* bit i: args[i] is a data-area offset */
	const struct syzp_fix *fixes;
	unsigned int nfixes;
	const struct syzp_blob *blobs;
	unsigned int nblobs;
	int ret;			/* the resource it defines, or -1 */
	bool async;
	unsigned int fail_nth;		/* 0: none */
	unsigned int rerun;		/* more runs, back to back */
	int cpu;			/* the thread's CPU, or -1 */
};

/* # hvsim: hot-add/hot-remove slot K [anytime], before call @before_call. */
enum syzp_event_kind { SYZP_HOT_ADD, SYZP_HOT_REMOVE };

#define SYZP_MAX_EVENTS		32

struct syzp_event {
	enum syzp_event_kind kind;
	unsigned int slot;
	unsigned int before_call;	/* ncalls: after the last */
	bool anytime;			/* the program does not wait for it */
};

struct syzp_plan {
	const struct syzp_call *calls;
	unsigned int ncalls;
	const struct syzp_event *events;
	unsigned int nevents;
	unsigned int nres;		/* resources r0 .. nres-1 */
	uint64_t data_end;		/* the highest data-area offset used, exclusive */
};

/*
 * The plan lives in host memory, which instrumented code must not read
 * (the memory checks would call it a wild access): the executor gets what
 * it needs through these host functions. syzp_ncalls: how many calls.
 * syzp_prepare: call @i's description into @copy, its data copied into
 * the data area at @data (syz-executor's copyin, outside the schedule: the
 * call's thread starts after it), its resources patched in from @res_val
 * where @res_set says the resource has a value, its argument words into
 * @args.
 */
unsigned int syzp_ncalls(const struct syzp_plan *plan);
unsigned int syzp_nevents(const struct syzp_plan *plan);
void syzp_event_get(const struct syzp_plan *plan, unsigned int e, struct syzp_event *out);
void syzp_prepare(const struct syzp_plan *plan, unsigned int i, struct syzp_call *copy,
		  uint64_t *args, uint8_t *data, const uint64_t *res_val, const bool *res_set);

/*
 * The executor, a user task's entry: runs @arg (a struct syzp_plan) as
 * syz-executor does, each call in a thread of its own, waiting for it
 * unless it is async; the program's end kills what still runs.
 */
void syzx_main(void *arg);

/*
 * The hot-plug driver, a kernel task's entry (@arg: the plan): each event
 * in turn, once the program reaches it, as add_cpu()/remove_cpu() (what
 * writing a CPU's sysfs "online" file does).
 */
void syzx_hotplug(void *arg);
/* After a run: event @e's add_cpu()/remove_cpu() result, or 1 if it never ran. */
long syzx_event_result(unsigned int e);

/* After a run: call @i's last result (-errno, or what it returned), or 1 if it never returned. */
long syzx_result(unsigned int i);

#endif /* HVSIM_TOOLS_SYZ_PLAN_H */
