// SPDX-License-Identifier: MIT
/*
 * The thread-sanitizer runtime that instrumented code (hv/, examples/)
 * calls: every load, store, atomic and fence becomes a step. No libtsan is
 * linked; like the Linux KCSAN runtime, we define the entry points that
 * gcc and clang emit under -fsanitize=thread.
 *
 * Prototypes follow gcc's built-in declarations (gcc/sanitizer.def): the
 * I1..I8 types are unsigned, pointers are (const) volatile void *, memory
 * orders are int. Atomic hooks perform the operation themselves: the host
 * runs one simulated CPU at a time, so plain host atomics are enough, and
 * sequential consistency is what the simulated machine gives for now. The
 * memory order matters only to the race detector, which gets it once the
 * operation is done.
 *
 * This file is not instrumented and must not be.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/machine.h"
#include "engine/machine_int.h"

#define HOOK_PC ((uintptr_t)__builtin_return_address(0))

static inline void tsan_access(unsigned int kind, const volatile void *addr, uint32_t size,
			  uintptr_t pc)
{
	sim_step(sim_current, kind, (uintptr_t)addr, size, pc);
}

/* A range access (memcpy and friends), its size capped at what a step records. */
static inline void tsan_range(unsigned int kind, const volatile void *addr, unsigned long size,
			      uintptr_t pc)
{
	tsan_access(kind, addr, (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size), pc);
}

/*
 * The memory order of the atomic (or fence) just performed, for the race
 * detector; a store's new value is in memory by now. Nothing when races
 * are not looked for (and in host context, whose dummy detects nothing).
 */
static inline void tsan_order(unsigned int kind, const volatile void *addr, int mo)
{
	struct machine *m = sim_current;

	if ((m->detect & SIM_DETECT_RACE) && m->hooks->order)
		m->hooks->order(m, kind, (uintptr_t)addr, mo);
}

/* A fence: a step, then its order for the race detector. */
static inline void tsan_fence(int mo, uintptr_t pc)
{
	tsan_access(SIM_FENCE, 0, 0, pc);
	tsan_order(SIM_FENCE, 0, mo);
}

/* Declarations for -Wmissing-prototypes; gcc knows them as built-ins too. */
void __tsan_init(void);
void __tsan_func_entry(void *call_pc);
void __tsan_func_exit(void);
void __tsan_read_range(void *addr, unsigned long size);
void __tsan_write_range(void *addr, unsigned long size);
void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_signal_fence(int mo);
void __tsan_vptr_update(void **vptr_p, void *new_val);
void __tsan_vptr_read(void **vptr_p);

void __tsan_init(void)
{
}

void __tsan_func_entry(void *call_pc)
{
	struct task *t = sim_current->cur_task;

	if (!t)
		return;
	if (t->depth < SIM_SHADOW_DEPTH)
		t->shadow[t->depth] = (uintptr_t)call_pc;
	t->depth++;
}

void __tsan_func_exit(void)
{
	struct machine *m = sim_current;
	struct task *t = m->cur_task;

	if (t && t->depth)
		t->depth--;
	/*
	 * A traced write's value is read at the next event; its frame must
	 * not be gone by then (host code after the return reuses the stack).
	 */
	if (__builtin_expect(m->wpend_valid, 0))
		emit_flush_write(m);
}

/*
 * The plain, unaligned and volatile accesses of @n bytes, named
 * @pfx##__tsan_read##n and so on, each function declared with @attr:
 * the hooks hv/ calls (no prefix, nothing), and below, their twins for
 * code built with the kernel's ABI.
 */
#define DEFINE_ACCESS_AS(pfx, attr, n)					\
	attr void pfx##__tsan_read##n(void *addr);			\
	attr void pfx##__tsan_write##n(void *addr);			\
	attr void pfx##__tsan_unaligned_read##n(const void *addr);	\
	attr void pfx##__tsan_unaligned_write##n(void *addr);		\
	attr void pfx##__tsan_volatile_read##n(void *addr);		\
	attr void pfx##__tsan_volatile_write##n(void *addr);		\
	void pfx##__tsan_read##n(void *addr)				\
	{ tsan_access(SIM_READ, addr, n, HOOK_PC); }			\
	void pfx##__tsan_write##n(void *addr)				\
	{ tsan_access(SIM_WRITE, addr, n, HOOK_PC); }			\
	void pfx##__tsan_unaligned_read##n(const void *addr)		\
	{ tsan_access(SIM_READ, addr, n, HOOK_PC); }			\
	void pfx##__tsan_unaligned_write##n(void *addr)			\
	{ tsan_access(SIM_WRITE, addr, n, HOOK_PC); }			\
	void pfx##__tsan_volatile_read##n(void *addr)			\
	{ tsan_access(SIM_READ_MARKED, addr, n, HOOK_PC); }		\
	void pfx##__tsan_volatile_write##n(void *addr)			\
	{ tsan_access(SIM_WRITE_MARKED, addr, n, HOOK_PC); }

#define DEFINE_ACCESS(n)	DEFINE_ACCESS_AS(, , n)

DEFINE_ACCESS(1)
DEFINE_ACCESS(2)
DEFINE_ACCESS(4)
DEFINE_ACCESS(8)
DEFINE_ACCESS(16)

void __tsan_read_range(void *addr, unsigned long size)
{
	tsan_range(SIM_READ, addr, size, HOOK_PC);
}

void __tsan_write_range(void *addr, unsigned long size)
{
	tsan_range(SIM_WRITE, addr, size, HOOK_PC);
}

/*
 * Linux's KCSAN runtime entry for the accesses the compiler does not see:
 * the kernel's instrumented atomics and bitops, copy_{to,from}_user, ...
 * call it before their inline assembly, with the kind in @type's bits
 * (include/linux/kcsan-checks.h): write 1, compound (read-modify-write) 2,
 * atomic 4, assert 8, scoped 16. An assertion (ASSERT_EXCLUSIVE_*) is a
 * claim about other accesses, not an access: no step. The operation
 * itself runs after the hook returns, within the step.
 */
#define KCSAN_TYPE_WRITE	0x1
#define KCSAN_TYPE_COMPOUND	0x2
#define KCSAN_TYPE_ATOMIC	0x4
#define KCSAN_TYPE_ASSERT	0x8

static inline void kcsan_access(const volatile void *ptr, size_t size, int type, uintptr_t pc)
{
	uint32_t n = (uint32_t)(size > UINT32_MAX ? UINT32_MAX : size);
	unsigned int kind;

	if (type & KCSAN_TYPE_ASSERT)
		return;
	if (type & KCSAN_TYPE_ATOMIC) {
		if (type & KCSAN_TYPE_COMPOUND)
			kind = SIM_ATOMIC_RMW;
		else
			kind = type & KCSAN_TYPE_WRITE ? SIM_ATOMIC_STORE : SIM_ATOMIC_LOAD;
		tsan_access(kind, ptr, n, pc);
		tsan_order(kind, ptr, __ATOMIC_RELAXED);
		return;
	}
	tsan_access(type & KCSAN_TYPE_WRITE ? SIM_WRITE : SIM_READ, ptr, n, pc);
}

void __kcsan_check_access(const volatile void *ptr, size_t size, int type);

void __kcsan_check_access(const volatile void *ptr, size_t size, int type)
{
	kcsan_access(ptr, size, type, HOOK_PC);
}

/* C++ virtual-table pointer hooks: not emitted for C, defined for completeness. */
void __tsan_vptr_update(void **vptr_p, void *new_val)
{
	(void)new_val;
	tsan_access(SIM_WRITE, vptr_p, sizeof(void *), HOOK_PC);
}

void __tsan_vptr_read(void **vptr_p)
{
	tsan_access(SIM_READ, vptr_p, sizeof(void *), HOOK_PC);
}

void __tsan_atomic_thread_fence(int mo)
{
	tsan_fence(mo, HOOK_PC);
}

void __tsan_atomic_signal_fence(int mo)
{
	(void)mo;
	/* A compiler barrier only: nothing another CPU could see. */
}

/*
 * Atomics. Each performs its step first (which may switch CPUs), then the
 * operation, so the operation is indivisible with respect to other tasks.
 * A read-modify-write then tells the engine whether it changed the value:
 * one that left it as it was (a failed compare-exchange, an exchange of
 * the value already there) is a read for spin-loop parking.
 */
#define DEFINE_ATOMIC(bits, T)						\
	T __tsan_atomic##bits##_load(const volatile void *a, int mo);	\
	void __tsan_atomic##bits##_store(volatile void *a, T v, int mo); \
	T __tsan_atomic##bits##_exchange(volatile void *a, T v, int mo); \
	T __tsan_atomic##bits##_fetch_add(volatile void *a, T v, int mo); \
	T __tsan_atomic##bits##_fetch_sub(volatile void *a, T v, int mo); \
	T __tsan_atomic##bits##_fetch_and(volatile void *a, T v, int mo); \
	T __tsan_atomic##bits##_fetch_or(volatile void *a, T v, int mo); \
	T __tsan_atomic##bits##_fetch_xor(volatile void *a, T v, int mo); \
	T __tsan_atomic##bits##_fetch_nand(volatile void *a, T v, int mo); \
	bool __tsan_atomic##bits##_compare_exchange_strong(volatile void *a, void *c, \
							   T v, int mo, int fmo); \
	bool __tsan_atomic##bits##_compare_exchange_weak(volatile void *a, void *c, \
							 T v, int mo, int fmo); \
	T __tsan_atomic##bits##_compare_exchange_val(volatile void *a, T c, T v, \
						     int mo, int fmo);	\
									\
	T __tsan_atomic##bits##_load(const volatile void *a, int mo)	\
	{								\
		T v;							\
		tsan_access(SIM_ATOMIC_LOAD, a, sizeof(T), HOOK_PC);		\
		v = *(const volatile T *)a;				\
		tsan_order(SIM_ATOMIC_LOAD, a, mo);			\
		return v;						\
	}								\
	void __tsan_atomic##bits##_store(volatile void *a, T v, int mo) \
	{								\
		tsan_access(SIM_ATOMIC_STORE, a, sizeof(T), HOOK_PC);	\
		*(volatile T *)a = v;					\
		tsan_order(SIM_ATOMIC_STORE, a, mo);			\
	}								\
	T __tsan_atomic##bits##_exchange(volatile void *a, T v, int mo) \
	{								\
		T old;							\
		tsan_access(SIM_ATOMIC_RMW, a, sizeof(T), HOOK_PC);		\
		old = *(volatile T *)a;					\
		*(volatile T *)a = v;					\
		machine_rmw_done(sim_current, (uintptr_t)a, sizeof(T), old != v); \
		tsan_order(SIM_ATOMIC_RMW, a, mo);			\
		return old;						\
	}								\
	DEFINE_FETCH_OP(bits, T, add, old + v)				\
	DEFINE_FETCH_OP(bits, T, sub, old - v)				\
	DEFINE_FETCH_OP(bits, T, and, old & v)				\
	DEFINE_FETCH_OP(bits, T, or, old | v)				\
	DEFINE_FETCH_OP(bits, T, xor, old ^ v)				\
	DEFINE_FETCH_OP(bits, T, nand, (T)~(old & v))			\
	/* A failed compare-exchange only loaded, with the failure order. */ \
	static inline bool cas##bits(volatile void *a, void *c, T v, int mo, int fmo, \
				     uintptr_t pc)			\
	{								\
		T old;							\
		tsan_access(SIM_ATOMIC_RMW, a, sizeof(T), pc);		\
		old = *(volatile T *)a;					\
		if (old == *(T *)c) {					\
			*(volatile T *)a = v;				\
			machine_rmw_done(sim_current, (uintptr_t)a, sizeof(T), old != v); \
			tsan_order(SIM_ATOMIC_RMW, a, mo);		\
			return true;					\
		}							\
		*(T *)c = old;						\
		tsan_order(SIM_ATOMIC_LOAD, a, fmo);			\
		return false;						\
	}								\
	bool __tsan_atomic##bits##_compare_exchange_strong(volatile void *a, void *c, \
							   T v, int mo, int fmo) \
	{								\
		return cas##bits(a, c, v, mo, fmo, HOOK_PC);		\
	}								\
	/* Never fails spuriously: a weak CAS may, but need not. */	\
	bool __tsan_atomic##bits##_compare_exchange_weak(volatile void *a, void *c, \
							 T v, int mo, int fmo) \
	{								\
		return cas##bits(a, c, v, mo, fmo, HOOK_PC);		\
	}								\
	T __tsan_atomic##bits##_compare_exchange_val(volatile void *a, T c, T v, \
						     int mo, int fmo)	\
	{								\
		T old = c;						\
		cas##bits(a, &old, v, mo, fmo, HOOK_PC);		\
		return old;						\
	}

#define DEFINE_FETCH_OP(bits, T, name, expr)				\
	T __tsan_atomic##bits##_fetch_##name(volatile void *a, T v, int mo) \
	{								\
		T old;							\
		T new;							\
		tsan_access(SIM_ATOMIC_RMW, a, sizeof(T), HOOK_PC);		\
		old = *(volatile T *)a;					\
		new = (T)(expr);					\
		*(volatile T *)a = new;					\
		machine_rmw_done(sim_current, (uintptr_t)a, sizeof(T), old != new); \
		tsan_order(SIM_ATOMIC_RMW, a, mo);			\
		return old;						\
	}

DEFINE_ATOMIC(8, uint8_t)
DEFINE_ATOMIC(16, uint16_t)
DEFINE_ATOMIC(32, uint32_t)
DEFINE_ATOMIC(64, uint64_t)

/*
 * The same hooks for code built with the kernel's ABI (a real kvm_main.o,
 * tools/kvm-tree/link.sh), which renames its references __tsan_X to
 * hvsim_kabi__tsan_X: the kernel builds with -mpreferred-stack-boundary=3,
 * so its calls arrive on a stack aligned to 8, not the 16 this file's
 * code (and the engine under it, with its SSE moves) may assume. Each
 * twin realigns the stack on entry; the hooks hv/ calls stay as they are,
 * without that cost.
 */
#define KABI __attribute__((force_align_arg_pointer))

#define DEFINE_KABI_ACCESS(n)	DEFINE_ACCESS_AS(hvsim_kabi, KABI, n)

DEFINE_KABI_ACCESS(1)
DEFINE_KABI_ACCESS(2)
DEFINE_KABI_ACCESS(4)
DEFINE_KABI_ACCESS(8)
DEFINE_KABI_ACCESS(16)

KABI void hvsim_kabi__tsan_init(void);
KABI void hvsim_kabi__tsan_func_entry(void *call_pc);
KABI void hvsim_kabi__tsan_func_exit(void);
KABI void hvsim_kabi__tsan_read_range(void *addr, unsigned long size);
KABI void hvsim_kabi__tsan_write_range(void *addr, unsigned long size);
KABI void hvsim_kabi__tsan_atomic_thread_fence(int mo);
KABI void hvsim_kabi__tsan_atomic_signal_fence(int mo);
KABI void hvsim_kabi__kcsan_check_access(const volatile void *ptr, size_t size, int type);

void hvsim_kabi__tsan_init(void)
{
}

void hvsim_kabi__tsan_func_entry(void *call_pc)
{
	__tsan_func_entry(call_pc);
}

void hvsim_kabi__tsan_func_exit(void)
{
	__tsan_func_exit();
}

void hvsim_kabi__tsan_read_range(void *addr, unsigned long size)
{
	tsan_range(SIM_READ, addr, size, HOOK_PC);
}

void hvsim_kabi__tsan_write_range(void *addr, unsigned long size)
{
	tsan_range(SIM_WRITE, addr, size, HOOK_PC);
}

void hvsim_kabi__tsan_atomic_thread_fence(int mo)
{
	tsan_fence(mo, HOOK_PC);
}

/*
 * Not a compiler barrier here: a kernel built with KCSAN_WEAK_MEMORY
 * passes its barriers this way, in KCSAN's encoding
 * (include/linux/kcsan-checks.h, __KCSAN_BARRIER_TO_SIGNAL_FENCE_*):
 * smp_mb() as SEQ_CST, smp_wmb() as ACQ_REL, smp_rmb() as ACQUIRE, a
 * release as RELEASE. Each is a fence step, with the order the race
 * detector's fence rules take: smp_wmb() orders stores, a release's half.
 */
void hvsim_kabi__tsan_atomic_signal_fence(int mo)
{
	int order;

	switch (mo) {
	case __ATOMIC_SEQ_CST:
		order = __ATOMIC_SEQ_CST;
		break;
	case __ATOMIC_ACQ_REL:
	case __ATOMIC_RELEASE:
		order = __ATOMIC_RELEASE;
		break;
	case __ATOMIC_ACQUIRE:
		order = __ATOMIC_ACQUIRE;
		break;
	default:
		return;		/* not a barrier KCSAN passes */
	}
	tsan_fence(order, HOOK_PC);
}

void hvsim_kabi__kcsan_check_access(const volatile void *ptr, size_t size, int type)
{
	kcsan_access(ptr, size, type, HOOK_PC);
}
