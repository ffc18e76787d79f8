/* SPDX-License-Identifier: MIT */
/*
 * What a program that links the real kvm_main.o (tools/kvm-tree/link.sh)
 * calls of the glue's hvsim side (host61.c).
 */
#ifndef HVSIM_KVM_TREE_HOST61_H
#define HVSIM_KVM_TREE_HOST61_H

#include <stdbool.h>
#include <stddef.h>

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
 * What the object (kvm_main.o, the kernel-header glue) calls on hvsim's
 * side. The kernel's code keeps the stack aligned to 8 only
 * (-mpreferred-stack-boundary=3): each of these realigns it on entry.
 */
#define K61_FROM_KERNEL __attribute__((force_align_arg_pointer))

K61_FROM_KERNEL void k61_host_send_reschedule(int cpu);
K61_FROM_KERNEL void k61_host_wake_task(void *task);
K61_FROM_KERNEL void k61_host_call_function_many(unsigned long mask, void (*func)(void *info),
						 void *info, bool wait);
K61_FROM_KERNEL void k61_host_not_modelled(const char *what);
K61_FROM_KERNEL void *k61_memcpy(void *dst, const void *src, size_t n);
K61_FROM_KERNEL void *k61_memset(void *dst, int c, size_t n);

#endif /* HVSIM_KVM_TREE_HOST61_H */
