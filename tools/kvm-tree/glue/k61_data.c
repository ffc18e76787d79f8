// SPDX-License-Identifier: MIT
/*
 * The kernel-header side of the glue (docs/real-kvm.md): the data that
 * Linux 6.1's kvm_main.o reads inline, defined here with the tree's own
 * types, and the plain C interface through which hvsim keeps it in step
 * with the simulated machine. Compiled with the command that compiled
 * kvm_main.o, without the sanitizer: this is the machine's state, not code
 * under test. link.sh joins it to kvm_main.o before anything is renamed,
 * so the object's references to these names bind here.
 */
#include <linux/cpumask.h>
#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/static_call.h>
#include <linux/tracepoint-defs.h>

#include <asm/processor.h>
#include <asm/smp.h>

/* ---- cpumasks and the CPU count: hvsim's at the same step ---- */

struct cpumask __cpu_online_mask;
struct cpumask __cpu_possible_mask;
unsigned int nr_cpu_ids = 1;

/* ---- the direct map and struct pages (hvsim's arena: k61_set_layout) ---- */

/*
 * The x86-64 defaults without KASLR (4-level paging) until
 * k61_set_layout() points them at hvsim's arena. kvm_is_error_hva()
 * compares host virtual addresses with PAGE_OFFSET: a memslot's user
 * memory must lie below the arena's mapping (no test makes one yet).
 */
unsigned long page_offset_base = 0xffff888000000000UL;
unsigned long vmemmap_base = 0xffffea0000000000UL;
unsigned long phys_base;
unsigned long empty_zero_page[PAGE_SIZE / sizeof(unsigned long)] __aligned(PAGE_SIZE);
unsigned long zero_pfn;
struct mem_section **mem_section;
DEFINE_STATIC_KEY_FALSE(hugetlb_optimize_vmemmap_key);

/*
 * A struct page for every frame of hvsim's arena (64 MiB: 16,384 frames,
 * 1 MiB of struct pages), so that 6.1's page refcounts (get_page() in
 * the vCPU mmap's fault handler) are memory the oracle knows.
 */
#define K61_MEM_MAP_PAGES	16384
static struct page k61_mem_map[K61_MEM_MAP_PAGES];

/*
 * hvsim's side, at setup: the direct map is hvsim's (6.1's __va(pa) is
 * hvsim's __va(pa): @direct_map_base + pa), and frame @first_pfn's
 * struct page is k61_mem_map[0]. -1 when the arena has more frames.
 */
int k61_set_layout(unsigned long direct_map_base, unsigned long first_pfn, unsigned long npages);
int k61_set_layout(unsigned long direct_map_base, unsigned long first_pfn, unsigned long npages)
{
	if (npages > K61_MEM_MAP_PAGES)
		return -1;
	page_offset_base = direct_map_base;
	vmemmap_base = (unsigned long)k61_mem_map - first_pfn * sizeof(struct page);
	return 0;
}

/* ---- the boot CPU, SMP operations, slab caches ---- */

struct cpuinfo_x86 boot_cpu_data;
struct smp_ops smp_ops;
struct kmem_cache *kmalloc_caches[NR_KMALLOC_TYPES][KMALLOC_SHIFT_HIGH + 1];

/* ---- per-CPU data: the template each simulated CPU gets a copy of ---- */

DEFINE_PER_CPU_READ_MOSTLY(int, cpu_number);
DEFINE_PER_CPU_READ_MOSTLY(unsigned long, this_cpu_off);
DEFINE_PER_CPU(struct task_struct *, current_task);
DEFINE_PER_CPU(int, __preempt_count) = INIT_PREEMPT_COUNT;
unsigned long __per_cpu_offset[NR_CPUS];

/*
 * The copies, in the glue's bss, which link.sh makes hvsim_bss: restored
 * with the rest at every run, and memory the oracle knows. hvsim's side
 * fills them from the template (k61_percpu) at every run's setup.
 */
#define K61_MAX_CPUS		8
#define K61_PERCPU_BYTES	4096
static char k61_percpu_copies[K61_MAX_CPUS][K61_PERCPU_BYTES] __aligned(PAGE_SIZE);

char *k61_percpu_copy(unsigned int cpu, unsigned long *bytes);
char *k61_percpu_copy(unsigned int cpu, unsigned long *bytes)
{
	*bytes = K61_PERCPU_BYTES;
	return cpu < K61_MAX_CPUS ? k61_percpu_copies[cpu] : NULL;
}

/* ---- tracepoints the object has, all disabled ---- */

#define K61_TRACEPOINT(tp) struct tracepoint __tracepoint_##tp = { .name = #tp }
K61_TRACEPOINT(mmap_lock_start_locking);
K61_TRACEPOINT(mmap_lock_acquire_returned);
K61_TRACEPOINT(mmap_lock_released);

/* ---- rcuwait: a vCPU's wait (kvm_vcpu_wake_up) ---- */

/* hvsim's side: wake the hvsim task behind @task (6.1's task_struct). */
void k61_host_wake_task(struct task_struct *task);

/*
 * Wake the task waiting on @w, if one is: true when there was one. 6.1
 * reads the waiter under rcu_read_lock() with a full barrier first (it
 * pairs with the waiter's set_current_state() before it checks its
 * condition); the glue is not instrumented, so the read is the machine's.
 */
int rcuwait_wake_up(struct rcuwait *w)
{
	struct task_struct *task = READ_ONCE(w->task);

	if (task)
		k61_host_wake_task(task);
	return task != NULL;
}

/* ---- IPIs: what 6.1's smp_send_reschedule() reaches through smp_ops ---- */

void k61_host_send_reschedule(int cpu);

static void k61_send_reschedule(int cpu)
{
	k61_host_send_reschedule(cpu);
}

/* ---- cross-CPU calls: 6.1's cpumask to hvsim's ---- */

void k61_host_call_function_many(unsigned long mask, smp_call_func_t func, void *info,
				 bool wait);

void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func, void *info,
			    bool wait)
{
	/* hvsim's machines have at most 64 CPUs: the first word is the mask. */
	k61_host_call_function_many(cpumask_bits(mask)[0], func, info, wait);
}

/* ---- the plain C interface hvsim's side calls ---- */

void k61_init_smp_ops(void);
void k61_init_smp_ops(void)
{
	smp_ops.smp_send_reschedule = k61_send_reschedule;
}

void k61_set_cpu_online(unsigned int cpu, bool online);
void k61_set_cpu_online(unsigned int cpu, bool online)
{
	if (online)
		cpumask_set_cpu(cpu, &__cpu_online_mask);
	else
		cpumask_clear_cpu(cpu, &__cpu_online_mask);
}

void k61_set_cpus(unsigned int ncpus);
void k61_set_cpus(unsigned int ncpus)
{
	unsigned int cpu;

	nr_cpu_ids = ncpus;
	cpumask_clear(&__cpu_possible_mask);
	cpumask_clear(&__cpu_online_mask);
	for (cpu = 0; cpu < ncpus; cpu++)
		cpumask_set_cpu(cpu, &__cpu_possible_mask);
}
