/* SPDX-License-Identifier: MIT */
/*
 * What a program that links the real kvm_main.o (tools/kvm-tree/link.sh)
 * calls of the glue's hvsim side (host61.c).
 */
#ifndef HVSIM_KVM_TREE_HOST61_H
#define HVSIM_KVM_TREE_HOST61_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k61_iface.h"

struct machine;

/*
 * From the program's setup(): give each of the first @ncpus CPUs its copy
 * of 6.1's per-CPU data (cpu_number, this_cpu_off, __per_cpu_offset set),
 * the GS base that reaches it whenever that CPU runs, 6.1's cpumasks and
 * nr_cpu_ids, and smp_ops. 0, or -1 when the copies cannot hold the
 * template or @ncpus is more than the glue has room for.
 */
int k61_machine_setup(struct machine *m, unsigned int ncpus);

/*
 * KVM's module init, as vmx_init() makes it: 6.1's kvm_init() with the
 * adapter's vCPU size (6.1's own initcalls are not run). hvsim's boot
 * (SIM_PROG_BOOT) runs it as a module_init(), as a kernel with KVM=y
 * does; a program may instead call it from a task, as insmod would. Its
 * return value.
 */
int k61_vmx_init(void);

/*
 * What the object (kvm_main.o, the kernel-header glue) calls on hvsim's
 * side, beside k61_iface.h's: each realigns the stack on entry.
 */

K61_FROM_KERNEL void k61_host_send_reschedule(int cpu);
K61_FROM_KERNEL void k61_host_wake_task(void *task);
K61_FROM_KERNEL void k61_host_call_function_many(unsigned long mask, void (*func)(void *info),
						 void *info, bool wait);
K61_FROM_KERNEL void k61_host_not_modelled(const char *what);
K61_FROM_KERNEL int k61_host_call_function_single(int cpu, void (*func)(void *info), void *info,
						  int wait);
K61_FROM_KERNEL int k61_host_cpuhp_setup_kvm_starting(const char *name, bool invoke,
						      int (*startup)(unsigned int cpu),
						      int (*teardown)(unsigned int cpu));
K61_FROM_KERNEL void *k61_host_kmem_cache_create(const char *name, unsigned int size,
						 unsigned int align);
K61_FROM_KERNEL void k61_host_vprintk(const char *fmt, va_list ap);
K61_FROM_KERNEL int k61_host_misc_register(const char *name, void *misc61);
K61_FROM_KERNEL void k61_host_misc_deregister(void *misc61);

/* The VMX capability MSRs the adapter compares between CPUs (BASIC ... EPT_VPID_CAP). */
#define K61_VMX_CAPS	8
K61_FROM_KERNEL int k61_host_cpu_has_vmx(void);
K61_FROM_KERNEL int k61_host_vmx_caps(uint64_t caps[K61_VMX_CAPS]);
K61_FROM_KERNEL void *k61_memcpy(void *dst, const void *src, size_t n);
K61_FROM_KERNEL void *k61_memset(void *dst, int c, size_t n);
K61_FROM_KERNEL int k61_memcmp(const void *a, const void *b, size_t n);

/* Between host61*.c: their tables, forgotten at every run's setup. */
void k61_sync_reset(void);
void k61_notifiers_reset(void);

#endif /* HVSIM_KVM_TREE_HOST61_H */
