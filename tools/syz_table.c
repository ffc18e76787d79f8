// SPDX-License-Identifier: MIT
/*
 * The call descriptions of the KVM calls hvsim models, written from
 * syzkaller's published descriptions of the interface (sys/linux/
 * dev_kvm.txt: the calls' argument types, the structs' fields and widths)
 * and checked against the uapi layouts hvsim models (include/hvsim/kvm.h)
 * by tests/test_scenario.c. Flags become plain integers of their width:
 * syzkaller does not refuse a value outside a flag set either.
 *
 * Sorted by call name: syz_call_find() searches it.
 */
#include "syz.h"

#include <string.h>

#include "hvsim/kvm.h"

/* x86-64 system call numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_close	3
#define NR_mmap		9
#define NR_ioctl	16
#define NR_openat	257

#define AT_FDCWD_VALUE		0xffffffffffffff9cULL	/* -100 */

#define INT(n, sz)	{ .name = n, .kind = SYZ_T_INT, .size = sz, .align = sz }
#define CONST(n, sz, v)	{ .name = n, .kind = SYZ_T_CONST, .size = sz, .align = sz, .value = v }

static const struct syz_type t_int8 = INT("int8", 1);
static const struct syz_type t_int16 = INT("int16", 2);
static const struct syz_type t_int32 = INT("int32", 4);
static const struct syz_type t_int64 = INT("int64", 8);
static const struct syz_type t_intptr = INT("intptr", 8);
static const struct syz_type t_zero8 = CONST("const[0, int8]", 1, 0);
static const struct syz_type t_zero16 = CONST("const[0, int16]", 2, 0);
static const struct syz_type t_zero32 = CONST("const[0, int32]", 4, 0);
static const struct syz_type t_zero64 = CONST("const[0, int64]", 8, 0);
static const struct syz_type t_zeroptr = CONST("const[0]", 8, 0);
static const struct syz_type t_at_fdcwd = CONST("const[AT_FDCWD]", 8, AT_FDCWD_VALUE);

#define CMD(var, nr)	static const struct syz_type var = CONST("const[" #nr "]", 8, nr)
CMD(c_create_vm, KVM_CREATE_VM);
CMD(c_create_vcpu, KVM_CREATE_VCPU);
CMD(c_run, KVM_RUN);
CMD(c_mmap_size, KVM_GET_VCPU_MMAP_SIZE);
CMD(c_set_umr, KVM_SET_USER_MEMORY_REGION);
CMD(c_dirty_log, KVM_GET_DIRTY_LOG);
CMD(c_check_ext, KVM_CHECK_EXTENSION);
CMD(c_enable_cap, KVM_ENABLE_CAP);
CMD(c_irqchip, KVM_CREATE_IRQCHIP);
CMD(c_guest_debug, KVM_SET_GUEST_DEBUG);
CMD(c_set_cpuid2, KVM_SET_CPUID2);
CMD(c_get_cpuid2, KVM_GET_CPUID2);
CMD(c_get_regs, KVM_GET_REGS);
CMD(c_set_regs, KVM_SET_REGS);
CMD(c_get_sregs, KVM_GET_SREGS);
CMD(c_set_sregs, KVM_SET_SREGS);

/* Resources: an fd of each kind, and the two integers calls return. */
#define RES(n, p)	{ .name = n, .kind = SYZ_T_RES, .size = 8, .align = 8, .parent = p }
static const struct syz_type r_fd = RES("fd", NULL);
static const struct syz_type r_kvm = RES("fd_kvm", "fd");
static const struct syz_type r_kvmvm = RES("fd_kvmvm", "fd");
static const struct syz_type r_kvmcpu = RES("fd_kvmcpu", "fd");
static const struct syz_type r_mmap_size = RES("vcpu_mmap_size", NULL);
static const struct syz_type r_kvm_run = RES("kvm_run_ptr", NULL);

/* vma and vma64: an address range in the data area, 8 bytes where it is stored. */
static const struct syz_type t_vma = { .name = "vma", .kind = SYZ_T_VMA, .size = 8, .align = 8 };

static const struct syz_type t_devkvm = {
	.name = "string[\"/dev/kvm\"]", .kind = SYZ_T_STRING, .align = 1, .text = "/dev/kvm",
};

#define NF(a)		(unsigned int)(sizeof(a) / sizeof((a)[0]))
#define STRUCT(n, f)	{ .name = n, .kind = SYZ_T_STRUCT, .fields = f, .nfields = NF(f) }
#define ARRAY(n, e, l)	{ .name = n, .kind = SYZ_T_ARRAY, .elem = e, .len = l }

static const struct syz_field f_umr[] = {
	{ "slot", &t_int32 }, { "flags", &t_int32 }, { "paddr", &t_int64 },
	{ "size", &(const struct syz_type){ .name = "len[addr, int64]", .kind = SYZ_T_LEN,
					    .size = 8, .align = 8, .len_of = 4 } },
	{ "addr", &t_vma },
};
static const struct syz_type s_umr = STRUCT("kvm_userspace_memory_region", f_umr);

static const struct syz_field f_dirty_log[] = {
	{ "slot", &t_int32 }, { "pad", &t_zero32 }, { "bitmap", &t_vma },
};
static const struct syz_type s_dirty_log = STRUCT("kvm_dirty_log", f_dirty_log);

/* kvm_enable_cap[KVM_CAP_SPLIT_IRQCHIP, int64]: [align[8], size[sizeof(struct kvm_enable_cap)]] */
static const struct syz_field f_cap_split[] = {
	{ "cap", &(const struct syz_type)CONST("const[KVM_CAP_SPLIT_IRQCHIP, int32]", 4,
						KVM_CAP_SPLIT_IRQCHIP) },
	{ "flags", &t_zero32 }, { "args", &t_int64 },
};
static const struct syz_type s_cap_split = {
	.name = "kvm_enable_cap[KVM_CAP_SPLIT_IRQCHIP, int64]", .kind = SYZ_T_STRUCT,
	.fields = f_cap_split, .nfields = NF(f_cap_split),
	.size = sizeof(struct kvm_enable_cap), .align = 8,
};

static const struct syz_type a_reg8 = ARRAY("array[int64, 8]", &t_int64, 8);
static const struct syz_field f_guest_debug[] = {
	{ "ctrl", &t_int32 }, { "pad", &t_zero32 }, { "reg", &a_reg8 },
};
static const struct syz_type s_guest_debug = STRUCT("kvm_guest_debug", f_guest_debug);

static const struct syz_type a_pad3 = ARRAY("array[const[0, int32], 3]", &t_zero32, 3);
static const struct syz_field f_cpuid_entry2[] = {
	{ "func", &t_int32 }, { "index", &t_int32 }, { "flags", &t_int32 },
	{ "eax", &t_int32 }, { "ebx", &t_int32 }, { "ecx", &t_int32 }, { "edx", &t_int32 },
	{ "pad", &a_pad3 },
};
static const struct syz_type s_cpuid_entry2 = STRUCT("kvm_cpuid_entry2", f_cpuid_entry2);
static const struct syz_type a_entries = ARRAY("array[kvm_cpuid_entry2]", &s_cpuid_entry2, 0);
static const struct syz_field f_cpuid2[] = {
	{ "n", &(const struct syz_type){ .name = "len[entries, int32]", .kind = SYZ_T_LEN,
					 .size = 4, .align = 4, .len_of = 2 } },
	{ "pad", &t_zero32 }, { "entries", &a_entries },
};
static const struct syz_type s_cpuid2 = STRUCT("kvm_cpuid2", f_cpuid2);

static const struct syz_type a_gp = ARRAY("array[int64, 16]", &t_int64, 16);
static const struct syz_field f_regs[] = {
	{ "gp", &a_gp }, { "rip", &t_int64 }, { "rflags", &t_int64 },
};
static const struct syz_type s_regs = STRUCT("kvm_regs", f_regs);

static const struct syz_field f_segment[] = {
	{ "base", &t_int64 }, { "limit", &t_int32 }, { "select", &t_int16 },
	{ "type", &t_int8 }, { "present", &t_int8 }, { "dpl", &t_int8 }, { "db", &t_int8 },
	{ "s", &t_int8 }, { "l", &t_int8 }, { "g", &t_int8 }, { "avl", &t_int8 },
	{ "unusabl", &t_int8 }, { "padding", &t_zero8 },
};
static const struct syz_type s_segment = STRUCT("kvm_segment", f_segment);
static const struct syz_type a_pad16x3 = ARRAY("array[const[0, int16], 3]", &t_zero16, 3);
static const struct syz_field f_dtable[] = {
	{ "base", &t_int64 }, { "limit", &t_int16 }, { "pad", &a_pad16x3 },
};
static const struct syz_type s_dtable = STRUCT("kvm_dtable", f_dtable);
static const struct syz_type a_intr = ARRAY("array[int64, 4]", &t_int64, 4);
static const struct syz_field f_sregs[] = {
	{ "cs", &s_segment }, { "ds", &s_segment }, { "es", &s_segment }, { "fs", &s_segment },
	{ "gs", &s_segment }, { "ss", &s_segment }, { "tr", &s_segment }, { "ldt", &s_segment },
	{ "gdt", &s_dtable }, { "idt", &s_dtable },
	{ "cr0", &t_int64 }, { "cr2", &t_zero64 }, { "cr3", &t_int64 }, { "cr4", &t_int64 },
	{ "cr8", &t_int64 }, { "efer", &t_int64 }, { "apic", &t_int64 }, { "intr", &a_intr },
};
static const struct syz_type s_sregs = STRUCT("kvm_sregs", f_sregs);

#define PTR(n, d, e)	{ .name = n, .kind = SYZ_T_PTR, .size = 8, .align = 8, .dir = d, .elem = e }
static const struct syz_type p_devkvm = PTR("ptr[in, string[\"/dev/kvm\"]]", SYZ_IN, &t_devkvm);
static const struct syz_type p_umr = PTR("ptr[in, kvm_userspace_memory_region]", SYZ_IN, &s_umr);
static const struct syz_type p_dirty_log = PTR("ptr[in, kvm_dirty_log]", SYZ_IN, &s_dirty_log);
static const struct syz_type p_cap_split = PTR("ptr[in, kvm_enable_cap]", SYZ_IN, &s_cap_split);
static const struct syz_type p_guest_debug = PTR("ptr[in, kvm_guest_debug]", SYZ_IN, &s_guest_debug);
static const struct syz_type p_cpuid2_in = PTR("ptr[in, kvm_cpuid2]", SYZ_IN, &s_cpuid2);
static const struct syz_type p_cpuid2_out = PTR("ptr[out, kvm_cpuid2]", SYZ_OUT, &s_cpuid2);
static const struct syz_type p_regs_in = PTR("ptr[in, kvm_regs]", SYZ_IN, &s_regs);
static const struct syz_type p_regs_out = PTR("ptr[out, kvm_regs]", SYZ_OUT, &s_regs);
static const struct syz_type p_sregs_in = PTR("ptr[in, kvm_sregs]", SYZ_IN, &s_sregs);
static const struct syz_type p_sregs_out = PTR("ptr[out, kvm_sregs]", SYZ_OUT, &s_sregs);

#define ARGS(...)	(const struct syz_field[]){ __VA_ARGS__ }
#define NARGS(...)	NF(((const struct syz_field[]){ __VA_ARGS__ }))
#define CALL(n, sys, r, ...) \
	{ .name = n, .nr = sys, .ret = r, .args = ARGS(__VA_ARGS__), .nargs = NARGS(__VA_ARGS__) }
#define IOCTL(n, fdt, cmd, r, ...) CALL("ioctl$" n, NR_ioctl, r, { "fd", fdt }, { "cmd", cmd }, ##__VA_ARGS__)

static const struct syz_call_desc calls[] = {
	CALL("close", NR_close, NULL, { "fd", &r_fd }),
	IOCTL("KVM_CAP_SPLIT_IRQCHIP", &r_kvmvm, &c_enable_cap, NULL, { "arg", &p_cap_split }),
	IOCTL("KVM_CHECK_EXTENSION", &r_kvm, &c_check_ext, NULL, { "arg", &t_intptr }),
	IOCTL("KVM_CREATE_IRQCHIP", &r_kvmvm, &c_irqchip, NULL),
	IOCTL("KVM_CREATE_VCPU", &r_kvmvm, &c_create_vcpu, &r_kvmcpu, { "id", &t_intptr }),
	IOCTL("KVM_CREATE_VM", &r_kvm, &c_create_vm, &r_kvmvm, { "type", &t_zeroptr }),
	IOCTL("KVM_GET_CPUID2", &r_kvmcpu, &c_get_cpuid2, NULL, { "arg", &p_cpuid2_out }),
	IOCTL("KVM_GET_DIRTY_LOG", &r_kvmvm, &c_dirty_log, NULL, { "arg", &p_dirty_log }),
	IOCTL("KVM_GET_REGS", &r_kvmcpu, &c_get_regs, NULL, { "arg", &p_regs_out }),
	IOCTL("KVM_GET_SREGS", &r_kvmcpu, &c_get_sregs, NULL, { "arg", &p_sregs_out }),
	IOCTL("KVM_GET_VCPU_MMAP_SIZE", &r_kvm, &c_mmap_size, &r_mmap_size),
	IOCTL("KVM_RUN", &r_kvmcpu, &c_run, NULL, { "arg", &t_zeroptr }),
	IOCTL("KVM_SET_CPUID2", &r_kvmcpu, &c_set_cpuid2, NULL, { "arg", &p_cpuid2_in }),
	IOCTL("KVM_SET_GUEST_DEBUG", &r_kvmcpu, &c_guest_debug, NULL, { "arg", &p_guest_debug }),
	IOCTL("KVM_SET_REGS", &r_kvmcpu, &c_set_regs, NULL, { "arg", &p_regs_in }),
	IOCTL("KVM_SET_SREGS", &r_kvmcpu, &c_set_sregs, NULL, { "arg", &p_sregs_in }),
	IOCTL("KVM_SET_USER_MEMORY_REGION", &r_kvmvm, &c_set_umr, NULL, { "arg", &p_umr }),
	CALL("mmap$KVM_VCPU", NR_mmap, &r_kvm_run, { "addr", &t_vma }, { "len", &r_mmap_size },
	     { "prot", &t_intptr }, { "flags", &t_intptr }, { "cpufd", &r_kvmcpu },
	     { "offset", &t_zeroptr }),
	CALL("openat$kvm", NR_openat, &r_kvm, { "fd", &t_at_fdcwd }, { "file", &p_devkvm },
	     { "flags", &t_intptr }, { "mode", &t_zeroptr }),
};

const struct syz_call_desc *syz_calls(unsigned int *n)
{
	*n = NF(calls);
	return calls;
}

const struct syz_call_desc *syz_call_find(const char *name, size_t len)
{
	for (unsigned int i = 0; i < NF(calls); i++)
		if (strlen(calls[i].name) == len && !memcmp(calls[i].name, name, len))
			return &calls[i];
	return NULL;
}

bool syz_res_compatible(const struct syz_type *have, const struct syz_type *want)
{
	if (have == want)
		return true;
	return have->parent && !strcmp(have->parent, want->name);
}
