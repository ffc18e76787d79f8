// SPDX-License-Identifier: MIT
/*
 * Scenario files and syzkaller programs (tools/scenario.c, tools/syz.c):
 * good scenarios parsed into the expected plan (calls, arguments,
 * resources, properties, data-area offsets, struct layouts checked against
 * the uapi structs of hvsim/kvm.h), and bad ones, each with its exact
 * FILE:LINE:COL message. The fuzzers' findings stay here as regressions.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hvsim/kvm.h"
#include "scenario.h"

#define HEADER \
	"machine 2 slots: skylake-sp x2\n" \
	"variant fixed fixed\n" \
	"expect fixed clean under dfs:2\n" \
	"program\n"

/* Seed 004's reproducer, verbatim from the posting (issue 13 quotes it). */
#define SEED004 \
	"r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\n" \
	"r1 = ioctl$KVM_CREATE_VM(r0, 0xae01, 0x0)\n" \
	"ioctl$KVM_CAP_SPLIT_IRQCHIP(r1, 0x4068aea3, &(0x7f0000000000)) (async)\n" \
	"r2 = ioctl$KVM_CREATE_VCPU(r1, 0xae41, 0x0) (async)\n" \
	"r3 = ioctl$KVM_CREATE_VCPU(r1, 0xae41, 0x400000000000002)\n" \
	"ioctl$KVM_SET_GUEST_DEBUG(r3, 0x4048ae9b, &(0x7f00000000c0)={0x5dda9c14aa95f5c5})\n" \
	"ioctl$KVM_RUN(r2, 0xae80, 0x0)\n"

static struct scn *parse_ok(const char *text)
{
	struct scn *s;
	char err[1024] = "";

	cr_assert_eq(scn_parse("t.scn", text, strlen(text), NULL, &s, err, sizeof(err)), 0,
		     "%s", err);
	cr_assert_not_null(s);
	return s;
}

static void parse_bad(const char *text, const char *want)
{
	struct scn *s = (struct scn *)1;
	char err[1024] = "";

	cr_expect_neq(scn_parse("t.scn", text, strlen(text), NULL, &s, err, sizeof(err)), 0,
		      "parsed, but should fail with: %s", want);
	cr_expect_null(s);
	cr_expect_str_eq(err, want);
}

static const struct syz_arg *arg(const struct scn *s, unsigned int call, unsigned int i)
{
	cr_assert_lt(call, s->prog->ncalls);
	cr_assert_lt(i, s->prog->calls[call].desc->nargs);
	return s->prog->calls[call].args[i];
}

Test(scenario, seed004_program_verbatim)
{
	struct scn *s = parse_ok(
		"# seed 004: APICv inhibit vs vCPU creation\n"
		"machine 2 slots: skylake-sp x2\n"
		"param enable_apicv=1\n"
		"variant pre-fix pre-fix=004\n"
		"expect pre-fix reproduces \"WARNING in vcpu_enter_guest\" within 5000 schedules under pct:3\n"
		"variant fixed fixed\n"
		"expect fixed clean under dfs:2\n"
		"program\n" SEED004);
	const struct syz_prog *p = s->prog;
	const struct syz_arg *a;
	uint8_t buf[128];

	cr_assert_str_eq(s->machine, "2 slots: skylake-sp x2");
	cr_assert_eq(s->nslots, 2);
	cr_assert_eq(s->nparams, 1);
	cr_assert_str_eq(s->params[0].name, "enable_apicv");
	cr_assert_str_eq(s->params[0].value, "1");
	cr_assert_eq(s->nvariants, 2);
	cr_assert_str_eq(s->variants[0].name, "pre-fix");
	cr_assert_str_eq(s->variants[0].flags, "pre-fix=004");
	cr_assert_eq(s->variants[0].expect, SCN_REPRODUCES);
	cr_assert_str_eq(s->variants[0].title, "WARNING in vcpu_enter_guest");
	cr_assert_not(s->variants[0].title_is_class);
	cr_assert_eq(s->variants[0].within, 5000);
	cr_assert_str_eq(s->variants[0].strategy, "pct:3");
	cr_assert_eq(s->variants[1].expect, SCN_CLEAN);
	cr_assert_str_eq(s->variants[1].strategy, "dfs:2");
	cr_assert_eq(s->program_line, 8);

	cr_assert_eq(p->ncalls, 7);
	cr_assert_str_eq(p->calls[0].desc->name, "openat$kvm");
	cr_assert_eq(p->calls[0].desc->nr, 257);
	cr_assert_eq(p->calls[0].ret, 0);
	cr_assert_eq(p->calls[0].line, 9);
	/* AT_FDCWD, then the path: the pointee's default, "/dev/kvm", at offset 0. */
	cr_assert_eq(arg(s, 0, 0)->kind, SYZ_A_INT);
	cr_assert_eq(arg(s, 0, 0)->val, 0xffffffffffffff9cULL);
	a = arg(s, 0, 1);
	cr_assert_eq(a->kind, SYZ_A_PTR);
	cr_assert_eq(a->area_off, 0);
	cr_assert_eq(a->pointee->kind, SYZ_A_DATA);
	cr_assert_eq(a->pointee->size, 9);
	cr_assert_eq(memcmp(a->pointee->data, "/dev/kvm", 9), 0);
	cr_assert_eq(a->pointee->col, 0, "a default is not written in the text");

	cr_assert_str_eq(p->calls[1].desc->name, "ioctl$KVM_CREATE_VM");
	cr_assert_eq(p->calls[1].ret, 1);
	cr_assert_eq(arg(s, 1, 0)->kind, SYZ_A_RES);
	cr_assert_eq(arg(s, 1, 0)->res, 0);
	cr_assert_eq(arg(s, 1, 1)->val, KVM_CREATE_VM);
	cr_assert_str_eq(p->res[1].type->name, "fd_kvmvm");

	/* KVM_ENABLE_CAP's default struct: the cap, the rest zero, uapi's 104 bytes. */
	cr_assert_str_eq(p->calls[2].desc->name, "ioctl$KVM_CAP_SPLIT_IRQCHIP");
	cr_assert(p->calls[2].async);
	cr_assert_eq(p->calls[2].ret, -1);
	a = arg(s, 2, 2);
	cr_assert_eq(a->area_off, 0);
	cr_assert_eq(a->pointee->size, sizeof(struct kvm_enable_cap));
	memset(buf, 0xee, sizeof(buf));
	syz_render(a->pointee, buf, sizeof(buf));
	cr_assert_eq(buf[0], 121);
	for (size_t i = 1; i < sizeof(struct kvm_enable_cap); i++)
		cr_assert_eq(buf[i], 0, "byte %zu", i);

	cr_assert(p->calls[3].async);
	cr_assert_eq(p->calls[3].ret, 2);
	cr_assert_not(p->calls[4].async);
	cr_assert_eq(arg(s, 4, 2)->val, 0x400000000000002ULL);
	cr_assert_str_eq(p->res[3].type->name, "fd_kvmcpu");

	/* The debug struct at 0xc0: 0x5dda9c14aa95f5c5 in a 32-bit field, low bytes used. */
	a = arg(s, 5, 2);
	cr_assert_eq(a->area_off, 0xc0);
	cr_assert_eq(a->pointee->size, 72);
	cr_assert(a->pointee->elems[0]->truncated);
	cr_assert_eq(a->pointee->elems[0]->val, 0x5dda9c14aa95f5c5ULL);
	memset(buf, 0xee, sizeof(buf));
	syz_render(a->pointee, buf, sizeof(buf));
	cr_assert_eq(memcmp(buf, "\xc5\xf5\x95\xaa\0\0\0\0", 8), 0);
	for (size_t i = 8; i < 72; i++)
		cr_assert_eq(buf[i], 0);
	cr_assert_eq(buf[72], 0xee, "nothing past the struct");
	cr_assert_eq(p->nwarnings, 1);
	cr_assert_str_eq(p->warnings[0],
			 "14:62: warning: 0x5dda9c14aa95f5c5 does not fit field 'ctrl' of kvm_guest_debug (int32); its low 4 bytes are used, as syz-executor does");

	cr_assert_eq(arg(s, 6, 0)->res, 2);
	cr_assert_eq(p->calls[6].cpu, -1);
	scn_free(s);
}

/* Struct layouts with natural alignment, as the uapi structs hvsim models. */
Test(scenario, layouts_match_the_uapi_structs)
{
	struct scn *s = parse_ok(HEADER
		"r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000)='/dev/kvm\\x00', 0x0, 0x0)\n"
		"r1 = ioctl$KVM_CREATE_VM(r0, 0xae01, 0x0)\n"
		"r2 = ioctl$KVM_CREATE_VCPU(r1, 0xae41, 0x0)\n"
		"ioctl$KVM_SET_USER_MEMORY_REGION(r1, 0x4020ae46, &(0x7f0000000100)={0x1, 0x2, 0x3000, AUTO, &(0x7f0000001000/0x2000)=nil})\n"
		"ioctl$KVM_GET_DIRTY_LOG(r1, 0x4010ae42, &(0x7f0000000200)={0x1, 0x0, &(0x7f0000004000/0x1000)=nil})\n"
		"ioctl$KVM_SET_REGS(r2, 0x4090ae82, &(0x7f0000000300)={[0x11, 0x22], 0x1000, 0x2})\n"
		"ioctl$KVM_SET_SREGS(r2, 0x4138ae84, &(0x7f0000000400)={{0x10, 0xffff, 0x8, 0xb, 0x1}, {}, {}, {}, {}, {}, {}, {}, {0x5000, 0x27}, {}, 0x80000011, 0x0, 0x3000, 0x20, 0x0, 0x500, 0xfee00000, [0x1]})\n"
		"ioctl$KVM_SET_CPUID2(r2, 0x4008ae90, &(0x7f0000000800)={AUTO, 0x0, [{0x1, 0x0, 0x0, 0x306a9}, {0x80000008, 0x0, 0x0, 0x3027}]})\n");
	struct kvm_userspace_memory_region umr;
	struct kvm_dirty_log dl;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	/* A table of two entries: the header, then the entries it ends in. */
	_Alignas(8) uint8_t cpuid[sizeof(struct kvm_cpuid2) + 2 * sizeof(struct kvm_cpuid_entry2)];
	const struct kvm_cpuid2 *h = (const void *)cpuid;
	const struct kvm_cpuid_entry2 *e = h->entries;
	const struct syz_arg *a;

	cr_assert_eq(arg(s, 0, 1)->pointee->size, 9);
	cr_assert_eq(memcmp(arg(s, 0, 1)->pointee->data, "/dev/kvm", 9), 0);

	a = arg(s, 3, 2)->pointee;
	cr_assert_eq(a->size, sizeof(umr));
	memset(&umr, 0xee, sizeof(umr));
	syz_render(a, (uint8_t *)&umr, sizeof(umr));
	cr_assert_eq(umr.slot, 1);
	cr_assert_eq(umr.flags, 2);
	cr_assert_eq(umr.guest_phys_addr, 0x3000);
	cr_assert_eq(umr.memory_size, 0x2000, "AUTO: the mapping's size");
	cr_assert_eq(umr.userspace_addr, 0x7f0000001000ULL);
	cr_assert_eq(a->elems[4]->offset, offsetof(struct kvm_userspace_memory_region, userspace_addr));
	cr_assert_eq(a->elems[4]->area_off, 0x1000);
	cr_assert_eq(a->elems[4]->vma_size, 0x2000);

	a = arg(s, 4, 2)->pointee;
	cr_assert_eq(a->size, sizeof(dl));
	syz_render(a, (uint8_t *)&dl, sizeof(dl));
	cr_assert_eq(dl.slot, 1);
	cr_assert_eq(dl.padding2, 0x7f0000004000ULL);

	a = arg(s, 5, 2)->pointee;
	cr_assert_eq(a->size, sizeof(regs));
	memset(&regs, 0xee, sizeof(regs));
	syz_render(a, (uint8_t *)&regs, sizeof(regs));
	cr_assert_eq(regs.rax, 0x11);
	cr_assert_eq(regs.rbx, 0x22);
	cr_assert_eq(regs.r15, 0, "array elements left out are 0");
	cr_assert_eq(regs.rip, 0x1000);
	cr_assert_eq(regs.rflags, 2);

	a = arg(s, 6, 2)->pointee;
	cr_assert_eq(a->size, sizeof(sregs));
	memset(&sregs, 0xee, sizeof(sregs));
	syz_render(a, (uint8_t *)&sregs, sizeof(sregs));
	cr_assert_eq(sregs.cs.base, 0x10);
	cr_assert_eq(sregs.cs.limit, 0xffff);
	cr_assert_eq(sregs.cs.selector, 8);
	cr_assert_eq(sregs.cs.type, 0xb);
	cr_assert_eq(sregs.cs.present, 1);
	cr_assert_eq(sregs.cs.padding, 0);
	cr_assert_eq(sregs.gdt.base, 0x5000);
	cr_assert_eq(sregs.gdt.limit, 0x27);
	cr_assert_eq(sregs.cr0, 0x80000011);
	cr_assert_eq(sregs.cr3, 0x3000);
	cr_assert_eq(sregs.cr4, 0x20);
	cr_assert_eq(sregs.efer, 0x500);
	cr_assert_eq(sregs.apic_base, 0xfee00000);
	cr_assert_eq(sregs.interrupt_bitmap[0], 1);
	cr_assert_eq(a->elems[10]->offset, offsetof(struct kvm_sregs, cr0));
	cr_assert_eq(a->elems[1]->elems[2]->offset, offsetof(struct kvm_sregs, ds.selector));
	cr_assert_eq(a->elems[9]->offset, offsetof(struct kvm_sregs, idt));

	/* A variable array: the header, then the entries; AUTO counts them. */
	a = arg(s, 7, 2)->pointee;
	cr_assert_eq(a->size, sizeof(cpuid));
	memset(cpuid, 0xee, sizeof(cpuid));
	syz_render(a, cpuid, sizeof(cpuid));
	cr_assert_eq(h->nent, 2);
	cr_assert_eq(h->padding, 0);
	cr_assert_eq(e[0].function, 1);
	cr_assert_eq(e[0].eax, 0x306a9);
	cr_assert_eq(e[1].function, 0x80000008);
	cr_assert_eq(e[1].eax, 0x3027);
	cr_assert_eq(e[1].padding[2], 0);
	cr_assert_eq(a->elems[2]->elems[1]->offset, sizeof(struct kvm_cpuid2) + sizeof(struct kvm_cpuid_entry2));
	scn_free(s);
}

Test(scenario, table_is_sorted_and_each_ioctl_number_encodes_its_struct)
{
	unsigned int n;
	const struct syz_call_desc *c = syz_calls(&n);

	cr_assert_geq(n, 19);
	for (unsigned int i = 1; i < n; i++)
		cr_assert_lt(strcmp(c[i - 1].name, c[i].name), 0, "%s", c[i].name);
	for (unsigned int i = 0; i < n; i++) {
		const struct syz_type *t;

		cr_assert_eq(syz_call_find(c[i].name, strlen(c[i].name)), &c[i]);
		if (strncmp(c[i].name, "ioctl$", 6) || c[i].nargs < 3)
			continue;
		/* _IOW/_IOR's size field is the size of the struct the pointer carries. */
		t = c[i].args[2].type;
		if (t->kind != SYZ_T_PTR || t->elem->kind != SYZ_T_STRUCT)
			continue;
		cr_assert_eq(c[i].args[1].type->kind, SYZ_T_CONST);
		{
			char text[256];
			struct scn *s;
			unsigned int size = (unsigned int)(c[i].args[1].type->value >> 16) & 0x3fff;

			snprintf(text, sizeof(text), HEADER "%s(0xffffffffffffffff, %#llx, &(0x7f0000000000))\n",
				 c[i].name, (unsigned long long)c[i].args[1].type->value);
			s = parse_ok(text);
			cr_assert_eq(arg(s, 0, 2)->pointee->size, size, "%s", c[i].name);
			scn_free(s);
		}
	}
	cr_assert_null(syz_call_find("ioctl$KVM_NMI", 13));
}

Test(scenario, directives_events_pins_and_properties)
{
	struct scn *s = parse_ok(
		"machine 3 slots: skylake-sp x2, slot 2 kabylake offline\n"
		"param kvm.halt_poll_ns=0\n"
		"variant pre-fix pre-fix=000\n"
		"variant mid fixed,-hotplug-enable-lock,+hotplug-compat-check\n"
		"expect mid reproduces warning within 1 schedule under timed:64\n"
		"expect pre-fix reproduces entry-failure within 200 schedules under random\n"
		"program\n"
		"r0 = openat$kvm(0xffffffffffffff9c, &AUTO='/dev/kvm\\x00', 0x2, 0x0)\n"
		"# hvsim: hot-add slot 2\n"
		"# a comment syzkaller skips too\n"
		"# hvsim: cpu 1\n"
		"r1 = ioctl$KVM_CREATE_VM(r0, 0xae01, 0x0) (fail_nth: 2)\n"
		"# hvsim: hot-remove slot 1 anytime\n"
		"\n"
		"ioctl$KVM_CHECK_EXTENSION(r0, 0xae03, 7) (rerun: 3, async)  # trailing comment\n"
		"close(r1)\n");
	const struct syz_prog *p = s->prog;

	cr_assert_eq(s->nslots, 3);
	cr_assert_str_eq(s->params[0].name, "kvm.halt_poll_ns");
	cr_assert_str_eq(s->variants[1].flags, "fixed,-hotplug-enable-lock,+hotplug-compat-check");
	cr_assert(s->variants[1].title_is_class);
	cr_assert_str_eq(s->variants[1].title, "warning");
	cr_assert_eq(s->variants[1].within, 1);
	cr_assert_str_eq(s->variants[0].title, "entry-failure");
	cr_assert_eq(s->variants[0].expect_line, 6);
	cr_assert_eq(s->nevents, 2);
	cr_assert_eq(s->events[0].kind, SCN_HOT_ADD);
	cr_assert_eq(s->events[0].slot, 2);
	cr_assert_eq(s->events[0].before_call, 1);
	cr_assert_not(s->events[0].anytime);
	cr_assert_eq(s->events[1].kind, SCN_HOT_REMOVE);
	cr_assert_eq(s->events[1].slot, 1);
	cr_assert_eq(s->events[1].before_call, 2);
	cr_assert(s->events[1].anytime);
	cr_assert_eq(p->ncalls, 4);
	cr_assert_eq(p->calls[0].cpu, -1);
	cr_assert(arg(s, 0, 1)->auto_addr);
	cr_assert_eq(arg(s, 0, 1)->area_off, 0);
	cr_assert_eq(p->calls[1].cpu, 1);
	cr_assert_eq(p->calls[1].fail_nth, 2);
	cr_assert_eq(p->calls[2].cpu, -1, "a pin holds for one call");
	cr_assert_eq(p->calls[2].rerun, 3);
	cr_assert(p->calls[2].async);
	cr_assert_eq(arg(s, 2, 2)->val, 7, "decimal integers");
	cr_assert_eq(arg(s, 3, 0)->res, 1, "close takes any fd");
	cr_assert_not_null(scn_variant_find(s, "mid"));
	cr_assert_null(scn_variant_find(s, "nope"));
	scn_free(s);
}

Test(scenario, auto_pointers_follow_each_other)
{
	struct scn *s = parse_ok(HEADER
		"ioctl$KVM_GET_REGS(0xffffffffffffffff, 0x8090ae81, &AUTO)\n"
		"ioctl$KVM_GET_SREGS(0xffffffffffffffff, 0x8138ae83, &AUTO)\n"
		"ioctl$KVM_RUN(0xffffffffffffffff, 0xae80, 0x0)\n");

	cr_assert_eq(arg(s, 0, 2)->area_off, 0);
	cr_assert_eq(arg(s, 1, 2)->area_off, sizeof(struct kvm_regs));
	cr_assert_eq(arg(s, 0, 0)->kind, SYZ_A_INT, "a resource may be given as a number");
	scn_free(s);
}

Test(scenario, crlf_lines_and_strings_with_escapes)
{
	struct scn *s = parse_ok("machine 1 slot: kabylake\r\nvariant v fixed\r\n"
				 "expect v clean under dfs\r\nprogram\r\n"
				 "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000010)=\"2f6465762f6b766d00\", 0x0, 0x0)\r\n"
				 "r1 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000020)='a\\n\\t\\\\\\'b'/8, 0x0, 0x0)\r\n");
	const struct syz_arg *a = arg(s, 0, 1);

	cr_assert_eq(a->area_off, 0x10);
	cr_assert_eq(a->pointee->len, 9);
	cr_assert_eq(memcmp(a->pointee->data, "/dev/kvm", 9), 0);
	a = arg(s, 1, 1);
	cr_assert_eq(a->pointee->len, 8, "'...'/8: padded to 8");
	cr_assert_eq(memcmp(a->pointee->data, "a\n\t\\'b\0\0", 8), 0);
	scn_free(s);
}

/* Each error: exact file, line, column, what was expected and what was found. */
static const struct {
	const char *text;
	const char *err;
} bad[] = {
	{ HEADER "ioctl$KVM_NMI(0x3, 0xae9a)\n",
	  "t.scn:5:1: expected a call hvsim models (docs/scenarios.md lists them), found 'ioctl$KVM_NMI'" },
	{ HEADER "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0)\n",
	  "t.scn:5:59: expected ',' and 1 more argument of openat$kvm, found ')'" },
	{ HEADER "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0, 0x1)\n",
	  "t.scn:5:64: expected ')': openat$kvm takes 4 arguments, found ','" },
	{ HEADER "r0 = openat$kvm(0xfffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\n",
	  "t.scn:5:17: expected a number of at most 64 bits, found '0xfffffffffffffff9c'" },
	{ HEADER "close(18446744073709551616)\n",
	  "t.scn:5:7: expected a number of at most 64 bits, found '18446744073709551616'" },
	{ HEADER "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\nr1 = ioctl$KVM_CREATE_VCPU(r0, 0xae41, 0x0)\n",
	  "t.scn:6:28: expected a resource of kind fd_kvmvm for argument 1 'fd' of ioctl$KVM_CREATE_VCPU; r0 is fd_kvm, from line 5, found 'r0'" },
	{ HEADER "ioctl$KVM_RUN(r5, 0xae80, 0x0)\n",
	  "t.scn:5:15: expected a resource defined by an earlier call for argument 1 'fd' of ioctl$KVM_RUN, found 'r5'" },
	{ HEADER "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\nr0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000), 0x0, 0x0)\n",
	  "t.scn:6:1: expected a resource not defined before (r0 is defined at line 5), found 'r0'" },
	{ HEADER "r0 = close(0x3)\n",
	  "t.scn:5:6: expected a call that returns a resource after 'r0 =', found 'close'" },
	{ HEADER "ioctl$KVM_RUN(0x3, 0xae81, 0x0)\n",
	  "t.scn:5:20: expected 0xae80 for argument 2 'cmd' of ioctl$KVM_RUN (const[KVM_RUN]), found '0xae81'" },
	{ HEADER "ioctl$KVM_GET_REGS(0x3, 0x8090ae81, &(0x6f0000000000))\n",
	  "t.scn:5:39: expected an address in the data area, 0x7f0000000000 to 0x7f0000ffffff, found '0x6f0000000000'" },
	{ HEADER "ioctl$KVM_GET_REGS(0x3, 0x8090ae81, &(0x7f0000ffffc0))\n",
	  "t.scn:5:37: expected data that ends inside the data area: 144 bytes at offset 0xffffc0 go past its 16777216, found '&'" },
	{ HEADER "ioctl$KVM_SET_REGS(0x3, 0x4090ae82, &(0x7f0000000000)={[0x1], 0x2, 0x3, 0x4})\n",
	  "t.scn:5:73: expected '}': kvm_regs has 3 fields, found '0x4'" },
	{ HEADER "ioctl$KVM_SET_REGS(0x3, 0x4090ae82, &(0x7f0000000000)={0x1})\n",
	  "t.scn:5:56: expected an array ([...]) for field 'gp' of kvm_regs (array[int64, 16]), found '0x1'" },
	{ HEADER "ioctl$KVM_SET_REGS(0x3, 0x4090ae82, &(0x7f0000000000)={[0x1}})\n",
	  "t.scn:5:60: expected ',' or ']', found '}'" },
	{ HEADER "close(0x3) (async, rerun: 2, fail_nth: 1)\n",
	  "t.scn:5:42: expected fail_nth or rerun, not both (syzkaller refuses them together), found the end of the line" },
	{ HEADER "close(0x3) (foo)\n",
	  "t.scn:5:13: expected a call property (async, fail_nth: N, rerun: N), found 'foo'" },
	{ HEADER "close(0x3) (rerun: 0)\n",
	  "t.scn:5:21: expected rerun from 1 to 1000, found ')'" },
	{ HEADER "close(0x3) extra\n",
	  "t.scn:5:12: expected the end of the line after the call, found 'extra'" },
	{ HEADER "close(0x3\n",
	  "t.scn:5:10: expected ')': close takes 1 argument, found the end of the line" },
	{ HEADER "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000)='/dev/kvm, 0x0, 0x0)\n",
	  "t.scn:5:75: expected the closing ' of the string that starts at column 55, found the end of the line" },
	{ HEADER "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000)=\"2f6\", 0x0, 0x0)\n",
	  "t.scn:5:58: expected pairs of hex digits in \"...\" data, found '6\"'" },
	{ HEADER "r0 = openat$kvm(0xffffffffffffff9c, &(0x7f0000000000)='\\q', 0x0, 0x0)\n",
	  "t.scn:5:56: expected an escape (\\xNN, \\0, \\n, \\t, \\r, \\v, \\f, \\a, \\b, \\\\, \\', \\\"), found '\\q''" },
	{ HEADER "ioctl$KVM_SET_USER_MEMORY_REGION(0x3, 0x4020ae46, &(0x7f0000000000)={0x0, 0x0, 0x0, AUTO, &(0x7f0000001000)=nil})\n",
	  "t.scn:5:107: expected '/SIZE' after the address of field 'addr' of kvm_userspace_memory_region, an address range, found ')'" },
	{ HEADER "ioctl$KVM_GET_REGS(0x3, 0x8090ae81, &(0x7f0000000000/0x1000))\n",
	  "t.scn:5:53: expected ')': argument 3 'arg' of ioctl$KVM_GET_REGS points to data, it has no size, found '/0x1000'" },
	{ HEADER "# hvsim: cpu 2\nclose(0x3)\n",
	  "t.scn:5:14: expected a CPU of the machine from 0 to 1, found '2'" },
	{ HEADER "# hvsim: cpu 1\n# hvsim: cpu 0\nclose(0x3)\n",
	  "t.scn:6:10: expected a call after '# hvsim: cpu' at line 5, before another, found 'cpu'" },
	{ HEADER "# hvsim: hot-plug slot 1\nclose(0x3)\n",
	  "t.scn:5:10: expected an hvsim directive (cpu N, hot-add slot K [anytime], hot-remove slot K [anytime]), found 'hot-plug'" },
	{ HEADER "# hvsim: hot-add slot 1 soon\nclose(0x3)\n",
	  "t.scn:5:25: expected the end of the line after the slot (or 'anytime'), found 'soon'" },
	{ HEADER "close(0x3)\n# hvsim: cpu 1\n",
	  "t.scn:7:1: expected a call after '# hvsim: cpu' at line 6, found the end of the line" },
	{ HEADER, "t.scn:5:1: expected at least one call after 'program' (line 4), found the end of the line" },
	{ "machine 1 slot: nosuchcpu\n",
	  "t.scn:1:17: expected a CPU model that loads, found 'nosuchcpu': unknown CPU model 'nosuchcpu' (no " HVSIM_CPUS_DIR "/nosuchcpu.cpu); expected one of: alderlake-e alderlake-p denverton icelake-sp kabylake sapphire-rapids skylake-sp" },
	{ "machine 2 slots: skylake-sp\n",
	  "t.scn:1:28: expected CPUs for all 2 slots, found 1 (', MODEL xN' or ', slot K MODEL')" },
	{ "machine 1 slot: kabylake\nmachine 1 slot: kabylake\n",
	  "t.scn:2:1: expected one 'machine' line (the first is at line 1), found 'machine'" },
	{ "machine 1 slot: kabylake\nvariant fixed fixed\nprogram\nclose(0x3)\n",
	  "t.scn:2:1: expected an 'expect fixed ...' line for variant fixed, found none" },
	{ "machine 1 slot: kabylake\nprogram\nclose(0x3)\n",
	  "t.scn:4:1: expected at least one 'variant NAME FLAGS' line, found the end of the line" },
	{ "variant v fixed\nexpect v clean under dfs\nprogram\n",
	  "t.scn:3:1: expected a 'machine' line before 'program', found 'program'" },
	{ "machine 1 slot: kabylake\nvariant fixed fix\n",
	  "t.scn:2:15: expected fixed, pre-fix=SEED, +FLAG or -FLAG (flags comma-separated, no blanks), found 'fix'" },
	{ "machine 1 slot: kabylake\nvariant v fixed,+Bad\n",
	  "t.scn:2:17: expected fixed, pre-fix=SEED, +FLAG or -FLAG (flags comma-separated, no blanks), found '+Bad'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nvariant v fixed\n",
	  "t.scn:3:9: expected a new variant name ('v' is declared at line 2), found 'v'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect w clean under dfs\n",
	  "t.scn:3:8: expected the name of a variant declared above, found 'w'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v reproduces foo within 3 schedules under pct:3\n",
	  "t.scn:3:21: expected a report title in quotes (\"WARNING in vcpu_enter_guest\") or a class (data-race, lockdep, deadlock, hang, oops, warning, entry-failure), found 'foo'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v reproduces \"WARNING in x within 3 schedules under pct:3\n",
	  "t.scn:3:65: expected the closing '\"' of the title that starts at column 21, found the end of the line" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v reproduces hang within 0 schedules under pct:3\n",
	  "t.scn:3:33: expected a number of schedules from 1 to 1000000000000, found '0'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v reproduces hang within 99999999999999999999999 schedules under pct:3\n",
	  "t.scn:3:33: expected a number of schedules from 1 to 1000000000000, found '99999999999999999999999'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v reproduces hang within 3 under pct:3\n",
	  "t.scn:3:35: expected 'schedules' after the number, found 'under'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v clean under pct:x\n",
	  "t.scn:3:22: expected a strategy (timed[:J], random, pct[:D], dfs[:P]), found 'pct:x'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v clean under dfs\nexpect v clean under dfs\n",
	  "t.scn:4:8: expected one expectation per variant ('v' has one at line 3), found 'v'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v clean\n",
	  "t.scn:3:15: expected 'under STRATEGY', found the end of the line" },
	{ "machine 1 slot: kabylake\nparam enable_apicv\n",
	  "t.scn:2:7: expected NAME=VALUE, a module parameter (enable_apicv=0), found 'enable_apicv'" },
	{ "machine 1 slot: kabylake\nparam a=1\nparam a=2\n",
	  "t.scn:3:7: expected one setting of each parameter (a is set at line 2), found 'a=2'" },
	{ "machine 1 slot: kabylake\nbogus line\n",
	  "t.scn:2:1: expected machine, param, variant, expect, check, program or a comment, found 'bogus'" },
	/* check lines (seed 002's expectations: call results and log lines). */
	{ "machine 1 slot: kabylake\nvariant v fixed\ncheck v call 1 returns -ENOPE\n",
	  "t.scn:3:24: expected a return value: a number (0, 3, 0x10, -1) or -ERRNO (-EINVAL, -EBUSY, -EEXIST, ...), found '-ENOPE'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\ncheck v call x returns 0\n",
	  "t.scn:3:14: expected a call's index in the program (from 0) from 0 to 1023, found 'x'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\ncheck v logs \"a\" 2\n",
	  "t.scn:3:19: expected 'times' after the number, found the end of the line" },
	{ "machine 1 slot: kabylake\nvariant v fixed\ncheck v sings\n",
	  "t.scn:3:9: expected 'call N returns VALUE' or 'logs \"TEXT\" N times', found 'sings'" },
	{ "machine 1 slot: kabylake\nvariant v fixed\nexpect v clean under pct:3\ncheck v call 1 returns 0\nprogram\nclose(0x3)\n",
	  "t.scn:4:1: expected a call's index below 1 (the program's calls, from 0), found 1" },
	/* The bad files of issue 13: binary, ending mid-line, empty. */
	{ "\x7f" "ELF\x02\x01\x01",
	  "t.scn:1:1: expected text (a scenario, docs/scenarios.md), found byte 0x7f" },
	{ "machine 1 slot: kabylake\nvariant v fi\x01xed\n",
	  "t.scn:2:13: expected text (a scenario, docs/scenarios.md), found byte 0x01" },
	{ HEADER "close(0x3)",
	  "t.scn:5:11: expected a newline at the end of the file (it ends mid-line), found the end of the line" },
	{ "", "t.scn:1:1: expected a 'machine' line, found the end of the line" },
};

Test(scenario, bad_scenarios_name_file_line_and_column)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i].text, bad[i].err);
}

Test(scenario, nesting_is_capped_without_recursing_deep)
{
	size_t n = 60000;
	char *text = malloc(strlen(HEADER) + n + 128);
	char err[1024];
	struct scn *s;

	/* 60000 '{' cannot nest: the type says where a struct goes. */
	strcpy(text, HEADER "ioctl$KVM_SET_SREGS(0x3, 0x4138ae84, &(0x7f0000000000)=");
	memset(text + strlen(text), '{', n);
	text[strlen(HEADER) + 56 + n] = '\0';
	strcat(text, ")\n");
	cr_assert_neq(scn_parse("t.scn", text, strlen(text), NULL, &s, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "t.scn:5:58: expected an integer for field 'base' of kvm_segment (int64), found '{'");
	free(text);
}

Test(scenario, enormous_and_long_inputs_are_refused)
{
	size_t n = SCN_MAX_FILE + 1;
	char *text = malloc(n), err[1024];
	struct scn *s;

	memset(text, '#', n);
	cr_assert_eq(scn_parse("t.scn", text, n, NULL, &s, err, sizeof(err)), -EFBIG);
	cr_assert_str_eq(err, "t.scn:1:1: expected a scenario of at most 1048576 bytes, found 1048577 bytes");
	text[SCN_MAX_FILE - 1] = '\n';
	cr_assert_neq(scn_parse("t.scn", text, SCN_MAX_FILE, NULL, &s, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "t.scn:1:65537: expected a line of at most 65536 bytes, found '################################...'");
	free(text);
}

Test(scenario, load_refuses_devices_directories_and_missing_files)
{
	struct scn *s;
	char err[1024];

	cr_assert_eq(scn_load("/dev/zero", NULL, &s, err, sizeof(err)), -EFBIG);
	cr_assert_str_eq(err, "/dev/zero:1:1: expected a scenario of at most 1048576 bytes, found more");
	cr_assert_neq(scn_load("/", NULL, &s, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "/:1:1: expected a readable scenario file, found: Is a directory");
	cr_assert_eq(scn_load("/nonexistent/x.scn", NULL, &s, err, sizeof(err)), -ENOENT);
	cr_assert_str_eq(err, "/nonexistent/x.scn:1:1: expected a readable scenario file, found: No such file or directory");
}

Test(scenario, flag_syntax)
{
	static const char *good[] = { "fixed", "pre-fix=004", "-kick-read-once", "fixed,+a,-b_c", "pre-fix=000,+x1" };
	static const char *badf[] = { "", "fix", "pre-fix=", "+", "-A", ",fixed", "fixed,", "+a b", "pre-fix=0-1" };
	size_t at;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		cr_assert(scn_flags_valid(good[i], strlen(good[i]), &at), "%s", good[i]);
	for (size_t i = 0; i < sizeof(badf) / sizeof(badf[0]); i++)
		cr_assert_not(scn_flags_valid(badf[i], strlen(badf[i]), &at), "%s", badf[i]);
}

Test(scenario, data_is_capped_per_program)
{
	const char *call = "openat$kvm(0xffffffffffffff9c, &(0x7f0000000000)='a'/16777216, 0x0, 0x0)\n";
	char *text = malloc(strlen(HEADER) + 5 * strlen(call) + 1), err[1024];
	struct scn *s;

	strcpy(text, HEADER);
	for (int i = 0; i < 4; i++)
		strcat(text, call);
	/* Each string fits the area; the fourth's copy passes the program's cap. */
	cr_assert_neq(scn_parse("t.scn", text, strlen(text), NULL, &s, err, sizeof(err)), 0);
	cr_assert_str_eq(err, "t.scn:8:62: expected a program of at most 64 MiB of data, found more");
	free(text);
}
